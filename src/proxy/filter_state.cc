#include "proxy/filter_state.h"

#include <algorithm>

namespace weir::proxy {

void FilterState::setData(std::string_view name, std::unique_ptr<Object> value) {
  for (auto& [k, v] : entries_) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::string(name), std::move(value));
}

void FilterState::removeData(std::string_view name) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const auto& e) { return e.first == name; }),
                 entries_.end());
}

const FilterState::Object* FilterState::find(std::string_view name) const {
  for (const auto& [k, v] : entries_) {
    if (k == name) return v.get();
  }
  return nullptr;
}

}  // namespace weir::proxy

#include "proxy/filter_factory.h"

namespace weir::proxy {

Status FilterRegistry::registerFactory(std::unique_ptr<NamedHttpFilterConfigFactory> factory) {
  for (const auto& f : factories_) {
    if (f->name() == factory->name()) {
      return Status(StatusCode::kAlreadyExists, "filter '" + factory->name() + "' registered twice");
    }
    if (!factory->configTypeUrl().empty() && f->configTypeUrl() == factory->configTypeUrl()) {
      return Status(StatusCode::kAlreadyExists,
                    "filter config type '" + factory->configTypeUrl() + "' registered twice");
    }
  }
  factories_.push_back(std::move(factory));
  return Status::ok();
}

NamedHttpFilterConfigFactory* FilterRegistry::find(std::string_view name,
                                                   std::string_view type_url) const {
  if (!type_url.empty()) {
    for (const auto& f : factories_) {
      if (f->configTypeUrl() == type_url) return f.get();
    }
  }
  for (const auto& f : factories_) {
    if (f->name() == name) return f.get();
  }
  return nullptr;
}

std::vector<std::string> FilterRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(factories_.size());
  for (const auto& f : factories_) out.push_back(f->name());
  return out;
}

}  // namespace weir::proxy

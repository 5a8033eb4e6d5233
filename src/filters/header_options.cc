#include "filters/header_options.h"

namespace weir::filters {

void applyHeaderOption(http::HeaderMap& headers, const config::HeaderValueOption& opt) {
  if (opt.value.empty() && !opt.keep_empty_value) return;
  using A = config::HeaderValueOption::AppendAction;
  switch (opt.append_action) {
    case A::kAppendIfExistsOrAdd: headers.add(opt.key, opt.value); break;
    case A::kAddIfAbsent:
      if (!headers.has(opt.key)) headers.add(opt.key, opt.value);
      break;
    case A::kOverwriteIfExistsOrAdd: headers.set(opt.key, opt.value); break;
    case A::kOverwriteIfExists:
      if (headers.has(opt.key)) headers.set(opt.key, opt.value);
      break;
  }
}

void applyHeaderOptions(http::HeaderMap& headers, const std::vector<config::HeaderValueOption>& add,
                        const std::vector<std::string>& remove) {
  for (const auto& name : remove) headers.remove(name);
  for (const auto& opt : add) applyHeaderOption(headers, opt);
}

}  // namespace weir::filters

// Envoy's HeaderValueOption semantics (append_action, keep_empty_value) on a
// header map, shared by the router (route/virtual host headers to add) and
// envoy.filters.http.header_mutation.
#pragma once

#include <string>
#include <vector>

#include "config/bootstrap.h"
#include "http/header_map.h"

namespace weir::filters {

// One option: add, add if absent, overwrite, or overwrite if present.
void applyHeaderOption(http::HeaderMap& headers, const config::HeaderValueOption& option);
// Removes `remove` first, then applies each option in order.
void applyHeaderOptions(http::HeaderMap& headers, const std::vector<config::HeaderValueOption>& add,
                        const std::vector<std::string>& remove);

}  // namespace weir::filters

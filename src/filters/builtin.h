// The set of built-in HTTP filters, registered explicitly (a static library
// drops self-registering objects nobody references).
#pragma once

#include "proxy/filter_factory.h"

namespace weir::filters {

// Registers every built-in filter factory (envoy.filters.http.router,
// envoy.filters.network.tcp_proxy, ...).
void registerBuiltinFilters(proxy::FilterRegistry& registry);

}  // namespace weir::filters

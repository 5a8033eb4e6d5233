#include "filters/builtin.h"

#include "base/logging.h"
#include "filters/router/router_filter.h"

namespace weir::filters {

void registerBuiltinFilters(proxy::FilterRegistry& registry) {
  router::registerRouterFilter(registry);
}

}  // namespace weir::filters

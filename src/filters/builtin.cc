#include "filters/builtin.h"

#include "base/logging.h"
#include "filters/router/router_filter.h"
#include "filters/tcp_proxy/tcp_proxy.h"

namespace weir::filters {

void registerBuiltinFilters(proxy::FilterRegistry& registry) {
  router::registerRouterFilter(registry);
  tcp_proxy::registerTcpProxyFilter(registry);
}

}  // namespace weir::filters

#include "filters/builtin.h"

#include "base/logging.h"
#include "filters/header_mutation/header_mutation_filter.h"
#include "filters/router/router_filter.h"
#include "filters/tcp_proxy/tcp_proxy.h"

namespace weir::filters {

void registerBuiltinFilters(proxy::FilterRegistry& registry) {
  router::registerRouterFilter(registry);
  header_mutation::registerHeaderMutationFilter(registry);
  tcp_proxy::registerTcpProxyFilter(registry);
}

}  // namespace weir::filters

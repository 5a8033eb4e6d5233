#include "config/default_bootstrap.h"

namespace weir::config {

const std::string_view kDefaultBootstrapYaml = R"(# weir's built-in configuration (used when no -c is given).
admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: 9901 }
node:
  id: weir-default
  cluster: weir
static_resources:
  listeners:
  - name: listener_0
    address:
      socket_address: { address: 0.0.0.0, port_value: 10000 }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: ingress_http
          codec_type: AUTO
          route_config:
            name: local_route
            virtual_hosts:
            - name: local_service
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                direct_response:
                  status: 200
                  body: { inline_string: "Hello from weir\n" }
                response_headers_to_add:
                - header: { key: content-type, value: text/plain }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
)";

}  // namespace weir::config

#include "config/default_bootstrap.h"

#include "config/default_filter.h"  // generated: examples/filters/hello.wat in base64

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
          # examples/filters/hello.wat, embedded at build time: adds
          # "x-weir-filter: <configuration>" to every response and counts
          # requests in wasmcustom.hello_requests. GET :9901/plugins lists it.
          - name: envoy.filters.http.wasm
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
              config:
                name: hello
                configuration:
                  "@type": type.googleapis.com/google.protobuf.StringValue
                  value: "hello from wasm"
                vm_config:
                  vm_id: hello
                  runtime: envoy.wasm.runtime.v8
                  code: { local: { inline_bytes: ")" WEIR_DEFAULT_FILTER_BASE64 R"(" } }
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
)";

}  // namespace weir::config

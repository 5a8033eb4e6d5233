// envoy.filters.http.header_mutation — adds, overwrites and removes request
// and response headers, configured as Envoy's
// envoy.extensions.filters.http.header_mutation.v3.HeaderMutation:
//
//   mutations:
//     request_mutations:  [ {append: {header: {key, value}, append_action, keep_empty_value}} | {remove: NAME} ]
//     response_mutations: [ … ]
//
// Mutations apply in order (removes and appends interleaved as listed), on
// the request before it goes on and on the response headers on the way back.
// Values are literal: Envoy's %…% substitution formatters are a config error
// rather than being sent verbatim. Trailer and query-parameter mutations are
// not supported (config error naming the field).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "config/bootstrap.h"
#include "proxy/filter.h"
#include "proxy/filter_factory.h"

namespace weir::filters::header_mutation {

inline constexpr std::string_view kHeaderMutationFilterName = "envoy.filters.http.header_mutation";
inline constexpr std::string_view kHeaderMutationTypeUrl =
    "type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation";

struct Mutation {
  bool remove = false;             // remove `option.key`; else append per option
  config::HeaderValueOption option;
};

// Immutable, built once per config load.
struct HeaderMutationConfig {
  std::vector<Mutation> request;
  std::vector<Mutation> response;
};

// Parses the typed_config; errors name the field ("mutations.request_mutations[1].append.header.key: …").
Result<std::shared_ptr<const HeaderMutationConfig>> parseHeaderMutationConfig(const proxy::FilterConfigTree& typed_config);

class HeaderMutationFilter : public proxy::PassThroughFilter {
 public:
  explicit HeaderMutationFilter(std::shared_ptr<const HeaderMutationConfig> config) : config_(std::move(config)) {}
  proxy::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  proxy::FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) override;

 private:
  std::shared_ptr<const HeaderMutationConfig> config_;
};

void registerHeaderMutationFilter(proxy::FilterRegistry& registry);

}  // namespace weir::filters::header_mutation

// The compiled route table of one HTTP connection manager: picks the virtual
// host by :authority and the first matching route by :path, headers and query
// parameters, exactly in Envoy's order. Built once per config (main thread),
// then shared read-only by every worker: matching allocates nothing except
// for query-parameter and case-insensitive matching.
//
// Virtual host selection (Envoy's precedence):
//   1. exact domain                       "api.example.com"
//   2. suffix wildcard, longest first     "*.example.com", "*.com"
//   3. prefix wildcard, longest first     "api.*"
//   4. the "*" catch-all
// Matching is case-insensitive; when the host carries a port and nothing
// matched with it, the port is stripped and matching is retried.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "config/bootstrap.h"

namespace weir::http {
class HeaderMap;
}

namespace weir::proxy {

struct MatchedRoute {
  const config::VirtualHost* virtual_host = nullptr;
  const config::Route* route = nullptr;
};

class RouteTable {
 public:
  // Copies `config` (the table owns what MatchedRoute points into) and
  // compiles any regex the loader did not (hand-built configs in tests).
  static Result<std::shared_ptr<const RouteTable>> create(const config::RouteConfiguration& config);

  const config::RouteConfiguration& config() const { return config_; }

  // The route for a request, or nullopt (→ 404, response flag NR). Reads
  // :authority, :path and the other headers from `headers`.
  std::optional<MatchedRoute> route(const http::HeaderMap& headers) const;

  // Virtual host for a Host/:authority value; null when none matches.
  const config::VirtualHost* selectVirtualHost(std::string_view host) const;
  // First route of `vhost` matching the request; null when none.
  const config::Route* matchRoute(const config::VirtualHost& vhost,
                                  const http::HeaderMap& headers) const;

  // --- helpers for the router (static: they only need the matched route) ---

  // The upstream cluster of a kRoute action: `cluster`, the weighted pick for
  // `random_value` (any uint64, e.g. from a per-worker PRNG), or the value of
  // `cluster_header` ("" when that header is missing → 503 NC in Envoy).
  static std::string_view selectCluster(const config::RouteAction& action,
                                        const http::HeaderMap& headers, uint64_t random_value);
  // weighted_clusters pick: cluster i when random_value % total_weight falls
  // in its cumulative range.
  static const std::string& pickWeightedCluster(const config::RouteAction& action,
                                                uint64_t random_value);

  // The :path the upstream should see after prefix_rewrite / regex_rewrite,
  // or nullopt when the route rewrites nothing. `path` is the full :path
  // (query included; rewrites apply to the path part and keep the query).
  static std::optional<std::string> rewritePath(const config::Route& route, std::string_view path);

  // The Location of a redirect route for this request. `scheme` is the
  // request's scheme ("http"/"https"), `host` its :authority, `path` its :path.
  static std::string redirectUrl(const config::Route& route, std::string_view scheme,
                                 std::string_view host, std::string_view path);

  // request_headers_to_add/remove of route, virtual host and route config
  // applied in Envoy's order (route first, then vhost, then the global list,
  // so the outer level wins on overwrite).
  void applyRequestHeaders(const MatchedRoute& match, http::HeaderMap& headers) const;
  void applyResponseHeaders(const MatchedRoute& match, http::HeaderMap& headers) const;

  // The most specific typed_per_filter_config for `filter_name`: the route's,
  // else the virtual host's; null when neither has one.
  static const config::TypedConfig* perFilterConfig(const MatchedRoute& match,
                                                    std::string_view filter_name);

 private:
  explicit RouteTable(config::RouteConfiguration config);
  Status compile();
  const config::VirtualHost* findVirtualHost(std::string_view host) const;

  config::RouteConfiguration config_;
  // Lower-cased domain → vhost, per kind. Wildcards keep their fixed part
  // ("*.example.com" → ".example.com", "api.*" → "api.") sorted longest first.
  std::unordered_map<std::string, const config::VirtualHost*> exact_;
  std::vector<std::pair<std::string, const config::VirtualHost*>> suffix_;
  std::vector<std::pair<std::string, const config::VirtualHost*>> prefix_;
  const config::VirtualHost* default_ = nullptr;
};

}  // namespace weir::proxy

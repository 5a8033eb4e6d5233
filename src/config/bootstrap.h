// The typed, validated, immutable form of an Envoy v3 bootstrap (the subset
// weir supports). Produced only by the loader (config/loader.h), which checks
// every cross-object rule before handing out a shared_ptr<const Bootstrap>, so
// consumers never re-validate: a Bootstrap that exists is a usable one.
//
// Field names follow Envoy's proto field names so `docs/config.md` and Envoy's
// own documentation line up. Defaults are Envoy's (noted where weir differs).
// A duration of zero means "disabled" wherever Envoy says so.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace re2 {
class RE2;
}

namespace weir::config {

using Duration = std::chrono::milliseconds;
// Compiled once at load time; shared by every copy of the config and by route
// tables built from it. RE2 is thread-safe for matching.
using RegexPtr = std::shared_ptr<const re2::RE2>;

struct SocketAddress {
  std::string address;  // IP literal for listeners/admin/STATIC; a DNS name for *_DNS clusters
  uint16_t port_value = 0;
};

// An extension's config after `@type` handling: `type_url` is the full
// "type.googleapis.com/..." name of the message, `value` its fields (with
// "@type" removed, TypedStruct wrappers already unwrapped). Filter factories
// parse `value` themselves; `source` ("file:line:col" + field path) lets them
// report errors that point at the user's YAML.
struct TypedConfig {
  std::string type_url;
  nlohmann::json value = nlohmann::json::object();
  std::string source;
};

// --- access logs -----------------------------------------------------------

struct AccessLog {
  enum class Sink { kFile, kStdout, kStderr };
  std::string name;         // "envoy.access_loggers.file" / ".stdout" / ".stderr"
  Sink sink = Sink::kStdout;
  std::string path;         // kFile only
  // At most one of these is set; neither → Envoy's default text format.
  std::optional<std::string> text_format;
  std::optional<nlohmann::json> json_format;  // object; values are format strings or nested objects
  bool omit_empty_values = false;
  std::string source;  // "file:line:col: field.path", for errors found later (format strings)
};

// --- headers and matchers ---------------------------------------------------

struct HeaderValueOption {
  enum class AppendAction {
    kAppendIfExistsOrAdd,     // Envoy default (and `append: true`)
    kAddIfAbsent,
    kOverwriteIfExistsOrAdd,  // `append: false`
    kOverwriteIfExists,
  };
  std::string key;    // lower-cased at load time
  std::string value;  // may contain %...% command operators (not expanded by weir yet)
  AppendAction append_action = AppendAction::kAppendIfExistsOrAdd;
  bool keep_empty_value = false;
};

struct StringMatcher {
  enum class Kind { kExact, kPrefix, kSuffix, kContains, kSafeRegex };
  Kind kind = Kind::kExact;
  std::string value;  // the literal, or the regex source for kSafeRegex
  bool ignore_case = false;
  RegexPtr regex;  // kSafeRegex: full-match semantics, as Envoy
};

struct HeaderMatcher {
  std::string name;  // lower-cased
  // Exactly one of: a string matcher (exact_match / prefix_match / suffix_match /
  // contains_match / safe_regex_match / string_match) or present_match.
  std::optional<StringMatcher> string_match;
  std::optional<bool> present_match;
  bool invert_match = false;
  bool treat_missing_header_as_empty = false;
};

struct QueryParameterMatcher {
  std::string name;
  std::optional<StringMatcher> string_match;  // unset → present_match
  bool present_match = false;
};

// --- routes -----------------------------------------------------------------

struct RouteMatch {
  enum class PathKind { kPrefix, kPath, kSafeRegex, kPathSeparatedPrefix };
  PathKind kind = PathKind::kPrefix;
  std::string path;  // prefix / path / regex source / separated prefix
  RegexPtr regex;    // kSafeRegex
  bool case_sensitive = true;
  std::vector<HeaderMatcher> headers;
  std::vector<QueryParameterMatcher> query_parameters;
};

// Bits of RetryPolicy::retry_on.
enum RetryOn : uint32_t {
  kRetry5xx = 1u << 0,
  kRetryGatewayError = 1u << 1,
  kRetryConnectFailure = 1u << 2,
  kRetryReset = 1u << 3,
  kRetryRetriableStatusCodes = 1u << 4,
  kRetryRefusedStream = 1u << 5,
  kRetryRetriable4xx = 1u << 6,
};

struct RetryPolicy {
  uint32_t retry_on = 0;  // RetryOn bits parsed from the comma list
  std::string retry_on_string;
  uint32_t num_retries = 1;
  Duration per_try_timeout{0};  // 0 → the route timeout applies
  std::vector<uint32_t> retriable_status_codes;
};

struct WeightedCluster {
  std::string name;
  uint32_t weight = 0;
};

struct RouteAction {
  enum class ClusterSpecifier { kCluster, kWeightedClusters, kClusterHeader };
  ClusterSpecifier cluster_specifier = ClusterSpecifier::kCluster;
  std::string cluster;         // kCluster
  std::vector<WeightedCluster> weighted_clusters;  // kWeightedClusters
  uint32_t total_weight = 0;   // sum of weights (Envoy's total_weight is deprecated and ignored)
  std::string cluster_header;  // kClusterHeader, lower-cased

  std::optional<std::string> prefix_rewrite;
  struct RegexRewrite {
    std::string pattern;
    RegexPtr regex;
    std::string substitution;  // RE2 syntax: \1 for groups
  };
  std::optional<RegexRewrite> regex_rewrite;
  std::optional<std::string> host_rewrite_literal;
  bool auto_host_rewrite = false;

  Duration timeout{15000};  // Envoy default 15s; 0 disables
  std::optional<Duration> idle_timeout;  // unset → HCM stream_idle_timeout applies
  std::optional<RetryPolicy> retry_policy;
};

struct DirectResponseAction {
  uint32_t status = 200;
  std::optional<std::string> body;  // body.inline_string / inline_bytes / filename (read at load)
};

struct RedirectAction {
  bool https_redirect = false;
  std::optional<std::string> scheme_redirect;
  std::optional<std::string> host_redirect;
  std::optional<uint32_t> port_redirect;
  std::optional<std::string> path_redirect;
  std::optional<std::string> prefix_rewrite;
  uint32_t response_code = 301;  // MOVED_PERMANENTLY 301, FOUND 302, SEE_OTHER 303,
                                 // TEMPORARY_REDIRECT 307, PERMANENT_REDIRECT 308
  bool strip_query = false;
};

struct Route {
  std::string name;
  RouteMatch match;
  enum class ActionKind { kRoute, kDirectResponse, kRedirect };
  ActionKind action_kind = ActionKind::kRoute;
  RouteAction route;                      // kRoute
  DirectResponseAction direct_response;   // kDirectResponse
  RedirectAction redirect;                // kRedirect

  std::vector<HeaderValueOption> request_headers_to_add;
  std::vector<std::string> request_headers_to_remove;  // lower-cased
  std::vector<HeaderValueOption> response_headers_to_add;
  std::vector<std::string> response_headers_to_remove;
  // Filter name → per-route config (TypedStruct unwrapped like typed_config).
  std::map<std::string, TypedConfig> typed_per_filter_config;
};

struct VirtualHost {
  std::string name;
  std::vector<std::string> domains;  // lower-cased; "*", "*.suffix", "prefix.*", exact
  std::vector<Route> routes;
  std::vector<HeaderValueOption> request_headers_to_add;
  std::vector<std::string> request_headers_to_remove;
  std::vector<HeaderValueOption> response_headers_to_add;
  std::vector<std::string> response_headers_to_remove;
  std::map<std::string, TypedConfig> typed_per_filter_config;
};

struct RouteConfiguration {
  std::string name;
  std::vector<VirtualHost> virtual_hosts;
  std::vector<HeaderValueOption> request_headers_to_add;
  std::vector<std::string> request_headers_to_remove;
  std::vector<HeaderValueOption> response_headers_to_add;
  std::vector<std::string> response_headers_to_remove;
};

// --- the HTTP connection manager --------------------------------------------

struct HttpFilter {
  std::string name;  // "envoy.filters.http.router", "envoy.filters.http.wasm", ...
  std::optional<TypedConfig> typed_config;
  bool is_optional = false;
  bool disabled = false;
};

struct HttpConnectionManager {
  enum class CodecType { kAuto, kHttp1, kHttp2 };
  std::string stat_prefix;
  CodecType codec_type = CodecType::kAuto;  // weir speaks HTTP/1.1 downstream; AUTO means that
  RouteConfiguration route_config;
  std::vector<HttpFilter> http_filters;  // the loader guarantees the last is the router
  std::vector<AccessLog> access_log;

  bool use_remote_address = false;
  uint32_t xff_num_trusted_hops = 0;
  bool skip_xff_append = false;
  bool generate_request_id = true;
  bool preserve_external_request_id = false;
  std::string server_name = "envoy";  // Envoy's default `server:` value, kept for drop-in use

  Duration stream_idle_timeout{300000};   // 5 min
  Duration request_timeout{0};            // disabled
  Duration request_headers_timeout{0};    // disabled
  Duration drain_timeout{5000};
  Duration delayed_close_timeout{1000};
  uint32_t max_request_headers_kb = 60;

  struct CommonHttpProtocolOptions {
    Duration idle_timeout{3600000};  // 1 h downstream connection idle timeout
    uint32_t max_headers_count = 100;
    std::optional<Duration> max_stream_duration;
  } common_http_protocol_options;

  struct Http1ProtocolOptions {
    bool accept_http_10 = false;
    std::string default_host_for_http_10;
  } http_protocol_options;
};

// --- listeners --------------------------------------------------------------

// --- network filters ----------------------------------------------------------

// envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, checked field by
// field by the loader (the filter is part of weir's core, like the router).
struct TcpProxy {
  std::string stat_prefix;
  std::string cluster;                            // or weighted_clusters
  std::vector<WeightedCluster> weighted_clusters;
  uint32_t total_weight = 0;
  Duration idle_timeout{3600000};  // Envoy default 1h; 0 disables
  uint32_t max_connect_attempts = 1;
  std::vector<AccessLog> access_log;
};

// A network filter other than the HTTP connection manager, as written. Its
// factory (proxy::NamedNetworkFilterConfigFactory) builds it from here.
struct NetworkFilter {
  std::string name;
  TypedConfig typed_config;
  std::optional<TcpProxy> tcp_proxy;  // set for envoy.filters.network.tcp_proxy
};

struct FilterChain {
  std::string name;
  // Every filter of the chain in order, except the HTTP connection manager.
  std::vector<NetworkFilter> network_filters;
  // The chain is envoy.filters.network.http_connection_manager (weir runs it
  // as a chain of its own: no other network filter beside it yet).
  bool has_http_connection_manager = false;
  HttpConnectionManager http_connection_manager;
};

struct Listener {
  std::string name;
  SocketAddress address;
  std::vector<FilterChain> filter_chains;  // exactly one today (no filter_chain_match)
  uint32_t per_connection_buffer_limit_bytes = 1024 * 1024;
};

// --- clusters ---------------------------------------------------------------

struct LbEndpoint {
  SocketAddress address;  // endpoint.address.socket_address
  uint32_t load_balancing_weight = 1;
};

struct LocalityLbEndpoints {
  std::vector<LbEndpoint> lb_endpoints;
  uint32_t priority = 0;  // only priority 0 is supported
};

struct ClusterLoadAssignment {
  std::string cluster_name;
  std::vector<LocalityLbEndpoints> endpoints;
};

struct CircuitBreakerThresholds {
  enum class Priority { kDefault, kHigh };
  Priority priority = Priority::kDefault;
  uint32_t max_connections = 1024;
  uint32_t max_pending_requests = 1024;
  uint32_t max_requests = 1024;
  uint32_t max_retries = 3;
};

struct Cluster {
  enum class DiscoveryType { kStatic, kStrictDns, kLogicalDns };
  enum class LbPolicy { kRoundRobin, kLeastRequest, kRandom };
  enum class DnsLookupFamily { kAuto, kV4Only, kV6Only, kV4Preferred, kAll };

  std::string name;
  DiscoveryType type = DiscoveryType::kStatic;
  Duration connect_timeout{5000};
  LbPolicy lb_policy = LbPolicy::kRoundRobin;
  uint32_t least_request_choice_count = 2;  // least_request_lb_config.choice_count
  ClusterLoadAssignment load_assignment;
  // Always holds a kDefault entry (Envoy's defaults if the YAML has none);
  // a kHigh entry only if configured.
  std::vector<CircuitBreakerThresholds> circuit_breakers;
  Duration dns_refresh_rate{5000};
  DnsLookupFamily dns_lookup_family = DnsLookupFamily::kAuto;
  uint32_t per_connection_buffer_limit_bytes = 1024 * 1024;

  // Upstream HTTP/1.1 options, from typed_extension_protocol_options
  // ["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"] (explicit_http_config
  // with http_protocol_options only) or the deprecated top-level fields.
  std::optional<Duration> upstream_idle_timeout;  // common_http_protocol_options.idle_timeout (Envoy: 1h)
  std::optional<uint32_t> max_requests_per_connection;

  // The kDefault thresholds (always present).
  const CircuitBreakerThresholds& defaultThresholds() const;
};

// --- bootstrap --------------------------------------------------------------

struct Node {
  std::string id;
  std::string cluster;
  nlohmann::json metadata = nlohmann::json::object();  // Struct, kept as-is (Proxy-Wasm reads it)
};

struct Admin {
  SocketAddress address;
  std::vector<AccessLog> access_log;
  std::string access_log_path;  // deprecated field, accepted
};

struct StaticResources {
  std::vector<Listener> listeners;
  std::vector<Cluster> clusters;
};

// One entry of bootstrap_extensions, as written (envoy.bootstrap.wasm, ...).
// Its factory (proxy::NamedBootstrapExtensionFactory) builds it from here.
struct BootstrapExtension {
  std::string name;
  TypedConfig typed_config;
};

struct Bootstrap {
  std::optional<Admin> admin;
  Node node;
  StaticResources static_resources;
  std::vector<BootstrapExtension> bootstrap_extensions;
  // Where it came from ("weir.yaml", "<default>"), for messages and /config_dump.
  std::string source_name;
  // The user's document as JSON (YAML → JSON, TypedStructs as written), for /config_dump.
  nlohmann::json raw = nlohmann::json::object();

  const Cluster* findCluster(const std::string& name) const;
  const Listener* findListener(const std::string& name) const;
};

}  // namespace weir::config

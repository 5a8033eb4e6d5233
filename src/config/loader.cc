#include "config/loader.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_set>

#include <fmt/format.h>
#include <re2/re2.h>

#include "config/yaml_tree.h"

namespace weir::config {

std::string ConfigError::toString() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}:{}", line, column);
  out += ": ";
  if (!field_path.empty()) {
    out += field_path;
    out += ": ";
  }
  out += message;
  return out;
}

namespace {

constexpr std::string_view kHcmType =
    "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
constexpr std::string_view kRouterType = "envoy.extensions.filters.http.router.v3.Router";
constexpr std::string_view kTcpProxyType = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
constexpr std::string_view kFileLogType = "envoy.extensions.access_loggers.file.v3.FileAccessLog";
constexpr std::string_view kStdoutLogType = "envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
constexpr std::string_view kStderrLogType = "envoy.extensions.access_loggers.stream.v3.StderrAccessLog";
constexpr std::string_view kUpstreamHttpOptionsType = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
constexpr size_t kMaxRegexLength = 4096;

// Well-known Envoy HTTP filter names and the message their typed_config must
// carry. Envoy picks the extension by type; a known name with another type is
// almost certainly a copy-paste mistake, so it is reported.
struct KnownFilter {
  std::string_view name;
  std::string_view type;
};
constexpr KnownFilter kKnownHttpFilters[] = {
    {"envoy.filters.http.router", kRouterType},
    {"envoy.filters.http.wasm", "envoy.extensions.filters.http.wasm.v3.Wasm"},
    {"envoy.filters.http.cors", "envoy.extensions.filters.http.cors.v3.Cors"},
    {"envoy.filters.http.fault", "envoy.extensions.filters.http.fault.v3.HTTPFault"},
    {"envoy.filters.http.buffer", "envoy.extensions.filters.http.buffer.v3.Buffer"},
    {"envoy.filters.http.local_ratelimit", "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"},
    {"envoy.filters.http.lua", "envoy.extensions.filters.http.lua.v3.Lua"},
    {"envoy.filters.http.health_check", "envoy.extensions.filters.http.health_check.v3.HealthCheck"},
    {"envoy.filters.http.header_mutation", "envoy.extensions.filters.http.header_mutation.v3.HeaderMutation"},
    {"envoy.filters.http.jwt_authn", "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication"},
    {"envoy.filters.http.rbac", "envoy.extensions.filters.http.rbac.v3.RBAC"},
    {"envoy.filters.http.compressor", "envoy.extensions.filters.http.compressor.v3.Compressor"},
    {"envoy.filters.http.ext_authz", "envoy.extensions.filters.http.ext_authz.v3.ExtAuthz"},
    {"envoy.filters.http.grpc_json_transcoder",
     "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder"},
};

std::string_view typeName(std::string_view type_url) {
  size_t slash = type_url.rfind('/');
  return slash == std::string_view::npos ? type_url : type_url.substr(slash + 1);
}

std::string toLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// proto3 JSON accepts lowerCamelCase field names too; weir matches on snake_case.
std::string snakeCase(std::string_view key) {
  std::string out;
  out.reserve(key.size() + 4);
  for (char c : key) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

bool isIpLiteral(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool isHeaderNameChar(char c) {
  // RFC 9110 tchar
  return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string joinLines(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += '\n';
    out += e.toString();
  }
  return out;
}

class Loader;

// Reads the fields of one YAML map, remembering which were used so that every
// unknown or unsupported field is reported when the reader finishes.
class MapReader {
 public:
  MapReader(Loader& loader, const YamlNode& node, std::string path);
  ~MapReader() { finish(); }
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool ok() const { return ok_; }
  const YamlNode& node() const { return node_; }
  const std::string& path() const { return path_; }
  std::string fieldPath(std::string_view field) const {
    return path_.empty() ? std::string(field) : path_ + "." + std::string(field);
  }

  // The field's value, or null. Marks the field used.
  const YamlNode* get(std::string_view field);
  bool has(std::string_view field) const;
  // Marks a field as consumed without reading it.
  void skip(std::string_view field) { (void)get(field); }
  // Fields Envoy has but weir does not implement: named as such.
  void unsupported(std::initializer_list<std::string_view> fields) {
    for (auto f : fields) unsupported_.insert(std::string(f));
  }
  void finish();

  // Typed accessors: set `out` and return true when present and valid;
  // report and return false when present and invalid; return false when
  // absent (reporting if `required`).
  bool str(std::string_view field, std::string& out, bool required = false);
  bool boolean(std::string_view field, bool& out);
  bool u32(std::string_view field, uint32_t& out, uint32_t min = 0,
           uint32_t max = std::numeric_limits<uint32_t>::max(), bool required = false);
  bool duration(std::string_view field, Duration& out, bool allow_zero = true);
  bool strings(std::string_view field, std::vector<std::string>& out);
  // Name of an enum value among `names` (case-sensitive, as proto JSON).
  bool enumValue(std::string_view field, std::initializer_list<std::string_view> names, std::string& out);
  void require(std::string_view field) {
    if (!has(field)) missing(field);
  }
  void missing(std::string_view field);

 private:
  const YamlNode::Entry* entry(std::string_view field) const;

  Loader& loader_;
  const YamlNode& node_;
  std::string path_;
  bool ok_ = true;
  bool finished_ = false;
  std::vector<bool> used_;
  std::set<std::string> unsupported_;
};

class Loader {
 public:
  Loader(std::string file, const LoadOptions& options) : file_(std::move(file)), options_(options) {}

  void error(int line, int column, std::string path, std::string message) {
    if (errors_.size() >= options_.max_errors) return;
    errors_.push_back({file_, line, column, std::move(path), std::move(message)});
  }
  void error(const YamlNode& at, std::string path, std::string message) {
    error(at.line, at.column, std::move(path), std::move(message));
  }
  std::vector<ConfigError>& errors() { return errors_; }
  std::string source(const YamlNode& at, const std::string& path) const {
    return fmt::format("{}:{}:{}: {}", file_, at.line, at.column, path);
  }

  std::shared_ptr<Bootstrap> load(const YamlNode& root);

  // Scalars.
  bool scalarString(const YamlNode& n, const std::string& path, std::string& out);
  bool scalarU32(const YamlNode& n, const std::string& path, uint32_t& out, uint32_t min, uint32_t max);
  bool scalarBool(const YamlNode& n, const std::string& path, bool& out);
  bool durationNode(const YamlNode& n, const std::string& path, Duration& out);

  // Any / TypedStruct: type_url + the node holding the message's fields.
  struct AnyView {
    std::string type_url;
    const YamlNode* value = nullptr;  // a map (or null for an empty message)
    bool has_at_type = false;         // value holds "@type" (not unwrapped)
  };
  bool any(const YamlNode& n, const std::string& path, AnyView& out);
  TypedConfig typedConfig(const AnyView& any, const std::string& path);

  void socketAddress(const YamlNode& n, const std::string& path, SocketAddress& out, bool allow_zero_port,
                     bool ip_only);
  void listener(const YamlNode& n, const std::string& path, Listener& out, size_t index);
  void httpConnectionManager(const YamlNode& n, const std::string& path, bool skip_at_type,
                             HttpConnectionManager& out);
  void httpFilter(const YamlNode& n, const std::string& path, HttpFilter& out);
  void networkFilter(const YamlNode& n, const std::string& path, size_t index, size_t count, FilterChain& chain);
  void bootstrapExtension(const YamlNode& n, const std::string& path, BootstrapExtension& out);
  void tcpProxy(const YamlNode& n, const std::string& path, bool skip_at_type, TcpProxy& out);
  // A weighted_clusters object (routes and tcp_proxy); returns the weight sum.
  uint32_t weightedClusters(const YamlNode& wc, const std::string& wp, std::vector<WeightedCluster>& out,
                            bool route_fields);
  void accessLog(const YamlNode& n, const std::string& path, AccessLog& out);
  void logFormat(const YamlNode& n, const std::string& path, AccessLog& out);
  void routeConfiguration(const YamlNode& n, const std::string& path, RouteConfiguration& out);
  void virtualHost(const YamlNode& n, const std::string& path, VirtualHost& out, uint32_t max_body);
  void route(const YamlNode& n, const std::string& path, Route& out, uint32_t max_body);
  void routeMatch(const YamlNode& n, const std::string& path, RouteMatch& out);
  void routeAction(const YamlNode& n, const std::string& path, RouteAction& out, const RouteMatch& match);
  void retryPolicy(const YamlNode& n, const std::string& path, RetryPolicy& out);
  void directResponse(const YamlNode& n, const std::string& path, DirectResponseAction& out, uint32_t max_body);
  void redirect(const YamlNode& n, const std::string& path, RedirectAction& out);
  bool stringMatcher(const YamlNode& n, const std::string& path, StringMatcher& out);
  void headerMatcher(const YamlNode& n, const std::string& path, HeaderMatcher& out);
  void queryMatcher(const YamlNode& n, const std::string& path, QueryParameterMatcher& out);
  RegexPtr regexMatcher(const YamlNode& n, const std::string& path, std::string& source);
  RegexPtr compileRegex(const YamlNode& at, const std::string& path, const std::string& pattern);
  void headersToAdd(MapReader& r, std::string_view field, std::vector<HeaderValueOption>& out);
  void headersToRemove(MapReader& r, std::string_view field, std::vector<std::string>& out);
  void perFilterConfig(MapReader& r, std::map<std::string, TypedConfig>& out);
  void cluster(const YamlNode& n, const std::string& path, Cluster& out);
  void loadAssignment(const YamlNode& n, const std::string& path, Cluster& out);
  void circuitBreakers(const YamlNode& n, const std::string& path, Cluster& out);
  void protocolOptions(const YamlNode& n, const std::string& path, Cluster& out);
  void admin(const YamlNode& n, const std::string& path, Admin& out);
  void node(const YamlNode& n, const std::string& path, Node& out);

  // Iterates a sequence field, reporting a non-sequence.
  template <typename Fn>
  void forEachItem(const YamlNode* seq, const std::string& path, Fn fn) {
    if (!seq || seq->isNull()) return;
    if (seq->kind != YamlNode::Kind::kSequence) {
      error(*seq, path, "expected a list");
      return;
    }
    for (size_t i = 0; i < seq->items.size(); ++i) fn(seq->items[i], fmt::format("{}[{}]", path, i), i);
  }

 private:
  void crossValidate(const Bootstrap& b, const std::vector<const YamlNode*>& listener_nodes,
                     const std::vector<const YamlNode*>& cluster_nodes);

  std::string file_;
  const LoadOptions& options_;
  std::vector<ConfigError> errors_;
  // Where each route's cluster reference was written, for the existence check.
  struct ClusterRef {
    std::string name;
    int line, column;
    std::string path;
  };
  std::vector<ClusterRef> cluster_refs_;
  bool validate_clusters_ = true;
};

// --- MapReader --------------------------------------------------------------

MapReader::MapReader(Loader& loader, const YamlNode& node, std::string path)
    : loader_(loader), node_(node), path_(std::move(path)) {
  if (node.isNull()) {
    finished_ = true;  // an empty message: `field: {}` written as `field:`
    return;
  }
  if (!node.isMap()) {
    loader_.error(node, path_, "expected an object");
    ok_ = false;
    finished_ = true;
    return;
  }
  used_.assign(node.entries.size(), false);
}

const YamlNode::Entry* MapReader::entry(std::string_view field) const {
  if (!node_.isMap()) return nullptr;
  for (const auto& e : node_.entries) {
    if (e.key == field || (e.key.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos &&
                           snakeCase(e.key) == field)) {
      return &e;
    }
  }
  return nullptr;
}

const YamlNode* MapReader::get(std::string_view field) {
  const YamlNode::Entry* e = entry(field);
  if (!e) return nullptr;
  used_[static_cast<size_t>(e - node_.entries.data())] = true;
  return &e->value;
}

bool MapReader::has(std::string_view field) const { return entry(field) != nullptr; }

void MapReader::missing(std::string_view field) {
  loader_.error(node_, fieldPath(field), "required field missing");
}

void MapReader::finish() {
  if (finished_) return;
  finished_ = true;
  for (size_t i = 0; i < node_.entries.size(); ++i) {
    if (used_[i]) continue;
    const auto& e = node_.entries[i];
    std::string key = snakeCase(e.key);
    if (unsupported_.count(key)) {
      loader_.error(e.line, e.column, fieldPath(e.key), "field is not supported by weir");
    } else {
      loader_.error(e.line, e.column, fieldPath(e.key), "unknown field");
    }
  }
}

bool MapReader::str(std::string_view field, std::string& out, bool required) {
  const YamlNode* n = get(field);
  if (!n) {
    if (required) missing(field);
    return false;
  }
  return loader_.scalarString(*n, fieldPath(field), out);
}

bool MapReader::boolean(std::string_view field, bool& out) {
  const YamlNode* n = get(field);
  if (!n) return false;
  // BoolValue wrappers may also be written as {value: true}.
  if (n->isMap()) {
    MapReader w(loader_, *n, fieldPath(field));
    return w.boolean("value", out);
  }
  return loader_.scalarBool(*n, fieldPath(field), out);
}

bool MapReader::u32(std::string_view field, uint32_t& out, uint32_t min, uint32_t max, bool required) {
  const YamlNode* n = get(field);
  if (!n) {
    if (required) missing(field);
    return false;
  }
  if (n->isMap()) {
    MapReader w(loader_, *n, fieldPath(field));
    return w.u32("value", out, min, max, true);
  }
  return loader_.scalarU32(*n, fieldPath(field), out, min, max);
}

bool MapReader::duration(std::string_view field, Duration& out, bool allow_zero) {
  const YamlNode* n = get(field);
  if (!n) return false;
  Duration d{0};
  if (!loader_.durationNode(*n, fieldPath(field), d)) return false;
  if (!allow_zero && d.count() == 0) {
    loader_.error(*n, fieldPath(field), "must be greater than 0");
    return false;
  }
  out = d;
  return true;
}

bool MapReader::strings(std::string_view field, std::vector<std::string>& out) {
  const YamlNode* n = get(field);
  if (!n || n->isNull()) return false;
  if (n->kind != YamlNode::Kind::kSequence) {
    loader_.error(*n, fieldPath(field), "expected a list of strings");
    return false;
  }
  bool ok = true;
  for (size_t i = 0; i < n->items.size(); ++i) {
    std::string s;
    if (loader_.scalarString(n->items[i], fmt::format("{}[{}]", fieldPath(field), i), s)) {
      out.push_back(std::move(s));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool MapReader::enumValue(std::string_view field, std::initializer_list<std::string_view> names,
                          std::string& out) {
  const YamlNode* n = get(field);
  if (!n) return false;
  std::string s;
  if (!loader_.scalarString(*n, fieldPath(field), s)) return false;
  for (auto name : names) {
    if (s == name) {
      out = s;
      return true;
    }
  }
  std::string list;
  for (auto name : names) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  loader_.error(*n, fieldPath(field), fmt::format("'{}' is not supported; expected one of {}", s, list));
  return false;
}

// --- scalars --------------------------------------------------------------------

bool Loader::scalarString(const YamlNode& n, const std::string& path, std::string& out) {
  if (n.kind != YamlNode::Kind::kScalar) {
    error(n, path, n.isNull() ? "expected a string, got nothing" : "expected a string");
    return false;
  }
  out = n.scalar;
  return true;
}

bool Loader::scalarU32(const YamlNode& n, const std::string& path, uint32_t& out, uint32_t min, uint32_t max) {
  if (n.kind != YamlNode::Kind::kScalar) {
    error(n, path, "expected a number");
    return false;
  }
  uint64_t v = 0;
  const char* b = n.scalar.data();
  const char* e = b + n.scalar.size();
  auto [ptr, ec] = std::from_chars(b, e, v);
  if (n.scalar.empty() || ec != std::errc() || ptr != e) {
    error(n, path, fmt::format("expected a non-negative integer, got '{}'", n.scalar));
    return false;
  }
  if (v < min || v > max) {
    error(n, path, fmt::format("{} is out of range [{}, {}]", v, min, max));
    return false;
  }
  out = static_cast<uint32_t>(v);
  return true;
}

bool Loader::scalarBool(const YamlNode& n, const std::string& path, bool& out) {
  if (n.kind == YamlNode::Kind::kScalar) {
    const std::string& s = n.scalar;
    if (s == "true" || s == "True" || s == "TRUE") {
      out = true;
      return true;
    }
    if (s == "false" || s == "False" || s == "FALSE") {
      out = false;
      return true;
    }
  }
  error(n, path, "expected true or false");
  return false;
}

}  // namespace

Result<Duration> parseDuration(std::string_view text) {
  std::string_view s = text;
  auto bad = [&] {
    return invalidArgument(fmt::format("invalid duration '{}': expected e.g. \"5s\", \"0.250s\" or \"100ms\"", text));
  };
  if (s.empty()) return bad();
  if (s[0] == '-') return invalidArgument(fmt::format("invalid duration '{}': must not be negative", text));
  // Unit suffix → nanoseconds per unit.
  uint64_t unit_ns = 0;
  auto ends = [&](std::string_view suffix) {
    return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
  };
  if (ends("ms")) {
    unit_ns = 1000000;
    s.remove_suffix(2);
  } else if (ends("us")) {
    unit_ns = 1000;
    s.remove_suffix(2);
  } else if (ends("ns")) {
    unit_ns = 1;
    s.remove_suffix(2);
  } else if (ends("s")) {
    unit_ns = 1000000000;
    s.remove_suffix(1);
  } else if (ends("m")) {
    unit_ns = 60ull * 1000000000;
    s.remove_suffix(1);
  } else if (ends("h")) {
    unit_ns = 3600ull * 1000000000;
    s.remove_suffix(1);
  } else {
    return bad();
  }
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (whole.empty() && frac.empty()) return bad();
  if (dot != std::string_view::npos && frac.empty()) return bad();
  for (char c : whole) if (c < '0' || c > '9') return bad();
  for (char c : frac) if (c < '0' || c > '9') return bad();
  if (whole.size() > 12 || frac.size() > 9) return bad();
  uint64_t w = 0;
  for (char c : whole) w = w * 10 + static_cast<uint64_t>(c - '0');
  // Fraction as nanoseconds-of-unit, exact to 9 digits.
  uint64_t f = 0;
  for (size_t i = 0; i < 9; ++i) f = f * 10 + (i < frac.size() ? static_cast<uint64_t>(frac[i] - '0') : 0);
  // w <= 10^12, unit_ns <= 3.6e12 for hours: guard the product.
  const unsigned __int128 ns = static_cast<unsigned __int128>(w) * unit_ns +
                               static_cast<unsigned __int128>(f) * unit_ns / 1000000000u;
  constexpr unsigned __int128 kMaxNs = static_cast<unsigned __int128>(315576000000ull) * 1000000000u;
  if (ns > kMaxNs) return invalidArgument(fmt::format("invalid duration '{}': too large", text));
  uint64_t ms = static_cast<uint64_t>(ns / 1000000u);
  // A positive sub-millisecond duration must not turn into 0, which means "disabled".
  if (ms == 0 && ns > 0) ms = 1;
  return Duration(static_cast<int64_t>(ms));
}

namespace {

bool Loader::durationNode(const YamlNode& n, const std::string& path, Duration& out) {
  if (n.isMap()) {
    MapReader r(*this, n, path);
    uint32_t seconds = 0;
    uint32_t nanos = 0;
    r.u32("seconds", seconds);
    r.u32("nanos", nanos, 0, 999999999);
    uint64_t ms = static_cast<uint64_t>(seconds) * 1000 + nanos / 1000000;
    if (ms == 0 && nanos > 0) ms = 1;
    out = Duration(static_cast<int64_t>(ms));
    return true;
  }
  if (n.kind != YamlNode::Kind::kScalar) {
    error(n, path, "expected a duration such as \"5s\"");
    return false;
  }
  auto d = parseDuration(n.scalar);
  if (!d.isOk()) {
    error(n, path, d.status().message());
    return false;
  }
  out = *d;
  return true;
}

// --- Any / TypedStruct -----------------------------------------------------------

bool Loader::any(const YamlNode& n, const std::string& path, AnyView& out) {
  if (!n.isMap()) {
    error(n, path, "expected an object with \"@type\"");
    return false;
  }
  const YamlNode* type = n.find("@type");
  if (!type) {
    error(n, path + ".@type", "required field missing");
    return false;
  }
  std::string type_url;
  if (!scalarString(*type, path + ".@type", type_url)) return false;
  std::string_view tn = typeName(type_url);
  if (tn == "udpa.type.v1.TypedStruct" || tn == "xds.type.v3.TypedStruct") {
    MapReader r(*this, n, path);
    r.skip("@type");
    std::string inner;
    const YamlNode* value = r.get("value");
    if (!r.str("type_url", inner, true)) return false;
    if (value && !value->isNull() && !value->isMap()) {
      error(*value, path + ".value", "expected an object");
      return false;
    }
    out.type_url = inner;
    out.value = value;
    out.has_at_type = false;
    return true;
  }
  out.type_url = type_url;
  out.value = &n;
  out.has_at_type = true;
  return true;
}

TypedConfig Loader::typedConfig(const AnyView& any, const std::string& path) {
  TypedConfig tc;
  tc.type_url = any.type_url;
  if (any.value && any.value->isMap()) {
    tc.value = yamlToJson(*any.value);
    if (any.has_at_type) tc.value.erase("@type");
    tc.source = source(*any.value, path);
  }
  return tc;
}

// --- addresses ---------------------------------------------------------------------

void Loader::socketAddress(const YamlNode& n, const std::string& path, SocketAddress& out,
                           bool allow_zero_port, bool ip_only) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"pipe", "envoy_internal_address"});
  const YamlNode* sa = r.get("socket_address");
  if (!sa) {
    if (!r.has("pipe") && !r.has("envoy_internal_address")) r.missing("socket_address");
    return;
  }
  std::string sp = path + ".socket_address";
  MapReader s(*this, *sa, sp);
  if (!s.ok()) return;
  s.unsupported({"named_port", "resolver_name", "ipv4_compat", "network_namespace_filepath"});
  if (s.str("address", out.address, true)) {
    if (ip_only && !isIpLiteral(out.address)) {
      error(*s.get("address"), sp + ".address",
            fmt::format("'{}' is not an IP address (only *_DNS clusters resolve names)", out.address));
    } else if (out.address.empty()) {
      error(*s.get("address"), sp + ".address", "must not be empty");
    }
  }
  std::string protocol;
  s.enumValue("protocol", {"TCP"}, protocol);
  uint32_t port = 0;
  if (s.u32("port_value", port, allow_zero_port ? 0 : 1, 65535, true)) out.port_value = static_cast<uint16_t>(port);
}

// --- listeners ----------------------------------------------------------------------

void Loader::listener(const YamlNode& n, const std::string& path, Listener& out, size_t index) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"listener_filters", "listener_filters_timeout", "transparent", "freebind", "socket_options",
                 "traffic_direction", "udp_listener_config", "api_listener", "connection_balance_config",
                 "enable_reuse_port", "access_log", "tcp_backlog_size", "bind_to_port", "stat_prefix",
                 "default_filter_chain", "filter_chain_matcher", "additional_addresses", "metadata",
                 "drain_type", "deprecated_v1", "tcp_fast_open_queue_length", "continue_on_listener_filters_timeout",
                 "max_connections_to_accept_per_socket_event", "ignore_global_conn_limit", "internal_listener",
                 "enable_mptcp"});
  if (!r.str("name", out.name)) out.name = fmt::format("listener_{}", index);
  if (const YamlNode* a = r.get("address")) {
    socketAddress(*a, path + ".address", out.address, /*allow_zero_port=*/true, /*ip_only=*/true);
  } else {
    r.missing("address");
  }
  r.u32("per_connection_buffer_limit_bytes", out.per_connection_buffer_limit_bytes);
  const YamlNode* chains = r.get("filter_chains");
  if (!chains || chains->isNull() || (chains->kind == YamlNode::Kind::kSequence && chains->items.empty())) {
    error(chains ? *chains : n, path + ".filter_chains", "at least one filter chain is required");
    return;
  }
  forEachItem(chains, path + ".filter_chains", [&](const YamlNode& fc, const std::string& fc_path, size_t i) {
    if (i > 0) {
      error(fc, fc_path, "weir supports one filter chain per listener (no filter_chain_match)");
      return;
    }
    FilterChain chain;
    MapReader c(*this, fc, fc_path);
    if (!c.ok()) return;
    c.unsupported({"filter_chain_match", "transport_socket", "transport_socket_connect_timeout", "metadata",
                   "use_proxy_proto", "on_demand_configuration"});
    c.str("name", chain.name);
    const YamlNode* filters = c.get("filters");
    if (!filters || filters->isNull() ||
        (filters->kind == YamlNode::Kind::kSequence && filters->items.empty())) {
      error(filters ? *filters : fc, fc_path + ".filters",
            "at least one network filter is required (the last one terminal: "
            "envoy.filters.network.http_connection_manager or envoy.filters.network.tcp_proxy)");
      return;
    }
    const size_t count = filters->kind == YamlNode::Kind::kSequence ? filters->items.size() : 0;
    forEachItem(filters, fc_path + ".filters", [&](const YamlNode& f, const std::string& f_path, size_t j) {
      networkFilter(f, f_path, j, count, chain);
    });
    out.filter_chains.push_back(std::move(chain));
  });
}

void Loader::networkFilter(const YamlNode& f, const std::string& f_path, size_t index, size_t count,
                           FilterChain& chain) {
  MapReader fr(*this, f, f_path);
  if (!fr.ok()) return;
  std::string name;
  fr.str("name", name, true);
  const YamlNode* tc = fr.get("typed_config");
  fr.unsupported({"config_discovery"});
  if (!tc) {
    fr.missing("typed_config");
    return;
  }
  AnyView view;
  std::string tc_path = f_path + ".typed_config";
  if (!any(*tc, tc_path, view)) return;
  const std::string_view tn = typeName(view.type_url);
  static const YamlNode kEmpty;
  const bool last = index + 1 == count;
  if (tn == kHcmType) {
    // weir runs the HCM straight on the connection, not behind other filters.
    if (count > 1) {
      error(f, f_path,
            "the http_connection_manager must be the only network filter of its chain "
            "(weir does not run network filters in front of it yet)");
      return;
    }
    chain.has_http_connection_manager = true;
    httpConnectionManager(view.value ? *view.value : kEmpty, tc_path, view.has_at_type,
                          chain.http_connection_manager);
    return;
  }
  NetworkFilter filter;
  filter.name = name;
  filter.typed_config = typedConfig(view, tc_path);
  if (tn == kTcpProxyType) {
    if (!last) {
      error(f, f_path, "envoy.filters.network.tcp_proxy is a terminal filter: it must be the last of the chain");
    }
    filter.tcp_proxy.emplace();
    tcpProxy(view.value ? *view.value : kEmpty, tc_path, view.has_at_type, *filter.tcp_proxy);
  }
  if (options_.validate_network_filter) {
    Status s = options_.validate_network_filter(filter, last);
    if (!s.isOk()) error(f, f_path, s.message());
  }
  chain.network_filters.push_back(std::move(filter));
}

void Loader::bootstrapExtension(const YamlNode& n, const std::string& path, BootstrapExtension& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.str("name", out.name, true);
  const YamlNode* tc = r.get("typed_config");
  if (!tc) {
    r.missing("typed_config");
    return;
  }
  AnyView view;
  const std::string tc_path = path + ".typed_config";
  if (!any(*tc, tc_path, view)) return;
  out.typed_config = typedConfig(view, tc_path);
  // What the extension's config means is its factory's business (above
  // config in the dependency order), checked through this hook.
  if (options_.validate_bootstrap_extension) {
    Status s = options_.validate_bootstrap_extension(out);
    if (!s.isOk()) error(n, path, s.message());
  }
}

void Loader::tcpProxy(const YamlNode& n, const std::string& path, bool skip_at_type, TcpProxy& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  if (skip_at_type) r.skip("@type");
  r.unsupported({"metadata_match", "downstream_idle_timeout", "upstream_idle_timeout", "access_log_options",
                 "hash_policy", "tunneling_config", "max_downstream_connection_duration",
                 "access_log_flush_interval", "flush_access_log_on_connected", "on_demand", "backoff_options",
                 "proxy_protocol_tlvs", "max_downstream_connection_duration_jitter_percentage"});
  r.str("stat_prefix", out.stat_prefix, true);
  int kinds = 0;
  if (r.str("cluster", out.cluster)) {
    ++kinds;
    if (out.cluster.empty()) error(*r.get("cluster"), path + ".cluster", "must not be empty");
    cluster_refs_.push_back({out.cluster, r.get("cluster")->line, r.get("cluster")->column, path + ".cluster"});
  }
  if (const YamlNode* wc = r.get("weighted_clusters")) {
    ++kinds;
    out.total_weight = weightedClusters(*wc, path + ".weighted_clusters", out.weighted_clusters, false);
  }
  if (kinds != 1) error(n, path, "exactly one of cluster, weighted_clusters is required");
  r.duration("idle_timeout", out.idle_timeout);
  r.u32("max_connect_attempts", out.max_connect_attempts, 1, 100);
  forEachItem(r.get("access_log"), path + ".access_log", [&](const YamlNode& a, const std::string& a_path, size_t) {
    AccessLog log;
    accessLog(a, a_path, log);
    out.access_log.push_back(std::move(log));
  });
}

void Loader::httpConnectionManager(const YamlNode& n, const std::string& path, bool skip_at_type,
                                   HttpConnectionManager& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  if (skip_at_type) r.skip("@type");
  r.unsupported({"rds", "scoped_routes", "tracing", "add_user_agent", "http2_protocol_options",
                 "http3_protocol_options", "server_header_transformation", "scheme_header_transformation",
                 "via", "internal_address_config", "forward_client_cert_details",
                 "set_current_client_cert_details", "proxy_100_continue", "represent_ipv4_remote_address_as_ipv4_mapped_ipv6",
                 "upgrade_configs", "normalize_path", "merge_slashes", "path_with_escaped_slashes_action",
                 "request_id_extension", "local_reply_config", "strip_matching_host_port", "strip_any_host_port",
                 "stream_error_on_invalid_http_message", "path_normalization_options", "strip_trailing_host_dot",
                 "proxy_status_config", "typed_header_validation_config", "append_x_forwarded_port",
                 "add_proxy_protocol_connection_state", "always_set_request_id_in_response", "access_log_options",
                 "original_ip_detection_extensions", "early_header_mutation_extensions", "access_log_flush_interval",
                 "flush_access_log_on_new_request", "internal_address_config"});
  r.str("stat_prefix", out.stat_prefix, true);
  std::string codec;
  if (r.enumValue("codec_type", {"AUTO", "HTTP1", "HTTP2", "HTTP3"}, codec)) {
    if (codec == "HTTP2" || codec == "HTTP3") {
      error(*r.get("codec_type"), path + ".codec_type",
            fmt::format("'{}' is not supported; weir speaks HTTP/1.1 downstream (AUTO or HTTP1)", codec));
    } else {
      out.codec_type = codec == "HTTP1" ? HttpConnectionManager::CodecType::kHttp1
                                        : HttpConnectionManager::CodecType::kAuto;
    }
  }
  if (const YamlNode* rc = r.get("route_config")) {
    routeConfiguration(*rc, path + ".route_config", out.route_config);
  } else if (!r.has("rds") && !r.has("scoped_routes")) {
    r.missing("route_config");
  }
  const YamlNode* filters = r.get("http_filters");
  forEachItem(filters, path + ".http_filters", [&](const YamlNode& f, const std::string& f_path, size_t) {
    HttpFilter filter;
    httpFilter(f, f_path, filter);
    out.http_filters.push_back(std::move(filter));
  });
  {
    // The router must terminate the chain, as in Envoy.
    size_t routers = 0;
    for (size_t i = 0; i < out.http_filters.size(); ++i) {
      const HttpFilter& f = out.http_filters[i];
      bool is_router = f.typed_config ? typeName(f.typed_config->type_url) == kRouterType
                                      : f.name == "envoy.filters.http.router";
      if (!is_router) continue;
      ++routers;
      if (i + 1 != out.http_filters.size()) {
        error(filters->items[i], fmt::format("{}.http_filters[{}]", path, i),
              "the router filter must be the last http filter");
      }
    }
    if (routers == 0) {
      error(filters ? *filters : n, path + ".http_filters",
            "the last http filter must be envoy.filters.http.router");
    }
  }
  forEachItem(r.get("access_log"), path + ".access_log", [&](const YamlNode& a, const std::string& a_path, size_t) {
    AccessLog log;
    accessLog(a, a_path, log);
    out.access_log.push_back(std::move(log));
  });
  r.boolean("use_remote_address", out.use_remote_address);
  r.u32("xff_num_trusted_hops", out.xff_num_trusted_hops, 0, 64);
  r.boolean("skip_xff_append", out.skip_xff_append);
  r.boolean("generate_request_id", out.generate_request_id);
  r.boolean("preserve_external_request_id", out.preserve_external_request_id);
  r.str("server_name", out.server_name);
  r.duration("stream_idle_timeout", out.stream_idle_timeout);
  r.duration("request_timeout", out.request_timeout);
  r.duration("request_headers_timeout", out.request_headers_timeout);
  r.duration("drain_timeout", out.drain_timeout);
  r.duration("delayed_close_timeout", out.delayed_close_timeout);
  r.u32("max_request_headers_kb", out.max_request_headers_kb, 1, 8192);
  if (const YamlNode* c = r.get("common_http_protocol_options")) {
    std::string cp = path + ".common_http_protocol_options";
    MapReader o(*this, *c, cp);
    o.unsupported({"max_connection_duration", "headers_with_underscores_action", "max_requests_per_connection"});
    o.duration("idle_timeout", out.common_http_protocol_options.idle_timeout);
    o.u32("max_headers_count", out.common_http_protocol_options.max_headers_count, 1, 10000);
    Duration d{0};
    if (o.duration("max_stream_duration", d)) out.common_http_protocol_options.max_stream_duration = d;
  }
  if (const YamlNode* h = r.get("http_protocol_options")) {
    MapReader o(*this, *h, path + ".http_protocol_options");
    o.unsupported({"allow_absolute_url", "header_key_format", "enable_trailers", "allow_chunked_length",
                   "override_stream_error_on_invalid_http_message", "send_fully_qualified_url",
                   "use_balsa_parser", "allow_custom_methods"});
    o.boolean("accept_http_10", out.http_protocol_options.accept_http_10);
    o.str("default_host_for_http_10", out.http_protocol_options.default_host_for_http_10);
  }
}

void Loader::httpFilter(const YamlNode& n, const std::string& path, HttpFilter& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"config_discovery"});
  r.str("name", out.name, true);
  r.boolean("is_optional", out.is_optional);
  r.boolean("disabled", out.disabled);
  if (const YamlNode* tc = r.get("typed_config")) {
    AnyView view;
    std::string tc_path = path + ".typed_config";
    if (!any(*tc, tc_path, view)) return;
    out.typed_config = typedConfig(view, tc_path);
    std::string_view tn = typeName(view.type_url);
    for (const auto& k : kKnownHttpFilters) {
      if (k.name == out.name && k.type != tn) {
        error(*tc, tc_path + ".@type",
              fmt::format("type '{}' does not match filter '{}' (expects type.googleapis.com/{})",
                          view.type_url, out.name, k.type));
        return;
      }
    }
    if (tn == kRouterType && view.value) {
      // The router is part of weir's core, so its (small) config is checked here.
      MapReader rr(*this, *view.value, tc_path);
      if (view.has_at_type) rr.skip("@type");
      rr.unsupported({"dynamic_stats", "start_child_span", "upstream_log", "upstream_log_options",
                      "respect_expected_rq_timeout", "strict_check_headers", "suppress_grpc_request_failure_code_stats",
                      "upstream_http_filters"});
      bool b = false;
      rr.boolean("suppress_envoy_headers", b);
    }
  } else if (out.name != "envoy.filters.http.router") {
    r.missing("typed_config");
    return;
  }
  if (options_.validate_http_filter) {
    Status s = options_.validate_http_filter(out);
    if (!s.isOk()) error(n, path, s.message());
  }
}

void Loader::accessLog(const YamlNode& n, const std::string& path, AccessLog& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"filter"});
  r.str("name", out.name);
  out.source = source(n, path);
  const YamlNode* tc = r.get("typed_config");
  if (!tc) {
    r.missing("typed_config");
    return;
  }
  std::string tc_path = path + ".typed_config";
  AnyView view;
  if (!any(*tc, tc_path, view)) return;
  std::string_view tn = typeName(view.type_url);
  static const YamlNode kEmpty;
  MapReader c(*this, view.value ? *view.value : kEmpty, tc_path);
  if (view.has_at_type) c.skip("@type");
  if (tn == kFileLogType) {
    out.sink = AccessLog::Sink::kFile;
    if (c.str("path", out.path, true) && out.path.empty()) error(*tc, tc_path + ".path", "must not be empty");
    if (out.path == "/dev/stdout") out.sink = AccessLog::Sink::kStdout;
    if (out.path == "/dev/stderr") out.sink = AccessLog::Sink::kStderr;
    // Deprecated forms of log_format.
    std::string fmt_text;
    if (c.str("format", fmt_text)) out.text_format = fmt_text;
    if (const YamlNode* j = c.get("json_format")) {
      if (!j->isMap()) {
        error(*j, tc_path + ".json_format", "expected an object");
      } else {
        out.json_format = yamlToJson(*j);
      }
    }
  } else if (tn == kStdoutLogType) {
    out.sink = AccessLog::Sink::kStdout;
  } else if (tn == kStderrLogType) {
    out.sink = AccessLog::Sink::kStderr;
  } else {
    error(*tc, tc_path + ".@type",
          fmt::format("access logger type '{}' is not supported; weir supports {}, {} and {}", view.type_url,
                      kFileLogType, kStdoutLogType, kStderrLogType));
    c.finish();
    return;
  }
  if (const YamlNode* lf = c.get("log_format")) {
    if (out.text_format || out.json_format) {
      error(*lf, tc_path + ".log_format", "log_format cannot be combined with format/json_format");
    }
    logFormat(*lf, tc_path + ".log_format", out);
  }
}

void Loader::logFormat(const YamlNode& n, const std::string& path, AccessLog& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"typed_json_format", "formatters", "content_type", "json_format_options"});
  int kinds = 0;
  std::string text;
  if (r.str("text_format", text)) {
    out.text_format = text;
    ++kinds;
  }
  if (const YamlNode* src = r.get("text_format_source")) {
    ++kinds;
    MapReader s(*this, *src, path + ".text_format_source");
    s.unsupported({"filename", "inline_bytes", "environment_variable"});
    if (s.str("inline_string", text, true)) out.text_format = text;
  }
  if (const YamlNode* j = r.get("json_format")) {
    ++kinds;
    if (!j->isMap()) {
      error(*j, path + ".json_format", "expected an object");
    } else {
      out.json_format = yamlToJson(*j);
    }
  }
  if (kinds != 1) error(n, path, "exactly one of text_format, text_format_source, json_format required");
  r.boolean("omit_empty_values", out.omit_empty_values);
}

// --- routes ------------------------------------------------------------------------------

RegexPtr Loader::compileRegex(const YamlNode& at, const std::string& path, const std::string& pattern) {
  if (pattern.size() > kMaxRegexLength) {
    error(at, path, fmt::format("regex longer than {} bytes", kMaxRegexLength));
    return nullptr;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const RE2>(pattern, opts);
  if (!re->ok()) {
    error(at, path, fmt::format("invalid regex '{}': {}", pattern, re->error()));
    return nullptr;
  }
  return re;
}

RegexPtr Loader::regexMatcher(const YamlNode& n, const std::string& path, std::string& source_out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return nullptr;
  if (const YamlNode* g = r.get("google_re2")) {
    MapReader gr(*this, *g, path + ".google_re2");
    uint32_t ignored = 0;
    // Envoy's program-size knob is deprecated; weir bounds regex length instead.
    gr.u32("max_program_size", ignored);
  }
  if (!r.str("regex", source_out, true)) return nullptr;
  return compileRegex(*r.get("regex"), path + ".regex", source_out);
}

bool Loader::stringMatcher(const YamlNode& n, const std::string& path, StringMatcher& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return false;
  r.unsupported({"custom"});
  int kinds = 0;
  if (r.str("exact", out.value)) { out.kind = StringMatcher::Kind::kExact; ++kinds; }
  if (r.str("prefix", out.value)) { out.kind = StringMatcher::Kind::kPrefix; ++kinds; }
  if (r.str("suffix", out.value)) { out.kind = StringMatcher::Kind::kSuffix; ++kinds; }
  if (r.str("contains", out.value)) { out.kind = StringMatcher::Kind::kContains; ++kinds; }
  if (const YamlNode* re = r.get("safe_regex")) {
    out.kind = StringMatcher::Kind::kSafeRegex;
    ++kinds;
    out.regex = regexMatcher(*re, path + ".safe_regex", out.value);
  }
  r.boolean("ignore_case", out.ignore_case);
  if (kinds != 1) {
    error(n, path, "exactly one of exact, prefix, suffix, contains, safe_regex required");
    return false;
  }
  if (out.kind == StringMatcher::Kind::kSafeRegex && out.ignore_case) {
    error(n, path + ".ignore_case", "ignore_case has no effect on safe_regex (use (?i) in the regex)");
  }
  return true;
}

void Loader::headerMatcher(const YamlNode& n, const std::string& path, HeaderMatcher& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"range_match"});
  if (r.str("name", out.name, true)) {
    out.name = toLower(out.name);
    if (out.name.empty()) error(n, path + ".name", "must not be empty");
  }
  int kinds = 0;
  auto simple = [&](std::string_view field, StringMatcher::Kind kind) {
    std::string v;
    if (r.str(field, v)) {
      ++kinds;
      out.string_match = StringMatcher{kind, v, false, nullptr};
    }
  };
  simple("exact_match", StringMatcher::Kind::kExact);
  simple("prefix_match", StringMatcher::Kind::kPrefix);
  simple("suffix_match", StringMatcher::Kind::kSuffix);
  simple("contains_match", StringMatcher::Kind::kContains);
  if (const YamlNode* re = r.get("safe_regex_match")) {
    ++kinds;
    StringMatcher m;
    m.kind = StringMatcher::Kind::kSafeRegex;
    m.regex = regexMatcher(*re, path + ".safe_regex_match", m.value);
    out.string_match = std::move(m);
  }
  if (const YamlNode* sm = r.get("string_match")) {
    ++kinds;
    StringMatcher m;
    if (stringMatcher(*sm, path + ".string_match", m)) out.string_match = std::move(m);
  }
  bool present = false;
  if (r.boolean("present_match", present)) {
    ++kinds;
    out.present_match = present;
  }
  r.boolean("invert_match", out.invert_match);
  r.boolean("treat_missing_header_as_empty", out.treat_missing_header_as_empty);
  if (kinds > 1) {
    error(n, path, "at most one of exact_match, prefix_match, suffix_match, contains_match, "
                   "safe_regex_match, string_match, present_match allowed");
  }
  if (kinds == 0) out.present_match = true;  // Envoy: no specifier means "header is present"
}

void Loader::queryMatcher(const YamlNode& n, const std::string& path, QueryParameterMatcher& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.str("name", out.name, true);
  int kinds = 0;
  if (const YamlNode* sm = r.get("string_match")) {
    ++kinds;
    StringMatcher m;
    if (stringMatcher(*sm, path + ".string_match", m)) out.string_match = std::move(m);
  }
  if (r.boolean("present_match", out.present_match)) ++kinds;
  if (kinds > 1) error(n, path, "at most one of string_match, present_match allowed");
  if (kinds == 0) out.present_match = true;
}

void Loader::routeMatch(const YamlNode& n, const std::string& path, RouteMatch& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"runtime_fraction", "grpc", "tls_context", "dynamic_metadata", "connect_matcher",
                 "path_match_policy", "filter_state"});
  int kinds = 0;
  if (r.str("prefix", out.path)) { out.kind = RouteMatch::PathKind::kPrefix; ++kinds; }
  if (r.str("path", out.path)) { out.kind = RouteMatch::PathKind::kPath; ++kinds; }
  if (const YamlNode* re = r.get("safe_regex")) {
    out.kind = RouteMatch::PathKind::kSafeRegex;
    ++kinds;
    out.regex = regexMatcher(*re, path + ".safe_regex", out.path);
  }
  if (r.str("path_separated_prefix", out.path)) {
    out.kind = RouteMatch::PathKind::kPathSeparatedPrefix;
    ++kinds;
    const YamlNode& at = *r.get("path_separated_prefix");
    if (out.path.empty() || out.path[0] != '/' || (out.path.size() > 1 && out.path.back() == '/') ||
        out.path.find_first_of("?#") != std::string::npos) {
      error(at, path + ".path_separated_prefix",
            "must start with '/', must not end with '/' and must not contain '?' or '#'");
    }
  }
  if (kinds != 1) {
    error(n, path, "exactly one of prefix, path, safe_regex, path_separated_prefix required");
  }
  r.boolean("case_sensitive", out.case_sensitive);
  forEachItem(r.get("headers"), path + ".headers", [&](const YamlNode& h, const std::string& h_path, size_t) {
    HeaderMatcher m;
    headerMatcher(h, h_path, m);
    out.headers.push_back(std::move(m));
  });
  forEachItem(r.get("query_parameters"), path + ".query_parameters",
              [&](const YamlNode& q, const std::string& q_path, size_t) {
                QueryParameterMatcher m;
                queryMatcher(q, q_path, m);
                out.query_parameters.push_back(std::move(m));
              });
}

void Loader::retryPolicy(const YamlNode& n, const std::string& path, RetryPolicy& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"retry_priority", "retry_host_predicate", "retry_options_predicates",
                 "host_selection_retry_max_attempts", "retry_back_off", "rate_limited_retry_back_off",
                 "retriable_headers", "retriable_request_headers"});
  if (r.str("retry_on", out.retry_on_string)) {
    std::string_view rest = out.retry_on_string;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view tok = rest.substr(0, comma);
      while (!tok.empty() && tok.front() == ' ') tok.remove_prefix(1);
      while (!tok.empty() && tok.back() == ' ') tok.remove_suffix(1);
      if (tok == "5xx") out.retry_on |= kRetry5xx;
      else if (tok == "gateway-error") out.retry_on |= kRetryGatewayError;
      else if (tok == "connect-failure") out.retry_on |= kRetryConnectFailure;
      else if (tok == "reset") out.retry_on |= kRetryReset;
      else if (tok == "retriable-status-codes") out.retry_on |= kRetryRetriableStatusCodes;
      else if (tok == "refused-stream") out.retry_on |= kRetryRefusedStream;
      else if (tok == "retriable-4xx") out.retry_on |= kRetryRetriable4xx;
      else if (!tok.empty()) {
        error(*r.get("retry_on"), path + ".retry_on",
              fmt::format("retry condition '{}' is not supported (weir: 5xx, gateway-error, connect-failure, "
                          "reset, retriable-status-codes, refused-stream, retriable-4xx)",
                          tok));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  r.u32("num_retries", out.num_retries, 0, 100);
  r.duration("per_try_timeout", out.per_try_timeout);
  if (const YamlNode* codes = r.get("retriable_status_codes")) {
    forEachItem(codes, path + ".retriable_status_codes", [&](const YamlNode& c, const std::string& c_path, size_t) {
      uint32_t code = 0;
      if (scalarU32(c, c_path, code, 100, 599)) out.retriable_status_codes.push_back(code);
    });
  }
}

uint32_t Loader::weightedClusters(const YamlNode& wc, const std::string& wp, std::vector<WeightedCluster>& out,
                                  bool route_fields) {
  MapReader w(*this, wc, wp);
  if (route_fields) w.unsupported({"runtime_key_prefix", "header_name", "random_value_specifier"});
  uint64_t sum = 0;
  forEachItem(w.get("clusters"), wp + ".clusters", [&](const YamlNode& c, const std::string& c_path, size_t) {
    MapReader cr(*this, c, c_path);
    if (!cr.ok()) return;
    if (route_fields) {
      cr.unsupported({"cluster_header", "request_headers_to_add", "request_headers_to_remove",
                      "response_headers_to_add", "response_headers_to_remove", "typed_per_filter_config",
                      "host_rewrite_literal", "metadata_match", "runtime_key_prefix"});
    } else {
      cr.unsupported({"metadata_match"});
    }
    WeightedCluster entry;
    if (cr.str("name", entry.name, true)) {
      cluster_refs_.push_back({entry.name, cr.get("name")->line, cr.get("name")->column, c_path + ".name"});
    }
    cr.u32("weight", entry.weight, route_fields ? 0 : 1, 1000000, true);
    sum += entry.weight;
    out.push_back(std::move(entry));
  });
  if (out.empty()) {
    error(wc, wp + ".clusters", "at least one cluster is required");
  } else if (sum == 0) {
    error(wc, wp, "the sum of the weights must be greater than 0");
  }
  uint32_t total = 0;
  if (route_fields && w.u32("total_weight", total) && total != sum) {
    error(*w.get("total_weight"), wp + ".total_weight",
          fmt::format("total_weight {} differs from the sum of the weights ({})", total, sum));
  }
  return static_cast<uint32_t>(sum);
}

void Loader::routeAction(const YamlNode& n, const std::string& path, RouteAction& out, const RouteMatch& match) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"cluster_specifier_plugin", "inline_cluster_specifier_plugin", "cluster_not_found_response_code",
                 "metadata_match", "host_rewrite_header", "host_rewrite_path_regex", "append_x_forwarded_host",
                 "priority", "rate_limits", "include_vh_rate_limits", "hash_policy", "cors", "max_grpc_timeout",
                 "grpc_timeout_offset", "upgrade_configs", "internal_redirect_policy", "internal_redirect_action",
                 "max_internal_redirects", "hedge_policy", "max_stream_duration", "request_mirror_policies",
                 "retry_policy_typed_config", "early_data_policy", "path_rewrite_policy", "auto_host_rewrite_header"});
  int kinds = 0;
  if (r.str("cluster", out.cluster)) {
    out.cluster_specifier = RouteAction::ClusterSpecifier::kCluster;
    ++kinds;
    if (out.cluster.empty()) error(*r.get("cluster"), path + ".cluster", "must not be empty");
    cluster_refs_.push_back({out.cluster, r.get("cluster")->line, r.get("cluster")->column, path + ".cluster"});
  }
  if (r.str("cluster_header", out.cluster_header)) {
    out.cluster_specifier = RouteAction::ClusterSpecifier::kClusterHeader;
    out.cluster_header = toLower(out.cluster_header);
    ++kinds;
  }
  if (const YamlNode* wc = r.get("weighted_clusters")) {
    out.cluster_specifier = RouteAction::ClusterSpecifier::kWeightedClusters;
    ++kinds;
    out.total_weight = weightedClusters(*wc, path + ".weighted_clusters", out.weighted_clusters, true);
  }
  if (kinds != 1) error(n, path, "exactly one of cluster, cluster_header, weighted_clusters required");

  std::string s;
  if (r.str("prefix_rewrite", s)) {
    out.prefix_rewrite = s;
    if (match.kind == RouteMatch::PathKind::kSafeRegex) {
      error(*r.get("prefix_rewrite"), path + ".prefix_rewrite", "prefix_rewrite cannot be used with a safe_regex match");
    }
  }
  if (const YamlNode* rr = r.get("regex_rewrite")) {
    std::string rp = path + ".regex_rewrite";
    MapReader rw(*this, *rr, rp);
    RouteAction::RegexRewrite rewrite;
    if (const YamlNode* pat = rw.get("pattern")) {
      rewrite.regex = regexMatcher(*pat, rp + ".pattern", rewrite.pattern);
    } else {
      rw.missing("pattern");
    }
    if (!rw.get("substitution")) {
      rw.missing("substitution");
    } else {
      scalarString(*rw.get("substitution"), rp + ".substitution", rewrite.substitution);
      std::string why;
      if (rewrite.regex && !rewrite.regex->CheckRewriteString(rewrite.substitution, &why)) {
        error(*rw.get("substitution"), rp + ".substitution", fmt::format("invalid substitution: {}", why));
      }
    }
    if (out.prefix_rewrite) error(*rr, rp, "prefix_rewrite and regex_rewrite are mutually exclusive");
    out.regex_rewrite = std::move(rewrite);
  }
  if (r.str("host_rewrite_literal", s)) out.host_rewrite_literal = s;
  r.boolean("auto_host_rewrite", out.auto_host_rewrite);
  if (out.host_rewrite_literal && out.auto_host_rewrite) {
    error(n, path, "host_rewrite_literal and auto_host_rewrite are mutually exclusive");
  }
  r.duration("timeout", out.timeout);
  Duration idle{0};
  if (r.duration("idle_timeout", idle)) out.idle_timeout = idle;
  if (const YamlNode* rp = r.get("retry_policy")) {
    RetryPolicy policy;
    retryPolicy(*rp, path + ".retry_policy", policy);
    out.retry_policy = std::move(policy);
  }
}

void Loader::directResponse(const YamlNode& n, const std::string& path, DirectResponseAction& out,
                            uint32_t max_body) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.u32("status", out.status, 100, 599, true);
  if (const YamlNode* b = r.get("body")) {
    std::string bp = path + ".body";
    MapReader br(*this, *b, bp);
    br.unsupported({"inline_bytes", "environment_variable", "watched_directory"});
    int kinds = 0;
    std::string body;
    if (br.str("inline_string", body)) {
      ++kinds;
      out.body = body;
    }
    std::string filename;
    if (br.str("filename", filename)) {
      ++kinds;
      // Regular files only: a config naming /dev/stdin, a FIFO or /dev/zero
      // must not block or stream the loader.
      std::error_code ec;
      const bool regular = std::filesystem::is_regular_file(filename, ec);
      std::ifstream in;
      if (regular) in.open(filename, std::ios::binary);
      if (!regular || !in) {
        error(*br.get("filename"), bp + ".filename",
              regular ? fmt::format("cannot read '{}'", filename)
                      : fmt::format("'{}' is not a readable regular file", filename));
      } else {
        std::string data;
        data.resize(static_cast<size_t>(max_body) + 1);
        in.read(data.data(), static_cast<std::streamsize>(data.size()));
        data.resize(static_cast<size_t>(in.gcount()));
        out.body = std::move(data);
      }
    }
    if (kinds != 1 && !br.has("inline_bytes") && !br.has("environment_variable")) {
      error(*b, bp, "exactly one of inline_string, filename required");
    }
    if (out.body && out.body->size() > max_body) {
      error(*b, bp, fmt::format("body is larger than max_direct_response_body_size_bytes ({})", max_body));
    }
  }
}

void Loader::redirect(const YamlNode& n, const std::string& path, RedirectAction& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"regex_rewrite", "path_rewrite_policy"});
  std::string s;
  r.boolean("https_redirect", out.https_redirect);
  if (r.str("scheme_redirect", s)) {
    out.scheme_redirect = toLower(s);
    if (out.https_redirect) error(n, path, "https_redirect and scheme_redirect are mutually exclusive");
  }
  if (r.str("host_redirect", s)) out.host_redirect = s;
  uint32_t port = 0;
  if (r.u32("port_redirect", port, 0, 65535)) out.port_redirect = port;
  if (r.str("path_redirect", s)) out.path_redirect = s;
  if (r.str("prefix_rewrite", s)) {
    out.prefix_rewrite = s;
    if (out.path_redirect) error(n, path, "path_redirect and prefix_rewrite are mutually exclusive");
  }
  std::string code;
  if (r.enumValue("response_code", {"MOVED_PERMANENTLY", "FOUND", "SEE_OTHER", "TEMPORARY_REDIRECT",
                                    "PERMANENT_REDIRECT"},
                  code)) {
    out.response_code = code == "MOVED_PERMANENTLY" ? 301
                        : code == "FOUND"           ? 302
                        : code == "SEE_OTHER"       ? 303
                        : code == "TEMPORARY_REDIRECT" ? 307
                                                       : 308;
  }
  r.boolean("strip_query", out.strip_query);
}

void Loader::headersToAdd(MapReader& r, std::string_view field, std::vector<HeaderValueOption>& out) {
  std::string base = r.fieldPath(field);
  forEachItem(r.get(field), base, [&](const YamlNode& h, const std::string& h_path, size_t) {
    MapReader hr(*this, h, h_path);
    if (!hr.ok()) return;
    HeaderValueOption opt;
    const YamlNode* header = hr.get("header");
    if (!header) {
      hr.missing("header");
      return;
    }
    MapReader kv(*this, *header, h_path + ".header");
    kv.unsupported({"raw_value"});
    if (kv.str("key", opt.key, true)) {
      opt.key = toLower(opt.key);
      bool valid = !opt.key.empty() && std::all_of(opt.key.begin(), opt.key.end(), isHeaderNameChar);
      if (!valid) {
        error(*kv.get("key"), h_path + ".header.key", fmt::format("'{}' is not a valid header name", opt.key));
      } else if (opt.key == "host") {
        error(*kv.get("key"), h_path + ".header.key", "host cannot be modified here (use host_rewrite_literal)");
      }
    }
    if (kv.has("key") && opt.key.size() > 0 && opt.key[0] == ':') {
      error(*kv.get("key"), h_path + ".header.key", "pseudo-headers cannot be modified");
    }
    std::string value;
    if (kv.str("value", value)) {
      // Envoy expands %COMMAND% operators in header values; weir does not yet,
      // so anything but a literal "%%" is refused rather than sent verbatim.
      std::string literal;
      for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%') {
          literal += value[i];
        } else if (i + 1 < value.size() && value[i + 1] == '%') {
          literal += '%';
          ++i;
        } else {
          error(*kv.get("value"), h_path + ".header.value",
                "header value formatters (%...%) are not supported by weir; write %% for a literal '%'");
          break;
        }
      }
      opt.value = std::move(literal);
    }
    bool append = true;
    bool has_append = hr.boolean("append", append);
    if (has_append) {
      opt.append_action = append ? HeaderValueOption::AppendAction::kAppendIfExistsOrAdd
                                 : HeaderValueOption::AppendAction::kOverwriteIfExistsOrAdd;
    }
    std::string action;
    if (hr.enumValue("append_action", {"APPEND_IF_EXISTS_OR_ADD", "ADD_IF_ABSENT", "OVERWRITE_IF_EXISTS_OR_ADD",
                                       "OVERWRITE_IF_EXISTS"},
                     action)) {
      if (has_append) error(h, h_path, "append and append_action are mutually exclusive");
      opt.append_action = action == "APPEND_IF_EXISTS_OR_ADD"      ? HeaderValueOption::AppendAction::kAppendIfExistsOrAdd
                          : action == "ADD_IF_ABSENT"              ? HeaderValueOption::AppendAction::kAddIfAbsent
                          : action == "OVERWRITE_IF_EXISTS_OR_ADD" ? HeaderValueOption::AppendAction::kOverwriteIfExistsOrAdd
                                                                   : HeaderValueOption::AppendAction::kOverwriteIfExists;
    }
    hr.boolean("keep_empty_value", opt.keep_empty_value);
    out.push_back(std::move(opt));
  });
}

void Loader::headersToRemove(MapReader& r, std::string_view field, std::vector<std::string>& out) {
  std::vector<std::string> names;
  r.strings(field, names);
  const YamlNode* n = r.get(field);
  for (size_t i = 0; i < names.size(); ++i) {
    std::string name = toLower(names[i]);
    if (name.empty() || name[0] == ':' || name == "host") {
      error(n->items[i], fmt::format("{}[{}]", r.fieldPath(field), i),
            fmt::format("'{}' cannot be removed", names[i]));
      continue;
    }
    out.push_back(std::move(name));
  }
}

void Loader::perFilterConfig(MapReader& r, std::map<std::string, TypedConfig>& out) {
  const YamlNode* m = r.get("typed_per_filter_config");
  if (!m || m->isNull()) return;
  std::string base = r.fieldPath("typed_per_filter_config");
  if (!m->isMap()) {
    error(*m, base, "expected an object (filter name → typed config)");
    return;
  }
  for (const auto& e : m->entries) {
    std::string p = base + "." + e.key;
    AnyView view;
    if (!any(e.value, p, view)) continue;
    out[e.key] = typedConfig(view, p);
  }
}

void Loader::route(const YamlNode& n, const std::string& path, Route& out, uint32_t max_body) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"filter_action", "non_forwarding_action", "metadata", "decorator", "tracing",
                 "per_request_buffer_limit_bytes", "request_body_buffer_limit", "stat_prefix"});
  r.str("name", out.name);
  if (const YamlNode* m = r.get("match")) {
    routeMatch(*m, path + ".match", out.match);
  } else {
    r.missing("match");
  }
  int kinds = 0;
  if (const YamlNode* a = r.get("route")) {
    ++kinds;
    out.action_kind = Route::ActionKind::kRoute;
    routeAction(*a, path + ".route", out.route, out.match);
  }
  if (const YamlNode* d = r.get("direct_response")) {
    ++kinds;
    out.action_kind = Route::ActionKind::kDirectResponse;
    directResponse(*d, path + ".direct_response", out.direct_response, max_body);
  }
  if (const YamlNode* d = r.get("redirect")) {
    ++kinds;
    out.action_kind = Route::ActionKind::kRedirect;
    redirect(*d, path + ".redirect", out.redirect);
  }
  if (kinds != 1 && !r.has("filter_action") && !r.has("non_forwarding_action")) {
    error(n, path, "exactly one of route, direct_response, redirect required");
  }
  headersToAdd(r, "request_headers_to_add", out.request_headers_to_add);
  headersToRemove(r, "request_headers_to_remove", out.request_headers_to_remove);
  headersToAdd(r, "response_headers_to_add", out.response_headers_to_add);
  headersToRemove(r, "response_headers_to_remove", out.response_headers_to_remove);
  perFilterConfig(r, out.typed_per_filter_config);
}

void Loader::virtualHost(const YamlNode& n, const std::string& path, VirtualHost& out, uint32_t max_body) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"require_tls", "virtual_clusters", "rate_limits", "cors", "include_request_attempt_count",
                 "include_attempt_count_in_response", "retry_policy", "retry_policy_typed_config", "hedge_policy",
                 "per_request_buffer_limit_bytes", "request_mirror_policies", "matcher", "metadata",
                 "request_body_buffer_limit", "include_is_timeout_retry_header"});
  r.str("name", out.name, true);
  const YamlNode* domains = r.get("domains");
  if (!domains) {
    r.missing("domains");
  } else {
    forEachItem(domains, path + ".domains", [&](const YamlNode& d, const std::string& d_path, size_t) {
      std::string domain;
      if (!scalarString(d, d_path, domain)) return;
      domain = toLower(domain);
      size_t stars = static_cast<size_t>(std::count(domain.begin(), domain.end(), '*'));
      bool ok = !domain.empty() &&
                (stars == 0 || (stars == 1 && (domain == "*" || domain.front() == '*' || domain.back() == '*')));
      if (!ok) {
        error(d, d_path, fmt::format("invalid domain '{}': a wildcard may only be a whole label at the "
                                     "start or end ('*.example.com', 'api.*', '*')", domain));
        return;
      }
      out.domains.push_back(std::move(domain));
    });
    if (out.domains.empty() && (domains->kind != YamlNode::Kind::kSequence || domains->items.empty())) {
      error(*domains, path + ".domains", "at least one domain is required");
    }
  }
  forEachItem(r.get("routes"), path + ".routes", [&](const YamlNode& rt, const std::string& rt_path, size_t) {
    Route route_entry;
    route(rt, rt_path, route_entry, max_body);
    out.routes.push_back(std::move(route_entry));
  });
  headersToAdd(r, "request_headers_to_add", out.request_headers_to_add);
  headersToRemove(r, "request_headers_to_remove", out.request_headers_to_remove);
  headersToAdd(r, "response_headers_to_add", out.response_headers_to_add);
  headersToRemove(r, "response_headers_to_remove", out.response_headers_to_remove);
  perFilterConfig(r, out.typed_per_filter_config);
}

void Loader::routeConfiguration(const YamlNode& n, const std::string& path, RouteConfiguration& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"vhds", "internal_only_headers", "most_specific_header_mutations_wins", "cluster_specifier_plugins",
                 "request_mirror_policies", "ignore_port_in_host_matching", "ignore_path_parameters_in_path_matching",
                 "typed_per_filter_config", "metadata"});
  r.str("name", out.name);
  r.boolean("validate_clusters", validate_clusters_);
  uint32_t max_body = 4096;
  r.u32("max_direct_response_body_size_bytes", max_body, 1, 64 * 1024 * 1024);
  std::set<std::string> vhost_names;
  std::map<std::string, std::string> domain_owner;
  forEachItem(r.get("virtual_hosts"), path + ".virtual_hosts", [&](const YamlNode& v, const std::string& v_path, size_t) {
    VirtualHost vh;
    virtualHost(v, v_path, vh, max_body);
    if (!vh.name.empty() && !vhost_names.insert(vh.name).second) {
      error(v, v_path + ".name", fmt::format("duplicate virtual host name '{}'", vh.name));
    }
    for (const auto& d : vh.domains) {
      auto [it, inserted] = domain_owner.emplace(d, vh.name);
      if (!inserted) {
        error(v, v_path + ".domains",
              fmt::format("domain '{}' is already used by virtual host '{}'", d, it->second));
      }
    }
    out.virtual_hosts.push_back(std::move(vh));
  });
  headersToAdd(r, "request_headers_to_add", out.request_headers_to_add);
  headersToRemove(r, "request_headers_to_remove", out.request_headers_to_remove);
  headersToAdd(r, "response_headers_to_add", out.response_headers_to_add);
  headersToRemove(r, "response_headers_to_remove", out.response_headers_to_remove);
}

// --- clusters ---------------------------------------------------------------------

void Loader::loadAssignment(const YamlNode& n, const std::string& path, Cluster& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"named_endpoints", "policy"});
  r.str("cluster_name", out.load_assignment.cluster_name);
  const bool ip_only = out.type == Cluster::DiscoveryType::kStatic;
  forEachItem(r.get("endpoints"), path + ".endpoints", [&](const YamlNode& e, const std::string& e_path, size_t) {
    MapReader er(*this, e, e_path);
    if (!er.ok()) return;
    er.unsupported({"load_balancing_weight", "leds_cluster_locality_config", "proximity",
                    "metadata", "load_balancer_endpoints"});
    // Locality only labels endpoints for zone-aware routing, which weir does
    // not do; it is accepted so that existing configs load, and documented.
    if (const YamlNode* loc = er.get("locality")) {
      MapReader lr(*this, *loc, e_path + ".locality");
      std::string ignored;
      lr.str("region", ignored);
      lr.str("zone", ignored);
      lr.str("sub_zone", ignored);
    }
    LocalityLbEndpoints group;
    if (er.u32("priority", group.priority) && group.priority != 0) {
      error(*er.get("priority"), e_path + ".priority", "only priority 0 is supported");
    }
    forEachItem(er.get("lb_endpoints"), e_path + ".lb_endpoints",
                [&](const YamlNode& lb, const std::string& lb_path, size_t) {
                  MapReader lr(*this, lb, lb_path);
                  if (!lr.ok()) return;
                  lr.unsupported({"health_status", "metadata", "endpoint_name"});
                  LbEndpoint ep;
                  const YamlNode* endpoint = lr.get("endpoint");
                  if (!endpoint) {
                    lr.missing("endpoint");
                    return;
                  }
                  MapReader epr(*this, *endpoint, lb_path + ".endpoint");
                  epr.unsupported({"health_check_config", "hostname", "additional_addresses"});
                  if (const YamlNode* a = epr.get("address")) {
                    socketAddress(*a, lb_path + ".endpoint.address", ep.address, false, ip_only);
                  } else {
                    epr.missing("address");
                  }
                  lr.u32("load_balancing_weight", ep.load_balancing_weight, 1, 128 * 1024);
                  group.lb_endpoints.push_back(std::move(ep));
                });
    out.load_assignment.endpoints.push_back(std::move(group));
  });
}

void Loader::circuitBreakers(const YamlNode& n, const std::string& path, Cluster& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"per_host_thresholds"});
  std::set<int> seen;
  forEachItem(r.get("thresholds"), path + ".thresholds", [&](const YamlNode& t, const std::string& t_path, size_t) {
    MapReader tr(*this, t, t_path);
    if (!tr.ok()) return;
    tr.unsupported({"retry_budget", "track_remaining", "max_connection_pools"});
    CircuitBreakerThresholds th;
    std::string prio;
    if (tr.enumValue("priority", {"DEFAULT", "HIGH"}, prio) && prio == "HIGH") {
      th.priority = CircuitBreakerThresholds::Priority::kHigh;
    }
    if (!seen.insert(static_cast<int>(th.priority)).second) {
      error(t, t_path + ".priority", "duplicate thresholds for this priority");
    }
    tr.u32("max_connections", th.max_connections);
    tr.u32("max_pending_requests", th.max_pending_requests);
    tr.u32("max_requests", th.max_requests);
    tr.u32("max_retries", th.max_retries);
    out.circuit_breakers.push_back(th);
  });
}

void Loader::protocolOptions(const YamlNode& n, const std::string& path, Cluster& out) {
  if (!n.isMap()) {
    error(n, path, "expected an object (extension name → typed config)");
    return;
  }
  for (const auto& e : n.entries) {
    std::string p = path + "." + e.key;
    AnyView view;
    if (!any(e.value, p, view)) continue;
    if (typeName(view.type_url) != kUpstreamHttpOptionsType) {
      error(e.value, p + ".@type",
            fmt::format("protocol options type '{}' is not supported (weir: {})", view.type_url,
                        kUpstreamHttpOptionsType));
      continue;
    }
    static const YamlNode kEmpty;
    MapReader r(*this, view.value ? *view.value : kEmpty, p);
    if (view.has_at_type) r.skip("@type");
    r.unsupported({"auto_config", "use_downstream_protocol_config", "upstream_http_protocol_options",
                   "http_filters", "header_validation_config", "outlier_detection"});
    if (const YamlNode* c = r.get("common_http_protocol_options")) {
      MapReader cr(*this, *c, p + ".common_http_protocol_options");
      cr.unsupported({"max_connection_duration", "max_stream_duration", "headers_with_underscores_action",
                      "max_headers_count"});
      Duration d{0};
      if (cr.duration("idle_timeout", d)) out.upstream_idle_timeout = d;
      uint32_t max = 0;
      if (cr.u32("max_requests_per_connection", max, 1)) out.max_requests_per_connection = max;
    }
    if (const YamlNode* x = r.get("explicit_http_config")) {
      MapReader xr(*this, *x, p + ".explicit_http_config");
      xr.unsupported({"http2_protocol_options", "http3_protocol_options"});
      if (const YamlNode* h = xr.get("http_protocol_options")) {
        MapReader hr(*this, *h, p + ".explicit_http_config.http_protocol_options");
        hr.unsupported({"header_key_format", "enable_trailers", "allow_chunked_length", "send_fully_qualified_url",
                        "accept_http_10", "default_host_for_http_10"});
      } else if (!xr.has("http2_protocol_options") && !xr.has("http3_protocol_options")) {
        xr.missing("http_protocol_options");
      }
    }
  }
}

void Loader::cluster(const YamlNode& n, const std::string& path, Cluster& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"health_checks", "outlier_detection", "transport_socket", "transport_socket_matches", "eds_cluster_config",
                 "cluster_type", "lb_subset_config", "ring_hash_lb_config", "maglev_lb_config",
                 "original_dst_lb_config", "common_lb_config", "upstream_bind_config", "upstream_connection_options",
                 "http2_protocol_options", "upstream_http_protocol_options", "protocol_selection",
                 "dns_resolvers", "use_tcp_for_dns_lookups", "dns_resolution_config", "typed_dns_resolver_config",
                 "respect_dns_ttl", "dns_failure_refresh_rate", "wait_for_warm_on_init", "filters", "metadata",
                 "load_balancing_policy", "track_cluster_stats", "alt_stat_name", "close_connections_on_host_health_failure",
                 "ignore_health_on_host_removal", "cleanup_interval", "preconnect_policy", "hosts",
                 "max_requests_per_connection", "lrs_server", "track_timeout_budgets", "connection_pool_per_downstream_connection",
                 "typed_dns_resolver_config", "round_robin_lb_config", "dns_jitter"});
  r.str("name", out.name, true);
  std::string type;
  if (r.enumValue("type", {"STATIC", "STRICT_DNS", "LOGICAL_DNS", "EDS", "ORIGINAL_DST"}, type)) {
    if (type == "EDS" || type == "ORIGINAL_DST") {
      error(*r.get("type"), path + ".type",
            fmt::format("'{}' is not supported; weir supports STATIC, STRICT_DNS and LOGICAL_DNS", type));
    }
    out.type = type == "STRICT_DNS"    ? Cluster::DiscoveryType::kStrictDns
               : type == "LOGICAL_DNS" ? Cluster::DiscoveryType::kLogicalDns
                                       : Cluster::DiscoveryType::kStatic;
  }
  r.duration("connect_timeout", out.connect_timeout, /*allow_zero=*/false);
  std::string lb;
  if (r.enumValue("lb_policy", {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV", "CLUSTER_PROVIDED",
                                "LOAD_BALANCING_POLICY_CONFIG"},
                  lb)) {
    if (lb == "ROUND_ROBIN") out.lb_policy = Cluster::LbPolicy::kRoundRobin;
    else if (lb == "LEAST_REQUEST") out.lb_policy = Cluster::LbPolicy::kLeastRequest;
    else if (lb == "RANDOM") out.lb_policy = Cluster::LbPolicy::kRandom;
    else {
      error(*r.get("lb_policy"), path + ".lb_policy",
            fmt::format("'{}' is not supported; weir supports ROUND_ROBIN, LEAST_REQUEST and RANDOM", lb));
    }
  }
  if (const YamlNode* lr = r.get("least_request_lb_config")) {
    MapReader l(*this, *lr, path + ".least_request_lb_config");
    l.unsupported({"active_request_bias", "slow_start_config", "locality_lb_config", "enable_full_scan",
                   "selection_method"});
    l.u32("choice_count", out.least_request_choice_count, 2, 100);
  }
  if (const YamlNode* la = r.get("load_assignment")) {
    loadAssignment(*la, path + ".load_assignment", out);
  } else if (!r.has("hosts")) {
    r.missing("load_assignment");
  }
  size_t endpoint_count = 0;
  for (const auto& g : out.load_assignment.endpoints) endpoint_count += g.lb_endpoints.size();
  if (out.type == Cluster::DiscoveryType::kLogicalDns && endpoint_count != 1 && r.has("load_assignment")) {
    error(*r.get("load_assignment"), path + ".load_assignment",
          fmt::format("LOGICAL_DNS clusters need exactly one endpoint, found {}", endpoint_count));
  }
  if (const YamlNode* cb = r.get("circuit_breakers")) circuitBreakers(*cb, path + ".circuit_breakers", out);
  bool has_default = std::any_of(out.circuit_breakers.begin(), out.circuit_breakers.end(), [](const auto& t) {
    return t.priority == CircuitBreakerThresholds::Priority::kDefault;
  });
  if (!has_default) out.circuit_breakers.insert(out.circuit_breakers.begin(), CircuitBreakerThresholds{});
  r.duration("dns_refresh_rate", out.dns_refresh_rate, /*allow_zero=*/false);
  std::string family;
  if (r.enumValue("dns_lookup_family", {"AUTO", "V4_ONLY", "V6_ONLY", "V4_PREFERRED", "ALL"}, family)) {
    out.dns_lookup_family = family == "V4_ONLY"        ? Cluster::DnsLookupFamily::kV4Only
                            : family == "V6_ONLY"      ? Cluster::DnsLookupFamily::kV6Only
                            : family == "V4_PREFERRED" ? Cluster::DnsLookupFamily::kV4Preferred
                            : family == "ALL"          ? Cluster::DnsLookupFamily::kAll
                                                       : Cluster::DnsLookupFamily::kAuto;
  }
  r.u32("per_connection_buffer_limit_bytes", out.per_connection_buffer_limit_bytes);
  if (const YamlNode* h = r.get("http_protocol_options")) {
    // Deprecated spelling of "talk HTTP/1.1 upstream"; only the empty form is accepted.
    MapReader hr(*this, *h, path + ".http_protocol_options");
    hr.unsupported({"header_key_format", "enable_trailers", "allow_chunked_length", "send_fully_qualified_url",
                    "accept_http_10", "default_host_for_http_10"});
  }
  if (const YamlNode* c = r.get("common_http_protocol_options")) {
    MapReader cr(*this, *c, path + ".common_http_protocol_options");
    cr.unsupported({"max_connection_duration", "max_stream_duration", "headers_with_underscores_action",
                    "max_headers_count"});
    Duration d{0};
    if (cr.duration("idle_timeout", d)) out.upstream_idle_timeout = d;
    uint32_t max = 0;
    if (cr.u32("max_requests_per_connection", max, 1)) out.max_requests_per_connection = max;
  }
  if (const YamlNode* t = r.get("typed_extension_protocol_options")) {
    protocolOptions(*t, path + ".typed_extension_protocol_options", out);
  }
}

// --- admin, node, bootstrap -----------------------------------------------------------

void Loader::admin(const YamlNode& n, const std::string& path, Admin& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"profile_path", "socket_options", "ignore_global_conn_limit"});
  if (const YamlNode* a = r.get("address")) {
    socketAddress(*a, path + ".address", out.address, true, true);
  } else {
    r.missing("address");
  }
  r.str("access_log_path", out.access_log_path);
  forEachItem(r.get("access_log"), path + ".access_log", [&](const YamlNode& a, const std::string& a_path, size_t) {
    AccessLog log;
    accessLog(a, a_path, log);
    out.access_log.push_back(std::move(log));
  });
}

void Loader::node(const YamlNode& n, const std::string& path, Node& out) {
  MapReader r(*this, n, path);
  if (!r.ok()) return;
  r.unsupported({"locality", "user_agent_name", "user_agent_version", "user_agent_build_version", "extensions",
                 "client_features", "listening_addresses", "dynamic_parameters"});
  r.str("id", out.id);
  r.str("cluster", out.cluster);
  if (const YamlNode* m = r.get("metadata")) {
    if (!m->isMap() && !m->isNull()) {
      error(*m, path + ".metadata", "expected an object");
    } else if (m->isMap()) {
      out.metadata = yamlToJson(*m);
    }
  }
}

std::shared_ptr<Bootstrap> Loader::load(const YamlNode& root) {
  auto b = std::make_shared<Bootstrap>();
  b->source_name = file_;
  if (root.isNull()) {
    error(root, "", "the configuration is empty");
    return nullptr;
  }
  if (!root.isMap()) {
    error(root, "", "expected a bootstrap object at the top level");
    return nullptr;
  }
  b->raw = yamlToJson(root);
  std::vector<const YamlNode*> listener_nodes;
  std::vector<const YamlNode*> cluster_nodes;
  {
    MapReader r(*this, root, "");
    r.unsupported({"dynamic_resources", "cluster_manager", "hds_config", "flags_path", "stats_sinks",
                   "stats_config", "stats_flush_interval", "stats_flush_on_admin", "watchdog", "watchdogs",
                   "tracing", "layered_runtime", "overload_manager", "enable_dispatcher_stats",
                   "header_prefix", "stats_server_version_override", "use_tcp_for_dns_lookups",
                   "dns_resolution_config", "typed_dns_resolver_config",
                   "fatal_actions", "config_sources", "default_config_source", "default_socket_interface",
                   "certificate_provider_instances", "inline_headers", "perf_tracing_file_path",
                   "default_regex_engine", "xds_delegate_extension", "xds_config_tracker_extension",
                   "listener_manager", "application_log_config", "grpc_async_client_manager_config",
                   "memory_allocator_manager", "node_context_params"});
    if (const YamlNode* a = r.get("admin")) {
      Admin admin_cfg;
      admin(*a, "admin", admin_cfg);
      b->admin = std::move(admin_cfg);
    }
    if (const YamlNode* nd = r.get("node")) node(*nd, "node", b->node);
    forEachItem(r.get("bootstrap_extensions"), "bootstrap_extensions",
                [&](const YamlNode& e, const std::string& e_path, size_t) {
                  BootstrapExtension ext;
                  bootstrapExtension(e, e_path, ext);
                  b->bootstrap_extensions.push_back(std::move(ext));
                });
    if (const YamlNode* sr = r.get("static_resources")) {
      MapReader s(*this, *sr, "static_resources");
      s.unsupported({"secrets"});
      forEachItem(s.get("listeners"), "static_resources.listeners",
                  [&](const YamlNode& l, const std::string& l_path, size_t i) {
                    Listener lst;
                    listener(l, l_path, lst, i);
                    b->static_resources.listeners.push_back(std::move(lst));
                    listener_nodes.push_back(&l);
                  });
      forEachItem(s.get("clusters"), "static_resources.clusters",
                  [&](const YamlNode& c, const std::string& c_path, size_t) {
                    Cluster cl;
                    cluster(c, c_path, cl);
                    b->static_resources.clusters.push_back(std::move(cl));
                    cluster_nodes.push_back(&c);
                  });
    }
  }
  crossValidate(*b, listener_nodes, cluster_nodes);
  return b;
}

void Loader::crossValidate(const Bootstrap& b, const std::vector<const YamlNode*>& listener_nodes,
                           const std::vector<const YamlNode*>& cluster_nodes) {
  std::map<std::string, size_t> names;
  std::map<std::pair<std::string, uint16_t>, size_t> bound;
  for (size_t i = 0; i < b.static_resources.listeners.size(); ++i) {
    const Listener& l = b.static_resources.listeners[i];
    std::string p = fmt::format("static_resources.listeners[{}]", i);
    auto [it, inserted] = names.emplace(l.name, i);
    if (!inserted) {
      error(*listener_nodes[i], p + ".name",
            fmt::format("duplicate listener name '{}' (also static_resources.listeners[{}])", l.name, it->second));
    }
    if (l.address.port_value != 0 && !l.address.address.empty()) {
      auto [bit, binserted] = bound.emplace(std::make_pair(l.address.address, l.address.port_value), i);
      if (!binserted) {
        error(*listener_nodes[i], p + ".address",
              fmt::format("{}:{} is already used by static_resources.listeners[{}]", l.address.address,
                          l.address.port_value, bit->second));
      }
    }
  }
  if (b.admin && b.admin->address.port_value != 0) {
    auto it = bound.find({b.admin->address.address, b.admin->address.port_value});
    if (it != bound.end()) {
      error(*listener_nodes[it->second], fmt::format("static_resources.listeners[{}].address", it->second),
            "the admin interface already uses this address");
    }
  }
  std::set<std::string> cluster_names;
  for (size_t i = 0; i < b.static_resources.clusters.size(); ++i) {
    const Cluster& c = b.static_resources.clusters[i];
    if (c.name.empty()) continue;
    if (!cluster_names.insert(c.name).second) {
      error(*cluster_nodes[i], fmt::format("static_resources.clusters[{}].name", i),
            fmt::format("duplicate cluster name '{}'", c.name));
    }
  }
  if (validate_clusters_) {
    for (const auto& ref : cluster_refs_) {
      if (!ref.name.empty() && !cluster_names.count(ref.name)) {
        error(ref.line, ref.column, ref.path, fmt::format("unknown cluster '{}'", ref.name));
      }
    }
  }
}

LoadReport reportFromYaml(std::string_view yaml, std::string source_name, const LoadOptions& options) {
  LoadReport report;
  if (yaml.size() > options.max_file_bytes) {
    report.errors.push_back({source_name, 0, 0, "",
                             fmt::format("configuration is {} bytes; the limit is {}", yaml.size(),
                                         options.max_file_bytes)});
    return report;
  }
  YamlNode root;
  YamlParseError perr;
  if (!parseYamlTree(yaml, YamlLimits{options.max_depth, options.max_nodes}, root, perr)) {
    report.errors.push_back({source_name, perr.line, perr.column, "", "invalid YAML: " + perr.message});
    return report;
  }
  Loader loader(source_name, options);
  std::shared_ptr<Bootstrap> b = loader.load(root);
  report.errors = std::move(loader.errors());
  std::stable_sort(report.errors.begin(), report.errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  if (report.errors.empty()) report.bootstrap = std::move(b);
  return report;
}

}  // namespace

LoadReport loadBootstrapReport(std::string_view yaml, std::string source_name, const LoadOptions& options) {
  return reportFromYaml(yaml, std::move(source_name), options);
}

LoadReport loadBootstrapFileReport(const std::string& path, const LoadOptions& options) {
  LoadReport report;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    report.errors.push_back({path, 0, 0, "", "cannot open file"});
    return report;
  }
  std::string data;
  // Read at most one byte past the limit so an oversized file is detected
  // without being read whole.
  data.resize(options.max_file_bytes + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    report.errors.push_back({path, 0, 0, "", "read error"});
    return report;
  }
  if (data.size() > options.max_file_bytes) {
    report.errors.push_back({path, 0, 0, "",
                             fmt::format("file is larger than the limit of {} bytes", options.max_file_bytes)});
    return report;
  }
  return reportFromYaml(data, path, options);
}

Result<std::shared_ptr<const Bootstrap>> loadBootstrapString(std::string_view yaml, std::string source_name,
                                                             const LoadOptions& options) {
  LoadReport report = loadBootstrapReport(yaml, std::move(source_name), options);
  if (!report.errors.empty()) return invalidArgument(joinLines(report.errors));
  return std::shared_ptr<const Bootstrap>(std::move(report.bootstrap));
}

Result<std::shared_ptr<const Bootstrap>> loadBootstrapFile(const std::string& path, const LoadOptions& options) {
  LoadReport report = loadBootstrapFileReport(path, options);
  if (!report.errors.empty()) {
    bool io = report.errors.size() == 1 && report.errors[0].line == 0 &&
              (report.errors[0].message == "cannot open file" || report.errors[0].message == "read error");
    return Status(io ? StatusCode::kIoError : StatusCode::kInvalidArgument, joinLines(report.errors));
  }
  return std::shared_ptr<const Bootstrap>(std::move(report.bootstrap));
}

}  // namespace weir::config

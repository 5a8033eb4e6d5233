#include "proxy/route_table.h"

#include <algorithm>

#include <fmt/format.h>
#include <re2/re2.h>

#include "http/header_map.h"

namespace weir::proxy {

namespace {

char lowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lowerChar(a[i]) != lowerChar(b[i])) return false;
  }
  return true;
}

bool startsWith(std::string_view s, std::string_view prefix, bool case_sensitive) {
  if (s.size() < prefix.size()) return false;
  return case_sensitive ? s.substr(0, prefix.size()) == prefix
                        : equalsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool endsWith(std::string_view s, std::string_view suffix, bool case_sensitive) {
  if (s.size() < suffix.size()) return false;
  std::string_view tail = s.substr(s.size() - suffix.size());
  return case_sensitive ? tail == suffix : equalsIgnoreCase(tail, suffix);
}

bool contains(std::string_view s, std::string_view needle, bool case_sensitive) {
  if (case_sensitive) return s.find(needle) != std::string_view::npos;
  if (needle.empty()) return true;
  for (size_t i = 0; i + needle.size() <= s.size(); ++i) {
    if (equalsIgnoreCase(s.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

bool fullMatch(const re2::RE2& re, std::string_view s) {
  return re2::RE2::FullMatch(re2::StringPiece(s.data(), s.size()), re);
}

bool matchString(const config::StringMatcher& m, std::string_view value) {
  const bool cs = !m.ignore_case;
  switch (m.kind) {
    case config::StringMatcher::Kind::kExact:
      return cs ? value == m.value : equalsIgnoreCase(value, m.value);
    case config::StringMatcher::Kind::kPrefix:
      return startsWith(value, m.value, cs);
    case config::StringMatcher::Kind::kSuffix:
      return endsWith(value, m.value, cs);
    case config::StringMatcher::Kind::kContains:
      return contains(value, m.value, cs);
    case config::StringMatcher::Kind::kSafeRegex:
      return m.regex && fullMatch(*m.regex, value);
  }
  return false;
}

// Envoy's header matching. A missing header (without
// treat_missing_header_as_empty) matches only a presence rule that asks for
// absence: present_match false, or present_match true inverted; a string rule
// never matches a missing header, inverted or not.
bool matchHeader(const config::HeaderMatcher& m, const http::HeaderMap& headers) {
  const bool is_present_match = !m.string_match.has_value();
  const size_t n = headers.count(m.name);
  if (n == 0 && !m.treat_missing_header_as_empty) {
    return is_present_match && m.present_match.value_or(true) == m.invert_match;
  }
  bool match;
  if (is_present_match) {
    match = m.present_match.value_or(true);
  } else if (n <= 1) {
    match = matchString(*m.string_match, headers.getOr(m.name));
  } else {
    // Multiple values are matched as one comma-joined value, as in Envoy.
    std::string joined;
    for (std::string_view v : headers.getAll(m.name)) {
      if (!joined.empty()) joined += ',';
      joined += v;
    }
    match = matchString(*m.string_match, joined);
  }
  return match != m.invert_match;
}

// The value of query parameter `name` in `query` (no leading '?'); nullopt if absent.
std::optional<std::string_view> queryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

void splitPath(std::string_view full, std::string_view& path, std::string_view& query) {
  size_t q = full.find('?');
  // A fragment never reaches a server in a valid request, but strip it anyway.
  size_t end = full.find('#');
  if (q != std::string_view::npos && (end == std::string_view::npos || q < end)) {
    path = full.substr(0, q);
    query = full.substr(q + 1, end == std::string_view::npos ? std::string_view::npos : end - q - 1);
  } else {
    path = full.substr(0, end);
    query = {};
  }
}

bool matchRouteEntry(const config::Route& route, std::string_view full_path, const http::HeaderMap& headers) {
  const config::RouteMatch& m = route.match;
  std::string_view path, query;
  splitPath(full_path, path, query);
  switch (m.kind) {
    case config::RouteMatch::PathKind::kPrefix:
      if (!startsWith(full_path, m.path, m.case_sensitive)) return false;
      break;
    case config::RouteMatch::PathKind::kPath:
      if (m.case_sensitive ? path != m.path : !equalsIgnoreCase(path, m.path)) return false;
      break;
    case config::RouteMatch::PathKind::kSafeRegex:
      if (!m.regex || !fullMatch(*m.regex, path)) return false;
      break;
    case config::RouteMatch::PathKind::kPathSeparatedPrefix:
      if (!startsWith(path, m.path, m.case_sensitive)) return false;
      if (path.size() != m.path.size() && path[m.path.size()] != '/') return false;
      break;
  }
  for (const auto& h : m.headers) {
    if (!matchHeader(h, headers)) return false;
  }
  for (const auto& q : m.query_parameters) {
    auto value = queryParam(query, q.name);
    if (!value) return false;
    if (q.string_match && !matchString(*q.string_match, *value)) return false;
  }
  return true;
}

// "example.com:8080" → "example.com"; "[::1]:80" → "[::1]"; nullopt without a port.
std::optional<std::string_view> stripPort(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos || close + 1 != colon) return std::nullopt;
  } else if (host.find(':') != colon) {
    return std::nullopt;  // a bare IPv6 literal, no port
  }
  std::string_view port = host.substr(colon + 1);
  if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return host.substr(0, colon);
}

Status compileIfMissing(config::RegexPtr& re, const std::string& pattern) {
  if (re) return Status::ok();
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto compiled = std::make_shared<const re2::RE2>(pattern, opts);
  if (!compiled->ok()) return invalidArgument(fmt::format("invalid regex '{}': {}", pattern, compiled->error()));
  re = std::move(compiled);
  return Status::ok();
}

Status compileStringMatcher(config::StringMatcher& m) {
  if (m.kind != config::StringMatcher::Kind::kSafeRegex) return Status::ok();
  return compileIfMissing(m.regex, m.value);
}

void applyMutations(const std::vector<config::HeaderValueOption>& add, const std::vector<std::string>& remove,
                    http::HeaderMap& headers) {
  for (const auto& name : remove) headers.remove(name);
  for (const auto& h : add) {
    if (h.value.empty() && !h.keep_empty_value) continue;
    switch (h.append_action) {
      case config::HeaderValueOption::AppendAction::kAppendIfExistsOrAdd:
        headers.add(h.key, h.value);
        break;
      case config::HeaderValueOption::AppendAction::kAddIfAbsent:
        if (!headers.has(h.key)) headers.add(h.key, h.value);
        break;
      case config::HeaderValueOption::AppendAction::kOverwriteIfExistsOrAdd:
        headers.set(h.key, h.value);
        break;
      case config::HeaderValueOption::AppendAction::kOverwriteIfExists:
        if (headers.has(h.key)) headers.set(h.key, h.value);
        break;
    }
  }
}

uint16_t defaultPort(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

RouteTable::RouteTable(config::RouteConfiguration config) : config_(std::move(config)) {}

Result<std::shared_ptr<const RouteTable>> RouteTable::create(const config::RouteConfiguration& config) {
  std::shared_ptr<RouteTable> table(new RouteTable(config));
  Status s = table->compile();
  if (!s.isOk()) return s;
  return std::shared_ptr<const RouteTable>(std::move(table));
}

Status RouteTable::compile() {
  for (auto& vh : config_.virtual_hosts) {
    for (auto& r : vh.routes) {
      if (r.match.kind == config::RouteMatch::PathKind::kSafeRegex) {
        WEIR_RETURN_IF_ERROR(compileIfMissing(r.match.regex, r.match.path));
      }
      for (auto& h : r.match.headers) {
        if (h.string_match) WEIR_RETURN_IF_ERROR(compileStringMatcher(*h.string_match));
      }
      for (auto& q : r.match.query_parameters) {
        if (q.string_match) WEIR_RETURN_IF_ERROR(compileStringMatcher(*q.string_match));
      }
      if (r.route.regex_rewrite) {
        WEIR_RETURN_IF_ERROR(compileIfMissing(r.route.regex_rewrite->regex, r.route.regex_rewrite->pattern));
      }
    }
    for (const auto& raw : vh.domains) {
      std::string d;
      d.reserve(raw.size());
      for (char c : raw) d += lowerChar(c);
      if (d == "*") {
        if (!default_) default_ = &vh;
      } else if (d.front() == '*') {
        suffix_.emplace_back(d.substr(1), &vh);
      } else if (d.back() == '*') {
        prefix_.emplace_back(d.substr(0, d.size() - 1), &vh);
      } else {
        exact_.emplace(d, &vh);
      }
    }
  }
  auto longest_first = [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); };
  std::stable_sort(suffix_.begin(), suffix_.end(), longest_first);
  std::stable_sort(prefix_.begin(), prefix_.end(), longest_first);
  return Status::ok();
}

const config::VirtualHost* RouteTable::findVirtualHost(std::string_view host) const {
  if (!exact_.empty()) {
    auto it = exact_.find(std::string(host));
    if (it != exact_.end()) return it->second;
  }
  // A wildcard never matches the empty string: "*.a.com" needs at least one
  // character before ".a.com".
  for (const auto& [suffix, vh] : suffix_) {
    if (host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix) return vh;
  }
  for (const auto& [prefix, vh] : prefix_) {
    if (host.size() > prefix.size() && host.substr(0, prefix.size()) == prefix) return vh;
  }
  return nullptr;
}

const config::VirtualHost* RouteTable::selectVirtualHost(std::string_view host_in) const {
  std::string host;
  host.reserve(host_in.size());
  for (char c : host_in) host += lowerChar(c);
  if (const config::VirtualHost* vh = findVirtualHost(host)) return vh;
  if (!host.empty()) {
    if (auto stripped = stripPort(host)) {
      if (const config::VirtualHost* vh = findVirtualHost(*stripped)) return vh;
    }
  }
  return default_;
}

const config::Route* RouteTable::matchRoute(const config::VirtualHost& vhost, const http::HeaderMap& headers) const {
  std::string_view path = headers.path();
  for (const auto& r : vhost.routes) {
    if (matchRouteEntry(r, path, headers)) return &r;
  }
  return nullptr;
}

std::optional<MatchedRoute> RouteTable::route(const http::HeaderMap& headers) const {
  const config::VirtualHost* vh = selectVirtualHost(headers.authority());
  if (!vh) return std::nullopt;
  const config::Route* r = matchRoute(*vh, headers);
  if (!r) return std::nullopt;
  return MatchedRoute{vh, r};
}

const std::string& RouteTable::pickWeightedCluster(const config::RouteAction& action, uint64_t random_value) {
  static const std::string kNone;
  if (action.weighted_clusters.empty()) return kNone;
  uint64_t total = action.total_weight;
  if (total == 0) {
    for (const auto& c : action.weighted_clusters) total += c.weight;
  }
  if (total == 0) return action.weighted_clusters.front().name;
  uint64_t point = random_value % total;
  uint64_t end = 0;
  for (const auto& c : action.weighted_clusters) {
    end += c.weight;
    if (point < end) return c.name;
  }
  return action.weighted_clusters.back().name;
}

std::string_view RouteTable::selectCluster(const config::RouteAction& action, const http::HeaderMap& headers,
                                           uint64_t random_value) {
  switch (action.cluster_specifier) {
    case config::RouteAction::ClusterSpecifier::kCluster:
      return action.cluster;
    case config::RouteAction::ClusterSpecifier::kWeightedClusters:
      return pickWeightedCluster(action, random_value);
    case config::RouteAction::ClusterSpecifier::kClusterHeader:
      return headers.getOr(action.cluster_header);
  }
  return {};
}

std::optional<std::string> RouteTable::rewritePath(const config::Route& route, std::string_view full_path) {
  const config::RouteAction& a = route.route;
  std::string_view path, query;
  splitPath(full_path, path, query);
  const bool has_query = full_path.find('?') != std::string_view::npos;
  std::string out;
  if (a.prefix_rewrite) {
    switch (route.match.kind) {
      case config::RouteMatch::PathKind::kPath:
        out = *a.prefix_rewrite;
        break;
      case config::RouteMatch::PathKind::kPrefix:
      case config::RouteMatch::PathKind::kPathSeparatedPrefix: {
        size_t n = std::min(route.match.path.size(), path.size());
        out = *a.prefix_rewrite;
        out.append(path.substr(n));
        break;
      }
      case config::RouteMatch::PathKind::kSafeRegex:
        return std::nullopt;  // rejected by the loader
    }
  } else if (a.regex_rewrite && a.regex_rewrite->regex) {
    out = std::string(path);
    re2::RE2::GlobalReplace(&out, *a.regex_rewrite->regex, a.regex_rewrite->substitution);
  } else {
    return std::nullopt;
  }
  if (has_query) {
    out += '?';
    out.append(query);
  }
  return out;
}

std::string RouteTable::redirectUrl(const config::Route& route, std::string_view scheme, std::string_view host,
                                    std::string_view full_path) {
  const config::RedirectAction& r = route.redirect;
  std::string new_scheme(scheme.empty() ? "http" : scheme);
  if (r.https_redirect) new_scheme = "https";
  if (r.scheme_redirect) new_scheme = *r.scheme_redirect;

  std::string new_host(r.host_redirect ? std::string_view(*r.host_redirect) : host);
  std::string_view host_only = new_host;
  uint32_t port = 0;  // 0: none
  if (auto stripped = stripPort(new_host)) {
    host_only = *stripped;
    for (char c : std::string_view(new_host).substr(stripped->size() + 1)) {
      port = std::min<uint32_t>(port * 10 + static_cast<uint32_t>(c - '0'), 65536);
    }
  }
  if (r.port_redirect) port = *r.port_redirect;
  // A port that is the default for the new scheme is not written (":443" on
  // https), nor is the old scheme's default when the scheme changed.
  if (port == defaultPort(new_scheme) || (new_scheme != scheme && port == defaultPort(scheme))) port = 0;
  std::string authority(host_only);
  if (port != 0) authority += fmt::format(":{}", port);

  std::string_view path, query;
  splitPath(full_path, path, query);
  const bool has_query = full_path.find('?') != std::string_view::npos;
  std::string new_path;
  bool query_from_config = false;
  if (r.path_redirect) {
    new_path = *r.path_redirect;
    query_from_config = new_path.find('?') != std::string::npos;
  } else if (r.prefix_rewrite) {
    size_t n = std::min(route.match.path.size(), path.size());
    if (route.match.kind == config::RouteMatch::PathKind::kPath) n = path.size();
    new_path = *r.prefix_rewrite;
    new_path.append(path.substr(n));
  } else {
    new_path = std::string(path);
  }
  if (!query_from_config && has_query && !r.strip_query) {
    new_path += '?';
    new_path.append(query);
  }
  return fmt::format("{}://{}{}", new_scheme, authority, new_path);
}

void RouteTable::applyRequestHeaders(const MatchedRoute& match, http::HeaderMap& headers) const {
  if (match.route) applyMutations(match.route->request_headers_to_add, match.route->request_headers_to_remove, headers);
  if (match.virtual_host) {
    applyMutations(match.virtual_host->request_headers_to_add, match.virtual_host->request_headers_to_remove, headers);
  }
  applyMutations(config_.request_headers_to_add, config_.request_headers_to_remove, headers);
}

void RouteTable::applyResponseHeaders(const MatchedRoute& match, http::HeaderMap& headers) const {
  if (match.route) {
    applyMutations(match.route->response_headers_to_add, match.route->response_headers_to_remove, headers);
  }
  if (match.virtual_host) {
    applyMutations(match.virtual_host->response_headers_to_add, match.virtual_host->response_headers_to_remove,
                   headers);
  }
  applyMutations(config_.response_headers_to_add, config_.response_headers_to_remove, headers);
}

const config::TypedConfig* RouteTable::perFilterConfig(const MatchedRoute& match, std::string_view filter_name) {
  std::string key(filter_name);
  if (match.route) {
    auto it = match.route->typed_per_filter_config.find(key);
    if (it != match.route->typed_per_filter_config.end()) return &it->second;
  }
  if (match.virtual_host) {
    auto it = match.virtual_host->typed_per_filter_config.find(key);
    if (it != match.virtual_host->typed_per_filter_config.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace weir::proxy

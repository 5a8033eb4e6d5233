#include "proxy/route_table.h"

#include <map>

#include <gtest/gtest.h>

#include "config/loader.h"
#include "http/header_map.h"

namespace weir::proxy {
namespace {

// Builds a route table from the route_config part of a real bootstrap, so the
// tests exercise what the loader produces.
std::shared_ptr<const RouteTable> tableFrom(const std::string& route_config_yaml) {
  std::string yaml = R"(
static_resources:
  listeners:
  - name: l
    address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: t
          http_filters: [ { name: envoy.filters.http.router } ]
          route_config:
)";
  std::string indented;
  size_t start = 0;
  while (start < route_config_yaml.size()) {
    size_t nl = route_config_yaml.find('\n', start);
    std::string line = route_config_yaml.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty()) indented += "            " + line + "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  yaml += indented;
  yaml += R"(
  clusters:
)";
  for (const char* name : {"a", "b", "c", "exact", "suffix_long", "suffix_short", "prefix", "any", "port"}) {
    yaml += std::string("  - name: ") + name +
            "\n    load_assignment: { endpoints: [ { lb_endpoints: [ { endpoint: { address: { socket_address: "
            "{ address: 127.0.0.1, port_value: 1 } } } } ] } ] }\n";
  }
  auto b = config::loadBootstrapString(yaml, "routes.yaml");
  EXPECT_TRUE(b.isOk()) << b.status().message();
  if (!b.isOk()) return nullptr;
  auto t = RouteTable::create(
      (*b)->static_resources.listeners[0].filter_chains[0].http_connection_manager.route_config);
  EXPECT_TRUE(t.isOk());
  return t.isOk() ? *t : nullptr;
}

http::HeaderMap request(std::string_view host, std::string_view path,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {}) {
  http::HeaderMap h{{":method", "GET"}, {":authority", host}, {":path", path}};
  for (const auto& [k, v] : extra) h.add(k, v);
  return h;
}

std::string clusterFor(const RouteTable& t, const http::HeaderMap& h) {
  auto m = t.route(h);
  if (!m) return "<none>";
  if (m->route->action_kind != config::Route::ActionKind::kRoute) return "<other>";
  return std::string(RouteTable::selectCluster(m->route->route, h, 0));
}

const char* kDomains = R"(
virtual_hosts:
- name: any
  domains: ["*"]
  routes: [ { match: { prefix: "/" }, route: { cluster: any } } ]
- name: exact
  domains: ["api.example.com"]
  routes: [ { match: { prefix: "/" }, route: { cluster: exact } } ]
- name: suffix_short
  domains: ["*.com"]
  routes: [ { match: { prefix: "/" }, route: { cluster: suffix_short } } ]
- name: suffix_long
  domains: ["*.example.com"]
  routes: [ { match: { prefix: "/" }, route: { cluster: suffix_long } } ]
- name: prefix
  domains: ["internal.*"]
  routes: [ { match: { prefix: "/" }, route: { cluster: prefix } } ]
- name: port
  domains: ["ported.example.org:8080"]
  routes: [ { match: { prefix: "/" }, route: { cluster: port } } ]
)";

TEST(RouteTable, DomainPrecedenceExactThenLongestSuffixThenPrefixThenDefault) {
  auto t = tableFrom(kDomains);
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("api.example.com", "/")), "exact");
  EXPECT_EQ(clusterFor(*t, request("API.Example.COM", "/")), "exact");
  EXPECT_EQ(clusterFor(*t, request("www.example.com", "/")), "suffix_long");
  EXPECT_EQ(clusterFor(*t, request("shop.other.com", "/")), "suffix_short");
  EXPECT_EQ(clusterFor(*t, request("internal.corp", "/")), "prefix");
  EXPECT_EQ(clusterFor(*t, request("unknown.net", "/")), "any");
  // Wildcards never match the empty string.
  EXPECT_EQ(clusterFor(*t, request("example.com", "/")), "suffix_short");
  EXPECT_EQ(clusterFor(*t, request("internal.", "/")), "any");
}

TEST(RouteTable, PortIsStrippedOnlyWhenTheFullHostDoesNotMatch) {
  auto t = tableFrom(kDomains);
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("api.example.com:8443", "/")), "exact");
  EXPECT_EQ(clusterFor(*t, request("www.example.com:80", "/")), "suffix_long");
  EXPECT_EQ(clusterFor(*t, request("ported.example.org:8080", "/")), "port");
  EXPECT_EQ(clusterFor(*t, request("ported.example.org:9090", "/")), "any");
}

TEST(RouteTable, NoDefaultVirtualHostMeansNoRoute) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: only
  domains: ["only.example.com"]
  routes: [ { match: { prefix: "/" }, route: { cluster: a } } ]
)");
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->route(request("other.example.com", "/")).has_value());
  EXPECT_EQ(clusterFor(*t, request("only.example.com", "/x")), "a");
}

TEST(RouteTable, PathMatchKindsAndCaseSensitivity) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { path: "/exact" }
    route: { cluster: a }
  - match: { safe_regex: { regex: "/items/[0-9]+" } }
    route: { cluster: b }
  - match: { path_separated_prefix: "/api" }
    route: { cluster: c }
  - match: { prefix: "/CaseLess", case_sensitive: false }
    route: { cluster: exact }
)");
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("h", "/exact")), "a");
  EXPECT_EQ(clusterFor(*t, request("h", "/exact?x=1")), "a");  // query ignored for path
  EXPECT_EQ(clusterFor(*t, request("h", "/exact/more")), "<none>");
  EXPECT_EQ(clusterFor(*t, request("h", "/EXACT")), "<none>");
  EXPECT_EQ(clusterFor(*t, request("h", "/items/42")), "b");
  EXPECT_EQ(clusterFor(*t, request("h", "/items/42?q")), "b");
  EXPECT_EQ(clusterFor(*t, request("h", "/items/4x")), "<none>");  // regex must match the whole path
  EXPECT_EQ(clusterFor(*t, request("h", "/api")), "c");
  EXPECT_EQ(clusterFor(*t, request("h", "/api/v1")), "c");
  EXPECT_EQ(clusterFor(*t, request("h", "/api?x")), "c");
  EXPECT_EQ(clusterFor(*t, request("h", "/apiv1")), "<none>");
  EXPECT_EQ(clusterFor(*t, request("h", "/caseless/x")), "exact");
}

TEST(RouteTable, FirstMatchingRouteWins) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { prefix: "/a" }
    route: { cluster: a }
  - match: { prefix: "/ab" }
    route: { cluster: b }
)");
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("h", "/abc")), "a");
}

TEST(RouteTable, HeaderMatchers) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match:
      prefix: "/"
      headers:
      - { name: x-env, exact_match: prod }
      - { name: x-debug, present_match: true, invert_match: true }
    route: { cluster: a }
  - match:
      prefix: "/"
      headers:
      - { name: user-agent, string_match: { prefix: curl, ignore_case: true } }
    route: { cluster: b }
  - match:
      prefix: "/"
      headers:
      - { name: x-version, safe_regex_match: { regex: "v[0-9]+" } }
      - { name: :method, exact_match: POST }
    route: { cluster: c }
  - match:
      prefix: "/"
      headers:
      - { name: x-tenant, exact_match: acme, invert_match: true }
    route: { cluster: exact }
  - match:
      prefix: "/"
      headers:
      - { name: x-tenant, exact_match: acme, invert_match: true, treat_missing_header_as_empty: true }
    route: { cluster: suffix_long }
)");
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-env", "prod"}})), "a");
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-env", "prod"}, {"x-debug", "1"}})), "suffix_long");
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"User-Agent", "CURL/8.0"}})), "b");
  http::HeaderMap post = request("h", "/", {{"x-version", "v2"}});
  post.setMethod("POST");
  EXPECT_EQ(clusterFor(*t, post), "c");
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-version", "v2"}})), "suffix_long");  // GET
  // An inverted string rule matches a present header with another value ...
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-tenant", "other"}})), "exact");
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-tenant", "acme"}})), "<none>");
  // ... but never a missing header, unless it is treated as empty.
  EXPECT_EQ(clusterFor(*t, request("h", "/")), "suffix_long");
}

TEST(RouteTable, MultipleHeaderValuesAreMatchedJoinedWithComma) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { prefix: "/", headers: [ { name: x-tag, exact_match: "a,b" } ] }
    route: { cluster: a }
)");
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-tag", "a"}, {"x-tag", "b"}})), "a");
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-tag", "a"}})), "<none>");
}

TEST(RouteTable, QueryParameterMatchers) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match:
      prefix: "/"
      query_parameters:
      - { name: debug, string_match: { exact: "true" } }
    route: { cluster: a }
  - match:
      prefix: "/"
      query_parameters:
      - { name: trace, present_match: true }
    route: { cluster: b }
)");
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("h", "/x?debug=true")), "a");
  EXPECT_EQ(clusterFor(*t, request("h", "/x?a=1&debug=true&z")), "a");
  EXPECT_EQ(clusterFor(*t, request("h", "/x?debug=false")), "<none>");
  EXPECT_EQ(clusterFor(*t, request("h", "/x?trace")), "b");
  EXPECT_EQ(clusterFor(*t, request("h", "/x?tracer=1")), "<none>");
  EXPECT_EQ(clusterFor(*t, request("h", "/x")), "<none>");
}

TEST(RouteTable, WeightedClustersFollowTheirWeights) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { prefix: "/" }
    route:
      weighted_clusters:
        clusters:
        - { name: a, weight: 1 }
        - { name: b, weight: 3 }
)");
  ASSERT_TRUE(t);
  auto m = t->route(request("h", "/"));
  ASSERT_TRUE(m);
  std::map<std::string, int> counts;
  for (uint64_t r = 0; r < 4000; ++r) counts[RouteTable::pickWeightedCluster(m->route->route, r * 2654435761u)]++;
  EXPECT_EQ(counts["a"] + counts["b"], 4000);
  EXPECT_NEAR(counts["a"], 1000, 60);
  EXPECT_EQ(RouteTable::pickWeightedCluster(m->route->route, 0), "a");
  EXPECT_EQ(RouteTable::pickWeightedCluster(m->route->route, 1), "b");
  EXPECT_EQ(RouteTable::pickWeightedCluster(m->route->route, 3), "b");
  EXPECT_EQ(RouteTable::pickWeightedCluster(m->route->route, 4), "a");
}

TEST(RouteTable, ClusterHeaderSelectsFromTheRequest) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes: [ { match: { prefix: "/" }, route: { cluster_header: X-Cluster } } ]
)");
  ASSERT_TRUE(t);
  EXPECT_EQ(clusterFor(*t, request("h", "/", {{"x-cluster", "b"}})), "b");
  EXPECT_EQ(clusterFor(*t, request("h", "/")), "");
}

TEST(RouteTable, PrefixAndRegexRewriteKeepTheQuery) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { prefix: "/api/" }
    route: { cluster: a, prefix_rewrite: "/" }
  - match: { path: "/old" }
    route: { cluster: a, prefix_rewrite: "/new" }
  - match: { prefix: "/users/" }
    route:
      cluster: a
      regex_rewrite: { pattern: { regex: "^/users/([0-9]+)/(.*)$" }, substitution: "/u/\\2/\\1" }
  - match: { prefix: "/plain" }
    route: { cluster: a }
)");
  ASSERT_TRUE(t);
  auto rewrite = [&](std::string_view path) {
    auto m = t->route(request("h", path));
    if (!m) return std::string("<none>");
    return RouteTable::rewritePath(*m->route, path).value_or("<unchanged>");
  };
  EXPECT_EQ(rewrite("/api/v1/items?x=1"), "/v1/items?x=1");
  EXPECT_EQ(rewrite("/old?y"), "/new?y");
  EXPECT_EQ(rewrite("/users/42/profile?full=1"), "/u/profile/42?full=1");
  EXPECT_EQ(rewrite("/plain/x"), "<unchanged>");
}

TEST(RouteTable, RedirectUrls) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  routes:
  - match: { prefix: "/secure" }
    redirect: { https_redirect: true }
  - match: { prefix: "/moved/" }
    redirect: { host_redirect: new.example.com, prefix_rewrite: "/v2/", response_code: FOUND }
  - match: { prefix: "/strip" }
    redirect: { path_redirect: "/landing", strip_query: true }
  - match: { prefix: "/port" }
    redirect: { port_redirect: 8443, scheme_redirect: https }
)");
  ASSERT_TRUE(t);
  auto url = [&](std::string_view scheme, std::string_view host, std::string_view path) {
    auto m = t->route(request(host, path));
    if (!m || m->route->action_kind != config::Route::ActionKind::kRedirect) return std::string("<none>");
    return RouteTable::redirectUrl(*m->route, scheme, host, path);
  };
  EXPECT_EQ(url("http", "example.com", "/secure/a?b=1"), "https://example.com/secure/a?b=1");
  EXPECT_EQ(url("http", "example.com:80", "/secure"), "https://example.com/secure");
  EXPECT_EQ(url("http", "example.com:8080", "/secure"), "https://example.com:8080/secure");
  EXPECT_EQ(url("https", "example.com", "/moved/page?q"), "https://new.example.com/v2/page?q");
  EXPECT_EQ(url("http", "example.com", "/strip/x?utm=1"), "http://example.com/landing");
  EXPECT_EQ(url("http", "example.com:80", "/port"), "https://example.com:8443/port");
  auto m = t->route(request("h", "/moved/x"));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->route->redirect.response_code, 302u);
}

TEST(RouteTable, HeaderMutationsApplyRouteThenVhostThenGlobal) {
  auto t = tableFrom(R"(
request_headers_to_add:
- header: { key: x-level, value: global }
  append_action: OVERWRITE_IF_EXISTS_OR_ADD
response_headers_to_remove: [x-internal]
virtual_hosts:
- name: v
  domains: ["*"]
  request_headers_to_add:
  - header: { key: x-vhost, value: "1" }
  - header: { key: x-level, value: vhost }
    append_action: OVERWRITE_IF_EXISTS_OR_ADD
  routes:
  - match: { prefix: "/" }
    route: { cluster: a }
    request_headers_to_remove: [x-drop]
    request_headers_to_add:
    - header: { key: x-level, value: route }
    - header: { key: x-once, value: "new" }
      append_action: ADD_IF_ABSENT
    response_headers_to_add:
    - header: { key: x-served-by, value: weir }
)");
  ASSERT_TRUE(t);
  http::HeaderMap req = request("h", "/", {{"x-drop", "1"}, {"x-once", "old"}});
  auto m = t->route(req);
  ASSERT_TRUE(m);
  t->applyRequestHeaders(*m, req);
  EXPECT_FALSE(req.has("x-drop"));
  EXPECT_EQ(req.getOr("x-once"), "old");
  EXPECT_EQ(req.getOr("x-vhost"), "1");
  EXPECT_EQ(req.getAll("x-level"), std::vector<std::string_view>{"global"});
  http::HeaderMap resp{{":status", "200"}, {"x-internal", "secret"}};
  t->applyResponseHeaders(*m, resp);
  EXPECT_FALSE(resp.has("x-internal"));
  EXPECT_EQ(resp.getOr("x-served-by"), "weir");
}

TEST(RouteTable, PerFilterConfigPrefersTheRoute) {
  auto t = tableFrom(R"(
virtual_hosts:
- name: v
  domains: ["*"]
  typed_per_filter_config:
    envoy.filters.http.wasm:
      "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
      config: { name: vhost }
    my.filter:
      "@type": type.googleapis.com/my.Filter
      level: vhost
  routes:
  - match: { prefix: "/" }
    route: { cluster: a }
    typed_per_filter_config:
      envoy.filters.http.wasm:
        "@type": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm
        config: { name: route }
)");
  ASSERT_TRUE(t);
  auto m = t->route(request("h", "/"));
  ASSERT_TRUE(m);
  const config::TypedConfig* wasm = RouteTable::perFilterConfig(*m, "envoy.filters.http.wasm");
  ASSERT_NE(wasm, nullptr);
  EXPECT_EQ(wasm->value["config"]["name"], "route");
  const config::TypedConfig* mine = RouteTable::perFilterConfig(*m, "my.filter");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->value["level"], "vhost");
  EXPECT_EQ(RouteTable::perFilterConfig(*m, "absent"), nullptr);
}

TEST(RouteTable, HandBuiltConfigGetsItsRegexesCompiled) {
  config::RouteConfiguration rc;
  config::VirtualHost vh;
  vh.name = "v";
  vh.domains = {"*"};
  config::Route r;
  r.match.kind = config::RouteMatch::PathKind::kSafeRegex;
  r.match.path = "/x/[a-z]+";
  r.route.cluster = "a";
  vh.routes.push_back(r);
  rc.virtual_hosts.push_back(vh);
  auto t = RouteTable::create(rc);
  ASSERT_TRUE(t.isOk());
  EXPECT_TRUE((*t)->route(request("h", "/x/abc")).has_value());
  rc.virtual_hosts[0].routes[0].match.path = "(";
  EXPECT_FALSE(RouteTable::create(rc).isOk());
}

}  // namespace
}  // namespace weir::proxy

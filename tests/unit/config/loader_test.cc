#include "config/loader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/default_bootstrap.h"

namespace weir::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

fs::path testdata() { return fs::path(__FILE__).parent_path() / ".." / ".." / "testdata" / "config"; }

std::string allErrors(const LoadReport& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.toString() + "\n";
  return out;
}

std::shared_ptr<const Bootstrap> loadValid(const std::string& name) {
  LoadReport r = loadBootstrapFileReport((testdata() / name).string());
  EXPECT_TRUE(r.errors.empty()) << allErrors(r);
  return r.bootstrap;
}

const Route& firstRoute(const Bootstrap& b) {
  return b.static_resources.listeners.at(0).filter_chains.at(0).http_connection_manager.route_config
      .virtual_hosts.at(0).routes.at(0);
}

TEST(ConfigLoader, EmbeddedDefaultIsValid) {
  auto b = loadBootstrapString(kDefaultBootstrapYaml, "<default>");
  ASSERT_TRUE(b.isOk()) << b.status().message();
  const Bootstrap& cfg = **b;
  ASSERT_TRUE(cfg.admin.has_value());
  EXPECT_EQ(cfg.admin->address.address, "127.0.0.1");
  EXPECT_EQ(cfg.admin->address.port_value, 9901);
  const Listener& l = cfg.static_resources.listeners.at(0);
  EXPECT_EQ(l.address.address, "0.0.0.0");
  EXPECT_EQ(l.address.port_value, 10000);
  const auto& hcm = l.filter_chains.at(0).http_connection_manager;
  EXPECT_EQ(hcm.stat_prefix, "ingress_http");
  const Route& r = firstRoute(cfg);
  EXPECT_EQ(r.action_kind, Route::ActionKind::kDirectResponse);
  EXPECT_EQ(r.direct_response.status, 200u);
  EXPECT_THAT(r.direct_response.body.value_or(""), HasSubstr("Hello from weir"));
  // The demo Wasm filter (examples/filters/hello.wat, embedded), then the router.
  ASSERT_EQ(hcm.http_filters.size(), 2u);
  EXPECT_EQ(hcm.http_filters[0].name, "envoy.filters.http.wasm");
  EXPECT_EQ(hcm.http_filters[1].name, "envoy.filters.http.router");
}

TEST(ConfigLoader, FrontProxyAppliesEnvoyDefaults) {
  auto b = loadValid("front_proxy.yaml");
  ASSERT_TRUE(b);
  const auto& hcm = b->static_resources.listeners.at(0).filter_chains.at(0).http_connection_manager;
  EXPECT_EQ(hcm.stream_idle_timeout, std::chrono::minutes(5));
  EXPECT_EQ(hcm.request_timeout.count(), 0);
  EXPECT_EQ(hcm.drain_timeout, std::chrono::seconds(5));
  EXPECT_EQ(hcm.max_request_headers_kb, 60u);
  EXPECT_EQ(hcm.common_http_protocol_options.idle_timeout, std::chrono::hours(1));
  EXPECT_EQ(hcm.common_http_protocol_options.max_headers_count, 100u);
  EXPECT_TRUE(hcm.generate_request_id);
  ASSERT_EQ(hcm.access_log.size(), 1u);
  EXPECT_EQ(hcm.access_log[0].sink, AccessLog::Sink::kStdout);
  EXPECT_FALSE(hcm.access_log[0].text_format.has_value());
  const Route& r = firstRoute(*b);
  EXPECT_EQ(r.route.timeout, std::chrono::seconds(15));
  const Cluster& c = b->static_resources.clusters.at(0);
  EXPECT_EQ(c.type, Cluster::DiscoveryType::kStrictDns);
  EXPECT_EQ(c.connect_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.defaultThresholds().max_connections, 1024u);
  EXPECT_EQ(c.defaultThresholds().max_retries, 3u);
  EXPECT_EQ(c.load_assignment.endpoints.at(0).lb_endpoints.at(0).address.address, "service1");
  EXPECT_EQ(c.load_assignment.endpoints.at(0).lb_endpoints.at(0).load_balancing_weight, 1u);
}

TEST(ConfigLoader, TypedStructWrappersAreUnwrapped) {
  auto b = loadValid("wasm_typed_struct.yaml");
  ASSERT_TRUE(b);
  const auto& hcm = b->static_resources.listeners.at(0).filter_chains.at(0).http_connection_manager;
  EXPECT_EQ(hcm.stat_prefix, "wasm_http");
  ASSERT_EQ(hcm.http_filters.size(), 2u);
  const TypedConfig& wasm = *hcm.http_filters[0].typed_config;
  EXPECT_EQ(wasm.type_url, "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm");
  EXPECT_EQ(wasm.value["config"]["root_id"], "add_header_root");
  EXPECT_EQ(wasm.value["config"]["configuration"]["value"], "{\"header\": \"x-wasm\", \"value\": \"hello\"}");
  EXPECT_THAT(wasm.source, HasSubstr("wasm_typed_struct.yaml:36:19: "));
  EXPECT_THAT(wasm.source, HasSubstr("http_filters[0].typed_config"));
  EXPECT_EQ(hcm.http_filters[1].typed_config->type_url,
            "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router");
  const Route& r = firstRoute(*b);
  ASSERT_EQ(r.typed_per_filter_config.count("envoy.filters.http.wasm"), 1u);
  EXPECT_EQ(r.typed_per_filter_config.at("envoy.filters.http.wasm").value["config"]["name"], "per_route");
  EXPECT_EQ(b->static_resources.clusters.at(0).connect_timeout, std::chrono::milliseconds(250));
}

TEST(ConfigLoader, FullFeatureConfigIsTyped) {
  auto b = loadValid("full_features.yaml");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->node.id, "edge-1");
  EXPECT_EQ(b->node.metadata["canary"], true);
  const Listener& l = b->static_resources.listeners.at(0);
  EXPECT_EQ(l.address.address, "::");
  EXPECT_EQ(l.per_connection_buffer_limit_bytes, 32768u);
  const auto& hcm = l.filter_chains.at(0).http_connection_manager;
  EXPECT_EQ(hcm.codec_type, HttpConnectionManager::CodecType::kHttp1);
  EXPECT_TRUE(hcm.use_remote_address);
  EXPECT_EQ(hcm.xff_num_trusted_hops, 1u);
  EXPECT_EQ(hcm.server_name, "edge-proxy");
  EXPECT_EQ(hcm.delayed_close_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(hcm.common_http_protocol_options.max_stream_duration, std::chrono::seconds(120));
  EXPECT_TRUE(hcm.http_protocol_options.accept_http_10);
  ASSERT_EQ(hcm.access_log.size(), 2u);
  EXPECT_EQ(hcm.access_log[0].sink, AccessLog::Sink::kFile);
  EXPECT_EQ(hcm.access_log[0].path, "/var/log/weir/access.log");
  EXPECT_THAT(*hcm.access_log[0].text_format, HasSubstr("%RESPONSE_FLAGS%"));
  ASSERT_TRUE(hcm.access_log[1].json_format.has_value());
  EXPECT_EQ((*hcm.access_log[1].json_format)["timing"]["duration"], "%DURATION%");
  EXPECT_TRUE(hcm.access_log[1].omit_empty_values);

  const auto& rc = hcm.route_config;
  ASSERT_EQ(rc.virtual_hosts.size(), 2u);
  const VirtualHost& api = rc.virtual_hosts[0];
  EXPECT_EQ(api.request_headers_to_add.at(0).append_action,
            HeaderValueOption::AppendAction::kOverwriteIfExistsOrAdd);
  const Route& users = api.routes.at(0);
  EXPECT_EQ(users.name, "users_exact");
  EXPECT_EQ(users.match.kind, RouteMatch::PathKind::kPath);
  ASSERT_EQ(users.match.headers.size(), 2u);
  EXPECT_EQ(users.match.headers[0].name, ":method");
  EXPECT_TRUE(users.match.headers[1].invert_match);
  EXPECT_TRUE(users.match.query_parameters.at(0).string_match->ignore_case);
  ASSERT_TRUE(users.route.retry_policy.has_value());
  EXPECT_EQ(users.route.retry_policy->retry_on, kRetry5xx | kRetryConnectFailure | kRetryRetriableStatusCodes);
  EXPECT_EQ(users.route.retry_policy->num_retries, 3u);
  EXPECT_EQ(users.route.retry_policy->per_try_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(users.route.retry_policy->retriable_status_codes, std::vector<uint32_t>{409});
  const Route& orders = api.routes.at(1);
  EXPECT_EQ(orders.match.kind, RouteMatch::PathKind::kSafeRegex);
  EXPECT_TRUE(orders.match.regex != nullptr);
  EXPECT_FALSE(orders.match.case_sensitive);
  ASSERT_TRUE(orders.route.regex_rewrite.has_value());
  EXPECT_EQ(orders.route.regex_rewrite->substitution, "/orders/\\1");
  const Route& weighted = api.routes.at(2);
  EXPECT_EQ(weighted.route.cluster_specifier, RouteAction::ClusterSpecifier::kWeightedClusters);
  EXPECT_EQ(weighted.route.total_weight, 100u);
  EXPECT_EQ(weighted.route.host_rewrite_literal, "internal.example.com");
  const Route& legacy = api.routes.at(3);
  EXPECT_EQ(legacy.action_kind, Route::ActionKind::kRedirect);
  EXPECT_EQ(legacy.redirect.response_code, 308u);
  EXPECT_TRUE(legacy.redirect.strip_query);
  EXPECT_EQ(api.routes.at(4).route.cluster_header, "x-target-cluster");
  EXPECT_TRUE(api.routes.at(4).route.auto_host_rewrite);
  const VirtualHost& www = rc.virtual_hosts[1];
  EXPECT_EQ(www.response_headers_to_add.at(0).append_action,
            HeaderValueOption::AppendAction::kOverwriteIfExistsOrAdd);
  EXPECT_TRUE(www.routes.at(0).redirect.https_redirect);

  const Cluster& users_cluster = *b->findCluster("users");
  EXPECT_EQ(users_cluster.lb_policy, Cluster::LbPolicy::kLeastRequest);
  EXPECT_EQ(users_cluster.least_request_choice_count, 3u);
  EXPECT_EQ(users_cluster.defaultThresholds().max_pending_requests, 50u);
  EXPECT_EQ(users_cluster.circuit_breakers.size(), 2u);
  EXPECT_EQ(users_cluster.upstream_idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(users_cluster.max_requests_per_connection, 1000u);
  EXPECT_EQ(users_cluster.load_assignment.endpoints.at(0).lb_endpoints.at(0).load_balancing_weight, 3u);
  const Cluster& orders_cluster = *b->findCluster("orders");
  EXPECT_EQ(orders_cluster.connect_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(orders_cluster.type, Cluster::DiscoveryType::kLogicalDns);
  EXPECT_EQ(orders_cluster.dns_lookup_family, Cluster::DnsLookupFamily::kV4Only);
  EXPECT_EQ(orders_cluster.dns_refresh_rate, std::chrono::seconds(30));
}

TEST(ConfigLoader, CamelCaseFieldNamesAreAccepted) {
  std::string yaml = R"(
staticResources:
  clusters:
  - name: a
    connectTimeout: 2s
    loadAssignment:
      clusterName: a
      endpoints:
      - lbEndpoints:
        - endpoint: { address: { socketAddress: { address: 10.1.1.1, portValue: 80 } } }
)";
  auto b = loadBootstrapString(yaml, "camel.yaml");
  ASSERT_TRUE(b.isOk()) << b.status().message();
  EXPECT_EQ((*b)->static_resources.clusters.at(0).connect_timeout, std::chrono::seconds(2));
}

// Every file in testdata/config/invalid starts with one or more
// "# expect: LINE:COL: field.path: message" lines; each must appear, verbatim,
// in one of the reported errors (which are "file:LINE:COL: path: message...").
TEST(ConfigLoader, InvalidConfigsReportLineAndFieldPath) {
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(testdata() / "invalid")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    std::ifstream in(entry.path());
    std::vector<std::string> expects;
    std::string line;
    while (std::getline(in, line) && line.rfind("# expect: ", 0) == 0) expects.push_back(line.substr(10));
    ASSERT_FALSE(expects.empty()) << entry.path();
    LoadReport r = loadBootstrapFileReport(entry.path().string());
    EXPECT_EQ(r.bootstrap, nullptr) << entry.path();
    std::string all = allErrors(r);
    for (const auto& e : expects) {
      EXPECT_THAT(all, HasSubstr(entry.path().filename().string() + ":" + e)) << entry.path();
    }
  }
  EXPECT_GE(files, 20u);
}

TEST(ConfigLoader, CollectsEveryErrorNotJustTheFirst) {
  LoadReport r = loadBootstrapFileReport((testdata() / "invalid" / "several_errors_collected.yaml").string());
  EXPECT_EQ(r.errors.size(), 2u) << allErrors(r);
}

TEST(ConfigLoader, FilterValidatorHookReportsAtTheFilter) {
  LoadOptions opts;
  std::vector<std::string> seen;
  opts.validate_http_filter = [&](const HttpFilter& f) -> Status {
    seen.push_back(f.name);
    if (f.name == "envoy.filters.http.wasm") return invalidArgument("wasm: vm_config.code is required");
    return Status::ok();
  };
  LoadReport r = loadBootstrapFileReport((testdata() / "wasm_typed_struct.yaml").string(), opts);
  EXPECT_EQ(seen, (std::vector<std::string>{"envoy.filters.http.wasm", "envoy.filters.http.router"}));
  EXPECT_THAT(allErrors(r), HasSubstr("wasm_typed_struct.yaml:31:15: static_resources.listeners[0].filter_chains[0]"
                                      ".filters[0].typed_config.http_filters[0]: wasm: vm_config.code is required"));
}

TEST(ConfigLoader, BootstrapExtensionsAreReadAndCheckedThroughTheHook) {
  const std::string yaml = R"(bootstrap_extensions:
- name: envoy.bootstrap.wasm
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
    singleton: true
    config: { name: svc }
- name: envoy.bootstrap.other
- name: envoy.bootstrap.unknown
  typed_config: { "@type": type.googleapis.com/some.Other }
static_resources: {}
)";
  LoadOptions opts;
  std::vector<std::string> seen;
  opts.validate_bootstrap_extension = [&](const BootstrapExtension& e) -> Status {
    seen.push_back(e.name);
    if (e.typed_config.type_url != "type.googleapis.com/envoy.extensions.wasm.v3.WasmService") {
      return invalidArgument("unknown bootstrap extension '" + e.name + "'");
    }
    EXPECT_EQ(e.typed_config.value.dump(), R"({"config":{"name":"svc"},"singleton":true})");
    return Status::ok();
  };
  LoadReport r = loadBootstrapReport(yaml, "ext.yaml", opts);
  EXPECT_EQ(seen, (std::vector<std::string>{"envoy.bootstrap.wasm", "envoy.bootstrap.unknown"}));
  const std::string errors = allErrors(r);
  EXPECT_EQ(r.errors.size(), 2u) << errors;
  EXPECT_THAT(errors, HasSubstr("ext.yaml:7:3: bootstrap_extensions[1].typed_config: required field missing"));
  EXPECT_THAT(errors, HasSubstr("ext.yaml:8:3: bootstrap_extensions[2]: unknown bootstrap extension"));

  auto ok = loadBootstrapString("bootstrap_extensions:\n- name: x\n  typed_config: { \"@type\": t/y }\n", "ok.yaml");
  ASSERT_TRUE(ok.isOk()) << ok.status().toString();
  ASSERT_EQ(ok.value()->bootstrap_extensions.size(), 1u);
  EXPECT_EQ(ok.value()->bootstrap_extensions[0].typed_config.type_url, "t/y");
}

TEST(ConfigLoader, LimitsRejectOversizedInput) {
  LoadOptions opts;
  opts.max_file_bytes = 10;
  auto r = loadBootstrapString("static_resources: {}\n", "big.yaml", opts);
  ASSERT_FALSE(r.isOk());
  EXPECT_THAT(r.status().message(), HasSubstr("the limit is 10"));
}

TEST(ConfigLoader, MissingFileIsAnIoError) {
  auto r = loadBootstrapFile("/nonexistent/weir.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
}

TEST(ConfigLoader, EmptyDocumentIsAnError) {
  auto r = loadBootstrapString("", "empty.yaml");
  ASSERT_FALSE(r.isOk());
  EXPECT_THAT(r.status().message(), HasSubstr("empty"));
}

// yaml-cpp's own multi-document loop never ends on these (a stray ',' after
// a document); the loader bounds it and reports an error at once.
TEST(ConfigLoader, StrayFlowEntryAfterADocumentIsAnErrorNotAHang) {
  for (const char* text : {",", "{a: 1},", ", a", "static_resources: {}\n,\n"}) {
    auto r = loadBootstrapString(text, "stray.yaml");
    ASSERT_FALSE(r.isOk()) << text;
  }
  auto two = loadBootstrapString("static_resources: {}\n---\nadmin: {}\n", "two.yaml");
  ASSERT_FALSE(two.isOk());
  EXPECT_THAT(two.status().message(), HasSubstr("more than one YAML document"));
}

TEST(Duration, ParsesEnvoyForms) {
  EXPECT_EQ(*parseDuration("5s"), std::chrono::seconds(5));
  EXPECT_EQ(*parseDuration("0.250s"), std::chrono::milliseconds(250));
  EXPECT_EQ(*parseDuration("0.25s"), std::chrono::milliseconds(250));
  EXPECT_EQ(*parseDuration("100ms"), std::chrono::milliseconds(100));
  EXPECT_EQ(*parseDuration("1.5m"), std::chrono::seconds(90));
  EXPECT_EQ(parseDuration("0s")->count(), 0);
  // A positive duration never collapses to 0 (which means "disabled").
  EXPECT_EQ(*parseDuration("0.0001s"), std::chrono::milliseconds(1));
  EXPECT_FALSE(parseDuration("5").isOk());
  EXPECT_FALSE(parseDuration("-1s").isOk());
  EXPECT_FALSE(parseDuration("s").isOk());
  EXPECT_FALSE(parseDuration("1.s").isOk());
  EXPECT_FALSE(parseDuration("5 s").isOk());
  EXPECT_FALSE(parseDuration("99999999999999s").isOk());
}

}  // namespace
}  // namespace weir::config

// The Wasm HTTP filter driven through a real FilterManager, with modules
// built from tests/testdata/proxywasm at test time. A small terminal filter
// plays the upstream: it records what reached it and answers 200.
#include "proxywasm/wasm_filter.h"

#include <chrono>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "base/buffer.h"
#include "base/stats.h"
#include "config/default_bootstrap.h"
#include "config/loader.h"
#include "event/dispatcher.h"
#include "http/header_map.h"
#include "proxy/filter_manager.h"
#include "proxywasm/shared_data.h"
#include "testdata/proxywasm/test_modules.h"
#include "wasm/runtime/engine.h"

namespace weir::proxywasm {
namespace {

using json = nlohmann::json;

// Answers every request with 200 and `body` (split in two chunks to
// exercise body buffering), once the request is complete.
class Responder : public proxy::PassThroughDecoderFilter {
 public:
  explicit Responder(std::string body) : body_(std::move(body)) {}
  proxy::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override {
    seen_headers = headers;
    if (end_stream) respond();
    return proxy::FilterHeadersStatus::kStopIteration;
  }
  proxy::FilterDataStatus decodeData(Buffer& data, bool end_stream) override {
    seen_body += data.toString();
    data.drain(data.size());
    if (end_stream) respond();
    return proxy::FilterDataStatus::kStopIterationNoBuffer;
  }
  void respond() {
    auto headers = std::make_unique<http::HeaderMap>();
    headers->setStatus(200);
    headers->setContentLength(body_.size());
    decoder_callbacks_->encodeHeaders(std::move(headers), body_.empty(), "via_upstream");
    if (body_.empty()) return;
    size_t half = body_.size() / 2;
    Buffer first(std::string_view(body_).substr(0, half));
    decoder_callbacks_->encodeData(first, false);
    Buffer second(std::string_view(body_).substr(half));
    decoder_callbacks_->encodeData(second, true);
  }
  http::HeaderMap seen_headers;
  std::string seen_body;

 private:
  std::string body_;
};

class TestStream : public proxy::FilterManagerCallbacks {
 public:
  TestStream(event::Dispatcher& dispatcher, proxy::FilterFactoryCb wasm, std::string upstream_body = "hello world")
      : dispatcher_(dispatcher), manager_(*this, info_, ++next_id_, 1 << 20) {
    responder_ = std::make_shared<Responder>(std::move(upstream_body));
    auto responder = responder_;
    chain_.push_back({"envoy.filters.http.wasm", std::move(wasm), false});
    chain_.push_back({"responder",
                      [responder](proxy::FilterChainFactoryCallbacks& cb) { cb.addStreamDecoderFilter(responder); },
                      true});
    manager_.createFilterChain(chain_);
  }
  ~TestStream() override { manager_.destroyFilters(); }

  void request(std::initializer_list<std::pair<std::string_view, std::string_view>> extra = {},
               std::string body = {}) {
    auto headers = std::make_unique<http::HeaderMap>();
    headers->setMethod(body.empty() ? "GET" : "POST");
    headers->setPath("/some/path?q=1");
    headers->setAuthority("example.com");
    for (auto& [k, v] : extra) headers->add(k, v);
    manager_.decodeHeaders(std::move(headers), body.empty());
    if (!body.empty()) {
      Buffer b(body);
      manager_.decodeData(b, true);
    }
  }
  void finish() { manager_.destroyFilters(); }

  // proxy::FilterManagerCallbacks
  void encodeHeadersToCodec(http::HeaderMap& headers, bool end_stream) override {
    response_headers = headers;
    complete = end_stream;
  }
  void encode1xxHeadersToCodec(http::HeaderMap&) override {}
  void encodeDataToCodec(Buffer& data, bool end_stream) override {
    response_body += data.toString();
    complete = end_stream;
  }
  void encodeTrailersToCodec(http::HeaderMap&) override { complete = true; }
  void onStreamReset() override { reset = true; }
  void readDisableDownstream(bool) override {}
  std::optional<proxy::MatchedRoute> evaluateRoute(const http::HeaderMap&) override { return std::nullopt; }
  const proxy::RouteSpecificFilterConfig* perFilterConfig(const proxy::MatchedRoute&, std::string_view) override {
    return nullptr;
  }
  bool onBeforeTerminalFilter(proxy::FilterManager&) override { return false; }
  event::Dispatcher& dispatcher() override { return dispatcher_; }
  const net::Connection* connection() const override { return nullptr; }
  upstream::ThreadLocalClusterManager* clusterManager() override { return nullptr; }

  http::HeaderMap response_headers;
  std::string response_body;
  bool complete = false;
  bool reset = false;
  std::shared_ptr<Responder> responder_;

 private:
  static inline uint64_t next_id_ = 0;
  event::Dispatcher& dispatcher_;
  proxy::StreamInfo info_;
  std::vector<proxy::FilterChainEntry> chain_;  // outlives manager_, which keeps views of its names
  proxy::FilterManager manager_;
};

json wasmConfig(const std::string& module, const std::string& configuration, const std::string& vm_id,
                json extra = json::object()) {
  json cfg = {{"config",
               {{"name", "test-plugin"},
                {"root_id", "test_root"},
                {"configuration", {{"@type", "type.googleapis.com/google.protobuf.StringValue"}, {"value", configuration}}},
                {"vm_config",
                 {{"vm_id", vm_id},
                  {"runtime", "envoy.wasm.runtime.v8"},
                  // Not the default 100 ms: sanitizer builds on a loaded
                  // machine run callbacks far slower. Deadline tests set theirs.
                  {"limits", {{"callback_deadline", "10s"}}},
                  {"code", {{"local", {{"filename", testModulePath(module)}}}}}}}}}};
  for (auto& [k, v] : extra.items()) cfg["config"][k] = v;
  return cfg;
}

proxy::FilterFactoryCb makeFilter(const json& cfg, stats::Store* store = nullptr) {
  auto factory = createWasmFilterFactory(cfg, store);
  EXPECT_TRUE(factory.isOk()) << factory.status().toString();
  return factory.isOk() ? factory.value() : proxy::FilterFactoryCb();
}

std::string sharedValue(const std::string& vm_id, const std::string& key) {
  std::string value;
  uint32_t cas = 0;
  if (SharedData::global().get(vm_id, key, value, cas) != WasmResult::kOk) return "<absent>";
  return value;
}

class WasmFilterTest : public ::testing::Test {
 protected:
  // VMs live in a per-thread cache bound to this test's dispatcher.
  void TearDown() override { releaseThreadLocalWasmVms(); }
  event::Dispatcher dispatcher_{"wasm-test"};
  // Outlives the VMs: TearDown shuts them down (their last callbacks record
  // stats) before the fixture's members go.
  stats::Store store_;
};

TEST_F(WasmFilterTest, WatFilterAddsRequestAndResponseHeaders) {
  auto filter = makeFilter(wasmConfig("add_header.wasm", "", "wat-vm"));
  TestStream stream(dispatcher_, filter);
  stream.request();
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_headers.status(), 200);
  EXPECT_EQ(stream.responder_->seen_headers.getOr("x-wasm"), "wat");
  EXPECT_EQ(stream.response_headers.getOr("x-wasm"), "wat");
  EXPECT_EQ(stream.response_body, "hello world");
}

TEST_F(WasmFilterTest, CFilterSeesTheConfigurationAndRequestProperties) {
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "cfg-value", "c-props"));
  TestStream stream(dispatcher_, filter);
  stream.request();
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.responder_->seen_headers.getOr("x-wasm-request"), "c");
  EXPECT_EQ(stream.response_headers.getOr("x-wasm-response"), "cfg-value");
  EXPECT_EQ(stream.response_headers.getOr("x-wasm-path"), "/some/path?q=1");
}

TEST_F(WasmFilterTest, CallbacksRunInEnvoysOrder) {
  const std::string vm_id = "c-order";
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "", vm_id));
  // The config-time validation VM starts and stops the plugin once.
  EXPECT_EQ(sharedValue(vm_id, "order"), "create_root vm_start configure done delete ");
  ASSERT_EQ(SharedData::global().set(vm_id, "order", "", 0), WasmResult::kOk);
  {
    TestStream stream(dispatcher_, filter);
    stream.request();
    ASSERT_TRUE(stream.complete);
    stream.finish();
  }
  EXPECT_EQ(sharedValue(vm_id, "order"),
            "create_root vm_start configure create_stream request_headers response_headers response_body "
            "response_body log done delete ");
}

TEST_F(WasmFilterTest, PluginRejectingItsConfigurationIsAConfigError) {
  auto factory = createWasmFilterFactory(wasmConfig("test_filter.wasm", "reject", "c-reject"), nullptr);
  ASSERT_FALSE(factory.isOk());
  EXPECT_NE(factory.status().message().find("proxy_on_configure returned false"), std::string::npos)
      << factory.status().message();
  EXPECT_NE(factory.status().message().find("test-plugin"), std::string::npos);
}

TEST_F(WasmFilterTest, LocalResponseFromRequestHeaders) {
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "deny", "c-deny"));
  {
    TestStream denied(dispatcher_, filter);
    denied.request();
    ASSERT_TRUE(denied.complete);
    EXPECT_EQ(denied.response_headers.status(), 403);
    EXPECT_EQ(denied.response_headers.getOr("x-denied-by"), "c");
    EXPECT_EQ(denied.response_body, "denied by wasm");
    EXPECT_TRUE(denied.responder_->seen_headers.empty()) << "the request must not reach the upstream";
  }
  TestStream allowed(dispatcher_, filter);
  allowed.request({{"x-allow", "1"}});
  ASSERT_TRUE(allowed.complete);
  EXPECT_EQ(allowed.response_headers.status(), 200);
}

TEST_F(WasmFilterTest, ResponseBodyIsBufferedAndRewritten) {
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "rewrite", "c-rewrite"));
  TestStream stream(dispatcher_, filter, "hello world");
  stream.request();
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_body, "rewritten:11");
  EXPECT_FALSE(stream.response_headers.has("content-length"));
}

TEST_F(WasmFilterTest, RequestBodyPassesThrough) {
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "", "c-reqbody"));
  TestStream stream(dispatcher_, filter);
  stream.request({}, "payload");
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.responder_->seen_body, "payload");
}

TEST_F(WasmFilterTest, TrapFailsClosedWith503AndTheVmStaysFailed) {
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "", "c-trap-closed"));
  {
    TestStream stream(dispatcher_, filter);
    stream.request({{"x-trap", "1"}});
    ASSERT_TRUE(stream.complete);
    EXPECT_EQ(stream.response_headers.status(), 503);
  }
  TestStream next(dispatcher_, filter);
  next.request();
  ASSERT_TRUE(next.complete);
  EXPECT_EQ(next.response_headers.status(), 503);
}

TEST_F(WasmFilterTest, TrapWithFailReloadRebuildsTheVmForNewStreams) {
  stats::Store& store = store_;
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "", "c-trap-reload",
                                      {{"failure_policy", "FAIL_RELOAD"},
                                       {"reload_config", {{"backoff", {{"base_interval", "0s"}}}}}}),
                           &store);
  {
    TestStream stream(dispatcher_, filter);
    stream.request({{"x-trap", "1"}});
    ASSERT_TRUE(stream.complete);
    EXPECT_EQ(stream.response_headers.status(), 503);
  }
  TestStream next(dispatcher_, filter);
  next.request();
  ASSERT_TRUE(next.complete);
  EXPECT_EQ(next.response_headers.status(), 200);
  EXPECT_EQ(next.responder_->seen_headers.getOr("x-wasm-request"), "c");
  EXPECT_EQ(store.findCounter("wasm.test-plugin.vm_failed")->value(), 1u);
  EXPECT_EQ(store.findCounter("wasm.test-plugin.vm_created")->value(), 2u);
}

TEST_F(WasmFilterTest, TrapWithFailOpenPassesTheRequestUntouched) {
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "", "c-trap-open", {{"fail_open", true}}));
  TestStream stream(dispatcher_, filter);
  stream.request({{"x-trap", "1"}});
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_headers.status(), 200);
  EXPECT_FALSE(stream.responder_->seen_headers.has("x-wasm-request"));
}

TEST_F(WasmFilterTest, RunawayCallbackIsInterruptedAtTheDeadlineAndFailsClosed) {
  stats::Store& store = store_;
  json cfg = wasmConfig("test_filter.wasm", "", "c-deadline");
  cfg["config"]["vm_config"]["limits"] = {{"callback_deadline", "50ms"}};
  auto filter = makeFilter(cfg, &store);
  const auto started = std::chrono::steady_clock::now();
  {
    TestStream stream(dispatcher_, filter);
    stream.request({{"x-loop", "1"}});
    ASSERT_TRUE(stream.complete);
    EXPECT_EQ(stream.response_headers.status(), 503);
  }
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, std::chrono::milliseconds(50));
  EXPECT_LT(elapsed, std::chrono::seconds(2)) << "the loop must be stopped near its deadline";
  EXPECT_EQ(store.findCounter("wasm.test-plugin.deadline_exceeded")->value(), 1u);
  EXPECT_EQ(store.findCounter("wasm.test-plugin.traps")->value(), 1u);
  EXPECT_EQ(store.findCounter("wasm.test-plugin.fail_closed")->value(), 1u);
}

TEST_F(WasmFilterTest, DeadlineWithFailReloadServesTheNextStreamOnAFreshVm) {
  stats::Store& store = store_;
  json cfg = wasmConfig("test_filter.wasm", "", "c-deadline-reload",
                        {{"failure_policy", "FAIL_RELOAD"}, {"reload_config", {{"backoff", {{"base_interval", "0s"}}}}}});
  cfg["config"]["vm_config"]["limits"] = {{"callback_deadline", "20ms"}};
  auto filter = makeFilter(cfg, &store);
  {
    TestStream stream(dispatcher_, filter);
    stream.request({{"x-loop", "1"}});
    ASSERT_TRUE(stream.complete);
    EXPECT_EQ(stream.response_headers.status(), 503);
  }
  // Fast callbacks are not affected by the deadline: many requests pass.
  for (int i = 0; i < 20; ++i) {
    TestStream next(dispatcher_, filter);
    next.request();
    ASSERT_TRUE(next.complete);
    EXPECT_EQ(next.response_headers.status(), 200);
  }
  EXPECT_EQ(store.findCounter("wasm.test-plugin.vm_reloaded")->value(), 1u);
  EXPECT_EQ(store.findCounter("wasm.test-plugin.deadline_exceeded")->value(), 1u);
}

TEST_F(WasmFilterTest, FailOpenDeadlinePassesTheRequestUntouched) {
  json cfg = wasmConfig("test_filter.wasm", "", "c-deadline-open", {{"fail_open", true}});
  cfg["config"]["vm_config"]["limits"] = {{"callback_deadline", "20ms"}};
  auto filter = makeFilter(cfg);
  TestStream stream(dispatcher_, filter);
  stream.request({{"x-loop", "1"}});
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_headers.status(), 200);
}

TEST_F(WasmFilterTest, MemoryLimitMakesGrowthFailInsideTheGuest) {
  json cfg = wasmConfig("test_filter.wasm", "", "c-memlimit");
  cfg["config"]["vm_config"]["limits"] = {{"max_memory_bytes", 4 << 20}};
  auto filter = makeFilter(cfg);
  {
    TestStream small(dispatcher_, filter);
    small.request({{"x-grow", "2"}});
    ASSERT_TRUE(small.complete);
    EXPECT_EQ(small.responder_->seen_headers.getOr("x-grow-result"), "ok");
  }
  TestStream big(dispatcher_, filter);
  big.request({{"x-grow", "100"}});  // 6.4 MB more than a 4 MB cap
  ASSERT_TRUE(big.complete);
  EXPECT_EQ(big.response_headers.status(), 200);
  EXPECT_EQ(big.responder_->seen_headers.getOr("x-grow-result"), "failed");
}

TEST_F(WasmFilterTest, LimitsAreValidated) {
  for (json limits : {json{{"callback_deadline", "soon"}}, json{{"max_memory_bytes", 10}}, json{{"cpu", 1}}}) {
    json cfg = wasmConfig("test_filter.wasm", "", "c-bad-limits");
    cfg["config"]["vm_config"]["limits"] = limits;
    auto factory = createWasmFilterFactory(cfg, nullptr);
    ASSERT_FALSE(factory.isOk()) << limits.dump();
    EXPECT_NE(factory.status().message().find("config.vm_config.limits."), std::string::npos)
        << factory.status().message();
  }
}

TEST_F(WasmFilterTest, TheDefaultConfigsEmbeddedFilterAddsItsHeaderAndCounts) {
  auto bootstrap = config::loadBootstrapString(config::kDefaultBootstrapYaml, "<default>");
  ASSERT_TRUE(bootstrap.isOk()) << bootstrap.status().toString();
  const json& hcm = bootstrap.value()->raw["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0];
  const json& wasm = hcm["typed_config"]["http_filters"][0];
  ASSERT_EQ(wasm["name"], "envoy.filters.http.wasm");
  stats::Store& store = store_;
  auto filter = makeFilter(wasm["typed_config"], &store);
  TestStream stream(dispatcher_, filter);
  stream.request();
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_headers.getOr("x-weir-filter"), "hello from wasm");
  ASSERT_NE(store.findCounter("wasmcustom.hello_requests"), nullptr);
  EXPECT_EQ(store.findCounter("wasmcustom.hello_requests")->value(), 1u);
}

TEST_F(WasmFilterTest, MetricsAndTimePerCallbackAreExportedToTheStatsStore) {
  stats::Store& store = store_;
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "", "c-metrics"), &store);
  for (int i = 0; i < 3; ++i) {
    TestStream stream(dispatcher_, filter);
    stream.request();
    ASSERT_TRUE(stream.complete);
  }
  const stats::Counter* c = store.findCounter("wasmcustom.c_requests");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->value(), 3u);
  const stats::Histogram* h = store.findHistogram("wasm.test-plugin.callback.on_request_headers_us");
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->snapshot().count, 3u);
  const stats::Histogram* configure = store.findHistogram("wasm.test-plugin.callback.on_configure_us");
  ASSERT_NE(configure, nullptr);
  EXPECT_GE(configure->snapshot().count, 1u);
}

TEST_F(WasmFilterTest, TickResumesAPausedRequest) {
  auto filter = makeFilter(wasmConfig("test_filter.wasm", "pause", "c-pause"));
  TestStream stream(dispatcher_, filter);
  stream.request();
  EXPECT_FALSE(stream.complete) << "the request is paused until the plugin's tick";
  // Run the loop until the response is complete (bounded by a guard timer).
  event::TimerPtr checker = dispatcher_.createTimer([&] {
    if (stream.complete) dispatcher_.exit();
    else checker->enable(std::chrono::milliseconds(5));
  });
  checker->enable(std::chrono::milliseconds(5));
  event::TimerPtr guard = dispatcher_.createTimer([&] { dispatcher_.exit(); });
  guard->enable(std::chrono::seconds(5));
  dispatcher_.run();
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_headers.status(), 200);
  EXPECT_EQ(stream.responder_->seen_headers.getOr("x-resumed-by"), "tick");
  EXPECT_EQ(stream.responder_->seen_headers.getOr("x-wasm-request"), "c");
}

TEST_F(WasmFilterTest, AssemblyScriptSdkFilterAddsHeaderAnswersLocallyAndRewritesBodies) {
  const std::string path = assemblyScriptModulePath();
  if (path.empty()) GTEST_SKIP() << "AssemblyScript SDK not installed (npm ci in tests/testdata/proxywasm/assemblyscript)";
  auto config = [&](const std::string& configuration) {
    json cfg = wasmConfig("add_header.wasm", configuration, "as-" + configuration, {{"root_id", "add_header"}});
    cfg["config"]["vm_config"]["code"]["local"]["filename"] = path;
    return cfg;
  };
  stats::Store& store = store_;
  auto hello = makeFilter(config("from-config"), &store);
  {
    TestStream stream(dispatcher_, hello);
    stream.request();
    ASSERT_TRUE(stream.complete);
    EXPECT_EQ(stream.response_headers.status(), 200);
    EXPECT_EQ(stream.response_headers.getOr("x-as-hello"), "from-config");
    EXPECT_EQ(stream.response_body, "hello world");
  }
  {
    TestStream denied(dispatcher_, hello);
    denied.request({{"x-as-deny", "1"}});
    ASSERT_TRUE(denied.complete);
    EXPECT_EQ(denied.response_headers.status(), 403);
    EXPECT_EQ(denied.response_headers.getOr("x-denied-by"), "assemblyscript");
    EXPECT_EQ(denied.response_body, "denied by assemblyscript");
  }
  ASSERT_NE(store.findCounter("wasmcustom.as_requests"), nullptr);
  EXPECT_EQ(store.findCounter("wasmcustom.as_requests")->value(), 2u);

  auto rewrite = makeFilter(config("rewrite"));
  TestStream stream(dispatcher_, rewrite);
  stream.request();
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_body, "as-rewritten");
}

TEST_F(WasmFilterTest, AssemblyScriptSdkRequiresTheRegisteredRootId) {
  const std::string path = assemblyScriptModulePath();
  if (path.empty()) GTEST_SKIP() << "AssemblyScript SDK not installed";
  json cfg = wasmConfig("add_header.wasm", "", "as-wrong-root", {{"root_id", "not_registered"}});
  cfg["config"]["vm_config"]["code"]["local"]["filename"] = path;
  auto factory = createWasmFilterFactory(cfg, nullptr);
  EXPECT_FALSE(factory.isOk()) << "the SDK aborts when root_id names no registered root context";
}


// weir.auto: the first VM runs on the interpreter at once; once the background
// compile is done, new streams get a VM on the compiled code and the
// interpreter's VM retires. Needs wasm2c and a C compiler, which setup.sh
// installs; without them the module stays on the interpreter (second test).
TEST_F(WasmFilterTest, AutoTierMovesNewStreamsToTheCompiledCode) {
  json cfg = wasmConfig("test_filter.wasm", "cfg-value", "c-tier-up", json{{"name", "tier-plugin"}});
  cfg["config"]["vm_config"]["runtime"] = "weir.auto";
  // The module with a custom section unique to this run: a digest no earlier
  // run put in the object cache, so the compile is real and cannot finish
  // before the first stream has its VM.
  {
    std::ifstream in(testModulePath("test_filter.wasm"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(bytes.empty());
    const std::string name = "weir-test-nonce";
    const std::string nonce =
        std::to_string(::getpid()) + "-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    const size_t size = 1 + name.size() + nonce.size();
    ASSERT_LT(size, 128u);  // one LEB128 byte
    bytes += '\0';
    bytes += static_cast<char>(size);
    bytes += static_cast<char>(name.size());
    bytes += name + nonce;
    cfg["config"]["vm_config"]["code"] = {{"local", {{"inline_bytes", base64Encode(bytes)}}}};
  }
  auto filter = makeFilter(cfg, &store_);
  std::shared_ptr<const WasmFilterConfig> auto_config;
  for (const auto& c : livePluginConfigs()) {
    if (c->plugin()->name == "tier-plugin") auto_config = c;
  }
  ASSERT_NE(auto_config, nullptr);
  const VmCode& code = *auto_config->plugin()->vm;
  ASSERT_EQ(code.tier, TierPolicy::kAuto);
  ASSERT_NE(code.tier_up, nullptr);
  EXPECT_EQ(code.tier_up->state(), TierUp::State::kIdle) << "validation alone compiles nothing";

  auto serve = [&] {
    TestStream stream(dispatcher_, filter);
    stream.request();
    ASSERT_TRUE(stream.complete);
    EXPECT_EQ(stream.response_headers.status(), 200);
    EXPECT_EQ(stream.response_headers.getOr("x-wasm-response"), "cfg-value");
  };
  serve();  // starts the compile
  ASSERT_EQ(auto_config->workerStates().size(), 1u);
  EXPECT_EQ(auto_config->workerStates()[0].tier, wasm::runtime::Tier::kInterpreter);
  code.tier_up->wait();
  ASSERT_EQ(code.tier_up->state(), TierUp::State::kReady) << code.tier_up->error();
  serve();
  serve();
  EXPECT_EQ(auto_config->workerStates()[0].tier, wasm::runtime::Tier::kAot);
  EXPECT_EQ(store_.counter("wasm.tier-plugin.vm_created").value(), 2u);
  EXPECT_EQ(store_.counter("wasm.tier-plugin.vm_compiled").value(), 1u);
  EXPECT_EQ(store_.counter("wasm.tier-plugin.vm_failed").value(), 0u);
}

TEST_F(WasmFilterTest, AotRuntimeCompilesAtConfigLoadAndInterpNever) {
  json aot = wasmConfig("test_filter.wasm", "cfg-value", "c-aot");
  aot["config"]["vm_config"]["runtime"] = "weir.aot";
  auto parsed = parsePluginConfig(aot);
  ASSERT_TRUE(parsed.isOk()) << parsed.status().toString();
  EXPECT_EQ(parsed.value()->vm->module->tier(), wasm::runtime::Tier::kAot);
  EXPECT_EQ(parsed.value()->vm->tier_up, nullptr);
  auto filter = makeFilter(aot);
  TestStream stream(dispatcher_, filter);
  stream.request();
  ASSERT_TRUE(stream.complete);
  EXPECT_EQ(stream.response_headers.getOr("x-wasm-response"), "cfg-value");

  json interp = wasmConfig("test_filter.wasm", "", "c-interp");
  interp["config"]["vm_config"]["runtime"] = "weir.interp";
  auto plain = parsePluginConfig(interp);
  ASSERT_TRUE(plain.isOk()) << plain.status().toString();
  EXPECT_EQ(plain.value()->vm->module->tier(), wasm::runtime::Tier::kInterpreter);
  EXPECT_EQ(plain.value()->vm->tier_up, nullptr);
  EXPECT_NE(vmCodeKey(*plain.value()->vm), vmCodeKey(*parsed.value()->vm)) << "tiers never share a VM";
}

}  // namespace
}  // namespace weir::proxywasm

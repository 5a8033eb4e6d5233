// envoy.filters.network.wasm on real loopback connections: the C module
// tests/testdata/proxywasm/network_filter.c (built at test time) in front of
// a small terminal filter that answers every client chunk through the write
// path, as tcp_proxy would with an upstream's bytes.
#include "proxywasm/network_filter.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/stats.h"
#include "proxywasm/shared_data.h"
#include "proxywasm/wasm_filter.h"
#include "testdata/proxywasm/test_modules.h"
#include "unit/proxy/network_test_support.h"

namespace weir::proxywasm {
namespace {

using json = nlohmann::json;
using proxy::testing::runUntil;
using proxy::testing::TestClient;
using proxy::testing::TestNetworkListener;

// Terminal: answers each chunk with "up:" + the bytes, a FIN with a FIN.
class Answerer : public proxy::ReadFilter {
 public:
  void initializeReadFilterCallbacks(proxy::ReadFilterCallbacks& callbacks) override {
    read_ = &callbacks;
    callbacks.connection().enableHalfClose(true);
  }
  proxy::NetworkFilterStatus onData(Buffer& data, bool end_stream) override {
    received += data.toString();
    reads.push_back(data.toString());
    if (!data.empty()) {
      Buffer reply("up:" + data.toString());
      read_->write(reply, false);
    }
    data.drain(data.size());
    if (end_stream) {
      Buffer none;
      read_->write(none, true);
    }
    return proxy::NetworkFilterStatus::kStopIteration;
  }
  std::string received;
  std::vector<std::string> reads;

 private:
  proxy::ReadFilterCallbacks* read_ = nullptr;
};

json networkConfig(const std::string& configuration, const std::string& vm_id, json extra = json::object()) {
  json cfg = {{"config",
               {{"name", "net-plugin"},
                {"configuration", {{"@type", "type.googleapis.com/google.protobuf.StringValue"}, {"value", configuration}}},
                {"vm_config",
                 {{"vm_id", vm_id},
                  {"runtime", "envoy.wasm.runtime.v8"},
                  // Not the default 100 ms: sanitizer builds on a loaded
                  // machine run callbacks far slower. Deadline tests set theirs.
                  {"limits", {{"callback_deadline", "10s"}}},
                  {"code", {{"local", {{"filename", testModulePath("network_filter.wasm")}}}}}}}}}};
  for (auto& [k, v] : extra.items()) cfg["config"][k] = v;
  return cfg;
}

std::string order(const std::string& vm_id) {
  std::string value;
  uint32_t cas = 0;
  if (SharedData::global().get(vm_id, "net_order", value, cas) != WasmResult::kOk) return "";
  return value;
}

class WasmNetworkFilterTest : public ::testing::Test {
 protected:
  void TearDown() override {
    listener_.reset();
    releaseThreadLocalWasmVms();
  }
  // Starts a listener whose chain is [wasm(configuration), Answerer].
  void start(const std::string& configuration, const std::string& vm_id, json extra = json::object(),
             uint32_t buffer_limit = 1024 * 1024) {
    vm_id_ = vm_id;
    auto wasm = createWasmNetworkFilterFactory(networkConfig(configuration, vm_id, std::move(extra)), &store_);
    ASSERT_TRUE(wasm.isOk()) << wasm.status().toString();
    // The config-time validation VM leaves its root context callbacks (no
    // stream ones) in the trace; each test starts from an empty one.
    ASSERT_EQ(SharedData::global().set(vm_id, "net_order", "", 0), WasmResult::kOk);
    auto chain = std::make_shared<proxy::NetworkChainConfig>();
    chain->buffer_limit = buffer_limit;
    chain->factories.push_back(wasm.value());
    chain->factories.push_back([this](proxy::NetworkFilterChainCallbacks& cb) {
      answerer_ = std::make_shared<Answerer>();
      cb.addReadFilter(answerer_);
    });
    listener_ = std::make_unique<TestNetworkListener>(dispatcher_, chain);
  }
  uint64_t counter(const std::string& name) {
    const stats::Counter* c = store_.findCounter(name);
    return c ? c->value() : 0;
  }
  bool ordered(const std::string& needle) { return order(vm_id_).find(needle) != std::string::npos; }

  stats::Store store_;
  event::Dispatcher dispatcher_{"wasm-network-test"};
  std::string vm_id_;
  std::unique_ptr<TestNetworkListener> listener_;
  std::shared_ptr<Answerer> answerer_;
};

TEST_F(WasmNetworkFilterTest, CallbacksRunInEnvoysOrderThroughAHalfClosedConnection) {
  start("count", "net-order");
  {
    TestClient client(dispatcher_, listener_->address());
    client.write("hi");
    ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "up:hi"; })) << client.received;
    client.write("", true);
    ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.eof && listener_->closed == 1; }));
    ASSERT_TRUE(runUntil(dispatcher_, [&] { return ordered("delete"); })) << order(vm_id_);
  }
  EXPECT_EQ(order(vm_id_),
            "create new_connection downstream_data upstream_data downstream_data_eos upstream_data_eos upstream_close "
            "downstream_close_remote log done delete ");
  EXPECT_EQ(counter("wasmcustom.net_connections"), 1u);
  EXPECT_EQ(counter("wasmcustom.net_downstream_bytes"), 2u);
  EXPECT_EQ(counter("wasmcustom.net_upstream_bytes"), 5u);
  EXPECT_EQ(counter("wasmcustom.net_close_remote"), 1u);
}

TEST_F(WasmNetworkFilterTest, DownstreamAndUpstreamBuffersAreReadAndRewritten) {
  start("prefix", "net-prefix");
  TestClient client(dispatcher_, listener_->address());
  client.write("hello");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "echo:up:prefix:hello"; })) << client.received;
  EXPECT_EQ(answerer_->received, "prefix:hello");
  // Only the first chunk each way is rewritten.
  client.write("again");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "echo:up:prefix:helloup:again"; }))
      << client.received;
}

TEST_F(WasmNetworkFilterTest, PauseHoldsClientBytesUntilTheTickContinuesTheStream) {
  start("pause", "net-pause");
  TestClient client(dispatcher_, listener_->address());
  client.write("wait");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return ordered("downstream_data"); }));
  EXPECT_TRUE(answerer_->received.empty()) << "held until the plugin's tick";
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "up:wait"; })) << client.received;
  EXPECT_EQ(answerer_->reads, (std::vector<std::string>{"wait"}));
}

TEST_F(WasmNetworkFilterTest, PausedFilterSeesEverythingAccumulatedAndPassesItOnAtOnce) {
  start("line", "net-line");
  TestClient client(dispatcher_, listener_->address());
  client.write("ab");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return ordered("downstream_data"); }));
  client.write("cd");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return order(vm_id_).find("downstream_data downstream_data") != std::string::npos; }));
  EXPECT_TRUE(answerer_->received.empty());
  client.write("\nrest");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return !answerer_->reads.empty(); }));
  EXPECT_EQ(answerer_->reads.front(), "abcd\nrest");
}

TEST_F(WasmNetworkFilterTest, PausedWritePathIsReleasedByTheTickAndHeldBytesCountTowardTheWatermark) {
  start("hold_upstream", "net-hold-up", json::object(), 4096);
  TestClient client(dispatcher_, listener_->address());
  client.write("x");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return ordered("upstream_data"); }));
  EXPECT_TRUE(client.received.empty());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "up:x"; })) << client.received;

  // Held above the listener's limit, the bytes raise the client's high
  // watermark (tcp_proxy would stop reading its upstream).
  proxy::NetworkFilterManager* manager = listener_->manager();
  ASSERT_NE(manager, nullptr);
  client.write(std::string(10000, 'y'));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return manager->connection().aboveHighWatermark(); }));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received.size() >= 4 + 10000; }));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return !manager->connection().aboveHighWatermark(); }));
}

TEST_F(WasmNetworkFilterTest, CloseStreamClosesTheConnectionAfterFlushing) {
  start("count", "net-close");
  TestClient client(dispatcher_, listener_->address());
  client.write("please close");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.closed || client.eof; }));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return ordered("delete"); }));
  EXPECT_NE(order(vm_id_).find("downstream_close_local log done delete"), std::string::npos) << order(vm_id_);
  EXPECT_TRUE(answerer_->received.empty());
  EXPECT_EQ(counter("wasmcustom.net_close_local"), 1u);
}

TEST_F(WasmNetworkFilterTest, TrapFailsClosedByClosingTheConnection) {
  start("count", "net-trap-closed");
  TestClient client(dispatcher_, listener_->address());
  client.write("trap");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.closed || client.eof; }));
  EXPECT_TRUE(answerer_->received.empty());
  EXPECT_EQ(counter("wasm.net-plugin.fail_closed"), 1u);
  EXPECT_EQ(counter("wasm.net-plugin.traps"), 1u);
  // The VM stays failed: the next connection is closed too (and the worker
  // counts the failed VM when it finds it, as the HTTP filter does).
  TestClient next(dispatcher_, listener_->address());
  next.write("fine");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return next.closed || next.eof; }));
  EXPECT_TRUE(next.received.empty());
  EXPECT_EQ(counter("wasm.net-plugin.vm_failed"), 1u);
  EXPECT_EQ(counter("wasm.net-plugin.fail_closed"), 2u);
}

TEST_F(WasmNetworkFilterTest, TrapWithFailOpenLetsTheConnectionBypassThePlugin) {
  start("count", "net-trap-open", {{"fail_open", true}});
  TestClient client(dispatcher_, listener_->address());
  client.write("trap");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "up:trap"; })) << client.received;
  client.write("more");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "up:trapup:more"; })) << client.received;
  EXPECT_EQ(counter("wasm.net-plugin.fail_open"), 1u);
}

TEST_F(WasmNetworkFilterTest, ConfigErrorsNameTheNetworkFilter) {
  // Not the HTTP filter's name, which would send operators to the wrong place.
  json bad = networkConfig("count", "net-bad");
  bad["config"]["vm_config"]["code"]["local"]["filename"] = "/nonexistent/filter.wasm";
  auto factory = createWasmNetworkFilterFactory(bad, nullptr);
  ASSERT_FALSE(factory.isOk());
  EXPECT_EQ(factory.status().message().rfind(std::string(kWasmNetworkFilterName), 0), 0u)
      << factory.status().message();
}

}  // namespace
}  // namespace weir::proxywasm

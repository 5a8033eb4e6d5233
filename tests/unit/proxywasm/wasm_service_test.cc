// envoy.bootstrap.wasm with tests/testdata/proxywasm/wasm_service.c (built at
// test time): config checks, the root context's lifecycle on the thread it
// starts on, ticks publishing shared data, queue messages enqueued from
// another thread, and http_call to a cluster served on loopback.
#include "proxywasm/wasm_service.h"

#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/stats.h"
#include "config/bootstrap.h"
#include "proxy/filter_factory.h"
#include "proxywasm/shared_data.h"
#include "testdata/proxywasm/test_modules.h"
#include "unit/proxy/network_test_support.h"
#include "upstream/cluster_manager.h"

namespace weir::proxywasm {
namespace {

using json = nlohmann::json;
using proxy::testing::runUntil;

json serviceConfig(const std::string& configuration, const std::string& vm_id, bool singleton = true) {
  return {{"singleton", singleton},
          {"config",
           {{"name", "svc-plugin"},
            {"configuration", {{"@type", "type.googleapis.com/google.protobuf.StringValue"}, {"value", configuration}}},
            {"vm_config",
             {{"vm_id", vm_id},
              {"runtime", "envoy.wasm.runtime.v8"},
              {"code", {{"local", {{"filename", testModulePath("wasm_service.wasm")}}}}}}}}}};
}

std::string shared(const std::string& vm_id, const std::string& key) {
  std::string value;
  uint32_t cas = 0;
  if (SharedData::global().get(vm_id, key, value, cas) != WasmResult::kOk) return "";
  return value;
}

void clearShared(const std::string& vm_id, std::initializer_list<const char*> keys) {
  for (const char* key : keys) ASSERT_EQ(SharedData::global().set(vm_id, key, "", 0), WasmResult::kOk);
}

class WasmServiceTest : public ::testing::Test {
 protected:
  std::shared_ptr<const WasmServiceConfig> create(const json& cfg) {
    auto config = WasmServiceConfig::create(cfg, &store_);
    EXPECT_TRUE(config.isOk()) << config.status().toString();
    return config.isOk() ? config.value() : nullptr;
  }
  uint64_t counter(const std::string& name) {
    const stats::Counter* c = store_.findCounter(name);
    return c ? c->value() : 0;
  }

  stats::Store store_;
  event::Dispatcher dispatcher_{"main"};
};

TEST_F(WasmServiceTest, RejectedConfigurationIsAConfigErrorNamingThePlugin) {
  auto config = WasmServiceConfig::create(serviceConfig("reject", "svc-reject"), nullptr);
  ASSERT_FALSE(config.isOk());
  const std::string& message = config.status().message();
  EXPECT_EQ(message.rfind("envoy.bootstrap.wasm: ", 0), 0u) << message;
  EXPECT_NE(message.find("svc-plugin"), std::string::npos) << message;
  EXPECT_NE(message.find("proxy_on_configure returned false"), std::string::npos) << message;
}

TEST_F(WasmServiceTest, FieldsAreChecked) {
  json bad_singleton = serviceConfig("x", "svc-fields");
  bad_singleton["singleton"] = "yes";
  auto a = WasmServiceConfig::create(bad_singleton, nullptr);
  ASSERT_FALSE(a.isOk());
  EXPECT_NE(a.status().message().find("singleton: expected a bool"), std::string::npos) << a.status().message();

  json unknown = serviceConfig("x", "svc-fields");
  unknown["sigleton"] = true;
  auto b = WasmServiceConfig::create(unknown, nullptr);
  ASSERT_FALSE(b.isOk());
  EXPECT_NE(b.status().message().find("sigleton: unknown field"), std::string::npos) << b.status().message();

  auto c = WasmServiceConfig::create(json{{"singleton", true}}, nullptr);
  ASSERT_FALSE(c.isOk());
  EXPECT_NE(c.status().message().find("config: required field missing"), std::string::npos);

  json missing_code = serviceConfig("x", "svc-fields");
  missing_code["config"]["vm_config"]["code"]["local"]["filename"] = "/nonexistent.wasm";
  auto d = WasmServiceConfig::create(missing_code, nullptr);
  ASSERT_FALSE(d.isOk());
  EXPECT_EQ(d.status().message().rfind("envoy.bootstrap.wasm: ", 0), 0u) << d.status().message();
}

TEST_F(WasmServiceTest, SingletonRunsOnTheMainThreadAndStopsWithOnDoneAndOnDelete) {
  const std::string vm_id = "svc-lifecycle";
  auto config = create(serviceConfig("life", vm_id));
  ASSERT_NE(config, nullptr);
  EXPECT_TRUE(config->mainThreadOnly());
  // The validation VM ran the plugin once at config load.
  EXPECT_EQ(shared(vm_id, "service_order"), "create_root vm_start configure done delete ");
  clearShared(vm_id, {"service_order"});
  {
    auto instance = config->start(proxy::BootstrapExtensionThread{dispatcher_, nullptr, true});
    ASSERT_TRUE(instance.isOk()) << instance.status().toString();
    EXPECT_EQ(shared(vm_id, "service_order"), "create_root vm_start configure ");
    EXPECT_EQ(counter("wasmcustom.service_instances"), 1u);
    EXPECT_EQ(counter("wasm.svc-plugin.vm_created"), 1u);
  }
  EXPECT_EQ(shared(vm_id, "service_order"), "create_root vm_start configure done delete ");
}

TEST_F(WasmServiceTest, PerWorkerConfigRunsWhereverItIsStarted) {
  auto config = create(serviceConfig("each", "svc-per-worker", /*singleton=*/false));
  ASSERT_NE(config, nullptr);
  EXPECT_FALSE(config->mainThreadOnly());
  event::Dispatcher worker_a("worker_0"), worker_b("worker_1");
  auto a = config->start(proxy::BootstrapExtensionThread{worker_a, nullptr, false});
  auto b = config->start(proxy::BootstrapExtensionThread{worker_b, nullptr, false});
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_EQ(counter("wasmcustom.service_instances"), 2u);
}

TEST_F(WasmServiceTest, TicksPublishSharedData) {
  const std::string vm_id = "svc-ticks";
  clearShared(vm_id, {"service_value"});
  auto config = create(serviceConfig("pub", vm_id));
  ASSERT_NE(config, nullptr);
  auto instance = config->start(proxy::BootstrapExtensionThread{dispatcher_, nullptr, true});
  ASSERT_TRUE(instance.isOk());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return shared(vm_id, "service_value") == "pub-3"; }))
      << shared(vm_id, "service_value");
  // Stopped, it publishes no more.
  instance.value().reset();
  EXPECT_FALSE(runUntil(dispatcher_, [&] { return shared(vm_id, "service_value") != "pub-3"; },
                        std::chrono::milliseconds(100)));
}

TEST_F(WasmServiceTest, MessagesEnqueuedOnAnotherThreadArriveOnTheServiceThread) {
  const std::string vm_id = "svc-queue";
  clearShared(vm_id, {"service_received"});
  auto config = create(serviceConfig("q", vm_id));
  ASSERT_NE(config, nullptr);
  auto instance = config->start(proxy::BootstrapExtensionThread{dispatcher_, nullptr, true});
  ASSERT_TRUE(instance.isOk());
  std::optional<uint32_t> token = SharedQueues::global().resolve(vm_id, "service_queue");
  ASSERT_TRUE(token.has_value()) << "the service registers its queue in on_configure";
  std::thread producer([&] {
    for (const char* m : {"one", "two", "three"}) EXPECT_EQ(SharedQueues::global().enqueue(*token, m), WasmResult::kOk);
  });
  producer.join();
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return counter("wasmcustom.service_messages") == 3; }));
  EXPECT_EQ(shared(vm_id, "service_received"), "one two three ");
}

// Answers every HTTP/1.1 request on a connection with 200 "from-cluster".
class HttpResponder : public proxy::ReadFilter {
 public:
  void initializeReadFilterCallbacks(proxy::ReadFilterCallbacks& callbacks) override { read_ = &callbacks; }
  proxy::NetworkFilterStatus onData(Buffer& data, bool) override {
    request += data.toString();
    data.drain(data.size());
    if (request.find("\r\n\r\n") != std::string::npos) {
      Buffer reply(std::string_view("HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\nfrom-cluster"));
      read_->write(reply, false);
      request.clear();
    }
    return proxy::NetworkFilterStatus::kStopIteration;
  }
  std::string request;

 private:
  proxy::ReadFilterCallbacks* read_ = nullptr;
};

TEST_F(WasmServiceTest, HttpCallGoesToANamedClusterThroughTheThreadsClusters) {
  const std::string vm_id = "svc-callout";
  clearShared(vm_id, {"service_callout"});
  auto chain = std::make_shared<proxy::NetworkChainConfig>();
  chain->factories.push_back(
      [](proxy::NetworkFilterChainCallbacks& cb) { cb.addReadFilter(std::make_shared<HttpResponder>()); });
  auto upstream = std::make_unique<proxy::testing::TestNetworkListener>(dispatcher_, chain);

  config::Cluster cluster;
  cluster.name = "backend";
  cluster.connect_timeout = std::chrono::milliseconds(1000);
  config::LocalityLbEndpoints locality;
  config::LbEndpoint endpoint;
  endpoint.address.address = "127.0.0.1";
  endpoint.address.port_value = upstream->address().port();
  locality.lb_endpoints.push_back(endpoint);
  cluster.load_assignment.endpoints.push_back(locality);
  cluster.circuit_breakers.push_back({});
  auto clusters = upstream::ClusterManager::create({cluster}, &store_);
  ASSERT_TRUE(clusters.isOk()) << clusters.status().toString();
  auto main_clusters = clusters.value()->createThreadLocal(dispatcher_);

  auto config = create(serviceConfig("callout:backend", vm_id));
  ASSERT_NE(config, nullptr);
  {
    auto instance = config->start(proxy::BootstrapExtensionThread{dispatcher_, main_clusters.get(), true});
    ASSERT_TRUE(instance.isOk());
    ASSERT_TRUE(runUntil(dispatcher_, [&] { return !shared(vm_id, "service_callout").empty(); }));
    EXPECT_EQ(shared(vm_id, "service_callout"), "200 from-cluster");
  }
  upstream.reset();
  dispatcher_.clearDeferredDeleteList();
  main_clusters.reset();
}

TEST_F(WasmServiceTest, TrappedVmStaysFailedUnderFailClosed) {
  const std::string vm_id = "svc-trap-closed";
  auto config = create(serviceConfig("trap", vm_id));
  ASSERT_NE(config, nullptr);
  auto instance = config->start(proxy::BootstrapExtensionThread{dispatcher_, nullptr, true});
  ASSERT_TRUE(instance.isOk());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return counter("wasm.svc-plugin.vm_failed") == 1; }));
  EXPECT_EQ(counter("wasm.svc-plugin.traps"), 1u);
  EXPECT_EQ(shared(vm_id, "service_value"), "trap-1");
  // No new VM: nothing more is published.
  EXPECT_FALSE(runUntil(dispatcher_, [&] { return counter("wasm.svc-plugin.vm_created") > 1; },
                        std::chrono::milliseconds(100)));
}

TEST_F(WasmServiceTest, FailReloadStartsANewVmAfterATrap) {
  const std::string vm_id = "svc-trap-reload";
  json cfg = serviceConfig("trap", vm_id);
  cfg["config"]["failure_policy"] = "FAIL_RELOAD";
  cfg["config"]["reload_config"] = {{"backoff", {{"base_interval", "0.02s"}}}};
  auto config = create(cfg);
  ASSERT_NE(config, nullptr);
  auto instance = config->start(proxy::BootstrapExtensionThread{dispatcher_, nullptr, true});
  ASSERT_TRUE(instance.isOk());
  // Each fresh VM ticks once ("trap-1") and traps at its second tick.
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return counter("wasm.svc-plugin.vm_reloaded") >= 2; }));
  EXPECT_GE(counter("wasm.svc-plugin.vm_created"), 3u);
  EXPECT_GE(counter("wasm.svc-plugin.vm_failed"), 2u);
  EXPECT_EQ(shared(vm_id, "service_value"), "trap-1");
}

TEST_F(WasmServiceTest, RegisteredUnderItsEnvoyNameAndType) {
  proxy::FilterRegistry registry;
  registerWasmService(registry);
  proxy::NamedBootstrapExtensionFactory* by_type = registry.findBootstrapExtension("", kWasmServiceTypeUrl);
  ASSERT_NE(by_type, nullptr);
  EXPECT_EQ(by_type->name(), "envoy.bootstrap.wasm");
  EXPECT_EQ(registry.findBootstrapExtension("envoy.bootstrap.wasm"), by_type);
  EXPECT_EQ(registry.findNetwork("envoy.bootstrap.wasm"), nullptr);
}

}  // namespace
}  // namespace weir::proxywasm

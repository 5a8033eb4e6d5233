// vm_config.code.remote end to end against an in-process weir hub
// (hub::HttpServer + hub::Registry on loopback) serving modules built at test
// time from tests/testdata/proxywasm: fetch by tag, digest and http URL +
// sha256, verification, validation in a throwaway VM, the last good module
// kept on a failed pull, the on-disk cache with the registry down, and a
// re-pushed tag swapping the VM that new streams get on a worker.
#include "proxywasm/remote_code.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "event/dispatcher.h"
#include "hub/blob_store.h"
#include "hub/http_server.h"
#include "hub/registry.h"
#include "oci/digest.h"
#include "oci/reference.h"
#include "oci/registry_client.h"
#include "oci/wasm_image.h"
#include "proxywasm/wasm_filter.h"
#include "proxywasm/wasm_vm.h"
#include "testdata/proxywasm/test_modules.h"

namespace weir::proxywasm {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

class RemoteCodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-remote-code-test-" + hub::randomHex(6));
    startHub();
    configureRemoteCode(RemoteCodeSettings{true, (dir_ / "cache").string(), (dir_ / "docker.json").string()});
  }
  void TearDown() override {
    releaseThreadLocalWasmVms();
    configureRemoteCode(RemoteCodeSettings{});
    if (server_) server_->stop();
    fs::remove_all(dir_);
  }

  void startHub() {
    hub::RegistryOptions ro;
    ro.data_dir = (dir_ / "hub").string();
    registry_ = std::move(hub::Registry::open(ro, nullptr)).value();
    hub::HttpServerOptions so;
    // The same port across a restart of the hub, so the reference still names it.
    so.address = net::Address::parse("127.0.0.1:" + std::to_string(port_)).value();
    so.workers = 1;
    server_ = std::make_unique<hub::HttpServer>(so, *registry_);
    ASSERT_TRUE(server_->start().isOk());
    port_ = server_->address().port();
    host_ = "127.0.0.1:" + std::to_string(port_);
  }
  void stopHub() {
    server_->stop();
    server_.reset();
  }

  // Pushes a test module under REPO:TAG; returns the manifest digest.
  std::string push(const std::string& repo_tag, const std::string& module_name) {
    const std::string& module = testModule(module_name);
    auto ref = oci::parseReference(host_ + "/" + repo_tag).value();
    oci::RegistryClient c(ref.registry, oci::ClientOptions{});
    oci::WasmArtifactInfo info;
    info.abi_versions = {"proxy_abi_version_0_2_1"};
    oci::BuiltArtifact a = oci::buildWasmArtifact(module, info);
    EXPECT_TRUE(c.pushBlob(ref.repository, a.config_digest, a.config.size(), "", &a.config).isOk());
    EXPECT_TRUE(c.pushBlob(ref.repository, a.module_digest, module.size(), "", &module).isOk());
    auto d = c.putManifest(ref.repository, ref.tag, a.manifest, "application/vnd.oci.image.manifest.v1+json");
    EXPECT_TRUE(d.isOk()) << d.status().toString();
    return d.isOk() ? *d : "";
  }

  static json pluginJson(json remote, const std::string& configuration = "", bool fail_open = false) {
    return {{"config",
             {{"name", "remote-plugin"},
              {"fail_open", fail_open},
              {"configuration", {{"@type", "type.googleapis.com/google.protobuf.StringValue"}, {"value", configuration}}},
              {"vm_config", {{"vm_id", "remote-vm"}, {"code", {{"remote", std::move(remote)}}}}}}}};
  }
  static json remoteJson(const std::string& uri, const std::string& sha256 = "") {
    json r = {{"http_uri", {{"uri", uri}, {"cluster", "unused"}, {"timeout", "5s"}}},
              {"retry_policy", {{"num_retries", 1}, {"retry_back_off", {{"base_interval", "0.01s"}}}}}};
    if (!sha256.empty()) r["sha256"] = sha256;
    return r;
  }
  std::shared_ptr<RemoteCode> detached(const json& plugin) {
    auto parsed = parsePluginConfig(plugin);
    EXPECT_TRUE(parsed.isOk()) << parsed.status().toString();
    auto p = std::make_shared<PluginConfig>(*parsed.value());
    p->stats = std::make_shared<PluginStats>();
    return RemoteCode::createDetached(std::move(p));
  }
  static std::string digestOf(const std::string& module_name) { return oci::sha256Digest(testModule(module_name)); }

  fs::path dir_;
  std::unique_ptr<hub::Registry> registry_;
  std::unique_ptr<hub::HttpServer> server_;
  uint16_t port_ = 0;
  std::string host_;
};

TEST_F(RemoteCodeTest, FetchesATagValidatesAndPublishesOnce) {
  const std::string manifest = push("team/f:v1", "add_header.wasm");
  auto code = detached(pluginJson(remoteJson("oci://" + host_ + "/team/f:v1")));
  EXPECT_EQ(code->current().code, nullptr);
  EXPECT_EQ(code->info().state, RemoteCode::State::kFetching);
  Status s = code->refresh();
  ASSERT_TRUE(s.isOk()) << s.toString();
  RemoteCode::Current current = code->current();
  ASSERT_NE(current.code, nullptr);
  EXPECT_EQ(current.generation, 1u);
  EXPECT_EQ(current.code->digest, digestOf("add_header.wasm"));
  EXPECT_EQ(current.code->vm_id, "remote-vm");
  EXPECT_FALSE(current.code->key.empty());
  RemoteCode::Info info = code->info();
  EXPECT_EQ(info.state, RemoteCode::State::kLoaded);
  EXPECT_EQ(info.resolved, host_ + "/team/f@" + manifest);
  EXPECT_TRUE(info.error.empty());
  ASSERT_TRUE(info.last_fetch.has_value());
  // A tag is resolved again on its interval; the same digest publishes nothing.
  ASSERT_TRUE(code->nextRefresh().has_value());
  ASSERT_TRUE(code->refresh().isOk());
  EXPECT_EQ(code->generation(), 1u);
  EXPECT_EQ(code->info().swaps, 1u);
  EXPECT_EQ(code->info().fetches, 2u);
}

TEST_F(RemoteCodeTest, RepushedTagPublishesTheNewModule) {
  push("team/f:v1", "add_header.wasm");
  auto code = detached(pluginJson(remoteJson("oci://" + host_ + "/team/f:v1")));
  ASSERT_TRUE(code->refresh().isOk());
  push("team/f:v1", "test_filter.wasm");
  ASSERT_TRUE(code->refresh().isOk());
  EXPECT_EQ(code->generation(), 2u);
  EXPECT_EQ(code->current().code->digest, digestOf("test_filter.wasm"));
}

TEST_F(RemoteCodeTest, DigestReferenceIsNeverResolvedAgain) {
  const std::string manifest = push("team/f:v1", "add_header.wasm");
  auto code = detached(pluginJson(remoteJson("oci://" + host_ + "/team/f@" + manifest)));
  ASSERT_TRUE(code->refresh().isOk());
  EXPECT_FALSE(code->nextRefresh().has_value());
  EXPECT_EQ(code->current().code->digest, digestOf("add_header.wasm"));
}

TEST_F(RemoteCodeTest, FailedPullKeepsTheLastGoodModule) {
  push("team/f:v1", "add_header.wasm");
  auto code = detached(pluginJson(remoteJson("oci://" + host_ + "/team/f:v1")));
  ASSERT_TRUE(code->refresh().isOk());
  stopHub();
  EXPECT_FALSE(code->refresh().isOk());
  RemoteCode::Info info = code->info();
  EXPECT_EQ(info.state, RemoteCode::State::kLoaded);
  EXPECT_FALSE(info.error.empty());
  EXPECT_EQ(info.failures, 1u);
  ASSERT_NE(code->current().code, nullptr);
  EXPECT_EQ(code->current().code->digest, digestOf("add_header.wasm"));
}

TEST_F(RemoteCodeTest, WrongSha256IsRefusedAndNothingLoads) {
  push("team/f:v1", "add_header.wasm");
  const std::string other = digestOf("test_filter.wasm").substr(7);
  auto code = detached(pluginJson(remoteJson("oci://" + host_ + "/team/f:v1", other)));
  Status s = code->refresh();
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("mismatch"), std::string::npos) << s.message();
  EXPECT_EQ(code->info().state, RemoteCode::State::kFailed);
  EXPECT_EQ(code->current().code, nullptr);
  // Not loaded: tried again soon, not at the refresh interval.
  ASSERT_TRUE(code->nextRefresh().has_value());
  EXPECT_LT(*code->nextRefresh() - std::chrono::steady_clock::now(), std::chrono::seconds(1));
}

TEST_F(RemoteCodeTest, ModuleThePluginRejectsIsNotPublished) {
  push("team/f:v1", "test_filter.wasm");
  auto code = detached(pluginJson(remoteJson("oci://" + host_ + "/team/f:v1"), "reject"));
  Status s = code->refresh();
  ASSERT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("rejects"), std::string::npos) << s.message();
  EXPECT_EQ(code->current().code, nullptr);
}

TEST_F(RemoteCodeTest, HttpUrlWithSha256ThenFromTheCacheOffline) {
  push("team/f:v1", "add_header.wasm");
  const std::string digest = digestOf("add_header.wasm");
  const std::string url = "http://" + host_ + "/v2/team/f/blobs/" + digest;
  auto code = detached(pluginJson(remoteJson(url, digest.substr(7))));
  ASSERT_TRUE(code->refresh().isOk());
  EXPECT_FALSE(code->nextRefresh().has_value());
  stopHub();
  auto again = detached(pluginJson(remoteJson(url, digest.substr(7))));
  Status s = again->refresh();
  ASSERT_TRUE(s.isOk()) << s.toString();
  EXPECT_EQ(again->current().code->digest, digest);
}

TEST_F(RemoteCodeTest, TagServesItsLastDigestFromTheCacheWhenTheRegistryIsDown) {
  push("team/f:v1", "add_header.wasm");
  const json plugin = pluginJson(remoteJson("oci://" + host_ + "/team/f:v1"));
  ASSERT_TRUE(detached(plugin)->refresh().isOk());
  stopHub();
  auto restarted = detached(plugin);  // as after a proxy restart: same cache, nothing in memory
  Status s = restarted->refresh();
  ASSERT_TRUE(s.isOk()) << s.toString();
  EXPECT_EQ(restarted->current().code->digest, digestOf("add_header.wasm"));
  EXPECT_NE(restarted->info().error.find("registry unreachable"), std::string::npos) << restarted->info().error;
  // It keeps trying the registry.
  EXPECT_TRUE(restarted->nextRefresh().has_value());
}

TEST_F(RemoteCodeTest, WorkerBuildsAVmOfANewModuleForNewStreams) {
  push("team/f:v1", "add_header.wasm");
  json remote = remoteJson("oci://" + host_ + "/team/f:v1");
  remote["weir_refresh_interval"] = "0.05s";
  auto config = WasmFilterConfig::create(pluginJson(remote), nullptr);
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  ASSERT_NE(config.value()->remoteCode(), nullptr);
  // create() waited for the first fetch.
  ASSERT_NE(config.value()->code(), nullptr);
  event::Dispatcher dispatcher("remote-test");
  auto first = config.value()->acquire(dispatcher, nullptr);
  ASSERT_TRUE(first.isOk()) << first.status().toString();
  EXPECT_EQ(first->vm->code().digest, digestOf("add_header.wasm"));
  EXPECT_EQ(config.value()->acquire(dispatcher, nullptr)->vm, first->vm);  // same VM while unchanged

  push("team/f:v1", "test_filter.wasm");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::shared_ptr<WasmVm> swapped;
  while (std::chrono::steady_clock::now() < deadline) {
    auto h = config.value()->acquire(dispatcher, nullptr);
    ASSERT_TRUE(h.isOk()) << h.status().toString();
    if (h->vm != first->vm) {
      swapped = h->vm;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling the background fetch
  }
  ASSERT_NE(swapped, nullptr) << "the re-pushed tag was not picked up";
  EXPECT_EQ(swapped->code().digest, digestOf("test_filter.wasm"));
  // A stream still on the old VM keeps a working VM.
  EXPECT_FALSE(first->vm->failed());
}

TEST_F(RemoteCodeTest, ConfigsOfOnePluginShareTheirRemoteCode) {
  push("team/f:v1", "add_header.wasm");
  const json plugin = pluginJson(remoteJson("oci://" + host_ + "/team/f:v1"));
  auto a = WasmFilterConfig::create(plugin, nullptr);
  auto b = WasmFilterConfig::create(plugin, nullptr);
  ASSERT_TRUE(a.isOk() && b.isOk());
  EXPECT_EQ(a.value()->remoteCode(), b.value()->remoteCode());
}

TEST_F(RemoteCodeTest, UntilAModuleLoadsAcquireFailsAndTheFailurePolicyDecides) {
  json remote = remoteJson("oci://" + host_ + "/team/missing:v1");
  remote["http_uri"]["timeout"] = "1s";
  auto config = WasmFilterConfig::create(pluginJson(remote, "", /*fail_open=*/true), nullptr);
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config.value()->code(), nullptr);
  event::Dispatcher dispatcher("remote-test");
  auto h = config.value()->acquire(dispatcher, nullptr);
  ASSERT_FALSE(h.isOk());
  EXPECT_EQ(h.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(config.value()->remoteCode()->info().state, RemoteCode::State::kFailed);
}

TEST_F(RemoteCodeTest, WithFetchingOffOnlyTheShapeIsChecked) {
  configureRemoteCode(RemoteCodeSettings{});  // as weir validate runs
  auto config = WasmFilterConfig::create(pluginJson(remoteJson("oci://" + host_ + "/team/none:v1")), nullptr);
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config.value()->remoteCode(), nullptr);
  event::Dispatcher dispatcher("remote-test");
  EXPECT_EQ(config.value()->acquire(dispatcher, nullptr).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace weir::proxywasm

// src/oci: reference/digest grammar, manifest parsing, Wasm formats, the
// store, and ModuleFetcher end to end against an in-process weir hub
// (hub::HttpServer + hub::Registry on loopback), including retries with
// Retry-After, the cache, and concurrent fetches from several threads.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "hub/http_server.h"
#include "hub/registry.h"
#include "oci/digest.h"
#include "oci/fetcher.h"
#include "oci/manifest.h"
#include "oci/reference.h"
#include "oci/registry_client.h"
#include "oci/wasm_image.h"

namespace weir::oci {
namespace {

namespace fs = std::filesystem;

const std::string kModule = std::string("\0asm\1\0\0\0", 8) + "module body";

TEST(Reference, ParsesRegistryRepoTagDigest) {
  auto r = parseReference("oci://localhost:5000/team/auth:v1");
  ASSERT_TRUE(r.isOk());
  EXPECT_EQ(r->registry, "localhost:5000");
  EXPECT_EQ(r->repository, "team/auth");
  EXPECT_EQ(r->tag, "v1");
  auto d = parseReference("ghcr.io/a/b@" + sha256Digest("x"));
  ASSERT_TRUE(d.isOk());
  EXPECT_EQ(d->identifier(), sha256Digest("x"));
  EXPECT_EQ(parseReference("hub.example/x").value().tag, "latest");
  EXPECT_FALSE(parseReference("hub.example/UPPER:v1").isOk());
  EXPECT_FALSE(parseReference("hub.example/a/../b:v1").isOk());
  EXPECT_FALSE(parseReference("hub.example/a:bad tag").isOk());
  EXPECT_TRUE(isLoopbackRegistry("127.0.0.1:5000"));
  EXPECT_TRUE(isLoopbackRegistry("[::1]:80"));
  EXPECT_FALSE(isLoopbackRegistry("hub.example"));
}

TEST(Reference, NameGrammar) {
  for (const char* ok : {"a", "a/b", "a-b", "a--b", "a__b", "a.b", "a_b/c.d-e"}) EXPECT_TRUE(isValidRepositoryName(ok)) << ok;
  for (const char* bad : {"", "A", "/a", "a/", "a//b", "a..b", "a._b", "-a", "a-", "a___b", "..", "a/../b", "a%2fb"}) {
    EXPECT_FALSE(isValidRepositoryName(bad)) << bad;
  }
  EXPECT_TRUE(isValidTag("v1.0_rc-1"));
  EXPECT_FALSE(isValidTag(".hidden"));
  EXPECT_FALSE(isValidTag(std::string(129, 'a')));
}

TEST(Digest, ValidatesAndHashes) {
  EXPECT_TRUE(isValidDigest(sha256Digest("")));
  EXPECT_EQ(sha256Digest(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_FALSE(isValidDigest("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  EXPECT_FALSE(isValidDigest("sha256:../../etc"));
  EXPECT_FALSE(isValidDigest("md5:d41d8cd98f00b204e9800998ecf8427e"));
  Hasher h("sha512");
  h.update("abc");
  EXPECT_TRUE(isValidDigest(h.digestString()));
}

TEST(Manifest, ParsesAndRejects) {
  WasmArtifactInfo info;
  info.abi_versions = {"proxy_abi_version_0_2_1"};
  info.root_ids = {"root"};
  BuiltArtifact a = buildWasmArtifact(kModule, info);
  auto m = parseManifest(a.manifest, "application/vnd.oci.image.manifest.v1+json");
  ASSERT_TRUE(m.isOk()) << m.status().toString();
  EXPECT_EQ(m->artifact_type, "application/vnd.weir.proxy-wasm.filter.v1");
  auto layer = findModuleLayer(*m);
  ASSERT_TRUE(layer.isOk());
  EXPECT_EQ(layer->format, WasmFormat::kWasmOciVariant);
  EXPECT_EQ(layer->layer.digest, sha256Digest(kModule));
  auto cfg = parseWasmConfig(a.config);
  EXPECT_EQ(cfg.abi_versions, std::vector<std::string>{"proxy_abi_version_0_2_1"});
  EXPECT_EQ(cfg.root_ids, std::vector<std::string>{"root"});
  EXPECT_FALSE(parseManifest(a.manifest, "application/vnd.oci.image.index.v1+json").isOk());
  EXPECT_FALSE(parseManifest("[]").isOk());
  EXPECT_FALSE(parseManifest(std::string(100, '[') + std::string(100, ']')).isOk());
  EXPECT_FALSE(parseManifest(R"({"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:1","size":1}})").isOk());
}

TEST(Manifest, FindsModuleLayerInEveryFormat) {
  auto layerOf = [](const std::string& mt, const std::string& extra_first = "") {
    nlohmann::json m{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                     {"config", {{"mediaType", "application/vnd.wasm.config.v0+json"}, {"digest", sha256Digest("{}")}, {"size", 2}}}};
    m["layers"] = nlohmann::json::array();
    if (!extra_first.empty()) m["layers"].push_back({{"mediaType", extra_first}, {"digest", sha256Digest("a")}, {"size", 1}});
    m["layers"].push_back({{"mediaType", mt}, {"digest", sha256Digest("b")}, {"size", 1}});
    return findModuleLayer(parseManifest(m.dump()).value());
  };
  EXPECT_EQ(layerOf("application/wasm").value().format, WasmFormat::kCncf);
  EXPECT_EQ(layerOf("application/vnd.wasm.content.layer.v1+wasm").value().format, WasmFormat::kWasmToOci);
  EXPECT_EQ(layerOf("application/vnd.oci.image.layer.v1.tar+gzip", "application/vnd.oci.image.layer.v1.tar+gzip")
                .value().layer.digest, sha256Digest("b"));
  EXPECT_EQ(layerOf("application/vnd.module.wasm.content.layer.v1+wasm", "application/vnd.oci.image.layer.v1.tar+gzip")
                .value().format, WasmFormat::kWasmOciVariant);  // by media type, not position
  EXPECT_FALSE(layerOf("application/octet-stream").isOk());
}

class FetcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-oci-test-" + hub::randomHex(6));
    hub::RegistryOptions ro;
    ro.data_dir = (dir_ / "hub").string();
    registry_ = std::move(hub::Registry::open(ro, nullptr)).value();
    handler_ = std::make_unique<FlakyHandler>(*registry_);
    hub::HttpServerOptions so;
    so.address = net::Address::parse("127.0.0.1:0").value();
    so.workers = 2;
    server_ = std::make_unique<hub::HttpServer>(so, *handler_);
    ASSERT_TRUE(server_->start().isOk());
    host_ = "127.0.0.1:" + std::to_string(server_->address().port());
  }
  void TearDown() override {
    server_->stop();
    fs::remove_all(dir_);
  }
  // Fails the first `failures_` requests with 503 + Retry-After: 0.
  class FlakyHandler : public hub::HttpHandler {
   public:
    explicit FlakyHandler(hub::HttpHandler& inner) : inner_(inner) {}
    std::unique_ptr<hub::RequestStream> onRequest(hub::HttpRequest& r, hub::HttpResponse& reply) override {
      requests.fetch_add(1);
      if (failures.load() > 0) {
        failures.fetch_sub(1);
        reply = hub::HttpResponse(503);
        reply.headers.set("retry-after", "0");
        return nullptr;
      }
      return inner_.onRequest(r, reply);
    }
    hub::HttpHandler& inner_;
    std::atomic<int> failures{0};
    std::atomic<int> requests{0};
  };

  std::string push(const std::string& repo_tag) {
    auto ref = parseReference(host_ + "/" + repo_tag).value();
    RegistryClient c(ref.registry, ClientOptions{});
    WasmArtifactInfo info;
    info.abi_versions = {"proxy_abi_version_0_2_1"};
    info.root_ids = {"r"};
    BuiltArtifact a = buildWasmArtifact(kModule, info);
    EXPECT_TRUE(c.pushBlob(ref.repository, a.config_digest, a.config.size(), "", &a.config).isOk());
    EXPECT_TRUE(c.pushBlob(ref.repository, a.module_digest, kModule.size(), "", &kModule).isOk());
    auto d = c.putManifest(ref.repository, ref.tag, a.manifest, "application/vnd.oci.image.manifest.v1+json");
    EXPECT_TRUE(d.isOk()) << d.status().toString();
    return d.isOk() ? *d : "";
  }

  ModuleFetcher fetcher() {
    ModuleFetcher::Options o;
    o.cache_dir = (dir_ / "cache").string();
    o.retry.initial_backoff = std::chrono::milliseconds(1);
    return ModuleFetcher(o);
  }

  fs::path dir_;
  std::unique_ptr<hub::Registry> registry_;
  std::unique_ptr<FlakyHandler> handler_;
  std::unique_ptr<hub::HttpServer> server_;
  std::string host_;
};

TEST_F(FetcherTest, FetchesByTagAndByDigestThenFromCache) {
  const std::string manifest = push("team/f:v1");
  auto f = fetcher();
  auto byTag = f.fetch({"oci://" + host_ + "/team/f:v1", ""});
  ASSERT_TRUE(byTag.isOk()) << byTag.status().toString();
  EXPECT_EQ(byTag->bytes, kModule);
  EXPECT_EQ(byTag->module_digest, sha256Digest(kModule));
  EXPECT_EQ(byTag->manifest_digest, manifest);
  EXPECT_FALSE(byTag->from_cache);
  auto pinned = f.fetch({"oci://" + host_ + "/team/f@" + manifest, sha256Hex(kModule)});
  ASSERT_TRUE(pinned.isOk()) << pinned.status().toString();
  EXPECT_TRUE(pinned->from_cache);  // no network for a pinned, cached module
  server_->stop();
  auto offline = f.fetch({"oci://" + host_ + "/team/f@" + manifest, ""});
  ASSERT_TRUE(offline.isOk()) << offline.status().toString();
  EXPECT_EQ(offline->bytes, kModule);
}

TEST_F(FetcherTest, WrongExpectedShaIsAnError) {
  push("team/f:v1");
  auto r = fetcher().fetch({"oci://" + host_ + "/team/f:v1", sha256Hex("other")});
  EXPECT_FALSE(r.isOk());
  EXPECT_FALSE(fetcher().fetch({"http://" + host_ + "/x.wasm", ""}).isOk());  // http needs sha256
  EXPECT_FALSE(fetcher().fetch({"ftp://x/y", ""}).isOk());
}

TEST_F(FetcherTest, RetriesHonouringRetryAfter) {
  push("team/f:v1");
  handler_->failures = 3;
  auto r = fetcher().fetch({"oci://" + host_ + "/team/f:v1", ""});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(handler_->failures.load(), 0);
  handler_->failures = 100;
  ModuleFetcher::Options o;
  o.cache_dir = (dir_ / "cache2").string();
  o.retry.max_attempts = 2;
  o.retry.initial_backoff = std::chrono::milliseconds(1);
  auto fail = ModuleFetcher(o).fetch({"oci://" + host_ + "/team/f:v1", ""});
  EXPECT_FALSE(fail.isOk());
  handler_->failures = 0;
}

TEST_F(FetcherTest, HttpUrlWithSha256) {
  push("team/f:v1");
  const std::string url = "http://" + host_ + "/v2/team/f/blobs/" + sha256Digest(kModule);
  auto r = fetcher().fetch({url, sha256Hex(kModule)});
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->bytes, kModule);
  auto again = fetcher().fetch({url, "sha256:" + sha256Hex(kModule)});
  EXPECT_TRUE(again->from_cache);
  EXPECT_FALSE(fetcher().fetch({url, sha256Hex("nope")}).isOk());
}

TEST_F(FetcherTest, ConcurrentFetchesFromSeveralThreads) {
  push("team/f:v1");
  auto f = fetcher();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      auto r = f.fetch({"oci://" + host_ + "/team/f:v1", ""});
      if (r.isOk() && r->bytes == kModule) ok.fetch_add(1);
      else ADD_FAILURE() << (r.isOk() ? std::string("wrong bytes") : r.status().toString());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

}  // namespace
}  // namespace weir::oci

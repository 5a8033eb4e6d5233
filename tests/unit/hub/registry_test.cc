// The registry's API behaviour, driven through Registry::onRequest with
// in-memory requests (no sockets), on a temp data directory.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "hub/gc.h"
#include "hub/registry.h"
#include "oci/digest.h"

namespace weir::hub {
namespace {

using nlohmann::json;

struct Reply {
  int status = 0;
  http::HeaderMap headers;
  std::string body;
  std::string header(std::string_view n) const { return std::string(headers.getOr(n)); }
  std::string code() const {
    auto j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("errors")) return "";
    return j["errors"][0]["code"].get<std::string>();
  }
};

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("weir-hub-test-" + randomHex(6));
    RegistryOptions o;
    o.data_dir = dir_.string();
    o.max_blob_bytes = 1024 * 1024;
    auto r = Registry::open(o, nullptr);
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    reg_ = std::move(r).value();
  }
  void TearDown() override {
    reg_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply request(const std::string& method, const std::string& target, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}, size_t piece = 0) {
    HttpRequest req;
    req.method = method;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    for (auto& [k, v] : headers) req.headers.add(k, v);
    req.content_length = body.size();
    req.has_body = !body.empty();
    HttpResponse reply;
    auto stream = reg_->onRequest(req, reply);
    if (stream) {
      if (piece == 0) piece = body.size() ? body.size() : 1;
      for (size_t off = 0; off < body.size(); off += piece) stream->onBody(std::string_view(body).substr(off, piece));
      reply = stream->onComplete();
    }
    Reply out;
    out.status = reply.status;
    out.headers = reply.headers;
    if (reply.source) {
      std::string s;
      while (s.size() < reply.source->length()) {
        if (reply.source->read(s, 65536) == 0) break;
      }
      out.body = s;
    } else {
      out.body = reply.body;
    }
    return out;
  }

  std::string pushBlob(const std::string& repo, const std::string& data) {
    std::string d = oci::sha256Digest(data);
    auto r = request("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + d, data);
    EXPECT_EQ(r.status, 201) << r.body;
    return d;
  }

  std::string imageManifest(const std::string& config, const std::vector<std::string>& layers,
                            const std::string& subject = "") {
    json m{{"schemaVersion", 2},
           {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
           {"config", {{"mediaType", "application/vnd.module.wasm.config.v1+json"},
                       {"digest", oci::sha256Digest(config)}, {"size", config.size()}}}};
    m["layers"] = json::array();
    for (auto& l : layers) {
      m["layers"].push_back({{"mediaType", "application/vnd.module.wasm.content.layer.v1+wasm"},
                             {"digest", oci::sha256Digest(l)}, {"size", l.size()}});
    }
    if (!subject.empty()) {
      m["subject"] = {{"mediaType", "application/vnd.oci.image.manifest.v1+json"}, {"digest", subject}, {"size", 10}};
      m["artifactType"] = "application/vnd.example.sig";
      m["annotations"] = {{"k", "v"}};
    }
    return m.dump();
  }

  Reply putManifest(const std::string& repo, const std::string& ref, const std::string& body,
                    const std::string& ct = "application/vnd.oci.image.manifest.v1+json") {
    return request("PUT", "/v2/" + repo + "/manifests/" + ref, body, {{"content-type", ct}});
  }

  std::filesystem::path dir_;
  std::unique_ptr<Registry> reg_;
};

TEST_F(RegistryTest, BaseEndpointAnswersWithApiVersion) {
  auto r = request("GET", "/v2/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("docker-distribution-api-version"), "registry/2.0");
}

TEST_F(RegistryTest, MonolithicUploadThenGetHeadAndRange) {
  std::string d = pushBlob("team/filter", "hello world");
  auto g = request("GET", "/v2/team/filter/blobs/" + d);
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, "hello world");
  EXPECT_EQ(g.header("docker-content-digest"), d);
  auto h = request("HEAD", "/v2/team/filter/blobs/" + d);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.header("content-length"), "11");
  auto rg = request("GET", "/v2/team/filter/blobs/" + d, "", {{"range", "bytes=6-"}});
  EXPECT_EQ(rg.status, 206);
  EXPECT_EQ(rg.body, "world");
  EXPECT_EQ(rg.header("content-range"), "bytes 6-10/11");
  auto bad = request("GET", "/v2/team/filter/blobs/" + d, "", {{"range", "bytes=50-60"}});
  EXPECT_EQ(bad.status, 416);
  // Not linked to another repository.
  EXPECT_EQ(request("GET", "/v2/other/blobs/" + d).status, 404);
}

TEST_F(RegistryTest, ChunkedUploadInOrderAndOutOfOrder) {
  auto p = request("POST", "/v2/r/blobs/uploads/");
  ASSERT_EQ(p.status, 202);
  std::string loc = p.header("location");
  EXPECT_EQ(p.header("range"), "0-0");
  auto c1 = request("PATCH", loc, "abc", {{"content-range", "0-2"}});
  EXPECT_EQ(c1.status, 202);
  EXPECT_EQ(c1.header("range"), "0-2");
  auto ooo = request("PATCH", loc, "xyz", {{"content-range", "5-7"}});
  EXPECT_EQ(ooo.status, 416);
  EXPECT_EQ(ooo.header("range"), "0-2");
  auto c2 = request("PATCH", loc, "def", {{"content-range", "3-5"}});
  EXPECT_EQ(c2.status, 202);
  auto st = request("GET", loc);
  EXPECT_EQ(st.status, 204);
  EXPECT_EQ(st.header("range"), "0-5");
  std::string d = oci::sha256Digest("abcdefgh");
  auto fin = request("PUT", loc + "?digest=" + d, "gh");
  EXPECT_EQ(fin.status, 201) << fin.body;
  EXPECT_EQ(request("GET", "/v2/r/blobs/" + d).body, "abcdefgh");
  EXPECT_EQ(request("GET", loc).status, 404);  // session is gone
}

TEST_F(RegistryTest, WrongDigestIsRejectedAndNothingStored) {
  std::string wrong = oci::sha256Digest("something else");
  auto r = request("POST", "/v2/r/blobs/uploads/?digest=" + wrong, "payload");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "DIGEST_INVALID");
  EXPECT_EQ(request("HEAD", "/v2/r/blobs/" + wrong).status, 404);
  auto id = oci::parseDigest(oci::sha256Digest("payload"));
  EXPECT_FALSE(reg_->blobs().exists(*id));
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "uploads"));
}

TEST_F(RegistryTest, OversizedUploadIsRejected) {
  std::string big(1024 * 1024 + 1, 'x');
  auto r = request("POST", "/v2/r/blobs/uploads/?digest=" + oci::sha256Digest(big), big, {}, 65536);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.code(), "SIZE_INVALID");
  EXPECT_TRUE(std::filesystem::is_empty(dir_ / "uploads"));
}

TEST_F(RegistryTest, InvalidNamesDigestsAndTraversalAreRejected) {
  EXPECT_EQ(request("GET", "/v2/Upper/blobs/" + oci::sha256Digest("x")).code(), "NAME_INVALID");
  EXPECT_EQ(request("GET", "/v2/a/../../etc/blobs/" + oci::sha256Digest("x")).code(), "NAME_INVALID");
  EXPECT_EQ(request("GET", "/v2/a/%2e%2e/b/manifests/latest").code(), "NAME_INVALID");
  EXPECT_EQ(request("GET", "/v2/a/blobs/sha256:../../../etc/passwd").status, 404);
  EXPECT_EQ(request("GET", "/v2/a/blobs/sha256:..%2f..%2fetc").code(), "DIGEST_INVALID");
  EXPECT_EQ(request("GET", "/v2/a/blobs/md5:abc").code(), "DIGEST_INVALID");
  EXPECT_EQ(request("GET", "/v2/a/manifests/bad..tag/x").status, 404);
  EXPECT_EQ(request("PATCH", "/v2/a/blobs/uploads/../../x").status, 404);
}

TEST_F(RegistryTest, ManifestPutGetByTagAndDigestAndDelete) {
  std::string cfg = "{\"abiVersions\":[\"v0.2.1\"]}";
  std::string mod = std::string("\0asm\1\0\0\0", 8);
  pushBlob("f", cfg);
  pushBlob("f", mod);
  std::string m = imageManifest(cfg, {mod});
  auto p = putManifest("f", "v1", m);
  ASSERT_EQ(p.status, 201) << p.body;
  std::string d = p.header("docker-content-digest");
  EXPECT_EQ(d, oci::sha256Digest(m));
  auto g = request("GET", "/v2/f/manifests/v1");
  EXPECT_EQ(g.status, 200);
  EXPECT_EQ(g.body, m);
  EXPECT_EQ(g.header("content-type"), "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(request("GET", "/v2/f/manifests/" + d).body, m);
  EXPECT_EQ(request("HEAD", "/v2/f/manifests/" + d).header("content-length"), std::to_string(m.size()));
  auto tags = json::parse(request("GET", "/v2/f/tags/list").body);
  EXPECT_EQ(tags["tags"], json::array({"v1"}));
  EXPECT_EQ(request("DELETE", "/v2/f/manifests/v1").status, 202);  // tag only
  EXPECT_EQ(request("GET", "/v2/f/manifests/v1").status, 404);
  EXPECT_EQ(request("GET", "/v2/f/manifests/" + d).status, 200);
  EXPECT_EQ(request("DELETE", "/v2/f/manifests/" + d).status, 202);
  EXPECT_EQ(request("GET", "/v2/f/manifests/" + d).code(), "MANIFEST_UNKNOWN");
}

TEST_F(RegistryTest, ManifestWithMissingBlobOrBadJsonIsRejected) {
  std::string cfg = "{}";
  pushBlob("f", cfg);
  auto r = putManifest("f", "v1", imageManifest(cfg, {"never pushed"}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "MANIFEST_BLOB_UNKNOWN");
  EXPECT_EQ(putManifest("f", "v1", "{not json").code(), "MANIFEST_INVALID");
  EXPECT_EQ(putManifest("f", "v1", "{\"schemaVersion\":1}").code(), "MANIFEST_INVALID");
  EXPECT_EQ(putManifest("f", "v1", imageManifest(cfg, {}), "application/vnd.oci.image.index.v1+json").code(),
            "MANIFEST_INVALID");
  std::string deep(200, '[');
  EXPECT_EQ(putManifest("f", "v1", deep).code(), "MANIFEST_INVALID");
  EXPECT_EQ(putManifest("f", oci::sha256Digest("other"), imageManifest(cfg, {})).code(), "DIGEST_INVALID");
  EXPECT_EQ(request("GET", "/v2/f/manifests/v1").status, 404);
}

TEST_F(RegistryTest, IndexAndDockerTypesAreStoredAsIs) {
  std::string cfg = "{}";
  pushBlob("f", cfg);
  std::string m = imageManifest(cfg, {});
  auto p = putManifest("f", "img", m);
  ASSERT_EQ(p.status, 201);
  json idx{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
           {"manifests", {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                           {"digest", p.header("docker-content-digest")}, {"size", m.size()},
                           {"platform", {{"architecture", "wasm"}, {"os", "wasip1"}}}}}}};
  EXPECT_EQ(putManifest("f", "idx", idx.dump(), "application/vnd.oci.image.index.v1+json").status, 201);
  json dm{{"schemaVersion", 2}, {"mediaType", "application/vnd.docker.distribution.manifest.v2+json"},
          {"config", {{"mediaType", "application/vnd.docker.container.image.v1+json"},
                      {"digest", oci::sha256Digest(cfg)}, {"size", 2}}},
          {"layers", json::array()}};
  EXPECT_EQ(putManifest("f", "docker", dm.dump(), "application/vnd.docker.distribution.manifest.v2+json").status, 201);
  EXPECT_EQ(request("GET", "/v2/f/manifests/docker").header("content-type"),
            "application/vnd.docker.distribution.manifest.v2+json");
  json bad_idx{{"schemaVersion", 2}, {"mediaType", "application/vnd.oci.image.index.v1+json"},
               {"manifests", {{{"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                               {"digest", oci::sha256Digest("nope")}, {"size", 3}}}}};
  EXPECT_EQ(putManifest("f", "bad", bad_idx.dump(), "application/vnd.oci.image.index.v1+json").status, 400);
}

TEST_F(RegistryTest, TagsPaginate) {
  std::string cfg = "{}";
  pushBlob("p", cfg);
  std::string m = imageManifest(cfg, {});
  for (const char* t : {"c", "a", "b", "d"}) ASSERT_EQ(putManifest("p", t, m).status, 201);
  auto r = request("GET", "/v2/p/tags/list?n=2");
  EXPECT_EQ(json::parse(r.body)["tags"], json::array({"a", "b"}));
  EXPECT_EQ(r.header("link"), "</v2/p/tags/list?n=2&last=b>; rel=\"next\"");
  r = request("GET", "/v2/p/tags/list?n=2&last=b");
  EXPECT_EQ(json::parse(r.body)["tags"], json::array({"c", "d"}));
  EXPECT_EQ(r.header("link"), "");
  EXPECT_EQ(json::parse(request("GET", "/v2/p/tags/list?n=0").body)["tags"], json::array());
  EXPECT_EQ(request("GET", "/v2/unknown/tags/list").code(), "NAME_UNKNOWN");
  auto cat = json::parse(request("GET", "/v2/_catalog").body);
  EXPECT_EQ(cat["repositories"], json::array({"p"}));
}

TEST_F(RegistryTest, ReferrersWithArtifactTypeFilterAndSubjectHeader) {
  std::string cfg = "{}";
  pushBlob("s", cfg);
  std::string subject = oci::sha256Digest("a subject never pushed");
  auto p = putManifest("s", oci::sha256Digest(imageManifest(cfg, {}, subject)), imageManifest(cfg, {}, subject));
  ASSERT_EQ(p.status, 201) << p.body;
  EXPECT_EQ(p.header("oci-subject"), subject);
  auto r = request("GET", "/v2/s/referrers/" + subject);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/vnd.oci.image.index.v1+json");
  auto idx = json::parse(r.body);
  ASSERT_EQ(idx["manifests"].size(), 1u);
  EXPECT_EQ(idx["manifests"][0]["artifactType"], "application/vnd.example.sig");
  EXPECT_EQ(idx["manifests"][0]["annotations"]["k"], "v");
  auto f = request("GET", "/v2/s/referrers/" + subject + "?artifactType=application/other");
  EXPECT_EQ(json::parse(f.body)["manifests"].size(), 0u);
  EXPECT_EQ(f.header("oci-filters-applied"), "artifactType");
  EXPECT_EQ(json::parse(request("GET", "/v2/s/referrers/" + oci::sha256Digest("none")).body)["manifests"].size(), 0u);
}

TEST_F(RegistryTest, CrossRepositoryMount) {
  std::string d = pushBlob("src", "shared layer");
  auto m = request("POST", "/v2/dst/blobs/uploads/?mount=" + d + "&from=src");
  EXPECT_EQ(m.status, 201);
  EXPECT_EQ(m.header("location"), "/v2/dst/blobs/" + d);
  EXPECT_EQ(request("GET", "/v2/dst/blobs/" + d).body, "shared layer");
  auto miss = request("POST", "/v2/dst/blobs/uploads/?mount=" + oci::sha256Digest("x") + "&from=src");
  EXPECT_EQ(miss.status, 202);  // falls back to an upload session
}

TEST_F(RegistryTest, BlobDeleteUnlinks) {
  std::string d = pushBlob("r", "bytes");
  EXPECT_EQ(request("DELETE", "/v2/r/blobs/" + d).status, 202);
  EXPECT_EQ(request("GET", "/v2/r/blobs/" + d).status, 404);
  EXPECT_EQ(request("DELETE", "/v2/r/blobs/" + d).status, 404);
}

TEST_F(RegistryTest, InterruptedPatchLeavesSessionAsBefore) {
  auto p = request("POST", "/v2/r/blobs/uploads/");
  std::string loc = p.header("location");
  ASSERT_EQ(request("PATCH", loc, "abc").status, 202);
  {
    HttpRequest req;
    req.method = "PATCH";
    req.path = loc;
    req.has_body = true;
    HttpResponse reply;
    auto stream = reg_->onRequest(req, reply);
    ASSERT_TRUE(stream);
    stream->onBody("partial");
    stream->onAbort();
  }
  EXPECT_EQ(request("GET", loc).header("range"), "0-2");
  std::string d = oci::sha256Digest("abcdef");
  EXPECT_EQ(request("PUT", loc + "?digest=" + d, "def").status, 201);
}

TEST_F(RegistryTest, GcRemovesOnlyUnreferencedBlobs) {
  std::string cfg = "{}";
  std::string c = pushBlob("g", cfg);
  std::string orphan = pushBlob("g", "nobody references me");
  ASSERT_EQ(putManifest("g", "v1", imageManifest(cfg, {})).status, 201);
  GcOptions o;
  o.grace_seconds = 3600;
  auto r0 = runGc(reg_->metadata(), reg_->blobs(), o);
  ASSERT_TRUE(r0.isOk());
  EXPECT_EQ(r0->blobs_removed, 0u);  // still within the grace period
  o.grace_seconds = -10;
  auto r = runGc(reg_->metadata(), reg_->blobs(), o);
  ASSERT_TRUE(r.isOk()) << r.status().toString();
  EXPECT_EQ(r->blobs_removed, 1u);
  EXPECT_EQ(request("GET", "/v2/g/blobs/" + orphan).status, 404);
  EXPECT_FALSE(reg_->blobs().exists(*oci::parseDigest(orphan)));
  EXPECT_EQ(request("GET", "/v2/g/blobs/" + c).status, 200);
  EXPECT_EQ(request("GET", "/v2/g/manifests/v1").status, 200);
}

TEST_F(RegistryTest, TrashIsRecoveredAfterInterruptedGc) {
  std::string d = pushBlob("g", "keep me");
  auto pd = oci::parseDigest(d);
  auto t = reg_->blobs().moveToTrash(*pd);  // as if gc crashed before its COMMIT
  ASSERT_TRUE(t.isOk());
  ASSERT_FALSE(reg_->blobs().exists(*pd));
  ASSERT_TRUE(recoverTrash(reg_->metadata(), reg_->blobs()).isOk());
  EXPECT_TRUE(reg_->blobs().exists(*pd));
  EXPECT_EQ(request("GET", "/v2/g/blobs/" + d).body, "keep me");
}

TEST_F(RegistryTest, TruncatedBlobFileIsNeverServed) {
  std::string d = pushBlob("c", "0123456789");
  auto pd = oci::parseDigest(d);
  std::filesystem::resize_file(reg_->blobs().blobPath(*pd), 4);
  EXPECT_EQ(request("GET", "/v2/c/blobs/" + d).status, 404);
}

}  // namespace
}  // namespace weir::hub

// The hub's front end in process (no sockets): pages, forms with their CSRF
// checks, the JSON API and the registry hooks, so the sanitizer build covers
// the HTML and API code paths too. The same flows over real sockets and a
// real browser: tests/integration/test_hub_accounts.py.
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "hub/accounts.h"
#include "hub/blob_store.h"
#include "hub/password.h"
#include "hub/registry.h"
#include "hub/web_ui.h"
#include "oci/digest.h"
#include "oci/wasm_image.h"

namespace weir::hub {
namespace {

struct Reply {
  int status = 0;
  http::HeaderMap headers;
  std::string body;
};

class WebUiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("weir-webui-test-" + randomHex(6));
    RegistryOptions o;
    o.data_dir = dir_.string();
    auto r = Registry::open(o, nullptr);
    ASSERT_TRUE(r.isOk()) << r.status().toString();
    reg_ = std::move(r).value();
    AccountsOptions ao;
    ao.kdf_iterations = kMinPbkdf2Iterations;
    accounts_ = std::make_unique<Accounts>(*reg_->metadata().accounts(), ao);
    reg_->setAuthorizer(makePolicyAuthorizer(AuthOptions{}, makeAccountsPolicy(*accounts_)));
    fe_ = std::make_unique<HubFrontend>(*reg_, *accounts_, FrontendOptions{"hub.test", false});
  }
  void TearDown() override {
    fe_.reset();
    accounts_.reset();
    reg_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply request(const std::string& method, const std::string& target, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest req;
    req.method = method;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.remote = "127.0.0.1:4000";
    req.headers.setAuthority("hub.test");
    for (auto& [k, v] : headers) req.headers.add(k, v);
    req.content_length = body.size();
    req.has_body = !body.empty();
    HttpResponse reply;
    auto stream = fe_->onRequest(req, reply);
    if (stream) {
      if (!body.empty()) stream->onBody(body);
      reply = stream->onComplete();
    }
    return Reply{reply.status, reply.headers, reply.body};
  }

  static std::string basic(const std::string& userpass) { return "Basic " + base64Encode(userpass); }

  // Pushes a small Wasm artifact as `user` through the registry API.
  void push(const std::string& user, const std::string& password, const std::string& repo,
            const std::string& description, const std::string& readme) {
    const std::string module("\0asm\1\0\0\0", 8);
    oci::WasmArtifactInfo info;
    info.abi_versions = {"proxy_abi_version_0_2_1"};
    info.root_ids = {"root_a"};
    info.language = "c";
    info.description = description;
    info.readme = readme;
    oci::BuiltArtifact art = oci::buildWasmArtifact(module, info);
    const auto auth = std::make_pair(std::string("authorization"), basic(user + ":" + password));
    for (const std::string* blob : std::initializer_list<const std::string*>{&module, &art.config}) {
      Reply r = request("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + oci::sha256Digest(*blob), *blob, {auth});
      ASSERT_EQ(r.status, 201) << r.body;
    }
    Reply m = request("PUT", "/v2/" + repo + "/manifests/v1", art.manifest,
                      {auth, {"content-type", "application/vnd.oci.image.manifest.v1+json"}});
    ASSERT_EQ(m.status, 201) << m.body;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Registry> reg_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<HubFrontend> fe_;
};

TEST_F(WebUiTest, SignUpNeedsTheDoubleSubmitCookieAndStartsASession) {
  Reply page = request("GET", "/signup");
  ASSERT_EQ(page.status, 200);
  const std::string set = std::string(page.headers.getOr("set-cookie"));
  ASSERT_EQ(set.rfind("weir_pre=", 0), 0u) << set;
  const std::string pre = set.substr(9, 32);
  EXPECT_NE(page.body.find("value=\"" + pre + "\""), std::string::npos);
  const std::string form = "username=alice&password=long-password&csrf=";
  EXPECT_EQ(request("POST", "/signup", form + "0123", {{"cookie", "weir_pre=" + pre}}).status, 403);
  EXPECT_EQ(request("POST", "/signup", form + pre).status, 403);  // no cookie
  Reply ok = request("POST", "/signup", form + pre, {{"cookie", "weir_pre=" + pre}});
  ASSERT_EQ(ok.status, 303);
  EXPECT_EQ(ok.headers.getOr("location"), "/u/alice");
  bool session = false;
  for (auto c : ok.headers.getAll("set-cookie")) {
    if (c.rfind("weir_session=", 0) == 0) {
      session = true;
      EXPECT_NE(c.find("HttpOnly"), std::string_view::npos);
      EXPECT_NE(c.find("SameSite=Lax"), std::string_view::npos);
    }
  }
  EXPECT_TRUE(session);
}

TEST_F(WebUiTest, PushedRepositoryIsSearchableAndRendered) {
  ASSERT_TRUE(accounts_->signUp("alice", "alice-password", 1).isOk());
  push("alice", "alice-password", "alice/hdr", "Adds <b>headers</b>", "# Hdr\n\nUse `it`.\n");
  Reply search = request("GET", "/api/v1/search?q=headers&abi=0_2_1&language=c");
  ASSERT_EQ(search.status, 200);
  auto j = nlohmann::json::parse(search.body);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["name"], "alice/hdr");
  Reply page = request("GET", "/r/alice/hdr");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("Adds &lt;b&gt;headers&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(page.body.find("<h1>Hdr</h1>"), std::string::npos);
  EXPECT_NE(page.body.find("weir deploy hub.test/alice/hdr:v1 --admin http://127.0.0.1:9901 --name hdr"),
            std::string::npos);
  EXPECT_NE(page.body.find("<td>root_a</td>"), std::string::npos);
  EXPECT_NE(page.headers.getOr("content-security-policy").find("default-src 'none'"), std::string_view::npos);
  EXPECT_EQ(request("GET", "/v2/alice/hdr/manifests/v1").status, 200);  // anonymous pull of a public repo
  EXPECT_EQ(nlohmann::json::parse(request("GET", "/api/v1/repositories/alice/hdr").body)["pulls"], 1);
  Reply home = request("GET", "/");
  EXPECT_NE(home.body.find("href=\"/r/alice/hdr\""), std::string::npos);
}

TEST_F(WebUiTest, PrivateRepositoryDisappearsForOthers) {
  ASSERT_TRUE(accounts_->signUp("alice", "alice-password", 1).isOk());
  ASSERT_TRUE(accounts_->signUp("bob", "bob-password", 1).isOk());
  push("alice", "alice-password", "alice/priv", "secret stuff", "");
  Reply set = request("POST", "/api/v1/settings/alice/priv", R"({"private": true})",
                      {{"authorization", basic("alice:alice-password")}});
  ASSERT_EQ(set.status, 200) << set.body;
  for (const auto& who : {std::string(), basic("bob:bob-password")}) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!who.empty()) h.push_back({"authorization", who});
    EXPECT_EQ(request("GET", "/r/alice/priv", "", h).status, 404);
    EXPECT_EQ(request("GET", "/api/v1/repositories/alice/priv", "", h).status, 404);
    EXPECT_EQ(request("GET", "/api/v1/search?q=secret", "", h).body.find("alice/priv"), std::string::npos);
    EXPECT_NE(request("GET", "/v2/alice/priv/manifests/v1", "", h).status, 200);
  }
  EXPECT_EQ(request("GET", "/v2/_catalog").body.find("alice/priv"), std::string::npos);
  EXPECT_EQ(request("GET", "/r/alice/priv", "", {{"authorization", basic("alice:alice-password")}}).status, 200);
}

TEST_F(WebUiTest, SessionFormsAndApiWritesCheckCsrf) {
  ASSERT_TRUE(accounts_->signUp("carol", "carol-password", 1).isOk());
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto id = accounts_->startSession("carol", now);
  ASSERT_TRUE(id.isOk());
  const auto cookie = std::make_pair(std::string("cookie"), "weir_session=" + *id);
  const std::string csrf = Accounts::csrfToken(*id);
  EXPECT_EQ(request("POST", "/settings/tokens", "name=x&scope=pull&csrf=bad", {cookie}).status, 403);
  Reply made = request("POST", "/settings/tokens", "name=x&scope=pull&csrf=" + csrf, {cookie});
  ASSERT_EQ(made.status, 200);
  EXPECT_NE(made.body.find("weir_"), std::string::npos);
  EXPECT_EQ(request("POST", "/settings/tokens", "name=y&scope=pull&csrf=" + csrf,
                    {cookie, {"origin", "http://evil.example"}}).status, 403);
  EXPECT_EQ(request("POST", "/api/v1/orgs", R"({"name":"carol-org"})", {cookie}).status, 403);
  EXPECT_EQ(request("POST", "/api/v1/orgs", R"({"name":"carol-org"})", {cookie, {"x-csrf-token", csrf}}).status, 201);
  Reply org = request("GET", "/u/carol-org", "", {cookie});
  ASSERT_EQ(org.status, 200);
  EXPECT_NE(org.body.find("carol</a> (owner)"), std::string::npos);
  Reply out = request("POST", "/logout", "csrf=" + csrf, {cookie});
  EXPECT_EQ(out.status, 303);
  EXPECT_FALSE(accounts_->sessionUser(*id, now).has_value());
}

}  // namespace
}  // namespace weir::hub

// htpasswd (bcrypt) verification, Basic and the Docker token flow.
#include <gtest/gtest.h>

#include <crypt.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "hub/auth.h"
#include "hub/blob_store.h"

namespace weir::hub {
namespace {

std::string bcrypt(const std::string& password, const char* prefix = "$2y$") {
  char salt[64];
  const char* s = crypt_gensalt_rn(prefix, 5, nullptr, 0, salt, sizeof salt);
  struct crypt_data data;
  std::memset(&data, 0, sizeof data);
  return crypt_r(password.c_str(), s, &data);
}

std::string basic(const std::string& userpass) {
  std::string out(4 * ((userpass.size() + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(userpass.data()),
                  static_cast<int>(userpass.size()));
  return "Basic " + out;
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("weir-htpasswd-" + randomHex(6));
    std::ofstream(path_) << "alice:" << bcrypt("s3cret") << "\nbob:" << bcrypt("hunter2", "$2b$") << "\n";
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::unique_ptr<Authorizer> make(bool anonymous_pull, bool token = true) {
    AuthOptions o;
    o.htpasswd_path = path_.string();
    o.allow_anonymous_pull = anonymous_pull;
    o.token_auth = token;
    auto a = makeHtpasswdAuthorizer(o);
    EXPECT_TRUE(a.isOk()) << a.status().toString();
    return std::move(a).value();
  }
  static HttpRequest req(const std::string& auth = "") {
    HttpRequest r;
    r.method = "GET";
    r.path = "/v2/";
    r.headers.setAuthority("hub.test:5000");
    if (!auth.empty()) r.headers.add("authorization", auth);
    return r;
  }
  std::filesystem::path path_;
};

TEST_F(AuthTest, VerifiesBcrypt2yAnd2bHashes) {
  EXPECT_TRUE(verifyPassword("s3cret", bcrypt("s3cret")));
  EXPECT_TRUE(verifyPassword("hunter2", bcrypt("hunter2", "$2b$")));
  EXPECT_FALSE(verifyPassword("wrong", bcrypt("s3cret")));
  EXPECT_FALSE(verifyPassword("x", ""));
}

TEST_F(AuthTest, BasicCredentialsAllowPushAndBadOnesAreChallenged) {
  auto a = make(false, false);
  EXPECT_FALSE(a->authorize(req(basic("alice:s3cret")), "r", "push"));
  auto denied = a->authorize(req(basic("alice:nope")), "r", "push");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(denied->headers.getOr("www-authenticate"), "Basic realm=\"weir-hub\"");
}

TEST_F(AuthTest, AnonymousPullOnlyWhenAllowed) {
  auto closed = make(false);
  auto r = closed->authorize(req(), "team/f", "pull");
  ASSERT_TRUE(r);
  EXPECT_EQ(std::string(r->headers.getOr("www-authenticate")),
            "Bearer realm=\"http://hub.test:5000/token\",service=\"weir-hub\",scope=\"repository:team/f:pull\"");
  auto open = make(true);
  EXPECT_FALSE(open->authorize(req(), "team/f", "pull"));
  EXPECT_TRUE(open->authorize(req(), "team/f", "push"));  // pushes always need credentials
}

TEST_F(AuthTest, TokenFlowGrantsIntersectionOfRequestedAndAllowed) {
  auto a = make(true);
  HttpRequest t = req(basic("alice:s3cret"));
  t.path = "/token";
  t.query = "service=weir-hub&scope=repository:team/f:pull,push";
  auto tok = a->tokenEndpoint(t, "");
  ASSERT_TRUE(tok);
  ASSERT_EQ(tok->status, 200);
  auto j = nlohmann::json::parse(tok->body);
  std::string token = j["token"];
  EXPECT_GE(j["expires_in"].get<int>(), 60);
  EXPECT_FALSE(a->authorize(req("Bearer " + token), "team/f", "push"));
  auto other = a->authorize(req("Bearer " + token), "team/other", "push");
  ASSERT_TRUE(other);
  EXPECT_NE(std::string(other->headers.getOr("www-authenticate")).find("insufficient_scope"), std::string::npos);
  // Anonymous: pull only.
  HttpRequest anon = req();
  anon.path = "/token";
  anon.query = "scope=repository:team/f:pull,push";
  auto at = nlohmann::json::parse(a->tokenEndpoint(anon, "")->body)["token"].get<std::string>();
  EXPECT_FALSE(a->authorize(req("Bearer " + at), "team/f", "pull"));
  EXPECT_TRUE(a->authorize(req("Bearer " + at), "team/f", "push"));
  // A tampered token is worthless.
  std::string bad = token;
  bad[bad.size() / 3] = bad[bad.size() / 3] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(a->authorize(req("Bearer " + bad), "team/f", "push").has_value());
  // Wrong password at the token endpoint.
  HttpRequest wrong = req(basic("alice:x"));
  wrong.path = "/token";
  EXPECT_EQ(a->tokenEndpoint(wrong, "")->status, 401);
}

TEST_F(AuthTest, OAuthPasswordGrant) {
  auto a = make(false);
  HttpRequest t = req();
  t.method = "POST";
  t.path = "/token";
  auto r = a->tokenEndpoint(t, "grant_type=password&username=bob&password=hunter2&service=weir-hub&scope=repository%3Ax%3Apush");
  ASSERT_EQ(r->status, 200);
  auto j = nlohmann::json::parse(r->body);
  EXPECT_TRUE(j.contains("refresh_token"));
  EXPECT_FALSE(a->authorize(req("Bearer " + j["access_token"].get<std::string>()), "x", "push"));
}

}  // namespace
}  // namespace weir::hub

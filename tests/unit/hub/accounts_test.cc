// Hub accounts against a real SQLite store: password hashing, sign-up, API
// tokens and their scopes, sessions, organizations and the permission rules,
// the login rate limit, and the token flow over the accounts policy.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "hub/accounts.h"
#include "hub/blob_store.h"
#include "hub/metadata_store.h"
#include "hub/password.h"
#include "oci/digest.h"

namespace weir::hub {
namespace {

constexpr int kFastIterations = 1000;

TEST(PasswordTest, HashesVerifyAndCarryTheirParameters) {
  const std::string h = hashPassword("correct horse", kFastIterations);
  EXPECT_EQ(h.rfind("pbkdf2-sha256$1000$", 0), 0u) << h;
  EXPECT_TRUE(verifyPasswordHash("correct horse", h));
  EXPECT_FALSE(verifyPasswordHash("correct horsf", h));
  EXPECT_NE(h, hashPassword("correct horse", kFastIterations));  // per-hash salt
}

TEST(PasswordTest, RejectsMalformedHashes) {
  EXPECT_FALSE(verifyPasswordHash("x", ""));
  EXPECT_FALSE(verifyPasswordHash("x", "pbkdf2-sha256$1000$"));
  EXPECT_FALSE(verifyPasswordHash("x", "pbkdf2-sha256$0$AAAA$AAAA"));
  EXPECT_FALSE(verifyPasswordHash("x", "md5$1000$AAAA$AAAA"));
  EXPECT_FALSE(verifyPasswordHash("x", "pbkdf2-sha256$99999999999$AAAA$AAAA"));
}

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("weir-accounts-" + randomHex(6));
    std::filesystem::create_directories(dir_);
    auto s = openSqliteMetadataStore((dir_ / "meta.db").string());
    ASSERT_TRUE(s.isOk()) << s.status().toString();
    meta_ = std::move(s).value();
    ASSERT_NE(meta_->accounts(), nullptr);
    AccountsOptions o;
    o.kdf_iterations = kFastIterations;
    o.max_failures = 3;
    accounts_ = std::make_unique<Accounts>(*meta_->accounts(), o);
    ASSERT_TRUE(accounts_->signUp("alice", "alice-password", 1).isOk());
    ASSERT_TRUE(accounts_->signUp("bob", "bob-password", 1).isOk());
  }
  void TearDown() override {
    accounts_.reset();
    meta_.reset();
    std::filesystem::remove_all(dir_);
  }
  AccountStore& store() { return *meta_->accounts(); }
  void pushed(const std::string& repo, bool is_private) {
    RepoRecord r;
    r.name = repo;
    r.owner = Accounts::ownerOf(repo);
    r.latest_tag = "v1";
    ASSERT_TRUE(store().recordPush(r).isOk());
    ASSERT_TRUE(store().setRepoSettings(repo, "", is_private).isOk());
  }
  std::filesystem::path dir_;
  std::unique_ptr<MetadataStore> meta_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_F(AccountsTest, SignUpValidatesNamesPasswordsAndUniqueness) {
  EXPECT_EQ(accounts_->signUp("alice", "another-password", 2).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(accounts_->signUp("Alice", "long-enough", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(accounts_->signUp("a--b", "long-enough", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(accounts_->signUp("-ab", "long-enough", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(accounts_->signUp("carol", "short", 2).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(accounts_->createOrg("acme", "alice", 2).isOk());
  EXPECT_EQ(accounts_->signUp("acme", "long-enough", 2).code(), StatusCode::kFailedPrecondition);
}

TEST_F(AccountsTest, NoPlaintextSecretIsStored) {
  auto a = store().account("alice");
  ASSERT_TRUE(a.isOk() && *a);
  EXPECT_EQ((*a)->password_hash.find("alice-password"), std::string::npos);
  EXPECT_EQ((*a)->password_hash.rfind("pbkdf2-sha256$", 0), 0u);
  auto token = accounts_->createToken("alice", "ci", {"pull"}, 5);
  ASSERT_TRUE(token.isOk());
  auto rows = store().tokens("alice");
  ASSERT_TRUE(rows.isOk());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].secret_hash, oci::sha256Hex(*token));
  EXPECT_EQ((*rows)[0].secret_hash.find(token->substr(5)), std::string::npos);
  auto session = accounts_->startSession("alice", 5);
  ASSERT_TRUE(session.isOk());
  EXPECT_FALSE(store().session(*session, 5)->has_value());  // looked up only by hash
  EXPECT_TRUE(store().session(oci::sha256Hex(*session), 5)->has_value());
}

TEST_F(AccountsTest, LoginWithPasswordOrTokenOfTheSameUser) {
  Identity who;
  EXPECT_EQ(accounts_->login("alice", "alice-password", "10.0.0.1", who), CredentialCheck::kOk);
  EXPECT_TRUE(who.scopes.empty());
  EXPECT_EQ(accounts_->login("alice", "wrong-password", "10.0.0.1", who), CredentialCheck::kBad);
  EXPECT_EQ(accounts_->login("nobody", "whatever-pass", "10.0.0.1", who), CredentialCheck::kBad);
  auto token = accounts_->createToken("alice", "ci", {"pull", "push"}, 5);
  ASSERT_TRUE(token.isOk());
  EXPECT_EQ(token->rfind("weir_", 0), 0u);
  EXPECT_EQ(token->size(), 5u + 64u);
  EXPECT_EQ(accounts_->login("alice", *token, "10.0.0.1", who), CredentialCheck::kOk);
  EXPECT_EQ(who.scopes, (std::vector<std::string>{"pull", "push"}));
  EXPECT_EQ(accounts_->login("bob", *token, "10.0.0.1", who), CredentialCheck::kBad);
  auto list = store().tokens("alice");
  ASSERT_TRUE(store().deleteToken("alice", (*list)[0].id).value());
  EXPECT_EQ(accounts_->login("alice", *token, "10.0.0.1", who), CredentialCheck::kBad);
}

TEST_F(AccountsTest, FailedLoginsAreRateLimitedPerUserAndAddress) {
  Identity who;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(accounts_->login("bob", "nope-nope", "10.0.0.9", who), CredentialCheck::kBad);
  // Even the right password is refused now, without being checked.
  EXPECT_EQ(accounts_->login("bob", "bob-password", "10.0.0.9", who), CredentialCheck::kRateLimited);
  // Another address, or another user from that address, is not affected.
  EXPECT_EQ(accounts_->login("bob", "bob-password", "10.0.0.10", who), CredentialCheck::kOk);
  EXPECT_EQ(accounts_->login("alice", "alice-password", "10.0.0.9", who), CredentialCheck::kOk);
}

TEST_F(AccountsTest, TokenScopesAreValidated) {
  EXPECT_FALSE(accounts_->createToken("alice", "x", {}, 1).isOk());
  EXPECT_FALSE(accounts_->createToken("alice", "x", {"admin"}, 1).isOk());
  EXPECT_FALSE(accounts_->createToken("alice", "", {"pull"}, 1).isOk());
}

TEST_F(AccountsTest, PermissionsFollowOwnershipVisibilityAndScopes) {
  ASSERT_TRUE(accounts_->createOrg("acme", "alice", 1).isOk());
  ASSERT_TRUE(store().setMember(Membership{"acme", "bob", "member"}).isOk());
  pushed("alice/pub", false);
  pushed("alice/secret", true);
  pushed("acme/tool", true);
  Identity alice{"alice", {}}, bob{"bob", {}}, carol{"carol", {}};
  EXPECT_TRUE(accounts_->mayRead(nullptr, "alice/pub"));
  EXPECT_FALSE(accounts_->mayRead(nullptr, "alice/secret"));
  EXPECT_FALSE(accounts_->mayRead(&bob, "alice/secret"));
  EXPECT_TRUE(accounts_->mayRead(&alice, "alice/secret"));
  EXPECT_TRUE(accounts_->mayRead(&bob, "acme/tool"));   // member
  EXPECT_FALSE(accounts_->mayRead(&carol, "acme/tool"));
  EXPECT_TRUE(accounts_->mayPush(&alice, "alice/new"));
  EXPECT_FALSE(accounts_->mayPush(&bob, "alice/pub"));
  EXPECT_FALSE(accounts_->mayPush(nullptr, "alice/pub"));
  EXPECT_TRUE(accounts_->mayPush(&bob, "acme/tool"));
  EXPECT_FALSE(accounts_->mayPush(&alice, "toplevel"));  // no namespace
  EXPECT_TRUE(accounts_->mayAdmin(&alice, "acme/tool"));  // org owner
  EXPECT_FALSE(accounts_->mayAdmin(&bob, "acme/tool"));   // plain member
  Identity pull_only{"alice", {"pull"}}, push{"alice", {"push"}}, del{"alice", {"delete"}};
  EXPECT_TRUE(accounts_->mayRead(&pull_only, "alice/secret"));
  EXPECT_FALSE(accounts_->mayPush(&pull_only, "alice/pub"));
  EXPECT_TRUE(accounts_->mayRead(&push, "alice/secret"));  // push implies pull
  EXPECT_TRUE(accounts_->mayPush(&push, "alice/pub"));
  EXPECT_FALSE(accounts_->mayAdmin(&push, "alice/pub"));
  EXPECT_TRUE(accounts_->mayAdmin(&del, "alice/pub"));
}

TEST_F(AccountsTest, SearchHidesOtherPeoplesPrivateRepositories) {
  ASSERT_TRUE(accounts_->createOrg("acme", "bob", 1).isOk());
  pushed("alice/pub", false);
  pushed("alice/secret", true);
  pushed("acme/tool", true);
  RepoQuery q;
  q.sort = "name";
  auto names = [&](const std::string& viewer) {
    q.viewer = viewer;
    std::vector<std::string> out;
    auto repos = store().searchRepos(q);
    EXPECT_TRUE(repos.isOk());
    for (const auto& r : *repos) out.push_back(r.name);
    return out;
  };
  EXPECT_EQ(names(""), (std::vector<std::string>{"alice/pub"}));
  EXPECT_EQ(names("alice"), (std::vector<std::string>{"alice/pub", "alice/secret"}));
  EXPECT_EQ(names("bob"), (std::vector<std::string>{"acme/tool", "alice/pub"}));
  q.text = "100%_";  // LIKE metacharacters are literal
  EXPECT_TRUE(names("alice").empty());
}

TEST_F(AccountsTest, StarsAndPullsAreCounted) {
  pushed("alice/pub", false);
  ASSERT_TRUE(store().setStar("bob", "alice/pub", true).isOk());
  ASSERT_TRUE(store().setStar("bob", "alice/pub", true).isOk());  // idempotent
  ASSERT_TRUE(store().countPull("alice/pub").isOk());
  auto r = store().repo("alice/pub");
  EXPECT_EQ((*r)->stars, 1);
  EXPECT_EQ((*r)->pulls, 1);
  EXPECT_TRUE(accounts_->isStarred("bob", "alice/pub"));
  ASSERT_TRUE(store().setStar("bob", "alice/pub", false).isOk());
  EXPECT_EQ((*store().repo("alice/pub"))->stars, 0);
}

std::string basic(const std::string& userpass) { return "Basic " + base64Encode(userpass); }

HttpRequest request(const std::string& auth) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/v2/";
  r.remote = "127.0.0.1:5555";
  r.headers.setAuthority("hub.test");
  if (!auth.empty()) r.headers.add("authorization", auth);
  return r;
}

TEST_F(AccountsTest, RegistryAuthorizerEnforcesScopesAndVisibility) {
  pushed("alice/secret", true);
  pushed("alice/pub", false);
  auto authz = makePolicyAuthorizer(AuthOptions{}, makeAccountsPolicy(*accounts_));
  auto pull_token = accounts_->createToken("alice", "ro", {"pull"}, 1).value();
  EXPECT_FALSE(authz->authorize(request(""), "alice/pub", "pull").has_value());
  auto anon = authz->authorize(request(""), "alice/secret", "pull");
  ASSERT_TRUE(anon.has_value());
  EXPECT_EQ(anon->status, 401);
  auto other = authz->authorize(request(basic("bob:bob-password")), "alice/secret", "pull");
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->status, 404);  // invisible, not "forbidden"
  EXPECT_FALSE(authz->authorize(request(basic("alice:" + pull_token)), "alice/secret", "pull").has_value());
  auto push = authz->authorize(request(basic("alice:" + pull_token)), "alice/secret", "push");
  ASSERT_TRUE(push.has_value());
  EXPECT_EQ(push->status, 403);

  // Token flow: a pull-only API token gets a bearer token for pull only.
  auto tok = authz->tokenEndpoint(
      [&] {
        HttpRequest r = request(basic("alice:" + pull_token));
        r.path = "/token";
        r.query = "service=weir-hub&scope=repository:alice/secret:pull,push";
        return r;
      }(),
      "");
  ASSERT_TRUE(tok.has_value());
  ASSERT_EQ(tok->status, 200);
  const std::string bearer = nlohmann::json::parse(tok->body)["token"].get<std::string>();
  EXPECT_FALSE(authz->authorize(request("Bearer " + bearer), "alice/secret", "pull").has_value());
  EXPECT_TRUE(authz->authorize(request("Bearer " + bearer), "alice/secret", "push").has_value());
}

TEST_F(AccountsTest, RegistryAuthorizerAnswers429WhenRateLimited) {
  auto authz = makePolicyAuthorizer(AuthOptions{}, makeAccountsPolicy(*accounts_));
  for (int i = 0; i < 3; ++i) {
    auto r = authz->authorize(request(basic("bob:wrong-password")), "bob/x", "push");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 401);
  }
  auto limited = authz->authorize(request(basic("bob:bob-password")), "bob/x", "push");
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->status, 429);
}

}  // namespace
}  // namespace weir::hub

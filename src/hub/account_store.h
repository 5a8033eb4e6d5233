// weir::hub::AccountStore — what the hub's account mode knows: accounts
// (users and organizations share one namespace of names), organization
// members with roles, API tokens and web sessions (both stored only as
// SHA-256 of the secret), stars, and per-repository catalog rows (owner,
// visibility, description, what the latest push said about the filter, pull
// and star counts) that search and the web UI read.
//
// Implemented by the SQLite store beside MetadataStore (same file, same
// connection and lock: MetadataStore::accounts()). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace weir::hub {

enum class AccountKind { kUser, kOrg };

struct Account {
  std::string name;
  AccountKind kind = AccountKind::kUser;
  std::string password_hash;  // "" for organizations
  int64_t created = 0;
};

struct Membership {
  std::string org;
  std::string user;
  std::string role;  // "owner" | "member"
};

struct ApiTokenRecord {
  std::string id;         // public id (shown in lists, used to revoke)
  std::string user;
  std::string name;       // what the user called it
  std::string secret_hash;  // SHA-256 hex of the whole token
  std::string scopes;     // comma list of pull,push,delete
  int64_t created = 0;
  int64_t last_used = 0;
};

struct SessionRecord {
  std::string id_hash;  // SHA-256 hex of the cookie value
  std::string user;
  int64_t expires = 0;
};

struct RepoRecord {
  std::string name;   // "<owner>/<repo...>"
  std::string owner;  // first path component
  bool is_private = false;
  std::string description;           // set in the repository's settings
  std::string artifact_description;  // org.opencontainers.image.description of the latest push
  std::string readme;                // Markdown from the latest push
  std::string language;
  std::string abi_versions;  // comma list
  std::string latest_tag;
  int64_t updated = 0;
  int64_t pulls = 0;
  int64_t stars = 0;
};

struct RepoQuery {
  std::string text;      // substring of name, descriptions or owner ("" = any)
  std::string owner;     // exact ("" = any)
  std::string language;  // exact ("" = any)
  std::string abi;       // substring of abi_versions ("" = any)
  std::string sort = "updated";  // updated | pulls | stars | name
  std::string viewer;    // signed-in user: also sees private repos of their namespaces
  int64_t limit = 20;
  int64_t offset = 0;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // As MetadataStore::writeTransaction (the same lock when both are one store).
  virtual Status writeTransaction(const std::function<Status()>& fn) = 0;

  // --- accounts and organizations ---
  // FAILED_PRECONDITION when the name is taken (by a user or an organization).
  virtual Status createAccount(const Account& account) = 0;
  virtual Result<std::optional<Account>> account(const std::string& name) = 0;
  virtual Status setMember(const Membership& m) = 0;  // insert or change role
  virtual Result<bool> removeMember(const std::string& org, const std::string& user) = 0;
  virtual Result<std::vector<Membership>> members(const std::string& org) = 0;
  virtual Result<std::vector<Membership>> memberships(const std::string& user) = 0;
  virtual Result<std::optional<std::string>> role(const std::string& org, const std::string& user) = 0;

  // --- API tokens ---
  virtual Status putToken(const ApiTokenRecord& token) = 0;
  virtual Result<std::optional<ApiTokenRecord>> tokenBySecretHash(const std::string& secret_hash) = 0;
  virtual Result<std::vector<ApiTokenRecord>> tokens(const std::string& user) = 0;
  virtual Result<bool> deleteToken(const std::string& user, const std::string& id) = 0;
  virtual Status touchToken(const std::string& id, int64_t now) = 0;

  // --- web sessions ---
  virtual Status putSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> session(const std::string& id_hash, int64_t now) = 0;
  virtual Status deleteSession(const std::string& id_hash) = 0;

  // --- repositories in the catalog ---
  virtual Result<std::optional<RepoRecord>> repo(const std::string& name) = 0;
  // Records a push: creates the row (public) or updates what the artifact says.
  virtual Status recordPush(const RepoRecord& pushed) = 0;
  virtual Status setRepoSettings(const std::string& name, const std::string& description, bool is_private) = 0;
  virtual Status countPull(const std::string& name) = 0;
  virtual Status setStar(const std::string& user, const std::string& repo, bool starred) = 0;
  virtual Result<bool> starred(const std::string& user, const std::string& repo) = 0;
  virtual Result<std::vector<RepoRecord>> searchRepos(const RepoQuery& query) = 0;
};

}  // namespace weir::hub

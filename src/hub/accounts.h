// weir::hub::Accounts — the hub's account mode (`weir hub --accounts`):
// sign-up and login (PBKDF2 hashes, password.h), API tokens with scopes,
// web sessions, organizations with owner/member roles, and the permission
// rules every entry point (registry, web UI, JSON API) asks:
//
//   - a repository is <account>/<name...>; its owner is the first component;
//   - pull: public repositories, anyone; private ones, the owner (a user, or
//     an organization's members);
//   - push: the user owning the namespace, or a member of the organization;
//   - delete, settings, members: the user, or an organization's owners;
//   - an API token is limited to its scopes (pull, push, delete; push and
//     delete imply pull, as clients read before they write).
//
// Failed logins (password or token) are counted per (user, client address);
// past `max_failures` in `failure_window_seconds` further attempts are
// refused without checking (429) until the window ends.
//
// Secrets are never stored: passwords as PBKDF2, API tokens and session ids
// as SHA-256; the CSRF token of a session is derived from its id.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "hub/account_store.h"
#include "hub/auth.h"
#include "hub/password.h"

namespace weir::hub {

struct AccountsOptions {
  int kdf_iterations = kDefaultPbkdf2Iterations;
  int max_failures = 10;
  int64_t failure_window_seconds = 300;
  int64_t session_ttl_seconds = 14 * 86400;
};

class Accounts {
 public:
  Accounts(AccountStore& store, AccountsOptions options);

  AccountStore& store() { return store_; }
  const AccountsOptions& options() const { return options_; }

  // 2..39 of [a-z0-9-], starting and ending alphanumeric, no "--": a valid
  // repository path component.
  static bool isValidName(std::string_view name);
  // INVALID_ARGUMENT for a bad name or a password under 8 bytes;
  // FAILED_PRECONDITION when the name is taken.
  Status signUp(const std::string& name, const std::string& password, int64_t now);
  Status createOrg(const std::string& org, const std::string& owner, int64_t now);

  // A password or an API token (the token's user must be `user`).
  CredentialCheck login(const std::string& user, const std::string& secret, std::string_view client, Identity& out);

  // Returns the token text (weir_ + 64 hex), shown once; stored as SHA-256.
  Result<std::string> createToken(const std::string& user, const std::string& name,
                                  const std::vector<std::string>& scopes, int64_t now);
  static bool isValidScope(std::string_view scope);

  // Returns the cookie value (64 hex); stored as SHA-256.
  Result<std::string> startSession(const std::string& user, int64_t now);
  std::optional<std::string> sessionUser(std::string_view cookie_value, int64_t now);
  Status endSession(std::string_view cookie_value);
  static std::string csrfToken(std::string_view cookie_value);

  // Permissions (see the top of this file). `who` nullptr = anonymous.
  bool mayRead(const Identity* who, const std::string& repo);
  bool mayPush(const Identity* who, const std::string& repo);
  bool mayAdmin(const Identity* who, const std::string& repo);
  // Whether `user` may manage the account `name` (themselves, or an org they own).
  bool managesAccount(const std::string& user, const std::string& name);
  static std::string ownerOf(const std::string& repo);
  bool isStarred(const std::string& user, const std::string& repo);

 private:
  bool rateLimited(const std::string& key, int64_t now);
  void recordFailure(const std::string& key, int64_t now);
  static bool hasScope(const Identity& who, std::string_view action);

  AccountStore& store_;
  AccountsOptions options_;
  VerifiedCache verified_;
  struct Failures {
    int count = 0;
    int64_t window_start = 0;
  };
  std::mutex failures_mutex_;
  std::unordered_map<std::string, Failures> failures_;
};

// The registry's view of the accounts (pull/push/delete/catalog decisions).
std::unique_ptr<AccessPolicy> makeAccountsPolicy(Accounts& accounts);

}  // namespace weir::hub

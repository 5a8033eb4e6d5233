#include "hub/accounts.h"

#include <ctime>

#include "hub/blob_store.h"
#include "oci/digest.h"

namespace weir::hub {

namespace {

constexpr std::string_view kTokenPrefix = "weir_";

int64_t wallNow() { return static_cast<int64_t>(std::time(nullptr)); }

class AccountsPolicy : public AccessPolicy {
 public:
  explicit AccountsPolicy(Accounts& accounts) : accounts_(accounts) {}

  CredentialCheck authenticate(const std::string& user, const std::string& secret, std::string_view client,
                               Identity& out) override {
    return accounts_.login(user, secret, client, out);
  }

  bool allowed(const Identity* who, const std::string& repo, std::string_view action) override {
    // The catalog is filtered per viewer by the front end; /v2/ is open.
    if (action == "catalog" || action.empty()) return true;
    if (action == "pull") return accounts_.mayRead(who, repo);
    if (action == "push") return accounts_.mayPush(who, repo);
    if (action == "delete") return accounts_.mayAdmin(who, repo);
    return false;
  }

  bool userExists(const std::string& user) override {
    auto a = accounts_.store().account(user);
    return a.isOk() && *a && (*a)->kind == AccountKind::kUser;
  }

 private:
  Accounts& accounts_;
};

}  // namespace

Accounts::Accounts(AccountStore& store, AccountsOptions options) : store_(store), options_(options) {}

bool Accounts::isValidName(std::string_view name) {
  if (name.size() < 2 || name.size() > 39) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (alnum) continue;
    if (c != '-' || i == 0 || i + 1 == name.size() || name[i - 1] == '-') return false;
  }
  return true;
}

Status Accounts::signUp(const std::string& name, const std::string& password, int64_t now) {
  if (!isValidName(name)) {
    return invalidArgument("user names are 2 to 39 lowercase letters, digits and single dashes");
  }
  if (password.size() < 8) return invalidArgument("passwords have at least 8 characters");
  if (password.size() > 1024) return invalidArgument("passwords have at most 1024 characters");
  return store_.createAccount(Account{name, AccountKind::kUser, hashPassword(password, options_.kdf_iterations), now});
}

Status Accounts::createOrg(const std::string& org, const std::string& owner, int64_t now) {
  if (!isValidName(org)) {
    return invalidArgument("organization names are 2 to 39 lowercase letters, digits and single dashes");
  }
  return store_.writeTransaction([&]() -> Status {
    WEIR_RETURN_IF_ERROR(store_.createAccount(Account{org, AccountKind::kOrg, "", now}));
    return store_.setMember(Membership{org, owner, "owner"});
  });
}

bool Accounts::rateLimited(const std::string& key, int64_t now) {
  std::lock_guard<std::mutex> lock(failures_mutex_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  if (now - it->second.window_start >= options_.failure_window_seconds) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= options_.max_failures;
}

void Accounts::recordFailure(const std::string& key, int64_t now) {
  std::lock_guard<std::mutex> lock(failures_mutex_);
  if (failures_.size() > 100000) {
    // Bounded memory under a spray of user names: drop finished windows.
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = now - it->second.window_start >= options_.failure_window_seconds ? failures_.erase(it) : std::next(it);
    }
  }
  auto& f = failures_[key];
  if (f.count == 0 || now - f.window_start >= options_.failure_window_seconds) f = Failures{0, now};
  ++f.count;
}

CredentialCheck Accounts::login(const std::string& user, const std::string& secret, std::string_view client,
                                Identity& out) {
  const int64_t now = wallNow();
  const std::string key = user + '\0' + std::string(client);
  if (rateLimited(key, now)) return CredentialCheck::kRateLimited;
  if (secret.rfind(kTokenPrefix, 0) == 0) {
    auto t = store_.tokenBySecretHash(oci::sha256Hex(secret));
    if (t.isOk() && *t && (*t)->user == user) {
      (void)store_.touchToken((*t)->id, now);
      out.user = user;
      out.scopes.clear();
      std::string_view s = (*t)->scopes;
      while (!s.empty()) {
        auto comma = s.find(',');
        out.scopes.emplace_back(s.substr(0, comma));
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
      }
      if (out.scopes.empty()) out.scopes.push_back("none");  // never "no limit"
      return CredentialCheck::kOk;
    }
    recordFailure(key, now);
    return CredentialCheck::kBad;
  }
  auto a = store_.account(user);
  if (!a.isOk() || !*a || (*a)->kind != AccountKind::kUser) {
    // Same cost as a real check, so timing does not tell which names exist.
    (void)verifyPasswordHash(secret, hashPassword("", options_.kdf_iterations));
    recordFailure(key, now);
    return CredentialCheck::kBad;
  }
  const std::string& hash = (*a)->password_hash;
  if (!verified_.contains(user, secret, hash)) {
    if (!verifyPasswordHash(secret, hash)) {
      recordFailure(key, now);
      return CredentialCheck::kBad;
    }
    verified_.insert(user, secret, hash);
  }
  out = Identity{user, {}};
  return CredentialCheck::kOk;
}

bool Accounts::isValidScope(std::string_view scope) { return scope == "pull" || scope == "push" || scope == "delete"; }

Result<std::string> Accounts::createToken(const std::string& user, const std::string& name,
                                          const std::vector<std::string>& scopes, int64_t now) {
  if (name.empty() || name.size() > 100) return invalidArgument("a token needs a name (at most 100 characters)");
  if (scopes.empty()) return invalidArgument("a token needs at least one scope (pull, push, delete)");
  std::string list;
  for (const auto& s : scopes) {
    if (!isValidScope(s)) return invalidArgument("unknown scope " + s + " (pull, push, delete)");
    if (list.find(s) == std::string::npos) list += (list.empty() ? "" : ",") + s;
  }
  const std::string secret = std::string(kTokenPrefix) + randomHex(32);
  ApiTokenRecord t{randomHex(8), user, name, oci::sha256Hex(secret), list, now, 0};
  WEIR_RETURN_IF_ERROR(store_.putToken(t));
  return secret;
}

Result<std::string> Accounts::startSession(const std::string& user, int64_t now) {
  const std::string id = randomHex(32);
  WEIR_RETURN_IF_ERROR(store_.putSession(SessionRecord{oci::sha256Hex(id), user, now + options_.session_ttl_seconds}));
  return id;
}

std::optional<std::string> Accounts::sessionUser(std::string_view cookie_value, int64_t now) {
  if (cookie_value.size() != 64) return std::nullopt;
  auto s = store_.session(oci::sha256Hex(cookie_value), now);
  if (!s.isOk() || !*s) return std::nullopt;
  return (*s)->user;
}

Status Accounts::endSession(std::string_view cookie_value) { return store_.deleteSession(oci::sha256Hex(cookie_value)); }

std::string Accounts::csrfToken(std::string_view cookie_value) {
  return oci::sha256Hex("weir-csrf\n" + std::string(cookie_value));
}

std::string Accounts::ownerOf(const std::string& repo) {
  auto slash = repo.find('/');
  return slash == std::string::npos ? std::string() : repo.substr(0, slash);
}

bool Accounts::hasScope(const Identity& who, std::string_view action) {
  if (who.scopes.empty()) return true;
  for (const auto& s : who.scopes) {
    if (s == action) return true;
    if (action == "pull" && (s == "push" || s == "delete")) return true;
  }
  return false;
}

bool Accounts::managesAccount(const std::string& user, const std::string& name) {
  if (user.empty()) return false;
  if (user == name) return true;
  auto r = store_.role(name, user);
  return r.isOk() && *r && **r == "owner";
}

bool Accounts::mayRead(const Identity* who, const std::string& repo) {
  if (who && !hasScope(*who, "pull")) return false;
  auto r = store_.repo(repo);
  if (!r.isOk()) return false;
  if (!*r || !(*r)->is_private) return true;
  if (!who) return false;
  const std::string owner = ownerOf(repo);
  if (who->user == owner) return true;
  auto role = store_.role(owner, who->user);
  return role.isOk() && role->has_value();
}

bool Accounts::mayPush(const Identity* who, const std::string& repo) {
  if (!who || !hasScope(*who, "push")) return false;
  const std::string owner = ownerOf(repo);
  if (owner.empty()) return false;
  if (who->user == owner) return true;
  auto role = store_.role(owner, who->user);
  return role.isOk() && role->has_value();
}

bool Accounts::mayAdmin(const Identity* who, const std::string& repo) {
  if (!who || !hasScope(*who, "delete")) return false;
  return managesAccount(who->user, ownerOf(repo));
}

bool Accounts::isStarred(const std::string& user, const std::string& repo) {
  auto s = store_.starred(user, repo);
  return s.isOk() && *s;
}

std::unique_ptr<AccessPolicy> makeAccountsPolicy(Accounts& accounts) {
  return std::make_unique<AccountsPolicy>(accounts);
}

}  // namespace weir::hub

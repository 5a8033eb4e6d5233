#include "hub/auth.h"

#include <crypt.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/logging.h"
#include "hub/blob_store.h"
#include "hub/password.h"
#include "oci/digest.h"
#include "oci/reference.h"

namespace weir::hub {

namespace {

using nlohmann::json;

class AllowAll : public Authorizer {
 public:
  std::optional<HttpResponse> authorize(const HttpRequest&, const std::string&, std::string_view) override {
    return std::nullopt;
  }
};

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view in) {
  std::string s(in);
  for (auto& c : s) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (s.size() % 4) s += '=';
  std::string out(3 * s.size() / 4 + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  for (size_t i = s.size(); i > 0 && s[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - std::min<size_t>(pad, static_cast<size_t>(n)));
  return out;
}

std::string base64url(std::string_view in) {
  std::string s = base64(in);
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

std::string hmac(const std::string& key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return std::string(reinterpret_cast<char*>(md), len);
}

struct Scope {
  std::string type;  // repository | registry
  std::string name;
  std::set<std::string> actions;
};

std::optional<Scope> parseScope(std::string_view s) {
  auto first = s.find(':');
  auto last = s.rfind(':');
  if (first == std::string_view::npos || last == first) return std::nullopt;
  Scope sc;
  sc.type = std::string(s.substr(0, first));
  sc.name = std::string(s.substr(first + 1, last - first - 1));
  std::string_view acts = s.substr(last + 1);
  while (!acts.empty()) {
    auto comma = acts.find(',');
    std::string a(acts.substr(0, comma));
    if (!a.empty()) sc.actions.insert(a);
    if (comma == std::string_view::npos) break;
    acts.remove_prefix(comma + 1);
  }
  return sc;
}

std::vector<std::string> splitSpaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// Every user in the file may do everything; anonymous users may pull when
// allowed to.
class HtpasswdPolicy : public AccessPolicy {
 public:
  explicit HtpasswdPolicy(AuthOptions o) : options_(std::move(o)) {}

  Status load() {
    std::ifstream in(options_.htpasswd_path);
    if (!in) return ioError("cannot read htpasswd file " + options_.htpasswd_path);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      auto colon = line.find(':');
      if (colon == std::string::npos || colon == 0) {
        return invalidArgument(options_.htpasswd_path + ":" + std::to_string(n) + ": expected user:hash");
      }
      std::string hash = line.substr(colon + 1);
      if (hash.rfind("$2", 0) != 0) {
        WEIR_WARN("hub: {}:{}: not a bcrypt hash (use htpasswd -B); accepted if crypt(3) knows it",
                  options_.htpasswd_path, n);
      }
      users_[line.substr(0, colon)] = hash;
    }
    if (users_.empty()) return invalidArgument("htpasswd file " + options_.htpasswd_path + " has no users");
    return Status::ok();
  }

  CredentialCheck authenticate(const std::string& user, const std::string& password, std::string_view,
                               Identity& out) override {
    auto it = users_.find(user);
    if (it == users_.end()) return CredentialCheck::kBad;
    // bcrypt is slow on purpose; remember what was verified.
    if (!verified_.contains(user, password, it->second)) {
      if (!verifyPassword(password, it->second)) return CredentialCheck::kBad;
      verified_.insert(user, password, it->second);
    }
    out = Identity{user, {}};
    return CredentialCheck::kOk;
  }

  bool allowed(const Identity* who, const std::string&, std::string_view action) override {
    if (who) return true;
    return options_.allow_anonymous_pull && (action == "pull" || action.empty());
  }

  bool userExists(const std::string& user) override { return users_.count(user) > 0; }

 private:
  AuthOptions options_;
  std::unordered_map<std::string, std::string> users_;
  VerifiedCache verified_;
};

std::string clientIp(const std::string& remote) {
  auto colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

class PolicyAuthorizer : public Authorizer {
 public:
  PolicyAuthorizer(AuthOptions o, std::unique_ptr<AccessPolicy> policy)
      : options_(std::move(o)), policy_(std::move(policy)) {
    key_ = options_.token_key.empty() ? randomHex(32) : options_.token_key;
  }

  std::optional<HttpResponse> authorize(const HttpRequest& request, const std::string& repo,
                                        std::string_view action) override {
    auto auth = request.headers.get(http::KnownHeader::kAuthorization);
    bool insufficient = false;
    if (auth) {
      std::string_view a = *auth;
      if (a.size() > 6 && strncasecmp(a.data(), "basic ", 6) == 0) {
        Identity who;
        switch (basicUser(a.substr(6), request.remote, who)) {
          case CredentialCheck::kRateLimited:
            return tooManyAttempts();
          case CredentialCheck::kBad:
            return challenge(request, repo, action, false, "invalid username or password");
          case CredentialCheck::kOk:
            break;
        }
        if (action.empty() || policy_->allowed(&who, repo, action)) return std::nullopt;
        // A repository the user may not read is not there, for them.
        if (action == "pull") return ociError(404, "NAME_UNKNOWN", "repository name not known to registry");
        return ociError(403, "DENIED", "requested access to the resource is denied");
      }
      if (a.size() > 7 && strncasecmp(a.data(), "bearer ", 7) == 0) {
        auto granted = verifyToken(a.substr(7));
        if (granted) {
          if (action.empty()) return std::nullopt;  // /v2/: any valid token
          if (allows(*granted, repo, action)) return std::nullopt;
          insufficient = true;
        }
      }
    }
    if ((action.empty() ? !options_.token_auth : true) && policy_->allowed(nullptr, repo, action)) {
      return std::nullopt;
    }
    return challenge(request, repo, action, insufficient, "authentication required");
  }

  std::optional<HttpResponse> tokenEndpoint(const HttpRequest& request, std::string_view body) override {
    if (!options_.token_auth) return std::nullopt;
    std::vector<std::string> scopes;
    std::optional<Identity> who;
    CredentialCheck check = CredentialCheck::kOk;
    if (auto auth = request.headers.get(http::KnownHeader::kAuthorization);
        auth && auth->size() > 6 && strncasecmp(auth->data(), "basic ", 6) == 0) {
      Identity id;
      check = basicUser(auth->substr(6), request.remote, id);
      if (check == CredentialCheck::kOk) who = std::move(id);
    }
    if (request.method == "POST") {
      const std::string form(body);
      const std::string grant = queryParam(form, "grant_type").value_or("");
      for (auto& s : splitSpaces(queryParam(form, "scope").value_or(""))) scopes.push_back(s);
      if (grant == "password") {
        Identity id;
        check = policy_->authenticate(queryParam(form, "username").value_or(""),
                                      queryParam(form, "password").value_or(""), clientIp(request.remote), id);
        if (check == CredentialCheck::kOk) who = std::move(id);
      } else if (grant == "refresh_token") {
        who = verifyRefresh(queryParam(form, "refresh_token").value_or(""));
        check = who ? CredentialCheck::kOk : CredentialCheck::kBad;
      }
    } else {
      for (auto& s : queryParams(request.query, "scope")) {
        for (auto& w : splitSpaces(s)) scopes.push_back(w);
      }
    }
    if (check == CredentialCheck::kRateLimited) return tooManyAttempts();
    if (check == CredentialCheck::kBad) return ociError(401, "UNAUTHORIZED", "invalid username or password");
    const Identity* id = who ? &*who : nullptr;
    json access = json::array();
    for (const auto& s : scopes) {
      auto sc = parseScope(s);
      if (!sc) continue;
      std::set<std::string> granted;
      for (const auto& a : sc->actions) {
        const bool catalog = sc->type == "registry" && sc->name == "catalog";
        if (sc->type != "repository" && !catalog) continue;
        if (policy_->allowed(id, catalog ? std::string() : sc->name, catalog ? std::string_view("catalog") : a)) {
          granted.insert(a);
        }
      }
      if (granted.empty()) continue;
      access.push_back(json{{"type", sc->type}, {"name", sc->name}, {"actions", granted}});
    }
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    json claims{{"iss", options_.service},
                {"sub", who ? who->user : ""},
                {"aud", options_.service},
                {"iat", now},
                {"nbf", now - 5},
                {"exp", now + options_.token_ttl_seconds},
                {"jti", randomHex(8)},
                {"access", access}};
    const std::string payload = base64url(claims.dump());
    const std::string token = payload + "." + base64url(hmac(key_, payload));
    char issued[64];
    std::time_t t = static_cast<std::time_t>(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(issued, sizeof issued, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json reply{{"token", token},
               {"access_token", token},
               {"expires_in", options_.token_ttl_seconds},
               {"issued_at", issued}};
    if (who && request.method == "POST") {
      // The refresh token keeps an API token's scope limit.
      const std::string rp = base64url(json{{"sub", who->user}, {"scp", who->scopes}, {"refresh", true}}.dump());
      reply["refresh_token"] = rp + "." + base64url(hmac(key_, rp));
    }
    HttpResponse r(200);
    r.headers.set(http::KnownHeader::kContentType, "application/json");
    r.body = reply.dump();
    return r;
  }

 private:
  static HttpResponse tooManyAttempts() {
    HttpResponse r = ociError(429, "TOOMANYREQUESTS", "too many failed login attempts; try again later");
    r.headers.set("retry-after", "60");
    return r;
  }

  // "Basic" payload → the identity when the credentials are good.
  CredentialCheck basicUser(std::string_view b64, const std::string& remote, Identity& out) {
    auto decoded = unbase64(b64);
    if (!decoded) return CredentialCheck::kBad;
    auto colon = decoded->find(':');
    if (colon == std::string::npos) return CredentialCheck::kBad;
    return policy_->authenticate(decoded->substr(0, colon), decoded->substr(colon + 1), clientIp(remote), out);
  }

  std::optional<json> verifiedClaims(std::string_view token) {
    auto dot = token.find('.');
    if (dot == std::string_view::npos) return std::nullopt;
    std::string_view payload = token.substr(0, dot);
    const std::string sig = base64url(hmac(key_, payload));
    std::string_view given = token.substr(dot + 1);
    if (given.size() != sig.size() || CRYPTO_memcmp(given.data(), sig.data(), sig.size()) != 0) return std::nullopt;
    auto raw = unbase64(payload);
    if (!raw) return std::nullopt;
    json claims = json::parse(*raw, nullptr, false);
    if (!claims.is_object()) return std::nullopt;
    return claims;
  }

  std::optional<json> verifyToken(std::string_view token) {
    auto claims = verifiedClaims(token);
    if (!claims || claims->contains("refresh")) return std::nullopt;
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    if (!claims->contains("exp") || !(*claims)["exp"].is_number_integer() || (*claims)["exp"].get<int64_t>() < now) {
      return std::nullopt;
    }
    return claims;
  }

  std::optional<Identity> verifyRefresh(std::string_view token) {
    auto claims = verifiedClaims(token);
    if (!claims || !claims->contains("refresh") || !(*claims)["sub"].is_string()) return std::nullopt;
    Identity who{(*claims)["sub"].get<std::string>(), {}};
    if (!policy_->userExists(who.user)) return std::nullopt;
    if (auto it = claims->find("scp"); it != claims->end() && it->is_array()) {
      for (const auto& s : *it) {
        if (s.is_string()) who.scopes.push_back(s.get<std::string>());
      }
    }
    return who;
  }

  static bool allows(const json& claims, const std::string& repo, std::string_view action) {
    if (!claims.contains("access") || !claims["access"].is_array()) return false;
    for (const auto& a : claims["access"]) {
      if (!a.is_object() || !a.contains("actions") || !a["actions"].is_array()) continue;
      const std::string type = a.value("type", "");
      const std::string name = a.value("name", "");
      bool match = action == "catalog" ? (type == "registry" && name == "catalog")
                                       : (type == "repository" && name == repo);
      if (!match) continue;
      for (const auto& act : a["actions"]) {
        if (!act.is_string()) continue;
        const std::string s = act.get<std::string>();
        if (s == "*" || s == action) return true;
      }
    }
    return false;
  }

  HttpResponse challenge(const HttpRequest& request, const std::string& repo, std::string_view action,
                         bool insufficient, std::string_view message) {
    HttpResponse r = ociError(401, "UNAUTHORIZED", message);
    if (!options_.token_auth) {
      r.headers.set("www-authenticate", "Basic realm=\"" + options_.service + "\"");
      return r;
    }
    std::string realm = options_.realm;
    if (realm.empty()) {
      std::string host(request.headers.host());
      if (host.empty()) host = "localhost";
      realm = "http://" + host + "/token";
    }
    std::string h = "Bearer realm=\"" + realm + "\",service=\"" + options_.service + "\"";
    if (action == "catalog") {
      h += ",scope=\"registry:catalog:*\"";
    } else if (!action.empty() && !repo.empty()) {
      std::string actions = action == "push" ? "pull,push" : std::string(action);
      h += ",scope=\"repository:" + repo + ":" + actions + "\"";
    }
    if (insufficient) h += ",error=\"insufficient_scope\"";
    r.headers.set("www-authenticate", h);
    return r;
  }

  AuthOptions options_;
  std::unique_ptr<AccessPolicy> policy_;
  std::string key_;
};

}  // namespace

bool verifyPassword(const std::string& password, const std::string& hash) {
  if (hash.empty()) return false;
  struct crypt_data data;
  std::memset(&data, 0, sizeof data);
  const char* out = crypt_r(password.c_str(), hash.c_str(), &data);
  if (out == nullptr || out[0] == '*') return false;
  const size_t n = std::strlen(out);
  return n == hash.size() && CRYPTO_memcmp(out, hash.data(), n) == 0;
}

std::unique_ptr<Authorizer> makeAllowAllAuthorizer() { return std::make_unique<AllowAll>(); }

Result<std::unique_ptr<Authorizer>> makeHtpasswdAuthorizer(const AuthOptions& options) {
  auto policy = std::make_unique<HtpasswdPolicy>(options);
  WEIR_RETURN_IF_ERROR(policy->load());
  return makePolicyAuthorizer(options, std::move(policy));
}

std::unique_ptr<Authorizer> makePolicyAuthorizer(const AuthOptions& options, std::unique_ptr<AccessPolicy> policy) {
  return std::make_unique<PolicyAuthorizer>(options, std::move(policy));
}

}  // namespace weir::hub

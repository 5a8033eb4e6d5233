// weir::hub::Authorizer — who may do what. The registry asks before every
// operation; the answer is "go on" or the response to send (401 with a
// WWW-Authenticate challenge, 403 DENIED).
//
// Actions are the Docker token scope actions: "pull", "push", "delete" on a
// repository, and "catalog" for /v2/_catalog (registry:catalog:*).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "hub/http_server.h"

namespace weir::hub {

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // nullopt = allowed. `repo` is "" for registry-wide actions.
  virtual std::optional<HttpResponse> authorize(const HttpRequest& request, const std::string& repo,
                                                std::string_view action) = 0;
  // GET/POST of the token endpoint (`/token`); nullopt when this authorizer
  // issues no tokens (the registry answers 404).
  virtual std::optional<HttpResponse> tokenEndpoint(const HttpRequest& request, std::string_view body) {
    return std::nullopt;
  }
};

// Everyone may do everything (no --htpasswd): the default for a hub on a
// developer's machine.
std::unique_ptr<Authorizer> makeAllowAllAuthorizer();

struct AuthOptions {
  std::string htpasswd_path;       // bcrypt entries (htpasswd -B)
  bool allow_anonymous_pull = false;
  bool token_auth = true;          // Bearer challenge + /token; false = Basic challenge only
  std::string realm;               // token realm URL; "" = http://<Host>/token of the request
  std::string service = "weir-hub";
  std::string token_key;           // HMAC key; "" = random per start (tokens die with the process)
  int token_ttl_seconds = 300;
};

Result<std::unique_ptr<Authorizer>> makeHtpasswdAuthorizer(const AuthOptions& options);

// Who a credential names and what it is limited to.
struct Identity {
  std::string user;
  std::vector<std::string> scopes;  // actions an API token is limited to; empty = no limit
};

enum class CredentialCheck { kOk, kBad, kRateLimited };

// The decisions behind the Basic and Docker token flows: the htpasswd file
// (every user may do everything) or hub accounts (accounts.h). The flows
// themselves (challenges, signed bearer tokens, refresh tokens) are shared.
class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;
  // A user name and password or API token, from Basic or the password grant.
  // `client` is the peer address (rate limits).
  virtual CredentialCheck authenticate(const std::string& user, const std::string& secret, std::string_view client,
                                       Identity& out) = 0;
  // Whether `who` (nullptr = anonymous) may do `action` on `repo`; repo ""
  // with action "catalog" is the registry catalog, with "" the /v2/ check.
  virtual bool allowed(const Identity* who, const std::string& repo, std::string_view action) = 0;
  // A refresh token stays good only while its user exists.
  virtual bool userExists(const std::string& user) = 0;
};

// The Basic / Docker token flows over any policy.
std::unique_ptr<Authorizer> makePolicyAuthorizer(const AuthOptions& options, std::unique_ptr<AccessPolicy> policy);

// Verifies `password` against a crypt(3) hash ($2y$/$2b$/$2a$ bcrypt and any
// other scheme libxcrypt knows). Constant-time comparison.
bool verifyPassword(const std::string& password, const std::string& hash);

// The error body every registry error uses: {"errors":[{"code","message","detail"}]}.
HttpResponse ociError(int status, std::string_view code, std::string_view message);

}  // namespace weir::hub

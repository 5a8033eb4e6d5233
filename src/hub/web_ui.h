// weir::hub::HubFrontend — what `weir hub --accounts` serves in front of the
// registry: the web UI (server-rendered HTML pages, one CSS file, a few lines
// of JavaScript for copy buttons), the JSON catalog API under /api/v1/, and
// the registry itself (/v2/, /token) with three hooks: a manifest pushed by
// tag updates the repository's catalog row (description, README, language,
// ABI versions), a manifest GET counts a pull, and /v2/_catalog lists public
// repositories only.
//
// Web sessions: cookie weir_session (HttpOnly, SameSite=Lax; Secure with
// --secure-cookies), 32 random bytes stored as SHA-256. Every POST form
// carries a CSRF token derived from the session id (before login: a
// double-submit cookie); JSON API writes with a session need it in
// X-CSRF-Token. A cross-origin Origin header is refused. Every page has a
// strict Content-Security-Policy (no inline script or style).
//
// Routes and the API: docs/hub.md, "Accounts and the web UI".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/accounts.h"
#include "hub/http_server.h"
#include "hub/registry.h"

namespace weir::hub {

struct FrontendOptions {
  std::string public_host;     // registry host in deploy snippets; "" = the request's Host
  bool secure_cookies = false;  // add Secure to cookies (behind TLS)
};

// One tag as the repository page and the API show it.
struct TagInfo {
  std::string tag;
  std::string digest;         // manifest digest
  std::string module_digest;  // the Wasm layer ("" when not a Wasm image)
  int64_t size = 0;           // manifest + config + layers
  int64_t created = 0;
  std::vector<std::string> abi_versions;
  std::vector<std::string> root_ids;
};

class HubFrontend : public HttpHandler {
 public:
  HubFrontend(Registry& registry, Accounts& accounts, FrontendOptions options);

  std::unique_ptr<RequestStream> onRequest(HttpRequest& request, HttpResponse& reply) override;

  // Who is asking: a session user (cookie set), or a Basic identity (API).
  struct Viewer {
    std::optional<Identity> identity;
    std::string cookie;  // session cookie value when signed in through the web
    std::string pre_csrf;  // double-submit value before login
    const Identity* who() const { return identity ? &*identity : nullptr; }
    std::string user() const { return identity ? identity->user : std::string(); }
  };

  // Shared by the page and API handlers (web_ui.cc, catalog_api.cc).
  Result<std::vector<TagInfo>> tagInfos(const std::string& repo, int64_t limit);
  std::string host(const HttpRequest& request) const;

 private:
  using FormHandler = std::function<HttpResponse(const std::string& body)>;

  Viewer viewer(const HttpRequest& request);
  std::unique_ptr<RequestStream> registryRequest(HttpRequest& request, HttpResponse& reply);
  void recordPush(const std::string& repo, const std::string& tag, const std::string& digest);
  HttpResponse publicCatalog(const HttpRequest& request);

  // Web pages (web_ui.cc).
  std::unique_ptr<RequestStream> page(HttpRequest& request, HttpResponse& reply);
  HttpResponse homePage(const HttpRequest& request, const Viewer& v);
  HttpResponse searchPage(const HttpRequest& request, const Viewer& v);
  HttpResponse repoPage(const HttpRequest& request, const Viewer& v, const std::string& repo);
  HttpResponse accountPage(const Viewer& v, const std::string& name, const std::string& notice);
  HttpResponse tokensPage(const Viewer& v, const std::string& new_token, const std::string& error);
  HttpResponse repoSettingsPage(const Viewer& v, const std::string& repo, const std::string& notice);
  HttpResponse loginPage(const Viewer& v, bool signup, const std::string& error, int status);
  HttpResponse postForm(const HttpRequest& request, const Viewer& v, const std::string& body);
  std::string layout(const Viewer& v, const std::string& title, const std::string& body);
  std::string csrfField(const Viewer& v) const;

  // JSON API (catalog_api.cc).
  std::unique_ptr<RequestStream> api(HttpRequest& request, HttpResponse& reply);
  HttpResponse apiCall(const HttpRequest& request, const Viewer& v, const std::string& body);

  Registry& registry_;
  Accounts& accounts_;
  FrontendOptions options_;
};

// The search filters of a page or API query string (q, owner, language, abi,
// sort), for `viewer`.
RepoQuery repoQueryFrom(std::string_view query, const std::string& viewer);

// Page-level response headers: CSP, nosniff, frame denial, no caching.
void securityHeaders(HttpResponse& r);

// The static assets (web_assets.cc).
extern const char kHubCss[];
extern const char kHubJs[];

}  // namespace weir::hub

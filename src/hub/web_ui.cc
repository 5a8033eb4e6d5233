// The hub's web pages: server-rendered HTML, every interpolated value
// escaped with escapeHtml (h() below), forms posting back with a CSRF token.
#include "hub/web_ui.h"

#include <strings.h>

#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/logging.h"
#include "hub/blob_store.h"
#include "hub/markdown.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/reference.h"
#include "oci/wasm_image.h"

namespace weir::hub {

namespace {

using nlohmann::json;

constexpr size_t kMaxFormBytes = 64 * 1024;
constexpr std::string_view kSessionCookie = "weir_session";
constexpr std::string_view kPreCookie = "weir_pre";

std::string h(std::string_view s) { return escapeHtml(s); }

int64_t nowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

std::string isoTime(int64_t t) {
  if (t <= 0) return "-";
  char buf[32];
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

std::string humanSize(int64_t n) {
  char buf[32];
  if (n < 1024) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(n));
  } else if (n < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1024 * 1024));
  }
  return buf;
}

std::optional<std::string> cookie(const HttpRequest& request, std::string_view name) {
  for (auto value : request.headers.getAll(http::KnownHeader::kCookie)) {
    while (!value.empty()) {
      auto semi = value.find(';');
      std::string_view part = value.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      if (part.size() > name.size() && part.substr(0, name.size()) == name && part[name.size()] == '=') {
        return std::string(part.substr(name.size() + 1));
      }
      if (semi == std::string_view::npos) break;
      value.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

bool isHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return !s.empty();
}

HttpResponse redirect(const std::string& to) {
  HttpResponse r(303);
  r.headers.set(http::KnownHeader::kLocation, to);
  securityHeaders(r);
  return r;
}

std::string setCookie(std::string_view name, std::string_view value, int64_t max_age, bool secure) {
  std::string c = std::string(name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                  std::to_string(max_age);
  if (secure) c += "; Secure";
  return c;
}

std::string describe(const RepoRecord& r) {
  return r.description.empty() ? r.artifact_description : r.description;
}

std::string repoCard(const RepoRecord& r) {
  std::string s = "<li class=\"card\"><a class=\"repo\" href=\"/r/" + h(r.name) + "\">" + h(r.name) + "</a>";
  if (r.is_private) s += " <span class=\"badge\">private</span>";
  s += "<p>" + h(describe(r)) + "</p><p class=\"meta\">";
  if (!r.language.empty()) s += "<span>" + h(r.language) + "</span> ";
  s += "<span>" + std::to_string(r.pulls) + " pulls</span> <span>" + std::to_string(r.stars) +
       " stars</span> <span>updated " + h(isoTime(r.updated)) + "</span></p></li>\n";
  return s;
}

std::string repoList(const std::vector<RepoRecord>& repos) {
  if (repos.empty()) return "<p class=\"empty\">No repositories.</p>";
  std::string s = "<ul class=\"cards\">\n";
  for (const auto& r : repos) s += repoCard(r);
  return s + "</ul>\n";
}

std::string searchForm(const std::string& q) {
  return "<form class=\"search\" action=\"/search\" method=\"get\" role=\"search\">"
         "<label for=\"q\">Search filters</label>"
         "<input id=\"q\" name=\"q\" type=\"search\" value=\"" + h(q) +
         "\" placeholder=\"name, description, owner\"><button type=\"submit\">Search</button></form>\n";
}

std::string copyBlock(const std::string& id, const std::string& label, const std::string& text) {
  return "<div class=\"snippet\"><div class=\"snippet-head\"><h3 id=\"" + id + "-h\">" + h(label) +
         "</h3><button type=\"button\" class=\"copy\" data-copy=\"" + id + "\" aria-describedby=\"" + id +
         "-h\">Copy</button></div><pre><code id=\"" + id + "\">" + h(text) + "</code></pre></div>\n";
}

std::string lastComponent(const std::string& repo) {
  auto slash = repo.rfind('/');
  return slash == std::string::npos ? repo : repo.substr(slash + 1);
}

}  // namespace

void securityHeaders(HttpResponse& r) {
  r.headers.set("content-security-policy",
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; "
                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  r.headers.set("x-content-type-options", "nosniff");
  r.headers.set("x-frame-options", "DENY");
  r.headers.set("referrer-policy", "same-origin");
  r.headers.set("cache-control", "no-store");
}

RepoQuery repoQueryFrom(std::string_view query, const std::string& viewer) {
  RepoQuery q;
  q.text = queryParam(query, "q").value_or("");
  q.owner = queryParam(query, "owner").value_or("");
  q.language = queryParam(query, "language").value_or("");
  q.abi = queryParam(query, "abi").value_or("");
  q.sort = queryParam(query, "sort").value_or("updated");
  q.viewer = viewer;
  return q;
}

HubFrontend::HubFrontend(Registry& registry, Accounts& accounts, FrontendOptions options)
    : registry_(registry), accounts_(accounts), options_(std::move(options)) {}

std::string HubFrontend::host(const HttpRequest& request) const {
  if (!options_.public_host.empty()) return options_.public_host;
  std::string host(request.headers.host());
  return host.empty() ? "localhost" : host;
}

HubFrontend::Viewer HubFrontend::viewer(const HttpRequest& request) {
  Viewer v;
  if (auto c = cookie(request, kSessionCookie); c && c->size() == 64 && isHex(*c)) {
    if (auto user = accounts_.sessionUser(*c, nowSeconds())) {
      v.identity = Identity{*user, {}};
      v.cookie = *c;
      return v;
    }
  }
  if (auto c = cookie(request, kPreCookie); c && c->size() == 32 && isHex(*c)) v.pre_csrf = *c;
  if (auto auth = request.headers.get(http::KnownHeader::kAuthorization);
      auth && auth->size() > 6 && strncasecmp(auth->data(), "basic ", 6) == 0) {
    std::string decoded;
    std::string_view b64 = auth->substr(6);
    decoded.resize(3 * (b64.size() / 4) + 3);
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                            reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
    if (n > 0) {
      decoded.resize(static_cast<size_t>(n));
      while (!decoded.empty() && decoded.back() == '\0') decoded.pop_back();
      auto colon = decoded.find(':');
      Identity id;
      auto remote = request.remote.substr(0, request.remote.rfind(':'));
      if (colon != std::string::npos &&
          accounts_.login(decoded.substr(0, colon), decoded.substr(colon + 1), remote, id) == CredentialCheck::kOk) {
        v.identity = std::move(id);
      }
    }
  }
  return v;
}

std::unique_ptr<RequestStream> HubFrontend::onRequest(HttpRequest& request, HttpResponse& reply) {
  const std::string& p = request.path;
  if (p.rfind("/v2/", 0) == 0 || p == "/v2" || p == "/token") return registryRequest(request, reply);
  if (p.rfind("/api/", 0) == 0) return api(request, reply);
  return page(request, reply);
}

// --- the registry, with the catalog hooks -----------------------------------

std::unique_ptr<RequestStream> HubFrontend::registryRequest(HttpRequest& request, HttpResponse& reply) {
  const std::string& p = request.path;
  if (p == "/v2/_catalog") {
    reply = publicCatalog(request);
    return nullptr;
  }
  // /v2/<name>/manifests/<reference>
  const auto m = p.rfind("/manifests/");
  const bool manifest = m != std::string::npos && m > 4;
  std::string repo, reference;
  if (manifest) {
    repo = percentDecode(p.substr(4, m - 4));
    reference = percentDecode(p.substr(m + 11));
  }
  auto stream = registry_.onRequest(request, reply);
  if (!manifest || !oci::isValidRepositoryName(repo)) return stream;
  if (!stream) {
    if (request.method == "GET" && reply.status == 200) (void)accounts_.store().countPull(repo);
    return stream;
  }
  if (request.method != "PUT" || !oci::isValidTag(reference)) return stream;
  // A tag push: once the registry has stored it, the catalog row follows.
  class PushHook : public RequestStream {
   public:
    PushHook(std::unique_ptr<RequestStream> inner, HubFrontend& fe, std::string repo, std::string tag)
        : inner_(std::move(inner)), fe_(fe), repo_(std::move(repo)), tag_(std::move(tag)) {}
    void onBody(std::string_view chunk) override { inner_->onBody(chunk); }
    void onAbort() override { inner_->onAbort(); }
    HttpResponse onComplete() override {
      HttpResponse r = inner_->onComplete();
      if (r.status == 201) {
        if (auto d = r.headers.get("docker-content-digest")) fe_.recordPush(repo_, tag_, std::string(*d));
      }
      return r;
    }

   private:
    std::unique_ptr<RequestStream> inner_;
    HubFrontend& fe_;
    std::string repo_, tag_;
  };
  return std::make_unique<PushHook>(std::move(stream), *this, repo, reference);
}

void HubFrontend::recordPush(const std::string& repo, const std::string& tag, const std::string& digest_text) {
  RepoRecord r;
  r.name = repo;
  r.owner = Accounts::ownerOf(repo);
  r.latest_tag = tag;
  r.updated = nowSeconds();
  auto digest = oci::parseDigest(digest_text);
  if (digest) {
    if (auto bytes = registry_.blobs().readSmall(*digest, registry_.options().max_manifest_bytes)) {
      if (auto m = oci::parseManifest(*bytes); m && !m->isIndex()) {
        auto ann = [&](const char* key) {
          auto it = m->annotations.find(key);
          return it == m->annotations.end() ? std::string() : it->second;
        };
        r.artifact_description = ann("org.opencontainers.image.description");
        r.readme = ann(oci::kReadmeAnnotation);
        if (auto cd = oci::parseDigest(m->config.digest)) {
          if (auto cfg = registry_.blobs().readSmall(*cd, 1024 * 1024)) {
            oci::WasmConfigInfo info = oci::parseWasmConfig(*cfg);
            r.language = info.language;
            for (const auto& a : info.abi_versions) r.abi_versions += (r.abi_versions.empty() ? "" : ",") + a;
          }
        }
        if (r.abi_versions.empty()) r.abi_versions = ann("module.wasm.runtime/abi_version");
      }
    }
  }
  if (auto s = accounts_.store().recordPush(r); !s.isOk()) {
    WEIR_WARN("hub: cannot record the push of {}:{} in the catalog: {}", repo, tag, s.message());
  }
}

HttpResponse HubFrontend::publicCatalog(const HttpRequest& request) {
  RepoQuery q;
  q.sort = "name";
  q.limit = 10000;
  auto repos = accounts_.store().searchRepos(q);
  json names = json::array();
  if (repos) {
    std::vector<std::string> list;
    for (const auto& r : *repos) list.push_back(r.name);
    std::sort(list.begin(), list.end());
    names = list;
  }
  (void)request;
  HttpResponse r(200);
  r.headers.set(http::KnownHeader::kContentType, "application/json");
  r.headers.set("docker-distribution-api-version", "registry/2.0");
  r.body = json{{"repositories", names}}.dump();
  return r;
}

Result<std::vector<TagInfo>> HubFrontend::tagInfos(const std::string& repo, int64_t limit) {
  auto tags = registry_.metadata().tags(repo, "", limit);
  if (!tags) return tags.status();
  std::vector<TagInfo> out;
  for (const auto& tag : *tags) {
    auto d = registry_.metadata().resolveTag(repo, tag);
    if (!d.isOk() || !*d) continue;
    TagInfo t;
    t.tag = tag;
    t.digest = **d;
    auto rec = registry_.metadata().manifest(repo, t.digest);
    if (rec.isOk() && *rec) {
      t.created = (*rec)->created;
      t.size = (*rec)->size;
    }
    auto digest = oci::parseDigest(t.digest);
    if (digest) {
      if (auto bytes = registry_.blobs().readSmall(*digest, registry_.options().max_manifest_bytes)) {
        if (auto m = oci::parseManifest(*bytes); m && !m->isIndex()) {
          t.size += m->config.size;
          for (const auto& l : m->layers) t.size += l.size;
          if (auto layer = oci::findModuleLayer(*m)) t.module_digest = layer->layer.digest;
          if (auto cd = oci::parseDigest(m->config.digest)) {
            if (auto cfg = registry_.blobs().readSmall(*cd, 1024 * 1024)) {
              oci::WasmConfigInfo info = oci::parseWasmConfig(*cfg);
              t.abi_versions = info.abi_versions;
              t.root_ids = info.root_ids;
            }
          }
        }
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

// --- pages --------------------------------------------------------------------

std::string HubFrontend::csrfField(const Viewer& v) const {
  const std::string token = v.cookie.empty() ? v.pre_csrf : Accounts::csrfToken(v.cookie);
  return "<input type=\"hidden\" name=\"csrf\" value=\"" + h(token) + "\">";
}

std::string HubFrontend::layout(const Viewer& v, const std::string& title, const std::string& body) {
  std::string nav;
  if (v.identity) {
    nav = "<a href=\"/u/" + h(v.user()) + "\">" + h(v.user()) + "</a> <a href=\"/settings/tokens\">Tokens</a> "
          "<form class=\"inline\" action=\"/logout\" method=\"post\">" + csrfField(v) +
          "<button type=\"submit\">Log out</button></form>";
  } else {
    nav = "<a href=\"/login\">Log in</a> <a href=\"/signup\">Sign up</a>";
  }
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" + h(title) + " · weir hub</title><link rel=\"stylesheet\" href=\"/static/hub.css\">"
         "<script src=\"/static/hub.js\" defer></script></head><body>"
         "<a class=\"skip\" href=\"#main\">Skip to content</a>"
         "<header><a class=\"brand\" href=\"/\">weir hub</a><nav aria-label=\"Account\">" + nav +
         "</nav></header><main id=\"main\">" + body + "</main></body></html>\n";
}

static HttpResponse htmlResponse(int status, std::string body) {
  HttpResponse r(status);
  r.headers.set(http::KnownHeader::kContentType, "text/html; charset=utf-8");
  securityHeaders(r);
  r.body = std::move(body);
  return r;
}

std::unique_ptr<RequestStream> HubFrontend::page(HttpRequest& request, HttpResponse& reply) {
  const std::string path = percentDecode(request.path);
  const std::string& m = request.method;
  if (path == "/static/hub.css" || path == "/static/hub.js") {
    const bool css = path.back() == 's' && path[path.size() - 2] == 's';
    reply = HttpResponse(200);
    reply.headers.set(http::KnownHeader::kContentType, css ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
    reply.headers.set("cache-control", "public, max-age=300");
    reply.headers.set("x-content-type-options", "nosniff");
    reply.body = css ? kHubCss : kHubJs;
    return nullptr;
  }
  if (path == "/favicon.ico") {
    // No icon; an empty answer keeps browsers from logging a 404 on every page.
    reply = HttpResponse(204);
    reply.headers.set("cache-control", "public, max-age=86400");
    return nullptr;
  }
  if (path == "/healthz") {
    reply = HttpResponse(200);
    reply.body = "weir hub\n";
    return nullptr;
  }
  Viewer v = viewer(request);
  if (m == "POST") {
    // Cross-site form posts are refused outright; SameSite=Lax already keeps
    // the session cookie off them, the CSRF token covers the rest.
    if (auto origin = request.headers.get("origin");
        origin && *origin != "http://" + std::string(request.headers.host()) &&
        *origin != "https://" + std::string(request.headers.host())) {
      reply = htmlResponse(403, layout(v, "Forbidden", "<h1>Forbidden</h1><p>Cross-origin form.</p>"));
      return nullptr;
    }
    HttpRequest copy = requestHead(request);
    return bufferedBody(kMaxFormBytes, [this, copy, v](const std::string& body) { return postForm(copy, v, body); });
  }
  if (m != "GET" && m != "HEAD") {
    reply = htmlResponse(405, layout(v, "Method not allowed", "<h1>Method not allowed</h1>"));
    return nullptr;
  }
  if (path == "/") {
    reply = homePage(request, v);
  } else if (path == "/search") {
    reply = searchPage(request, v);
  } else if (path == "/login" || path == "/signup") {
    reply = loginPage(v, path == "/signup", "", 200);
  } else if (path == "/settings/tokens") {
    reply = v.identity ? tokensPage(v, "", "") : redirect("/login");
  } else if (path.rfind("/settings/repo/", 0) == 0) {
    reply = v.identity ? repoSettingsPage(v, path.substr(15), "") : redirect("/login");
  } else if (path.rfind("/u/", 0) == 0) {
    reply = accountPage(v, path.substr(3), "");
  } else if (path.rfind("/r/", 0) == 0) {
    reply = repoPage(request, v, path.substr(3));
  } else {
    reply = htmlResponse(404, layout(v, "Not found", "<h1>Not found</h1>"));
  }
  if (!v.identity && v.pre_csrf.empty() && (path == "/login" || path == "/signup")) {
    // The double-submit value the login and sign-up forms carry.
    v.pre_csrf = randomHex(16);
    reply = loginPage(v, path == "/signup", "", 200);
    reply.headers.add("set-cookie", setCookie(kPreCookie, v.pre_csrf, 3600, options_.secure_cookies));
  }
  if (m == "HEAD") reply.body.clear();
  return nullptr;
}

HttpResponse HubFrontend::homePage(const HttpRequest&, const Viewer& v) {
  RepoQuery q;
  q.sort = "updated";
  q.limit = 12;
  q.viewer = v.user();
  auto repos = accounts_.store().searchRepos(q);
  std::string body = "<h1>Proxy-Wasm filters</h1>" + searchForm("") +
                     "<h2>Recently updated</h2>" + (repos ? repoList(*repos) : "<p>Search is unavailable.</p>");
  return htmlResponse(200, layout(v, "Home", body));
}

HttpResponse HubFrontend::searchPage(const HttpRequest& request, const Viewer& v) {
  RepoQuery q = repoQueryFrom(request.query, v.user());
  int64_t page = std::max(0, std::atoi(queryParam(request.query, "page").value_or("0").c_str()));
  q.limit = 21;
  q.offset = page * 20;
  auto repos = accounts_.store().searchRepos(q);
  if (!repos) return htmlResponse(500, layout(v, "Search", "<h1>Search failed</h1>"));
  const bool more = repos->size() > 20;
  if (more) repos->resize(20);
  auto opt = [&](const char* value, const char* label) {
    return std::string("<option value=\"") + value + "\"" + (q.sort == value ? " selected" : "") + ">" + label +
           "</option>";
  };
  std::string body = "<h1>Search</h1><form class=\"filters\" action=\"/search\" method=\"get\" role=\"search\">"
                     "<label>Text <input name=\"q\" type=\"search\" value=\"" + h(q.text) + "\"></label>"
                     "<label>Owner <input name=\"owner\" value=\"" + h(q.owner) + "\"></label>"
                     "<label>Language <input name=\"language\" value=\"" + h(q.language) + "\"></label>"
                     "<label>ABI <input name=\"abi\" value=\"" + h(q.abi) + "\" placeholder=\"0_2_1\"></label>"
                     "<label>Sort <select name=\"sort\">" + opt("updated", "Recently updated") +
                     opt("pulls", "Most pulled") + opt("stars", "Most starred") + opt("name", "Name") +
                     "</select></label><button type=\"submit\">Search</button></form>" + repoList(*repos);
  if (more) {
    body += "<p><a rel=\"next\" href=\"/search?q=" + h(percentEncode(q.text)) + "&amp;owner=" + h(percentEncode(q.owner)) +
            "&amp;language=" + h(percentEncode(q.language)) + "&amp;abi=" + h(percentEncode(q.abi)) +
            "&amp;sort=" + h(percentEncode(q.sort)) + "&amp;page=" + std::to_string(page + 1) + "\">Next page</a></p>";
  }
  return htmlResponse(200, layout(v, "Search", body));
}

HttpResponse HubFrontend::repoPage(const HttpRequest& request, const Viewer& v, const std::string& repo) {
  auto notFound = [&]() { return htmlResponse(404, layout(v, "Not found", "<h1>Repository not found</h1>")); };
  if (!oci::isValidRepositoryName(repo) || !accounts_.mayRead(v.who(), repo)) return notFound();
  auto rec = accounts_.store().repo(repo);
  if (!rec.isOk() || !*rec) return notFound();
  const RepoRecord& r = **rec;
  auto tags = tagInfos(repo, 100);
  const std::string hub = host(request);
  const bool starred = v.identity && accounts_.isStarred(v.user(), repo);

  std::string body = "<h1>" + h(r.name) + (r.is_private ? " <span class=\"badge\">private</span>" : "") + "</h1>";
  body += "<p class=\"lead\">" + h(describe(r)) + "</p><p class=\"meta\">";
  body += "<span id=\"pulls\">" + std::to_string(r.pulls) + " pulls</span> <span id=\"stars\">" +
          std::to_string(r.stars) + " stars</span>";
  if (!r.language.empty()) body += " <span>" + h(r.language) + "</span>";
  body += "</p>";
  if (v.identity) {
    body += "<form class=\"inline\" action=\"/star/" + h(repo) + "\" method=\"post\">" + csrfField(v) +
            "<input type=\"hidden\" name=\"star\" value=\"" + (starred ? "0" : "1") + "\">"
            "<button type=\"submit\" id=\"star\" aria-pressed=\"" + (starred ? "true" : "false") + "\">" +
            (starred ? "Unstar" : "Star") + "</button></form>";
    if (accounts_.mayAdmin(v.who(), repo)) body += " <a href=\"/settings/repo/" + h(repo) + "\">Settings</a>";
  }

  const std::string tag = r.latest_tag.empty() ? "latest" : r.latest_tag;
  std::string root_id = lastComponent(repo), module_digest, manifest_digest;
  if (tags) {
    for (const auto& t : *tags) {
      if (t.tag != tag) continue;
      if (!t.root_ids.empty()) root_id = t.root_ids.front();
      module_digest = t.module_digest;
      manifest_digest = t.digest;
    }
  }
  const std::string ref = hub + "/" + repo + ":" + tag;
  body += "<h2>Deploy</h2>";
  body += copyBlock("snippet-weir", "weir deploy",
                    "weir deploy " + ref + " --admin http://127.0.0.1:9901 --name " + lastComponent(repo));
  body += copyBlock("snippet-envoy", "Envoy config (weir proxy)",
                    "http_filters:\n"
                    "- name: envoy.filters.http.wasm\n"
                    "  typed_config:\n"
                    "    \"@type\": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm\n"
                    "    config:\n"
                    "      name: " + lastComponent(repo) + "\n"
                    "      root_id: " + root_id + "\n"
                    "      vm_config:\n"
                    "        runtime: envoy.wasm.runtime.v8\n"
                    "        code:\n"
                    "          remote:\n"
                    "            http_uri:\n"
                    "              uri: oci://" + hub + "/" + repo +
                        (manifest_digest.empty() ? ":" + tag : "@" + manifest_digest) + "\n"
                    "              timeout: 10s\n" +
                    (module_digest.size() > 7 ? "            sha256: " + module_digest.substr(7) + "\n" : "") +
                    "- name: envoy.filters.http.router\n");
  body += copyBlock("snippet-istio", "Istio WasmPlugin",
                    "apiVersion: extensions.istio.io/v1alpha1\n"
                    "kind: WasmPlugin\n"
                    "metadata:\n"
                    "  name: " + lastComponent(repo) + "\n"
                    "  namespace: istio-system\n"
                    "spec:\n"
                    "  selector:\n"
                    "    matchLabels:\n"
                    "      istio: ingressgateway\n"
                    "  url: oci://" + ref + "\n"
                    "  pluginName: " + root_id + "\n"
                    "  imagePullPolicy: IfNotPresent\n");

  body += "<h2>Tags</h2>";
  if (!tags || tags->empty()) {
    body += "<p class=\"empty\">No tags.</p>";
  } else {
    body += "<div class=\"table-wrap\"><table id=\"tags\"><caption>Tags of " + h(repo) +
            "</caption><thead><tr><th scope=\"col\">Tag</th><th scope=\"col\">Digest</th><th scope=\"col\">Size</th>"
            "<th scope=\"col\">Created</th><th scope=\"col\">ABI versions</th><th scope=\"col\">Root ids</th></tr>"
            "</thead><tbody>";
    for (const auto& t : *tags) {
      auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s.empty() ? std::string("-") : s;
      };
      body += "<tr><td>" + h(t.tag) + "</td><td><code title=\"" + h(t.digest) + "\">" +
              h(t.digest.substr(0, std::min<size_t>(t.digest.size(), 19))) + "</code></td><td>" +
              h(humanSize(t.size)) + "</td><td>" + h(isoTime(t.created)) + "</td><td>" + h(join(t.abi_versions)) +
              "</td><td>" + h(join(t.root_ids)) + "</td></tr>";
    }
    body += "</tbody></table></div>";
  }
  body += "<h2>README</h2><article class=\"readme\">" +
          (r.readme.empty() ? "<p class=\"empty\">No README in the artifact.</p>" : renderMarkdown(r.readme)) +
          "</article>";
  return htmlResponse(200, layout(v, repo, body));
}

HttpResponse HubFrontend::accountPage(const Viewer& v, const std::string& name, const std::string& notice) {
  auto acct = accounts_.store().account(name);
  if (!acct.isOk() || !*acct) return htmlResponse(404, layout(v, "Not found", "<h1>No such account</h1>"));
  const bool org = (*acct)->kind == AccountKind::kOrg;
  const bool manages = accounts_.managesAccount(v.user(), name);
  RepoQuery q;
  q.owner = name;
  q.sort = "name";
  q.limit = 200;
  q.viewer = v.user();
  auto repos = accounts_.store().searchRepos(q);
  std::string body = "<h1>" + h(name) + " <span class=\"badge\">" + (org ? "organization" : "user") + "</span></h1>";
  if (!notice.empty()) body += "<p class=\"notice\" role=\"status\">" + h(notice) + "</p>";
  body += "<h2>Repositories</h2>" + (repos ? repoList(*repos) : std::string());
  if (org) {
    auto members = accounts_.store().members(name);
    body += "<h2>Members</h2><ul id=\"members\">";
    if (members) {
      for (const auto& mem : *members) {
        body += "<li><a href=\"/u/" + h(mem.user) + "\">" + h(mem.user) + "</a> (" + h(mem.role) + ")";
        if (manages) {
          body += " <form class=\"inline\" action=\"/u/" + h(name) + "/members/remove\" method=\"post\">" +
                  csrfField(v) + "<input type=\"hidden\" name=\"user\" value=\"" + h(mem.user) +
                  "\"><button type=\"submit\">Remove</button></form>";
        }
        body += "</li>";
      }
    }
    body += "</ul>";
    if (manages) {
      body += "<form action=\"/u/" + h(name) + "/members\" method=\"post\">" + csrfField(v) +
              "<label for=\"member\">Add member</label><input id=\"member\" name=\"user\" required>"
              "<label for=\"role\">Role</label><select id=\"role\" name=\"role\"><option value=\"member\">member"
              "</option><option value=\"owner\">owner</option></select><button type=\"submit\">Add</button></form>";
    }
  } else {
    auto orgs = accounts_.store().memberships(name);
    body += "<h2>Organizations</h2><ul>";
    if (orgs) {
      for (const auto& o : *orgs) body += "<li><a href=\"/u/" + h(o.org) + "\">" + h(o.org) + "</a> (" + h(o.role) + ")</li>";
    }
    body += "</ul>";
    if (v.user() == name) {
      body += "<form action=\"/orgs\" method=\"post\">" + csrfField(v) +
              "<label for=\"org\">New organization</label><input id=\"org\" name=\"name\" required "
              "pattern=\"[a-z0-9-]{2,39}\"><button type=\"submit\">Create</button></form>";
    }
  }
  return htmlResponse(200, layout(v, name, body));
}

HttpResponse HubFrontend::tokensPage(const Viewer& v, const std::string& new_token, const std::string& error) {
  std::string body = "<h1>API tokens</h1><p>Use a token as the password: <code>weir login HUB -u " + h(v.user()) +
                     " --password-stdin</code>.</p>";
  if (!error.empty()) body += "<p class=\"error\" role=\"alert\">" + h(error) + "</p>";
  if (!new_token.empty()) {
    body += "<div class=\"notice\" role=\"status\"><p>Your new token (shown once; copy it now):</p>" +
            copyBlock("new-token", "Token", new_token) + "</div>";
  }
  auto tokens = accounts_.store().tokens(v.user());
  body += "<table id=\"token-list\"><caption>Your tokens</caption><thead><tr><th scope=\"col\">Name</th>"
          "<th scope=\"col\">Scopes</th><th scope=\"col\">Created</th><th scope=\"col\">Last used</th>"
          "<th scope=\"col\"><span class=\"sr\">Revoke</span></th></tr></thead><tbody>";
  if (tokens) {
    for (const auto& t : *tokens) {
      body += "<tr><td>" + h(t.name) + "</td><td>" + h(t.scopes) + "</td><td>" + h(isoTime(t.created)) + "</td><td>" +
              h(isoTime(t.last_used)) + "</td><td><form class=\"inline\" action=\"/settings/tokens/revoke\" "
              "method=\"post\">" + csrfField(v) + "<input type=\"hidden\" name=\"id\" value=\"" + h(t.id) +
              "\"><button type=\"submit\">Revoke</button></form></td></tr>";
    }
  }
  body += "</tbody></table><h2>New token</h2><form action=\"/settings/tokens\" method=\"post\">" + csrfField(v) +
          "<label for=\"token-name\">Name</label><input id=\"token-name\" name=\"name\" required maxlength=\"100\">"
          "<fieldset><legend>Scopes</legend>"
          "<label><input type=\"checkbox\" name=\"scope\" value=\"pull\" checked> pull</label>"
          "<label><input type=\"checkbox\" name=\"scope\" value=\"push\"> push</label>"
          "<label><input type=\"checkbox\" name=\"scope\" value=\"delete\"> delete</label></fieldset>"
          "<button type=\"submit\">Create token</button></form>";
  return htmlResponse(200, layout(v, "API tokens", body));
}

HttpResponse HubFrontend::repoSettingsPage(const Viewer& v, const std::string& repo, const std::string& notice) {
  auto rec = accounts_.store().repo(repo);
  if (!oci::isValidRepositoryName(repo) || !accounts_.mayAdmin(v.who(), repo) || !rec.isOk() || !*rec) {
    return htmlResponse(404, layout(v, "Not found", "<h1>Repository not found</h1>"));
  }
  const RepoRecord& r = **rec;
  std::string body = "<h1>Settings: <a href=\"/r/" + h(repo) + "\">" + h(repo) + "</a></h1>";
  if (!notice.empty()) body += "<p class=\"notice\" role=\"status\">" + h(notice) + "</p>";
  body += "<form action=\"/settings/repo/" + h(repo) + "\" method=\"post\">" + csrfField(v) +
          "<input type=\"hidden\" name=\"action\" value=\"save\">"
          "<label for=\"description\">Description</label><textarea id=\"description\" name=\"description\" "
          "maxlength=\"1000\">" + h(r.description) + "</textarea>"
          "<fieldset><legend>Visibility</legend>"
          "<label><input type=\"radio\" name=\"visibility\" value=\"public\"" + (r.is_private ? "" : " checked") +
          "> public</label><label><input type=\"radio\" name=\"visibility\" value=\"private\"" +
          (r.is_private ? " checked" : "") + "> private</label></fieldset><button type=\"submit\">Save</button></form>";
  auto tags = registry_.metadata().tags(repo, "", 1000);
  body += "<h2>Delete a tag</h2><form action=\"/settings/repo/" + h(repo) + "\" method=\"post\">" + csrfField(v) +
          "<input type=\"hidden\" name=\"action\" value=\"delete-tag\"><label for=\"tag\">Tag</label>"
          "<select id=\"tag\" name=\"tag\">";
  if (tags) {
    for (const auto& t : *tags) body += "<option>" + h(t) + "</option>";
  }
  body += "</select><button type=\"submit\">Delete tag</button></form>";
  return htmlResponse(200, layout(v, "Settings", body));
}

HttpResponse HubFrontend::loginPage(const Viewer& v, bool signup, const std::string& error, int status) {
  const char* action = signup ? "/signup" : "/login";
  std::string body = std::string("<h1>") + (signup ? "Sign up" : "Log in") + "</h1>";
  if (!error.empty()) body += "<p class=\"error\" role=\"alert\">" + h(error) + "</p>";
  body += std::string("<form class=\"stack\" action=\"") + action + "\" method=\"post\">" + csrfField(v) +
          "<label for=\"username\">User name</label><input id=\"username\" name=\"username\" required "
          "autocomplete=\"username\" autocapitalize=\"none\">"
          "<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" "
          "required minlength=\"8\" autocomplete=\"" + (signup ? "new-password" : "current-password") + "\">"
          "<button type=\"submit\">" + (signup ? "Create account" : "Log in") + "</button></form>";
  body += signup ? "<p>Have an account? <a href=\"/login\">Log in</a></p>"
                 : "<p>New here? <a href=\"/signup\">Sign up</a></p>";
  return htmlResponse(status, layout(v, signup ? "Sign up" : "Log in", body));
}

HttpResponse HubFrontend::postForm(const HttpRequest& request, const Viewer& v_in, const std::string& body) {
  Viewer v = v_in;
  const std::string path = percentDecode(request.path);
  const std::string csrf = queryParam(body, "csrf").value_or("");
  const std::string expected = v.cookie.empty() ? v.pre_csrf : Accounts::csrfToken(v.cookie);
  if (expected.empty() || csrf.size() != expected.size() ||
      CRYPTO_memcmp(csrf.data(), expected.data(), expected.size()) != 0) {
    return htmlResponse(403, layout(v, "Forbidden", "<h1>Forbidden</h1><p>The form expired or did not come from "
                                                    "this site. <a href=\"/\">Start again</a>.</p>"));
  }
  const int64_t now = nowSeconds();
  auto startSession = [&](const std::string& user) {
    auto id = accounts_.startSession(user, now);
    if (!id) return htmlResponse(500, layout(v, "Error", "<h1>Cannot start a session</h1>"));
    HttpResponse r = redirect("/u/" + user);
    r.headers.add("set-cookie", setCookie(kSessionCookie, *id, accounts_.options().session_ttl_seconds,
                                          options_.secure_cookies));
    r.headers.add("set-cookie", setCookie(kPreCookie, "", 0, options_.secure_cookies));
    return r;
  };
  const std::string user_field = queryParam(body, "username").value_or("");
  const std::string password = queryParam(body, "password").value_or("");
  if (path == "/signup") {
    Status s = accounts_.signUp(user_field, password, now);
    if (!s.isOk()) return loginPage(v, true, s.message(), 400);
    return startSession(user_field);
  }
  if (path == "/login") {
    Identity id;
    const std::string remote = request.remote.substr(0, request.remote.rfind(':'));
    switch (accounts_.login(user_field, password, remote, id)) {
      case CredentialCheck::kRateLimited: {
        HttpResponse r = loginPage(v, false, "Too many failed attempts. Try again in a few minutes.", 429);
        r.headers.set("retry-after", std::to_string(accounts_.options().failure_window_seconds));
        return r;
      }
      case CredentialCheck::kBad:
        return loginPage(v, false, "Wrong user name or password.", 401);
      case CredentialCheck::kOk:
        if (!id.scopes.empty()) return loginPage(v, false, "Log in with your password, not an API token.", 401);
        return startSession(user_field);
    }
  }
  if (!v.identity || v.cookie.empty()) return redirect("/login");
  const std::string user = v.user();
  if (path == "/logout") {
    (void)accounts_.endSession(v.cookie);
    HttpResponse r = redirect("/");
    r.headers.add("set-cookie", setCookie(kSessionCookie, "", 0, options_.secure_cookies));
    return r;
  }
  if (path == "/settings/tokens") {
    std::vector<std::string> scopes;
    for (auto& s : queryParams(body, "scope")) scopes.push_back(s);
    auto token = accounts_.createToken(user, queryParam(body, "name").value_or(""), scopes, now);
    if (!token) return tokensPage(v, "", token.status().message());
    return tokensPage(v, *token, "");
  }
  if (path == "/settings/tokens/revoke") {
    (void)accounts_.store().deleteToken(user, queryParam(body, "id").value_or(""));
    return redirect("/settings/tokens");
  }
  if (path == "/orgs") {
    const std::string name = queryParam(body, "name").value_or("");
    Status s = accounts_.createOrg(name, user, now);
    if (!s.isOk()) return accountPage(v, user, s.message());
    return redirect("/u/" + name);
  }
  if (path.rfind("/u/", 0) == 0) {
    // /u/<org>/members and /u/<org>/members/remove
    std::string rest = path.substr(3);
    const bool remove = rest.size() > 15 && rest.compare(rest.size() - 15, 15, "/members/remove") == 0;
    const bool add = !remove && rest.size() > 8 && rest.compare(rest.size() - 8, 8, "/members") == 0;
    if (!add && !remove) return htmlResponse(404, layout(v, "Not found", "<h1>Not found</h1>"));
    const std::string org = rest.substr(0, rest.size() - (remove ? 15 : 8));
    auto acct = accounts_.store().account(org);
    if (!acct.isOk() || !*acct || (*acct)->kind != AccountKind::kOrg || !accounts_.managesAccount(user, org)) {
      return htmlResponse(403, layout(v, "Forbidden", "<h1>Only the organization's owners manage members</h1>"));
    }
    const std::string member = queryParam(body, "user").value_or("");
    if (remove) {
      (void)accounts_.store().removeMember(org, member);
      return redirect("/u/" + org);
    }
    auto target = accounts_.store().account(member);
    if (!target.isOk() || !*target || (*target)->kind != AccountKind::kUser) {
      return accountPage(v, org, "No user named " + member);
    }
    const std::string role = queryParam(body, "role").value_or("member") == "owner" ? "owner" : "member";
    (void)accounts_.store().setMember(Membership{org, member, role});
    return redirect("/u/" + org);
  }
  if (path.rfind("/star/", 0) == 0) {
    const std::string repo = path.substr(6);
    auto rec = accounts_.store().repo(repo);
    if (!oci::isValidRepositoryName(repo) || !rec.isOk() || !*rec || !accounts_.mayRead(v.who(), repo)) {
      return htmlResponse(404, layout(v, "Not found", "<h1>Not found</h1>"));
    }
    (void)accounts_.store().setStar(user, repo, queryParam(body, "star").value_or("1") == "1");
    return redirect("/r/" + repo);
  }
  if (path.rfind("/settings/repo/", 0) == 0) {
    const std::string repo = path.substr(15);
    if (!accounts_.mayAdmin(v.who(), repo)) return htmlResponse(404, layout(v, "Not found", "<h1>Not found</h1>"));
    const std::string action = queryParam(body, "action").value_or("");
    if (action == "save") {
      std::string description = queryParam(body, "description").value_or("");
      if (description.size() > 1000) description.resize(1000);
      Status s = accounts_.store().setRepoSettings(repo, description,
                                                   queryParam(body, "visibility").value_or("public") == "private");
      return repoSettingsPage(v, repo, s.isOk() ? "Saved." : s.message());
    }
    if (action == "delete-tag") {
      const std::string tag = queryParam(body, "tag").value_or("");
      Result<bool> gone = false;
      Status s = registry_.metadata().writeTransaction([&]() -> Status {
        gone = registry_.metadata().deleteTag(repo, tag);
        return gone.status();
      });
      return repoSettingsPage(v, repo, s.isOk() && *gone ? "Deleted tag " + tag + "." : "No tag " + tag + ".");
    }
  }
  return htmlResponse(404, layout(v, "Not found", "<h1>Not found</h1>"));
}

}  // namespace weir::hub

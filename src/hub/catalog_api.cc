// The JSON catalog API behind the pages (/api/v1/...). Reads are open to
// anyone for public repositories; writes need a session (with the
// X-CSRF-Token header) or Basic credentials (password or API token).
// Managing tokens, organizations and members takes a session or a password:
// an API token cannot mint tokens or change who owns what.
#include <openssl/crypto.h>

#include <ctime>

#include <nlohmann/json.hpp>

#include "hub/markdown.h"
#include "hub/web_ui.h"
#include "oci/reference.h"

namespace weir::hub {

namespace {

using nlohmann::json;

constexpr size_t kMaxApiBody = 64 * 1024;

HttpResponse jsonReply(int status, const json& j) {
  HttpResponse r(status);
  r.headers.set(http::KnownHeader::kContentType, "application/json");
  r.headers.set("x-content-type-options", "nosniff");
  r.headers.set("cache-control", "no-store");
  r.body = j.dump();
  return r;
}

HttpResponse apiError(int status, std::string_view message) {
  return jsonReply(status, json{{"error", std::string(message)}});
}

int statusOf(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kFailedPrecondition: return 409;
    default: return 500;
  }
}

json repoJson(const RepoRecord& r) {
  std::vector<std::string> abis;
  std::string_view s = r.abi_versions;
  while (!s.empty()) {
    auto comma = s.find(',');
    abis.emplace_back(s.substr(0, comma));
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return json{{"name", r.name},
              {"owner", r.owner},
              {"private", r.is_private},
              {"description", r.description.empty() ? r.artifact_description : r.description},
              {"language", r.language},
              {"abi_versions", abis},
              {"latest_tag", r.latest_tag},
              {"updated", r.updated},
              {"pulls", r.pulls},
              {"stars", r.stars}};
}

json tagJson(const TagInfo& t) {
  return json{{"tag", t.tag},
              {"digest", t.digest},
              {"module_digest", t.module_digest},
              {"size", t.size},
              {"created", t.created},
              {"abi_versions", t.abi_versions},
              {"root_ids", t.root_ids}};
}

// "/api/v1/<kind>/<rest>" → kind, rest.
bool splitApiPath(const std::string& path, std::string& kind, std::string& rest) {
  constexpr std::string_view prefix = "/api/v1/";
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  std::string tail = path.substr(prefix.size());
  auto slash = tail.find('/');
  kind = tail.substr(0, slash);
  rest = slash == std::string::npos ? std::string() : tail.substr(slash + 1);
  return !kind.empty();
}

}  // namespace

std::unique_ptr<RequestStream> HubFrontend::api(HttpRequest& request, HttpResponse& reply) {
  Viewer v = viewer(request);
  if (request.method == "GET" || request.method == "HEAD") {
    reply = apiCall(request, v, "");
    return nullptr;
  }
  // Writes through the browser session must prove they come from our pages.
  if (!v.cookie.empty()) {
    const std::string expected = Accounts::csrfToken(v.cookie);
    const std::string_view given = request.headers.getOr("x-csrf-token");
    if (given.size() != expected.size() || CRYPTO_memcmp(given.data(), expected.data(), expected.size()) != 0) {
      reply = apiError(403, "missing or wrong X-CSRF-Token");
      return nullptr;
    }
  }
  HttpRequest copy = requestHead(request);
  return bufferedBody(kMaxApiBody, [this, copy, v](const std::string& body) { return apiCall(copy, v, body); });
}

HttpResponse HubFrontend::apiCall(const HttpRequest& request, const Viewer& v, const std::string& body) {
  std::string kind, rest;
  const std::string path = percentDecode(request.path);
  if (!splitApiPath(path, kind, rest)) return apiError(404, "no such endpoint");
  const std::string& m = request.method;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  json in;
  if (!body.empty()) {
    in = json::parse(body, nullptr, false);
    if (in.is_discarded() || !in.is_object()) return apiError(400, "the body must be a JSON object");
  }
  auto str = [&](const char* key) {
    auto it = in.find(key);
    return it != in.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const bool read = m == "GET" || m == "HEAD";
  if (!read && !v.identity) return apiError(401, "sign in (session or Basic credentials)");
  // Accounts are managed with a password or a session, never with an API token.
  const bool full_access = v.identity && v.identity->scopes.empty();

  if (kind == "search" && read) {
    RepoQuery q = repoQueryFrom(request.query, v.user());
    if (q.sort != "updated" && q.sort != "pulls" && q.sort != "stars" && q.sort != "name") {
      return apiError(400, "sort is one of updated, pulls, stars, name");
    }
    const int64_t n = std::clamp<int64_t>(std::atoll(queryParam(request.query, "n").value_or("20").c_str()), 1, 100);
    const int64_t page = std::max<int64_t>(0, std::atoll(queryParam(request.query, "page").value_or("0").c_str()));
    q.limit = n + 1;
    q.offset = page * n;
    auto repos = accounts_.store().searchRepos(q);
    if (!repos) return apiError(500, repos.status().message());
    json results = json::array();
    for (size_t i = 0; i < repos->size() && static_cast<int64_t>(i) < n; ++i) results.push_back(repoJson((*repos)[i]));
    return jsonReply(200, json{{"results", results},
                               {"page", page},
                               {"n", n},
                               {"more", static_cast<int64_t>(repos->size()) > n}});
  }

  if (kind == "repositories" || kind == "tags" || kind == "stars" || kind == "settings") {
    const std::string& repo = rest;
    if (!oci::isValidRepositoryName(repo) || !accounts_.mayRead(v.who(), repo)) {
      return apiError(404, "no such repository");
    }
    auto rec = accounts_.store().repo(repo);
    if (!rec.isOk()) return apiError(500, rec.status().message());
    if (!*rec) return apiError(404, "no such repository");
    if (kind == "repositories" && read) {
      json j = repoJson(**rec);
      j["readme"] = (*rec)->readme;
      j["readme_html"] = renderMarkdown((*rec)->readme);
      j["starred"] = v.identity ? accounts_.isStarred(v.user(), repo) : false;
      auto tags = tagInfos(repo, 100);
      json tj = json::array();
      if (tags) {
        for (const auto& t : *tags) tj.push_back(tagJson(t));
      }
      j["tags"] = tj;
      const std::string tag = (*rec)->latest_tag.empty() ? "latest" : (*rec)->latest_tag;
      auto slash = repo.rfind('/');
      j["deploy"] = "weir deploy " + host(request) + "/" + repo + ":" + tag + " --admin http://127.0.0.1:9901 --name " +
                    repo.substr(slash == std::string::npos ? 0 : slash + 1);
      return jsonReply(200, j);
    }
    if (kind == "tags" && read) {
      auto tags = tagInfos(repo, 1000);
      if (!tags) return apiError(500, tags.status().message());
      json tj = json::array();
      for (const auto& t : *tags) tj.push_back(tagJson(t));
      return jsonReply(200, json{{"name", repo}, {"tags", tj}});
    }
    if (kind == "tags" && m == "DELETE") {
      if (!accounts_.mayAdmin(v.who(), repo)) return apiError(403, "only the owner deletes tags");
      const std::string tag = queryParam(request.query, "tag").value_or("");
      Result<bool> gone = false;
      Status s = registry_.metadata().writeTransaction([&]() -> Status {
        gone = registry_.metadata().deleteTag(repo, tag);
        return gone.status();
      });
      if (!s.isOk()) return apiError(500, s.message());
      if (!*gone) return apiError(404, "no such tag");
      return jsonReply(200, json{{"deleted", tag}});
    }
    if (kind == "stars" && (m == "PUT" || m == "DELETE")) {
      Status s = accounts_.store().setStar(v.user(), repo, m == "PUT");
      if (!s.isOk()) return apiError(500, s.message());
      auto after = accounts_.store().repo(repo);
      return jsonReply(200, json{{"starred", m == "PUT"}, {"stars", after.isOk() && *after ? (*after)->stars : 0}});
    }
    if (kind == "settings" && (m == "POST" || m == "PATCH")) {
      if (!accounts_.mayAdmin(v.who(), repo)) return apiError(403, "only the owner changes settings");
      std::string description = in.contains("description") ? str("description") : (*rec)->description;
      if (description.size() > 1000) return apiError(400, "description: at most 1000 characters");
      bool is_private = (*rec)->is_private;
      if (auto it = in.find("private"); it != in.end()) {
        if (!it->is_boolean()) return apiError(400, "private: true or false");
        is_private = it->get<bool>();
      }
      Status s = accounts_.store().setRepoSettings(repo, description, is_private);
      if (!s.isOk()) return apiError(statusOf(s), s.message());
      auto after = accounts_.store().repo(repo);
      return jsonReply(200, after.isOk() && *after ? repoJson(**after) : json::object());
    }
    return apiError(405, "method not allowed");
  }

  if (kind == "tokens") {
    if (!v.identity) return apiError(401, "sign in (session or Basic credentials)");
    if (!full_access) return apiError(403, "API tokens cannot manage tokens");
    if (rest.empty() && read) {
      auto tokens = accounts_.store().tokens(v.user());
      if (!tokens) return apiError(500, tokens.status().message());
      json list = json::array();
      for (const auto& t : *tokens) {
        list.push_back(json{{"id", t.id}, {"name", t.name}, {"scopes", t.scopes}, {"created", t.created},
                            {"last_used", t.last_used}});
      }
      return jsonReply(200, json{{"tokens", list}});
    }
    if (rest.empty() && m == "POST") {
      std::vector<std::string> scopes;
      if (auto it = in.find("scopes"); it != in.end() && it->is_array()) {
        for (const auto& s : *it) {
          if (s.is_string()) scopes.push_back(s.get<std::string>());
        }
      }
      auto token = accounts_.createToken(v.user(), str("name"), scopes, now);
      if (!token) return apiError(statusOf(token.status()), token.status().message());
      return jsonReply(201, json{{"token", *token}, {"note", "shown once; the hub keeps only its SHA-256"}});
    }
    if (!rest.empty() && m == "DELETE") {
      auto gone = accounts_.store().deleteToken(v.user(), rest);
      if (!gone) return apiError(500, gone.status().message());
      if (!*gone) return apiError(404, "no such token");
      return jsonReply(200, json{{"revoked", rest}});
    }
    return apiError(405, "method not allowed");
  }

  if (kind == "accounts" && read) {
    auto acct = accounts_.store().account(rest);
    if (!acct.isOk() || !*acct) return apiError(404, "no such account");
    const bool org = (*acct)->kind == AccountKind::kOrg;
    json j{{"name", rest}, {"kind", org ? "org" : "user"}, {"created", (*acct)->created}};
    RepoQuery q;
    q.owner = rest;
    q.sort = "name";
    q.limit = 1000;
    q.viewer = v.user();
    json repos = json::array();
    if (auto list = accounts_.store().searchRepos(q)) {
      for (const auto& r : *list) repos.push_back(repoJson(r));
    }
    j["repositories"] = repos;
    auto members = org ? accounts_.store().members(rest) : accounts_.store().memberships(rest);
    json mj = json::array();
    if (members) {
      for (const auto& mem : *members) mj.push_back(json{{"org", mem.org}, {"user", mem.user}, {"role", mem.role}});
    }
    j[org ? "members" : "organizations"] = mj;
    return jsonReply(200, j);
  }

  if (kind == "orgs") {
    if (!full_access) return apiError(403, "API tokens cannot manage organizations");
    if (rest.empty() && m == "POST") {
      Status s = accounts_.createOrg(str("name"), v.user(), now);
      if (!s.isOk()) return apiError(statusOf(s), s.message());
      return jsonReply(201, json{{"name", str("name")}, {"owner", v.user()}});
    }
    // <org>/members/<user>
    auto slash = rest.find("/members/");
    if (slash == std::string::npos || (m != "PUT" && m != "DELETE")) return apiError(405, "method not allowed");
    const std::string org = rest.substr(0, slash), member = rest.substr(slash + 9);
    auto acct = accounts_.store().account(org);
    if (!acct.isOk() || !*acct || (*acct)->kind != AccountKind::kOrg) return apiError(404, "no such organization");
    if (!accounts_.managesAccount(v.user(), org)) return apiError(403, "only the organization's owners manage members");
    if (m == "DELETE") {
      auto gone = accounts_.store().removeMember(org, member);
      if (!gone) return apiError(500, gone.status().message());
      return *gone ? jsonReply(200, json{{"removed", member}}) : apiError(404, "not a member");
    }
    auto target = accounts_.store().account(member);
    if (!target.isOk() || !*target || (*target)->kind != AccountKind::kUser) return apiError(404, "no such user");
    const std::string role = in.contains("role") ? str("role") : "member";
    if (role != "owner" && role != "member") return apiError(400, "role is owner or member");
    Status s = accounts_.store().setMember(Membership{org, member, role});
    if (!s.isOk()) return apiError(500, s.message());
    return jsonReply(200, json{{"org", org}, {"user", member}, {"role", role}});
  }
  return apiError(404, "no such endpoint");
}

}  // namespace weir::hub

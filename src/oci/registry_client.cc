#include "oci/registry_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/media_types.h"
#include "oci/reference.h"

namespace weir::oci {

namespace {

using nlohmann::json;

void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return std::string(s);
}

std::string urlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Parses `Bearer realm="x",service="y",scope="z"` into scheme + params.
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};

Challenge parseChallenge(std::string_view h) {
  Challenge c;
  auto sp = h.find(' ');
  c.scheme = lower(std::string(h.substr(0, sp)));
  if (sp == std::string_view::npos) return c;
  std::string_view rest = h.substr(sp + 1);
  while (!rest.empty()) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ',')) rest.remove_prefix(1);
    auto eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    std::string key = lower(trim(rest.substr(0, eq)));
    rest.remove_prefix(eq + 1);
    std::string value;
    if (!rest.empty() && rest.front() == '"') {
      rest.remove_prefix(1);
      while (!rest.empty() && rest.front() != '"') {
        if (rest.front() == '\\' && rest.size() > 1) rest.remove_prefix(1);
        value += rest.front();
        rest.remove_prefix(1);
      }
      if (!rest.empty()) rest.remove_prefix(1);
    } else {
      auto comma = rest.find(',');
      value = trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma);
    }
    c.params[key] = value;
  }
  return c;
}

bool retryableStatus(long s) { return s == 408 || s == 429 || (s >= 500 && s != 501 && s != 505); }

bool retryableCurl(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string describeRegistryError(long status, const std::string& body) {
  std::string msg = "HTTP " + std::to_string(status);
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("errors") && j["errors"].is_array() && !j["errors"].empty()) {
    const auto& e = j["errors"][0];
    if (e.is_object()) {
      msg += " " + e.value("code", std::string()) + ": " + e.value("message", std::string());
    }
  } else if (!body.empty() && body.size() < 200) {
    msg += ": " + trim(body);
  }
  return msg;
}

struct RegistryClient::Request {
  std::string method = "GET";
  std::string url;    // absolute, or a path on the registry
  std::string scope;  // "repository:x:pull"
  std::vector<std::string> headers;
  // request body: in memory or a file
  const std::string* body = nullptr;
  std::string body_path;
  int64_t body_size = 0;
  // response body: memory (bounded) or a file
  size_t max_body = 1024 * 1024;
  int sink_fd = -1;
  Hasher* hasher = nullptr;
  uint64_t sink_written = 0;
  bool head = false;
  bool progress = false;

  // per-attempt state
  long current_status = 0;
  Response* response = nullptr;
  bool too_large = false;
  bool sink_error = false;
  bool first_body_byte = true;
  int read_fd = -1;
  size_t read_offset = 0;
};

namespace {

size_t onHeader(char* data, size_t size, size_t n, void* user) {
  auto* req = static_cast<RegistryClient::Request*>(user);
  std::string_view line(data, size * n);
  if (line.substr(0, 5) == "HTTP/") {
    req->response->headers.clear();
    auto sp = line.find(' ');
    req->current_status = sp == std::string_view::npos ? 0 : std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    req->response->headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * n;
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
  auto* req = static_cast<RegistryClient::Request*>(user);
  const size_t len = size * n;
  RegistryClient::Response& r = *req->response;
  if (req->sink_fd >= 0 && req->current_status >= 200 && req->current_status < 300) {
    if (req->first_body_byte) {
      req->first_body_byte = false;
      if (req->current_status == 200 && req->sink_written > 0) {
        // The server ignored our Range: start over.
        if (::ftruncate(req->sink_fd, 0) != 0 || ::lseek(req->sink_fd, 0, SEEK_SET) != 0) {
          req->sink_error = true;
          return 0;
        }
        req->sink_written = 0;
        if (req->hasher) *req->hasher = Hasher(req->hasher->algorithm());
      }
    }
    if (req->sink_written + len > req->max_body) {
      req->too_large = true;
      return 0;
    }
    size_t off = 0;
    while (off < len) {
      ssize_t w = ::write(req->sink_fd, data + off, len - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        req->sink_error = true;
        return 0;
      }
      off += static_cast<size_t>(w);
    }
    if (req->hasher) req->hasher->update(data, len);
    req->sink_written += len;
    r.body_bytes += len;
    return len;
  }
  size_t cap = req->current_status >= 300 ? 64 * 1024 : req->max_body;
  if (r.body.size() + len > cap) {
    if (req->current_status >= 300) return len;  // keep the start of an error body
    req->too_large = true;
    return 0;
  }
  r.body.append(data, len);
  r.body_bytes += len;
  return len;
}

size_t onRead(char* buffer, size_t size, size_t n, void* user) {
  auto* req = static_cast<RegistryClient::Request*>(user);
  const size_t want = size * n;
  if (req->body) {
    size_t left = req->body->size() - req->read_offset;
    size_t k = std::min(left, want);
    std::memcpy(buffer, req->body->data() + req->read_offset, k);
    req->read_offset += k;
    return k;
  }
  if (req->read_fd < 0) return 0;
  for (;;) {
    ssize_t r = ::read(req->read_fd, buffer, want);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return CURL_READFUNC_ABORT;
    return static_cast<size_t>(r);
  }
}

int onProgress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  auto* fn = static_cast<std::function<void(uint64_t, uint64_t)>*>(user);
  if (ultotal > 0) {
    (*fn)(static_cast<uint64_t>(ulnow), static_cast<uint64_t>(ultotal));
  } else if (dlnow > 0) {
    (*fn)(static_cast<uint64_t>(dlnow), static_cast<uint64_t>(dltotal));
  }
  return 0;
}

}  // namespace

RegistryClient::RegistryClient(std::string registry, ClientOptions options)
    : registry_(std::move(registry)), options_(std::move(options)) {
  globalInit();
  curl_ = curl_easy_init();
  if (options_.credentials) {
    credentials_ = options_.credentials;
    credentials_loaded_ = true;
  }
}

RegistryClient::~RegistryClient() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

std::string RegistryClient::baseUrl() const {
  std::string host = registry_;
  if (host == "docker.io" || host == "index.docker.io") host = "registry-1.docker.io";
  const bool plain = options_.plain_http || isLoopbackRegistry(registry_);
  return (plain ? "http://" : "https://") + host;
}

Result<RegistryClient::Response> RegistryClient::performOnce(Request& req, const std::string& authorization) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);
  Response resp;
  req.response = &resp;
  req.current_status = 0;
  req.too_large = false;
  req.sink_error = false;
  req.first_body_byte = true;
  const std::string url = req.url.rfind("http", 0) == 0 ? req.url : baseUrl() + req.url;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.tls_verify ? 2L : 0L);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, onHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &req);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, onBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &req);
  struct curl_slist* headers = nullptr;
  for (const auto& h : req.headers) headers = curl_slist_append(headers, h.c_str());
  if (!authorization.empty()) headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
  headers = curl_slist_append(headers, "Expect:");
  if (req.head) {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "PUT" || req.method == "PATCH" || (req.method == "POST" && (req.body || !req.body_path.empty()))) {
    req.read_offset = 0;
    if (!req.body_path.empty()) {
      req.read_fd = ::open(req.body_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (req.read_fd < 0) {
        curl_slist_free_all(headers);
        return ioError("open " + req.body_path + ": " + std::strerror(errno));
      }
    }
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, onRead);
    curl_easy_setopt(c, CURLOPT_READDATA, &req);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(req.body ? static_cast<int64_t>(req.body->size()) : req.body_size));
    if (req.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  } else if (req.method == "POST") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
  } else if (req.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  if (req.progress && options_.progress) {
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, onProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &options_.progress);
  }
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (req.read_fd >= 0) {
    ::close(req.read_fd);
    req.read_fd = -1;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  resp.status = status;
  if (req.too_large) return resourceExhausted(url + ": response larger than " + std::to_string(req.max_body) + " bytes");
  if (req.sink_error) return ioError("writing the download failed: " + std::string(std::strerror(errno)));
  if (rc != CURLE_OK) {
    std::string msg = url + ": " + (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return Status(retryableCurl(rc) ? StatusCode::kUnavailable : StatusCode::kIoError, msg);
  }
  return resp;
}

std::string RegistryClient::authorizationFor(const std::string& scope) const {
  auto it = tokens_.find(scope);
  if (it != tokens_.end()) return it->second;
  if (basic_) {
    auto b = tokens_.find("*basic*");
    if (b != tokens_.end()) return b->second;
  }
  return "";
}

Status RegistryClient::authenticate(const std::string& header, const std::string& scope) {
  if (!credentials_loaded_) {
    credentials_loaded_ = true;
    auto c = lookupCredentials(registry_, dockerConfigPath(options_.auth_config_path));
    if (!c) return c.status();
    credentials_ = *c;
  }
  Challenge ch = parseChallenge(header);
  if (ch.scheme == "basic") {
    if (!credentials_ || credentials_->username.empty()) {
      return failedPrecondition(registry_ + " needs credentials: run `weir login " + registry_ + "`");
    }
    basic_ = true;
    tokens_["*basic*"] = "Basic " + base64Encode(credentials_->username + ":" + credentials_->password);
    return Status::ok();
  }
  if (ch.scheme != "bearer" || ch.params["realm"].empty()) {
    return failedPrecondition(registry_ + " sent an unsupported authentication challenge: " + header.substr(0, 200));
  }
  const std::string realm = ch.params["realm"];
  if (realm.rfind("https://", 0) != 0 && realm.rfind("http://", 0) != 0) {
    return failedPrecondition("token realm is not an http(s) URL: " + realm.substr(0, 200));
  }
  std::string want_scope = ch.params.count("scope") ? ch.params["scope"] : scope;
  Request tr;
  std::string token_body;
  if (credentials_ && !credentials_->identity_token.empty()) {
    tr.method = "POST";
    tr.url = realm;
    token_body = "grant_type=refresh_token&service=" + urlEncode(ch.params["service"]) +
                 "&client_id=weir&refresh_token=" + urlEncode(credentials_->identity_token);
    if (!want_scope.empty()) token_body += "&scope=" + urlEncode(want_scope);
    tr.body = &token_body;
    tr.headers.push_back("Content-Type: application/x-www-form-urlencoded");
  } else {
    tr.url = realm + (realm.find('?') == std::string::npos ? "?" : "&") + "service=" + urlEncode(ch.params["service"]);
    if (!want_scope.empty()) tr.url += "&scope=" + urlEncode(want_scope);
  }
  std::string basic;
  if (credentials_ && !credentials_->username.empty() && credentials_->identity_token.empty()) {
    basic = "Basic " + base64Encode(credentials_->username + ":" + credentials_->password);
  }
  Result<Response> r = unavailable("no attempt");
  for (int attempt = 1; attempt <= options_.retry.max_attempts; ++attempt) {
    r = performOnce(tr, basic);
    if (r && !retryableStatus(r->status)) break;
    if (!r && r.status().code() != StatusCode::kUnavailable) break;
    std::this_thread::sleep_for(options_.retry.initial_backoff * (1 << std::min(attempt - 1, 5)));
  }
  if (!r) return r.status();
  if (r->status == 401 || r->status == 403) {
    return failedPrecondition(registry_ + ": authentication failed (" + describeRegistryError(r->status, r->body) +
                              ")" + (credentials_ ? "" : "; run `weir login " + registry_ + "`"));
  }
  if (r->status != 200) return unavailable("token endpoint " + realm + ": " + describeRegistryError(r->status, r->body));
  json j = json::parse(r->body, nullptr, false);
  std::string token;
  if (j.is_object()) {
    token = j.value("token", std::string());
    if (token.empty()) token = j.value("access_token", std::string());
  }
  if (token.empty()) return unavailable("token endpoint " + realm + " returned no token");
  tokens_[scope] = "Bearer " + token;
  return Status::ok();
}

Result<RegistryClient::Response> RegistryClient::perform(Request& req) {
  bool challenged = false;
  const RetryPolicy& rp = options_.retry;
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    if (req.sink_fd >= 0 && req.sink_written > 0) {
      // Resume a dropped download where it stopped.
      req.headers.erase(std::remove_if(req.headers.begin(), req.headers.end(),
                                       [](const std::string& h) { return h.rfind("Range:", 0) == 0; }),
                        req.headers.end());
      req.headers.push_back("Range: bytes=" + std::to_string(req.sink_written) + "-");
    }
    auto r = performOnce(req, authorizationFor(req.scope));
    std::chrono::milliseconds delay = std::min(rp.max_backoff, rp.initial_backoff * (1 << std::min(attempt - 1, 10)));
    delay = std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(delay.count() / 2, delay.count())(rng));
    if (!r) {
      if (r.status().code() != StatusCode::kUnavailable || attempt >= rp.max_attempts) return r.status();
      std::this_thread::sleep_for(delay);
      continue;
    }
    if (r->status == 401 && !challenged) {
      auto it = r->headers.find("www-authenticate");
      if (it == r->headers.end()) return failedPrecondition(registry_ + " answered 401 without a challenge");
      challenged = true;
      WEIR_RETURN_IF_ERROR(authenticate(it->second, req.scope));
      --attempt;  // the challenge round-trip is not a failure
      continue;
    }
    if (r->status == 401 && challenged) {
      return failedPrecondition(registry_ + ": " + describeRegistryError(r->status, r->body) +
                                (credentials_ ? " (the credentials were refused or lack this access)"
                                              : "; run `weir login " + registry_ + "`"));
    }
    if (retryableStatus(r->status) && attempt < rp.max_attempts) {
      if (auto ra = r->headers.find("retry-after"); ra != r->headers.end()) {
        const std::string& v = ra->second;
        std::chrono::milliseconds wait{0};
        if (!v.empty() && std::all_of(v.begin(), v.end(), ::isdigit)) {
          wait = std::chrono::seconds(std::strtoll(v.c_str(), nullptr, 10));
        } else {
          time_t t = curl_getdate(v.c_str(), nullptr);
          if (t > 0) wait = std::chrono::seconds(std::max<int64_t>(0, t - ::time(nullptr)));
        }
        delay = std::min(std::max(wait, std::chrono::milliseconds(0)), rp.max_retry_after);
      }
      std::this_thread::sleep_for(delay);
      continue;
    }
    return r;
  }
}

namespace {
std::string repoScope(const std::string& repo, bool push) {
  return "repository:" + repo + (push ? ":pull,push" : ":pull");
}
std::string mediaTypeOf(const std::map<std::string, std::string>& h) {
  auto it = h.find("content-type");
  if (it == h.end()) return "";
  std::string v = it->second.substr(0, it->second.find(';'));
  return trim(v);
}
}  // namespace

Status RegistryClient::ping() {
  Request req;
  req.url = "/v2/";
  auto r = perform(req);
  if (!r) return r.status();
  if (r->status != 200) return unavailable(registry_ + "/v2/: " + describeRegistryError(r->status, r->body));
  return Status::ok();
}

Result<FetchedManifest> RegistryClient::getManifest(const std::string& repo, const std::string& reference,
                                                    size_t max_bytes) {
  Request req;
  req.url = "/v2/" + repo + "/manifests/" + reference;
  req.scope = repoScope(repo, false);
  req.headers.push_back("Accept: " + std::string(media::kAcceptAll));
  req.max_body = max_bytes;
  auto r = perform(req);
  if (!r) return r.status();
  if (r->status == 404) return notFound(registry_ + "/" + repo + ":" + reference + ": manifest not found");
  if (r->status != 200) {
    return unavailable(registry_ + "/" + repo + ":" + reference + ": " + describeRegistryError(r->status, r->body));
  }
  FetchedManifest m;
  m.bytes = std::move(r->body);
  m.media_type = mediaTypeOf(r->headers);
  if (isValidDigest(reference)) {
    auto d = parseDigest(reference);
    Hasher h(d->algorithm());
    h.update(m.bytes);
    if (h.digestString() != reference) {
      return invalidArgument("manifest from " + registry_ + " does not match its digest " + reference);
    }
    m.digest = reference;
  } else {
    m.digest = sha256Digest(m.bytes);
  }
  return m;
}

Result<std::optional<FetchedManifest>> RegistryClient::headManifest(const std::string& repo,
                                                                    const std::string& reference) {
  Request req;
  req.url = "/v2/" + repo + "/manifests/" + reference;
  req.scope = repoScope(repo, false);
  req.headers.push_back("Accept: " + std::string(media::kAcceptAll));
  req.head = true;
  auto r = perform(req);
  if (!r) return r.status();
  if (r->status == 404) return std::optional<FetchedManifest>();
  if (r->status != 200) return unavailable(registry_ + "/" + repo + ":" + reference + ": HTTP " + std::to_string(r->status));
  FetchedManifest m;
  m.media_type = mediaTypeOf(r->headers);
  if (auto it = r->headers.find("docker-content-digest"); it != r->headers.end()) m.digest = it->second;
  return std::optional<FetchedManifest>(m);
}

Result<std::string> RegistryClient::putManifest(const std::string& repo, const std::string& reference,
                                                const std::string& bytes, const std::string& media_type) {
  Request req;
  req.method = "PUT";
  req.url = "/v2/" + repo + "/manifests/" + reference;
  req.scope = repoScope(repo, true);
  req.headers.push_back("Content-Type: " + media_type);
  req.body = &bytes;
  auto r = perform(req);
  if (!r) return r.status();
  if (r->status != 201 && r->status != 200) {
    return unavailable("push manifest " + repo + ":" + reference + ": " + describeRegistryError(r->status, r->body));
  }
  if (auto it = r->headers.find("docker-content-digest"); it != r->headers.end() && isValidDigest(it->second)) {
    return it->second;
  }
  return sha256Digest(bytes);
}

Status RegistryClient::deleteManifest(const std::string& repo, const std::string& reference) {
  Request req;
  req.method = "DELETE";
  req.url = "/v2/" + repo + "/manifests/" + reference;
  req.scope = "repository:" + repo + ":delete";
  auto r = perform(req);
  if (!r) return r.status();
  if (r->status != 202 && r->status != 200) return unavailable("delete " + repo + ":" + reference + ": " +
                                                               describeRegistryError(r->status, r->body));
  return Status::ok();
}

Result<std::optional<int64_t>> RegistryClient::headBlob(const std::string& repo, const std::string& digest) {
  Request req;
  req.url = "/v2/" + repo + "/blobs/" + digest;
  req.scope = repoScope(repo, false);
  req.head = true;
  auto r = perform(req);
  if (!r) return r.status();
  if (r->status == 404) return std::optional<int64_t>();
  if (r->status != 200) return unavailable("HEAD blob " + digest + ": HTTP " + std::to_string(r->status));
  int64_t size = -1;
  if (auto it = r->headers.find("content-length"); it != r->headers.end()) size = std::strtoll(it->second.c_str(), nullptr, 10);
  return std::optional<int64_t>(size);
}

Result<std::string> RegistryClient::getBlob(const std::string& repo, const std::string& digest, size_t max_bytes) {
  auto d = parseDigest(digest);
  if (!d) return d.status();
  Request req;
  req.url = "/v2/" + repo + "/blobs/" + digest;
  req.scope = repoScope(repo, false);
  req.max_body = max_bytes;
  auto r = perform(req);
  if (!r) return r.status();
  if (r->status == 404) return notFound("blob " + digest + " not found in " + registry_ + "/" + repo);
  if (r->status != 200) return unavailable("GET blob " + digest + ": " + describeRegistryError(r->status, r->body));
  Hasher h(d->algorithm());
  h.update(r->body);
  if (h.digestString() != digest) return invalidArgument("blob " + digest + " from " + registry_ + " failed verification");
  return std::move(r->body);
}

Status RegistryClient::downloadBlob(const std::string& repo, const std::string& digest, int64_t expected_size,
                                    const std::string& path) {
  auto d = parseDigest(digest);
  if (!d) return d.status();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("create " + path + ": " + std::strerror(errno));
  Hasher h(d->algorithm());
  Request req;
  req.url = "/v2/" + repo + "/blobs/" + digest;
  req.scope = repoScope(repo, false);
  req.sink_fd = fd;
  req.hasher = &h;
  req.progress = true;
  req.max_body = expected_size >= 0 ? static_cast<size_t>(expected_size) : (size_t{1} << 40);
  auto r = perform(req);
  int fs = ::fsync(fd);
  ::close(fd);
  auto fail = [&](Status s) {
    ::unlink(path.c_str());
    return s;
  };
  if (!r) return fail(r.status());
  if (r->status == 404) return fail(notFound("blob " + digest + " not found in " + registry_ + "/" + repo));
  if (r->status != 200 && r->status != 206) {
    return fail(unavailable("GET blob " + digest + ": " + describeRegistryError(r->status, r->body)));
  }
  if (fs != 0) return fail(ioError("fsync " + path));
  if (expected_size >= 0 && req.sink_written != static_cast<uint64_t>(expected_size)) {
    return fail(invalidArgument("blob " + digest + " is " + std::to_string(req.sink_written) + " bytes, expected " +
                                std::to_string(expected_size)));
  }
  if (h.digestString() != digest) {
    return fail(invalidArgument("blob " + digest + " from " + registry_ + " failed verification (got " +
                                h.digestString() + ")"));
  }
  return Status::ok();
}

Status RegistryClient::pushBlob(const std::string& repo, const std::string& digest, int64_t size,
                                const std::string& path, const std::string* data, const std::string& mount_from) {
  auto exists = headBlob(repo, digest);
  if (!exists) return exists.status();
  if (*exists) return Status::ok();
  Status last = Status::ok();
  for (int round = 0; round < 2; ++round) {
    Request post;
    post.method = "POST";
    post.url = "/v2/" + repo + "/blobs/uploads/";
    if (!mount_from.empty()) post.url += "?mount=" + digest + "&from=" + mount_from;
    post.scope = repoScope(repo, true);
    auto r = perform(post);
    if (!r) return r.status();
    if (r->status == 201) return Status::ok();  // mounted
    if (r->status != 202) return unavailable("start upload to " + repo + ": " + describeRegistryError(r->status, r->body));
    auto loc = r->headers.find("location");
    if (loc == r->headers.end() || loc->second.empty()) return unavailable("upload start: no Location header");
    std::string url = loc->second;
    if (url.rfind("http", 0) != 0) {
      if (url.front() != '/') url = "/" + url;
    }
    url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
    Request put;
    put.method = "PUT";
    put.url = url;
    put.scope = repoScope(repo, true);
    put.headers.push_back("Content-Type: application/octet-stream");
    put.body = data;
    put.body_path = data ? "" : path;
    put.body_size = size;
    put.progress = true;
    auto p = perform(put);
    if (!p) return p.status();
    if (p->status == 201 || p->status == 204) return Status::ok();
    last = unavailable("upload " + digest + " to " + repo + ": " + describeRegistryError(p->status, p->body));
    if (p->status != 404) break;  // 404: the session vanished, start a new one
  }
  return last;
}

Result<std::vector<std::string>> RegistryClient::listTags(const std::string& repo) {
  std::vector<std::string> out;
  std::string url = "/v2/" + repo + "/tags/list?n=1000";
  for (int page = 0; page < 1000 && !url.empty(); ++page) {
    Request req;
    req.url = url;
    req.scope = repoScope(repo, false);
    auto r = perform(req);
    if (!r) return r.status();
    if (r->status == 404) return notFound(registry_ + "/" + repo + ": repository not found");
    if (r->status != 200) return unavailable("tags of " + repo + ": " + describeRegistryError(r->status, r->body));
    json j = json::parse(r->body, nullptr, false);
    if (j.is_object() && j.contains("tags") && j["tags"].is_array()) {
      for (const auto& t : j["tags"]) {
        if (t.is_string()) out.push_back(t.get<std::string>());
      }
    }
    url.clear();
    if (auto link = r->headers.find("link"); link != r->headers.end()) {
      auto a = link->second.find('<'), b = link->second.find('>');
      if (a != std::string::npos && b != std::string::npos && b > a) url = link->second.substr(a + 1, b - a - 1);
    }
  }
  return out;
}

Result<std::string> RegistryClient::downloadUrl(const std::string& url, const std::string& path, uint64_t max_bytes) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return invalidArgument("not an http(s) URL: " + url);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("create " + path + ": " + std::strerror(errno));
  Hasher h("sha256");
  Request req;
  req.url = url;
  req.sink_fd = fd;
  req.hasher = &h;
  req.max_body = static_cast<size_t>(max_bytes);
  req.progress = true;
  auto r = perform(req);
  int fs = ::fsync(fd);
  ::close(fd);
  if (!r || fs != 0 || (r->status != 200 && r->status != 206)) {
    ::unlink(path.c_str());
    if (!r) return r.status();
    if (fs != 0) return ioError("fsync " + path);
    return Status(r->status == 404 ? StatusCode::kNotFound : StatusCode::kUnavailable,
                  url + ": " + describeRegistryError(r->status, r->body));
  }
  return h.digestString();
}

}  // namespace weir::oci

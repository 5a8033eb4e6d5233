#include "hub/registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <cstring>
#include <ctime>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "hub/gc.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/media_types.h"
#include "oci/reference.h"

namespace weir::hub {

namespace {

using nlohmann::json;

int64_t nowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

void commonHeaders(HttpResponse& r) { r.headers.set("docker-distribution-api-version", "registry/2.0"); }

HttpResponse jsonResponse(int status, const json& j, std::string_view content_type = "application/json") {
  HttpResponse r(status);
  r.headers.set(http::KnownHeader::kContentType, content_type);
  r.body = j.dump();
  return r;
}

HttpResponse internal(const Status& s) {
  WEIR_ERROR("hub: {}", s.toString());
  return ociError(500, "UNKNOWN", "internal error: " + s.message());
}

bool isValidUploadId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// "bytes=a-b" | "bytes=a-" | "bytes=-n" (one range). false = unsatisfiable/invalid.
bool parseRange(std::string_view v, uint64_t total, uint64_t& first, uint64_t& last) {
  if (v.substr(0, 6) != "bytes=") return false;
  v.remove_prefix(6);
  if (v.find(',') != std::string_view::npos) return false;
  auto dash = v.find('-');
  if (dash == std::string_view::npos) return false;
  auto num = [](std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  std::string_view a = v.substr(0, dash), b = v.substr(dash + 1);
  if (a.empty()) {
    uint64_t n = 0;
    if (!num(b, n) || n == 0 || total == 0) return false;
    first = n >= total ? 0 : total - n;
    last = total - 1;
    return true;
  }
  if (!num(a, first) || first >= total) return false;
  if (b.empty()) {
    last = total - 1;
  } else {
    if (!num(b, last) || last < first) return false;
    if (last >= total) last = total - 1;
  }
  return true;
}

// "a-b" as in a PATCH Content-Range (also accepts "bytes a-b/*").
bool parseContentRange(std::string_view v, uint64_t& start, uint64_t& end) {
  if (v.substr(0, 6) == "bytes ") v.remove_prefix(6);
  if (auto slash = v.find('/'); slash != std::string_view::npos) v = v.substr(0, slash);
  auto dash = v.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= v.size()) return false;
  auto num = [](std::string_view s, uint64_t& out) {
    if (s.size() > 19) return false;
    out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + static_cast<uint64_t>(c - '0');
    }
    return true;
  };
  return num(v.substr(0, dash), start) && num(v.substr(dash + 1), end) && end >= start;
}

std::string rangeHeader(uint64_t size) { return "0-" + std::to_string(size == 0 ? 0 : size - 1); }

// Splits /v2/<name>/<kind>/<arg>. kind: "blobs", "uploads", "manifests",
// "referrers", "tags". Components are percent-decoded; the name is
// validated by the caller.
struct Route {
  std::string name;
  std::string kind;
  std::string arg;
};

std::optional<Route> splitRoute(std::string_view path) {
  if (path.substr(0, 4) != "/v2/") return std::nullopt;
  std::string_view rest = path.substr(4);
  Route r;
  auto endsWith = [&](std::string_view suffix) {
    return rest.size() > suffix.size() && rest.substr(rest.size() - suffix.size()) == suffix;
  };
  if (endsWith("/tags/list")) {
    r.name = percentDecode(rest.substr(0, rest.size() - 10));
    r.kind = "tags";
    return r;
  }
  if (endsWith("/blobs/uploads/") || endsWith("/blobs/uploads")) {
    size_t cut = rest.rfind("/blobs/uploads");
    r.name = percentDecode(rest.substr(0, cut));
    r.kind = "uploads";
    return r;
  }
  auto last_slash = rest.rfind('/');
  if (last_slash == std::string_view::npos || last_slash == 0) return std::nullopt;
  std::string_view arg = rest.substr(last_slash + 1);
  std::string_view before = rest.substr(0, last_slash);
  auto prev_slash = before.rfind('/');
  if (prev_slash == std::string_view::npos) return std::nullopt;
  std::string_view kind = before.substr(prev_slash + 1);
  std::string_view name = before.substr(0, prev_slash);
  if (kind == "uploads") {
    if (name.size() < 6 || name.substr(name.size() - 6) != "/blobs") return std::nullopt;
    name.remove_suffix(6);
  } else if (kind != "blobs" && kind != "manifests" && kind != "referrers") {
    return std::nullopt;
  }
  r.name = percentDecode(name);
  r.kind = std::string(kind);
  r.arg = percentDecode(arg);
  return r;
}

class FixedResponseStream : public RequestStream {
 public:
  explicit FixedResponseStream(HttpResponse r) : r_(std::move(r)) {}
  void onBody(std::string_view) override {}
  HttpResponse onComplete() override { return std::move(r_); }

 private:
  HttpResponse r_;
};

}  // namespace

HttpResponse ociError(int status, std::string_view code, std::string_view message) {
  json j;
  j["errors"] = json::array({json{{"code", code}, {"message", message}, {"detail", nullptr}}});
  HttpResponse r = jsonResponse(status, j);
  commonHeaders(r);
  return r;
}

// ---------------------------------------------------------------------------
// Upload sessions

struct Registry::Upload {
  std::string id;
  std::string repo;
  uint64_t offset = 0;
  std::optional<oci::Hasher> hasher;  // sha256 of [0, offset) when known
  std::atomic<bool> busy{false};      // a request is writing it
};

namespace {

// Streams one request body (PATCH chunk, PUT last chunk, monolithic POST)
// into the upload file, hashing as it goes.
class UploadStream : public RequestStream {
 public:
  enum class Mode { kPatch, kPut, kMonolithic };
  UploadStream(Registry& registry, std::shared_ptr<Registry::Upload> upload, Mode mode, std::string digest,
               std::optional<std::pair<uint64_t, uint64_t>> content_range, int fd)
      : registry_(registry),
        upload_(std::move(upload)),
        mode_(mode),
        digest_(std::move(digest)),
        content_range_(content_range),
        fd_(fd),
        start_offset_(upload_->offset) {}

  ~UploadStream() override {
    if (fd_ >= 0) ::close(fd_);
    if (!done_) rollback();
  }

  void onBody(std::string_view chunk) override {
    if (failed_ != 0) return;
    if (upload_->offset + written_ + chunk.size() > registry_.options().max_blob_bytes) {
      failed_ = 413;
      return;
    }
    size_t off = 0;
    while (off < chunk.size()) {
      ssize_t n = ::write(fd_, chunk.data() + off, chunk.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        WEIR_ERROR("hub: write upload {}: {}", upload_->id, std::strerror(errno));
        failed_ = 500;
        return;
      }
      off += static_cast<size_t>(n);
    }
    if (upload_->hasher) upload_->hasher->update(chunk);
    written_ += chunk.size();
  }

  HttpResponse onComplete() override {
    ::close(fd_);
    fd_ = -1;
    if (failed_ == 413) {
      rollback();
      return ociError(413, "SIZE_INVALID", "blob exceeds the hub's limit of " +
                                              std::to_string(registry_.options().max_blob_bytes) + " bytes");
    }
    if (failed_ != 0) {
      rollback();
      return ociError(500, "UNKNOWN", "could not store the upload");
    }
    if (content_range_ && content_range_->second - content_range_->first + 1 != written_) {
      rollback();
      return ociError(400, "BLOB_UPLOAD_INVALID", "Content-Range does not match the bytes sent");
    }
    upload_->offset += written_;
    done_ = true;
    if (mode_ == Mode::kPatch) {
      upload_->busy = false;
      HttpResponse r(202);
      const std::string loc = "/v2/" + upload_->repo + "/blobs/uploads/" + upload_->id;
      r.headers.set(http::KnownHeader::kLocation, loc);
      r.headers.set("range", rangeHeader(upload_->offset));
      r.headers.set("docker-upload-uuid", upload_->id);
      commonHeaders(r);
      return r;
    }
    return registry_.finishUpload(*upload_, digest_);
  }

  void onAbort() override { rollback(); }

 private:
  // A failed or interrupted request leaves the session as it was before it.
  void rollback() {
    if (done_) return;
    done_ = true;
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    if (written_ > 0) {
      if (::truncate(registry_.blobs().uploadPath(upload_->id).c_str(), static_cast<off_t>(start_offset_)) != 0) {
        WEIR_WARN("hub: truncate upload {}: {}", upload_->id, std::strerror(errno));
      }
      upload_->hasher.reset();  // recomputed from the file when needed
    }
    upload_->offset = start_offset_;
    if (mode_ == Mode::kMonolithic) {
      registry_.forgetUpload(upload_->id);
    } else {
      upload_->busy = false;
    }
  }

  Registry& registry_;
  std::shared_ptr<Registry::Upload> upload_;
  Mode mode_;
  std::string digest_;
  std::optional<std::pair<uint64_t, uint64_t>> content_range_;
  int fd_;
  uint64_t start_offset_;
  uint64_t written_ = 0;
  int failed_ = 0;
  bool done_ = false;
};

class ManifestStream : public RequestStream {
 public:
  ManifestStream(Registry& registry, HttpRequest request, std::string repo, std::string reference)
      : registry_(registry), request_(std::move(request)), repo_(std::move(repo)), reference_(std::move(reference)) {}
  void onBody(std::string_view chunk) override {
    if (too_large_) return;
    if (body_.size() + chunk.size() > registry_.options().max_manifest_bytes) {
      too_large_ = true;
      body_.clear();
      return;
    }
    body_.append(chunk);
  }
  HttpResponse onComplete() override {
    if (too_large_) return ociError(413, "SIZE_INVALID", "manifest exceeds the hub's limit");
    return registry_.putManifest(request_, repo_, reference_, body_);
  }

 private:
  Registry& registry_;
  HttpRequest request_;
  std::string repo_;
  std::string reference_;
  std::string body_;
  bool too_large_ = false;
};

}  // namespace

// ---------------------------------------------------------------------------

Result<std::unique_ptr<Registry>> Registry::open(RegistryOptions options, std::unique_ptr<Authorizer> authorizer) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return ioError("mkdir " + options.data_dir + ": " + ec.message());
  auto md = openSqliteMetadataStore(options.data_dir + "/meta.db");
  if (!md) return md.status();
  auto reg = std::unique_ptr<Registry>(
      new Registry(std::move(options), authorizer ? std::move(authorizer) : makeAllowAllAuthorizer(), std::move(md).value()));
  WEIR_RETURN_IF_ERROR(reg->blobs_.init());
  WEIR_RETURN_IF_ERROR(recoverTrash(*reg->metadata_, reg->blobs_));
  return reg;
}

Registry::Registry(RegistryOptions options, std::unique_ptr<Authorizer> authorizer,
                   std::unique_ptr<MetadataStore> metadata)
    : options_(std::move(options)),
      authorizer_(std::move(authorizer)),
      metadata_(std::move(metadata)),
      blobs_(options_.data_dir) {}

Registry::~Registry() = default;

std::unique_ptr<RequestStream> Registry::onRequest(HttpRequest& request, HttpResponse& reply) {
  auto stream = route(request, reply);
  if (!stream) commonHeaders(reply);
  return stream;
}

std::unique_ptr<RequestStream> Registry::route(HttpRequest& request, HttpResponse& reply) {
  const std::string& m = request.method;
  const std::string& path = request.path;
  auto fixed = [](HttpResponse r) {
    commonHeaders(r);
    return std::make_unique<FixedResponseStream>(std::move(r));
  };

  if (path == "/token" || path == "/v2/token") {
    if (m == "POST") {
      HttpRequest copy = requestHead(request);
      return bufferedBody(64 * 1024, [this, copy](const std::string& body) {
        auto r = authorizer_->tokenEndpoint(copy, body);
        return r ? std::move(*r) : ociError(404, "UNSUPPORTED", "this hub issues no tokens");
      });
    }
    auto r = authorizer_->tokenEndpoint(request, "");
    reply = r ? std::move(*r) : ociError(404, "UNSUPPORTED", "this hub issues no tokens");
    return nullptr;
  }
  if (path == "/v2" || path == "/v2/") {
    if (m != "GET" && m != "HEAD") {
      reply = ociError(405, "UNSUPPORTED", "method not allowed");
      return nullptr;
    }
    if (auto deny = authorizer_->authorize(request, "", "")) {
      reply = std::move(*deny);
      return nullptr;
    }
    reply = jsonResponse(200, json::object());
    return nullptr;
  }
  if (path == "/v2/_catalog") {
    if (auto deny = authorizer_->authorize(request, "", "catalog")) {
      reply = std::move(*deny);
      return nullptr;
    }
    reply = catalog(request);
    return nullptr;
  }
  if (path == "/" || path == "/healthz") {
    reply = HttpResponse(200);
    reply.body = "weir hub\n";
    return nullptr;
  }
  auto route = splitRoute(path);
  if (!route) {
    reply = ociError(404, "NAME_UNKNOWN", "no such endpoint");
    return nullptr;
  }
  if (!oci::isValidRepositoryName(route->name)) {
    reply = ociError(400, "NAME_INVALID", "invalid repository name");
    return nullptr;
  }
  const std::string& repo = route->name;
  std::string action = "pull";
  if (m == "PUT" || m == "POST" || m == "PATCH") action = "push";
  if (m == "DELETE") action = route->kind == "uploads" ? "push" : "delete";
  if (route->kind == "uploads" && m == "GET") action = "push";
  if (auto deny = authorizer_->authorize(request, repo, action)) {
    reply = std::move(*deny);
    return nullptr;
  }
  if (m == "DELETE" && action == "delete" && !options_.allow_delete) {
    reply = ociError(405, "UNSUPPORTED", "deletes are disabled on this hub");
    return nullptr;
  }

  if (route->kind == "blobs") {
    if (!oci::isValidDigest(route->arg)) {
      reply = ociError(400, "DIGEST_INVALID", "invalid digest");
      return nullptr;
    }
    if (m == "GET" || m == "HEAD") {
      reply = getBlob(request, repo, route->arg);
    } else if (m == "DELETE") {
      reply = deleteBlob(repo, route->arg);
    } else {
      reply = ociError(405, "UNSUPPORTED", "method not allowed");
    }
    return nullptr;
  }
  if (route->kind == "uploads") {
    if (route->arg.empty()) {
      if (m != "POST") {
        reply = ociError(405, "UNSUPPORTED", "method not allowed");
        return nullptr;
      }
      return startUpload(request, repo, reply);
    }
    if (!isValidUploadId(route->arg)) {
      reply = ociError(404, "BLOB_UPLOAD_UNKNOWN", "unknown upload");
      return nullptr;
    }
    return continueUpload(request, repo, route->arg, reply);
  }
  if (route->kind == "manifests") {
    const std::string& ref = route->arg;
    if (!oci::isValidTag(ref) && !oci::isValidDigest(ref)) {
      reply = ref.find(':') != std::string::npos ? ociError(400, "DIGEST_INVALID", "invalid digest")
                                                 : ociError(400, "TAG_INVALID", "invalid tag");
      if (ref.find(':') == std::string::npos) {
        reply = ociError(400, "MANIFEST_INVALID", "invalid reference (tag or digest)");
      }
      return nullptr;
    }
    if (m == "GET" || m == "HEAD") {
      reply = getManifest(request, repo, ref);
      return nullptr;
    }
    if (m == "PUT") {
      if (request.content_length && *request.content_length > options_.max_manifest_bytes) {
        reply = ociError(413, "SIZE_INVALID", "manifest exceeds the hub's limit");
        return nullptr;
      }
      return std::make_unique<ManifestStream>(*this, requestHead(request), repo, ref);
    }
    if (m == "DELETE") {
      reply = deleteManifest(repo, ref);
      return nullptr;
    }
    reply = ociError(405, "UNSUPPORTED", "method not allowed");
    return nullptr;
  }
  if (route->kind == "tags") {
    if (m != "GET" && m != "HEAD") {
      reply = ociError(405, "UNSUPPORTED", "method not allowed");
      return nullptr;
    }
    reply = tagsList(request, repo);
    return nullptr;
  }
  if (route->kind == "referrers") {
    if (m != "GET" && m != "HEAD") {
      reply = ociError(405, "UNSUPPORTED", "method not allowed");
      return nullptr;
    }
    if (!oci::isValidDigest(route->arg)) {
      reply = ociError(400, "DIGEST_INVALID", "invalid digest");
      return nullptr;
    }
    reply = referrers(request, repo, route->arg);
    return nullptr;
  }
  (void)fixed;
  reply = ociError(404, "NAME_UNKNOWN", "no such endpoint");
  return nullptr;
}

HttpResponse Registry::catalog(const HttpRequest& request) {
  int64_t n = 1000;
  if (auto ns = queryParam(request.query, "n")) {
    char* end = nullptr;
    long long v = std::strtoll(ns->c_str(), &end, 10);
    if (ns->empty() || *end != '\0' || v < 0) return ociError(400, "PAGINATION_NUMBER_INVALID", "invalid n");
    n = std::min<int64_t>(v, 100000);
  }
  std::string last = queryParam(request.query, "last").value_or("");
  auto repos = n == 0 ? Result<std::vector<std::string>>(std::vector<std::string>{}) : metadata_->repositories(last, n + 1);
  if (!repos) return internal(repos.status());
  std::vector<std::string> list = std::move(repos).value();
  bool more = static_cast<int64_t>(list.size()) > n;
  if (more) list.resize(static_cast<size_t>(n));
  HttpResponse r = jsonResponse(200, json{{"repositories", list}});
  if (more && !list.empty()) {
    r.headers.set("link", "</v2/_catalog?n=" + std::to_string(n) + "&last=" + percentEncode(list.back()) +
                              ">; rel=\"next\"");
  }
  return r;
}

HttpResponse Registry::getBlob(const HttpRequest& request, const std::string& repo, const std::string& digest_text) {
  auto digest = oci::parseDigest(digest_text);
  auto size = metadata_->repoBlobSize(repo, digest_text);
  if (!size) return internal(size.status());
  if (!*size) return ociError(404, "BLOB_UNKNOWN", "blob unknown to registry");
  const uint64_t total = static_cast<uint64_t>(**size);
  uint64_t first = 0, last = total == 0 ? 0 : total - 1;
  int status = 200;
  const bool head = request.method == "HEAD";
  if (auto range = request.headers.get(http::KnownHeader::kRange); range && !head) {
    if (!parseRange(*range, total, first, last)) {
      HttpResponse r = ociError(416, "BLOB_UNKNOWN", "requested range not satisfiable");
      r.headers.set("content-range", "bytes */" + std::to_string(total));
      return r;
    }
    status = 206;
  }
  const uint64_t length = total == 0 ? 0 : last - first + 1;
  auto source = blobs_.open(*digest, **size, first, length);
  if (!source) {
    WEIR_ERROR("hub: {} listed but not servable: {}", digest_text, source.status().message());
    return ociError(404, "BLOB_UNKNOWN", "blob unknown to registry");
  }
  HttpResponse r(status);
  r.headers.set(http::KnownHeader::kContentType, "application/octet-stream");
  r.headers.set("docker-content-digest", digest_text);
  r.headers.set(http::KnownHeader::kEtag, "\"" + digest_text + "\"");
  r.headers.set("accept-ranges", "bytes");
  r.headers.set(http::KnownHeader::kCacheControl, "max-age=31536000");
  if (status == 206) {
    r.headers.set("content-range",
                  "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(total));
  }
  if (head) {
    r.headers.setContentLength(length);
    if (auto s = metadata_->writeTransaction([&] { return metadata_->touchBlob(digest_text, nowSeconds()); }); !s.isOk()) {
      WEIR_WARN("hub: touch {}: {}", digest_text, s.message());
    }
  } else {
    r.source = std::move(source).value();
  }
  return r;
}

HttpResponse Registry::deleteBlob(const std::string& repo, const std::string& digest) {
  bool removed = false;
  Status s = metadata_->writeTransaction([&]() -> Status {
    auto r = metadata_->unlinkBlob(repo, digest);
    if (!r) return r.status();
    removed = *r;
    return Status::ok();
  });
  if (!s.isOk()) return internal(s);
  if (!removed) return ociError(404, "BLOB_UNKNOWN", "blob unknown to registry");
  HttpResponse r(202);
  commonHeaders(r);
  return r;
}

std::shared_ptr<Registry::Upload> Registry::findUpload(const std::string& id, const std::string& repo) {
  std::lock_guard<std::mutex> lock(uploads_mutex_);
  auto it = uploads_.find(id);
  if (it != uploads_.end()) return it->second->repo == repo ? it->second : nullptr;
  // A session from before a restart: its bytes are in the upload file.
  auto r = metadata_->uploadRepo(id);
  if (!r || !*r || **r != repo) return nullptr;
  struct stat st{};
  if (::stat(blobs_.uploadPath(id).c_str(), &st) != 0) return nullptr;
  auto up = std::make_shared<Upload>();
  up->id = id;
  up->repo = repo;
  up->offset = static_cast<uint64_t>(st.st_size);
  if (up->offset == 0) up->hasher.emplace("sha256");
  uploads_[id] = up;
  return up;
}

void Registry::forgetUpload(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(uploads_mutex_);
    uploads_.erase(id);
  }
  ::unlink(blobs_.uploadPath(id).c_str());
  Status s = metadata_->writeTransaction([&] { return metadata_->deleteUpload(id); });
  if (!s.isOk()) WEIR_WARN("hub: forget upload {}: {}", id, s.message());
}

HttpResponse Registry::uploadStatus(const Upload& upload, int status) {
  HttpResponse r(status);
  r.headers.set(http::KnownHeader::kLocation, "/v2/" + upload.repo + "/blobs/uploads/" + upload.id);
  r.headers.set("range", rangeHeader(upload.offset));
  r.headers.set("docker-upload-uuid", upload.id);
  commonHeaders(r);
  return r;
}

std::unique_ptr<RequestStream> Registry::startUpload(HttpRequest& request, const std::string& repo,
                                                     HttpResponse& reply) {
  const int64_t now = nowSeconds();
  // Cross-repository mount.
  if (auto mount = queryParam(request.query, "mount")) {
    if (!oci::isValidDigest(*mount)) {
      reply = ociError(400, "DIGEST_INVALID", "invalid mount digest");
      return nullptr;
    }
    auto from = queryParam(request.query, "from");
    bool found = false;
    if (from && oci::isValidRepositoryName(*from) && !authorizer_->authorize(request, *from, "pull")) {
      auto sz = metadata_->repoBlobSize(*from, *mount);
      found = sz && *sz;
    } else if (!from) {
      // Automatic mount: the blob is already somewhere on this hub.
      auto sz = metadata_->blobSize(*mount);
      found = sz && *sz && blobs_.exists(*oci::parseDigest(*mount));
    }
    if (found) {
      Status s = metadata_->writeTransaction([&]() -> Status {
        // Re-check inside the transaction: gc may have removed it since.
        auto sz = metadata_->blobSize(*mount);
        if (!sz) return sz.status();
        if (!*sz) return notFound("gone");
        WEIR_RETURN_IF_ERROR(metadata_->touchBlob(*mount, now));
        return metadata_->linkBlob(repo, *mount);
      });
      if (s.isOk()) {
        reply = HttpResponse(201);
        reply.headers.set(http::KnownHeader::kLocation, "/v2/" + repo + "/blobs/" + *mount);
        reply.headers.set("docker-content-digest", *mount);
        return nullptr;
      }
      if (s.code() != StatusCode::kNotFound) {
        reply = internal(s);
        return nullptr;
      }
    }
    // Not mountable: fall through to a normal upload session (202).
  }
  auto digest = queryParam(request.query, "digest");
  if (digest && !oci::isValidDigest(*digest)) {
    reply = ociError(400, "DIGEST_INVALID", "invalid digest");
    return nullptr;
  }
  if (request.content_length && *request.content_length > options_.max_blob_bytes) {
    reply = ociError(413, "SIZE_INVALID", "blob exceeds the hub's limit");
    return nullptr;
  }
  auto up = std::make_shared<Upload>();
  up->id = randomHex(16);
  up->repo = repo;
  up->hasher.emplace("sha256");
  int fd = ::open(blobs_.uploadPath(up->id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    reply = internal(ioError(std::string("create upload file: ") + std::strerror(errno)));
    return nullptr;
  }
  Status s = metadata_->writeTransaction([&] { return metadata_->putUpload(up->id, repo, now); });
  if (!s.isOk()) {
    ::close(fd);
    ::unlink(blobs_.uploadPath(up->id).c_str());
    reply = internal(s);
    return nullptr;
  }
  {
    std::lock_guard<std::mutex> lock(uploads_mutex_);
    uploads_[up->id] = up;
  }
  if (digest) {
    up->busy = true;
    return std::make_unique<UploadStream>(*this, up, UploadStream::Mode::kMonolithic, *digest, std::nullopt, fd);
  }
  if (request.has_body && (!request.content_length || *request.content_length > 0)) {
    // A body without a digest: the first chunk of the session.
    up->busy = true;
    auto stream = std::make_unique<UploadStream>(*this, up, UploadStream::Mode::kPatch, "", std::nullopt, fd);
    return stream;
  }
  ::close(fd);
  reply = uploadStatus(*up, 202);
  return nullptr;
}

std::unique_ptr<RequestStream> Registry::continueUpload(HttpRequest& request, const std::string& repo,
                                                        const std::string& id, HttpResponse& reply) {
  auto up = findUpload(id, repo);
  if (!up) {
    reply = ociError(404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry");
    return nullptr;
  }
  const std::string& m = request.method;
  if (m == "GET") {
    reply = uploadStatus(*up, 204);
    return nullptr;
  }
  if (m == "DELETE") {
    {
      std::lock_guard<std::mutex> lock(uploads_mutex_);
      if (up->busy) {
        reply = ociError(409, "BLOB_UPLOAD_INVALID", "upload in progress");
        return nullptr;
      }
    }
    forgetUpload(id);
    reply = HttpResponse(204);
    return nullptr;
  }
  if (m != "PATCH" && m != "PUT") {
    reply = ociError(405, "UNSUPPORTED", "method not allowed");
    return nullptr;
  }
  std::optional<std::string> digest;
  if (m == "PUT") {
    digest = queryParam(request.query, "digest");
    if (!digest || !oci::isValidDigest(*digest)) {
      reply = ociError(400, "DIGEST_INVALID", "PUT needs ?digest=<valid digest>");
      return nullptr;
    }
  }
  std::optional<std::pair<uint64_t, uint64_t>> content_range;
  {
    std::lock_guard<std::mutex> lock(uploads_mutex_);
    if (up->busy) {
      reply = uploadStatus(*up, 416);
      reply.headers.set(http::KnownHeader::kContentType, "application/json");
      reply.body = ociError(416, "BLOB_UPLOAD_INVALID", "another request is writing this upload").body;
      return nullptr;
    }
    if (auto cr = request.headers.get("content-range")) {
      uint64_t a = 0, b = 0;
      if (!parseContentRange(*cr, a, b) || a != up->offset) {
        reply = uploadStatus(*up, 416);
        reply.headers.set(http::KnownHeader::kContentType, "application/json");
        reply.body = ociError(416, "BLOB_UPLOAD_INVALID", "chunk out of order: expected start " +
                                                              std::to_string(up->offset)).body;
        return nullptr;
      }
      if (request.content_length && *request.content_length != b - a + 1) {
        reply = ociError(400, "BLOB_UPLOAD_INVALID", "Content-Range and Content-Length disagree");
        return nullptr;
      }
      content_range = std::make_pair(a, b);
    }
    if (request.content_length && up->offset + *request.content_length > options_.max_blob_bytes) {
      reply = ociError(413, "SIZE_INVALID", "blob exceeds the hub's limit");
      return nullptr;
    }
    up->busy = true;
  }
  int fd = ::open(blobs_.uploadPath(id).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    up->busy = false;
    reply = ociError(404, "BLOB_UPLOAD_UNKNOWN", "upload file missing");
    return nullptr;
  }
  return std::make_unique<UploadStream>(*this, up, m == "PUT" ? UploadStream::Mode::kPut : UploadStream::Mode::kPatch,
                                        digest.value_or(""), content_range, fd);
}

HttpResponse Registry::finishUpload(Upload& up, const std::string& digest_text) {
  auto digest = oci::parseDigest(digest_text);
  const std::string path = blobs_.uploadPath(up.id);
  std::string computed;
  if (up.hasher && digest->algorithm() == "sha256") {
    computed = up.hasher->digestString();
  } else {
    auto d = oci::digestFile(path, digest->algorithm());
    if (!d) {
      forgetUpload(up.id);
      return internal(d.status());
    }
    computed = *d;
  }
  const std::string id = up.id;
  const std::string repo = up.repo;
  const uint64_t size = up.offset;
  if (computed != digest_text) {
    forgetUpload(id);
    return ociError(400, "DIGEST_INVALID", "provided digest did not match uploaded content (got " + computed + ")");
  }
  const int64_t now = nowSeconds();
  Status s = metadata_->writeTransaction([&]() -> Status {
    // The rename happens with the write lock held, so gc (which moves
    // unreferenced blobs out under the same lock) cannot interleave.
    WEIR_RETURN_IF_ERROR(blobs_.commit(path, *digest));
    WEIR_RETURN_IF_ERROR(metadata_->putBlob(digest_text, static_cast<int64_t>(size), now));
    WEIR_RETURN_IF_ERROR(metadata_->linkBlob(repo, digest_text));
    return metadata_->deleteUpload(id);
  });
  {
    std::lock_guard<std::mutex> lock(uploads_mutex_);
    uploads_.erase(id);
  }
  if (!s.isOk()) {
    ::unlink(path.c_str());
    return internal(s);
  }
  HttpResponse r(201);
  r.headers.set(http::KnownHeader::kLocation, "/v2/" + repo + "/blobs/" + digest_text);
  r.headers.set("docker-content-digest", digest_text);
  commonHeaders(r);
  return r;
}

HttpResponse Registry::getManifest(const HttpRequest& request, const std::string& repo, const std::string& reference) {
  std::string digest = reference;
  if (!oci::isValidDigest(reference)) {
    auto d = metadata_->resolveTag(repo, reference);
    if (!d) return internal(d.status());
    if (!*d) return ociError(404, "MANIFEST_UNKNOWN", "manifest unknown to registry");
    digest = **d;
  }
  auto rec = metadata_->manifest(repo, digest);
  if (!rec) return internal(rec.status());
  if (!*rec) return ociError(404, "MANIFEST_UNKNOWN", "manifest unknown to registry");
  auto pd = oci::parseDigest(digest);
  HttpResponse r(200);
  r.headers.set(http::KnownHeader::kContentType, (*rec)->media_type);
  r.headers.set("docker-content-digest", digest);
  r.headers.set(http::KnownHeader::kEtag, "\"" + digest + "\"");
  if (request.method == "HEAD") {
    r.headers.setContentLength(static_cast<uint64_t>((*rec)->size));
    return r;
  }
  auto body = blobs_.readSmall(*pd, options_.max_manifest_bytes + 1);
  if (!body || static_cast<int64_t>(body->size()) != (*rec)->size) {
    return internal(body ? internalError("manifest file has the wrong size") : body.status());
  }
  r.body = std::move(body).value();
  return r;
}

HttpResponse Registry::putManifest(const HttpRequest& request, const std::string& repo, const std::string& reference,
                                   const std::string& body) {
  const std::string content_type(request.headers.getOr(http::KnownHeader::kContentType));
  auto parsed = oci::parseManifest(body, content_type);
  if (!parsed) return ociError(400, "MANIFEST_INVALID", parsed.status().message());
  const oci::Manifest& m = *parsed;
  std::string digest;
  if (oci::isValidDigest(reference)) {
    auto want = oci::parseDigest(reference);
    oci::Hasher h(want->algorithm());
    h.update(body);
    digest = h.digestString();
    if (digest != reference) return ociError(400, "DIGEST_INVALID", "manifest digest does not match the reference");
  } else {
    digest = oci::sha256Digest(body);
  }
  std::vector<ManifestRef> refs;
  if (m.isIndex()) {
    for (const auto& d : m.manifests) refs.push_back(ManifestRef{d.digest, true});
  } else {
    refs.push_back(ManifestRef{m.config.digest, false});
    for (const auto& l : m.layers) {
      if (!l.urls.empty()) continue;  // non-distributable: lives elsewhere
      refs.push_back(ManifestRef{l.digest, false});
    }
  }
  ManifestRecord rec;
  rec.repo = repo;
  rec.digest = digest;
  rec.media_type = m.media_type;
  rec.size = static_cast<int64_t>(body.size());
  rec.artifact_type = m.effectiveArtifactType();
  rec.subject = m.subject ? m.subject->digest : "";
  rec.annotations_json = json(m.annotations).dump();
  rec.created = nowSeconds();
  auto pd = oci::parseDigest(digest);
  std::string missing;
  Status s = metadata_->writeTransaction([&]() -> Status {
    for (const auto& ref : refs) {
      if (ref.is_manifest) {
        auto r = metadata_->manifest(repo, ref.digest);
        if (!r) return r.status();
        if (!*r) {
          missing = ref.digest;
          return notFound("missing");
        }
      } else {
        // The empty descriptor's blob is accepted even when never pushed.
        if (ref.digest == oci::media::kEmptyDigest) continue;
        auto r = metadata_->repoBlobSize(repo, ref.digest);
        if (!r) return r.status();
        if (!*r) {
          missing = ref.digest;
          return notFound("missing");
        }
      }
    }
    WEIR_RETURN_IF_ERROR(blobs_.writeBlob(*pd, body));
    WEIR_RETURN_IF_ERROR(metadata_->putBlob(digest, rec.size, rec.created));
    WEIR_RETURN_IF_ERROR(metadata_->putManifest(rec, refs));
    if (!oci::isValidDigest(reference)) WEIR_RETURN_IF_ERROR(metadata_->setTag(repo, reference, digest, rec.created));
    return Status::ok();
  });
  if (!s.isOk()) {
    if (!missing.empty()) {
      return ociError(400, m.isIndex() ? "MANIFEST_UNKNOWN" : "MANIFEST_BLOB_UNKNOWN",
                      "manifest references " + missing + ", which is not in " + repo);
    }
    return internal(s);
  }
  HttpResponse r(201);
  r.headers.set(http::KnownHeader::kLocation, "/v2/" + repo + "/manifests/" + digest);
  r.headers.set("docker-content-digest", digest);
  if (m.subject) r.headers.set("oci-subject", m.subject->digest);
  commonHeaders(r);
  return r;
}

HttpResponse Registry::deleteManifest(const std::string& repo, const std::string& reference) {
  bool removed = false;
  Status s = metadata_->writeTransaction([&]() -> Status {
    auto r = oci::isValidDigest(reference) ? metadata_->deleteManifest(repo, reference)
                                           : metadata_->deleteTag(repo, reference);
    if (!r) return r.status();
    removed = *r;
    return Status::ok();
  });
  if (!s.isOk()) return internal(s);
  if (!removed) return ociError(404, "MANIFEST_UNKNOWN", "manifest unknown to registry");
  HttpResponse r(202);
  commonHeaders(r);
  return r;
}

HttpResponse Registry::tagsList(const HttpRequest& request, const std::string& repo) {
  auto exists = metadata_->repoExists(repo);
  if (!exists) return internal(exists.status());
  if (!*exists) return ociError(404, "NAME_UNKNOWN", "repository name not known to registry");
  int64_t n = 100000;
  bool has_n = false;
  if (auto ns = queryParam(request.query, "n")) {
    char* end = nullptr;
    long long v = std::strtoll(ns->c_str(), &end, 10);
    if (ns->empty() || *end != '\0' || v < 0) return ociError(400, "PAGINATION_NUMBER_INVALID", "invalid n");
    n = std::min<int64_t>(v, 100000);
    has_n = true;
  }
  std::string last = queryParam(request.query, "last").value_or("");
  std::vector<std::string> list;
  if (n > 0) {
    auto t = metadata_->tags(repo, last, n + 1);
    if (!t) return internal(t.status());
    list = std::move(t).value();
  }
  bool more = static_cast<int64_t>(list.size()) > n;
  if (more) list.resize(static_cast<size_t>(n));
  HttpResponse r = jsonResponse(200, json{{"name", repo}, {"tags", list}});
  if (more && has_n && !list.empty()) {
    r.headers.set("link", "</v2/" + repo + "/tags/list?n=" + std::to_string(n) + "&last=" + percentEncode(list.back()) +
                              ">; rel=\"next\"");
  }
  return r;
}

HttpResponse Registry::referrers(const HttpRequest& request, const std::string& repo, const std::string& digest) {
  auto filter = queryParam(request.query, "artifactType");
  auto rows = metadata_->referrers(repo, digest);
  if (!rows) return internal(rows.status());
  json manifests = json::array();
  for (const auto& rec : *rows) {
    if (filter && rec.artifact_type != *filter) continue;
    json d{{"mediaType", rec.media_type}, {"digest", rec.digest}, {"size", rec.size}};
    if (!rec.artifact_type.empty()) d["artifactType"] = rec.artifact_type;
    json ann = json::parse(rec.annotations_json, nullptr, false);
    if (ann.is_object() && !ann.empty()) d["annotations"] = ann;
    manifests.push_back(std::move(d));
  }
  json index{{"schemaVersion", 2}, {"mediaType", oci::media::kOciIndex}, {"manifests", manifests}};
  HttpResponse r = jsonResponse(200, index, oci::media::kOciIndex);
  if (filter) r.headers.set("oci-filters-applied", "artifactType");
  return r;
}

}  // namespace weir::hub

// weir::oci::RegistryClient — an OCI Distribution client on libcurl, for one
// registry host. Handles, for every call:
//   - the auth dance: a 401's WWW-Authenticate challenge, Basic or the
//     Docker token flow (realm?service=&scope=, Basic credentials from the
//     docker config.json or ClientOptions, anonymous otherwise), tokens
//     cached per scope;
//   - retries with exponential backoff + jitter on transport errors, 408,
//     429 and 5xx (except 501/505), honouring Retry-After (seconds or an
//     HTTP date, capped by max_retry_after);
//   - redirects (libcurl does not forward Authorization to another host);
//   - plain HTTP for loopback registries (localhost, 127/8, [::1]) or when
//     plain_http is set; HTTPS with verification otherwise.
// Blob downloads stream to a file through a SHA-256 (or SHA-512) check and
// resume with Range after a dropped connection; uploads stream from a file.
//
// Not thread-safe: one client per thread (ModuleFetcher creates one per
// fetch). Every blocking call is bounded by ClientOptions::timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "oci/docker_config.h"

namespace weir::oci {

struct RetryPolicy {
  int max_attempts = 5;  // including the first
  std::chrono::milliseconds initial_backoff{250};
  std::chrono::milliseconds max_backoff{8000};
  std::chrono::milliseconds max_retry_after{60000};
};

struct ClientOptions {
  std::string auth_config_path;            // "" = dockerConfigPath()
  std::optional<Credentials> credentials;  // overrides the config file
  bool plain_http = false;                 // talk HTTP even to non-loopback hosts
  bool tls_verify = true;
  RetryPolicy retry;
  std::chrono::seconds timeout{600};       // per request
  std::chrono::seconds connect_timeout{15};
  std::string user_agent = "weir/0.1.0";
  // Transfer progress: (bytes done, bytes total or 0 when unknown).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct FetchedManifest {
  std::string bytes;
  std::string media_type;  // Content-Type of the reply
  std::string digest;      // sha256 of bytes (verified against the reference when it is a digest)
};

class RegistryClient {
 public:
  RegistryClient(std::string registry, ClientOptions options);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  const std::string& registry() const { return registry_; }
  std::string baseUrl() const;

  // GET /v2/ (with the auth dance): checks the registry and the credentials.
  Status ping();
  Result<FetchedManifest> getManifest(const std::string& repo, const std::string& reference,
                                      size_t max_bytes = 4 * 1024 * 1024);
  // HEAD: digest + media type + size, nullopt when 404.
  Result<std::optional<FetchedManifest>> headManifest(const std::string& repo, const std::string& reference);
  // Returns the digest the registry computed (Docker-Content-Digest, else ours).
  Result<std::string> putManifest(const std::string& repo, const std::string& reference, const std::string& bytes,
                                  const std::string& media_type);
  Status deleteManifest(const std::string& repo, const std::string& reference);

  // nullopt when the registry does not have it in `repo`.
  Result<std::optional<int64_t>> headBlob(const std::string& repo, const std::string& digest);
  // Small blob into memory (bounded), verified.
  Result<std::string> getBlob(const std::string& repo, const std::string& digest, size_t max_bytes);
  // Streams into `path` (created/truncated), verified; resumes with Range on retry.
  Status downloadBlob(const std::string& repo, const std::string& digest, int64_t expected_size,
                      const std::string& path);
  // Uploads unless the registry already has it (HEAD), trying a mount from
  // `mount_from` first when set. Content comes from `path` (streamed) or `data`.
  Status pushBlob(const std::string& repo, const std::string& digest, int64_t size, const std::string& path,
                  const std::string* data = nullptr, const std::string& mount_from = "");

  Result<std::vector<std::string>> listTags(const std::string& repo);

  // Plain GET of an absolute http(s) URL (not a registry API) into `path`,
  // with the same retries; returns "sha256:<hex>" of what was written.
  Result<std::string> downloadUrl(const std::string& url, const std::string& path, uint64_t max_bytes);

  // Internals, public for the .cc's helpers.
  struct Response {
    long status = 0;
    std::map<std::string, std::string> headers;  // lowercase names, last response only
    std::string body;
    uint64_t body_bytes = 0;
  };
  struct Request;

 private:
  Result<Response> perform(Request& request);
  Result<Response> performOnce(Request& request, const std::string& authorization);
  Status authenticate(const std::string& challenge, const std::string& scope);
  std::string authorizationFor(const std::string& scope) const;

  std::string registry_;
  ClientOptions options_;
  void* curl_ = nullptr;
  std::optional<Credentials> credentials_;
  bool credentials_loaded_ = false;
  std::map<std::string, std::string> tokens_;  // scope → "Bearer x" / "Basic y"
  bool basic_ = false;                         // registry asked for Basic
};

// A readable message for a registry error reply: status + the spec error
// code/message when the body has them.
std::string describeRegistryError(long status, const std::string& body);

}  // namespace weir::oci

// weir::hub::Registry — the OCI Distribution 1.1 API (plus the Docker
// registry extras tools expect: _catalog, Docker-Content-Digest,
// Docker-Distribution-API-Version, Docker-Upload-UUID) as an HttpHandler.
//
//   GET        /v2/                                   API version check
//   GET        /v2/_catalog?n=&last=                  repositories
//   GET|HEAD   /v2/<name>/blobs/<digest>              blob (Range supported)
//   DELETE     /v2/<name>/blobs/<digest>              unlink from the repository
//   POST       /v2/<name>/blobs/uploads/              session; ?digest= monolithic; ?mount=&from=
//   GET|PATCH|PUT|DELETE /v2/<name>/blobs/uploads/<id> status / chunk / finish (?digest=) / cancel
//   GET|HEAD|PUT|DELETE /v2/<name>/manifests/<ref>    manifests by tag or digest
//   GET        /v2/<name>/tags/list?n=&last=          tags
//   GET        /v2/<name>/referrers/<digest>?artifactType=
//   GET|POST   /token                                 Docker token flow (with --htpasswd)
//
// Every error is a spec JSON body with a spec code; names, references and
// digests are validated before any storage is touched. Docs: docs/hub.md.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "hub/auth.h"
#include "hub/blob_store.h"
#include "hub/http_server.h"
#include "hub/metadata_store.h"

namespace weir::hub {

struct RegistryOptions {
  std::string data_dir;
  uint64_t max_blob_bytes = 2ull * 1024 * 1024 * 1024;  // per blob
  size_t max_manifest_bytes = 4 * 1024 * 1024;
  bool allow_delete = true;
};

class Registry : public HttpHandler {
 public:
  // Opens DATA/meta.db and DATA/blobs, recovers gc's trash (see gc.h).
  static Result<std::unique_ptr<Registry>> open(RegistryOptions options, std::unique_ptr<Authorizer> authorizer);
  ~Registry() override;

  std::unique_ptr<RequestStream> onRequest(HttpRequest& request, HttpResponse& reply) override;

  // Replaces the authorizer before serving (account mode builds its policy
  // on the store the registry opened).
  void setAuthorizer(std::unique_ptr<Authorizer> authorizer) { authorizer_ = std::move(authorizer); }

  MetadataStore& metadata() { return *metadata_; }
  BlobStore& blobs() { return blobs_; }
  const RegistryOptions& options() const { return options_; }

  // Implementation details shared with the .cc's request streams.
  struct Upload;
  std::shared_ptr<Upload> findUpload(const std::string& id, const std::string& repo);
  void forgetUpload(const std::string& id);
  HttpResponse finishUpload(Upload& upload, const std::string& digest_text);
  HttpResponse putManifest(const HttpRequest& request, const std::string& repo, const std::string& reference,
                           const std::string& body);

 private:
  Registry(RegistryOptions options, std::unique_ptr<Authorizer> authorizer, std::unique_ptr<MetadataStore> metadata);

  std::unique_ptr<RequestStream> route(HttpRequest& request, HttpResponse& reply);
  HttpResponse catalog(const HttpRequest& request);
  HttpResponse getBlob(const HttpRequest& request, const std::string& repo, const std::string& digest);
  HttpResponse deleteBlob(const std::string& repo, const std::string& digest);
  std::unique_ptr<RequestStream> startUpload(HttpRequest& request, const std::string& repo, HttpResponse& reply);
  std::unique_ptr<RequestStream> continueUpload(HttpRequest& request, const std::string& repo,
                                                const std::string& id, HttpResponse& reply);
  HttpResponse getManifest(const HttpRequest& request, const std::string& repo, const std::string& reference);
  HttpResponse deleteManifest(const std::string& repo, const std::string& reference);
  HttpResponse tagsList(const HttpRequest& request, const std::string& repo);
  HttpResponse referrers(const HttpRequest& request, const std::string& repo, const std::string& digest);
  HttpResponse uploadStatus(const Upload& upload, int status);

  RegistryOptions options_;
  std::unique_ptr<Authorizer> authorizer_;
  std::unique_ptr<MetadataStore> metadata_;
  BlobStore blobs_;
  std::mutex uploads_mutex_;
  std::unordered_map<std::string, std::shared_ptr<Upload>> uploads_;
};

}  // namespace weir::hub

// weir::hub::MetadataStore — what the registry knows besides blob bytes:
// which blobs exist (and their size), which repository each blob is linked
// to, manifests (media type, artifactType, subject, annotations, the digests
// they reference), tags and upload sessions.
//
// One interface, two intended implementations:
//   - SqliteMetadataStore (this folder): one file DATA/meta.db, WAL journal,
//     synchronous=FULL, so a committed write survives a crash or power loss.
//   - a PostgreSQL store for several hub replicas sharing one blob store
//     (design in docs/hub.md: same tables, writeTransaction = a transaction
//     holding pg_advisory_xact_lock(hash(digest)) per digest touched).
//
// Atomicity with file operations: writeTransaction(fn) runs fn with the
// store's write lock held (SQLite: BEGIN IMMEDIATE, which also excludes a
// `weir hub gc` in another process). The registry renames a verified blob
// into place *inside* that transaction and gc moves a blob out of place
// inside its own, so "row says present" and "file is in place" change
// together (see docs/hub.md, crash safety and gc).
//
// Thread-safe: every method may be called from any worker.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace weir::hub {

class AccountStore;

struct ManifestRecord {
  std::string repo;
  std::string digest;
  std::string media_type;
  int64_t size = 0;
  std::string artifact_type;     // effective (artifactType, else config media type)
  std::string subject;           // digest of the subject, "" when none
  std::string annotations_json;  // "{}" when none
  int64_t created = 0;           // unix seconds
};

// A digest a manifest references: a blob (config/layer) or a manifest (index child).
struct ManifestRef {
  std::string digest;
  bool is_manifest = false;
};

struct BlobRow {
  std::string digest;
  int64_t size = 0;
  int64_t touched = 0;  // last upload/mount/HEAD, unix seconds
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Runs fn inside one write transaction; commits when fn returns ok,
  // rolls back otherwise. Nested calls join the outer transaction.
  virtual Status writeTransaction(const std::function<Status()>& fn) = 0;

  // --- blobs ---
  virtual Result<std::optional<int64_t>> blobSize(const std::string& digest) = 0;
  virtual Result<std::optional<int64_t>> repoBlobSize(const std::string& repo, const std::string& digest) = 0;
  // The writes below are meant to be called inside writeTransaction.
  virtual Status putBlob(const std::string& digest, int64_t size, int64_t now) = 0;  // insert or touch
  virtual Status touchBlob(const std::string& digest, int64_t now) = 0;
  virtual Status linkBlob(const std::string& repo, const std::string& digest) = 0;
  virtual Result<bool> unlinkBlob(const std::string& repo, const std::string& digest) = 0;
  virtual Status deleteBlob(const std::string& digest) = 0;  // row + every link
  // Referenced by any manifest (as a manifest itself or through its refs).
  virtual Result<bool> blobReferenced(const std::string& digest) = 0;
  // Blob rows not referenced by any manifest and last touched before `before`.
  virtual Result<std::vector<BlobRow>> unreferencedBlobs(int64_t before) = 0;

  // --- manifests and tags ---
  virtual Result<std::optional<ManifestRecord>> manifest(const std::string& repo, const std::string& digest) = 0;
  virtual Status putManifest(const ManifestRecord& record, const std::vector<ManifestRef>& refs) = 0;
  // Removes the manifest, its refs and every tag pointing at it.
  virtual Result<bool> deleteManifest(const std::string& repo, const std::string& digest) = 0;
  virtual Result<std::optional<std::string>> resolveTag(const std::string& repo, const std::string& tag) = 0;
  virtual Status setTag(const std::string& repo, const std::string& tag, const std::string& digest, int64_t now) = 0;
  virtual Result<bool> deleteTag(const std::string& repo, const std::string& tag) = 0;
  // Tags in ASCII order strictly after `after` ("" = from the start), at most `limit`.
  virtual Result<std::vector<std::string>> tags(const std::string& repo, const std::string& after, int64_t limit) = 0;
  virtual Result<std::vector<ManifestRecord>> referrers(const std::string& repo, const std::string& subject) = 0;

  // --- repositories ---
  virtual Result<bool> repoExists(const std::string& repo) = 0;
  virtual Result<std::vector<std::string>> repositories(const std::string& after, int64_t limit) = 0;

  // --- upload sessions ---
  virtual Status putUpload(const std::string& id, const std::string& repo, int64_t now) = 0;
  virtual Result<std::optional<std::string>> uploadRepo(const std::string& id) = 0;
  virtual Status deleteUpload(const std::string& id) = 0;
  virtual Result<std::vector<std::string>> uploadsStartedBefore(int64_t before) = 0;

  // The account tables in the same database (account_store.h); nullptr when
  // the implementation has none.
  virtual AccountStore* accounts() { return nullptr; }
};

// Opens (creating when missing) DATA/meta.db.
Result<std::unique_ptr<MetadataStore>> openSqliteMetadataStore(const std::string& path);

}  // namespace weir::hub

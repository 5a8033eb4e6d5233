// weir::hub::BlobStore — content-addressed blob files on a local disk:
//
//   DATA/blobs/<alg>/<first two hex>/<hex>   verified content, immutable
//   DATA/uploads/<session id>                bytes of an upload in progress
//   DATA/trash/<hex>.<nonce>                 blobs gc is removing (see gc.h)
//
// A file appears under blobs/ only by commit(): the upload file is fsynced,
// its digest was checked by the caller while streaming (or is recomputed
// here), it is renamed into place (atomic on POSIX) and the directory is
// fsynced. So a file under blobs/ always holds exactly the bytes its name
// says, whatever the moment of a crash. Paths are built only from validated
// Digests and from session ids the hub generated (32 hex), never from a
// client string.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "hub/http_server.h"
#include "oci/digest.h"

namespace weir::hub {

class BlobStore {
 public:
  explicit BlobStore(std::string root);
  // Creates the directories.
  Status init();

  const std::string& root() const { return root_; }
  std::string blobPath(const oci::Digest& digest) const;
  std::string uploadPath(const std::string& upload_id) const;
  std::string trashDir() const { return root_ + "/trash"; }

  // Moves a finished upload file into place (fsync file, rename, fsync dir).
  Status commit(const std::string& upload_path, const oci::Digest& digest);
  // Writes small content (a manifest) into place via a temp file.
  Status writeBlob(const oci::Digest& digest, std::string_view content);
  Result<std::string> readSmall(const oci::Digest& digest, size_t max) const;
  // A body source over [offset, offset+length) of a blob; fails if the file
  // is missing or its size is not `expected_size` (never serve a short file).
  Result<std::unique_ptr<BodySource>> open(const oci::Digest& digest, int64_t expected_size, uint64_t offset,
                                           uint64_t length) const;
  bool exists(const oci::Digest& digest) const;
  // Moves a blob to trash/ (inside gc's transaction); returns the trash path
  // ("" when the file was already gone).
  Result<std::string> moveToTrash(const oci::Digest& digest);

 private:
  std::string root_;
};

// fsync of a directory, so a rename or unlink in it is durable.
Status fsyncDir(const std::string& dir);
// A random 128-bit id, lowercase hex (upload sessions, tokens).
std::string randomHex(size_t bytes = 16);

}  // namespace weir::hub

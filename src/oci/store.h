// weir::oci::Store — the local image store, an OCI image layout:
//
//   ROOT/oci-layout            {"imageLayoutVersion":"1.0.0"}
//   ROOT/index.json            one manifest descriptor per local reference,
//                              annotated org.opencontainers.image.ref.name =
//                              the full reference ("localhost:5000/team/f:v1")
//                              and io.weir.module.digest = the module's digest
//   ROOT/blobs/sha256/<hex>    manifests, configs, layers, extracted modules
//
// ROOT is --store, else $WEIR_STORE, else ~/.weir/store. Blobs are written to
// ROOT/tmp and renamed into place after verification, so a blob file always
// matches its name; index.json is rewritten atomically under an flock, so
// several weir processes can share a store. The ModuleFetcher's cache is the
// same layout (blobs only).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace weir::oci {

struct StoreEntry {
  std::string ref;              // full reference
  std::string manifest_digest;
  std::string media_type;       // of the manifest
  int64_t size = 0;             // manifest size
  std::string module_digest;
  int64_t module_size = 0;
  std::string format;
};

class Store {
 public:
  explicit Store(std::string root);
  static std::string defaultRoot();
  Status init();
  const std::string& root() const { return root_; }

  std::string blobPath(const std::string& digest) const;  // digest must be valid
  bool hasBlob(const std::string& digest) const;
  Result<std::string> readBlob(const std::string& digest, size_t max_bytes) const;
  // Stores bytes; returns "sha256:...".
  Result<std::string> writeBlob(const std::string& bytes);
  // A fresh path under ROOT/tmp for a download.
  std::string tempPath() const;
  // Moves a verified file into place as `digest`.
  Status importFile(const std::string& path, const std::string& digest);

  Status setRef(const StoreEntry& entry);
  Result<std::optional<StoreEntry>> getRef(const std::string& ref) const;
  Result<std::vector<StoreEntry>> list() const;
  Result<bool> removeRef(const std::string& ref);
  // Removes blobs no index.json entry reaches (after rmi). Returns how many.
  Result<size_t> prune();

 private:
  std::string root_;
};

}  // namespace weir::oci

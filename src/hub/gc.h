// Garbage collection of unreferenced blobs, safe while the hub serves.
//
// A blob is live when a manifest references it (config, layer, index child)
// or is a manifest itself. Candidates are blobs that are not live and were
// last touched (uploaded, mounted, HEAD-checked) before now - grace: the
// grace period covers a push in flight, whose blobs exist before the
// manifest that references them.
//
// Each candidate is removed in its own write transaction that re-checks
// liveness and age, moves the file to trash/ and deletes the rows; the file
// is unlinked after COMMIT. Uploads rename into blobs/ inside their own
// write transaction, so the two can't interleave (see docs/hub.md, "gc").
// A crash between the move and the COMMIT leaves a file in trash/ whose row
// still exists: recoverTrash() (run by the hub at start and by gc first)
// moves such files back and unlinks the others.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "hub/blob_store.h"
#include "hub/metadata_store.h"

namespace weir::hub {

struct GcOptions {
  int64_t grace_seconds = 3600;
  int64_t upload_max_age_seconds = 24 * 3600;  // abandoned upload sessions
  bool dry_run = false;
};

struct GcReport {
  uint64_t blobs_removed = 0;
  uint64_t bytes_removed = 0;
  uint64_t orphan_files_removed = 0;  // files under blobs/ with no row
  uint64_t uploads_removed = 0;
  uint64_t blobs_kept = 0;  // candidates that became live or were touched meanwhile
};

Status recoverTrash(MetadataStore& metadata, BlobStore& blobs);
Result<GcReport> runGc(MetadataStore& metadata, BlobStore& blobs, const GcOptions& options);

}  // namespace weir::hub

#include "hub/gc.h"

#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>

#include "base/logging.h"

namespace weir::hub {

namespace fs = std::filesystem;

namespace {
int64_t nowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

// trash names: "<alg>-<hex>.<nonce>"
std::string digestFromTrashName(const std::string& name) {
  auto dash = name.find('-');
  auto dot = name.rfind('.');
  if (dash == std::string::npos || dot == std::string::npos || dot < dash) return "";
  return name.substr(0, dash) + ":" + name.substr(dash + 1, dot - dash - 1);
}
}  // namespace

Status recoverTrash(MetadataStore& metadata, BlobStore& blobs) {
  std::error_code ec;
  fs::directory_iterator it(blobs.trashDir(), ec);
  if (ec) return Status::ok();
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    auto digest = oci::parseDigest(digestFromTrashName(name));
    Status s = metadata.writeTransaction([&]() -> Status {
      bool keep = false;
      if (digest) {
        auto size = metadata.blobSize(digest->str());
        if (!size) return size.status();
        keep = size->has_value();
      }
      if (keep && !blobs.exists(*digest)) {
        const std::string dest = blobs.blobPath(*digest);
        fs::create_directories(fs::path(dest).parent_path());
        if (::rename(entry.path().c_str(), dest.c_str()) != 0) return ioError("restore " + name);
        WEIR_WARN("hub: restored {} from trash (gc was interrupted)", digest->str());
        return fsyncDir(fs::path(dest).parent_path().string());
      }
      ::unlink(entry.path().c_str());
      return Status::ok();
    });
    WEIR_RETURN_IF_ERROR(s);
  }
  return Status::ok();
}

Result<GcReport> runGc(MetadataStore& metadata, BlobStore& blobs, const GcOptions& options) {
  WEIR_RETURN_IF_ERROR(recoverTrash(metadata, blobs));
  GcReport report;
  const int64_t now = nowSeconds();
  const int64_t before = now - options.grace_seconds;
  auto candidates = metadata.unreferencedBlobs(before);
  if (!candidates) return candidates.status();
  for (const auto& row : *candidates) {
    auto digest = oci::parseDigest(row.digest);
    if (!digest) continue;
    std::string trash;
    bool removed = false;
    Status s = metadata.writeTransaction([&]() -> Status {
      auto referenced = metadata.blobReferenced(row.digest);
      if (!referenced) return referenced.status();
      auto size = metadata.blobSize(row.digest);
      if (!size) return size.status();
      if (*referenced || !*size) return Status::ok();
      // Touched since the candidate list was read (a push is using it)?
      auto fresh = metadata.unreferencedBlobs(before);
      if (!fresh) return fresh.status();
      bool still = false;
      for (const auto& f : *fresh) still |= f.digest == row.digest;
      if (!still || options.dry_run) {
        removed = still;
        return Status::ok();
      }
      auto t = blobs.moveToTrash(*digest);
      if (!t) return t.status();
      trash = *t;
      WEIR_RETURN_IF_ERROR(metadata.deleteBlob(row.digest));
      removed = true;
      return Status::ok();
    });
    if (!s.isOk()) return s;
    if (!trash.empty()) ::unlink(trash.c_str());
    if (removed) {
      ++report.blobs_removed;
      report.bytes_removed += static_cast<uint64_t>(row.size);
    } else {
      ++report.blobs_kept;
    }
  }
  // Files under blobs/ without a row (a crash after rename, before COMMIT),
  // old enough not to be a commit in progress.
  std::error_code ec;
  for (const char* alg : {"sha256", "sha512"}) {
    fs::path dir = fs::path(blobs.root()) / "blobs" / alg;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      auto digest = oci::parseDigest(std::string(alg) + ":" + it->path().filename().string());
      if (!digest) continue;
      struct stat st{};
      if (::stat(it->path().c_str(), &st) != 0 || st.st_mtime >= before) continue;
      Status s = metadata.writeTransaction([&]() -> Status {
        auto size = metadata.blobSize(digest->str());
        if (!size) return size.status();
        if (*size) return Status::ok();
        if (!options.dry_run) ::unlink(it->path().c_str());
        ++report.orphan_files_removed;
        return Status::ok();
      });
      if (!s.isOk()) return s;
    }
  }
  // Abandoned upload sessions.
  auto stale = metadata.uploadsStartedBefore(now - options.upload_max_age_seconds);
  if (!stale) return stale.status();
  for (const auto& id : *stale) {
    if (!options.dry_run) {
      ::unlink(blobs.uploadPath(id).c_str());
      Status s = metadata.writeTransaction([&] { return metadata.deleteUpload(id); });
      if (!s.isOk()) return s;
    }
    ++report.uploads_removed;
  }
  return report;
}

}  // namespace weir::hub

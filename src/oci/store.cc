#include "oci/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "oci/digest.h"
#include "oci/manifest.h"

namespace weir::oci {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kRefName = "org.opencontainers.image.ref.name";
constexpr const char* kModuleDigest = "io.weir.module.digest";
constexpr const char* kModuleSize = "io.weir.module.size";
constexpr const char* kFormat = "io.weir.format";

class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }

 private:
  int fd_ = -1;
};

Status writeAtomic(const std::string& path, const std::string& content) {
  // Unique per process and thread: several threads (ModuleFetcher) may
  // write the same file at once; the last rename wins with whole content.
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return ioError("create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return ioError("write " + path + ": " + std::strerror(errno));
  }
  return Status::ok();
}

Result<json> readIndex(const std::string& root) {
  std::ifstream in(root + "/index.json");
  if (!in) return json{{"schemaVersion", 2}, {"manifests", json::array()}};
  std::stringstream ss;
  ss << in.rdbuf();
  json j = json::parse(ss.str(), nullptr, false);
  if (!j.is_object()) return invalidArgument(root + "/index.json is not valid JSON");
  if (!j.contains("manifests") || !j["manifests"].is_array()) j["manifests"] = json::array();
  return j;
}

StoreEntry entryFrom(const json& d) {
  StoreEntry e;
  const json ann = d.value("annotations", json::object());
  e.ref = ann.value(kRefName, "");
  e.manifest_digest = d.value("digest", "");
  e.media_type = d.value("mediaType", "");
  e.size = d.value("size", int64_t{0});
  e.module_digest = ann.value(kModuleDigest, "");
  e.module_size = std::strtoll(ann.value(kModuleSize, "0").c_str(), nullptr, 10);
  e.format = ann.value(kFormat, "");
  return e;
}

}  // namespace

Store::Store(std::string root) : root_(std::move(root)) {}

std::string Store::defaultRoot() {
  if (const char* s = std::getenv("WEIR_STORE"); s && *s) return s;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.weir/store";
}

Status Store::init() {
  std::error_code ec;
  fs::create_directories(root_ + "/blobs/sha256", ec);
  fs::create_directories(root_ + "/blobs/sha512", ec);
  fs::create_directories(root_ + "/tmp", ec);
  if (ec) return ioError("create store " + root_ + ": " + ec.message());
  if (!fs::exists(root_ + "/oci-layout")) {
    WEIR_RETURN_IF_ERROR(writeAtomic(root_ + "/oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"));
  }
  if (!fs::exists(root_ + "/index.json")) {
    FileLock lock(root_ + "/index.json.lock");
    if (!fs::exists(root_ + "/index.json")) {
      WEIR_RETURN_IF_ERROR(writeAtomic(root_ + "/index.json", json{{"schemaVersion", 2}, {"manifests", json::array()}}.dump()));
    }
  }
  return Status::ok();
}

std::string Store::blobPath(const std::string& digest) const {
  auto d = parseDigest(digest);
  if (!d) return root_ + "/blobs/invalid";
  return root_ + "/blobs/" + d->algorithm() + "/" + d->hex();
}

bool Store::hasBlob(const std::string& digest) const {
  if (!isValidDigest(digest)) return false;
  std::error_code ec;
  return fs::is_regular_file(blobPath(digest), ec);
}

Result<std::string> Store::readBlob(const std::string& digest, size_t max) const {
  if (!isValidDigest(digest)) return invalidArgument("invalid digest " + digest);
  std::ifstream in(blobPath(digest), std::ios::binary);
  if (!in) return notFound("blob " + digest + " is not in the store " + root_);
  std::string out;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    out.append(buf, static_cast<size_t>(in.gcount()));
    if (out.size() > max) return resourceExhausted("blob " + digest + " larger than expected");
  }
  return out;
}

std::string Store::tempPath() const {
  static thread_local std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(::getpid()));
  return root_ + "/tmp/" + std::to_string(rng()) + ".part";
}

Result<std::string> Store::writeBlob(const std::string& bytes) {
  const std::string digest = sha256Digest(bytes);
  if (hasBlob(digest)) return digest;
  const std::string tmp = tempPath();
  WEIR_RETURN_IF_ERROR(writeAtomic(tmp, bytes));
  WEIR_RETURN_IF_ERROR(importFile(tmp, digest));
  return digest;
}

Status Store::importFile(const std::string& path, const std::string& digest) {
  if (!isValidDigest(digest)) return invalidArgument("invalid digest " + digest);
  if (::rename(path.c_str(), blobPath(digest).c_str()) != 0) {
    return ioError("store blob " + digest + ": " + std::strerror(errno));
  }
  return Status::ok();
}

Status Store::setRef(const StoreEntry& e) {
  FileLock lock(root_ + "/index.json.lock");
  auto idx = readIndex(root_);
  if (!idx) return idx.status();
  json& ms = (*idx)["manifests"];
  json kept = json::array();
  for (const auto& d : ms) {
    if (entryFrom(d).ref != e.ref) kept.push_back(d);
  }
  json ann{{kRefName, e.ref}};
  if (!e.module_digest.empty()) ann[kModuleDigest] = e.module_digest;
  if (e.module_size) ann[kModuleSize] = std::to_string(e.module_size);
  if (!e.format.empty()) ann[kFormat] = e.format;
  kept.push_back(json{{"mediaType", e.media_type}, {"digest", e.manifest_digest}, {"size", e.size}, {"annotations", ann}});
  ms = kept;
  return writeAtomic(root_ + "/index.json", idx->dump(2));
}

Result<std::optional<StoreEntry>> Store::getRef(const std::string& ref) const {
  auto all = list();
  if (!all) return all.status();
  for (auto& e : *all) {
    if (e.ref == ref) return std::optional<StoreEntry>(e);
  }
  return std::optional<StoreEntry>();
}

Result<std::vector<StoreEntry>> Store::list() const {
  auto idx = readIndex(root_);
  if (!idx) return idx.status();
  std::vector<StoreEntry> out;
  for (const auto& d : (*idx)["manifests"]) {
    if (d.is_object()) out.push_back(entryFrom(d));
  }
  return out;
}

Result<bool> Store::removeRef(const std::string& ref) {
  FileLock lock(root_ + "/index.json.lock");
  auto idx = readIndex(root_);
  if (!idx) return idx.status();
  json kept = json::array();
  bool removed = false;
  for (const auto& d : (*idx)["manifests"]) {
    if (entryFrom(d).ref == ref) {
      removed = true;
    } else {
      kept.push_back(d);
    }
  }
  if (!removed) return false;
  (*idx)["manifests"] = kept;
  WEIR_RETURN_IF_ERROR(writeAtomic(root_ + "/index.json", idx->dump(2)));
  return true;
}

Result<size_t> Store::prune() {
  FileLock lock(root_ + "/index.json.lock");
  auto all = list();
  if (!all) return all.status();
  std::set<std::string> live;
  std::vector<std::string> todo;
  for (const auto& e : *all) {
    todo.push_back(e.manifest_digest);
    if (!e.module_digest.empty()) live.insert(e.module_digest);
  }
  while (!todo.empty()) {
    std::string d = todo.back();
    todo.pop_back();
    if (!live.insert(d).second) continue;
    auto bytes = readBlob(d, kMaxManifestBytes);
    if (!bytes) continue;
    auto m = parseManifest(*bytes);
    if (!m) continue;
    if (m->isIndex()) {
      for (const auto& c : m->manifests) todo.push_back(c.digest);
    } else {
      live.insert(m->config.digest);
      for (const auto& l : m->layers) live.insert(l.digest);
    }
  }
  size_t removed = 0;
  for (const char* alg : {"sha256", "sha512"}) {
    std::error_code ec;
    for (const auto& f : fs::directory_iterator(root_ + "/blobs/" + alg, ec)) {
      const std::string d = std::string(alg) + ":" + f.path().filename().string();
      if (!live.count(d)) {
        fs::remove(f.path(), ec);
        ++removed;
      }
    }
  }
  return removed;
}

}  // namespace weir::oci

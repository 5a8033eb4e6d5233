#include "hub/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <openssl/rand.h>

namespace weir::hub {

namespace fs = std::filesystem;

namespace {

Status errnoStatus(const std::string& what) { return ioError(what + ": " + std::strerror(errno)); }

class FileSource : public BodySource {
 public:
  FileSource(int fd, uint64_t offset, uint64_t length) : fd_(fd), offset_(offset), length_(length) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t length() const override { return length_; }
  size_t read(std::string& out, size_t max) override {
    size_t old = out.size();
    out.resize(old + max);
    for (;;) {
      ssize_t n = ::pread(fd_, out.data() + old, max, static_cast<off_t>(offset_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        out.resize(old);
        return 0;
      }
      out.resize(old + static_cast<size_t>(n));
      offset_ += static_cast<uint64_t>(n);
      return static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  uint64_t offset_;
  uint64_t length_;
};

}  // namespace

std::string randomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Status fsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errnoStatus("open dir " + dir);
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) {
    errno = e;
    return errnoStatus("fsync dir " + dir);
  }
  return Status::ok();
}

BlobStore::BlobStore(std::string root) : root_(std::move(root)) {}

Status BlobStore::init() {
  std::error_code ec;
  for (const char* sub : {"/blobs/sha256", "/blobs/sha512", "/uploads", "/trash"}) {
    fs::create_directories(root_ + sub, ec);
    if (ec) return ioError("mkdir " + root_ + sub + ": " + ec.message());
  }
  return Status::ok();
}

std::string BlobStore::blobPath(const oci::Digest& d) const {
  return root_ + "/blobs/" + d.algorithm() + "/" + d.hex().substr(0, 2) + "/" + d.hex();
}

std::string BlobStore::uploadPath(const std::string& id) const { return root_ + "/uploads/" + id; }

Status BlobStore::commit(const std::string& upload_path, const oci::Digest& digest) {
  int fd = ::open(upload_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errnoStatus("open " + upload_path);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return errnoStatus("fsync " + upload_path);
  const std::string path = blobPath(digest);
  const std::string dir = path.substr(0, path.rfind('/'));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errnoStatus("mkdir " + dir);
  if (::rename(upload_path.c_str(), path.c_str()) != 0) return errnoStatus("rename to " + path);
  // uploads/ is not fsynced: a session file that reappears after a crash has
  // no session row any more (deleted in the same transaction) and gc removes it.
  return fsyncDir(dir);
}

Status BlobStore::writeBlob(const oci::Digest& digest, std::string_view content) {
  const std::string tmp = uploadPath("m-" + randomHex(8));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errnoStatus("create " + tmp);
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = errnoStatus("write " + tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return s;
    }
    off += static_cast<size_t>(n);
  }
  ::close(fd);
  Status s = commit(tmp, digest);
  if (!s.isOk()) ::unlink(tmp.c_str());
  return s;
}

Result<std::string> BlobStore::readSmall(const oci::Digest& digest, size_t max) const {
  const std::string path = blobPath(digest);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return notFound("blob file missing: " + digest.str());
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return errnoStatus("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max) {
      ::close(fd);
      return resourceExhausted("blob larger than expected");
    }
  }
  ::close(fd);
  return out;
}

Result<std::unique_ptr<BodySource>> BlobStore::open(const oci::Digest& digest, int64_t expected_size,
                                                    uint64_t offset, uint64_t length) const {
  const std::string path = blobPath(digest);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return notFound("blob file missing: " + digest.str());
  struct stat st{};
  if (::fstat(fd, &st) != 0 || st.st_size != expected_size) {
    ::close(fd);
    return internalError("blob file " + digest.str() + " has the wrong size; not serving it");
  }
  return std::unique_ptr<BodySource>(std::make_unique<FileSource>(fd, offset, length));
}

bool BlobStore::exists(const oci::Digest& digest) const {
  struct stat st{};
  return ::stat(blobPath(digest).c_str(), &st) == 0;
}

Result<std::string> BlobStore::moveToTrash(const oci::Digest& digest) {
  const std::string path = blobPath(digest);
  const std::string dest = trashDir() + "/" + digest.algorithm() + "-" + digest.hex() + "." + randomHex(4);
  if (::rename(path.c_str(), dest.c_str()) != 0) {
    if (errno == ENOENT) return std::string();
    return errnoStatus("rename " + path + " to trash");
  }
  WEIR_RETURN_IF_ERROR(fsyncDir(path.substr(0, path.rfind('/'))));
  return dest;
}

}  // namespace weir::hub

#include "oci/digest.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/evp.h>

namespace weir::oci {

namespace {
bool isLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}
const EVP_MD* mdFor(std::string_view algorithm) {
  if (algorithm == "sha512") return EVP_sha512();
  return EVP_sha256();
}
}  // namespace

Result<Digest> parseDigest(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return invalidArgument("digest has no algorithm: " + std::string(text.substr(0, 80)));
  std::string_view alg = text.substr(0, colon);
  std::string_view hex = text.substr(colon + 1);
  size_t want = 0;
  if (alg == "sha256") {
    want = 64;
  } else if (alg == "sha512") {
    want = 128;
  } else {
    return invalidArgument("unsupported digest algorithm: " + std::string(alg.substr(0, 40)));
  }
  if (hex.size() != want || !isLowerHex(hex)) {
    return invalidArgument("invalid " + std::string(alg) + " digest: " + std::string(text.substr(0, 140)));
  }
  Digest d;
  d.algorithm_ = std::string(alg);
  d.hex_ = std::string(hex);
  return d;
}

bool isValidDigest(std::string_view text) { return parseDigest(text).isOk(); }

Hasher::Hasher(std::string_view algorithm) : algorithm_(algorithm == "sha512" ? "sha512" : "sha256") {
  auto* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, mdFor(algorithm_), nullptr);
  ctx_ = ctx;
}

Hasher::~Hasher() {
  if (ctx_) EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

Hasher::Hasher(Hasher&& o) noexcept : algorithm_(std::move(o.algorithm_)), ctx_(o.ctx_), bytes_(o.bytes_) {
  o.ctx_ = nullptr;
}

Hasher& Hasher::operator=(Hasher&& o) noexcept {
  if (this != &o) {
    if (ctx_) EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    algorithm_ = std::move(o.algorithm_);
    ctx_ = o.ctx_;
    bytes_ = o.bytes_;
    o.ctx_ = nullptr;
  }
  return *this;
}

void Hasher::update(std::string_view data) {
  if (data.empty()) return;
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
  bytes_ += data.size();
}

std::string Hasher::hexDigest() const {
  EVP_MD_CTX* copy = EVP_MD_CTX_new();
  EVP_MD_CTX_copy_ex(copy, static_cast<EVP_MD_CTX*>(ctx_));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(copy, md, &len);
  EVP_MD_CTX_free(copy);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.resize(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 15];
  }
  return out;
}

std::string sha256Hex(std::string_view data) {
  Hasher h;
  h.update(data);
  return h.hexDigest();
}

std::string sha256Digest(std::string_view data) { return "sha256:" + sha256Hex(data); }

Result<std::string> digestFile(const std::string& path, std::string_view algorithm) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("open " + path + ": " + std::strerror(errno));
  Hasher h(algorithm);
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return ioError("read " + path + ": " + std::strerror(e));
    }
    if (n == 0) break;
    h.update(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return h.digestString();
}

}  // namespace weir::oci

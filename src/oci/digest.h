// Content digests ("sha256:<64 hex>", "sha512:<128 hex>") and streaming
// hashing with OpenSSL. A Digest is only ever built by parseDigest(), so a
// held Digest is always well-formed: its hex is lowercase and of the right
// length, which is what makes it safe to use as a file name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir::oci {

class Digest {
 public:
  Digest() = default;
  const std::string& algorithm() const { return algorithm_; }
  const std::string& hex() const { return hex_; }
  // "sha256:abc..."
  std::string str() const { return algorithm_ + ":" + hex_; }
  bool empty() const { return hex_.empty(); }
  bool operator==(const Digest& o) const { return algorithm_ == o.algorithm_ && hex_ == o.hex_; }
  bool operator<(const Digest& o) const { return str() < o.str(); }

 private:
  friend Result<Digest> parseDigest(std::string_view text);
  std::string algorithm_;
  std::string hex_;
};

// Accepts the registered algorithms sha256 and sha512 with lowercase hex of
// the exact length; anything else (unknown algorithm, uppercase, "..", "/")
// is kInvalidArgument.
Result<Digest> parseDigest(std::string_view text);
bool isValidDigest(std::string_view text);

// Streaming hash for one algorithm ("sha256" or "sha512").
class Hasher {
 public:
  explicit Hasher(std::string_view algorithm = "sha256");
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void update(std::string_view data);
  void update(const void* data, size_t len) { update(std::string_view(static_cast<const char*>(data), len)); }
  // Lowercase hex of the hash of everything updated so far; the hasher
  // may be updated further afterwards (it finalizes a copy).
  std::string hexDigest() const;
  // "<algorithm>:<hex>"
  std::string digestString() const { return algorithm_ + ":" + hexDigest(); }
  const std::string& algorithm() const { return algorithm_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::string algorithm_;
  void* ctx_ = nullptr;  // EVP_MD_CTX
  uint64_t bytes_ = 0;
};

std::string sha256Hex(std::string_view data);
// "sha256:<hex>"
std::string sha256Digest(std::string_view data);
// Hashes a file with the given algorithm; returns "<alg>:<hex>".
Result<std::string> digestFile(const std::string& path, std::string_view algorithm = "sha256");

}  // namespace weir::oci

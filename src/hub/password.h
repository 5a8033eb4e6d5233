// weir::hub password hashing for hub accounts: PBKDF2-HMAC-SHA256 (OpenSSL
// PKCS5_PBKDF2_HMAC) with a random 16-byte salt per hash, the parameters
// stored with the hash so the cost can be raised without breaking old rows:
//
//   pbkdf2-sha256$<iterations>$<salt, base64>$<32-byte key, base64>
//
// kDefaultPbkdf2Iterations is OWASP's 2023 figure for PBKDF2-HMAC-SHA256;
// docs/hub.md gives its measured time on the CI machine. Tests lower it with
// `weir hub --kdf-iterations`.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace weir::hub {

constexpr int kDefaultPbkdf2Iterations = 600000;
constexpr int kMinPbkdf2Iterations = 1000;

std::string hashPassword(std::string_view password, int iterations = kDefaultPbkdf2Iterations);
// False for a wrong password and for a malformed or unknown-scheme hash.
// The key comparison is constant-time.
bool verifyPasswordHash(std::string_view password, std::string_view stored);

// `n` random bytes from OpenSSL's CSPRNG.
std::string randomBytes(size_t n);
std::string base64Encode(std::string_view in);

// Remembers (user, password, stored hash) triples already verified, by a
// SHA-256 of the three, so clients that send Basic credentials on every
// registry request pay the slow KDF once. A changed hash misses the cache.
class VerifiedCache {
 public:
  bool contains(std::string_view user, std::string_view password, std::string_view hash);
  void insert(std::string_view user, std::string_view password, std::string_view hash);

 private:
  static std::string key(std::string_view user, std::string_view password, std::string_view hash);
  std::mutex mutex_;
  std::unordered_set<std::string> verified_;
};

}  // namespace weir::hub

#include "hub/password.h"

#include <cstdlib>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "oci/digest.h"

namespace weir::hub {

namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kKeyBytes = 32;
constexpr int kMaxIterations = 100000000;

std::string base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return {};
  std::string out(3 * in.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return {};
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - std::min<size_t>(pad, static_cast<size_t>(n)));
  return out;
}

std::string derive(std::string_view password, std::string_view salt, int iterations) {
  std::string key(kKeyBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                        EVP_sha256(), static_cast<int>(key.size()), reinterpret_cast<unsigned char*>(key.data())) != 1) {
    return {};
  }
  return key;
}

}  // namespace

std::string randomBytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) std::abort();
  return out;
}

std::string base64Encode(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::string hashPassword(std::string_view password, int iterations) {
  const std::string salt = randomBytes(kSaltBytes);
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + base64Encode(salt) + "$" +
         base64Encode(derive(password, salt, iterations));
}

bool verifyPasswordHash(std::string_view password, std::string_view stored) {
  // scheme$iterations$salt$key
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    auto d = stored.find('$');
    if (d == std::string_view::npos) return false;
    parts[i] = stored.substr(0, d);
    stored.remove_prefix(d + 1);
  }
  parts[3] = stored;
  if (parts[0] != kScheme || parts[1].empty() || parts[1].size() > 9) return false;
  int iterations = 0;
  for (char c : parts[1]) {
    if (c < '0' || c > '9') return false;
    iterations = iterations * 10 + (c - '0');
  }
  if (iterations < 1 || iterations > kMaxIterations) return false;
  const std::string salt = base64Decode(parts[2]);
  const std::string expected = base64Decode(parts[3]);
  if (salt.empty() || expected.size() != kKeyBytes) return false;
  const std::string got = derive(password, salt, iterations);
  return got.size() == expected.size() && CRYPTO_memcmp(got.data(), expected.data(), got.size()) == 0;
}

std::string VerifiedCache::key(std::string_view user, std::string_view password, std::string_view hash) {
  std::string k(user);
  k += '\0';
  k += password;
  k += '\0';
  k += hash;
  return oci::sha256Hex(k);
}

bool VerifiedCache::contains(std::string_view user, std::string_view password, std::string_view hash) {
  const std::string k = key(user, password, hash);
  std::lock_guard<std::mutex> lock(mutex_);
  return verified_.count(k) > 0;
}

void VerifiedCache::insert(std::string_view user, std::string_view password, std::string_view hash) {
  const std::string k = key(user, password, hash);
  std::lock_guard<std::mutex> lock(mutex_);
  if (verified_.size() > 10000) verified_.clear();
  verified_.insert(k);
}

}  // namespace weir::hub

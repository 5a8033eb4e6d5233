#include "wasm/aot/cache.h"

#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "wasm/aot/abi.h"
#include "wasm/aot/toolchain.h"

#ifndef WEIR_VERSION_STRING
#error "WEIR_VERSION_STRING must be defined by the build"
#endif

namespace weir::wasm::aot {

std::string sha256Hex(std::span<const uint8_t> bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string cacheKey(std::span<const uint8_t> module_bytes, const std::string& toolchain_identity, int opt_level,
                     MemoryChecks checks, Emitter emitter) {
  const char* memory = resolveMemoryChecks(checks) == MemoryChecks::kGuardPages ? "guard" : "explicit";
  std::string id = "module:" + sha256Hex(module_bytes) + "\nweir:" WEIR_VERSION_STRING "\nabi:" +
                   std::to_string(kAbiVersion) + "\ntoolchain:" + toolchain_identity + "\nopt:" +
                   std::to_string(opt_level) + "\nmemory:" + memory + "\n";
  // Keys of the default build stay what they were before the option existed.
  if (resolveEmitter(emitter) == Emitter::kAll) id += "emitter:all\n";
  if (!hostIsa().empty()) id += "isa:" + hostIsa() + "\n";
  return sha256Hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(id.data()), id.size()));
}

std::string cacheKey(std::span<const uint8_t> module_bytes, const std::string& toolchain_identity, int opt_level) {
  return cacheKey(module_bytes, toolchain_identity, opt_level, MemoryChecks::kDefault);
}

Result<std::string> cacheDirectory(const AotOptions& options) {
  std::string dir = options.cache_dir;
  if (dir.empty()) {
    if (const char* d = std::getenv("WEIR_AOT_CACHE_DIR"); d && *d == '/') dir = d;
  }
  if (dir.empty()) {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/') dir = std::string(x) + "/weir/aot";
  }
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    if (!home || *home != '/') return unavailable("no cache directory: set WEIR_AOT_CACHE_DIR or HOME");
    dir = std::string(home) + "/.cache/weir/aot";
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ioError("cannot create cache directory " + dir + ": " + ec.message());
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace, ec);
  return dir;
}

namespace {

bool readAll(const std::string& path, std::vector<uint8_t>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

Status writeAtomically(const std::string& path, std::span<const uint8_t> data) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return ioError("cannot write " + tmp);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) return ioError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return ioError("cannot rename " + tmp + ": " + ec.message());
  return Status::ok();
}

}  // namespace

Result<std::vector<uint8_t>> readVerified(const std::string& path) {
  std::vector<uint8_t> object, digest;
  if (!readAll(path, object)) return notFound("no artifact at " + path);
  if (!readAll(path + ".sha256", digest)) return notFound("no digest beside " + path);
  std::string want(digest.begin(), digest.end());
  while (!want.empty() && (want.back() == '\n' || want.back() == ' ')) want.pop_back();
  if (sha256Hex(object) != want) return failedPrecondition("artifact " + path + " does not match its recorded digest");
  return object;
}

Status writeArtifact(const std::string& path, std::span<const uint8_t> object) {
  std::string digest = sha256Hex(object) + "\n";
  // The digest goes first: a reader that sees the object also sees its digest.
  if (Status s = writeAtomically(path + ".sha256", std::span<const uint8_t>(
                                                        reinterpret_cast<const uint8_t*>(digest.data()), digest.size()));
      !s.isOk()) {
    return s;
  }
  return writeAtomically(path, object);
}

}  // namespace weir::wasm::aot

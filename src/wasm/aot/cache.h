// The on-disk artifact cache: <dir>/<key>.so plus <key>.so.sha256, the
// object's SHA-256 recorded when it was stored. The key is the SHA-256 of the
// module bytes, weir's version, the ABI version, the toolchain identity and the
// compile flags, so a new compiler or weir never loads a stale object.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "wasm/aot/options.h"

namespace weir::wasm::aot {

std::string sha256Hex(std::span<const uint8_t> bytes);

// The key of an object built with `checks` and `emitter`; the
// three-argument form is the key of the default build.
std::string cacheKey(std::span<const uint8_t> module_bytes, const std::string& toolchain_identity, int opt_level,
                     MemoryChecks checks, Emitter emitter = Emitter::kDefault);
std::string cacheKey(std::span<const uint8_t> module_bytes, const std::string& toolchain_identity, int opt_level);

// The cache directory for `options`, created (0700) if missing.
Result<std::string> cacheDirectory(const AotOptions& options);

// Reads `path` and checks it against `path`.sha256. kNotFound when absent,
// kDataLoss-like kFailedPrecondition when the digest does not match.
Result<std::vector<uint8_t>> readVerified(const std::string& path);

// Writes the object and its digest sidecar atomically (temp file + rename).
Status writeArtifact(const std::string& path, std::span<const uint8_t> object);

}  // namespace weir::wasm::aot

// The serialized key/value map of the Proxy-Wasm ABI (headers, trailers,
// gRPC metadata, local-response headers, http_call headers):
//
//   u32 N | N x (u32 key_len, u32 value_len) | N x (key, 0x00, value, 0x00)
//
// all integers little-endian, lengths without the NUL. Decoding is strict and
// bounded: guest bytes are untrusted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace weir::http {
class HeaderMap;
}

namespace weir::proxywasm {

using PairView = std::pair<std::string_view, std::string_view>;

struct PairsLimits {
  size_t max_pairs = 8192;
  size_t max_bytes = 1 << 20;
};

// Exact encoded size of these pairs.
size_t encodedPairsSize(std::span<const PairView> pairs);
// Writes exactly encodedPairsSize(pairs) bytes to `out`.
void encodePairsTo(std::span<const PairView> pairs, uint8_t* out);
std::string encodePairs(std::span<const PairView> pairs);
// The header map's entries in order (pseudo-headers first), as views.
std::vector<PairView> headerMapPairs(const http::HeaderMap& map);

// Views into `data`. Accepts the three spellings of an empty map (no bytes,
// one 0x00 byte, a zero count). Rejects a count or total over the limits,
// lengths that run past the end, missing NUL terminators and trailing bytes.
Result<std::vector<PairView>> decodePairs(std::string_view data, const PairsLimits& limits = {});

}  // namespace weir::proxywasm

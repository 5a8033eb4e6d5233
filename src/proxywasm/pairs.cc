#include "proxywasm/pairs.h"

#include <cstring>

#include "http/header_map.h"

namespace weir::proxywasm {
namespace {

void putU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

uint32_t getU32(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

}  // namespace

size_t encodedPairsSize(std::span<const PairView> pairs) {
  size_t total = 4;
  for (const PairView& p : pairs) total += 8 + p.first.size() + 1 + p.second.size() + 1;
  return total;
}

void encodePairsTo(std::span<const PairView> pairs, uint8_t* out) {
  putU32(out, static_cast<uint32_t>(pairs.size()));
  uint8_t* sizes = out + 4;
  uint8_t* data = sizes + 8 * pairs.size();
  for (const PairView& p : pairs) {
    putU32(sizes, static_cast<uint32_t>(p.first.size()));
    putU32(sizes + 4, static_cast<uint32_t>(p.second.size()));
    sizes += 8;
    if (!p.first.empty()) std::memcpy(data, p.first.data(), p.first.size());
    data += p.first.size();
    *data++ = 0;
    if (!p.second.empty()) std::memcpy(data, p.second.data(), p.second.size());
    data += p.second.size();
    *data++ = 0;
  }
}

std::string encodePairs(std::span<const PairView> pairs) {
  std::string out(encodedPairsSize(pairs), '\0');
  encodePairsTo(pairs, reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::vector<PairView> headerMapPairs(const http::HeaderMap& map) {
  std::vector<PairView> pairs;
  pairs.reserve(map.size());
  for (http::HeaderView h : map) pairs.emplace_back(h.name, h.value);
  return pairs;
}

Result<std::vector<PairView>> decodePairs(std::string_view data, const PairsLimits& limits) {
  std::vector<PairView> pairs;
  if (data.empty() || (data.size() == 1 && data[0] == '\0')) return pairs;
  if (data.size() > limits.max_bytes) return invalidArgument("serialized map larger than the limit");
  if (data.size() < 4) return invalidArgument("serialized map shorter than its count");
  const uint64_t n = getU32(data.data());
  if (n > limits.max_pairs) return invalidArgument("serialized map has too many pairs");
  // 4 + 8 per pair for the sizes, then at least 2 NULs per pair.
  if (4 + 10 * n > data.size()) return invalidArgument("serialized map truncated");
  pairs.reserve(n);
  size_t sizes = 4;
  uint64_t pos = 4 + 8 * n;
  for (uint64_t i = 0; i < n; ++i, sizes += 8) {
    const uint64_t klen = getU32(data.data() + sizes);
    const uint64_t vlen = getU32(data.data() + sizes + 4);
    // 64-bit arithmetic: klen + vlen cannot overflow.
    if (pos + klen + 1 + vlen + 1 > data.size()) return invalidArgument("serialized map entry runs past the end");
    std::string_view key = data.substr(pos, klen);
    pos += klen;
    if (data[pos] != '\0') return invalidArgument("serialized map key not NUL-terminated");
    ++pos;
    std::string_view value = data.substr(pos, vlen);
    pos += vlen;
    if (data[pos] != '\0') return invalidArgument("serialized map value not NUL-terminated");
    ++pos;
    pairs.emplace_back(key, value);
  }
  if (pos != data.size()) return invalidArgument("serialized map has trailing bytes");
  return pairs;
}

}  // namespace weir::proxywasm

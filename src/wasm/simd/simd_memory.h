#pragma once
// v128 loads and stores as operations on guest bytes the caller has already
// bounds-checked (effective address + access width ≤ memory size). Guest memory is
// little-endian and unaligned; memcpy compiles to single unaligned moves.

#include <cstdint>
#include <cstring>

#include "wasm/simd/v128.h"

namespace weir::wasm::simd {
inline namespace WEIR_SIMD_FLAVOUR {

namespace detail {
template <typename T>
inline T loadScalar(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Eight bytes of Narrow lanes widened to Wide lanes.
template <typename Wide, typename Narrow>
inline V128 loadExtend(const uint8_t* p) {
  Lanes<Wide> r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<Wide>(loadScalar<Narrow>(p + i * sizeof(Narrow)));
  return fromLanes(r);
}

template <typename T>
inline V128 loadSplat(const uint8_t* p) {
  Lanes<T> r;
  r.fill(loadScalar<T>(p));
  return fromLanes(r);
}
}  // namespace detail

// Bytes each access touches, for the caller's bounds check.
inline constexpr uint32_t kV128Bytes = 16;

inline V128 v128Load(const uint8_t* p) {
  V128 v;
  std::memcpy(v.bytes, p, 16);
  return v;
}
inline void v128Store(uint8_t* p, const V128& v) { std::memcpy(p, v.bytes, 16); }

// 8 bytes read.
inline V128 v128Load8x8S(const uint8_t* p) { return detail::loadExtend<int16_t, int8_t>(p); }
inline V128 v128Load8x8U(const uint8_t* p) { return detail::loadExtend<uint16_t, uint8_t>(p); }
inline V128 v128Load16x4S(const uint8_t* p) { return detail::loadExtend<int32_t, int16_t>(p); }
inline V128 v128Load16x4U(const uint8_t* p) { return detail::loadExtend<uint32_t, uint16_t>(p); }
inline V128 v128Load32x2S(const uint8_t* p) { return detail::loadExtend<int64_t, int32_t>(p); }
inline V128 v128Load32x2U(const uint8_t* p) { return detail::loadExtend<uint64_t, uint32_t>(p); }

// 1, 2, 4, 8 bytes read.
inline V128 v128Load8Splat(const uint8_t* p) { return detail::loadSplat<uint8_t>(p); }
inline V128 v128Load16Splat(const uint8_t* p) { return detail::loadSplat<uint16_t>(p); }
inline V128 v128Load32Splat(const uint8_t* p) { return detail::loadSplat<uint32_t>(p); }
inline V128 v128Load64Splat(const uint8_t* p) { return detail::loadSplat<uint64_t>(p); }

// 4 / 8 bytes read into lane 0, the rest zero.
inline V128 v128Load32Zero(const uint8_t* p) {
  V128 v{};
  std::memcpy(v.bytes, p, 4);
  return v;
}
inline V128 v128Load64Zero(const uint8_t* p) {
  V128 v{};
  std::memcpy(v.bytes, p, 8);
  return v;
}

// Replace one lane of v with the bytes at p; the lane index is a validated immediate.
inline V128 v128Load8Lane(const uint8_t* p, V128 v, uint32_t lane) {
  v.bytes[lane & 15] = *p;
  return v;
}
inline V128 v128Load16Lane(const uint8_t* p, V128 v, uint32_t lane) {
  std::memcpy(v.bytes + 2 * (lane & 7), p, 2);
  return v;
}
inline V128 v128Load32Lane(const uint8_t* p, V128 v, uint32_t lane) {
  std::memcpy(v.bytes + 4 * (lane & 3), p, 4);
  return v;
}
inline V128 v128Load64Lane(const uint8_t* p, V128 v, uint32_t lane) {
  std::memcpy(v.bytes + 8 * (lane & 1), p, 8);
  return v;
}

inline void v128Store8Lane(uint8_t* p, const V128& v, uint32_t lane) { *p = v.bytes[lane & 15]; }
inline void v128Store16Lane(uint8_t* p, const V128& v, uint32_t lane) { std::memcpy(p, v.bytes + 2 * (lane & 7), 2); }
inline void v128Store32Lane(uint8_t* p, const V128& v, uint32_t lane) { std::memcpy(p, v.bytes + 4 * (lane & 3), 4); }
inline void v128Store64Lane(uint8_t* p, const V128& v, uint32_t lane) { std::memcpy(p, v.bytes + 8 * (lane & 1), 8); }

}  // namespace WEIR_SIMD_FLAVOUR
}  // namespace weir::wasm::simd

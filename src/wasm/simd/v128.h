#pragma once
// Lane views of the engine's 128-bit value (weir::wasm::V128 from wasm/types.h)
// that the SIMD operations are written with.
//
// Lanes are little-endian (lane 0 = lowest address), which is what Wasm requires
// and what x86-64 gives for free, so a lane view is a plain memcpy.

#include <array>
#include <cstdint>
#include <cstring>

#include "wasm/types.h"

#if !defined(WEIR_SIMD_PORTABLE) && defined(__SSE2__)
#define WEIR_SIMD_SSE2 1
#include <emmintrin.h>
#else
#define WEIR_SIMD_SSE2 0
#endif

namespace weir::wasm::simd {

using weir::wasm::V128;
static_assert(sizeof(V128) == 16);

template <typename T>
using Lanes = std::array<T, 16 / sizeof(T)>;

template <typename T>
inline Lanes<T> lanes(const V128& v) {
  Lanes<T> out;
  std::memcpy(out.data(), v.bytes, 16);
  return out;
}

template <typename T>
inline V128 fromLanes(const Lanes<T>& l) {
  V128 out;
  std::memcpy(out.bytes, l.data(), 16);
  return out;
}

inline V128 fromU64(uint64_t lo, uint64_t hi) {
  V128 out;
  std::memcpy(out.bytes, &lo, 8);
  std::memcpy(out.bytes + 8, &hi, 8);
  return out;
}

// The operation code is compiled in one of two flavours (SSE2 fast paths or plain
// lane loops). Each lives in its own inline namespace so both can be linked into
// one test binary and checked against the same expectations.
#if WEIR_SIMD_SSE2
#define WEIR_SIMD_FLAVOUR sse2
#else
#define WEIR_SIMD_FLAVOUR portable
#endif

inline namespace WEIR_SIMD_FLAVOUR {

#if WEIR_SIMD_SSE2
inline __m128i toI(const V128& v) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(v.bytes)); }
inline __m128 toF(const V128& v) { return _mm_loadu_ps(reinterpret_cast<const float*>(v.bytes)); }
inline __m128d toD(const V128& v) { return _mm_loadu_pd(reinterpret_cast<const double*>(v.bytes)); }
inline V128 fromI(__m128i x) {
  V128 out;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out.bytes), x);
  return out;
}
inline V128 fromF(__m128 x) {
  V128 out;
  _mm_storeu_ps(reinterpret_cast<float*>(out.bytes), x);
  return out;
}
inline V128 fromD(__m128d x) {
  V128 out;
  _mm_storeu_pd(reinterpret_cast<double*>(out.bytes), x);
  return out;
}
#endif

// Lane-wise helpers for the portable code (and the ops SSE2 has no instruction for).
template <typename T, typename F>
inline V128 mapLanes(const V128& a, F f) {
  Lanes<T> x = lanes<T>(a);
  for (auto& lane : x) lane = f(lane);
  return fromLanes(x);
}

template <typename T, typename F>
inline V128 zipLanes(const V128& a, const V128& b, F f) {
  Lanes<T> x = lanes<T>(a);
  Lanes<T> y = lanes<T>(b);
  for (size_t i = 0; i < x.size(); ++i) x[i] = f(x[i], y[i]);
  return fromLanes(x);
}

}  // namespace WEIR_SIMD_FLAVOUR
}  // namespace weir::wasm::simd

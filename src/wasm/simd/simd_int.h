#pragma once
// Integer and bitwise v128 operations (Wasm 2.0, 0xFD prefix). Each function is the
// whole semantics of one instruction; callers have already validated immediates
// (lane indices) and popped the operands in Wasm order (a = first pushed).

#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "wasm/simd/v128.h"

namespace weir::wasm::simd {
inline namespace WEIR_SIMD_FLAVOUR {

namespace detail {

// Wrapping arithmetic without signed overflow (and without the int promotion of
// 16-bit operands that turns 0xffff * 0xffff into UB).
template <typename T>
inline T wrapAdd(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<uint64_t>(static_cast<U>(a)) + static_cast<U>(b)));
}
template <typename T>
inline T wrapSub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<uint64_t>(static_cast<U>(a)) - static_cast<U>(b)));
}
template <typename T>
inline T wrapMul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(static_cast<uint64_t>(static_cast<U>(a)) * static_cast<U>(b)));
}
template <typename T>
inline T wrapNeg(T a) {
  return wrapSub<T>(T{0}, a);
}

template <typename Narrow, typename Wide>
inline Narrow saturate(Wide v) {
  if (v < static_cast<Wide>(std::numeric_limits<Narrow>::min())) return std::numeric_limits<Narrow>::min();
  if (v > static_cast<Wide>(std::numeric_limits<Narrow>::max())) return std::numeric_limits<Narrow>::max();
  return static_cast<Narrow>(v);
}

template <typename T>
inline T satAdd(T a, T b) {
  return saturate<T>(static_cast<int32_t>(a) + static_cast<int32_t>(b));
}
template <typename T>
inline T satSub(T a, T b) {
  return saturate<T>(static_cast<int32_t>(a) - static_cast<int32_t>(b));
}

template <typename T>
inline V128 compare(const V128& a, const V128& b, bool (*pred)(T, T)) {
  using U = std::make_unsigned_t<T>;
  Lanes<T> x = lanes<T>(a);
  Lanes<T> y = lanes<T>(b);
  Lanes<U> r;
  for (size_t i = 0; i < x.size(); ++i) r[i] = pred(x[i], y[i]) ? static_cast<U>(~U{0}) : U{0};
  return fromLanes(r);
}

// Shift counts are taken modulo the lane width (Wasm: count mod lane bits).
template <typename T>
inline V128 shl(const V128& a, uint32_t count) {
  using U = std::make_unsigned_t<T>;
  const uint32_t n = count & (sizeof(T) * 8 - 1);
  return mapLanes<U>(a, [n](U x) { return static_cast<U>(x << n); });
}
template <typename T>
inline V128 shr(const V128& a, uint32_t count) {
  const uint32_t n = count & (sizeof(T) * 8 - 1);
  // C++20 defines >> on negative signed values as arithmetic.
  return mapLanes<T>(a, [n](T x) { return static_cast<T>(x >> n); });
}

template <typename T>
inline uint32_t allTrue(const V128& a) {
  for (T x : lanes<T>(a)) {
    if (x == 0) return 0;
  }
  return 1;
}

template <typename T>
inline uint32_t bitmask(const V128& a) {
  using S = std::make_signed_t<T>;
  uint32_t out = 0;
  Lanes<S> x = lanes<S>(a);
  for (size_t i = 0; i < x.size(); ++i) out |= static_cast<uint32_t>(x[i] < 0) << i;
  return out;
}

template <typename T>
inline T absLane(T x) {
  return x < 0 ? wrapNeg(x) : x;
}

// Wide lanes from the low (half = 0) or high (half = 1) narrow lanes.
template <typename Wide, typename Narrow>
inline V128 extend(const V128& a, int half) {
  Lanes<Narrow> x = lanes<Narrow>(a);
  Lanes<Wide> r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<Wide>(x[i + half * r.size()]);
  return fromLanes(r);
}

template <typename Wide, typename Narrow>
inline V128 extmul(const V128& a, const V128& b, int half) {
  Lanes<Narrow> x = lanes<Narrow>(a);
  Lanes<Narrow> y = lanes<Narrow>(b);
  Lanes<Wide> r;
  for (size_t i = 0; i < r.size(); ++i) {
    // The product of two narrow values always fits the wide lane, except
    // i32 * i32 → i64 which we keep exact by multiplying in the wide type.
    r[i] = wrapMul<Wide>(static_cast<Wide>(x[i + half * r.size()]), static_cast<Wide>(y[i + half * r.size()]));
  }
  return fromLanes(r);
}

template <typename Wide, typename Narrow>
inline V128 extaddPairwise(const V128& a) {
  Lanes<Narrow> x = lanes<Narrow>(a);
  Lanes<Wide> r;
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<Wide>(static_cast<Wide>(x[2 * i]) + static_cast<Wide>(x[2 * i + 1]));
  return fromLanes(r);
}

// Narrow two vectors of signed wide lanes into one, saturating to Narrow's range.
template <typename Narrow, typename Wide>
inline V128 narrow(const V128& a, const V128& b) {
  Lanes<Wide> x = lanes<Wide>(a);
  Lanes<Wide> y = lanes<Wide>(b);
  Lanes<Narrow> r;
  for (size_t i = 0; i < x.size(); ++i) {
    r[i] = saturate<Narrow>(x[i]);
    r[i + x.size()] = saturate<Narrow>(y[i]);
  }
  return fromLanes(r);
}

}  // namespace detail

// ---- constants, splats, lanes -------------------------------------------------

inline V128 i8x16Splat(uint32_t x) {
  Lanes<uint8_t> l;
  l.fill(static_cast<uint8_t>(x));
  return fromLanes(l);
}
inline V128 i16x8Splat(uint32_t x) {
  Lanes<uint16_t> l;
  l.fill(static_cast<uint16_t>(x));
  return fromLanes(l);
}
inline V128 i32x4Splat(uint32_t x) {
  Lanes<uint32_t> l;
  l.fill(x);
  return fromLanes(l);
}
inline V128 i64x2Splat(uint64_t x) { return fromU64(x, x); }

inline uint32_t i8x16ExtractLaneS(const V128& a, uint32_t lane) {
  return static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(a.bytes[lane & 15])));
}
inline uint32_t i8x16ExtractLaneU(const V128& a, uint32_t lane) { return a.bytes[lane & 15]; }
inline uint32_t i16x8ExtractLaneS(const V128& a, uint32_t lane) {
  return static_cast<uint32_t>(static_cast<int32_t>(lanes<int16_t>(a)[lane & 7]));
}
inline uint32_t i16x8ExtractLaneU(const V128& a, uint32_t lane) { return lanes<uint16_t>(a)[lane & 7]; }
inline uint32_t i32x4ExtractLane(const V128& a, uint32_t lane) { return lanes<uint32_t>(a)[lane & 3]; }
inline uint64_t i64x2ExtractLane(const V128& a, uint32_t lane) { return lanes<uint64_t>(a)[lane & 1]; }

inline V128 i8x16ReplaceLane(V128 a, uint32_t lane, uint32_t x) {
  a.bytes[lane & 15] = static_cast<uint8_t>(x);
  return a;
}
inline V128 i16x8ReplaceLane(V128 a, uint32_t lane, uint32_t x) {
  uint16_t v = static_cast<uint16_t>(x);
  std::memcpy(a.bytes + 2 * (lane & 7), &v, 2);
  return a;
}
inline V128 i32x4ReplaceLane(V128 a, uint32_t lane, uint32_t x) {
  std::memcpy(a.bytes + 4 * (lane & 3), &x, 4);
  return a;
}
inline V128 i64x2ReplaceLane(V128 a, uint32_t lane, uint64_t x) {
  std::memcpy(a.bytes + 8 * (lane & 1), &x, 8);
  return a;
}

// Lane indices ≥ 32 are rejected by the validator; masking keeps a bad caller in bounds.
inline V128 i8x16Shuffle(const V128& a, const V128& b, const uint8_t (&lane_index)[16]) {
  uint8_t both[32];
  std::memcpy(both, a.bytes, 16);
  std::memcpy(both + 16, b.bytes, 16);
  V128 out;
  for (int i = 0; i < 16; ++i) out.bytes[i] = both[lane_index[i] & 31];
  return out;
}
inline V128 i8x16Shuffle(const V128& a, const V128& b, const V128& lane_index) {
  return i8x16Shuffle(a, b, lane_index.bytes);
}

// Out-of-range selectors (≥ 16, including "negative" bytes) give 0.
inline V128 i8x16Swizzle(const V128& a, const V128& s) {
  V128 out;
  for (int i = 0; i < 16; ++i) out.bytes[i] = s.bytes[i] < 16 ? a.bytes[s.bytes[i]] : 0;
  return out;
}

// ---- bitwise --------------------------------------------------------------------

inline V128 v128Not(const V128& a) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_xor_si128(toI(a), _mm_set1_epi32(-1)));
#else
  return mapLanes<uint64_t>(a, [](uint64_t x) { return ~x; });
#endif
}
inline V128 v128And(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_and_si128(toI(a), toI(b)));
#else
  return zipLanes<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & y; });
#endif
}
// a & ~b (note: the complement is on the second operand, unlike x86 andn).
inline V128 v128Andnot(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_andnot_si128(toI(b), toI(a)));
#else
  return zipLanes<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x & ~y; });
#endif
}
inline V128 v128Or(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_or_si128(toI(a), toI(b)));
#else
  return zipLanes<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x | y; });
#endif
}
inline V128 v128Xor(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_xor_si128(toI(a), toI(b)));
#else
  return zipLanes<uint64_t>(a, b, [](uint64_t x, uint64_t y) { return x ^ y; });
#endif
}
// Bits of a where c is 1, bits of b where c is 0.
inline V128 v128Bitselect(const V128& a, const V128& b, const V128& c) {
#if WEIR_SIMD_SSE2
  const __m128i m = toI(c);
  return fromI(_mm_or_si128(_mm_and_si128(toI(a), m), _mm_andnot_si128(m, toI(b))));
#else
  Lanes<uint64_t> x = lanes<uint64_t>(a), y = lanes<uint64_t>(b), m = lanes<uint64_t>(c);
  for (int i = 0; i < 2; ++i) x[i] = (x[i] & m[i]) | (y[i] & ~m[i]);
  return fromLanes(x);
#endif
}
inline uint32_t v128AnyTrue(const V128& a) {
  Lanes<uint64_t> x = lanes<uint64_t>(a);
  return (x[0] | x[1]) != 0;
}

// ---- comparisons ----------------------------------------------------------------

#if WEIR_SIMD_SSE2
namespace detail {
// Flip the sign bits so unsigned order becomes signed order for pcmpgt.
inline __m128i flip8(__m128i x) { return _mm_xor_si128(x, _mm_set1_epi8(static_cast<char>(0x80))); }
inline __m128i flip16(__m128i x) { return _mm_xor_si128(x, _mm_set1_epi16(static_cast<short>(0x8000))); }
inline __m128i flip32(__m128i x) { return _mm_xor_si128(x, _mm_set1_epi32(static_cast<int>(0x80000000u))); }
inline __m128i notI(__m128i x) { return _mm_xor_si128(x, _mm_set1_epi32(-1)); }
}  // namespace detail
#define WEIR_SIMD_ICMP(name, type, sse)                                        \
  inline V128 name(const V128& a, const V128& b) {                             \
    using detail::flip8, detail::flip16, detail::flip32, detail::notI;         \
    const __m128i x = toI(a), y = toI(b);                                      \
    return fromI(sse);                                                         \
  }
#else
#define WEIR_SIMD_ICMP(name, type, sse)
#endif

#if WEIR_SIMD_SSE2
WEIR_SIMD_ICMP(i8x16Eq, int8_t, _mm_cmpeq_epi8(x, y))
WEIR_SIMD_ICMP(i8x16Ne, int8_t, notI(_mm_cmpeq_epi8(x, y)))
WEIR_SIMD_ICMP(i8x16LtS, int8_t, _mm_cmplt_epi8(x, y))
WEIR_SIMD_ICMP(i8x16LtU, int8_t, _mm_cmplt_epi8(flip8(x), flip8(y)))
WEIR_SIMD_ICMP(i8x16GtS, int8_t, _mm_cmpgt_epi8(x, y))
WEIR_SIMD_ICMP(i8x16GtU, int8_t, _mm_cmpgt_epi8(flip8(x), flip8(y)))
WEIR_SIMD_ICMP(i8x16LeS, int8_t, notI(_mm_cmpgt_epi8(x, y)))
WEIR_SIMD_ICMP(i8x16LeU, int8_t, notI(_mm_cmpgt_epi8(flip8(x), flip8(y))))
WEIR_SIMD_ICMP(i8x16GeS, int8_t, notI(_mm_cmplt_epi8(x, y)))
WEIR_SIMD_ICMP(i8x16GeU, int8_t, notI(_mm_cmplt_epi8(flip8(x), flip8(y))))
WEIR_SIMD_ICMP(i16x8Eq, int16_t, _mm_cmpeq_epi16(x, y))
WEIR_SIMD_ICMP(i16x8Ne, int16_t, notI(_mm_cmpeq_epi16(x, y)))
WEIR_SIMD_ICMP(i16x8LtS, int16_t, _mm_cmplt_epi16(x, y))
WEIR_SIMD_ICMP(i16x8LtU, int16_t, _mm_cmplt_epi16(flip16(x), flip16(y)))
WEIR_SIMD_ICMP(i16x8GtS, int16_t, _mm_cmpgt_epi16(x, y))
WEIR_SIMD_ICMP(i16x8GtU, int16_t, _mm_cmpgt_epi16(flip16(x), flip16(y)))
WEIR_SIMD_ICMP(i16x8LeS, int16_t, notI(_mm_cmpgt_epi16(x, y)))
WEIR_SIMD_ICMP(i16x8LeU, int16_t, notI(_mm_cmpgt_epi16(flip16(x), flip16(y))))
WEIR_SIMD_ICMP(i16x8GeS, int16_t, notI(_mm_cmplt_epi16(x, y)))
WEIR_SIMD_ICMP(i16x8GeU, int16_t, notI(_mm_cmplt_epi16(flip16(x), flip16(y))))
WEIR_SIMD_ICMP(i32x4Eq, int32_t, _mm_cmpeq_epi32(x, y))
WEIR_SIMD_ICMP(i32x4Ne, int32_t, notI(_mm_cmpeq_epi32(x, y)))
WEIR_SIMD_ICMP(i32x4LtS, int32_t, _mm_cmplt_epi32(x, y))
WEIR_SIMD_ICMP(i32x4LtU, int32_t, _mm_cmplt_epi32(flip32(x), flip32(y)))
WEIR_SIMD_ICMP(i32x4GtS, int32_t, _mm_cmpgt_epi32(x, y))
WEIR_SIMD_ICMP(i32x4GtU, int32_t, _mm_cmpgt_epi32(flip32(x), flip32(y)))
WEIR_SIMD_ICMP(i32x4LeS, int32_t, notI(_mm_cmpgt_epi32(x, y)))
WEIR_SIMD_ICMP(i32x4LeU, int32_t, notI(_mm_cmpgt_epi32(flip32(x), flip32(y))))
WEIR_SIMD_ICMP(i32x4GeS, int32_t, notI(_mm_cmplt_epi32(x, y)))
WEIR_SIMD_ICMP(i32x4GeU, int32_t, notI(_mm_cmplt_epi32(flip32(x), flip32(y))))
#else
#define WEIR_SIMD_ICMP_PORTABLE(name, type, expr) \
  inline V128 name(const V128& a, const V128& b) { return detail::compare<type>(a, b, [](type x, type y) { return expr; }); }
WEIR_SIMD_ICMP_PORTABLE(i8x16Eq, int8_t, x == y)
WEIR_SIMD_ICMP_PORTABLE(i8x16Ne, int8_t, x != y)
WEIR_SIMD_ICMP_PORTABLE(i8x16LtS, int8_t, x < y)
WEIR_SIMD_ICMP_PORTABLE(i8x16LtU, uint8_t, x < y)
WEIR_SIMD_ICMP_PORTABLE(i8x16GtS, int8_t, x > y)
WEIR_SIMD_ICMP_PORTABLE(i8x16GtU, uint8_t, x > y)
WEIR_SIMD_ICMP_PORTABLE(i8x16LeS, int8_t, x <= y)
WEIR_SIMD_ICMP_PORTABLE(i8x16LeU, uint8_t, x <= y)
WEIR_SIMD_ICMP_PORTABLE(i8x16GeS, int8_t, x >= y)
WEIR_SIMD_ICMP_PORTABLE(i8x16GeU, uint8_t, x >= y)
WEIR_SIMD_ICMP_PORTABLE(i16x8Eq, int16_t, x == y)
WEIR_SIMD_ICMP_PORTABLE(i16x8Ne, int16_t, x != y)
WEIR_SIMD_ICMP_PORTABLE(i16x8LtS, int16_t, x < y)
WEIR_SIMD_ICMP_PORTABLE(i16x8LtU, uint16_t, x < y)
WEIR_SIMD_ICMP_PORTABLE(i16x8GtS, int16_t, x > y)
WEIR_SIMD_ICMP_PORTABLE(i16x8GtU, uint16_t, x > y)
WEIR_SIMD_ICMP_PORTABLE(i16x8LeS, int16_t, x <= y)
WEIR_SIMD_ICMP_PORTABLE(i16x8LeU, uint16_t, x <= y)
WEIR_SIMD_ICMP_PORTABLE(i16x8GeS, int16_t, x >= y)
WEIR_SIMD_ICMP_PORTABLE(i16x8GeU, uint16_t, x >= y)
WEIR_SIMD_ICMP_PORTABLE(i32x4Eq, int32_t, x == y)
WEIR_SIMD_ICMP_PORTABLE(i32x4Ne, int32_t, x != y)
WEIR_SIMD_ICMP_PORTABLE(i32x4LtS, int32_t, x < y)
WEIR_SIMD_ICMP_PORTABLE(i32x4LtU, uint32_t, x < y)
WEIR_SIMD_ICMP_PORTABLE(i32x4GtS, int32_t, x > y)
WEIR_SIMD_ICMP_PORTABLE(i32x4GtU, uint32_t, x > y)
WEIR_SIMD_ICMP_PORTABLE(i32x4LeS, int32_t, x <= y)
WEIR_SIMD_ICMP_PORTABLE(i32x4LeU, uint32_t, x <= y)
WEIR_SIMD_ICMP_PORTABLE(i32x4GeS, int32_t, x >= y)
WEIR_SIMD_ICMP_PORTABLE(i32x4GeU, uint32_t, x >= y)
#undef WEIR_SIMD_ICMP_PORTABLE
#endif
#undef WEIR_SIMD_ICMP

// SSE2 has no 64-bit compares (pcmpeqq is SSE4.1, pcmpgtq SSE4.2).
inline V128 i64x2Eq(const V128& a, const V128& b) {
  return detail::compare<int64_t>(a, b, [](int64_t x, int64_t y) { return x == y; });
}
inline V128 i64x2Ne(const V128& a, const V128& b) {
  return detail::compare<int64_t>(a, b, [](int64_t x, int64_t y) { return x != y; });
}
inline V128 i64x2LtS(const V128& a, const V128& b) {
  return detail::compare<int64_t>(a, b, [](int64_t x, int64_t y) { return x < y; });
}
inline V128 i64x2GtS(const V128& a, const V128& b) {
  return detail::compare<int64_t>(a, b, [](int64_t x, int64_t y) { return x > y; });
}
inline V128 i64x2LeS(const V128& a, const V128& b) {
  return detail::compare<int64_t>(a, b, [](int64_t x, int64_t y) { return x <= y; });
}
inline V128 i64x2GeS(const V128& a, const V128& b) {
  return detail::compare<int64_t>(a, b, [](int64_t x, int64_t y) { return x >= y; });
}

// ---- lane tests -----------------------------------------------------------------

inline uint32_t i8x16AllTrue(const V128& a) {
#if WEIR_SIMD_SSE2
  return _mm_movemask_epi8(_mm_cmpeq_epi8(toI(a), _mm_setzero_si128())) == 0;
#else
  return detail::allTrue<uint8_t>(a);
#endif
}
inline uint32_t i16x8AllTrue(const V128& a) {
#if WEIR_SIMD_SSE2
  return _mm_movemask_epi8(_mm_cmpeq_epi16(toI(a), _mm_setzero_si128())) == 0;
#else
  return detail::allTrue<uint16_t>(a);
#endif
}
inline uint32_t i32x4AllTrue(const V128& a) {
#if WEIR_SIMD_SSE2
  return _mm_movemask_epi8(_mm_cmpeq_epi32(toI(a), _mm_setzero_si128())) == 0;
#else
  return detail::allTrue<uint32_t>(a);
#endif
}
inline uint32_t i64x2AllTrue(const V128& a) { return detail::allTrue<uint64_t>(a); }

inline uint32_t i8x16Bitmask(const V128& a) {
#if WEIR_SIMD_SSE2
  return static_cast<uint32_t>(_mm_movemask_epi8(toI(a)));
#else
  return detail::bitmask<uint8_t>(a);
#endif
}
inline uint32_t i16x8Bitmask(const V128& a) {
#if WEIR_SIMD_SSE2
  // packs keeps the sign of each 16-bit lane in its byte.
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(toI(a), _mm_setzero_si128())));
#else
  return detail::bitmask<uint16_t>(a);
#endif
}
inline uint32_t i32x4Bitmask(const V128& a) {
#if WEIR_SIMD_SSE2
  return static_cast<uint32_t>(_mm_movemask_ps(_mm_castsi128_ps(toI(a))));
#else
  return detail::bitmask<uint32_t>(a);
#endif
}
inline uint32_t i64x2Bitmask(const V128& a) {
#if WEIR_SIMD_SSE2
  return static_cast<uint32_t>(_mm_movemask_pd(_mm_castsi128_pd(toI(a))));
#else
  return detail::bitmask<uint64_t>(a);
#endif
}

// ---- shifts ---------------------------------------------------------------------

inline V128 i8x16Shl(const V128& a, uint32_t n) { return detail::shl<int8_t>(a, n); }
inline V128 i8x16ShrS(const V128& a, uint32_t n) { return detail::shr<int8_t>(a, n); }
inline V128 i8x16ShrU(const V128& a, uint32_t n) { return detail::shr<uint8_t>(a, n); }
#if WEIR_SIMD_SSE2
inline V128 i16x8Shl(const V128& a, uint32_t n) { return fromI(_mm_slli_epi16(toI(a), static_cast<int>(n & 15))); }
inline V128 i16x8ShrS(const V128& a, uint32_t n) { return fromI(_mm_srai_epi16(toI(a), static_cast<int>(n & 15))); }
inline V128 i16x8ShrU(const V128& a, uint32_t n) { return fromI(_mm_srli_epi16(toI(a), static_cast<int>(n & 15))); }
inline V128 i32x4Shl(const V128& a, uint32_t n) { return fromI(_mm_slli_epi32(toI(a), static_cast<int>(n & 31))); }
inline V128 i32x4ShrS(const V128& a, uint32_t n) { return fromI(_mm_srai_epi32(toI(a), static_cast<int>(n & 31))); }
inline V128 i32x4ShrU(const V128& a, uint32_t n) { return fromI(_mm_srli_epi32(toI(a), static_cast<int>(n & 31))); }
inline V128 i64x2Shl(const V128& a, uint32_t n) { return fromI(_mm_slli_epi64(toI(a), static_cast<int>(n & 63))); }
inline V128 i64x2ShrU(const V128& a, uint32_t n) { return fromI(_mm_srli_epi64(toI(a), static_cast<int>(n & 63))); }
#else
inline V128 i16x8Shl(const V128& a, uint32_t n) { return detail::shl<int16_t>(a, n); }
inline V128 i16x8ShrS(const V128& a, uint32_t n) { return detail::shr<int16_t>(a, n); }
inline V128 i16x8ShrU(const V128& a, uint32_t n) { return detail::shr<uint16_t>(a, n); }
inline V128 i32x4Shl(const V128& a, uint32_t n) { return detail::shl<int32_t>(a, n); }
inline V128 i32x4ShrS(const V128& a, uint32_t n) { return detail::shr<int32_t>(a, n); }
inline V128 i32x4ShrU(const V128& a, uint32_t n) { return detail::shr<uint32_t>(a, n); }
inline V128 i64x2Shl(const V128& a, uint32_t n) { return detail::shl<int64_t>(a, n); }
inline V128 i64x2ShrU(const V128& a, uint32_t n) { return detail::shr<uint64_t>(a, n); }
#endif
// psraq is AVX-512 only.
inline V128 i64x2ShrS(const V128& a, uint32_t n) { return detail::shr<int64_t>(a, n); }

// ---- add / sub / mul ------------------------------------------------------------

#if WEIR_SIMD_SSE2
#define WEIR_SIMD_IBIN(name, type, sse, portable) \
  inline V128 name(const V128& a, const V128& b) { return fromI(sse(toI(a), toI(b))); }
#else
#define WEIR_SIMD_IBIN(name, type, sse, portable) \
  inline V128 name(const V128& a, const V128& b) { return zipLanes<type>(a, b, portable<type>); }
#endif
WEIR_SIMD_IBIN(i8x16Add, int8_t, _mm_add_epi8, detail::wrapAdd)
WEIR_SIMD_IBIN(i8x16Sub, int8_t, _mm_sub_epi8, detail::wrapSub)
WEIR_SIMD_IBIN(i8x16AddSatS, int8_t, _mm_adds_epi8, detail::satAdd)
WEIR_SIMD_IBIN(i8x16AddSatU, uint8_t, _mm_adds_epu8, detail::satAdd)
WEIR_SIMD_IBIN(i8x16SubSatS, int8_t, _mm_subs_epi8, detail::satSub)
WEIR_SIMD_IBIN(i8x16SubSatU, uint8_t, _mm_subs_epu8, detail::satSub)
WEIR_SIMD_IBIN(i16x8Add, int16_t, _mm_add_epi16, detail::wrapAdd)
WEIR_SIMD_IBIN(i16x8Sub, int16_t, _mm_sub_epi16, detail::wrapSub)
WEIR_SIMD_IBIN(i16x8AddSatS, int16_t, _mm_adds_epi16, detail::satAdd)
WEIR_SIMD_IBIN(i16x8AddSatU, uint16_t, _mm_adds_epu16, detail::satAdd)
WEIR_SIMD_IBIN(i16x8SubSatS, int16_t, _mm_subs_epi16, detail::satSub)
WEIR_SIMD_IBIN(i16x8SubSatU, uint16_t, _mm_subs_epu16, detail::satSub)
WEIR_SIMD_IBIN(i16x8Mul, int16_t, _mm_mullo_epi16, detail::wrapMul)
WEIR_SIMD_IBIN(i32x4Add, int32_t, _mm_add_epi32, detail::wrapAdd)
WEIR_SIMD_IBIN(i32x4Sub, int32_t, _mm_sub_epi32, detail::wrapSub)
WEIR_SIMD_IBIN(i64x2Add, int64_t, _mm_add_epi64, detail::wrapAdd)
WEIR_SIMD_IBIN(i64x2Sub, int64_t, _mm_sub_epi64, detail::wrapSub)
#undef WEIR_SIMD_IBIN

// Rounding average: (a + b + 1) >> 1 without overflow, exactly pavgb / pavgw.
inline V128 i8x16AvgrU(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_avg_epu8(toI(a), toI(b)));
#else
  return zipLanes<uint8_t>(a, b, [](uint8_t x, uint8_t y) { return static_cast<uint8_t>((uint32_t{x} + y + 1) >> 1); });
#endif
}
inline V128 i16x8AvgrU(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_avg_epu16(toI(a), toI(b)));
#else
  return zipLanes<uint16_t>(a, b, [](uint16_t x, uint16_t y) { return static_cast<uint16_t>((uint32_t{x} + y + 1) >> 1); });
#endif
}

// pmulld is SSE4.1; the lane loop vectorizes well enough.
inline V128 i32x4Mul(const V128& a, const V128& b) { return zipLanes<int32_t>(a, b, detail::wrapMul<int32_t>); }
inline V128 i64x2Mul(const V128& a, const V128& b) { return zipLanes<int64_t>(a, b, detail::wrapMul<int64_t>); }

inline V128 i8x16Neg(const V128& a) { return mapLanes<int8_t>(a, detail::wrapNeg<int8_t>); }
inline V128 i16x8Neg(const V128& a) { return mapLanes<int16_t>(a, detail::wrapNeg<int16_t>); }
inline V128 i32x4Neg(const V128& a) { return mapLanes<int32_t>(a, detail::wrapNeg<int32_t>); }
inline V128 i64x2Neg(const V128& a) { return mapLanes<int64_t>(a, detail::wrapNeg<int64_t>); }
// abs of the minimum value is the minimum value (it wraps).
inline V128 i8x16Abs(const V128& a) { return mapLanes<int8_t>(a, detail::absLane<int8_t>); }
inline V128 i16x8Abs(const V128& a) { return mapLanes<int16_t>(a, detail::absLane<int16_t>); }
inline V128 i32x4Abs(const V128& a) { return mapLanes<int32_t>(a, detail::absLane<int32_t>); }
inline V128 i64x2Abs(const V128& a) { return mapLanes<int64_t>(a, detail::absLane<int64_t>); }

inline V128 i8x16Popcnt(const V128& a) {
  return mapLanes<uint8_t>(a, [](uint8_t x) { return static_cast<uint8_t>(std::popcount(x)); });
}

// ---- min / max --------------------------------------------------------------------

#define WEIR_SIMD_MINMAX(name, type, op) \
  inline V128 name(const V128& a, const V128& b) { return zipLanes<type>(a, b, [](type x, type y) { return op; }); }
WEIR_SIMD_MINMAX(i8x16MinS, int8_t, x < y ? x : y)
WEIR_SIMD_MINMAX(i8x16MaxS, int8_t, x > y ? x : y)
WEIR_SIMD_MINMAX(i16x8MinU, uint16_t, x < y ? x : y)
WEIR_SIMD_MINMAX(i16x8MaxU, uint16_t, x > y ? x : y)
WEIR_SIMD_MINMAX(i32x4MinS, int32_t, x < y ? x : y)
WEIR_SIMD_MINMAX(i32x4MinU, uint32_t, x < y ? x : y)
WEIR_SIMD_MINMAX(i32x4MaxS, int32_t, x > y ? x : y)
WEIR_SIMD_MINMAX(i32x4MaxU, uint32_t, x > y ? x : y)
#if WEIR_SIMD_SSE2
inline V128 i8x16MinU(const V128& a, const V128& b) { return fromI(_mm_min_epu8(toI(a), toI(b))); }
inline V128 i8x16MaxU(const V128& a, const V128& b) { return fromI(_mm_max_epu8(toI(a), toI(b))); }
inline V128 i16x8MinS(const V128& a, const V128& b) { return fromI(_mm_min_epi16(toI(a), toI(b))); }
inline V128 i16x8MaxS(const V128& a, const V128& b) { return fromI(_mm_max_epi16(toI(a), toI(b))); }
#else
WEIR_SIMD_MINMAX(i8x16MinU, uint8_t, x < y ? x : y)
WEIR_SIMD_MINMAX(i8x16MaxU, uint8_t, x > y ? x : y)
WEIR_SIMD_MINMAX(i16x8MinS, int16_t, x < y ? x : y)
WEIR_SIMD_MINMAX(i16x8MaxS, int16_t, x > y ? x : y)
#endif
#undef WEIR_SIMD_MINMAX

// ---- widening, narrowing, special multiplies ------------------------------------

inline V128 i16x8ExtendLowI8x16S(const V128& a) { return detail::extend<int16_t, int8_t>(a, 0); }
inline V128 i16x8ExtendHighI8x16S(const V128& a) { return detail::extend<int16_t, int8_t>(a, 1); }
inline V128 i16x8ExtendLowI8x16U(const V128& a) { return detail::extend<uint16_t, uint8_t>(a, 0); }
inline V128 i16x8ExtendHighI8x16U(const V128& a) { return detail::extend<uint16_t, uint8_t>(a, 1); }
inline V128 i32x4ExtendLowI16x8S(const V128& a) { return detail::extend<int32_t, int16_t>(a, 0); }
inline V128 i32x4ExtendHighI16x8S(const V128& a) { return detail::extend<int32_t, int16_t>(a, 1); }
inline V128 i32x4ExtendLowI16x8U(const V128& a) { return detail::extend<uint32_t, uint16_t>(a, 0); }
inline V128 i32x4ExtendHighI16x8U(const V128& a) { return detail::extend<uint32_t, uint16_t>(a, 1); }
inline V128 i64x2ExtendLowI32x4S(const V128& a) { return detail::extend<int64_t, int32_t>(a, 0); }
inline V128 i64x2ExtendHighI32x4S(const V128& a) { return detail::extend<int64_t, int32_t>(a, 1); }
inline V128 i64x2ExtendLowI32x4U(const V128& a) { return detail::extend<uint64_t, uint32_t>(a, 0); }
inline V128 i64x2ExtendHighI32x4U(const V128& a) { return detail::extend<uint64_t, uint32_t>(a, 1); }

inline V128 i16x8ExtmulLowI8x16S(const V128& a, const V128& b) { return detail::extmul<int16_t, int8_t>(a, b, 0); }
inline V128 i16x8ExtmulHighI8x16S(const V128& a, const V128& b) { return detail::extmul<int16_t, int8_t>(a, b, 1); }
inline V128 i16x8ExtmulLowI8x16U(const V128& a, const V128& b) { return detail::extmul<uint16_t, uint8_t>(a, b, 0); }
inline V128 i16x8ExtmulHighI8x16U(const V128& a, const V128& b) { return detail::extmul<uint16_t, uint8_t>(a, b, 1); }
inline V128 i32x4ExtmulLowI16x8S(const V128& a, const V128& b) { return detail::extmul<int32_t, int16_t>(a, b, 0); }
inline V128 i32x4ExtmulHighI16x8S(const V128& a, const V128& b) { return detail::extmul<int32_t, int16_t>(a, b, 1); }
inline V128 i32x4ExtmulLowI16x8U(const V128& a, const V128& b) { return detail::extmul<uint32_t, uint16_t>(a, b, 0); }
inline V128 i32x4ExtmulHighI16x8U(const V128& a, const V128& b) { return detail::extmul<uint32_t, uint16_t>(a, b, 1); }
inline V128 i64x2ExtmulLowI32x4S(const V128& a, const V128& b) { return detail::extmul<int64_t, int32_t>(a, b, 0); }
inline V128 i64x2ExtmulHighI32x4S(const V128& a, const V128& b) { return detail::extmul<int64_t, int32_t>(a, b, 1); }
inline V128 i64x2ExtmulLowI32x4U(const V128& a, const V128& b) { return detail::extmul<uint64_t, uint32_t>(a, b, 0); }
inline V128 i64x2ExtmulHighI32x4U(const V128& a, const V128& b) { return detail::extmul<uint64_t, uint32_t>(a, b, 1); }

inline V128 i16x8ExtaddPairwiseI8x16S(const V128& a) { return detail::extaddPairwise<int16_t, int8_t>(a); }
inline V128 i16x8ExtaddPairwiseI8x16U(const V128& a) { return detail::extaddPairwise<uint16_t, uint8_t>(a); }
inline V128 i32x4ExtaddPairwiseI16x8S(const V128& a) { return detail::extaddPairwise<int32_t, int16_t>(a); }
inline V128 i32x4ExtaddPairwiseI16x8U(const V128& a) { return detail::extaddPairwise<uint32_t, uint16_t>(a); }

// Inputs are signed in both variants; _u saturates to 0..max of the unsigned lane.
inline V128 i8x16NarrowI16x8S(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_packs_epi16(toI(a), toI(b)));
#else
  return detail::narrow<int8_t, int16_t>(a, b);
#endif
}
inline V128 i8x16NarrowI16x8U(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_packus_epi16(toI(a), toI(b)));
#else
  return detail::narrow<uint8_t, int16_t>(a, b);
#endif
}
inline V128 i16x8NarrowI32x4S(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_packs_epi32(toI(a), toI(b)));
#else
  return detail::narrow<int16_t, int32_t>(a, b);
#endif
}
// packusdw is SSE4.1.
inline V128 i16x8NarrowI32x4U(const V128& a, const V128& b) { return detail::narrow<uint16_t, int32_t>(a, b); }

// Rounding Q15 multiply: (a*b + 2^14) >> 15, saturated (only -1.0 * -1.0 overflows).
inline V128 i16x8Q15mulrSatS(const V128& a, const V128& b) {
  return zipLanes<int16_t>(a, b, [](int16_t x, int16_t y) {
    return detail::saturate<int16_t>((static_cast<int32_t>(x) * y + 0x4000) >> 15);
  });
}

// The sum of two (-2^15)^2 products wraps to INT32_MIN, as pmaddwd does.
inline V128 i32x4DotI16x8S(const V128& a, const V128& b) {
#if WEIR_SIMD_SSE2
  return fromI(_mm_madd_epi16(toI(a), toI(b)));
#else
  Lanes<int16_t> x = lanes<int16_t>(a), y = lanes<int16_t>(b);
  Lanes<int32_t> r;
  for (int i = 0; i < 4; ++i) {
    const int64_t sum = int64_t{x[2 * i]} * y[2 * i] + int64_t{x[2 * i + 1]} * y[2 * i + 1];
    r[i] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(sum)));
  }
  return fromLanes(r);
#endif
}

}  // namespace WEIR_SIMD_FLAVOUR
}  // namespace weir::wasm::simd

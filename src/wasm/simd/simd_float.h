#pragma once
// Floating-point v128 operations and the float<->int conversions, with Wasm's exact
// IEEE 754 semantics (round to nearest, ties to even; no flush of subnormals).
//
// NaN rules (see docs/wasm-simd.md): an operation that produces a NaN from non-NaN
// inputs yields a canonical NaN; with NaN inputs it yields an arithmetic (quiet) NaN.
// x86 arithmetic already does both (its default NaN 0xFFC00000 is canonical, and it
// quiets the first NaN operand), so add/sub/mul/div/sqrt use the hardware directly.
// min/max cannot: minps/maxps return the second operand for NaN and for ±0 ties.

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "wasm/simd/v128.h"

namespace weir::wasm::simd {
inline namespace WEIR_SIMD_FLAVOUR {

namespace detail {

inline constexpr uint32_t kCanonicalNan32 = 0x7fc00000u;
inline constexpr uint64_t kCanonicalNan64 = 0x7ff8000000000000ull;

template <typename T>
inline T canonicalNan() {
  if constexpr (sizeof(T) == 4) {
    return std::bit_cast<float>(kCanonicalNan32);
  } else {
    return std::bit_cast<double>(kCanonicalNan64);
  }
}

template <typename T>
inline T wasmMin(T x, T y) {
  if (std::isnan(x) || std::isnan(y)) return canonicalNan<T>();
  if (x == y) return std::signbit(x) ? x : y;  // min(+0, -0) = -0
  return x < y ? x : y;
}
template <typename T>
inline T wasmMax(T x, T y) {
  if (std::isnan(x) || std::isnan(y)) return canonicalNan<T>();
  if (x == y) return std::signbit(x) ? y : x;  // max(+0, -0) = +0
  return x > y ? x : y;
}

// libm's rounding functions may hand a signalling NaN back unchanged; Wasm wants
// a quiet one, which any arithmetic on it produces.
template <typename T>
inline T quietIfNan(T x, T rounded) {
  return std::isnan(x) ? x + x : rounded;
}
template <typename T>
inline T ceilLane(T x) { return quietIfNan(x, std::ceil(x)); }
template <typename T>
inline T floorLane(T x) { return quietIfNan(x, std::floor(x)); }
template <typename T>
inline T truncLane(T x) { return quietIfNan(x, std::trunc(x)); }
// nearbyint rounds in the current mode, which Wasm code never changes from
// round-to-nearest-even; unlike round() it breaks ties to even.
template <typename T>
inline T nearestLane(T x) { return quietIfNan(x, std::nearbyint(x)); }

// Saturating truncation: NaN → 0, out of range → the nearest bound.
template <typename F>
inline int32_t truncSatS32(F x) {
  if (std::isnan(x)) return 0;
  if (x >= F(2147483648.0)) return std::numeric_limits<int32_t>::max();
  if (x < F(-2147483648.0)) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(x);
}
template <typename F>
inline uint32_t truncSatU32(F x) {
  if (!(x > F(0))) return 0;  // NaN, negatives and (-1, 0) all give 0
  if (x >= F(4294967296.0)) return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(x);
}

template <typename T, typename Mask>
inline V128 fcompare(const V128& a, const V128& b, bool (*pred)(T, T)) {
  Lanes<T> x = lanes<T>(a), y = lanes<T>(b);
  Lanes<Mask> r;
  for (size_t i = 0; i < x.size(); ++i) r[i] = pred(x[i], y[i]) ? static_cast<Mask>(~Mask{0}) : Mask{0};
  return fromLanes(r);
}

}  // namespace detail

// ---- splat and lanes ------------------------------------------------------------

inline V128 f32x4Splat(float x) {
  Lanes<float> l;
  l.fill(x);
  return fromLanes(l);
}
inline V128 f64x2Splat(double x) {
  Lanes<double> l;
  l.fill(x);
  return fromLanes(l);
}
inline float f32x4ExtractLane(const V128& a, uint32_t lane) { return lanes<float>(a)[lane & 3]; }
inline double f64x2ExtractLane(const V128& a, uint32_t lane) { return lanes<double>(a)[lane & 1]; }
inline V128 f32x4ReplaceLane(V128 a, uint32_t lane, float x) {
  std::memcpy(a.bytes + 4 * (lane & 3), &x, 4);
  return a;
}
inline V128 f64x2ReplaceLane(V128 a, uint32_t lane, double x) {
  std::memcpy(a.bytes + 8 * (lane & 1), &x, 8);
  return a;
}

// ---- comparisons (ne is true for NaN; all others false) -------------------------

#if WEIR_SIMD_SSE2
#define WEIR_SIMD_FCMP(name32, name64, sse32, sse64, op)                                      \
  inline V128 name32(const V128& a, const V128& b) { return fromF(sse32(toF(a), toF(b))); }   \
  inline V128 name64(const V128& a, const V128& b) { return fromD(sse64(toD(a), toD(b))); }
#else
#define WEIR_SIMD_FCMP(name32, name64, sse32, sse64, op)                                          \
  inline V128 name32(const V128& a, const V128& b) {                                              \
    return detail::fcompare<float, uint32_t>(a, b, [](float x, float y) { return op; });          \
  }                                                                                               \
  inline V128 name64(const V128& a, const V128& b) {                                              \
    return detail::fcompare<double, uint64_t>(a, b, [](double x, double y) { return op; });       \
  }
#endif
WEIR_SIMD_FCMP(f32x4Eq, f64x2Eq, _mm_cmpeq_ps, _mm_cmpeq_pd, x == y)
WEIR_SIMD_FCMP(f32x4Ne, f64x2Ne, _mm_cmpneq_ps, _mm_cmpneq_pd, !(x == y))
WEIR_SIMD_FCMP(f32x4Lt, f64x2Lt, _mm_cmplt_ps, _mm_cmplt_pd, x < y)
WEIR_SIMD_FCMP(f32x4Gt, f64x2Gt, _mm_cmpgt_ps, _mm_cmpgt_pd, x > y)
WEIR_SIMD_FCMP(f32x4Le, f64x2Le, _mm_cmple_ps, _mm_cmple_pd, x <= y)
WEIR_SIMD_FCMP(f32x4Ge, f64x2Ge, _mm_cmpge_ps, _mm_cmpge_pd, x >= y)
#undef WEIR_SIMD_FCMP

// ---- arithmetic -----------------------------------------------------------------

#if WEIR_SIMD_SSE2
#define WEIR_SIMD_FBIN(name32, name64, sse32, sse64, op)                                      \
  inline V128 name32(const V128& a, const V128& b) { return fromF(sse32(toF(a), toF(b))); }   \
  inline V128 name64(const V128& a, const V128& b) { return fromD(sse64(toD(a), toD(b))); }
#else
#define WEIR_SIMD_FBIN(name32, name64, sse32, sse64, op)                                               \
  inline V128 name32(const V128& a, const V128& b) { return zipLanes<float>(a, b, [](float x, float y) { return op; }); } \
  inline V128 name64(const V128& a, const V128& b) { return zipLanes<double>(a, b, [](double x, double y) { return op; }); }
#endif
WEIR_SIMD_FBIN(f32x4Add, f64x2Add, _mm_add_ps, _mm_add_pd, x + y)
WEIR_SIMD_FBIN(f32x4Sub, f64x2Sub, _mm_sub_ps, _mm_sub_pd, x - y)
WEIR_SIMD_FBIN(f32x4Mul, f64x2Mul, _mm_mul_ps, _mm_mul_pd, x * y)
WEIR_SIMD_FBIN(f32x4Div, f64x2Div, _mm_div_ps, _mm_div_pd, x / y)
#undef WEIR_SIMD_FBIN

inline V128 f32x4Sqrt(const V128& a) {
#if WEIR_SIMD_SSE2
  return fromF(_mm_sqrt_ps(toF(a)));
#else
  return mapLanes<float>(a, [](float x) { return std::sqrt(x); });
#endif
}
inline V128 f64x2Sqrt(const V128& a) {
#if WEIR_SIMD_SSE2
  return fromD(_mm_sqrt_pd(toD(a)));
#else
  return mapLanes<double>(a, [](double x) { return std::sqrt(x); });
#endif
}

// min/max: NaN if either lane is NaN; -0 < +0.
#if WEIR_SIMD_SSE2
namespace detail {
// Lanes where x or y is NaN become the canonical NaN; the others keep r.
inline __m128 nanLanesToCanonical(__m128 r, __m128 x, __m128 y) {
  const __m128 nan = _mm_cmpunord_ps(x, y);
  const __m128 canonical = _mm_castsi128_ps(_mm_set1_epi32(static_cast<int>(kCanonicalNan32)));
  return _mm_or_ps(_mm_andnot_ps(nan, r), _mm_and_ps(nan, canonical));
}
inline __m128d nanLanesToCanonical(__m128d r, __m128d x, __m128d y) {
  const __m128d nan = _mm_cmpunord_pd(x, y);
  const __m128d canonical = _mm_castsi128_pd(_mm_set1_epi64x(static_cast<long long>(kCanonicalNan64)));
  return _mm_or_pd(_mm_andnot_pd(nan, r), _mm_and_pd(nan, canonical));
}
}  // namespace detail
// minps(x, y) and minps(y, x) agree except on ±0 ties and NaN: OR-ing them turns a
// tie into -0; AND-ing the two maxps results turns it into +0. NaN lanes are then
// replaced wholesale.
inline V128 f32x4Min(const V128& a, const V128& b) {
  const __m128 x = toF(a), y = toF(b);
  return fromF(detail::nanLanesToCanonical(_mm_or_ps(_mm_min_ps(x, y), _mm_min_ps(y, x)), x, y));
}
inline V128 f32x4Max(const V128& a, const V128& b) {
  const __m128 x = toF(a), y = toF(b);
  return fromF(detail::nanLanesToCanonical(_mm_and_ps(_mm_max_ps(x, y), _mm_max_ps(y, x)), x, y));
}
inline V128 f64x2Min(const V128& a, const V128& b) {
  const __m128d x = toD(a), y = toD(b);
  return fromD(detail::nanLanesToCanonical(_mm_or_pd(_mm_min_pd(x, y), _mm_min_pd(y, x)), x, y));
}
inline V128 f64x2Max(const V128& a, const V128& b) {
  const __m128d x = toD(a), y = toD(b);
  return fromD(detail::nanLanesToCanonical(_mm_and_pd(_mm_max_pd(x, y), _mm_max_pd(y, x)), x, y));
}
// pmin = b < a ? b : a and pmax = a < b ? b : a are exactly minps/maxps with the
// operands swapped (they return their second operand when the compare is false).
inline V128 f32x4Pmin(const V128& a, const V128& b) { return fromF(_mm_min_ps(toF(b), toF(a))); }
inline V128 f32x4Pmax(const V128& a, const V128& b) { return fromF(_mm_max_ps(toF(b), toF(a))); }
inline V128 f64x2Pmin(const V128& a, const V128& b) { return fromD(_mm_min_pd(toD(b), toD(a))); }
inline V128 f64x2Pmax(const V128& a, const V128& b) { return fromD(_mm_max_pd(toD(b), toD(a))); }
#else
inline V128 f32x4Min(const V128& a, const V128& b) { return zipLanes<float>(a, b, detail::wasmMin<float>); }
inline V128 f32x4Max(const V128& a, const V128& b) { return zipLanes<float>(a, b, detail::wasmMax<float>); }
inline V128 f64x2Min(const V128& a, const V128& b) { return zipLanes<double>(a, b, detail::wasmMin<double>); }
inline V128 f64x2Max(const V128& a, const V128& b) { return zipLanes<double>(a, b, detail::wasmMax<double>); }
inline V128 f32x4Pmin(const V128& a, const V128& b) { return zipLanes<float>(a, b, [](float x, float y) { return y < x ? y : x; }); }
inline V128 f32x4Pmax(const V128& a, const V128& b) { return zipLanes<float>(a, b, [](float x, float y) { return x < y ? y : x; }); }
inline V128 f64x2Pmin(const V128& a, const V128& b) { return zipLanes<double>(a, b, [](double x, double y) { return y < x ? y : x; }); }
inline V128 f64x2Pmax(const V128& a, const V128& b) { return zipLanes<double>(a, b, [](double x, double y) { return x < y ? y : x; }); }
#endif

// abs/neg are sign-bit operations: NaN payloads pass through untouched.
inline V128 f32x4Abs(const V128& a) {
  return mapLanes<uint32_t>(a, [](uint32_t x) { return x & 0x7fffffffu; });
}
inline V128 f32x4Neg(const V128& a) {
  return mapLanes<uint32_t>(a, [](uint32_t x) { return x ^ 0x80000000u; });
}
inline V128 f64x2Abs(const V128& a) {
  return mapLanes<uint64_t>(a, [](uint64_t x) { return x & 0x7fffffffffffffffull; });
}
inline V128 f64x2Neg(const V128& a) {
  return mapLanes<uint64_t>(a, [](uint64_t x) { return x ^ 0x8000000000000000ull; });
}

// roundps/roundpd are SSE4.1; libm's versions are exact and keep -0.
inline V128 f32x4Ceil(const V128& a) { return mapLanes<float>(a, detail::ceilLane<float>); }
inline V128 f32x4Floor(const V128& a) { return mapLanes<float>(a, detail::floorLane<float>); }
inline V128 f32x4Trunc(const V128& a) { return mapLanes<float>(a, detail::truncLane<float>); }
inline V128 f32x4Nearest(const V128& a) { return mapLanes<float>(a, detail::nearestLane<float>); }
inline V128 f64x2Ceil(const V128& a) { return mapLanes<double>(a, detail::ceilLane<double>); }
inline V128 f64x2Floor(const V128& a) { return mapLanes<double>(a, detail::floorLane<double>); }
inline V128 f64x2Trunc(const V128& a) { return mapLanes<double>(a, detail::truncLane<double>); }
inline V128 f64x2Nearest(const V128& a) { return mapLanes<double>(a, detail::nearestLane<double>); }

// ---- conversions ----------------------------------------------------------------

inline V128 i32x4TruncSatF32x4S(const V128& a) {
  Lanes<float> x = lanes<float>(a);
  Lanes<int32_t> r;
  for (int i = 0; i < 4; ++i) r[i] = detail::truncSatS32(x[i]);
  return fromLanes(r);
}
inline V128 i32x4TruncSatF32x4U(const V128& a) {
  Lanes<float> x = lanes<float>(a);
  Lanes<uint32_t> r;
  for (int i = 0; i < 4; ++i) r[i] = detail::truncSatU32(x[i]);
  return fromLanes(r);
}
// The two results go to lanes 0 and 1; lanes 2 and 3 are zero.
inline V128 i32x4TruncSatF64x2SZero(const V128& a) {
  Lanes<double> x = lanes<double>(a);
  Lanes<int32_t> r{detail::truncSatS32(x[0]), detail::truncSatS32(x[1]), 0, 0};
  return fromLanes(r);
}
inline V128 i32x4TruncSatF64x2UZero(const V128& a) {
  Lanes<double> x = lanes<double>(a);
  Lanes<uint32_t> r{detail::truncSatU32(x[0]), detail::truncSatU32(x[1]), 0, 0};
  return fromLanes(r);
}

inline V128 f32x4ConvertI32x4S(const V128& a) {
#if WEIR_SIMD_SSE2
  return fromF(_mm_cvtepi32_ps(toI(a)));
#else
  Lanes<int32_t> x = lanes<int32_t>(a);
  Lanes<float> r;
  for (int i = 0; i < 4; ++i) r[i] = static_cast<float>(x[i]);
  return fromLanes(r);
#endif
}
inline V128 f32x4ConvertI32x4U(const V128& a) {
  Lanes<uint32_t> x = lanes<uint32_t>(a);
  Lanes<float> r;
  for (int i = 0; i < 4; ++i) r[i] = static_cast<float>(x[i]);  // correctly rounded
  return fromLanes(r);
}
inline V128 f64x2ConvertLowI32x4S(const V128& a) {
#if WEIR_SIMD_SSE2
  return fromD(_mm_cvtepi32_pd(toI(a)));
#else
  Lanes<int32_t> x = lanes<int32_t>(a);
  return fromLanes(Lanes<double>{static_cast<double>(x[0]), static_cast<double>(x[1])});
#endif
}
inline V128 f64x2ConvertLowI32x4U(const V128& a) {
  Lanes<uint32_t> x = lanes<uint32_t>(a);
  return fromLanes(Lanes<double>{static_cast<double>(x[0]), static_cast<double>(x[1])});
}
// Both directions quiet a NaN and keep its leading payload bits (arithmetic NaN).
inline V128 f32x4DemoteF64x2Zero(const V128& a) {
#if WEIR_SIMD_SSE2
  return fromF(_mm_cvtpd_ps(toD(a)));
#else
  Lanes<double> x = lanes<double>(a);
  return fromLanes(Lanes<float>{static_cast<float>(x[0]), static_cast<float>(x[1]), 0.0f, 0.0f});
#endif
}
inline V128 f64x2PromoteLowF32x4(const V128& a) {
#if WEIR_SIMD_SSE2
  return fromD(_mm_cvtps_pd(toF(a)));
#else
  Lanes<float> x = lanes<float>(a);
  return fromLanes(Lanes<double>{static_cast<double>(x[0]), static_cast<double>(x[1])});
#endif
}

}  // namespace WEIR_SIMD_FLAVOUR
}  // namespace weir::wasm::simd

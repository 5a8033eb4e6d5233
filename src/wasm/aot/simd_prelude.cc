// The C text of kSimdPrelude; see simd_prelude.h. Each function mirrors the C++
// function of the same name in src/wasm/simd/ (the reference the unit test
// compares it with, tests/unit/wasm/aot_simd_prelude_test.cc).

#include "wasm/aot/simd_prelude.h"

namespace weir::wasm::aot {

const char* const kSimdPrelude = R"WEIRC(/* ---- weir SIMD prelude: the Wasm 2.0 0xFD instructions as static inline C ----
 * Semantics are those of src/wasm/simd/ (see docs/wasm-simd.md). x86-64 uses the
 * SSE2 instructions that match Wasm exactly; everything else is GCC/Clang vector
 * extensions or lane loops. Defining WEIR_SIMD_PORTABLE selects the portable code
 * on x86-64 as well. Lane indices are validated immediates; they are masked anyway
 * so that a vector subscript can never be out of range. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the weir SIMD prelude assumes little-endian lanes"
#endif

#if defined(__x86_64__) && defined(__SSE2__) && !defined(WEIR_SIMD_PORTABLE)
#define WEIR_V128_SSE2 1
#include <emmintrin.h>
#else
#define WEIR_V128_SSE2 0
#endif

/* Every function is static inline; unused ones must not warn (Clang warns about
 * unused static inline functions in a main source file). */
#define WEIR_SIMD_INLINE static inline __attribute__((unused))

/* The v128 value type (the same type as SSE2's __m128i) and its lane views.
 * Casts between them reinterpret the 16 bytes; lane 0 is the lowest address. */
typedef long long weir_v128 __attribute__((vector_size(16)));
typedef int8_t weir_i8x16 __attribute__((vector_size(16)));
typedef uint8_t weir_u8x16 __attribute__((vector_size(16)));
typedef int16_t weir_i16x8 __attribute__((vector_size(16)));
typedef uint16_t weir_u16x8 __attribute__((vector_size(16)));
typedef int32_t weir_i32x4 __attribute__((vector_size(16)));
typedef uint32_t weir_u32x4 __attribute__((vector_size(16)));
typedef int64_t weir_i64x2 __attribute__((vector_size(16)));
typedef uint64_t weir_u64x2 __attribute__((vector_size(16)));
typedef float weir_f32x4 __attribute__((vector_size(16)));
typedef double weir_f64x2 __attribute__((vector_size(16)));

/* lo holds bytes 0..7 (little-endian), hi bytes 8..15. */
WEIR_SIMD_INLINE weir_v128 weir_v128_make(uint64_t lo, uint64_t hi) {
#if WEIR_V128_SSE2
  /* movq + movq + punpcklqdq; a vector literal of two variables can go
   * through the stack (two 8-byte stores, one 16-byte reload: a store
   * forwarding stall). Constants fold either way. */
  return (weir_v128)_mm_unpacklo_epi64(_mm_cvtsi64_si128((long long)lo), _mm_cvtsi64_si128((long long)hi));
#else
  const weir_v128 r = {(long long)lo, (long long)hi};
  return r;
#endif
}

/* Bits of x where m is 1, bits of y where m is 0. */
WEIR_SIMD_INLINE weir_v128 weir_v128_select(weir_v128 m, weir_v128 x, weir_v128 y) {
  return (x & m) | (y & ~m);
}

WEIR_SIMD_INLINE uint16_t weir_v128_load_u16(const uint8_t* p) {
  uint16_t v;
  memcpy(&v, p, 2);
  return v;
}
WEIR_SIMD_INLINE uint32_t weir_v128_load_u32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
WEIR_SIMD_INLINE uint64_t weir_v128_load_u64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

WEIR_SIMD_INLINE int32_t weir_v128_sat_s8(int32_t v) { return v < -128 ? -128 : v > 127 ? 127 : v; }
WEIR_SIMD_INLINE int32_t weir_v128_sat_u8(int32_t v) { return v < 0 ? 0 : v > 255 ? 255 : v; }
WEIR_SIMD_INLINE int32_t weir_v128_sat_s16(int32_t v) { return v < -32768 ? -32768 : v > 32767 ? 32767 : v; }
WEIR_SIMD_INLINE int32_t weir_v128_sat_u16(int32_t v) { return v < 0 ? 0 : v > 65535 ? 65535 : v; }

/* ---- splat, extract_lane, replace_lane ------------------------------------------ */

WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16Splat(uint32_t x) {
  const uint8_t v = (uint8_t)x;
  const weir_u8x16 r = {v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8Splat(uint32_t x) {
  const uint16_t v = (uint16_t)x;
  const weir_u16x8 r = {v, v, v, v, v, v, v, v};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4Splat(uint32_t x) {
  const weir_u32x4 r = {x, x, x, x};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2Splat(uint64_t x) { return weir_v128_make(x, x); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Splat(float x) {
  const weir_f32x4 r = {x, x, x, x};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Splat(double x) {
  const weir_f64x2 r = {x, x};
  return (weir_v128)r;
}

#if WEIR_V128_SSE2
/* SSE2's lane moves are the 16-bit pextrw/pinsrw, whose lane is an
 * immediate: one case per lane, which folds to the one instruction when the
 * lane is a constant (always, in emitted code). Subscripting a vector would
 * go through the stack instead (a 16-byte store, a narrow store and a
 * 16-byte reload, which store forwarding cannot serve). */
#define WEIR_LANES8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
WEIR_SIMD_INLINE uint32_t weir_v128_extract16(weir_v128 a, uint32_t lane) {
  switch (lane & 7) {
#define WEIR_CASE(n) case n: return (uint32_t)_mm_extract_epi16((__m128i)a, n);
    WEIR_LANES8(WEIR_CASE)
#undef WEIR_CASE
  }
  return 0;
}
WEIR_SIMD_INLINE weir_v128 weir_v128_insert16(weir_v128 a, uint32_t lane, uint32_t x) {
  switch (lane & 7) {
#define WEIR_CASE(n) case n: return (weir_v128)_mm_insert_epi16((__m128i)a, (int)(x & 0xffff), n);
    WEIR_LANES8(WEIR_CASE)
#undef WEIR_CASE
  }
  return a;
}
#undef WEIR_LANES8

WEIR_SIMD_INLINE uint32_t weir_simd_i8x16ExtractLaneS(weir_v128 a, uint32_t lane) {
  return (uint32_t)(int32_t)(int8_t)(weir_v128_extract16(a, (lane & 15) >> 1) >> ((lane & 1) * 8));
}
WEIR_SIMD_INLINE uint32_t weir_simd_i8x16ExtractLaneU(weir_v128 a, uint32_t lane) {
  return (weir_v128_extract16(a, (lane & 15) >> 1) >> ((lane & 1) * 8)) & 0xff;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8ExtractLaneS(weir_v128 a, uint32_t lane) {
  return (uint32_t)(int32_t)(int16_t)weir_v128_extract16(a, lane);
}
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8ExtractLaneU(weir_v128 a, uint32_t lane) {
  return weir_v128_extract16(a, lane);
}
#else
WEIR_SIMD_INLINE uint32_t weir_simd_i8x16ExtractLaneS(weir_v128 a, uint32_t lane) {
  return (uint32_t)(int32_t)((weir_i8x16)a)[lane & 15];
}
WEIR_SIMD_INLINE uint32_t weir_simd_i8x16ExtractLaneU(weir_v128 a, uint32_t lane) {
  return ((weir_u8x16)a)[lane & 15];
}
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8ExtractLaneS(weir_v128 a, uint32_t lane) {
  return (uint32_t)(int32_t)((weir_i16x8)a)[lane & 7];
}
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8ExtractLaneU(weir_v128 a, uint32_t lane) {
  return ((weir_u16x8)a)[lane & 7];
}
#endif
WEIR_SIMD_INLINE uint32_t weir_simd_i32x4ExtractLane(weir_v128 a, uint32_t lane) {
  return ((weir_u32x4)a)[lane & 3];
}
WEIR_SIMD_INLINE uint64_t weir_simd_i64x2ExtractLane(weir_v128 a, uint32_t lane) {
  return ((weir_u64x2)a)[lane & 1];
}
WEIR_SIMD_INLINE float weir_simd_f32x4ExtractLane(weir_v128 a, uint32_t lane) {
  return ((weir_f32x4)a)[lane & 3];
}
WEIR_SIMD_INLINE double weir_simd_f64x2ExtractLane(weir_v128 a, uint32_t lane) {
  return ((weir_f64x2)a)[lane & 1];
}

#if WEIR_V128_SSE2
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16ReplaceLane(weir_v128 a, uint32_t lane, uint32_t x) {
  const uint32_t word = (lane & 15) >> 1, shift = (lane & 1) * 8;
  const uint32_t w = weir_v128_extract16(a, word);
  return weir_v128_insert16(a, word, (w & ~(0xffu << shift)) | ((x & 0xff) << shift));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ReplaceLane(weir_v128 a, uint32_t lane, uint32_t x) {
  return weir_v128_insert16(a, lane, x);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ReplaceLane(weir_v128 a, uint32_t lane, uint32_t x) {
  const uint32_t w = (lane & 3) * 2;
  return weir_v128_insert16(weir_v128_insert16(a, w, x), w + 1, x >> 16);
}
/* movq, then movsd (lane 0) or punpcklqdq (lane 1). */
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ReplaceLane(weir_v128 a, uint32_t lane, uint64_t x) {
  const __m128i v = _mm_cvtsi64_si128((long long)x);
  if (lane & 1) return (weir_v128)_mm_unpacklo_epi64((__m128i)a, v);
  return (weir_v128)_mm_castpd_si128(_mm_move_sd(_mm_castsi128_pd((__m128i)a), _mm_castsi128_pd(v)));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4ReplaceLane(weir_v128 a, uint32_t lane, float x) {
  uint32_t bits;
  memcpy(&bits, &x, 4);
  return weir_simd_i32x4ReplaceLane(a, lane, bits);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2ReplaceLane(weir_v128 a, uint32_t lane, double x) {
  const __m128d v = _mm_set_sd(x);
  if (lane & 1) return (weir_v128)_mm_castpd_si128(_mm_unpacklo_pd(_mm_castsi128_pd((__m128i)a), v));
  return (weir_v128)_mm_castpd_si128(_mm_move_sd(_mm_castsi128_pd((__m128i)a), v));
}
#else
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16ReplaceLane(weir_v128 a, uint32_t lane, uint32_t x) {
  weir_u8x16 r = (weir_u8x16)a;
  r[lane & 15] = (uint8_t)x;
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ReplaceLane(weir_v128 a, uint32_t lane, uint32_t x) {
  weir_u16x8 r = (weir_u16x8)a;
  r[lane & 7] = (uint16_t)x;
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ReplaceLane(weir_v128 a, uint32_t lane, uint32_t x) {
  weir_u32x4 r = (weir_u32x4)a;
  r[lane & 3] = x;
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ReplaceLane(weir_v128 a, uint32_t lane, uint64_t x) {
  weir_u64x2 r = (weir_u64x2)a;
  r[lane & 1] = x;
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4ReplaceLane(weir_v128 a, uint32_t lane, float x) {
  weir_f32x4 r = (weir_f32x4)a;
  r[lane & 3] = x;
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2ReplaceLane(weir_v128 a, uint32_t lane, double x) {
  weir_f64x2 r = (weir_f64x2)a;
  r[lane & 1] = x;
  return (weir_v128)r;
}
#endif

/* ---- shuffle, swizzle -------------------------------------------------------------- */

/* lanes[i] < 32 picks byte lanes[i] of a:b. The emitter passes a static const
 * array, so after inlining the indices are constants and the compiler emits its
 * best fixed shuffle (one punpck/pshufd for the common patterns): GCC through
 * __builtin_shuffle, Clang by folding the unrolled constant-index lane moves into
 * one shuffle, which is why this function is always inlined. */
WEIR_SIMD_INLINE __attribute__((always_inline)) weir_v128 weir_simd_i8x16Shuffle(weir_v128 a, weir_v128 b,
                                                                                 const uint8_t lanes[16]) {
#if defined(__GNUC__) && !defined(__clang__)
  weir_u8x16 m;
  memcpy(&m, lanes, 16);
  return (weir_v128)__builtin_shuffle((weir_u8x16)a, (weir_u8x16)b, m & 31);
#else
  const weir_u8x16 x = (weir_u8x16)a, y = (weir_u8x16)b;
  weir_u8x16 r = {0};
#if defined(__clang__)
#pragma clang loop unroll(full)
#endif
  for (int i = 0; i < 16; ++i) {
    const unsigned k = lanes[i] & 31u;
    r[i] = k < 16 ? x[k] : y[k - 16];
  }
  return (weir_v128)r;
#endif
}

/* Selectors >= 16 give 0 (pshufb is SSSE3). */
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16Swizzle(weir_v128 a, weir_v128 s) {
  const weir_u8x16 x = (weir_u8x16)a, k = (weir_u8x16)s;
  weir_u8x16 r = {0};
  for (int i = 0; i < 16; ++i) r[i] = k[i] < 16 ? x[k[i] & 15] : 0;
  return (weir_v128)r;
}

/* ---- bitwise -------------------------------------------------------------------- */

WEIR_SIMD_INLINE weir_v128 weir_simd_v128Not(weir_v128 a) { return ~a; }
WEIR_SIMD_INLINE weir_v128 weir_simd_v128And(weir_v128 a, weir_v128 b) { return a & b; }
/* a & ~b: the complement is on the second operand (pandn's operands swapped). */
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Andnot(weir_v128 a, weir_v128 b) { return a & ~b; }
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Or(weir_v128 a, weir_v128 b) { return a | b; }
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Xor(weir_v128 a, weir_v128 b) { return a ^ b; }
/* Bits of a where c is 1, bits of b where c is 0. */
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Bitselect(weir_v128 a, weir_v128 b, weir_v128 c) {
  return weir_v128_select(c, a, b);
}
WEIR_SIMD_INLINE uint32_t weir_simd_v128AnyTrue(weir_v128 a) { return (a[0] | a[1]) != 0; }

/* ---- comparisons ------------------------------------------------------------------ */

/* Vector comparisons give all-ones / all-zero lanes, exactly Wasm's result; the
 * compiler picks pcmpeq/pcmpgt (with a sign flip or min/max for unsigned order)
 * and cmpps/cmppd. Float != is true for NaN, the others false, as in Wasm. */
#define WEIR_SIMD_CMP(name, lane_type, op) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a, weir_v128 b) { \
    return (weir_v128)((lane_type)a op (lane_type)b); \
  }
WEIR_SIMD_CMP(i8x16Eq, weir_i8x16, ==)
WEIR_SIMD_CMP(i8x16Ne, weir_i8x16, !=)
WEIR_SIMD_CMP(i8x16LtS, weir_i8x16, <)
WEIR_SIMD_CMP(i8x16LtU, weir_u8x16, <)
WEIR_SIMD_CMP(i8x16GtS, weir_i8x16, >)
WEIR_SIMD_CMP(i8x16GtU, weir_u8x16, >)
WEIR_SIMD_CMP(i8x16LeS, weir_i8x16, <=)
WEIR_SIMD_CMP(i8x16LeU, weir_u8x16, <=)
WEIR_SIMD_CMP(i8x16GeS, weir_i8x16, >=)
WEIR_SIMD_CMP(i8x16GeU, weir_u8x16, >=)
WEIR_SIMD_CMP(i16x8Eq, weir_i16x8, ==)
WEIR_SIMD_CMP(i16x8Ne, weir_i16x8, !=)
WEIR_SIMD_CMP(i16x8LtS, weir_i16x8, <)
WEIR_SIMD_CMP(i16x8LtU, weir_u16x8, <)
WEIR_SIMD_CMP(i16x8GtS, weir_i16x8, >)
WEIR_SIMD_CMP(i16x8GtU, weir_u16x8, >)
WEIR_SIMD_CMP(i16x8LeS, weir_i16x8, <=)
WEIR_SIMD_CMP(i16x8LeU, weir_u16x8, <=)
WEIR_SIMD_CMP(i16x8GeS, weir_i16x8, >=)
WEIR_SIMD_CMP(i16x8GeU, weir_u16x8, >=)
WEIR_SIMD_CMP(i32x4Eq, weir_i32x4, ==)
WEIR_SIMD_CMP(i32x4Ne, weir_i32x4, !=)
WEIR_SIMD_CMP(i32x4LtS, weir_i32x4, <)
WEIR_SIMD_CMP(i32x4LtU, weir_u32x4, <)
WEIR_SIMD_CMP(i32x4GtS, weir_i32x4, >)
WEIR_SIMD_CMP(i32x4GtU, weir_u32x4, >)
WEIR_SIMD_CMP(i32x4LeS, weir_i32x4, <=)
WEIR_SIMD_CMP(i32x4LeU, weir_u32x4, <=)
WEIR_SIMD_CMP(i32x4GeS, weir_i32x4, >=)
WEIR_SIMD_CMP(i32x4GeU, weir_u32x4, >=)
#if !WEIR_V128_SSE2
WEIR_SIMD_CMP(i64x2Eq, weir_i64x2, ==)
WEIR_SIMD_CMP(i64x2Ne, weir_i64x2, !=)
WEIR_SIMD_CMP(i64x2LtS, weir_i64x2, <)
WEIR_SIMD_CMP(i64x2GtS, weir_i64x2, >)
WEIR_SIMD_CMP(i64x2LeS, weir_i64x2, <=)
WEIR_SIMD_CMP(i64x2GeS, weir_i64x2, >=)
#endif
WEIR_SIMD_CMP(f32x4Eq, weir_f32x4, ==)
WEIR_SIMD_CMP(f32x4Ne, weir_f32x4, !=)
WEIR_SIMD_CMP(f32x4Lt, weir_f32x4, <)
WEIR_SIMD_CMP(f32x4Gt, weir_f32x4, >)
WEIR_SIMD_CMP(f32x4Le, weir_f32x4, <=)
WEIR_SIMD_CMP(f32x4Ge, weir_f32x4, >=)
WEIR_SIMD_CMP(f64x2Eq, weir_f64x2, ==)
WEIR_SIMD_CMP(f64x2Ne, weir_f64x2, !=)
WEIR_SIMD_CMP(f64x2Lt, weir_f64x2, <)
WEIR_SIMD_CMP(f64x2Gt, weir_f64x2, >)
WEIR_SIMD_CMP(f64x2Le, weir_f64x2, <=)
WEIR_SIMD_CMP(f64x2Ge, weir_f64x2, >=)
#undef WEIR_SIMD_CMP

#if WEIR_V128_SSE2
/* pcmpeqq/pcmpgtq are SSE4.1/4.2; GCC expands the generic 64-bit compares poorly.
 * Equal: both 32-bit halves equal. Greater: the high halves compare greater
 * (signed), or they are equal and the low halves compare greater (unsigned), which
 * is when b - a is negative; the high half's mask is then copied to the low half. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2Eq(weir_v128 a, weir_v128 b) {
  const __m128i eq = _mm_cmpeq_epi32(a, b);
  return _mm_and_si128(eq, _mm_shuffle_epi32(eq, _MM_SHUFFLE(2, 3, 0, 1)));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2Ne(weir_v128 a, weir_v128 b) { return ~weir_simd_i64x2Eq(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2GtS(weir_v128 a, weir_v128 b) {
  const __m128i r = _mm_or_si128(_mm_cmpgt_epi32(a, b), _mm_and_si128(_mm_cmpeq_epi32(a, b), _mm_sub_epi64(b, a)));
  return _mm_shuffle_epi32(r, _MM_SHUFFLE(3, 3, 1, 1));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2LtS(weir_v128 a, weir_v128 b) { return weir_simd_i64x2GtS(b, a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2LeS(weir_v128 a, weir_v128 b) { return ~weir_simd_i64x2GtS(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2GeS(weir_v128 a, weir_v128 b) { return ~weir_simd_i64x2GtS(b, a); }
#endif

/* ---- lane tests ------------------------------------------------------------------- */

WEIR_SIMD_INLINE uint32_t weir_simd_i64x2AllTrue(weir_v128 a) { return (a[0] != 0) & (a[1] != 0); }
#if WEIR_V128_SSE2
WEIR_SIMD_INLINE uint32_t weir_simd_i8x16AllTrue(weir_v128 a) {
  return _mm_movemask_epi8(_mm_cmpeq_epi8(a, _mm_setzero_si128())) == 0;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8AllTrue(weir_v128 a) {
  return _mm_movemask_epi8(_mm_cmpeq_epi16(a, _mm_setzero_si128())) == 0;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i32x4AllTrue(weir_v128 a) {
  return _mm_movemask_epi8(_mm_cmpeq_epi32(a, _mm_setzero_si128())) == 0;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i8x16Bitmask(weir_v128 a) { return (uint32_t)_mm_movemask_epi8(a); }
/* packsswb keeps the sign of each 16-bit lane in its byte. */
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8Bitmask(weir_v128 a) {
  return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(a, _mm_setzero_si128()));
}
WEIR_SIMD_INLINE uint32_t weir_simd_i32x4Bitmask(weir_v128 a) { return (uint32_t)_mm_movemask_ps((__m128)a); }
WEIR_SIMD_INLINE uint32_t weir_simd_i64x2Bitmask(weir_v128 a) { return (uint32_t)_mm_movemask_pd((__m128d)a); }
#else
WEIR_SIMD_INLINE uint32_t weir_simd_i8x16AllTrue(weir_v128 a) {
  const weir_u8x16 x = (weir_u8x16)a;
  uint32_t r = 1;
  for (int i = 0; i < 16; ++i) r &= x[i] != 0;
  return r;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8AllTrue(weir_v128 a) {
  const weir_u16x8 x = (weir_u16x8)a;
  uint32_t r = 1;
  for (int i = 0; i < 8; ++i) r &= x[i] != 0;
  return r;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i32x4AllTrue(weir_v128 a) {
  const weir_u32x4 x = (weir_u32x4)a;
  return (x[0] != 0) & (x[1] != 0) & (x[2] != 0) & (x[3] != 0);
}
WEIR_SIMD_INLINE uint32_t weir_simd_i8x16Bitmask(weir_v128 a) {
  const weir_u8x16 x = (weir_u8x16)a;
  uint32_t r = 0;
  for (int i = 0; i < 16; ++i) r |= (uint32_t)(x[i] >> 7) << i;
  return r;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i16x8Bitmask(weir_v128 a) {
  const weir_u16x8 x = (weir_u16x8)a;
  uint32_t r = 0;
  for (int i = 0; i < 8; ++i) r |= (uint32_t)(x[i] >> 15) << i;
  return r;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i32x4Bitmask(weir_v128 a) {
  const weir_u32x4 x = (weir_u32x4)a;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) r |= (x[i] >> 31) << i;
  return r;
}
WEIR_SIMD_INLINE uint32_t weir_simd_i64x2Bitmask(weir_v128 a) {
  const weir_u64x2 x = (weir_u64x2)a;
  return (uint32_t)(x[0] >> 63) | (uint32_t)(x[1] >> 63) << 1;
}
#endif

/* ---- shifts (the count is taken modulo the lane width) ------------------------ */

#if WEIR_V128_SSE2
/* SSE2 has no byte shifts: shift 16-bit lanes and clear the bits that crossed
 * from the neighbouring byte; shr_s shifts each byte sign-extended in the high
 * half of a 16-bit lane and packs the (in-range) results back. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16Shl(weir_v128 a, uint32_t count) {
  const int n = (int)(count & 7);
  return _mm_and_si128(_mm_slli_epi16(a, n), _mm_set1_epi8((char)(uint8_t)(0xffu << n)));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16ShrU(weir_v128 a, uint32_t count) {
  const int n = (int)(count & 7);
  return _mm_and_si128(_mm_srli_epi16(a, n), _mm_set1_epi8((char)(uint8_t)(0xffu >> n)));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16ShrS(weir_v128 a, uint32_t count) {
  const int n = (int)(count & 7) + 8;
  return _mm_packs_epi16(_mm_srai_epi16(_mm_unpacklo_epi8(a, a), n), _mm_srai_epi16(_mm_unpackhi_epi8(a, a), n));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8Shl(weir_v128 a, uint32_t count) { return _mm_slli_epi16(a, (int)(count & 15)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ShrS(weir_v128 a, uint32_t count) { return _mm_srai_epi16(a, (int)(count & 15)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ShrU(weir_v128 a, uint32_t count) { return _mm_srli_epi16(a, (int)(count & 15)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4Shl(weir_v128 a, uint32_t count) { return _mm_slli_epi32(a, (int)(count & 31)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ShrS(weir_v128 a, uint32_t count) { return _mm_srai_epi32(a, (int)(count & 31)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ShrU(weir_v128 a, uint32_t count) { return _mm_srli_epi32(a, (int)(count & 31)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2Shl(weir_v128 a, uint32_t count) { return _mm_slli_epi64(a, (int)(count & 63)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ShrU(weir_v128 a, uint32_t count) { return _mm_srli_epi64(a, (int)(count & 63)); }
/* No psraq before AVX-512: shift logically, then sign-extend from the bit where
 * the sign landed, (x ^ m) - m with m = 1 << (63 - n). */
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ShrS(weir_v128 a, uint32_t count) {
  const int n = (int)(count & 63);
  const __m128i m = _mm_srli_epi64(_mm_set1_epi64x((long long)0x8000000000000000ull), n);
  return _mm_sub_epi64(_mm_xor_si128(_mm_srli_epi64(a, n), m), m);
}
#else
/* >> on signed lanes is arithmetic in GCC and Clang. */
#define WEIR_SIMD_SHIFT(name, lane_type, op, bits) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a, uint32_t count) { \
    return (weir_v128)((lane_type)a op (int)(count & (bits - 1))); \
  }
WEIR_SIMD_SHIFT(i8x16Shl, weir_u8x16, <<, 8)
WEIR_SIMD_SHIFT(i8x16ShrS, weir_i8x16, >>, 8)
WEIR_SIMD_SHIFT(i8x16ShrU, weir_u8x16, >>, 8)
WEIR_SIMD_SHIFT(i16x8Shl, weir_u16x8, <<, 16)
WEIR_SIMD_SHIFT(i16x8ShrS, weir_i16x8, >>, 16)
WEIR_SIMD_SHIFT(i16x8ShrU, weir_u16x8, >>, 16)
WEIR_SIMD_SHIFT(i32x4Shl, weir_u32x4, <<, 32)
WEIR_SIMD_SHIFT(i32x4ShrS, weir_i32x4, >>, 32)
WEIR_SIMD_SHIFT(i32x4ShrU, weir_u32x4, >>, 32)
WEIR_SIMD_SHIFT(i64x2Shl, weir_u64x2, <<, 64)
WEIR_SIMD_SHIFT(i64x2ShrS, weir_i64x2, >>, 64)
WEIR_SIMD_SHIFT(i64x2ShrU, weir_u64x2, >>, 64)
#undef WEIR_SIMD_SHIFT
#endif

/* ---- add, sub, mul, neg, abs, popcnt --------------------------------------------- */

/* Wrapping arithmetic on unsigned lanes (no signed overflow). */
#define WEIR_SIMD_WRAP(name, lane_type, op) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a, weir_v128 b) { \
    return (weir_v128)((lane_type)a op (lane_type)b); \
  }
WEIR_SIMD_WRAP(i8x16Add, weir_u8x16, +)
WEIR_SIMD_WRAP(i8x16Sub, weir_u8x16, -)
WEIR_SIMD_WRAP(i16x8Add, weir_u16x8, +)
WEIR_SIMD_WRAP(i16x8Sub, weir_u16x8, -)
WEIR_SIMD_WRAP(i16x8Mul, weir_u16x8, *)
WEIR_SIMD_WRAP(i32x4Add, weir_u32x4, +)
WEIR_SIMD_WRAP(i32x4Sub, weir_u32x4, -)
WEIR_SIMD_WRAP(i32x4Mul, weir_u32x4, *)
WEIR_SIMD_WRAP(i64x2Add, weir_u64x2, +)
WEIR_SIMD_WRAP(i64x2Sub, weir_u64x2, -)
WEIR_SIMD_WRAP(i64x2Mul, weir_u64x2, *)
#undef WEIR_SIMD_WRAP

WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16Neg(weir_v128 a) { return (weir_v128)(-(weir_u8x16)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8Neg(weir_v128 a) { return (weir_v128)(-(weir_u16x8)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4Neg(weir_v128 a) { return (weir_v128)(-(weir_u32x4)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2Neg(weir_v128 a) { return (weir_v128)(-(weir_u64x2)a); }

/* abs = (x ^ m) - m with m the lane's sign mask; abs of the minimum wraps to itself. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16Abs(weir_v128 a) {
  const weir_i8x16 zero = {0};
  const weir_u8x16 m = (weir_u8x16)((weir_i8x16)a < zero);
  return (weir_v128)(((weir_u8x16)a ^ m) - m);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8Abs(weir_v128 a) {
  const weir_i16x8 zero = {0};
  const weir_u16x8 m = (weir_u16x8)((weir_i16x8)a < zero);
  return (weir_v128)(((weir_u16x8)a ^ m) - m);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4Abs(weir_v128 a) {
  const weir_i32x4 zero = {0};
  const weir_u32x4 m = (weir_u32x4)((weir_i32x4)a < zero);
  return (weir_v128)(((weir_u32x4)a ^ m) - m);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2Abs(weir_v128 a) {
#if WEIR_V128_SSE2
  /* The sign masks of the high halves, copied to both halves of each lane. */
  const __m128i m = _mm_shuffle_epi32(_mm_srai_epi32(a, 31), _MM_SHUFFLE(3, 3, 1, 1));
  return _mm_sub_epi64(_mm_xor_si128(a, m), m);
#else
  const weir_i64x2 zero = {0};
  const weir_u64x2 m = (weir_u64x2)((weir_i64x2)a < zero);
  return (weir_v128)(((weir_u64x2)a ^ m) - m);
#endif
}

/* Per-byte population count by bit slicing (no popcnt for vectors in SSE2). */
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16Popcnt(weir_v128 a) {
  weir_u8x16 x = (weir_u8x16)a;
  x = x - ((x >> 1) & 0x55);
  x = (x & 0x33) + ((x >> 2) & 0x33);
  x = (x + (x >> 4)) & 0x0f;
  return (weir_v128)x;
}

/* ---- saturating add/sub, min/max, avgr ------------------------------------------ */

#if WEIR_V128_SSE2
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16AddSatS(weir_v128 a, weir_v128 b) { return _mm_adds_epi8(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16AddSatU(weir_v128 a, weir_v128 b) { return _mm_adds_epu8(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16SubSatS(weir_v128 a, weir_v128 b) { return _mm_subs_epi8(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16SubSatU(weir_v128 a, weir_v128 b) { return _mm_subs_epu8(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8AddSatS(weir_v128 a, weir_v128 b) { return _mm_adds_epi16(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8AddSatU(weir_v128 a, weir_v128 b) { return _mm_adds_epu16(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8SubSatS(weir_v128 a, weir_v128 b) { return _mm_subs_epi16(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8SubSatU(weir_v128 a, weir_v128 b) { return _mm_subs_epu16(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16MinU(weir_v128 a, weir_v128 b) { return _mm_min_epu8(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16MaxU(weir_v128 a, weir_v128 b) { return _mm_max_epu8(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8MinS(weir_v128 a, weir_v128 b) { return _mm_min_epi16(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8MaxS(weir_v128 a, weir_v128 b) { return _mm_max_epi16(a, b); }
/* pavgb/pavgw compute (a + b + 1) >> 1 without overflow, exactly avgr_u. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16AvgrU(weir_v128 a, weir_v128 b) { return _mm_avg_epu8(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8AvgrU(weir_v128 a, weir_v128 b) { return _mm_avg_epu16(a, b); }
#else
/* Unsigned saturation by masks: a sum that wrapped is below a; a difference is
 * kept only where a >= b. Signed saturation clamps in 32-bit arithmetic. */
#define WEIR_SIMD_SAT_U(name, lane_type) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name##AddSatU(weir_v128 a, weir_v128 b) { \
    const lane_type x = (lane_type)a, r = x + (lane_type)b; \
    return (weir_v128)(r | (lane_type)(r < x)); \
  } \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name##SubSatU(weir_v128 a, weir_v128 b) { \
    const lane_type x = (lane_type)a, y = (lane_type)b; \
    return (weir_v128)((x - y) & (lane_type)(x >= y)); \
  }
#define WEIR_SIMD_SAT_S(name, lane_type, lanes, sat) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name##AddSatS(weir_v128 a, weir_v128 b) { \
    const lane_type x = (lane_type)a, y = (lane_type)b; \
    lane_type r = {0}; \
    for (int i = 0; i < lanes; ++i) r[i] = sat((int32_t)x[i] + y[i]); \
    return (weir_v128)r; \
  } \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name##SubSatS(weir_v128 a, weir_v128 b) { \
    const lane_type x = (lane_type)a, y = (lane_type)b; \
    lane_type r = {0}; \
    for (int i = 0; i < lanes; ++i) r[i] = sat((int32_t)x[i] - y[i]); \
    return (weir_v128)r; \
  }
WEIR_SIMD_SAT_U(i8x16, weir_u8x16)
WEIR_SIMD_SAT_U(i16x8, weir_u16x8)
WEIR_SIMD_SAT_S(i8x16, weir_i8x16, 16, weir_v128_sat_s8)
WEIR_SIMD_SAT_S(i16x8, weir_i16x8, 8, weir_v128_sat_s16)
#undef WEIR_SIMD_SAT_U
#undef WEIR_SIMD_SAT_S
#endif

/* min/max by a compare mask; x86 has only pminub/pmaxub/pminsw/pmaxsw (above)
 * before SSE4.1. */
#define WEIR_SIMD_MINMAX(name, lane_type, op) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a, weir_v128 b) { \
    return weir_v128_select((weir_v128)((lane_type)a op (lane_type)b), a, b); \
  }
#if !WEIR_V128_SSE2
WEIR_SIMD_MINMAX(i8x16MinU, weir_u8x16, <)
WEIR_SIMD_MINMAX(i8x16MaxU, weir_u8x16, >)
WEIR_SIMD_MINMAX(i16x8MinS, weir_i16x8, <)
WEIR_SIMD_MINMAX(i16x8MaxS, weir_i16x8, >)
/* (a + b + 1) >> 1 = (a | b) - ((a ^ b) >> 1), with no wider lanes needed. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16AvgrU(weir_v128 a, weir_v128 b) {
  const weir_u8x16 x = (weir_u8x16)a, y = (weir_u8x16)b;
  return (weir_v128)((x | y) - ((x ^ y) >> 1));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8AvgrU(weir_v128 a, weir_v128 b) {
  const weir_u16x8 x = (weir_u16x8)a, y = (weir_u16x8)b;
  return (weir_v128)((x | y) - ((x ^ y) >> 1));
}
#endif
WEIR_SIMD_MINMAX(i8x16MinS, weir_i8x16, <)
WEIR_SIMD_MINMAX(i8x16MaxS, weir_i8x16, >)
WEIR_SIMD_MINMAX(i16x8MinU, weir_u16x8, <)
WEIR_SIMD_MINMAX(i16x8MaxU, weir_u16x8, >)
WEIR_SIMD_MINMAX(i32x4MinS, weir_i32x4, <)
WEIR_SIMD_MINMAX(i32x4MinU, weir_u32x4, <)
WEIR_SIMD_MINMAX(i32x4MaxS, weir_i32x4, >)
WEIR_SIMD_MINMAX(i32x4MaxU, weir_u32x4, >)
#undef WEIR_SIMD_MINMAX

/* ---- extend, extmul, extadd_pairwise ---------------------------------------------- */

#if WEIR_V128_SSE2
/* Interleaving a lane with itself puts a copy in the high half of the wide lane,
 * which an arithmetic shift sign-extends; interleaving with zero zero-extends. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ExtendLowI8x16S(weir_v128 a) { return _mm_srai_epi16(_mm_unpacklo_epi8(a, a), 8); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ExtendHighI8x16S(weir_v128 a) { return _mm_srai_epi16(_mm_unpackhi_epi8(a, a), 8); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ExtendLowI8x16U(weir_v128 a) { return _mm_unpacklo_epi8(a, _mm_setzero_si128()); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ExtendHighI8x16U(weir_v128 a) { return _mm_unpackhi_epi8(a, _mm_setzero_si128()); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtendLowI16x8S(weir_v128 a) { return _mm_srai_epi32(_mm_unpacklo_epi16(a, a), 16); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtendHighI16x8S(weir_v128 a) { return _mm_srai_epi32(_mm_unpackhi_epi16(a, a), 16); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtendLowI16x8U(weir_v128 a) { return _mm_unpacklo_epi16(a, _mm_setzero_si128()); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtendHighI16x8U(weir_v128 a) { return _mm_unpackhi_epi16(a, _mm_setzero_si128()); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ExtendLowI32x4S(weir_v128 a) { return _mm_unpacklo_epi32(a, _mm_srai_epi32(a, 31)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ExtendHighI32x4S(weir_v128 a) { return _mm_unpackhi_epi32(a, _mm_srai_epi32(a, 31)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ExtendLowI32x4U(weir_v128 a) { return _mm_unpacklo_epi32(a, _mm_setzero_si128()); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ExtendHighI32x4U(weir_v128 a) { return _mm_unpackhi_epi32(a, _mm_setzero_si128()); }
#else
#define WEIR_SIMD_EXTEND(name, wide_type, narrow_type, lanes, first) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a) { \
    const narrow_type x = (narrow_type)a; \
    wide_type r = {0}; \
    for (int i = 0; i < lanes; ++i) r[i] = x[i + first]; \
    return (weir_v128)r; \
  }
WEIR_SIMD_EXTEND(i16x8ExtendLowI8x16S, weir_i16x8, weir_i8x16, 8, 0)
WEIR_SIMD_EXTEND(i16x8ExtendHighI8x16S, weir_i16x8, weir_i8x16, 8, 8)
WEIR_SIMD_EXTEND(i16x8ExtendLowI8x16U, weir_u16x8, weir_u8x16, 8, 0)
WEIR_SIMD_EXTEND(i16x8ExtendHighI8x16U, weir_u16x8, weir_u8x16, 8, 8)
WEIR_SIMD_EXTEND(i32x4ExtendLowI16x8S, weir_i32x4, weir_i16x8, 4, 0)
WEIR_SIMD_EXTEND(i32x4ExtendHighI16x8S, weir_i32x4, weir_i16x8, 4, 4)
WEIR_SIMD_EXTEND(i32x4ExtendLowI16x8U, weir_u32x4, weir_u16x8, 4, 0)
WEIR_SIMD_EXTEND(i32x4ExtendHighI16x8U, weir_u32x4, weir_u16x8, 4, 4)
WEIR_SIMD_EXTEND(i64x2ExtendLowI32x4S, weir_i64x2, weir_i32x4, 2, 0)
WEIR_SIMD_EXTEND(i64x2ExtendHighI32x4S, weir_i64x2, weir_i32x4, 2, 2)
WEIR_SIMD_EXTEND(i64x2ExtendLowI32x4U, weir_u64x2, weir_u32x4, 2, 0)
WEIR_SIMD_EXTEND(i64x2ExtendHighI32x4U, weir_u64x2, weir_u32x4, 2, 2)
#undef WEIR_SIMD_EXTEND
#endif

/* extmul = mul of the extended halves: every product of two narrow lanes fits the
 * wide lane, so the wrapping multiply is exact. */
#define WEIR_SIMD_EXTMUL(name, mul, extend) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a, weir_v128 b) { \
    return weir_simd_##mul(weir_simd_##extend(a), weir_simd_##extend(b)); \
  }
WEIR_SIMD_EXTMUL(i16x8ExtmulLowI8x16S, i16x8Mul, i16x8ExtendLowI8x16S)
WEIR_SIMD_EXTMUL(i16x8ExtmulHighI8x16S, i16x8Mul, i16x8ExtendHighI8x16S)
WEIR_SIMD_EXTMUL(i16x8ExtmulLowI8x16U, i16x8Mul, i16x8ExtendLowI8x16U)
WEIR_SIMD_EXTMUL(i16x8ExtmulHighI8x16U, i16x8Mul, i16x8ExtendHighI8x16U)
WEIR_SIMD_EXTMUL(i64x2ExtmulLowI32x4S, i64x2Mul, i64x2ExtendLowI32x4S)
WEIR_SIMD_EXTMUL(i64x2ExtmulHighI32x4S, i64x2Mul, i64x2ExtendHighI32x4S)
#if WEIR_V128_SSE2
/* 16 x 16 -> 32: the low and high product halves of pmullw/pmulh(u)w, interleaved. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtmulLowI16x8S(weir_v128 a, weir_v128 b) {
  return _mm_unpacklo_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epi16(a, b));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtmulHighI16x8S(weir_v128 a, weir_v128 b) {
  return _mm_unpackhi_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epi16(a, b));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtmulLowI16x8U(weir_v128 a, weir_v128 b) {
  return _mm_unpacklo_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epu16(a, b));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtmulHighI16x8U(weir_v128 a, weir_v128 b) {
  return _mm_unpackhi_epi16(_mm_mullo_epi16(a, b), _mm_mulhi_epu16(a, b));
}
/* pmuludq multiplies the even 32-bit lanes; interleaving puts lanes 0, 1 (or 2, 3) there. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ExtmulLowI32x4U(weir_v128 a, weir_v128 b) {
  return _mm_mul_epu32(_mm_unpacklo_epi32(a, a), _mm_unpacklo_epi32(b, b));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i64x2ExtmulHighI32x4U(weir_v128 a, weir_v128 b) {
  return _mm_mul_epu32(_mm_unpackhi_epi32(a, a), _mm_unpackhi_epi32(b, b));
}
#else
WEIR_SIMD_EXTMUL(i32x4ExtmulLowI16x8S, i32x4Mul, i32x4ExtendLowI16x8S)
WEIR_SIMD_EXTMUL(i32x4ExtmulHighI16x8S, i32x4Mul, i32x4ExtendHighI16x8S)
WEIR_SIMD_EXTMUL(i32x4ExtmulLowI16x8U, i32x4Mul, i32x4ExtendLowI16x8U)
WEIR_SIMD_EXTMUL(i32x4ExtmulHighI16x8U, i32x4Mul, i32x4ExtendHighI16x8U)
WEIR_SIMD_EXTMUL(i64x2ExtmulLowI32x4U, i64x2Mul, i64x2ExtendLowI32x4U)
WEIR_SIMD_EXTMUL(i64x2ExtmulHighI32x4U, i64x2Mul, i64x2ExtendHighI32x4U)
#endif
#undef WEIR_SIMD_EXTMUL

/* Pairwise sums of the even and odd narrow lanes, each extracted in place by
 * shifts (the sums cannot overflow the wide lane). */
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ExtaddPairwiseI8x16S(weir_v128 a) {
  const weir_i16x8 even = (weir_i16x8)((weir_u16x8)a << 8) >> 8, odd = (weir_i16x8)a >> 8;
  return (weir_v128)(even + odd);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8ExtaddPairwiseI8x16U(weir_v128 a) {
  const weir_u16x8 x = (weir_u16x8)a;
  return (weir_v128)((x & 0xff) + (x >> 8));
}
#if WEIR_V128_SSE2
/* pmaddwd with ones adds each pair in 32 bits; for _u the lanes are biased by
 * -32768 first and the two biases added back. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtaddPairwiseI16x8S(weir_v128 a) {
  return _mm_madd_epi16(a, _mm_set1_epi16(1));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtaddPairwiseI16x8U(weir_v128 a) {
  const __m128i biased = _mm_xor_si128(a, _mm_set1_epi16((short)0x8000));
  return _mm_add_epi32(_mm_madd_epi16(biased, _mm_set1_epi16(1)), _mm_set1_epi32(0x10000));
}
#else
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtaddPairwiseI16x8S(weir_v128 a) {
  const weir_i32x4 even = (weir_i32x4)((weir_u32x4)a << 16) >> 16, odd = (weir_i32x4)a >> 16;
  return (weir_v128)(even + odd);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4ExtaddPairwiseI16x8U(weir_v128 a) {
  const weir_u32x4 x = (weir_u32x4)a;
  return (weir_v128)((x & 0xffff) + (x >> 16));
}
#endif

/* ---- narrow, q15mulr, dot ----------------------------------------------------------- */

/* Inputs are signed in both forms; _u saturates to 0..max of the unsigned lane. */
#if WEIR_V128_SSE2
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16NarrowI16x8S(weir_v128 a, weir_v128 b) { return _mm_packs_epi16(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16NarrowI16x8U(weir_v128 a, weir_v128 b) { return _mm_packus_epi16(a, b); }
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8NarrowI32x4S(weir_v128 a, weir_v128 b) { return _mm_packs_epi32(a, b); }
#else
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16NarrowI16x8S(weir_v128 a, weir_v128 b) {
  const weir_i16x8 x = (weir_i16x8)a, y = (weir_i16x8)b;
  weir_i8x16 r = {0};
  for (int i = 0; i < 8; ++i) {
    r[i] = (int8_t)weir_v128_sat_s8(x[i]);
    r[i + 8] = (int8_t)weir_v128_sat_s8(y[i]);
  }
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i8x16NarrowI16x8U(weir_v128 a, weir_v128 b) {
  const weir_i16x8 x = (weir_i16x8)a, y = (weir_i16x8)b;
  weir_u8x16 r = {0};
  for (int i = 0; i < 8; ++i) {
    r[i] = (uint8_t)weir_v128_sat_u8(x[i]);
    r[i + 8] = (uint8_t)weir_v128_sat_u8(y[i]);
  }
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8NarrowI32x4S(weir_v128 a, weir_v128 b) {
  const weir_i32x4 x = (weir_i32x4)a, y = (weir_i32x4)b;
  weir_i16x8 r = {0};
  for (int i = 0; i < 4; ++i) {
    r[i] = (int16_t)weir_v128_sat_s16(x[i]);
    r[i + 4] = (int16_t)weir_v128_sat_s16(y[i]);
  }
  return (weir_v128)r;
}
#endif
/* packusdw is SSE4.1. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8NarrowI32x4U(weir_v128 a, weir_v128 b) {
  const weir_i32x4 x = (weir_i32x4)a, y = (weir_i32x4)b;
  weir_u16x8 r = {0};
  for (int i = 0; i < 4; ++i) {
    r[i] = (uint16_t)weir_v128_sat_u16(x[i]);
    r[i + 4] = (uint16_t)weir_v128_sat_u16(y[i]);
  }
  return (weir_v128)r;
}

/* (a * b + 0x4000) >> 15, saturated: only -1.0 * -1.0 overflows. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i16x8Q15mulrSatS(weir_v128 a, weir_v128 b) {
#if WEIR_V128_SSE2
  /* pmaddwd on (a, 0x4000) x (b, 1) pairs gives a * b + 0x4000 exactly in 32 bits;
   * packssdw saturates after the shift. */
  const __m128i round = _mm_set1_epi16(0x4000), one = _mm_set1_epi16(1);
  const __m128i lo = _mm_madd_epi16(_mm_unpacklo_epi16(a, round), _mm_unpacklo_epi16(b, one));
  const __m128i hi = _mm_madd_epi16(_mm_unpackhi_epi16(a, round), _mm_unpackhi_epi16(b, one));
  return _mm_packs_epi32(_mm_srai_epi32(lo, 15), _mm_srai_epi32(hi, 15));
#else
  const weir_i16x8 x = (weir_i16x8)a, y = (weir_i16x8)b;
  weir_i16x8 r = {0};
  for (int i = 0; i < 8; ++i) r[i] = (int16_t)weir_v128_sat_s16(((int32_t)x[i] * y[i] + 0x4000) >> 15);
  return (weir_v128)r;
#endif
}

/* The sum of two (-2^15)^2 products wraps to INT32_MIN, as pmaddwd does. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4DotI16x8S(weir_v128 a, weir_v128 b) {
#if WEIR_V128_SSE2
  return _mm_madd_epi16(a, b);
#else
  const weir_i16x8 x = (weir_i16x8)a, y = (weir_i16x8)b;
  weir_u32x4 r = {0};
  for (int i = 0; i < 4; ++i) {
    r[i] = (uint32_t)((int32_t)x[2 * i] * y[2 * i]) + (uint32_t)((int32_t)x[2 * i + 1] * y[2 * i + 1]);
  }
  return (weir_v128)r;
#endif
}

/* ---- float arithmetic --------------------------------------------------------------- */

/* IEEE operations straight from the hardware (with -ffp-contract=off: no fused
 * multiply-add). x86 already produces the NaNs Wasm wants: its default NaN is
 * canonical, and a NaN operand comes back quieted. */
#define WEIR_SIMD_FBIN(name, lane_type, op) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a, weir_v128 b) { \
    return (weir_v128)((lane_type)a op (lane_type)b); \
  }
WEIR_SIMD_FBIN(f32x4Add, weir_f32x4, +)
WEIR_SIMD_FBIN(f32x4Sub, weir_f32x4, -)
WEIR_SIMD_FBIN(f32x4Mul, weir_f32x4, *)
WEIR_SIMD_FBIN(f32x4Div, weir_f32x4, /)
WEIR_SIMD_FBIN(f64x2Add, weir_f64x2, +)
WEIR_SIMD_FBIN(f64x2Sub, weir_f64x2, -)
WEIR_SIMD_FBIN(f64x2Mul, weir_f64x2, *)
WEIR_SIMD_FBIN(f64x2Div, weir_f64x2, /)
#undef WEIR_SIMD_FBIN

/* abs/neg only touch the sign bit, even of NaNs. */
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Abs(weir_v128 a) { return (weir_v128)((weir_u32x4)a & 0x7fffffffu); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Neg(weir_v128 a) { return (weir_v128)((weir_u32x4)a ^ 0x80000000u); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Abs(weir_v128 a) { return (weir_v128)((weir_u64x2)a & 0x7fffffffffffffffull); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Neg(weir_v128 a) { return (weir_v128)((weir_u64x2)a ^ 0x8000000000000000ull); }

#if WEIR_V128_SSE2
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Sqrt(weir_v128 a) { return (weir_v128)_mm_sqrt_ps((__m128)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Sqrt(weir_v128 a) { return (weir_v128)_mm_sqrt_pd((__m128d)a); }

/* min/max: NaN if either lane is NaN, and -0 < +0. minps(x, y) and minps(y, x)
 * agree except on NaN and +-0 ties: OR-ing them turns a tie into -0, AND-ing the
 * two maxps results into +0. Lanes with a NaN then become the canonical NaN. */
WEIR_SIMD_INLINE __m128 weir_v128_nan_to_canonical_ps(__m128 r, __m128 x, __m128 y) {
  const __m128 nan = _mm_cmpunord_ps(x, y);
  return _mm_or_ps(_mm_andnot_ps(nan, r), _mm_and_ps(nan, (__m128)_mm_set1_epi32(0x7fc00000)));
}
WEIR_SIMD_INLINE __m128d weir_v128_nan_to_canonical_pd(__m128d r, __m128d x, __m128d y) {
  const __m128d nan = _mm_cmpunord_pd(x, y);
  return _mm_or_pd(_mm_andnot_pd(nan, r), _mm_and_pd(nan, (__m128d)_mm_set1_epi64x(0x7ff8000000000000ll)));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Min(weir_v128 a, weir_v128 b) {
  const __m128 x = (__m128)a, y = (__m128)b;
  return (weir_v128)weir_v128_nan_to_canonical_ps(_mm_or_ps(_mm_min_ps(x, y), _mm_min_ps(y, x)), x, y);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Max(weir_v128 a, weir_v128 b) {
  const __m128 x = (__m128)a, y = (__m128)b;
  return (weir_v128)weir_v128_nan_to_canonical_ps(_mm_and_ps(_mm_max_ps(x, y), _mm_max_ps(y, x)), x, y);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Min(weir_v128 a, weir_v128 b) {
  const __m128d x = (__m128d)a, y = (__m128d)b;
  return (weir_v128)weir_v128_nan_to_canonical_pd(_mm_or_pd(_mm_min_pd(x, y), _mm_min_pd(y, x)), x, y);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Max(weir_v128 a, weir_v128 b) {
  const __m128d x = (__m128d)a, y = (__m128d)b;
  return (weir_v128)weir_v128_nan_to_canonical_pd(_mm_and_pd(_mm_max_pd(x, y), _mm_max_pd(y, x)), x, y);
}
/* pmin = b < a ? b : a and pmax = a < b ? b : a are minps/maxps with the operands
 * swapped (they return the second operand unless the compare holds). */
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Pmin(weir_v128 a, weir_v128 b) { return (weir_v128)_mm_min_ps((__m128)b, (__m128)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Pmax(weir_v128 a, weir_v128 b) { return (weir_v128)_mm_max_ps((__m128)b, (__m128)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Pmin(weir_v128 a, weir_v128 b) { return (weir_v128)_mm_min_pd((__m128d)b, (__m128d)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Pmax(weir_v128 a, weir_v128 b) { return (weir_v128)_mm_max_pd((__m128d)b, (__m128d)a); }
#else
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Sqrt(weir_v128 a) {
  weir_f32x4 x = (weir_f32x4)a;
  for (int i = 0; i < 4; ++i) x[i] = sqrtf(x[i]);
  return (weir_v128)x;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Sqrt(weir_v128 a) {
  weir_f64x2 x = (weir_f64x2)a;
  for (int i = 0; i < 2; ++i) x[i] = sqrt(x[i]);
  return (weir_v128)x;
}
WEIR_SIMD_INLINE float weir_v128_nan_f32(void) {
  const uint32_t bits = 0x7fc00000u;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}
WEIR_SIMD_INLINE double weir_v128_nan_f64(void) {
  const uint64_t bits = 0x7ff8000000000000ull;
  double d;
  memcpy(&d, &bits, 8);
  return d;
}
/* A NaN lane gives the canonical NaN; of two equal lanes (only +-0 can differ)
 * min takes the one with the sign bit, max the other. */
WEIR_SIMD_INLINE float weir_v128_min_f32(float x, float y) {
  if (isnan(x) || isnan(y)) return weir_v128_nan_f32();
  if (x == y) return signbit(x) ? x : y;
  return x < y ? x : y;
}
WEIR_SIMD_INLINE float weir_v128_max_f32(float x, float y) {
  if (isnan(x) || isnan(y)) return weir_v128_nan_f32();
  if (x == y) return signbit(x) ? y : x;
  return x > y ? x : y;
}
WEIR_SIMD_INLINE double weir_v128_min_f64(double x, double y) {
  if (isnan(x) || isnan(y)) return weir_v128_nan_f64();
  if (x == y) return signbit(x) ? x : y;
  return x < y ? x : y;
}
WEIR_SIMD_INLINE double weir_v128_max_f64(double x, double y) {
  if (isnan(x) || isnan(y)) return weir_v128_nan_f64();
  if (x == y) return signbit(x) ? y : x;
  return x > y ? x : y;
}
#define WEIR_SIMD_FMINMAX(name, lane_type, lanes, fn) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a, weir_v128 b) { \
    lane_type x = (lane_type)a; \
    const lane_type y = (lane_type)b; \
    for (int i = 0; i < lanes; ++i) x[i] = fn(x[i], y[i]); \
    return (weir_v128)x; \
  }
WEIR_SIMD_FMINMAX(f32x4Min, weir_f32x4, 4, weir_v128_min_f32)
WEIR_SIMD_FMINMAX(f32x4Max, weir_f32x4, 4, weir_v128_max_f32)
WEIR_SIMD_FMINMAX(f64x2Min, weir_f64x2, 2, weir_v128_min_f64)
WEIR_SIMD_FMINMAX(f64x2Max, weir_f64x2, 2, weir_v128_max_f64)
#undef WEIR_SIMD_FMINMAX
/* pmin = b < a ? b : a, pmax = a < b ? b : a, bit for bit (NaNs included). */
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Pmin(weir_v128 a, weir_v128 b) {
  return weir_v128_select((weir_v128)((weir_f32x4)b < (weir_f32x4)a), b, a);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4Pmax(weir_v128 a, weir_v128 b) {
  return weir_v128_select((weir_v128)((weir_f32x4)a < (weir_f32x4)b), b, a);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Pmin(weir_v128 a, weir_v128 b) {
  return weir_v128_select((weir_v128)((weir_f64x2)b < (weir_f64x2)a), b, a);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2Pmax(weir_v128 a, weir_v128 b) {
  return weir_v128_select((weir_v128)((weir_f64x2)a < (weir_f64x2)b), b, a);
}
#endif

/* ---- rounding ------------------------------------------------------------------------ */

/* roundps is SSE4.1. libm's functions are exact and keep the sign of zero; a NaN
 * is returned quieted (x + x) because libm may pass a signalling NaN through.
 * nearbyint rounds in the current mode, which Wasm code never changes from
 * round-to-nearest-even (unlike round(), it breaks ties to even). */
#define WEIR_SIMD_ROUND(name, lane_type, lanes, fn) \
  WEIR_SIMD_INLINE weir_v128 weir_simd_##name(weir_v128 a) { \
    lane_type x = (lane_type)a; \
    for (int i = 0; i < lanes; ++i) x[i] = isnan(x[i]) ? x[i] + x[i] : fn(x[i]); \
    return (weir_v128)x; \
  }
WEIR_SIMD_ROUND(f32x4Ceil, weir_f32x4, 4, ceilf)
WEIR_SIMD_ROUND(f32x4Floor, weir_f32x4, 4, floorf)
WEIR_SIMD_ROUND(f32x4Trunc, weir_f32x4, 4, truncf)
WEIR_SIMD_ROUND(f32x4Nearest, weir_f32x4, 4, nearbyintf)
WEIR_SIMD_ROUND(f64x2Ceil, weir_f64x2, 2, ceil)
WEIR_SIMD_ROUND(f64x2Floor, weir_f64x2, 2, floor)
WEIR_SIMD_ROUND(f64x2Trunc, weir_f64x2, 2, trunc)
WEIR_SIMD_ROUND(f64x2Nearest, weir_f64x2, 2, nearbyint)
#undef WEIR_SIMD_ROUND

/* ---- conversions --------------------------------------------------------------------- */

/* Saturating truncation: NaN -> 0, out of range -> the nearest bound; _u gives 0
 * for everything <= -1 and for -0.x. */
WEIR_SIMD_INLINE int32_t weir_v128_trunc_sat_s32(double x) {
  if (isnan(x)) return 0;
  if (x >= 2147483648.0) return INT32_MAX;
  if (x < -2147483648.0) return INT32_MIN;
  return (int32_t)x;
}
WEIR_SIMD_INLINE uint32_t weir_v128_trunc_sat_u32(double x) {
  if (!(x > 0.0)) return 0;
  if (x >= 4294967296.0) return UINT32_MAX;
  return (uint32_t)x;
}

#if WEIR_V128_SSE2
/* cvttps2dq gives 0x80000000 for NaN and out-of-range lanes, which is right for
 * large negatives; positive overflow is flipped to 0x7fffffff, NaN cleared. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4TruncSatF32x4S(weir_v128 a) {
  const __m128 x = (__m128)a;
  const __m128i over = (__m128i)_mm_cmpge_ps(x, _mm_set1_ps(2147483648.0f));
  return _mm_and_si128(_mm_xor_si128(_mm_cvttps_epi32(x), over), (__m128i)_mm_cmpord_ps(x, x));
}
#else
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4TruncSatF32x4S(weir_v128 a) {
  const weir_f32x4 x = (weir_f32x4)a;
  const weir_i32x4 r = {weir_v128_trunc_sat_s32(x[0]), weir_v128_trunc_sat_s32(x[1]),
                        weir_v128_trunc_sat_s32(x[2]), weir_v128_trunc_sat_s32(x[3])};
  return (weir_v128)r;
}
#endif
/* (float -> double is exact, so the double helpers serve both widths.) */
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4TruncSatF32x4U(weir_v128 a) {
  const weir_f32x4 x = (weir_f32x4)a;
  const weir_u32x4 r = {weir_v128_trunc_sat_u32(x[0]), weir_v128_trunc_sat_u32(x[1]),
                        weir_v128_trunc_sat_u32(x[2]), weir_v128_trunc_sat_u32(x[3])};
  return (weir_v128)r;
}
/* The two results go to lanes 0 and 1; lanes 2 and 3 are zero. */
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4TruncSatF64x2SZero(weir_v128 a) {
  const weir_f64x2 x = (weir_f64x2)a;
  const weir_i32x4 r = {weir_v128_trunc_sat_s32(x[0]), weir_v128_trunc_sat_s32(x[1]), 0, 0};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_i32x4TruncSatF64x2UZero(weir_v128 a) {
  const weir_f64x2 x = (weir_f64x2)a;
  const weir_u32x4 r = {weir_v128_trunc_sat_u32(x[0]), weir_v128_trunc_sat_u32(x[1]), 0, 0};
  return (weir_v128)r;
}

#if WEIR_V128_SSE2
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4ConvertI32x4S(weir_v128 a) { return (weir_v128)_mm_cvtepi32_ps(a); }
/* Both 16-bit halves convert exactly and hi * 65536 is exact, so the one rounding
 * is in the final add: correctly rounded, like a scalar uint32 -> float. */
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4ConvertI32x4U(weir_v128 a) {
  const __m128 lo = _mm_cvtepi32_ps(_mm_and_si128(a, _mm_set1_epi32(0xffff)));
  const __m128 hi = _mm_cvtepi32_ps(_mm_srli_epi32(a, 16));
  return (weir_v128)_mm_add_ps(_mm_mul_ps(hi, _mm_set1_ps(65536.0f)), lo);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2ConvertLowI32x4S(weir_v128 a) { return (weir_v128)_mm_cvtepi32_pd(a); }
/* cvtpd2ps zeroes the upper lanes, as _zero wants. Both directions quiet a NaN
 * and keep its leading payload bits (an arithmetic NaN). */
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4DemoteF64x2Zero(weir_v128 a) { return (weir_v128)_mm_cvtpd_ps((__m128d)a); }
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2PromoteLowF32x4(weir_v128 a) { return (weir_v128)_mm_cvtps_pd((__m128)a); }
#else
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4ConvertI32x4S(weir_v128 a) {
  const weir_i32x4 x = (weir_i32x4)a;
  const weir_f32x4 r = {(float)x[0], (float)x[1], (float)x[2], (float)x[3]};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4ConvertI32x4U(weir_v128 a) {
  const weir_u32x4 x = (weir_u32x4)a;
  const weir_f32x4 r = {(float)x[0], (float)x[1], (float)x[2], (float)x[3]};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2ConvertLowI32x4S(weir_v128 a) {
  const weir_i32x4 x = (weir_i32x4)a;
  const weir_f64x2 r = {(double)x[0], (double)x[1]};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f32x4DemoteF64x2Zero(weir_v128 a) {
  const weir_f64x2 x = (weir_f64x2)a;
  const weir_f32x4 r = {(float)x[0], (float)x[1], 0.0f, 0.0f};
  return (weir_v128)r;
}
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2PromoteLowF32x4(weir_v128 a) {
  const weir_f32x4 x = (weir_f32x4)a;
  const weir_f64x2 r = {(double)x[0], (double)x[1]};
  return (weir_v128)r;
}
#endif
WEIR_SIMD_INLINE weir_v128 weir_simd_f64x2ConvertLowI32x4U(weir_v128 a) {
  const weir_u32x4 x = (weir_u32x4)a;
  const weir_f64x2 r = {(double)x[0], (double)x[1]};
  return (weir_v128)r;
}

/* ---- memory: p points at WIDTH bounds-checked, possibly unaligned bytes --------------- */

WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load(const uint8_t* p) {
  weir_v128 v;
  memcpy(&v, p, 16);
  return v;
}
WEIR_SIMD_INLINE void weir_simd_v128Store(uint8_t* p, weir_v128 v) { memcpy(p, &v, 16); }

/* 8 bytes read, each lane widened. */
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load8x8S(const uint8_t* p) {
  return weir_simd_i16x8ExtendLowI8x16S(weir_v128_make(weir_v128_load_u64(p), 0));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load8x8U(const uint8_t* p) {
  return weir_simd_i16x8ExtendLowI8x16U(weir_v128_make(weir_v128_load_u64(p), 0));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load16x4S(const uint8_t* p) {
  return weir_simd_i32x4ExtendLowI16x8S(weir_v128_make(weir_v128_load_u64(p), 0));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load16x4U(const uint8_t* p) {
  return weir_simd_i32x4ExtendLowI16x8U(weir_v128_make(weir_v128_load_u64(p), 0));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load32x2S(const uint8_t* p) {
  return weir_simd_i64x2ExtendLowI32x4S(weir_v128_make(weir_v128_load_u64(p), 0));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load32x2U(const uint8_t* p) {
  return weir_simd_i64x2ExtendLowI32x4U(weir_v128_make(weir_v128_load_u64(p), 0));
}

/* 1, 2, 4, 8 bytes read. */
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load8Splat(const uint8_t* p) { return weir_simd_i8x16Splat(*p); }
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load16Splat(const uint8_t* p) { return weir_simd_i16x8Splat(weir_v128_load_u16(p)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load32Splat(const uint8_t* p) { return weir_simd_i32x4Splat(weir_v128_load_u32(p)); }
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load64Splat(const uint8_t* p) { return weir_simd_i64x2Splat(weir_v128_load_u64(p)); }

/* 4 / 8 bytes into lane 0, the rest zero. */
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load32Zero(const uint8_t* p) { return weir_v128_make(weir_v128_load_u32(p), 0); }
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load64Zero(const uint8_t* p) { return weir_v128_make(weir_v128_load_u64(p), 0); }

/* One lane of v replaced by / stored from the bytes at p. */
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load8Lane(const uint8_t* p, weir_v128 v, uint32_t lane) {
  return weir_simd_i8x16ReplaceLane(v, lane, *p);
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load16Lane(const uint8_t* p, weir_v128 v, uint32_t lane) {
  return weir_simd_i16x8ReplaceLane(v, lane, weir_v128_load_u16(p));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load32Lane(const uint8_t* p, weir_v128 v, uint32_t lane) {
  return weir_simd_i32x4ReplaceLane(v, lane, weir_v128_load_u32(p));
}
WEIR_SIMD_INLINE weir_v128 weir_simd_v128Load64Lane(const uint8_t* p, weir_v128 v, uint32_t lane) {
  return weir_simd_i64x2ReplaceLane(v, lane, weir_v128_load_u64(p));
}
WEIR_SIMD_INLINE void weir_simd_v128Store8Lane(uint8_t* p, weir_v128 v, uint32_t lane) {
  *p = (uint8_t)weir_simd_i8x16ExtractLaneU(v, lane);
}
WEIR_SIMD_INLINE void weir_simd_v128Store16Lane(uint8_t* p, weir_v128 v, uint32_t lane) {
  const uint16_t x = (uint16_t)weir_simd_i16x8ExtractLaneU(v, lane);
  memcpy(p, &x, 2);
}
WEIR_SIMD_INLINE void weir_simd_v128Store32Lane(uint8_t* p, weir_v128 v, uint32_t lane) {
  const uint32_t x = weir_simd_i32x4ExtractLane(v, lane);
  memcpy(p, &x, 4);
}
WEIR_SIMD_INLINE void weir_simd_v128Store64Lane(uint8_t* p, weir_v128 v, uint32_t lane) {
  const uint64_t x = weir_simd_i64x2ExtractLane(v, lane);
  memcpy(p, &x, 8);
}
#undef WEIR_SIMD_INLINE
/* ---- end of the weir SIMD prelude ---- */
)WEIRC";

}  // namespace weir::wasm::aot

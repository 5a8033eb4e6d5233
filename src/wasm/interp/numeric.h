// Scalar numeric semantics that are not a single C++ operator: IEEE min/max
// with NaN and signed-zero rules, bitwise abs/neg/copysign (no NaN
// canonicalisation), ties-to-even rounding, and float→int conversion range
// checks shared by the trapping and saturating forms.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace weir::wasm::interp {

template <typename F>
using BitsOf = std::conditional_t<sizeof(F) == 4, uint32_t, uint64_t>;

template <typename F>
inline F fAbs(F x) {
  return std::bit_cast<F>(std::bit_cast<BitsOf<F>>(x) & ~(BitsOf<F>{1} << (sizeof(F) * 8 - 1)));
}
template <typename F>
inline F fNeg(F x) {
  return std::bit_cast<F>(std::bit_cast<BitsOf<F>>(x) ^ (BitsOf<F>{1} << (sizeof(F) * 8 - 1)));
}
template <typename F>
inline F fCopysign(F x, F y) {
  using B = BitsOf<F>;
  constexpr B kSign = B{1} << (sizeof(F) * 8 - 1);
  return std::bit_cast<F>((std::bit_cast<B>(x) & ~kSign) | (std::bit_cast<B>(y) & kSign));
}
// A NaN operand propagates (made quiet, as the arithmetic-NaN rule allows).
template <typename F>
inline F fMin(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return std::signbit(a) ? a : b;  // -0 < +0
  return a < b ? a : b;
}
template <typename F>
inline F fMax(F a, F b) {
  if (std::isnan(a) || std::isnan(b)) return a + b;
  if (a == b) return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
// libm returns a signalling NaN unchanged from the rounding functions; Wasm
// requires an arithmetic (quiet) NaN, which x + x produces.
template <typename F>
inline F fNearest(F x) {
  if (std::isnan(x)) return x + x;
  return std::nearbyint(x);  // default rounding mode is ties-to-even
}
template <typename F>
inline F fCeil(F x) { return std::isnan(x) ? x + x : std::ceil(x); }
template <typename F>
inline F fFloor(F x) { return std::isnan(x) ? x + x : std::floor(x); }
template <typename F>
inline F fTrunc(F x) { return std::isnan(x) ? x + x : std::trunc(x); }

// Whether truncating x toward zero fits I (x not NaN). The bounds are exact
// powers of two, so they are representable in F.
template <typename I, typename F>
inline bool truncFits(F x) {
  if constexpr (std::is_signed_v<I>) {
    constexpr F lo = static_cast<F>(std::numeric_limits<I>::min());  // -2^(n-1), exact
    constexpr F hi = -lo;
    // x must satisfy lo - 1 < x < hi; lo - 1 may round to lo, so compare trunc(x).
    return std::trunc(x) >= lo && x < hi;
  } else {
    constexpr F hi = static_cast<F>(std::numeric_limits<I>::max() / 2 + 1) * F(2);  // 2^n
    return x > F(-1) && x < hi;
  }
}

template <typename I, typename F>
inline I truncSat(F x) {
  if (std::isnan(x)) return 0;
  if (!truncFits<I>(x)) return x < 0 ? std::numeric_limits<I>::min() : std::numeric_limits<I>::max();
  return static_cast<I>(x);
}

}  // namespace weir::wasm::interp

// The C implementation of every Wasm SIMD (0xFD) operation, for generated code
// that contains v128 values.
#pragma once

namespace weir::wasm::aot {

// C source pasted into a generated C file before any function that uses v128.
// It defines the value type `weir_v128` (a GCC/Clang 16-byte vector, the same
// type as SSE2's __m128i), `weir_v128_make(lo, hi)`, and one static inline
// `weir_simd_<fn>` per entry of the tables in wasm/simd/simd_ops.h, with the
// semantics of the C++ function `weir::wasm::simd::<fn>` and C signatures by table:
//   UNARY    weir_v128 f(weir_v128 a)
//   BINARY   weir_v128 f(weir_v128 a, weir_v128 b)          (a pushed first)
//   TERNARY  weir_v128 f(weir_v128 a, weir_v128 b, weir_v128 c)
//   SHIFT    weir_v128 f(weir_v128 a, uint32_t count)
//   TEST     uint32_t f(weir_v128 a)
//   SHUFFLE  weir_v128 f(weir_v128 a, weir_v128 b, const uint8_t lanes[16])
//   SPLAT_*  weir_v128 f(uint32_t | uint64_t | float | double x)
//   EXTRACT_* uint32_t | uint64_t | float | double f(weir_v128 a, uint32_t lane)
//   REPLACE_* weir_v128 f(weir_v128 a, uint32_t lane, uint32_t | uint64_t | float | double x)
//   LOAD     weir_v128 f(const uint8_t* p)             (reads the table's width)
//   STORE    void f(uint8_t* p, weir_v128 v)
//   LOAD_LANE  weir_v128 f(const uint8_t* p, weir_v128 v, uint32_t lane)
//   STORE_LANE void f(uint8_t* p, weir_v128 v, uint32_t lane)
// Lane indices are meant to be constants (validated immediates) so that the
// compiler emits fixed lane moves; a shuffle's lanes should be a static const
// array for the same reason.
//
// The text is C11 with GCC/Clang vector extensions, includes only standard
// headers (stdint.h, string.h, math.h, and emmintrin.h on x86-64), defines only
// `weir_`/`WEIR_` names, and needs -ffp-contract=off (as the compiled tier passes)
// for exact float semantics. On x86-64 it uses the SSE2 instructions that match
// Wasm exactly (docs/wasm-simd.md); elsewhere, or with WEIR_SIMD_PORTABLE
// defined, vector-extension operators and lane loops.
extern const char* const kSimdPrelude;

}  // namespace weir::wasm::aot

#pragma once
// X-macro tables of every 0xFD (SIMD) instruction, grouped by the shape of its
// semantic function, so a dispatch loop can stamp out its cases per group:
//   #define CASE(Op, fn) case SimdOpcode::k##Op: top = simd::fn(top); break;
//   WEIR_SIMD_UNARY_OPS(CASE)
// Op is the SimdOpcode enumerator (without its k) from wasm/opcodes.h; fn the function in
// weir::wasm::simd. Memory groups also carry the access width in bytes
// (X(Op, fn, width)) for the bounds check that must precede the call.
// v128.const has no function: its immediate is the value.

#include "wasm/opcodes.h"
#include "wasm/simd/simd.h"

// V128 fn(const V128&)
#define WEIR_SIMD_UNARY_OPS(X) \
  X(V128Not, v128Not) \
  X(F32x4DemoteF64x2Zero, f32x4DemoteF64x2Zero) \
  X(F64x2PromoteLowF32x4, f64x2PromoteLowF32x4) \
  X(I8x16Abs, i8x16Abs) \
  X(I8x16Neg, i8x16Neg) \
  X(I8x16Popcnt, i8x16Popcnt) \
  X(F32x4Ceil, f32x4Ceil) \
  X(F32x4Floor, f32x4Floor) \
  X(F32x4Trunc, f32x4Trunc) \
  X(F32x4Nearest, f32x4Nearest) \
  X(F64x2Ceil, f64x2Ceil) \
  X(F64x2Floor, f64x2Floor) \
  X(F64x2Trunc, f64x2Trunc) \
  X(I16x8ExtaddPairwiseI8x16S, i16x8ExtaddPairwiseI8x16S) \
  X(I16x8ExtaddPairwiseI8x16U, i16x8ExtaddPairwiseI8x16U) \
  X(I32x4ExtaddPairwiseI16x8S, i32x4ExtaddPairwiseI16x8S) \
  X(I32x4ExtaddPairwiseI16x8U, i32x4ExtaddPairwiseI16x8U) \
  X(I16x8Abs, i16x8Abs) \
  X(I16x8Neg, i16x8Neg) \
  X(I16x8ExtendLowI8x16S, i16x8ExtendLowI8x16S) \
  X(I16x8ExtendHighI8x16S, i16x8ExtendHighI8x16S) \
  X(I16x8ExtendLowI8x16U, i16x8ExtendLowI8x16U) \
  X(I16x8ExtendHighI8x16U, i16x8ExtendHighI8x16U) \
  X(F64x2Nearest, f64x2Nearest) \
  X(I32x4Abs, i32x4Abs) \
  X(I32x4Neg, i32x4Neg) \
  X(I32x4ExtendLowI16x8S, i32x4ExtendLowI16x8S) \
  X(I32x4ExtendHighI16x8S, i32x4ExtendHighI16x8S) \
  X(I32x4ExtendLowI16x8U, i32x4ExtendLowI16x8U) \
  X(I32x4ExtendHighI16x8U, i32x4ExtendHighI16x8U) \
  X(I64x2Abs, i64x2Abs) \
  X(I64x2Neg, i64x2Neg) \
  X(I64x2ExtendLowI32x4S, i64x2ExtendLowI32x4S) \
  X(I64x2ExtendHighI32x4S, i64x2ExtendHighI32x4S) \
  X(I64x2ExtendLowI32x4U, i64x2ExtendLowI32x4U) \
  X(I64x2ExtendHighI32x4U, i64x2ExtendHighI32x4U) \
  X(F32x4Abs, f32x4Abs) \
  X(F32x4Neg, f32x4Neg) \
  X(F32x4Sqrt, f32x4Sqrt) \
  X(F64x2Abs, f64x2Abs) \
  X(F64x2Neg, f64x2Neg) \
  X(F64x2Sqrt, f64x2Sqrt) \
  X(I32x4TruncSatF32x4S, i32x4TruncSatF32x4S) \
  X(I32x4TruncSatF32x4U, i32x4TruncSatF32x4U) \
  X(F32x4ConvertI32x4S, f32x4ConvertI32x4S) \
  X(F32x4ConvertI32x4U, f32x4ConvertI32x4U) \
  X(I32x4TruncSatF64x2SZero, i32x4TruncSatF64x2SZero) \
  X(I32x4TruncSatF64x2UZero, i32x4TruncSatF64x2UZero) \
  X(F64x2ConvertLowI32x4S, f64x2ConvertLowI32x4S) \
  X(F64x2ConvertLowI32x4U, f64x2ConvertLowI32x4U)

// V128 fn(const V128& a, const V128& b)
#define WEIR_SIMD_BINARY_OPS(X) \
  X(I8x16Swizzle, i8x16Swizzle) \
  X(I8x16Eq, i8x16Eq) \
  X(I8x16Ne, i8x16Ne) \
  X(I8x16LtS, i8x16LtS) \
  X(I8x16LtU, i8x16LtU) \
  X(I8x16GtS, i8x16GtS) \
  X(I8x16GtU, i8x16GtU) \
  X(I8x16LeS, i8x16LeS) \
  X(I8x16LeU, i8x16LeU) \
  X(I8x16GeS, i8x16GeS) \
  X(I8x16GeU, i8x16GeU) \
  X(I16x8Eq, i16x8Eq) \
  X(I16x8Ne, i16x8Ne) \
  X(I16x8LtS, i16x8LtS) \
  X(I16x8LtU, i16x8LtU) \
  X(I16x8GtS, i16x8GtS) \
  X(I16x8GtU, i16x8GtU) \
  X(I16x8LeS, i16x8LeS) \
  X(I16x8LeU, i16x8LeU) \
  X(I16x8GeS, i16x8GeS) \
  X(I16x8GeU, i16x8GeU) \
  X(I32x4Eq, i32x4Eq) \
  X(I32x4Ne, i32x4Ne) \
  X(I32x4LtS, i32x4LtS) \
  X(I32x4LtU, i32x4LtU) \
  X(I32x4GtS, i32x4GtS) \
  X(I32x4GtU, i32x4GtU) \
  X(I32x4LeS, i32x4LeS) \
  X(I32x4LeU, i32x4LeU) \
  X(I32x4GeS, i32x4GeS) \
  X(I32x4GeU, i32x4GeU) \
  X(F32x4Eq, f32x4Eq) \
  X(F32x4Ne, f32x4Ne) \
  X(F32x4Lt, f32x4Lt) \
  X(F32x4Gt, f32x4Gt) \
  X(F32x4Le, f32x4Le) \
  X(F32x4Ge, f32x4Ge) \
  X(F64x2Eq, f64x2Eq) \
  X(F64x2Ne, f64x2Ne) \
  X(F64x2Lt, f64x2Lt) \
  X(F64x2Gt, f64x2Gt) \
  X(F64x2Le, f64x2Le) \
  X(F64x2Ge, f64x2Ge) \
  X(V128And, v128And) \
  X(V128Andnot, v128Andnot) \
  X(V128Or, v128Or) \
  X(V128Xor, v128Xor) \
  X(I8x16NarrowI16x8S, i8x16NarrowI16x8S) \
  X(I8x16NarrowI16x8U, i8x16NarrowI16x8U) \
  X(I8x16Add, i8x16Add) \
  X(I8x16AddSatS, i8x16AddSatS) \
  X(I8x16AddSatU, i8x16AddSatU) \
  X(I8x16Sub, i8x16Sub) \
  X(I8x16SubSatS, i8x16SubSatS) \
  X(I8x16SubSatU, i8x16SubSatU) \
  X(I8x16MinS, i8x16MinS) \
  X(I8x16MinU, i8x16MinU) \
  X(I8x16MaxS, i8x16MaxS) \
  X(I8x16MaxU, i8x16MaxU) \
  X(I8x16AvgrU, i8x16AvgrU) \
  X(I16x8Q15mulrSatS, i16x8Q15mulrSatS) \
  X(I16x8NarrowI32x4S, i16x8NarrowI32x4S) \
  X(I16x8NarrowI32x4U, i16x8NarrowI32x4U) \
  X(I16x8Add, i16x8Add) \
  X(I16x8AddSatS, i16x8AddSatS) \
  X(I16x8AddSatU, i16x8AddSatU) \
  X(I16x8Sub, i16x8Sub) \
  X(I16x8SubSatS, i16x8SubSatS) \
  X(I16x8SubSatU, i16x8SubSatU) \
  X(I16x8Mul, i16x8Mul) \
  X(I16x8MinS, i16x8MinS) \
  X(I16x8MinU, i16x8MinU) \
  X(I16x8MaxS, i16x8MaxS) \
  X(I16x8MaxU, i16x8MaxU) \
  X(I16x8AvgrU, i16x8AvgrU) \
  X(I16x8ExtmulLowI8x16S, i16x8ExtmulLowI8x16S) \
  X(I16x8ExtmulHighI8x16S, i16x8ExtmulHighI8x16S) \
  X(I16x8ExtmulLowI8x16U, i16x8ExtmulLowI8x16U) \
  X(I16x8ExtmulHighI8x16U, i16x8ExtmulHighI8x16U) \
  X(I32x4Add, i32x4Add) \
  X(I32x4Sub, i32x4Sub) \
  X(I32x4Mul, i32x4Mul) \
  X(I32x4MinS, i32x4MinS) \
  X(I32x4MinU, i32x4MinU) \
  X(I32x4MaxS, i32x4MaxS) \
  X(I32x4MaxU, i32x4MaxU) \
  X(I32x4DotI16x8S, i32x4DotI16x8S) \
  X(I32x4ExtmulLowI16x8S, i32x4ExtmulLowI16x8S) \
  X(I32x4ExtmulHighI16x8S, i32x4ExtmulHighI16x8S) \
  X(I32x4ExtmulLowI16x8U, i32x4ExtmulLowI16x8U) \
  X(I32x4ExtmulHighI16x8U, i32x4ExtmulHighI16x8U) \
  X(I64x2Add, i64x2Add) \
  X(I64x2Sub, i64x2Sub) \
  X(I64x2Mul, i64x2Mul) \
  X(I64x2Eq, i64x2Eq) \
  X(I64x2Ne, i64x2Ne) \
  X(I64x2LtS, i64x2LtS) \
  X(I64x2GtS, i64x2GtS) \
  X(I64x2LeS, i64x2LeS) \
  X(I64x2GeS, i64x2GeS) \
  X(I64x2ExtmulLowI32x4S, i64x2ExtmulLowI32x4S) \
  X(I64x2ExtmulHighI32x4S, i64x2ExtmulHighI32x4S) \
  X(I64x2ExtmulLowI32x4U, i64x2ExtmulLowI32x4U) \
  X(I64x2ExtmulHighI32x4U, i64x2ExtmulHighI32x4U) \
  X(F32x4Add, f32x4Add) \
  X(F32x4Sub, f32x4Sub) \
  X(F32x4Mul, f32x4Mul) \
  X(F32x4Div, f32x4Div) \
  X(F32x4Min, f32x4Min) \
  X(F32x4Max, f32x4Max) \
  X(F32x4Pmin, f32x4Pmin) \
  X(F32x4Pmax, f32x4Pmax) \
  X(F64x2Add, f64x2Add) \
  X(F64x2Sub, f64x2Sub) \
  X(F64x2Mul, f64x2Mul) \
  X(F64x2Div, f64x2Div) \
  X(F64x2Min, f64x2Min) \
  X(F64x2Max, f64x2Max) \
  X(F64x2Pmin, f64x2Pmin) \
  X(F64x2Pmax, f64x2Pmax)

// V128 fn(a, b, c)
#define WEIR_SIMD_TERNARY_OPS(X) \
  X(V128Bitselect, v128Bitselect)

// V128 fn(const V128&, uint32_t count)
#define WEIR_SIMD_SHIFT_OPS(X) \
  X(I8x16Shl, i8x16Shl) \
  X(I8x16ShrS, i8x16ShrS) \
  X(I8x16ShrU, i8x16ShrU) \
  X(I16x8Shl, i16x8Shl) \
  X(I16x8ShrS, i16x8ShrS) \
  X(I16x8ShrU, i16x8ShrU) \
  X(I32x4Shl, i32x4Shl) \
  X(I32x4ShrS, i32x4ShrS) \
  X(I32x4ShrU, i32x4ShrU) \
  X(I64x2Shl, i64x2Shl) \
  X(I64x2ShrS, i64x2ShrS) \
  X(I64x2ShrU, i64x2ShrU)

// uint32_t fn(const V128&)
#define WEIR_SIMD_TEST_OPS(X) \
  X(V128AnyTrue, v128AnyTrue) \
  X(I8x16AllTrue, i8x16AllTrue) \
  X(I8x16Bitmask, i8x16Bitmask) \
  X(I16x8AllTrue, i16x8AllTrue) \
  X(I16x8Bitmask, i16x8Bitmask) \
  X(I32x4AllTrue, i32x4AllTrue) \
  X(I32x4Bitmask, i32x4Bitmask) \
  X(I64x2AllTrue, i64x2AllTrue) \
  X(I64x2Bitmask, i64x2Bitmask)

// V128 fn(a, b, const uint8_t (&lanes)[16])
#define WEIR_SIMD_SHUFFLE_OPS(X) \
  X(I8x16Shuffle, i8x16Shuffle)

// V128 fn(uint32_t)
#define WEIR_SIMD_SPLAT_I32_OPS(X) \
  X(I8x16Splat, i8x16Splat) \
  X(I16x8Splat, i16x8Splat) \
  X(I32x4Splat, i32x4Splat)

// V128 fn(uint64_t)
#define WEIR_SIMD_SPLAT_I64_OPS(X) \
  X(I64x2Splat, i64x2Splat)

// V128 fn(float)
#define WEIR_SIMD_SPLAT_F32_OPS(X) \
  X(F32x4Splat, f32x4Splat)

// V128 fn(double)
#define WEIR_SIMD_SPLAT_F64_OPS(X) \
  X(F64x2Splat, f64x2Splat)

// uint32_t fn(const V128&, uint32_t lane)
#define WEIR_SIMD_EXTRACT_I32_OPS(X) \
  X(I8x16ExtractLaneS, i8x16ExtractLaneS) \
  X(I8x16ExtractLaneU, i8x16ExtractLaneU) \
  X(I16x8ExtractLaneS, i16x8ExtractLaneS) \
  X(I16x8ExtractLaneU, i16x8ExtractLaneU) \
  X(I32x4ExtractLane, i32x4ExtractLane)

// uint64_t fn(const V128&, uint32_t lane)
#define WEIR_SIMD_EXTRACT_I64_OPS(X) \
  X(I64x2ExtractLane, i64x2ExtractLane)

// float fn(const V128&, uint32_t lane)
#define WEIR_SIMD_EXTRACT_F32_OPS(X) \
  X(F32x4ExtractLane, f32x4ExtractLane)

// double fn(const V128&, uint32_t lane)
#define WEIR_SIMD_EXTRACT_F64_OPS(X) \
  X(F64x2ExtractLane, f64x2ExtractLane)

// V128 fn(V128, uint32_t lane, uint32_t)
#define WEIR_SIMD_REPLACE_I32_OPS(X) \
  X(I8x16ReplaceLane, i8x16ReplaceLane) \
  X(I16x8ReplaceLane, i16x8ReplaceLane) \
  X(I32x4ReplaceLane, i32x4ReplaceLane)

// V128 fn(V128, uint32_t lane, uint64_t)
#define WEIR_SIMD_REPLACE_I64_OPS(X) \
  X(I64x2ReplaceLane, i64x2ReplaceLane)

// V128 fn(V128, uint32_t lane, float)
#define WEIR_SIMD_REPLACE_F32_OPS(X) \
  X(F32x4ReplaceLane, f32x4ReplaceLane)

// V128 fn(V128, uint32_t lane, double)
#define WEIR_SIMD_REPLACE_F64_OPS(X) \
  X(F64x2ReplaceLane, f64x2ReplaceLane)

// V128 fn(const uint8_t*), reads WIDTH bytes
#define WEIR_SIMD_LOAD_OPS(X) \
  X(V128Load, v128Load, 16) \
  X(V128Load8x8S, v128Load8x8S, 8) \
  X(V128Load8x8U, v128Load8x8U, 8) \
  X(V128Load16x4S, v128Load16x4S, 8) \
  X(V128Load16x4U, v128Load16x4U, 8) \
  X(V128Load32x2S, v128Load32x2S, 8) \
  X(V128Load32x2U, v128Load32x2U, 8) \
  X(V128Load8Splat, v128Load8Splat, 1) \
  X(V128Load16Splat, v128Load16Splat, 2) \
  X(V128Load32Splat, v128Load32Splat, 4) \
  X(V128Load64Splat, v128Load64Splat, 8) \
  X(V128Load32Zero, v128Load32Zero, 4) \
  X(V128Load64Zero, v128Load64Zero, 8)

// void fn(uint8_t*, const V128&), writes WIDTH bytes
#define WEIR_SIMD_STORE_OPS(X) \
  X(V128Store, v128Store, 16)

// V128 fn(const uint8_t*, V128, uint32_t lane), reads WIDTH bytes
#define WEIR_SIMD_LOAD_LANE_OPS(X) \
  X(V128Load8Lane, v128Load8Lane, 1) \
  X(V128Load16Lane, v128Load16Lane, 2) \
  X(V128Load32Lane, v128Load32Lane, 4) \
  X(V128Load64Lane, v128Load64Lane, 8)

// void fn(uint8_t*, const V128&, uint32_t lane), writes WIDTH bytes
#define WEIR_SIMD_STORE_LANE_OPS(X) \
  X(V128Store8Lane, v128Store8Lane, 1) \
  X(V128Store16Lane, v128Store16Lane, 2) \
  X(V128Store32Lane, v128Store32Lane, 4) \
  X(V128Store64Lane, v128Store64Lane, 8)

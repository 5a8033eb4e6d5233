// Hand-checked cases for every family of Wasm SIMD instructions. The same file is
// compiled twice: as is (SSE2 fast paths) and from simd_portable_test.cc with
// WEIR_SIMD_PORTABLE (plain lane loops), so both implementations meet the same
// expectations.

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <set>
#include <vector>

#include "wasm/opcodes.h"
#include "wasm/simd/simd_ops.h"

#ifndef WEIR_SIMD_TEST_SUITE
#define WEIR_SIMD_TEST_SUITE SimdSse2
#endif

namespace {

using weir::wasm::V128;
namespace simd = weir::wasm::simd;

template <typename T>
V128 make(std::initializer_list<T> values) {
  simd::Lanes<T> l{};
  size_t i = 0;
  for (T v : values) l[i++] = v;
  return simd::fromLanes(l);
}
template <typename T>
V128 splatOf(T v) {
  simd::Lanes<T> l;
  l.fill(v);
  return simd::fromLanes(l);
}
V128 i8(std::initializer_list<int8_t> v) { return make<int8_t>(v); }
V128 u8(std::initializer_list<uint8_t> v) { return make<uint8_t>(v); }
V128 i16(std::initializer_list<int16_t> v) { return make<int16_t>(v); }
V128 u16(std::initializer_list<uint16_t> v) { return make<uint16_t>(v); }
V128 i32(std::initializer_list<int32_t> v) { return make<int32_t>(v); }
V128 u32(std::initializer_list<uint32_t> v) { return make<uint32_t>(v); }
V128 i64(std::initializer_list<int64_t> v) { return make<int64_t>(v); }
V128 u64(std::initializer_list<uint64_t> v) { return make<uint64_t>(v); }
V128 f32(std::initializer_list<float> v) { return make<float>(v); }
V128 f64(std::initializer_list<double> v) { return make<double>(v); }

template <typename T>
simd::Lanes<T> L(const V128& v) {
  return simd::lanes<T>(v);
}
template <typename T>
simd::Lanes<T> A(std::initializer_list<T> values) {
  return simd::lanes<T>(make<T>(values));
}

float bitsF(uint32_t b) { return std::bit_cast<float>(b); }
double bitsD(uint64_t b) { return std::bit_cast<double>(b); }
uint32_t fbits(float f) { return std::bit_cast<uint32_t>(f); }
uint64_t dbits(double d) { return std::bit_cast<uint64_t>(d); }

bool isCanonicalNan32(uint32_t b) { return (b & 0x7fffffffu) == 0x7fc00000u; }
bool isArithmeticNan32(uint32_t b) { return (b & 0x7fc00000u) == 0x7fc00000u; }
bool isCanonicalNan64(uint64_t b) { return (b & 0x7fffffffffffffffull) == 0x7ff8000000000000ull; }
bool isArithmeticNan64(uint64_t b) { return (b & 0x7ff8000000000000ull) == 0x7ff8000000000000ull; }

const float kInfF = std::numeric_limits<float>::infinity();
const double kInfD = std::numeric_limits<double>::infinity();
const float kSignalingNanF = bitsF(0x7f800001u);
const float kPayloadNanF = bitsF(0xffc12345u);  // quiet, negative, non-canonical payload
const double kSignalingNanD = bitsD(0x7ff0000000000001ull);

// ---- coverage -------------------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, TablesCoverEverySimdOpcodeExactlyOnce) {
  std::vector<uint32_t> from_tables;
#define COLLECT(Op, fn, ...) from_tables.push_back(static_cast<uint32_t>(weir::wasm::SimdOpcode::k##Op));
  WEIR_SIMD_UNARY_OPS(COLLECT)
  WEIR_SIMD_BINARY_OPS(COLLECT)
  WEIR_SIMD_TERNARY_OPS(COLLECT)
  WEIR_SIMD_SHIFT_OPS(COLLECT)
  WEIR_SIMD_TEST_OPS(COLLECT)
  WEIR_SIMD_SHUFFLE_OPS(COLLECT)
  WEIR_SIMD_SPLAT_I32_OPS(COLLECT)
  WEIR_SIMD_SPLAT_I64_OPS(COLLECT)
  WEIR_SIMD_SPLAT_F32_OPS(COLLECT)
  WEIR_SIMD_SPLAT_F64_OPS(COLLECT)
  WEIR_SIMD_EXTRACT_I32_OPS(COLLECT)
  WEIR_SIMD_EXTRACT_I64_OPS(COLLECT)
  WEIR_SIMD_EXTRACT_F32_OPS(COLLECT)
  WEIR_SIMD_EXTRACT_F64_OPS(COLLECT)
  WEIR_SIMD_REPLACE_I32_OPS(COLLECT)
  WEIR_SIMD_REPLACE_I64_OPS(COLLECT)
  WEIR_SIMD_REPLACE_F32_OPS(COLLECT)
  WEIR_SIMD_REPLACE_F64_OPS(COLLECT)
  WEIR_SIMD_LOAD_OPS(COLLECT)
  WEIR_SIMD_STORE_OPS(COLLECT)
  WEIR_SIMD_LOAD_LANE_OPS(COLLECT)
  WEIR_SIMD_STORE_LANE_OPS(COLLECT)
#undef COLLECT
  std::set<uint32_t> unique(from_tables.begin(), from_tables.end());
  EXPECT_EQ(unique.size(), from_tables.size()) << "an opcode is listed twice";

  std::set<uint32_t> all;
#define ALL(Op, code, text) all.insert(code);
  WEIR_WASM_SIMD_OPCODES(ALL)
#undef ALL
  all.erase(static_cast<uint32_t>(weir::wasm::SimdOpcode::kV128Const));
  EXPECT_EQ(all.size(), 235u);
  EXPECT_EQ(unique, all);
}

// ---- splat, lanes, shuffle ------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, SplatTruncatesToLaneWidth) {
  EXPECT_EQ(L<uint8_t>(simd::i8x16Splat(0x1ff)), L<uint8_t>(splatOf<uint8_t>(0xff)));
  EXPECT_EQ(L<uint16_t>(simd::i16x8Splat(0x12345)), L<uint16_t>(splatOf<uint16_t>(0x2345)));
  EXPECT_EQ(L<uint32_t>(simd::i32x4Splat(7)), A<uint32_t>({7, 7, 7, 7}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2Splat(0x8000000000000001ull)), A<uint64_t>({0x8000000000000001ull, 0x8000000000000001ull}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Splat(kSignalingNanF)), A<uint32_t>({0x7f800001u, 0x7f800001u, 0x7f800001u, 0x7f800001u}));
  EXPECT_EQ(L<double>(simd::f64x2Splat(-0.5)), A<double>({-0.5, -0.5}));
}

TEST(WEIR_SIMD_TEST_SUITE, ExtractLaneSignOrZeroExtends) {
  V128 v = i8({0, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, -128});
  EXPECT_EQ(simd::i8x16ExtractLaneS(v, 1), 0xffffffffu);
  EXPECT_EQ(simd::i8x16ExtractLaneU(v, 1), 0xffu);
  EXPECT_EQ(simd::i8x16ExtractLaneS(v, 15), 0xffffff80u);
  EXPECT_EQ(simd::i8x16ExtractLaneU(v, 2), 2u);
  V128 w = i16({1, -2, 3, 4, 5, 6, 7, -32768});
  EXPECT_EQ(simd::i16x8ExtractLaneS(w, 1), 0xfffffffeu);
  EXPECT_EQ(simd::i16x8ExtractLaneU(w, 1), 0xfffeu);
  EXPECT_EQ(simd::i16x8ExtractLaneS(w, 7), 0xffff8000u);
  EXPECT_EQ(simd::i32x4ExtractLane(i32({1, 2, -3, 4}), 2), 0xfffffffdu);
  EXPECT_EQ(simd::i64x2ExtractLane(i64({1, -2}), 1), 0xfffffffffffffffeull);
  EXPECT_EQ(fbits(simd::f32x4ExtractLane(u32({0, 0, 0x7fa00001u, 0}), 2)), 0x7fa00001u);
  EXPECT_EQ(simd::f64x2ExtractLane(f64({1.5, -2.25}), 1), -2.25);
}

TEST(WEIR_SIMD_TEST_SUITE, ReplaceLaneChangesOnlyThatLane) {
  V128 v = splatOf<uint8_t>(0xaa);
  EXPECT_EQ(L<uint8_t>(simd::i8x16ReplaceLane(v, 3, 0x1234)),
            A<uint8_t>({0xaa, 0xaa, 0xaa, 0x34, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8ReplaceLane(v, 7, 0xbeef)),
            A<uint16_t>({0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0xaaaa, 0xbeef}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4ReplaceLane(v, 0, 1)), A<uint32_t>({1, 0xaaaaaaaau, 0xaaaaaaaau, 0xaaaaaaaau}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2ReplaceLane(v, 1, 5)), A<uint64_t>({0xaaaaaaaaaaaaaaaaull, 5}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4ReplaceLane(v, 1, kSignalingNanF)),
            A<uint32_t>({0xaaaaaaaau, 0x7f800001u, 0xaaaaaaaau, 0xaaaaaaaau}));
  EXPECT_EQ(L<double>(simd::f64x2ReplaceLane(f64({1, 2}), 0, -0.0))[0], 0.0);
  EXPECT_TRUE(std::signbit(L<double>(simd::f64x2ReplaceLane(f64({1, 2}), 0, -0.0))[0]));
}

TEST(WEIR_SIMD_TEST_SUITE, ShuffleIndexesTheConcatenationOfBothOperands) {
  V128 a = u8({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  V128 b = u8({16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31});
  const uint8_t idx[16] = {31, 0, 16, 15, 1, 1, 30, 2, 3, 17, 5, 5, 5, 5, 0, 31};
  EXPECT_EQ(L<uint8_t>(simd::i8x16Shuffle(a, b, idx)),
            A<uint8_t>({31, 0, 16, 15, 1, 1, 30, 2, 3, 17, 5, 5, 5, 5, 0, 31}));
}

TEST(WEIR_SIMD_TEST_SUITE, SwizzleGivesZeroForOutOfRangeSelectors) {
  V128 a = u8({100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115});
  V128 s = u8({15, 0, 16, 255, 128, 1, 17, 14, 2, 3, 0x80, 4, 5, 6, 7, 32});
  EXPECT_EQ(L<uint8_t>(simd::i8x16Swizzle(a, s)),
            A<uint8_t>({115, 100, 0, 0, 0, 101, 0, 114, 102, 103, 0, 104, 105, 106, 107, 0}));
}

// ---- comparisons ------------------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, IntegerComparesDistinguishSignedFromUnsigned) {
  V128 a = i8({-1, 0, 127, -128, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  V128 b = i8({1, 0, -128, 127, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  const uint8_t T = 0xff;
  EXPECT_EQ(L<uint8_t>(simd::i8x16LtS(a, b)), A<uint8_t>({T, 0, 0, T, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16LtU(a, b)), A<uint8_t>({0, 0, T, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16GtS(a, b)), A<uint8_t>({0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16GtU(a, b)), A<uint8_t>({T, 0, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16LeS(a, b)), A<uint8_t>({T, T, 0, T, T, T, T, T, T, T, T, T, T, T, T, T}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16LeU(a, b)), A<uint8_t>({0, T, T, 0, T, T, T, T, T, T, T, T, T, T, T, T}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16GeS(a, b)), A<uint8_t>({0, T, T, 0, T, 0, T, T, T, T, T, T, T, T, T, T}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16GeU(a, b)), A<uint8_t>({T, T, 0, T, T, 0, T, T, T, T, T, T, T, T, T, T}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16Eq(a, b)), A<uint8_t>({0, T, 0, 0, T, 0, T, T, T, T, T, T, T, T, T, T}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16Ne(a, b)), A<uint8_t>({T, 0, T, T, 0, T, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));

  V128 c = i16({-1, 0, 32767, -32768, 0, 0, 0, 0});
  V128 d = i16({1, 0, -32768, 32767, 0, 0, 0, 0});
  const uint16_t H = 0xffff;
  EXPECT_EQ(L<uint16_t>(simd::i16x8LtS(c, d)), A<uint16_t>({H, 0, 0, H, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8LtU(c, d)), A<uint16_t>({0, 0, H, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8GeU(c, d)), A<uint16_t>({H, H, 0, H, H, H, H, H}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8GtS(c, d)), A<uint16_t>({0, 0, H, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8GtU(c, d)), A<uint16_t>({H, 0, 0, H, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8LeS(c, d)), A<uint16_t>({H, H, 0, H, H, H, H, H}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8LeU(c, d)), A<uint16_t>({0, H, H, 0, H, H, H, H}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8GeS(c, d)), A<uint16_t>({0, H, H, 0, H, H, H, H}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8Eq(c, d)), A<uint16_t>({0, H, 0, 0, H, H, H, H}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8Ne(c, d)), A<uint16_t>({H, 0, H, H, 0, 0, 0, 0}));

  V128 e = i32({-1, 0, INT32_MAX, INT32_MIN});
  V128 f = i32({1, 0, INT32_MIN, INT32_MAX});
  const uint32_t W = 0xffffffffu;
  EXPECT_EQ(L<uint32_t>(simd::i32x4LtS(e, f)), A<uint32_t>({W, 0, 0, W}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4LtU(e, f)), A<uint32_t>({0, 0, W, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4GtS(e, f)), A<uint32_t>({0, 0, W, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4GtU(e, f)), A<uint32_t>({W, 0, 0, W}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4LeS(e, f)), A<uint32_t>({W, W, 0, W}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4LeU(e, f)), A<uint32_t>({0, W, W, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4GeS(e, f)), A<uint32_t>({0, W, W, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4GeU(e, f)), A<uint32_t>({W, W, 0, W}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4Eq(e, f)), A<uint32_t>({0, W, 0, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4Ne(e, f)), A<uint32_t>({W, 0, W, W}));

  V128 g = i64({-1, INT64_MIN});
  V128 h = i64({1, INT64_MIN});
  const uint64_t D = ~0ull;
  EXPECT_EQ(L<uint64_t>(simd::i64x2Eq(g, h)), A<uint64_t>({0, D}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2Ne(g, h)), A<uint64_t>({D, 0}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2LtS(g, h)), A<uint64_t>({D, 0}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2GtS(g, h)), A<uint64_t>({0, 0}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2LeS(g, h)), A<uint64_t>({D, D}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2GeS(g, h)), A<uint64_t>({0, D}));
}

TEST(WEIR_SIMD_TEST_SUITE, FloatComparesAreFalseForNanExceptNe) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  V128 a = f32({nan, -0.0f, 1.0f, -kInfF});
  V128 b = f32({nan, 0.0f, 2.0f, -kInfF});
  const uint32_t W = 0xffffffffu;
  EXPECT_EQ(L<uint32_t>(simd::f32x4Eq(a, b)), A<uint32_t>({0, W, 0, W}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Ne(a, b)), A<uint32_t>({W, 0, W, 0}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Lt(a, b)), A<uint32_t>({0, 0, W, 0}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Gt(a, b)), A<uint32_t>({0, 0, 0, 0}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Le(a, b)), A<uint32_t>({0, W, W, W}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Ge(a, b)), A<uint32_t>({0, W, 0, W}));
  const uint64_t D = ~0ull;
  V128 c = f64({std::numeric_limits<double>::quiet_NaN(), 3.0});
  V128 d = f64({1.0, 2.0});
  EXPECT_EQ(L<uint64_t>(simd::f64x2Eq(c, d)), A<uint64_t>({0, 0}));
  EXPECT_EQ(L<uint64_t>(simd::f64x2Ne(c, d)), A<uint64_t>({D, D}));
  EXPECT_EQ(L<uint64_t>(simd::f64x2Lt(c, d)), A<uint64_t>({0, 0}));
  EXPECT_EQ(L<uint64_t>(simd::f64x2Gt(c, d)), A<uint64_t>({0, D}));
  EXPECT_EQ(L<uint64_t>(simd::f64x2Le(c, d)), A<uint64_t>({0, 0}));
  EXPECT_EQ(L<uint64_t>(simd::f64x2Ge(c, d)), A<uint64_t>({0, D}));
}

// ---- bitwise and lane tests -------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, BitwiseOpsAndAndnotComplementsTheSecondOperand) {
  V128 a = u64({0xff00ff00ff00ff00ull, 0x0123456789abcdefull});
  V128 b = u64({0x0ff00ff00ff00ff0ull, 0xffffffff00000000ull});
  EXPECT_EQ(L<uint64_t>(simd::v128Not(a)), A<uint64_t>({0x00ff00ff00ff00ffull, 0xfedcba9876543210ull}));
  EXPECT_EQ(L<uint64_t>(simd::v128And(a, b)), A<uint64_t>({0x0f000f000f000f00ull, 0x0123456700000000ull}));
  EXPECT_EQ(L<uint64_t>(simd::v128Andnot(a, b)), A<uint64_t>({0xf000f000f000f000ull, 0x0000000089abcdefull}));
  EXPECT_EQ(L<uint64_t>(simd::v128Or(a, b)), A<uint64_t>({0xfff0fff0fff0fff0ull, 0xffffffff89abcdefull}));
  EXPECT_EQ(L<uint64_t>(simd::v128Xor(a, b)), A<uint64_t>({0xf0f0f0f0f0f0f0f0ull, 0xfedcba9889abcdefull}));
}

TEST(WEIR_SIMD_TEST_SUITE, BitselectTakesFirstOperandWhereMaskIsSet) {
  V128 a = u64({0xaaaaaaaaaaaaaaaaull, 0x1111111111111111ull});
  V128 b = u64({0x5555555555555555ull, 0x2222222222222222ull});
  V128 m = u64({0xffffffff00000000ull, 0x0f0f0f0f0f0f0f0full});
  EXPECT_EQ(L<uint64_t>(simd::v128Bitselect(a, b, m)), A<uint64_t>({0xaaaaaaaa55555555ull, 0x2121212121212121ull}));
}

TEST(WEIR_SIMD_TEST_SUITE, AnyTrueAllTrueAndBitmask) {
  EXPECT_EQ(simd::v128AnyTrue(V128{}), 0u);
  EXPECT_EQ(simd::v128AnyTrue(u64({0, 1ull << 63})), 1u);
  V128 one_zero_byte = u8({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0});
  EXPECT_EQ(simd::i8x16AllTrue(one_zero_byte), 0u);
  EXPECT_EQ(simd::i8x16AllTrue(splatOf<uint8_t>(0x80)), 1u);
  // 0x0100 is a non-zero i16 lane made of a zero byte and a non-zero byte.
  EXPECT_EQ(simd::i16x8AllTrue(splatOf<uint16_t>(0x0100)), 1u);
  EXPECT_EQ(simd::i16x8AllTrue(u16({1, 1, 1, 0, 1, 1, 1, 1})), 0u);
  EXPECT_EQ(simd::i32x4AllTrue(splatOf<uint32_t>(0x00010000u)), 1u);
  EXPECT_EQ(simd::i32x4AllTrue(u32({1, 1, 0, 1})), 0u);
  EXPECT_EQ(simd::i64x2AllTrue(u64({1ull << 40, 1})), 1u);
  EXPECT_EQ(simd::i64x2AllTrue(u64({1ull << 40, 0})), 0u);

  EXPECT_EQ(simd::i8x16Bitmask(i8({-1, 0, -128, 127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -2})), 0x8005u);
  EXPECT_EQ(simd::i16x8Bitmask(i16({-1, 1, 0x7fff, -32768, 0, 0, 0, -1})), 0x89u);
  EXPECT_EQ(simd::i32x4Bitmask(i32({0, -1, 5, INT32_MIN})), 0xau);
  EXPECT_EQ(simd::i64x2Bitmask(i64({-1, 1})), 0x1u);
}

// ---- shifts -------------------------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, ShiftCountIsTakenModuloLaneWidth) {
  V128 a = i8({1, -128, 64, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(L<int8_t>(simd::i8x16Shl(a, 9)), L<int8_t>(simd::i8x16Shl(a, 1)));
  EXPECT_EQ(L<int8_t>(simd::i8x16Shl(a, 1)), A<int8_t>({2, 0, -128, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16ShrS(a, 8 + 7)), A<int8_t>({0, -1, 0, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16ShrU(a, 7)), A<uint8_t>({0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16ShrU(a, 8)), L<int8_t>(a));

  V128 b = i16({1, -32768, -2, 0x4000, 0, 0, 0, 0});
  EXPECT_EQ(L<int16_t>(simd::i16x8Shl(b, 17)), A<int16_t>({2, 0, -4, -32768, 0, 0, 0, 0}));
  EXPECT_EQ(L<int16_t>(simd::i16x8ShrS(b, 15)), A<int16_t>({0, -1, -1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<int16_t>(simd::i16x8ShrS(b, 16)), L<int16_t>(b));
  EXPECT_EQ(L<uint16_t>(simd::i16x8ShrU(b, 31)), A<uint16_t>({0, 1, 1, 0, 0, 0, 0, 0}));

  V128 c = i32({1, INT32_MIN, -16, 3});
  EXPECT_EQ(L<int32_t>(simd::i32x4Shl(c, 32)), L<int32_t>(c));
  EXPECT_EQ(L<int32_t>(simd::i32x4Shl(c, 33)), A<int32_t>({2, 0, -32, 6}));
  EXPECT_EQ(L<int32_t>(simd::i32x4ShrS(c, 2)), A<int32_t>({0, -(1 << 29), -4, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4ShrU(c, 0xffffffffu)), A<uint32_t>({0, 1, 1, 0}));

  V128 d = i64({INT64_MIN, 5});
  EXPECT_EQ(L<int64_t>(simd::i64x2Shl(d, 64 + 1)), A<int64_t>({0, 10}));
  EXPECT_EQ(L<int64_t>(simd::i64x2ShrS(d, 63)), A<int64_t>({-1, 0}));
  EXPECT_EQ(L<int64_t>(simd::i64x2ShrS(d, 64)), L<int64_t>(d));
  EXPECT_EQ(L<uint64_t>(simd::i64x2ShrU(d, 127)), A<uint64_t>({1, 0}));
}

// ---- add / sub / mul ----------------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, AddAndSubWrapAround) {
  EXPECT_EQ(L<int8_t>(simd::i8x16Add(splatOf<int8_t>(127), splatOf<int8_t>(1))), L<int8_t>(splatOf<int8_t>(-128)));
  EXPECT_EQ(L<int8_t>(simd::i8x16Sub(splatOf<int8_t>(-128), splatOf<int8_t>(1))), L<int8_t>(splatOf<int8_t>(127)));
  EXPECT_EQ(L<int16_t>(simd::i16x8Add(splatOf<int16_t>(32767), splatOf<int16_t>(2))), L<int16_t>(splatOf<int16_t>(-32767)));
  EXPECT_EQ(L<int16_t>(simd::i16x8Sub(splatOf<int16_t>(0), splatOf<int16_t>(-32768))), L<int16_t>(splatOf<int16_t>(-32768)));
  EXPECT_EQ(L<int32_t>(simd::i32x4Add(i32({INT32_MAX, 1, -1, 0}), i32({1, 2, -1, 0}))), A<int32_t>({INT32_MIN, 3, -2, 0}));
  EXPECT_EQ(L<int32_t>(simd::i32x4Sub(i32({INT32_MIN, 1, -1, 0}), i32({1, 2, -1, 0}))), A<int32_t>({INT32_MAX, -1, 0, 0}));
  EXPECT_EQ(L<int64_t>(simd::i64x2Add(i64({INT64_MAX, 1}), i64({1, 2}))), A<int64_t>({INT64_MIN, 3}));
  EXPECT_EQ(L<int64_t>(simd::i64x2Sub(i64({INT64_MIN, 1}), i64({1, 2}))), A<int64_t>({INT64_MAX, -1}));
}

TEST(WEIR_SIMD_TEST_SUITE, SaturatingAddAndSubClampAtTheLaneBounds) {
  V128 a = i8({127, -128, 100, -100, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  V128 b = i8({1, -1, 100, -100, -2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(L<int8_t>(simd::i8x16AddSatS(a, b)), A<int8_t>({127, -128, 127, -128, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16SubSatS(a, b)), A<int8_t>({126, -127, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16SubSatS(i8({-128}), i8({1}))), A<int8_t>({-128}));
  V128 c = u8({255, 0, 200, 10});
  V128 d = u8({1, 1, 100, 20});
  EXPECT_EQ(L<uint8_t>(simd::i8x16AddSatU(c, d)), A<uint8_t>({255, 1, 255, 30}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16SubSatU(c, d)), A<uint8_t>({254, 0, 100, 0}));
  V128 e = i16({32767, -32768, 30000, -30000, 5});
  V128 f = i16({1, -1, 30000, 30000, -6});
  EXPECT_EQ(L<int16_t>(simd::i16x8AddSatS(e, f)), A<int16_t>({32767, -32768, 32767, 0, -1}));
  EXPECT_EQ(L<int16_t>(simd::i16x8SubSatS(e, f)), A<int16_t>({32766, -32767, 0, -32768, 11}));
  V128 g = u16({65535, 0, 40000, 10});
  V128 h = u16({1, 1, 40000, 20});
  EXPECT_EQ(L<uint16_t>(simd::i16x8AddSatU(g, h)), A<uint16_t>({65535, 1, 65535, 30}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8SubSatU(g, h)), A<uint16_t>({65534, 0, 0, 0}));
}

TEST(WEIR_SIMD_TEST_SUITE, MultiplyKeepsTheLowBits) {
  EXPECT_EQ(L<int16_t>(simd::i16x8Mul(i16({-32768, 300, -1, 2}), i16({-1, 300, -1, -3}))),
            A<int16_t>({-32768, static_cast<int16_t>(90000 - 65536), 1, -6}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8Mul(splatOf<uint16_t>(0xffff), splatOf<uint16_t>(0xffff))), L<uint16_t>(splatOf<uint16_t>(1)));
  EXPECT_EQ(L<int32_t>(simd::i32x4Mul(i32({INT32_MIN, 65536, -7, 3}), i32({-1, 65536, 3, 5}))), A<int32_t>({INT32_MIN, 0, -21, 15}));
  EXPECT_EQ(L<int64_t>(simd::i64x2Mul(i64({INT64_MIN, 1ll << 32}), i64({-1, 1ll << 32}))), A<int64_t>({INT64_MIN, 0}));
  EXPECT_EQ(L<int64_t>(simd::i64x2Mul(i64({-3, 0x123456789ll}), i64({7, 16}))), A<int64_t>({-21, 0x1234567890ll}));
}

TEST(WEIR_SIMD_TEST_SUITE, MinMaxRespectSignedness) {
  V128 a = i8({-1, 127, -128, 0});
  V128 b = i8({1, -128, 127, 0});
  EXPECT_EQ(L<int8_t>(simd::i8x16MinS(a, b)), A<int8_t>({-1, -128, -128, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16MaxS(a, b)), A<int8_t>({1, 127, 127, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16MinU(a, b)), A<int8_t>({1, 127, 127, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16MaxU(a, b)), A<int8_t>({-1, -128, -128, 0}));
  V128 c = i16({-1, 32767, -32768, 0});
  V128 d = i16({1, -32768, 32767, 0});
  EXPECT_EQ(L<int16_t>(simd::i16x8MinS(c, d)), A<int16_t>({-1, -32768, -32768, 0}));
  EXPECT_EQ(L<int16_t>(simd::i16x8MaxS(c, d)), A<int16_t>({1, 32767, 32767, 0}));
  EXPECT_EQ(L<int16_t>(simd::i16x8MinU(c, d)), A<int16_t>({1, 32767, 32767, 0}));
  EXPECT_EQ(L<int16_t>(simd::i16x8MaxU(c, d)), A<int16_t>({-1, -32768, -32768, 0}));
  V128 e = i32({-1, INT32_MAX, INT32_MIN, 0});
  V128 f = i32({1, INT32_MIN, INT32_MAX, 0});
  EXPECT_EQ(L<int32_t>(simd::i32x4MinS(e, f)), A<int32_t>({-1, INT32_MIN, INT32_MIN, 0}));
  EXPECT_EQ(L<int32_t>(simd::i32x4MaxS(e, f)), A<int32_t>({1, INT32_MAX, INT32_MAX, 0}));
  EXPECT_EQ(L<int32_t>(simd::i32x4MinU(e, f)), A<int32_t>({1, INT32_MAX, INT32_MAX, 0}));
  EXPECT_EQ(L<int32_t>(simd::i32x4MaxU(e, f)), A<int32_t>({-1, INT32_MIN, INT32_MIN, 0}));
}

TEST(WEIR_SIMD_TEST_SUITE, AvgrRoundsHalfUpWithoutOverflow) {
  EXPECT_EQ(L<uint8_t>(simd::i8x16AvgrU(u8({255, 0, 1, 2}), u8({255, 1, 2, 2}))), A<uint8_t>({255, 1, 2, 2}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8AvgrU(u16({65535, 0, 1, 65534}), u16({65535, 1, 2, 65535}))),
            A<uint16_t>({65535, 1, 2, 65535}));
}

TEST(WEIR_SIMD_TEST_SUITE, AbsAndNegOfTheMinimumWrap) {
  EXPECT_EQ(L<int8_t>(simd::i8x16Abs(i8({-128, -1, 5, 0}))), A<int8_t>({-128, 1, 5, 0}));
  EXPECT_EQ(L<int8_t>(simd::i8x16Neg(i8({-128, -1, 5, 0}))), A<int8_t>({-128, 1, -5, 0}));
  EXPECT_EQ(L<int16_t>(simd::i16x8Abs(i16({-32768, -1, 5}))), A<int16_t>({-32768, 1, 5}));
  EXPECT_EQ(L<int16_t>(simd::i16x8Neg(i16({-32768, -1, 5}))), A<int16_t>({-32768, 1, -5}));
  EXPECT_EQ(L<int32_t>(simd::i32x4Abs(i32({INT32_MIN, -1, 5, 0}))), A<int32_t>({INT32_MIN, 1, 5, 0}));
  EXPECT_EQ(L<int32_t>(simd::i32x4Neg(i32({INT32_MIN, -1, 5, 0}))), A<int32_t>({INT32_MIN, 1, -5, 0}));
  EXPECT_EQ(L<int64_t>(simd::i64x2Abs(i64({INT64_MIN, -7}))), A<int64_t>({INT64_MIN, 7}));
  EXPECT_EQ(L<int64_t>(simd::i64x2Neg(i64({INT64_MIN, -7}))), A<int64_t>({INT64_MIN, 7}));
}

TEST(WEIR_SIMD_TEST_SUITE, PopcntCountsBitsPerByte) {
  EXPECT_EQ(L<uint8_t>(simd::i8x16Popcnt(u8({0, 1, 3, 0x80, 0xff, 0x55, 0xf0, 7}))),
            A<uint8_t>({0, 1, 2, 1, 8, 4, 4, 3}));
}

// ---- widening, narrowing, special multiplies ---------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, Q15MulrRoundsAndSaturatesOnlyMinusOneSquared) {
  V128 a = i16({-32768, 16384, 1, -1, 32767, -32768, 3, 0});
  V128 b = i16({-32768, 16384, 16384, 16384, 32767, 32767, -16384, 5});
  // 1*16384 = 0.5 ulp rounds up to 1; -1*16384 = -0.5 ulp rounds up to 0.
  EXPECT_EQ(L<int16_t>(simd::i16x8Q15mulrSatS(a, b)), A<int16_t>({32767, 8192, 1, 0, 32766, -32767, -1, 0}));
}

TEST(WEIR_SIMD_TEST_SUITE, ExtendWidensLowOrHighHalf) {
  V128 a = i8({-1, 2, -3, 4, -5, 6, -7, 8, -128, 127, 0, 1, 2, 3, 4, -2});
  EXPECT_EQ(L<int16_t>(simd::i16x8ExtendLowI8x16S(a)), A<int16_t>({-1, 2, -3, 4, -5, 6, -7, 8}));
  EXPECT_EQ(L<int16_t>(simd::i16x8ExtendHighI8x16S(a)), A<int16_t>({-128, 127, 0, 1, 2, 3, 4, -2}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8ExtendLowI8x16U(a)), A<uint16_t>({255, 2, 253, 4, 251, 6, 249, 8}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8ExtendHighI8x16U(a)), A<uint16_t>({128, 127, 0, 1, 2, 3, 4, 254}));
  V128 b = i16({-1, 2, -3, 4, -32768, 32767, 0, -2});
  EXPECT_EQ(L<int32_t>(simd::i32x4ExtendLowI16x8S(b)), A<int32_t>({-1, 2, -3, 4}));
  EXPECT_EQ(L<int32_t>(simd::i32x4ExtendHighI16x8S(b)), A<int32_t>({-32768, 32767, 0, -2}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4ExtendLowI16x8U(b)), A<uint32_t>({65535, 2, 65533, 4}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4ExtendHighI16x8U(b)), A<uint32_t>({32768, 32767, 0, 65534}));
  V128 c = i32({-1, 2, INT32_MIN, INT32_MAX});
  EXPECT_EQ(L<int64_t>(simd::i64x2ExtendLowI32x4S(c)), A<int64_t>({-1, 2}));
  EXPECT_EQ(L<int64_t>(simd::i64x2ExtendHighI32x4S(c)), A<int64_t>({INT32_MIN, INT32_MAX}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2ExtendLowI32x4U(c)), A<uint64_t>({0xffffffffull, 2}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2ExtendHighI32x4U(c)), A<uint64_t>({0x80000000ull, 0x7fffffffull}));
}

TEST(WEIR_SIMD_TEST_SUITE, ExtmulProducesFullWidthProducts) {
  V128 a = i8({-128, 127, -1, 2, 0, 0, 0, 0, -128, 3, 0, 0, 0, 0, 0, 0});
  V128 b = i8({-128, 127, -1, -3, 0, 0, 0, 0, 127, -3, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(L<int16_t>(simd::i16x8ExtmulLowI8x16S(a, b)), A<int16_t>({16384, 16129, 1, -6, 0, 0, 0, 0}));
  EXPECT_EQ(L<int16_t>(simd::i16x8ExtmulHighI8x16S(a, b)), A<int16_t>({-16256, -9, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8ExtmulLowI8x16U(a, b)), A<uint16_t>({16384, 16129, 65025, 2 * 253, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8ExtmulHighI8x16U(a, b)), A<uint16_t>({128 * 127, 3 * 253, 0, 0, 0, 0, 0, 0}));
  V128 c = i16({-32768, 32767, -1, 2, -32768, 5, 0, 0});
  V128 d = i16({-32768, 32767, -1, -3, 32767, -5, 0, 0});
  EXPECT_EQ(L<int32_t>(simd::i32x4ExtmulLowI16x8S(c, d)), A<int32_t>({1 << 30, 32767 * 32767, 1, -6}));
  EXPECT_EQ(L<int32_t>(simd::i32x4ExtmulHighI16x8S(c, d)), A<int32_t>({-32768 * 32767, -25, 0, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4ExtmulLowI16x8U(c, d)), A<uint32_t>({1u << 30, 32767u * 32767u, 65535u * 65535u, 2u * 65533u}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4ExtmulHighI16x8U(c, d)), A<uint32_t>({32768u * 32767u, 5u * 65531u, 0, 0}));
  V128 e = i32({INT32_MIN, -1, INT32_MAX, 3});
  V128 f = i32({INT32_MIN, -1, INT32_MIN, -3});
  EXPECT_EQ(L<int64_t>(simd::i64x2ExtmulLowI32x4S(e, f)), A<int64_t>({1ll << 62, 1}));
  EXPECT_EQ(L<int64_t>(simd::i64x2ExtmulHighI32x4S(e, f)), A<int64_t>({-(1ll << 31) * INT32_MAX, -9}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2ExtmulLowI32x4U(e, f)), A<uint64_t>({1ull << 62, 0xfffffffe00000001ull}));
  EXPECT_EQ(L<uint64_t>(simd::i64x2ExtmulHighI32x4U(e, f)), A<uint64_t>({0x7fffffffull << 31, 3ull * 0xfffffffdull}));
}

TEST(WEIR_SIMD_TEST_SUITE, ExtaddPairwiseSumsNeighbours) {
  V128 a = i8({-128, -128, 127, 127, -1, 1, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(L<int16_t>(simd::i16x8ExtaddPairwiseI8x16S(a)), A<int16_t>({-256, 254, 0, 11, 0, 0, 0, 0}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8ExtaddPairwiseI8x16U(a)), A<uint16_t>({256, 254, 256, 11, 0, 0, 0, 0}));
  V128 b = i16({-32768, -32768, 32767, 32767, -1, 1, 0, 0});
  EXPECT_EQ(L<int32_t>(simd::i32x4ExtaddPairwiseI16x8S(b)), A<int32_t>({-65536, 65534, 0, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4ExtaddPairwiseI16x8U(b)), A<uint32_t>({65536, 65534, 65536, 0}));
}

TEST(WEIR_SIMD_TEST_SUITE, DotProductWrapsTheOneOverflowingSum) {
  V128 a = i16({-32768, -32768, 1, 2, 3, -4, 32767, 32767});
  V128 b = i16({-32768, -32768, 5, 6, 7, 8, 32767, 32767});
  EXPECT_EQ(L<int32_t>(simd::i32x4DotI16x8S(a, b)), A<int32_t>({INT32_MIN, 17, 21 - 32, 2 * 32767 * 32767}));
}

TEST(WEIR_SIMD_TEST_SUITE, NarrowSaturatesSignedInputs) {
  V128 a = i16({-129, -128, 127, 128, 255, 256, -1, 0});
  V128 b = i16({32767, -32768, 1, 2, 3, 4, 5, 6});
  EXPECT_EQ(L<int8_t>(simd::i8x16NarrowI16x8S(a, b)),
            A<int8_t>({-128, -128, 127, 127, 127, 127, -1, 0, 127, -128, 1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(L<uint8_t>(simd::i8x16NarrowI16x8U(a, b)),
            A<uint8_t>({0, 0, 127, 128, 255, 255, 0, 0, 255, 0, 1, 2, 3, 4, 5, 6}));
  V128 c = i32({-32769, 32768, 65535, -1});
  V128 d = i32({INT32_MAX, INT32_MIN, 65536, 40000});
  EXPECT_EQ(L<int16_t>(simd::i16x8NarrowI32x4S(c, d)), A<int16_t>({-32768, 32767, 32767, -1, 32767, -32768, 32767, 32767}));
  EXPECT_EQ(L<uint16_t>(simd::i16x8NarrowI32x4U(c, d)), A<uint16_t>({0, 32768, 65535, 0, 65535, 0, 65535, 40000}));
}

// ---- float arithmetic ------------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, FloatArithmeticIsIeeeRoundToNearest) {
  EXPECT_EQ(L<float>(simd::f32x4Add(f32({1.0f, 0.1f, -0.0f, 3e38f}), f32({2.0f, 0.2f, 0.0f, 3e38f}))),
            A<float>({3.0f, 0.1f + 0.2f, 0.0f, kInfF}));
  EXPECT_EQ(L<float>(simd::f32x4Sub(f32({1.0f, kInfF, 0.0f, 3.0f}), f32({2.0f, 1.0f, 0.0f, 0.5f}))),
            A<float>({-1.0f, kInfF, 0.0f, 2.5f}));
  EXPECT_EQ(L<float>(simd::f32x4Mul(f32({1.5f, -2.0f, 1e-45f, 3.0f}), f32({2.0f, 0.5f, 0.5f, -0.0f}))),
            A<float>({3.0f, -1.0f, 0.0f, -0.0f}));
  EXPECT_TRUE(std::signbit(L<float>(simd::f32x4Mul(f32({3.0f}), f32({-0.0f})))[0]));
  EXPECT_EQ(L<float>(simd::f32x4Div(f32({1.0f, -1.0f, 1.0f, 6.0f}), f32({0.0f, 0.0f, 3.0f, 3.0f}))),
            A<float>({kInfF, -kInfF, 1.0f / 3.0f, 2.0f}));
  EXPECT_EQ(L<float>(simd::f32x4Sqrt(f32({4.0f, 2.0f, kInfF, -0.0f}))), A<float>({2.0f, std::sqrt(2.0f), kInfF, -0.0f}));
  EXPECT_TRUE(std::signbit(L<float>(simd::f32x4Sqrt(f32({-0.0f})))[0]));
  EXPECT_EQ(L<double>(simd::f64x2Add(f64({0.1, 1e308}), f64({0.2, 1e308}))), A<double>({0.1 + 0.2, kInfD}));
  EXPECT_EQ(L<double>(simd::f64x2Sub(f64({0.3, -kInfD}), f64({0.1, 1.0}))), A<double>({0.3 - 0.1, -kInfD}));
  EXPECT_EQ(L<double>(simd::f64x2Mul(f64({1.1, 4.9e-324}), f64({1.1, 0.5}))), A<double>({1.1 * 1.1, 0.0}));
  EXPECT_EQ(L<double>(simd::f64x2Div(f64({1.0, -2.0}), f64({3.0, 0.0}))), A<double>({1.0 / 3.0, -kInfD}));
  EXPECT_EQ(L<double>(simd::f64x2Sqrt(f64({2.0, 0.0}))), A<double>({std::sqrt(2.0), 0.0}));
}

TEST(WEIR_SIMD_TEST_SUITE, InvalidOperationsGiveCanonicalNan) {
  auto r = L<uint32_t>(simd::f32x4Add(f32({kInfF, 0.0f, 0.0f, 1.0f}), f32({-kInfF, 0.0f, 0.0f, 1.0f})));
  EXPECT_TRUE(isCanonicalNan32(r[0])) << std::hex << r[0];
  r = L<uint32_t>(simd::f32x4Sub(f32({kInfF}), f32({kInfF})));
  EXPECT_TRUE(isCanonicalNan32(r[0])) << std::hex << r[0];
  r = L<uint32_t>(simd::f32x4Mul(f32({0.0f}), f32({kInfF})));
  EXPECT_TRUE(isCanonicalNan32(r[0])) << std::hex << r[0];
  r = L<uint32_t>(simd::f32x4Div(f32({0.0f, kInfF}), f32({0.0f, kInfF})));
  EXPECT_TRUE(isCanonicalNan32(r[0])) << std::hex << r[0];
  EXPECT_TRUE(isCanonicalNan32(r[1])) << std::hex << r[1];
  r = L<uint32_t>(simd::f32x4Sqrt(f32({-1.0f, -kInfF})));
  EXPECT_TRUE(isCanonicalNan32(r[0])) << std::hex << r[0];
  EXPECT_TRUE(isCanonicalNan32(r[1])) << std::hex << r[1];
  auto d = L<uint64_t>(simd::f64x2Div(f64({0.0, -1.0}), f64({0.0, 1.0})));
  EXPECT_TRUE(isCanonicalNan64(d[0])) << std::hex << d[0];
  d = L<uint64_t>(simd::f64x2Sqrt(f64({-1.0, 1.0})));
  EXPECT_TRUE(isCanonicalNan64(d[0])) << std::hex << d[0];
  d = L<uint64_t>(simd::f64x2Mul(f64({kInfD}), f64({0.0})));
  EXPECT_TRUE(isCanonicalNan64(d[0])) << std::hex << d[0];
}

TEST(WEIR_SIMD_TEST_SUITE, NanInputsGiveArithmeticNans) {
  // A signalling NaN must come out quiet; a canonical one must stay canonical.
  auto r = L<uint32_t>(simd::f32x4Add(f32({kSignalingNanF, 1.0f, kPayloadNanF, std::numeric_limits<float>::quiet_NaN()}),
                                       f32({1.0f, kSignalingNanF, 2.0f, 1.0f})));
  for (uint32_t b : r) EXPECT_TRUE(isArithmeticNan32(b)) << std::hex << b;
  EXPECT_TRUE(isCanonicalNan32(r[3])) << std::hex << r[3];
  r = L<uint32_t>(simd::f32x4Sqrt(f32({kSignalingNanF, kPayloadNanF, 0.0f, 0.0f})));
  EXPECT_TRUE(isArithmeticNan32(r[0]));
  EXPECT_TRUE(isArithmeticNan32(r[1]));
  auto d = L<uint64_t>(simd::f64x2Mul(f64({kSignalingNanD, 2.0}), f64({1.0, kSignalingNanD})));
  EXPECT_TRUE(isArithmeticNan64(d[0])) << std::hex << d[0];
  EXPECT_TRUE(isArithmeticNan64(d[1])) << std::hex << d[1];
}

// Reference min/max straight from the spec's wording, checked over all pairs of
// interesting values so each lane sees each combination.
template <typename T>
T refMin(T x, T y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  if (x == 0 && y == 0) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}
template <typename T>
T refMax(T x, T y) {
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  if (x == 0 && y == 0) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}
template <typename T>
bool sameResult(T got, T want) {
  if (std::isnan(want)) {
    if constexpr (sizeof(T) == 4) return isArithmeticNan32(fbits(got));
    else return isArithmeticNan64(dbits(got));
  }
  return got == want && std::signbit(got) == std::signbit(want);
}

TEST(WEIR_SIMD_TEST_SUITE, FloatMinMaxPropagateNanAndOrderNegativeZeroFirst) {
  const std::vector<float> values = {0.0f, -0.0f, 1.0f, -1.0f, kInfF, -kInfF, 1e-45f, -1e-45f,
                                     std::numeric_limits<float>::max(), std::numeric_limits<float>::quiet_NaN(),
                                     kSignalingNanF, kPayloadNanF};
  for (float x : values) {
    for (float y : values) {
      V128 a = f32({x, y, x, y}), b = f32({y, x, y, x});
      auto mn = L<float>(simd::f32x4Min(a, b));
      auto mx = L<float>(simd::f32x4Max(a, b));
      EXPECT_TRUE(sameResult(mn[0], refMin(x, y))) << "min(" << x << ", " << y << ") = " << mn[0];
      EXPECT_TRUE(sameResult(mn[1], refMin(y, x))) << "min(" << y << ", " << x << ") = " << mn[1];
      EXPECT_TRUE(sameResult(mx[0], refMax(x, y))) << "max(" << x << ", " << y << ") = " << mx[0];
      EXPECT_TRUE(sameResult(mx[1], refMax(y, x))) << "max(" << y << ", " << x << ") = " << mx[1];
      double dx = x, dy = y;
      if (fbits(x) == fbits(kSignalingNanF)) dx = kSignalingNanD;
      if (fbits(y) == fbits(kSignalingNanF)) dy = kSignalingNanD;
      auto dmn = L<double>(simd::f64x2Min(f64({dx, dy}), f64({dy, dx})));
      auto dmx = L<double>(simd::f64x2Max(f64({dx, dy}), f64({dy, dx})));
      EXPECT_TRUE(sameResult(dmn[0], refMin(dx, dy))) << "min(" << dx << ", " << dy << ") = " << dmn[0];
      EXPECT_TRUE(sameResult(dmn[1], refMin(dy, dx)));
      EXPECT_TRUE(sameResult(dmx[0], refMax(dx, dy))) << "max(" << dx << ", " << dy << ") = " << dmx[0];
      EXPECT_TRUE(sameResult(dmx[1], refMax(dy, dx)));
    }
  }
}

TEST(WEIR_SIMD_TEST_SUITE, PseudoMinMaxReturnFirstOperandUnlessStrictlyOrdered) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  V128 a = f32({nan, 1.0f, 0.0f, 2.0f});
  V128 b = f32({1.0f, nan, -0.0f, 1.0f});
  auto mn = L<uint32_t>(simd::f32x4Pmin(a, b));
  EXPECT_EQ(mn, A<uint32_t>({fbits(nan), fbits(1.0f), fbits(0.0f), fbits(1.0f)}));
  auto mx = L<uint32_t>(simd::f32x4Pmax(a, b));
  EXPECT_EQ(mx, A<uint32_t>({fbits(nan), fbits(1.0f), fbits(0.0f), fbits(2.0f)}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Pmax(f32({-0.0f, 1.0f}), f32({0.0f, 3.0f})))[0], fbits(-0.0f));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Pmax(f32({-0.0f, 1.0f}), f32({0.0f, 3.0f})))[1], fbits(3.0f));
  auto dmn = L<uint64_t>(simd::f64x2Pmin(f64({kSignalingNanD, -0.0}), f64({1.0, 0.0})));
  EXPECT_EQ(dmn, A<uint64_t>({dbits(kSignalingNanD), dbits(-0.0)}));
  auto dmx = L<uint64_t>(simd::f64x2Pmax(f64({1.0, 5.0}), f64({kSignalingNanD, 6.0})));
  EXPECT_EQ(dmx, A<uint64_t>({dbits(1.0), dbits(6.0)}));
  EXPECT_EQ(L<double>(simd::f64x2Pmin(f64({2.0, 5.0}), f64({1.0, 6.0}))), A<double>({1.0, 5.0}));
}

TEST(WEIR_SIMD_TEST_SUITE, AbsAndNegOnlyTouchTheSignBit) {
  EXPECT_EQ(L<uint32_t>(simd::f32x4Abs(u32({0xffc12345u, 0x80000000u, 0xbf800000u, 0x7f800001u}))),
            A<uint32_t>({0x7fc12345u, 0, 0x3f800000u, 0x7f800001u}));
  EXPECT_EQ(L<uint32_t>(simd::f32x4Neg(u32({0xffc12345u, 0x80000000u, 0xbf800000u, 0x7f800001u}))),
            A<uint32_t>({0x7fc12345u, 0, 0x3f800000u, 0xff800001u}));
  EXPECT_EQ(L<uint64_t>(simd::f64x2Abs(u64({0xfff0000000000001ull, 0x8000000000000000ull}))),
            A<uint64_t>({0x7ff0000000000001ull, 0}));
  EXPECT_EQ(L<uint64_t>(simd::f64x2Neg(u64({0xfff0000000000001ull, 0}))),
            A<uint64_t>({0x7ff0000000000001ull, 0x8000000000000000ull}));
}

TEST(WEIR_SIMD_TEST_SUITE, RoundingKeepsSignOfZeroAndTiesToEven) {
  auto same = [](const simd::Lanes<float>& got, std::initializer_list<float> want) {
    size_t i = 0;
    for (float w : want) {
      EXPECT_TRUE(got[i] == w && std::signbit(got[i]) == std::signbit(w)) << "lane " << i << ": " << got[i] << " vs " << w;
      ++i;
    }
  };
  same(L<float>(simd::f32x4Ceil(f32({-0.5f, 1.1f, -1.5f, 8388607.5f}))), {-0.0f, 2.0f, -1.0f, 8388608.0f});
  same(L<float>(simd::f32x4Floor(f32({0.5f, -1.1f, -0.0f, -8388607.5f}))), {0.0f, -2.0f, -0.0f, -8388608.0f});
  same(L<float>(simd::f32x4Trunc(f32({-0.9f, 1.9f, -kInfF, 1e30f}))), {-0.0f, 1.0f, -kInfF, 1e30f});
  same(L<float>(simd::f32x4Nearest(f32({2.5f, 3.5f, -2.5f, -0.5f}))), {2.0f, 4.0f, -2.0f, -0.0f});
  same(L<float>(simd::f32x4Nearest(f32({0.5f, 1.5f, 8388609.0f, 0.49999997f}))), {0.0f, 2.0f, 8388609.0f, 0.0f});
  auto d = L<double>(simd::f64x2Nearest(f64({2.5, -0.5})));
  EXPECT_EQ(d[0], 2.0);
  EXPECT_TRUE(d[1] == 0.0 && std::signbit(d[1]));
  d = L<double>(simd::f64x2Ceil(f64({-0.5, 4503599627370495.5})));
  EXPECT_TRUE(d[0] == 0.0 && std::signbit(d[0]));
  EXPECT_EQ(d[1], 4503599627370496.0);
  EXPECT_EQ(L<double>(simd::f64x2Floor(f64({-0.5, 2.7}))), A<double>({-1.0, 2.0}));
  EXPECT_EQ(L<double>(simd::f64x2Trunc(f64({-2.7, 2.7}))), A<double>({-2.0, 2.0}));
}

TEST(WEIR_SIMD_TEST_SUITE, RoundingQuietsSignallingNans) {
  V128 snan = f32({kSignalingNanF, kSignalingNanF, kSignalingNanF, kSignalingNanF});
  for (V128 r : {simd::f32x4Ceil(snan), simd::f32x4Floor(snan), simd::f32x4Trunc(snan), simd::f32x4Nearest(snan)}) {
    for (uint32_t b : L<uint32_t>(r)) EXPECT_TRUE(isArithmeticNan32(b)) << std::hex << b;
  }
  V128 dsnan = f64({kSignalingNanD, kSignalingNanD});
  for (V128 r : {simd::f64x2Ceil(dsnan), simd::f64x2Floor(dsnan), simd::f64x2Trunc(dsnan), simd::f64x2Nearest(dsnan)}) {
    for (uint64_t b : L<uint64_t>(r)) EXPECT_TRUE(isArithmeticNan64(b)) << std::hex << b;
  }
}

// ---- conversions -------------------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, TruncSatMapsNanToZeroAndClampsOutOfRange) {
  EXPECT_EQ(L<int32_t>(simd::i32x4TruncSatF32x4S(f32({std::numeric_limits<float>::quiet_NaN(), 3e9f, -3e9f, -1.9f}))),
            A<int32_t>({0, INT32_MAX, INT32_MIN, -1}));
  EXPECT_EQ(L<int32_t>(simd::i32x4TruncSatF32x4S(f32({2147483520.0f, -2147483648.0f, kInfF, -kInfF}))),
            A<int32_t>({2147483520, INT32_MIN, INT32_MAX, INT32_MIN}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4TruncSatF32x4U(f32({kSignalingNanF, -1.0f, -0.9f, 4294967040.0f}))),
            A<uint32_t>({0, 0, 0, 4294967040u}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4TruncSatF32x4U(f32({4294967296.0f, kInfF, 1.99f, -kInfF}))),
            A<uint32_t>({UINT32_MAX, UINT32_MAX, 1, 0}));
  EXPECT_EQ(L<int32_t>(simd::i32x4TruncSatF64x2SZero(f64({2147483647.9, -2147483648.9}))),
            A<int32_t>({INT32_MAX, INT32_MIN, 0, 0}));
  EXPECT_EQ(L<int32_t>(simd::i32x4TruncSatF64x2SZero(f64({std::numeric_limits<double>::quiet_NaN(), -1e300}))),
            A<int32_t>({0, INT32_MIN, 0, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4TruncSatF64x2UZero(f64({4294967295.9, -0.9}))), A<uint32_t>({UINT32_MAX, 0, 0, 0}));
  EXPECT_EQ(L<uint32_t>(simd::i32x4TruncSatF64x2UZero(f64({1e10, kSignalingNanD}))), A<uint32_t>({UINT32_MAX, 0, 0, 0}));
}

TEST(WEIR_SIMD_TEST_SUITE, IntToFloatConversionsRoundToNearestEven) {
  EXPECT_EQ(L<float>(simd::f32x4ConvertI32x4S(i32({INT32_MIN, -1, 16777217, INT32_MAX}))),
            A<float>({-2147483648.0f, -1.0f, 16777216.0f, 2147483648.0f}));
  EXPECT_EQ(L<float>(simd::f32x4ConvertI32x4U(u32({UINT32_MAX, 0x80000000u, 16777219u, 0}))),
            A<float>({4294967296.0f, 2147483648.0f, 16777220.0f, 0.0f}));
  EXPECT_EQ(L<double>(simd::f64x2ConvertLowI32x4S(i32({INT32_MIN, -1, 7, 7}))), A<double>({-2147483648.0, -1.0}));
  EXPECT_EQ(L<double>(simd::f64x2ConvertLowI32x4U(u32({UINT32_MAX, 1, 7, 7}))), A<double>({4294967295.0, 1.0}));
}

TEST(WEIR_SIMD_TEST_SUITE, DemoteAndPromoteRoundAndKeepNansNans) {
  auto r = L<uint32_t>(simd::f32x4DemoteF64x2Zero(f64({1e300, 1.0 + 1e-10})));
  EXPECT_EQ(r, A<uint32_t>({fbits(kInfF), fbits(1.0f), 0, 0}));
  r = L<uint32_t>(simd::f32x4DemoteF64x2Zero(f64({kSignalingNanD, -1e-300})));
  EXPECT_TRUE(isArithmeticNan32(r[0])) << std::hex << r[0];
  EXPECT_EQ(r[1], fbits(-0.0f));
  EXPECT_EQ(r[2], 0u);
  EXPECT_EQ(r[3], 0u);
  r = L<uint32_t>(simd::f32x4DemoteF64x2Zero(f64({std::numeric_limits<double>::quiet_NaN(), 0})));
  EXPECT_TRUE(isCanonicalNan32(r[0])) << std::hex << r[0];
  auto d = L<uint64_t>(simd::f64x2PromoteLowF32x4(f32({kSignalingNanF, -0.0f, 5.0f, 6.0f})));
  EXPECT_TRUE(isArithmeticNan64(d[0])) << std::hex << d[0];
  EXPECT_EQ(d[1], dbits(-0.0));
  EXPECT_EQ(L<double>(simd::f64x2PromoteLowF32x4(f32({0.1f, 1e38f, 0, 0}))), A<double>({static_cast<double>(0.1f), static_cast<double>(1e38f)}));
  d = L<uint64_t>(simd::f64x2PromoteLowF32x4(f32({std::numeric_limits<float>::quiet_NaN(), 0, 0, 0})));
  EXPECT_TRUE(isCanonicalNan64(d[0])) << std::hex << d[0];
}

// ---- memory ------------------------------------------------------------------------

TEST(WEIR_SIMD_TEST_SUITE, ExtendingLoadsReadEightBytes) {
  const uint8_t mem[9] = {0x80, 0x7f, 0xff, 0x01, 0x00, 0x80, 0xfe, 0xff, 0xaa};
  EXPECT_EQ(L<int16_t>(simd::v128Load8x8S(mem)), A<int16_t>({-128, 127, -1, 1, 0, -128, -2, -1}));
  EXPECT_EQ(L<uint16_t>(simd::v128Load8x8U(mem)), A<uint16_t>({128, 127, 255, 1, 0, 128, 254, 255}));
  EXPECT_EQ(L<int32_t>(simd::v128Load16x4S(mem)), A<int32_t>({0x7f80, 0x01ff, -32768, -2}));
  EXPECT_EQ(L<uint32_t>(simd::v128Load16x4U(mem)), A<uint32_t>({0x7f80, 0x01ff, 0x8000, 0xfffe}));
  EXPECT_EQ(L<int64_t>(simd::v128Load32x2S(mem)), A<int64_t>({0x01ff7f80, static_cast<int32_t>(0xfffe8000u)}));
  EXPECT_EQ(L<uint64_t>(simd::v128Load32x2U(mem)), A<uint64_t>({0x01ff7f80, 0xfffe8000u}));
}

TEST(WEIR_SIMD_TEST_SUITE, SplatAndZeroLoads) {
  const uint8_t mem[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(L<uint8_t>(simd::v128Load8Splat(mem + 2)), L<uint8_t>(splatOf<uint8_t>(3)));
  EXPECT_EQ(L<uint16_t>(simd::v128Load16Splat(mem)), L<uint16_t>(splatOf<uint16_t>(0x0201)));
  EXPECT_EQ(L<uint32_t>(simd::v128Load32Splat(mem + 4)), L<uint32_t>(splatOf<uint32_t>(0x08070605u)));
  EXPECT_EQ(L<uint64_t>(simd::v128Load64Splat(mem)), L<uint64_t>(splatOf<uint64_t>(0x0807060504030201ull)));
  EXPECT_EQ(L<uint32_t>(simd::v128Load32Zero(mem)), A<uint32_t>({0x04030201u, 0, 0, 0}));
  EXPECT_EQ(L<uint64_t>(simd::v128Load64Zero(mem)), A<uint64_t>({0x0807060504030201ull, 0}));
}

TEST(WEIR_SIMD_TEST_SUITE, LaneLoadsAndStoresTouchOnlyTheirLane) {
  const uint8_t src[8] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
  V128 base = splatOf<uint8_t>(0xee);
  EXPECT_EQ(L<uint8_t>(simd::v128Load8Lane(src, base, 15))[15], 0x11);
  EXPECT_EQ(L<uint8_t>(simd::v128Load8Lane(src, base, 15))[14], 0xee);
  EXPECT_EQ(L<uint16_t>(simd::v128Load16Lane(src, base, 3)),
            A<uint16_t>({0xeeee, 0xeeee, 0xeeee, 0x2211, 0xeeee, 0xeeee, 0xeeee, 0xeeee}));
  EXPECT_EQ(L<uint32_t>(simd::v128Load32Lane(src, base, 2)), A<uint32_t>({0xeeeeeeeeu, 0xeeeeeeeeu, 0x44332211u, 0xeeeeeeeeu}));
  EXPECT_EQ(L<uint64_t>(simd::v128Load64Lane(src, base, 1)), A<uint64_t>({0xeeeeeeeeeeeeeeeeull, 0x8877665544332211ull}));

  V128 v = u8({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  uint8_t out[10];
  std::memset(out, 0xcc, sizeof out);
  simd::v128Store8Lane(out + 1, v, 9);
  EXPECT_EQ(out[0], 0xcc);
  EXPECT_EQ(out[1], 9);
  EXPECT_EQ(out[2], 0xcc);
  simd::v128Store16Lane(out, v, 7);
  EXPECT_EQ(out[0], 14);
  EXPECT_EQ(out[1], 15);
  EXPECT_EQ(out[2], 0xcc);
  simd::v128Store32Lane(out, v, 1);
  EXPECT_EQ((std::vector<uint8_t>(out, out + 5)), (std::vector<uint8_t>{4, 5, 6, 7, 0xcc}));
  simd::v128Store64Lane(out + 1, v, 1);
  EXPECT_EQ((std::vector<uint8_t>(out, out + 10)), (std::vector<uint8_t>{4, 8, 9, 10, 11, 12, 13, 14, 15, 0xcc}));
}

TEST(WEIR_SIMD_TEST_SUITE, FullLoadAndStoreRoundTripUnaligned) {
  uint8_t mem[20];
  for (int i = 0; i < 20; ++i) mem[i] = static_cast<uint8_t>(i * 7);
  V128 v = simd::v128Load(mem + 3);
  EXPECT_EQ(v.bytes[0], 21);
  EXPECT_EQ(v.bytes[15], static_cast<uint8_t>(18 * 7));
  uint8_t out[18] = {};
  simd::v128Store(out + 1, v);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[17], 0);
  EXPECT_EQ(std::memcmp(out + 1, mem + 3, 16), 0);
}

}  // namespace

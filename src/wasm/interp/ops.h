// The internal instruction set, as X-macros shared by the translator (which
// emits handler addresses) and the interpreter (which defines the handlers).
// Operand layouts are documented next to the handlers in interpreter.cc.
#pragma once

#include <bit>
#include <cstdint>

#include "wasm/interp/numeric.h"

// Binary ops that also get a "register op immediate" variant (Name##I).
// X(Name, operand C type, result C type, expression over a and b)
#define WEIR_INTERP_BINOPS_IMM(X) \
  X(I32Add, uint32_t, uint32_t, a + b) \
  X(I32Sub, uint32_t, uint32_t, a - b) \
  X(I32Mul, uint32_t, uint32_t, a * b) \
  X(I32And, uint32_t, uint32_t, a & b) \
  X(I32Or, uint32_t, uint32_t, a | b) \
  X(I32Xor, uint32_t, uint32_t, a ^ b) \
  X(I32Shl, uint32_t, uint32_t, a << (b & 31)) \
  X(I32ShrS, uint32_t, uint32_t, static_cast<uint32_t>(static_cast<int32_t>(a) >> (b & 31))) \
  X(I32ShrU, uint32_t, uint32_t, a >> (b & 31)) \
  X(I32Rotl, uint32_t, uint32_t, std::rotl(a, static_cast<int>(b & 31))) \
  X(I32Rotr, uint32_t, uint32_t, std::rotr(a, static_cast<int>(b & 31))) \
  X(I32Eq, uint32_t, uint32_t, a == b) \
  X(I32Ne, uint32_t, uint32_t, a != b) \
  X(I32LtS, uint32_t, uint32_t, static_cast<int32_t>(a) < static_cast<int32_t>(b)) \
  X(I32LtU, uint32_t, uint32_t, a < b) \
  X(I32GtS, uint32_t, uint32_t, static_cast<int32_t>(a) > static_cast<int32_t>(b)) \
  X(I32GtU, uint32_t, uint32_t, a > b) \
  X(I32LeS, uint32_t, uint32_t, static_cast<int32_t>(a) <= static_cast<int32_t>(b)) \
  X(I32LeU, uint32_t, uint32_t, a <= b) \
  X(I32GeS, uint32_t, uint32_t, static_cast<int32_t>(a) >= static_cast<int32_t>(b)) \
  X(I32GeU, uint32_t, uint32_t, a >= b) \
  X(I64Add, uint64_t, uint64_t, a + b) \
  X(I64Sub, uint64_t, uint64_t, a - b) \
  X(I64Mul, uint64_t, uint64_t, a * b) \
  X(I64And, uint64_t, uint64_t, a & b) \
  X(I64Or, uint64_t, uint64_t, a | b) \
  X(I64Xor, uint64_t, uint64_t, a ^ b) \
  X(I64Shl, uint64_t, uint64_t, a << (b & 63)) \
  X(I64ShrS, uint64_t, uint64_t, static_cast<uint64_t>(static_cast<int64_t>(a) >> (b & 63))) \
  X(I64ShrU, uint64_t, uint64_t, a >> (b & 63)) \
  X(I64Rotl, uint64_t, uint64_t, std::rotl(a, static_cast<int>(b & 63))) \
  X(I64Rotr, uint64_t, uint64_t, std::rotr(a, static_cast<int>(b & 63))) \
  X(I64Eq, uint64_t, uint32_t, a == b) \
  X(I64Ne, uint64_t, uint32_t, a != b) \
  X(I64LtS, uint64_t, uint32_t, static_cast<int64_t>(a) < static_cast<int64_t>(b)) \
  X(I64LtU, uint64_t, uint32_t, a < b) \
  X(I64GtS, uint64_t, uint32_t, static_cast<int64_t>(a) > static_cast<int64_t>(b)) \
  X(I64GtU, uint64_t, uint32_t, a > b) \
  X(I64LeS, uint64_t, uint32_t, static_cast<int64_t>(a) <= static_cast<int64_t>(b)) \
  X(I64LeU, uint64_t, uint32_t, a <= b) \
  X(I64GeS, uint64_t, uint32_t, static_cast<int64_t>(a) >= static_cast<int64_t>(b)) \
  X(I64GeU, uint64_t, uint32_t, a >= b)

// Binary ops without an immediate form.
#define WEIR_INTERP_BINOPS(X) \
  X(F32Eq, float, uint32_t, a == b) \
  X(F32Ne, float, uint32_t, a != b) \
  X(F32Lt, float, uint32_t, a < b) \
  X(F32Gt, float, uint32_t, a > b) \
  X(F32Le, float, uint32_t, a <= b) \
  X(F32Ge, float, uint32_t, a >= b) \
  X(F64Eq, double, uint32_t, a == b) \
  X(F64Ne, double, uint32_t, a != b) \
  X(F64Lt, double, uint32_t, a < b) \
  X(F64Gt, double, uint32_t, a > b) \
  X(F64Le, double, uint32_t, a <= b) \
  X(F64Ge, double, uint32_t, a >= b) \
  X(F32Add, float, float, a + b) \
  X(F32Sub, float, float, a - b) \
  X(F32Mul, float, float, a * b) \
  X(F32Div, float, float, a / b) \
  X(F32Min, float, float, fMin(a, b)) \
  X(F32Max, float, float, fMax(a, b)) \
  X(F32Copysign, float, float, fCopysign(a, b)) \
  X(F64Add, double, double, a + b) \
  X(F64Sub, double, double, a - b) \
  X(F64Mul, double, double, a * b) \
  X(F64Div, double, double, a / b) \
  X(F64Min, double, double, fMin(a, b)) \
  X(F64Max, double, double, fMax(a, b)) \
  X(F64Copysign, double, double, fCopysign(a, b))

// Unary ops that cannot trap. X(Name, operand C type, result C type, expression over a)
#define WEIR_INTERP_UNOPS(X) \
  X(I32Eqz, uint32_t, uint32_t, a == 0) \
  X(I64Eqz, uint64_t, uint32_t, a == 0) \
  X(I32Clz, uint32_t, uint32_t, static_cast<uint32_t>(std::countl_zero(a))) \
  X(I32Ctz, uint32_t, uint32_t, static_cast<uint32_t>(std::countr_zero(a))) \
  X(I32Popcnt, uint32_t, uint32_t, static_cast<uint32_t>(std::popcount(a))) \
  X(I64Clz, uint64_t, uint64_t, static_cast<uint64_t>(std::countl_zero(a))) \
  X(I64Ctz, uint64_t, uint64_t, static_cast<uint64_t>(std::countr_zero(a))) \
  X(I64Popcnt, uint64_t, uint64_t, static_cast<uint64_t>(std::popcount(a))) \
  X(F32Abs, float, float, fAbs(a)) \
  X(F32Neg, float, float, fNeg(a)) \
  X(F32Ceil, float, float, fCeil(a)) \
  X(F32Floor, float, float, fFloor(a)) \
  X(F32Trunc, float, float, fTrunc(a)) \
  X(F32Nearest, float, float, fNearest(a)) \
  X(F32Sqrt, float, float, std::sqrt(a)) \
  X(F64Abs, double, double, fAbs(a)) \
  X(F64Neg, double, double, fNeg(a)) \
  X(F64Ceil, double, double, fCeil(a)) \
  X(F64Floor, double, double, fFloor(a)) \
  X(F64Trunc, double, double, fTrunc(a)) \
  X(F64Nearest, double, double, fNearest(a)) \
  X(F64Sqrt, double, double, std::sqrt(a)) \
  X(I32WrapI64, uint64_t, uint32_t, static_cast<uint32_t>(a)) \
  X(I64ExtendI32S, int32_t, int64_t, static_cast<int64_t>(a)) \
  X(I64ExtendI32U, uint32_t, uint64_t, static_cast<uint64_t>(a)) \
  X(F32ConvertI32S, int32_t, float, static_cast<float>(a)) \
  X(F32ConvertI32U, uint32_t, float, static_cast<float>(a)) \
  X(F32ConvertI64S, int64_t, float, static_cast<float>(a)) \
  X(F32ConvertI64U, uint64_t, float, static_cast<float>(a)) \
  X(F32DemoteF64, double, float, static_cast<float>(a)) \
  X(F64ConvertI32S, int32_t, double, static_cast<double>(a)) \
  X(F64ConvertI32U, uint32_t, double, static_cast<double>(a)) \
  X(F64ConvertI64S, int64_t, double, static_cast<double>(a)) \
  X(F64ConvertI64U, uint64_t, double, static_cast<double>(a)) \
  X(F64PromoteF32, float, double, static_cast<double>(a)) \
  X(I32Extend8S, uint32_t, uint32_t, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(a)))) \
  X(I32Extend16S, uint32_t, uint32_t, static_cast<uint32_t>(static_cast<int32_t>(static_cast<int16_t>(a)))) \
  X(I64Extend8S, uint64_t, uint64_t, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(a)))) \
  X(I64Extend16S, uint64_t, uint64_t, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(a)))) \
  X(I64Extend32S, uint64_t, uint64_t, static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(a)))) \
  X(RefIsNull, uint64_t, uint32_t, a == 0)

// Saturating truncations (0xFC 0..7). X(Name, float type, int type)
#define WEIR_INTERP_TRUNC_SAT(X) \
  X(I32TruncSatF32S, float, int32_t) \
  X(I32TruncSatF32U, float, uint32_t) \
  X(I32TruncSatF64S, double, int32_t) \
  X(I32TruncSatF64U, double, uint32_t) \
  X(I64TruncSatF32S, float, int64_t) \
  X(I64TruncSatF32U, float, uint64_t) \
  X(I64TruncSatF64S, double, int64_t) \
  X(I64TruncSatF64U, double, uint64_t)

// Trapping truncations. X(Name, float type, int type)
#define WEIR_INTERP_TRUNC(X) \
  X(I32TruncF32S, float, int32_t) \
  X(I32TruncF32U, float, uint32_t) \
  X(I32TruncF64S, double, int32_t) \
  X(I32TruncF64U, double, uint32_t) \
  X(I64TruncF32S, float, int64_t) \
  X(I64TruncF32U, float, uint64_t) \
  X(I64TruncF64S, double, int64_t) \
  X(I64TruncF64U, double, uint64_t)

// Loads: X(Name, memory C type, slot C type). Stores: X(Name, slot C type, memory C type)
// The effective address is u32(address + addend) + offset: an `i32.add` of a
// constant that only computes the address is folded into the addend (the
// addition still wraps at 2^32, as the separate i32.add did).
#define WEIR_INTERP_LOADS(X) \
  X(I32Load, uint32_t, uint32_t) \
  X(I64Load, uint64_t, uint64_t) \
  X(F32Load, uint32_t, uint32_t) \
  X(F64Load, uint64_t, uint64_t) \
  X(I32Load8S, int8_t, uint32_t) \
  X(I32Load8U, uint8_t, uint32_t) \
  X(I32Load16S, int16_t, uint32_t) \
  X(I32Load16U, uint16_t, uint32_t) \
  X(I64Load8S, int8_t, uint64_t) \
  X(I64Load8U, uint8_t, uint64_t) \
  X(I64Load16S, int16_t, uint64_t) \
  X(I64Load16U, uint16_t, uint64_t) \
  X(I64Load32S, int32_t, uint64_t) \
  X(I64Load32U, uint32_t, uint64_t)
#define WEIR_INTERP_STORES(X) \
  X(I32Store, uint32_t, uint32_t) \
  X(I64Store, uint64_t, uint64_t) \
  X(F32Store, uint32_t, uint32_t) \
  X(F64Store, uint64_t, uint64_t) \
  X(I32Store8, uint32_t, uint8_t) \
  X(I32Store16, uint32_t, uint16_t) \
  X(I64Store8, uint64_t, uint8_t) \
  X(I64Store16, uint64_t, uint16_t) \
  X(I64Store32, uint64_t, uint32_t)

// Binary ops with the second operand read from memory: a load whose result
// only feeds the binop is fused into it (`a op load(addr)`), with the load's
// address slot, constant offset and folded address addend.
// X(Name, binop, load op, memory C type, operand C type, result C type, expression over a and b)
#define WEIR_INTERP_BINOPS_MEM(X) \
  X(F64AddM, F64Add, F64Load, uint64_t, double, double, a + b) \
  X(F64SubM, F64Sub, F64Load, uint64_t, double, double, a - b) \
  X(F64MulM, F64Mul, F64Load, uint64_t, double, double, a * b) \
  X(F64DivM, F64Div, F64Load, uint64_t, double, double, a / b) \
  X(F32AddM, F32Add, F32Load, uint32_t, float, float, a + b) \
  X(F32SubM, F32Sub, F32Load, uint32_t, float, float, a - b) \
  X(F32MulM, F32Mul, F32Load, uint32_t, float, float, a * b) \
  X(F32DivM, F32Div, F32Load, uint32_t, float, float, a / b) \
  X(I32AddM, I32Add, I32Load, uint32_t, uint32_t, uint32_t, a + b) \
  X(I32SubM, I32Sub, I32Load, uint32_t, uint32_t, uint32_t, a - b) \
  X(I32MulM, I32Mul, I32Load, uint32_t, uint32_t, uint32_t, a * b) \
  X(I32AndM, I32And, I32Load, uint32_t, uint32_t, uint32_t, a & b) \
  X(I32OrM, I32Or, I32Load, uint32_t, uint32_t, uint32_t, a | b) \
  X(I32XorM, I32Xor, I32Load, uint32_t, uint32_t, uint32_t, a ^ b) \
  X(I32AddM8U, I32Add, I32Load8U, uint8_t, uint32_t, uint32_t, a + b) \
  X(I32SubM8U, I32Sub, I32Load8U, uint8_t, uint32_t, uint32_t, a - b) \
  X(I32XorM8U, I32Xor, I32Load8U, uint8_t, uint32_t, uint32_t, a ^ b) \
  X(I32AddM16S, I32Add, I32Load16S, int16_t, uint32_t, uint32_t, a + b) \
  X(I32MulM16S, I32Mul, I32Load16S, int16_t, uint32_t, uint32_t, a * b) \
  X(I32AddM16U, I32Add, I32Load16U, uint16_t, uint32_t, uint32_t, a + b) \
  X(I32MulM16U, I32Mul, I32Load16U, uint16_t, uint32_t, uint32_t, a * b) \
  X(I64AddM, I64Add, I64Load, uint64_t, uint64_t, uint64_t, a + b) \
  X(I64XorM, I64Xor, I64Load, uint64_t, uint64_t, uint64_t, a ^ b)

// A binop whose second operand is a shift or rotate by a constant computed
// just before (hash and RNG code: x ^ (x << 13), rotl(x, 26) ^ rotl(x, 21)).
// X(Name, binop, shift op (immediate form), C type, expression over a, s (the
// shifted value) and c (the count))
#define WEIR_INTERP_BINOPS_SHIFTED(X) \
  X(I32XorShlI, I32Xor, I32ShlI, uint32_t, a ^ (s << (c & 31))) \
  X(I32XorShrUI, I32Xor, I32ShrUI, uint32_t, a ^ (s >> (c & 31))) \
  X(I32XorRotlI, I32Xor, I32RotlI, uint32_t, a ^ std::rotl(s, static_cast<int>(c & 31))) \
  X(I32AddShlI, I32Add, I32ShlI, uint32_t, a + (s << (c & 31))) \
  X(I32OrShlI, I32Or, I32ShlI, uint32_t, a | (s << (c & 31))) \
  X(I32OrShrUI, I32Or, I32ShrUI, uint32_t, a | (s >> (c & 31))) \
  X(I64XorShlI, I64Xor, I64ShlI, uint64_t, a ^ (s << (c & 63))) \
  X(I64XorShrUI, I64Xor, I64ShrUI, uint64_t, a ^ (s >> (c & 63))) \
  X(I64XorRotlI, I64Xor, I64RotlI, uint64_t, a ^ std::rotl(s, static_cast<int>(c & 63))) \
  X(I64OrShlI, I64Or, I64ShlI, uint64_t, a | (s << (c & 63)))

// Read-modify-write: `store(addr, a op load(addr))` with the same address
// slot, offset and addend (c[j] += x, counters). One bounds check covers
// both, since load and store access the same bytes.
// X(Name, memory-operand op, store op, memory C type, operand C type, expression over a and b)
#define WEIR_INTERP_RMW(X) \
  X(F64AddRMW, F64AddM, F64Store, uint64_t, double, a + b) \
  X(F64MulRMW, F64MulM, F64Store, uint64_t, double, a * b) \
  X(F32AddRMW, F32AddM, F32Store, uint32_t, float, a + b) \
  X(I32AddRMW, I32AddM, I32Store, uint32_t, uint32_t, a + b) \
  X(I32AndRMW, I32AndM, I32Store, uint32_t, uint32_t, a & b) \
  X(I32OrRMW, I32OrM, I32Store, uint32_t, uint32_t, a | b) \
  X(I32XorRMW, I32XorM, I32Store, uint32_t, uint32_t, a ^ b) \
  X(I64AddRMW, I64AddM, I64Store, uint64_t, uint64_t, a + b)

// Compare-and-branch fusions: X(Name, C type, condition over a and b)
// Every branch op also has a ...Loop variant for loop back-edges: it jumps past
// the loop header's LoopCheck and does that check itself when it branches, so
// each iteration still polls the interrupt and fuel once, one dispatch sooner.
#define WEIR_INTERP_BRCMP(X) \
  X(Eq, uint32_t, a == b) \
  X(Ne, uint32_t, a != b) \
  X(LtS, int32_t, a < b) \
  X(LtU, uint32_t, a < b) \
  X(GtS, int32_t, a > b) \
  X(GtU, uint32_t, a > b) \
  X(LeS, int32_t, a <= b) \
  X(LeU, uint32_t, a <= b) \
  X(GeS, int32_t, a >= b) \
  X(GeU, uint32_t, a >= b)

// Everything else, one handler each.
#define WEIR_INTERP_MISC_OPS(X) \
  X(Unreachable) X(Copy) X(Copy2) X(Const) X(Br) X(BrIf) X(BrUnless) X(BrTable) \
  X(BrLoop) X(BrIfLoop) X(BrUnlessLoop) X(I32AddAndI) X(I32AddIPair) X(I32AddPair) X(CopyPair) X(ReturnCopy) \
  X(Return) X(LoopCheck) X(Call) X(CallIndirect) X(Select) X(Select2) \
  X(GlobalGet) X(GlobalSet) X(GlobalGet2) X(GlobalSet2) X(TableGet) X(TableSet) \
  X(MemorySize) X(MemoryGrow) X(RefFunc) \
  X(I32DivS) X(I32DivU) X(I32RemS) X(I32RemU) X(I64DivS) X(I64DivU) X(I64RemS) X(I64RemU) \
  X(MemoryInit) X(DataDrop) X(MemoryCopy) X(MemoryFill) X(TableInit) X(ElemDrop) \
  X(TableCopy) X(TableGrow) X(TableSize) X(TableFill) \
  X(V128Const) X(SimdUnary) X(SimdBinary) X(SimdTernary) X(SimdShift) X(SimdToI32) \
  X(SimdSplat) X(SimdExtract) X(SimdReplace) X(SimdShuffle) X(SimdLoad) X(SimdStore) \
  X(SimdLoadLane) X(SimdStoreLane)

namespace weir::wasm::interp {

enum class Op : uint16_t {
#define WEIR_OP_ENUM3(name, ...) k##name, k##name##I,
#define WEIR_OP_ENUM(name, ...) k##name,
#define WEIR_OP_ENUM_BR(name, ...) kBrIf##name, kBrIf##name##I,
#define WEIR_OP_ENUM_BR_LOOP(name, ...) kBrIf##name##Loop, kBrIf##name##I##Loop,
  WEIR_INTERP_BINOPS_IMM(WEIR_OP_ENUM3)
  WEIR_INTERP_BINOPS(WEIR_OP_ENUM)
  WEIR_INTERP_UNOPS(WEIR_OP_ENUM)
  WEIR_INTERP_TRUNC_SAT(WEIR_OP_ENUM)
  WEIR_INTERP_TRUNC(WEIR_OP_ENUM)
  WEIR_INTERP_LOADS(WEIR_OP_ENUM)
  WEIR_INTERP_STORES(WEIR_OP_ENUM)
  WEIR_INTERP_BINOPS_MEM(WEIR_OP_ENUM)
  WEIR_INTERP_RMW(WEIR_OP_ENUM)
  WEIR_INTERP_BINOPS_SHIFTED(WEIR_OP_ENUM)
  WEIR_INTERP_BRCMP(WEIR_OP_ENUM_BR)
  WEIR_INTERP_BRCMP(WEIR_OP_ENUM_BR_LOOP)
  WEIR_INTERP_MISC_OPS(WEIR_OP_ENUM)
  kCount
#undef WEIR_OP_ENUM3
#undef WEIR_OP_ENUM
#undef WEIR_OP_ENUM_BR
#undef WEIR_OP_ENUM_BR_LOOP
};

// Handler addresses indexed by Op (filled by the interpreter).
const void* const* handlerTable();

}  // namespace weir::wasm::interp

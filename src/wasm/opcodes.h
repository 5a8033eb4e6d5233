// Every WebAssembly 2.0 opcode: single-byte, 0xFC-prefixed (saturating
// truncation, bulk memory, table ops) and 0xFD-prefixed SIMD. The lists are
// X-macros so the decoder, validator, interpreter and disassembler can each
// build their own tables from one source of truth:
//   V(EnumeratorName, code, "text.name")
// Prefixed sub-opcodes are the u32 LEB128 values that follow the prefix byte.
#pragma once

#include <cstdint>
#include <string_view>

namespace weir::wasm {

#define WEIR_WASM_OPCODES(V) \
  V(Unreachable, 0x00, "unreachable") \
  V(Nop, 0x01, "nop") \
  V(Block, 0x02, "block") \
  V(Loop, 0x03, "loop") \
  V(If, 0x04, "if") \
  V(Else, 0x05, "else") \
  V(End, 0x0B, "end") \
  V(Br, 0x0C, "br") \
  V(BrIf, 0x0D, "br_if") \
  V(BrTable, 0x0E, "br_table") \
  V(Return, 0x0F, "return") \
  V(Call, 0x10, "call") \
  V(CallIndirect, 0x11, "call_indirect") \
  V(Drop, 0x1A, "drop") \
  V(Select, 0x1B, "select") \
  V(SelectT, 0x1C, "select") \
  V(LocalGet, 0x20, "local.get") \
  V(LocalSet, 0x21, "local.set") \
  V(LocalTee, 0x22, "local.tee") \
  V(GlobalGet, 0x23, "global.get") \
  V(GlobalSet, 0x24, "global.set") \
  V(TableGet, 0x25, "table.get") \
  V(TableSet, 0x26, "table.set") \
  V(I32Load, 0x28, "i32.load") \
  V(I64Load, 0x29, "i64.load") \
  V(F32Load, 0x2A, "f32.load") \
  V(F64Load, 0x2B, "f64.load") \
  V(I32Load8S, 0x2C, "i32.load8_s") \
  V(I32Load8U, 0x2D, "i32.load8_u") \
  V(I32Load16S, 0x2E, "i32.load16_s") \
  V(I32Load16U, 0x2F, "i32.load16_u") \
  V(I64Load8S, 0x30, "i64.load8_s") \
  V(I64Load8U, 0x31, "i64.load8_u") \
  V(I64Load16S, 0x32, "i64.load16_s") \
  V(I64Load16U, 0x33, "i64.load16_u") \
  V(I64Load32S, 0x34, "i64.load32_s") \
  V(I64Load32U, 0x35, "i64.load32_u") \
  V(I32Store, 0x36, "i32.store") \
  V(I64Store, 0x37, "i64.store") \
  V(F32Store, 0x38, "f32.store") \
  V(F64Store, 0x39, "f64.store") \
  V(I32Store8, 0x3A, "i32.store8") \
  V(I32Store16, 0x3B, "i32.store16") \
  V(I64Store8, 0x3C, "i64.store8") \
  V(I64Store16, 0x3D, "i64.store16") \
  V(I64Store32, 0x3E, "i64.store32") \
  V(MemorySize, 0x3F, "memory.size") \
  V(MemoryGrow, 0x40, "memory.grow") \
  V(I32Const, 0x41, "i32.const") \
  V(I64Const, 0x42, "i64.const") \
  V(F32Const, 0x43, "f32.const") \
  V(F64Const, 0x44, "f64.const") \
  V(I32Eqz, 0x45, "i32.eqz") \
  V(I32Eq, 0x46, "i32.eq") \
  V(I32Ne, 0x47, "i32.ne") \
  V(I32LtS, 0x48, "i32.lt_s") \
  V(I32LtU, 0x49, "i32.lt_u") \
  V(I32GtS, 0x4A, "i32.gt_s") \
  V(I32GtU, 0x4B, "i32.gt_u") \
  V(I32LeS, 0x4C, "i32.le_s") \
  V(I32LeU, 0x4D, "i32.le_u") \
  V(I32GeS, 0x4E, "i32.ge_s") \
  V(I32GeU, 0x4F, "i32.ge_u") \
  V(I64Eqz, 0x50, "i64.eqz") \
  V(I64Eq, 0x51, "i64.eq") \
  V(I64Ne, 0x52, "i64.ne") \
  V(I64LtS, 0x53, "i64.lt_s") \
  V(I64LtU, 0x54, "i64.lt_u") \
  V(I64GtS, 0x55, "i64.gt_s") \
  V(I64GtU, 0x56, "i64.gt_u") \
  V(I64LeS, 0x57, "i64.le_s") \
  V(I64LeU, 0x58, "i64.le_u") \
  V(I64GeS, 0x59, "i64.ge_s") \
  V(I64GeU, 0x5A, "i64.ge_u") \
  V(F32Eq, 0x5B, "f32.eq") \
  V(F32Ne, 0x5C, "f32.ne") \
  V(F32Lt, 0x5D, "f32.lt") \
  V(F32Gt, 0x5E, "f32.gt") \
  V(F32Le, 0x5F, "f32.le") \
  V(F32Ge, 0x60, "f32.ge") \
  V(F64Eq, 0x61, "f64.eq") \
  V(F64Ne, 0x62, "f64.ne") \
  V(F64Lt, 0x63, "f64.lt") \
  V(F64Gt, 0x64, "f64.gt") \
  V(F64Le, 0x65, "f64.le") \
  V(F64Ge, 0x66, "f64.ge") \
  V(I32Clz, 0x67, "i32.clz") \
  V(I32Ctz, 0x68, "i32.ctz") \
  V(I32Popcnt, 0x69, "i32.popcnt") \
  V(I32Add, 0x6A, "i32.add") \
  V(I32Sub, 0x6B, "i32.sub") \
  V(I32Mul, 0x6C, "i32.mul") \
  V(I32DivS, 0x6D, "i32.div_s") \
  V(I32DivU, 0x6E, "i32.div_u") \
  V(I32RemS, 0x6F, "i32.rem_s") \
  V(I32RemU, 0x70, "i32.rem_u") \
  V(I32And, 0x71, "i32.and") \
  V(I32Or, 0x72, "i32.or") \
  V(I32Xor, 0x73, "i32.xor") \
  V(I32Shl, 0x74, "i32.shl") \
  V(I32ShrS, 0x75, "i32.shr_s") \
  V(I32ShrU, 0x76, "i32.shr_u") \
  V(I32Rotl, 0x77, "i32.rotl") \
  V(I32Rotr, 0x78, "i32.rotr") \
  V(I64Clz, 0x79, "i64.clz") \
  V(I64Ctz, 0x7A, "i64.ctz") \
  V(I64Popcnt, 0x7B, "i64.popcnt") \
  V(I64Add, 0x7C, "i64.add") \
  V(I64Sub, 0x7D, "i64.sub") \
  V(I64Mul, 0x7E, "i64.mul") \
  V(I64DivS, 0x7F, "i64.div_s") \
  V(I64DivU, 0x80, "i64.div_u") \
  V(I64RemS, 0x81, "i64.rem_s") \
  V(I64RemU, 0x82, "i64.rem_u") \
  V(I64And, 0x83, "i64.and") \
  V(I64Or, 0x84, "i64.or") \
  V(I64Xor, 0x85, "i64.xor") \
  V(I64Shl, 0x86, "i64.shl") \
  V(I64ShrS, 0x87, "i64.shr_s") \
  V(I64ShrU, 0x88, "i64.shr_u") \
  V(I64Rotl, 0x89, "i64.rotl") \
  V(I64Rotr, 0x8A, "i64.rotr") \
  V(F32Abs, 0x8B, "f32.abs") \
  V(F32Neg, 0x8C, "f32.neg") \
  V(F32Ceil, 0x8D, "f32.ceil") \
  V(F32Floor, 0x8E, "f32.floor") \
  V(F32Trunc, 0x8F, "f32.trunc") \
  V(F32Nearest, 0x90, "f32.nearest") \
  V(F32Sqrt, 0x91, "f32.sqrt") \
  V(F32Add, 0x92, "f32.add") \
  V(F32Sub, 0x93, "f32.sub") \
  V(F32Mul, 0x94, "f32.mul") \
  V(F32Div, 0x95, "f32.div") \
  V(F32Min, 0x96, "f32.min") \
  V(F32Max, 0x97, "f32.max") \
  V(F32Copysign, 0x98, "f32.copysign") \
  V(F64Abs, 0x99, "f64.abs") \
  V(F64Neg, 0x9A, "f64.neg") \
  V(F64Ceil, 0x9B, "f64.ceil") \
  V(F64Floor, 0x9C, "f64.floor") \
  V(F64Trunc, 0x9D, "f64.trunc") \
  V(F64Nearest, 0x9E, "f64.nearest") \
  V(F64Sqrt, 0x9F, "f64.sqrt") \
  V(F64Add, 0xA0, "f64.add") \
  V(F64Sub, 0xA1, "f64.sub") \
  V(F64Mul, 0xA2, "f64.mul") \
  V(F64Div, 0xA3, "f64.div") \
  V(F64Min, 0xA4, "f64.min") \
  V(F64Max, 0xA5, "f64.max") \
  V(F64Copysign, 0xA6, "f64.copysign") \
  V(I32WrapI64, 0xA7, "i32.wrap_i64") \
  V(I32TruncF32S, 0xA8, "i32.trunc_f32_s") \
  V(I32TruncF32U, 0xA9, "i32.trunc_f32_u") \
  V(I32TruncF64S, 0xAA, "i32.trunc_f64_s") \
  V(I32TruncF64U, 0xAB, "i32.trunc_f64_u") \
  V(I64ExtendI32S, 0xAC, "i64.extend_i32_s") \
  V(I64ExtendI32U, 0xAD, "i64.extend_i32_u") \
  V(I64TruncF32S, 0xAE, "i64.trunc_f32_s") \
  V(I64TruncF32U, 0xAF, "i64.trunc_f32_u") \
  V(I64TruncF64S, 0xB0, "i64.trunc_f64_s") \
  V(I64TruncF64U, 0xB1, "i64.trunc_f64_u") \
  V(F32ConvertI32S, 0xB2, "f32.convert_i32_s") \
  V(F32ConvertI32U, 0xB3, "f32.convert_i32_u") \
  V(F32ConvertI64S, 0xB4, "f32.convert_i64_s") \
  V(F32ConvertI64U, 0xB5, "f32.convert_i64_u") \
  V(F32DemoteF64, 0xB6, "f32.demote_f64") \
  V(F64ConvertI32S, 0xB7, "f64.convert_i32_s") \
  V(F64ConvertI32U, 0xB8, "f64.convert_i32_u") \
  V(F64ConvertI64S, 0xB9, "f64.convert_i64_s") \
  V(F64ConvertI64U, 0xBA, "f64.convert_i64_u") \
  V(F64PromoteF32, 0xBB, "f64.promote_f32") \
  V(I32ReinterpretF32, 0xBC, "i32.reinterpret_f32") \
  V(I64ReinterpretF64, 0xBD, "i64.reinterpret_f64") \
  V(F32ReinterpretI32, 0xBE, "f32.reinterpret_i32") \
  V(F64ReinterpretI64, 0xBF, "f64.reinterpret_i64") \
  V(I32Extend8S, 0xC0, "i32.extend8_s") \
  V(I32Extend16S, 0xC1, "i32.extend16_s") \
  V(I64Extend8S, 0xC2, "i64.extend8_s") \
  V(I64Extend16S, 0xC3, "i64.extend16_s") \
  V(I64Extend32S, 0xC4, "i64.extend32_s") \
  V(RefNull, 0xD0, "ref.null") \
  V(RefIsNull, 0xD1, "ref.is_null") \
  V(RefFunc, 0xD2, "ref.func") \
  V(PrefixFC, 0xFC, "<prefix-fc>") \
  V(PrefixFD, 0xFD, "<prefix-fd>")

#define WEIR_WASM_FC_OPCODES(V) \
  V(I32TruncSatF32S, 0x00, "i32.trunc_sat_f32_s") \
  V(I32TruncSatF32U, 0x01, "i32.trunc_sat_f32_u") \
  V(I32TruncSatF64S, 0x02, "i32.trunc_sat_f64_s") \
  V(I32TruncSatF64U, 0x03, "i32.trunc_sat_f64_u") \
  V(I64TruncSatF32S, 0x04, "i64.trunc_sat_f32_s") \
  V(I64TruncSatF32U, 0x05, "i64.trunc_sat_f32_u") \
  V(I64TruncSatF64S, 0x06, "i64.trunc_sat_f64_s") \
  V(I64TruncSatF64U, 0x07, "i64.trunc_sat_f64_u") \
  V(MemoryInit, 0x08, "memory.init") \
  V(DataDrop, 0x09, "data.drop") \
  V(MemoryCopy, 0x0A, "memory.copy") \
  V(MemoryFill, 0x0B, "memory.fill") \
  V(TableInit, 0x0C, "table.init") \
  V(ElemDrop, 0x0D, "elem.drop") \
  V(TableCopy, 0x0E, "table.copy") \
  V(TableGrow, 0x0F, "table.grow") \
  V(TableSize, 0x10, "table.size") \
  V(TableFill, 0x11, "table.fill")

#define WEIR_WASM_SIMD_OPCODES(V) \
  V(V128Load, 0x00, "v128.load") \
  V(V128Load8x8S, 0x01, "v128.load8x8_s") \
  V(V128Load8x8U, 0x02, "v128.load8x8_u") \
  V(V128Load16x4S, 0x03, "v128.load16x4_s") \
  V(V128Load16x4U, 0x04, "v128.load16x4_u") \
  V(V128Load32x2S, 0x05, "v128.load32x2_s") \
  V(V128Load32x2U, 0x06, "v128.load32x2_u") \
  V(V128Load8Splat, 0x07, "v128.load8_splat") \
  V(V128Load16Splat, 0x08, "v128.load16_splat") \
  V(V128Load32Splat, 0x09, "v128.load32_splat") \
  V(V128Load64Splat, 0x0A, "v128.load64_splat") \
  V(V128Store, 0x0B, "v128.store") \
  V(V128Const, 0x0C, "v128.const") \
  V(I8x16Shuffle, 0x0D, "i8x16.shuffle") \
  V(I8x16Swizzle, 0x0E, "i8x16.swizzle") \
  V(I8x16Splat, 0x0F, "i8x16.splat") \
  V(I16x8Splat, 0x10, "i16x8.splat") \
  V(I32x4Splat, 0x11, "i32x4.splat") \
  V(I64x2Splat, 0x12, "i64x2.splat") \
  V(F32x4Splat, 0x13, "f32x4.splat") \
  V(F64x2Splat, 0x14, "f64x2.splat") \
  V(I8x16ExtractLaneS, 0x15, "i8x16.extract_lane_s") \
  V(I8x16ExtractLaneU, 0x16, "i8x16.extract_lane_u") \
  V(I8x16ReplaceLane, 0x17, "i8x16.replace_lane") \
  V(I16x8ExtractLaneS, 0x18, "i16x8.extract_lane_s") \
  V(I16x8ExtractLaneU, 0x19, "i16x8.extract_lane_u") \
  V(I16x8ReplaceLane, 0x1A, "i16x8.replace_lane") \
  V(I32x4ExtractLane, 0x1B, "i32x4.extract_lane") \
  V(I32x4ReplaceLane, 0x1C, "i32x4.replace_lane") \
  V(I64x2ExtractLane, 0x1D, "i64x2.extract_lane") \
  V(I64x2ReplaceLane, 0x1E, "i64x2.replace_lane") \
  V(F32x4ExtractLane, 0x1F, "f32x4.extract_lane") \
  V(F32x4ReplaceLane, 0x20, "f32x4.replace_lane") \
  V(F64x2ExtractLane, 0x21, "f64x2.extract_lane") \
  V(F64x2ReplaceLane, 0x22, "f64x2.replace_lane") \
  V(I8x16Eq, 0x23, "i8x16.eq") \
  V(I8x16Ne, 0x24, "i8x16.ne") \
  V(I8x16LtS, 0x25, "i8x16.lt_s") \
  V(I8x16LtU, 0x26, "i8x16.lt_u") \
  V(I8x16GtS, 0x27, "i8x16.gt_s") \
  V(I8x16GtU, 0x28, "i8x16.gt_u") \
  V(I8x16LeS, 0x29, "i8x16.le_s") \
  V(I8x16LeU, 0x2A, "i8x16.le_u") \
  V(I8x16GeS, 0x2B, "i8x16.ge_s") \
  V(I8x16GeU, 0x2C, "i8x16.ge_u") \
  V(I16x8Eq, 0x2D, "i16x8.eq") \
  V(I16x8Ne, 0x2E, "i16x8.ne") \
  V(I16x8LtS, 0x2F, "i16x8.lt_s") \
  V(I16x8LtU, 0x30, "i16x8.lt_u") \
  V(I16x8GtS, 0x31, "i16x8.gt_s") \
  V(I16x8GtU, 0x32, "i16x8.gt_u") \
  V(I16x8LeS, 0x33, "i16x8.le_s") \
  V(I16x8LeU, 0x34, "i16x8.le_u") \
  V(I16x8GeS, 0x35, "i16x8.ge_s") \
  V(I16x8GeU, 0x36, "i16x8.ge_u") \
  V(I32x4Eq, 0x37, "i32x4.eq") \
  V(I32x4Ne, 0x38, "i32x4.ne") \
  V(I32x4LtS, 0x39, "i32x4.lt_s") \
  V(I32x4LtU, 0x3A, "i32x4.lt_u") \
  V(I32x4GtS, 0x3B, "i32x4.gt_s") \
  V(I32x4GtU, 0x3C, "i32x4.gt_u") \
  V(I32x4LeS, 0x3D, "i32x4.le_s") \
  V(I32x4LeU, 0x3E, "i32x4.le_u") \
  V(I32x4GeS, 0x3F, "i32x4.ge_s") \
  V(I32x4GeU, 0x40, "i32x4.ge_u") \
  V(F32x4Eq, 0x41, "f32x4.eq") \
  V(F32x4Ne, 0x42, "f32x4.ne") \
  V(F32x4Lt, 0x43, "f32x4.lt") \
  V(F32x4Gt, 0x44, "f32x4.gt") \
  V(F32x4Le, 0x45, "f32x4.le") \
  V(F32x4Ge, 0x46, "f32x4.ge") \
  V(F64x2Eq, 0x47, "f64x2.eq") \
  V(F64x2Ne, 0x48, "f64x2.ne") \
  V(F64x2Lt, 0x49, "f64x2.lt") \
  V(F64x2Gt, 0x4A, "f64x2.gt") \
  V(F64x2Le, 0x4B, "f64x2.le") \
  V(F64x2Ge, 0x4C, "f64x2.ge") \
  V(V128Not, 0x4D, "v128.not") \
  V(V128And, 0x4E, "v128.and") \
  V(V128Andnot, 0x4F, "v128.andnot") \
  V(V128Or, 0x50, "v128.or") \
  V(V128Xor, 0x51, "v128.xor") \
  V(V128Bitselect, 0x52, "v128.bitselect") \
  V(V128AnyTrue, 0x53, "v128.any_true") \
  V(V128Load8Lane, 0x54, "v128.load8_lane") \
  V(V128Load16Lane, 0x55, "v128.load16_lane") \
  V(V128Load32Lane, 0x56, "v128.load32_lane") \
  V(V128Load64Lane, 0x57, "v128.load64_lane") \
  V(V128Store8Lane, 0x58, "v128.store8_lane") \
  V(V128Store16Lane, 0x59, "v128.store16_lane") \
  V(V128Store32Lane, 0x5A, "v128.store32_lane") \
  V(V128Store64Lane, 0x5B, "v128.store64_lane") \
  V(V128Load32Zero, 0x5C, "v128.load32_zero") \
  V(V128Load64Zero, 0x5D, "v128.load64_zero") \
  V(F32x4DemoteF64x2Zero, 0x5E, "f32x4.demote_f64x2_zero") \
  V(F64x2PromoteLowF32x4, 0x5F, "f64x2.promote_low_f32x4") \
  V(I8x16Abs, 0x60, "i8x16.abs") \
  V(I8x16Neg, 0x61, "i8x16.neg") \
  V(I8x16Popcnt, 0x62, "i8x16.popcnt") \
  V(I8x16AllTrue, 0x63, "i8x16.all_true") \
  V(I8x16Bitmask, 0x64, "i8x16.bitmask") \
  V(I8x16NarrowI16x8S, 0x65, "i8x16.narrow_i16x8_s") \
  V(I8x16NarrowI16x8U, 0x66, "i8x16.narrow_i16x8_u") \
  V(F32x4Ceil, 0x67, "f32x4.ceil") \
  V(F32x4Floor, 0x68, "f32x4.floor") \
  V(F32x4Trunc, 0x69, "f32x4.trunc") \
  V(F32x4Nearest, 0x6A, "f32x4.nearest") \
  V(I8x16Shl, 0x6B, "i8x16.shl") \
  V(I8x16ShrS, 0x6C, "i8x16.shr_s") \
  V(I8x16ShrU, 0x6D, "i8x16.shr_u") \
  V(I8x16Add, 0x6E, "i8x16.add") \
  V(I8x16AddSatS, 0x6F, "i8x16.add_sat_s") \
  V(I8x16AddSatU, 0x70, "i8x16.add_sat_u") \
  V(I8x16Sub, 0x71, "i8x16.sub") \
  V(I8x16SubSatS, 0x72, "i8x16.sub_sat_s") \
  V(I8x16SubSatU, 0x73, "i8x16.sub_sat_u") \
  V(F64x2Ceil, 0x74, "f64x2.ceil") \
  V(F64x2Floor, 0x75, "f64x2.floor") \
  V(I8x16MinS, 0x76, "i8x16.min_s") \
  V(I8x16MinU, 0x77, "i8x16.min_u") \
  V(I8x16MaxS, 0x78, "i8x16.max_s") \
  V(I8x16MaxU, 0x79, "i8x16.max_u") \
  V(F64x2Trunc, 0x7A, "f64x2.trunc") \
  V(I8x16AvgrU, 0x7B, "i8x16.avgr_u") \
  V(I16x8ExtaddPairwiseI8x16S, 0x7C, "i16x8.extadd_pairwise_i8x16_s") \
  V(I16x8ExtaddPairwiseI8x16U, 0x7D, "i16x8.extadd_pairwise_i8x16_u") \
  V(I32x4ExtaddPairwiseI16x8S, 0x7E, "i32x4.extadd_pairwise_i16x8_s") \
  V(I32x4ExtaddPairwiseI16x8U, 0x7F, "i32x4.extadd_pairwise_i16x8_u") \
  V(I16x8Abs, 0x80, "i16x8.abs") \
  V(I16x8Neg, 0x81, "i16x8.neg") \
  V(I16x8Q15mulrSatS, 0x82, "i16x8.q15mulr_sat_s") \
  V(I16x8AllTrue, 0x83, "i16x8.all_true") \
  V(I16x8Bitmask, 0x84, "i16x8.bitmask") \
  V(I16x8NarrowI32x4S, 0x85, "i16x8.narrow_i32x4_s") \
  V(I16x8NarrowI32x4U, 0x86, "i16x8.narrow_i32x4_u") \
  V(I16x8ExtendLowI8x16S, 0x87, "i16x8.extend_low_i8x16_s") \
  V(I16x8ExtendHighI8x16S, 0x88, "i16x8.extend_high_i8x16_s") \
  V(I16x8ExtendLowI8x16U, 0x89, "i16x8.extend_low_i8x16_u") \
  V(I16x8ExtendHighI8x16U, 0x8A, "i16x8.extend_high_i8x16_u") \
  V(I16x8Shl, 0x8B, "i16x8.shl") \
  V(I16x8ShrS, 0x8C, "i16x8.shr_s") \
  V(I16x8ShrU, 0x8D, "i16x8.shr_u") \
  V(I16x8Add, 0x8E, "i16x8.add") \
  V(I16x8AddSatS, 0x8F, "i16x8.add_sat_s") \
  V(I16x8AddSatU, 0x90, "i16x8.add_sat_u") \
  V(I16x8Sub, 0x91, "i16x8.sub") \
  V(I16x8SubSatS, 0x92, "i16x8.sub_sat_s") \
  V(I16x8SubSatU, 0x93, "i16x8.sub_sat_u") \
  V(F64x2Nearest, 0x94, "f64x2.nearest") \
  V(I16x8Mul, 0x95, "i16x8.mul") \
  V(I16x8MinS, 0x96, "i16x8.min_s") \
  V(I16x8MinU, 0x97, "i16x8.min_u") \
  V(I16x8MaxS, 0x98, "i16x8.max_s") \
  V(I16x8MaxU, 0x99, "i16x8.max_u") \
  V(I16x8AvgrU, 0x9B, "i16x8.avgr_u") \
  V(I16x8ExtmulLowI8x16S, 0x9C, "i16x8.extmul_low_i8x16_s") \
  V(I16x8ExtmulHighI8x16S, 0x9D, "i16x8.extmul_high_i8x16_s") \
  V(I16x8ExtmulLowI8x16U, 0x9E, "i16x8.extmul_low_i8x16_u") \
  V(I16x8ExtmulHighI8x16U, 0x9F, "i16x8.extmul_high_i8x16_u") \
  V(I32x4Abs, 0xA0, "i32x4.abs") \
  V(I32x4Neg, 0xA1, "i32x4.neg") \
  V(I32x4AllTrue, 0xA3, "i32x4.all_true") \
  V(I32x4Bitmask, 0xA4, "i32x4.bitmask") \
  V(I32x4ExtendLowI16x8S, 0xA7, "i32x4.extend_low_i16x8_s") \
  V(I32x4ExtendHighI16x8S, 0xA8, "i32x4.extend_high_i16x8_s") \
  V(I32x4ExtendLowI16x8U, 0xA9, "i32x4.extend_low_i16x8_u") \
  V(I32x4ExtendHighI16x8U, 0xAA, "i32x4.extend_high_i16x8_u") \
  V(I32x4Shl, 0xAB, "i32x4.shl") \
  V(I32x4ShrS, 0xAC, "i32x4.shr_s") \
  V(I32x4ShrU, 0xAD, "i32x4.shr_u") \
  V(I32x4Add, 0xAE, "i32x4.add") \
  V(I32x4Sub, 0xB1, "i32x4.sub") \
  V(I32x4Mul, 0xB5, "i32x4.mul") \
  V(I32x4MinS, 0xB6, "i32x4.min_s") \
  V(I32x4MinU, 0xB7, "i32x4.min_u") \
  V(I32x4MaxS, 0xB8, "i32x4.max_s") \
  V(I32x4MaxU, 0xB9, "i32x4.max_u") \
  V(I32x4DotI16x8S, 0xBA, "i32x4.dot_i16x8_s") \
  V(I32x4ExtmulLowI16x8S, 0xBC, "i32x4.extmul_low_i16x8_s") \
  V(I32x4ExtmulHighI16x8S, 0xBD, "i32x4.extmul_high_i16x8_s") \
  V(I32x4ExtmulLowI16x8U, 0xBE, "i32x4.extmul_low_i16x8_u") \
  V(I32x4ExtmulHighI16x8U, 0xBF, "i32x4.extmul_high_i16x8_u") \
  V(I64x2Abs, 0xC0, "i64x2.abs") \
  V(I64x2Neg, 0xC1, "i64x2.neg") \
  V(I64x2AllTrue, 0xC3, "i64x2.all_true") \
  V(I64x2Bitmask, 0xC4, "i64x2.bitmask") \
  V(I64x2ExtendLowI32x4S, 0xC7, "i64x2.extend_low_i32x4_s") \
  V(I64x2ExtendHighI32x4S, 0xC8, "i64x2.extend_high_i32x4_s") \
  V(I64x2ExtendLowI32x4U, 0xC9, "i64x2.extend_low_i32x4_u") \
  V(I64x2ExtendHighI32x4U, 0xCA, "i64x2.extend_high_i32x4_u") \
  V(I64x2Shl, 0xCB, "i64x2.shl") \
  V(I64x2ShrS, 0xCC, "i64x2.shr_s") \
  V(I64x2ShrU, 0xCD, "i64x2.shr_u") \
  V(I64x2Add, 0xCE, "i64x2.add") \
  V(I64x2Sub, 0xD1, "i64x2.sub") \
  V(I64x2Mul, 0xD5, "i64x2.mul") \
  V(I64x2Eq, 0xD6, "i64x2.eq") \
  V(I64x2Ne, 0xD7, "i64x2.ne") \
  V(I64x2LtS, 0xD8, "i64x2.lt_s") \
  V(I64x2GtS, 0xD9, "i64x2.gt_s") \
  V(I64x2LeS, 0xDA, "i64x2.le_s") \
  V(I64x2GeS, 0xDB, "i64x2.ge_s") \
  V(I64x2ExtmulLowI32x4S, 0xDC, "i64x2.extmul_low_i32x4_s") \
  V(I64x2ExtmulHighI32x4S, 0xDD, "i64x2.extmul_high_i32x4_s") \
  V(I64x2ExtmulLowI32x4U, 0xDE, "i64x2.extmul_low_i32x4_u") \
  V(I64x2ExtmulHighI32x4U, 0xDF, "i64x2.extmul_high_i32x4_u") \
  V(F32x4Abs, 0xE0, "f32x4.abs") \
  V(F32x4Neg, 0xE1, "f32x4.neg") \
  V(F32x4Sqrt, 0xE3, "f32x4.sqrt") \
  V(F32x4Add, 0xE4, "f32x4.add") \
  V(F32x4Sub, 0xE5, "f32x4.sub") \
  V(F32x4Mul, 0xE6, "f32x4.mul") \
  V(F32x4Div, 0xE7, "f32x4.div") \
  V(F32x4Min, 0xE8, "f32x4.min") \
  V(F32x4Max, 0xE9, "f32x4.max") \
  V(F32x4Pmin, 0xEA, "f32x4.pmin") \
  V(F32x4Pmax, 0xEB, "f32x4.pmax") \
  V(F64x2Abs, 0xEC, "f64x2.abs") \
  V(F64x2Neg, 0xED, "f64x2.neg") \
  V(F64x2Sqrt, 0xEF, "f64x2.sqrt") \
  V(F64x2Add, 0xF0, "f64x2.add") \
  V(F64x2Sub, 0xF1, "f64x2.sub") \
  V(F64x2Mul, 0xF2, "f64x2.mul") \
  V(F64x2Div, 0xF3, "f64x2.div") \
  V(F64x2Min, 0xF4, "f64x2.min") \
  V(F64x2Max, 0xF5, "f64x2.max") \
  V(F64x2Pmin, 0xF6, "f64x2.pmin") \
  V(F64x2Pmax, 0xF7, "f64x2.pmax") \
  V(I32x4TruncSatF32x4S, 0xF8, "i32x4.trunc_sat_f32x4_s") \
  V(I32x4TruncSatF32x4U, 0xF9, "i32x4.trunc_sat_f32x4_u") \
  V(F32x4ConvertI32x4S, 0xFA, "f32x4.convert_i32x4_s") \
  V(F32x4ConvertI32x4U, 0xFB, "f32x4.convert_i32x4_u") \
  V(I32x4TruncSatF64x2SZero, 0xFC, "i32x4.trunc_sat_f64x2_s_zero") \
  V(I32x4TruncSatF64x2UZero, 0xFD, "i32x4.trunc_sat_f64x2_u_zero") \
  V(F64x2ConvertLowI32x4S, 0xFE, "f64x2.convert_low_i32x4_s") \
  V(F64x2ConvertLowI32x4U, 0xFF, "f64x2.convert_low_i32x4_u")

// Single-byte opcodes (and the two prefix bytes).
enum class Opcode : uint8_t {
#define WEIR_WASM_OPCODE_ENUM(name, code, text) k##name = code,
  WEIR_WASM_OPCODES(WEIR_WASM_OPCODE_ENUM)
};

// Sub-opcodes after the 0xFC prefix.
enum class FcOpcode : uint32_t {
  WEIR_WASM_FC_OPCODES(WEIR_WASM_OPCODE_ENUM)
};

// Sub-opcodes after the 0xFD prefix (SIMD).
enum class SimdOpcode : uint32_t {
  WEIR_WASM_SIMD_OPCODES(WEIR_WASM_OPCODE_ENUM)
};
#undef WEIR_WASM_OPCODE_ENUM

inline constexpr uint32_t kNumFcOpcodes = 18;        // 0x00..0x11
inline constexpr uint32_t kSimdOpcodeLimit = 0x100;  // SIMD sub-opcodes are < 0x100

// Text-format names ("i32.add", "v128.load8_lane"); "" for unknown codes.
std::string_view opcodeName(Opcode op);
std::string_view opcodeName(uint8_t byte);
std::string_view fcOpcodeName(uint32_t sub);
std::string_view simdOpcodeName(uint32_t sub);
// Whether a byte / sub-opcode is defined in Wasm 2.0.
bool isKnownOpcode(uint8_t byte);
bool isKnownFcOpcode(uint32_t sub);
bool isKnownSimdOpcode(uint32_t sub);

}  // namespace weir::wasm

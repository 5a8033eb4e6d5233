#pragma once
// Semantics of every Wasm 2.0 SIMD (0xFD) instruction as pure inline functions on
// weir::wasm::V128, named after the instruction (i8x16.add_sat_s → i8x16AddSatS).
// simd_ops.h lists them by opcode for dispatch loops. See docs/wasm-simd.md.

#include "wasm/simd/simd_float.h"
#include "wasm/simd/simd_int.h"
#include "wasm/simd/simd_memory.h"
#include "wasm/simd/v128.h"

// weir's own Wasm-to-C translation of single functions, for what wasm2c
// 1.0.32 cannot translate: functions with SIMD instructions or v128 locals.
// prepareModule() hands wasm2c a stub for each such function (`unreachable`);
// the stub's C definition is then replaced by the one emitted here, written
// against the same names wasm2c gives everything else (w2c_f<N>, the
// instance struct's imports, func_types, the load/store helpers and trap
// macros), with the same checks as patched wasm2c code: the entry check
// (depth, native stack, interrupt/fuel) and a poll at every loop header.
// SIMD operations call the C functions of simd_prelude.h. See
// docs/wasm-aot.md, "Functions weir translates itself".
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "wasm/aot/options.h"
#include "wasm/module.h"

namespace weir::wasm::aot {

// Whether defined function `defined_index` has v128 locals or any SIMD
// instruction, i.e. whether wasm2c 1.0.32 would abort on it.
bool usesSimd(const wasm::Module& module, uint32_t defined_index);

// Whether v128 appears where the emitter cannot take it over from wasm2c:
// in the type of a function or of a call_indirect, or in a global (it only
// translates function bodies; wasm2c still declares every function and
// global). Types with v128 used only by blocks are fine: prepareModule()
// hides them from wasm2c.
bool v128InSignatures(const wasm::Module& module);

// The C definition of defined function `defined_index` of a validated
// module, for a build with `checks` (resolved). kUnimplemented names an
// instruction the emitter does not translate (ref.func, table.* and
// segment instructions).
Result<std::string> emitFunction(const wasm::Module& module, uint32_t defined_index, MemoryChecks checks);

}  // namespace weir::wasm::aot

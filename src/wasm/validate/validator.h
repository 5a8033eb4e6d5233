// Wasm 2.0 validation (the spec's validation rules, with the operand/control
// stack algorithm of the spec appendix for function bodies). The public entry
// point is weir::wasm::validateModule() in wasm/module.h; this header exposes
// the pieces tests and tools use directly.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "wasm/module.h"

namespace weir::wasm::validate {

// Function indices that may appear in ref.func inside function bodies: those
// mentioned in element segments, global initializers and exports (C.refs).
std::vector<bool> declaredFuncRefs(const Module& m);

// Validates one defined function's body (index into Module::functions) and
// records what it learns (max_stack_height, uses_memory, ...) in `f`.
Status validateFunction(const Module& m, const std::vector<bool>& refs, const DecodeLimits& limits,
                        uint32_t defined_index, Function& f);

}  // namespace weir::wasm::validate

// The C side of the compiled tier: weir's own wasm-rt.h (the runtime interface
// wasm2c's output is written against), the patches applied to wasm2c's output
// (call-depth/stack/interrupt checks at function entry and loop headers,
// precise trap kinds) and the glue appended to it (host-import thunks, entry
// trampolines, the exported weir_aot_* entry points).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "wasm/aot/options.h"
#include "wasm/module.h"

namespace weir::wasm::aot {

// The header the generated code includes as "wasm-rt.h"; `checks` resolved
// (kGuardPages or kExplicit).
std::string runtimeHeader(MemoryChecks checks);

// Patches wasm2c's C output and header in place for a build with `checks`
// (resolved). Fails (kInternal) when the output does not look like the wasm2c
// version this was written for.
Status patchGeneratedSource(std::string& c_source, std::string& header, MemoryChecks checks);

// The glue for `module` (the original, not the prepared one), appended to the
// generated C file. `module_digest` (hex SHA-256 of its bytes) is compiled in
// and checked when the object is loaded.
std::string glueSource(const wasm::Module& module, const std::string& module_digest);

// Replaces wasm2c's definition of each function in `definitions` (function
// index, C definition from emitter.h) and, when `prelude` is not empty,
// inserts it before the first definition. Fails (kInternal) when a
// definition is not found.
Status spliceFunctions(std::string& c_source, const std::vector<std::pair<uint32_t, std::string>>& definitions,
                       std::string_view prelude);

// How wasm2c 1.0.32 writes types: the C type of a value, the letter of a
// value type in multi-value struct names and fields (struct wasm_multi_id
// { u32 i0; f64 d1; }), and the C return type of a function of type `t`.
const char* cType(ValType t);
char mangleChar(ValType t);
std::string returnType(const FuncType& t);

}  // namespace weir::wasm::aot

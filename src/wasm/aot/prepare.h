// Rewrites a validated module into the shape the generated C expects, before
// wasm2c sees it (see docs/wasm-aot.md, "What wasm2c is given"):
//   - every import is renamed to module "w" with short field names (f<N>
//     functions by function index, m0 the memory, g<N> globals by global
//     index), so the generated symbol names are predictable;
//   - the defined memory and defined globals become imports too: weir creates
//     them (limits, initializers) and the generated code works on weir's own
//     Memory and Global objects, shared with the host and other instances;
//   - a dummy immutable global "w"."z" is always imported last, so the
//     generated instance struct always has the environment pointer;
//   - exports, the start function and custom sections are dropped (weir keeps
//     the original module for names and calls start itself); a declarative
//     element segment keeps every function declared for ref.func.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "wasm/module.h"

namespace weir::wasm::aot {

struct PreparedModule {
  std::vector<uint8_t> binary;  // input for wasm2c
  uint32_t num_globals = 0;     // imported + defined globals of the original module
};

// kUnimplemented names what the compiled tier does not support (tables shared
// with other instances, funcref globals, more than one memory). Defined
// functions marked in `stubbed` (by defined index) get the body
// `unreachable`: their C definitions come from emitter.h.
Result<PreparedModule> prepareModule(const wasm::Module& module, const std::vector<bool>& stubbed = {});

}  // namespace weir::wasm::aot

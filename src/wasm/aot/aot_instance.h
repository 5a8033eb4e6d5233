// Per-instance state of the compiled tier and the calls between weir and
// compiled code. Used by runtime::Instance; embedders never see it.
#pragma once

#include <memory>
#include <optional>
#include <span>

#include "base/status.h"
#include "wasm/runtime/objects.h"
#include "wasm/runtime/trap.h"

namespace weir::wasm::runtime {
class Instance;
class CodeObject;
}

namespace weir::wasm::aot {

struct InstanceState;
struct InstanceStateDeleter {
  void operator()(InstanceState* s) const;
};
using InstanceStatePtr = std::unique_ptr<InstanceState, InstanceStateDeleter>;

// Binds `instance`'s (already linked) functions, memory and globals to a new
// instance of its compiled code and runs the element and data segments. A trap
// comes back as "trap: <message>" (kFailedPrecondition), like the interpreter.
Status instantiate(runtime::Instance& instance, InstanceStatePtr& out);

// True when instances of `code` should create their memories inside a guard
// reservation (runtime::Memory::create's guard_region): compiled code built
// without bounds checks, and the fault handler installed.
bool wantsGuardRegion(const runtime::CodeObject& code);

// True for functions defined by compiled code (they are called through their
// HostFn entry, so the interpreter and host imports can call them unchanged).
bool isCompiledFunction(const runtime::Function& f);

// Calls `func` from the embedder on behalf of `caller` (an instance of either
// tier): compiled functions run their code, host functions are called directly.
std::optional<runtime::Trap> call(runtime::Instance& caller, runtime::Function& func,
                                  std::span<const runtime::Value> args, std::span<runtime::Value> results);

// Runs compiled function `func` with its arguments and results in `slots`
// (runtime::Instance::callSlots).
std::optional<runtime::Trap> callSlots(runtime::Function& func, uint64_t* slots);

}  // namespace weir::wasm::aot

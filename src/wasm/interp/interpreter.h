// The interpreter's execution context and entry point.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "wasm/interp/code.h"
#include "wasm/runtime/objects.h"
#include "wasm/runtime/trap.h"

namespace weir::wasm::runtime {
class Instance;
}

namespace weir::wasm::interp {

struct CallFrame {
  const Word* ret_pc;  // null: return to the native caller
  uint64_t* fp;
  runtime::Function* func;
};

// One per Instance: the value stack and the call-frame stack. Calls into other
// instances' functions run on the calling instance's context.
struct ExecContext {
  ExecContext(runtime::Instance& owner, uint32_t max_stack_slots, uint32_t max_depth);

  runtime::Instance& owner;
  std::unique_ptr<uint64_t[]> stack;
  uint64_t* stack_end = nullptr;
  uint64_t* stack_top = nullptr;  // first free slot for a new entry from native code
  std::unique_ptr<CallFrame[]> frames;
  uint32_t max_depth = 0;
  uint32_t depth = 0;
  std::vector<runtime::Value> host_values;  // argument/result staging for host calls
  size_t host_values_top = 0;
  runtime::Trap trap;
};

// Runs `func` with args/results as typed Values. Returns false on a trap
// (details in ctx.trap).
bool execute(ExecContext& ctx, runtime::Function& func, const runtime::Value* args,
             runtime::Value* results);
// The same for a scalar signature with arguments and results in one slot
// each (runtime::Instance::callSlots).
bool executeSlots(ExecContext& ctx, runtime::Function& func, uint64_t* slots);

}  // namespace weir::wasm::interp

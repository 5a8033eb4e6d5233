// The interpreter's internal code format (see docs/wasm-engine.md).
//
// Each function is translated once into a flat array of 64-bit words. An
// instruction is its handler's address (computed-goto threading) followed by
// operand words. Operands are frame slot indices: the translator knows the
// operand stack height at every instruction, so "the value on top of the
// stack" becomes a fixed slot and the code is register-style (d = a op b)
// with no runtime stack pointer. local.get and constants are folded into the
// consuming instruction's operands, and local.set into the producer's
// destination, so `x = y + z` is a single instruction.
//
// Frame layout (8-byte slots; v128 uses two): [params][locals][operand stack].
// A call places the callee frame at the caller's argument slots, so arguments
// are never copied and results land where the caller expects them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace weir::wasm::interp {

union Word {
  const void* op;
  uint64_t u;
  int64_t i;
  struct {
    uint32_t lo;
    uint32_t hi;
  } p;
};
static_assert(sizeof(Word) == 8);

// Three slot operands packed in one word (21 bits each).
inline constexpr uint32_t kSlotBits = 21;
inline constexpr uint32_t kMaxSlots = (1u << kSlotBits) - 1;
inline constexpr uint64_t pack3(uint32_t d, uint32_t a, uint32_t b) {
  return uint64_t{d} | (uint64_t{a} << kSlotBits) | (uint64_t{b} << (2 * kSlotBits));
}

struct CompiledFunc {
  std::vector<Word> code;
  uint32_t num_param_slots = 0;
  uint32_t num_local_slots = 0;   // declared locals (zeroed on entry)
  uint32_t num_result_slots = 0;
  uint32_t frame_slots = 0;       // params + locals + max operand stack
  uint32_t func_index = 0;
};

}  // namespace weir::wasm::interp

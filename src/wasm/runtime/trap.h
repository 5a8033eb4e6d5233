// A trap is a value: what went wrong, a message, and where (a Wasm backtrace
// with names from the module's name section). Nothing a guest does unwinds the
// native stack or aborts the host.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::wasm::runtime {

enum class TrapKind : uint8_t {
  kUnreachable,
  kMemoryOutOfBounds,
  kIntegerOverflow,
  kIntegerDivideByZero,
  kInvalidConversion,
  kIndirectCallTypeMismatch,
  kUndefinedElement,
  kUninitializedElement,
  kTableOutOfBounds,
  kCallStackExhausted,
  kInterrupted,
  kOutOfFuel,
  kHostError,
  // Not an error: a host function (WASI proc_exit) asked to end the program.
  // exit_code carries the status.
  kExit,
};

// The spec test suite's wording ("unreachable", "out of bounds memory access", ...).
std::string_view trapKindMessage(TrapKind kind);

struct BacktraceFrame {
  uint32_t func_index = 0;
  std::string func_name;  // from the name section; empty if none
  uint32_t code_offset = 0;  // offset of the instruction in the function's internal code
};

struct Trap {
  TrapKind kind = TrapKind::kUnreachable;
  std::string message;
  std::vector<BacktraceFrame> backtrace;  // innermost first
  int32_t exit_code = 0;                  // for kExit

  // "trap: out of bounds memory access\n  at $f (func 3)\n ..."
  std::string toString() const;
};

}  // namespace weir::wasm::runtime

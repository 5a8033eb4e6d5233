#include "wasm/runtime/trap.h"

#include <cstdio>

#include "wasm/runtime/value.h"

namespace weir::wasm::runtime {

std::string_view trapKindMessage(TrapKind kind) {
  switch (kind) {
    case TrapKind::kUnreachable: return "unreachable";
    case TrapKind::kMemoryOutOfBounds: return "out of bounds memory access";
    case TrapKind::kIntegerOverflow: return "integer overflow";
    case TrapKind::kIntegerDivideByZero: return "integer divide by zero";
    case TrapKind::kInvalidConversion: return "invalid conversion to integer";
    case TrapKind::kIndirectCallTypeMismatch: return "indirect call type mismatch";
    case TrapKind::kUndefinedElement: return "undefined element";
    case TrapKind::kUninitializedElement: return "uninitialized element";
    case TrapKind::kTableOutOfBounds: return "out of bounds table access";
    case TrapKind::kCallStackExhausted: return "call stack exhausted";
    case TrapKind::kInterrupted: return "interrupted";
    case TrapKind::kOutOfFuel: return "out of fuel";
    case TrapKind::kHostError: return "host error";
    case TrapKind::kExit: return "exit";
  }
  return "trap";
}

std::string Trap::toString() const {
  std::string out = "trap: " + message;
  for (const BacktraceFrame& f : backtrace) {
    out += "\n  at ";
    out += f.func_name.empty() ? "<func " + std::to_string(f.func_index) + ">" : "$" + f.func_name;
    out += " (func " + std::to_string(f.func_index) + ")";
  }
  return out;
}

std::string Value::toString() const {
  char buf[96];
  switch (type) {
    case ValType::kI32: std::snprintf(buf, sizeof buf, "i32:%d", i32); break;
    case ValType::kI64: std::snprintf(buf, sizeof buf, "i64:%lld", static_cast<long long>(i64)); break;
    case ValType::kF32: std::snprintf(buf, sizeof buf, "f32:%a (0x%08x)", static_cast<double>(f32), f32Bits()); break;
    case ValType::kF64: std::snprintf(buf, sizeof buf, "f64:%a (0x%016llx)", f64, static_cast<unsigned long long>(f64Bits())); break;
    case ValType::kV128: {
      std::string s = "v128:";
      for (int i = 0; i < 4; ++i) {
        std::snprintf(buf, sizeof buf, "%s0x%08x", i ? " " : "", v128.u32(i));
        s += buf;
      }
      return s;
    }
    case ValType::kFuncRef:
    case ValType::kExternRef:
      if (ref == kNullRef) std::snprintf(buf, sizeof buf, "%s:null", type == ValType::kFuncRef ? "funcref" : "externref");
      else std::snprintf(buf, sizeof buf, "%s:0x%llx", type == ValType::kFuncRef ? "funcref" : "externref", static_cast<unsigned long long>(ref));
      break;
  }
  return buf;
}

}  // namespace weir::wasm::runtime

// Runs a generated module (wasm_module_gen.h) on weir's interpreter and on
// wabt's interpreter (wabt_runner.h) and reports the first difference in
// results, traps (the kind, where wabt's message says which), memory size or
// memory contents. Used by wasm_wabt_differential_fuzz.cc and by the unit
// test that replays its seed corpus.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "wabt_runner.h"
#include "wasm_module_gen.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"

namespace weir::wasm::fuzz {

// weir's trap kind for a wabt trap message; kHostError when the message is
// not one this comparison knows (then only "both trapped" is compared).
inline runtime::TrapKind trapKindOfWabtMessage(std::string_view m) {
  using runtime::TrapKind;
  auto has = [&](std::string_view s) { return m.find(s) != std::string_view::npos; };
  if (has("out of bounds memory access") || (has("memory.") && has("out of bounds"))) {
    return TrapKind::kMemoryOutOfBounds;
  }
  if (has("divide by zero")) return TrapKind::kIntegerDivideByZero;
  if (has("integer overflow")) return TrapKind::kIntegerOverflow;
  if (has("unreachable")) return TrapKind::kUnreachable;
  if (has("invalid conversion")) return TrapKind::kInvalidConversion;
  return TrapKind::kHostError;
}

class WabtDifferential {
 public:
  // What the compared calls did, so a test can check the inputs exercise
  // both outcomes.
  int calls = 0;
  int traps = 0;

  // Empty when both interpreters agree; otherwise what differed.
  std::string run(const uint8_t* data, size_t size) {
    ModuleGenerator gen(data, size);
    const std::vector<uint8_t> bytes = gen.generate();

    auto compiled = runtime::Engine().compile(bytes);
    if (!compiled.isOk()) return "weir rejects the generated module: " + compiled.status().message();
    runtime::Linker linker;
    auto mine = runtime::Instance::instantiate(compiled.value(), linker);
    std::string wabt_error;
    auto ref = WabtRunner::create(bytes, &wabt_error);
    if (mine.isOk() != (ref != nullptr)) {
      return "instantiation: weir " + (mine.isOk() ? std::string("ok") : mine.status().message()) + ", wabt " +
             (ref ? std::string("ok") : wabt_error);
    }
    if (!mine.isOk()) return "";
    runtime::Instance& w = *mine.value();
    if (std::string d = compareMemory(w, *ref); !d.empty()) return "after instantiation: " + d;

    // Up to 8 calls, each export in turn, arguments from the input.
    for (int call = 0; call < 8; ++call) {
      const std::string name = "f" + std::to_string(call % gen.numFunctions());
      auto func = w.exportedFunction(name);
      if (!func) return "export " + name + " missing in weir";
      const int32_t a0 = gen.argument(), a1 = gen.argument();
      runtime::Value args[2] = {runtime::Value::fromI32(a0), runtime::Value::fromI32(a1)};
      runtime::Value out[1];
      auto trap = w.call(*func, args, out);
      auto theirs = ref->call(name, {static_cast<uint32_t>(a0), static_cast<uint32_t>(a1)});
      if (!theirs) return "export " + name + " missing in wabt";
      const std::string where = name + "(" + std::to_string(a0) + ", " + std::to_string(a1) + "): ";
      if (trap.has_value() != theirs->trapped) {
        return where + "weir " + (trap ? trap->message : "returned " + std::to_string(out[0].i32)) + ", wabt " +
               (theirs->trapped ? theirs->trap_message : "returned " + resultText(*theirs));
      }
      ++calls;
      if (trap) ++traps;
      if (trap) {
        const runtime::TrapKind k = trapKindOfWabtMessage(theirs->trap_message);
        if (k != runtime::TrapKind::kHostError && k != trap->kind) {
          return where + "traps differ: weir \"" + trap->message + "\", wabt \"" + theirs->trap_message + "\"";
        }
      } else if (theirs->results.size() != 1 || static_cast<int32_t>(theirs->results[0]) != out[0].i32) {
        return where + "results differ: weir " + std::to_string(out[0].i32) + ", wabt " + resultText(*theirs);
      }
      // Both interpreters keep every store made before a trap.
      if (std::string d = compareMemory(w, *ref); !d.empty()) return where + d;
    }
    return "";
  }

 private:
  static std::string resultText(const WabtRunner::CallResult& r) {
    return r.results.size() == 1 ? std::to_string(static_cast<int32_t>(r.results[0])) : "no single result";
  }

  static std::string compareMemory(const runtime::Instance& w, const WabtRunner& ref) {
    const runtime::Memory* mine = w.memory();
    auto theirs = ref.memory();
    if ((mine == nullptr) != !theirs) return "one side has no memory";
    if (mine == nullptr) return "";
    if (mine->sizeBytes() != theirs->size) {
      return "memory sizes differ: " + std::to_string(mine->sizeBytes()) + " vs " + std::to_string(theirs->size);
    }
    auto bytes = mine->span(0, mine->sizeBytes());
    if (std::memcmp(bytes->data(), theirs->data, theirs->size) == 0) return "";
    for (size_t i = 0; i < bytes->size(); ++i) {
      if ((*bytes)[i] != theirs->data[i]) {
        return "memory differs at " + std::to_string(i) + ": " + std::to_string((*bytes)[i]) + " vs " +
               std::to_string(theirs->data[i]);
      }
    }
    return "";
  }
};

}  // namespace weir::wasm::fuzz

// libFuzzer target: the interpreter and the compiled tier must agree. Each
// input becomes a small valid module (wasm_module_gen.h) plus call arguments;
// every export runs on both tiers and any difference in results, trap kinds,
// memory size or contents aborts. Both builds of the compiled tier are
// compared: guard pages (the default) always, explicit bounds checks when the
// input's first byte is odd.
//
// Compiling runs wasm2c and the C compiler (tens of milliseconds per module),
// so modules are cached by their bytes in-process and nothing goes to the
// disk cache. Without wasm2c or a C compiler the target does nothing.
// Seed corpus: corpus/wasm_differential/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "wasm/aot/toolchain.h"
#include "wasm_differential.h"

// The compiled objects are dlopen'd and never instrumented; LeakSanitizer's
// exit-time scan is what fails on them (docs/wasm-aot.md), so leak checking is
// off for this binary only. Address and undefined-behaviour checks stay on for
// weir's side.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }

namespace {

using weir::wasm::aot::Emitter;
using weir::wasm::aot::MemoryChecks;
using weir::wasm::fuzz::Differential;
using weir::wasm::fuzz::DifferentialConfig;

Differential& differential(MemoryChecks checks, Emitter emitter) {
  auto make = [](MemoryChecks c, Emitter e) {
    DifferentialConfig config;
    config.aot.use_cache = false;
    config.aot.memory_checks = c;
    config.aot.emitter = e;
    return new Differential(config);
  };
  static Differential* guard = make(MemoryChecks::kGuardPages, Emitter::kSimd);
  static Differential* checked = make(MemoryChecks::kExplicit, Emitter::kSimd);
  static Differential* emitted = make(MemoryChecks::kGuardPages, Emitter::kAll);
  if (emitter == Emitter::kAll) return *emitted;
  return checks == MemoryChecks::kExplicit ? *checked : *guard;
}

bool haveToolchain() {
  static const bool ok = [] {
    bool have = weir::wasm::aot::toolchain().isOk();
    if (!have) std::fprintf(stderr, "wasm_differential: no wasm2c or C compiler; nothing to compare\n");
    return have;
  }();
  return ok;
}

void check(MemoryChecks checks, Emitter emitter, const uint8_t* data, size_t size) {
  std::string diff = differential(checks, emitter).run(data, size);
  if (diff.empty()) return;
  std::fprintf(stderr, "interpreter and compiled tier (%s%s) differ: %s\n",
               checks == MemoryChecks::kExplicit ? "explicit checks" : "guard pages",
               emitter == Emitter::kAll ? ", every function through weir's C emitter" : "", diff.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 4096 || !haveToolchain()) return 0;
  check(MemoryChecks::kGuardPages, Emitter::kSimd, data + 1, size - 1);
  if (data[0] & 1) check(MemoryChecks::kExplicit, Emitter::kSimd, data + 1, size - 1);
  if (data[0] & 2) check(MemoryChecks::kGuardPages, Emitter::kAll, data + 1, size - 1);
  return 0;
}

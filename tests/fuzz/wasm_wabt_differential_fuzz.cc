// libFuzzer target: weir's interpreter and wabt's interpreter (libwabt from
// Debian's wabt package) must agree. Each input becomes a small valid module
// (wasm_module_gen.h) plus call arguments; every export runs on both and any
// difference in results, trap kinds, memory size or contents aborts.
// Seed corpus: corpus/wasm_wabt_differential/ (the same input format as
// wasm_differential's).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "wasm_wabt_differential.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  static weir::wasm::fuzz::WabtDifferential differential;
  std::string diff = differential.run(data, size);
  if (diff.empty()) return 0;
  std::fprintf(stderr, "weir's and wabt's interpreters differ: %s\n", diff.c_str());
  std::abort();
}

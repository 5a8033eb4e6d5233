// libFuzzer target: decode + validate arbitrary bytes as a Wasm module, and
// render whatever decodes. Must never crash, hang or allocate without bound.
// Seed corpus: corpus/wasm_decode/ (valid and invalid modules).
#include <cstddef>
#include <cstdint>
#include <span>

#include "wasm/inspect.h"
#include "wasm/module.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Tighter than the defaults so one input cannot take seconds, while still
  // large enough to reach every rule.
  weir::wasm::DecodeLimits limits;
  limits.max_module_bytes = 1 << 20;
  limits.max_nesting_depth = 1000;
  limits.max_locals_per_function = 10000;
  limits.max_table_elements = 100000;
  limits.max_element_segments = 10000;
  std::span<const uint8_t> bytes(data, size);

  auto decoded = weir::wasm::decodeModuleUnvalidated(bytes, limits);
  if (!decoded.isOk()) return 0;
  weir::Status valid = weir::wasm::validateModule(**decoded, limits);
  weir::wasm::InspectOptions opt;
  opt.max_list_entries = 5;
  (void)weir::wasm::inspectModule(**decoded, opt);

  // The one-call entry point must agree with decode-then-validate.
  auto both = weir::wasm::decodeModule(bytes, limits);
  if (both.isOk() != valid.isOk()) __builtin_trap();
  return 0;
}

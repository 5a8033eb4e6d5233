// Translates validated Wasm function bodies into the internal code format
// (code.h), once per module.
#pragma once

#include <memory>
#include <vector>

#include "base/status.h"
#include "wasm/interp/code.h"
#include "wasm/module.h"
#include "wasm/runtime/engine.h"

namespace weir::wasm::interp {

// The interpreter tier's prepared code: one CompiledFunc per defined function.
class InterpCode : public runtime::CodeObject {
 public:
  runtime::Tier tier() const override { return runtime::Tier::kInterpreter; }
  std::vector<CompiledFunc> funcs;
};

// The module must have been validated (decodeModule does both). Errors only
// for implementation limits (e.g. a frame larger than kMaxSlots).
Result<std::unique_ptr<InterpCode>> translateModule(const wasm::Module& module);

}  // namespace weir::wasm::interp

#include "wasm/runtime/engine.h"

#include "wasm/interp/translator.h"
#include "wasm/runtime/objects.h"

namespace weir::wasm::runtime {

Result<std::shared_ptr<const Module>> Engine::compile(std::span<const uint8_t> binary) const {
  auto decoded = decodeModule(binary, config_.decode_limits);
  if (!decoded) return decoded.status();
  return compile(std::move(decoded.value()));
}

Result<std::shared_ptr<const Module>> Engine::compile(std::shared_ptr<const wasm::Module> decoded) const {
  std::vector<uint32_t> type_ids;
  type_ids.reserve(decoded->types.size());
  for (const FuncType& t : decoded->types) type_ids.push_back(canonicalTypeId(t));
  switch (config_.tier) {
    case Tier::kInterpreter: {
      auto code = interp::translateModule(*decoded);
      if (!code) return code.status();
      return std::shared_ptr<const Module>(
          std::make_shared<Module>(std::move(decoded), std::move(code.value()), std::move(type_ids)));
    }
  }
  return unimplemented("unknown tier");
}

}  // namespace weir::wasm::runtime

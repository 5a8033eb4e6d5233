#include "proxywasm/abi.h"

#include "wasm/module.h"

namespace weir::proxywasm {

std::string_view wasmResultName(WasmResult result) {
  switch (result) {
    case WasmResult::kOk: return "Ok";
    case WasmResult::kNotFound: return "NotFound";
    case WasmResult::kBadArgument: return "BadArgument";
    case WasmResult::kSerializationFailure: return "SerializationFailure";
    case WasmResult::kParseFailure: return "ParseFailure";
    case WasmResult::kBadExpression: return "BadExpression";
    case WasmResult::kInvalidMemoryAccess: return "InvalidMemoryAccess";
    case WasmResult::kEmpty: return "Empty";
    case WasmResult::kCasMismatch: return "CasMismatch";
    case WasmResult::kResultMismatch: return "ResultMismatch";
    case WasmResult::kInternalFailure: return "InternalFailure";
    case WasmResult::kBrokenConnection: return "BrokenConnection";
    case WasmResult::kUnimplemented: return "Unimplemented";
  }
  return "Unknown";
}

std::string_view abiVersionName(AbiVersion version) {
  switch (version) {
    case AbiVersion::k0_1_0: return "0.1.0";
    case AbiVersion::k0_2_0: return "0.2.0";
    case AbiVersion::k0_2_1: return "0.2.1";
    case AbiVersion::kUnknown: break;
  }
  return "unknown";
}

AbiVersion detectAbiVersion(const wasm::Module& module) {
  for (const wasm::Export& e : module.exports) {
    if (e.kind != wasm::ExternKind::kFunc) continue;
    if (e.name == "proxy_abi_version_0_1_0") return AbiVersion::k0_1_0;
    if (e.name == "proxy_abi_version_0_2_0") return AbiVersion::k0_2_0;
    if (e.name == "proxy_abi_version_0_2_1") return AbiVersion::k0_2_1;
  }
  return AbiVersion::kUnknown;
}

}  // namespace weir::proxywasm

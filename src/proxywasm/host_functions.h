// Registers every import a Proxy-Wasm module may have: the env.proxy_* host
// functions of ABI 0.1.0, 0.2.0 and 0.2.1 (the union: imports are matched by
// name, so extra ones never hurt, and a module of any version links), the
// emscripten helpers, and WASI preview1 under both wasi_snapshot_preview1
// and wasi_unstable. `vm` is the user data every function receives.
#pragma once

#include <string_view>
#include <vector>

#include "wasm/runtime/instance.h"

namespace weir::proxywasm {

class WasmVm;

void registerProxyWasmImports(wasm::runtime::Linker& linker, WasmVm* vm);

// The names registered under "env" (for tests and docs).
std::vector<std::string_view> proxyHostFunctionNames();

}  // namespace weir::proxywasm

// What `weir push` and `weir build` record about a module before packaging
// it: the Proxy-Wasm ABI version its marker export declares, found with the
// host's own detection (proxywasm::detectAbiVersion) so the image metadata
// and the proxy never disagree.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir::cli {

// {"proxy_abi_version_0_2_1"} (the export name, as image configs list it),
// or empty when the module declares no known version. Errors: not Wasm.
Result<std::vector<std::string>> proxyWasmAbiVersions(std::string_view module_bytes);

// A file's bytes, refusing files larger than `max_bytes` (modules, recorded
// messages: the CLI never reads an unbounded file into memory).
Result<std::string> readFileUpTo(const std::string& path, size_t max_bytes);

inline constexpr size_t kMaxModuleFileBytes = 256u << 20;

}  // namespace weir::cli

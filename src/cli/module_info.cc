#include "cli/module_info.h"

#include <algorithm>
#include <fstream>
#include <span>

#include "proxywasm/abi.h"
#include "wasm/module.h"

namespace weir::cli {

Result<std::vector<std::string>> proxyWasmAbiVersions(std::string_view bytes) {
  auto decoded = wasm::decodeModuleUnvalidated(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!decoded) return invalidArgument("not a WebAssembly module: " + decoded.status().message());
  proxywasm::AbiVersion abi = proxywasm::detectAbiVersion(**decoded);
  if (abi == proxywasm::AbiVersion::kUnknown) return std::vector<std::string>{};
  std::string name = "proxy_abi_version_" + std::string(proxywasm::abiVersionName(abi));
  std::replace(name.begin(), name.end(), '.', '_');
  return std::vector<std::string>{name};
}

Result<std::string> readFileUpTo(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return notFound("cannot read " + path);
  // In pieces: memory grows with the file, never to the limit up front.
  std::string out;
  char buf[64 * 1024];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    out.append(buf, static_cast<size_t>(in.gcount()));
    if (out.size() > max_bytes) {
      return invalidArgument(path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  return out;
}

}  // namespace weir::cli

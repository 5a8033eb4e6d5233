// weir wasm inspect MODULE.wasm — print a module's structure.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"
#include "wasm/inspect.h"
#include "wasm/module.h"

namespace {

constexpr const char* kUsage =
    "usage: weir wasm inspect MODULE.wasm\n"
    "  Prints sections (offsets, sizes), types, imports, exports, functions,\n"
    "  tables, memories, globals, segments, custom sections and names.\n"
    "  Exit 0 when the module is valid, 1 when it is malformed or invalid\n"
    "  (the structure is still printed when the binary decodes).\n";

int runInspect(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
    bool help = args.size() == 1;
    std::fputs(kUsage, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  const std::string& path = args[0];
  auto bytes = weir::wasm::readModuleFile(path);
  if (!bytes.isOk()) {
    std::fprintf(stderr, "weir wasm inspect: %s\n", bytes.status().message().c_str());
    return 2;
  }
  auto decoded = weir::wasm::decodeModuleUnvalidated(*bytes);
  if (!decoded.isOk()) {
    std::fprintf(stderr, "%s: malformed: %s\n", path.c_str(), decoded.status().message().c_str());
    return 1;
  }
  weir::wasm::Module& m = **decoded;
  weir::Status valid = weir::wasm::validateModule(m);
  std::printf("module: %s\n", path.c_str());
  std::printf("validation: %s\n", valid.isOk() ? "valid" : valid.message().c_str());
  std::fputs(weir::wasm::inspectModule(m).c_str(), stdout);
  return valid.isOk() ? 0 : 1;
}

weir::cli::CommandRegistration reg("wasm inspect", "show a WebAssembly module's sections, imports and exports",
                                   runInspect);

}  // namespace

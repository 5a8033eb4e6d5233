// weir wasm compile [--opt-level N] [--emit-c DIR] MODULE.wasm [-o FILE] — precompiles a module
// for the compiled tier: into the artifact cache (default), or into FILE (plus
// FILE.sha256) for build machines and images.
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "cli/command.h"
#include "wasm/aot/aot_code.h"
#include "wasm/aot/cache.h"
#include "wasm/aot/toolchain.h"
#include "wasm/module.h"

namespace {

constexpr const char* kUsage = "usage: weir wasm compile [--opt-level N] [--emit-c DIR] MODULE.wasm [-o FILE]\n";

int compileWasm(const std::vector<std::string>& args) {
  using namespace weir::wasm;
  std::string input, output;
  aot::AotOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      output = args[++i];
    } else if (args[i] == "--emit-c" && i + 1 < args.size()) {
      options.emit_c_dir = args[++i];
    } else if (args[i] == "--opt-level" && i + 1 < args.size()) {
      options.opt_level = std::atoi(args[++i].c_str());
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (input.empty() && !args[i].empty() && args[i][0] != '-') {
      input = args[i];
    } else {
      std::cerr << "unknown argument " << args[i] << "\n" << kUsage;
      return 2;
    }
  }
  if (input.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  std::ifstream in(input, std::ios::binary);
  if (!in) {
    std::cerr << "weir: cannot read " << input << "\n";
    return 2;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto decoded = decodeModule(bytes);
  if (!decoded) {
    std::cerr << "weir: " << input << ": " << decoded.status().message() << "\n";
    return 2;
  }
  const auto& tools = aot::toolchain();
  if (!tools) {
    std::cerr << "weir: " << tools.status().message() << "\n";
    return 1;
  }
  std::string key = aot::cacheKey(decoded.value()->bytes, tools.value().identity, options.opt_level);
  if (output.empty()) {
    auto code = aot::compileModule(*decoded.value(), options);
    if (!code) {
      std::cerr << "weir: " << input << ": " << code.status().message() << "\n";
      return 1;
    }
    auto dir = aot::cacheDirectory(options);
    std::cout << (code.value()->loaded_from_cache ? "cached: " : "compiled: ")
              << (dir ? dir.value() : std::string("?")) << "/" << key << ".so\n";
    return 0;
  }
  auto object = aot::buildObject(*decoded.value(), options.opt_level, options.emit_c_dir);
  if (!object) {
    std::cerr << "weir: " << input << ": " << object.status().message() << "\n";
    return 1;
  }
  if (auto s = aot::writeArtifact(output, object.value()); !s.isOk()) {
    std::cerr << "weir: " << s.message() << "\n";
    return 1;
  }
  // Installing it as <cache dir>/<key>.so (with its .sha256) makes the
  // proxy load it without compiling.
  std::cout << "wrote " << output << " (" << object.value().size() << " bytes) and " << output
            << ".sha256; cache key " << key << "\n";
  return 0;
}

weir::cli::CommandRegistration reg("wasm compile", "precompile a module for the compiled (AOT) tier", compileWasm);

}  // namespace

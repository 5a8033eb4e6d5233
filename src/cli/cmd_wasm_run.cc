// weir wasm run [--engine interp|aot|auto] [--dir D[::GUEST]] [--env K=V] [--fuel N]
//               [--max-memory-pages N] MODULE.wasm [ARGS...]
// Runs a WASI command module's _start, like wasmtime or wasm3 would.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/cmd_wasm_engine.h"
#include "cli/command.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"
#include "wasm/wasi/wasi.h"

namespace {

constexpr const char* kUsage =
    "usage: weir wasm run [--engine interp|aot|auto] [--dir DIR[::GUEST]] [--env K=V] [--fuel N] "
    "[--max-memory-pages N] MODULE.wasm [ARGS...]\n";

int runWasmMain(const std::vector<std::string>& args);

int runWasm(const std::vector<std::string>& args) {
  try {
    return runWasmMain(args);
  } catch (const std::exception& e) {  // std::stoul on a malformed number
    std::cerr << "weir: bad argument: " << e.what() << "\n" << kUsage;
    return 2;
  }
}

int runWasmMain(const std::vector<std::string>& args) {
  using namespace weir::wasm;
  wasi::WasiConfig cfg;
  runtime::InstanceLimits limits;
  std::optional<uint64_t> fuel;
  runtime::EngineConfig engine_config;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    if (a == "--engine") {
      auto v = value();
      if (!v) break;
      auto c = weir::cli::engineConfigFor(*v);
      if (!c) {
        std::cerr << "--engine must be interp, aot or auto\n";
        return 2;
      }
      engine_config = *c;
    } else if (a == "--dir") {
      auto v = value();
      if (!v) break;
      size_t sep = v->find("::");
      if (sep == std::string::npos) cfg.preopens.emplace_back(*v, *v);
      else cfg.preopens.emplace_back(v->substr(sep + 2), v->substr(0, sep));
    } else if (a == "--env") {
      auto v = value();
      if (!v || v->find('=') == std::string::npos) {
        std::cerr << "--env needs KEY=VALUE\n";
        return 2;
      }
      cfg.env.push_back(*v);
    } else if (a == "--fuel") {
      auto v = value();
      if (!v) break;
      fuel = std::stoull(*v);
    } else if (a == "--max-memory-pages") {
      auto v = value();
      if (!v) break;
      limits.max_memory_pages = static_cast<uint32_t>(std::stoul(*v));
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::cerr << "unknown option " << a << "\n" << kUsage;
      return 2;
    } else {
      break;
    }
  }
  if (i >= args.size()) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string path = args[i];
  cfg.args.assign(args.begin() + static_cast<long>(i), args.end());
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "weir: cannot read " << path << "\n";
    return 2;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  runtime::Engine engine(engine_config);
  auto module = engine.compile(bytes);
  if (!module) {
    std::cerr << "weir: " << path << ": " << module.status().message() << "\n";
    return 2;
  }
  auto ctx = wasi::WasiContext::create(cfg);
  if (!ctx) {
    std::cerr << "weir: " << ctx.status().message() << "\n";
    return 2;
  }
  runtime::Linker linker;
  ctx.value()->define(linker);
  auto inst = runtime::Instance::instantiate(module.value(), linker, limits);
  if (!inst) {
    std::cerr << "weir: " << path << ": " << inst.status().message() << "\n";
    return 134;
  }
  if (fuel) inst.value()->setFuel(fuel);
  std::fflush(stdout);
  wasi::RunOutcome out = wasi::runStart(*inst.value());
  if (out.trap) std::cerr << "weir: " << path << ": " << out.trap->toString() << "\n";
  return out.exit_code;
}

weir::cli::CommandRegistration reg("wasm run", "run a WASI command module (_start)", runWasm);

}  // namespace

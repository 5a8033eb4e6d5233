// weir wasm spec-test [--engine interp|aot|auto] [--aot-opt-level N] [--known-failures FILE] FILE.json...
// runs wast2json output.
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/cmd_wasm_engine.h"
#include "cli/command.h"
#include "wasm/aot/toolchain.h"
#include "wasm/spectest/runner.h"

namespace {

constexpr const char* kUsage =
    "usage: weir wasm spec-test [--engine interp|aot|auto] [--aot-opt-level N] [--known-failures FILE] "
    "FILE.json...\n"
    "  --engine aot runs every module the compiled tier can take compiled and the others (SIMD, shared\n"
    "  tables, funcref globals) on the interpreter, and reports how many of each.\n";

int runSpecTest(const std::vector<std::string>& args) {
  weir::wasm::spectest::KnownFailures known;
  std::vector<std::string> files;
  weir::wasm::runtime::EngineConfig engine;
  // Semantics do not depend on the optimization level, and -O0 compiles the
  // suite's thousands of tiny modules several times faster.
  engine.aot.opt_level = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--engine" && i + 1 < args.size()) {
      auto c = weir::cli::engineConfigFor(args[++i]);
      if (!c) {
        std::cerr << "--engine must be interp, aot or auto\n";
        return 2;
      }
      int opt = engine.aot.opt_level;
      engine = *c;
      engine.aot.opt_level = opt;
      engine.fall_back_to_interpreter = engine.tier == weir::wasm::runtime::Tier::kAot;
    } else if (args[i] == "--aot-opt-level" && i + 1 < args.size()) {
      engine.aot.opt_level = std::atoi(args[++i].c_str());
    } else if (args[i] == "--known-failures" && i + 1 < args.size()) {
      auto k = weir::wasm::spectest::KnownFailures::load(args[++i]);
      if (!k) {
        std::cerr << k.status().message() << "\n";
        return 2;
      }
      known = std::move(k.value());
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << kUsage;
      return 0;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.empty()) {
    std::cerr << kUsage;
    return 2;
  }
  if (engine.tier == weir::wasm::runtime::Tier::kAot) {
    // Falling back for every module would test nothing.
    if (const auto& tools = weir::wasm::aot::toolchain(); !tools) {
      std::cerr << "the compiled tier is unavailable: " << tools.status().message() << "\n";
      return 1;
    }
  }
  uint32_t passed = 0, failed = 0, known_count = 0, skipped = 0, aot_modules = 0;
  std::map<std::string, uint32_t> interpreted;
  for (const std::string& f : files) {
    auto r = weir::wasm::spectest::runSpecFile(f, known, std::cout, engine);
    aot_modules += r.aot_modules;
    for (const auto& [why, n] : r.interpreted_modules) interpreted[why] += n;
    std::cout << r.file << ": " << r.passed << " passed, " << r.failed << " failed";
    if (r.known) std::cout << ", " << r.known << " known failures";
    if (r.skipped) std::cout << ", " << r.skipped << " skipped (text format)";
    std::cout << "\n";
    passed += r.passed;
    failed += r.failed;
    known_count += r.known;
    skipped += r.skipped;
  }
  if (engine.tier == weir::wasm::runtime::Tier::kAot) {
    uint32_t n = 0;
    for (const auto& [why, count] : interpreted) n += count;
    std::cout << "compiled tier: " << aot_modules << " modules compiled, " << n << " on the interpreter\n";
    for (const auto& [why, count] : interpreted) std::cout << "  " << count << " x " << why << "\n";
  }
  std::cout << "total: " << files.size() << " files, " << passed << " passed, " << failed << " failed, "
            << known_count << " known failures, " << skipped << " skipped (text format)\n";
  return failed == 0 ? 0 : 1;
}

weir::cli::CommandRegistration reg("wasm spec-test", "run WebAssembly spec tests (wast2json output)",
                                   runSpecTest);

}  // namespace

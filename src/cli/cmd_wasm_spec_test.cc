// weir wasm spec-test [--known-failures FILE] FILE.json... — runs wast2json output.
#include <iostream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "wasm/spectest/runner.h"

namespace {

int runSpecTest(const std::vector<std::string>& args) {
  weir::wasm::spectest::KnownFailures known;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--known-failures" && i + 1 < args.size()) {
      auto k = weir::wasm::spectest::KnownFailures::load(args[++i]);
      if (!k) {
        std::cerr << k.status().message() << "\n";
        return 2;
      }
      known = std::move(k.value());
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << "usage: weir wasm spec-test [--known-failures FILE] FILE.json...\n";
      return 0;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.empty()) {
    std::cerr << "usage: weir wasm spec-test [--known-failures FILE] FILE.json...\n";
    return 2;
  }
  uint32_t passed = 0, failed = 0, known_count = 0, skipped = 0;
  for (const std::string& f : files) {
    auto r = weir::wasm::spectest::runSpecFile(f, known, std::cout);
    std::cout << r.file << ": " << r.passed << " passed, " << r.failed << " failed";
    if (r.known) std::cout << ", " << r.known << " known failures";
    if (r.skipped) std::cout << ", " << r.skipped << " skipped (text format)";
    std::cout << "\n";
    passed += r.passed;
    failed += r.failed;
    known_count += r.known;
    skipped += r.skipped;
  }
  std::cout << "total: " << files.size() << " files, " << passed << " passed, " << failed << " failed, "
            << known_count << " known failures, " << skipped << " skipped (text format)\n";
  return failed == 0 ? 0 : 1;
}

weir::cli::CommandRegistration reg("wasm spec-test", "run WebAssembly spec tests (wast2json output)",
                                   runSpecTest);

}  // namespace

// weir wasm validate [--repeat N] MODULE.wasm — decode and validate a module.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli/command.h"
#include "wasm/inspect.h"
#include "wasm/module.h"

namespace {

constexpr const char* kUsage =
    "usage: weir wasm validate [--repeat N] MODULE.wasm\n"
    "  Decodes and validates a WebAssembly 2.0 binary. Prints \"valid\" (exit 0) or\n"
    "  the first error with its byte offset (exit 1). --repeat N also reports the\n"
    "  average CPU time of N decode+validate runs.\n";

double threadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

const char* kindName(weir::wasm::ErrorKind k) {
  switch (k) {
    case weir::wasm::ErrorKind::kMalformed: return "malformed";
    case weir::wasm::ErrorKind::kInvalid: return "invalid";
    case weir::wasm::ErrorKind::kLimit: return "limit exceeded";
    default: return "error";
  }
}

int runValidate(const std::vector<std::string>& args) {
  std::string path;
  long repeat = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (args[i] == "--repeat" && i + 1 < args.size()) {
      repeat = std::strtol(args[++i].c_str(), nullptr, 10);
      if (repeat <= 0) {
        std::fputs(kUsage, stderr);
        return 2;
      }
    } else if (path.empty() && (args[i].empty() || args[i][0] != '-')) {
      path = args[i];
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  if (path.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  auto bytes = weir::wasm::readModuleFile(path);
  if (!bytes.isOk()) {
    std::fprintf(stderr, "weir wasm validate: %s\n", bytes.status().message().c_str());
    return 2;
  }
  auto module = weir::wasm::decodeModule(*bytes);
  if (!module.isOk()) {
    std::fprintf(stderr, "%s: %s: %s\n", path.c_str(), kindName(weir::wasm::errorKind(module.status())),
                 module.status().message().c_str());
    return 1;
  }
  std::printf("valid\n");
  if (repeat > 0) {
    double start = threadCpuMicros();
    for (long i = 0; i < repeat; ++i) {
      auto again = weir::wasm::decodeModule(*bytes);
      if (!again.isOk()) return 1;
    }
    double per = (threadCpuMicros() - start) / static_cast<double>(repeat);
    std::printf("%zu bytes, %zu functions: %.1f us CPU per decode+validate (%ld runs)\n", bytes->size(),
                (*module)->functions.size(), per, repeat);
  }
  return 0;
}

weir::cli::CommandRegistration reg("wasm validate", "decode and validate a WebAssembly module", runValidate);

}  // namespace

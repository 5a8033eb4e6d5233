// The external tools of the compiled tier, found at run time: wasm2c and a C
// compiler (cc, gcc or clang on PATH). Tools are run with posix_spawn and a
// fixed argv and environment: never through a shell.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"

namespace weir::wasm::aot {

struct Toolchain {
  std::string wasm2c;          // absolute paths
  std::string cc;
  std::string identity;        // compiler + wasm2c version lines, part of the cache key
};

// Finds the tools once per process (the result is cached). kUnavailable says
// which tool is missing.
const Result<Toolchain>& toolchain();

// The instruction-set level compiled code is built for on this CPU:
// "x86-64-v2" (SSSE3, SSE4.1/4.2, POPCNT: pshufb, pinsr*/pextr* for SIMD
// lanes) where the CPU has it, else "" (the compiler's baseline, SSE2 on
// x86-64). Part of the cache key, compiled into the object and checked when
// it is loaded.
const std::string& hostIsa();

// Runs argv[0] (an absolute path) with `argv` in `cwd`; stdout and stderr go to
// `log_path`. Returns the exit status, or an error when it did not exit normally.
Status runTool(const std::vector<std::string>& argv, const std::string& cwd, const std::string& log_path);

// A private directory (mkdtemp, mode 0700) removed with its files on destruction.
class TempDir {
 public:
  static Result<TempDir> create();
  TempDir(TempDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  TempDir& operator=(TempDir&&) = delete;
  TempDir(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  explicit TempDir(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

}  // namespace weir::wasm::aot

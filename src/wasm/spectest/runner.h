// Runs wast2json output (the official spec test suite) against the engine.
#pragma once

#include <cstdint>
#include <ostream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "wasm/runtime/engine.h"

namespace weir::wasm::spectest {

// Commands expected to fail, keyed by (wast file name, line): one line each in
// the known-failures file: "<file.wast> <line> <reason...>". '#' starts a comment.
struct KnownFailures {
  std::set<std::pair<std::string, uint32_t>> entries;
  static Result<KnownFailures> load(const std::string& path);
  bool contains(const std::string& file, uint32_t line) const { return entries.count({file, line}) > 0; }
};

struct FileResult {
  std::string file;  // the .wast source name
  uint32_t passed = 0;
  uint32_t failed = 0;
  uint32_t known = 0;    // failed but listed in KnownFailures
  uint32_t skipped = 0;  // text-format modules (binary engines skip them)
  std::vector<std::string> failures;  // "file:line: command: reason"
  // With the compiled tier requested: modules it compiled, and modules that
  // ran on the interpreter instead, by reason.
  uint32_t aot_modules = 0;
  std::map<std::string, uint32_t> interpreted_modules;
};

// Executes every command of one wast2json .json file; `log` gets one line per
// failure as it happens.
// `engine` selects the tier (with fall_back_to_interpreter, modules the
// compiled tier cannot take are counted in interpreted_modules).
FileResult runSpecFile(const std::string& json_path, const KnownFailures& known, std::ostream& log,
                       const runtime::EngineConfig& engine = {});

}  // namespace weir::wasm::spectest

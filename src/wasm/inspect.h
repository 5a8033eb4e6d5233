// A human-readable summary of a module's structure, for `weir wasm inspect`
// and for logs: sections with sizes, imports, exports, function counts,
// tables, memories, globals, segments, custom sections and names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "wasm/module.h"

namespace weir::wasm {

struct InspectOptions {
  // Per-entity lists longer than this are cut with a "... N more" line.
  size_t max_list_entries = 50;
};

// Renders `m` (decoded; validation not required) as indented text.
std::string inspectModule(const Module& m, const InspectOptions& options = {});

// Reads a whole module file (bounded by limits.max_module_bytes) for the
// command-line tools.
Result<std::vector<uint8_t>> readModuleFile(const std::string& path, const DecodeLimits& limits = {});

// Section name for a section id ("type", "code", ...; "custom" for 0).
const char* sectionName(uint8_t id);

}  // namespace weir::wasm

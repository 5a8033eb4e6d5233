// weir.yaml, the project file of a filter project (`weir init` writes it,
// `weir build` reads it): what the project is written in, the root ids its
// module registers, how to build it and where the module lands.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir::cli {

inline constexpr const char* kProjectFileName = "weir.yaml";
// A project file is a handful of lines; anything larger is not one.
inline constexpr size_t kMaxProjectFileBytes = 64 * 1024;

struct ProjectFile {
  std::string name;
  std::string language;  // assemblyscript, rust, cpp, tinygo
  std::string sdk;       // recorded in the image config
  std::vector<std::string> root_ids;
  std::string build;     // a shell command run in the project folder
  std::string output;    // the module, relative to the project folder
  std::string description;
  std::string version;
};

// Strict: unknown keys and wrong types are errors naming the key, so a typo
// never silently drops a setting.
Result<ProjectFile> parseProjectFile(std::string_view yaml_text);
// Reads DIR/weir.yaml.
Result<ProjectFile> loadProjectFile(const std::string& dir);

}  // namespace weir::cli

// `weir init`: a filter project from a template. Templates are folders
// templates/<language>/<template>/ compiled into the binary
// (embedded_files.h); files are copied with {{name}} (the project name) and
// {{root_id}} (the name with '-' → '_', a valid identifier in every SDK)
// substituted.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cli/embedded_files.h"

namespace weir::cli {

// "as" → "assemblyscript", "go" → "tinygo", "c++" → "cpp"; others unchanged.
std::string canonicalLanguage(std::string_view language);

// Languages, and the templates of one language, found in `files`.
std::vector<std::string> templateLanguages(std::span<const EmbeddedFile> files);
std::vector<std::string> templateNames(std::span<const EmbeddedFile> files, std::string_view language);

// A project name: lowercase letters, digits and '-', starting with a letter,
// at most 64 characters — it becomes a package name, a header name and a
// repository path component.
Status validateProjectName(std::string_view name);
std::string rootIdFor(std::string_view name);

// Writes the template into `dir` (created; must not exist or be empty).
// Returns the paths written, relative to `dir`.
Result<std::vector<std::string>> scaffoldProject(std::span<const EmbeddedFile> files, const std::string& dir,
                                                 std::string_view language, std::string_view template_name,
                                                 std::string_view name);

}  // namespace weir::cli

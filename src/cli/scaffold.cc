#include "cli/scaffold.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace weir::cli {
namespace {

namespace fs = std::filesystem;

// "rust/add-header/src/lib.rs" → {"rust", "add-header", "src/lib.rs"}.
struct Split {
  std::string_view language, name, rest;
};
bool splitPath(std::string_view path, Split& out) {
  size_t a = path.find('/');
  if (a == std::string_view::npos) return false;
  size_t b = path.find('/', a + 1);
  if (b == std::string_view::npos) return false;
  out = {path.substr(0, a), path.substr(a + 1, b - a - 1), path.substr(b + 1)};
  return !out.rest.empty();
}

std::string substitute(std::string_view text, std::string_view name, std::string_view root_id) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    if (text.substr(open, 8) == "{{name}}") {
      out.append(name);
      pos = open + 8;
    } else if (text.substr(open, 11) == "{{root_id}}") {
      out.append(root_id);
      pos = open + 11;
    } else {
      // Not ours (Rust's `main! {{`, a Go template): keep it.
      out.append("{{");
      pos = open + 2;
    }
  }
  return out;
}

void addUnique(std::vector<std::string>& v, std::string_view s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.emplace_back(s);
}

}  // namespace

std::string canonicalLanguage(std::string_view language) {
  if (language == "as" || language == "ts" || language == "typescript") return "assemblyscript";
  if (language == "go") return "tinygo";
  if (language == "c++" || language == "cxx") return "cpp";
  return std::string(language);
}

std::vector<std::string> templateLanguages(std::span<const EmbeddedFile> files) {
  std::vector<std::string> out;
  Split s;
  for (const EmbeddedFile& f : files) {
    if (splitPath(f.path, s)) addUnique(out, s.language);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> templateNames(std::span<const EmbeddedFile> files, std::string_view language) {
  std::vector<std::string> out;
  Split s;
  for (const EmbeddedFile& f : files) {
    if (splitPath(f.path, s) && s.language == language) addUnique(out, s.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status validateProjectName(std::string_view name) {
  if (name.empty() || name.size() > 64) return invalidArgument("a project name has 1 to 64 characters");
  if (name.front() < 'a' || name.front() > 'z') return invalidArgument("a project name starts with a lowercase letter");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return invalidArgument("a project name has lowercase letters, digits and '-' only: '" + std::string(name) + "'");
    }
  }
  if (name.back() == '-') return invalidArgument("a project name does not end with '-'");
  return Status::ok();
}

std::string rootIdFor(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

Result<std::vector<std::string>> scaffoldProject(std::span<const EmbeddedFile> files, const std::string& dir,
                                                 std::string_view language, std::string_view template_name,
                                                 std::string_view name) {
  if (auto s = validateProjectName(name); !s.isOk()) return s;
  std::vector<const EmbeddedFile*> chosen;
  Split s;
  for (const EmbeddedFile& f : files) {
    if (splitPath(f.path, s) && s.language == language && s.name == template_name) chosen.push_back(&f);
  }
  if (chosen.empty()) {
    auto names = templateNames(files, language);
    if (names.empty()) {
      std::string langs;
      for (const auto& l : templateLanguages(files)) langs += (langs.empty() ? "" : ", ") + l;
      return invalidArgument("no templates for language '" + std::string(language) + "' (languages: " + langs + ")");
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return invalidArgument("no template '" + std::string(template_name) + "' for " + std::string(language) +
                           " (templates: " + list + ")");
  }
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return failedPrecondition(dir + " exists and is not empty");
  }
  const std::string root_id = rootIdFor(name);
  std::vector<std::string> written;
  for (const EmbeddedFile* f : chosen) {
    splitPath(f->path, s);
    fs::path out = fs::path(dir) / std::string(s.rest);
    fs::create_directories(out.parent_path(), ec);
    if (ec) return internalError("cannot create " + out.parent_path().string() + ": " + ec.message());
    std::ofstream o(out, std::ios::binary | std::ios::trunc);
    std::string text = substitute(f->bytes(), name, root_id);
    o.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!o) return internalError("cannot write " + out.string());
    o.close();
    // Scripts stay runnable.
    if (out.extension() == ".sh") ::chmod(out.c_str(), 0755);
    written.emplace_back(s.rest);
  }
  return written;
}

}  // namespace weir::cli

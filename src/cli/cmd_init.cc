// weir init DIR --language L [--template T] [--name N] — scaffold a filter
// project from the templates compiled into weir (scaffold.h).
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "cli/embedded_files.h"
#include "cli/scaffold.h"

namespace {

using namespace weir;

constexpr const char* kUsage =
    "usage: weir init DIR --language assemblyscript|rust|cpp|tinygo [--template T] [--name NAME]\n"
    "  Writes a Proxy-Wasm filter project into DIR (new or empty): source, weir.yaml,\n"
    "  README and a test, for the language's public SDK and toolchain.\n"
    "  --template T   default add-header; `weir init --list` shows every template\n"
    "  --name NAME    project name (default: DIR's last component)\n"
    "  --list         list languages and templates\n";

void printList() {
  auto files = cli::embeddedTemplates();
  for (const auto& lang : cli::templateLanguages(files)) {
    std::printf("%-16s", lang.c_str());
    for (const auto& t : cli::templateNames(files, lang)) std::printf(" %s", t.c_str());
    std::printf("\n");
  }
}

int runInit(const std::vector<std::string>& args) {
  std::string dir, language, template_name = "add-header", name;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      return 0;
    } else if (a == "--list") {
      printList();
      return 0;
    } else if (a == "--language" || a == "-l") {
      if (!value(language)) return std::fprintf(stderr, "weir init: %s needs a value\n", a.c_str()), 2;
    } else if (a == "--template" || a == "-t") {
      if (!value(template_name)) return std::fprintf(stderr, "weir init: %s needs a value\n", a.c_str()), 2;
    } else if (a == "--name") {
      if (!value(name)) return std::fprintf(stderr, "weir init: %s needs a value\n", a.c_str()), 2;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "weir init: unknown flag %s\n%s", a.c_str(), kUsage);
      return 2;
    } else if (dir.empty()) {
      dir = a;
    } else {
      std::fprintf(stderr, "%s", kUsage);
      return 2;
    }
  }
  if (dir.empty() || language.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  if (name.empty()) {
    std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
    name = (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
  }
  language = cli::canonicalLanguage(language);
  auto written = cli::scaffoldProject(cli::embeddedTemplates(), dir, language, template_name, name);
  if (!written) {
    std::fprintf(stderr, "weir init: %s\n", written.status().message().c_str());
    return 1;
  }
  std::printf("created %s: %s %s filter '%s' (root id %s)\n", dir.c_str(), language.c_str(), template_name.c_str(),
              name.c_str(), cli::rootIdFor(name).c_str());
  for (const auto& f : *written) std::printf("  %s\n", f.c_str());
  std::printf("next: cd %s && %sweir build . -t localhost:5000/you/%s:v1 (README.md has the rest)\n", dir.c_str(),
              language == "assemblyscript" ? "npm install && " : "", name.c_str());
  return 0;
}

weir::cli::CommandRegistration reg("init", "scaffold a Proxy-Wasm filter project (AssemblyScript, Rust, C++, TinyGo)",
                                   runInit);

}  // namespace

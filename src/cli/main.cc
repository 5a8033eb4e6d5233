#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command.h"

namespace weir::cli {
namespace {

std::vector<Command>& table() {
  static std::vector<Command> t;
  return t;
}

void printUsage(FILE* out) {
  std::fprintf(out, "usage: weir <command> [args]\n\ncommands:\n");
  std::vector<Command> sorted = table();
  std::sort(sorted.begin(), sorted.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  for (const auto& c : sorted) std::fprintf(out, "  %-16s %s\n", c.name.c_str(), c.summary.c_str());
  std::fprintf(out, "\n`weir <command> --help` describes a command.\n");
}

}  // namespace

const std::vector<Command>& commands() { return table(); }

CommandRegistration::CommandRegistration(std::string name, std::string summary, CommandMain run) {
  table().push_back(Command{std::move(name), std::move(summary), std::move(run)});
}

}  // namespace weir::cli

int main(int argc, char** argv) {
  using namespace weir::cli;
  if (argc < 2) {
    printUsage(stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    printUsage(stdout);
    return 0;
  }
  if (name == "version" || name == "--version") {
    std::printf("weir 0.1.0\n");
    return 0;
  }
  // Two-word commands ("wasm run") are registered under their full name.
  if (argc >= 3) {
    std::string two = name + " " + argv[2];
    for (const auto& c : commands()) {
      if (c.name == two) return c.run(std::vector<std::string>(argv + 3, argv + argc));
    }
  }
  for (const auto& c : commands()) {
    if (c.name == name) return c.run(std::vector<std::string>(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "weir: unknown command '%s'\n\n", name.c_str());
  printUsage(stderr);
  return 2;
}

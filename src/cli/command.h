// The `weir` command table. Each subcommand lives in its own cmd_*.cc file and
// registers itself with a static CommandRegistration, so adding a command never
// touches main.cc. Commands stay thin: parse flags, call a library, print.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::cli {

// A command name is one word ("proxy") or two ("wasm run"); main() matches the
// two-word form first.
// args excludes the program name and the command name itself
// ("weir wasm run x.wasm" → command "wasm", args {"run", "x.wasm"}).
using CommandMain = std::function<int(const std::vector<std::string>& args)>;

struct Command {
  std::string name;
  std::string summary;  // one line for `weir help`
  CommandMain run;
};

const std::vector<Command>& commands();

struct CommandRegistration {
  CommandRegistration(std::string name, std::string summary, CommandMain run);
};

}  // namespace weir::cli

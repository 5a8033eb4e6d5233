// The --engine flag shared by the `weir wasm` subcommands.
#pragma once

#include <optional>
#include <string>

#include "wasm/runtime/engine.h"

namespace weir::cli {

// interp: the interpreter. aot: the compiled tier, failing when it cannot take
// the module. auto: the compiled tier, or the interpreter when it cannot
// (no C compiler, a feature it lacks) — a one-shot command has no request path
// to keep serving, so it waits for the compile instead of tiering up.
inline std::optional<wasm::runtime::EngineConfig> engineConfigFor(const std::string& name) {
  wasm::runtime::EngineConfig config;
  if (name == "interp") return config;
  config.tier = wasm::runtime::Tier::kAot;
  if (name == "aot") return config;
  config.fall_back_to_interpreter = true;
  if (name == "auto") return config;
  return std::nullopt;
}

}  // namespace weir::cli

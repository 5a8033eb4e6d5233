// Which of the engine's tiers runs a plugin's module: vm_config.runtime.
//
//   weir.interp  the interpreter only.
//   weir.aot     the compiled tier (wasm2c + the system C compiler), compiled
//                at config load; a module the tier cannot take is a config
//                error.
//   weir.auto    the default, and what every Envoy runtime name means
//                (envoy.wasm.runtime.v8, .wasmtime, .wamr, .wavm, .null):
//                VMs start at once on the interpreter while the module
//                compiles on a background thread; once the compiled code is
//                ready each worker gives new streams a VM on it and retires
//                the interpreter's VM when its streams are done — the same
//                swap as a code update. A module that cannot be compiled (no C
//                compiler, a feature the tier lacks) stays on the interpreter,
//                and the log says why once.
//
// The compiled artifacts are cached on disk by module digest (see
// docs/wasm-aot.md), so a restart or a config reload loads them in
// milliseconds instead of compiling again.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir::wasm::runtime {
class Module;
class BackgroundCompile;
}  // namespace weir::wasm::runtime

namespace weir::proxywasm {

struct VmCode;

enum class TierPolicy : uint8_t { kInterp, kAot, kAuto };

std::string_view tierPolicyName(TierPolicy policy);  // "interp", "aot", "auto"

// vm_config.runtime → policy. "" and Envoy's runtime names mean the process
// default (below); unknown names are an error naming the accepted ones.
Result<TierPolicy> tierPolicyOf(std::string_view runtime);

// The policy that "" and Envoy's runtime names stand for. `weir proxy` sets it
// from --wasm-engine (default auto). Otherwise $WEIR_WASM_ENGINE
// (interp|aot|auto) if set, else interp: embedders and unit tests get the
// interpreter unless they ask.
void setDefaultTierPolicy(TierPolicy policy);
TierPolicy defaultTierPolicy();
Result<TierPolicy> parseTierPolicy(std::string_view name);  // "interp", "aot", "auto"

// A module's way to the compiled tier under weir.auto. Shared by every worker
// through VmCode; thread-safe. The compile starts on the first compiled()
// call, i.e. when the first VM of the module is created, so configs that are
// only validated never compile.
class TierUp {
 public:
  enum class State : uint8_t { kIdle, kCompiling, kReady, kFailed };

  explicit TierUp(std::shared_ptr<const wasm::runtime::Module> interpreted);
  ~TierUp();
  TierUp(const TierUp&) = delete;
  TierUp& operator=(const TierUp&) = delete;

  // Whether the compiled module is ready (the first call starts the compile).
  // Cheap enough for every stream: after the first call, two atomic loads.
  bool ready() const;
  // The compiled module once ready(), else null (compiling, failed).
  std::shared_ptr<const wasm::runtime::Module> compiled() const;

  State state() const;
  // Why the module stays on the interpreter (kFailed), else empty.
  std::string error() const;
  // Blocks until the compile has finished (tests, `weir wasm` tools).
  void wait() const;

 private:
  void start() const;

  std::shared_ptr<const wasm::runtime::Module> interpreted_;
  mutable std::once_flag started_;
  mutable std::atomic<bool> started_flag_{false};
  mutable std::shared_ptr<wasm::runtime::BackgroundCompile> job_;
};

// Applies code.runtime's policy to freshly compiled code (its module is on the
// interpreter): weir.aot compiles now and swaps the module, weir.auto attaches
// a TierUp, weir.interp leaves it. Errors read "config.vm_config.runtime: ...".
Status applyTierPolicy(VmCode& code);

// "interp" or "aot": the tier a module runs on.
std::string_view moduleTierName(const wasm::runtime::Module& module);

}  // namespace weir::proxywasm

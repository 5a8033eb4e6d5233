// Engine and Module: a Module is the decoded + validated binary plus code
// prepared once for an execution tier; it is immutable and shared by every
// instance on every thread (shared_ptr<const Module>).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "wasm/aot/options.h"
#include "wasm/module.h"

namespace weir::wasm::runtime {

// Execution tiers, behind the same Module/Instance API: the interpreter
// (instant start, everywhere) and the ahead-of-time tier (wasm2c + the system C
// compiler, cached on disk; see docs/wasm-aot.md).
enum class Tier : uint8_t { kInterpreter, kAot };

std::string_view tierName(Tier tier);  // "interp", "aot"

// The tier-specific prepared code of a module.
class CodeObject {
 public:
  virtual ~CodeObject() = default;
  virtual Tier tier() const = 0;
};

class Module {
 public:
  const wasm::Module& decoded() const { return *decoded_; }
  const std::shared_ptr<const wasm::Module>& decodedPtr() const { return decoded_; }
  const CodeObject& code() const { return *code_; }
  Tier tier() const { return code_->tier(); }
  // Canonical signature id of each type in decoded().types (for call_indirect).
  const std::vector<uint32_t>& typeIds() const { return type_ids_; }

  // Why a module asked for the compiled tier runs on the interpreter (empty
  // otherwise).
  const std::string& fallbackReason() const { return fallback_reason_; }

  Module(std::shared_ptr<const wasm::Module> decoded, std::unique_ptr<CodeObject> code,
         std::vector<uint32_t> type_ids, std::string fallback_reason = {})
      : decoded_(std::move(decoded)),
        code_(std::move(code)),
        type_ids_(std::move(type_ids)),
        fallback_reason_(std::move(fallback_reason)) {}

 private:
  std::shared_ptr<const wasm::Module> decoded_;
  std::unique_ptr<CodeObject> code_;
  std::vector<uint32_t> type_ids_;
  std::string fallback_reason_;
};

struct EngineConfig {
  Tier tier = Tier::kInterpreter;
  // With tier kAot: when the compiled tier cannot take a module (no C
  // compiler, a feature wasm2c or the tier lacks), prepare it for the
  // interpreter instead of failing. Module::tier() says which one it got and
  // Module::fallbackReason() why.
  bool fall_back_to_interpreter = false;
  aot::AotOptions aot;
  DecodeLimits decode_limits;
};

// Stateless apart from its configuration; safe to use from several threads.
class Engine {
 public:
  explicit Engine(EngineConfig config = {}) : config_(std::move(config)) {}

  // Decodes, validates and prepares. Errors keep the decoder's wording
  // ("<reason> at offset N") and StatusCode category (see wasm/module.h).
  Result<std::shared_ptr<const Module>> compile(std::span<const uint8_t> binary) const;
  Result<std::shared_ptr<const Module>> compile(std::shared_ptr<const wasm::Module> decoded) const;

  const EngineConfig& config() const { return config_; }

 private:
  EngineConfig config_;
};

// Tier-up: compiles a module for the AOT tier off the request path, while its
// instances keep running on the interpreter. The embedder polls ready() (or
// gets on_ready) and instantiates new instances from result() once it holds a
// module; a failed compile leaves the interpreter module in service.
class BackgroundCompile {
 public:
  // Runs a task somewhere else, e.g. on the main thread's pool.
  using Executor = std::function<void(std::function<void()>)>;
  using Callback = std::function<void(const Result<std::shared_ptr<const Module>>&)>;

  // Without an executor the compile runs on a thread owned by the returned
  // object (joined by its destructor). `on_ready` runs on the compiling thread.
  static std::shared_ptr<BackgroundCompile> start(std::shared_ptr<const wasm::Module> decoded,
                                                  aot::AotOptions options, Executor executor = nullptr,
                                                  Callback on_ready = nullptr);
  ~BackgroundCompile();
  BackgroundCompile(const BackgroundCompile&) = delete;
  BackgroundCompile& operator=(const BackgroundCompile&) = delete;

  bool ready() const { return ready_.load(std::memory_order_acquire); }
  void wait() const;
  // Only once ready(): the compiled module (tier kAot) or why there is none.
  const Result<std::shared_ptr<const Module>>& result() const { return result_; }

 private:
  BackgroundCompile() = default;
  void run();

  std::shared_ptr<const wasm::Module> decoded_;
  aot::AotOptions options_;
  Callback on_ready_;
  Result<std::shared_ptr<const Module>> result_ = unavailable("not compiled yet");
  std::atomic<bool> ready_{false};
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace weir::wasm::runtime

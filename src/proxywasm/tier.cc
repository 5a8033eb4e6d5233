#include "proxywasm/tier.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <functional>
#include <thread>

#include "base/logging.h"
#include "proxywasm/plugin.h"
#include "wasm/runtime/engine.h"

namespace weir::proxywasm {
namespace {

// -1: not set by the embedder (then $WEIR_WASM_ENGINE, then interp).
std::atomic<int> g_default_policy{-1};

// One thread compiles, in arrival order: a compile runs the C compiler at
// full speed on one core, and a proxy should keep the other cores for its
// workers. The queue is process-wide; a task keeps its job alive, so a config
// reloaded away meanwhile costs nothing but the compile.
class CompileThread {
 public:
  static CompileThread& global() {
    static CompileThread thread;
    return thread;
  }

  void post(std::function<void()> task) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    queue_.push_back(std::move(task));
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    cv_.notify_one();
  }

  // At exit a compile in progress finishes (at most one); queued ones are
  // dropped — their modules simply stay on the interpreter.
  ~CompileThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      if (stopped_) return;
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      task = nullptr;  // the job dies here, outside the lock
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::thread thread_;
  bool stopped_ = false;
};

// "No C compiler" and the like hold for every module: said once per process.
std::atomic<bool> g_said_unavailable{false};

void logCompileFailure(const Status& status, const std::string& what) {
  if (status.code() == StatusCode::kUnavailable) {
    if (!g_said_unavailable.exchange(true)) {
      WEIR_WARN("wasm: the compiled tier is unavailable ({}); Wasm plugins run on the interpreter", status.message());
    }
    return;
  }
  WEIR_INFO("wasm: {} stays on the interpreter: {}", what, status.message());
}

}  // namespace

std::string_view tierPolicyName(TierPolicy policy) {
  switch (policy) {
    case TierPolicy::kInterp: return "interp";
    case TierPolicy::kAot: return "aot";
    case TierPolicy::kAuto: return "auto";
  }
  return "?";
}

Result<TierPolicy> parseTierPolicy(std::string_view name) {
  if (name == "interp") return TierPolicy::kInterp;
  if (name == "aot") return TierPolicy::kAot;
  if (name == "auto") return TierPolicy::kAuto;
  return invalidArgument("unknown engine '" + std::string(name) + "' (interp, aot or auto)");
}

void setDefaultTierPolicy(TierPolicy policy) { g_default_policy.store(static_cast<int>(policy)); }

TierPolicy defaultTierPolicy() {
  const int set = g_default_policy.load();
  if (set >= 0) return static_cast<TierPolicy>(set);
  if (const char* env = std::getenv("WEIR_WASM_ENGINE"); env && *env) {
    auto parsed = parseTierPolicy(env);
    if (parsed) return parsed.value();
    WEIR_WARN("WEIR_WASM_ENGINE: {}; using the interpreter", parsed.status().message());
  }
  return TierPolicy::kInterp;
}

Result<TierPolicy> tierPolicyOf(std::string_view runtime) {
  if (runtime == "weir.interp" || runtime == "weir.wasm.runtime.interpreter") return TierPolicy::kInterp;
  if (runtime == "weir.aot") return TierPolicy::kAot;
  if (runtime == "weir.auto") return TierPolicy::kAuto;
  static constexpr std::string_view kEnvoyRuntimes[] = {"", "envoy.wasm.runtime.v8", "envoy.wasm.runtime.wasmtime",
                                                        "envoy.wasm.runtime.wamr", "envoy.wasm.runtime.wavm",
                                                        "envoy.wasm.runtime.null"};
  for (std::string_view r : kEnvoyRuntimes) {
    if (runtime == r) return defaultTierPolicy();
  }
  return invalidArgument("unknown runtime '" + std::string(runtime) +
                         "' (weir.interp, weir.aot, weir.auto, or an envoy.wasm.runtime.* name)");
}

TierUp::TierUp(std::shared_ptr<const wasm::runtime::Module> interpreted) : interpreted_(std::move(interpreted)) {}

TierUp::~TierUp() = default;

void TierUp::start() const {
  std::call_once(started_, [this] {
    const auto began = std::chrono::steady_clock::now();
    std::string what = "a module of " + std::to_string(interpreted_->decoded().functions.size()) + " functions";
    job_ = wasm::runtime::BackgroundCompile::start(
        interpreted_->decodedPtr(), wasm::aot::AotOptions{},
        [](std::function<void()> task) { CompileThread::global().post(std::move(task)); },
        [began, what](const Result<std::shared_ptr<const wasm::runtime::Module>>& result) {
          if (!result) {
            logCompileFailure(result.status(), what);
            return;
          }
          const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
          WEIR_INFO("wasm: {} compiled in {} ms; new VMs run the compiled code", what, ms.count());
        });
    started_flag_.store(true, std::memory_order_release);
  });
}

bool TierUp::ready() const {
  if (!started_flag_.load(std::memory_order_acquire)) start();
  return job_->ready() && job_->result();
}

std::shared_ptr<const wasm::runtime::Module> TierUp::compiled() const {
  if (!started_flag_.load(std::memory_order_acquire)) start();
  if (!job_->ready()) return nullptr;
  const auto& result = job_->result();
  return result ? result.value() : nullptr;
}

TierUp::State TierUp::state() const {
  if (!started_flag_.load(std::memory_order_acquire)) return State::kIdle;
  if (!job_->ready()) return State::kCompiling;
  return job_->result() ? State::kReady : State::kFailed;
}

std::string TierUp::error() const {
  if (state() != State::kFailed) return {};
  return job_->result().status().message();
}

void TierUp::wait() const {
  if (!started_flag_.load(std::memory_order_acquire)) start();
  job_->wait();
}

Status applyTierPolicy(VmCode& code) {
  auto policy = tierPolicyOf(code.runtime);
  if (!policy) return invalidArgument("config.vm_config.runtime: " + policy.status().message());
  code.tier = policy.value();
  if (!code.module) return Status::ok();  // code.remote: applied again to each fetched module
  switch (code.tier) {
    case TierPolicy::kInterp:
      break;
    case TierPolicy::kAot: {
      wasm::runtime::EngineConfig config;
      config.tier = wasm::runtime::Tier::kAot;
      auto compiled = wasm::runtime::Engine(config).compile(code.module->decodedPtr());
      if (!compiled) {
        return Status(compiled.status().code(), "config.vm_config.runtime: weir.aot cannot compile the module: " +
                                                    compiled.status().message());
      }
      code.module = std::move(compiled.value());
      break;
    }
    case TierPolicy::kAuto:
      code.tier_up = std::make_shared<TierUp>(code.module);
      break;
  }
  return Status::ok();
}

std::string_view moduleTierName(const wasm::runtime::Module& module) {
  return wasm::runtime::tierName(module.tier());
}

}  // namespace weir::proxywasm

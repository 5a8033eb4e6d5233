// WasmVm: one instance of a Proxy-Wasm module on one worker thread, with its
// contexts, its allocator, its metrics and the ABI callbacks the host calls.
//
// Lifecycle (as Envoy / the C++ host):
//   create()      instantiate with every env.proxy_* and WASI import, run the
//                 start section, then _initialize (+ main(0,0) / __main_void)
//                 or _start.
//   startPlugin() per plugin: root context → proxy_on_context_create(root, 0)
//                 → proxy_on_vm_start(root, |vm config|) → proxy_on_configure
//                 (root, |plugin config|); a false answer rejects the plugin.
//   streams       the HTTP filter creates a stream context per request.
// A trap in any callback marks the VM failed: every later callback is
// skipped, and the filter applies the plugin's failure policy.
//
// Re-entrancy: actions that would run other filters or call back into the
// module (continue/close a stream, local replies from async callbacks, callout
// results) are queued with defer() and run when the outermost VM call returns.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "event/dispatcher.h"
#include "proxywasm/abi.h"
#include "proxywasm/context.h"
#include "proxywasm/plugin.h"
#include "proxywasm/watchdog.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"

namespace weir::stats {
class Store;
class Counter;
class Gauge;
class Histogram;
}
namespace weir::http {
class HeaderMap;
}
namespace weir::upstream {
class ThreadLocalClusterManager;
}

namespace weir::proxywasm {

// Exports the host calls, with their expected signatures (see wasm_vm.cc).
enum class Callback : uint8_t {
  kOnContextCreate,
  kOnVmStart,
  kOnConfigure,
  kOnTick,
  kOnQueueReady,
  kOnDone,
  kOnLog,
  kOnDelete,
  kOnRequestHeaders,
  kOnRequestBody,
  kOnRequestTrailers,
  kOnResponseHeaders,
  kOnResponseBody,
  kOnResponseTrailers,
  kOnHttpCallResponse,
  kOnForeignFunction,
  // Network (L4) streams: proxywasm/network_filter.h.
  kOnNewConnection,
  kOnDownstreamData,
  kOnUpstreamData,
  kOnDownstreamConnectionClose,
  kOnUpstreamConnectionClose,
  kCount,
};

// The export name of a callback ("proxy_on_request_headers").
std::string_view callbackName(Callback cb);

// `wasm.<plugin>.*` counters and one `wasm.<plugin>.callback.<export>_us`
// histogram per callback; pointers stay null without a store.
std::shared_ptr<const PluginStats> makePluginStats(stats::Store* store, std::string_view plugin);

// Where a VM lives: its worker's dispatcher (timers, queue notifications),
// the stats store for plugin metrics, the worker's clusters for http_call.
// Every pointer may be null (tests, config-time validation).
struct VmEnvironment {
  event::Dispatcher* dispatcher = nullptr;
  stats::Store* stats = nullptr;
  upstream::ThreadLocalClusterManager* clusters = nullptr;
};

// The response of an http_call while proxy_on_http_call_response runs.
struct CalloutResponse {
  http::HeaderMap* headers = nullptr;
  http::HeaderMap* trailers = nullptr;
  std::string_view body;
};

class WasmVm : public std::enable_shared_from_this<WasmVm> {
 public:
  // Instantiates `module`, or code->module when null (weir.auto passes the
  // compiled module once its TierUp has one).
  static Result<std::shared_ptr<WasmVm>> create(std::shared_ptr<const VmCode> code, VmEnvironment env,
                                                std::shared_ptr<const wasm::runtime::Module> module = nullptr);
  ~WasmVm();
  WasmVm(const WasmVm&) = delete;
  WasmVm& operator=(const WasmVm&) = delete;

  // Creates and configures the plugin's root context. Errors say why
  // ("on_configure returned false for plugin 'x'", a trap, ...).
  Result<RootContext*> startPlugin(std::shared_ptr<const PluginConfig> plugin);
  // The root context of an already started plugin, or null.
  RootContext* rootFor(const PluginConfig* plugin);
  // on_done/on_delete for every root context, then timers off. Idempotent.
  void shutdown();

  const VmCode& code() const { return *code_; }
  AbiVersion abi() const { return code_->abi; }
  // The tier this VM's instance runs on.
  wasm::runtime::Tier tier() const { return module_->tier(); }
  bool failed() const { return failed_; }
  const std::string& failureMessage() const { return failure_; }
  VmEnvironment& environment() { return env_; }
  // A VM created without a dispatcher (config-time validation) gets one
  // later; pending tick timers are armed then.
  void bindEnvironment(VmEnvironment env);

  // --- contexts ---
  uint32_t allocateContextId() { return next_context_id_++; }
  void addContext(Context& ctx);
  void removeContext(uint32_t id);
  Context* findContext(uint32_t id);
  // What host functions act on: the effective context if set, else the one
  // whose callback runs, else the VM context.
  Context& activeContext();
  bool setEffectiveContext(uint32_t id);
  Context& vmContext() { return vm_context_; }

  // --- callbacks; each returns nullopt when the VM failed (now or before),
  // or `fallback` when the module does not export that callback ---
  std::optional<uint32_t> call(Callback cb, Context& ctx, std::initializer_list<uint32_t> args,
                               uint32_t fallback = 0);
  bool hasCallback(Callback cb) const { return callbacks_[static_cast<size_t>(cb)] != nullptr; }
  // Creates the stream context's guest side (on_context_create).
  bool createStreamContext(Context& ctx);
  // on_done then on_delete (and on_log first for HTTP streams, as Envoy).
  void destroyStreamContext(Context& ctx, bool call_on_log);

  // Runs `fn` when the outermost VM call returns (now if none is running).
  void defer(std::function<void()> fn);
  bool inVmCall() const { return call_depth_ > 0; }

  // --- guest memory, every access bounds-checked ---
  wasm::runtime::Memory* memory() { return memory_; }
  void setMemory(wasm::runtime::Memory* memory) { memory_ = memory; }
  std::optional<std::string_view> readBytes(uint32_t ptr, uint32_t size);
  bool writeU32(uint32_t ptr, uint32_t value);
  bool writeU64(uint32_t ptr, uint64_t value);
  // Allocates exactly `bytes.size()` bytes in the guest, copies them, writes
  // (ptr, size) to the two return pointers; (0, 0) without allocating for
  // empty data.
  WasmResult copyOut(std::string_view bytes, uint32_t ret_ptr_ptr, uint32_t ret_size_ptr);
  // Allocates `size` bytes and returns the guest address (0 on failure).
  uint32_t allocate(uint32_t size);

  // --- per-callback state read by host functions ---
  const CalloutResponse* calloutResponse() const { return callout_response_; }
  void setCalloutResponse(const CalloutResponse* r) { callout_response_ = r; }
  std::optional<std::string_view> foreignCallData() const { return call_data_; }
  struct GrpcStatus {
    uint32_t code = 0;
    std::string message;
  };
  GrpcStatus& lastStatus() { return last_status_; }
  // The configuration bytes proxy_get_configuration (0.1.0) returns now.
  bool inVmStart() const { return in_vm_start_; }

  // --- metrics (proxy_define_metric ids: type in the low 2 bits) ---
  uint32_t defineMetric(MetricType type, std::string_view name);
  struct Metric {
    MetricType type = MetricType::kCounter;
    stats::Counter* counter = nullptr;
    stats::Gauge* gauge = nullptr;
    stats::Histogram* histogram = nullptr;
    std::string name;
    int64_t local_value = 0;  // when there is no stats store
  };
  Metric* findMetric(uint32_t id);

  uint32_t nextCalloutToken() { return next_callout_token_ += 4; }

  // Logs through weir's log, tagged with the plugin (or vm_id).
  void log(uint32_t level, std::string_view message);
  // A host-side failure that must end the VM (bad allocator, ...).
  void fail(std::string message);

  // Time spent in callbacks and calls made, for stats and benchmarks.
  uint64_t callbackCount() const { return callback_count_; }

 private:
  WasmVm(std::shared_ptr<const VmCode> code, VmEnvironment env);
  Status initialize();
  Status startModule();
  // Every call into the module goes through here: the outermost one runs
  // under the callback deadline. `deadline_hit` reports an interrupt by the
  // watchdog. Arguments and results in `slots`
  // (wasm::runtime::Instance::callSlots): every function called here has an
  // i32 signature checked at start.
  std::optional<wasm::runtime::Trap> invoke(wasm::runtime::Function& f, uint64_t* slots, bool& deadline_hit);
  // The next invoke() is an outermost call, run under the callback deadline.
  bool underDeadline() const { return call_depth_ == 0 && watchdog_slot_ != nullptr; }
  void onTrap(std::string_view function, const wasm::runtime::Trap& trap, bool deadline_hit);

  std::shared_ptr<const VmCode> code_;
  VmEnvironment env_;
  std::shared_ptr<const wasm::runtime::Module> module_;
  std::unique_ptr<wasm::runtime::Instance> instance_;
  std::unique_ptr<CallWatchdog::Slot> watchdog_slot_;  // null without a deadline
  wasm::runtime::Memory* memory_ = nullptr;
  std::shared_ptr<wasm::runtime::Function> allocator_;
  std::array<std::shared_ptr<wasm::runtime::Function>, static_cast<size_t>(Callback::kCount)> callbacks_{};

  Context vm_context_;
  // Live contexts by id, sorted. Ids grow, so a new stream appends and the
  // list stays as long as the streams in flight: no node allocated per
  // stream as a std::map would.
  std::vector<std::pair<uint32_t, Context*>> contexts_;
  std::vector<std::unique_ptr<RootContext>> roots_;
  uint32_t next_context_id_ = 1;
  Context* current_ = nullptr;
  Context* effective_ = nullptr;
  int call_depth_ = 0;
  std::vector<std::function<void()>> deferred_;
  bool running_deferred_ = false;

  bool failed_ = false;
  bool shut_down_ = false;
  std::string failure_;
  const CalloutResponse* callout_response_ = nullptr;
  std::optional<std::string_view> call_data_;
  GrpcStatus last_status_;
  bool in_vm_start_ = false;
  bool starting_ = false;  // module start / plugin configuration: a longer deadline

  std::unordered_map<uint32_t, Metric> metrics_;
  uint32_t next_metric_ = 1;
  uint32_t next_callout_token_ = 0;
  uint64_t callback_count_ = 0;
};

}  // namespace weir::proxywasm

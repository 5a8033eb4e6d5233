#include "proxywasm/wasm_vm.h"

#include <algorithm>

#include "base/cycle_clock.h"
#include "base/logging.h"
#include "base/stats.h"
#include "proxywasm/host_functions.h"
#include "proxywasm/http_callout.h"
#include "proxywasm/shared_data.h"

namespace weir::proxywasm {

using wasm::ValType;

namespace {

struct CallbackSpec {
  const char* name;
  uint8_t params;
  bool returns;
};

// Every callback takes only i32s and returns at most one i32.
constexpr CallbackSpec kCallbackSpecs[] = {
    {"proxy_on_context_create", 2, false},
    {"proxy_on_vm_start", 2, true},
    {"proxy_on_configure", 2, true},
    {"proxy_on_tick", 1, false},
    {"proxy_on_queue_ready", 2, false},
    {"proxy_on_done", 1, true},
    {"proxy_on_log", 1, false},
    {"proxy_on_delete", 1, false},
    {"proxy_on_request_headers", 3, true},
    {"proxy_on_request_body", 3, true},
    {"proxy_on_request_trailers", 2, true},
    {"proxy_on_response_headers", 3, true},
    {"proxy_on_response_body", 3, true},
    {"proxy_on_response_trailers", 2, true},
    {"proxy_on_http_call_response", 5, false},
    {"proxy_on_foreign_function", 3, false},
    {"proxy_on_new_connection", 1, true},
    {"proxy_on_downstream_data", 3, true},
    {"proxy_on_upstream_data", 3, true},
    {"proxy_on_downstream_connection_close", 2, false},
    {"proxy_on_upstream_connection_close", 2, false},
};
static_assert(std::size(kCallbackSpecs) == static_cast<size_t>(Callback::kCount));
constexpr size_t kMaxCallbackParams = 5;  // proxy_on_http_call_response

bool isI32Signature(const wasm::FuncType& t, size_t params, size_t results) {
  if (t.numParams() != params || t.numResults() != results) return false;
  for (ValType v : t.params()) if (v != ValType::kI32) return false;
  for (ValType v : t.results()) if (v != ValType::kI32) return false;
  return true;
}

// Sets a flag for the scope's lifetime.
class ScopedFlag {
 public:
  explicit ScopedFlag(bool& flag) : flag_(flag) { flag_ = true; }
  ~ScopedFlag() { flag_ = false; }
  ScopedFlag(const ScopedFlag&) = delete;
  ScopedFlag& operator=(const ScopedFlag&) = delete;

 private:
  bool& flag_;
};

}  // namespace

std::string_view callbackName(Callback cb) { return kCallbackSpecs[static_cast<size_t>(cb)].name; }

std::shared_ptr<const PluginStats> makePluginStats(stats::Store* store, std::string_view plugin) {
  auto s = std::make_shared<PluginStats>();
  if (!store) return s;
  const std::string prefix = "wasm." + std::string(plugin) + ".";
  s->vm_created = &store->counter(prefix + "vm_created");
  s->vm_failed = &store->counter(prefix + "vm_failed");
  s->vm_reloaded = &store->counter(prefix + "vm_reloaded");
  s->vm_compiled = &store->counter(prefix + "vm_compiled");
  s->fail_closed = &store->counter(prefix + "fail_closed");
  s->fail_open = &store->counter(prefix + "fail_open");
  s->traps = &store->counter(prefix + "traps");
  s->deadline_exceeded = &store->counter(prefix + "deadline_exceeded");
  for (const CallbackSpec& spec : kCallbackSpecs) {
    std::string_view name = spec.name;
    name.remove_prefix(std::string_view("proxy_").size());
    s->callback_us.push_back(
        &store->histogram(prefix + "callback." + std::string(name) + "_us", stats::HistogramUnit::kMicroseconds));
  }
  return s;
}

WasmVm::WasmVm(std::shared_ptr<const VmCode> code, VmEnvironment env)
    : code_(std::move(code)), env_(env), vm_context_(*this, 0, nullptr) {
  CycleClock::calibrate();  // once per process, before any callback is timed
}

WasmVm::~WasmVm() {
  if (watchdog_slot_) CallWatchdog::global().remove(watchdog_slot_.get());
  SharedQueues::global().unbind(this);
  for (auto& root : roots_) {
    root->stopTimers();
    for (auto& [token, callout] : root->callouts()) callout->cancel();
  }
}

Result<std::shared_ptr<WasmVm>> WasmVm::create(std::shared_ptr<const VmCode> code, VmEnvironment env,
                                               std::shared_ptr<const wasm::runtime::Module> module) {
  // The settings of code.remote carry no module; only the Wasm filters
  // fetch one (RemoteCode) and pass that.
  if (!code || !code->module) return failedPrecondition("no module: code.remote is supported by the Wasm filters only");
  if (!module) module = code->module;
  std::shared_ptr<WasmVm> vm(new WasmVm(std::move(code), env));
  vm->module_ = std::move(module);
  Status s = vm->initialize();
  if (!s.isOk()) return s;
  return vm;
}

Status WasmVm::initialize() {
  wasm::runtime::Linker linker;
  registerProxyWasmImports(linker, this);
  wasm::runtime::InstanceLimits limits;
  limits.max_memory_pages = code_->max_memory_pages;
  auto instance = wasm::runtime::Instance::instantiate(module_, linker, limits);
  if (!instance) {
    return Status(instance.status().code(), "failed to load Wasm module: " + instance.status().message());
  }
  instance_ = std::move(instance.value());
  if (code_->callback_deadline.count() > 0) {
    watchdog_slot_ = std::make_unique<CallWatchdog::Slot>(instance_.get());
    CallWatchdog::global().add(watchdog_slot_.get(), code_->callback_deadline);
  }
  auto mem = instance_->exportByName("memory");
  if (!mem || mem->kind != wasm::ExternKind::kMemory || !mem->memory) {
    return invalidArgument("Wasm module does not export its memory as \"memory\"");
  }
  memory_ = mem->memory.get();

  // The spec's order: proxy_on_memory_allocate, then malloc (TinyGo's malloc
  // pins memory until free(), which SDKs never call).
  for (const char* name : {"proxy_on_memory_allocate", "malloc"}) {
    if (auto f = instance_->exportedFunction(name)) {
      if (!isI32Signature(f->type(), 1, 1)) return invalidArgument(std::string("Bad function signature for: ") + name);
      allocator_ = std::move(f);
      break;
    }
  }
  if (!allocator_) return invalidArgument("Wasm module exports neither proxy_on_memory_allocate nor malloc");

  const bool v010 = code_->abi == AbiVersion::k0_1_0;
  for (size_t i = 0; i < std::size(kCallbackSpecs); ++i) {
    const CallbackSpec& spec = kCallbackSpecs[i];
    auto cb = static_cast<Callback>(i);
    if (v010 && cb == Callback::kOnForeignFunction) continue;
    auto f = instance_->exportedFunction(spec.name);
    if (!f) continue;
    size_t params = spec.params;
    // 0.1.0: the headers callbacks have no end_of_stream parameter.
    if (v010 && (cb == Callback::kOnRequestHeaders || cb == Callback::kOnResponseHeaders)) params = 2;
    if (!isI32Signature(f->type(), params, spec.returns ? 1 : 0)) {
      return invalidArgument(std::string("Bad function signature for: ") + spec.name);
    }
    callbacks_[i] = std::move(f);
  }
  return startModule();
}

Status WasmVm::startModule() {
  ScopedFlag starting(starting_);
  auto run = [&](const char* name, bool has_result, bool with_args) -> Status {
    auto f = instance_->exportedFunction(name);
    if (!f) return Status::ok();
    if (!isI32Signature(f->type(), with_args ? 2 : 0, has_result ? 1 : 0)) {
      return invalidArgument(std::string("Bad function signature for: ") + name);
    }
    uint64_t slots[2] = {0, 0};  // main(argc = 0, argv = 0)
    bool deadline_hit = false;
    auto trap = invoke(*f, slots, deadline_hit);
    if (trap && !(trap->kind == wasm::runtime::TrapKind::kExit && trap->exit_code == 0)) {
      onTrap(name, *trap, deadline_hit);
      return internalError(failure_);
    }
    return Status::ok();
  };
  if (instance_->exportedFunction("_initialize")) {
    WEIR_RETURN_IF_ERROR(run("_initialize", false, false));
    if (instance_->exportedFunction("main")) {
      WEIR_RETURN_IF_ERROR(run("main", true, true));
    } else {
      WEIR_RETURN_IF_ERROR(run("__main_void", true, false));
    }
  } else {
    WEIR_RETURN_IF_ERROR(run("_start", false, false));
  }
  return Status::ok();
}

void WasmVm::bindEnvironment(VmEnvironment env) {
  env_ = env;
  for (auto& root : roots_) root->onDispatcherBound();
}

Result<RootContext*> WasmVm::startPlugin(std::shared_ptr<const PluginConfig> plugin) {
  if (failed_) return internalError("Wasm VM failed: " + failure_);
  const std::string name = plugin->name;
  const uint32_t config_size = static_cast<uint32_t>(plugin->configuration.size());
  auto root = std::make_unique<RootContext>(*this, allocateContextId(), std::move(plugin));
  RootContext* raw = root.get();
  addContext(*raw);
  roots_.push_back(std::move(root));
  auto reject = [&](std::string message) -> Result<RootContext*> {
    raw->stopTimers();
    removeContext(raw->id());
    roots_.pop_back();
    return Status(StatusCode::kFailedPrecondition, std::move(message));
  };
  ScopedFlag starting(starting_);
  if (!call(Callback::kOnContextCreate, *raw, {raw->id(), 0})) return reject("Wasm plugin '" + name + "': " + failure_);
  raw->setCreated();
  in_vm_start_ = true;
  auto started = call(Callback::kOnVmStart, *raw, {raw->id(), static_cast<uint32_t>(code_->vm_configuration.size())}, 1);
  in_vm_start_ = false;
  if (!started) return reject("Wasm plugin '" + name + "': " + failure_);
  if (*started == 0) return reject("Wasm plugin '" + name + "': proxy_on_vm_start returned false");
  auto configured = call(Callback::kOnConfigure, *raw, {raw->id(), config_size}, 1);
  if (!configured) return reject("Wasm plugin '" + name + "': " + failure_);
  if (*configured == 0) {
    return reject("Wasm plugin '" + name + "': proxy_on_configure returned false (the plugin rejected its configuration)");
  }
  return raw;
}

RootContext* WasmVm::rootFor(const PluginConfig* plugin) {
  for (auto& root : roots_) {
    if (root->pluginPtr().get() == plugin) return root.get();
  }
  return nullptr;
}

void WasmVm::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  for (auto& root : roots_) {
    root->stopTimers();
    for (auto& [token, callout] : root->callouts()) callout->cancel();
    if (root->created() && !failed_) {
      (void)call(Callback::kOnDone, *root, {root->id()}, 1);
      (void)call(Callback::kOnDelete, *root, {root->id()});
    }
    removeContext(root->id());
  }
}

namespace {
template <typename Vec>
auto contextSlot(Vec& contexts, uint32_t id) {
  return std::lower_bound(contexts.begin(), contexts.end(), id,
                          [](const auto& entry, uint32_t key) { return entry.first < key; });
}
}  // namespace

void WasmVm::addContext(Context& ctx) {
  const uint32_t id = ctx.id();
  auto it = contextSlot(contexts_, id);  // the end for a new stream: ids grow
  if (it != contexts_.end() && it->first == id) {
    it->second = &ctx;
  } else {
    contexts_.insert(it, {id, &ctx});
  }
}

void WasmVm::removeContext(uint32_t id) {
  auto it = contextSlot(contexts_, id);
  if (it != contexts_.end() && it->first == id) contexts_.erase(it);
}

Context* WasmVm::findContext(uint32_t id) {
  auto it = contextSlot(contexts_, id);
  return it != contexts_.end() && it->first == id ? it->second : nullptr;
}

Context& WasmVm::activeContext() {
  if (effective_) return *effective_;
  if (current_) return *current_;
  return vm_context_;
}

bool WasmVm::setEffectiveContext(uint32_t id) {
  Context* ctx = findContext(id);
  if (!ctx) return false;
  effective_ = ctx;
  return true;
}

std::optional<uint32_t> WasmVm::call(Callback cb, Context& ctx, std::initializer_list<uint32_t> args,
                                     uint32_t fallback) {
  if (failed_) return std::nullopt;
  wasm::runtime::Function* f = callbacks_[static_cast<size_t>(cb)].get();
  if (!f) return fallback;
  // Callback signatures were checked when the VM started (i32 only), so the
  // call goes by slots: extra arguments (0.1.0 headers callbacks take no
  // end_of_stream) are passed and ignored.
  uint64_t slots[kMaxCallbackParams] = {};
  size_t n = 0;
  for (uint32_t a : args) {
    if (n == kMaxCallbackParams) break;
    slots[n++] = a;
  }
  Context* saved_current = current_;
  Context* saved_effective = effective_;
  current_ = &ctx;
  effective_ = nullptr;
  ++callback_count_;
  const PluginStats* stats = ctx.plugin() ? ctx.plugin()->stats.get() : nullptr;
  // The histogram's clock is the cycle counter: two clock_gettime calls per
  // callback were a visible part of a small filter's cost per request.
  const bool timed = stats && !stats->callback_us.empty();
  const uint64_t started = timed ? CycleClock::now() : 0;
  bool deadline_hit = false;
  auto trap = invoke(*f, slots, deadline_hit);
  if (timed) {
    const uint64_t micros = CycleClock::toNanos(CycleClock::now() - started) / 1000;
    stats->callback_us[static_cast<size_t>(cb)]->recordValue(micros);
  }
  current_ = saved_current;
  effective_ = saved_effective;
  if (trap) {
    if (stats && stats->traps) stats->traps->inc();
    if (deadline_hit && stats && stats->deadline_exceeded) stats->deadline_exceeded->inc();
    onTrap(kCallbackSpecs[static_cast<size_t>(cb)].name, *trap, deadline_hit);
  }
  if (call_depth_ == 0 && !deferred_.empty() && !running_deferred_) {
    running_deferred_ = true;
    // Actions may queue more actions; run until quiet.
    for (size_t i = 0; i < deferred_.size(); ++i) {
      auto fn = std::move(deferred_[i]);
      fn();
    }
    deferred_.clear();
    running_deferred_ = false;
  }
  if (trap) return std::nullopt;
  return f->type().numResults() ? static_cast<uint32_t>(slots[0]) : 0u;
}

bool WasmVm::createStreamContext(Context& ctx) {
  addContext(ctx);
  RootContext* root = ctx.root();
  auto r = call(Callback::kOnContextCreate, ctx, {ctx.id(), root ? root->id() : 0});
  if (!r) return false;
  ctx.setCreated();
  return true;
}

void WasmVm::destroyStreamContext(Context& ctx, bool call_on_log) {
  if (ctx.created() && !failed_) {
    if (call_on_log) (void)call(Callback::kOnLog, ctx, {ctx.id()});
    (void)call(Callback::kOnDone, ctx, {ctx.id()}, 1);
    (void)call(Callback::kOnDelete, ctx, {ctx.id()});
  }
  if (effective_ == &ctx) effective_ = nullptr;
  if (current_ == &ctx) current_ = nullptr;
  removeContext(ctx.id());
}

void WasmVm::defer(std::function<void()> fn) {
  if (call_depth_ == 0 && !running_deferred_) {
    fn();
    return;
  }
  deferred_.push_back(std::move(fn));
}

std::optional<std::string_view> WasmVm::readBytes(uint32_t ptr, uint32_t size) {
  if (size == 0) return std::string_view();  // (0, 0) is a valid empty range
  if (!memory_) return std::nullopt;
  auto span = memory_->span(ptr, size);
  if (!span) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(span->data()), span->size());
}

bool WasmVm::writeU32(uint32_t ptr, uint32_t value) {
  uint8_t b[4] = {static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value >> 16),
                  static_cast<uint8_t>(value >> 24)};
  return memory_ && memory_->write(ptr, b, 4);
}

bool WasmVm::writeU64(uint32_t ptr, uint64_t value) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(value >> (8 * i));
  return memory_ && memory_->write(ptr, b, 8);
}

uint32_t WasmVm::allocate(uint32_t size) {
  if (!allocator_ || failed_ || size == 0) return 0;
  uint64_t slots[1] = {size};
  bool deadline_hit = false;
  auto trap = invoke(*allocator_, slots, deadline_hit);
  if (trap) {
    onTrap("malloc", *trap, deadline_hit);
    return 0;
  }
  return static_cast<uint32_t>(slots[0]);
}

WasmResult WasmVm::copyOut(std::string_view bytes, uint32_t ret_ptr_ptr, uint32_t ret_size_ptr) {
  if (bytes.empty()) {
    return writeU32(ret_ptr_ptr, 0) && writeU32(ret_size_ptr, 0) ? WasmResult::kOk : WasmResult::kInvalidMemoryAccess;
  }
  if (bytes.size() > 0xFFFFFFFFu) return WasmResult::kBadArgument;
  // Copy first: `bytes` may point into guest memory or a host buffer the
  // allocator's guest code could disturb.
  std::string copy(bytes);
  uint32_t ptr = allocate(static_cast<uint32_t>(copy.size()));
  if (ptr == 0 || !memory_ || !memory_->write(ptr, copy.data(), copy.size())) return WasmResult::kInvalidMemoryAccess;
  if (!writeU32(ret_ptr_ptr, ptr) || !writeU32(ret_size_ptr, static_cast<uint32_t>(copy.size()))) {
    return WasmResult::kInvalidMemoryAccess;
  }
  return WasmResult::kOk;
}

uint32_t WasmVm::defineMetric(MetricType type, std::string_view name) {
  uint32_t id = (next_metric_++ << 2) | static_cast<uint32_t>(type);
  Metric m;
  m.type = type;
  m.name = "wasmcustom." + std::string(name);
  if (env_.stats) {
    switch (type) {
      case MetricType::kCounter: m.counter = &env_.stats->counter(m.name); break;
      case MetricType::kGauge: m.gauge = &env_.stats->gauge(m.name); break;
      case MetricType::kHistogram: m.histogram = &env_.stats->histogram(m.name, stats::HistogramUnit::kUnspecified); break;
    }
  }
  metrics_.emplace(id, std::move(m));
  return id;
}

WasmVm::Metric* WasmVm::findMetric(uint32_t id) {
  auto it = metrics_.find(id);
  return it == metrics_.end() ? nullptr : &it->second;
}

void WasmVm::log(uint32_t level, std::string_view message) {
  auto lvl = static_cast<log::Level>(std::min<uint32_t>(level, kMaxLogLevel));
  if (!log::enabled(lvl)) return;
  const PluginConfig* plugin = activeContext().plugin();
  const std::string& tag = plugin ? plugin->name : code_->vm_id;
  log::write(lvl, fmt::format("wasm log {}: {}", tag, message));
}

void WasmVm::fail(std::string message) {
  if (!failed_) {
    failed_ = true;
    failure_ = std::move(message);
    WEIR_ERROR("wasm vm '{}' failed: {}", code_->vm_id, failure_);
  }
}

std::optional<wasm::runtime::Trap> WasmVm::invoke(wasm::runtime::Function& f, uint64_t* slots, bool& deadline_hit) {
  const bool outermost = underDeadline();
  if (outermost) {
    // Module start and plugin configuration may legitimately take longer
    // (language runtimes initialize, configs get parsed) than a callback on
    // the request path.
    auto budget = code_->callback_deadline;
    if (starting_) budget = std::max<std::chrono::milliseconds>(budget * 10, std::chrono::seconds(1));
    watchdog_slot_->arm(budget);
  }
  ++call_depth_;
  auto trap = instance_->callSlots(f, slots);
  --call_depth_;
  if (outermost) deadline_hit = watchdog_slot_->disarm() && trap && trap->kind == wasm::runtime::TrapKind::kInterrupted;
  return trap;
}

void WasmVm::onTrap(std::string_view function, const wasm::runtime::Trap& trap, bool deadline_hit) {
  std::string message = "Function: " + std::string(function) + " failed: ";
  if (deadline_hit) {
    message += "callback deadline of " + std::to_string(code_->callback_deadline.count()) + " ms exceeded";
  } else if (trap.kind == wasm::runtime::TrapKind::kExit) {
    message += "proc_exit(" + std::to_string(trap.exit_code) + ")";
  } else {
    message += trap.toString();
  }
  fail(std::move(message));
}

}  // namespace weir::proxywasm

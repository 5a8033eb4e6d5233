#include "proxywasm/context.h"

#include "proxywasm/http_callout.h"
#include "proxywasm/wasm_vm.h"

namespace weir::proxywasm {

const PluginConfig* Context::plugin() const {
  if (!root_) return nullptr;
  return root_->pluginPtr().get();
}

http::HeaderMap* Context::headerMap(MapType, bool& writable) {
  writable = false;
  return nullptr;
}

std::optional<std::string_view> Context::bodyBuffer(BufferType) { return std::nullopt; }

WasmResult Context::setBodyBuffer(BufferType, uint64_t, uint64_t, std::string_view) { return WasmResult::kNotFound; }

// Root contexts have no stream: these are the statuses Envoy gives there.
WasmResult Context::sendLocalResponse(uint32_t, std::string_view, std::string_view, HeaderPairs, uint32_t) {
  return WasmResult::kBadArgument;
}
WasmResult Context::continueStream(StreamType) { return WasmResult::kBadArgument; }
WasmResult Context::closeStream(StreamType) { return WasmResult::kBadArgument; }

std::optional<std::string> Context::streamProperty(std::span<const std::string_view>) { return std::nullopt; }

WasmResult Context::setProperty(std::string_view, std::string_view) { return WasmResult::kNotFound; }

RootContext::RootContext(WasmVm& vm, uint32_t id, std::shared_ptr<const PluginConfig> plugin)
    : Context(vm, id, this), plugin_(std::move(plugin)) {}

RootContext::~RootContext() {
  for (auto& [token, callout] : callouts_) callout->cancel();
}

void RootContext::setTickPeriod(std::chrono::milliseconds period) {
  tick_period_ = period;
  if (period.count() == 0) {
    if (tick_timer_) tick_timer_->disable();
    return;
  }
  armTick();
}

void RootContext::onDispatcherBound() {
  if (tick_period_.count() > 0) armTick();
}

void RootContext::stopTimers() {
  tick_period_ = std::chrono::milliseconds(0);
  tick_timer_.reset();
}

void RootContext::armTick() {
  event::Dispatcher* dispatcher = vm_.environment().dispatcher;
  if (!dispatcher) return;  // armed when the VM reaches its worker
  if (!tick_timer_) {
    tick_timer_ = dispatcher->createTimer([this] {
      if (vm_.failed() || tick_period_.count() == 0) return;
      // Re-arm first: the tick may change or stop the period.
      tick_timer_->enable(tick_period_);
      (void)vm_.call(Callback::kOnTick, *this, {id_});
    });
  }
  tick_timer_->enable(tick_period_);
}

}  // namespace weir::proxywasm

// Proxy-Wasm contexts as the host sees them. A VM has one root context per
// plugin and one stream context per HTTP request; ids come from one per-VM
// counter (0 is the VM itself, used during module start and allocator calls).
// Host functions act on the VM's active context (the effective one if the
// guest set one, else the one whose callback is running) through the virtual
// methods below; each returns the ABI status the SDKs expect when a map,
// buffer or action is not available in the current phase.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "event/dispatcher.h"
#include "proxywasm/abi.h"
#include "proxywasm/plugin.h"

namespace weir::http {
class HeaderMap;
}

namespace weir::proxywasm {

class WasmVm;
class RootContext;
class HttpCallout;

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

class Context {
 public:
  Context(WasmVm& vm, uint32_t id, RootContext* root) : vm_(vm), id_(id), root_(root) {}
  virtual ~Context() = default;
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  uint32_t id() const { return id_; }
  WasmVm& vm() { return vm_; }
  // The plugin's root context; a root context returns itself. Null for the
  // VM context (id 0).
  RootContext* root() const { return root_; }
  bool isRoot() const { return static_cast<const void*>(root_) == static_cast<const void*>(this); }
  // The plugin this context belongs to; null for the VM context.
  const PluginConfig* plugin() const;

  // Set once proxy_on_context_create was delivered (on_delete is sent only
  // then).
  bool created() const { return created_; }
  void setCreated() { created_ = true; }

  // --- what host functions reach; the defaults are "not available here" ---
  // A header/trailer map of this stream, or null when it does not exist in
  // the current phase. `writable` reports whether it may be changed now.
  virtual http::HeaderMap* headerMap(MapType type, bool& writable);
  // The bytes of a body buffer available now (HTTP bodies; a network
  // stream's DownstreamData / UpstreamData).
  virtual std::optional<std::string_view> bodyBuffer(BufferType type);
  // Envoy's semantics: start 0 replaces the first `size` bytes, start >=
  // length appends, anything else is BadArgument.
  virtual WasmResult setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data);
  virtual WasmResult sendLocalResponse(uint32_t code, std::string_view details, std::string_view body,
                                       HeaderPairs headers, uint32_t grpc_status);
  virtual WasmResult continueStream(StreamType type);
  virtual WasmResult closeStream(StreamType type);
  // A property of this stream (Envoy's attribute names and encodings); the
  // plugin_* and node properties are answered by the host functions.
  virtual std::optional<std::string> streamProperty(std::span<const std::string_view> path);
  virtual WasmResult setProperty(std::string_view path, std::string_view value);

 protected:
  WasmVm& vm_;
  uint32_t id_;
  RootContext* root_;
  bool created_ = false;
};

// One per plugin per VM: owns the tick timer and the plugin's callouts.
class RootContext final : public Context {
 public:
  RootContext(WasmVm& vm, uint32_t id, std::shared_ptr<const PluginConfig> plugin);
  ~RootContext() override;

  const std::shared_ptr<const PluginConfig>& pluginPtr() const { return plugin_; }

  // proxy_set_tick_period_milliseconds; 0 disables. Armed on the VM's
  // dispatcher (if it has one yet, else when it gets one).
  void setTickPeriod(std::chrono::milliseconds period);
  std::chrono::milliseconds tickPeriod() const { return tick_period_; }
  void onDispatcherBound();
  void stopTimers();

  // Outstanding http_call requests, by token.
  std::map<uint32_t, std::unique_ptr<HttpCallout>>& callouts() { return callouts_; }

 private:
  void armTick();
  std::shared_ptr<const PluginConfig> plugin_;
  std::chrono::milliseconds tick_period_{0};
  event::TimerPtr tick_timer_;
  std::map<uint32_t, std::unique_ptr<HttpCallout>> callouts_;
};

}  // namespace weir::proxywasm

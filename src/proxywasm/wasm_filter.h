// envoy.filters.http.wasm: runs a Proxy-Wasm plugin in the HTTP filter chain.
//
// Config load (main thread): parse the Envoy Wasm typed_config, compile the
// module, and validate the plugin in a throwaway VM (on_vm_start +
// on_configure must accept it), so a bad plugin is a config error.
// Per worker: one VM per (vm_id, vm configuration, code) and one root
// context per plugin, created on the first stream and kept in a
// thread-local cache. Per stream: one stream context.
//
// Remote code (vm_config.code.remote): the module comes from a RemoteCode
// (remote_code.h) fetched in the background; config load waits for the first
// fetch at most the http_uri timeout. Each worker builds a VM for a newly
// published module for new streams; until one loaded, the failure policy
// below applies to every stream.
//
// Failure policy when the VM traps or cannot be created: fail closed → local
// 503 (details "wasm_fail_stream"); fail open → the stream bypasses the
// filter; FAIL_RELOAD → fail closed for this stream, and the worker rebuilds
// the VM for new streams (at most once per reload backoff).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "proxy/filter_factory.h"
#include "proxywasm/plugin.h"

namespace weir::wasm::runtime {
enum class Tier : uint8_t;
}
namespace weir::stats {
class Store;
class Counter;
}
namespace weir::event {
class Dispatcher;
}
namespace weir::upstream {
class ThreadLocalClusterManager;
}

namespace weir::proxywasm {

class WasmVm;
class RootContext;
class RemoteCode;

inline constexpr std::string_view kWasmFilterName = "envoy.filters.http.wasm";
inline constexpr std::string_view kWasmFilterTypeUrl =
    "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

// Registers envoy.filters.http.wasm.
void registerWasmFilter(proxy::FilterRegistry& registry);

// The immutable per-filter config shared by all workers.
class WasmFilterConfig {
 public:
  // Parses, compiles and validates the plugin (runs on_vm_start and
  // on_configure once in a throwaway VM). `store` may be null.
  static Result<std::shared_ptr<const WasmFilterConfig>> create(const proxy::FilterConfigTree& typed_config,
                                                                stats::Store* store);

  const std::shared_ptr<const PluginConfig>& plugin() const { return plugin_; }
  // The code new streams get: the local module, or the remote one loaded
  // last (null while none has loaded).
  std::shared_ptr<const VmCode> code() const;
  // Null for local code, and when this process does not fetch (weir validate).
  const RemoteCode* remoteCode() const { return remote_.get(); }

  struct Handle {
    std::shared_ptr<WasmVm> vm;
    RootContext* root = nullptr;
  };
  // This worker's VM and root context for the plugin, created on first use
  // (and re-created per the failure policy). Call on the worker thread.
  Result<Handle> acquire(event::Dispatcher& dispatcher, upstream::ThreadLocalClusterManager* clusters) const;

  const PluginStats& stats() const { return *plugin_->stats; }
  stats::Store* store() const { return store_; }

  // The state of this plugin's VM on each worker that has used it, for
  // GET /plugins. Updated only when it changes (VM created, failed).
  struct WorkerState {
    bool failed = false;
    std::string error;
    wasm::runtime::Tier tier{};  // of the VM serving now ({} is the interpreter)
  };
  std::vector<WorkerState> workerStates() const;
  void noteWorkerState(bool failed, std::string error, std::optional<wasm::runtime::Tier> tier = std::nullopt) const;

  ~WasmFilterConfig();

 private:
  WasmFilterConfig() = default;
  std::shared_ptr<const PluginConfig> plugin_;
  std::shared_ptr<RemoteCode> remote_;
  stats::Store* store_ = nullptr;
  mutable std::mutex states_mutex_;
  mutable std::map<std::thread::id, WorkerState> states_;
};

// What GET /plugins lists: the newest live config of every plugin name (a
// config reload replaces them; older ones live on while their streams run).
std::vector<std::shared_ptr<const WasmFilterConfig>> livePluginConfigs();

// Shuts down and drops every VM of the calling worker thread (on_done /
// on_delete for root contexts, timers off). For worker shutdown before the
// thread's dispatcher goes away, and for tests.
void releaseThreadLocalWasmVms();

// Builds a filter factory callback directly (tests and embedders).
Result<proxy::FilterFactoryCb> createWasmFilterFactory(const proxy::FilterConfigTree& typed_config,
                                                       stats::Store* store);

}  // namespace weir::proxywasm

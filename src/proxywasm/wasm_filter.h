// envoy.filters.http.wasm: runs a Proxy-Wasm plugin in the HTTP filter chain.
//
// Config load (main thread): parse the Envoy Wasm typed_config, compile the
// module, and validate the plugin in a throwaway VM (on_vm_start +
// on_configure must accept it), so a bad plugin is a config error.
// Per worker: one VM per (vm_id, vm configuration, code) and one root
// context per plugin, created on the first stream and kept in a
// thread-local cache. Per stream: one stream context.
//
// Failure policy when the VM traps or cannot be created: fail closed → local
// 503 (details "wasm_fail_stream"); fail open → the stream bypasses the
// filter; FAIL_RELOAD → fail closed for this stream, and the worker rebuilds
// the VM for new streams (at most once per reload backoff).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "proxy/filter_factory.h"
#include "proxywasm/plugin.h"

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

  struct Handle {
    std::shared_ptr<WasmVm> vm;
    RootContext* root = nullptr;
  };
  // This worker's VM and root context for the plugin, created on first use
  // (and re-created per the failure policy). Call on the worker thread.
  Result<Handle> acquire(event::Dispatcher& dispatcher, upstream::ThreadLocalClusterManager* clusters) const;

  struct Stats {
    stats::Counter* vm_created = nullptr;
    stats::Counter* vm_failed = nullptr;
    stats::Counter* fail_closed = nullptr;
    stats::Counter* fail_open = nullptr;
  };
  const Stats& stats() const { return stats_; }
  stats::Store* store() const { return store_; }

 private:
  std::shared_ptr<const PluginConfig> plugin_;
  stats::Store* store_ = nullptr;
  Stats stats_;
};

// Shuts down and drops every VM of the calling worker thread (on_done /
// on_delete for root contexts, timers off). For worker shutdown before the
// thread's dispatcher goes away, and for tests.
void releaseThreadLocalWasmVms();

// Builds a filter factory callback directly (tests and embedders).
Result<proxy::FilterFactoryCb> createWasmFilterFactory(const proxy::FilterConfigTree& typed_config,
                                                       stats::Store* store);

}  // namespace weir::proxywasm

// envoy.bootstrap.wasm: a Proxy-Wasm plugin that runs as a service of the
// process rather than on a request or connection path (Envoy's WasmService,
// an entry of the config's bootstrap_extensions).
//
//   typed_config:
//     "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
//     singleton: true        # one VM on the main thread; false: one per worker
//     config: { ... }        # the same PluginConfig as the Wasm filters
//
// Config load: the module is compiled and the plugin validated in a
// throwaway VM (on_vm_start, on_configure; false is a config error naming
// the plugin), as for the filters. Running: a VM of its own and one root
// context on its thread (proxy_on_context_create(root, 0), on_vm_start,
// on_configure), started when the server applies the config and stopped
// (on_done, on_delete) when a reload replaces it or the server exits. What
// a service is for works as in Envoy: ticks on its thread's loop, shared data
// and shared queues (process-wide per vm_id, so worker filters of the same
// vm_id see what it publishes, and a queue it registers gets
// proxy_on_queue_ready on its thread), http_call to a named cluster through
// that thread's clusters, metrics and logs.
//
// Failures: a service has no stream to fail open or closed. A VM that traps
// is logged as for filters and counted (wasm.<plugin>.traps, vm_failed);
// with failure_policy FAIL_RELOAD a new VM is started (vm_reloaded) at most
// once per reload backoff, otherwise it stays failed until a config reload.
#pragma once

#include <memory>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
#include "proxy/bootstrap_extension.h"
#include "proxy/filter_factory.h"
#include "proxywasm/plugin.h"

namespace weir::stats {
class Store;
}

namespace weir::proxywasm {

inline constexpr std::string_view kWasmServiceName = "envoy.bootstrap.wasm";
inline constexpr std::string_view kWasmServiceTypeUrl = "type.googleapis.com/envoy.extensions.wasm.v3.WasmService";

class WasmServiceConfig final : public proxy::BootstrapExtensionConfig,
                                public std::enable_shared_from_this<WasmServiceConfig> {
 public:
  // Parses, compiles and validates. `store` may be null (tests, weir validate).
  static Result<std::shared_ptr<const WasmServiceConfig>> create(const nlohmann::json& typed_config,
                                                                 stats::Store* store);

  const std::shared_ptr<const PluginConfig>& plugin() const { return plugin_; }
  bool singleton() const { return singleton_; }

  // proxy::BootstrapExtensionConfig
  bool mainThreadOnly() const override { return singleton_; }
  Result<proxy::BootstrapExtensionInstancePtr> start(const proxy::BootstrapExtensionThread& thread) const override;

 private:
  WasmServiceConfig() = default;
  std::shared_ptr<const PluginConfig> plugin_;
  bool singleton_ = false;
  stats::Store* store_ = nullptr;
};

// Registers envoy.bootstrap.wasm.
void registerWasmService(proxy::FilterRegistry& registry);

}  // namespace weir::proxywasm

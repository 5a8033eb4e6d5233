// Bootstrap extensions: the config's top-level `bootstrap_extensions[]`,
// services of the process that sit on no listener's path (Envoy's
// envoy.bootstrap.* extensions; weir has envoy.bootstrap.wasm, registered by
// src/proxywasm). The same shape as filters:
//
//   config load (main thread)               running (main thread or each worker)
//   -------------------------               ------------------------------------
//   registry.findBootstrapExtension(name/@type)
//     → factory.createExtension(config)
//       → BootstrapExtensionConfig ────────▶ config.start(thread) → instance
//         (immutable, validated once)          destroying the instance stops it
//
// The server starts the instances of a config generation when it applies it
// (at start: a failure is a startup error) and destroys the previous
// generation's instances first, so on a reload the old services stop before
// the new ones start. Main-thread instances run on the main dispatcher with a
// thread-local cluster manager of their own; the others run once per worker.
#pragma once

#include <memory>
#include <string>

#include "base/status.h"
#include "config/bootstrap.h"
#include "event/dispatcher.h"

namespace weir::stats {
class Store;
}
namespace weir::upstream {
class ClusterManager;
class ThreadLocalClusterManager;
}

namespace weir::proxy {

// The thread an instance starts on; it must be called there.
struct BootstrapExtensionThread {
  event::Dispatcher& dispatcher;
  // That thread's clusters of the config generation (http callouts); valid
  // as long as the instance.
  upstream::ThreadLocalClusterManager* clusters = nullptr;
  bool main_thread = false;
};

// A running instance. Destroyed on its thread, which stops it.
class BootstrapExtensionInstance {
 public:
  virtual ~BootstrapExtensionInstance() = default;
};
using BootstrapExtensionInstancePtr = std::unique_ptr<BootstrapExtensionInstance>;

// Immutable, built once per config load, shared by every thread.
class BootstrapExtensionConfig {
 public:
  virtual ~BootstrapExtensionConfig() = default;
  // True: one instance on the main thread; false: one on every worker.
  virtual bool mainThreadOnly() const = 0;
  // Starts an instance on the calling thread. Errors name the extension.
  virtual Result<BootstrapExtensionInstancePtr> start(const BootstrapExtensionThread& thread) const = 0;
};

// What a factory may use while building its config (main thread).
class BootstrapFactoryContext {
 public:
  virtual ~BootstrapFactoryContext() = default;
  virtual stats::Store* statsStore() = 0;                  // null in tests / weir validate
  virtual upstream::ClusterManager* clusterManager() = 0;  // null in tests / weir validate
};

class NamedBootstrapExtensionFactory {
 public:
  virtual ~NamedBootstrapExtensionFactory() = default;
  // "envoy.bootstrap.wasm".
  virtual std::string name() const = 0;
  // "type.googleapis.com/envoy.extensions.wasm.v3.WasmService".
  virtual std::string configTypeUrl() const = 0;
  // Parses and checks `config` (errors name the extension); once per load.
  virtual Result<std::shared_ptr<const BootstrapExtensionConfig>> createExtension(
      const config::BootstrapExtension& config, BootstrapFactoryContext& context) = 0;
};

}  // namespace weir::proxy

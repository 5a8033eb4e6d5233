// The running proxy: N worker threads (one Dispatcher each, SO_REUSEPORT
// listeners per worker, a connection stays on its worker), the main thread
// (config loading and reload, admin listener, signals), immutable config
// snapshots swapped atomically per worker, and the lifecycle (drain on
// SIGTERM/SIGINT, reload on SIGHUP or a changed config file).
//
// Config generations: a reload builds a new ServerSnapshot (cluster manager +
// one HcmConfig per listener) on the main thread; each worker then builds its
// own WorkerGeneration (thread-local cluster manager) and makes it current.
// A stream takes the current generation when its request headers arrive and
// keeps it to the end, so requests in flight finish on the config they
// started with, and a keep-alive connection sees the new config from its
// next request. Listeners whose address did not change stay open.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/stats.h"
#include "base/status.h"
#include "config/bootstrap.h"
#include "config/loader.h"
#include "event/dispatcher.h"
#include "proxy/bootstrap_extension.h"
#include "proxy/connection_manager.h"
#include "proxy/connection_manager_config.h"
#include "proxy/filter_factory.h"
#include "proxy/network_filter_manager.h"

namespace weir::upstream {
class ClusterManager;
class ThreadLocalClusterManager;
}

namespace weir::proxy {

struct ServerOptions {
  uint32_t concurrency = 1;
  // Empty: the embedded default config (the caller loads it).
  std::string config_path;
  bool watch_config = false;
  std::chrono::milliseconds watch_interval{1000};
  // Upper bound for a graceful drain before exiting anyway.
  std::chrono::milliseconds drain_time{10000};
  // How reloads load the config file (filter checks, limits).
  config::LoadOptions load_options;
  // With watch_config: files besides the config whose change reloads it too
  // (Wasm modules named by code.local.filename), from the current config's
  // JSON form. Null: only the config file is watched.
  std::function<std::vector<std::string>(const nlohmann::json& bootstrap)> watched_files;
};

// Everything built from one config, shared read-only by all workers.
struct ServerSnapshot {
  std::shared_ptr<const config::Bootstrap> bootstrap;
  std::shared_ptr<upstream::ClusterManager> cluster_manager;
  struct ListenerEntry {
    std::string name;
    std::string address_key;  // "ip:port" as configured
    config::SocketAddress address;
    // Exactly one is set: the HTTP connection manager, or a chain of
    // network filters (proxy/network_filter.h) ending in a terminal one.
    std::shared_ptr<const HcmConfig> hcm;
    std::shared_ptr<const NetworkChainConfig> network;
  };
  std::vector<ListenerEntry> listeners;
  // bootstrap_extensions[], in config order.
  std::vector<std::shared_ptr<const BootstrapExtensionConfig>> bootstrap_extensions;
  ~ServerSnapshot();
};

class Worker;

class Server {
 public:
  enum class State { kInitializing, kLive, kDraining };

  Server(ServerOptions options, const FilterRegistry& registry, stats::Store& store);
  ~Server();

  // Builds the first snapshot, binds every listener on every worker (errors
  // here are fatal: port in use, ...), starts the workers and, if the
  // bootstrap has an admin address, the admin listener with `admin_chain`.
  Status start(std::shared_ptr<const config::Bootstrap> bootstrap,
               std::vector<FilterChainEntry> admin_chain);
  // Runs the main loop until shutdown; returns the process exit code.
  int run();

  // --- thread-safe controls (admin handlers, signals, tests) ---
  // Loads `config_path` again; a bad config is logged and the old one kept.
  void requestReload();
  // Stop accepting, finish in-flight requests, close idle connections, exit
  // once idle or after drain_time.
  void requestDrainAndExit();
  // Stop accepting on every listener; keep serving what is connected.
  void drainListeners();

  // Changes made at run time (the admin API's /plugins): each edits the
  // bootstrap's JSON form. They apply, in key order, on top of the loaded
  // config — now and after every reload, so reloading the file does not
  // undo them. Main thread. When the edited config does not load, nothing
  // changes and the error says why.
  using ConfigEdit = std::function<Status(nlohmann::json& bootstrap)>;
  Status setConfigEdit(const std::string& key, ConfigEdit edit);
  Status removeConfigEdit(const std::string& key);
  bool hasConfigEdit(const std::string& key) const { return config_edits_.count(key) != 0; }
  const ConfigEdit* findConfigEdit(const std::string& key) const {
    auto it = config_edits_.find(key);
    return it == config_edits_.end() ? nullptr : &it->second;
  }
  // Exit now (in-flight requests are cut).
  void requestQuit();
  void setHealthCheckFailed(bool failed) { health_check_failed_ = failed; }
  bool healthCheckFailed() const { return health_check_failed_; }
  State state() const { return state_.load(); }

  // --- read access for the admin API (main thread) ---
  std::shared_ptr<const ServerSnapshot> snapshot() const;
  stats::Store& statsStore() { return store_; }
  const ServerOptions& options() const { return options_; }
  std::chrono::seconds uptime() const;
  // Bound addresses: listener name → "ip:port" actually listening.
  std::vector<std::pair<std::string, std::string>> listenerAddresses() const;
  std::string adminAddress() const;
  event::Dispatcher& mainDispatcher() { return *main_dispatcher_; }
  uint64_t reloadCount() const { return reload_success_->value(); }

  // Builds a snapshot from a bootstrap (main thread). Exposed for tests.
  Result<std::shared_ptr<const ServerSnapshot>> buildSnapshot(
      std::shared_ptr<const config::Bootstrap> bootstrap);
  // A listener's chain of network filters (no HTTP connection manager).
  Result<std::shared_ptr<const NetworkChainConfig>> buildNetworkChain(const config::Listener& listener,
                                                                    upstream::ClusterManager* clusters);

 private:
  friend class Worker;
  void reload();
  // `base` with config_edits_ applied, loaded again.
  Result<std::shared_ptr<const config::Bootstrap>> withEdits(
      const std::shared_ptr<const config::Bootstrap>& base,
      const std::map<std::string, ConfigEdit>& edits) const;
  Status applyEdits(std::map<std::string, ConfigEdit> edits);
  void applySnapshot(std::shared_ptr<const ServerSnapshot> snapshot);
  // Stops the main-thread bootstrap extensions of the previous generation,
  // then starts those of `snapshot` (empty: only stops).
  Status startMainExtensions(std::shared_ptr<const ServerSnapshot> snapshot);
  void beginDrain(bool exit_after);
  void onWorkerIdle();
  void finishShutdown(int code);
  void checkConfigFile();
  void rememberWatchedFiles();
  static int64_t fileMtimeNs(const std::string& path);  // -1 when missing

  ServerOptions options_;
  const FilterRegistry& registry_;
  stats::Store& store_;
  std::unique_ptr<event::Dispatcher> main_dispatcher_;
  std::vector<std::unique_ptr<Worker>> workers_;
  mutable std::mutex mutex_;  // guards snapshot_ and listener_addresses_
  std::shared_ptr<const ServerSnapshot> snapshot_;
  std::shared_ptr<const config::Bootstrap> base_bootstrap_;  // as loaded, before config_edits_
  std::map<std::string, ConfigEdit> config_edits_;
  std::vector<std::pair<std::string, std::string>> listener_addresses_;
  std::atomic<State> state_{State::kInitializing};
  std::atomic<bool> health_check_failed_{false};
  std::atomic<uint32_t> busy_workers_{0};
  bool exit_after_drain_ = false;
  bool shutting_down_ = false;
  int exit_code_ = 0;
  event::MonotonicTime start_time_;
  event::TimerPtr drain_timer_;
  event::TimerPtr watch_timer_;
  int64_t config_mtime_ns_ = 0;
  std::vector<std::pair<std::string, int64_t>> watched_files_;  // path, mtime when last looked at
  stats::Counter* reload_success_;
  stats::Counter* reload_failure_;
  stats::Gauge* server_state_;
  stats::Gauge* concurrency_gauge_;

  // Main-thread bootstrap extensions and the clusters they call, for the
  // generation they were started from (members destroyed in reverse order:
  // instances, then clusters, then the snapshot owning the ClusterManager).
  struct MainExtensions {
    std::shared_ptr<const ServerSnapshot> snapshot;
    std::unique_ptr<upstream::ThreadLocalClusterManager> clusters;
    std::vector<BootstrapExtensionInstancePtr> instances;
  };
  std::unique_ptr<MainExtensions> main_extensions_;

  // The admin listener and its connections live on the main dispatcher.
  class AdminEndpoint;
  std::unique_ptr<AdminEndpoint> admin_;
  event::SignalEventPtr signals_;  // SIGINT/SIGTERM drain, SIGHUP reloads
};

}  // namespace weir::proxy

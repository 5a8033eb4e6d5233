#include "proxy/server.h"

#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <csignal>
#include <unordered_map>


#include "base/logging.h"
#include "config/loader.h"
#include "net/listener.h"
#include "upstream/cluster_manager.h"

namespace weir::proxy {

namespace {

std::string addressKey(const config::SocketAddress& a) {
  return a.address + ":" + std::to_string(a.port_value);
}

// Envoy names listener stats by address: "0.0.0.0_10000".
std::string listenerStatTag(const net::Address& a) {
  std::string ip = a.ip();
  for (char& c : ip) {
    if (c == ':') c = '_';
  }
  return ip + "_" + std::to_string(a.port());
}

// What network filter and bootstrap extension factories get while a
// snapshot is built (main thread).
class SnapshotFactoryContext : public NetworkFactoryContext, public BootstrapFactoryContext {
 public:
  SnapshotFactoryContext(stats::Store& store, upstream::ClusterManager* clusters) : store_(store), clusters_(clusters) {}
  stats::Store* statsStore() override { return &store_; }
  upstream::ClusterManager* clusterManager() override { return clusters_; }

 private:
  stats::Store& store_;
  upstream::ClusterManager* clusters_;
};

}  // namespace

ServerSnapshot::~ServerSnapshot() {
  // The HCM configs may hold references into the cluster manager (filter
  // factories); drop them first.
  listeners.clear();
}

// ---------------------------------------------------------------------------
// Worker: one thread, its listeners, its connections, its config generation.

class Worker : public ConnectionManagerOwner {
 public:
  Worker(Server& server, uint32_t index)
      : server_(server), thread_("worker_" + std::to_string(index)) {}

  event::Dispatcher& dispatcher() { return thread_.dispatcher(); }

  // Main thread, before start(): binds this worker's socket for `entry`.
  // `resolved` carries the port picked for port 0 by the first worker so
  // every worker shares it.
  Status bindListener(const ServerSnapshot::ListenerEntry& entry, net::Address& resolved,
                      bool first) {
    net::Address addr;
    if (first) {
      auto parsed = net::Address::fromIpPort(entry.address.address, entry.address.port_value);
      if (!parsed) return invalidArgument("listener '" + entry.name + "': " + parsed.status().message());
      addr = *parsed;
    } else {
      addr = resolved;
    }
    WEIR_RETURN_IF_ERROR(openListener(entry.address_key, addr));
    if (first) resolved = listeners_[entry.address_key]->listener->localAddress();
    return Status::ok();
  }

  void start(std::shared_ptr<const ServerSnapshot> snapshot) {
    thread_.start([this, snapshot] { setGeneration(snapshot); });
  }

  // Worker thread: a new config generation; listeners follow the config.
  void applySnapshot(std::shared_ptr<const ServerSnapshot> snapshot) {
    setGeneration(snapshot);
    if (draining_) return;
    for (const auto& entry : snapshot->listeners) {
      auto it = listeners_.find(entry.address_key);
      if (it != listeners_.end() && it->second->listener) continue;
      auto addr = net::Address::fromIpPort(entry.address.address, entry.address.port_value);
      if (!addr) continue;
      Status s = openListener(entry.address_key, *addr);
      if (!s.isOk()) WEIR_ERROR("listener '{}': {}", entry.name, s.message());
    }
    for (auto& [key, wl] : listeners_) {
      bool wanted = false;
      for (const auto& entry : snapshot->listeners) wanted |= entry.address_key == key;
      if (!wanted && wl->listener) wl->listener->close();
      if (!wanted) wl->listener.reset();
    }
  }

  void stopListeners() {
    for (auto& [key, wl] : listeners_) {
      if (wl->listener) wl->listener->close();
      wl->listener.reset();
    }
  }

  void drain() {
    draining_ = true;
    stopListeners();
    std::vector<HttpConnectionManager*> all;
    all.reserve(connections_.size());
    for (auto& [ptr, owned] : connections_) all.push_back(ptr);
    for (auto* c : all) {
      if (connections_.count(c)) c->startDrain();
    }
    // Raw TCP connections have no request boundary to drain at: they run
    // until they close or the drain time is over.
    maybeReportIdle();
  }

  // Worker thread: tears everything down and ends the loop.
  void shutdown() {
    extensions_.clear();
    connections_.clear();
    network_connections_.clear();
    dispatcher().clearDeferredDeleteList();
    listeners_.clear();
    generation_.reset();
    dispatcher().clearDeferredDeleteList();
    dispatcher().exit();
  }

  void join() { thread_.join(); }
  size_t connectionCount() const { return connections_.size() + network_connections_.size(); }

  // ConnectionManagerOwner
  HcmSnapshotPtr currentSnapshot(const HttpConnectionManager& manager) override {
    auto* wl = reinterpret_cast<WorkerListener*>(manager.owner_tag);
    return wl == nullptr ? nullptr : snapshotFor(*wl);
  }

  void onConnectionManagerClosed(HttpConnectionManager& manager) override {
    auto it = connections_.find(&manager);
    if (it == connections_.end()) return;
    dispatcher().deferredDelete(std::move(it->second));
    connections_.erase(it);
    maybeReportIdle();
  }

 private:
  struct Generation {
    std::shared_ptr<const ServerSnapshot> snapshot;
    upstream::ThreadLocalClusterManagerPtr cluster_manager;
    std::vector<std::string> keys;
    std::vector<HcmSnapshot> snapshots;
    ~Generation() {
      snapshots.clear();
      cluster_manager.reset();  // before the ClusterManager it came from
    }
  };
  struct WorkerListener {
    std::string key;
    std::unique_ptr<net::Listener> listener;
    std::unique_ptr<ListenerStats> stats;
    const Generation* cached_for = nullptr;
    HcmSnapshotPtr cached;
  };

  void setGeneration(const std::shared_ptr<const ServerSnapshot>& snapshot) {
    auto gen = std::make_shared<Generation>();
    gen->snapshot = snapshot;
    if (snapshot->cluster_manager) {
      gen->cluster_manager = snapshot->cluster_manager->createThreadLocal(dispatcher());
    }
    for (const auto& entry : snapshot->listeners) {
      gen->keys.push_back(entry.address_key);
      gen->snapshots.push_back(HcmSnapshot{entry.hcm, gen->cluster_manager.get(), nullptr});
    }
    // The previous generation's per-worker services stop before the new
    // ones start (they may share names, queues and shared data).
    extensions_.clear();
    BootstrapExtensionThread thread{dispatcher(), gen->cluster_manager.get(), false};
    for (const auto& extension : snapshot->bootstrap_extensions) {
      if (extension->mainThreadOnly()) continue;
      auto instance = extension->start(thread);
      if (!instance) {
        WEIR_ERROR("{}: {}", thread_.dispatcher().name(), instance.status().message());
        continue;
      }
      extensions_.push_back(std::move(instance).value());
    }
    generation_ = std::move(gen);
  }

  Status openListener(const std::string& key, const net::Address& addr) {
    auto& slot = listeners_[key];
    if (!slot) {
      slot = std::make_unique<WorkerListener>();
      slot->key = key;
    }
    WorkerListener* wl = slot.get();
    auto listener = net::Listener::create(dispatcher(), addr, net::Listener::Options{},
                                          [this, wl](net::ConnectionPtr c) { onAccept(*wl, std::move(c)); });
    if (!listener) return listener.status();
    wl->listener = std::move(listener).value();
    if (!wl->stats) {
      wl->stats = std::make_unique<ListenerStats>(server_.store_,
                                                  listenerStatTag(wl->listener->localAddress()));
    }
    return Status::ok();
  }

  void onAccept(WorkerListener& wl, net::ConnectionPtr connection) {
    if (draining_) return;  // the connection closes as it goes out of scope
    if (const ServerSnapshot::ListenerEntry* entry = entryFor(wl); entry && entry->network) {
      acceptNetwork(wl, *entry, std::move(connection));
      return;
    }
    HcmSnapshotPtr snapshot = snapshotFor(wl);
    if (!snapshot) return;
    auto hcm = std::make_unique<HttpConnectionManager>(std::move(connection), std::move(snapshot),
                                                       *this, wl.stats.get());
    hcm->owner_tag = reinterpret_cast<uintptr_t>(&wl);
    HttpConnectionManager* raw = hcm.get();
    connections_.emplace(raw, std::move(hcm));
    raw->start();
  }

  const ServerSnapshot::ListenerEntry* entryFor(const WorkerListener& wl) const {
    if (!generation_) return nullptr;
    for (const auto& entry : generation_->snapshot->listeners) {
      if (entry.address_key == wl.key) return &entry;
    }
    return nullptr;
  }

  // A listener whose chain is network filters: the connection keeps this
  // generation (its thread-local clusters) alive until it closes.
  void acceptNetwork(WorkerListener& wl, const ServerSnapshot::ListenerEntry& entry, net::ConnectionPtr connection) {
    wl.stats->downstream_cx_total.inc();
    wl.stats->downstream_cx_active.inc();
    const ListenerStats* stats = wl.stats.get();
    auto manager = std::make_unique<NetworkFilterManager>(
        std::move(connection), entry.network, generation_->cluster_manager.get(), generation_,
        [this, stats](NetworkFilterManager& closed) {
          stats->downstream_cx_active.dec();
          stats->downstream_cx_destroy.inc();
          auto it = network_connections_.find(&closed);
          if (it == network_connections_.end()) return;
          dispatcher().deferredDelete(std::move(it->second));
          network_connections_.erase(it);
          maybeReportIdle();
        });
    manager->owner_tag = reinterpret_cast<uintptr_t>(&wl);
    NetworkFilterManager* raw = manager.get();
    network_connections_.emplace(raw, std::move(manager));
    raw->start();
  }

  HcmSnapshotPtr snapshotFor(WorkerListener& wl) {
    if (!generation_) return nullptr;
    if (wl.cached_for != generation_.get()) {
      wl.cached_for = generation_.get();
      wl.cached.reset();
      for (size_t i = 0; i < generation_->keys.size(); ++i) {
        if (generation_->keys[i] == wl.key) {
          // Aliasing: the stream keeps the whole generation (and its
          // thread-local cluster manager) alive, without a cycle.
          wl.cached = HcmSnapshotPtr(generation_, &generation_->snapshots[i]);
        }
      }
    }
    return wl.cached;
  }

  Server& server_;
  event::WorkerThread thread_;
  std::shared_ptr<Generation> generation_;
  // Per-worker bootstrap extensions of generation_ (it outlives them).
  std::vector<BootstrapExtensionInstancePtr> extensions_;
  std::map<std::string, std::unique_ptr<WorkerListener>> listeners_;
  std::unordered_map<HttpConnectionManager*, std::unique_ptr<HttpConnectionManager>> connections_;
  std::unordered_map<NetworkFilterManager*, std::unique_ptr<NetworkFilterManager>> network_connections_;
  bool draining_ = false;
  bool reported_idle_ = false;

  void maybeReportIdle() {
    if (!draining_ || reported_idle_ || !connections_.empty() || !network_connections_.empty()) return;
    reported_idle_ = true;
    Server* server = &server_;
    server->main_dispatcher_->post([server] { server->onWorkerIdle(); });
  }
};

// ---------------------------------------------------------------------------
// The admin listener: the same connection manager, on the main dispatcher.

class Server::AdminEndpoint : public ConnectionManagerOwner {
 public:
  AdminEndpoint(event::Dispatcher& dispatcher, HcmSnapshotPtr snapshot)
      : dispatcher_(dispatcher), snapshot_(std::move(snapshot)) {}

  Status listen(const net::Address& address) {
    net::Listener::Options options;
    options.reuse_port = false;
    auto l = net::Listener::create(dispatcher_, address, options, [this](net::ConnectionPtr c) {
      auto hcm = std::make_unique<HttpConnectionManager>(std::move(c), snapshot_, *this, nullptr);
      HttpConnectionManager* raw = hcm.get();
      connections_.emplace(raw, std::move(hcm));
      raw->start();
    });
    if (!l) return l.status();
    listener_ = std::move(l).value();
    return Status::ok();
  }

  std::string address() const { return listener_ ? listener_->localAddress().asString() : ""; }

  void close() {
    listener_.reset();
    connections_.clear();
  }

  HcmSnapshotPtr currentSnapshot(const HttpConnectionManager&) override { return snapshot_; }
  void onConnectionManagerClosed(HttpConnectionManager& manager) override {
    auto it = connections_.find(&manager);
    if (it == connections_.end()) return;
    dispatcher_.deferredDelete(std::move(it->second));
    connections_.erase(it);
  }

 private:
  event::Dispatcher& dispatcher_;
  HcmSnapshotPtr snapshot_;
  std::unique_ptr<net::Listener> listener_;
  std::unordered_map<HttpConnectionManager*, std::unique_ptr<HttpConnectionManager>> connections_;
};

// ---------------------------------------------------------------------------

Server::Server(ServerOptions options, const FilterRegistry& registry, stats::Store& store)
    : options_(std::move(options)),
      registry_(registry),
      store_(store),
      main_dispatcher_(std::make_unique<event::Dispatcher>("main")),
      start_time_(event::MonotonicClock::now()) {
  if (options_.concurrency == 0) options_.concurrency = 1;
  reload_success_ = &store_.counter("server.config_reload");
  reload_failure_ = &store_.counter("server.config_reload_failure");
  server_state_ = &store_.gauge("server.state");
  concurrency_gauge_ = &store_.gauge("server.concurrency");
  concurrency_gauge_->set(options_.concurrency);
  server_state_->set(2);  // Envoy: 0 live, 1 draining, 2 pre-initializing, 3 initializing
}

Server::~Server() {
  if (!shutting_down_ && !workers_.empty()) {
    for (auto& w : workers_) {
      Worker* worker = w.get();
      worker->dispatcher().post([worker] { worker->shutdown(); });
    }
    for (auto& w : workers_) w->join();
  }
  workers_.clear();
  main_extensions_.reset();
  if (admin_) admin_->close();
  admin_.reset();
  signals_.reset();
  drain_timer_.reset();
  watch_timer_.reset();
  main_dispatcher_->clearDeferredDeleteList();
}

Result<std::shared_ptr<const ServerSnapshot>> Server::buildSnapshot(
    std::shared_ptr<const config::Bootstrap> bootstrap) {
  auto snapshot = std::make_shared<ServerSnapshot>();
  snapshot->bootstrap = bootstrap;
  auto cm = upstream::ClusterManager::create(bootstrap->static_resources.clusters, &store_);
  if (!cm) return cm.status();
  snapshot->cluster_manager = std::shared_ptr<upstream::ClusterManager>(std::move(cm).value());
  for (const auto& l : bootstrap->static_resources.listeners) {
    if (l.filter_chains.empty()) return invalidArgument("listener '" + l.name + "': no filter_chains");
    if (!l.filter_chains[0].has_http_connection_manager) {
      auto chain = buildNetworkChain(l, snapshot->cluster_manager.get());
      if (!chain) return chain.status();
      snapshot->listeners.push_back(ServerSnapshot::ListenerEntry{l.name, addressKey(l.address), l.address, nullptr,
                                                                  std::move(chain).value()});
      continue;
    }
    HcmConfig::Context context{registry_, store_, snapshot->cluster_manager.get()};
    auto hcm = HcmConfig::create(l.filter_chains[0].http_connection_manager,
                                 l.per_connection_buffer_limit_bytes, context);
    if (!hcm) return invalidArgument("listener '" + l.name + "': " + hcm.status().message());
    snapshot->listeners.push_back(
        ServerSnapshot::ListenerEntry{l.name, addressKey(l.address), l.address, std::move(hcm).value(), nullptr});
  }
  SnapshotFactoryContext context(store_, snapshot->cluster_manager.get());
  for (size_t i = 0; i < bootstrap->bootstrap_extensions.size(); ++i) {
    const config::BootstrapExtension& e = bootstrap->bootstrap_extensions[i];
    const std::string where = "bootstrap_extensions[" + std::to_string(i) + "]";
    NamedBootstrapExtensionFactory* factory = registry_.findBootstrapExtension(e.name, e.typed_config.type_url);
    if (!factory) return invalidArgument(where + ": unknown bootstrap extension '" + e.name + "'");
    auto extension = factory->createExtension(e, context);
    if (!extension) return invalidArgument(where + ": " + extension.status().message());
    snapshot->bootstrap_extensions.push_back(std::move(extension).value());
  }
  return std::shared_ptr<const ServerSnapshot>(std::move(snapshot));
}

Result<std::shared_ptr<const NetworkChainConfig>> Server::buildNetworkChain(const config::Listener& listener,
                                                                          upstream::ClusterManager* clusters) {
  SnapshotFactoryContext context(store_, clusters);
  auto chain = std::make_shared<NetworkChainConfig>();
  chain->listener_name = listener.name;
  chain->buffer_limit = listener.per_connection_buffer_limit_bytes;
  const auto& filters = listener.filter_chains[0].network_filters;
  for (size_t i = 0; i < filters.size(); ++i) {
    const config::NetworkFilter& f = filters[i];
    NamedNetworkFilterConfigFactory* factory = registry_.findNetwork(f.name, f.typed_config.type_url);
    if (!factory) return invalidArgument("listener '" + listener.name + "': unknown network filter '" + f.name + "'");
    if (factory->isTerminalFilter() != (i + 1 == filters.size())) {
      return invalidArgument("listener '" + listener.name + "': network filter '" + f.name + "' " +
                             (factory->isTerminalFilter() ? "is terminal but not last" : "is last but not terminal"));
    }
    auto cb = factory->createFilterFactory(f, context);
    if (!cb) return invalidArgument("listener '" + listener.name + "': " + cb.status().message());
    chain->factories.push_back(std::move(cb).value());
  }
  return std::shared_ptr<const NetworkChainConfig>(std::move(chain));
}

Status Server::start(std::shared_ptr<const config::Bootstrap> bootstrap,
                     std::vector<FilterChainEntry> admin_chain) {
  base_bootstrap_ = bootstrap;
  auto snapshot = buildSnapshot(bootstrap);
  if (!snapshot) return snapshot.status();
  for (uint32_t i = 0; i < options_.concurrency; ++i) {
    workers_.push_back(std::make_unique<Worker>(*this, i));
  }
  // Bind everything before any thread starts, so "address in use" is a
  // clean startup error.
  std::vector<std::pair<std::string, std::string>> addresses;
  for (const auto& entry : (*snapshot)->listeners) {
    net::Address resolved;
    for (size_t i = 0; i < workers_.size(); ++i) {
      WEIR_RETURN_IF_ERROR(workers_[i]->bindListener(entry, resolved, i == 0));
    }
    addresses.emplace_back(entry.name, resolved.asString());
  }
  if (bootstrap->admin && !admin_chain.empty()) {
    auto admin_config = HcmConfig::createWithChain("admin", std::move(admin_chain), 1024 * 1024, store_);
    auto admin_snapshot = std::make_shared<HcmSnapshot>(HcmSnapshot{admin_config, nullptr, nullptr});
    admin_ = std::make_unique<AdminEndpoint>(*main_dispatcher_, std::move(admin_snapshot));
    auto addr = net::Address::fromIpPort(bootstrap->admin->address.address,
                                         bootstrap->admin->address.port_value);
    if (!addr) return invalidArgument("admin.address: " + addr.status().message());
    Status s = admin_->listen(*addr);
    if (!s.isOk()) return s;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    snapshot_ = *snapshot;
    listener_addresses_ = std::move(addresses);
  }
  if ((*snapshot)->cluster_manager) (*snapshot)->cluster_manager->startDnsRefresh();
  // Singleton services run before the first connection is accepted.
  WEIR_RETURN_IF_ERROR(startMainExtensions(*snapshot));
  for (auto& w : workers_) w->start(*snapshot);

  // Signals: SIGTERM/SIGINT drain and exit, SIGHUP reloads.
  std::signal(SIGPIPE, SIG_IGN);
  auto signal_event = main_dispatcher_->createSignalEvent({SIGINT, SIGTERM, SIGHUP}, [this](int sig) {
    if (sig == SIGHUP) {
      WEIR_INFO("SIGHUP: reloading configuration");
      reload();
    } else {
      WEIR_INFO("signal {}: draining", sig);
      beginDrain(true);
    }
  });
  if (signal_event) {
    signals_ = std::move(signal_event).value();
  } else {
    // Another server in this process has them (tests): it drains on SIGTERM.
    WEIR_WARN("signals are not handled by this server: {}", signal_event.status().toString());
  }

  if (options_.watch_config && !options_.config_path.empty()) {
    config_mtime_ns_ = fileMtimeNs(options_.config_path);
    rememberWatchedFiles();
    watch_timer_ = main_dispatcher_->createTimer([this] {
      checkConfigFile();
      if (watch_timer_) watch_timer_->enable(options_.watch_interval);
    });
    watch_timer_->enable(options_.watch_interval);
  }
  state_ = State::kLive;
  server_state_->set(0);
  for (const auto& [name, addr] : listenerAddresses()) {
    WEIR_INFO("listener '{}' on {} ({} workers)", name, addr, options_.concurrency);
  }
  if (admin_) WEIR_INFO("admin on {}", admin_->address());
  return Status::ok();
}

int Server::run() {
  main_dispatcher_->run();
  return exit_code_;
}

int64_t Server::fileMtimeNs(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}

void Server::rememberWatchedFiles() {
  watched_files_.clear();
  if (!options_.watched_files) return;
  auto snap = snapshot();
  if (!snap || !snap->bootstrap) return;
  for (std::string& path : options_.watched_files(snap->bootstrap->raw)) {
    const int64_t mtime = fileMtimeNs(path);
    watched_files_.emplace_back(std::move(path), mtime);
  }
}

void Server::checkConfigFile() {
  const int64_t mtime = fileMtimeNs(options_.config_path);
  std::string changed;
  if (mtime >= 0 && mtime != config_mtime_ns_) {
    config_mtime_ns_ = mtime;
    changed = options_.config_path;
  }
  for (const auto& [path, seen] : watched_files_) {
    if (changed.empty() && fileMtimeNs(path) != seen) changed = path;
  }
  if (changed.empty()) return;
  WEIR_INFO("{} changed: reloading", changed);
  reload();
  // What the (new or kept) config names now, as it is now: a failed reload
  // is not retried until a file changes again.
  rememberWatchedFiles();
}

void Server::requestReload() {
  main_dispatcher_->post([this] { reload(); });
}

void Server::reload() {
  if (state_ != State::kLive || options_.config_path.empty()) {
    if (options_.config_path.empty()) WEIR_WARN("reload: running the embedded default config; nothing to reload");
    return;
  }
  auto loaded = config::loadBootstrapFile(options_.config_path, options_.load_options);
  if (!loaded) {
    reload_failure_->inc();
    WEIR_ERROR("reload rejected, keeping the current config:\n{}", loaded.status().message());
    return;
  }
  auto bootstrap = withEdits(*loaded, config_edits_);
  if (!bootstrap) {
    reload_failure_->inc();
    WEIR_ERROR("reload rejected (with the admin API's changes), keeping the current config: {}",
               bootstrap.status().message());
    return;
  }
  auto snapshot = buildSnapshot(*bootstrap);
  if (!snapshot) {
    reload_failure_->inc();
    WEIR_ERROR("reload rejected, keeping the current config: {}", snapshot.status().message());
    return;
  }
  base_bootstrap_ = *loaded;
  applySnapshot(*snapshot);
  reload_success_->inc();
  WEIR_INFO("configuration reloaded from {}", options_.config_path);
}

Result<std::shared_ptr<const config::Bootstrap>> Server::withEdits(
    const std::shared_ptr<const config::Bootstrap>& base, const std::map<std::string, ConfigEdit>& edits) const {
  if (edits.empty()) return base;
  nlohmann::json raw = base->raw;
  for (const auto& [key, edit] : edits) {
    Status s = edit(raw);
    if (!s.isOk()) return Status(s.code(), key + ": " + s.message());
  }
  // JSON is YAML, so the edited config goes through the same loader (and the
  // same checks) as a file. Inline modules make it larger than a file.
  config::LoadOptions options = options_.load_options;
  options.max_file_bytes = std::max<size_t>(options.max_file_bytes, 256u << 20);
  return config::loadBootstrapString(raw.dump(), "<config with admin changes>", options);
}

Status Server::applyEdits(std::map<std::string, ConfigEdit> edits) {
  if (!base_bootstrap_) return failedPrecondition("the server is not running");
  auto bootstrap = withEdits(base_bootstrap_, edits);
  if (!bootstrap) return bootstrap.status();
  auto snapshot = buildSnapshot(*bootstrap);
  if (!snapshot) return snapshot.status();
  config_edits_ = std::move(edits);
  applySnapshot(*snapshot);
  return Status::ok();
}

Status Server::setConfigEdit(const std::string& key, ConfigEdit edit) {
  auto edits = config_edits_;
  edits[key] = std::move(edit);
  return applyEdits(std::move(edits));
}

Status Server::removeConfigEdit(const std::string& key) {
  if (!config_edits_.count(key)) return notFound("no change named '" + key + "'");
  auto edits = config_edits_;
  edits.erase(key);
  return applyEdits(std::move(edits));
}

void Server::applySnapshot(std::shared_ptr<const ServerSnapshot> snapshot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::pair<std::string, std::string>> addresses;
    for (const auto& entry : snapshot->listeners) {
      std::string bound = entry.address_key;
      for (const auto& [name, addr] : listener_addresses_) {
        if (name == entry.name) bound = addr;
      }
      addresses.emplace_back(entry.name, bound);
    }
    listener_addresses_ = std::move(addresses);
    snapshot_ = snapshot;
  }
  if (snapshot->cluster_manager) snapshot->cluster_manager->startDnsRefresh();
  Status s = startMainExtensions(snapshot);
  if (!s.isOk()) WEIR_ERROR("bootstrap extensions of the new configuration: {}", s.message());
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->dispatcher().post([worker, snapshot] { worker->applySnapshot(snapshot); });
  }
}

Status Server::startMainExtensions(std::shared_ptr<const ServerSnapshot> snapshot) {
  main_extensions_.reset();
  if (!snapshot) return Status::ok();
  bool any = false;
  for (const auto& extension : snapshot->bootstrap_extensions) any |= extension->mainThreadOnly();
  if (!any) return Status::ok();
  auto running = std::make_unique<MainExtensions>();
  running->snapshot = snapshot;
  if (snapshot->cluster_manager) running->clusters = snapshot->cluster_manager->createThreadLocal(*main_dispatcher_);
  BootstrapExtensionThread thread{*main_dispatcher_, running->clusters.get(), true};
  Status result = Status::ok();
  for (const auto& extension : snapshot->bootstrap_extensions) {
    if (!extension->mainThreadOnly()) continue;
    auto instance = extension->start(thread);
    if (!instance) {
      // The others keep running; the caller decides whether this is fatal.
      if (result.isOk()) result = instance.status();
      continue;
    }
    running->instances.push_back(std::move(instance).value());
  }
  main_extensions_ = std::move(running);
  return result;
}

void Server::requestDrainAndExit() {
  main_dispatcher_->post([this] { beginDrain(true); });
}

void Server::drainListeners() {
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->dispatcher().post([worker] { worker->stopListeners(); });
  }
}

void Server::requestQuit() {
  main_dispatcher_->post([this] { finishShutdown(0); });
}

void Server::beginDrain(bool exit_after) {
  if (shutting_down_) return;
  if (state_ == State::kDraining) {
    // A second signal while draining: stop waiting.
    finishShutdown(0);
    return;
  }
  state_ = State::kDraining;
  server_state_->set(1);
  exit_after_drain_ = exit_after;
  busy_workers_ = static_cast<uint32_t>(workers_.size());
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->dispatcher().post([worker] { worker->drain(); });
  }
  drain_timer_ = main_dispatcher_->createTimer([this] {
    WEIR_WARN("drain time ({} ms) over; exiting with requests in flight", options_.drain_time.count());
    finishShutdown(0);
  });
  drain_timer_->enable(options_.drain_time);
}

void Server::onWorkerIdle() {
  if (busy_workers_ > 0) --busy_workers_;
  if (busy_workers_ == 0 && exit_after_drain_) finishShutdown(0);
}

void Server::finishShutdown(int code) {
  if (shutting_down_) return;
  shutting_down_ = true;
  exit_code_ = code;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->dispatcher().post([worker] { worker->shutdown(); });
  }
  for (auto& w : workers_) w->join();
  workers_.clear();
  main_extensions_.reset();
  if (admin_) admin_->close();
  signals_.reset();
  drain_timer_.reset();
  watch_timer_.reset();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    snapshot_.reset();
  }
  main_dispatcher_->exit();
}

std::shared_ptr<const ServerSnapshot> Server::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return snapshot_;
}

std::chrono::seconds Server::uptime() const {
  return std::chrono::duration_cast<std::chrono::seconds>(event::MonotonicClock::now() - start_time_);
}

std::vector<std::pair<std::string, std::string>> Server::listenerAddresses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return listener_addresses_;
}

std::string Server::adminAddress() const { return admin_ ? admin_->address() : ""; }

}  // namespace weir::proxy

#include "upstream/cluster_manager.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "base/stats.h"
#include "config/bootstrap.h"
#include "upstream/http_conn_pool.h"
#include "upstream/load_balancer.h"

namespace weir::upstream {

// ---------------------------------------------------------------- stats

void ClusterStats::Value::inc(uint64_t n) const {
  if (handle == nullptr) return;
  if (is_gauge) {
    static_cast<stats::Gauge*>(handle)->add(n);
  } else {
    static_cast<stats::Counter*>(handle)->add(n);
  }
}
void ClusterStats::Value::dec(uint64_t n) const {
  if (handle != nullptr && is_gauge) static_cast<stats::Gauge*>(handle)->sub(n);
}
void ClusterStats::Value::set(uint64_t v) const {
  if (handle != nullptr && is_gauge) static_cast<stats::Gauge*>(handle)->set(v);
}
uint64_t ClusterStats::Value::value() const {
  if (handle == nullptr) return 0;
  if (is_gauge) return static_cast<uint64_t>(static_cast<stats::Gauge*>(handle)->value());
  return static_cast<stats::Counter*>(handle)->value();
}

void ClusterStats::recordResponseCode(int status) const {
  if (status < 200) {
    upstream_rq_1xx.inc();
  } else if (status < 300) {
    upstream_rq_2xx.inc();
  } else if (status < 400) {
    upstream_rq_3xx.inc();
  } else if (status < 500) {
    upstream_rq_4xx.inc();
  } else {
    upstream_rq_5xx.inc();
  }
}

namespace {

void bindStats(ClusterStats& s, const std::string& cluster, stats::Store* store) {
  if (store == nullptr) return;
  const std::string prefix = "cluster." + cluster + ".";
  auto counter = [&](ClusterStats::Value& v, const char* name) {
    v.handle = &store->counter(prefix + name);
    v.is_gauge = false;
  };
  auto gauge = [&](ClusterStats::Value& v, const char* name) {
    v.handle = &store->gauge(prefix + name);
    v.is_gauge = true;
  };
  counter(s.upstream_cx_total, "upstream_cx_total");
  gauge(s.upstream_cx_active, "upstream_cx_active");
  counter(s.upstream_cx_connect_fail, "upstream_cx_connect_fail");
  counter(s.upstream_cx_connect_timeout, "upstream_cx_connect_timeout");
  counter(s.upstream_cx_destroy, "upstream_cx_destroy");
  counter(s.upstream_cx_destroy_remote, "upstream_cx_destroy_remote");
  counter(s.upstream_cx_destroy_local, "upstream_cx_destroy_local");
  counter(s.upstream_cx_overflow, "upstream_cx_overflow");
  counter(s.upstream_cx_idle_timeout, "upstream_cx_idle_timeout");
  counter(s.upstream_cx_rx_bytes_total, "upstream_cx_rx_bytes_total");
  counter(s.upstream_cx_tx_bytes_total, "upstream_cx_tx_bytes_total");
  counter(s.upstream_rq_total, "upstream_rq_total");
  gauge(s.upstream_rq_active, "upstream_rq_active");
  counter(s.upstream_rq_pending_total, "upstream_rq_pending_total");
  gauge(s.upstream_rq_pending_active, "upstream_rq_pending_active");
  counter(s.upstream_rq_pending_overflow, "upstream_rq_pending_overflow");
  counter(s.upstream_rq_pending_failure_eject, "upstream_rq_pending_failure_eject");
  counter(s.upstream_rq_cancelled, "upstream_rq_cancelled");
  counter(s.upstream_rq_completed, "upstream_rq_completed");
  counter(s.upstream_rq_timeout, "upstream_rq_timeout");
  counter(s.upstream_rq_per_try_timeout, "upstream_rq_per_try_timeout");
  counter(s.upstream_rq_rx_reset, "upstream_rq_rx_reset");
  counter(s.upstream_rq_tx_reset, "upstream_rq_tx_reset");
  counter(s.upstream_rq_retry, "upstream_rq_retry");
  counter(s.upstream_rq_retry_success, "upstream_rq_retry_success");
  counter(s.upstream_rq_retry_overflow, "upstream_rq_retry_overflow");
  counter(s.upstream_rq_1xx, "upstream_rq_1xx");
  counter(s.upstream_rq_2xx, "upstream_rq_2xx");
  counter(s.upstream_rq_3xx, "upstream_rq_3xx");
  counter(s.upstream_rq_4xx, "upstream_rq_4xx");
  counter(s.upstream_rq_5xx, "upstream_rq_5xx");
  counter(s.upstream_cx_none_healthy, "upstream_cx_none_healthy");
  gauge(s.membership_total, "membership_total");
  gauge(s.membership_healthy, "membership_healthy");
  counter(s.membership_change, "membership_change");
}

ClusterDiscoveryType toType(config::Cluster::DiscoveryType t) {
  switch (t) {
    case config::Cluster::DiscoveryType::kStatic: return ClusterDiscoveryType::kStatic;
    case config::Cluster::DiscoveryType::kStrictDns: return ClusterDiscoveryType::kStrictDns;
    case config::Cluster::DiscoveryType::kLogicalDns: return ClusterDiscoveryType::kLogicalDns;
  }
  return ClusterDiscoveryType::kStatic;
}

LbPolicy toLbPolicy(config::Cluster::LbPolicy p) {
  switch (p) {
    case config::Cluster::LbPolicy::kRoundRobin: return LbPolicy::kRoundRobin;
    case config::Cluster::LbPolicy::kLeastRequest: return LbPolicy::kLeastRequest;
    case config::Cluster::LbPolicy::kRandom: return LbPolicy::kRandom;
  }
  return LbPolicy::kRoundRobin;
}

// Blocking name resolution (getaddrinfo). Runs on the main thread at build
// time and on the resolver thread afterwards — never on a worker.
Result<std::vector<net::Address>> resolve(const std::string& name, uint16_t port,
                                          config::Cluster::DnsLookupFamily family) {
  // An IP literal needs no lookup (and must not depend on /etc/hosts).
  if (auto literal = net::Address::fromIpPort(name, port); literal.isOk()) {
    return std::vector<net::Address>{literal.value()};
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  switch (family) {
    case config::Cluster::DnsLookupFamily::kV4Only: hints.ai_family = AF_INET; break;
    case config::Cluster::DnsLookupFamily::kV6Only: hints.ai_family = AF_INET6; break;
    default: hints.ai_family = AF_UNSPEC; break;
  }
  addrinfo* res = nullptr;
  int rc = getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return unavailable(fmt::format("cannot resolve '{}': {}", name, gai_strerror(rc)));
  }
  std::vector<net::Address> v4, v6;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    asio::ip::tcp::endpoint ep;
    if (ai->ai_family == AF_INET) {
      auto* sa = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &sa->sin_addr, 4);
      ep = asio::ip::tcp::endpoint(asio::ip::address_v4(b), port);
      net::Address a(ep);
      if (std::find(v4.begin(), v4.end(), a) == v4.end()) v4.push_back(a);
    } else if (ai->ai_family == AF_INET6) {
      auto* sa = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &sa->sin6_addr, 16);
      ep = asio::ip::tcp::endpoint(asio::ip::address_v6(b), port);
      net::Address a(ep);
      if (std::find(v6.begin(), v6.end(), a) == v6.end()) v6.push_back(a);
    }
  }
  freeaddrinfo(res);
  // Envoy's AUTO and V4_PREFERRED: IPv4 when there is any, else IPv6.
  std::vector<net::Address> out;
  if (family == config::Cluster::DnsLookupFamily::kAll) {
    out = v4;
    out.insert(out.end(), v6.begin(), v6.end());
  } else if (family == config::Cluster::DnsLookupFamily::kV6Only) {
    out = v6;
  } else if (family == config::Cluster::DnsLookupFamily::kAuto) {
    // Envoy's AUTO prefers IPv6; fall back to IPv4 when there is none.
    out = v6.empty() ? v4 : v6;
  } else {
    out = v4.empty() ? v6 : v4;
  }
  if (out.empty()) return unavailable(fmt::format("'{}' has no usable address", name));
  return out;
}

}  // namespace

struct ClusterInfoBuilder {
  static ClusterInfoConstSharedPtr build(const config::Cluster& c, stats::Store* store) {
    auto info = std::make_shared<ClusterInfo>();
    info->name_ = c.name;
    info->type_ = toType(c.type);
    info->lb_policy_ = toLbPolicy(c.lb_policy);
    info->connect_timeout_ = c.connect_timeout;
    info->dns_refresh_rate_ = c.dns_refresh_rate;
    if (c.upstream_idle_timeout) info->idle_timeout_ = *c.upstream_idle_timeout;
    info->per_connection_buffer_limit_ = c.per_connection_buffer_limit_bytes;
    info->choice_count_ = c.least_request_choice_count;
    if (c.max_requests_per_connection) info->max_requests_per_connection_ = *c.max_requests_per_connection;
    config::CircuitBreakerThresholds t;
    for (const auto& th : c.circuit_breakers) {
      if (th.priority == config::CircuitBreakerThresholds::Priority::kDefault) t = th;
    }
    info->resources_ = std::make_unique<ResourceManager>(t.max_connections, t.max_pending_requests,
                                                         t.max_requests, t.max_retries);
    bindStats(info->stats_, c.name, store);
    return info;
  }
};

// ---------------------------------------------------------------- per worker

namespace {

class ThreadLocalClusterImpl : public ThreadLocalCluster {
 public:
  ThreadLocalClusterImpl(event::Dispatcher& dispatcher, ClusterInfoConstSharedPtr info,
                         HostSetConstSharedPtr hosts)
      : dispatcher_(dispatcher), info_(std::move(info)) {
    setHosts(std::move(hosts));
  }

  const ClusterInfo& info() const override { return *info_; }
  const ClusterInfoConstSharedPtr& infoPtr() const override { return info_; }
  const HostSet& hostSet() const override { return *hosts_; }

  HostConstSharedPtr chooseHost(const LoadBalancerContext* context) override {
    HostConstSharedPtr host = lb_->chooseHost(context);
    if (!host) info_->stats().upstream_cx_none_healthy.inc();
    return host;
  }

  HttpConnPool& httpConnPool(const HostConstSharedPtr& host) override {
    auto it = pools_.find(host.get());
    if (it != pools_.end()) return *it->second;
    auto pool = std::make_unique<HttpConnPool>(dispatcher_, host, info_);
    HttpConnPool& ref = *pool;
    pools_.emplace(host.get(), std::move(pool));
    return ref;
  }

  // A new membership snapshot: pools of hosts that left are drained and freed
  // when their last request ends.
  void setHosts(HostSetConstSharedPtr hosts) {
    hosts_ = std::move(hosts);
    if (lb_) {
      lb_->setHostSet(hosts_);
    } else {
      LoadBalancerOptions options;
      options.choice_count = info_->leastRequestChoiceCount();
      lb_ = createLoadBalancer(info_->lbPolicy(), hosts_, options);
    }
    std::set<const Host*> live;
    for (const auto& h : hosts_->hosts) live.insert(h.get());
    for (auto it = pools_.begin(); it != pools_.end();) {
      if (live.count(it->first) == 0) {
        retirePool(std::move(it->second));
        it = pools_.erase(it);
      } else {
        ++it;
      }
    }
  }

  uint64_t activeRequests() const {
    uint64_t n = 0;
    for (const auto& [_, pool] : pools_) {
      if (pool->hasActiveOrPending()) ++n;
    }
    return n + retired_.size();
  }

  void drainAll(std::function<void()> on_drained) {
    auto remaining = std::make_shared<size_t>(pools_.size() + 1);
    auto done = [remaining, cb = std::move(on_drained)]() {
      if (--*remaining == 0 && cb) cb();
    };
    for (auto& [_, pool] : pools_) pool->drain(done);
    done();
  }

 private:
  void retirePool(std::unique_ptr<HttpConnPool> pool) {
    HttpConnPool* raw = pool.get();
    retired_.push_back(std::move(pool));
    raw->drain([this, raw]() {
      // Not from inside the pool's own callback stack.
      dispatcher_.post([this, raw]() {
        auto it = std::find_if(retired_.begin(), retired_.end(),
                               [raw](const auto& p) { return p.get() == raw; });
        if (it != retired_.end()) retired_.erase(it);
      });
    });
  }

  event::Dispatcher& dispatcher_;
  ClusterInfoConstSharedPtr info_;
  HostSetConstSharedPtr hosts_;
  std::unique_ptr<LoadBalancer> lb_;
  std::map<const Host*, std::unique_ptr<HttpConnPool>> pools_;
  std::vector<std::unique_ptr<HttpConnPool>> retired_;
};

}  // namespace

// Shared between a ThreadLocalClusterManagerImpl and the ClusterManager that
// posts membership updates to it; `owner` is set and cleared on the worker.
struct TlsHandle {
  event::Dispatcher* dispatcher = nullptr;
  class ThreadLocalClusterManagerImpl* owner = nullptr;
};

class ThreadLocalClusterManagerImpl : public ThreadLocalClusterManager {
 public:
  ThreadLocalClusterManagerImpl(event::Dispatcher& dispatcher, std::shared_ptr<TlsHandle> handle)
      : dispatcher_(dispatcher), handle_(std::move(handle)) {
    handle_->owner = this;
  }
  ~ThreadLocalClusterManagerImpl() override {
    handle_->owner = nullptr;
    // Pools close their connections; posted membership updates find owner null.
    clusters_.clear();
  }

  void addCluster(ClusterInfoConstSharedPtr info, HostSetConstSharedPtr hosts) {
    std::string name = info->name();
    clusters_.emplace(std::move(name), std::make_unique<ThreadLocalClusterImpl>(
                                           dispatcher_, std::move(info), std::move(hosts)));
  }

  ThreadLocalCluster* get(std::string_view name) override {
    auto it = clusters_.find(name);
    return it == clusters_.end() ? nullptr : it->second.get();
  }

  uint64_t activeRequests() const override {
    uint64_t n = 0;
    for (const auto& [_, c] : clusters_) n += c->activeRequests();
    return n;
  }

  void drain(std::function<void()> on_drained) override {
    auto remaining = std::make_shared<size_t>(clusters_.size() + 1);
    auto done = [remaining, cb = std::move(on_drained)]() {
      if (--*remaining == 0 && cb) cb();
    };
    for (auto& [_, c] : clusters_) c->drainAll(done);
    done();
  }

  void updateHosts(const std::string& cluster, HostSetConstSharedPtr hosts) {
    auto it = clusters_.find(cluster);
    if (it != clusters_.end()) it->second->setHosts(std::move(hosts));
  }

 private:
  event::Dispatcher& dispatcher_;
  std::shared_ptr<TlsHandle> handle_;
  std::map<std::string, std::unique_ptr<ThreadLocalClusterImpl>, std::less<>> clusters_;
};

// ---------------------------------------------------------------- main thread

struct ClusterManager::Impl {
  struct Cluster {
    config::Cluster config;
    ClusterInfoConstSharedPtr info;
    HostSetConstSharedPtr hosts;  // guarded by mu
  };

  mutable std::mutex mu;
  std::vector<Cluster> clusters;
  std::vector<std::weak_ptr<TlsHandle>> workers;  // guarded by mu
  uint64_t next_version = 1;

  // DNS refresh.
  std::unique_ptr<event::WorkerThread> resolver;
  std::vector<event::TimerPtr> dns_timers;  // live on the resolver thread

  Cluster* find(std::string_view name) {
    for (auto& c : clusters) {
      if (c.info->name() == name) return &c;
    }
    return nullptr;
  }
  const Cluster* find(std::string_view name) const {
    return const_cast<Impl*>(this)->find(name);
  }

  // Builds the host list of a cluster by resolving its endpoints. Existing Host
  // objects with the same address are kept, so their counters survive.
  Result<HostVector> resolveHosts(const config::Cluster& c, const HostVector& previous) {
    HostVector out;
    // Envoy leaves the hostname empty for STATIC endpoints (so auto_host_rewrite
    // does nothing there) and keeps the DNS name for the *_DNS types.
    const bool named = c.type != config::Cluster::DiscoveryType::kStatic;
    auto reuse = [&](const std::string& name, const net::Address& a, uint32_t weight) {
      const std::string hostname = named ? name : std::string();
      for (const auto& h : previous) {
        if (h->address() == a && h->weight() == weight) return h;
      }
      return std::make_shared<const Host>(c.name, hostname, a, weight);
    };
    for (const auto& locality : c.load_assignment.endpoints) {
      for (const auto& ep : locality.lb_endpoints) {
        auto addrs = resolve(ep.address.address, ep.address.port_value, c.dns_lookup_family);
        if (!addrs.isOk()) {
          if (c.type == config::Cluster::DiscoveryType::kStatic) return addrs.status();
          // A DNS cluster keeps serving with the names that did resolve.
          WEIR_WARN("cluster '{}': {}", c.name, addrs.status().message());
          continue;
        }
        if (c.type == config::Cluster::DiscoveryType::kLogicalDns) {
          out.push_back(reuse(ep.address.address, addrs.value().front(), ep.load_balancing_weight));
          return out;
        }
        for (const auto& a : addrs.value()) {
          out.push_back(reuse(ep.address.address, a, ep.load_balancing_weight));
        }
      }
    }
    return out;
  }

  void publish(Cluster& c, HostVector hosts) {
    std::vector<std::shared_ptr<TlsHandle>> targets;
    HostSetConstSharedPtr set;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto s = std::make_shared<HostSet>();
      s->hosts = std::move(hosts);
      s->version = next_version++;
      set = s;
      c.hosts = set;
      for (auto it = workers.begin(); it != workers.end();) {
        if (auto h = it->lock()) {
          targets.push_back(std::move(h));
          ++it;
        } else {
          it = workers.erase(it);
        }
      }
    }
    c.info->stats().membership_change.inc();
    c.info->stats().membership_total.set(set->hosts.size());
    c.info->stats().membership_healthy.set(set->hosts.size());
    const std::string name = c.info->name();
    for (auto& t : targets) {
      std::weak_ptr<TlsHandle> weak = t;
      t->dispatcher->post([weak, name, set]() {
        if (auto h = weak.lock(); h && h->owner != nullptr) h->owner->updateHosts(name, set);
      });
    }
  }

  void refresh(Cluster& c) {
    HostSetConstSharedPtr current;
    {
      std::lock_guard<std::mutex> lock(mu);
      current = c.hosts;
    }
    auto hosts = resolveHosts(c.config, current->hosts);
    if (!hosts.isOk()) return;
    bool same = hosts.value().size() == current->hosts.size();
    for (size_t i = 0; same && i < hosts.value().size(); ++i) {
      same = hosts.value()[i] == current->hosts[i];
    }
    if (!same) publish(c, std::move(hosts.value()));
  }
};

ClusterManager::ClusterManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClusterManager::~ClusterManager() {
  if (impl_->resolver) {
    // Timers belong to the resolver thread: destroy them there, then stop it.
    impl_->resolver->dispatcher().post([impl = impl_.get()]() { impl->dns_timers.clear(); });
    impl_->resolver->stop();
    impl_->dns_timers.clear();
  }
}

Result<std::unique_ptr<ClusterManager>> ClusterManager::create(
    const std::vector<config::Cluster>& clusters, stats::Store* store) {
  auto impl = std::make_unique<Impl>();
  for (const auto& c : clusters) {
    Impl::Cluster cluster;
    cluster.config = c;
    cluster.info = ClusterInfoBuilder::build(c, store);
    auto hosts = impl->resolveHosts(c, {});
    if (!hosts.isOk()) {
      return Status(hosts.status().code(),
                    fmt::format("cluster '{}': {}", c.name, hosts.status().message()));
    }
    auto set = std::make_shared<HostSet>();
    set->hosts = std::move(hosts.value());
    set->version = impl->next_version++;
    cluster.info->stats().membership_total.set(set->hosts.size());
    cluster.info->stats().membership_healthy.set(set->hosts.size());
    cluster.hosts = std::move(set);
    impl->clusters.push_back(std::move(cluster));
  }
  return std::unique_ptr<ClusterManager>(new ClusterManager(std::move(impl)));
}

void ClusterManager::startDnsRefresh() {
  bool any = false;
  for (const auto& c : impl_->clusters) {
    any |= c.info->type() != ClusterDiscoveryType::kStatic;
  }
  if (!any || impl_->resolver) return;
  impl_->resolver = std::make_unique<event::WorkerThread>("dns");
  Impl* impl = impl_.get();
  impl_->resolver->start([impl]() {
    for (auto& c : impl->clusters) {
      if (c.info->type() == ClusterDiscoveryType::kStatic) continue;
      Impl::Cluster* cp = &c;
      auto timer = std::make_shared<event::Timer*>(nullptr);
      impl->dns_timers.push_back(impl->resolver->dispatcher().createTimer([impl, cp, timer]() {
        impl->refresh(*cp);
        (*timer)->enable(cp->info->dnsRefreshRate());
      }));
      *timer = impl->dns_timers.back().get();
      (*timer)->enable(cp->info->dnsRefreshRate());
    }
  });
}

ThreadLocalClusterManagerPtr ClusterManager::createThreadLocal(event::Dispatcher& worker) {
  auto handle = std::make_shared<TlsHandle>();
  handle->dispatcher = &worker;
  auto tls = std::make_unique<ThreadLocalClusterManagerImpl>(worker, handle);
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& c : impl_->clusters) tls->addCluster(c.info, c.hosts);
  impl_->workers.push_back(handle);
  return tls;
}

std::vector<std::string> ClusterManager::clusterNames() const {
  std::vector<std::string> out;
  for (const auto& c : impl_->clusters) out.push_back(c.info->name());
  return out;
}

ClusterInfoConstSharedPtr ClusterManager::clusterInfo(std::string_view name) const {
  const auto* c = impl_->find(name);
  return c != nullptr ? c->info : nullptr;
}

HostSetConstSharedPtr ClusterManager::hostSet(std::string_view name) const {
  const auto* c = impl_->find(name);
  if (c == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(impl_->mu);
  return c->hosts;
}

void ClusterManager::updateHosts(std::string_view cluster, HostVector hosts) {
  auto* c = impl_->find(cluster);
  if (c != nullptr) impl_->publish(*c, std::move(hosts));
}

std::string ClusterManager::renderClustersText() const {
  std::string out;
  for (const auto& c : impl_->clusters) {
    const std::string& n = c.info->name();
    const ResourceManager& r = c.info->resourceManager();
    fmt::format_to(std::back_inserter(out), "{}::default_priority::max_connections::{}\n", n,
                   r.connections.max());
    fmt::format_to(std::back_inserter(out), "{}::default_priority::max_pending_requests::{}\n", n,
                   r.pending_requests.max());
    fmt::format_to(std::back_inserter(out), "{}::default_priority::max_requests::{}\n", n,
                   r.requests.max());
    fmt::format_to(std::back_inserter(out), "{}::default_priority::max_retries::{}\n", n,
                   r.retries.max());
    fmt::format_to(std::back_inserter(out), "{}::added_via_api::false\n", n);
    for (const auto& h : hostSet(n)->hosts) {
      const HostStats& s = h->stats();
      const std::string& a = h->addressString();
      auto line = [&](std::string_view k, uint64_t v) {
        fmt::format_to(std::back_inserter(out), "{}::{}::{}::{}\n", n, a, k, v);
      };
      line("cx_active", s.cx_active.load(std::memory_order_relaxed));
      line("cx_connect_fail", s.cx_connect_fail.load(std::memory_order_relaxed));
      line("cx_total", s.cx_total.load(std::memory_order_relaxed));
      line("rq_active", s.rq_active.load(std::memory_order_relaxed));
      line("rq_error", s.rq_error.load(std::memory_order_relaxed));
      line("rq_success", s.rq_success.load(std::memory_order_relaxed));
      line("rq_timeout", s.rq_timeout.load(std::memory_order_relaxed));
      line("rq_total", s.rq_total.load(std::memory_order_relaxed));
      fmt::format_to(std::back_inserter(out), "{}::{}::hostname::{}\n", n, a, h->hostname());
      fmt::format_to(std::back_inserter(out), "{}::{}::health_flags::{}\n", n, a,
                     h->healthy() ? "healthy" : "/failed_active_hc");
      line("weight", h->weight());
    }
  }
  return out;
}

std::string ClusterManager::renderClustersJson() const {
  nlohmann::json statuses = nlohmann::json::array();
  for (const auto& c : impl_->clusters) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& h : hostSet(c.info->name())->hosts) {
      const HostStats& s = h->stats();
      auto counter = [](std::string_view name, uint64_t v) {
        return nlohmann::json{{"name", name}, {"value", std::to_string(v)}, {"type", "COUNTER"}};
      };
      hosts.push_back({
          {"address",
           {{"socket_address",
             {{"address", h->address().ip()}, {"port_value", h->address().port()}}}}},
          {"hostname", h->hostname()},
          {"weight", h->weight()},
          {"health_status", {{"eds_health_status", h->healthy() ? "HEALTHY" : "UNHEALTHY"}}},
          {"stats",
           nlohmann::json::array({counter("cx_total", s.cx_total.load()),
                                  counter("cx_connect_fail", s.cx_connect_fail.load()),
                                  counter("rq_total", s.rq_total.load()),
                                  counter("rq_success", s.rq_success.load()),
                                  counter("rq_error", s.rq_error.load()),
                                  counter("rq_timeout", s.rq_timeout.load()),
                                  {{"name", "cx_active"}, {"value", s.cx_active.load()}, {"type", "GAUGE"}},
                                  {{"name", "rq_active"}, {"value", s.rq_active.load()}, {"type", "GAUGE"}}})},
      });
    }
    statuses.push_back({{"name", c.info->name()}, {"added_via_api", false}, {"host_statuses", hosts}});
  }
  return nlohmann::json{{"cluster_statuses", statuses}}.dump(2);
}

}  // namespace weir::upstream

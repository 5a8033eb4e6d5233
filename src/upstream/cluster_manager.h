// Clusters: the process-wide ClusterManager (main thread) and its per-worker
// view, the ThreadLocalClusterManager.
//
// Threading model:
//  - ClusterManager is built on the main thread from the config's clusters.
//    It owns the membership of every cluster (STATIC: fixed; STRICT_DNS: every
//    address a name resolves to, re-resolved every dns_refresh_rate;
//    LOGICAL_DNS: the first address only, re-resolved, used for new
//    connections) and publishes it as immutable HostSet snapshots.
//  - Each worker owns one ThreadLocalClusterManager, created with
//    ClusterManager::createThreadLocal(worker_dispatcher) and used and
//    destroyed only on that worker's thread. It holds, per cluster, the
//    current snapshot, a load balancer and one HTTP/1.1 connection pool per
//    host. Snapshots reach it through Dispatcher::post, so the request path
//    never takes a lock.
//  - Circuit breakers (ResourceManager) and stats are cluster-wide, shared by
//    all workers through relaxed atomics, as in Envoy.
//
// Config reload: build a new ClusterManager from the new config and give each
// worker a new ThreadLocalClusterManager; call drain() on the old one and
// destroy it from the callback. Requests in flight finish on the old pools.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "event/dispatcher.h"
#include "upstream/host.h"

namespace weir::config {
struct Cluster;
}
namespace weir::stats {
class Store;
}

namespace weir::upstream {

class HttpConnPool;  // upstream/http_conn_pool.h
class LoadBalancer;  // upstream/load_balancer.h

// One circuit-breaker threshold, counted across all workers.
class ResourceLimit {
 public:
  explicit ResourceLimit(uint64_t max = 1024) : max_(max) {}
  // Takes one unit if below the threshold; false means overflow.
  bool tryAcquire() {
    uint64_t cur = current_.load(std::memory_order_relaxed);
    while (cur < max_) {
      if (current_.compare_exchange_weak(cur, cur + 1, std::memory_order_relaxed)) return true;
    }
    return false;
  }
  bool canAcquire() const { return current_.load(std::memory_order_relaxed) < max_; }
  void release() { current_.fetch_sub(1, std::memory_order_relaxed); }
  uint64_t count() const { return current_.load(std::memory_order_relaxed); }
  uint64_t max() const { return max_; }

 private:
  uint64_t max_;
  std::atomic<uint64_t> current_{0};
};

// circuit_breakers.thresholds (DEFAULT priority); defaults are Envoy's.
struct ResourceManager {
  ResourceManager(uint64_t max_connections, uint64_t max_pending, uint64_t max_requests,
                  uint64_t max_retries)
      : connections(max_connections),
        pending_requests(max_pending),
        requests(max_requests),
        retries(max_retries) {}
  ResourceLimit connections;
  ResourceLimit pending_requests;
  ResourceLimit requests;
  ResourceLimit retries;
};

// cluster.<name>.* counters and gauges, named as Envoy names them. They are
// registered in the stats store at build time; the hot path only increments.
struct ClusterStats {
  // A counter or gauge living in the stats store; null when the manager was
  // built without a store (unit tests), in which case updates are dropped.
  class Value {
   public:
    void inc(uint64_t n = 1) const;
    void dec(uint64_t n = 1) const;  // gauges only
    void set(uint64_t v) const;      // gauges only
    uint64_t value() const;
    void* handle = nullptr;  // stats::Counter* or stats::Gauge*
    bool is_gauge = false;
  };
  Value upstream_cx_total, upstream_cx_active, upstream_cx_connect_fail,
      upstream_cx_connect_timeout, upstream_cx_destroy, upstream_cx_destroy_remote,
      upstream_cx_destroy_local, upstream_cx_overflow, upstream_cx_idle_timeout,
      upstream_cx_rx_bytes_total, upstream_cx_tx_bytes_total;
  Value upstream_rq_total, upstream_rq_active, upstream_rq_pending_total,
      upstream_rq_pending_active, upstream_rq_pending_overflow, upstream_rq_pending_failure_eject,
      upstream_rq_cancelled, upstream_rq_completed, upstream_rq_timeout,
      upstream_rq_per_try_timeout, upstream_rq_rx_reset, upstream_rq_tx_reset, upstream_rq_retry,
      upstream_rq_retry_success, upstream_rq_retry_overflow, upstream_rq_1xx, upstream_rq_2xx,
      upstream_rq_3xx, upstream_rq_4xx, upstream_rq_5xx;
  Value upstream_cx_none_healthy;
  Value membership_total, membership_healthy, membership_change;
  // Counts one response code into upstream_rq_<N>xx.
  void recordResponseCode(int status) const;
};

enum class ClusterDiscoveryType { kStatic, kStrictDns, kLogicalDns };
enum class LbPolicy { kRoundRobin, kLeastRequest, kRandom };

// Everything about a cluster that does not change while it lives. Shared
// (const) by the main thread and all workers.
class ClusterInfo {
 public:
  const std::string& name() const { return name_; }
  ClusterDiscoveryType type() const { return type_; }
  LbPolicy lbPolicy() const { return lb_policy_; }
  std::chrono::milliseconds connectTimeout() const { return connect_timeout_; }
  std::chrono::milliseconds dnsRefreshRate() const { return dns_refresh_rate_; }
  // Write-buffer high watermark for upstream connections (bytes).
  uint32_t perConnectionBufferLimit() const { return per_connection_buffer_limit_; }
  // Idle keep-alive connections are closed after this long (Envoy's
  // common_http_protocol_options.idle_timeout default: 1h).
  std::chrono::milliseconds idleTimeout() const { return idle_timeout_; }
  // LEAST_REQUEST: hosts sampled per pick.
  uint32_t leastRequestChoiceCount() const { return choice_count_; }
  // 0 = unlimited.
  uint32_t maxRequestsPerConnection() const { return max_requests_per_connection_; }
  ResourceManager& resourceManager() const { return *resources_; }
  const ClusterStats& stats() const { return stats_; }

 private:
  friend class ClusterManager;
  friend struct ClusterInfoBuilder;
  std::string name_;
  ClusterDiscoveryType type_ = ClusterDiscoveryType::kStatic;
  LbPolicy lb_policy_ = LbPolicy::kRoundRobin;
  std::chrono::milliseconds connect_timeout_{5000};
  std::chrono::milliseconds dns_refresh_rate_{5000};
  std::chrono::milliseconds idle_timeout_{3600 * 1000};
  uint32_t per_connection_buffer_limit_ = 1024 * 1024;
  uint32_t choice_count_ = 2;
  uint32_t max_requests_per_connection_ = 0;
  std::unique_ptr<ResourceManager> resources_;
  ClusterStats stats_;
};
using ClusterInfoConstSharedPtr = std::shared_ptr<const ClusterInfo>;

// What the load balancer may look at for one request (hash policies later).
struct LoadBalancerContext {
  // Hosts to avoid when possible (a retry prefers another host).
  const Host* previous_host = nullptr;
};

// A cluster as seen by one worker. Owned by the ThreadLocalClusterManager;
// valid until that manager is destroyed.
class ThreadLocalCluster {
 public:
  virtual ~ThreadLocalCluster() = default;
  virtual const ClusterInfo& info() const = 0;
  virtual const ClusterInfoConstSharedPtr& infoPtr() const = 0;
  // The current membership snapshot.
  virtual const HostSet& hostSet() const = 0;
  // Picks a healthy host with the cluster's load balancer; null when there is
  // none (→ 503, response flag UH, upstream_cx_none_healthy).
  virtual HostConstSharedPtr chooseHost(const LoadBalancerContext* context) = 0;
  // The HTTP/1.1 pool of this worker for `host` (created on first use).
  virtual HttpConnPool& httpConnPool(const HostConstSharedPtr& host) = 0;
};

class ThreadLocalClusterManager {
 public:
  virtual ~ThreadLocalClusterManager() = default;
  // Null when no cluster has that name.
  virtual ThreadLocalCluster* get(std::string_view name) = 0;
  // Requests in flight plus those waiting for a connection, on this worker.
  virtual uint64_t activeRequests() const = 0;
  // For reload: closes idle connections now, lets active ones finish, and
  // calls `on_drained` (on this worker) once nothing is in flight — at once
  // if already idle. The owner typically destroys the manager from it
  // (via Dispatcher::deferredDelete or a post).
  virtual void drain(std::function<void()> on_drained) = 0;
};
using ThreadLocalClusterManagerPtr = std::unique_ptr<ThreadLocalClusterManager>;

class ClusterManager {
 public:
  // Builds every cluster, resolving STRICT_DNS / LOGICAL_DNS names once
  // (blocking, at startup or reload, on the calling thread) so workers start
  // with real membership. `store` may be null (tests): stats are then dropped.
  // Errors name the cluster ("cluster 'x': cannot resolve 'foo.invalid': ...").
  static Result<std::unique_ptr<ClusterManager>> create(
      const std::vector<config::Cluster>& clusters, stats::Store* store);
  ~ClusterManager();  // stops DNS refresh; thread-local managers must be gone

  // Starts periodic re-resolution for DNS clusters on an internal resolver
  // thread (so a slow DNS server never blocks the main loop or a worker).
  void startDnsRefresh();

  // Thread-safe. The result belongs to `worker` and must be used and
  // destroyed on its thread. Membership changes are posted to it.
  ThreadLocalClusterManagerPtr createThreadLocal(event::Dispatcher& worker);

  std::vector<std::string> clusterNames() const;
  ClusterInfoConstSharedPtr clusterInfo(std::string_view name) const;
  // Thread-safe copy of a cluster's current membership (null if unknown).
  HostSetConstSharedPtr hostSet(std::string_view name) const;

  // Admin /clusters in Envoy's text format: per cluster the circuit-breaker
  // settings ("name::default_priority::max_connections::1024", ...) and per
  // host "name::ip:port::cx_active::N", cx_total, rq_active, rq_total,
  // rq_success, rq_error, rq_timeout, health_flags, weight, hostname.
  std::string renderClustersText() const;
  // Admin /clusters?format=json (Envoy's cluster_statuses shape, subset).
  std::string renderClustersJson() const;

  // Replaces a DNS cluster's membership now (resolver thread, tests).
  void updateHosts(std::string_view cluster, HostVector hosts);

  struct Impl;

 private:
  explicit ClusterManager(std::unique_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace weir::upstream

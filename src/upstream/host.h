// Upstream hosts and host sets.
//
// A Host is created on the main thread when a cluster is built or re-resolved
// and is then shared read-only by every worker. Its address never changes;
// what changes across threads are its counters (atomics) and its health flag
// (atomic), which is why it can be handed out as shared_ptr<const Host>.
//
// A HostSet is an immutable snapshot of a cluster's membership. STRICT_DNS
// re-resolution builds a new snapshot and publishes it to the workers; a worker
// keeps using the previous snapshot until the new one arrives on its own
// dispatcher, so the request path never takes a lock to read membership.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "net/address.h"

namespace weir::upstream {

// Per-host counters, shared by all workers (relaxed atomics: they are
// statistics, nothing is synchronised through them).
struct HostStats {
  std::atomic<uint64_t> cx_total{0};
  std::atomic<uint64_t> cx_active{0};
  std::atomic<uint64_t> cx_connect_fail{0};
  std::atomic<uint64_t> rq_total{0};
  std::atomic<uint64_t> rq_active{0};
  std::atomic<uint64_t> rq_success{0};
  std::atomic<uint64_t> rq_error{0};
  std::atomic<uint64_t> rq_timeout{0};
};

class Host {
 public:
  Host(std::string cluster_name, std::string hostname, net::Address address, uint32_t weight)
      : cluster_name_(std::move(cluster_name)),
        hostname_(std::move(hostname)),
        address_(address),
        address_string_(address.asString()),
        weight_(weight == 0 ? 1 : weight) {}

  const std::string& clusterName() const { return cluster_name_; }
  // The name the address came from (STRICT_DNS / LOGICAL_DNS); empty for
  // STATIC endpoints, as in Envoy. auto_host_rewrite uses it.
  const std::string& hostname() const { return hostname_; }
  const net::Address& address() const { return address_; }
  // "ip:port", computed once: access logs and /clusters print it per request.
  const std::string& addressString() const { return address_string_; }
  uint32_t weight() const { return weight_; }

  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }
  void setHealthy(bool healthy) const { healthy_.store(healthy, std::memory_order_relaxed); }

  HostStats& stats() const { return stats_; }

 private:
  std::string cluster_name_;
  std::string hostname_;
  net::Address address_;
  std::string address_string_;
  uint32_t weight_;
  mutable std::atomic<bool> healthy_{true};
  mutable HostStats stats_;
};

using HostConstSharedPtr = std::shared_ptr<const Host>;
using HostVector = std::vector<HostConstSharedPtr>;

// One membership snapshot. `version` increases with every change so a worker
// (and a load balancer) can tell cheaply whether it must rebuild its state.
struct HostSet {
  HostVector hosts;
  uint64_t version = 0;
};
using HostSetConstSharedPtr = std::shared_ptr<const HostSet>;

}  // namespace weir::upstream

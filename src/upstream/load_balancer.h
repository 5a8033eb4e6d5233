// Load balancers: ROUND_ROBIN (smooth weighted), LEAST_REQUEST (power of N
// choices over active requests, weighted as Envoy does) and RANDOM (weighted).
//
// One instance per worker per cluster, used only on that worker's thread, so
// picking takes no lock. Membership arrives as immutable HostSet snapshots
// (setHostSet, cheap when the version did not change); health is read from
// each host's atomic flag at pick time, so a health change needs no rebuild.
// Only healthy hosts are picked; with none healthy chooseHost returns null
// (→ 503 UH). weir has no panic threshold: Envoy's 50% panic mode is not
// implemented.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "upstream/cluster_manager.h"
#include "upstream/host.h"

namespace weir::upstream {

struct LoadBalancerOptions {
  uint32_t choice_count = 2;  // LEAST_REQUEST: hosts sampled per pick
  uint64_t seed = 0;          // 0 → seeded from std::random_device
};

class LoadBalancer {
 public:
  virtual ~LoadBalancer() = default;
  // A healthy host, or null when there is none. `context` may be null; when
  // it names a previous host (a retry) another healthy host is preferred.
  virtual HostConstSharedPtr chooseHost(const LoadBalancerContext* context) = 0;
  // Installs a new membership snapshot; no-op when `hosts` has the version
  // already installed.
  virtual void setHostSet(HostSetConstSharedPtr hosts) = 0;
};
using LoadBalancerPtr = std::unique_ptr<LoadBalancer>;

LoadBalancerPtr createLoadBalancer(LbPolicy policy, HostSetConstSharedPtr hosts,
                                   const LoadBalancerOptions& options = {});

}  // namespace weir::upstream

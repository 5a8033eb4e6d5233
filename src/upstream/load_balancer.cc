#include "upstream/load_balancer.h"

#include <algorithm>

namespace weir::upstream {

namespace {

// How often a pick is redrawn to avoid the host a retry just failed on.
constexpr int kRetryAvoidAttempts = 3;
// Random draws before a sampling balancer falls back to scanning for a
// healthy host (only matters when most hosts are unhealthy).
constexpr int kHealthySampleAttempts = 8;

class BaseLoadBalancer : public LoadBalancer {
 public:
  BaseLoadBalancer(HostSetConstSharedPtr hosts, const LoadBalancerOptions& options)
      : rng_(options.seed != 0 ? options.seed : std::random_device{}()) {
    BaseLoadBalancer::setHostSet(std::move(hosts));
  }

  void setHostSet(HostSetConstSharedPtr hosts) override {
    if (hosts_ && hosts && hosts_ == hosts) return;
    if (hosts_ && hosts && hosts_->version == hosts->version && hosts_->hosts == hosts->hosts) {
      hosts_ = std::move(hosts);
      return;
    }
    hosts_ = hosts ? std::move(hosts) : std::make_shared<const HostSet>();
    cumulative_.clear();
    cumulative_.reserve(hosts_->hosts.size());
    uint64_t total = 0;
    equal_weights_ = true;
    for (const auto& h : hosts_->hosts) {
      total += h->weight();
      cumulative_.push_back(total);
      if (h->weight() != hosts_->hosts.front()->weight()) equal_weights_ = false;
    }
    total_weight_ = total;
    onHostsChanged();
  }

  HostConstSharedPtr chooseHost(const LoadBalancerContext* context) override {
    const Host* avoid = context ? context->previous_host : nullptr;
    HostConstSharedPtr host = pick();
    for (int i = 0; avoid && host && host.get() == avoid && i < kRetryAvoidAttempts; ++i) {
      if (!anotherHealthyHost(avoid)) break;
      host = pick();
    }
    return host;
  }

 protected:
  virtual HostConstSharedPtr pick() = 0;
  virtual void onHostsChanged() {}

  const HostVector& hosts() const { return hosts_->hosts; }
  uint64_t next() { return rng_(); }

  // A host drawn with probability proportional to its weight, ignoring health.
  size_t weightedIndex() {
    uint64_t point = next() % total_weight_;
    return static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), point) - cumulative_.begin());
  }

  // A healthy host drawn by weight; a scan is the fallback when random draws
  // keep hitting unhealthy hosts. -1 when none is healthy.
  long healthyWeightedIndex() {
    if (hosts().empty()) return -1;
    for (int i = 0; i < kHealthySampleAttempts; ++i) {
      size_t idx = weightedIndex();
      if (hosts()[idx]->healthy()) return static_cast<long>(idx);
    }
    uint64_t healthy_total = 0;
    for (const auto& h : hosts()) {
      if (h->healthy()) healthy_total += h->weight();
    }
    if (healthy_total == 0) return -1;
    uint64_t point = next() % healthy_total;
    for (size_t i = 0; i < hosts().size(); ++i) {
      if (!hosts()[i]->healthy()) continue;
      if (point < hosts()[i]->weight()) return static_cast<long>(i);
      point -= hosts()[i]->weight();
    }
    return -1;
  }

  bool equal_weights_ = true;

 private:
  bool anotherHealthyHost(const Host* avoid) const {
    for (const auto& h : hosts()) {
      if (h.get() != avoid && h->healthy()) return true;
    }
    return false;
  }

  HostSetConstSharedPtr hosts_;
  std::vector<uint64_t> cumulative_;
  uint64_t total_weight_ = 0;
  std::mt19937_64 rng_;
};

// Equal weights: plain rotation skipping unhealthy hosts. Unequal weights:
// smooth weighted round robin (as nginx): every pick adds each healthy host's
// weight to its running score and takes the highest, which spreads a 5:1:1
// split as a,a,b,a,c,a,a rather than a,a,a,a,a,b,c.
class RoundRobinLoadBalancer : public BaseLoadBalancer {
 public:
  RoundRobinLoadBalancer(HostSetConstSharedPtr hosts, const LoadBalancerOptions& options)
      : BaseLoadBalancer(std::move(hosts), options) {
    // The base constructor cannot dispatch to our override.
    onHostsChanged();
    // Workers start at different offsets so they do not all hit host 0 first.
    if (!this->hosts().empty()) next_index_ = static_cast<size_t>(next() % this->hosts().size());
  }

 protected:
  void onHostsChanged() override {
    scores_.assign(hosts().size(), 0);
    if (!hosts().empty()) next_index_ %= hosts().size();
  }

  HostConstSharedPtr pick() override {
    const size_t n = hosts().size();
    if (n == 0) return nullptr;
    if (equal_weights_) {
      for (size_t i = 0; i < n; ++i) {
        const HostConstSharedPtr& h = hosts()[next_index_];
        next_index_ = next_index_ + 1 == n ? 0 : next_index_ + 1;
        if (h->healthy()) return h;
      }
      return nullptr;
    }
    int64_t total = 0;
    long best = -1;
    for (size_t i = 0; i < n; ++i) {
      if (!hosts()[i]->healthy()) continue;
      const int64_t w = hosts()[i]->weight();
      scores_[i] += w;
      total += w;
      if (best < 0 || scores_[i] > scores_[static_cast<size_t>(best)]) best = static_cast<long>(i);
    }
    if (best < 0) return nullptr;
    scores_[static_cast<size_t>(best)] -= total;
    return hosts()[static_cast<size_t>(best)];
  }

 private:
  std::vector<int64_t> scores_;
  size_t next_index_ = 0;
};

class RandomLoadBalancer : public BaseLoadBalancer {
 public:
  using BaseLoadBalancer::BaseLoadBalancer;

 protected:
  HostConstSharedPtr pick() override {
    long idx = healthyWeightedIndex();
    return idx < 0 ? nullptr : hosts()[static_cast<size_t>(idx)];
  }
};

// Power of N choices: draw choice_count healthy hosts (by weight) and take
// the one with the fewest active requests per unit of weight. The active
// count is the host's cluster-wide rq_active (all workers), as in Envoy.
class LeastRequestLoadBalancer : public BaseLoadBalancer {
 public:
  LeastRequestLoadBalancer(HostSetConstSharedPtr hosts, const LoadBalancerOptions& options)
      : BaseLoadBalancer(std::move(hosts), options), choice_count_(std::max<uint32_t>(options.choice_count, 1)) {}

 protected:
  HostConstSharedPtr pick() override {
    long best = -1;
    double best_score = 0;
    for (uint32_t i = 0; i < choice_count_; ++i) {
      long idx = healthyWeightedIndex();
      if (idx < 0) return nullptr;
      const Host& h = *hosts()[static_cast<size_t>(idx)];
      const double active = static_cast<double>(h.stats().rq_active.load(std::memory_order_relaxed));
      const double score = equal_weights_ ? active : (active + 1) / h.weight();
      if (best < 0 || score < best_score) {
        best = idx;
        best_score = score;
      }
    }
    return hosts()[static_cast<size_t>(best)];
  }

 private:
  uint32_t choice_count_;
};

}  // namespace

LoadBalancerPtr createLoadBalancer(LbPolicy policy, HostSetConstSharedPtr hosts, const LoadBalancerOptions& options) {
  switch (policy) {
    case LbPolicy::kRoundRobin:
      return std::make_unique<RoundRobinLoadBalancer>(std::move(hosts), options);
    case LbPolicy::kLeastRequest:
      return std::make_unique<LeastRequestLoadBalancer>(std::move(hosts), options);
    case LbPolicy::kRandom:
      return std::make_unique<RandomLoadBalancer>(std::move(hosts), options);
  }
  return std::make_unique<RoundRobinLoadBalancer>(std::move(hosts), options);
}

}  // namespace weir::upstream

#include "upstream/load_balancer.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

namespace weir::upstream {
namespace {

HostSetConstSharedPtr makeHosts(std::vector<uint32_t> weights, uint64_t version = 1) {
  auto set = std::make_shared<HostSet>();
  for (size_t i = 0; i < weights.size(); ++i) {
    auto addr = net::Address::fromIpPort("10.0.0." + std::to_string(i + 1), 80);
    set->hosts.push_back(std::make_shared<const Host>("c", addr->ip(), *addr, weights[i]));
  }
  set->version = version;
  return set;
}

std::map<const Host*, int> distribution(LoadBalancer& lb, int picks) {
  std::map<const Host*, int> counts;
  for (int i = 0; i < picks; ++i) {
    HostConstSharedPtr h = lb.chooseHost(nullptr);
    EXPECT_NE(h, nullptr);
    if (h) counts[h.get()]++;
  }
  return counts;
}

TEST(RoundRobin, EqualWeightsRotateExactly) {
  auto hosts = makeHosts({1, 1, 1});
  auto lb = createLoadBalancer(LbPolicy::kRoundRobin, hosts, {.seed = 7});
  auto counts = distribution(*lb, 300);
  for (const auto& h : hosts->hosts) EXPECT_EQ(counts[h.get()], 100);
  // Consecutive picks never repeat a host while all are healthy.
  const Host* prev = nullptr;
  for (int i = 0; i < 30; ++i) {
    const Host* h = lb->chooseHost(nullptr).get();
    EXPECT_NE(h, prev);
    prev = h;
  }
}

TEST(RoundRobin, WeightedIsSmoothAndProportional) {
  auto hosts = makeHosts({5, 1, 1});
  auto lb = createLoadBalancer(LbPolicy::kRoundRobin, hosts, {.seed = 7});
  std::string seq;
  for (int i = 0; i < 7; ++i) {
    const Host* h = lb->chooseHost(nullptr).get();
    seq += h == hosts->hosts[0].get() ? 'a' : h == hosts->hosts[1].get() ? 'b' : 'c';
  }
  // Smooth weighted round robin interleaves instead of bursting "aaaaabc".
  EXPECT_EQ(seq, "aabacaa");
  auto counts = distribution(*lb, 700);
  EXPECT_EQ(counts[hosts->hosts[0].get()], 500);
  EXPECT_EQ(counts[hosts->hosts[1].get()], 100);
  EXPECT_EQ(counts[hosts->hosts[2].get()], 100);
}

TEST(RoundRobin, SkipsUnhealthyAndReturnsNullWhenNoneHealthy) {
  auto hosts = makeHosts({1, 1, 1});
  auto lb = createLoadBalancer(LbPolicy::kRoundRobin, hosts, {.seed = 1});
  hosts->hosts[1]->setHealthy(false);
  auto counts = distribution(*lb, 100);
  EXPECT_EQ(counts[hosts->hosts[1].get()], 0);
  EXPECT_EQ(counts[hosts->hosts[0].get()], 50);
  for (const auto& h : hosts->hosts) h->setHealthy(false);
  EXPECT_EQ(lb->chooseHost(nullptr), nullptr);
  hosts->hosts[2]->setHealthy(true);
  EXPECT_EQ(lb->chooseHost(nullptr), hosts->hosts[2]);
}

TEST(LoadBalancer, EmptyHostSetYieldsNull) {
  for (LbPolicy p : {LbPolicy::kRoundRobin, LbPolicy::kLeastRequest, LbPolicy::kRandom}) {
    auto lb = createLoadBalancer(p, makeHosts({}), {.seed = 3});
    EXPECT_EQ(lb->chooseHost(nullptr), nullptr);
  }
}

TEST(LoadBalancer, NewHostSetIsPickedUp) {
  for (LbPolicy p : {LbPolicy::kRoundRobin, LbPolicy::kLeastRequest, LbPolicy::kRandom}) {
    auto lb = createLoadBalancer(p, makeHosts({1, 1}, 1), {.seed = 3});
    auto next = makeHosts({1}, 2);
    lb->setHostSet(next);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(lb->chooseHost(nullptr), next->hosts[0]);
  }
}

TEST(LoadBalancer, RetryAvoidsThePreviousHost) {
  for (LbPolicy p : {LbPolicy::kRoundRobin, LbPolicy::kLeastRequest, LbPolicy::kRandom}) {
    auto hosts = makeHosts({1, 1});
    auto lb = createLoadBalancer(p, hosts, {.seed = 11});
    LoadBalancerContext ctx;
    ctx.previous_host = hosts->hosts[0].get();
    int avoided = 0;
    for (int i = 0; i < 100; ++i) avoided += lb->chooseHost(&ctx) == hosts->hosts[1];
    // Redraws are bounded, so a random policy may still land on it rarely.
    EXPECT_GE(avoided, 90) << static_cast<int>(p);
    // With a single host, a retry still gets it.
    auto single = makeHosts({1});
    lb->setHostSet(single);
    ctx.previous_host = single->hosts[0].get();
    EXPECT_EQ(lb->chooseHost(&ctx), single->hosts[0]);
  }
}

TEST(Random, DistributionFollowsWeights) {
  auto hosts = makeHosts({1, 3});
  auto lb = createLoadBalancer(LbPolicy::kRandom, hosts, {.seed = 42});
  auto counts = distribution(*lb, 40000);
  EXPECT_NEAR(counts[hosts->hosts[0].get()], 10000, 600);
  EXPECT_NEAR(counts[hosts->hosts[1].get()], 30000, 600);
}

TEST(Random, NeverPicksUnhealthyEvenWhenMostAreDown) {
  auto hosts = makeHosts(std::vector<uint32_t>(50, 1));
  for (size_t i = 0; i < 49; ++i) hosts->hosts[i]->setHealthy(false);
  auto lb = createLoadBalancer(LbPolicy::kRandom, hosts, {.seed = 5});
  for (int i = 0; i < 200; ++i) EXPECT_EQ(lb->chooseHost(nullptr), hosts->hosts[49]);
}

TEST(LeastRequest, PrefersHostsWithFewerActiveRequests) {
  auto hosts = makeHosts({1, 1, 1, 1});
  hosts->hosts[0]->stats().rq_active = 100;
  hosts->hosts[1]->stats().rq_active = 100;
  hosts->hosts[2]->stats().rq_active = 100;
  auto lb = createLoadBalancer(LbPolicy::kLeastRequest, hosts, {.choice_count = 2, .seed = 9});
  auto counts = distribution(*lb, 10000);
  // The idle host wins every draw it appears in: 1 - (3/4)^2 = 43.75% of picks.
  EXPECT_NEAR(counts[hosts->hosts[3].get()], 4375, 300);
  auto lb_full = createLoadBalancer(LbPolicy::kLeastRequest, hosts, {.choice_count = 20, .seed = 9});
  auto counts_full = distribution(*lb_full, 1000);
  EXPECT_GE(counts_full[hosts->hosts[3].get()], 990);
}

TEST(LeastRequest, BalancesLoadThatTracksActiveCounts) {
  // Simulate requests that stay active: P2C keeps the spread tight.
  auto hosts = makeHosts({1, 1, 1, 1, 1});
  auto lb = createLoadBalancer(LbPolicy::kLeastRequest, hosts, {.seed = 13});
  for (int i = 0; i < 5000; ++i) {
    HostConstSharedPtr h = lb->chooseHost(nullptr);
    ASSERT_NE(h, nullptr);
    h->stats().rq_active++;
  }
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& h : hosts->hosts) {
    lo = std::min<uint64_t>(lo, h->stats().rq_active);
    hi = std::max<uint64_t>(hi, h->stats().rq_active);
  }
  EXPECT_LE(hi - lo, 10u);
}

TEST(LeastRequest, WeightsShiftLoad) {
  auto hosts = makeHosts({1, 4});
  auto lb = createLoadBalancer(LbPolicy::kLeastRequest, hosts, {.seed = 21});
  for (int i = 0; i < 5000; ++i) lb->chooseHost(nullptr)->stats().rq_active++;
  const double heavy = static_cast<double>(hosts->hosts[1]->stats().rq_active);
  const double light = static_cast<double>(hosts->hosts[0]->stats().rq_active);
  EXPECT_GT(heavy / light, 2.5);
}

}  // namespace
}  // namespace weir::upstream

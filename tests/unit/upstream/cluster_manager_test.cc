#include "upstream/cluster_manager.h"

#include <set>

#include <gtest/gtest.h>

#include "base/stats.h"
#include "config/bootstrap.h"
#include "upstream/http_conn_pool.h"

namespace weir::upstream {
namespace {

config::Cluster makeCluster(std::string name, config::Cluster::DiscoveryType type,
                            std::vector<std::pair<std::string, uint16_t>> endpoints) {
  config::Cluster c;
  c.name = std::move(name);
  c.type = type;
  c.dns_lookup_family = config::Cluster::DnsLookupFamily::kV4Only;
  config::LocalityLbEndpoints locality;
  for (auto& [addr, port] : endpoints) {
    config::LbEndpoint ep;
    ep.address.address = addr;
    ep.address.port_value = port;
    locality.lb_endpoints.push_back(ep);
  }
  c.load_assignment.endpoints.push_back(locality);
  c.circuit_breakers.push_back({});
  return c;
}

TEST(ClusterManagerTest, StaticClusterHasOneHostPerEndpointWithEmptyHostname) {
  auto cm = ClusterManager::create(
      {makeCluster("a", config::Cluster::DiscoveryType::kStatic, {{"127.0.0.1", 80}, {"127.0.0.2", 81}})},
      nullptr);
  ASSERT_TRUE(cm.isOk()) << cm.status().toString();
  auto hosts = cm.value()->hostSet("a");
  ASSERT_EQ(hosts->hosts.size(), 2u);
  EXPECT_EQ(hosts->hosts[0]->addressString(), "127.0.0.1:80");
  EXPECT_EQ(hosts->hosts[1]->addressString(), "127.0.0.2:81");
  EXPECT_EQ(hosts->hosts[0]->hostname(), "");
  EXPECT_EQ(cm.value()->hostSet("missing"), nullptr);
}

TEST(ClusterManagerTest, StrictDnsResolvesNamesAndKeepsTheName) {
  auto cm = ClusterManager::create(
      {makeCluster("d", config::Cluster::DiscoveryType::kStrictDns, {{"localhost", 8080}})}, nullptr);
  ASSERT_TRUE(cm.isOk()) << cm.status().toString();
  auto hosts = cm.value()->hostSet("d");
  ASSERT_GE(hosts->hosts.size(), 1u);
  EXPECT_EQ(hosts->hosts[0]->address().ip(), "127.0.0.1");
  EXPECT_EQ(hosts->hosts[0]->hostname(), "localhost");
}

TEST(ClusterManagerTest, StaticClusterWithUnresolvableAddressIsAnError) {
  auto cm = ClusterManager::create(
      {makeCluster("bad", config::Cluster::DiscoveryType::kStatic, {{"no-such-host.invalid", 1}})},
      nullptr);
  ASSERT_FALSE(cm.isOk());
  EXPECT_NE(cm.status().message().find("cluster 'bad'"), std::string::npos) << cm.status().message();
}

TEST(ClusterManagerTest, ClustersTextUsesEnvoyFormat) {
  config::Cluster c = makeCluster("web", config::Cluster::DiscoveryType::kStatic, {{"127.0.0.1", 9000}});
  c.circuit_breakers[0].max_connections = 7;
  stats::Store store;
  auto cm = ClusterManager::create({c}, &store);
  ASSERT_TRUE(cm.isOk());
  std::string text = cm.value()->renderClustersText();
  EXPECT_NE(text.find("web::default_priority::max_connections::7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("web::127.0.0.1:9000::cx_active::0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("web::127.0.0.1:9000::rq_total::0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("web::127.0.0.1:9000::health_flags::healthy\n"), std::string::npos) << text;
  auto* gauge = store.findGauge("cluster.web.membership_healthy");
  ASSERT_NE(gauge, nullptr);
  EXPECT_EQ(gauge->value(), 1u);
  EXPECT_NE(cm.value()->renderClustersJson().find("\"cluster_statuses\""), std::string::npos);
}

TEST(ClusterManagerTest, ThreadLocalManagerSeesMembershipUpdatesPostedToItsDispatcher) {
  auto cm = ClusterManager::create(
      {makeCluster("a", config::Cluster::DiscoveryType::kStatic, {{"127.0.0.1", 80}})}, nullptr);
  ASSERT_TRUE(cm.isOk());
  event::Dispatcher worker("worker");
  auto tls = cm.value()->createThreadLocal(worker);
  ThreadLocalCluster* cluster = tls->get("a");
  ASSERT_NE(cluster, nullptr);
  EXPECT_EQ(tls->get("b"), nullptr);
  EXPECT_EQ(cluster->hostSet().hosts.size(), 1u);
  auto chosen = cluster->chooseHost(nullptr);
  ASSERT_NE(chosen, nullptr);
  EXPECT_EQ(chosen->addressString(), "127.0.0.1:80");

  HostVector next{std::make_shared<const Host>("a", "", net::Address::parse("127.0.0.1:81").value(), 1),
                  std::make_shared<const Host>("a", "", net::Address::parse("127.0.0.1:82").value(), 1)};
  cm.value()->updateHosts("a", next);
  // Not applied until the worker's loop runs the posted update.
  EXPECT_EQ(cluster->hostSet().hosts.size(), 1u);
  worker.runOnce(std::chrono::milliseconds(0));
  EXPECT_EQ(cluster->hostSet().hosts.size(), 2u);
  std::set<std::string> picked;
  for (int i = 0; i < 4; ++i) picked.insert(cluster->chooseHost(nullptr)->addressString());
  EXPECT_EQ(picked, (std::set<std::string>{"127.0.0.1:81", "127.0.0.1:82"}));
}

TEST(ClusterManagerTest, NoHealthyHostGivesNullAndCountsIt) {
  stats::Store store;
  auto cm = ClusterManager::create(
      {makeCluster("a", config::Cluster::DiscoveryType::kStatic, {{"127.0.0.1", 80}})}, &store);
  ASSERT_TRUE(cm.isOk());
  event::Dispatcher worker("worker");
  auto tls = cm.value()->createThreadLocal(worker);
  cm.value()->hostSet("a")->hosts[0]->setHealthy(false);
  EXPECT_EQ(tls->get("a")->chooseHost(nullptr), nullptr);
  EXPECT_EQ(store.findCounter("cluster.a.upstream_cx_none_healthy")->value(), 1u);
}

TEST(ResourceLimitTest, RefusesBeyondMaxAndRecoversOnRelease) {
  ResourceLimit limit(2);
  EXPECT_TRUE(limit.tryAcquire());
  EXPECT_TRUE(limit.tryAcquire());
  EXPECT_FALSE(limit.tryAcquire());
  limit.release();
  EXPECT_TRUE(limit.canAcquire());
  EXPECT_TRUE(limit.tryAcquire());
  EXPECT_EQ(limit.count(), 2u);
}

}  // namespace
}  // namespace weir::upstream

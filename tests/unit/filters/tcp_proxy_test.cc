// envoy.filters.network.tcp_proxy: the loader's field checks, the factory's
// config errors, and the filter on real loopback sockets (client → weir's
// NetworkFilterManager → tcp_proxy → an echo server), all on one test
// dispatcher.
#include "filters/tcp_proxy/tcp_proxy.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "base/stats.h"
#include "config/loader.h"
#include "proxy/filter_factory.h"
#include "upstream/cluster_manager.h"
#include "unit/proxy/network_test_support.h"

namespace weir::filters::tcp_proxy {
namespace {

using proxy::testing::EchoServer;
using proxy::testing::runUntil;
using proxy::testing::TestClient;
using proxy::testing::TestNetworkListener;

// A bootstrap with one tcp_proxy listener; `tcp_proxy` is the typed_config
// body (indented for its place) and `ports` the cluster's endpoints.
std::string bootstrapYaml(const std::string& tcp_proxy, const std::vector<uint16_t>& ports) {
  std::string endpoints;
  for (uint16_t p : ports) {
    endpoints += fmt::format("        - endpoint: {{ address: {{ socket_address: {{ address: 127.0.0.1, port_value: {} }} }} }}\n", p);
  }
  return fmt::format(R"(static_resources:
  listeners:
  - name: tcp
    address: {{ socket_address: {{ address: 127.0.0.1, port_value: 0 }} }}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
{}
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: backend
      endpoints:
      - lb_endpoints:
{})",
                     tcp_proxy, endpoints);
}

std::vector<config::ConfigError> loadErrors(const std::string& tcp_proxy) {
  return config::loadBootstrapReport(bootstrapYaml(tcp_proxy, {1}), "tcp.yaml").errors;
}

bool hasError(const std::vector<config::ConfigError>& errors, const std::string& path, const std::string& text) {
  for (const auto& e : errors) {
    if (e.field_path == path && e.message.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string describe(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.toString() + "\n";
  return out;
}

constexpr const char* kTc = "static_resources.listeners[0].filter_chains[0].filters[0].typed_config";

TEST(TcpProxyConfigTest, LoaderNamesTheFieldOfEveryError) {
  auto errors = loadErrors("          cluster: backend\n");
  EXPECT_TRUE(hasError(errors, std::string(kTc) + ".stat_prefix", "")) << describe(errors);

  errors = loadErrors("          stat_prefix: s\n");
  EXPECT_TRUE(hasError(errors, kTc, "exactly one of cluster, weighted_clusters")) << describe(errors);

  errors = loadErrors("          stat_prefix: s\n          cluster: nowhere\n");
  EXPECT_TRUE(hasError(errors, std::string(kTc) + ".cluster", "nowhere")) << describe(errors);

  errors = loadErrors("          stat_prefix: s\n          weighted_clusters:\n            clusters:\n"
                      "            - { name: gone, weight: 1 }\n");
  EXPECT_TRUE(hasError(errors, std::string(kTc) + ".weighted_clusters.clusters[0].name", "gone")) << describe(errors);

  errors = loadErrors("          stat_prefix: s\n          cluster: backend\n          max_connect_attempts: 0\n");
  EXPECT_TRUE(hasError(errors, std::string(kTc) + ".max_connect_attempts", "")) << describe(errors);

  errors = loadErrors("          stat_prefix: s\n          cluster: backend\n          idle_timeout: soon\n");
  EXPECT_TRUE(hasError(errors, std::string(kTc) + ".idle_timeout", "")) << describe(errors);

  errors = loadErrors("          stat_prefix: s\n          cluster: backend\n          hash_policy: []\n");
  EXPECT_TRUE(hasError(errors, std::string(kTc) + ".hash_policy", "")) << describe(errors);
}

TEST(TcpProxyConfigTest, TerminalFilterMustBeLast) {
  std::string yaml = bootstrapYaml("          stat_prefix: s\n          cluster: backend\n", {1});
  const std::string second = R"(      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: t
          cluster: backend
)";
  yaml.insert(yaml.find("  clusters:"), second);
  auto errors = config::loadBootstrapReport(yaml, "tcp.yaml").errors;
  EXPECT_TRUE(hasError(errors, "static_resources.listeners[0].filter_chains[0].filters[0]", "terminal filter"))
      << describe(errors);
}

TEST(TcpProxyConfigTest, CreateRejectsAConfigWithoutPrefixOrCluster) {
  config::TcpProxy proto;
  proto.cluster = "backend";
  auto no_prefix = TcpProxyConfig::create(proto, nullptr);
  ASSERT_FALSE(no_prefix.isOk());
  EXPECT_NE(no_prefix.status().message().find("stat_prefix"), std::string::npos);
  proto.stat_prefix = "s";
  proto.cluster.clear();
  auto no_cluster = TcpProxyConfig::create(proto, nullptr);
  ASSERT_FALSE(no_cluster.isOk());
  EXPECT_NE(no_cluster.status().message().find("cluster"), std::string::npos);
}

TEST(TcpProxyConfigTest, WeightedClustersArePickedByWeight) {
  config::TcpProxy proto;
  proto.stat_prefix = "s";
  proto.weighted_clusters = {{"a", 1}, {"b", 3}};
  proto.total_weight = 4;
  auto config = TcpProxyConfig::create(proto, nullptr);
  ASSERT_TRUE(config.isOk()) << config.status().toString();
  EXPECT_EQ(config.value()->pickCluster(0), "a");
  EXPECT_EQ(config.value()->pickCluster(1), "b");
  EXPECT_EQ(config.value()->pickCluster(3), "b");
  EXPECT_EQ(config.value()->pickCluster(4), "a");
}

// A port where nothing listens: bound, never listening, so connects are refused.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class TcpProxyTest : public ::testing::Test {
 protected:
  struct Context : proxy::NetworkFactoryContext {
    explicit Context(stats::Store& s) : store(s) {}
    stats::Store* statsStore() override { return &store; }
    upstream::ClusterManager* clusterManager() override { return nullptr; }
    stats::Store& store;
  };

  // Loads the config, builds the filter through its registered factory and
  // starts a listener running it.
  void start(const std::string& tcp_proxy, const std::vector<uint16_t>& ports, uint32_t buffer_limit = 1024 * 1024) {
    auto bootstrap = config::loadBootstrapString(bootstrapYaml(tcp_proxy, ports), "tcp.yaml");
    ASSERT_TRUE(bootstrap.isOk()) << bootstrap.status().toString();
    bootstrap_ = bootstrap.value();
    proxy::FilterRegistry registry;
    registerTcpProxyFilter(registry);
    const config::NetworkFilter& filter = bootstrap_->static_resources.listeners[0].filter_chains[0].network_filters[0];
    proxy::NamedNetworkFilterConfigFactory* factory = registry.findNetwork(filter.name, filter.typed_config.type_url);
    ASSERT_NE(factory, nullptr);
    EXPECT_TRUE(factory->isTerminalFilter());
    Context context(store_);
    auto cb = factory->createFilterFactory(filter, context);
    ASSERT_TRUE(cb.isOk()) << cb.status().toString();
    auto chain = std::make_shared<proxy::NetworkChainConfig>();
    chain->buffer_limit = buffer_limit;
    chain->factories.push_back(cb.value());
    auto cm = upstream::ClusterManager::create(bootstrap_->static_resources.clusters, &store_);
    ASSERT_TRUE(cm.isOk()) << cm.status().toString();
    clusters_ = std::move(cm.value());
    thread_local_ = clusters_->createThreadLocal(dispatcher_);
    listener_ = std::make_unique<TestNetworkListener>(dispatcher_, chain, thread_local_.get());
  }
  void TearDown() override {
    listener_.reset();
    dispatcher_.clearDeferredDeleteList();
    thread_local_.reset();
  }
  uint64_t counter(const std::string& name) {
    const stats::Counter* c = store_.findCounter(name);
    return c ? c->value() : 0;
  }

  stats::Store store_;
  event::Dispatcher dispatcher_{"tcp-proxy-test"};
  std::shared_ptr<const config::Bootstrap> bootstrap_;
  std::unique_ptr<upstream::ClusterManager> clusters_;
  upstream::ThreadLocalClusterManagerPtr thread_local_;
  std::unique_ptr<TestNetworkListener> listener_;
};

TEST_F(TcpProxyTest, RelaysBothWaysAndPassesTheFinOn) {
  EchoServer echo(dispatcher_);
  start("          stat_prefix: echo\n          cluster: backend\n", {echo.port()});
  TestClient client(dispatcher_, listener_->address());
  client.write("hello ");
  client.write("world");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "hello world"; })) << client.received;
  EXPECT_EQ(echo.accepted(), 1u);
  // Half-close: the client's FIN reaches the upstream, whose FIN comes back;
  // then the pair closes.
  client.write("!", true);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.eof && listener_->closed == 1; }));
  EXPECT_TRUE(echo.sawEof());
  EXPECT_EQ(client.received, "hello world!");
  EXPECT_EQ(counter("tcp.echo.downstream_cx_total"), 1u);
  EXPECT_EQ(counter("tcp.echo.downstream_cx_rx_bytes_total"), 12u);
  EXPECT_EQ(counter("tcp.echo.downstream_cx_tx_bytes_total"), 12u);
  EXPECT_EQ(counter("cluster.backend.upstream_cx_total"), 1u);
  EXPECT_EQ(store_.findGauge("tcp.echo.downstream_cx_active")->value(), 0);
}

TEST_F(TcpProxyTest, BytesSentBeforeTheUpstreamIsConnectedAreNotLost) {
  EchoServer echo(dispatcher_);
  start("          stat_prefix: early\n          cluster: backend\n", {echo.port()});
  TestClient client(dispatcher_, listener_->address());
  // Written before the client is even connected: weir reads them only once
  // its upstream is there.
  const std::string payload(100000, 'p');
  client.write(payload);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received.size() == payload.size(); }))
      << client.received.size();
  EXPECT_EQ(client.received, payload);
}

TEST_F(TcpProxyTest, RefusedHostIsRetriedOnTheNextOneUpToMaxConnectAttempts) {
  EchoServer echo(dispatcher_);
  ClosedPort closed;
  start("          stat_prefix: retry\n          cluster: backend\n          max_connect_attempts: 2\n",
        {closed.port(), echo.port()});
  // Round robin: of two connections, at least one tries the refusing host.
  TestClient first(dispatcher_, listener_->address());
  first.write("one");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return first.received == "one"; })) << first.received;
  TestClient second(dispatcher_, listener_->address());
  second.write("two");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return second.received == "two"; })) << second.received;
  // Round robin moves on with every attempt: the refusing host was tried
  // once or twice, each time followed by a retry on the echo server.
  const uint64_t failed = counter("cluster.backend.upstream_cx_connect_fail");
  EXPECT_GE(failed, 1u);
  EXPECT_LE(failed, 2u);
  EXPECT_EQ(counter("cluster.backend.upstream_cx_total"), 2u + failed);
  EXPECT_EQ(echo.accepted(), 2u);
  EXPECT_EQ(counter("tcp.retry.upstream_connect_attempts_exceeded"), 0u);
}

TEST_F(TcpProxyTest, ConnectFailureClosesTheClientAndCountsAttemptsExceeded) {
  ClosedPort a, b;
  start("          stat_prefix: fail\n          cluster: backend\n          max_connect_attempts: 2\n",
        {a.port(), b.port()});
  TestClient client(dispatcher_, listener_->address());
  // The client runs half-close: weir's close arrives as its end of stream.
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.eof || client.closed; }));
  EXPECT_TRUE(client.received.empty());
  EXPECT_EQ(counter("cluster.backend.upstream_cx_connect_fail"), 2u);
  EXPECT_EQ(counter("tcp.fail.upstream_connect_attempts_exceeded"), 1u);
}

TEST_F(TcpProxyTest, ClusterMissingOnThisWorkerClosesTheClientAtOnce) {
  // The loader rejects unknown cluster names; a config built without it
  // (an embedder, a cluster gone from the worker) is answered by a close.
  EchoServer echo(dispatcher_);
  start("          stat_prefix: ok\n          cluster: backend\n", {echo.port()});
  config::TcpProxy proto;
  proto.stat_prefix = "none";
  proto.cluster = "gone";
  auto config = TcpProxyConfig::create(proto, &store_);
  ASSERT_TRUE(config.isOk());
  auto chain = std::make_shared<proxy::NetworkChainConfig>();
  std::shared_ptr<const TcpProxyConfig> shared = config.value();
  chain->factories.push_back([shared](proxy::NetworkFilterChainCallbacks& cb) { cb.addReadFilter(createTcpProxyFilter(shared)); });
  TestNetworkListener listener(dispatcher_, chain, thread_local_.get());
  TestClient client(dispatcher_, listener.address());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.eof || client.closed; }));
  EXPECT_EQ(counter("tcp.none.downstream_cx_no_route"), 1u);
  EXPECT_EQ(echo.accepted(), 0u);
}

TEST_F(TcpProxyTest, IdleTimeoutClosesBothSides) {
  EchoServer echo(dispatcher_);
  start("          stat_prefix: idle\n          cluster: backend\n          idle_timeout: 0.1s\n", {echo.port()});
  TestClient client(dispatcher_, listener_->address());
  client.write("x");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "x"; }));
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.closed || client.eof; }));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(90));
  EXPECT_EQ(counter("tcp.idle.idle_timeout"), 1u);
}

TEST_F(TcpProxyTest, SlowClientStopsTheUpstreamBeingRead) {
  EchoServer echo(dispatcher_);
  start("          stat_prefix: slow\n          cluster: backend\n", {echo.port()}, 16 * 1024);
  TestClient client(dispatcher_, listener_->address());
  client.connection().readDisable(true);  // the client reads nothing
  const std::string chunk(64 * 1024, 'q');
  constexpr int kChunks = 256;  // 16 MB: more than loopback socket buffers hold
  for (int i = 0; i < kChunks; ++i) client.write(chunk);
  // The echo answers until weir's client-side buffer passes its watermark;
  // then weir stops reading the upstream, the echo's writes back up, and
  // so on to the client's own writes.
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return counter("tcp.slow.downstream_flow_control_paused_reading_total") > 0; }));
  proxy::NetworkFilterManager* manager = listener_->manager();
  ASSERT_NE(manager, nullptr);
  EXPECT_LT(manager->connection().writeBufferLength(), 1024u * 1024) << "weir buffers toward the slow client";
  client.connection().readDisable(false);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received.size() == kChunks * chunk.size(); }))
      << client.received.size();
  EXPECT_GT(counter("tcp.slow.downstream_flow_control_resumed_reading_total"), 0u);
}

}  // namespace
}  // namespace weir::filters::tcp_proxy

#include "filters/tcp_proxy/tcp_proxy.h"

#include <random>

#include "base/buffer.h"
#include "base/logging.h"
#include "event/dispatcher.h"
#include "net/connection.h"
#include "proxy/stream_info.h"
#include "upstream/cluster_manager.h"

namespace weir::filters::tcp_proxy {

TcpProxyStats::TcpProxyStats(stats::Store& store, const std::string& prefix)
    : downstream_cx_total(store.counter(prefix + "downstream_cx_total")),
      downstream_cx_no_route(store.counter(prefix + "downstream_cx_no_route")),
      downstream_cx_rx_bytes_total(store.counter(prefix + "downstream_cx_rx_bytes_total")),
      downstream_cx_tx_bytes_total(store.counter(prefix + "downstream_cx_tx_bytes_total")),
      downstream_flow_control_paused_reading_total(store.counter(prefix + "downstream_flow_control_paused_reading_total")),
      downstream_flow_control_resumed_reading_total(
          store.counter(prefix + "downstream_flow_control_resumed_reading_total")),
      idle_timeout(store.counter(prefix + "idle_timeout")),
      upstream_connect_attempts_exceeded(store.counter(prefix + "upstream_connect_attempts_exceeded")),
      downstream_cx_active(store.gauge(prefix + "downstream_cx_active")) {}

Result<std::shared_ptr<const TcpProxyConfig>> TcpProxyConfig::create(const config::TcpProxy& proto,
                                                                     stats::Store* store) {
  auto config = std::shared_ptr<TcpProxyConfig>(new TcpProxyConfig());
  config->proto_ = proto;
  if (proto.stat_prefix.empty()) return invalidArgument(std::string(kTcpProxyFilterName) + ": stat_prefix is required");
  if (proto.cluster.empty() && (proto.weighted_clusters.empty() || proto.total_weight == 0)) {
    return invalidArgument(std::string(kTcpProxyFilterName) + ": a cluster or weighted_clusters is required");
  }
  if (!store) {
    config->own_store_ = std::make_unique<stats::Store>();
    store = config->own_store_.get();
  }
  config->stats_ = std::make_unique<TcpProxyStats>(*store, "tcp." + proto.stat_prefix + ".");
  for (const auto& log : proto.access_log) {
    auto logger = proxy::AccessLogger::create(log);
    if (!logger) return Status(logger.status().code(), std::string(kTcpProxyFilterName) + ": " + logger.status().message());
    config->loggers_.push_back(std::move(logger).value());
  }
  return std::shared_ptr<const TcpProxyConfig>(std::move(config));
}

const std::string& TcpProxyConfig::pickCluster(uint64_t random) const {
  if (!proto_.cluster.empty()) return proto_.cluster;
  uint64_t point = random % proto_.total_weight;
  for (const auto& wc : proto_.weighted_clusters) {
    if (point < wc.weight) return wc.name;
    point -= wc.weight;
  }
  return proto_.weighted_clusters.back().name;
}

namespace {

uint64_t threadRandom() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return rng();
}

class TcpProxyFilter : public proxy::ReadFilter, public net::ConnectionCallbacks {
 public:
  explicit TcpProxyFilter(std::shared_ptr<const TcpProxyConfig> config) : config_(std::move(config)) {}
  ~TcpProxyFilter() override;

  void initializeReadFilterCallbacks(proxy::ReadFilterCallbacks& callbacks) override;
  proxy::NetworkFilterStatus onNewConnection() override;
  proxy::NetworkFilterStatus onData(Buffer& data, bool end_stream) override;

  // Downstream connection events.
  void onEvent(net::ConnectionEvent event) override;
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;

 private:
  // The upstream connection's callbacks, kept apart from the downstream ones.
  struct Upstream : public net::ReadCallback, public net::ConnectionCallbacks {
    explicit Upstream(TcpProxyFilter& f) : filter(f) {}
    void onData(Buffer& data, bool end_stream) override { filter.onUpstreamData(data, end_stream); }
    void onEvent(net::ConnectionEvent event) override { filter.onUpstreamEvent(event); }
    void onAboveWriteBufferHighWatermark() override { filter.readDisableDownstream(true); }
    void onBelowWriteBufferLowWatermark() override { filter.readDisableDownstream(false); }
    TcpProxyFilter& filter;
  };

  void connectUpstream();
  void onUpstreamData(Buffer& data, bool end_stream);
  void onUpstreamEvent(net::ConnectionEvent event);
  void onConnectFailure(bool timeout);
  // Drops the upstream connection (deferred; its callbacks are detached now).
  void releaseUpstream(net::ConnectionCloseType close_type);
  void closeDownstream(net::ConnectionCloseType type, std::string_view reason);
  void readDisableDownstream(bool disable);
  void resetIdleTimer();
  void onIdleTimeout();
  void finish();

  std::shared_ptr<const TcpProxyConfig> config_;
  proxy::ReadFilterCallbacks* callbacks_ = nullptr;
  net::Connection* downstream_ = nullptr;
  Upstream upstream_callbacks_{*this};
  net::ConnectionPtr upstream_;
  upstream::ThreadLocalCluster* cluster_ = nullptr;
  upstream::HostConstSharedPtr host_;
  bool holds_connection_resource_ = false;
  uint32_t connect_attempts_ = 0;
  bool connected_ = false;
  bool downstream_disabled_for_connect_ = false;
  bool downstream_disabled_by_upstream_ = false;
  bool upstream_disabled_by_downstream_ = false;
  bool downstream_eof_ = false;
  bool finished_ = false;
  event::TimerPtr idle_timer_;
  proxy::StreamInfo info_;
};

TcpProxyFilter::~TcpProxyFilter() {
  if (downstream_) downstream_->removeConnectionCallbacks(*this);
  releaseUpstream(net::ConnectionCloseType::kNoFlush);
  if (connect_attempts_ > 0 || info_.response_flags != 0) finish();  // worker shutdown: no close event came
}

void TcpProxyFilter::initializeReadFilterCallbacks(proxy::ReadFilterCallbacks& callbacks) {
  callbacks_ = &callbacks;
  downstream_ = &callbacks.connection();
  downstream_->addConnectionCallbacks(*this);
  downstream_->enableHalfClose(true);
}

proxy::NetworkFilterStatus TcpProxyFilter::onNewConnection() {
  config_->stats().downstream_cx_total.inc();
  config_->stats().downstream_cx_active.inc();
  info_.start_time = event::Dispatcher::systemNow();
  info_.start_monotonic = event::Dispatcher::monotonicNow();
  info_.downstream_local_address = downstream_->localAddress();
  info_.downstream_remote_address = downstream_->remoteAddress();
  // Nothing is read from the client until the upstream is there.
  downstream_disabled_for_connect_ = true;
  downstream_->readDisable(true);
  const std::string& name = config_->pickCluster(threadRandom());
  info_.upstream_cluster = name;
  upstream::ThreadLocalClusterManager* clusters = callbacks_->clusterManager();
  cluster_ = clusters ? clusters->get(name) : nullptr;
  if (!cluster_) {
    config_->stats().downstream_cx_no_route.inc();
    info_.setResponseFlag(proxy::kNoClusterFound);
    closeDownstream(net::ConnectionCloseType::kNoFlush, "tcp_proxy: no cluster");
    return proxy::NetworkFilterStatus::kStopIteration;
  }
  connectUpstream();
  return proxy::NetworkFilterStatus::kStopIteration;
}

void TcpProxyFilter::connectUpstream() {
  const upstream::ClusterInfo& info = cluster_->info();
  upstream::LoadBalancerContext context;
  context.previous_host = host_.get();
  host_ = cluster_->chooseHost(&context);
  if (!host_) {
    info.stats().upstream_cx_none_healthy.inc();
    info_.setResponseFlag(proxy::kNoHealthyUpstream);
    closeDownstream(net::ConnectionCloseType::kNoFlush, "tcp_proxy: no healthy upstream");
    return;
  }
  if (!info.resourceManager().connections.tryAcquire()) {
    info.stats().upstream_cx_overflow.inc();
    info_.setResponseFlag(proxy::kUpstreamOverflow);
    closeDownstream(net::ConnectionCloseType::kNoFlush, "tcp_proxy: upstream connection overflow");
    return;
  }
  holds_connection_resource_ = true;
  ++connect_attempts_;
  info_.upstream_host = host_->address();
  info.stats().upstream_cx_total.inc();
  info.stats().upstream_cx_active.inc();
  host_->stats().cx_total.fetch_add(1, std::memory_order_relaxed);
  host_->stats().cx_active.fetch_add(1, std::memory_order_relaxed);
  upstream_ = net::Connection::createClient(callbacks_->dispatcher(), host_->address());
  upstream_->enableHalfClose(true);
  upstream_->setBufferLimits(info.perConnectionBufferLimit());
  upstream_->setReadCallback(&upstream_callbacks_);
  upstream_->addConnectionCallbacks(upstream_callbacks_);
  upstream_->connect(info.connectTimeout());
}

proxy::NetworkFilterStatus TcpProxyFilter::onData(Buffer& data, bool end_stream) {
  if (!connected_ || !upstream_ || finished_) return proxy::NetworkFilterStatus::kStopIteration;
  if (downstream_eof_) {
    // end_stream is repeated after a filter before us resumed; the FIN is sent.
    data.clear();
    return proxy::NetworkFilterStatus::kStopIteration;
  }
  config_->stats().downstream_cx_rx_bytes_total.add(data.size());
  cluster_->info().stats().upstream_cx_tx_bytes_total.inc(data.size());
  info_.bytes_received += data.size();
  if (end_stream) downstream_eof_ = true;
  upstream_->write(data, end_stream);
  resetIdleTimer();
  return proxy::NetworkFilterStatus::kStopIteration;
}

void TcpProxyFilter::onUpstreamData(Buffer& data, bool end_stream) {
  config_->stats().downstream_cx_tx_bytes_total.add(data.size());
  cluster_->info().stats().upstream_cx_rx_bytes_total.inc(data.size());
  info_.bytes_sent += data.size();
  callbacks_->write(data, end_stream);
  resetIdleTimer();
}

void TcpProxyFilter::onUpstreamEvent(net::ConnectionEvent event) {
  if (event == net::ConnectionEvent::kConnected) {
    connected_ = true;
    info_.first_upstream_tx_byte_sent = info_.sinceStart(event::Dispatcher::monotonicNow());
    if (downstream_disabled_for_connect_) {
      downstream_disabled_for_connect_ = false;
      downstream_->readDisable(false);
    }
    resetIdleTimer();
    return;
  }
  if (!connected_) {
    onConnectFailure(upstream_ && upstream_->closeReason() == "connect_timeout");
    return;
  }
  const upstream::ClusterStats& cs = cluster_->info().stats();
  cs.upstream_cx_destroy.inc();
  if (event == net::ConnectionEvent::kRemoteClose) cs.upstream_cx_destroy_remote.inc();
  else cs.upstream_cx_destroy_local.inc();
  if (event == net::ConnectionEvent::kRemoteClose && !finished_ && upstream_ &&
      upstream_->closeReason() != "remote_close") {
    info_.setResponseFlag(proxy::kUpstreamConnectionTermination);
  }
  releaseUpstream(net::ConnectionCloseType::kNoFlush);
  // What the upstream sent is still being written to the client: flush it.
  closeDownstream(net::ConnectionCloseType::kFlushWrite, "tcp_proxy: upstream closed");
}

void TcpProxyFilter::onConnectFailure(bool timeout) {
  const upstream::ClusterStats& cs = cluster_->info().stats();
  cs.upstream_cx_connect_fail.inc();
  if (timeout) cs.upstream_cx_connect_timeout.inc();
  if (host_) host_->stats().cx_connect_fail.fetch_add(1, std::memory_order_relaxed);
  if (upstream_) info_.upstream_transport_failure_reason = upstream_->closeReason();
  releaseUpstream(net::ConnectionCloseType::kNoFlush);
  if (finished_) return;
  if (connect_attempts_ < config_->proto().max_connect_attempts) {
    connectUpstream();
    return;
  }
  if (config_->proto().max_connect_attempts > 1) config_->stats().upstream_connect_attempts_exceeded.inc();
  info_.setResponseFlag(proxy::kUpstreamConnectionFailure);
  closeDownstream(net::ConnectionCloseType::kNoFlush, "tcp_proxy: upstream connect failed");
}

void TcpProxyFilter::releaseUpstream(net::ConnectionCloseType close_type) {
  if (!upstream_) return;
  upstream_->setReadCallback(nullptr);
  upstream_->removeConnectionCallbacks(upstream_callbacks_);
  if (upstream_->state() != net::ConnectionState::kClosed) upstream_->close(close_type);
  if (cluster_) cluster_->info().stats().upstream_cx_active.dec();
  if (host_) host_->stats().cx_active.fetch_sub(1, std::memory_order_relaxed);
  if (holds_connection_resource_ && cluster_) cluster_->info().resourceManager().connections.release();
  holds_connection_resource_ = false;
  // A flushed close keeps going on its own; the object goes once the loop
  // is past the callbacks that may be on the stack.
  upstream_->dispatcher().deferredDelete(std::move(upstream_));
}

void TcpProxyFilter::closeDownstream(net::ConnectionCloseType type, std::string_view reason) {
  if (downstream_->state() == net::ConnectionState::kClosed) return;
  downstream_->close(type, reason);
}

void TcpProxyFilter::onEvent(net::ConnectionEvent event) {
  if (event == net::ConnectionEvent::kConnected) return;
  // The client is gone (or we closed it): let the upstream have what it was
  // sent when the client ended normally; otherwise drop it.
  if (upstream_ && connected_) {
    releaseUpstream(event == net::ConnectionEvent::kRemoteClose ? net::ConnectionCloseType::kFlushWrite
                                                                : net::ConnectionCloseType::kNoFlush);
  } else {
    releaseUpstream(net::ConnectionCloseType::kNoFlush);
  }
  finish();
}

void TcpProxyFilter::onAboveWriteBufferHighWatermark() {
  // The client reads slower than the upstream sends.
  if (upstream_ && !upstream_disabled_by_downstream_) {
    upstream_disabled_by_downstream_ = true;
    upstream_->readDisable(true);
  }
}

void TcpProxyFilter::onBelowWriteBufferLowWatermark() {
  if (upstream_ && upstream_disabled_by_downstream_) {
    upstream_disabled_by_downstream_ = false;
    upstream_->readDisable(false);
  }
}

void TcpProxyFilter::readDisableDownstream(bool disable) {
  if (disable == downstream_disabled_by_upstream_ || finished_) return;
  downstream_disabled_by_upstream_ = disable;
  downstream_->readDisable(disable);
  if (disable) config_->stats().downstream_flow_control_paused_reading_total.inc();
  else config_->stats().downstream_flow_control_resumed_reading_total.inc();
}

void TcpProxyFilter::resetIdleTimer() {
  const auto timeout = config_->proto().idle_timeout;
  if (timeout.count() == 0 || finished_) return;
  if (!idle_timer_) idle_timer_ = callbacks_->dispatcher().createTimer([this] { onIdleTimeout(); });
  idle_timer_->enable(timeout);
}

void TcpProxyFilter::onIdleTimeout() {
  config_->stats().idle_timeout.inc();
  info_.setResponseFlag(proxy::kStreamIdleTimeout);
  releaseUpstream(net::ConnectionCloseType::kNoFlush);
  closeDownstream(net::ConnectionCloseType::kNoFlush, "tcp_proxy: idle timeout");
}

void TcpProxyFilter::finish() {
  if (finished_) return;
  finished_ = true;
  idle_timer_.reset();
  config_->stats().downstream_cx_active.dec();
  info_.request_complete = info_.sinceStart(event::Dispatcher::monotonicNow());
  for (const auto& logger : config_->accessLoggers()) logger->log(info_);
}

class TcpProxyFactory : public proxy::NamedNetworkFilterConfigFactory {
 public:
  std::string name() const override { return std::string(kTcpProxyFilterName); }
  std::string configTypeUrl() const override { return std::string(kTcpProxyTypeUrl); }
  bool isTerminalFilter() const override { return true; }
  Result<proxy::NetworkFilterFactoryCb> createFilterFactory(const config::NetworkFilter& filter,
                                                            proxy::NetworkFactoryContext& context) override {
    if (!filter.tcp_proxy) return invalidArgument(std::string(kTcpProxyFilterName) + ": no TcpProxy config");
    auto config = TcpProxyConfig::create(*filter.tcp_proxy, context.statsStore());
    if (!config) return config.status();
    std::shared_ptr<const TcpProxyConfig> shared = std::move(config).value();
    return proxy::NetworkFilterFactoryCb([shared](proxy::NetworkFilterChainCallbacks& callbacks) {
      callbacks.addReadFilter(std::make_shared<TcpProxyFilter>(shared));
    });
  }
};

}  // namespace

std::shared_ptr<proxy::ReadFilter> createTcpProxyFilter(std::shared_ptr<const TcpProxyConfig> config) {
  return std::make_shared<TcpProxyFilter>(std::move(config));
}

void registerTcpProxyFilter(proxy::FilterRegistry& registry) {
  Status s = registry.registerNetworkFactory(std::make_unique<TcpProxyFactory>());
  if (!s.isOk()) WEIR_WARN("registering {}: {}", kTcpProxyFilterName, s.message());
}

}  // namespace weir::filters::tcp_proxy

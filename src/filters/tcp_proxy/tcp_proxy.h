// envoy.filters.network.tcp_proxy — the terminal network filter that relays
// the bytes of each downstream connection to one upstream connection.
//
// Per connection: the client is read-disabled while the filter picks a cluster
// (cluster / weighted_clusters), a host with the cluster's load balancer, and
// connects (cluster connect_timeout; up to max_connect_attempts hosts). Then
// bytes flow both ways. Backpressure: each connection's write buffer has a
// high watermark (listener / cluster per_connection_buffer_limit_bytes); above
// it, the other side stops being read until the buffer drains to half, so a
// fast side never grows weir's memory. Half-close: a FIN from one side is
// passed to the other (both connections run with half-close enabled) and the
// pair closes once both directions ended. idle_timeout (default 1 h) closes
// both sides when no byte moved either way for that long.
//
// Stats: tcp.<stat_prefix>.{downstream_cx_total, downstream_cx_no_route,
// downstream_cx_rx_bytes_total, downstream_cx_tx_bytes_total,
// downstream_flow_control_paused_reading_total,
// downstream_flow_control_resumed_reading_total, idle_timeout,
// upstream_connect_attempts_exceeded}, and cluster.<name>.upstream_cx_* (total,
// active, connect_fail, connect_timeout, rx/tx bytes, destroy_*, overflow,
// none_healthy) as Envoy names them.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/stats.h"
#include "base/status.h"
#include "config/bootstrap.h"
#include "proxy/access_log.h"
#include "proxy/filter_factory.h"
#include "proxy/network_filter.h"

namespace weir::filters::tcp_proxy {

inline constexpr std::string_view kTcpProxyFilterName = "envoy.filters.network.tcp_proxy";
inline constexpr std::string_view kTcpProxyTypeUrl =
    "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";

struct TcpProxyStats {
  TcpProxyStats(stats::Store& store, const std::string& prefix);
  stats::Counter& downstream_cx_total;
  stats::Counter& downstream_cx_no_route;
  stats::Counter& downstream_cx_rx_bytes_total;
  stats::Counter& downstream_cx_tx_bytes_total;
  stats::Counter& downstream_flow_control_paused_reading_total;
  stats::Counter& downstream_flow_control_resumed_reading_total;
  stats::Counter& idle_timeout;
  stats::Counter& upstream_connect_attempts_exceeded;
  stats::Gauge& downstream_cx_active;
};

// Immutable, built once per config load, shared by every worker.
class TcpProxyConfig {
 public:
  // `store` null → stats go to a private store (tests).
  static Result<std::shared_ptr<const TcpProxyConfig>> create(const config::TcpProxy& proto, stats::Store* store);

  const config::TcpProxy& proto() const { return proto_; }
  const TcpProxyStats& stats() const { return *stats_; }
  // The cluster for a new connection: `cluster`, or one of weighted_clusters
  // by weight (`random` is any uniformly distributed value).
  const std::string& pickCluster(uint64_t random) const;
  const std::vector<std::unique_ptr<proxy::AccessLogger>>& accessLoggers() const { return loggers_; }

 private:
  config::TcpProxy proto_;
  std::unique_ptr<stats::Store> own_store_;
  std::unique_ptr<TcpProxyStats> stats_;
  std::vector<std::unique_ptr<proxy::AccessLogger>> loggers_;
};

// The per-connection filter; exposed for unit tests.
std::shared_ptr<proxy::ReadFilter> createTcpProxyFilter(std::shared_ptr<const TcpProxyConfig> config);

// Registers envoy.filters.network.tcp_proxy.
void registerTcpProxyFilter(proxy::FilterRegistry& registry);

}  // namespace weir::filters::tcp_proxy

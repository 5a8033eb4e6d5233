// The immutable, per-listener configuration of the HTTP connection manager,
// built once per config load on the main thread and shared (const) by every
// worker: the compiled route table, the filter chain factories, per-route
// filter configs, access loggers, stats handles, limits and timeouts.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/stats.h"
#include "base/status.h"
#include "config/bootstrap.h"
#include "http/http1/parser.h"
#include "proxy/access_log.h"
#include "proxy/filter_factory.h"
#include "proxy/filter_manager.h"
#include "proxy/route_table.h"

namespace weir::upstream {
class ClusterManager;
}

namespace weir::proxy {

// http.<stat_prefix>.* — handles into the store, resolved at build time so
// the request path only does relaxed atomic adds.
struct HcmStats {
  explicit HcmStats(stats::Store& store, const std::string& prefix);
  stats::Counter& downstream_cx_total;
  stats::Gauge& downstream_cx_active;
  stats::Counter& downstream_cx_http1_total;
  stats::Counter& downstream_cx_destroy;
  stats::Counter& downstream_cx_destroy_remote;
  stats::Counter& downstream_cx_destroy_local;
  stats::Counter& downstream_cx_protocol_error;
  stats::Counter& downstream_cx_idle_timeout;
  stats::Counter& downstream_cx_drain_close;
  stats::Counter& downstream_cx_rx_bytes_total;
  stats::Counter& downstream_cx_tx_bytes_total;
  stats::Counter& downstream_rq_total;
  stats::Counter& downstream_rq_http1_total;
  stats::Gauge& downstream_rq_active;
  stats::Counter& downstream_rq_completed;
  stats::Counter& downstream_rq_1xx;
  stats::Counter& downstream_rq_2xx;
  stats::Counter& downstream_rq_3xx;
  stats::Counter& downstream_rq_4xx;
  stats::Counter& downstream_rq_5xx;
  stats::Counter& downstream_rq_rx_reset;
  stats::Counter& downstream_rq_tx_reset;
  stats::Counter& downstream_rq_timeout;
  stats::Counter& downstream_rq_idle_timeout;
  stats::Counter& downstream_rq_header_timeout;
  stats::Counter& downstream_rq_max_duration_reached;
  stats::Counter& downstream_rq_too_large;
  stats::Counter& rs_too_large;
  stats::Histogram& downstream_rq_time;
  stats::Histogram& downstream_cx_length_ms;
  void recordResponseCode(uint32_t code) const;
};

// listener.<address>.* (Envoy names the listener stats by address:
// "listener.0.0.0.0_10000.downstream_cx_total").
struct ListenerStats {
  ListenerStats(stats::Store& store, const std::string& address_tag);
  stats::Counter& downstream_cx_total;
  stats::Gauge& downstream_cx_active;
  stats::Counter& downstream_cx_destroy;
};

class HcmConfig {
 public:
  // What building a config needs from the server.
  struct Context {
    const FilterRegistry& registry;
    stats::Store& store;
    upstream::ClusterManager* cluster_manager = nullptr;
  };

  // A proxy listener's connection manager.
  static Result<std::shared_ptr<const HcmConfig>> create(const config::HttpConnectionManager& hcm,
                                                         uint32_t buffer_limit, Context context);
  // A connection manager whose chain is given directly and that has no route
  // table (the admin server, tests).
  static std::shared_ptr<const HcmConfig> createWithChain(std::string stat_prefix,
                                                          std::vector<FilterChainEntry> chain,
                                                          uint32_t buffer_limit,
                                                          stats::Store& store);

  const config::HttpConnectionManager& proto() const { return proto_; }
  const std::shared_ptr<const RouteTable>& routeTable() const { return route_table_; }
  const std::vector<FilterChainEntry>& filterChain() const { return chain_; }
  const RouteSpecificFilterConfig* perFilterConfig(const MatchedRoute& route,
                                                   std::string_view filter_name) const;
  const std::vector<std::unique_ptr<AccessLogger>>& accessLoggers() const { return access_loggers_; }
  const HcmStats& stats() const { return *stats_; }
  const http::http1::Limits& limits() const { return limits_; }
  uint32_t bufferLimit() const { return buffer_limit_; }
  const std::string& serverName() const { return proto_.server_name; }

 private:
  HcmConfig() = default;

  config::HttpConnectionManager proto_;
  std::shared_ptr<const RouteTable> route_table_;
  std::vector<FilterChainEntry> chain_;
  std::unordered_map<const config::TypedConfig*, std::shared_ptr<const RouteSpecificFilterConfig>>
      per_route_;
  std::vector<std::unique_ptr<AccessLogger>> access_loggers_;
  std::unique_ptr<HcmStats> stats_;
  http::http1::Limits limits_;
  uint32_t buffer_limit_ = 1024 * 1024;
};

}  // namespace weir::proxy

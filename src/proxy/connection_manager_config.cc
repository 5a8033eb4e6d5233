#include "proxy/connection_manager_config.h"

namespace weir::proxy {

namespace {

class SimpleFactoryContext : public FactoryContext {
 public:
  SimpleFactoryContext(stats::Store& store, std::string prefix, upstream::ClusterManager* cm)
      : store_(store), prefix_(std::move(prefix)), cm_(cm) {}
  stats::Store* statsStore() override { return &store_; }
  const std::string& statPrefix() const override { return prefix_; }
  upstream::ClusterManager* clusterManager() override { return cm_; }

 private:
  stats::Store& store_;
  std::string prefix_;
  upstream::ClusterManager* cm_;
};

}  // namespace

HcmStats::HcmStats(stats::Store& s, const std::string& p)
    : downstream_cx_total(s.counter(p + "downstream_cx_total")),
      downstream_cx_active(s.gauge(p + "downstream_cx_active")),
      downstream_cx_http1_total(s.counter(p + "downstream_cx_http1_total")),
      downstream_cx_destroy(s.counter(p + "downstream_cx_destroy")),
      downstream_cx_destroy_remote(s.counter(p + "downstream_cx_destroy_remote")),
      downstream_cx_destroy_local(s.counter(p + "downstream_cx_destroy_local")),
      downstream_cx_protocol_error(s.counter(p + "downstream_cx_protocol_error")),
      downstream_cx_idle_timeout(s.counter(p + "downstream_cx_idle_timeout")),
      downstream_cx_drain_close(s.counter(p + "downstream_cx_drain_close")),
      downstream_cx_rx_bytes_total(s.counter(p + "downstream_cx_rx_bytes_total")),
      downstream_cx_tx_bytes_total(s.counter(p + "downstream_cx_tx_bytes_total")),
      downstream_rq_total(s.counter(p + "downstream_rq_total")),
      downstream_rq_http1_total(s.counter(p + "downstream_rq_http1_total")),
      downstream_rq_active(s.gauge(p + "downstream_rq_active")),
      downstream_rq_completed(s.counter(p + "downstream_rq_completed")),
      downstream_rq_1xx(s.counter(p + "downstream_rq_1xx")),
      downstream_rq_2xx(s.counter(p + "downstream_rq_2xx")),
      downstream_rq_3xx(s.counter(p + "downstream_rq_3xx")),
      downstream_rq_4xx(s.counter(p + "downstream_rq_4xx")),
      downstream_rq_5xx(s.counter(p + "downstream_rq_5xx")),
      downstream_rq_rx_reset(s.counter(p + "downstream_rq_rx_reset")),
      downstream_rq_tx_reset(s.counter(p + "downstream_rq_tx_reset")),
      downstream_rq_timeout(s.counter(p + "downstream_rq_timeout")),
      downstream_rq_idle_timeout(s.counter(p + "downstream_rq_idle_timeout")),
      downstream_rq_header_timeout(s.counter(p + "downstream_rq_header_timeout")),
      downstream_rq_max_duration_reached(s.counter(p + "downstream_rq_max_duration_reached")),
      downstream_rq_too_large(s.counter(p + "downstream_rq_too_large")),
      rs_too_large(s.counter(p + "rs_too_large")),
      downstream_rq_time(s.histogram(p + "downstream_rq_time", stats::HistogramUnit::kMilliseconds)),
      downstream_cx_length_ms(
          s.histogram(p + "downstream_cx_length_ms", stats::HistogramUnit::kMilliseconds)) {}

void HcmStats::recordResponseCode(uint32_t code) const {
  switch (code / 100) {
    case 1: downstream_rq_1xx.inc(); break;
    case 2: downstream_rq_2xx.inc(); break;
    case 3: downstream_rq_3xx.inc(); break;
    case 4: downstream_rq_4xx.inc(); break;
    case 5: downstream_rq_5xx.inc(); break;
    default: break;
  }
}

ListenerStats::ListenerStats(stats::Store& s, const std::string& tag)
    : downstream_cx_total(s.counter("listener." + tag + ".downstream_cx_total")),
      downstream_cx_active(s.gauge("listener." + tag + ".downstream_cx_active")),
      downstream_cx_destroy(s.counter("listener." + tag + ".downstream_cx_destroy")) {}

Result<std::shared_ptr<const HcmConfig>> HcmConfig::create(const config::HttpConnectionManager& hcm,
                                                           uint32_t buffer_limit, Context context) {
  auto cfg = std::shared_ptr<HcmConfig>(new HcmConfig());
  cfg->proto_ = hcm;
  cfg->buffer_limit_ = buffer_limit;
  const std::string prefix = "http." + hcm.stat_prefix + ".";
  cfg->stats_ = std::make_unique<HcmStats>(context.store, prefix);
  cfg->limits_.max_header_bytes = hcm.max_request_headers_kb * 1024;
  cfg->limits_.max_header_count = hcm.common_http_protocol_options.max_headers_count;

  auto table = RouteTable::create(hcm.route_config);
  if (!table) return table.status();
  cfg->route_table_ = std::move(table).value();

  SimpleFactoryContext factory_context(context.store, prefix, context.cluster_manager);
  for (size_t i = 0; i < hcm.http_filters.size(); ++i) {
    const auto& f = hcm.http_filters[i];
    if (f.disabled) continue;
    const std::string type_url = f.typed_config ? f.typed_config->type_url : "";
    NamedHttpFilterConfigFactory* factory = context.registry.find(f.name, type_url);
    if (factory == nullptr) {
      if (f.is_optional) continue;
      return invalidArgument("http_filters[" + std::to_string(i) + "]: unknown filter '" + f.name +
                             "'" + (type_url.empty() ? "" : " (@type " + type_url + ")"));
    }
    if (factory->isTerminalFilter() && i + 1 != hcm.http_filters.size()) {
      return invalidArgument("http_filters[" + std::to_string(i) + "]: terminal filter '" + f.name +
                             "' must be the last filter");
    }
    static const nlohmann::json kEmpty = nlohmann::json::object();
    auto cb = factory->createFilterFactory(f.typed_config ? f.typed_config->value : kEmpty,
                                           factory_context);
    if (!cb) {
      return invalidArgument("http_filters[" + std::to_string(i) + "] '" + f.name +
                             "': " + cb.status().message());
    }
    cfg->chain_.push_back(FilterChainEntry{f.name, std::move(cb).value(), factory->isTerminalFilter()});

    // typed_per_filter_config for this filter, on every vhost and route.
    auto build_per_route = [&](const std::map<std::string, config::TypedConfig>& m) -> Status {
      auto it = m.find(f.name);
      if (it == m.end()) return Status::ok();
      auto rc = factory->createRouteSpecificFilterConfig(it->second.value, factory_context);
      if (!rc) {
        return invalidArgument(it->second.source + ": typed_per_filter_config['" + f.name +
                               "']: " + rc.status().message());
      }
      cfg->per_route_[&it->second] = std::move(rc).value();
      return Status::ok();
    };
    for (const auto& vh : cfg->route_table_->config().virtual_hosts) {
      WEIR_RETURN_IF_ERROR(build_per_route(vh.typed_per_filter_config));
      for (const auto& r : vh.routes) WEIR_RETURN_IF_ERROR(build_per_route(r.typed_per_filter_config));
    }
  }

  for (size_t i = 0; i < hcm.access_log.size(); ++i) {
    auto logger = AccessLogger::create(hcm.access_log[i]);
    if (!logger) {
      return invalidArgument("access_log[" + std::to_string(i) + "]: " + logger.status().message());
    }
    cfg->access_loggers_.push_back(std::move(logger).value());
  }
  return std::shared_ptr<const HcmConfig>(std::move(cfg));
}

std::shared_ptr<const HcmConfig> HcmConfig::createWithChain(std::string stat_prefix,
                                                            std::vector<FilterChainEntry> chain,
                                                            uint32_t buffer_limit,
                                                            stats::Store& store) {
  auto cfg = std::shared_ptr<HcmConfig>(new HcmConfig());
  cfg->proto_.stat_prefix = stat_prefix;
  cfg->proto_.server_name = "envoy";
  cfg->proto_.stream_idle_timeout = std::chrono::milliseconds(0);
  cfg->proto_.generate_request_id = false;
  cfg->buffer_limit_ = buffer_limit;
  cfg->stats_ = std::make_unique<HcmStats>(store, "http." + stat_prefix + ".");
  cfg->chain_ = std::move(chain);
  return cfg;
}

const RouteSpecificFilterConfig* HcmConfig::perFilterConfig(const MatchedRoute& route,
                                                            std::string_view filter_name) const {
  if (per_route_.empty()) return nullptr;
  const config::TypedConfig* tc = RouteTable::perFilterConfig(route, filter_name);
  if (tc == nullptr) return nullptr;
  auto it = per_route_.find(tc);
  return it == per_route_.end() ? nullptr : it->second.get();
}

}  // namespace weir::proxy

#include "admin/admin.h"

#include <nlohmann/json.hpp>

#include "base/buffer.h"
#include "base/logging.h"
#include "http/header_map.h"
#include "http/header_utility.h"
#include "upstream/cluster_manager.h"

namespace weir::admin {

namespace {

constexpr std::string_view kVersion = "0.1.0";

template <typename F>
void forEachParam(std::string_view query, F&& f) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    f(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

AdminResponse json(int status, const nlohmann::json& j) {
  AdminResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = j.dump(2);
  r.body += '\n';
  return r;
}

AdminResponse text(int status, std::string body) {
  AdminResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string_view stateName(proxy::Server::State s) {
  switch (s) {
    case proxy::Server::State::kInitializing: return "INITIALIZING";
    case proxy::Server::State::kLive: return "LIVE";
    case proxy::Server::State::kDraining: return "DRAINING";
  }
  return "LIVE";
}

// The admin connection manager's only filter: answers every request from
// Admin::handle once the request is complete.
class AdminFilter : public proxy::PassThroughDecoderFilter {
 public:
  explicit AdminFilter(Admin& admin) : admin_(admin) {}

  proxy::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override {
    method_ = std::string(headers.method());
    path_ = std::string(headers.path());
    if (end_stream) respond();
    return proxy::FilterHeadersStatus::kStopIteration;
  }
  proxy::FilterDataStatus decodeData(Buffer& data, bool end_stream) override {
    if (!too_large_) {
      if (body_.size() + data.size() > Admin::kMaxBodyBytes) {
        too_large_ = true;
        body_.clear();
      } else {
        body_ += data.toString();
      }
    }
    data.drain(data.size());
    if (end_stream) respond();
    return proxy::FilterDataStatus::kStopIterationNoBuffer;
  }
  proxy::FilterTrailersStatus decodeTrailers(http::HeaderMap&) override {
    respond();
    return proxy::FilterTrailersStatus::kStopIteration;
  }

 private:
  void respond() {
    AdminResponse r;
    if (too_large_) {
      r.status = 413;
      r.body = "request body larger than " + std::to_string(Admin::kMaxBodyBytes) + " bytes\n";
    } else {
      r = admin_.handle(method_, path_, body_);
    }
    auto headers = std::make_unique<http::HeaderMap>();
    headers->setStatus(r.status);
    headers->set(http::KnownHeader::kContentType, r.content_type);
    headers->setContentLength(r.body.size());
    headers->set(http::KnownHeader::kCacheControl, "no-cache, max-age=0");
    headers->set("x-content-type-options", "nosniff");
    const bool head = method_ == "HEAD";
    decoder_callbacks_->encodeHeaders(std::move(headers), r.body.empty() || head, "admin_filter_response");
    if (!r.body.empty() && !head) {
      Buffer body{r.body};
      decoder_callbacks_->encodeData(body, true);
    }
  }

  Admin& admin_;
  std::string method_;
  std::string path_;
  std::string body_;
  bool too_large_ = false;
};

}  // namespace

std::string queryParam(std::string_view query, std::string_view name) {
  std::string out;
  forEachParam(query, [&](std::string_view k, std::string_view v) {
    if (k == name && out.empty()) out = http::percentDecode(v);
  });
  return out;
}

bool hasQueryParam(std::string_view query, std::string_view name) {
  bool found = false;
  forEachParam(query, [&](std::string_view k, std::string_view) { found |= k == name; });
  return found;
}

Admin::Admin(proxy::Server& server, stats::Store& store) : server_(server), store_(store) {
  endpoints_ = {
      {"/", "print out list of admin commands", false},
      {"/help", "print out list of admin commands", false},
      {"/ready", "print server state, return 200 if LIVE, otherwise return 503", false},
      {"/server_info", "print server version/status information", false},
      {"/stats", "print server stats (?format=json, ?filter=REGEX)", false},
      {"/stats/prometheus", "print server stats in prometheus format", false},
      {"/config_dump", "dump current Envoy configs", false},
      {"/clusters", "upstream cluster status (?format=json)", false},
      {"/listeners", "print listener info (?format=json)", false},
      {"/logging", "query/change logging levels (POST ?level=LEVEL)", true},
      {"/healthcheck/fail", "cause the server to fail health checks", true},
      {"/healthcheck/ok", "cause the server to pass health checks", true},
      {"/drain_listeners", "drain listeners (stop accepting new connections)", true},
      {"/quitquitquit", "exit the server", true},
      {"/plugins", "loaded Wasm plugins (JSON); POST /plugins/NAME loads or replaces one, DELETE removes", false},
  };
  plugins_ = std::make_unique<PluginsEndpoint>(server_);
}

std::vector<proxy::FilterChainEntry> Admin::filterChain() {
  proxy::FilterChainEntry entry;
  entry.name = "weir.admin";
  entry.terminal = true;
  entry.factory = [this](proxy::FilterChainFactoryCallbacks& cb) {
    cb.addStreamDecoderFilter(std::make_shared<AdminFilter>(*this));
  };
  return {entry};
}

AdminResponse Admin::handle(std::string_view method, std::string_view full_path, const std::string& body) {
  std::string_view path = full_path;
  std::string_view query;
  if (auto q = path.find('?'); q != std::string_view::npos) {
    query = path.substr(q + 1);
    path = path.substr(0, q);
  }
  if (path == "/plugins" || path.starts_with("/plugins/")) {
    return plugins_->handle(method, path.substr(std::string_view("/plugins").size()), query, body);
  }
  const Endpoint* endpoint = nullptr;
  for (const auto& e : endpoints_) {
    if (e.prefix == path) endpoint = &e;
  }
  if (endpoint == nullptr) {
    AdminResponse r = help();
    r.status = 404;
    r.body = "invalid path: " + std::string(path) + "\n" + r.body;
    return r;
  }
  if (endpoint->mutates && method != "POST" && !(path == "/logging" && query.empty())) {
    return text(405, "This endpoint requires POST: " + std::string(path) + "\n");
  }
  if (path == "/" || path == "/help") return help();
  if (path == "/ready") return ready();
  if (path == "/server_info") return serverInfo();
  if (path == "/stats") return stats(query);
  if (path == "/stats/prometheus") return prometheus(query);
  if (path == "/config_dump") return configDump();
  if (path == "/clusters") return clusters(query);
  if (path == "/listeners") return listeners(query);
  if (path == "/logging") return logging(method, query);
  if (path == "/healthcheck/fail") {
    server_.setHealthCheckFailed(true);
    return text(200, "OK\n");
  }
  if (path == "/healthcheck/ok") {
    server_.setHealthCheckFailed(false);
    return text(200, "OK\n");
  }
  if (path == "/drain_listeners") {
    server_.drainListeners();
    return text(200, "OK\n");
  }
  if (path == "/quitquitquit") {
    server_.requestQuit();
    return text(200, "OK\n");
  }
  return help();
}

AdminResponse Admin::help() const {
  std::string body = "admin commands are:\n";
  for (const auto& e : endpoints_) {
    if (e.prefix == "/" ) continue;
    body += "  " + e.prefix + ": " + e.help + "\n";
  }
  return text(200, std::move(body));
}

AdminResponse Admin::ready() const {
  const bool live = server_.state() == proxy::Server::State::kLive && !server_.healthCheckFailed();
  if (live) return text(200, "LIVE\n");
  return text(503, server_.state() == proxy::Server::State::kInitializing ? "INITIALIZING\n" : "DRAINING\n");
}

AdminResponse Admin::serverInfo() const {
  const auto uptime = server_.uptime().count();
  std::string state(stateName(server_.state()));
  if (server_.healthCheckFailed() && state == "LIVE") state = "DRAINING";
  nlohmann::json j;
  j["version"] = std::string("weir/") + std::string(kVersion);
  j["state"] = state;
  j["hot_restart_version"] = "disabled";
  j["uptime_current_epoch"] = std::to_string(uptime) + "s";
  j["uptime_all_epochs"] = std::to_string(uptime) + "s";
  const auto& opts = server_.options();
  j["command_line_options"] = {
      {"concurrency", opts.concurrency},
      {"config_path", opts.config_path},
      {"log_level", std::string(log::levelName(log::level()))},
      {"drain_time", std::to_string(opts.drain_time.count() / 1000) + "s"},
      {"watch_config", opts.watch_config},
  };
  if (auto snap = server_.snapshot(); snap && snap->bootstrap) {
    j["node"] = {{"id", snap->bootstrap->node.id},
                 {"cluster", snap->bootstrap->node.cluster},
                 {"metadata", snap->bootstrap->node.metadata}};
  }
  return json(200, j);
}

AdminResponse Admin::stats(std::string_view query) const {
  stats::StatsFilter filter;
  const std::string regex = queryParam(query, "filter");
  if (!regex.empty()) {
    auto f = stats::makeRegexStatsFilter(regex);
    if (!f) return text(400, "invalid filter regex: " + f.status().message() + "\n");
    filter = std::move(f).value();
  }
  const std::string format = queryParam(query, "format");
  if (format == "json") {
    AdminResponse r;
    r.content_type = "application/json";
    r.body = stats::renderStatsJson(store_, filter);
    return r;
  }
  if (format == "prometheus") return prometheus(query);
  return text(200, stats::renderStatsText(store_, filter));
}

AdminResponse Admin::prometheus(std::string_view query) const {
  stats::StatsFilter filter;
  const std::string regex = queryParam(query, "filter");
  if (!regex.empty()) {
    auto f = stats::makeRegexStatsFilter(regex);
    if (!f) return text(400, "invalid filter regex: " + f.status().message() + "\n");
    filter = std::move(f).value();
  }
  AdminResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = stats::renderStatsPrometheus(store_, filter);
  return r;
}

AdminResponse Admin::configDump() const {
  auto snap = server_.snapshot();
  nlohmann::json dump;
  dump["configs"] = nlohmann::json::array();
  if (snap && snap->bootstrap) {
    dump["configs"].push_back({{"@type", "type.googleapis.com/envoy.admin.v3.BootstrapConfigDump"},
                               {"bootstrap", snap->bootstrap->raw}});
  }
  return json(200, dump);
}

AdminResponse Admin::clusters(std::string_view query) const {
  auto snap = server_.snapshot();
  if (!snap || !snap->cluster_manager) return text(200, "");
  if (queryParam(query, "format") == "json") {
    AdminResponse r;
    r.content_type = "application/json";
    r.body = snap->cluster_manager->renderClustersJson();
    return r;
  }
  return text(200, snap->cluster_manager->renderClustersText());
}

AdminResponse Admin::listeners(std::string_view query) const {
  const auto addresses = server_.listenerAddresses();
  if (queryParam(query, "format") == "json") {
    nlohmann::json j;
    j["listener_statuses"] = nlohmann::json::array();
    for (const auto& [name, addr] : addresses) {
      std::string ip = addr;
      uint32_t port = 0;
      if (auto colon = addr.rfind(':'); colon != std::string::npos) {
        ip = addr.substr(0, colon);
        port = static_cast<uint32_t>(std::stoul(addr.substr(colon + 1)));
        if (ip.size() > 1 && ip.front() == '[') ip = ip.substr(1, ip.size() - 2);
      }
      j["listener_statuses"].push_back(
          {{"name", name},
           {"local_address", {{"socket_address", {{"address", ip}, {"port_value", port}}}}}});
    }
    return json(200, j);
  }
  std::string body;
  for (const auto& [name, addr] : addresses) body += name + "::" + addr + "\n";
  return text(200, std::move(body));
}

AdminResponse Admin::logging(std::string_view method, std::string_view query) {
  const std::string level = queryParam(query, "level");
  if (!level.empty()) {
    auto parsed = log::parseLevel(level);
    if (!parsed) return text(400, "unknown log level: " + level + "\n");
    log::setLevel(*parsed);
  } else if (!query.empty()) {
    return text(400, "usage: POST /logging?level=<trace|debug|info|warning|error|critical|off>\n");
  }
  return text(200, "active loggers:\n  weir: " + std::string(log::levelName(log::level())) + "\n");
}

}  // namespace weir::admin

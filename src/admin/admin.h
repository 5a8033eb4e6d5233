// The admin API, Envoy's paths and formats, served by the same HTTP stack as
// the proxy (a connection manager on the main thread whose only filter is
// AdminFilter). Handlers run on the main thread and read the server's state
// through proxy::Server and the stats store.
//
//   GET  /                      help index (also /help)
//   GET  /ready                 200 "LIVE" / 503 "DRAINING" (or health check failed)
//   GET  /server_info           JSON: version, state, uptime, command line options, node
//   GET  /stats                 "name: value" lines; ?format=json, ?filter=REGEX
//   GET  /stats/prometheus      Prometheus text exposition
//   GET  /config_dump           JSON of the loaded bootstrap (BootstrapConfigDump)
//   GET  /clusters              hosts and their stats; ?format=json
//   GET  /listeners             listener names and addresses; ?format=json
//   POST /logging?level=L       sets the log level (GET /logging lists it)
//   POST /healthcheck/fail|ok   fail / restore the health check (/ready)
//   POST /drain_listeners       stop accepting; keep serving connected clients
//   POST /quitquitquit          exit
//   GET  /plugins               loaded Wasm plugins (admin/plugins.h); POST or
//                               DELETE /plugins/NAME loads, replaces, removes
// Mutating endpoints require POST (as Envoy): GET answers 405.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "admin/plugins.h"
#include "proxy/filter_manager.h"
#include "proxy/server.h"

namespace weir::admin {

struct AdminResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=UTF-8";
  std::string body;
};

class Admin {
 public:
  Admin(proxy::Server& server, stats::Store& store);

  // Handles one request; `path` includes the query string. Only /plugins
  // reads a body.
  AdminResponse handle(std::string_view method, std::string_view path, const std::string& body = {});
  // Request bodies above this get 413.
  static constexpr size_t kMaxBodyBytes = 64u << 20;

  // The admin connection manager's filter chain (one terminal filter).
  std::vector<proxy::FilterChainEntry> filterChain();

 private:
  struct Endpoint {
    std::string prefix;
    std::string help;
    bool mutates;
  };
  AdminResponse help() const;
  AdminResponse ready() const;
  AdminResponse serverInfo() const;
  AdminResponse stats(std::string_view query) const;
  AdminResponse prometheus(std::string_view query) const;
  AdminResponse configDump() const;
  AdminResponse clusters(std::string_view query) const;
  AdminResponse listeners(std::string_view query) const;
  AdminResponse logging(std::string_view method, std::string_view query);

  proxy::Server& server_;
  stats::Store& store_;
  std::vector<Endpoint> endpoints_;
  std::unique_ptr<PluginsEndpoint> plugins_;
};

// Query parameter value ("" when absent), percent-decoded.
std::string queryParam(std::string_view query, std::string_view name);
bool hasQueryParam(std::string_view query, std::string_view name);

}  // namespace weir::admin

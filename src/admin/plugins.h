// The admin API's /plugins: what Wasm plugins a running weir has loaded, and
// loading, replacing or removing one without a restart.
//
//   GET    /plugins                    JSON: every plugin with its ids, module
//                                      digest, ABI version, limits, state on
//                                      each worker and stats
//   POST   /plugins/NAME[?listener=L]  body = a Wasm module: replaces the code
//                                      of plugin NAME, keeping its settings;
//                                      body = JSON (Envoy's PluginConfig, or
//                                      the whole Wasm filter typed_config):
//                                      replaces plugin NAME, or adds it before
//                                      the router of listener L (optional when
//                                      there is one listener)
//   DELETE /plugins/NAME               undoes what the API did to NAME: an added
//                                      plugin goes away, a replaced one is as
//                                      its config file says again
//
// A change is an edit of the bootstrap's JSON form (proxy::Server's config
// edits): it goes through the loader and the Wasm filter's checks exactly as
// a config file would (module compiled, on_vm_start/on_configure run in a
// throwaway VM), takes effect for new streams as a reload does — in-flight
// requests finish on the code they started with — and survives reloads of
// the file. The edit functions are pure so they can be tested alone.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace weir::proxy {
class Server;
}

namespace weir::admin {

struct AdminResponse;

// Replaces the Wasm HTTP filter whose plugin is `name` in every HTTP filter
// chain of `bootstrap` with `http_filter`; when there is none, inserts
// `http_filter` before the terminal filter of listener `listener`'s chain
// (the only listener with an HTTP connection manager when `listener` is
// empty).
Status upsertWasmPlugin(nlohmann::json& bootstrap, const std::string& name, const nlohmann::json& http_filter,
                        const std::string& listener);
// Replaces only the code of plugin `name` (inline bytes), everywhere it is
// configured. kNotFound when no such plugin exists.
Status replaceWasmPluginCode(nlohmann::json& bootstrap, const std::string& name, std::string_view module);
// The http_filters entry for a plugin named `name` from a JSON request body:
// a PluginConfig ({"root_id": ..., "vm_config": ...}) or a Wasm typed_config
// ({"config": {...}}). The name in the body, if any, must match.
Result<nlohmann::json> wasmFilterFromBody(const std::string& name, const nlohmann::json& body);

class PluginsEndpoint {
 public:
  explicit PluginsEndpoint(proxy::Server& server) : server_(server) {}
  // `rest` is the path after "/plugins" ("" or "/NAME").
  AdminResponse handle(std::string_view method, std::string_view rest, std::string_view query,
                       const std::string& body);

 private:
  AdminResponse list() const;
  proxy::Server& server_;
};

}  // namespace weir::admin

#include "admin/plugins.h"

#include <ctime>
#include <set>

#include "admin/admin.h"
#include "base/stats.h"
#include "proxy/server.h"
#include "proxywasm/plugin.h"
#include "proxywasm/remote_code.h"
#include "proxywasm/wasm_filter.h"
#include "wasm/runtime/engine.h"

namespace weir::admin {
namespace {

using json = nlohmann::json;

constexpr std::string_view kHcmName = "envoy.filters.network.http_connection_manager";
constexpr std::string_view kHcmTypeSuffix = "http_connection_manager.v3.HttpConnectionManager";

bool endsWith(const json& v, std::string_view suffix) {
  return v.is_string() && v.get_ref<const std::string&>().ends_with(suffix);
}

// The PluginConfig object inside a Wasm http filter entry, or null. Handles
// the TypedStruct wrappers the loader accepts.
json* pluginConfigOf(json& filter) {
  if (!filter.is_object()) return nullptr;
  auto tc = filter.find("typed_config");
  if (tc == filter.end() || !tc->is_object()) return nullptr;
  json* typed = &*tc;
  const json type = typed->value("@type", json());
  if (endsWith(type, "TypedStruct")) {
    if (typed->value("type_url", std::string()) != proxywasm::kWasmFilterTypeUrl) return nullptr;
    auto v = typed->find("value");
    if (v == typed->end() || !v->is_object()) return nullptr;
    typed = &*v;
  } else if (type != proxywasm::kWasmFilterTypeUrl &&
             !(type.is_null() && filter.value("name", std::string()) == proxywasm::kWasmFilterName)) {
    return nullptr;
  }
  auto cfg = typed->find("config");
  if (cfg == typed->end() || !cfg->is_object()) return nullptr;
  return &*cfg;
}

// Calls f(listener, http_filters) for every HTTP connection manager.
template <typename F>
void forEachHttpFilterChain(json& bootstrap, F&& f) {
  auto sr = bootstrap.find("static_resources");
  if (sr == bootstrap.end() || !sr->is_object()) return;
  auto listeners = sr->find("listeners");
  if (listeners == sr->end() || !listeners->is_array()) return;
  for (json& listener : *listeners) {
    auto chains = listener.find("filter_chains");
    if (chains == listener.end() || !chains->is_array()) continue;
    for (json& chain : *chains) {
      auto filters = chain.find("filters");
      if (filters == chain.end() || !filters->is_array()) continue;
      for (json& nf : *filters) {
        auto tc = nf.find("typed_config");
        if (tc == nf.end() || !tc->is_object()) continue;
        const bool hcm = nf.value("name", std::string()) == kHcmName || endsWith(tc->value("@type", json()), kHcmTypeSuffix);
        if (!hcm) continue;
        json& http_filters = (*tc)["http_filters"];
        if (!http_filters.is_array()) continue;
        f(listener, http_filters);
      }
    }
  }
}

std::string failurePolicyName(proxywasm::FailurePolicy p) {
  switch (p) {
    case proxywasm::FailurePolicy::kFailClosed: return "FAIL_CLOSED";
    case proxywasm::FailurePolicy::kFailOpen: return "FAIL_OPEN";
    case proxywasm::FailurePolicy::kFailReload: return "FAIL_RELOAD";
  }
  return "FAIL_CLOSED";
}

uint64_t counterValue(const stats::Counter* c) { return c ? c->value() : 0; }

AdminResponse jsonResponse(int status, const json& j) {
  AdminResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = j.dump(2) + "\n";
  return r;
}

AdminResponse errorResponse(int status, std::string message) {
  return jsonResponse(status, json{{"error", std::move(message)}});
}

int httpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kNotFound: return 404;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kUnimplemented: return 400;
    case StatusCode::kResourceExhausted: return 413;
    default: return 500;
  }
}

bool validPluginName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string isoTime(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Where a remote plugin's module comes from and how its last fetch went.
// The tier policy and where the module is on its way: "interp" (weir.interp,
// or auto that could not compile), "compiling", "aot".
json tierJson(const proxywasm::VmCode& vm) {
  json out{{"policy", std::string(proxywasm::tierPolicyName(vm.tier))}};
  if (!vm.module) return out;
  if (!vm.tier_up) {
    out["module"] = std::string(proxywasm::moduleTierName(*vm.module));
    return out;
  }
  using State = proxywasm::TierUp::State;
  switch (vm.tier_up->state()) {
    case State::kIdle: out["module"] = "interp"; out["compile"] = "not started (no VM yet)"; break;
    case State::kCompiling: out["module"] = "interp"; out["compile"] = "compiling"; break;
    case State::kReady: out["module"] = "aot"; out["compile"] = "done"; break;
    case State::kFailed: out["module"] = "interp"; out["compile"] = "failed"; out["error"] = vm.tier_up->error(); break;
  }
  return out;
}

json remoteJson(const proxywasm::RemoteSource& source, const proxywasm::RemoteCode* remote) {
  json j{{"uri", source.uri},
         {"refresh_interval_ms", source.pinned() ? 0 : source.refresh_interval.count()}};
  if (!remote) {
    j["state"] = "not fetched";
    return j;
  }
  const proxywasm::RemoteCode::Info info = remote->info();
  j["state"] = std::string(proxywasm::remoteStateName(info.state));
  j["resolved"] = info.resolved;
  j["module_digest"] = info.module_digest;
  j["error"] = info.error;
  j["last_fetch"] = info.last_fetch ? json(isoTime(*info.last_fetch)) : json();
  j["last_loaded"] = info.last_loaded ? json(isoTime(*info.last_loaded)) : json();
  j["fetches"] = info.fetches;
  j["failures"] = info.failures;
  j["swaps"] = info.swaps;
  return j;
}

}  // namespace

Status upsertWasmPlugin(json& bootstrap, const std::string& name, const json& http_filter, const std::string& listener) {
  bool replaced = false;
  forEachHttpFilterChain(bootstrap, [&](json&, json& http_filters) {
    for (json& f : http_filters) {
      json* cfg = pluginConfigOf(f);
      if (cfg && cfg->value("name", std::string()) == name) {
        f = http_filter;
        replaced = true;
      }
    }
  });
  if (replaced) return Status::ok();
  std::vector<std::pair<std::string, json*>> chains;
  forEachHttpFilterChain(bootstrap, [&](json& l, json& http_filters) {
    chains.emplace_back(l.value("name", std::string()), &http_filters);
  });
  json* target = nullptr;
  if (listener.empty()) {
    if (chains.size() != 1) {
      return invalidArgument("plugin '" + name + "' is new and there are " + std::to_string(chains.size()) +
                             " HTTP listeners: say which with ?listener=NAME");
    }
    target = chains[0].second;
  } else {
    for (auto& [lname, filters] : chains) {
      if (lname == listener) {
        if (target) return invalidArgument("listener '" + listener + "' has several HTTP filter chains");
        target = filters;
      }
    }
    if (!target) return notFound("no listener named '" + listener + "' with an HTTP connection manager");
  }
  // Before the terminal filter (the router), which the loader requires last.
  auto pos = target->empty() ? target->end() : target->end() - 1;
  target->insert(pos, http_filter);
  return Status::ok();
}

Status replaceWasmPluginCode(json& bootstrap, const std::string& name, std::string_view module) {
  bool found = false;
  const std::string encoded = proxywasm::base64Encode(module);
  forEachHttpFilterChain(bootstrap, [&](json&, json& http_filters) {
    for (json& f : http_filters) {
      json* cfg = pluginConfigOf(f);
      if (!cfg || cfg->value("name", std::string()) != name) continue;
      (*cfg)["vm_config"]["code"] = json{{"local", {{"inline_bytes", encoded}}}};
      found = true;
    }
  });
  if (!found) return notFound("no Wasm plugin named '" + name + "'");
  return Status::ok();
}

Result<json> wasmFilterFromBody(const std::string& name, const json& body) {
  if (!body.is_object()) return invalidArgument("expected a JSON object (a PluginConfig)");
  json config = body.contains("config") ? body["config"] : body;
  if (!config.is_object()) return invalidArgument("config: expected an object");
  if (config.contains("name") && config["name"] != name) {
    return invalidArgument("the body names plugin " + config["name"].dump() + " but the path names '" + name + "'");
  }
  config["name"] = name;
  if (!config.contains("vm_config")) return invalidArgument("config.vm_config: required");
  return json{{"name", proxywasm::kWasmFilterName},
              {"typed_config", {{"@type", proxywasm::kWasmFilterTypeUrl}, {"config", std::move(config)}}}};
}

AdminResponse PluginsEndpoint::handle(std::string_view method, std::string_view rest, std::string_view query,
                                      const std::string& body) {
  if (rest.empty() || rest == "/") {
    if (method != "GET" && method != "HEAD") return errorResponse(405, "GET /plugins lists; POST /plugins/NAME loads");
    return list();
  }
  const std::string name(rest.substr(1));
  if (!validPluginName(name)) {
    return errorResponse(400, "invalid plugin name (letters, digits, '-', '_', '.'; at most 128)");
  }
  const std::string key = "plugin/" + name;
  if (method == "DELETE") {
    Status s = server_.removeConfigEdit(key);
    if (!s.isOk()) return errorResponse(httpStatusFor(s), s.code() == StatusCode::kNotFound
                                                              ? "plugin '" + name + "' was not changed through this API"
                                                              : s.message());
    return jsonResponse(200, json{{"removed", name}});
  }
  if (method != "POST" && method != "PUT") return errorResponse(405, "use POST (or DELETE) on /plugins/NAME");
  if (body.empty()) return errorResponse(400, "empty body: send a Wasm module or a JSON PluginConfig");

  proxy::Server::ConfigEdit edit;
  if (body.size() >= 4 && body.compare(0, 4, std::string_view("\0asm", 4)) == 0) {
    // Check the module before touching the config, for a precise error.
    auto code = proxywasm::compileVmCode(body);
    if (!code) return errorResponse(400, "invalid module: " + code.status().message());
    // A module for a plugin added (or reconfigured) through this API keeps
    // that earlier change: both apply, in order, under the plugin's key.
    proxy::Server::ConfigEdit earlier;
    if (const auto* e = server_.findConfigEdit(key)) earlier = *e;
    edit = [name, module = body, earlier](json& bootstrap) {
      if (earlier) WEIR_RETURN_IF_ERROR(earlier(bootstrap));
      return replaceWasmPluginCode(bootstrap, name, module);
    };
  } else {
    json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) return errorResponse(400, "the body is neither a Wasm module nor JSON");
    auto filter = wasmFilterFromBody(name, parsed);
    if (!filter) return errorResponse(400, filter.status().message());
    edit = [name, filter = std::move(filter.value()), listener = queryParam(query, "listener")](json& bootstrap) {
      return upsertWasmPlugin(bootstrap, name, filter, listener);
    };
  }
  Status s = server_.setConfigEdit(key, std::move(edit));
  if (!s.isOk()) return errorResponse(httpStatusFor(s), s.message());
  for (const auto& config : proxywasm::livePluginConfigs()) {
    if (config->plugin()->name == name) {
      auto code = config->code();  // null while a remote module is still being fetched
      return jsonResponse(200, json{{"loaded", name}, {"module_digest", code ? code->digest : ""}});
    }
  }
  return jsonResponse(200, json{{"loaded", name}});
}

AdminResponse PluginsEndpoint::list() const {
  // Configs of older generations live on while their streams finish; list
  // only the plugins the current config has.
  std::set<std::string> current;
  if (auto snap = server_.snapshot(); snap && snap->bootstrap) {
    json raw = snap->bootstrap->raw;
    forEachHttpFilterChain(raw, [&](json&, json& http_filters) {
      for (json& f : http_filters) {
        if (json* cfg = pluginConfigOf(f)) current.insert(cfg->value("name", std::string()));
      }
    });
  }
  json plugins = json::array();
  for (const auto& config : proxywasm::livePluginConfigs()) {
    const proxywasm::PluginConfig& p = *config->plugin();
    if (!current.count(p.name)) continue;
    // Remote code: the module loaded last, or only the settings before one did.
    const std::shared_ptr<const proxywasm::VmCode> code = config->code();
    const proxywasm::VmCode& vm = code ? *code : *p.vm;
    json workers = json::array();
    size_t failed = 0;
    for (const auto& w : config->workerStates()) {
      workers.push_back(w.failed ? json{{"state", "failed"}, {"error", w.error}}
                                 : json{{"state", "running"}, {"tier", std::string(wasm::runtime::tierName(w.tier))}});
      failed += w.failed ? 1 : 0;
    }
    const proxywasm::PluginStats& st = config->stats();
    plugins.push_back({
        {"name", p.name},
        {"root_id", p.root_id},
        {"vm_id", vm.vm_id},
        {"runtime", vm.runtime},
        {"tier", tierJson(vm)},
        {"abi_version", std::string(proxywasm::abiVersionName(vm.abi))},
        {"module_digest", vm.digest},
        {"module_bytes", vm.module ? vm.module->decoded().bytes.size() : 0},
        {"failure_policy", failurePolicyName(p.failure_policy)},
        {"limits",
         {{"callback_deadline_ms", vm.callback_deadline.count()},
          {"max_memory_bytes", static_cast<uint64_t>(vm.max_memory_pages) * 65536}}},
        {"source", server_.hasConfigEdit("plugin/" + p.name) ? "admin" : "config"},
        {"state", !code ? "waiting for module" : failed ? "failed" : (workers.empty() ? "loaded" : "running")},
        {"workers", std::move(workers)},
        {"stats",
         {{"vm_created", counterValue(st.vm_created)},
          {"vm_failed", counterValue(st.vm_failed)},
          {"vm_reloaded", counterValue(st.vm_reloaded)},
          {"vm_compiled", counterValue(st.vm_compiled)},
          {"traps", counterValue(st.traps)},
          {"deadline_exceeded", counterValue(st.deadline_exceeded)},
          {"fail_closed", counterValue(st.fail_closed)},
          {"fail_open", counterValue(st.fail_open)}}},
    });
    if (p.remote) plugins.back()["remote"] = remoteJson(*p.remote, config->remoteCode());
  }
  return jsonResponse(200, json{{"plugins", std::move(plugins)}});
}

}  // namespace weir::admin

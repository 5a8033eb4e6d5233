// `weir validate -c CONFIG.yaml`: loads the config exactly as `weir proxy`
// would (filters, route tables, access-log formats included) and reports
// every problem with file, line and field. Opens no socket, starts no thread.
#include <cstdio>
#include <string>
#include <vector>

#include "proxywasm/wasm_filter.h"
#include "proxywasm/network_filter.h"
#include "proxywasm/wasm_service.h"
#include "cli/command.h"
#include "config/loader.h"
#include "filters/builtin.h"
#include "proxy/access_log_format.h"
#include "proxy/filter_factory.h"
#include "proxy/route_table.h"

namespace weir::cli {
namespace {

// Filter factories get no stats store and no cluster manager: validation
// must not connect anywhere.
class ValidationContext : public proxy::FactoryContext {
 public:
  stats::Store* statsStore() override { return nullptr; }
  const std::string& statPrefix() const override { return prefix_; }
  upstream::ClusterManager* clusterManager() override { return nullptr; }

 private:
  std::string prefix_ = "http.validate.";
};

void usage(FILE* out) {
  std::fprintf(out,
               "usage: weir validate -c CONFIG.yaml\n\n"
               "Checks an Envoy v3 bootstrap config and prints every error with its file,\n"
               "line, column and field path. Exit status: 0 valid, 1 invalid, 2 usage.\n");
}

int runValidate(const std::vector<std::string>& args) {
  std::string path;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    }
    if ((a == "-c" || a == "--config") && i + 1 < args.size()) {
      path = args[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      path = a.substr(9);
    } else {
      std::fprintf(stderr, "weir validate: unexpected argument '%s'\n\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  if (path.empty()) {
    usage(stderr);
    return 2;
  }

  proxy::FilterRegistry registry;
  filters::registerBuiltinFilters(registry);
  proxywasm::registerWasmFilter(registry);
  proxywasm::registerWasmNetworkFilter(registry);
  proxywasm::registerWasmService(registry);
  ValidationContext context;
  config::LoadOptions options;
  options.validate_http_filter = [&](const config::HttpFilter& f) -> Status {
    const std::string type_url = f.typed_config ? f.typed_config->type_url : "";
    proxy::NamedHttpFilterConfigFactory* factory = registry.find(f.name, type_url);
    if (!factory) {
      if (f.is_optional) return Status::ok();
      return invalidArgument("unknown http filter '" + f.name + "'" +
                             (type_url.empty() ? "" : " (" + type_url + ")"));
    }
    static const nlohmann::json kEmpty = nlohmann::json::object();
    auto cb = factory->createFilterFactory(f.typed_config ? f.typed_config->value : kEmpty, context);
    if (!cb.isOk()) return cb.status();
    return Status::ok();
  };

  // Network filters: known, terminal exactly when last, and their config
  // builds (a Wasm plugin is compiled and its on_configure run).
  struct NetworkContext : proxy::NetworkFactoryContext {
    stats::Store* statsStore() override { return nullptr; }
    upstream::ClusterManager* clusterManager() override { return nullptr; }
  } network_context;
  options.validate_network_filter = [&](const config::NetworkFilter& f, bool last) -> Status {
    proxy::NamedNetworkFilterConfigFactory* factory = registry.findNetwork(f.name, f.typed_config.type_url);
    if (!factory) return invalidArgument("unknown network filter '" + f.name + "' (" + f.typed_config.type_url + ")");
    // (tcp_proxy's place in the chain is checked by the loader itself.)
    if (!f.tcp_proxy && factory->isTerminalFilter() && !last) {
      return invalidArgument(factory->name() + " is terminal: it must be the last filter of the chain");
    }
    if (!f.tcp_proxy && !factory->isTerminalFilter() && last) {
      return invalidArgument("the last network filter must be terminal (envoy.filters.network.tcp_proxy or "
                             "envoy.filters.network.http_connection_manager); " + factory->name() + " is not");
    }
    if (f.tcp_proxy) return Status::ok();  // checked field by field by the loader
    auto cb = factory->createFilterFactory(f, network_context);
    if (!cb.isOk()) return cb.status();
    return Status::ok();
  };

  // Bootstrap extensions: known, and their config builds (a Wasm service is
  // compiled and its on_configure run, as `weir proxy` would at start).
  struct BootstrapContext : proxy::BootstrapFactoryContext {
    stats::Store* statsStore() override { return nullptr; }
    upstream::ClusterManager* clusterManager() override { return nullptr; }
  } bootstrap_context;
  options.validate_bootstrap_extension = [&](const config::BootstrapExtension& e) -> Status {
    proxy::NamedBootstrapExtensionFactory* factory = registry.findBootstrapExtension(e.name, e.typed_config.type_url);
    if (!factory) return invalidArgument("unknown bootstrap extension '" + e.name + "' (" + e.typed_config.type_url + ")");
    auto extension = factory->createExtension(e, bootstrap_context);
    if (!extension.isOk()) return extension.status();
    return Status::ok();
  };

  config::LoadReport report = config::loadBootstrapFileReport(path, options);
  std::vector<std::string> errors;
  for (const auto& e : report.errors) errors.push_back(e.toString());

  if (report.bootstrap) {
    // What the loader cannot check without the layers above it.
    const config::Bootstrap& b = *report.bootstrap;
    auto checkLogs = [&](const std::vector<config::AccessLog>& logs) {
      for (const auto& log : logs) {
        auto f = proxy::createFormatter(log);
        if (!f.isOk()) errors.push_back(f.status().message());
      }
    };
    if (b.admin) checkLogs(b.admin->access_log);
    for (const auto& l : b.static_resources.listeners) {
      for (const auto& chain : l.filter_chains) {
        if (!chain.has_http_connection_manager) {
          for (const auto& f : chain.network_filters) {
            if (f.tcp_proxy) checkLogs(f.tcp_proxy->access_log);
          }
          continue;
        }
        const auto& hcm = chain.http_connection_manager;
        checkLogs(hcm.access_log);
        auto table = proxy::RouteTable::create(hcm.route_config);
        if (!table.isOk()) {
          errors.push_back(path + ": listener '" + l.name + "' route_config: " + table.status().message());
        }
      }
    }
  }

  if (!errors.empty()) {
    for (const auto& e : errors) std::printf("%s\n", e.c_str());
    std::printf("%zu error%s in %s\n", errors.size(), errors.size() == 1 ? "" : "s", path.c_str());
    return 1;
  }
  std::printf("configuration OK\n");
  return 0;
}

CommandRegistration reg("validate", "check a config file and report every error (file, line, field)",
                        runValidate);

}  // namespace
}  // namespace weir::cli

// `weir proxy [-c CONFIG.yaml] [--concurrency N] [--log-level L] [--watch-config]
//             [--drain-time-s S] [--module-cache DIR] [--wasm-engine E]`
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "admin/admin.h"
#include "base/logging.h"
#include "base/stats.h"
#include "cli/command.h"
#include "config/default_bootstrap.h"
#include "proxywasm/wasm_filter.h"
#include "proxywasm/network_filter.h"
#include "proxywasm/remote_code.h"
#include "proxywasm/tier.h"
#include "proxywasm/wasm_service.h"
#include "config/loader.h"
#include "filters/builtin.h"
#include "proxy/filter_factory.h"
#include "proxy/server.h"

namespace weir::cli {
namespace {

void usage(FILE* out) {
  std::fprintf(out,
               "usage: weir proxy [-c CONFIG.yaml] [--concurrency N] [--log-level LEVEL]\n"
               "                  [--watch-config] [--drain-time-s SECONDS] [--module-cache DIR]\n"
               "                  [--wasm-engine interp|aot|auto]\n\n"
               "  -c, --config-path  Envoy v3 bootstrap YAML; without it an embedded default\n"
               "                     serves (listener :10000 answering directly, admin :9901)\n"
               "  --concurrency N    worker threads (default: number of cores)\n"
               "  --log-level L      trace|debug|info|warning|error|critical|off (default info)\n"
               "  --watch-config     reload when the config file changes (SIGHUP also reloads)\n"
               "  --drain-time-s S   longest graceful drain on SIGTERM/SIGINT (default 10)\n"
               "  --module-cache DIR where Wasm modules of code.remote are cached by digest\n"
               "                     (default $WEIR_MODULE_CACHE, else $XDG_CACHE_HOME/weir/modules,\n"
               "                     else ~/.cache/weir/modules)\n"
               "  --wasm-engine E    what Envoy runtime names (envoy.wasm.runtime.v8, ...) and no\n"
               "                     runtime mean: auto (interpreter at once, compiled tier in the\n"
               "                     background), interp, or aot (compile at load); default\n"
               "                     $WEIR_WASM_ENGINE, else auto\n");
}

bool parseUint(const std::string& s, uint32_t& out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  out = static_cast<uint32_t>(std::stoul(s));
  return true;
}

int runProxy(const std::vector<std::string>& args) {
  proxy::ServerOptions options;
  options.concurrency = std::max(1u, std::thread::hardware_concurrency());
  std::string log_level = "info";
  proxywasm::RemoteCodeSettings remote_code;
  remote_code.fetch = true;
  std::optional<proxywasm::TierPolicy> engine;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "weir proxy: %s needs a value\n", a.c_str());
        return false;
      }
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (a == "-c" || a == "--config-path" || a == "--config") {
      if (!value(options.config_path)) return 2;
    } else if (a == "--concurrency") {
      if (!value(v) || !parseUint(v, options.concurrency) || options.concurrency == 0) {
        std::fprintf(stderr, "weir proxy: --concurrency needs a positive integer\n");
        return 2;
      }
    } else if (a == "--log-level" || a == "-l") {
      if (!value(log_level)) return 2;
    } else if (a == "--watch-config") {
      options.watch_config = true;
    } else if (a == "--drain-time-s") {
      uint32_t s = 0;
      if (!value(v) || !parseUint(v, s)) {
        std::fprintf(stderr, "weir proxy: --drain-time-s needs an integer\n");
        return 2;
      }
      options.drain_time = std::chrono::seconds(s);
    } else if (a == "--module-cache") {
      if (!value(remote_code.cache_dir)) return 2;
    } else if (a == "--wasm-engine") {
      if (!value(v)) return 2;
      auto parsed = proxywasm::parseTierPolicy(v);
      if (!parsed) {
        std::fprintf(stderr, "weir proxy: --wasm-engine: %s\n", parsed.status().message().c_str());
        return 2;
      }
      engine = parsed.value();
    } else {
      std::fprintf(stderr, "weir proxy: unknown argument '%s'\n\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  auto level = log::parseLevel(log_level);
  if (!level) {
    std::fprintf(stderr, "weir proxy: unknown log level '%s'\n", log_level.c_str());
    return 2;
  }
  log::setLevel(*level);
  // Before the config loads: plugins with code.remote start fetching then,
  // and the tier policy decides what their code gets.
  proxywasm::configureRemoteCode(remote_code);
  // Without --wasm-engine: $WEIR_WASM_ENGINE if set (tier.h), else auto.
  if (engine) {
    proxywasm::setDefaultTierPolicy(*engine);
  } else if (const char* env = std::getenv("WEIR_WASM_ENGINE"); !env || !*env) {
    proxywasm::setDefaultTierPolicy(proxywasm::TierPolicy::kAuto);
  }

  proxy::FilterRegistry registry;
  filters::registerBuiltinFilters(registry);
  proxywasm::registerWasmFilter(registry);
  proxywasm::registerWasmNetworkFilter(registry);
  proxywasm::registerWasmService(registry);

  config::LoadOptions load_options;
  load_options.validate_http_filter = [&registry](const config::HttpFilter& f) -> Status {
    const std::string type_url = f.typed_config ? f.typed_config->type_url : "";
    if (registry.find(f.name, type_url) == nullptr && !f.is_optional) {
      return invalidArgument("unknown http filter '" + f.name + "'");
    }
    return Status::ok();
  };
  load_options.validate_network_filter = [&registry](const config::NetworkFilter& f, bool) -> Status {
    if (registry.findNetwork(f.name, f.typed_config.type_url) == nullptr) {
      return invalidArgument("unknown network filter '" + f.name + "' (" + f.typed_config.type_url + ")");
    }
    return Status::ok();
  };
  load_options.validate_bootstrap_extension = [&registry](const config::BootstrapExtension& e) -> Status {
    if (registry.findBootstrapExtension(e.name, e.typed_config.type_url) == nullptr) {
      return invalidArgument("unknown bootstrap extension '" + e.name + "' (" + e.typed_config.type_url + ")");
    }
    return Status::ok();
  };
  auto bootstrap = options.config_path.empty()
                       ? config::loadBootstrapString(config::kDefaultBootstrapYaml, "<default>",
                                                     load_options)
                       : config::loadBootstrapFile(options.config_path, load_options);
  if (!bootstrap) {
    std::fprintf(stderr, "weir proxy: invalid configuration:\n%s\n",
                 bootstrap.status().message().c_str());
    return 1;
  }

  options.load_options = load_options;
  options.watched_files = proxywasm::localModuleFiles;
  stats::Store store;
  proxy::Server server(options, registry, store);
  admin::Admin admin(server, store);
  Status started = server.start(*bootstrap, admin.filterChain());
  if (!started.isOk()) {
    std::fprintf(stderr, "weir proxy: %s\n", started.message().c_str());
    return 1;
  }
  const int rc = server.run();
  proxywasm::shutdownRemoteFetches();
  return rc;
}

static CommandRegistration reg("proxy", "run the proxy (Envoy v3 bootstrap YAML, or the built-in demo config)",
                               runProxy);

}  // namespace
}  // namespace weir::cli

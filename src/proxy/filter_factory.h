// Filter factories: how a name in `http_filters` becomes a filter per stream.
//
//   config load (main thread)        per stream (worker thread)
//   ------------------------         --------------------------
//   registry.find(name or @type)
//     → factory.createFilterFactory(typed_config, context)
//       → FilterFactoryCb  ───────────▶ cb(FilterChainFactoryCallbacks&)
//         (captures an immutable          → addStreamDecoderFilter(make_shared<F>(config))
//          shared_ptr<const Config>)
//
// The FilterFactoryCb must be cheap and thread-safe (it runs on every worker
// concurrently): capture only immutable state. Everything expensive
// (parsing, regex compilation, Wasm compilation) happens in
// createFilterFactory, once per config load; errors there are config errors
// and name the filter.
//
// Registration is explicit (static libraries drop self-registering objects
// nobody references): src/filters/builtin.cc's registerBuiltinFilters() calls
// each built-in filter's register function.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
#include "proxy/bootstrap_extension.h"
#include "proxy/filter.h"
#include "proxy/network_filter.h"

namespace weir::stats {
class Store;
}
namespace weir::upstream {
class ClusterManager;
}

namespace weir::proxy {

// A filter's typed_config as a generic tree (the `@type` key removed and any
// TypedStruct wrapper unwrapped by the config loader). Empty object when the
// filter has no typed_config.
using FilterConfigTree = nlohmann::json;

// Per stream: adds the filter object(s) to the chain.
using FilterFactoryCb = std::function<void(FilterChainFactoryCallbacks& callbacks)>;

// What a factory may use while building its config (main thread).
class FactoryContext {
 public:
  virtual ~FactoryContext() = default;
  // May be null in tests.
  virtual stats::Store* statsStore() = 0;
  // "http.<hcm stat_prefix>." — filters put their stats under it.
  virtual const std::string& statPrefix() const = 0;
  // The process-wide cluster manager (for filters calling out, e.g. ext
  // services); null in tests.
  virtual upstream::ClusterManager* clusterManager() = 0;
};

class NamedHttpFilterConfigFactory {
 public:
  virtual ~NamedHttpFilterConfigFactory() = default;
  // Envoy's extension name, e.g. "envoy.filters.http.router".
  virtual std::string name() const = 0;
  // The typed_config @type this factory accepts, e.g.
  // "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router".
  // Envoy selects by @type first, then by name; so does weir.
  virtual std::string configTypeUrl() const = 0;
  // The router (and any other filter that answers every request) is terminal:
  // it must be the last filter, and only the last.
  virtual bool isTerminalFilter() const { return false; }

  virtual Result<FilterFactoryCb> createFilterFactory(const FilterConfigTree& typed_config,
                                                      FactoryContext& context) = 0;
  // typed_per_filter_config on a route / virtual host for this filter.
  virtual Result<std::shared_ptr<const RouteSpecificFilterConfig>> createRouteSpecificFilterConfig(
      const FilterConfigTree& /*typed_config*/, FactoryContext& /*context*/) {
    return Status(StatusCode::kUnimplemented,
                  "filter '" + name() + "' does not support typed_per_filter_config");
  }
};

class FilterRegistry {
 public:
  // Fails if the name or type URL is already registered.
  Status registerFactory(std::unique_ptr<NamedHttpFilterConfigFactory> factory);
  // By @type URL when given and known, else by name; null when unknown.
  NamedHttpFilterConfigFactory* find(std::string_view name, std::string_view type_url = {}) const;
  std::vector<std::string> names() const;

  // Network filters (proxy/network_filter.h) live in the same registry, in
  // their own namespace of names and types.
  Status registerNetworkFactory(std::unique_ptr<NamedNetworkFilterConfigFactory> factory);
  NamedNetworkFilterConfigFactory* findNetwork(std::string_view name, std::string_view type_url = {}) const;

  // Bootstrap extensions (proxy/bootstrap_extension.h): the same rules, a
  // namespace of their own.
  Status registerBootstrapExtensionFactory(std::unique_ptr<NamedBootstrapExtensionFactory> factory);
  NamedBootstrapExtensionFactory* findBootstrapExtension(std::string_view name, std::string_view type_url = {}) const;

 private:
  std::vector<std::unique_ptr<NamedHttpFilterConfigFactory>> factories_;
  std::vector<std::unique_ptr<NamedNetworkFilterConfigFactory>> network_factories_;
  std::vector<std::unique_ptr<NamedBootstrapExtensionFactory>> bootstrap_factories_;
};

}  // namespace weir::proxy

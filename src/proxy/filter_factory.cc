#include "proxy/filter_factory.h"

namespace weir::proxy {

namespace {

// One rule for both kinds: a name or a config type registered twice is a bug.
template <typename Factory>
Status addUnique(std::vector<std::unique_ptr<Factory>>& factories, std::unique_ptr<Factory> factory) {
  for (const auto& f : factories) {
    if (f->name() == factory->name()) {
      return Status(StatusCode::kAlreadyExists, "filter '" + factory->name() + "' registered twice");
    }
    if (!factory->configTypeUrl().empty() && f->configTypeUrl() == factory->configTypeUrl()) {
      return Status(StatusCode::kAlreadyExists,
                    "filter config type '" + factory->configTypeUrl() + "' registered twice");
    }
  }
  factories.push_back(std::move(factory));
  return Status::ok();
}

// By @type first, then by name, as Envoy selects extensions.
template <typename Factory>
Factory* findFactory(const std::vector<std::unique_ptr<Factory>>& factories, std::string_view name,
                     std::string_view type_url) {
  if (!type_url.empty()) {
    for (const auto& f : factories) {
      if (f->configTypeUrl() == type_url) return f.get();
    }
  }
  for (const auto& f : factories) {
    if (f->name() == name) return f.get();
  }
  return nullptr;
}

}  // namespace

Status FilterRegistry::registerFactory(std::unique_ptr<NamedHttpFilterConfigFactory> factory) {
  return addUnique(factories_, std::move(factory));
}

NamedHttpFilterConfigFactory* FilterRegistry::find(std::string_view name,
                                                   std::string_view type_url) const {
  return findFactory(factories_, name, type_url);
}

Status FilterRegistry::registerNetworkFactory(std::unique_ptr<NamedNetworkFilterConfigFactory> factory) {
  return addUnique(network_factories_, std::move(factory));
}

NamedNetworkFilterConfigFactory* FilterRegistry::findNetwork(std::string_view name,
                                                             std::string_view type_url) const {
  return findFactory(network_factories_, name, type_url);
}

Status FilterRegistry::registerBootstrapExtensionFactory(std::unique_ptr<NamedBootstrapExtensionFactory> factory) {
  return addUnique(bootstrap_factories_, std::move(factory));
}

NamedBootstrapExtensionFactory* FilterRegistry::findBootstrapExtension(std::string_view name,
                                                                       std::string_view type_url) const {
  return findFactory(bootstrap_factories_, name, type_url);
}

std::vector<std::string> FilterRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(factories_.size());
  for (const auto& f : factories_) out.push_back(f->name());
  return out;
}

}  // namespace weir::proxy

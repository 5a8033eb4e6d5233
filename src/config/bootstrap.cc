#include "config/bootstrap.h"

namespace weir::config {

const CircuitBreakerThresholds& Cluster::defaultThresholds() const {
  for (const auto& t : circuit_breakers) {
    if (t.priority == CircuitBreakerThresholds::Priority::kDefault) return t;
  }
  // Only reachable for hand-built configs; the loader always adds one.
  static const CircuitBreakerThresholds kEnvoyDefaults;
  return kEnvoyDefaults;
}

const Cluster* Bootstrap::findCluster(const std::string& name) const {
  for (const auto& c : static_resources.clusters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const Listener* Bootstrap::findListener(const std::string& name) const {
  for (const auto& l : static_resources.listeners) {
    if (l.name == name) return &l;
  }
  return nullptr;
}

}  // namespace weir::config

#include "proxywasm/wasm_service.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "base/stats.h"
#include "proxywasm/wasm_vm.h"

namespace weir::proxywasm {
namespace {

Status serviceError(const Status& s) {
  return Status(s.code(), std::string(kWasmServiceName) + ": " + s.message());
}

// A VM with the plugin's root context started, or why not.
Result<std::shared_ptr<WasmVm>> startVm(const PluginConfig& plugin, const std::shared_ptr<const PluginConfig>& shared,
                                        const VmEnvironment& env) {
  const PluginStats& stats = *plugin.stats;
  auto vm = WasmVm::create(plugin.vm, env);
  if (!vm) {
    if (stats.vm_failed) stats.vm_failed->inc();
    return serviceError(Status(vm.status().code(), "'" + plugin.name + "': " + vm.status().message()));
  }
  if (stats.vm_created) stats.vm_created->inc();
  auto root = vm.value()->startPlugin(shared);
  if (!root) {
    if (stats.vm_failed) stats.vm_failed->inc();
    vm.value()->shutdown();
    return serviceError(root.status());
  }
  return std::move(vm).value();
}

// One VM and the plugin's root context on one thread. The VM is the
// service's own (not shared with filters of the same code on that thread),
// so stopping the service ends exactly its root context.
class WasmService final : public proxy::BootstrapExtensionInstance {
 public:
  WasmService(std::shared_ptr<const WasmServiceConfig> config, std::shared_ptr<WasmVm> vm, VmEnvironment env)
      : config_(std::move(config)), vm_(std::move(vm)), env_(env) {
    // A trap happens inside a tick or queue callback the VM runs on its
    // own; nothing tells the owner, so the service looks at its VM once per
    // reload backoff (a flag read) to count the failure and, with
    // FAIL_RELOAD, start a fresh VM.
    check_timer_ = env_.dispatcher->createTimer([this] { checkVm(); });
    check_timer_->enable(checkPeriod());
  }
  ~WasmService() override {
    check_timer_.reset();
    // on_done then on_delete for the root context; its timers and callouts
    // end with it, and its queues stop notifying this VM.
    if (vm_->failed()) WEIR_WARN("{} '{}' stopped failed: {}", kWasmServiceName, config_->plugin()->name, vm_->failureMessage());
    vm_->shutdown();
    WEIR_DEBUG("{} '{}' stopped", kWasmServiceName, config_->plugin()->name);
  }

 private:
  std::chrono::milliseconds checkPeriod() const {
    return std::max(config_->plugin()->reload_backoff, std::chrono::milliseconds(20));
  }

  void checkVm() {
    const PluginConfig& plugin = *config_->plugin();
    if (vm_->failed() && !failure_counted_) {
      failure_counted_ = true;
      if (plugin.stats->vm_failed) plugin.stats->vm_failed->inc();
    }
    if (vm_->failed() && plugin.failure_policy == FailurePolicy::kFailReload) {
      auto fresh = startVm(plugin, config_->plugin(), env_);
      if (fresh) {
        WEIR_WARN("{} '{}': VM failed ({}); started a new one", kWasmServiceName, plugin.name, vm_->failureMessage());
        vm_->shutdown();
        vm_ = std::move(fresh).value();
        failure_counted_ = false;
        if (plugin.stats->vm_reloaded) plugin.stats->vm_reloaded->inc();
      } else {
        WEIR_ERROR("{}", fresh.status().message());
      }
    } else if (vm_->failed()) {
      return;  // stays failed until a config reload: nothing more to look at
    }
    check_timer_->enable(checkPeriod());
  }

  std::shared_ptr<const WasmServiceConfig> config_;
  std::shared_ptr<WasmVm> vm_;
  VmEnvironment env_;
  event::TimerPtr check_timer_;
  bool failure_counted_ = false;
};

class WasmServiceFactory : public proxy::NamedBootstrapExtensionFactory {
 public:
  std::string name() const override { return std::string(kWasmServiceName); }
  std::string configTypeUrl() const override { return std::string(kWasmServiceTypeUrl); }
  Result<std::shared_ptr<const proxy::BootstrapExtensionConfig>> createExtension(
      const config::BootstrapExtension& extension, proxy::BootstrapFactoryContext& context) override {
    auto config = WasmServiceConfig::create(extension.typed_config.value, context.statsStore());
    if (!config) return config.status();
    return std::shared_ptr<const proxy::BootstrapExtensionConfig>(std::move(config).value());
  }
};

}  // namespace

Result<std::shared_ptr<const WasmServiceConfig>> WasmServiceConfig::create(const nlohmann::json& typed_config,
                                                                           stats::Store* store) {
  if (!typed_config.is_object()) return invalidArgument(std::string(kWasmServiceName) + ": expected an object");
  bool singleton = false;
  for (const auto& [key, value] : typed_config.items()) {
    if (key == "singleton") {
      if (!value.is_boolean()) return invalidArgument(std::string(kWasmServiceName) + ": singleton: expected a bool");
      singleton = value.get<bool>();
    } else if (key != "config") {
      return invalidArgument(std::string(kWasmServiceName) + ": " + key + ": unknown field");
    }
  }
  if (!typed_config.contains("config")) return invalidArgument(std::string(kWasmServiceName) + ": config: required field missing");
  auto parsed = parsePluginConfig(typed_config);
  if (!parsed) return serviceError(parsed.status());
  auto plugin = std::make_shared<PluginConfig>(*parsed.value());
  plugin->stats = makePluginStats(store, plugin->name.empty() ? plugin->vm->vm_id : plugin->name);
  // A service that cannot start is a config error now, not a silent gap
  // later: on_vm_start and on_configure run once in a throwaway VM.
  auto canary = WasmVm::create(plugin->vm, VmEnvironment{});
  if (!canary) return serviceError(Status(canary.status().code(), "'" + plugin->name + "': " + canary.status().message()));
  auto root = canary.value()->startPlugin(plugin);
  canary.value()->shutdown();
  if (!root) return serviceError(root.status());
  auto config = std::shared_ptr<WasmServiceConfig>(new WasmServiceConfig());
  config->plugin_ = std::move(plugin);
  config->singleton_ = singleton;
  config->store_ = store;
  return std::shared_ptr<const WasmServiceConfig>(std::move(config));
}

Result<proxy::BootstrapExtensionInstancePtr> WasmServiceConfig::start(const proxy::BootstrapExtensionThread& thread) const {
  const VmEnvironment env{&thread.dispatcher, store_, thread.clusters};
  auto vm = startVm(*plugin_, plugin_, env);
  if (!vm) return vm.status();
  WEIR_DEBUG("{} '{}' started on {}", kWasmServiceName, plugin_->name, thread.dispatcher.name());
  return proxy::BootstrapExtensionInstancePtr(std::make_unique<WasmService>(shared_from_this(), std::move(vm).value(), env));
}

void registerWasmService(proxy::FilterRegistry& registry) {
  Status s = registry.registerBootstrapExtensionFactory(std::make_unique<WasmServiceFactory>());
  if (!s.isOk()) WEIR_WARN("registering {}: {}", kWasmServiceName, s.message());
}

}  // namespace weir::proxywasm

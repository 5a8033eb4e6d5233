// What a Wasm filter is configured with, parsed once at config load from
// Envoy's `envoy.extensions.filters.http.wasm.v3.Wasm` typed_config, and the
// compiled code it runs. Both are immutable and shared by every worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
#include "proxywasm/abi.h"
#include "proxywasm/tier.h"

namespace weir::wasm::runtime {
class Module;
}
namespace weir::stats {
class Counter;
class Histogram;
}

namespace weir::proxywasm {

// Envoy's PluginConfig.failure_policy (fail_open: true means kFailOpen).
enum class FailurePolicy : uint8_t { kFailClosed, kFailOpen, kFailReload };

// One module as a VM runs it: code + VM-wide settings. VMs are shared per
// worker between plugins whose `key` is equal (Envoy: vm_id, vm
// configuration and code).
struct VmCode {
  std::string vm_id;
  std::string runtime;           // as configured; `tier` says what it means (tier.h)
  std::string vm_configuration;  // buffer 6
  std::vector<std::pair<std::string, std::string>> environment;  // WASI environ
  std::string digest;            // "sha256:<hex>" of the binary
  AbiVersion abi = AbiVersion::kUnknown;
  // On the interpreter, or compiled already under weir.aot.
  std::shared_ptr<const wasm::runtime::Module> module;
  TierPolicy tier = TierPolicy::kInterp;
  // weir.auto: the background compile new VMs move to once it is ready.
  std::shared_ptr<const TierUp> tier_up;
  uint32_t max_memory_pages = 16384;  // 1 GiB, the C++ host's default cap
  // A callback running longer is interrupted (the VM fails, the failure
  // policy applies); 0 disables the deadline.
  std::chrono::milliseconds callback_deadline{100};
  std::string key;
};

// Per-plugin stats (`wasm.<plugin name>.*`), created once at config load.
// Null pointers (and an empty callback_us) when there is no stats store.
struct PluginStats {
  stats::Counter* vm_created = nullptr;
  stats::Counter* vm_failed = nullptr;
  stats::Counter* vm_reloaded = nullptr;  // FAIL_RELOAD rebuilt a failed VM
  stats::Counter* vm_compiled = nullptr;  // VMs created on the compiled tier (of vm_created)
  stats::Counter* fail_closed = nullptr;
  stats::Counter* fail_open = nullptr;
  stats::Counter* traps = nullptr;        // callbacks that trapped (deadline hits included)
  stats::Counter* deadline_exceeded = nullptr;
  // Microseconds per callback, indexed by proxywasm::Callback.
  std::vector<stats::Histogram*> callback_us;
};

// vm_config.code.remote (Envoy's RemoteDataSource), fetched by RemoteCode in
// the background; docs/proxy-wasm.md has the fields and their defaults.
struct RemoteSource {
  std::string uri;      // oci://REGISTRY/REPO:TAG, oci://REGISTRY/REPO@sha256:..., http(s)://...
  std::string cluster;  // http_uri.cluster: accepted; the fetch does not go through it
  std::chrono::milliseconds timeout{10000};  // http_uri.timeout, per registry request
  std::string sha256;   // expected module sha256 (hex); required for http(s)
  uint32_t num_retries = 3;
  std::chrono::milliseconds retry_base_interval{1000};
  std::chrono::milliseconds retry_max_interval{10000};
  // How often a tag is resolved again (weir_refresh_interval); 0 = never.
  std::chrono::milliseconds refresh_interval{300000};
  // A digest reference or an http(s) URL + sha256 names one module forever.
  bool pinned() const;
};

struct PluginConfig {
  std::string name;           // plugin_name
  std::string root_id;        // plugin_root_id
  std::string configuration;  // buffer 7
  FailurePolicy failure_policy = FailurePolicy::kFailClosed;
  // FAIL_RELOAD: at most one VM rebuild per interval after a failure.
  std::chrono::milliseconds reload_backoff{1000};
  // With code.remote, `vm` carries the VM settings only (no module, empty
  // digest and key); the module comes from the RemoteCode that
  // WasmFilterConfig owns.
  std::shared_ptr<const VmCode> vm;
  std::shared_ptr<const RemoteSource> remote;  // null for code.local
  std::shared_ptr<const PluginStats> stats;  // never null once the filter is built
};

// Checks and compiles. Errors name the field ("config.vm_config.code: ...").
Result<std::shared_ptr<const PluginConfig>> parsePluginConfig(const nlohmann::json& wasm_typed_config);

// Compiles a module for Proxy-Wasm use (rejects modules without an ABI marker).
Result<std::shared_ptr<VmCode>> compileVmCode(std::string bytes);

// VmCode::key from the code's settings and digest (VMs are shared by key).
std::string vmCodeKey(const VmCode& code);

// Every code.local.filename of a Wasm plugin anywhere in a bootstrap's JSON
// form (HTTP and network filters, bootstrap services): what `weir proxy
// --watch-config` watches besides the config file.
std::vector<std::string> localModuleFiles(const nlohmann::json& bootstrap);

// Helpers exposed for tests.
Result<std::string> base64Decode(std::string_view in);
std::string base64Encode(std::string_view in);
std::string sha256Hex(std::string_view data);
// "1s", "0.25s", "100ms" (protobuf Duration JSON is "<seconds>s").
Result<std::chrono::milliseconds> parseDuration(std::string_view text);

}  // namespace weir::proxywasm

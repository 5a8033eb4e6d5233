// weir::proxywasm::RemoteCode — the module of a plugin whose code is
// vm_config.code.remote, kept current off the workers.
//
// Config load (main thread) parses the remote source (plugin.h) and obtains
// the plugin's RemoteCode; a small process-wide pool of fetch threads then
// fetches it through oci::ModuleFetcher (verified, cached on disk by digest,
// docker-style credentials, retries), compiles it, validates it in a
// throwaway VM (on_vm_start + on_configure must accept it, as for local
// code) and publishes it. Workers poll generation() on every stream (one
// mutex-free load) and build a VM for a new module for new streams only;
// streams in flight keep the VM they started on.
//
// A tag is resolved again every RemoteSource::refresh_interval; a changed
// digest publishes the new module, an unchanged one costs one manifest
// request. A digest reference or an http(s) URL + sha256 is fetched until it
// loads once and never again. A failed fetch never unpublishes: the last
// good module keeps serving and info() carries the error. Until the first
// module loads, WasmFilterConfig::acquire fails and the plugin's failure
// policy decides (fail open passes streams through, fail closed answers 503).
//
// The last digest a tag resolved to is remembered in the cache directory,
// so a proxy restarted while the registry is down serves that module from
// the cache (and keeps trying the registry).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/status.h"
#include "proxywasm/plugin.h"

namespace weir::proxywasm {

// Process-wide, set once by the process before configs load. Fetching is
// off unless a process turns it on: `weir proxy` does; `weir validate` does
// not, so it checks a remote source's shape and fetches nothing.
struct RemoteCodeSettings {
  bool fetch = false;
  std::string cache_dir;         // "" = defaultModuleCacheDir()
  std::string auth_config_path;  // "" = $DOCKER_CONFIG/config.json, else ~/.docker/config.json
};
void configureRemoteCode(RemoteCodeSettings settings);
RemoteCodeSettings remoteCodeSettings();

// $WEIR_MODULE_CACHE, else $XDG_CACHE_HOME/weir/modules, else
// $HOME/.cache/weir/modules (else a directory under the system temp dir).
std::string defaultModuleCacheDir();

class RemoteCode {
 public:
  enum class State : uint8_t { kFetching, kLoaded, kFailed };
  struct Info {
    State state = State::kFetching;
    std::string uri;
    std::string error;          // the last failure; kept while an older module serves
    std::string resolved;       // oci: registry/repo@sha256:... of the module serving
    std::string module_digest;  // "sha256:<hex>" of the module serving
    std::optional<std::chrono::system_clock::time_point> last_fetch;   // last attempt finished
    std::optional<std::chrono::system_clock::time_point> last_loaded;  // last attempt that succeeded
    uint64_t fetches = 0;
    uint64_t failures = 0;
    uint64_t swaps = 0;  // modules published
  };
  struct Current {
    std::shared_ptr<const VmCode> code;  // null until a module loaded
    uint64_t generation = 0;             // 0 until a module loaded; +1 per module published
  };

  // The RemoteCode of `plugin` (which has `remote` set and its stats), shared
  // by every config generation that passes the same `key` (the plugin's
  // config text), so a reload that leaves the plugin alone keeps its module
  // and fetches nothing. A new one is queued for its first fetch at once;
  // `fresh` tells the caller so.
  static std::shared_ptr<RemoteCode> obtain(const std::string& key, std::shared_ptr<const PluginConfig> plugin,
                                            bool* fresh = nullptr);

  // For tests: a RemoteCode no fetch thread knows; refresh() drives it.
  static std::shared_ptr<RemoteCode> createDetached(std::shared_ptr<const PluginConfig> plugin);

  ~RemoteCode();

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  Current current() const;
  Info info() const;
  const RemoteSource& source() const { return *plugin_->remote; }

  // Blocks until the first fetch attempt has finished or `timeout` passed;
  // true when a module is loaded.
  bool waitForFirstAttempt(std::chrono::milliseconds timeout) const;

  // One fetch → compile → validate → publish, blocking. The fetch threads
  // call it; never call it on a worker.
  Status refresh();

  // When refresh() should run next; nullopt = never (a pinned module that
  // loaded, or refresh_interval 0 once loaded).
  std::optional<std::chrono::steady_clock::time_point> nextRefresh() const;

 private:
  explicit RemoteCode(std::shared_ptr<const PluginConfig> plugin);
  Result<std::shared_ptr<const VmCode>> build(std::string bytes, const std::string& digest) const;
  std::string tagMemoPath(const std::string& cache_dir) const;

  const std::shared_ptr<const PluginConfig> plugin_;
  std::atomic<uint64_t> generation_{0};
  mutable std::mutex mutex_;
  mutable std::condition_variable attempted_cv_;
  bool attempted_ = false;
  std::shared_ptr<const VmCode> code_;
  Info info_;
  uint32_t consecutive_failures_ = 0;
  std::chrono::steady_clock::time_point last_attempt_{};
};

// Runs `code` for `plugin` in a throwaway VM: on_vm_start and on_configure
// must accept it (Envoy's canary), so a bad module is an error before any
// stream sees it. For local code at config load and for each fetched module.
Status validateInThrowawayVm(std::shared_ptr<const VmCode> code, std::shared_ptr<const PluginConfig> plugin);

// Stops the fetch threads, waiting for a fetch in flight (at most its
// timeout and retries). For process exit; also runs at static destruction.
void shutdownRemoteFetches();

std::string_view remoteStateName(RemoteCode::State state);

}  // namespace weir::proxywasm

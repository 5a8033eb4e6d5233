#include "proxywasm/remote_code.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <thread>
#include <vector>

#include "base/logging.h"
#include "oci/fetcher.h"
#include "proxywasm/wasm_vm.h"

namespace weir::proxywasm {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Settings {
  std::mutex mutex;
  RemoteCodeSettings value;
};

Settings& settings() {
  static Settings s;
  return s;
}

// The fetch threads: a due time per RemoteCode, the earliest first. They
// hold weak pointers, so a plugin reloaded away simply drops out.
class FetchPool {
 public:
  static FetchPool& global() {
    // Constructed first, so destroyed after the pool's threads are joined.
    (void)settings();
    static FetchPool pool;
    return pool;
  }
  ~FetchPool() { shutdown(); }

  void add(std::weak_ptr<RemoteCode> code) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    entries_.push_back(Entry{std::move(code), SteadyClock::now(), false});
    // Two threads: one slow registry does not hold up every other plugin,
    // and a proxy with a handful of remote plugins needs no more.
    while (threads_.size() < 2) threads_.emplace_back([this] { run(); });
    cv_.notify_one();
  }

  void shutdown() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      threads.swap(threads_);
    }
    cv_.notify_all();
    for (auto& t : threads) t.join();
  }

 private:
  struct Entry {
    std::weak_ptr<RemoteCode> code;
    SteadyClock::time_point due;
    bool busy;
  };

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopped_) {
      entries_.remove_if([](const Entry& e) { return !e.busy && e.code.expired(); });
      auto next = entries_.end();
      for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (!it->busy && (next == entries_.end() || it->due < next->due)) next = it;
      }
      if (next == entries_.end()) {
        cv_.wait(lock);
        continue;
      }
      if (next->due > SteadyClock::now()) {
        // A copy: while this thread waits, another may erase the entry.
        const SteadyClock::time_point due = next->due;
        cv_.wait_until(lock, due);
        continue;
      }
      std::shared_ptr<RemoteCode> code = next->code.lock();
      if (!code) continue;
      next->busy = true;
      lock.unlock();
      Status s = code->refresh();
      if (!s.isOk()) WEIR_WARN("{}: {}", code->source().uri, s.message());
      std::optional<SteadyClock::time_point> due = code->nextRefresh();
      code.reset();  // a RemoteCode reloaded away meanwhile dies here, not under the lock
      lock.lock();
      next->busy = false;
      if (due) {
        next->due = *due;
      } else {
        entries_.erase(next);
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::list<Entry> entries_;  // stable iterators across the unlocked refresh
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

// RemoteCodes by plugin config text, so config generations share them.
struct Shared {
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<RemoteCode>> by_key;
};

Shared& shared() {
  static Shared s;
  return s;
}

std::string cacheDirOf(const RemoteCodeSettings& s) {
  return s.cache_dir.empty() ? defaultModuleCacheDir() : s.cache_dir;
}

// The registry's timeout is whole seconds; never round a short one to 0.
std::chrono::seconds wholeSeconds(std::chrono::milliseconds d) {
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(d));
}

}  // namespace

void configureRemoteCode(RemoteCodeSettings value) {
  std::lock_guard<std::mutex> lock(settings().mutex);
  settings().value = std::move(value);
}

RemoteCodeSettings remoteCodeSettings() {
  std::lock_guard<std::mutex> lock(settings().mutex);
  return settings().value;
}

std::string defaultModuleCacheDir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : std::string();
  };
  if (std::string d = env("WEIR_MODULE_CACHE"); !d.empty()) return d;
  if (std::string d = env("XDG_CACHE_HOME"); !d.empty()) return d + "/weir/modules";
  if (std::string d = env("HOME"); !d.empty()) return d + "/.cache/weir/modules";
  return (std::filesystem::temp_directory_path() / "weir-modules").string();
}

std::string_view remoteStateName(RemoteCode::State state) {
  switch (state) {
    case RemoteCode::State::kFetching: return "fetching";
    case RemoteCode::State::kLoaded: return "loaded";
    case RemoteCode::State::kFailed: return "failed";
  }
  return "fetching";
}

Status validateInThrowawayVm(std::shared_ptr<const VmCode> code, std::shared_ptr<const PluginConfig> plugin) {
  auto canary = WasmVm::create(std::move(code), VmEnvironment{nullptr, nullptr, nullptr});
  if (!canary) return canary.status();
  auto root = canary.value()->startPlugin(std::move(plugin));
  canary.value()->shutdown();
  if (!root) return root.status();
  return Status::ok();
}

RemoteCode::RemoteCode(std::shared_ptr<const PluginConfig> plugin) : plugin_(std::move(plugin)) {
  info_.uri = plugin_->remote->uri;
}

RemoteCode::~RemoteCode() = default;

std::shared_ptr<RemoteCode> RemoteCode::createDetached(std::shared_ptr<const PluginConfig> plugin) {
  return std::shared_ptr<RemoteCode>(new RemoteCode(std::move(plugin)));
}

std::shared_ptr<RemoteCode> RemoteCode::obtain(const std::string& key, std::shared_ptr<const PluginConfig> plugin,
                                               bool* fresh) {
  Shared& s = shared();
  std::lock_guard<std::mutex> lock(s.mutex);
  std::erase_if(s.by_key, [](const auto& entry) { return entry.second.expired(); });
  if (auto it = s.by_key.find(key); it != s.by_key.end()) {
    if (auto existing = it->second.lock()) {
      if (fresh) *fresh = false;
      return existing;
    }
  }
  auto code = createDetached(std::move(plugin));
  s.by_key[key] = code;
  FetchPool::global().add(code);
  if (fresh) *fresh = true;
  return code;
}

RemoteCode::Current RemoteCode::current() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return Current{code_, generation_.load(std::memory_order_relaxed)};
}

RemoteCode::Info RemoteCode::info() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return info_;
}

bool RemoteCode::waitForFirstAttempt(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  attempted_cv_.wait_for(lock, timeout, [this] { return attempted_; });
  return code_ != nullptr;
}

std::string RemoteCode::tagMemoPath(const std::string& cache_dir) const {
  return cache_dir + "/remote-tags/" + sha256Hex(source().uri);
}

Result<std::shared_ptr<const VmCode>> RemoteCode::build(std::string bytes, const std::string& digest) const {
  auto compiled = compileVmCode(std::move(bytes));
  if (!compiled) return compiled.status();
  VmCode& code = *compiled.value();
  if (code.digest != digest) return internalError("module digest changed between fetch and compile");
  // The VM settings come from the config; only the module is remote.
  const VmCode& settings = *plugin_->vm;
  code.vm_id = settings.vm_id;
  code.runtime = settings.runtime;
  code.vm_configuration = settings.vm_configuration;
  code.environment = settings.environment;
  code.max_memory_pages = settings.max_memory_pages;
  code.callback_deadline = settings.callback_deadline;
  if (Status tier = applyTierPolicy(code); !tier.isOk()) return tier;
  code.key = vmCodeKey(code);
  std::shared_ptr<const VmCode> shared_code = std::move(compiled.value());
  Status valid = validateInThrowawayVm(shared_code, plugin_);
  if (!valid.isOk()) return Status(valid.code(), "the plugin rejects the module: " + valid.message());
  return shared_code;
}

Status RemoteCode::refresh() {
  const RemoteSource& src = source();
  const RemoteCodeSettings settings = remoteCodeSettings();
  oci::ModuleFetcher::Options options;
  options.cache_dir = cacheDirOf(settings);
  options.auth_config_path = settings.auth_config_path;
  options.retry.max_attempts = static_cast<int>(src.num_retries) + 1;
  options.retry.initial_backoff = src.retry_base_interval;
  options.retry.max_backoff = src.retry_max_interval;
  options.timeout = wholeSeconds(src.timeout);
  const oci::ModuleFetcher fetcher(options);

  auto fetched = fetcher.fetch({src.uri, src.sha256});
  std::string served_from_memo;
  if (!fetched && !src.pinned() && generation() == 0) {
    // Registry unreachable before anything loaded: serve what the tag last
    // resolved to, from the cache (a pinned fetch needs no network).
    std::ifstream memo(tagMemoPath(options.cache_dir));
    std::string resolved;
    if (memo && std::getline(memo, resolved) && !resolved.empty()) {
      auto cached = fetcher.fetch({"oci://" + resolved, src.sha256});
      if (cached) {
        served_from_memo = fetched.status().message();
        fetched = std::move(cached);
      }
    }
  }

  Status outcome = Status::ok();
  std::shared_ptr<const VmCode> built;
  if (fetched) {
    std::shared_ptr<const VmCode> serving = current().code;
    if (!serving || serving->digest != fetched->module_digest) {
      auto b = build(std::move(fetched->bytes), fetched->module_digest);
      if (b) built = std::move(b.value());
      else outcome = Status(b.status().code(), fetched->module_digest + ": " + b.status().message());
    }
    if (outcome.isOk() && !src.pinned() && served_from_memo.empty() && !fetched->resolved.empty()) {
      std::error_code ec;
      const std::string path = tagMemoPath(options.cache_dir);
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
      const std::string tmp = path + ".tmp." + std::to_string(reinterpret_cast<uintptr_t>(this));
      {
        std::ofstream out(tmp);
        out << fetched->resolved << "\n";
      }
      std::filesystem::rename(tmp, path, ec);
    }
  } else {
    outcome = fetched.status();
  }

  const auto now = std::chrono::system_clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    last_attempt_ = SteadyClock::now();
    info_.last_fetch = now;
    ++info_.fetches;
    if (outcome.isOk()) {
      consecutive_failures_ = 0;
      info_.last_loaded = now;
      info_.error = served_from_memo.empty() ? std::string()
                                             : "registry unreachable, serving the cached " + fetched->resolved +
                                                   ": " + served_from_memo;
      if (built) {
        info_.resolved = fetched->resolved;
        info_.module_digest = built->digest;
        code_ = std::move(built);
        ++info_.swaps;
        generation_.fetch_add(1, std::memory_order_release);
      } else if (!fetched->resolved.empty()) {
        info_.resolved = fetched->resolved;
      }
      info_.state = State::kLoaded;
    } else {
      ++consecutive_failures_;
      ++info_.failures;
      info_.error = outcome.message();
      info_.state = code_ ? State::kLoaded : State::kFailed;
    }
    attempted_ = true;
  }
  attempted_cv_.notify_all();
  if (outcome.isOk() && built) {
    WEIR_INFO("wasm plugin '{}': loaded {} ({})", plugin_->name, src.uri, info().module_digest);
  }
  return outcome;
}

std::optional<SteadyClock::time_point> RemoteCode::nextRefresh() const {
  const RemoteSource& src = source();
  std::lock_guard<std::mutex> lock(mutex_);
  if (!code_) {
    // Nothing loaded yet: keep trying, backing off like the retries do.
    auto delay = src.retry_base_interval;
    for (uint32_t i = 1; i < consecutive_failures_ && delay < src.retry_max_interval; ++i) delay *= 2;
    return last_attempt_ + std::min(delay, src.retry_max_interval);
  }
  if (src.pinned() || src.refresh_interval.count() == 0) return std::nullopt;
  return last_attempt_ + src.refresh_interval;
}

void shutdownRemoteFetches() { FetchPool::global().shutdown(); }

}  // namespace weir::proxywasm

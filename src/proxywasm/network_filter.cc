#include "proxywasm/network_filter.h"

#include <optional>

#include "base/buffer.h"
#include "base/logging.h"
#include "base/stats.h"
#include "net/connection.h"
#include "proxywasm/context.h"
#include "proxywasm/wasm_filter.h"
#include "proxywasm/wasm_vm.h"

namespace weir::proxywasm {
namespace {

std::string le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
  return out;
}

// The config's errors say "envoy.filters.http.wasm: ..."; name this filter.
Status renamed(const Status& s) {
  std::string message = s.message();
  if (message.rfind(kWasmFilterName, 0) == 0) message = std::string(kWasmNetworkFilterName) + message.substr(kWasmFilterName.size());
  return Status(s.code(), std::move(message));
}

class WasmNetworkFilter;

class NetworkContext final : public Context {
 public:
  NetworkContext(WasmVm& vm, uint32_t id, RootContext* root, WasmNetworkFilter& filter)
      : Context(vm, id, root), filter_(filter) {}
  std::optional<std::string_view> bodyBuffer(BufferType type) override;
  WasmResult setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) override;
  WasmResult continueStream(StreamType type) override;
  WasmResult closeStream(StreamType type) override;
  std::optional<std::string> streamProperty(std::span<const std::string_view> path) override;

 private:
  WasmNetworkFilter& filter_;
};

enum class Path : uint8_t { kNone, kDownstream, kUpstream };

class WasmNetworkFilter : public proxy::NetworkFilter,
                          public net::ConnectionCallbacks,
                          public std::enable_shared_from_this<WasmNetworkFilter> {
 public:
  explicit WasmNetworkFilter(std::shared_ptr<const WasmFilterConfig> config) : config_(std::move(config)) {}
  ~WasmNetworkFilter() override {
    if (connection_) connection_->removeConnectionCallbacks(*this);
    destroyContext();
  }

  void initializeReadFilterCallbacks(proxy::ReadFilterCallbacks& callbacks) override {
    read_ = &callbacks;
    connection_ = &callbacks.connection();
    connection_->addConnectionCallbacks(*this);
  }
  void initializeWriteFilterCallbacks(proxy::WriteFilterCallbacks& callbacks) override { write_ = &callbacks; }

  proxy::NetworkFilterStatus onNewConnection() override {
    if (!ensureContext()) return onFailure();
    return run(Callback::kOnNewConnection, Path::kDownstream, nullptr, {ctx_->id()});
  }

  proxy::NetworkFilterStatus onData(Buffer& data, bool end_stream) override {
    if (bypass_) return proxy::NetworkFilterStatus::kContinue;
    if (!ctx_ || failed_ || closing_) return proxy::NetworkFilterStatus::kStopIteration;
    return run(Callback::kOnDownstreamData, Path::kDownstream, &data,
               {ctx_->id(), static_cast<uint32_t>(data.size()), end_stream ? 1u : 0u});
  }

  proxy::NetworkFilterStatus onWrite(Buffer& data, bool end_stream) override {
    if (bypass_) return proxy::NetworkFilterStatus::kContinue;
    if (!ctx_ || failed_ || closing_) return proxy::NetworkFilterStatus::kStopIteration;
    proxy::NetworkFilterStatus status = run(Callback::kOnUpstreamData, Path::kUpstream, &data,
                                            {ctx_->id(), static_cast<uint32_t>(data.size()), end_stream ? 1u : 0u});
    if (end_stream && !upstream_close_sent_ && ctx_ && !failed_) {
      upstream_close_sent_ = true;
      (void)handle_.vm->call(Callback::kOnUpstreamConnectionClose, *ctx_,
                             {ctx_->id(), static_cast<uint32_t>(PeerType::kRemote)});
    }
    return status;
  }

  void onEvent(net::ConnectionEvent event) override {
    if (event == net::ConnectionEvent::kConnected) return;
    if (ctx_ && !bypass_ && handle_.vm && !handle_.vm->failed()) {
      const PeerType peer = event == net::ConnectionEvent::kLocalClose ? PeerType::kLocal : PeerType::kRemote;
      (void)handle_.vm->call(Callback::kOnDownstreamConnectionClose, *ctx_, {ctx_->id(), static_cast<uint32_t>(peer)});
    }
    closed_ = true;
    destroyContext();
  }

  // --- what the context reaches ---
  std::optional<std::string_view> buffer(BufferType type) {
    Buffer* b = visibleBuffer(type);
    if (!b) return std::nullopt;
    return b->view();
  }

  WasmResult setBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) {
    Buffer* b = visibleBuffer(type);
    if (!b) return WasmResult::kNotFound;
    if (start == 0) {
      b->drain(std::min<uint64_t>(size, b->size()));
      b->prepend(data);
      return WasmResult::kOk;
    }
    if (start >= b->size()) {
      b->append(data);
      return WasmResult::kOk;
    }
    return WasmResult::kBadArgument;
  }

  WasmResult continueStream(StreamType type) {
    if (type != StreamType::kDownstream && type != StreamType::kUpstream) return WasmResult::kBadArgument;
    if (closed_) return WasmResult::kOk;
    const Path path = type == StreamType::kDownstream ? Path::kDownstream : Path::kUpstream;
    if (in_callback_ == path) {
      pending_continue_ = true;  // the running callback's answer becomes Continue
      return WasmResult::kOk;
    }
    std::weak_ptr<WasmNetworkFilter> weak = weak_from_this();
    handle_.vm->defer([weak, path] {
      auto self = weak.lock();
      if (!self || self->closed_) return;
      if (path == Path::kDownstream) self->read_->continueReading();
      else if (self->write_) self->write_->continueWriting();
    });
    return WasmResult::kOk;
  }

  WasmResult closeStream(StreamType type) {
    if (type != StreamType::kDownstream && type != StreamType::kUpstream) return WasmResult::kBadArgument;
    if (closed_) return WasmResult::kOk;
    closing_ = true;
    std::weak_ptr<WasmNetworkFilter> weak = weak_from_this();
    // Both name this filter's connection, as in Envoy.
    handle_.vm->defer([weak] {
      if (auto self = weak.lock(); self && !self->closed_) {
        self->connection_->close(net::ConnectionCloseType::kFlushWrite, "wasm_close_stream");
      }
    });
    return WasmResult::kOk;
  }

  std::optional<std::string> property(std::span<const std::string_view> path) {
    if (!connection_ || path.empty()) return std::nullopt;
    std::vector<std::string_view> split;
    if (path.size() == 1 && path[0].find('.') != std::string_view::npos) {
      std::string_view rest = path[0];
      while (!rest.empty()) {
        size_t dot = rest.find('.');
        split.push_back(rest.substr(0, dot));
        if (dot == std::string_view::npos) break;
        rest.remove_prefix(dot + 1);
      }
      path = split;
    }
    if (path.size() == 1 && path[0] == "connection_id") return le64(connection_->id());
    if (path.size() != 2) return std::nullopt;
    if (path[0] == "source" || path[0] == "destination") {
      const net::Address& a = path[0] == "source" ? connection_->remoteAddress() : connection_->localAddress();
      if (path[1] == "address") return a.asString();
      if (path[1] == "port") return le64(a.port());
    }
    if (path[0] == "connection" && path[1] == "id") return le64(connection_->id());
    if (path[0] == "connection" && path[1] == "mtls") return std::string(1, '\0');
    return std::nullopt;
  }

 private:
  Buffer* visibleBuffer(BufferType type) {
    if (type == BufferType::kDownstreamData) return downstream_data_;
    if (type == BufferType::kUpstreamData) return upstream_data_;
    return nullptr;
  }

  bool ensureContext() {
    auto handle = config_->acquire(connection_->dispatcher(), read_->clusterManager());
    if (!handle) {
      WEIR_DEBUG("{} '{}': {}", kWasmNetworkFilterName, config_->plugin()->name, handle.status().message());
      return false;
    }
    handle_ = std::move(handle.value());
    ctx_ = std::make_unique<NetworkContext>(*handle_.vm, handle_.vm->allocateContextId(), handle_.root, *this);
    return handle_.vm->createStreamContext(*ctx_);
  }

  proxy::NetworkFilterStatus run(Callback cb, Path path, Buffer* data, std::initializer_list<uint32_t> args) {
    auto keep_alive = shared_from_this();
    in_callback_ = path;
    pending_continue_ = false;
    if (path == Path::kDownstream) downstream_data_ = data;
    else upstream_data_ = data;
    std::optional<uint32_t> r = handle_.vm->call(cb, *ctx_, args);
    in_callback_ = Path::kNone;
    downstream_data_ = nullptr;
    upstream_data_ = nullptr;
    if (!r) return onFailure();
    if (closing_ || closed_) return proxy::NetworkFilterStatus::kStopIteration;
    if (*r == kActionContinue || pending_continue_) return proxy::NetworkFilterStatus::kContinue;
    return proxy::NetworkFilterStatus::kStopIteration;
  }

  proxy::NetworkFilterStatus onFailure() {
    if (!failed_) {
      failed_ = true;
      if (config_->plugin()->failure_policy == FailurePolicy::kFailOpen) {
        if (config_->stats().fail_open) config_->stats().fail_open->inc();
        bypass_ = true;
      } else {
        if (config_->stats().fail_closed) config_->stats().fail_closed->inc();
        closing_ = true;
        connection_->close(net::ConnectionCloseType::kNoFlush, "wasm_fail_stream");
      }
    }
    return bypass_ ? proxy::NetworkFilterStatus::kContinue : proxy::NetworkFilterStatus::kStopIteration;
  }

  void destroyContext() {
    if (!ctx_) return;
    handle_.vm->destroyStreamContext(*ctx_, /*call_on_log=*/true);
    ctx_.reset();
  }

  std::shared_ptr<const WasmFilterConfig> config_;
  proxy::ReadFilterCallbacks* read_ = nullptr;
  proxy::WriteFilterCallbacks* write_ = nullptr;
  net::Connection* connection_ = nullptr;
  WasmFilterConfig::Handle handle_;
  std::unique_ptr<NetworkContext> ctx_;
  Buffer* downstream_data_ = nullptr;  // visible during proxy_on_downstream_data
  Buffer* upstream_data_ = nullptr;    // visible during proxy_on_upstream_data
  Path in_callback_ = Path::kNone;
  bool pending_continue_ = false;
  bool bypass_ = false;
  bool failed_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool upstream_close_sent_ = false;
};

std::optional<std::string_view> NetworkContext::bodyBuffer(BufferType type) { return filter_.buffer(type); }
WasmResult NetworkContext::setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) {
  return filter_.setBuffer(type, start, size, data);
}
WasmResult NetworkContext::continueStream(StreamType type) { return filter_.continueStream(type); }
WasmResult NetworkContext::closeStream(StreamType type) { return filter_.closeStream(type); }
std::optional<std::string> NetworkContext::streamProperty(std::span<const std::string_view> path) {
  return filter_.property(path);
}

class WasmNetworkFilterFactory : public proxy::NamedNetworkFilterConfigFactory {
 public:
  std::string name() const override { return std::string(kWasmNetworkFilterName); }
  std::string configTypeUrl() const override { return std::string(kWasmNetworkFilterTypeUrl); }
  Result<proxy::NetworkFilterFactoryCb> createFilterFactory(const config::NetworkFilter& filter,
                                                            proxy::NetworkFactoryContext& context) override {
    return createWasmNetworkFilterFactory(filter.typed_config.value, context.statsStore());
  }
};

}  // namespace

Result<proxy::NetworkFilterFactoryCb> createWasmNetworkFilterFactory(const nlohmann::json& typed_config,
                                                                     stats::Store* store) {
  auto config = WasmFilterConfig::create(typed_config, store);
  if (!config) return renamed(config.status());
  std::shared_ptr<const WasmFilterConfig> shared = std::move(config.value());
  return proxy::NetworkFilterFactoryCb([shared](proxy::NetworkFilterChainCallbacks& callbacks) {
    callbacks.addFilter(std::make_shared<WasmNetworkFilter>(shared));
  });
}

void registerWasmNetworkFilter(proxy::FilterRegistry& registry) {
  Status s = registry.registerNetworkFactory(std::make_unique<WasmNetworkFilterFactory>());
  if (!s.isOk()) WEIR_WARN("registering {}: {}", kWasmNetworkFilterName, s.message());
}

}  // namespace weir::proxywasm

#include "proxywasm/wasm_filter.h"

#include <algorithm>
#include <unordered_map>

#include "base/buffer.h"
#include "base/logging.h"
#include "base/stats.h"
#include "event/dispatcher.h"
#include "http/header_map.h"
#include "net/connection.h"
#include "proxy/filter.h"
#include "proxywasm/context.h"
#include "proxywasm/pairs.h"
#include "proxywasm/remote_code.h"
#include "proxywasm/wasm_vm.h"

namespace weir::proxywasm {
namespace {

// ------------------------------------------------------------ per-worker cache

struct WorkerSlot {
  std::weak_ptr<const PluginConfig> owner;
  std::shared_ptr<WasmVm> vm;
  RootContext* root = nullptr;
  std::optional<event::MonotonicTime> failed_at;
  std::string error;
  uint64_t generation = 0;  // remote code: the RemoteCode generation `vm` runs
};

struct WorkerCache {
  std::unordered_map<const PluginConfig*, WorkerSlot> slots;
  std::unordered_map<std::string, std::weak_ptr<WasmVm>> vms;  // by VmCode::key
  // VMs of replaced remote modules that streams may still run on; shut
  // down once nothing else holds them.
  std::vector<std::shared_ptr<WasmVm>> retired;

  // A VM shared by several plugins is retired by each of them: once is
  // enough (the sweep in acquire waits for the only reference to be ours).
  void retire(std::shared_ptr<WasmVm> vm) {
    if (std::find(retired.begin(), retired.end(), vm) == retired.end()) retired.push_back(std::move(vm));
  }
  ~WorkerCache() {
    for (auto& [plugin, slot] : slots) {
      if (slot.vm) slot.vm->shutdown();
    }
    for (auto& vm : retired) vm->shutdown();
  }
};

// weir.auto: a VM on the interpreter whose module's compiled code is ready
// serves no new streams (WasmFilterConfig::acquire replaces it).
bool movesToCompiledCode(const WasmVm& vm) {
  const auto& tier_up = vm.code().tier_up;
  return tier_up && vm.tier() == wasm::runtime::Tier::kInterpreter && tier_up->ready();
}

// Every WasmFilterConfig built and still alive, in creation order.
struct LiveConfigs {
  std::mutex mutex;
  std::vector<std::weak_ptr<const WasmFilterConfig>> configs;
};

LiveConfigs& liveConfigs() {
  static LiveConfigs live;
  return live;
}

void registerLiveConfig(const std::shared_ptr<const WasmFilterConfig>& config) {
  LiveConfigs& live = liveConfigs();
  std::lock_guard<std::mutex> lock(live.mutex);
  std::erase_if(live.configs, [](const auto& w) { return w.expired(); });
  live.configs.push_back(config);
}

WorkerCache& workerCache() {
  thread_local WorkerCache cache;
  return cache;
}

std::string le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
  return out;
}

std::string encodeHeaderMapProperty(const http::HeaderMap& map) { return encodePairs(headerMapPairs(map)); }

// ------------------------------------------------------------ the filter

class WasmFilter;

class StreamContext final : public Context {
 public:
  StreamContext(WasmVm& vm, uint32_t id, RootContext* root, WasmFilter& filter) : Context(vm, id, root), filter_(filter) {}
  http::HeaderMap* headerMap(MapType type, bool& writable) override;
  std::optional<std::string_view> bodyBuffer(BufferType type) override;
  WasmResult setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) override;
  WasmResult sendLocalResponse(uint32_t code, std::string_view details, std::string_view body, HeaderPairs headers,
                               uint32_t grpc_status) override;
  WasmResult continueStream(StreamType type) override;
  WasmResult closeStream(StreamType type) override;
  std::optional<std::string> streamProperty(std::span<const std::string_view> path) override;
  WasmResult setProperty(std::string_view path, std::string_view value) override;

 private:
  WasmFilter& filter_;
};

enum class Phase : uint8_t { kNone, kDecode, kEncode };

class WasmFilter : public proxy::StreamFilter, public std::enable_shared_from_this<WasmFilter> {
 public:
  explicit WasmFilter(std::shared_ptr<const WasmFilterConfig> config) : config_(std::move(config)) {}

  void setDecoderFilterCallbacks(proxy::StreamDecoderFilterCallbacks& callbacks) override { decoder_ = &callbacks; }
  void setEncoderFilterCallbacks(proxy::StreamEncoderFilterCallbacks& callbacks) override { encoder_ = &callbacks; }

  proxy::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  proxy::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  proxy::FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) override;
  proxy::FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  proxy::FilterDataStatus encodeData(Buffer& data, bool end_stream) override;
  proxy::FilterTrailersStatus encodeTrailers(http::HeaderMap& trailers) override;
  void onDestroy() override;

  // --- what the stream context reaches ---
  http::HeaderMap* headerMap(MapType type, bool& writable);
  std::optional<std::string_view> bodyBuffer(BufferType type);
  WasmResult setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data);
  WasmResult sendLocalResponse(uint32_t code, std::string_view details, std::string_view body, HeaderPairs headers,
                               uint32_t grpc_status);
  WasmResult continueStream(StreamType type);
  WasmResult closeStream(StreamType type);
  std::optional<std::string> property(std::span<const std::string_view> path);
  WasmResult setProperty(std::string_view path, std::string_view value);

 private:
  struct LocalReply {
    uint32_t code;
    std::string details;
    std::string body;
    HeaderPairs headers;
    uint32_t grpc_status;
  };
  enum class Outcome { kContinue, kStop, kFailed, kLocalReply, kClosed };

  bool ensureContext();
  // Runs a stream callback and folds its result with the actions the plugin
  // asked for during it.
  Outcome run(Callback cb, Phase phase, std::initializer_list<uint32_t> args);
  // Handles a failed VM per the failure policy; true when the stream bypasses.
  bool failOpenOrReply(Phase phase);
  void doLocalReply(LocalReply reply, Phase phase);
  void resumeRequest();
  void resumeResponse();
  std::optional<std::string> requestProperty(std::string_view name, std::span<const std::string_view> rest);
  std::optional<std::string> responseProperty(std::string_view name, std::span<const std::string_view> rest);

  std::shared_ptr<const WasmFilterConfig> config_;
  proxy::StreamDecoderFilterCallbacks* decoder_ = nullptr;
  proxy::StreamEncoderFilterCallbacks* encoder_ = nullptr;
  WasmFilterConfig::Handle handle_;
  std::unique_ptr<StreamContext> ctx_;
  bool bypass_ = false;     // fail open: this stream no longer sees the plugin
  bool failed_ = false;     // the failure was handled for this stream
  bool destroyed_ = false;

  Phase in_callback_ = Phase::kNone;
  std::optional<LocalReply> pending_reply_;
  bool pending_continue_ = false;
  bool pending_close_ = false;
  bool local_reply_sent_ = false;

  http::HeaderMap* request_trailers_ = nullptr;  // during on_request_trailers
  http::HeaderMap* response_trailers_ = nullptr;
  bool request_headers_writable_ = false;
  bool response_headers_writable_ = false;
  bool response_started_ = false;

  enum class Paused : uint8_t { kNo, kHeaders, kBody };
  Paused request_paused_ = Paused::kNo;
  Paused response_paused_ = Paused::kNo;
  Buffer request_body_;
  Buffer response_body_;
  bool request_body_visible_ = false;
  bool response_body_visible_ = false;
  bool request_end_stream_ = false;
  bool response_end_stream_ = false;

  std::map<std::string, std::string, std::less<>> properties_;  // proxy_set_property
};

// ---- StreamContext forwards to the filter.
http::HeaderMap* StreamContext::headerMap(MapType type, bool& writable) { return filter_.headerMap(type, writable); }
std::optional<std::string_view> StreamContext::bodyBuffer(BufferType type) { return filter_.bodyBuffer(type); }
WasmResult StreamContext::setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) {
  return filter_.setBodyBuffer(type, start, size, data);
}
WasmResult StreamContext::sendLocalResponse(uint32_t code, std::string_view details, std::string_view body,
                                            HeaderPairs headers, uint32_t grpc_status) {
  return filter_.sendLocalResponse(code, details, body, std::move(headers), grpc_status);
}
WasmResult StreamContext::continueStream(StreamType type) { return filter_.continueStream(type); }
WasmResult StreamContext::closeStream(StreamType type) { return filter_.closeStream(type); }
std::optional<std::string> StreamContext::streamProperty(std::span<const std::string_view> path) {
  return filter_.property(path);
}
WasmResult StreamContext::setProperty(std::string_view path, std::string_view value) {
  return filter_.setProperty(path, value);
}

bool WasmFilter::ensureContext() {
  if (ctx_) return !handle_.vm->failed();
  if (!decoder_) return false;
  auto handle = config_->acquire(decoder_->dispatcher(), decoder_->clusterManager());
  if (!handle) {
    WEIR_DEBUG("wasm filter '{}': {}", config_->plugin()->name, handle.status().message());
    return false;
  }
  handle_ = std::move(handle.value());
  ctx_ = std::make_unique<StreamContext>(*handle_.vm, handle_.vm->allocateContextId(), handle_.root, *this);
  return handle_.vm->createStreamContext(*ctx_);
}

WasmFilter::Outcome WasmFilter::run(Callback cb, Phase phase, std::initializer_list<uint32_t> args) {
  Phase saved = in_callback_;
  in_callback_ = phase;
  pending_continue_ = false;
  auto keep_alive = shared_from_this();
  std::optional<uint32_t> r = handle_.vm->call(cb, *ctx_, args);
  in_callback_ = saved;
  if (!r) return Outcome::kFailed;
  if (pending_close_) return Outcome::kClosed;
  if (pending_reply_) return Outcome::kLocalReply;
  // 0 Continue; 2 ContinueAndEndStream is Continue in Envoy too.
  if (*r == kActionContinue || *r == 2 || pending_continue_) return Outcome::kContinue;
  return Outcome::kStop;
}

bool WasmFilter::failOpenOrReply(Phase phase) {
  if (failed_) return bypass_;
  failed_ = true;
  if (config_->plugin()->failure_policy == FailurePolicy::kFailOpen) {
    if (config_->stats().fail_open) config_->stats().fail_open->inc();
    if (handle_.vm && handle_.vm->failed()) config_->noteWorkerState(true, handle_.vm->failureMessage());
    bypass_ = true;
    return true;
  }
  if (config_->stats().fail_closed) config_->stats().fail_closed->inc();
  if (handle_.vm && handle_.vm->failed()) config_->noteWorkerState(true, handle_.vm->failureMessage());
  doLocalReply(LocalReply{503, "wasm_fail_stream", "", {}, kNoGrpcStatus}, phase);
  return false;
}

void WasmFilter::doLocalReply(LocalReply reply, Phase phase) {
  if (local_reply_sent_ || destroyed_) return;
  local_reply_sent_ = true;
  auto modify = [&reply](http::HeaderMap& headers) {
    for (auto& [k, v] : reply.headers) headers.add(k, v);
    if (reply.grpc_status <= 16) headers.set("grpc-status", std::to_string(reply.grpc_status));
  };
  std::string details = reply.details.empty() ? std::string("wasm_local_reply") : reply.details;
  if (phase == Phase::kEncode || (phase == Phase::kNone && response_started_)) {
    encoder_->sendLocalReply(reply.code, reply.body, modify, details);
  } else {
    decoder_->sendLocalReply(reply.code, reply.body, modify, details);
  }
}

// ------------------------------------------------------------ decode path

proxy::FilterHeadersStatus WasmFilter::decodeHeaders(http::HeaderMap& headers, bool end_stream) {
  if (!ensureContext()) {
    return failOpenOrReply(Phase::kDecode) ? proxy::FilterHeadersStatus::kContinue
                                           : proxy::FilterHeadersStatus::kStopIteration;
  }
  request_end_stream_ = end_stream;
  request_headers_writable_ = true;
  Outcome o = run(Callback::kOnRequestHeaders, Phase::kDecode,
                  {ctx_->id(), static_cast<uint32_t>(headers.size()), end_stream ? 1u : 0u});
  switch (o) {
    case Outcome::kContinue:
      request_headers_writable_ = false;
      return proxy::FilterHeadersStatus::kContinue;
    case Outcome::kStop:
      request_paused_ = Paused::kHeaders;
      // Envoy's default: a headers Pause holds the body too.
      return proxy::FilterHeadersStatus::kStopAllIterationAndBuffer;
    case Outcome::kFailed:
      return failOpenOrReply(Phase::kDecode) ? proxy::FilterHeadersStatus::kContinue
                                             : proxy::FilterHeadersStatus::kStopIteration;
    case Outcome::kLocalReply:
      doLocalReply(std::move(*pending_reply_), Phase::kDecode);
      pending_reply_.reset();
      return proxy::FilterHeadersStatus::kStopIteration;
    case Outcome::kClosed:
      decoder_->resetStream();
      return proxy::FilterHeadersStatus::kStopIteration;
  }
  return proxy::FilterHeadersStatus::kContinue;
}

proxy::FilterDataStatus WasmFilter::decodeData(Buffer& data, bool end_stream) {
  if (bypass_) return proxy::FilterDataStatus::kContinue;
  if (failed_ || local_reply_sent_ || !ctx_) return proxy::FilterDataStatus::kStopIterationNoBuffer;
  request_end_stream_ = end_stream;
  request_body_.append(std::move(data));
  request_body_visible_ = true;
  Outcome o = run(Callback::kOnRequestBody, Phase::kDecode,
                  {ctx_->id(), static_cast<uint32_t>(request_body_.size()), end_stream ? 1u : 0u});
  switch (o) {
    case Outcome::kContinue:
      request_paused_ = Paused::kNo;
      request_body_visible_ = false;
      data.append(std::move(request_body_));
      return proxy::FilterDataStatus::kContinue;
    case Outcome::kStop:
      // The plugin wants more: hold the bytes here; the next body callback
      // sees everything held so far (Envoy: body_size is cumulative).
      request_paused_ = Paused::kBody;
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
    case Outcome::kFailed:
      if (failOpenOrReply(Phase::kDecode)) {
        data.append(std::move(request_body_));
        return proxy::FilterDataStatus::kContinue;
      }
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
    case Outcome::kLocalReply:
      doLocalReply(std::move(*pending_reply_), Phase::kDecode);
      pending_reply_.reset();
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
    case Outcome::kClosed:
      decoder_->resetStream();
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
  }
  return proxy::FilterDataStatus::kContinue;
}

proxy::FilterTrailersStatus WasmFilter::decodeTrailers(http::HeaderMap& trailers) {
  if (bypass_) return proxy::FilterTrailersStatus::kContinue;
  if (failed_ || local_reply_sent_ || !ctx_) return proxy::FilterTrailersStatus::kStopIteration;
  request_trailers_ = &trailers;
  Outcome o = run(Callback::kOnRequestTrailers, Phase::kDecode, {ctx_->id(), static_cast<uint32_t>(trailers.size())});
  request_trailers_ = nullptr;
  auto flush_body = [this] {
    if (!request_body_.empty()) decoder_->addDecodedData(request_body_, false);
    request_body_visible_ = false;
    request_paused_ = Paused::kNo;
  };
  switch (o) {
    case Outcome::kContinue:
      flush_body();
      return proxy::FilterTrailersStatus::kContinue;
    case Outcome::kStop:
      return proxy::FilterTrailersStatus::kStopIteration;
    case Outcome::kFailed:
      if (failOpenOrReply(Phase::kDecode)) {
        flush_body();
        return proxy::FilterTrailersStatus::kContinue;
      }
      return proxy::FilterTrailersStatus::kStopIteration;
    case Outcome::kLocalReply:
      doLocalReply(std::move(*pending_reply_), Phase::kDecode);
      pending_reply_.reset();
      return proxy::FilterTrailersStatus::kStopIteration;
    case Outcome::kClosed:
      decoder_->resetStream();
      return proxy::FilterTrailersStatus::kStopIteration;
  }
  return proxy::FilterTrailersStatus::kContinue;
}

// ------------------------------------------------------------ encode path

proxy::FilterHeadersStatus WasmFilter::encodeHeaders(http::HeaderMap& headers, bool end_stream) {
  response_started_ = true;
  // Local replies (ours or another filter's) and bypassed streams pass.
  if (bypass_ || !ctx_ || failed_ || local_reply_sent_) return proxy::FilterHeadersStatus::kContinue;
  response_end_stream_ = end_stream;
  response_headers_writable_ = true;
  Outcome o = run(Callback::kOnResponseHeaders, Phase::kEncode,
                  {ctx_->id(), static_cast<uint32_t>(headers.size()), end_stream ? 1u : 0u});
  switch (o) {
    case Outcome::kContinue:
      response_headers_writable_ = false;
      return proxy::FilterHeadersStatus::kContinue;
    case Outcome::kStop:
      response_paused_ = Paused::kHeaders;
      return proxy::FilterHeadersStatus::kStopAllIterationAndBuffer;
    case Outcome::kFailed:
      return failOpenOrReply(Phase::kEncode) ? proxy::FilterHeadersStatus::kContinue
                                             : proxy::FilterHeadersStatus::kStopIteration;
    case Outcome::kLocalReply:
      doLocalReply(std::move(*pending_reply_), Phase::kEncode);
      pending_reply_.reset();
      return proxy::FilterHeadersStatus::kStopIteration;
    case Outcome::kClosed:
      encoder_->resetStream();
      return proxy::FilterHeadersStatus::kStopIteration;
  }
  return proxy::FilterHeadersStatus::kContinue;
}

proxy::FilterDataStatus WasmFilter::encodeData(Buffer& data, bool end_stream) {
  if (bypass_ || !ctx_ || failed_ || local_reply_sent_) return proxy::FilterDataStatus::kContinue;
  response_end_stream_ = end_stream;
  response_body_.append(std::move(data));
  response_body_visible_ = true;
  Outcome o = run(Callback::kOnResponseBody, Phase::kEncode,
                  {ctx_->id(), static_cast<uint32_t>(response_body_.size()), end_stream ? 1u : 0u});
  switch (o) {
    case Outcome::kContinue:
      response_paused_ = Paused::kNo;
      response_body_visible_ = false;
      data.append(std::move(response_body_));
      return proxy::FilterDataStatus::kContinue;
    case Outcome::kStop:
      response_paused_ = Paused::kBody;
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
    case Outcome::kFailed:
      if (failOpenOrReply(Phase::kEncode)) {
        data.append(std::move(response_body_));
        return proxy::FilterDataStatus::kContinue;
      }
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
    case Outcome::kLocalReply:
      doLocalReply(std::move(*pending_reply_), Phase::kEncode);
      pending_reply_.reset();
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
    case Outcome::kClosed:
      encoder_->resetStream();
      return proxy::FilterDataStatus::kStopIterationNoBuffer;
  }
  return proxy::FilterDataStatus::kContinue;
}

proxy::FilterTrailersStatus WasmFilter::encodeTrailers(http::HeaderMap& trailers) {
  if (bypass_ || !ctx_ || failed_ || local_reply_sent_) return proxy::FilterTrailersStatus::kContinue;
  response_trailers_ = &trailers;
  Outcome o = run(Callback::kOnResponseTrailers, Phase::kEncode, {ctx_->id(), static_cast<uint32_t>(trailers.size())});
  response_trailers_ = nullptr;
  auto flush_body = [this] {
    if (!response_body_.empty()) encoder_->addEncodedData(response_body_, false);
    response_body_visible_ = false;
    response_paused_ = Paused::kNo;
  };
  switch (o) {
    case Outcome::kContinue:
      flush_body();
      return proxy::FilterTrailersStatus::kContinue;
    case Outcome::kStop:
      return proxy::FilterTrailersStatus::kStopIteration;
    case Outcome::kFailed:
      if (failOpenOrReply(Phase::kEncode)) {
        flush_body();
        return proxy::FilterTrailersStatus::kContinue;
      }
      return proxy::FilterTrailersStatus::kStopIteration;
    case Outcome::kLocalReply:
      doLocalReply(std::move(*pending_reply_), Phase::kEncode);
      pending_reply_.reset();
      return proxy::FilterTrailersStatus::kStopIteration;
    case Outcome::kClosed:
      encoder_->resetStream();
      return proxy::FilterTrailersStatus::kStopIteration;
  }
  return proxy::FilterTrailersStatus::kContinue;
}

void WasmFilter::onDestroy() {
  if (destroyed_) return;
  if (ctx_) {
    // Envoy's HTTP order: on_log, on_done, on_delete.
    handle_.vm->destroyStreamContext(*ctx_, true);
  }
  destroyed_ = true;
}

// ------------------------------------------------------------ host side

http::HeaderMap* WasmFilter::headerMap(MapType type, bool& writable) {
  writable = false;
  if (destroyed_ || !decoder_) return nullptr;
  switch (type) {
    case MapType::kRequestHeaders:
      // Readable for the whole stream (weir keeps them; Envoy drops them
      // once the request continued), writable until they were passed on.
      writable = request_headers_writable_;
      return decoder_->requestHeaders();
    case MapType::kRequestTrailers:
      writable = request_trailers_ != nullptr;
      return request_trailers_;
    case MapType::kResponseHeaders:
      writable = response_headers_writable_;
      return encoder_ ? encoder_->responseHeaders() : nullptr;
    case MapType::kResponseTrailers:
      writable = response_trailers_ != nullptr;
      return response_trailers_;
    default:
      return nullptr;
  }
}

std::optional<std::string_view> WasmFilter::bodyBuffer(BufferType type) {
  if (type == BufferType::kHttpRequestBody && request_body_visible_) return request_body_.view();
  if (type == BufferType::kHttpResponseBody && response_body_visible_) return response_body_.view();
  return std::nullopt;
}

WasmResult WasmFilter::setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) {
  Buffer* buffer = nullptr;
  if (type == BufferType::kHttpRequestBody && request_body_visible_) buffer = &request_body_;
  if (type == BufferType::kHttpResponseBody && response_body_visible_) buffer = &response_body_;
  if (!buffer) return WasmResult::kNotFound;
  if (start == 0) {
    buffer->drain(std::min<uint64_t>(size, buffer->size()));
    buffer->prepend(data);
    return WasmResult::kOk;
  }
  if (start >= buffer->size()) {
    buffer->append(data);
    return WasmResult::kOk;
  }
  return WasmResult::kBadArgument;
}

WasmResult WasmFilter::sendLocalResponse(uint32_t code, std::string_view details, std::string_view body,
                                         HeaderPairs headers, uint32_t grpc_status) {
  if (destroyed_ || local_reply_sent_) return WasmResult::kBadArgument;
  if (code < 200 || code > 599) return WasmResult::kBadArgument;
  LocalReply reply{code, std::string(details), std::string(body), std::move(headers), grpc_status};
  if (in_callback_ != Phase::kNone) {
    pending_reply_ = std::move(reply);
    return WasmResult::kOk;
  }
  // From a tick or callout response: act once the VM call returned.
  std::weak_ptr<WasmFilter> weak = weak_from_this();
  handle_.vm->defer([weak, reply = std::move(reply)]() mutable {
    if (auto self = weak.lock(); self && !self->destroyed_) self->doLocalReply(std::move(reply), Phase::kNone);
  });
  return WasmResult::kOk;
}

WasmResult WasmFilter::continueStream(StreamType type) {
  if (type == StreamType::kDownstream || type == StreamType::kUpstream) return WasmResult::kOk;  // no TCP stream here
  if (destroyed_) return WasmResult::kOk;
  const bool request = type == StreamType::kRequest;
  if ((in_callback_ == Phase::kDecode && request) || (in_callback_ == Phase::kEncode && !request)) {
    pending_continue_ = true;  // the current callback's result becomes Continue
    return WasmResult::kOk;
  }
  std::weak_ptr<WasmFilter> weak = weak_from_this();
  handle_.vm->defer([weak, request] {
    auto self = weak.lock();
    if (!self || self->destroyed_) return;
    if (request) self->resumeRequest();
    else self->resumeResponse();
  });
  return WasmResult::kOk;
}

void WasmFilter::resumeRequest() {
  if (local_reply_sent_) return;
  Paused paused = request_paused_;
  request_paused_ = Paused::kNo;
  request_headers_writable_ = false;
  if (paused == Paused::kHeaders) {
    decoder_->continueDecoding();
  } else if (paused == Paused::kBody) {
    request_body_visible_ = false;
    Buffer held = std::move(request_body_);
    decoder_->injectDecodedDataToFilterChain(held, request_end_stream_);
  }
}

void WasmFilter::resumeResponse() {
  if (local_reply_sent_) return;
  Paused paused = response_paused_;
  response_paused_ = Paused::kNo;
  response_headers_writable_ = false;
  if (paused == Paused::kHeaders) {
    encoder_->continueEncoding();
  } else if (paused == Paused::kBody) {
    response_body_visible_ = false;
    Buffer held = std::move(response_body_);
    encoder_->injectEncodedDataToFilterChain(held, response_end_stream_);
  }
}

WasmResult WasmFilter::closeStream(StreamType type) {
  if (type == StreamType::kDownstream || type == StreamType::kUpstream) return WasmResult::kOk;
  if (destroyed_) return WasmResult::kOk;
  if (in_callback_ != Phase::kNone) {
    pending_close_ = true;
    return WasmResult::kOk;
  }
  std::weak_ptr<WasmFilter> weak = weak_from_this();
  handle_.vm->defer([weak] {
    if (auto self = weak.lock(); self && !self->destroyed_) {
      self->destroyed_ = false;
      self->decoder_->resetStream();
    }
  });
  return WasmResult::kOk;
}

WasmResult WasmFilter::setProperty(std::string_view path, std::string_view value) {
  if (destroyed_) return WasmResult::kNotFound;
  properties_.insert_or_assign(std::string(path), std::string(value));
  return WasmResult::kOk;
}

std::optional<std::string> WasmFilter::requestProperty(std::string_view name, std::span<const std::string_view> rest) {
  const http::HeaderMap* h = decoder_ ? decoder_->requestHeaders() : nullptr;
  proxy::StreamInfo& info = decoder_->streamInfo();
  if (name == "headers") {
    if (!h) return std::nullopt;
    if (rest.empty()) return encodeHeaderMapProperty(*h);
    if (!h->has(rest[0])) return std::nullopt;
    return h->getJoined(rest[0]);
  }
  if (!rest.empty()) return std::nullopt;
  if (name == "time") {
    return le64(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(info.start_time.time_since_epoch()).count()));
  }
  if (name == "protocol") return info.protocol.empty() ? std::nullopt : std::optional<std::string>(info.protocol);
  if (name == "size") {
    if (h && h->contentLength()) return le64(*h->contentLength());
    return le64(info.bytes_received);
  }
  if (name == "duration") {
    if (!info.request_complete) return std::nullopt;
    return le64(static_cast<uint64_t>(info.request_complete->count()));
  }
  if (!h) return std::nullopt;
  std::string_view path = h->path();
  if (name == "path") return std::string(path);
  if (name == "url_path") return std::string(path.substr(0, path.find('?')));
  if (name == "query") {
    size_t q = path.find('?');
    return q == std::string_view::npos ? std::string() : std::string(path.substr(q + 1));
  }
  if (name == "host") return std::string(h->host());
  if (name == "scheme") return std::string(h->scheme().empty() ? "http" : h->scheme());
  if (name == "method") return std::string(h->method());
  if (name == "referer") return h->has("referer") ? std::optional<std::string>(std::string(h->getOr("referer"))) : std::nullopt;
  if (name == "useragent") return h->has("user-agent") ? std::optional<std::string>(std::string(h->getOr("user-agent"))) : std::nullopt;
  if (name == "id") return h->has("x-request-id") ? std::optional<std::string>(std::string(h->getOr("x-request-id"))) : std::nullopt;
  if (name == "headers_bytes") return le64(h->byteSize());
  return std::nullopt;
}

std::optional<std::string> WasmFilter::responseProperty(std::string_view name, std::span<const std::string_view> rest) {
  proxy::StreamInfo& info = decoder_->streamInfo();
  const http::HeaderMap* h = encoder_ ? encoder_->responseHeaders() : nullptr;
  if (name == "headers" || name == "trailers") {
    const http::HeaderMap* m = name == "headers" ? h : info.response_trailers;
    if (!m) return std::nullopt;
    if (rest.empty()) return encodeHeaderMapProperty(*m);
    if (!m->has(rest[0])) return std::nullopt;
    return m->getJoined(rest[0]);
  }
  if (!rest.empty()) return std::nullopt;
  if (name == "code") {
    if (info.response_code) return le64(*info.response_code);
    if (h && h->status() != 0) return le64(static_cast<uint64_t>(h->status()));
    return std::nullopt;
  }
  if (name == "code_details") {
    if (info.response_code_details.empty()) return std::nullopt;
    return info.response_code_details;
  }
  if (name == "flags") return le64(info.response_flags);
  if (name == "size") return le64(info.bytes_sent);
  if (name == "headers_bytes") return h ? std::optional<std::string>(le64(h->byteSize())) : std::nullopt;
  return std::nullopt;
}

std::optional<std::string> WasmFilter::property(std::span<const std::string_view> path) {
  if (destroyed_ || !decoder_ || path.empty()) return std::nullopt;
  // Values the plugin stored win (Envoy: filter state "wasm.<path>").
  if (!properties_.empty()) {
    std::string joined;
    for (size_t i = 0; i < path.size(); ++i) {
      if (i) joined.push_back('\0');
      joined.append(path[i]);
    }
    if (auto it = properties_.find(joined); it != properties_.end()) return it->second;
  }
  // Accept "request.path" as one segment too.
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
  std::string_view top = path[0];
  if (path.size() < 2) {
    if (top == "connection_id") return le64(decoder_->streamId());
    return std::nullopt;
  }
  std::string_view name = path[1];
  auto rest = path.subspan(2);
  proxy::StreamInfo& info = decoder_->streamInfo();
  if (top == "request") return requestProperty(name, rest);
  if (top == "response") return responseProperty(name, rest);
  if (!rest.empty()) return std::nullopt;
  if (top == "source" || top == "destination") {
    const net::Address& a = top == "source" ? info.downstream_remote_address : info.downstream_local_address;
    if (name == "address") return a.asString();
    if (name == "port") return le64(a.port());
    return std::nullopt;
  }
  if (top == "upstream") {
    if (!info.upstream_host) return std::nullopt;
    if (name == "address") return info.upstream_host->asString();
    if (name == "port") return le64(info.upstream_host->port());
    return std::nullopt;
  }
  if (top == "connection") {
    if (name == "id") return le64(decoder_->streamId());
    if (name == "mtls") return std::string(1, '\0');
    return std::nullopt;
  }
  if (top == "xds" && name == "cluster_name" && !info.upstream_cluster.empty()) return info.upstream_cluster;
  if (top == "xds" && name == "route_name" && !info.route_name.empty()) return info.route_name;
  return std::nullopt;
}

// ------------------------------------------------------------ factory

class WasmFilterFactory : public proxy::NamedHttpFilterConfigFactory {
 public:
  std::string name() const override { return std::string(kWasmFilterName); }
  std::string configTypeUrl() const override { return std::string(kWasmFilterTypeUrl); }
  Result<proxy::FilterFactoryCb> createFilterFactory(const proxy::FilterConfigTree& typed_config,
                                                     proxy::FactoryContext& context) override {
    return createWasmFilterFactory(typed_config, context.statsStore());
  }
};

}  // namespace

Result<std::shared_ptr<const WasmFilterConfig>> WasmFilterConfig::create(const proxy::FilterConfigTree& typed_config,
                                                                        stats::Store* store) {
  auto parsed = parsePluginConfig(typed_config);
  if (!parsed) return Status(parsed.status().code(), std::string(kWasmFilterName) + ": " + parsed.status().message());
  auto plugin = std::make_shared<PluginConfig>(*parsed.value());
  plugin->stats = makePluginStats(store, plugin->name.empty() ? plugin->vm->vm_id : plugin->name);
  auto config = std::shared_ptr<WasmFilterConfig>(new WasmFilterConfig());
  config->plugin_ = std::move(plugin);
  config->store_ = store;
  if (config->plugin_->remote) {
    const RemoteSource& src = *config->plugin_->remote;
    if (!remoteCodeSettings().fetch) {
      WEIR_INFO("{} '{}': code.remote {} checked, not fetched", kWasmFilterName, config->plugin_->name, src.uri);
    } else {
      // Shared with earlier generations of the same plugin config, so a
      // reload keeps the module and fetches nothing.
      const nlohmann::json* inner = typed_config.is_object() && typed_config.contains("config")
                                        ? &typed_config["config"] : &typed_config;
      bool fresh = false;
      config->remote_ = RemoteCode::obtain(inner->dump(), config->plugin_, &fresh);
      // Like Envoy's init manager: listeners wait (boundedly) for the module;
      // after that the failure policy covers the streams until it loads.
      if (fresh && !config->remote_->waitForFirstAttempt(src.timeout)) {
        const RemoteCode::Info info = config->remote_->info();
        WEIR_WARN("{} '{}': {} not loaded yet ({}); {} until it is", kWasmFilterName, config->plugin_->name,
                  src.uri, info.error.empty() ? std::string("fetching") : info.error,
                  config->plugin_->failure_policy == FailurePolicy::kFailOpen ? "streams bypass the plugin"
                                                                               : "streams get 503");
      }
    }
  } else {
    // Validate in a throwaway VM, as Envoy's canary: a plugin that rejects
    // its configuration is a config error, not a failure on the first request.
    Status valid = validateInThrowawayVm(config->plugin_->vm, config->plugin_);
    if (!valid.isOk()) {
      return Status(valid.code(),
                    std::string(kWasmFilterName) + " '" + config->plugin_->name + "': " + valid.message());
    }
  }
  registerLiveConfig(config);
  return std::shared_ptr<const WasmFilterConfig>(std::move(config));
}

WasmFilterConfig::~WasmFilterConfig() = default;

std::shared_ptr<const VmCode> WasmFilterConfig::code() const {
  if (!plugin_->remote) return plugin_->vm;
  return remote_ ? remote_->current().code : nullptr;
}

std::vector<WasmFilterConfig::WorkerState> WasmFilterConfig::workerStates() const {
  std::lock_guard<std::mutex> lock(states_mutex_);
  std::vector<WorkerState> out;
  for (const auto& [thread, state] : states_) out.push_back(state);
  return out;
}

void WasmFilterConfig::noteWorkerState(bool failed, std::string error,
                                       std::optional<wasm::runtime::Tier> tier) const {
  std::lock_guard<std::mutex> lock(states_mutex_);
  WorkerState& state = states_[std::this_thread::get_id()];
  state.failed = failed;
  state.error = std::move(error);
  if (tier) state.tier = *tier;
}

std::vector<std::shared_ptr<const WasmFilterConfig>> livePluginConfigs() {
  LiveConfigs& live = liveConfigs();
  std::lock_guard<std::mutex> lock(live.mutex);
  std::vector<std::shared_ptr<const WasmFilterConfig>> out;
  std::map<std::string, size_t> by_name;
  std::vector<std::weak_ptr<const WasmFilterConfig>> kept;
  for (auto& weak : live.configs) {  // oldest first
    auto config = weak.lock();
    if (!config) continue;
    kept.push_back(weak);
    const std::string& name = config->plugin()->name;
    if (auto it = by_name.find(name); it != by_name.end()) {
      out[it->second] = std::move(config);
    } else {
      by_name.emplace(name, out.size());
      out.push_back(std::move(config));
    }
  }
  live.configs = std::move(kept);
  return out;
}

Result<WasmFilterConfig::Handle> WasmFilterConfig::acquire(event::Dispatcher& dispatcher,
                                                           upstream::ThreadLocalClusterManager* clusters) const {
  WorkerCache& cache = workerCache();
  std::erase_if(cache.retired, [](std::shared_ptr<WasmVm>& vm) {
    if (vm.use_count() > 1) return false;
    vm->shutdown();
    return true;
  });
  // Forget plugins whose config is gone (reloaded away).
  for (auto it = cache.slots.begin(); it != cache.slots.end();) {
    if (it->second.owner.expired() && it->first != plugin_.get()) {
      if (it->second.vm && it->second.vm.use_count() == 1) it->second.vm->shutdown();
      it = cache.slots.erase(it);
    } else {
      ++it;
    }
  }
  WorkerSlot& slot = cache.slots[plugin_.get()];
  if (slot.owner.lock() != plugin_) {  // first use, or an address reused
    slot = WorkerSlot();
    slot.owner = plugin_;
  }
  std::shared_ptr<const VmCode> code = plugin_->vm;
  if (plugin_->remote) {
    if (!remote_) return failedPrecondition("code.remote is not fetched by this process");
    if (slot.vm && !slot.vm->failed() && slot.generation == remote_->generation() && !movesToCompiledCode(*slot.vm)) {
      return Handle{slot.vm, slot.root};
    }
    RemoteCode::Current current = remote_->current();
    if (!current.code) return unavailable("remote module " + remote_->source().uri + " not loaded yet");
    code = std::move(current.code);
    if (slot.generation != current.generation) {
      // A new module: new streams get a VM of it; streams in flight finish
      // on the old one, which is shut down once they are done. A failure of
      // the old module does not hold back the new one.
      if (slot.vm) cache.retire(std::move(slot.vm));
      slot.vm.reset();
      slot.root = nullptr;
      slot.failed_at.reset();
      slot.generation = current.generation;
    }
  }
  // weir.auto: once the compiled code is ready, new streams move to a VM on
  // it, and the interpreter's VM retires when its streams are done — the
  // same swap as a new remote module.
  const bool tier_up = code->tier_up && code->tier_up->ready();
  if (slot.vm && movesToCompiledCode(*slot.vm)) {
    cache.retire(std::move(slot.vm));
    slot.vm.reset();
    slot.root = nullptr;
  }
  if (slot.vm && !slot.vm->failed()) return Handle{slot.vm, slot.root};
  const auto now = event::Dispatcher::monotonicNow();
  if (slot.vm && slot.vm->failed() && !slot.failed_at) {
    slot.failed_at = now;
    slot.error = slot.vm->failureMessage();
    if (stats().vm_failed) stats().vm_failed->inc();
    noteWorkerState(true, slot.error);
  }
  if (slot.failed_at) {
    if (plugin_->failure_policy != FailurePolicy::kFailReload) return internalError("Wasm VM failed: " + slot.error);
    if (now - *slot.failed_at < plugin_->reload_backoff) return internalError("Wasm VM failed, reload pending: " + slot.error);
  }
  // (Re)create: share a healthy VM of the same code on this worker.
  std::shared_ptr<WasmVm> vm;
  if (auto it = cache.vms.find(code->key); it != cache.vms.end()) {
    vm = it->second.lock();
    if (vm && (vm->failed() || (tier_up && vm->tier() == wasm::runtime::Tier::kInterpreter))) vm.reset();
  }
  if (!vm) {
    auto created = WasmVm::create(code, VmEnvironment{&dispatcher, store_, clusters},
                                  tier_up ? code->tier_up->compiled() : nullptr);
    if (!created) {
      slot.vm.reset();
      slot.failed_at = now;
      slot.error = created.status().message();
      if (stats().vm_failed) stats().vm_failed->inc();
      noteWorkerState(true, slot.error);
      return created.status();
    }
    vm = std::move(created.value());
    cache.vms[code->key] = vm;
    if (stats().vm_created) stats().vm_created->inc();
    if (vm->tier() == wasm::runtime::Tier::kAot && stats().vm_compiled) stats().vm_compiled->inc();
    if (slot.failed_at && stats().vm_reloaded) stats().vm_reloaded->inc();
  }
  RootContext* root = vm->rootFor(plugin_.get());
  if (!root) {
    auto started = vm->startPlugin(plugin_);
    if (!started) {
      slot.vm.reset();
      slot.failed_at = now;
      slot.error = started.status().message();
      noteWorkerState(true, slot.error);
      return started.status();
    }
    root = started.value();
  }
  if (slot.vm && slot.vm != vm) slot.vm->shutdown();
  slot.vm = vm;
  slot.root = root;
  slot.failed_at.reset();
  slot.error.clear();
  noteWorkerState(false, {}, vm->tier());
  return Handle{vm, root};
}

void releaseThreadLocalWasmVms() {
  WorkerCache& cache = workerCache();
  for (auto& [plugin, slot] : cache.slots) {
    if (slot.vm) slot.vm->shutdown();
  }
  for (auto& vm : cache.retired) vm->shutdown();
  cache.slots.clear();
  cache.vms.clear();
  cache.retired.clear();
}

Result<proxy::FilterFactoryCb> createWasmFilterFactory(const proxy::FilterConfigTree& typed_config,
                                                       stats::Store* store) {
  auto config = WasmFilterConfig::create(typed_config, store);
  if (!config) return config.status();
  std::shared_ptr<const WasmFilterConfig> shared = std::move(config.value());
  return proxy::FilterFactoryCb([shared](proxy::FilterChainFactoryCallbacks& callbacks) {
    callbacks.addStreamFilter(std::make_shared<WasmFilter>(shared));
  });
}

void registerWasmFilter(proxy::FilterRegistry& registry) {
  Status s = registry.registerFactory(std::make_unique<WasmFilterFactory>());
  if (!s.isOk()) WEIR_WARN("registering {}: {}", kWasmFilterName, s.message());
}

}  // namespace weir::proxywasm

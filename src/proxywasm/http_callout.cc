#include "proxywasm/http_callout.h"

#include "http/header_map.h"
#include "proxywasm/context.h"
#include "proxywasm/wasm_vm.h"
#include "upstream/cluster_manager.h"

namespace weir::proxywasm {

HttpCallout::HttpCallout(WasmVm& vm, RootContext& root, uint32_t token) : vm_(vm), root_(root), token_(token) {}

HttpCallout::~HttpCallout() { cancel(); }

void HttpCallout::cancel() {
  done_ = true;
  timeout_.reset();
  if (pending_) {
    pending_->cancel();
    pending_ = nullptr;
  }
  if (stream_) {
    upstream::UpstreamStream* s = stream_;
    stream_ = nullptr;
    s->reset();
  }
}

void HttpCallout::start(upstream::ThreadLocalCluster& cluster, std::unique_ptr<http::HeaderMap> headers,
                        std::string body, std::unique_ptr<http::HeaderMap> trailers, uint32_t timeout_ms) {
  request_headers_ = std::move(headers);
  request_body_.append(body);
  request_trailers_ = std::move(trailers);
  event::Dispatcher& dispatcher = *vm_.environment().dispatcher;
  if (timeout_ms > 0) {
    timeout_ = dispatcher.createTimer([this] { finish(false); });
    timeout_->enable(std::chrono::milliseconds(timeout_ms));
  }
  upstream::HostConstSharedPtr host = cluster.chooseHost(nullptr);
  if (!host) {
    // Never answer inside proxy_http_call itself.
    timeout_ = dispatcher.createTimer([this] { finish(false); });
    timeout_->enable(std::chrono::milliseconds(0));
    return;
  }
  pending_ = cluster.httpConnPool(host).newStream(*this, *this);
}

void HttpCallout::onPoolReady(upstream::UpstreamStream& stream, const upstream::HostConstSharedPtr&) {
  pending_ = nullptr;
  if (done_) {
    stream.reset();
    return;
  }
  stream_ = &stream;
  const bool has_body = !request_body_.empty();
  const bool has_trailers = request_trailers_ != nullptr;
  stream.encodeHeaders(*request_headers_, !has_body && !has_trailers);
  if (has_body) stream.encodeData(request_body_, !has_trailers);
  if (has_trailers) stream.encodeTrailers(*request_trailers_);
}

void HttpCallout::onPoolFailure(upstream::PoolFailureReason, std::string_view, const upstream::HostConstSharedPtr&) {
  pending_ = nullptr;
  // May run inside newStream(), i.e. inside proxy_http_call: finish later.
  if (!done_ && vm_.environment().dispatcher) {
    timeout_ = vm_.environment().dispatcher->createTimer([this] { finish(false); });
    timeout_->enable(std::chrono::milliseconds(0));
  }
}

void HttpCallout::onUpstreamHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  response_headers_ = std::move(headers);
  if (end_stream) finish(true);
}

void HttpCallout::onUpstreamData(Buffer& data, bool end_stream) {
  if (response_body_.size() + data.size() > kMaxResponseBytes) {
    finish(false);
    return;
  }
  response_body_.append(std::move(data));
  if (end_stream) finish(true);
}

void HttpCallout::onUpstreamTrailers(std::unique_ptr<http::HeaderMap> trailers) {
  response_trailers_ = std::move(trailers);
  finish(true);
}

void HttpCallout::onUpstreamReset(upstream::StreamResetReason, std::string_view) {
  stream_ = nullptr;
  finish(false);
}

void HttpCallout::finish(bool success) {
  if (done_) return;
  done_ = true;
  if (success) {
    stream_ = nullptr;  // the response completed; the pool owns the stream again
  } else {
    if (pending_) pending_->cancel();
    pending_ = nullptr;
    if (stream_) {
      upstream::UpstreamStream* s = stream_;
      stream_ = nullptr;
      s->reset();
    }
  }
  // Take ourselves out of the root context; destroyed after this callback.
  auto& callouts = root_.callouts();
  auto it = callouts.find(token_);
  std::unique_ptr<HttpCallout> self;
  if (it != callouts.end()) {
    self = std::move(it->second);
    callouts.erase(it);
  }
  event::Dispatcher* dispatcher = vm_.environment().dispatcher;
  std::weak_ptr<WasmVm> weak = vm_.weak_from_this();
  uint32_t root_id = root_.id();
  uint32_t token = token_;
  // Everything the plugin reads lives in this object until the call returns.
  auto deliver = [this, weak, root_id, token, success] {
    std::shared_ptr<WasmVm> vm = weak.lock();
    if (!vm) return;
    Context* root = vm->findContext(root_id);
    if (!root) return;
    CalloutResponse response;
    uint32_t num_headers = 0, num_trailers = 0, body_size = 0;
    if (success && response_headers_) {
      response.headers = response_headers_.get();
      response.trailers = response_trailers_.get();
      response.body = response_body_.view();
      num_headers = static_cast<uint32_t>(response_headers_->size());
      num_trailers = response_trailers_ ? static_cast<uint32_t>(response_trailers_->size()) : 0;
      body_size = static_cast<uint32_t>(response_body_.size());
      vm->lastStatus() = {0, ""};
    } else {
      vm->lastStatus() = {static_cast<uint32_t>(WasmResult::kBrokenConnection), "reset"};
    }
    const CalloutResponse* saved = vm->calloutResponse();
    vm->setCalloutResponse(&response);
    (void)vm->call(Callback::kOnHttpCallResponse, *root, {root_id, token, num_headers, body_size, num_trailers});
    vm->setCalloutResponse(saved);
  };
  deliver();
  if (self && dispatcher) dispatcher->deferredDelete(std::move(self));
}

}  // namespace weir::proxywasm

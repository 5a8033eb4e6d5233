// One proxy_http_call: an HTTP/1.1 request to a named cluster through the
// worker's connection pools, answered to the plugin's root context with
// proxy_on_http_call_response(root, token, headers, body size, trailers).
// A failure (no host, connect error, reset, timeout) is delivered as
// num_headers = 0 with proxy_get_status = (BrokenConnection, "reset"), as
// Envoy does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/buffer.h"
#include "base/status.h"
#include "event/dispatcher.h"
#include "upstream/http_conn_pool.h"

namespace weir::http {
class HeaderMap;
}
namespace weir::upstream {
class ThreadLocalCluster;
}

namespace weir::proxywasm {

class WasmVm;
class RootContext;

class HttpCallout : public event::DeferredDeletable,
                    public upstream::UpstreamResponseCallbacks,
                    public upstream::PoolCallbacks {
 public:
  // Upper bound on a callout response body held for the plugin.
  static constexpr size_t kMaxResponseBytes = 4u << 20;

  HttpCallout(WasmVm& vm, RootContext& root, uint32_t token);
  ~HttpCallout() override;

  // Sends the request; the result arrives later, never inside this call.
  void start(upstream::ThreadLocalCluster& cluster, std::unique_ptr<http::HeaderMap> headers, std::string body,
             std::unique_ptr<http::HeaderMap> trailers, uint32_t timeout_ms);
  // Stops without a callback (the root context goes away).
  void cancel();

  // upstream::PoolCallbacks
  void onPoolReady(upstream::UpstreamStream& stream, const upstream::HostConstSharedPtr& host) override;
  void onPoolFailure(upstream::PoolFailureReason reason, std::string_view details,
                     const upstream::HostConstSharedPtr& host) override;
  // upstream::UpstreamResponseCallbacks
  void onUpstreamHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override;
  void onUpstreamData(Buffer& data, bool end_stream) override;
  void onUpstreamTrailers(std::unique_ptr<http::HeaderMap> trailers) override;
  void onUpstreamReset(upstream::StreamResetReason reason, std::string_view details) override;

 private:
  void finish(bool success);

  WasmVm& vm_;
  RootContext& root_;
  uint32_t token_;
  std::unique_ptr<http::HeaderMap> request_headers_;
  Buffer request_body_;
  std::unique_ptr<http::HeaderMap> request_trailers_;
  upstream::Cancellable* pending_ = nullptr;
  upstream::UpstreamStream* stream_ = nullptr;
  event::TimerPtr timeout_;
  std::unique_ptr<http::HeaderMap> response_headers_;
  std::unique_ptr<http::HeaderMap> response_trailers_;
  Buffer response_body_;
  bool done_ = false;
};

}  // namespace weir::proxywasm

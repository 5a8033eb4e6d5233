// envoy.filters.http.router — the terminal HTTP filter. It takes the matched
// route, picks the upstream cluster (cluster / weighted_clusters /
// cluster_header) and a host, rewrites the request (prefix/regex rewrite,
// host rewrite, headers to add/remove), sends it through the worker's
// connection pool and streams the response back into the encoder filters.
//
// Timeouts: the route timeout (default 15 s) runs from the end of the
// downstream request to the end of the upstream response headers (→ 504, UT);
// per_try_timeout bounds each attempt; idle_timeout fires when no byte moved
// either way for that long. Retries (retry_policy) happen only while the whole
// request body is still held by the router (the per-connection buffer limit
// bounds it), with Envoy's jittered exponential backoff (25 ms base, 250 ms cap).
// Failures become Envoy's local replies and response flags (UH, UF, UO, UC, UT,
// URX, NC, DC) in the stream info for access logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "base/buffer.h"
#include "proxy/filter.h"
#include "proxy/filter_factory.h"
#include "upstream/cluster_manager.h"
#include "upstream/http_conn_pool.h"

namespace weir::config {
struct Route;
struct RetryPolicy;
}

namespace weir::filters::router {

inline constexpr std::string_view kRouterFilterName = "envoy.filters.http.router";
inline constexpr std::string_view kRouterTypeUrl =
    "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

// Immutable, built once per config load.
struct RouterConfig {
  std::chrono::milliseconds retry_base_interval{25};
  std::chrono::milliseconds retry_max_interval{250};
};

// Registers the router factory (terminal filter) under its Envoy name and
// @type. Called from filters/builtin.cc.
void registerRouterFilter(proxy::FilterRegistry& registry);

class RouterFilter : public proxy::StreamDecoderFilter,
                     public proxy::DownstreamWatermarkCallbacks,
                     public upstream::UpstreamResponseCallbacks,
                     public upstream::PoolCallbacks {
 public:
  explicit RouterFilter(std::shared_ptr<const RouterConfig> config);
  ~RouterFilter() override;

  // StreamDecoderFilter
  proxy::FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  proxy::FilterDataStatus decodeData(Buffer& data, bool end_stream) override;
  proxy::FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) override;
  void setDecoderFilterCallbacks(proxy::StreamDecoderFilterCallbacks& callbacks) override {
    callbacks_ = &callbacks;
  }
  void onDestroy() override;

  // DownstreamWatermarkCallbacks: the client is slow → stop reading upstream.
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;

  // PoolCallbacks
  void onPoolReady(upstream::UpstreamStream& stream, const upstream::HostConstSharedPtr& host) override;
  void onPoolFailure(upstream::PoolFailureReason reason, std::string_view details,
                     const upstream::HostConstSharedPtr& host) override;

  // UpstreamResponseCallbacks
  void onUpstream1xxHeaders(std::unique_ptr<http::HeaderMap> headers) override;
  void onUpstreamHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) override;
  void onUpstreamData(Buffer& data, bool end_stream) override;
  void onUpstreamTrailers(std::unique_ptr<http::HeaderMap> trailers) override;
  void onUpstreamReset(upstream::StreamResetReason reason, std::string_view details) override;
  void onUpstreamAboveWriteBufferHighWatermark() override;
  void onUpstreamBelowWriteBufferLowWatermark() override;

  // Envoy's jittered exponential backoff: uniform in [0, min(base * 2^n, max)).
  static std::chrono::milliseconds backoff(uint32_t attempt, std::chrono::milliseconds base,
                                           std::chrono::milliseconds max, uint64_t random);

 private:
  enum class RetryReason { kNone, kStatus, kReset, kConnectFailure, kPerTryTimeout };

  void startAttempt();
  void cleanupAttempt();  // detaches from the current pool request / stream
  void sendRequestBody();
  void onRequestComplete();
  void onResponseStarted();
  void finishStream();
  bool mayRetry(RetryReason reason, int status) const;
  bool retriableStatus(int status) const;  // retry_on bits only, no budget
  bool scheduleRetry();
  void onGlobalTimeout();
  void onPerTryTimeout();
  void onIdleTimeout();
  void touchIdle();
  void localReply(uint32_t code, std::string_view body, uint32_t flag, std::string_view details);
  void failBeforeResponse(uint32_t flag, std::string_view reason, std::string_view details,
                          uint32_t code = 503);
  uint64_t nextRandom();

  std::shared_ptr<const RouterConfig> config_;
  proxy::StreamDecoderFilterCallbacks* callbacks_ = nullptr;

  // Request state.
  http::HeaderMap* request_headers_ = nullptr;
  http::HeaderMap* request_trailers_ = nullptr;
  const config::Route* route_ = nullptr;
  const config::RetryPolicy* retry_policy_ = nullptr;
  upstream::ThreadLocalCluster* cluster_ = nullptr;
  bool request_complete_ = false;  // downstream request fully received
  bool headers_only_ = false;
  // Whole body kept for retries while it fits the buffer limit.
  Buffer retry_body_;
  bool retry_body_valid_ = true;
  // Body received but not yet handed to an upstream stream (no retries).
  Buffer unsent_body_;
  bool unsent_above_limit_ = false;
  uint32_t buffer_limit_ = 0;

  // Current attempt.
  upstream::Cancellable* pool_handle_ = nullptr;
  upstream::UpstreamStream* upstream_ = nullptr;
  upstream::HostConstSharedPtr host_;
  const upstream::Host* previous_host_ = nullptr;
  bool upstream_above_ = false;  // we told the HCM to stop reading downstream
  uint32_t attempts_ = 0;
  uint32_t retries_done_ = 0;
  bool retry_resource_held_ = false;
  bool idle_retry_used_ = false;

  // Response state.
  bool response_started_ = false;  // headers went downstream
  bool done_ = false;              // response complete, or a local reply
  uint32_t downstream_above_ = 0;  // client write buffer above high watermark
  bool watermark_registered_ = false;

  event::TimerPtr global_timer_;
  event::TimerPtr per_try_timer_;
  event::TimerPtr idle_timer_;
  event::TimerPtr retry_timer_;
  std::chrono::milliseconds idle_timeout_{0};
  event::MonotonicTime attempt_start_{};
};

}  // namespace weir::filters::router

#include "filters/router/router_filter.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "config/bootstrap.h"
#include "filters/header_options.h"
#include "http/header_map.h"
#include "proxy/route_table.h"
#include "proxy/stream_info.h"

namespace weir::filters::router {

namespace {

using proxy::FilterDataStatus;
using proxy::FilterHeadersStatus;
using proxy::FilterTrailersStatus;

constexpr std::string_view kResetBeforeHeaders =
    "upstream connect error or disconnect/reset before headers. reset reason: ";

// Per-worker PRNG: weighted cluster picks and backoff jitter need speed, not
// quality, and must not share state across threads.
uint64_t threadRandom() {
  thread_local uint64_t state = [] {
    std::random_device rd;
    uint64_t s = (uint64_t{rd()} << 32) ^ rd();
    return s == 0 ? 0x9e3779b97f4a7c15ULL : s;
  }();
  // xorshift64*
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

bool isIdempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
         method == "PUT" || method == "DELETE";
}

class RouterFactory : public proxy::NamedHttpFilterConfigFactory {
 public:
  std::string name() const override { return std::string(kRouterFilterName); }
  std::string configTypeUrl() const override { return std::string(kRouterTypeUrl); }
  bool isTerminalFilter() const override { return true; }

  Result<proxy::FilterFactoryCb> createFilterFactory(const proxy::FilterConfigTree& typed_config,
                                                     proxy::FactoryContext&) override {
    if (!typed_config.is_null() && !typed_config.is_object()) {
      return invalidArgument("envoy.filters.http.router: typed_config must be an object");
    }
    if (typed_config.is_object()) {
      for (const auto& [key, value] : typed_config.items()) {
        // weir never adds x-envoy-* response headers and has no dynamic stats
        // to switch off, so these two are honoured by construction.
        if (key == "suppress_envoy_headers" || key == "dynamic_stats") {
          if (!value.is_boolean()) {
            return invalidArgument("envoy.filters.http.router: " + key + " must be a boolean");
          }
          continue;
        }
        return invalidArgument("envoy.filters.http.router: field '" + key +
                               "' is not supported by weir");
      }
    }
    auto config = std::make_shared<const RouterConfig>();
    return proxy::FilterFactoryCb([config](proxy::FilterChainFactoryCallbacks& callbacks) {
      callbacks.addStreamDecoderFilter(std::make_shared<RouterFilter>(config));
    });
  }
};

}  // namespace

void registerRouterFilter(proxy::FilterRegistry& registry) {
  Status s = registry.registerFactory(std::make_unique<RouterFactory>());
  if (!s.isOk()) WEIR_ERROR("router filter registration: {}", s.message());
}

std::chrono::milliseconds RouterFilter::backoff(uint32_t attempt, std::chrono::milliseconds base,
                                                std::chrono::milliseconds max, uint64_t random) {
  uint64_t ceiling = static_cast<uint64_t>(base.count());
  for (uint32_t i = 0; i < attempt && ceiling < static_cast<uint64_t>(max.count()); ++i) ceiling *= 2;
  ceiling = std::min<uint64_t>(ceiling, max.count());
  if (ceiling == 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(random % ceiling);
}

RouterFilter::RouterFilter(std::shared_ptr<const RouterConfig> config) : config_(std::move(config)) {}

RouterFilter::~RouterFilter() = default;

uint64_t RouterFilter::nextRandom() { return threadRandom(); }

// ---------------------------------------------------------------- decode

FilterHeadersStatus RouterFilter::decodeHeaders(http::HeaderMap& headers, bool end_stream) {
  request_headers_ = &headers;
  headers_only_ = end_stream;
  proxy::StreamInfo& info = callbacks_->streamInfo();

  const proxy::MatchedRoute* match = callbacks_->route();
  if (match == nullptr || match->route == nullptr) {
    localReply(404, "", proxy::kNoRouteFound, "route_not_found");
    return FilterHeadersStatus::kStopIteration;
  }
  route_ = match->route;
  info.route_name = route_->name;
  switch (route_->action_kind) {
    case config::Route::ActionKind::kDirectResponse:
      // Normally answered by the connection manager before the terminal
      // filter; handled here too so the router is complete on its own.
      done_ = true;
      callbacks_->sendLocalReply(route_->direct_response.status,
                                 route_->direct_response.body.value_or(""), nullptr,
                                 "direct_response");
      return FilterHeadersStatus::kStopIteration;
    case config::Route::ActionKind::kRedirect: {
      std::string url = proxy::RouteTable::redirectUrl(*route_, headers.scheme().empty() ? "http" : headers.scheme(),
                                                       headers.authority(), headers.path());
      done_ = true;
      callbacks_->sendLocalReply(
          route_->redirect.response_code, "",
          [&url](http::HeaderMap& h) { h.set(http::KnownHeader::kLocation, url); }, "redirect");
      return FilterHeadersStatus::kStopIteration;
    }
    case config::Route::ActionKind::kRoute: break;
  }

  const config::RouteAction& action = route_->route;
  std::string_view cluster_name = proxy::RouteTable::selectCluster(action, headers, nextRandom());
  upstream::ThreadLocalClusterManager* cm = callbacks_->clusterManager();
  cluster_ = cm != nullptr && !cluster_name.empty() ? cm->get(cluster_name) : nullptr;
  if (cluster_ == nullptr) {
    localReply(503, "", proxy::kNoClusterFound, "cluster_not_found");
    return FilterHeadersStatus::kStopIteration;
  }
  info.upstream_cluster = cluster_->info().name();

  if (auto path = proxy::RouteTable::rewritePath(*route_, headers.path())) {
    headers.setPath(*path);
  }
  if (action.host_rewrite_literal) headers.setHost(*action.host_rewrite_literal);
  applyHeaderOptions(headers, route_->request_headers_to_add, route_->request_headers_to_remove);
  if (match->virtual_host != nullptr) {
    applyHeaderOptions(headers, match->virtual_host->request_headers_to_add,
                       match->virtual_host->request_headers_to_remove);
  }

  retry_policy_ = action.retry_policy ? &*action.retry_policy : nullptr;
  retry_body_valid_ = retry_policy_ != nullptr && retry_policy_->num_retries > 0 && !end_stream;
  buffer_limit_ = callbacks_->decoderBufferLimit();
  if (action.idle_timeout) idle_timeout_ = *action.idle_timeout;
  touchIdle();

  if (end_stream) onRequestComplete();
  startAttempt();
  return FilterHeadersStatus::kStopIteration;
}

FilterDataStatus RouterFilter::decodeData(Buffer& data, bool end_stream) {
  if (done_ || cluster_ == nullptr) {
    data.drain(data.size());
    return FilterDataStatus::kStopIterationNoBuffer;
  }
  touchIdle();
  if (retry_body_valid_) {
    if (retry_body_.size() + data.size() > buffer_limit_) {
      // Too big to keep: from now on the body streams and retries are off.
      retry_body_valid_ = false;
      if (upstream_ == nullptr) {
        unsent_body_.append(std::move(retry_body_));
      }
      retry_body_.release();
    } else {
      retry_body_.append(data.view());
      if (upstream_ == nullptr) data.drain(data.size());
    }
  }
  if (upstream_ != nullptr) {
    upstream_->encodeData(data, end_stream);
  } else if (!data.empty()) {
    unsent_body_.append(std::move(data));
    if (!unsent_above_limit_ && unsent_body_.size() > buffer_limit_) {
      // The upstream is not ready yet: stop reading the client meanwhile.
      unsent_above_limit_ = true;
      callbacks_->onDecoderFilterAboveWriteBufferHighWatermark();
    }
  }
  if (end_stream) onRequestComplete();
  return FilterDataStatus::kStopIterationNoBuffer;
}

FilterTrailersStatus RouterFilter::decodeTrailers(http::HeaderMap& trailers) {
  if (done_ || cluster_ == nullptr) return FilterTrailersStatus::kStopIteration;
  request_trailers_ = &trailers;
  if (upstream_ != nullptr) upstream_->encodeTrailers(trailers);
  onRequestComplete();
  return FilterTrailersStatus::kStopIteration;
}

void RouterFilter::onRequestComplete() {
  request_complete_ = true;
  callbacks_->streamInfo().last_downstream_rx_byte_received =
      callbacks_->streamInfo().sinceStart(callbacks_->dispatcher().approximateMonotonicTime());
  const auto timeout = route_->route.timeout;
  if (timeout.count() > 0 && !global_timer_) {
    global_timer_ = callbacks_->dispatcher().createTimer([this]() { onGlobalTimeout(); });
    global_timer_->enable(timeout);
  }
  if (upstream_ != nullptr && retry_policy_ != nullptr && retry_policy_->per_try_timeout.count() > 0) {
    if (!per_try_timer_) {
      per_try_timer_ = callbacks_->dispatcher().createTimer([this]() { onPerTryTimeout(); });
    }
    per_try_timer_->enable(retry_policy_->per_try_timeout);
  }
}

// ---------------------------------------------------------------- attempts

void RouterFilter::startAttempt() {
  ++attempts_;
  upstream::LoadBalancerContext context;
  context.previous_host = previous_host_;
  host_ = cluster_->chooseHost(&context);
  if (!host_) {
    failBeforeResponse(proxy::kNoHealthyUpstream, "no healthy upstream", "no_healthy_upstream");
    return;
  }
  callbacks_->streamInfo().upstream_host = host_->address();
  if (route_->route.auto_host_rewrite && !host_->hostname().empty()) {
    request_headers_->setHost(host_->hostname());
  }
  upstream::HttpConnPool& pool = cluster_->httpConnPool(host_);
  upstream::Cancellable* handle = pool.newStream(*this, *this);
  // A synchronous onPoolReady/onPoolFailure already ran when handle is null.
  if (handle != nullptr) pool_handle_ = handle;
}

void RouterFilter::onPoolReady(upstream::UpstreamStream& stream,
                               const upstream::HostConstSharedPtr& host) {
  pool_handle_ = nullptr;
  if (!watermark_registered_) {
    // May call onAboveWriteBufferHighWatermark right away; upstream_ is not
    // set yet so that is only counted, and applied just below.
    watermark_registered_ = true;
    callbacks_->addDownstreamWatermarkCallbacks(*this);
  }
  upstream_ = &stream;
  if (!callbacks_->streamInfo().first_upstream_tx_byte_sent) {
    callbacks_->streamInfo().first_upstream_tx_byte_sent =
        callbacks_->streamInfo().sinceStart(callbacks_->dispatcher().approximateMonotonicTime());
  }
  for (uint32_t i = 0; i < downstream_above_; ++i) stream.readDisable(true);
  sendRequestBody();
  if (upstream_ != nullptr && request_complete_ && retry_policy_ != nullptr &&
      retry_policy_->per_try_timeout.count() > 0) {
    if (!per_try_timer_) {
      per_try_timer_ = callbacks_->dispatcher().createTimer([this]() { onPerTryTimeout(); });
    }
    per_try_timer_->enable(retry_policy_->per_try_timeout);
  }
}

void RouterFilter::sendRequestBody() {
  upstream::UpstreamStream* up = upstream_;
  up->encodeHeaders(*request_headers_, headers_only_);
  if (headers_only_) return;
  const bool body_end = request_complete_ && request_trailers_ == nullptr;
  if (retry_body_valid_) {
    if (!retry_body_.empty() || body_end) {
      Buffer copy = retry_body_.copy();  // kept for a possible retry
      up->encodeData(copy, body_end);
    }
  } else if (!unsent_body_.empty() || body_end) {
    up->encodeData(unsent_body_, body_end);
  }
  if (unsent_above_limit_) {
    unsent_above_limit_ = false;
    callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
  }
  if (request_complete_ && request_trailers_ != nullptr && upstream_ == up) {
    up->encodeTrailers(*request_trailers_);
  }
}

void RouterFilter::onPoolFailure(upstream::PoolFailureReason reason, std::string_view details,
                                 const upstream::HostConstSharedPtr& host) {
  pool_handle_ = nullptr;
  proxy::StreamInfo& info = callbacks_->streamInfo();
  info.upstream_transport_failure_reason = std::string(details);
  if (reason == upstream::PoolFailureReason::kOverflow) {
    localReply(503, std::string(kResetBeforeHeaders) + "overflow", proxy::kUpstreamOverflow,
               "upstream_reset_before_response_started{overflow}");
    return;
  }
  if (mayRetry(RetryReason::kConnectFailure, 0) && scheduleRetry()) return;
  failBeforeResponse(proxy::kUpstreamConnectionFailure,
                     std::string(kResetBeforeHeaders) + "connection failure",
                     "upstream_reset_before_response_started{connection_failure}");
}

bool RouterFilter::mayRetry(RetryReason reason, int status) const {
  if (retry_policy_ == nullptr || retries_done_ >= retry_policy_->num_retries) return false;
  // The request must be replayable: everything it carried is still held.
  if (!headers_only_ && !retry_body_valid_) return false;
  const uint32_t on = retry_policy_->retry_on;
  switch (reason) {
    case RetryReason::kNone: return false;
    case RetryReason::kStatus: return retriableStatus(status);
    case RetryReason::kReset:
    case RetryReason::kPerTryTimeout:
      return (on & (config::kRetry5xx | config::kRetryGatewayError | config::kRetryReset)) != 0;
    case RetryReason::kConnectFailure:
      return (on & (config::kRetry5xx | config::kRetryGatewayError | config::kRetryReset |
                    config::kRetryConnectFailure)) != 0;
  }
  return false;
}

bool RouterFilter::retriableStatus(int status) const {
  const uint32_t on = retry_policy_->retry_on;
  {
    {
      if ((on & config::kRetry5xx) && status >= 500) return true;
      if ((on & config::kRetryGatewayError) && (status == 502 || status == 503 || status == 504)) {
        return true;
      }
      if ((on & config::kRetryRetriable4xx) && status == 409) return true;
      if (on & config::kRetryRetriableStatusCodes) {
        const auto& codes = retry_policy_->retriable_status_codes;
        if (std::find(codes.begin(), codes.end(), static_cast<uint32_t>(status)) != codes.end()) {
          return true;
        }
      }
      return false;
    }
  }
}

bool RouterFilter::scheduleRetry() {
  const upstream::ClusterInfo& ci = cluster_->info();
  if (retry_resource_held_) {
    ci.resourceManager().retries.release();
    retry_resource_held_ = false;
  }
  if (!ci.resourceManager().retries.tryAcquire()) {
    ci.stats().upstream_rq_retry_overflow.inc();
    return false;
  }
  retry_resource_held_ = true;
  cleanupAttempt();
  previous_host_ = host_.get();
  ci.stats().upstream_rq_retry.inc();
  auto delay = backoff(retries_done_, config_->retry_base_interval, config_->retry_max_interval,
                       nextRandom());
  ++retries_done_;
  if (!retry_timer_) {
    retry_timer_ = callbacks_->dispatcher().createTimer([this]() {
      if (!done_) startAttempt();
    });
  }
  retry_timer_->enable(delay);
  return true;
}

void RouterFilter::cleanupAttempt() {
  if (pool_handle_ != nullptr) {
    upstream::Cancellable* h = pool_handle_;
    pool_handle_ = nullptr;
    h->cancel();
  }
  if (upstream_ != nullptr) {
    upstream::UpstreamStream* up = upstream_;
    upstream_ = nullptr;
    up->reset();
  }
  if (per_try_timer_) per_try_timer_->disable();
  if (upstream_above_) {
    upstream_above_ = false;
    callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
  }
}

// ---------------------------------------------------------------- response

void RouterFilter::onUpstream1xxHeaders(std::unique_ptr<http::HeaderMap> headers) {
  // 100-continue is answered by the connection manager itself; other 1xx go on.
  if (headers->status() == 100) return;
  callbacks_->encode1xxHeaders(std::move(headers));
}

void RouterFilter::onUpstreamHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  touchIdle();
  const int status = headers->status();
  const upstream::ClusterInfo& ci = cluster_->info();
  ci.stats().recordResponseCode(status);
  if (status >= 500) {
    host_->stats().rq_error.fetch_add(1, std::memory_order_relaxed);
  } else {
    host_->stats().rq_success.fetch_add(1, std::memory_order_relaxed);
  }
  if (end_stream) upstream_ = nullptr;  // the pool already released it
  if (mayRetry(RetryReason::kStatus, status) && scheduleRetry()) return;

  if (retries_done_ > 0) ci.stats().upstream_rq_retry_success.inc();
  if (global_timer_) global_timer_->disable();
  if (per_try_timer_) per_try_timer_->disable();
  proxy::StreamInfo& info = callbacks_->streamInfo();
  info.first_upstream_rx_byte_received =
      info.sinceStart(callbacks_->dispatcher().approximateMonotonicTime());
  if (retry_policy_ != nullptr && retries_done_ >= retry_policy_->num_retries &&
      retriableStatus(status)) {
    info.setResponseFlag(proxy::kUpstreamRetryLimitExceeded);
  }
  applyHeaderOptions(*headers, route_->response_headers_to_add, route_->response_headers_to_remove);
  if (const auto* match = callbacks_->route(); match != nullptr && match->virtual_host != nullptr) {
    applyHeaderOptions(*headers, match->virtual_host->response_headers_to_add,
                       match->virtual_host->response_headers_to_remove);
  }
  retry_body_.release();
  response_started_ = true;
  if (end_stream) finishStream();
  callbacks_->encodeHeaders(std::move(headers), end_stream, "via_upstream");
}

void RouterFilter::onUpstreamData(Buffer& data, bool end_stream) {
  if (end_stream) {
    upstream_ = nullptr;
    finishStream();
  } else {
    touchIdle();
  }
  callbacks_->encodeData(data, end_stream);
}

void RouterFilter::onUpstreamTrailers(std::unique_ptr<http::HeaderMap> trailers) {
  upstream_ = nullptr;
  finishStream();
  callbacks_->encodeTrailers(std::move(trailers));
}

void RouterFilter::onUpstreamReset(upstream::StreamResetReason reason, std::string_view details) {
  upstream_ = nullptr;
  if (per_try_timer_) per_try_timer_->disable();
  if (upstream_above_) {
    upstream_above_ = false;
    callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
  }
  proxy::StreamInfo& info = callbacks_->streamInfo();
  if (response_started_) {
    // Half a response went out: HTTP/1.1 can only signal this by closing.
    info.setResponseFlag(proxy::kUpstreamConnectionTermination);
    done_ = true;
    finishStream();
    callbacks_->resetStream();
    return;
  }
  info.upstream_transport_failure_reason = std::string(details);
  if (reason == upstream::StreamResetReason::kIdleConnectionClosed && !idle_retry_used_ &&
      (headers_only_ || retry_body_valid_) &&
      (isIdempotent(request_headers_->method()) || mayRetry(RetryReason::kReset, 0))) {
    // The keep-alive race (RFC 9112 §9.3.1): the upstream closed a reused
    // connection as we sent on it. Not a failure of the upstream; resend once.
    idle_retry_used_ = true;
    startAttempt();
    return;
  }
  if (reason == upstream::StreamResetReason::kProtocolError) {
    failBeforeResponse(proxy::kUpstreamProtocolError, std::string(kResetBeforeHeaders) + "protocol error",
                       "upstream_reset_before_response_started{protocol_error}", 502);
    return;
  }
  if (mayRetry(RetryReason::kReset, 0) && scheduleRetry()) return;
  failBeforeResponse(proxy::kUpstreamConnectionTermination,
                     std::string(kResetBeforeHeaders) + "connection termination",
                     "upstream_reset_before_response_started{connection_termination}");
}

void RouterFilter::onUpstreamAboveWriteBufferHighWatermark() {
  if (upstream_above_) return;
  upstream_above_ = true;
  callbacks_->onDecoderFilterAboveWriteBufferHighWatermark();
}

void RouterFilter::onUpstreamBelowWriteBufferLowWatermark() {
  if (!upstream_above_) return;
  upstream_above_ = false;
  callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
}

void RouterFilter::onAboveWriteBufferHighWatermark() {
  WEIR_DEBUG("router: client above high watermark, pausing upstream reads");
  ++downstream_above_;
  if (upstream_ != nullptr) upstream_->readDisable(true);
}

void RouterFilter::onBelowWriteBufferLowWatermark() {
  if (downstream_above_ == 0) return;
  --downstream_above_;
  if (upstream_ != nullptr) upstream_->readDisable(false);
}

// ---------------------------------------------------------------- endings

void RouterFilter::onGlobalTimeout() {
  const upstream::ClusterInfo& ci = cluster_->info();
  ci.stats().upstream_rq_timeout.inc();
  if (host_) host_->stats().rq_timeout.fetch_add(1, std::memory_order_relaxed);
  if (response_started_) {
    cleanupAttempt();
    callbacks_->streamInfo().setResponseFlag(proxy::kUpstreamRequestTimeout);
    done_ = true;
    finishStream();
    callbacks_->resetStream();
    return;
  }
  localReply(504, "upstream request timeout", proxy::kUpstreamRequestTimeout,
             "upstream_response_timeout");
}

void RouterFilter::onPerTryTimeout() {
  const upstream::ClusterInfo& ci = cluster_->info();
  ci.stats().upstream_rq_per_try_timeout.inc();
  if (host_) host_->stats().rq_timeout.fetch_add(1, std::memory_order_relaxed);
  cleanupAttempt();
  if (mayRetry(RetryReason::kPerTryTimeout, 0) && scheduleRetry()) return;
  failBeforeResponse(proxy::kUpstreamRequestTimeout, "upstream request timeout",
                     "upstream_per_try_timeout", 504);
}

void RouterFilter::onIdleTimeout() {
  callbacks_->streamInfo().setResponseFlag(proxy::kStreamIdleTimeout);
  if (response_started_) {
    cleanupAttempt();
    done_ = true;
    finishStream();
    callbacks_->resetStream();
    return;
  }
  localReply(request_complete_ ? 504 : 408, "stream timeout", proxy::kStreamIdleTimeout,
             "stream_idle_timeout");
}

void RouterFilter::touchIdle() {
  if (idle_timeout_.count() <= 0 || done_) return;
  if (!idle_timer_) idle_timer_ = callbacks_->dispatcher().createTimer([this]() { onIdleTimeout(); });
  idle_timer_->enable(idle_timeout_);
}

void RouterFilter::failBeforeResponse(uint32_t flag, std::string_view body,
                                      std::string_view details, uint32_t code) {
  if (retry_policy_ != nullptr && retries_done_ > 0 && retries_done_ >= retry_policy_->num_retries) {
    callbacks_->streamInfo().setResponseFlag(proxy::kUpstreamRetryLimitExceeded);
  }
  localReply(code, body, flag, details);
}

void RouterFilter::localReply(uint32_t code, std::string_view body, uint32_t flag,
                              std::string_view details) {
  cleanupAttempt();
  done_ = true;
  finishStream();
  if (flag != 0) callbacks_->streamInfo().setResponseFlag(static_cast<proxy::ResponseFlag>(flag));
  callbacks_->sendLocalReply(code, body, nullptr, details);
}

// Timers and resources of a request whose outcome is decided.
void RouterFilter::finishStream() {
  done_ = true;
  if (global_timer_) global_timer_->disable();
  if (per_try_timer_) per_try_timer_->disable();
  if (idle_timer_) idle_timer_->disable();
  if (retry_timer_) retry_timer_->disable();
  if (retry_resource_held_) {
    cluster_->info().resourceManager().retries.release();
    retry_resource_held_ = false;
  }
  if (unsent_above_limit_) {
    unsent_above_limit_ = false;
    callbacks_->onDecoderFilterBelowWriteBufferLowWatermark();
  }
}

void RouterFilter::onDestroy() {
  if (!done_ && (pool_handle_ != nullptr || upstream_ != nullptr ||
                 (retry_timer_ && retry_timer_->enabled()))) {
    // The client went away before the response finished.
    callbacks_->streamInfo().setResponseFlag(proxy::kDownstreamConnectionTermination);
    if (cluster_ != nullptr) cluster_->info().stats().upstream_rq_cancelled.inc();
  }
  cleanupAttempt();
  if (cluster_ != nullptr) finishStream();
  global_timer_.reset();
  per_try_timer_.reset();
  idle_timer_.reset();
  retry_timer_.reset();
  if (watermark_registered_) {
    watermark_registered_ = false;
    callbacks_->removeDownstreamWatermarkCallbacks(*this);
  }
  done_ = true;
}

}  // namespace weir::filters::router

#include "proxy/connection_manager.h"

#include <atomic>
#include <ctime>

#include "base/logging.h"
#include "http/header_utility.h"
#include "http/status_codes.h"

namespace weir::proxy {

namespace {

std::atomic<uint64_t> next_stream_id{1};

enum StreamTimer { kStreamIdle = 0, kRequestTimeout = 1, kMaxDuration = 2 };

// RFC 9110 IMF-fixdate, formatted once per second per worker.
std::string_view cachedDate() {
  thread_local time_t cached_second = 0;
  thread_local char buf[40];
  thread_local size_t len = 0;
  const time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    struct tm tm_utc;
    gmtime_r(&now, &tm_utc);
    len = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm_utc);
  }
  return {buf, len};
}

std::chrono::nanoseconds sinceStart(const StreamInfo& info) {
  return event::MonotonicClock::now() - info.start_monotonic;
}

// Connection-specific response fields never cross the proxy (RFC 9110 §7.6.1).
void removeResponseHopByHop(http::HeaderMap& headers) {
  headers.remove(http::KnownHeader::kConnection);
  headers.remove(http::KnownHeader::kKeepAlive);
  headers.remove(http::KnownHeader::kProxyConnection);
  headers.remove(http::KnownHeader::kTransferEncoding);
  headers.remove(http::KnownHeader::kUpgrade);
}

}  // namespace

class HttpConnectionManager::ActiveStream : public event::DeferredDeletable,
                                            public FilterManagerCallbacks {
 public:
  ActiveStream(HttpConnectionManager& hcm, HcmSnapshotPtr snapshot, event::MonotonicTime start)
      : hcm_(hcm),
        snapshot_(std::move(snapshot)),
        config_(*snapshot_->config),
        manager_(*this, info_, next_stream_id.fetch_add(1, std::memory_order_relaxed),
                 config_.bufferLimit()),
        encoder_(http::http1::StreamEncoder::Type::kResponse) {
    info_.start_time = event::Dispatcher::systemNow();
    info_.start_monotonic = start;
    info_.downstream_local_address = hcm.connection_->localAddress();
    info_.downstream_remote_address = hcm.connection_->remoteAddress();
    manager_.createFilterChain(config_.filterChain());
  }

  ~ActiveStream() override {
    // Undo flow-control holds this stream put on the connection.
    while (read_disables_ > 0) {
      --read_disables_;
      hcm_.connection_->readDisable(false);
    }
  }

  // --- FilterManagerCallbacks ---
  void encodeHeadersToCodec(http::HeaderMap& headers, bool end_stream) override {
    removeResponseHopByHop(headers);
    headers.set(http::KnownHeader::kServer, config_.serverName());
    if (!headers.has(http::KnownHeader::kDate)) headers.set(http::KnownHeader::kDate, cachedDate());
    bool close = close_after_ || !request_complete_ || hcm_.draining_ || !keep_alive_;
    if (close) {
      headers.set(http::KnownHeader::kConnection, "close");
    } else if (version_ == http::http1::Version::kHttp10) {
      headers.set(http::KnownHeader::kConnection, "keep-alive");
    }
    info_.response_code = static_cast<uint32_t>(headers.status());
    Buffer out;
    encoder_.encodeHeaders(headers, end_stream, out);
    if (encoder_.closeDelimited()) close = true;
    close_after_ = close;
    info_.first_downstream_tx_byte_sent = sinceStart(info_);
    hcm_.connection_->write(out);
    touch();
    if (end_stream) complete();
  }

  void encode1xxHeadersToCodec(http::HeaderMap& headers) override {
    if (version_ == http::http1::Version::kHttp10 || sent_100_continue_) return;
    Buffer out;
    http::http1::encodeResponseHead(headers, out);
    hcm_.connection_->write(out);
  }

  void encodeDataToCodec(Buffer& data, bool end_stream) override {
    Buffer out;
    encoder_.encodeData(data.view(), end_stream, out);
    data.clear();
    hcm_.connection_->write(out);
    touch();
    if (end_stream) complete();
  }

  void encodeTrailersToCodec(http::HeaderMap& trailers) override {
    Buffer out;
    encoder_.encodeTrailers(trailers, out);
    hcm_.connection_->write(out);
    complete();
  }

  void onStreamReset() override {
    config_.stats().downstream_rq_tx_reset.inc();
    hcm_.closeConnection(net::ConnectionCloseType::kNoFlush, "stream reset");
  }

  void readDisableDownstream(bool disable) override {
    if (disable) {
      ++read_disables_;
      hcm_.connection_->readDisable(true);
    } else if (read_disables_ > 0) {
      --read_disables_;
      hcm_.connection_->readDisable(false);
    }
  }

  std::optional<MatchedRoute> evaluateRoute(const http::HeaderMap& headers) override {
    const auto& table = config_.routeTable();
    if (!table) return std::nullopt;
    auto r = table->route(headers);
    if (r && r->route) info_.route_name = r->route->name;
    return r;
  }

  const RouteSpecificFilterConfig* perFilterConfig(const MatchedRoute& route,
                                                   std::string_view name) override {
    return config_.perFilterConfig(route, name);
  }

  bool onBeforeTerminalFilter(FilterManager& manager) override {
    const auto& table = config_.routeTable();
    if (!table) return false;
    const MatchedRoute* match = manager.route();
    if (match == nullptr || match->route == nullptr) {
      info_.setResponseFlag(kNoRouteFound);
      manager.sendLocalReply(404, "", nullptr, "route_not_found");
      return true;
    }
    const config::Route& route = *match->route;
    switch (route.action_kind) {
      case config::Route::ActionKind::kRoute:
        return false;
      case config::Route::ActionKind::kDirectResponse: {
        const std::string body = route.direct_response.body.value_or("");
        manager.sendLocalReply(route.direct_response.status, body,
                               [&](http::HeaderMap& h) { table->applyResponseHeaders(*match, h); },
                               "direct_response");
        return true;
      }
      case config::Route::ActionKind::kRedirect: {
        const http::HeaderMap& rq = *manager.requestHeaders();
        const std::string url =
            RouteTable::redirectUrl(route, rq.scheme(), rq.authority(), rq.path());
        manager.sendLocalReply(route.redirect.response_code, "",
                               [&](http::HeaderMap& h) {
                                 h.set(http::KnownHeader::kLocation, url);
                                 table->applyResponseHeaders(*match, h);
                               },
                               "redirect");
        return true;
      }
    }
    return false;
  }

  event::Dispatcher& dispatcher() override { return hcm_.connection_->dispatcher(); }
  const net::Connection* connection() const override { return hcm_.connection_.get(); }
  upstream::ThreadLocalClusterManager* clusterManager() override {
    return snapshot_->cluster_manager;
  }

  // --- used by the connection manager ---
  void touch() {
    if (hcm_.stream_idle_timer_ && config_.proto().stream_idle_timeout.count() > 0) {
      hcm_.stream_idle_timer_->enable(config_.proto().stream_idle_timeout);
    }
  }

  void complete() {
    if (finished_) return;
    hcm_.onStreamDone(close_after_ || !request_complete_);
  }

  // Stats, access log, filter teardown. Called once.
  void finish() {
    if (finished_) return;
    finished_ = true;
    info_.request_complete = sinceStart(info_);
    if (manager_.responseComplete()) info_.last_downstream_tx_byte_sent = info_.request_complete;
    const HcmStats& stats = config_.stats();
    stats.downstream_rq_active.dec();
    if (info_.response_code && manager_.responseComplete()) {
      stats.recordResponseCode(*info_.response_code);
      stats.downstream_rq_completed.inc();
    }
    stats.downstream_rq_time.recordValue(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(*info_.request_complete).count()));
    manager_.destroyFilters();
    for (const auto& logger : config_.accessLoggers()) logger->log(info_);
  }

  HttpConnectionManager& hcm_;
  HcmSnapshotPtr snapshot_;
  const HcmConfig& config_;
  StreamInfo info_;
  FilterManager manager_;
  http::http1::StreamEncoder encoder_;
  http::http1::Version version_ = http::http1::Version::kHttp11;
  bool keep_alive_ = true;
  bool request_complete_ = false;
  bool request_end_decoded_ = false;
  bool close_after_ = false;
  bool sent_100_continue_ = false;
  bool finished_ = false;
  uint32_t read_disables_ = 0;
};

HttpConnectionManager::HttpConnectionManager(net::ConnectionPtr connection, HcmSnapshotPtr snapshot,
                                             ConnectionManagerOwner& owner,
                                             const ListenerStats* listener_stats)
    : connection_(std::move(connection)),
      snapshot_(std::move(snapshot)),
      owner_(owner),
      listener_stats_(listener_stats),
      start_time_(event::MonotonicClock::now()),
      alive_(std::make_shared<bool>(true)) {
  const HcmConfig& cfg = *snapshot_->config;
  parser_ = std::make_unique<http::http1::Parser>(http::http1::Parser::Type::kRequest, cfg.limits(),
                                                  *this);
  const HcmStats& stats = cfg.stats();
  stats.downstream_cx_total.inc();
  stats.downstream_cx_active.inc();
  stats.downstream_cx_http1_total.inc();
  if (listener_stats_) {
    listener_stats_->downstream_cx_total.inc();
    listener_stats_->downstream_cx_active.inc();
  }
}

HttpConnectionManager::~HttpConnectionManager() {
  *alive_ = false;
  if (stream_) {
    stream_->finish();
    stream_.reset();
  }
}

void HttpConnectionManager::start() {
  auto& dispatcher = connection_->dispatcher();
  const auto& proto = snapshot_->config->proto();
  connection_->setReadCallback(this);
  connection_->addConnectionCallbacks(*this);
  connection_->setBufferLimits(snapshot_->config->bufferLimit());
  if (proto.common_http_protocol_options.idle_timeout.count() > 0) {
    idle_timer_ = dispatcher.createTimer([this] { onIdleTimeout(); });
    armIdleTimer();
  }
  stream_idle_timer_ = dispatcher.createTimer([this] { onStreamTimeout(kStreamIdle); });
  connection_->startReading();
}

void HttpConnectionManager::armIdleTimer() {
  if (idle_timer_) idle_timer_->enable(snapshot_->config->proto().common_http_protocol_options.idle_timeout);
}

void HttpConnectionManager::onIdleTimeout() {
  if (stream_ || closed_) return;
  snapshot_->config->stats().downstream_cx_idle_timeout.inc();
  closeConnection(net::ConnectionCloseType::kFlushWrite, "idle_timeout");
}

void HttpConnectionManager::startDrain() {
  if (closed_) return;
  draining_ = true;
  if (!stream_) {
    snapshot_->config->stats().downstream_cx_drain_close.inc();
    closeConnection(net::ConnectionCloseType::kFlushWrite, "drain");
  }
}

void HttpConnectionManager::closeConnection(net::ConnectionCloseType type, std::string_view reason) {
  if (closed_) return;
  connection_->close(type, reason);
}

// --- reading ---------------------------------------------------------------

void HttpConnectionManager::onData(Buffer& data, bool /*end_stream*/) {
  read_buffer_ = &data;
  dispatch();
}

void HttpConnectionManager::scheduleDispatch() {
  if (dispatch_posted_) return;
  dispatch_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  connection_->dispatcher().post([this, alive] {
    auto a = alive.lock();
    if (!a || !*a) return;
    dispatch_posted_ = false;
    dispatch();
  });
}

void HttpConnectionManager::dispatch() {
  if (dispatching_ || closed_ || read_buffer_ == nullptr) return;
  dispatching_ = true;
  Buffer& data = *read_buffer_;
  while (!closed_ && !data.empty() && !parser_->paused()) {
    const auto result = parser_->execute(data.data(), data.size());
    if (closed_) break;
    data.drain(result.consumed);
    if (!result.ok()) {
      onCodecError(*result.error);
      break;
    }
    if (result.consumed == 0) break;
  }
  dispatching_ = false;
  if (closed_) return;
  // Pipelined requests wait in the read buffer; bound how much.
  if (parser_->paused() && data.size() > snapshot_->config->bufferLimit() &&
      !read_paused_for_buffer_) {
    read_paused_for_buffer_ = true;
    connection_->readDisable(true);
  }
}

void HttpConnectionManager::onMessageBegin() {
  if (idle_timer_) idle_timer_->disable();
  const auto timeout = snapshot_->config->proto().request_headers_timeout;
  if (timeout.count() > 0) {
    if (!request_headers_timer_) {
      request_headers_timer_ = connection_->dispatcher().createTimer([this] { onRequestHeadersTimeout(); });
    }
    request_headers_timer_->enable(timeout);
  }
}

void HttpConnectionManager::onRequestHeadersTimeout() {
  if (closed_ || stream_) return;
  snapshot_->config->stats().downstream_rq_header_timeout.inc();
  sendRawError(408, "request header timeout", "request_headers_timeout");
}

void HttpConnectionManager::onHeaders(http::HeaderMap&& headers, bool end_stream) {
  if (request_headers_timer_) request_headers_timer_->disable();
  const auto& info = parser_->messageInfo();
  HcmSnapshotPtr snap = owner_.currentSnapshot(*this);
  if (!snap) snap = snapshot_;
  const HcmConfig& cfg = *snap->config;
  const auto& proto = cfg.proto();

  if (info.version == http::http1::Version::kHttp10 && !proto.http_protocol_options.accept_http_10) {
    sendRawError(426, "Upgrade Required", "low_version");
    return;
  }
  if (info.connect) {
    sendRawError(404, "", "route_not_found");
    return;
  }

  stream_ = std::make_unique<ActiveStream>(*this, std::move(snap), event::MonotonicClock::now());
  ActiveStream& s = *stream_;
  s.version_ = info.version;
  s.keep_alive_ = info.keep_alive;
  s.request_complete_ = end_stream;
  s.request_end_decoded_ = end_stream;
  s.info_.protocol = info.version == http::http1::Version::kHttp10 ? "HTTP/1.0" : "HTTP/1.1";
  s.encoder_.setRequestInfo(headers.method(), info.version);
  if (info.version == http::http1::Version::kHttp10 && !headers.has(http::KnownHeader::kAuthority) &&
      !proto.http_protocol_options.default_host_for_http_10.empty()) {
    headers.setAuthority(proto.http_protocol_options.default_host_for_http_10);
  }

  const HcmStats& stats = cfg.stats();
  stats.downstream_rq_total.inc();
  stats.downstream_rq_http1_total.inc();
  stats.downstream_rq_active.inc();

  // Expect: 100-continue is answered here, as Envoy does by default.
  if (info.expect_continue) {
    headers.remove(http::KnownHeader::kExpect);
    if (!end_stream) {
      Buffer out;
      http::http1::encodeContinue(out);
      connection_->write(out);
      s.sent_100_continue_ = true;
    }
  }

  // Envoy's request header handling (ConnectionManagerUtility).
  http::removeHopByHop(headers);
  if (proto.use_remote_address) {
    if (!proto.skip_xff_append) {
      http::appendXForwardedFor(headers, connection_->remoteAddress().ip());
    }
    http::setXForwardedProto(headers, headers.scheme());
  } else if (!headers.has(http::KnownHeader::kXForwardedProto)) {
    http::setXForwardedProto(headers, headers.scheme());
  }
  if (proto.generate_request_id) {
    const bool preserve = !proto.use_remote_address || proto.preserve_external_request_id;
    http::ensureRequestId(headers, preserve);
  }
  if (auto id = headers.get(http::KnownHeader::kXRequestId)) s.info_.request_id = std::string(*id);

  // Stream timers.
  auto& dispatcher = connection_->dispatcher();
  if (proto.stream_idle_timeout.count() > 0) stream_idle_timer_->enable(proto.stream_idle_timeout);
  if (proto.request_timeout.count() > 0 && !end_stream) {
    if (!request_timer_) request_timer_ = dispatcher.createTimer([this] { onStreamTimeout(kRequestTimeout); });
    request_timer_->enable(proto.request_timeout);
  }
  if (auto max = proto.common_http_protocol_options.max_stream_duration; max && max->count() > 0) {
    if (!max_duration_timer_) {
      max_duration_timer_ = dispatcher.createTimer([this] { onStreamTimeout(kMaxDuration); });
    }
    max_duration_timer_->enable(*max);
  }
  if (end_stream) s.info_.last_downstream_rx_byte_received = sinceStart(s.info_);

  s.manager_.decodeHeaders(http::HeaderMap::adopt(std::move(headers)), end_stream);
}

void HttpConnectionManager::onBody(std::string_view chunk) {
  if (!stream_ || stream_->request_end_decoded_) return;
  stream_->touch();
  body_scratch_.clear();
  body_scratch_.append(chunk);
  stream_->manager_.decodeData(body_scratch_, false);
}

void HttpConnectionManager::onTrailers(http::HeaderMap&& trailers) {
  if (!stream_ || stream_->request_end_decoded_) return;
  stream_->request_end_decoded_ = true;
  stream_->request_complete_ = true;
  stream_->manager_.decodeTrailers(std::make_unique<http::HeaderMap>(std::move(trailers)));
}

void HttpConnectionManager::onMessageComplete() {
  // One request at a time: the next pipelined one waits in the read buffer
  // until this stream's response is done (it may already be, for a local
  // reply to a header-only request).
  if (!stream_) return;
  parser_->pause();
  ActiveStream& s = *stream_;
  s.request_complete_ = true;
  if (request_timer_) request_timer_->disable();
  if (!s.info_.last_downstream_rx_byte_received) {
    s.info_.last_downstream_rx_byte_received = sinceStart(s.info_);
  }
  if (!s.request_end_decoded_) {
    s.request_end_decoded_ = true;
    Buffer empty;
    s.manager_.decodeData(empty, true);
  }
}

// --- errors and timeouts -----------------------------------------------------

void HttpConnectionManager::onCodecError(const http::http1::ParseError& error) {
  const HcmStats& stats = snapshot_->config->stats();
  stats.downstream_cx_protocol_error.inc();
  if (stream_) {
    stream_->info_.setResponseFlag(kDownstreamProtocolError);
    if (!stream_->manager_.responseHeadersSent()) {
      stream_->close_after_ = true;
      if (error.code == http::http1::ParseErrorCode::kBodyTooLarge) stats.downstream_rq_too_large.inc();
      stream_->manager_.sendLocalReply(static_cast<uint32_t>(error.http_status), error.reason, nullptr,
                                       "http1.codec_error");
    } else {
      closeConnection(net::ConnectionCloseType::kNoFlush, "codec error");
    }
    return;
  }
  sendRawError(error.http_status, error.reason, "http1.codec_error");
}

// A response written without a stream (the request never made it to one):
// status line, minimal headers, body, then close.
void HttpConnectionManager::sendRawError(int status, std::string_view body, std::string_view details) {
  if (closed_) return;
  const HcmConfig& cfg = *snapshot_->config;
  const HcmStats& stats = cfg.stats();
  stats.downstream_rq_total.inc();
  stats.recordResponseCode(static_cast<uint32_t>(status));
  http::HeaderMap headers;
  headers.setStatus(status);
  if (!body.empty()) headers.set(http::KnownHeader::kContentType, "text/plain");
  headers.setContentLength(body.size());
  headers.set(http::KnownHeader::kDate, cachedDate());
  headers.set(http::KnownHeader::kServer, cfg.serverName());
  headers.set(http::KnownHeader::kConnection, "close");
  Buffer out;
  http::http1::encodeResponseHead(headers, out);
  out.append(body);
  connection_->write(out);
  WEIR_DEBUG("connection {}: {} ({})", connection_->id(), status, details);
  parser_->pause();
  closeConnection(net::ConnectionCloseType::kFlushWrite, details);
}

void HttpConnectionManager::onStreamTimeout(int which) {
  if (!stream_ || closed_) return;
  ActiveStream& s = *stream_;
  const HcmStats& stats = s.config_.stats();
  std::string_view details;
  std::string_view body;
  switch (which) {
    case kStreamIdle:
      stats.downstream_rq_idle_timeout.inc();
      s.info_.setResponseFlag(kStreamIdleTimeout);
      details = "stream_idle_timeout";
      body = "stream timeout";
      break;
    case kRequestTimeout:
      stats.downstream_rq_timeout.inc();
      details = "request_overall_timeout";
      body = "request timeout";
      break;
    default:
      stats.downstream_rq_max_duration_reached.inc();
      s.info_.setResponseFlag(kDurationTimeout);
      details = "max_duration_timeout";
      body = "downstream duration timeout";
      break;
  }
  s.close_after_ = true;
  // Before the response started this is a 408; after, only a reset is left.
  s.manager_.sendLocalReply(408, body, nullptr, details);
}

void HttpConnectionManager::disarmStreamTimers() {
  if (stream_idle_timer_) stream_idle_timer_->disable();
  if (request_timer_) request_timer_->disable();
  if (max_duration_timer_) max_duration_timer_->disable();
}

// --- stream end and connection events ----------------------------------------

void HttpConnectionManager::onStreamDone(bool close_connection) {
  if (!stream_) return;
  disarmStreamTimers();
  std::unique_ptr<ActiveStream> done = std::move(stream_);
  done->finish();
  connection_->dispatcher().deferredDelete(std::move(done));
  if (close_connection || draining_) {
    if (draining_) snapshot_->config->stats().downstream_cx_drain_close.inc();
    closeConnection(net::ConnectionCloseType::kFlushWrite, "response complete with close");
    return;
  }
  parser_->resume();
  if (read_paused_for_buffer_) {
    read_paused_for_buffer_ = false;
    connection_->readDisable(false);
  }
  armIdleTimer();
  if (read_buffer_ != nullptr && !read_buffer_->empty()) scheduleDispatch();
}

void HttpConnectionManager::onEvent(net::ConnectionEvent event) {
  if (event == net::ConnectionEvent::kConnected || closed_) return;
  closed_ = true;
  const HcmStats& stats = snapshot_->config->stats();
  disarmStreamTimers();
  if (idle_timer_) idle_timer_->disable();
  if (request_headers_timer_) request_headers_timer_->disable();
  if (stream_) {
    std::unique_ptr<ActiveStream> s = std::move(stream_);
    if (!s->manager_.responseComplete()) {
      if (event == net::ConnectionEvent::kRemoteClose) {
        s->info_.setResponseFlag(kDownstreamConnectionTermination);
        s->config_.stats().downstream_rq_rx_reset.inc();
      }
    }
    s->finish();
    connection_->dispatcher().deferredDelete(std::move(s));
  }
  stats.downstream_cx_active.dec();
  stats.downstream_cx_destroy.inc();
  if (event == net::ConnectionEvent::kRemoteClose) {
    stats.downstream_cx_destroy_remote.inc();
  } else {
    stats.downstream_cx_destroy_local.inc();
  }
  stats.downstream_cx_rx_bytes_total.add(connection_->bytesRead());
  stats.downstream_cx_tx_bytes_total.add(connection_->bytesWritten());
  stats.downstream_cx_length_ms.recordValue(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(event::MonotonicClock::now() - start_time_)
          .count()));
  if (listener_stats_) {
    listener_stats_->downstream_cx_active.dec();
    listener_stats_->downstream_cx_destroy.inc();
  }
  owner_.onConnectionManagerClosed(*this);
}

void HttpConnectionManager::onAboveWriteBufferHighWatermark() {
  if (stream_) stream_->manager_.onDownstreamAboveHighWatermark();
}

void HttpConnectionManager::onBelowWriteBufferLowWatermark() {
  if (stream_) stream_->manager_.onDownstreamBelowLowWatermark();
}

}  // namespace weir::proxy

#include "upstream/http_conn_pool.h"

#include <algorithm>
#include <vector>

#include "base/buffer.h"
#include "base/logging.h"
#include "http/header_map.h"
#include "http/http1/encoder.h"
#include "http/http1/parser.h"
#include "net/connection.h"

namespace weir::upstream {

std::string_view poolFailureReasonName(PoolFailureReason reason) {
  switch (reason) {
    case PoolFailureReason::kOverflow: return "overflow";
    case PoolFailureReason::kConnectionFailure: return "connection_failure";
    case PoolFailureReason::kTimeout: return "connect_timeout";
  }
  return "unknown";
}

std::string_view streamResetReasonName(StreamResetReason reason) {
  switch (reason) {
    case StreamResetReason::kConnectionTermination: return "connection_termination";
    case StreamResetReason::kIdleConnectionClosed: return "idle_connection_closed";
    case StreamResetReason::kProtocolError: return "protocol_error";
    case StreamResetReason::kLocalReset: return "local_reset";
  }
  return "unknown";
}

// One upstream connection; also the UpstreamStream of the request it carries
// (HTTP/1.1 upstream: one request at a time).
class ActiveClient : public event::DeferredDeletable,
                     public net::ConnectionCallbacks,
                     public net::ReadCallback,
                     public http::http1::ParserCallbacks,
                     public UpstreamStream {
 public:
  // kDone: the response finished, the stream is released, and the connection
  // waits (outside parser callbacks) to be reused or closed.
  enum class State { kConnecting, kIdle, kBusy, kDone, kClosed };

  ActiveClient(HttpConnPool::Impl& pool, net::ConnectionPtr conn);
  ~ActiveClient() override;

  // net::ConnectionCallbacks
  void onEvent(net::ConnectionEvent event) override;
  void onAboveWriteBufferHighWatermark() override {
    if (response_ != nullptr) response_->onUpstreamAboveWriteBufferHighWatermark();
  }
  void onBelowWriteBufferLowWatermark() override {
    if (response_ != nullptr) response_->onUpstreamBelowWriteBufferLowWatermark();
  }
  // net::ReadCallback
  void onData(Buffer& data, bool end_stream) override;

  // ParserCallbacks
  void onHeaders(http::HeaderMap&& headers, bool end_stream) override;
  void onBody(std::string_view chunk) override { body_.append(chunk); }
  void onTrailers(http::HeaderMap&& trailers) override;
  void onMessageComplete() override;

  // UpstreamStream
  void encodeHeaders(http::HeaderMap& headers, bool end_stream) override;
  void encodeData(Buffer& data, bool end_stream) override;
  void encodeTrailers(const http::HeaderMap& trailers) override;
  void readDisable(bool disable) override;
  void reset() override;
  bool reusedConnection() const override { return requests_ > 1; }

  void attach(UpstreamResponseCallbacks& response);
  void close();

  State state_ = State::kConnecting;
  HttpConnPool::Impl& pool_;
  net::ConnectionPtr conn_;
  http::http1::Parser parser_;
  http::http1::StreamEncoder encoder_{http::http1::StreamEncoder::Type::kRequest};
  event::TimerPtr idle_timer_;
  UpstreamResponseCallbacks* response_ = nullptr;
  Buffer body_;
  Buffer out_;
  uint32_t requests_ = 0;
  uint32_t read_disabled_ = 0;
  bool request_complete_ = false;
  bool response_started_ = false;  // a byte of the response arrived
  bool response_complete_ = false;
  bool keep_alive_ = true;
  bool in_informational_ = false;
  bool connect_timed_out_ = false;

  void flushBody(bool end_stream);
  void finishStream();
  void resetStream(StreamResetReason reason, std::string_view details);
};

struct HttpConnPool::Impl {
  Impl(event::Dispatcher& d, HostConstSharedPtr h, ClusterInfoConstSharedPtr c)
      : dispatcher(d), host(std::move(h)), cluster(std::move(c)) {}

  struct Pending : public Cancellable {
    Pending(Impl& p, UpstreamResponseCallbacks& r, PoolCallbacks& c)
        : pool(p), response(r), callbacks(c) {}
    void cancel() override { pool.cancelPending(this); }
    Impl& pool;
    UpstreamResponseCallbacks& response;
    PoolCallbacks& callbacks;
  };

  event::Dispatcher& dispatcher;
  HostConstSharedPtr host;
  ClusterInfoConstSharedPtr cluster;
  std::vector<std::unique_ptr<ActiveClient>> clients;
  std::vector<ActiveClient*> idle;  // LIFO: most recently used at the back
  std::list<std::unique_ptr<Pending>> pending;
  size_t connecting = 0;
  size_t busy = 0;
  bool draining = false;
  bool destroying = false;
  std::vector<std::function<void()>> drained_callbacks;

  const ClusterStats& stats() const { return cluster->stats(); }
  ResourceManager& resources() const { return cluster->resourceManager(); }

  void newConnection() {
    auto conn = net::Connection::createClient(dispatcher, host->address());
    auto client = std::make_unique<ActiveClient>(*this, std::move(conn));
    ActiveClient* raw = client.get();
    clients.push_back(std::move(client));
    ++connecting;
    stats().upstream_cx_total.inc();
    stats().upstream_cx_active.inc();
    host->stats().cx_total.fetch_add(1, std::memory_order_relaxed);
    host->stats().cx_active.fetch_add(1, std::memory_order_relaxed);
    raw->conn_->connect(cluster->connectTimeout());
  }

  // Starts a connection for waiting requests when the breaker allows it.
  void maybeConnect() {
    while (pending.size() > connecting) {
      if (!resources().connections.tryAcquire()) {
        stats().upstream_cx_overflow.inc();
        return;
      }
      newConnection();
    }
  }

  void cancelPending(Pending* p) {
    auto it = std::find_if(pending.begin(), pending.end(),
                           [p](const auto& e) { return e.get() == p; });
    if (it == pending.end()) return;
    pending.erase(it);
    resources().pending_requests.release();
    resources().requests.release();
    stats().upstream_rq_pending_active.dec();
    stats().upstream_rq_cancelled.inc();
    checkDrained();
  }

  // A connection is ready for a request: give it the oldest waiting one.
  void onClientReady(ActiveClient& client) {
    if (!pending.empty() && !draining) {
      std::unique_ptr<Pending> p = std::move(pending.front());
      pending.pop_front();
      resources().pending_requests.release();
      stats().upstream_rq_pending_active.dec();
      client.attach(p->response);
      p->callbacks.onPoolReady(client, host);
      return;
    }
    if (draining) {
      client.close();
      return;
    }
    client.state_ = ActiveClient::State::kIdle;
    idle.push_back(&client);
    client.idle_timer_->enable(cluster->idleTimeout());
    checkDrained();
  }

  void onConnectFailed(bool timeout, std::string_view details) {
    stats().upstream_cx_connect_fail.inc();
    host->stats().cx_connect_fail.fetch_add(1, std::memory_order_relaxed);
    if (timeout) stats().upstream_cx_connect_timeout.inc();
    // Requests that can no longer be served by a connection in progress fail
    // now rather than wait for one that will not come.
    while (pending.size() > connecting && !pending.empty()) {
      std::unique_ptr<Pending> p = std::move(pending.front());
      pending.pop_front();
      resources().pending_requests.release();
      resources().requests.release();
      stats().upstream_rq_pending_active.dec();
      stats().upstream_rq_pending_failure_eject.inc();
      p->callbacks.onPoolFailure(
          timeout ? PoolFailureReason::kTimeout : PoolFailureReason::kConnectionFailure, details,
          host);
    }
  }

  // Removes a closed client and schedules its destruction.
  void removeClient(ActiveClient& client) {
    idle.erase(std::remove(idle.begin(), idle.end(), &client), idle.end());
    auto it = std::find_if(clients.begin(), clients.end(),
                           [&](const auto& c) { return c.get() == &client; });
    if (it == clients.end()) return;
    std::unique_ptr<ActiveClient> owned = std::move(*it);
    clients.erase(it);
    resources().connections.release();
    stats().upstream_cx_active.dec();
    stats().upstream_cx_destroy.inc();
    host->stats().cx_active.fetch_sub(1, std::memory_order_relaxed);
    if (!destroying) dispatcher.deferredDelete(std::move(owned));
    if (!destroying) {
      maybeConnect();
      checkDrained();
    }
  }

  void checkDrained() {
    if (drained_callbacks.empty() || busy != 0 || !pending.empty()) return;
    // Close what is idle or still connecting for nobody.
    std::vector<ActiveClient*> to_close;
    for (auto& c : clients) to_close.push_back(c.get());
    if (!to_close.empty()) {
      for (ActiveClient* c : to_close) c->close();
      return;  // removeClient re-enters checkDrained once they are gone
    }
    auto callbacks = std::move(drained_callbacks);
    drained_callbacks.clear();
    for (auto& cb : callbacks) {
      if (cb) cb();
    }
  }
};

ActiveClient::ActiveClient(HttpConnPool::Impl& pool, net::ConnectionPtr conn)
    : pool_(pool),
      conn_(std::move(conn)),
      parser_(http::http1::Parser::Type::kResponse, http::http1::Limits{}, *this) {
  conn_->addConnectionCallbacks(*this);
  conn_->setReadCallback(this);
  conn_->setBufferLimits(pool_.cluster->perConnectionBufferLimit());
  idle_timer_ = pool_.dispatcher.createTimer([this]() {
    if (state_ == State::kIdle) {
      pool_.stats().upstream_cx_idle_timeout.inc();
      close();
    }
  });
}

ActiveClient::~ActiveClient() {
  if (conn_) {
    conn_->removeConnectionCallbacks(*this);
    conn_->setReadCallback(nullptr);
    if (conn_->state() != net::ConnectionState::kClosed) {
      conn_->close(net::ConnectionCloseType::kNoFlush);
    }
  }
}

void ActiveClient::close() {
  if (state_ == State::kClosed || conn_->state() == net::ConnectionState::kClosed) return;
  conn_->close(net::ConnectionCloseType::kNoFlush, "pool close");
}

void ActiveClient::onEvent(net::ConnectionEvent event) {
  if (event == net::ConnectionEvent::kConnected) {
    --pool_.connecting;
    pool_.onClientReady(*this);
    return;
  }
  // Closed (either side).
  State prev = state_;
  state_ = State::kClosed;
  idle_timer_->disable();
  if (pool_.destroying) return;
  if (event == net::ConnectionEvent::kRemoteClose) {
    pool_.stats().upstream_cx_destroy_remote.inc();
  } else {
    pool_.stats().upstream_cx_destroy_local.inc();
  }
  if (prev == State::kConnecting) {
    --pool_.connecting;
    const std::string& reason = conn_->closeReason();
    bool timeout = reason.find("timeout") != std::string::npos;
    pool_.onConnectFailed(timeout, reason);
  } else if (prev == State::kBusy && response_ != nullptr) {
    // A reused connection that the upstream closed before answering anything:
    // the classic keep-alive race; the request can be re-sent.
    if (reusedConnection() && !response_started_ && event == net::ConnectionEvent::kRemoteClose) {
      resetStream(StreamResetReason::kIdleConnectionClosed, "upstream closed an idle connection");
    } else {
      resetStream(StreamResetReason::kConnectionTermination,
                  event == net::ConnectionEvent::kRemoteClose ? "upstream connection closed"
                                                              : "local close");
    }
  }
  pool_.removeClient(*this);
}

void ActiveClient::attach(UpstreamResponseCallbacks& response) {
  idle_timer_->disable();
  pool_.idle.erase(std::remove(pool_.idle.begin(), pool_.idle.end(), this), pool_.idle.end());
  state_ = State::kBusy;
  response_ = &response;
  ++requests_;
  ++pool_.busy;
  request_complete_ = false;
  response_started_ = false;
  response_complete_ = false;
  in_informational_ = false;
  encoder_ = http::http1::StreamEncoder(http::http1::StreamEncoder::Type::kRequest);
  pool_.stats().upstream_rq_total.inc();
  pool_.stats().upstream_rq_active.inc();
  pool_.host->stats().rq_total.fetch_add(1, std::memory_order_relaxed);
  pool_.host->stats().rq_active.fetch_add(1, std::memory_order_relaxed);
}

void ActiveClient::encodeHeaders(http::HeaderMap& headers, bool end_stream) {
  parser_.setRequestMethod(headers.method());
  encoder_.encodeHeaders(headers, end_stream, out_);
  request_complete_ = end_stream;
  pool_.stats().upstream_cx_tx_bytes_total.inc(out_.size());
  conn_->write(out_);
}

void ActiveClient::encodeData(Buffer& data, bool end_stream) {
  if (!encoder_.chunked() && !data.empty()) {
    // Content-Length framing: the bytes go out as they are, no copy.
    pool_.stats().upstream_cx_tx_bytes_total.inc(data.size());
    conn_->write(data);
    if (end_stream) encoder_.encodeData({}, true, out_);
  } else {
    encoder_.encodeData(data.view(), end_stream, out_);
    data.drain(data.size());
  }
  if (!out_.empty()) {
    pool_.stats().upstream_cx_tx_bytes_total.inc(out_.size());
    conn_->write(out_);
  }
  request_complete_ = end_stream;
}

void ActiveClient::encodeTrailers(const http::HeaderMap& trailers) {
  encoder_.encodeTrailers(trailers, out_);
  conn_->write(out_);
  request_complete_ = true;
}

void ActiveClient::readDisable(bool disable) {
  if (state_ == State::kClosed) return;
  if (disable) {
    ++read_disabled_;
  } else if (read_disabled_ > 0) {
    --read_disabled_;
  } else {
    return;
  }
  conn_->readDisable(disable);
}

void ActiveClient::reset() {
  response_ = nullptr;
  parser_.pause();  // nothing more of this response is wanted
  if (state_ == State::kBusy) {
    pool_.stats().upstream_rq_tx_reset.inc();
    finishStream();
  }
  close();
}

void ActiveClient::resetStream(StreamResetReason reason, std::string_view details) {
  UpstreamResponseCallbacks* cb = response_;
  response_ = nullptr;
  pool_.stats().upstream_rq_rx_reset.inc();
  finishStream();
  if (cb != nullptr) cb->onUpstreamReset(reason, details);
}

// Bookkeeping common to every way a request ends.
void ActiveClient::finishStream() {
  if (state_ != State::kBusy) return;
  state_ = State::kDone;
  response_ = nullptr;
  --pool_.busy;
  while (read_disabled_ > 0) {
    --read_disabled_;
    conn_->readDisable(false);
  }
  pool_.resources().requests.release();
  pool_.stats().upstream_rq_active.dec();
  pool_.stats().upstream_rq_completed.inc();
  pool_.host->stats().rq_active.fetch_sub(1, std::memory_order_relaxed);
}

void ActiveClient::onData(Buffer& data, bool end_stream) {
  pool_.stats().upstream_cx_rx_bytes_total.inc(data.size());
  if (state_ != State::kBusy) {
    // Bytes on an idle connection are a protocol violation (or a late
    // response to a reset request): the connection is unusable.
    data.drain(data.size());
    close();
    return;
  }
  if (!data.empty()) response_started_ = true;
  while (!data.empty() && state_ == State::kBusy) {
    auto r = parser_.execute(data.view());
    data.drain(r.consumed);
    if (!r.ok()) {
      if (state_ == State::kBusy) resetStream(StreamResetReason::kProtocolError, r.error->reason);
      close();
      return;
    }
    if (state_ == State::kBusy && !body_.empty()) flushBody(false);
    if (r.consumed == 0) break;
  }
  if (end_stream && state_ == State::kBusy) {
    auto r = parser_.finish();  // completes a close-delimited body
    if (state_ == State::kBusy && !body_.empty()) flushBody(false);
    if (state_ == State::kBusy) {
      resetStream(StreamResetReason::kConnectionTermination,
                  r.ok() ? "upstream closed mid-response" : r.error->reason);
    }
  }
  if (state_ != State::kDone) return;
  // The response is complete and the stream released: reuse or close.
  const uint32_t max_rq = pool_.cluster->maxRequestsPerConnection();
  bool reusable = keep_alive_ && request_complete_ && !end_stream && data.empty() &&
                  !pool_.draining && (max_rq == 0 || requests_ < max_rq);
  if (!reusable) {
    data.drain(data.size());
    close();
    return;
  }
  parser_.resume();
  pool_.onClientReady(*this);
}

void ActiveClient::flushBody(bool end_stream) {
  if (response_ == nullptr) {
    body_.clear();
    return;
  }
  response_->onUpstreamData(body_, end_stream);
  body_.clear();
}

void ActiveClient::onHeaders(http::HeaderMap&& headers, bool end_stream) {
  if (response_ == nullptr) return;
  const auto& info = parser_.messageInfo();
  auto map = http::HeaderMap::adopt(std::move(headers));
  map->remove(http::KnownHeader::kConnection);
  map->remove(http::KnownHeader::kKeepAlive);
  map->remove(http::KnownHeader::kProxyConnection);
  map->remove(http::KnownHeader::kTransferEncoding);
  map->remove(http::KnownHeader::kUpgrade);
  if (info.status < 200) {
    in_informational_ = true;
    response_->onUpstream1xxHeaders(std::move(map));
    return;
  }
  keep_alive_ = info.keep_alive;
  if (end_stream) {
    // The stream ends with this call; release it first so nothing the callee
    // does (reset, destroying itself) can touch it again.
    UpstreamResponseCallbacks* cb = response_;
    response_complete_ = true;
    finishStream();
    cb->onUpstreamHeaders(std::move(map), true);
    return;
  }
  response_->onUpstreamHeaders(std::move(map), false);
}

void ActiveClient::onTrailers(http::HeaderMap&& trailers) {
  if (response_ == nullptr) return;
  flushBody(false);
  if (response_ == nullptr) return;
  UpstreamResponseCallbacks* cb = response_;
  response_complete_ = true;
  finishStream();
  cb->onUpstreamTrailers(std::make_unique<http::HeaderMap>(std::move(trailers)));
}

void ActiveClient::onMessageComplete() {
  if (in_informational_) {
    in_informational_ = false;
    return;
  }
  // Parse nothing more until the connection is handed out again.
  parser_.pause();
  if (response_ == nullptr) return;  // completed by onHeaders/onTrailers, or reset
  UpstreamResponseCallbacks* cb = response_;
  response_complete_ = true;
  finishStream();
  cb->onUpstreamData(body_, true);
  body_.clear();
}

// ---------------------------------------------------------------- pool

HttpConnPool::HttpConnPool(event::Dispatcher& dispatcher, HostConstSharedPtr host,
                           ClusterInfoConstSharedPtr cluster)
    : host_(host), impl_(std::make_unique<Impl>(dispatcher, host, std::move(cluster))) {}

HttpConnPool::~HttpConnPool() {
  impl_->destroying = true;
  for (auto& p : impl_->pending) {
    (void)p;
    impl_->resources().pending_requests.release();
    impl_->resources().requests.release();
    impl_->stats().upstream_rq_pending_active.dec();
  }
  impl_->pending.clear();
  // Closing delivers kLocalClose synchronously; `destroying` keeps the
  // callbacks from re-entering the pool.
  auto clients = std::move(impl_->clients);
  impl_->clients.clear();
  for (auto& c : clients) {
    if (c->state_ == ActiveClient::State::kBusy) {
      c->response_ = nullptr;
      c->finishStream();
    }
    if (c->state_ != ActiveClient::State::kClosed) c->close();
    impl_->resources().connections.release();
    impl_->stats().upstream_cx_active.dec();
    impl_->stats().upstream_cx_destroy.inc();
    host_->stats().cx_active.fetch_sub(1, std::memory_order_relaxed);
  }
}

Cancellable* HttpConnPool::newStream(UpstreamResponseCallbacks& response,
                                     PoolCallbacks& callbacks) {
  Impl& p = *impl_;
  if (!p.resources().requests.tryAcquire()) {
    p.stats().upstream_rq_pending_overflow.inc();
    callbacks.onPoolFailure(PoolFailureReason::kOverflow, "max_requests", host_);
    return nullptr;
  }
  if (!p.idle.empty()) {
    ActiveClient* client = p.idle.back();
    client->attach(response);
    callbacks.onPoolReady(*client, host_);
    return nullptr;
  }
  if (!p.resources().pending_requests.tryAcquire()) {
    p.resources().requests.release();
    p.stats().upstream_rq_pending_overflow.inc();
    callbacks.onPoolFailure(PoolFailureReason::kOverflow, "max_pending_requests", host_);
    return nullptr;
  }
  p.stats().upstream_rq_pending_total.inc();
  p.stats().upstream_rq_pending_active.inc();
  p.pending.push_back(std::make_unique<Impl::Pending>(p, response, callbacks));
  Cancellable* handle = p.pending.back().get();
  p.maybeConnect();
  return handle;
}

void HttpConnPool::drain(std::function<void()> on_drained) {
  Impl& p = *impl_;
  p.draining = true;
  p.drained_callbacks.push_back(std::move(on_drained));
  p.checkDrained();
}

bool HttpConnPool::hasActiveOrPending() const { return impl_->busy != 0 || !impl_->pending.empty(); }
size_t HttpConnPool::connectionCount() const { return impl_->clients.size(); }
size_t HttpConnPool::idleConnectionCount() const { return impl_->idle.size(); }
size_t HttpConnPool::pendingRequestCount() const { return impl_->pending.size(); }

}  // namespace weir::upstream

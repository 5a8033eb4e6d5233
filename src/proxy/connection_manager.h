// The HTTP connection manager (HCM): one per downstream connection. It drives
// the HTTP/1.1 codec (parser in, encoder out), turns each request into an
// ActiveStream with its own FilterManager, and owns what is per connection:
// keep-alive and pipelining (one request processed at a time, the rest wait
// in the read buffer), Expect: 100-continue, codec errors (400/413/414/431 +
// close), Envoy's request header handling (hop-by-hop removal,
// x-forwarded-for/-proto, x-request-id), the server/date response headers,
// timeouts, drain, stats and access logs.
//
// Routing decisions that need no upstream are made here, just before the
// terminal filter (router) would see the request: no route → 404 (NR),
// direct_response → the configured status/body, redirect → 3xx + Location.
// The router only ever sees requests routed to a cluster.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/buffer.h"
#include "event/dispatcher.h"
#include "http/http1/encoder.h"
#include "http/http1/parser.h"
#include "net/connection.h"
#include "proxy/connection_manager_config.h"
#include "proxy/filter_manager.h"

namespace weir::proxy {

// What a stream runs with: the HCM config current when it began and the
// worker's cluster manager of the same config generation (kept alive by the
// snapshot's owner while the snapshot lives).
struct HcmSnapshot {
  std::shared_ptr<const HcmConfig> config;
  upstream::ThreadLocalClusterManager* cluster_manager = nullptr;
  std::shared_ptr<const void> owner;
};
using HcmSnapshotPtr = std::shared_ptr<const HcmSnapshot>;

class HttpConnectionManager;

// Implemented by the worker that owns the connections.
class ConnectionManagerOwner {
 public:
  virtual ~ConnectionManagerOwner() = default;
  // The newest snapshot for this connection's listener (called per stream,
  // so a config reload applies to the next request even on an old
  // keep-alive connection).
  virtual HcmSnapshotPtr currentSnapshot(const HttpConnectionManager& manager) = 0;
  // The connection closed; the owner deferred-deletes `manager`.
  virtual void onConnectionManagerClosed(HttpConnectionManager& manager) = 0;
};

class HttpConnectionManager : public event::DeferredDeletable,
                              public net::ReadCallback,
                              public net::ConnectionCallbacks,
                              public http::http1::ParserCallbacks {
 public:
  HttpConnectionManager(net::ConnectionPtr connection, HcmSnapshotPtr snapshot,
                        ConnectionManagerOwner& owner, const ListenerStats* listener_stats);
  ~HttpConnectionManager() override;

  // Begins reading.
  void start();
  // Drain: close now if idle, else close after the current response (which
  // gets "connection: close").
  void startDrain();
  bool idle() const { return stream_ == nullptr; }
  net::Connection& connection() { return *connection_; }
  const HcmSnapshot& snapshot() const { return *snapshot_; }
  // Opaque tag the owner may use (which listener accepted it).
  uintptr_t owner_tag = 0;

  // net::ReadCallback
  void onData(Buffer& data, bool end_stream) override;
  // net::ConnectionCallbacks
  void onEvent(net::ConnectionEvent event) override;
  void onAboveWriteBufferHighWatermark() override;
  void onBelowWriteBufferLowWatermark() override;
  // http1::ParserCallbacks
  void onMessageBegin() override;
  void onHeaders(http::HeaderMap&& headers, bool end_stream) override;
  void onBody(std::string_view chunk) override;
  void onTrailers(http::HeaderMap&& trailers) override;
  void onMessageComplete() override;

  class ActiveStream;

 private:
  friend class ActiveStream;
  void dispatch();
  void scheduleDispatch();
  void onCodecError(const http::http1::ParseError& error);
  void sendRawError(int status, std::string_view body, std::string_view details);
  void onStreamDone(bool close_connection);
  void closeConnection(net::ConnectionCloseType type, std::string_view reason);
  void armIdleTimer();
  void onIdleTimeout();
  void onRequestHeadersTimeout();
  void onStreamTimeout(int which);
  void disarmStreamTimers();

  net::ConnectionPtr connection_;
  HcmSnapshotPtr snapshot_;  // accept-time; connection-level settings
  ConnectionManagerOwner& owner_;
  const ListenerStats* listener_stats_;
  std::unique_ptr<http::http1::Parser> parser_;
  std::unique_ptr<ActiveStream> stream_;
  Buffer* read_buffer_ = nullptr;
  Buffer body_scratch_;
  event::TimerPtr idle_timer_;
  event::TimerPtr request_headers_timer_;
  // Per-stream timers live here and are reused: HTTP/1 runs one stream at a time.
  event::TimerPtr stream_idle_timer_;
  event::TimerPtr request_timer_;
  event::TimerPtr max_duration_timer_;
  event::MonotonicTime start_time_;
  bool dispatching_ = false;
  bool dispatch_posted_ = false;
  bool draining_ = false;
  bool closed_ = false;
  bool read_paused_for_buffer_ = false;
  uint32_t read_disabled_by_streams_ = 0;
  std::shared_ptr<bool> alive_;
};

}  // namespace weir::proxy

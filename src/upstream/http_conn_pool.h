// The per-worker, per-host HTTP/1.1 connection pool.
//
// One request at a time per connection (no pipelining upstream: a response
// that fails mid-way would otherwise take the requests queued behind it with
// it). A connection whose response completed cleanly and that the upstream
// did not ask to close goes back to the idle list and is reused, most recently
// used first (warm in the upstream's caches, and the others can time out).
//
// Getting a stream:
//   Cancellable* h = pool.newStream(response_callbacks, pool_callbacks);
// either calls pool_callbacks synchronously (returns null) or queues the
// request (returns a handle to cancel() while waiting). onPoolReady hands out
// an UpstreamStream bound to a connection; the caller then encodes the request
// and receives the response through UpstreamResponseCallbacks.
//
// Circuit breakers (cluster-wide, see ResourceManager): max_requests is checked
// by newStream (overflow → onPoolFailure(kOverflow)); max_connections bounds
// new connections (above it requests wait for a connection to be released);
// max_pending_requests bounds that wait queue (overflow → kOverflow).
//
// Flow control: UpstreamStream::readDisable() stops reading the response
// while the downstream client is slow; onUpstreamAboveWriteBufferHighWatermark
// tells the caller to stop feeding request body while the upstream is slow.
#pragma once

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "event/dispatcher.h"
#include "upstream/cluster_manager.h"
#include "upstream/host.h"

namespace weir {
class Buffer;
}
namespace weir::http {
class HeaderMap;
}

namespace weir::upstream {

enum class PoolFailureReason {
  kOverflow,           // circuit breaker (max_requests / max_pending_requests) → UO
  kConnectionFailure,  // connect refused / reset before it was up → UF
  kTimeout,            // connect_timeout → UF (upstream_cx_connect_timeout)
};

enum class StreamResetReason {
  kConnectionTermination,  // upstream closed or reset the connection mid-request/response → UC
  kIdleConnectionClosed,   // a REUSED connection closed before any response byte: the
                           // request may be re-sent on a fresh connection (RFC 9112 §9.3.1)
  kProtocolError,          // the upstream sent something the parser rejects → UPE
  kLocalReset,             // reset() called by the owner
};

std::string_view poolFailureReasonName(PoolFailureReason reason);
std::string_view streamResetReasonName(StreamResetReason reason);

// Receives one request's response. After onUpstreamReset or the final
// end_stream, nothing more is called.
class UpstreamResponseCallbacks {
 public:
  virtual ~UpstreamResponseCallbacks() = default;
  // 100 Continue and other 1xx heads (never 101).
  virtual void onUpstream1xxHeaders(std::unique_ptr<http::HeaderMap> headers) {}
  // :status set; hop-by-hop headers (connection, keep-alive, transfer-encoding,
  // proxy-connection, upgrade) already removed.
  virtual void onUpstreamHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) = 0;
  // `data` may be drained by the callee; what is left is dropped.
  virtual void onUpstreamData(Buffer& data, bool end_stream) = 0;
  virtual void onUpstreamTrailers(std::unique_ptr<http::HeaderMap> trailers) = 0;
  virtual void onUpstreamReset(StreamResetReason reason, std::string_view details) = 0;
  // The connection's write buffer crossed its watermarks (request body flow control).
  virtual void onUpstreamAboveWriteBufferHighWatermark() {}
  virtual void onUpstreamBelowWriteBufferLowWatermark() {}
};

// The request side of one stream bound to one upstream connection.
class UpstreamStream {
 public:
  virtual ~UpstreamStream() = default;
  // Request head (:method, :path, :authority, headers). Framing: a
  // content-length is kept; otherwise a body is sent chunked; end_stream on
  // the headers means no body. The framing header chosen is added to
  // `headers` (so a retry re-encodes the same head).
  virtual void encodeHeaders(http::HeaderMap& headers, bool end_stream) = 0;
  // `data` is drained (moved into the connection's write buffer).
  virtual void encodeData(Buffer& data, bool end_stream) = 0;
  virtual void encodeTrailers(const http::HeaderMap& trailers) = 0;
  // Nested like Connection::readDisable.
  virtual void readDisable(bool disable) = 0;
  // Abandons the stream. The connection is closed (HTTP/1.1 cannot cancel one
  // request on a connection). No callback is invoked afterwards.
  virtual void reset() = 0;
  // Whether this connection carried an earlier request.
  virtual bool reusedConnection() const = 0;
};

class PoolCallbacks {
 public:
  virtual ~PoolCallbacks() = default;
  virtual void onPoolReady(UpstreamStream& stream, const HostConstSharedPtr& host) = 0;
  virtual void onPoolFailure(PoolFailureReason reason, std::string_view details,
                             const HostConstSharedPtr& host) = 0;
};

class Cancellable {
 public:
  virtual ~Cancellable() = default;
  // Gives up waiting; no pool callback is invoked afterwards.
  virtual void cancel() = 0;
};

class HttpConnPool {
 public:
  HttpConnPool(event::Dispatcher& dispatcher, HostConstSharedPtr host,
               ClusterInfoConstSharedPtr cluster);
  ~HttpConnPool();  // closes every connection; pending requests get no callback
  HttpConnPool(const HttpConnPool&) = delete;
  HttpConnPool& operator=(const HttpConnPool&) = delete;

  Cancellable* newStream(UpstreamResponseCallbacks& response, PoolCallbacks& callbacks);

  // Closes idle connections; busy ones close when their request finishes.
  // `on_drained` (may be empty) runs once nothing is active or pending.
  void drain(std::function<void()> on_drained);
  bool hasActiveOrPending() const;
  const HostConstSharedPtr& host() const { return host_; }

  size_t connectionCount() const;
  size_t idleConnectionCount() const;
  size_t pendingRequestCount() const;

  struct Impl;

 private:
  HostConstSharedPtr host_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir::upstream

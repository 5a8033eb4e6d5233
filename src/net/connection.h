// A TCP connection owned by one worker: server side (accepted by a Listener)
// or client side (created by an upstream connection pool, then connect()).
//
// Data in: the ReadCallback gets every chunk read as a weir::Buffer it may
// drain partially; what it leaves stays buffered and is delivered again, in
// front of new bytes, on the next read. end_stream = true once the peer has
// half-closed (FIN).
//
// Data out: write(Buffer&) moves the bytes into the connection's write buffer
// and returns at once; the socket drains it asynchronously. When the write
// buffer grows above the high watermark (setBufferLimits), every
// ConnectionCallbacks gets onAboveWriteBufferHighWatermark(); when it falls to
// the low watermark (half the high one), onBelowWriteBufferLowWatermark(). The
// HTTP connection manager uses that to stop reading the upstream response while
// the client is slow, so weir never buffers without bound.
//
// Backpressure the other way: readDisable(true) stops reading from the socket
// (calls nest; reading resumes when every disable has been undone).
//
// Half-close: by default a FIN from the peer is delivered as end_stream and
// the connection then closes (kRemoteClose) — what HTTP wants. With
// enableHalfClose(true) (the TCP proxy) the FIN only ends the read side: the
// connection stays open for writing and closes once both directions are done
// (the FIN delivered and our own write(..., end_stream = true) flushed).
//
// All methods must be called on the connection's dispatcher thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "event/dispatcher.h"
#include "net/address.h"

namespace weir {
class Buffer;
}

namespace weir::net {

enum class ConnectionEvent {
  kConnected,      // client side: connect() succeeded
  kRemoteClose,    // peer closed or reset, or connect failed / timed out
  kLocalClose,     // close() was called on this side
};

enum class ConnectionCloseType {
  kFlushWrite,  // write what is buffered, then close (bounded by the delayed-close timeout)
  kNoFlush,     // close now, drop what is buffered
};

enum class ConnectionState { kConnecting, kOpen, kClosing, kClosed };

class ConnectionCallbacks {
 public:
  virtual ~ConnectionCallbacks() = default;
  // kRemoteClose/kLocalClose are delivered exactly once, and the connection
  // must not be used afterwards except to be destroyed (deferred is safest).
  virtual void onEvent(ConnectionEvent event) = 0;
  virtual void onAboveWriteBufferHighWatermark() {}
  virtual void onBelowWriteBufferLowWatermark() {}
};

class ReadCallback {
 public:
  virtual ~ReadCallback() = default;
  // `data` holds every unconsumed byte; drain what was consumed.
  virtual void onData(Buffer& data, bool end_stream) = 0;
};

class Connection : public event::DeferredDeletable {
 public:
  // A client connection, not yet connected: call connect().
  static std::unique_ptr<Connection> createClient(event::Dispatcher& dispatcher,
                                                  const Address& remote);
  // Takes ownership of an accepted, non-blocking socket (Listener does this).
  static std::unique_ptr<Connection> createServer(event::Dispatcher& dispatcher, int fd,
                                                  const Address& remote);

  ~Connection() override;

  // Client side: starts a non-blocking connect. The outcome arrives as
  // onEvent(kConnected) or onEvent(kRemoteClose) (with closeReason()
  // "connect_failed: ..." or "connect_timeout"). Writes issued before the
  // connection is up are buffered and sent once it is.
  void connect(std::chrono::milliseconds timeout);

  void setReadCallback(ReadCallback* callback) { read_callback_ = callback; }
  void addConnectionCallbacks(ConnectionCallbacks& callbacks);
  void removeConnectionCallbacks(ConnectionCallbacks& callbacks);

  // Server side: begins reading. Client side reading begins on connect.
  void startReading();

  // Moves all of `data` into the write buffer (data is left empty).
  // end_stream = true half-closes the write side after the bytes are sent.
  void write(Buffer& data, bool end_stream = false);
  // Convenience for small, fixed replies (codec errors, admin).
  void write(std::string_view data, bool end_stream = false);

  // Closes; `reason` is kept for logs (closeReason()). Always delivers
  // kLocalClose (synchronously for kNoFlush, after flushing for kFlushWrite).
  void close(ConnectionCloseType type, std::string_view reason = "");

  // Nested: n disables need n enables. While disabled nothing is read and no
  // onData is delivered (bytes already buffered stay buffered).
  void readDisable(bool disable);
  bool readEnabled() const { return read_disable_count_ == 0; }

  // High watermark of the write buffer in bytes (low = high / 2). 0 = none.
  void setBufferLimits(uint32_t high_watermark);
  uint32_t bufferLimit() const { return high_watermark_; }
  bool aboveHighWatermark() const { return above_high_; }
  uint64_t writeBufferLength() const;
  // Bytes held for this connection before they reach its write buffer (a
  // network write filter that stopped iteration). They count toward the
  // watermarks, so whoever produces them hears the high watermark as if
  // they were buffered here. The holder keeps the number current.
  void setHeldWriteBytes(uint64_t bytes);

  // See the header comment. Set before startReading() / connect().
  void enableHalfClose(bool enabled) { half_close_ = enabled; }
  bool halfCloseEnabled() const { return half_close_; }

  // TCP_NODELAY is on by default for both sides (request/response traffic).
  void setNoDelay(bool enable);

  const Address& localAddress() const { return local_; }
  const Address& remoteAddress() const { return remote_; }
  ConnectionState state() const { return state_; }
  const std::string& closeReason() const { return close_reason_; }
  uint64_t id() const { return id_; }
  event::Dispatcher& dispatcher() { return dispatcher_; }

  uint64_t bytesRead() const { return bytes_read_; }
  uint64_t bytesWritten() const { return bytes_written_; }

  // Implementation details below; public only for the .cc's helper types.
  struct Impl;

 private:
  Connection(event::Dispatcher& dispatcher, int fd, bool client);
  friend struct Impl;

  event::Dispatcher& dispatcher_;
  std::shared_ptr<Impl> impl_;
  ReadCallback* read_callback_ = nullptr;
  std::vector<ConnectionCallbacks*> callbacks_;
  Address local_;
  Address remote_;
  ConnectionState state_ = ConnectionState::kOpen;
  std::string close_reason_;
  uint64_t id_;
  uint32_t read_disable_count_ = 0;
  uint32_t high_watermark_ = 0;
  bool above_high_ = false;
  bool half_close_ = false;
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
};

using ConnectionPtr = std::unique_ptr<Connection>;

}  // namespace weir::net

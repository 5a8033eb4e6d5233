#include "net/connection.h"

#include <algorithm>
#include <atomic>

#include <asio/socket_base.hpp>

#include "base/buffer.h"
#include "base/logging.h"

namespace weir::net {
namespace {

std::atomic<uint64_t> next_connection_id{1};
constexpr size_t kReadSize = 16 * 1024;
// After a flushed close we half-close and wait this long for the peer's FIN,
// so unread request bytes do not turn our close into an RST that destroys the
// response still in flight to the client.
constexpr std::chrono::milliseconds kDelayedCloseTimeout{1000};
// Below this many queued bytes a write made during a read delivery waits for
// the end of the delivery; above it the connection flushes at once, so the
// watermarks keep seeing what is buffered.
constexpr size_t kBatchedWriteLimit = 64 * 1024;

}  // namespace

// The socket and buffers live here, shared with in-flight asio handlers, so
// the Connection may be destroyed at any time: late handlers find
// owner == nullptr and return.
struct Connection::Impl {
  Impl(Connection* o, asio::ip::tcp::socket s) : owner(o), socket(std::move(s)) {}

  Connection* owner;
  asio::ip::tcp::socket socket;
  Buffer incoming;     // target of the outstanding read
  Buffer read_buffer;  // what the ReadCallback sees
  Buffer writing;      // handed to the socket by an async write
  Buffer pending;      // written while `writing` is in flight
  bool read_in_flight = false;
  bool write_in_flight = false;
  bool delivery_posted = false;
  bool remote_eof = false;
  bool half_close_after_write = false;
  bool close_after_write = false;
  bool draining_for_close = false;
  bool eof_delivered = false;   // half-close: end_stream reached the callback
  bool write_shutdown = false;  // half-close: our FIN is sent
  bool flush_queued = false;    // in this thread's WriteBatch
  event::TimerPtr connect_timer;
  event::TimerPtr close_timer;

  static void read(const std::shared_ptr<Impl>& self);
  static void onRead(const std::shared_ptr<Impl>& self, const asio::error_code& ec, size_t n);
  static void deliver(const std::shared_ptr<Impl>& self);
  static void flush(const std::shared_ptr<Impl>& self);
  // flush() now, or at the end of the current WriteBatch.
  static void requestFlush(const std::shared_ptr<Impl>& self);
  static void onFlushed(const std::shared_ptr<Impl>& self);
  void raise(ConnectionEvent event);
  void closeSocket(ConnectionEvent event, std::string_view reason);
  void updateWatermarks();
  // After the peer's FIN was delivered: without half-close the connection is
  // done; with it, only once our own FIN is out too. True when it closed.
  bool closeAfterRemoteEof();
  uint64_t bufferedWrite() const { return writing.size() + pending.size(); }
  uint64_t held_write = 0;  // setHeldWriteBytes: watermarks only, never flushed here
};

namespace {

// Writes made while a read is delivered (on any connection of this thread)
// are flushed together when the outermost delivery returns: a response's
// headers and body, written by two callbacks of one upstream read, leave in
// one send instead of two.
struct WriteBatch {
  int depth = 0;
  std::vector<std::shared_ptr<Connection::Impl>> queued;
};
thread_local WriteBatch t_batch;

class WriteBatchScope {
 public:
  WriteBatchScope() { ++t_batch.depth; }
  ~WriteBatchScope() {
    if (--t_batch.depth > 0) return;
    // By index: a flush runs callbacks, which could start a delivery of their
    // own that queues (and drains) more.
    for (size_t i = 0; i < t_batch.queued.size(); ++i) {
      std::shared_ptr<Connection::Impl> c = t_batch.queued[i];
      c->flush_queued = false;
      Connection::Impl::flush(c);
    }
    t_batch.queued.clear();
  }
  WriteBatchScope(const WriteBatchScope&) = delete;
  WriteBatchScope& operator=(const WriteBatchScope&) = delete;
};

}  // namespace

void Connection::Impl::requestFlush(const std::shared_ptr<Impl>& self) {
  if (t_batch.depth == 0 || self->write_in_flight || self->pending.size() >= kBatchedWriteLimit) {
    flush(self);
    return;
  }
  if (!self->flush_queued) {
    self->flush_queued = true;
    t_batch.queued.push_back(self);
  }
}

void Connection::Impl::raise(ConnectionEvent event) {
  // Callbacks may remove themselves (or destroy nothing: destruction is
  // deferred by convention); iterate over a copy.
  auto callbacks = owner->callbacks_;
  for (auto* cb : callbacks) {
    if (std::find(owner->callbacks_.begin(), owner->callbacks_.end(), cb) != owner->callbacks_.end()) {
      cb->onEvent(event);
    }
  }
}

void Connection::Impl::closeSocket(ConnectionEvent event, std::string_view reason) {
  if (owner->state_ == ConnectionState::kClosed) return;
  owner->state_ = ConnectionState::kClosed;
  if (owner->close_reason_.empty()) owner->close_reason_ = std::string(reason);
  asio::error_code ignored;
  socket.close(ignored);
  connect_timer.reset();
  close_timer.reset();
  pending.release();
  writing.release();
  raise(event);
}

void Connection::Impl::updateWatermarks() {
  const uint32_t high = owner->high_watermark_;
  if (high == 0) return;
  const uint64_t size = bufferedWrite() + held_write;
  if (!owner->above_high_ && size > high) {
    owner->above_high_ = true;
    auto callbacks = owner->callbacks_;
    for (auto* cb : callbacks) cb->onAboveWriteBufferHighWatermark();
  } else if (owner->above_high_ && size <= high / 2) {
    owner->above_high_ = false;
    auto callbacks = owner->callbacks_;
    for (auto* cb : callbacks) cb->onBelowWriteBufferLowWatermark();
  }
}

bool Connection::Impl::closeAfterRemoteEof() {
  if (owner->half_close_ && !(eof_delivered && write_shutdown)) return false;
  closeSocket(ConnectionEvent::kRemoteClose, "remote_close");
  return true;
}

void Connection::Impl::read(const std::shared_ptr<Impl>& self) {
  Connection* c = self->owner;
  if (c == nullptr || self->read_in_flight || self->remote_eof) return;
  if (c->state_ != ConnectionState::kOpen && !self->draining_for_close) return;
  if (c->read_disable_count_ > 0 && !self->draining_for_close) return;
  self->read_in_flight = true;
  auto span = self->incoming.writableSpan(kReadSize);
  self->socket.async_read_some(asio::buffer(span.data(), span.size()),
                               [self](const asio::error_code& ec, size_t n) { onRead(self, ec, n); });
}

void Connection::Impl::onRead(const std::shared_ptr<Impl>& self, const asio::error_code& ec, size_t n) {
  self->read_in_flight = false;
  Connection* c = self->owner;
  if (c == nullptr || c->state_ == ConnectionState::kClosed) return;
  if (self->draining_for_close) {
    // Discard until the peer's FIN (or the timer) ends the delayed close.
    self->incoming.clear();
    if (ec || n == 0) {
      self->closeSocket(ConnectionEvent::kLocalClose, "");
      return;
    }
    Impl::read(self);
    return;
  }
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    if (ec == asio::error::eof) {
      self->remote_eof = true;
    } else {
      self->closeSocket(ConnectionEvent::kRemoteClose, ec.message());
      return;
    }
  }
  if (n > 0) {
    self->incoming.commit(n);
    c->bytes_read_ += n;
    if (self->read_buffer.empty()) {
      std::swap(self->read_buffer, self->incoming);
    } else {
      self->read_buffer.append(self->incoming.view());
      self->incoming.clear();
    }
  }
  c->dispatcher_.updateApproximateTime();
  {
    WriteBatchScope batch;
    deliver(self);
  }
  if (self->owner == nullptr || c->state_ != ConnectionState::kOpen) return;
  if (self->remote_eof) {
    // Half-closed and still writing: nothing more to read, stay open.
    (void)self->closeAfterRemoteEof();
    return;
  }
  read(self);
}

void Connection::Impl::deliver(const std::shared_ptr<Impl>& self) {
  Connection* c = self->owner;
  if (c == nullptr || c->state_ != ConnectionState::kOpen || c->read_disable_count_ > 0) return;
  if (c->read_callback_ == nullptr) return;
  // end_stream is delivered once; later deliveries only carry bytes the
  // callback left unconsumed.
  if (self->read_buffer.empty() && (!self->remote_eof || self->eof_delivered)) return;
  if (self->remote_eof) self->eof_delivered = true;
  c->read_callback_->onData(self->read_buffer, self->remote_eof);
}

void Connection::Impl::flush(const std::shared_ptr<Impl>& self) {
  Connection* c = self->owner;
  if (c == nullptr || c->state_ == ConnectionState::kConnecting || c->state_ == ConnectionState::kClosed) {
    return;
  }
  if (self->write_in_flight) {
    // Data queued behind an in-flight write still counts: without this check a
    // fast producer could grow `pending` without ever hearing the high watermark.
    self->updateWatermarks();
    return;
  }
  if (self->writing.empty()) std::swap(self->writing, self->pending);
  if (!self->writing.empty()) {
    // Try right away: usually the socket takes it all and no reactor round
    // trip is needed.
    asio::error_code ec;
    size_t n = self->socket.write_some(asio::buffer(self->writing.data(), self->writing.size()), ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      self->closeSocket(ConnectionEvent::kRemoteClose, ec.message());
      return;
    }
    c->bytes_written_ += n;
    self->writing.drain(n);
    if (!self->writing.empty()) {
      self->write_in_flight = true;
      self->socket.async_write_some(
          asio::buffer(self->writing.data(), self->writing.size()),
          [self](const asio::error_code& ec2, size_t n2) {
            self->write_in_flight = false;
            Connection* conn = self->owner;
            if (conn == nullptr || conn->state_ == ConnectionState::kClosed) return;
            if (ec2) {
              self->closeSocket(ConnectionEvent::kRemoteClose, ec2.message());
              return;
            }
            conn->bytes_written_ += n2;
            self->writing.drain(n2);
            flush(self);
          });
      self->updateWatermarks();
      return;
    }
    if (!self->pending.empty()) {
      flush(self);
      return;
    }
  }
  self->updateWatermarks();
  if (self->owner != nullptr && self->bufferedWrite() == 0) onFlushed(self);
}

void Connection::Impl::onFlushed(const std::shared_ptr<Impl>& self) {
  Connection* c = self->owner;
  if (c == nullptr || c->state_ == ConnectionState::kClosed) return;
  if (self->close_after_write) {
    self->close_after_write = false;
    asio::error_code ignored;
    self->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    if (self->remote_eof) {
      self->closeSocket(ConnectionEvent::kLocalClose, "");
      return;
    }
    self->draining_for_close = true;
    std::weak_ptr<Impl> weak = self;
    self->close_timer = c->dispatcher_.createTimer([weak] {
      if (auto s = weak.lock(); s && s->owner) s->closeSocket(ConnectionEvent::kLocalClose, "");
    });
    self->close_timer->enable(kDelayedCloseTimeout);
    Impl::read(self);
  } else if (self->half_close_after_write) {
    self->half_close_after_write = false;
    asio::error_code ignored;
    self->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    self->write_shutdown = true;
    if (c->half_close_ && self->eof_delivered) (void)self->closeAfterRemoteEof();
  }
}

Connection::Connection(event::Dispatcher& dispatcher, asio::ip::tcp::socket socket, bool client)
    : dispatcher_(dispatcher),
      impl_(std::make_shared<Impl>(this, std::move(socket))),
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)) {
  if (client) {
    state_ = ConnectionState::kConnecting;
    return;
  }
  asio::error_code ec;
  impl_->socket.non_blocking(true, ec);
  impl_->socket.set_option(asio::ip::tcp::no_delay(true), ec);
  auto local = impl_->socket.local_endpoint(ec);
  if (!ec) local_ = Address(local);
  auto remote = impl_->socket.remote_endpoint(ec);
  if (!ec) remote_ = Address(remote);
}

std::unique_ptr<Connection> Connection::createClient(event::Dispatcher& dispatcher,
                                                     const Address& remote) {
  auto c = std::unique_ptr<Connection>(
      new Connection(dispatcher, asio::ip::tcp::socket(dispatcher.ioContext()), true));
  c->remote_ = remote;
  return c;
}

std::unique_ptr<Connection> Connection::createServer(event::Dispatcher& dispatcher,
                                                     asio::ip::tcp::socket socket) {
  return std::unique_ptr<Connection>(new Connection(dispatcher, std::move(socket), false));
}

Connection::~Connection() {
  if (impl_->flush_queued && state_ == ConnectionState::kOpen && !impl_->write_in_flight) {
    // Best effort, as the write itself was before it waited for its batch.
    asio::error_code ignored;
    if (impl_->writing.empty()) std::swap(impl_->writing, impl_->pending);
    impl_->socket.write_some(asio::buffer(impl_->writing.data(), impl_->writing.size()), ignored);
  }
  impl_->owner = nullptr;
  impl_->connect_timer.reset();
  impl_->close_timer.reset();
  if (state_ != ConnectionState::kClosed) {
    asio::error_code ignored;
    impl_->socket.close(ignored);
  }
}

void Connection::connect(std::chrono::milliseconds timeout) {
  auto self = impl_;
  asio::error_code ec;
  impl_->socket.open(remote_.endpoint().protocol(), ec);
  if (ec) {
    // Report asynchronously like every other connect outcome.
    close_reason_ = "connect_failed: " + ec.message();
    dispatcher_.post([self] {
      if (self->owner) self->closeSocket(ConnectionEvent::kRemoteClose, "");
    });
    return;
  }
  impl_->socket.non_blocking(true, ec);
  impl_->connect_timer = dispatcher_.createTimer([self] {
    if (self->owner == nullptr || self->owner->state_ != ConnectionState::kConnecting) return;
    self->owner->close_reason_ = "connect_timeout";
    self->closeSocket(ConnectionEvent::kRemoteClose, "connect_timeout");
  });
  if (timeout.count() > 0) impl_->connect_timer->enable(timeout);
  impl_->socket.async_connect(remote_.endpoint(), [self](const asio::error_code& cec) {
    Connection* c = self->owner;
    if (c == nullptr || c->state_ != ConnectionState::kConnecting) return;
    self->connect_timer.reset();
    if (cec) {
      c->close_reason_ = "connect_failed: " + cec.message();
      self->closeSocket(ConnectionEvent::kRemoteClose, "");
      return;
    }
    asio::error_code ignored;
    self->socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    auto local = self->socket.local_endpoint(ignored);
    if (!ignored) c->local_ = Address(local);
    c->state_ = ConnectionState::kOpen;
    self->raise(ConnectionEvent::kConnected);
    if (self->owner == nullptr || c->state_ != ConnectionState::kOpen) return;
    Impl::flush(self);
    Impl::read(self);
  });
}

void Connection::addConnectionCallbacks(ConnectionCallbacks& callbacks) {
  callbacks_.push_back(&callbacks);
}

void Connection::removeConnectionCallbacks(ConnectionCallbacks& callbacks) {
  callbacks_.erase(std::remove(callbacks_.begin(), callbacks_.end(), &callbacks), callbacks_.end());
}

void Connection::startReading() { Impl::read(impl_); }

void Connection::write(Buffer& data, bool end_stream) {
  if (state_ == ConnectionState::kClosed || state_ == ConnectionState::kClosing || impl_->write_shutdown) {
    data.clear();
    return;
  }
  if (!data.empty()) {
    if (impl_->pending.empty()) {
      std::swap(impl_->pending, data);
      data.clear();
    } else {
      impl_->pending.append(std::move(data));
    }
  }
  if (end_stream) impl_->half_close_after_write = true;
  Impl::requestFlush(impl_);
}

void Connection::write(std::string_view data, bool end_stream) {
  if (state_ == ConnectionState::kClosed || state_ == ConnectionState::kClosing || impl_->write_shutdown) return;
  impl_->pending.append(data);
  if (end_stream) impl_->half_close_after_write = true;
  Impl::requestFlush(impl_);
}

void Connection::close(ConnectionCloseType type, std::string_view reason) {
  if (state_ == ConnectionState::kClosed || state_ == ConnectionState::kClosing) return;
  // Bytes written earlier in this batch go out first, as they would have
  // without the batch (even before a kNoFlush close).
  if (impl_->flush_queued && !impl_->write_in_flight) {
    impl_->flush_queued = false;
    Impl::flush(impl_);
    if (state_ == ConnectionState::kClosed || state_ == ConnectionState::kClosing) return;
  }
  if (close_reason_.empty()) close_reason_ = std::string(reason);
  if (type == ConnectionCloseType::kNoFlush || state_ == ConnectionState::kConnecting ||
      (impl_->bufferedWrite() == 0 && impl_->remote_eof)) {
    impl_->closeSocket(ConnectionEvent::kLocalClose, reason);
    return;
  }
  state_ = ConnectionState::kClosing;
  impl_->close_after_write = true;
  if (!impl_->write_in_flight) {
    Impl::flush(impl_);
  }
}

void Connection::readDisable(bool disable) {
  if (disable) {
    ++read_disable_count_;
    return;
  }
  if (read_disable_count_ == 0) return;
  if (--read_disable_count_ > 0 || state_ != ConnectionState::kOpen) return;
  // Bytes that arrived (or stayed unconsumed) while disabled are delivered
  // again from the loop, not from inside the caller's stack.
  if ((!impl_->read_buffer.empty() || impl_->remote_eof) && !impl_->delivery_posted) {
    impl_->delivery_posted = true;
    auto self = impl_;
    dispatcher_.post([self] {
      self->delivery_posted = false;
      Connection* c = self->owner;
      if (c == nullptr || c->state_ != ConnectionState::kOpen) return;
      {
        WriteBatchScope batch;
        Impl::deliver(self);
      }
      if (self->owner == nullptr || c->state_ != ConnectionState::kOpen) return;
      if (self->remote_eof) {
        (void)self->closeAfterRemoteEof();
        return;
      }
      Impl::read(self);
    });
    return;
  }
  Impl::read(impl_);
}

void Connection::setBufferLimits(uint32_t high_watermark) { high_watermark_ = high_watermark; }

uint64_t Connection::writeBufferLength() const { return impl_->bufferedWrite(); }

void Connection::setHeldWriteBytes(uint64_t bytes) {
  if (impl_->held_write == bytes) return;
  impl_->held_write = bytes;
  if (state_ != ConnectionState::kClosed) impl_->updateWatermarks();
}

void Connection::setNoDelay(bool enable) {
  asio::error_code ignored;
  impl_->socket.set_option(asio::ip::tcp::no_delay(enable), ignored);
}

}  // namespace weir::net

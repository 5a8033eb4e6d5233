#include "net/connection.h"

#include <algorithm>
#include <atomic>

#include <cerrno>
#include <cstring>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/buffer.h"
#include "base/logging.h"

namespace weir::net {
namespace {

std::atomic<uint64_t> next_connection_id{1};
constexpr size_t kReadSize = 16 * 1024;
// Full-size reads per readiness event before the rest waits for a later turn.
constexpr int kReadsPerEvent = 4;
// After a flushed close we half-close and wait this long for the peer's FIN,
// so unread request bytes do not turn our close into an RST that destroys the
// response still in flight to the client.
constexpr std::chrono::milliseconds kDelayedCloseTimeout{1000};
// Below this many queued bytes a write made during a read delivery waits for
// the end of the delivery; above it the connection flushes at once, so the
// watermarks keep seeing what is buffered.
constexpr size_t kBatchedWriteLimit = 64 * 1024;

void setTcpNoDelay(int fd, bool enable) {
  const int value = enable ? 1 : 0;
  if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, sizeof value);
}

}  // namespace

// The socket and buffers live here, shared with timers, posted callbacks and
// the write batch, so the Connection may be destroyed at any time: late
// callbacks find owner == nullptr and return.
//
// Reading follows the edge-triggered contract of event::FileEvent: an edge
// sets `readable`; a read shorter than asked (or EAGAIN) clears it, and the
// next edge sets it again. After EPOLLRDHUP a short read does not clear it,
// so the FIN behind the data is read too.
struct Connection::Impl {
  Impl(Connection* o, int f) : owner(o), fd(f) {}

  Connection* owner;
  int fd;
  event::FileEventPtr file_event;
  Buffer incoming;     // target of the next read
  Buffer read_buffer;  // what the ReadCallback sees
  Buffer writing;      // being sent; the rest waits for the socket to take more
  Buffer pending;      // written while `writing` is not fully sent
  bool started = false;           // server side: startReading() was called
  bool readable = false;          // an edge said there is something to read
  bool peer_fin = false;          // EPOLLRDHUP or an error: read until 0 / error
  bool write_in_flight = false;   // `writing` waits for the socket to be writable
  bool delivery_posted = false;
  bool read_posted = false;
  bool remote_eof = false;
  bool half_close_after_write = false;
  bool close_after_write = false;
  bool draining_for_close = false;
  bool eof_delivered = false;   // half-close: end_stream reached the callback
  bool write_shutdown = false;  // half-close: our FIN is sent
  bool flush_queued = false;    // in this thread's WriteBatch
  event::TimerPtr connect_timer;
  event::TimerPtr close_timer;

  static void onReady(const std::shared_ptr<Impl>& self, uint32_t ready);
  static void finishConnect(const std::shared_ptr<Impl>& self);
  static void read(const std::shared_ptr<Impl>& self);
  static void postRead(const std::shared_ptr<Impl>& self);
  // A failure found outside the loop, reported from it as kRemoteClose.
  static void postRemoteClose(const std::shared_ptr<Impl>& self);
  static void deliver(const std::shared_ptr<Impl>& self);
  static void flush(const std::shared_ptr<Impl>& self);
  // flush() now, or at the end of the current WriteBatch.
  static void requestFlush(const std::shared_ptr<Impl>& self);
  static void onFlushed(const std::shared_ptr<Impl>& self);
  Status watch();
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
  file_event.reset();
  if (fd >= 0) ::close(fd);
  fd = -1;
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

Status Connection::Impl::watch() {
  Impl* raw = this;
  auto event = owner->dispatcher_.createFileEvent(fd, [raw](uint32_t ready) {
    // The FileEvent dies with the Impl, and the Impl's owner outlives every
    // event delivered to it (the destructor drops the FileEvent first).
    if (raw->owner != nullptr) onReady(raw->owner->impl_, ready);
  });
  if (!event) return event.status();
  file_event = std::move(event).value();
  return Status::ok();
}

void Connection::Impl::onReady(const std::shared_ptr<Impl>& self, uint32_t ready) {
  Connection* c = self->owner;
  if (c == nullptr || c->state_ == ConnectionState::kClosed) return;
  if (ready & event::FileReady::kRead) self->readable = true;
  if (ready & event::FileReady::kClosed) self->peer_fin = true;
  if (c->state_ == ConnectionState::kConnecting) {
    if (ready & event::FileReady::kWrite) finishConnect(self);
    return;
  }
  if ((ready & event::FileReady::kWrite) && self->write_in_flight) {
    self->write_in_flight = false;
    flush(self);
    if (self->owner == nullptr || c->state_ == ConnectionState::kClosed) return;
  }
  if (self->readable) read(self);
}

void Connection::Impl::finishConnect(const std::shared_ptr<Impl>& self) {
  Connection* c = self->owner;
  if (c == nullptr || c->state_ != ConnectionState::kConnecting) return;
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(self->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  self->connect_timer.reset();
  if (err != 0) {
    c->close_reason_ = std::string("connect_failed: ") + std::strerror(err);
    self->closeSocket(ConnectionEvent::kRemoteClose, "");
    return;
  }
  setTcpNoDelay(self->fd, true);
  c->local_ = Address::localOf(self->fd);
  c->state_ = ConnectionState::kOpen;
  self->started = true;
  self->raise(ConnectionEvent::kConnected);
  if (self->owner == nullptr || c->state_ != ConnectionState::kOpen) return;
  Impl::flush(self);
  if (self->owner == nullptr || c->state_ != ConnectionState::kOpen) return;
  if (self->readable) Impl::read(self);
}

void Connection::Impl::postRead(const std::shared_ptr<Impl>& self) {
  if (self->read_posted) return;
  self->read_posted = true;
  self->owner->dispatcher_.post([self] {
    self->read_posted = false;
    if (self->owner != nullptr) read(self);
  });
}

void Connection::Impl::postRemoteClose(const std::shared_ptr<Impl>& self) {
  self->owner->dispatcher_.post([self] {
    if (self->owner) self->closeSocket(ConnectionEvent::kRemoteClose, "");
  });
}

void Connection::Impl::read(const std::shared_ptr<Impl>& self) {
  // A few reads per edge at most: a fast sender must not keep this loop
  // turn to itself. What is left is read from a posted continuation.
  for (int budget = kReadsPerEvent; budget > 0; --budget) {
    Connection* c = self->owner;
    if (c == nullptr || !self->started || !self->readable || self->remote_eof) return;
    if (c->state_ != ConnectionState::kOpen && !self->draining_for_close) return;
    if (c->read_disable_count_ > 0 && !self->draining_for_close) return;
    auto span = self->incoming.writableSpan(kReadSize);
    const ssize_t n = ::recv(self->fd, span.data(), span.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        self->readable = false;
        return;
      }
      const int err = errno;
      if (self->draining_for_close) {
        self->closeSocket(ConnectionEvent::kLocalClose, "");
      } else {
        self->closeSocket(ConnectionEvent::kRemoteClose, std::strerror(err));
      }
      return;
    }
    // Short read: the socket is drained until the next edge (unless a FIN
    // is known to be behind the data).
    if (n == 0 || (static_cast<size_t>(n) < span.size() && !self->peer_fin)) self->readable = false;
    if (self->draining_for_close) {
      // Discard until the peer's FIN (or the timer) ends the delayed close.
      self->incoming.clear();
      if (n == 0) {
        self->closeSocket(ConnectionEvent::kLocalClose, "");
        return;
      }
      continue;
    }
    if (n == 0) {
      self->remote_eof = true;
    } else {
      self->incoming.commit(static_cast<size_t>(n));
      c->bytes_read_ += static_cast<uint64_t>(n);
      if (self->read_buffer.empty()) {
        std::swap(self->read_buffer, self->incoming);
      } else {
        self->read_buffer.append(self->incoming.view());
        self->incoming.clear();
      }
    }
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
  }
  if (self->owner != nullptr && self->readable) postRead(self);
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
    // Data queued behind a blocked write still counts: without this check a
    // fast producer could grow `pending` without ever hearing the high watermark.
    self->updateWatermarks();
    return;
  }
  for (;;) {
    if (self->writing.empty()) std::swap(self->writing, self->pending);
    if (self->writing.empty()) break;
    const ssize_t n = ::send(self->fd, self->writing.data(), self->writing.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        self->closeSocket(ConnectionEvent::kRemoteClose, std::strerror(errno));
        return;
      }
    } else {
      c->bytes_written_ += static_cast<uint64_t>(n);
      self->writing.drain(static_cast<size_t>(n));
    }
    if (!self->writing.empty()) {
      // The socket is full: the next writable edge resumes (onReady).
      self->write_in_flight = true;
      self->updateWatermarks();
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
    ::shutdown(self->fd, SHUT_WR);
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
    if (self->readable) postRead(self);
  } else if (self->half_close_after_write) {
    self->half_close_after_write = false;
    ::shutdown(self->fd, SHUT_WR);
    self->write_shutdown = true;
    if (c->half_close_ && self->eof_delivered) (void)self->closeAfterRemoteEof();
  }
}

Connection::Connection(event::Dispatcher& dispatcher, int fd, bool client)
    : dispatcher_(dispatcher),
      impl_(std::make_shared<Impl>(this, fd)),
      id_(next_connection_id.fetch_add(1, std::memory_order_relaxed)) {
  if (client) state_ = ConnectionState::kConnecting;
}

std::unique_ptr<Connection> Connection::createClient(event::Dispatcher& dispatcher,
                                                     const Address& remote) {
  auto c = std::unique_ptr<Connection>(new Connection(dispatcher, -1, true));
  c->remote_ = remote;
  return c;
}

std::unique_ptr<Connection> Connection::createServer(event::Dispatcher& dispatcher, int fd,
                                                     const Address& remote) {
  auto c = std::unique_ptr<Connection>(new Connection(dispatcher, fd, false));
  c->remote_ = remote;
  setTcpNoDelay(fd, true);
  c->local_ = Address::localOf(fd);
  if (Status s = c->impl_->watch(); !s.isOk()) {
    // Reported once reading starts, like any other failure of the socket.
    c->close_reason_ = "cannot watch the socket: " + s.message();
  }
  return c;
}

Connection::~Connection() {
  if (impl_->flush_queued && state_ == ConnectionState::kOpen && !impl_->write_in_flight) {
    // Best effort, as the write itself was before it waited for its batch.
    if (impl_->writing.empty()) std::swap(impl_->writing, impl_->pending);
    (void)!::send(impl_->fd, impl_->writing.data(), impl_->writing.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  }
  impl_->owner = nullptr;
  impl_->connect_timer.reset();
  impl_->close_timer.reset();
  impl_->file_event.reset();
  if (impl_->fd >= 0) ::close(impl_->fd);
  impl_->fd = -1;
}

void Connection::connect(std::chrono::milliseconds timeout) {
  auto self = impl_;
  auto fail = [&](std::string why) {
    // Report asynchronously like every other connect outcome.
    close_reason_ = "connect_failed: " + why;
    Impl::postRemoteClose(self);
  };
  impl_->fd = ::socket(remote_.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (impl_->fd < 0) return fail(std::strerror(errno));
  if (Status s = impl_->watch(); !s.isOk()) return fail(s.message());
  impl_->connect_timer = dispatcher_.createTimer([self] {
    if (self->owner == nullptr || self->owner->state_ != ConnectionState::kConnecting) return;
    self->owner->close_reason_ = "connect_timeout";
    self->closeSocket(ConnectionEvent::kRemoteClose, "connect_timeout");
  });
  if (timeout.count() > 0) impl_->connect_timer->enable(timeout);
  int r;
  do {
    r = ::connect(impl_->fd, remote_.sockaddrData(), remote_.sockaddrSize());
  } while (r != 0 && errno == EINTR);
  if (r == 0) {
    // Connected at once (rare even on loopback): still reported from the loop.
    dispatcher_.post([self] {
      if (self->owner) Impl::finishConnect(self);
    });
    return;
  }
  if (errno != EINPROGRESS) return fail(std::strerror(errno));
  // The writable edge (or an error edge) finishes it: onReady.
}

void Connection::addConnectionCallbacks(ConnectionCallbacks& callbacks) {
  callbacks_.push_back(&callbacks);
}

void Connection::removeConnectionCallbacks(ConnectionCallbacks& callbacks) {
  callbacks_.erase(std::remove(callbacks_.begin(), callbacks_.end(), &callbacks), callbacks_.end());
}

void Connection::startReading() {
  if (impl_->started || state_ != ConnectionState::kOpen) return;
  impl_->started = true;
  if (!impl_->file_event) {
    // createServer could not watch the socket.
    Impl::postRemoteClose(impl_);
    return;
  }
  // Bytes that arrived before now raised an edge that read() ignored; read
  // them from the loop, never from inside the caller.
  if (impl_->readable) Impl::postRead(impl_);
}

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
  if (impl_->readable) Impl::postRead(impl_);
}

void Connection::setBufferLimits(uint32_t high_watermark) { high_watermark_ = high_watermark; }

uint64_t Connection::writeBufferLength() const { return impl_->bufferedWrite(); }

void Connection::setHeldWriteBytes(uint64_t bytes) {
  if (impl_->held_write == bytes) return;
  impl_->held_write = bytes;
  if (state_ != ConnectionState::kClosed) impl_->updateWatermarks();
}

void Connection::setNoDelay(bool enable) { setTcpNoDelay(impl_->fd, enable); }

}  // namespace weir::net

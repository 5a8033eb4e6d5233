#include "net/listener.h"

#include <cerrno>
#include <cstring>

#include <sys/socket.h>
#include <unistd.h>

#include "base/logging.h"

namespace weir::net {

namespace {
constexpr int kAcceptsPerTurn = 64;
// accept() failing for lack of descriptors or memory: the queued connection
// raises no new edge, so try again after a pause instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetry{100};
}  // namespace

Listener::Listener(event::Dispatcher& dispatcher, AcceptCallback on_accept)
    : dispatcher_(dispatcher), on_accept_(std::move(on_accept)), alive_(std::make_shared<bool>(true)) {}

Result<std::unique_ptr<Listener>> Listener::create(event::Dispatcher& dispatcher,
                                                   const Address& address, Options options,
                                                   AcceptCallback on_accept) {
  auto fail = [&](std::string_view why) {
    return ioError("cannot listen on " + address.asString() + ": " + std::string(why));
  };
  auto listener = std::unique_ptr<Listener>(new Listener(dispatcher, std::move(on_accept)));
  const int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(std::strerror(errno));
  listener->fd_ = fd;  // closed by ~Listener from here on
  const int one = 1;
  const bool bound = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
                     (!options.reuse_port || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) == 0) &&
                     ::bind(fd, address.sockaddrData(), address.sockaddrSize()) == 0 &&
                     ::listen(fd, options.backlog) == 0;
  if (!bound) return fail(std::strerror(errno));
  listener->local_ = Address::localOf(fd);
  Listener* raw = listener.get();
  auto event = dispatcher.createFileEvent(fd, [raw](uint32_t ready) {
    if (ready & event::FileReady::kRead) {
      raw->readable_ = true;
      raw->acceptReady();
    }
  });
  if (!event) return fail(event.status().message());
  listener->event_ = std::move(event).value();
  return listener;
}

Listener::~Listener() { close(); }

void Listener::acceptReady() {
  std::weak_ptr<bool> alive = alive_;
  for (int budget = kAcceptsPerTurn; budget > 0; --budget) {
    if (fd_ < 0 || !enabled_ || !readable_) return;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        readable_ = false;
        return;
      }
      WEIR_WARN("accept on {} failed: {}", local_.asString(), std::strerror(errno));
      if (!retry_timer_) {
        retry_timer_ = dispatcher_.createTimer([this] { acceptReady(); });
      }
      retry_timer_->enable(kAcceptRetry);
      return;
    }
    on_accept_(Connection::createServer(dispatcher_, fd,
                                        Address::fromSockaddr(reinterpret_cast<sockaddr*>(&peer), len)));
    if (alive.expired()) return;
  }
  postAccept();
}

void Listener::postAccept() {
  if (accept_posted_) return;
  accept_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  dispatcher_.post([this, alive] {
    if (alive.expired()) return;
    accept_posted_ = false;
    acceptReady();
  });
}

void Listener::close() {
  if (fd_ < 0) return;
  alive_ = std::make_shared<bool>(true);  // orphan posted continuations
  accept_posted_ = false;
  retry_timer_.reset();
  event_.reset();
  ::close(fd_);
  fd_ = -1;
}

void Listener::disable() { enabled_ = false; }

void Listener::enable() {
  enabled_ = true;
  // Connections queued while disabled raised their edge already.
  if (readable_) postAccept();
}

}  // namespace weir::net

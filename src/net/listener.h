// A TCP listener on one worker. Each worker binds its own socket to the same
// address with SO_REUSEPORT, so the kernel spreads accepted connections across
// workers and an accepted connection never changes thread.
#pragma once

#include <functional>
#include <memory>

#include "base/status.h"
#include "event/dispatcher.h"
#include "net/address.h"
#include "net/connection.h"

namespace weir::net {

class Listener {
 public:
  // Called on the listener's dispatcher with every accepted connection.
  using AcceptCallback = std::function<void(ConnectionPtr)>;

  struct Options {
    bool reuse_port = true;
    int backlog = 1024;
  };

  // Binds and listens (port 0 picks a free port: see localAddress()).
  static Result<std::unique_ptr<Listener>> create(event::Dispatcher& dispatcher,
                                                  const Address& address, Options options,
                                                  AcceptCallback on_accept);
  ~Listener();

  const Address& localAddress() const { return local_; }
  // Stops accepting (pending accepts are cancelled, the socket is closed so
  // the kernel sends new connections to the remaining SO_REUSEPORT sockets).
  void close();
  // Temporarily stops and resumes accepting (socket stays bound).
  void disable();
  void enable();

 private:
  Listener(event::Dispatcher& dispatcher, AcceptCallback on_accept);
  // Accepts what is queued (edge-triggered: until EAGAIN, a bounded number
  // per turn; the rest from a posted continuation).
  void acceptReady();
  void postAccept();

  event::Dispatcher& dispatcher_;
  AcceptCallback on_accept_;
  int fd_ = -1;
  event::FileEventPtr event_;
  event::TimerPtr retry_timer_;  // after EMFILE and friends
  std::shared_ptr<bool> alive_;
  Address local_;
  bool readable_ = false;
  bool accept_posted_ = false;
  bool enabled_ = true;
};

}  // namespace weir::net

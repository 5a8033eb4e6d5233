#include "net/listener.h"

#include <asio/socket_base.hpp>

#include "base/logging.h"

namespace weir::net {

namespace {
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
}

Listener::Listener(event::Dispatcher& dispatcher, AcceptCallback on_accept)
    : dispatcher_(dispatcher), on_accept_(std::move(on_accept)), alive_(std::make_shared<bool>(true)) {}

Result<std::unique_ptr<Listener>> Listener::create(event::Dispatcher& dispatcher,
                                                   const Address& address, Options options,
                                                   AcceptCallback on_accept) {
  auto listener = std::unique_ptr<Listener>(new Listener(dispatcher, std::move(on_accept)));
  auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(dispatcher.ioContext());
  asio::error_code ec;
  const auto& ep = address.endpoint();
  acceptor->open(ep.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && options.reuse_port) acceptor->set_option(ReusePort(true), ec);
  if (!ec) acceptor->bind(ep, ec);
  if (!ec) acceptor->listen(options.backlog, ec);
  if (!ec) acceptor->non_blocking(true, ec);
  if (ec) return ioError("cannot listen on " + address.asString() + ": " + ec.message());
  listener->local_ = Address(acceptor->local_endpoint(ec));
  listener->acceptor_ = std::move(acceptor);
  listener->doAccept();
  return listener;
}

Listener::~Listener() { close(); }

void Listener::doAccept() {
  if (!acceptor_ || accepting_ || !enabled_) return;
  accepting_ = true;
  std::weak_ptr<bool> alive = alive_;
  acceptor_->async_accept(dispatcher_.ioContext(), [this, alive](const asio::error_code& ec,
                                                                  asio::ip::tcp::socket socket) {
    if (alive.expired()) return;
    accepting_ = false;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // EMFILE and friends: log, keep accepting on the next loop turn.
      WEIR_WARN("accept on {} failed: {}", local_.asString(), ec.message());
      dispatcher_.post([this, alive] {
        if (!alive.expired()) doAccept();
      });
      return;
    }
    on_accept_(Connection::createServer(dispatcher_, std::move(socket)));
    if (alive.expired()) return;
    doAccept();
  });
}

void Listener::close() {
  if (!acceptor_) return;
  alive_ = std::make_shared<bool>(true);  // orphan pending handlers
  asio::error_code ignored;
  acceptor_->close(ignored);
  acceptor_.reset();
  accepting_ = false;
}

void Listener::disable() {
  enabled_ = false;
  if (acceptor_ && accepting_) {
    alive_ = std::make_shared<bool>(true);
    asio::error_code ignored;
    acceptor_->cancel(ignored);
    accepting_ = false;
  }
}

void Listener::enable() {
  enabled_ = true;
  doAccept();
}

}  // namespace weir::net

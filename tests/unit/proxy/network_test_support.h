// For the network filter unit tests (proxy/, filters/, proxywasm/): real
// loopback sockets on one test Dispatcher. A TestNetworkListener wraps every
// accepted connection in a NetworkFilterManager running the given chain; a
// TestClient is a plain client connection recording what it receives; an
// EchoServer plays an upstream. Dispatcher::run() cannot be restarted after
// exit(), so runUntil() turns the loop by hand until an outcome is known.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "base/buffer.h"
#include "event/dispatcher.h"
#include "net/address.h"
#include "net/connection.h"
#include "net/listener.h"
#include "proxy/network_filter_manager.h"

namespace weir::proxy::testing {

// True once `done()` holds; false after `limit` (the caller asserts).
inline bool runUntil(event::Dispatcher& dispatcher, const std::function<bool()>& done,
                     std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    dispatcher.runOnce(std::chrono::milliseconds(20));
    dispatcher.updateApproximateTime();
  }
  return done();
}

inline net::Address loopback(uint16_t port = 0) { return net::Address::fromIpPort("127.0.0.1", port).value(); }

// A client connection on the test dispatcher.
class TestClient : public net::ReadCallback, public net::ConnectionCallbacks {
 public:
  TestClient(event::Dispatcher& dispatcher, const net::Address& server)
      : connection_(net::Connection::createClient(dispatcher, server)) {
    connection_->enableHalfClose(true);
    connection_->setReadCallback(this);
    connection_->addConnectionCallbacks(*this);
    connection_->connect(std::chrono::seconds(5));
  }
  ~TestClient() override {
    connection_->removeConnectionCallbacks(*this);
    connection_->setReadCallback(nullptr);
    if (connection_->state() != net::ConnectionState::kClosed) connection_->close(net::ConnectionCloseType::kNoFlush);
  }
  void write(std::string_view bytes, bool end_stream = false) {
    Buffer b(bytes);
    connection_->write(b, end_stream);
  }
  void onData(Buffer& data, bool end_stream) override {
    received += data.toString();
    data.drain(data.size());
    if (end_stream) eof = true;
  }
  void onEvent(net::ConnectionEvent event) override {
    if (event == net::ConnectionEvent::kConnected) connected = true;
    else closed = true;
  }
  net::Connection& connection() { return *connection_; }

  std::string received;
  bool connected = false;
  bool eof = false;
  bool closed = false;

 private:
  net::ConnectionPtr connection_;
};

// Accepts on 127.0.0.1:0 and runs `chain` on every connection.
class TestNetworkListener {
 public:
  TestNetworkListener(event::Dispatcher& dispatcher, std::shared_ptr<const NetworkChainConfig> chain,
                      upstream::ThreadLocalClusterManager* clusters = nullptr)
      : dispatcher_(dispatcher), chain_(std::move(chain)), clusters_(clusters) {
    auto listener = net::Listener::create(dispatcher, loopback(), {}, [this](net::ConnectionPtr c) { accept(std::move(c)); });
    EXPECT_TRUE(listener.isOk()) << listener.status().toString();
    if (listener.isOk()) listener_ = std::move(listener.value());
  }
  ~TestNetworkListener() {
    if (listener_) listener_->close();
    // Managers still open at the end of a test go with the listener.
    managers_.clear();
    dispatcher_.clearDeferredDeleteList();
  }
  const net::Address& address() const { return listener_->localAddress(); }
  // The manager of the n-th accepted connection while it is open, else null.
  NetworkFilterManager* manager(size_t n = 0) { return n < managers_.size() ? managers_[n].get() : nullptr; }
  size_t accepted = 0;
  size_t closed = 0;

 private:
  void accept(net::ConnectionPtr connection) {
    ++accepted;
    auto manager = std::make_unique<NetworkFilterManager>(std::move(connection), chain_, clusters_, nullptr,
                                                          [this](NetworkFilterManager& m) { onClosed(m); });
    NetworkFilterManager* raw = manager.get();
    managers_.push_back(std::move(manager));
    raw->start();
  }
  void onClosed(NetworkFilterManager& m) {
    ++closed;
    for (auto& owned : managers_) {
      if (owned.get() == &m) dispatcher_.deferredDelete(std::move(owned));
    }
  }

  event::Dispatcher& dispatcher_;
  std::shared_ptr<const NetworkChainConfig> chain_;
  upstream::ThreadLocalClusterManager* clusters_;
  std::unique_ptr<net::Listener> listener_;
  std::vector<std::unique_ptr<NetworkFilterManager>> managers_;  // null once closed
};

// Echoes every byte and the FIN back (half-close), on the test dispatcher;
// stops reading while its own write buffer is above 64 KB.
class EchoServer {
 public:
  explicit EchoServer(event::Dispatcher& dispatcher) : dispatcher_(dispatcher) {
    auto listener = net::Listener::create(dispatcher, loopback(), {}, [this](net::ConnectionPtr c) { accept(std::move(c)); });
    EXPECT_TRUE(listener.isOk()) << listener.status().toString();
    if (listener.isOk()) listener_ = std::move(listener.value());
  }
  ~EchoServer() {
    if (listener_) listener_->close();
    for (auto& s : sessions_) {
      s->connection->removeConnectionCallbacks(*s);
      s->connection->setReadCallback(nullptr);
    }
    sessions_.clear();
    dispatcher_.clearDeferredDeleteList();
  }
  const net::Address& address() const { return listener_->localAddress(); }
  uint16_t port() const { return listener_->localAddress().port(); }
  size_t accepted() const { return sessions_.size(); }
  uint64_t bytesEchoed() const {
    uint64_t n = 0;
    for (const auto& s : sessions_) n += s->echoed;
    return n;
  }
  bool sawEof() const {
    for (const auto& s : sessions_) {
      if (s->eof) return true;
    }
    return false;
  }

 private:
  struct Session : public net::ReadCallback, public net::ConnectionCallbacks {
    void onData(Buffer& data, bool end_stream) override {
      echoed += data.size();
      eof = eof || end_stream;
      connection->write(data, end_stream);
    }
    void onEvent(net::ConnectionEvent) override {}
    // Backpressure like a real server: stop reading while the peer does not.
    void onAboveWriteBufferHighWatermark() override { connection->readDisable(true); }
    void onBelowWriteBufferLowWatermark() override { connection->readDisable(false); }
    net::ConnectionPtr connection;
    uint64_t echoed = 0;
    bool eof = false;
  };
  void accept(net::ConnectionPtr connection) {
    auto s = std::make_unique<Session>();
    s->connection = std::move(connection);
    s->connection->enableHalfClose(true);
    s->connection->setBufferLimits(64 * 1024);
    s->connection->setReadCallback(s.get());
    s->connection->addConnectionCallbacks(*s);
    s->connection->startReading();
    sessions_.push_back(std::move(s));
  }

  event::Dispatcher& dispatcher_;
  std::unique_ptr<net::Listener> listener_;
  std::vector<std::unique_ptr<Session>> sessions_;
};

}  // namespace weir::proxy::testing

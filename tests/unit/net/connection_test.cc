// net::Connection over real loopback sockets: writes made while a read is
// delivered are held until the delivery returns and then leave together.
#include "net/connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/buffer.h"
#include "event/dispatcher.h"
#include "net/address.h"
#include "net/listener.h"

namespace weir::net {
namespace {

bool runUntil(event::Dispatcher& dispatcher, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    dispatcher.runOnce(std::chrono::milliseconds(20));
  }
  return done();
}

// Records what arrives; runs `on_data` (if set) inside the delivery.
class Recorder : public ReadCallback, public ConnectionCallbacks {
 public:
  void onData(Buffer& data, bool end_stream) override {
    received += data.toString();
    data.drain(data.size());
    if (end_stream) eof = true;
    if (on_data) on_data();
  }
  void onEvent(ConnectionEvent event) override {
    if (event == ConnectionEvent::kConnected) connected = true;
    if (event == ConnectionEvent::kRemoteClose || event == ConnectionEvent::kLocalClose) closed = true;
  }
  std::string received;
  bool eof = false;
  bool connected = false;
  bool closed = false;
  std::function<void()> on_data;
};

class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto listener = Listener::create(dispatcher_, Address::fromIpPort("127.0.0.1", 0).value(), {},
                                     [this](ConnectionPtr c) {
                                       server_ = std::move(c);
                                       server_->setReadCallback(&server_side_);
                                       server_->addConnectionCallbacks(server_side_);
                                       server_->startReading();
                                     });
    ASSERT_TRUE(listener.isOk()) << listener.status().message();
    listener_ = std::move(listener.value());
    client_ = Connection::createClient(dispatcher_, listener_->localAddress());
    client_->enableHalfClose(true);
    client_->setReadCallback(&client_side_);
    client_->addConnectionCallbacks(client_side_);
    client_->connect(std::chrono::seconds(5));
    ASSERT_TRUE(runUntil(dispatcher_, [&] { return client_side_.connected && server_ != nullptr; }));
  }

  event::Dispatcher dispatcher_{"connection-test"};
  std::unique_ptr<Listener> listener_;
  ConnectionPtr server_;
  ConnectionPtr client_;
  Recorder server_side_;
  Recorder client_side_;
};

TEST_F(ConnectionTest, WritesDuringADeliveryLeaveTogetherWhenItReturns) {
  std::vector<uint64_t> written_inside;
  server_side_.on_data = [&] {
    server_->write(std::string_view("head|"), false);
    written_inside.push_back(server_->bytesWritten());
    server_->write(std::string_view("body"), false);
    written_inside.push_back(server_->bytesWritten());
  };
  client_->write(std::string_view("ping"), false);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client_side_.received == "head|body"; }))
      << client_side_.received;
  // Nothing was sent from inside the callback; both writes went out after it.
  EXPECT_EQ(written_inside, (std::vector<uint64_t>{0, 0}));
  EXPECT_EQ(server_->bytesWritten(), 9u);
}

TEST_F(ConnectionTest, WritesOutsideADeliveryAreSentAtOnce) {
  server_->write(std::string_view("now"), false);
  EXPECT_EQ(server_->bytesWritten(), 3u);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client_side_.received == "now"; }));
}

TEST_F(ConnectionTest, ANoFlushCloseInTheSameDeliveryStillSendsEarlierWrites) {
  server_side_.on_data = [&] {
    server_->write(std::string_view("bye"), false);
    server_->close(ConnectionCloseType::kNoFlush, "test");
  };
  client_->write(std::string_view("ping"), false);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client_side_.received == "bye" && (client_side_.eof || client_side_.closed); }))
      << client_side_.received;
}

TEST_F(ConnectionTest, AWriteToAnotherConnectionDuringADeliveryIsBatchedToo) {
  // The proxy's case: the upstream side's read delivers, the downstream side writes.
  bool once = false;
  server_side_.on_data = [&] {
    if (once) return;
    once = true;
    client_->write(std::string_view("a"), false);
    client_->write(std::string_view("b"), false);
    EXPECT_EQ(client_->bytesWritten(), 4u);  // only "ping" so far
  };
  client_->write(std::string_view("ping"), false);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return server_side_.received == "pingab"; })) << server_side_.received;
  EXPECT_EQ(client_->bytesWritten(), 6u);
}

TEST_F(ConnectionTest, ALargeWriteDuringADeliveryIsNotHeld) {
  const std::string big(128 * 1024, 'x');
  uint64_t inside = 0;
  server_side_.on_data = [&] {
    server_->write(std::string_view(big), false);
    inside = server_->bytesWritten();
  };
  client_->write(std::string_view("ping"), false);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client_side_.received.size() == big.size(); }));
  EXPECT_GT(inside, 0u);
}

}  // namespace
}  // namespace weir::net

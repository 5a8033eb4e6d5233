// NetworkFilterManager on real loopback connections with recording filters:
// read path in config order, write path in reverse, StopIteration and
// continueReading/continueWriting, bytes held by a paused filter shown again,
// and the buffer limits on both paths.
#include "proxy/network_filter_manager.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/proxy/network_test_support.h"

namespace weir::proxy {
namespace {

using testing::runUntil;
using testing::TestClient;
using testing::TestNetworkListener;

// Both paths; records every call in a shared trace. Behaviour set per test.
class Recorder : public NetworkFilter {
 public:
  Recorder(std::string name, std::vector<std::string>& trace) : name_(std::move(name)), trace_(trace) {}
  void initializeReadFilterCallbacks(ReadFilterCallbacks& callbacks) override { read = &callbacks; }
  void initializeWriteFilterCallbacks(WriteFilterCallbacks& callbacks) override { write = &callbacks; }
  NetworkFilterStatus onNewConnection() override {
    trace_.push_back(name_ + ".onNewConnection");
    return NetworkFilterStatus::kContinue;
  }
  NetworkFilterStatus onData(Buffer& data, bool end_stream) override {
    trace_.push_back(name_ + ".onData(" + data.toString() + (end_stream ? ",end)" : ")"));
    last_read_size = data.size();
    return stop_reading ? NetworkFilterStatus::kStopIteration : NetworkFilterStatus::kContinue;
  }
  NetworkFilterStatus onWrite(Buffer& data, bool end_stream) override {
    trace_.push_back(name_ + ".onWrite(" + data.toString() + (end_stream ? ",end)" : ")"));
    return stop_writing ? NetworkFilterStatus::kStopIteration : NetworkFilterStatus::kContinue;
  }

  ReadFilterCallbacks* read = nullptr;
  WriteFilterCallbacks* write = nullptr;
  bool stop_reading = false;
  bool stop_writing = false;
  size_t last_read_size = 0;

 private:
  std::string name_;
  std::vector<std::string>& trace_;
};

// Terminal: takes every byte and answers "<n>:" + the bytes through the
// write path; a FIN is answered with a FIN.
class Terminal : public ReadFilter, public net::ConnectionCallbacks {
 public:
  explicit Terminal(std::vector<std::string>& trace) : trace_(trace) {}
  ~Terminal() override {
    if (connection_) connection_->removeConnectionCallbacks(*this);
  }
  void initializeReadFilterCallbacks(ReadFilterCallbacks& callbacks) override {
    read = &callbacks;
    connection_ = &callbacks.connection();
    connection_->enableHalfClose(true);
    connection_->addConnectionCallbacks(*this);
  }
  NetworkFilterStatus onData(Buffer& data, bool end_stream) override {
    trace_.push_back("T.onData(" + (quiet ? std::to_string(data.size()) : data.toString()) + (end_stream ? ",end)" : ")"));
    received += data.size();
    if (answer && !data.empty()) {
      Buffer reply(std::to_string(++replies) + ":" + data.toString());
      read->write(reply, false);
    }
    data.drain(data.size());
    if (end_stream) {
      Buffer none;
      read->write(none, true);
    }
    return NetworkFilterStatus::kStopIteration;
  }
  void onEvent(net::ConnectionEvent) override {}
  void onAboveWriteBufferHighWatermark() override { ++above_high; }
  void onBelowWriteBufferLowWatermark() override { ++below_low; }

  ReadFilterCallbacks* read = nullptr;
  bool answer = true;
  bool quiet = false;  // trace sizes, not bytes
  uint64_t received = 0;
  int replies = 0;
  int above_high = 0;
  int below_low = 0;

 private:
  std::vector<std::string>& trace_;
  net::Connection* connection_ = nullptr;
};

class NetworkFilterManagerTest : public ::testing::Test {
 protected:
  // Chain: a, b (both paths), terminal. Write path: b then a.
  std::shared_ptr<const NetworkChainConfig> chain(uint32_t buffer_limit = 1024 * 1024) {
    auto config = std::make_shared<NetworkChainConfig>();
    config->listener_name = "test";
    config->buffer_limit = buffer_limit;
    config->factories.push_back([this](NetworkFilterChainCallbacks& cb) {
      auto filter = std::make_shared<Recorder>("a", trace);
      a = filter.get();
      cb.addFilter(std::move(filter));
    });
    config->factories.push_back([this](NetworkFilterChainCallbacks& cb) {
      auto filter = std::make_shared<Recorder>("b", trace);
      b = filter.get();
      cb.addFilter(std::move(filter));
    });
    config->factories.push_back([this](NetworkFilterChainCallbacks& cb) {
      auto filter = std::make_shared<Terminal>(trace);
      terminal = filter.get();
      if (tweak_terminal) tweak_terminal(*terminal);
      cb.addReadFilter(std::move(filter));
    });
    return config;
  }
  bool traced(const std::string& entry) const {
    return std::find(trace.begin(), trace.end(), entry) != trace.end();
  }

  event::Dispatcher dispatcher_{"network-test"};
  std::vector<std::string> trace;
  // Owned by the connection's manager (filters die with it, as in weir):
  // valid while the connection is open.
  Recorder* a = nullptr;
  Recorder* b = nullptr;
  Terminal* terminal = nullptr;
  std::function<void(Terminal&)> tweak_terminal;
};

TEST_F(NetworkFilterManagerTest, ReadPathRunsInConfigOrderAndWritePathInReverse) {
  TestNetworkListener listener(dispatcher_, chain());
  TestClient client(dispatcher_, listener.address());
  client.write("ping");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "1:ping"; })) << client.received;
  EXPECT_EQ(trace, (std::vector<std::string>{"a.onNewConnection", "b.onNewConnection", "a.onData(ping)",
                                             "b.onData(ping)", "T.onData(ping)", "b.onWrite(1:ping)",
                                             "a.onWrite(1:ping)"}));
  trace.clear();
  client.write("", true);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.eof && listener.closed == 1; }));
  EXPECT_EQ(trace, (std::vector<std::string>{"a.onData(,end)", "b.onData(,end)", "T.onData(,end)", "b.onWrite(,end)",
                                             "a.onWrite(,end)"}));
}

TEST_F(NetworkFilterManagerTest, StoppedFilterSeesHeldBytesAgainAndContinueReadingResumesAtTheNextFilter) {
  TestNetworkListener listener(dispatcher_, chain());
  TestClient client(dispatcher_, listener.address());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return a != nullptr; }));
  a->stop_reading = true;
  client.write("ab");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return traced("a.onData(ab)"); }));
  client.write("cd");
  // The second read is appended to what `a` left: it sees everything again.
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return traced("a.onData(abcd)"); }));
  EXPECT_FALSE(traced("b.onData(ab)"));
  EXPECT_EQ(terminal->received, 0u);

  trace.clear();
  a->stop_reading = false;
  a->read->continueReading();
  // Resumes at `b`, not at `a`, with every held byte.
  EXPECT_EQ(trace, (std::vector<std::string>{"b.onData(abcd)", "T.onData(abcd)", "b.onWrite(1:abcd)",
                                             "a.onWrite(1:abcd)"}));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "1:abcd"; })) << client.received;
}

TEST_F(NetworkFilterManagerTest, StopIterationOnTheWritePathHoldsBytesUntilContinueWriting) {
  TestNetworkListener listener(dispatcher_, chain());
  TestClient client(dispatcher_, listener.address());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return b != nullptr; }));
  b->stop_writing = true;
  client.write("x");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return traced("b.onWrite(1:x)"); }));
  EXPECT_FALSE(traced("a.onWrite(1:x)"));
  client.write("y");
  // Held bytes are shown again, in front of the new ones.
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return traced("b.onWrite(1:x2:y)"); }));
  EXPECT_TRUE(client.received.empty());

  trace.clear();
  b->stop_writing = false;
  b->write->continueWriting();
  EXPECT_EQ(trace, (std::vector<std::string>{"a.onWrite(1:x2:y)"}));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "1:x2:y"; })) << client.received;
}

TEST_F(NetworkFilterManagerTest, StopFromOnNewConnectionHoldsTheFollowingFiltersUntilContinueReading) {
  auto config = std::make_shared<NetworkChainConfig>();
  class StopAtStart : public Recorder {
   public:
    using Recorder::Recorder;
    NetworkFilterStatus onNewConnection() override {
      Recorder::onNewConnection();
      return NetworkFilterStatus::kStopIteration;
    }
  };
  StopAtStart* first = nullptr;
  config->factories.push_back([&](NetworkFilterChainCallbacks& cb) {
    auto filter = std::make_shared<StopAtStart>("a", trace);
    first = filter.get();
    first->stop_reading = true;
    cb.addFilter(std::move(filter));
  });
  config->factories.push_back([&](NetworkFilterChainCallbacks& cb) {
    auto filter = std::make_shared<Terminal>(trace);
    terminal = filter.get();
    cb.addReadFilter(std::move(filter));
  });
  TestNetworkListener listener(dispatcher_, config);
  TestClient client(dispatcher_, listener.address());
  client.write("hello");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return traced("a.onData(hello)"); }));
  EXPECT_EQ(trace, (std::vector<std::string>{"a.onNewConnection", "a.onData(hello)"}));
  first->read->continueReading();
  // The terminal gets its onNewConnection only now, then the held bytes.
  EXPECT_EQ(trace.back(), "a.onWrite(1:hello)");
  EXPECT_TRUE(traced("T.onData(hello)"));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received == "1:hello"; }));
}

TEST_F(NetworkFilterManagerTest, BytesHeldOnTheReadPathAboveTheLimitStopReadingTheClient) {
  constexpr uint32_t kLimit = 4096;
  tweak_terminal = [](Terminal& t) {
    t.answer = false;
    t.quiet = true;
  };
  TestNetworkListener listener(dispatcher_, chain(kLimit));
  TestClient client(dispatcher_, listener.address());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return a != nullptr; }));
  a->stop_reading = true;
  const std::string big(256 * 1024, 'z');
  client.write(big);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return a->last_read_size > kLimit; }));
  NetworkFilterManager* manager = listener.manager();
  ASSERT_NE(manager, nullptr);
  EXPECT_FALSE(manager->connection().readEnabled()) << "held bytes above the limit must stop reading";
  // Nothing more is read while the filter holds them: the loop has all the
  // time it needs to deliver more, and does not.
  const size_t held = a->last_read_size;
  bool more = runUntil(dispatcher_, [&] { return a->last_read_size > held; }, std::chrono::milliseconds(200));
  EXPECT_FALSE(more) << "read " << a->last_read_size << " bytes past the limit";

  // Once the terminal takes them, reading resumes and everything arrives.
  a->stop_reading = false;
  a->read->continueReading();
  EXPECT_TRUE(manager->connection().readEnabled());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return terminal->received == big.size(); })) << terminal->received;
}

TEST_F(NetworkFilterManagerTest, BytesHeldOnTheWritePathCountTowardTheClientsHighWatermark) {
  constexpr uint32_t kLimit = 4096;
  TestNetworkListener listener(dispatcher_, chain(kLimit));
  TestClient client(dispatcher_, listener.address());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return b != nullptr; }));
  b->stop_writing = true;
  // Each client byte is answered through the paused write path.
  client.write(std::string(3000, 'a'));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return terminal->received == 3000; }));
  EXPECT_EQ(terminal->above_high, 0) << "3 KB held is below the 4 KB limit";
  client.write(std::string(3000, 'b'));
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return terminal->received == 6000; }));
  // The terminal hears the watermark as if the bytes were in the socket's
  // write buffer, and stops producing (tcp_proxy stops reading its upstream).
  EXPECT_EQ(terminal->above_high, 1);
  EXPECT_TRUE(listener.manager()->connection().aboveHighWatermark());

  b->stop_writing = false;
  b->write->continueWriting();
  // Each reply is "<n>:" + the bytes of one read.
  size_t expected = 6000;
  for (int i = 1; i <= terminal->replies; ++i) expected += std::to_string(i).size() + 1;
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.received.size() == expected; })) << client.received.size();
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return terminal->below_low == 1; }));
  EXPECT_FALSE(listener.manager()->connection().aboveHighWatermark());
}

TEST_F(NetworkFilterManagerTest, FilterClosingTheConnectionStopsIterationAndTellsTheOwner) {
  TestNetworkListener listener(dispatcher_, chain());
  TestClient client(dispatcher_, listener.address());
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return a != nullptr; }));
  a->stop_reading = true;
  client.write("bye");
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return traced("a.onData(bye)"); }));
  a->read->connection().close(net::ConnectionCloseType::kNoFlush, "test");
  EXPECT_EQ(listener.closed, 1u);
  ASSERT_TRUE(runUntil(dispatcher_, [&] { return client.closed || client.eof; }));
  EXPECT_FALSE(traced("b.onData(bye)"));
}

}  // namespace
}  // namespace weir::proxy

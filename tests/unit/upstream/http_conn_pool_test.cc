// The HTTP/1.1 pool against a real upstream: a tiny blocking HTTP server on a
// loopback port chosen by the kernel, driven from a thread of its own, while
// the pool runs on a real Dispatcher on the test thread.
#include "upstream/http_conn_pool.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/buffer.h"
#include "base/stats.h"
#include "config/bootstrap.h"
#include "http/header_map.h"
#include "upstream/cluster_manager.h"

namespace weir::upstream {
namespace {

// Serves each request with `respond(request_head)`; what it returns is written
// back verbatim. An empty reply closes the connection without answering.
class TinyServer {
 public:
  using Responder = std::function<std::string(const std::string& head)>;
  explicit TinyServer(Responder respond) : respond_(std::move(respond)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_, 64), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { acceptLoop(); });
  }
  ~TinyServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (int c : conns_) ::shutdown(c, SHUT_RDWR);
    for (auto& t : workers_) t.join();
    for (int c : conns_) ::close(c);
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void acceptLoop() {
    while (!stopping_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      ++accepted_;
      std::lock_guard<std::mutex> lock(mu_);
      conns_.push_back(c);
      workers_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    std::string buf;
    char tmp[4096];
    while (true) {
      size_t end;
      while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
        ssize_t n = ::recv(c, tmp, sizeof(tmp), 0);
        if (n <= 0) return;
        buf.append(tmp, n);
      }
      std::string head = buf.substr(0, end + 4);
      buf.erase(0, end + 4);
      // Requests in these tests carry at most a content-length body.
      size_t cl = 0;
      if (auto p = head.find("content-length: "); p != std::string::npos) {
        cl = std::stoul(head.substr(p + 16));
      }
      while (buf.size() < cl) {
        ssize_t n = ::recv(c, tmp, sizeof(tmp), 0);
        if (n <= 0) return;
        buf.append(tmp, n);
      }
      buf.erase(0, cl);
      std::string reply = respond_(head);
      if (reply.empty()) {
        ::shutdown(c, SHUT_RDWR);
        return;
      }
      if (::send(c, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) return;
      if (reply.find("connection: close") != std::string::npos ||
          head.find(" /close-silently ") != std::string::npos) {
        ::shutdown(c, SHUT_RDWR);
        return;
      }
    }
  }

  Responder respond_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<int> conns_;
  std::vector<std::thread> workers_;
};

const std::string kOk = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";

// Records one request's outcome and stops the loop when it is known.
struct Recorder : public UpstreamResponseCallbacks, public PoolCallbacks {
  explicit Recorder(event::Dispatcher& d) : dispatcher(d) {}
  void onPoolReady(UpstreamStream& s, const HostConstSharedPtr&) override {
    stream = &s;
    if (send_on_ready) {
      http::HeaderMap h{{":method", "GET"}, {":path", path}, {":authority", "test"}};
      s.encodeHeaders(h, true);
    }
  }
  void onPoolFailure(PoolFailureReason r, std::string_view, const HostConstSharedPtr&) override {
    failure = r;
    finished = true;
  }
  void onUpstreamHeaders(std::unique_ptr<http::HeaderMap> h, bool end_stream) override {
    status = h->status();
    if (end_stream) done();
  }
  void onUpstreamData(Buffer& data, bool end_stream) override {
    body += data.toString();
    data.drain(data.size());
    if (end_stream) done();
  }
  void onUpstreamTrailers(std::unique_ptr<http::HeaderMap>) override { done(); }
  void onUpstreamReset(StreamResetReason r, std::string_view) override {
    reset = r;
    done();
  }
  void done() {
    finished = true;
    stream = nullptr;
  }

  event::Dispatcher& dispatcher;
  std::string path = "/";
  bool send_on_ready = true;
  UpstreamStream* stream = nullptr;
  std::optional<PoolFailureReason> failure;
  std::optional<StreamResetReason> reset;
  int status = 0;
  std::string body;
  bool finished = false;
};

config::Cluster staticCluster(uint16_t port) {
  config::Cluster c;
  c.name = "backend";
  c.connect_timeout = std::chrono::milliseconds(1000);
  config::LocalityLbEndpoints locality;
  config::LbEndpoint ep;
  ep.address.address = "127.0.0.1";
  ep.address.port_value = port;
  locality.lb_endpoints.push_back(ep);
  c.load_assignment.endpoints.push_back(locality);
  c.circuit_breakers.push_back({});
  return c;
}

class HttpConnPoolTest : public ::testing::Test {
 protected:
  void build(uint16_t port, std::function<void(config::Cluster&)> tweak = {}) {
    config::Cluster c = staticCluster(port);
    if (tweak) tweak(c);
    auto cm = ClusterManager::create({c}, &store_);
    ASSERT_TRUE(cm.isOk()) << cm.status().toString();
    cm_ = std::move(cm.value());
    info_ = cm_->clusterInfo("backend");
    host_ = cm_->hostSet("backend")->hosts.at(0);
    pool_ = std::make_unique<HttpConnPool>(dispatcher_, host_, info_);
  }
  // Runs the loop until the recorder finished (bounded by a watchdog).
  // Dispatcher::run() cannot be restarted after exit(), so the tests turn
  // the loop by hand until the outcome is known.
  void runUntil(Recorder& r) { runUntil([&] { return r.finished; }); }
  void runUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      dispatcher_.runOnce(std::chrono::milliseconds(50));
      dispatcher_.updateApproximateTime();
    }
    ASSERT_TRUE(done()) << "no outcome within 10 s";
  }
  uint64_t counter(const std::string& name) {
    const auto* c = store_.findCounter("cluster.backend." + name);
    return c != nullptr ? c->value() : 0;
  }

  stats::Store store_;
  event::Dispatcher dispatcher_{"test"};
  std::unique_ptr<ClusterManager> cm_;
  ClusterInfoConstSharedPtr info_;
  HostConstSharedPtr host_;
  std::unique_ptr<HttpConnPool> pool_;
};

TEST_F(HttpConnPoolTest, ReusesOneKeepAliveConnectionForSequentialRequests) {
  TinyServer server([](const std::string&) { return kOk; });
  build(server.port());
  for (int i = 0; i < 3; ++i) {
    Recorder r(dispatcher_);
    Cancellable* handle = pool_->newStream(r, r);
    // Only the first request waits for a connection; later ones get the
    // idle one synchronously.
    EXPECT_EQ(handle != nullptr, i == 0);
    runUntil(r);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello");
    EXPECT_FALSE(r.reset.has_value());
    // Let the pool put the connection back (it does so after the callback).
    dispatcher_.clearDeferredDeleteList();
    EXPECT_EQ(pool_->idleConnectionCount(), 1u);
  }
  EXPECT_EQ(server.accepted(), 1);
  EXPECT_EQ(counter("upstream_cx_total"), 1u);
  EXPECT_EQ(counter("upstream_rq_total"), 3u);
}

TEST_F(HttpConnPoolTest, ConnectRefusedFailsThePendingRequest) {
  // Bind a port and close it: nothing listens there.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  build(ntohs(addr.sin_port));
  Recorder r(dispatcher_);
  pool_->newStream(r, r);
  runUntil(r);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(*r.failure, PoolFailureReason::kConnectionFailure);
  EXPECT_EQ(counter("upstream_cx_connect_fail"), 1u);
}

TEST_F(HttpConnPoolTest, MaxRequestsBreakerOverflowsImmediately) {
  TinyServer server([](const std::string&) { return kOk; });
  build(server.port(), [](config::Cluster& c) {
    c.circuit_breakers[0].max_requests = 1;
  });
  Recorder first(dispatcher_);
  Recorder second(dispatcher_);
  pool_->newStream(first, first);
  EXPECT_EQ(pool_->newStream(second, second), nullptr);
  ASSERT_TRUE(second.failure.has_value());
  EXPECT_EQ(*second.failure, PoolFailureReason::kOverflow);
  EXPECT_EQ(counter("upstream_rq_pending_overflow"), 1u);
  runUntil(first);
  EXPECT_EQ(first.status, 200);
}

TEST_F(HttpConnPoolTest, MaxPendingBreakerOverflowsWhileConnecting) {
  TinyServer server([](const std::string&) { return kOk; });
  build(server.port(), [](config::Cluster& c) {
    c.circuit_breakers[0].max_pending_requests = 1;
  });
  Recorder first(dispatcher_);
  Recorder second(dispatcher_);
  EXPECT_NE(pool_->newStream(first, first), nullptr);
  pool_->newStream(second, second);
  ASSERT_TRUE(second.failure.has_value());
  EXPECT_EQ(*second.failure, PoolFailureReason::kOverflow);
  runUntil(first);
  EXPECT_EQ(first.status, 200);
}

TEST_F(HttpConnPoolTest, ConnectionClosedByUpstreamAfterResponseIsNotReused) {
  TinyServer server([](const std::string&) {
    return std::string("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
  });
  build(server.port());
  for (int i = 0; i < 2; ++i) {
    Recorder r(dispatcher_);
    pool_->newStream(r, r);
    runUntil(r);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok");
    dispatcher_.clearDeferredDeleteList();
    EXPECT_EQ(pool_->idleConnectionCount(), 0u);
  }
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(HttpConnPoolTest, IdleConnectionClosedByUpstreamIsDroppedAndReplaced) {
  TinyServer server([](const std::string&) { return kOk; });
  build(server.port());
  Recorder r(dispatcher_);
  r.path = "/close-silently";  // keep-alive response, then the server closes
  pool_->newStream(r, r);
  runUntil(r);
  EXPECT_EQ(r.status, 200);
  runUntil([&] { return pool_->connectionCount() == 0; });
  EXPECT_EQ(counter("upstream_cx_destroy"), 1u);
  Recorder again(dispatcher_);
  EXPECT_NE(pool_->newStream(again, again), nullptr) << "must not hand out the dead connection";
  runUntil(again);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(server.accepted(), 2);
}

TEST_F(HttpConnPoolTest, UpstreamClosingWithoutAnswerResetsTheStream) {
  TinyServer server([](const std::string&) { return std::string(); });
  build(server.port());
  Recorder r(dispatcher_);
  pool_->newStream(r, r);
  runUntil(r);
  ASSERT_TRUE(r.reset.has_value());
  // First use of the connection: a real failure, not the keep-alive race.
  EXPECT_EQ(*r.reset, StreamResetReason::kConnectionTermination);
}

TEST_F(HttpConnPoolTest, ChunkedResponseBodyArrivesWhole) {
  TinyServer server([](const std::string&) {
    return std::string(
        "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  });
  build(server.port());
  Recorder r(dispatcher_);
  pool_->newStream(r, r);
  runUntil(r);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "abcdefg");
}

TEST_F(HttpConnPoolTest, RequestBodyIsSentWithItsContentLength) {
  std::mutex mu;
  std::string seen;
  TinyServer server([&](const std::string& head) {
    std::lock_guard<std::mutex> lock(mu);
    seen = head;
    return kOk;
  });
  build(server.port());
  Recorder r(dispatcher_);
  r.send_on_ready = false;
  struct Sender : PoolCallbacks {
    Recorder* rec;
    void onPoolReady(UpstreamStream& s, const HostConstSharedPtr&) override {
      http::HeaderMap h{{":method", "POST"}, {":path", "/upload"}, {":authority", "x"},
                        {"content-length", "4"}};
      s.encodeHeaders(h, false);
      Buffer body("data");
      s.encodeData(body, true);
    }
    void onPoolFailure(PoolFailureReason r, std::string_view d, const HostConstSharedPtr& h) override {
      rec->onPoolFailure(r, d, h);
    }
  } sender;
  sender.rec = &r;
  pool_->newStream(r, sender);
  runUntil(r);
  EXPECT_EQ(r.status, 200);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_NE(seen.find("POST /upload HTTP/1.1\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("content-length: 4\r\n"), std::string::npos) << seen;
}

}  // namespace
}  // namespace weir::upstream

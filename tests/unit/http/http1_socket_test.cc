// The parser fed the way a connection feeds it: bytes read from a real TCP
// socket into a weir::Buffer (writableSpan/commit), parsed, drained by what
// was consumed, the rest kept for the next read.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/buffer.h"
#include "http/http1/parser.h"

namespace weir::http::http1 {
namespace {

class Collector : public ParserCallbacks {
 public:
  void onHeaders(HeaderMap&& h, bool) override { paths.emplace_back(h.path()); }
  void onBody(std::string_view c) override { bodies.back().append(c); }
  void onMessageBegin() override { bodies.emplace_back(); }
  void onMessageComplete() override { ++complete; }
  std::vector<std::string> paths;
  std::vector<std::string> bodies;
  int complete = 0;
};

TEST(Http1SocketTest, PipelinedRequestsArrivingInRandomTcpSegmentsParseInOrder) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);

  std::string stream;
  constexpr int kRequests = 200;
  for (int i = 0; i < kRequests; ++i) {
    const std::string body(static_cast<size_t>(i * 37 % 700), static_cast<char>('a' + i % 26));
    if (i % 2 == 0) {
      stream += "POST /r" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\nContent-Length: " +
                std::to_string(body.size()) + "\r\nX-I: " + std::to_string(i) + "\r\n\r\n" + body;
    } else {
      char size[16];
      std::snprintf(size, sizeof(size), "%zx", body.size());
      stream += "PUT /r" + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
      if (!body.empty()) stream += std::string(size) + ";ext=1\r\n" + body + "\r\n";
      stream += "0\r\nX-Trailer: " + std::to_string(i) + "\r\n\r\n";
    }
  }

  std::thread client([&] {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return;
    }
    std::mt19937 rng(7);
    size_t off = 0;
    while (off < stream.size()) {
      const size_t n = std::min<size_t>(stream.size() - off, 1 + rng() % 97);
      const ssize_t w = ::send(fd, stream.data() + off, n, MSG_NOSIGNAL);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  });

  const int conn = ::accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  Collector collector;
  Parser parser(Parser::Type::kRequest, Limits{}, collector);
  Buffer buffer;
  bool failed = false;
  while (true) {
    auto span = buffer.writableSpan(64);
    const ssize_t r = ::recv(conn, span.data(), std::min<size_t>(span.size(), 128), 0);
    if (r <= 0) break;
    buffer.commit(static_cast<size_t>(r));
    ExecuteResult result = parser.execute(buffer.data(), buffer.size());
    if (!result.ok()) {
      failed = true;
      break;
    }
    buffer.drain(result.consumed);
  }
  EXPECT_TRUE(parser.finish().ok());
  client.join();
  ::close(conn);
  ::close(listener);

  ASSERT_FALSE(failed);
  EXPECT_TRUE(buffer.empty());
  ASSERT_EQ(collector.complete, kRequests);
  for (int i = 0; i < kRequests; ++i) {
    EXPECT_EQ(collector.paths[i], "/r" + std::to_string(i));
    EXPECT_EQ(collector.bodies[i], std::string(static_cast<size_t>(i * 37 % 700), static_cast<char>('a' + i % 26)));
  }
}

}  // namespace
}  // namespace weir::http::http1

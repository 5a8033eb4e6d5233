// An IP socket address (v4 or v6 + port). Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <sys/socket.h>

#include <asio/ip/tcp.hpp>

#include "base/status.h"

namespace weir::net {

class Address {
 public:
  Address() = default;
  explicit Address(asio::ip::tcp::endpoint endpoint) : endpoint_(endpoint) {}

  // "1.2.3.4", 80 / "::1", 80. An IP literal only: name resolution is the
  // cluster's job (STRICT_DNS / LOGICAL_DNS), never done on a worker here.
  static Result<Address> fromIpPort(std::string_view ip, uint16_t port);
  // "1.2.3.4:80" or "[::1]:80".
  static Result<Address> parse(std::string_view ip_colon_port);
  // From what accept(), getsockname() and getpeername() fill in. An empty
  // Address if the family is not IPv4 or IPv6.
  static Address fromSockaddr(const sockaddr* sa, socklen_t len);
  // The local (getsockname) or remote (getpeername) address of a socket.
  static Address localOf(int fd);
  static Address peerOf(int fd);

  std::string ip() const { return endpoint_.address().to_string(); }
  uint16_t port() const { return endpoint_.port(); }
  // "1.2.3.4:80" / "[::1]:80" — the form access logs and /clusters print.
  std::string asString() const;
  const asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }
  // For connect() and bind().
  const sockaddr* sockaddrData() const { return endpoint_.data(); }
  socklen_t sockaddrSize() const { return static_cast<socklen_t>(endpoint_.size()); }
  int family() const { return endpoint_.protocol().family(); }

  bool operator==(const Address& other) const { return endpoint_ == other.endpoint_; }

 private:
  asio::ip::tcp::endpoint endpoint_;
};

}  // namespace weir::net

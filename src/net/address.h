// An IP socket address (v4 or v6 + port). Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

  std::string ip() const { return endpoint_.address().to_string(); }
  uint16_t port() const { return endpoint_.port(); }
  // "1.2.3.4:80" / "[::1]:80" — the form access logs and /clusters print.
  std::string asString() const;
  const asio::ip::tcp::endpoint& endpoint() const { return endpoint_; }

  bool operator==(const Address& other) const { return endpoint_ == other.endpoint_; }

 private:
  asio::ip::tcp::endpoint endpoint_;
};

}  // namespace weir::net

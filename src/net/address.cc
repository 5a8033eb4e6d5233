#include "net/address.h"

#include <charconv>
#include <cstring>

namespace weir::net {

Result<Address> Address::fromIpPort(std::string_view ip, uint16_t port) {
  asio::error_code ec;
  auto addr = asio::ip::make_address(std::string(ip), ec);
  if (ec) return invalidArgument("not an IP address: '" + std::string(ip) + "'");
  return Address(asio::ip::tcp::endpoint(addr, port));
}

Result<Address> Address::parse(std::string_view s) {
  std::string_view host;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return invalidArgument("bad address '" + std::string(s) + "'");
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return invalidArgument("bad address '" + std::string(s) + "': no port");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return invalidArgument("bad port in '" + std::string(s) + "'");
  }
  return fromIpPort(host, static_cast<uint16_t>(value));
}

Address Address::fromSockaddr(const sockaddr* sa, socklen_t len) {
  if (sa == nullptr || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) return Address();
  asio::ip::tcp::endpoint ep;
  if (len > ep.capacity()) return Address();
  std::memcpy(ep.data(), sa, len);
  ep.resize(len);
  return Address(ep);
}

Address Address::localOf(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Address();
  return fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

Address Address::peerOf(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return Address();
  return fromSockaddr(reinterpret_cast<sockaddr*>(&ss), len);
}

std::string Address::asString() const {
  const auto addr = endpoint_.address();
  if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(endpoint_.port());
  return addr.to_string() + ":" + std::to_string(endpoint_.port());
}

}  // namespace weir::net

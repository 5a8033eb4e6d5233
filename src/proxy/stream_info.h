// What is known about one HTTP stream for logs and stats: timings, sizes,
// addresses, the response code and Envoy's response flags. Filled in by the
// connection manager and the router, read by access logs and filters.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "event/dispatcher.h"
#include "net/address.h"
#include "proxy/filter_state.h"

namespace weir::http {
class HeaderMap;
}

namespace weir::proxy {

// Envoy's response flags; one bit each. Short codes in responseFlagShortCode.
enum ResponseFlag : uint32_t {
  kFailedLocalHealthCheck = 1u << 0,          // LH
  kNoHealthyUpstream = 1u << 1,               // UH
  kUpstreamRequestTimeout = 1u << 2,          // UT
  kLocalReset = 1u << 3,                      // LR
  kUpstreamRemoteReset = 1u << 4,             // UR
  kUpstreamConnectionFailure = 1u << 5,       // UF
  kUpstreamConnectionTermination = 1u << 6,   // UC
  kUpstreamOverflow = 1u << 7,                // UO
  kNoRouteFound = 1u << 8,                    // NR
  kDelayInjected = 1u << 9,                   // DI
  kFaultInjected = 1u << 10,                  // FI
  kRateLimited = 1u << 11,                    // RL
  kUnauthorizedExternalService = 1u << 12,    // UAEX
  kRateLimitServiceError = 1u << 13,          // RLSE
  kDownstreamConnectionTermination = 1u << 14,  // DC
  kUpstreamRetryLimitExceeded = 1u << 15,     // URX
  kStreamIdleTimeout = 1u << 16,              // SI
  kInvalidEnvoyRequestHeaders = 1u << 17,     // IH
  kDownstreamProtocolError = 1u << 18,        // DPE
  kUpstreamMaxStreamDurationReached = 1u << 19,  // UMSDR
  kResponseFromCacheFilter = 1u << 20,        // RFCF
  kNoFilterConfigFound = 1u << 21,            // NFCF
  kDurationTimeout = 1u << 22,                // DT
  kUpstreamProtocolError = 1u << 23,          // UPE
  kNoClusterFound = 1u << 24,                 // NC
  kOverloadManager = 1u << 25,                // OM
  kDnsResolutionFailed = 1u << 26,            // DF
  kLastResponseFlag = kDnsResolutionFailed,
};

// "UH", "NR", ...; empty for a value that is not exactly one known flag.
std::string_view responseFlagShortCode(ResponseFlag flag);
// Envoy's rendering: short codes joined with ',' in bit order, "-" when none.
std::string responseFlagsToString(uint32_t flags);

struct StreamInfo {
  // Wall-clock start for %START_TIME%, monotonic start for durations.
  event::SystemTime start_time{};
  event::MonotonicTime start_monotonic{};
  // Offsets from start_monotonic; unset until the event happened.
  std::optional<std::chrono::nanoseconds> last_downstream_rx_byte_received;
  std::optional<std::chrono::nanoseconds> first_upstream_tx_byte_sent;
  std::optional<std::chrono::nanoseconds> first_upstream_rx_byte_received;
  std::optional<std::chrono::nanoseconds> first_downstream_tx_byte_sent;
  std::optional<std::chrono::nanoseconds> last_downstream_tx_byte_sent;
  std::optional<std::chrono::nanoseconds> request_complete;  // %DURATION%

  std::optional<uint32_t> response_code;
  // Why the response is what it is ("via_upstream", "direct_response",
  // "route_not_found", "request_headers_timeout", ...), as Envoy's details.
  std::string response_code_details;
  uint32_t response_flags = 0;

  uint64_t bytes_received = 0;  // request body bytes
  uint64_t bytes_sent = 0;      // response body bytes

  std::string protocol;  // "HTTP/1.1" / "HTTP/1.0"
  net::Address downstream_local_address;
  net::Address downstream_remote_address;
  // Set by the router once it picked a host.
  std::optional<net::Address> upstream_host;
  std::string upstream_cluster;
  std::string upstream_transport_failure_reason;
  std::string route_name;
  std::string request_id;  // x-request-id as forwarded

  // Borrowed; valid while the stream lives (access logs run before it ends).
  const http::HeaderMap* request_headers = nullptr;
  const http::HeaderMap* response_headers = nullptr;
  const http::HeaderMap* response_trailers = nullptr;

  FilterState filter_state;

  void setResponseFlag(ResponseFlag flag) { response_flags |= flag; }
  bool hasResponseFlag(ResponseFlag flag) const { return (response_flags & flag) != 0; }
  // Offset of `t` from the start, for the optional<nanoseconds> fields.
  std::chrono::nanoseconds sinceStart(event::MonotonicTime t) const { return t - start_monotonic; }
};

}  // namespace weir::proxy

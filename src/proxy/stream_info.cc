#include "proxy/stream_info.h"

namespace weir::proxy {

std::string_view responseFlagShortCode(ResponseFlag flag) {
  switch (flag) {
    case kFailedLocalHealthCheck: return "LH";
    case kNoHealthyUpstream: return "UH";
    case kUpstreamRequestTimeout: return "UT";
    case kLocalReset: return "LR";
    case kUpstreamRemoteReset: return "UR";
    case kUpstreamConnectionFailure: return "UF";
    case kUpstreamConnectionTermination: return "UC";
    case kUpstreamOverflow: return "UO";
    case kNoRouteFound: return "NR";
    case kDelayInjected: return "DI";
    case kFaultInjected: return "FI";
    case kRateLimited: return "RL";
    case kUnauthorizedExternalService: return "UAEX";
    case kRateLimitServiceError: return "RLSE";
    case kDownstreamConnectionTermination: return "DC";
    case kUpstreamRetryLimitExceeded: return "URX";
    case kStreamIdleTimeout: return "SI";
    case kInvalidEnvoyRequestHeaders: return "IH";
    case kDownstreamProtocolError: return "DPE";
    case kUpstreamMaxStreamDurationReached: return "UMSDR";
    case kResponseFromCacheFilter: return "RFCF";
    case kNoFilterConfigFound: return "NFCF";
    case kDurationTimeout: return "DT";
    case kUpstreamProtocolError: return "UPE";
    case kNoClusterFound: return "NC";
    case kOverloadManager: return "OM";
    case kDnsResolutionFailed: return "DF";
  }
  return {};
}

std::string responseFlagsToString(uint32_t flags) {
  if (flags == 0) return "-";
  std::string out;
  for (uint32_t bit = 1; bit != 0 && bit <= kLastResponseFlag; bit <<= 1) {
    if ((flags & bit) == 0) continue;
    if (!out.empty()) out += ',';
    out += responseFlagShortCode(static_cast<ResponseFlag>(bit));
  }
  return out;
}

}  // namespace weir::proxy

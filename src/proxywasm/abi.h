// The Proxy-Wasm ABI's numbers: statuses, buffer/map/stream/metric types, log
// levels, callback actions, and the ABI version a module declares through its
// `proxy_abi_version_*` marker export. Values are the wire values of the spec
// (0.1.0 / 0.2.0 / 0.2.1) and of the SDKs; see docs/proxy-wasm.md.
#pragma once

#include <cstdint>
#include <string_view>

namespace weir::wasm {
class Module;
}

namespace weir::proxywasm {

// proxy_status_t / WasmResult. Every host function returns one of these.
enum class WasmResult : uint32_t {
  kOk = 0,
  kNotFound = 1,
  kBadArgument = 2,
  kSerializationFailure = 3,
  kParseFailure = 4,
  kBadExpression = 5,
  kInvalidMemoryAccess = 6,
  kEmpty = 7,
  kCasMismatch = 8,
  kResultMismatch = 9,
  kInternalFailure = 10,
  kBrokenConnection = 11,
  kUnimplemented = 12,
};
std::string_view wasmResultName(WasmResult result);

enum class AbiVersion : uint8_t { kUnknown, k0_1_0, k0_2_0, k0_2_1 };
std::string_view abiVersionName(AbiVersion version);  // "0.2.1", "unknown"

// Reads the marker export (the first of the known names wins, as in the C++
// host). kUnknown means the module is not a Proxy-Wasm module.
AbiVersion detectAbiVersion(const wasm::Module& module);

enum class BufferType : uint32_t {
  kHttpRequestBody = 0,
  kHttpResponseBody = 1,
  kDownstreamData = 2,
  kUpstreamData = 3,
  kHttpCallResponseBody = 4,
  kGrpcReceiveBuffer = 5,
  kVmConfiguration = 6,
  kPluginConfiguration = 7,
  kCallData = 8,
};
inline constexpr uint32_t kMaxBufferType = 8;

enum class MapType : uint32_t {
  kRequestHeaders = 0,
  kRequestTrailers = 1,
  kResponseHeaders = 2,
  kResponseTrailers = 3,
  kGrpcReceiveInitialMetadata = 4,
  kGrpcReceiveTrailingMetadata = 5,
  kHttpCallResponseHeaders = 6,
  kHttpCallResponseTrailers = 7,
};
inline constexpr uint32_t kMaxMapType = 7;

enum class StreamType : uint32_t {
  kRequest = 0,
  kResponse = 1,
  kDownstream = 2,
  kUpstream = 3,
};
inline constexpr uint32_t kMaxStreamType = 3;

enum class MetricType : uint32_t { kCounter = 0, kGauge = 1, kHistogram = 2 };
inline constexpr uint32_t kMaxMetricType = 2;

// proxy_log_level_t; 0..5. weir's log::Level uses the same numbering.
inline constexpr uint32_t kMaxLogLevel = 5;

// What the stream callbacks return. Every SDK agrees on 0 = continue and
// 1 = stop; the richer Envoy-style values (2..4) are folded as Envoy does.
inline constexpr uint32_t kActionContinue = 0;
inline constexpr uint32_t kActionPause = 1;

// The gRPC status that means "none" in proxy_send_local_response.
inline constexpr uint32_t kNoGrpcStatus = 0xFFFFFFFFu;

}  // namespace weir::proxywasm

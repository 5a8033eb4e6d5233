// envoy.filters.network.wasm: a Proxy-Wasm plugin in a listener's network
// filter chain (proxy/network_filter.h), with the same `config`
// (PluginConfig) as the HTTP filter and the same per-worker VM cache
// (WasmFilterConfig::acquire).
//
// Per connection one stream context:
//   accept            proxy_on_context_create(ctx, root), proxy_on_new_connection(ctx)
//   client bytes      proxy_on_downstream_data(ctx, size, end_of_stream)  buffer DownstreamData (2)
//   bytes to client   proxy_on_upstream_data(ctx, size, end_of_stream)    buffer UpstreamData (3)
//   upstream ended    proxy_on_upstream_connection_close(ctx, peer)  when end of stream reaches the
//                     write path (the terminal filter's upstream sent FIN or closed)
//   close             proxy_on_downstream_connection_close(ctx, peer)  peer 1 local, 2 remote
//                     then proxy_on_log, proxy_on_done, proxy_on_delete
// A callback answering Pause (1) stops that path (StopIteration): later bytes
// accumulate and the plugin sees all of them on its next callback, until
// proxy_continue_stream(Downstream / Upstream) resumes. proxy_close_stream
// (either type) closes the connection after flushing. Buffers follow
// Envoy's rules (start 0 replaces `size` bytes, start >= length appends).
//
// Failure policy (a trap, or no VM): fail closed → the connection is closed;
// fail open → the connection bypasses the plugin from then on.
#pragma once

#include <memory>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"
#include "proxy/filter_factory.h"
#include "proxy/network_filter.h"

namespace weir::stats {
class Store;
}

namespace weir::proxywasm {

inline constexpr std::string_view kWasmNetworkFilterName = "envoy.filters.network.wasm";
inline constexpr std::string_view kWasmNetworkFilterTypeUrl =
    "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm";

// PeerType of proxy_on_*_connection_close.
enum class PeerType : uint32_t { kUnknown = 0, kLocal = 1, kRemote = 2 };

// Registers envoy.filters.network.wasm.
void registerWasmNetworkFilter(proxy::FilterRegistry& registry);

// Parses, compiles and validates (as the HTTP filter does) and returns the
// per-connection factory (tests and embedders). `store` may be null.
Result<proxy::NetworkFilterFactoryCb> createWasmNetworkFilterFactory(const nlohmann::json& typed_config,
                                                                     stats::Store* store);

}  // namespace weir::proxywasm

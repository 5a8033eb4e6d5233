// The network (L4) filter contract: a listener's filter_chains[].filters[]
// run on the raw bytes of each accepted connection, as Envoy's network
// filters do. docs/network-filters.md draws it.
//
// Paths
//   read  (downstream → upstream): bytes read from the client pass through the
//         read filters in config order: onData(data, end_stream).
//   write (upstream → downstream): bytes a filter writes toward the client
//         (ReadFilterCallbacks::write) pass through the write filters in
//         REVERSE config order: onWrite(data, end_stream), then the socket.
// The last filter of a chain is the terminal one (tcp_proxy, or the HTTP
// connection manager, which weir still runs on its own: see server.cc).
//
// Iteration
//   onNewConnection() is called once per read filter, in order, before any
//   data. A filter returning kStopIteration (from onNewConnection or onData)
//   stops the read path at itself; the following filters see nothing until it
//   calls continueReading(), which resumes at the NEXT filter with every byte
//   the manager holds. A filter that does not drain `data` leaves those bytes
//   with the manager: the next read appends to them and iteration starts again
//   at the first filter, so a paused filter sees all that has accumulated (as
//   in Envoy). end_stream = true is passed along with the last bytes of the
//   client (its FIN); it may be seen again by a filter after continueReading().
//   The write path works the same way, resumed with continueWriting().
//
// Limits
//   Bytes held on the read path above the listener's
//   per_connection_buffer_limit_bytes read-disable the client until a filter
//   takes them. The terminal filter applies backpressure to its own upstream
//   (tcp_proxy: write-buffer watermarks on both connections).
//
// Connection events
//   Filters that care about close (local or remote) or watermarks register
//   net::ConnectionCallbacks on connection() themselves; the events arrive
//   exactly once. The connection, its filters and the manager are destroyed
//   together, deferred, after the close event was delivered.
//
// Threading and lifetime: everything runs on the worker's dispatcher. A filter
// object lives as long as its connection; callbacks objects are valid from
// initialize*FilterCallbacks until the filter is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "config/bootstrap.h"
#include "event/dispatcher.h"

namespace weir {
class Buffer;
}
namespace weir::net {
class Connection;
}
namespace weir::stats {
class Store;
}
namespace weir::upstream {
class ClusterManager;
class ThreadLocalClusterManager;
}

namespace weir::proxy {

enum class NetworkFilterStatus {
  kContinue,       // pass the bytes to the next filter
  kStopIteration,  // hold them (and what follows) here until continue*()
};

class ReadFilterCallbacks {
 public:
  virtual ~ReadFilterCallbacks() = default;
  virtual net::Connection& connection() = 0;
  virtual event::Dispatcher& dispatcher() = 0;
  // Resumes the read path at the filter after this one.
  virtual void continueReading() = 0;
  // Writes toward the client through every write filter (Envoy's
  // connection().write()). `data` is left empty.
  virtual void write(Buffer& data, bool end_stream) = 0;
  // The worker's clusters of this connection's config generation (null in
  // tests without clusters).
  virtual upstream::ThreadLocalClusterManager* clusterManager() = 0;
  // The listener's per_connection_buffer_limit_bytes.
  virtual uint32_t bufferLimit() const = 0;
};

class WriteFilterCallbacks {
 public:
  virtual ~WriteFilterCallbacks() = default;
  virtual net::Connection& connection() = 0;
  virtual event::Dispatcher& dispatcher() = 0;
  // Resumes the write path at the filter after this one (toward the client).
  virtual void continueWriting() = 0;
};

class ReadFilter {
 public:
  virtual ~ReadFilter() = default;
  virtual void initializeReadFilterCallbacks(ReadFilterCallbacks& callbacks) = 0;
  virtual NetworkFilterStatus onNewConnection() { return NetworkFilterStatus::kContinue; }
  // `data` holds every byte not yet taken by this filter; drain what it took
  // (or passes on: bytes left in `data` on kContinue go to the next filter).
  virtual NetworkFilterStatus onData(Buffer& data, bool end_stream) = 0;
};

class WriteFilter {
 public:
  virtual ~WriteFilter() = default;
  virtual void initializeWriteFilterCallbacks(WriteFilterCallbacks& /*callbacks*/) {}
  virtual NetworkFilterStatus onWrite(Buffer& data, bool end_stream) = 0;
};

// Both paths (a Proxy-Wasm network filter, a byte counter, ...).
class NetworkFilter : public ReadFilter, public WriteFilter {};

// What a factory callback adds filters through, once per connection.
class NetworkFilterChainCallbacks {
 public:
  virtual ~NetworkFilterChainCallbacks() = default;
  virtual void addReadFilter(std::shared_ptr<ReadFilter> filter) = 0;
  virtual void addWriteFilter(std::shared_ptr<WriteFilter> filter) = 0;
  virtual void addFilter(std::shared_ptr<NetworkFilter> filter) = 0;
};

// Per connection; must be cheap and thread-safe (captures immutable config).
using NetworkFilterFactoryCb = std::function<void(NetworkFilterChainCallbacks& callbacks)>;

// What a factory may use while building its config (main thread).
class NetworkFactoryContext {
 public:
  virtual ~NetworkFactoryContext() = default;
  virtual stats::Store* statsStore() = 0;                     // null in tests
  virtual upstream::ClusterManager* clusterManager() = 0;     // null in tests / weir validate
};

class NamedNetworkFilterConfigFactory {
 public:
  virtual ~NamedNetworkFilterConfigFactory() = default;
  // "envoy.filters.network.tcp_proxy".
  virtual std::string name() const = 0;
  // "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy".
  virtual std::string configTypeUrl() const = 0;
  // Terminal filters must be last in a chain, and only there.
  virtual bool isTerminalFilter() const { return false; }
  // Parses and checks `config` (config errors name the filter); runs once
  // per config load.
  virtual Result<NetworkFilterFactoryCb> createFilterFactory(const config::NetworkFilter& config,
                                                             NetworkFactoryContext& context) = 0;
};

}  // namespace weir::proxy

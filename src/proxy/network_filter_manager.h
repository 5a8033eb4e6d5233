// One accepted connection and its network filter chain (proxy/network_filter.h):
// owns the net::Connection and the filter objects, runs the read path in
// config order and the write path in reverse, holds what a stopped filter has
// not taken yet, and tells its owner when the connection closed (the owner
// deferred-deletes it).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/buffer.h"
#include "event/dispatcher.h"
#include "net/connection.h"
#include "proxy/network_filter.h"

namespace weir::proxy {

// The immutable, per-listener part: one factory per configured filter.
struct NetworkChainConfig {
  std::string listener_name;
  std::vector<NetworkFilterFactoryCb> factories;
  uint32_t buffer_limit = 1024 * 1024;  // per_connection_buffer_limit_bytes
};

class NetworkFilterManager : public event::DeferredDeletable,
                             public net::ReadCallback,
                             public net::ConnectionCallbacks,
                             public NetworkFilterChainCallbacks {
 public:
  using ClosedCallback = std::function<void(NetworkFilterManager&)>;

  // `keep_alive` holds whatever `clusters` lives in (the worker's config
  // generation) for as long as the connection does.
  NetworkFilterManager(net::ConnectionPtr connection, std::shared_ptr<const NetworkChainConfig> config,
                       upstream::ThreadLocalClusterManager* clusters, std::shared_ptr<const void> keep_alive,
                       ClosedCallback on_closed);
  ~NetworkFilterManager() override;

  // Builds the filters, calls onNewConnection on them, starts reading.
  void start();
  net::Connection& connection() { return *connection_; }
  // Opaque tag the owner may use (which listener accepted it).
  uintptr_t owner_tag = 0;

  // NetworkFilterChainCallbacks
  void addReadFilter(std::shared_ptr<ReadFilter> filter) override;
  void addWriteFilter(std::shared_ptr<WriteFilter> filter) override;
  void addFilter(std::shared_ptr<NetworkFilter> filter) override;

  // net::ReadCallback
  void onData(Buffer& data, bool end_stream) override;
  // net::ConnectionCallbacks
  void onEvent(net::ConnectionEvent event) override;

 private:
  struct ActiveReadFilter;
  struct ActiveWriteFilter;

  // Runs read filters after `after` (null: from the first).
  void continueReading(ActiveReadFilter* after);
  void continueWriting(ActiveWriteFilter* after);
  void write(Buffer& data, bool end_stream);
  void updateReadLimit();

  net::ConnectionPtr connection_;
  std::shared_ptr<const NetworkChainConfig> config_;
  upstream::ThreadLocalClusterManager* clusters_;
  std::shared_ptr<const void> keep_alive_;
  ClosedCallback on_closed_;
  std::vector<std::unique_ptr<ActiveReadFilter>> read_filters_;    // config order
  std::vector<std::unique_ptr<ActiveWriteFilter>> write_filters_;  // reverse config order
  Buffer read_buffer_;
  bool read_end_stream_ = false;
  Buffer write_buffer_;
  bool write_end_stream_ = false;
  bool read_disabled_for_limit_ = false;
  bool closed_ = false;
};

}  // namespace weir::proxy

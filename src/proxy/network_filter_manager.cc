#include "proxy/network_filter_manager.h"

#include <algorithm>

#include "base/logging.h"

namespace weir::proxy {

struct NetworkFilterManager::ActiveReadFilter : public ReadFilterCallbacks {
  ActiveReadFilter(NetworkFilterManager& m, std::shared_ptr<ReadFilter> f) : manager(m), filter(std::move(f)) {}
  net::Connection& connection() override { return *manager.connection_; }
  event::Dispatcher& dispatcher() override { return manager.connection_->dispatcher(); }
  void continueReading() override { manager.continueReading(this); }
  void write(Buffer& data, bool end_stream) override { manager.write(data, end_stream); }
  upstream::ThreadLocalClusterManager* clusterManager() override { return manager.clusters_; }
  uint32_t bufferLimit() const override { return manager.config_->buffer_limit; }

  NetworkFilterManager& manager;
  std::shared_ptr<ReadFilter> filter;
  bool initialized = false;  // onNewConnection delivered
};

struct NetworkFilterManager::ActiveWriteFilter : public WriteFilterCallbacks {
  ActiveWriteFilter(NetworkFilterManager& m, std::shared_ptr<WriteFilter> f) : manager(m), filter(std::move(f)) {}
  net::Connection& connection() override { return *manager.connection_; }
  event::Dispatcher& dispatcher() override { return manager.connection_->dispatcher(); }
  void continueWriting() override { manager.continueWriting(this); }

  NetworkFilterManager& manager;
  std::shared_ptr<WriteFilter> filter;
};

NetworkFilterManager::NetworkFilterManager(net::ConnectionPtr connection,
                                           std::shared_ptr<const NetworkChainConfig> config,
                                           upstream::ThreadLocalClusterManager* clusters,
                                           std::shared_ptr<const void> keep_alive, ClosedCallback on_closed)
    : connection_(std::move(connection)),
      config_(std::move(config)),
      clusters_(clusters),
      keep_alive_(std::move(keep_alive)),
      on_closed_(std::move(on_closed)) {}

NetworkFilterManager::~NetworkFilterManager() {
  // Filters may still hold callbacks on the connection: drop them while it
  // exists, and before what the keep-alive holds (their upstreams).
  if (connection_) connection_->removeConnectionCallbacks(*this);
  read_filters_.clear();
  write_filters_.clear();
  connection_.reset();
}

void NetworkFilterManager::addReadFilter(std::shared_ptr<ReadFilter> filter) {
  read_filters_.push_back(std::make_unique<ActiveReadFilter>(*this, std::move(filter)));
  read_filters_.back()->filter->initializeReadFilterCallbacks(*read_filters_.back());
}

void NetworkFilterManager::addWriteFilter(std::shared_ptr<WriteFilter> filter) {
  // The write path runs from the last configured filter to the first.
  write_filters_.insert(write_filters_.begin(), std::make_unique<ActiveWriteFilter>(*this, std::move(filter)));
  write_filters_.front()->filter->initializeWriteFilterCallbacks(*write_filters_.front());
}

void NetworkFilterManager::addFilter(std::shared_ptr<NetworkFilter> filter) {
  addReadFilter(filter);
  addWriteFilter(std::move(filter));
}

void NetworkFilterManager::start() {
  // First in the list, so a filter's own close handling runs after the owner
  // knows (the owner only schedules a deferred delete).
  connection_->addConnectionCallbacks(*this);
  connection_->setBufferLimits(config_->buffer_limit);
  for (const auto& factory : config_->factories) factory(*this);
  connection_->setReadCallback(this);
  continueReading(nullptr);
  if (closed_) return;
  connection_->startReading();
}

void NetworkFilterManager::onData(Buffer& data, bool end_stream) {
  if (read_buffer_.empty()) {
    std::swap(read_buffer_, data);  // keeps the read buffer's storage circulating
  } else {
    read_buffer_.append(std::move(data));
  }
  data.clear();
  read_end_stream_ = read_end_stream_ || end_stream;
  continueReading(nullptr);
}

void NetworkFilterManager::continueReading(ActiveReadFilter* after) {
  if (closed_) return;
  auto it = read_filters_.begin();
  if (after != nullptr) {
    it = std::find_if(read_filters_.begin(), read_filters_.end(), [after](const auto& f) { return f.get() == after; });
    if (it == read_filters_.end()) return;
    ++it;
  }
  for (; it != read_filters_.end(); ++it) {
    ActiveReadFilter& f = **it;
    if (!f.initialized) {
      f.initialized = true;
      NetworkFilterStatus status = f.filter->onNewConnection();
      if (closed_) return;
      if (status == NetworkFilterStatus::kStopIteration) break;
    }
    if (read_buffer_.empty() && !read_end_stream_) continue;
    NetworkFilterStatus status = f.filter->onData(read_buffer_, read_end_stream_);
    if (closed_) return;
    if (status == NetworkFilterStatus::kStopIteration) break;
  }
  updateReadLimit();
}

void NetworkFilterManager::updateReadLimit() {
  // Bytes a stopped filter holds count against the listener's limit: above
  // it the client is not read until a filter takes them.
  const bool over = config_->buffer_limit > 0 && read_buffer_.size() > config_->buffer_limit;
  if (over != read_disabled_for_limit_) {
    read_disabled_for_limit_ = over;
    connection_->readDisable(over);
  }
}

void NetworkFilterManager::write(Buffer& data, bool end_stream) {
  if (closed_) {
    data.clear();
    return;
  }
  write_buffer_.append(std::move(data));
  data.clear();
  write_end_stream_ = write_end_stream_ || end_stream;
  continueWriting(nullptr);
}

void NetworkFilterManager::continueWriting(ActiveWriteFilter* after) {
  if (closed_) return;
  auto it = write_filters_.begin();
  if (after != nullptr) {
    it = std::find_if(write_filters_.begin(), write_filters_.end(), [after](const auto& f) { return f.get() == after; });
    if (it == write_filters_.end()) return;
    ++it;
  }
  for (; it != write_filters_.end(); ++it) {
    NetworkFilterStatus status = (*it)->filter->onWrite(write_buffer_, write_end_stream_);
    if (closed_) return;
    if (status == NetworkFilterStatus::kStopIteration) {
      // What a stopped write filter holds counts toward the client's write
      // watermark, so the terminal filter stops producing (tcp_proxy stops
      // reading its upstream) instead of growing this buffer without bound.
      connection_->setHeldWriteBytes(write_buffer_.size());
      return;
    }
  }
  if (write_buffer_.empty() && !write_end_stream_) {
    connection_->setHeldWriteBytes(0);
    return;
  }
  const bool end_stream = write_end_stream_;
  write_end_stream_ = false;
  connection_->write(write_buffer_, end_stream);
  connection_->setHeldWriteBytes(0);
}

void NetworkFilterManager::onEvent(net::ConnectionEvent event) {
  if (event == net::ConnectionEvent::kConnected || closed_) return;
  closed_ = true;
  read_buffer_.clear();
  write_buffer_.clear();
  if (on_closed_) on_closed_(*this);
}

}  // namespace weir::proxy

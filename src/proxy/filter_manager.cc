#include "proxy/filter_manager.h"

#include <algorithm>

#include "base/logging.h"
#include "http/status_codes.h"

namespace weir::proxy {

struct FilterManager::ActiveFilter : public virtual StreamFilterCallbacks {
  ActiveFilter(FilterManager& m, size_t i, std::string_view n) : manager(m), index(i), name(n) {}

  event::Dispatcher& dispatcher() override { return manager.callbacks_.dispatcher(); }
  uint64_t streamId() const override { return manager.stream_id_; }
  const net::Connection* connection() const override { return manager.callbacks_.connection(); }
  void resetStream() override {
    if (manager.reset_ || manager.destroyed_) return;
    manager.reset_ = true;
    manager.stream_info_.setResponseFlag(kLocalReset);
    manager.callbacks_.onStreamReset();
  }
  const MatchedRoute* route() override { return manager.route(); }
  void clearRouteCache() override { manager.clearRouteCache(); }
  const RouteSpecificFilterConfig* perFilterConfig() override {
    const MatchedRoute* r = manager.route();
    return r ? manager.callbacks_.perFilterConfig(*r, name) : nullptr;
  }
  StreamInfo& streamInfo() override { return manager.stream_info_; }
  upstream::ThreadLocalClusterManager* clusterManager() override {
    return manager.callbacks_.clusterManager();
  }
  http::HeaderMap* requestHeaders() override { return manager.request_headers_.get(); }
  http::HeaderMap* responseHeaders() override { return manager.response_headers_.get(); }

  FilterManager& manager;
  size_t index;
  std::string_view name;  // points into the FilterChainEntry (see createFilterChain)
};

struct FilterManager::ActiveDecoderFilter : public ActiveFilter, public StreamDecoderFilterCallbacks {
  ActiveDecoderFilter(FilterManager& m, size_t i, std::string_view n,
                      std::shared_ptr<StreamDecoderFilter> f)
      : ActiveFilter(m, i, n), filter(std::move(f)) {}

  void continueDecoding() override {
    if (manager.phase(true).held_at != static_cast<int>(index)) return;
    manager.resume(true, index);
  }
  const Buffer* decodingBuffer() override {
    auto& p = manager.phase(true);
    return p.buffer.empty() ? nullptr : &p.buffer;
  }
  void modifyDecodingBuffer(const std::function<void(Buffer&)>& fn) override {
    fn(manager.phase(true).buffer);
  }
  void addDecodedData(Buffer& data, bool) override { manager.addData(true, index, data); }
  void injectDecodedDataToFilterChain(Buffer& data, bool end_stream) override {
    manager.injectData(true, index, data, end_stream);
  }
  http::HeaderMap& addDecodedTrailers() override { return manager.addTrailers(true); }
  void sendLocalReply(uint32_t code, std::string_view body,
                      const std::function<void(http::HeaderMap&)>& modify,
                      std::string_view details) override {
    manager.sendLocalReply(code, body, modify, details);
  }
  void encodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream,
                     std::string_view details) override {
    if (!details.empty()) manager.stream_info_.response_code_details = std::string(details);
    manager.encodeHeaders(std::move(headers), end_stream);
  }
  void encode1xxHeaders(std::unique_ptr<http::HeaderMap> headers) override {
    manager.encode1xxHeaders(std::move(headers));
  }
  void encodeData(Buffer& data, bool end_stream) override { manager.encodeData(data, end_stream); }
  void encodeTrailers(std::unique_ptr<http::HeaderMap> trailers) override {
    manager.encodeTrailers(std::move(trailers));
  }
  void onDecoderFilterAboveWriteBufferHighWatermark() override {
    manager.callbacks_.readDisableDownstream(true);
  }
  void onDecoderFilterBelowWriteBufferLowWatermark() override {
    manager.callbacks_.readDisableDownstream(false);
  }
  void addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    manager.watermark_callbacks_.push_back(&cb);
    for (uint32_t i = 0; i < manager.downstream_above_; ++i) cb.onAboveWriteBufferHighWatermark();
  }
  void removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& cb) override {
    auto& v = manager.watermark_callbacks_;
    v.erase(std::remove(v.begin(), v.end(), &cb), v.end());
  }
  uint32_t decoderBufferLimit() override { return manager.decoder_limit_; }
  void setDecoderBufferLimit(uint32_t limit) override { manager.decoder_limit_ = limit; }

  std::shared_ptr<StreamDecoderFilter> filter;
};

struct FilterManager::ActiveEncoderFilter : public ActiveFilter, public StreamEncoderFilterCallbacks {
  ActiveEncoderFilter(FilterManager& m, size_t i, std::string_view n,
                      std::shared_ptr<StreamEncoderFilter> f)
      : ActiveFilter(m, i, n), filter(std::move(f)) {}

  void continueEncoding() override {
    if (manager.phase(false).held_at != static_cast<int>(index)) return;
    manager.resume(false, index);
  }
  const Buffer* encodingBuffer() override {
    auto& p = manager.phase(false);
    return p.buffer.empty() ? nullptr : &p.buffer;
  }
  void modifyEncodingBuffer(const std::function<void(Buffer&)>& fn) override {
    fn(manager.phase(false).buffer);
  }
  void addEncodedData(Buffer& data, bool) override { manager.addData(false, index, data); }
  void injectEncodedDataToFilterChain(Buffer& data, bool end_stream) override {
    manager.injectData(false, index, data, end_stream);
  }
  http::HeaderMap& addEncodedTrailers() override { return manager.addTrailers(false); }
  void sendLocalReply(uint32_t code, std::string_view body,
                      const std::function<void(http::HeaderMap&)>& modify,
                      std::string_view details) override {
    manager.sendLocalReply(code, body, modify, details);
  }
  void onEncoderFilterAboveWriteBufferHighWatermark() override {
    manager.onDownstreamAboveHighWatermark();
  }
  void onEncoderFilterBelowWriteBufferLowWatermark() override {
    manager.onDownstreamBelowLowWatermark();
  }
  uint32_t encoderBufferLimit() override { return manager.encoder_limit_; }
  void setEncoderBufferLimit(uint32_t limit) override { manager.encoder_limit_ = limit; }

  std::shared_ptr<StreamEncoderFilter> filter;
};

namespace {

// Collects what a factory adds, keeping config order.
class ChainBuilder : public FilterChainFactoryCallbacks {
 public:
  struct Added {
    std::shared_ptr<StreamDecoderFilter> decoder;
    std::shared_ptr<StreamEncoderFilter> encoder;
    std::shared_ptr<StreamFilterBase> base;
    std::string_view name;
  };
  void addStreamDecoderFilter(std::shared_ptr<StreamDecoderFilter> f) override {
    std::shared_ptr<StreamFilterBase> base = f;
    added.push_back({std::move(f), nullptr, std::move(base), name});
  }
  void addStreamEncoderFilter(std::shared_ptr<StreamEncoderFilter> f) override {
    std::shared_ptr<StreamFilterBase> base = f;
    added.push_back({nullptr, std::move(f), std::move(base), name});
  }
  void addStreamFilter(std::shared_ptr<StreamFilter> f) override {
    std::shared_ptr<StreamDecoderFilter> d = f;
    std::shared_ptr<StreamEncoderFilter> e = f;
    std::shared_ptr<StreamFilterBase> base = std::static_pointer_cast<StreamDecoderFilter>(f);
    added.push_back({std::move(d), std::move(e), std::move(base), name});
  }
  SmallVector<Added, FilterManager::kInlineFilters> added;
  std::string_view name;  // of the factory being run
};

}  // namespace

FilterManager::FilterManager(FilterManagerCallbacks& callbacks, StreamInfo& stream_info,
                             uint64_t stream_id, uint32_t buffer_limit)
    : callbacks_(callbacks),
      stream_info_(stream_info),
      stream_id_(stream_id),
      decoder_limit_(buffer_limit),
      encoder_limit_(buffer_limit) {}

FilterManager::~FilterManager() {
  destroyFilters();
  http::HeaderMap::recycle(std::move(request_headers_));
  http::HeaderMap::recycle(std::move(response_headers_));
}

void FilterManager::createFilterChain(const std::vector<FilterChainEntry>& chain) {
  // Runs once per request: for the usual chain (each factory adds one
  // filter, a few factories) the vectors stay inline and allocate nothing.
  ChainBuilder builder;
  builder.added.reserve(chain.size());
  for (const auto& entry : chain) {
    builder.name = entry.name;
    entry.factory(builder);
  }
  const size_t n = builder.added.size();
  decoders_.reserve(n);
  encoders_.reserve(n);
  all_filters_.reserve(n);
  for (auto& a : builder.added) {
    if (a.decoder) {
      decoders_.push_back(std::make_unique<ActiveDecoderFilter>(*this, decoders_.size(), a.name, a.decoder));
    }
    all_filters_.push_back(std::move(a.base));
  }
  // Encoders run in reverse config order.
  for (auto it = builder.added.rbegin(); it != builder.added.rend(); ++it) {
    if (!it->encoder) continue;
    encoders_.push_back(std::make_unique<ActiveEncoderFilter>(*this, encoders_.size(), it->name, it->encoder));
  }
  for (auto& d : decoders_) d->filter->setDecoderFilterCallbacks(*d);
  for (auto& e : encoders_) e->filter->setEncoderFilterCallbacks(*e);
}

void FilterManager::destroyFilters() {
  if (destroyed_) return;
  destroyed_ = true;
  for (auto& f : all_filters_) f->onDestroy();
  watermark_callbacks_.clear();
}

size_t FilterManager::filterCount(bool decode) const {
  return decode ? decoders_.size() : encoders_.size();
}

FilterManager::Phase& FilterManager::phase(bool decode) {
  return decode ? decode_phase_ : encode_phase_;
}

bool FilterManager::aborted(bool decode) const {
  if (destroyed_ || reset_) return true;
  // A local reply ends request processing; the response side keeps going
  // unless the local reply had to bypass the encoder chain.
  return decode ? local_reply_ : local_reply_bypass_;
}

const MatchedRoute* FilterManager::route() {
  if (!route_cached_) {
    route_cached_ = true;
    route_.reset();
    if (request_headers_) route_ = callbacks_.evaluateRoute(*request_headers_);
  }
  return route_ ? &*route_ : nullptr;
}

// --- request side ------------------------------------------------------------

void FilterManager::decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  request_headers_ = std::move(headers);
  stream_info_.request_headers = request_headers_.get();
  route_cached_ = false;
  auto& p = phase(true);
  p.headers_end = end_stream;
  runHeaders(true, 0);
}

void FilterManager::decodeData(Buffer& data, bool end_stream) {
  if (aborted(true)) {
    data.clear();
    return;
  }
  stream_info_.bytes_received += data.size();
  runData(true, 0, data, end_stream);
}

void FilterManager::decodeTrailers(std::unique_ptr<http::HeaderMap> trailers) {
  if (aborted(true)) return;
  request_trailers_ = std::move(trailers);
  phase(true).trailers_present = true;
  runTrailers(true, 0);
}

// --- response side -----------------------------------------------------------

void FilterManager::encodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream) {
  // After a local reply took over, the terminal filter's late response is dropped.
  if (destroyed_ || reset_ || response_started_) return;
  response_started_ = true;
  response_headers_ = std::move(headers);
  stream_info_.response_headers = response_headers_.get();
  phase(false).headers_end = end_stream;
  runHeaders(false, 0);
}

void FilterManager::encode1xxHeaders(std::unique_ptr<http::HeaderMap> headers) {
  if (destroyed_ || reset_ || response_started_) return;
  for (auto& e : encoders_) {
    if (e->filter->encode1xxHeaders(*headers) != FilterHeadersStatus::kContinue) return;
    if (destroyed_ || reset_) return;
  }
  callbacks_.encode1xxHeadersToCodec(*headers);
}

void FilterManager::encodeData(Buffer& data, bool end_stream) {
  if (aborted(false) || !response_started_ || phase(false).end_passed) {
    data.clear();
    return;
  }
  runData(false, 0, data, end_stream);
}

void FilterManager::encodeTrailers(std::unique_ptr<http::HeaderMap> trailers) {
  if (aborted(false) || !response_started_) return;
  response_trailers_ = std::move(trailers);
  stream_info_.response_trailers = response_trailers_.get();
  phase(false).trailers_present = true;
  runTrailers(false, 0);
}

// --- the iteration engine (both directions) -----------------------------------

void FilterManager::runHeaders(bool decode, size_t from) {
  Phase& p = phase(decode);
  http::HeaderMap& headers = decode ? *request_headers_ : *response_headers_;
  const size_t n = filterCount(decode);
  if (decode && n == 0 && !local_reply_) {
    if (callbacks_.onBeforeTerminalFilter(*this) || aborted(decode)) return;
  }
  for (size_t i = from; i < n; ++i) {
    const bool end = p.headers_end && p.buffer.empty() && !p.trailers_present;
    if (decode && i + 1 == n && !local_reply_) {
      if (callbacks_.onBeforeTerminalFilter(*this)) return;
      if (aborted(decode)) return;
    }
    p.iterating_headers_at = static_cast<int>(i);
    const FilterHeadersStatus status = decode ? decoders_[i]->filter->decodeHeaders(headers, end)
                                              : encoders_[i]->filter->encodeHeaders(headers, end);
    p.iterating_headers_at = -1;
    if (aborted(decode)) return;
    if (status == FilterHeadersStatus::kContinue) continue;
    p.held_at = static_cast<int>(i);
    p.headers_held = true;
    p.held_all = status != FilterHeadersStatus::kStopIteration;
    p.watermark = status == FilterHeadersStatus::kStopAllIterationAndWatermark;
    if (p.pending_added && !p.held_all) {
      // Data a filter before this one added must still reach it.
      p.pending_added = false;
      Buffer added = std::move(p.buffer);
      const bool added_end = p.buffered_end;
      p.buffered_end = false;
      runData(decode, p.added_from, added, added_end);
    }
    return;
  }
  const bool end = p.headers_end && p.buffer.empty() && !p.trailers_present;
  p.headers_done = true;
  sinkHeaders(decode, headers, end);
  if (end) p.end_passed = true;
  if (p.pending_added && !aborted(decode)) {
    p.pending_added = false;
    Buffer added = std::move(p.buffer);
    const bool added_end = p.buffered_end;
    p.buffered_end = false;
    runData(decode, p.added_from, added, added_end);
  }
}

void FilterManager::runData(bool decode, size_t from, Buffer& data, bool end_stream) {
  Phase& p = phase(decode);
  const size_t n = filterCount(decode);
  Buffer combined;  // only used when a holding filter releases what it held
  Buffer* chunk = &data;
  for (size_t i = from; i < n; ++i) {
    if (p.held_at == static_cast<int>(i) && p.held_all) {
      holdData(decode, *chunk, end_stream, p.watermark);
      return;
    }
    p.current_data = chunk;
    p.current_data_at = static_cast<int>(i);
    const FilterDataStatus status = decode ? decoders_[i]->filter->decodeData(*chunk, end_stream)
                                           : encoders_[i]->filter->encodeData(*chunk, end_stream);
    p.current_data = nullptr;
    p.current_data_at = -1;
    if (aborted(decode)) return;
    switch (status) {
      case FilterDataStatus::kContinue:
        if (p.held_at == static_cast<int>(i)) {
          // The holding filter lets go: what it held, then this chunk.
          p.held_at = -1;
          releaseWatermark(decode);
          if (!p.buffer.empty()) {
            combined = std::move(p.buffer);
            combined.append(std::move(*chunk));
            chunk = &combined;
          }
          p.buffered_end = false;
          if (p.headers_held) {
            p.headers_held = false;
            p.headers_end = false;  // a body follows
            runHeaders(decode, i + 1);
            if (aborted(decode)) return;
          }
        }
        break;
      case FilterDataStatus::kStopIterationAndBuffer:
      case FilterDataStatus::kStopIterationAndWatermark:
        p.held_at = static_cast<int>(i);
        p.held_all = false;
        holdData(decode, *chunk, end_stream,
                 status == FilterDataStatus::kStopIterationAndWatermark);
        return;
      case FilterDataStatus::kStopIterationNoBuffer:
        p.held_at = static_cast<int>(i);
        p.held_all = false;
        if (end_stream) p.buffered_end = true;
        return;
    }
  }
  if (!p.headers_done) {
    // Headers are still held further down (StopAll at a later filter was
    // already handled above; this is a filter that stopped headers with
    // StopIteration and is being fed data): nothing passes the end yet.
    holdData(decode, *chunk, end_stream, p.watermark);
    return;
  }
  if (end_stream) p.end_passed = true;
  sinkData(decode, *chunk, end_stream);
}

void FilterManager::runTrailers(bool decode, size_t from) {
  Phase& p = phase(decode);
  http::HeaderMap* trailers = decode ? request_trailers_.get() : response_trailers_.get();
  const size_t n = filterCount(decode);
  for (size_t i = from; i < n; ++i) {
    if (p.held_at == static_cast<int>(i) && p.held_all) {
      p.trailers_held = true;
      return;
    }
    p.iterating_trailers_at = static_cast<int>(i);
    const FilterTrailersStatus status = decode ? decoders_[i]->filter->decodeTrailers(*trailers)
                                               : encoders_[i]->filter->encodeTrailers(*trailers);
    p.iterating_trailers_at = -1;
    if (aborted(decode)) return;
    if (status == FilterTrailersStatus::kContinue) {
      if (p.held_at == static_cast<int>(i)) {
        p.pending_added = false;
        p.trailers_held = true;
        resume(decode, i);
        return;
      }
      if (p.pending_added) {
        // A final chunk added while handling trailers goes before them.
        p.pending_added = false;
        Buffer added = std::move(p.buffer);
        runData(decode, i + 1, added, false);
        if (aborted(decode)) return;
        if (p.held_at >= 0) {
          p.trailers_held = true;
          return;
        }
      }
      continue;
    }
    p.held_at = static_cast<int>(i);
    p.held_all = false;
    p.trailers_held = true;
    return;
  }
  if (!p.headers_done) {
    p.trailers_held = true;
    return;
  }
  p.end_passed = true;
  sinkTrailers(decode, *trailers);
}

// Iteration continues after filter `held_index`: headers it held, then its
// buffered data, then trailers.
void FilterManager::resume(bool decode, size_t held_index) {
  Phase& p = phase(decode);
  if (aborted(decode)) return;
  const size_t from = held_index + 1;
  p.held_at = -1;
  p.held_all = false;
  releaseWatermark(decode);
  if (p.headers_held) {
    p.headers_held = false;
    runHeaders(decode, from);
    if (aborted(decode)) return;
    // Stopped again with StopAll: the data and trailers now wait there.
    if (p.held_at >= 0 && p.held_all) return;
  }
  if (!p.buffer.empty() || p.buffered_end) {
    Buffer data = std::move(p.buffer);
    const bool end = p.buffered_end;
    p.buffered_end = false;
    runData(decode, from, data, end);
    if (aborted(decode)) return;
    if (p.held_at >= 0) {
      // Held again: trailers reach the holder only if it is not StopAll.
      if (p.trailers_held && !p.held_all && p.held_at >= static_cast<int>(from)) {
        p.trailers_held = false;
        runTrailers(decode, from);
      }
      return;
    }
  }
  if (p.trailers_held) {
    p.trailers_held = false;
    runTrailers(decode, from);
  }
}

void FilterManager::holdData(bool decode, Buffer& data, bool end_stream, bool watermark) {
  Phase& p = phase(decode);
  if (&data != &p.buffer) p.buffer.append(std::move(data));
  if (end_stream) p.buffered_end = true;
  const uint32_t limit = decode ? decoder_limit_ : encoder_limit_;
  if (limit > 0 && p.buffer.size() > limit) onBufferOverLimit(decode, watermark);
}

void FilterManager::onBufferOverLimit(bool decode, bool watermark) {
  Phase& p = phase(decode);
  if (watermark) {
    if (p.above_limit) return;
    p.above_limit = true;
    if (decode) {
      callbacks_.readDisableDownstream(true);
    } else {
      onDownstreamAboveHighWatermark();
    }
    return;
  }
  if (decode) {
    sendLocalReply(413, http::reasonPhrase(413), nullptr, "request_payload_too_large");
  } else if (!response_headers_sent_) {
    sendLocalReply(500, http::reasonPhrase(500), nullptr, "response_payload_too_large");
  } else {
    reset_ = true;
    callbacks_.onStreamReset();
  }
}

void FilterManager::releaseWatermark(bool decode) {
  Phase& p = phase(decode);
  if (!p.above_limit) return;
  p.above_limit = false;
  if (decode) {
    callbacks_.readDisableDownstream(false);
  } else {
    onDownstreamBelowLowWatermark();
  }
}

void FilterManager::addData(bool decode, size_t filter_index, Buffer& data) {
  Phase& p = phase(decode);
  if (p.current_data != nullptr && p.current_data_at == static_cast<int>(filter_index)) {
    // From inside this filter's data callback: extend the chunk in flight.
    p.current_data->append(std::move(data));
    return;
  }
  p.buffer.append(std::move(data));
  if (p.iterating_headers_at == static_cast<int>(filter_index)) {
    // The next filters see the headers first (without end_stream), then this.
    p.pending_added = true;
    p.added_from = filter_index + 1;
    if (p.headers_end && !p.trailers_present) p.buffered_end = true;
  } else if (p.iterating_trailers_at == static_cast<int>(filter_index)) {
    p.pending_added = true;
    p.added_from = filter_index + 1;
  }
  // Otherwise (from an async callback while holding) it is released with
  // the held data on continue*().
}

void FilterManager::injectData(bool decode, size_t filter_index, Buffer& data, bool end_stream) {
  if (aborted(decode)) return;
  Phase& p = phase(decode);
  const int saved = p.held_at;
  const bool saved_all = p.held_all;
  // Injected data passes the filters after the injecting one even while it
  // holds; its own hold stays in place.
  p.held_at = -1;
  runData(decode, filter_index + 1, data, end_stream);
  if (p.held_at < 0 && !aborted(decode)) {
    p.held_at = saved;
    p.held_all = saved_all;
  }
}

http::HeaderMap& FilterManager::addTrailers(bool decode) {
  auto& slot = decode ? request_trailers_ : response_trailers_;
  if (!slot) slot = std::make_unique<http::HeaderMap>();
  Phase& p = phase(decode);
  p.trailers_present = true;
  p.trailers_held = true;
  if (!decode) stream_info_.response_trailers = slot.get();
  return *slot;
}

void FilterManager::sinkHeaders(bool decode, http::HeaderMap& headers, bool end_stream) {
  if (decode) return;  // nothing after the terminal filter on the request side
  response_headers_sent_ = true;
  if (end_stream) response_complete_ = true;
  callbacks_.encodeHeadersToCodec(headers, end_stream);
}

void FilterManager::sinkData(bool decode, Buffer& data, bool end_stream) {
  if (decode) {
    data.clear();
    return;
  }
  stream_info_.bytes_sent += data.size();
  if (end_stream) response_complete_ = true;
  callbacks_.encodeDataToCodec(data, end_stream);
}

void FilterManager::sinkTrailers(bool decode, http::HeaderMap& trailers) {
  if (decode) return;
  response_complete_ = true;
  callbacks_.encodeTrailersToCodec(trailers);
}

// --- local replies -------------------------------------------------------------

void FilterManager::sendLocalReply(uint32_t code, std::string_view body,
                                   const std::function<void(http::HeaderMap&)>& modify_headers,
                                   std::string_view details) {
  if (destroyed_ || reset_) return;
  if (response_headers_sent_) {
    // Too late to change the response: all HTTP/1 can do is cut it short.
    reset_ = true;
    stream_info_.response_code_details = std::string(details);
    callbacks_.onStreamReset();
    return;
  }
  local_reply_ = true;
  stream_info_.response_code_details = std::string(details);
  auto headers = std::make_unique<http::HeaderMap>();
  headers->setStatus(static_cast<int>(code));
  if (modify_headers) modify_headers(*headers);
  if (!body.empty()) {
    if (!headers->has(http::KnownHeader::kContentType)) {
      headers->set(http::KnownHeader::kContentType, "text/plain");
    }
    headers->setContentLength(body.size());
  }
  const bool end_stream = body.empty();
  if (!response_started_) {
    // Not started: the reply goes through the encoder filters like any response.
    response_started_ = true;
    response_headers_ = std::move(headers);
    stream_info_.response_headers = response_headers_.get();
    phase(false).headers_end = end_stream;
    runHeaders(false, 0);
    if (!end_stream && !aborted(false)) {
      Buffer data{body};
      runData(false, 0, data, true);
    }
    return;
  }
  // The encoder chain is mid-response (an encoder filter replies): abandon it
  // and write the reply straight to the codec.
  local_reply_bypass_ = true;
  response_headers_ = std::move(headers);
  stream_info_.response_headers = response_headers_.get();
  response_headers_sent_ = true;
  if (end_stream) response_complete_ = true;
  callbacks_.encodeHeadersToCodec(*response_headers_, end_stream);
  if (!end_stream && !destroyed_ && !reset_) {
    Buffer data{body};
    stream_info_.bytes_sent += data.size();
    response_complete_ = true;
    callbacks_.encodeDataToCodec(data, true);
  }
}

// --- downstream flow control ----------------------------------------------------

void FilterManager::onDownstreamAboveHighWatermark() {
  ++downstream_above_;
  // A copy: a callback may unsubscribe while the list is walked.
  const std::vector<DownstreamWatermarkCallbacks*> callbacks(watermark_callbacks_.begin(), watermark_callbacks_.end());
  for (auto* cb : callbacks) cb->onAboveWriteBufferHighWatermark();
}

void FilterManager::onDownstreamBelowLowWatermark() {
  if (downstream_above_ == 0) return;
  --downstream_above_;
  const std::vector<DownstreamWatermarkCallbacks*> callbacks(watermark_callbacks_.begin(), watermark_callbacks_.end());
  for (auto* cb : callbacks) cb->onBelowWriteBufferLowWatermark();
}

}  // namespace weir::proxy

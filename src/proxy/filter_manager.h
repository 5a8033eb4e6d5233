// The FilterManager runs one stream's HTTP filter chain: request frames
// (headers, data, trailers) through the decoder filters in config order,
// response frames through the encoder filters in reverse order, with every
// iteration status of filter.h, buffering with limits, watermarks, local
// replies and resumption. It knows nothing about sockets or HTTP/1: the
// connection manager feeds it decoded request frames and receives encoded
// response frames through FilterManagerCallbacks, which is what makes it
// testable with fake filters alone.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/buffer.h"
#include "base/small_vector.h"
#include "http/header_map.h"
#include "proxy/filter.h"
#include "proxy/filter_factory.h"
#include "proxy/route_table.h"
#include "proxy/stream_info.h"

namespace weir::proxy {

class FilterManager;

// What the filter manager needs from its owner (the connection manager's
// stream, or a test).
class FilterManagerCallbacks {
 public:
  virtual ~FilterManagerCallbacks() = default;
  // Response frames that made it through every encoder filter.
  virtual void encodeHeadersToCodec(http::HeaderMap& headers, bool end_stream) = 0;
  virtual void encode1xxHeadersToCodec(http::HeaderMap& headers) = 0;
  virtual void encodeDataToCodec(Buffer& data, bool end_stream) = 0;
  virtual void encodeTrailersToCodec(http::HeaderMap& trailers) = 0;
  // A filter reset the stream (or a response could not be completed): the
  // owner tears the stream down (HTTP/1: closes the connection).
  virtual void onStreamReset() = 0;
  // Stop / resume reading request bytes from the client (nested calls).
  virtual void readDisableDownstream(bool disable) = 0;
  // Route for the current request headers, or nullopt.
  virtual std::optional<MatchedRoute> evaluateRoute(const http::HeaderMap& request_headers) = 0;
  virtual const RouteSpecificFilterConfig* perFilterConfig(const MatchedRoute& route,
                                                           std::string_view filter_name) = 0;
  // Called just before the terminal filter gets the request headers. The
  // owner may answer here (no route → 404, direct_response, redirect) by
  // calling FilterManager::sendLocalReply; it returns true if it did.
  virtual bool onBeforeTerminalFilter(FilterManager& manager) = 0;
  virtual event::Dispatcher& dispatcher() = 0;
  virtual const net::Connection* connection() const = 0;
  virtual upstream::ThreadLocalClusterManager* clusterManager() = 0;
};

// One entry of a filter chain, as the connection manager config builds it.
struct FilterChainEntry {
  std::string name;  // the http_filters[].name (typed_per_filter_config key)
  FilterFactoryCb factory;
  bool terminal = false;
};

class FilterManager {
 public:
  FilterManager(FilterManagerCallbacks& callbacks, StreamInfo& stream_info, uint64_t stream_id,
                uint32_t buffer_limit);
  ~FilterManager();
  FilterManager(const FilterManager&) = delete;
  FilterManager& operator=(const FilterManager&) = delete;

  // Instantiates the per-stream filters (decode order = chain order). The
  // filters keep views of the entries' names, so `chain` must outlive this
  // manager (the connection manager's stream holds the config snapshot that
  // owns it); copying each name per request showed up in the profile.
  void createFilterChain(const std::vector<FilterChainEntry>& chain);
  // Inline room for the usual chain (a few filters and the router), so
  // building it costs no vector allocations per request.
  static constexpr size_t kInlineFilters = 4;

  // --- request frames from the codec ---
  void decodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream);
  void decodeData(Buffer& data, bool end_stream);
  void decodeTrailers(std::unique_ptr<http::HeaderMap> trailers);

  // --- response frames from the terminal filter (or a local reply) ---
  void encodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream);
  void encode1xxHeaders(std::unique_ptr<http::HeaderMap> headers);
  void encodeData(Buffer& data, bool end_stream);
  void encodeTrailers(std::unique_ptr<http::HeaderMap> trailers);

  // Answers locally; see StreamDecoderFilterCallbacks::sendLocalReply.
  void sendLocalReply(uint32_t code, std::string_view body,
                      const std::function<void(http::HeaderMap&)>& modify_headers,
                      std::string_view details);

  // The client's write buffer crossed its watermarks (connection manager).
  void onDownstreamAboveHighWatermark();
  void onDownstreamBelowLowWatermark();

  // The stream ends (complete, reset or client gone): onDestroy() on every
  // filter, once. Idempotent.
  void destroyFilters();

  http::HeaderMap* requestHeaders() { return request_headers_.get(); }
  http::HeaderMap* responseHeaders() { return response_headers_.get(); }
  http::HeaderMap* responseTrailers() { return response_trailers_.get(); }
  const MatchedRoute* route();
  void clearRouteCache() { route_cached_ = false; }
  StreamInfo& streamInfo() { return stream_info_; }
  uint64_t streamId() const { return stream_id_; }
  FilterManagerCallbacks& callbacks() { return callbacks_; }

  // True once the response headers went to the codec.
  bool responseHeadersSent() const { return response_headers_sent_; }
  bool localReplySent() const { return local_reply_; }
  // True once end_stream of the response reached the codec.
  bool responseComplete() const { return response_complete_; }
  size_t decoderFilterCount() const { return decoders_.size(); }
  size_t encoderFilterCount() const { return encoders_.size(); }

  // Implementation types (filter.cc-private), public for the .cc only.
  struct ActiveFilter;
  struct ActiveDecoderFilter;
  struct ActiveEncoderFilter;
  // Iteration state of one direction, held inline (no allocation per stream).
  // "Held at k" means filter k stopped and the filters after it have not seen
  // what k holds back: the headers (when headers_held), the bytes in `buffer`,
  // and the trailers (trailers_held).
  struct Phase {
    int held_at = -1;
    bool held_all = false;        // StopAll*: k is not called for data/trailers
    bool watermark = false;       // *Watermark: over the limit → pause the source
    bool headers_held = false;
    bool headers_end = false;     // the source's headers carried end_stream
    bool headers_done = false;    // headers went past the last filter
    Buffer buffer;
    bool buffered_end = false;    // `buffer` ends the stream (no trailers follow)
    bool trailers_present = false;
    bool trailers_held = false;
    bool above_limit = false;     // watermark raised on the source
    int iterating_headers_at = -1;  // filter whose *Headers is running
    Buffer* current_data = nullptr;  // chunk being iterated (addData from decodeData)
    int current_data_at = -1;
    int iterating_trailers_at = -1;
    bool pending_added = false;   // `buffer` got data from a headers/trailers callback
    size_t added_from = 0;        // ... which flows on from this filter
    bool end_passed = false;      // end of stream went past the last filter
  };

 private:
  friend struct ActiveFilter;
  friend struct ActiveDecoderFilter;
  friend struct ActiveEncoderFilter;

  size_t filterCount(bool decode) const;
  Phase& phase(bool decode);
  bool aborted(bool decode) const;

  void runHeaders(bool decode, size_t from);
  void runData(bool decode, size_t from, Buffer& data, bool end_stream);
  void runTrailers(bool decode, size_t from);
  void resume(bool decode, size_t held_index);
  void holdData(bool decode, Buffer& data, bool end_stream, bool watermark);
  void onBufferOverLimit(bool decode, bool watermark);
  void releaseWatermark(bool decode);
  void addData(bool decode, size_t filter_index, Buffer& data);
  void injectData(bool decode, size_t filter_index, Buffer& data, bool end_stream);
  void sinkHeaders(bool decode, http::HeaderMap& headers, bool end_stream);
  void sinkData(bool decode, Buffer& data, bool end_stream);
  void sinkTrailers(bool decode, http::HeaderMap& trailers);
  http::HeaderMap& addTrailers(bool decode);

  FilterManagerCallbacks& callbacks_;
  StreamInfo& stream_info_;
  uint64_t stream_id_;
  uint32_t decoder_limit_;
  uint32_t encoder_limit_;

  SmallVector<std::unique_ptr<ActiveDecoderFilter>, kInlineFilters> decoders_;
  SmallVector<std::unique_ptr<ActiveEncoderFilter>, kInlineFilters> encoders_;  // encode order
  SmallVector<std::shared_ptr<StreamFilterBase>, kInlineFilters> all_filters_;  // for onDestroy, deduplicated
  Phase decode_phase_;
  Phase encode_phase_;
  SmallVector<DownstreamWatermarkCallbacks*, 2> watermark_callbacks_;
  uint32_t downstream_above_ = 0;

  std::unique_ptr<http::HeaderMap> request_headers_;
  std::unique_ptr<http::HeaderMap> request_trailers_;
  std::unique_ptr<http::HeaderMap> response_headers_;
  std::unique_ptr<http::HeaderMap> response_trailers_;
  std::optional<MatchedRoute> route_;
  bool route_cached_ = false;

  bool response_started_ = false;       // headers entered the encoder chain
  bool response_headers_sent_ = false;  // headers reached the codec
  bool response_complete_ = false;
  bool local_reply_ = false;
  bool local_reply_bypass_ = false;     // encode chain abandoned for a local reply
  bool destroyed_ = false;
  bool reset_ = false;
};

}  // namespace weir::proxy

// The HTTP filter contract. Every HTTP filter — built in (router, ...) or a
// Proxy-Wasm filter — is a per-stream object implementing these interfaces; the
// FilterManager (owned by each stream of the HTTP connection manager) drives it.
// The shape is Envoy's, so Envoy filter authors and the Proxy-Wasm ABI map onto
// it one to one. docs/filters.md draws the phases.
//
// Phases and order
//   decode (request):  decodeHeaders → decodeData* → decodeTrailers?   filters in config order
//   encode (response): encodeHeaders → encodeData* → encodeTrailers?   filters in REVERSE order
// The last decoder filter is the terminal filter (the router): it starts the
// response path with StreamDecoderFilterCallbacks::encodeHeaders/encodeData/
// encodeTrailers, which enter the encoder filters.
//
// end_stream = true on the last call of a direction (headers-only requests
// have end_stream on decodeHeaders; a body ends with decodeData(..., true)
// unless trailers follow). A filter sees each phase at most once per direction,
// except data which may arrive in many chunks.
//
// Iteration
//   A filter returns a status. Continue passes the (possibly modified) headers,
//   data or trailers to the next filter. The Stop* statuses pause iteration at
//   this filter; the filter later calls continueDecoding()/continueEncoding() —
//   from an async callback, a timer, a completed HTTP call — and iteration
//   resumes at the NEXT filter with what was held back. A filter that stops
//   must eventually continue, send a local reply, or reset the stream; the
//   stream timeouts (request_timeout, stream_idle_timeout, ...) bound the wait.
//   Continuing from inside the same callback that stopped is not allowed: just
//   return Continue instead.
//
// Buffering and limits
//   Data held back (StopIterationAndBuffer, StopAllIterationAndBuffer) is kept
//   by the filter manager, per direction, and is visible as decodingBuffer()/
//   encodingBuffer(). If it would exceed the buffer limit (listener
//   per_connection_buffer_limit_bytes, default 1 MiB): a request gets a local
//   413, a response a local 500 (or a reset if the response head was sent).
//   The *Watermark statuses hold data back too, but instead of failing on the
//   limit they stop reading from the source (downstream socket / upstream
//   connection) while above it — for streaming filters.
//
// Local replies
//   sendLocalReply() may be called from any decode phase and from encode
//   phases until the response headers have been passed to the codec. It stops
//   the decode phase, and the reply goes through the encoder filters that have
//   not yet seen headers (as in Envoy). After calling it the filter must return
//   a Stop* status (StopIteration/StopIterationNoBuffer) from the current call.
//
// Threading and lifetime
//   Everything runs on the worker's dispatcher; no locks. A filter object lives
//   for one stream. onDestroy() is called once, before destruction, when the
//   stream ends for any reason (complete, local reply, reset, client gone):
//   cancel timers and async work there. Callbacks objects are valid from
//   setDecoderFilterCallbacks/setEncoderFilterCallbacks until onDestroy().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "event/dispatcher.h"
#include "proxy/filter_state.h"
#include "proxy/stream_info.h"

namespace weir {
class Buffer;
}
namespace weir::http {
class HeaderMap;
}
namespace weir::net {
class Connection;
}
namespace weir::upstream {
class ThreadLocalClusterManager;
}

namespace weir::proxy {

struct MatchedRoute;  // proxy/route_table.h: the virtual host + route matched

enum class FilterHeadersStatus {
  // Pass headers to the next filter.
  kContinue,
  // Do not pass headers on yet. Data and trailers that arrive meanwhile ARE
  // passed to this filter's decodeData/decodeTrailers (it decides what to do
  // with them); the following filters see nothing until continue*().
  kStopIteration,
  // Stop, and buffer all following data and trailers in the filter manager
  // WITHOUT calling this filter for them; on continue*() the headers, then the
  // buffered body, then trailers are delivered to this filter's successors.
  // Over the buffer limit → 413 (request) / 500 (response).
  kStopAllIterationAndBuffer,
  // As kStopAllIterationAndBuffer, but over the limit the source is
  // read-disabled instead of failing.
  kStopAllIterationAndWatermark,
};

enum class FilterDataStatus {
  // Pass this chunk on (after any data buffered earlier in this direction).
  kContinue,
  // Keep this chunk appended to the direction's buffer, do not pass it on yet.
  // Typical for "need the whole body": return this until end_stream, then
  // inspect decodingBuffer() and return kContinue. Limit → 413/500.
  kStopIterationAndBuffer,
  // As above, but over the limit the source is read-disabled.
  kStopIterationAndWatermark,
  // Drop nothing, buffer nothing: the filter took the bytes (it drained the
  // Buffer or will re-inject later with addDecodedData/injectDecodedData).
  kStopIterationNoBuffer,
};

enum class FilterTrailersStatus {
  kContinue,
  kStopIteration,
};

// Called by the connection manager on filters that asked for it (the router)
// when the downstream connection's write buffer crosses its watermarks: the
// router then stops / resumes reading the upstream response.
class DownstreamWatermarkCallbacks {
 public:
  virtual ~DownstreamWatermarkCallbacks() = default;
  virtual void onAboveWriteBufferHighWatermark() = 0;
  virtual void onBelowWriteBufferLowWatermark() = 0;
};

// Per-route, per-filter config built once from typed_per_filter_config by the
// filter's factory (see filter_factory.h). Immutable; shared across workers.
class RouteSpecificFilterConfig {
 public:
  virtual ~RouteSpecificFilterConfig() = default;
};

// What every filter can reach about its stream.
class StreamFilterCallbacks {
 public:
  virtual ~StreamFilterCallbacks() = default;

  virtual event::Dispatcher& dispatcher() = 0;
  // Unique within the process.
  virtual uint64_t streamId() const = 0;
  // The downstream connection (addresses, ...). May be null for streams not
  // tied to a socket (tests).
  virtual const net::Connection* connection() const = 0;

  // Ends the stream abruptly: no (further) response; the downstream
  // connection is closed (HTTP/1 has no per-stream reset). Filters must not
  // touch the stream after this returns.
  virtual void resetStream() = 0;

  // The route matched for the current request headers, or null (no match).
  // Computed once and cached; a filter that changed :path/:authority/headers
  // calls clearRouteCache() so the next route() re-evaluates.
  virtual const MatchedRoute* route() = 0;
  virtual void clearRouteCache() = 0;
  // The matched route's typed_per_filter_config for THIS filter's config name
  // (virtual host level if the route has none), built at config load by the
  // filter's factory (createRouteSpecificFilterConfig), or null.
  virtual const RouteSpecificFilterConfig* perFilterConfig() = 0;

  virtual StreamInfo& streamInfo() = 0;
  FilterState& filterState() { return streamInfo().filter_state; }

  // The worker's cluster manager (clusters, pools). Null only in unit tests
  // that build a filter manager without one.
  virtual upstream::ThreadLocalClusterManager* clusterManager() = 0;

  // Null before request headers arrived (never, for a filter being called).
  virtual http::HeaderMap* requestHeaders() = 0;
  // Null until response headers exist (set by encodeHeaders).
  virtual http::HeaderMap* responseHeaders() = 0;
};

class StreamDecoderFilterCallbacks : public virtual StreamFilterCallbacks {
 public:
  // Resumes decoding after a Stop* status, at the next filter.
  virtual void continueDecoding() = 0;

  // The request data buffered so far by the filter manager for this filter's
  // position (null when nothing is buffered).
  virtual const Buffer* decodingBuffer() = 0;
  // Edit the buffered request data in place (e.g. replace the whole body).
  virtual void modifyDecodingBuffer(const std::function<void(Buffer&)>& fn) = 0;
  // Appends to the buffered request data. Called from decodeData with
  // end_stream (or from decodeTrailers) to add a final chunk; from
  // decodeHeaders with end_stream to turn a header-only request into one with
  // a body. `data` is drained.
  virtual void addDecodedData(Buffer& data, bool streaming_filter) = 0;
  // Passes `data` to the following filters right now (after a StopIteration*
  // from this filter), e.g. a filter re-injecting transformed body chunks.
  virtual void injectDecodedDataToFilterChain(Buffer& data, bool end_stream) = 0;
  // Only from decodeData with end_stream = true: adds request trailers.
  virtual http::HeaderMap& addDecodedTrailers() = 0;

  // Answers the request locally. `body` is sent with content-type text/plain
  // (unless modify_headers sets another); `details` goes to the stream info
  // (response_code_details) for logs. Valid from any decode phase, and from
  // encode phases until response headers went to the codec.
  virtual void sendLocalReply(uint32_t code, std::string_view body,
                              const std::function<void(http::HeaderMap&)>& modify_headers,
                              std::string_view details) = 0;

  // --- for the terminal filter (router): start the response path. ---
  // Response headers (with :status) enter the encoder filters (reverse order).
  virtual void encodeHeaders(std::unique_ptr<http::HeaderMap> headers, bool end_stream,
                             std::string_view details) = 0;
  // 100-continue and other informational heads go straight to the client.
  virtual void encode1xxHeaders(std::unique_ptr<http::HeaderMap> headers) = 0;
  virtual void encodeData(Buffer& data, bool end_stream) = 0;
  virtual void encodeTrailers(std::unique_ptr<http::HeaderMap> trailers) = 0;

  // --- upstream flow control (router) ---
  // The router's upstream write buffer is above/below its watermarks: the
  // connection manager stops / resumes reading the downstream socket.
  virtual void onDecoderFilterAboveWriteBufferHighWatermark() = 0;
  virtual void onDecoderFilterBelowWriteBufferLowWatermark() = 0;
  // Register for downstream (client) write-buffer watermark events, so the
  // router can stop reading the upstream response while the client is slow.
  // If the downstream is already above the high watermark when registering,
  // onAboveWriteBufferHighWatermark() is called immediately.
  virtual void addDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks) = 0;
  virtual void removeDownstreamWatermarkCallbacks(DownstreamWatermarkCallbacks& callbacks) = 0;

  // The buffer limit for request data held by the filter manager.
  virtual uint32_t decoderBufferLimit() = 0;
  virtual void setDecoderBufferLimit(uint32_t limit) = 0;
};

class StreamEncoderFilterCallbacks : public virtual StreamFilterCallbacks {
 public:
  virtual void continueEncoding() = 0;
  virtual const Buffer* encodingBuffer() = 0;
  virtual void modifyEncodingBuffer(const std::function<void(Buffer&)>& fn) = 0;
  virtual void addEncodedData(Buffer& data, bool streaming_filter) = 0;
  virtual void injectEncodedDataToFilterChain(Buffer& data, bool end_stream) = 0;
  virtual http::HeaderMap& addEncodedTrailers() = 0;
  // See StreamDecoderFilterCallbacks::sendLocalReply; from encode phases it
  // replaces the response only while its headers have not gone out yet.
  virtual void sendLocalReply(uint32_t code, std::string_view body,
                              const std::function<void(http::HeaderMap&)>& modify_headers,
                              std::string_view details) = 0;
  // An encoder filter holding data (kStopIterationAndWatermark) over the
  // limit: the source (upstream) should pause / resume.
  virtual void onEncoderFilterAboveWriteBufferHighWatermark() = 0;
  virtual void onEncoderFilterBelowWriteBufferLowWatermark() = 0;
  virtual uint32_t encoderBufferLimit() = 0;
  virtual void setEncoderBufferLimit(uint32_t limit) = 0;
};

class StreamFilterBase {
 public:
  virtual ~StreamFilterBase() = default;
  // The stream is ending (any reason). Called once, before destruction.
  virtual void onDestroy() {}
};

class StreamDecoderFilter : public virtual StreamFilterBase {
 public:
  virtual FilterHeadersStatus decodeHeaders(http::HeaderMap& headers, bool end_stream) = 0;
  virtual FilterDataStatus decodeData(Buffer& data, bool end_stream) = 0;
  virtual FilterTrailersStatus decodeTrailers(http::HeaderMap& trailers) = 0;
  // Called once before any decode*; the callbacks outlive the filter's use.
  virtual void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks& callbacks) = 0;
  // Request fully decoded by every filter (after the last decode* returned).
  virtual void decodeComplete() {}
};

class StreamEncoderFilter : public virtual StreamFilterBase {
 public:
  // 1xx heads pass here first (may be dropped by returning kStopIteration).
  virtual FilterHeadersStatus encode1xxHeaders(http::HeaderMap& /*headers*/) {
    return FilterHeadersStatus::kContinue;
  }
  virtual FilterHeadersStatus encodeHeaders(http::HeaderMap& headers, bool end_stream) = 0;
  virtual FilterDataStatus encodeData(Buffer& data, bool end_stream) = 0;
  virtual FilterTrailersStatus encodeTrailers(http::HeaderMap& trailers) = 0;
  virtual void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks& callbacks) = 0;
  virtual void encodeComplete() {}
};

// A filter in both directions (one object, one onDestroy).
class StreamFilter : public virtual StreamDecoderFilter, public virtual StreamEncoderFilter {};

// Convenience bases: pass-through defaults so a filter overrides what it needs.
class PassThroughDecoderFilter : public virtual StreamDecoderFilter {
 public:
  FilterHeadersStatus decodeHeaders(http::HeaderMap&, bool) override {
    return FilterHeadersStatus::kContinue;
  }
  FilterDataStatus decodeData(Buffer&, bool) override { return FilterDataStatus::kContinue; }
  FilterTrailersStatus decodeTrailers(http::HeaderMap&) override {
    return FilterTrailersStatus::kContinue;
  }
  void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks& callbacks) override {
    decoder_callbacks_ = &callbacks;
  }

 protected:
  StreamDecoderFilterCallbacks* decoder_callbacks_ = nullptr;
};

class PassThroughEncoderFilter : public virtual StreamEncoderFilter {
 public:
  FilterHeadersStatus encodeHeaders(http::HeaderMap&, bool) override {
    return FilterHeadersStatus::kContinue;
  }
  FilterDataStatus encodeData(Buffer&, bool) override { return FilterDataStatus::kContinue; }
  FilterTrailersStatus encodeTrailers(http::HeaderMap&) override {
    return FilterTrailersStatus::kContinue;
  }
  void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks& callbacks) override {
    encoder_callbacks_ = &callbacks;
  }

 protected:
  StreamEncoderFilterCallbacks* encoder_callbacks_ = nullptr;
};

class PassThroughFilter : public StreamFilter,
                          public PassThroughDecoderFilter,
                          public PassThroughEncoderFilter {};

// How a factory adds its per-stream filter(s) to a stream's chain.
class FilterChainFactoryCallbacks {
 public:
  virtual ~FilterChainFactoryCallbacks() = default;
  virtual void addStreamDecoderFilter(std::shared_ptr<StreamDecoderFilter> filter) = 0;
  virtual void addStreamEncoderFilter(std::shared_ptr<StreamEncoderFilter> filter) = 0;
  // Added in both directions.
  virtual void addStreamFilter(std::shared_ptr<StreamFilter> filter) = 0;
};

}  // namespace weir::proxy

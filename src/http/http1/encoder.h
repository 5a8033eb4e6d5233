// weir::http::http1 encoding — serializes message heads, bodies and trailers
// into a weir::Buffer.
//
// Two layers:
//   - free functions that write exactly what they are given (for tests and
//     for local replies that know their framing);
//   - StreamEncoder, which picks the framing of one message the way a proxy
//     must (Content-Length when known, chunked when not and the peer speaks
//     HTTP/1.1, close-delimited for an HTTP/1.0 peer), and skips bodies that
//     must not be sent (HEAD responses, 1xx/204/304).
//
// Header names are written lowercase as stored; pseudo-headers are never
// written as fields (":authority" becomes the Host field of a request).
// Nothing here validates names or values: the parser validated what came from
// the wire, and filters that take headers from configuration validate them
// with header_utility.h.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/buffer.h"
#include "http/header_map.h"
#include "http/http1/parser.h"

namespace weir::http::http1 {

// "METHOD target HTTP/1.x\r\n" + "host: <:authority>\r\n" + fields + "\r\n".
// target is :path (or :authority for CONNECT).
void encodeRequestHead(const HeaderMap& headers, Buffer& out, Version version = Version::kHttp11);
// "HTTP/1.x CODE Reason\r\n" + fields + "\r\n". Reason from status_codes.h.
void encodeResponseHead(const HeaderMap& headers, Buffer& out, Version version = Version::kHttp11);
// "HTTP/1.1 100 Continue\r\n\r\n"
void encodeContinue(Buffer& out);
// One chunk: "<hex size>\r\n<data>\r\n". Empty data writes nothing (an empty
// chunk would end the body).
void encodeChunk(std::string_view data, Buffer& out);
// "0\r\n" + trailer fields + "\r\n". trailers may be null.
void encodeLastChunk(const HeaderMap* trailers, Buffer& out);

// Encodes one request (upstream) or one response (downstream).
class StreamEncoder {
 public:
  enum class Type : uint8_t { kRequest, kResponse };
  explicit StreamEncoder(Type type) : type_(type) {}

  // Responses: what the request looked like (HEAD → no body; HTTP/1.0 peer →
  // no chunked, and close-delimited when the length is unknown).
  void setRequestInfo(std::string_view method, Version peer_version);

  // Adds content-length: 0 (end_stream, except for bodyless methods/statuses)
  // or transfer-encoding: chunked (length unknown) to `headers` when they
  // carry neither, then writes the head. An existing content-length is kept
  // and trusted; an existing transfer-encoding must end in chunked.
  void encodeHeaders(HeaderMap& headers, bool end_stream, Buffer& out);
  void encodeData(std::string_view data, bool end_stream, Buffer& out);
  // Chunked messages only (trailers are dropped otherwise, as RFC 9110
  // permits); ends the message.
  void encodeTrailers(const HeaderMap& trailers, Buffer& out);

  bool chunked() const { return chunked_; }
  // The connection must close after this message (close-delimited body).
  bool closeDelimited() const { return close_delimited_; }
  bool complete() const { return complete_; }

 private:
  Type type_;
  Version peer_version_ = Version::kHttp11;
  bool head_request_ = false;
  bool no_body_ = false;
  bool chunked_ = false;
  bool close_delimited_ = false;
  bool complete_ = false;
};

}  // namespace weir::http::http1

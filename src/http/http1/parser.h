// weir::http::http1::Parser — strict, incremental HTTP/1.1 message parser
// (RFC 9110 / RFC 9112) for requests and responses.
//
// Usage (downstream):
//   Parser parser(Parser::Type::kRequest, limits, callbacks);
//   ExecuteResult r = parser.execute(buf.data(), buf.size());
//   if (!r.ok()) { send r.error->http_status, close; }
//   buf.drain(r.consumed);
//
// - execute() consumes what it can; it may be fed one byte at a time and the
//   callbacks are the same as when fed the whole input at once (except that
//   body bytes may arrive in more, smaller onBody() pieces). Bytes of an
//   incomplete line are copied into the parser and reported consumed, so the
//   caller never has to keep them.
// - onBody() views point into the caller's bytes (zero copy); they are valid
//   only during the callback.
// - Backpressure and pipelining: a callback may call pause(); execute() then
//   returns right after that callback, with `consumed` covering exactly the
//   bytes that produced it, and consumes nothing more until resume(). To parse
//   pipelined requests one at a time, pause() in onMessageComplete() and
//   resume() when the response has been sent.
// - After a message whose keep_alive is false, the parser stops: execute()
//   consumes nothing more (the caller closes the connection after replying).
// - After the first error the parser stays failed: execute() returns the same
//   error again.
// - Responses: call setRequestMethod() with the method of the request each
//   response answers (HEAD and CONNECT change the framing). 1xx (other than
//   101) responses are reported as complete messages of their own
//   (MessageInfo::status < 200); the real response follows.
// - CONNECT requests, 2xx answers to CONNECT and 101 responses switch the
//   connection to a tunnel: every later byte is delivered through onBody()
//   and the message ends only with finish().
// - finish() tells the parser the peer closed its side: it completes a
//   read-until-close response body, and is an error mid-message.
// - Callbacks must not destroy the parser or call execute() re-entrantly;
//   defer both (pause() and return, or use deferred deletion).
//
// What is accepted and rejected, and why: docs/http1-codec.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/header_map.h"

namespace weir::http::http1 {

enum class Version : uint8_t { kHttp10, kHttp11 };

// How the body of a message is delimited (RFC 9112 §6.3).
enum class BodyFraming : uint8_t {
  kNone,           // no body (no framing headers on a request; HEAD/1xx/204/304 responses)
  kContentLength,  // MessageInfo::content_length bytes (may be 0)
  kChunked,        // chunked transfer coding, optional trailers
  kUntilClose,     // response body runs until the connection closes
  kTunnel,         // CONNECT / 101: raw bytes in both directions from here on
};

// Each violation has its own code; `ParseError::http_status` is what a server
// answers before closing (400 unless noted).
enum class ParseErrorCode : uint8_t {
  // limits
  kHeaderBytesExceeded,      // 431: start line + header section over max_header_bytes
  kHeaderCountExceeded,      // 431: more than max_header_count fields
  kUriTooLong,               // 414: request-target over max_uri_length
  kBodyTooLarge,             // 413: body over max_body_bytes
  kChunkLineTooLong,         // 400: chunk-size line (with extensions) over max_chunk_line_bytes
  kTrailerBytesExceeded,     // 431: trailer section over max_trailer_bytes or max_header_count fields
  // start line
  kInvalidMethod,            // method is not a token
  kInvalidRequestTarget,     // bad characters or wrong form for the method
  kInvalidVersion,           // not "HTTP/" DIGIT "." DIGIT
  kUnsupportedVersion,       // 505: well-formed but not HTTP/1.0 or HTTP/1.1
  kInvalidRequestLine,       // wrong number of spaces / parts
  kInvalidStatusLine,        // bad status code or reason phrase
  // line structure and characters
  kBareCr,                   // CR not followed by LF
  kBareLf,                   // LF not preceded by CR
  kNulCharacter,             // NUL byte anywhere in the head
  kObsFold,                  // header line starting with SP/HTAB (obsolete line folding)
  kWhitespaceBeforeColon,    // "Name : value"
  kInvalidHeaderName,        // empty or non-token field name (or no colon)
  kInvalidHeaderValue,       // CTL (other than HTAB) or DEL in a field value
  // framing
  kInvalidContentLength,     // not 1*DIGIT, or overflows 64 bits
  kMultipleContentLength,    // more than one Content-Length value, even identical ones
  kContentLengthAndTransferEncoding,  // both present
  kTransferEncodingHttp10,   // Transfer-Encoding in an HTTP/1.0 message
  kInvalidTransferEncoding,  // empty list element or parameters on a coding
  kUnknownTransferCoding,    // 501: a coding weir does not implement
  kChunkedNotFinal,          // request whose last coding is not chunked
  kChunkedTwice,             // chunked applied more than once
  kInvalidChunkSize,         // empty, non-hex, over 16 hex digits, or trailing garbage
  kInvalidChunkExtension,    // malformed chunk extension
  kMissingChunkCrlf,         // chunk data not followed by CRLF
  kForbiddenTrailer,         // Content-Length, Transfer-Encoding or Host in trailers
  // request semantics
  kMissingHost,              // HTTP/1.1 request without Host
  kMultipleHost,             // more than one Host
  kInvalidHost,              // Host (or target authority) with invalid characters or empty
  // connection
  kIncompleteMessage,        // finish() in the middle of a message
};

struct ParseError {
  ParseErrorCode code;
  int http_status;          // 400, 413, 414, 431, 501 or 505
  std::string_view reason;  // short, static text (safe to put in a response body)
};

std::string_view parseErrorCodeName(ParseErrorCode code);

struct ExecuteResult {
  size_t consumed = 0;
  std::optional<ParseError> error;
  bool ok() const { return !error.has_value(); }
};

// Defaults follow Envoy where it has one (60 KiB headers, 100 fields).
struct Limits {
  uint32_t max_header_bytes = 60 * 1024;   // start line + fields + CRLFs
  uint32_t max_header_count = 100;         // fields in the header section (and in trailers)
  uint32_t max_uri_length = 8 * 1024;      // request-target
  uint64_t max_body_bytes = UINT64_MAX;    // decoded body bytes; proxies stream, so unlimited
  uint32_t max_chunk_line_bytes = 1024;    // chunk-size + extensions, without CRLF
  uint32_t max_trailer_bytes = 16 * 1024;  // trailer section including CRLFs
};

// What onHeaders() can't say through the map; read it with
// Parser::messageInfo() from onHeaders() until the next message begins.
struct MessageInfo {
  Version version = Version::kHttp11;
  int status = 0;                 // responses
  bool keep_alive = true;         // connection may carry another message after this one
  BodyFraming framing = BodyFraming::kNone;
  uint64_t content_length = 0;    // when framing == kContentLength
  bool expect_continue = false;   // request has "Expect: 100-continue" (HTTP/1.1 only)
  bool upgrade = false;           // request: Connection: upgrade + Upgrade present
  bool connect = false;           // request method is CONNECT
  bool head_request = false;      // request method is HEAD (for the response encoder)
};

class ParserCallbacks {
 public:
  virtual ~ParserCallbacks() = default;
  virtual void onMessageBegin() {}
  // Requests carry :method, :scheme, :authority (from Host, or from an
  // absolute-form target, which wins over Host), and :path (absent for CONNECT).
  // Responses carry :status. Host is never left as a regular header.
  // end_stream: no body follows (onMessageComplete comes right after).
  virtual void onHeaders(HeaderMap&& headers, bool end_stream) = 0;
  virtual void onBody(std::string_view chunk) = 0;
  // Only for chunked messages with a non-empty trailer section.
  virtual void onTrailers(HeaderMap&& /*trailers*/) {}
  virtual void onMessageComplete() = 0;
};

class Parser {
 public:
  enum class Type : uint8_t { kRequest, kResponse };

  Parser(Type type, const Limits& limits, ParserCallbacks& callbacks);
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  ExecuteResult execute(const char* data, size_t len);
  ExecuteResult execute(std::string_view data) { return execute(data.data(), data.size()); }
  // The peer closed its sending side.
  ExecuteResult finish();

  void pause() { paused_ = true; }
  void resume() { paused_ = false; }
  bool paused() const { return paused_; }

  // Responses: the method of the request being answered ("HEAD", "CONNECT", ...).
  // Kept until changed.
  void setRequestMethod(std::string_view method);
  // Requests: :scheme for origin-form targets ("http" by default, "https" on
  // TLS listeners). Absolute-form targets carry their own scheme.
  void setDefaultScheme(std::string_view scheme);

  const MessageInfo& messageInfo() const { return info_; }
  Type type() const { return type_; }
  // Between messages (nothing of the next one seen yet).
  bool idle() const;
  // Stopped after a message with keep_alive == false.
  bool done() const;
  bool failed() const { return error_.has_value(); }
  bool inTunnel() const;
  // After the response to an Upgrade request agreed (101), the request side
  // becomes a tunnel too: later bytes go to onBody() until finish(). Call
  // between messages, or after onMessageComplete() of the upgrade request.
  void enterTunnel();

 private:
  enum class State : uint8_t {
    kStartLine,
    kHeaderLine,
    kBodyLength,
    kChunkSizeLine,
    kChunkData,
    kChunkDataCr,
    kChunkDataLf,
    kTrailerLine,
    kUntilClose,
    kTunnel,
    kCompletePending,  // message ended; onMessageComplete not yet delivered (paused)
    kDone,
  };
  // Framing facts gathered while reading fields.
  struct FieldFacts {
    int content_length_count = 0;
    uint64_t content_length = 0;
    bool transfer_encoding = false;
    bool chunked_final = false;
    int chunked_count = 0;
    int host_count = 0;
    bool connection_close = false;
    bool connection_keep_alive = false;
    bool connection_upgrade = false;
    bool upgrade_header = false;
    bool expect_continue = false;
  };

  ExecuteResult fail(ParseErrorCode code, size_t consumed);
  void beginMessage();
  std::optional<ParseErrorCode> onLine(std::string_view line);
  std::optional<ParseErrorCode> parseRequestLine(std::string_view line);
  std::optional<ParseErrorCode> parseStatusLine(std::string_view line);
  std::optional<ParseErrorCode> parseField(std::string_view line, bool trailer);
  std::optional<ParseErrorCode> parseChunkSize(std::string_view line);
  std::optional<ParseErrorCode> finishHead();
  std::optional<ParseErrorCode> overlongLineError() const;
  void completeMessage();

  Type type_;
  bool paused_ = false;
  bool message_begun_ = false;
  bool informational_ = false;
  State state_ = State::kStartLine;
  std::optional<ParseError> error_;
  MessageInfo info_;
  Limits limits_;
  ParserCallbacks& callbacks_;

  // Bytes of a line that spans execute() calls.
  std::string pending_;
  std::string scratch_;  // lowercased field name
  HeaderMap headers_;
  uint32_t section_bytes_ = 0;  // bytes of the current head or trailer section
  uint32_t field_count_ = 0;
  uint64_t body_remaining_ = 0;  // content-length left, or of the current chunk
  uint64_t body_total_ = 0;
  bool request_head_ = false;
  bool request_connect_ = false;
  bool absolute_target_ = false;
  std::string default_scheme_ = "http";
  FieldFacts facts_;
};

}  // namespace weir::http::http1

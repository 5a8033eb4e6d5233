#include "http/http1/parser.h"

#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "http/ascii.h"

namespace weir::http::http1 {

namespace {

// Byte classes, one table lookup per byte.
enum CharClass : uint8_t {
  kTchar = 1,       // RFC 9110 token character
  kFieldOk = 2,     // allowed in a field line: HTAB, SP, VCHAR, obs-text
  kTargetOk = 4,    // allowed in a request-target: VCHAR only
  kHostOk = 8,      // allowed in Host / authority: unreserved, sub-delims, ":", "[", "]", "%"
  kHex = 16,
  kQdtext = 32,     // quoted-string text: HTAB, SP, VCHAR except '"' and '\', obs-text
};

constexpr std::array<uint8_t, 256> makeClasses() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t v = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || digit) v |= kTchar;
    if (c == '\t' || (c >= 0x20 && c != 0x7f)) v |= kFieldOk;
    if (c > 0x20 && c < 0x7f) v |= kTargetOk;
    if (alpha || digit) v |= kHostOk;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHex;
    if (c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e) ||
        c >= 0x80) {
      v |= kQdtext;
    }
    t[c] = v;
  }
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] |= kTchar;
  for (char c : std::string_view("-._~!$&'()*+,;=:[]%")) t[static_cast<unsigned char>(c)] |= kHostOk;
  return t;
}
constexpr auto kClass = makeClasses();

// tchar → its lowercase form; anything else → 0.
constexpr std::array<char, 256> makeLowerTchar() {
  std::array<char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (kClass[c] & kTchar) t[c] = static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  }
  return t;
}
constexpr auto kLowerTchar = makeLowerTchar();

inline bool is(char c, uint8_t cls) { return (kClass[static_cast<unsigned char>(c)] & cls) != 0; }
using ascii::equalsIgnoreCase;
using ascii::forEachListElement;
using ascii::trimOws;
inline bool isWs(char c) { return ascii::isOws(c); }
inline char lower(char c) { return ascii::toLower(c); }

bool validHost(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    if (!is(c, kHostOk)) return false;
  }
  return true;
}

// The first bad byte of a head line decides the error; NUL and CR get their
// own codes because they are the classic smuggling tools.
std::optional<ParseErrorCode> classifyBadByte(char c, bool in_name) {
  if (c == '\0') return ParseErrorCode::kNulCharacter;
  if (c == '\r') return ParseErrorCode::kBareCr;
  if (c == '\n') return ParseErrorCode::kBareLf;
  return in_name ? ParseErrorCode::kInvalidHeaderName : ParseErrorCode::kInvalidHeaderValue;
}

// Position of the first byte for which `bad_block` (16 bytes at a time) /
// `bad_byte` (the tail, and everywhere without SSE2) is true, or npos.
// These scans are the parser's hottest loops.
template <typename BlockMask, typename ByteTest>
size_t findFirstBad(std::string_view s, BlockMask bad_block, ByteTest bad_byte) {
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = 0;
#if defined(__SSE2__)
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const int mask = _mm_movemask_epi8(bad_block(v));
    if (mask != 0) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#else
  (void)bad_block;
#endif
  for (; i < n; ++i) {
    if (bad_byte(p[i])) return i;
  }
  return std::string_view::npos;
}

#if defined(__SSE2__)
// Lanes where v <= limit / v >= limit, as unsigned bytes.
inline __m128i atMost(__m128i v, char limit) { return _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(limit)), v); }
inline __m128i atLeast(__m128i v, char limit) { return _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(limit)), v); }
#define WEIR_BLOCK(expr) [](__m128i v) { return (expr); }
#else
#define WEIR_BLOCK(expr) [](int) { return 0; }
#endif

// First byte not allowed anywhere in a field line (CTL other than HTAB, DEL).
size_t findBadFieldByte(std::string_view line) {
  return findFirstBad(
      line,
      WEIR_BLOCK(_mm_or_si128(_mm_andnot_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')), atMost(v, 0x1f)),
                              _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)))),
      [](char c) { return !is(c, kFieldOk); });
}

// First byte of a request-target outside VCHAR (0x21-0x7e).
size_t findBadTargetByte(std::string_view target) {
  return findFirstBad(target, WEIR_BLOCK(_mm_or_si128(atMost(v, 0x20), atLeast(v, 0x7f))),
                      [](char c) { return !is(c, kTargetOk); });
}
#undef WEIR_BLOCK

struct ErrorInfo {
  int status;
  std::string_view reason;
  std::string_view name;
};

ErrorInfo errorInfo(ParseErrorCode code) {
  switch (code) {
    case ParseErrorCode::kHeaderBytesExceeded: return {431, "header section too large", "HeaderBytesExceeded"};
    case ParseErrorCode::kHeaderCountExceeded: return {431, "too many header fields", "HeaderCountExceeded"};
    case ParseErrorCode::kUriTooLong: return {414, "request target too long", "UriTooLong"};
    case ParseErrorCode::kBodyTooLarge: return {413, "body too large", "BodyTooLarge"};
    case ParseErrorCode::kChunkLineTooLong: return {400, "chunk size line too long", "ChunkLineTooLong"};
    case ParseErrorCode::kTrailerBytesExceeded: return {431, "trailer section too large", "TrailerBytesExceeded"};
    case ParseErrorCode::kInvalidMethod: return {400, "invalid method", "InvalidMethod"};
    case ParseErrorCode::kInvalidRequestTarget: return {400, "invalid request target", "InvalidRequestTarget"};
    case ParseErrorCode::kInvalidVersion: return {400, "invalid HTTP version", "InvalidVersion"};
    case ParseErrorCode::kUnsupportedVersion: return {505, "HTTP version not supported", "UnsupportedVersion"};
    case ParseErrorCode::kInvalidRequestLine: return {400, "malformed request line", "InvalidRequestLine"};
    case ParseErrorCode::kInvalidStatusLine: return {400, "malformed status line", "InvalidStatusLine"};
    case ParseErrorCode::kBareCr: return {400, "CR not followed by LF", "BareCr"};
    case ParseErrorCode::kBareLf: return {400, "LF without CR", "BareLf"};
    case ParseErrorCode::kNulCharacter: return {400, "NUL byte in message head", "NulCharacter"};
    case ParseErrorCode::kObsFold: return {400, "obsolete line folding", "ObsFold"};
    case ParseErrorCode::kWhitespaceBeforeColon: return {400, "whitespace before colon", "WhitespaceBeforeColon"};
    case ParseErrorCode::kInvalidHeaderName: return {400, "invalid header name", "InvalidHeaderName"};
    case ParseErrorCode::kInvalidHeaderValue: return {400, "invalid header value", "InvalidHeaderValue"};
    case ParseErrorCode::kInvalidContentLength: return {400, "invalid Content-Length", "InvalidContentLength"};
    case ParseErrorCode::kMultipleContentLength: return {400, "multiple Content-Length values", "MultipleContentLength"};
    case ParseErrorCode::kContentLengthAndTransferEncoding:
      return {400, "both Content-Length and Transfer-Encoding", "ContentLengthAndTransferEncoding"};
    case ParseErrorCode::kTransferEncodingHttp10:
      return {400, "Transfer-Encoding in HTTP/1.0", "TransferEncodingHttp10"};
    case ParseErrorCode::kInvalidTransferEncoding:
      return {400, "malformed Transfer-Encoding", "InvalidTransferEncoding"};
    case ParseErrorCode::kUnknownTransferCoding: return {501, "unknown transfer coding", "UnknownTransferCoding"};
    case ParseErrorCode::kChunkedNotFinal: return {400, "chunked is not the final coding", "ChunkedNotFinal"};
    case ParseErrorCode::kChunkedTwice: return {400, "chunked applied twice", "ChunkedTwice"};
    case ParseErrorCode::kInvalidChunkSize: return {400, "invalid chunk size", "InvalidChunkSize"};
    case ParseErrorCode::kInvalidChunkExtension: return {400, "invalid chunk extension", "InvalidChunkExtension"};
    case ParseErrorCode::kMissingChunkCrlf: return {400, "missing CRLF after chunk data", "MissingChunkCrlf"};
    case ParseErrorCode::kForbiddenTrailer: return {400, "field not allowed in trailers", "ForbiddenTrailer"};
    case ParseErrorCode::kMissingHost: return {400, "missing Host header", "MissingHost"};
    case ParseErrorCode::kMultipleHost: return {400, "multiple Host headers", "MultipleHost"};
    case ParseErrorCode::kInvalidHost: return {400, "invalid Host", "InvalidHost"};
    case ParseErrorCode::kIncompleteMessage: return {400, "connection closed mid-message", "IncompleteMessage"};
  }
  return {400, "bad request", "Unknown"};
}

bool isKnownCoding(std::string_view coding) {
  return equalsIgnoreCase(coding, "gzip") || equalsIgnoreCase(coding, "x-gzip") ||
         equalsIgnoreCase(coding, "deflate") || equalsIgnoreCase(coding, "compress") ||
         equalsIgnoreCase(coding, "x-compress");
}

// Parses "HTTP/x.y" into a Version or an error.
std::optional<ParseErrorCode> parseVersion(std::string_view v, Version& out) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' ||
      v[7] > '9') {
    return ParseErrorCode::kInvalidVersion;
  }
  if (v[5] == '1' && v[7] == '1') {
    out = Version::kHttp11;
  } else if (v[5] == '1' && v[7] == '0') {
    out = Version::kHttp10;
  } else {
    return ParseErrorCode::kUnsupportedVersion;
  }
  return std::nullopt;
}

}  // namespace

std::string_view parseErrorCodeName(ParseErrorCode code) { return errorInfo(code).name; }

Parser::Parser(Type type, const Limits& limits, ParserCallbacks& callbacks)
    : type_(type), limits_(limits), callbacks_(callbacks) {}

Parser::~Parser() = default;

void Parser::setRequestMethod(std::string_view method) {
  request_head_ = method == "HEAD";
  request_connect_ = method == "CONNECT";
}

void Parser::setDefaultScheme(std::string_view scheme) { default_scheme_ = std::string(scheme); }

bool Parser::idle() const { return state_ == State::kStartLine && !message_begun_; }
bool Parser::done() const { return state_ == State::kDone; }
bool Parser::inTunnel() const { return state_ == State::kTunnel; }

void Parser::enterTunnel() {
  info_.framing = BodyFraming::kTunnel;
  info_.keep_alive = false;
  pending_.clear();
  state_ = State::kTunnel;
}

ExecuteResult Parser::fail(ParseErrorCode code, size_t consumed) {
  const ErrorInfo e = errorInfo(code);
  error_ = ParseError{code, e.status, e.reason};
  return ExecuteResult{consumed, error_};
}

void Parser::beginMessage() {
  message_begun_ = true;
  informational_ = false;
  info_ = MessageInfo{};
  facts_ = FieldFacts{};
  field_count_ = 0;
  body_remaining_ = 0;
  body_total_ = 0;
  absolute_target_ = false;
  headers_.clear();
  headers_.reserve(16, 512);
}

void Parser::completeMessage() {
  message_begun_ = false;
  section_bytes_ = 0;
  if (informational_) {
    state_ = State::kStartLine;
  } else if (!info_.keep_alive) {
    state_ = State::kDone;
  } else {
    state_ = State::kStartLine;
  }
  callbacks_.onMessageComplete();
}

// A line with no LF yet that already exceeds its section's budget.
std::optional<ParseErrorCode> Parser::overlongLineError() const {
  switch (state_) {
    case State::kStartLine: {
      // Past the first space and no second one yet: it is the target that is long.
      if (type_ == Type::kRequest) {
        const size_t sp = pending_.find(' ');
        if (sp != std::string::npos && pending_.find(' ', sp + 1) == std::string::npos &&
            pending_.size() - sp - 1 > limits_.max_uri_length) {
          return ParseErrorCode::kUriTooLong;
        }
      }
      return ParseErrorCode::kHeaderBytesExceeded;
    }
    case State::kHeaderLine: return ParseErrorCode::kHeaderBytesExceeded;
    case State::kChunkSizeLine: return ParseErrorCode::kChunkLineTooLong;
    case State::kTrailerLine: return ParseErrorCode::kTrailerBytesExceeded;
    default: return ParseErrorCode::kHeaderBytesExceeded;
  }
}

ExecuteResult Parser::execute(const char* data, size_t len) {
  if (error_) return ExecuteResult{0, error_};
  size_t pos = 0;
  while (!paused_) {
    if (state_ == State::kCompletePending) {
      completeMessage();
      continue;
    }
    if (pos >= len || state_ == State::kDone) break;

    switch (state_) {
      case State::kStartLine:
      case State::kHeaderLine:
      case State::kChunkSizeLine:
      case State::kTrailerLine: {
        // A message begins with the first byte of a line that is not an
        // empty-line CR/LF (judged on the line's first byte, so the answer
        // does not depend on how the input was split).
        const char first = pending_.empty() ? data[pos] : pending_[0];
        if (state_ == State::kStartLine && !message_begun_ && first != '\r' && first != '\n') {
          beginMessage();
          callbacks_.onMessageBegin();
          continue;
        }
        const char* start = data + pos;
        const size_t avail = len - pos;
        // Budget for this line including its CRLF.
        uint64_t budget;
        if (state_ == State::kChunkSizeLine) {
          budget = uint64_t{limits_.max_chunk_line_bytes} + 2;
        } else if (state_ == State::kTrailerLine) {
          budget = limits_.max_trailer_bytes > section_bytes_ ? limits_.max_trailer_bytes - section_bytes_ : 0;
        } else {
          budget = limits_.max_header_bytes > section_bytes_ ? limits_.max_header_bytes - section_bytes_ : 0;
        }
        const void* lf = std::memchr(start, '\n', avail);
        if (lf == nullptr) {
          if (pending_.size() + avail > budget) {
            // Keep exactly budget + 1 bytes so the diagnosis does not depend
            // on how the input was split.
            pending_.append(start, budget + 1 - pending_.size());
            return fail(*overlongLineError(), pos);
          }
          pending_.append(start, avail);
          pos = len;
          break;
        }
        const size_t n = static_cast<const char*>(lf) - start + 1;
        if (pending_.size() + n > budget) {
          pending_.append(start, budget + 1 - pending_.size());
          return fail(*overlongLineError(), pos);
        }
        std::string_view line;
        if (pending_.empty()) {
          line = std::string_view(start, n);
        } else {
          pending_.append(start, n);
          line = pending_;
        }
        pos += n;
        if (state_ != State::kChunkSizeLine) section_bytes_ += static_cast<uint32_t>(line.size());
        if (line.size() < 2 || line[line.size() - 2] != '\r') return fail(ParseErrorCode::kBareLf, pos);
        line.remove_suffix(2);
        auto err = onLine(line);
        pending_.clear();
        if (err) return fail(*err, pos);
        break;
      }
      case State::kBodyLength:
      case State::kChunkData: {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(body_remaining_, len - pos));
        body_remaining_ -= n;
        const std::string_view chunk(data + pos, n);
        pos += n;
        if (body_remaining_ == 0) {
          state_ = state_ == State::kBodyLength ? State::kCompletePending : State::kChunkDataCr;
        }
        callbacks_.onBody(chunk);
        break;
      }
      case State::kChunkDataCr:
        if (data[pos] != '\r') return fail(ParseErrorCode::kMissingChunkCrlf, pos);
        ++pos;
        state_ = State::kChunkDataLf;
        break;
      case State::kChunkDataLf:
        if (data[pos] != '\n') return fail(ParseErrorCode::kMissingChunkCrlf, pos);
        ++pos;
        state_ = State::kChunkSizeLine;
        break;
      case State::kUntilClose: {
        const size_t n = len - pos;
        const uint64_t allowed = limits_.max_body_bytes - body_total_;
        if (n > allowed) {
          // Deliver up to the limit first, so the outcome does not depend
          // on how the bytes were split across reads.
          if (allowed != 0) callbacks_.onBody(std::string_view(data + pos, static_cast<size_t>(allowed)));
          body_total_ = limits_.max_body_bytes;
          return fail(ParseErrorCode::kBodyTooLarge, pos + static_cast<size_t>(allowed));
        }
        body_total_ += n;
        const std::string_view chunk(data + pos, n);
        pos = len;
        callbacks_.onBody(chunk);
        break;
      }
      case State::kTunnel: {
        const std::string_view chunk(data + pos, len - pos);
        pos = len;
        callbacks_.onBody(chunk);
        break;
      }
      case State::kCompletePending:
      case State::kDone:
        break;
    }
  }
  return ExecuteResult{pos, std::nullopt};
}

ExecuteResult Parser::finish() {
  if (error_) return ExecuteResult{0, error_};
  switch (state_) {
    case State::kStartLine:
      if (!message_begun_) return ExecuteResult{};
      return fail(ParseErrorCode::kIncompleteMessage, 0);
    case State::kUntilClose:
    case State::kTunnel:
      info_.keep_alive = false;
      state_ = State::kCompletePending;
      if (!paused_) completeMessage();
      return ExecuteResult{};
    case State::kCompletePending:
      info_.keep_alive = false;
      if (!paused_) completeMessage();
      return ExecuteResult{};
    case State::kDone:
      return ExecuteResult{};
    default:
      return fail(ParseErrorCode::kIncompleteMessage, 0);
  }
}

std::optional<ParseErrorCode> Parser::onLine(std::string_view line) {
  switch (state_) {
    case State::kStartLine:
      if (!message_begun_) {
        // RFC 9112 §2.2: empty lines before a request line are ignored (some
        // clients send CRLF after a POST body). Only genuine CRLF pairs.
        // A non-empty line here began with a CR that was not followed by LF.
        if (!line.empty()) return ParseErrorCode::kBareCr;
        return std::nullopt;
      }
      {
        auto err = type_ == Type::kRequest ? parseRequestLine(line) : parseStatusLine(line);
        if (err) return err;
      }
      state_ = State::kHeaderLine;
      return std::nullopt;
    case State::kHeaderLine:
      if (line.empty()) return finishHead();
      return parseField(line, false);
    case State::kChunkSizeLine:
      return parseChunkSize(line);
    case State::kTrailerLine:
      if (line.empty()) {
        if (!headers_.empty()) callbacks_.onTrailers(std::move(headers_));
        headers_.clear();
        state_ = State::kCompletePending;
        return std::nullopt;
      }
      return parseField(line, true);
    default:
      return std::nullopt;
  }
}

std::optional<ParseErrorCode> Parser::parseRequestLine(std::string_view line) {
  // Bad bytes first: NUL and CR have their own codes wherever they are.
  if (std::memchr(line.data(), '\0', line.size()) != nullptr) return ParseErrorCode::kNulCharacter;
  if (std::memchr(line.data(), '\r', line.size()) != nullptr) return ParseErrorCode::kBareCr;
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return ParseErrorCode::kInvalidRequestLine;
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    if (line.size() - sp1 - 1 > limits_.max_uri_length) return ParseErrorCode::kUriTooLong;
    return ParseErrorCode::kInvalidRequestLine;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || target.empty()) return ParseErrorCode::kInvalidRequestLine;
  if (version.find(' ') != std::string_view::npos) return ParseErrorCode::kInvalidRequestLine;
  for (char c : method) {
    if (!is(c, kTchar)) return ParseErrorCode::kInvalidMethod;
  }
  if (target.size() > limits_.max_uri_length) return ParseErrorCode::kUriTooLong;
  if (findBadTargetByte(target) != std::string_view::npos) return ParseErrorCode::kInvalidRequestTarget;
  if (auto err = parseVersion(version, info_.version)) return err;

  info_.connect = method == "CONNECT";
  info_.head_request = method == "HEAD";
  headers_.add(KnownHeader::kMethod, method);
  if (info_.connect) {
    // authority-form only: host ":" port
    const size_t colon = target.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == target.size() ||
        !validHost(target.substr(0, colon))) {
      return ParseErrorCode::kInvalidRequestTarget;
    }
    for (char c : target.substr(colon + 1)) {
      if (c < '0' || c > '9') return ParseErrorCode::kInvalidRequestTarget;
    }
    absolute_target_ = true;
    headers_.add(KnownHeader::kAuthority, target);
    return std::nullopt;
  }
  if (target[0] == '/') {
    headers_.add(KnownHeader::kScheme, default_scheme_);
    headers_.add(KnownHeader::kPath, target);
    return std::nullopt;
  }
  if (target == "*") {
    if (method != "OPTIONS") return ParseErrorCode::kInvalidRequestTarget;
    headers_.add(KnownHeader::kScheme, default_scheme_);
    headers_.add(KnownHeader::kPath, target);
    return std::nullopt;
  }
  // absolute-form: scheme "://" authority [path-abempty] ["?" query]
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos) return ParseErrorCode::kInvalidRequestTarget;
  const std::string_view scheme = target.substr(0, sep);
  if (!equalsIgnoreCase(scheme, "http") && !equalsIgnoreCase(scheme, "https")) {
    return ParseErrorCode::kInvalidRequestTarget;
  }
  const std::string_view rest = target.substr(sep + 3);
  const size_t path_start = std::min(rest.find('/'), rest.find('?'));
  const std::string_view authority = rest.substr(0, std::min(path_start, rest.size()));
  // userinfo is deprecated and a phishing vector (RFC 9110 §4.2.4): an error.
  if (authority.empty() || !validHost(authority)) return ParseErrorCode::kInvalidRequestTarget;
  const std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  absolute_target_ = true;
  headers_.add(KnownHeader::kScheme, equalsIgnoreCase(scheme, "http") ? "http" : "https");
  // Same pseudo-header order as origin-form (:authority last, where Host
  // would have put it), so a re-encoded request parses back identically.
  if (path.empty()) {
    headers_.add(KnownHeader::kPath, "/");
  } else if (path[0] == '?') {
    std::string p = "/";
    p.append(path);
    headers_.add(KnownHeader::kPath, p);
  } else {
    headers_.add(KnownHeader::kPath, path);
  }
  headers_.add(KnownHeader::kAuthority, authority);
  return std::nullopt;
}

std::optional<ParseErrorCode> Parser::parseStatusLine(std::string_view line) {
  if (std::memchr(line.data(), '\0', line.size()) != nullptr) return ParseErrorCode::kNulCharacter;
  if (std::memchr(line.data(), '\r', line.size()) != nullptr) return ParseErrorCode::kBareCr;
  if (line.size() < 12 || line[8] != ' ') {
    if (line.size() >= 8 && line.substr(0, 5) == "HTTP/" && (line.size() == 8 || line[8] == ' ')) {
      Version v;
      if (auto err = parseVersion(line.substr(0, 8), v)) return err;
    }
    return ParseErrorCode::kInvalidStatusLine;
  }
  if (auto err = parseVersion(line.substr(0, 8), info_.version)) return err;
  const std::string_view code = line.substr(9, 3);
  if (code[0] < '1' || code[0] > '5' || code[1] < '0' || code[1] > '9' || code[2] < '0' || code[2] > '9') {
    return ParseErrorCode::kInvalidStatusLine;
  }
  // The SP before an empty reason is often omitted by servers; accepted.
  if (line.size() > 12) {
    if (line[12] != ' ') return ParseErrorCode::kInvalidStatusLine;
    for (char c : line.substr(13)) {
      if (!is(c, kFieldOk)) return ParseErrorCode::kInvalidStatusLine;
    }
  }
  info_.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  headers_.add(KnownHeader::kStatus, code);
  return std::nullopt;
}

std::optional<ParseErrorCode> Parser::parseField(std::string_view line, bool trailer) {
  if (isWs(line[0])) return ParseErrorCode::kObsFold;
  const size_t colon = line.find(':');
  const size_t bad = findBadFieldByte(line);
  if (bad != std::string_view::npos) return classifyBadByte(line[bad], bad < colon);
  if (colon == std::string_view::npos || colon == 0) return ParseErrorCode::kInvalidHeaderName;
  const std::string_view name = line.substr(0, colon);
  // One pass validates the name and lowercases it (0 in the table = not tchar).
  scratch_.resize(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = kLowerTchar[static_cast<unsigned char>(name[i])];
    if (c == 0) {
      if (isWs(name[i])) {
        size_t j = i;
        while (j < name.size() && isWs(name[j])) ++j;
        if (j == name.size()) return ParseErrorCode::kWhitespaceBeforeColon;
      }
      return ParseErrorCode::kInvalidHeaderName;
    }
    scratch_[i] = c;
  }
  const std::string_view value = trimOws(line.substr(colon + 1));

  if (++field_count_ > limits_.max_header_count) {
    return trailer ? ParseErrorCode::kTrailerBytesExceeded : ParseErrorCode::kHeaderCountExceeded;
  }

  const std::string_view lname = scratch_;
  const KnownHeader known = knownHeaderFromLowercase(lname);

  if (trailer) {
    if (known == KnownHeader::kContentLength || known == KnownHeader::kTransferEncoding ||
        known == KnownHeader::kHost) {
      return ParseErrorCode::kForbiddenTrailer;
    }
    headers_.addLowercase(lname, value);
    return std::nullopt;
  }

  switch (known) {
    case KnownHeader::kHost:
      if (type_ != Type::kRequest) break;
      if (++facts_.host_count > 1) return ParseErrorCode::kMultipleHost;
      if (!validHost(value)) return ParseErrorCode::kInvalidHost;
      // Host becomes :authority; an absolute-form target's authority wins
      // (RFC 9112 §3.2.2), so a differing Host is then ignored.
      if (!absolute_target_) headers_.add(KnownHeader::kAuthority, value);
      return std::nullopt;
    case KnownHeader::kContentLength: {
      if (++facts_.content_length_count > 1) return ParseErrorCode::kMultipleContentLength;
      // A comma list ("5, 5") is several values in one line: rejected like
      // repeated lines, even when identical (weir does not merge).
      if (value.find(',') != std::string_view::npos) return ParseErrorCode::kMultipleContentLength;
      if (value.empty() || value.size() > 19) return ParseErrorCode::kInvalidContentLength;
      uint64_t n = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return ParseErrorCode::kInvalidContentLength;
        n = n * 10 + static_cast<uint64_t>(c - '0');
      }
      facts_.content_length = n;
      break;
    }
    case KnownHeader::kTransferEncoding: {
      facts_.transfer_encoding = true;
      std::optional<ParseErrorCode> err;
      forEachListElement(value, [&](std::string_view coding) {
        if (coding.empty() || coding.find(';') != std::string_view::npos) {
          err = ParseErrorCode::kInvalidTransferEncoding;
          return false;
        }
        for (char c : coding) {
          if (!is(c, kTchar)) {
            err = ParseErrorCode::kInvalidTransferEncoding;
            return false;
          }
        }
        if (equalsIgnoreCase(coding, "chunked")) {
          if (++facts_.chunked_count > 1) {
            err = ParseErrorCode::kChunkedTwice;
            return false;
          }
          facts_.chunked_final = true;
          return true;
        }
        if (!isKnownCoding(coding)) {
          err = ParseErrorCode::kUnknownTransferCoding;
          return false;
        }
        facts_.chunked_final = false;
        return true;
      });
      if (err) return err;
      break;
    }
    case KnownHeader::kConnection:
      forEachListElement(value, [&](std::string_view token) {
        if (equalsIgnoreCase(token, "close")) facts_.connection_close = true;
        else if (equalsIgnoreCase(token, "keep-alive")) facts_.connection_keep_alive = true;
        else if (equalsIgnoreCase(token, "upgrade")) facts_.connection_upgrade = true;
        return true;
      });
      break;
    case KnownHeader::kUpgrade:
      facts_.upgrade_header = true;
      break;
    case KnownHeader::kExpect:
      if (equalsIgnoreCase(value, "100-continue")) facts_.expect_continue = true;
      break;
    default:
      break;
  }
  if (known != KnownHeader::kNone) {
    headers_.add(known, value);
  } else {
    headers_.addLowercase(lname, value);
  }
  return std::nullopt;
}

std::optional<ParseErrorCode> Parser::finishHead() {
  const bool request = type_ == Type::kRequest;
  const bool http11 = info_.version == Version::kHttp11;
  if (request) {
    if (facts_.host_count == 0) {
      if (http11) return ParseErrorCode::kMissingHost;
      // HTTP/1.0 without Host: no :authority unless the target carried one.
    }
  }
  if (facts_.transfer_encoding) {
    if (!http11) return ParseErrorCode::kTransferEncodingHttp10;
    if (facts_.content_length_count > 0) return ParseErrorCode::kContentLengthAndTransferEncoding;
  }
  info_.keep_alive = http11 ? !facts_.connection_close : (facts_.connection_keep_alive && !facts_.connection_close);

  if (request) {
    info_.expect_continue = http11 && facts_.expect_continue;
    info_.upgrade = facts_.connection_upgrade && facts_.upgrade_header;
    if (info_.connect) {
      info_.framing = BodyFraming::kTunnel;
    } else if (facts_.transfer_encoding) {
      if (!facts_.chunked_final) return ParseErrorCode::kChunkedNotFinal;
      info_.framing = BodyFraming::kChunked;
    } else if (facts_.content_length_count > 0) {
      info_.framing = BodyFraming::kContentLength;
      info_.content_length = facts_.content_length;
    } else {
      info_.framing = BodyFraming::kNone;
    }
  } else {
    const int status = info_.status;
    if (status == 101) {
      info_.framing = BodyFraming::kTunnel;
    } else if (status < 200) {
      informational_ = true;
      info_.framing = BodyFraming::kNone;
    } else if (request_head_ || status == 204 || status == 304) {
      info_.framing = BodyFraming::kNone;
    } else if (request_connect_ && status < 300) {
      info_.framing = BodyFraming::kTunnel;
    } else if (facts_.transfer_encoding) {
      // RFC 9112 §6.3: a response whose final coding is not chunked is
      // delimited by the connection close.
      info_.framing = facts_.chunked_final ? BodyFraming::kChunked : BodyFraming::kUntilClose;
    } else if (facts_.content_length_count > 0) {
      info_.framing = BodyFraming::kContentLength;
      info_.content_length = facts_.content_length;
    } else {
      info_.framing = BodyFraming::kUntilClose;
    }
  }
  if (info_.framing == BodyFraming::kUntilClose || info_.framing == BodyFraming::kTunnel) {
    info_.keep_alive = false;
  }
  if (informational_) info_.keep_alive = true;
  if (info_.framing == BodyFraming::kContentLength && info_.content_length > limits_.max_body_bytes) {
    return ParseErrorCode::kBodyTooLarge;
  }

  bool end_stream = false;
  switch (info_.framing) {
    case BodyFraming::kNone:
      end_stream = true;
      state_ = State::kCompletePending;
      break;
    case BodyFraming::kContentLength:
      end_stream = info_.content_length == 0;
      body_remaining_ = info_.content_length;
      state_ = end_stream ? State::kCompletePending : State::kBodyLength;
      break;
    case BodyFraming::kChunked:
      state_ = State::kChunkSizeLine;
      break;
    case BodyFraming::kUntilClose:
      state_ = State::kUntilClose;
      break;
    case BodyFraming::kTunnel:
      state_ = State::kTunnel;
      break;
  }
  callbacks_.onHeaders(std::move(headers_), end_stream);
  headers_.clear();
  return std::nullopt;
}

std::optional<ParseErrorCode> Parser::parseChunkSize(std::string_view line) {
  size_t i = 0;
  uint64_t size = 0;
  while (i < line.size() && is(line[i], kHex)) {
    if (i == 16) return ParseErrorCode::kInvalidChunkSize;  // over 64 bits
    const char c = line[i];
    const int digit = c <= '9' ? c - '0' : lower(c) - 'a' + 10;
    size = (size << 4) | static_cast<uint64_t>(digit);
    ++i;
  }
  if (i == 0) return ParseErrorCode::kInvalidChunkSize;
  // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ); content ignored.
  bool had_ext = false;
  while (i < line.size()) {
    while (i < line.size() && isWs(line[i])) ++i;
    if (i == line.size() || line[i] != ';') {
      return had_ext ? ParseErrorCode::kInvalidChunkExtension : ParseErrorCode::kInvalidChunkSize;
    }
    had_ext = true;
    ++i;
    while (i < line.size() && isWs(line[i])) ++i;
    const size_t name_start = i;
    while (i < line.size() && is(line[i], kTchar)) ++i;
    if (i == name_start) return ParseErrorCode::kInvalidChunkExtension;
    size_t j = i;
    while (j < line.size() && isWs(line[j])) ++j;
    if (j < line.size() && line[j] == '=') {
      i = j + 1;
      while (i < line.size() && isWs(line[i])) ++i;
      if (i < line.size() && line[i] == '"') {
        ++i;
        bool closed = false;
        while (i < line.size()) {
          const char c = line[i];
          if (c == '"') {
            closed = true;
            ++i;
            break;
          }
          if (c == '\\') {
            if (i + 1 >= line.size() || !is(line[i + 1], kFieldOk)) return ParseErrorCode::kInvalidChunkExtension;
            i += 2;
            continue;
          }
          if (!is(c, kQdtext)) return ParseErrorCode::kInvalidChunkExtension;
          ++i;
        }
        if (!closed) return ParseErrorCode::kInvalidChunkExtension;
      } else {
        const size_t val_start = i;
        while (i < line.size() && is(line[i], kTchar)) ++i;
        if (i == val_start) return ParseErrorCode::kInvalidChunkExtension;
      }
    }
    // Trailing whitespace with nothing after it is not in the grammar.
    if (i < line.size() && isWs(line[i])) {
      size_t k = i;
      while (k < line.size() && isWs(line[k])) ++k;
      if (k == line.size()) return ParseErrorCode::kInvalidChunkExtension;
    }
  }
  if (size > limits_.max_body_bytes - std::min(body_total_, limits_.max_body_bytes)) {
    return ParseErrorCode::kBodyTooLarge;
  }
  body_total_ += size;
  if (size == 0) {
    section_bytes_ = 0;
    field_count_ = 0;
    headers_.clear();
    state_ = State::kTrailerLine;
  } else {
    body_remaining_ = size;
    state_ = State::kChunkData;
  }
  return std::nullopt;
}

}  // namespace weir::http::http1

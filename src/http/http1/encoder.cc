#include "http/http1/encoder.h"

#include "http/header_utility.h"
#include "http/status_codes.h"

namespace weir::http::http1 {

namespace {

std::string_view versionText(Version v) { return v == Version::kHttp10 ? "HTTP/1.0" : "HTTP/1.1"; }

void appendFields(const HeaderMap& headers, Buffer& out, bool skip_host) {
  for (size_t i = headers.pseudoHeaderCount(); i < headers.size(); ++i) {
    const HeaderView h = headers.at(i);
    if (skip_host && h.name == "host") continue;
    // Defensive: a pseudo-header added out of band never goes on the wire.
    if (!h.name.empty() && h.name[0] == ':') continue;
    out.append(h.name);
    out.append(": ", 2);
    out.append(h.value);
    out.append("\r\n", 2);
  }
}

bool methodHasNoBodyByDefault(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS" || method == "TRACE" ||
         method == "CONNECT";
}

void appendDecimal(int code, Buffer& out) {
  char buf[3] = {static_cast<char>('0' + code / 100 % 10), static_cast<char>('0' + code / 10 % 10),
                 static_cast<char>('0' + code % 10)};
  out.append(buf, 3);
}

}  // namespace

void encodeRequestHead(const HeaderMap& headers, Buffer& out, Version version) {
  const std::string_view method = headers.method();
  const std::string_view authority = headers.authority();
  const std::string_view target = method == "CONNECT" ? authority : headers.path();
  out.append(method);
  out.append(" ", 1);
  out.append(target.empty() ? std::string_view("/") : target);
  out.append(" ", 1);
  out.append(versionText(version));
  out.append("\r\n", 2);
  if (!authority.empty()) {
    out.append("host: ", 6);
    out.append(authority);
    out.append("\r\n", 2);
  }
  appendFields(headers, out, !authority.empty());
  out.append("\r\n", 2);
}

void encodeResponseHead(const HeaderMap& headers, Buffer& out, Version version) {
  int status = headers.status();
  if (status == 0) status = 500;
  out.append(versionText(version));
  out.append(" ", 1);
  appendDecimal(status, out);
  out.append(" ", 1);
  out.append(reasonPhrase(status));
  out.append("\r\n", 2);
  appendFields(headers, out, false);
  out.append("\r\n", 2);
}

void encodeContinue(Buffer& out) { out.append("HTTP/1.1 100 Continue\r\n\r\n"); }

void encodeChunk(std::string_view data, Buffer& out) {
  if (data.empty()) return;
  static constexpr char kHex[] = "0123456789abcdef";
  char buf[20];
  char* end = buf + sizeof(buf);
  char* p = end;
  *--p = '\n';
  *--p = '\r';
  size_t n = data.size();
  do {
    *--p = kHex[n & 0xf];
    n >>= 4;
  } while (n != 0);
  out.append(p, end - p);
  out.append(data);
  out.append("\r\n", 2);
}

void encodeLastChunk(const HeaderMap* trailers, Buffer& out) {
  out.append("0\r\n", 3);
  if (trailers != nullptr) appendFields(*trailers, out, false);
  out.append("\r\n", 2);
}

void StreamEncoder::setRequestInfo(std::string_view method, Version peer_version) {
  head_request_ = method == "HEAD";
  peer_version_ = peer_version;
}

void StreamEncoder::encodeHeaders(HeaderMap& headers, bool end_stream, Buffer& out) {
  chunked_ = false;
  close_delimited_ = false;
  complete_ = false;
  const bool te_chunked = headerListContains(headers, KnownHeader::kTransferEncoding, "chunked");
  if (type_ == Type::kResponse) {
    const int status = headers.status();
    const bool status_no_body = statusHasNoBody(status);
    no_body_ = head_request_ || status_no_body;
    if (isInformational(status) || status == 204) {
      // RFC 9110 §8.6 / RFC 9112 §6.1: no framing fields on these.
      headers.remove(KnownHeader::kContentLength);
      headers.remove(KnownHeader::kTransferEncoding);
    } else if (status == 304 || head_request_) {
      // Framing fields describe the GET response; keep what the origin said.
    } else if (headers.has(KnownHeader::kContentLength)) {
      headers.remove(KnownHeader::kTransferEncoding);
    } else if (end_stream) {
      headers.setContentLength(0);
      headers.remove(KnownHeader::kTransferEncoding);
    } else if (peer_version_ == Version::kHttp11) {
      chunked_ = true;
      if (!te_chunked) headers.set(KnownHeader::kTransferEncoding, "chunked");
    } else {
      headers.remove(KnownHeader::kTransferEncoding);
      close_delimited_ = true;
    }
    encodeResponseHead(headers, out, Version::kHttp11);
  } else {
    const std::string_view method = headers.method();
    no_body_ = false;
    if (method == "CONNECT") {
      headers.remove(KnownHeader::kContentLength);
      headers.remove(KnownHeader::kTransferEncoding);
    } else if (headers.has(KnownHeader::kContentLength)) {
      headers.remove(KnownHeader::kTransferEncoding);
    } else if (end_stream) {
      headers.remove(KnownHeader::kTransferEncoding);
      if (!methodHasNoBodyByDefault(method)) headers.setContentLength(0);
    } else {
      chunked_ = true;
      if (!te_chunked) headers.set(KnownHeader::kTransferEncoding, "chunked");
    }
    encodeRequestHead(headers, out, Version::kHttp11);
  }
  if (end_stream) complete_ = true;
}

void StreamEncoder::encodeData(std::string_view data, bool end_stream, Buffer& out) {
  if (complete_) return;
  if (!no_body_) {
    if (chunked_) {
      encodeChunk(data, out);
      if (end_stream) encodeLastChunk(nullptr, out);
    } else {
      out.append(data);
    }
  }
  if (end_stream) complete_ = true;
}

void StreamEncoder::encodeTrailers(const HeaderMap& trailers, Buffer& out) {
  if (complete_) return;
  if (chunked_ && !no_body_) encodeLastChunk(&trailers, out);
  complete_ = true;
}

}  // namespace weir::http::http1

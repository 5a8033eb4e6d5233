#include "http/http1/encoder.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "http/status_codes.h"

namespace weir::http::http1 {
namespace {

// Parses one message back and keeps what it saw.
struct Collected : ParserCallbacks {
  void onHeaders(HeaderMap&& h, bool end) override {
    headers = std::move(h);
    end_stream = end;
    info = parser->messageInfo();
  }
  void onBody(std::string_view c) override { body.append(c); }
  void onTrailers(HeaderMap&& t) override { trailers = std::move(t); }
  void onMessageComplete() override { ++complete; }

  Parser* parser = nullptr;
  HeaderMap headers;
  HeaderMap trailers;
  MessageInfo info;
  std::string body;
  bool end_stream = false;
  int complete = 0;
};

Collected parseBack(Parser::Type type, const Buffer& wire, std::string_view request_method = "GET",
                    bool finish = false) {
  Collected c;
  Parser p(type, Limits{}, c);
  c.parser = &p;
  p.setRequestMethod(request_method);
  ExecuteResult r = p.execute(wire.view());
  EXPECT_TRUE(r.ok()) << (r.error ? r.error->reason : "") << "\n" << wire.view();
  EXPECT_EQ(r.consumed, wire.size());
  if (finish) {
    EXPECT_TRUE(p.finish().ok());
  }
  return c;
}

TEST(Http1EncoderTest, RequestHeadWritesHostFromAuthorityAndSkipsPseudoHeaders) {
  HeaderMap h{{":method", "GET"}, {":path", "/a?b"}, {":authority", "example.com"}, {":scheme", "http"},
              {"accept", "*/*"}};
  Buffer out;
  encodeRequestHead(h, out);
  EXPECT_EQ(out.view(), "GET /a?b HTTP/1.1\r\nhost: example.com\r\naccept: */*\r\n\r\n");
}

TEST(Http1EncoderTest, ResponseHeadUsesReasonPhrase) {
  HeaderMap h{{":status", "404"}, {"content-length", "0"}};
  Buffer out;
  encodeResponseHead(h, out);
  EXPECT_EQ(out.view(), "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
  EXPECT_EQ(reasonPhrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reasonPhrase(799), "Unknown");
}

TEST(Http1EncoderTest, ChunksAndLastChunkWithTrailers) {
  Buffer out;
  encodeChunk("hello", out);
  encodeChunk("", out);
  encodeChunk(std::string(300, 'x'), out);
  HeaderMap t{{"grpc-status", "0"}};
  encodeLastChunk(&t, out);
  EXPECT_EQ(out.view().substr(0, 10), "5\r\nhello\r\n");
  EXPECT_EQ(out.view().substr(10, 5), "12c\r\n");
  EXPECT_EQ(out.view().substr(out.size() - 21), "0\r\ngrpc-status: 0\r\n\r\n");
}

TEST(Http1EncoderTest, ContinueIsAFixedInterimResponse) {
  Buffer out;
  encodeContinue(out);
  EXPECT_EQ(out.view(), "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST(Http1EncoderTest, RequestRoundTripWithContentLength) {
  HeaderMap h{{":method", "POST"}, {":path", "/upload"}, {":authority", "svc:8080"}, {"content-type", "text/plain"},
              {"x-multi", "1"}, {"x-multi", "2"}};
  h.setContentLength(5);
  StreamEncoder enc(StreamEncoder::Type::kRequest);
  Buffer wire;
  HeaderMap sent = h;
  enc.encodeHeaders(sent, false, wire);
  enc.encodeData("hello", true, wire);
  EXPECT_FALSE(enc.chunked());
  EXPECT_TRUE(enc.complete());
  Collected c = parseBack(Parser::Type::kRequest, wire);
  EXPECT_EQ(c.body, "hello");
  EXPECT_EQ(c.complete, 1);
  // Same headers; the parser adds the default :scheme.
  c.headers.remove(KnownHeader::kScheme);
  EXPECT_EQ(c.headers, h) << c.headers.toString() << "---\n" << h.toString();
}

TEST(Http1EncoderTest, RequestRoundTripChunkedWithTrailers) {
  HeaderMap h{{":method", "PUT"}, {":path", "/s"}, {":authority", "a"}};
  StreamEncoder enc(StreamEncoder::Type::kRequest);
  Buffer wire;
  enc.encodeHeaders(h, false, wire);
  EXPECT_TRUE(enc.chunked());
  enc.encodeData("part one,", false, wire);
  enc.encodeData(" part two", false, wire);
  HeaderMap trailers{{"x-digest", "abc"}};
  enc.encodeTrailers(trailers, wire);
  Collected c = parseBack(Parser::Type::kRequest, wire);
  EXPECT_EQ(c.info.framing, BodyFraming::kChunked);
  EXPECT_EQ(c.body, "part one, part two");
  EXPECT_EQ(c.trailers, trailers);
  EXPECT_EQ(c.complete, 1);
}

TEST(Http1EncoderTest, BodylessRequestsGetContentLengthZeroOnlyWhenMeaningful) {
  HeaderMap get{{":method", "GET"}, {":path", "/"}, {":authority", "a"}};
  StreamEncoder e1(StreamEncoder::Type::kRequest);
  Buffer w1;
  e1.encodeHeaders(get, true, w1);
  EXPECT_EQ(w1.view().find("content-length"), std::string_view::npos);
  HeaderMap post{{":method", "POST"}, {":path", "/"}, {":authority", "a"}};
  StreamEncoder e2(StreamEncoder::Type::kRequest);
  Buffer w2;
  e2.encodeHeaders(post, true, w2);
  Collected c = parseBack(Parser::Type::kRequest, w2);
  EXPECT_EQ(c.headers.get("content-length"), "0");
  EXPECT_TRUE(c.end_stream);
}

TEST(Http1EncoderTest, ResponseRoundTripChunkedWhenLengthUnknown) {
  HeaderMap h{{":status", "200"}, {"content-type", "application/json"}};
  StreamEncoder enc(StreamEncoder::Type::kResponse);
  enc.setRequestInfo("GET", Version::kHttp11);
  Buffer wire;
  enc.encodeHeaders(h, false, wire);
  enc.encodeData("{\"a\":", false, wire);
  enc.encodeData("1}", true, wire);
  Collected c = parseBack(Parser::Type::kResponse, wire);
  EXPECT_EQ(c.headers.status(), 200);
  EXPECT_EQ(c.body, "{\"a\":1}");
  EXPECT_EQ(c.complete, 1);
  EXPECT_TRUE(c.info.keep_alive);
}

TEST(Http1EncoderTest, ResponseToHttp10ClientIsCloseDelimited) {
  HeaderMap h{{":status", "200"}};
  StreamEncoder enc(StreamEncoder::Type::kResponse);
  enc.setRequestInfo("GET", Version::kHttp10);
  Buffer wire;
  enc.encodeHeaders(h, false, wire);
  enc.encodeData("streamed", true, wire);
  EXPECT_TRUE(enc.closeDelimited());
  EXPECT_FALSE(enc.chunked());
  Collected c = parseBack(Parser::Type::kResponse, wire, "GET", true);
  EXPECT_EQ(c.body, "streamed");
  EXPECT_EQ(c.info.framing, BodyFraming::kUntilClose);
}

TEST(Http1EncoderTest, HeadResponseKeepsLengthButSendsNoBody) {
  HeaderMap h{{":status", "200"}, {"content-length", "1234"}};
  StreamEncoder enc(StreamEncoder::Type::kResponse);
  enc.setRequestInfo("HEAD", Version::kHttp11);
  Buffer wire;
  enc.encodeHeaders(h, false, wire);
  enc.encodeData("must not appear", true, wire);
  EXPECT_EQ(wire.view().find("must not"), std::string_view::npos);
  Collected c = parseBack(Parser::Type::kResponse, wire, "HEAD");
  EXPECT_EQ(c.headers.get("content-length"), "1234");
  EXPECT_EQ(c.complete, 1);
}

TEST(Http1EncoderTest, NoContentResponseDropsFramingFields) {
  HeaderMap h{{":status", "204"}, {"content-length", "10"}, {"transfer-encoding", "chunked"}};
  StreamEncoder enc(StreamEncoder::Type::kResponse);
  Buffer wire;
  enc.encodeHeaders(h, true, wire);
  EXPECT_EQ(wire.view(), "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST(Http1EncoderTest, NeverSendsBothContentLengthAndTransferEncoding) {
  HeaderMap h{{":status", "200"}, {"content-length", "3"}, {"transfer-encoding", "chunked"}};
  StreamEncoder enc(StreamEncoder::Type::kResponse);
  Buffer wire;
  enc.encodeHeaders(h, false, wire);
  enc.encodeData("abc", true, wire);
  Collected c = parseBack(Parser::Type::kResponse, wire);
  EXPECT_EQ(c.body, "abc");
  EXPECT_FALSE(c.headers.has(KnownHeader::kTransferEncoding));
}

TEST(Http1EncoderTest, ConnectRequestUsesAuthorityForm) {
  HeaderMap h{{":method", "CONNECT"}, {":authority", "db:5432"}};
  StreamEncoder enc(StreamEncoder::Type::kRequest);
  Buffer wire;
  enc.encodeHeaders(h, false, wire);
  EXPECT_EQ(wire.view().substr(0, 26), "CONNECT db:5432 HTTP/1.1\r\n");
  Collected c = parseBack(Parser::Type::kRequest, wire);
  EXPECT_EQ(c.info.framing, BodyFraming::kTunnel);
  EXPECT_EQ(c.headers.authority(), "db:5432");
}

}  // namespace
}  // namespace weir::http::http1

namespace weir::http::http1 {
namespace {

// parse → encode → parse gives the same message: what the proxy does to
// every request it forwards.
TEST(Http1EncoderTest, ParsedRequestsSurviveReencoding) {
  const std::vector<std::string> inputs = {
      "GET /a?b=1 HTTP/1.1\r\nHost: h.example\r\nAccept: */*\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\n",
      "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
      "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
      "GET http://abs.example:81/x HTTP/1.1\r\nHost: ignored\r\n\r\n",
      "DELETE /d HTTP/1.1\r\nHost: h\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n",
  };
  for (const std::string& input : inputs) {
    Buffer first(input);
    Collected a = parseBack(Parser::Type::kRequest, first);
    HeaderMap forwarded = a.headers;
    StreamEncoder enc(StreamEncoder::Type::kRequest);
    Buffer wire;
    const bool has_body = a.info.framing != BodyFraming::kNone;
    enc.encodeHeaders(forwarded, !has_body, wire);
    if (has_body) {
      if (a.trailers.empty()) {
        enc.encodeData(a.body, true, wire);
      } else {
        enc.encodeData(a.body, false, wire);
        enc.encodeTrailers(a.trailers, wire);
      }
    }
    Collected b = parseBack(Parser::Type::kRequest, wire);
    EXPECT_EQ(b.headers, forwarded) << input << "\n---\n" << wire.view();
    EXPECT_EQ(b.headers.method(), a.headers.method());
    EXPECT_EQ(b.headers.path(), a.headers.path());
    EXPECT_EQ(b.headers.authority(), a.headers.authority());
    EXPECT_EQ(b.body, a.body) << input;
    EXPECT_EQ(b.trailers, a.trailers) << input;
    EXPECT_EQ(b.complete, 1) << input;
  }
}

}  // namespace
}  // namespace weir::http::http1

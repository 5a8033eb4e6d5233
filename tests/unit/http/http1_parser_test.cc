#include "http/http1/parser.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace weir::http::http1 {
namespace {

using Type = Parser::Type;

std::string framingName(BodyFraming f) {
  switch (f) {
    case BodyFraming::kNone: return "none";
    case BodyFraming::kContentLength: return "length";
    case BodyFraming::kChunked: return "chunked";
    case BodyFraming::kUntilClose: return "until-close";
    case BodyFraming::kTunnel: return "tunnel";
  }
  return "?";
}

// Records every callback as text so two runs can be compared exactly. Body
// pieces are merged: how the body is split depends on how input is fed.
class Recorder : public ParserCallbacks {
 public:
  void onMessageBegin() override { events.push_back("begin"); }
  void onHeaders(HeaderMap&& h, bool end_stream) override {
    const MessageInfo& i = parser->messageInfo();
    events.push_back("headers end=" + std::to_string(end_stream) +
                     " v=" + (i.version == Version::kHttp11 ? "1.1" : "1.0") + " ka=" + std::to_string(i.keep_alive) +
                     " framing=" + framingName(i.framing) + " cl=" + std::to_string(i.content_length) +
                     " expect=" + std::to_string(i.expect_continue) + " upgrade=" + std::to_string(i.upgrade) +
                     "\n" + h.toString());
    infos.push_back(i);
    headers.push_back(std::move(h));
    if (pause_on_headers) parser->pause();
  }
  void onBody(std::string_view chunk) override {
    body_calls++;
    if (!events.empty() && events.back().rfind("body:", 0) == 0) {
      events.back().append(chunk);
    } else {
      events.push_back("body:" + std::string(chunk));
    }
    if (pause_on_body) parser->pause();
  }
  void onTrailers(HeaderMap&& t) override {
    events.push_back("trailers\n" + t.toString());
    trailers.push_back(std::move(t));
  }
  void onMessageComplete() override {
    events.push_back("complete");
    if (pause_on_complete) parser->pause();
  }

  Parser* parser = nullptr;
  bool pause_on_headers = false;
  bool pause_on_body = false;
  bool pause_on_complete = false;
  int body_calls = 0;
  std::vector<std::string> events;
  std::vector<MessageInfo> infos;
  std::vector<HeaderMap> headers;
  std::vector<HeaderMap> trailers;
};

struct Outcome {
  std::vector<std::string> events;
  std::vector<HeaderMap> headers;
  std::vector<HeaderMap> trailers;
  std::vector<MessageInfo> infos;
  std::optional<ParseError> error;
  size_t consumed = 0;
  bool done = false;
};

struct RunOptions {
  Limits limits;
  size_t piece = 0;  // 0 = whole input at once
  bool finish = false;
  std::string request_method = "GET";
};

Outcome run(Type type, std::string_view input, const RunOptions& opts = {}) {
  Recorder rec;
  Parser parser(type, opts.limits, rec);
  rec.parser = &parser;
  parser.setRequestMethod(opts.request_method);
  Outcome out;
  const size_t piece = opts.piece == 0 ? input.size() : opts.piece;
  bool stopped = false;
  for (size_t off = 0; off < input.size() && !stopped; off += piece) {
    const std::string_view part = input.substr(off, piece);
    ExecuteResult r = parser.execute(part);
    if (!r.ok()) {
      out.error = r.error;
      stopped = true;
      break;
    }
    out.consumed += r.consumed;
    if (r.consumed < part.size()) stopped = true;  // parser done
  }
  if (!out.error && opts.finish) {
    ExecuteResult r = parser.finish();
    if (!r.ok()) out.error = r.error;
  }
  out.done = parser.done();
  out.events = std::move(rec.events);
  out.headers = std::move(rec.headers);
  out.trailers = std::move(rec.trailers);
  out.infos = std::move(rec.infos);
  return out;
}

std::optional<ParseErrorCode> codeOf(const Outcome& o) {
  return o.error ? std::optional<ParseErrorCode>(o.error->code) : std::nullopt;
}

std::string dump(const Outcome& o) {
  std::string s;
  for (const auto& e : o.events) s += "[" + e + "]\n";
  if (o.error) s += "error: " + std::string(parseErrorCodeName(o.error->code)) + "\n";
  return s;
}

// --- Valid inputs: each is checked for its meaning below and all of them
// together for split-independence. ---
struct ValidCase {
  const char* name;
  Type type;
  std::string input;
  bool finish = false;
  std::string request_method = "GET";
};

std::vector<ValidCase> validCases() {
  return {
      {"simple_get", Type::kRequest, "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\n\r\n"},
      {"post_content_length", Type::kRequest,
       "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"},
      {"chunked_with_ext_and_trailers", Type::kRequest,
       "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
       "5;name=value\r\nhello\r\n6 ; q=\"x;y\"\r\n world\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"},
      {"chunked_no_trailers", Type::kRequest,
       "PUT /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"},
      {"http10_default_close", Type::kRequest, "GET / HTTP/1.0\r\n\r\n"},
      {"http10_keep_alive", Type::kRequest, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n"},
      {"connection_close_stops", Type::kRequest,
       "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"absolute_form", Type::kRequest,
       "GET http://Target.example:8080/p/a?x=1 HTTP/1.1\r\nHost: other.example\r\n\r\n"},
      {"absolute_form_query_only", Type::kRequest, "GET https://t.example?x HTTP/1.1\r\nHost: t.example\r\n\r\n"},
      {"options_asterisk", Type::kRequest, "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"connect_tunnel", Type::kRequest, "CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\nraw\x01\x02 bytes",
       true},
      {"expect_continue", Type::kRequest,
       "PUT /up HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\nabc"},
      {"upgrade_request", Type::kRequest,
       "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"},
      {"pipelined_three", Type::kRequest,
       "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 "
       "HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"leading_crlf", Type::kRequest, "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"ows_and_obs_text", Type::kRequest,
       "GET / HTTP/1.1\r\nHost: a\r\nX-Pad: \t spaced value \t\r\nX-Utf8: caf\xc3\xa9\r\nX-Empty:\r\nX-Tab: a\tb\r\n\r\n"},
      {"near_miss_cl_leading_zeros", Type::kRequest, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  005 \r\n\r\nabcde"},
      {"near_miss_te_case_and_split_lines", Type::kRequest,
       "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED\r\n\r\n00a\r\n0123456789\r\n0\r\n\r\n"},
      {"ipv6_host", Type::kRequest, "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"},
      {"extension_method", Type::kRequest, "M-SEARCH / HTTP/1.1\r\nHost: a\r\n\r\n"},
      {"response_length", Type::kResponse, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nServer: x\r\n\r\nbody"},
      {"response_chunked_trailers", Type::kResponse,
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\ngrpc-status: 0\r\n\r\n"},
      {"response_until_close", Type::kResponse, "HTTP/1.1 200 OK\r\n\r\nall of this until close", true},
      {"response_gzip_until_close", Type::kResponse, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzzz", true},
      {"response_head", Type::kResponse, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
       false, "HEAD"},
      {"response_204_304", Type::kResponse,
       "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n"},
      {"response_100_then_200", Type::kResponse,
       "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
      {"response_101_tunnel", Type::kResponse,
       "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x05hello", true},
      {"response_connect_200_tunnel", Type::kResponse, "HTTP/1.1 200 Connection Established\r\n\r\ntunnel bytes", true,
       "CONNECT"},
      {"response_no_reason", Type::kResponse, "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"},
      {"response_http10_keep_alive", Type::kResponse,
       "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"},
  };
}

TEST(Http1ParserTest, FeedingByteByByteOrInPiecesEqualsFeedingAtOnce) {
  for (const ValidCase& c : validCases()) {
    RunOptions whole;
    whole.finish = c.finish;
    whole.request_method = c.request_method;
    const Outcome expected = run(c.type, c.input, whole);
    ASSERT_FALSE(expected.error) << c.name << "\n" << dump(expected);
    ASSERT_FALSE(expected.events.empty()) << c.name;
    for (size_t piece : {1, 2, 3, 7, 64}) {
      RunOptions opts = whole;
      opts.piece = piece;
      const Outcome got = run(c.type, c.input, opts);
      EXPECT_EQ(got.events, expected.events) << c.name << " piece=" << piece << "\n" << dump(got);
      EXPECT_EQ(got.consumed, expected.consumed) << c.name << " piece=" << piece;
      EXPECT_FALSE(got.error) << c.name << " piece=" << piece;
    }
  }
}

TEST(Http1ParserTest, ParsesRequestLineIntoPseudoHeaders) {
  const Outcome o = run(Type::kRequest, validCases()[0].input);
  ASSERT_EQ(o.headers.size(), 1u);
  const HeaderMap& h = o.headers[0];
  EXPECT_EQ(h.method(), "GET");
  EXPECT_EQ(h.path(), "/index.html?q=1");
  EXPECT_EQ(h.authority(), "example.com");
  EXPECT_EQ(h.scheme(), "http");
  EXPECT_FALSE(h.has(KnownHeader::kHost));
  EXPECT_EQ(h.get("user-agent"), "t");
  EXPECT_EQ(h.pseudoHeaderCount(), 4u);
  EXPECT_TRUE(o.infos[0].keep_alive);
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kNone);
  EXPECT_EQ(o.events.back(), "complete");
  EXPECT_TRUE(o.events[1].find("end=1") != std::string::npos);
}

TEST(Http1ParserTest, DefaultSchemeIsConfigurable) {
  Recorder rec;
  Parser p(Type::kRequest, Limits{}, rec);
  rec.parser = &p;
  p.setDefaultScheme("https");
  ASSERT_TRUE(p.execute(std::string_view("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).ok());
  EXPECT_EQ(rec.headers.at(0).scheme(), "https");
}

TEST(Http1ParserTest, DeliversContentLengthBodyZeroCopy) {
  const std::string input = "POST /submit HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world";
  struct Cb : ParserCallbacks {
    void onHeaders(HeaderMap&&, bool end) override { header_end = end; }
    void onBody(std::string_view c) override { chunks.push_back(c); }
    void onMessageComplete() override { ++complete; }
    bool header_end = true;
    std::vector<std::string_view> chunks;
    int complete = 0;
  } cb;
  Parser p(Type::kRequest, Limits{}, cb);
  ExecuteResult r = p.execute(input.data(), input.size());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.consumed, input.size());
  EXPECT_FALSE(cb.header_end);
  ASSERT_EQ(cb.chunks.size(), 1u);
  EXPECT_EQ(cb.chunks[0], "hello world");
  // The view points into the caller's bytes.
  EXPECT_EQ(cb.chunks[0].data(), input.data() + input.size() - 11);
  EXPECT_EQ(cb.complete, 1);
}

TEST(Http1ParserTest, ChunkedBodyAndTrailers) {
  const Outcome o = run(Type::kRequest, validCases()[2].input);
  ASSERT_FALSE(o.error) << dump(o);
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kChunked);
  ASSERT_EQ(o.trailers.size(), 1u);
  EXPECT_EQ(o.trailers[0].get("x-checksum"), "abc");
  EXPECT_EQ(o.trailers[0].size(), 2u);
  ASSERT_EQ(o.events.size(), 5u);
  EXPECT_EQ(o.events[2], "body:hello world");
  EXPECT_EQ(o.events[4], "complete");
}

TEST(Http1ParserTest, Http10KeepAliveRules) {
  Outcome o = run(Type::kRequest, "GET / HTTP/1.0\r\n\r\nGET /next HTTP/1.0\r\n\r\n");
  ASSERT_EQ(o.infos.size(), 1u);
  EXPECT_FALSE(o.infos[0].keep_alive);
  EXPECT_EQ(o.infos[0].version, Version::kHttp10);
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.consumed, 18u);  // stops at the end of the first message
  o = run(Type::kRequest, validCases()[5].input);
  ASSERT_EQ(o.infos.size(), 2u);
  EXPECT_TRUE(o.infos[0].keep_alive);
  EXPECT_FALSE(o.infos[1].keep_alive);
  EXPECT_EQ(o.headers[0].authority(), "");
}

TEST(Http1ParserTest, ConnectionCloseStopsParsingAfterTheMessage) {
  const ValidCase c = validCases()[6];
  const Outcome o = run(Type::kRequest, c.input);
  ASSERT_EQ(o.infos.size(), 1u);
  EXPECT_FALSE(o.infos[0].keep_alive);
  EXPECT_TRUE(o.done);
  EXPECT_EQ(o.consumed, c.input.find("GET /ignored"));
}

TEST(Http1ParserTest, AbsoluteFormTargetWinsOverHost) {
  Outcome o = run(Type::kRequest, validCases()[7].input);
  ASSERT_FALSE(o.error) << dump(o);
  EXPECT_EQ(o.headers[0].authority(), "Target.example:8080");
  EXPECT_EQ(o.headers[0].path(), "/p/a?x=1");
  EXPECT_EQ(o.headers[0].scheme(), "http");
  EXPECT_EQ(o.headers[0].getAll(KnownHeader::kAuthority).size(), 1u);
  o = run(Type::kRequest, validCases()[8].input);
  EXPECT_EQ(o.headers[0].path(), "/?x");
  EXPECT_EQ(o.headers[0].scheme(), "https");
}

TEST(Http1ParserTest, OptionsAsteriskTarget) {
  const Outcome o = run(Type::kRequest, validCases()[9].input);
  EXPECT_EQ(o.headers[0].path(), "*");
}

TEST(Http1ParserTest, ConnectBecomesATunnelUntilFinish) {
  RunOptions opts;
  opts.finish = true;
  const Outcome o = run(Type::kRequest, validCases()[10].input, opts);
  ASSERT_FALSE(o.error) << dump(o);
  EXPECT_EQ(o.headers[0].authority(), "db.internal:5432");
  EXPECT_FALSE(o.headers[0].has(KnownHeader::kPath));
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kTunnel);
  EXPECT_TRUE(o.infos[0].connect);
  EXPECT_EQ(o.events[2], std::string("body:raw\x01\x02 bytes"));
  EXPECT_EQ(o.events.back(), "complete");
}

TEST(Http1ParserTest, ReportsExpectContinueOnlyForHttp11) {
  Outcome o = run(Type::kRequest, validCases()[11].input);
  EXPECT_TRUE(o.infos[0].expect_continue);
  o = run(Type::kRequest, "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx");
  EXPECT_FALSE(o.infos[0].expect_continue);
}

TEST(Http1ParserTest, ReportsUpgradeAndCanSwitchToTunnel) {
  Recorder rec;
  rec.pause_on_complete = true;
  Parser p(Type::kRequest, Limits{}, rec);
  rec.parser = &p;
  const std::string input = validCases()[12].input + "websocket frames";
  ExecuteResult r = p.execute(input);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(rec.infos[0].upgrade);
  EXPECT_EQ(r.consumed, validCases()[12].input.size());
  p.enterTunnel();
  p.resume();
  r = p.execute(std::string_view(input).substr(r.consumed));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec.events.back(), "body:websocket frames");
  EXPECT_TRUE(p.inTunnel());
}

TEST(Http1ParserTest, PipelinedRequestsParseOneAtATimeWithPause) {
  const std::string input = validCases()[13].input;
  Recorder rec;
  rec.pause_on_complete = true;
  Parser p(Type::kRequest, Limits{}, rec);
  rec.parser = &p;
  std::string_view rest = input;
  std::vector<std::string> paths;
  while (!rest.empty()) {
    ExecuteResult r = p.execute(rest);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(p.paused());
    ASSERT_GT(r.consumed, 0u);
    paths.emplace_back(rec.headers.back().path());
    // The parser stopped exactly at the end of one message.
    EXPECT_EQ(rec.events.back(), "complete");
    EXPECT_TRUE(p.idle());
    rest.remove_prefix(r.consumed);
    // While paused nothing is consumed.
    EXPECT_EQ(p.execute(rest).consumed, 0u);
    p.resume();
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/1", "/2", "/3"}));
}

TEST(Http1ParserTest, PauseInOnBodyReturnsRightAfterThatChunk) {
  const std::string input = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789";
  Recorder rec;
  rec.pause_on_body = true;
  Parser p(Type::kRequest, Limits{}, rec);
  rec.parser = &p;
  ExecuteResult r = p.execute(input.data(), input.size() - 4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.consumed, input.size() - 4);
  EXPECT_TRUE(p.paused());
  EXPECT_EQ(rec.events.back(), "body:012345");
  p.resume();
  r = p.execute(input.data() + input.size() - 4, 4);
  EXPECT_EQ(r.consumed, 4u);
  // The last body piece paused the parser before completion was delivered.
  EXPECT_NE(rec.events.back(), "complete");
  p.resume();
  r = p.execute(nullptr, 0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(rec.events.back(), "complete");
}

TEST(Http1ParserTest, PauseInOnHeadersDefersCompletionOfBodylessMessage) {
  Recorder rec;
  rec.pause_on_headers = true;
  Parser p(Type::kRequest, Limits{}, rec);
  rec.parser = &p;
  const std::string input = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n";
  ExecuteResult r = p.execute(input);
  EXPECT_EQ(r.consumed, input.find("GET /2"));
  EXPECT_EQ(rec.events.size(), 2u);
  p.resume();
  rec.pause_on_headers = false;
  r = p.execute(std::string_view(input).substr(r.consumed));
  EXPECT_EQ(rec.events.size(), 6u);
  EXPECT_EQ(rec.events[2], "complete");
}

TEST(Http1ParserTest, IgnoresEmptyLinesBeforeRequestLine) {
  const Outcome o = run(Type::kRequest, validCases()[14].input);
  ASSERT_FALSE(o.error);
  EXPECT_EQ(o.headers.size(), 1u);
}

TEST(Http1ParserTest, TrimsValueWhitespaceAndKeepsObsText) {
  const Outcome o = run(Type::kRequest, validCases()[15].input);
  ASSERT_FALSE(o.error) << dump(o);
  EXPECT_EQ(o.headers[0].get("x-pad"), "spaced value");
  EXPECT_EQ(o.headers[0].get("x-utf8"), "caf\xc3\xa9");
  EXPECT_EQ(o.headers[0].get("x-empty"), "");
  EXPECT_EQ(o.headers[0].get("x-tab"), "a\tb");
}

TEST(Http1ParserTest, ResponseFramingFollowsRequestMethodAndStatus) {
  RunOptions head;
  head.request_method = "HEAD";
  Outcome o = run(Type::kResponse, validCases()[24].input, head);
  ASSERT_EQ(o.infos.size(), 2u) << dump(o);
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kNone);
  EXPECT_EQ(o.infos[0].status, 200);

  o = run(Type::kResponse, validCases()[25].input);
  ASSERT_EQ(o.infos.size(), 2u);
  EXPECT_EQ(o.infos[1].status, 304);
  EXPECT_EQ(o.infos[1].framing, BodyFraming::kNone);

  o = run(Type::kResponse, validCases()[26].input);
  ASSERT_EQ(o.infos.size(), 2u);
  EXPECT_EQ(o.infos[0].status, 100);
  EXPECT_EQ(o.headers[1].status(), 200);
  EXPECT_EQ(o.events.back(), "complete");
  EXPECT_EQ(o.events[o.events.size() - 2], "body:ok");
}

TEST(Http1ParserTest, ResponseWithoutLengthRunsUntilClose) {
  RunOptions opts;
  opts.finish = true;
  Outcome o = run(Type::kResponse, validCases()[22].input, opts);
  ASSERT_FALSE(o.error);
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kUntilClose);
  EXPECT_FALSE(o.infos[0].keep_alive);
  EXPECT_EQ(o.events[2], "body:all of this until close");
  EXPECT_EQ(o.events[3], "complete");
  opts.finish = false;
  o = run(Type::kResponse, validCases()[22].input, opts);
  EXPECT_NE(o.events.back(), "complete");
}

TEST(Http1ParserTest, SwitchingProtocolsAndConnectResponsesBecomeTunnels) {
  RunOptions opts;
  opts.finish = true;
  Outcome o = run(Type::kResponse, validCases()[27].input, opts);
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kTunnel);
  EXPECT_EQ(o.events[2], "body:\x81\x05hello");
  opts.request_method = "CONNECT";
  o = run(Type::kResponse, validCases()[28].input, opts);
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kTunnel);
  EXPECT_EQ(o.events[2], "body:tunnel bytes");
}

TEST(Http1ParserTest, FinishMidMessageIsAnError) {
  RunOptions opts;
  opts.finish = true;
  Outcome o = run(Type::kRequest, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kIncompleteMessage);
  o = run(Type::kRequest, "GET / HTTP/1.1\r\nHo", opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kIncompleteMessage);
  o = run(Type::kRequest, "", opts);
  EXPECT_FALSE(o.error);
}

TEST(Http1ParserTest, ErrorIsStickyAndCarriesHttpStatus) {
  Recorder rec;
  Parser p(Type::kRequest, Limits{}, rec);
  rec.parser = &p;
  ExecuteResult r = p.execute(std::string_view("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, ParseErrorCode::kInvalidContentLength);
  EXPECT_EQ(r.error->http_status, 400);
  EXPECT_FALSE(r.error->reason.empty());
  EXPECT_TRUE(p.failed());
  r = p.execute(std::string_view("GET / HTTP/1.1\r\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error->code, ParseErrorCode::kInvalidContentLength);
}

// --- Limits ---

TEST(Http1ParserLimitsTest, HeaderBytesLimitGives431WholeOrPartial) {
  RunOptions opts;
  opts.limits.max_header_bytes = 100;
  const std::string big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(100, 'b') + "\r\n\r\n";
  for (size_t piece : {0, 1, 10}) {
    opts.piece = piece;
    Outcome o = run(Type::kRequest, big, opts);
    EXPECT_EQ(codeOf(o), ParseErrorCode::kHeaderBytesExceeded) << piece;
    EXPECT_EQ(o.error->http_status, 431);
  }
  // Without the terminating LF (a client that never ends the line).
  opts.piece = 0;
  Outcome o = run(Type::kRequest, "GET / HTTP/1.1\r\nX: " + std::string(200, 'v'), opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kHeaderBytesExceeded);
  // Exactly at the limit passes.
  const std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  const std::string pad = "X: " + std::string(100 - head.size() - 2 - 5, 'p') + "\r\n\r\n";
  o = run(Type::kRequest, head + pad, opts);
  EXPECT_FALSE(o.error) << dump(o) << (head + pad).size();
}

TEST(Http1ParserLimitsTest, HeaderCountLimitGives431) {
  RunOptions opts;
  opts.limits.max_header_count = 3;
  std::string req = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n";
  EXPECT_FALSE(run(Type::kRequest, req, opts).error);
  req = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  Outcome o = run(Type::kRequest, req, opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kHeaderCountExceeded);
  EXPECT_EQ(o.error->http_status, 431);
}

TEST(Http1ParserLimitsTest, UriLengthLimitGives414WholeOrPartial) {
  RunOptions opts;
  opts.limits.max_uri_length = 50;
  opts.limits.max_header_bytes = 120;
  const std::string ok = "GET /" + std::string(49, 'u') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  EXPECT_FALSE(run(Type::kRequest, ok, opts).error);
  const std::string longer = "GET /" + std::string(50, 'u') + " HTTP/1.1\r\nHost: a\r\n\r\n";
  Outcome o = run(Type::kRequest, longer, opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kUriTooLong);
  EXPECT_EQ(o.error->http_status, 414);
  // A target longer than the whole header budget, still arriving.
  o = run(Type::kRequest, "GET /" + std::string(500, 'u'), opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kUriTooLong);
}

TEST(Http1ParserLimitsTest, BodyLimitGives413ForEveryFraming) {
  RunOptions opts;
  opts.limits.max_body_bytes = 10;
  Outcome o = run(Type::kRequest, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kBodyTooLarge);
  EXPECT_EQ(o.error->http_status, 413);
  EXPECT_FALSE(run(Type::kRequest, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", opts).error);
  o = run(Type::kRequest,
          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n01234\r\n0\r\n\r\n", opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kBodyTooLarge);
  o = run(Type::kResponse, "HTTP/1.1 200 OK\r\n\r\n" + std::string(11, 'x'), opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kBodyTooLarge);
}

TEST(Http1ParserLimitsTest, ChunkLineAndTrailerLimits) {
  RunOptions opts;
  opts.limits.max_chunk_line_bytes = 20;
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  Outcome o = run(Type::kRequest, head + "1;" + std::string(30, 'e') + "\r\nx\r\n0\r\n\r\n", opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kChunkLineTooLong);
  EXPECT_EQ(o.error->http_status, 400);
  EXPECT_FALSE(run(Type::kRequest, head + "1;" + std::string(18, 'e') + "\r\nx\r\n0\r\n\r\n", opts).error);
  opts.limits.max_trailer_bytes = 30;
  o = run(Type::kRequest, head + "0\r\nX-T: " + std::string(40, 't') + "\r\n\r\n", opts);
  EXPECT_EQ(codeOf(o), ParseErrorCode::kTrailerBytesExceeded);
  EXPECT_EQ(o.error->http_status, 431);
}

// --- Request smuggling and malformed-message corpus. Each case must be
// rejected with exactly this code, whole and fed byte by byte. ---
struct RejectCase {
  const char* name;
  Type type;
  std::string input;
  ParseErrorCode code;
};

const std::string kChunkedHead = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

std::vector<RejectCase> rejectCases() {
  using C = ParseErrorCode;
  const Type Rq = Type::kRequest;
  const Type Rs = Type::kResponse;
  auto req = [](const std::string& fields, const std::string& body = "") {
    return "POST / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n" + body;
  };
  return {
      {"cl_duplicate_identical", Rq, req("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), C::kMultipleContentLength},
      {"cl_duplicate_differing", Rq, req("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), C::kMultipleContentLength},
      {"cl_list_identical", Rq, req("Content-Length: 5, 5\r\n", "hello"), C::kMultipleContentLength},
      {"cl_list_differing", Rq, req("Content-Length: 5,6\r\n", "hello"), C::kMultipleContentLength},
      {"cl_plus_sign", Rq, req("Content-Length: +5\r\n", "hello"), C::kInvalidContentLength},
      {"cl_negative", Rq, req("Content-Length: -5\r\n"), C::kInvalidContentLength},
      {"cl_inner_space", Rq, req("Content-Length: 1 0\r\n"), C::kInvalidContentLength},
      {"cl_hex", Rq, req("Content-Length: 0x5\r\n"), C::kInvalidContentLength},
      {"cl_empty", Rq, req("Content-Length:\r\n"), C::kInvalidContentLength},
      {"cl_overflow", Rq, req("Content-Length: 99999999999999999999\r\n"), C::kInvalidContentLength},
      {"cl_trailing_letter", Rq, req("Content-Length: 5a\r\n"), C::kInvalidContentLength},
      {"cl_then_te", Rq, req("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
       C::kContentLengthAndTransferEncoding},
      {"te_then_cl", Rq, req("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"),
       C::kContentLengthAndTransferEncoding},
      {"te_gzip_only", Rq, req("Transfer-Encoding: gzip\r\n"), C::kChunkedNotFinal},
      {"te_chunked_then_gzip", Rq, req("Transfer-Encoding: chunked, gzip\r\n"), C::kChunkedNotFinal},
      {"te_chunked_twice_list", Rq, req("Transfer-Encoding: chunked, chunked\r\n"), C::kChunkedTwice},
      {"te_chunked_twice_lines", Rq, req("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"),
       C::kChunkedTwice},
      {"te_xchunked", Rq, req("Transfer-Encoding: xchunked\r\n"), C::kUnknownTransferCoding},
      {"te_identity", Rq, req("Transfer-Encoding: identity\r\n"), C::kUnknownTransferCoding},
      {"te_chunked_with_param", Rq, req("Transfer-Encoding: chunked;x=1\r\n"), C::kInvalidTransferEncoding},
      {"te_empty_element", Rq, req("Transfer-Encoding: , chunked\r\n"), C::kInvalidTransferEncoding},
      {"te_vertical_tab", Rq, req("Transfer-Encoding:\x0b" "chunked\r\n"), C::kInvalidHeaderValue},
      {"te_in_http10", Rq, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", C::kTransferEncodingHttp10},
      {"obs_fold", Rq, req("X-A: one\r\n two\r\n"), C::kObsFold},
      {"obs_fold_te", Rq, req("Transfer-Encoding: gzip\r\n chunked\r\n"), C::kObsFold},
      {"obs_fold_tab", Rq, req("X-A: one\r\n\ttwo\r\n"), C::kObsFold},
      {"bare_cr_in_value", Rq, req("X-A: a\rb\r\n"), C::kBareCr},
      {"bare_cr_line_end", Rq, req("X-A: a\rContent-Length: 5\r\n"), C::kBareCr},
      {"bare_lf_header", Rq, "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", C::kBareLf},
      {"bare_lf_request_line", Rq, "GET / HTTP/1.1\nHost: a\r\n\r\n", C::kBareLf},
      {"bare_lf_end_of_head", Rq, "GET / HTTP/1.1\r\nHost: a\r\n\n", C::kBareLf},
      {"bare_cr_request_line", Rq, "GET / HTTP/1.1\rHost: a\r\n\r\n", C::kBareCr},
      {"bare_cr_before_request", Rq, "\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", C::kBareCr},
      {"space_before_colon", Rq, req("Transfer-Encoding : chunked\r\n"), C::kWhitespaceBeforeColon},
      {"tab_before_colon", Rq, req("Content-Length\t: 5\r\n"), C::kWhitespaceBeforeColon},
      {"space_inside_name", Rq, req("Content Length: 5\r\n"), C::kInvalidHeaderName},
      {"non_token_name", Rq, req("X@Y: 1\r\n"), C::kInvalidHeaderName},
      {"quote_in_name", Rq, req("X\"Y: 1\r\n"), C::kInvalidHeaderName},
      {"empty_name", Rq, req(": value\r\n"), C::kInvalidHeaderName},
      {"no_colon", Rq, req("NoColonHere\r\n"), C::kInvalidHeaderName},
      {"ctl_in_name", Rq, req("X\x01Y: 1\r\n"), C::kInvalidHeaderName},
      {"nul_in_value", Rq, req(std::string("X: a\0b\r\n", 8)), C::kNulCharacter},
      {"nul_in_name", Rq, req(std::string("X\0: a\r\n", 7)), C::kNulCharacter},
      {"nul_in_target", Rq, std::string("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 30), C::kNulCharacter},
      {"del_in_value", Rq, req("X: a\x7f\r\n"), C::kInvalidHeaderValue},
      {"ctl_in_value", Rq, req("X: a\x01\r\n"), C::kInvalidHeaderValue},
      {"chunk_size_empty", Rq, kChunkedHead + "\r\nx\r\n0\r\n\r\n", C::kInvalidChunkSize},
      {"chunk_size_non_hex", Rq, kChunkedHead + "g\r\nx\r\n0\r\n\r\n", C::kInvalidChunkSize},
      {"chunk_size_overflow", Rq, kChunkedHead + "10000000000000000\r\nx\r\n", C::kInvalidChunkSize},
      {"chunk_size_negative", Rq, kChunkedHead + "-1\r\nx\r\n", C::kInvalidChunkSize},
      {"chunk_size_0x_prefix", Rq, kChunkedHead + "0x5\r\nhello\r\n0\r\n\r\n", C::kInvalidChunkSize},
      {"chunk_size_trailing_space", Rq, kChunkedHead + "5 \r\nhello\r\n0\r\n\r\n", C::kInvalidChunkSize},
      {"chunk_size_leading_space", Rq, kChunkedHead + " 5\r\nhello\r\n0\r\n\r\n", C::kInvalidChunkSize},
      {"chunk_ext_empty", Rq, kChunkedHead + "5;\r\nhello\r\n0\r\n\r\n", C::kInvalidChunkExtension},
      {"chunk_ext_unclosed_quote", Rq, kChunkedHead + "5;a=\"x\r\nhello\r\n0\r\n\r\n", C::kInvalidChunkExtension},
      {"chunk_ext_bare_lf", Rq, kChunkedHead + "5;a\nhello\r\n0\r\n\r\n", C::kBareLf},
      {"chunk_size_bare_cr", Rq, kChunkedHead + "5\rhello\r\n0\r\n\r\n", C::kInvalidChunkSize},
      {"chunk_missing_crlf", Rq, kChunkedHead + "5\r\nhelloX\r\n0\r\n\r\n", C::kMissingChunkCrlf},
      {"chunk_data_then_lf_only", Rq, kChunkedHead + "5\r\nhello\n0\r\n\r\n", C::kMissingChunkCrlf},
      {"last_chunk_lf_only", Rq, kChunkedHead + "0\n\r\n", C::kBareLf},
      {"bad_method_char", Rq, "G(ET / HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidMethod},
      {"lowercase_version", Rq, "GET / http/1.1\r\nHost: a\r\n\r\n", C::kInvalidVersion},
      {"version_two_digit_minor", Rq, "GET / HTTP/1.10\r\nHost: a\r\n\r\n", C::kInvalidVersion},
      {"version_http2", Rq, "GET / HTTP/2.0\r\nHost: a\r\n\r\n", C::kUnsupportedVersion},
      {"double_space_after_method", Rq, "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestLine},
      {"double_space_after_target", Rq, "GET /  HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestLine},
      {"trailing_space_request_line", Rq, "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", C::kInvalidRequestLine},
      {"missing_version", Rq, "GET /\r\nHost: a\r\n\r\n", C::kInvalidRequestLine},
      {"tab_separator", Rq, "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestLine},
      {"missing_host", Rq, "GET / HTTP/1.1\r\nX: 1\r\n\r\n", C::kMissingHost},
      {"missing_host_absolute_form", Rq, "GET http://a/ HTTP/1.1\r\n\r\n", C::kMissingHost},
      {"two_hosts", Rq, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", C::kMultipleHost},
      {"host_with_userinfo", Rq, "GET / HTTP/1.1\r\nHost: evil@good\r\n\r\n", C::kInvalidHost},
      {"host_with_space", Rq, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", C::kInvalidHost},
      {"host_empty", Rq, "GET / HTTP/1.1\r\nHost:\r\n\r\n", C::kInvalidHost},
      {"host_with_slash", Rq, "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", C::kInvalidHost},
      {"absolute_form_userinfo", Rq, "GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestTarget},
      {"absolute_form_bad_scheme", Rq, "GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestTarget},
      {"relative_target", Rq, "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestTarget},
      {"asterisk_with_get", Rq, "GET * HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestTarget},
      {"non_ascii_target", Rq, "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestTarget},
      {"connect_without_port", Rq, "CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", C::kInvalidRequestTarget},
      {"trailer_content_length", Rq, kChunkedHead + "0\r\nContent-Length: 5\r\n\r\n", C::kForbiddenTrailer},
      {"trailer_obs_fold", Rq, kChunkedHead + "0\r\nX: a\r\n b\r\n\r\n", C::kObsFold},
      {"trailer_space_before_colon", Rq, kChunkedHead + "0\r\nX : a\r\n\r\n", C::kWhitespaceBeforeColon},
      {"response_cl_and_te", Rs, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
       C::kContentLengthAndTransferEncoding},
      {"response_two_cl", Rs, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
       C::kMultipleContentLength},
      {"response_chunked_twice", Rs, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
       C::kChunkedTwice},
      {"response_four_digit_status", Rs, "HTTP/1.1 2000 OK\r\n\r\n", C::kInvalidStatusLine},
      {"response_status_099", Rs, "HTTP/1.1 099 X\r\n\r\n", C::kInvalidStatusLine},
      {"response_status_letters", Rs, "HTTP/1.1 2x0 OK\r\n\r\n", C::kInvalidStatusLine},
      {"response_bad_version", Rs, "HTTP/1.x 200 OK\r\n\r\n", C::kInvalidVersion},
      {"response_ctl_in_reason", Rs, "HTTP/1.1 200 O\x01K\r\n\r\n", C::kInvalidStatusLine},
      {"response_bare_lf", Rs, "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", C::kBareLf},
      {"response_obs_fold", Rs, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", C::kObsFold},
  };
}

TEST(Http1SmugglingTest, CorpusHasAtLeastFortyDistinctCases) {
  const auto cases = rejectCases();
  EXPECT_GE(cases.size(), 40u);
  std::set<std::string> inputs;
  for (const auto& c : cases) inputs.insert(std::to_string(static_cast<int>(c.type)) + c.input);
  EXPECT_EQ(inputs.size(), cases.size());
}

TEST(Http1SmugglingTest, EveryMalformedMessageIsRejectedWithItsCode) {
  for (const RejectCase& c : rejectCases()) {
    for (size_t piece : {0, 1, 5}) {
      RunOptions opts;
      opts.piece = piece;
      opts.finish = true;
      const Outcome o = run(c.type, c.input, opts);
      ASSERT_TRUE(o.error.has_value()) << c.name << " piece=" << piece << "\n" << dump(o);
      EXPECT_EQ(o.error->code, c.code) << c.name << " piece=" << piece << " got "
                                       << parseErrorCodeName(o.error->code);
      EXPECT_NE(o.error->http_status, 200);
      // Never a complete message for a rejected one.
      EXPECT_TRUE(o.events.empty() || o.events.back() != "complete" || c.type == Type::kResponse ||
                  o.infos.size() > 1)
          << c.name;
    }
  }
}

TEST(Http1SmugglingTest, StatusCodesMapAsDocumented) {
  for (const RejectCase& c : rejectCases()) {
    const Outcome o = run(c.type, c.input);
    ASSERT_TRUE(o.error) << c.name;
    int expected = 400;
    if (c.code == ParseErrorCode::kUnknownTransferCoding) expected = 501;
    if (c.code == ParseErrorCode::kUnsupportedVersion) expected = 505;
    EXPECT_EQ(o.error->http_status, expected) << c.name;
  }
}

// The byte scans work on 16-byte blocks; put the bad byte at every offset of
// long lines so block boundaries and tails are all covered.
TEST(Http1SmugglingTest, BadBytesAreFoundAtEveryPositionOfLongLines) {
  for (size_t at = 0; at < 40; ++at) {
    std::string value(40, 'v');
    value[5] = '\t';
    value[9] = '\x80';
    const std::string ok_req = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + value + "\r\n\r\n";
    EXPECT_FALSE(run(Type::kRequest, ok_req).error) << at;
    for (const auto& [byte, code] : std::vector<std::pair<char, ParseErrorCode>>{
             {'\x01', ParseErrorCode::kInvalidHeaderValue},
             {'\x7f', ParseErrorCode::kInvalidHeaderValue},
             {'\x1f', ParseErrorCode::kInvalidHeaderValue},
             {'\0', ParseErrorCode::kNulCharacter},
             {'\r', ParseErrorCode::kBareCr}}) {
      std::string bad = value;
      bad[at] = byte;
      if (at == 0 || at == 39) bad = "a" + bad + "z";  // keep OWS trimming out of the way
      const std::string req = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + bad + "\r\n\r\n";
      EXPECT_EQ(codeOf(run(Type::kRequest, req)), code) << "at=" << at << " byte=" << int(byte);
    }
    std::string target = "/" + std::string(40, 't');
    EXPECT_FALSE(run(Type::kRequest, "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n").error);
    for (char byte : {'\x7f', '\x80', '\x1f', '\xff'}) {
      std::string bad = target;
      bad[at + 1] = byte;
      EXPECT_EQ(codeOf(run(Type::kRequest, "GET " + bad + " HTTP/1.1\r\nHost: a\r\n\r\n")),
                ParseErrorCode::kInvalidRequestTarget)
          << "at=" << at << " byte=" << int(byte);
    }
  }
}

TEST(Http1SmugglingTest, NearMissesAreAccepted) {
  Outcome o = run(Type::kRequest, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:  005 \r\n\r\nabcde");
  ASSERT_FALSE(o.error) << dump(o);
  EXPECT_EQ(o.infos[0].content_length, 5u);
  o = run(Type::kRequest,
          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED\r\n\r\n00a\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_FALSE(o.error) << dump(o);
  EXPECT_EQ(o.infos[0].framing, BodyFraming::kChunked);
  o = run(Type::kRequest, kChunkedHead + "5 ; a = b ;c=\"q\\\"d\"\r\nhello\r\nA\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_FALSE(o.error) << dump(o);
  EXPECT_EQ(o.events[2], "body:hello0123456789");
  o = run(Type::kRequest, "GET http://good/ HTTP/1.1\r\nHost: evil\r\n\r\n");
  ASSERT_FALSE(o.error);
  EXPECT_EQ(o.headers[0].authority(), "good");
  o = run(Type::kRequest, "GET / HTTP/1.1\r\nhOsT: MiXeD.example\r\nConnection: Keep-Alive, CLOSE\r\n\r\n");
  ASSERT_FALSE(o.error);
  EXPECT_FALSE(o.infos[0].keep_alive);
  o = run(Type::kRequest, "GET / HTTP/1.0\r\n\r\n");
  EXPECT_FALSE(o.error) << "HTTP/1.0 needs no Host";
  o = run(Type::kResponse, "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(o.error) << "empty reason phrase";
  o = run(Type::kRequest, "GET /a%20b?x=[1]&y=\"q\" HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_FALSE(o.error) << "printable ASCII in target";
}

}  // namespace
}  // namespace weir::http::http1

// HTTP/1 codec hot paths: parsing typical request and response heads,
// a chunked body, and encoding a response head. Reports bytes/s and
// messages/s; compare runs side by side on the same machine.
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "base/buffer.h"
#include "http/http1/encoder.h"
#include "http/http1/parser.h"

namespace {

using namespace weir::http;
using namespace weir::http::http1;

// What a browser sends through a proxy: 11 fields, ~500 bytes.
const std::string kBrowserRequest =
    "GET /api/v1/items/12345?include=owner&sort=-created HTTP/1.1\r\n"
    "Host: shop.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n"
    "Accept: application/json, text/plain, */*\r\n"
    "Accept-Language: en-US,en;q=0.5\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://shop.example.com/items\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=4f6a2b9c1d; theme=dark; cart=17\r\n"
    "Sec-Fetch-Dest: empty\r\n"
    "Sec-Fetch-Mode: cors\r\n"
    "X-Request-Id: 8d3c8a5e-9f1b-4c1e-a3f2-7d5b1e9c0a44\r\n"
    "\r\n";

// What wrk sends: the benchmark the proxy is judged by.
const std::string kWrkRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1:10000\r\n\r\n";

const std::string kResponse =
    "HTTP/1.1 200 OK\r\n"
    "Server: nginx/1.22.1\r\n"
    "Date: Sat, 28 Nov 2026 00:00:00 GMT\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 13\r\n"
    "Connection: keep-alive\r\n"
    "\r\n"
    "{\"ok\": true}\n";

class Sink : public ParserCallbacks {
 public:
  void onHeaders(HeaderMap&& h, bool) override { benchmark::DoNotOptimize(h.size()); }
  void onBody(std::string_view c) override { benchmark::DoNotOptimize(c.data()); }
  void onMessageComplete() override { ++messages; }
  size_t messages = 0;
};

void parseRepeatedly(benchmark::State& state, Parser::Type type, const std::string& msg) {
  Sink sink;
  Parser parser(type, Limits{}, sink);
  for (auto _ : state) {
    ExecuteResult r = parser.execute(msg.data(), msg.size());
    if (!r.ok() || r.consumed != msg.size()) state.SkipWithError("parse failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * msg.size()));
  state.SetItemsProcessed(static_cast<int64_t>(sink.messages));
}

void BM_ParseBrowserRequest(benchmark::State& state) { parseRepeatedly(state, Parser::Type::kRequest, kBrowserRequest); }
BENCHMARK(BM_ParseBrowserRequest);

void BM_ParseWrkRequest(benchmark::State& state) { parseRepeatedly(state, Parser::Type::kRequest, kWrkRequest); }
BENCHMARK(BM_ParseWrkRequest);

void BM_ParseResponse(benchmark::State& state) { parseRepeatedly(state, Parser::Type::kResponse, kResponse); }
BENCHMARK(BM_ParseResponse);

void BM_ParseBrowserRequestByteByByte(benchmark::State& state) {
  Sink sink;
  Parser parser(Parser::Type::kRequest, Limits{}, sink);
  for (auto _ : state) {
    for (size_t i = 0; i < kBrowserRequest.size(); ++i) {
      ExecuteResult r = parser.execute(kBrowserRequest.data() + i, 1);
      if (!r.ok()) state.SkipWithError("parse failed");
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kBrowserRequest.size()));
}
BENCHMARK(BM_ParseBrowserRequestByteByByte);

void BM_ParseChunkedBody(benchmark::State& state) {
  std::string msg = "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(static_cast<size_t>(state.range(0)), 'x');
  for (int i = 0; i < 16; ++i) {
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
    msg += size + chunk + "\r\n";
  }
  msg += "0\r\n\r\n";
  parseRepeatedly(state, Parser::Type::kRequest, msg);
}
BENCHMARK(BM_ParseChunkedBody)->Arg(64)->Arg(4096);

void BM_EncodeResponseHead(benchmark::State& state) {
  HeaderMap headers{{":status", "200"},
                    {"server", "weir"},
                    {"date", "Sat, 28 Nov 2026 00:00:00 GMT"},
                    {"content-type", "application/json"},
                    {"content-length", "13"}};
  weir::Buffer out;
  for (auto _ : state) {
    encodeResponseHead(headers, out);
    benchmark::DoNotOptimize(out.data());
    out.drain(out.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_EncodeResponseHead);

void BM_HeaderMapKnownLookup(benchmark::State& state) {
  HeaderMap h;
  for (int i = 0; i < 10; ++i) h.add("x-custom-" + std::to_string(i), "v");
  h.add("content-length", "10");
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.get(KnownHeader::kContentLength));
    benchmark::DoNotOptimize(h.get("Content-Length"));
  }
}
BENCHMARK(BM_HeaderMapKnownLookup);

}  // namespace

// Feeds arbitrary bytes to the HTTP/1 parser as a request stream and as a
// response stream, once whole and once split at a point taken from the input,
// and traps if the two runs disagree (callbacks or error) — the parser's
// promise is that how bytes arrive never changes what they mean.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/http1/parser.h"

namespace {

using weir::http::HeaderMap;
using namespace weir::http::http1;

class Trace : public ParserCallbacks {
 public:
  void onMessageBegin() override {}  // position-dependent by design; not compared
  void onHeaders(HeaderMap&& h, bool end_stream) override {
    const MessageInfo& i = parser->messageInfo();
    out += "H" + std::to_string(end_stream) + std::to_string(static_cast<int>(i.framing)) +
           std::to_string(i.keep_alive) + std::to_string(i.content_length) + "\n" + h.toString();
    in_body = false;
    // Exercise the map on what came off the wire.
    HeaderMap copy = h;
    copy.set("x-fuzz", copy.getOr(":path"));
    copy.remove("content-length");
    if (copy.size() > h.size() + 1) std::abort();
  }
  void onBody(std::string_view chunk) override {
    if (!in_body) out += "B:";
    in_body = true;
    out.append(chunk);
  }
  void onTrailers(HeaderMap&& t) override {
    out += "\nT\n" + t.toString();
    in_body = false;
  }
  void onMessageComplete() override {
    out += "\nC\n";
    in_body = false;
  }
  Parser* parser = nullptr;
  std::string out;
  bool in_body = false;
};

std::string runOnce(Parser::Type type, std::string_view method, std::string_view data, size_t split,
                    const Limits& limits) {
  Trace trace;
  Parser parser(type, limits, trace);
  trace.parser = &parser;
  parser.setRequestMethod(method);
  std::vector<std::string_view> parts;
  if (split == 0 || split >= data.size()) {
    parts.push_back(data);
  } else {
    parts.push_back(data.substr(0, split));
    parts.push_back(data.substr(split));
  }
  for (std::string_view part : parts) {
    ExecuteResult r = parser.execute(part.data(), part.size());
    if (r.consumed > part.size()) std::abort();
    if (!r.ok()) {
      if (r.error->http_status < 400 || r.error->reason.empty()) std::abort();
      return trace.out + "\nE" + std::string(parseErrorCodeName(r.error->code));
    }
    if (r.consumed < part.size()) {
      if (!parser.done()) std::abort();  // without pause, only a finished connection stops early
      break;
    }
  }
  ExecuteResult r = parser.finish();
  if (!r.ok()) return trace.out + "\nF" + std::string(parseErrorCodeName(r.error->code));
  return trace.out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t split_byte = data[0];
  const uint8_t flags = data[1];
  const std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t split = input.empty() ? 0 : (split_byte * input.size()) / 256;

  Limits limits;
  if (flags & 1) {
    // Small limits so the fuzzer reaches every limit branch quickly.
    limits.max_header_bytes = 256;
    limits.max_header_count = 8;
    limits.max_uri_length = 64;
    limits.max_body_bytes = 128;
    limits.max_chunk_line_bytes = 32;
    limits.max_trailer_bytes = 64;
  }
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "CONNECT", "POST"};
  const std::string_view method = kMethods[(flags >> 1) & 3];

  for (Parser::Type type : {Parser::Type::kRequest, Parser::Type::kResponse}) {
    const std::string whole = runOnce(type, method, input, 0, limits);
    const std::string pieces = runOnce(type, method, input, split, limits);
    if (whole != pieces) {
      std::fprintf(stderr, "split at %zu changed the result\n--- whole:\n%s\n--- split:\n%s\n", split, whole.c_str(),
                   pieces.c_str());
      std::abort();
    }
  }
  return 0;
}

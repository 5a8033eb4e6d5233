// weir::hub::HttpServer — the hub's HTTP/1.1 server: weir's own event loop
// (event::Dispatcher on N worker threads), listeners (net::Listener with
// SO_REUSEPORT, one per worker) and codec (http1::Parser / StreamEncoder),
// with a small handler interface instead of the proxy's filter chain.
//
// Streaming both ways, with bounded memory:
//   - request bodies are handed to RequestStream::onBody() piece by piece as
//     they are parsed (the handler writes them to disk synchronously), never
//     accumulated;
//   - response bodies can come from a BodySource read in 64 KiB pieces only
//     while the connection's write buffer is below its high watermark
//     (1 MiB); the low-watermark callback resumes the pump.
// Requests on one connection are answered in order (pipelining pauses the
// parser until the response is written).
//
// Threading: each connection lives on one worker; the HttpHandler is shared
// by all workers and must be thread-safe. A RequestStream is used on one
// thread only.
#pragma once

#include "http/header_utility.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/header_map.h"
#include "http/http1/parser.h"
#include "net/address.h"

namespace weir::hub {

struct HttpRequest {
  std::string method;
  std::string path;   // percent-encoded path, without the query
  std::string query;  // after '?', raw
  http::HeaderMap headers;
  std::optional<uint64_t> content_length;  // nullopt for chunked bodies
  bool has_body = false;
  std::string remote;  // "ip:port"
};

// A response body produced in pieces (a blob file).
class BodySource {
 public:
  virtual ~BodySource() = default;
  virtual uint64_t length() const = 0;
  // Appends up to `max` next bytes to `out`; returns how many (0 = error
  // before length() bytes were produced; the connection is then reset).
  virtual size_t read(std::string& out, size_t max) = 0;
};

struct HttpResponse {
  int status = 200;
  http::HeaderMap headers;  // without :status; content-length is set by the server
  std::string body;
  std::unique_ptr<BodySource> source;  // when set, the body (and `body` is ignored)
  bool close = false;                  // close the connection after this response

  HttpResponse() = default;
  explicit HttpResponse(int s) : status(s) {}
};

// One request's body consumer; created by HttpHandler::onRequest.
class RequestStream {
 public:
  virtual ~RequestStream() = default;
  virtual void onBody(std::string_view chunk) = 0;
  virtual HttpResponse onComplete() = 0;
  // The connection went away before the request completed.
  virtual void onAbort() {}
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Return a stream to receive the body and produce the response, or
  // nullptr after filling `reply` to answer at once (a body still to come is
  // discarded, and large ones close the connection).
  virtual std::unique_ptr<RequestStream> onRequest(HttpRequest& request, HttpResponse& reply) = 0;
};

struct HttpServerOptions {
  net::Address address;
  int workers = 2;
  http::http1::Limits limits;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
  uint32_t write_high_watermark = 1024 * 1024;
  std::string server_name = "weir-hub";
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler& handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds every worker's listener and starts the worker threads.
  Status start();
  // The bound address (port filled in when 0 was asked for).
  const net::Address& address() const { return bound_; }
  // Stops accepting, closes connections, joins the workers.
  void stop();

  uint64_t requestsServed() const { return requests_.load(std::memory_order_relaxed); }

 private:
  class Worker;
  class Connection;
  HttpServerOptions options_;
  HttpHandler& handler_;
  net::Address bound_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<uint64_t> requests_{0};
};

// Helpers for handlers.
// Value of a query parameter, percent-decoded (nullopt when absent).
std::optional<std::string> queryParam(std::string_view query, std::string_view name);
std::vector<std::string> queryParams(std::string_view query, std::string_view name);
using http::percentDecode;  // %XX and + (http/header_utility.h)
std::string percentEncode(std::string_view s);
// The request without its body, for streams that answer after the body.
HttpRequest requestHead(const HttpRequest& request);
// A stream that buffers a small body (forms, JSON, the token endpoint's
// POST) and hands it to `done`; bodies past `max` bytes get 413.
std::unique_ptr<RequestStream> bufferedBody(size_t max, std::function<HttpResponse(const std::string&)> done);

}  // namespace weir::hub

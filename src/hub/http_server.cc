#include "hub/http_server.h"

#include <unordered_map>

#include "base/buffer.h"
#include "base/logging.h"
#include "event/dispatcher.h"
#include "http/http1/encoder.h"
#include "net/connection.h"
#include "net/listener.h"

namespace weir::hub {

namespace {
constexpr size_t kPumpChunk = 64 * 1024;
// An early reply to a request whose body is still coming: bodies up to this
// size are read and dropped so the connection stays usable; larger ones (and
// chunked ones) close the connection after the reply.
constexpr uint64_t kMaxDiscardBytes = 1024 * 1024;

}  // namespace

std::string percentEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || c == '/' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::vector<std::string> queryParams(std::string_view query, std::string_view name) {
  std::vector<std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (percentDecode(pair.substr(0, eq)) == name) {
      out.push_back(eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::unique_ptr<RequestStream> bufferedBody(size_t max, std::function<HttpResponse(const std::string&)> done) {
  class Stream : public RequestStream {
   public:
    Stream(size_t max, std::function<HttpResponse(const std::string&)> done) : max_(max), done_(std::move(done)) {}
    void onBody(std::string_view chunk) override {
      if (too_large_ || body_.size() + chunk.size() > max_) {
        too_large_ = true;
        body_.clear();
        return;
      }
      body_.append(chunk);
    }
    HttpResponse onComplete() override {
      if (too_large_) {
        HttpResponse r(413);
        r.body = "request body too large\n";
        return r;
      }
      return done_(body_);
    }

   private:
    size_t max_;
    std::function<HttpResponse(const std::string&)> done_;
    std::string body_;
    bool too_large_ = false;
  };
  return std::make_unique<Stream>(max, std::move(done));
}

HttpRequest requestHead(const HttpRequest& request) {
  HttpRequest copy;
  copy.method = request.method;
  copy.path = request.path;
  copy.query = request.query;
  copy.headers = request.headers;
  copy.remote = request.remote;
  return copy;
}

std::optional<std::string> queryParam(std::string_view query, std::string_view name) {
  auto all = queryParams(query, name);
  if (all.empty()) return std::nullopt;
  return all.front();
}

// ---------------------------------------------------------------------------

class HttpServer::Connection : public event::DeferredDeletable,
                               public net::ReadCallback,
                               public net::ConnectionCallbacks,
                               public http::http1::ParserCallbacks {
 public:
  Connection(HttpServer& server, Worker& worker, net::ConnectionPtr conn);
  ~Connection() override;
  void start();

  // net::ReadCallback
  void onData(Buffer& data, bool end_stream) override;
  // net::ConnectionCallbacks
  void onEvent(net::ConnectionEvent event) override;
  void onBelowWriteBufferLowWatermark() override { pump(); }
  // ParserCallbacks
  void onMessageBegin() override;
  void onHeaders(http::HeaderMap&& headers, bool end_stream) override;
  void onBody(std::string_view chunk) override;
  void onMessageComplete() override;

 private:
  void sendResponse(HttpResponse response);
  void sendSimple(int status, std::string_view body);
  void pump();
  void responseDone();
  void maybeNext();
  void closeNow(net::ConnectionCloseType type, std::string_view reason);

  HttpServer& server_;
  Worker& worker_;
  net::ConnectionPtr conn_;
  http::http1::Parser parser_;
  event::TimerPtr idle_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  HttpRequest request_;
  http::http1::Version version_ = http::http1::Version::kHttp11;
  bool keep_alive_ = true;
  std::unique_ptr<RequestStream> stream_;
  bool discard_body_ = false;
  bool message_complete_ = false;
  bool response_pending_ = false;  // request seen, response not fully written
  bool close_after_response_ = false;
  bool closed_ = false;
  bool read_disabled_ = false;
  std::unique_ptr<BodySource> source_;
  uint64_t source_remaining_ = 0;
};

class HttpServer::Worker {
 public:
  Worker(HttpServer& server, int index) : server_(server), thread_("hub-" + std::to_string(index)) {}

  Status listen(const net::Address& address, bool reuse_port) {
    net::Listener::Options opts;
    opts.reuse_port = reuse_port;
    auto l = net::Listener::create(thread_.dispatcher(), address, opts,
                                   [this](net::ConnectionPtr c) { onAccept(std::move(c)); });
    if (!l) return l.status();
    listener_ = std::move(l).value();
    return Status::ok();
  }
  const net::Address& address() const { return listener_->localAddress(); }
  void start() { thread_.start(); }
  void stop() {
    thread_.stop();
    listener_.reset();
    connections_.clear();
    thread_.dispatcher().clearDeferredDeleteList();
  }
  event::Dispatcher& dispatcher() { return thread_.dispatcher(); }

  void remove(Connection* c) {
    auto it = connections_.find(c);
    if (it == connections_.end()) return;
    std::unique_ptr<Connection> owned = std::move(it->second);
    connections_.erase(it);
    thread_.dispatcher().deferredDelete(std::move(owned));
  }

 private:
  void onAccept(net::ConnectionPtr c) {
    auto conn = std::make_unique<Connection>(server_, *this, std::move(c));
    Connection* raw = conn.get();
    connections_.emplace(raw, std::move(conn));
    raw->start();
  }

  HttpServer& server_;
  event::WorkerThread thread_;
  std::unique_ptr<net::Listener> listener_;
  std::unordered_map<Connection*, std::unique_ptr<Connection>> connections_;
};

HttpServer::Connection::Connection(HttpServer& server, Worker& worker, net::ConnectionPtr conn)
    : server_(server),
      worker_(worker),
      conn_(std::move(conn)),
      parser_(http::http1::Parser::Type::kRequest, server.options_.limits, *this) {}

HttpServer::Connection::~Connection() {
  *alive_ = false;
  if (conn_) {
    conn_->removeConnectionCallbacks(*this);
    conn_->setReadCallback(nullptr);
  }
}

void HttpServer::Connection::start() {
  conn_->setReadCallback(this);
  conn_->addConnectionCallbacks(*this);
  conn_->setBufferLimits(server_.options_.write_high_watermark);
  idle_timer_ = worker_.dispatcher().createTimer([this] { closeNow(net::ConnectionCloseType::kNoFlush, "idle_timeout"); });
  idle_timer_->enable(server_.options_.idle_timeout);
  conn_->startReading();
}

void HttpServer::Connection::closeNow(net::ConnectionCloseType type, std::string_view reason) {
  if (closed_) return;
  conn_->close(type, reason);
}

void HttpServer::Connection::onEvent(net::ConnectionEvent event) {
  if (event == net::ConnectionEvent::kConnected) return;
  if (closed_) return;
  closed_ = true;
  if (idle_timer_) idle_timer_->disable();
  if (stream_) {
    stream_->onAbort();
    stream_.reset();
  }
  source_.reset();
  worker_.remove(this);
}

void HttpServer::Connection::onData(Buffer& data, bool end_stream) {
  if (closed_) return;
  idle_timer_->enable(server_.options_.idle_timeout);
  while (!data.empty() && !parser_.paused() && !closed_) {
    auto r = parser_.execute(data.data(), data.size());
    data.drain(r.consumed);
    if (!r.ok()) {
      if (stream_) {
        stream_->onAbort();
        stream_.reset();
      }
      if (!response_pending_ || !message_complete_) {
        close_after_response_ = true;
        sendSimple(r.error->http_status, std::string(r.error->reason) + "\n");
      }
      closeNow(net::ConnectionCloseType::kFlushWrite, "codec_error");
      return;
    }
    if (r.consumed == 0) break;
  }
  if (closed_) return;
  if (parser_.paused() && !read_disabled_) {
    read_disabled_ = true;
    conn_->readDisable(true);
  }
  if (end_stream && !parser_.paused()) {
    auto r = parser_.finish();
    (void)r;  // the socket closes right after this callback either way
  }
}

void HttpServer::Connection::onMessageBegin() {
  request_ = HttpRequest{};
  stream_.reset();
  discard_body_ = false;
  message_complete_ = false;
  response_pending_ = true;
}

void HttpServer::Connection::onHeaders(http::HeaderMap&& headers, bool end_stream) {
  const auto& info = parser_.messageInfo();
  version_ = info.version;
  keep_alive_ = info.keep_alive;
  request_.method = std::string(headers.method());
  std::string_view target = headers.path();
  auto q = target.find('?');
  request_.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request_.query = std::string(target.substr(q + 1));
  if (info.framing == http::http1::BodyFraming::kContentLength) request_.content_length = info.content_length;
  request_.has_body = !end_stream;
  request_.remote = conn_->remoteAddress().asString();
  request_.headers = std::move(headers);
  server_.requests_.fetch_add(1, std::memory_order_relaxed);

  HttpResponse reply;
  stream_ = server_.handler_.onRequest(request_, reply);
  if (!stream_) {
    discard_body_ = true;
    if (request_.has_body &&
        (info.expect_continue || !request_.content_length || *request_.content_length > kMaxDiscardBytes)) {
      reply.close = true;
    }
    sendResponse(std::move(reply));
    if (close_after_response_) parser_.pause();
    return;
  }
  if (info.expect_continue) {
    Buffer out;
    http::http1::encodeContinue(out);
    conn_->write(out);
  }
}

void HttpServer::Connection::onBody(std::string_view chunk) {
  if (stream_ && !discard_body_) stream_->onBody(chunk);
}

void HttpServer::Connection::onMessageComplete() {
  message_complete_ = true;
  parser_.pause();
  if (stream_) {
    auto stream = std::move(stream_);
    HttpResponse r = stream->onComplete();
    sendResponse(std::move(r));
    return;
  }
  maybeNext();
}

void HttpServer::Connection::sendSimple(int status, std::string_view body) {
  HttpResponse r(status);
  r.headers.set(http::KnownHeader::kContentType, "text/plain");
  r.body = std::string(body);
  r.close = true;
  sendResponse(std::move(r));
}

void HttpServer::Connection::sendResponse(HttpResponse response) {
  if (closed_) return;
  http::HeaderMap& h = response.headers;
  h.setStatus(response.status);
  if (!h.has(http::KnownHeader::kServer)) h.set(http::KnownHeader::kServer, server_.options_.server_name);
  const bool head = request_.method == "HEAD";
  const bool bodyless_status = response.status == 204 || response.status == 304 || response.status < 200;
  uint64_t length = response.source ? response.source->length() : response.body.size();
  if (!bodyless_status && !h.has(http::KnownHeader::kContentLength)) h.setContentLength(length);
  if (response.close || !keep_alive_) {
    close_after_response_ = true;
    h.set(http::KnownHeader::kConnection, "close");
  }
  http::http1::StreamEncoder encoder(http::http1::StreamEncoder::Type::kResponse);
  encoder.setRequestInfo(request_.method, version_);
  Buffer out;
  const bool send_body = !head && !bodyless_status && length > 0;
  encoder.encodeHeaders(h, !send_body, out);
  if (send_body && !response.source) {
    out.append(response.body);
  }
  conn_->write(out);
  if (send_body && response.source) {
    source_ = std::move(response.source);
    source_remaining_ = length;
    pump();
    return;
  }
  responseDone();
}

void HttpServer::Connection::pump() {
  if (!source_ || closed_) return;
  std::string chunk;
  while (source_remaining_ > 0 && !conn_->aboveHighWatermark()) {
    chunk.clear();
    size_t want = static_cast<size_t>(std::min<uint64_t>(kPumpChunk, source_remaining_));
    size_t n = source_->read(chunk, want);
    if (n == 0) {
      WEIR_WARN("hub: body source failed with {} bytes left; resetting connection", source_remaining_);
      source_.reset();
      closeNow(net::ConnectionCloseType::kNoFlush, "body_source_error");
      return;
    }
    source_remaining_ -= n;
    conn_->write(std::string_view(chunk));
    if (closed_) return;
  }
  idle_timer_->enable(server_.options_.idle_timeout);
  if (source_remaining_ == 0) {
    source_.reset();
    responseDone();
  }
}

void HttpServer::Connection::responseDone() {
  if (close_after_response_) {
    closeNow(net::ConnectionCloseType::kFlushWrite, "response_close");
    return;
  }
  response_pending_ = false;
  maybeNext();
}

void HttpServer::Connection::maybeNext() {
  if (closed_ || !message_complete_ || response_pending_ || source_) return;
  if (parser_.done()) {
    closeNow(net::ConnectionCloseType::kFlushWrite, "not_keep_alive");
    return;
  }
  // Resume from the loop, not from inside the parser's callback.
  std::weak_ptr<bool> alive = alive_;
  worker_.dispatcher().post([this, alive] {
    if (alive.expired() || closed_) return;
    message_complete_ = false;
    parser_.resume();
    if (read_disabled_) {
      read_disabled_ = false;
      conn_->readDisable(false);  // re-delivers anything already buffered
    }
  });
}

// ---------------------------------------------------------------------------

HttpServer::HttpServer(HttpServerOptions options, HttpHandler& handler)
    : options_(std::move(options)), handler_(handler) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  int n = std::max(1, options_.workers);
  net::Address addr = options_.address;
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>(*this, i);
    WEIR_RETURN_IF_ERROR(w->listen(addr, n > 1));
    if (i == 0) {
      addr = w->address();
      bound_ = addr;
    }
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->start();
  return Status::ok();
}

void HttpServer::stop() {
  for (auto& w : workers_) w->stop();
  workers_.clear();
}

}  // namespace weir::hub

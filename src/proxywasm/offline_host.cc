#include "proxywasm/offline_host.h"

#include <cstdio>
#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "base/buffer.h"
#include "base/logging.h"
#include "config/bootstrap.h"
#include "event/dispatcher.h"
#include "http/header_map.h"
#include "http/http1/parser.h"
#include "net/listener.h"
#include "proxywasm/context.h"
#include "proxywasm/pairs.h"
#include "proxywasm/plugin.h"
#include "proxywasm/wasm_vm.h"
#include "upstream/cluster_manager.h"

namespace weir::proxywasm {
namespace {

// ------------------------------------------------------------ recorded messages

bool hasFraming(std::string_view head) {
  std::string lower(head);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("\ncontent-length:") != std::string::npos || lower.find("\ntransfer-encoding:") != std::string::npos;
}

// A hand-written file has LF line ends and no Content-Length: the head gets
// CRLFs, and a request body its length. The body itself is kept byte for byte.
std::string normalizeMessage(std::string_view bytes, bool request) {
  size_t crlf = bytes.find("\r\n\r\n");
  size_t lf = bytes.find("\n\n");
  if (crlf != std::string_view::npos && (lf == std::string_view::npos || crlf < lf)) {
    std::string_view head = bytes.substr(0, crlf + 2);
    std::string_view body = bytes.substr(crlf + 4);
    std::string out(head);
    if (request && !body.empty() && !hasFraming(head)) out += "content-length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n";
    out += body;
    return out;
  }
  std::string_view head = lf == std::string_view::npos ? bytes : bytes.substr(0, lf + 1);
  std::string_view body = lf == std::string_view::npos ? std::string_view() : bytes.substr(lf + 2);
  std::string out;
  for (char c : head) {
    if (c == '\r') continue;
    if (c == '\n') out += "\r\n";
    else out += c;
  }
  if (lf == std::string_view::npos && out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  if (lf == std::string_view::npos && out.empty()) return out;
  if (request && !body.empty() && !hasFraming("\n" + out)) out += "content-length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

HeaderList toList(const http::HeaderMap& map) {
  HeaderList out;
  for (const http::HeaderView& h : map) out.emplace_back(std::string(h.name), std::string(h.value));
  return out;
}

class Collector : public http::http1::ParserCallbacks {
 public:
  void onHeaders(http::HeaderMap&& headers, bool) override { message.headers = toList(headers); }
  void onBody(std::string_view chunk) override { message.body.append(chunk); }
  void onTrailers(http::HeaderMap&& trailers) override { message.trailers = toList(trailers); }
  void onMessageComplete() override {
    complete = true;
    // One message per file: stop here so the caller sees what is left.
    if (parser) parser->pause();
  }
  RecordedMessage message;
  bool complete = false;
  http::http1::Parser* parser = nullptr;
};

Result<RecordedMessage> parseRecorded(std::string_view bytes, bool request) {
  if (bytes.size() > kMaxRecordedMessageBytes) {
    return invalidArgument("message larger than " + std::to_string(kMaxRecordedMessageBytes) + " bytes");
  }
  std::string text = normalizeMessage(bytes, request);
  if (text.empty()) return invalidArgument("empty message");
  Collector collector;
  http::http1::Limits limits;
  limits.max_body_bytes = kMaxRecordedMessageBytes;
  http::http1::Parser parser(request ? http::http1::Parser::Type::kRequest : http::http1::Parser::Type::kResponse,
                             limits, collector);
  collector.parser = &parser;
  auto r = parser.execute(text);
  if (!r.ok()) return invalidArgument("not a valid HTTP/1.1 message: " + std::string(r.error->reason));
  if (!collector.complete && !request) {
    auto f = parser.finish();
    if (!f.ok()) return invalidArgument("not a valid HTTP/1.1 message: " + std::string(f.error->reason));
  }
  if (!collector.complete) return invalidArgument("incomplete HTTP/1.1 message (a body needs Content-Length or chunked)");
  if (r.consumed != text.size()) return invalidArgument("bytes after the end of the message");
  return std::move(collector.message);
}

// ------------------------------------------------------------ the simulated stream

enum class Step : uint8_t { kRequestHeaders, kRequestBody, kRequestTrailers, kResponseHeaders, kResponseBody,
                            kResponseTrailers, kDone };

std::string headersResult(uint32_t r) {
  switch (r) {
    case 0: return "Continue";
    case 1: return "StopIteration";
    case 2: return "ContinueAndEndStream";
    case 3: return "StopAllIterationAndBuffer";
    case 4: return "StopAllIterationAndWatermark";
  }
  return std::to_string(r);
}

std::string dataResult(uint32_t r) {
  switch (r) {
    case 0: return "Continue";
    case 1: return "StopIterationAndBuffer";
    case 2: return "StopIterationAndWatermark";
    case 3: return "StopIterationNoBuffer";
  }
  return std::to_string(r);
}

http::HeaderMap toMap(const HeaderList& list) {
  http::HeaderMap map;
  for (const auto& [k, v] : list) map.add(k, v);
  return map;
}

std::vector<HeaderChange> diffHeaders(const HeaderList& before, const http::HeaderMap& after_map) {
  HeaderList after = toList(after_map);
  auto joined = [](const HeaderList& l, const std::string& name) -> std::optional<std::string> {
    std::optional<std::string> out;
    for (const auto& [k, v] : l) {
      if (k != name) continue;
      if (out) *out += ", " + v;
      else out = v;
    }
    return out;
  };
  std::vector<HeaderChange> changes;
  std::vector<std::string> seen;
  auto once = [&seen](const std::string& name) {
    for (const auto& s : seen) if (s == name) return false;
    seen.push_back(name);
    return true;
  };
  for (const auto& [name, _] : before) {
    if (!once(name)) continue;
    auto old_value = joined(before, name);
    auto new_value = joined(after, name);
    if (!new_value) changes.push_back({HeaderChangeKind::kRemoved, name, *old_value, ""});
    else if (*new_value != *old_value) changes.push_back({HeaderChangeKind::kChanged, name, *old_value, *new_value});
  }
  for (const auto& [name, _] : after) {
    if (!once(name)) continue;
    changes.push_back({HeaderChangeKind::kAdded, name, "", *joined(after, name)});
  }
  return changes;
}

std::string le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
  return out;
}

std::string joinPath(std::span<const std::string_view> path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (i) out += '.';
    out += path[i];
  }
  return out;
}

class OfflineRun;

class OfflineStreamContext final : public Context {
 public:
  OfflineStreamContext(WasmVm& vm, uint32_t id, RootContext* root, OfflineRun& run)
      : Context(vm, id, root), run_(run) {}
  http::HeaderMap* headerMap(MapType type, bool& writable) override;
  std::optional<std::string_view> bodyBuffer(BufferType type) override;
  WasmResult setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) override;
  WasmResult sendLocalResponse(uint32_t code, std::string_view details, std::string_view body, HeaderPairs headers,
                               uint32_t grpc_status) override;
  WasmResult continueStream(StreamType type) override;
  WasmResult closeStream(StreamType type) override;
  std::optional<std::string> streamProperty(std::span<const std::string_view> path) override;
  WasmResult setProperty(std::string_view path, std::string_view value) override;

 private:
  OfflineRun& run_;
};

// Every cluster name resolves to the one real cluster pointing at the
// responder, so http_call runs through the real callout and pool code.
class AnyNameClusters final : public upstream::ThreadLocalClusterManager {
 public:
  AnyNameClusters(upstream::ThreadLocalClusterManagerPtr inner, std::vector<std::string>& names)
      : inner_(std::move(inner)), names_(names) {}
  upstream::ThreadLocalCluster* get(std::string_view name) override {
    names_.emplace_back(name);
    return inner_->get("offline_callout");
  }
  uint64_t activeRequests() const override { return inner_->activeRequests(); }
  void drain(std::function<void()> on_drained) override { inner_->drain(std::move(on_drained)); }

 private:
  upstream::ThreadLocalClusterManagerPtr inner_;
  std::vector<std::string>& names_;
};

// The http_call upstream: reads one request per connection, records it, and
// answers with the canned response, or closes without answering (the
// plugin then sees a failed call, as when a cluster is down).
class Responder {
 public:
  Responder(event::Dispatcher& dispatcher, std::optional<std::string> answer)
      : dispatcher_(dispatcher), answer_(std::move(answer)) {}
  Status listen() {
    auto listener = net::Listener::create(dispatcher_, net::Address::fromIpPort("127.0.0.1", 0).value(),
                                          net::Listener::Options{false, 16},
                                          [this](net::ConnectionPtr c) { accept(std::move(c)); });
    if (!listener) return internalError("http_call responder: " + listener.status().message());
    listener_ = std::move(listener).value();
    return Status::ok();
  }
  uint16_t port() const { return listener_->localAddress().port(); }
  void close() {
    listener_.reset();
    sessions_.clear();
  }
  std::vector<RecordedMessage> requests;

 private:
  struct Session : net::ReadCallback, net::ConnectionCallbacks {
    Session(Responder& r, net::ConnectionPtr c) : responder(r), conn(std::move(c)) {}
    void onData(weir::Buffer& data, bool) override {
      if (done) {
        data.drain(data.size());
        return;
      }
      in.append(data.view());
      data.drain(data.size());
      if (in.size() > kMaxRecordedMessageBytes) {
        finish(false);
        return;
      }
      Collector collector;
      http::http1::Parser parser(http::http1::Parser::Type::kRequest, http::http1::Limits{}, collector);
      auto r = parser.execute(in);
      if (!r.ok()) {
        finish(false);
        return;
      }
      if (!collector.complete) return;
      responder.requests.push_back(std::move(collector.message));
      finish(true);
    }
    void onEvent(net::ConnectionEvent) override {}
    // Answers and half-closes, or closes without answering.
    void finish(bool answer) {
      done = true;
      if (answer && responder.answer_) {
        conn->write(*responder.answer_, true);
      } else {
        conn->close(net::ConnectionCloseType::kNoFlush);
      }
    }
    Responder& responder;
    net::ConnectionPtr conn;
    std::string in;
    bool done = false;
  };
  void accept(net::ConnectionPtr c) {
    auto session = std::make_unique<Session>(*this, std::move(c));
    session->conn->setReadCallback(session.get());
    session->conn->addConnectionCallbacks(*session);
    session->conn->startReading();
    sessions_.push_back(std::move(session));
  }
  event::Dispatcher& dispatcher_;
  std::optional<std::string> answer_;
  std::unique_ptr<net::Listener> listener_;
  std::vector<std::unique_ptr<Session>> sessions_;
};

std::string encodeResponse(const RecordedMessage& m) {
  std::string status = "200";
  for (const auto& [k, v] : m.headers) if (k == ":status") status = v;
  std::string out = "HTTP/1.1 " + status + " Canned\r\n";
  for (const auto& [k, v] : m.headers) {
    if (k.empty() || k[0] == ':' || k == "content-length" || k == "transfer-encoding" || k == "connection") continue;
    out += k + ": " + v + "\r\n";
  }
  out += "content-length: " + std::to_string(m.body.size()) + "\r\nconnection: close\r\n\r\n" + m.body;
  return out;
}

class OfflineRun {
 public:
  OfflineRun(const OfflineOptions& options, const RecordedMessage& request,
             const std::optional<RecordedMessage>& response, OfflineReport& report)
      : options_(options), request_(request), response_(response), report_(report), dispatcher_("offline") {
    request_headers_ = toMap(request.headers);
    request_body_ = request.body;
    if (!request.trailers.empty()) request_trailers_ = toMap(request.trailers);
    if (response) {
      response_headers_ = toMap(response->headers);
      response_body_ = response->body;
      if (!response->trailers.empty()) response_trailers_ = toMap(response->trailers);
    }
  }

  Status run(std::shared_ptr<VmCode> code) {
    responder_ = std::make_unique<Responder>(
        dispatcher_,
        options_.callout_response ? std::optional<std::string>(encodeResponse(*options_.callout_response))
                                  : std::nullopt);
    if (auto s = responder_->listen(); !s.isOk()) return s;
    config::Cluster cluster;
    cluster.name = "offline_callout";
    cluster.circuit_breakers.push_back(config::CircuitBreakerThresholds{});
    config::LocalityLbEndpoints locality;
    locality.lb_endpoints.push_back(config::LbEndpoint{config::SocketAddress{"127.0.0.1", responder_->port()}, 1});
    cluster.load_assignment.cluster_name = cluster.name;
    cluster.load_assignment.endpoints.push_back(locality);
    auto manager = upstream::ClusterManager::create({cluster}, nullptr);
    if (!manager) return manager.status();
    cluster_manager_ = std::move(manager.value());
    clusters_ = std::make_unique<AnyNameClusters>(cluster_manager_->createThreadLocal(dispatcher_), callout_names_);

    auto plugin = std::make_shared<PluginConfig>();
    plugin->name = options_.plugin_name;
    plugin->root_id = options_.root_id;
    plugin->configuration = options_.plugin_configuration;
    plugin->stats = makePluginStats(nullptr, plugin->name);
    code->vm_id = options_.plugin_name;
    code->vm_configuration = options_.vm_configuration;
    // Interactive runs and sanitizer builds are slower than a proxy's worker.
    code->callback_deadline = std::chrono::milliseconds(2000);
    code->key = vmCodeKey(*code);
    plugin->vm = code;

    Status setup = Status::ok();
    dispatcher_.post([&] {
      setup = start(plugin);
      if (!setup.isOk()) {
        dispatcher_.exit();
        return;
      }
      advance();
    });
    // Whatever the plugin waits for (a tick, a callout timeout), the run ends.
    event::TimerPtr guard = dispatcher_.createTimer([this] { finish(); });
    guard->enable(std::chrono::seconds(10));
    dispatcher_.run();
    guard.reset();
    poll_.reset();
    if (ctx_ && vm_ && !ended_) vm_->destroyStreamContext(*ctx_, false);
    if (vm_) vm_->shutdown();
    responder_->close();
    clusters_.reset();
    vm_.reset();
    cluster_manager_.reset();
    if (!setup.isOk()) return setup;
    collect();
    return Status::ok();
  }

  // --- what the stream context reaches ---
  http::HeaderMap* headerMap(MapType type, bool& writable) {
    writable = false;
    switch (type) {
      case MapType::kRequestHeaders:
        writable = step_ == Step::kRequestHeaders || (request_paused_ && paused_at_ == Step::kRequestHeaders);
        return &request_headers_;
      case MapType::kRequestTrailers:
        writable = step_ == Step::kRequestTrailers;
        return request_trailers_ ? &*request_trailers_ : nullptr;
      case MapType::kResponseHeaders:
        if (step_ < Step::kResponseHeaders) return nullptr;
        writable = step_ == Step::kResponseHeaders || (response_paused_ && paused_at_ == Step::kResponseHeaders);
        return &response_headers_;
      case MapType::kResponseTrailers:
        writable = step_ == Step::kResponseTrailers;
        return response_trailers_ ? &*response_trailers_ : nullptr;
      default:
        return nullptr;
    }
  }
  std::string* body(BufferType type) {
    if (type == BufferType::kHttpRequestBody && step_ == Step::kRequestBody) return &request_body_;
    if (type == BufferType::kHttpResponseBody && step_ == Step::kResponseBody) return &response_body_;
    return nullptr;
  }
  WasmResult sendLocalResponse(uint32_t code, std::string_view details, std::string_view body, HeaderPairs headers) {
    if (report_.local_reply) return WasmResult::kBadArgument;
    if (code < 200 || code > 599) return WasmResult::kBadArgument;
    report_.local_reply = LocalReply{code, std::string(details), std::string(body), std::move(headers)};
    if (!in_callback_) post([this] { end(); });
    return WasmResult::kOk;
  }
  WasmResult continueStream(StreamType type) {
    const bool request = type == StreamType::kRequest;
    if (type != StreamType::kRequest && type != StreamType::kResponse) return WasmResult::kOk;
    if (in_callback_ && request == (step_ < Step::kResponseHeaders)) {
      pending_continue_ = true;
      return WasmResult::kOk;
    }
    // Until it runs, the stream is about to move: checkIdle must not end it.
    ++resumes_pending_;
    post([this, request] {
      --resumes_pending_;
      if (request ? request_paused_ : response_paused_) {
        request_paused_ = response_paused_ = false;
        step_ = next(paused_at_);
        advance();
      }
    });
    return WasmResult::kOk;
  }
  WasmResult closeStream() {
    closed_ = true;
    if (!in_callback_) post([this] { end(); });
    return WasmResult::kOk;
  }
  std::optional<std::string> property(std::span<const std::string_view> path) {
    std::optional<std::string> value = lookupProperty(path);
    report_.properties.push_back(PropertyRecord{joinPath(path), value});
    return value;
  }
  WasmResult setProperty(std::string_view path, std::string_view value) {
    set_properties_.insert_or_assign(std::string(path), std::string(value));
    return WasmResult::kOk;
  }

 private:
  Status start(const std::shared_ptr<PluginConfig>& plugin) {
    auto vm = WasmVm::create(plugin->vm, VmEnvironment{&dispatcher_, nullptr, clusters_.get()});
    if (!vm) return vm.status();
    vm_ = std::move(vm.value());
    report_.abi_version = std::string(abiVersionName(vm_->abi()));
    auto root = vm_->startPlugin(plugin);
    if (!root) return root.status();
    root_ = root.value();
    ctx_ = std::make_unique<OfflineStreamContext>(*vm_, vm_->allocateContextId(), root_, *this);
    if (!vm_->createStreamContext(*ctx_)) return internalError("proxy_on_context_create failed: " + vm_->failureMessage());
    // The poll ends the run once the plugin waits for nothing that can come.
    poll_ = dispatcher_.createTimer([this] { checkIdle(); });
    return Status::ok();
  }

  static Step next(Step s) { return static_cast<Step>(static_cast<uint8_t>(s) + 1); }

  void post(std::function<void()> fn) {
    dispatcher_.post([this, fn = std::move(fn)] {
      if (!ended_) fn();
    });
  }

  // Runs callbacks until the stream stops or ends.
  void advance() {
    while (!ended_ && !request_paused_ && !response_paused_) {
      switch (step_) {
        case Step::kRequestHeaders:
          if (!callHeaders(Callback::kOnRequestHeaders, request_headers_,
                           request_body_.empty() && !request_trailers_)) return;
          break;
        case Step::kRequestBody:
          if (!request_body_.empty() && !callBody(Callback::kOnRequestBody, request_body_, !request_trailers_)) return;
          break;
        case Step::kRequestTrailers:
          if (request_trailers_ && !callTrailers(Callback::kOnRequestTrailers, *request_trailers_)) return;
          report_.forwarded = true;
          if (!response_) {
            end();
            return;
          }
          break;
        case Step::kResponseHeaders:
          if (!callHeaders(Callback::kOnResponseHeaders, response_headers_,
                           response_body_.empty() && !response_trailers_)) return;
          break;
        case Step::kResponseBody:
          if (!response_body_.empty() && !callBody(Callback::kOnResponseBody, response_body_, !response_trailers_)) return;
          break;
        case Step::kResponseTrailers:
          if (response_trailers_ && !callTrailers(Callback::kOnResponseTrailers, *response_trailers_)) return;
          end();
          return;
        case Step::kDone:
          return;
      }
      step_ = next(step_);
    }
  }

  // Each returns true when the stream continues to the next step.
  bool callHeaders(Callback cb, http::HeaderMap& headers, bool end_stream) {
    return call(cb, {ctx_->id(), static_cast<uint32_t>(headers.size()), end_stream ? 1u : 0u}, headersResult);
  }
  bool callBody(Callback cb, const std::string& body, bool end_stream) {
    return call(cb, {ctx_->id(), static_cast<uint32_t>(body.size()), end_stream ? 1u : 0u}, dataResult);
  }
  bool callTrailers(Callback cb, http::HeaderMap& trailers) {
    return call(cb, {ctx_->id(), static_cast<uint32_t>(trailers.size())}, headersResult);
  }

  bool call(Callback cb, std::initializer_list<uint32_t> args, std::string (*name)(uint32_t)) {
    pending_continue_ = false;
    in_callback_ = true;
    std::optional<uint32_t> r = vm_->call(cb, *ctx_, args);
    in_callback_ = false;
    CallbackRecord rec{std::string(callbackName(cb)), r ? name(*r) : "trap"};
    if (r && !vm_->hasCallback(cb)) rec.result = "(not exported)";
    if (r && pending_continue_ && *r != 0) rec.result += " (then continued)";
    report_.callbacks.push_back(std::move(rec));
    if (!r) {
      end();
      return false;
    }
    if (closed_ || report_.local_reply) {
      end();
      return false;
    }
    if (*r == 0 || *r == 2 || pending_continue_) return true;
    paused_at_ = step_;
    if (step_ < Step::kResponseHeaders) request_paused_ = true;
    else response_paused_ = true;
    poll_->enable(std::chrono::milliseconds(2));
    return false;
  }

  // A paused stream with no callout in flight and no tick timer can only
  // stay paused: the run is over.
  void checkIdle() {
    if (ended_) return;
    if (!request_paused_ && !response_paused_) return;
    const bool waiting = resumes_pending_ > 0 || (root_ && !root_->callouts().empty()) ||
                         (root_ && root_->tickPeriod().count() > 0 && ticks_waited_++ < 50);
    if (waiting) {
      poll_->enable(std::chrono::milliseconds(2));
      return;
    }
    end();
  }

  void end() {
    if (ended_) return;
    ended_ = true;
    report_.request_paused = request_paused_;
    report_.response_paused = response_paused_;
    step_ = Step::kDone;
    if (vm_ && ctx_) vm_->destroyStreamContext(*ctx_, true);
    dispatcher_.post([this] { finish(); });
  }

  void finish() {
    if (!ended_) end();
    dispatcher_.exit();
  }

  void collect() {
    report_.request_header_changes = diffHeaders(request_.headers, request_headers_);
    if (request_body_ != request_.body) report_.request_body = request_body_;
    if (response_) {
      report_.response_header_changes = diffHeaders(response_->headers, response_headers_);
      if (response_body_ != response_->body) report_.response_body = response_body_;
    }
    for (size_t i = 0; i < callout_names_.size(); ++i) {
      CalloutRecord rec;
      rec.cluster = callout_names_[i];
      if (i < responder_->requests.size()) {
        rec.headers = responder_->requests[i].headers;
        rec.body = responder_->requests[i].body;
      }
      if (!options_.callout_response) {
        rec.outcome = "refused (no --http-call-response given)";
      } else {
        std::string status = "200";
        for (const auto& [k, v] : options_.callout_response->headers) if (k == ":status") status = v;
        rec.outcome = "answered " + status + " (canned)";
      }
      report_.http_calls.push_back(std::move(rec));
    }
  }

  std::optional<std::string> lookupProperty(std::span<const std::string_view> path) {
    const std::string dotted = joinPath(path);
    if (auto it = options_.properties.find(dotted); it != options_.properties.end()) return it->second;
    if (auto it = set_properties_.find(dotted); it != set_properties_.end()) return it->second;
    if (path.empty()) return std::nullopt;
    auto header = [&](const http::HeaderMap& h, std::span<const std::string_view> rest) -> std::optional<std::string> {
      if (rest.empty()) return encodePairs(headerMapPairs(h));
      if (rest.size() != 1 || !h.has(rest[0])) return std::nullopt;
      return h.getJoined(rest[0]);
    };
    if (path[0] == "request" && path.size() >= 2) {
      const http::HeaderMap& h = request_headers_;
      std::string_view name = path[1];
      if (name == "headers") return header(h, path.subspan(2));
      if (path.size() != 2) return std::nullopt;
      std::string_view p = h.path();
      if (name == "path") return std::string(p);
      if (name == "url_path") return std::string(p.substr(0, p.find('?')));
      if (name == "query") {
        size_t q = p.find('?');
        return q == std::string_view::npos ? std::string() : std::string(p.substr(q + 1));
      }
      if (name == "host") return std::string(h.host());
      if (name == "scheme") return std::string(h.scheme().empty() ? "http" : h.scheme());
      if (name == "method") return std::string(h.method());
      if (name == "protocol") return std::string("HTTP/1.1");
      if (name == "size") return le64(request_.body.size());
      if (name == "useragent" && h.has("user-agent")) return std::string(h.getOr("user-agent"));
      if (name == "referer" && h.has("referer")) return std::string(h.getOr("referer"));
      if (name == "id" && h.has("x-request-id")) return std::string(h.getOr("x-request-id"));
      return std::nullopt;
    }
    if (path[0] == "response" && path.size() >= 2 && response_ && step_ >= Step::kResponseHeaders) {
      if (path[1] == "headers") return header(response_headers_, path.subspan(2));
      if (path.size() == 2 && path[1] == "code") return le64(static_cast<uint64_t>(response_headers_.status()));
      if (path.size() == 2 && path[1] == "size") return le64(response_->body.size());
    }
    return std::nullopt;
  }

  const OfflineOptions& options_;
  const RecordedMessage& request_;
  const std::optional<RecordedMessage>& response_;
  OfflineReport& report_;
  event::Dispatcher dispatcher_;
  std::unique_ptr<Responder> responder_;
  std::unique_ptr<upstream::ClusterManager> cluster_manager_;
  std::unique_ptr<AnyNameClusters> clusters_;
  std::vector<std::string> callout_names_;
  std::shared_ptr<WasmVm> vm_;
  RootContext* root_ = nullptr;
  std::unique_ptr<OfflineStreamContext> ctx_;
  event::TimerPtr poll_;
  int ticks_waited_ = 0;
  int resumes_pending_ = 0;

  http::HeaderMap request_headers_;
  std::string request_body_;
  std::optional<http::HeaderMap> request_trailers_;
  http::HeaderMap response_headers_;
  std::string response_body_;
  std::optional<http::HeaderMap> response_trailers_;
  std::map<std::string, std::string, std::less<>> set_properties_;

  Step step_ = Step::kRequestHeaders;
  Step paused_at_ = Step::kRequestHeaders;
  bool request_paused_ = false;
  bool response_paused_ = false;
  bool in_callback_ = false;
  bool pending_continue_ = false;
  bool closed_ = false;
  bool ended_ = false;
};

http::HeaderMap* OfflineStreamContext::headerMap(MapType type, bool& writable) { return run_.headerMap(type, writable); }
std::optional<std::string_view> OfflineStreamContext::bodyBuffer(BufferType type) {
  std::string* b = run_.body(type);
  if (!b) return std::nullopt;
  return std::string_view(*b);
}
WasmResult OfflineStreamContext::setBodyBuffer(BufferType type, uint64_t start, uint64_t size, std::string_view data) {
  std::string* b = run_.body(type);
  if (!b) return WasmResult::kNotFound;
  // Envoy's semantics, as the wasm filter: start 0 replaces a prefix, start
  // at or past the end appends.
  if (start == 0) {
    b->replace(0, std::min<uint64_t>(size, b->size()), data);
    return WasmResult::kOk;
  }
  if (start >= b->size()) {
    b->append(data);
    return WasmResult::kOk;
  }
  return WasmResult::kBadArgument;
}
WasmResult OfflineStreamContext::sendLocalResponse(uint32_t code, std::string_view details, std::string_view body,
                                                   HeaderPairs headers, uint32_t) {
  return run_.sendLocalResponse(code, details, body, std::move(headers));
}
WasmResult OfflineStreamContext::continueStream(StreamType type) { return run_.continueStream(type); }
WasmResult OfflineStreamContext::closeStream(StreamType) { return run_.closeStream(); }
std::optional<std::string> OfflineStreamContext::streamProperty(std::span<const std::string_view> path) {
  return run_.property(path);
}
WasmResult OfflineStreamContext::setProperty(std::string_view path, std::string_view value) {
  return run_.setProperty(path, value);
}

// "[2026-01-01 00:00:00.000] [info] wasm log NAME: message" → "[info] message";
// other lines are the host's.
void splitLog(const std::string& captured, const std::string& plugin, OfflineReport& report) {
  const std::string marker = "wasm log " + plugin + ": ";
  size_t pos = 0;
  while (pos < captured.size()) {
    size_t nl = captured.find('\n', pos);
    std::string line = captured.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? captured.size() : nl + 1;
    size_t m = line.find(marker);
    size_t lvl = line.find("] [");
    if (m != std::string::npos && lvl != std::string::npos && lvl < m) {
      size_t lvl_end = line.find(']', lvl + 3);
      report.logs.push_back("[" + line.substr(lvl + 3, lvl_end - lvl - 3) + "] " + line.substr(m + marker.size()));
    } else if (!line.empty() && line.find("] [trace] ") == std::string::npos &&
               line.find("] [debug] ") == std::string::npos && line.find("] [info] ") == std::string::npos) {
      // The host's own warnings and errors (a VM failure says why); its
      // chatter at the trace level the run enables is not the user's business.
      std::fprintf(stderr, "%s\n", line.c_str());
    }
  }
}

const char* changeMark(HeaderChangeKind k) {
  switch (k) {
    case HeaderChangeKind::kAdded: return "+";
    case HeaderChangeKind::kRemoved: return "-";
    case HeaderChangeKind::kChanged: return "~";
  }
  return "?";
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

void formatChanges(std::string& out, const char* title, const std::vector<HeaderChange>& changes) {
  if (changes.empty()) {
    out += std::string(title) + ": unchanged\n";
    return;
  }
  out += std::string(title) + ":\n";
  for (const HeaderChange& c : changes) {
    out += std::string("  ") + changeMark(c.kind) + " " + c.name + ": ";
    if (c.kind == HeaderChangeKind::kChanged) out += printable(c.old_value) + " -> ";
    out += printable(c.kind == HeaderChangeKind::kRemoved ? c.old_value : c.new_value) + "\n";
  }
}

nlohmann::json changesJson(const std::vector<HeaderChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const HeaderChange& c : changes) {
    const char* kind = c.kind == HeaderChangeKind::kAdded ? "added" : c.kind == HeaderChangeKind::kRemoved ? "removed" : "changed";
    nlohmann::json j{{"change", kind}, {"name", c.name}};
    if (c.kind != HeaderChangeKind::kAdded) j["old"] = c.old_value;
    if (c.kind != HeaderChangeKind::kRemoved) j["new"] = c.new_value;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json pairsJson(const HeaderList& l) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [k, v] : l) out.push_back({k, v});
  return out;
}

}  // namespace

Result<RecordedMessage> parseRecordedRequest(std::string_view bytes) { return parseRecorded(bytes, true); }
Result<RecordedMessage> parseRecordedResponse(std::string_view bytes) { return parseRecorded(bytes, false); }

Result<OfflineReport> runOffline(const std::string& module_bytes, const OfflineOptions& options,
                                 const RecordedMessage& request, const std::optional<RecordedMessage>& response) {
  auto code = compileVmCode(module_bytes);
  if (!code) return code.status();
  OfflineReport report;
  Status s = Status::ok();
  {
    const log::Level saved = log::level();
    // Plugins log at every level; show them all.
    log::setLevel(log::Level::kTrace);
    log::ScopedCapture capture;
    OfflineRun run(options, request, response, report);
    s = run.run(std::move(code.value()));
    log::setLevel(saved);
    splitLog(capture.text(), options.plugin_name, report);
  }
  if (!s.isOk()) return s;
  for (const CallbackRecord& c : report.callbacks) {
    if (c.result == "trap") report.failure = "the plugin trapped in " + c.callback;
  }
  return report;
}

std::string formatReport(const OfflineReport& r) {
  std::string out = "ABI " + r.abi_version + "\ncallbacks:\n";
  for (const CallbackRecord& c : r.callbacks) out += "  " + c.callback + " -> " + c.result + "\n";
  formatChanges(out, "request headers", r.request_header_changes);
  if (r.request_body) out += "request body: replaced by \"" + printable(*r.request_body) + "\"\n";
  if (r.local_reply) {
    out += "local reply: " + std::to_string(r.local_reply->status) + " \"" + printable(r.local_reply->body) + "\"";
    if (!r.local_reply->details.empty()) out += " (details " + r.local_reply->details + ")";
    out += "\n";
    for (const auto& [k, v] : r.local_reply->headers) out += "  " + k + ": " + printable(v) + "\n";
  }
  if (r.request_paused) out += "request: still paused when the run ended (the plugin never continued it)\n";
  out += std::string("upstream: ") + (r.forwarded ? "the request was forwarded" : "the request was not forwarded") + "\n";
  if (r.forwarded && !r.response_header_changes.empty()) formatChanges(out, "response headers", r.response_header_changes);
  else if (r.forwarded) out += "response headers: unchanged\n";
  if (r.response_body) out += "response body: replaced by \"" + printable(*r.response_body) + "\"\n";
  if (r.response_paused) out += "response: still paused when the run ended (the plugin never continued it)\n";
  if (!r.logs.empty()) {
    out += "logs:\n";
    for (const auto& l : r.logs) out += "  " + printable(l) + "\n";
  }
  if (!r.http_calls.empty()) {
    out += "http calls:\n";
    for (const CalloutRecord& c : r.http_calls) {
      std::string method, path;
      for (const auto& [k, v] : c.headers) {
        if (k == ":method") method = v;
        if (k == ":path") path = v;
      }
      out += "  cluster \"" + c.cluster + "\": " + method + " " + path + " -> " + c.outcome + "\n";
      for (const auto& [k, v] : c.headers) {
        if (!k.empty() && k[0] != ':') out += "    " + k + ": " + printable(v) + "\n";
      }
    }
  }
  if (!r.properties.empty()) {
    out += "properties asked:\n";
    for (const PropertyRecord& p : r.properties) {
      out += "  " + p.path + " -> " + (p.value ? "\"" + printable(*p.value) + "\"" : std::string("not found")) + "\n";
    }
  }
  if (r.failure) out += "failure: " + *r.failure + "\n";
  return out;
}

std::string reportJson(const OfflineReport& r) {
  nlohmann::json j;
  j["abi_version"] = r.abi_version;
  j["callbacks"] = nlohmann::json::array();
  for (const CallbackRecord& c : r.callbacks) j["callbacks"].push_back({{"callback", c.callback}, {"result", c.result}});
  j["request_headers"] = changesJson(r.request_header_changes);
  j["response_headers"] = changesJson(r.response_header_changes);
  if (r.request_body) j["request_body"] = *r.request_body;
  if (r.response_body) j["response_body"] = *r.response_body;
  j["forwarded"] = r.forwarded;
  j["request_paused"] = r.request_paused;
  j["response_paused"] = r.response_paused;
  if (r.local_reply) {
    j["local_reply"] = {{"status", r.local_reply->status}, {"details", r.local_reply->details},
                        {"body", r.local_reply->body}, {"headers", pairsJson(r.local_reply->headers)}};
  }
  j["logs"] = r.logs;
  j["http_calls"] = nlohmann::json::array();
  for (const CalloutRecord& c : r.http_calls) {
    j["http_calls"].push_back({{"cluster", c.cluster}, {"headers", pairsJson(c.headers)}, {"body", c.body},
                               {"outcome", c.outcome}});
  }
  j["properties"] = nlohmann::json::array();
  for (const PropertyRecord& p : r.properties) {
    j["properties"].push_back({{"path", p.path}, {"value", p.value ? nlohmann::json(*p.value) : nlohmann::json()}});
  }
  if (r.failure) j["failure"] = *r.failure;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace weir::proxywasm

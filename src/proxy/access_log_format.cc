#include "proxy/access_log_format.h"

#include <unistd.h>

#include <array>
#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "http/header_map.h"

namespace weir::proxy {

namespace {

enum class OpKind {
  kLiteral,
  kStartTime,
  kReq,
  kResp,
  kTrailer,
  kResponseCode,
  kResponseCodeDetails,
  kResponseFlags,
  kDuration,
  kRequestDuration,
  kResponseDuration,
  kResponseTxDuration,
  kBytesReceived,
  kBytesSent,
  kProtocol,
  kUpstreamHost,
  kUpstreamCluster,
  kUpstreamTransportFailureReason,
  kDownstreamRemoteAddress,
  kDownstreamRemoteAddressWithoutPort,
  kDownstreamLocalAddress,
  kDownstreamLocalAddressWithoutPort,
  kRouteName,
  kFilterState,
  kHostname,
};

struct OpInfo {
  std::string_view name;
  OpKind kind;
  bool takes_arg;  // requires "(...)"
  bool numeric;    // rendered as a JSON number when alone in a value
};

constexpr OpInfo kOps[] = {
    {"START_TIME", OpKind::kStartTime, false, false},
    {"REQ", OpKind::kReq, true, false},
    {"RESP", OpKind::kResp, true, false},
    {"TRAILER", OpKind::kTrailer, true, false},
    {"RESPONSE_CODE", OpKind::kResponseCode, false, true},
    {"RESPONSE_CODE_DETAILS", OpKind::kResponseCodeDetails, false, false},
    {"RESPONSE_FLAGS", OpKind::kResponseFlags, false, false},
    {"DURATION", OpKind::kDuration, false, true},
    {"REQUEST_DURATION", OpKind::kRequestDuration, false, true},
    {"RESPONSE_DURATION", OpKind::kResponseDuration, false, true},
    {"RESPONSE_TX_DURATION", OpKind::kResponseTxDuration, false, true},
    {"BYTES_RECEIVED", OpKind::kBytesReceived, false, true},
    {"BYTES_SENT", OpKind::kBytesSent, false, true},
    {"PROTOCOL", OpKind::kProtocol, false, false},
    {"UPSTREAM_HOST", OpKind::kUpstreamHost, false, false},
    {"UPSTREAM_CLUSTER", OpKind::kUpstreamCluster, false, false},
    {"UPSTREAM_TRANSPORT_FAILURE_REASON", OpKind::kUpstreamTransportFailureReason, false, false},
    {"DOWNSTREAM_REMOTE_ADDRESS", OpKind::kDownstreamRemoteAddress, false, false},
    {"DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT", OpKind::kDownstreamRemoteAddressWithoutPort, false, false},
    {"DOWNSTREAM_LOCAL_ADDRESS", OpKind::kDownstreamLocalAddress, false, false},
    {"DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT", OpKind::kDownstreamLocalAddressWithoutPort, false, false},
    {"ROUTE_NAME", OpKind::kRouteName, false, false},
    {"FILTER_STATE", OpKind::kFilterState, true, false},
    {"HOSTNAME", OpKind::kHostname, false, false},
};

struct Op {
  OpKind kind = OpKind::kLiteral;
  std::string text;      // literal text, header name, filter-state key or time format
  std::string fallback;  // REQ(X?Y): Y
  size_t max_length = 0; // ":Z"; 0 = unlimited
  bool numeric = false;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::vector<Op>> parseFormat(std::string_view format) {
  std::vector<Op> ops;
  std::string literal;
  auto flush = [&] {
    if (literal.empty()) return;
    Op op;
    op.text = std::move(literal);
    ops.push_back(std::move(op));
    literal.clear();
  };
  size_t i = 0;
  while (i < format.size()) {
    char c = format[i];
    if (c != '%') {
      literal += c;
      ++i;
      continue;
    }
    if (i + 1 < format.size() && format[i + 1] == '%') {
      literal += '%';
      i += 2;
      continue;
    }
    // %NAME[(args)][:N]%
    size_t p = i + 1;
    size_t name_start = p;
    while (p < format.size() && ((format[p] >= 'A' && format[p] <= 'Z') || format[p] == '_' ||
                                 (format[p] >= '0' && format[p] <= '9'))) {
      ++p;
    }
    std::string_view name = format.substr(name_start, p - name_start);
    if (name.empty()) {
      return invalidArgument(fmt::format("access log format: stray '%' at offset {} (write %% for a literal '%')", i));
    }
    std::optional<std::string_view> arg;
    if (p < format.size() && format[p] == '(') {
      size_t close = format.find(')', p);
      if (close == std::string_view::npos) {
        return invalidArgument(fmt::format("access log format: unterminated '(' in %{}", name));
      }
      arg = format.substr(p + 1, close - p - 1);
      p = close + 1;
    }
    size_t max_length = 0;
    if (p < format.size() && format[p] == ':') {
      size_t digits_start = ++p;
      while (p < format.size() && format[p] >= '0' && format[p] <= '9') ++p;
      auto [ptr, ec] = std::from_chars(format.data() + digits_start, format.data() + p, max_length);
      if (ec != std::errc() || max_length == 0) {
        return invalidArgument(fmt::format("access log format: invalid length after %{}", name));
      }
    }
    if (p >= format.size() || format[p] != '%') {
      return invalidArgument(fmt::format("access log format: operator %{} at offset {} is not closed with '%'", name, i));
    }
    const OpInfo* info = nullptr;
    for (const auto& o : kOps) {
      if (o.name == name) info = &o;
    }
    if (!info) return invalidArgument(fmt::format("access log format: operator %{}% is not supported by weir", name));
    if (info->takes_arg && (!arg || arg->empty())) {
      return invalidArgument(fmt::format("access log format: %{}% needs an argument, e.g. %{}(X-NAME)%", name, name));
    }
    if (!info->takes_arg && arg && info->kind != OpKind::kStartTime) {
      return invalidArgument(fmt::format("access log format: %{}% takes no argument", name));
    }
    if (max_length && !(info->kind == OpKind::kReq || info->kind == OpKind::kResp ||
                        info->kind == OpKind::kTrailer || info->kind == OpKind::kFilterState)) {
      return invalidArgument(fmt::format("access log format: %{}% does not take a length", name));
    }
    flush();
    Op op;
    op.kind = info->kind;
    op.numeric = info->numeric;
    op.max_length = max_length;
    if (arg) {
      if (info->kind == OpKind::kReq || info->kind == OpKind::kResp || info->kind == OpKind::kTrailer) {
        size_t q = arg->find('?');
        op.text = lower(arg->substr(0, q));
        if (q != std::string_view::npos) op.fallback = lower(arg->substr(q + 1));
      } else {
        op.text = std::string(*arg);
      }
    }
    ops.push_back(std::move(op));
    i = p + 1;
  }
  flush();
  return ops;
}

std::optional<std::string> headerValue(const http::HeaderMap* headers, const Op& op) {
  if (!headers) return std::nullopt;
  auto v = headers->get(op.text);
  if (!v && !op.fallback.empty()) v = headers->get(op.fallback);
  if (!v) return std::nullopt;
  std::string s(*v);
  if (op.max_length && s.size() > op.max_length) s.resize(op.max_length);
  return s;
}

std::optional<std::string> millis(const std::optional<std::chrono::nanoseconds>& d) {
  if (!d) return std::nullopt;
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(*d).count());
}

std::optional<std::string> nonEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// Envoy's START_TIME: strftime plus %s (epoch seconds), %f / %1f..%9f
// (fractional seconds); default "2024-01-31T12:34:56.789Z".
std::string formatStartTime(event::SystemTime t, const std::string& format) {
  const auto since_epoch = t.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs).count();
  std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm tm{};
  gmtime_r(&tt, &tm);
  if (format.empty()) {
    char buf[64];
    size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:03}Z", std::string_view(buf, n), nanos / 1000000);
  }
  // Expand weir-handled specifiers first, then hand the rest to strftime.
  std::string expanded;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      expanded += format[i];
      continue;
    }
    char n = format[i + 1];
    if (n == 's') {
      expanded += std::to_string(secs.count());
      ++i;
    } else if (n == 'f') {
      expanded += fmt::format("{:09}", nanos);
      ++i;
    } else if (n >= '1' && n <= '9' && i + 2 < format.size() && format[i + 2] == 'f') {
      int digits = n - '0';
      expanded += fmt::format("{:09}", nanos).substr(0, static_cast<size_t>(digits));
      i += 2;
    } else {
      expanded += format[i];
      expanded += n;
      ++i;
    }
  }
  std::string out(expanded.size() * 2 + 64, '\0');
  size_t len = std::strftime(out.data(), out.size(), expanded.c_str(), &tm);
  out.resize(len);
  return out;
}

const std::string& hostname() {
  static const std::string name = [] {
    std::array<char, 256> buf{};
    if (gethostname(buf.data(), buf.size() - 1) != 0) return std::string("-");
    return std::string(buf.data());
  }();
  return name;
}

std::optional<std::string> evaluate(const Op& op, const StreamInfo& info) {
  switch (op.kind) {
    case OpKind::kLiteral:
      return op.text;
    case OpKind::kStartTime:
      return formatStartTime(info.start_time, op.text);
    case OpKind::kReq:
      return headerValue(info.request_headers, op);
    case OpKind::kResp:
      return headerValue(info.response_headers, op);
    case OpKind::kTrailer:
      return headerValue(info.response_trailers, op);
    case OpKind::kResponseCode:
      return std::to_string(info.response_code.value_or(0));
    case OpKind::kResponseCodeDetails:
      return nonEmpty(info.response_code_details);
    case OpKind::kResponseFlags:
      return responseFlagsToString(info.response_flags);
    case OpKind::kDuration:
      return millis(info.request_complete);
    case OpKind::kRequestDuration:
      return millis(info.last_downstream_rx_byte_received);
    case OpKind::kResponseDuration:
      return millis(info.first_upstream_rx_byte_received);
    case OpKind::kResponseTxDuration:
      if (!info.last_downstream_tx_byte_sent || !info.first_upstream_rx_byte_received) return std::nullopt;
      return millis(*info.last_downstream_tx_byte_sent - *info.first_upstream_rx_byte_received);
    case OpKind::kBytesReceived:
      return std::to_string(info.bytes_received);
    case OpKind::kBytesSent:
      return std::to_string(info.bytes_sent);
    case OpKind::kProtocol:
      return nonEmpty(info.protocol);
    case OpKind::kUpstreamHost:
      if (!info.upstream_host) return std::nullopt;
      return info.upstream_host->asString();
    case OpKind::kUpstreamCluster:
      return nonEmpty(info.upstream_cluster);
    case OpKind::kUpstreamTransportFailureReason:
      return nonEmpty(info.upstream_transport_failure_reason);
    case OpKind::kDownstreamRemoteAddress:
      return info.downstream_remote_address.asString();
    case OpKind::kDownstreamRemoteAddressWithoutPort:
      return info.downstream_remote_address.ip();
    case OpKind::kDownstreamLocalAddress:
      return info.downstream_local_address.asString();
    case OpKind::kDownstreamLocalAddressWithoutPort:
      return info.downstream_local_address.ip();
    case OpKind::kRouteName:
      return nonEmpty(info.route_name);
    case OpKind::kFilterState: {
      const FilterState::Object* obj = info.filter_state.getData(op.text);
      if (!obj) return std::nullopt;
      auto s = obj->serializeAsString();
      if (s && op.max_length && s->size() > op.max_length) s->resize(op.max_length);
      return s;
    }
    case OpKind::kHostname:
      return hostname();
  }
  return std::nullopt;
}

void renderText(const std::vector<Op>& ops, const StreamInfo& info, std::string& out) {
  for (const auto& op : ops) {
    if (op.kind == OpKind::kLiteral) {
      out += op.text;
      continue;
    }
    auto v = evaluate(op, info);
    out += v ? *v : "-";
  }
}

class TextFormatter : public AccessLogFormatter {
 public:
  explicit TextFormatter(std::vector<Op> ops) : ops_(std::move(ops)) {}
  void formatTo(const AccessLogContext& context, std::string& out) const override { renderText(ops_, context, out); }

 private:
  std::vector<Op> ops_;
};

void appendJsonString(std::string_view s, std::string& out) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// One json_format value: a nested object, a fixed JSON literal, or a template.
struct JsonNode {
  enum class Kind { kObject, kLiteral, kTemplate };
  Kind kind = Kind::kTemplate;
  // kObject: keys[i] names children[i] (two vectors: a pair member would
  // need JsonNode complete here).
  std::vector<std::string> keys;
  std::vector<JsonNode> children;
  std::string literal;                                    // kLiteral: serialized JSON
  std::vector<Op> ops;                                    // kTemplate
};

constexpr size_t kMaxJsonFormatDepth = 16;

Result<JsonNode> buildJsonNode(const nlohmann::json& value, size_t depth, const std::string& path) {
  JsonNode node;
  if (depth > kMaxJsonFormatDepth) return invalidArgument(fmt::format("json_format nested deeper than {}", kMaxJsonFormatDepth));
  if (value.is_object()) {
    node.kind = JsonNode::Kind::kObject;
    for (const auto& [k, v] : value.items()) {
      auto child = buildJsonNode(v, depth + 1, path.empty() ? k : path + "." + k);
      if (!child.isOk()) return child.status();
      node.keys.push_back(k);
      node.children.push_back(std::move(child.value()));
    }
  } else if (value.is_string()) {
    auto ops = parseFormat(value.get<std::string>());
    if (!ops.isOk()) return invalidArgument(fmt::format("json_format.{}: {}", path, ops.status().message()));
    node.ops = std::move(ops.value());
  } else if (value.is_number() || value.is_boolean() || value.is_null()) {
    node.kind = JsonNode::Kind::kLiteral;
    node.literal = value.dump();
  } else {
    return invalidArgument(fmt::format("json_format.{}: lists are not supported", path));
  }
  return node;
}

class JsonFormatter : public AccessLogFormatter {
 public:
  JsonFormatter(JsonNode root, bool omit_empty) : root_(std::move(root)), omit_empty_(omit_empty) {}

  void formatTo(const AccessLogContext& context, std::string& out) const override {
    renderObject(root_, context, out);
    out += '\n';
  }

 private:
  // Renders a value into `out`; returns false when it is empty and omitted.
  bool renderValue(const JsonNode& node, const StreamInfo& info, std::string& out) const {
    switch (node.kind) {
      case JsonNode::Kind::kObject:
        renderObject(node, info, out);
        return true;
      case JsonNode::Kind::kLiteral:
        out += node.literal;
        return true;
      case JsonNode::Kind::kTemplate:
        break;
    }
    if (node.ops.size() == 1 && node.ops[0].kind != OpKind::kLiteral) {
      const Op& op = node.ops[0];
      auto v = evaluate(op, info);
      if (!v || v->empty()) {
        if (omit_empty_) return false;
        out += v ? "\"\"" : "null";
        return true;
      }
      if (op.numeric) {
        out += *v;
      } else {
        appendJsonString(*v, out);
      }
      return true;
    }
    std::string s;
    renderText(node.ops, info, s);
    if (s.empty() && omit_empty_) return false;
    appendJsonString(s, out);
    return true;
  }

  void renderObject(const JsonNode& node, const StreamInfo& info, std::string& out) const {
    out += '{';
    bool first = true;
    for (size_t i = 0; i < node.keys.size(); ++i) {
      size_t mark = out.size();
      if (!first) out += ',';
      appendJsonString(node.keys[i], out);
      out += ':';
      if (!renderValue(node.children[i], info, out)) {
        out.resize(mark);
        continue;
      }
      first = false;
    }
    out += '}';
  }

  JsonNode root_;
  bool omit_empty_;
};

}  // namespace

Result<AccessLogFormatterPtr> createTextFormatter(std::string_view format) {
  auto ops = parseFormat(format.empty() ? kDefaultAccessLogFormat : format);
  if (!ops.isOk()) return ops.status();
  return AccessLogFormatterPtr(std::make_unique<TextFormatter>(std::move(ops.value())));
}

Result<AccessLogFormatterPtr> createJsonFormatter(const nlohmann::json& json_format, bool omit_empty_values) {
  if (!json_format.is_object()) return invalidArgument("json_format must be an object");
  auto root = buildJsonNode(json_format, 0, "");
  if (!root.isOk()) return root.status();
  return AccessLogFormatterPtr(std::make_unique<JsonFormatter>(std::move(root.value()), omit_empty_values));
}

Result<AccessLogFormatterPtr> createFormatter(const config::AccessLog& log) {
  Result<AccessLogFormatterPtr> f = log.json_format ? createJsonFormatter(*log.json_format, log.omit_empty_values)
                                                    : createTextFormatter(log.text_format.value_or(""));
  if (!f.isOk() && !log.source.empty()) {
    return invalidArgument(fmt::format("{}: {}", log.source, f.status().message()));
  }
  return f;
}

}  // namespace weir::proxy

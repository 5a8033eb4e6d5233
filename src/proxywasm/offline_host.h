// The offline host behind `weir test`: runs one Proxy-Wasm plugin on one
// recorded HTTP exchange (a raw HTTP/1.1 request and, optionally, the
// response the upstream gave), with no proxy, no sockets and no upstream,
// and reports what the plugin did: header changes, body rewrites, a local
// reply, its log lines, the http_calls it made, the properties it asked for.
//
// The plugin runs on the real VM (WasmVm) and the real host functions; only
// the stream around it is simulated, by OfflineStreamContext in the .cc, with
// the wasm filter's semantics (a Stop pauses, the plugin may resume with
// proxy_continue_stream). http_call goes through the real host function to a
// cluster manager that answers every cluster name with `callout_response`
// (a canned raw HTTP/1.1 response) or, without one, with no such cluster.
//
// Log lines are captured from weir's log while the plugin runs
// (log::ScopedCapture), so runOffline must not run concurrently with anything
// else that logs: their lines would land in the report; `weir test` is one
// thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace weir::proxywasm {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One HTTP message read from a file. Requests carry :method, :path,
// :authority, :scheme; responses :status (the HTTP/1 parser's view).
struct RecordedMessage {
  HeaderList headers;
  std::string body;
  HeaderList trailers;
};

// Upper bound on a recorded message file (headers + body).
inline constexpr size_t kMaxRecordedMessageBytes = 16u << 20;

// Parses raw HTTP/1.1 text (bare LF line ends are accepted and turned into
// CRLF first, so a hand-written file works) with weir's strict HTTP/1 parser.
Result<RecordedMessage> parseRecordedRequest(std::string_view bytes);
Result<RecordedMessage> parseRecordedResponse(std::string_view bytes);

struct OfflineOptions {
  std::string plugin_name = "test";
  std::string root_id;
  std::string plugin_configuration;
  std::string vm_configuration;
  // Answers properties the stream does not know ("node.id" → value, path
  // segments joined by '.').
  std::map<std::string, std::string> properties;
  // The answer to every http_call; without one an http_call gets BadArgument
  // (no such cluster), as in a proxy without that cluster.
  std::optional<RecordedMessage> callout_response;
};

enum class HeaderChangeKind : uint8_t { kAdded, kRemoved, kChanged };

struct HeaderChange {
  HeaderChangeKind kind;
  std::string name;
  std::string old_value;  // removed / changed
  std::string new_value;  // added / changed
};

struct CallbackRecord {
  std::string callback;  // "proxy_on_request_headers"
  std::string result;    // "Continue", "StopIteration", "-" (no result), "trap"
};

struct LocalReply {
  uint32_t status = 0;
  std::string details;
  std::string body;
  HeaderList headers;
};

struct CalloutRecord {
  std::string cluster;
  HeaderList headers;
  std::string body;
  std::string outcome;  // "answered 200" / "refused: no such cluster"
};

struct PropertyRecord {
  std::string path;  // segments joined by '.'
  std::optional<std::string> value;
};

struct OfflineReport {
  std::string abi_version;  // "0.2.1"
  std::vector<CallbackRecord> callbacks;
  std::vector<HeaderChange> request_header_changes;
  std::vector<HeaderChange> response_header_changes;
  std::optional<std::string> request_body;   // set when the plugin changed it
  std::optional<std::string> response_body;  // set when the plugin changed it
  bool forwarded = false;                    // the request reached the upstream
  bool request_paused = false;               // still stopped when the run ended
  bool response_paused = false;
  std::optional<LocalReply> local_reply;
  std::vector<std::string> logs;             // "[info] message"
  std::vector<CalloutRecord> http_calls;
  std::vector<PropertyRecord> properties;
  std::optional<std::string> failure;        // the VM trapped or failed
};

// Runs the plugin. `response` is what the upstream answers when the request
// is forwarded (no response phase without one). Errors are about the setup
// (module, configuration rejected); what happens to the stream, traps
// included, is in the report.
Result<OfflineReport> runOffline(const std::string& module_bytes, const OfflineOptions& options,
                                 const RecordedMessage& request, const std::optional<RecordedMessage>& response);

// The report as text for a terminal, and as JSON.
std::string formatReport(const OfflineReport& report);
std::string reportJson(const OfflineReport& report);

}  // namespace weir::proxywasm

// weir test FILTER.wasm --request FILE — run a filter on a recorded HTTP
// exchange without a proxy (proxywasm/offline_host.h) and print what it did.
#include <cstdio>
#include <fstream>

#include "base/logging.h"
#include "cli/command.h"
#include "cli/module_info.h"
#include "proxywasm/offline_host.h"

namespace {

using namespace weir;

constexpr const char* kUsage =
    "usage: weir test FILTER.wasm --request FILE [options]\n"
    "  Runs the filter on the weir interpreter with the real Proxy-Wasm host functions, on\n"
    "  the HTTP/1.1 request in FILE (and the upstream's response, if given), and prints\n"
    "  what it did: callbacks and their results, request/response header changes (+ added,\n"
    "  - removed, ~ changed), body rewrites, a local reply, its logs, its http_calls, the\n"
    "  properties it asked for. Files are raw HTTP/1.1 text; LF line ends are fine.\n"
    "  --request FILE             the request (required)\n"
    "  --response FILE            the upstream's response (no response phase without it)\n"
    "  --root-id ID               plugin root id\n"
    "  --config TEXT              plugin configuration (--config-file FILE reads it)\n"
    "  --vm-config TEXT           VM configuration\n"
    "  --name NAME                plugin name (default test)\n"
    "  --http-call-response FILE  the answer to every http_call (without it: calls fail, as\n"
    "                             when the cluster is down)\n"
    "  --property PATH=VALUE      answer a property (PATH dotted: node.id=n1); repeatable\n"
    "  --log-level L              the plugin's log lines shown: trace, debug, info (default),\n"
    "                             warning, error, critical\n"
    "  --json                     print the report as JSON\n"
    "  --expect TEXT              exit 1 unless the text report contains TEXT; repeatable\n";

Result<std::string> readFile(const std::string& path) {
  return cli::readFileUpTo(path, proxywasm::kMaxRecordedMessageBytes);
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "weir test: %s\n", msg.c_str());
  return 1;
}

int runTest(const std::vector<std::string>& args) {
  std::string module_path, request_path, response_path, callout_path;
  proxywasm::OfflineOptions options;
  std::vector<std::string> expects;
  bool as_json = false;
  log::Level shown = log::Level::kInfo;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string v;
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      return 0;
    }
    bool ok = true;
    if (a == "--request") ok = value(request_path);
    else if (a == "--response") ok = value(response_path);
    else if (a == "--root-id") ok = value(options.root_id);
    else if (a == "--config") ok = value(options.plugin_configuration);
    else if (a == "--vm-config") ok = value(options.vm_configuration);
    else if (a == "--name") ok = value(options.plugin_name);
    else if (a == "--http-call-response") ok = value(callout_path);
    else if (a == "--json") as_json = true;
    else if (a == "--log-level") {
      ok = value(v);
      auto level = log::parseLevel(v);
      if (ok && !level) return fail("unknown log level " + v);
      if (ok) shown = *level;
    }
    else if (a == "--expect") {
      ok = value(v);
      expects.push_back(v);
    } else if (a == "--config-file") {
      ok = value(v);
      if (ok) {
        auto text = readFile(v);
        if (!text) return fail(text.status().message());
        options.plugin_configuration = *text;
      }
    } else if (a == "--property") {
      ok = value(v);
      auto eq = v.find('=');
      if (ok && eq == std::string::npos) return fail("--property needs PATH=VALUE");
      if (ok) options.properties[v.substr(0, eq)] = v.substr(eq + 1);
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "weir test: unknown flag %s\n%s", a.c_str(), kUsage);
      return 2;
    } else if (module_path.empty()) {
      module_path = a;
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "%s", kUsage);
      return 2;
    }
  }
  if (module_path.empty() || request_path.empty()) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  auto module = cli::readFileUpTo(module_path, cli::kMaxModuleFileBytes);
  if (!module) return fail(module.status().message());
  auto request_text = readFile(request_path);
  if (!request_text) return fail(request_text.status().message());
  auto request = proxywasm::parseRecordedRequest(*request_text);
  if (!request) return fail(request_path + ": " + request.status().message());
  std::optional<proxywasm::RecordedMessage> response;
  if (!response_path.empty()) {
    auto text = readFile(response_path);
    if (!text) return fail(text.status().message());
    auto parsed = proxywasm::parseRecordedResponse(*text);
    if (!parsed) return fail(response_path + ": " + parsed.status().message());
    response = std::move(parsed.value());
  }
  if (!callout_path.empty()) {
    auto text = readFile(callout_path);
    if (!text) return fail(text.status().message());
    auto parsed = proxywasm::parseRecordedResponse(*text);
    if (!parsed) return fail(callout_path + ": " + parsed.status().message());
    options.callout_response = std::move(parsed.value());
  }
  auto report = proxywasm::runOffline(*module, options, *request, response);
  if (!report) {
    return fail(report.status().message() +
                (options.root_id.empty() ? " (no --root-id given: SDKs that pick the root context by root id, as "
                                           "AssemblyScript's does, need the one the module registers)"
                                         : ""));
  }
  // "[debug] message": SDKs log their own bookkeeping at debug; hide it unless asked.
  std::erase_if(report->logs, [shown](const std::string& line) {
    auto close = line.find(']');
    auto level = close == std::string::npos ? std::nullopt : log::parseLevel(line.substr(1, close - 1));
    return level && *level < shown;
  });
  const std::string text = proxywasm::formatReport(*report);
  std::printf("%s", as_json ? (proxywasm::reportJson(*report) + "\n").c_str() : text.c_str());
  int rc = report->failure ? 1 : 0;
  for (const auto& e : expects) {
    if (text.find(e) == std::string::npos) {
      std::fprintf(stderr, "weir test: expected in the report, not found: %s\n", e.c_str());
      rc = 1;
    }
  }
  return rc;
}

weir::cli::CommandRegistration reg("test", "run a filter on a recorded HTTP request/response, no proxy needed",
                                   runTest);

}  // namespace

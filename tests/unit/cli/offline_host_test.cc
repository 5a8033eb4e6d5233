// The offline host behind `weir test`, on the C and AssemblyScript test
// filters of tests/testdata/proxywasm (built at test time).
#include "proxywasm/offline_host.h"

#include <gtest/gtest.h>

#include "cli/module_info.h"
#include "testdata/proxywasm/test_modules.h"

namespace weir::proxywasm {
namespace {

RecordedMessage request(const std::string& text) {
  auto r = parseRecordedRequest(text);
  EXPECT_TRUE(r.isOk()) << r.status().message();
  return r.isOk() ? *r : RecordedMessage{};
}

RecordedMessage response(const std::string& text) {
  auto r = parseRecordedResponse(text);
  EXPECT_TRUE(r.isOk()) << r.status().message();
  return r.isOk() ? *r : RecordedMessage{};
}

const char* kGet = "GET /a?b=1 HTTP/1.1\nHost: example.com\nX-User: alice\n\n";
const char* kOk = "HTTP/1.1 200 OK\nContent-Length: 5\n\nhello";

OfflineReport run(const std::string& module, const std::string& config, const std::string& req,
                  std::optional<std::string> resp = std::string(kOk), const std::string& root_id = "",
                  std::optional<std::string> callout = std::nullopt) {
  OfflineOptions o;
  o.plugin_configuration = config;
  o.root_id = root_id;
  if (callout) o.callout_response = response(*callout);
  std::optional<RecordedMessage> r;
  if (resp) r = response(*resp);
  auto report = runOffline(module, o, request(req), r);
  EXPECT_TRUE(report.isOk()) << report.status().message();
  return report.isOk() ? *report : OfflineReport{};
}

bool hasChange(const std::vector<HeaderChange>& changes, HeaderChangeKind kind, const std::string& name,
               const std::string& value) {
  for (const auto& c : changes) {
    if (c.kind == kind && c.name == name && (kind == HeaderChangeKind::kRemoved ? c.old_value : c.new_value) == value) {
      return true;
    }
  }
  return false;
}

TEST(RecordedMessageTest, AcceptsLfLineEndsAndAddsARequestBodyLength) {
  auto r = parseRecordedRequest("POST /x HTTP/1.1\nHost: h\n\nbody\nwith lines");
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->body, "body\nwith lines");
  bool has_method = false;
  for (const auto& [k, v] : r->headers) has_method |= (k == ":method" && v == "POST");
  EXPECT_TRUE(has_method);
}

TEST(RecordedMessageTest, ResponsesWithoutLengthRunToTheEnd) {
  auto r = parseRecordedResponse("HTTP/1.1 404 Not Found\r\nX: y\r\n\r\nall of it");
  ASSERT_TRUE(r.isOk()) << r.status().message();
  EXPECT_EQ(r->body, "all of it");
}

TEST(RecordedMessageTest, RejectsWhatIsNotHttp) {
  EXPECT_FALSE(parseRecordedRequest("").isOk());
  EXPECT_FALSE(parseRecordedRequest("hello world").isOk());
  EXPECT_FALSE(parseRecordedRequest("GET / HTTP/1.1\nHost: a\nContent-Length: 10\n\nshort").isOk());
  // One message per file: with framing, what follows it is an error (without
  // framing, everything after the head is the body).
  EXPECT_FALSE(parseRecordedRequest("GET / HTTP/1.1\nHost: a\nContent-Length: 0\n\nGET / HTTP/1.1\n\n").isOk());
  EXPECT_FALSE(parseRecordedResponse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab").isOk());
  EXPECT_FALSE(parseRecordedRequest(std::string(kMaxRecordedMessageBytes + 1, 'a')).isOk());
}

TEST(OfflineHostTest, ReportsHeaderChangesOnBothSidesAndPropertiesAsked) {
  auto r = run(testModule("test_filter.wasm"), "hi", kGet);
  EXPECT_EQ(r.abi_version, "0.2.1");
  EXPECT_TRUE(r.forwarded);
  EXPECT_TRUE(hasChange(r.request_header_changes, HeaderChangeKind::kAdded, "x-wasm-request", "c"));
  EXPECT_TRUE(hasChange(r.response_header_changes, HeaderChangeKind::kAdded, "x-wasm-response", "hi"));
  EXPECT_TRUE(hasChange(r.response_header_changes, HeaderChangeKind::kAdded, "x-wasm-path", "/a?b=1"));
  ASSERT_FALSE(r.properties.empty());
  EXPECT_EQ(r.properties[0].path, "request.path");
  EXPECT_EQ(r.properties[0].value, "/a?b=1");
  EXPECT_FALSE(r.local_reply);
  EXPECT_FALSE(r.failure);
  const std::string text = formatReport(r);
  EXPECT_NE(text.find("+ x-wasm-request: c"), std::string::npos) << text;
  EXPECT_NE(text.find("proxy_on_request_headers -> Continue"), std::string::npos) << text;
  EXPECT_NE(reportJson(r).find("\"x-wasm-response\""), std::string::npos);
}

TEST(OfflineHostTest, LocalReplyStopsTheRequest) {
  auto r = run(testModule("test_filter.wasm"), "deny", kGet);
  ASSERT_TRUE(r.local_reply);
  EXPECT_EQ(r.local_reply->status, 403u);
  EXPECT_EQ(r.local_reply->body, "denied by wasm");
  EXPECT_EQ(r.local_reply->details, "wasm_denied");
  ASSERT_EQ(r.local_reply->headers.size(), 1u);
  EXPECT_EQ(r.local_reply->headers[0].first, "x-denied-by");
  EXPECT_FALSE(r.forwarded);
  EXPECT_TRUE(r.response_header_changes.empty());
}

TEST(OfflineHostTest, BufferedBodyRewrite) {
  auto r = run(testModule("test_filter.wasm"), "rewrite", kGet);
  ASSERT_TRUE(r.response_body);
  EXPECT_EQ(*r.response_body, "rewritten:5");
  EXPECT_TRUE(hasChange(r.response_header_changes, HeaderChangeKind::kRemoved, "content-length", "5"));
}

TEST(OfflineHostTest, ATrapIsReportedNotFatal) {
  auto r = run(testModule("test_filter.wasm"), "hi", "GET / HTTP/1.1\nHost: a\nX-Trap: 1\n\n");
  ASSERT_TRUE(r.failure);
  EXPECT_NE(r.failure->find("proxy_on_request_headers"), std::string::npos);
  EXPECT_FALSE(r.forwarded);
}

TEST(OfflineHostTest, APausedRequestResumedByATickIsForwarded) {
  auto r = run(testModule("test_filter.wasm"), "pause", kGet);
  EXPECT_TRUE(r.forwarded);
  EXPECT_FALSE(r.request_paused);
  EXPECT_TRUE(hasChange(r.request_header_changes, HeaderChangeKind::kAdded, "x-resumed-by", "tick"));
}

TEST(OfflineHostTest, RejectedConfigurationIsASetupError) {
  OfflineOptions o;
  o.plugin_configuration = "reject";
  auto report = runOffline(testModule("test_filter.wasm"), o, request(kGet), std::nullopt);
  EXPECT_FALSE(report.isOk());
  EXPECT_FALSE(runOffline("not wasm", o, request(kGet), std::nullopt).isOk());
}

TEST(OfflineHostTest, NoResponseMeansNoResponsePhase) {
  auto r = run(testModule("test_filter.wasm"), "hi", kGet, std::nullopt);
  EXPECT_TRUE(r.forwarded);
  EXPECT_TRUE(r.response_header_changes.empty());
  for (const auto& c : r.callbacks) EXPECT_NE(c.callback, "proxy_on_response_headers");
}

// The AssemblyScript SDK filter, built without Binaryen's optimizer (the
// same program; a fraction of the compile time of build.sh's -O3), or "".
std::string assemblyScriptModule() {
  namespace fs = std::filesystem;
  const fs::path src = fs::path(__FILE__).parent_path() / ".." / ".." / "testdata" / "proxywasm" / "assemblyscript";
  if (!fs::exists(src / "node_modules" / ".bin" / "asc")) return "";
  const fs::path out = testModuleDir() / "as_filter_o0.wasm";
  const std::string cmd = "cd '" + src.string() + "' && ./node_modules/.bin/asc assembly/index.ts -b '" + out.string() +
                          "' --use abort=abort_proc_exit --noAssert >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "asc failed: " << cmd;
  std::ifstream in(out, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(OfflineHostTest, AssemblyScriptHttpCallRefusedWithoutACannedResponse) {
  const std::string module = assemblyScriptModule();
  if (module.empty()) GTEST_SKIP() << "AssemblyScript SDK not installed (npm ci in tests/testdata/proxywasm/assemblyscript)";
  auto r = run(module, "authz_cluster", kGet, std::string(kOk), "authz");
  ASSERT_EQ(r.http_calls.size(), 1u);
  EXPECT_EQ(r.http_calls[0].cluster, "authz_cluster");
  bool user = false, auth_path = false;
  for (const auto& [k, v] : r.http_calls[0].headers) {
    user |= (k == "x-user" && v == "alice");
    auth_path |= (k == ":path" && v == "/auth");
  }
  EXPECT_TRUE(user);
  EXPECT_TRUE(auth_path);
  ASSERT_TRUE(r.local_reply);
  EXPECT_EQ(r.local_reply->status, 403u);
  EXPECT_FALSE(r.forwarded);

  auto allowed = run(module, "authz_cluster", kGet, std::string(kOk), "authz",
                     std::string("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"));
  ASSERT_EQ(allowed.http_calls.size(), 1u);
  EXPECT_EQ(allowed.http_calls[0].outcome, "answered 200 (canned)");
  EXPECT_FALSE(allowed.local_reply);
  EXPECT_TRUE(allowed.forwarded);
  EXPECT_TRUE(hasChange(allowed.request_header_changes, HeaderChangeKind::kAdded, "x-authz", "allowed"));

  auto logged = run(module, "cfg", kGet, std::string(kOk), "add_header");
  EXPECT_TRUE(hasChange(logged.response_header_changes, HeaderChangeKind::kAdded, "x-as-hello", "cfg"));
}

TEST(ModuleInfoTest, AbiVersionFromTheHostsDetection) {
  auto v = cli::proxyWasmAbiVersions(testModule("test_filter.wasm"));
  ASSERT_TRUE(v.isOk());
  EXPECT_EQ(*v, std::vector<std::string>{"proxy_abi_version_0_2_1"});
  // Valid Wasm without a marker: no version; not Wasm: an error.
  auto none = cli::proxyWasmAbiVersions(std::string("\0asm\1\0\0\0", 8));
  ASSERT_TRUE(none.isOk());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(cli::proxyWasmAbiVersions("nope").isOk());
}

}  // namespace
}  // namespace weir::proxywasm

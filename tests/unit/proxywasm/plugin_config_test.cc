#include "proxywasm/plugin.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testdata/proxywasm/test_modules.h"

namespace weir::proxywasm {
namespace {

using json = nlohmann::json;

TEST(PluginConfigTest, Base64DecodesStandardAndUrlAlphabets) {
  EXPECT_EQ(base64Decode("aGVsbG8=").value(), "hello");
  EXPECT_EQ(base64Decode("aGVsbG8").value(), "hello");
  EXPECT_EQ(base64Decode("-_8=").value(), "\xfb\xff");
  EXPECT_FALSE(base64Decode("a*==").isOk());
  EXPECT_FALSE(base64Decode("aGVsbG8=x").isOk());
}

TEST(PluginConfigTest, ParsesDurations) {
  EXPECT_EQ(parseDuration("1s").value().count(), 1000);
  EXPECT_EQ(parseDuration("0.25s").value().count(), 250);
  EXPECT_EQ(parseDuration("100ms").value().count(), 100);
  EXPECT_FALSE(parseDuration("-1s").isOk());
  EXPECT_FALSE(parseDuration("soon").isOk());
}

TEST(PluginConfigTest, ParsesEnvoyWasmConfigWithInlineBytes) {
  const std::string& wasm = testModule("add_header.wasm");
  json cfg = {{"config",
               {{"name", "adder"},
                {"root_id", "add_header"},
                {"configuration", {{"@type", "type.googleapis.com/google.protobuf.StringValue"}, {"value", "cfg"}}},
                {"failure_policy", "FAIL_RELOAD"},
                {"reload_config", {{"backoff", {{"base_interval", "0.5s"}}}}},
                {"vm_config",
                 {{"vm_id", "vm1"},
                  {"runtime", "envoy.wasm.runtime.v8"},
                  {"configuration", {{"@type", "type.googleapis.com/google.protobuf.Struct"}, {"value", {{"a", 1}}}}},
                  {"environment_variables", {{"key_values", {{"K", "V"}}}}},
                  {"code", {{"local", {{"inline_bytes", base64Encode(wasm)}}}}}}}}}};
  auto plugin = parsePluginConfig(cfg);
  ASSERT_TRUE(plugin.isOk()) << plugin.status().toString();
  EXPECT_EQ(plugin.value()->name, "adder");
  EXPECT_EQ(plugin.value()->root_id, "add_header");
  EXPECT_EQ(plugin.value()->configuration, "cfg");
  EXPECT_EQ(plugin.value()->failure_policy, FailurePolicy::kFailReload);
  EXPECT_EQ(plugin.value()->reload_backoff.count(), 500);
  const VmCode& vm = *plugin.value()->vm;
  EXPECT_EQ(vm.vm_id, "vm1");
  EXPECT_EQ(vm.vm_configuration, R"({"a":1})");
  EXPECT_EQ(vm.abi, AbiVersion::k0_2_1);
  ASSERT_EQ(vm.environment.size(), 1u);
  EXPECT_EQ(vm.environment[0], std::make_pair(std::string("K"), std::string("V")));
  EXPECT_EQ(vm.digest, "sha256:" + sha256Hex(wasm));
}

TEST(PluginConfigTest, FailOpenAndFilenameAreHonoured) {
  json cfg = {{"config",
               {{"fail_open", true},
                {"configuration", "plain string"},
                {"vm_config", {{"code", {{"local", {{"filename", testModulePath("add_header.wasm")}}}}}}}}}};
  auto plugin = parsePluginConfig(cfg);
  ASSERT_TRUE(plugin.isOk()) << plugin.status().toString();
  EXPECT_EQ(plugin.value()->failure_policy, FailurePolicy::kFailOpen);
  EXPECT_EQ(plugin.value()->configuration, "plain string");
}

TEST(PluginConfigTest, ErrorsNameTheField) {
  auto missing_vm = parsePluginConfig(json{{"config", {{"name", "x"}}}});
  ASSERT_FALSE(missing_vm.isOk());
  EXPECT_NE(missing_vm.status().message().find("config.vm_config"), std::string::npos);

  auto bad_runtime = parsePluginConfig(
      json{{"config", {{"vm_config", {{"runtime", "envoy.wasm.runtime.lua"}, {"code", {{"local", {{"inline_string", "x"}}}}}}}}}});
  ASSERT_FALSE(bad_runtime.isOk());
  EXPECT_NE(bad_runtime.status().message().find("runtime"), std::string::npos);

  auto not_wasm = parsePluginConfig(json{{"config", {{"vm_config", {{"code", {{"local", {{"inline_string", "nope"}}}}}}}}}});
  ASSERT_FALSE(not_wasm.isOk());
  EXPECT_NE(not_wasm.status().message().find("config.vm_config.code"), std::string::npos);

  auto no_file = parsePluginConfig(
      json{{"config", {{"vm_config", {{"code", {{"local", {{"filename", "/nonexistent/x.wasm"}}}}}}}}}});
  ASSERT_FALSE(no_file.isOk());
  EXPECT_NE(no_file.status().message().find("filename"), std::string::npos);

  auto remote = parsePluginConfig(json{{"config", {{"vm_config", {{"code", {{"remote", json::object()}}}}}}}});
  ASSERT_FALSE(remote.isOk());
  EXPECT_NE(remote.status().message().find("config.vm_config.code.remote.http_uri: required"), std::string::npos)
      << remote.status().message();
}

json remoteCode(json remote) {
  return json{{"config", {{"vm_config", {{"code", {{"remote", std::move(remote)}}}}}}}};
}

TEST(PluginConfigTest, ParsesRemoteCodeInEnvoysShapeWithoutFetching) {
  const std::string sha(64, 'a');
  auto tag = parsePluginConfig(remoteCode(
      {{"http_uri", {{"uri", "oci://hub.example:5000/team/auth:v1"}, {"cluster", "hub"}, {"timeout", "3s"}}},
       {"retry_policy", {{"num_retries", 5}, {"retry_back_off", {{"base_interval", "0.5s"}, {"max_interval", "4s"}}}}},
       {"weir_refresh_interval", "30s"}}));
  ASSERT_TRUE(tag.isOk()) << tag.status().toString();
  const RemoteSource& r = *tag.value()->remote;
  EXPECT_EQ(r.uri, "oci://hub.example:5000/team/auth:v1");
  EXPECT_EQ(r.cluster, "hub");
  EXPECT_EQ(r.timeout, std::chrono::seconds(3));
  EXPECT_EQ(r.num_retries, 5u);
  EXPECT_EQ(r.retry_base_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(r.retry_max_interval, std::chrono::seconds(4));
  EXPECT_EQ(r.refresh_interval, std::chrono::seconds(30));
  EXPECT_FALSE(r.pinned());
  EXPECT_EQ(tag.value()->vm->module, nullptr);  // settings only until fetched

  auto pinned = parsePluginConfig(remoteCode({{"http_uri", {{"uri", "oci://hub.example/team/auth@sha256:" + sha}}}}));
  ASSERT_TRUE(pinned.isOk()) << pinned.status().toString();
  EXPECT_TRUE(pinned.value()->remote->pinned());
  EXPECT_EQ(pinned.value()->remote->timeout, std::chrono::seconds(10));

  auto http = parsePluginConfig(
      remoteCode({{"http_uri", {{"uri", "https://files.example/f.wasm"}}}, {"sha256", "sha256:" + sha}}));
  ASSERT_TRUE(http.isOk()) << http.status().toString();
  EXPECT_EQ(http.value()->remote->sha256, sha);
  EXPECT_TRUE(http.value()->remote->pinned());
}

TEST(PluginConfigTest, RejectsMalformedRemoteCode) {
  auto error = [](json remote) {
    auto r = parsePluginConfig(remoteCode(std::move(remote)));
    return r.isOk() ? std::string("accepted") : r.status().message();
  };
  EXPECT_NE(error({{"http_uri", {{"uri", "https://files.example/f.wasm"}}}}).find("sha256: required"),
            std::string::npos);
  EXPECT_NE(error({{"http_uri", {{"uri", "ftp://x/f.wasm"}}}}).find("expected oci://"), std::string::npos);
  EXPECT_NE(error({{"http_uri", {{"uri", "oci://hub.example/Team/x:v1"}}}}).find("http_uri.uri"), std::string::npos);
  EXPECT_NE(error({{"http_uri", {{"uri", "oci://h/x:y"}}}, {"sha256", "xyz"}}).find("64 lowercase hex"),
            std::string::npos);
  EXPECT_NE(error({{"http_uri", {{"uri", "oci://h/x:y"}}}, {"refresh", "1s"}}).find("remote.refresh: unknown field"),
            std::string::npos);
  EXPECT_NE(error({{"http_uri", {{"uri", "oci://h/x:y"}, {"timeout", "0s"}}}}).find("timeout: must be positive"),
            std::string::npos);
  EXPECT_NE(error({{"http_uri", {{"uri", "oci://h/x:y"}}}, {"retry_policy", {{"num_retries", -1}}}})
                .find("num_retries"),
            std::string::npos);
  EXPECT_NE(error({{"http_uri", {{"uri", "oci://h/x:y"}}},
                   {"retry_policy", {{"retry_back_off", {{"base_interval", "2s"}, {"max_interval", "1s"}}}}}})
                .find("max_interval"),
            std::string::npos);
}

TEST(PluginConfigTest, RejectsModulesWithoutAbiMarker) {
  // (module (memory (export "memory") 1)) — valid Wasm, not Proxy-Wasm.
  const std::string bare("\0asm\x01\0\0\0\x05\x03\x01\0\x01\x07\x0a\x01\x06memory\x02\0", 25);
  auto code = compileVmCode(bare);
  ASSERT_FALSE(code.isOk());
  EXPECT_NE(code.status().message().find("ABI version"), std::string::npos);
}

}  // namespace
}  // namespace weir::proxywasm

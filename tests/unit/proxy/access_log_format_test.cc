#include "proxy/access_log_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/header_map.h"

namespace weir::proxy {
namespace {

using ::testing::MatchesRegex;

// 2026-01-02T03:04:05.678Z
event::SystemTime fixedTime() {
  return event::SystemTime(std::chrono::seconds(1767323045)) + std::chrono::milliseconds(678);
}

struct Fixture {
  http::HeaderMap request{{":method", "POST"}, {":path", "/api/v1?x=1"}, {":authority", "api.example.com"},
                          {"user-agent", "curl/8.5.0"}, {"x-request-id", "abc-123"},
                          {"x-forwarded-for", "10.0.0.9"}};
  http::HeaderMap response{{":status", "503"}, {"content-type", "text/plain"}};
  http::HeaderMap trailers{{"grpc-status", "14"}};
  StreamInfo info;

  Fixture() {
    info.start_time = fixedTime();
    info.request_headers = &request;
    info.response_headers = &response;
    info.response_trailers = &trailers;
    info.response_code = 503;
    info.setResponseFlag(kNoHealthyUpstream);
    info.setResponseFlag(kUpstreamRetryLimitExceeded);
    info.request_complete = std::chrono::milliseconds(42);
    info.last_downstream_rx_byte_received = std::chrono::milliseconds(3);
    info.first_upstream_rx_byte_received = std::chrono::milliseconds(30);
    info.last_downstream_tx_byte_sent = std::chrono::milliseconds(41);
    info.bytes_received = 12;
    info.bytes_sent = 19;
    info.protocol = "HTTP/1.1";
    info.upstream_host = *net::Address::parse("10.1.2.3:8080");
    info.upstream_cluster = "backend";
    info.downstream_remote_address = *net::Address::parse("192.168.1.7:51000");
    info.downstream_local_address = *net::Address::parse("127.0.0.1:10000");
    info.route_name = "api_route";
    info.filter_state.setData("weir.test", std::make_unique<FilterState::StringObject>("state-value"));
  }
};

std::string render(std::string_view format, const StreamInfo& info) {
  auto f = createTextFormatter(format);
  EXPECT_TRUE(f.isOk()) << f.status().message();
  return f.isOk() ? (*f)->format(info) : "";
}

TEST(AccessLogFormat, DefaultFormatMatchesEnvoy) {
  Fixture fx;
  EXPECT_EQ(render("", fx.info),
            "[2026-01-02T03:04:05.678Z] \"POST /api/v1?x=1 HTTP/1.1\" 503 UH,URX 12 19 42 - \"10.0.0.9\" "
            "\"curl/8.5.0\" \"abc-123\" \"api.example.com\" \"10.1.2.3:8080\"\n");
}

TEST(AccessLogFormat, EveryOperator) {
  Fixture fx;
  EXPECT_EQ(render("%RESPONSE_CODE% %RESPONSE_FLAGS% %DURATION% %REQUEST_DURATION% %RESPONSE_DURATION% "
                   "%RESPONSE_TX_DURATION% %BYTES_RECEIVED% %BYTES_SENT% %PROTOCOL%",
                   fx.info),
            "503 UH,URX 42 3 30 11 12 19 HTTP/1.1");
  EXPECT_EQ(render("%UPSTREAM_HOST% %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS% "
                   "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_LOCAL_ADDRESS% "
                   "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT% %ROUTE_NAME% %UPSTREAM_TRANSPORT_FAILURE_REASON%",
                   fx.info),
            "10.1.2.3:8080 backend 192.168.1.7:51000 192.168.1.7 127.0.0.1:10000 127.0.0.1 api_route -");
  EXPECT_EQ(render("%RESP(CONTENT-TYPE)% %TRAILER(GRPC-STATUS)% %FILTER_STATE(weir.test)% %FILTER_STATE(none)%",
                   fx.info),
            "text/plain 14 state-value -");
}

TEST(AccessLogFormat, RequestHeaderFallbackAndTruncation) {
  Fixture fx;
  EXPECT_EQ(render("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", fx.info), "/api/v1?x=1");
  fx.request.add("x-envoy-original-path", "/original");
  EXPECT_EQ(render("%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", fx.info), "/original");
  EXPECT_EQ(render("%REQ(USER-AGENT):4%", fx.info), "curl");
  EXPECT_EQ(render("[%REQ(X-MISSING)%]", fx.info), "[-]");
}

TEST(AccessLogFormat, MissingValuesRenderAsDash) {
  StreamInfo empty;
  EXPECT_EQ(render("%RESPONSE_CODE% %DURATION% %UPSTREAM_HOST% %REQ(:PATH)% %PROTOCOL% %RESPONSE_FLAGS%", empty),
            "0 - - - - -");
}

TEST(AccessLogFormat, StartTimeWithStrftimeAndFractions) {
  Fixture fx;
  EXPECT_EQ(render("%START_TIME(%Y/%m/%d %H:%M:%S.%3f)%", fx.info), "2026/01/02 03:04:05.678");
  EXPECT_EQ(render("%START_TIME(%s)%", fx.info), "1767323045");
  EXPECT_EQ(render("%START_TIME(%f)%", fx.info), "678000000");
}

TEST(AccessLogFormat, LiteralPercent) {
  Fixture fx;
  EXPECT_EQ(render("100%% %RESPONSE_CODE%", fx.info), "100% 503");
}

TEST(AccessLogFormat, InvalidFormatsAreRejectedAtLoad) {
  EXPECT_THAT(createTextFormatter("%NOT_AN_OPERATOR%").status().message(),
              ::testing::HasSubstr("%NOT_AN_OPERATOR% is not supported"));
  EXPECT_FALSE(createTextFormatter("%REQ%").isOk());
  EXPECT_FALSE(createTextFormatter("%REQ()%").isOk());
  EXPECT_FALSE(createTextFormatter("%RESPONSE_CODE").isOk());
  EXPECT_FALSE(createTextFormatter("50% off").isOk());
  EXPECT_FALSE(createTextFormatter("%REQ(X:5%").isOk());
  EXPECT_FALSE(createTextFormatter("%DURATION:3%").isOk());
}

TEST(AccessLogFormat, JsonFormatTypesNumbersAndNests) {
  Fixture fx;
  nlohmann::json spec = {
      {"status", "%RESPONSE_CODE%"},
      {"method", "%REQ(:METHOD)%"},
      {"line", "%REQ(:METHOD)% %REQ(:PATH)%"},
      {"missing", "%REQ(X-NOPE)%"},
      {"timing", {{"duration", "%DURATION%"}, {"bytes", "%BYTES_SENT%"}}},
      {"fixed", 7},
  };
  auto f = createJsonFormatter(spec);
  ASSERT_TRUE(f.isOk()) << f.status().message();
  std::string line = (*f)->format(fx.info);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["status"], 503);
  EXPECT_EQ(parsed["method"], "POST");
  EXPECT_EQ(parsed["line"], "POST /api/v1?x=1");
  EXPECT_TRUE(parsed["missing"].is_null());
  EXPECT_EQ(parsed["timing"]["duration"], 42);
  EXPECT_EQ(parsed["timing"]["bytes"], 19);
  EXPECT_EQ(parsed["fixed"], 7);
}

TEST(AccessLogFormat, JsonOmitEmptyValuesAndEscaping) {
  Fixture fx;
  fx.request.add("x-quote", "say \"hi\"\n");
  auto f = createJsonFormatter({{"q", "%REQ(X-QUOTE)%"}, {"missing", "%REQ(X-NOPE)%"}}, true);
  ASSERT_TRUE(f.isOk());
  std::string line = (*f)->format(fx.info);
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["q"], "say \"hi\"\n");
  EXPECT_FALSE(parsed.contains("missing"));
}

TEST(AccessLogFormat, FromLoadedConfigNamesTheSourceOnError) {
  config::AccessLog log;
  log.text_format = "%BOGUS%";
  log.source = "weir.yaml:12:9: static_resources.listeners[0]...access_log[0]";
  auto f = createFormatter(log);
  ASSERT_FALSE(f.isOk());
  EXPECT_THAT(f.status().message(), ::testing::StartsWith("weir.yaml:12:9:"));
  log.text_format.reset();
  EXPECT_TRUE(createFormatter(log).isOk());
}

}  // namespace
}  // namespace weir::proxy

#include "http/header_utility.h"

#include <set>

#include <gtest/gtest.h>

namespace weir::http {
namespace {

TEST(HeaderUtilityTest, PercentDecodeHandlesEscapesPlusAndMalformedEscapes) {
  EXPECT_EQ(percentDecode("a%2Fb+c%3d"), "a/b c=");
  EXPECT_EQ(percentDecode("100%"), "100%");
  EXPECT_EQ(percentDecode("%zz%4"), "%zz%4");
}

TEST(HeaderUtilityTest, RemovesHopByHopFieldsAndThoseNamedInConnection) {
  HeaderMap h{{":method", "GET"},         {":authority", "a"},        {"connection", "keep-alive, X-Secret"},
              {"keep-alive", "timeout=5"}, {"proxy-connection", "x"}, {"transfer-encoding", "chunked"},
              {"te", "trailers"},          {"upgrade", "h2c"},        {"x-secret", "s"},
              {"accept", "*/*"}};
  EXPECT_EQ(removeHopByHop(h), 7u);
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.get("accept"), "*/*");
  EXPECT_FALSE(h.has("x-secret"));
}

TEST(HeaderUtilityTest, ConnectionCannotRemoveHostOrPseudoHeaders) {
  HeaderMap h{{":authority", "a"}, {"host", "a"}, {"connection", "host, :authority"}};
  removeHopByHop(h);
  EXPECT_EQ(h.authority(), "a");
  EXPECT_TRUE(h.has("host"));
}

TEST(HeaderUtilityTest, XForwardedForAppendsPeer) {
  HeaderMap h;
  appendXForwardedFor(h, "10.0.0.1");
  EXPECT_EQ(h.get("x-forwarded-for"), "10.0.0.1");
  appendXForwardedFor(h, "10.0.0.2");
  EXPECT_EQ(h.get("x-forwarded-for"), "10.0.0.1,10.0.0.2");
}

TEST(HeaderUtilityTest, XForwardedProtoOverridesUntrustedClientValue) {
  HeaderMap h{{"x-forwarded-proto", "https"}};
  setXForwardedProto(h, "http");
  EXPECT_EQ(h.get("x-forwarded-proto"), "http");
  setXForwardedProto(h, "https", true);
  EXPECT_EQ(h.get("x-forwarded-proto"), "http");
}

TEST(HeaderUtilityTest, RequestIdGeneratedWhenAbsentAndKeptWhenPresent) {
  HeaderMap h;
  EXPECT_TRUE(ensureRequestId(h));
  const std::string first(h.get("x-request-id").value());
  EXPECT_TRUE(isUuid(first));
  EXPECT_EQ(first[14], '4');
  EXPECT_TRUE(first[19] == '8' || first[19] == '9' || first[19] == 'a' || first[19] == 'b');
  EXPECT_FALSE(ensureRequestId(h));
  EXPECT_EQ(h.get("x-request-id"), first);
  EXPECT_TRUE(ensureRequestId(h, false));
  EXPECT_NE(h.get("x-request-id"), first);
}

TEST(HeaderUtilityTest, UuidsAreDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(generateUuidV4());
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(HeaderUtilityTest, ViaAppends) {
  HeaderMap h{{"via", "1.0 fred"}};
  appendVia(h, "1.1", "weir");
  EXPECT_EQ(h.get("via"), "1.0 fred, 1.1 weir");
}

TEST(HeaderUtilityTest, NameAndValueValidity) {
  EXPECT_TRUE(isValidHeaderName("x-custom_1.2~"));
  EXPECT_FALSE(isValidHeaderName(""));
  EXPECT_FALSE(isValidHeaderName("x y"));
  EXPECT_FALSE(isValidHeaderName("x:y"));
  EXPECT_FALSE(isValidHeaderName(":path"));
  EXPECT_TRUE(isValidHeaderValue("a value\twith tab"));
  EXPECT_TRUE(isValidHeaderValue(""));
  EXPECT_TRUE(isValidHeaderValue("caf\xc3\xa9"));
  EXPECT_FALSE(isValidHeaderValue("a\r\nb"));
  EXPECT_FALSE(isValidHeaderValue(std::string("a\0b", 3)));
  EXPECT_FALSE(isValidHeaderValue("a\x7f"));
  EXPECT_FALSE(isValidHeaderValue(" leading"));
}

TEST(HeaderUtilityTest, ListContainsIsCaseInsensitiveAcrossLines) {
  HeaderMap h{{"connection", "keep-alive"}, {"connection", " Upgrade "}};
  EXPECT_TRUE(headerListContains(h, KnownHeader::kConnection, "upgrade"));
  EXPECT_FALSE(headerListContains(h, KnownHeader::kConnection, "close"));
}

}  // namespace
}  // namespace weir::http

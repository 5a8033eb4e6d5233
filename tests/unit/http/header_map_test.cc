#include "http/header_map.h"

#include <string>

#include <gtest/gtest.h>

namespace weir::http {
namespace {

TEST(HeaderMapTest, LookupIsCaseInsensitiveAndNamesAreStoredLowercase) {
  HeaderMap h;
  h.add("Content-Type", "text/plain");
  h.add("X-Custom-Thing", "v");
  EXPECT_EQ(h.get("content-type"), "text/plain");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(h.get("x-custom-THING"), "v");
  EXPECT_EQ(h.at(0).name, "content-type");
  EXPECT_EQ(h.at(1).name, "x-custom-thing");
  EXPECT_FALSE(h.get("missing").has_value());
}

TEST(HeaderMapTest, KeepsInsertionOrderWithDuplicates) {
  HeaderMap h;
  h.add("a", "1");
  h.add("set-cookie", "x=1");
  h.add("b", "2");
  h.add("Set-Cookie", "y=2");
  h.add("a", "3");
  std::string order;
  for (const HeaderView v : h) order += std::string(v.name) + "=" + std::string(v.value) + ";";
  EXPECT_EQ(order, "a=1;set-cookie=x=1;b=2;set-cookie=y=2;a=3;");
  EXPECT_EQ(h.get("a"), "1");
  EXPECT_EQ(h.getAll("a").size(), 2u);
  EXPECT_EQ(h.getJoined("a"), "1, 3");
  EXPECT_EQ(h.getAll(KnownHeader::kSetCookie).size(), 2u);
  EXPECT_EQ(h.count("SET-COOKIE"), 2u);
}

TEST(HeaderMapTest, KnownHeadersUseTheSameEntriesAsNames) {
  HeaderMap h;
  h.add("Content-Length", "10");
  EXPECT_TRUE(h.has(KnownHeader::kContentLength));
  EXPECT_EQ(h.get(KnownHeader::kContentLength), "10");
  h.add(KnownHeader::kXForwardedFor, "1.2.3.4");
  EXPECT_EQ(h.get("X-Forwarded-For"), "1.2.3.4");
  EXPECT_EQ(h.contentLength(), 10u);
  EXPECT_EQ(knownHeaderFromLowercase("x-request-id"), KnownHeader::kXRequestId);
  EXPECT_EQ(knownHeaderFromLowercase("x-request-idx"), KnownHeader::kNone);
  for (size_t i = 0; i < kKnownHeaderCount; ++i) {
    const auto k = static_cast<KnownHeader>(i);
    EXPECT_EQ(knownHeaderFromLowercase(knownHeaderName(k)), k) << knownHeaderName(k);
  }
}

TEST(HeaderMapTest, SetReplacesFirstAndRemovesLaterDuplicates) {
  HeaderMap h;
  h.add("x", "1");
  h.add("y", "keep");
  h.add("x", "2");
  h.set("X", "new");
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.at(0).name, "x");
  EXPECT_EQ(h.at(0).value, "new");
  h.add("via", "a");
  h.add("via", "b");
  h.set(KnownHeader::kVia, "c");
  EXPECT_EQ(h.getAll("via").size(), 1u);
  EXPECT_EQ(h.get("via"), "c");
  h.set("absent", "added");
  EXPECT_EQ(h.get("absent"), "added");
}

TEST(HeaderMapTest, RemoveDeletesEveryOccurrenceAndKeepsIndexConsistent) {
  HeaderMap h;
  h.add("host-like", "a");
  h.add("content-type", "t");
  h.add("x", "1");
  h.add("cookie", "c1");
  h.add("x", "2");
  h.add("cookie", "c2");
  EXPECT_EQ(h.remove("X"), 2u);
  EXPECT_EQ(h.get(KnownHeader::kCookie), "c1");
  EXPECT_EQ(h.remove(KnownHeader::kContentType), 1u);
  EXPECT_EQ(h.get("cookie"), "c1");
  EXPECT_EQ(h.getJoined(KnownHeader::kCookie), "c1, c2");
  EXPECT_EQ(h.remove("nothing"), 0u);
  EXPECT_EQ(h.size(), 3u);
}

TEST(HeaderMapTest, PseudoHeadersStayInFront) {
  HeaderMap h;
  h.add("user-agent", "ua");
  h.setMethod("GET");
  h.add("accept", "*/*");
  h.setPath("/x");
  h.setAuthority("example.com");
  ASSERT_EQ(h.size(), 5u);
  EXPECT_EQ(h.pseudoHeaderCount(), 3u);
  EXPECT_EQ(h.at(0).name, ":method");
  EXPECT_EQ(h.at(1).name, ":path");
  EXPECT_EQ(h.at(2).name, ":authority");
  EXPECT_EQ(h.at(3).name, "user-agent");
  EXPECT_EQ(h.get("user-agent"), "ua");
  EXPECT_EQ(h.get("accept"), "*/*");
  EXPECT_EQ(h.method(), "GET");
  EXPECT_EQ(h.host(), "example.com");
  h.remove(KnownHeader::kPath);
  EXPECT_EQ(h.pseudoHeaderCount(), 2u);
  EXPECT_EQ(h.get("accept"), "*/*");
}

TEST(HeaderMapTest, StatusHelpersRoundTrip) {
  HeaderMap h;
  EXPECT_EQ(h.status(), 0);
  h.setStatus(204);
  EXPECT_EQ(h.status(), 204);
  EXPECT_EQ(h.get(":status"), "204");
  h.set(":status", "2x4");
  EXPECT_EQ(h.status(), 0);
}

TEST(HeaderMapTest, ContentLengthHelperRejectsDuplicatesAndGarbage) {
  HeaderMap h;
  h.setContentLength(12345678901234ULL);
  EXPECT_EQ(h.contentLength(), 12345678901234ULL);
  h.add("content-length", "1");
  EXPECT_FALSE(h.contentLength().has_value());
  h.set("content-length", "-1");
  EXPECT_FALSE(h.contentLength().has_value());
}

TEST(HeaderMapTest, AppendJoinsOntoFirstOccurrence) {
  HeaderMap h;
  h.append("x-forwarded-for", "1.1.1.1");
  h.append("X-Forwarded-For", "2.2.2.2");
  EXPECT_EQ(h.get("x-forwarded-for"), "1.1.1.1, 2.2.2.2");
  h.append("custom", "a", ";");
  h.append("custom", "b", ";");
  EXPECT_EQ(h.get("custom"), "a;b");
}

TEST(HeaderMapTest, SettingFromAViewIntoTheSameMapIsSafe) {
  HeaderMap h;
  h.add("a", std::string(100, 'a'));
  h.add("b", "short");
  for (int i = 0; i < 50; ++i) {
    h.set("b", h.get("a").value());
    h.set("a", std::string(h.get("b").value()) + "x");
  }
  const std::string a(h.get("a").value());
  EXPECT_EQ(a, std::string(100, 'a') + std::string(50, 'x'));
  EXPECT_EQ(h.get("b"), a.substr(0, 149));
}

TEST(HeaderMapTest, AddingANewNameWithAValueViewFromTheSameMapIsSafe) {
  for (int round = 0; round < 64; ++round) {
    HeaderMap h;
    h.setPath("/" + std::string(round, 'p'));
    h.add("k", "v");
    // The value view points into the arena that storing the new name grows.
    h.set("x-copy-of-path-" + std::to_string(round), h.path());
    h.add(h.at(1).name, h.at(0).value);
    EXPECT_EQ(h.getOr("x-copy-of-path-" + std::to_string(round)), h.path());
    EXPECT_EQ(h.getAll("k").back(), h.path());
  }
}

TEST(HeaderMapTest, ManyReplacementsKeepMemoryBounded) {
  HeaderMap h;
  h.add("x", "0");
  for (int i = 0; i < 100000; ++i) h.set("x", std::to_string(i) + std::string(64, 'v'));
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.byteSize(), 1u + h.get("x")->size());
  // Copy to measure: the arena must have been compacted along the way.
  HeaderMap copy = h;
  EXPECT_EQ(copy, h);
}

TEST(HeaderMapTest, RemovePrefixAndEquality) {
  HeaderMap a{{"x-envoy-a", "1"}, {"keep", "2"}, {"X-Envoy-B", "3"}};
  EXPECT_EQ(a.removePrefix("x-envoy-"), 2u);
  HeaderMap b{{"keep", "2"}};
  EXPECT_EQ(a, b);
  b.add("more", "x");
  EXPECT_FALSE(a == b);
}

TEST(HeaderMapTest, LongUnknownNamesWork) {
  HeaderMap h;
  const std::string name(300, 'N');
  h.add(name, "v");
  EXPECT_EQ(h.get(std::string(300, 'n')), "v");
  EXPECT_EQ(h.at(0).name, std::string(300, 'n'));
}

TEST(HeaderMapTest, AdoptAndRecycleReuseMapsAndTheirStorage) {
  // The first adopt has nothing recycled: it moves the parsed map out.
  HeaderMap parsed{{":method", "GET"}, {"host", "a"}, {"x-one", "1"}};
  auto first = HeaderMap::adopt(std::move(parsed));
  EXPECT_EQ(first->getOr("x-one"), "1");
  EXPECT_EQ(first->size(), 3u);
  parsed.clear();
  parsed.reserve(16, 512);
  HeaderMap* const first_address = first.get();
  HeaderMap::recycle(std::move(first));

  // The next adopt hands back the recycled map with the new headers, and
  // leaves the parser's map empty, holding the recycled storage.
  parsed.add("x-two", "2");
  auto second = HeaderMap::adopt(std::move(parsed));
  EXPECT_EQ(second.get(), first_address);
  EXPECT_EQ(second->size(), 1u);
  EXPECT_EQ(second->getOr("x-two"), "2");
  EXPECT_FALSE(second->has("x-one"));
  EXPECT_FALSE(second->has(KnownHeader::kHost));
  EXPECT_TRUE(parsed.empty());
  EXPECT_FALSE(parsed.has("x-one"));
  EXPECT_EQ(parsed.byteSize(), 0u);
  parsed.add("x-three", "3");
  EXPECT_EQ(parsed.getOr("x-three"), "3");

  // A map whose storage grew large is freed, not kept.
  HeaderMap big;
  big.add("x-big", std::string(64 * 1024, 'b'));
  HeaderMap::recycle(std::make_unique<HeaderMap>(std::move(big)));
  HeaderMap::recycle(nullptr);
  HeaderMap next{{"x-four", "4"}};
  auto third = HeaderMap::adopt(std::move(next));
  EXPECT_EQ(third->getOr("x-four"), "4");
  EXPECT_EQ(third->getOr("x-big"), "");
}

}  // namespace
}  // namespace weir::http

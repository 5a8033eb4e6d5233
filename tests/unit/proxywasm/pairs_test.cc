#include "proxywasm/pairs.h"

#include <gtest/gtest.h>

#include "http/header_map.h"

namespace weir::proxywasm {
namespace {

TEST(PairsTest, EncodesTheSpecLayout) {
  std::vector<PairView> pairs = {{":method", "GET"}};
  std::string encoded = encodePairs(pairs);
  ASSERT_EQ(encoded.size(), 24u);
  EXPECT_EQ(encoded, std::string("\x01\x00\x00\x00\x07\x00\x00\x00\x03\x00\x00\x00:method\0GET\0", 24));
  EXPECT_EQ(encodedPairsSize(pairs), encoded.size());
}

TEST(PairsTest, RoundTripsBinaryValues) {
  std::string with_nul("a\0b", 3);
  std::vector<PairView> pairs = {{"k1", "v1"}, {"", ""}, {"k3", with_nul}};
  std::string encoded = encodePairs(pairs);
  auto decoded = decodePairs(encoded);
  ASSERT_TRUE(decoded.isOk()) << decoded.status().toString();
  EXPECT_EQ(decoded.value(), pairs);
}

TEST(PairsTest, AcceptsTheThreeSpellingsOfAnEmptyMap) {
  for (std::string_view empty : {std::string_view(), std::string_view("\0", 1), std::string_view("\0\0\0\0", 4)}) {
    auto decoded = decodePairs(empty);
    ASSERT_TRUE(decoded.isOk());
    EXPECT_TRUE(decoded->empty());
  }
}

TEST(PairsTest, RejectsMalformedInput) {
  std::string good = encodePairs(std::vector<PairView>{{"key", "value"}});
  // Truncated anywhere.
  for (size_t n = 2; n < good.size(); ++n) {
    if (n == 4) continue;  // "\x01\0\0\0" alone is a count without sizes: also rejected below
    EXPECT_FALSE(decodePairs(std::string_view(good).substr(0, n)).isOk()) << n;
  }
  EXPECT_FALSE(decodePairs(std::string_view(good).substr(0, 4)).isOk());
  // Trailing garbage.
  EXPECT_FALSE(decodePairs(good + "x").isOk());
  // A missing NUL terminator.
  std::string bad = good;
  bad[4 + 8 + 3] = 'X';
  EXPECT_FALSE(decodePairs(bad).isOk());
  // A length that points far past the end (no overflow on 32-bit sums).
  std::string huge = good;
  huge[4] = '\xff'; huge[5] = '\xff'; huge[6] = '\xff'; huge[7] = '\xff';
  EXPECT_FALSE(decodePairs(huge).isOk());
  // A count larger than the data could hold.
  std::string count = good;
  count[0] = '\xff'; count[1] = '\xff';
  EXPECT_FALSE(decodePairs(count).isOk());
}

TEST(PairsTest, EnforcesLimits) {
  std::vector<PairView> pairs(10, PairView{"k", "v"});
  std::string encoded = encodePairs(pairs);
  EXPECT_TRUE(decodePairs(encoded, PairsLimits{10, 1 << 20}).isOk());
  EXPECT_FALSE(decodePairs(encoded, PairsLimits{9, 1 << 20}).isOk());
  EXPECT_FALSE(decodePairs(encoded, PairsLimits{10, encoded.size() - 1}).isOk());
}

TEST(PairsTest, HeaderMapPairsKeepOrderWithPseudoHeadersFirst) {
  http::HeaderMap map;
  map.add("X-B", "2");
  map.add(":path", "/p");
  map.add("x-a", "1");
  auto pairs = headerMapPairs(map);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0], PairView(":path", "/p"));
  EXPECT_EQ(pairs[1], PairView("x-b", "2"));
  EXPECT_EQ(pairs[2], PairView("x-a", "1"));
}

}  // namespace
}  // namespace weir::proxywasm

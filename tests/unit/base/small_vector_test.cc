#include "base/small_vector.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(SmallVectorTest, StaysInlineUpToItsCapacity) {
  SmallVector<int, 3> v;
  EXPECT_TRUE(v.empty());
  v.push_back(1);
  v.push_back(2);
  v.emplace_back(3);
  EXPECT_FALSE(v.onHeap());
  EXPECT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0] + v[1] + v[2], 6);
  EXPECT_EQ(v.back(), 3);
}

TEST(SmallVectorTest, MovesToTheHeapKeepingOrderAndOwnership) {
  SmallVector<std::unique_ptr<std::string>, 2> v;
  for (int i = 0; i < 9; ++i) v.push_back(std::make_unique<std::string>(std::to_string(i)));
  EXPECT_TRUE(v.onHeap());
  EXPECT_GE(v.capacity(), 9u);
  std::string joined;
  for (const auto& s : v) joined += *s;
  EXPECT_EQ(joined, "012345678");
  std::string reversed;
  for (auto it = v.rbegin(); it != v.rend(); ++it) reversed += **it;
  EXPECT_EQ(reversed, "876543210");
}

TEST(SmallVectorTest, ReserveAllocatesOnceAndEraseKeepsOrder) {
  SmallVector<std::shared_ptr<int>, 2> v;
  v.reserve(5);
  EXPECT_TRUE(v.onHeap());
  auto shared = std::make_shared<int>(7);
  for (int i = 0; i < 5; ++i) v.push_back(i == 2 ? shared : std::make_shared<int>(i));
  EXPECT_EQ(shared.use_count(), 2);
  v.erase(v.begin() + 1, v.begin() + 3);  // drops 1 and the shared 7
  EXPECT_EQ(shared.use_count(), 1);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(*v[0], 0);
  EXPECT_EQ(*v[1], 3);
  EXPECT_EQ(*v[2], 4);
  v.clear();
  EXPECT_TRUE(v.empty());
}

TEST(SmallVectorTest, DestroysWhatItHolds) {
  auto counted = std::make_shared<int>(0);
  {
    SmallVector<std::shared_ptr<int>, 1> inline_only;
    inline_only.push_back(counted);
    SmallVector<std::shared_ptr<int>, 1> spilled;
    for (int i = 0; i < 4; ++i) spilled.push_back(counted);
    EXPECT_EQ(counted.use_count(), 6);
  }
  EXPECT_EQ(counted.use_count(), 1);
}

}  // namespace
}  // namespace weir

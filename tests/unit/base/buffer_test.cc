#include "base/buffer.h"

#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(BufferTest, AppendAndViewAreContiguous) {
  Buffer b;
  EXPECT_TRUE(b.empty());
  b.append("hello ");
  b.append(std::string(1000, 'x'));
  b.append(" end");
  EXPECT_EQ(b.size(), 1010u);
  EXPECT_EQ(b.view().substr(0, 6), "hello ");
  EXPECT_EQ(b.view().substr(1006), " end");
}

TEST(BufferTest, DrainRemovesPrefixAndEmptyBufferRewinds) {
  Buffer b("abcdef");
  b.drain(2);
  EXPECT_EQ(b.view(), "cdef");
  b.drain(4);
  EXPECT_TRUE(b.empty());
  b.append("z");
  EXPECT_EQ(b.view(), "z");
}

TEST(BufferTest, PrependUsesDrainedSpaceAndGrowsWhenNeeded) {
  Buffer b("world");
  b.prepend("hello ");
  EXPECT_EQ(b.view(), "hello world");
  b.drain(6);
  b.prepend("big ");
  EXPECT_EQ(b.view(), "big world");
  b.prepend(std::string(2000, 'p'));
  EXPECT_EQ(b.size(), 2009u);
  EXPECT_EQ(b.view().substr(2000), "big world");
}

TEST(BufferTest, WritableSpanAndCommitMakeBytesReadable) {
  Buffer b("head:");
  auto span = b.writableSpan(100);
  ASSERT_GE(span.size(), 100u);
  std::memcpy(span.data(), "payload", 7);
  b.commit(7);
  EXPECT_EQ(b.view(), "head:payload");
}

TEST(BufferTest, CompactsInsteadOfGrowingWhenPrefixIsDead) {
  Buffer b;
  b.append(std::string(1024, 'a'));
  const size_t cap = b.capacity();
  for (int i = 0; i < 100; ++i) {
    b.drain(b.size() - 10);
    b.append(std::string(cap - 20, 'b'));
  }
  EXPECT_EQ(b.capacity(), cap);
}

TEST(BufferTest, AppendBufferStealsStorageWhenEmpty) {
  Buffer src(std::string(4096, 's'));
  const char* data = src.data();
  Buffer dst;
  dst.append(std::move(src));
  EXPECT_EQ(dst.data(), data);
  EXPECT_EQ(dst.size(), 4096u);
  EXPECT_TRUE(src.empty());
}

TEST(BufferTest, AppendBufferCopiesWhenDestinationHasData) {
  Buffer src("tail");
  Buffer dst("head-");
  dst.append(std::move(src));
  EXPECT_EQ(dst.view(), "head-tail");
  EXPECT_TRUE(src.empty());
}

TEST(BufferTest, MoveToMovesOnlyThePrefix) {
  Buffer b("0123456789");
  Buffer out("x");
  b.moveTo(out, 4);
  EXPECT_EQ(out.view(), "x0123");
  EXPECT_EQ(b.view(), "456789");
  Buffer prefix = b.takePrefix(6);
  EXPECT_EQ(prefix.view(), "456789");
  EXPECT_TRUE(b.empty());
}

TEST(BufferTest, AppendingAViewOfItselfIsSafeAcrossGrowth) {
  Buffer b("abc");
  for (int i = 0; i < 12; ++i) b.append(b.view());
  EXPECT_EQ(b.size(), 3u << 12);
  EXPECT_EQ(b.view().substr(b.size() - 6), "abcabc");
}

TEST(BufferTest, MoveConstructionLeavesSourceEmpty) {
  Buffer a("data");
  Buffer b(std::move(a));
  EXPECT_EQ(b.view(), "data");
  EXPECT_TRUE(a.empty());
  a.append("again");
  EXPECT_EQ(a.view(), "again");
}

TEST(BufferTest, CopyIsExplicitAndIndependent) {
  Buffer a("data");
  Buffer b = a.copy();
  a.drain(2);
  EXPECT_EQ(b.view(), "data");
  EXPECT_TRUE(b == "data");
}

}  // namespace
}  // namespace weir

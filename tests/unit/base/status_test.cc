#include "base/status.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

Result<int> parsePositive(int v) {
  if (v <= 0) return invalidArgument("not positive");
  return v;
}

Status chain(int v) {
  WEIR_RETURN_IF_ERROR(parsePositive(v).status().isOk() ? Status::ok() : parsePositive(v).status());
  return Status::ok();
}

TEST(StatusTest, OkStatusPrintsOk) { EXPECT_EQ(Status::ok().toString(), "OK"); }

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = notFound("no such cluster 'x'");
  EXPECT_FALSE(s.isOk());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.toString(), "NotFound: no such cluster 'x'");
}

TEST(ResultTest, HoldsValueOrError) {
  auto good = parsePositive(3);
  ASSERT_TRUE(good.isOk());
  EXPECT_EQ(*good, 3);
  auto bad = parsePositive(-1);
  EXPECT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(), "not positive");
}

TEST(StatusTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(chain(1).isOk());
  EXPECT_EQ(chain(0).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace weir

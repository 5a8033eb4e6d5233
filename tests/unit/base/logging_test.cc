#include "base/logging.h"

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weir::log {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(Logging, LevelNamesRoundTrip) {
  for (Level l : {Level::kTrace, Level::kDebug, Level::kInfo, Level::kWarn, Level::kError, Level::kCritical}) {
    EXPECT_EQ(parseLevel(levelName(l)), l);
  }
  EXPECT_EQ(parseLevel("warn"), Level::kWarn);
  EXPECT_EQ(parseLevel("loud"), std::nullopt);
}

TEST(Logging, ScopedCaptureTakesEveryThreadsLinesAndNestsInnermostFirst) {
  const Level saved = level();
  setLevel(Level::kInfo);
  std::string outer_text;
  {
    ScopedCapture outer;
    WEIR_INFO("outer {}", 1);
    {
      ScopedCapture inner;
      std::thread([] { WEIR_WARN("from another thread"); }).join();
      WEIR_DEBUG("below the level: not written");
      EXPECT_THAT(inner.text(), HasSubstr("] [warning] from another thread\n"));
      EXPECT_THAT(inner.text(), Not(HasSubstr("below the level")));
      EXPECT_THAT(inner.text(), Not(HasSubstr("outer 1")));
    }
    WEIR_INFO("outer {}", 2);
    outer_text = outer.text();
  }
  setLevel(saved);
  EXPECT_THAT(outer_text, HasSubstr("] [info] outer 1\n"));
  EXPECT_THAT(outer_text, HasSubstr("] [info] outer 2\n"));
  EXPECT_THAT(outer_text, Not(HasSubstr("another thread")));
  EXPECT_EQ(outer_text.front(), '[');
}

}  // namespace
}  // namespace weir::log

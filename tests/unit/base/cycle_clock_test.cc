#include "base/cycle_clock.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(CycleClock, IntervalsMatchSteadyClock) {
  CycleClock::calibrate();
  const auto s0 = std::chrono::steady_clock::now();
  const uint64_t c0 = CycleClock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const uint64_t c1 = CycleClock::now();
  const auto s1 = std::chrono::steady_clock::now();
  const auto steady_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(s1 - s0).count();
  const auto cycle_ns = static_cast<int64_t>(CycleClock::toNanos(c1 - c0));
  // The cycle clock's interval sits inside the steady one, within 1% of it.
  EXPECT_LE(cycle_ns, steady_ns + steady_ns / 100);
  EXPECT_GE(cycle_ns, steady_ns - steady_ns / 100) << "tsc: " << CycleClock::usesTsc();
  EXPECT_GE(cycle_ns, 20'000'000);
}

TEST(CycleClock, NeverGoesBackwardsOnOneThread) {
  uint64_t last = CycleClock::now();
  for (int i = 0; i < 100000; ++i) {
    const uint64_t t = CycleClock::now();
    ASSERT_GE(t, last);
    last = t;
  }
}

}  // namespace
}  // namespace weir

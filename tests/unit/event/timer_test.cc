#include <chrono>
#include <functional>

#include <gtest/gtest.h>

#include "event/dispatcher.h"

namespace weir::event {
namespace {

using std::chrono::milliseconds;

// Runs the loop until `done` or a 5 s safety limit.
void runUntil(Dispatcher& d, const std::function<bool()>& done) {
  auto limit = d.createTimer([&d] { d.exit(); });
  limit->enable(milliseconds(5000));
  std::function<void()> poll = [&] {
    if (done()) {
      d.exit();
      return;
    }
    d.post(poll);
  };
  d.post(poll);
  d.run();
}

TEST(TimerTest, FiresOnceAfterItsDelay) {
  Dispatcher d("timer-test");
  int fired = 0;
  auto t = d.createTimer([&] { ++fired; });
  const auto start = Dispatcher::monotonicNow();
  t->enable(milliseconds(20));
  runUntil(d, [&] { return fired > 0; });
  EXPECT_EQ(fired, 1);
  EXPECT_GE(Dispatcher::monotonicNow() - start, milliseconds(20));
  EXPECT_FALSE(t->enabled());
}

// A timer destroyed while armed gives its state (wait still pending) to the
// next createTimer: the old callback never runs, and the new owner's
// deadline holds whether it is earlier or later than the pending wait.
TEST(TimerTest, AReusedStateFiresAtAnEarlierDeadlineThanItsPendingWait) {
  Dispatcher d("timer-test");
  int old_fired = 0;
  {
    auto old = d.createTimer([&] { ++old_fired; });
    old->enable(milliseconds(3000));
  }
  int fired = 0;
  auto earlier = d.createTimer([&] { ++fired; });  // reuses the 3 s wait: re-armed
  const auto start = Dispatcher::monotonicNow();
  earlier->enable(milliseconds(5));
  runUntil(d, [&] { return fired > 0; });
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(old_fired, 0);
  EXPECT_LT(Dispatcher::monotonicNow() - start, milliseconds(1500));
}

TEST(TimerTest, AReusedStateWaitsForALaterDeadlineThanItsPendingWait) {
  Dispatcher d("timer-test");
  int old_fired = 0;
  {
    auto old = d.createTimer([&] { ++old_fired; });
    old->enable(milliseconds(30));
  }
  int fired = 0;
  // Reuses the 30 ms wait: enable only moves the deadline, the early
  // wake-up re-arms for it.
  auto later = d.createTimer([&] { ++fired; });
  const auto start = Dispatcher::monotonicNow();
  later->enable(milliseconds(80));
  runUntil(d, [&] { return fired > 0; });
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(old_fired, 0);
  EXPECT_GE(Dispatcher::monotonicNow() - start, milliseconds(80));
}

TEST(TimerTest, ADisabledOrDestroyedTimerDoesNotFire) {
  Dispatcher d("timer-test");
  int fired = 0;
  auto disabled = d.createTimer([&] { ++fired; });
  disabled->enable(milliseconds(5));
  disabled->disable();
  {
    auto destroyed = d.createTimer([&] { ++fired; });
    destroyed->enable(milliseconds(5));
  }
  bool waited = false;
  auto wait = d.createTimer([&] { waited = true; });
  wait->enable(milliseconds(40));
  runUntil(d, [&] { return waited; });
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace weir::event

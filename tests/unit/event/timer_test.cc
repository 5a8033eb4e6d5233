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

TEST(TimerTest, AReusedStateServesItsNewOwnerOnly) {
  // A timer destroyed while armed gives its state (wait still pending) to
  // the next createTimer: the old callback never runs, and the new owner's
  // deadline holds whether it is earlier or later than the pending wait.
  Dispatcher d("timer-test");
  int old_fired = 0;
  int later_fired = 0;
  int earlier_fired = 0;
  {
    auto first = d.createTimer([&] { ++old_fired; });
    first->enable(milliseconds(30));
    auto second = d.createTimer([&] { ++old_fired; });
    second->enable(milliseconds(30));
  }
  auto later = d.createTimer([&] { ++later_fired; });       // reuses a 30 ms wait
  auto earlier = d.createTimer([&] { ++earlier_fired; });   // reuses the other
  const auto start = Dispatcher::monotonicNow();
  later->enable(milliseconds(80));
  earlier->enable(milliseconds(5));
  MonotonicTime earlier_at{};
  MonotonicTime later_at{};
  runUntil(d, [&] {
    if (earlier_fired && earlier_at == MonotonicTime{}) earlier_at = Dispatcher::monotonicNow();
    if (later_fired && later_at == MonotonicTime{}) later_at = Dispatcher::monotonicNow();
    return later_fired > 0;
  });
  EXPECT_EQ(old_fired, 0);
  EXPECT_EQ(earlier_fired, 1);
  EXPECT_EQ(later_fired, 1);
  EXPECT_LT(earlier_at - start, milliseconds(30));
  EXPECT_GE(later_at - start, milliseconds(80));
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

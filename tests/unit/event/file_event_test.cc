#include <chrono>
#include <csignal>
#include <thread>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "event/dispatcher.h"

namespace weir::event {
namespace {

using std::chrono::milliseconds;

class SocketPair {
 public:
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds_), 0); }
  ~SocketPair() {
    for (int fd : fds_) if (fd >= 0) ::close(fd);
  }
  int a() const { return fds_[0]; }
  int b() const { return fds_[1]; }
  void closeB() {
    ::close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

// Edge-triggered: one callback per change, none while nothing new arrives.
TEST(FileEventTest, ReportsEachArrivalOnceAndNothingInBetween) {
  Dispatcher d("file-event-test");
  SocketPair p;
  int reads = 0;
  auto event = d.createFileEvent(p.a(), [&](uint32_t ready) {
    if (ready & FileReady::kRead) ++reads;
  });
  ASSERT_TRUE(event.isOk());
  d.runOnce(milliseconds(0));  // the initial writable edge
  EXPECT_EQ(reads, 0);
  ASSERT_EQ(::write(p.b(), "x", 1), 1);
  d.runOnce(milliseconds(1000));
  EXPECT_EQ(reads, 1);
  // Not read yet, but no new edge: no new callback.
  d.runOnce(milliseconds(20));
  EXPECT_EQ(reads, 1);
  ASSERT_EQ(::write(p.b(), "y", 1), 1);
  d.runOnce(milliseconds(1000));
  EXPECT_EQ(reads, 2);
}

TEST(FileEventTest, APeerCloseIsReportedAsClosed) {
  Dispatcher d("file-event-test");
  SocketPair p;
  uint32_t seen = 0;
  auto event = d.createFileEvent(p.a(), [&](uint32_t ready) { seen |= ready; });
  ASSERT_TRUE(event.isOk());
  p.closeB();
  d.runOnce(milliseconds(1000));
  EXPECT_TRUE(seen & FileReady::kClosed);
  EXPECT_TRUE(seen & FileReady::kRead);
}

// Two sockets ready in the same turn; the first callback destroys the
// second's FileEvent, whose collected event must then be dropped.
TEST(FileEventTest, DestroyedInTheSameTurnIsNotCalled) {
  Dispatcher d("file-event-test");
  SocketPair p1, p2;
  FileEventPtr second;
  int first_calls = 0, second_calls = 0;
  auto on_ready = [&](uint32_t ready) {
    if (!(ready & FileReady::kRead)) return;
    if (first_calls + second_calls == 0) {
      ++first_calls;
      second.reset();
    } else {
      ++second_calls;
    }
  };
  auto first = d.createFileEvent(p1.a(), on_ready);
  ASSERT_TRUE(first.isOk());
  auto s = d.createFileEvent(p2.a(), on_ready);
  ASSERT_TRUE(s.isOk());
  second = std::move(s).value();
  d.runOnce(milliseconds(0));
  ASSERT_EQ(::write(p1.b(), "x", 1), 1);
  ASSERT_EQ(::write(p2.b(), "x", 1), 1);
  d.runOnce(milliseconds(1000));
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);
}

TEST(DispatcherTest, PostFromAnotherThreadWakesABlockedLoop) {
  Dispatcher d("post-test");
  std::thread::id ran_on;
  std::thread poster([&] {
    std::this_thread::sleep_for(milliseconds(20));
    d.post([&] {
      ran_on = std::this_thread::get_id();
      d.exit();
    });
  });
  const auto start = Dispatcher::monotonicNow();
  d.run();  // blocks: no timer, no I/O
  poster.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_LT(Dispatcher::monotonicNow() - start, milliseconds(5000));
}

TEST(SignalEventTest, DeliversOnTheLoopAndRestoresTheDisposition) {
  Dispatcher d("signal-test");
  int caught = 0;
  {
    auto event = d.createSignalEvent({SIGUSR1}, [&](int sig) {
      EXPECT_EQ(sig, SIGUSR1);
      ++caught;
    });
    ASSERT_TRUE(event.isOk()) << event.status().toString();
    // A second catcher for the same signal is refused.
    EXPECT_FALSE(d.createSignalEvent({SIGUSR1}, [](int) {}).isOk());
    ::raise(SIGUSR1);
    EXPECT_EQ(caught, 0);  // not inside the handler
    d.runOnce(milliseconds(1000));
    EXPECT_EQ(caught, 1);
  }
  struct sigaction now {};
  sigaction(SIGUSR1, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace weir::event

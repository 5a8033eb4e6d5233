// One event loop per worker thread. Everything a connection, its streams, its
// upstream connections and its filters do happens on the Dispatcher of the
// worker that accepted it, so none of those objects need locks. The only entry
// points that may be called from another thread are post() and exit().
//
// The loop is weir's own: one epoll set with every file registered once,
// edge-triggered, for reading and writing (FileEvent). A reader that got less
// than it asked for knows the socket is drained and waits for the next edge
// instead of asking again, so a request/response round trip costs no EAGAIN
// read (see README.md for the measurement).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>

#include "base/status.h"

namespace weir::event {

using MonotonicClock = std::chrono::steady_clock;
using MonotonicTime = MonotonicClock::time_point;
using SystemTime = std::chrono::system_clock::time_point;

class Dispatcher;

// An object whose destruction must wait until the current callback stack has
// unwound (a connection closing itself from inside its own read callback, a
// stream finishing from inside a filter). Handed to Dispatcher::deferredDelete.
class DeferredDeletable {
 public:
  virtual ~DeferredDeletable() = default;
};

// A one-shot timer bound to one dispatcher. Created by Dispatcher::createTimer
// and used only on that dispatcher's thread.
//
// Re-arming is cheap on purpose: per-stream idle timeouts are pushed back on
// every byte. When the timer is already armed for an earlier instant, enable()
// only records the new deadline; when the earlier wake-up fires it re-arms for
// the remainder instead of calling back. Destroying a Timer cancels it; the
// callback is never invoked after destruction or after disable().
class Timer {
 public:
  using Callback = std::function<void()>;
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  // (Re)arms the timer to fire once after `delay` from now. A zero delay fires
  // on the next loop iteration, never inline.
  void enable(std::chrono::milliseconds delay);
  void disable();
  bool enabled() const;

 private:
  friend class Dispatcher;
  struct State;
  explicit Timer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};
using TimerPtr = std::unique_ptr<Timer>;

// Readiness bits a FileEvent callback receives.
namespace FileReady {
constexpr uint32_t kRead = 1;    // data, a FIN, or an error to read
constexpr uint32_t kWrite = 2;   // room to write, or a connect finished
constexpr uint32_t kClosed = 4;  // the peer half-closed (EPOLLRDHUP) or the socket failed
}  // namespace FileReady

// A file descriptor in the dispatcher's epoll set, edge-triggered for both
// reading and writing: the callback hears each change of readiness once, so
// its owner must read (or write) until the kernel says it is done — a short
// read or write on a stream socket says so. Destroying the FileEvent takes
// the descriptor out of the set; events already collected for it in the
// current loop turn are dropped. Created and destroyed on the dispatcher's
// thread (or while the loop is not running). Does not own the descriptor.
class FileEvent {
 public:
  using Callback = std::function<void(uint32_t ready)>;
  ~FileEvent();
  FileEvent(const FileEvent&) = delete;
  FileEvent& operator=(const FileEvent&) = delete;

 private:
  friend class Dispatcher;
  struct Slot;
  FileEvent(Dispatcher& dispatcher, int fd, Slot* slot) : dispatcher_(dispatcher), fd_(fd), slot_(slot) {}
  Dispatcher& dispatcher_;
  int fd_;
  Slot* slot_;
};
using FileEventPtr = std::unique_ptr<FileEvent>;

// Process signals delivered to a dispatcher: a handler writes the signal's
// number into a pipe the loop reads, so the callback runs on the loop thread
// whatever thread the kernel interrupted. One SignalEvent per signal in the
// process; destroying it restores the previous disposition.
class SignalEvent {
 public:
  using Callback = std::function<void(int signum)>;
  ~SignalEvent();
  SignalEvent(const SignalEvent&) = delete;
  SignalEvent& operator=(const SignalEvent&) = delete;

 private:
  friend class Dispatcher;
  SignalEvent() = default;
  void onReadable();
  std::vector<int> signals_;
  std::vector<struct sigaction> previous_;
  int read_fd_ = -1;
  int write_fd_ = -1;
  Callback cb_;
  FileEventPtr event_;
};
using SignalEventPtr = std::unique_ptr<SignalEvent>;

class Dispatcher {
 public:
  using PostCallback = std::function<void()>;

  explicit Dispatcher(std::string name);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  const std::string& name() const { return name_; }

  // Runs the loop on the calling thread until exit() is called. That thread
  // becomes the dispatcher's thread (isThreadSafe() is true only there).
  // Handlers queued by post() before run() are executed.
  void run();
  // One turn of the loop without run(): waits up to `max_wait` for I/O or
  // the next timer, then runs what is ready (I/O, due timers, posts,
  // deferred deletions). For tests that turn the loop by hand.
  void runOnce(std::chrono::milliseconds max_wait);
  // Thread-safe. Makes run() return after the handler in progress (or at
  // once if it has not started yet); queued posts that have not run are
  // dropped. A dispatcher runs once.
  void exit();

  // Thread-safe. Runs `cb` on the dispatcher's thread, in posting order.
  void post(PostCallback cb);

  // Must be called on the dispatcher's thread (or before run()).
  TimerPtr createTimer(Timer::Callback cb);
  // Adds `fd` to the epoll set (see FileEvent). Fails only if epoll does.
  Result<FileEventPtr> createFileEvent(int fd, FileEvent::Callback cb);
  // Catches `signals` for this dispatcher (see SignalEvent).
  Result<SignalEventPtr> createSignalEvent(std::vector<int> signals, SignalEvent::Callback cb);

  // Destroys `object` after the current callback returns, on this thread.
  void deferredDelete(std::unique_ptr<DeferredDeletable> object);
  // Destroys everything queued so far now. Tests and the loop itself call it.
  void clearDeferredDeleteList();

  // True on the thread currently inside run(), or on any thread when the
  // loop is not running (setup and teardown are single-threaded).
  bool isThreadSafe() const;

  // Time source. monotonicNow() is refreshed when the loop wakes up for I/O
  // or timers and by updateApproximateTime(); exact enough for timeouts and
  // cheaper than a clock call per event. systemNow() is always exact.
  MonotonicTime approximateMonotonicTime() const { return approximate_now_; }
  void updateApproximateTime() { approximate_now_ = MonotonicClock::now(); }
  static MonotonicTime monotonicNow() { return MonotonicClock::now(); }
  static SystemTime systemNow() { return std::chrono::system_clock::now(); }

 private:
  friend class Timer;
  friend class FileEvent;
  // The states of destroyed Timers, reused by createTimer. A state goes back
  // with its wake-up still in the timer heap: a request's timeout timer is
  // created and destroyed once per request, and a reused state that is
  // already armed for an earlier deadline needs no heap work when enabled
  // again (Timer::enable only moves the deadline; the wake-up re-arms).
  std::shared_ptr<Timer::State> takeTimerState(Timer::Callback cb);
  void recycleTimerState(std::shared_ptr<Timer::State> state);
  static constexpr size_t kMaxIdleTimerStates = 256;

  // A pending wake-up; stale once the state's generation moved on.
  struct TimerEntry {
    MonotonicTime when;
    uint64_t generation;
    std::shared_ptr<Timer::State> state;
  };
  void schedule(const std::shared_ptr<Timer::State>& state, MonotonicTime when, uint64_t generation);
  void runDueTimers();
  void runPosted();
  int waitMillis(std::chrono::milliseconds max_wait);
  void turn(std::chrono::milliseconds max_wait);
  void wake();
  void retire(FileEvent::Slot* slot);

  std::string name_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: post() and exit() from other threads
  std::vector<TimerEntry> timers_;      // min-heap on `when`
  std::vector<TimerEntry> due_timers_;  // runDueTimers' batch, kept for its storage
  std::vector<std::shared_ptr<Timer::State>> idle_timer_states_;
  std::vector<FileEvent::Slot*> retired_slots_;  // freed after the current turn
  std::mutex post_mutex_;
  std::vector<PostCallback> posted_;
  std::vector<PostCallback> running_posts_;
  bool wake_pending_ = false;  // under post_mutex_: posted_ is non-empty
  bool in_turn_ = false;       // delivering I/O: retired slots wait for the turn's end
  std::atomic<std::thread::id> run_thread_{};
  std::atomic<bool> running_{false};
  std::atomic<bool> exit_requested_{false};
  MonotonicTime approximate_now_;
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_;
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_draining_;
};

// A thread running one Dispatcher: the unit of concurrency of `weir proxy`.
class WorkerThread {
 public:
  explicit WorkerThread(std::string name);
  ~WorkerThread();  // stops and joins

  Dispatcher& dispatcher() { return *dispatcher_; }
  // Starts the thread; `on_start` runs on it before the loop starts.
  void start(std::function<void()> on_start = {});
  // Thread-safe: asks the loop to exit and joins the thread.
  void stop();
  // Waits for the loop to end on its own (something posted exit()).
  void join();

 private:
  std::unique_ptr<Dispatcher> dispatcher_;
  std::thread thread_;
};

}  // namespace weir::event

// One event loop per worker thread. Everything a connection, its streams, its
// upstream connections and its filters do happens on the Dispatcher of the
// worker that accepted it, so none of those objects need locks. The only entry
// points that may be called from another thread are post() and exit().
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

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

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
  // Thread-safe. Makes run() return after the handler in progress (or at
  // once if it has not started yet); queued posts that have not run are
  // dropped. A dispatcher runs once.
  void exit();

  // Thread-safe. Runs `cb` on the dispatcher's thread, in posting order.
  void post(PostCallback cb);

  // Must be called on the dispatcher's thread (or before run()).
  TimerPtr createTimer(Timer::Callback cb);

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

  // The underlying context, for sockets and acceptors in src/net. Code above
  // src/net should not need it.
  asio::io_context& ioContext() { return io_context_; }

 private:
  friend class Timer;
  // The states of destroyed Timers, reused by createTimer. A state goes back
  // with its asio wait still pending: a request's timeout timer is created
  // and destroyed once per request, and a reused state that is already
  // armed for an earlier deadline needs no asio call when enabled again
  // (Timer::enable only moves the deadline; the wake-up re-arms). Without
  // this, each request paid a timer-queue insert, a cancel and the aborted
  // wait's handler.
  std::shared_ptr<Timer::State> takeTimerState(Timer::Callback cb);
  void recycleTimerState(std::shared_ptr<Timer::State> state);
  static constexpr size_t kMaxIdleTimerStates = 256;

  std::string name_;
  asio::io_context io_context_;
  std::vector<std::shared_ptr<Timer::State>> idle_timer_states_;  // after io_context_: destroyed first
  std::atomic<std::thread::id> run_thread_{};
  std::atomic<bool> running_{false};
  std::atomic<bool> exit_requested_{false};
  MonotonicTime approximate_now_;
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_;
  std::vector<std::unique_ptr<DeferredDeletable>> deferred_draining_;
  bool deferred_scheduled_ = false;
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

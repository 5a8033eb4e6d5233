#include "event/dispatcher.h"

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include "base/logging.h"

namespace weir::event {

// Shared with in-flight wait handlers, so a Timer can be destroyed while its
// wait is still queued in the io_context.
struct Timer::State {
  State(Dispatcher& d, Callback c) : dispatcher(d), timer(d.ioContext()), cb(std::move(c)) {}

  void arm(const std::shared_ptr<State>& self, MonotonicTime when) {
    armed = true;
    armed_at = when;
    const uint64_t gen = ++generation;
    timer.expires_at(when);
    timer.async_wait([self, gen](const asio::error_code& ec) { self->onWake(self, gen, ec); });
  }

  void onWake(const std::shared_ptr<State>& self, uint64_t gen, const asio::error_code& ec) {
    if (gen != generation || ec == asio::error::operation_aborted) return;
    armed = false;
    if (!enabled) return;
    dispatcher.updateApproximateTime();
    const MonotonicTime now = dispatcher.approximateMonotonicTime();
    if (now < deadline) {
      // enable() pushed the deadline back while this wake-up was pending.
      arm(self, deadline);
      return;
    }
    enabled = false;
    // The callback may destroy the Timer (and so clear cb); keep it alive.
    Callback local = cb;
    if (local) local();
  }

  Dispatcher& dispatcher;
  asio::steady_timer timer;
  Callback cb;
  bool enabled = false;
  bool armed = false;
  uint64_t generation = 0;
  MonotonicTime deadline{};
  MonotonicTime armed_at{};
};

Timer::Timer(std::shared_ptr<State> state) : state_(std::move(state)) {}

Timer::~Timer() {
  state_->enabled = false;
  state_->cb = nullptr;
  state_->dispatcher.recycleTimerState(std::move(state_));
}

void Timer::enable(std::chrono::milliseconds delay) {
  const MonotonicTime deadline = MonotonicClock::now() + delay;
  state_->deadline = deadline;
  state_->enabled = true;
  if (state_->armed && state_->armed_at <= deadline) return;
  state_->arm(state_, deadline);
}

void Timer::disable() { state_->enabled = false; }

bool Timer::enabled() const { return state_->enabled; }

Dispatcher::Dispatcher(std::string name)
    : name_(std::move(name)), io_context_(1), approximate_now_(MonotonicClock::now()) {}

Dispatcher::~Dispatcher() {
  clearDeferredDeleteList();
}

void Dispatcher::run() {
  auto guard = asio::make_work_guard(io_context_);
  run_thread_.store(std::this_thread::get_id());
  running_.store(true);
  io_context_.restart();
  if (!exit_requested_.load()) io_context_.run();
  running_.store(false);
  clearDeferredDeleteList();
}

void Dispatcher::exit() {
  exit_requested_.store(true);
  io_context_.stop();
}

void Dispatcher::post(PostCallback cb) { asio::post(io_context_, std::move(cb)); }

TimerPtr Dispatcher::createTimer(Timer::Callback cb) {
  return TimerPtr(new Timer(takeTimerState(std::move(cb))));
}

std::shared_ptr<Timer::State> Dispatcher::takeTimerState(Timer::Callback cb) {
  if (idle_timer_states_.empty()) return std::make_shared<Timer::State>(*this, std::move(cb));
  std::shared_ptr<Timer::State> state = std::move(idle_timer_states_.back());
  idle_timer_states_.pop_back();
  state->cb = std::move(cb);
  return state;
}

void Dispatcher::recycleTimerState(std::shared_ptr<Timer::State> state) {
  // A pending wake-up of a recycled state finds it disabled and does
  // nothing, or finds a new owner's deadline and re-arms for it.
  if (idle_timer_states_.size() < kMaxIdleTimerStates && isThreadSafe()) {
    idle_timer_states_.push_back(std::move(state));
    return;
  }
  if (state->armed) {
    state->generation++;
    state->timer.cancel();
  }
}

void Dispatcher::deferredDelete(std::unique_ptr<DeferredDeletable> object) {
  deferred_.push_back(std::move(object));
  if (!deferred_scheduled_) {
    deferred_scheduled_ = true;
    asio::post(io_context_, [this] {
      deferred_scheduled_ = false;
      clearDeferredDeleteList();
    });
  }
}

void Dispatcher::clearDeferredDeleteList() {
  // Destructors may defer more objects; loop until quiet.
  while (!deferred_.empty()) {
    deferred_draining_.swap(deferred_);
    deferred_draining_.clear();
  }
}

bool Dispatcher::isThreadSafe() const {
  return !running_.load(std::memory_order_relaxed) ||
         run_thread_.load(std::memory_order_relaxed) == std::this_thread::get_id();
}

WorkerThread::WorkerThread(std::string name)
    : dispatcher_(std::make_unique<Dispatcher>(std::move(name))) {}

WorkerThread::~WorkerThread() { stop(); }

void WorkerThread::start(std::function<void()> on_start) {
  thread_ = std::thread([this, on_start = std::move(on_start)] {
    if (on_start) on_start();
    dispatcher_->run();
  });
}

void WorkerThread::join() {
  if (thread_.joinable()) thread_.join();
}

void WorkerThread::stop() {
  if (!thread_.joinable()) return;
  dispatcher_->exit();
  thread_.join();
}

}  // namespace weir::event

#include "event/dispatcher.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/logging.h"

namespace weir::event {

namespace {

constexpr int kMaxEventsPerTurn = 128;
// Marks the wake-up eventfd in the epoll set (every other entry is a Slot).
constexpr uint64_t kWakeToken = 0;

// std::*_heap keep the largest first; the timer heap wants the earliest.
struct LaterFirst {
  bool operator()(const auto& a, const auto& b) const { return a.when > b.when; }
};

std::string errnoText(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

// Shared with its wake-up in the timer heap, so a Timer can be destroyed (or
// its state recycled) while a wake-up is still scheduled.
struct Timer::State {
  State(Dispatcher& d, Callback c) : dispatcher(d), cb(std::move(c)) {}

  void arm(const std::shared_ptr<State>& self, MonotonicTime when) {
    armed = true;
    armed_at = when;
    dispatcher.schedule(self, when, ++generation);
  }

  void onWake(const std::shared_ptr<State>& self) {
    armed = false;
    if (!enabled) return;
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

// What the epoll entry points at. It outlives its FileEvent until the end
// of the loop turn, so events collected for a destroyed FileEvent in the
// same epoll_wait find `live == false` instead of freed memory.
struct FileEvent::Slot {
  FileEvent::Callback cb;
  bool live = true;
};

FileEvent::~FileEvent() {
  slot_->live = false;
  // Before the owner closes fd_: a closed and reused descriptor number
  // could otherwise take someone else's registration out of the set.
  epoll_ctl(dispatcher_.epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
  dispatcher_.retire(slot_);
}

namespace {
// Per signal, the pipe its handler writes to, plus one (0: not caught), so
// the zero-initialized table needs no set-up.
std::atomic<int> g_signal_pipes[NSIG];

void onSignal(int signum) {
  const int saved = errno;
  const int fd = g_signal_pipes[signum].load(std::memory_order_relaxed) - 1;
  if (fd >= 0) {
    const unsigned char b = static_cast<unsigned char>(signum);
    (void)!::write(fd, &b, 1);
  }
  errno = saved;
}
}  // namespace

SignalEvent::~SignalEvent() {
  for (size_t i = 0; i < signals_.size(); ++i) {
    sigaction(signals_[i], &previous_[i], nullptr);
    g_signal_pipes[signals_[i]].store(0);
  }
  event_.reset();
  if (read_fd_ >= 0) ::close(read_fd_);
  if (write_fd_ >= 0) ::close(write_fd_);
}

void SignalEvent::onReadable() {
  unsigned char bytes[64];
  std::vector<int> caught;
  for (;;) {
    const ssize_t n = ::read(read_fd_, bytes, sizeof bytes);
    if (n <= 0) break;
    caught.insert(caught.end(), bytes, bytes + n);
  }
  // A callback may destroy this SignalEvent: work from copies.
  Callback cb = cb_;
  for (int sig : caught) cb(sig);
}

Dispatcher::Dispatcher(std::string name) : name_(std::move(name)), approximate_now_(MonotonicClock::now()) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    // Nothing in weir can run without its loop.
    WEIR_ERROR("dispatcher {}: {}", name_, errnoText("epoll/eventfd"));
    std::abort();
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeToken;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

Dispatcher::~Dispatcher() {
  clearDeferredDeleteList();
  timers_.clear();
  idle_timer_states_.clear();
  for (FileEvent::Slot* s : retired_slots_) delete s;
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void Dispatcher::run() {
  run_thread_.store(std::this_thread::get_id());
  running_.store(true);
  while (!exit_requested_.load(std::memory_order_relaxed)) turn(std::chrono::milliseconds(-1));
  running_.store(false);
  clearDeferredDeleteList();
}

void Dispatcher::runOnce(std::chrono::milliseconds max_wait) {
  run_thread_.store(std::this_thread::get_id());
  turn(max_wait);
}

void Dispatcher::exit() {
  exit_requested_.store(true);
  wake();
}

void Dispatcher::wake() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void Dispatcher::post(PostCallback cb) {
  bool notify;
  {
    std::lock_guard<std::mutex> lock(post_mutex_);
    posted_.push_back(std::move(cb));
    notify = !wake_pending_;
    wake_pending_ = true;
  }
  // The loop thread checks posted_ before it sleeps; others must wake it.
  if (notify && run_thread_.load(std::memory_order_relaxed) != std::this_thread::get_id()) wake();
}

int Dispatcher::waitMillis(std::chrono::milliseconds max_wait) {
  {
    std::lock_guard<std::mutex> lock(post_mutex_);
    if (!posted_.empty()) return 0;
  }
  if (!deferred_.empty()) return 0;
  int wait = max_wait.count() < 0 ? -1 : static_cast<int>(max_wait.count());
  if (!timers_.empty()) {
    const auto left = timers_.front().when - MonotonicClock::now();
    // Rounded up: waking early would only cost a turn, late is the contract.
    const auto ms = left.count() <= 0 ? 0 : std::chrono::ceil<std::chrono::milliseconds>(left).count();
    const int timer_wait = static_cast<int>(std::min<int64_t>(ms, 24 * 3600 * 1000));
    wait = wait < 0 ? timer_wait : std::min(wait, timer_wait);
  }
  return wait;
}

void Dispatcher::turn(std::chrono::milliseconds max_wait) {
  epoll_event events[kMaxEventsPerTurn];
  const int n = epoll_wait(epoll_fd_, events, kMaxEventsPerTurn, waitMillis(max_wait));
  if (n < 0 && errno != EINTR) WEIR_ERROR("dispatcher {}: {}", name_, errnoText("epoll_wait"));
  updateApproximateTime();
  in_turn_ = true;
  const bool honor_exit = running_.load(std::memory_order_relaxed);
  for (int i = 0; i < n; ++i) {
    if (honor_exit && exit_requested_.load(std::memory_order_relaxed)) break;
    if (events[i].data.u64 == kWakeToken) {
      uint64_t count;
      (void)!::read(wake_fd_, &count, sizeof count);
      continue;
    }
    auto* slot = static_cast<FileEvent::Slot*>(events[i].data.ptr);
    if (!slot->live) continue;
    const uint32_t e = events[i].events;
    uint32_t ready = 0;
    if (e & EPOLLIN) ready |= FileReady::kRead;
    if (e & EPOLLOUT) ready |= FileReady::kWrite;
    if (e & EPOLLRDHUP) ready |= FileReady::kRead | FileReady::kClosed;
    if (e & (EPOLLHUP | EPOLLERR)) ready |= FileReady::kRead | FileReady::kWrite | FileReady::kClosed;
    slot->cb(ready);
  }
  in_turn_ = false;
  for (FileEvent::Slot* s : retired_slots_) delete s;
  retired_slots_.clear();
  if (honor_exit && exit_requested_.load(std::memory_order_relaxed)) return;
  runDueTimers();
  runPosted();
  clearDeferredDeleteList();
}

void Dispatcher::schedule(const std::shared_ptr<Timer::State>& state, MonotonicTime when, uint64_t generation) {
  timers_.push_back(TimerEntry{when, generation, state});
  std::push_heap(timers_.begin(), timers_.end(), LaterFirst{});
}

void Dispatcher::runDueTimers() {
  // Only what is due now: a callback that arms a timer for "now" again is
  // run on the next turn, after I/O, never in this loop.
  const MonotonicTime now = approximate_now_;
  while (!timers_.empty() && timers_.front().when <= now) {
    std::pop_heap(timers_.begin(), timers_.end(), LaterFirst{});
    due_timers_.push_back(std::move(timers_.back()));
    timers_.pop_back();
  }
  for (TimerEntry& e : due_timers_) {
    if (e.generation != e.state->generation || !e.state->armed) continue;
    e.state->onWake(e.state);
    if (running_.load(std::memory_order_relaxed) && exit_requested_.load(std::memory_order_relaxed)) break;
  }
  due_timers_.clear();
}

void Dispatcher::runPosted() {
  {
    std::lock_guard<std::mutex> lock(post_mutex_);
    std::swap(posted_, running_posts_);
    wake_pending_ = false;
  }
  for (PostCallback& cb : running_posts_) {
    cb();
    if (running_.load(std::memory_order_relaxed) && exit_requested_.load(std::memory_order_relaxed)) break;
  }
  running_posts_.clear();
}

TimerPtr Dispatcher::createTimer(Timer::Callback cb) {
  return TimerPtr(new Timer(takeTimerState(std::move(cb))));
}

Result<FileEventPtr> Dispatcher::createFileEvent(int fd, FileEvent::Callback cb) {
  auto* slot = new FileEvent::Slot{std::move(cb)};
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = slot;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    const std::string why = errnoText("epoll_ctl");
    delete slot;
    return ioError(why);
  }
  return FileEventPtr(new FileEvent(*this, fd, slot));
}

void Dispatcher::retire(FileEvent::Slot* slot) {
  if (in_turn_) {
    retired_slots_.push_back(slot);
  } else {
    delete slot;
  }
}

Result<SignalEventPtr> Dispatcher::createSignalEvent(std::vector<int> signals, SignalEvent::Callback cb) {
  auto event = SignalEventPtr(new SignalEvent());
  int fds[2];
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return ioError(errnoText("pipe2"));
  event->read_fd_ = fds[0];
  event->write_fd_ = fds[1];
  event->cb_ = std::move(cb);
  SignalEvent* raw = event.get();
  auto file_event = createFileEvent(fds[0], [raw](uint32_t) { raw->onReadable(); });
  if (!file_event) return file_event.status();
  event->event_ = std::move(file_event).value();
  for (int sig : signals) {
    if (sig <= 0 || sig >= NSIG) return invalidArgument("no signal " + std::to_string(sig));
    int expected = 0;
    if (!g_signal_pipes[sig].compare_exchange_strong(expected, fds[1] + 1)) {
      return failedPrecondition("signal " + std::to_string(sig) + " is already caught");
    }
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    struct sigaction previous {};
    sigaction(sig, &action, &previous);
    event->signals_.push_back(sig);
    event->previous_.push_back(previous);
  }
  return event;
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
  // Dropped: its scheduled wake-up goes stale (and frees it when popped).
  state->generation++;
  state->armed = false;
}

void Dispatcher::deferredDelete(std::unique_ptr<DeferredDeletable> object) {
  // The turn in progress deletes it once its callbacks have returned.
  deferred_.push_back(std::move(object));
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

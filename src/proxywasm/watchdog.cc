#include "proxywasm/watchdog.h"

#include <algorithm>

#include "wasm/runtime/instance.h"

namespace weir::proxywasm {

void CallWatchdog::Slot::arm(std::chrono::nanoseconds budget) {
  // A stale interrupt cannot exist here (disarm() clears it), but a VM
  // interrupted for another reason must not carry it into this callback.
  instance_->clearInterrupt();
  budget_ns_.store(budget.count(), std::memory_order_relaxed);
  state_.store(next_sequence_++, std::memory_order_release);  // publishes the budget
}

bool CallWatchdog::Slot::disarm() {
  int64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    if (state == kFiring) {  // the watchdog is inside interrupt(): let it finish
      std::this_thread::yield();
      state = state_.load(std::memory_order_acquire);
      continue;
    }
    if (state_.compare_exchange_weak(state, 0, std::memory_order_acq_rel, std::memory_order_acquire)) break;
  }
  if (state != kFired) return false;
  instance_->clearInterrupt();
  return true;
}

CallWatchdog& CallWatchdog::global() {
  static CallWatchdog watchdog;
  return watchdog;
}

CallWatchdog::~CallWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CallWatchdog::add(Slot* slot, std::chrono::nanoseconds budget) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    slots_.push_back(Entry{slot, budget});
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  }
  wake_.notify_all();
}

void CallWatchdog::remove(Slot* slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  slots_.erase(std::remove_if(slots_.begin(), slots_.end(), [slot](const Entry& e) { return e.slot == slot; }),
               slots_.end());
}

void CallWatchdog::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    if (slots_.empty()) {
      wake_.wait(lock, [this] { return stop_ || !slots_.empty(); });
      continue;
    }
    auto period = std::chrono::nanoseconds(std::chrono::milliseconds(10));
    for (const Entry& e : slots_) period = std::min(period, e.budget / 10);
    period = std::max<std::chrono::nanoseconds>(period, std::chrono::milliseconds(1));
    wake_.wait_for(lock, period, [this] { return stop_; });
    if (stop_) break;
    scan(nowNs());
  }
}

void CallWatchdog::scan(int64_t now_ns) {
  // Called with mutex_ held, so no slot goes away while it is looked at.
  for (Entry& e : slots_) {
    Slot* s = e.slot;
    int64_t state = s->state_.load(std::memory_order_acquire);
    if (state <= 0) {
      e.seen_sequence = 0;
      continue;
    }
    if (state != e.seen_sequence) {  // a callback started since the last scan
      e.seen_sequence = state;
      e.seen_at_ns = now_ns;
      continue;
    }
    if (now_ns - e.seen_at_ns < s->budget_ns_.load(std::memory_order_relaxed)) continue;
    // Fails when the callback ended (or a new one started) meanwhile.
    if (!s->state_.compare_exchange_strong(state, Slot::kFiring, std::memory_order_acq_rel)) continue;
    s->instance_->interrupt();
    s->state_.store(Slot::kFired, std::memory_order_release);
  }
}

}  // namespace weir::proxywasm

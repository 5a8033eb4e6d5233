#include "proxywasm/watchdog.h"

#include <algorithm>

#include "wasm/runtime/instance.h"

namespace weir::proxywasm {

void CallWatchdog::Slot::arm(int64_t now_ns, std::chrono::nanoseconds budget) {
  // A stale interrupt cannot exist here (disarm() clears it), but a VM
  // interrupted for another reason must not carry it into this callback.
  instance_->clearInterrupt();
  deadline_ns_.store(now_ns + budget.count(), std::memory_order_release);
}

bool CallWatchdog::Slot::disarm() {
  int64_t state = deadline_ns_.load(std::memory_order_acquire);
  for (;;) {
    if (state == kFiring) {  // the watchdog is inside interrupt(): let it finish
      std::this_thread::yield();
      state = deadline_ns_.load(std::memory_order_acquire);
      continue;
    }
    if (deadline_ns_.compare_exchange_weak(state, 0, std::memory_order_acq_rel, std::memory_order_acquire)) break;
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
  for (const Entry& e : slots_) {
    Slot* s = e.slot;
    int64_t deadline = s->deadline_ns_.load(std::memory_order_acquire);
    if (deadline <= 0 || deadline > now_ns) continue;
    // Fails when the callback ended (or a new one started) meanwhile.
    if (!s->deadline_ns_.compare_exchange_strong(deadline, Slot::kFiring, std::memory_order_acq_rel)) continue;
    s->instance_->interrupt();
    s->deadline_ns_.store(Slot::kFired, std::memory_order_release);
  }
}

}  // namespace weir::proxywasm

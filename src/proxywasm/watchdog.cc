#include "proxywasm/watchdog.h"

#include <algorithm>

#include "wasm/runtime/instance.h"

namespace weir::proxywasm {

void CallWatchdog::Slot::arm(int64_t now_ns, std::chrono::nanoseconds budget) {
  // A stale interrupt cannot exist here (disarm() clears it), but a VM
  // interrupted for another reason must not carry it into this callback.
  instance_->clearInterrupt();
  deadline_ns_.store(now_ns + budget.count(), std::memory_order_relaxed);
}

bool CallWatchdog::Slot::disarm() {
  std::lock_guard<std::mutex> lock(mutex_);
  deadline_ns_.store(0, std::memory_order_relaxed);
  const bool fired = fired_;
  if (fired) {
    fired_ = false;
    instance_->clearInterrupt();
  }
  return fired;
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
    const int64_t deadline = s->deadline_ns_.load(std::memory_order_relaxed);
    if (deadline == 0 || deadline > now_ns) continue;
    std::lock_guard<std::mutex> slot_lock(s->mutex_);
    if (s->deadline_ns_.load(std::memory_order_relaxed) == 0 || s->fired_) continue;
    s->fired_ = true;
    s->instance_->interrupt();
  }
}

}  // namespace weir::proxywasm

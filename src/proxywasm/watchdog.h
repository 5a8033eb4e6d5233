// CallWatchdog: stops a Wasm callback that runs past its deadline.
//
// Envoy's V8 cannot interrupt a looping filter, so the worker hangs. weir's
// engine can (Instance::interrupt(), checked at loop back-edges and calls),
// and this is what pulls the trigger: each VM owns a Slot, armed for the
// outermost callback and disarmed when it returns; one process-wide thread
// scans the armed slots and interrupts the ones past their deadline.
//
// The hot path is one atomic store and one compare-and-swap: arm() stores
// the deadline, disarm() swaps it for 0. The watchdog claims an expired
// deadline by swapping it for kFiring, interrupts, then stores kFired;
// disarm() waits out kFiring, so an interrupt can never land on a later
// callback, and reports kFired as a deadline hit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace weir::wasm::runtime {
class Instance;
}

namespace weir::proxywasm {

class CallWatchdog {
 public:
  class Slot {
   public:
    // `instance` is interrupted when a callback outlives its budget.
    explicit Slot(wasm::runtime::Instance* instance) : instance_(instance) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    // Starts a callback at `now_ns` (steady clock) with `budget`.
    void arm(int64_t now_ns, std::chrono::nanoseconds budget);
    // Ends it; true when the deadline fired while it ran (the interrupt flag
    // is cleared either way).
    bool disarm();

   private:
    friend class CallWatchdog;
    static constexpr int64_t kFiring = -1;
    static constexpr int64_t kFired = -2;
    // 0: no callback running; > 0: the running callback's deadline;
    // kFiring / kFired: the watchdog claimed it.
    std::atomic<int64_t> deadline_ns_{0};
    wasm::runtime::Instance* instance_;
  };

  static CallWatchdog& global();
  ~CallWatchdog();

  // Registers a slot whose callbacks have `budget`; the scan period follows
  // the smallest budget (a tenth of it, 1–10 ms).
  void add(Slot* slot, std::chrono::nanoseconds budget);
  void remove(Slot* slot);

  static int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  CallWatchdog() = default;
  void run();
  void scan(int64_t now_ns);

  std::mutex mutex_;
  std::condition_variable wake_;
  struct Entry {
    Slot* slot;
    std::chrono::nanoseconds budget;
  };
  std::vector<Entry> slots_;
  std::thread thread_;
  bool stop_ = false;
};

}  // namespace weir::proxywasm

// CallWatchdog: stops a Wasm callback that runs past its deadline.
//
// Envoy's V8 cannot interrupt a looping filter, so the worker hangs. weir's
// engine can (Instance::interrupt(), checked at loop back-edges and calls),
// and this is what pulls the trigger: each VM owns a Slot, armed for the
// outermost callback and disarmed when it returns; one process-wide thread
// scans the armed slots and interrupts the ones past their deadline.
//
// The hot path reads no clock: arm() stores the budget and a new sequence
// number, disarm() swaps the number for 0 (a compare-and-swap). The watchdog
// notes when it first sees a sequence number and, when the same number is
// still there `budget` later, claims it by swapping it for kFiring,
// interrupts, then stores kFired; disarm() waits out kFiring, so an
// interrupt can never land on a later callback, and reports kFired as a
// deadline hit. A callback is so stopped between its budget and its budget
// plus two scan periods (a tenth of the budget each) after it started: never
// early.
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
    // Starts a callback with `budget`. Called by the slot's owner thread only.
    void arm(std::chrono::nanoseconds budget);
    // Ends it; true when the deadline fired while it ran (the interrupt flag
    // is cleared either way).
    bool disarm();

   private:
    friend class CallWatchdog;
    static constexpr int64_t kFiring = -1;
    static constexpr int64_t kFired = -2;
    // 0: no callback running; > 0: the running callback's sequence number;
    // kFiring / kFired: the watchdog claimed it.
    std::atomic<int64_t> state_{0};
    std::atomic<int64_t> budget_ns_{0};  // of the running callback
    int64_t next_sequence_ = 1;          // the owner thread's
    wasm::runtime::Instance* instance_;
  };

  static CallWatchdog& global();
  ~CallWatchdog();

  // Registers a slot whose callbacks have `budget`; the scan period follows
  // the smallest budget (a tenth of it, 1–10 ms).
  void add(Slot* slot, std::chrono::nanoseconds budget);
  void remove(Slot* slot);

 private:
  static int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  CallWatchdog() = default;
  void run();
  void scan(int64_t now_ns);

  std::mutex mutex_;
  std::condition_variable wake_;
  struct Entry {
    Slot* slot;
    std::chrono::nanoseconds budget;
    int64_t seen_sequence = 0;  // the running callback when last scanned
    int64_t seen_at_ns = 0;     // when the watchdog first saw it
  };
  std::vector<Entry> slots_;
  std::thread thread_;
  bool stop_ = false;
};

}  // namespace weir::proxywasm

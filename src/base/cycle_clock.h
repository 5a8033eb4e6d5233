// CycleClock: a cheap clock for timing short intervals, such as the
// per-callback histograms of Wasm plugins, where two reads per callback are
// a visible part of a request's cost.
//
// On x86-64, when the kernel's own clocksource is the time-stamp counter (the
// kernel has checked that it is invariant and synchronized across CPUs), it
// reads the counter directly: rdtsc costs well under half of a vDSO
// clock_gettime. Anywhere else it reads steady_clock. Ticks convert to
// nanoseconds at a rate measured against steady_clock once per process, on
// first use (about 1 ms): call calibrate() before the timed work starts.
//
//   const uint64_t t0 = CycleClock::now();
//   ...
//   uint64_t ns = CycleClock::toNanos(CycleClock::now() - t0);
#pragma once

#include <cstdint>

namespace weir {

class CycleClock {
 public:
  static uint64_t now() {
#if defined(__x86_64__)
    if (state().tsc) return __builtin_ia32_rdtsc();
#endif
    return steadyNanos();
  }
  static uint64_t toNanos(uint64_t ticks) { return static_cast<uint64_t>(static_cast<double>(ticks) * state().ns_per_tick); }
  // Measures the tick rate now if it was not measured yet.
  static void calibrate() { (void)state(); }
  // True when now() reads the time-stamp counter.
  static bool usesTsc() { return state().tsc; }

 private:
  struct State {
    bool tsc = false;
    double ns_per_tick = 1.0;
  };
  static State measure();
  static uint64_t steadyNanos();
  static const State& state() {
    static const State s = measure();
    return s;
  }
};

}  // namespace weir

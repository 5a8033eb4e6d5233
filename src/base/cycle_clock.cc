#include "base/cycle_clock.h"

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>

namespace weir {

uint64_t CycleClock::steadyNanos() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
}

#if defined(__x86_64__)
namespace {

// A (counter, steady ns) pair read as close together as possible: the
// narrowest of five tries, the counter at its midpoint, so a preemption
// between the reads does not skew the rate.
struct Sample {
  uint64_t tsc;
  uint64_t ns;
};

Sample sample(uint64_t (*steady)()) {
  Sample best{0, 0};
  uint64_t best_width = UINT64_MAX;
  for (int i = 0; i < 5; ++i) {
    const uint64_t a = __builtin_ia32_rdtsc();
    const uint64_t ns = steady();
    const uint64_t b = __builtin_ia32_rdtsc();
    if (b >= a && b - a < best_width) {
      best_width = b - a;
      best = Sample{a + (b - a) / 2, ns};
    }
  }
  return best;
}

}  // namespace
#endif

CycleClock::State CycleClock::measure() {
  State s;
#if defined(__x86_64__)
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  if (!(in >> source) || source != "tsc") return s;
  // The rate over ~1 ms of steady_clock.
  const Sample start = sample(&steadyNanos);
  while (steadyNanos() - start.ns < 1'000'000) {
  }
  const Sample end = sample(&steadyNanos);
  if (end.tsc <= start.tsc || end.ns <= start.ns) return s;
  s.tsc = true;
  s.ns_per_tick = static_cast<double>(end.ns - start.ns) / static_cast<double>(end.tsc - start.tsc);
#endif
  return s;
}

}  // namespace weir

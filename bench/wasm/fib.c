/* Recursive Fibonacci: nothing but calls, returns, compares and adds — the cost
 * of a call in the engine. ITERATIONS evaluations of fib(27). */
#include <stdint.h>

#define BENCH_NAME "fib"
#define BENCH_DEFAULT_ITERS 1200

/* noinline + a volatile argument keep the compiler from turning the recursion
 * into a loop or a closed form on either target. */
__attribute__((noinline)) static uint32_t fib(uint32_t n) {
  if (n < 2) return n;
  return fib(n - 1) + fib(n - 2);
}

static volatile uint32_t fib_arg = 27;

static uint32_t bench_run(uint32_t iterations) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < iterations; ++i) sum = sum * 31u + fib(fib_arg + (i & 1));
  return sum;
}

#include "harness.h"

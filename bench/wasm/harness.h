/* Shared entry point of the benchmark programs. A program defines BENCH_NAME,
 * BENCH_DEFAULT_ITERS and `static uint32_t bench_run(uint32_t iterations)`, then
 * includes this file last.
 *
 * Two builds:
 *  - default: a normal command (native or wasm32-wasi) — `prog [ITERATIONS]`
 *    prints "NAME iterations=N checksum=XXXXXXXX".
 *  - -DBENCH_EXPORT_ITERS=N: no main and no WASI calls, just an exported
 *    `bench_main()` returning the checksum, for engines without WASI (wabt's
 *    wasm-interp as Debian ships it). */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stdint.h>

#ifdef BENCH_EXPORT_ITERS
/* volatile: the iteration count must not be a compile-time constant the
 * optimizer could fold the whole benchmark into. */
static volatile uint32_t bench_export_iters = BENCH_EXPORT_ITERS;

__attribute__((export_name("bench_main"))) uint32_t bench_main(void) {
  return bench_run(bench_export_iters);
}
#else
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  uint32_t iterations = BENCH_DEFAULT_ITERS;
  if (argc > 1) {
    char* end = NULL;
    unsigned long v = strtoul(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || v == 0 || v > 0xffffffffUL) {
      fprintf(stderr, "usage: %s [ITERATIONS>0]\n", argv[0]);
      return 2;
    }
    iterations = (uint32_t)v;
  }
  uint32_t checksum = bench_run(iterations);
  printf("%s iterations=%u checksum=%08x\n", BENCH_NAME, iterations, checksum);
  return 0;
}
#endif

#endif

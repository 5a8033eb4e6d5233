/* Dense double-precision matrix multiply, C = A * B, in i-k-j order (the
 * cache-friendly order a plain C programmer writes). Each iteration perturbs A
 * from the previous C so no iteration can be skipped. The checksum folds the raw
 * bits of C: IEEE arithmetic without contraction gives the same bits everywhere. */
#include <stdint.h>
#include <string.h>

#include "bench_util.h"

#define BENCH_NAME "matmul"
#define BENCH_DEFAULT_ITERS 2000

#define N 128

static double mat_a[N * N];
static double mat_b[N * N];
static double mat_c[N * N];

static void multiply(void) {
  memset(mat_c, 0, sizeof mat_c);
  for (int i = 0; i < N; ++i) {
    for (int k = 0; k < N; ++k) {
      const double a = mat_a[i * N + k];
      const double* b_row = &mat_b[k * N];
      double* c_row = &mat_c[i * N];
      for (int j = 0; j < N; ++j) c_row[j] += a * b_row[j];
    }
  }
}

static uint32_t bench_run(uint32_t iterations) {
  uint32_t s = 2024;
  for (int i = 0; i < N * N; ++i) {
    mat_a[i] = (double)(int32_t)(rng_next(&s) % 2001u - 1000) / 1000.0;
    mat_b[i] = (double)(int32_t)(rng_next(&s) % 2001u - 1000) / 1000.0;
  }
  uint32_t h = FNV_OFFSET;
  for (uint32_t it = 0; it < iterations; ++it) {
    multiply();
    /* Feed a scaled diagonal of C back into A (keeps values bounded). */
    for (int i = 0; i < N; ++i) mat_a[i * N + i] = mat_c[i * N + i] * (1.0 / 64.0);
    uint64_t bits;
    memcpy(&bits, &mat_c[(it * 131u) % (N * N)], sizeof bits);
    h = mix32(h, (uint32_t)bits ^ (uint32_t)(bits >> 32));
  }
  return fnv1a(h, (const uint8_t*)mat_c, sizeof mat_c);
}

#include "harness.h"

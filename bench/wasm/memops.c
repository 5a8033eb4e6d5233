/* memcpy/memset/memmove/memcmp-heavy code over a 1 MiB heap buffer with sizes
 * from 1 byte to 16 KiB, the way buffer management in a proxy moves bytes. In
 * wasm32 these are libc's (wasi-libc) routines compiled to wasm, so this measures
 * how well the engine runs tight byte/word loops. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#define BENCH_NAME "memops"
#define BENCH_DEFAULT_ITERS 4000

#define BUF_BYTES (1u << 20)
#define OPS_PER_ITER 4096

static uint32_t size_for(uint32_t r) {
  /* Mostly small copies, some large ones. */
  switch (r & 7) {
    case 0: case 1: case 2: return 1 + (r >> 3) % 64;
    case 3: case 4: return 64 + (r >> 3) % 512;
    case 5: case 6: return 1024 + (r >> 3) % 3072;
    default: return 8192 + (r >> 3) % 8192;
  }
}

static uint32_t bench_run(uint32_t iterations) {
  uint8_t* buf = (uint8_t*)malloc(BUF_BYTES);
  if (!buf) return 0xdeadbeefu;
  uint32_t s = 42;
  for (uint32_t i = 0; i < BUF_BYTES; i += 4) {
    uint32_t v = rng_next(&s);
    memcpy(buf + i, &v, 4);
  }
  uint32_t h = FNV_OFFSET;
  for (uint32_t it = 0; it < iterations; ++it) {
    for (uint32_t op = 0; op < OPS_PER_ITER; ++op) {
      uint32_t r = rng_next(&s);
      uint32_t n = size_for(r);
      uint32_t src = rng_next(&s) % (BUF_BYTES - n);
      uint32_t dst = rng_next(&s) % (BUF_BYTES - n);
      switch ((r >> 24) & 3) {
        case 0:
          memset(buf + dst, (int)(r >> 16) & 0xff, n);
          break;
        case 1:
          /* memmove handles overlap; memcpy only when the ranges are disjoint. */
          if (src + n <= dst || dst + n <= src) memcpy(buf + dst, buf + src, n);
          else memmove(buf + dst, buf + src, n);
          break;
        case 2:
          memmove(buf + dst, buf + src, n);
          break;
        default: {
          int c = memcmp(buf + dst, buf + src, n);
          h = mix32(h, (uint32_t)(c > 0) - (uint32_t)(c < 0));
          break;
        }
      }
    }
    h = fnv1a(h, buf + (it * 4099u) % (BUF_BYTES - 256), 256);
  }
  h = fnv1a(h, buf, 4096);
  free(buf);
  return h;
}

#include "harness.h"

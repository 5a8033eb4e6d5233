/* Small deterministic helpers the benchmark programs share: a PRNG and checksums.
 * Everything is integer arithmetic so native and wasm runs agree bit for bit. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>

/* xorshift32: cheap, full-period over non-zero states. */
static inline uint32_t rng_next(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

/* Reflected CRC-16 (polynomial 0xA001), one byte at a time: the per-byte loop is
 * deliberately part of the measured work. */
static inline uint16_t crc16_byte(uint16_t crc, uint8_t b) {
  crc ^= b;
  for (int i = 0; i < 8; ++i) crc = (uint16_t)((crc & 1) ? (crc >> 1) ^ 0xA001u : crc >> 1);
  return crc;
}
static inline uint16_t crc16_u32(uint16_t crc, uint32_t v) {
  crc = crc16_byte(crc, (uint8_t)v);
  crc = crc16_byte(crc, (uint8_t)(v >> 8));
  crc = crc16_byte(crc, (uint8_t)(v >> 16));
  return crc16_byte(crc, (uint8_t)(v >> 24));
}

/* FNV-1a, 32 bit. */
static inline uint32_t fnv1a(uint32_t h, const uint8_t* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
  return h;
}
#define FNV_OFFSET 2166136261u

static inline uint32_t mix32(uint32_t h, uint32_t v) {
  h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
  return h;
}

#endif

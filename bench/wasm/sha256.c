/* SHA-256 (FIPS 180-4) over a 64 KiB buffer, chained: each iteration hashes the
 * buffer and writes the digest back into its first 32 bytes. Implemented here from
 * the standard's description; checked against the standard's "abc" vector at
 * start-up (a mismatch makes the checksum 0xbad5a256). */
#include <stdint.h>
#include <string.h>

#include "bench_util.h"

#define BENCH_NAME "sha256"
#define BENCH_DEFAULT_ITERS 4000

#define BUF_BYTES (64 * 1024)

typedef struct {
  uint32_t h[8];
  uint8_t block[64];
  uint32_t block_len;
  uint64_t total_len;
} Sha256;

static const uint32_t kRound[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t h[8], const uint8_t* p) {
  uint32_t w[64];
  for (int t = 0; t < 16; ++t)
    w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
  for (int t = 16; t < 64; ++t) {
    uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int t = 0; t < 64; ++t) {
    uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[t] + w[t];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

static void sha_init(Sha256* s) {
  static const uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  memcpy(s->h, kInit, sizeof kInit);
  s->block_len = 0;
  s->total_len = 0;
}

static void sha_update(Sha256* s, const uint8_t* p, uint32_t n) {
  s->total_len += n;
  while (n > 0) {
    if (s->block_len == 0 && n >= 64) {
      compress(s->h, p);
      p += 64;
      n -= 64;
      continue;
    }
    uint32_t take = 64 - s->block_len;
    if (take > n) take = n;
    memcpy(s->block + s->block_len, p, take);
    s->block_len += take;
    p += take;
    n -= take;
    if (s->block_len == 64) {
      compress(s->h, s->block);
      s->block_len = 0;
    }
  }
}

static void sha_final(Sha256* s, uint8_t out[32]) {
  uint64_t bits = s->total_len * 8;
  uint8_t pad[72] = {0x80};
  uint32_t pad_len = (s->block_len < 56) ? 56 - s->block_len : 120 - s->block_len;
  for (int i = 0; i < 8; ++i) pad[pad_len + i] = (uint8_t)(bits >> (56 - 8 * i));
  sha_update(s, pad, pad_len + 8);
  for (int i = 0; i < 8; ++i) {
    out[4 * i] = (uint8_t)(s->h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
    out[4 * i + 3] = (uint8_t)s->h[i];
  }
}

static uint8_t buffer[BUF_BYTES];

static uint32_t bench_run(uint32_t iterations) {
  static const uint8_t kAbcDigest[4] = {0xba, 0x78, 0x16, 0xbf};
  Sha256 s;
  uint8_t digest[32];
  sha_init(&s);
  sha_update(&s, (const uint8_t*)"abc", 3);
  sha_final(&s, digest);
  if (memcmp(digest, kAbcDigest, 4) != 0) return 0xbad5a256u;

  uint32_t r = 7;
  for (uint32_t i = 0; i < BUF_BYTES; ++i) buffer[i] = (uint8_t)rng_next(&r);
  for (uint32_t it = 0; it < iterations; ++it) {
    sha_init(&s);
    /* Uneven chunk sizes exercise the partial-block path as well. */
    uint32_t off = 0, chunk = 1000 + (it % 61);
    while (off < BUF_BYTES) {
      uint32_t n = BUF_BYTES - off < chunk ? BUF_BYTES - off : chunk;
      sha_update(&s, buffer + off, n);
      off += n;
    }
    sha_final(&s, digest);
    memcpy(buffer, digest, 32);
  }
  return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 | digest[3];
}

#include "harness.h"

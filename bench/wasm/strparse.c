/* A string/parse workload: generate a config-like text ("name_12 = -345.25;"),
 * then repeatedly tokenize it, parse integers and decimals by hand, and count
 * identifiers in an open-addressing hash table keyed by their bytes. Branchy,
 * byte-at-a-time code — what header and config parsing in a proxy filter does. */
#include <stdint.h>
#include <string.h>

#include "bench_util.h"

#define BENCH_NAME "strparse"
#define BENCH_DEFAULT_ITERS 28000

#define TEXT_BYTES (32 * 1024)
#define TABLE_SLOTS 1024 /* power of two, > distinct identifiers */
#define MAX_IDENT 32

static char text[TEXT_BYTES + 1];
static uint32_t text_len;

typedef struct {
  char name[MAX_IDENT];
  uint32_t len;
  uint32_t hash;
  uint32_t count;
} Slot;
static Slot table[TABLE_SLOTS];

static void generate(void) {
  static const char* const kWords[] = {"listener", "cluster", "route", "timeout", "retry", "header",
                                       "weight",   "port",    "host",  "prefix",  "match", "filter"};
  static const char kOps[] = "=+-*/;,(){}";
  uint32_t s = 99;
  uint32_t n = 0;
  while (n + 48 < TEXT_BYTES) {
    uint32_t r = rng_next(&s);
    const char* w = kWords[r % 12];
    uint32_t wl = (uint32_t)strlen(w);
    memcpy(text + n, w, wl);
    n += wl;
    if (r & 0x100) {  /* identifiers with numeric suffixes: name_17 */
      text[n++] = '_';
      text[n++] = (char)('0' + (r >> 9) % 10);
      text[n++] = (char)('0' + (r >> 13) % 10);
    }
    text[n++] = ' ';
    text[n++] = kOps[(r >> 17) % (sizeof(kOps) - 1)];
    text[n++] = ' ';
    if (r & 0x80000) text[n++] = '-';
    uint32_t v = rng_next(&s);
    int digits = 1 + (int)(v % 7);
    for (int d = 0; d < digits; ++d) text[n++] = (char)('0' + (v >> (3 * d + 3)) % 10);
    if (v & 0x80000000u) {
      text[n++] = '.';
      text[n++] = (char)('0' + (v >> 24) % 10);
      text[n++] = (char)('0' + (v >> 27) % 10);
    }
    text[n++] = (r & 0x1000000) ? '\n' : ' ';
  }
  text[n] = '\0';
  text_len = n;
}

static inline int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

static void count_ident(const char* p, uint32_t len) {
  if (len >= MAX_IDENT) len = MAX_IDENT - 1;
  uint32_t h = fnv1a(FNV_OFFSET, (const uint8_t*)p, len);
  for (uint32_t i = h & (TABLE_SLOTS - 1);; i = (i + 1) & (TABLE_SLOTS - 1)) {
    Slot* slot = &table[i];
    if (slot->len == 0) {
      memcpy(slot->name, p, len);
      slot->len = len;
      slot->hash = h;
      slot->count = 1;
      return;
    }
    if (slot->hash == h && slot->len == len && memcmp(slot->name, p, len) == 0) {
      ++slot->count;
      return;
    }
  }
}

static uint32_t parse_pass(uint32_t salt) {
  int64_t int_sum = 0;
  double dec_sum = 0.0;
  uint32_t ops = 0, lines = 0;
  const char* p = text;
  const char* end = text + text_len;
  while (p < end) {
    char c = *p;
    if (c == ' ') {
      ++p;
    } else if (c == '\n') {
      ++lines;
      ++p;
    } else if (is_alpha(c)) {
      const char* start = p;
      while (p < end && (is_alpha(*p) || is_digit(*p))) ++p;
      count_ident(start, (uint32_t)(p - start));
    } else if (is_digit(c) || (c == '-' && p + 1 < end && is_digit(p[1]))) {
      int neg = c == '-';
      if (neg) ++p;
      int64_t whole = 0;
      while (p < end && is_digit(*p)) whole = whole * 10 + (*p++ - '0');
      if (p < end && *p == '.') {
        ++p;
        double frac = 0.0, scale = 0.1;
        while (p < end && is_digit(*p)) {
          frac += (*p++ - '0') * scale;
          scale *= 0.1;
        }
        double v = (double)whole + frac;
        dec_sum += neg ? -v : v;
      } else {
        int_sum += neg ? -whole : whole;
      }
    } else {
      ops += (uint32_t)c * (salt | 1);
      ++p;
    }
  }
  /* Quantize the decimal sum so rounding order cannot matter beyond 1e-3. */
  int64_t dec_fixed = (int64_t)(dec_sum * 1000.0);
  uint32_t h = mix32(FNV_OFFSET, (uint32_t)int_sum);
  h = mix32(h, (uint32_t)(int_sum >> 32));
  h = mix32(h, (uint32_t)dec_fixed);
  h = mix32(h, ops);
  return mix32(h, lines);
}

static uint32_t bench_run(uint32_t iterations) {
  generate();
  memset(table, 0, sizeof table);
  uint32_t h = 0;
  for (uint32_t it = 0; it < iterations; ++it) h = mix32(h, parse_pass(it));
  for (uint32_t i = 0; i < TABLE_SLOTS; ++i) {
    if (table[i].len) h = mix32(h, table[i].hash ^ table[i].count);
  }
  return h;
}

#include "harness.h"

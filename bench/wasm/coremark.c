/* An integer workload in the style of CoreMark: linked-list, matrix and
 * state-machine kernels over the same small data set, every result folded into a
 * CRC-16 so a wrong answer anywhere changes the checksum. Written for weir; it is
 * not EEMBC CoreMark and its scores are not comparable to CoreMark scores. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bench_util.h"

#define BENCH_NAME "coremark"
#define BENCH_DEFAULT_ITERS 50000

/* ---- list kernel: build, search, reverse and merge-sort a linked list ------ */

#define LIST_NODES 128

typedef struct Node {
  struct Node* next;
  int16_t key;
  int16_t value;
} Node;

static Node node_pool[LIST_NODES];

static Node* list_build(uint32_t seed) {
  Node* head = NULL;
  uint32_t s = seed | 1;
  for (int i = LIST_NODES - 1; i >= 0; --i) {
    uint32_t r = rng_next(&s);
    node_pool[i].key = (int16_t)(r & 0x3ff);
    node_pool[i].value = (int16_t)((r >> 12) & 0x7fff);
    node_pool[i].next = head;
    head = &node_pool[i];
  }
  return head;
}

static Node* list_reverse(Node* head) {
  Node* prev = NULL;
  while (head) {
    Node* next = head->next;
    head->next = prev;
    prev = head;
    head = next;
  }
  return prev;
}

static Node* list_find(Node* head, int16_t key) {
  while (head && head->key != key) head = head->next;
  return head;
}

typedef int (*NodeCmp)(const Node*, const Node*);
static int cmp_key(const Node* a, const Node* b) { return a->key - b->key; }
static int cmp_value(const Node* a, const Node* b) {
  /* Sort on a scrambled view of the value so the order differs from by-key. */
  return (int)((uint16_t)(a->value * 31) ^ 0x5a5a) - (int)((uint16_t)(b->value * 31) ^ 0x5a5a);
}

/* Bottom-up merge sort on the list itself: no recursion, no allocation. */
static Node* list_sort(Node* head, NodeCmp cmp) {
  if (!head) return head;
  for (int width = 1;; width *= 2) {
    Node* p = head;
    Node* tail = NULL;
    head = NULL;
    int merges = 0;
    while (p) {
      ++merges;
      Node* q = p;
      int psize = 0;
      for (int i = 0; i < width && q; ++i) {
        ++psize;
        q = q->next;
      }
      int qsize = width;
      while (psize > 0 || (qsize > 0 && q)) {
        Node* e;
        if (psize == 0) {
          e = q; q = q->next; --qsize;
        } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
          e = p; p = p->next; --psize;
        } else {
          e = q; q = q->next; --qsize;
        }
        if (tail) tail->next = e; else head = e;
        tail = e;
      }
      p = q;
    }
    tail->next = NULL;
    if (merges <= 1) return head;
  }
}

static uint16_t list_kernel(uint16_t crc, uint32_t iter) {
  Node* head = list_build(iter * 2654435761u);
  for (int i = 0; i < 8; ++i) {
    Node* found = list_find(head, (int16_t)((iter + (uint32_t)i * 97) & 0x3ff));
    crc = crc16_u32(crc, found ? (uint32_t)(uint16_t)found->value : 0xffffu);
  }
  head = list_sort(head, cmp_value);
  head = list_reverse(head);
  crc = crc16_u32(crc, (uint32_t)(uint16_t)head->value);
  head = list_sort(head, cmp_key);
  uint32_t acc = 0;
  int pos = 0;
  for (Node* n = head; n; n = n->next, ++pos) acc = acc * 33u + (uint32_t)(uint16_t)n->key + (uint32_t)pos;
  return crc16_u32(crc, acc);
}

/* ---- matrix kernel: small int16 matrices, int32 accumulation ---------------- */

#define MAT_N 20

static int16_t mat_a[MAT_N * MAT_N];
static int16_t mat_b[MAT_N * MAT_N];
static int32_t mat_c[MAT_N * MAT_N];

static uint16_t matrix_kernel(uint16_t crc, uint32_t iter) {
  uint32_t s = iter * 0x9e3779b9u + 1;
  for (int i = 0; i < MAT_N * MAT_N; ++i) {
    uint32_t r = rng_next(&s);
    mat_a[i] = (int16_t)(r & 0xfff) - 0x800;
    mat_b[i] = (int16_t)((r >> 16) & 0xfff) - 0x800;
  }
  int16_t k = (int16_t)(iter & 0xff) + 1;
  /* add constant, multiply by constant */
  for (int i = 0; i < MAT_N * MAT_N; ++i) mat_a[i] = (int16_t)(mat_a[i] + k);
  int32_t sum = 0;
  for (int i = 0; i < MAT_N * MAT_N; ++i) {
    mat_c[i] = (int32_t)mat_a[i] * k;
    sum += mat_c[i];
  }
  crc = crc16_u32(crc, (uint32_t)sum);
  /* matrix * vector (first column of B) */
  for (int i = 0; i < MAT_N; ++i) {
    int32_t acc = 0;
    for (int j = 0; j < MAT_N; ++j) acc += (int32_t)mat_a[i * MAT_N + j] * mat_b[j * MAT_N];
    mat_c[i] = acc;
  }
  sum = 0;
  for (int i = 0; i < MAT_N; ++i) sum += mat_c[i];
  crc = crc16_u32(crc, (uint32_t)sum);
  /* matrix * matrix, then a bit-field extract over the products */
  for (int i = 0; i < MAT_N; ++i) {
    for (int j = 0; j < MAT_N; ++j) {
      int32_t acc = 0;
      for (int x = 0; x < MAT_N; ++x) acc += (int32_t)mat_a[i * MAT_N + x] * mat_b[x * MAT_N + j];
      mat_c[i * MAT_N + j] = acc;
    }
  }
  uint32_t bits = 0;
  for (int i = 0; i < MAT_N * MAT_N; ++i) bits += ((uint32_t)mat_c[i] >> 2) & 0x3f;
  return crc16_u32(crc, bits);
}

/* ---- state machine: classify number-like tokens ------------------------------ */

enum State { S_START, S_INT, S_SIGN, S_DOT, S_FRAC, S_EXP, S_EXP_SIGN, S_EXP_DIGITS, S_BAD, S_COUNT };

#define SM_BYTES 512
static uint8_t sm_text[SM_BYTES];

static void sm_fill(uint32_t seed) {
  static const char alphabet[] = "0123456789+-.eE,x ";
  uint32_t s = seed | 1;
  for (int i = 0; i < SM_BYTES; ++i) sm_text[i] = (uint8_t)alphabet[rng_next(&s) % (sizeof(alphabet) - 1)];
  for (int i = 7; i < SM_BYTES; i += 11) sm_text[i] = ',';  /* keep tokens short */
}

static enum State sm_step(enum State st, uint8_t c) {
  int digit = c >= '0' && c <= '9';
  switch (st) {
    case S_START:
      if (digit) return S_INT;
      if (c == '+' || c == '-') return S_SIGN;
      if (c == '.') return S_DOT;
      return S_BAD;
    case S_SIGN:
      if (digit) return S_INT;
      if (c == '.') return S_DOT;
      return S_BAD;
    case S_INT:
      if (digit) return S_INT;
      if (c == '.') return S_FRAC;
      if (c == 'e' || c == 'E') return S_EXP;
      return S_BAD;
    case S_DOT:
      return digit ? S_FRAC : S_BAD;
    case S_FRAC:
      if (digit) return S_FRAC;
      if (c == 'e' || c == 'E') return S_EXP;
      return S_BAD;
    case S_EXP:
      if (digit) return S_EXP_DIGITS;
      if (c == '+' || c == '-') return S_EXP_SIGN;
      return S_BAD;
    case S_EXP_SIGN:
    case S_EXP_DIGITS:
      return digit ? S_EXP_DIGITS : S_BAD;
    default:
      return S_BAD;
  }
}

static uint16_t state_kernel(uint16_t crc, uint32_t iter) {
  uint32_t final_count[S_COUNT] = {0};
  uint32_t transitions = 0;
  /* Flip a few bytes per iteration so every pass sees different input. */
  uint32_t s = iter + 1;
  for (int i = 0; i < 4; ++i) sm_text[rng_next(&s) % SM_BYTES] = (uint8_t)('0' + (iter + (uint32_t)i) % 10);
  enum State st = S_START;
  for (int i = 0; i < SM_BYTES; ++i) {
    uint8_t c = sm_text[i];
    if (c == ',' || c == ' ') {
      ++final_count[st];
      st = S_START;
      continue;
    }
    enum State next = sm_step(st, c);
    transitions += next != st;
    st = next;
  }
  ++final_count[st];
  for (int i = 0; i < S_COUNT; ++i) crc = crc16_u32(crc, final_count[i]);
  return crc16_u32(crc, transitions);
}

static uint32_t bench_run(uint32_t iterations) {
  uint16_t crc_list = 0, crc_matrix = 0, crc_state = 0;
  sm_fill(12345);
  for (uint32_t it = 0; it < iterations; ++it) {
    crc_list = list_kernel(crc_list, it);
    crc_matrix = matrix_kernel(crc_matrix, it);
    crc_state = state_kernel(crc_state, it);
  }
  return ((uint32_t)crc_list << 16) ^ ((uint32_t)crc_matrix << 8) ^ crc_state;
}

#include "harness.h"

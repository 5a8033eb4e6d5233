"""Writes (stdout) a C Proxy-Wasm filter with about 150 KB of code: the
header filter's logic plus N table-driven functions a request header picks
from, so none of them is dead code. For measuring VM start-up on a module of
the size real SDK filters have. Usage: big_filter.py [N]"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 820
out = ['#include "proxy_wasm_imports.h"',
       'EXPORT(proxy_abi_version_0_2_1) void abi_version(void) {}',
       'EXPORT(proxy_on_context_create) void on_context_create(uint32_t id, uint32_t parent) {}']
for i in range(n):
    out.append("static uint32_t f%d(uint32_t x) { x ^= x << %d; x *= %du; x ^= x >> %d; "
               "for (uint32_t i = 0; i < (x & 7); ++i) x = x * 31u + %du; return x + %du; }"
               % (i, i % 13 + 1, 2654435761 + 2 * i, i % 11 + 3, i, i * 7))
out.append("static uint32_t (*const table[])(uint32_t) = {%s};" % ", ".join("f%d" % i for i in range(n)))
out.append("""
EXPORT(proxy_on_request_headers) uint32_t on_request_headers(uint32_t id, uint32_t headers, uint32_t eos) {
  volatile uint32_t pick = headers * 2654435761u;
  volatile uint32_t r = table[pick %% %d](pick);
  (void)r;
  return 0;
}
EXPORT(proxy_on_response_headers) uint32_t on_response_headers(uint32_t id, uint32_t n, uint32_t eos) {
  proxy_add_header_map_value(kResponseHeaders, "x-bench", 7, "wasm", 4);
  return 0;
}""" % n)
print("\n".join(out))

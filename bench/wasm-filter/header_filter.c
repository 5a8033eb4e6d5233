/* The benchmark's header filter in C against the Proxy-Wasm 0.2.1 ABI: adds
 * "x-bench: wasm" to every response, nothing else (the same logic as the
 * built-in header_mutation config and the AssemblyScript "bench_header"
 * root in the same run). */
#include "proxy_wasm_imports.h"

EXPORT(proxy_abi_version_0_2_1) void abi_version(void) {}
EXPORT(proxy_on_context_create) void on_context_create(uint32_t id, uint32_t parent) {}
EXPORT(proxy_on_response_headers) uint32_t on_response_headers(uint32_t id, uint32_t n, uint32_t eos) {
  proxy_add_header_map_value(kResponseHeaders, "x-bench", 7, "wasm", 4);
  return 0;
}

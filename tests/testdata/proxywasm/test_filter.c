/* A C filter written against the Proxy-Wasm 0.2.1 ABI directly. Its plugin
 * configuration picks what it does, so one module covers many tests:
 *   "reject"   on_configure returns false
 *   "rewrite"  the response body is buffered and replaced by "rewritten:<old size>"
 *   "deny"     403 unless the request has an "x-allow" header
 *   "pause"    request headers are paused; a tick resumes them
 * Always: adds "x-wasm-request: c" to the request and "x-wasm-response: <config>"
 * to the response, traps on a request with "x-trap", loops forever on one with
 * "x-loop", tries to grow memory by "x-grow" pages (answering in the request
 * header "x-grow-result": "ok" or "failed"), counts requests in the
 * counter "c_requests", and appends each callback it sees to shared data key
 * "order" (for the lifecycle tests). */
#include <stdlib.h>
#include "proxy_wasm_imports.h"

static char config[64];
static size_t config_size;
static uint32_t requests_metric;
static uint32_t paused_context;

EXPORT(proxy_abi_version_0_2_1) void abi_version(void) {}

static void record(const char* event) {
  char* old = NULL;
  size_t old_size = 0;
  uint32_t cas = 0;
  proxy_get_shared_data("order", 5, &old, &old_size, &cas);
  size_t n = strlen(event);
  char* buf = malloc(old_size + n + 1);
  if (old_size) memcpy(buf, old, old_size);
  memcpy(buf + old_size, event, n);
  buf[old_size + n] = ' ';
  proxy_set_shared_data("order", 5, buf, old_size + n + 1, 0);
  free(buf);
  free(old);
}

static int config_is(const char* s) { return config_size == strlen(s) && memcmp(config, s, config_size) == 0; }

static int has_request_header(const char* name) {
  char* v = NULL;
  size_t n = 0;
  uint32_t r = proxy_get_header_map_value(kRequestHeaders, name, strlen(name), &v, &n);
  free(v);
  return r == 0;
}

EXPORT(proxy_on_context_create) void on_context_create(uint32_t id, uint32_t parent) {
  record(parent == 0 ? "create_root" : "create_stream");
}

EXPORT(proxy_on_vm_start) uint32_t on_vm_start(uint32_t id, uint32_t size) {
  record("vm_start");
  return 1;
}

EXPORT(proxy_on_configure) uint32_t on_configure(uint32_t id, uint32_t size) {
  record("configure");
  char* data = NULL;
  size_t n = 0;
  if (proxy_get_buffer_bytes(kPluginConfiguration, 0, 0xFFFFFFFFu, &data, &n) != 0) return 0;
  config_size = n < sizeof(config) ? n : sizeof(config);
  memcpy(config, data, config_size);
  free(data);
  if (config_is("reject")) return 0;
  proxy_define_metric(0, "c_requests", 10, &requests_metric);
  if (config_is("pause")) proxy_set_tick_period_milliseconds(10);
  return 1;
}

EXPORT(proxy_on_tick) void on_tick(uint32_t root) {
  if (paused_context) {
    extern uint32_t proxy_set_effective_context(uint32_t) __attribute__((import_module("env"), import_name("proxy_set_effective_context")));
    proxy_set_effective_context(paused_context);
    proxy_add_header_map_value(kRequestHeaders, "x-resumed-by", 12, "tick", 4);
    proxy_continue_stream(0);
    paused_context = 0;
  }
}

EXPORT(proxy_on_request_headers) uint32_t on_request_headers(uint32_t id, uint32_t n, uint32_t eos) {
  record("request_headers");
  proxy_increment_metric(requests_metric, 1);
  if (has_request_header("x-trap")) __builtin_trap();
  if (has_request_header("x-loop")) {
    volatile uint32_t spins = 0;
    for (;;) spins++;
  }
  {
    char* v = NULL;
    size_t n = 0;
    if (proxy_get_header_map_value(kRequestHeaders, "x-grow", 6, &v, &n) == 0) {
      uint32_t pages = 0;
      for (size_t i = 0; i < n; ++i) pages = pages * 10 + (uint32_t)(v[i] - '0');
      free(v);
      int grown = __builtin_wasm_memory_grow(0, pages) != (size_t)-1;
      proxy_add_header_map_value(kRequestHeaders, "x-grow-result", 13, grown ? "ok" : "failed", grown ? 2 : 6);
    }
  }
  if (config_is("deny") && !has_request_header("x-allow")) {
    static const char body[] = "denied by wasm";
    /* one extra header, serialized by hand: {"x-denied-by": "c"} */
    static const char headers[] = "\x01\x00\x00\x00" "\x0b\x00\x00\x00" "\x01\x00\x00\x00" "x-denied-by\0c\0";
    proxy_send_local_response(403, "wasm_denied", 11, body, sizeof(body) - 1, headers, sizeof(headers) - 1, 0xFFFFFFFFu);
    return 1;
  }
  proxy_add_header_map_value(kRequestHeaders, "x-wasm-request", 14, "c", 1);
  if (config_is("pause")) {
    paused_context = id;
    return 1;
  }
  return 0;
}

EXPORT(proxy_on_request_body) uint32_t on_request_body(uint32_t id, uint32_t size, uint32_t eos) {
  record("request_body");
  return 0;
}

EXPORT(proxy_on_response_headers) uint32_t on_response_headers(uint32_t id, uint32_t n, uint32_t eos) {
  record("response_headers");
  proxy_add_header_map_value(kResponseHeaders, "x-wasm-response", 15, config, config_size);
  char* path = NULL;
  size_t path_size = 0;
  if (proxy_get_property("request\0path", 12, &path, &path_size) == 0) {
    proxy_add_header_map_value(kResponseHeaders, "x-wasm-path", 11, path, path_size);
    free(path);
  }
  if (config_is("rewrite")) proxy_remove_header_map_value(kResponseHeaders, "content-length", 14);
  return 0;
}

EXPORT(proxy_on_response_body) uint32_t on_response_body(uint32_t id, uint32_t size, uint32_t eos) {
  record("response_body");
  if (!config_is("rewrite")) return 0;
  if (!eos) return 1; /* buffer until the whole body is here */
  char out[64] = "rewritten:";
  size_t len = strlen(out);
  /* decimal body size */
  char digits[16];
  int nd = 0;
  uint32_t v = size;
  do { digits[nd++] = (char)('0' + v % 10); v /= 10; } while (v);
  while (nd) out[len++] = digits[--nd];
  proxy_set_buffer_bytes(kResponseBody, 0, size, out, len);
  return 0;
}

EXPORT(proxy_on_log) void on_log(uint32_t id) { record("log"); }
EXPORT(proxy_on_done) uint32_t on_done(uint32_t id) { record("done"); return 1; }
EXPORT(proxy_on_delete) void on_delete(uint32_t id) { record("delete"); }

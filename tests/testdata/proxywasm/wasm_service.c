/* A Proxy-Wasm service (envoy.bootstrap.wasm) written against the 0.2.1 ABI
 * directly. Its plugin configuration picks what it does:
 *   "reject"             proxy_on_configure returns false
 *   "trap"               traps at its second tick (after publishing "trap-1")
 *   "callout:<cluster>"  at its first tick, GET /service on <cluster>; the answer is
 *                        published as shared data "service_callout" = "<status> <body>"
 *                        ("failed" when the call failed)
 *   anything else        used as the prefix below
 * Always: every 20 ms tick n publishes "<prefix>-<n>" as shared data
 * "service_value" (the classic use: a singleton refreshing what worker filters
 * read); registers the shared queue "service_queue" and appends every message
 * it receives to shared data "service_received" (space separated), counting
 * them in "service_messages"; counts the instances started in the counter
 * "service_instances" and those running in the gauge "service_running" (+1 in
 * on_configure, -1 in on_done; the config-time validation VM has no stats
 * store, so it counts in neither); appends each root callback to shared data
 * "service_order". */
#include <stdlib.h>
#include "proxy_wasm_imports.h"

IMPORT(proxy_register_shared_queue) uint32_t proxy_register_shared_queue(const char* name, size_t size, uint32_t* token);
IMPORT(proxy_dequeue_shared_queue) uint32_t proxy_dequeue_shared_queue(uint32_t token, char** ptr, size_t* size);
IMPORT(proxy_http_call) uint32_t proxy_http_call(const char* upstream, size_t upstream_size, const char* headers,
                                                 size_t headers_size, const char* body, size_t body_size,
                                                 const char* trailers, size_t trailers_size, uint32_t timeout_ms,
                                                 uint32_t* token);

enum { kHttpCallResponseBody = 4, kHttpCallResponseHeaders = 6 };

static char config[128];
static size_t config_size;
static uint32_t ticks;
static uint32_t m_messages, m_instances, m_running;

EXPORT(proxy_abi_version_0_2_1) void abi_version(void) {}

static void append(const char* key, const char* value, size_t n) {
  char* old = NULL;
  size_t old_size = 0;
  uint32_t cas = 0;
  proxy_get_shared_data(key, strlen(key), &old, &old_size, &cas);
  char* buf = malloc(old_size + n + 1);
  if (old_size) memcpy(buf, old, old_size);
  memcpy(buf + old_size, value, n);
  buf[old_size + n] = ' ';
  proxy_set_shared_data(key, strlen(key), buf, old_size + n + 1, 0);
  free(buf);
  free(old);
}

static void record(const char* event) { append("service_order", event, strlen(event)); }

static int config_starts(const char* s) { return config_size >= strlen(s) && memcmp(config, s, strlen(s)) == 0; }

static void put_u32(char* p, uint32_t v) { memcpy(p, &v, 4); }

/* Serializes pairs as the ABI wants: count, (key len, value len)*, then each
 * key and value NUL-terminated. */
static size_t encode_pairs(char* out, const char* const* kv, uint32_t n) {
  put_u32(out, n);
  size_t off = 4 + 8 * n;
  for (uint32_t i = 0; i < n; ++i) {
    size_t k = strlen(kv[2 * i]), v = strlen(kv[2 * i + 1]);
    put_u32(out + 4 + 8 * i, (uint32_t)k);
    put_u32(out + 8 + 8 * i, (uint32_t)v);
    memcpy(out + off, kv[2 * i], k + 1);
    off += k + 1;
    memcpy(out + off, kv[2 * i + 1], v + 1);
    off += v + 1;
  }
  return off;
}

EXPORT(proxy_on_context_create) void on_context_create(uint32_t id, uint32_t parent) {
  if (parent == 0) record("create_root");
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
  if (config_starts("reject")) return 0;
  uint32_t token = 0;
  if (proxy_register_shared_queue("service_queue", 13, &token) != 0) return 0;
  proxy_define_metric(0, "service_messages", 16, &m_messages);
  proxy_define_metric(0, "service_instances", 17, &m_instances);
  proxy_define_metric(1, "service_running", 15, &m_running);
  proxy_increment_metric(m_instances, 1);
  proxy_increment_metric(m_running, 1);
  proxy_set_tick_period_milliseconds(20);
  return 1;
}

static void call_out(void) {
  const char* cluster = config + 8; /* after "callout:" */
  size_t cluster_size = config_size - 8;
  const char* headers[] = {":method", "GET", ":path", "/service", ":authority", "service"};
  char buf[256];
  size_t size = encode_pairs(buf, headers, 3);
  uint32_t token = 0;
  if (proxy_http_call(cluster, cluster_size, buf, size, NULL, 0, NULL, 0, 5000, &token) != 0) {
    proxy_set_shared_data("service_callout", 15, "not sent", 8, 0);
  }
}

EXPORT(proxy_on_tick) void on_tick(uint32_t root) {
  ++ticks;
  if (ticks == 2 && config_starts("trap")) __builtin_trap();
  if (ticks == 1 && config_starts("callout:")) call_out();
  char value[160];
  size_t prefix = config_size < 100 ? config_size : 100;
  memcpy(value, config, prefix);
  value[prefix] = '-';
  /* the tick number in decimal */
  char digits[12];
  int d = 0;
  uint32_t t = ticks;
  do {
    digits[d++] = (char)('0' + t % 10);
    t /= 10;
  } while (t);
  size_t n = prefix + 1;
  while (d) value[n++] = digits[--d];
  proxy_set_shared_data("service_value", 13, value, n, 0);
}

EXPORT(proxy_on_queue_ready) void on_queue_ready(uint32_t root, uint32_t token) {
  char* data = NULL;
  size_t n = 0;
  while (proxy_dequeue_shared_queue(token, &data, &n) == 0) {
    append("service_received", data, n);
    proxy_increment_metric(m_messages, 1);
    free(data);
    data = NULL;
  }
}

EXPORT(proxy_on_http_call_response) void on_http_call_response(uint32_t root, uint32_t token, uint32_t num_headers,
                                                               uint32_t body_size, uint32_t num_trailers) {
  if (num_headers == 0) {
    proxy_set_shared_data("service_callout", 15, "failed", 6, 0);
    return;
  }
  char* status = NULL;
  size_t status_size = 0;
  proxy_get_header_map_value(kHttpCallResponseHeaders, ":status", 7, &status, &status_size);
  char* body = NULL;
  size_t n = 0;
  if (body_size) proxy_get_buffer_bytes(kHttpCallResponseBody, 0, body_size, &body, &n);
  char* out = malloc(status_size + 1 + n);
  if (status_size) memcpy(out, status, status_size);
  out[status_size] = ' ';
  if (n) memcpy(out + status_size + 1, body, n);
  proxy_set_shared_data("service_callout", 15, out, status_size + 1 + n, 0);
  free(out);
  free(status);
  free(body);
}

EXPORT(proxy_on_done) uint32_t on_done(uint32_t id) {
  record("done");
  if (m_running) proxy_increment_metric(m_running, -1);
  return 1;
}
EXPORT(proxy_on_delete) void on_delete(uint32_t id) { record("delete"); }

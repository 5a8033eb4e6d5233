/* A network (L4) filter written against the Proxy-Wasm 0.2.1 ABI directly.
 * Its plugin configuration picks what it does:
 *   "count"   only counts (below)
 *   "prefix"  the first client chunk gets "prefix:" in front, the first chunk
 *             to the client gets "echo:" in front (DownstreamData / UpstreamData
 *             rewritten with proxy_set_buffer_bytes)
 *   "pause"   client bytes are held (Pause) until a tick calls
 *             proxy_continue_stream(Downstream)
 *   "line"    client bytes are held until they contain a newline, then passed
 *             on all at once
 *   "hold_upstream"  bytes to the client are held (Pause) until a tick calls
 *             proxy_continue_stream(Upstream)
 * Always: counts client bytes in the counter "net_downstream_bytes", bytes to
 * the client in "net_upstream_bytes", connections in "net_connections" and
 * closes by peer in "net_close_local" / "net_close_remote"; closes the
 * connection (proxy_close_stream) when client bytes contain "close"; traps
 * when they contain "trap"; appends each callback to shared data "net_order". */
#include <stdlib.h>
#include "proxy_wasm_imports.h"

IMPORT(proxy_close_stream) uint32_t proxy_close_stream(uint32_t type);
IMPORT(proxy_set_effective_context) uint32_t proxy_set_effective_context(uint32_t id);

enum { kDownstreamData = 2, kUpstreamData = 3 };
enum { kStreamDownstream = 2, kStreamUpstream = 3 };

static char config[64];
static size_t config_size;
static uint32_t m_down, m_up, m_conns, m_close_local, m_close_remote;
static uint32_t paused_context;
static uint32_t held_upstream_context;
static uint32_t prefixed_down, prefixed_up; /* context ids already prefixed */

EXPORT(proxy_abi_version_0_2_1) void abi_version(void) {}

static void record(const char* event) {
  char* old = NULL;
  size_t old_size = 0;
  uint32_t cas = 0;
  proxy_get_shared_data("net_order", 9, &old, &old_size, &cas);
  size_t n = strlen(event);
  char* buf = malloc(old_size + n + 1);
  if (old_size) memcpy(buf, old, old_size);
  memcpy(buf + old_size, event, n);
  buf[old_size + n] = ' ';
  proxy_set_shared_data("net_order", 9, buf, old_size + n + 1, 0);
  free(buf);
  free(old);
}

static int config_is(const char* s) { return config_size == strlen(s) && memcmp(config, s, config_size) == 0; }

static int contains(const char* data, size_t n, const char* needle) {
  size_t m = strlen(needle);
  for (size_t i = 0; i + m <= n; ++i) {
    if (memcmp(data + i, needle, m) == 0) return 1;
  }
  return 0;
}

EXPORT(proxy_on_context_create) void on_context_create(uint32_t id, uint32_t parent) {
  if (parent != 0) record("create");
}

EXPORT(proxy_on_vm_start) uint32_t on_vm_start(uint32_t id, uint32_t size) { return 1; }

EXPORT(proxy_on_configure) uint32_t on_configure(uint32_t id, uint32_t size) {
  char* data = NULL;
  size_t n = 0;
  if (proxy_get_buffer_bytes(kPluginConfiguration, 0, 0xFFFFFFFFu, &data, &n) != 0) return 0;
  config_size = n < sizeof(config) ? n : sizeof(config);
  memcpy(config, data, config_size);
  free(data);
  proxy_define_metric(0, "net_downstream_bytes", 20, &m_down);
  proxy_define_metric(0, "net_upstream_bytes", 18, &m_up);
  proxy_define_metric(0, "net_connections", 15, &m_conns);
  proxy_define_metric(0, "net_close_local", 15, &m_close_local);
  proxy_define_metric(0, "net_close_remote", 16, &m_close_remote);
  if (config_is("pause") || config_is("hold_upstream")) proxy_set_tick_period_milliseconds(20);
  return 1;
}

EXPORT(proxy_on_tick) void on_tick(uint32_t root) {
  if (paused_context) {
    proxy_set_effective_context(paused_context);
    proxy_continue_stream(kStreamDownstream);
    paused_context = 0;
  }
  if (held_upstream_context) {
    proxy_set_effective_context(held_upstream_context);
    proxy_continue_stream(kStreamUpstream);
    held_upstream_context = 0;
  }
}

EXPORT(proxy_on_new_connection) uint32_t on_new_connection(uint32_t id) {
  record("new_connection");
  proxy_increment_metric(m_conns, 1);
  return 0;
}

EXPORT(proxy_on_downstream_data) uint32_t on_downstream_data(uint32_t id, uint32_t size, uint32_t eos) {
  record(eos ? "downstream_data_eos" : "downstream_data");
  char* data = NULL;
  size_t n = 0;
  if (size > 0 && proxy_get_buffer_bytes(kDownstreamData, 0, size, &data, &n) != 0) return 0;
  if (contains(data, n, "trap")) __builtin_trap();
  if (contains(data, n, "close")) {
    free(data);
    proxy_close_stream(kStreamDownstream);
    return 1;
  }
  if (config_is("line") && !contains(data, n, "\n") && !eos) {
    free(data);
    return 1; /* keep accumulating */
  }
  if (config_is("pause") && n > 0 && paused_context != id) {
    free(data);
    paused_context = id;
    return 1;
  }
  if (config_is("prefix") && n > 0 && prefixed_down != id) {
    prefixed_down = id;
    proxy_set_buffer_bytes(kDownstreamData, 0, 0, "prefix:", 7);
  }
  if (n) proxy_increment_metric(m_down, (int64_t)n);
  free(data);
  return 0;
}

EXPORT(proxy_on_upstream_data) uint32_t on_upstream_data(uint32_t id, uint32_t size, uint32_t eos) {
  record(eos ? "upstream_data_eos" : "upstream_data");
  if (size) proxy_increment_metric(m_up, (int64_t)size);
  if (config_is("hold_upstream") && size > 0 && !eos) {
    held_upstream_context = id;
    return 1;
  }
  if (config_is("prefix") && size > 0 && prefixed_up != id) {
    prefixed_up = id;
    proxy_set_buffer_bytes(kUpstreamData, 0, 0, "echo:", 5);
  }
  return 0;
}

EXPORT(proxy_on_upstream_connection_close) void on_upstream_close(uint32_t id, uint32_t peer) {
  record("upstream_close");
}

EXPORT(proxy_on_downstream_connection_close) void on_downstream_close(uint32_t id, uint32_t peer) {
  record(peer == 1 ? "downstream_close_local" : "downstream_close_remote");
  proxy_increment_metric(peer == 1 ? m_close_local : m_close_remote, 1);
}

EXPORT(proxy_on_log) void on_log(uint32_t id) { record("log"); }
EXPORT(proxy_on_done) uint32_t on_done(uint32_t id) { record("done"); return 1; }
EXPORT(proxy_on_delete) void on_delete(uint32_t id) { record("delete"); }

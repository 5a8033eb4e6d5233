/* An HTTP filter (Proxy-Wasm 0.2.1 ABI) that talks to the wasm_service.c
 * service through what Proxy-Wasm shares between VMs of one vm_id:
 *   request headers   enqueues the request's :path to the shared queue
 *                     "service_queue" (resolved with our own vm_id)
 *   response headers  x-service-value: the shared data "service_value" the
 *                     service publishes ("none" before its first tick);
 *                     x-service-queue: "sent", or "missing" when the queue
 *                     was not registered (no service running);
 *                     x-service-callout: the shared data "service_callout"
 *                     (the service's http_call result), when present */
#include <stdlib.h>
#include "proxy_wasm_imports.h"

IMPORT(proxy_resolve_shared_queue) uint32_t proxy_resolve_shared_queue(const char* vm_id, size_t vm_id_size,
                                                                       const char* name, size_t name_size,
                                                                       uint32_t* token);
IMPORT(proxy_enqueue_shared_queue) uint32_t proxy_enqueue_shared_queue(uint32_t token, const char* data, size_t size);

/* Per stream context: whether its path was queued (ids are small and
 * sequential, streams on one VM are few at a time). */
static unsigned char queued[256];

EXPORT(proxy_abi_version_0_2_1) void abi_version(void) {}
EXPORT(proxy_on_context_create) void on_context_create(uint32_t id, uint32_t parent) {}
EXPORT(proxy_on_vm_start) uint32_t on_vm_start(uint32_t id, uint32_t size) { return 1; }
EXPORT(proxy_on_configure) uint32_t on_configure(uint32_t id, uint32_t size) { return 1; }

EXPORT(proxy_on_request_headers) uint32_t on_request_headers(uint32_t id, uint32_t headers, uint32_t eos) {
  queued[id % 256] = 0;
  uint32_t token = 0;
  if (proxy_resolve_shared_queue("", 0, "service_queue", 13, &token) != 0) return 0;
  char* path = NULL;
  size_t n = 0;
  if (proxy_get_header_map_value(kRequestHeaders, ":path", 5, &path, &n) != 0) return 0;
  if (proxy_enqueue_shared_queue(token, path, n) == 0) queued[id % 256] = 1;
  free(path);
  return 0;
}

EXPORT(proxy_on_response_headers) uint32_t on_response_headers(uint32_t id, uint32_t headers, uint32_t eos) {
  char* value = NULL;
  size_t n = 0;
  uint32_t cas = 0;
  if (proxy_get_shared_data("service_value", 13, &value, &n, &cas) == 0) {
    proxy_add_header_map_value(kResponseHeaders, "x-service-value", 15, value, n);
    free(value);
  } else {
    proxy_add_header_map_value(kResponseHeaders, "x-service-value", 15, "none", 4);
  }
  if (proxy_get_shared_data("service_callout", 15, &value, &n, &cas) == 0) {
    proxy_add_header_map_value(kResponseHeaders, "x-service-callout", 17, value, n);
    free(value);
  }
  const char* q = queued[id % 256] ? "sent" : "missing";
  proxy_add_header_map_value(kResponseHeaders, "x-service-queue", 15, q, strlen(q));
  return 0;
}

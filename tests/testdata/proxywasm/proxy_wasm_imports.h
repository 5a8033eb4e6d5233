/* The Proxy-Wasm 0.2.1 host functions the C test filters use, declared
 * straight from the ABI (no SDK), plus small helpers. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
#define EXPORT(name) __attribute__((export_name(#name)))

IMPORT(proxy_log) uint32_t proxy_log(uint32_t level, const char* msg, size_t size);
IMPORT(proxy_get_buffer_bytes) uint32_t proxy_get_buffer_bytes(uint32_t type, uint32_t start, uint32_t max, char** ptr, size_t* size);
IMPORT(proxy_set_buffer_bytes) uint32_t proxy_set_buffer_bytes(uint32_t type, uint32_t start, uint32_t size, const char* data, size_t data_size);
IMPORT(proxy_get_header_map_value) uint32_t proxy_get_header_map_value(uint32_t type, const char* key, size_t key_size, char** ptr, size_t* size);
IMPORT(proxy_get_header_map_pairs) uint32_t proxy_get_header_map_pairs(uint32_t type, char** ptr, size_t* size);
IMPORT(proxy_add_header_map_value) uint32_t proxy_add_header_map_value(uint32_t type, const char* key, size_t key_size, const char* value, size_t value_size);
IMPORT(proxy_replace_header_map_value) uint32_t proxy_replace_header_map_value(uint32_t type, const char* key, size_t key_size, const char* value, size_t value_size);
IMPORT(proxy_remove_header_map_value) uint32_t proxy_remove_header_map_value(uint32_t type, const char* key, size_t key_size);
IMPORT(proxy_send_local_response) uint32_t proxy_send_local_response(uint32_t code, const char* details, size_t details_size, const char* body, size_t body_size, const char* headers, size_t headers_size, uint32_t grpc_status);
IMPORT(proxy_continue_stream) uint32_t proxy_continue_stream(uint32_t type);
IMPORT(proxy_get_property) uint32_t proxy_get_property(const char* path, size_t path_size, char** ptr, size_t* size);
IMPORT(proxy_set_property) uint32_t proxy_set_property(const char* path, size_t path_size, const char* value, size_t value_size);
IMPORT(proxy_get_shared_data) uint32_t proxy_get_shared_data(const char* key, size_t key_size, char** ptr, size_t* size, uint32_t* cas);
IMPORT(proxy_set_shared_data) uint32_t proxy_set_shared_data(const char* key, size_t key_size, const char* value, size_t value_size, uint32_t cas);
IMPORT(proxy_define_metric) uint32_t proxy_define_metric(uint32_t type, const char* name, size_t name_size, uint32_t* id);
IMPORT(proxy_increment_metric) uint32_t proxy_increment_metric(uint32_t id, int64_t delta);
IMPORT(proxy_get_metric) uint32_t proxy_get_metric(uint32_t id, uint64_t* value);
IMPORT(proxy_set_tick_period_milliseconds) uint32_t proxy_set_tick_period_milliseconds(uint32_t period);
IMPORT(proxy_get_current_time_nanoseconds) uint32_t proxy_get_current_time_nanoseconds(uint64_t* ns);

enum { kRequestHeaders = 0, kResponseHeaders = 2 };
enum { kRequestBody = 0, kResponseBody = 1, kVmConfiguration = 6, kPluginConfiguration = 7 };

static inline uint32_t log_str(uint32_t level, const char* s) { return proxy_log(level, s, strlen(s)); }

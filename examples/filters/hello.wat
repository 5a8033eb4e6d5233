;; weir's demo filter, written against the Proxy-Wasm 0.2.1 ABI in the text
;; format so it needs nothing but wat2wasm. It is embedded in the default
;; configuration (`weir proxy` with no -c), and it is a complete filter:
;;  - on_configure reads the plugin configuration (at most 256 bytes) and
;;    keeps it; an empty configuration means "hello from wasm";
;;  - every response gets "x-weir-filter: <configuration>";
;;  - every request is counted in the counter "hello_requests" (shown in
;;    /stats as wasmcustom.hello_requests).
;; A bump allocator stands in for malloc: the host allocates only for the
;; configuration, once per root context.
(module
  (import "env" "proxy_get_buffer_bytes"
    (func $get_buffer_bytes (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value"
    (func $add_header (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_define_metric"
    (func $define_metric (param i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_increment_metric"
    (func $increment_metric (param i32 i64) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  ;; 16: header name, 48: default value, 80: metric name,
  ;; 128: metric id, 136/140: buffer pointer/size written by the host,
  ;; 256..511: the configuration value.
  (data (i32.const 16) "x-weir-filter")
  (data (i32.const 48) "hello from wasm")
  (data (i32.const 80) "hello_requests")
  (global $value_ptr (mut i32) (i32.const 48))
  (global $value_len (mut i32) (i32.const 15))

  (func (export "proxy_abi_version_0_2_1"))

  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (if (i32.gt_u (global.get $heap) (i32.const 65536)) (then (unreachable)))
    (local.get $p))

  (func (export "proxy_on_context_create") (param i32 i32))

  (func (export "proxy_on_configure") (param $root i32) (param $size i32) (result i32)
    (local $len i32)
    (drop (call $define_metric (i32.const 0) (i32.const 80) (i32.const 14) (i32.const 128)))
    (if (i32.eqz (local.get $size)) (then (return (i32.const 1))))
    ;; buffer type 7 = plugin configuration
    (if (call $get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 256) (i32.const 136) (i32.const 140))
      (then (return (i32.const 0))))
    (local.set $len (i32.load (i32.const 140)))
    (if (i32.gt_u (local.get $len) (i32.const 256)) (then (local.set $len (i32.const 256))))
    (memory.copy (i32.const 256) (i32.load (i32.const 136)) (local.get $len))
    (global.set $value_ptr (i32.const 256))
    (global.set $value_len (local.get $len))
    (i32.const 1))

  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $increment_metric (i32.load (i32.const 128)) (i64.const 1)))
    (i32.const 0))

  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    ;; map type 2 = response headers
    (drop (call $add_header (i32.const 2) (i32.const 16) (i32.const 13)
                (global.get $value_ptr) (global.get $value_len)))
    (i32.const 0)))

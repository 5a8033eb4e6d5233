/* A bump allocator for the benchmark's C filter, which is built without
 * libc: the host allocates only for values it hands to the module, and this
 * filter asks for none, so the heap does not grow in practice. */
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;
static uintptr_t next;

__attribute__((export_name("malloc"))) void* malloc(size_t size) {
  if (!next) next = (uintptr_t)&__heap_base;
  uintptr_t p = (next + 15) & ~(uintptr_t)15;
  uintptr_t end = p + size;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1) return 0;
  next = end;
  return (void*)p;
}

// The binary interface between weir and a compiled module's shared object.
//
// The same declarations are compiled into weir (C++) and, through the
// stringified kAbiSource, into every generated C file, so the two sides can
// never disagree on a layout. Bump kAbiVersion whenever anything here changes:
// the version is part of the cache key and is checked after dlopen.
#pragma once

#include <cstdint>

#define WEIR_AOT_ABI_DECLS                                                            \
  typedef void (*wasm_rt_function_ptr_t)(void);                                      \
  typedef struct {                                                                    \
    uint32_t func_type;                                                               \
    wasm_rt_function_ptr_t func;                                                      \
    void* module_instance;                                                            \
  } wasm_rt_funcref_t;                                                                \
  typedef void* wasm_rt_externref_t;                                                  \
  typedef struct {                                                                    \
    uint8_t* data;                                                                    \
    uint64_t size;                                                                    \
    uint32_t pages;                                                                   \
  } wasm_rt_memory_t;                                                                 \
  struct weir_aot_env {                                                               \
    struct weir_aot_env* self;                                                        \
    int64_t fuel;                                                                     \
    const volatile unsigned char* interrupt;                                          \
    const volatile unsigned char* poll;                                               \
    uint32_t depth;                                                                   \
    uint32_t max_depth;                                                               \
    const char* stack_limit;                                                          \
    uint32_t fuel_enabled;                                                            \
    uint32_t max_table_size;                                                          \
    void* host;                                                                       \
    int (*host_call)(void* host, uint32_t import_index, uint64_t* slots);            \
    uint32_t (*grow_memory)(void* host, uint32_t delta_pages);                        \
    int (*ref_to_c)(void* host, uint64_t ref, wasm_rt_funcref_t* out);                \
    uint64_t (*ref_from_c)(void* host, const wasm_rt_funcref_t* ref);                 \
    wasm_rt_memory_t* memory;                                                         \
    void** globals;                                                                   \
  };                                                                                  \
  typedef uint32_t (*weir_aot_register_type_fn)(uint32_t nparams, uint32_t nresults, \
                                                const uint8_t* types);

namespace weir::wasm::aot {

inline constexpr uint32_t kAbiVersion = 7;

extern "C" {
WEIR_AOT_ABI_DECLS
}

#define WEIR_AOT_STR2(...) #__VA_ARGS__
#define WEIR_AOT_STR(x) WEIR_AOT_STR2(x)
inline constexpr const char* kAbiSource = WEIR_AOT_STR(WEIR_AOT_ABI_DECLS);
#undef WEIR_AOT_STR
#undef WEIR_AOT_STR2

// Trap codes the generated code raises: wasm2c's own first (same order as its
// wasm_rt_trap_t), then weir's additions.
enum class AotTrap : int {
  kNone = 0,
  kOob,
  kIntOverflow,
  kDivByZero,
  kInvalidConversion,
  kUnreachable,
  kCallIndirect,
  kUncaughtException,
  kExhaustion,
  kTableOob,
  kUndefinedElement,
  kUninitializedElement,
  kHost,
  kInterrupted,
  kOutOfFuel,
};

// Entry points every compiled object exports (visibility default; everything
// else in it is hidden).
using AbiVersionFn = uint32_t (*)();
using InstanceSizeFn = uint64_t (*)();
using InitModuleFn = void (*)(weir_aot_register_type_fn);
using InstantiateFn = int (*)(void* inst, weir_aot_env* env);
using FreeFn = void (*)(void* inst);
using InvokeFn = int (*)(weir_aot_env* env, void* inst, uint32_t defined_index, uint64_t* slots);
using FuncPtrsFn = const wasm_rt_function_ptr_t* (*)(uint32_t* count);
using ModuleDigestFn = const char* (*)();
using TrapOobFn = void (*)();
using TrapBacktraceFn = int (*)(void* const** pcs);

}  // namespace weir::wasm::aot

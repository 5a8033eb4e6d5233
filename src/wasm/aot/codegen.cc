#include "wasm/aot/codegen.h"

#include <cctype>
#include <regex>
#include <set>
#include <vector>

#include "wasm/aot/abi.h"
#include "wasm/aot/toolchain.h"

namespace weir::wasm::aot {

namespace {

// Everything wasm2c 1.0.32 output refers to. WASM_RT_MEMCHECK_SIGNAL_HANDLER
// (set by runtimeHeader) selects wasm2c's check strategy: 1 drops the
// per-access compare against the memory size (MEMCHECK) — the memory then
// sits in an 8 GiB guard reservation and fault_handler.cc turns the fault
// into the trap; bulk operations and data segments keep their RANGE_CHECK
// either way. docs/wasm-aot.md has the measurements.
constexpr const char* kHeaderPrologue = R"(#ifndef WEIR_WASM_RT_H_
#define WEIR_WASM_RT_H_
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define wasm_rt_memcpy __builtin_memcpy
#define wasm_rt_unreachable __builtin_unreachable
#define WASM_RT_USE_STACK_DEPTH_COUNT 1
#define WASM_RT_NO_RETURN __attribute__((noreturn))
/* Every import module is "w"; its instance struct is weir's environment. */
#define Z_w_instance_t weir_aot_env
typedef enum {
  WASM_RT_TRAP_NONE, WASM_RT_TRAP_OOB, WASM_RT_TRAP_INT_OVERFLOW, WASM_RT_TRAP_DIV_BY_ZERO,
  WASM_RT_TRAP_INVALID_CONVERSION, WASM_RT_TRAP_UNREACHABLE, WASM_RT_TRAP_CALL_INDIRECT,
  WASM_RT_TRAP_UNCAUGHT_EXCEPTION, WASM_RT_TRAP_EXHAUSTION, WASM_RT_TRAP_TABLE_OOB,
  WASM_RT_TRAP_UNDEFINED_ELEMENT, WASM_RT_TRAP_UNINITIALIZED_ELEMENT, WASM_RT_TRAP_HOST,
  WASM_RT_TRAP_INTERRUPTED, WASM_RT_TRAP_OUT_OF_FUEL
} wasm_rt_trap_t;
typedef enum {
  WASM_RT_I32, WASM_RT_I64, WASM_RT_F32, WASM_RT_F64, WASM_RT_FUNCREF, WASM_RT_EXTERNREF
} wasm_rt_type_t;
)";

constexpr const char* kHeaderEpilogue = R"(
static const wasm_rt_funcref_t wasm_rt_funcref_null_value = {0, NULL, NULL};
static const wasm_rt_externref_t wasm_rt_externref_null_value = NULL;
typedef struct { wasm_rt_funcref_t* data; uint32_t max_size; uint32_t size; } wasm_rt_funcref_table_t;
typedef struct { wasm_rt_externref_t* data; uint32_t max_size; uint32_t size; } wasm_rt_externref_table_t;
static inline bool wasm_rt_is_initialized(void) { return true; }
WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t);
uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...);
uint32_t weir_grow_memory(struct weir_aot_env* env, wasm_rt_memory_t* mem, uint32_t delta);
void weir_alloc_table(struct weir_aot_env* env, void** data, uint32_t* size, uint32_t* max_size,
                      size_t elem_size, uint32_t n, uint32_t max);
uint32_t weir_grow_table(struct weir_aot_env* env, void** data, uint32_t* size, uint32_t max_size,
                         size_t elem_size, uint32_t delta, const void* init);
/* The generated code calls these where `instance` is in scope; the table and
   memory operations need its environment (limits, weir's Memory). */
#define wasm_rt_grow_memory(mem, delta) weir_grow_memory(instance->Z_w_instance, (mem), (delta))
#define wasm_rt_allocate_funcref_table(t, n, m) \
  weir_alloc_table(instance->Z_w_instance, (void**)&(t)->data, &(t)->size, &(t)->max_size, sizeof(wasm_rt_funcref_t), (n), (m))
#define wasm_rt_allocate_externref_table(t, n, m) \
  weir_alloc_table(instance->Z_w_instance, (void**)&(t)->data, &(t)->size, &(t)->max_size, sizeof(wasm_rt_externref_t), (n), (m))
#define wasm_rt_free_funcref_table(t) free((t)->data)
#define wasm_rt_free_externref_table(t) free((t)->data)
#define wasm_rt_grow_funcref_table(t, d, v) \
  ({ wasm_rt_funcref_t weir_v_ = (v); weir_grow_table(instance->Z_w_instance, (void**)&(t)->data, &(t)->size, (t)->max_size, sizeof(wasm_rt_funcref_t), (d), &weir_v_); })
#define wasm_rt_grow_externref_table(t, d, v) \
  ({ wasm_rt_externref_t weir_v_ = (v); weir_grow_table(instance->Z_w_instance, (void**)&(t)->data, &(t)->size, (t)->max_size, sizeof(wasm_rt_externref_t), (d), &weir_v_); })
void weir_poll_slow(struct weir_aot_env* env);
/* Fuel and interrupt, checked at every function entry and loop header: one
   byte load and no store. env->poll is the interrupt flag itself, or, while
   fuel is metered, a byte that is always set, so every check takes the slow
   path that counts fuel. */
#define WEIR_POLL(env) \
  do { if (UNLIKELY(*(env)->poll)) weir_poll_slow(env); } while (0)
#endif
)";

// wasm2c's prologue counts depth in a process-wide variable; weir's counts per
// instance, bounds the native stack too (a frame below env->stack_limit traps
// before the guard page is reached) and polls fuel/interrupt.
constexpr const char* kOrigPrologue = R"(#if WASM_RT_USE_STACK_DEPTH_COUNT
#define FUNC_PROLOGUE                                            \
  if (++wasm_rt_call_stack_depth > WASM_RT_MAX_CALL_STACK_DEPTH) \
    TRAP(EXHAUSTION);

#define FUNC_EPILOGUE --wasm_rt_call_stack_depth
#else
#define FUNC_PROLOGUE

#define FUNC_EPILOGUE
#endif)";

// The prologue also declares the function's locals for the environment and,
// in the guard-page build, the memory base (WEIR_BASE_LOCAL): both are fixed for
// the instance's lifetime, and a local whose address is never taken cannot be
// clobbered by a guest store, so the C compiler keeps them in registers instead
// of reloading them from the instance struct after every store (byte stores
// alias everything). Measured in docs/wasm-aot.md.
constexpr const char* kNewPrologue = R"(#define WEIR_ENTRY_CHECK(env)                                                 \
  do {                                                                        \
    if (UNLIKELY(++(env)->depth > (env)->max_depth ||                         \
                 (const char*)__builtin_frame_address(0) < (env)->stack_limit)) \
      TRAP(EXHAUSTION);                                                       \
    WEIR_POLL(env);                                                           \
  } while (0)
#define FUNC_PROLOGUE                                                         \
  struct weir_aot_env* const weir_env = instance->Z_w_instance;               \
  WEIR_BASE_LOCAL                                                             \
  WEIR_ENTRY_CHECK(weir_env)
#define FUNC_EPILOGUE (--weir_env->depth))";

constexpr const char* kOrigCallIndirect = R"(#define CALL_INDIRECT(table, t, ft, x, ...)             \
  (LIKELY((x) < table.size && table.data[x].func &&     \
          table.data[x].func_type == func_types[ft]) || \
       TRAP(CALL_INDIRECT),                             \
   ((t)table.data[x].func)(__VA_ARGS__)))";

// The spec distinguishes the three ways call_indirect can fail.
constexpr const char* kNewCallIndirect = R"(#define CALL_INDIRECT(table, t, ft, x, ...)                              \
  ((LIKELY((x) < table.size) || TRAP(UNDEFINED_ELEMENT)),                \
   (LIKELY(table.data[x].func != NULL) || TRAP(UNINITIALIZED_ELEMENT)),  \
   (LIKELY(table.data[x].func_type == func_types[ft]) || TRAP(CALL_INDIRECT)), \
   ((t)table.data[x].func)(__VA_ARGS__)))";

// The part of the runtime that must live in the shared object: the trap
// unwinder (setjmp/longjmp over generated C frames only: host functions return
// a status to the import thunk, which raises the trap from C), tables, the
// type registry hook and the entry points.
constexpr const char* kGlueRuntime = R"(
#define WEIR_EXPORT __attribute__((visibility("default")))
static __thread jmp_buf* weir_jmp;
static weir_aot_register_type_fn weir_register_type;

/* The trap's native return addresses, read by weir after the jump and mapped
   to Wasm functions through this object's symbol table. glibc loads its
   unwinder on the first backtrace(): that happens when the object is loaded,
   never in the fault handler. */
#include <execinfo.h>
#define WEIR_TRAP_FRAMES 64
static __thread void* weir_trap_pcs[WEIR_TRAP_FRAMES];
static __thread int weir_trap_npcs;
__attribute__((constructor)) static void weir_warm_backtrace(void) {
  void* b[2];
  (void)backtrace(b, 2);
}

WASM_RT_NO_RETURN void wasm_rt_trap(wasm_rt_trap_t code) {
  if (!weir_jmp) abort(); /* unreachable: every entry sets it */
  weir_trap_npcs = backtrace(weir_trap_pcs, WEIR_TRAP_FRAMES);
  longjmp(*weir_jmp, (int)code);
}
WEIR_EXPORT int weir_aot_trap_backtrace(void* const** pcs) {
  *pcs = weir_trap_pcs;
  return weir_trap_npcs;
}

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint8_t types[64];
  uint8_t* t = (params + results) <= sizeof types ? types : (uint8_t*)malloc(params + results);
  va_list ap;
  va_start(ap, results);
  for (uint32_t i = 0; i < params + results; ++i) t[i] = (uint8_t)va_arg(ap, int);
  va_end(ap);
  uint32_t id = weir_register_type(params, results, t);
  if (t != types) free(t);
  return id;
}

void weir_poll_slow(struct weir_aot_env* env) {
  if (*env->interrupt) wasm_rt_trap(WASM_RT_TRAP_INTERRUPTED);
  if (env->fuel_enabled && --env->fuel < 0) {
    env->fuel = 0;
    wasm_rt_trap(WASM_RT_TRAP_OUT_OF_FUEL);
  }
}

uint32_t weir_grow_memory(struct weir_aot_env* env, wasm_rt_memory_t* mem, uint32_t delta) {
  (void)mem; /* the one memory is env->memory */
  return env->grow_memory(env->host, delta);
}

void weir_alloc_table(struct weir_aot_env* env, void** data, uint32_t* size, uint32_t* max_size,
                      size_t elem_size, uint32_t n, uint32_t max) {
  if (max > env->max_table_size) max = env->max_table_size;
  *data = calloc(n ? n : 1, elem_size);
  if (!*data) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  *size = n;
  *max_size = max;
}

uint32_t weir_grow_table(struct weir_aot_env* env, void** data, uint32_t* size, uint32_t max_size,
                         size_t elem_size, uint32_t delta, const void* init) {
  (void)env;
  uint32_t old = *size;
  if ((uint64_t)old + delta > max_size) return UINT32_MAX;
  if (delta == 0) return old;
  void* p = realloc(*data, ((size_t)old + delta) * elem_size);
  if (!p) return UINT32_MAX;
  for (uint32_t i = 0; i < delta; ++i) memcpy((char*)p + ((size_t)old + i) * elem_size, init, elem_size);
  *data = p;
  *size = old + delta;
  return old;
}

static inline uint64_t weir_f32_bits(f32 v) { uint32_t b; memcpy(&b, &v, 4); return b; }
static inline uint64_t weir_f64_bits(f64 v) { uint64_t b; memcpy(&b, &v, 8); return b; }
static inline f32 weir_f32_of(uint64_t s) { uint32_t b = (uint32_t)s; f32 v; memcpy(&v, &b, 4); return v; }
static inline f64 weir_f64_of(uint64_t s) { f64 v; memcpy(&v, &s, 8); return v; }
static inline wasm_rt_funcref_t weir_funcref_of(struct weir_aot_env* env, uint64_t s) {
  wasm_rt_funcref_t r = wasm_rt_funcref_null_value;
  if (s && env->ref_to_c(env->host, s, &r)) wasm_rt_trap(WASM_RT_TRAP_HOST);
  return r;
}
static inline uint64_t weir_funcref_slot(struct weir_aot_env* env, wasm_rt_funcref_t r) {
  return r.func ? env->ref_from_c(env->host, &r) : 0;
}

)";

// The exported entry points, after the entry and function-pointer tables.
constexpr const char* kGlueEntryPoints = R"(
WEIR_EXPORT uint32_t weir_aot_abi_version(void) { return WEIR_AOT_ABI_VERSION; }
WEIR_EXPORT uint64_t weir_aot_instance_size(void) { return sizeof(Z_m_instance_t); }
WEIR_EXPORT void weir_aot_init_module(weir_aot_register_type_fn fn) {
  weir_register_type = fn;
  Z_m_init_module();
}
WEIR_EXPORT int weir_aot_instantiate(void* inst, struct weir_aot_env* env) {
  jmp_buf jb;
  jmp_buf* prev = weir_jmp;
  int code = setjmp(jb);
  if (code == 0) {
    weir_jmp = &jb;
    Z_m_instantiate((Z_m_instance_t*)inst, env);
  }
  weir_jmp = prev;
  return code;
}
WEIR_EXPORT void weir_aot_free(void* inst) { Z_m_free((Z_m_instance_t*)inst); }
WEIR_EXPORT int weir_aot_invoke(struct weir_aot_env* env, void* inst, uint32_t index, uint64_t* slots) {
  jmp_buf jb;
  jmp_buf* prev = weir_jmp;
  uint32_t depth = env->depth;
  int code = setjmp(jb);
  if (code == 0) {
    weir_jmp = &jb;
    weir_entries[index]((Z_m_instance_t*)inst, slots);
  } else {
    env->depth = depth;
  }
  weir_jmp = prev;
  return code;
}
/* Called by weir's fault handler on a fault inside the running code's memory
   reservation: unwinds to the innermost entry point of this thread. */
WEIR_EXPORT void weir_aot_trap_oob(void) { wasm_rt_trap(WASM_RT_TRAP_OOB); }
WEIR_EXPORT const wasm_rt_function_ptr_t* weir_aot_func_ptrs(uint32_t* count) {
  *count = (uint32_t)(sizeof weir_func_ptrs / sizeof weir_func_ptrs[0]);
  return weir_func_ptrs;
}
)";

// C expression turning slot `s[k]` into a value of type t.
std::string fromSlot(ValType t, uint32_t k) {
  std::string s = "s[" + std::to_string(k) + "]";
  switch (t) {
    case ValType::kI32: return "(u32)" + s;
    case ValType::kF32: return "weir_f32_of(" + s + ")";
    case ValType::kF64: return "weir_f64_of(" + s + ")";
    case ValType::kFuncRef: return "weir_funcref_of(env, " + s + ")";
    case ValType::kExternRef: return "(wasm_rt_externref_t)(uintptr_t)" + s;
    default: return s;
  }
}

// C statement storing value expression `v` of type t into s[k].
std::string toSlot(ValType t, uint32_t k, const std::string& v) {
  std::string s = "s[" + std::to_string(k) + "] = ";
  switch (t) {
    case ValType::kI32: return s + "(uint64_t)(" + v + ");";
    case ValType::kF32: return s + "weir_f32_bits(" + v + ");";
    case ValType::kF64: return s + "weir_f64_bits(" + v + ");";
    case ValType::kFuncRef: return s + "weir_funcref_slot(env, " + v + ");";
    case ValType::kExternRef: return s + "(uint64_t)(uintptr_t)(" + v + ");";
    default: return s + "(uint64_t)(" + v + ");";
  }
}

// Stores the call's result(s) held in `r` into the slots.
std::string storeResults(const FuncType& t) {
  std::string out;
  if (t.numResults() == 1) return "  " + toSlot(t.results()[0], 0, "r") + "\n";
  for (uint32_t k = 0; k < t.numResults(); ++k) {
    ValType rt = t.results()[k];
    out += "  " + toSlot(rt, k, std::string("r.") + mangleChar(rt) + std::to_string(k)) + "\n";
  }
  return out;
}

// The arguments of a line "NAME(a, b, c)" (no nesting), or empty.
std::vector<std::string> macroArgs(const std::string& line, const std::string& name) {
  std::vector<std::string> args;
  if (line.compare(0, name.size() + 1, name + "(") != 0 || line.empty() || line.back() != ')') return args;
  std::string inner = line.substr(name.size() + 1, line.size() - name.size() - 2);
  for (size_t start = 0;;) {
    size_t comma = inner.find(", ", start);
    args.push_back(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return args;
}

constexpr const char* kForceRead = R"(#if defined(__x86_64__) || defined(__i386__)
#define WEIR_FORCE_READ_FLOAT(v) __asm__("" ::"x"(v))
#elif defined(__aarch64__)
#define WEIR_FORCE_READ_FLOAT(v) __asm__("" ::"w"(v))
#else
#define WEIR_FORCE_READ_FLOAT(v) __asm__("" ::"r"(v))
#endif
#define WEIR_FORCE_READ_INT(v) __asm__("" ::"r"(v))
)";

// With guard pages, loads and stores need only the memory's base address,
// and weir's memories never move (the whole reservation is mapped at
// creation). wasm2c's accessors reach it through the imported
// wasm_rt_memory_t pointer: two dependent loads, repeated after every store
// the C compiler cannot prove independent of them (byte stores alias
// everything). The base is copied into the instance struct once instead
// (`weir_base`) and every access goes through a `_b` twin of its accessor
// taking the base: one load. Measured in docs/wasm-aot.md.
Status useDirectMemoryBase(std::string& c, std::string& h) {
  std::set<std::string> names;
  std::string twins;
  size_t insert_at = std::string::npos;
  for (size_t pos = 0; pos < c.size();) {
    size_t eol = c.find('\n', pos);
    if (eol == std::string::npos) eol = c.size();
    std::string line = c.substr(pos, eol - pos);
    if (auto a = macroArgs(line, "DEFINE_LOAD"); a.size() == 4) {
      names.insert(a[0]);
      // The empty asm keeps a load whose value is unused (it must still
      // fault); floats stay in their own register class, or every f32/f64
      // load would take a round trip through a general-purpose register.
      const bool is_float = a[1] == "f32" || a[1] == "f64";
      twins += "static inline " + a[3] + " " + a[0] + "_b(u8* base, u64 addr) { " + a[1] +
               " r; wasm_rt_memcpy(&r, base + addr, sizeof r); " + (is_float ? "WEIR_FORCE_READ_FLOAT" : "WEIR_FORCE_READ_INT") +
               "(r); return (" + a[3] + ")(" + a[2] + ")r; }\n";
      insert_at = eol + 1;
    } else if (auto b = macroArgs(line, "DEFINE_STORE"); b.size() == 3) {
      names.insert(b[0]);
      twins += "static inline void " + b[0] + "_b(u8* base, u64 addr, " + b[2] + " v) { " + b[1] + " w = (" + b[1] +
               ")v; wasm_rt_memcpy(base + addr, &w, sizeof w); }\n";
      insert_at = eol + 1;
    }
    pos = eol + 1;
  }
  if (insert_at == std::string::npos || insert_at > c.size()) {
    return internalError("unexpected wasm2c output (no DEFINE_LOAD list); wasm2c 1.0.32 is required");
  }
  c.insert(insert_at, kForceRead + std::string("#define WEIR_BASE_LOCAL u8* const weir_b = instance->weir_base;\n") + twins);
  const std::string kArg = "(instance->Z_wZ_m0, ";
  const std::string kNewArg = "_b(weir_b, ";
  std::string out;
  out.reserve(c.size());
  size_t last = 0;
  for (size_t p = c.find(kArg); p != std::string::npos; p = c.find(kArg, p + 1)) {
    size_t begin = p;
    while (begin > 0 && (std::isalnum(static_cast<unsigned char>(c[begin - 1])) || c[begin - 1] == '_')) --begin;
    if (!names.count(c.substr(begin, p - begin))) continue;
    out.append(c, last, p - last);
    out += kNewArg;
    last = p + kArg.size();
  }
  out.append(c, last, std::string::npos);
  c = std::move(out);
  const std::string kField = "  struct Z_w_instance_t* Z_w_instance;\n";
  size_t f = h.find(kField);
  if (f == std::string::npos) return internalError("unexpected wasm2c output (instance struct)");
  h.insert(f + kField.size(), "  u8* weir_base;\n");
  const std::string kInit = "  instance->Z_wZ_m0 = Z_wZ_m0(Z_w_instance);\n";
  if (size_t i = c.find(kInit); i != std::string::npos) {
    c.insert(i + kInit.size(), "  instance->weir_base = instance->Z_wZ_m0->data;\n");
  }
  return Status::ok();
}

}  // namespace

const char* cType(ValType t) {
  switch (t) {
    case ValType::kI32: return "u32";
    case ValType::kI64: return "u64";
    case ValType::kF32: return "f32";
    case ValType::kF64: return "f64";
    case ValType::kFuncRef: return "wasm_rt_funcref_t";
    case ValType::kExternRef: return "wasm_rt_externref_t";
    case ValType::kV128: return "weir_v128";
  }
  return "u32";
}

char mangleChar(ValType t) {
  switch (t) {
    case ValType::kI32: return 'i';
    case ValType::kI64: return 'j';
    case ValType::kF32: return 'f';
    case ValType::kF64: return 'd';
    case ValType::kFuncRef: return 'r';
    case ValType::kExternRef: return 'e';
    case ValType::kV128: return 'o';
  }
  return 'i';
}

// The C return type wasm2c gives a function of type `t`.
std::string returnType(const FuncType& t) {
  if (t.numResults() == 0) return "void";
  if (t.numResults() == 1) return cType(t.results()[0]);
  std::string s = "struct wasm_multi_";
  for (ValType r : t.results()) s += mangleChar(r);
  return s;
}

std::string runtimeHeader(MemoryChecks checks) {
  std::string h = kHeaderPrologue;
  h += std::string("#define WASM_RT_MEMCHECK_SIGNAL_HANDLER ") +
       (checks == MemoryChecks::kGuardPages ? "1" : "0") + "\n";
  h += "#define WEIR_AOT_ABI_VERSION " + std::to_string(kAbiVersion) + "u\n";
  h += kAbiSource;
  h += "\n";
  h += kHeaderEpilogue;
  return h;
}

Status patchGeneratedSource(std::string& c, std::string& h, MemoryChecks checks) {
  auto replaceOnce = [&](const std::string& from, const std::string& to, const char* what) -> Status {
    size_t pos = c.find(from);
    if (pos == std::string::npos) {
      return internalError(std::string("unexpected wasm2c output (no ") + what + "); wasm2c 1.0.32 is required");
    }
    c.replace(pos, from.size(), to);
    return Status::ok();
  };
  if (Status s = replaceOnce(kOrigPrologue, kNewPrologue, "FUNC_PROLOGUE"); !s.isOk()) return s;
  if (Status s = replaceOnce(kOrigCallIndirect, kNewCallIndirect, "CALL_INDIRECT"); !s.isOk()) return s;
  // Table helpers raise "out of bounds table access", not the memory one.
  size_t begin = c.find("static inline void funcref_table_init(");
  size_t end = c.find("static bool s_module_initialized");
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    return internalError("unexpected wasm2c output (table helpers); wasm2c 1.0.32 is required");
  }
  std::string tables = c.substr(begin, end - begin);
  for (size_t p = tables.find("TRAP(OOB)"); p != std::string::npos; p = tables.find("TRAP(OOB)", p)) {
    tables.replace(p, 9, "TRAP(TABLE_OOB)");
  }
  c.replace(begin, end - begin, tables);
  // Loop headers: "  w2c_L<N>: " on a line of its own.
  static const std::regex kLoop(R"(^( *w2c_L[0-9]+: )$)", std::regex::multiline);
  c = std::regex_replace(c, kLoop, "$1WEIR_POLL(weir_env);");
  // wasm2c keeps the environment pointer only when functions are imported;
  // weir's checks need it in every instance.
  const std::string kStruct = "typedef struct Z_m_instance_t {\n";
  const std::string kField = "  struct Z_w_instance_t* Z_w_instance;\n";
  size_t st = h.find(kStruct);
  if (st == std::string::npos) return internalError("unexpected wasm2c output (instance struct)");
  if (h.compare(st + kStruct.size(), kField.size(), kField) != 0) h.insert(st + kStruct.size(), kField);
  const std::string kInit =
      "static void init_instance_import(Z_m_instance_t* instance, struct Z_w_instance_t* Z_w_instance){\n";
  size_t in = c.find(kInit);
  if (in == std::string::npos) return internalError("unexpected wasm2c output (init_instance_import)");
  c.insert(in + kInit.size(), "  instance->Z_w_instance = Z_w_instance;\n");
  if (checks == MemoryChecks::kGuardPages) {
    if (Status s = useDirectMemoryBase(c, h); !s.isOk()) return s;
  } else {
    // Every access is range-checked, and the check traps whether or not the
    // loaded value is used: wasm2c's forced read only costs registers here.
    const std::string kForced = "wasm_asm(\"\" ::\"r\"(result));";
    size_t n = 0;
    for (size_t p = c.find(kForced); p != std::string::npos; p = c.find(kForced, p)) {
      c.replace(p, kForced.size(), "");
      ++n;
    }
    if (n == 0) return internalError("unexpected wasm2c output (DEFINE_LOAD); wasm2c 1.0.32 is required");
    c.insert(0, "#define WEIR_BASE_LOCAL\n");
  }
  c.insert(0, "#include <stdarg.h>\n");
  return Status::ok();
}

Status spliceFunctions(std::string& c, const std::vector<std::pair<uint32_t, std::string>>& definitions,
                       std::string_view prelude) {
  if (definitions.empty()) return Status::ok();
  std::string out;
  out.reserve(c.size() + prelude.size());
  // wasm2c writes the definitions in function order, each from a line
  // "static RET w2c_f<N>(Z_m_instance_t* instance...) {" to a line "}".
  size_t last = 0;
  for (const auto& [index, text] : definitions) {
    const std::string name = " w2c_f" + std::to_string(index) + "(Z_m_instance_t* instance";
    size_t at = c.find(name, last);
    size_t begin = at == std::string::npos ? at : c.rfind('\n', at);
    size_t end = at == std::string::npos ? at : c.find("\n}\n", at);
    if (begin == std::string::npos || end == std::string::npos || c.compare(begin + 1, 7, "static ") != 0) {
      return internalError("unexpected wasm2c output (no definition of w2c_f" + std::to_string(index) +
                           "); wasm2c 1.0.32 is required");
    }
    out.append(c, last, begin + 1 - last);
    if (last == 0) out += prelude;
    out += text;
    last = end + 3;
  }
  out.append(c, last, std::string::npos);
  c = std::move(out);
  return Status::ok();
}

std::string glueSource(const wasm::Module& m, const std::string& module_digest) {
  std::string g = kGlueRuntime;
  // Checked after dlopen: the loaded object is the one built for this module.
  g += "WEIR_EXPORT const char* weir_aot_module_digest(void) { return \"" + module_digest + "\"; }\n";
  g += "WEIR_EXPORT const char* weir_aot_isa(void) { return \"" + hostIsa() + "\"; }\n";
  // Host imports: arguments go to weir as 8-byte slots, results come back in them.
  // e->self is the environment whether wasm2c passed it or a pointer to the
  // instance field holding it (element segments do the latter).
  uint32_t func_index = 0;
  for (const Import& imp : m.imports) {
    if (imp.kind != ExternKind::kFunc) continue;
    const FuncType& t = m.types[imp.func_type_index];
    uint32_t n = std::max<uint32_t>(1, std::max(t.numParams(), t.numResults()));
    std::string name = "Z_wZ_f" + std::to_string(func_index);
    g += returnType(t) + " " + name + "(struct weir_aot_env* e";
    for (uint32_t k = 0; k < t.numParams(); ++k) g += std::string(", ") + cType(t.params()[k]) + " p" + std::to_string(k);
    g += ") {\n  struct weir_aot_env* env = e->self;\n  uint64_t s[" + std::to_string(n) + "];\n";
    for (uint32_t k = 0; k < t.numParams(); ++k) g += "  " + toSlot(t.params()[k], k, "p" + std::to_string(k)) + "\n";
    g += "  if (env->host_call(env->host, " + std::to_string(func_index) + "u, s)) wasm_rt_trap(WASM_RT_TRAP_HOST);\n";
    if (t.numResults() == 1) {
      g += "  return " + fromSlot(t.results()[0], 0) + ";\n";
    } else if (t.numResults() > 1) {
      g += "  " + returnType(t) + " r;\n";
      for (uint32_t k = 0; k < t.numResults(); ++k) {
        ValType rt = t.results()[k];
        g += std::string("  r.") + mangleChar(rt) + std::to_string(k) + " = " + fromSlot(rt, k) + ";\n";
      }
      g += "  return r;\n";
    }
    g += "}\n";
    ++func_index;
  }
  // Globals and the memory live in weir; the getters hand out their addresses.
  for (uint32_t k = 0; k < m.num_imported_globals + m.globals.size(); ++k) {
    ValType t = k < m.num_imported_globals ? m.imports[m.imports_by_kind[3][k]].global.type
                                           : m.globals[k - m.num_imported_globals].type.type;
    std::string ct = cType(t);
    g += ct + "* Z_wZ_g" + std::to_string(k) + "(struct weir_aot_env* e) { return (" + ct + "*)e->globals[" +
         std::to_string(k) + "]; }\n";
  }
  g += "u32* Z_wZ_z(struct weir_aot_env* e) { static u32 zero; (void)e; return &zero; }\n";
  if (m.num_imported_memories + m.memories.size() > 0) {
    g += "wasm_rt_memory_t* Z_wZ_m0(struct weir_aot_env* e) { return e->memory; }\n";
  }
  // Entry trampolines, one per defined function, indexed by defined index.
  g += "typedef void (*weir_entry_fn)(Z_m_instance_t*, uint64_t*);\n";
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    uint32_t fi = m.num_imported_funcs + i;
    const FuncType& t = m.types[m.functions[i].type_index];
    g += "static void weir_entry_" + std::to_string(i) +
         "(Z_m_instance_t* instance, uint64_t* s) {\n  struct weir_aot_env* env = instance->Z_w_instance;\n  (void)env;\n  ";
    if (t.numResults() > 0) g += returnType(t) + " r = ";
    g += "w2c_f" + std::to_string(fi) + "(instance";
    for (uint32_t k = 0; k < t.numParams(); ++k) g += ", " + fromSlot(t.params()[k], k);
    g += ");\n";
    if (t.numResults() > 0) g += storeResults(t);
    g += "}\n";
  }
  g += "static const weir_entry_fn weir_entries[] = {";
  for (uint32_t i = 0; i < m.functions.size(); ++i) g += "weir_entry_" + std::to_string(i) + ",";
  if (m.functions.empty()) g += "NULL";
  g += "};\n";
  // Function pointers by index (imports are their thunks): maps a funcref back
  // to a weir Function when it leaves compiled code.
  g += "static const wasm_rt_function_ptr_t weir_func_ptrs[] = {";
  for (uint32_t i = 0; i < m.num_imported_funcs; ++i) g += "(wasm_rt_function_ptr_t)Z_wZ_f" + std::to_string(i) + ",";
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    g += "(wasm_rt_function_ptr_t)w2c_f" + std::to_string(m.num_imported_funcs + i) + ",";
  }
  if (m.num_imported_funcs + m.functions.size() == 0) g += "NULL";
  g += "};\n";
  g += kGlueEntryPoints;
  return g;
}

}  // namespace weir::wasm::aot

// The dispatch loop: computed-goto threading over the code built by
// translator.cc. One native frame runs any depth of Wasm calls (call frames
// live in ExecContext::frames), so deep guest recursion can only exhaust the
// configured limits, never the native stack.
#include "wasm/interp/interpreter.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "wasm/interp/numeric.h"
#include "wasm/interp/ops.h"
#include "wasm/runtime/instance.h"
#include "wasm/simd/simd_ops.h"

namespace weir::wasm::interp {

using runtime::Function;
using runtime::Instance;
using runtime::Memory;
using runtime::Table;
using runtime::TrapKind;
using runtime::Value;
namespace sd = weir::wasm::simd;

namespace {

template <typename T>
inline T rd(const uint64_t* s) {
  T v;
  std::memcpy(&v, s, sizeof(T));
  return v;
}
template <typename T>
inline void wr(uint64_t* s, T v) {
  if constexpr (sizeof(T) < 8) {
    uint64_t x = 0;
    std::memcpy(&x, &v, sizeof(T));
    *s = x;
  } else {
    std::memcpy(s, &v, 8);
  }
}
// A value loaded from memory as a binop operand: floats keep their bit
// pattern, narrow integers are zero-extended.
template <typename T, typename M>
inline T fromMem(M m) {
  if constexpr (std::is_floating_point_v<T>) {
    static_assert(sizeof(T) == sizeof(M));
    return std::bit_cast<T>(m);
  } else {
    return static_cast<T>(m);
  }
}
inline sd::V128 rdV(const uint64_t* s) {
  sd::V128 v;
  std::memcpy(v.bytes, s, 16);
  return v;
}
inline void wrV(uint64_t* s, const sd::V128& v) { std::memcpy(s, v.bytes, 16); }

constexpr uint64_t kSlotMask = kMaxSlots;

using SimdUnFn = sd::V128 (*)(const sd::V128&);
using SimdBinFn = sd::V128 (*)(const sd::V128&, const sd::V128&);
using SimdTernFn = sd::V128 (*)(const sd::V128&, const sd::V128&, const sd::V128&);
using SimdShiftFn = sd::V128 (*)(const sd::V128&, uint32_t);
using SimdTestFn = uint32_t (*)(const sd::V128&);
using SimdSplatFn = sd::V128 (*)(uint64_t);
using SimdExtractFn = uint64_t (*)(const sd::V128&, uint32_t);
using SimdReplaceFn = sd::V128 (*)(const sd::V128&, uint32_t, uint64_t);
using SimdLoadFn = sd::V128 (*)(const uint8_t*);
using SimdLoadLaneFn = sd::V128 (*)(const uint8_t*, const sd::V128&, uint32_t);
using SimdStoreLaneFn = void (*)(uint8_t*, const sd::V128&, uint32_t);

template <typename F>
F fnAt(const Word& w) {
  return reinterpret_cast<F>(w.u);
}

void fillBacktrace(ExecContext& ctx, Function* current, uint32_t entry_depth, const Word* pc) {
  auto add = [&](Function* f, const Word* at) {
    if (!f || f->isHost() || !f->instance_) return;
    runtime::BacktraceFrame fr;
    fr.func_index = f->func_index_;
    fr.func_name = std::string(f->instance_->module().decoded().functionName(f->func_index_));
    if (at && f->code_ && !f->code_->code.empty()) {
      fr.code_offset = static_cast<uint32_t>(at - f->code_->code.data());
    }
    ctx.trap.backtrace.push_back(std::move(fr));
  };
  add(current, pc);
  for (uint32_t i = ctx.depth; i > entry_depth + 1; --i) {
    const CallFrame& fr = ctx.frames[i - 1];
    add(fr.func, fr.ret_pc);
  }
}

// The end of a host call: exit, error or success.
bool hostReturned(ExecContext& ctx, const runtime::Caller& caller, const Status& s, TrapKind& kind,
                  std::string& message) {
  if (caller.exiting()) {
    ctx.trap.exit_code = caller.exitCode();
    kind = TrapKind::kExit;
    message = "exit";
    return false;
  }
  if (!s.isOk()) {
    kind = TrapKind::kHostError;
    message = s.message();
    return false;
  }
  return true;
}

// Calls a host function with arguments in new_fp's slots; results go back to
// the same slots. Kept out of the dispatch function: its locals have
// destructors, which computed gotos must not jump across.
bool callHost(ExecContext& ctx, Function* callee, uint64_t* new_fp, Instance* caller_inst, CallFrame frame,
              TrapKind& kind, std::string& message) {
  const FuncType& ft = *callee->type_;
  size_t np = ft.numParams(), nr = ft.numResults();
  if (callee->slot_fn_) {
    // Scalar: the arguments are new_fp's slots as they are, and so are the results.
    if (ctx.depth >= ctx.max_depth) {
      kind = TrapKind::kCallStackExhausted;
      return false;
    }
    uint64_t* saved_top = ctx.stack_top;
    ctx.stack_top = new_fp + std::max(np, nr);
    ctx.frames[ctx.depth++] = frame;
    runtime::Caller caller(caller_inst);
    Status s = callee->slot_fn_(caller, callee->slot_user_data_, new_fp);
    --ctx.depth;
    ctx.stack_top = saved_top;
    return hostReturned(ctx, caller, s, kind, message);
  }
  if (ctx.host_values.empty()) ctx.host_values.resize(4096);
  if (ctx.host_values_top + np + nr > ctx.host_values.size() || ctx.depth >= ctx.max_depth) {
    kind = TrapKind::kCallStackExhausted;
    return false;
  }
  Value* args = ctx.host_values.data() + ctx.host_values_top;
  Value* results = args + np;
  uint32_t off = 0;
  for (size_t i = 0; i < np; ++i) {
    args[i] = runtime::slotsToValue(ft.params()[i], new_fp + off);
    off += runtime::slotCount(ft.params()[i]);
  }
  for (size_t i = 0; i < nr; ++i) results[i] = Value::zero(ft.results()[i]);
  uint32_t result_slots = 0;
  for (ValType t : ft.results()) result_slots += runtime::slotCount(t);
  uint64_t* saved_top = ctx.stack_top;
  ctx.stack_top = new_fp + std::max(off, result_slots);
  ctx.host_values_top += np + nr;
  // Host frames count against the depth limit so host<->guest recursion is bounded.
  ctx.frames[ctx.depth++] = frame;
  runtime::Caller caller(caller_inst);
  Status s = callee->host_fn_(caller, callee->user_data_, args, results);
  --ctx.depth;
  ctx.host_values_top -= np + nr;
  ctx.stack_top = saved_top;
  if (!hostReturned(ctx, caller, s, kind, message)) return false;
  off = 0;
  for (size_t i = 0; i < nr; ++i) {
    runtime::valueToSlots(results[i], new_fp + off);
    off += runtime::slotCount(ft.results()[i]);
  }
  return true;
}

}  // namespace

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define WEIR_INTERP_REG register
#define WEIR_INTERP_REG_NAME(r) __asm__(r)
#else
#define WEIR_INTERP_REG
#define WEIR_INTERP_REG_NAME(r)
#endif

// Returns true when the function returned normally. With labels_out set, only
// hands out the handler table.
static bool run(ExecContext* ctx_ptr, Function* entry, uint64_t* entry_fp, const void* const** labels_out) {
#define WEIR_LABEL3(name, ...) &&L_##name, &&L_##name##I,
#define WEIR_LABEL(name, ...) &&L_##name,
#define WEIR_LABEL_BR(name, ...) &&L_BrIf##name, &&L_BrIf##name##I,
#define WEIR_LABEL_BR_LOOP(name, ...) &&L_BrIf##name##Loop, &&L_BrIf##name##I##Loop,
  static const void* const kLabels[] = {
      WEIR_INTERP_BINOPS_IMM(WEIR_LABEL3)
      WEIR_INTERP_BINOPS(WEIR_LABEL)
      WEIR_INTERP_UNOPS(WEIR_LABEL)
      WEIR_INTERP_TRUNC_SAT(WEIR_LABEL)
      WEIR_INTERP_TRUNC(WEIR_LABEL)
      WEIR_INTERP_LOADS(WEIR_LABEL)
      WEIR_INTERP_STORES(WEIR_LABEL)
      WEIR_INTERP_BINOPS_MEM(WEIR_LABEL)
      WEIR_INTERP_RMW(WEIR_LABEL)
      WEIR_INTERP_BINOPS_SHIFTED(WEIR_LABEL)
      WEIR_INTERP_BRCMP(WEIR_LABEL_BR)
      WEIR_INTERP_BRCMP(WEIR_LABEL_BR_LOOP)
      WEIR_INTERP_MISC_OPS(WEIR_LABEL)
  };
#undef WEIR_LABEL3
#undef WEIR_LABEL
#undef WEIR_LABEL_BR
#undef WEIR_LABEL_BR_LOOP
  static_assert(sizeof(kLabels) / sizeof(kLabels[0]) == static_cast<size_t>(Op::kCount));
  if (labels_out) {
    *labels_out = kLabels;
    return true;
  }

  ExecContext& ctx = *ctx_ptr;
  const uint32_t entry_depth = ctx.depth;
  Instance& root = ctx.owner;
  const std::atomic<bool>* interrupt = &root.interrupt_;

  Function* func = nullptr;
  Instance* inst = nullptr;
  Memory* mem = nullptr;
  // The four values every handler uses. GCC's allocator, facing one function
  // with hundreds of computed-goto successors, otherwise tends to spill some
  // of them to the stack, which costs a load in nearly every handler; pinning
  // them to callee-saved registers is only a hint (semantics do not change).
  WEIR_INTERP_REG uint8_t* mb WEIR_INTERP_REG_NAME("r12") = nullptr;
  WEIR_INTERP_REG uint64_t ms WEIR_INTERP_REG_NAME("r13") = 0;
  WEIR_INTERP_REG uint64_t* fp WEIR_INTERP_REG_NAME("r14") = nullptr;
  WEIR_INTERP_REG const Word* pc WEIR_INTERP_REG_NAME("r15") = nullptr;

  // Call protocol state.
  Function* callee = entry;
  uint64_t* new_fp = entry_fp;
  const Word* ret = nullptr;
  TrapKind trap_kind = TrapKind::kUnreachable;
  std::string trap_message;

#define NEXT() goto *pc->op
#define TRAP(kind) do { trap_kind = TrapKind::kind; goto trap; } while (0)
#define RELOAD_MEMORY()                   \
  do {                                    \
    mem = inst->memory0_;                 \
    mb = mem ? mem->base_ : nullptr;      \
    ms = mem ? mem->size_ : 0;            \
  } while (0)
#define D3 (fp + (pc[1].u & kSlotMask))
#define A3 (fp + ((pc[1].u >> kSlotBits) & kSlotMask))
#define B3 (fp + (pc[1].u >> (2 * kSlotBits)))
#define LO (fp + pc[1].p.lo)
#define HI (fp + pc[1].p.hi)

call_enter : {
  if (callee->host_fn_) {
    if (!callHost(ctx, callee, new_fp, inst ? inst : &root, CallFrame{ret, fp, func}, trap_kind, trap_message)) {
      goto trap;
    }
    if (!ret) return true;  // called directly from native code
    pc = ret;
    if (inst) RELOAD_MEMORY();
    NEXT();
  }
  const CompiledFunc* cf = callee->code_;
  if (ctx.depth >= ctx.max_depth || new_fp + cf->frame_slots > ctx.stack_end) {
    TRAP(kCallStackExhausted);
  }
  if (interrupt->load(std::memory_order_relaxed)) TRAP(kInterrupted);
  if (root.fuel_enabled_ && --root.fuel_ < 0) TRAP(kOutOfFuel);
  ctx.frames[ctx.depth++] = CallFrame{ret, fp, func};
  std::memset(new_fp + cf->num_param_slots, 0, cf->num_local_slots * sizeof(uint64_t));
  fp = new_fp;
  func = callee;
  pc = cf->code.data();
  if (callee->instance_ != inst) {
    inst = callee->instance_;
    RELOAD_MEMORY();
  }
  NEXT();
}

  // ---- numeric
#define BIN_IMM(name, T, R, expr)                                       \
  L_##name : {                                                          \
    T a = rd<T>(A3);                                                    \
    T b = rd<T>(B3);                                                    \
    wr<R>(D3, static_cast<R>(expr));                                    \
    pc += 2;                                                            \
    NEXT();                                                             \
  }                                                                     \
  L_##name##I : {                                                       \
    T a = rd<T>(HI);                                                    \
    T b = static_cast<T>(pc[2].u);                                      \
    wr<R>(LO, static_cast<R>(expr));                                    \
    pc += 3;                                                            \
    NEXT();                                                             \
  }
  WEIR_INTERP_BINOPS_IMM(BIN_IMM)
#undef BIN_IMM
#define BIN(name, T, R, expr)          \
  L_##name : {                         \
    T a = rd<T>(A3);                   \
    T b = rd<T>(B3);                   \
    wr<R>(D3, static_cast<R>(expr));   \
    pc += 2;                           \
    NEXT();                            \
  }
  WEIR_INTERP_BINOPS(BIN)
#undef BIN
#define UN(name, T, R, expr)          \
  L_##name : {                        \
    T a = rd<T>(HI);                  \
    wr<R>(LO, static_cast<R>(expr));  \
    pc += 2;                          \
    NEXT();                           \
  }
  WEIR_INTERP_UNOPS(UN)
#undef UN
#define SAT(name, F, I)                  \
  L_##name : {                           \
    F a = rd<F>(HI);                     \
    wr<I>(LO, truncSat<I, F>(a));        \
    pc += 2;                             \
    NEXT();                              \
  }
  WEIR_INTERP_TRUNC_SAT(SAT)
#undef SAT
#define TRUNC(name, F, I)                                 \
  L_##name : {                                            \
    F a = rd<F>(HI);                                      \
    if (std::isnan(a)) TRAP(kInvalidConversion);          \
    if (!truncFits<I, F>(a)) TRAP(kIntegerOverflow);      \
    wr<I>(LO, static_cast<I>(a));                         \
    pc += 2;                                              \
    NEXT();                                               \
  }
  WEIR_INTERP_TRUNC(TRUNC)
#undef TRUNC

  // (a + c1) & c2, e.g. a byte's offset from a character: [op][d|a][c1|c2]
  L_I32AddAndI : {
    wr<uint32_t>(LO, (rd<uint32_t>(HI) + pc[2].p.lo) & pc[2].p.hi);
    pc += 3;
    NEXT();
  }
  // Two consecutive adds of constants, in order: [op][d2|a2][d1|a1][c1|c2]
  L_I32AddIPair : {
    wr<uint32_t>(fp + pc[2].p.lo, rd<uint32_t>(fp + pc[2].p.hi) + pc[3].p.lo);
    wr<uint32_t>(LO, rd<uint32_t>(HI) + pc[3].p.hi);
    pc += 4;
    NEXT();
  }
  // Two consecutive register adds, in order: [op][second d|a|b][first d|a|b]
  L_I32AddPair : {
    uint64_t w = pc[2].u;
    wr<uint32_t>(fp + (w & kSlotMask),
                 rd<uint32_t>(fp + ((w >> kSlotBits) & kSlotMask)) + rd<uint32_t>(fp + (w >> (2 * kSlotBits))));
    wr<uint32_t>(D3, rd<uint32_t>(A3) + rd<uint32_t>(B3));
    pc += 3;
    NEXT();
  }
  // a op shift(s, c): [op][d|a|s][c]
#define SHIFTED(name, base, shift, T, expr)  \
  L_##name : {                               \
    T a = rd<T>(A3);                         \
    T s = rd<T>(B3);                         \
    T c = static_cast<T>(pc[2].u);           \
    wr<T>(D3, expr);                         \
    pc += 3;                                 \
    NEXT();                                  \
  }
  WEIR_INTERP_BINOPS_SHIFTED(SHIFTED)
#undef SHIFTED
  L_I32DivS : {
    int32_t a = rd<int32_t>(A3), b = rd<int32_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    if (a == INT32_MIN && b == -1) TRAP(kIntegerOverflow);
    wr<int32_t>(D3, a / b);
    pc += 2;
    NEXT();
  }
  L_I32DivU : {
    uint32_t a = rd<uint32_t>(A3), b = rd<uint32_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    wr<uint32_t>(D3, a / b);
    pc += 2;
    NEXT();
  }
  L_I32RemS : {
    int32_t a = rd<int32_t>(A3), b = rd<int32_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    wr<int32_t>(D3, b == -1 ? 0 : a % b);
    pc += 2;
    NEXT();
  }
  L_I32RemU : {
    uint32_t a = rd<uint32_t>(A3), b = rd<uint32_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    wr<uint32_t>(D3, a % b);
    pc += 2;
    NEXT();
  }
  L_I64DivS : {
    int64_t a = rd<int64_t>(A3), b = rd<int64_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    if (a == INT64_MIN && b == -1) TRAP(kIntegerOverflow);
    wr<int64_t>(D3, a / b);
    pc += 2;
    NEXT();
  }
  L_I64DivU : {
    uint64_t a = rd<uint64_t>(A3), b = rd<uint64_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    wr<uint64_t>(D3, a / b);
    pc += 2;
    NEXT();
  }
  L_I64RemS : {
    int64_t a = rd<int64_t>(A3), b = rd<int64_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    wr<int64_t>(D3, b == -1 ? 0 : a % b);
    pc += 2;
    NEXT();
  }
  L_I64RemU : {
    uint64_t a = rd<uint64_t>(A3), b = rd<uint64_t>(B3);
    if (b == 0) TRAP(kIntegerDivideByZero);
    wr<uint64_t>(D3, a % b);
    pc += 2;
    NEXT();
  }

  // ---- memory: [op][d|addr][offset|addend], [op][addr|value][offset|addend]
#define EA(addr_slot) (uint64_t{rd<uint32_t>(addr_slot) + pc[2].p.hi} + pc[2].p.lo)
#define LOAD(name, M, S)                                          \
  L_##name : {                                                    \
    uint64_t ea = EA(HI);                                         \
    if (ea + sizeof(M) > ms) TRAP(kMemoryOutOfBounds);            \
    M v;                                                          \
    std::memcpy(&v, mb + ea, sizeof(M));                          \
    wr<S>(LO, static_cast<S>(v));                                 \
    pc += 3;                                                      \
    NEXT();                                                       \
  }
  WEIR_INTERP_LOADS(LOAD)
#undef LOAD
#define STORE(name, S, M)                                         \
  L_##name : {                                                    \
    uint64_t ea = EA(LO);                                         \
    if (ea + sizeof(M) > ms) TRAP(kMemoryOutOfBounds);            \
    M v = static_cast<M>(rd<S>(HI));                              \
    std::memcpy(mb + ea, &v, sizeof(M));                          \
    pc += 3;                                                      \
    NEXT();                                                       \
  }
  WEIR_INTERP_STORES(STORE)
#undef STORE
  // The operands of a fused memory op: `a` from its slot, `b` loaded from
  // the effective address `ea` (bounds-checked like the load).
#define MEM_OPERANDS(M, T)                                        \
  uint64_t ea = EA(B3);                                           \
  if (ea + sizeof(M) > ms) TRAP(kMemoryOutOfBounds);              \
  M m;                                                            \
  std::memcpy(&m, mb + ea, sizeof(M));                            \
  T a = rd<T>(A3);                                                \
  T b = fromMem<T>(m)
  // Binop with a memory operand: [op][d|a|addr][offset|addend]. The load
  // traps exactly as the unfused load would; the binop itself cannot trap.
#define BINMEM(name, base, load, M, T, R, expr)                   \
  L_##name : {                                                    \
    MEM_OPERANDS(M, T);                                           \
    wr<R>(D3, static_cast<R>(expr));                              \
    pc += 3;                                                      \
    NEXT();                                                       \
  }
  WEIR_INTERP_BINOPS_MEM(BINMEM)
#undef BINMEM
  // Read-modify-write: [op][-|a|addr][offset|addend]
#define RMW(name, memop, store, M, T, expr)                       \
  L_##name : {                                                    \
    MEM_OPERANDS(M, T);                                           \
    T r = expr;                                                   \
    std::memcpy(mb + ea, &r, sizeof(M));                          \
    pc += 3;                                                      \
    NEXT();                                                       \
  }
  WEIR_INTERP_RMW(RMW)
#undef RMW
#undef MEM_OPERANDS
#undef EA

  // ---- fused compare + branch: [op][a|b][target], [op][a|imm][target]
// POLL: nothing for forward branches, LOOP_POLL for loop back-edges.
#define NO_POLL() ((void)0)
#define LOOP_POLL()                                                          \
  do {                                                                       \
    if (interrupt->load(std::memory_order_relaxed)) TRAP(kInterrupted);      \
    if (root.fuel_enabled_ && --root.fuel_ < 0) TRAP(kOutOfFuel);            \
  } while (0)
#define TAKE_IF(cond, POLL)                                   \
  do {                                                        \
    if (cond) {                                               \
      POLL();                                                 \
      pc = static_cast<const Word*>(pc[2].op);                \
    } else {                                                  \
      pc += 3;                                                \
    }                                                         \
    NEXT();                                                   \
  } while (0)
#define BRCMP_V(name, T, cond, suffix, POLL)                  \
  L_BrIf##name##suffix : {                                    \
    T a = rd<T>(LO);                                          \
    T b = rd<T>(HI);                                          \
    TAKE_IF(cond, POLL);                                      \
  }                                                           \
  L_BrIf##name##I##suffix : {                                 \
    T a = rd<T>(LO);                                          \
    T b = static_cast<T>(pc[1].p.hi);                         \
    TAKE_IF(cond, POLL);                                      \
  }
#define BRCMP(name, T, cond) BRCMP_V(name, T, cond, , NO_POLL)
#define BRCMP_LOOP(name, T, cond) BRCMP_V(name, T, cond, Loop, LOOP_POLL)
  WEIR_INTERP_BRCMP(BRCMP)
  WEIR_INTERP_BRCMP(BRCMP_LOOP)
#undef BRCMP_LOOP
#undef BRCMP_V
#undef BRCMP

  // ---- control and variables
  L_Unreachable : TRAP(kUnreachable);
  L_Copy : {
    *LO = *HI;
    pc += 2;
    NEXT();
  }
  // Two consecutive copies, in order: [op][d2|s2][d1|s1]
  L_CopyPair : {
    fp[pc[2].p.lo] = fp[pc[2].p.hi];
    *LO = *HI;
    pc += 3;
    NEXT();
  }
  L_Copy2 : {
    uint64_t* d = LO;
    const uint64_t* s = HI;
    d[0] = s[0];
    d[1] = s[1];
    pc += 2;
    NEXT();
  }
  L_Const : {
    *LO = pc[2].u;
    pc += 3;
    NEXT();
  }
  L_Br : {
    pc = static_cast<const Word*>(pc[1].op);
    NEXT();
  }
  L_BrLoop : {
    LOOP_POLL();
    pc = static_cast<const Word*>(pc[1].op);
    NEXT();
  }
  L_BrIf : TAKE_IF(rd<uint32_t>(fp + pc[1].u), NO_POLL);
  L_BrIfLoop : TAKE_IF(rd<uint32_t>(fp + pc[1].u), LOOP_POLL);
  L_BrUnless : TAKE_IF(!rd<uint32_t>(fp + pc[1].u), NO_POLL);
  L_BrUnlessLoop : TAKE_IF(!rd<uint32_t>(fp + pc[1].u), LOOP_POLL);
  L_BrTable : {
    uint32_t i = rd<uint32_t>(LO);
    uint32_t n = pc[1].p.hi;
    if (i > n) i = n;
    pc = static_cast<const Word*>(pc[2 + i].op);
    NEXT();
  }
  L_ReturnCopy : {  // the single result's slot: [op][s]
    *fp = fp[pc[1].u];
    goto L_Return;
  }
  L_Return : {
    const CallFrame& fr = ctx.frames[--ctx.depth];
    if (!fr.ret_pc) return true;
    pc = fr.ret_pc;
    fp = fr.fp;
    func = fr.func;
    inst = func->instance_;
    RELOAD_MEMORY();
    NEXT();
  }
  L_LoopCheck : {
    LOOP_POLL();
    pc += 1;
    NEXT();
  }
  L_Call : {
    callee = inst->func_ptrs_[pc[1].p.lo];
    new_fp = fp + pc[1].p.hi;
    ret = pc + 2;
    goto call_enter;
  }
  L_CallIndirect : {
    Table* t = inst->table_ptrs_[pc[1].p.hi];
    uint32_t i = rd<uint32_t>(fp + pc[2].p.hi);
    if (i >= t->elems_.size()) TRAP(kUndefinedElement);
    runtime::Ref r = t->elems_[i];
    if (r == runtime::kNullRef) TRAP(kUninitializedElement);
    callee = reinterpret_cast<Function*>(r);
    if (callee->type_id_ != inst->type_ids_[pc[1].p.lo]) TRAP(kIndirectCallTypeMismatch);
    new_fp = fp + pc[2].p.lo;
    ret = pc + 3;
    goto call_enter;
  }
  L_Select : {
    *D3 = rd<uint32_t>(fp + pc[2].u) ? *A3 : *B3;
    pc += 3;
    NEXT();
  }
  L_Select2 : {
    const uint64_t* s = rd<uint32_t>(fp + pc[2].u) ? A3 : B3;
    uint64_t* d = D3;
    uint64_t s0 = s[0], s1 = s[1];
    d[0] = s0;
    d[1] = s1;
    pc += 3;
    NEXT();
  }
  L_GlobalGet : {
    *LO = inst->global_slots_[pc[1].p.hi][0];
    pc += 2;
    NEXT();
  }
  L_GlobalGet2 : {
    const uint64_t* g = inst->global_slots_[pc[1].p.hi];
    LO[0] = g[0];
    LO[1] = g[1];
    pc += 2;
    NEXT();
  }
  L_GlobalSet : {
    inst->global_slots_[pc[1].p.hi][0] = *LO;
    pc += 2;
    NEXT();
  }
  L_GlobalSet2 : {
    uint64_t* g = inst->global_slots_[pc[1].p.hi];
    g[0] = LO[0];
    g[1] = LO[1];
    pc += 2;
    NEXT();
  }
  L_TableGet : {
    Table* t = inst->table_ptrs_[pc[2].u];
    uint32_t i = rd<uint32_t>(HI);
    if (i >= t->elems_.size()) TRAP(kTableOutOfBounds);
    *LO = t->elems_[i];
    pc += 3;
    NEXT();
  }
  L_TableSet : {
    Table* t = inst->table_ptrs_[pc[2].u];
    uint32_t i = rd<uint32_t>(LO);
    if (i >= t->elems_.size()) TRAP(kTableOutOfBounds);
    t->elems_[i] = *HI;
    pc += 3;
    NEXT();
  }
  L_MemorySize : {
    wr<uint32_t>(LO, static_cast<uint32_t>(ms / kPageSize));
    pc += 2;
    NEXT();
  }
  L_MemoryGrow : {
    uint32_t delta = rd<uint32_t>(HI);
    int32_t r = mem ? mem->grow(delta) : -1;
    RELOAD_MEMORY();
    wr<int32_t>(LO, r);
    pc += 2;
    NEXT();
  }
  L_RefFunc : {
    *LO = reinterpret_cast<uint64_t>(inst->func_ptrs_[pc[1].p.hi]);
    pc += 2;
    NEXT();
  }

  // ---- bulk memory and tables: operands (d, s, n) packed in one word
#define P3_0 rd<uint32_t>(fp + (w & kSlotMask))
#define P3_1 (fp + ((w >> kSlotBits) & kSlotMask))
#define P3_2 rd<uint32_t>(fp + (w >> (2 * kSlotBits)))
  L_MemoryInit : {
    uint32_t seg = static_cast<uint32_t>(pc[1].u);
    uint64_t w = pc[2].u;
    uint64_t d = P3_0, s = rd<uint32_t>(P3_1), n = P3_2;
    const auto& ds = inst->module().decoded().data[seg];
    uint64_t seg_size = inst->data_dropped_[seg] ? 0 : ds.data_size;
    if (s + n > seg_size || d + n > ms) TRAP(kMemoryOutOfBounds);
    if (n) std::memcpy(mb + d, inst->module().decoded().bytes.data() + ds.data_offset + s, n);
    pc += 3;
    NEXT();
  }
  L_DataDrop : {
    inst->data_dropped_[pc[1].u] = true;
    pc += 2;
    NEXT();
  }
  L_MemoryCopy : {
    uint64_t w = pc[1].u;
    uint64_t d = P3_0, s = rd<uint32_t>(P3_1), n = P3_2;
    if (s + n > ms || d + n > ms) TRAP(kMemoryOutOfBounds);
    if (n) std::memmove(mb + d, mb + s, n);
    pc += 2;
    NEXT();
  }
  L_MemoryFill : {
    uint64_t w = pc[1].u;
    uint64_t d = P3_0, n = P3_2;
    uint8_t v = static_cast<uint8_t>(rd<uint32_t>(P3_1));
    if (d + n > ms) TRAP(kMemoryOutOfBounds);
    if (n) std::memset(mb + d, v, n);
    pc += 2;
    NEXT();
  }
  L_TableInit : {
    Table* t = inst->table_ptrs_[pc[1].p.lo];
    const auto& seg = inst->elem_segments_[pc[1].p.hi];
    uint64_t w = pc[2].u;
    uint64_t d = P3_0, s = rd<uint32_t>(P3_1), n = P3_2;
    if (s + n > seg.size() || d + n > t->elems_.size()) TRAP(kTableOutOfBounds);
    for (uint64_t i = 0; i < n; ++i) t->elems_[d + i] = seg[s + i];
    pc += 3;
    NEXT();
  }
  L_ElemDrop : {
    inst->elem_segments_[pc[1].u].clear();
    inst->elem_segments_[pc[1].u].shrink_to_fit();
    pc += 2;
    NEXT();
  }
  L_TableCopy : {
    Table* dt = inst->table_ptrs_[pc[1].p.lo];
    Table* st = inst->table_ptrs_[pc[1].p.hi];
    uint64_t w = pc[2].u;
    uint64_t d = P3_0, s = rd<uint32_t>(P3_1), n = P3_2;
    if (s + n > st->elems_.size() || d + n > dt->elems_.size()) TRAP(kTableOutOfBounds);
    if (n) std::memmove(dt->elems_.data() + d, st->elems_.data() + s, n * sizeof(runtime::Ref));
    pc += 3;
    NEXT();
  }
  L_TableGrow : {
    Table* t = inst->table_ptrs_[pc[1].u];
    uint64_t w = pc[2].u;
    runtime::Ref init = *P3_1;
    uint32_t n = P3_2;
    wr<int32_t>(fp + (w & kSlotMask), t->grow(n, init));
    pc += 3;
    NEXT();
  }
  L_TableSize : {
    wr<uint32_t>(LO, inst->table_ptrs_[pc[1].p.hi]->size());
    pc += 2;
    NEXT();
  }
  L_TableFill : {
    Table* t = inst->table_ptrs_[pc[1].u];
    uint64_t w = pc[2].u;
    uint64_t i = P3_0, n = P3_2;
    runtime::Ref v = *P3_1;
    if (i + n > t->elems_.size()) TRAP(kTableOutOfBounds);
    for (uint64_t k = 0; k < n; ++k) t->elems_[i + k] = v;
    pc += 3;
    NEXT();
  }
#undef P3_0
#undef P3_1
#undef P3_2

  // ---- SIMD (semantics in wasm/simd; these only move operands)
  L_V128Const : {
    LO[0] = pc[2].u;
    LO[1] = pc[3].u;
    pc += 4;
    NEXT();
  }
  L_SimdUnary : {
    wrV(LO, fnAt<SimdUnFn>(pc[2])(rdV(HI)));
    pc += 3;
    NEXT();
  }
  L_SimdBinary : {
    wrV(D3, fnAt<SimdBinFn>(pc[2])(rdV(A3), rdV(B3)));
    pc += 3;
    NEXT();
  }
  L_SimdTernary : {
    wrV(D3, fnAt<SimdTernFn>(pc[3])(rdV(A3), rdV(B3), rdV(fp + pc[2].u)));
    pc += 4;
    NEXT();
  }
  L_SimdShift : {
    wrV(D3, fnAt<SimdShiftFn>(pc[2])(rdV(A3), rd<uint32_t>(B3)));
    pc += 3;
    NEXT();
  }
  L_SimdToI32 : {
    wr<uint32_t>(LO, fnAt<SimdTestFn>(pc[2])(rdV(HI)));
    pc += 3;
    NEXT();
  }
  L_SimdSplat : {
    wrV(LO, fnAt<SimdSplatFn>(pc[2])(*HI));
    pc += 3;
    NEXT();
  }
  L_SimdExtract : {
    *LO = fnAt<SimdExtractFn>(pc[2])(rdV(HI), static_cast<uint32_t>(pc[3].u));
    pc += 4;
    NEXT();
  }
  L_SimdReplace : {
    wrV(D3, fnAt<SimdReplaceFn>(pc[2])(rdV(A3), static_cast<uint32_t>(pc[3].u), *B3));
    pc += 4;
    NEXT();
  }
  L_SimdShuffle : {
    uint8_t lanes[16];
    std::memcpy(lanes, &pc[2].u, 8);
    std::memcpy(lanes + 8, &pc[3].u, 8);
    wrV(D3, sd::i8x16Shuffle(rdV(A3), rdV(B3), lanes));
    pc += 4;
    NEXT();
  }
  L_SimdLoad : {
    uint64_t ea = uint64_t{rd<uint32_t>(HI)} + pc[2].u;
    if (ea + pc[4].u > ms) TRAP(kMemoryOutOfBounds);
    wrV(LO, fnAt<SimdLoadFn>(pc[3])(mb + ea));
    pc += 5;
    NEXT();
  }
  L_SimdStore : {
    uint64_t ea = uint64_t{rd<uint32_t>(LO)} + pc[2].u;
    if (ea + 16 > ms) TRAP(kMemoryOutOfBounds);
    std::memcpy(mb + ea, HI, 16);
    pc += 3;
    NEXT();
  }
  L_SimdLoadLane : {
    uint64_t ea = uint64_t{rd<uint32_t>(A3)} + pc[2].u;
    if (ea + pc[4].p.lo > ms) TRAP(kMemoryOutOfBounds);
    wrV(D3, fnAt<SimdLoadLaneFn>(pc[3])(mb + ea, rdV(B3), pc[4].p.hi));
    pc += 5;
    NEXT();
  }
  L_SimdStoreLane : {
    uint64_t ea = uint64_t{rd<uint32_t>(LO)} + pc[2].u;
    if (ea + pc[4].p.lo > ms) TRAP(kMemoryOutOfBounds);
    fnAt<SimdStoreLaneFn>(pc[3])(mb + ea, rdV(HI), pc[4].p.hi);
    pc += 5;
    NEXT();
  }

trap:
  ctx.trap.kind = trap_kind;
  ctx.trap.message = trap_message.empty() ? std::string(runtime::trapKindMessage(trap_kind)) : trap_message;
  ctx.trap.backtrace.clear();
  // A trap raised while entering `callee` is reported in the caller's frame.
  fillBacktrace(ctx, func, entry_depth, pc);
  ctx.depth = entry_depth;
  return false;

#undef NEXT
#undef TRAP
#undef NO_POLL
#undef LOOP_POLL
#undef TAKE_IF
#undef RELOAD_MEMORY
#undef D3
#undef A3
#undef B3
#undef LO
#undef HI
}

const void* const* handlerTable() {
  static const void* const* table = [] {
    const void* const* t = nullptr;
    run(nullptr, nullptr, nullptr, &t);
    return t;
  }();
  return table;
}

ExecContext::ExecContext(runtime::Instance& o, uint32_t max_stack_slots, uint32_t max_depth_)
    : owner(o),
      stack(new uint64_t[max_stack_slots]),
      frames(new CallFrame[max_depth_ + 1]),
      max_depth(max_depth_) {
  stack_end = stack.get() + max_stack_slots;
  stack_top = stack.get();
}

// Room for the entry's slots on the value stack and a frame, or the trap.
static bool reserveEntry(ExecContext& ctx, uint64_t* fp, uint32_t slots) {
  if (fp + slots > ctx.stack_end || ctx.depth >= ctx.max_depth) {
    ctx.trap = runtime::Trap{TrapKind::kCallStackExhausted,
                             std::string(runtime::trapKindMessage(TrapKind::kCallStackExhausted)), {}, 0};
    return false;
  }
  return true;
}

bool execute(ExecContext& ctx, Function& func, const Value* args, Value* results) {
  const FuncType& ft = func.type();
  uint64_t* fp = ctx.stack_top;
  uint32_t in_slots = 0, out_slots = 0;
  for (ValType t : ft.params()) in_slots += runtime::slotCount(t);
  for (ValType t : ft.results()) out_slots += runtime::slotCount(t);
  if (!reserveEntry(ctx, fp, std::max(in_slots, out_slots))) return false;
  uint32_t off = 0;
  for (size_t i = 0; i < ft.numParams(); ++i) {
    runtime::valueToSlots(args[i], fp + off);
    off += runtime::slotCount(ft.params()[i]);
  }
  bool ok = run(&ctx, &func, fp, nullptr);
  if (!ok) return false;
  off = 0;
  for (size_t i = 0; i < ft.numResults(); ++i) {
    results[i] = runtime::slotsToValue(ft.results()[i], fp + off);
    off += runtime::slotCount(ft.results()[i]);
  }
  return true;
}

bool executeSlots(ExecContext& ctx, Function& func, uint64_t* slots) {
  const FuncType& ft = func.type();
  const size_t np = ft.numParams(), nr = ft.numResults();
  uint64_t* fp = ctx.stack_top;
  if (!reserveEntry(ctx, fp, static_cast<uint32_t>(std::max(np, nr)))) return false;
  std::copy_n(slots, np, fp);
  if (!run(&ctx, &func, fp, nullptr)) return false;
  std::copy_n(fp, nr, slots);
  return true;
}

}  // namespace weir::wasm::interp

#include "wasm/aot/aot_instance.h"

#include <pthread.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "wasm/aot/aot_code.h"
#include "wasm/aot/fault_handler.h"
#include "wasm/runtime/instance.h"

namespace weir::wasm::aot {

using runtime::Function;
using runtime::Instance;
using runtime::Trap;
using runtime::TrapKind;
using runtime::Value;

struct FuncRecord {
  InstanceState* state = nullptr;
  uint32_t defined_index = 0;
};

struct InstanceState {
  weir_aot_env env{};
  Instance* owner = nullptr;
  const AotCode* code = nullptr;
  void* inst = nullptr;  // the generated instance struct
  bool instantiate_called = false;
  // Set when the code runs without bounds checks: the memory's reservation.
  GuardRegion guard;
  const GuardRegion* guardRegion() const { return guard.raise_oob ? &guard : nullptr; }
  std::vector<void*> global_ptrs;
  std::vector<FuncRecord> records;  // by defined index

  ~InstanceState() {
    if (instantiate_called) code->free(inst);
    std::free(inst);
  }
};

void InstanceStateDeleter::operator()(InstanceState* s) const { delete s; }

namespace {

// A trap raised by weir code called from compiled code (a host function's
// error, proc_exit, a bad function reference): recorded here, then raised in
// C by the thunk as WASM_RT_TRAP_HOST and picked up when the call unwinds.
thread_local Trap t_pending;

Trap makeTrap(TrapKind kind, std::string message = {}) {
  return Trap{kind, message.empty() ? std::string(runtime::trapKindMessage(kind)) : std::move(message), {}, 0};
}

Trap trapFromCode(int code) {
  switch (static_cast<AotTrap>(code)) {
    case AotTrap::kOob: return makeTrap(TrapKind::kMemoryOutOfBounds);
    case AotTrap::kIntOverflow: return makeTrap(TrapKind::kIntegerOverflow);
    case AotTrap::kDivByZero: return makeTrap(TrapKind::kIntegerDivideByZero);
    case AotTrap::kInvalidConversion: return makeTrap(TrapKind::kInvalidConversion);
    case AotTrap::kUnreachable: return makeTrap(TrapKind::kUnreachable);
    case AotTrap::kCallIndirect: return makeTrap(TrapKind::kIndirectCallTypeMismatch);
    case AotTrap::kExhaustion: return makeTrap(TrapKind::kCallStackExhausted);
    case AotTrap::kTableOob: return makeTrap(TrapKind::kTableOutOfBounds);
    case AotTrap::kUndefinedElement: return makeTrap(TrapKind::kUndefinedElement);
    case AotTrap::kUninitializedElement: return makeTrap(TrapKind::kUninitializedElement);
    case AotTrap::kInterrupted: return makeTrap(TrapKind::kInterrupted);
    case AotTrap::kOutOfFuel: return makeTrap(TrapKind::kOutOfFuel);
    case AotTrap::kHost: return std::move(t_pending);
    default: return makeTrap(TrapKind::kHostError, "compiled code trapped with code " + std::to_string(code));
  }
}

// Compiled frames stop this far above the end of the thread's stack, leaving
// room for host functions and the trap path.
const char* stackLimit() {
  thread_local const char* limit = [] {
    pthread_attr_t attr;
    void* addr = nullptr;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      pthread_attr_getstack(&attr, &addr, &size);
      pthread_attr_destroy(&attr);
    }
    if (!addr) return static_cast<const char*>(nullptr);
    size_t margin = std::min<size_t>(256 * 1024, size / 4);
    return static_cast<const char*>(addr) + margin;
  }();
  return limit;
}

uint64_t toSlot(const Value& v) {
  switch (v.type) {
    case ValType::kI32: return static_cast<uint32_t>(v.i32);
    case ValType::kF32: return v.f32Bits();
    default: return static_cast<uint64_t>(v.i64);
  }
}

inline Value fromSlot(ValType t, uint64_t s) {
  switch (t) {
    case ValType::kI32: return Value::fromI32(static_cast<int32_t>(s));
    case ValType::kI64: return Value::fromI64(static_cast<int64_t>(s));
    case ValType::kF32: return Value::fromF32Bits(static_cast<uint32_t>(s));
    case ValType::kF64: return Value::fromF64Bits(s);
    default: return Value::fromRef(t, s);
  }
}

// Always set: the poll byte while fuel is metered.
const volatile unsigned char kAlwaysPoll = 1;

void syncFuelIn(InstanceState& st) {
  Instance& inst = *st.owner;
  st.env.fuel_enabled = inst.fuel_enabled_ ? 1 : 0;
  st.env.fuel = inst.fuel_enabled_ ? inst.fuel_ : INT64_MAX;
  st.env.poll = inst.fuel_enabled_ ? &kAlwaysPoll : st.env.interrupt;
}

void syncFuelOut(InstanceState& st) {
  if (st.env.fuel_enabled) st.owner->fuel_ = st.env.fuel;
}

// The Wasm frames of the trap this thread just took, innermost first: the
// native return addresses recorded in the object, those inside generated
// functions, up to the first one outside them (a host frame, or weir's entry).
// A function the C compiler inlined into its caller shows as the caller.
void addBacktrace(const InstanceState& st, Trap& trap) {
  if (!st.code->trap_backtrace) return;
  void* const* pcs = nullptr;
  const int n = st.code->trap_backtrace(&pcs);
  const wasm::Module& m = st.owner->module().decoded();
  bool inside = false;
  for (int i = 0; i < n; ++i) {
    // A return address points after its call; the faulting instruction of a
    // guard-page trap is inside its function either way.
    const auto at = st.code->functionAt(reinterpret_cast<uintptr_t>(pcs[i]) - 1);
    if (at.func_index < 0) {
      if (inside) break;
      continue;
    }
    inside = true;
    const auto index = static_cast<uint32_t>(at.func_index);
    // The entry trampoline is the outermost frame: its function, unless that
    // frame is already there (the trampoline did not inline it).
    if (!at.entry || trap.backtrace.empty() || trap.backtrace.back().func_index != index) {
      runtime::BacktraceFrame fr;
      fr.func_index = index;
      fr.func_name = std::string(m.functionName(index));
      trap.backtrace.push_back(std::move(fr));
    }
    if (at.entry) break;
  }
}

// Runs defined function `rec` with `slots`; returns the trap, if any.
std::optional<Trap> invoke(FuncRecord& rec, uint64_t* slots) {
  InstanceState& st = *rec.state;
  st.env.stack_limit = stackLimit();
  syncFuelIn(st);
  GuardScope guard(st.guardRegion());
  int code = st.code->invoke(&st.env, st.inst, rec.defined_index, slots);
  syncFuelOut(st);
  if (code == 0) return std::nullopt;
  Trap trap = trapFromCode(code);
  if (trap.backtrace.empty() && trap.kind != TrapKind::kExit) addBacktrace(st, trap);
  return trap;
}

std::optional<Trap> invokeWithValues(FuncRecord& rec, const FuncType& t, const Value* args, Value* results) {
  uint64_t small[16];
  std::vector<uint64_t> big;
  size_t n = std::max<size_t>(1, std::max(t.numParams(), t.numResults()));
  uint64_t* slots = small;
  if (n > 16) {
    big.resize(n);
    slots = big.data();
  }
  for (size_t i = 0; i < t.numParams(); ++i) slots[i] = toSlot(args[i]);
  if (auto trap = invoke(rec, slots)) return trap;
  for (size_t i = 0; i < t.numResults(); ++i) results[i] = fromSlot(t.results()[i], slots[i]);
  return std::nullopt;
}

// The HostFn of every compiled function: how the interpreter, host imports
// of other instances and the embedder reach compiled code.
Status compiledEntry(runtime::Caller& caller, void* user_data, const Value* args, Value* results) {
  auto& rec = *static_cast<FuncRecord*>(user_data);
  const Function& f = *rec.state->owner->funcs_[rec.state->owner->module().decoded().num_imported_funcs + rec.defined_index];
  if (auto trap = invokeWithValues(rec, f.type(), args, results)) {
    if (trap->kind == TrapKind::kExit) {
      caller.exit(trap->exit_code);
      return Status::ok();
    }
    return internalError(trap->message);
  }
  return Status::ok();
}

// What a host function's return means for the calling code: exit, a host
// error, or nothing.
std::optional<Trap> hostOutcome(const runtime::Caller& caller, const Status& s) {
  if (caller.exiting()) {
    Trap t = makeTrap(TrapKind::kExit, "exit");
    t.exit_code = caller.exitCode();
    return t;
  }
  if (!s.isOk()) return makeTrap(TrapKind::kHostError, s.message());
  return std::nullopt;
}

// Calls a host function (or another instance's function) on behalf of `inst`.
std::optional<Trap> callImported(Instance& inst, Function& f, const Value* args, Value* results) {
  if (f.host_fn_) {
    runtime::Caller caller(&inst);
    Status s = f.host_fn_(caller, f.user_data_, args, results);
    return hostOutcome(caller, s);
  }
  // An interpreted function of another instance.
  return inst.call(f, std::span<const Value>(args, f.type().numParams()),
                   std::span<Value>(results, f.type().numResults()));
}

// callImported with the import thunk's slots staged as Values, constructed in
// raw storage, not zeroed first; the results go back to the slots.
std::optional<Trap> callImportedWithSlots(Instance& inst, Function& f, uint64_t* slots) {
  const FuncType& t = f.type();
  alignas(Value) unsigned char small[16 * sizeof(Value)];
  std::vector<Value> big;
  const size_t n = t.numParams() + t.numResults();
  Value* values = reinterpret_cast<Value*>(small);
  if (n > 16) {
    big.resize(n);
    values = big.data();
  }
  for (size_t i = 0; i < t.numParams(); ++i) new (&values[i]) Value(fromSlot(t.params()[i], slots[i]));
  Value* results = values + t.numParams();
  for (size_t i = 0; i < t.numResults(); ++i) new (&results[i]) Value(Value::zero(t.results()[i]));
  if (auto trap = callImported(inst, f, values, results)) return trap;
  for (size_t i = 0; i < t.numResults(); ++i) slots[i] = toSlot(results[i]);
  return std::nullopt;
}

int hostCall(void* host, uint32_t import_index, uint64_t* slots) {
  auto& st = *static_cast<InstanceState*>(host);
  Instance& inst = *st.owner;
  Function& f = *inst.funcs_[import_index];
  // Host frames count against the depth limit, as in the interpreter.
  if (st.env.depth >= st.env.max_depth) {
    t_pending = makeTrap(TrapKind::kCallStackExhausted);
    return 1;
  }
  ++st.env.depth;
  syncFuelOut(st);
  std::optional<Trap> trap;
  {
    // A fault in host code is a crash, never a trap of this instance.
    GuardScope guard(nullptr);
    if (f.slot_fn_) {
      // Every host call of a filter: the host function works on the slots themselves.
      runtime::Caller caller(&inst);
      Status s = f.slot_fn_(caller, f.slot_user_data_, slots);
      trap = hostOutcome(caller, s);
    } else {
      trap = callImportedWithSlots(inst, f, slots);
    }
  }
  syncFuelIn(st);
  --st.env.depth;
  if (trap) {
    t_pending = std::move(*trap);
    return 1;
  }
  return 0;
}

uint32_t growMemory(void* host, uint32_t delta) {
  auto& st = *static_cast<InstanceState*>(host);
  runtime::Memory* m = st.owner->memory0_;
  int32_t old = m ? m->grow(delta) : -1;
  return old < 0 ? UINT32_MAX : static_cast<uint32_t>(old);
}

// A weir function reference entering compiled code. Only this instance's own
// functions (and its imports, through their thunks) can be called from its C
// code; a reference to anything else would run code bound to another
// instance's environment, so it traps instead.
int refToC(void* host, uint64_t ref, wasm_rt_funcref_t* out) {
  auto& st = *static_cast<InstanceState*>(host);
  auto* f = reinterpret_cast<Function*>(ref);
  const wasm::Module& m = st.owner->module().decoded();
  for (uint32_t i = 0; i < st.owner->funcs_.size(); ++i) {
    if (st.owner->funcs_[i].get() != f) continue;
    out->func_type = f->typeId();
    out->func = st.code->func_ptrs[i];
    out->module_instance = i < m.num_imported_funcs ? static_cast<void*>(&st.env) : st.inst;
    return 0;
  }
  t_pending = makeTrap(TrapKind::kHostError,
                       "the compiled tier cannot call a function reference from another instance");
  return 1;
}

uint64_t refFromC(void* host, const wasm_rt_funcref_t* ref) {
  auto& st = *static_cast<InstanceState*>(host);
  int64_t index = st.code->functionIndexOf(ref->func);
  if (index < 0) return 0;  // not produced by this object: cannot happen (see refToC)
  return reinterpret_cast<runtime::Ref>(st.owner->funcs_[static_cast<size_t>(index)].get());
}

}  // namespace

bool isCompiledFunction(const Function& f) { return f.host_fn_ == &compiledEntry; }

bool wantsGuardRegion(const runtime::CodeObject& code) {
  return code.tier() == runtime::Tier::kAot &&
         static_cast<const AotCode&>(code).memory_checks == MemoryChecks::kGuardPages &&
         installFaultHandler().isOk();
}

namespace {

// The build `instance` can run: the guard-page one only when its memory is
// inside a guard reservation and the fault handler is in place.
Result<const AotCode*> selectCode(const AotCode& code, const runtime::Memory* memory) {
  if (code.memory_checks != MemoryChecks::kGuardPages || memory == nullptr) return &code;
  if (memory->guarded() && installFaultHandler().isOk()) return &code;
  return code.explicitChecksVariant();
}

}  // namespace

Status instantiate(Instance& instance, InstanceStatePtr& out) {
  auto selected = selectCode(static_cast<const AotCode&>(instance.module().code()), instance.memory0_);
  if (!selected) return selected.status();
  const AotCode& code = *selected.value();
  const wasm::Module& m = instance.module().decoded();
  for (const TableType& t : m.tables) {
    if (t.limits.min > instance.limits().max_table_size) {
      return resourceExhausted("table size exceeds the instance limit");
    }
  }
  InstanceStatePtr st(new InstanceState());
  st->owner = &instance;
  st->code = &code;
  weir_aot_env& env = st->env;
  env.self = &env;
  env.interrupt = reinterpret_cast<const volatile unsigned char*>(&instance.interrupt_);
  env.max_depth = instance.limits().max_call_depth;
  env.max_table_size = instance.limits().max_table_size;
  env.host = st.get();
  env.host_call = &hostCall;
  env.grow_memory = &growMemory;
  env.ref_to_c = &refToC;
  env.ref_from_c = &refFromC;
  // weir's Memory starts with the fields of wasm_rt_memory_t (see objects.h).
  env.memory = reinterpret_cast<wasm_rt_memory_t*>(instance.memory0_);
  if (code.memory_checks == MemoryChecks::kGuardPages && instance.memory0_) {
    st->guard = GuardRegion{instance.memory0_->base_, instance.memory0_->reservedBytes(), code.raise_oob};
  }
  for (uint64_t* slots : instance.global_slots_) st->global_ptrs.push_back(slots);
  env.globals = st->global_ptrs.data();
  size_t size = (code.instance_size + 63) / 64 * 64;
  st->inst = std::aligned_alloc(64, size ? size : 64);
  if (!st->inst) return resourceExhausted("cannot allocate a compiled instance");
  std::memset(st->inst, 0, size ? size : 64);
  st->records.resize(m.functions.size());
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    st->records[i] = FuncRecord{st.get(), i};
    Function& f = *instance.funcs_[m.num_imported_funcs + i];
    f.host_fn_ = &compiledEntry;
    f.user_data_ = &st->records[i];
  }
  env.stack_limit = stackLimit();
  syncFuelIn(*st);
  st->instantiate_called = true;
  int trap = 0;
  {
    GuardScope guard(st->guardRegion());
    trap = code.instantiate(st->inst, &env);
  }
  out = std::move(st);
  if (trap != 0) return failedPrecondition("trap: " + trapFromCode(trap).message);
  return Status::ok();
}

std::optional<Trap> call(Instance& caller, Function& func, std::span<const Value> args, std::span<Value> results) {
  if (isCompiledFunction(func)) {
    return invokeWithValues(*static_cast<FuncRecord*>(func.user_data_), func.type(), args.data(), results.data());
  }
  return callImported(caller, func, args.data(), results.data());
}

std::optional<Trap> callSlots(Function& func, uint64_t* slots) {
  return invoke(*static_cast<FuncRecord*>(func.user_data_), slots);
}

}  // namespace weir::wasm::aot

// The compiled (AOT) tier behind the embedding API: the same behaviour tests
// run on both tiers (host functions, traps, limits, interrupt, fuel, linking),
// then what only the compiled tier has (cache, fallback, background compile).
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "unit/wasm/aot_test_util.h"
#include "unit/wasm/wat_test_util.h"
#include "wasm/aot/aot_code.h"
#include "wasm/aot/cache.h"
#include "wasm/aot/toolchain.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"

namespace weir::wasm::runtime {
namespace {

using testing::watToWasm;

// One private cache directory per test process.
const std::string& cacheDir() { return testing::aotCacheDir(); }
[[maybe_unused]] const bool kCleanup = (testing::removeAotCacheDirAtExit(), true);

EngineConfig configFor(Tier tier, aot::Emitter emitter = aot::Emitter::kSimd) {
  EngineConfig c;
  c.tier = tier;
  c.aot.cache_dir = cacheDir();
  c.aot.emitter = emitter;
  return c;
}

std::shared_ptr<const Module> compileWat(const std::string& wat, Tier tier,
                                         aot::Emitter emitter = aot::Emitter::kSimd) {
  auto bytes = watToWasm(wat);
  EXPECT_FALSE(bytes.empty()) << "wat2wasm failed";
  auto m = Engine(configFor(tier, emitter)).compile(bytes);
  EXPECT_TRUE(m.isOk()) << m.status().message();
  if (!m.isOk()) return nullptr;
  EXPECT_EQ(m.value()->tier(), tier);
  return m.value();
}

// The interpreter, the compiled tier, and the compiled tier with every
// function translated by weir's own C emitter instead of wasm2c.
struct Variant {
  Tier tier;
  aot::Emitter emitter;
  const char* name;
};

class TierTest : public ::testing::TestWithParam<Variant> {
 protected:
  Tier tier() const { return GetParam().tier; }
  std::shared_ptr<const Module> compile(const std::string& wat) { return compileWat(wat, tier(), GetParam().emitter); }
  std::unique_ptr<Instance> instantiate(const std::string& wat, ImportResolver* resolver = nullptr,
                                        const InstanceLimits& limits = {}) {
    auto m = compile(wat);
    if (!m) return nullptr;
    Linker empty;
    auto inst = Instance::instantiate(m, resolver ? *resolver : empty, limits);
    EXPECT_TRUE(inst.isOk()) << inst.status().message();
    return inst.isOk() ? std::move(inst.value()) : nullptr;
  }
};

INSTANTIATE_TEST_SUITE_P(Tiers, TierTest,
                         ::testing::Values(Variant{Tier::kInterpreter, aot::Emitter::kSimd, "interp"},
                                           Variant{Tier::kAot, aot::Emitter::kSimd, "aot"},
                                           Variant{Tier::kAot, aot::Emitter::kAll, "aot_emitter"}),
                         [](const auto& info) { return std::string(info.param.name); });

struct HostState {
  int calls = 0;
  int32_t last = 0;
};

Status hostAddTen(Caller& caller, void* ud, const Value* args, Value* results) {
  auto* st = static_cast<HostState*>(ud);
  ++st->calls;
  st->last = args[0].i32;
  // Writes through the caller's memory, as WASI and Proxy-Wasm host calls do.
  int32_t v = args[0].i32 + 10;
  if (!caller.memory() || !caller.memory()->write(16, &v, 4)) return internalError("no memory");
  results[0] = Value::fromI32(v);
  return Status::ok();
}

TEST_P(TierTest, HostFunctionSeesArgumentsUserDataAndCallerMemory) {
  HostState st;
  Linker linker;
  linker.defineFunc("env", "add10", FuncType({ValType::kI32}, {ValType::kI32}), &hostAddTen, &st);
  auto inst = instantiate(R"((module (import "env" "add10" (func $h (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "run") (param i32) (result i32)
      (i32.add (call $h (local.get 0)) (i32.load (i32.const 16))))))",
                          &linker);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->tier(), tier());
  auto r = inst->call<int32_t>("run", 5);
  ASSERT_TRUE(r.ok()) << r.trap().message;
  EXPECT_EQ(r.value(), 30);
  EXPECT_EQ(st.calls, 1);
  EXPECT_EQ(st.last, 5);
  int32_t stored = 0;
  ASSERT_TRUE(inst->memory()->read(16, &stored, 4));
  EXPECT_EQ(stored, 15);
}

Status hostFails(Caller&, void*, const Value*, Value*) { return internalError("denied by host"); }

TEST_P(TierTest, HostErrorBecomesTrapWithMessage) {
  Linker linker;
  linker.defineFunc("env", "fail", FuncType({}, {}), &hostFails);
  auto inst = instantiate(R"((module (import "env" "fail" (func $f))
    (func (export "run") (call $f))))",
                          &linker);
  ASSERT_TRUE(inst);
  auto r = inst->call<Unit>("run");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kHostError);
  EXPECT_EQ(r.trap().message, "denied by host");
}

TEST_P(TierTest, TrapKindsAreDistinguished) {
  auto inst = instantiate(R"((module (memory 1) (table 2 funcref) (elem (i32.const 0) $i)
    (type $v (func)) (func $i (result i32) (i32.const 1))
    (func (export "unreachable") unreachable)
    (func (export "div0") (result i32) (i32.div_s (i32.const 1) (i32.const 0)))
    (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
    (func (export "oob") (result i32) (i32.load (i32.const 65534)))
    (func (export "mismatch") (call_indirect (type $v) (i32.const 0)))
    (func (export "undefined") (call_indirect (type $v) (i32.const 7)))
    (func (export "uninit") (call_indirect (type $v) (i32.const 1)))
    (func (export "conv") (result i32) (i32.trunc_f32_s (f32.const nan)))
    (func (export "table_oob") (table.set 0 (i32.const 9) (ref.null func)))))");
  ASSERT_TRUE(inst);
  auto kindOf = [&](const char* name) {
    auto f = inst->exportedFunction(name);
    Value out[1];
    auto trap = inst->call(*f, {}, std::span<Value>(out, f->type().numResults()));
    return trap ? trap->kind : TrapKind::kExit;
  };
  EXPECT_EQ(kindOf("unreachable"), TrapKind::kUnreachable);
  EXPECT_EQ(kindOf("div0"), TrapKind::kIntegerDivideByZero);
  EXPECT_EQ(kindOf("overflow"), TrapKind::kIntegerOverflow);
  EXPECT_EQ(kindOf("oob"), TrapKind::kMemoryOutOfBounds);
  EXPECT_EQ(kindOf("mismatch"), TrapKind::kIndirectCallTypeMismatch);
  EXPECT_EQ(kindOf("undefined"), TrapKind::kUndefinedElement);
  EXPECT_EQ(kindOf("uninit"), TrapKind::kUninitializedElement);
  EXPECT_EQ(kindOf("conv"), TrapKind::kInvalidConversion);
  EXPECT_EQ(kindOf("table_oob"), TrapKind::kTableOutOfBounds);
}

TEST_P(TierTest, TrapsCarryTheSameWasmBacktraceOnBothTiers) {
  auto inst = instantiate(R"((module (memory 1)
    (func $inner (param i32) (result i32) (i32.load (local.get 0)))
    (func $middle (param i32) (result i32) (i32.add (call $inner (i32.add (local.get 0) (i32.const 1))) (i32.const 2)))
    (func $divide (param i32) (result i32) (i32.add (i32.div_u (i32.const 1) (local.get 0)) (i32.const 7)))
    (func $oob (export "oob") (result i32) (i32.add (call $middle (i32.const 70000)) (i32.const 3)))
    (func $div (export "div") (result i32) (i32.mul (call $divide (i32.const 0)) (i32.const 3)))))");
  ASSERT_TRUE(inst);
  auto framesOf = [&](const char* name) {
    auto f = inst->exportedFunction(name);
    Value out[1];
    auto trap = inst->call(*f, {}, std::span<Value>(out, 1));
    std::vector<std::string> frames;
    if (!trap) return frames;
    for (const auto& fr : trap->backtrace) frames.push_back(fr.func_name + "/" + std::to_string(fr.func_index));
    return frames;
  };
  EXPECT_EQ(framesOf("oob"), (std::vector<std::string>{"inner/0", "middle/1", "oob/3"}));
  EXPECT_EQ(framesOf("div"), (std::vector<std::string>{"divide/2", "div/4"}));
  // A second trap on the same thread reports its own frames, not the first's.
  EXPECT_EQ(framesOf("oob"), (std::vector<std::string>{"inner/0", "middle/1", "oob/3"}));
}

constexpr const char* kRecursive = R"((module
  (func $down (export "down") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 0))
      (else (i64.add (i64.const 1) (call $down (i64.sub (local.get 0) (i64.const 1)))))))
  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (call $forever (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))))";

TEST_P(TierTest, CallDepthLimitTraps) {
  InstanceLimits limits;
  limits.max_call_depth = 1000;
  auto inst = instantiate(kRecursive, nullptr, limits);
  ASSERT_TRUE(inst);
  auto ok = inst->call<int64_t>("down", int64_t{900});
  ASSERT_TRUE(ok.ok()) << ok.trap().message;
  EXPECT_EQ(ok.value(), 900);
  auto deep = inst->call<int64_t>("down", int64_t{5000});
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.trap().kind, TrapKind::kCallStackExhausted);
  // The depth counter is restored after the trap.
  auto again = inst->call<int64_t>("down", int64_t{900});
  EXPECT_TRUE(again.ok());
}

TEST_P(TierTest, UnboundedRecursionOnASmallThreadStackTrapsInsteadOfOverflowing) {
  InstanceLimits limits;
  limits.max_call_depth = 10'000'000;  // only the native stack bound can stop it
  auto inst = instantiate(kRecursive, nullptr, limits);
  ASSERT_TRUE(inst);
  std::optional<TrapKind> kind;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 512 * 1024);
  struct Arg {
    Instance* inst;
    std::optional<TrapKind>* kind;
  } arg{inst.get(), &kind};
  pthread_t th;
  ASSERT_EQ(pthread_create(
                &th, &attr,
                [](void* p) -> void* {
                  auto* a = static_cast<Arg*>(p);
                  auto r = a->inst->call<int32_t>("forever", 0);
                  if (!r.ok()) *a->kind = r.trap().kind;
                  return nullptr;
                },
                &arg),
            0);
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
  ASSERT_TRUE(kind.has_value());
  EXPECT_EQ(*kind, TrapKind::kCallStackExhausted);
}

struct LoopSignal {
  std::atomic<bool> entered{false};
};

Status markEntered(Caller&, void* ud, const Value*, Value*) {
  static_cast<LoopSignal*>(ud)->entered.store(true);
  return Status::ok();
}

TEST_P(TierTest, InterruptFromAnotherThreadStopsARunawayLoop) {
  LoopSignal sig;
  Linker linker;
  linker.defineFunc("env", "entered", FuncType({}, {}), &markEntered, &sig);
  auto inst = instantiate(R"((module (import "env" "entered" (func $e))
    (func (export "spin") (local i32) (call $e) (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l)))))",
                          &linker);
  ASSERT_TRUE(inst);
  std::thread stopper([&] {
    while (!sig.entered.load()) std::this_thread::yield();
    inst->interrupt();
  });
  auto r = inst->call<Unit>("spin");
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kInterrupted);
  inst->clearInterrupt();
}

TEST_P(TierTest, FuelRunsOutInALoopAndIsAccounted) {
  auto inst = instantiate(R"((module (func (export "count") (param i32) (local i32)
      (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get 1) (local.get 0)))))))");
  ASSERT_TRUE(inst);
  inst->setFuel(1000);
  auto r = inst->call<Unit>("count", 100);
  ASSERT_TRUE(r.ok());
  // One unit for the call, one per loop iteration.
  EXPECT_EQ(inst->fuel(), 1000u - 101u);
  auto out = inst->call<Unit>("count", 5000);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.trap().kind, TrapKind::kOutOfFuel);
  EXPECT_EQ(inst->fuel(), 0u);
}

TEST_P(TierTest, MemoryGrowStopsAtInstanceLimitAndHostGrowthIsVisible) {
  InstanceLimits limits;
  limits.max_memory_pages = 3;
  auto inst = instantiate(R"((module (memory (export "memory") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))))",
                          nullptr, limits);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("grow", 1).value(), 1);
  EXPECT_EQ(inst->call<int32_t>("grow", 5).value(), -1);
  ASSERT_EQ(inst->memory()->grow(1), 2);
  EXPECT_EQ(inst->call<int32_t>("size").value(), 3);
  int32_t v = 77;
  ASSERT_TRUE(inst->memory()->write(3 * 65536 - 4, &v, 4));
  EXPECT_EQ(inst->call<int32_t>("load", 3 * 65536 - 4).value(), 77);
  EXPECT_FALSE(inst->call<int32_t>("load", 3 * 65536 - 3).ok());
}

TEST_P(TierTest, GlobalsAreSharedWithTheHost) {
  Linker linker;
  auto g = std::make_shared<Global>(GlobalType{ValType::kI64, true}, Value::fromI64(40));
  linker.define("env", "counter", Extern::ofGlobal(g));
  auto inst = instantiate(R"((module (import "env" "counter" (global $c (mut i64)))
    (global $f (export "f") (mut f32) (f32.const 1.5))
    (func (export "bump") (result i64)
      (global.set $c (i64.add (global.get $c) (i64.const 2)))
      (global.set $f (f32.mul (global.get $f) (f32.const 2)))
      (global.get $c))))",
                          &linker);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int64_t>("bump").value(), 42);
  EXPECT_EQ(g->get().i64, 42);
  ASSERT_TRUE(g->set(Value::fromI64(100)).isOk());
  EXPECT_EQ(inst->call<int64_t>("bump").value(), 102);
  auto f = inst->exportByName("f");
  ASSERT_TRUE(f && f->global);
  EXPECT_EQ(f->global->get().f32, 6.0f);
}

struct Reentry {
  Instance* inst = nullptr;
  std::optional<Trap> inner_trap;
};

// Calls back into the guest, as Proxy-Wasm hosts do (malloc, callbacks).
Status callBack(Caller& caller, void* ud, const Value* args, Value* results) {
  auto* st = static_cast<Reentry*>(ud);
  auto ok = caller.instance().call<int32_t>("double", args[0].i32);
  if (!ok.ok()) return internalError(ok.trap().message);
  auto bad = caller.instance().call<Unit>("boom");
  if (!bad.ok()) st->inner_trap = bad.trap();
  results[0] = Value::fromI32(ok.value() + 1);
  return Status::ok();
}

TEST_P(TierTest, HostFunctionReentersTheGuestAndSurvivesANestedTrap) {
  Reentry st;
  Linker linker;
  linker.defineFunc("env", "cb", FuncType({ValType::kI32}, {ValType::kI32}), &callBack, &st);
  auto inst = instantiate(R"((module (import "env" "cb" (func $cb (param i32) (result i32)))
    (func (export "double") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
    (func (export "boom") unreachable)
    (func (export "run") (param i32) (result i32) (i32.add (call $cb (local.get 0)) (i32.const 1000)))))",
                          &linker);
  ASSERT_TRUE(inst);
  auto r = inst->call<int32_t>("run", 21);
  ASSERT_TRUE(r.ok()) << r.trap().message;
  EXPECT_EQ(r.value(), 1043);
  ASSERT_TRUE(st.inner_trap.has_value());
  EXPECT_EQ(st.inner_trap->kind, TrapKind::kUnreachable);
}

Status exitThree(Caller& caller, void*, const Value*, Value*) {
  caller.exit(3);
  return Status::ok();
}

TEST_P(TierTest, CallerExitUnwindsWithTheExitCode) {
  Linker linker;
  linker.defineFunc("env", "exit", FuncType({}, {}), &exitThree);
  auto inst = instantiate(R"((module (import "env" "exit" (func $x))
    (func (export "main") (call $x) unreachable)))",
                          &linker);
  ASSERT_TRUE(inst);
  auto r = inst->call<Unit>("main");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kExit);
  EXPECT_EQ(r.trap().exit_code, 3);
}

TEST_P(TierTest, MultiValueAndFloatsRoundTrip) {
  auto inst = instantiate(R"((module
    (func (export "swap") (param f64 f32 i64) (result i64 f32 f64) (local.get 2) (local.get 1) (local.get 0))))");
  ASSERT_TRUE(inst);
  auto f = inst->exportedFunction("swap");
  Value args[] = {Value::fromF64(2.25), Value::fromF32Bits(0x7fc00001u), Value::fromI64(-7)};
  Value out[3];
  ASSERT_FALSE(inst->call(*f, args, out));
  EXPECT_EQ(out[0].i64, -7);
  EXPECT_EQ(out[1].f32Bits(), 0x7fc00001u);  // NaN payload preserved
  EXPECT_EQ(out[2].f64, 2.25);
}

TEST_P(TierTest, CallSlotsPassesScalarsInPlaceAndReportsTraps) {
  HostState st;
  Linker linker;
  linker.defineFunc("env", "add10", FuncType({ValType::kI32}, {ValType::kI32}), &hostAddTen, &st);
  auto inst = instantiate(R"((module (import "env" "add10" (func $h (param i32) (result i32)))
    (export "host" (func $h))
    (memory 1)
    (func (export "swap") (param f64 f32 i64) (result i64 f32 f64) (local.get 2) (local.get 1) (local.get 0))
    (func (export "mix") (param i32 i32) (result i32)
      (i32.add (call $h (local.get 0)) (local.get 1)))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))))",
                          &linker);
  ASSERT_TRUE(inst);
  auto swap = inst->exportedFunction("swap");
  ASSERT_TRUE(hasScalarSignature(swap->type()));
  uint64_t slots[3] = {0x4002000000000000ull /* 2.25 */, 0x7fc00001u, static_cast<uint64_t>(-7)};
  ASSERT_FALSE(inst->callSlots(*swap, slots));
  EXPECT_EQ(slots[0], static_cast<uint64_t>(-7));
  EXPECT_EQ(slots[1], 0x7fc00001u);  // NaN payload preserved
  EXPECT_EQ(slots[2], 0x4002000000000000ull);

  // An i32 result comes back zero-extended; a host function, exported as
  // is, is called through the same entry.
  uint64_t mix[2] = {5, 0xFFFFFFF0u};
  ASSERT_FALSE(inst->callSlots(*inst->exportedFunction("mix"), mix));
  EXPECT_EQ(mix[0], 0xFFFFFFFFull);
  uint64_t host[1] = {1};
  ASSERT_FALSE(inst->callSlots(*inst->exportedFunction("host"), host));
  EXPECT_EQ(host[0], 11u);
  EXPECT_EQ(st.calls, 2);

  uint64_t oob[1] = {65536};
  auto trap = inst->callSlots(*inst->exportedFunction("load"), oob);
  ASSERT_TRUE(trap);
  EXPECT_EQ(trap->kind, TrapKind::kMemoryOutOfBounds);
  // The instance is usable after the trap: it reads what the host stored.
  uint64_t ok[1] = {16};
  ASSERT_FALSE(inst->callSlots(*inst->exportedFunction("load"), ok));
  EXPECT_EQ(ok[0], 11u);
}

// (i64 a, i32 b) -> (i64 a + b, i32 b * 2), writing the sum to memory at 16.
Status slotSumAndDouble(Caller& caller, void* ud, uint64_t* slots) {
  auto* st = static_cast<HostState*>(ud);
  ++st->calls;
  const auto a = static_cast<int64_t>(slots[0]);
  const auto b = static_cast<int32_t>(slots[1]);
  if (b < 0) return internalError("negative b");
  if (b == 99) {
    caller.exit(7);
    return Status::ok();
  }
  const int64_t sum = a + b;
  if (!caller.memory() || !caller.memory()->write(16, &sum, 8)) return internalError("no memory");
  slots[0] = static_cast<uint64_t>(sum);
  slots[1] = static_cast<uint32_t>(b * 2);
  return Status::ok();
}

TEST_P(TierTest, SlotHostFunctionsWorkFromGuestHostAndOtherInstances) {
  HostState st;
  Linker linker;
  linker.defineSlotFunc("env", "sum", FuncType({ValType::kI64, ValType::kI32}, {ValType::kI64, ValType::kI32}),
                        &slotSumAndDouble, &st);
  auto inst = instantiate(R"((module
    (import "env" "sum" (func $s (param i64 i32) (result i64 i32)))
    (export "sum" (func $s))
    (memory 1)
    (func (export "run") (param i64 i32) (result i64)
      (local $d i32)
      (call $s (local.get 0) (local.get 1))
      (local.set $d)
      (i64.add (i64.extend_i32_u (local.get $d))))))",
                          &linker);
  ASSERT_TRUE(inst);
  // From guest code: both results and the memory write arrive.
  auto r = inst->call<int64_t>("run", int64_t{-5}, int32_t{3});
  ASSERT_TRUE(r.ok()) << r.trap().message;
  EXPECT_EQ(r.value(), -2 + 6);
  int64_t stored = 0;
  ASSERT_TRUE(inst->memory()->read(16, &stored, 8));
  EXPECT_EQ(stored, -2);
  // From the host, with Values (the adapter) and with slots.
  auto f = inst->exportedFunction("sum");
  Value args[] = {Value::fromI64(1), Value::fromI32(2)};
  Value out[2];
  ASSERT_FALSE(inst->call(*f, args, out));
  EXPECT_EQ(out[0].i64, 3);
  EXPECT_EQ(out[1].i32, 4);
  uint64_t slots[2] = {10, 20};
  ASSERT_FALSE(inst->callSlots(*f, slots));
  EXPECT_EQ(slots[0], 30u);
  EXPECT_EQ(slots[1], 40u);
  EXPECT_EQ(st.calls, 3);
  // A host error traps with its message; exit unwinds with the code.
  auto err = inst->call<int64_t>("run", int64_t{0}, int32_t{-1});
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.trap().kind, TrapKind::kHostError);
  EXPECT_EQ(err.trap().message, "negative b");
  auto ex = inst->call<int64_t>("run", int64_t{0}, int32_t{99});
  ASSERT_FALSE(ex.ok());
  EXPECT_EQ(ex.trap().kind, TrapKind::kExit);
  EXPECT_EQ(ex.trap().exit_code, 7);

  // Imported by another instance (of the same tier) through the first's export.
  Linker second;
  second.define("first", "sum", Extern::ofFunc(f));
  auto other = instantiate(R"((module
    (import "first" "sum" (func $s (param i64 i32) (result i64 i32)))
    (memory 1)
    (func (export "run") (result i32) (call $s (i64.const 1) (i32.const 5)) (drop) (i32.wrap_i64))))",
                           &second);
  ASSERT_TRUE(other);
  auto o = other->call<int32_t>("run");
  ASSERT_TRUE(o.ok()) << o.trap().message;
  EXPECT_EQ(o.value(), 6);  // (1 + 5, 5 * 2): the i32 dropped, the i64 wrapped
}

TEST(RuntimeApi, ScalarSignaturesExcludeVectorsAndReferences) {
  EXPECT_TRUE(hasScalarSignature(FuncType({ValType::kI32, ValType::kF64}, {ValType::kI64})));
  EXPECT_TRUE(hasScalarSignature(FuncType({}, {})));
  EXPECT_FALSE(hasScalarSignature(FuncType({ValType::kV128}, {})));
  EXPECT_FALSE(hasScalarSignature(FuncType({}, {ValType::kFuncRef})));
}

TEST_P(TierTest, FunctionReferencesLeaveAndReenterTheInstance) {
  auto inst = instantiate(R"((module (table $t 2 funcref) (type $r (func (result i32)))
    (func $seven (result i32) (i32.const 7)) (elem (i32.const 1) $seven)
    (func (export "get") (result funcref) (table.get $t (i32.const 1)))
    (func (export "call") (param funcref) (result i32)
      (table.set $t (i32.const 0) (local.get 0))
      (call_indirect $t (type $r) (i32.const 0)))
    (func (export "grow") (result i32) (table.grow $t (ref.null func) (i32.const 3)))))");
  ASSERT_TRUE(inst);
  auto get = inst->exportedFunction("get");
  Value ref[1];
  ASSERT_FALSE(inst->call(*get, {}, ref));
  ASSERT_NE(ref[0].ref, kNullRef);
  auto call = inst->exportedFunction("call");
  Value out[1];
  ASSERT_FALSE(inst->call(*call, ref, out));
  EXPECT_EQ(out[0].i32, 7);
  EXPECT_EQ(inst->call<int32_t>("grow").value(), 2);
}

TEST_P(TierTest, InstancesOfEitherTierLinkToEachOther) {
  Tier other = tier() == Tier::kAot ? Tier::kInterpreter : Tier::kAot;
  auto lib = Instance::instantiate(compileWat(R"((module (memory (export "mem") 1)
      (func (export "sq") (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))))",
                                               other),
                                    *std::make_unique<Linker>());
  ASSERT_TRUE(lib.isOk()) << lib.status().message();
  Linker linker;
  linker.defineInstance("lib", *lib.value());
  auto inst = instantiate(R"((module (import "lib" "sq" (func $sq (param i32) (result i32)))
    (import "lib" "mem" (memory 1))
    (func (export "run") (param i32) (result i32)
      (i32.store (i32.const 8) (call $sq (local.get 0))) (i32.load (i32.const 8)))))",
                          &linker);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("run", 9).value(), 81);
  int32_t v = 0;
  ASSERT_TRUE(lib.value()->memory()->read(8, &v, 4));
  EXPECT_EQ(v, 81);
}

TEST_P(TierTest, StartFunctionAndDataSegmentsRunAtInstantiation) {
  auto inst = instantiate(R"((module (memory (export "memory") 1) (global $g (mut i32) (i32.const 0))
    (data (i32.const 100) "\2a\00\00\00")
    (func $start (global.set $g (i32.load (i32.const 100)))) (start $start)
    (func (export "g") (result i32) (global.get $g))))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("g").value(), 42);
  auto bad = Instance::instantiate(compile(R"((module (memory 1) (data (i32.const 65535) "ab")))"),
                                   *std::make_unique<Linker>());
  ASSERT_FALSE(bad.isOk());
  EXPECT_EQ(bad.status().message(), "trap: out of bounds memory access");
}

// ---- only the compiled tier

TEST(AotTier, SecondCompileLoadsTheVerifiedCachedObject) {
  auto bytes = watToWasm(R"((module (func (export "f") (result i32) (i32.const 5))))");
  char d[] = "/tmp/weir-aot-cache-XXXXXX";
  ASSERT_TRUE(mkdtemp(d));
  aot::AotOptions options;
  options.cache_dir = d;
  auto decoded = decodeModule(bytes);
  ASSERT_TRUE(decoded.isOk());
  auto first = aot::compileModule(*decoded.value(), options);
  ASSERT_TRUE(first.isOk()) << first.status().message();
  EXPECT_FALSE(first.value()->loaded_from_cache);
  auto second = aot::compileModule(*decoded.value(), options);
  ASSERT_TRUE(second.isOk());
  EXPECT_TRUE(second.value()->loaded_from_cache);
  // A tampered object fails verification and is rebuilt, never loaded.
  std::string so = std::string(d) + "/" + second.value()->cache_key + ".so";
  { std::ofstream(so, std::ios::binary | std::ios::app) << "x"; }
  auto third = aot::compileModule(*decoded.value(), options);
  ASSERT_TRUE(third.isOk());
  EXPECT_FALSE(third.value()->loaded_from_cache);
  EXPECT_TRUE(aot::readVerified(so).isOk());
  std::filesystem::remove_all(d);
}

// The instruction-set level is compiled into the object and checked at load,
// so an object copied from a machine with a higher level cannot SIGILL here.
TEST(AotTier, ObjectBuiltForAnInstructionSetThisCpuLacksIsRefused) {
  if (aot::hostIsa().empty()) GTEST_SKIP() << "this CPU has no x86-64-v2: objects are built for the baseline";
  auto decoded = decodeModule(watToWasm(R"((module (func (export "f") (result i32) (i32.const 5))))"));
  ASSERT_TRUE(decoded.isOk());
  auto object = aot::buildObject(*decoded.value(), 0);
  ASSERT_TRUE(object.isOk()) << object.status().message();
  ASSERT_TRUE(aot::AotCode::load(object.value(), *decoded.value()).isOk());
  std::vector<uint8_t> other = object.value();
  const std::string level = aot::hostIsa();
  size_t replaced = 0;
  for (auto it = other.begin(); (it = std::search(it, other.end(), level.begin(), level.end())) != other.end();) {
    it[static_cast<ptrdiff_t>(level.size()) - 1] = '9';  // "x86-64-v9"
    ++replaced;
  }
  ASSERT_GT(replaced, 0u);
  auto code = aot::AotCode::load(other, *decoded.value());
  ASSERT_FALSE(code.isOk());
  EXPECT_NE(code.status().message().find("built for x86-64-v9"), std::string::npos) << code.status().message();
}

TEST(AotTier, ModulesItCannotTakeFailOrFallBackToTheInterpreter) {
  // SIMD inside function bodies compiles (weir's emitter); v128 in a function
  // type does not.
  auto simd = watToWasm(R"((module (func (export "f") (param v128) (result i32) (i32x4.all_true (local.get 0)))))");
  auto strict = Engine(configFor(Tier::kAot)).compile(simd);
  ASSERT_FALSE(strict.isOk());
  EXPECT_EQ(strict.status().code(), StatusCode::kUnimplemented);
  EngineConfig lenient = configFor(Tier::kAot);
  lenient.fall_back_to_interpreter = true;
  auto m = Engine(lenient).compile(simd);
  ASSERT_TRUE(m.isOk());
  EXPECT_EQ(m.value()->tier(), Tier::kInterpreter);
  EXPECT_NE(m.value()->fallbackReason().find("SIMD"), std::string::npos);

  auto table = watToWasm(R"((module (import "env" "t" (table 1 funcref))))");
  auto t = Engine(configFor(Tier::kAot)).compile(table);
  ASSERT_FALSE(t.isOk());
  EXPECT_NE(t.status().message().find("imported tables"), std::string::npos);
}

TEST(AotTier, BackgroundCompileBecomesReadyWithACompiledModule) {
  auto bytes = watToWasm(R"((module (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))))");
  auto decoded = decodeModule(bytes);
  ASSERT_TRUE(decoded.isOk());
  aot::AotOptions options;
  options.cache_dir = cacheDir();
  std::atomic<int> callbacks{0};
  std::vector<std::function<void()>> queued;
  // An executor that queues the task, as a pool would; run it on a thread here.
  auto job = BackgroundCompile::start(
      decoded.value(), options, [&](std::function<void()> task) { queued.push_back(std::move(task)); },
      [&](const Result<std::shared_ptr<const Module>>& r) { callbacks += r.isOk() ? 1 : 100; });
  EXPECT_FALSE(job->ready());
  ASSERT_EQ(queued.size(), 1u);
  std::thread worker(queued[0]);
  job->wait();
  worker.join();
  ASSERT_TRUE(job->ready());
  ASSERT_TRUE(job->result().isOk()) << job->result().status().message();
  EXPECT_EQ(job->result().value()->tier(), Tier::kAot);
  EXPECT_EQ(callbacks.load(), 1);
  Linker linker;
  auto inst = Instance::instantiate(job->result().value(), linker);
  ASSERT_TRUE(inst.isOk());
  EXPECT_EQ(inst.value()->call<int32_t>("f", 14).value(), 42);

  // Without an executor it owns its thread.
  auto own = BackgroundCompile::start(decoded.value(), options);
  own->wait();
  EXPECT_TRUE(own->result().isOk());
}

}  // namespace
}  // namespace weir::wasm::runtime

// The embedding API end to end: compile WAT (via wabt's wat2wasm), link host
// functions, call exports, and check traps, limits and the interrupt.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>

#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"
#include "unit/wasm/wat_test_util.h"

namespace weir::wasm::runtime {
namespace {

using testing::watToWasm;

std::shared_ptr<const Module> compileWat(const std::string& wat) {
  auto bytes = watToWasm(wat);
  EXPECT_FALSE(bytes.empty()) << "wat2wasm failed";
  Engine engine;
  auto m = engine.compile(bytes);
  EXPECT_TRUE(m.isOk()) << m.status().message();
  return m.isOk() ? m.value() : nullptr;
}

std::unique_ptr<Instance> instantiate(const std::string& wat, ImportResolver* resolver = nullptr,
                                      const InstanceLimits& limits = {}) {
  auto m = compileWat(wat);
  if (!m) return nullptr;
  Linker empty;
  auto inst = Instance::instantiate(m, resolver ? *resolver : empty, limits);
  EXPECT_TRUE(inst.isOk()) << inst.status().message();
  return inst.isOk() ? std::move(inst.value()) : nullptr;
}

TEST(RuntimeApi, TypedCallHelperReturnsResult) {
  auto inst = instantiate(R"((module (func (export "add") (param i32 i32) (result i32)
                               local.get 0 local.get 1 i32.add)))");
  ASSERT_TRUE(inst);
  auto r = inst->call<int32_t>("add", 40, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 42);
}

TEST(RuntimeApi, TypedCallHelperRejectsWrongSignature) {
  auto inst = instantiate(R"((module (func (export "f") (param i64) (result i64) local.get 0)))");
  ASSERT_TRUE(inst);
  auto r = inst->call<int32_t>("f", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kHostError);
}

TEST(RuntimeApi, RecursiveFibonacciComputesCorrectValue) {
  auto inst = instantiate(R"((module (func $fib (export "fib") (param i32) (result i32)
      local.get 0 i32.const 2 i32.lt_u
      if (result i32) local.get 0
      else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)))");
  ASSERT_TRUE(inst);
  auto r = inst->call<int32_t>("fib", 20);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 6765);
}

struct HostState {
  int calls = 0;
  int64_t last = 0;
};

Status hostAccumulate(Caller& caller, void* user, const Value* args, Value* results) {
  auto* st = static_cast<HostState*>(user);
  ++st->calls;
  st->last = args[0].i64;
  // Reads guest memory through the checked accessor.
  auto bytes = caller.memory()->span(0, 4);
  if (!bytes) return invalidArgument("no memory");
  results[0] = Value::fromI64(args[0].i64 * 2 + (*bytes)[0]);
  return Status::ok();
}

TEST(RuntimeApi, HostFunctionSeesArgumentsUserDataAndCallerMemory) {
  HostState st;
  Linker linker;
  linker.defineFunc("env", "twice", FuncType({ValType::kI64}, {ValType::kI64}), &hostAccumulate, &st);
  auto inst = instantiate(R"((module (import "env" "twice" (func $t (param i64) (result i64)))
      (memory 1) (data (i32.const 0) "\05")
      (func (export "go") (param i64) (result i64) local.get 0 call $t)))",
                          &linker);
  ASSERT_TRUE(inst);
  auto r = inst->call<int64_t>("go", int64_t{10});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 25);
  EXPECT_EQ(st.calls, 1);
  EXPECT_EQ(st.last, 10);
}

Status hostFails(Caller&, void*, const Value*, Value*) { return invalidArgument("denied by host"); }

TEST(RuntimeApi, HostErrorBecomesTrapWithMessage) {
  Linker linker;
  linker.defineFunc("env", "fail", FuncType({}, {}), &hostFails);
  auto inst = instantiate(R"((module (import "env" "fail" (func $f)) (func (export "go") call $f)))", &linker);
  ASSERT_TRUE(inst);
  auto r = inst->call<Unit>("go");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kHostError);
  EXPECT_EQ(r.trap().message, "denied by host");
}

TEST(RuntimeApi, MissingImportFailsToLinkWithName) {
  auto m = compileWat(R"((module (import "env" "nope" (func))))");
  ASSERT_TRUE(m);
  Linker linker;
  auto inst = Instance::instantiate(m, linker);
  ASSERT_FALSE(inst.isOk());
  EXPECT_NE(inst.status().message().find("unknown import: env.nope"), std::string::npos);
}

TEST(RuntimeApi, ImportWithWrongSignatureIsIncompatible) {
  Linker linker;
  linker.defineFunc("env", "f", FuncType({ValType::kI32}, {}), &hostFails);
  auto m = compileWat(R"((module (import "env" "f" (func (param i64)))))");
  ASSERT_TRUE(m);
  auto inst = Instance::instantiate(m, linker);
  ASSERT_FALSE(inst.isOk());
  EXPECT_NE(inst.status().message().find("incompatible import type"), std::string::npos);
}

TEST(RuntimeApi, MemorySpanIsBoundsChecked) {
  auto inst = instantiate(R"((module (memory (export "mem") 1)))");
  ASSERT_TRUE(inst);
  Memory* mem = inst->memory();
  ASSERT_NE(mem, nullptr);
  EXPECT_TRUE(mem->span(0, kPageSize).has_value());
  EXPECT_FALSE(mem->span(kPageSize - 3, 4).has_value());
  EXPECT_FALSE(mem->span(UINT64_MAX, 2).has_value());
  EXPECT_TRUE(mem->write(10, "hi", 2));
  char buf[2];
  EXPECT_TRUE(mem->read(10, buf, 2));
  EXPECT_EQ(std::string(buf, 2), "hi");
}

TEST(RuntimeTraps, OutOfBoundsLoadTrapsWithBacktraceNames) {
  auto inst = instantiate(R"((module (memory 1)
      (func $inner (param i32) (result i32) local.get 0 i32.load)
      (func $outer (export "outer") (result i32) i32.const 65534 call $inner)))");
  ASSERT_TRUE(inst);
  auto r = inst->call<int32_t>("outer");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kMemoryOutOfBounds);
  ASSERT_EQ(r.trap().backtrace.size(), 2u);
  EXPECT_EQ(r.trap().backtrace[0].func_name, "inner");
  EXPECT_EQ(r.trap().backtrace[1].func_name, "outer");
  EXPECT_NE(r.trap().toString().find("$inner"), std::string::npos);
}

TEST(RuntimeTraps, IntegerDivisionTrapsAreDistinguished) {
  auto inst = instantiate(R"((module (func (export "div") (param i32 i32) (result i32)
                               local.get 0 local.get 1 i32.div_s)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("div", 1, 0).trap().kind, TrapKind::kIntegerDivideByZero);
  EXPECT_EQ(inst->call<int32_t>("div", INT32_MIN, -1).trap().kind, TrapKind::kIntegerOverflow);
  EXPECT_EQ(inst->call<int32_t>("div", -7, 2).value(), -3);
}

TEST(RuntimeLimits, DeepRecursionTrapsAsCallStackExhausted) {
  InstanceLimits limits;
  limits.max_call_depth = 1000;
  auto inst = instantiate(R"((module (func $r (export "r") (param i32) (result i32)
                               local.get 0 i32.const 1 i32.add call $r)))",
                          nullptr, limits);
  ASSERT_TRUE(inst);
  auto r = inst->call<int32_t>("r", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kCallStackExhausted);
  // The instance stays usable after the trap.
  auto again = inst->call<int32_t>("r", 0);
  EXPECT_EQ(again.trap().kind, TrapKind::kCallStackExhausted);
}

TEST(RuntimeLimits, DefaultLimitsStopUnboundedRecursionWithoutNativeOverflow) {
  auto inst = instantiate(R"((module (func $r (export "r") call $r)))");
  ASSERT_TRUE(inst);
  auto r = inst->call<Unit>("r");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kCallStackExhausted);
}

TEST(RuntimeLimits, MemoryGrowStopsAtInstanceLimit) {
  InstanceLimits limits;
  limits.max_memory_pages = 3;
  auto inst = instantiate(R"((module (memory 1)
      (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)))",
                          nullptr, limits);
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("grow", 2).value(), 1);
  EXPECT_EQ(inst->call<int32_t>("grow", 1).value(), -1);
  EXPECT_EQ(inst->memory()->pages(), 3u);
}

// The latency includes the scheduler's: on a loaded 2-core machine (CI runs
// two test binaries at once) the spinning thread can lose its core for a
// while. The engine's own latency is bounded by its check interval, so the
// best of a few attempts must be under 10 ms; every attempt must trap.
TEST(RuntimeLimits, InterruptFromAnotherThreadStopsInfiniteLoopWithin10ms) {
  auto inst = instantiate(R"((module (func (export "spin") (loop br 0))))");
  ASSERT_TRUE(inst);
  auto best = std::chrono::nanoseconds::max();
  for (int attempt = 0; attempt < 5 && best >= std::chrono::milliseconds(10); ++attempt) {
    std::atomic<bool> started{false};
    std::atomic<int64_t> interrupted_at{0};
    std::thread stopper([&] {
      while (!started.load()) std::this_thread::yield();
      // Let the loop run for a while first so the interrupt hits a hot loop.
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
      while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
      interrupted_at = std::chrono::steady_clock::now().time_since_epoch().count();
      inst->interrupt();
    });
    started = true;
    auto r = inst->call<Unit>("spin");
    auto stopped_at = std::chrono::steady_clock::now().time_since_epoch().count();
    stopper.join();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.trap().kind, TrapKind::kInterrupted);
    best = std::min(best, std::chrono::nanoseconds(stopped_at - interrupted_at.load()));
    inst->clearInterrupt();
  }
  EXPECT_LT(best, std::chrono::milliseconds(10));
}

TEST(RuntimeLimits, FuelRunsOutInLoop) {
  auto inst = instantiate(R"((module (func (export "spin") (loop br 0))))");
  ASSERT_TRUE(inst);
  inst->setFuel(1000);
  auto r = inst->call<Unit>("spin");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kOutOfFuel);
  EXPECT_EQ(inst->fuel(), 0u);
}

TEST(RuntimeLimits, FuelCountsOneUnitPerLoopIterationWithFusedBackEdges) {
  // br_if (fused compare), br_if (plain) and br back-edges each poll once per
  // iteration, as the loop header's check does on entry.
  auto inst = instantiate(R"((module
      (func (export "cmp") (param i32) (local i32)
        loop local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.lt_s br_if 0 end)
      (func (export "plain") (param i32)
        loop local.get 0 i32.const -1 i32.add local.tee 0 br_if 0 end)
      (func (export "br") (param i32)
        block loop local.get 0 i32.eqz br_if 1 local.get 0 i32.const -1 i32.add local.set 0 br 0 end end)))");
  ASSERT_TRUE(inst);
  for (const char* f : {"cmp", "plain", "br"}) {
    inst->setFuel(100);
    ASSERT_TRUE(inst->call<Unit>(f, 10).ok()) << f;
    // One unit for the call, one per entry to the loop header.
    EXPECT_EQ(inst->fuel(), std::string(f) == "br" ? 100u - 1 - 11 : 100u - 1 - 10) << f;
  }
}

TEST(RuntimeLinking, InstancesShareExportedMemoryAndTable) {
  auto a = instantiate(R"((module (memory (export "mem") 1) (table (export "tab") 2 funcref)
      (func $seven (result i32) i32.const 7) (elem (i32.const 0) $seven)))");
  ASSERT_TRUE(a);
  Linker linker;
  linker.defineInstance("a", *a);
  auto b = instantiate(R"((module (import "a" "mem" (memory 1)) (import "a" "tab" (table 1 funcref))
      (type $t (func (result i32)))
      (func (export "poke") i32.const 8 i32.const 99 i32.store)
      (func (export "callit") (result i32) i32.const 0 call_indirect (type $t))))",
                       &linker);
  ASSERT_TRUE(b);
  ASSERT_TRUE(b->call<Unit>("poke").ok());
  uint32_t v = 0;
  ASSERT_TRUE(a->memory()->read(8, &v, 4));
  EXPECT_EQ(v, 99u);
  EXPECT_EQ(b->call<int32_t>("callit").value(), 7);
}

TEST(RuntimeInterp, LocalSetFusionKeepsPendingLocalReads) {
  // local.get 0 is still on the stack when local 0 is overwritten: the old
  // value must be the one added.
  auto inst = instantiate(R"((module (func (export "f") (param i32) (result i32)
      local.get 0
      local.get 0 i32.const 10 i32.add local.set 0
      local.get 0 i32.add)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("f", 1).value(), 12);
}

TEST(RuntimeInterp, CompareAndBranchFusionLoopsCorrectly) {
  auto inst = instantiate(R"((module (func (export "sum") (param i32) (result i32) (local i32 i32)
      block loop
        local.get 1 local.get 0 i32.ge_s br_if 1
        local.get 2 local.get 1 i32.add local.set 2
        local.get 1 i32.const 1 i32.add local.set 1
        br 0 end end local.get 2)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("sum", 100).value(), 4950);
}

TEST(RuntimeInterp, FoldedAddressAddendWrapsLikeI32Add) {
  // (addr + 8) wraps to 4 for addr = -4: the folded address must too, while an
  // offset of 8 on -4 is out of bounds.
  auto inst = instantiate(R"((module (memory 1)
      (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00")
      (func (export "wrapped") (param i32) (result i32) local.get 0 i32.const 8 i32.add i32.load)
      (func (export "offset") (param i32) (result i32) local.get 0 i32.load offset=8)
      (func (export "store") (param i32) local.get 0 i32.const 8 i32.add i32.const 7 i32.store)
      (func (export "peek") (result i32) i32.const 4 i32.load)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("wrapped", -4).value(), 2);
  auto r = inst->call<int32_t>("offset", -4);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kMemoryOutOfBounds);
  ASSERT_TRUE(inst->call<Unit>("store", -4).ok());
  EXPECT_EQ(inst->call<int32_t>("peek").value(), 7);
}

TEST(RuntimeInterp, LoadFusedIntoArithmeticTrapsLikeTheLoad) {
  auto inst = instantiate(R"((module (memory 1)
      (data (i32.const 16) "\00\00\00\00\00\00\f0\3f")
      (func (export "fmul") (param f64 i32) (result f64) local.get 0 local.get 1 f64.load f64.mul)
      (func (export "fsub") (param f64 i32) (result f64) local.get 0 local.get 1 f64.load f64.sub)
      (func (export "isub") (param i32 i32) (result i32) local.get 0 local.get 1 i32.load8_u i32.sub)
      (func (export "ixor") (param i32 i32) (result i32) local.get 1 i32.load local.get 0 i32.xor)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<double>("fmul", 3.0, 16).value(), 3.0);
  EXPECT_EQ(inst->call<double>("fsub", 3.0, 16).value(), 2.0);
  EXPECT_EQ(inst->call<int32_t>("isub", 1, 23).value(), 1 - 0x3f);
  EXPECT_EQ(inst->call<int32_t>("ixor", 5, 20).value(), 0x3ff00000 ^ 5);
  for (const char* f : {"fmul", "fsub"}) {
    auto r = inst->call<double>(f, 1.0, 65536 - 7);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.trap().kind, TrapKind::kMemoryOutOfBounds);
  }
  auto r = inst->call<int32_t>("ixor", 0, 65536 - 3);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kMemoryOutOfBounds);
}

TEST(RuntimeInterp, AddThenMaskFusionKeepsBothResultsRight) {
  // (x - 97) & 255 < 26: the fused add-and-mask feeds a compare-and-branch;
  // "tee" keeps the sum itself visible, so it must not be fused away.
  auto inst = instantiate(R"((module
      (func (export "lower") (param i32) (result i32)
        block local.get 0 i32.const -97 i32.add i32.const 255 i32.and i32.const 26 i32.lt_u br_if 0
          i32.const 0 return end i32.const 1)
      (func (export "tee") (param i32) (result i32) (local i32)
        local.get 0 i32.const 7 i32.add local.tee 1 i32.const 12 i32.and local.get 1 i32.add)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("lower", int32_t{'a'}).value(), 1);
  EXPECT_EQ(inst->call<int32_t>("lower", int32_t{'z'}).value(), 1);
  EXPECT_EQ(inst->call<int32_t>("lower", int32_t{'A'}).value(), 0);
  EXPECT_EQ(inst->call<int32_t>("lower", int32_t{0x100 + 'c'}).value(), 1);
  EXPECT_EQ(inst->call<int32_t>("tee", -1).value(), (6 & 12) + 6);
}

TEST(RuntimeInterp, PairedCopiesAndAddsRunInOrder) {
  // A rotation of three locals (each copy reads what the previous one wrote),
  // dependent adds that become one pair, and an address fold that takes the
  // second add of a pair.
  auto inst = instantiate(R"((module (memory 1)
      (data (i32.const 8) "\2a")
      (func (export "rot") (param i32 i32 i32) (result i32) (local i32)
        local.get 0 local.set 3 local.get 1 local.set 0 local.get 2 local.set 1 local.get 3 local.set 2
        local.get 0 i32.const 100 i32.mul local.get 1 i32.const 10 i32.mul i32.add local.get 2 i32.add)
      (func (export "adds") (param i32) (result i32) (local i32)
        local.get 0 i32.const 3 i32.add local.set 1 local.get 1 i32.const 4 i32.add local.set 0
        local.get 0 local.get 1 i32.mul)
      (func (export "fold") (param i32) (result i32) (local i32)
        local.get 0 i32.const 1 i32.add local.set 1 local.get 1 i32.const 2 i32.add i32.load8_u
        local.get 1 i32.add)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<int32_t>("rot", 1, 2, 3).value(), 231);
  EXPECT_EQ(inst->call<int32_t>("adds", 1).value(), 8 * 4);
  EXPECT_EQ(inst->call<int32_t>("fold", 5).value(), 0x2a + 6);
}

TEST(RuntimeInterp, ReadModifyWriteFusionMatchesLoadOpStore) {
  auto inst = instantiate(R"((module (memory 1)
      (func (export "acc") (param i32 f64) (result f64)
        local.get 0 local.get 1 local.get 0 f64.load f64.add f64.store
        local.get 0 local.get 1 local.get 0 f64.load f64.add f64.store
        local.get 0 f64.load)
      (func (export "other") (param i32 i32) (result i32)
        ;; stores next to the loaded word: not a read-modify-write
        local.get 0 local.get 1 local.get 0 i32.load offset=4 i32.add i32.store
        local.get 0 i32.load)
      (func (export "count") (param i32) (result i32)
        local.get 0 i32.const 5 local.get 0 i32.load i32.add i32.store local.get 0 i32.load)))");
  ASSERT_TRUE(inst);
  EXPECT_EQ(inst->call<double>("acc", 64, 1.5).value(), 3.0);
  EXPECT_EQ(inst->call<int32_t>("count", 128).value(), 5);
  EXPECT_EQ(inst->call<int32_t>("count", 128).value(), 10);
  EXPECT_EQ(inst->call<int32_t>("other", 128, 1).value(), 1);  // word 132 is 0
  auto r = inst->call<int32_t>("count", 65536 - 2);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.trap().kind, TrapKind::kMemoryOutOfBounds);
  auto d = inst->call<double>("acc", 65536 - 4, 1.0);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.trap().kind, TrapKind::kMemoryOutOfBounds);
}

TEST(RuntimeInterp, ShiftedOperandFusionMasksTheCount) {
  // Counts are taken mod the width (45 & 31 = 13), the shifted value may be
  // either operand, and i64 rotates keep 64-bit semantics.
  auto inst = instantiate(R"((module
      (func (export "xs") (param i32) (result i32)
        local.get 0 local.get 0 i32.const 45 i32.shl i32.xor)
      (func (export "sx") (param i32 i32) (result i32)
        local.get 0 i32.const 3 i32.shr_u local.get 1 i32.or)
      (func (export "rot") (param i64) (result i64)
        local.get 0 i64.const 40 i64.rotl local.get 0 i64.const 3 i64.rotl i64.xor)))");
  ASSERT_TRUE(inst);
  uint32_t x = 0x12345678u;
  EXPECT_EQ(static_cast<uint32_t>(inst->call<int32_t>("xs", static_cast<int32_t>(x)).value()), x ^ (x << 13));
  EXPECT_EQ(inst->call<int32_t>("sx", -8, 1).value(), static_cast<int32_t>((0xfffffff8u >> 3) | 1));
  uint64_t y = 0x0123456789abcdefull;
  uint64_t want = ((y << 40) | (y >> 24)) ^ ((y << 3) | (y >> 61));
  EXPECT_EQ(static_cast<uint64_t>(inst->call<int64_t>("rot", static_cast<int64_t>(y)).value()), want);
}

}  // namespace
}  // namespace weir::wasm::runtime

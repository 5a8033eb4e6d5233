// The compiled tier's memory checks: guard pages (the default: no compare in
// the code, a fault in the memory's reservation becomes the trap) and the
// explicitly checked build (forced, or for a memory outside a reservation);
// faults that are not the guest's still crash. Last, the differential fuzzer's
// seed corpus replayed: both builds must agree with the interpreter.
#include <signal.h>

#include <thread>

#include <gtest/gtest.h>

#include "fuzz/wasm_differential.h"
#include "unit/wasm/aot_test_util.h"
#include "unit/wasm/seed_corpus_util.h"
#include "unit/wasm/wat_test_util.h"
#include "wasm/aot/aot_code.h"
#include "wasm/aot/toolchain.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"

namespace weir::wasm::runtime {
namespace {

using aot::MemoryChecks;

const std::string& cacheDir() { return testing::aotCacheDir(); }
[[maybe_unused]] const bool kCleanup = (testing::removeAotCacheDirAtExit(), true);

// use_cache false: a death test's child (which crashes before any cleanup)
// must not create a cache directory.
std::shared_ptr<const Module> compileAot(const std::string& wat, MemoryChecks checks, bool use_cache = true) {
  EngineConfig c;
  c.tier = Tier::kAot;
  c.aot.use_cache = use_cache;
  if (use_cache) c.aot.cache_dir = cacheDir();
  c.aot.memory_checks = checks;
  auto m = Engine(c).compile(testing::watToWasm(wat));
  EXPECT_TRUE(m.isOk()) << m.status().message();
  return m.isOk() ? m.value() : nullptr;
}

MemoryChecks checksOf(const Instance& inst) {
  return static_cast<const aot::AotCode&>(inst.module().code()).memory_checks;
}

constexpr const char* kAccessWat = R"((module (memory (export "memory") 1 2)
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load_far") (param i32) (result i64) (i64.load offset=0xffffffff (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (result i32) (memory.grow (i32.const 1)))))";

class MemoryChecksTest : public ::testing::TestWithParam<MemoryChecks> {
 protected:
  void SetUp() override {
    if (!aot::toolchain().isOk()) GTEST_SKIP() << "no wasm2c or C compiler";
  }
};

INSTANTIATE_TEST_SUITE_P(Builds, MemoryChecksTest, ::testing::Values(MemoryChecks::kGuardPages, MemoryChecks::kExplicit),
                         [](const auto& info) {
                           return std::string(info.param == MemoryChecks::kGuardPages ? "guard" : "explicit");
                         });

TEST_P(MemoryChecksTest, EveryOutOfBoundsAccessTrapsAndTheInstanceKeepsWorking) {
  auto m = compileAot(kAccessWat, GetParam());
  ASSERT_TRUE(m);
  Linker linker;
  auto inst = Instance::instantiate(m, linker);
  ASSERT_TRUE(inst.isOk()) << inst.status().message();
  Instance& in = *inst.value();
  EXPECT_EQ(checksOf(in), GetParam());
  EXPECT_EQ(in.memory()->guarded(), GetParam() == MemoryChecks::kGuardPages);
  ASSERT_TRUE(in.call<Unit>("store", 65535, 7).ok());
  EXPECT_EQ(in.call<int32_t>("load", 65532).value(), 7 << 24);
  // Repeatedly, so a trap raised from the signal handler leaves the thread
  // able to take the next one (signal mask, alternate stack).
  for (int i = 0; i < 3; ++i) {
    auto r = in.call<int32_t>("load", 65533);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.trap().kind, TrapKind::kMemoryOutOfBounds);
    EXPECT_EQ(r.trap().message, "out of bounds memory access");
    auto s = in.call<Unit>("store", 65536, 1);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.trap().kind, TrapKind::kMemoryOutOfBounds);
  }
  // The largest address a 32-bit access can form (4 GiB + 4 GiB).
  auto far = in.call<int64_t>("load_far", -1);
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.trap().kind, TrapKind::kMemoryOutOfBounds);
  // Grown memory is reachable; past it still traps.
  EXPECT_EQ(in.call<int32_t>("grow").value(), 1);
  EXPECT_TRUE(in.call<Unit>("store", 65536 * 2 - 1, 9).ok());
  EXPECT_EQ(in.call<Unit>("store", 65536 * 2, 9).trap().kind, TrapKind::kMemoryOutOfBounds);
}

TEST(GuardPages, WorkerThreadsTrapConcurrentlyOnTheirOwnInstances) {
  if (!aot::toolchain().isOk()) GTEST_SKIP() << "no wasm2c or C compiler";
  auto m = compileAot(kAccessWat, MemoryChecks::kGuardPages);
  ASSERT_TRUE(m);
  std::atomic<int> traps{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Linker linker;
      auto inst = Instance::instantiate(m, linker);
      if (!inst.isOk()) {
        ++wrong;
        return;
      }
      for (int i = 0; i < 200; ++i) {
        auto r = inst.value()->call<int32_t>("load", 65536 + i);
        if (!r.ok() && r.trap().kind == TrapKind::kMemoryOutOfBounds) ++traps;
        if (!inst.value()->call<Unit>("store", i, t).ok()) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(traps.load(), 800);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(GuardPages, AnImportedMemoryOutsideAReservationRunsTheCheckedBuild) {
  if (!aot::toolchain().isOk()) GTEST_SKIP() << "no wasm2c or C compiler";
  auto m = compileAot(R"((module (import "env" "memory" (memory 1))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))))",
                      MemoryChecks::kGuardPages);
  ASSERT_TRUE(m);
  MemoryType type;
  type.limits.min = 1;
  auto mem = Memory::create(type, 1);
  ASSERT_TRUE(mem.isOk());
  ASSERT_FALSE(mem.value()->guarded());
  Linker linker;
  linker.define("env", "memory", Extern::ofMemory(mem.value()));
  auto inst = Instance::instantiate(m, linker);
  ASSERT_TRUE(inst.isOk()) << inst.status().message();
  int32_t v = 42;
  ASSERT_TRUE(mem.value()->write(100, &v, 4));
  EXPECT_EQ(inst.value()->call<int32_t>("load", 100).value(), 42);
  EXPECT_EQ(inst.value()->call<int32_t>("load", 65533).trap().kind, TrapKind::kMemoryOutOfBounds);
}

Status hostTouchesGuardRegion(Caller& caller, void*, const Value*, Value*) {
  // Past the committed page but inside the reservation: the guest's trap
  // if compiled code did it, a weir bug when host code does.
  volatile uint8_t* p = caller.memory()->base_ + 3 * 65536;
  *p = 1;
  return Status::ok();
}

TEST(GuardPagesDeathTest, FaultsThatAreNotTheGuestsStillCrash) {
  if (!aot::toolchain().isOk()) GTEST_SKIP() << "no wasm2c or C compiler";
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Linker linker;
  linker.defineFunc("env", "touch", FuncType({}, {}), &hostTouchesGuardRegion);
  auto m = compileAot(R"((module (import "env" "touch" (func $t)) (memory 1)
    (func (export "run") (call $t))))",
                      MemoryChecks::kGuardPages, false);
  ASSERT_TRUE(m);
  auto inst = Instance::instantiate(m, linker);
  ASSERT_TRUE(inst.isOk()) << inst.status().message();
  ASSERT_TRUE(inst.value()->memory()->guarded());
  // A host function called from compiled code faulting in the reservation.
  EXPECT_DEATH((void)inst.value()->call<Unit>("run"), "");
  // An unrelated fault on a thread that runs compiled code, after the
  // handler is installed.
  EXPECT_DEATH(
      {
        (void)inst.value()->call<Unit>("run");
        raise(SIGSEGV);
      },
      "");
  EXPECT_DEATH(
      {
        volatile int* null = nullptr;
        *null = 1;
      },
      "");
}

// The default build, and weir's C emitter for the inputs that ask for it, at
// -O1 to keep the file's run time short (one C compile per input and build);
// the fuzz target compares all three builds at -O2.
TEST(AotDifferential, SeedCorpusAgreesWithTheInterpreter) {
  if (!aot::toolchain().isOk()) GTEST_SKIP() << "no wasm2c or C compiler";
  auto corpus = testing::seedCorpus("wasm_differential");
  ASSERT_FALSE(corpus.empty()) << "WEIR_FUZZ_CORPUS_DIR/wasm_differential is empty or unset";
  fuzz::DifferentialConfig config;
  config.aot.use_cache = false;
  config.aot.opt_level = 1;
  fuzz::Differential diff(config);
  config.aot.emitter = aot::Emitter::kAll;
  fuzz::Differential emitted(config);
  // As the fuzz target: the first byte picks the builds, the rest is the module.
  for (const auto& input : corpus) {
    if (input.empty()) continue;
    EXPECT_EQ(diff.run(input.data() + 1, input.size() - 1), "") << "input of " << input.size() << " bytes";
    if (input[0] & 2) {
      EXPECT_EQ(emitted.run(input.data() + 1, input.size() - 1), "")
          << "input of " << input.size() << " bytes, weir's C emitter";
    }
  }
}

}  // namespace
}  // namespace weir::wasm::runtime

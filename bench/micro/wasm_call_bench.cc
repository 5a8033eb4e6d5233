// The engine's call boundary and instantiation, on both tiers (the engine
// issue's targets: a host->wasm or wasm->host call <= 30 ns; instantiating a
// 150 KB module <= 1 ms):
//   BM_HostToWasm/<tier>    Instance::call of an exported (i32) -> i32 function
//   BM_HostToWasmSlots/<tier>  the same function through Instance::callSlots
//                           (what the Proxy-Wasm host calls callbacks with)
//   BM_WasmToHost/<tier>    per iteration of a guest loop calling an imported
//                           host function (i32) -> i32
//   BM_WasmToWasm/<tier>    the same loop calling a guest function instead:
//                           the loop's own cost, to read the one above against
//   BM_Instantiate/<tier>   Instance::instantiate of a generated module of
//                           about 150 KB (2,400 functions, a 16 KB data segment)
// Modules are built from WAT with wabt's wat2wasm when the binary starts; the
// compiled tier compiles them into its object cache (a cold cache takes a few
// seconds for the large module).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"

namespace weir::wasm::runtime {
namespace {

std::vector<uint8_t> watToWasm(const std::string& wat) {
  char dir[] = "/tmp/weir-wasm-call-bench-XXXXXX";
  if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
  const std::string in = std::string(dir) + "/m.wat", out = std::string(dir) + "/m.wasm";
  std::ofstream(in) << wat;
  const std::string cmd = "wat2wasm " + in + " -o " + out;
  const int rc = std::system(cmd.c_str());
  std::ifstream f(out, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::remove(in.c_str());
  std::remove(out.c_str());
  rmdir(dir);
  if (rc != 0 || bytes.empty()) throw std::runtime_error("wat2wasm failed");
  return bytes;
}

constexpr const char* kCallModule = R"((module
  (import "env" "host_inc" (func $host_inc (param i32) (result i32)))
  (func $inc (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "loop_host") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (call $host_inc (local.get $acc)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $acc))
  (func (export "loop_wasm") (param $n i32) (result i32) (local $acc i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $acc (call $inc (local.get $acc)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $acc)))
)";

// About 150 KB: functions that each do a little arithmetic and memory work,
// called in a chain so none is dead, plus a data segment.
std::string largeModuleWat() {
  std::string wat = "(module (memory 2) (data (i32.const 1024) \"";
  for (int i = 0; i < 16 * 1024; ++i) wat += static_cast<char>('a' + i % 26);
  wat += "\")\n";
  constexpr int kFunctions = 2400;
  for (int i = 0; i < kFunctions; ++i) {
    wat += "(func $f" + std::to_string(i) + " (param i32) (result i32) (local i32)\n";
    wat += "  (local.set 1 (i32.add (i32.load (i32.and (local.get 0) (i32.const 0xfffc))) (i32.const " +
           std::to_string(i * 7 + 1) + ")))\n";
    wat += "  (i32.store (i32.and (i32.add (local.get 0) (i32.const " + std::to_string(i * 4) +
           ")) (i32.const 0xfffc)) (i32.mul (local.get 1) (i32.const 31)))\n";
    wat += "  (if (result i32) (i32.gt_u (local.get 1) (i32.const " + std::to_string(1000 + i) + "))\n";
    wat += "    (then (i32.xor (local.get 1) (i32.shl (local.get 0) (i32.const 3))))\n";
    wat += "    (else " + (i + 1 < kFunctions ? "(call $f" + std::to_string(i + 1) + " (local.get 1))" : std::string("(local.get 1)")) +
           ")))\n";
  }
  wat += "(export \"run\" (func $f0)))\n";
  return wat;
}

Status hostInc(Caller&, void*, const Value* args, Value* results) {
  results[0] = Value::fromI32(args[0].i32 + 1);
  return Status::ok();
}

std::shared_ptr<const Module> compile(const std::vector<uint8_t>& bytes, Tier tier) {
  EngineConfig cfg;
  cfg.tier = tier;
  auto m = Engine(cfg).compile(bytes);
  if (!m) throw std::runtime_error("compile failed: " + m.status().message());
  return m.value();
}

struct CallFixture {
  std::shared_ptr<const Module> module;
  Linker linker;
  std::unique_ptr<Instance> instance;
};

CallFixture& callFixture(Tier tier) {
  static std::unique_ptr<CallFixture> fixtures[2];
  auto& slot = fixtures[tier == Tier::kAot ? 1 : 0];
  if (!slot) {
    static const std::vector<uint8_t> bytes = watToWasm(kCallModule);
    slot = std::make_unique<CallFixture>();
    slot->module = compile(bytes, tier);
    slot->linker.defineFunc("env", "host_inc", FuncType({ValType::kI32}, {ValType::kI32}), &hostInc);
    auto inst = Instance::instantiate(slot->module, slot->linker);
    if (!inst) throw std::runtime_error("instantiate failed: " + inst.status().message());
    slot->instance = std::move(inst.value());
  }
  return *slot;
}

Tier tierOf(benchmark::State& state) { return state.range(0) ? Tier::kAot : Tier::kInterpreter; }

void BM_HostToWasm(benchmark::State& state) {
  CallFixture& fx = callFixture(tierOf(state));
  std::shared_ptr<Function> f = fx.instance->exportedFunction("inc");
  Value in[1] = {Value::fromI32(1)};
  Value out[1];
  for (auto _ : state) {
    auto trap = fx.instance->call(*f, std::span<const Value>(in, 1), std::span<Value>(out, 1));
    if (trap) state.SkipWithError(trap->message.c_str());
    in[0] = out[0];
  }
  benchmark::DoNotOptimize(out[0].i32);
}

void BM_HostToWasmSlots(benchmark::State& state) {
  CallFixture& fx = callFixture(tierOf(state));
  std::shared_ptr<Function> f = fx.instance->exportedFunction("inc");
  uint64_t slots[1] = {1};
  for (auto _ : state) {
    auto trap = fx.instance->callSlots(*f, slots);
    if (trap) state.SkipWithError(trap->message.c_str());
  }
  benchmark::DoNotOptimize(slots[0]);
}

void runLoop(benchmark::State& state, const char* name) {
  CallFixture& fx = callFixture(tierOf(state));
  std::shared_ptr<Function> f = fx.instance->exportedFunction(name);
  constexpr int32_t kIterations = 100000;
  Value in[1] = {Value::fromI32(kIterations)};
  Value out[1];
  for (auto _ : state) {
    auto trap = fx.instance->call(*f, std::span<const Value>(in, 1), std::span<Value>(out, 1));
    if (trap) state.SkipWithError(trap->message.c_str());
    if (out[0].i32 != kIterations) state.SkipWithError("wrong result");
  }
  // Reported per loop iteration (one call each).
  state.SetItemsProcessed(state.iterations() * kIterations);
  state.counters["ns_per_call"] = benchmark::Counter(static_cast<double>(state.iterations()) * kIterations,
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_WasmToHost(benchmark::State& state) { runLoop(state, "loop_host"); }
void BM_WasmToWasm(benchmark::State& state) { runLoop(state, "loop_wasm"); }

void BM_Instantiate(benchmark::State& state) {
  static const std::vector<uint8_t> bytes = watToWasm(largeModuleWat());
  auto module = compile(bytes, tierOf(state));
  Linker linker;
  for (auto _ : state) {
    auto inst = Instance::instantiate(module, linker);
    if (!inst) {
      state.SkipWithError(inst.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(inst.value().get());
  }
  state.counters["module_bytes"] = static_cast<double>(bytes.size());
}

}  // namespace
}  // namespace weir::wasm::runtime

using weir::wasm::runtime::BM_HostToWasm;
using weir::wasm::runtime::BM_HostToWasmSlots;
using weir::wasm::runtime::BM_Instantiate;
using weir::wasm::runtime::BM_WasmToHost;
using weir::wasm::runtime::BM_WasmToWasm;

// Argument: 0 = interpreter, 1 = compiled tier.
BENCHMARK(BM_HostToWasm)->ArgName("aot")->Arg(0)->Arg(1);
BENCHMARK(BM_HostToWasmSlots)->ArgName("aot")->Arg(0)->Arg(1);
BENCHMARK(BM_WasmToHost)->ArgName("aot")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_WasmToWasm)->ArgName("aot")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Instantiate)->ArgName("aot")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();

// weir's own C emitter (src/wasm/aot/emitter.h) against the interpreter:
// every SIMD instruction, called through a function with a scalar
// signature (the shape clang's auto-vectorized code has), on random and
// special inputs, under both memory-check builds; then control flow that
// carries v128 values (block results, loop parameters, br_table, select),
// traps and calls in and out of emitted functions.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "unit/wasm/aot_test_util.h"
#include "unit/wasm/wat_test_util.h"
#include "wasm/aot/toolchain.h"
#include "wasm/opcodes.h"
#include "wasm/runtime/engine.h"
#include "wasm/runtime/instance.h"
#include "wasm/simd/simd_ops.h"

namespace weir::wasm::runtime {
namespace {

using testing::watToWasm;

[[maybe_unused]] const bool kCleanup = (testing::removeAotCacheDirAtExit(), true);

std::shared_ptr<const Module> compileOn(const std::vector<uint8_t>& bytes, Tier tier, aot::MemoryChecks checks) {
  EngineConfig c;
  c.tier = tier;
  c.aot.cache_dir = testing::aotCacheDir();
  c.aot.memory_checks = checks;
  auto m = Engine(c).compile(bytes);
  EXPECT_TRUE(m.isOk()) << m.status().message();
  if (!m.isOk()) return nullptr;
  EXPECT_EQ(m.value()->tier(), tier);
  return m.value();
}

std::unique_ptr<Instance> instantiate(std::shared_ptr<const Module> m) {
  if (!m) return nullptr;
  Linker none;
  auto inst = Instance::instantiate(std::move(m), none);
  EXPECT_TRUE(inst.isOk()) << inst.status().message();
  return inst.isOk() ? std::move(inst.value()) : nullptr;
}

bool haveToolchain() { return aot::toolchain().isOk(); }

// ---------------------------------------------------------------------------
// One exported function per SIMD instruction, (i64 x6) -> (i64 i64): a, b
// and c are v128 values built from the parameter pairs, the result's two
// halves are returned.
enum class Shape { kUnary, kBinary, kTernary, kShift, kTest, kShuffle, kSplat, kExtract, kReplace,
                   kLoad, kStore, kLoadLane, kStoreLane };

struct OpCase {
  std::string name;  // text-format instruction
  Shape shape;
  char scalar = 0;   // splat/extract/replace: i (i32) j (i64) f d
  uint32_t lanes = 0;
  uint32_t width = 0;
};

// Lane count from the instruction's prefix (i8x16 -> 16; v128.* memory ops
// take it from their width).
uint32_t laneCount(const std::string& name) {
  if (name.rfind("i8x16", 0) == 0) return 16;
  if (name.rfind("i16x8", 0) == 0) return 8;
  if (name.rfind("i32x4", 0) == 0 || name.rfind("f32x4", 0) == 0) return 4;
  return 2;
}

std::vector<OpCase> allOps() {
  std::vector<OpCase> ops;
  auto add = [&](SimdOpcode op, Shape shape, char scalar = 0, uint32_t width = 0) {
    std::string name(simdOpcodeName(static_cast<uint32_t>(op)));
    uint32_t lanes = laneCount(name);
    if (shape == Shape::kLoadLane || shape == Shape::kStoreLane) lanes = 16 / width;
    ops.push_back({name, shape, scalar, lanes, width});
  };
#define WEIR_CASE(Op, fn) add(SimdOpcode::k##Op, shape, scalar);
#define WEIR_CASE_W(Op, fn, width) add(SimdOpcode::k##Op, shape, 0, width);
  Shape shape = Shape::kUnary;
  char scalar = 0;
  WEIR_SIMD_UNARY_OPS(WEIR_CASE)
  shape = Shape::kBinary;
  WEIR_SIMD_BINARY_OPS(WEIR_CASE)
  shape = Shape::kTernary;
  WEIR_SIMD_TERNARY_OPS(WEIR_CASE)
  shape = Shape::kShift;
  WEIR_SIMD_SHIFT_OPS(WEIR_CASE)
  shape = Shape::kTest;
  WEIR_SIMD_TEST_OPS(WEIR_CASE)
  shape = Shape::kShuffle;
  WEIR_SIMD_SHUFFLE_OPS(WEIR_CASE)
  shape = Shape::kSplat;
  scalar = 'i';
  WEIR_SIMD_SPLAT_I32_OPS(WEIR_CASE)
  scalar = 'j';
  WEIR_SIMD_SPLAT_I64_OPS(WEIR_CASE)
  scalar = 'f';
  WEIR_SIMD_SPLAT_F32_OPS(WEIR_CASE)
  scalar = 'd';
  WEIR_SIMD_SPLAT_F64_OPS(WEIR_CASE)
  shape = Shape::kExtract;
  scalar = 'i';
  WEIR_SIMD_EXTRACT_I32_OPS(WEIR_CASE)
  scalar = 'j';
  WEIR_SIMD_EXTRACT_I64_OPS(WEIR_CASE)
  scalar = 'f';
  WEIR_SIMD_EXTRACT_F32_OPS(WEIR_CASE)
  scalar = 'd';
  WEIR_SIMD_EXTRACT_F64_OPS(WEIR_CASE)
  shape = Shape::kReplace;
  scalar = 'i';
  WEIR_SIMD_REPLACE_I32_OPS(WEIR_CASE)
  scalar = 'j';
  WEIR_SIMD_REPLACE_I64_OPS(WEIR_CASE)
  scalar = 'f';
  WEIR_SIMD_REPLACE_F32_OPS(WEIR_CASE)
  scalar = 'd';
  WEIR_SIMD_REPLACE_F64_OPS(WEIR_CASE)
  shape = Shape::kLoad;
  WEIR_SIMD_LOAD_OPS(WEIR_CASE_W)
  shape = Shape::kStore;
  WEIR_SIMD_STORE_OPS(WEIR_CASE_W)
  shape = Shape::kLoadLane;
  WEIR_SIMD_LOAD_LANE_OPS(WEIR_CASE_W)
  shape = Shape::kStoreLane;
  WEIR_SIMD_STORE_LANE_OPS(WEIR_CASE_W)
#undef WEIR_CASE
#undef WEIR_CASE_W
  return ops;
}

const char* kA = "(i64x2.replace_lane 1 (i64x2.splat (local.get 0)) (local.get 1))";
const char* kB = "(i64x2.replace_lane 1 (i64x2.splat (local.get 2)) (local.get 3))";
const char* kC = "(i64x2.replace_lane 1 (i64x2.splat (local.get 4)) (local.get 5))";
const char* kAddr = "(i32.and (i32.wrap_i64 (local.get 4)) (i32.const 15))";

// A scalar of type `c` from parameter 4 (splat takes parameter 0).
std::string scalarFrom(char c, int param) {
  std::string p = "(local.get " + std::to_string(param) + ")";
  switch (c) {
    case 'i': return "(i32.wrap_i64 " + p + ")";
    case 'f': return "(f32.reinterpret_i32 (i32.wrap_i64 " + p + "))";
    case 'd': return "(f64.reinterpret_i64 " + p + ")";
    default: return p;
  }
}

std::string scalarToI64(char c, const std::string& e) {
  switch (c) {
    case 'i': return "(i64.extend_i32_u " + e + ")";
    case 'f': return "(i64.extend_i32_u (i32.reinterpret_f32 " + e + "))";
    case 'd': return "(i64.reinterpret_f64 " + e + ")";
    default: return e;
  }
}

// The v128 expression a case computes, for lane `lane` (lane ops) and
// shuffle pattern `pattern`.
std::string caseExpr(const OpCase& op, uint32_t lane, const std::string& pattern) {
  const std::string l = std::to_string(lane);
  switch (op.shape) {
    case Shape::kUnary: return "(" + op.name + " " + kA + ")";
    case Shape::kBinary: return "(" + op.name + " " + kA + " " + kB + ")";
    case Shape::kTernary: return "(" + op.name + " " + kA + " " + kB + " " + kC + ")";
    case Shape::kShift: return "(" + op.name + " " + kA + " (i32.wrap_i64 (local.get 4)))";
    case Shape::kTest: return "(i64x2.splat (i64.extend_i32_u (" + op.name + " " + kA + ")))";
    case Shape::kShuffle: return "(" + op.name + " " + pattern + " " + kA + " " + kB + ")";
    case Shape::kSplat: return "(" + op.name + " " + scalarFrom(op.scalar, 0) + ")";
    case Shape::kExtract:
      return "(i64x2.splat " + scalarToI64(op.scalar, "(" + op.name + " " + l + " " + kA + ")") + ")";
    case Shape::kReplace: return "(" + op.name + " " + l + " " + kA + " " + scalarFrom(op.scalar, 4) + ")";
    case Shape::kLoad: return "(" + op.name + " offset=3 " + kAddr + ")";
    case Shape::kLoadLane: return "(" + op.name + " offset=1 " + l + " " + kAddr + " " + kA + ")";
    case Shape::kStore:
    case Shape::kStoreLane: {
      std::string store = op.shape == Shape::kStore ? "(" + op.name + " offset=2 " + kAddr + " " + kA + ")"
                                                    : "(" + op.name + " offset=2 " + l + " " + kAddr + " " + kA + ")";
      // Stores reach bytes 0..33: all of them show in the result.
      return "(block (result v128) " + store +
             " (v128.xor (v128.load (i32.const 0)) (v128.xor (v128.load (i32.const 16)) (v128.load (i32.const 18)))))";
    }
  }
  return "";
}

struct Func {
  std::string export_name;
  const OpCase* op;
};

// The module: memory page 0 holds b (bytes 0..15) and c (16..31), written
// before every load so loads see the inputs, zeroed before every store.
std::string buildModule(const std::vector<OpCase>& ops, std::vector<Func>& funcs) {
  std::string wat = "(module (memory 1)\n";
  const char* patterns[] = {"0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "31 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14",
                            "16 16 16 16 3 3 3 3 31 30 29 28 0 31 1 30"};
  for (const OpCase& op : ops) {
    std::vector<std::pair<uint32_t, std::string>> variants;
    if (op.shape == Shape::kExtract || op.shape == Shape::kReplace || op.shape == Shape::kLoadLane ||
        op.shape == Shape::kStoreLane) {
      for (uint32_t lane = 0; lane < op.lanes; ++lane) variants.push_back({lane, ""});
    } else if (op.shape == Shape::kShuffle) {
      for (const char* p : patterns) variants.push_back({0, p});
    } else {
      variants.push_back({0, ""});
    }
    for (const auto& [lane, pattern] : variants) {
      std::string name = "f" + std::to_string(funcs.size());
      funcs.push_back({name, &op});
      const bool memory = op.shape == Shape::kLoad || op.shape == Shape::kLoadLane;
      const bool store = op.shape == Shape::kStore || op.shape == Shape::kStoreLane;
      wat += "(func (export \"" + name + "\") (param i64 i64 i64 i64 i64 i64) (result i64 i64) (local v128)\n";
      if (memory) wat += std::string("  (v128.store (i32.const 0) ") + kB + ") (v128.store (i32.const 16) " + kC + ")\n";
      if (store) wat += "  (v128.store (i32.const 0) (v128.const i64x2 0 0)) (v128.store (i32.const 16) (v128.const i64x2 0 0))\n";
      wat += "  (local.set 6 " + caseExpr(op, lane, pattern) + ")\n";
      wat += "  (i64x2.extract_lane 0 (local.get 6)) (i64x2.extract_lane 1 (local.get 6)))\n";
    }
  }
  return wat + ")\n";
}

// Float results may be any NaN where the spec allows several: lanes where
// both sides are NaN count as equal.
bool floatLanes(const OpCase& op, uint32_t* width) {
  const std::string& n = op.name;
  const bool f32 = n.rfind("f32x4.", 0) == 0, f64 = n.rfind("f64x2.", 0) == 0;
  if (!f32 && !f64) return false;
  for (const char* cmp : {".eq", ".ne", ".lt", ".gt", ".le", ".ge", "extract_lane", "replace_lane", "splat"}) {
    if (n.find(cmp) != std::string::npos) return false;
  }
  *width = f32 ? 4 : 8;
  return true;
}

bool sameResult(const OpCase& op, const uint64_t a[2], const uint64_t b[2]) {
  uint32_t width = 0;
  if (!floatLanes(op, &width)) return a[0] == b[0] && a[1] == b[1];
  uint8_t x[16], y[16];
  std::memcpy(x, a, 16);
  std::memcpy(y, b, 16);
  for (uint32_t off = 0; off < 16; off += width) {
    if (std::memcmp(x + off, y + off, width) == 0) continue;
    bool nan_x, nan_y;
    if (width == 4) {
      float fx, fy;
      std::memcpy(&fx, x + off, 4);
      std::memcpy(&fy, y + off, 4);
      nan_x = std::isnan(fx);
      nan_y = std::isnan(fy);
    } else {
      double dx, dy;
      std::memcpy(&dx, x + off, 8);
      std::memcpy(&dy, y + off, 8);
      nan_x = std::isnan(dx);
      nan_y = std::isnan(dy);
    }
    if (!(nan_x && nan_y)) return false;
  }
  return true;
}

// Inputs: random bits, and lanes of special values for every lane width.
std::vector<std::array<uint64_t, 6>> inputs() {
  std::mt19937_64 rng(20261203);
  const uint64_t specials[] = {
      0, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull, 0x7ff8000000000000ull, 0xfff0000000000000ull,
      0x7ff0000000000001ull, 0x3ff8000000000000ull, 0x41e0000000000000ull, 0xc1e0000000200000ull,
      0x7fc000007f800000ull, 0xff8000017fa00000ull, 0x80000000bf800000ull, 0x4f0000004f800000ull,
      0x8080808080808080ull, 0x7f7f7f7f01010101ull, 0x8000800080007fffull, 0x00000001ffffffffull,
      0x000fffffffffffffull, 0x0000000000400000ull, 0x43e0000000000000ull, 0xc3e0000000000001ull,
  };
  std::vector<std::array<uint64_t, 6>> in;
  const size_t n = std::size(specials);
  for (size_t i = 0; i < n * n; ++i) {
    in.push_back({specials[i % n], specials[i / n], specials[(i * 7) % n], specials[(i * 5 + 3) % n],
                  specials[(i * 3 + 1) % n] ^ (i & 15), specials[(i * 11) % n]});
  }
  for (int i = 0; i < 400; ++i) {
    std::array<uint64_t, 6> r;
    for (uint64_t& v : r) v = rng();
    if (i % 4 == 0) r[4] = rng() % 140;  // shift counts around the lane widths
    in.push_back(r);
  }
  return in;
}

class EmitterTest : public ::testing::TestWithParam<aot::MemoryChecks> {};

INSTANTIATE_TEST_SUITE_P(Checks, EmitterTest,
                         ::testing::Values(aot::MemoryChecks::kGuardPages, aot::MemoryChecks::kExplicit),
                         [](const auto& info) {
                           return std::string(info.param == aot::MemoryChecks::kGuardPages ? "guard" : "explicit");
                         });

TEST_P(EmitterTest, EverySimdInstructionMatchesTheInterpreter) {
  if (!haveToolchain()) GTEST_SKIP() << "no C compiler or wasm2c";
  const std::vector<OpCase> ops = allOps();
  // 236 instructions; v128.const is covered below.
  EXPECT_EQ(ops.size(), 235u);
  std::vector<Func> funcs;
  auto bytes = watToWasm(buildModule(ops, funcs));
  ASSERT_FALSE(bytes.empty()) << "wat2wasm failed";
  auto interp = instantiate(compileOn(bytes, Tier::kInterpreter, GetParam()));
  auto aot = instantiate(compileOn(bytes, Tier::kAot, GetParam()));
  ASSERT_TRUE(interp && aot);
  const auto in = inputs();
  size_t mismatches = 0;
  for (const Func& f : funcs) {
    auto fi = interp->exportedFunction(f.export_name);
    auto fa = aot->exportedFunction(f.export_name);
    ASSERT_TRUE(fi && fa);
    for (const auto& args : in) {
      Value v[6];
      for (int k = 0; k < 6; ++k) v[k] = Value::fromI64(static_cast<int64_t>(args[k]));
      Value ri[2], ra[2];
      auto ti = interp->call(*fi, v, ri);
      auto ta = aot->call(*fa, v, ra);
      ASSERT_EQ(ti.has_value(), ta.has_value()) << f.op->name;
      if (ti) continue;
      const uint64_t a[2] = {static_cast<uint64_t>(ri[0].i64), static_cast<uint64_t>(ri[1].i64)};
      const uint64_t b[2] = {static_cast<uint64_t>(ra[0].i64), static_cast<uint64_t>(ra[1].i64)};
      if (!sameResult(*f.op, a, b) && mismatches++ < 20) {
        ADD_FAILURE() << f.op->name << " (" << f.export_name << ") args " << std::hex << args[0] << " " << args[1]
                      << " " << args[2] << " " << args[3] << " " << args[4] << " " << args[5] << ": interpreter "
                      << a[0] << " " << a[1] << ", compiled " << b[0] << " " << b[1];
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
}

// v128 values through every kind of control transfer, a call out of and
// back into emitted code, and the traps emitted code raises.
constexpr const char* kControlFlow = R"((module
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) $scalar $vec_sum)
  (global $g (mut i32) (i32.const 7))
  (type $t (func (param i32) (result i32)))
  (func $scalar (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $vec_sum (param i32) (result i32)
    (i32x4.extract_lane 2 (i32x4.add (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4))))
  ;; Sum of n f64 values at address 0, two at a time, like clang's vectorized loops.
  (func (export "sum") (param $n i32) (result f64) (local $acc v128) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (f64x2.add (local.get $acc) (v128.load (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
  (func (export "fill") (param $n i32)
    (local $i i32)
    (loop $l
      (f64.store (i32.shl (local.get $i) (i32.const 3)) (f64.convert_i32_u (i32.add (local.get $i) (i32.const 1))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
  ;; A block result, a loop parameter, br_table with a value and select.
  (func (export "flow") (param $k i32) (result i32) (local $v v128)
    (local.set $v
      (block $out (result v128)
        (block $two (result v128)
          (block $one (result v128)
            (br_table $one $two $out (i32x4.splat (local.get $k)) (local.get $k)))
          (i32x4.mul (v128.const i32x4 10 10 10 10)))
        (i32x4.add (v128.const i32x4 1 1 1 1))))
    (local.get $v)
    (loop $l (param v128) (result v128)
      (i32x4.add (v128.const i32x4 1 2 3 4))
      (local.tee $v)
      (br_if $l (i32.lt_s (i32x4.extract_lane 0 (local.get $v)) (i32.const 100))))
    (local.set $v)
    (local.set $v (select (result v128) (local.get $v) (v128.const i32x4 -1 -1 -1 -1)
                          (i32.and (local.get $k) (i32.const 1))))
    (i32.add (i32x4.extract_lane 0 (local.get $v))
             (i32.add (i32x4.extract_lane 3 (local.get $v)) (global.get $g))))
  ;; Calls from emitted code: direct, indirect into plain and emitted functions.
  (func (export "calls") (param $x i32) (result i32)
    (i32.add (i32x4.extract_lane 0 (i32x4.splat (call $scalar (local.get $x))))
      (i32.add (call_indirect (type $t) (local.get $x) (i32.const 0))
               (call_indirect (type $t) (local.get $x) (i32.const 1)))))
  (func (export "if_else") (param $x i32) (result i64)
    (i64x2.extract_lane 1
      (if (result v128) (local.get $x)
        (then (i64x2.splat (i64.const 5)))
        (else (i64x2.splat (i64.extend_i32_u (i32.div_u (i32.const 100) (local.get $x))))))))
  (func (export "div") (param $x i32) (result i32)
    (i32x4.extract_lane 0 (i32x4.splat (i32.div_s (i32.const 100) (local.get $x)))))
  (func (export "load_at") (param $a i32) (result i64)
    (i64x2.extract_lane 0 (v128.load (local.get $a))))
  (func (export "spin") (local v128) (loop $l (local.set 0 (i32x4.add (local.get 0) (local.get 0))) (br $l)))
  (func (export "grow") (result i32) (local v128)
    (drop (memory.grow (i32.const 1)))
    (i32x4.extract_lane 0 (i32x4.splat (memory.size))))
  (func (export "trap") (local v128) (unreachable)))
)";

TEST_P(EmitterTest, ControlFlowCallsAndTrapsMatchTheInterpreter) {
  if (!haveToolchain()) GTEST_SKIP() << "no C compiler or wasm2c";
  auto bytes = watToWasm(kControlFlow);
  ASSERT_FALSE(bytes.empty());
  auto interp = instantiate(compileOn(bytes, Tier::kInterpreter, GetParam()));
  auto aot = instantiate(compileOn(bytes, Tier::kAot, GetParam()));
  ASSERT_TRUE(interp && aot);
  for (Instance* inst : {interp.get(), aot.get()}) {
    SCOPED_TRACE(tierName(inst->tier()));
    ASSERT_TRUE(inst->call<Unit>("fill", 100).ok());
    EXPECT_EQ(inst->call<double>("sum", 100).value(), 5050.0);
    EXPECT_EQ(inst->call<double>("sum", 7).value(), 36.0);  // reads the 8th value too: 1 + ... + 8
    for (int k : {0, 1, 2, 3, 7}) {
      auto ri = interp->call<int32_t>("flow", k);
      auto ra = inst->call<int32_t>("flow", k);
      ASSERT_TRUE(ri.ok() && ra.ok());
      EXPECT_EQ(ri.value(), ra.value()) << "k=" << k;
    }
    EXPECT_EQ(inst->call<int32_t>("calls", 5).value(), 15 + 15 + 8);
    EXPECT_EQ(inst->call<int64_t>("if_else", 1).value(), 5);
    auto zero = inst->call<int64_t>("if_else", 0);
    ASSERT_FALSE(zero.ok());
    EXPECT_EQ(zero.trap().kind, TrapKind::kIntegerDivideByZero);
    EXPECT_EQ(inst->call<int32_t>("div", 4).value(), 25);
    auto oob = inst->call<int64_t>("load_at", 65536 - 15);
    ASSERT_FALSE(oob.ok());
    EXPECT_EQ(oob.trap().kind, TrapKind::kMemoryOutOfBounds);
    EXPECT_TRUE(inst->call<int64_t>("load_at", 65536 - 16).ok());
    auto trap = inst->call<Unit>("trap");
    ASSERT_FALSE(trap.ok());
    EXPECT_EQ(trap.trap().kind, TrapKind::kUnreachable);
    inst->setFuel(10000);
    auto spin = inst->call<Unit>("spin");
    ASSERT_FALSE(spin.ok());
    EXPECT_EQ(spin.trap().kind, TrapKind::kOutOfFuel);
    inst->setFuel(std::nullopt);
  }
  EXPECT_EQ(aot->call<int32_t>("grow").value(), 2);
  EXPECT_TRUE(aot->call<int64_t>("load_at", 65536 + 100).ok());  // the grown page
}

}  // namespace
}  // namespace weir::wasm::runtime

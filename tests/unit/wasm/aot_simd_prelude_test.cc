// The C SIMD prelude of the compiled tier (wasm/aot/simd_prelude.h) against the
// C++ reference in wasm/simd/. A C harness with one exported wrapper per entry of
// every table in simd_ops.h is generated from the same X-macros as the list of
// C++ reference wrappers, compiled with the system C compiler (and with clang
// when it exists) at -O2, with the portable (non-SSE2) code, and at -O0, loaded
// with dlopen, and every wrapper is run on the same inputs as its C++
// counterpart: special values (zeros, infinities, NaNs with payloads,
// subnormals, integer extremes, rounding ties), all byte pairs, random bit
// patterns, every lane index, shift counts 0..130, fixed and random shuffles.
// Results must agree bit for bit. The one freedom Wasm allows is which NaN a
// float operation returns: for the operations in floatResultLanes(), a lane where
// both sides give a NaN counts as equal. Memory operations access the end of a
// page followed by an inaccessible one, so touching a byte beyond the access
// width fails the test too.

#include <dlfcn.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "wasm/aot/simd_prelude.h"
#include "wasm/aot/toolchain.h"
#include "wasm/simd/simd_ops.h"

extern char** environ;

namespace {

using weir::wasm::V128;
namespace simd = weir::wasm::simd;
using weir::wasm::aot::kSimdPrelude;
using weir::wasm::aot::TempDir;

// ---- the operations -------------------------------------------------------------

// The one signature of every wrapper, C and C++: operands packed in `in`, the
// result written to `out`, `imm` for a lane index, shift count or shuffle pattern.
// Layout of `in` by shape:
//   unary/shift/test/extract/store/store_lane: v (16 bytes)
//   binary: a, b; ternary: a, b, c; shuffle: a, b, lanes[16]
//   splat: the scalar; replace: v, then the scalar
//   load: `in` is the guest memory itself; load_lane: v, then the memory pointer
// For stores `out` is the guest memory.
using OpFn = void (*)(const void* in, void* out, uint32_t imm);

enum class Shape {
  kUnary, kBinary, kTernary, kShift, kTest, kShuffle,
  kSplatI32, kSplatI64, kSplatF32, kSplatF64,
  kExtractI32, kExtractI64, kExtractF32, kExtractF64,
  kReplaceI32, kReplaceI64, kReplaceF32, kReplaceF64,
  kLoad, kStore, kLoadLane, kStoreLane,
};

struct Op {
  const char* name;  // the function name in the tables: C++ simd::name, C weir_simd_name
  Shape shape;
  uint32_t width;    // bytes accessed (memory shapes), else 0
  OpFn ref;          // the C++ reference behind the uniform signature
};

V128 arg(const void* in, int i) {
  V128 v;
  std::memcpy(v.bytes, static_cast<const uint8_t*>(in) + 16 * i, 16);
  return v;
}
template <typename T>
T scalarAt(const void* in, size_t offset) {
  T x;
  std::memcpy(&x, static_cast<const uint8_t*>(in) + offset, sizeof x);
  return x;
}
void put(void* out, const V128& v) { std::memcpy(out, v.bytes, 16); }
template <typename T>
void putScalar(void* out, T x) {
  std::memcpy(out, &x, sizeof x);
}

#define REF(fn, shape, width, ...) {#fn, Shape::shape, width, [](const void* in, void* out, uint32_t imm) { \
  (void)in; (void)out; (void)imm; __VA_ARGS__; }},
#define REF_UNARY(Op, fn) REF(fn, kUnary, 0, put(out, simd::fn(arg(in, 0))))
#define REF_BINARY(Op, fn) REF(fn, kBinary, 0, put(out, simd::fn(arg(in, 0), arg(in, 1))))
#define REF_TERNARY(Op, fn) REF(fn, kTernary, 0, put(out, simd::fn(arg(in, 0), arg(in, 1), arg(in, 2))))
#define REF_SHIFT(Op, fn) REF(fn, kShift, 0, put(out, simd::fn(arg(in, 0), imm)))
#define REF_TEST(Op, fn) REF(fn, kTest, 0, putScalar<uint32_t>(out, simd::fn(arg(in, 0))))
#define REF_SHUFFLE(Op, fn) REF(fn, kShuffle, 0, uint8_t lanes[16]; \
  std::memcpy(lanes, static_cast<const uint8_t*>(in) + 32, 16); put(out, simd::fn(arg(in, 0), arg(in, 1), lanes)))
#define REF_SPLAT(fn, shape, T) REF(fn, shape, 0, put(out, simd::fn(scalarAt<T>(in, 0))))
#define REF_SPLAT_I32(Op, fn) REF_SPLAT(fn, kSplatI32, uint32_t)
#define REF_SPLAT_I64(Op, fn) REF_SPLAT(fn, kSplatI64, uint64_t)
#define REF_SPLAT_F32(Op, fn) REF_SPLAT(fn, kSplatF32, float)
#define REF_SPLAT_F64(Op, fn) REF_SPLAT(fn, kSplatF64, double)
#define REF_EXTRACT(fn, shape, T) REF(fn, shape, 0, putScalar<T>(out, simd::fn(arg(in, 0), imm)))
#define REF_EXTRACT_I32(Op, fn) REF_EXTRACT(fn, kExtractI32, uint32_t)
#define REF_EXTRACT_I64(Op, fn) REF_EXTRACT(fn, kExtractI64, uint64_t)
#define REF_EXTRACT_F32(Op, fn) REF_EXTRACT(fn, kExtractF32, float)
#define REF_EXTRACT_F64(Op, fn) REF_EXTRACT(fn, kExtractF64, double)
#define REF_REPLACE(fn, shape, T) REF(fn, shape, 0, put(out, simd::fn(arg(in, 0), imm, scalarAt<T>(in, 16))))
#define REF_REPLACE_I32(Op, fn) REF_REPLACE(fn, kReplaceI32, uint32_t)
#define REF_REPLACE_I64(Op, fn) REF_REPLACE(fn, kReplaceI64, uint64_t)
#define REF_REPLACE_F32(Op, fn) REF_REPLACE(fn, kReplaceF32, float)
#define REF_REPLACE_F64(Op, fn) REF_REPLACE(fn, kReplaceF64, double)
#define REF_LOAD(Op, fn, width) REF(fn, kLoad, width, put(out, simd::fn(static_cast<const uint8_t*>(in))))
#define REF_STORE(Op, fn, width) REF(fn, kStore, width, simd::fn(static_cast<uint8_t*>(out), arg(in, 0)))
#define REF_LOAD_LANE(Op, fn, width) \
  REF(fn, kLoadLane, width, put(out, simd::fn(scalarAt<const uint8_t*>(in, 16), arg(in, 0), imm)))
#define REF_STORE_LANE(Op, fn, width) REF(fn, kStoreLane, width, simd::fn(static_cast<uint8_t*>(out), arg(in, 0), imm))

const std::vector<Op>& allOps() {
  static const std::vector<Op> ops = {
      WEIR_SIMD_UNARY_OPS(REF_UNARY)
      WEIR_SIMD_BINARY_OPS(REF_BINARY)
      WEIR_SIMD_TERNARY_OPS(REF_TERNARY)
      WEIR_SIMD_SHIFT_OPS(REF_SHIFT)
      WEIR_SIMD_TEST_OPS(REF_TEST)
      WEIR_SIMD_SHUFFLE_OPS(REF_SHUFFLE)
      WEIR_SIMD_SPLAT_I32_OPS(REF_SPLAT_I32)
      WEIR_SIMD_SPLAT_I64_OPS(REF_SPLAT_I64)
      WEIR_SIMD_SPLAT_F32_OPS(REF_SPLAT_F32)
      WEIR_SIMD_SPLAT_F64_OPS(REF_SPLAT_F64)
      WEIR_SIMD_EXTRACT_I32_OPS(REF_EXTRACT_I32)
      WEIR_SIMD_EXTRACT_I64_OPS(REF_EXTRACT_I64)
      WEIR_SIMD_EXTRACT_F32_OPS(REF_EXTRACT_F32)
      WEIR_SIMD_EXTRACT_F64_OPS(REF_EXTRACT_F64)
      WEIR_SIMD_REPLACE_I32_OPS(REF_REPLACE_I32)
      WEIR_SIMD_REPLACE_I64_OPS(REF_REPLACE_I64)
      WEIR_SIMD_REPLACE_F32_OPS(REF_REPLACE_F32)
      WEIR_SIMD_REPLACE_F64_OPS(REF_REPLACE_F64)
      WEIR_SIMD_LOAD_OPS(REF_LOAD)
      WEIR_SIMD_STORE_OPS(REF_STORE)
      WEIR_SIMD_LOAD_LANE_OPS(REF_LOAD_LANE)
      WEIR_SIMD_STORE_LANE_OPS(REF_STORE_LANE)
  };
  return ops;
}

#undef REF
#undef REF_UNARY
#undef REF_BINARY
#undef REF_TERNARY
#undef REF_SHIFT
#undef REF_TEST
#undef REF_SHUFFLE
#undef REF_SPLAT
#undef REF_SPLAT_I32
#undef REF_SPLAT_I64
#undef REF_SPLAT_F32
#undef REF_SPLAT_F64
#undef REF_EXTRACT
#undef REF_EXTRACT_I32
#undef REF_EXTRACT_I64
#undef REF_EXTRACT_F32
#undef REF_EXTRACT_F64
#undef REF_REPLACE
#undef REF_REPLACE_I32
#undef REF_REPLACE_I64
#undef REF_REPLACE_F32
#undef REF_REPLACE_F64
#undef REF_LOAD
#undef REF_STORE
#undef REF_LOAD_LANE
#undef REF_STORE_LANE

// The number of entries in the tables, counted independently of allOps().
#define COUNT_ONE(...) +1
constexpr size_t kTableEntries = 0 WEIR_SIMD_UNARY_OPS(COUNT_ONE) WEIR_SIMD_BINARY_OPS(COUNT_ONE)
    WEIR_SIMD_TERNARY_OPS(COUNT_ONE) WEIR_SIMD_SHIFT_OPS(COUNT_ONE) WEIR_SIMD_TEST_OPS(COUNT_ONE)
    WEIR_SIMD_SHUFFLE_OPS(COUNT_ONE) WEIR_SIMD_SPLAT_I32_OPS(COUNT_ONE) WEIR_SIMD_SPLAT_I64_OPS(COUNT_ONE)
    WEIR_SIMD_SPLAT_F32_OPS(COUNT_ONE) WEIR_SIMD_SPLAT_F64_OPS(COUNT_ONE) WEIR_SIMD_EXTRACT_I32_OPS(COUNT_ONE)
    WEIR_SIMD_EXTRACT_I64_OPS(COUNT_ONE) WEIR_SIMD_EXTRACT_F32_OPS(COUNT_ONE)
    WEIR_SIMD_EXTRACT_F64_OPS(COUNT_ONE) WEIR_SIMD_REPLACE_I32_OPS(COUNT_ONE)
    WEIR_SIMD_REPLACE_I64_OPS(COUNT_ONE) WEIR_SIMD_REPLACE_F32_OPS(COUNT_ONE)
    WEIR_SIMD_REPLACE_F64_OPS(COUNT_ONE) WEIR_SIMD_LOAD_OPS(COUNT_ONE) WEIR_SIMD_STORE_OPS(COUNT_ONE)
    WEIR_SIMD_LOAD_LANE_OPS(COUNT_ONE) WEIR_SIMD_STORE_LANE_OPS(COUNT_ONE);
#undef COUNT_ONE

// Operations whose result lanes are floats computed by arithmetic, where Wasm
// lets the NaN be any NaN (of the right kind): 4 or 8 for the lane width, else 0.
// Everything else (abs/neg, pmin/pmax, compares, lane moves) is exact.
size_t floatResultLanes(std::string_view fn) {
  static const std::set<std::string_view> f32 = {
      "f32x4Add", "f32x4Sub", "f32x4Mul", "f32x4Div", "f32x4Sqrt", "f32x4Min", "f32x4Max",
      "f32x4Ceil", "f32x4Floor", "f32x4Trunc", "f32x4Nearest", "f32x4DemoteF64x2Zero",
      "f32x4ConvertI32x4S", "f32x4ConvertI32x4U"};
  static const std::set<std::string_view> f64 = {
      "f64x2Add", "f64x2Sub", "f64x2Mul", "f64x2Div", "f64x2Sqrt", "f64x2Min", "f64x2Max",
      "f64x2Ceil", "f64x2Floor", "f64x2Trunc", "f64x2Nearest", "f64x2PromoteLowF32x4",
      "f64x2ConvertLowI32x4S", "f64x2ConvertLowI32x4U"};
  if (f32.count(fn)) return 4;
  if (f64.count(fn)) return 8;
  return 0;
}

// Lanes of a lane-indexed operation (from the name's lane shape or the access width).
uint32_t laneCount(const Op& op) {
  if (op.shape == Shape::kLoadLane || op.shape == Shape::kStoreLane) return 16 / op.width;
  const std::string_view n = op.name;
  if (n.starts_with("i8x16")) return 16;
  if (n.starts_with("i16x8")) return 8;
  if (n.starts_with("i32x4") || n.starts_with("f32x4")) return 4;
  return 2;  // i64x2, f64x2
}

// The shuffles compiled into the harness as static const arrays, as the emitter
// passes them (imm = index); other patterns go through the runtime path.
const std::vector<std::array<uint8_t, 16>>& constantShuffles() {
  static const std::vector<std::array<uint8_t, 16>> patterns = [] {
    std::vector<std::array<uint8_t, 16>> p = {
        {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},          // a
        {16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31},  // b
        {15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0},          // reversed bytes
        {0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23},        // interleave low bytes
        {4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7},                // splat of i32 lane 1
        {8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31},  // high halves
        {0, 1, 2, 3, 20, 21, 22, 23, 8, 9, 10, 11, 28, 29, 30, 31},      // i32 blend
    };
    std::mt19937 rng(7);
    for (int i = 0; i < 4; ++i) {
      std::array<uint8_t, 16> r;
      for (uint8_t& l : r) l = static_cast<uint8_t>(rng() % 32);
      p.push_back(r);
    }
    return p;
  }();
  return patterns;
}

// ---- the C harness ---------------------------------------------------------------

std::string replaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

// `stmt` (with LANE) once per constant lane, as generated code calls it, and
// with the runtime index as the default.
std::string laneSwitch(const std::string& stmt, uint32_t lanes) {
  std::string s = "  switch (imm) {\n";
  for (uint32_t i = 0; i < lanes; ++i) {
    s += "    case " + std::to_string(i) + ": " + replaceAll(stmt, "LANE", std::to_string(i) + "u") + " break;\n";
  }
  return s + "    default: " + replaceAll(stmt, "LANE", "imm") + " break;\n  }\n";
}

const char* scalarType(Shape s) {
  switch (s) {
    case Shape::kSplatI32: case Shape::kExtractI32: case Shape::kReplaceI32: return "uint32_t";
    case Shape::kSplatI64: case Shape::kExtractI64: case Shape::kReplaceI64: return "uint64_t";
    case Shape::kSplatF32: case Shape::kExtractF32: case Shape::kReplaceF32: return "float";
    default: return "double";
  }
}

std::string wrapperBody(const Op& op) {
  const uint32_t lanes = laneCount(op);
  const std::string t = scalarType(op.shape);
  switch (op.shape) {
    case Shape::kUnary:
      return "  (void)imm;\n  const weir_v128 r = weir_simd_FN(weir_test_arg(in, 0));\n  memcpy(out, &r, 16);\n";
    case Shape::kBinary:
      return "  (void)imm;\n  const weir_v128 r = weir_simd_FN(weir_test_arg(in, 0), weir_test_arg(in, 1));\n"
             "  memcpy(out, &r, 16);\n";
    case Shape::kTernary:
      return "  (void)imm;\n"
             "  const weir_v128 r = weir_simd_FN(weir_test_arg(in, 0), weir_test_arg(in, 1), weir_test_arg(in, 2));\n"
             "  memcpy(out, &r, 16);\n";
    case Shape::kShift:
      return "  const weir_v128 r = weir_simd_FN(weir_test_arg(in, 0), imm);\n  memcpy(out, &r, 16);\n";
    case Shape::kTest:
      return "  (void)imm;\n  const uint32_t r = weir_simd_FN(weir_test_arg(in, 0));\n  memcpy(out, &r, 4);\n";
    case Shape::kShuffle: {
      std::string s = "  const weir_v128 a = weir_test_arg(in, 0), b = weir_test_arg(in, 1);\n  weir_v128 r;\n"
                      "  switch (imm) {\n";
      for (size_t k = 0; k < constantShuffles().size(); ++k) {
        s += "    case " + std::to_string(k) + ": r = weir_simd_FN(a, b, weir_test_shuffle_" + std::to_string(k) +
             "); break;\n";
      }
      return s + "    default: r = weir_simd_FN(a, b, (const uint8_t*)in + 32); break;\n  }\n  memcpy(out, &r, 16);\n";
    }
    case Shape::kSplatI32: case Shape::kSplatI64: case Shape::kSplatF32: case Shape::kSplatF64:
      return "  (void)imm;\n  " + t + " x;\n  memcpy(&x, in, sizeof x);\n  const weir_v128 r = weir_simd_FN(x);\n"
             "  memcpy(out, &r, 16);\n";
    case Shape::kExtractI32: case Shape::kExtractI64: case Shape::kExtractF32: case Shape::kExtractF64:
      return "  const weir_v128 a = weir_test_arg(in, 0);\n  " + t + " r;\n" +
             laneSwitch("r = weir_simd_FN(a, LANE);", lanes) + "  memcpy(out, &r, sizeof r);\n";
    case Shape::kReplaceI32: case Shape::kReplaceI64: case Shape::kReplaceF32: case Shape::kReplaceF64:
      return "  const weir_v128 a = weir_test_arg(in, 0);\n  " + t + " x;\n"
             "  memcpy(&x, (const uint8_t*)in + 16, sizeof x);\n  weir_v128 r;\n" +
             laneSwitch("r = weir_simd_FN(a, LANE, x);", lanes) + "  memcpy(out, &r, 16);\n";
    case Shape::kLoad:
      return "  (void)imm;\n  const weir_v128 r = weir_simd_FN((const uint8_t*)in);\n  memcpy(out, &r, 16);\n";
    case Shape::kStore:
      return "  (void)imm;\n  weir_simd_FN((uint8_t*)out, weir_test_arg(in, 0));\n";
    case Shape::kLoadLane:
      return "  const weir_v128 a = weir_test_arg(in, 0);\n  const uint8_t* p;\n"
             "  memcpy(&p, (const uint8_t*)in + 16, sizeof p);\n  weir_v128 r;\n" +
             laneSwitch("r = weir_simd_FN(p, a, LANE);", lanes) + "  memcpy(out, &r, 16);\n";
    case Shape::kStoreLane:
      return "  const weir_v128 a = weir_test_arg(in, 0);\n" + laneSwitch("weir_simd_FN((uint8_t*)out, a, LANE);", lanes);
  }
  return {};
}

// The prelude, then an exported `void weir_test_<fn>(const void*, void*, uint32_t)`
// per operation.
std::string harnessSource() {
  std::string c = kSimdPrelude;
  c += "\n/* ---- test harness ---- */\n"
       "static weir_v128 weir_test_arg(const void* in, int i) {\n"
       "  weir_v128 v;\n"
       "  memcpy(&v, (const uint8_t*)in + 16 * i, 16);\n"
       "  return v;\n"
       "}\n";
  for (size_t k = 0; k < constantShuffles().size(); ++k) {
    c += "static const uint8_t weir_test_shuffle_" + std::to_string(k) + "[16] = {";
    for (uint8_t l : constantShuffles()[k]) c += std::to_string(l) + ",";
    c += "};\n";
  }
  for (const Op& op : allOps()) {
    c += "void weir_test_" + std::string(op.name) + "(const void* in, void* out, uint32_t imm) {\n" +
         replaceAll(wrapperBody(op), "FN", op.name) + "}\n";
  }
  return c;
}

// ---- compiling it ---------------------------------------------------------------

// Runs argv (argv[0] looked up on PATH, no shell) with stdout and stderr to
// `log_path`; true when it exits with status 0.
bool runCommand(const std::vector<std::string>& argv, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string readText(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool compilerRuns(const std::string& name) {
  auto dir = TempDir::create();
  return dir && runCommand({name, "--version"}, dir->path() + "/version");
}

// The compiler the compiled tier would pick: the first of cc, gcc, clang on PATH.
std::string systemCompiler() {
  for (const char* name : {"cc", "gcc", "clang"}) {
    if (compilerRuns(name)) return name;
  }
  return {};
}

// A loaded shared object, closed on destruction.
struct Library {
  void* handle = nullptr;
  Library() = default;
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  ~Library() {
    if (handle) dlclose(handle);
  }
};

// ---- inputs ---------------------------------------------------------------------

std::vector<uint32_t> special32() {
  std::vector<uint32_t> v = {0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x00ffffff, 0x01000001,
                             0x7fffff80, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0xffff0000,
                             0xffff8000, 0xffff7fff, 0x00007fff, 0xff000000,
                             // infinities and NaNs: quiet, signalling, negative, with payloads
                             0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fa00000,
                             0x7fbfffff, 0x7fc12345, 0xffc12345,
                             // subnormals
                             0x00000003, 0x007fffff, 0x807fffff, 0x00400000};
  const float kFloats[] = {1.0f, -1.0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 3.5f, 0.49999997f, 0.99999994f,
                           -0.99999994f, 8388607.5f, 8388608.0f, 16777215.0f, 16777216.0f, 2147483520.0f,
                           2147483648.0f, -2147483648.0f, -2147483904.0f, 4294967040.0f, 4294967296.0f,
                           std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                           std::numeric_limits<float>::min(), 1.0f / 3.0f, -100.5f, 1e10f, -1e10f};
  for (float f : kFloats) v.push_back(std::bit_cast<uint32_t>(f));
  return v;
}

std::vector<uint64_t> special64() {
  std::vector<uint64_t> v = {0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0xffffffff00000000,
                             0xffffffff80000000, 0x000000007fffffff, 0x7fffffffffffffff, 0x8000000000000000,
                             0x8000000000000001, 0xfffffffffffffffe, 0xffffffffffffffff, 0x00000000ffff0000,
                             // infinities and NaNs: quiet, signalling, negative, with payloads (one that
                             // survives demotion to f32)
                             0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000,
                             0x7ff0000000000001, 0xfff0000000000001, 0x7ff4000000000000, 0x7ff7ffffffffffff,
                             0x7ff8000000012345, 0xfff8000000012345, 0x7ff80000e0000000, 0x7ff00000e0000000,
                             // subnormals
                             0x0000000000000003, 0x000fffffffffffff, 0x800fffffffffffff};
  const double kDoubles[] = {1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.49999999999999994,
                             0.9999999999999999, 4503599627370495.5, 4503599627370496.0, 2147483647.0,
                             2147483647.5, 2147483648.0, -2147483648.0, -2147483648.5, -2147483649.0,
                             4294967295.0, 4294967295.5, 4294967296.0, -0.9999999999999999, 1e300, -1e300,
                             std::numeric_limits<double>::max(), std::numeric_limits<double>::min(),
                             // f32 boundaries for demote: FLT_MAX, the tie above it (rounds to inf),
                             // FLT_MIN, f32 subnormals and a tie between two of them, 1 + 2^-24 (a tie)
                             3.4028234663852886e38, 3.4028235677973366e38, 1.1754943508222875e-38,
                             1.401298464324817e-45, 7.006492321624085e-46, 2.1019476964872256e-45,
                             1.0000000596046448, 1.0000001788139343, 0.1, -0.1, 1e-40};
  for (double d : kDoubles) v.push_back(std::bit_cast<uint64_t>(d));
  return v;
}

std::vector<uint16_t> special16() {
  return {0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x4000, 0x7ffe, 0x7fff, 0x8000, 0x8001, 0xc000,
          0xff00, 0xff7f, 0xff80, 0xfffe, 0xffff};
}

template <typename T>
V128 splat(T x) {
  simd::Lanes<T> l;
  l.fill(x);
  return simd::fromLanes(l);
}

// Lanes of T rotated by half the vector, so that each value also lands in the
// other half (low/high variants, narrowing, demotion treat the halves differently).
template <typename T>
V128 rotateHalf(const V128& v) {
  simd::Lanes<T> l = simd::lanes<T>(v), r;
  for (size_t i = 0; i < l.size(); ++i) r[i] = l[(i + l.size() / 2) % l.size()];
  return simd::fromLanes(r);
}

struct Inputs {
  std::vector<std::array<V128, 2>> pairs;    // binary operands
  std::vector<V128> singles;                 // unary operands: both sides of every pair and more
  std::vector<std::array<V128, 3>> triples;  // bitselect
  std::vector<V128> mixed;                   // a smaller varied set: shifts, lanes, memory
  std::vector<uint32_t> counts;              // shift counts
  std::vector<uint32_t> scalars32;
  std::vector<uint64_t> scalars64;
};

// Pairs whose T lanes run through every pair of `pool`, and the same rotated.
template <typename T>
void addAllPairs(const std::vector<T>& pool, std::vector<std::array<V128, 2>>& out) {
  constexpr size_t kLanes = 16 / sizeof(T);
  simd::Lanes<T> a{}, b{};
  size_t k = 0;
  auto flush = [&] {
    const V128 va = simd::fromLanes(a), vb = simd::fromLanes(b);
    out.push_back({va, vb});
    out.push_back({rotateHalf<T>(va), rotateHalf<T>(vb)});
  };
  for (T x : pool) {
    for (T y : pool) {
      a[k] = x;
      b[k] = y;
      if (++k == kLanes) {
        flush();
        k = 0;
      }
    }
  }
  if (k != 0) flush();
}

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs in;
    std::mt19937_64 rng(0x5eed5eedu);
    const std::vector<uint32_t> s32 = special32();
    const std::vector<uint64_t> s64 = special64();
    const std::vector<uint16_t> s16 = special16();
    const std::vector<uint8_t> s8 = {0x00, 0x01, 0x02, 0x40, 0x7f, 0x80, 0x81, 0xfe, 0xff};
    std::vector<uint8_t> all8(256);
    for (int i = 0; i < 256; ++i) all8[i] = static_cast<uint8_t>(i);

    auto random = [&] { return simd::fromU64(rng(), rng()); };
    // Lanes of a random width, each a random special value or random bits.
    auto randomSpecials = [&] {
      V128 v = random();
      switch (rng() % 4) {
        case 0:
          for (int i = 0; i < 16; ++i) {
            if (rng() % 2) v.bytes[i] = s8[rng() % s8.size()];
          }
          break;
        case 1:
          for (int i = 0; i < 8; ++i) {
            if (rng() % 4) v.setLane<uint16_t>(i, s16[rng() % s16.size()]);
          }
          break;
        case 2:
          for (int i = 0; i < 4; ++i) {
            if (rng() % 4) v.setLane<uint32_t>(i, s32[rng() % s32.size()]);
          }
          break;
        default:
          for (int i = 0; i < 2; ++i) {
            if (rng() % 4) v.setLane<uint64_t>(i, s64[rng() % s64.size()]);
          }
      }
      return v;
    };

    for (uint32_t x : s32) in.mixed.push_back(splat(x));
    for (uint64_t x : s64) in.mixed.push_back(splat(x));
    for (uint16_t x : s16) in.mixed.push_back(splat(x));
    for (uint8_t x : {0x00, 0x01, 0x7f, 0x80, 0xff}) in.mixed.push_back(splat(x));
    for (int i = 0; i < 200; ++i) in.mixed.push_back(random());
    for (int i = 0; i < 200; ++i) in.mixed.push_back(randomSpecials());

    addAllPairs(all8, in.pairs);
    addAllPairs(s16, in.pairs);
    addAllPairs(s32, in.pairs);
    addAllPairs(s64, in.pairs);
    for (int i = 0; i < 2000; ++i) in.pairs.push_back({random(), random()});
    for (int i = 0; i < 2000; ++i) in.pairs.push_back({randomSpecials(), randomSpecials()});
    for (int i = 0; i < 500; ++i) {
      // Equal operands, and operands differing only in some sign bits (+-0 ties).
      const V128 a = randomSpecials();
      V128 b = a;
      const uint64_t signs = (rng() & 0x8000000080000000ull) | (rng() % 2 ? 0x8000000000000000ull : 0);
      if (i % 2) {
        V128 flip = simd::fromU64(signs, rng() & 0x8000000080000000ull);
        for (int k = 0; k < 16; ++k) b.bytes[k] ^= flip.bytes[k];
      }
      in.pairs.push_back({a, b});
    }

    for (const auto& [a, b] : in.pairs) {
      in.singles.push_back(a);
      in.singles.push_back(b);
    }
    in.singles.insert(in.singles.end(), in.mixed.begin(), in.mixed.end());
    // One zero lane among non-zero ones, for all_true (at every width and lane).
    for (int width : {1, 2, 4, 8}) {
      for (int lane = 0; lane < 16 / width; ++lane) {
        for (uint8_t fill : {0x01, 0x80, 0xff}) {
          V128 v = splat(fill);
          std::memset(v.bytes + lane * width, 0, width);
          in.singles.push_back(v);
        }
      }
    }

    for (int i = 0; i < 1000; ++i) {
      const V128 c = i % 4 == 0 ? splat<uint8_t>(0) : i % 4 == 1 ? splat<uint8_t>(0xff) : random();
      in.triples.push_back({random(), randomSpecials(), c});
    }

    for (uint32_t n = 0; n <= 130; ++n) in.counts.push_back(n);
    for (uint32_t n : {255u, 256u, 1000u, 0x7fffffffu, 0x80000000u, 0x80000003u, 0xffffffffu}) in.counts.push_back(n);

    in.scalars32 = s32;
    for (uint16_t x : s16) in.scalars32.push_back(x);
    for (int i = 0; i < 200; ++i) in.scalars32.push_back(static_cast<uint32_t>(rng()));
    in.scalars64 = s64;
    for (uint32_t x : s32) in.scalars64.push_back(x);
    for (int i = 0; i < 200; ++i) in.scalars64.push_back(rng());
    return in;
  }();
  return in;
}

// Two pages, the second inaccessible: an access placed to end at end() faults
// if it touches a single byte more than its width. While it exists, a fault in
// the guard page during guarded() is turned into a test failure naming the
// operation; any other fault goes to the previous handler.
class GuardedPage {
 public:
  GuardedPage() {
    size_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, 2 * size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<uint8_t*>(p);
    if (mprotect(base_ + size_, size_, PROT_NONE) != 0) {
      munmap(base_, 2 * size_);
      base_ = nullptr;
      return;
    }
    guard_begin_ = base_ + size_;
    guard_end_ = base_ + 2 * size_;
    struct sigaction sa {};
    sa.sa_sigaction = onFault;
    // SA_NODEFER: the handler leaves by siglongjmp, and SIGSEGV must not stay
    // blocked; so the jump need not save and restore the signal mask (a system
    // call per guarded call).
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous_);
  }
  ~GuardedPage() {
    if (!base_) return;
    sigaction(SIGSEGV, &previous_, nullptr);
    guard_begin_ = guard_end_ = nullptr;
    munmap(base_, 2 * size_);
  }
  GuardedPage(const GuardedPage&) = delete;
  GuardedPage& operator=(const GuardedPage&) = delete;
  bool ok() const { return base_ != nullptr; }
  uint8_t* end() const { return base_ + size_; }

  // Runs f(); false when it faulted in the guard page.
  template <typename F>
  static bool guarded(F&& f) {
    if (sigsetjmp(jump_, 0) != 0) return false;
    armed_ = 1;
    f();
    armed_ = 0;
    return true;
  }

 private:
  static void onFault(int sig, siginfo_t* info, void*) {
    const uint8_t* addr = static_cast<const uint8_t*>(info->si_addr);
    if (armed_ && addr >= guard_begin_ && addr < guard_end_) {
      armed_ = 0;
      siglongjmp(jump_, 1);
    }
    // Not ours: returning re-executes the access under the previous disposition.
    sigaction(sig, &previous_, nullptr);
  }

  static inline sigjmp_buf jump_;
  static inline volatile sig_atomic_t armed_ = 0;
  static inline const uint8_t* guard_begin_ = nullptr;
  static inline const uint8_t* guard_end_ = nullptr;
  static inline struct sigaction previous_ {};
  uint8_t* base_ = nullptr;
  size_t size_ = 0;
};

// ---- checking ---------------------------------------------------------------------

std::string hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    if (i && i % 4 == 0) s += ' ';
    s += kDigits[p[i] >> 4];
    s += kDigits[p[i] & 15];
  }
  return s;
}

bool isNanLane(const uint8_t* p, size_t lane_bytes) {
  if (lane_bytes == 4) {
    uint32_t b;
    std::memcpy(&b, p, 4);
    return (b & 0x7f800000u) == 0x7f800000u && (b & 0x007fffffu) != 0;
  }
  uint64_t b;
  std::memcpy(&b, p, 8);
  return (b & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (b & 0x000fffffffffffffull) != 0;
}

// Runs one operation's C wrapper and C++ reference on the same inputs and
// reports (a few of) the differences.
class Checker {
 public:
  Checker(std::string config, const Op& op, OpFn c_fn)
      : config_(std::move(config)), op_(op), c_fn_(c_fn), nan_lanes_(floatResultLanes(op.name)) {}

  // `in` (the first in_size bytes are printed on a mismatch) through both; out_size result bytes compared.
  void run(const void* in, size_t in_size, uint32_t imm, size_t out_size, const uint8_t* mem = nullptr,
           size_t mem_size = 0) {
    uint8_t c_out[16], ref_out[16];
    std::memset(c_out, 0xcd, sizeof c_out);
    std::memset(ref_out, 0xcd, sizeof ref_out);
    if (!GuardedPage::guarded([&] { c_fn_(in, c_out, imm); })) {
      return outOfBounds(static_cast<const uint8_t*>(in), in_size, imm);
    }
    op_.ref(in, ref_out, imm);
    compare(c_out, ref_out, out_size, static_cast<const uint8_t*>(in), in_size, imm, mem, mem_size);
  }

  // A store of `v` (with `imm`) to page.end() - distance: the last 32 bytes of the
  // page, sentinel-filled before each call, must come out the same.
  void runStore(const V128& v, uint32_t imm, const GuardedPage& page, size_t distance) {
    uint8_t* region = page.end() - 32;
    uint8_t c_mem[32], ref_mem[32];
    std::memset(region, 0xa5, 32);
    if (!GuardedPage::guarded([&] { c_fn_(v.bytes, page.end() - distance, imm); })) {
      return outOfBounds(v.bytes, 16, imm);
    }
    std::memcpy(c_mem, region, 32);
    std::memset(region, 0xa5, 32);
    op_.ref(v.bytes, page.end() - distance, imm);
    std::memcpy(ref_mem, region, 32);
    compare(c_mem, ref_mem, 32, v.bytes, 16, imm, nullptr, 0);
  }

  size_t cases() const { return cases_; }

 private:
  void compare(const uint8_t* c, const uint8_t* ref, size_t n, const uint8_t* in, size_t in_size, uint32_t imm,
               const uint8_t* mem, size_t mem_size) {
    ++cases_;
    if (same(c, ref, n)) return;
    if (++mismatches_ > 3) return;  // enough to diagnose
    ADD_FAILURE() << config_ << ": weir_simd_" << op_.name << " differs from simd::" << op_.name
                  << "\n  in:  " << hex(in, in_size) << (mem ? "\n  mem: " + hex(mem, mem_size) : "")
                  << "\n  imm: " << imm << "\n  C:   " << hex(c, n) << "\n  C++: " << hex(ref, n);
  }

  void outOfBounds(const uint8_t* in, size_t in_size, uint32_t imm) {
    ++cases_;
    if (++mismatches_ > 3) return;
    ADD_FAILURE() << config_ << ": weir_simd_" << op_.name << " accessed memory beyond its " << op_.width
                  << " bytes\n  in:  " << hex(in, in_size) << "\n  imm: " << imm;
  }

  bool same(const uint8_t* c, const uint8_t* ref, size_t n) const {
    if (nan_lanes_ == 0) return std::memcmp(c, ref, n) == 0;
    for (size_t i = 0; i < n; i += nan_lanes_) {
      if (std::memcmp(c + i, ref + i, nan_lanes_) == 0) continue;
      if (isNanLane(c + i, nan_lanes_) && isNanLane(ref + i, nan_lanes_)) continue;
      return false;
    }
    return true;
  }

  std::string config_;
  const Op& op_;
  OpFn c_fn_;
  size_t nan_lanes_;
  size_t cases_ = 0;
  size_t mismatches_ = 0;
};

size_t scalarSize(Shape s) {
  const std::string_view t = scalarType(s);
  return t == "uint32_t" || t == "float" ? 4 : 8;
}

void checkOp(Checker& check, const Op& op, const GuardedPage& page) {
  const Inputs& in = inputs();
  uint8_t buf[48];
  switch (op.shape) {
    case Shape::kUnary:
      for (const V128& a : in.singles) check.run(a.bytes, 16, 0, 16);
      break;
    case Shape::kBinary:
      for (const auto& [a, b] : in.pairs) {
        std::memcpy(buf, a.bytes, 16);
        std::memcpy(buf + 16, b.bytes, 16);
        check.run(buf, 32, 0, 16);
      }
      break;
    case Shape::kTernary:
      for (const auto& t : in.triples) {
        for (int i = 0; i < 3; ++i) std::memcpy(buf + 16 * i, t[i].bytes, 16);
        check.run(buf, 48, 0, 16);
      }
      break;
    case Shape::kShift:
      for (const V128& a : in.mixed) {
        for (uint32_t n : in.counts) check.run(a.bytes, 16, n, 16);
      }
      break;
    case Shape::kTest:
      for (const V128& a : in.singles) check.run(a.bytes, 16, 0, 4);
      break;
    case Shape::kShuffle: {
      std::mt19937 rng(11);
      for (size_t i = 0; i < 2000; ++i) {
        const auto& [a, b] = in.pairs[(i * 7919) % in.pairs.size()];
        std::memcpy(buf, a.bytes, 16);
        std::memcpy(buf + 16, b.bytes, 16);
        const size_t k = i % (constantShuffles().size() + 1);
        if (k < constantShuffles().size()) {
          std::memcpy(buf + 32, constantShuffles()[k].data(), 16);
          check.run(buf, 48, static_cast<uint32_t>(k), 16);
        } else {
          for (int l = 0; l < 16; ++l) buf[32 + l] = static_cast<uint8_t>(rng() % 32);
          check.run(buf, 48, 0xffffffffu, 16);  // the runtime path
        }
      }
      break;
    }
    case Shape::kSplatI32: case Shape::kSplatF32:
      for (uint32_t x : in.scalars32) check.run(&x, 4, 0, 16);
      break;
    case Shape::kSplatI64: case Shape::kSplatF64:
      for (uint64_t x : in.scalars64) check.run(&x, 8, 0, 16);
      break;
    case Shape::kExtractI32: case Shape::kExtractI64: case Shape::kExtractF32: case Shape::kExtractF64:
      for (const V128& a : in.mixed) {
        for (uint32_t lane = 0; lane < laneCount(op); ++lane) {
          check.run(a.bytes, 16, lane, scalarSize(op.shape));
          check.run(a.bytes, 16, lane + 16, scalarSize(op.shape));  // runtime index, masked
        }
      }
      break;
    case Shape::kReplaceI32: case Shape::kReplaceI64: case Shape::kReplaceF32: case Shape::kReplaceF64: {
      const size_t size = scalarSize(op.shape);
      for (size_t i = 0; i < in.mixed.size(); ++i) {
        std::memcpy(buf, in.mixed[i].bytes, 16);
        for (size_t j = 0; j < 8; ++j) {
          if (size == 4) {
            std::memcpy(buf + 16, &in.scalars32[(i * 8 + j) % in.scalars32.size()], 4);
          } else {
            std::memcpy(buf + 16, &in.scalars64[(i * 8 + j) % in.scalars64.size()], 8);
          }
          for (uint32_t lane = 0; lane < laneCount(op); ++lane) {
            check.run(buf, 16 + size, lane, 16);
            check.run(buf, 16 + size, lane + 16, 16);
          }
        }
      }
      break;
    }
    case Shape::kLoad:
      for (size_t i = 0; i + 1 < in.mixed.size(); ++i) {
        std::memcpy(page.end() - 32, in.mixed[i].bytes, 16);
        std::memcpy(page.end() - 16, in.mixed[i + 1].bytes, 16);
        for (size_t offset : {0, 1, 7}) {
          const uint8_t* p = page.end() - op.width - offset;
          check.run(p, op.width, 0, 16);
        }
      }
      break;
    case Shape::kStore:
      for (const V128& v : in.mixed) {
        for (size_t offset : {0, 1, 7}) check.runStore(v, 0, page, op.width + offset);
      }
      break;
    case Shape::kLoadLane:
      for (size_t i = 0; i + 1 < in.mixed.size(); ++i) {
        std::memcpy(page.end() - 16, in.mixed[i + 1].bytes, 16);
        const uint8_t* p = page.end() - op.width;
        std::memcpy(buf, in.mixed[i].bytes, 16);
        std::memcpy(buf + 16, &p, sizeof p);
        for (uint32_t lane = 0; lane < laneCount(op); ++lane) {
          check.run(buf, 16, lane, 16, p, op.width);
          check.run(buf, 16, lane + 16, 16, p, op.width);
        }
      }
      break;
    case Shape::kStoreLane:
      for (const V128& v : in.mixed) {
        for (uint32_t lane = 0; lane < laneCount(op); ++lane) {
          check.runStore(v, lane, page, op.width);
          check.runStore(v, lane + 16, page, op.width + 3);
        }
      }
      break;
  }
}

// Compiles the harness with `cc` in each configuration and checks every
// operation of every table against the reference.
void checkWithCompiler(const std::string& cc) {
  auto dir = TempDir::create();
  ASSERT_TRUE(dir) << dir.status().message();
  const std::string src = dir->path() + "/simd_prelude_test.c";
  {
    std::ofstream out(src);
    out << harnessSource();
    ASSERT_TRUE(out.good());
  }
  GuardedPage page;
  ASSERT_TRUE(page.ok());

  // -O2 as served (with the compiler's default C dialect, as the compiled tier
  // uses), the portable (non-SSE2) code, and -O0 as the spec-test runs use, both
  // in strict C11.
  const std::vector<std::vector<std::string>> configs = {
      {"-O2"},
      {"-O2", "-std=c11", "-DWEIR_SIMD_PORTABLE"},
      {"-O0", "-std=c11"},
  };
  for (size_t i = 0; i < configs.size(); ++i) {
    std::string label = cc;
    for (const std::string& f : configs[i]) label += " " + f;
    SCOPED_TRACE(label);
    const std::string so = dir->path() + "/harness" + std::to_string(i) + ".so";
    std::vector<std::string> argv = {cc};
    argv.insert(argv.end(), configs[i].begin(), configs[i].end());
    for (const char* f : {"-fPIC", "-shared", "-ffp-contract=off", "-Wall", "-Werror", "-o"}) argv.push_back(f);
    argv.push_back(so);
    argv.push_back(src);
    argv.push_back("-lm");
    const std::string log = dir->path() + "/cc" + std::to_string(i) + ".log";
    ASSERT_TRUE(runCommand(argv, log)) << label << " failed:\n" << readText(log);

    Library lib;
    lib.handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(lib.handle, nullptr) << dlerror();
    size_t checked = 0;
    for (const Op& op : allOps()) {
      const std::string symbol = "weir_test_" + std::string(op.name);
      auto c_fn = reinterpret_cast<OpFn>(dlsym(lib.handle, symbol.c_str()));
      if (c_fn == nullptr) {
        ADD_FAILURE() << label << ": " << symbol << " missing";
        continue;
      }
      Checker check(label, op, c_fn);
      checkOp(check, op, page);
      EXPECT_GT(check.cases(), 0u) << op.name;
      if (check.cases() > 0) ++checked;
    }
    // Coverage: every entry of every table was compared.
    EXPECT_EQ(checked, kTableEntries);
  }
}

TEST(AotSimdPrelude, TablesHaveEveryOperationOnce) {
  // 236 SIMD instructions minus v128.const, which has no function.
  EXPECT_EQ(kTableEntries, 235u);
  EXPECT_EQ(allOps().size(), kTableEntries);
  std::set<std::string_view> names;
  for (const Op& op : allOps()) EXPECT_TRUE(names.insert(op.name).second) << op.name;
  // The NaN-tolerant list names real operations.
  size_t float_ops = 0;
  for (const Op& op : allOps()) float_ops += floatResultLanes(op.name) != 0;
  EXPECT_EQ(float_ops, 28u);
}

TEST(AotSimdPrelude, MatchesReferenceWithSystemCompiler) {
  const std::string cc = systemCompiler();
  if (cc.empty()) GTEST_SKIP() << "no C compiler (cc, gcc or clang) on PATH";
  checkWithCompiler(cc);
}

// The compiled tier takes whichever compiler it finds first; clang is checked
// too when it exists.
TEST(AotSimdPrelude, MatchesReferenceWithClang) {
  if (!compilerRuns("clang")) GTEST_SKIP() << "clang not found on PATH; only the system compiler was checked";
  checkWithCompiler("clang");
}

}  // namespace

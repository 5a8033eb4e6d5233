#include "wasm/aot/emitter.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <set>
#include <string_view>
#include <vector>

#include "wasm/aot/codegen.h"
#include "wasm/binary/reader.h"
#include "wasm/opcodes.h"
#include "wasm/simd/simd_ops.h"

namespace weir::wasm::aot {

namespace {

// ---------------------------------------------------------------------------
// Scalar instructions: operand types, result type and a C expression over
// $a and $b, spelled as wasm2c 1.0.32 spells them (its helper macros: traps
// of division and truncation, NaN-aware min/max and rounding).
struct ScalarOp {
  uint8_t op = 0;  // byte after the optional 0xFC prefix
  bool fc = false;
  char a = 0, b = 0, result = 0;  // mangle chars (i j f d); b = 0 for unary
  const char* expr = nullptr;
};

constexpr ScalarOp kScalarOps[] = {
    {0x45, false, 'i', 0, 'i', "!$a"},
    {0x46, false, 'i', 'i', 'i', "$a == $b"},
    {0x47, false, 'i', 'i', 'i', "$a != $b"},
    {0x48, false, 'i', 'i', 'i', "(s32)$a < (s32)$b"},
    {0x49, false, 'i', 'i', 'i', "$a < $b"},
    {0x4A, false, 'i', 'i', 'i', "(s32)$a > (s32)$b"},
    {0x4B, false, 'i', 'i', 'i', "$a > $b"},
    {0x4C, false, 'i', 'i', 'i', "(s32)$a <= (s32)$b"},
    {0x4D, false, 'i', 'i', 'i', "$a <= $b"},
    {0x4E, false, 'i', 'i', 'i', "(s32)$a >= (s32)$b"},
    {0x4F, false, 'i', 'i', 'i', "$a >= $b"},
    {0x50, false, 'j', 0, 'i', "!$a"},
    {0x51, false, 'j', 'j', 'i', "$a == $b"},
    {0x52, false, 'j', 'j', 'i', "$a != $b"},
    {0x53, false, 'j', 'j', 'i', "(s64)$a < (s64)$b"},
    {0x54, false, 'j', 'j', 'i', "$a < $b"},
    {0x55, false, 'j', 'j', 'i', "(s64)$a > (s64)$b"},
    {0x56, false, 'j', 'j', 'i', "$a > $b"},
    {0x57, false, 'j', 'j', 'i', "(s64)$a <= (s64)$b"},
    {0x58, false, 'j', 'j', 'i', "$a <= $b"},
    {0x59, false, 'j', 'j', 'i', "(s64)$a >= (s64)$b"},
    {0x5A, false, 'j', 'j', 'i', "$a >= $b"},
    {0x5B, false, 'f', 'f', 'i', "$a == $b"},
    {0x5C, false, 'f', 'f', 'i', "$a != $b"},
    {0x5D, false, 'f', 'f', 'i', "$a < $b"},
    {0x5E, false, 'f', 'f', 'i', "$a > $b"},
    {0x5F, false, 'f', 'f', 'i', "$a <= $b"},
    {0x60, false, 'f', 'f', 'i', "$a >= $b"},
    {0x61, false, 'd', 'd', 'i', "$a == $b"},
    {0x62, false, 'd', 'd', 'i', "$a != $b"},
    {0x63, false, 'd', 'd', 'i', "$a < $b"},
    {0x64, false, 'd', 'd', 'i', "$a > $b"},
    {0x65, false, 'd', 'd', 'i', "$a <= $b"},
    {0x66, false, 'd', 'd', 'i', "$a >= $b"},
    {0x67, false, 'i', 0, 'i', "I32_CLZ($a)"},
    {0x68, false, 'i', 0, 'i', "I32_CTZ($a)"},
    {0x69, false, 'i', 0, 'i', "I32_POPCNT($a)"},
    {0x6A, false, 'i', 'i', 'i', "$a + $b"},
    {0x6B, false, 'i', 'i', 'i', "$a - $b"},
    {0x6C, false, 'i', 'i', 'i', "$a * $b"},
    {0x6D, false, 'i', 'i', 'i', "I32_DIV_S($a, $b)"},
    {0x6E, false, 'i', 'i', 'i', "DIV_U($a, $b)"},
    {0x6F, false, 'i', 'i', 'i', "I32_REM_S($a, $b)"},
    {0x70, false, 'i', 'i', 'i', "REM_U($a, $b)"},
    {0x71, false, 'i', 'i', 'i', "$a & $b"},
    {0x72, false, 'i', 'i', 'i', "$a | $b"},
    {0x73, false, 'i', 'i', 'i', "$a ^ $b"},
    {0x74, false, 'i', 'i', 'i', "$a << ($b & 31)"},
    {0x75, false, 'i', 'i', 'i', "(u32)((s32)$a >> ($b & 31))"},
    {0x76, false, 'i', 'i', 'i', "$a >> ($b & 31)"},
    {0x77, false, 'i', 'i', 'i', "I32_ROTL($a, $b)"},
    {0x78, false, 'i', 'i', 'i', "I32_ROTR($a, $b)"},
    {0x79, false, 'j', 0, 'j', "(u64)I64_CLZ($a)"},
    {0x7A, false, 'j', 0, 'j', "(u64)I64_CTZ($a)"},
    {0x7B, false, 'j', 0, 'j', "(u64)I64_POPCNT($a)"},
    {0x7C, false, 'j', 'j', 'j', "$a + $b"},
    {0x7D, false, 'j', 'j', 'j', "$a - $b"},
    {0x7E, false, 'j', 'j', 'j', "$a * $b"},
    {0x7F, false, 'j', 'j', 'j', "I64_DIV_S($a, $b)"},
    {0x80, false, 'j', 'j', 'j', "DIV_U($a, $b)"},
    {0x81, false, 'j', 'j', 'j', "I64_REM_S($a, $b)"},
    {0x82, false, 'j', 'j', 'j', "REM_U($a, $b)"},
    {0x83, false, 'j', 'j', 'j', "$a & $b"},
    {0x84, false, 'j', 'j', 'j', "$a | $b"},
    {0x85, false, 'j', 'j', 'j', "$a ^ $b"},
    {0x86, false, 'j', 'j', 'j', "$a << ($b & 63)"},
    {0x87, false, 'j', 'j', 'j', "(u64)((s64)$a >> ($b & 63))"},
    {0x88, false, 'j', 'j', 'j', "$a >> ($b & 63)"},
    {0x89, false, 'j', 'j', 'j', "I64_ROTL($a, $b)"},
    {0x8A, false, 'j', 'j', 'j', "I64_ROTR($a, $b)"},
    {0x8B, false, 'f', 0, 'f', "wasm_fabsf($a)"},
    {0x8C, false, 'f', 0, 'f', "-$a"},
    {0x8D, false, 'f', 0, 'f', "wasm_ceilf($a)"},
    {0x8E, false, 'f', 0, 'f', "wasm_floorf($a)"},
    {0x8F, false, 'f', 0, 'f', "wasm_truncf($a)"},
    {0x90, false, 'f', 0, 'f', "wasm_nearbyintf($a)"},
    {0x91, false, 'f', 0, 'f', "wasm_sqrtf($a)"},
    {0x92, false, 'f', 'f', 'f', "$a + $b"},
    {0x93, false, 'f', 'f', 'f', "$a - $b"},
    {0x94, false, 'f', 'f', 'f', "$a * $b"},
    {0x95, false, 'f', 'f', 'f', "$a / $b"},
    {0x96, false, 'f', 'f', 'f', "FMIN($a, $b)"},
    {0x97, false, 'f', 'f', 'f', "FMAX($a, $b)"},
    {0x98, false, 'f', 'f', 'f', "copysignf($a, $b)"},
    {0x99, false, 'd', 0, 'd', "wasm_fabs($a)"},
    {0x9A, false, 'd', 0, 'd', "-$a"},
    {0x9B, false, 'd', 0, 'd', "wasm_ceil($a)"},
    {0x9C, false, 'd', 0, 'd', "wasm_floor($a)"},
    {0x9D, false, 'd', 0, 'd', "wasm_trunc($a)"},
    {0x9E, false, 'd', 0, 'd', "wasm_nearbyint($a)"},
    {0x9F, false, 'd', 0, 'd', "wasm_sqrt($a)"},
    {0xA0, false, 'd', 'd', 'd', "$a + $b"},
    {0xA1, false, 'd', 'd', 'd', "$a - $b"},
    {0xA2, false, 'd', 'd', 'd', "$a * $b"},
    {0xA3, false, 'd', 'd', 'd', "$a / $b"},
    {0xA4, false, 'd', 'd', 'd', "FMIN($a, $b)"},
    {0xA5, false, 'd', 'd', 'd', "FMAX($a, $b)"},
    {0xA6, false, 'd', 'd', 'd', "copysign($a, $b)"},
    {0xA7, false, 'j', 0, 'i', "(u32)$a"},
    {0xA8, false, 'f', 0, 'i', "I32_TRUNC_S_F32($a)"},
    {0xA9, false, 'f', 0, 'i', "I32_TRUNC_U_F32($a)"},
    {0xAA, false, 'd', 0, 'i', "I32_TRUNC_S_F64($a)"},
    {0xAB, false, 'd', 0, 'i', "I32_TRUNC_U_F64($a)"},
    {0xAC, false, 'i', 0, 'j', "(u64)(s64)(s32)$a"},
    {0xAD, false, 'i', 0, 'j', "(u64)$a"},
    {0xAE, false, 'f', 0, 'j', "I64_TRUNC_S_F32($a)"},
    {0xAF, false, 'f', 0, 'j', "I64_TRUNC_U_F32($a)"},
    {0xB0, false, 'd', 0, 'j', "I64_TRUNC_S_F64($a)"},
    {0xB1, false, 'd', 0, 'j', "I64_TRUNC_U_F64($a)"},
    {0xB2, false, 'i', 0, 'f', "(f32)(s32)$a"},
    {0xB3, false, 'i', 0, 'f', "(f32)$a"},
    {0xB4, false, 'j', 0, 'f', "(f32)(s64)$a"},
    {0xB5, false, 'j', 0, 'f', "(f32)$a"},
    {0xB6, false, 'd', 0, 'f', "(f32)$a"},
    {0xB7, false, 'i', 0, 'd', "(f64)(s32)$a"},
    {0xB8, false, 'i', 0, 'd', "(f64)$a"},
    {0xB9, false, 'j', 0, 'd', "(f64)(s64)$a"},
    {0xBA, false, 'j', 0, 'd', "(f64)$a"},
    {0xBB, false, 'f', 0, 'd', "(f64)$a"},
    {0xBC, false, 'f', 0, 'i', "i32_reinterpret_f32($a)"},
    {0xBD, false, 'd', 0, 'j', "i64_reinterpret_f64($a)"},
    {0xBE, false, 'i', 0, 'f', "f32_reinterpret_i32($a)"},
    {0xBF, false, 'j', 0, 'd', "f64_reinterpret_i64($a)"},
    {0xC0, false, 'i', 0, 'i', "(u32)(s32)(s8)$a"},
    {0xC1, false, 'i', 0, 'i', "(u32)(s32)(s16)$a"},
    {0xC2, false, 'j', 0, 'j', "(u64)(s64)(s8)$a"},
    {0xC3, false, 'j', 0, 'j', "(u64)(s64)(s16)$a"},
    {0xC4, false, 'j', 0, 'j', "(u64)(s64)(s32)$a"},
    {0x00, true, 'f', 0, 'i', "I32_TRUNC_SAT_S_F32($a)"},
    {0x01, true, 'f', 0, 'i', "I32_TRUNC_SAT_U_F32($a)"},
    {0x02, true, 'd', 0, 'i', "I32_TRUNC_SAT_S_F64($a)"},
    {0x03, true, 'd', 0, 'i', "I32_TRUNC_SAT_U_F64($a)"},
    {0x04, true, 'f', 0, 'j', "I64_TRUNC_SAT_S_F32($a)"},
    {0x05, true, 'f', 0, 'j', "I64_TRUNC_SAT_U_F32($a)"},
    {0x06, true, 'd', 0, 'j', "I64_TRUNC_SAT_S_F64($a)"},
    {0x07, true, 'd', 0, 'j', "I64_TRUNC_SAT_U_F64($a)"},
};

const ScalarOp* scalarOp(uint8_t op, bool fc) {
  static const auto table = [] {
    std::array<const ScalarOp*, 512> t{};
    for (const ScalarOp& s : kScalarOps) t[s.op + (s.fc ? 256 : 0)] = &s;
    return t;
  }();
  return table[op + (fc ? 256 : 0)];
}

// Loads (0x28..0x35) and stores (0x36..0x3E): wasm2c's accessor names and
// the value type.
struct MemOp {
  const char* name;
  char type;
};
constexpr MemOp kLoads[] = {{"i32_load", 'i'},     {"i64_load", 'j'},     {"f32_load", 'f'},
                            {"f64_load", 'd'},     {"i32_load8_s", 'i'},  {"i32_load8_u", 'i'},
                            {"i32_load16_s", 'i'}, {"i32_load16_u", 'i'}, {"i64_load8_s", 'j'},
                            {"i64_load8_u", 'j'},  {"i64_load16_s", 'j'}, {"i64_load16_u", 'j'},
                            {"i64_load32_s", 'j'}, {"i64_load32_u", 'j'}};
constexpr MemOp kStores[] = {{"i32_store", 'i'},   {"i64_store", 'j'},   {"f32_store", 'f'},
                             {"f64_store", 'd'},   {"i32_store8", 'i'},  {"i32_store16", 'i'},
                             {"i64_store8", 'j'},  {"i64_store16", 'j'}, {"i64_store32", 'j'}};

// ---------------------------------------------------------------------------
// SIMD instructions, from the X-macro tables of wasm/simd/simd_ops.h: each
// calls weir_simd_<fn> of the C prelude with the table's signature.
enum class SimdShape : uint8_t {
  kNone, kUnary, kBinary, kTernary, kShift, kTest, kShuffle,
  kSplatI32, kSplatI64, kSplatF32, kSplatF64,
  kExtractI32, kExtractI64, kExtractF32, kExtractF64,
  kReplaceI32, kReplaceI64, kReplaceF32, kReplaceF64,
  kLoad, kStore, kLoadLane, kStoreLane, kConst,
};

struct SimdOp {
  SimdShape shape = SimdShape::kNone;
  const char* fn = nullptr;
  uint32_t width = 0;  // memory shapes: bytes accessed
};

const SimdOp& simdOp(uint32_t sub) {
  static const auto table = [] {
    std::array<SimdOp, kSimdOpcodeLimit> t{};
    SimdShape shape = SimdShape::kNone;
#define WEIR_X(Op, fn) t[static_cast<uint32_t>(SimdOpcode::k##Op)] = {shape, "weir_simd_" #fn, 0};
#define WEIR_XW(Op, fn, width) t[static_cast<uint32_t>(SimdOpcode::k##Op)] = {shape, "weir_simd_" #fn, width};
    shape = SimdShape::kUnary;
    WEIR_SIMD_UNARY_OPS(WEIR_X)
    shape = SimdShape::kBinary;
    WEIR_SIMD_BINARY_OPS(WEIR_X)
    shape = SimdShape::kTernary;
    WEIR_SIMD_TERNARY_OPS(WEIR_X)
    shape = SimdShape::kShift;
    WEIR_SIMD_SHIFT_OPS(WEIR_X)
    shape = SimdShape::kTest;
    WEIR_SIMD_TEST_OPS(WEIR_X)
    shape = SimdShape::kShuffle;
    WEIR_SIMD_SHUFFLE_OPS(WEIR_X)
    shape = SimdShape::kSplatI32;
    WEIR_SIMD_SPLAT_I32_OPS(WEIR_X)
    shape = SimdShape::kSplatI64;
    WEIR_SIMD_SPLAT_I64_OPS(WEIR_X)
    shape = SimdShape::kSplatF32;
    WEIR_SIMD_SPLAT_F32_OPS(WEIR_X)
    shape = SimdShape::kSplatF64;
    WEIR_SIMD_SPLAT_F64_OPS(WEIR_X)
    shape = SimdShape::kExtractI32;
    WEIR_SIMD_EXTRACT_I32_OPS(WEIR_X)
    shape = SimdShape::kExtractI64;
    WEIR_SIMD_EXTRACT_I64_OPS(WEIR_X)
    shape = SimdShape::kExtractF32;
    WEIR_SIMD_EXTRACT_F32_OPS(WEIR_X)
    shape = SimdShape::kExtractF64;
    WEIR_SIMD_EXTRACT_F64_OPS(WEIR_X)
    shape = SimdShape::kReplaceI32;
    WEIR_SIMD_REPLACE_I32_OPS(WEIR_X)
    shape = SimdShape::kReplaceI64;
    WEIR_SIMD_REPLACE_I64_OPS(WEIR_X)
    shape = SimdShape::kReplaceF32;
    WEIR_SIMD_REPLACE_F32_OPS(WEIR_X)
    shape = SimdShape::kReplaceF64;
    WEIR_SIMD_REPLACE_F64_OPS(WEIR_X)
    shape = SimdShape::kLoad;
    WEIR_SIMD_LOAD_OPS(WEIR_XW)
    shape = SimdShape::kStore;
    WEIR_SIMD_STORE_OPS(WEIR_XW)
    shape = SimdShape::kLoadLane;
    WEIR_SIMD_LOAD_LANE_OPS(WEIR_XW)
    shape = SimdShape::kStoreLane;
    WEIR_SIMD_STORE_LANE_OPS(WEIR_XW)
#undef WEIR_X
#undef WEIR_XW
    t[static_cast<uint32_t>(SimdOpcode::kV128Const)] = {SimdShape::kConst, "weir_v128_make", 0};
    return t;
  }();
  static const SimdOp kNone{};
  return sub < table.size() ? table[sub] : kNone;
}

ValType typeOf(char c) {
  switch (c) {
    case 'i': return ValType::kI32;
    case 'j': return ValType::kI64;
    case 'f': return ValType::kF32;
    case 'd': return ValType::kF64;
    case 'o': return ValType::kV128;
    case 'r': return ValType::kFuncRef;
    default: return ValType::kExternRef;
  }
}

std::string hex64(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64 "ull", v);
  return buf;
}

// ---------------------------------------------------------------------------

class FunctionEmitter {
 public:
  FunctionEmitter(const wasm::Module& m, uint32_t defined_index, MemoryChecks checks)
      : m_(m), f_(m.functions[defined_index]), type_(m.types[f_.type_index]),
        index_(m.num_imported_funcs + defined_index), guard_(checks == MemoryChecks::kGuardPages),
        reader_(m.bytes.data(), f_.body_offset, f_.end_offset, &err_) {}

  Result<std::string> run();

 private:
  struct Label {
    enum Kind { kBlock, kLoop, kIf, kFunc } kind = kBlock;
    uint32_t id = 0;
    uint32_t base = 0;  // stack height below the block's parameters
    std::vector<ValType> params, results;
  };

  // The C variable holding stack slot `d` with type `t`.
  std::string slot(uint32_t d, ValType t) {
    used_.insert({mangleChar(t), d});
    return "s" + std::to_string(d) + mangleChar(t);
  }
  std::string top(uint32_t k = 0) { return slot(height() - 1 - k, stack_[height() - 1 - k]); }
  uint32_t height() const { return static_cast<uint32_t>(stack_.size()); }
  std::string push(ValType t) {
    stack_.push_back(t);
    return slot(height() - 1, t);
  }
  std::string pop() {
    std::string s = top();
    stack_.pop_back();
    return s;
  }
  void line(const std::string& s) { body_ += "  " + s + "\n"; }

  std::string local(uint32_t i) const { return "l" + std::to_string(i); }
  ValType globalType(uint32_t i) const {
    return i < m_.num_imported_globals ? m_.imports[m_.imports_by_kind[3][i]].global.type
                                       : m_.globals[i - m_.num_imported_globals].type.type;
  }
  bool blockType(Label& l);
  std::string address(const std::string& addr, uint32_t offset) const {
    return "(u64)(" + addr + ") + " + std::to_string(offset) + "u";
  }
  // A pointer to `width` bytes at addr + offset, after the range check the
  // explicit build needs.
  std::string pointer(const std::string& addr, uint32_t offset, uint32_t width) {
    if (guard_) return "weir_b + " + address(addr, offset);
    line("RANGE_CHECK(instance->Z_wZ_m0, " + address(addr, offset) + ", " + std::to_string(width) + ");");
    return "instance->Z_wZ_m0->data + " + address(addr, offset);
  }
  void memArg(uint32_t* offset) {
    uint32_t align = 0;
    reader_.readU32(&align);
    reader_.readU32(offset);
  }
  std::string branch(uint32_t depth);
  std::string returnStatement();
  std::string callExpr(const FuncType& t, const std::string& first);
  void assignResults(const FuncType& t, uint32_t base, const std::string& call);
  Status simd(uint32_t sub);
  Status fail(const std::string& what) {
    return unimplemented("weir's C emitter does not translate " + what + " (function " + std::to_string(index_) +
                         ")");
  }

  const wasm::Module& m_;
  const wasm::Function& f_;
  const FuncType& type_;
  const uint32_t index_;
  const bool guard_;
  binary::DecodeError err_;
  binary::Reader reader_;

  std::vector<ValType> locals_;
  std::vector<ValType> stack_;
  std::vector<Label> labels_;
  std::set<std::pair<char, uint32_t>> used_;
  std::string body_;
  uint32_t next_label_ = 0;
  bool unreachable_ = false;
  uint32_t dead_depth_ = 0;  // blocks opened inside unreachable code
};

bool FunctionEmitter::blockType(Label& l) {
  int64_t bt = 0;
  if (!reader_.readS33(&bt)) return false;
  if (bt >= 0) {
    const FuncType& t = m_.types[static_cast<uint32_t>(bt)];
    l.params.assign(t.params().begin(), t.params().end());
    l.results.assign(t.results().begin(), t.results().end());
  } else if (bt != -64) {
    l.results.push_back(static_cast<ValType>(static_cast<uint8_t>(bt & 0x7f)));
  }
  return true;
}

std::string FunctionEmitter::returnStatement() {
  const uint32_t k = type_.numResults();
  if (k == 0) return "FUNC_EPILOGUE; return;";
  if (k == 1) return "FUNC_EPILOGUE; return " + top() + ";";
  std::string s = "{ " + returnType(type_) + " r_;";
  for (uint32_t i = 0; i < k; ++i) {
    const ValType t = type_.results()[i];
    s += std::string(" r_.") + mangleChar(t) + std::to_string(i) + " = " + slot(height() - k + i, t) + ";";
  }
  return s + " FUNC_EPILOGUE; return r_; }";
}

// Moves the branch's values to the target's slots and jumps (a branch to
// the function's label returns).
std::string FunctionEmitter::branch(uint32_t depth) {
  const Label& l = labels_[labels_.size() - 1 - depth];
  if (l.kind == Label::kFunc) return returnStatement();
  const std::vector<ValType>& values = l.kind == Label::kLoop ? l.params : l.results;
  const uint32_t k = static_cast<uint32_t>(values.size());
  std::string s;
  for (uint32_t i = 0; i < k; ++i) {
    const uint32_t to = l.base + i, from = height() - k + i;
    if (to != from) s += slot(to, values[i]) + " = " + slot(from, values[i]) + "; ";
  }
  return s + "goto weir_" + (l.kind == Label::kLoop ? "L" : "B") + std::to_string(l.id) + ";";
}

std::string FunctionEmitter::callExpr(const FuncType& t, const std::string& first) {
  std::string s = first;
  const uint32_t base = height() - t.numParams();
  for (uint32_t i = 0; i < t.numParams(); ++i) s += ", " + slot(base + i, t.params()[i]);
  return s + ")";
}

void FunctionEmitter::assignResults(const FuncType& t, uint32_t base, const std::string& call) {
  stack_.resize(base);
  if (t.numResults() == 0) {
    line(call + ";");
  } else if (t.numResults() == 1) {
    line(push(t.results()[0]) + " = " + call + ";");
  } else {
    std::string s = "{ " + returnType(t) + " t_ = " + call + ";";
    for (uint32_t i = 0; i < t.numResults(); ++i) {
      const ValType r = t.results()[i];
      s += " " + push(r) + " = t_." + mangleChar(r) + std::to_string(i) + ";";
    }
    line(s + " }");
  }
}

Status FunctionEmitter::simd(uint32_t sub) {
  const SimdOp& op = simdOp(sub);
  const std::string fn = op.fn ? op.fn : "";
  uint32_t offset = 0;
  uint8_t lane = 0;
  switch (op.shape) {
    case SimdShape::kNone:
      return fail("SIMD sub-opcode " + std::to_string(sub));
    case SimdShape::kUnary: {
      if (unreachable_) return Status::ok();
      std::string a = top();
      line(a + " = " + fn + "(" + a + ");");
      return Status::ok();
    }
    case SimdShape::kBinary:
    case SimdShape::kShift: {
      if (unreachable_) return Status::ok();
      std::string b = pop();
      std::string a = top();
      line(a + " = " + fn + "(" + a + ", " + b + ");");
      return Status::ok();
    }
    case SimdShape::kTernary: {
      if (unreachable_) return Status::ok();
      std::string c = pop(), b = pop(), a = top();
      line(a + " = " + fn + "(" + a + ", " + b + ", " + c + ");");
      return Status::ok();
    }
    case SimdShape::kTest: {
      if (unreachable_) return Status::ok();
      std::string a = pop();
      line(push(ValType::kI32) + " = " + fn + "(" + a + ");");
      return Status::ok();
    }
    case SimdShape::kShuffle:
    case SimdShape::kConst: {
      uint8_t bytes[16];
      for (uint8_t& b : bytes) reader_.readU8(&b);
      if (unreachable_) return Status::ok();
      if (op.shape == SimdShape::kConst) {
        uint64_t lo = 0, hi = 0;
        for (int i = 7; i >= 0; --i) {
          lo = (lo << 8) | bytes[i];
          hi = (hi << 8) | bytes[8 + i];
        }
        line(push(ValType::kV128) + " = weir_v128_make(" + hex64(lo) + ", " + hex64(hi) + ");");
        return Status::ok();
      }
      std::string lanes;
      for (uint8_t b : bytes) lanes += std::to_string(b) + ",";
      std::string b = pop(), a = top();
      line("{ static const uint8_t k_[16] = {" + lanes + "}; " + a + " = " + fn + "(" + a + ", " + b + ", k_); }");
      return Status::ok();
    }
    case SimdShape::kSplatI32:
    case SimdShape::kSplatI64:
    case SimdShape::kSplatF32:
    case SimdShape::kSplatF64: {
      if (unreachable_) return Status::ok();
      std::string a = pop();
      line(push(ValType::kV128) + " = " + fn + "(" + a + ");");
      return Status::ok();
    }
    case SimdShape::kExtractI32:
    case SimdShape::kExtractI64:
    case SimdShape::kExtractF32:
    case SimdShape::kExtractF64: {
      reader_.readU8(&lane);
      if (unreachable_) return Status::ok();
      const ValType r = op.shape == SimdShape::kExtractI32   ? ValType::kI32
                        : op.shape == SimdShape::kExtractI64 ? ValType::kI64
                        : op.shape == SimdShape::kExtractF32 ? ValType::kF32
                                                             : ValType::kF64;
      std::string a = pop();
      line(push(r) + " = " + fn + "(" + a + ", " + std::to_string(lane) + "u);");
      return Status::ok();
    }
    case SimdShape::kReplaceI32:
    case SimdShape::kReplaceI64:
    case SimdShape::kReplaceF32:
    case SimdShape::kReplaceF64: {
      reader_.readU8(&lane);
      if (unreachable_) return Status::ok();
      std::string x = pop(), a = top();
      line(a + " = " + fn + "(" + a + ", " + std::to_string(lane) + "u, " + x + ");");
      return Status::ok();
    }
    case SimdShape::kLoad: {
      memArg(&offset);
      if (unreachable_) return Status::ok();
      std::string addr = pop();
      std::string p = pointer(addr, offset, op.width);
      std::string v = push(ValType::kV128);
      line(v + " = " + fn + "(" + p + ");" + (guard_ ? " WEIR_FORCE_READ_FLOAT(" + v + ");" : ""));
      return Status::ok();
    }
    case SimdShape::kStore: {
      memArg(&offset);
      if (unreachable_) return Status::ok();
      std::string v = pop(), addr = pop();
      line(fn + "(" + pointer(addr, offset, op.width) + ", " + v + ");");
      return Status::ok();
    }
    case SimdShape::kLoadLane: {
      memArg(&offset);
      reader_.readU8(&lane);
      if (unreachable_) return Status::ok();
      std::string v = pop(), addr = pop();
      std::string p = pointer(addr, offset, op.width);
      std::string r = push(ValType::kV128);
      line(r + " = " + fn + "(" + p + ", " + v + ", " + std::to_string(lane) + "u);" +
           (guard_ ? " WEIR_FORCE_READ_FLOAT(" + r + ");" : ""));
      return Status::ok();
    }
    case SimdShape::kStoreLane: {
      memArg(&offset);
      reader_.readU8(&lane);
      if (unreachable_) return Status::ok();
      std::string v = pop(), addr = pop();
      line(fn + "(" + pointer(addr, offset, op.width) + ", " + v + ", " + std::to_string(lane) + "u);");
      return Status::ok();
    }
  }
  return Status::ok();
}

Result<std::string> FunctionEmitter::run() {
  // Parameters, then declared locals.
  std::string sig = "static " + returnType(type_) + " w2c_f" + std::to_string(index_) + "(Z_m_instance_t* instance";
  for (ValType t : type_.params()) {
    sig += ", " + std::string(cType(t)) + " " + local(static_cast<uint32_t>(locals_.size()));
    locals_.push_back(t);
  }
  sig += ") {\n";
  std::string decls;
  for (const LocalRun& r : f_.locals) {
    for (uint32_t k = 0; k < r.count; ++k) {
      const char* init = r.type == ValType::kV128       ? "{0}"
                         : r.type == ValType::kFuncRef   ? "wasm_rt_funcref_null_value"
                         : r.type == ValType::kExternRef ? "NULL"
                                                         : "0";
      decls += "  " + std::string(cType(r.type)) + " " + local(static_cast<uint32_t>(locals_.size())) + " = " +
               init + ";\n";
      locals_.push_back(r.type);
    }
  }
  Label fn;
  fn.kind = Label::kFunc;
  fn.results.assign(type_.results().begin(), type_.results().end());
  labels_.push_back(fn);

  while (!labels_.empty()) {
    uint8_t op = 0;
    if (!reader_.readU8(&op)) break;
    switch (op) {
      case 0x00:  // unreachable
        if (unreachable_) break;
        line("UNREACHABLE;");
        unreachable_ = true;
        break;
      case 0x01:  // nop
        break;
      case 0x02:    // block
      case 0x03:    // loop
      case 0x04: {  // if
        Label l;
        if (!blockType(l)) break;
        if (unreachable_) {
          ++dead_depth_;
          break;
        }
        l.kind = op == 0x02 ? Label::kBlock : op == 0x03 ? Label::kLoop : Label::kIf;
        l.id = next_label_++;
        std::string cond;
        if (op == 0x04) cond = pop();
        l.base = height() - static_cast<uint32_t>(l.params.size());
        if (op == 0x03) line("weir_L" + std::to_string(l.id) + ":; WEIR_POLL(weir_env);");
        if (op == 0x04) line("if (" + cond + ") {");
        labels_.push_back(std::move(l));
        break;
      }
      case 0x05: {  // else
        if (dead_depth_ > 0) break;
        Label& l = labels_.back();
        line("} else {");
        stack_.resize(l.base);
        stack_.insert(stack_.end(), l.params.begin(), l.params.end());
        unreachable_ = false;
        break;
      }
      case 0x0B: {  // end
        if (dead_depth_ > 0) {
          --dead_depth_;
          break;
        }
        Label l = std::move(labels_.back());
        labels_.pop_back();
        if (l.kind == Label::kFunc) {
          if (!unreachable_) line(returnStatement());
          break;
        }
        if (l.kind == Label::kIf) line("}");
        if (l.kind != Label::kLoop) line("weir_B" + std::to_string(l.id) + ":;");
        stack_.resize(l.base);
        stack_.insert(stack_.end(), l.results.begin(), l.results.end());
        unreachable_ = false;
        break;
      }
      case 0x0C: {  // br
        uint32_t depth = 0;
        reader_.readU32(&depth);
        if (unreachable_) break;
        line(branch(depth));
        unreachable_ = true;
        break;
      }
      case 0x0D: {  // br_if
        uint32_t depth = 0;
        reader_.readU32(&depth);
        if (unreachable_) break;
        std::string cond = pop();
        line("if (" + cond + ") { " + branch(depth) + " }");
        break;
      }
      case 0x0E: {  // br_table
        uint32_t n = 0;
        reader_.readU32(&n);
        std::vector<uint32_t> targets(n + 1);
        for (uint32_t& t : targets) reader_.readU32(&t);
        if (!reader_.ok() || unreachable_) break;
        std::string index = pop();
        line("switch (" + index + ") {");
        for (uint32_t i = 0; i < n; ++i) line("  case " + std::to_string(i) + "u: { " + branch(targets[i]) + " }");
        line("  default: { " + branch(targets[n]) + " }");
        line("}");
        unreachable_ = true;
        break;
      }
      case 0x0F:  // return
        if (unreachable_) break;
        line(returnStatement());
        unreachable_ = true;
        break;
      case 0x10: {  // call
        uint32_t fi = 0;
        reader_.readU32(&fi);
        if (unreachable_) break;
        const FuncType& t = m_.types[m_.funcTypeIndex(fi)];
        const uint32_t base = height() - t.numParams();
        std::string call = fi < m_.num_imported_funcs
                               ? callExpr(t, "Z_wZ_f" + std::to_string(fi) + "(instance->Z_w_instance")
                               : callExpr(t, "w2c_f" + std::to_string(fi) + "(instance");
        assignResults(t, base, call);
        break;
      }
      case 0x11: {  // call_indirect
        uint32_t ti = 0, table = 0;
        reader_.readU32(&ti);
        reader_.readU32(&table);
        if (unreachable_) break;
        const FuncType& t = m_.types[ti];
        std::string index = pop();
        const uint32_t base = height() - t.numParams();
        std::string tbl = "instance->w2c_T" + std::to_string(table);
        std::string fptr = returnType(t) + " (*)(void*";
        for (ValType p : t.params()) fptr += std::string(", ") + cType(p);
        fptr += ")";
        std::string call = callExpr(t, "CALL_INDIRECT(" + tbl + ", " + fptr + ", " + std::to_string(ti) + ", " +
                                              index + ", " + tbl + ".data[" + index + "].module_instance");
        assignResults(t, base, call);
        break;
      }
      case 0x1A:  // drop
        if (!unreachable_) stack_.pop_back();
        break;
      case 0x1B:    // select
      case 0x1C: {  // select t*
        if (op == 0x1C) {
          uint32_t n = 0;
          uint8_t t = 0;
          reader_.readU32(&n);
          for (uint32_t i = 0; i < n; ++i) reader_.readU8(&t);
        }
        if (unreachable_) break;
        std::string cond = pop(), b = pop(), a = top();
        line("if (!(" + cond + ")) " + a + " = " + b + ";");
        break;
      }
      case 0x20:    // local.get
      case 0x21:    // local.set
      case 0x22: {  // local.tee
        uint32_t i = 0;
        reader_.readU32(&i);
        if (unreachable_) break;
        if (op == 0x20) {
          line(push(locals_[i]) + " = " + local(i) + ";");
        } else {
          line(local(i) + " = " + (op == 0x21 ? pop() : top()) + ";");
        }
        break;
      }
      case 0x23:    // global.get
      case 0x24: {  // global.set
        uint32_t i = 0;
        reader_.readU32(&i);
        if (unreachable_) break;
        std::string g = "(*instance->Z_wZ_g" + std::to_string(i) + ")";
        if (op == 0x23) {
          line(push(globalType(i)) + " = " + g + ";");
        } else {
          line(g + " = " + pop() + ";");
        }
        break;
      }
      case 0x3F:    // memory.size
      case 0x40: {  // memory.grow
        uint8_t mem = 0;
        reader_.readU8(&mem);
        if (unreachable_) break;
        if (op == 0x3F) {
          line(push(ValType::kI32) + " = instance->Z_wZ_m0->pages;");
        } else {
          line(top() + " = wasm_rt_grow_memory(instance->Z_wZ_m0, " + top() + ");");
        }
        break;
      }
      case 0x41: {
        int32_t v = 0;
        reader_.readS32(&v);
        if (!unreachable_) line(push(ValType::kI32) + " = " + std::to_string(static_cast<uint32_t>(v)) + "u;");
        break;
      }
      case 0x42: {
        int64_t v = 0;
        reader_.readS64(&v);
        if (!unreachable_) line(push(ValType::kI64) + " = " + hex64(static_cast<uint64_t>(v)) + ";");
        break;
      }
      case 0x43: {
        uint32_t bits = 0;
        reader_.readFixed32(&bits);
        if (!unreachable_) {
          line(push(ValType::kF32) + " = f32_reinterpret_i32(" + std::to_string(bits) + "u);");
        }
        break;
      }
      case 0x44: {
        uint64_t bits = 0;
        reader_.readFixed64(&bits);
        if (!unreachable_) line(push(ValType::kF64) + " = f64_reinterpret_i64(" + hex64(bits) + ");");
        break;
      }
      case 0xD0: {  // ref.null
        uint8_t t = 0;
        reader_.readU8(&t);
        if (unreachable_) break;
        const bool func = t == static_cast<uint8_t>(ValType::kFuncRef);
        line(push(func ? ValType::kFuncRef : ValType::kExternRef) + " = " +
             (func ? "wasm_rt_funcref_null_value;" : "wasm_rt_externref_null_value;"));
        break;
      }
      case 0xD1: {  // ref.is_null
        if (unreachable_) break;
        const bool func = stack_.back() == ValType::kFuncRef;
        std::string a = pop();
        line(push(ValType::kI32) + " = " + (func ? "(" + a + ".func == NULL);" : "(" + a + " == NULL);"));
        break;
      }
      case 0xD2:
        return fail("ref.func");
      case 0x25:
      case 0x26:
        return fail("table.get/table.set");
      case 0xFC: {
        uint32_t sub = 0;
        reader_.readU32(&sub);
        if (sub <= 7) {
          if (unreachable_) break;
          const ScalarOp* s = scalarOp(static_cast<uint8_t>(sub), true);
          std::string a = pop();
          std::string e = s->expr;
          e.replace(e.find("$a"), 2, a);
          line(push(typeOf(s->result)) + " = " + e + ";");
        } else if (sub == 10 || sub == 11) {  // memory.copy, memory.fill
          uint8_t mem = 0;
          reader_.readU8(&mem);
          if (sub == 10) reader_.readU8(&mem);
          if (unreachable_) break;
          std::string n = pop(), b = pop(), a = pop();
          line(sub == 10 ? "memory_copy(instance->Z_wZ_m0, instance->Z_wZ_m0, " + a + ", " + b + ", " + n + ");"
                         : "memory_fill(instance->Z_wZ_m0, " + a + ", " + b + ", " + n + ");");
        } else {
          return fail(std::string(fcOpcodeName(sub)));
        }
        break;
      }
      case 0xFD: {
        uint32_t sub = 0;
        reader_.readU32(&sub);
        if (Status s = simd(sub); !s.isOk()) return s;
        break;
      }
      default: {
        if (op >= 0x28 && op <= 0x3E) {
          uint32_t offset = 0;
          memArg(&offset);
          if (unreachable_) break;
          const std::string acc = guard_ ? "_b(weir_b, " : "(instance->Z_wZ_m0, ";
          if (op <= 0x35) {
            const MemOp& l = kLoads[op - 0x28];
            std::string addr = pop();
            line(push(typeOf(l.type)) + " = " + l.name + acc + address(addr, offset) + ");");
          } else {
            const MemOp& s = kStores[op - 0x36];
            std::string v = pop(), addr = pop();
            line(std::string(s.name) + acc + address(addr, offset) + ", " + v + ");");
          }
          break;
        }
        const ScalarOp* s = scalarOp(op, false);
        if (!s) return fail(std::string("opcode ") + std::string(opcodeName(op)));
        if (unreachable_) break;
        std::string e = s->expr;
        std::string b = s->b ? pop() : "";
        std::string a = pop();
        for (size_t p = e.find("$a"); p != std::string::npos; p = e.find("$a", p + 1)) e.replace(p, 2, a);
        for (size_t p = e.find("$b"); p != std::string::npos; p = e.find("$b", p + 1)) e.replace(p, 2, b);
        line(push(typeOf(s->result)) + " = " + e + ";");
        break;
      }
    }
    if (!reader_.ok()) break;
  }
  if (!reader_.ok() || !labels_.empty()) {
    return internalError("weir's C emitter could not decode function " + std::to_string(index_) + ": " +
                         (err_.isSet() ? err_.toStatus().message() : std::string("no final end")));
  }
  // Stack slots, declared after the entry check (which declares weir_env).
  std::string slots;
  char current = 0;
  for (const auto& [c, d] : used_) {
    if (c != current) {
      if (current) slots += ";\n";
      slots += "  " + std::string(cType(typeOf(c))) + " ";
      current = c;
    } else {
      slots += ", ";
    }
    slots += "s" + std::to_string(d) + c;
  }
  if (current) slots += ";\n";
  return sig + decls + "  FUNC_PROLOGUE;\n" + slots + body_ + "}\n";
}

// Walks a function's instructions without emitting: whether it has SIMD
// ones, and (when `indirect_types` is given) the type of every
// call_indirect.
bool scanBody(const wasm::Module& m, const wasm::Function& f, std::vector<uint32_t>* indirect_types) {
  bool simd = false;
  binary::DecodeError err;
  binary::Reader r(m.bytes.data(), f.body_offset, f.end_offset, &err);
  auto memarg = [&] {
    uint32_t v = 0;
    r.readU32(&v);
    r.readU32(&v);
  };
  while (r.ok() && !r.atEnd()) {
    uint8_t op = 0;
    uint32_t u = 0;
    if (!r.readU8(&op)) break;
    switch (op) {
      case 0xFD: {
        if (!indirect_types) return true;
        simd = true;
        uint32_t sub = 0;
        r.readU32(&sub);
        switch (simdOp(sub).shape) {
          case SimdShape::kLoad: case SimdShape::kStore: memarg(); break;
          case SimdShape::kLoadLane: case SimdShape::kStoreLane: memarg(); r.skip(1); break;
          case SimdShape::kConst: case SimdShape::kShuffle: r.skip(16); break;
          case SimdShape::kExtractI32: case SimdShape::kExtractI64: case SimdShape::kExtractF32:
          case SimdShape::kExtractF64: case SimdShape::kReplaceI32: case SimdShape::kReplaceI64:
          case SimdShape::kReplaceF32: case SimdShape::kReplaceF64: r.skip(1); break;
          default: break;
        }
        break;
      }
      case 0x02: case 0x03: case 0x04: {
        int64_t bt = 0;
        r.readS33(&bt);
        break;
      }
      case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
      case 0x26: case 0xD2:
        r.readU32(&u);
        break;
      case 0x0E: {
        uint32_t n = 0;
        r.readU32(&n);
        for (uint32_t i = 0; i <= n && r.ok(); ++i) r.readU32(&u);
        break;
      }
      case 0x11:
        r.readU32(&u);
        if (indirect_types) indirect_types->push_back(u);
        r.readU32(&u);
        break;
      case 0x1C: {
        uint32_t n = 0;
        r.readU32(&n);
        r.skip(n);
        break;
      }
      case 0x3F: case 0x40: case 0xD0:
        r.skip(1);
        break;
      case 0x41: {
        int32_t v = 0;
        r.readS32(&v);
        break;
      }
      case 0x42: {
        int64_t v = 0;
        r.readS64(&v);
        break;
      }
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0xFC: {
        uint32_t sub = 0;
        r.readU32(&sub);
        switch (sub) {
          case 8: r.readU32(&u); r.skip(1); break;
          case 9: case 13: case 15: case 16: case 17: r.readU32(&u); break;
          case 10: r.skip(2); break;
          case 11: r.skip(1); break;
          case 12: case 14: r.readU32(&u); r.readU32(&u); break;
          default: break;
        }
        break;
      }
      default:
        if (op >= 0x28 && op <= 0x3E) memarg();
        break;
    }
  }
  return simd;
}

bool hasV128(const FuncType& t) {
  for (ValType v : t.params()) if (v == ValType::kV128) return true;
  for (ValType v : t.results()) if (v == ValType::kV128) return true;
  return false;
}

}  // namespace

bool usesSimd(const wasm::Module& m, uint32_t defined_index) {
  const wasm::Function& f = m.functions[defined_index];
  for (const LocalRun& r : f.locals) {
    if (r.type == ValType::kV128) return true;
  }
  return scanBody(m, f, nullptr);
}

bool v128InSignatures(const wasm::Module& m) {
  for (const Import& imp : m.imports) {
    if (imp.kind == ExternKind::kFunc && hasV128(m.types[imp.func_type_index])) return true;
  }
  std::vector<uint32_t> indirect;
  for (const wasm::Function& f : m.functions) {
    if (hasV128(m.types[f.type_index])) return true;
    scanBody(m, f, &indirect);
  }
  for (uint32_t t : indirect) {
    if (hasV128(m.types[t])) return true;
  }
  for (const wasm::Global& g : m.globals) {
    if (g.type.type == ValType::kV128) return true;
  }
  for (const Import& imp : m.imports) {
    if (imp.kind == ExternKind::kGlobal && imp.global.type == ValType::kV128) return true;
  }
  return false;
}

Result<std::string> emitFunction(const wasm::Module& m, uint32_t defined_index, MemoryChecks checks) {
  FunctionEmitter e(m, defined_index, checks);
  return e.run();
}

}  // namespace weir::wasm::aot

// Function body validation: one forward pass over the instructions with the
// operand and control stacks of the spec's validation algorithm (appendix).
// Iterative by construction (explicit control stack, bounded by
// DecodeLimits::max_nesting_depth), and allocation-free per instruction: the
// stacks are thread-local buffers reused across functions and modules.
#include <array>
#include <string>

#include "wasm/binary/reader.h"
#include "wasm/opcodes.h"
#include "wasm/validate/validator.h"

namespace weir::wasm::validate {
namespace {

using binary::DecodeError;
using binary::Reader;

constexpr StatusCode kMalformed = StatusCode::kInvalidArgument;
constexpr StatusCode kInvalid = StatusCode::kFailedPrecondition;
constexpr StatusCode kLimit = StatusCode::kResourceExhausted;

// Operand stack entries are ValType bytes; 0 is the spec's "Unknown" type
// produced by popping from an unreachable (polymorphic) stack.
using Operand = uint8_t;
constexpr Operand kUnknown = 0;
constexpr Operand op(ValType t) { return static_cast<Operand>(t); }
constexpr Operand kI32 = op(ValType::kI32), kI64 = op(ValType::kI64), kF32 = op(ValType::kF32),
                  kF64 = op(ValType::kF64), kV128 = op(ValType::kV128);

// One-element type lists for single-valtype block types, so every frame's
// label types are (pointer, length) into storage that outlives validation.
const ValType* singleType(ValType t) {
  static const ValType kTypes[] = {ValType::kI32,  ValType::kI64,     ValType::kF32,      ValType::kF64,
                                   ValType::kV128, ValType::kFuncRef, ValType::kExternRef};
  for (const ValType& k : kTypes) {
    if (k == t) return &k;
  }
  return nullptr;
}

struct TypeList {
  const ValType* data = nullptr;
  uint32_t size = 0;
};

enum class FrameKind : uint8_t { kFunc, kBlock, kLoop, kIf, kElse };

struct Frame {
  FrameKind kind = FrameKind::kBlock;
  bool unreachable = false;
  TypeList params;
  TypeList results;
  uint32_t height = 0;
  TypeList labelTypes() const { return kind == FrameKind::kLoop ? params : results; }
};

// Numeric instructions (0x45..0xC4 and the 0xFC saturating truncations) as
// (operand1, operand2, result); 0 = none.
struct NumSig {
  Operand a = 0, b = 0, r = 0;
};

std::array<NumSig, 256> buildNumericSigs() {
  std::array<NumSig, 256> s{};
  auto range = [&s](int lo, int hi, NumSig sig) {
    for (int i = lo; i <= hi; ++i) s[i] = sig;
  };
  range(0x45, 0x45, {kI32, 0, kI32});
  range(0x46, 0x4F, {kI32, kI32, kI32});
  range(0x50, 0x50, {kI64, 0, kI32});
  range(0x51, 0x5A, {kI64, kI64, kI32});
  range(0x5B, 0x60, {kF32, kF32, kI32});
  range(0x61, 0x66, {kF64, kF64, kI32});
  range(0x67, 0x69, {kI32, 0, kI32});
  range(0x6A, 0x78, {kI32, kI32, kI32});
  range(0x79, 0x7B, {kI64, 0, kI64});
  range(0x7C, 0x8A, {kI64, kI64, kI64});
  range(0x8B, 0x91, {kF32, 0, kF32});
  range(0x92, 0x98, {kF32, kF32, kF32});
  range(0x99, 0x9F, {kF64, 0, kF64});
  range(0xA0, 0xA6, {kF64, kF64, kF64});
  range(0xA7, 0xA7, {kI64, 0, kI32});
  range(0xA8, 0xA9, {kF32, 0, kI32});
  range(0xAA, 0xAB, {kF64, 0, kI32});
  range(0xAC, 0xAD, {kI32, 0, kI64});
  range(0xAE, 0xAF, {kF32, 0, kI64});
  range(0xB0, 0xB1, {kF64, 0, kI64});
  range(0xB2, 0xB3, {kI32, 0, kF32});
  range(0xB4, 0xB5, {kI64, 0, kF32});
  range(0xB6, 0xB6, {kF64, 0, kF32});
  range(0xB7, 0xB8, {kI32, 0, kF64});
  range(0xB9, 0xBA, {kI64, 0, kF64});
  range(0xBB, 0xBB, {kF32, 0, kF64});
  range(0xBC, 0xBC, {kF32, 0, kI32});
  range(0xBD, 0xBD, {kF64, 0, kI64});
  range(0xBE, 0xBE, {kI32, 0, kF32});
  range(0xBF, 0xBF, {kI64, 0, kF64});
  range(0xC0, 0xC1, {kI32, 0, kI32});
  range(0xC2, 0xC4, {kI64, 0, kI64});
  return s;
}

// SIMD instruction shapes.
enum class SimdKind : uint8_t {
  kNone,
  kUnary,      // v128 -> v128
  kBinary,     // v128 v128 -> v128
  kTernary,    // v128 v128 v128 -> v128
  kTest,       // v128 -> i32
  kShift,      // v128 i32 -> v128
  kSplat,      // scalar -> v128
  kExtract,    // v128 -> scalar, lane immediate
  kReplace,    // v128 scalar -> v128, lane immediate
  kLoad,       // memarg; i32 -> v128
  kStore,      // memarg; i32 v128 ->
  kLoadLane,   // memarg lane; i32 v128 -> v128
  kStoreLane,  // memarg lane; i32 v128 ->
  kConst,      // 16 bytes
  kShuffle,    // 16 lane bytes; v128 v128 -> v128
};

struct SimdSig {
  SimdKind kind = SimdKind::kNone;
  Operand scalar = 0;     // splat/extract/replace scalar type
  uint8_t lanes = 0;      // lane count for lane immediates
  uint8_t align = 0;      // natural alignment exponent for memory ops
};

std::array<SimdSig, kSimdOpcodeLimit> buildSimdSigs() {
  std::array<SimdSig, kSimdOpcodeLimit> s{};
  auto set = [&s](uint32_t code, SimdSig sig) { s[code] = sig; };
  auto range = [&s](uint32_t lo, uint32_t hi, SimdSig sig) {
    for (uint32_t i = lo; i <= hi; ++i) s[i] = sig;
  };
  set(0x00, {SimdKind::kLoad, 0, 0, 4});
  range(0x01, 0x06, {SimdKind::kLoad, 0, 0, 3});
  set(0x07, {SimdKind::kLoad, 0, 0, 0});
  set(0x08, {SimdKind::kLoad, 0, 0, 1});
  set(0x09, {SimdKind::kLoad, 0, 0, 2});
  set(0x0A, {SimdKind::kLoad, 0, 0, 3});
  set(0x0B, {SimdKind::kStore, 0, 0, 4});
  set(0x0C, {SimdKind::kConst});
  set(0x0D, {SimdKind::kShuffle});
  set(0x0E, {SimdKind::kBinary});
  set(0x0F, {SimdKind::kSplat, kI32});
  set(0x10, {SimdKind::kSplat, kI32});
  set(0x11, {SimdKind::kSplat, kI32});
  set(0x12, {SimdKind::kSplat, kI64});
  set(0x13, {SimdKind::kSplat, kF32});
  set(0x14, {SimdKind::kSplat, kF64});
  set(0x15, {SimdKind::kExtract, kI32, 16});
  set(0x16, {SimdKind::kExtract, kI32, 16});
  set(0x17, {SimdKind::kReplace, kI32, 16});
  set(0x18, {SimdKind::kExtract, kI32, 8});
  set(0x19, {SimdKind::kExtract, kI32, 8});
  set(0x1A, {SimdKind::kReplace, kI32, 8});
  set(0x1B, {SimdKind::kExtract, kI32, 4});
  set(0x1C, {SimdKind::kReplace, kI32, 4});
  set(0x1D, {SimdKind::kExtract, kI64, 2});
  set(0x1E, {SimdKind::kReplace, kI64, 2});
  set(0x1F, {SimdKind::kExtract, kF32, 4});
  set(0x20, {SimdKind::kReplace, kF32, 4});
  set(0x21, {SimdKind::kExtract, kF64, 2});
  set(0x22, {SimdKind::kReplace, kF64, 2});
  range(0x23, 0x4C, {SimdKind::kBinary});  // comparisons
  set(0x4D, {SimdKind::kUnary});
  range(0x4E, 0x51, {SimdKind::kBinary});
  set(0x52, {SimdKind::kTernary});
  set(0x53, {SimdKind::kTest});
  set(0x54, {SimdKind::kLoadLane, 0, 16, 0});
  set(0x55, {SimdKind::kLoadLane, 0, 8, 1});
  set(0x56, {SimdKind::kLoadLane, 0, 4, 2});
  set(0x57, {SimdKind::kLoadLane, 0, 2, 3});
  set(0x58, {SimdKind::kStoreLane, 0, 16, 0});
  set(0x59, {SimdKind::kStoreLane, 0, 8, 1});
  set(0x5A, {SimdKind::kStoreLane, 0, 4, 2});
  set(0x5B, {SimdKind::kStoreLane, 0, 2, 3});
  set(0x5C, {SimdKind::kLoad, 0, 0, 2});
  set(0x5D, {SimdKind::kLoad, 0, 0, 3});
  for (uint32_t c : {0x5E, 0x5F, 0x60, 0x61, 0x62, 0x67, 0x68, 0x69, 0x6A, 0x74, 0x75, 0x7A, 0x7C, 0x7D, 0x7E,
                     0x7F, 0x80, 0x81, 0x87, 0x88, 0x89, 0x8A, 0x94, 0xA0, 0xA1, 0xA7, 0xA8, 0xA9, 0xAA, 0xC0,
                     0xC1, 0xC7, 0xC8, 0xC9, 0xCA, 0xE0, 0xE1, 0xE3, 0xEC, 0xED, 0xEF, 0xF8, 0xF9, 0xFA, 0xFB,
                     0xFC, 0xFD, 0xFE, 0xFF}) {
    set(c, {SimdKind::kUnary});
  }
  for (uint32_t c : {0x63, 0x64, 0x83, 0x84, 0xA3, 0xA4, 0xC3, 0xC4}) set(c, {SimdKind::kTest});
  for (uint32_t c : {0x6B, 0x6C, 0x6D, 0x8B, 0x8C, 0x8D, 0xAB, 0xAC, 0xAD, 0xCB, 0xCC, 0xCD}) {
    set(c, {SimdKind::kShift});
  }
  for (uint32_t c : {0x65, 0x66, 0x6E, 0x6F, 0x70, 0x71, 0x72, 0x73, 0x76, 0x77, 0x78, 0x79, 0x7B, 0x82, 0x85,
                     0x86, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9B, 0x9C, 0x9D,
                     0x9E, 0x9F, 0xAE, 0xB1, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA, 0xBC, 0xBD, 0xBE, 0xBF, 0xCE,
                     0xD1, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF, 0xE4, 0xE5, 0xE6,
                     0xE7, 0xE8, 0xE9, 0xEA, 0xEB, 0xF0, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7}) {
    set(c, {SimdKind::kBinary});
  }
  return s;
}

const std::array<NumSig, 256> kNumericSigs = buildNumericSigs();
const std::array<SimdSig, kSimdOpcodeLimit> kSimdSigs = buildSimdSigs();

// Natural alignment exponents of the scalar loads/stores 0x28..0x3E.
constexpr uint8_t kScalarMemAlign[] = {
    2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2,  // loads 0x28..0x35
    2, 3, 2, 3, 0, 1, 0, 1, 2,                 // stores 0x36..0x3E
};
constexpr Operand kScalarMemType[] = {
    kI32, kI64, kF32, kF64, kI32, kI32, kI32, kI32, kI64, kI64, kI64, kI64, kI64, kI64,
    kI32, kI64, kF32, kF64, kI32, kI32, kI64, kI64, kI64,
};

class FunctionValidator {
 public:
  FunctionValidator(const Module& m, const std::vector<bool>& refs, const DecodeLimits& limits, Function& f,
                    std::vector<Operand>& vals, std::vector<Frame>& ctrls, std::vector<Operand>& scratch,
                    std::vector<ValType>& local_types)
      : m_(m),
        refs_(refs),
        limits_(limits),
        f_(f),
        r_(m.bytes.data(), f.body_offset, f.end_offset, &err_),
        vals_(vals),
        ctrls_(ctrls),
        scratch_(scratch),
        locals_(local_types) {}

  Status run();

 private:
  // --- error helpers (return false so call sites can `return fail(...)`) ---
  // Error paths are out of line and cold so the per-instruction hot path
  // stays small and keeps its state in registers.
  [[gnu::noinline, gnu::cold]] bool invalidAt(size_t at, std::string reason) { return r_.failAt(at, std::move(reason), kInvalid); }
  [[gnu::noinline, gnu::cold]] bool malformedAt(size_t at, std::string reason) { return r_.failAt(at, std::move(reason), kMalformed); }
  [[gnu::noinline, gnu::cold]] bool typeMismatch() { return invalidAt(instr_at_, "type mismatch"); }

  // --- operand stack ---
  // The hot path: the current frame's height and reachability are cached in
  // members so push/pop touch only the value buffer.
  [[gnu::always_inline]] void push(Operand t) {
    if (size_ == cap_) grow();
    stack_[size_++] = t;
    if (size_ > max_height_) max_height_ = size_;
  }
  [[gnu::noinline]] void grow() {
    vals_.resize(vals_.size() < 64 ? 64 : vals_.size() * 2);
    stack_ = vals_.data();
    cap_ = static_cast<uint32_t>(vals_.size());
  }
  [[gnu::always_inline]] bool pop(Operand* out) {
    if (size_ > cur_height_) {
      *out = stack_[--size_];
      return true;
    }
    *out = kUnknown;
    if (cur_unreachable_) return true;
    return typeMismatch();
  }
  [[gnu::always_inline]] bool popExpect(Operand expect) {
    if (size_ > cur_height_) {
      Operand actual = stack_[--size_];
      if (actual == expect || actual == kUnknown || expect == kUnknown) return true;
      return typeMismatch();
    }
    if (cur_unreachable_) return true;
    return typeMismatch();
  }
  bool popList(TypeList l) {
    for (uint32_t i = l.size; i > 0; --i) {
      if (!popExpect(op(l.data[i - 1]))) return false;
    }
    return true;
  }
  void pushList(TypeList l) {
    for (uint32_t i = 0; i < l.size; ++i) push(op(l.data[i]));
  }
  void setUnreachable() {
    size_ = cur_height_;
    cur_unreachable_ = true;
    ctrls_.back().unreachable = true;
  }
  void syncFrame() {
    const Frame& fr = ctrls_.back();
    cur_height_ = fr.height;
    cur_unreachable_ = fr.unreachable;
  }
  bool pushFrame(FrameKind kind, TypeList params, TypeList results) {
    if (ctrls_.size() > limits_.max_nesting_depth) {
      return r_.failAt(instr_at_, "blocks nested too deeply", kLimit);
    }
    ctrls_.push_back(Frame{kind, false, params, results, size_});
    if (ctrls_.size() > max_depth_) max_depth_ = static_cast<uint32_t>(ctrls_.size());
    syncFrame();
    pushList(params);
    return true;
  }
  bool popFrameValues(Frame* out) {
    const Frame& fr = ctrls_.back();
    if (!popList(fr.results)) return false;
    if (size_ != fr.height) return typeMismatch();
    *out = fr;
    ctrls_.pop_back();
    if (!ctrls_.empty()) syncFrame();
    return true;
  }

  // --- immediates ---
  bool blockType(TypeList* params, TypeList* results);
  bool memarg(uint8_t natural_align, const char* = nullptr);
  bool requireMemory(size_t at);
  bool zeroByte();
  bool labelIndex(uint32_t* depth);
  [[gnu::always_inline]] bool localIndex(Operand* type);

  // Inlined into the dispatch loop: a call per instruction would spill and
  // restore the validator state in every prologue.
  [[gnu::always_inline]] bool instruction(uint8_t opcode);
  bool fcInstruction();
  bool simdInstruction();

  const Module& m_;
  const std::vector<bool>& refs_;
  const DecodeLimits& limits_;
  Function& f_;
  DecodeError err_;
  Reader r_;
  std::vector<Operand>& vals_;
  std::vector<Frame>& ctrls_;
  std::vector<Operand>& scratch_;
  std::vector<ValType>& locals_;
  size_t instr_at_ = 0;
  Operand* stack_ = nullptr;
  uint32_t size_ = 0;
  uint32_t cap_ = 0;
  uint32_t cur_height_ = 0;
  bool cur_unreachable_ = false;
  uint32_t max_height_ = 0;
  uint32_t max_depth_ = 0;
  bool uses_memory_ = false;
  bool has_calls_ = false;
  bool done_ = false;
};

bool FunctionValidator::blockType(TypeList* params, TypeList* results) {
  *params = {};
  *results = {};
  // Fast path: empty block type or a single value type (one negative byte).
  uint8_t b;
  if (r_.peekU8(&b)) {
    if (b == 0x40) {
      r_.skip(1);
      return true;
    }
    if (isValidValTypeByte(b)) {
      r_.skip(1);
      *results = {singleType(static_cast<ValType>(b)), 1};
      return true;
    }
  }
  size_t at = r_.pos();
  int64_t v;
  if (!r_.readS33(&v)) return false;
  if (v < 0) return malformedAt(at, "malformed value type");
  if (static_cast<uint64_t>(v) >= m_.types.size()) return invalidAt(at, "unknown type " + std::to_string(v));
  const FuncType& ft = m_.types[static_cast<size_t>(v)];
  *params = {ft.params().data(), ft.numParams()};
  *results = {ft.results().data(), ft.numResults()};
  return true;
}

bool FunctionValidator::requireMemory(size_t at) {
  uses_memory_ = true;
  if (m_.numMemories() == 0) return invalidAt(at, "unknown memory 0");
  return true;
}

bool FunctionValidator::memarg(uint8_t natural_align, const char*) {
  size_t at = r_.pos();
  uint32_t align, offset;
  if (!r_.readU32(&align) || !r_.readU32(&offset)) return false;
  if (!requireMemory(instr_at_)) return false;
  if (align > natural_align) return invalidAt(at, "alignment must not be larger than natural");
  return true;
}

bool FunctionValidator::zeroByte() {
  size_t at = r_.pos();
  uint8_t b;
  if (!r_.readU8(&b)) return false;
  if (b != 0) return malformedAt(at, "zero byte expected");
  return true;
}

bool FunctionValidator::labelIndex(uint32_t* depth) {
  size_t at = r_.pos();
  if (!r_.readU32(depth)) return false;
  if (*depth >= ctrls_.size()) return invalidAt(at, "unknown label");
  return true;
}

inline bool FunctionValidator::localIndex(Operand* type) {
  size_t at = r_.pos();
  uint32_t idx;
  if (!r_.readU32(&idx)) return false;
  if (idx >= locals_.size()) return invalidAt(at, "unknown local " + std::to_string(idx));
  *type = op(locals_[idx]);
  return true;
}

inline bool FunctionValidator::instruction(uint8_t opcode) {
  // Numeric instructions: table-driven.
  if (opcode >= 0x45 && opcode <= 0xC4) {
    const NumSig& s = kNumericSigs[opcode];
    if (s.b && !popExpect(s.b)) return false;
    if (!popExpect(s.a)) return false;
    push(s.r);
    return true;
  }
  if (opcode >= 0x28 && opcode <= 0x3E) {
    unsigned i = opcode - 0x28;
    if (!memarg(kScalarMemAlign[i])) return false;
    if (opcode <= 0x35) {
      if (!popExpect(kI32)) return false;
      push(kScalarMemType[i]);
    } else {
      if (!popExpect(kScalarMemType[i]) || !popExpect(kI32)) return false;
    }
    return true;
  }
  switch (opcode) {
    case 0x00:  // unreachable
      setUnreachable();
      return true;
    case 0x01:  // nop
      return true;
    case 0x02:    // block
    case 0x03: {  // loop
      TypeList p, res;
      if (!blockType(&p, &res) || !popList(p)) return false;
      return pushFrame(opcode == 0x02 ? FrameKind::kBlock : FrameKind::kLoop, p, res);
    }
    case 0x04: {  // if
      TypeList p, res;
      if (!blockType(&p, &res) || !popExpect(kI32) || !popList(p)) return false;
      return pushFrame(FrameKind::kIf, p, res);
    }
    case 0x05: {  // else
      if (ctrls_.back().kind != FrameKind::kIf) return invalidAt(instr_at_, "else without matching if");
      Frame fr{};
      if (!popFrameValues(&fr)) return false;
      return pushFrame(FrameKind::kElse, fr.params, fr.results);
    }
    case 0x0B: {  // end
      Frame fr{};
      if (!popFrameValues(&fr)) return false;
      // An `if` without `else` passes its params through as the results.
      if (fr.kind == FrameKind::kIf) {
        bool same = fr.params.size == fr.results.size;
        for (uint32_t i = 0; same && i < fr.params.size; ++i) same = fr.params.data[i] == fr.results.data[i];
        if (!same) return typeMismatch();
      }
      if (ctrls_.empty()) {
        done_ = true;
        return true;
      }
      pushList(fr.results);
      return true;
    }
    case 0x0C: {  // br
      uint32_t d;
      if (!labelIndex(&d)) return false;
      if (!popList(ctrls_[ctrls_.size() - 1 - d].labelTypes())) return false;
      setUnreachable();
      return true;
    }
    case 0x0D: {  // br_if
      uint32_t d;
      if (!labelIndex(&d) || !popExpect(kI32)) return false;
      TypeList l = ctrls_[ctrls_.size() - 1 - d].labelTypes();
      if (!popList(l)) return false;
      pushList(l);
      return true;
    }
    case 0x0E: {  // br_table
      size_t at = r_.pos();
      uint32_t n;
      if (!r_.readU32(&n)) return false;
      if (n > limits_.max_br_table_targets) return r_.failAt(at, "too many br_table targets", kLimit);
      if (n > r_.remaining()) return r_.failAt(at, "unexpected end of section or function");
      // Targets are read twice: once here for the default's arity, then for
      // the checks, so no per-instruction buffer of targets is needed.
      size_t targets_at = r_.pos();
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t ignored;
        if (!r_.readU32(&ignored)) return false;
      }
      uint32_t dflt;
      if (!labelIndex(&dflt) || !popExpect(kI32)) return false;
      size_t after = r_.pos();
      TypeList dl = ctrls_[ctrls_.size() - 1 - dflt].labelTypes();
      Reader tr(m_.bytes.data(), targets_at, after, &err_);
      for (uint32_t i = 0; i < n; ++i) {
        size_t tat = tr.pos();
        uint32_t d;
        tr.readU32(&d);
        if (d >= ctrls_.size()) return invalidAt(tat, "unknown label");
        TypeList l = ctrls_[ctrls_.size() - 1 - d].labelTypes();
        if (l.size != dl.size) return typeMismatch();
        // Check against the stack without consuming it (spec: pop then
        // push back what was popped, which may be Unknown).
        scratch_.clear();
        for (uint32_t k = l.size; k > 0; --k) {
          Operand got = kUnknown;
          if (!pop(&got)) return false;
          Operand want = op(l.data[k - 1]);
          if (got != want && got != kUnknown) return typeMismatch();
          scratch_.push_back(got);
        }
        for (size_t k = scratch_.size(); k > 0; --k) push(scratch_[k - 1]);
      }
      if (!popList(dl)) return false;
      setUnreachable();
      return true;
    }
    case 0x0F:  // return
      if (!popList(ctrls_.front().results)) return false;
      setUnreachable();
      return true;
    case 0x10: {  // call
      size_t at = r_.pos();
      uint32_t fi;
      if (!r_.readU32(&fi)) return false;
      if (fi >= m_.numFuncs()) return invalidAt(at, "unknown function " + std::to_string(fi));
      has_calls_ = true;
      const FuncType& ft = m_.funcType(fi);
      if (!popList({ft.params().data(), ft.numParams()})) return false;
      pushList({ft.results().data(), ft.numResults()});
      return true;
    }
    case 0x11: {  // call_indirect
      size_t at = r_.pos();
      uint32_t ti, table;
      if (!r_.readU32(&ti)) return false;
      size_t tat = r_.pos();
      if (!r_.readU32(&table)) return false;
      if (table >= m_.numTables()) return invalidAt(tat, "unknown table " + std::to_string(table));
      if (m_.tableType(table).elem_type != RefType::kFuncRef) return invalidAt(tat, "type mismatch");
      if (ti >= m_.types.size()) return invalidAt(at, "unknown type " + std::to_string(ti));
      has_calls_ = true;
      const FuncType& ft = m_.types[ti];
      if (!popExpect(kI32) || !popList({ft.params().data(), ft.numParams()})) return false;
      pushList({ft.results().data(), ft.numResults()});
      return true;
    }
    case 0x1A: {  // drop
      Operand t = kUnknown;
      return pop(&t);
    }
    case 0x1B: {  // select
      Operand t1 = kUnknown, t2 = kUnknown;
      if (!popExpect(kI32) || !pop(&t1) || !pop(&t2)) return false;
      auto numeric = [](Operand t) { return t == kUnknown || isNumType(ValType(t)) || t == kV128; };
      if (!numeric(t1) || !numeric(t2)) return typeMismatch();
      if (t1 != t2 && t1 != kUnknown && t2 != kUnknown) return typeMismatch();
      push(t1 == kUnknown ? t2 : t1);
      return true;
    }
    case 0x1C: {  // select t*
      size_t at = r_.pos();
      uint32_t n;
      if (!r_.readU32(&n)) return false;
      if (n != 1) return invalidAt(at, "invalid result arity");
      uint8_t b;
      size_t tat = r_.pos();
      if (!r_.readU8(&b)) return false;
      if (!isValidValTypeByte(b)) return malformedAt(tat, "malformed value type");
      if (!popExpect(kI32) || !popExpect(b) || !popExpect(b)) return false;
      push(b);
      return true;
    }
    case 0x20: {  // local.get
      Operand t = kUnknown;
      if (!localIndex(&t)) return false;
      push(t);
      return true;
    }
    case 0x21: {  // local.set
      Operand t = kUnknown;
      return localIndex(&t) && popExpect(t);
    }
    case 0x22: {  // local.tee
      Operand t = kUnknown;
      if (!localIndex(&t) || !popExpect(t)) return false;
      push(t);
      return true;
    }
    case 0x23:    // global.get
    case 0x24: {  // global.set
      size_t at = r_.pos();
      uint32_t gi;
      if (!r_.readU32(&gi)) return false;
      if (gi >= m_.numGlobals()) return invalidAt(at, "unknown global " + std::to_string(gi));
      GlobalType gt = m_.globalType(gi);
      if (opcode == 0x23) {
        push(op(gt.type));
        return true;
      }
      if (!gt.is_mutable) return invalidAt(at, "global is immutable");
      return popExpect(op(gt.type));
    }
    case 0x25:    // table.get
    case 0x26: {  // table.set
      size_t at = r_.pos();
      uint32_t ti;
      if (!r_.readU32(&ti)) return false;
      if (ti >= m_.numTables()) return invalidAt(at, "unknown table " + std::to_string(ti));
      Operand t = op(toValType(m_.tableType(ti).elem_type));
      if (opcode == 0x25) {
        if (!popExpect(kI32)) return false;
        push(t);
        return true;
      }
      return popExpect(t) && popExpect(kI32);
    }
    case 0x3F:  // memory.size
      if (!zeroByte() || !requireMemory(instr_at_)) return false;
      push(kI32);
      return true;
    case 0x40:  // memory.grow
      if (!zeroByte() || !requireMemory(instr_at_) || !popExpect(kI32)) return false;
      push(kI32);
      return true;
    case 0x41: {
      int32_t v;
      if (!r_.readS32(&v)) return false;
      push(kI32);
      return true;
    }
    case 0x42: {
      int64_t v;
      if (!r_.readS64(&v)) return false;
      push(kI64);
      return true;
    }
    case 0x43:
      if (!r_.skip(4)) return false;
      push(kF32);
      return true;
    case 0x44:
      if (!r_.skip(8)) return false;
      push(kF64);
      return true;
    case 0xD0: {  // ref.null
      size_t at = r_.pos();
      uint8_t b;
      if (!r_.readU8(&b)) return false;
      if (b != 0x70 && b != 0x6F) return malformedAt(at, "malformed reference type");
      push(b);
      return true;
    }
    case 0xD1: {  // ref.is_null
      Operand t = kUnknown;
      if (!pop(&t)) return false;
      if (t != kUnknown && !isRefType(ValType(t))) return typeMismatch();
      push(kI32);
      return true;
    }
    case 0xD2: {  // ref.func
      size_t at = r_.pos();
      uint32_t fi;
      if (!r_.readU32(&fi)) return false;
      if (fi >= m_.numFuncs()) return invalidAt(at, "unknown function " + std::to_string(fi));
      if (!refs_[fi]) return invalidAt(at, "undeclared function reference");
      push(op(ValType::kFuncRef));
      return true;
    }
    case 0xFC:
      return fcInstruction();
    case 0xFD:
      return simdInstruction();
    default:
      return malformedAt(instr_at_, "illegal opcode");
  }
}

bool FunctionValidator::fcInstruction() {
  size_t sub_at = r_.pos();
  uint32_t sub;
  if (!r_.readU32(&sub)) return false;
  if (sub <= 7) {
    static constexpr Operand kFrom[] = {kF32, kF32, kF64, kF64, kF32, kF32, kF64, kF64};
    if (!popExpect(kFrom[sub])) return false;
    push(sub < 4 ? kI32 : kI64);
    return true;
  }
  auto tableIndex = [this](uint32_t* out) {
    size_t at = r_.pos();
    if (!r_.readU32(out)) return false;
    if (*out >= m_.numTables()) return invalidAt(at, "unknown table " + std::to_string(*out));
    return true;
  };
  auto dataIndex = [this](uint32_t* out) {
    size_t at = r_.pos();
    if (!r_.readU32(out)) return false;
    if (!m_.data_count) return malformedAt(at, "data count section required");
    if (*out >= *m_.data_count) return invalidAt(at, "unknown data segment " + std::to_string(*out));
    return true;
  };
  auto elemIndex = [this](uint32_t* out) {
    size_t at = r_.pos();
    if (!r_.readU32(out)) return false;
    if (*out >= m_.elements.size()) return invalidAt(at, "unknown elem segment " + std::to_string(*out));
    return true;
  };
  switch (sub) {
    case 8: {  // memory.init
      uint32_t d;
      if (!dataIndex(&d) || !zeroByte() || !requireMemory(instr_at_)) return false;
      return popExpect(kI32) && popExpect(kI32) && popExpect(kI32);
    }
    case 9: {  // data.drop
      uint32_t d;
      return dataIndex(&d);
    }
    case 10:  // memory.copy
      if (!zeroByte() || !zeroByte() || !requireMemory(instr_at_)) return false;
      return popExpect(kI32) && popExpect(kI32) && popExpect(kI32);
    case 11:  // memory.fill
      if (!zeroByte() || !requireMemory(instr_at_)) return false;
      return popExpect(kI32) && popExpect(kI32) && popExpect(kI32);
    case 12: {  // table.init
      // Immediates are elem then table, but the spec checks the table first.
      size_t elem_at = r_.pos();
      uint32_t e, t;
      if (!r_.readU32(&e) || !tableIndex(&t)) return false;
      if (e >= m_.elements.size()) return invalidAt(elem_at, "unknown elem segment " + std::to_string(e));
      if (m_.elements[e].type != m_.tableType(t).elem_type) return typeMismatch();
      return popExpect(kI32) && popExpect(kI32) && popExpect(kI32);
    }
    case 13: {  // elem.drop
      uint32_t e;
      return elemIndex(&e);
    }
    case 14: {  // table.copy
      uint32_t dst, src;
      if (!tableIndex(&dst) || !tableIndex(&src)) return false;
      if (m_.tableType(dst).elem_type != m_.tableType(src).elem_type) return typeMismatch();
      return popExpect(kI32) && popExpect(kI32) && popExpect(kI32);
    }
    case 15: {  // table.grow
      uint32_t t;
      if (!tableIndex(&t)) return false;
      if (!popExpect(kI32) || !popExpect(op(toValType(m_.tableType(t).elem_type)))) return false;
      push(kI32);
      return true;
    }
    case 16: {  // table.size
      uint32_t t;
      if (!tableIndex(&t)) return false;
      push(kI32);
      return true;
    }
    case 17: {  // table.fill
      uint32_t t;
      if (!tableIndex(&t)) return false;
      return popExpect(kI32) && popExpect(op(toValType(m_.tableType(t).elem_type))) && popExpect(kI32);
    }
    default:
      return malformedAt(sub_at, "illegal opcode");
  }
}

bool FunctionValidator::simdInstruction() {
  size_t sub_at = r_.pos();
  uint32_t sub;
  if (!r_.readU32(&sub)) return false;
  if (sub >= kSimdOpcodeLimit || kSimdSigs[sub].kind == SimdKind::kNone) {
    return malformedAt(sub_at, "illegal opcode");
  }
  const SimdSig& s = kSimdSigs[sub];
  auto lane = [this](uint8_t lanes) {
    size_t at = r_.pos();
    uint8_t l;
    if (!r_.readU8(&l)) return false;
    if (l >= lanes) return invalidAt(at, "invalid lane index");
    return true;
  };
  switch (s.kind) {
    case SimdKind::kUnary:
      if (!popExpect(kV128)) return false;
      push(kV128);
      return true;
    case SimdKind::kBinary:
      if (!popExpect(kV128) || !popExpect(kV128)) return false;
      push(kV128);
      return true;
    case SimdKind::kTernary:
      if (!popExpect(kV128) || !popExpect(kV128) || !popExpect(kV128)) return false;
      push(kV128);
      return true;
    case SimdKind::kTest:
      if (!popExpect(kV128)) return false;
      push(kI32);
      return true;
    case SimdKind::kShift:
      if (!popExpect(kI32) || !popExpect(kV128)) return false;
      push(kV128);
      return true;
    case SimdKind::kSplat:
      if (!popExpect(s.scalar)) return false;
      push(kV128);
      return true;
    case SimdKind::kExtract:
      if (!lane(s.lanes) || !popExpect(kV128)) return false;
      push(s.scalar);
      return true;
    case SimdKind::kReplace:
      if (!lane(s.lanes) || !popExpect(s.scalar) || !popExpect(kV128)) return false;
      push(kV128);
      return true;
    case SimdKind::kLoad:
      if (!memarg(s.align) || !popExpect(kI32)) return false;
      push(kV128);
      return true;
    case SimdKind::kStore:
      return memarg(s.align) && popExpect(kV128) && popExpect(kI32);
    case SimdKind::kLoadLane:
      if (!memarg(s.align) || !lane(s.lanes) || !popExpect(kV128) || !popExpect(kI32)) return false;
      push(kV128);
      return true;
    case SimdKind::kStoreLane:
      return memarg(s.align) && lane(s.lanes) && popExpect(kV128) && popExpect(kI32);
    case SimdKind::kConst:
      if (!r_.skip(16)) return false;
      push(kV128);
      return true;
    case SimdKind::kShuffle:
      for (int i = 0; i < 16; ++i) {
        if (!lane(32)) return false;
      }
      if (!popExpect(kV128) || !popExpect(kV128)) return false;
      push(kV128);
      return true;
    case SimdKind::kNone:
      break;
  }
  return malformedAt(sub_at, "illegal opcode");
}

Status FunctionValidator::run() {
  const FuncType& ft = m_.types[f_.type_index];
  locals_.clear();
  locals_.reserve(ft.numParams() + f_.num_locals);
  locals_.assign(ft.params().begin(), ft.params().end());
  for (const LocalRun& run : f_.locals) locals_.insert(locals_.end(), run.count, run.type);
  if (vals_.size() < 64) vals_.resize(64);
  stack_ = vals_.data();
  cap_ = static_cast<uint32_t>(vals_.size());
  size_ = 0;
  ctrls_.clear();
  r_.setEofReason("unexpected end of section or function");
  ctrls_.push_back(Frame{FrameKind::kFunc, false, {}, {ft.results().data(), ft.numResults()}, 0});
  syncFrame();
  max_depth_ = 1;
  while (!done_) {
    instr_at_ = r_.pos();
    uint8_t opcode;
    if (!r_.readU8(&opcode)) break;
    if (!instruction(opcode)) break;
  }
  if (err_.isSet()) return err_.toStatus();
  if (!r_.atEnd()) return DecodeError{r_.pos(), "section size mismatch", kMalformed}.toStatus();
  f_.max_stack_height = max_height_;
  f_.max_control_depth = max_depth_;
  f_.uses_memory = uses_memory_;
  f_.has_calls = has_calls_;
  return Status::ok();
}

}  // namespace

Status validateFunction(const Module& m, const std::vector<bool>& refs, const DecodeLimits& limits,
                        uint32_t defined_index, Function& f) {
  (void)defined_index;
  // Reused across calls on this thread: validation allocates only when a
  // function needs deeper stacks than any before it.
  thread_local std::vector<Operand> vals;
  thread_local std::vector<Frame> ctrls;
  thread_local std::vector<Operand> scratch;
  thread_local std::vector<ValType> locals;
  FunctionValidator v(m, refs, limits, f, vals, ctrls, scratch, locals);
  return v.run();
}

}  // namespace weir::wasm::validate

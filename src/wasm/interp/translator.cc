// Wasm bytecode → internal register-style code. See code.h for the format and
// docs/wasm-engine.md for the design. The input is validated, so decoding
// errors here are internal errors, but reads are still bounds-checked.
#include "wasm/interp/translator.h"

#include <cstring>
#include <string>

#include "wasm/interp/ops.h"
#include "wasm/opcodes.h"
#include "wasm/simd/simd_ops.h"

namespace weir::wasm::interp {
namespace {

namespace sd = weir::wasm::simd;

// Function-pointer shapes the SIMD handlers call through. Wrappers give every
// group one signature so one handler serves the group.
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

struct Reader {
  const uint8_t* p;
  const uint8_t* end;
  bool ok = true;

  uint8_t byte() {
    if (p >= end) { ok = false; return 0; }
    return *p++;
  }
  uint64_t leb(bool is_signed) {
    uint64_t result = 0;
    int shift = 0;
    uint8_t b = 0;
    do {
      b = byte();
      if (!ok) return 0;
      result |= uint64_t{b & 0x7fu} << shift;
      shift += 7;
    } while ((b & 0x80) && shift < 70);
    if (is_signed && shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
    return result;
  }
  uint32_t u32() { return static_cast<uint32_t>(leb(false)); }
  int32_t s32() { return static_cast<int32_t>(leb(true)); }
  int64_t s64() { return static_cast<int64_t>(leb(true)); }
  uint32_t fixed32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{byte()} << (8 * i);
    return v;
  }
  uint64_t fixed64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{byte()} << (8 * i);
    return v;
  }
};

// The back-edge form of a branch op, or Op::kCount when it has none.
Op loopVariant(Op op) {
  switch (op) {
    case Op::kBr: return Op::kBrLoop;
    case Op::kBrIf: return Op::kBrIfLoop;
    case Op::kBrUnless: return Op::kBrUnlessLoop;
    default: break;
  }
  int i = static_cast<int>(op) - static_cast<int>(Op::kBrIfEq);
  if (i >= 0 && i < static_cast<int>(Op::kBrIfEqLoop) - static_cast<int>(Op::kBrIfEq)) {
    return static_cast<Op>(static_cast<int>(Op::kBrIfEqLoop) + i);
  }
  return Op::kCount;
}

enum class Kind : uint8_t { kTemp, kLocal, kConst };

struct Entry {
  ValType type;
  uint32_t slot;  // natural position on the operand stack
  Kind kind = Kind::kTemp;
  uint32_t local = 0;  // kLocal: the local's slot
  uint64_t c0 = 0, c1 = 0;  // kConst payload (c1: v128 high half)
};

enum class CtrlKind : uint8_t { kFunc, kBlock, kLoop, kIf };

struct Ctrl {
  CtrlKind kind;
  uint32_t base;          // slot height at entry (below params)
  size_t stack_size;      // entries below params
  std::vector<ValType> params, results;
  size_t loop_pc = 0;
  std::vector<size_t> fixups;  // words to patch with the end address
  size_t else_fixup = SIZE_MAX;
  bool unreachable = false;
};

inline uint32_t slotsOf(ValType t) { return t == ValType::kV128 ? 2 : 1; }

// Where an instruction keeps its destination slot (for retargeting).
enum class DstFmt : uint8_t { kNone, kPack3, kLo };

struct Fusion;

class FuncTranslator {
 public:
  FuncTranslator(const wasm::Module& m, uint32_t def_index, CompiledFunc& out)
      : m_(m), fn_(m.functions[def_index]), out_(out), h_(handlerTable()) {
    out_.func_index = m.num_imported_funcs + def_index;
  }

  Status run();

 private:
  // ---- emission
  void emitOp(Op op, DstFmt fmt = DstFmt::kNone) {
    prev_start_ = last_start_;
    prev_op_ = last_op_;
    last_start_ = code_.size();
    last_op_ = op;
    last_fmt_ = fmt;
    Word w;
    w.op = h_[static_cast<size_t>(op)];
    code_.push_back(w);
  }
  void word(uint64_t v) { Word w; w.u = v; code_.push_back(w); }
  void wordLoHi(uint32_t lo, uint32_t hi) { Word w; w.p.lo = lo; w.p.hi = hi; code_.push_back(w); }
  void label() { label_pc_ = code_.size(); last_fmt_ = DstFmt::kNone; }
  bool lastDefines(uint32_t slot) const {
    if (last_fmt_ == DstFmt::kNone || last_start_ < label_pc_ || last_start_ + 1 >= code_.size()) return false;
    const Word& w = code_[last_start_ + 1];
    uint32_t d = last_fmt_ == DstFmt::kPack3 ? static_cast<uint32_t>(w.u & kMaxSlots) : w.p.lo;
    return d == slot;
  }
  void retarget(uint32_t slot) {
    Word& w = code_[last_start_ + 1];
    if (last_fmt_ == DstFmt::kPack3) w.u = (w.u & ~uint64_t{kMaxSlots}) | slot;
    else w.p.lo = slot;
  }

  // Merges the last instruction with the one before it when both are `op`
  // (Copy, I32Add or I32AddI) with no label between them: one dispatch instead of
  // two. The pair runs the first, then the second, and keeps the second's
  // destination where retarget() finds it.
  void pairWithPrevious(Op op) {
    if (last_op_ != op || prev_op_ != op || prev_start_ < label_pc_) return;
    size_t len = code_.size() - last_start_;
    if (last_start_ - prev_start_ != len) return;
    Word first = code_[prev_start_ + 1], second = code_[last_start_ + 1];
    uint64_t c1 = len == 3 ? code_[prev_start_ + 2].u : 0, c2 = len == 3 ? code_[last_start_ + 2].u : 0;
    DstFmt fmt = last_fmt_;
    code_.resize(prev_start_);
    last_start_ = prev_start_;
    prev_op_ = Op::kCount;
    last_op_ = op == Op::kCopy ? Op::kCopyPair : op == Op::kI32Add ? Op::kI32AddPair : Op::kI32AddIPair;
    last_fmt_ = fmt;
    Word w;
    w.op = h_[static_cast<size_t>(last_op_)];
    code_.push_back(w);
    code_.push_back(second);
    code_.push_back(first);
    if (op == Op::kI32AddI) wordLoHi(static_cast<uint32_t>(c1), static_cast<uint32_t>(c2));
  }

  // ---- operand stack
  uint32_t height() const { return stack_.empty() ? base_slots_ : stack_.back().slot + slotsOf(stack_.back().type); }
  void bump(uint32_t h) { if (h > max_height_) max_height_ = h; }
  Entry& push(ValType t) {
    uint32_t s = height();
    stack_.push_back(Entry{t, s});
    bump(s + slotsOf(t));
    return stack_.back();
  }
  Entry pop() {
    Entry e = stack_.back();
    stack_.pop_back();
    return e;
  }
  void materialize(Entry& e) {
    if (e.kind == Kind::kLocal) {
      emitOp(slotsOf(e.type) == 2 ? Op::kCopy2 : Op::kCopy, DstFmt::kLo);
      wordLoHi(e.slot, e.local);
      pairWithPrevious(Op::kCopy);
    } else if (e.kind == Kind::kConst) {
      if (e.type == ValType::kV128) {
        emitOp(Op::kV128Const, DstFmt::kLo);
        wordLoHi(e.slot, 0);
        word(e.c0);
        word(e.c1);
      } else {
        emitOp(Op::kConst, DstFmt::kLo);
        wordLoHi(e.slot, 0);
        word(e.c0);
      }
    }
    e.kind = Kind::kTemp;
  }
  void materializeAll() {
    for (auto& e : stack_) if (e.kind != Kind::kTemp) materialize(e);
  }
  void materializeLocal(uint32_t local_slot) {
    for (auto& e : stack_) if (e.kind == Kind::kLocal && e.local == local_slot) materialize(e);
  }
  // The slot an operand can be read from (materializing constants in place).
  uint32_t use(Entry& e) {
    if (e.kind == Kind::kLocal) return e.local;
    if (e.kind == Kind::kConst) materialize(e);
    return e.slot;
  }

  // ---- generic shapes
  void unop(Op op, ValType result) {
    Entry a = pop();
    uint32_t as = use(a);
    Entry& r = push(result);
    emitOp(op, DstFmt::kLo);
    wordLoHi(r.slot, as);
  }
  void binop(Op op, ValType result) {
    Entry b = pop();
    Entry a = pop();
    if (binopMem(op, a, b, result)) return;
    uint32_t as = use(a), bs = use(b);
    Entry& r = push(result);
    emitOp(op, DstFmt::kPack3);
    word(pack3(r.slot, as, bs));
  }
  // Ops with an immediate form: Op+1 is the immediate variant.
  void binopImm(Op op, ValType result) {
    Entry b = pop();
    Entry a = pop();
    if (b.kind == Kind::kConst) {
      uint32_t src = 0, c1 = 0;
      if (op == Op::kI32And && takeAddImm(a, src, c1)) {
        // (x + c1) & c2 in one op; the add's result had no other reader.
        Entry& r = push(result);
        emitOp(Op::kI32AddAndI, DstFmt::kLo);
        wordLoHi(r.slot, src);
        wordLoHi(c1, static_cast<uint32_t>(b.c0));
        return;
      }
      uint32_t as = use(a);
      Entry& r = push(result);
      emitOp(static_cast<Op>(static_cast<int>(op) + 1), DstFmt::kLo);
      wordLoHi(r.slot, as);
      word(b.c0);
      if (op == Op::kI32Add) pairWithPrevious(Op::kI32AddI);
      return;
    }
    if (binopMem(op, a, b, result) || binopShifted(op, a, b, result)) return;
    uint32_t as = use(a), bs = use(b);
    Entry& r = push(result);
    emitOp(op, DstFmt::kPack3);
    word(pack3(r.slot, as, bs));
    if (op == Op::kI32Add) pairWithPrevious(Op::kI32Add);
  }
  void pushConst(ValType t, uint64_t c0, uint64_t c1 = 0) {
    Entry& e = push(t);
    e.kind = Kind::kConst;
    e.c0 = c0;
    e.c1 = c1;
  }

  // ---- control
  Ctrl& ctrlAt(uint32_t depth) { return ctrls_[ctrls_.size() - 1 - depth]; }
  void readBlockType(Reader& r, std::vector<ValType>& params, std::vector<ValType>& results) {
    uint8_t b = r.p < r.end ? *r.p : 0;
    if (b == 0x40) { r.byte(); return; }
    if (isValidValTypeByte(b)) { r.byte(); results.push_back(static_cast<ValType>(b)); return; }
    int64_t idx = static_cast<int64_t>(r.leb(true));
    if (idx < 0 || static_cast<size_t>(idx) >= m_.types.size()) { r.ok = false; return; }
    const FuncType& ft = m_.types[static_cast<size_t>(idx)];
    params.assign(ft.params().begin(), ft.params().end());
    results.assign(ft.results().begin(), ft.results().end());
  }
  uint32_t slotsOfTypes(const std::vector<ValType>& ts) const {
    uint32_t n = 0;
    for (ValType t : ts) n += slotsOf(t);
    return n;
  }
  // Copies the top `types` values down to `dest` (their position at a label).
  void copyTopTo(const std::vector<ValType>& types, uint32_t dest) {
    uint32_t n = slotsOfTypes(types);
    uint32_t src = height() - n;
    if (src == dest) return;
    size_t first = stack_.size() - types.size();
    for (size_t i = first; i < stack_.size(); ++i) {
      Entry& e = stack_[i];
      uint32_t off = e.slot - src;
      uint32_t s = use(e);
      emitOp(slotsOf(e.type) == 2 ? Op::kCopy2 : Op::kCopy);
      wordLoHi(dest + off, s);
      pairWithPrevious(Op::kCopy);
    }
  }
  void emitBranchTo(Ctrl& c) {
    emitOp(Op::kBr);
    addTarget(c);
  }
  // Moves the branch values into place and jumps (a branch to the function
  // body's label is a return).
  void branchTo(Ctrl& t) {
    if (t.kind == CtrlKind::kFunc) {
      doReturn();
      return;
    }
    copyTopTo(t.kind == CtrlKind::kLoop ? t.params : t.results, t.base);
    emitBranchTo(t);
  }
  // The branch instruction just emitted jumps to `c`. A back-edge to a loop
  // becomes the op's Loop variant, which polls itself and skips LoopCheck.
  void addTarget(Ctrl& c) {
    if (c.kind == CtrlKind::kLoop) {
      Op lv = loopVariant(last_op_);
      if (lv != Op::kCount) {
        code_[last_start_].op = h_[static_cast<size_t>(lv)];
        last_op_ = lv;
        word(c.loop_pc + 1);  // LoopCheck is one word
      } else {
        word(c.loop_pc);
      }
      targets_.push_back(code_.size() - 1);
    } else {
      word(0);
      c.fixups.push_back(code_.size() - 1);
    }
  }
  void resetToLabel(Ctrl& c, const std::vector<ValType>& types) {
    stack_.resize(c.stack_size);
    for (ValType t : types) push(t);
  }
  void skipUnreachable(Reader& r);
  bool skipInstr(Reader& r, uint8_t op);
  Status translateFc(Reader& r);
  Status translateSimd(Reader& r);
  void memArg(Reader& r, uint64_t& offset) {
    r.u32();  // alignment hint
    offset = r.u32();
  }
  // The address operand of a memory access. An `i32.add` of a constant that
  // was the last instruction and only computed this address is removed and
  // returned as `addend` (the handler adds it with 32-bit wrap-around).
  uint32_t addressOf(Entry& addr, uint32_t& addend) {
    uint32_t src = 0;
    addend = 0;
    if (takeAddImm(addr, src, addend)) return src;
    return use(addr);
  }
  // When `e` is the result of the `i32.add` of a constant just emitted,
  // removes that add and returns its operand slot and constant.
  bool takeAddImm(const Entry& e, uint32_t& src, uint32_t& c) {
    if (e.kind != Kind::kTemp || !lastDefines(e.slot)) return false;
    if (last_op_ == Op::kI32AddI) {
      src = code_[last_start_ + 1].p.hi;
      c = static_cast<uint32_t>(code_[last_start_ + 2].u);
      dropLast();
      return true;
    }
    if (last_op_ == Op::kI32AddIPair) {
      // Take the second add; the first stays, as a plain I32AddI.
      src = code_[last_start_ + 1].p.hi;
      c = code_[last_start_ + 3].p.hi;
      code_[last_start_].op = h_[static_cast<size_t>(Op::kI32AddI)];
      code_[last_start_ + 1] = code_[last_start_ + 2];
      code_[last_start_ + 2].u = code_[last_start_ + 3].p.lo;
      code_.resize(last_start_ + 3);
      last_op_ = Op::kI32AddI;
      last_fmt_ = DstFmt::kNone;
      return true;
    }
    return false;
  }
  void dropLast() {
    code_.resize(last_start_);
    last_fmt_ = DstFmt::kNone;
    last_op_ = Op::kCount;
  }
  // Scalar loads and stores fold an address addend; SIMD ones keep a plain
  // 64-bit offset word.
  void load(Op op, ValType result, uint64_t offset, bool scalar = true) {
    Entry a = pop();
    uint32_t addend = 0;
    uint32_t as = scalar ? addressOf(a, addend) : use(a);
    Entry& res = push(result);
    emitOp(op, DstFmt::kLo);
    wordLoHi(res.slot, as);
    if (scalar) wordLoHi(static_cast<uint32_t>(offset), addend);
    else word(offset);
  }
  void store(Op op, uint64_t offset, bool scalar = true) {
    Entry v = pop();
    Entry a = pop();
    uint32_t addend = 0;
    uint32_t as = scalar ? addressOf(a, addend) : use(a);
    if (scalar && addend == 0 && fuseReadModifyWrite(op, v, as, offset)) return;
    uint32_t vs = use(v);
    emitOp(op);
    wordLoHi(as, vs);
    if (scalar) wordLoHi(static_cast<uint32_t>(offset), addend);
    else word(offset);
  }
  // `a op load(...)` or `a op (s shift c)`: when `b` (or `a`, for a
  // commutative op) is the result of the producer just emitted and `table`
  // has a fused form for the pair, replaces both with it. Returns false
  // (emitting nothing) otherwise.
  bool fuseOperand(std::span<const Fusion> table, Op op, Entry& a, Entry& b, ValType result);
  bool binopMem(Op op, Entry& a, Entry& b, ValType result);
  bool binopShifted(Op op, Entry& a, Entry& b, ValType result);
  // store(addr, v) where v is the result of the memory-operand op just
  // emitted on the same address: turns that op into its read-modify-write
  // form. Returns false (emitting nothing) otherwise.
  bool fuseReadModifyWrite(Op store, const Entry& v, uint32_t addr, uint64_t offset);
  void localSet(uint32_t idx, bool tee);
  void brIf(uint32_t depth);
  void ifOp(std::vector<ValType> params, std::vector<ValType> results);
  void end();
  void doReturn();
  void call(uint32_t func_index);
  void callIndirect(uint32_t type_index, uint32_t table);

  const wasm::Module& m_;
  const wasm::Function& fn_;
  CompiledFunc& out_;
  const void* const* h_;
  std::vector<Word> code_;
  std::vector<size_t> targets_;  // words holding code indices → addresses at the end
  std::vector<Entry> stack_;
  std::vector<Ctrl> ctrls_;
  std::vector<ValType> local_types_;
  std::vector<uint32_t> local_slots_;
  uint32_t base_slots_ = 0;  // params + locals
  uint32_t max_height_ = 0;
  size_t last_start_ = 0;
  Op last_op_ = Op::kCount;
  size_t prev_start_ = 0;  // the instruction before the last one, if prev_op_ is an op
  Op prev_op_ = Op::kCount;
  DstFmt last_fmt_ = DstFmt::kNone;
  size_t label_pc_ = 0;
};

bool isI32Compare(Op op, int& cmp, bool& imm) {
  static const Op kRR[] = {Op::kI32Eq, Op::kI32Ne, Op::kI32LtS, Op::kI32LtU, Op::kI32GtS,
                           Op::kI32GtU, Op::kI32LeS, Op::kI32LeU, Op::kI32GeS, Op::kI32GeU};
  for (int i = 0; i < 10; ++i) {
    if (op == kRR[i]) { cmp = i; imm = false; return true; }
    if (op == static_cast<Op>(static_cast<int>(kRR[i]) + 1)) { cmp = i; imm = true; return true; }
  }
  return false;
}
// Index order matches WEIR_INTERP_BRCMP: Eq Ne LtS LtU GtS GtU LeS LeU GeS GeU.
constexpr int kInverse[10] = {1, 0, 8, 9, 6, 7, 4, 5, 2, 3};
Op brCmpOp(int cmp, bool imm) {
  return static_cast<Op>(static_cast<int>(Op::kBrIfEq) + 2 * cmp + (imm ? 1 : 0));
}

// A binop fused with the instruction that produced one of its operands: a
// load (the operand comes from memory) or a shift by a constant. Both
// producers have the layout [op][d|src][imm], and so do the fused ops'
// operands: [fused][d|other|src][imm].
struct Fusion {
  Op binop, producer, fused;
};
constexpr Fusion kMemFusions[] = {
#define WEIR_MEM_FUSION(name, base, load, ...) {Op::k##base, Op::k##load, Op::k##name},
    WEIR_INTERP_BINOPS_MEM(WEIR_MEM_FUSION)
#undef WEIR_MEM_FUSION
};
constexpr Fusion kShiftFusions[] = {
#define WEIR_SHIFT_FUSION(name, base, shift, ...) {Op::k##base, Op::k##shift, Op::k##name},
    WEIR_INTERP_BINOPS_SHIFTED(WEIR_SHIFT_FUSION)
#undef WEIR_SHIFT_FUSION
};
// Integer ops whose operands may be swapped to put the load second. Float ops
// are never swapped: with two NaN operands the hardware keeps the first one's
// payload. (Every shifted-operand op is commutative.)
bool isCommutativeInt(Op op) {
  switch (op) {
    case Op::kI32Add: case Op::kI32Mul: case Op::kI32And: case Op::kI32Or: case Op::kI32Xor:
    case Op::kI64Add: case Op::kI64Mul: case Op::kI64And: case Op::kI64Or: case Op::kI64Xor:
      return true;
    default:
      return false;
  }
}

bool FuncTranslator::fuseOperand(std::span<const Fusion> table, Op op, Entry& a, Entry& b, ValType result) {
  auto fusedFor = [&](const Entry& e) -> const Fusion* {
    if (e.kind != Kind::kTemp || !lastDefines(e.slot)) return nullptr;
    for (const Fusion& f : table) {
      if (f.binop == op && f.producer == last_op_) return &f;
    }
    return nullptr;
  };
  const Fusion* f = fusedFor(b);
  Entry* other = &a;
  if (!f && isCommutativeInt(op)) {
    f = fusedFor(a);
    other = &b;
  }
  if (!f) return false;
  // The producer is the last instruction, so nothing else reads its destination.
  uint32_t src = code_[last_start_ + 1].p.hi;
  Word imm = code_[last_start_ + 2];
  dropLast();
  uint32_t os = use(*other);
  Entry& r = push(result);
  emitOp(f->fused, DstFmt::kPack3);
  word(pack3(r.slot, os, src));
  code_.push_back(imm);
  return true;
}

struct RmwFusion {
  Op mem_op, store, fused;
};
constexpr RmwFusion kRmwFusions[] = {
#define WEIR_RMW_FUSION(name, memop, store, ...) {Op::k##memop, Op::k##store, Op::k##name},
    WEIR_INTERP_RMW(WEIR_RMW_FUSION)
#undef WEIR_RMW_FUSION
};

bool FuncTranslator::binopMem(Op op, Entry& a, Entry& b, ValType result) {
  return fuseOperand(kMemFusions, op, a, b, result);
}
bool FuncTranslator::binopShifted(Op op, Entry& a, Entry& b, ValType result) {
  return fuseOperand(kShiftFusions, op, a, b, result);
}

bool FuncTranslator::fuseReadModifyWrite(Op store, const Entry& v, uint32_t addr, uint64_t offset) {
  if (v.kind != Kind::kTemp || !lastDefines(v.slot)) return false;
  // Only a memory-operand binop has the address and offset words read below;
  // any other last instruction may be shorter.
  const RmwFusion* fusion = nullptr;
  for (const RmwFusion& f : kRmwFusions) {
    if (f.mem_op == last_op_ && f.store == store) fusion = &f;
  }
  if (!fusion) return false;
  const Word& w1 = code_[last_start_ + 1];
  const Word& w2 = code_[last_start_ + 2];
  if (static_cast<uint32_t>(w1.u >> (2 * kSlotBits)) != addr || w2.p.lo != offset || w2.p.hi != 0) return false;
  code_[last_start_].op = h_[static_cast<size_t>(fusion->fused)];
  last_op_ = fusion->fused;
  last_fmt_ = DstFmt::kNone;  // no destination slot any more
  return true;
}

void FuncTranslator::localSet(uint32_t idx, bool tee) {
  uint32_t ls = local_slots_[idx];
  ValType t = local_types_[idx];
  Entry v = pop();
  if (v.kind == Kind::kLocal && v.local == ls) {
    if (tee) stack_.push_back(v);
    return;
  }
  bool provider_exists = false;
  for (auto& e : stack_) provider_exists |= (e.kind == Kind::kLocal && e.local == ls);
  if (v.kind == Kind::kTemp && !provider_exists && lastDefines(v.slot)) {
    retarget(ls);
  } else {
    materializeLocal(ls);
    if (v.kind == Kind::kConst) {
      if (t == ValType::kV128) {
        emitOp(Op::kV128Const, DstFmt::kLo);
        wordLoHi(ls, 0);
        word(v.c0);
        word(v.c1);
      } else {
        emitOp(Op::kConst, DstFmt::kLo);
        wordLoHi(ls, 0);
        word(v.c0);
      }
    } else {
      uint32_t s = use(v);
      emitOp(slotsOf(t) == 2 ? Op::kCopy2 : Op::kCopy, DstFmt::kLo);
      wordLoHi(ls, s);
      pairWithPrevious(Op::kCopy);
    }
  }
  if (tee) {
    Entry e{t, v.slot, Kind::kLocal, ls};
    stack_.push_back(e);
    bump(v.slot + slotsOf(t));
  }
}

void FuncTranslator::brIf(uint32_t depth) {
  Entry cond = pop();
  Ctrl& target = ctrlAt(depth);
  const auto& types = target.kind == CtrlKind::kLoop ? target.params : target.results;
  int cmp = 0;
  bool imm = false;
  bool fuse = cond.kind == Kind::kTemp && lastDefines(cond.slot) && isI32Compare(last_op_, cmp, imm);
  bool eqz = cond.kind == Kind::kTemp && lastDefines(cond.slot) && last_op_ == Op::kI32Eqz;
  uint32_t n = slotsOfTypes(types);
  bool needs_copy = height() - n != target.base || target.kind == CtrlKind::kFunc;
  if (needs_copy) {
    uint32_t cs = use(cond);
    materializeAll();
    emitOp(Op::kBrUnless);
    word(cs);
    word(0);
    size_t skip = code_.size() - 1;
    branchTo(target);
    code_[skip].u = code_.size();
    targets_.push_back(skip);
    label();
    return;
  }
  if (fuse || eqz) {
    Word w1 = code_[last_start_ + 1];
    Word w2 = code_.size() > last_start_ + 2 ? code_[last_start_ + 2] : Word{};
    dropLast();
    materializeAll();
    if (eqz) {
      emitOp(Op::kBrUnless);
      word(w1.p.hi);
    } else if (imm) {
      emitOp(brCmpOp(cmp, true));
      wordLoHi(w1.p.hi, static_cast<uint32_t>(w2.u));
    } else {
      emitOp(brCmpOp(cmp, false));
      wordLoHi(static_cast<uint32_t>((w1.u >> kSlotBits) & kMaxSlots),
               static_cast<uint32_t>((w1.u >> (2 * kSlotBits)) & kMaxSlots));
    }
    addTarget(target);
    label();
    return;
  }
  uint32_t cs = use(cond);
  materializeAll();
  emitOp(Op::kBrIf);
  word(cs);
  addTarget(target);
  label();
}

void FuncTranslator::ifOp(std::vector<ValType> params, std::vector<ValType> results) {
  Entry cond = pop();
  int cmp = 0;
  bool imm = false;
  bool fuse = cond.kind == Kind::kTemp && lastDefines(cond.slot) && isI32Compare(last_op_, cmp, imm);
  bool eqz = cond.kind == Kind::kTemp && lastDefines(cond.slot) && last_op_ == Op::kI32Eqz;
  if (fuse || eqz) {
    Word w1 = code_[last_start_ + 1];
    Word w2 = code_.size() > last_start_ + 2 ? code_[last_start_ + 2] : Word{};
    dropLast();
    materializeAll();
    if (eqz) {
      emitOp(Op::kBrIf);
      word(w1.p.hi);
    } else if (imm) {
      emitOp(brCmpOp(kInverse[cmp], true));
      wordLoHi(w1.p.hi, static_cast<uint32_t>(w2.u));
    } else {
      emitOp(brCmpOp(kInverse[cmp], false));
      wordLoHi(static_cast<uint32_t>((w1.u >> kSlotBits) & kMaxSlots),
               static_cast<uint32_t>((w1.u >> (2 * kSlotBits)) & kMaxSlots));
    }
  } else {
    uint32_t cs = use(cond);
    materializeAll();
    emitOp(Op::kBrUnless);
    word(cs);
  }
  word(0);
  Ctrl c{CtrlKind::kIf, 0, 0, std::move(params), std::move(results)};
  c.else_fixup = code_.size() - 1;
  uint32_t np = slotsOfTypes(c.params);
  c.base = height() - np;
  c.stack_size = stack_.size() - c.params.size();
  ctrls_.push_back(std::move(c));
  label();
}

void FuncTranslator::end() {
  Ctrl& c = ctrls_.back();
  if (!c.unreachable) {
    materializeAll();
    if (c.kind == CtrlKind::kFunc) {
      doReturn();
    }
  }
  if (c.kind == CtrlKind::kFunc) {
    ctrls_.pop_back();
    return;
  }
  if (c.else_fixup != SIZE_MAX) {
    // An if without else: the false path falls through to the end with its
    // params as results (validation guarantees params == results here).
    code_[c.else_fixup].u = code_.size();
    targets_.push_back(c.else_fixup);
  }
  for (size_t f : c.fixups) {
    code_[f].u = code_.size();
    targets_.push_back(f);
  }
  Ctrl done = std::move(c);
  ctrls_.pop_back();
  resetToLabel(done, done.results);
  label();
}

void FuncTranslator::doReturn() {
  const FuncType& ft = m_.types[fn_.type_index];
  if (ft.numResults() == 1 && slotsOf(ft.results()[0]) == 1) {
    // Other stack values die with the frame: only the result is moved, by
    // the return itself.
    uint32_t s = use(stack_.back());
    if (s != 0) {
      emitOp(Op::kReturnCopy);
      word(s);
      return;
    }
    emitOp(Op::kReturn);
    return;
  }
  std::vector<ValType> results(ft.results().begin(), ft.results().end());
  materializeAll();
  copyTopTo(results, 0);
  emitOp(Op::kReturn);
}

void FuncTranslator::call(uint32_t func_index) {
  materializeAll();
  const FuncType& ft = m_.funcType(func_index);
  uint32_t base = height() - slotsOfTypes(std::vector<ValType>(ft.params().begin(), ft.params().end()));
  for (size_t i = 0; i < ft.numParams(); ++i) stack_.pop_back();
  emitOp(Op::kCall);
  wordLoHi(func_index, base);
  for (ValType t : ft.results()) push(t);
  label();  // a callee may change memory size: no peephole across calls
}

void FuncTranslator::callIndirect(uint32_t type_index, uint32_t table) {
  Entry idx = pop();
  uint32_t is = use(idx);
  materializeAll();
  const FuncType& ft = m_.types[type_index];
  uint32_t base = height() - slotsOfTypes(std::vector<ValType>(ft.params().begin(), ft.params().end()));
  // The index slot may be at `base` (no params) and is read before the call.
  for (size_t i = 0; i < ft.numParams(); ++i) stack_.pop_back();
  emitOp(Op::kCallIndirect);
  wordLoHi(type_index, table);
  wordLoHi(base, is);
  for (ValType t : ft.results()) push(t);
  label();
}

// Skips an instruction's immediates (for dead code after br/return/unreachable).
bool FuncTranslator::skipInstr(Reader& r, uint8_t op) {
  switch (op) {
    case 0x02: case 0x03: case 0x04: {
      std::vector<ValType> p, q;
      readBlockType(r, p, q);
      return true;
    }
    case 0x0C: case 0x0D: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xD2:
      r.u32();
      return true;
    case 0x0E: {
      uint32_t n = r.u32();
      for (uint32_t i = 0; i <= n && r.ok; ++i) r.u32();
      return true;
    }
    case 0x11: r.u32(); r.u32(); return true;
    case 0x1C: {
      uint32_t n = r.u32();
      for (uint32_t i = 0; i < n && r.ok; ++i) r.byte();
      return true;
    }
    case 0x3F: case 0x40: r.byte(); return true;
    case 0x41: r.s32(); return true;
    case 0x42: r.s64(); return true;
    case 0x43: r.fixed32(); return true;
    case 0x44: r.fixed64(); return true;
    case 0xD0: r.byte(); return true;
    case 0xFC: {
      uint32_t sub = r.u32();
      switch (sub) {
        case 8: r.u32(); r.byte(); break;
        case 9: case 13: case 15: case 16: case 17: r.u32(); break;
        case 10: r.byte(); r.byte(); break;
        case 11: r.byte(); break;
        case 12: case 14: r.u32(); r.u32(); break;
        default: break;
      }
      return true;
    }
    case 0xFD: {
      uint32_t sub = r.u32();
      if (sub <= 0x0B || sub == 0x5C || sub == 0x5D) { r.u32(); r.u32(); }
      else if (sub == 0x0C || sub == 0x0D) { for (int i = 0; i < 16; ++i) r.byte(); }
      else if (sub >= 0x15 && sub <= 0x22) r.byte();
      else if (sub >= 0x54 && sub <= 0x5B) { r.u32(); r.u32(); r.byte(); }
      return true;
    }
    default:
      if (op >= 0x28 && op <= 0x3E) { r.u32(); r.u32(); }
      return true;
  }
}

void FuncTranslator::skipUnreachable(Reader& r) {
  // Consume instructions until the `else` or `end` that closes the current
  // control frame; leave that opcode unread.
  uint32_t depth = 0;
  while (r.ok && r.p < r.end) {
    uint8_t op = *r.p;
    if (depth == 0 && (op == 0x05 || op == 0x0B)) return;
    r.byte();
    if (op == 0x02 || op == 0x03 || op == 0x04) ++depth;
    else if (op == 0x0B) --depth;
    skipInstr(r, op);
  }
}

Status FuncTranslator::run() {
  const FuncType& ft = m_.types[fn_.type_index];
  uint32_t slot = 0;
  for (ValType t : ft.params()) {
    local_types_.push_back(t);
    local_slots_.push_back(slot);
    slot += slotsOf(t);
  }
  out_.num_param_slots = slot;
  for (const LocalRun& run : fn_.locals) {
    for (uint32_t i = 0; i < run.count; ++i) {
      local_types_.push_back(run.type);
      local_slots_.push_back(slot);
      slot += slotsOf(run.type);
      if (slot > kMaxSlots) return resourceExhausted("function frame too large for the interpreter");
    }
  }
  out_.num_local_slots = slot - out_.num_param_slots;
  base_slots_ = slot;
  max_height_ = slot;
  for (ValType t : ft.results()) out_.num_result_slots += slotsOf(t);
  bump(out_.num_result_slots);

  Ctrl fc{CtrlKind::kFunc, base_slots_, 0, {}, {ft.results().begin(), ft.results().end()}};
  ctrls_.push_back(std::move(fc));

  std::span<const uint8_t> body = m_.body(fn_);
  Reader r{body.data(), body.data() + body.size()};
  while (r.ok && !ctrls_.empty()) {
    if (max_height_ > kMaxSlots) return resourceExhausted("function frame too large for the interpreter");
    if (ctrls_.back().unreachable) {
      skipUnreachable(r);
      if (!r.ok || r.p >= r.end) break;
    }
    uint8_t op = r.byte();
    switch (op) {
      case 0x00:  // unreachable
        emitOp(Op::kUnreachable);
        ctrls_.back().unreachable = true;
        break;
      case 0x01: break;
      case 0x02: case 0x03: {
        std::vector<ValType> params, results;
        readBlockType(r, params, results);
        materializeAll();
        Ctrl c{op == 0x02 ? CtrlKind::kBlock : CtrlKind::kLoop, 0, 0, std::move(params), std::move(results)};
        c.base = height() - slotsOfTypes(c.params);
        c.stack_size = stack_.size() - c.params.size();
        if (op == 0x03) {
          label();
          c.loop_pc = code_.size();
          emitOp(Op::kLoopCheck);
          label();
        }
        ctrls_.push_back(std::move(c));
        break;
      }
      case 0x04: {
        std::vector<ValType> params, results;
        readBlockType(r, params, results);
        ifOp(std::move(params), std::move(results));
        break;
      }
      case 0x05: {  // else
        Ctrl& c = ctrls_.back();
        if (!c.unreachable) {
          materializeAll();
          emitBranchTo(c);
        }
        code_[c.else_fixup].u = code_.size();
        targets_.push_back(c.else_fixup);
        c.else_fixup = SIZE_MAX;
        c.unreachable = false;
        resetToLabel(c, c.params);
        label();
        break;
      }
      case 0x0B: end(); break;
      case 0x0C: {
        uint32_t depth = r.u32();
        Ctrl& t = ctrlAt(depth);
        materializeAll();
        branchTo(t);
        ctrls_.back().unreachable = true;
        break;
      }
      case 0x0D: brIf(r.u32()); break;
      case 0x0E: {
        uint32_t n = r.u32();
        std::vector<uint32_t> depths(n + 1);
        for (uint32_t i = 0; i <= n && r.ok; ++i) depths[i] = r.u32();
        Entry idx = pop();
        uint32_t is = use(idx);
        materializeAll();
        emitOp(Op::kBrTable);
        wordLoHi(is, n);
        size_t table = code_.size();
        for (uint32_t i = 0; i <= n; ++i) word(0);
        for (uint32_t i = 0; i <= n; ++i) {
          Ctrl& t = ctrlAt(depths[i]);
          const auto& types = t.kind == CtrlKind::kLoop ? t.params : t.results;
          if (height() - slotsOfTypes(types) == t.base && t.kind != CtrlKind::kFunc) {
            if (t.kind == CtrlKind::kLoop) {
              code_[table + i].u = t.loop_pc;
              targets_.push_back(table + i);
            } else {
              t.fixups.push_back(table + i);
            }
          } else {
            // A stub that moves the branch values, then jumps.
            code_[table + i].u = code_.size();
            targets_.push_back(table + i);
            branchTo(t);
          }
        }
        ctrls_.back().unreachable = true;
        break;
      }
      case 0x0F:
        doReturn();
        ctrls_.back().unreachable = true;
        break;
      case 0x10: call(r.u32()); break;
      case 0x11: {
        uint32_t ti = r.u32();
        uint32_t table = r.u32();
        callIndirect(ti, table);
        break;
      }
      case 0x1A: pop(); break;
      case 0x1B: case 0x1C: {
        if (op == 0x1C) {
          uint32_t n = r.u32();
          for (uint32_t i = 0; i < n; ++i) r.byte();
        }
        Entry c = pop();
        Entry b = pop();
        Entry a = pop();
        uint32_t cs = use(c), bs = use(b), as = use(a);
        Entry& res = push(a.type);
        emitOp(slotsOf(a.type) == 2 ? Op::kSelect2 : Op::kSelect, DstFmt::kPack3);
        word(pack3(res.slot, as, bs));
        word(cs);
        break;
      }
      case 0x20: {
        uint32_t idx = r.u32();
        Entry& e = push(local_types_[idx]);
        e.kind = Kind::kLocal;
        e.local = local_slots_[idx];
        break;
      }
      case 0x21: localSet(r.u32(), false); break;
      case 0x22: localSet(r.u32(), true); break;
      case 0x23: {
        uint32_t idx = r.u32();
        ValType t = m_.globalType(idx).type;
        Entry& e = push(t);
        emitOp(slotsOf(t) == 2 ? Op::kGlobalGet2 : Op::kGlobalGet, DstFmt::kLo);
        wordLoHi(e.slot, idx);
        break;
      }
      case 0x24: {
        uint32_t idx = r.u32();
        Entry v = pop();
        uint32_t vs = use(v);
        emitOp(slotsOf(v.type) == 2 ? Op::kGlobalSet2 : Op::kGlobalSet);
        wordLoHi(vs, idx);
        break;
      }
      case 0x25: {
        uint32_t t = r.u32();
        Entry i = pop();
        uint32_t is = use(i);
        Entry& res = push(toValType(m_.tableType(t).elem_type));
        emitOp(Op::kTableGet, DstFmt::kLo);
        wordLoHi(res.slot, is);
        word(t);
        break;
      }
      case 0x26: {
        uint32_t t = r.u32();
        Entry v = pop();
        Entry i = pop();
        uint32_t is = use(i), vs = use(v);
        emitOp(Op::kTableSet);
        wordLoHi(is, vs);
        word(t);
        break;
      }
#define WEIR_LOAD_CASE(code, name, type)   \
  case code: {                             \
    uint64_t off;                          \
    memArg(r, off);                        \
    load(Op::k##name, ValType::type, off); \
    break;                                 \
  }
      WEIR_LOAD_CASE(0x28, I32Load, kI32)
      WEIR_LOAD_CASE(0x29, I64Load, kI64)
      WEIR_LOAD_CASE(0x2A, F32Load, kF32)
      WEIR_LOAD_CASE(0x2B, F64Load, kF64)
      WEIR_LOAD_CASE(0x2C, I32Load8S, kI32)
      WEIR_LOAD_CASE(0x2D, I32Load8U, kI32)
      WEIR_LOAD_CASE(0x2E, I32Load16S, kI32)
      WEIR_LOAD_CASE(0x2F, I32Load16U, kI32)
      WEIR_LOAD_CASE(0x30, I64Load8S, kI64)
      WEIR_LOAD_CASE(0x31, I64Load8U, kI64)
      WEIR_LOAD_CASE(0x32, I64Load16S, kI64)
      WEIR_LOAD_CASE(0x33, I64Load16U, kI64)
      WEIR_LOAD_CASE(0x34, I64Load32S, kI64)
      WEIR_LOAD_CASE(0x35, I64Load32U, kI64)
#undef WEIR_LOAD_CASE
#define WEIR_STORE_CASE(code, name) \
  case code: {                      \
    uint64_t off;                   \
    memArg(r, off);                 \
    store(Op::k##name, off);        \
    break;                          \
  }
      WEIR_STORE_CASE(0x36, I32Store)
      WEIR_STORE_CASE(0x37, I64Store)
      WEIR_STORE_CASE(0x38, F32Store)
      WEIR_STORE_CASE(0x39, F64Store)
      WEIR_STORE_CASE(0x3A, I32Store8)
      WEIR_STORE_CASE(0x3B, I32Store16)
      WEIR_STORE_CASE(0x3C, I64Store8)
      WEIR_STORE_CASE(0x3D, I64Store16)
      WEIR_STORE_CASE(0x3E, I64Store32)
#undef WEIR_STORE_CASE
      case 0x3F: {
        r.byte();
        Entry& e = push(ValType::kI32);
        emitOp(Op::kMemorySize, DstFmt::kLo);
        wordLoHi(e.slot, 0);
        break;
      }
      case 0x40: {
        r.byte();
        Entry a = pop();
        uint32_t as = use(a);
        Entry& e = push(ValType::kI32);
        emitOp(Op::kMemoryGrow, DstFmt::kLo);
        wordLoHi(e.slot, as);
        label();
        break;
      }
      case 0x41: pushConst(ValType::kI32, static_cast<uint32_t>(r.s32())); break;
      case 0x42: pushConst(ValType::kI64, static_cast<uint64_t>(r.s64())); break;
      case 0x43: pushConst(ValType::kF32, r.fixed32()); break;
      case 0x44: pushConst(ValType::kF64, r.fixed64()); break;

#define WEIR_BIN_IMM_CASE(name, T, R, expr) \
  case static_cast<uint8_t>(Opcode::k##name): \
    binopImm(Op::k##name, std::is_same_v<R, uint64_t> ? ValType::kI64 : ValType::kI32); \
    break;
      WEIR_INTERP_BINOPS_IMM(WEIR_BIN_IMM_CASE)
#undef WEIR_BIN_IMM_CASE
#define WEIR_BIN_CASE(name, T, R, expr) \
  case static_cast<uint8_t>(Opcode::k##name): \
    binop(Op::k##name, std::is_same_v<R, float> ? ValType::kF32 : std::is_same_v<R, double> ? ValType::kF64 : ValType::kI32); \
    break;
      WEIR_INTERP_BINOPS(WEIR_BIN_CASE)
#undef WEIR_BIN_CASE
#define WEIR_UN_CASE(name, T, R, expr)                                                        \
  case static_cast<uint8_t>(Opcode::k##name):                                                 \
    unop(Op::k##name, std::is_same_v<R, float>    ? ValType::kF32                             \
                      : std::is_same_v<R, double> ? ValType::kF64                             \
                      : (std::is_same_v<R, uint64_t> || std::is_same_v<R, int64_t>) ? ValType::kI64 \
                                                                                    : ValType::kI32); \
    break;
      WEIR_INTERP_UNOPS(WEIR_UN_CASE)
#undef WEIR_UN_CASE
#define WEIR_TRUNC_CASE(name, F, I)                                                          \
  case static_cast<uint8_t>(Opcode::k##name):                                                \
    unop(Op::k##name, sizeof(I) == 8 ? ValType::kI64 : ValType::kI32);                       \
    break;
      WEIR_INTERP_TRUNC(WEIR_TRUNC_CASE)
#define WEIR_DIV_CASE(name, code, ty) \
  case code: binop(Op::k##name, ValType::ty); break;
      WEIR_DIV_CASE(I32DivS, 0x6D, kI32)
      WEIR_DIV_CASE(I32DivU, 0x6E, kI32)
      WEIR_DIV_CASE(I32RemS, 0x6F, kI32)
      WEIR_DIV_CASE(I32RemU, 0x70, kI32)
      WEIR_DIV_CASE(I64DivS, 0x7F, kI64)
      WEIR_DIV_CASE(I64DivU, 0x80, kI64)
      WEIR_DIV_CASE(I64RemS, 0x81, kI64)
      WEIR_DIV_CASE(I64RemU, 0x82, kI64)
#undef WEIR_DIV_CASE
      case 0xBC: case 0xBD: case 0xBE: case 0xBF: {
        // Reinterpretations: slots hold bit patterns, so only the type changes.
        static const ValType kTo[] = {ValType::kI32, ValType::kI64, ValType::kF32, ValType::kF64};
        stack_.back().type = kTo[op - 0xBC];
        break;
      }
      case 0xD0: {
        uint8_t t = r.byte();
        pushConst(static_cast<ValType>(t), 0);
        break;
      }
      case 0xD2: {
        uint32_t idx = r.u32();
        Entry& e = push(ValType::kFuncRef);
        emitOp(Op::kRefFunc, DstFmt::kLo);
        wordLoHi(e.slot, idx);
        break;
      }
      case 0xFC: WEIR_RETURN_IF_ERROR(translateFc(r)); break;
      case 0xFD: WEIR_RETURN_IF_ERROR(translateSimd(r)); break;
      default:
        return internalError("interpreter: unsupported opcode 0x" + std::to_string(op));
    }
  }
  if (!r.ok) return internalError("interpreter: truncated function body");
  if (max_height_ > kMaxSlots) return resourceExhausted("function frame too large for the interpreter");
  // Resolve code indices to addresses now that the vector is final.
  out_.code = std::move(code_);
  for (size_t t : targets_) out_.code[t].op = &out_.code[out_.code[t].u];
  out_.frame_slots = max_height_ + 2;
  return Status::ok();
}

Status FuncTranslator::translateFc(Reader& r) {
  uint32_t sub = r.u32();
  auto three = [&](Op op, uint64_t imm, bool has_imm) {
    Entry c = pop();
    Entry b = pop();
    Entry a = pop();
    uint32_t as = use(a), bs = use(b), cs = use(c);
    emitOp(op);
    if (has_imm) word(imm);
    word(pack3(as, bs, cs));
  };
  switch (sub) {
#define WEIR_SAT_CASE(name, F, I)                                    \
  case static_cast<uint32_t>(FcOpcode::k##name):                    \
    unop(Op::k##name, sizeof(I) == 8 ? ValType::kI64 : ValType::kI32); \
    break;
    WEIR_INTERP_TRUNC_SAT(WEIR_SAT_CASE)
#undef WEIR_SAT_CASE
    case 8: {  // memory.init
      uint32_t seg = r.u32();
      r.byte();
      three(Op::kMemoryInit, seg, true);
      break;
    }
    case 9: emitOp(Op::kDataDrop); word(r.u32()); break;
    case 10: r.byte(); r.byte(); three(Op::kMemoryCopy, 0, false); break;
    case 11: r.byte(); three(Op::kMemoryFill, 0, false); break;
    case 12: {
      uint32_t seg = r.u32();
      uint32_t table = r.u32();
      Entry c = pop(), b = pop(), a = pop();
      uint32_t as = use(a), bs = use(b), cs = use(c);
      emitOp(Op::kTableInit);
      wordLoHi(table, seg);
      word(pack3(as, bs, cs));
      break;
    }
    case 13: emitOp(Op::kElemDrop); word(r.u32()); break;
    case 14: {
      uint32_t dst = r.u32();
      uint32_t src = r.u32();
      Entry c = pop(), b = pop(), a = pop();
      uint32_t as = use(a), bs = use(b), cs = use(c);
      emitOp(Op::kTableCopy);
      wordLoHi(dst, src);
      word(pack3(as, bs, cs));
      break;
    }
    case 15: {  // table.grow: (init, n) -> old size
      uint32_t t = r.u32();
      Entry n = pop();
      Entry init = pop();
      uint32_t is = use(init), ns = use(n);
      Entry& res = push(ValType::kI32);
      emitOp(Op::kTableGrow);
      word(t);
      word(pack3(res.slot, is, ns));
      break;
    }
    case 16: {
      uint32_t t = r.u32();
      Entry& res = push(ValType::kI32);
      emitOp(Op::kTableSize, DstFmt::kLo);
      wordLoHi(res.slot, t);
      break;
    }
    case 17: {
      uint32_t t = r.u32();
      three(Op::kTableFill, t, true);
      break;
    }
    default:
      return internalError("interpreter: unsupported 0xFC opcode " + std::to_string(sub));
  }
  return Status::ok();
}

// SIMD wrappers with one signature per handler shape.
template <auto F> sd::V128 splatI32(uint64_t v) { return F(static_cast<uint32_t>(v)); }
template <auto F> sd::V128 splatI64(uint64_t v) { return F(v); }
template <auto F> sd::V128 splatF32(uint64_t v) { float f; uint32_t b = static_cast<uint32_t>(v); std::memcpy(&f, &b, 4); return F(f); }
template <auto F> sd::V128 splatF64(uint64_t v) { double f; std::memcpy(&f, &v, 8); return F(f); }
template <auto F> uint64_t extractI32(const sd::V128& a, uint32_t l) { return static_cast<uint32_t>(F(a, l)); }
template <auto F> uint64_t extractI64(const sd::V128& a, uint32_t l) { return static_cast<uint64_t>(F(a, l)); }
template <auto F> uint64_t extractF32(const sd::V128& a, uint32_t l) { float f = F(a, l); uint32_t b; std::memcpy(&b, &f, 4); return b; }
template <auto F> uint64_t extractF64(const sd::V128& a, uint32_t l) { double f = F(a, l); uint64_t b; std::memcpy(&b, &f, 8); return b; }
template <auto F> sd::V128 replaceI32(const sd::V128& a, uint32_t l, uint64_t v) { return F(a, l, static_cast<uint32_t>(v)); }
template <auto F> sd::V128 replaceI64(const sd::V128& a, uint32_t l, uint64_t v) { return F(a, l, v); }
template <auto F> sd::V128 replaceF32(const sd::V128& a, uint32_t l, uint64_t v) { float f; uint32_t b = static_cast<uint32_t>(v); std::memcpy(&f, &b, 4); return F(a, l, f); }
template <auto F> sd::V128 replaceF64(const sd::V128& a, uint32_t l, uint64_t v) { double f; std::memcpy(&f, &v, 8); return F(a, l, f); }
template <auto F> sd::V128 unaryW(const sd::V128& a) { return F(a); }
template <auto F> sd::V128 binaryW(const sd::V128& a, const sd::V128& b) { return F(a, b); }
template <auto F> sd::V128 ternaryW(const sd::V128& a, const sd::V128& b, const sd::V128& c) { return F(a, b, c); }
template <auto F> sd::V128 shiftW(const sd::V128& a, uint32_t n) { return F(a, n); }
template <auto F> uint32_t testW(const sd::V128& a) { return static_cast<uint32_t>(F(a)); }
template <auto F> sd::V128 loadW(const uint8_t* p) { return F(p); }
template <auto F> sd::V128 loadLaneW(const uint8_t* p, const sd::V128& v, uint32_t l) { return F(p, v, l); }
template <auto F> void storeLaneW(uint8_t* p, const sd::V128& v, uint32_t l) { F(p, v, l); }

uint64_t fnWord(const void* f) { return reinterpret_cast<uint64_t>(f); }

Status FuncTranslator::translateSimd(Reader& r) {
  uint32_t sub = r.u32();
  const ValType V = ValType::kV128;
  switch (static_cast<SimdOpcode>(sub)) {
    case SimdOpcode::kV128Const: {
      uint64_t lo = r.fixed64();
      uint64_t hi = r.fixed64();
      pushConst(V, lo, hi);
      return Status::ok();
    }
    case SimdOpcode::kV128Store: {
      uint64_t off;
      memArg(r, off);
      store(Op::kSimdStore, off, false);
      return Status::ok();
    }
    case SimdOpcode::kI8x16Shuffle: {
      uint64_t lo = r.fixed64();
      uint64_t hi = r.fixed64();
      Entry b = pop(), a = pop();
      uint32_t as = use(a), bs = use(b);
      Entry& res = push(V);
      emitOp(Op::kSimdShuffle, DstFmt::kPack3);
      word(pack3(res.slot, as, bs));
      word(lo);
      word(hi);
      return Status::ok();
    }
    default: break;
  }
  switch (static_cast<SimdOpcode>(sub)) {
#define U(Op_, fn) case SimdOpcode::k##Op_: { unop(Op::kSimdUnary, V); word(fnWord(reinterpret_cast<const void*>(&unaryW<&sd::fn>))); return Status::ok(); }
    WEIR_SIMD_UNARY_OPS(U)
#undef U
#define B(Op_, fn) case SimdOpcode::k##Op_: { binop(Op::kSimdBinary, V); word(fnWord(reinterpret_cast<const void*>(&binaryW<&sd::fn>))); return Status::ok(); }
    WEIR_SIMD_BINARY_OPS(B)
#undef B
#define T(Op_, fn) case SimdOpcode::k##Op_: { \
    Entry c = pop(), b = pop(), a = pop(); \
    uint32_t as = use(a), bs = use(b), cs = use(c); \
    Entry& res = push(V); \
    emitOp(Op::kSimdTernary, DstFmt::kPack3); \
    word(pack3(res.slot, as, bs)); word(cs); \
    word(fnWord(reinterpret_cast<const void*>(&ternaryW<&sd::fn>))); return Status::ok(); }
    WEIR_SIMD_TERNARY_OPS(T)
#undef T
#define S(Op_, fn) case SimdOpcode::k##Op_: { binop(Op::kSimdShift, V); word(fnWord(reinterpret_cast<const void*>(&shiftW<&sd::fn>))); return Status::ok(); }
    WEIR_SIMD_SHIFT_OPS(S)
#undef S
#define TS(Op_, fn) case SimdOpcode::k##Op_: { unop(Op::kSimdToI32, ValType::kI32); word(fnWord(reinterpret_cast<const void*>(&testW<&sd::fn>))); return Status::ok(); }
    WEIR_SIMD_TEST_OPS(TS)
#undef TS
#define SP(Op_, fn, W) case SimdOpcode::k##Op_: { unop(Op::kSimdSplat, V); word(fnWord(reinterpret_cast<const void*>(&W<&sd::fn>))); return Status::ok(); }
#define SP32(Op_, fn) SP(Op_, fn, splatI32)
#define SP64(Op_, fn) SP(Op_, fn, splatI64)
#define SPF32(Op_, fn) SP(Op_, fn, splatF32)
#define SPF64(Op_, fn) SP(Op_, fn, splatF64)
    WEIR_SIMD_SPLAT_I32_OPS(SP32)
    WEIR_SIMD_SPLAT_I64_OPS(SP64)
    WEIR_SIMD_SPLAT_F32_OPS(SPF32)
    WEIR_SIMD_SPLAT_F64_OPS(SPF64)
#undef SP
#undef SP32
#undef SP64
#undef SPF32
#undef SPF64
#define EX(Op_, fn, W, RT) case SimdOpcode::k##Op_: { uint32_t lane = r.byte(); unop(Op::kSimdExtract, ValType::RT); word(fnWord(reinterpret_cast<const void*>(&W<&sd::fn>))); word(lane); return Status::ok(); }
#define EX32(Op_, fn) EX(Op_, fn, extractI32, kI32)
#define EX64(Op_, fn) EX(Op_, fn, extractI64, kI64)
#define EXF32(Op_, fn) EX(Op_, fn, extractF32, kF32)
#define EXF64(Op_, fn) EX(Op_, fn, extractF64, kF64)
    WEIR_SIMD_EXTRACT_I32_OPS(EX32)
    WEIR_SIMD_EXTRACT_I64_OPS(EX64)
    WEIR_SIMD_EXTRACT_F32_OPS(EXF32)
    WEIR_SIMD_EXTRACT_F64_OPS(EXF64)
#undef EX
#undef EX32
#undef EX64
#undef EXF32
#undef EXF64
#define RP(Op_, fn, W) case SimdOpcode::k##Op_: { uint32_t lane = r.byte(); binop(Op::kSimdReplace, V); word(fnWord(reinterpret_cast<const void*>(&W<&sd::fn>))); word(lane); return Status::ok(); }
#define RP32(Op_, fn) RP(Op_, fn, replaceI32)
#define RP64(Op_, fn) RP(Op_, fn, replaceI64)
#define RPF32(Op_, fn) RP(Op_, fn, replaceF32)
#define RPF64(Op_, fn) RP(Op_, fn, replaceF64)
    WEIR_SIMD_REPLACE_I32_OPS(RP32)
    WEIR_SIMD_REPLACE_I64_OPS(RP64)
    WEIR_SIMD_REPLACE_F32_OPS(RPF32)
    WEIR_SIMD_REPLACE_F64_OPS(RPF64)
#undef RP
#undef RP32
#undef RP64
#undef RPF32
#undef RPF64
#define LD(Op_, fn, width) case SimdOpcode::k##Op_: { \
    uint64_t off; memArg(r, off); load(Op::kSimdLoad, V, off, false); \
    word(fnWord(reinterpret_cast<const void*>(&loadW<&sd::fn>))); word(width); return Status::ok(); }
    WEIR_SIMD_LOAD_OPS(LD)
#undef LD
#define LL(Op_, fn, width) case SimdOpcode::k##Op_: { \
    uint64_t off; memArg(r, off); uint32_t lane = r.byte(); \
    Entry v = pop(), a = pop(); uint32_t as = use(a), vs = use(v); \
    Entry& res = push(V); \
    emitOp(Op::kSimdLoadLane, DstFmt::kPack3); word(pack3(res.slot, as, vs)); word(off); \
    word(fnWord(reinterpret_cast<const void*>(&loadLaneW<&sd::fn>))); wordLoHi(width, lane); return Status::ok(); }
    WEIR_SIMD_LOAD_LANE_OPS(LL)
#undef LL
#define SL(Op_, fn, width) case SimdOpcode::k##Op_: { \
    uint64_t off; memArg(r, off); uint32_t lane = r.byte(); \
    store(Op::kSimdStoreLane, off, false); \
    word(fnWord(reinterpret_cast<const void*>(&storeLaneW<&sd::fn>))); wordLoHi(width, lane); return Status::ok(); }
    WEIR_SIMD_STORE_LANE_OPS(SL)
#undef SL
    default: break;
  }
  return internalError("interpreter: unsupported SIMD opcode " + std::to_string(sub));
}

}  // namespace

Result<std::unique_ptr<InterpCode>> translateModule(const wasm::Module& module) {
  auto code = std::make_unique<InterpCode>();
  code->funcs.resize(module.functions.size());
  for (uint32_t i = 0; i < module.functions.size(); ++i) {
    FuncTranslator t(module, i, code->funcs[i]);
    Status s = t.run();
    if (!s.isOk()) {
      return Status(s.code(), s.message() + " (function " + std::to_string(module.num_imported_funcs + i) + ")");
    }
  }
  return code;
}

}  // namespace weir::wasm::interp

// Module-level binary decoding: header, section framing and order, and every
// section's contents. Function bodies are only delimited (and their local
// declarations decoded) here; instructions are checked by the validator,
// which needs the module context anyway.
#include <cstring>
#include <memory>
#include <string>

#include "wasm/binary/reader.h"
#include "wasm/module.h"
#include "wasm/opcodes.h"
#include "wasm/validate/validator.h"

namespace weir::wasm {
namespace {

using binary::DecodeError;
using binary::Reader;

constexpr uint8_t kMagic[4] = {0x00, 0x61, 0x73, 0x6D};
constexpr uint8_t kVersion[4] = {0x01, 0x00, 0x00, 0x00};

enum SectionId : uint8_t {
  kCustom = 0,
  kType = 1,
  kImport = 2,
  kFunction = 3,
  kTable = 4,
  kMemory = 5,
  kGlobal = 6,
  kExport = 7,
  kStart = 8,
  kElement = 9,
  kCode = 10,
  kData = 11,
  kDataCount = 12,
};

// Position of each known section in the required order (data count sits
// between element and code).
int sectionOrder(uint8_t id) {
  switch (id) {
    case kType: return 1;
    case kImport: return 2;
    case kFunction: return 3;
    case kTable: return 4;
    case kMemory: return 5;
    case kGlobal: return 6;
    case kExport: return 7;
    case kStart: return 8;
    case kElement: return 9;
    case kDataCount: return 10;
    case kCode: return 11;
    case kData: return 12;
    default: return 0;
  }
}

constexpr StatusCode kMalformed = StatusCode::kInvalidArgument;
constexpr StatusCode kInvalid = StatusCode::kFailedPrecondition;
constexpr StatusCode kLimit = StatusCode::kResourceExhausted;

class Decoder {
 public:
  Decoder(Module& m, const DecodeLimits& limits)
      : m_(m), limits_(limits), r_(m.bytes.data(), 0, m.bytes.size(), &err_) {}

  Status run();

 private:
  bool header();
  bool section(uint8_t id, size_t end);
  bool typeSection();
  bool importSection();
  bool functionSection();
  bool tableSection();
  bool memorySection();
  bool globalSection();
  bool exportSection();
  bool startSection();
  bool elementSection();
  bool codeSection();
  bool dataSection();
  bool dataCountSection();
  bool customSection(size_t end);
  void nameSection(size_t begin, size_t end);

  bool count(uint32_t* n, uint32_t limit, const char* what);
  bool valType(ValType* out);
  bool refType(RefType* out);
  bool limits(Limits* out, uint32_t min_limit, const char* what);
  bool tableType(TableType* out);
  bool memoryType(MemoryType* out);
  bool globalType(GlobalType* out);
  bool constExpr(ConstExpr* out);

  Module& m_;
  const DecodeLimits& limits_;
  DecodeError err_;
  Reader r_;
  uint32_t declared_funcs_ = 0;
  bool saw_function_section_ = false;
  bool saw_code_section_ = false;
  bool saw_data_section_ = false;
};

bool Decoder::count(uint32_t* n, uint32_t limit, const char* what) {
  size_t at = r_.pos();
  if (!r_.readU32(n)) return false;
  if (*n > limit) return r_.failAt(at, std::string("too many ") + what, kLimit);
  // Every element takes at least one byte, so a count larger than what is
  // left is malformed and must not drive a reservation.
  if (*n > r_.remaining()) return r_.failAt(r_.end(), r_.eofReason());
  return true;
}

bool Decoder::valType(ValType* out) {
  size_t at = r_.pos();
  uint8_t b;
  if (!r_.readU8(&b)) return false;
  if (!isValidValTypeByte(b)) return r_.failAt(at, "malformed value type");
  *out = static_cast<ValType>(b);
  return true;
}

bool Decoder::refType(RefType* out) {
  size_t at = r_.pos();
  uint8_t b;
  if (!r_.readU8(&b)) return false;
  if (b != 0x70 && b != 0x6F) return r_.failAt(at, "malformed reference type");
  *out = static_cast<RefType>(b);
  return true;
}

bool Decoder::limits(Limits* out, uint32_t min_limit, const char* what) {
  size_t at = r_.pos();
  uint8_t flags;
  if (!r_.readU8(&flags)) return false;
  // The flags are a one-byte LEB128 field; the spec's tests name an
  // over-long encoding and an out-of-range value like integer errors.
  if (flags & 0x80) return r_.failAt(at, "integer representation too long");
  if (flags > 1) return r_.failAt(at, "integer too large");
  size_t min_at = r_.pos();
  if (!r_.readU32(&out->min)) return false;
  out->has_max = flags == 1;
  if (out->has_max && !r_.readU32(&out->max)) return false;
  // min > max is a validation error; report that rather than the limit.
  if (out->min > min_limit && !(out->has_max && out->min > out->max)) {
    return r_.failAt(min_at, std::string(what) + " minimum exceeds the configured limit", kLimit);
  }
  return true;
}

bool Decoder::tableType(TableType* out) {
  // Only the minimum is capped: it is what instantiation allocates; a large
  // declared maximum is legal and costs nothing until table.grow.
  return refType(&out->elem_type) && limits(&out->limits, limits_.max_table_elements, "table");
}

bool Decoder::memoryType(MemoryType* out) {
  // The spec bound (65536 pages) is a validation rule; the configured limit
  // only applies when it is stricter than the spec.
  uint32_t cap = limits_.max_memory_pages < kMaxMemoryPages ? limits_.max_memory_pages : UINT32_MAX;
  return limits(&out->limits, cap, "memory");
}

bool Decoder::globalType(GlobalType* out) {
  if (!valType(&out->type)) return false;
  size_t at = r_.pos();
  uint8_t mut;
  if (!r_.readU8(&mut)) return false;
  if (mut > 1) return r_.failAt(at, "malformed mutability");
  out->is_mutable = mut == 1;
  return true;
}

// Wasm 2.0 constant expressions are one instruction then `end`. Anything else
// is well-formed but invalid, reported here because only the decoder sees the
// raw instruction sequence.
bool Decoder::constExpr(ConstExpr* out) {
  size_t at = r_.pos();
  uint8_t op;
  if (!r_.readU8(&op)) return false;
  switch (op) {
    case 0x41: {
      int32_t v = 0;
      if (!r_.readS32(&v)) return false;
      out->kind = ConstExpr::Kind::kI32Const;
      out->type = ValType::kI32;
      out->bits = static_cast<uint64_t>(static_cast<int64_t>(v));
      break;
    }
    case 0x42: {
      int64_t v = 0;
      if (!r_.readS64(&v)) return false;
      out->kind = ConstExpr::Kind::kI64Const;
      out->type = ValType::kI64;
      out->bits = static_cast<uint64_t>(v);
      break;
    }
    case 0x43: {
      uint32_t v = 0;
      if (!r_.readFixed32(&v)) return false;
      out->kind = ConstExpr::Kind::kF32Const;
      out->type = ValType::kF32;
      out->bits = v;
      break;
    }
    case 0x44: {
      uint64_t v = 0;
      if (!r_.readFixed64(&v)) return false;
      out->kind = ConstExpr::Kind::kF64Const;
      out->type = ValType::kF64;
      out->bits = v;
      break;
    }
    case 0xFD: {
      uint32_t sub;
      if (!r_.readU32(&sub)) return false;
      if (sub != static_cast<uint32_t>(SimdOpcode::kV128Const)) {
        if (!isKnownSimdOpcode(sub)) return r_.failAt(at, "illegal opcode");
        return r_.failAt(at, "constant expression required", kInvalid);
      }
      if (r_.remaining() < 16) return r_.skip(16);
      std::memcpy(out->v128.bytes, r_.base() + r_.pos(), 16);
      r_.skip(16);
      out->kind = ConstExpr::Kind::kV128Const;
      out->type = ValType::kV128;
      break;
    }
    case 0xD0: {
      RefType t;
      if (!refType(&t)) return false;
      out->kind = ConstExpr::Kind::kRefNull;
      out->ref_type = t;
      out->type = toValType(t);
      break;
    }
    case 0xD2: {
      if (!r_.readU32(&out->index)) return false;
      out->kind = ConstExpr::Kind::kRefFunc;
      out->type = ValType::kFuncRef;
      break;
    }
    case 0x23: {
      if (!r_.readU32(&out->index)) return false;
      out->kind = ConstExpr::Kind::kGlobalGet;
      out->type = ValType::kI32;  // fixed up by the validator from the global's type
      break;
    }
    case 0x0B:
      return r_.failAt(at, "type mismatch", kInvalid);  // empty: no value
    default:
      if (!isKnownOpcode(op)) return r_.failAt(at, "illegal opcode");
      return r_.failAt(at, "constant expression required", kInvalid);
  }
  // Anything after the first instruction makes the expression invalid: a
  // non-constant instruction is named as such; extra constants leave more
  // than one value, which is a type error. Keep scanning to tell which.
  size_t extra_at = r_.pos();
  bool extra = false;
  for (;;) {
    size_t at2 = r_.pos();
    uint8_t next;
    if (!r_.readU8(&next)) return false;
    if (next == 0x0B) break;
    extra = true;
    bool ok = true;
    switch (next) {
      case 0x41: { int32_t v; ok = r_.readS32(&v); break; }
      case 0x42: { int64_t v; ok = r_.readS64(&v); break; }
      case 0x43: ok = r_.skip(4); break;
      case 0x44: ok = r_.skip(8); break;
      case 0xD0: { RefType t; ok = refType(&t); break; }
      case 0xD2:
      case 0x23: { uint32_t v; ok = r_.readU32(&v); break; }
      case 0xFD: {
        uint32_t sub;
        if (!r_.readU32(&sub)) return false;
        if (sub != static_cast<uint32_t>(SimdOpcode::kV128Const)) {
          if (!isKnownSimdOpcode(sub)) return r_.failAt(at2, "illegal opcode");
          return r_.failAt(at2, "constant expression required", kInvalid);
        }
        ok = r_.skip(16);
        break;
      }
      default:
        if (!isKnownOpcode(next)) return r_.failAt(at2, "illegal opcode");
        return r_.failAt(at2, "constant expression required", kInvalid);
    }
    if (!ok) return false;
  }
  if (extra) return r_.failAt(extra_at, "type mismatch", kInvalid);
  return true;
}

bool Decoder::header() {
  const auto& b = m_.bytes;
  if (b.size() < 4) return r_.failAt(b.size(), "unexpected end");
  if (std::memcmp(b.data(), kMagic, 4) != 0) return r_.failAt(0, "magic header not detected");
  if (b.size() < 8) return r_.failAt(b.size(), "unexpected end");
  if (std::memcmp(b.data() + 4, kVersion, 4) != 0) return r_.failAt(4, "unknown binary version");
  r_.skip(8);
  return true;
}

bool Decoder::typeSection() {
  uint32_t n;
  if (!count(&n, limits_.max_types, "types")) return false;
  m_.types.reserve(n);
  std::vector<ValType> params, results;
  for (uint32_t i = 0; i < n; ++i) {
    size_t at = r_.pos();
    uint8_t form;
    if (!r_.readU8(&form)) return false;
    if (form != 0x60) return r_.failAt(at, "malformed function type");
    uint32_t np, nr;
    params.clear();
    results.clear();
    if (!count(&np, limits_.max_params, "params")) return false;
    for (uint32_t k = 0; k < np; ++k) {
      ValType t;
      if (!valType(&t)) return false;
      params.push_back(t);
    }
    if (!count(&nr, limits_.max_results, "results")) return false;
    for (uint32_t k = 0; k < nr; ++k) {
      ValType t;
      if (!valType(&t)) return false;
      results.push_back(t);
    }
    m_.types.emplace_back(params, results);
  }
  return true;
}

bool Decoder::importSection() {
  uint32_t n;
  if (!count(&n, limits_.max_imports, "imports")) return false;
  m_.imports.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    Import imp;
    std::string_view mod, field;
    if (!r_.readName(&mod, limits_.max_name_bytes) || !r_.readName(&field, limits_.max_name_bytes)) return false;
    imp.module = mod;
    imp.field = field;
    size_t at = r_.pos();
    uint8_t kind;
    if (!r_.readU8(&kind)) return false;
    switch (kind) {
      case 0:
        imp.kind = ExternKind::kFunc;
        if (!r_.readU32(&imp.func_type_index)) return false;
        ++m_.num_imported_funcs;
        break;
      case 1:
        imp.kind = ExternKind::kTable;
        if (!tableType(&imp.table)) return false;
        ++m_.num_imported_tables;
        break;
      case 2:
        imp.kind = ExternKind::kMemory;
        if (!memoryType(&imp.memory)) return false;
        ++m_.num_imported_memories;
        break;
      case 3:
        imp.kind = ExternKind::kGlobal;
        if (!globalType(&imp.global)) return false;
        ++m_.num_imported_globals;
        break;
      default:
        return r_.failAt(at, "malformed import kind");
    }
    m_.imports_by_kind[static_cast<uint8_t>(imp.kind)].push_back(static_cast<uint32_t>(m_.imports.size()));
    m_.imports.push_back(std::move(imp));
  }
  if (m_.num_imported_funcs > limits_.max_functions) return r_.fail("too many functions", kLimit);
  return true;
}

bool Decoder::functionSection() {
  uint32_t n;
  if (!count(&n, limits_.max_functions, "functions")) return false;
  if (uint64_t{n} + m_.num_imported_funcs > limits_.max_functions) return r_.fail("too many functions", kLimit);
  saw_function_section_ = true;
  declared_funcs_ = n;
  m_.functions.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (!r_.readU32(&m_.functions[i].type_index)) return false;
  }
  return true;
}

bool Decoder::tableSection() {
  uint32_t n;
  if (!count(&n, limits_.max_tables, "tables")) return false;
  m_.tables.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (!tableType(&m_.tables[i])) return false;
  }
  return true;
}

bool Decoder::memorySection() {
  uint32_t n;
  // "multiple memories" is a validation rule; the limit here just bounds work.
  if (!count(&n, 100'000, "memories")) return false;
  m_.memories.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (!memoryType(&m_.memories[i])) return false;
  }
  return true;
}

bool Decoder::globalSection() {
  uint32_t n;
  if (!count(&n, limits_.max_globals, "globals")) return false;
  m_.globals.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (!globalType(&m_.globals[i].type) || !constExpr(&m_.globals[i].init)) return false;
  }
  return true;
}

bool Decoder::exportSection() {
  uint32_t n;
  if (!count(&n, limits_.max_exports, "exports")) return false;
  m_.exports.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    Export& e = m_.exports[i];
    std::string_view name;
    if (!r_.readName(&name, limits_.max_name_bytes)) return false;
    e.name = name;
    size_t at = r_.pos();
    uint8_t kind;
    if (!r_.readU8(&kind)) return false;
    if (kind > 3) return r_.failAt(at, "malformed export kind");
    e.kind = static_cast<ExternKind>(kind);
    if (!r_.readU32(&e.index)) return false;
  }
  return true;
}

bool Decoder::startSection() {
  uint32_t idx;
  if (!r_.readU32(&idx)) return false;
  m_.start = idx;
  return true;
}

bool Decoder::elementSection() {
  uint32_t n;
  if (!count(&n, limits_.max_element_segments, "element segments")) return false;
  m_.elements.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    ElementSegment& seg = m_.elements[i];
    size_t at = r_.pos();
    uint32_t flags;
    if (!r_.readU32(&flags)) return false;
    if (flags > 7) return r_.failAt(at, "malformed elements segment kind");
    bool passive_or_decl = flags & 1;
    bool explicit_table_or_kind = flags & 2;
    seg.uses_exprs = flags & 4;
    if (!passive_or_decl) {
      seg.mode = SegmentMode::kActive;
      if (explicit_table_or_kind && !r_.readU32(&seg.table_index)) return false;
      if (!constExpr(&seg.offset)) return false;
    } else {
      seg.mode = explicit_table_or_kind ? SegmentMode::kDeclarative : SegmentMode::kPassive;
    }
    // Flags 0 and 4 imply funcref; the others carry an elemkind or reftype.
    if (flags & 3) {
      if (seg.uses_exprs) {
        if (!refType(&seg.type)) return false;
      } else {
        size_t kat = r_.pos();
        uint8_t kind;
        if (!r_.readU8(&kind)) return false;
        if (kind != 0x00) return r_.failAt(kat, "malformed element kind");
        seg.type = RefType::kFuncRef;
      }
    }
    uint32_t items;
    if (!count(&items, limits_.max_table_elements, "elements")) return false;
    seg.items.resize(items);
    for (uint32_t k = 0; k < items; ++k) {
      if (seg.uses_exprs) {
        if (!constExpr(&seg.items[k])) return false;
      } else {
        ConstExpr& e = seg.items[k];
        e.kind = ConstExpr::Kind::kRefFunc;
        e.type = ValType::kFuncRef;
        if (!r_.readU32(&e.index)) return false;
      }
    }
  }
  return true;
}

bool Decoder::dataCountSection() {
  uint32_t n;
  if (!r_.readU32(&n)) return false;
  if (n > limits_.max_data_segments) return r_.fail("too many data segments", kLimit);
  m_.data_count = n;
  return true;
}

bool Decoder::codeSection() {
  size_t at = r_.pos();
  uint32_t n;
  if (!count(&n, limits_.max_functions, "functions")) return false;
  saw_code_section_ = true;
  if (n != declared_funcs_) return r_.failAt(at, "function and code section have inconsistent lengths");
  for (uint32_t i = 0; i < n; ++i) {
    Function& f = m_.functions[i];
    size_t size_at = r_.pos();
    uint32_t size;
    if (!r_.readU32(&size)) return false;
    if (size > r_.remaining()) return r_.failAt(size_at, "length out of bounds");
    if (size > limits_.max_body_size) return r_.failAt(size_at, "function body too large", kLimit);
    size_t entry = r_.pos();
    size_t entry_end = entry + size;
    size_t section_end = r_.end();
    r_.setEnd(entry_end);
    r_.setEofReason("unexpected end of section or function");
    uint32_t runs;
    if (!r_.readU32(&runs)) return false;
    if (runs > r_.remaining()) return r_.fail("length out of bounds");
    f.locals.reserve(runs);
    uint64_t total = 0;
    size_t over_limit_at = 0;
    for (uint32_t k = 0; k < runs; ++k) {
      size_t run_at = r_.pos();
      LocalRun run;
      if (!r_.readU32(&run.count)) return false;
      total += run.count;
      // Overflowing u32 is malformed and wins over the configured limit, so
      // keep scanning the (cheap, already bounded) declarations first.
      if (total > UINT32_MAX) return r_.failAt(run_at, "too many locals");
      if (total > limits_.max_locals_per_function && !over_limit_at) over_limit_at = run_at;
      if (!valType(&run.type)) return false;
      if (run.count && !over_limit_at) f.locals.push_back(run);
    }
    if (over_limit_at) return r_.failAt(over_limit_at, "too many locals", kLimit);
    f.num_locals = static_cast<uint32_t>(total);
    f.entry_offset = static_cast<uint32_t>(entry);
    f.body_offset = static_cast<uint32_t>(r_.pos());
    f.end_offset = static_cast<uint32_t>(entry_end);
    if (f.body_offset >= f.end_offset) return r_.fail("unexpected end of section or function");
    r_.setEnd(section_end);
    r_.setEofReason("unexpected end of section or function");
    r_.skip(entry_end - r_.pos());
  }
  return true;
}

bool Decoder::dataSection() {
  size_t at = r_.pos();
  uint32_t n;
  if (!count(&n, limits_.max_data_segments, "data segments")) return false;
  saw_data_section_ = true;
  if (m_.data_count && *m_.data_count != n) {
    return r_.failAt(at, "data count and data section have inconsistent lengths");
  }
  m_.data.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    DataSegment& seg = m_.data[i];
    size_t fat = r_.pos();
    uint32_t flags;
    if (!r_.readU32(&flags)) return false;
    if (flags > 2) return r_.failAt(fat, "malformed data segment kind");
    if (flags == 1) {
      seg.mode = SegmentMode::kPassive;
    } else {
      seg.mode = SegmentMode::kActive;
      if (flags == 2 && !r_.readU32(&seg.memory_index)) return false;
      if (!constExpr(&seg.offset)) return false;
    }
    size_t lat = r_.pos();
    uint32_t len;
    if (!r_.readU32(&len)) return false;
    if (len > r_.remaining()) return r_.failAt(lat, "unexpected end of section or function");
    seg.data_offset = static_cast<uint32_t>(r_.pos());
    seg.data_size = len;
    r_.skip(len);
  }
  return true;
}

bool Decoder::customSection(size_t end) {
  std::string_view name;
  size_t begin = r_.pos();
  if (!r_.readName(&name, limits_.max_name_bytes)) return false;
  CustomSection c;
  c.name = name;
  c.offset = static_cast<uint32_t>(r_.pos());
  c.size = static_cast<uint32_t>(end - r_.pos());
  m_.sections.back().name = c.name;
  if (c.name == "name" && !m_.names.has_names) nameSection(c.offset, end);
  m_.customs.push_back(std::move(c));
  (void)begin;
  r_.skip(end - r_.pos());
  return true;
}

// The name section is advisory: any malformation drops what was parsed and
// leaves the module valid, as the spec's appendix requires.
void Decoder::nameSection(size_t begin, size_t end) {
  DecodeError err;
  Reader r(m_.bytes.data(), begin, end, &err);
  NameSection ns;
  int last_id = -1;
  auto nameMap = [&](Reader& sr, std::vector<std::pair<uint32_t, std::string>>* out) {
    uint32_t n;
    if (!sr.readU32(&n) || n > sr.remaining()) return false;
    int64_t prev = -1;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t idx;
      std::string_view s;
      if (!sr.readU32(&idx) || !sr.readName(&s, limits_.max_name_bytes)) return false;
      if (int64_t{idx} <= prev) return false;
      prev = idx;
      out->emplace_back(idx, std::string(s));
    }
    return sr.atEnd();
  };
  while (!r.atEnd()) {
    uint8_t id;
    uint32_t size;
    if (!r.readU8(&id) || !r.readU32(&size) || size > r.remaining()) return;
    if (static_cast<int>(id) <= last_id) return;
    last_id = id;
    size_t sub_end = r.pos() + size;
    Reader sr(m_.bytes.data(), r.pos(), sub_end, &err);
    if (id == 0) {
      std::string_view s;
      if (!sr.readName(&s, limits_.max_name_bytes) || !sr.atEnd()) return;
      ns.module_name = std::string(s);
    } else if (id == 1) {
      if (!nameMap(sr, &ns.function_names)) return;
    } else if (id == 2) {
      uint32_t n;
      if (!sr.readU32(&n) || n > sr.remaining()) return;
      int64_t prev = -1;
      for (uint32_t i = 0; i < n; ++i) {
        NameSection::LocalNames ln;
        if (!sr.readU32(&ln.func_index) || int64_t{ln.func_index} <= prev) return;
        prev = ln.func_index;
        uint32_t k;
        if (!sr.readU32(&k) || k > sr.remaining()) return;
        int64_t prev_local = -1;
        for (uint32_t j = 0; j < k; ++j) {
          uint32_t idx;
          std::string_view s;
          if (!sr.readU32(&idx) || !sr.readName(&s, limits_.max_name_bytes)) return;
          if (int64_t{idx} <= prev_local) return;
          prev_local = idx;
          ln.names.emplace_back(idx, std::string(s));
        }
        ns.local_names.push_back(std::move(ln));
      }
      if (!sr.atEnd()) return;
    }
    // Other subsections (labels, types, ... from later proposals) are skipped.
    r.skip(size);
  }
  ns.has_names = true;
  m_.names = std::move(ns);
}

bool Decoder::section(uint8_t id, size_t end) {
  switch (id) {
    case kCustom: return customSection(end);
    case kType: return typeSection();
    case kImport: return importSection();
    case kFunction: return functionSection();
    case kTable: return tableSection();
    case kMemory: return memorySection();
    case kGlobal: return globalSection();
    case kExport: return exportSection();
    case kStart: return startSection();
    case kElement: return elementSection();
    case kCode: return codeSection();
    case kData: return dataSection();
    case kDataCount: return dataCountSection();
    default: return r_.fail("malformed section id");
  }
}

Status Decoder::run() {
  if (m_.bytes.size() > limits_.max_module_bytes) {
    return Status(kLimit, "module too large at offset 0");
  }
  if (!header()) return err_.toStatus();
  int last_order = 0;
  const size_t module_end = m_.bytes.size();
  while (!r_.atEnd()) {
    size_t id_at = r_.pos();
    uint8_t id;
    r_.readU8(&id);
    if (id > kDataCount) {
      r_.failAt(id_at, "malformed section id");
      break;
    }
    size_t size_at = r_.pos();
    uint32_t size;
    if (!r_.readU32(&size)) break;
    if (size > r_.remaining()) {
      r_.failAt(size_at, "length out of bounds");
      break;
    }
    if (id != kCustom) {
      int order = sectionOrder(id);
      if (order <= last_order) {
        r_.failAt(id_at, "unexpected content after last section");
        break;
      }
      last_order = order;
    }
    size_t begin = r_.pos();
    size_t end = begin + size;
    m_.sections.push_back(SectionInfo{id, static_cast<uint32_t>(begin), size, {}});
    r_.setEnd(end);
    // The suite's wording inside any section; it also contains the plain
    // "unexpected end" that some tests expect, so loose matching holds.
    r_.setEofReason("unexpected end of section or function");
    if (!section(id, end)) break;
    if (r_.pos() != end) {
      r_.failAt(r_.pos(), "section size mismatch");
      break;
    }
    r_.setEnd(module_end);
    r_.setEofReason("unexpected end");
  }
  if (err_.isSet()) return err_.toStatus();
  if (declared_funcs_ != 0 && !saw_code_section_) {
    return DecodeError{module_end, "function and code section have inconsistent lengths", kMalformed}.toStatus();
  }
  if (m_.data_count && *m_.data_count != 0 && !saw_data_section_) {
    return DecodeError{module_end, "data count and data section have inconsistent lengths", kMalformed}
        .toStatus();
  }
  (void)saw_function_section_;
  return Status::ok();
}

}  // namespace

Result<std::unique_ptr<Module>> decodeModuleUnvalidated(std::span<const uint8_t> binary,
                                                        const DecodeLimits& limits) {
  if (binary.size() > limits.max_module_bytes) {
    return Status(kLimit, "module too large (" + std::to_string(binary.size()) + " bytes) at offset 0");
  }
  if (binary.size() > UINT32_MAX) return Status(kLimit, "module too large at offset 0");
  auto m = std::make_unique<Module>();
  m->bytes.assign(binary.begin(), binary.end());
  Decoder d(*m, limits);
  Status s = d.run();
  if (!s.isOk()) return s;
  return m;
}

Result<std::shared_ptr<const Module>> decodeModule(std::span<const uint8_t> binary,
                                                   const DecodeLimits& limits) {
  auto decoded = decodeModuleUnvalidated(binary, limits);
  if (!decoded.isOk()) return decoded.status();
  std::unique_ptr<Module> m = std::move(decoded).value();
  Status s = validateModule(*m, limits);
  if (!s.isOk()) return s;
  return std::shared_ptr<const Module>(std::move(m));
}

}  // namespace weir::wasm

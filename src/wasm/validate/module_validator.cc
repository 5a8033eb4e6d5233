// Module-level validation rules (everything outside function bodies), then
// each function body.
#include <string>
#include <string_view>
#include <unordered_set>

#include "wasm/binary/reader.h"
#include "wasm/module.h"
#include "wasm/validate/validator.h"

namespace weir::wasm {
namespace {

constexpr StatusCode kInvalid = StatusCode::kFailedPrecondition;

// Offset of the first section with this id, for error positions of
// module-level rules (entities themselves do not carry offsets).
size_t sectionOffset(const Module& m, uint8_t id) {
  for (const SectionInfo& s : m.sections) {
    if (s.id == id) return s.offset;
  }
  return m.bytes.size();
}

Status invalid(const Module& m, uint8_t section_id, std::string reason) {
  return binary::DecodeError{sectionOffset(m, section_id), std::move(reason), kInvalid}.toStatus();
}

std::string indexed(const char* what, uint32_t i) { return std::string(what) + " " + std::to_string(i); }

Status checkLimits(const Module& m, uint8_t sec, const Limits& l, uint64_t bound, const char* too_big) {
  if (bound && (l.min > bound || (l.has_max && l.max > bound))) return invalid(m, sec, too_big);
  if (l.has_max && l.min > l.max) return invalid(m, sec, "size minimum must not be greater than maximum");
  return Status::ok();
}

// Types a constant expression and checks its references. `globals_visible`
// is how many globals it may read (2.0: only imported ones).
Status checkConstExpr(Module& m, uint8_t sec, ConstExpr& e, ValType expected, uint32_t globals_visible) {
  switch (e.kind) {
    case ConstExpr::Kind::kGlobalGet: {
      if (e.index >= globals_visible) return invalid(m, sec, indexed("unknown global", e.index));
      GlobalType gt = m.globalType(e.index);
      if (gt.is_mutable) return invalid(m, sec, "constant expression required");
      e.type = gt.type;
      break;
    }
    case ConstExpr::Kind::kRefFunc:
      if (e.index >= m.numFuncs()) return invalid(m, sec, indexed("unknown function", e.index));
      break;
    default:
      break;
  }
  if (e.type != expected) return invalid(m, sec, "type mismatch");
  return Status::ok();
}

}  // namespace

Status validateModule(Module& m, const DecodeLimits& limits) {
  const uint32_t num_types = static_cast<uint32_t>(m.types.size());
  for (const Import& imp : m.imports) {
    switch (imp.kind) {
      case ExternKind::kFunc:
        if (imp.func_type_index >= num_types) return invalid(m, 2, indexed("unknown type", imp.func_type_index));
        break;
      case ExternKind::kTable:
        WEIR_RETURN_IF_ERROR(checkLimits(m, 2, imp.table.limits, 0, ""));
        break;
      case ExternKind::kMemory:
        WEIR_RETURN_IF_ERROR(checkLimits(m, 2, imp.memory.limits, kMaxMemoryPages,
                                         "memory size must be at most 65536 pages (4GiB)"));
        break;
      case ExternKind::kGlobal:
        break;
    }
  }
  for (const Function& f : m.functions) {
    if (f.type_index >= num_types) return invalid(m, 3, indexed("unknown type", f.type_index));
  }
  for (const TableType& t : m.tables) WEIR_RETURN_IF_ERROR(checkLimits(m, 4, t.limits, 0, ""));
  for (const MemoryType& mem : m.memories) {
    WEIR_RETURN_IF_ERROR(
        checkLimits(m, 5, mem.limits, kMaxMemoryPages, "memory size must be at most 65536 pages (4GiB)"));
  }
  if (m.numMemories() > 1) return invalid(m, 5, "multiple memories");

  for (Global& g : m.globals) {
    WEIR_RETURN_IF_ERROR(checkConstExpr(m, 6, g.init, g.type.type, m.num_imported_globals));
  }

  std::unordered_set<std::string_view> export_names;
  export_names.reserve(m.exports.size());
  for (const Export& e : m.exports) {
    if (!export_names.insert(e.name).second) return invalid(m, 7, "duplicate export name");
    switch (e.kind) {
      case ExternKind::kFunc:
        if (e.index >= m.numFuncs()) return invalid(m, 7, indexed("unknown function", e.index));
        break;
      case ExternKind::kTable:
        if (e.index >= m.numTables()) return invalid(m, 7, indexed("unknown table", e.index));
        break;
      case ExternKind::kMemory:
        if (e.index >= m.numMemories()) return invalid(m, 7, indexed("unknown memory", e.index));
        break;
      case ExternKind::kGlobal:
        if (e.index >= m.numGlobals()) return invalid(m, 7, indexed("unknown global", e.index));
        break;
    }
  }

  if (m.start) {
    if (*m.start >= m.numFuncs()) return invalid(m, 8, indexed("unknown function", *m.start));
    const FuncType& ft = m.funcType(*m.start);
    if (ft.numParams() != 0 || ft.numResults() != 0) return invalid(m, 8, "start function");
  }

  for (ElementSegment& seg : m.elements) {
    if (seg.mode == SegmentMode::kActive) {
      if (seg.table_index >= m.numTables()) return invalid(m, 9, indexed("unknown table", seg.table_index));
      WEIR_RETURN_IF_ERROR(checkConstExpr(m, 9, seg.offset, ValType::kI32, m.num_imported_globals));
      if (m.tableType(seg.table_index).elem_type != seg.type) return invalid(m, 9, "type mismatch");
    }
    for (ConstExpr& item : seg.items) {
      WEIR_RETURN_IF_ERROR(checkConstExpr(m, 9, item, toValType(seg.type), m.num_imported_globals));
    }
  }

  for (DataSegment& seg : m.data) {
    if (seg.mode != SegmentMode::kActive) continue;
    if (seg.memory_index >= m.numMemories()) return invalid(m, 11, indexed("unknown memory", seg.memory_index));
    WEIR_RETURN_IF_ERROR(checkConstExpr(m, 11, seg.offset, ValType::kI32, m.num_imported_globals));
  }

  std::vector<bool> refs = validate::declaredFuncRefs(m);
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    WEIR_RETURN_IF_ERROR(validate::validateFunction(m, refs, limits, i, m.functions[i]));
  }
  return Status::ok();
}

namespace validate {

std::vector<bool> declaredFuncRefs(const Module& m) {
  std::vector<bool> refs(m.numFuncs(), false);
  auto mark = [&refs](const ConstExpr& e) {
    if (e.kind == ConstExpr::Kind::kRefFunc && e.index < refs.size()) refs[e.index] = true;
  };
  for (const Global& g : m.globals) mark(g.init);
  for (const ElementSegment& seg : m.elements) {
    for (const ConstExpr& item : seg.items) mark(item);
  }
  for (const Export& e : m.exports) {
    if (e.kind == ExternKind::kFunc && e.index < refs.size()) refs[e.index] = true;
  }
  return refs;
}

}  // namespace validate
}  // namespace weir::wasm

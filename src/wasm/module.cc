#include "wasm/module.h"

#include <algorithm>

namespace weir::wasm {
namespace {

// The n-th import of `kind`, by scanning.
const Import* nthImportScan(const std::vector<Import>& imports, ExternKind kind, uint32_t n) {
  for (const Import& imp : imports) {
    if (imp.kind != kind) continue;
    if (n == 0) return &imp;
    --n;
  }
  return nullptr;
}

// Uses the decoder's per-kind position table when present; hand-built
// modules (tests, tools) fall back to the scan.
const Import* nthImport(const Module& m, ExternKind kind, uint32_t n) {
  const auto& positions = m.imports_by_kind[static_cast<uint8_t>(kind)];
  if (n < positions.size()) return &m.imports[positions[n]];
  return nthImportScan(m.imports, kind, n);
}

}  // namespace


uint32_t Module::funcTypeIndex(uint32_t func_index) const {
  if (func_index < num_imported_funcs) return nthImport(*this, ExternKind::kFunc, func_index)->func_type_index;
  return functions[func_index - num_imported_funcs].type_index;
}

TableType Module::tableType(uint32_t i) const {
  if (i < num_imported_tables) return nthImport(*this, ExternKind::kTable, i)->table;
  return tables[i - num_imported_tables];
}

MemoryType Module::memoryType(uint32_t i) const {
  if (i < num_imported_memories) return nthImport(*this, ExternKind::kMemory, i)->memory;
  return memories[i - num_imported_memories];
}

GlobalType Module::globalType(uint32_t i) const {
  if (i < num_imported_globals) return nthImport(*this, ExternKind::kGlobal, i)->global;
  return globals[i - num_imported_globals].type;
}

const Import* Module::importedFunc(uint32_t i) const {
  return i < num_imported_funcs ? nthImport(*this, ExternKind::kFunc, i) : nullptr;
}

const Import* Module::importedGlobal(uint32_t i) const {
  return i < num_imported_globals ? nthImport(*this, ExternKind::kGlobal, i) : nullptr;
}

std::string_view Module::functionName(uint32_t func_index) const {
  const auto& v = names.function_names;
  auto it = std::lower_bound(v.begin(), v.end(), func_index,
                             [](const auto& e, uint32_t idx) { return e.first < idx; });
  if (it == v.end() || it->first != func_index) return {};
  return it->second;
}

std::string_view Module::localName(uint32_t func_index, uint32_t local_index) const {
  const auto& v = names.local_names;
  auto it = std::lower_bound(v.begin(), v.end(), func_index,
                             [](const auto& e, uint32_t idx) { return e.func_index < idx; });
  if (it == v.end() || it->func_index != func_index) return {};
  auto jt = std::lower_bound(it->names.begin(), it->names.end(), local_index,
                             [](const auto& e, uint32_t idx) { return e.first < idx; });
  if (jt == it->names.end() || jt->first != local_index) return {};
  return jt->second;
}

const Export* Module::findExport(std::string_view name, ExternKind kind) const {
  for (const Export& e : exports) {
    if (e.kind == kind && e.name == name) return &e;
  }
  return nullptr;
}

ErrorKind errorKind(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return ErrorKind::kNone;
    case StatusCode::kInvalidArgument: return ErrorKind::kMalformed;
    case StatusCode::kFailedPrecondition: return ErrorKind::kInvalid;
    case StatusCode::kResourceExhausted: return ErrorKind::kLimit;
    default: return ErrorKind::kOther;
  }
}

}  // namespace weir::wasm

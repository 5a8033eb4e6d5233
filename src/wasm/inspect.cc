#include "wasm/inspect.h"

#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <string_view>

namespace weir::wasm {
namespace {

void line(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void line(std::string& out, const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) out.append(buf, static_cast<size_t>(n) < sizeof buf ? static_cast<size_t>(n) : sizeof buf - 1);
  out += '\n';
}

std::string limitsText(const Limits& l) {
  std::string s = "min " + std::to_string(l.min);
  if (l.has_max) s += " max " + std::to_string(l.max);
  return s;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string constExprText(const ConstExpr& e) {
  switch (e.kind) {
    case ConstExpr::Kind::kI32Const: return "i32.const " + std::to_string(e.i32());
    case ConstExpr::Kind::kI64Const: return "i64.const " + std::to_string(e.i64());
    case ConstExpr::Kind::kF32Const: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "f32.const bits 0x%08x", e.f32Bits());
      return buf;
    }
    case ConstExpr::Kind::kF64Const: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "f64.const bits 0x%016llx", static_cast<unsigned long long>(e.f64Bits()));
      return buf;
    }
    case ConstExpr::Kind::kV128Const: return "v128.const";
    case ConstExpr::Kind::kRefNull: return std::string("ref.null ") + (e.ref_type == RefType::kFuncRef ? "func" : "extern");
    case ConstExpr::Kind::kRefFunc: return "ref.func " + std::to_string(e.index);
    case ConstExpr::Kind::kGlobalGet: return "global.get " + std::to_string(e.index);
  }
  return "?";
}

const char* modeName(SegmentMode m) {
  switch (m) {
    case SegmentMode::kActive: return "active";
    case SegmentMode::kPassive: return "passive";
    case SegmentMode::kDeclarative: return "declarative";
  }
  return "?";
}

}  // namespace

Result<std::vector<uint8_t>> readModuleFile(const std::string& path, const DecodeLimits& limits) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return ioError("cannot open " + path);
  std::streamoff size = in.tellg();
  if (size < 0) return ioError("cannot read " + path);
  if (static_cast<uint64_t>(size) > limits.max_module_bytes) {
    return resourceExhausted(path + ": " + std::to_string(size) + " bytes exceeds the module size limit of " +
                             std::to_string(limits.max_module_bytes));
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) return ioError("cannot read " + path);
  return bytes;
}

const char* sectionName(uint8_t id) {
  static const char* const kNames[] = {"custom", "type",  "import", "function", "table", "memory",    "global",
                                       "export", "start", "elem",   "code",     "data",  "datacount"};
  return id < sizeof kNames / sizeof kNames[0] ? kNames[id] : "unknown";
}

std::string inspectModule(const Module& m, const InspectOptions& opt) {
  std::string out;
  const size_t cap = opt.max_list_entries;
  auto more = [&out](size_t total, size_t shown) {
    if (total > shown) line(out, "    ... %zu more", total - shown);
  };

  line(out, "size: %zu bytes", m.bytes.size());
  line(out, "sections (%zu):", m.sections.size());
  for (const SectionInfo& s : m.sections) {
    if (s.id == 0) {
      line(out, "  %-9s %-24s offset %8u  size %8u", sectionName(s.id), quoted(s.name).c_str(), s.offset, s.size);
    } else {
      line(out, "  %-9s %-24s offset %8u  size %8u", sectionName(s.id), "", s.offset, s.size);
    }
  }

  line(out, "types: %zu", m.types.size());
  for (size_t i = 0; i < m.types.size() && i < cap; ++i) line(out, "  %zu: %s", i, m.types[i].toString().c_str());
  more(m.types.size(), cap);

  line(out, "imports (%zu):", m.imports.size());
  for (size_t i = 0; i < m.imports.size() && i < cap; ++i) {
    const Import& imp = m.imports[i];
    std::string desc;
    switch (imp.kind) {
      case ExternKind::kFunc:
        desc = imp.func_type_index < m.types.size() ? m.types[imp.func_type_index].toString()
                                                    : "type " + std::to_string(imp.func_type_index);
        break;
      case ExternKind::kTable:
        desc = std::string(valTypeName(toValType(imp.table.elem_type))) + " " + limitsText(imp.table.limits);
        break;
      case ExternKind::kMemory: desc = "pages " + limitsText(imp.memory.limits); break;
      case ExternKind::kGlobal:
        desc = std::string(imp.global.is_mutable ? "mut " : "") + std::string(valTypeName(imp.global.type));
        break;
    }
    line(out, "  %-6s %s.%s  %s", std::string(externKindName(imp.kind)).c_str(), quoted(imp.module).c_str(),
         quoted(imp.field).c_str(), desc.c_str());
  }
  more(m.imports.size(), cap);

  line(out, "exports (%zu):", m.exports.size());
  for (size_t i = 0; i < m.exports.size() && i < cap; ++i) {
    const Export& e = m.exports[i];
    std::string name;
    if (e.kind == ExternKind::kFunc) {
      std::string_view fn = m.functionName(e.index);
      if (!fn.empty()) name = " $" + std::string(fn);
    }
    line(out, "  %-6s %s -> %u%s", std::string(externKindName(e.kind)).c_str(), quoted(e.name).c_str(), e.index,
         name.c_str());
  }
  more(m.exports.size(), cap);

  size_t code_bytes = 0;
  for (const Function& f : m.functions) code_bytes += f.end_offset - f.entry_offset;
  line(out, "functions: %u imported, %zu defined (%zu code bytes)", m.num_imported_funcs, m.functions.size(),
       code_bytes);
  line(out, "tables (%u):", m.numTables());
  for (uint32_t i = 0; i < m.numTables() && i < cap; ++i) {
    TableType t = m.tableType(i);
    line(out, "  %u: %s %s%s", i, std::string(valTypeName(toValType(t.elem_type))).c_str(),
         limitsText(t.limits).c_str(), i < m.num_imported_tables ? " (imported)" : "");
  }
  line(out, "memories (%u):", m.numMemories());
  for (uint32_t i = 0; i < m.numMemories() && i < cap; ++i) {
    MemoryType t = m.memoryType(i);
    line(out, "  %u: pages %s%s", i, limitsText(t.limits).c_str(), i < m.num_imported_memories ? " (imported)" : "");
  }
  line(out, "globals (%u):", m.numGlobals());
  for (uint32_t i = 0; i < m.numGlobals() && i < cap; ++i) {
    GlobalType t = m.globalType(i);
    std::string init = i < m.num_imported_globals ? "(imported)" : "= " + constExprText(m.globals[i - m.num_imported_globals].init);
    line(out, "  %u: %s%s %s", i, t.is_mutable ? "mut " : "", std::string(valTypeName(t.type)).c_str(), init.c_str());
  }
  more(m.numGlobals(), cap);
  if (m.start) line(out, "start: function %u", *m.start);

  line(out, "element segments (%zu):", m.elements.size());
  for (size_t i = 0; i < m.elements.size() && i < cap; ++i) {
    const ElementSegment& s = m.elements[i];
    std::string where = s.mode == SegmentMode::kActive
                            ? " table " + std::to_string(s.table_index) + " offset " + constExprText(s.offset)
                            : "";
    line(out, "  %zu: %s %s, %zu items%s", i, modeName(s.mode), std::string(valTypeName(toValType(s.type))).c_str(),
         s.items.size(), where.c_str());
  }
  more(m.elements.size(), cap);
  size_t data_bytes = 0;
  for (const DataSegment& d : m.data) data_bytes += d.data_size;
  line(out, "data segments (%zu, %zu bytes):", m.data.size(), data_bytes);
  for (size_t i = 0; i < m.data.size() && i < cap; ++i) {
    const DataSegment& d = m.data[i];
    std::string where = d.mode == SegmentMode::kActive
                            ? " memory " + std::to_string(d.memory_index) + " offset " + constExprText(d.offset)
                            : "";
    line(out, "  %zu: %s, %u bytes%s", i, modeName(d.mode), d.data_size, where.c_str());
  }
  more(m.data.size(), cap);

  line(out, "custom sections (%zu):", m.customs.size());
  for (const CustomSection& c : m.customs) line(out, "  %s: %u bytes", quoted(c.name).c_str(), c.size);

  if (m.names.has_names) {
    size_t with_locals = m.names.local_names.size();
    line(out, "names: module %s, %zu function names, %zu functions with local names",
         m.names.module_name ? quoted(*m.names.module_name).c_str() : "(none)", m.names.function_names.size(),
         with_locals);
    for (size_t i = 0; i < m.names.function_names.size() && i < cap; ++i) {
      line(out, "  func %u: %s", m.names.function_names[i].first, quoted(m.names.function_names[i].second).c_str());
    }
    more(m.names.function_names.size(), cap);
  } else {
    line(out, "names: none");
  }
  return out;
}

}  // namespace weir::wasm

#include "wasm/aot/prepare.h"

#include <string>

namespace weir::wasm::aot {

namespace {

void putU32(std::vector<uint8_t>& out, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(b);
  } while (v);
}

void putName(std::vector<uint8_t>& out, const std::string& s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

void putLimits(std::vector<uint8_t>& out, const Limits& l) {
  out.push_back(l.has_max ? 1 : 0);
  putU32(out, l.min);
  if (l.has_max) putU32(out, l.max);
}

void putSection(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& payload) {
  out.push_back(id);
  putU32(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
}

uint32_t readU32(const std::vector<uint8_t>& b, uint32_t& pos) {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    uint8_t byte = b[pos++];
    v |= uint32_t{byte & 0x7fu} << shift;
    if (!(byte & 0x80)) break;
  }
  return v;
}

// Position of each known section in the binary order (custom sections excluded).
int sectionRank(uint8_t id) {
  switch (id) {
    case 1: return 1;   // type
    case 2: return 2;   // import
    case 3: return 3;   // function
    case 4: return 4;   // table
    case 5: return 5;   // memory
    case 6: return 6;   // global
    case 7: return 7;   // export
    case 8: return 8;   // start
    case 9: return 9;   // element
    case 12: return 10; // data count
    case 10: return 11; // code
    case 11: return 12; // data
    default: return 0;
  }
}

}  // namespace

Result<PreparedModule> prepareModule(const wasm::Module& m, const std::vector<bool>& stubbed) {
  if (m.num_imported_tables > 0) {
    return unimplemented("the compiled tier does not support imported tables");
  }
  for (const Export& e : m.exports) {
    if (e.kind == ExternKind::kTable) return unimplemented("the compiled tier does not support exported tables");
  }
  if (m.num_imported_memories + m.memories.size() > 1) {
    return unimplemented("the compiled tier supports one memory");
  }
  for (const Import& imp : m.imports) {
    if (imp.kind == ExternKind::kGlobal && imp.global.type == ValType::kFuncRef) {
      return unimplemented("the compiled tier does not support funcref globals");
    }
  }
  for (const wasm::Global& g : m.globals) {
    if (g.type.type == ValType::kFuncRef) return unimplemented("the compiled tier does not support funcref globals");
  }

  PreparedModule out;
  out.num_globals = m.num_imported_globals + static_cast<uint32_t>(m.globals.size());

  // The import section: functions, the memory, the globals, then "z".
  std::vector<uint8_t> imports;
  uint32_t count = m.num_imported_funcs + (m.num_imported_memories + m.memories.size() > 0 ? 1 : 0) +
                   out.num_globals + 1;
  putU32(imports, count);
  uint32_t func_index = 0, global_index = 0;
  const MemoryType* memory = m.memories.empty() ? nullptr : &m.memories[0];
  for (const Import& imp : m.imports) {
    if (imp.kind == ExternKind::kFunc) {
      putName(imports, "w");
      putName(imports, "f" + std::to_string(func_index++));
      imports.push_back(0x00);
      putU32(imports, imp.func_type_index);
    } else if (imp.kind == ExternKind::kMemory) {
      memory = &imp.memory;
    }
  }
  if (memory) {
    putName(imports, "w");
    putName(imports, "m0");
    imports.push_back(0x02);
    putLimits(imports, memory->limits);
  }
  auto putGlobal = [&](const GlobalType& t) {
    putName(imports, "w");
    putName(imports, "g" + std::to_string(global_index++));
    imports.push_back(0x03);
    imports.push_back(static_cast<uint8_t>(t.type));
    imports.push_back(t.is_mutable ? 1 : 0);
  };
  for (const Import& imp : m.imports) {
    if (imp.kind == ExternKind::kGlobal) putGlobal(imp.global);
  }
  for (const wasm::Global& g : m.globals) putGlobal(g.type);
  putName(imports, "w");
  putName(imports, "z");
  imports.push_back(0x03);
  imports.push_back(static_cast<uint8_t>(ValType::kI32));
  imports.push_back(0);

  // Keeps ref.func valid once exports and global initializers are gone.
  std::vector<uint8_t> declare;
  uint32_t total_funcs = m.num_imported_funcs + static_cast<uint32_t>(m.functions.size());
  if (total_funcs > 0) {
    declare.push_back(0x03);  // declarative, elemkind + function indices
    declare.push_back(0x00);
    putU32(declare, total_funcs);
    for (uint32_t i = 0; i < total_funcs; ++i) putU32(declare, i);
  }

  std::vector<uint8_t>& bin = out.binary;
  bin.insert(bin.end(), m.bytes.begin(), m.bytes.begin() + 8);  // magic + version
  bool imports_done = false, elements_done = declare.empty();
  auto emitElementsAlone = [&]() {
    std::vector<uint8_t> payload;
    putU32(payload, 1);
    payload.insert(payload.end(), declare.begin(), declare.end());
    putSection(bin, 9, payload);
    elements_done = true;
  };
  for (const SectionInfo& s : m.sections) {
    int rank = sectionRank(s.id);
    if (rank == 0) continue;  // custom sections: names are taken from the original module
    if (!imports_done && rank >= 2) {
      putSection(bin, 2, imports);
      imports_done = true;
    }
    if (!elements_done && rank > 9) emitElementsAlone();
    switch (s.id) {
      case 2: case 5: case 6: case 7: case 8:
        continue;  // replaced above or dropped
      case 9: {
        uint32_t pos = s.offset;
        uint32_t n = readU32(m.bytes, pos);
        std::vector<uint8_t> payload;
        putU32(payload, n + (declare.empty() ? 0 : 1));
        payload.insert(payload.end(), m.bytes.begin() + pos, m.bytes.begin() + s.offset + s.size);
        payload.insert(payload.end(), declare.begin(), declare.end());
        putSection(bin, 9, payload);
        elements_done = true;
        continue;
      }
      case 1: {
        // Types with v128 are used by blocks only (emitter.h checks), in
        // functions weir emits itself; wasm2c sees i64 in their place.
        std::vector<uint8_t> payload;
        putU32(payload, static_cast<uint32_t>(m.types.size()));
        auto putTypes = [&](std::span<const ValType> types) {
          putU32(payload, static_cast<uint32_t>(types.size()));
          for (ValType t : types) payload.push_back(static_cast<uint8_t>(t == ValType::kV128 ? ValType::kI64 : t));
        };
        for (const FuncType& t : m.types) {
          payload.push_back(0x60);
          putTypes(t.params());
          putTypes(t.results());
        }
        putSection(bin, 1, payload);
        continue;
      }
      case 10: {
        // Functions another translator emits get a body wasm2c can always
        // translate: no locals, `unreachable`.
        std::vector<uint8_t> payload;
        putU32(payload, static_cast<uint32_t>(m.functions.size()));
        for (size_t i = 0; i < m.functions.size(); ++i) {
          const wasm::Function& f = m.functions[i];
          if (i < stubbed.size() && stubbed[i]) {
            payload.insert(payload.end(), {0x03, 0x00, 0x00, 0x0B});
          } else {
            putU32(payload, f.end_offset - f.entry_offset);
            payload.insert(payload.end(), m.bytes.begin() + f.entry_offset, m.bytes.begin() + f.end_offset);
          }
        }
        putSection(bin, 10, payload);
        continue;
      }
      default: {
        std::vector<uint8_t> payload(m.bytes.begin() + s.offset, m.bytes.begin() + s.offset + s.size);
        putSection(bin, s.id, payload);
      }
    }
  }
  if (!imports_done) putSection(bin, 2, imports);
  if (!elements_done) emitElementsAlone();
  return out;
}

}  // namespace weir::wasm::aot

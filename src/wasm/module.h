// weir::wasm::Module — a decoded and validated WebAssembly 2.0 module.
//
// A Module is immutable once decodeModule() returns it and is shared across
// threads as std::shared_ptr<const Module>. It keeps the original binary
// (`bytes`), so function bodies and data segment payloads are byte ranges into
// it rather than copies.
//
// Index spaces follow the spec: imported entities come first. `functions`,
// `tables`, `memories` and `globals` hold only the *defined* ones; the
// helpers below (funcTypeIndex(), globalType(), ...) work on the full index
// spaces.
//
// Error model (see docs/wasm-binary.md): every failure is a Status whose
// message is "<reason> at offset <N>" (N = byte offset into the binary, in
// decimal), where <reason> uses the spec test suite's wording ("unexpected
// end", "type mismatch", ...). The StatusCode tells the category:
//   kInvalidArgument     malformed: the bytes are not a well-formed binary
//   kFailedPrecondition  invalid:   well-formed but fails validation
//   kResourceExhausted   a DecodeLimits bound was exceeded
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "wasm/types.h"

namespace weir::wasm {

// A constant expression (global initializers, segment offsets, element
// items). Wasm 2.0 constant expressions are exactly one instruction followed
// by `end`, so the decoded form is that instruction.
struct ConstExpr {
  enum class Kind : uint8_t {
    kI32Const,
    kI64Const,
    kF32Const,    // bits in `bits` (low 32)
    kF64Const,    // bits in `bits`
    kV128Const,   // value in `v128`
    kRefNull,     // ref_type says which null
    kRefFunc,     // index = function index
    kGlobalGet,   // index = global index (an imported, immutable global)
  };
  Kind kind = Kind::kI32Const;
  ValType type = ValType::kI32;  // the expression's result type
  uint64_t bits = 0;             // i32 (sign-extended to 64)/i64/f32/f64 payload
  uint32_t index = 0;            // kRefFunc / kGlobalGet
  RefType ref_type = RefType::kFuncRef;  // kRefNull
  V128 v128;                     // kV128Const

  int32_t i32() const { return static_cast<int32_t>(bits); }
  int64_t i64() const { return static_cast<int64_t>(bits); }
  uint32_t f32Bits() const { return static_cast<uint32_t>(bits); }
  uint64_t f64Bits() const { return bits; }
};

struct Import {
  std::string module;
  std::string field;
  ExternKind kind = ExternKind::kFunc;
  uint32_t func_type_index = 0;  // kFunc: index into Module::types
  TableType table;               // kTable
  MemoryType memory;             // kMemory
  GlobalType global;             // kGlobal
};

struct Export {
  std::string name;
  ExternKind kind = ExternKind::kFunc;
  uint32_t index = 0;  // into the kind's full index space
};

// `count` consecutive locals of one type, as declared in the code section.
struct LocalRun {
  uint32_t count = 0;
  ValType type = ValType::kI32;
};

// A function defined in this module (imports are not here).
struct Function {
  uint32_t type_index = 0;
  std::vector<LocalRun> locals;  // declared locals only (params not included)
  uint32_t num_locals = 0;       // sum of locals[i].count

  // Byte ranges into Module::bytes:
  //   [entry_offset, end_offset)  the code entry after its size prefix
  //                               (local declarations + expression)
  //   [body_offset, end_offset)   the instruction sequence; its last byte is
  //                               the function's final `end` (0x0B)
  uint32_t entry_offset = 0;
  uint32_t body_offset = 0;
  uint32_t end_offset = 0;

  // Learned by the validator, for interpreter/compiler sizing:
  uint32_t max_stack_height = 0;   // max operand stack depth in values (v128 = 1)
  uint32_t max_control_depth = 0;  // max nesting of block/loop/if incl. the body
  bool uses_memory = false;        // any load/store/memory.* instruction
  bool has_calls = false;          // call / call_indirect
};

struct Global {
  GlobalType type;
  ConstExpr init;
};

enum class SegmentMode : uint8_t { kActive, kPassive, kDeclarative };

struct ElementSegment {
  SegmentMode mode = SegmentMode::kActive;
  uint32_t table_index = 0;  // kActive
  ConstExpr offset;          // kActive; an i32 expression
  RefType type = RefType::kFuncRef;
  // True when the binary used the expression encodings (flags 4..7). Either
  // way `items` holds one ConstExpr per element: function-index encodings are
  // stored as kRefFunc items so consumers have a single shape.
  bool uses_exprs = false;
  std::vector<ConstExpr> items;
};

struct DataSegment {
  SegmentMode mode = SegmentMode::kActive;  // kActive or kPassive
  uint32_t memory_index = 0;                // kActive
  ConstExpr offset;                         // kActive; an i32 expression
  uint32_t data_offset = 0;                 // payload range in Module::bytes
  uint32_t data_size = 0;
};

struct CustomSection {
  std::string name;
  uint32_t offset = 0;  // payload (after the name) range in Module::bytes
  uint32_t size = 0;
};

// One entry of the section table, in file order (for inspect/tooling).
struct SectionInfo {
  uint8_t id = 0;        // 0 = custom
  uint32_t offset = 0;   // payload start in Module::bytes (after id + size)
  uint32_t size = 0;     // payload size
  std::string name;      // custom sections only
};

// The parsed `name` custom section. It is best-effort per the spec: a
// malformed name section is ignored (has_names stays false), never an error.
struct NameSection {
  bool has_names = false;
  std::optional<std::string> module_name;
  // Sorted by index (the binary requires increasing order).
  std::vector<std::pair<uint32_t, std::string>> function_names;
  struct LocalNames {
    uint32_t func_index = 0;
    std::vector<std::pair<uint32_t, std::string>> names;
  };
  std::vector<LocalNames> local_names;  // sorted by func_index
};

class Module {
 public:
  std::vector<uint8_t> bytes;  // the original binary

  std::vector<FuncType> types;
  std::vector<Import> imports;
  std::vector<Function> functions;  // defined functions only
  std::vector<TableType> tables;    // defined tables only
  std::vector<MemoryType> memories; // defined memories only
  std::vector<Global> globals;      // defined globals only
  std::vector<Export> exports;
  std::optional<uint32_t> start;    // function index
  std::vector<ElementSegment> elements;
  std::vector<DataSegment> data;
  std::optional<uint32_t> data_count;
  std::vector<CustomSection> customs;
  std::vector<SectionInfo> sections;
  NameSection names;

  // For each ExternKind (by its numeric value), the positions in `imports`
  // of the imports of that kind, in index-space order. Filled by the decoder
  // so index lookups on imported entities are O(1).
  std::vector<uint32_t> imports_by_kind[4];

  // Counts of imported entities (they come first in each index space).
  uint32_t num_imported_funcs = 0;
  uint32_t num_imported_tables = 0;
  uint32_t num_imported_memories = 0;
  uint32_t num_imported_globals = 0;

  uint32_t numFuncs() const { return num_imported_funcs + static_cast<uint32_t>(functions.size()); }
  uint32_t numTables() const { return num_imported_tables + static_cast<uint32_t>(tables.size()); }
  uint32_t numMemories() const { return num_imported_memories + static_cast<uint32_t>(memories.size()); }
  uint32_t numGlobals() const { return num_imported_globals + static_cast<uint32_t>(globals.size()); }

  // Full-index-space lookups; the index must be in range (a validated module
  // only references in-range indices).
  uint32_t funcTypeIndex(uint32_t func_index) const;
  const FuncType& funcType(uint32_t func_index) const { return types[funcTypeIndex(func_index)]; }
  TableType tableType(uint32_t table_index) const;
  MemoryType memoryType(uint32_t memory_index) const;
  GlobalType globalType(uint32_t global_index) const;
  // The Import for an imported function/table/memory/global index, or null
  // when the index refers to a defined entity.
  const Import* importedFunc(uint32_t func_index) const;
  const Import* importedGlobal(uint32_t global_index) const;

  std::span<const uint8_t> body(const Function& f) const {
    return {bytes.data() + f.body_offset, f.end_offset - f.body_offset};
  }
  std::span<const uint8_t> payload(const DataSegment& d) const {
    return {bytes.data() + d.data_offset, d.data_size};
  }
  std::span<const uint8_t> payload(const CustomSection& c) const {
    return {bytes.data() + c.offset, c.size};
  }

  // Name-section lookups; empty when there is no name.
  std::string_view functionName(uint32_t func_index) const;
  std::string_view localName(uint32_t func_index, uint32_t local_index) const;
  // Export lookup by name and kind; null if absent.
  const Export* findExport(std::string_view name, ExternKind kind) const;
};

// Bounds applied while decoding untrusted binaries. Defaults are generous
// enough for real toolchain output and the spec test suite, and small enough
// that a hostile module cannot make the decoder allocate without bound.
struct DecodeLimits {
  size_t max_module_bytes = 256u << 20;
  uint32_t max_types = 1'000'000;
  uint32_t max_functions = 1'000'000;
  uint32_t max_imports = 100'000;
  uint32_t max_exports = 100'000;
  uint32_t max_globals = 1'000'000;
  uint32_t max_tables = 100'000;
  uint32_t max_memories = 1;            // Wasm 2.0 allows at most one
  uint32_t max_element_segments = 10'000'000;
  uint32_t max_data_segments = 100'000;
  uint32_t max_params = 1'000;          // per function type
  uint32_t max_results = 1'000;         // per function type
  uint32_t max_locals_per_function = 50'000;  // declared locals, params excluded
  uint32_t max_body_size = 7'654'321;   // bytes per function body
  uint32_t max_nesting_depth = 10'000;  // nested block/loop/if per function
  uint32_t max_table_elements = 10'000'000;  // table min/max
  uint32_t max_memory_pages = kMaxMemoryPages;  // memory min (and max, if set)
  uint32_t max_br_table_targets = 1'000'000;
  uint32_t max_name_bytes = 100'000;    // any single import/export/custom name
};

// Decodes AND validates. On success the module is immutable and safe to share.
Result<std::shared_ptr<const Module>> decodeModule(std::span<const uint8_t> binary,
                                                   const DecodeLimits& limits = {});

// Decode only (structure, LEB128/UTF-8/section rules, limits). Function bodies
// are delimited but not checked, so a returned module may still be invalid.
Result<std::unique_ptr<Module>> decodeModuleUnvalidated(std::span<const uint8_t> binary,
                                                        const DecodeLimits& limits = {});

// Validates a module produced by decodeModuleUnvalidated() and fills in the
// per-function facts (max_stack_height, ...). Errors from function bodies can
// still be malformed (kInvalidArgument), e.g. an unknown opcode.
Status validateModule(Module& module, const DecodeLimits& limits = {});

// Helpers for reading the Status returned above.
enum class ErrorKind { kNone, kMalformed, kInvalid, kLimit, kOther };
ErrorKind errorKind(const Status& s);

}  // namespace weir::wasm

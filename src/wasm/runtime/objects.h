// Runtime objects an instance owns or imports: functions, memories, tables and
// globals. Imports share the exporter's object, so they are held by shared_ptr.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "wasm/runtime/value.h"
#include "wasm/types.h"

namespace weir::wasm::interp {
struct CompiledFunc;
}

namespace weir::wasm::runtime {

class Instance;
class Caller;

// A host function: plain function pointer + user data, called with the
// arguments and result slots already typed per its FuncType. No allocation per
// call. Returning a non-ok Status traps with kind kHostError and that message;
// to end the program (WASI proc_exit) call Caller::exit() and return any Status.
using HostFn = Status (*)(Caller& caller, void* user_data, const Value* args, Value* results);
// The same for a scalar signature (hasScalarSignature): arguments in and
// results out of one array of 8-byte slots, encoded as valueToSlots does.
// The interpreter and the compiled tier call it straight from their own
// slots, with no Value built per call.
using SlotHostFn = Status (*)(Caller& caller, void* user_data, uint64_t* slots);

// True when every parameter and result is i32, i64, f32 or f64: one slot
// each (what SlotHostFn and Instance::callSlots take).
bool hasScalarSignature(const FuncType& t);

// Every FuncType gets a process-wide id so call_indirect checks a signature with
// one integer compare, across modules.
uint32_t canonicalTypeId(const FuncType& type);

class Function {
 public:
  // A host function.
  Function(FuncType type, HostFn fn, void* user_data, std::string debug_name = {});
  // A host function taking slots; `type` must be scalar (hasScalarSignature).
  // Callers without slots at hand reach it through host_fn_, an adapter.
  Function(FuncType type, SlotHostFn fn, void* user_data, std::string debug_name = {});
  // Not copyable: type_ (and a slot function's user_data_) point into it.
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;
  // A function defined in `instance` (internal use).
  Function(const FuncType* type, Instance* instance, uint32_t func_index, const interp::CompiledFunc* code);

  const FuncType& type() const { return *type_; }
  uint32_t typeId() const { return type_id_; }
  bool isHost() const { return host_fn_ != nullptr; }

  // Interpreter fast-path fields. A function of a compiled (AOT) instance has
  // code_ == nullptr and host_fn_ set to the compiled tier's entry, so every
  // caller (interpreter, host imports, embedder) reaches it as a host call.
  const FuncType* type_ = nullptr;
  uint32_t type_id_ = 0;
  HostFn host_fn_ = nullptr;
  void* user_data_ = nullptr;
  SlotHostFn slot_fn_ = nullptr;       // set for slot host functions (user_data_ is then this)
  void* slot_user_data_ = nullptr;
  Instance* instance_ = nullptr;       // defining instance (wasm functions)
  uint32_t func_index_ = 0;
  const interp::CompiledFunc* code_ = nullptr;
  std::string debug_name_;

 private:
  FuncType owned_type_;  // host functions own their type
};

// Linear memory. The whole maximum is reserved up front (address space only) so
// the base address never moves: spans handed out stay valid across memory.grow.
class Memory {
 public:
  // max_pages_limit caps growth below the type's maximum (instance limit).
  static Result<std::shared_ptr<Memory>> create(const MemoryType& type, uint32_t max_pages_limit);
  // guard_region: reserve kGuardReservation bytes instead of the maximum, so
  // every 32-bit address + offset a load or store can form lands in this
  // reservation and code compiled without bounds checks faults (PROT_NONE)
  // instead of touching other memory (docs/wasm-aot.md). When the address
  // space cannot be had, the memory is created without it (guarded() false).
  static Result<std::shared_ptr<Memory>> create(const MemoryType& type, uint32_t max_pages_limit,
                                                bool guard_region);
  // 4 GiB of addresses + 4 GiB of offsets + room for the widest access.
  static constexpr uint64_t kGuardReservation = (uint64_t{8} << 30) + 65536;
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  const MemoryType& type() const { return type_; }
  uint32_t pages() const { return pages_; }
  uint64_t sizeBytes() const { return size_; }
  // Returns the old size in pages, or -1 when the limit is exceeded.
  int32_t grow(uint32_t delta_pages);

  // The only way embedders reach guest memory: bounds-checked spans.
  std::optional<std::span<uint8_t>> span(uint64_t offset, uint64_t length);
  std::optional<std::span<const uint8_t>> span(uint64_t offset, uint64_t length) const;
  bool read(uint64_t offset, void* out, uint64_t length) const;
  bool write(uint64_t offset, const void* in, uint64_t length);

  // Interpreter fast path. The compiled tier reads the same three fields as
  // its wasm_rt_memory_t {data, size, pages} (aot/abi.h): keep them first and
  // in this order.
  uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  uint32_t pages_ = 0;

  bool guarded() const { return guarded_; }
  uint64_t reservedBytes() const { return reserved_; }

 private:
  Memory() = default;
  MemoryType type_;
  uint64_t reserved_ = 0;
  bool guarded_ = false;
  uint32_t max_pages_ = 0;
};

class Table {
 public:
  Table(const TableType& type, uint32_t max_size_limit, Ref init = kNullRef);
  const TableType& type() const { return type_; }
  uint32_t size() const { return static_cast<uint32_t>(elems_.size()); }
  // Returns the old size, or -1 when the limit is exceeded.
  int32_t grow(uint32_t delta, Ref init);
  std::optional<Ref> get(uint32_t index) const {
    if (index >= elems_.size()) return std::nullopt;
    return elems_[index];
  }
  bool set(uint32_t index, Ref value) {
    if (index >= elems_.size()) return false;
    elems_[index] = value;
    return true;
  }

  std::vector<Ref> elems_;

 private:
  TableType type_;
  uint32_t max_size_ = 0;
};

class Global {
 public:
  explicit Global(const GlobalType& type, const Value& init = {});
  const GlobalType& type() const { return type_; }
  Value get() const;
  // Fails on type mismatch or when the global is immutable.
  Status set(const Value& v);

  uint64_t slots_[2] = {0, 0};  // interpreter representation (v128: both)

 private:
  GlobalType type_;
};

// One imported or exported object.
struct Extern {
  ExternKind kind = ExternKind::kFunc;
  std::shared_ptr<Function> func;
  std::shared_ptr<Memory> memory;
  std::shared_ptr<Table> table;
  std::shared_ptr<Global> global;

  static Extern ofFunc(std::shared_ptr<Function> f) { Extern e; e.kind = ExternKind::kFunc; e.func = std::move(f); return e; }
  static Extern ofMemory(std::shared_ptr<Memory> m) { Extern e; e.kind = ExternKind::kMemory; e.memory = std::move(m); return e; }
  static Extern ofTable(std::shared_ptr<Table> t) { Extern e; e.kind = ExternKind::kTable; e.table = std::move(t); return e; }
  static Extern ofGlobal(std::shared_ptr<Global> g) { Extern e; e.kind = ExternKind::kGlobal; e.global = std::move(g); return e; }
};

// Slot encoding shared by globals, tables and the interpreter.
void valueToSlots(const Value& v, uint64_t* slots);
Value slotsToValue(ValType type, const uint64_t* slots);
inline uint32_t slotCount(ValType t) { return t == ValType::kV128 ? 2 : 1; }

}  // namespace weir::wasm::runtime

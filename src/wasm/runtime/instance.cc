#include "wasm/runtime/instance.h"

#include <algorithm>
#include <cstring>
#include <functional>
#include <mutex>

#include "wasm/interp/interpreter.h"
#include "wasm/interp/translator.h"

namespace weir::wasm::runtime {

namespace {

// Instances whose instantiation failed after they wrote function references
// into an imported table: those references must stay callable (Wasm 2.0 keeps
// earlier segment writes), so the instance is kept alive for the process.
std::mutex g_orphans_mu;
std::vector<std::unique_ptr<Instance>>& orphans() {
  static auto* v = new std::vector<std::unique_ptr<Instance>>();
  return *v;
}

bool limitsMatch(uint64_t actual_min, bool actual_has_max, uint64_t actual_max, const Limits& want) {
  if (actual_min < want.min) return false;
  if (want.has_max) {
    if (!actual_has_max || actual_max > want.max) return false;
  }
  return true;
}

Status incompatible(const Import& imp, const std::string& why) {
  return invalidArgument("incompatible import type: " + imp.module + "." + imp.field + " (" + why + ")");
}

}  // namespace

void Linker::define(std::string module, std::string field, Extern object) {
  entries_[{std::move(module), std::move(field)}] = std::move(object);
}

void Linker::defineFunc(std::string module, std::string field, FuncType type, HostFn fn, void* user_data) {
  std::string debug = module + "." + field;
  define(std::move(module), std::move(field),
         Extern::ofFunc(std::make_shared<Function>(std::move(type), fn, user_data, std::move(debug))));
}

void Linker::defineSlotFunc(std::string module, std::string field, FuncType type, SlotHostFn fn, void* user_data) {
  std::string debug = module + "." + field;
  define(std::move(module), std::move(field),
         Extern::ofFunc(std::make_shared<Function>(std::move(type), fn, user_data, std::move(debug))));
}

void Linker::defineInstance(const std::string& module, const Instance& instance) {
  for (const Export& e : instance.module().decoded().exports) {
    if (auto ext = instance.exportByName(e.name)) define(module, e.name, *ext);
  }
}

std::optional<Extern> Linker::resolve(std::string_view module, std::string_view field, ExternKind kind) {
  auto it = entries_.find(std::pair<std::string, std::string>(module, field));
  if (it == entries_.end()) return std::nullopt;
  (void)kind;  // the kind is checked by the linker against the import
  return it->second;
}

Memory* Caller::memory() { return instance_->memory(0); }

Instance::~Instance() = default;

void Instance::setFuel(std::optional<uint64_t> fuel) {
  fuel_enabled_ = fuel.has_value();
  fuel_ = fuel ? static_cast<int64_t>(std::min<uint64_t>(*fuel, INT64_MAX)) : 0;
}

std::optional<uint64_t> Instance::fuel() const {
  if (!fuel_enabled_) return std::nullopt;
  return fuel_ < 0 ? 0 : static_cast<uint64_t>(fuel_);
}

bool Instance::signatureMatches(const FuncType& t, const Value* args, size_t nargs, ValType result,
                                size_t nresults) {
  if (t.numParams() != nargs || t.numResults() != nresults) return false;
  for (size_t i = 0; i < nargs; ++i) {
    if (t.params()[i] != args[i].type) return false;
  }
  return nresults == 0 || t.results()[0] == result;
}

std::optional<Extern> Instance::exportByName(std::string_view name) const {
  for (const Export& e : module_->decoded().exports) {
    if (e.name != name) continue;
    switch (e.kind) {
      case ExternKind::kFunc: return Extern::ofFunc(funcs_[e.index]);
      case ExternKind::kTable: return Extern::ofTable(tables_[e.index]);
      case ExternKind::kMemory: return Extern::ofMemory(memories_[e.index]);
      case ExternKind::kGlobal: return Extern::ofGlobal(globals_[e.index]);
    }
  }
  return std::nullopt;
}

std::shared_ptr<Function> Instance::exportedFunction(std::string_view name) const {
  const Export* e = module_->decoded().findExport(name, ExternKind::kFunc);
  if (!e) return nullptr;
  return funcs_[e->index];
}

std::optional<Trap> Instance::call(Function& func, std::span<const Value> args, std::span<Value> results) {
  const FuncType& t = func.type();
  if (args.size() != t.numParams() || results.size() != t.numResults()) {
    return Trap{TrapKind::kHostError, "argument or result count mismatch", {}, 0};
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].type != t.params()[i]) return Trap{TrapKind::kHostError, "argument type mismatch", {}, 0};
  }
  // Compiled functions, and host functions called on a compiled instance,
  // need no interpreter context.
  if (func.code_ == nullptr && (aot_ || aot::isCompiledFunction(func))) return aot::call(*this, func, args, results);
  if (!exec_) {
    exec_ = std::make_unique<interp::ExecContext>(*this, limits_.max_stack_slots, limits_.max_call_depth);
  }
  if (!interp::execute(*exec_, func, args.data(), results.data())) return exec_->trap;
  return std::nullopt;
}

std::optional<Trap> Instance::callSlots(Function& func, uint64_t* slots) {
  if (func.code_ != nullptr) {
    if (!exec_) {
      exec_ = std::make_unique<interp::ExecContext>(*this, limits_.max_stack_slots, limits_.max_call_depth);
    }
    if (!interp::executeSlots(*exec_, func, slots)) return exec_->trap;
    return std::nullopt;
  }
  if (aot::isCompiledFunction(func)) return aot::callSlots(func, slots);
  // A host function (a slot host function too, through its adapter): the
  // typed path. Embedders call exports of guest code here, rarely these.
  const FuncType& t = func.type();
  std::vector<Value> args(t.numParams()), results(t.numResults());
  for (size_t i = 0; i < args.size(); ++i) args[i] = slotsToValue(t.params()[i], slots + i);
  if (auto trap = call(func, args, results)) return trap;
  for (size_t i = 0; i < results.size(); ++i) valueToSlots(results[i], slots + i);
  return std::nullopt;
}

Result<std::unique_ptr<Instance>> Instance::instantiate(std::shared_ptr<const Module> module,
                                                       ImportResolver& resolver,
                                                       const InstanceLimits& limits) {
  std::unique_ptr<Instance> inst(new Instance());
  inst->module_ = std::move(module);
  inst->limits_ = limits;
  inst->type_ids_ = inst->module_->typeIds().data();
  Status s = inst->initialize(resolver);
  if (!s.isOk()) {
    if (inst->escaped_) {
      std::lock_guard<std::mutex> lock(g_orphans_mu);
      orphans().push_back(std::move(inst));
    }
    return s;
  }
  return inst;
}

Status Instance::initialize(ImportResolver& resolver) {
  const wasm::Module& m = module_->decoded();
  const bool compiled = module_->tier() == Tier::kAot;
  const auto* code = compiled ? nullptr : &static_cast<const interp::InterpCode&>(module_->code());

  // 1. Imports, matched by (module, field) and checked against the import's type.
  for (const Import& imp : m.imports) {
    std::optional<Extern> ext = resolver.resolve(imp.module, imp.field, imp.kind);
    if (!ext) return notFound("unknown import: " + imp.module + "." + imp.field);
    if (ext->kind != imp.kind) return incompatible(imp, "expected " + std::string(externKindName(imp.kind)));
    switch (imp.kind) {
      case ExternKind::kFunc:
        if (!ext->func || ext->func->type() != m.types[imp.func_type_index]) {
          return incompatible(imp, "function signature");
        }
        funcs_.push_back(ext->func);
        break;
      case ExternKind::kTable: {
        const Table& t = *ext->table;
        if (t.type().elem_type != imp.table.elem_type) return incompatible(imp, "element type");
        if (!limitsMatch(t.size(), t.type().limits.has_max, t.type().limits.max, imp.table.limits)) {
          return incompatible(imp, "table limits");
        }
        tables_.push_back(ext->table);
        break;
      }
      case ExternKind::kMemory: {
        const Memory& mem = *ext->memory;
        if (!limitsMatch(mem.pages(), mem.type().limits.has_max, mem.type().limits.max, imp.memory.limits)) {
          return incompatible(imp, "memory limits");
        }
        memories_.push_back(ext->memory);
        break;
      }
      case ExternKind::kGlobal:
        if (ext->global->type() != imp.global) return incompatible(imp, "global type");
        globals_.push_back(ext->global);
        break;
    }
  }

  // 2. Defined functions, tables, memories.
  for (uint32_t i = 0; i < m.functions.size(); ++i) {
    uint32_t index = m.num_imported_funcs + i;
    funcs_.push_back(std::make_shared<Function>(&m.types[m.functions[i].type_index], this, index,
                                                code ? &code->funcs[i] : nullptr));
  }
  // Compiled code keeps its tables in its own representation (they are never
  // shared: the AOT tier rejects table imports and exports).
  for (const TableType& t : compiled ? std::vector<TableType>() : m.tables) {
    if (t.limits.min > limits_.max_table_size) return resourceExhausted("table size exceeds the instance limit");
    tables_.push_back(std::make_shared<Table>(t, limits_.max_table_size));
  }
  // Compiled code built for guard pages needs its memory inside a guard
  // reservation (else it runs a bounds-checked build: aot::instantiate).
  const bool guard = compiled && aot::wantsGuardRegion(module_->code());
  for (const MemoryType& mt : m.memories) {
    auto mem = Memory::create(mt, limits_.max_memory_pages, guard);
    if (!mem) return mem.status();
    memories_.push_back(std::move(mem.value()));
  }
  for (auto& f : funcs_) func_ptrs_.push_back(f.get());
  for (auto& t : tables_) table_ptrs_.push_back(t.get());
  memory0_ = memories_.empty() ? nullptr : memories_[0].get();

  auto eval = [&](const ConstExpr& e) -> Value {
    switch (e.kind) {
      case ConstExpr::Kind::kI32Const: return Value::fromI32(e.i32());
      case ConstExpr::Kind::kI64Const: return Value::fromI64(e.i64());
      case ConstExpr::Kind::kF32Const: return Value::fromF32Bits(e.f32Bits());
      case ConstExpr::Kind::kF64Const: return Value::fromF64Bits(e.f64Bits());
      case ConstExpr::Kind::kV128Const: return Value::fromV128(e.v128);
      case ConstExpr::Kind::kRefNull: return Value::fromRef(toValType(e.ref_type), kNullRef);
      case ConstExpr::Kind::kRefFunc:
        return Value::fromRef(ValType::kFuncRef, reinterpret_cast<Ref>(func_ptrs_[e.index]));
      case ConstExpr::Kind::kGlobalGet: return globals_[e.index]->get();
    }
    return Value();
  };

  // 3. Globals, in order (an initializer may read an earlier global).
  for (const wasm::Global& g : m.globals) {
    globals_.push_back(std::make_shared<Global>(g.type, eval(g.init)));
  }
  for (auto& g : globals_) global_slots_.push_back(g->slots_);

  if (compiled) {
    // 4-5. The compiled code applies its element and data segments.
    if (Status s = aot::instantiate(*this, aot_); !s.isOk()) return s;
  } else if (Status s = initializeSegments(eval); !s.isOk()) {
    return s;
  }

  // 6. Start function.
  if (m.start) {
    // Whatever the start function stores into shared tables must stay valid.
    if (m.num_imported_tables > 0 || m.num_imported_funcs > 0) escaped_ = true;
    if (auto trap = call(*func_ptrs_[*m.start], {}, {})) {
      return failedPrecondition("trap: " + trap->message);
    }
  }
  return Status::ok();
}

Status Instance::initializeSegments(const std::function<Value(const ConstExpr&)>& eval) {
  const wasm::Module& m = module_->decoded();
  // 4. Element segments resolved to references; passive ones stay available.
  elem_segments_.resize(m.elements.size());
  for (size_t i = 0; i < m.elements.size(); ++i) {
    auto& refs = elem_segments_[i];
    refs.reserve(m.elements[i].items.size());
    for (const ConstExpr& item : m.elements[i].items) refs.push_back(eval(item).ref);
  }
  data_dropped_.assign(m.data.size(), false);

  // 5. Active segments, in order; the first out-of-range one traps and the
  //    writes of earlier ones stay (Wasm 2.0 semantics).
  for (size_t i = 0; i < m.elements.size(); ++i) {
    const ElementSegment& seg = m.elements[i];
    if (seg.mode == SegmentMode::kActive) {
      uint64_t offset = static_cast<uint32_t>(eval(seg.offset).i32);
      Table& t = *table_ptrs_[seg.table_index];
      auto& refs = elem_segments_[i];
      if (offset + refs.size() > t.size()) {
        return failedPrecondition("trap: out of bounds table access");
      }
      if (!refs.empty() && seg.table_index < m.num_imported_tables) escaped_ = true;
      for (size_t k = 0; k < refs.size(); ++k) t.elems_[offset + k] = refs[k];
    }
    if (seg.mode != SegmentMode::kPassive) elem_segments_[i].clear();
  }
  for (size_t i = 0; i < m.data.size(); ++i) {
    const DataSegment& seg = m.data[i];
    if (seg.mode != SegmentMode::kActive) continue;
    uint64_t offset = static_cast<uint32_t>(eval(seg.offset).i32);
    Memory* mem = memories_[seg.memory_index].get();
    if (offset + seg.data_size > mem->sizeBytes()) {
      return failedPrecondition("trap: out of bounds memory access");
    }
    if (seg.data_size) std::memcpy(mem->base_ + offset, m.bytes.data() + seg.data_offset, seg.data_size);
    data_dropped_[i] = true;
  }
  return Status::ok();
}

}  // namespace weir::wasm::runtime

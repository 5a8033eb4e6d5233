#include "wasm/runtime/objects.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace weir::wasm::runtime {

uint32_t canonicalTypeId(const FuncType& type) {
  static std::mutex mu;
  static std::unordered_map<FuncType, uint32_t>* ids = new std::unordered_map<FuncType, uint32_t>();
  std::lock_guard<std::mutex> lock(mu);
  auto [it, inserted] = ids->try_emplace(type, static_cast<uint32_t>(ids->size()));
  return it->second;
}

Function::Function(FuncType type, HostFn fn, void* user_data, std::string debug_name)
    : host_fn_(fn), user_data_(user_data), debug_name_(std::move(debug_name)), owned_type_(std::move(type)) {
  type_ = &owned_type_;
  type_id_ = canonicalTypeId(owned_type_);
}

namespace {

// host_fn_ of a slot host function: the Value path (Instance::call on it,
// another instance's import thunk) converted to slots.
Status callSlotHost(Caller& caller, void* user_data, const Value* args, Value* results) {
  auto& f = *static_cast<Function*>(user_data);
  const FuncType& t = f.type();
  std::vector<uint64_t> slots(std::max<size_t>({1, t.numParams(), t.numResults()}));
  for (size_t i = 0; i < t.numParams(); ++i) valueToSlots(args[i], &slots[i]);
  Status s = f.slot_fn_(caller, f.slot_user_data_, slots.data());
  if (!s.isOk()) return s;
  for (size_t i = 0; i < t.numResults(); ++i) results[i] = slotsToValue(t.results()[i], &slots[i]);
  return Status::ok();
}

}  // namespace

Function::Function(FuncType type, SlotHostFn fn, void* user_data, std::string debug_name)
    : Function(std::move(type), &callSlotHost, this, std::move(debug_name)) {
  slot_fn_ = fn;
  slot_user_data_ = user_data;
}

bool hasScalarSignature(const FuncType& t) {
  auto scalar = [](ValType v) {
    return v == ValType::kI32 || v == ValType::kI64 || v == ValType::kF32 || v == ValType::kF64;
  };
  return std::all_of(t.params().begin(), t.params().end(), scalar) &&
         std::all_of(t.results().begin(), t.results().end(), scalar);
}

Function::Function(const FuncType* type, Instance* instance, uint32_t func_index,
                   const interp::CompiledFunc* code)
    : type_(type), type_id_(canonicalTypeId(*type)), instance_(instance), func_index_(func_index), code_(code) {}

Result<std::shared_ptr<Memory>> Memory::create(const MemoryType& type, uint32_t max_pages_limit) {
  return create(type, max_pages_limit, false);
}

Result<std::shared_ptr<Memory>> Memory::create(const MemoryType& type, uint32_t max_pages_limit,
                                               bool guard_region) {
  uint32_t max_pages = type.limits.has_max ? type.limits.max : kMaxMemoryPages;
  if (max_pages > max_pages_limit) max_pages = max_pages_limit;
  if (max_pages > kMaxMemoryPages) max_pages = kMaxMemoryPages;
  if (type.limits.min > max_pages) {
    return resourceExhausted("memory minimum of " + std::to_string(type.limits.min) +
                             " pages exceeds the limit of " + std::to_string(max_pages));
  }
  std::shared_ptr<Memory> m(new Memory());
  m->type_ = type;
  m->max_pages_ = max_pages;
  m->reserved_ = uint64_t{max_pages} * kPageSize;
  if (guard_region) {
    void* p = mmap(nullptr, kGuardReservation, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p != MAP_FAILED) {
      m->base_ = static_cast<uint8_t*>(p);
      m->reserved_ = kGuardReservation;
      m->guarded_ = true;
    }
  }
  if (m->reserved_ > 0 && !m->guarded_) {
    void* p = mmap(nullptr, m->reserved_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return resourceExhausted("cannot reserve linear memory");
    m->base_ = static_cast<uint8_t*>(p);
  }
  if (m->grow(type.limits.min) < 0) return resourceExhausted("cannot commit linear memory");
  return m;
}

Memory::~Memory() {
  if (base_) munmap(base_, reserved_);
}

int32_t Memory::grow(uint32_t delta_pages) {
  uint32_t old = pages();
  if (uint64_t{old} + delta_pages > max_pages_) return -1;
  if (delta_pages == 0) return static_cast<int32_t>(old);
  uint64_t new_size = (uint64_t{old} + delta_pages) * kPageSize;
  if (mprotect(base_ + size_, new_size - size_, PROT_READ | PROT_WRITE) != 0) return -1;
  size_ = new_size;
  pages_ = old + delta_pages;
  return static_cast<int32_t>(old);
}

std::optional<std::span<uint8_t>> Memory::span(uint64_t offset, uint64_t length) {
  if (offset > size_ || length > size_ - offset) return std::nullopt;
  return std::span<uint8_t>(base_ + offset, length);
}
std::optional<std::span<const uint8_t>> Memory::span(uint64_t offset, uint64_t length) const {
  if (offset > size_ || length > size_ - offset) return std::nullopt;
  return std::span<const uint8_t>(base_ + offset, length);
}
bool Memory::read(uint64_t offset, void* out, uint64_t length) const {
  auto s = span(offset, length);
  if (!s) return false;
  if (length) std::memcpy(out, s->data(), length);
  return true;
}
bool Memory::write(uint64_t offset, const void* in, uint64_t length) {
  auto s = span(offset, length);
  if (!s) return false;
  if (length) std::memcpy(s->data(), in, length);
  return true;
}

Table::Table(const TableType& type, uint32_t max_size_limit, Ref init) : type_(type) {
  max_size_ = type.limits.has_max ? type.limits.max : UINT32_MAX;
  if (max_size_ > max_size_limit) max_size_ = max_size_limit;
  elems_.assign(type.limits.min, init);
}

int32_t Table::grow(uint32_t delta, Ref init) {
  uint64_t old = elems_.size();
  if (old + delta > max_size_) return -1;
  elems_.resize(old + delta, init);
  return static_cast<int32_t>(old);
}

Global::Global(const GlobalType& type, const Value& init) : type_(type) { valueToSlots(init, slots_); }

Value Global::get() const { return slotsToValue(type_.type, slots_); }

Status Global::set(const Value& v) {
  if (!type_.is_mutable) return failedPrecondition("global is immutable");
  if (v.type != type_.type) return invalidArgument("global type mismatch");
  valueToSlots(v, slots_);
  return Status::ok();
}

void valueToSlots(const Value& v, uint64_t* slots) {
  switch (v.type) {
    case ValType::kI32: slots[0] = static_cast<uint32_t>(v.i32); break;
    case ValType::kF32: slots[0] = v.f32Bits(); break;
    case ValType::kV128: std::memcpy(slots, v.v128.bytes, 16); break;
    default: slots[0] = static_cast<uint64_t>(v.i64); break;
  }
}

Value slotsToValue(ValType type, const uint64_t* slots) {
  switch (type) {
    case ValType::kI32: return Value::fromI32(static_cast<int32_t>(slots[0]));
    case ValType::kI64: return Value::fromI64(static_cast<int64_t>(slots[0]));
    case ValType::kF32: return Value::fromF32Bits(static_cast<uint32_t>(slots[0]));
    case ValType::kF64: return Value::fromF64Bits(slots[0]);
    case ValType::kV128: {
      V128 v;
      std::memcpy(v.bytes, slots, 16);
      return Value::fromV128(v);
    }
    default: return Value::fromRef(type, slots[0]);
  }
}

}  // namespace weir::wasm::runtime

// Core WebAssembly 2.0 types shared by the decoder, validator, interpreter and
// embedders. Enumerators of ValType/RefType/ExternKind carry their binary
// encodings, so a decoded byte converts with a range check instead of a table.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace weir::wasm {

// Value types. Values are the binary encodings (valtype bytes).
enum class ValType : uint8_t {
  kI32 = 0x7F,
  kI64 = 0x7E,
  kF32 = 0x7D,
  kF64 = 0x7C,
  kV128 = 0x7B,
  kFuncRef = 0x70,
  kExternRef = 0x6F,
};

// Reference types: the subset of ValType usable as table element types.
enum class RefType : uint8_t {
  kFuncRef = 0x70,
  kExternRef = 0x6F,
};

inline constexpr ValType toValType(RefType r) { return static_cast<ValType>(r); }
inline constexpr bool isRefType(ValType t) { return t == ValType::kFuncRef || t == ValType::kExternRef; }
inline constexpr bool isNumType(ValType t) {
  return t == ValType::kI32 || t == ValType::kI64 || t == ValType::kF32 || t == ValType::kF64;
}
inline constexpr bool isValidValTypeByte(uint8_t b) {
  return (b >= 0x7B && b <= 0x7F) || b == 0x70 || b == 0x6F;
}
// Byte width of a value of this type in linear memory / a value slot (refs:
// pointer-sized, reported as 8).
inline constexpr uint32_t valTypeSize(ValType t) {
  switch (t) {
    case ValType::kI32: case ValType::kF32: return 4;
    case ValType::kI64: case ValType::kF64: return 8;
    case ValType::kV128: return 16;
    case ValType::kFuncRef: case ValType::kExternRef: return 8;
  }
  return 0;
}
// Text-format name: "i32", "funcref", ...
std::string_view valTypeName(ValType t);

// A function signature. Params and results live in one vector (params first)
// so the common small signatures cost one allocation, and comparisons/hashing
// are a single memcmp-like pass.
class FuncType {
 public:
  FuncType() = default;
  FuncType(std::span<const ValType> params, std::span<const ValType> results)
      : types_(params.begin(), params.end()), num_params_(static_cast<uint32_t>(params.size())) {
    types_.insert(types_.end(), results.begin(), results.end());
  }
  FuncType(std::initializer_list<ValType> params, std::initializer_list<ValType> results)
      : FuncType(std::span<const ValType>(params.begin(), params.size()),
                 std::span<const ValType>(results.begin(), results.size())) {}

  std::span<const ValType> params() const { return {types_.data(), num_params_}; }
  std::span<const ValType> results() const {
    return {types_.data() + num_params_, types_.size() - num_params_};
  }
  uint32_t numParams() const { return num_params_; }
  uint32_t numResults() const { return static_cast<uint32_t>(types_.size()) - num_params_; }

  bool operator==(const FuncType& o) const { return num_params_ == o.num_params_ && types_ == o.types_; }
  bool operator!=(const FuncType& o) const { return !(*this == o); }
  size_t hash() const {
    size_t h = 1469598103934665603ull ^ num_params_;
    for (ValType t : types_) h = (h ^ static_cast<uint8_t>(t)) * 1099511628211ull;
    return h;
  }
  // "(i32, i64) -> (f32)"
  std::string toString() const;

 private:
  std::vector<ValType> types_;
  uint32_t num_params_ = 0;
};

// Size limits of a table (elements) or memory (64 KiB pages).
struct Limits {
  uint32_t min = 0;
  uint32_t max = 0;      // meaningful only when has_max
  bool has_max = false;
  bool operator==(const Limits&) const = default;
};

struct TableType {
  RefType elem_type = RefType::kFuncRef;
  Limits limits;
  bool operator==(const TableType&) const = default;
};

struct MemoryType {
  Limits limits;  // in pages; spec maximum 65536
  bool operator==(const MemoryType&) const = default;
};

inline constexpr uint32_t kPageSize = 65536;
inline constexpr uint32_t kMaxMemoryPages = 65536;

struct GlobalType {
  ValType type = ValType::kI32;
  bool is_mutable = false;
  bool operator==(const GlobalType&) const = default;
};

// Import/export kinds; values are the binary encodings.
enum class ExternKind : uint8_t {
  kFunc = 0,
  kTable = 1,
  kMemory = 2,
  kGlobal = 3,
};
std::string_view externKindName(ExternKind k);  // "func", "table", "memory", "global"

// A 128-bit SIMD value, little-endian lanes as in linear memory. Lane access
// goes through memcpy so it is alignment- and aliasing-safe.
struct alignas(16) V128 {
  uint8_t bytes[16] = {};

  template <typename T>
  T lane(unsigned i) const {
    static_assert(std::is_trivially_copyable_v<T> && 16 % sizeof(T) == 0);
    T v;
    std::memcpy(&v, bytes + i * sizeof(T), sizeof(T));
    return v;
  }
  template <typename T>
  void setLane(unsigned i, T v) {
    static_assert(std::is_trivially_copyable_v<T> && 16 % sizeof(T) == 0);
    std::memcpy(bytes + i * sizeof(T), &v, sizeof(T));
  }
  template <typename T>
  static V128 splat(T v) {
    V128 r;
    for (unsigned i = 0; i < 16 / sizeof(T); ++i) r.setLane<T>(i, v);
    return r;
  }

  int8_t i8(unsigned i) const { return lane<int8_t>(i); }
  uint8_t u8(unsigned i) const { return bytes[i]; }
  int16_t i16(unsigned i) const { return lane<int16_t>(i); }
  uint16_t u16(unsigned i) const { return lane<uint16_t>(i); }
  int32_t i32(unsigned i) const { return lane<int32_t>(i); }
  uint32_t u32(unsigned i) const { return lane<uint32_t>(i); }
  int64_t i64(unsigned i) const { return lane<int64_t>(i); }
  uint64_t u64(unsigned i) const { return lane<uint64_t>(i); }
  float f32(unsigned i) const { return lane<float>(i); }
  double f64(unsigned i) const { return lane<double>(i); }

  bool operator==(const V128& o) const { return std::memcmp(bytes, o.bytes, 16) == 0; }
  bool operator!=(const V128& o) const { return !(*this == o); }
};
static_assert(sizeof(V128) == 16);

}  // namespace weir::wasm

template <>
struct std::hash<weir::wasm::FuncType> {
  size_t operator()(const weir::wasm::FuncType& t) const noexcept { return t.hash(); }
};

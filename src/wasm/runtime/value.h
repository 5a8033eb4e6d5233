// Values as embedders see them: a type tag plus the payload. Inside the
// interpreter values are untagged 64-bit slots (v128 takes two); a Value is only
// built at the boundary (host calls, exported-function calls, globals).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "wasm/types.h"

namespace weir::wasm::runtime {

// A reference as stored in a slot or table: 0 is null. A funcref is the address
// of a runtime::Function; an externref is whatever non-zero word the embedder
// chose (the interpreter never dereferences it).
using Ref = uint64_t;
inline constexpr Ref kNullRef = 0;

struct Value {
  ValType type = ValType::kI32;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    Ref ref;
  };
  V128 v128;  // separate member: keeps the union 8 bytes and v128 aligned

  Value() : i64(0) {}
  static Value fromI32(int32_t v) { Value r; r.type = ValType::kI32; r.i64 = 0; r.i32 = v; return r; }
  static Value fromU32(uint32_t v) { return fromI32(static_cast<int32_t>(v)); }
  static Value fromI64(int64_t v) { Value r; r.type = ValType::kI64; r.i64 = v; return r; }
  static Value fromF32(float v) { Value r; r.type = ValType::kF32; r.i64 = 0; r.f32 = v; return r; }
  static Value fromF64(double v) { Value r; r.type = ValType::kF64; r.f64 = v; return r; }
  static Value fromV128(const V128& v) { Value r; r.type = ValType::kV128; r.v128 = v; return r; }
  static Value fromRef(ValType t, Ref v) { Value r; r.type = t; r.ref = v; return r; }
  static Value zero(ValType t) { Value r; r.type = t; return r; }

  // Bit patterns, so NaN payloads survive comparisons and printing.
  uint32_t f32Bits() const { uint32_t b; std::memcpy(&b, &f32, 4); return b; }
  uint64_t f64Bits() const { uint64_t b; std::memcpy(&b, &f64, 8); return b; }
  static Value fromF32Bits(uint32_t b) { Value r = fromF32(0); std::memcpy(&r.f32, &b, 4); return r; }
  static Value fromF64Bits(uint64_t b) { Value r = fromF64(0); std::memcpy(&r.f64, &b, 8); return r; }

  // "i32:42", "f64:0x1p+0", "funcref:null" ...
  std::string toString() const;
};

// Maps C++ types to Wasm value types for the typed call helpers.
template <typename T> struct WasmTypeOf;
template <> struct WasmTypeOf<int32_t> { static constexpr ValType kType = ValType::kI32; };
template <> struct WasmTypeOf<uint32_t> { static constexpr ValType kType = ValType::kI32; };
template <> struct WasmTypeOf<int64_t> { static constexpr ValType kType = ValType::kI64; };
template <> struct WasmTypeOf<uint64_t> { static constexpr ValType kType = ValType::kI64; };
template <> struct WasmTypeOf<float> { static constexpr ValType kType = ValType::kF32; };
template <> struct WasmTypeOf<double> { static constexpr ValType kType = ValType::kF64; };

template <typename T>
Value toValue(T v) {
  if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t>) return Value::fromI32(static_cast<int32_t>(v));
  else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) return Value::fromI64(static_cast<int64_t>(v));
  else if constexpr (std::is_same_v<T, float>) return Value::fromF32(v);
  else return Value::fromF64(v);
}

template <typename T>
T fromValue(const Value& v) {
  if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, uint32_t>) return static_cast<T>(v.i32);
  else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) return static_cast<T>(v.i64);
  else if constexpr (std::is_same_v<T, float>) return v.f32;
  else return v.f64;
}

}  // namespace weir::wasm::runtime

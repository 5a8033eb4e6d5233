#include "wasm/types.h"

namespace weir::wasm {

std::string_view valTypeName(ValType t) {
  switch (t) {
    case ValType::kI32: return "i32";
    case ValType::kI64: return "i64";
    case ValType::kF32: return "f32";
    case ValType::kF64: return "f64";
    case ValType::kV128: return "v128";
    case ValType::kFuncRef: return "funcref";
    case ValType::kExternRef: return "externref";
  }
  return "?";
}

std::string_view externKindName(ExternKind k) {
  switch (k) {
    case ExternKind::kFunc: return "func";
    case ExternKind::kTable: return "table";
    case ExternKind::kMemory: return "memory";
    case ExternKind::kGlobal: return "global";
  }
  return "?";
}

std::string FuncType::toString() const {
  std::string out = "(";
  auto append = [&out](std::span<const ValType> list) {
    for (size_t i = 0; i < list.size(); ++i) {
      if (i) out += ", ";
      out += valTypeName(list[i]);
    }
  };
  append(params());
  out += ") -> (";
  append(results());
  out += ")";
  return out;
}

}  // namespace weir::wasm

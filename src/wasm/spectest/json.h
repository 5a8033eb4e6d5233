// A small JSON reader for wast2json output. The engine library depends on
// src/base only, so it carries this instead of a third-party parser; it reads
// the whole document into a tree with an explicit nesting limit.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace weir::wasm::spectest {

struct Json {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // kString: decoded string; kNumber: the literal
  std::vector<Json> items;                            // kArray
  // kObject: keys[i] names values[i] (two vectors: std::pair of an incomplete
  // type is rejected by clang with libstdc++).
  std::vector<std::string> keys;
  std::vector<Json> values;

  // Member lookup; null when absent or not an object.
  const Json* get(std::string_view key) const;
  // The member's string (or number literal), or `fallback`.
  std::string str(std::string_view key, std::string fallback = {}) const;
};

inline constexpr int kMaxJsonDepth = 64;

Result<Json> parseJson(std::string_view text);

}  // namespace weir::wasm::spectest

// A bounded, position-annotated copy of a YAML document. yaml-cpp does the
// tokenizing; this tree is what the loader walks, so that depth, node count
// (alias expansion included) and duplicate keys are checked once, up front,
// and every later error can name its line and column.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace weir::config {

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  struct Entry;

  Kind kind = Kind::kNull;
  std::string scalar;
  bool plain = true;  // an unquoted scalar (may be a number, bool or null)
  std::vector<YamlNode> items;  // kSequence
  std::vector<Entry> entries;   // kMap, in document order
  int line = 0;                 // 1-based
  int column = 0;

  bool isMap() const { return kind == Kind::kMap; }
  bool isNull() const { return kind == Kind::kNull; }
  const YamlNode* find(std::string_view key) const;
};

struct YamlNode::Entry {
  std::string key;
  int line = 0;
  int column = 0;
  YamlNode value;
};

struct YamlParseError {
  int line = 0;
  int column = 0;
  std::string message;
};

struct YamlLimits {
  size_t max_depth = 64;
  size_t max_nodes = 100000;
};

// Parses one YAML document. On failure returns false and fills `error`.
bool parseYamlTree(std::string_view text, const YamlLimits& limits, YamlNode& out,
                   YamlParseError& error);

// Proto-JSON view of a subtree: plain scalars become null/bool/numbers when
// they look like one, quoted scalars stay strings. Depth is bounded by the
// tree (already checked against YamlLimits::max_depth).
nlohmann::json yamlToJson(const YamlNode& node);

}  // namespace weir::config

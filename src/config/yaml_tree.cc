#include "config/yaml_tree.h"

#include <charconv>
#include <cmath>
#include <exception>
#include <optional>
#include <sstream>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

namespace weir::config {

const YamlNode* YamlNode::find(std::string_view key) const {
  for (const auto& e : entries) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

namespace {

// yaml-cpp recurses once per nesting level while parsing; reject deep flow
// nesting ("[[[[...") before handing the text over so its stack use stays small.
bool flowDepthWithin(std::string_view text, size_t max_depth, YamlParseError& error) {
  size_t depth = 0;
  int line = 1;
  int column = 0;
  char quote = 0;
  bool comment = false;
  for (char c : text) {
    ++column;
    if (c == '\n') {
      ++line;
      column = 0;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      comment = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        error = {line, column, fmt::format("nesting deeper than {} levels", max_depth)};
        return false;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

// Counts the documents of a stream, stopping at the second. YAML::LoadAll
// cannot be used on untrusted text: yaml-cpp 0.7 never ends a stream in which
// a document is followed by a stray ',' (",", "{a: 1},"), producing empty
// documents until memory runs out. The parser's document loop is bounded
// here instead; the only document is then built by YAML::Load, which stops
// after the first.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (!first_mark_) first_mark_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { note(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { note(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    note(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    note(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    note(mark);
  }
  void OnMapEnd() override {}

  // Where the current document's first node is (for the error message).
  YAML::Mark mark() const { return node_mark_ ? *node_mark_ : first_mark_ ? *first_mark_ : YAML::Mark::null_mark(); }
  void nextDocument() {
    first_mark_.reset();
    node_mark_.reset();
  }

 private:
  void note(const YAML::Mark& mark) {
    if (!node_mark_) node_mark_ = mark;
  }
  std::optional<YAML::Mark> first_mark_;
  std::optional<YAML::Mark> node_mark_;
};

// 0, 1, or 2 meaning "more than one" (with where the second one starts).
size_t countDocuments(const std::string& text, YAML::Mark& second) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  size_t docs = 0;
  while (docs < 2) {
    counter.nextDocument();
    if (!parser.HandleNextDocument(counter)) break;
    ++docs;
    if (docs == 2) second = counter.mark();
  }
  return docs;
}

struct Pending {
  YAML::Node src;
  YamlNode* dst;
  size_t depth;
};

}  // namespace

bool parseYamlTree(std::string_view text, const YamlLimits& limits, YamlNode& out,
                   YamlParseError& error) {
  if (!flowDepthWithin(text, limits.max_depth, error)) return false;
  std::vector<YAML::Node> docs;
  try {
    const std::string owned(text);
    YAML::Mark second;
    const size_t count = countDocuments(owned, second);
    if (count > 1) {
      error = {second.line + 1, second.column + 1, "more than one YAML document; a bootstrap is exactly one"};
      return false;
    }
    if (count == 1) docs.push_back(YAML::Load(owned));
  } catch (const YAML::Exception& e) {
    error = {e.mark.line + 1, e.mark.column + 1, e.msg};
    return false;
  } catch (const std::exception& e) {
    error = {0, 0, e.what()};
    return false;
  }
  out = YamlNode{};
  if (docs.empty()) return true;

  try {
    size_t nodes = 0;
    std::vector<Pending> stack;
    stack.push_back({docs[0], &out, 1});
    while (!stack.empty()) {
      Pending p = std::move(stack.back());
      stack.pop_back();
      if (++nodes > limits.max_nodes) {
        error = {p.src.Mark().line + 1, p.src.Mark().column + 1,
                 fmt::format("more than {} YAML nodes (aliases count each time they are used)",
                             limits.max_nodes)};
        return false;
      }
      if (p.depth > limits.max_depth) {
        error = {p.src.Mark().line + 1, p.src.Mark().column + 1,
                 fmt::format("nesting deeper than {} levels", limits.max_depth)};
        return false;
      }
      YamlNode& dst = *p.dst;
      const YAML::Mark mark = p.src.Mark();
      dst.line = mark.line + 1;
      dst.column = mark.column + 1;
      switch (p.src.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
          dst.kind = YamlNode::Kind::kNull;
          break;
        case YAML::NodeType::Scalar:
          dst.kind = YamlNode::Kind::kScalar;
          dst.scalar = p.src.Scalar();
          dst.plain = p.src.Tag() != "!";
          break;
        case YAML::NodeType::Sequence: {
          dst.kind = YamlNode::Kind::kSequence;
          // Sized before any child pointer is taken: the vector never grows again.
          dst.items.resize(p.src.size());
          size_t i = 0;
          for (const auto& child : p.src) stack.push_back({child, &dst.items[i++], p.depth + 1});
          break;
        }
        case YAML::NodeType::Map: {
          dst.kind = YamlNode::Kind::kMap;
          dst.entries.resize(p.src.size());
          std::unordered_set<std::string_view> seen;
          size_t i = 0;
          for (const auto& kv : p.src) {
            YamlNode::Entry& entry = dst.entries[i++];
            const YAML::Mark key_mark = kv.first.Mark();
            entry.line = key_mark.line + 1;
            entry.column = key_mark.column + 1;
            if (!kv.first.IsScalar()) {
              error = {entry.line, entry.column, "map keys must be plain strings"};
              return false;
            }
            entry.key = kv.first.Scalar();
            // Entries never move after resize(), so views of their keys stay valid.
            if (!seen.insert(entry.key).second) {
              error = {entry.line, entry.column, fmt::format("duplicate key '{}'", entry.key)};
              return false;
            }
            stack.push_back({kv.second, &entry.value, p.depth + 1});
          }
          break;
        }
      }
    }
  } catch (const YAML::Exception& e) {
    error = {e.mark.line + 1, e.mark.column + 1, e.msg};
    return false;
  }
  return true;
}

namespace {

nlohmann::json scalarToJson(const YamlNode& node) {
  const std::string& s = node.scalar;
  if (!node.plain) return s;
  if (s == "null" || s == "Null" || s == "NULL" || s == "~" || s.empty()) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (s[0] == '-') {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(begin, end, v);
    if (ec == std::errc() && ptr == end) return v;
  } else {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(begin + (s[0] == '+' ? 1 : 0), end, v);
    if (ec == std::errc() && ptr == end) return v;
  }
  bool numeric_chars = true;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+')) {
      numeric_chars = false;
      break;
    }
  }
  if (numeric_chars) {
    double d = 0;
    auto [ptr, ec] = std::from_chars(begin, end, d);
    if (ec == std::errc() && ptr == end && std::isfinite(d)) return d;
  }
  return s;
}

}  // namespace

nlohmann::json yamlToJson(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return nullptr;
    case YamlNode::Kind::kScalar:
      return scalarToJson(node);
    case YamlNode::Kind::kSequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : node.items) arr.push_back(yamlToJson(item));
      return arr;
    }
    case YamlNode::Kind::kMap: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& e : node.entries) obj[e.key] = yamlToJson(e.value);
      return obj;
    }
  }
  return nullptr;
}

}  // namespace weir::config

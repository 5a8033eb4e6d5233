#include "wasm/spectest/json.h"

namespace weir::wasm::spectest {

const Json* Json::get(std::string_view key) const {
  if (type != Type::kObject) return nullptr;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == key) return &values[i];
  }
  return nullptr;
}

std::string Json::str(std::string_view key, std::string fallback) const {
  const Json* v = get(key);
  if (!v || (v->type != Type::kString && v->type != Type::kNumber)) return fallback;
  return v->text;
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Status parse(Json& out, int depth) {
    if (depth > kMaxJsonDepth) return fail("nesting too deep");
    skipWs();
    if (pos_ >= s_.size()) return fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') {
      out.type = Json::Type::kObject;
      ++pos_;
      skipWs();
      if (peek('}')) { ++pos_; return Status::ok(); }
      while (true) {
        skipWs();
        std::string key;
        WEIR_RETURN_IF_ERROR(parseString(key));
        skipWs();
        if (!peek(':')) return fail("expected ':'");
        ++pos_;
        Json v;
        WEIR_RETURN_IF_ERROR(parse(v, depth + 1));
        out.keys.push_back(std::move(key));
        out.values.push_back(std::move(v));
        skipWs();
        if (peek(',')) { ++pos_; continue; }
        if (peek('}')) { ++pos_; return Status::ok(); }
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      out.type = Json::Type::kArray;
      ++pos_;
      skipWs();
      if (peek(']')) { ++pos_; return Status::ok(); }
      while (true) {
        Json v;
        WEIR_RETURN_IF_ERROR(parse(v, depth + 1));
        out.items.push_back(std::move(v));
        skipWs();
        if (peek(',')) { ++pos_; continue; }
        if (peek(']')) { ++pos_; return Status::ok(); }
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      out.type = Json::Type::kString;
      return parseString(out.text);
    }
    if (s_.substr(pos_, 4) == "true") { out.type = Json::Type::kBool; out.boolean = true; pos_ += 4; return Status::ok(); }
    if (s_.substr(pos_, 5) == "false") { out.type = Json::Type::kBool; pos_ += 5; return Status::ok(); }
    if (s_.substr(pos_, 4) == "null") { pos_ += 4; return Status::ok(); }
    size_t start = pos_;
    while (pos_ < s_.size() && (isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
                                s_[pos_] == '+' || s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
    }
    if (start == pos_) return fail("unexpected character");
    out.type = Json::Type::kNumber;
    out.text = std::string(s_.substr(start, pos_ - start));
    return Status::ok();
  }

  void skipWs() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  bool atEnd() { skipWs(); return pos_ == s_.size(); }

 private:
  bool peek(char c) const { return pos_ < s_.size() && s_[pos_] == c; }
  Status fail(const std::string& why) const {
    return invalidArgument("json: " + why + " at offset " + std::to_string(pos_));
  }
  static void appendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  bool hex4(uint32_t& v) {
    if (pos_ + 4 > s_.size()) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  }
  Status parseString(std::string& out) {
    if (!peek('"')) return fail("expected string");
    ++pos_;
    while (pos_ < s_.size()) {
      char c = s_[pos_++];
      if (c == '"') return Status::ok();
      if (c != '\\') { out += c; continue; }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!hex4(cp)) return fail("bad \\u escape");
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            uint32_t lo;
            if (!hex4(lo)) return fail("bad \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          appendUtf8(out, cp);
          break;
        }
        default: return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<Json> parseJson(std::string_view text) {
  Parser p(text);
  Json root;
  Status s = p.parse(root, 0);
  if (!s.isOk()) return s;
  if (!p.atEnd()) return invalidArgument("json: trailing characters");
  return root;
}

}  // namespace weir::wasm::spectest

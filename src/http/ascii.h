// Small ASCII helpers shared by the codec and the header utilities. HTTP
// names and tokens are ASCII and case-insensitive; locale-dependent
// <cctype> functions are wrong for them.
#pragma once

#include <string_view>

namespace weir::http::ascii {

inline char toLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline bool isOws(char c) { return c == ' ' || c == '\t'; }

inline bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (toLower(a[i]) != toLower(b[i])) return false;
  }
  return true;
}

inline std::string_view trimOws(std::string_view s) {
  while (!s.empty() && isOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && isOws(s.back())) s.remove_suffix(1);
  return s;
}

// Calls f(element) for every OWS-trimmed element of a comma-separated list
// (RFC 9110 §5.6.1), empty ones included so callers decide whether they are
// an error; f returns false to stop. Returns false if stopped.
template <typename F>
bool forEachListElement(std::string_view list, F&& f) {
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    const bool last = comma == std::string_view::npos;
    if (last) comma = list.size();
    if (!f(trimOws(list.substr(start, comma - start)))) return false;
    if (last) return true;
    start = comma + 1;
  }
}

}  // namespace weir::http::ascii

// The hub's README renderer on arbitrary bytes: never crashes, stays within
// its output bound, and emits no markup but its own balanced tags (every '<'
// in the output starts one of them, every attribute value is quoted and came
// through the escaper).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "hub/markdown.h"

namespace {

constexpr std::string_view kTags[] = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "pre",
                                      "code", "strong", "em", "a", "hr"};

std::string_view tagName(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9'))) ++n;
  return s.substr(0, n);
}

bool known(std::string_view name) {
  for (auto t : kTags) {
    if (t == name) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string out = weir::hub::renderMarkdown(in);
  if (out.size() > 16 * std::min(in.size(), weir::hub::kMaxMarkdownBytes) + 64) std::abort();
  std::vector<std::string_view> open;
  for (size_t i = out.find('<'); i != std::string::npos; i = out.find('<', i + 1)) {
    std::string_view rest = std::string_view(out).substr(i + 1);
    const bool closing = !rest.empty() && rest[0] == '/';
    if (closing) rest.remove_prefix(1);
    const std::string_view name = tagName(rest);
    if (!known(name)) std::abort();
    const size_t end = out.find('>', i);
    if (end == std::string::npos) std::abort();
    const std::string_view inside = std::string_view(out).substr(i, end - i);
    if (inside.find('<', 1) != std::string_view::npos) std::abort();
    if (name == "hr") continue;
    if (closing) {
      if (open.empty() || open.back() != name) std::abort();
      open.pop_back();
    } else {
      if (name != "a" && inside.size() != name.size() + 1) std::abort();  // no attributes but on <a>
      if (name == "a" && inside.find(" href=\"http") != 2) std::abort();
      open.push_back(name);
    }
  }
  if (!open.empty()) std::abort();
  return 0;
}

#include "hub/markdown.h"

#include <vector>

namespace weir::hub {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view trimLeft(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  return s;
}

bool isSafeUrl(std::string_view url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) return false;
  for (char c : url) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '`' || c == '\\') return false;
  }
  return true;
}

// Inline spans of one line. Emphasis markers open only when a closer follows
// on the line and close only the innermost open span, so tags nest properly;
// whatever is open at the end of the line is closed there.
void renderInline(std::string& out, std::string_view line) {
  enum Span { kStrong, kEm };
  std::vector<Span> open;
  auto tag = [](Span s, bool closing) {
    if (s == kStrong) return closing ? "</strong>" : "<strong>";
    return closing ? "</em>" : "<em>";
  };
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == '\\' && i + 1 < line.size() && std::string_view("\\`*_[]()#+-.!>").find(line[i + 1]) != std::string_view::npos) {
      appendEscapedHtml(out, line.substr(i + 1, 1));
      i += 2;
      continue;
    }
    if (c == '`') {
      auto end = line.find('`', i + 1);
      if (end != std::string_view::npos) {
        out += "<code>";
        appendEscapedHtml(out, line.substr(i + 1, end - i - 1));
        out += "</code>";
        i = end + 1;
        continue;
      }
    }
    if (c == '*') {
      const bool dbl = i + 1 < line.size() && line[i + 1] == '*';
      const Span s = dbl ? kStrong : kEm;
      const std::string_view marker = dbl ? "**" : "*";
      bool in_stack = false;
      for (Span o : open) in_stack = in_stack || o == s;
      if (!open.empty() && open.back() == s) {
        out += tag(s, true);
        open.pop_back();
        i += marker.size();
        continue;
      }
      if (!in_stack && line.find(marker, i + marker.size()) != std::string_view::npos &&
          i + marker.size() < line.size() && !isSpace(line[i + marker.size()])) {
        out += tag(s, false);
        open.push_back(s);
        i += marker.size();
        continue;
      }
    }
    if (c == '[') {
      auto close = line.find("](", i + 1);
      if (close != std::string_view::npos) {
        auto paren = line.find(')', close + 2);
        if (paren != std::string_view::npos) {
          std::string_view text = line.substr(i + 1, close - i - 1);
          std::string_view url = line.substr(close + 2, paren - close - 2);
          if (isSafeUrl(url) && text.find('[') == std::string_view::npos) {
            out += "<a href=\"";
            appendEscapedHtml(out, url);
            out += "\" rel=\"nofollow noopener noreferrer\">";
            appendEscapedHtml(out, text.empty() ? url : text);
            out += "</a>";
            i = paren + 1;
            continue;
          }
        }
      }
    }
    appendEscapedHtml(out, line.substr(i, 1));
    ++i;
  }
  while (!open.empty()) {
    out += tag(open.back(), true);
    open.pop_back();
  }
}

// "- x", "* x", "+ x" → 'u'; "12. x" → 'o'; else 0. `rest` is the item text.
char listItem(std::string_view line, std::string_view& rest) {
  std::string_view t = trimLeft(line);
  if (t.size() >= 2 && (t[0] == '-' || t[0] == '*' || t[0] == '+') && isSpace(t[1])) {
    rest = trimLeft(t.substr(2));
    return 'u';
  }
  size_t d = 0;
  while (d < t.size() && d < 9 && t[d] >= '0' && t[d] <= '9') ++d;
  if (d > 0 && d + 1 < t.size() && t[d] == '.' && isSpace(t[d + 1])) {
    rest = trimLeft(t.substr(d + 2));
    return 'o';
  }
  return 0;
}

bool isRule(std::string_view line) {
  std::string_view t = trimLeft(line);
  if (t.size() < 3) return false;
  const char m = t[0];
  if (m != '-' && m != '*' && m != '_') return false;
  int n = 0;
  for (char c : t) {
    if (c == m) {
      ++n;
    } else if (!isSpace(c)) {
      return false;
    }
  }
  return n >= 3;
}

}  // namespace

void appendEscapedHtml(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      case '\0': out += "\xEF\xBF\xBD"; break;  // U+FFFD, as HTML parsers do
      default: out += c;
    }
  }
}

std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  appendEscapedHtml(out, text);
  return out;
}

std::string renderMarkdown(std::string_view md) {
  if (md.size() > kMaxMarkdownBytes) md = md.substr(0, kMaxMarkdownBytes);
  std::string out;
  bool in_para = false, in_code = false;
  char list = 0;  // 'u', 'o' or 0
  auto closeBlocks = [&]() {
    if (in_para) out += "</p>\n";
    if (list) out += list == 'u' ? "</ul>\n" : "</ol>\n";
    in_para = false;
    list = 0;
  };
  while (!md.empty()) {
    auto nl = md.find('\n');
    std::string_view line = md.substr(0, nl);
    md.remove_prefix(nl == std::string_view::npos ? md.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (in_code) {
      if (trimLeft(line).rfind("```", 0) == 0) {
        out += "</code></pre>\n";
        in_code = false;
      } else {
        appendEscapedHtml(out, line);
        out += '\n';
      }
      continue;
    }
    std::string_view t = trimLeft(line);
    if (t.rfind("```", 0) == 0) {
      closeBlocks();
      out += "<pre><code>";
      in_code = true;
      continue;
    }
    if (t.empty()) {
      closeBlocks();
      continue;
    }
    if (t[0] == '#') {
      size_t level = 0;
      while (level < t.size() && t[level] == '#') ++level;
      if (level <= 6 && (level == t.size() || isSpace(t[level]))) {
        closeBlocks();
        std::string_view text = trimLeft(t.substr(level));
        while (!text.empty() && (text.back() == '#' || isSpace(text.back()))) text.remove_suffix(1);
        const char n = static_cast<char>('0' + level);
        out += "<h";
        out += n;
        out += '>';
        renderInline(out, text);
        out += "</h";
        out += n;
        out += ">\n";
        continue;
      }
    }
    if (isRule(t)) {
      closeBlocks();
      out += "<hr>\n";
      continue;
    }
    std::string_view item;
    if (char kind = listItem(line, item)) {
      if (in_para || list != kind) closeBlocks();
      if (!list) out += kind == 'u' ? "<ul>\n" : "<ol>\n";
      list = kind;
      out += "<li>";
      renderInline(out, item);
      out += "</li>\n";
      continue;
    }
    if (list) closeBlocks();
    if (!in_para) {
      out += "<p>";
      in_para = true;
    } else {
      out += '\n';
    }
    renderInline(out, t);
  }
  if (in_code) out += "</code></pre>\n";
  closeBlocks();
  return out;
}

}  // namespace weir::hub

// weir::hub Markdown → HTML for repository READMEs: a safe subset, written
// for untrusted input. Block level: ATX headings, paragraphs, "-", "*", "+"
// and "1." lists (one level), fenced code blocks, horizontal rules. Inline:
// `code`, **strong**, *emphasis*, [text](http(s)://url) and backslash
// escapes. Everything else is text. Every byte of input reaches the output
// only escaped; links are emitted only for http: and https: URLs, with
// rel="nofollow noopener noreferrer". Tags are always balanced.
//
// One pass over lines, no recursion, input capped at kMaxMarkdownBytes
// (the rest is dropped), output at most ~12x the input.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weir::hub {

constexpr size_t kMaxMarkdownBytes = 64 * 1024;

std::string renderMarkdown(std::string_view markdown);

// & < > " ' as entities: safe in element content and quoted attributes.
std::string escapeHtml(std::string_view text);
void appendEscapedHtml(std::string& out, std::string_view text);

}  // namespace weir::hub

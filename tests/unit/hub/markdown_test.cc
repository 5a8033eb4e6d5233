// The README renderer: the subset it supports, and that untrusted input only
// ever comes out escaped.
#include <gtest/gtest.h>

#include "hub/markdown.h"

namespace weir::hub {
namespace {

TEST(MarkdownTest, RendersHeadingsParagraphsAndLists) {
  EXPECT_EQ(renderMarkdown("# Title\n\nSome text\nmore\n\n- a\n- b\n\n1. x\n2. y\n"),
            "<h1>Title</h1>\n<p>Some text\nmore</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
            "<ol>\n<li>x</li>\n<li>y</li>\n</ol>\n");
  EXPECT_EQ(renderMarkdown("### Three ###"), "<h3>Three</h3>\n");
  EXPECT_EQ(renderMarkdown("####### seven"), "<p>####### seven</p>\n");
  EXPECT_EQ(renderMarkdown("---"), "<hr>\n");
}

TEST(MarkdownTest, RendersInlineSpans) {
  EXPECT_EQ(renderMarkdown("a `x<y` **b** *c* d"), "<p>a <code>x&lt;y</code> <strong>b</strong> <em>c</em> d</p>\n");
  EXPECT_EQ(renderMarkdown("\\*not em\\*"), "<p>*not em*</p>\n");
  EXPECT_EQ(renderMarkdown("snake_case_name"), "<p>snake_case_name</p>\n");
}

TEST(MarkdownTest, EmphasisAlwaysNestsProperly) {
  // The inner "**" cannot close strong while em is open: its first star closes em.
  EXPECT_EQ(renderMarkdown("**a *b** c*"), "<p><strong>a <em>b*</em> c*</strong></p>\n");
  EXPECT_EQ(renderMarkdown("*open only"), "<p>*open only</p>\n");
}

TEST(MarkdownTest, FencedCodeIsEscapedVerbatim) {
  EXPECT_EQ(renderMarkdown("```yaml\n<script>alert(1)</script>\n  **x**\n```\nafter"),
            "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n  **x**\n</code></pre>\n<p>after</p>\n");
  EXPECT_EQ(renderMarkdown("```\nunterminated"), "<pre><code>unterminated\n</code></pre>\n");
}

TEST(MarkdownTest, LinksOnlyForHttpAndHttps) {
  EXPECT_EQ(renderMarkdown("[docs](https://example.com/a?b=1&c=2)"),
            "<p><a href=\"https://example.com/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\">docs</a></p>\n");
  EXPECT_EQ(renderMarkdown("[x](javascript:alert(1))"), "<p>[x](javascript:alert(1))</p>\n");
  EXPECT_EQ(renderMarkdown("[x](http://a\"onmouseover=\"x)"), "<p>[x](http://a&quot;onmouseover=&quot;x)</p>\n");
  EXPECT_EQ(renderMarkdown("[x](data:text/html,hi)"), "<p>[x](data:text/html,hi)</p>\n");
}

TEST(MarkdownTest, RawHtmlIsText) {
  EXPECT_EQ(renderMarkdown("<img src=x onerror=alert(1)> & 'q'"),
            "<p>&lt;img src=x onerror=alert(1)&gt; &amp; &#39;q&#39;</p>\n");
  EXPECT_EQ(renderMarkdown("# <b>h</b>"), "<h1>&lt;b&gt;h&lt;/b&gt;</h1>\n");
}

TEST(MarkdownTest, InputIsCapped) {
  std::string big(kMaxMarkdownBytes + 1000, 'a');
  std::string out = renderMarkdown(big);
  EXPECT_EQ(out.size(), kMaxMarkdownBytes + std::string("<p></p>\n").size());
}

}  // namespace
}  // namespace weir::hub

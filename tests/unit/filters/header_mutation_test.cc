#include "filters/header_mutation/header_mutation_filter.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/header_map.h"

namespace weir::filters::header_mutation {
namespace {

using json = nlohmann::json;

std::shared_ptr<const HeaderMutationConfig> parse(const json& j) {
  auto c = parseHeaderMutationConfig(j);
  EXPECT_TRUE(c.isOk()) << c.status().toString();
  return c.isOk() ? c.value() : nullptr;
}

TEST(HeaderMutationTest, AppliesRequestAndResponseMutationsInOrder) {
  auto config = parse(json::parse(R"({"mutations": {
    "request_mutations": [
      {"remove": "x-drop"},
      {"append": {"header": {"key": "X-Added", "value": "one"}}},
      {"append": {"header": {"key": "x-added", "value": "two"}}},
      {"append": {"header": {"key": "x-once", "value": "new"}, "append_action": "ADD_IF_ABSENT"}}
    ],
    "response_mutations": [
      {"append": {"header": {"key": "x-served-by", "value": "weir"}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}},
      {"append": {"header": {"key": "x-only-if", "value": "v"}, "append_action": "OVERWRITE_IF_EXISTS"}}
    ]}})"));
  ASSERT_NE(config, nullptr);
  HeaderMutationFilter filter(config);
  http::HeaderMap request;
  request.add("x-drop", "gone");
  request.add("x-once", "kept");
  EXPECT_EQ(filter.decodeHeaders(request, true), proxy::FilterHeadersStatus::kContinue);
  EXPECT_FALSE(request.has("x-drop"));
  EXPECT_EQ(request.getOr("x-once"), "kept");
  EXPECT_EQ(request.getAll("x-added"), (std::vector<std::string_view>{"one", "two"}));

  http::HeaderMap response;
  response.add("x-served-by", "nginx");
  EXPECT_EQ(filter.encodeHeaders(response, true), proxy::FilterHeadersStatus::kContinue);
  EXPECT_EQ(response.getOr("x-served-by"), "weir");
  EXPECT_FALSE(response.has("x-only-if"));
}

TEST(HeaderMutationTest, RejectsWhatItDoesNotSupportNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"mutations": {"request_trailers_mutations": []}})", "mutations.request_trailers_mutations"},
      {R"({"mutations": {"request_mutations": [{"append": {"header": {"key": "bad key", "value": "v"}}}]}})",
       "mutations.request_mutations[0].append.header.key"},
      {R"({"mutations": {"response_mutations": [{"append": {"header": {"key": "x", "value": "%START_TIME%"}}}]}})",
       "substitution formatters"},
      {R"({"mutations": {"response_mutations": [{"append": {"header": {"key": "x", "value": "a\r\nb"}}}]}})",
       "CR, LF and NUL"},
      {R"({"mutations": {"request_mutations": [{"remove": ":path"}]}})", "pseudo-headers"},
      {R"({"mutations": {"request_mutations": [{"remove": "a", "append": {}}]}})", "exactly one"},
      {R"({"mutations": {"request_mutations": [{"append": {"header": {"key": "x"}, "append_action": "SOMETIMES"}}]}})",
       "unknown append_action"},
      {R"({"most_specific_header_mutations_wins": true})", "most_specific_header_mutations_wins"},
  };
  for (const auto& [text, expected] : cases) {
    auto c = parseHeaderMutationConfig(json::parse(text));
    ASSERT_FALSE(c.isOk()) << text;
    EXPECT_NE(c.status().message().find(expected), std::string::npos) << c.status().message();
  }
}

}  // namespace
}  // namespace weir::filters::header_mutation

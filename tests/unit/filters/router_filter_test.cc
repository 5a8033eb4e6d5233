#include "filters/router/router_filter.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace weir::filters::router {
namespace {

using std::chrono::milliseconds;

TEST(RouterBackoffTest, StaysBelowExponentialCeilingCappedAtMax) {
  const milliseconds base(25), max(250);
  // attempt n: uniform in [0, min(25 * 2^n, 250)).
  const uint64_t ceilings[] = {25, 50, 100, 200, 250, 250, 250};
  for (uint32_t n = 0; n < 7; ++n) {
    EXPECT_EQ(RouterFilter::backoff(n, base, max, ceilings[n] - 1).count(),
              static_cast<int64_t>(ceilings[n] - 1));
    EXPECT_EQ(RouterFilter::backoff(n, base, max, ceilings[n]).count(), 0) << "wraps at the ceiling";
    for (uint64_t r : {0ull, 7ull, 123456789ull, ~0ull}) {
      EXPECT_LT(static_cast<uint64_t>(RouterFilter::backoff(n, base, max, r).count()), ceilings[n]);
    }
  }
}

TEST(RouterBackoffTest, ZeroBaseMeansNoDelay) {
  EXPECT_EQ(RouterFilter::backoff(3, milliseconds(0), milliseconds(0), 99).count(), 0);
}

class NullContext : public proxy::FactoryContext {
 public:
  stats::Store* statsStore() override { return nullptr; }
  const std::string& statPrefix() const override { return prefix_; }
  upstream::ClusterManager* clusterManager() override { return nullptr; }

 private:
  std::string prefix_ = "http.test.";
};

TEST(RouterFactoryTest, RegistersAsTerminalUnderEnvoyNameAndType) {
  proxy::FilterRegistry registry;
  registerRouterFilter(registry);
  auto* by_name = registry.find("envoy.filters.http.router");
  ASSERT_NE(by_name, nullptr);
  EXPECT_TRUE(by_name->isTerminalFilter());
  EXPECT_EQ(registry.find("x", kRouterTypeUrl), by_name);
}

TEST(RouterFactoryTest, AcceptsEmptyConfigAndRejectsUnknownFields) {
  proxy::FilterRegistry registry;
  registerRouterFilter(registry);
  auto* factory = registry.find("envoy.filters.http.router");
  ASSERT_NE(factory, nullptr);
  NullContext context;
  EXPECT_TRUE(factory->createFilterFactory(nlohmann::json::object(), context).isOk());
  EXPECT_TRUE(factory->createFilterFactory({{"suppress_envoy_headers", true}}, context).isOk());
  auto bad = factory->createFilterFactory({{"upstream_log", nlohmann::json::array()}}, context);
  ASSERT_FALSE(bad.isOk());
  EXPECT_NE(bad.status().message().find("upstream_log"), std::string::npos);
}

}  // namespace
}  // namespace weir::filters::router

#include "base/stats.h"

#include <cmath>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace weir::stats {
namespace {

TEST(StatsStore, SameNameReturnsSameCounter) {
  Store store;
  Counter& a = store.counter("cluster.a.upstream_rq_total");
  Counter& b = store.counter("cluster.a.upstream_rq_total");
  EXPECT_EQ(&a, &b);
  a.inc();
  b.add(4);
  EXPECT_EQ(store.findCounter("cluster.a.upstream_rq_total")->value(), 5u);
  EXPECT_EQ(store.findCounter("missing"), nullptr);
}

TEST(StatsStore, ConcurrentIncrementsAreNotLost) {
  Store store;
  Counter& c = store.counter("c");
  Gauge& g = store.gauge("g");
  Histogram& h = store.histogram("h");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        g.inc();
        h.recordValue(static_cast<uint64_t>(i));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000u);
  EXPECT_EQ(g.value(), 40000u);
  EXPECT_EQ(h.snapshot().count, 40000u);
}

TEST(Histogram, BucketsAreExactBelowSixteenAndWithinSixPercentAbove) {
  for (uint64_t v = 0; v < 16; ++v) EXPECT_EQ(Histogram::bucketUpperBound(Histogram::bucketIndex(v)), v);
  for (uint64_t v : {16ull, 17ull, 100ull, 1000ull, 123456ull, 1ull << 40, ~0ull}) {
    size_t idx = Histogram::bucketIndex(v);
    ASSERT_LT(idx, Histogram::kBucketCount);
    uint64_t upper = Histogram::bucketUpperBound(idx);
    EXPECT_GE(upper, v);
    EXPECT_LE(static_cast<double>(upper - v), 0.0625 * static_cast<double>(v)) << v;
    if (idx > 0) {
      EXPECT_LT(Histogram::bucketUpperBound(idx - 1), v) << v;
    }
  }
}

TEST(Histogram, PercentilesOfUniformValues) {
  Histogram h("rq_time", HistogramUnit::kMilliseconds);
  for (uint64_t v = 1; v <= 1000; ++v) h.recordValue(v);
  HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.sum, 500500u);
  EXPECT_NEAR(s.quantile(0.5), 500, 500 * 0.07);
  EXPECT_NEAR(s.quantile(0.9), 900, 900 * 0.07);
  EXPECT_NEAR(s.quantile(0.99), 990, 990 * 0.07);
  EXPECT_NEAR(s.quantile(0.999), 999, 999 * 0.07);
  EXPECT_EQ(s.quantile(0), 1);
  EXPECT_TRUE(std::isnan(Histogram("empty", HistogramUnit::kMilliseconds).snapshot().quantile(0.5)));
}

TEST(StatsRender, TextIsSortedNameColonValueThenHistograms) {
  Store store;
  store.counter("http.ingress.downstream_rq_total").add(3);
  store.gauge("cluster.b.upstream_cx_active").set(2);
  store.counter("cluster.a.upstream_rq_total").add(1);
  store.histogram("http.ingress.downstream_rq_time").recordValue(5);
  std::string text = renderStatsText(store);
  EXPECT_EQ(text,
            "cluster.a.upstream_rq_total: 1\n"
            "cluster.b.upstream_cx_active: 2\n"
            "http.ingress.downstream_rq_total: 3\n"
            "http.ingress.downstream_rq_time: P0(nan,5) P25(nan,5) P50(nan,5) P75(nan,5) "
            "P90(nan,5) P95(nan,5) P99(nan,5) P99.5(nan,5) P99.9(nan,5) P100(nan,5)\n");
}

TEST(StatsRender, RegexFilterSelectsMatchingNames) {
  Store store;
  store.counter("cluster.a.upstream_rq_total").add(1);
  store.counter("http.ingress.downstream_rq_total").add(2);
  auto filter = makeRegexStatsFilter("^cluster\\.");
  ASSERT_TRUE(filter.isOk());
  EXPECT_EQ(renderStatsText(store, *filter), "cluster.a.upstream_rq_total: 1\n");
  EXPECT_FALSE(makeRegexStatsFilter("(unclosed").isOk());
}

TEST(StatsRender, JsonHasEnvoyShape) {
  Store store;
  store.counter("a").add(7);
  store.histogram("h").recordValue(3);
  std::string json = renderStatsJson(store);
  EXPECT_NE(json.find("{\"name\":\"a\",\"value\":7}"), std::string::npos) << json;
  EXPECT_NE(json.find("\"supported_quantiles\":[0,25,50,75,90,95,99,99.5,99.9,100]"), std::string::npos) << json;
  EXPECT_NE(json.find("{\"name\":\"h\",\"values\":[{\"interval\":null,\"cumulative\":3}"), std::string::npos) << json;
}

TEST(StatsRender, PrometheusExtractsEnvoyTags) {
  Store store;
  store.counter("cluster.backend.upstream_rq_total").add(4);
  store.counter("cluster.backend.upstream_rq_2xx").add(3);
  store.gauge("listener.0.0.0.0_10000.downstream_cx_active").set(1);
  store.histogram("http.ingress_http.downstream_rq_time").recordValue(7);
  std::string p = renderStatsPrometheus(store);
  EXPECT_NE(p.find("# TYPE envoy_cluster_upstream_rq_total counter\n"
                   "envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\"} 4\n"),
            std::string::npos) << p;
  EXPECT_NE(p.find("envoy_cluster_upstream_rq_xx{envoy_cluster_name=\"backend\",envoy_response_code_class=\"2\"} 3"),
            std::string::npos) << p;
  EXPECT_NE(p.find("# TYPE envoy_listener_downstream_cx_active gauge\n"
                   "envoy_listener_downstream_cx_active{envoy_listener_address=\"0.0.0.0_10000\"} 1"),
            std::string::npos) << p;
  EXPECT_NE(p.find("envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"ingress_http\",le=\"5\"} 0"),
            std::string::npos) << p;
  EXPECT_NE(p.find("envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix=\"ingress_http\",le=\"10\"} 1"),
            std::string::npos) << p;
  EXPECT_NE(p.find("envoy_http_downstream_rq_time_count{envoy_http_conn_manager_prefix=\"ingress_http\"} 1"),
            std::string::npos) << p;
}

TEST(StatsRender, UntaggedNamesKeepTheirShape) {
  TaggedName t = extractTags("server.live");
  EXPECT_EQ(t.name, "server.live");
  EXPECT_TRUE(t.tags.empty());
}

}  // namespace
}  // namespace weir::stats

// The stats store: counters, gauges and latency histograms, named as Envoy
// names them ("cluster.backend.upstream_rq_total", "http.ingress_http.
// downstream_rq_2xx"). Stats are created by name at config time (one mutex,
// never on the hot path) and live as long as the Store; the references handed
// out stay valid, so the hot path only does relaxed atomic adds.
//
// The admin API renders them three ways, with an optional name filter:
//   renderStatsText        "name: value" lines, as Envoy's /stats
//   renderStatsJson        Envoy's /stats?format=json shape
//   renderStatsPrometheus  /stats/prometheus: "envoy_" names, with Envoy's
//                          default tag extraction (cluster name, HTTP stat
//                          prefix, listener address, response code class)
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace weir::stats {

class Counter {
 public:
  explicit Counter(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  void inc() { value_.fetch_add(1, std::memory_order_relaxed); }
  void add(uint64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::string name_;
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  explicit Gauge(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }
  void inc() { value_.fetch_add(1, std::memory_order_relaxed); }
  void dec() { value_.fetch_sub(1, std::memory_order_relaxed); }
  void add(uint64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void sub(uint64_t n) { value_.fetch_sub(n, std::memory_order_relaxed); }
  void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::string name_;
  std::atomic<uint64_t> value_{0};
};

enum class HistogramUnit { kUnspecified, kMilliseconds, kMicroseconds, kBytes };

// A consistent-enough copy of a histogram for rendering (taken with relaxed
// loads while writers continue; counts may be off by in-flight records).
struct HistogramSnapshot {
  uint64_t count = 0;
  uint64_t sum = 0;
  // (bucket upper bound inclusive, count) for every non-empty bucket, ascending.
  std::vector<std::pair<uint64_t, uint64_t>> buckets;
  // Value at quantile q in [0, 1] (0.5 = p50, 0.999 = p999); the upper bound
  // of the bucket holding it, capped to the largest recorded value's bucket.
  // NaN when count is 0.
  double quantile(double q) const;
  // Number of recorded values <= bound (bucket-resolution).
  uint64_t cumulativeCountAtOrBelow(double bound) const;
};

// Log-linear buckets: exact below 16, then 16 sub-buckets per power of two
// (at most ~6% relative error), covering the whole uint64 range. Recording is
// three relaxed atomic adds; no allocation, no lock.
class Histogram {
 public:
  static constexpr size_t kSubBucketBits = 4;
  static constexpr size_t kSubBuckets = size_t{1} << kSubBucketBits;
  static constexpr size_t kBucketCount = kSubBuckets + (64 - kSubBucketBits) * kSubBuckets;

  Histogram(std::string name, HistogramUnit unit) : name_(std::move(name)), unit_(unit) {}
  const std::string& name() const { return name_; }
  HistogramUnit unit() const { return unit_; }
  void recordValue(uint64_t value);
  HistogramSnapshot snapshot() const;

  static size_t bucketIndex(uint64_t value);
  static uint64_t bucketUpperBound(size_t index);

 private:
  std::string name_;
  HistogramUnit unit_;
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::array<std::atomic<uint64_t>, kBucketCount> buckets_{};
};

class Store {
 public:
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Get-or-create. Thread-safe; call at config time and keep the reference.
  Counter& counter(std::string_view name);
  Gauge& gauge(std::string_view name);
  Histogram& histogram(std::string_view name, HistogramUnit unit = HistogramUnit::kMilliseconds);

  // Lookups for the admin API and tests; null when absent.
  const Counter* findCounter(std::string_view name) const;
  const Gauge* findGauge(std::string_view name) const;
  const Histogram* findHistogram(std::string_view name) const;

  // Sorted by name. Stats created concurrently may or may not be included.
  std::vector<const Counter*> counters() const;
  std::vector<const Gauge*> gauges() const;
  std::vector<const Histogram*> histograms() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Counter>, std::less<>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>, std::less<>> gauges_;
  std::map<std::string, std::unique_ptr<Histogram>, std::less<>> histograms_;
};

// Returns true for the names to include. An empty std::function includes all.
using StatsFilter = std::function<bool(std::string_view name)>;
// Envoy's /stats?filter=REGEX: a name is included when the regex matches
// anywhere in it (ECMAScript syntax). Error on an invalid regex.
Result<StatsFilter> makeRegexStatsFilter(std::string_view regex);

// Counters and gauges merged and sorted ("name: 42"), then histograms as
// "name: P0(nan,v) P25(nan,v) P50 P75 P90 P95 P99 P99.5 P99.9 P100(nan,v)"
// (weir keeps cumulative values only, so the interval column is "nan").
std::string renderStatsText(const Store& store, const StatsFilter& filter = {});
// {"stats":[{"name":..,"value":..},...,{"histograms":{"supported_quantiles":[..],
//  "computed_quantiles":[{"name":..,"values":[{"interval":null,"cumulative":v},..]}]}}]}
std::string renderStatsJson(const Store& store, const StatsFilter& filter = {});
// Prometheus text exposition 0.0.4: "# TYPE envoy_x counter" then samples;
// histograms with Envoy's default bucket bounds, _sum and _count.
std::string renderStatsPrometheus(const Store& store, const StatsFilter& filter = {});

// Envoy's default tag extraction for one stat name: the Prometheus metric
// name ("envoy_cluster_upstream_rq_total") and its labels
// ({"envoy_cluster_name","backend"}). Exposed for tests and the admin API.
struct TaggedName {
  std::string name;
  std::vector<std::pair<std::string, std::string>> tags;
};
TaggedName extractTags(std::string_view stat_name);

}  // namespace weir::stats

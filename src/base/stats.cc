#include "base/stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <regex>

#include <fmt/format.h>

namespace weir::stats {

// --- Histogram ----------------------------------------------------------------

size_t Histogram::bucketIndex(uint64_t value) {
  if (value < kSubBuckets) return static_cast<size_t>(value);
  const unsigned msb = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= kSubBucketBits
  const unsigned shift = msb - kSubBucketBits;
  const size_t sub = static_cast<size_t>((value >> shift) & (kSubBuckets - 1));
  return kSubBuckets + (msb - kSubBucketBits) * kSubBuckets + sub;
}

uint64_t Histogram::bucketUpperBound(size_t index) {
  if (index < kSubBuckets) return index;
  const size_t group = (index - kSubBuckets) / kSubBuckets;  // msb - kSubBucketBits
  const size_t sub = (index - kSubBuckets) % kSubBuckets;
  const unsigned msb = static_cast<unsigned>(group + kSubBucketBits);
  const unsigned shift = msb - kSubBucketBits;
  // Lowest value of the bucket is (16 + sub) << shift; the highest is one less
  // than the next bucket's lowest. Computed in 128 bits to survive msb == 63.
  const unsigned __int128 low = static_cast<unsigned __int128>(kSubBuckets + sub) << shift;
  const unsigned __int128 high = low + (static_cast<unsigned __int128>(1) << shift) - 1;
  return high > std::numeric_limits<uint64_t>::max() ? std::numeric_limits<uint64_t>::max()
                                                     : static_cast<uint64_t>(high);
}

void Histogram::recordValue(uint64_t value) {
  buckets_[bucketIndex(value)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.sum = sum_.load(std::memory_order_relaxed);
  uint64_t total = 0;
  for (size_t i = 0; i < kBucketCount; ++i) {
    uint64_t c = buckets_[i].load(std::memory_order_relaxed);
    if (c == 0) continue;
    s.buckets.emplace_back(bucketUpperBound(i), c);
    total += c;
  }
  // The bucket sum is the count that matches the buckets exactly, even while
  // writers race with us.
  s.count = total;
  return s;
}

double HistogramSnapshot::quantile(double q) const {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  if (q == 0.0) return static_cast<double>(buckets.front().first);
  const double rank = q * static_cast<double>(count);
  uint64_t seen = 0;
  for (const auto& [bound, c] : buckets) {
    seen += c;
    if (static_cast<double>(seen) >= rank) return static_cast<double>(bound);
  }
  return static_cast<double>(buckets.back().first);
}

uint64_t HistogramSnapshot::cumulativeCountAtOrBelow(double bound) const {
  uint64_t n = 0;
  for (const auto& [upper, c] : buckets) {
    if (static_cast<double>(upper) > bound) break;
    n += c;
  }
  return n;
}

// --- Store ----------------------------------------------------------------------

namespace {

template <typename T, typename... Args>
T& getOrCreate(std::map<std::string, std::unique_ptr<T>, std::less<>>& map, std::string_view name,
               Args&&... args) {
  auto it = map.find(name);
  if (it != map.end()) return *it->second;
  auto owned = std::make_unique<T>(std::string(name), std::forward<Args>(args)...);
  T& ref = *owned;
  map.emplace(std::string(name), std::move(owned));
  return ref;
}

template <typename T>
const T* find(const std::map<std::string, std::unique_ptr<T>, std::less<>>& map,
              std::string_view name) {
  auto it = map.find(name);
  return it == map.end() ? nullptr : it->second.get();
}

template <typename T>
std::vector<const T*> list(const std::map<std::string, std::unique_ptr<T>, std::less<>>& map) {
  std::vector<const T*> out;
  out.reserve(map.size());
  for (const auto& [name, stat] : map) out.push_back(stat.get());
  return out;
}

}  // namespace

Counter& Store::counter(std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  return getOrCreate(counters_, name);
}

Gauge& Store::gauge(std::string_view name) {
  std::lock_guard<std::mutex> lock(mutex_);
  return getOrCreate(gauges_, name);
}

Histogram& Store::histogram(std::string_view name, HistogramUnit unit) {
  std::lock_guard<std::mutex> lock(mutex_);
  return getOrCreate(histograms_, name, unit);
}

const Counter* Store::findCounter(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return find(counters_, name);
}
const Gauge* Store::findGauge(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return find(gauges_, name);
}
const Histogram* Store::findHistogram(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return find(histograms_, name);
}
std::vector<const Counter*> Store::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return list(counters_);
}
std::vector<const Gauge*> Store::gauges() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return list(gauges_);
}
std::vector<const Histogram*> Store::histograms() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return list(histograms_);
}

// --- filters and rendering --------------------------------------------------------

Result<StatsFilter> makeRegexStatsFilter(std::string_view regex) {
  // Admin-only and bounded by the length check: std::regex is acceptable here
  // (base may not depend on RE2).
  if (regex.size() > 1024) return invalidArgument("stats filter regex longer than 1024 bytes");
  try {
    auto re = std::make_shared<const std::regex>(std::string(regex), std::regex::ECMAScript);
    return StatsFilter([re](std::string_view name) {
      return std::regex_search(name.begin(), name.end(), *re);
    });
  } catch (const std::regex_error& e) {
    return invalidArgument(fmt::format("invalid stats filter regex '{}': {}", regex, e.what()));
  }
}

namespace {

constexpr std::array<double, 10> kTextQuantiles = {0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1};
constexpr std::array<double, 19> kPrometheusBuckets = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000,
    300000, 600000, 1800000, 3600000};

bool included(const StatsFilter& filter, const std::string& name) {
  return !filter || filter(name);
}

// Envoy prints quantile labels as P0, P25, ..., P99.5, P99.9, P100.
std::string quantileLabel(double q) { return fmt::format("P{}", q * 100); }

std::string formatNumber(double v) {
  if (std::isnan(v)) return "nan";
  return fmt::format("{}", v);
}

std::string jsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  return out;
}

// Prometheus metric names allow [a-zA-Z0-9_:]; Envoy maps everything else to '_'.
std::string sanitizeMetricName(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == ':')) c = '_';
  }
  return out;
}

std::string escapeLabelValue(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string labelString(const std::vector<std::pair<std::string, std::string>>& tags,
                        std::string_view extra_key = {}, std::string_view extra_value = {}) {
  if (tags.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : tags) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("{}=\"{}\"", k, escapeLabelValue(v));
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += fmt::format("{}=\"{}\"", extra_key, extra_value);
  }
  out += '}';
  return out;
}

}  // namespace

std::string renderStatsText(const Store& store, const StatsFilter& filter) {
  std::vector<std::pair<std::string, uint64_t>> values;
  for (const Counter* c : store.counters()) {
    if (included(filter, c->name())) values.emplace_back(c->name(), c->value());
  }
  for (const Gauge* g : store.gauges()) {
    if (included(filter, g->name())) values.emplace_back(g->name(), g->value());
  }
  std::sort(values.begin(), values.end());
  std::string out;
  for (const auto& [name, value] : values) out += fmt::format("{}: {}\n", name, value);
  for (const Histogram* h : store.histograms()) {
    if (!included(filter, h->name())) continue;
    HistogramSnapshot snap = h->snapshot();
    out += h->name();
    out += ':';
    for (double q : kTextQuantiles) {
      out += fmt::format(" {}(nan,{})", quantileLabel(q), formatNumber(snap.quantile(q)));
    }
    out += '\n';
  }
  return out;
}

std::string renderStatsJson(const Store& store, const StatsFilter& filter) {
  std::vector<std::pair<std::string, uint64_t>> values;
  for (const Counter* c : store.counters()) {
    if (included(filter, c->name())) values.emplace_back(c->name(), c->value());
  }
  for (const Gauge* g : store.gauges()) {
    if (included(filter, g->name())) values.emplace_back(g->name(), g->value());
  }
  std::sort(values.begin(), values.end());
  std::string out = "{\"stats\":[";
  bool first = true;
  for (const auto& [name, value] : values) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("{{\"name\":\"{}\",\"value\":{}}}", jsonEscape(name), value);
  }
  std::vector<const Histogram*> histograms;
  for (const Histogram* h : store.histograms()) {
    if (included(filter, h->name())) histograms.push_back(h);
  }
  if (!histograms.empty()) {
    if (!first) out += ',';
    out += "{\"histograms\":{\"supported_quantiles\":[";
    for (size_t i = 0; i < kTextQuantiles.size(); ++i) {
      if (i) out += ',';
      out += fmt::format("{}", kTextQuantiles[i] * 100);
    }
    out += "],\"computed_quantiles\":[";
    for (size_t i = 0; i < histograms.size(); ++i) {
      if (i) out += ',';
      HistogramSnapshot snap = histograms[i]->snapshot();
      out += fmt::format("{{\"name\":\"{}\",\"values\":[", jsonEscape(histograms[i]->name()));
      for (size_t j = 0; j < kTextQuantiles.size(); ++j) {
        if (j) out += ',';
        double v = snap.quantile(kTextQuantiles[j]);
        if (std::isnan(v)) {
          out += "{\"interval\":null,\"cumulative\":null}";
        } else {
          out += fmt::format("{{\"interval\":null,\"cumulative\":{}}}", v);
        }
      }
      out += "]}";
    }
    out += "]}}";
  }
  out += "]}\n";
  return out;
}

std::string renderStatsPrometheus(const Store& store, const StatsFilter& filter) {
  // Group samples by metric name: Prometheus wants one TYPE line per family.
  struct Family {
    std::string type;
    std::vector<std::string> lines;
  };
  std::map<std::string, Family> families;
  auto addScalar = [&](const std::string& stat, uint64_t value, const char* type) {
    TaggedName t = extractTags(stat);
    std::string metric = "envoy_" + sanitizeMetricName(t.name);
    Family& f = families[metric];
    f.type = type;
    f.lines.push_back(fmt::format("{}{} {}", metric, labelString(t.tags), value));
  };
  for (const Counter* c : store.counters()) {
    if (included(filter, c->name())) addScalar(c->name(), c->value(), "counter");
  }
  for (const Gauge* g : store.gauges()) {
    if (included(filter, g->name())) addScalar(g->name(), g->value(), "gauge");
  }
  for (const Histogram* h : store.histograms()) {
    if (!included(filter, h->name())) continue;
    TaggedName t = extractTags(h->name());
    std::string metric = "envoy_" + sanitizeMetricName(t.name);
    Family& f = families[metric];
    f.type = "histogram";
    HistogramSnapshot snap = h->snapshot();
    for (double bound : kPrometheusBuckets) {
      f.lines.push_back(fmt::format("{}_bucket{} {}", metric,
                                    labelString(t.tags, "le", fmt::format("{}", bound)),
                                    snap.cumulativeCountAtOrBelow(bound)));
    }
    f.lines.push_back(fmt::format("{}_bucket{} {}", metric, labelString(t.tags, "le", "+Inf"), snap.count));
    f.lines.push_back(fmt::format("{}_sum{} {}", metric, labelString(t.tags), snap.sum));
    f.lines.push_back(fmt::format("{}_count{} {}", metric, labelString(t.tags), snap.count));
  }
  std::string out;
  for (const auto& [metric, family] : families) {
    out += fmt::format("# TYPE {} {}\n", metric, family.type);
    for (const auto& line : family.lines) {
      out += line;
      out += '\n';
    }
  }
  return out;
}

namespace {

bool isListenerAddressChar(char c) {
  return (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '[' || c == ']' ||
         (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

TaggedName extractTags(std::string_view stat_name) {
  TaggedName out;
  std::string_view rest = stat_name;
  auto takeSegment = [&](std::string_view prefix, const char* tag) -> bool {
    if (rest.substr(0, prefix.size()) != prefix) return false;
    std::string_view after = rest.substr(prefix.size());
    size_t dot = after.find('.');
    if (dot == std::string_view::npos || dot == 0) return false;
    out.tags.emplace_back(tag, std::string(after.substr(0, dot)));
    out.name = std::string(prefix.substr(0, prefix.size() - 1));
    rest = after.substr(dot + 1);
    return true;
  };
  if (takeSegment("cluster.", "envoy_cluster_name") ||
      takeSegment("http.", "envoy_http_conn_manager_prefix")) {
    out.name += '.';
    out.name += rest;
  } else if (rest.substr(0, 9) == "listener." && rest.size() > 9 &&
             rest[9] >= '0' && rest[9] <= '9') {
    // "listener.0.0.0.0_10000.downstream_cx_total": the address is the longest
    // run of address characters that is followed by '.'.
    std::string_view after = rest.substr(9);
    size_t end = 0;
    while (end < after.size() && isListenerAddressChar(after[end])) ++end;
    size_t dot = after.substr(0, end + (end < after.size() ? 1 : 0)).rfind('.');
    if (dot != std::string_view::npos && dot > 0 && dot + 1 < after.size()) {
      out.tags.emplace_back("envoy_listener_address", std::string(after.substr(0, dot)));
      out.name = "listener." + std::string(after.substr(dot + 1));
    } else {
      out.name = std::string(stat_name);
    }
  } else {
    out.name = std::string(stat_name);
  }
  // "..._rq_2xx" → "..._rq_xx" with envoy_response_code_class="2".
  const size_t n = out.name.size();
  if (n >= 7 && out.name.compare(n - 7, 4, "_rq_") == 0 && out.name[n - 3] >= '1' &&
      out.name[n - 3] <= '5' && out.name.compare(n - 2, 2, "xx") == 0) {
    out.tags.emplace_back("envoy_response_code_class", std::string(1, out.name[n - 3]));
    out.name.erase(n - 3, 1);
  }
  return out;
}

}  // namespace weir::stats

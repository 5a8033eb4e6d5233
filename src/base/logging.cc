#include "base/logging.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace weir::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_write_mutex;
ScopedCapture* g_capture = nullptr;  // guarded by g_write_mutex

constexpr std::string_view kNames[] = {"trace", "debug", "info", "warning", "error", "critical", "off"};

}  // namespace

std::optional<Level> parseLevel(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (name == kNames[i]) return static_cast<Level>(i);
  }
  if (name == "warn") return Level::kWarn;
  return std::nullopt;
}

std::string_view levelName(Level level) { return kNames[static_cast<int>(level)]; }

void setLevel(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }
bool enabled(Level lvl) { return static_cast<int>(lvl) >= g_level.load(std::memory_order_relaxed); }

void write(Level lvl, std::string_view message) {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
  const std::string line = fmt::format("[{}.{:03}] [{}] {}\n", stamp, static_cast<long long>(millis), levelName(lvl),
                                       message);
  std::lock_guard<std::mutex> lock(g_write_mutex);
  if (g_capture) {
    g_capture->text_ += line;
    return;
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
}

ScopedCapture::ScopedCapture() {
  std::lock_guard<std::mutex> lock(g_write_mutex);
  outer_ = g_capture;
  g_capture = this;
}

ScopedCapture::~ScopedCapture() {
  std::lock_guard<std::mutex> lock(g_write_mutex);
  g_capture = outer_;
}

std::string ScopedCapture::text() const {
  std::lock_guard<std::mutex> lock(g_write_mutex);
  return text_;
}

}  // namespace weir::log

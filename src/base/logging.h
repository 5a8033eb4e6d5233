// Process-wide leveled logging to stderr. The level check is one relaxed atomic
// load, so a disabled debug line costs nothing measurable on the hot path.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace weir::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kCritical, kOff };

std::optional<Level> parseLevel(std::string_view name);
std::string_view levelName(Level level);

void setLevel(Level level);
Level level();
bool enabled(Level level);

// Writes one line: "[time] [level] message". Thread-safe.
void write(Level level, std::string_view message);

// While alive, every line written (by any thread) goes to this object instead
// of stderr, formatted as on stderr — for tools that report a run's log
// themselves (`weir test`). Captures nest; the innermost one receives.
class ScopedCapture {
 public:
  ScopedCapture();
  ~ScopedCapture();
  ScopedCapture(const ScopedCapture&) = delete;
  ScopedCapture& operator=(const ScopedCapture&) = delete;
  // The lines captured so far, each ending in '\n'.
  std::string text() const;

 private:
  friend void write(Level, std::string_view);
  ScopedCapture* outer_ = nullptr;
  std::string text_;
};

template <typename... Args>
void logf(Level lvl, fmt::format_string<Args...> format, Args&&... args) {
  if (!enabled(lvl)) return;
  write(lvl, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace weir::log

#define WEIR_LOG(lvl, ...) ::weir::log::logf(::weir::log::Level::lvl, __VA_ARGS__)
#define WEIR_TRACE(...) WEIR_LOG(kTrace, __VA_ARGS__)
#define WEIR_DEBUG(...) WEIR_LOG(kDebug, __VA_ARGS__)
#define WEIR_INFO(...) WEIR_LOG(kInfo, __VA_ARGS__)
#define WEIR_WARN(...) WEIR_LOG(kWarn, __VA_ARGS__)
#define WEIR_ERROR(...) WEIR_LOG(kError, __VA_ARGS__)

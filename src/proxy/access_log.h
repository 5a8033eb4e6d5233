// Access log instances of a connection manager: a formatter (from
// access_log_format.h) plus a sink. Sinks write each entry with one
// write(2) on an O_APPEND descriptor: entries from different workers never
// interleave (they are far below PIPE_BUF-style atomicity limits for files in
// practice) and there is no lock on the request path.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/bootstrap.h"
#include "proxy/access_log_format.h"
#include "proxy/stream_info.h"

namespace weir::proxy {

class AccessLogSink {
 public:
  // Opens the file (created if absent, appended to) or wraps stdout/stderr.
  static Result<std::shared_ptr<AccessLogSink>> create(const config::AccessLog& log);
  ~AccessLogSink();
  void write(std::string_view entry) const;
  const std::string& path() const { return path_; }

 private:
  AccessLogSink(int fd, bool owned, std::string path) : fd_(fd), owned_(owned), path_(std::move(path)) {}
  int fd_;
  bool owned_;
  std::string path_;
};

class AccessLogger {
 public:
  static Result<std::unique_ptr<AccessLogger>> create(const config::AccessLog& log);
  void log(const StreamInfo& info) const;

 private:
  AccessLogger(AccessLogFormatterPtr formatter, std::shared_ptr<AccessLogSink> sink)
      : formatter_(std::move(formatter)), sink_(std::move(sink)) {}
  AccessLogFormatterPtr formatter_;
  std::shared_ptr<AccessLogSink> sink_;
};

}  // namespace weir::proxy

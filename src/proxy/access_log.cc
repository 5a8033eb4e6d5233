#include "proxy/access_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace weir::proxy {

Result<std::shared_ptr<AccessLogSink>> AccessLogSink::create(const config::AccessLog& log) {
  switch (log.sink) {
    case config::AccessLog::Sink::kStdout:
      return std::shared_ptr<AccessLogSink>(new AccessLogSink(STDOUT_FILENO, false, "/dev/stdout"));
    case config::AccessLog::Sink::kStderr:
      return std::shared_ptr<AccessLogSink>(new AccessLogSink(STDERR_FILENO, false, "/dev/stderr"));
    case config::AccessLog::Sink::kFile:
      break;
  }
  int fd = ::open(log.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return ioError("access log '" + log.path + "': " + std::strerror(errno));
  }
  return std::shared_ptr<AccessLogSink>(new AccessLogSink(fd, true, log.path));
}

AccessLogSink::~AccessLogSink() {
  if (owned_) ::close(fd_);
}

void AccessLogSink::write(std::string_view entry) const {
  while (!entry.empty()) {
    ssize_t n = ::write(fd_, entry.data(), entry.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not stop the proxy
    }
    entry.remove_prefix(static_cast<size_t>(n));
  }
}

Result<std::unique_ptr<AccessLogger>> AccessLogger::create(const config::AccessLog& log) {
  auto formatter = createFormatter(log);
  if (!formatter) return formatter.status();
  auto sink = AccessLogSink::create(log);
  if (!sink) return sink.status();
  return std::unique_ptr<AccessLogger>(
      new AccessLogger(std::move(formatter).value(), std::move(sink).value()));
}

void AccessLogger::log(const StreamInfo& info) const {
  thread_local std::string line;
  line.clear();
  formatter_->formatTo(info, line);
  sink_->write(line);
}

}  // namespace weir::proxy

// Envoy access-log format strings, parsed once at config load into a list of
// literal pieces and command operators, rendered per request from the
// stream's StreamInfo (the access-log context: timings, headers, flags,
// sizes, addresses).
//
// Supported operators: %START_TIME% and %START_TIME(strftime)% (with Envoy's
// %f / %1f..%9f fractional seconds), %REQ(X?Y):Z%, %RESP(X?Y):Z%,
// %TRAILER(X?Y):Z%, %RESPONSE_CODE%, %RESPONSE_CODE_DETAILS%,
// %RESPONSE_FLAGS%, %DURATION%, %REQUEST_DURATION%, %RESPONSE_DURATION%,
// %RESPONSE_TX_DURATION%, %BYTES_RECEIVED%, %BYTES_SENT%, %PROTOCOL%,
// %UPSTREAM_HOST%, %UPSTREAM_CLUSTER%, %UPSTREAM_TRANSPORT_FAILURE_REASON%,
// %DOWNSTREAM_REMOTE_ADDRESS%, %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%,
// %DOWNSTREAM_LOCAL_ADDRESS%, %DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%,
// %ROUTE_NAME%, %FILTER_STATE(key)%,
// %HOSTNAME%, and %% for a literal '%'. Any other operator is a load error
// naming it. A value that is not available renders as "-" (text) or null
// (JSON).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "config/bootstrap.h"
#include "proxy/stream_info.h"

namespace weir::proxy {

// What a format is rendered from.
using AccessLogContext = StreamInfo;

// Envoy's default access-log format (used when a log configures none).
inline constexpr std::string_view kDefaultAccessLogFormat =
    "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\" "
    "%RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "
    "%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" "
    "\"%REQ(X-REQUEST-ID)%\" \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\"\n";

class AccessLogFormatter {
 public:
  virtual ~AccessLogFormatter() = default;
  // Appends one rendered entry (text formats keep their own trailing newline;
  // JSON entries end with '\n').
  virtual void formatTo(const AccessLogContext& context, std::string& out) const = 0;
  std::string format(const AccessLogContext& context) const {
    std::string out;
    formatTo(context, out);
    return out;
  }
};
using AccessLogFormatterPtr = std::unique_ptr<AccessLogFormatter>;

// Text format; an empty string means kDefaultAccessLogFormat.
Result<AccessLogFormatterPtr> createTextFormatter(std::string_view format);
// json_format: an object whose values are format strings (or nested objects).
// A value that is exactly one numeric operator (%RESPONSE_CODE%, %DURATION%,
// %BYTES_SENT%, ...) renders as a JSON number, as Envoy does.
Result<AccessLogFormatterPtr> createJsonFormatter(const nlohmann::json& json_format,
                                                  bool omit_empty_values = false);
// From a loaded access_log entry (text_format, json_format or the default).
Result<AccessLogFormatterPtr> createFormatter(const config::AccessLog& log);

}  // namespace weir::proxy

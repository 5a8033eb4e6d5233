// HTTP status codes and their reason phrases (RFC 9110 §15 and common extensions).
#pragma once

#include <string_view>

namespace weir::http {

// Reason phrase for a status code; "Unknown" for codes without one.
std::string_view reasonPhrase(int code);

// Status-code classes, for stats (downstream_rq_2xx, ...).
inline bool isInformational(int code) { return code >= 100 && code < 200; }
inline bool isSuccess(int code) { return code >= 200 && code < 300; }
inline bool isRedirection(int code) { return code >= 300 && code < 400; }
inline bool isClientError(int code) { return code >= 400 && code < 500; }
inline bool isServerError(int code) { return code >= 500 && code < 600; }
// A response with this status never has a body (RFC 9110 §6.4.1).
inline bool statusHasNoBody(int code) { return isInformational(code) || code == 204 || code == 304; }

}  // namespace weir::http

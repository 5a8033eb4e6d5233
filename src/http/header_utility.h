// Header helpers the connection manager, router and filters share: hop-by-hop
// removal, x-forwarded-*, x-request-id, Via, and RFC 9110 syntax checks.
#pragma once

#include <string>
#include <string_view>

#include "http/header_map.h"

namespace weir::http {

// RFC 9110 §5.6.2 token (field names, methods, transfer codings).
// %XX escapes decoded and '+' as a space (query strings, form encoding);
// a malformed escape is kept as it is.
std::string percentDecode(std::string_view s);

bool isToken(std::string_view s);
// Field name: a non-empty token. (Case is not checked; the map lowercases.)
bool isValidHeaderName(std::string_view name);
// Field value: no CTL except HTAB, no DEL, no leading/trailing SP/HTAB
// (RFC 9110 §5.5); obs-text (0x80-0xFF) allowed.
bool isValidHeaderValue(std::string_view value);

// Removes connection-specific fields before forwarding (RFC 9110 §7.6.1):
// connection, keep-alive, proxy-connection, transfer-encoding, te, upgrade,
// and every field named in Connection. Returns how many fields were removed.
// Callers that proxy an upgrade re-add Upgrade/Connection themselves.
size_t removeHopByHop(HeaderMap& headers);

// x-forwarded-for: appends `peer_address` (the immediate client, an IP
// literal without port) to an existing value with ", ", or sets it.
void appendXForwardedFor(HeaderMap& headers, std::string_view peer_address);
// x-forwarded-proto: set to `scheme` ("http"/"https") of the downstream
// connection, replacing what the client sent (untrusted) unless
// `trust_client_value` and a value is present.
void setXForwardedProto(HeaderMap& headers, std::string_view scheme, bool trust_client_value = false);

// x-request-id: generates a UUID v4 when absent. A client-supplied value is
// kept (so one id follows a request across hops) unless `preserve_existing`
// is false, which the connection manager sets when configured not to trust
// ids from outside. Returns true if a new id was generated.
bool ensureRequestId(HeaderMap& headers, bool preserve_existing = true);
// Random (version 4, variant 1) UUID, lowercase hex, 36 chars. Uses a
// per-thread generator seeded from std::random_device (not for secrets).
std::string generateUuidV4();
bool isUuid(std::string_view s);

// Via (RFC 9110 §7.6.3): appends "<protocol> <pseudonym>" (e.g. "1.1 weir").
void appendVia(HeaderMap& headers, std::string_view protocol_version, std::string_view pseudonym);

// True if the comma-separated list in the header contains `token`
// (case-insensitive, OWS-trimmed), across every occurrence.
bool headerListContains(const HeaderMap& headers, KnownHeader header, std::string_view token);

}  // namespace weir::http

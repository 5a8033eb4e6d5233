#include "http/header_utility.h"

#include <array>
#include <cstdint>
#include <random>

#include "http/ascii.h"

namespace weir::http {

namespace {
int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else if (s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

namespace {

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-"
// / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
constexpr std::array<bool, 256> makeTokenTable() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kTokenTable = makeTokenTable();

using ascii::equalsIgnoreCase;

// Calls f(element) for every non-empty element of a list.
template <typename F>
void forEachNonEmpty(std::string_view list, F&& f) {
  ascii::forEachListElement(list, [&](std::string_view e) {
    if (!e.empty()) f(e);
    return true;
  });
}

}  // namespace

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!kTokenTable[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool isValidHeaderName(std::string_view name) { return isToken(name); }

bool isValidHeaderValue(std::string_view value) {
  if (!value.empty() && (ascii::isOws(value.front()) || ascii::isOws(value.back()))) return false;
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

bool headerListContains(const HeaderMap& headers, KnownHeader header, std::string_view token) {
  if (!headers.has(header)) return false;
  bool found = false;
  for (std::string_view value : headers.getAll(header)) {
    forEachNonEmpty(value, [&](std::string_view e) {
      if (equalsIgnoreCase(e, token)) found = true;
    });
  }
  return found;
}

size_t removeHopByHop(HeaderMap& headers) {
  size_t removed = 0;
  // Fields named in Connection first (they may name any field).
  if (headers.has(KnownHeader::kConnection)) {
    std::vector<std::string> named;
    for (std::string_view value : headers.getAll(KnownHeader::kConnection)) {
      forEachNonEmpty(value, [&](std::string_view e) {
        // Never let a client strip pseudo-headers or Host through Connection.
        if (isToken(e)) named.emplace_back(e);
      });
    }
    for (const std::string& name : named) {
      const KnownHeader known = knownHeaderFromLowercase(name);
      if (known == KnownHeader::kHost || known == KnownHeader::kAuthority) continue;
      removed += headers.remove(name);
    }
  }
  for (KnownHeader h : {KnownHeader::kConnection, KnownHeader::kKeepAlive, KnownHeader::kProxyConnection,
                        KnownHeader::kTransferEncoding, KnownHeader::kTe, KnownHeader::kUpgrade}) {
    removed += headers.remove(h);
  }
  return removed;
}

void appendXForwardedFor(HeaderMap& headers, std::string_view peer_address) {
  headers.append(KnownHeader::kXForwardedFor, peer_address, ",");
}

void setXForwardedProto(HeaderMap& headers, std::string_view scheme, bool trust_client_value) {
  if (trust_client_value && headers.has(KnownHeader::kXForwardedProto)) return;
  headers.set(KnownHeader::kXForwardedProto, scheme);
}

namespace {
struct Rng {
  std::mt19937_64 engine;
  Rng() {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    engine.seed(seq);
  }
};
}  // namespace

std::string generateUuidV4() {
  thread_local Rng rng;
  uint64_t hi = rng.engine();
  uint64_t lo = rng.engine();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(36, '-');
  size_t pos = 0;
  auto put = [&](uint64_t v, int nibbles) {
    for (int i = nibbles - 1; i >= 0; --i) {
      if (pos == 8 || pos == 13 || pos == 18 || pos == 23) ++pos;
      out[pos++] = kHex[(v >> (i * 4)) & 0xf];
    }
  };
  put(hi, 16);
  put(lo, 16);
  return out;
}

bool isUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool ensureRequestId(HeaderMap& headers, bool preserve_existing) {
  if (preserve_existing) {
    auto existing = headers.get(KnownHeader::kXRequestId);
    if (existing && !existing->empty()) return false;
  }
  headers.set(KnownHeader::kXRequestId, generateUuidV4());
  return true;
}

void appendVia(HeaderMap& headers, std::string_view protocol_version, std::string_view pseudonym) {
  std::string entry;
  entry.reserve(protocol_version.size() + 1 + pseudonym.size());
  entry.append(protocol_version).append(" ").append(pseudonym);
  headers.append(KnownHeader::kVia, entry);
}

}  // namespace weir::http

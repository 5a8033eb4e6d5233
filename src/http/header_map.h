// weir::http::HeaderMap — the header block of one HTTP message (request
// headers, response headers or trailers), shared by the codecs, the connection
// manager, filters and later the Proxy-Wasm ABI.
//
// - Names are stored lowercase; lookups are case-insensitive.
// - Insertion order is kept, except that pseudo-headers (":method", ":path",
//   ":authority", ":scheme", ":status", ":protocol") are always kept before
//   regular headers, in their own insertion order (as HTTP/2 requires and as
//   Envoy does). Duplicates are allowed.
// - Common headers (KnownHeader below) are found in O(1) through a fixed index
//   of first occurrences; other names by a linear scan (header blocks are small).
// - Storage: every name and value lives in one arena string; entries are
//   offsets into it. Building a map from a parsed block costs two allocations
//   (arena + entry vector), not two per header. Known names are not stored.
//
// Lifetime: string_views returned by get()/iteration point into the arena and
// are valid until the next non-const call on the map. Passing such a view back
// into the same map (map.set("a", map.get("b").value())) is safe.
//
// HTTP/1 Host is carried as ":authority" (the parser moves it there and the
// encoder writes it back as Host), so host() and authority() are the same.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weir::http {

// Headers with an O(1) slot. Order is irrelevant to users; kCount must stay last.
enum class KnownHeader : uint8_t {
  kMethod,            // :method
  kPath,              // :path
  kAuthority,         // :authority
  kScheme,            // :scheme
  kStatus,            // :status
  kProtocol,          // :protocol
  kHost,
  kContentLength,
  kTransferEncoding,
  kConnection,
  kContentType,
  kTe,
  kUpgrade,
  kExpect,
  kKeepAlive,
  kProxyConnection,
  kXForwardedFor,
  kXForwardedProto,
  kXForwardedHost,
  kXRequestId,
  kVia,
  kDate,
  kServer,
  kLocation,
  kUserAgent,
  kAccept,
  kAcceptEncoding,
  kContentEncoding,
  kCookie,
  kSetCookie,
  kAuthorization,
  kCacheControl,
  kTrailer,
  kOrigin,
  kReferer,
  kRange,
  kEtag,
  kVary,
  kGrpcStatus,
  kGrpcMessage,
  kCount,
  kNone = 0xff,
};

inline constexpr size_t kKnownHeaderCount = static_cast<size_t>(KnownHeader::kCount);

// Lowercase canonical name of a known header (":method", "content-length", ...).
std::string_view knownHeaderName(KnownHeader header);
// The known header with this exact (already lowercase) name, or kNone.
KnownHeader knownHeaderFromLowercase(std::string_view lowercase_name);

// One header as seen through iteration; views into the map's arena.
struct HeaderView {
  std::string_view name;
  std::string_view value;
};

class HeaderMap {
 public:
  HeaderMap() = default;
  HeaderMap(std::initializer_list<std::pair<std::string_view, std::string_view>> headers);
  HeaderMap(HeaderMap&&) noexcept = default;
  HeaderMap& operator=(HeaderMap&&) noexcept = default;
  HeaderMap(const HeaderMap&) = default;
  HeaderMap& operator=(const HeaderMap&) = default;

  // --- Adding (never replaces; duplicates allowed) ---
  // `name` may be any case; it is stored lowercase. No validation here: the
  // codecs validate what comes off the wire, and header_utility.h offers
  // isValidHeaderName/Value for filters that take names from configuration.
  void add(std::string_view name, std::string_view value);
  void add(KnownHeader header, std::string_view value);
  // Fast path for callers that already hold a lowercase name (the parser).
  void addLowercase(std::string_view lowercase_name, std::string_view value);

  // --- Replacing: the first occurrence gets the value, later ones are removed;
  // adds the header if absent. ---
  void set(std::string_view name, std::string_view value);
  void set(KnownHeader header, std::string_view value);

  // --- Appending to a header: "old, value" (or just value if absent);
  // only the first occurrence is extended. ---
  void append(std::string_view name, std::string_view value, std::string_view separator = ", ");
  void append(KnownHeader header, std::string_view value, std::string_view separator = ", ");

  // --- Removing: every occurrence; returns how many were removed. ---
  size_t remove(std::string_view name);
  size_t remove(KnownHeader header);
  // Removes every header whose name starts with `prefix` (case-insensitive).
  size_t removePrefix(std::string_view prefix);
  void clear();

  // --- Lookup ---
  // Value of the first occurrence.
  std::optional<std::string_view> get(std::string_view name) const;
  std::optional<std::string_view> get(KnownHeader header) const;
  // Value of the first occurrence, or "" if absent.
  std::string_view getOr(std::string_view name, std::string_view fallback = {}) const;
  std::string_view getOr(KnownHeader header, std::string_view fallback = {}) const;
  // Every occurrence, in order.
  std::vector<std::string_view> getAll(std::string_view name) const;
  std::vector<std::string_view> getAll(KnownHeader header) const;
  // Every occurrence joined with ", " (RFC 9110 §5.3 list combination);
  // empty if absent. Do not use for set-cookie (not combinable).
  std::string getJoined(std::string_view name) const;
  std::string getJoined(KnownHeader header) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  bool has(KnownHeader header) const { return index_[static_cast<size_t>(header)] != kNoEntry; }
  size_t count(std::string_view name) const;

  // --- Typed helpers for pseudo-headers (empty view when absent) ---
  std::string_view method() const { return getOr(KnownHeader::kMethod); }
  std::string_view path() const { return getOr(KnownHeader::kPath); }
  std::string_view authority() const { return getOr(KnownHeader::kAuthority); }
  std::string_view host() const { return authority(); }
  std::string_view scheme() const { return getOr(KnownHeader::kScheme); }
  // :status as a number, or 0 when absent or not three digits.
  int status() const;
  void setMethod(std::string_view v) { set(KnownHeader::kMethod, v); }
  void setPath(std::string_view v) { set(KnownHeader::kPath, v); }
  void setAuthority(std::string_view v) { set(KnownHeader::kAuthority, v); }
  void setHost(std::string_view v) { setAuthority(v); }
  void setScheme(std::string_view v) { set(KnownHeader::kScheme, v); }
  void setStatus(int code);
  // content-length parsed as a non-negative decimal; nullopt if absent,
  // repeated or invalid.
  std::optional<uint64_t> contentLength() const;
  void setContentLength(uint64_t length);

  // --- Iteration in order (pseudo-headers first) ---
  class const_iterator {
   public:
    using value_type = HeaderView;
    using difference_type = std::ptrdiff_t;
    const_iterator() = default;
    HeaderView operator*() const { return map_->viewAt(pos_); }
    const_iterator& operator++() { ++pos_; return *this; }
    const_iterator operator++(int) { auto copy = *this; ++pos_; return copy; }
    bool operator==(const const_iterator& other) const { return pos_ == other.pos_; }

   private:
    friend class HeaderMap;
    const_iterator(const HeaderMap* map, size_t pos) : map_(map), pos_(pos) {}
    const HeaderMap* map_ = nullptr;
    size_t pos_ = 0;
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, entries_.size()}; }
  HeaderView at(size_t i) const { return viewAt(i); }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Sum of name and value lengths (what a limit on header bytes measures).
  size_t byteSize() const { return byte_size_; }
  // Number of leading pseudo-headers.
  size_t pseudoHeaderCount() const { return pseudo_count_; }

  // Same headers in the same order.
  bool operator==(const HeaderMap& other) const;
  // "name: value\n" per header, for logs and test failure messages.
  std::string toString() const;

  // Pre-sizes storage (the parser knows the block size up front).
  void reserve(size_t entries, size_t bytes);

  // Per-thread reuse of heap maps and their storage, so a request's header
  // maps cost no allocation in the steady state. adopt() returns a heap map
  // holding `parsed`'s headers and leaves `parsed` empty but holding the
  // storage of a recycled map (a codec's next message parses into it);
  // recycle() takes a map back when its stream is done. Maps whose storage
  // grew large are freed instead of kept.
  static std::unique_ptr<HeaderMap> adopt(HeaderMap&& parsed);
  static void recycle(std::unique_ptr<HeaderMap> map);

 private:
  static constexpr uint32_t kNoEntry = 0xffffffff;
  static constexpr std::array<uint32_t, kKnownHeaderCount> emptyIndex() {
    std::array<uint32_t, kKnownHeaderCount> a{};
    for (auto& v : a) v = kNoEntry;
    return a;
  }
  // Views are re-derived from the arena on every access.
  struct Entry {
    uint32_t name_offset;  // unused for known headers
    uint32_t value_offset;
    uint32_t value_length;
    uint32_t name_length;
    KnownHeader known;
  };

  HeaderView viewAt(size_t i) const;
  std::string_view nameOf(const Entry& e) const;
  std::string_view valueOf(const Entry& e) const;
  // Appends bytes to the arena (handling views into the arena itself).
  uint32_t store(std::string_view bytes, bool lowercase);
  void insertEntry(Entry entry, bool pseudo);
  void eraseEntry(size_t pos);
  void rebuildIndex();
  void maybeCompact();
  // Position of the first entry with this (lowercase) name, or size().
  size_t findLowercase(std::string_view lowercase_name, KnownHeader known) const;
  void setValue(size_t pos, std::string_view value);
  // Extends the value at pos with separator + value.
  void appendAt(size_t pos, std::string_view value, std::string_view separator);
  // Unknown-name entry with exactly this lowercase name.
  bool hasName(const Entry& e, std::string_view lowercase_name) const;
  // Removes entries at or after `from` that match; keeps accounting, index
  // and arena in order. Returns how many were removed.
  template <typename Pred>
  size_t removeIf(size_t from, Pred pred);

  std::string arena_;
  std::vector<Entry> entries_;
  std::array<uint32_t, kKnownHeaderCount> index_ = emptyIndex();
  uint32_t pseudo_count_ = 0;
  size_t byte_size_ = 0;
  size_t garbage_ = 0;  // dead arena bytes (removed/replaced values)
};

}  // namespace weir::http

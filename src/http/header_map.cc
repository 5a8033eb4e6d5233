#include "http/header_map.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "http/ascii.h"

namespace weir::http {

namespace {

constexpr std::string_view kKnownNames[kKnownHeaderCount] = {
    ":method", ":path", ":authority", ":scheme", ":status", ":protocol",
    "host", "content-length", "transfer-encoding", "connection", "content-type", "te",
    "upgrade", "expect", "keep-alive", "proxy-connection", "x-forwarded-for",
    "x-forwarded-proto", "x-forwarded-host", "x-request-id", "via", "date", "server",
    "location", "user-agent", "accept", "accept-encoding", "content-encoding", "cookie",
    "set-cookie", "authorization", "cache-control", "trailer", "origin", "referer", "range",
    "etag", "vary", "grpc-status", "grpc-message",
};

// Open-addressing table from name to KnownHeader, built once. The hash uses
// length and three bytes, which separates all known names well enough that
// a lookup is one or two probes plus one memcmp.
constexpr size_t kTableSize = 256;

constexpr size_t nameHash(std::string_view n) {
  const size_t len = n.size();
  const auto c0 = static_cast<unsigned char>(n[0]);
  const auto c1 = static_cast<unsigned char>(n[len / 2]);
  const auto c2 = static_cast<unsigned char>(n[len - 1]);
  return (len * 31 + c0 * 7 + c1 * 13 + c2) & (kTableSize - 1);
}

struct KnownTable {
  uint8_t slots[kTableSize];
  constexpr KnownTable() : slots() {
    for (auto& s : slots) s = 0xff;
    for (size_t i = 0; i < kKnownHeaderCount; ++i) {
      size_t h = nameHash(kKnownNames[i]);
      while (slots[h] != 0xff) h = (h + 1) & (kTableSize - 1);
      slots[h] = static_cast<uint8_t>(i);
    }
  }
};

constexpr KnownTable kTable;

using ascii::toLower;

bool hasUpper(std::string_view s) {
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// Lowercases `name` into `scratch` only when needed.
class LowerName {
 public:
  explicit LowerName(std::string_view name) {
    if (!hasUpper(name)) {
      view_ = name;
      return;
    }
    char* dst;
    if (name.size() <= sizeof(small_)) {
      dst = small_;
    } else {
      large_.resize(name.size());
      dst = large_.data();
    }
    for (size_t i = 0; i < name.size(); ++i) dst[i] = toLower(name[i]);
    view_ = {dst, name.size()};
  }
  std::string_view view() const { return view_; }

 private:
  char small_[96];
  std::string large_;
  std::string_view view_;
};

}  // namespace

std::string_view knownHeaderName(KnownHeader header) {
  const auto i = static_cast<size_t>(header);
  return i < kKnownHeaderCount ? kKnownNames[i] : std::string_view();
}

KnownHeader knownHeaderFromLowercase(std::string_view name) {
  if (name.empty()) return KnownHeader::kNone;
  size_t h = nameHash(name);
  while (true) {
    const uint8_t id = kTable.slots[h];
    if (id == 0xff) return KnownHeader::kNone;
    if (kKnownNames[id] == name) return static_cast<KnownHeader>(id);
    h = (h + 1) & (kTableSize - 1);
  }
}

HeaderMap::HeaderMap(std::initializer_list<std::pair<std::string_view, std::string_view>> headers) {
  for (const auto& [name, value] : headers) add(name, value);
}

std::string_view HeaderMap::nameOf(const Entry& e) const {
  if (e.known != KnownHeader::kNone) return kKnownNames[static_cast<size_t>(e.known)];
  return {arena_.data() + e.name_offset, e.name_length};
}

std::string_view HeaderMap::valueOf(const Entry& e) const {
  return {arena_.data() + e.value_offset, e.value_length};
}

HeaderView HeaderMap::viewAt(size_t i) const {
  const Entry& e = entries_[i];
  return {nameOf(e), valueOf(e)};
}

uint32_t HeaderMap::store(std::string_view bytes, bool lowercase) {
  const uint32_t offset = static_cast<uint32_t>(arena_.size());
  if (bytes.empty()) return offset;
  const char* base = arena_.data();
  if (bytes.data() >= base && bytes.data() < base + arena_.size()) {
    // A view into the arena itself: copy by offset, growth may move it.
    const size_t src = bytes.data() - base;
    arena_.reserve(arena_.size() + bytes.size());
    arena_.append(arena_.data() + src, bytes.size());
  } else {
    arena_.append(bytes.data(), bytes.size());
  }
  if (lowercase) {
    char* p = arena_.data() + offset;
    for (size_t i = 0; i < bytes.size(); ++i) p[i] = toLower(p[i]);
  }
  return offset;
}

void HeaderMap::insertEntry(Entry entry, bool pseudo) {
  const size_t known = static_cast<size_t>(entry.known);
  if (pseudo && pseudo_count_ < entries_.size()) {
    const uint32_t pos = pseudo_count_;
    entries_.insert(entries_.begin() + pos, entry);
    for (auto& slot : index_) {
      if (slot != kNoEntry && slot >= pos) ++slot;
    }
    if (known < kKnownHeaderCount && index_[known] == kNoEntry) index_[known] = pos;
    ++pseudo_count_;
    return;
  }
  if (pseudo) ++pseudo_count_;
  entries_.push_back(entry);
  if (known < kKnownHeaderCount && index_[known] == kNoEntry) {
    index_[known] = static_cast<uint32_t>(entries_.size() - 1);
  }
}

void HeaderMap::addLowercase(std::string_view name, std::string_view value) {
  const KnownHeader known = knownHeaderFromLowercase(name);
  if (known != KnownHeader::kNone) {
    add(known, value);
    return;
  }
  // Name and value may both be views into this arena; reserve once so the
  // first store cannot move the bytes the second one copies.
  const char* base = arena_.data();
  const size_t used = arena_.size();
  constexpr size_t kOutside = SIZE_MAX;
  auto offsetIn = [&](std::string_view v) {
    return (!v.empty() && v.data() >= base && v.data() < base + used) ? static_cast<size_t>(v.data() - base)
                                                                       : kOutside;
  };
  const size_t name_in = offsetIn(name);
  const size_t value_in = offsetIn(value);
  arena_.reserve(used + name.size() + value.size());
  if (name_in != kOutside) name = {arena_.data() + name_in, name.size()};
  if (value_in != kOutside) value = {arena_.data() + value_in, value.size()};
  Entry e{};
  e.known = KnownHeader::kNone;
  e.name_offset = store(name, false);
  e.name_length = static_cast<uint32_t>(name.size());
  e.value_offset = store(value, false);
  e.value_length = static_cast<uint32_t>(value.size());
  byte_size_ += name.size() + value.size();
  insertEntry(e, !name.empty() && name[0] == ':');
}

void HeaderMap::add(std::string_view name, std::string_view value) {
  LowerName lower(name);
  addLowercase(lower.view(), value);
}

void HeaderMap::add(KnownHeader header, std::string_view value) {
  Entry e{};
  e.known = header;
  e.value_offset = store(value, false);
  e.value_length = static_cast<uint32_t>(value.size());
  const std::string_view name = kKnownNames[static_cast<size_t>(header)];
  byte_size_ += name.size() + value.size();
  insertEntry(e, name[0] == ':');
}

size_t HeaderMap::findLowercase(std::string_view name, KnownHeader known) const {
  if (known != KnownHeader::kNone) {
    const uint32_t pos = index_[static_cast<size_t>(known)];
    return pos == kNoEntry ? entries_.size() : pos;
  }
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (hasName(entries_[i], name)) return i;
  }
  return entries_.size();
}

void HeaderMap::setValue(size_t pos, std::string_view value) {
  Entry& e = entries_[pos];
  byte_size_ = byte_size_ - e.value_length + value.size();
  if (value.size() <= e.value_length) {
    // memmove: value may be a view of this very entry or another one.
    if (!value.empty()) std::memmove(arena_.data() + e.value_offset, value.data(), value.size());
    garbage_ += e.value_length - value.size();
    e.value_length = static_cast<uint32_t>(value.size());
    return;
  }
  garbage_ += e.value_length;
  const uint32_t offset = store(value, false);
  Entry& again = entries_[pos];
  again.value_offset = offset;
  again.value_length = static_cast<uint32_t>(value.size());
}

bool HeaderMap::hasName(const Entry& e, std::string_view lname) const {
  return e.known == KnownHeader::kNone && e.name_length == lname.size() &&
         std::memcmp(arena_.data() + e.name_offset, lname.data(), lname.size()) == 0;
}

template <typename Pred>
size_t HeaderMap::removeIf(size_t from, Pred pred) {
  size_t removed = 0;
  auto it = std::remove_if(entries_.begin() + from, entries_.end(), [&](const Entry& e) {
    if (!pred(e)) return false;
    const size_t name_len = nameOf(e).size();
    if (e.known == KnownHeader::kNone) garbage_ += name_len;
    garbage_ += e.value_length;
    byte_size_ -= name_len + e.value_length;
    ++removed;
    return true;
  });
  if (removed != 0) {
    entries_.erase(it, entries_.end());
    rebuildIndex();
  }
  maybeCompact();
  return removed;
}

void HeaderMap::rebuildIndex() {
  index_ = emptyIndex();
  pseudo_count_ = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const size_t known = static_cast<size_t>(entries_[i].known);
    if (known < kKnownHeaderCount && index_[known] == kNoEntry) index_[known] = static_cast<uint32_t>(i);
    if (nameOf(entries_[i])[0] == ':') ++pseudo_count_;
  }
}

void HeaderMap::maybeCompact() {
  if (garbage_ < 4096 || garbage_ * 2 < arena_.size()) return;
  std::string fresh;
  fresh.reserve(arena_.size() - garbage_);
  for (Entry& e : entries_) {
    if (e.known == KnownHeader::kNone) {
      const uint32_t off = static_cast<uint32_t>(fresh.size());
      fresh.append(arena_.data() + e.name_offset, e.name_length);
      e.name_offset = off;
    }
    const uint32_t off = static_cast<uint32_t>(fresh.size());
    fresh.append(arena_.data() + e.value_offset, e.value_length);
    e.value_offset = off;
  }
  arena_ = std::move(fresh);
  garbage_ = 0;
}

void HeaderMap::set(std::string_view name, std::string_view value) {
  LowerName lower(name);
  const std::string_view lname = lower.view();
  const KnownHeader known = knownHeaderFromLowercase(lname);
  if (known != KnownHeader::kNone) {
    set(known, value);
    return;
  }
  const size_t pos = findLowercase(lname, known);
  if (pos == entries_.size()) {
    addLowercase(lname, value);
    return;
  }
  setValue(pos, value);
  removeIf(pos + 1, [&](const Entry& e) { return hasName(e, lname); });
}

void HeaderMap::set(KnownHeader header, std::string_view value) {
  const uint32_t pos = index_[static_cast<size_t>(header)];
  if (pos == kNoEntry) {
    add(header, value);
    return;
  }
  setValue(pos, value);
  removeIf(pos + 1, [&](const Entry& e) { return e.known == header; });
}

void HeaderMap::appendAt(size_t pos, std::string_view value, std::string_view separator) {
  std::string joined(valueOf(entries_[pos]));
  if (!joined.empty()) joined.append(separator);
  joined.append(value);
  setValue(pos, joined);
  maybeCompact();
}

void HeaderMap::append(std::string_view name, std::string_view value, std::string_view separator) {
  LowerName lower(name);
  const KnownHeader known = knownHeaderFromLowercase(lower.view());
  if (known != KnownHeader::kNone) {
    append(known, value, separator);
    return;
  }
  const size_t pos = findLowercase(lower.view(), known);
  if (pos == entries_.size()) {
    addLowercase(lower.view(), value);
    return;
  }
  appendAt(pos, value, separator);
}

void HeaderMap::append(KnownHeader header, std::string_view value, std::string_view separator) {
  const uint32_t pos = index_[static_cast<size_t>(header)];
  if (pos == kNoEntry) {
    add(header, value);
    return;
  }
  appendAt(pos, value, separator);
}

size_t HeaderMap::remove(std::string_view name) {
  LowerName lower(name);
  const std::string_view lname = lower.view();
  const KnownHeader known = knownHeaderFromLowercase(lname);
  if (known != KnownHeader::kNone) return remove(known);
  return removeIf(0, [&](const Entry& e) { return hasName(e, lname); });
}

size_t HeaderMap::remove(KnownHeader header) {
  if (index_[static_cast<size_t>(header)] == kNoEntry) return 0;
  return removeIf(index_[static_cast<size_t>(header)], [&](const Entry& e) { return e.known == header; });
}

size_t HeaderMap::removePrefix(std::string_view prefix) {
  LowerName lower(prefix);
  const std::string_view lp = lower.view();
  return removeIf(0, [&](const Entry& e) { return nameOf(e).substr(0, lp.size()) == lp; });
}

void HeaderMap::clear() {
  arena_.clear();
  entries_.clear();
  index_ = emptyIndex();
  pseudo_count_ = 0;
  byte_size_ = 0;
  garbage_ = 0;
}

std::optional<std::string_view> HeaderMap::get(std::string_view name) const {
  LowerName lower(name);
  const KnownHeader known = knownHeaderFromLowercase(lower.view());
  const size_t pos = findLowercase(lower.view(), known);
  if (pos == entries_.size()) return std::nullopt;
  return valueOf(entries_[pos]);
}

std::optional<std::string_view> HeaderMap::get(KnownHeader header) const {
  const uint32_t pos = index_[static_cast<size_t>(header)];
  if (pos == kNoEntry) return std::nullopt;
  return valueOf(entries_[pos]);
}

std::string_view HeaderMap::getOr(std::string_view name, std::string_view fallback) const {
  auto v = get(name);
  return v ? *v : fallback;
}

std::string_view HeaderMap::getOr(KnownHeader header, std::string_view fallback) const {
  const uint32_t pos = index_[static_cast<size_t>(header)];
  if (pos == kNoEntry) return fallback;
  return valueOf(entries_[pos]);
}

std::vector<std::string_view> HeaderMap::getAll(std::string_view name) const {
  LowerName lower(name);
  const std::string_view lname = lower.view();
  const KnownHeader known = knownHeaderFromLowercase(lname);
  if (known != KnownHeader::kNone) return getAll(known);
  std::vector<std::string_view> out;
  for (const Entry& e : entries_) {
    if (hasName(e, lname)) out.push_back(valueOf(e));
  }
  return out;
}

std::vector<std::string_view> HeaderMap::getAll(KnownHeader header) const {
  std::vector<std::string_view> out;
  const uint32_t pos = index_[static_cast<size_t>(header)];
  if (pos == kNoEntry) return out;
  for (size_t i = pos; i < entries_.size(); ++i) {
    if (entries_[i].known == header) out.push_back(valueOf(entries_[i]));
  }
  return out;
}

namespace {
std::string join(const std::vector<std::string_view>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i != 0) out.append(", ");
    out.append(values[i]);
  }
  return out;
}
}  // namespace

std::string HeaderMap::getJoined(std::string_view name) const { return join(getAll(name)); }
std::string HeaderMap::getJoined(KnownHeader header) const { return join(getAll(header)); }

size_t HeaderMap::count(std::string_view name) const { return getAll(name).size(); }

int HeaderMap::status() const {
  const std::string_view s = getOr(KnownHeader::kStatus);
  if (s.size() != 3) return 0;
  int code = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    code = code * 10 + (c - '0');
  }
  return code;
}

void HeaderMap::setStatus(int code) {
  if (code < 0) code = 0;
  if (code > 999) code = 999;
  const char buf[3] = {static_cast<char>('0' + code / 100), static_cast<char>('0' + code / 10 % 10),
                       static_cast<char>('0' + code % 10)};
  set(KnownHeader::kStatus, std::string_view(buf, 3));
}

std::optional<uint64_t> HeaderMap::contentLength() const {
  const uint32_t pos = index_[static_cast<size_t>(KnownHeader::kContentLength)];
  if (pos == kNoEntry) return std::nullopt;
  for (size_t i = pos + 1; i < entries_.size(); ++i) {
    if (entries_[i].known == KnownHeader::kContentLength) return std::nullopt;
  }
  const std::string_view v = valueOf(entries_[pos]);
  if (v.empty() || v.size() > 19) return std::nullopt;
  uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

void HeaderMap::setContentLength(uint64_t length) {
  char buf[24];
  char* end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + length % 10);
    length /= 10;
  } while (length != 0);
  set(KnownHeader::kContentLength, std::string_view(p, end - p));
}

bool HeaderMap::operator==(const HeaderMap& other) const {
  if (entries_.size() != other.entries_.size()) return false;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const HeaderView a = viewAt(i);
    const HeaderView b = other.viewAt(i);
    if (a.name != b.name || a.value != b.value) return false;
  }
  return true;
}

std::string HeaderMap::toString() const {
  std::string out;
  for (const HeaderView h : *this) {
    out.append(h.name).append(": ").append(h.value).append("\n");
  }
  return out;
}

void HeaderMap::reserve(size_t entries, size_t bytes) {
  entries_.reserve(entries);
  arena_.reserve(bytes);
}

namespace {
constexpr size_t kMaxRecycledMaps = 64;
constexpr size_t kMaxRecycledArenaBytes = 8 * 1024;
constexpr size_t kMaxRecycledEntries = 128;
thread_local std::vector<std::unique_ptr<HeaderMap>> t_recycled_maps;
}  // namespace

std::unique_ptr<HeaderMap> HeaderMap::adopt(HeaderMap&& parsed) {
  if (t_recycled_maps.empty()) return std::make_unique<HeaderMap>(std::move(parsed));
  std::unique_ptr<HeaderMap> map = std::move(t_recycled_maps.back());
  t_recycled_maps.pop_back();
  std::swap(*map, parsed);
  return map;
}

void HeaderMap::recycle(std::unique_ptr<HeaderMap> map) {
  if (map == nullptr || t_recycled_maps.size() >= kMaxRecycledMaps) return;
  if (map->arena_.capacity() > kMaxRecycledArenaBytes || map->entries_.capacity() > kMaxRecycledEntries) return;
  map->clear();
  t_recycled_maps.push_back(std::move(map));
}

}  // namespace weir::http

#include "base/buffer.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

namespace weir {

namespace {
// Small first allocation: most HTTP heads fit, and a socket read wants
// at least this much room anyway.
constexpr size_t kMinCapacity = 512;
}  // namespace

Buffer::Buffer(Buffer&& other) noexcept
    : storage_(std::move(other.storage_)),
      capacity_(std::exchange(other.capacity_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)) {}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    storage_ = std::move(other.storage_);
    capacity_ = std::exchange(other.capacity_, 0);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
  }
  return *this;
}

void Buffer::reallocate(size_t new_capacity) {
  auto fresh = std::make_unique_for_overwrite<char[]>(new_capacity);
  const size_t n = size();
  if (n != 0) std::memcpy(fresh.get(), storage_.get() + begin_, n);
  storage_ = std::move(fresh);
  capacity_ = new_capacity;
  begin_ = 0;
  end_ = n;
}

void Buffer::ensureTail(size_t extra) {
  if (capacity_ - end_ >= extra) return;
  const size_t n = size();
  // Compacting is cheaper than growing when the dead prefix is at least half
  // the block: the memmove is bounded by the bytes that made the prefix dead,
  // so its cost is amortized against the drains.
  if (n + extra <= capacity_ && begin_ >= capacity_ / 2) {
    if (n != 0) std::memmove(storage_.get(), storage_.get() + begin_, n);
    begin_ = 0;
    end_ = n;
    return;
  }
  size_t cap = std::max(capacity_ * 2, kMinCapacity);
  while (cap < n + extra) cap *= 2;
  reallocate(cap);
}

void Buffer::appendSlow(const char* data, size_t len) {
  if (len == 0) return;
  // `data` may point into this buffer (appending a copy of itself); keep it
  // as an offset from begin_, which survives compaction and growth.
  const char* base = storage_.get();
  if (base != nullptr && data >= base + begin_ && data < base + end_) {
    const size_t rel = data - (base + begin_);
    ensureTail(len);
    std::memcpy(storage_.get() + end_, storage_.get() + begin_ + rel, len);
    end_ += len;
    return;
  }
  ensureTail(len);
  std::memcpy(storage_.get() + end_, data, len);
  end_ += len;
}

void Buffer::append(Buffer&& other) {
  if (other.empty() || &other == this) return;
  if (empty() && other.capacity_ >= capacity_) {
    *this = std::move(other);
    return;
  }
  append(other.data(), other.size());
  other.clear();
}

void Buffer::prepend(std::string_view data) {
  if (data.empty()) return;
  if (begin_ >= data.size()) {
    begin_ -= data.size();
    std::memmove(storage_.get() + begin_, data.data(), data.size());
    return;
  }
  const size_t n = size();
  size_t cap = std::max(kMinCapacity, capacity_);
  while (cap < n + data.size()) cap *= 2;
  auto fresh = std::make_unique_for_overwrite<char[]>(cap);
  std::memcpy(fresh.get(), data.data(), data.size());
  if (n != 0) std::memcpy(fresh.get() + data.size(), storage_.get() + begin_, n);
  storage_ = std::move(fresh);
  capacity_ = cap;
  begin_ = 0;
  end_ = n + data.size();
}

void Buffer::drain(size_t n) {
  assert(n <= size());
  n = std::min(n, size());
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
}

void Buffer::release() {
  storage_.reset();
  capacity_ = begin_ = end_ = 0;
}

std::span<char> Buffer::writableSpan(size_t min_size) {
  ensureTail(std::max<size_t>(min_size, 1));
  return {storage_.get() + end_, capacity_ - end_};
}

void Buffer::commit(size_t n) {
  assert(n <= capacity_ - end_);
  end_ += std::min(n, capacity_ - end_);
}

void Buffer::moveTo(Buffer& dest, size_t n) {
  assert(n <= size());
  n = std::min(n, size());
  if (&dest == this || n == 0) return;
  if (n == size() && dest.empty() && capacity_ >= dest.capacity_) {
    dest = std::move(*this);
    return;
  }
  dest.append(data(), n);
  drain(n);
}

Buffer Buffer::takePrefix(size_t n) {
  Buffer out;
  moveTo(out, n);
  return out;
}

}  // namespace weir

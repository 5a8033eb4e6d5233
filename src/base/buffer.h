// weir::Buffer — an owned, contiguous byte buffer for socket I/O and bodies.
//
// Layout: one heap block [0, capacity) holding readable bytes in [begin, end).
// Readable bytes are always contiguous, so parsers get a plain string_view of
// everything buffered (no slice walking), and a socket write is one send() of
// view(). Costs:
//   - drain(n): O(1) (moves the read offset; an emptied buffer rewinds to 0).
//   - append(n bytes): amortized O(n). When the tail is full the buffer first
//     compacts (memmove of the readable bytes to the front) if at least half
//     of the block is dead space, otherwise grows geometrically (x2).
//   - append(Buffer&&) into an empty buffer: O(1) (steals the block).
//   - prepend(n): O(n) bytes copied when there is room before begin (there is
//     after drains), otherwise O(size + n).
//   - writableSpan(min) + commit(n): read straight from a socket into the
//     buffer with no intermediate copy; same amortized cost as append.
// Pointers and views into the buffer are invalidated by any non-const call.
// Not thread-safe; a buffer belongs to one worker at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace weir {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::string_view data) { append(data); }
  Buffer(Buffer&& other) noexcept;
  Buffer& operator=(Buffer&& other) noexcept;
  // Copies are explicit (copy()) so an accidental copy of a body never
  // hides in a by-value parameter.
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() = default;

  Buffer copy() const { return Buffer(view()); }

  size_t size() const { return end_ - begin_; }
  bool empty() const { return end_ == begin_; }
  // Bytes allocated (readable + dead + writable); for memory accounting.
  size_t capacity() const { return capacity_; }

  // All readable bytes, contiguous. Valid until the next non-const call.
  std::string_view view() const { return {data(), size()}; }
  const char* data() const { return storage_ ? storage_.get() + begin_ : nullptr; }
  std::string toString() const { return std::string(view()); }

  void append(std::string_view data) { append(data.data(), data.size()); }
  void append(const char* data, size_t len) {
    // Fast path, inline: the bytes fit behind end_. A source inside this
    // buffer lies before end_, so it cannot overlap the destination.
    if (len <= capacity_ - end_) {
      if (len != 0) std::memcpy(storage_.get() + end_, data, len);
      end_ += len;
      return;
    }
    appendSlow(data, len);
  }
  // Moves every byte of `other` to the end of this buffer; `other` is left empty.
  void append(Buffer&& other);
  void prepend(std::string_view data);

  // Removes the first n readable bytes (n <= size()).
  void drain(size_t n);
  // Drops all bytes; keeps the allocation for reuse.
  void clear() { begin_ = end_ = 0; }
  // Drops all bytes and frees the allocation.
  void release();

  // At least `min_size` writable bytes after the readable ones, for a socket
  // read. Write into the span, then commit() the count actually written.
  std::span<char> writableSpan(size_t min_size);
  // Makes n bytes of the last writableSpan() readable (n <= its size).
  void commit(size_t n);

  // Moves the first n readable bytes (n <= size()) to the end of `dest` and
  // drains them here. Moving everything into an empty dest steals the block.
  void moveTo(Buffer& dest, size_t n);
  // Same as moveTo into a fresh buffer.
  Buffer takePrefix(size_t n);

  bool operator==(const Buffer& other) const { return view() == other.view(); }
  bool operator==(std::string_view other) const { return view() == other; }

 private:
  // append() when the tail must be compacted or grown first.
  void appendSlow(const char* data, size_t len);
  // Ensures `extra` writable bytes after end_ (compacting or growing).
  void ensureTail(size_t extra);
  void reallocate(size_t new_capacity);

  std::unique_ptr<char[]> storage_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace weir

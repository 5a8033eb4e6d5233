// A bounds-checked cursor over a Wasm binary with the spec's LEB128 rules.
// Reads never throw and never allocate on success; the first failure is
// recorded (offset + reason + category) and every later read fails too, so
// callers can check once per logical item instead of after every byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "base/status.h"

namespace weir::wasm::binary {

struct DecodeError {
  size_t offset = 0;
  std::string reason;
  StatusCode code = StatusCode::kOk;
  bool isSet() const { return code != StatusCode::kOk; }
  // "<reason> at offset <offset>"
  Status toStatus() const;
};

// Whether [data, data+size) is well-formed UTF-8 (no overlongs, surrogates or
// code points above U+10FFFF).
bool isValidUtf8(const uint8_t* data, size_t size);

class Reader {
 public:
  Reader(const uint8_t* base, size_t begin, size_t end, DecodeError* err)
      : base_(base), pos_(begin), end_(end), err_(err) {}

  size_t pos() const { return pos_; }
  size_t end() const { return end_; }
  size_t remaining() const { return end_ - pos_; }
  bool atEnd() const { return pos_ >= end_; }
  bool ok() const { return !err_->isSet(); }
  const uint8_t* base() const { return base_; }
  // Narrow the readable range (to a section or function body); the caller
  // restores it afterwards.
  void setEnd(size_t end) { end_ = end; }
  // What running out of bytes is called here: "unexpected end" at the end of
  // the module, "unexpected end of section or function" inside one.
  void setEofReason(const char* reason) { eof_reason_ = reason; }
  const char* eofReason() const { return eof_reason_; }

  bool fail(std::string reason, StatusCode code = StatusCode::kInvalidArgument) {
    return failAt(pos_, std::move(reason), code);
  }
  [[gnu::noinline, gnu::cold]] bool failAt(size_t offset, std::string reason,
                                           StatusCode code = StatusCode::kInvalidArgument) {
    if (!err_->isSet()) {
      err_->offset = offset;
      err_->reason = std::move(reason);
      err_->code = code;
    }
    end_ = pos_;  // poison: every later read fails
    return false;
  }

  // On failure every read stores 0 into *out, so callers never see (and
  // compilers never warn about) an uninitialized value.
  bool readU8(uint8_t* out) {
    *out = 0;
    if (pos_ >= end_) return eof();
    *out = base_[pos_++];
    return true;
  }
  bool peekU8(uint8_t* out) const {
    if (pos_ >= end_) return false;
    *out = base_[pos_];
    return true;
  }
  bool skip(size_t n) {
    if (n > end_ - pos_) return eof();
    pos_ += n;
    return true;
  }
  bool readFixed32(uint32_t* out) {
    *out = 0;
    if (end_ - pos_ < 4) return eof();
    std::memcpy(out, base_ + pos_, 4);  // little-endian hosts only (checked in reader.cc)
    pos_ += 4;
    return true;
  }
  bool readFixed64(uint64_t* out) {
    *out = 0;
    if (end_ - pos_ < 8) return eof();
    std::memcpy(out, base_ + pos_, 8);
    pos_ += 8;
    return true;
  }

  bool readU32(uint32_t* out) {
    // Fast paths: one or two bytes cover nearly all indices and offsets.
    if (pos_ < end_ && base_[pos_] < 0x80) {
      *out = base_[pos_++];
      return true;
    }
    if (end_ - pos_ >= 2 && base_[pos_ + 1] < 0x80) {
      *out = (base_[pos_] & 0x7Fu) | (static_cast<uint32_t>(base_[pos_ + 1]) << 7);
      pos_ += 2;
      return true;
    }
    uint64_t v = 0;
    *out = 0;
    if (!readLeb(5, 32, false, &v)) return false;
    *out = static_cast<uint32_t>(v);
    return true;
  }
  bool readS32(int32_t* out) {
    // Fast path: one byte, bit 6 is the sign.
    if (pos_ < end_ && base_[pos_] < 0x80) {
      *out = static_cast<int32_t>(static_cast<uint32_t>(base_[pos_++]) << 25) >> 25;
      return true;
    }
    uint64_t v = 0;
    *out = 0;
    if (!readLeb(5, 32, true, &v)) return false;
    *out = static_cast<int32_t>(static_cast<uint32_t>(v));
    return true;
  }
  bool readS33(int64_t* out) {
    uint64_t v = 0;
    *out = 0;
    if (!readLeb(5, 33, true, &v)) return false;
    *out = static_cast<int64_t>(v);
    return true;
  }
  bool readS64(int64_t* out) {
    if (pos_ < end_ && base_[pos_] < 0x80) {
      *out = static_cast<int64_t>(static_cast<uint64_t>(base_[pos_++]) << 57) >> 57;
      return true;
    }
    uint64_t v = 0;
    *out = 0;
    if (!readLeb(10, 64, true, &v)) return false;
    *out = static_cast<int64_t>(v);
    return true;
  }
  // A length-prefixed UTF-8 name; the view points into the binary.
  bool readName(std::string_view* out, uint32_t max_bytes);

 private:
  [[gnu::noinline, gnu::cold]] bool eof() { return failAt(pos_, eof_reason_); }
  // Generic LEB128 per the spec: at most max_bytes bytes; in the last byte the
  // bits beyond `bits` must be zero (unsigned) or copies of the sign bit.
  bool readLeb(unsigned max_bytes, unsigned bits, bool is_signed, uint64_t* out);

  const uint8_t* base_;
  size_t pos_;
  size_t end_;
  DecodeError* err_;
  const char* eof_reason_ = "unexpected end";
};

}  // namespace weir::wasm::binary

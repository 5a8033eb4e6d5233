#include "wasm/binary/reader.h"

#include <bit>

namespace weir::wasm::binary {

static_assert(std::endian::native == std::endian::little,
              "the Wasm decoder reads fixed-width immediates with memcpy");

Status DecodeError::toStatus() const {
  return Status(code, reason + " at offset " + std::to_string(offset));
}

bool isValidUtf8(const uint8_t* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong 2-byte lead, or > U+10FFFF lead
    }
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      uint8_t cc = p[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
    if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
    i += len;
  }
  return true;
}

bool Reader::readLeb(unsigned max_bytes, unsigned bits, bool is_signed, uint64_t* out) {
  uint64_t result = 0;
  unsigned shift = 0;
  for (unsigned i = 0; i < max_bytes; ++i) {
    uint8_t b;
    if (pos_ >= end_) return eof();
    b = base_[pos_++];
    if (i == max_bytes - 1) {
      if (b & 0x80) return failAt(pos_ - 1, "integer representation too long");
      unsigned used = bits - shift;  // payload bits that belong to the value
      if (is_signed) {
        // Remaining high bits must replicate the sign bit of the value.
        uint8_t sign = (b >> (used - 1)) & 1;
        uint8_t mask = static_cast<uint8_t>((0x7F >> used) << used);
        if ((b & mask) != (sign ? mask : 0)) return failAt(pos_ - 1, "integer too large");
      } else if (used < 7 && (b >> used) != 0) {
        return failAt(pos_ - 1, "integer too large");
      }
    }
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      if (is_signed && shift < 64 && (b & 0x40)) result |= ~uint64_t{0} << shift;
      *out = result;
      return true;
    }
  }
  return false;  // unreachable: the last iteration returns
}

bool Reader::readName(std::string_view* out, uint32_t max_bytes) {
  uint32_t len;
  if (!readU32(&len)) return false;
  if (len > end_ - pos_) return fail("length out of bounds");
  if (len > max_bytes) return fail("name too long", StatusCode::kResourceExhausted);
  const uint8_t* p = base_ + pos_;
  if (!isValidUtf8(p, len)) return fail("malformed UTF-8 encoding");
  *out = std::string_view(reinterpret_cast<const char*>(p), len);
  pos_ += len;
  return true;
}

}  // namespace weir::wasm::binary

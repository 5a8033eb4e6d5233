// A tiny generator of valid Wasm modules from arbitrary bytes, for comparing
// the interpreter with the compiled tier (wasm_differential_fuzz.cc and the
// unit test that replays its seed corpus).
//
// Valid by construction: every function has type (i32, i32) -> i32, is
// exported as "f<N>", may call only lower-numbered functions (no recursion),
// and its loops count down a dedicated local from at most 8, so every call
// ends. The code mixes i32/i64 arithmetic (division traps included), loads
// and stores of every width at masked, raw and near-the-end addresses with
// small and huge offsets, memory.grow/size/fill/copy, if/else, select,
// nested loops and the occasional unreachable. Running out of input bytes
// makes every choice the simplest one, so any input yields a module.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weir::wasm::fuzz {

class ModuleGenerator {
 public:
  static constexpr uint32_t kMaxFunctions = 3;

  // The last quarter of the input (at most 64 bytes) is kept for the call
  // arguments, so they vary even when the module uses every other byte.
  ModuleGenerator(const uint8_t* data, size_t size)
      : p_(data), end_(data + size - std::min<size_t>(64, size / 4)), args_(end_), args_end_(data + size) {}

  std::vector<uint8_t> generate() {
    num_funcs_ = 1 + byte() % kMaxFunctions;
    std::vector<uint8_t> out = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    section(out, 1, {0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f});  // (i32, i32) -> i32
    std::vector<uint8_t> funcs = {static_cast<uint8_t>(num_funcs_)};
    for (uint32_t i = 0; i < num_funcs_; ++i) funcs.push_back(0x00);
    section(out, 3, funcs);
    section(out, 5, {0x01, 0x01, 0x01, 0x02});  // memory: min 1, max 2 pages
    std::vector<uint8_t> exports = {static_cast<uint8_t>(num_funcs_)};
    for (uint32_t i = 0; i < num_funcs_; ++i) {
      exports.insert(exports.end(), {0x02, 'f', static_cast<uint8_t>('0' + i), 0x00, static_cast<uint8_t>(i)});
    }
    section(out, 7, exports);
    std::vector<uint8_t> code = {static_cast<uint8_t>(num_funcs_)};
    for (uint32_t i = 0; i < num_funcs_; ++i) {
      func_ = i;
      body_.clear();
      body_.insert(body_.end(), {0x01, 0x06, 0x7f});  // locals 2..7: i32
      statements(0, 0);
      expr(0);
      body_.push_back(0x0b);
      uleb(code, body_.size());
      code.insert(code.end(), body_.begin(), body_.end());
    }
    section(out, 10, code);
    // One active data segment at a chosen offset (some near the end of the page).
    std::vector<uint8_t> data = {0x01, 0x00, 0x41};
    sleb(data, byte() & 1 ? 65536 - 16 : byte() * 64);
    data.push_back(0x0b);
    uint8_t n = byte() % 16;
    data.push_back(n);
    for (uint8_t k = 0; k < n; ++k) data.push_back(byte());
    section(out, 11, data);
    return out;
  }

  uint32_t numFunctions() const { return num_funcs_; }

  // The next call argument (zero once the argument bytes run out).
  int32_t argument() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | (args_ < args_end_ ? *args_++ : 0);
    return static_cast<int32_t>(v);
  }

 private:
  static constexpr int kMaxExprDepth = 4;
  static constexpr int kMaxBlockDepth = 2;
  static constexpr int kMaxStatements = 6;

  uint8_t byte() { return p_ < end_ ? *p_++ : 0; }
  uint32_t word() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | byte();
    return v;
  }

  static void uleb(std::vector<uint8_t>& out, uint64_t v) {
    do {
      uint8_t b = v & 0x7f;
      v >>= 7;
      out.push_back(static_cast<uint8_t>(b | (v ? 0x80 : 0)));
    } while (v);
  }
  static void sleb(std::vector<uint8_t>& out, int64_t v) {
    bool more = true;
    while (more) {
      uint8_t b = v & 0x7f;
      v >>= 7;
      more = !((v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40)));
      out.push_back(static_cast<uint8_t>(b | (more ? 0x80 : 0)));
    }
  }
  static void section(std::vector<uint8_t>& out, uint8_t id, const std::vector<uint8_t>& payload) {
    out.push_back(id);
    uleb(out, payload.size());
    out.insert(out.end(), payload.begin(), payload.end());
  }

  void op(std::initializer_list<uint8_t> bytes) { body_.insert(body_.end(), bytes); }
  void i32Const(int32_t v) {
    body_.push_back(0x41);
    sleb(body_, v);
  }

  // memarg: alignment 0 (always valid), an offset that is usually small.
  void memarg() {
    body_.push_back(0x00);
    static constexpr uint32_t kOffsets[] = {0, 0, 0, 1, 4, 7, 65532, 65535, 65536, 0x7fffffff, 0xffffffff};
    uleb(body_, kOffsets[byte() % (sizeof kOffsets / sizeof kOffsets[0])]);
  }

  // An address: mostly inside the first page, sometimes raw or at its end.
  void address(int depth) {
    switch (byte() % 4) {
      case 0:
      case 1:
        expr(depth + 1);
        i32Const(0xffff);
        op({0x71});  // i32.and
        break;
      case 2: i32Const(65536 - static_cast<int32_t>(byte() % 9)); break;
      default: expr(depth + 1); break;
    }
  }

  // Pushes one i32.
  void expr(int depth) {
    uint8_t choice = depth >= kMaxExprDepth ? byte() % 2 : byte() % 12;
    switch (choice) {
      case 0: i32Const(byte() & 1 ? static_cast<int32_t>(word()) : (byte() + 4) % 20 - 4); break;
      case 1: op({0x20, static_cast<uint8_t>(byte() % 6)}); break;  // local.get 0..5
      case 2:
      case 3: {
        // i32 binary operators 0x46..0x4f (compare) and 0x6a..0x78 (arithmetic).
        static constexpr uint8_t kOps[] = {0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
                                           0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73,
                                           0x74, 0x75, 0x76, 0x77, 0x78};
        expr(depth + 1);
        expr(depth + 1);
        body_.push_back(kOps[byte() % sizeof kOps]);
        break;
      }
      case 4: {
        static constexpr uint8_t kOps[] = {0x45, 0x67, 0x68, 0x69, 0xc0, 0xc1};  // eqz clz ctz popcnt ext8 ext16
        expr(depth + 1);
        body_.push_back(kOps[byte() % sizeof kOps]);
        break;
      }
      case 5: {
        static constexpr uint8_t kLoads[] = {0x28, 0x2c, 0x2d, 0x2e, 0x2f};  // i32.load, 8_s/u, 16_s/u
        address(depth);
        uint8_t k = byte() % (sizeof kLoads + 1);
        if (k == sizeof kLoads) {
          body_.push_back(0x29);  // i64.load, wrapped
          memarg();
          op({0xa7});
        } else {
          body_.push_back(kLoads[k]);
          memarg();
        }
        break;
      }
      case 6: {
        // i64 arithmetic on extended operands, wrapped back.
        static constexpr uint8_t kOps[] = {0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83,
                                           0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a};
        expr(depth + 1);
        body_.push_back(byte() & 1 ? 0xac : 0xad);  // i64.extend_i32_s/u
        expr(depth + 1);
        body_.push_back(byte() & 1 ? 0xac : 0xad);
        body_.push_back(kOps[byte() % sizeof kOps]);
        op({0xa7});  // i32.wrap_i64
        break;
      }
      case 7:
        expr(depth + 1);
        expr(depth + 1);
        expr(depth + 1);
        op({0x1b});  // select
        break;
      case 8:
        if (func_ == 0) {
          i32Const(static_cast<int32_t>(word()));
          break;
        }
        expr(depth + 1);
        expr(depth + 1);
        op({0x10, static_cast<uint8_t>(byte() % func_)});  // call a lower function
        break;
      case 9:
        if (byte() & 1) {
          op({0x3f, 0x00});  // memory.size
        } else {
          expr(depth + 1);
          i32Const(1);
          op({0x71, 0x40, 0x00});  // memory.grow (0 or 1 page)
        }
        break;
      case 10: op({0x20, static_cast<uint8_t>(2 + byte() % 4)}); break;
      default: i32Const(static_cast<int32_t>(byte())); break;
    }
  }

  void statements(int block_depth, int loop_depth) {
    int n = byte() % (kMaxStatements + 1);
    for (int i = 0; i < n; ++i) statement(block_depth, loop_depth);
  }

  void statement(int block_depth, int loop_depth) {
    uint8_t choice = byte() % 10;
    if (block_depth >= kMaxBlockDepth && (choice == 3 || choice == 4)) choice = 0;
    switch (choice) {
      case 0:
      case 1:
        expr(0);
        op({0x21, static_cast<uint8_t>(2 + byte() % 4)});  // local.set 2..5
        break;
      case 2: {
        static constexpr uint8_t kStores[] = {0x36, 0x3a, 0x3b};  // i32.store, store8, store16
        address(0);
        expr(0);
        uint8_t k = byte() % (sizeof kStores + 1);
        if (k == sizeof kStores) {
          op({0xad, 0x37});  // i64.store of the zero-extended value
        } else {
          body_.push_back(kStores[k]);
        }
        memarg();
        break;
      }
      case 3:
        expr(0);
        op({0x04, 0x40});  // if (no result)
        statements(block_depth + 1, loop_depth);
        if (byte() & 1) {
          op({0x05});
          statements(block_depth + 1, loop_depth);
        }
        op({0x0b});
        break;
      case 4: {
        // for (L = k; L != 0; --L) { ... } with L = local 6 + loop depth (do-while: k >= 1).
        uint8_t counter = static_cast<uint8_t>(6 + loop_depth);
        i32Const(1 + byte() % 8);
        op({0x21, counter, 0x03, 0x40});  // local.set L; loop
        statements(block_depth + 1, loop_depth + 1);
        op({0x20, counter, 0x41, 0x01, 0x6b, 0x22, counter, 0x0d, 0x00, 0x0b});  // L-1, tee, br_if 0, end
        break;
      }
      case 5:
        expr(0);
        op({0x1a});  // drop
        break;
      case 6:
        // memory.fill / memory.copy with a short length at a chosen address.
        address(0);
        if (byte() & 1) {
          expr(0);
          i32Const(byte());
          op({0xfc, 0x0b, 0x00});
        } else {
          address(0);
          i32Const(byte());
          op({0xfc, 0x0a, 0x00, 0x00});
        }
        break;
      case 7:
        if (byte() == 0x7f) {
          op({0x00});  // unreachable
          break;
        }
        [[fallthrough]];
      default:
        expr(0);
        op({0x21, static_cast<uint8_t>(2 + byte() % 4)});
        break;
    }
  }

  const uint8_t* p_;
  const uint8_t* end_;
  const uint8_t* args_;
  const uint8_t* args_end_;
  uint32_t num_funcs_ = 1;
  uint32_t func_ = 0;
  std::vector<uint8_t> body_;
};

}  // namespace weir::wasm::fuzz

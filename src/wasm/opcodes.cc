#include "wasm/opcodes.h"

#include <array>

namespace weir::wasm {
namespace {

// Name tables indexed by code; built once from the X-macro lists.
struct NameTables {
  std::array<std::string_view, 256> single{};
  std::array<std::string_view, kNumFcOpcodes> fc{};
  std::array<std::string_view, kSimdOpcodeLimit> simd{};
  NameTables() {
#define WEIR_SET_SINGLE(name, code, text) single[code] = text;
#define WEIR_SET_FC(name, code, text) fc[code] = text;
#define WEIR_SET_SIMD(name, code, text) simd[code] = text;
    WEIR_WASM_OPCODES(WEIR_SET_SINGLE)
    WEIR_WASM_FC_OPCODES(WEIR_SET_FC)
    WEIR_WASM_SIMD_OPCODES(WEIR_SET_SIMD)
#undef WEIR_SET_SINGLE
#undef WEIR_SET_FC
#undef WEIR_SET_SIMD
  }
};

const NameTables& tables() {
  static const NameTables t;
  return t;
}

}  // namespace

std::string_view opcodeName(uint8_t byte) { return tables().single[byte]; }
std::string_view opcodeName(Opcode op) { return opcodeName(static_cast<uint8_t>(op)); }
std::string_view fcOpcodeName(uint32_t sub) { return sub < kNumFcOpcodes ? tables().fc[sub] : std::string_view(); }
std::string_view simdOpcodeName(uint32_t sub) {
  return sub < kSimdOpcodeLimit ? tables().simd[sub] : std::string_view();
}
bool isKnownOpcode(uint8_t byte) { return !tables().single[byte].empty(); }
bool isKnownFcOpcode(uint32_t sub) { return !fcOpcodeName(sub).empty(); }
bool isKnownSimdOpcode(uint32_t sub) { return !simdOpcodeName(sub).empty(); }

}  // namespace weir::wasm

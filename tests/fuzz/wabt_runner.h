// wabt's interpreter (libwabt, Debian's wabt package) behind a plain
// interface: wabt 1.0.32's interpreter headers are not valid C++20, so they
// are compiled in wabt_runner.cc alone, as C++17, and nothing of wabt shows
// here. The reference side of the wabt differential fuzzer and test.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weir::wasm::fuzz {

class WabtRunner {
 public:
  struct CallResult {
    bool trapped = false;
    std::string trap_message;       // when trapped
    std::vector<uint32_t> results;  // i32 results, when not trapped
  };

  // Decodes and instantiates `bytes` (no imports). Null with `error` set when
  // wabt rejects the module or its instantiation traps.
  static std::unique_ptr<WabtRunner> create(const std::vector<uint8_t>& bytes, std::string* error);
  ~WabtRunner();

  // Calls the exported function `name` with i32 arguments; nullopt when there
  // is no such export.
  std::optional<CallResult> call(const std::string& name, const std::vector<uint32_t>& args);
  // The first memory's bytes (valid until the next call), or nullopt when the
  // module has none.
  struct MemoryView {
    const uint8_t* data;
    size_t size;
  };
  std::optional<MemoryView> memory() const;

 private:
  struct State;
  explicit WabtRunner(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace weir::wasm::fuzz

// The compiled tier's prepared code: a loaded shared object and its entry
// points. Immutable once loaded; shared by every instance on every thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "wasm/aot/abi.h"
#include "wasm/aot/options.h"
#include "wasm/module.h"
#include "wasm/runtime/engine.h"

namespace weir::wasm::aot {

class AotCode : public runtime::CodeObject {
 public:
  ~AotCode() override;
  runtime::Tier tier() const override { return runtime::Tier::kAot; }

  // Loads a verified object (from memory, through a memfd, so what is loaded
  // is exactly what was verified) for `module`.
  static Result<std::unique_ptr<AotCode>> load(std::span<const uint8_t> object, const wasm::Module& module);

  // Function index of a code pointer of this object, or -1.
  int64_t functionIndexOf(wasm_rt_function_ptr_t p) const {
    auto it = index_of_.find(reinterpret_cast<void*>(p));
    return it == index_of_.end() ? -1 : static_cast<int64_t>(it->second);
  }

  // The same module built with explicit bounds checks, for an instance whose
  // memory is not inside a guard reservation (an imported memory, or the
  // address space ran out): this object when it already checks, else
  // compiled (or loaded from the cache) on first use, once, on the calling
  // thread.
  Result<const AotCode*> explicitChecksVariant() const;

  uint64_t instance_size = 0;
  InstantiateFn instantiate = nullptr;
  FreeFn free = nullptr;
  InvokeFn invoke = nullptr;
  TrapOobFn raise_oob = nullptr;  // raises the out-of-bounds trap (fault handler)
  TrapBacktraceFn trap_backtrace = nullptr;  // this thread's last trap's return addresses

  // The Wasm function whose generated code holds `pc` (its main body, a part
  // the C compiler split off, or its entry trampoline, which may have it
  // inlined), or index -1.
  struct CodeAt {
    int64_t func_index = -1;
    bool entry = false;  // in the entry trampoline: the outermost frame
  };
  CodeAt functionAt(uintptr_t pc) const;
  MemoryChecks memory_checks = MemoryChecks::kExplicit;  // resolved
  std::vector<wasm_rt_function_ptr_t> func_ptrs;  // by function index (imports: their thunks)
  std::string cache_key;                          // empty when not cached
  bool loaded_from_cache = false;

 private:
  AotCode() = default;
  friend Result<std::unique_ptr<AotCode>> compileModule(const wasm::Module&, const AotOptions&);
  void* handle_ = nullptr;
  int fd_ = -1;  // the memfd holding the object
  std::unordered_map<void*, uint32_t> index_of_;
  struct CodeRange {
    uintptr_t begin, end;
    uint32_t func_index;
    bool entry;
  };
  std::vector<CodeRange> ranges_;  // sorted by begin, from the object's symbol table
  void readCodeRanges(std::span<const uint8_t> object, uintptr_t load_base, uint32_t num_imported_funcs);
  // For explicitChecksVariant(): the module (it outlives its code) and how
  // this object was compiled.
  const wasm::Module* module_ = nullptr;
  AotOptions options_;
  mutable std::mutex variant_mu_;
  mutable std::unique_ptr<AotCode> variant_;
  mutable Status variant_status_ = Status::ok();
};

// Translates, compiles, caches and loads. kUnavailable: no toolchain;
// kUnimplemented: a module feature the compiled tier (or wasm2c) lacks.
Result<std::unique_ptr<AotCode>> compileModule(const wasm::Module& module, const AotOptions& options);

// The shared object for `module`, built in a private temporary directory.
Result<std::vector<uint8_t>> buildObject(const wasm::Module& module, int opt_level,
                                         const std::string& emit_c_dir = {},
                                         MemoryChecks checks = MemoryChecks::kDefault,
                                         Emitter emitter = Emitter::kDefault);

}  // namespace weir::wasm::aot

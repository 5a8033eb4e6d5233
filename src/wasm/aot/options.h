// How the compiled tier compiles and where it caches.
#pragma once

#include <string>

namespace weir::wasm::aot {

// How compiled code keeps loads and stores inside linear memory
// (docs/wasm-aot.md has the measurements behind the default).
enum class MemoryChecks {
  kDefault,     // $WEIR_AOT_BOUNDS_CHECKS=explicit|guard, else kGuardPages where available
  kGuardPages,  // no check in the code: each memory sits in an 8 GiB PROT_NONE reservation
                // and a fault in it is turned into the out-of-bounds trap
  kExplicit,    // every access compared against the memory's current size
};

// Which functions weir's own C emitter (emitter.h) translates instead of
// wasm2c.
enum class Emitter {
  kDefault,  // $WEIR_AOT_EMITTER=all|simd, else kSimd
  kSimd,     // the functions wasm2c 1.0.32 cannot translate: SIMD instructions or v128 locals
  kAll,      // every function it can translate (tests: the spec suite through the emitter)
};

struct AotOptions {
  // Cache directory; empty: $WEIR_AOT_CACHE_DIR, else $XDG_CACHE_HOME/weir/aot,
  // else $HOME/.cache/weir/aot.
  std::string cache_dir;
  bool use_cache = true;
  // The C compiler's -O level. 2 for serving; the spec-test run uses 0 (it
  // compiles thousands of tiny modules and only checks semantics).
  int opt_level = 2;
  // When set, the generated C (module.c, module.h, wasm-rt.h) is copied there
  // (`weir wasm compile --emit-c DIR`: debugging, measuring variants).
  std::string emit_c_dir;
  MemoryChecks memory_checks = MemoryChecks::kDefault;
  Emitter emitter = Emitter::kDefault;
};

// kDefault resolved (environment, platform); the other values unchanged
// except kGuardPages where guard pages cannot work (32-bit hosts).
MemoryChecks resolveMemoryChecks(MemoryChecks checks);
// kDefault resolved from the environment.
Emitter resolveEmitter(Emitter emitter);

}  // namespace weir::wasm::aot

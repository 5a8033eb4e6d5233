// How the compiled tier compiles and where it caches.
#pragma once

#include <string>

namespace weir::wasm::aot {

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
};

}  // namespace weir::wasm::aot

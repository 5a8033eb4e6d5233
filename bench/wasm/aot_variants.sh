#!/usr/bin/env bash
# aot_variants.sh BUILD_DIR NAME ITERATIONS
#
# What the compiled tier's safety checks cost: builds bench/wasm/NAME.c for
# wasm32-wasi, emits the generated C with `weir wasm compile --emit-c`, and
# compiles variants of it with the tier's fixed flags, each installed in a
# private cache under the key weir looks up (object + .sha256 sidecar), then
# runs `weir wasm run --engine aot` on each and prints CPU seconds, after the
# native gcc -O2 build and the same without auto-vectorization (native-novec:
# the baseline for a scalar Wasm build, WASM_FLAGS without -msimd128):
#   full        what weir ships by default: guard pages (no per-access bounds
#               check), entry checks, loop polls
#   explicit    full with explicit bounds checks (MemoryChecks::kExplicit,
#               WEIR_AOT_BOUNDS_CHECKS=explicit)
#   O3          full compiled with -O3 instead of -O2
#   baseline    full compiled for baseline x86-64 (SSE2) where weir builds for
#               x86-64-v2 (SSSE3, SSE4.1/4.2, POPCNT: pshufb, pinsr*/pextr*),
#               i.e. what a CPU without x86-64-v2 runs
#   no-poll     no fuel/interrupt poll at loop headers and function entry
#   no-entry    no depth/native-stack check at function entry (nor poll)
#   bare        neither of the two (guard pages still on)
#   no-force    full without the empty asm that keeps every load (a load whose
#               value is unused must still trap out of bounds)
# no-poll, no-entry, bare and no-force are unsafe and exist only here.
# VARIANTS="full O3" picks a subset.
set -euo pipefail
build=$(cd "$1" && pwd); name=$2; iters=$3
here=$(cd "$(dirname "$0")" && pwd)
weir="$build/weir"
work="$build/bench-wasm/aot-variants"
rm -rf "$work"; mkdir -p "$work/c"
export WEIR_AOT_CACHE_DIR="$work/cache"
# The Wasm features bench/wasm/run.sh builds with (WASM_FLAGS, same default).
clang --target=wasm32-wasi -O2 ${WASM_FLAGS--msimd128 -mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals} \
  -fuse-ld=lld -o "$work/$name.wasm" "$here/$name.c"
gcc -O2 -o "$work/$name.native" "$here/$name.c"
gcc -O2 -fno-tree-vectorize -o "$work/$name.native-novec" "$here/$name.c"
so=$("$weir" wasm compile --emit-c "$work/c" "$work/$name.wasm" | sed -n 's/^[a-z]*: //p')
# The explicitly checked build is generated differently (no direct memory
# base): emit it as weir builds it. It runs fine on a guarded memory.
mkdir -p "$work/c-explicit"
WEIR_AOT_BOUNDS_CHECKS=explicit "$weir" wasm compile --emit-c "$work/c-explicit" "$work/$name.wasm" >/dev/null
[ -f "$so" ] || { echo "no cached object at $so" >&2; exit 1; }
cpu() { /usr/bin/time -f '%U %S' -o "$work/.t" "$@" >"$work/.out" 2>&1; awk '{ printf "%.2f", $1 + $2 }' "$work/.t"; }
# A substitution that matched nothing would time the full build under
# another variant's name: stop instead.
substituted() {  # variant, pattern after "#define ", file
  grep -q "^#define $2" "$3" || { echo "$1: its substitution found nothing in $(basename "$3")" >&2; exit 1; }
}
printf '%-12s %8s %s\n' variant "cpu s" checksum
for n in native native-novec; do
  printf '%-12s %8s %s\n' $n "$(cpu "$work/$name.$n" "$iters")" "$(sed -n 's/.*checksum=//p' "$work/.out")"
done
for v in ${VARIANTS:-full baseline explicit O3 no-poll no-entry bare no-force}; do
  d="$work/$v"
  if [ "$v" = explicit ]; then cp -r "$work/c-explicit" "$d"; else cp -r "$work/c" "$d"; fi
  case $v in
    no-poll|bare)
      sed -i 's/^#define WEIR_POLL(env) \\$/#define WEIR_POLL(env) do {} while (0)\n#define WEIR_POLL_UNUSED(env) \\/' "$d/wasm-rt.h"
      substituted "$v" WEIR_POLL_UNUSED "$d/wasm-rt.h" ;;
  esac
  case $v in
    no-entry|bare)
      sed -i 's/^#define WEIR_ENTRY_CHECK(env) .*$/#define WEIR_ENTRY_CHECK(env) do { ++(env)->depth; } while (0)\n#define WEIR_ENTRY_CHECK_UNUSED(env) \\/' "$d/module.c"
      substituted "$v" WEIR_ENTRY_CHECK_UNUSED "$d/module.c" ;;
  esac
  if [ "$v" = no-force ]; then
    sed -i 's/^#define WEIR_FORCE_READ_\(INT\|FLOAT\)(v) .*$/#define WEIR_FORCE_READ_\1(v)/' "$d/module.c"
    substituted "$v" 'WEIR_FORCE_READ_INT(v)$' "$d/module.c"
  fi
  opt=-O2; [ "$v" = O3 ] && opt=-O3
  # The instruction-set level weir compiled for (weir_aot_isa in the glue).
  isa=$(sed -n 's/.*weir_aot_isa(void) { return "\([^"]*\)".*/\1/p' "$d/module.c")
  [ -n "$isa" ] && [ "$v" != baseline ] && opt="$opt -march=$isa"
  (cd "$d" && gcc $opt -fPIC -shared -fvisibility=hidden -ffp-contract=off -DNDEBUG -w -I. \
     -o module.so module.c -lm)
  cp "$d/module.so" "$so"; sha256sum "$so" | cut -d' ' -f1 >"$so.sha256"
  printf '%-12s %8s %s\n' "$v" "$(cpu "$weir" wasm run --engine aot "$work/$name.wasm" "$iters")" \
    "$(sed -n 's/.*checksum=//p' "$work/.out")"
done

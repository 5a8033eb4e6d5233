#!/usr/bin/env bash
# run.sh [--quick] [--callgrind] [--aot-only] [--only NAME] BUILD_DIR
#
# Builds every benchmark program natively (gcc -O2) and for wasm32-wasi (clang -O2,
# Debian's wasi-libc, lld), runs each on
#   native      the gcc build,
#   weir        BUILD_DIR/weir wasm run PROG.wasm ITERATIONS (if that command exists),
#   weir-aot    BUILD_DIR/weir wasm run --engine aot (if `weir wasm compile` exists):
#               each module is first compiled cold into BUILD_DIR/bench-wasm/aot-cache
#               with `weir wasm compile` (that time and the module size are printed
#               in a second table), so the measured run loads the cached object,
#   wasm-interp wabt's interpreter: `--wasi` when this wabt has WASI, otherwise the
#               export-only build of the program (no WASI imports) with
#               --run-all-exports; it gets ITERATIONS/WABT_DIV iterations because it
#               is ~100x slower than native,
# checks that every engine's checksum matches native's for the same iteration count,
# and prints CPU seconds (user+sys), per-iteration ratios to native and their
# geometric means. Each program's runs are repeated REPS times, interleaved
# (native, weir, weir-aot, wasm-interp, native, ...), and the minimum per
# (program, engine) is reported and used for the ratios: on a shared machine
# noise only adds time. Every repetition's checksum is checked.
#
# --callgrind: instruction counts (valgrind --tool=callgrind) instead of times, with
#              ITERATIONS/CG_DIV iterations (wasm-interp: /CG_DIV/WABT_DIV).
# --quick:     a tenth of the iterations (smoke run).
# --aot-only:  native and the compiled tier only (no interpreters): comparing
#              builds of the tier, e.g. WEIR_AOT_BOUNDS_CHECKS=explicit vs guard.
# Environment: REPS (default 3; 1 with --callgrind, whose counts are exact),
#              WABT_DIV (default 50), CG_DIV (default 100), CC_NATIVE (gcc),
#              CC_WASM (clang), WASM_FLAGS (Wasm features, default
#              "-msimd128 -mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals":
#              what LLVM 20's default target CPU enables for C code, plus 128-bit
#              SIMD, the counterpart of the SSE2 that native gcc -O2 vectorizes
#              with (WASM_FLAGS without -msimd128 measures scalar Wasm; clang 14's
#              default is only sign-ext and mutable-globals: WASM_FLAGS= for that).
set -uo pipefail

quick=0
callgrind=0
aot_only=0
only=""
build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --callgrind) callgrind=1 ;;
    --aot-only) aot_only=1 ;;
    --only) shift; only=${1:-} ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) build=$1 ;;
  esac
  shift
done
build=${build:-build}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$build" || exit 1
build=$(cd "$build" && pwd)
out="$build/bench-wasm"
mkdir -p "$out"

wabt_div=${WABT_DIV:-50}
reps=${REPS:-$( [ "$callgrind" = 1 ] && echo 1 || echo 3)}
cg_div=${CG_DIV:-100}
cc_native=${CC_NATIVE:-gcc}
cc_wasm=${CC_WASM:-clang}
wasm_flags=${WASM_FLAGS--msimd128 -mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals}

# name:default-iterations (the defaults run ~1 s natively on the reference machine).
programs="coremark:50000 matmul:2000 sha256:4000 strparse:28000 fib:1200 memops:4000"

die() { echo "run.sh: $*" >&2; exit 1; }
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "REPS must be a positive integer (got '$reps')"

# ---- tools ------------------------------------------------------------------------

command -v "$cc_native" >/dev/null || die "$cc_native not found"
have_wasm_cc=1
if ! command -v "$cc_wasm" >/dev/null || ! command -v wasm-ld >/dev/null; then
  have_wasm_cc=0
  echo "note: $cc_wasm or wasm-ld missing: no wasm builds, native column only"
fi

weir_bin="$build/weir"
have_weir=0
if [ -x "$weir_bin" ] && "$weir_bin" help 2>/dev/null | grep -q '^  wasm run '; then
  have_weir=1
fi

have_aot=0
if [ "$have_weir" = 1 ] && "$weir_bin" help 2>/dev/null | grep -q '^  wasm compile '; then
  have_aot=1
  export WEIR_AOT_CACHE_DIR="$out/aot-cache"
  rm -rf "$WEIR_AOT_CACHE_DIR"
fi

have_wabt=0
[ "$aot_only" = 1 ] && echo "--aot-only: interpreters skipped; WEIR_AOT_BOUNDS_CHECKS=${WEIR_AOT_BOUNDS_CHECKS:-(unset: guard pages)}"
wabt_mode=""
if [ "$aot_only" = 0 ] && command -v wasm-interp >/dev/null; then
  have_wabt=1
  # Debian's wabt is built without WASI; probe instead of assuming.
  printf '\0asm\1\0\0\0' >"$out/empty.wasm"
  probe=$(wasm-interp --wasi "$out/empty.wasm" 2>&1)
  if [[ "$probe" == *"wasi support not compiled in"* ]]; then
    wabt_mode=export
  else
    wabt_mode=wasi
  fi
fi
if [ "$callgrind" = 1 ] && ! command -v valgrind >/dev/null; then
  die "--callgrind needs valgrind"
fi

# ---- build --------------------------------------------------------------------------

build_native() {  # name
  "$cc_native" -O2 -Wall -Wextra -o "$out/$1.native" "$here/$1.c" || die "native build of $1 failed"
}
build_wasm() {  # name
  "$cc_wasm" --target=wasm32-wasi -O2 $wasm_flags -Wall -Wextra -fuse-ld=lld -o "$out/$1.wasm" "$here/$1.c" \
    || die "wasm build of $1 failed"
}
build_wasm_export() {  # name iterations → path
  local path="$out/$1.export-$2-$(printf '%s' "$wasm_flags" | md5sum | cut -c1-8).wasm"
  if [ ! -f "$path" ] || [ "$here/$1.c" -nt "$path" ]; then
    "$cc_wasm" --target=wasm32-wasi -O2 $wasm_flags -DBENCH_EXPORT_ITERS="$2" -nostartfiles -Wl,--no-entry \
      -fuse-ld=lld -o "$path" "$here/$1.c" || die "export build of $1 failed"
  fi
  echo "$path"
}

# ---- measuring ------------------------------------------------------------------------

# run_timed OUTFILE CMD... → prints CPU seconds (user+sys) of CMD; its stdout in OUTFILE.
run_timed() {
  local outfile=$1; shift
  local tfile="$out/.time"
  /usr/bin/time -f '%U %S' -o "$tfile" "$@" >"$outfile" 2>"$outfile.err"
  local rc=$?
  [ $rc -eq 0 ] || { echo "FAIL(rc=$rc)"; return; }
  awk '{ printf "%.3f", $1 + $2 }' "$tfile"
}

# run_counted OUTFILE CMD... → prints the instructions callgrind counted for CMD.
run_counted() {
  local outfile=$1; shift
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >"$outfile" 2>"$outfile.err"
  local rc=$?
  [ $rc -eq 0 ] || { echo "FAIL(rc=$rc)"; return; }
  sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$outfile.err" | tail -1
}

measure() {  # OUTFILE CMD...
  if [ "$callgrind" = 1 ]; then run_counted "$@"; else run_timed "$@"; fi
}

# Checksum printed by a command-style run ("... checksum=1234abcd").
checksum_of() { sed -n 's/.*checksum=\([0-9a-f]*\).*/\1/p' "$1" | tail -1; }
# Checksum printed by wasm-interp --run-all-exports ("bench_main() => i32:123").
wabt_checksum_of() {
  local v
  v=$(sed -n 's/.*bench_main() => i32:\([0-9]*\).*/\1/p' "$1" | tail -1)
  [ -n "$v" ] && printf '%08x' "$v"
}

is_number() { [[ "$1" =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
# ratio A_per_iter / B_per_iter: ratio VALUE_A ITERS_A VALUE_B ITERS_B
ratio() { awk -v a="$1" -v na="$2" -v b="$3" -v nb="$4" 'BEGIN { if (b <= 0 || a <= 0) print "-"; else printf "%.2f", (a / na) / (b / nb) }'; }
# min_of A B → the smaller of two numbers, printed as given ("n/a" for A means none yet).
min_of() { if is_number "$1"; then awk -v a="$1" -v b="$2" 'BEGIN { print (b + 0 < a + 0) ? b : a }'; else echo "$2"; fi; }

# One engine's repetitions for the current program: val[E] is the minimum so far
# (or the first failure, "FAIL(rc=N)"), bad[E] the first wrong checksum or failure.
declare -A val bad
take() {  # ENGINE VALUE CHECKSUM WANT
  local e=$1 v=$2 got=$3 want=$4
  [ -n "${bad[$e]:-}" ] && return
  if ! is_number "$v"; then
    val[$e]=$v; bad[$e]=${got:-none}
  elif [ "$got" != "$want" ]; then
    val[$e]=$(min_of "${val[$e]}" "$v"); bad[$e]=${got:-none}
  else
    val[$e]=$(min_of "${val[$e]}" "$v")
  fi
}

# ---- run ------------------------------------------------------------------------------

unit="cpu s"
[ "$callgrind" = 1 ] && unit="instr"
echo "weir wasm benchmarks ($( [ "$callgrind" = 1 ] && echo "callgrind instruction counts" || echo "CPU seconds, user+sys"))"
echo "native: $cc_native -O2 | wasm: $cc_wasm --target=wasm32-wasi -O2 $wasm_flags"
[ "$have_weir" = 1 ] || echo "weir: not available ($weir_bin has no 'wasm run' command)"
if [ "$have_wabt" = 1 ]; then
  [ "$wabt_mode" = export ] && echo "wasm-interp: no WASI in this build; running the export-only variant with 1/$wabt_div of the iterations"
else
  echo "wasm-interp: not available"
fi
echo "each value: min of $reps interleaved run$( [ "$reps" = 1 ] || echo s) (native, then each engine, per repetition)"
echo

printf '%-9s %8s %12s %12s %8s %12s %8s %12s %12s %8s  %s\n' program iters "native $unit" "weir $unit" weir/nat \
  "aot $unit" aot/nat "wabt iters" "wabt $unit" wabt/nat checksums
weir_ratios=()
aot_ratios=()
compile_lines=()
wabt_ratios=()
status=0

# The ratio of one engine to native for this program (sets ${engine}_r and
# appends to ${engine}_ratios), or a MISMATCH note and a failing status.
judge() {  # engine engine_iters [mismatch_suffix]
  local e=$1 it=$2 r
  local -n ratios_ref=${e}_ratios
  if [ -z "${bad[$e]:-}" ]; then
    r=$(ratio "${val[$e]}" "$it" "$native_v" "$iters")
    ratios_ref+=("$r")
    printf -v "${e}_r" '%s' "$r"
    notes+=" $e=ok"
  else
    notes+=" $e=MISMATCH(${bad[$e]}${3:-})"
    status=1
  fi
}
for entry in $programs; do
  name=${entry%%:*}
  iters=${entry##*:}
  [ -n "$only" ] && [ "$only" != "$name" ] && continue
  [ "$quick" = 1 ] && iters=$(( iters / 10 > 0 ? iters / 10 : 1 ))
  [ "$callgrind" = 1 ] && iters=$(( iters / cg_div > 0 ? iters / cg_div : 1 ))
  wabt_iters=$(( iters / wabt_div > 0 ? iters / wabt_div : 1 ))

  build_native "$name"
  val=([native]=n/a [weir]=n/a [aot]=n/a [wabt]=n/a)
  bad=()
  run_weir=0; run_aot=0; run_wabt=0
  native_sum=""
  if [ "$have_wasm_cc" = 1 ]; then
    build_wasm "$name"
    [ "$have_weir" = 1 ] && [ "$aot_only" = 0 ] && run_weir=1
    if [ "$have_aot" = 1 ]; then
      run_aot=1
      # Compile time is measured apart (wall and CPU seconds of the compile
      # command, which waits for wasm2c and cc), once, never inside the runs.
      start=$(date +%s.%N)
      /usr/bin/time -f '%U %S' -o "$out/.ctime" "$weir_bin" wasm compile "$out/$name.wasm" \
        >"$out/$name.compile.out" 2>&1
      end=$(date +%s.%N)
      csize=$(stat -c %s "$out/$name.wasm")
      ccpu=$(awk '{ printf "%.2f", $1 + $2 }' "$out/.ctime")
      compile_lines+=("$(printf '%-9s %9s %10.2f %10s' "$name" "$((csize / 1024)) KiB" "$(echo "$end - $start" | bc)" "$ccpu")")
    fi
    if [ "$have_wabt" = 1 ]; then
      run_wabt=1
      # The reference checksum for a different iteration count comes from native.
      "$out/$name.native" "$wabt_iters" >"$out/$name.native-small.out"
      want=$(checksum_of "$out/$name.native-small.out")
      [ "$wabt_mode" = wasi ] || module=$(build_wasm_export "$name" "$wabt_iters")
    fi
  fi

  for rep in $(seq 1 "$reps"); do
    v=$(measure "$out/$name.native.out" "$out/$name.native" "$iters")
    sum=$(checksum_of "$out/$name.native.out")
    # The first repetition's checksum is the reference; later ones must repeat it.
    [ "$rep" = 1 ] && native_sum=$sum
    take native "$v" "$sum" "$native_sum"
    if [ "$run_weir" = 1 ]; then
      v=$(measure "$out/$name.weir.out" "$weir_bin" wasm run "$out/$name.wasm" "$iters")
      take weir "$v" "$(checksum_of "$out/$name.weir.out")" "$native_sum"
    fi
    if [ "$run_aot" = 1 ]; then
      v=$(measure "$out/$name.aot.out" "$weir_bin" wasm run --engine aot "$out/$name.wasm" "$iters")
      take aot "$v" "$(checksum_of "$out/$name.aot.out")" "$native_sum"
    fi
    if [ "$run_wabt" = 1 ]; then
      if [ "$wabt_mode" = wasi ]; then
        v=$(measure "$out/$name.wabt.out" wasm-interp --wasi "$out/$name.wasm" -- "$wabt_iters")
        sum=$(checksum_of "$out/$name.wabt.out")
      else
        v=$(measure "$out/$name.wabt.out" wasm-interp "$module" --run-all-exports)
        sum=$(wabt_checksum_of "$out/$name.wabt.out")
      fi
      take wabt "$v" "$sum" "$want"
    fi
  done

  native_v=${val[native]}
  notes="native=$native_sum"
  if ! is_number "$native_v"; then
    notes+=" native=FAILED"
    status=1
  elif [ -n "${bad[native]:-}" ]; then
    notes+=" native=UNSTABLE(${bad[native]})"
    status=1
  fi
  weir_v=${val[weir]}; weir_r="-"
  aot_v=${val[aot]}; aot_r="-"
  wabt_v=${val[wabt]}; wabt_r="-"
  [ "$run_weir" = 1 ] && judge weir "$iters"
  [ "$run_aot" = 1 ] && judge aot "$iters"
  [ "$run_wabt" = 1 ] && judge wabt "$wabt_iters" " want $want"
  printf '%-9s %8s %12s %12s %8s %12s %8s %12s %12s %8s  %s\n' "$name" "$iters" "$native_v" "$weir_v" "$weir_r" \
    "$aot_v" "$aot_r" "$wabt_iters" "$wabt_v" "$wabt_r" "$notes"
done

geomean() { printf '%s\n' "$@" | awk '$1 > 0 { s += log($1); n++ } END { if (n) printf "%.2f (%d programs)", exp(s / n), n; else print "-" }'; }
echo
echo "geometric mean weir/native:        $( [ ${#weir_ratios[@]} -gt 0 ] && geomean "${weir_ratios[@]}" || echo "- (weir: not available)")"
echo "geometric mean weir-aot/native:    $( [ ${#aot_ratios[@]} -gt 0 ] && geomean "${aot_ratios[@]}" || echo "- (compiled tier: not available)")"
echo "geometric mean wasm-interp/native: $( [ ${#wabt_ratios[@]} -gt 0 ] && geomean "${wabt_ratios[@]}" || echo "-")"
[ "$callgrind" = 1 ] && echo "(ratios are per iteration; counts include process and module start-up)"
if [ ${#compile_lines[@]} -gt 0 ]; then
  echo
  echo "compiled tier, cold compile (weir wasm compile: wasm2c + cc -O2 + cache store)"
  printf '%-9s %9s %10s %10s\n' program "wasm size" "wall s" "cpu s"
  printf '%s\n' "${compile_lines[@]}"
fi
exit $status

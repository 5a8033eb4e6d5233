#!/bin/sh
# usage: run_spec_tests.sh WEIR WAST2JSON SUITE_DIR KNOWN_FAILURES WORK_DIR [SPEC-TEST OPTIONS...]
# Converts every .wast of the suite and runs them all in one spec-test call.
# Extra options go to `weir wasm spec-test` (e.g. --engine aot); the compiled
# tier caches into WORK_DIR/aot-cache, emptied each run so every module is
# really compiled.
set -eu
weir=$1; wast2json=$2; suite=$3; known=$4; work=$5
shift 5
if [ ! -d "$suite" ]; then
  echo "spec test suite not found at $suite (set WEIR_WASM_SPEC_TESTSUITE)" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work"
count=0
for wast in "$suite"/*.wast; do
  name=$(basename "$wast" .wast)
  mkdir -p "$work/$name"
  if ! "$wast2json" --enable-all "$wast" -o "$work/$name/$name.json" >"$work/$name/wast2json.log" 2>&1; then
    echo "wast2json failed on $wast:" >&2
    cat "$work/$name/wast2json.log" >&2
    exit 1
  fi
  count=$((count + 1))
done
echo "converted $count files"
if [ -s "$known" ]; then
  echo "known failures (from $(basename "$known")):"
  grep -v '^#' "$known" | sed 's/^/  /' || true
fi
WEIR_AOT_CACHE_DIR="$work/aot-cache"
export WEIR_AOT_CACHE_DIR
exec "$weir" wasm spec-test "$@" --known-failures "$known" "$work"/*/*.json

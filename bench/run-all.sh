#!/usr/bin/env bash
# run-all.sh BUILD_DIR — every benchmark, one after the other. Each script
# measures weir next to a peer in the same run and prints ratios.
set -uo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
status=0
for script in "$here"/proxy/run.sh "$here"/wasm/run.sh "$here"/wasm-filter/run.sh \
    "$here"/wasm-filter/stream_context.sh "$here"/hub/run.sh; do
  if [ -x "$script" ]; then
    echo "=== $script"
    "$script" "$build" || status=1
  fi
done
for bin in "$build"/bench/micro/*_bench; do
  [ -x "$bin" ] || continue
  echo "=== $bin"
  "$bin" --benchmark_min_time=0.2 || status=1
done
exit $status

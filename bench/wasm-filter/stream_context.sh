#!/usr/bin/env bash
# bench/wasm-filter/stream_context.sh BUILD_DIR — what creating and ending a
# stream context costs (on_context_create, on_log, on_done, on_delete), on
# weir's two tiers and on V8 (Node's WebAssembly), in one run, for the same
# modules built from the same sources:
#   header                 bench/wasm-filter/header_filter.c
#   assemblyscript         the AssemblyScript SDK filter (root bench_header)
#   assemblyscript-quiet   the same, SDK without debug messages (as_quiet.sh)
# weir: BM_StreamContext of bench/micro/proxywasm_bench (real host). V8:
# v8_stream_context.cjs with stub host functions, so its figure is the guest
# code alone — a lower bound for the filter in Envoy with V8.
# Each with no other stream open and with 32 open (the AssemblyScript SDK's
# per-stream debug messages list every open context). Prints ns per stream
# context and the ratio weir / V8. Both run on CPU 0.
set -euo pipefail
build=${1:-build}
bench_bin=$(cd "$build" && pwd)/bench/micro/proxywasm_bench
[ -x "$bench_bin" ] || { echo "no proxywasm_bench at $bench_bin (ninja -C $build proxywasm_bench)" >&2; exit 1; }
for tool in node clang taskset python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup.sh installs it)" >&2; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d /tmp/weir-bench-stream-context.XXXXXX)
trap 'rm -rf "$work"' EXIT

clang --target=wasm32-wasi -O2 -nostdlib -Wl,--no-entry -I"$root/tests/testdata/proxywasm" \
  -o "$work/header.wasm" "$here/header_filter.c" "$here/bump_malloc.c"
"$root/tests/testdata/proxywasm/assemblyscript/build.sh" "$work/assemblyscript.wasm" > /dev/null
"$here/as_quiet.sh" "$work/assemblyscript-quiet.wasm" > /dev/null

taskset -c 0 "$bench_bin" --benchmark_filter='BM_StreamContext/' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_format=json > "$work/weir.json"
: > "$work/v8.txt"
for live in 0 32; do
  for m in header assemblyscript assemblyscript-quiet; do
    root_id=""
    [ "$m" = header ] || root_id=bench_header
    iterations=200000
    [ "$m" = assemblyscript ] && iterations=20000
    echo "$m/live:$live $(taskset -c 0 node "$here/v8_stream_context.cjs" "$work/$m.wasm" "$root_id" \
      "$iterations" "$live" | awk '{print $3}')" >> "$work/v8.txt"
  done
done
python3 - "$work/weir.json" "$work/v8.txt" <<'PY'
import json, sys
weir = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("aggregate_name") == "median":  # run_name: BM_StreamContext/<module>[-aot]/live:<n>
        module, live = b["run_name"].split("/")[1:]
        weir[(module, live)] = b["real_time"]  # ns
v8 = dict((n, float(t)) for n, t in (l.split() for l in open(sys.argv[2])))
print("bench/wasm-filter stream context: ns per context (create, on_log, on_done, on_delete)")
print("%-22s %5s %12s %12s %12s %10s %10s" %
      ("module", "open", "weir interp", "weir aot", "V8 (guest)", "interp/V8", "aot/V8"))
for live in ("live:0", "live:32"):
    for m in ("header", "assemblyscript", "assemblyscript-quiet"):
        i, a, v = weir[(m, live)], weir[(m + "-aot", live)], v8[m + "/" + live]
        print("%-22s %5s %12.1f %12.1f %12.1f %9.2fx %9.2fx" % (m, live[5:], i, a, v, i / v, a / v))
print("target: creating a stream context <= 1000 ns")
PY

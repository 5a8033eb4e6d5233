#!/usr/bin/env bash
# bench/wasm-filter/run.sh BUILD_DIR — what a Wasm filter costs per request,
# in one run, through the same weir binary in front of the same upstream:
#   none      the router alone
#   builtin   envoy.filters.http.header_mutation adding one response header
#   wasm-c    the same logic as a Wasm filter in C (header_filter.c), interpreter
#   wasm-c-aot    the same module on the compiled tier (runtime weir.aot)
#   wasm-as   the same logic with the AssemblyScript SDK (root bench_header), interpreter
#   wasm-as-aot   the same module on the compiled tier
#   wasm-as-quiet(-aot)  the AssemblyScript filter built by as_quiet.sh: the
#             SDK without the debug messages it builds on every callback
#   wasm-wat  examples/filters/hello.wat (a header from its config + a counter)
# Envoy's runtime names mean the interpreter here (--wasm-engine interp), so
# each row runs one tier for its whole run; weir.aot compiles at config load.
# Each config runs in its own weir, pinned to CPU 0 with one worker; wrk
# (keep-alive, 32 connections) and the upstream nginx share CPU 1. Reported:
# requests/s, p50/p99, and the proxy's CPU µs per request (utime+stime of the
# whole process from /proc/PID/stat around the measured run / requests), with
# ratios to `none`. The configs are measured ROUNDS times, interleaved, and
# the median per config is reported (the machine is shared and noisy), with
# the median and the range of the per-round ratios to `none`.
# Then, latency while a module compiles: a weir serving the C filter (not
# pinned: worker, main thread and compiler share both cores with wrk and
# nginx on CPU 1) is measured with wrk, once alone and once while
# POST /plugins adds a ~150 KB module (big_filter.py) with runtime weir.aot,
# which compiles it on the main thread into a fresh cache. Reported: p50/p99 of both runs and the compile time.
# Environment: DURATION (s, default 5), WARMUP (s, 1), CONNECTIONS (32), ROUNDS (3).
set -euo pipefail

build=${1:-build}
weir_bin=$(cd "$build" && pwd)/weir
[ -x "$weir_bin" ] || { echo "no weir binary at $weir_bin" >&2; exit 1; }
for tool in nginx wrk taskset python3 clang wat2wasm curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup.sh installs it)" >&2; exit 1; }
done
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

duration=${DURATION:-5}
warmup=${WARMUP:-1}
connections=${CONNECTIONS:-32}
rounds=${ROUNDS:-3}
clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/weir-bench-wasm-filter.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 1200); do  # 60 s: weir.aot rows compile before listening
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listening on $1" >&2; return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# --- the filters, built now from their sources ---
clang --target=wasm32-wasi -O2 -nostdlib -Wl,--no-entry -I"$root/tests/testdata/proxywasm" \
  -o "$work/header_filter.wasm" "$here/header_filter.c" "$here/bump_malloc.c"
wat2wasm "$root/examples/filters/hello.wat" -o "$work/hello.wasm"
"$root/tests/testdata/proxywasm/assemblyscript/build.sh" "$work/as_filter.wasm"
"$here/as_quiet.sh" "$work/as_quiet.wasm"
python3 "$here/big_filter.py" > "$work/big_filter.c"
clang --target=wasm32-wasi -O2 -nostdlib -Wl,--no-entry -I"$root/tests/testdata/proxywasm" \
  -o "$work/big_filter.wasm" "$work/big_filter.c" "$here/bump_malloc.c"

# --- the upstream (CPU 1) ---
up_port=$(free_port)
mkdir -p "$work/upstream"
printf '%s\n' \
  "daemon off;" "master_process off;" "worker_processes 1;" "pid $work/upstream/nginx.pid;" \
  "error_log stderr error;" "events { worker_connections 4096; }" "http {" "  access_log off;" \
  "  client_body_temp_path $work/upstream/body;" "  proxy_temp_path $work/upstream/proxy;" \
  "  fastcgi_temp_path $work/upstream/fastcgi;" "  uwsgi_temp_path $work/upstream/uwsgi;" \
  "  scgi_temp_path $work/upstream/scgi;" "  keepalive_requests 10000000;" \
  "  server { listen 127.0.0.1:$up_port; location / { return 200 \"hello from upstream\\n\"; } }" "}" \
  > "$work/upstream/nginx.conf"
taskset -c 1 nginx -c "$work/upstream/nginx.conf" -p "$work/upstream" -e stderr &
pids+=($!)
wait_port "$up_port"

wasm_filter() {  # name root_id file [runtime]
  printf '%s\n' \
    "          - name: envoy.filters.http.wasm" \
    "            typed_config:" \
    "              \"@type\": type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm" \
    "              config:" \
    "                name: $1" \
    "                root_id: \"$2\"" \
    "                configuration: { \"@type\": type.googleapis.com/google.protobuf.StringValue, value: wasm }" \
    "                vm_config: { vm_id: $1, runtime: ${4:-envoy.wasm.runtime.v8}, code: { local: { filename: $3 } } }"
}

filters_for() {
  case $1 in
    none) ;;
    builtin)
      printf '%s\n' \
        "          - name: envoy.filters.http.header_mutation" \
        "            typed_config:" \
        "              \"@type\": type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation" \
        "              mutations:" \
        "                response_mutations:" \
        "                - append: { header: { key: x-bench, value: builtin } }"
      ;;
    wasm-c) wasm_filter c "" "$work/header_filter.wasm" ;;
    wasm-c-aot) wasm_filter c "" "$work/header_filter.wasm" weir.aot ;;
    wasm-as) wasm_filter as bench_header "$work/as_filter.wasm" ;;
    wasm-as-aot) wasm_filter as bench_header "$work/as_filter.wasm" weir.aot ;;
    wasm-as-quiet) wasm_filter as bench_header "$work/as_quiet.wasm" ;;
    wasm-as-quiet-aot) wasm_filter as bench_header "$work/as_quiet.wasm" weir.aot ;;
    wasm-wat) wasm_filter wat "" "$work/hello.wasm" ;;
  esac
}

write_config() {  # name port admin_port
  printf '%s\n' \
    "admin:" \
    "  address: { socket_address: { address: 127.0.0.1, port_value: $3 } }" \
    "static_resources:" \
    "  listeners:" \
    "  - name: bench" \
    "    address: { socket_address: { address: 127.0.0.1, port_value: $2 } }" \
    "    filter_chains:" \
    "    - filters:" \
    "      - name: envoy.filters.network.http_connection_manager" \
    "        typed_config:" \
    "          \"@type\": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" \
    "          stat_prefix: bench" \
    "          generate_request_id: false" \
    "          route_config:" \
    "            virtual_hosts:" \
    "            - { name: all, domains: [\"*\"], routes: [ { match: { prefix: / }, route: { cluster: upstream } } ] }" \
    "          http_filters:"
  filters_for "$1"
  printf '%s\n' \
    "          - name: envoy.filters.http.router" \
    "            typed_config: { \"@type\": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }" \
    "  clusters:" \
    "  - name: upstream" \
    "    type: STATIC" \
    "    connect_timeout: 1s" \
    "    load_assignment:" \
    "      cluster_name: upstream" \
    "      endpoints:" \
    "      - lb_endpoints:" \
    "        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $up_port } } }"
}

configs=(none builtin wasm-c wasm-c-aot wasm-as wasm-as-aot wasm-as-quiet wasm-as-quiet-aot wasm-wat)
declare -A weir_pid weir_port
for name in "${configs[@]}"; do
  port=$(free_port)
  write_config "$name" "$port" "$(free_port)" > "$work/$name.yaml"
  taskset -c 0 "$weir_bin" proxy -c "$work/$name.yaml" --concurrency 1 --log-level warn \
    --wasm-engine interp > "$work/$name.log" 2>&1 &
  weir_pid[$name]=$!
  weir_port[$name]=$port
  pids+=($!)
  wait_port "$port"
  # The header really is there: the benchmark measures what it claims.
  if [ "$name" != none ]; then
    curl -fsS -D - -o /dev/null "http://127.0.0.1:$port/" | grep -qi '^x-\(bench\|weir-filter\):' \
      || { echo "$name: the filter's header is missing" >&2; cat "$work/$name.log" >&2; exit 1; }
  fi
done

measure() {  # name
  local name=$1 pid=${weir_pid[$1]} port=${weir_port[$1]} before after
  taskset -c 1 wrk -t1 -c"$connections" -d"${warmup}s" "http://127.0.0.1:$port/" > /dev/null
  before=$(cpu_ticks "$pid")
  taskset -c 1 wrk -t1 -c"$connections" -d"${duration}s" --latency "http://127.0.0.1:$port/" > "$work/wrk.txt"
  after=$(cpu_ticks "$pid")
  python3 "$here/wrk_row.py" "$work/wrk.txt" "$name" "$before" "$after" "$clk_tck" >> "$work/results.txt"
}

: > "$work/results.txt"
for round in $(seq 1 "$rounds"); do
  for name in "${configs[@]}"; do measure "$name"; done
done
for name in "${configs[@]}"; do
  kill -0 "${weir_pid[$name]}" 2>/dev/null || { echo "weir ($name) died:" >&2; cat "$work/$name.log" >&2; exit 1; }
done
python3 "$here/report.py" "$work/results.txt" "$duration" "$connections" "$rounds"

# --- p99 while a 150 KB module compiles in the same process ---
port=$(free_port)
admin_port=$(free_port)
write_config wasm-c "$port" "$admin_port" > "$work/compile.yaml"
WEIR_AOT_CACHE_DIR="$work/aot-cache" "$weir_bin" proxy -c "$work/compile.yaml" --concurrency 1 \
  --log-level warn --wasm-engine interp > "$work/compile.log" 2>&1 &
compile_pid=$!
pids+=($compile_pid)
wait_port "$port"
taskset -c 1 wrk -t1 -c"$connections" -d"${warmup}s" "http://127.0.0.1:$port/" > /dev/null
taskset -c 1 wrk -t1 -c"$connections" -d3s --latency "http://127.0.0.1:$port/" > "$work/alone.txt"
python3 - "$work/big_filter.wasm" > "$work/big.json" <<'PY'
import base64, json, sys
print(json.dumps({"root_id": "", "vm_config": {"vm_id": "big", "runtime": "weir.aot",
      "code": {"local": {"inline_bytes": base64.b64encode(open(sys.argv[1], "rb").read()).decode()}}}}))
PY
start_ns=$(date +%s%N)
curl -fsS -o "$work/post.txt" -X POST --data-binary @"$work/big.json" -H 'content-type: application/json' \
  "http://127.0.0.1:$admin_port/plugins/big" &
post_pid=$!
taskset -c 1 wrk -t1 -c"$connections" -d3s --latency "http://127.0.0.1:$port/" > "$work/compiling.txt"
still_compiling=no
kill -0 "$post_pid" 2>/dev/null && still_compiling=yes
wait "$post_pid" || { echo "POST /plugins/big failed:" >&2; cat "$work/post.txt" "$work/compile.log" >&2; exit 1; }
compile_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
python3 - "$work/alone.txt" "$work/compiling.txt" "$compile_ms" "$still_compiling" \
  "$(stat -c %s "$work/big_filter.wasm")" <<'PY'
import re, sys
def lat(path):
    t = open(path).read()
    if re.search(r"Non-2xx or 3xx responses", t):
        sys.exit("non-2xx responses in " + path)
    def ms(p):
        m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % p, t)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    return float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1)), ms(50), ms(99)
a, c = lat(sys.argv[1]), lat(sys.argv[2])
print("bench/wasm-filter compile: a %s-byte module compiled (weir.aot, POST /plugins) in %s ms; "
      "still compiling when the measured run ended: %s" % (sys.argv[5], sys.argv[3], sys.argv[4]))
print("%-16s %10s %9s %9s" % ("C filter", "req/s", "p50 ms", "p99 ms"))
print("%-16s %10.0f %9.3f %9.3f" % ("alone", a[0], a[1], a[2]))
print("%-16s %10.0f %9.3f %9.3f" % ("while compiling", c[0], c[1], c[2]))
print("p99 while compiling / alone: %.2fx" % (c[2] / a[2]))
PY

#!/usr/bin/env bash
# bench/hub/run.sh [BUILD_DIR] — weir hub vs docker-registry (the reference
# Distribution registry) in the same run:
#   1. weir push / weir pull of a 1 MB filter (wall time per command, median
#      of 7, process start included) against each registry;
#   2. 200 concurrent connections pulling the same manifest + 1 MB blob with
#      wrk for DURATION seconds: requests/s, MB/s, p50/p99 latency; ratios.
# The registry runs on CPU 0 and wrk on CPU 1 (2-core machines).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
weir=$build/weir
duration=${DURATION:-10}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; exit 1; }

python3 - "$work/filter.wasm" <<'PY'
import subprocess, sys, tempfile, os
pad = "a" * (1024 * 1024 - 200)
wat = '(module (memory (export "memory") 17) (func (export "proxy_abi_version_0_2_1")) (data (i32.const 0) "%s"))' % pad
with tempfile.NamedTemporaryFile("w", suffix=".wat", delete=False) as f:
    f.write(wat)
subprocess.run(["wat2wasm", f.name, "-o", sys.argv[1]], check=True)
os.unlink(f.name)
PY
echo "module: $(stat -c %s "$work/filter.wasm") bytes"

hub_port=$(free_port)
taskset -c 0 "$weir" hub --listen 127.0.0.1:$hub_port --data "$work/hub" --workers 1 >"$work/hub.log" 2>&1 &
pids+=($!)
hub_pid=$!
reg_port=$(free_port)
cat >"$work/registry.yml" <<YML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$reg_port
YML
taskset -c 0 docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
pids+=($!)
wait_port $hub_port
wait_port $reg_port

export WEIR_STORE=$work/store DOCKER_CONFIG=$work/docker
median_ms() {  # command...: median wall ms of 7 runs
  python3 - "$@" <<'PY'
import subprocess, sys, time, statistics
ts = []
for i in range(7):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append((time.perf_counter() - t) * 1000)
print("%.1f" % statistics.median(ts))
PY
}

declare -A push pull rps mbs p50 p99
for name in weir-hub docker-registry; do
  if [ $name = weir-hub ]; then host=127.0.0.1:$hub_port; else host=127.0.0.1:$reg_port; fi
  push[$name]=$(median_ms taskset -c 1 "$weir" push -q "$work/filter.wasm" $host/bench/filter:v1)
  # pull: forget the local copy each time so the bytes really move
  pull[$name]=$(python3 - "$weir" $host <<'PY'
import subprocess, sys, time, statistics
weir, host = sys.argv[1], sys.argv[2]
ts = []
for i in range(7):
    subprocess.run([weir, "rmi", host + "/bench/filter:v1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.perf_counter()
    subprocess.run(["taskset", "-c", "1", weir, "pull", "-q", host + "/bench/filter:v1"], check=True, stdout=subprocess.DEVNULL)
    ts.append((time.perf_counter() - t) * 1000)
print("%.1f" % statistics.median(ts))
PY
)
  mdigest=$("$weir" inspect --remote $host/bench/filter:v1 | awk '/^manifest digest/ {print $3}')
  bdigest=$("$weir" inspect --remote $host/bench/filter:v1 | awk '/^module digest/ {print $3}')
  export HUB_MANIFEST_PATH=/v2/bench/filter/manifests/$mdigest HUB_BLOB_PATH=/v2/bench/filter/blobs/$bdigest
  out=$(taskset -c 1 wrk -t2 -c200 -d${duration}s --latency -s "$root/bench/hub/pull.lua" http://$host)
  echo "$out" > "$work/wrk-$name.txt"
  rps[$name]=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
  mbs[$name]=$(echo "$out" | awk '/^Transfer\/sec/ {v=$2; if (v ~ /GB/) {sub("GB","",v); v*=1024} else if (v ~ /KB/) {sub("KB","",v); v/=1024} else sub("MB","",v); print v}')
  p50[$name]=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99[$name]=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" || true)
  [ -n "$errors" ] && echo "$name: $errors"
done

printf "\n%-16s %10s %10s %12s %10s %10s %10s\n" registry "push ms" "pull ms" "req/s" "MB/s" p50 p99
for name in weir-hub docker-registry; do
  printf "%-16s %10s %10s %12s %10s %10s %10s\n" $name "${push[$name]}" "${pull[$name]}" "${rps[$name]}" "${mbs[$name]}" "${p50[$name]}" "${p99[$name]}"
done
python3 - "${rps[weir-hub]}" "${rps[docker-registry]}" "${mbs[weir-hub]}" "${mbs[docker-registry]}" "${push[weir-hub]}" "${push[docker-registry]}" "${pull[weir-hub]}" "${pull[docker-registry]}" <<'PY'
import sys
a = [float(x) for x in sys.argv[1:]]
print("\nweir-hub / docker-registry: req/s x%.2f, MB/s x%.2f, push time x%.2f, pull time x%.2f" %
      (a[0] / a[1], a[2] / a[3], a[4] / a[5], a[6] / a[7]))
PY

#!/usr/bin/env bash
# bench/proxy/run.sh BUILD_DIR — weir vs nginx vs haproxy as HTTP/1.1 reverse
# proxies, side by side in one run.
#
# All three sit in front of the same upstream (nginx answering a small body)
# and are measured the same way:
#   - the proxy pinned to CPU 0, one worker / thread / process;
#   - wrk (keep-alive, 32 connections) and the upstream pinned to CPU 1;
#   - requests/s and p50/p99 latency from wrk --latency;
#   - the proxy's CPU time per request: utime+stime of the whole process
#     (all threads) from /proc/PID/stat before and after the measured run,
#     divided by the requests wrk completed;
#   - ratios to nginx, and the idle RSS of a one-worker weir.
# The three proxies are measured ROUNDS times, interleaved (weir, nginx,
# haproxy, weir, ...; each round its own warm-up and its own CPU ticks before
# and after that round's wrk), since the machine is shared and noisy. One line
# per round and proxy is printed, with weir's cpu/nginx ratio of that round,
# then the table of the per-proxy medians with ratios to nginx's medians.
# Environment: DURATION (s per round, default 10), WARMUP (s, default 2),
# CONNECTIONS (32), THREADS (wrk threads, 1), ROUNDS (3).
set -euo pipefail

build=${1:-build}
weir_bin=$(cd "$build" && pwd)/weir
[ -x "$weir_bin" ] || { echo "no weir binary at $weir_bin" >&2; exit 1; }
for tool in nginx haproxy wrk taskset python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (scripts/setup.sh installs it)" >&2; exit 1; }
done

duration=${DURATION:-10}
warmup=${WARMUP:-2}
connections=${CONNECTIONS:-32}
threads=${THREADS:-1}
rounds=${ROUNDS:-3}
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive integer" >&2; exit 1; }
clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/weir-bench-proxy.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listening on $1" >&2; return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

nginx_conf() {  # dir, http block
  cat <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $1/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $1/body;
  proxy_temp_path $1/proxy;
  fastcgi_temp_path $1/fastcgi;
  uwsgi_temp_path $1/uwsgi;
  scgi_temp_path $1/scgi;
  keepalive_requests 10000000;
  $2
}
EOF
}

# --- the shared upstream (CPU 1) ---
up_port=$(free_port)
mkdir -p "$work/upstream"
nginx_conf "$work/upstream" "server { listen 127.0.0.1:$up_port; location / { return 200 \"hello from upstream\\n\"; } }" \
  > "$work/upstream/nginx.conf"
taskset -c 1 nginx -c "$work/upstream/nginx.conf" -p "$work/upstream" -e stderr &
pids+=($!)
wait_port "$up_port"

# --- weir (CPU 0) ---
weir_port=$(free_port)
weir_admin=$(free_port)
cat > "$work/weir.yaml" <<EOF
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: $weir_admin } }
static_resources:
  listeners:
  - name: bench
    address: { socket_address: { address: 127.0.0.1, port_value: $weir_port } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench
          generate_request_id: false
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: upstream }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: upstream
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: upstream
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: $up_port } } }
EOF
taskset -c 0 "$weir_bin" proxy -c "$work/weir.yaml" --concurrency 1 --log-level warn \
  > "$work/weir.log" 2>&1 &
weir_pid=$!
pids+=($weir_pid)
wait_port "$weir_port"
sleep 0.5
weir_idle_rss=$(rss_kb "$weir_pid")

# --- nginx as reverse proxy (CPU 0) ---
ngx_port=$(free_port)
mkdir -p "$work/nginx"
nginx_conf "$work/nginx" "
  upstream backend { server 127.0.0.1:$up_port; keepalive 64; }
  server {
    listen 127.0.0.1:$ngx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }" > "$work/nginx/nginx.conf"
taskset -c 0 nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -e stderr &
ngx_pid=$!
pids+=($ngx_pid)
wait_port "$ngx_port"

# --- haproxy (CPU 0, one thread) ---
hap_port=$(free_port)
cat > "$work/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:$hap_port
  default_backend be
backend be
  server up 127.0.0.1:$up_port
EOF
taskset -c 0 haproxy -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
hap_pid=$!
pids+=($hap_pid)
wait_port "$hap_port"

run_one() {  # name pid port round
  local name=$1 pid=$2 port=$3 round=$4
  taskset -c 1 wrk -t"$threads" -c"$connections" -d"${warmup}s" "http://127.0.0.1:$port/" > /dev/null
  local before after
  before=$(cpu_ticks "$pid")
  taskset -c 1 wrk -t"$threads" -c"$connections" -d"${duration}s" --latency \
    "http://127.0.0.1:$port/" > "$work/wrk-$name-$round.txt"
  after=$(cpu_ticks "$pid")
  echo "$round $name $before $after" >> "$work/cpu.txt"
}

: > "$work/cpu.txt"
for round in $(seq 1 "$rounds"); do
  run_one weir "$weir_pid" "$weir_port" "$round"
  run_one nginx "$ngx_pid" "$ngx_port" "$round"
  run_one haproxy "$hap_pid" "$hap_port" "$round"
done
kill -0 "$weir_pid" 2>/dev/null || { echo "weir died during the run:" >&2; cat "$work/weir.log" >&2; exit 1; }

python3 - "$work" "$clk_tck" "$weir_idle_rss" "$duration" "$connections" "$threads" "$rounds" <<'PY'
import re, statistics, sys
work, clk_tck, idle_rss, duration, conns, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
rounds = int(sys.argv[7])
names = ("weir", "nginx", "haproxy")
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    x = float(m.group(1))
    return {"us": x / 1000, "ms": x, "s": x * 1000}[m.group(2)]
cpu = {}
for l in open(work + "/cpu.txt"):
    rnd, name, b, a = l.split()
    cpu[(int(rnd), name)] = (int(b), int(a))
# per[name] = one dict per round
per = {name: [] for name in names}
for rnd in range(1, rounds + 1):
    for name in names:
        text = open("%s/wrk-%s-%d.txt" % (work, name, rnd)).read()
        reqs = int(re.search(r"(\d+) requests in", text).group(1))
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
        p50 = ms(re.search(r"\s50%\s+(\S+)", text).group(1))
        p99 = ms(re.search(r"\s99%\s+(\S+)", text).group(1))
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        sock_err = re.search(r"Socket errors: (.*)", text)
        b, a = cpu[(rnd, name)]
        us_per_req = (a - b) * 1e6 / clk_tck / max(reqs, 1)
        per[name].append(dict(rps=rps, p50=p50, p99=p99, cpu=us_per_req, reqs=reqs,
                              errors=int(errors.group(1)) if errors else 0,
                              sock=sock_err.group(1) if sock_err else ""))
print("proxy benchmark: wrk -t%s -c%s -d%ss keep-alive, proxy on CPU 0, wrk+upstream on CPU 1, "
      "%d interleaved round%s" % (threads, conns, duration, rounds, "" if rounds == 1 else "s"))
print("%-5s %-8s %12s %9s %9s %12s" % ("round", "proxy", "requests/s", "p50 ms", "p99 ms", "CPU us/req"))
met = 0
for i in range(rounds):
    for name in names:
        r = per[name][i]
        print("%-5d %-8s %12.0f %9.3f %9.3f %12.2f" % (i + 1, name, r["rps"], r["p50"], r["p99"], r["cpu"]))
        if r["errors"] or r["sock"]:
            print("      %s: non-2xx responses %d; socket errors: %s" % (name, r["errors"], r["sock"] or "none"))
    ratio = per["weir"][i]["cpu"] / per["nginx"][i]["cpu"] if per["nginx"][i]["cpu"] > 0 else float("inf")
    met += ratio <= 1.0
    print("%-5d weir cpu/nginx %.2f" % (i + 1, ratio))
print("weir cpu/nginx <= 1.00 in %d of %d rounds" % (met, rounds))
print()
med = {name: {k: statistics.median(r[k] for r in per[name]) for k in ("rps", "p50", "p99", "cpu")}
       for name in names}
print("medians of %d round%s:" % (rounds, "" if rounds == 1 else "s"))
print("%-8s %12s %9s %9s %12s %10s %10s" % ("proxy", "requests/s", "p50 ms", "p99 ms",
                                             "CPU us/req", "rps/nginx", "cpu/nginx"))
n = med["nginx"]
def div(a, b):
    return a / b if b > 0 else float("inf")
for name in names:
    r = med[name]
    print("%-8s %12.0f %9.3f %9.3f %12.2f %10.2f %10.2f" % (
        name, r["rps"], r["p50"], r["p99"], r["cpu"], div(r["rps"], n["rps"]), div(r["cpu"], n["cpu"])))
print("weir idle RSS (1 worker): %.1f MB" % (idle_rss / 1024.0))
PY

#!/usr/bin/env bash
# demo.sh WEIR_BIN — starts `weir proxy` with its embedded default config and
# shows a few requests against it; then keeps serving until Ctrl-C (or exits at
# once with DEMO_ONESHOT=1).
set -euo pipefail
bin=${1:-build/weir}
"$bin" proxy --concurrency 2 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fsS -o /dev/null http://127.0.0.1:9901/ready 2>/dev/null && break
  sleep 0.1
done
echo
echo "== weir is serving: listener http://127.0.0.1:10000, admin http://127.0.0.1:9901"
echo "\$ curl -i http://127.0.0.1:10000/"
curl -sS -i http://127.0.0.1:10000/
echo
echo "(x-weir-filter comes from the Wasm filter on the default route: examples/filters/hello.wat)"
echo
echo "\$ curl -s http://127.0.0.1:9901/plugins"
curl -sS http://127.0.0.1:9901/plugins
echo
echo "\$ curl -s 'http://127.0.0.1:9901/stats?filter=...'   # the plugin's stats and metric"
curl -sS 'http://127.0.0.1:9901/stats?filter=^(wasmcustom|wasm\.hello\.(vm|traps|deadline)|http\.ingress_http\.downstream_rq_(total|2xx))' || true
if [ "${DEMO_ONESHOT:-0}" = 1 ]; then exit 0; fi
echo
echo "== Ctrl-C to stop"
wait $pid

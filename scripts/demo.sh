#!/usr/bin/env bash
# demo.sh WEIR_BIN — starts `weir proxy` with its embedded default config and
# shows a few requests against it, and starts `weir hub` on 127.0.0.1:5000
# with example filters published (data and local store under the build
# directory); then keeps serving until Ctrl-C (or exits at once with
# DEMO_ONESHOT=1).
set -euo pipefail
bin=${1:-build/weir}
root="$(cd "$(dirname "$0")/.." && pwd)"
demo="$(cd "$(dirname "$bin")" && pwd)/demo"
hub_addr=127.0.0.1:5000
"$bin" proxy --concurrency 2 &
pid=$!
hub_pid=
trap 'kill -TERM $pid $hub_pid 2>/dev/null || true; wait $pid $hub_pid 2>/dev/null || true' EXIT
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

# The hub: a fresh registry with accounts and the web UI, and a few filters
# pushed the way an author does — by the account "examples", with an API
# token, logged in as `weir login` does (credentials in a demo-only docker
# config, not the user's).
rm -rf "$demo"
mkdir -p "$demo/filters" "$demo/docker"
export WEIR_STORE="$demo/store" DOCKER_CONFIG="$demo/docker"
mkdir -p "$demo/hub"
token=$("$bin" hub adduser --data "$demo/hub" examples --token demo-publisher --scopes pull,push 2>/dev/null)
"$bin" hub --listen "$hub_addr" --data "$demo/hub" --workers 1 --accounts >"$demo/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 50); do
  curl -sS -o /dev/null "http://$hub_addr/v2/" 2>/dev/null && break
  sleep 0.1
done
printf '%s\n' "$token" | "$bin" login "$hub_addr" -u examples --password-stdin >/dev/null
published=()
publish() {  # FILE REPO ROOT_ID DESCRIPTION
  if "$bin" push "$1" "$hub_addr/examples/$2:v1" --root-id "$3" --description "$4" -q >/dev/null; then
    published+=("$hub_addr/examples/$2:v1")
  fi
}
if command -v wat2wasm >/dev/null; then
  wat2wasm "$root/examples/filters/hello.wat" -o "$demo/filters/hello.wasm"
  publish "$demo/filters/hello.wasm" hello hello "adds x-weir-filter (the demo's own filter, WAT)"
fi
if "$root/tests/testdata/proxywasm/build.sh" "$demo/filters" >/dev/null 2>&1; then
  publish "$demo/filters/test_filter.wasm" c-filter "" "a C filter on the raw ABI: x-wasm-request/x-wasm-response, deny, rewrite"
fi
as_sdk="$root/tests/testdata/proxywasm/assemblyscript/node_modules"
if [ -x "$as_sdk/.bin/asc" ]; then
  # A template project, as `weir init` makes it (npm install → the SDK already here).
  "$bin" init "$demo/add-header" --language assemblyscript --template add-header >/dev/null
  ln -s "$as_sdk" "$demo/add-header/node_modules"
  if ASC_OPT= "$bin" build "$demo/add-header" -t "$hub_addr/examples/add-header:v1" >/dev/null 2>&1; then
    "$bin" push "$hub_addr/examples/add-header:v1" -q >/dev/null && published+=("$hub_addr/examples/add-header:v1")
  fi
fi
echo
echo "== weir hub is serving on http://$hub_addr/ (data: $demo/hub), with:"
for ref in "${published[@]}"; do echo "   $ref"; done
echo "   browse: http://$hub_addr/ (sign up there to star filters and push your own)"
echo "   catalog: curl -s http://$hub_addr/v2/_catalog ; API: curl -s 'http://$hub_addr/api/v1/search?q=header'"
echo
echo "== deploy one into the proxy above (no restart), see it, remove it:"
echo "\$ WEIR_STORE=$demo/store $bin deploy $hub_addr/examples/add-header:v1 --admin http://127.0.0.1:9901 --name add-header --config 'hello from the hub'"
echo "\$ curl -si http://127.0.0.1:10000/ | grep x-add-header"
echo "\$ $bin undeploy add-header --admin http://127.0.0.1:9901"
echo "   (a filter of your own: weir init my-filter --language assemblyscript; docs/filter-development.md)"
if [ "${DEMO_ONESHOT:-0}" = 1 ]; then
  if [ -n "${published[*]}" ]; then
    ref="${published[${#published[@]}-1]}"
    echo "\$ $bin deploy $ref --admin http://127.0.0.1:9901 --name demo-deploy --config 'hello from the hub'"
    "$bin" deploy "$ref" --admin http://127.0.0.1:9901 --name demo-deploy --config 'hello from the hub'
    curl -sS -i http://127.0.0.1:10000/ | grep -i '^x-' || true
  fi
  exit 0
fi
echo
echo "== Ctrl-C to stop"
wait $pid

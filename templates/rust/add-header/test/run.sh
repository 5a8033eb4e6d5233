#!/bin/sh
# The filter's test: builds it, then runs it with `weir test` on the recorded
# requests and responses next to this script -- no proxy, no upstream -- and
# checks what it did (each --expect is a line the report must contain).
# WEIR names the weir binary (default: weir on PATH).
set -eu
cd "$(dirname "$0")/.."
WEIR="${WEIR:-weir}"
"$WEIR" build .
"$WEIR" test build/filter.wasm --root-id {{root_id}} --config "hello from {{name}}" \
  --request test/request.http --response test/response.http \
  --expect "+ x-{{name}}: hello from {{name}}" --expect "[info] request /hello?lang=en"
echo "{{name}}: tests passed"

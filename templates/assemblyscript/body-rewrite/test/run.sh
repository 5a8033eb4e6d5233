#!/bin/sh
# The filter's test: builds it, then runs it with `weir test` on the recorded
# requests and responses next to this script -- no proxy, no upstream -- and
# checks what it did (each --expect is a line the report must contain).
# WEIR names the weir binary (default: weir on PATH).
set -eu
cd "$(dirname "$0")/.."
WEIR="${WEIR:-weir}"
"$WEIR" build .
"$WEIR" test build/filter.wasm --root-id {{root_id}} --config "nginx=>weir" \
  --request test/request.http --response test/response.http \
  --expect "response body: replaced by \"hello from weir\\n\"" --expect "- content-length: 17"
echo "{{name}}: tests passed"

#!/bin/sh
# The filter's test: builds it, then runs it with `weir test` on the recorded
# requests and responses next to this script -- no proxy, no upstream -- and
# checks what it did (each --expect is a line the report must contain).
# WEIR names the weir binary (default: weir on PATH).
set -eu
cd "$(dirname "$0")/.."
WEIR="${WEIR:-weir}"
"$WEIR" build .
# Without the token: answered here with 401, never forwarded.
"$WEIR" test build/filter.wasm --root-id {{root_id}} --config s3cret \
  --request test/request.http --response test/response.http \
  --expect "local reply: 401" --expect "the request was not forwarded"
# With it: forwarded, and the token does not travel upstream.
"$WEIR" test build/filter.wasm --root-id {{root_id}} --config s3cret \
  --request test/request-allowed.http --response test/response.http \
  --expect "the request was forwarded" --expect "- authorization: Bearer s3cret"
echo "{{name}}: tests passed"

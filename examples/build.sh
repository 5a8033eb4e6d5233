#!/usr/bin/env bash
# Builds every example filter into OUT_DIR (default: the current directory),
# where the example configs expect them (their code.local.filename values
# are relative to the directory weir runs in):
#   hello.wasm       examples/filters/hello.wat (wat2wasm)
#   as_filter.wasm   the AssemblyScript SDK filters (root ids add_header,
#                    authz, ticker): tests/testdata/proxywasm/assemblyscript
#   test_filter.wasm, network_filter.wasm, wasm_service.wasm, ...: the C
#                    filters of tests/testdata/proxywasm
# Usage: examples/build.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-.}"
mkdir -p "$out"
wat2wasm "$here/filters/hello.wat" -o "$out/hello.wasm"
"$here/../tests/testdata/proxywasm/build.sh" "$out" >/dev/null
"$here/../tests/testdata/proxywasm/assemblyscript/build.sh" "$out/as_filter.wasm"
echo "example filters built in $out"

#!/usr/bin/env bash
# Builds the Proxy-Wasm test filters of this folder into OUT_DIR (default:
# ./out): WAT with wat2wasm, C with clang for wasm32-wasi (Debian's wasi-libc).
# Usage: build.sh [OUT_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/out}"
mkdir -p "$out"
wat2wasm "$here/add_header.wat" -o "$out/add_header.wasm"
clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--export=malloc \
  -I"$here" -o "$out/test_filter.wasm" "$here/test_filter.c"
for c in network_filter wasm_service service_client; do
  clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--export=malloc \
    -I"$here" -o "$out/$c.wasm" "$here/$c.c"
done
echo "built: $out/add_header.wasm $out/test_filter.wasm $out/network_filter.wasm $out/wasm_service.wasm" \
  "$out/service_client.wasm"

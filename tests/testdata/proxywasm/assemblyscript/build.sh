#!/usr/bin/env bash
# Builds the AssemblyScript test filter with the SDK pinned in package.json
# (installed by `npm ci` in this folder; scripts/setup.sh does it).
# Usage: build.sh OUT.wasm
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build.sh OUT.wasm}"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
if [ ! -x "$here/node_modules/.bin/asc" ]; then
  echo "assemblyscript is not installed: run 'npm ci' in $here" >&2
  exit 3
fi
# asc resolves the SDK from node_modules relative to the working directory.
cd "$here"
./node_modules/.bin/asc assembly/index.ts -b "$out" --use abort=abort_proc_exit -O3 --noAssert

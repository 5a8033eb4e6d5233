#!/usr/bin/env bash
# bench/wasm-filter/as_quiet.sh OUT.wasm — the AssemblyScript test filters
# (tests/testdata/proxywasm/assemblyscript) built against a copy of the SDK
# (@solo-io/proxy-runtime 0.1.8) whose debug log calls are removed.
#
# Why: the SDK builds a debug message on every callback and passes it to
# proxy_log whatever the log level (it has no way to ask for the level), ten
# per request for a header filter, some joining the ids of every live
# context. That guest work, not the host, is most of what the AssemblyScript
# filter costs per request; this build shows the cost of the same filter
# without it. Only lines that are a lone `log(LogLevelValues.debug, ...);`
# are removed (all of the SDK's debug logs are), and the build fails if any
# debug log is left.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
as=$(cd "$here/../../tests/testdata/proxywasm/assemblyscript" && pwd)
out=${1:?usage: as_quiet.sh OUT.wasm}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
[ -x "$as/node_modules/.bin/asc" ] || { echo "assemblyscript is not installed: run 'npm ci' in $as" >&2; exit 3; }

work=$(mktemp -d /tmp/weir-as-quiet.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$as/assembly" "$work/assembly"
mkdir -p "$work/node_modules/@solo-io" "$work/node_modules/.bin"
for dep in assemblyscript binaryen long; do ln -s "$as/node_modules/$dep" "$work/node_modules/$dep"; done
ln -s ../assemblyscript/bin/asc "$work/node_modules/.bin/asc"
cp -r "$as/node_modules/@solo-io/proxy-runtime" "$work/node_modules/@solo-io/proxy-runtime"
runtime="$work/node_modules/@solo-io/proxy-runtime/assembly/runtime.ts"
sed -i '/^[[:space:]]*log(LogLevelValues\.debug, .*);[[:space:]]*$/d' "$runtime"
if grep -q 'LogLevelValues\.debug' "$runtime"; then
  echo "as_quiet.sh: a debug log in $runtime was not removed" >&2
  exit 1
fi
# The test filters' own build script, run in the copy: the same compiler flags.
cp "$as/build.sh" "$work/build.sh"
"$work/build.sh" "$out"

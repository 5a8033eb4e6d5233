#!/usr/bin/env bash
# run-fuzzers.sh BUILD_DIR SECONDS — runs every fuzz_* binary in BUILD_DIR for
# SECONDS each, seeded from tests/fuzz/corpus/<name>/ (copied, so the checked-in
# corpus is never modified). Any crash fails the run.
set -euo pipefail
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
found=0
for bin in $(find "$build" -maxdepth 4 -type f -name 'fuzz_*' -perm -u+x | sort); do
  found=1
  name=$(basename "$bin"); name=${name#fuzz_}
  work=$(mktemp -d)
  if [ -d "$root/tests/fuzz/corpus/$name" ]; then cp -r "$root/tests/fuzz/corpus/$name/." "$work/"; fi
  echo "fuzz: $name for ${seconds}s"
  "$bin" -max_total_time="$seconds" -rss_limit_mb=4096 -print_final_stats=1 "$work" 2>&1 | tail -4
  rm -rf "$work"
done
if [ "$found" = 0 ]; then echo "fuzz: no fuzz targets built" >&2; exit 1; fi

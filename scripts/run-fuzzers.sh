#!/usr/bin/env bash
# run-fuzzers.sh BUILD_DIR SECONDS — runs every fuzz_* binary in BUILD_DIR for
# SECONDS each, seeded from tests/fuzz/corpus/<name>/ (copied, so the checked-in
# corpus is never modified). Any crash, leak or slow input fails the run: an
# input that takes longer than 10 s is reported as a timeout (a hang in a
# parser must fail CI, not stall it), and crashing inputs are kept in
# BUILD_DIR/fuzz-artifacts/ to reproduce with `BIN FILE`.
set -euo pipefail
build=$1
seconds=$2
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
found=0
failed=0
for bin in $(find "$build" -maxdepth 4 -type f -name 'fuzz_*' -perm -u+x | sort); do
  found=1
  name=$(basename "$bin"); name=${name#fuzz_}
  work=$(mktemp -d)
  if [ -d "$root/tests/fuzz/corpus/$name" ]; then cp -r "$root/tests/fuzz/corpus/$name/." "$work/"; fi
  echo "fuzz: $name for ${seconds}s"
  log="$work.log"
  rc=0
  # stdin from /dev/null: a target must never wait for input.
  timeout $((seconds + 120)) "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "$work" </dev/null >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then
    tail -4 "$log"
  else
    echo "fuzz: $name FAILED (exit $rc); the end of its output:"
    tail -60 "$log"
    failed=1
  fi
  rm -rf "$work" "$log"
done
if [ "$found" = 0 ]; then echo "fuzz: no fuzz targets built" >&2; exit 1; fi
exit "$failed"

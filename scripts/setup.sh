#!/usr/bin/env bash
# Installs everything weir's build, tests, demo and benchmarks use. Idempotent:
# packages already present are not fetched again, so a second run takes a second.
set -euo pipefail

APT_PACKAGES=(
  # build
  g++ cmake ninja-build pkg-config make
  # libraries
  libasio-dev libssl-dev libfmt-dev libyaml-cpp-dev nlohmann-json3-dev libre2-dev
  libxxhash-dev libgtest-dev libgmock-dev libbenchmark-dev
  # hub and OCI client: metadata, HTTP client, compat-layer gunzip, htpasswd bcrypt
  libsqlite3-dev libcurl4-openssl-dev zlib1g-dev libcrypt-dev
  # wasm tooling: spec tests, test modules, benchmark programs, fuzzing
  wabt clang lld wasi-libc libclang-rt-14-dev-wasm32 libclang-rt-14-dev llvm
  # real peers and clients for tests and benchmarks
  nginx-light haproxy wrk curl valgrind python3
  # registry peers for the hub's tests and benchmark
  skopeo docker-registry apache2-utils
  # the hub's web UI test: headless Chromium driven by playwright-core (npm, below)
  chromium
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages: the AssemblyScript Proxy-Wasm SDK and compiler that the test
# filters are built with, and playwright-core for the hub's browser test.
# Versions are pinned by the lock file; `npm ci` runs only when node_modules is
# missing or older than the lock file.
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: npm not found; installing Debian's nodejs and npm"
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
for dir in "$root"/tests/testdata/proxywasm/assemblyscript "$root"/tests/integration/browser; do
  [ -f "$dir/package-lock.json" ] || continue
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
    echo "setup: npm ci in ${dir#$root/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null && touch node_modules)
  fi
done

# nginx-light enables a site and starts a daemon on :80 on some images; tests
# start their own nginx with their own config, so the system one is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx || true
fi
# docker-registry's package starts a registry on :5000; the hub tests start
# their own with their own config.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi
echo "setup: ok"

#!/usr/bin/env bash
# The developer's and CI's entry point on Debian 12.
#   tools/dev.sh demo [ARGS]   install what is missing, build, run `xfctl demo ARGS`
#   tools/dev.sh test          install what is missing, build, run every test (ctest)
#   tools/dev.sh sanitize      the same tests in an ASan+UBSan build (build-asan/)
#   tools/dev.sh deps | build
# Environment: XF_BUILD (build dir, default build/), XF_JOBS (parallel jobs).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${XF_BUILD:-$ROOT/build}
JOBS=${XF_JOBS:-$(nproc)}

PACKAGES=(g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libsqlite3-dev libzstd-dev libssl-dev
  libxml2-dev libyaml-cpp-dev doctest-dev
  libxml2-utils zstd openssl sqlite3
  dpkg-dev fakeroot lintian systemd file
  chromium fonts-noto-cjk python3 python3-jsonschema curl)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {  # build-dir, extra cmake args…
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" --parallel "$JOBS"
}

run_tests() {  # build-dir
  ctest --test-dir "$1" --output-on-failure --parallel "$JOBS" --timeout 900
}

cmd=${1:-test}
[ $# -gt 0 ] && shift
case "$cmd" in
  deps) deps ;;
  build) deps; configure_and_build "$BUILD" ;;
  test) deps; configure_and_build "$BUILD"; run_tests "$BUILD" ;;
  sanitize)
    deps
    configure_and_build "${XF_BUILD_ASAN:-$ROOT/build-asan}" -DXF_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests "${XF_BUILD_ASAN:-$ROOT/build-asan}" ;;
  demo) deps; configure_and_build "$BUILD"; "$BUILD/tools/xfctl" demo "$@" ;;
  *) echo "usage: tools/dev.sh demo|test|sanitize|deps|build" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# The developer's and CI's entry point on Debian 12.
#   tools/dev.sh demo [ARGS]   install what is missing, build, run `xfctl demo ARGS`
#   tools/dev.sh test          install what is missing, build, run every test (ctest)
#   tools/dev.sh sanitize      the same tests in an ASan+UBSan build (build-asan/)
#   tools/dev.sh tsan          the same tests in a ThreadSanitizer build (build-tsan/)
#   tools/dev.sh fuzz [SECS]   every fuzz target under libFuzzer for SECS seconds each (build-fuzz/, clang)
#   tools/dev.sh screenshots [DIR]  the status page and the national report, 3 levels down, as PNGs (default docs/)
#   tools/dev.sh deps | build
# Environment: XF_BUILD (build dir, default build/), XF_JOBS (parallel jobs).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${XF_BUILD:-$ROOT/build}
JOBS=${XF_JOBS:-$(nproc)}

PACKAGES=(g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libsqlite3-dev libzstd-dev libssl-dev
  libxml2-dev libyaml-cpp-dev doctest-dev libcli11-dev libpq-dev postgresql
  libxml2-utils zstd openssl sqlite3
  dpkg-dev fakeroot lintian systemd file
  chromium fonts-noto-cjk python3 python3-jsonschema curl)

# Only for `fuzz`: clang 16 with its sanitizer and libFuzzer runtimes. Debian 12's
# default clang 14 cannot compile exchange/http.cc's coroutines with ASan
# ("Cannot represent a difference across sections", an LLVM 14 bug); clang 16 can.
FUZZ_PACKAGES=(clang-16 libclang-rt-16-dev)

deps() {
  local missing=()
  local wanted=("${PACKAGES[@]}" "$@")
  for p in "${wanted[@]}"; do
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
  ctest --test-dir "$1" --output-on-failure --parallel "$JOBS" --timeout $((900 * ${XF_TEST_TIME_SCALE:-1}))
}

# Runs every target listed in build-fuzz/fuzz-targets.txt ("name seed…") for
# $1 seconds each, on a corpus that starts from its seeds; a crash stops with
# the reproducer's path and exit 1.
run_fuzz() {  # build-dir seconds
  local dir=$1 secs=$2 failed=0
  local names
  names=$(awk '{print $1}' "$dir/fuzz-targets.txt")
  [ -n "$names" ] || { echo "no fuzz targets in $dir/fuzz-targets.txt" >&2; return 1; }
  # shellcheck disable=SC2086
  cmake --build "$dir" --parallel "$JOBS" --target $names
  while read -r name seeds; do
    local corpus="$dir/corpus/$name" artifacts="$dir/artifacts/$name/"
    mkdir -p "$corpus" "$artifacts"
    for s in $seeds; do
      if [ -d "$s" ]; then find "$s" -type f -exec cp -n -t "$corpus" {} +; else cp -n "$s" "$corpus"/; fi
    done
    local dict=()
    [ -f "$ROOT/test/fuzz/$name.dict" ] && dict=("-dict=$ROOT/test/fuzz/$name.dict")
    echo "== $name: ${secs}s from $(find "$corpus" -type f | wc -l) inputs"
    if "$dir/test/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts" "${dict[@]}" "$corpus" >"$dir/$name.log" 2>&1; then
      grep -E '^stat::(number_of_executed_units|peak_rss_mb)|cov: ' "$dir/$name.log" | tail -3
    else
      failed=1
      echo "!! $name failed; reproducer in $artifacts, log $dir/$name.log"
      grep -E 'ERROR|SUMMARY|Test unit written' "$dir/$name.log" | head -5
    fi
  done <"$dir/fuzz-targets.txt"
  return $failed
}

# A national node of 3,000 real origins (xfctl init, then xfctl bench report
# --node: 300,000 events over 400 days, the provinces' and cities' signed
# summaries), served by xfnode; tools/report_browser.py takes the status page,
# the national report and the first link three levels down in headless
# Chromium, checking the layout as conformance_html.sh does.
screenshots() {  # build-dir out-dir
  local xfctl=$1/tools/xfctl xfnode=$1/node/xfnode out=$2 work pid url=""
  work=$(mktemp -d /tmp/xf-screenshots-XXXXXX)
  "$xfctl" init --dir "$work/national" --node-id 100000 --tier national --name 国家信访局 \
    --api-port 0 --exchange-port 0 >/dev/null
  "$xfctl" bench report --node "$work/national" --events 300000 --origins 3000 --days 400 --summaries --runs 0
  "$xfnode" --config "$work/national/xfnode.yaml" >"$work/xfnode.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 240); do
    if [ -s "$work/national/data/api.url" ]; then
      url=$(tr -d ' \n' <"$work/national/data/api.url")
      curl -sf "$url/healthz" >/dev/null && break
    fi
    url=""
    sleep 0.25
  done
  local rc=0
  if [ -z "$url" ]; then
    echo "xfnode did not start (log: $work/xfnode.log)" >&2
    rc=1
  else
    mkdir -p "$out"
    python3 "$ROOT/tools/report_browser.py" "$url" --check --shots "$out" --height 1400 || rc=$?
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
  [ $rc -eq 0 ] && rm -rf "$work" && echo "== screenshots in $out"
  return $rc
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
    # The harness's failure bounds (XF_TEST_TIME_SCALE): sanitized processes are slower.
    XF_TEST_TIME_SCALE=${XF_TEST_TIME_SCALE:-3} ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests "${XF_BUILD_ASAN:-$ROOT/build-asan}" ;;
  tsan)
    deps
    configure_and_build "${XF_BUILD_TSAN:-$ROOT/build-tsan}" -DXF_TSAN=ON
    XF_TEST_TIME_SCALE=${XF_TEST_TIME_SCALE:-6} TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" run_tests "${XF_BUILD_TSAN:-$ROOT/build-tsan}" ;;
  fuzz)
    deps "${FUZZ_PACKAGES[@]}"
    fdir=${XF_BUILD_FUZZ:-$ROOT/build-fuzz}
    CC=clang-16 CXX=clang++-16 cmake -S "$ROOT" -B "$fdir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DXF_FUZZ=ON >/dev/null
    run_fuzz "$fdir" "${1:-60}" ;;
  demo) deps; configure_and_build "$BUILD"; "$BUILD/tools/xfctl" demo "$@" ;;
  screenshots) deps; configure_and_build "$BUILD"; screenshots "$BUILD" "${1:-$ROOT/docs}" ;;
  *) echo "usage: tools/dev.sh demo|test|sanitize|tsan|fuzz [SECONDS]|screenshots [DIR]|deps|build" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# `xfctl demo` as the README runs it: five nodes on loopback, the sample
# cases up to the national bureau, one assignment down to 110108. It must
# exit 0, say so, and leave no xfnode running.
# Needs XFCTL and XFNODE (ctest sets them).
set -euo pipefail

: "${XFCTL:?XFCTL must name the xfctl binary}"
: "${XFNODE:?XFNODE must name the xfnode binary}"
export XFNODE

dir=$(mktemp -d /tmp/xf-demo-test-XXXXXX)
out="$dir.out"
cleanup() {
  local rc=$?
  # The demo stops its nodes itself, also on SIGTERM from timeout.
  rm -rf "$dir" "$out"
  exit "$rc"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- output of xfctl demo" >&2
  cat "$out" >&2
  exit 1
}

rc=0
timeout 300 "$XFCTL" demo --dir "$dir" >"$out" 2>&1 || rc=$?
(( rc == 0 )) || fail "xfctl demo exited $rc"

expect() { grep -qE -- "$1" "$out" || fail "no line matching: $1"; }
expect '^== 1\. initialising the nodes'
for id in 100000 110000 110100 110105 110108; do
  expect "^  $id  pid [0-9]+ +api http://127\.0\.0\.1:[0-9]+ +exchange https://127\.0\.0\.1:[0-9]+"
  expect "^  $id  [a-z]+ +http://127\.0\.0\.1:[0-9]+/ +token "
done
expect '^== 4\. registering [0-9]+ sample cases'
expect '^== 5\. the national bureau registers 100000-[0-9]{4}-[0-9]{7} and assigns \(交办\) it to 110108'
expect '^all [0-9]+ copies arrived in [0-9.]+ s'
# The last lines: where to look (the national bureau's status page).
expect '^== where to look \(national bureau 100000\)'
expect '^  status page +http://127\.0\.0\.1:[0-9]+/( |$)'
expect '^  live report +http://127\.0\.0\.1:[0-9]+/report\.html( |$)'
expect '^  conformance report /.*/report\.html '
report=$(sed -nE 's/^  conformance report (\/[^ ]*report\.html) .*/\1/p' "$out")
[[ -s $report ]] || fail "no report at '$report'"
for want in '<html lang="zh-CN"' '110105' '110108' '<svg'; do
  grep -qF -- "$want" "$report" || fail "the report lacks $want"
done
# The table: every county case everywhere up the tree, not at the other
# county; the assigned case down the path to 110108 only.
expect '^  110105-[0-9]{4}-[0-9]{7} +110105 +✓ +✓ +✓ +✓ +· '
expect '^  110108-[0-9]{4}-[0-9]{7} +110108 +✓ +✓ +✓ +· +✓ '
expect '^  100000-[0-9]{4}-[0-9]{7} +100000 +✓ +✓ +✓ +· +✓ +交办 → 110108'
rows=$(grep -cE '^  [0-9]{6}-[0-9]{4}-[0-9]{7} +[0-9]{6} ' "$out" || true)
(( rows >= 3 )) || fail "the table of cases is missing"
if grep -E '^  [0-9]{6}-[0-9]{4}-[0-9]{7} +[0-9]{6} ' "$out" | grep -qE '✗|\?'; then
  fail "a case is missing or where it does not belong"
fi
# Without --keep every node is stopped: no API port answers any more.
for url_file in "$dir"/*/data/api.url; do
  [[ -f $url_file ]] || continue
  port=$(sed -E 's|.*:([0-9]+).*|\1|' "$url_file")
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "a node still listens on port $port"; fi
done
echo "demo: ok"

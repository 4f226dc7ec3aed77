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
expect '^== 1\. 在 .* 初始化节点'
for id in 100000 110000 110100 110105 110108; do
  expect "^  $id  pid [0-9]+ +api http://127\.0\.0\.1:[0-9]+ +exchange https://127\.0\.0\.1:[0-9]+"
  expect "^  $id  [a-z]+ +http://127\.0\.0\.1:[0-9]+/ +token "
done
expect '^== 4\. 登记 [0-9]+ 件样例信访件'
expect '^== 5\. 国家信访局登记 100000-[0-9]{4}-[0-9]{7} 并交办给 110108'
expect '^全部 [0-9]+ 份副本在 [0-9.]+ s 内到达'
# The last lines: where to look (the national bureau's status page).
expect '^== 去哪里看（国家信访局 100000）'
expect '^  状态页 +http://127\.0\.0\.1:[0-9]+/( |$)'
expect '^  实时报告 +http://127\.0\.0\.1:[0-9]+/report\.html( |$)'
expect '^  规范性报告 /.*/report\.html '
report=$(sed -nE 's/^  规范性报告 (\/[^ ]*report\.html) .*/\1/p' "$out")
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

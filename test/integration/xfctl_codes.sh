#!/usr/bin/env bash
# `xfctl codes` as an operator runs it (tools/README.md): a code's history with
# `show`, the tables with `tables`, exit codes 0 found, 1 unknown code, 2
# usage; and a yearly list dropped into a copy of the data directory.
# Needs XF_SOURCE_DIR and XFCTL.
set -euo pipefail

: "${XF_SOURCE_DIR:?XF_SOURCE_DIR must point at the repository root}"
: "${XFCTL:?XFCTL must point at the xfctl binary}"
data="$XF_SOURCE_DIR/codes/data"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# run EXPECTED-EXIT ARGS… : runs xfctl, keeps stdout+stderr in $out.
run() {
  local want=$1
  shift
  local got=0
  out=$("$XFCTL" "$@" 2>&1) || got=$?
  if [ "$got" != "$want" ]; then
    fail "xfctl $* exited $got, expected $want"
    echo "$out" | sed 's/^/    /'
  fi
}
has() {  # has TEXT: $out contains TEXT
  if [[ "$out" != *"$1"* ]]; then
    fail "output lacks: $1"
    echo "$out" | sed 's/^/    /'
  fi
}
lacks() {
  if [[ "$out" == *"$1"* ]]; then
    fail "output should not hold: $1"
    echo "$out" | sed 's/^/    /'
  fi
}

# Chinese by default: the same history in Chinese words; the R2 reason stays
# as codes/ gives it (English, as receipts carry it), beside them.
unset XF_LANG
run 0 codes show 330103 --on 2022-03-01 --codes-dir "$data"
has "330103 下城区 — division（"
has "1983 年至 2021 年：下城区，县级，浙江省 › 杭州市"
has "2021 年撤销；承继者：330105 拱墅区"
has "在 2022-03-01：无效 [retired]：330103 下城区 was abolished in 2021"
lacks "taken over by"
lacks "from 1983"
run 0 codes show 500110 --codes-dir "$data"
has "2011 年起，现行有效：綦江区，县级，重庆市"
has "承继自：500222 綦江县（2011）"
run 0 codes show 110100 --codes-dir "$data"
has "110100 不是 GB/T 2260 行政区划代码"
run 1 codes show 999999 --codes-dir "$data"
has "999999 不是以下代码表中的代码：division 或 stat_division"
run 0 codes tables --codes-dir "$data"
has "代码表 $(cat "$data/VERSION")，位于"
has "6,823 行（时段），共 6,450 个代码，名单至 2024 年；division.csv"
lacks " rows"

# The checks below read the English words (--lang en / XF_LANG=en).
export XF_LANG=en

# A retired code: its period, how it ended, its successor, and the R2 reason.
run 0 codes show 330103 --on 2022-03-01 --codes-dir "$data"
has "330103 下城区 — division"
has "from 1983 to 2021: 下城区, 县级, 浙江省 › 杭州市"
has "abolished in 2021; taken over by 330105 拱墅区"
has "on 2022-03-01: not valid [retired]: 330103 下城区 was abolished in 2021; its area is now 330105 拱墅区"
lacks "stat_division"
run 0 codes show 330103 --on 2021-12-31 --codes-dir "$data"
has "on 2021-12-31: valid (下城区)"

# A reused code: both periods.
run 0 codes show 500110 --codes-dir "$data"
has "from 1997 to 2011: 万盛区, 县级, 重庆市"
has "changed in 2011; taken over by 500110 綦江区"
has "from 2011, in force: 綦江区, 县级, 重庆市"
has "took over from: 500222 綦江县 (2011)"

# A municipality's city-level id: only a statistical code, said so.
run 0 codes show 110100 --codes-dir "$data"
has "110100 市辖区 — stat_division"
has "110100 is not a GB/T 2260 division"

# Any table by id.
run 0 codes show 2 --table gender --codes-dir "$data"
has "2 女 — gender"

# Unknown code: 1. Usage: 2.
run 1 codes show 999999 --codes-dir "$data"
has "999999 is not a code of division or stat_division"
run 1 codes show 3 --table gender --codes-dir "$data"
run 2 codes show --codes-dir "$data"
run 2 codes show 330103 330104 --codes-dir "$data"
run 2 codes show 330103 --on 2022-13-01 --codes-dir "$data"
run 2 codes show 330103 --table nothing --codes-dir "$data"
run 2 codes show 330103 --colour --codes-dir "$data"
run 2 codes frobnicate
run 2 codes
run 2 codes tables extra --codes-dir "$data"

# The tables, their versions and sizes.
run 0 codes tables --codes-dir "$data"
has "code tables $(cat "$data/VERSION")"
has "6,823 rows (periods) of 6,450 codes, lists through 2024; division.csv"
has "44,939 rows; stat_division.csv"

# The ministry's 2025 list dropped into a copy of the data: 110109 goes, 110120 comes.
cp "$data"/* "$tmp"/
{
  printf '# list: division\n# year: 2025\n# title: 2025年名单（测试）\ncode,label\n'
  # Every code in force at the end of 2024, from the table itself: the last
  # period of each code without valid_to.
  awk -F, '!/^#/ && $1 != "code" && $5 == "" {print $1 "," $2}' "$data/division.csv" |
    grep -v '^110109,'
  echo '110120,测试新区'
} > "$tmp/division-2025.csv"
run 0 codes tables --codes-dir "$tmp"
has "lists through 2025"
has "+ the 2025 list: division-2025.csv, 3,213 codes (2025年名单（测试）)"
run 0 codes show 110109 --on 2026-01-01 --codes-dir "$tmp"
has "since the first list to 2025: 门头沟区"
has "110109 门头沟区 was abolished in 2025"
run 0 codes show 110120 --on 2025-01-01 --codes-dir "$tmp"
has "from 2025, in force: 测试新区, 县级, 北京市"
has "on 2025-01-01: valid (测试新区)"
# A list that does not fit fails the load: exit 1, the file named.
sed -i 's/^# year: 2025/# year: 2027/' "$tmp/division-2025.csv"
run 1 codes tables --codes-dir "$tmp"
has "division-2025.csv: the 2027 list leaves a gap after 2024"

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "xfctl codes: all checks passed"

#!/usr/bin/env bash
# Long work shows its progress on stderr (issue 15): piped, a line per step
# and per tenth of the way, each flushed as it comes; on a terminal, a bar
# redrawn in place (a pseudo-terminal made with script(1)). stdout keeps
# the results. Every long command: case import, export, import (batches and
# receipts), backup, restore, conformance, bench intake|apply|report.
# (bench propagate uses the same helper; it is too long to run here.)
set -euo pipefail
# shellcheck source=test/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" progress
unset XF_NODE XF_LANG XF_PROGRESS
fail() { echo "FAIL: $*" >&2; exit 1; }
has() { grep -qF -- "$2" "$1" || fail "'$2' not in $1: $(cat "$1")"; }

# A city and its county, wired without URLs (an air gap), both running.
start_city_and_county
mkdir "$work/cases"
python3 - "$SRC/test/data/cases/valid" "$work/cases" <<'PY'
import json, os, sys
for name in sorted(os.listdir(sys.argv[1])):
    c = json.load(open(os.path.join(sys.argv[1], name)))
    c.pop("registering_body", None)
    json.dump(c, open(os.path.join(sys.argv[2], name), "w"), ensure_ascii=False)
PY
n=$(ls "$work/cases" | wc -l)

# Piped: a line per tenth, then done; the results on stdout only.
"$XFCTL" case import "$work/cases" --blobs "$SRC/test/data/blobs" --node "$work/county" >"$work/out" 2>"$work/err"
has "$work/err" "登记信访件：共 $n"
has "$work/err" "登记信访件：50%"
has "$work/err" "登记信访件：100% ($n/$n)"
has "$work/err" "登记信访件：完成"
has "$work/out" "新登记 $n 件"
grep -q "登记信访件" "$work/out" && fail "progress on stdout: $(cat "$work/out")"
[ "$(grep -c '^已登记 ' "$work/out")" -eq "$n" ] || fail "not one line per case on stdout: $(cat "$work/out")"
# English, and silenced.
"$XFCTL" --lang en case import "$work/cases" --node "$work/county" >/dev/null 2>"$work/err"
has "$work/err" "registering cases: 100%"
XF_PROGRESS=off "$XFCTL" case import "$work/cases" --node "$work/county" >/dev/null 2>"$work/err"
[ ! -s "$work/err" ] || fail "XF_PROGRESS=off still prints: $(cat "$work/err")"

# On a terminal: a bar redrawn in place (carriage returns, a bar of #, the count).
script -qec "'$XFCTL' case import '$work/cases' --node '$work/county'" /dev/null >"$work/tty" </dev/null
grep -q $'\r' "$work/tty" || fail "no bar redrawn on a terminal: $(cat -A "$work/tty" | head)"
grep -qE "\[#+\.*\] 100% $n/$n" "$work/tty" || fail "no full bar on a terminal: $(cat -A "$work/tty" | head)"
has "$work/tty" "此前已登记 $n 件"

# Export, import, receipts: their steps, the per-batch lines on stdout.
"$XFCTL" export --node "$work/county" --link 110100 --out "$work/usb" >"$work/out" 2>"$work/err"
has "$work/err" "导出批次：完成"
has "$work/out" "已导出发往 110100 的未送达批次"
"$XFCTL" import --node "$work/city" --in "$work/usb" >"$work/out" 2>"$work/err"
has "$work/err" "导入批次：完成"
has "$work/out" "applied"
"$XFCTL" import --node "$work/county" --receipts "$work/usb/receipts" >"$work/out" 2>"$work/err"
has "$work/err" "导入回执：完成"
has "$work/out" "已送达 110100"

# Backup (online) and restore (stopped): each step.
"$XFCTL" backup "$work/backup" --node "$work/city" >"$work/out" 2>"$work/err"
for step in "备份：开始" "备份 · 数据库" "备份 · 完整性检查" "备份 · 附件" "备份：完成"; do has "$work/err" "$step"; done
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true
"$XFCTL" restore "$work/backup" --node "$work/city" --force >"$work/out" 2>"$work/err"
for step in "恢复 · 数据库" "恢复 · 附件" "恢复：完成"; do has "$work/err" "$step"; done

# The conformance report: its steps on stderr, the report on stdout.
"$XFCTL" conformance --node "$work/city" --format json >"$work/out" 2>"$work/err"
has "$work/err" "合规报告 · 计算"
has "$work/err" "合规报告：完成"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/out" || fail "the report on stdout is not JSON alone"

# Benchmarks, small: piped lines, and a bar on a terminal.
mkdir -p "$work/bench"
"$XFCTL" bench intake --n 40 --dir "$work/bench" >"$work/out" 2>"$work/err"
has "$work/err" "基准：登记 · 登记路径：100% (40/40)"
has "$work/out" "件/秒"
script -qec "'$XFCTL' bench apply --n 300" /dev/null >"$work/tty" </dev/null
grep -q $'\r' "$work/tty" || fail "bench apply: no bar on a terminal"
has "$work/tty" "事件/秒"
"$XFCTL" bench report --events 3000 --origins 20 --runs 2 --dir "$work/report" >"$work/out" 2>"$work/err"
has "$work/err" "基准：合规报告 · 生成全国数据库"
has "$work/err" "计算报告 第 2 次"
has "$work/out" "第 2 次： 汇总（不下钻）"
echo "progress: ok"

#!/usr/bin/env bash
# Chinese first, English on request (issue 15): a representative set of xfctl
# commands, run as an operator runs them against a city and its county, say
# what they say in Chinese by default — labels, verdicts, refusals and the
# errors of the lower layers (a Chinese sentence, their English detail
# beside it) — and in English with --lang en, with the machine-readable parts
# (rule, field, codes, ids) alike in both. Each command is checked both ways:
# Chinese words present and given English phrases absent by default, the
# reverse with --lang en.
set -euo pipefail
# shellcheck source=test/integration/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" lang
unset XF_NODE XF_LANG
export XF_PROGRESS=off
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# run WANT-EXIT ARGS…: xfctl's stdout and stderr together in $out.
run() {
  local want=$1 got=0
  shift
  out=$("$XFCTL" "$@" 2>&1) || got=$?
  [ "$got" = "$want" ] || fail "xfctl $* exited $got, expected $want: $out"
}
# zh "CHINESE…" -- "ENGLISH…": in $out (the default language) every Chinese
# phrase is present and no English one is.
# en "ENGLISH…" -- "CHINESE…": the reverse, for a --lang en run.
check() {  # label present… -- absent…
  local label=$1 absent=0 p
  shift
  for p in "$@"; do
    if [ "$p" = "--" ]; then absent=1; continue; fi
    if [ "$absent" = 0 ]; then
      [[ "$out" == *"$p"* ]] || fail "$label: '$p' missing in: $out"
    else
      [[ "$out" != *"$p"* ]] || fail "$label: '$p' should not be in: $out"
    fi
  done
}

# A city and its county, wired without URLs (an air gap), both running.
start_city_and_county
mkdir "$work/cases"
python3 - "$SRC/test/data/cases/valid" "$work/cases" <<'PY'
import json, os, sys
for name in sorted(os.listdir(sys.argv[1]))[:3]:
    c = json.load(open(os.path.join(sys.argv[1], name)))
    c.pop("registering_body", None)
    json.dump(c, open(os.path.join(sys.argv[2], name), "w"), ensure_ascii=False)
PY
run 0 case import "$work/cases" --blobs "$SRC/test/data/blobs" --node "$work/county"
check "case import" "新登记 3 件" -- "registered"
case_id=$(sed -n 's/^已登记 \(110105-[0-9-]*\).*/\1/p' <<<"$out" | head -1)
[ -n "$case_id" ] || fail "no case id in: $out"

# Offline transfer: a medium, and a copy of it altered in transit.
run 0 export --node "$work/county" --link 110100 --out "$work/usb"
check "export" "已导出发往 110100" -- "exported"
cp -r "$work/usb" "$work/bad"
python3 - "$work/bad/1.batch.zst" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 1
open(sys.argv[1], "wb").write(b)
PY

# batch inspect and verify: labels and verdicts.
run 0 batch inspect "$work/usb/1.batch.zst" --sig "$work/usb/1.batch.sig"
check "batch inspect" "批次" "发起节点" "记录数" "看来是 ed25519" "登记" -- "origin  " "records " "looks like" "registration"
run 0 --lang en batch inspect "$work/usb/1.batch.zst" --sig "$work/usb/1.batch.sig"
check "batch inspect --lang en" "origin " "records " "looks like ed25519" "registration" -- "发起节点" "记录数"
run 0 batch verify "$work/usb/1.batch.zst" --sig "$work/usb/1.batch.sig" --key "$work/county/keys/signing.pub"
check "batch verify" "通过    签名" "验证通过" -- "ok    " "verified"
run 1 batch verify "$work/bad/1.batch.zst" --sig "$work/bad/1.batch.sig" --key "$work/county/keys/signing.pub"
check "batch verify (altered)" "未通过  签名" "项检查未通过" -- "FAIL  " "does not verify"
run 1 --lang en batch verify "$work/bad/1.batch.zst" --sig "$work/bad/1.batch.sig" --key "$work/county/keys/signing.pub"
check "batch verify --lang en (altered)" "FAIL  signature: does not verify" "check(s) failed" -- "未通过"

# The altered medium is refused; the good one applied; receipts back.
run 1 import --node "$work/city" --in "$work/bad"
check "import (altered)" "拒收（REFUSED" -- "REFUSED ("
run 0 import --node "$work/city" --in "$work/usb"
check "import" "已应用（applied），接收" -- "accepted,"
run 0 import --node "$work/county" --receipts "$work/usb/receipts"
check "import --receipts" "已送达 110100" "回执接收" -- "delivered to" "receipt(s)"

# status: the summary, and the refused record in words from its rule and field
# (the English reason of the receipt kept beside).
run 0 status --node "$work/city"
check "status" "节点 110100" "链路" "最近退回的记录：1 条" "（整批）" "签名（signature）" \
  -- "Links" "Recently refused" "(whole batch)"
run 0 --lang en status --node "$work/city"
check "status --lang en" "Node 110100" "Links" "Recently refused records: 1" "(whole batch)" " signature: " \
  -- "链路" "最近退回" "签名（"

# The conformance report lists the refusal by rule and field, in words.
run 0 conformance --node "$work/city"
check "conformance" "拒收：" "签名（signature）" -- "Rejections:"
run 0 --lang en conformance --node "$work/city"
check "conformance --lang en" "Rejections:" -- "拒收：" "签名（signature）"

# The case as a clerk reads it.
run 0 case list --node "$work/county"
check "case list" "信访日期" -- "received"
run 0 case show "$case_id" --node "$work/county"
check "case show" "信访形式" "内容分类" -- "channel" "content category"
run 0 --lang en case show "$case_id" --node "$work/county"
check "case show --lang en" "Legal time limits" "received" -- "信访形式" "法定时限"

# A signed directory, shown.
run 0 directory keygen --out "$work/root"
run 0 directory add --spec "$work/spec.json" --id 110100 --key "$work/city/keys/signing.pub"
run 0 directory sign --spec "$work/spec.json" --root-key "$work/root/root.key" --serial 1 --out "$work/dir"
run 0 directory show --in "$work/dir" --root-pub "$work/root/root.pub"
check "directory show" "目录序号" "签名已验证" "签发时间" "下次更新" "签名密钥 ed25519" \
  -- "signature verified" "issued " "next update" " key ed25519"
run 0 --lang en directory show --in "$work/dir" --root-pub "$work/root/root.pub"
check "directory show --lang en" "signature verified" "next update" " key ed25519" -- "签名已验证" "签发时间"

# Code tables.
run 0 codes show 330103 --on 2022-03-01
check "codes show" "1983 年至 2021 年" "无效 [retired]" -- "from 1983" "not valid"

# A benchmark, small.
mkdir -p "$work/bench" "$work/bench2"
run 0 bench intake --n 30 --dir "$work/bench"
check "bench intake" "登记" "件/秒" -- "cases/s" "rows/s"
run 0 --lang en bench intake --n 30 --dir "$work/bench2"
check "bench intake --lang en" "cases/s" -- "件/秒"

# Errors of the lower layers: a Chinese sentence, the detail beside it.
run 2 status --node "$work/nowhere"
check "status (no node)" "无法读取节点配置" -- "node configuration:"
run 2 --lang en status --node "$work/nowhere"
check "status --lang en (no node)" "node configuration: " -- "无法读取"
run 1 batch inspect "$work/nowhere.zst"
check "batch inspect (no file)" "找不到：" "$work/nowhere.zst" -- "usage"
run 1 directory show --in "$work/nowhere"
check "directory show (no dir)" "找不到：" -- "usage"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "xfctl languages: ok"

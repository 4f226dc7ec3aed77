#!/usr/bin/env bash
# xfctl init checks tier and node id before it writes anything (issue 15):
# a mistyped tier fails naming the closest one and leaves no file; tier and
# id must agree (national 100000, province PP0000, city PPCC00 and the
# municipalities' 110100…, county PPCCNN, department NNNNNN.ORG) and the
# division must exist in GB/T 2260; the refusal says what is allowed.
# xfctl peer add warns when a parent has no URL, and refuses a certificate
# whose CN is another node.
set -euo pipefail
XFCTL=${XFCTL:-$XF_BUILD_DIR/tools/xfctl}
work=$(mktemp -d /tmp/xf-init-XXXXXX)
trap 'rm -rf "$work"' EXIT
unset XF_NODE XF_LANG
fail() { echo "FAIL: $*" >&2; exit 1; }

# refused DIR-NAME EXPECTED-TEXT ARGS…: exit 2, the text on stderr, no file.
refused() {
  local name=$1 text=$2
  shift 2
  local rc=0
  "$XFCTL" init --dir "$work/$name" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" -eq 2 ] || fail "init $* exited $rc, not 2: $(cat "$work/err")"
  grep -qF -- "$text" "$work/err" || fail "init $*: '$text' not in: $(cat "$work/err")"
  [ ! -e "$work/$name" ] || fail "init $* left $(find "$work/$name")"
}
accepted() {
  local name=$1
  shift
  "$XFCTL" init --dir "$work/$name" --api-port 0 --exchange-port 0 "$@" >"$work/out" 2>"$work/err" ||
    fail "init $* refused: $(cat "$work/err")"
  [ -f "$work/$name/xfnode.yaml" ] || fail "init $* wrote no configuration"
}

refused typo "--tier county" --node-id 110105 --tier countyy
refused typo2 "--tier province" --node-id 110000 --tier provence
refused national "--tier county" --node-id 110105 --tier national
grep -qF "允许" "$work/err" || fail "the refusal does not say what is allowed: $(cat "$work/err")"
refused notnational "100000" --node-id 110000 --tier national
refused city "--tier city" --node-id 110100             # the default tier is county
refused county "--tier county" --node-id 110100 --tier county
refused province "--tier province" --node-id 110000 --tier city
refused nodivision "990000" --node-id 990000 --tier province
refused nocounty "110199" --node-id 110199 --tier county
refused dept "--tier department" --node-id 110105.GAJ --tier county
refused notid "不是节点编号" --node-id 1101 --tier county
"$XFCTL" --lang en init --dir "$work/en" --node-id 110105 --tier countyy 2>"$work/err" && fail "en: accepted"
grep -qF "did you mean --tier county?" "$work/err" || fail "en: $(cat "$work/err")"
[ ! -e "$work/en" ] || fail "en: left files"

accepted national --node-id 100000 --tier national
accepted province --node-id 110000 --tier province
accepted city --node-id 110100 --tier city             # a municipality's conventional city id
accepted city2 --node-id 440100 --tier city
accepted county --node-id 110105                       # county by default
accepted dept --node-id 110105.GAJ --tier department
accepted dept2 --node-id 100000.MZB --tier department
# A code retired since: accepted, with a note naming what took it over.
accepted retired --node-id 330103 --tier county
grep -qF "330105" "$work/err" || fail "no note for a retired code: $(cat "$work/err")"

# peer add: a parent without --url is added with a warning; with one, none.
out=$("$XFCTL" peer add --node "$work/county" --as parent --id 110100 --key "$work/city/keys/signing.pub" \
      --cert "$work/city/keys/tls.crt" 2>"$work/err") || fail "peer add refused: $(cat "$work/err")"
grep -qF "警告" "$work/err" || fail "no warning for a parent without --url: $(cat "$work/err")"
grep -qF -- "--url" "$work/err" || fail "the warning does not say what to do: $(cat "$work/err")"
"$XFCTL" peer add --node "$work/county" --as parent --id 110100 --key "$work/city/keys/signing.pub" \
  --cert "$work/city/keys/tls.crt" --url https://127.0.0.1:9 >/dev/null 2>"$work/err" || fail "peer add --url refused"
[ ! -s "$work/err" ] || fail "a warning with --url: $(cat "$work/err")"
# The certificate of another node under this id: refused.
rc=0
"$XFCTL" peer add --node "$work/county" --as parent --id 110100 --key "$work/city/keys/signing.pub" \
  --cert "$work/city2/keys/tls.crt" --url https://127.0.0.1:9 >/dev/null 2>"$work/err" || rc=$?
[ "$rc" -eq 1 ] || fail "peer add with another node's certificate exited $rc"
grep -qF "440100" "$work/err" || fail "the refusal does not name the certificate's CN: $(cat "$work/err")"
echo "xfctl init and peer add: ok"

#!/usr/bin/env bash
# The README's examples work as written (issue 15): every ```sh block of
# README.md preceded by "<!-- run by test/integration/readme_examples.sh -->"
# is run, in order, in one shell from the source tree, against a fresh node
# that the first block makes with `xfctl init`. Two things are changed, and
# only these: /srv/xf becomes a fresh directory (no root needed), and
# `xfctl init` gets --api-port 0 --exchange-port 0 (test runs in parallel
# never compete for the default ports). Nodes started in a block
# (`xfnode … &`) are stopped at the end.
set -euo pipefail
XFCTL=${XFCTL:-$XF_BUILD_DIR/tools/xfctl}
XFNODE=${XFNODE:-$XF_BUILD_DIR/node/xfnode}
SRC=${XF_SOURCE_DIR:?}
work=$(mktemp -d /tmp/xf-readme-XXXXXX)
trap 'rm -rf "$work"' EXIT
unset XF_NODE XF_LANG XF_PROGRESS
fail() { echo "FAIL: $*" >&2; exit 1; }

# The programs as a user has them: on the PATH.
mkdir -p "$work/bin"
ln -s "$XFCTL" "$work/bin/xfctl"
ln -s "$XFNODE" "$work/bin/xfnode"

# The marked blocks, one after the other.
python3 - "$SRC/README.md" "$work/examples.sh" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"<!-- run by test/integration/readme_examples\.sh -->\n```sh\n(.*?)```", text, re.S)
if len(blocks) < 2:
    sys.exit("fewer than two marked blocks in README.md")
with open(sys.argv[2], "w", encoding="utf-8") as out:
    for i, b in enumerate(blocks, 1):
        out.write(f"echo '== README block {i}'\n{b}\n")
PY
grep -q "xfctl init" "$work/examples.sh" || fail "no xfctl init among the README's examples"
sed -i -e "s#/srv/xf#$work/srv/xf#g" \
       -e 's#^\(xfctl init .*\)$#\1 --api-port 0 --exchange-port 0#' "$work/examples.sh"

cat >"$work/run.sh" <<RUN
set -euo pipefail
trap 'kill \$(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true' EXIT
cd "$SRC"
export PATH="$work/bin:\$PATH"
source "$work/examples.sh"
RUN
bash "$work/run.sh" >"$work/out" 2>"$work/err" || {
  echo "--- the examples as run:"; cat "$work/examples.sh"
  echo "--- stdout:"; cat "$work/out"; echo "--- stderr:"; cat "$work/err"
  fail "a README example failed"
}
# What they are meant to show.
grep -qF "已登记 110105-2025-0000001" "$work/out" || fail "the sample was not registered: $(cat "$work/out" "$work/err")"
grep -qF "已登记过（未重复登记）110105-2025-0000001" "$work/out" || fail "the import registered it again: $(cat "$work/out")"
grep -qF "王秀兰" "$work/out" || fail "case show shows no petitioner"
grep -qF "110105********0465" "$work/out" || fail "case show does not mask the ID number"
grep -qF "节点 110105 北京市朝阳区信访局" "$work/out" || fail "xfctl status is not the summary"
[ -s "$work/srv/xf/report.html" ] || fail "no HTML report"
grep -qF "validates" "$work/err" || fail "xmllint did not validate the XML examples"
echo "README examples: ok ($(grep -c '^== README block' "$work/out") blocks)"

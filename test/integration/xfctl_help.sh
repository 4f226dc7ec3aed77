#!/usr/bin/env bash
# Every xfctl command answers -h/--help with its usage and exit 0, in Chinese
# by default and in English with --lang en, and does nothing else: no file
# appears in the working directory, in TMPDIR or in HOME. `xfctl` alone lists
# the commands and exits 2; an unknown option or command exits 2 and names
# the closest valid one. Every command is in the man page.
set -euo pipefail
XFCTL=${XFCTL:-$XF_BUILD_DIR/tools/xfctl}
SRC=${XF_SOURCE_DIR:?}
work=$(mktemp -d /tmp/xf-help-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/cwd" "$work/tmp" "$work/home"
cd "$work/cwd"
export TMPDIR=$work/tmp HOME=$work/home
unset XF_NODE XF_LANG
fail() { echo "FAIL: $*" >&2; exit 1; }

# The command paths, from the English list: the leading lower-case words of each row.
paths=$("$XFCTL" --lang en help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/ {
  sub(/^  /, ""); split($0, col, /  +/); n = split(col[1], w, " "); p = ""
  for (i = 1; i <= n; i++) { if (w[i] ~ /^[a-z][a-z-]*$/) p = p (p == "" ? "" : " ") w[i]; else break }
  print p }' | awk 'NF' | sort -u)
n=$(echo "$paths" | wc -l)
[ "$n" -ge 30 ] || fail "only $n commands listed: $paths"
for must in "init" "status" "case add" "case show" "conformance" "codes show" "keys add" "directory sign" \
            "bench intake" "bench apply" "bench report" "bench propagate" "bench fanin" "export" "import" "demo"; do
  grep -qx "$must" <<<"$paths" || fail "'$must' is not in the command list"
done

checked=0
while read -r path; do
  # shellcheck disable=SC2086
  for flag in --help -h; do
    out=$("$XFCTL" $path $flag) || fail "xfctl $path $flag exited $?"
    grep -q "^用法: xfctl $path" <<<"$out" || fail "xfctl $path $flag: no Chinese usage line: $out"
    grep -q -- "--help" <<<"$out" || fail "xfctl $path $flag does not list --help"
  done
  out=$("$XFCTL" --lang en $path --help) || fail "xfctl --lang en $path --help exited $?"
  grep -q "^Usage: xfctl $path" <<<"$out" || fail "xfctl --lang en $path --help: no usage line: $out"
  # Help wins over a bad option on the same line, and still runs nothing.
  "$XFCTL" $path --no-such-option --help >/dev/null || fail "xfctl $path --no-such-option --help exited $?"
  # The man page names it.
  grep -q "^\.BI\? \"\?${path//-/\\\\-}\( \|\"\|\$\)" "$SRC/packaging/xfctl.8" || fail "packaging/xfctl.8 lacks '$path'"
  checked=$((checked + 1))
done <<<"$paths"

# Nothing was written anywhere.
[ -z "$(find "$work/cwd" "$work/tmp" "$work/home" -mindepth 1)" ] || fail "help left files: $(ls -AR "$work")"

# Groups: `xfctl bench --help` lists exactly the benches, exit 0.
benches=$("$XFCTL" --lang en bench --help | awk '/^  bench /{print $2}' | sort | tr '\n' ' ')
[ "$benches" = "apply dedup fanin intake propagate report " ] || fail "xfctl bench --help lists '$benches'"

# xfctl alone: the list on stderr, exit 2.
set +e
"$XFCTL" >/dev/null 2>"$work/err"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "xfctl alone exited $rc, not 2"
grep -q "case add" "$work/err" || fail "xfctl alone does not list the commands"

# Unknown option, subcommand and command: exit 2 with the closest valid one.
expect_usage() {  # expected-text args…
  local want=$1
  shift
  set +e
  "$XFCTL" "$@" >/dev/null 2>"$work/err"
  local rc=$?
  set -e
  [ "$rc" -eq 2 ] || fail "xfctl $* exited $rc, not 2"
  grep -qF -- "$want" "$work/err" || fail "xfctl $*: expected '$want' in: $(cat "$work/err")"
}
expect_usage "did you mean --node?" --lang en status --nod /x
expect_usage "是否想用 --node？" status --nod /x
expect_usage 'did you mean "add"?' --lang en case ad x.json
expect_usage 'did you mean "status"?' --lang en stauts
expect_usage "wrong number of arguments" --lang en case show
expect_usage "--lang must be zh or en" --lang fr status
[ -z "$(find "$work/cwd" "$work/tmp" "$work/home" -mindepth 1)" ] || fail "usage errors left files"

echo "xfctl help: $checked commands answer --help and -h in both languages, exit 0, no side effects"

#!/usr/bin/env bash
# Issue 12: DIR/stop.sh of `xfctl demo --keep` stops every node of the demo,
# also one that was stopped and restarted by hand (another pid, another
# command line), found by the pid file its running xfnode holds locked in
# its data dir; and nothing else.
# Needs XFCTL and XFNODE (ctest sets them).
set -euo pipefail

: "${XFCTL:?XFCTL must name the xfctl binary}"
: "${XFNODE:?XFNODE must name the xfnode binary}"
export XFNODE

dir=$(mktemp -d /tmp/xf-demo-stop-XXXXXX)
out="$dir.out"
bystander=""
pid_of() { sed -n 's/.*(pid \([0-9][0-9]*\)).*/\1/p' "$1"; }
cleanup() {
  local rc=$?
  # Whatever still runs of this demo (the test failed): found the same way.
  for f in "$dir"/*/data/xfnode.pid; do
    [[ -f $f ]] || continue
    flock -n "$f" true 2>/dev/null && continue
    p=$(pid_of "$f")
    [[ -n $p ]] && kill "$p" 2>/dev/null || true
  done
  [[ -n $bystander ]] && kill "$bystander" 2>/dev/null || true
  rm -rf "$dir" "$out" "$out.stop"
  exit "$rc"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  cat "$out" >&2 || true
  exit 1
}

running() { ! flock -n "$1" true 2>/dev/null; }  # the pid file is locked: its node runs

rc=0
timeout 300 "$XFCTL" demo --dir "$dir" --keep >"$out" 2>&1 || rc=$?
(( rc == 0 )) || fail "xfctl demo --keep exited $rc"
[[ -x $dir/stop.sh ]] || fail "no $dir/stop.sh"

# The county is stopped and started again by hand, from its own folder.
county="$dir/county-110105"
pidfile="$county/data/xfnode.pid"
running "$pidfile" || fail "the county does not run after the demo"
old=$(pid_of "$pidfile")
kill "$old"
for _ in $(seq 1 200); do running "$pidfile" || break; sleep 0.05; done
running "$pidfile" && fail "the county did not stop"
(cd "$county" && exec "$XFNODE" --config xfnode.yaml >>xfnode.log 2>&1 </dev/null &)
# Wait for the new pid in the file before probing the lock: a probe (flock)
# taken while the node starts would make the node find its data dir in use.
for _ in $(seq 1 400); do
  p=$(pid_of "$pidfile" 2>/dev/null || true)
  [[ -n $p && $p != "$old" ]] && break
  sleep 0.05
done
running "$pidfile" || fail "the county did not start again by hand: $(tail -5 "$county/xfnode.log")"
new=$(pid_of "$pidfile")
[[ -n $new && $new != "$old" ]] || fail "the restarted county wrote no new pid ($old → $new)"

# A process that is none of the nodes, to show stop.sh signals only nodes.
sleep 300 &
bystander=$!

sh "$dir/stop.sh" >"$out.stop" 2>&1 || fail "stop.sh failed: $(cat "$out.stop")"
cat "$out.stop"
grep -q "^stopped 110105 (pid $new)$" "$out.stop" || fail "stop.sh did not stop the county restarted by hand"
for f in "$dir"/*/data/xfnode.pid; do
  running "$f" && fail "a node still runs: $f"
done
kill -0 "$new" 2>/dev/null && fail "pid $new still runs"
kill -0 "$bystander" 2>/dev/null || fail "stop.sh signalled a process that is not a node"
# Run again, it finds nothing to stop.
sh "$dir/stop.sh" >"$out.stop" 2>&1 || fail "stop.sh failed the second time"
[[ ! -s $out.stop ]] || fail "stop.sh found something to stop the second time: $(cat "$out.stop")"
rm -f "$out.stop"
echo "demo stop.sh: ok"

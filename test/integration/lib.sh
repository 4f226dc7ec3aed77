# Sourced by the shell tests (not a test itself: ctest runs *.sh files other
# than this one). Sets XFCTL, XFNODE and SRC, makes $work (removed at exit,
# with every process in $pids killed) and gives:
#   start_city_and_county: a city 110100 and its county 110105 made with
#     xfctl init, wired both ways without URLs (an air gap), both running and
#     answering; their logs in $work/city.log and $work/county.log.
# Usage: source "$(dirname "$0")/lib.sh" NAME   (the work dir is /tmp/xf-NAME-XXXXXX)
XFCTL=${XFCTL:-$XF_BUILD_DIR/tools/xfctl}
XFNODE=${XFNODE:-$XF_BUILD_DIR/node/xfnode}
SRC=${XF_SOURCE_DIR:?}
work=$(mktemp -d "/tmp/xf-${1:-test}-XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

start_city_and_county() {
  "$XFCTL" init --dir "$work/city" --node-id 110100 --tier city --api-port 0 --exchange-port 0 >/dev/null
  "$XFCTL" init --dir "$work/county" --node-id 110105 --api-port 0 --exchange-port 0 >/dev/null
  "$XFCTL" peer add --node "$work/county" --as parent --id 110100 --key "$work/city/keys/signing.pub" \
    --cert "$work/city/keys/tls.crt" >/dev/null 2>&1
  "$XFCTL" peer add --node "$work/city" --as child --id 110105 --key "$work/county/keys/signing.pub" \
    --cert "$work/county/keys/tls.crt" >/dev/null 2>&1
  local n
  for n in city county; do
    "$XFNODE" --config "$work/$n/xfnode.yaml" >"$work/$n.log" 2>&1 &
    pids+=($!)
    "$XFCTL" status --node "$work/$n" --wait 60 >/dev/null || { echo "the $n does not answer:" >&2; cat "$work/$n.log" >&2; exit 1; }
  done
}

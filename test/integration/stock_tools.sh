#!/usr/bin/env bash
# What travels between nodes is checkable with stock tools only, exactly as
# the README ("Checking records with stock tools") shows: zstd -d,
# xmllint --schema, openssl dgst + pkeyutl -verify, sha256sum.
#
# Ed25519: county 510121 → city 510100 (immediate mode, over mutual TLS),
# then city → province 510000 across an air gap (xfctl export / import).
# The batch is taken from the city with `xfctl batch get` and checked; a
# flipped byte must fail the signature check; the exported copy must be the
# same bytes; the province's signed receipt and the attachment are checked
# too. SM2 (`xfctl init --alg sm2`): a county → city pair, the same batch
# checks with SM3.
# Needs XFCTL, XFNODE and XF_SOURCE_DIR (ctest sets them).
set -euo pipefail

: "${XFCTL:?XFCTL must name the xfctl binary}"
: "${XFNODE:?XFNODE must name the xfnode binary}"
: "${XF_SOURCE_DIR:?XF_SOURCE_DIR must point at the repository root}"
export XFNODE
# The checks below read xfctl's English words (Chinese is the default: --lang en / XF_LANG=en).
export XF_LANG=en
for tool in zstd xmllint openssl sha256sum; do
  command -v "$tool" >/dev/null || { echo "stock_tools: $tool not found" >&2; exit 1; }
done

work=$(mktemp -d /tmp/xf-stock-XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if (( rc != 0 )); then
    for log in "$work"/*/*/xfnode.log; do [[ -f $log ]] && { echo "--- $log"; tail -n 20 "$log"; }; done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

XSD="$XF_SOURCE_DIR/schema/xfnode.xsd"
samples="$XF_SOURCE_DIR/test/data"
# Registered by 金堂县 (510121), with one attachment.
case_file="$samples/cases/valid/letter-village-assets.json"

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

wait_file() {  # bounded wait for a file to appear
  for _ in $(seq 1 200); do [[ -s $1 ]] && return 0; sleep 0.05; done
  fail "$1 did not appear"
}

start_node() {  # DIR
  "$XFNODE" --config "$1/xfnode.yaml" >>"$1/xfnode.log" 2>&1 &
  pids+=($!)
  wait_file "$1/data/api.url"
  wait_file "$1/data/exchange.url"
}

stop_nodes() {
  for pid in "${pids[@]}"; do kill "$pid"; wait "$pid" || true; done
  pids=()
}

# flip FILE: changes one byte in the middle of FILE.
flip() {
  local size off byte
  size=$(stat -c %s "$1")
  off=$((size / 2))
  byte=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
  printf "\\$(printf '%03o' $(((byte + 1) % 256)))" | dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}

# pair DIR ALG [province]: county 510121 → city 510100 (and, with
# "province", an air-gapped parent 510000 of the city that never runs),
# the sample case registered at the county and waited for at the city.
# Sets county, city, province and case_id.
pair() {
  local base="$work/$1" alg=$2
  county="$base/county" city="$base/city" province="$base/province"
  "$XFCTL" init --dir "$city" --node-id 510100 --tier city --alg "$alg" --api-port 0 --exchange-port 0 --interval 0 >/dev/null
  "$XFCTL" init --dir "$county" --node-id 510121 --tier county --alg "$alg" --api-port 0 --exchange-port 0 --interval 0 >/dev/null
  # The city needs no URL for its child: up batches are pushed by the county.
  "$XFCTL" peer add --node "$city" --as child --id 510121 \
    --key "$county/keys/signing.pub" --cert "$county/keys/tls.crt" >/dev/null
  if [[ ${3:-} == province ]]; then
    "$XFCTL" init --dir "$province" --node-id 510000 --tier province --alg "$alg" --api-port 0 --exchange-port 0 >/dev/null
    # No URL either way: the link is a 网闸, crossed with export/import.
    "$XFCTL" peer add --node "$city" --as parent --id 510000 \
      --key "$province/keys/signing.pub" --cert "$province/keys/tls.crt" >/dev/null
    "$XFCTL" peer add --node "$province" --as child --id 510100 \
      --key "$city/keys/signing.pub" --cert "$city/keys/tls.crt" >/dev/null
    "$XFCTL" keys add 510121 "$county/keys/signing.pub" --node "$province"
  fi
  start_node "$city"
  "$XFCTL" peer add --node "$county" --as parent --id 510100 --url "$(cat "$city/data/exchange.url")" \
    --key "$city/keys/signing.pub" --cert "$city/keys/tls.crt" >/dev/null
  start_node "$county"
  case_id=$("$XFCTL" case add "$case_file" --blobs "$samples/blobs" --node "$county" | grep -oE '[0-9]{6}-[0-9]{4}-[0-9]{7}' | head -n 1)
  [[ -n $case_id ]] || fail "the county did not register the case"
  for _ in $(seq 1 300); do
    "$XFCTL" case show "$case_id" --node "$city" >/dev/null 2>&1 && { echo "$case_id reached the city"; return 0; }
    sleep 0.1
  done
  fail "$case_id did not reach the city within 30 s"
}

# ---- Ed25519 -----------------------------------------------------------------
step "ed25519: county 510121 → city 510100 ⇢ province 510000 (air gap)"
pair ed25519 ed25519 province
# The county's first batch on its up stream carries the case.
"$XFCTL" batch get 510121-up-1 --node "$city" --out "$work/b" >/dev/null
B="$work/b/510121-up-1"
ORIGIN_PUB="$city/keys/peers/510121.pub"  # the county's signing key, as the city holds it

step "batch: zstd -d, xmllint --schema"
zstd -dc "$B.zst" > "$B.xml"
xmllint --noout --nonet --schema "$XSD" "$B.xml"
grep -q "<batch_id>510121-up-1</batch_id>" "$B.xml" || fail "the batch XML does not name its id"
grep -q "$case_id" "$B.xml" || fail "the batch does not carry $case_id"

step "batch: openssl, Ed25519 over the SHA-256 of the compressed bytes"
openssl dgst -sha256 -binary "$B.zst" > "$B.sha256"
openssl pkeyutl -verify -pubin -inkey "$ORIGIN_PUB" -rawin -in "$B.sha256" -sigfile "$B.sig"

step "a flipped byte fails the check"
cp "$B.zst" "$work/bad.zst"
flip "$work/bad.zst"
cmp -s "$B.zst" "$work/bad.zst" && fail "flip changed nothing"
openssl dgst -sha256 -binary "$work/bad.zst" > "$work/bad.sha256"
if openssl pkeyutl -verify -pubin -inkey "$ORIGIN_PUB" -rawin -in "$work/bad.sha256" -sigfile "$B.sig" >/dev/null 2>&1; then
  fail "openssl verified an altered batch"
fi
echo "altered batch rejected, as it must be"

step "xfctl batch verify and inspect"
"$XFCTL" batch verify "$B.zst" --sig "$B.sig" --key "$ORIGIN_PUB" --schema "$XSD"
if "$XFCTL" batch verify "$work/bad.zst" --sig "$B.sig" --key "$ORIGIN_PUB" --schema "$XSD" > "$work/bad.txt"; then
  fail "xfctl batch verify accepted an altered batch"
fi
grep -q "^FAIL  signature" "$work/bad.txt" || fail "batch verify did not name the signature failure"
"$XFCTL" batch inspect "$B.zst" --sig "$B.sig" > "$work/inspect.txt"
grep -q "^origin *510121" "$work/inspect.txt" || fail "inspect does not show the origin"
grep -q "registration *$case_id" "$work/inspect.txt" || fail "inspect does not list the registration of $case_id"

step "across the air gap: xfctl export on the city, import on the province, receipts back"
"$XFCTL" export --node "$city" --link 510000 --out "$work/usb"
# Relays never re-pack: the exported batch is the county's bytes and signature.
cmp "$work/usb/1.batch.zst" "$B.zst" || fail "the exported batch differs from the county's"
cmp "$work/usb/1.batch.sig" "$B.sig" || fail "the exported signature differs from the county's"
"$XFCTL" import --node "$province" --in "$work/usb" | tee "$work/import.txt"
grep -q "510121-up-1 *applied, 1 accepted, 0 rejected" "$work/import.txt" || fail "the province did not apply the batch"
"$XFCTL" import --node "$city" --receipts "$work/usb/receipts" | tee "$work/receipts.txt"
grep -q "delivered to 510000" "$work/receipts.txt" || fail "the city did not take the receipt"
"$XFCTL" export --node "$city" --link 510000 --out "$work/usb2" | grep -q "^exported 0 " ||
  fail "a delivered batch was exported again"
"$XFCTL" batch get 510121-up-1 --node "$province" --out "$work/p" >/dev/null
cmp "$work/p/510121-up-1.zst" "$B.zst" || fail "the province holds different bytes"

step "attachment: sha256sum, and named in the signed batch header"
sha=$(grep -o '<sha256>[0-9a-f]\{64\}</sha256>' "$B.xml" | head -n 1 | sed 's/<[^>]*>//g')
[[ -n $sha ]] || fail "the batch header names no attachment"
echo "$sha  $work/usb/blobs/$sha" | sha256sum -c

step "receipt: xmllint --schema, openssl with the receiver's key"
R="$work/usb/receipts/1.receipt"
RECEIVER_PUB="$province/keys/signing.pub"
xmllint --noout --nonet --schema "$XSD" "$R.xml"
openssl dgst -sha256 -binary "$R.xml" > "$R.sha256"
openssl pkeyutl -verify -pubin -inkey "$RECEIVER_PUB" -rawin -in "$R.sha256" -sigfile "$R.sig"
stop_nodes

# ---- SM2 with SM3 --------------------------------------------------------------
step "sm2: county 510121 → city 510100"
pair sm2 sm2
"$XFCTL" batch get 510121-up-1 --node "$city" --out "$work/b-sm2" >/dev/null
B="$work/b-sm2/510121-up-1"
ORIGIN_PUB="$city/keys/peers/510121.pub"
zstd -dc "$B.zst" > "$B.xml"
xmllint --noout --nonet --schema "$XSD" "$B.xml"

step "batch: openssl, SM2 with SM3 over the compressed bytes, signer id 1234567812345678"
openssl pkeyutl -verify -pubin -inkey "$ORIGIN_PUB" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
  -in "$B.zst" -sigfile "$B.sig"
cp "$B.zst" "$work/bad-sm2.zst"
flip "$work/bad-sm2.zst"
if openssl pkeyutl -verify -pubin -inkey "$ORIGIN_PUB" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
     -in "$work/bad-sm2.zst" -sigfile "$B.sig" >/dev/null 2>&1; then
  fail "openssl verified an altered SM2 batch"
fi
echo "altered batch rejected, as it must be"
"$XFCTL" batch verify "$B.zst" --sig "$B.sig" --key "$ORIGIN_PUB" --schema "$XSD"
if "$XFCTL" batch verify "$work/bad-sm2.zst" --sig "$B.sig" --key "$ORIGIN_PUB" --schema "$XSD" >/dev/null; then
  fail "xfctl batch verify accepted an altered SM2 batch"
fi

# The city has no parent here: it made the system key of duplicate detection
# and signed its document (exchange/PROTOCOL.md, "The system key's document").
step "dedup key: openssl, SM2 with SM3 over 'xfnode-dedup-key-2 <signer> <key_id> <key>'"
K="$city/data/dedup.key"
wait_file "$K"
field() { sed -E 's/.*"'"$1"'":"([^"]*)".*/\1/' "$K"; }
[[ $(field format) == xfnode-dedup-key-2 && $(field signer) == 510100 ]] || fail "$K is not signed by 510100: $(cat "$K")"
printf '%s' "xfnode-dedup-key-2 $(field signer) $(field key_id) $(field key)" > "$work/k.txt"
field signature | base64 -d > "$work/k.sig"
openssl pkeyutl -verify -pubin -inkey "$city/keys/signing.pub" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
  -in "$work/k.txt" -sigfile "$work/k.sig"
printf '%s' "xfnode-dedup-key-2 $(field signer) other-id $(field key)" > "$work/k-bad.txt"
if openssl pkeyutl -verify -pubin -inkey "$city/keys/signing.pub" -rawin -digest sm3 -pkeyopt distid:1234567812345678 \
     -in "$work/k-bad.txt" -sigfile "$work/k.sig" >/dev/null 2>&1; then
  fail "openssl verified the key document's signature over another key_id"
fi
stop_nodes

echo "stock_tools: ok"

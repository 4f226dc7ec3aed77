#!/usr/bin/env bash
# The JSON of the conformance report and of the offline batch check, from
# real output, validated with python3-jsonschema against
# node/conformance.schema.json and node/conformance_batch.schema.json:
#   1. the national bureau of `xfctl demo` (cases that flowed up for real);
#   2. a national database from `xfctl bench report` (every list non-empty:
#      rejections, late events, R4, gaps, old code tables, 涉法涉诉, days;
#      the provinces' and cities' signed accounts), the national page and a
#      province's (--node-id) with its drill-down, trends and accounts;
#   3. `xfctl conformance --batch` on a batch the demo's county signed.
# Every number with a fraction or exponent must be a plain decimal, and
# every score a decimal (100.0, not 100 or 1E2; a month of a trend with
# nothing to score has null).
# Needs XFCTL, XFNODE and XF_SOURCE_DIR (ctest sets them), /usr/bin/python3
# and its jsonschema module (Debian: python3-jsonschema).
set -euo pipefail

: "${XFCTL:?XFCTL must name the xfctl binary}"
: "${XFNODE:?XFNODE must name the xfnode binary}"
: "${XF_SOURCE_DIR:?XF_SOURCE_DIR must name the source tree}"
export XFNODE

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

py=/usr/bin/python3
[[ -x $py ]] || fail "$py is missing: this test validates with python3 and python3-jsonschema"
if ! err=$("$py" -c 'import jsonschema' 2>&1); then
  fail "the python3 module jsonschema is missing (Debian: apt-get install python3-jsonschema): $err"
fi

report_schema="$XF_SOURCE_DIR/node/conformance.schema.json"
batch_schema="$XF_SOURCE_DIR/node/conformance_batch.schema.json"

dir=$(mktemp -d /tmp/xf-conformance-schema-XXXXXX)
cleanup() {
  local rc=$?
  rm -rf "$dir"
  exit "$rc"
}
trap cleanup EXIT

# validate SCHEMA FILE [python expression over `doc` that must hold]…
validate() {
  "$py" - "$@" <<'EOF'
import json, sys
import jsonschema

schema_file, doc_file, *musts = sys.argv[1:]
with open(schema_file, encoding="utf-8") as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
with open(doc_file, encoding="utf-8") as f:
    raw = f.read()
with_exponent = []
def parse_float(text):
    if "e" in text or "E" in text:
        with_exponent.append(text)
    return float(text)
doc = json.loads(raw, parse_float=parse_float)
problems = []
if with_exponent:
    problems.append("numbers with an exponent: " + ", ".join(with_exponent[:10]))
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "score" and not isinstance(x, float) and not (x is None and "/trend/" in path + "/"):
                problems.append(f"{path}/score is {x!r}, not a decimal")
            walk(x, f"{path}/{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, f"{path}/{i}")
walk(doc, "")
validator = jsonschema.Draft202012Validator(schema)
for e in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
    problems.append("/" + "/".join(str(p) for p in e.absolute_path) + ": " + e.message[:300])
for m in musts:
    if not eval(m, {"doc": doc}):
        problems.append("does not hold: " + m)
if problems:
    print(f"{doc_file} against {schema_file}:", file=sys.stderr)
    for p in problems[:40]:
        print("  " + p, file=sys.stderr)
    sys.exit(1)
print(f"ok: {doc_file} ({len(raw)} bytes) is valid against {schema_file}")
EOF
}

# 1. The demo's national bureau.
"$XFCTL" demo --dir "$dir/demo" >"$dir/demo.out" 2>&1 || { cat "$dir/demo.out" >&2; fail "xfctl demo failed"; }
# The demo's folder of node ID: the one whose xfnode.yaml names it.
node_dir() {
  local f
  for f in "$dir"/demo/*/xfnode.yaml; do
    if grep -qE "^  id: \"?$1\"?\s*(#.*)?$" "$f"; then
      dirname "$f"
      return 0
    fi
  done
  fail "no node $1 among $(ls "$dir/demo") (did the demo's layout change?)"
}
national=$(node_dir 100000)
county=$(node_dir 110105)
"$XFCTL" conformance --node "$national" --format json --out "$dir/demo.json" ||
  fail "xfctl conformance --node $national failed"
validate "$report_schema" "$dir/demo.json" \
  'doc["node_id"] == "100000"' \
  'any(o["id"] == "110105" for o in doc["origins"])' \
  'any(o["id"] == "110108" for o in doc["origins"])' \
  '[s["id"] for s in doc["subtrees"]] == ["110000"]' ||
  fail "the demo's national report does not match the schema"

# 2. A national database with every kind of breach.
"$XFCTL" bench report --events 20000 --origins 300 --days 100 --runs 1 --summaries --dir "$dir/bench" \
  >"$dir/bench.out" 2>&1 || { cat "$dir/bench.out" >&2; fail "xfctl bench report failed"; }
{
  echo 'node: {id: "100000", tier: national}'
  echo "data_dir: $dir/bench"
  echo "key_directory: $dir/bench/keys"
  echo "api: {token_file: $dir/bench/api.token}"
  echo "children:"
  for p in 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65; do
    echo "  - id: \"${p}0000\""
  done
} >"$dir/bench.yaml"
"$XFCTL" conformance --config "$dir/bench.yaml" --format json --out "$dir/bench.json" ||
  fail "xfctl conformance over the bench database failed"
validate "$report_schema" "$dir/bench.json" \
  'len(doc["origins"]) == 300' 'len(doc["subtrees"]) == 31' \
  'all(doc[k] for k in ["rejections", "late_events", "repeats_without_initial", "gaps", "outdated_batches", "legal_not_directed", "days"])' \
  'any(o["score"] < 100 for o in doc["origins"])' \
  'doc["tree"]["node"] == "100000" and len(doc["tree"]["rows"]) == 31 and len(doc["tree"]["months"]) == 12' \
  'doc["tree"]["origins"]["matched"] == 300 and len(doc["tree"]["origins"]["listed"]) == 50' \
  'all(r["account"] is not None for r in doc["tree"]["rows"])' \
  'any(r["account"]["differs"] for r in doc["tree"]["rows"])' \
  'all(r["account"]["verified"] is True for r in doc["tree"]["rows"])' \
  'doc["list_totals"]["late_events"] > len(doc["late_events"])' ||
  fail "the bench database's report does not match the schema"
"$XFCTL" conformance --config "$dir/bench.yaml" --node-id 110000 --format json --out "$dir/bench-110000.json" ||
  fail "xfctl conformance --node-id 110000 over the bench database failed"
validate "$report_schema" "$dir/bench-110000.json" \
  'doc["scope"] == "110000" and doc["tree"]["path"] == ["100000", "110000"]' \
  'all(o["id"].startswith("11") for o in doc["origins"])' \
  'doc["tree"]["account"] is not None' \
  'any(r["kind"] == "subtree" and r["account"] is not None and r["account"]["verified"] is False for r in doc["tree"]["rows"])' ||
  fail "the bench database's report of 110000 does not match the schema"

# 3. One batch of the demo's county, checked offline, with its signature.
"$XFCTL" batch get 110105-up-1 --node "$national" --out "$dir/batches" >/dev/null ||
  fail "xfctl batch get 110105-up-1 failed"
rc=0
"$XFCTL" conformance --batch "$dir/batches/110105-up-1.zst" --signature "$dir/batches/110105-up-1.sig" \
  --key "$county/keys/signing.pub" --format json >"$dir/batch.json" || rc=$?
(( rc == 0 || rc == 3 )) || fail "xfctl conformance --batch exited $rc"
validate "$batch_schema" "$dir/batch.json" \
  'doc["batch"]["batch_id"] == "110105-up-1"' 'doc["signature"]["valid"] is True' 'doc["records"] >= 1' ||
  fail "the offline batch check does not match its schema"

echo "conformance_schema: ok"

#!/usr/bin/env bash
# Checks the example XML in test/data/xml/ with stock xmllint against
# schema/xfnode.xsd: every file in valid/ must validate, every file in
# invalid/ must fail. Needs XF_SOURCE_DIR (the repository root).
set -euo pipefail

: "${XF_SOURCE_DIR:?XF_SOURCE_DIR must point at the repository root}"
xsd="$XF_SOURCE_DIR/schema/xfnode.xsd"
data="$XF_SOURCE_DIR/test/data/xml"
command -v xmllint >/dev/null || { echo "xmllint not found (libxml2-utils)" >&2; exit 1; }

failures=0
checked=0
shopt -s nullglob

valid=("$data"/valid/*.xml)
invalid=("$data"/invalid/*.xml)
if (( ${#valid[@]} == 0 || ${#invalid[@]} == 0 )); then
  echo "no example files under $data/valid or $data/invalid" >&2
  exit 1
fi

for f in "${valid[@]}"; do
  checked=$((checked + 1))
  if ! out=$(xmllint --noout --nonet --schema "$xsd" "$f" 2>&1); then
    echo "FAIL (should validate): ${f#"$XF_SOURCE_DIR"/}"
    echo "$out" | sed 's/^/    /'
    failures=$((failures + 1))
  fi
done

for f in "${invalid[@]}"; do
  checked=$((checked + 1))
  if xmllint --noout --nonet --schema "$xsd" "$f" >/dev/null 2>&1; then
    echo "FAIL (should be rejected): ${f#"$XF_SOURCE_DIR"/}"
    failures=$((failures + 1))
  fi
done

# The XML form of every valid example case (test/data/cases/valid/*.json),
# as `xfctl case xml` writes it, validates with xmllint too.
cases=("$XF_SOURCE_DIR"/test/data/cases/valid/*.json)
if [ -n "${XFCTL:-}" ]; then
  for f in "${cases[@]}"; do
    checked=$((checked + 1))
    if ! out=$("$XFCTL" case xml "$f" | xmllint --noout --nonet --schema "$xsd" - 2>&1); then
      echo "FAIL (XML form should validate): ${f#"$XF_SOURCE_DIR"/}"
      echo "$out" | sed 's/^/    /'
      failures=$((failures + 1))
    fi
  done
fi

echo "xsd_examples: $checked files, ${#valid[@]} valid, ${#invalid[@]} invalid, $failures failures"
(( failures == 0 ))

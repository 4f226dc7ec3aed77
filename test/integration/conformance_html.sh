#!/usr/bin/env bash
# The conformance report as HTML, rendered by a real browser.
#
# The demo topology (xfctl demo --keep: 100000 → 110000 → 110100 → 110105,
# 110108) runs; then 海淀区 110108 registers cases late (days after they
# were received) and accepts and evaluates some of them, and 朝阳区 110105
# handles a 涉法涉诉 case the ordinary way. Once all of it has reached the
# national bureau, `xfctl conformance --format html` writes its report, and
# headless Chromium renders it: the DOM it dumps must name every
# jurisdiction in Chinese with a score and the light that score earns, 110108
# not green, the lateness and per-day charts drawn; a screenshot must be a
# real picture. The national node's status page `/` (through Chromium too)
# must list its child with delivered batches and its gaps; `/report.html`
# answers without a token, `/v1/conformance` does not.
#
# Then the national report at scale: a national node made by `xfctl init`,
# its database filled by `xfctl bench report --node` (3,000 real origins —
# provinces, cities, counties, departments — real records through the real
# store, 400 days, the provinces' and cities' signed summaries), served by a
# real xfnode. tools/report_browser.py drives Chromium over its DevTools pipe:
# on the national page and three levels of drill-down, reached by clicking,
# no element overflows a box whose overflow is hidden, nothing overflows
# where it cannot scroll, the page does not scroll sideways, no chart text is
# clipped and no two tick labels overlap; each click lands one level deeper.
# The accounts that differ (a province under-reports its rejections) and the
# one whose signature fails (a city's bytes altered) are marked.
# Needs XFCTL, XFNODE (ctest sets them), chromium, fonts-noto-cjk, curl and
# /usr/bin/python3 (tools/dev.sh deps installs them). XF_HTML_OUT=DIR keeps
# the report and the screenshots.
set -euo pipefail

: "${XFCTL:?XFCTL must name the xfctl binary}"
: "${XFNODE:?XFNODE must name the xfnode binary}"
export XFNODE

fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || fail "headless Chromium is not installed ($CHROMIUM): this test renders the report in it." \
  "Install it with: apt-get install -y chromium fonts-noto-cjk (tools/dev.sh deps does)"
fc-list :lang=zh family 2>/dev/null | grep -qi 'Noto Sans CJK' ||
  fail "no Noto CJK font: Chinese would render as empty boxes. Install it with: apt-get install -y fonts-noto-cjk"
py=/usr/bin/python3
[[ -x $py ]] || fail "$py is missing: this test reads the rendered DOM with python3"
command -v curl >/dev/null || fail "curl is missing"

work=$(mktemp -d /tmp/xf-html-XXXXXX)
demo="$work/demo"
big_pid=""
cleanup() {
  local rc=$?
  # stop.sh stops exactly the demo's processes (it checks each pid's command line).
  [[ -f $demo/stop.sh ]] && sh "$demo/stop.sh" >/dev/null 2>&1
  # The large national node: the one process this script started.
  if [[ -n $big_pid ]]; then kill "$big_pid" 2>/dev/null; wait "$big_pid" 2>/dev/null; fi
  # XF_HTML_OUT=DIR keeps the report, its DOM and its screenshot, also on failure.
  if [[ -n ${XF_HTML_OUT:-} ]]; then
    mkdir -p "$XF_HTML_OUT" && cp "$work"/report.html "$work"/*.dom.html "$work"/report.png "$XF_HTML_OUT/" 2>/dev/null || true
    [[ -d $work/shots ]] && cp "$work"/shots/*.png "$XF_HTML_OUT/" 2>/dev/null || true
  fi
  if (( rc != 0 )); then
    [[ -f $work/demo.out ]] && { echo "--- xfctl demo"; tail -n 30 "$work/demo.out"; }
    [[ -f $work/chromium.log ]] && { echo "--- chromium"; tail -n 20 "$work/chromium.log"; }
    for log in "$demo"/*/xfnode.log "$work"/national.log; do [[ -f $log ]] && { echo "--- $log"; tail -n 10 "$log"; }; done
  fi
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT

step "the demo topology, left running"
timeout 180 "$XFCTL" demo --dir "$demo" --keep >"$work/demo.out" 2>&1 || fail "xfctl demo failed"
national="$demo/national-100000"
c105="$demo/county-110105"
c108="$demo/county-110108"
samples="${XF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/test/data/cases/valid"

api_of() { tr -d ' \n' <"$1/data/api.url"; }
token_of() { tr -d ' \n' <"$1/api.token"; }
# call DIR METHOD PATH [JSON]: prints the body, then the status on its own last line.
call() {
  local args=(-sS -w '\n%{http_code}' -X "$2" -H "Authorization: Bearer $(token_of "$1")")
  [[ $# -ge 4 ]] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
  curl "${args[@]}" "$(api_of "$1")$3"
}
# post DIR PATH JSON: the body of a 201 answer, else the test fails.
post() {
  local out
  out=$(call "$1" POST "$2" "$3")
  [[ ${out##*$'\n'} == 201 ]] || fail "POST $2 at $1: ${out//$'\n'/ }"
  printf '%s' "${out%$'\n'*}"
}
# A sample case, received and registered by this node at REGISTERED (an
# instant, or "" for now): its received date is that day in UTC+8, so the
# legal clocks run from it.
case_json() {  # FILE REGISTERED
  "$py" - "$1" "$2" <<'EOF'
import json, sys
from datetime import datetime, timedelta, timezone
c = json.load(open(sys.argv[1], encoding="utf-8"))
for k in ("registering_body", "registered_at", "attachments", "case_id", "due_date"):
    c.pop(k, None)
at = datetime.now(timezone.utc)
if sys.argv[2]:
    c["registered_at"] = sys.argv[2]
    at = datetime.fromisoformat(sys.argv[2].replace("Z", "+00:00"))
c["received_date"] = at.astimezone(timezone(timedelta(hours=8))).date().isoformat()
print(json.dumps(c, ensure_ascii=False))
EOF
}
field() { "$py" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
ago() { date -u -d "$1 ago" +%Y-%m-%dT%H:%M:%SZ; }
after() { date -u -d "$1 $2" +%Y-%m-%dT%H:%M:%SZ; }  # INSTANT "+3 days"

step "110108 registers six cases late, accepts two in time, gets one evaluation"
# Received 30 days ago, the first three fell due 15 days later at the latest
# (a last day on rest days moves by at most ten), inside the 30-day period.
posted=0
late_ids=()
for spec in "30 days" "30 days" "30 days" "2 days" "3 days" "30 hours"; do
  at=$(ago "$spec")
  id=$(post "$c108" /v1/cases "$(case_json "$samples/phone-pension-inquiry.json" "$at")" | field case_id)
  late_ids+=("$id|$at")
  posted=$((posted + 1))
done
for i in 0 1; do
  id=${late_ids[$i]%%|*} at=${late_ids[$i]#*|}
  post "$c108" "/v1/cases/$id/events" \
    "{\"kind\":\"acceptance\",\"occurred_at\":\"$(after "$at" "+3 days")\",\"actor\":\"海淀区信访局\",\"decision\":\"1\"}" >/dev/null
  posted=$((posted + 1))
done
id=${late_ids[0]%%|*} at=${late_ids[0]#*|}
post "$c108" "/v1/cases/$id/events" \
  "{\"kind\":\"evaluation\",\"occurred_at\":\"$(after "$at" "+10 days")\",\"target\":\"bureau\",\"value\":\"2\"}" >/dev/null
posted=$((posted + 1))

step "110105 handles a 涉法涉诉 case without directing it into legal procedure"
id=$(post "$c105" /v1/cases "$(case_json "$samples/app-court-enforcement.json" "")" | field case_id)
post "$c105" "/v1/cases/$id/events" \
  "{\"kind\":\"handling\",\"occurred_at\":\"$(ago "1 minute")\",\"method\":\"010200\",\"body\":\"110105\"}" >/dev/null
posted=$((posted + 2))

step "waiting until the national bureau holds all $posted new events"
# Each case with every event posted on it, asked for by id: a count of all
# events would also count what the demo is still passing on (its duplicate
# notices), and could be reached before the last of these arrived.
declare -A want_events=()
for i in "${!late_ids[@]}"; do want_events[${late_ids[$i]%%|*}]=1; done
want_events[${late_ids[0]%%|*}]=3
want_events[${late_ids[1]%%|*}]=2
want_events[$id]=2
events_at_national() {  # CASE_ID: how many events the national bureau holds of it (0 if none)
  local out
  out=$(call "$national" GET "/v1/cases/$1")
  [[ ${out##*$'\n'} == 200 ]] || { echo 0; return; }
  printf '%s' "${out%$'\n'*}" | "$py" -c 'import json,sys; print(len(json.load(sys.stdin)["events"]))'
}
missing=""
for _ in $(seq 1 240); do
  missing=""
  for c in "${!want_events[@]}"; do
    (( $(events_at_national "$c") >= want_events[$c] )) || missing+=" $c"
  done
  [[ -z $missing ]] && break
  sleep 0.25
done
[[ -z $missing ]] || fail "after 60 s the national bureau still lacks events of:$missing"

step "xfctl conformance --format html at the national bureau"
report="$work/report.html"
# The period ends tomorrow (a civil date in UTC+8), not now: it is
# [since, until) to the second, and the last batch may have been stored in
# the current second.
until=$(date -u -d '+32 hours' +%F)
"$XFCTL" conformance --node "$national" --format html --until "$until" --out "$report"
[[ -s $report ]] || fail "no report written"
size=$(stat -c %s "$report")
(( size < 2000000 )) || fail "the report is $size bytes"

chrome() {
  timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-background-networking --no-first-run --no-default-browser-check \
    --user-data-dir="$(mktemp -d "$work/chrome-XXXXXX")" "$@" 2>>"$work/chromium.log"
}

step "rendering it in headless Chromium"
chrome --dump-dom "file://$report" >"$work/report.dom.html" || fail "chromium --dump-dom failed"
chrome --screenshot="$work/report.png" --window-size=1280,2000 --hide-scrollbars "file://$report" >/dev/null ||
  fail "chromium --screenshot failed"

"$py" - "$work/report.dom.html" <<'EOF'
import sys
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "img", "input", "hr", "col", "wbr", "source", "area", "base", "embed", "param", "track"}

class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements = []   # (tag, attrs, path of ancestors' indexes)
        self.stack = []
        self.text = {}       # element index → its text
    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), list(self.stack)))
        idx = len(self.elements) - 1
        self.text[idx] = ""
        if tag not in VOID:
            self.stack.append(idx)
    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs), list(self.stack)))
        self.text[len(self.elements) - 1] = ""
    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.elements[self.stack[i]][0] == tag:
                del self.stack[i:]
                break
    def handle_data(self, data):
        for i in self.stack:
            self.text[i] += data

dom = Dom()
dom.feed(open(sys.argv[1], encoding="utf-8").read())
E = dom.elements
errors = []
def check(ok, what):
    if not ok:
        errors.append(what)

def find(tag=None, **attrs):
    out = []
    for i, (t, a, _) in enumerate(E):
        if tag and t != tag:
            continue
        if all(a.get(k.replace("_", "-")) == v for k, v in attrs.items()):
            out.append(i)
    return out
def inside(i, j):  # element i is inside element j
    return j in E[i][2]

check(find("html", lang="zh-CN"), 'no <html lang="zh-CN">')
header = find("header", id="report-header")
check(header and E[header[0]][1].get("data-node") == "100000", "header: node 100000")
check(find("dd", id="meta-node") and "100000 国家信访局" in dom.text[find("dd", id="meta-node")[0]], "header names 100000 国家信访局")

# The light (node/CONFORMANCE.md, "Traffic lights"): red below 70 or with a
# case overdue more than 30 days; amber below 90 or with 5 % of its open
# cases overdue; else green.
def light(score, overdue, open_cases, max_days):
    if score < 70 or max_days > 30:
        return "red"
    if score < 90 or (overdue > 0 and overdue >= 0.05 * max(1, open_cases)):
        return "amber"
    return "green"

rows = {}
red_by_overdue = 0
for i, (t, a, _) in enumerate(E):
    if t == "tr" and "data-jurisdiction" in a:
        rows[(a["data-kind"], a["data-jurisdiction"])] = i
        score = float(a["data-score"])
        check(0 <= score <= 100, f"score {score} of {a['data-jurisdiction']}")
        cell = [k for k in find("td", data_col="overdue") if inside(k, i)]
        check(cell, f"{a['data-jurisdiction']}: no overdue cell")
        o = E[cell[0]][1] if cell else {}
        want = light(score, int(o.get("data-overdue", 0)), int(o.get("data-open", 0)), int(o.get("data-max-days", 0)))
        check(a["data-light"] == want,
              f"{a['data-jurisdiction']} scores {score} with overdue {o} but shows {a['data-light']}, not {want}")
        if want == "red" and score >= 90:
            red_by_overdue += 1
        lights = [k for k in find("span") if inside(k, i) and "light" in E[k][1].get("class", "")]
        check(lights and a["data-light"] in E[lights[0]][1]["class"], f"the light of {a['data-jurisdiction']} is not drawn")
for key, name in [(("subtree", "110000"), "110000 北京市"), (("origin", "100000"), "100000 国家信访局"),
                  (("origin", "110105"), "110105 朝阳区"), (("origin", "110108"), "110108 海淀区")]:
    check(key in rows, f"no row for {key}")
    if key in rows:
        check(name in dom.text[rows[key]], f"row {key} does not say {name}")

def deductions(key):
    return {E[k][1]["data-deduction"] for k in find("li") if key in rows and inside(k, rows[key])}
if ("origin", "110108") in rows:
    a = E[rows[("origin", "110108")]][1]
    check(a["data-light"] != "green", f"110108 registered late and still scores {a['data-score']} ({a['data-light']})")
    check({"lateness", "timely_acceptance"} <= deductions(("origin", "110108")), "110108: no lateness or acceptance deduction")
    rate = [k for k in find("td", data_col="acceptance") if inside(k, rows[("origin", "110108")])]
    check(rate and E[rate[0]][1].get("data-numerator") == "2" and E[rate[0]][1].get("data-denominator") == "3",
          "110108: 及时受理率 is not 2/3")
    # Its acceptance disposed of each of the two cases: 及时转送交办率 2/3 as well.
    rate = [k for k in find("td", data_col="routing") if inside(k, rows[("origin", "110108")])]
    check(rate and E[rate[0]][1].get("data-numerator") == "2" and E[rate[0]][1].get("data-denominator") == "3",
          "110108: 及时转送交办率 is not 2/3")
    # The bureau's work was rated on the first case, 满意.
    rate = [k for k in find("td", data_col="satisfaction-bureau") if inside(k, rows[("origin", "110108")])]
    check(rate and E[rate[0]][1].get("data-numerator") == "1" and E[rate[0]][1].get("data-denominator") == "1",
          "110108: 群众满意率 (信访部门) is not 1/1")
# The third case of 110108 is overdue on both of its first clocks, listed with start and due day.
overdue = [i for i in find("tr") if E[i][1].get("data-clock") == "accept_notice"]
check(overdue, "no 受理告知 clock in the overdue list")
check(int(E[find("section", id="overdue")[0]][1]["data-count"]) >= 2, "fewer than 2 overdue clocks listed")
check("legal_not_directed" in deductions(("origin", "110105")), "110105: the 涉法涉诉 case is not counted")
check(int(E[find("section", id="legal")[0]][1]["data-count"]) >= 1, "the list of 涉法涉诉 cases is empty")
check(int(E[find("section", id="late-events")[0]][1]["data-count"]) >= 6, "fewer than 6 late events listed")
for head in ("及时受理率", "按期办结率", "及时转送交办率", "群众满意率", "参评率", "重件无初件", "序号缺口", "旧版代码批次",
             "涉法涉诉"):
    check(any(head in dom.text[i] for i in find("th")), f"no column head {head}")

# Charts.
svg = find("svg", id="svg-lateness")
check(svg, "no lateness chart")
lat_rows = [i for i in find("g") if "lat-row" in E[i][1].get("class", "")]
check(len(lat_rows) >= 4, f"lateness chart: {len(lat_rows)} rows")
for i in lat_rows:
    series = sorted(E[k][1].get("data-series") for k in find("rect") if inside(k, i))
    check(series == ["max", "p50", "p95"], f"lateness row {E[i][1]['data-jurisdiction']}: bars {series}")
check(any(E[i][1]["data-jurisdiction"] == "110108" and int(E[i][1]["data-over-bound"]) >= 6 for i in lat_rows),
      "lateness chart: 110108 has no events over the bound")
check(find("line", id="lateness-bound"), "lateness chart: no bound line")
fig = find("figure", id="chart-days")
check(fig and find("svg", id="svg-days"), "no per-day chart")
days = [i for i in find("g") if "day" in E[i][1].get("class", "").split()]
n = int(E[fig[0]][1]["data-days"]) if fig else -1
check(n in (30, 31) and len(days) == n, f"per-day chart: {len(days)} days drawn, data-days {n}")
late = sum(int(E[i][1]["data-late"]) for i in days)
check(late >= 6 and str(late) == E[fig[0]][1]["data-late"], f"per-day chart: {late} late events")
check(sum(1 for i in days for k in find("rect") if inside(k, i)) == 2 * len(days), "per-day chart: two bars a day")

# The samples were received long ago and are still open: their clocks ran
# out months back, so a jurisdiction that scores well shows red all the same.
check(red_by_overdue >= 1, "no jurisdiction is red for its overdue cases alone")

if errors:
    print("report DOM:\n  " + "\n  ".join(errors), file=sys.stderr)
    sys.exit(1)
print(f"report DOM: {len(rows)} rows, {len(lat_rows)} lateness rows, {len(days)} days")
EOF

# The screenshot: a PNG of the window's size with real content (a blank
# page of this size compresses to a few kilobytes).
"$py" - "$work/report.png" <<'EOF' || fail "the screenshot is not a picture of the report"
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert (width, height) == (1280, 2000), f"{width}x{height}"
assert len(data) > 60000, f"only {len(data)} bytes"
print(f"screenshot: {width}x{height}, {len(data)} bytes")
EOF

step "the status pages"
url=$(api_of "$national")
chrome --dump-dom "$url/" >"$work/status.dom.html" || fail "chromium could not load $url/"
page() { tr -d '\n' <"$1"; }
page "$work/status.dom.html" | grep -qE '<tr data-peer="110000" data-role="child" data-pending="[0-9]+" data-delivered="[1-9][0-9]*"' ||
  fail "the national status page does not list child 110000 with delivered batches"
page "$work/status.dom.html" | grep -q '<section id="gaps" data-count="0">' || fail "the national status page has no gaps section"
page "$work/status.dom.html" | grep -q '<a id="report-link" href="/report.html">' || fail "no link to /report.html"
page "$work/status.dom.html" | grep -q '<section id="recent-rejections"' || fail "no recent rejections section"
curl -sS "$(api_of "$c105")/" | tr -d '\n' |
  grep -qE '<tr data-peer="110100" data-role="parent" data-pending="[0-9]+" data-delivered="[1-9][0-9]*" data-error="false"' ||
  fail "the status page of 110105 does not show its parent 110100 with delivered batches"
code=$(curl -sS -o "$work/served.html" -w '%{http_code}' "$url/report.html")
[[ $code == 200 ]] || fail "GET /report.html without a token: $code"
grep -q 'data-jurisdiction="110000"' "$work/served.html" || fail "/report.html lacks subtree 110000"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/v1/conformance")
[[ $code == 401 ]] || fail "GET /v1/conformance without a token: $code, not 401"

step "a national report of 3,000 origins, served by a real xfnode"
src="${XF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
big="$work/national"
"$XFCTL" init --dir "$big" --node-id 100000 --tier national --api-port 0 --exchange-port 0 >/dev/null ||
  fail "xfctl init of the national node failed"
timeout 300 "$XFCTL" --lang en bench report --node "$big" --events 100000 --origins 3000 --days 400 --summaries --runs 0 \
  >"$work/bench.out" 2>&1 || { cat "$work/bench.out" >&2; fail "xfctl bench report --node failed"; }
"$XFNODE" --config "$big/xfnode.yaml" >"$work/national.log" 2>&1 &
big_pid=$!
url=""
for _ in $(seq 1 240); do
  [[ -s $big/data/api.url ]] && url=$(api_of "$big") && curl -sf "$url/healthz" >/dev/null && break
  url=""
  sleep 0.25
done
[[ -n $url ]] || fail "the national node did not answer /healthz within 60 s"

step "the national page and three levels down, in Chromium: layout, charts, links"
timeout 300 "$py" "$src/tools/report_browser.py" "$url" --check --shots "$work/shots" --chromium "$CHROMIUM" ||
  fail "the large report does not lay out cleanly or its drill-down links do not work (above)"
for shot in status report-national report-1-province report-2-city report-3-county; do
  [[ -s $work/shots/$shot.png ]] || fail "no screenshot $shot.png"
done

step "the children's signed accounts: a difference and a failed signature are marked"
curl -sS "$url/report.html" | tr -d '\n' >"$work/big.html"
# Origins with nothing in the period and no open case are not listed: a few of 3,000.
total=$(grep -oE '<section id="origins" data-count="50" data-total="[0-9]+"' "$work/big.html" | grep -oE '[0-9]+"$' | tr -d '"')
[[ -n $total ]] && (( total > 2900 && total <= 3000 )) ||
  fail "the national page does not list 50 of its origins, nearly 3000 in all (data-total: ${total:-none})"
grep -q "<p class=\"more\" data-more=\"$((total - 50))\">…还有 $((total - 50)) 个</p>" "$work/big.html" ||
  fail "the list of origins does not say how many more ($((total - 50)))"
# The bench says which province left its rejections out and which city's bytes were altered.
under=$(grep -oE 'under-reporting rejections: [0-9]{6}' "$work/bench.out" | grep -oE '[0-9]{6}$')
altered=$(grep -oE 'altered after signing: [0-9]{6}' "$work/bench.out" | grep -oE '[0-9]{6}$')
[[ -n $under && -n $altered ]] || { cat "$work/bench.out" >&2; fail "the bench did not say which summaries it spoiled"; }
grep -qE "<tr data-account-node=\"$under\" data-verified=\"true\" data-differs=\"[^\"]*rejections" "$work/big.html" ||
  fail "$under under-reports its rejections and its account is not marked as differing"
grep -qE "<tr data-account-node=\"$under\".{0,1200}<td data-field=\"rejections\" class=\"diff\">0<span class=\"diff-mark\">≠</span>" \
  "$work/big.html" || fail "$under's reported rejections (0) carry no ≠"
curl -sS "$url/report.html?node=${altered:0:2}0000" | tr -d '\n' >"$work/big-province.html"
grep -q "<tr data-account-node=\"$altered\" data-verified=\"false\"" "$work/big-province.html" ||
  fail "$altered's summary was altered after signing and its signature is not shown as failing"
code=$(curl -sS -o /dev/null -w '%{http_code}' "$url/report.html?node=11010X")
[[ $code == 400 ]] || fail "GET /report.html?node=11010X: $code, not 400"
curl -sS "$url/report.html?node=110000&q=%E6%9C%9D%E9%98%B3" | tr -d '\n' | grep -q 'data-jurisdiction="110105"' ||
  fail "searching 朝阳 under 110000 does not find 110105 朝阳区"

echo "conformance_html: ok"

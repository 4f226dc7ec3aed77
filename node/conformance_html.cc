#include "node/conformance_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "node/lang.h"
#include "schema/clocks.h"
#include "schema/detail/text.h"

namespace xf::node {

namespace {

// One decimal, without a trailing ".0": 100, 97.5.
std::string Fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  if (s == "-0") s = "0";
  return s;
}

}  // namespace

namespace html {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace

std::string Escape(std::string_view text) {
  // Invalid UTF-8 becomes U+FFFD byte by byte (as in the JSON mapping);
  // what is left to escape is ASCII.
  const std::string s = schema::detail::ValidUtf8(text);
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out.push_back(static_cast<char>(c));
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += kReplacement;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

std::string_view Style() {
  return R"css(
:root{--green:#2e7d32;--amber:#e69b00;--red:#c62828;--ink:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#f6f8fa;--accent:#b71c1c;
--p50:#90caf9;--p95:#1e88e5;--max:#0d3c78;--late:#f0a500;--rej:#c62828}
*{box-sizing:border-box}
html{background:#fff}
body{margin:0 auto;max-width:1400px;padding:18px 18px 28px;color:var(--ink);
font:13px/1.5 "Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","Source Han Sans CN","PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei","WenQuanYi Zen Hei",system-ui,sans-serif;
font-variant-numeric:tabular-nums}
a{color:#0b57d0}
header.page{border-bottom:3px solid var(--accent);padding-bottom:10px;margin-bottom:12px}
h1{font-size:22px;margin:0;letter-spacing:.02em}
h1 small{font-size:13px;font-weight:400;color:var(--muted);margin-left:10px;letter-spacing:0}
h2{font-size:16px;margin:22px 0 8px;padding-left:8px;border-left:4px solid var(--accent)}
h2 small{font-weight:400;color:var(--muted);font-size:12px;margin-left:8px}
dl.meta{display:flex;flex-wrap:wrap;gap:2px 28px;margin:8px 0 0}
dl.meta div{display:flex;gap:6px}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;font-weight:600}
.bar-legend{display:flex;flex-wrap:wrap;gap:4px 18px;align-items:center;margin:6px 0;color:var(--muted)}
.bar-legend span{display:inline-flex;align-items:center;gap:5px}
.scroll{overflow-x:auto}
table.grid{border-collapse:collapse;width:100%;margin:4px 0;font-size:12px}
table.grid th,table.grid td{border:1px solid var(--line);padding:3px 5px;text-align:right;white-space:nowrap;vertical-align:top}
table.grid th{background:var(--bg);font-weight:600;text-align:center;vertical-align:middle}
table.grid th small{display:block;font-weight:400;color:var(--muted)}
table.grid td.name,table.grid td.text{text-align:left}
table.grid td.wrap{white-space:normal;min-width:12em}
table.grid tbody tr:nth-child(even){background:#fafbfc}
table.grid td small{color:var(--muted);margin-left:3px}
td.bad,span.bad{color:var(--red);font-weight:600}
td.score{font-weight:700;font-size:13px}
.light{display:inline-block;width:12px;height:12px;border-radius:50%;vertical-align:-1px;margin-right:6px;border:1px solid rgba(0,0,0,.3)}
.light.green{background:var(--green)}.light.amber{background:var(--amber)}.light.red{background:var(--red)}
ul.ded{list-style:none;margin:0;padding:0;text-align:left;font-size:12px;display:flex;flex-wrap:wrap;gap:0 10px;
width:15em}
ul.ded li{white-space:nowrap}
.muted,small{color:var(--muted)}
p.empty{color:var(--muted);margin:4px 0}
figure{margin:10px 0 16px;border:1px solid var(--line);border-radius:6px;padding:10px 12px}
figcaption{font-weight:600;margin-bottom:6px}
figcaption small{font-weight:400;color:var(--muted);margin-left:6px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-size:12px;fill:var(--ink)}
svg.chart text.tick{fill:var(--muted);font-size:11px}
svg.chart .grid{stroke:#e3e7eb;stroke-width:1}
svg.chart .axis{stroke:#8c959f;stroke-width:1}
svg.chart line.bound{stroke:var(--red);stroke-width:1.5;stroke-dasharray:5 3}
svg.chart .bound-text{fill:var(--red)}
svg.chart .band{fill:#f6f8fa}
.sw{display:inline-block;width:12px;height:10px;border-radius:2px}
.s-p50{fill:var(--p50);background:var(--p50)}.s-p95{fill:var(--p95);background:var(--p95)}
.s-max{fill:var(--max);background:var(--max)}.s-late{fill:var(--late);background:var(--late)}
.s-rej{fill:var(--rej);background:var(--rej)}
section.cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}
section.cards div{border:1px solid var(--line);border-radius:6px;padding:6px 14px;min-width:120px}
section.cards b{display:block;font-size:20px}
svg.chart g.series polyline{fill:none;stroke-width:2}
svg.chart g.series[data-series="score"] polyline{stroke-width:3}
svg.chart text.month{font-size:11px}
svg.spark{display:block}
svg.spark polyline{fill:none;stroke:var(--p95);stroke-width:1.5}
svg.spark circle{fill:var(--p95)}
svg.spark line.mark{stroke:var(--green);stroke-width:1;stroke-dasharray:3 2}
nav.crumbs ol{list-style:none;display:flex;flex-wrap:wrap;gap:2px 0;margin:10px 0 0;padding:0;font-size:14px}
nav.crumbs li+li:before{content:"›";color:var(--muted);margin:0 8px}
nav.crumbs li[aria-current]{font-weight:700}
nav.pager{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:center;margin:4px 0 8px}
nav.pager .sort{display:inline-flex;gap:8px}
nav.pager code{background:var(--bg);padding:0 3px;border-radius:3px}
a.drill{font-weight:600}
p.more{color:var(--muted);margin:4px 0}
td.diff{background:#fdecea}
.diff-mark{color:var(--red);font-weight:700;margin-left:4px}
.sig{display:inline-block;width:1.1em;font-weight:700}
.sig.ok{color:var(--green)}.sig.bad{color:var(--red)}.sig.unknown{color:var(--muted)}
footer{margin-top:26px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{max-width:none;padding:0}figure,table{break-inside:avoid}}
)css";
}

std::string_view ContentSecurityPolicy() {
  return "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
         "form-action 'none'";
}

std::string Page(std::string_view title, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 6000);
  out += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  out += ContentSecurityPolicy();
  out += "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out +=
      "<meta name=\"color-scheme\" content=\"light\">\n<meta name=\"generator\" "
      "content=\"xfnode\">\n<title>";
  out += Escape(title);
  out += "</title>\n<style>";
  out += Style();
  out += "</style>\n</head>\n<body>\n";
  out += body;
  out += "\n</body>\n</html>\n";
  return out;
}

namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The label of a division; a statistical group (市辖区, 县, 省直辖…) is
// named with its parent, which it means nothing without.
std::string DivisionLabel(const codes::CodeBook& book, const codes::CodeEntry& e) {
  const bool group =
      e.label == "市辖区" || e.label == "县" || e.label.find("直辖") != std::string::npos;
  if (group && !e.parent.empty()) {
    if (const auto* p = book.Find(codes::table::kDivision, e.parent)) return p->label + e.label;
  }
  return e.label;
}

// A node id's entry: its division, else (a municipality's city level such as
// 110100, which the ministry's list does not hold) its statistical code.
const codes::CodeEntry* NodeEntry(const codes::CodeBook& book, std::string_view code) {
  const auto* e = book.Find(codes::table::kDivision, code);
  return e != nullptr ? e : book.Find(codes::table::kStatDivision, code);
}

}  // namespace

std::string JurisdictionName(const codes::CodeBook& book, std::string_view id) {
  std::string out(id);
  // The root of the tree (exchange/routing.cc): not a division.
  if (id == "100000") return out + " 国家信访局";
  if (const auto* e = NodeEntry(book, id)) return out + " " + DivisionLabel(book, *e);
  // A department "PPCCNN.ORG" of a county.
  if (id.size() > 7 && id[6] == '.' && AllDigits(id.substr(0, 6))) {
    if (const auto* e = NodeEntry(book, id.substr(0, 6))) {
      return out + " " + DivisionLabel(book, *e) + "所属部门";
    }
  }
  return out;
}

std::string DivisionPath(const codes::CodeBook& book, std::string_view id) {
  std::string code(id.size() > 7 && id[6] == '.' ? id.substr(0, 6) : id);
  std::vector<std::string> names;
  for (int depth = 0; depth < 6 && !code.empty(); ++depth) {
    const auto* e = depth == 0 ? NodeEntry(book, code) : book.Find(codes::table::kDivision, code);
    if (e == nullptr) break;
    names.push_back(e->label);
    code = e->parent;
  }
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    if (!out.empty()) out += " › ";
    out += *it;
  }
  return out;
}

std::string ChinaTime(Instant t) {
  const std::int64_t local = t.seconds + 8 * 3600;
  std::int64_t days = local / 86400, rest = local % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  char hm[8];
  std::snprintf(hm, sizeof hm, "%02d:%02d", static_cast<int>(rest / 3600),
                static_cast<int>(rest % 3600 / 60));
  return Date::FromDays(days).ToString() + " " + hm;
}

std::string Duration(std::int64_t seconds) {
  if (seconds < 60) return std::to_string(std::max<std::int64_t>(0, seconds)) + "秒";
  if (seconds < 3600) return std::to_string(seconds / 60) + "分钟";
  if (seconds < 2 * 86400) return Fixed1(static_cast<double>(seconds) / 3600) + "小时";
  return Fixed1(static_cast<double>(seconds) / 86400) + "天";
}

}  // namespace html

namespace conformance {

namespace {

using html::Escape;

const char* LightName(const char* light) {
  const std::string_view l = light;
  return l == "green" ? "绿" : l == "amber" ? "黄" : "红";
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string Attr(std::string_view name, std::string_view value) {
  std::string out = " ";
  out += name;
  out += "=\"";
  out += Escape(value);
  out += '"';
  return out;
}

std::string RuleName(std::string_view rule) {
  if (rule == "R1") return "附件超限";
  if (rule == "R2") return "未用标准代码";
  if (rule == "R3") return "数据不规范";
  if (rule == "R4") return "重件无初件";
  if (rule == "R5") return "交换不及时";
  if (rule == "R6") return "无主记录";
  if (rule == "R7") return "时序矛盾";
  return "";
}

std::string DeductionName(std::string_view key) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"rejections", "退回"},
      {"repeat_without_initial", "重件无初件"},
      {"lateness", "交换迟延"},
      {"gaps", "序号缺口"},
      {"silent", "静默"},
      {"outdated_codes", "旧版代码"},
      {"legal_not_directed", "涉法涉诉未导入"},
      {"timely_acceptance", "及时受理"},
      {"on_time_completion", "按期办结"},
  };
  for (const auto& [k, v] : kNames) {
    if (k == key) return std::string(v);
  }
  return std::string(key);
}

std::string Td(std::string_view col, std::string_view html_text, bool bad = false) {
  std::string out = "<td data-col=\"";
  out += col;
  out += bad ? "\" class=\"bad\">" : "\">";
  out += html_text;
  return out + "</td>";
}

std::string Count(std::int64_t n) { return std::to_string(n); }

std::string RateCell(std::string_view col, const Rate& r) {
  const auto v = r.Value();
  std::string out = "<td data-col=\"";
  out += col;
  out += "\" data-numerator=\"" + Count(r.numerator) + "\" data-denominator=\"" +
         Count(r.denominator) + "\"";
  if (!v) return out + "><span class=\"muted\">—</span></td>";
  out += " data-value=\"" + Escape(Num(*v * 100)) + "\"";
  out += *v < 0.9 ? " class=\"bad\">" : ">";
  return out + Num(*v * 100) + "%<small>" + Count(r.numerator) + "/" + Count(r.denominator) +
         "</small></td>";
}

const ChildSeen* ChildOf(const Report& r, const std::string& id) {
  for (const auto& c : r.children) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

// "%XX" for every byte of a query value but unreserved ASCII (RFC 3986).
std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// A link of the page to another view of the report ("?node=110000&…"): the
// period when one was asked for, the order when not the default, the page
// and the query when given. Relative, so it works under /report.html.
std::string LinkTo(const Report& r, std::string_view node, SortBy sort, std::size_t page = 1,
                   std::string_view query = {}) {
  std::string out = "?node=" + UrlEncode(node);
  if (r.since_asked) out += "&since=" + r.since.ToDate().ToString();
  if (r.until_asked) out += "&until=" + r.until.ToDate().ToString();
  if (sort != SortBy::kScore) out += std::string("&sort=") + SortName(sort);
  if (!query.empty()) out += "&q=" + UrlEncode(query);
  if (page > 1) out += "&page=" + std::to_string(page);
  return out;
}

SortBy SortOf(const Report& r) { return r.tree ? r.tree->sort : SortBy::kScore; }

// "…还有 N 个" under a cut list; nothing when nothing was cut.
std::string More(std::int64_t hidden, std::string_view unit) {
  if (hidden <= 0) return "";
  return "<p class=\"more\" data-more=\"" + Count(hidden) + "\">…还有 " + Count(hidden) + " " +
         std::string(unit) + "</p>";
}

// How many more rows a list of the report has than it shows.
std::int64_t Hidden(const Report& r, const std::string& list, std::size_t shown) {
  const auto it = r.list_totals.find(list);
  return it == r.list_totals.end()
             ? 0
             : std::max<std::int64_t>(0, it->second - static_cast<std::int64_t>(shown));
}

// A score per month as a small line (no text: nothing to clip); months
// without anything to score break the line. The dashed line is the green mark.
std::string Sparkline(const std::vector<MonthPoint>& trend,
                      const std::vector<std::string>& months) {
  constexpr double kW = 120, kH = 26, kPad = 2;
  const std::size_t n = trend.size();
  auto x_of = [&](std::size_t i) {
    return n <= 1 ? kW / 2
                  : kPad + (kW - 2 * kPad) * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  auto y_of = [&](double score) {
    return kPad + (kH - 2 * kPad) * (1 - std::clamp(score, 0.0, 100.0) / 100);
  };
  std::string points, tip, data;
  std::string out = "<svg class=\"spark\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
                    Num(kW) + " " + Num(kH) + "\" width=\"" + Num(kW) + "\" height=\"" + Num(kH) +
                    "\" role=\"img\"";
  std::string body = "<line class=\"mark\" x1=\"0\" x2=\"" + Num(kW) + "\" y1=\"" +
                     Num(y_of(kGreenAt)) + "\" y2=\"" + Num(y_of(kGreenAt)) + "\"/>";
  auto flush = [&] {
    if (!points.empty()) body += "<polyline points=\"" + points + "\"/>";
    points.clear();
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::string month = i < months.size() ? months[i] : std::string();
    data +=
        (data.empty() ? "" : " ") + (trend[i].score ? Fixed1(*trend[i].score) : std::string("-"));
    if (!trend[i].score) {
      flush();
      continue;
    }
    tip += (tip.empty() ? "" : "，") + month + " " + Fixed1(*trend[i].score);
    points += (points.empty() ? "" : " ") + Num(x_of(i)) + "," + Num(y_of(*trend[i].score));
    body +=
        "<circle cx=\"" + Num(x_of(i)) + "\" cy=\"" + Num(y_of(*trend[i].score)) + "\" r=\"1.6\"/>";
  }
  flush();
  out += Attr("data-scores", data) + "><title>各月评分：" +
         Escape(tip.empty() ? std::string("无数据") : tip) + "</title>" + body + "</svg>";
  return out;
}

std::string VerifiedText(const Account& a) {
  return !a.verified ? "无公钥" : *a.verified ? "签名已验证" : "签名验证失败";
}
const char* VerifiedAttr(const Account& a) {
  return !a.verified ? "unknown" : *a.verified ? "true" : "false";
}
bool Differs(const Account& a, std::string_view field) {
  return std::find(a.differs.begin(), a.differs.end(), field) != a.differs.end();
}

// One row of a jurisdiction table.
struct JurRow {
  const Tally* tally;
  std::string kind;                                // subtree, origin, self, other
  const std::vector<MonthPoint>* trend = nullptr;  // with the tree
  const Account* account = nullptr;
  bool link = false;  // drill down to it
};

void JurisdictionTable(std::string& o, const Report& r, const codes::CodeBook& book,
                       std::string_view table_id, const std::vector<JurRow>& rows, bool with_trend,
                       bool with_account) {
  o += "<div class=\"scroll\"><table class=\"grid jur\" id=\"";
  o += table_id;
  o += "\"><thead><tr><th rowspan=\"2\">辖区</th><th rowspan=\"2\">评分</th><th "
       "rowspan=\"2\">扣分</th>"
       "<th colspan=\"3\">本期接收</th><th rowspan=\"2\">退回<small>R1–R3、R6、R7</small></th>"
       "<th rowspan=\"2\">重件无初件<small>R4</small></th><th "
       "colspan=\"4\">交换时延<small>R5</small></th>"
       "<th rowspan=\"2\">序号<br>缺口</th><th rowspan=\"2\">静默</th><th "
       "rowspan=\"2\">旧版代码<br>批次</th>"
       "<th rowspan=\"2\">涉法涉诉<br>未导入</th><th "
       "rowspan=\"2\">超期件<small>在办件中</small></th>"
       "<th rowspan=\"2\">及时受理率</th><th "
       "rowspan=\"2\">按期办结率</th><th rowspan=\"2\">及时转送<br>交办率</th>"
       "<th colspan=\"4\">群众满意率<small>参评率 = 已评价 ÷ 办结可评价</small></th>";
  if (with_trend)
    o += "<th rowspan=\"2\">评分趋势<small>近 " +
         Count(static_cast<std::int64_t>(r.tree->months.size())) + " 个月</small></th>";
  if (with_account) o += "<th rowspan=\"2\">自报评分<small>签名汇总</small></th>";
  o += "</tr><tr><th>事件</th><th>登记</th><th>批次</th><th>中位数</th>"
       "<th>95%</th><th>最大</th><th>超时</th><th>信访部门</th><th>参评率</th><th>责任单位</th>"
       "<th>参评率</th></tr></thead><tbody>";
  for (const JurRow& row : rows) {
    const Tally* t = row.tally;
    const std::string score = Fixed1(t->score);
    const char* light = Light(*t);
    o += "<tr" + Attr("data-jurisdiction", t->id) + Attr("data-score", score) +
         Attr("data-light", light) + Attr("data-kind", row.kind) + ">";
    std::string name = "<td class=\"name\" data-col=\"name\"";
    if (const std::string path = html::DivisionPath(book, t->id); !path.empty())
      name += Attr("title", path);
    name += ">";
    const std::string label = Escape(html::JurisdictionName(book, t->id));
    name += row.link ? "<a class=\"drill\"" + Attr("href", LinkTo(r, t->id, SortOf(r))) +
                           Attr("data-node", t->id) + ">" + label + "</a>"
                     : label;
    const char* suffix = row.kind == "subtree" && !r.tree ? "子树"
                         : row.kind == "self"             ? "本级"
                         : row.kind == "other"            ? "辖区外"
                                                          : "";
    if (*suffix) name += std::string(" <small>") + suffix + "</small>";
    o += name + "</td>";
    std::string why;
    if (t->overdue_max_days > kOverdueRedDays)
      why = "有信访件超期 " + Count(t->overdue_max_days) + " 日";
    o += "<td class=\"score\" data-col=\"score\"><span class=\"light " + std::string(light) + "\"" +
         Attr("title", std::string(LightName(light)) + (why.empty() ? "" : "：" + why)) +
         "></span>" + Escape(score) + "</td>";
    std::string ded;
    for (const auto& [key, points] : t->deductions) {
      ded += "<li" + Attr("data-deduction", key) + Attr("data-points", Fixed1(points)) + ">" +
             Escape(DeductionName(key)) + " −" + Escape(Fixed1(points)) + "</li>";
    }
    o += ded.empty() ? Td("deductions", "<span class=\"muted\">—</span>")
                     : Td("deductions", "<ul class=\"ded\">" + ded + "</ul>");
    o += Td("events", Count(t->events_received));
    o += Td("registrations", Count(t->registrations));
    o += Td("batches", Count(t->batches_received));
    std::string rej = Count(t->rejections_total);
    std::string by_rule;
    for (const auto& [rule, n] : t->rejections) {
      if (n > 0) by_rule += (by_rule.empty() ? "" : " ") + Escape(rule) + "·" + Count(n);
    }
    if (!by_rule.empty()) rej += "<small>" + by_rule + "</small>";
    o += Td("rejections", rej, t->rejections_total > 0);
    o += Td("r4", Count(t->repeat_without_initial), t->repeat_without_initial > 0);
    const Lateness& l = t->lateness;
    if (l.events == 0) {
      for (const char* col : {"p50", "p95", "max"}) o += Td(col, "<span class=\"muted\">—</span>");
    } else {
      const std::int64_t bound = std::int64_t{r.timeliness_hours} * 3600;
      o += Td("p50", html::Duration(l.p50), l.p50 > bound);
      o += Td("p95", html::Duration(l.p95), l.p95 > bound);
      o += Td("max", html::Duration(l.max), l.max > bound);
    }
    o += Td("over", Count(l.over_bound) + "<small>/" + Count(l.events) + "</small>",
            l.over_bound > 0);
    std::string gaps = Count(t->open_gaps);
    if (t->open_gaps > 0)
      gaps += "<small>最久 " + html::Duration(t->oldest_gap_seconds) + "</small>";
    o += Td("gaps", gaps, t->open_gaps > 0);
    const ChildSeen* c = ChildOf(r, t->id);
    if (c == nullptr || (row.kind != "subtree")) {
      o += Td("silent", "<span class=\"muted\">—</span>");
    } else {
      std::string text;
      if (!c->last_batch) {
        text = "从未收到";
      } else {
        const std::int64_t quiet = c->silent_seconds.value_or(0);
        text = (c->silent ? "是 · " : "否 · ") +
               (quiet < 60 ? std::string("刚刚") : html::Duration(quiet) + "前");
      }
      o += "<td data-col=\"silent\" data-silent=\"" + std::string(c->silent ? "true" : "false") +
           "\"" + (c->silent ? " class=\"bad\"" : "");
      if (c->last_batch) o += Attr("title", "最近批次 " + html::ChinaTime(*c->last_batch));
      o += ">" + Escape(text) + "</td>";
    }
    o += Td("outdated",
            Count(t->outdated_code_batches) + "<small>/" + Count(t->batches_received) + "</small>",
            t->outdated_code_batches > 0);
    o += Td("legal",
            Count(t->legal_not_directed) + "<small>/" + Count(t->legal_cases_handled) + "</small>",
            t->legal_not_directed > 0);
    {
      std::string overdue =
          Count(t->overdue_cases) + "<small>/" + Count(t->open_cases) + "</small>";
      if (t->overdue_cases > 0)
        overdue += "<small>最久 " + Count(t->overdue_max_days) + " 日</small>";
      o += "<td data-col=\"overdue\"" + Attr("data-overdue", Count(t->overdue_cases)) +
           Attr("data-open", Count(t->open_cases)) +
           Attr("data-max-days", Count(t->overdue_max_days)) +
           (t->overdue_cases > 0 ? " class=\"bad\">" : ">") + overdue + "</td>";
    }
    o += RateCell("acceptance", t->timely_acceptance);
    o += RateCell("completion", t->on_time_completion);
    o += RateCell("routing", t->timely_routing);
    o += RateCell("satisfaction-bureau", t->satisfaction_bureau);
    o += RateCell("participation-bureau", t->participation_bureau);
    o += RateCell("satisfaction-handler", t->satisfaction_handler);
    o += RateCell("participation-handler", t->participation_handler);
    if (with_trend) {
      o += "<td data-col=\"trend\">" +
           (row.trend ? Sparkline(*row.trend, r.tree->months) : std::string()) + "</td>";
    }
    if (with_account) {
      if (row.account == nullptr) {
        o += Td("reported", "<span class=\"muted\">—</span>");
      } else {
        const Account& a = *row.account;
        std::string differs;
        for (const auto& d : a.differs) differs += (differs.empty() ? "" : " ") + d;
        o += "<td data-col=\"reported\"" + Attr("data-verified", VerifiedAttr(a)) +
             Attr("data-differs", differs) +
             (a.readable ? Attr("data-reported-score", Fixed1(a.tally.score)) : std::string()) +
             Attr("title", VerifiedText(a) + " · " + html::ChinaTime(a.generated) +
                               (differs.empty() ? std::string() : " · 与本级计算不一致")) +
             (!a.differs.empty() || (a.verified && !*a.verified) ? " class=\"bad\">" : ">");
        o += std::string(!a.verified   ? "<span class=\"sig unknown\">?</span>"
                         : *a.verified ? "<span class=\"sig ok\">✓</span>"
                                       : "<span class=\"sig bad\">✗</span>");
        o += a.readable ? Escape(Fixed1(a.tally.score)) : std::string("无法读取");
        if (!a.differs.empty()) o += "<span class=\"diff-mark\">≠</span>";
        o += "</td>";
      }
    }
    o += "</tr>";
  }
  o += "</tbody></table></div>";
}

// ---- charts -------------------------------------------------------------------

// The width in pixels a text takes in a chart (12 px type): a CJK character
// 12, anything else about 7 (digits and Latin in Noto Sans are narrower).
double TextWidth(std::string_view text) {
  const std::size_t cols = DisplayWidth(text);
  std::size_t wide = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80           ? 1
                            : (c >> 5) == 0x6  ? 2
                            : (c >> 4) == 0xE  ? 3
                            : (c >> 3) == 0x1E ? 4
                                               : 1;
    if (DisplayWidth(text.substr(i, len)) == 2) ++wide;
    i += len;
  }
  return 12.0 * static_cast<double>(wide) + 7.0 * static_cast<double>(cols - 2 * wide);
}

// The text, cut at a character with "…" so that it fits `pixels` (the full
// text stays in the chart's tooltips and tables).
std::string FitText(const std::string& text, double pixels) {
  if (TextWidth(text) <= pixels) return text;
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t len = c < 0x80           ? 1
                            : (c >> 5) == 0x6  ? 2
                            : (c >> 4) == 0xE  ? 3
                            : (c >> 3) == 0x1E ? 4
                                               : 1;
    const std::string next = out + text.substr(i, len);
    if (TextWidth(next + "…") > pixels) break;
    out = next;
    i += len;
  }
  return out + "…";
}

constexpr double kChartWidth = 1160;

// The seconds a log-scale axis is marked at, and their names.
constexpr std::pair<std::int64_t, std::string_view> kTimeTicks[] = {
    {1, "1秒"},         {10, "10秒"},         {60, "1分钟"},        {600, "10分钟"},
    {3600, "1小时"},    {6 * 3600, "6小时"},  {86400, "1天"},       {3 * 86400, "3天"},
    {7 * 86400, "7天"}, {30 * 86400, "30天"}, {90 * 86400, "90天"}, {365 * 86400, "365天"},
};

struct LatRow {
  const Tally* tally;
  bool subtree;
};

constexpr std::size_t kChartOrigins = 20;  // origins in the lateness chart, latest first

void LatenessChart(std::string& o, const Report& r, const codes::CodeBook& book) {
  std::vector<LatRow> rows;
  if (r.tree) {
    for (const auto& row : r.tree->rows) {
      if (row.kind == "subtree") rows.push_back({&row.tally, true});
    }
  } else {
    for (const auto& t : r.subtrees) rows.push_back({&t, true});
  }
  std::vector<const Tally*> origins;
  for (const auto& t : r.origins) {
    if (t.lateness.events > 0) origins.push_back(&t);
  }
  std::stable_sort(origins.begin(), origins.end(), [](const Tally* a, const Tally* b) {
    return a->lateness.p95 != b->lateness.p95 ? a->lateness.p95 > b->lateness.p95
                                              : a->lateness.max > b->lateness.max;
  });
  const std::size_t shown = std::min(origins.size(), kChartOrigins);
  for (std::size_t i = 0; i < shown; ++i) rows.push_back({origins[i], false});

  const std::int64_t bound = std::int64_t{r.timeliness_hours} * 3600;
  constexpr std::int64_t kLow = 1;  // the left end of the axis: one second
  std::int64_t high = std::max<std::int64_t>(3600, bound * 2);
  for (const auto& row : rows) high = std::max(high, row.tally->lateness.max);
  for (const auto& [s, name] : kTimeTicks) {
    if (s >= high) {
      high = s;
      break;
    }
  }
  const double label_w = 250, text_w = 400, x0 = label_w,
               plot_w = kChartWidth - label_w - text_w - 10;
  const double top = 40, row_h = 34;
  const double height =
      top + row_h * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + 8;
  const auto x_of = [&](std::int64_t v) {
    const double f = std::log(static_cast<double>(std::max(v, kLow)) / kLow) /
                     std::log(static_cast<double>(high) / kLow);
    return x0 + plot_w * std::clamp(f, 0.0, 1.0);
  };

  o += "<figure id=\"chart-lateness\"" +
       Attr("data-rows", Count(static_cast<std::int64_t>(rows.size()))) +
       "><figcaption>交换时延（R5）：中位数、95% "
       "分位、最大值<small>对数刻度；下级子树在前，发起节点按 95% 分位从迟到早，至多 " +
       Count(kChartOrigins) + " 个</small></figcaption>";
  o += "<svg id=\"svg-lateness\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 "
       "0 " +
       Num(kChartWidth) + " " + Num(height) + "\" role=\"img\" aria-label=\"交换时延\">";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % 2 == 1) {
      o += "<rect class=\"band\" x=\"0\" y=\"" + Num(top + row_h * static_cast<double>(i)) +
           "\" width=\"" + Num(kChartWidth) + "\" height=\"" + Num(row_h) + "\"/>";
    }
  }
  for (const auto& [s, name] : kTimeTicks) {
    if (s < kLow || s > high) continue;
    const double x = x_of(s);
    o += "<line class=\"grid\" x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(top - 4) +
         "\" y2=\"" + Num(height - 6) + "\"/>";
    o += "<text class=\"tick\" x=\"" + Num(x) + "\" y=\"" + Num(top - 8) +
         "\" text-anchor=\"middle\">" + std::string(name) + "</text>";
  }
  {
    const double x = x_of(bound);
    o += "<line class=\"bound\" id=\"lateness-bound\" data-seconds=\"" + Count(bound) + "\" x1=\"" +
         Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" + Num(top - 4) + "\" y2=\"" + Num(height - 6) +
         "\"/>";
    o += "<text class=\"bound-text\" x=\"" + Num(x + 4) + "\" y=\"" + Num(top - 24) + "\">时限 " +
         Escape(html::Duration(bound)) + "</text>";
  }
  if (rows.empty()) {
    o += "<text x=\"" + Num(kChartWidth / 2) + "\" y=\"" + Num(top + 20) +
         "\" text-anchor=\"middle\" class=\"tick\">期间内无事件</text>";
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Tally& t = *rows[i].tally;
    const Lateness& l = t.lateness;
    const double y = top + row_h * static_cast<double>(i);
    const std::string name =
        html::JurisdictionName(book, t.id) + (rows[i].subtree ? "（子树）" : "");
    o += "<g class=\"lat-row\"" + Attr("data-jurisdiction", t.id) +
         Attr("data-kind", rows[i].subtree ? "subtree" : "origin") + " data-events=\"" +
         Count(l.events) + "\" data-p50=\"" + Count(l.p50) + "\" data-p95=\"" + Count(l.p95) +
         "\" data-max=\"" + Count(l.max) + "\" data-over-bound=\"" + Count(l.over_bound) + "\">";
    o += "<text x=\"" + Num(label_w - 10) + "\" y=\"" + Num(y + row_h / 2 + 4) +
         "\" text-anchor=\"end\">" + Escape(FitText(name, label_w - 16)) + "</text>";
    const double text_x = kChartWidth - text_w + 6;
    if (l.events == 0) {
      o += "<text class=\"tick\" x=\"" + Num(text_x) + "\" y=\"" + Num(y + row_h / 2 + 4) +
           "\">期间内无事件</text></g>";
      continue;
    }
    const std::pair<const char*, std::int64_t> series[] = {
        {"p50", l.p50}, {"p95", l.p95}, {"max", l.max}};
    for (std::size_t k = 0; k < 3; ++k) {
      const auto& [key, v] = series[k];
      const double w = std::max(2.0, x_of(v) - x0);
      o += "<rect class=\"bar s-" + std::string(key) + "\" data-series=\"" + key +
           "\" data-seconds=\"" + Count(v) + "\" x=\"" + Num(x0) + "\" y=\"" +
           Num(y + 5 + 8 * static_cast<double>(k)) + "\" width=\"" + Num(w) +
           "\" height=\"7\"><title>" + Escape(name) + " " + key + " " + Escape(html::Duration(v)) +
           "</title></rect>";
    }
    const std::string figures = "中位 " + html::Duration(l.p50) + " · 95% " +
                                html::Duration(l.p95) + " · 最大 " + html::Duration(l.max);
    const std::string over =
        l.over_bound > 0 ? " · 超时 " + Count(l.over_bound) + "/" + Count(l.events) : "";
    o += "<text x=\"" + Num(text_x) + "\" y=\"" + Num(y + row_h / 2 + 4) + "\">" +
         Escape(FitText(figures, text_w - 12));
    if (!over.empty() && TextWidth(figures + over) <= text_w - 12) {
      o += "<tspan class=\"bound-text\">" + Escape(over) + "</tspan>";
    }
    o += "</text></g>";
  }
  o += "<line class=\"axis\" x1=\"" + Num(x0) + "\" x2=\"" + Num(x0) + "\" y1=\"" + Num(top - 4) +
       "\" y2=\"" + Num(height - 6) + "\"/></svg>";
  o += "<div class=\"bar-legend\"><span><i class=\"sw s-p50\"></i>中位数</span><span><i class=\"sw "
       "s-p95\"></i>95% 分位</span>"
       "<span><i class=\"sw s-max\"></i>最大</span><span><i class=\"sw\" "
       "style=\"background:var(--red)\"></i>时限（" +
       Escape(html::Duration(bound)) + "）</span></div></figure>";
}

// A rate in percent, or nothing when nothing was due.
std::optional<double> Pct(const Rate& r) {
  const auto v = r.Value();
  if (!v) return std::nullopt;
  return *v * 100;
}

// The rates and the score per month over the trend's months: one line each
// on a 0–100 scale (the score is out of 100, a rate a percentage); a month
// with nothing to count breaks its line.
void TrendChart(std::string& o, const Report& r, const codes::CodeBook& book) {
  const Tree& tree = *r.tree;
  const std::size_t n = tree.months.size();
  struct Series {
    const char* key;
    const char* label;
    const char* color;
    std::function<std::optional<double>(const MonthPoint&)> value;
  };
  const Series series[] = {
      {"score", "评分", "#b71c1c", [](const MonthPoint& p) { return p.score; }},
      {"acceptance", "及时受理率", "#1e88e5",
       [](const MonthPoint& p) { return Pct(p.timely_acceptance); }},
      {"completion", "按期办结率", "#2e7d32",
       [](const MonthPoint& p) { return Pct(p.on_time_completion); }},
      {"routing", "及时转送交办率", "#8e24aa",
       [](const MonthPoint& p) { return Pct(p.timely_routing); }},
      {"satisfaction-bureau", "群众满意率·信访部门", "#f0a500",
       [](const MonthPoint& p) { return Pct(p.satisfaction_bureau); }},
      {"satisfaction-handler", "群众满意率·责任单位", "#00897b",
       [](const MonthPoint& p) { return Pct(p.satisfaction_handler); }},
  };
  const double left = 50, right = 20, top = 16, plot_h = 220, height = top + plot_h + 34;
  const double plot_w = kChartWidth - left - right;
  const double slot = plot_w / static_cast<double>(std::max<std::size_t>(n, 1));
  auto x_of = [&](std::size_t i) { return left + slot * (static_cast<double>(i) + 0.5); };
  auto y_of = [&](double v) { return top + plot_h * (1 - std::clamp(v, 0.0, 100.0) / 100); };
  o += "<figure id=\"chart-trends\"" + Attr("data-node", tree.node) +
       Attr("data-months", Count(static_cast<std::int64_t>(n))) + "><figcaption>" +
       Escape(html::JurisdictionName(book, tree.node)) + " 各月评分与各项比率<small>近 " +
       Count(static_cast<std::int64_t>(n)) +
       " 个月，按北京时间的自然月；当月至生成时为止；各月评分不含当下的序号缺口与静默</small></"
       "figcaption>";
  o +=
      "<svg id=\"svg-trends\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
      Num(kChartWidth) + " " + Num(height) + "\" role=\"img\" aria-label=\"各月评分与比率\">";
  for (int v = 0; v <= 100; v += 20) {
    const double y = y_of(v);
    o += "<line class=\"" + std::string(v == 0 ? "axis" : "grid") + "\" x1=\"" + Num(left) +
         "\" x2=\"" + Num(kChartWidth - right) + "\" y1=\"" + Num(y) + "\" y2=\"" + Num(y) + "\"/>";
    o += "<text class=\"tick\" x=\"" + Num(left - 6) + "\" y=\"" + Num(y + 4) +
         "\" text-anchor=\"end\">" + Count(v) + "</text>";
  }
  for (std::size_t i = 0; i < n; ++i) {
    o += "<text class=\"tick month\" x=\"" + Num(x_of(i)) + "\" y=\"" + Num(top + plot_h + 18) +
         "\" text-anchor=\"middle\">" + Escape(tree.months[i]) + "</text>";
  }
  for (const Series& s : series) {
    o += "<g class=\"series\" data-series=\"" + std::string(s.key) +
         "\" style=\"stroke:" + s.color + ";fill:" + s.color + "\">";
    std::string points;
    auto flush = [&] {
      if (points.find(' ') != std::string::npos) o += "<polyline points=\"" + points + "\"/>";
      points.clear();
    };
    for (std::size_t i = 0; i < n && i < tree.trend.size(); ++i) {
      const auto v = s.value(tree.trend[i]);
      if (!v) {
        flush();
        continue;
      }
      points += (points.empty() ? "" : " ") + Num(x_of(i)) + "," + Num(y_of(*v));
      o += "<circle" + Attr("data-month", tree.months[i]) + Attr("data-value", Num(*v)) + " cx=\"" +
           Num(x_of(i)) + "\" cy=\"" + Num(y_of(*v)) + "\" r=\"3\"><title>" +
           Escape(tree.months[i]) + " " + s.label + " " + Num(*v) +
           (std::string_view(s.key) == "score" ? "" : "%") + "</title></circle>";
    }
    flush();
    o += "</g>";
  }
  bool any = false;
  for (const auto& p : tree.trend) any = any || p.score.has_value();
  if (!any) {
    o += "<text class=\"tick\" x=\"" + Num(left + plot_w / 2) + "\" y=\"" + Num(top + plot_h / 2) +
         "\" text-anchor=\"middle\">这些月份无数据</text>";
  }
  o += "</svg><div class=\"bar-legend\">";
  for (const Series& s : series) {
    o += "<span><i class=\"sw\" style=\"background:" + std::string(s.color) + "\"></i>" + s.label +
         "</span>";
  }
  o += "</div></figure>";
}

// 1, 2 or 5 × 10^n, at least v.
std::int64_t NiceCeil(std::int64_t v) {
  std::int64_t p = 1;
  while (true) {
    for (std::int64_t m : {1, 2, 5}) {
      if (m * p >= v) return m * p;
    }
    p *= 10;
  }
}

constexpr std::int64_t kMaxChartDays = 400;

void DaysChart(std::string& o, const Report& r) {
  Date first = r.since.ToDate();
  const Date last = Instant{std::max(r.since.seconds, r.until.seconds - 1)}.ToDate();
  bool cut = false;
  if (last.DaysSinceEpoch() - first.DaysSinceEpoch() + 1 > kMaxChartDays) {
    first = last.AddDays(-(kMaxChartDays - 1));
    cut = true;
  }
  const std::int64_t n = last.DaysSinceEpoch() - first.DaysSinceEpoch() + 1;
  std::map<std::int64_t, const DayCount*> by_day;
  std::int64_t peak = 0, late_total = 0, rej_total = 0;
  for (const auto& d : r.days) {
    by_day[d.day.DaysSinceEpoch()] = &d;
    if (d.day >= first && d.day <= last) {
      peak = std::max({peak, d.late, d.rejections});
      late_total += d.late;
      rej_total += d.rejections;
    }
  }
  const std::int64_t y_max = NiceCeil(std::max<std::int64_t>(peak, 1));
  const std::int64_t y_step = y_max <= 4 ? 1 : NiceCeil(y_max / 4);
  const double left = 50, right = 10, top = 14, plot_h = 180, height = top + plot_h + 32;
  const double plot_w = kChartWidth - left - right;
  const double slot = plot_w / static_cast<double>(n);
  const double bar_w = std::max(1.0, slot * 0.36);
  const auto y_of = [&](std::int64_t v) {
    return top + plot_h - plot_h * static_cast<double>(v) / static_cast<double>(y_max);
  };

  o += "<figure id=\"chart-days\" data-days=\"" + Count(n) + "\" data-late=\"" + Count(late_total) +
       "\" data-rejections=\"" + Count(rej_total) +
       "\"><figcaption>每日违规：退回记录与超时事件<small>按入库日（北京时间）" +
       std::string(cut ? "；仅最近 400 天" : "") + "</small></figcaption>";
  o += "<svg id=\"svg-days\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " +
       Num(kChartWidth) + " " + Num(height) + "\" role=\"img\" aria-label=\"每日违规\">";
  for (std::int64_t v = 0; v <= y_max; v += y_step) {
    const double y = y_of(v);
    o += "<line class=\"" + std::string(v == 0 ? "axis" : "grid") + "\" x1=\"" + Num(left) +
         "\" x2=\"" + Num(kChartWidth - right) + "\" y1=\"" + Num(y) + "\" y2=\"" + Num(y) + "\"/>";
    o += "<text class=\"tick\" x=\"" + Num(left - 6) + "\" y=\"" + Num(y + 4) +
         "\" text-anchor=\"end\">" + Count(v) + "</text>";
  }
  const std::int64_t label_every = std::max<std::int64_t>(1, (n + 14) / 15);
  for (std::int64_t i = 0; i < n; ++i) {
    const Date day = first.AddDays(i);
    const auto it = by_day.find(day.DaysSinceEpoch());
    const DayCount zero{day, 0, 0, 0};
    const DayCount& d = it == by_day.end() ? zero : *it->second;
    const double x = left + slot * static_cast<double>(i) + (slot - 2 * bar_w) / 2;
    const std::string iso = day.ToString();
    o += "<g class=\"day\" data-day=\"" + iso + "\" data-events=\"" + Count(d.events) +
         "\" data-late=\"" + Count(d.late) + "\" data-rejections=\"" + Count(d.rejections) +
         "\"><title>" + iso + " 入库事件 " + Count(d.events) + " · 超时 " + Count(d.late) +
         " · 退回 " + Count(d.rejections) + "</title>";
    o += "<rect class=\"bar s-rej\" data-series=\"rejections\" x=\"" + Num(x) + "\" y=\"" +
         Num(y_of(d.rejections)) + "\" width=\"" + Num(bar_w) + "\" height=\"" +
         Num(top + plot_h - y_of(d.rejections)) + "\"/>";
    o += "<rect class=\"bar s-late\" data-series=\"late\" x=\"" + Num(x + bar_w) + "\" y=\"" +
         Num(y_of(d.late)) + "\" width=\"" + Num(bar_w) + "\" height=\"" +
         Num(top + plot_h - y_of(d.late)) + "\"/>";
    if ((n - 1 - i) % label_every == 0) {
      // "MM-DD" is about 32 px wide: kept inside the drawing at both ends.
      const double label_x =
          std::clamp(left + slot * (static_cast<double>(i) + 0.5), 20.0, kChartWidth - 20);
      o += "<text class=\"tick\" x=\"" + Num(label_x) + "\" y=\"" + Num(top + plot_h + 16) +
           "\" text-anchor=\"middle\">" + iso.substr(5) + "</text>";
    }
    o += "</g>";
  }
  if (peak == 0) {
    o += "<text class=\"tick\" x=\"" + Num(left + plot_w / 2) + "\" y=\"" + Num(top + plot_h / 2) +
         "\" text-anchor=\"middle\">期间内无退回与超时事件</text>";
  }
  o +=
      "</svg><div class=\"bar-legend\"><span><i class=\"sw s-rej\"></i>退回记录（R1–R3、R6）</span>"
      "<span><i class=\"sw s-late\"></i>超时事件（R5）</span><span>期间合计：退回 " +
      Count(rej_total) + "，超时 " + Count(late_total) + "</span></div></figure>";
}

// The children's own signed accounts (their upward summaries) beside this
// node's computation of the same jurisdiction; ≠ where they differ.
void AccountsSection(std::string& o, const Report& r, const codes::CodeBook& book) {
  const Tree& tree = *r.tree;
  std::vector<std::pair<const Tally*, const Account*>> rows;
  if (tree.account) rows.push_back({&tree.total, &*tree.account});
  for (const auto& row : tree.rows) {
    if (row.account) rows.push_back({&row.tally, &*row.account});
  }
  std::int64_t differ = 0, unverified = 0;
  for (const auto& [t, a] : rows) {
    differ += a->differs.empty() ? 0 : 1;
    unverified += a->verified && *a->verified ? 0 : 1;
  }
  o += "<section id=\"accounts\" data-count=\"" + Count(static_cast<std::int64_t>(rows.size())) +
       "\" data-differ=\"" + Count(differ) + "\" data-unverified=\"" + Count(unverified) +
       "\"><h2>下级自报的签名汇总<small>"
       "各节点每小时签名上报本辖区的合规报告；左为本节点据所收数据的计算，右为其自报；"
       "≠ 表示不一致（评分差 ≥ 1 分、比率差 ≥ 1 个百分点、计数差超过 1% 且多于 "
       "1）；双方的统计期间与入库时间不同，"
       "少量差异属正常</small></h2>";
  if (rows.empty()) {
    o += "<p class=\"empty\">未收到下级的签名汇总</p></section>\n";
    return;
  }
  o += "<div class=\"scroll\"><table class=\"grid list\" id=\"table-accounts\"><thead><tr>"
       "<th rowspan=\"2\">辖区</th><th rowspan=\"2\">签名</th><th rowspan=\"2\">生成时间</th>"
       "<th rowspan=\"2\">自报统计期间</th><th rowspan=\"2\">经由</th>"
       "<th colspan=\"2\">评分</th><th colspan=\"2\">入库事件</th><th colspan=\"2\">退回</th>"
       "<th colspan=\"2\">超时事件</th><th colspan=\"2\">超期件</th><th "
       "colspan=\"2\">及时受理率</th>"
       "<th colspan=\"2\">按期办结率</th><th colspan=\"2\">及时转送交办率</th></tr><tr>";
  for (int i = 0; i < 8; ++i) o += "<th>本级计算</th><th>自报</th>";
  o += "</tr></thead><tbody>";
  for (const auto& [ours, a] : rows) {
    std::string differs;
    for (const auto& d : a->differs) differs += (differs.empty() ? "" : " ") + d;
    o += "<tr" + Attr("data-account-node", a->node) + Attr("data-verified", VerifiedAttr(*a)) +
         Attr("data-differs", differs) + ">";
    o += "<td class=\"text\">" + Escape(html::JurisdictionName(book, a->node)) + "</td>";
    o += std::string("<td class=\"text") + (a->verified && *a->verified ? "" : " bad") + "\">" +
         Escape(VerifiedText(*a)) + "</td>";
    o += "<td class=\"text\">" + Escape(html::ChinaTime(a->generated)) + "</td>";
    o += "<td class=\"text\">" +
         (a->since && a->until
              ? Escape(html::ChinaTime(*a->since) + " 至 " + html::ChinaTime(*a->until))
              : std::string("—")) +
         "</td>";
    o += "<td class=\"text\">" + Escape(a->received_from) + "</td>";
    auto pair = [&](std::string_view field, const std::string& mine, const std::string& theirs) {
      const bool d = Differs(*a, field);
      o += "<td>" + mine + "</td><td" + Attr("data-field", field) + (d ? " class=\"diff\">" : ">") +
           (a->readable ? theirs : std::string("<span class=\"muted\">无法读取</span>")) +
           (d ? "<span class=\"diff-mark\">≠</span>" : "") + "</td>";
    };
    auto rate = [](const Rate& x) {
      const auto v = x.Value();
      return v ? Num(*v * 100) + "%<small>" + Count(x.numerator) + "/" + Count(x.denominator) +
                     "</small>"
               : std::string("<span class=\"muted\">—</span>");
    };
    const Tally& t = a->tally;
    pair("score", Fixed1(ours->score), Fixed1(t.score));
    pair("events_received", Count(ours->events_received), Count(t.events_received));
    pair("rejections", Count(ours->rejections_total), Count(t.rejections_total));
    pair("late", Count(ours->lateness.over_bound), Count(t.lateness.over_bound));
    pair("overdue_cases", Count(ours->overdue_cases),
         a->overdue_reported ? Count(t.overdue_cases)
                             : std::string("<span class=\"muted\">未报</span>"));
    pair("timely_acceptance", rate(ours->timely_acceptance), rate(t.timely_acceptance));
    pair("on_time_completion", rate(ours->on_time_completion), rate(t.on_time_completion));
    pair("timely_routing", rate(ours->timely_routing), rate(t.timely_routing));
    o += "</tr>";
  }
  o += "</tbody></table></div></section>\n";
}

// The page links of the origins' list, the two orders, and how to search.
void Pager(std::string& o, const Report& r) {
  const Tree& tree = *r.tree;
  o += "<nav class=\"pager\" id=\"pager\" data-page=\"" +
       Count(static_cast<std::int64_t>(tree.page)) + "\" data-pages=\"" +
       Count(static_cast<std::int64_t>(tree.pages)) + "\">";
  auto link = [&](std::size_t page, const std::string& text, const char* rel) {
    o += "<a" + Attr("href", LinkTo(r, tree.node, tree.sort, page, tree.query)) + Attr("rel", rel) +
         ">" + text + "</a>";
  };
  if (tree.page > 1) {
    link(1, "« 首页", "first");
    link(tree.page - 1, "‹ 上一页", "prev");
  }
  o += "<span class=\"page\">第 " + Count(static_cast<std::int64_t>(tree.page)) + " / " +
       Count(static_cast<std::int64_t>(tree.pages)) + " 页，每页 " +
       Count(static_cast<std::int64_t>(tree.page_size)) + " 个</span>";
  if (tree.page < tree.pages) {
    link(tree.page + 1, "下一页 ›", "next");
    link(tree.pages, "末页 »", "last");
  }
  o += "<span class=\"sort\">排序：";
  for (const SortBy s : {SortBy::kScore, SortBy::kId}) {
    const char* label = s == SortBy::kScore ? "评分从低到高" : "按编号";
    if (s == tree.sort) {
      o += "<b>" + std::string(label) + "</b>";
    } else {
      o += "<a" + Attr("href", LinkTo(r, tree.node, s, 1, tree.query)) +
           Attr("data-sort", SortName(s)) + ">" + label + "</a>";
    }
  }
  o += "</span><span class=\"muted\">搜索：在地址后加 <code>&amp;q=</code>名称或编号（如 "
       "<code>?node=" +
       Escape(UrlEncode(tree.node)) + "&amp;q=朝阳</code>）</span>";
  if (!tree.query.empty()) {
    o += "<a" + Attr("href", LinkTo(r, tree.node, tree.sort)) + " data-clear=\"q\">清除搜索</a>";
  }
  o += "</nav>";
}

// Where the page is in the tree: each jurisdiction above it, a link up.
void Breadcrumb(std::string& o, const Report& r, const codes::CodeBook& book) {
  const Tree& tree = *r.tree;
  o += "<nav class=\"crumbs\" id=\"breadcrumb\" aria-label=\"辖区层级\"><ol>";
  for (std::size_t i = 0; i < tree.path.size(); ++i) {
    const std::string name = Escape(html::JurisdictionName(book, tree.path[i]));
    if (i + 1 < tree.path.size()) {
      o += "<li><a" + Attr("href", LinkTo(r, tree.path[i], tree.sort)) +
           Attr("data-node", tree.path[i]) + ">" + name + "</a></li>";
    } else {
      o += "<li aria-current=\"page\"" + Attr("data-node", tree.path[i]) + ">" + name + "</li>";
    }
  }
  o += "</ol></nav>";
}

// ---- lists ----------------------------------------------------------------------

// <section id=ID data-count=N><h2>TITLE</h2> then the table, or "无".
// `hidden`: rows of the list beyond those shown ("…还有 N 条" under it).
void ListSection(std::string& o, std::string_view id, std::string_view title, std::size_t count,
                 std::string_view note, std::string_view head, const std::string& rows,
                 std::int64_t hidden = 0) {
  o += "<section id=\"";
  o += id;
  o += "\" data-count=\"" + Count(static_cast<std::int64_t>(count)) + "\" data-total=\"" +
       Count(static_cast<std::int64_t>(count) + hidden) + "\"><h2>";
  o += title;
  o += " <small>" + Count(static_cast<std::int64_t>(count) + hidden) + " 条";
  if (hidden > 0) o += "，列出 " + Count(static_cast<std::int64_t>(count)) + " 条";
  if (!note.empty()) {
    o += "；";
    o += note;
  }
  o += "</small></h2>";
  if (count == 0) {
    o += "<p class=\"empty\">无</p></section>";
    return;
  }
  o += "<div class=\"scroll\"><table class=\"grid list\"><thead><tr>";
  o += head;
  o += "</tr></thead><tbody>" + rows + "</tbody></table></div>" + More(hidden, "条") + "</section>";
}

std::string TextTd(std::string_view text) { return "<td class=\"text\">" + Escape(text) + "</td>"; }

std::string OriginTd(const codes::CodeBook& book, const std::string& id) {
  return "<td class=\"text\">" + Escape(html::JurisdictionName(book, id)) + "</td>";
}

std::string CodeLabel(const codes::CodeBook& book, std::string_view table, std::string_view code) {
  const std::string_view label = book.Label(table, code);
  return label.empty() ? std::string(code) : std::string(code) + " " + std::string(label);
}

}  // namespace

std::string ToHtml(const Report& r, const codes::CodeBook& book) {
  std::string o;
  o.reserve(64 * 1024);
  const std::string node = html::JurisdictionName(book, r.node_id);

  // Header.
  o += "<header class=\"page\" id=\"report-header\"" + Attr("data-node", r.node_id) +
       Attr("data-code-version", r.code_version) + Attr("data-since", r.since.ToString()) +
       Attr("data-until", r.until.ToString()) + Attr("data-generated", r.now.ToString()) +
       Attr("data-jurisdiction", r.tree ? r.tree->node : r.scope) + ">";
  o += "<h1>信访信息交换合规报告<small>xfnode conformance report</small></h1><dl class=\"meta\">";
  o += "<div><dt>节点</dt><dd id=\"meta-node\">" + Escape(node) + "</dd></div>";
  if (r.tree) {
    o += "<div><dt>本页辖区</dt><dd id=\"meta-jurisdiction\"" + Attr("data-node", r.tree->node) +
         ">" + Escape(html::JurisdictionName(book, r.tree->node)) + "</dd></div>";
  }
  o += "<div><dt>统计期间</dt><dd id=\"meta-period\">" + Escape(html::ChinaTime(r.since)) + " 至 " +
       Escape(html::ChinaTime(r.until)) + "</dd></div>";
  o += "<div><dt>代码表版本</dt><dd id=\"meta-code-version\">" + Escape(r.code_version) +
       "</dd></div>";
  o += "<div><dt>生成时间</dt><dd id=\"meta-generated\">" + Escape(html::ChinaTime(r.now)) +
       "</dd></div>";
  {
    std::string cal = r.calendar_version.empty() ? std::string("无节假日表") : r.calendar_version;
    if (!r.calendar_years.empty()) {
      cal += "（" + std::to_string(r.calendar_years.front()) + "–" + std::to_string(r.calendar_years.back()) + "年）";
    }
    o += "<div><dt>法定时限计算</dt><dd id=\"meta-calendar\"" + Attr("data-calendar", r.calendar_version) +
         Attr("data-counting", codes::CountingName(r.counting)) + ">" +
         (r.counting == codes::Counting::kWorkingDays ? "按工作日" : "按自然日") + " · 节假日表 " + Escape(cal) +
         "</dd></div>";
  }
  o += "<div><dt>时限</dt><dd>交换 " +
       Escape(html::Duration(std::int64_t{r.timeliness_hours} * 3600)) + " · 重件宽限 " +
       Escape(html::Duration(std::int64_t{r.repeat_grace_hours} * 3600)) + " · 静默 " +
       Escape(html::Duration(std::int64_t{r.silent_hours} * 3600)) + "</dd></div>";
  o += "</dl><p class=\"muted\">时间均为北京时间（UTC+8），期间含起点、不含终点。评分满分 "
       "100，按本辖区自身流量的比例扣分"
       "（node/CONFORMANCE.md）。</p>";
  if (!r.unknown_years.empty()) {
    std::string years;
    for (int y : r.unknown_years) years += (years.empty() ? "" : "、") + std::to_string(y);
    o += "<p class=\"bad\" id=\"calendar-warning\">节假日表缺少 " + Escape(years) +
         " 年的国务院办公厅放假通知：这些年份的期限只按周末顺延（codes/README.md）。</p>";
  }
  const std::string share = Count(static_cast<std::int64_t>(kOverdueAmberShare * 100)) + "%";
  o += "<div class=\"bar-legend\" id=\"legend\"><span><i class=\"light green\"></i>绿：评分 ≥ " +
       Fixed1(kGreenAt) + "，且超期件少于在办件的 " + share +
       "</span><span><i class=\"light amber\"></i>黄：" + Fixed1(kAmberAt) + " ≤ 评分 &lt; " +
       Fixed1(kGreenAt) + "，或超期件占在办件 ≥ " + share +
       "</span><span><i class=\"light red\"></i>红：评分 &lt; " + Fixed1(kAmberAt) +
       "，或有信访件超期 " + Count(kOverdueRedDays) + " 日以上</span></div>";
  if (r.tree) Breadcrumb(o, r, book);
  o += "</header>\n";

  // Summary cards: of the jurisdiction shown (the tree's total), else of every origin.
  std::int64_t events = 0, rejected = 0, late = 0, overdue = 0, open = 0;
  for (const auto& t : r.origins) {
    events += t.events_received;
    rejected += t.rejections_total;
    late += t.lateness.over_bound;
    overdue += t.overdue_cases;
    open += t.open_cases;
  }
  if (r.tree) {
    events = r.tree->total.events_received;
    rejected = r.tree->total.rejections_total;
    late = r.tree->total.lateness.over_bound;
    overdue = r.tree->total.overdue_cases;
    open = r.tree->total.open_cases;
  }
  const std::int64_t origins_shown = r.tree ? static_cast<std::int64_t>(r.tree->origins_matched)
                                            : static_cast<std::int64_t>(r.origins.size());
  o += "<section class=\"cards\" id=\"summary\" data-events=\"" + Count(events) +
       "\" data-rejections=\"" + Count(rejected) + "\" data-late=\"" + Count(late) +
       "\" data-overdue=\"" + Count(overdue) + "\">";
  if (r.tree) {
    const char* light = Light(r.tree->total);
    o += "<div id=\"card-score\"" + Attr("data-light", light) +
         Attr("data-score", Fixed1(r.tree->total.score)) +
         "><small>本辖区评分</small><b><span class=\"light " + std::string(light) + "\"></span>" +
         Fixed1(r.tree->total.score) + "</b></div>";
  }
  o += "<div><small>发起节点</small><b>" +
       Count(r.tree && !r.tree->query.empty() ? static_cast<std::int64_t>(r.tree->origins_matched)
                                              : origins_shown) +
       "</b></div>";
  o += "<div><small>入库事件</small><b>" + Count(events) + "</b></div>";
  o += "<div><small>退回记录</small><b" + std::string(rejected ? " class=\"bad\"" : "") + ">" +
       Count(rejected) + "</b></div>";
  o += "<div><small>超时事件</small><b" + std::string(late ? " class=\"bad\"" : "") + ">" +
       Count(late) + "</b></div>";
  o += "<div><small>超期件 / 在办件</small><b" + std::string(overdue ? " class=\"bad\"" : "") +
       ">" + Count(overdue) + " / " + Count(open) + "</b></div>";
  o += "<div><small>序号缺口</small><b" + std::string(r.gaps.empty() ? "" : " class=\"bad\"") +
       ">" + Count(static_cast<std::int64_t>(r.gaps.size())) + "</b></div>";
  std::int64_t silent = 0;
  for (const auto& c : r.children) silent += c.silent ? 1 : 0;
  o += "<div><small>静默下级</small><b" + std::string(silent ? " class=\"bad\"" : "") + ">" +
       Count(silent) + "/" + Count(static_cast<std::int64_t>(r.children.size())) +
       "</b></div></section>\n";

  if (r.tree) {
    const Tree& tree = *r.tree;
    // The jurisdiction's own records and its children, each a link one level down.
    o += "<section id=\"subtrees\" data-count=\"" +
         Count(static_cast<std::int64_t>(tree.rows.size())) + "\" data-total=\"" +
         Count(static_cast<std::int64_t>(tree.rows_total)) + "\"><h2>本级与下级辖区<small>" +
         Escape(html::JurisdictionName(book, tree.node)) + "；" +
         (tree.sort == SortBy::kId ? "按编号" : "评分从低到高") +
         "；点击辖区名称查看下一级</small></h2>";
    if (tree.rows.empty()) {
      o += "<p class=\"empty\">期间内无数据</p>";
    } else {
      std::vector<JurRow> rows;
      bool accounts = false;
      for (const auto& row : tree.rows) {
        rows.push_back({&row.tally, row.kind, &row.trend, row.account ? &*row.account : nullptr,
                        row.tally.id != tree.node});
        accounts = accounts || row.account.has_value();
      }
      JurisdictionTable(o, r, book, "table-subtrees", rows, !tree.months.empty(), accounts);
      o += More(static_cast<std::int64_t>(tree.rows_total - tree.rows.size()), "个");
    }
    o += "</section>\n";
    AccountsSection(o, r, book);
    if (!tree.months.empty()) {
      o += "<section id=\"trends\"><h2>趋势</h2>";
      TrendChart(o, r, book);
      o += "</section>\n";
    }
    // One page of the jurisdiction's origins.
    const std::size_t first = (tree.page - 1) * tree.page_size;
    const std::size_t after = std::min(tree.origins_matched, first + tree.listed.size());
    o += "<section id=\"origins\" data-count=\"" +
         Count(static_cast<std::int64_t>(tree.listed.size())) + "\" data-total=\"" +
         Count(static_cast<std::int64_t>(tree.origins_matched)) + "\" data-page=\"" +
         Count(static_cast<std::int64_t>(tree.page)) + "\" data-pages=\"" +
         Count(static_cast<std::int64_t>(tree.pages)) + "\"><h2>各发起节点<small>" +
         Escape(html::JurisdictionName(book, tree.node)) + "辖区内 " +
         Count(static_cast<std::int64_t>(tree.origins_matched)) + " 个" +
         (tree.query.empty() ? std::string() : "（名称或编号含“" + Escape(tree.query) + "”）") +
         "；" + (tree.sort == SortBy::kId ? "按编号" : "评分从低到高") + "</small></h2>";
    Pager(o, r);
    if (tree.listed.empty()) {
      o += "<p class=\"empty\">" +
           std::string(tree.query.empty() ? "期间内无数据" : "无匹配的发起节点") + "</p>";
    } else {
      std::map<std::string, const Tally*> by_id;
      for (const auto& t : r.origins) by_id[t.id] = &t;
      std::vector<JurRow> rows;
      for (const auto& x : tree.listed) {
        if (const auto it = by_id.find(x.id); it != by_id.end()) {
          rows.push_back({it->second, "origin", &x.trend, nullptr, x.id != tree.node});
        }
      }
      JurisdictionTable(o, r, book, "table-origins", rows, !tree.months.empty(), false);
      o += More(static_cast<std::int64_t>(tree.origins_matched - after), "个");
    }
    o += "</section>\n";
  } else {
    // Per child subtree, in configuration order; per origin, worst first.
    o += "<section id=\"subtrees\" data-count=\"" +
         Count(static_cast<std::int64_t>(r.subtrees.size())) + "\"><h2>下级辖区（按子树汇总）</h2>";
    if (r.subtrees.empty()) {
      o += "<p class=\"empty\">本节点未配置下级</p>";
    } else {
      std::vector<JurRow> rows;
      for (const auto& t : r.subtrees) rows.push_back({&t, "subtree"});
      JurisdictionTable(o, r, book, "table-subtrees", rows, false, false);
    }
    o += "</section>\n<section id=\"origins\" data-count=\"" +
         Count(static_cast<std::int64_t>(r.origins.size())) +
         "\"><h2>各发起节点<small>评分从低到高</small></h2>";
    if (r.origins.empty()) {
      o += "<p class=\"empty\">期间内无数据</p>";
    } else {
      std::vector<JurRow> rows;
      for (const auto& t : r.origins) rows.push_back({&t, "origin"});
      std::stable_sort(rows.begin(), rows.end(), [](const JurRow& a, const JurRow& b) {
        return a.tally->score < b.tally->score;
      });
      JurisdictionTable(o, r, book, "table-origins", rows, false, false);
    }
    o += "</section>\n";
  }
  o += "<section id=\"charts\"><h2>图表</h2>";
  LatenessChart(o, r, book);
  DaysChart(o, r);
  o += "</section>\n";

  // Lists.
  std::string rows;
  for (const auto& x : r.late_events) {
    rows += "<tr" + Attr("data-event", x.event_id) + " data-lateness=\"" +
            Count(x.lateness_seconds) + "\">" + TextTd(x.event_id) + TextTd(x.case_id) +
            OriginTd(book, x.origin) + TextTd(html::ChinaTime(x.occurred_at)) +
            TextTd(html::ChinaTime(x.stored_at)) + "<td class=\"bad\">" +
            Escape(html::Duration(x.lateness_seconds)) + "</td></tr>";
  }
  ListSection(o, "late-events", "超时事件（R5）", r.late_events.size(), "最迟在前",
              "<th>事件</th><th>信访件</th><th>发起节点</th><th>发生时间</th><th>入库时间</"
              "th><th>迟延</th>",
              rows, Hidden(r, "late_events", r.late_events.size()));
  rows.clear();
  for (const auto& x : r.repeats_without_initial) {
    rows += "<tr" + Attr("data-case", x.case_id) + ">" + TextTd(x.case_id) +
            TextTd(x.initial_case_id) + OriginTd(book, x.origin) +
            TextTd(html::ChinaTime(x.stored_at)) + "</tr>";
  }
  ListSection(o, "repeats", "重件无初件（R4）", r.repeats_without_initial.size(),
              "重件入库已过宽限期，其初件仍未到达本节点",
              "<th>重件</th><th>所称初件</th><th>发起节点</th><th>入库时间</th>", rows,
              Hidden(r, "repeats_without_initial", r.repeats_without_initial.size()));
  rows.clear();
  for (const auto& x : r.repeats_resolved_late) {
    rows += "<tr" + Attr("data-case", x.case_id) + ">" + TextTd(x.case_id) + TextTd(x.initial_case_id) +
            OriginTd(book, x.origin) + TextTd(html::ChinaTime(x.stored_at)) +
            TextTd(html::ChinaTime(x.initial_stored_at)) + "</tr>";
  }
  ListSection(o, "repeats-late", "重件初件迟到（R4）", r.repeats_resolved_late.size(),
              "初件在重件入库宽限期之后才到达本节点",
              "<th>重件</th><th>初件</th><th>发起节点</th><th>重件入库</th><th>初件入库</th>", rows,
              Hidden(r, "repeats_resolved_late", r.repeats_resolved_late.size()));
  rows.clear();
  for (const auto& x : r.gaps) {
    rows += "<tr" + Attr("data-origin", x.origin) + Attr("data-stream", x.stream) +
            " data-next-seq=\"" + std::to_string(x.next_seq) + "\">" + OriginTd(book, x.origin) +
            TextTd(x.stream) + "<td>" + std::to_string(x.next_seq) + "</td><td>" + Count(x.held) +
            "</td>" + TextTd(html::ChinaTime(x.since)) + "<td class=\"bad\">" +
            Escape(html::Duration(x.open_seconds)) + "</td></tr>";
  }
  ListSection(o, "gaps", "序号缺口", r.gaps.size(), "当前状态，不限于统计期间",
              "<th>发起节点</th><th>批次流</th><th>缺失序号</th><th>等待批次</th><th>开始</"
              "th><th>已持续</th>",
              rows);
  rows.clear();
  for (const auto& x : r.silent_origins) {
    rows += "<tr" + Attr("data-origin", x.origin) + " data-silent-seconds=\"" + Count(x.silent_seconds) + "\">" +
            OriginTd(book, x.origin) + TextTd(html::ChinaTime(x.last_batch)) + "<td class=\"bad\">" +
            Escape(html::Duration(x.silent_seconds)) + "</td></tr>";
  }
  ListSection(o, "silent-origins", "长时间未报送的发起节点", r.silent_origins.size(),
              "超过 " + std::to_string(r.silent_hours) + " 小时无本节点批次到达",
              "<th>发起节点</th><th>最后批次入库</th><th>已沉默</th>", rows,
              Hidden(r, "silent_origins", r.silent_origins.size()));
  rows.clear();
  for (const auto& x : r.outdated_batches) {
    rows += "<tr" + Attr("data-batch", x.batch_id) + ">" + TextTd(x.batch_id) +
            OriginTd(book, x.origin) + TextTd(x.code_version) + "</tr>";
  }
  ListSection(o, "outdated", "旧版代码表批次", r.outdated_batches.size(),
              "本节点代码表版本 " + Escape(r.code_version),
              "<th>批次</th><th>发起节点</th><th>代码表版本</th>", rows,
              Hidden(r, "outdated_batches", r.outdated_batches.size()));
  rows.clear();
  for (const auto& x : r.legal_not_directed) {
    rows += "<tr" + Attr("data-case", x.case_id) + ">" + TextTd(x.case_id) +
            OriginTd(book, x.origin) +
            TextTd(CodeLabel(book, codes::table::kContentCategory, x.content_category)) + "</tr>";
  }
  ListSection(o, "legal", "涉法涉诉未导入法律程序", r.legal_not_directed.size(),
              "无办理方式 070000 导入法律程序", "<th>信访件</th><th>发起节点</th><th>内容分类</th>",
              rows, Hidden(r, "legal_not_directed", r.legal_not_directed.size()));

  rows.clear();
  std::string totals;
  for (const auto& info : schema::Clocks()) {
    const auto it = r.overdue_totals.find(std::string(info.name));
    if (it == r.overdue_totals.end()) continue;
    totals += (totals.empty() ? "" : "，") + std::string(info.label) + " " + Count(it->second) + " 件";
  }
  for (const auto& x : r.overdue) {
    const auto clock = schema::ClockFromName(x.clock);
    const std::string label = clock ? std::string(schema::InfoOf(*clock).label) + "（" +
                                          std::to_string(schema::InfoOf(*clock).days) + "日）"
                                    : x.clock;
    rows += "<tr" + Attr("data-case", x.case_id) + Attr("data-clock", x.clock) + " data-days-over=\"" +
            Count(x.days_over) + "\">" + TextTd(x.case_id) + OriginTd(book, x.origin) + TextTd(label) +
            TextTd(x.start.ToString()) + TextTd(x.due.ToString()) + "<td class=\"bad\">" + Count(x.days_over) +
            " 日</td></tr>";
  }
  ListSection(
      o, "overdue", "超期信访件", r.overdue.size(),
      (totals.empty() ? std::string("无") : totals) + "；截至生成时间，不限于统计期间",
      "<th>信访件</th><th>发起节点</th><th>时限</th><th>起算日</th><th>期限届满</th><th>超期</th>",
      rows, Hidden(r, "overdue", r.overdue.size()));

  // Rejections: by rule, then by rule, field and origin.
  std::map<std::string, std::int64_t> by_rule;
  for (const auto& x : r.rejections) by_rule[x.rule] += x.count;
  rows.clear();
  for (const auto& [rule, n] : by_rule) {
    rows += "<tr" + Attr("data-rule", rule) + " data-count=\"" + Count(n) + "\">" + TextTd(rule) +
            TextTd(RuleName(rule)) + "<td class=\"bad\">" + Count(n) + "</td></tr>";
  }
  ListSection(o, "rejections-by-rule", "退回（按规则）", by_rule.size(), "",
              "<th>规则</th><th>名称</th><th>记录数</th>", rows);
  rows.clear();
  std::vector<const RejectionRow*> detail;
  for (const auto& x : r.rejections) detail.push_back(&x);
  std::stable_sort(detail.begin(), detail.end(), [](const RejectionRow* a, const RejectionRow* b) {
    return a->rule != b->rule     ? a->rule < b->rule
           : a->field != b->field ? a->field < b->field
                                  : a->origin < b->origin;
  });
  constexpr std::size_t kDetailRows = 200;  // the JSON has them all
  const std::int64_t detail_hidden =
      static_cast<std::int64_t>(detail.size()) -
      static_cast<std::int64_t>(std::min(detail.size(), kDetailRows));
  if (detail.size() > kDetailRows) detail.resize(kDetailRows);
  for (const RejectionRow* x : detail) {
    rows += "<tr" + Attr("data-rule", x->rule) + Attr("data-field", x->field) +
            Attr("data-origin", x->origin) + " data-count=\"" + Count(x->count) + "\">" +
            TextTd(x->rule + " " + RuleName(x->rule)) + TextTd(x->field.empty() ? "—" : FieldWords(x->field)) +
            OriginTd(book, x->origin) + "<td>" + Count(x->count) + "</td></tr>";
  }
  ListSection(o, "rejections", "退回明细（按规则、字段、发起节点）", detail.size(), "",
              "<th>规则</th><th>字段</th><th>发起节点</th><th>记录数</th>", rows, detail_hidden);

  o += "\n<footer id=\"weights\">由 xfnode " XF_VERSION " 生成。扣分权重（满分 100）：退回 " +
       Fixed1(weight::kRejections) + "、重件无初件 " + Fixed1(weight::kRepeat) + "、交换迟延 " +
       Fixed1(weight::kLateness) + "、序号缺口每个 " + Fixed1(weight::kGapEach) + "（至多 " +
       Fixed1(weight::kGapMax) + "）、静默 " + Fixed1(weight::kSilent) + "、旧版代码 " +
       Fixed1(weight::kOutdatedCodes) + "、涉法涉诉未导入 " + Fixed1(weight::kLegal) +
       "、及时受理 " + Fixed1(weight::kAcceptance) + "、按期办结 " + Fixed1(weight::kCompletion) +
       "；及时转送交办率、群众满意率与参评率只报告、不计分。灯色：绿 ≥ " + Fixed1(kGreenAt) + "，黄 ≥ " + Fixed1(kAmberAt) +
       "，红 &lt; " + Fixed1(kAmberAt) + "。</footer>";
  return html::Page("交换合规报告 · " + node + " · " + html::ChinaTime(r.now), o);
}

}  // namespace conformance

}  // namespace xf::node

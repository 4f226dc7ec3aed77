// node/conformance_html.h: the report as one HTML page, the shared page
// frame, escaping of hostile strings, the traffic lights, the per-day
// series the violations chart draws (node/conformance.cc), and the two
// pages the API serves without a token (/ and /report.html). The page as a
// browser renders it is checked by test/integration/conformance_html.sh.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/api.h"
#include "node/blobs.h"
#include "node/conformance.h"
#include "node/conformance_html.h"
#include "node/store.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

using testing::At;
using testing::Book;
using testing::TempDir;

std::size_t Occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
    ++n;
  return n;
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

conformance::Tally MakeTally(const std::string& id, double score) {
  conformance::Tally t;
  t.id = id;
  t.score = score;
  for (const char* r : {"R1", "R2", "R3", "R6", "R7"}) t.rejections[r] = 0;
  return t;
}

// A report of a city 110100 with two children, one of them misbehaving,
// and an origin whose id and fields are hostile markup.
conformance::Report SampleReport() {
  conformance::Report r;
  r.node_id = "110100";
  r.code_version = "xf-2026.1";
  r.since = At("2026-02-28T16:00:00Z");  // 2026-03-01 in UTC+8
  r.until = At("2026-03-30T16:00:00Z");  // 2026-03-31 in UTC+8, exclusive
  r.now = At("2026-04-01T02:00:00Z");

  auto good = MakeTally("110108", 100);
  good.events_received = 40;
  good.lateness = {40, 600, 3000, 7200, 0};
  good.satisfaction_handler = {9, 10};
  good.participation_handler = {10, 12};
  good.satisfaction_bureau = {4, 5};
  good.timely_routing = {7, 8};
  auto bad = MakeTally("110105", 72.5);
  bad.events_received = 20;
  bad.rejections["R2"] = 3;
  bad.rejections_total = 3;
  bad.lateness = {20, 3600, 4 * 86400, 9 * 86400, 4};
  bad.open_gaps = 1;
  bad.oldest_gap_seconds = 2 * 86400;
  bad.silent = true;
  bad.last_batch = At("2026-03-28T00:00:00Z");
  bad.deductions = {{"lateness", 5}, {"rejections", 3.6}, {"gaps", 5}, {"silent", 10}};
  bad.timely_acceptance = {1, 4};
  r.subtrees = {bad, good};
  r.children = {{"110105", At("2026-03-28T00:00:00Z"), 4 * 86400, true},
                {"110108", At("2026-04-01T01:00:00Z"), 3600, false}};

  auto hostile = MakeTally("<img src=x onerror=alert(1)>", 12.3);
  hostile.events_received = 1;
  hostile.lateness = {1, 50, 50, 50, 0};
  r.origins = {bad, good, hostile, MakeTally("110100", 100)};
  r.origins[1].events_received = 40;

  r.rejections = {{"110105", "R2", "content_category", 3},
                  {"<b>x</b>", "R3", "\"><script>alert(2)</script>", 1}};
  r.late_events = {{"110105:7", "110105-2026-0000003", "110105", At("2026-03-02T00:00:00Z"),
                    At("2026-03-11T00:00:00Z"), 9 * 86400}};
  r.repeats_without_initial = {
      {"110105-2026-0000009", "110105-2025-0000001", "110105", At("2026-03-03T00:00:00Z")}};
  r.gaps = {{"110105", "up", 3, 1, At("2026-03-30T02:00:00Z"), 2 * 86400}};
  r.outdated_batches = {{"110105-up-2", "110105", "xf-2025.9 <old>"}};
  r.legal_not_directed = {{"110105-2026-0000002", "110105", "090101"}};
  r.days = {
      {Date{2026, 3, 2}, 5, 0, 3}, {Date{2026, 3, 11}, 12, 4, 1}, {Date{2026, 4, 5}, 9, 9, 9}};
  return r;
}

TEST_CASE("conformance html: the traffic light of a score") {
  CHECK(std::string(conformance::Light(100)) == "green");
  CHECK(std::string(conformance::Light(90)) == "green");
  CHECK(std::string(conformance::Light(89.9)) == "amber");
  CHECK(std::string(conformance::Light(70)) == "amber");
  CHECK(std::string(conformance::Light(69.9)) == "red");
  CHECK(std::string(conformance::Light(0)) == "red");
}

TEST_CASE("html: Escape turns markup into text and keeps only well-formed UTF-8") {
  CHECK(html::Escape("<a href=\"x\" title='y'>&amp;</a>") ==
        "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  CHECK(html::Escape("110105 朝阳区") == "110105 朝阳区");
  const std::string replacement = "\xEF\xBF\xBD";
  CHECK(html::Escape(std::string("a\xFF"
                                 "b")) == "a" + replacement + "b");
  CHECK(html::Escape(std::string("\xE6\x9C")) == replacement + replacement);  // a cut character
  CHECK(html::Escape(std::string("\xC0\xBC")) == replacement + replacement);  // overlong '<'
  CHECK(html::Escape(std::string("\xED\xA0\x80")) ==
        replacement + replacement + replacement);  // a surrogate
  CHECK(html::Escape(std::string("x\0y", 3)) == "x" + replacement + "y");
  CHECK(html::Escape("line\nnext\ttab") == "line\nnext\ttab");
}

TEST_CASE("html: names of jurisdictions from the division table") {
  CHECK(html::JurisdictionName(Book(), "110105") == "110105 朝阳区");
  CHECK(html::JurisdictionName(Book(), "110100") == "110100 北京市市辖区");
  CHECK(html::JurisdictionName(Book(), "100000") == "100000 国家信访局");
  CHECK(html::JurisdictionName(Book(), "110105.GAJ") == "110105.GAJ 朝阳区所属部门");
  CHECK(html::JurisdictionName(Book(), "999999") == "999999");
  CHECK(html::DivisionPath(Book(), "110105") == "北京市 › 朝阳区");  // GB/T 2260: no 市辖区 level
  CHECK(html::ChinaTime(At("2026-03-31T16:05:00Z")) == "2026-04-01 00:05");
  CHECK(html::Duration(59) == "59秒");
  CHECK(html::Duration(600) == "10分钟");
  CHECK(html::Duration(5400) == "1.5小时");
  CHECK(html::Duration(3 * 86400) == "3天");
}

TEST_CASE("conformance html: one self-contained page with every jurisdiction, light and chart") {
  const std::string page = conformance::ToHtml(SampleReport(), Book());
  CHECK(page.rfind("<!DOCTYPE html>\n<html lang=\"zh-CN\">", 0) == 0);
  CHECK(Has(page, "<meta charset=\"utf-8\">"));
  CHECK(Has(page, "Content-Security-Policy"));
  CHECK(Has(page, "Noto Sans CJK SC"));
  // Nothing is fetched: no script, stylesheet link, image or frame.
  for (const char* tag :
       {"<script", "<link", "<img", "<iframe", "<object", "<embed", "@import", "url("}) {
    CAPTURE(tag);
    CHECK_FALSE(Has(page, tag));
  }
  CHECK_FALSE(Has(page, "https://"));
  CHECK(Occurrences(page, "http://") == Occurrences(page, "xmlns=\"http://www.w3.org/2000/svg\""));

  // Header.
  CHECK(Has(page, "id=\"report-header\" data-node=\"110100\" data-code-version=\"xf-2026.1\""));
  CHECK(Has(page, "<dd id=\"meta-node\">110100 北京市市辖区</dd>"));
  CHECK(Has(page, "<dd id=\"meta-period\">2026-03-01 00:00 至 2026-03-31 00:00</dd>"));
  CHECK(Has(page, "<dd id=\"meta-generated\">2026-04-01 10:00</dd>"));

  // Rows: subtrees in configuration order, origins worst first.
  CHECK(Has(page,
            "<tr data-jurisdiction=\"110105\" data-score=\"72.5\" data-light=\"amber\" "
            "data-kind=\"subtree\">"));
  CHECK(Has(page,
            "<tr data-jurisdiction=\"110108\" data-score=\"100\" data-light=\"green\" "
            "data-kind=\"subtree\">"));
  CHECK(Has(page,
            "<tr data-jurisdiction=\"110108\" data-score=\"100\" data-light=\"green\" "
            "data-kind=\"origin\">"));
  CHECK(Has(page, "data-score=\"12.3\" data-light=\"red\" data-kind=\"origin\">"));
  CHECK(page.find("data-jurisdiction=\"110105\" data-score") <
        page.find("data-jurisdiction=\"110108\" data-score"));
  CHECK(page.find("data-score=\"12.3\"") <
        page.find("data-jurisdiction=\"110105\" data-score=\"72.5\" data-light=\"amber\" "
                  "data-kind=\"origin\""));
  CHECK(Has(page, "110105 朝阳区"));
  CHECK(Has(page, "title=\"北京市 › 朝阳区\""));
  CHECK(Has(page, "<li data-deduction=\"lateness\" data-points=\"5\">交换迟延 −5</li>"));
  CHECK(Has(page, "<li data-deduction=\"silent\" data-points=\"10\">静默 −10</li>"));
  CHECK(Has(page, "<td data-col=\"silent\" data-silent=\"true\" class=\"bad\""));
  CHECK(Has(
      page,
      "data-col=\"acceptance\" data-numerator=\"1\" data-denominator=\"4\" data-value=\"25.0\""));
  CHECK(Has(page,
            "data-col=\"satisfaction-handler\" data-numerator=\"9\" data-denominator=\"10\" "
            "data-value=\"90.0\""));
  CHECK(Has(page, "data-col=\"participation-handler\" data-numerator=\"10\" data-denominator=\"12\""));
  CHECK(Has(page, "data-col=\"satisfaction-bureau\" data-numerator=\"4\" data-denominator=\"5\""));
  CHECK(Has(page, "data-col=\"routing\" data-numerator=\"7\" data-denominator=\"8\" data-value=\"87.5\""));
  for (const char* head : {"及时受理率", "按期办结率", "及时转送<br>交办率", "群众满意率", "参评率", "信访部门",
                           "责任单位", "重件无初件", "序号<br>缺口", "旧版代码<br>批次"}) {
    CHECK(Has(page, head));
  }

  // Hostile strings stay text.
  CHECK_FALSE(Has(page, "<img src=x"));
  CHECK(Has(page, "&lt;img src=x onerror=alert(1)&gt;"));
  CHECK_FALSE(Has(page, "<b>x</b>"));
  CHECK(Has(page, "data-field=\"&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;\""));
  CHECK(Has(page, "xf-2025.9 &lt;old&gt;"));

  // Lateness chart: both subtrees, then the origins with events, latest first.
  CHECK(Has(page, "<figure id=\"chart-lateness\" data-rows=\"5\">"));
  CHECK(Has(page, "<svg id=\"svg-lateness\""));
  CHECK(Has(
      page,
      "<g class=\"lat-row\" data-jurisdiction=\"110105\" data-kind=\"subtree\" data-events=\"20\" "
      "data-p50=\"3600\" data-p95=\"345600\" data-max=\"777600\" data-over-bound=\"4\">"));
  CHECK(Occurrences(page, "<g class=\"lat-row\"") == 5);
  CHECK(Occurrences(page, "data-series=\"p95\"") == 5);
  CHECK(Has(page, "id=\"lateness-bound\" data-seconds=\"86400\""));

  // Violations per day: every day of the period, zeros filled in, the
  // day after the period left out.
  CHECK(Has(page,
            "<figure id=\"chart-days\" data-days=\"30\" data-late=\"4\" data-rejections=\"4\">"));
  CHECK(Occurrences(page, "<g class=\"day\"") == 30);
  CHECK(Has(page,
            "<g class=\"day\" data-day=\"2026-03-11\" data-events=\"12\" data-late=\"4\" "
            "data-rejections=\"1\">"));
  CHECK(Has(page,
            "<g class=\"day\" data-day=\"2026-03-12\" data-events=\"0\" data-late=\"0\" "
            "data-rejections=\"0\">"));
  CHECK_FALSE(Has(page, "data-day=\"2026-04-05\""));

  // Lists.
  CHECK(Has(page, "<section id=\"late-events\" data-count=\"1\" data-total=\"1\">"));
  CHECK(Has(page, "<section id=\"repeats\" data-count=\"1\" data-total=\"1\">"));
  CHECK(Has(page, "<section id=\"gaps\" data-count=\"1\" data-total=\"1\">"));
  CHECK(Has(page, "<section id=\"outdated\" data-count=\"1\" data-total=\"1\">"));
  CHECK(Has(page, "<section id=\"legal\" data-count=\"1\" data-total=\"1\">"));
  CHECK(Has(page, "090101 民事诉讼"));
  CHECK(Has(page, "<tr data-rule=\"R2\" data-count=\"3\">"));
  CHECK(Has(page, "<section id=\"rejections\" data-count=\"2\" data-total=\"2\">"));
}

TEST_CASE("conformance html: an empty report still has its sections and charts") {
  conformance::Report r;
  r.node_id = "110105";
  r.since = At("2026-03-01T00:00:00Z");
  r.until = At("2026-03-01T00:00:00Z");
  r.now = r.until;
  const std::string page = conformance::ToHtml(r, Book());
  CHECK(Has(page, "<section id=\"subtrees\" data-count=\"0\">"));
  CHECK(Has(page, "<svg id=\"svg-lateness\""));
  CHECK(Has(page, "<svg id=\"svg-days\""));
  CHECK(Has(page, "期间内无退回与超时事件"));
  CHECK(Has(page, "<section id=\"overdue\" data-count=\"0\" data-total=\"0\">"));
  CHECK(Has(page, "<section id=\"silent-origins\" data-count=\"0\" data-total=\"0\">"));
  CHECK(Has(page, "<section id=\"repeats-late\" data-count=\"0\" data-total=\"0\">"));
  CHECK(Occurrences(page, "<p class=\"empty\">无</p>") == 10);
}

TEST_CASE("conformance html: overdue clocks are listed with their clock, start, due day and days over") {
  conformance::Report r;
  r.node_id = "110100";
  r.now = At("2026-04-30T00:00:00Z");
  r.overdue_totals = {{"route", 0}, {"accept_notice", 1}, {"handle", 3}, {"review_decision", 0},
                      {"rereview_decision", 0}};
  r.overdue.push_back({"110105-2026-0000003", "110105", "accept_notice", Date{2026, 2, 27}, Date{2026, 3, 16}, 45});
  r.calendar_version = "cn-holidays-2020-2026.1";
  r.calendar_years = {2020, 2026};
  r.unknown_years = {2027};
  const std::string page = conformance::ToHtml(r, Book());
  CHECK(Has(page, "<section id=\"overdue\" data-count=\"1\" data-total=\"1\">"));
  CHECK(Has(page, "登记转送交办 0 件，受理告知 1 件，办理 3 件，复查 0 件，复核 0 件"));
  CHECK(Has(page, "data-case=\"110105-2026-0000003\" data-clock=\"accept_notice\" data-days-over=\"45\""));
  CHECK(Has(page, "受理告知（15日）"));
  CHECK(Has(page, "<td class=\"text\">2026-02-27</td><td class=\"text\">2026-03-16</td>"));
  CHECK(Has(page, "data-calendar=\"cn-holidays-2020-2026.1\" data-counting=\"calendar\""));
  CHECK(Has(page, "<p class=\"bad\" id=\"calendar-warning\">节假日表缺少 2027 年"));
}

TEST_CASE(
    "conformance: the per-day series counts events, late events and rejections by day in UTC+8") {
  TempDir dir;
  ManualClock clock(At("2026-03-02T01:00:00Z"));
  auto opened = Store::Open(dir / "node.db", clock);
  REQUIRE(opened.ok());
  auto store = std::move(opened).value();
  auto reg = [&](const char* now, const char* registered) {
    clock.Set(At(now));
    auto c = testing::ValidCase();
    c.registered_at = At(registered);
    REQUIRE(store->RegisterCase(c, "110105", "").ok());
  };
  reg("2026-03-02T01:00:00Z", "2026-03-02T00:00:00Z");  // 03-02 in UTC+8, on time
  reg("2026-03-02T17:00:00Z", "2026-02-27T00:00:00Z");  // 03-03 in UTC+8, late
  reg("2026-03-03T15:00:00Z", "2026-03-03T14:00:00Z");  // 03-03 23:00 in UTC+8, on time
  reg("2026-04-02T00:00:00Z", "2026-04-01T00:00:00Z");  // after the period
  {
    testing::RawDb raw(dir / "node.db");
    REQUIRE(
        raw.Exec(
            "INSERT INTO rejections(batch_id, origin, event_id, rule, field, reason, at) VALUES "
            "('b', '110105', '110105:9', 'R2', 'channel', 'x', strftime('%s', "
            "'2026-03-04T10:00:00Z')),"
            "('b', '110105', '110105:10', 'R3', 'summary', 'x', strftime('%s', "
            "'2026-03-02T16:00:00Z'))") == SQLITE_OK);
  }
  conformance::Options o;
  o.since = At("2026-03-01T00:00:00Z");
  o.until = At("2026-04-01T00:00:00Z");
  o.now = o.until;
  o.node_id = "110105";
  auto db = sql::Db::OpenReadOnly(dir / "node.db");
  REQUIRE(db.ok());
  auto r = conformance::Compute(*db, Book(), o);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  REQUIRE(r->days.size() == 3);
  CHECK(r->days[0].day == Date{2026, 3, 2});
  CHECK(r->days[0].events == 1);
  CHECK(r->days[0].late == 0);
  CHECK(r->days[0].rejections == 0);
  CHECK(r->days[1].day == Date{2026, 3, 3});
  CHECK(r->days[1].events == 2);
  CHECK(r->days[1].late == 1);
  CHECK(r->days[1].rejections == 1);  // 16:00Z is midnight in UTC+8
  CHECK(r->days[2].day == Date{2026, 3, 4});
  CHECK(r->days[2].events == 0);
  CHECK(r->days[2].rejections == 1);
}

TEST_CASE(
    "api: / and /report.html need no token, are HTML with a CSP, and /v1/conformance stays JSON") {
  TempDir dir;
  ManualClock clock(At("2026-03-10T00:00:00Z"));
  auto opened = Store::Open(dir / "xfnode.db", clock);
  REQUIRE(opened.ok());
  auto store = std::move(opened).value();
  auto fresh = testing::ValidCase();
  fresh.received_date = Date{2026, 3, 10};  // received today: nothing is due yet
  REQUIRE(store->RegisterCase(fresh, "110100", "").ok());
  clock.Set(At("2026-03-10T01:00:00Z"));  // the period ends now, exclusive
  NodeConfig config;
  config.node_id = "110100";
  config.name = "北京市市辖区信访局";
  config.tier = Tier::kCity;
  config.data_dir = dir.path();
  for (const char* id : {"110105", "110108"}) {
    PeerConfig child;
    child.id = id;
    child.url = "https://127.0.0.1:9";
    config.children.push_back(child);
  }
  BlobStore blobs(dir / "blobs");
  Api api(ApiContext{config, Book(), *store, blobs, clock, "token"});
  auto get = [&](const std::string& target, bool with_token) {
    exchange::HttpRequest req;
    req.method = "GET";
    req.target = target;
    req.peer = "127.0.0.1:50000";
    if (with_token) req.headers["authorization"] = "Bearer token";
    return api.Handle(req);
  };

  const auto report = get("/report.html", false);
  REQUIRE(report.status == 200);
  CHECK(report.content_type == "text/html; charset=utf-8");
  CHECK(report.headers.at("Content-Security-Policy") == html::ContentSecurityPolicy());
  CHECK(report.headers.at("X-Content-Type-Options") == "nosniff");
  CHECK(Has(report.body,
            "<tr data-jurisdiction=\"110105\" data-score=\"90\" data-light=\"green\" "
            "data-kind=\"subtree\">"));
  CHECK(Has(report.body,
            "<tr data-jurisdiction=\"110100\" data-score=\"100\" data-light=\"green\" "
            "data-kind=\"origin\">"));
  CHECK(get("/report.html?since=2026-03-01", false).status == 200);
  CHECK(get("/report.html?since=March", false).status == 400);

  const auto status = get("/", false);
  REQUIRE(status.status == 200);
  CHECK(status.headers.at("Content-Security-Policy") == html::ContentSecurityPolicy());
  CHECK(Has(status.body, "<a id=\"report-link\" href=\"/report.html\">"));
  CHECK(
      Has(status.body,
          "<tr data-peer=\"110105\" data-role=\"child\" data-pending=\"0\" data-delivered=\"0\""));
  CHECK(Has(status.body, "<section id=\"gaps\" data-count=\"0\">"));
  CHECK(Has(status.body, "<section id=\"recent-rejections\" data-count=\"0\">"));
  CHECK(Has(status.body, "110100 北京市市辖区"));

  CHECK(get("/v1/conformance", false).status == 401);
  const auto json = get("/v1/conformance", true);
  CHECK(json.status == 200);
  CHECK(json.content_type == "application/json");
}

}  // namespace
}  // namespace xf::node

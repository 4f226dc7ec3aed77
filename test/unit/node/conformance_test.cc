// node/conformance.h: the conformance report over a database built through
// the real Store — received batches from two children (one misbehaving, one
// well-behaved) and a local case — with every count, percentile, rate and
// score worked out by hand below.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "exchange/batch.h"
#include "node/api.h"
#include "node/blobs.h"
#include "node/conformance.h"
#include "node/store.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::At;
using testing::Book;
using testing::TempDir;
using testing::ValidCase;

const std::string kSelf = "110100";
const std::string kBad = "110105";   // late, rejected, gaps, outdated codes, …
const std::string kGood = "110108";  // keeps every rule

schema::Event Base(const std::string& origin, std::uint64_t seq, const std::string& case_id, schema::EventKind kind,
                   const char* occurred) {
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = kind;
  e.occurred_at = At(occurred);
  e.recorded_at = e.occurred_at;
  e.actor = "张敏";
  return e;
}

schema::Event Reg(const std::string& origin, std::uint64_t seq, const std::string& case_id, const char* occurred,
                  Date due, const std::string& category = "010101", const std::string& initial = "") {
  auto e = Base(origin, seq, case_id, schema::EventKind::kRegistration, occurred);
  auto c = ValidCase();
  c.case_id = case_id;
  c.received_date = e.occurred_at.ToDate();  // received the day it was registered (UTC+8)
  c.registering_body = origin;
  c.registered_at = e.occurred_at;
  c.content_category = category;
  c.due_date = due;
  c.repeat = !initial.empty();
  c.initial_case_id = initial;
  e.body = c;
  return e;
}

schema::Event Accept(const std::string& origin, std::uint64_t seq, const std::string& case_id, const char* occurred) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kAcceptance, occurred);
  e.body = schema::Acceptance{"1", origin, ""};
  return e;
}

schema::Event Handle(const std::string& origin, std::uint64_t seq, const std::string& case_id, const char* occurred,
                     const std::string& method) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kHandling, occurred);
  schema::Handling h;
  h.method = method;
  h.body = origin;
  e.body = h;
  return e;
}

schema::Event Close(const std::string& origin, std::uint64_t seq, const std::string& case_id, const char* occurred) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kClosure, occurred);
  e.body = schema::Closure{origin, "办结"};
  return e;
}

schema::Event Evaluate(const std::string& origin, std::uint64_t seq, const std::string& case_id, const char* occurred,
                       const std::string& value) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kEvaluation, occurred);
  schema::Evaluation v;
  v.value = value;
  e.body = v;
  return e;
}

struct Received {
  schema::Event event;
  schema::Violations violations = {};
};

// Applies an "up" batch from `origin` at the clock's time; returns its receipt status.
std::string Apply(Store& store, ManualClock& clock, const char* at, const std::string& origin, std::uint64_t seq,
                  std::vector<Received> events, const std::string& code_version) {
  clock.Set(At(at));
  Store::Incoming in;
  in.header.origin = origin;
  in.header.stream = std::string(exchange::kUpStream);
  in.header.seq = seq;
  in.header.batch_id = exchange::MakeBatchId(origin, in.header.stream, seq);
  in.header.destination = std::string(exchange::kRootNode);
  in.header.created = At(at);
  in.header.code_version = code_version;
  in.header.record_count = events.size();
  in.bytes = "bytes of " + in.header.batch_id;
  in.signature = "sig";
  in.received_from = origin;
  for (auto& r : events) {
    const std::string xml = schema::EventToXml(r.event);
    in.events.push_back({std::move(r.event), xml, std::move(r.violations)});
  }
  auto receipt = store.ApplyBatch(in, kSelf);
  REQUIRE_MESSAGE(receipt.ok(), receipt.error().message);
  return receipt->status;
}

const conformance::Tally& Find(const std::vector<conformance::Tally>& list, const std::string& id) {
  for (const auto& t : list) {
    if (t.id == id) return t;
  }
  FAIL("no tally for " << id);
  throw 0;
}

// Builds the database described at the top of the file.
void Populate(Store& store, ManualClock& clock) {
  const std::string v = Book().Version();
  const std::string a = "110105-2026-0000001", b = "110105-2026-0000002", c = "110105-2026-0000003";
  // 110105 #1: A 12 h late, B (涉法涉诉) exactly 24 h (not over), C a repeat of an
  // unknown case 72 h late; seq 4 rejected on R2.
  CHECK(Apply(store, clock, "2026-03-02T00:00:00Z", kBad, 1,
              {{Reg(kBad, 1, a, "2026-03-01T12:00:00Z", Date{2026, 3, 20})},
               {Reg(kBad, 2, b, "2026-03-01T00:00:00Z", Date{2026, 5, 30}, "090101")},
               {Reg(kBad, 3, c, "2026-02-27T00:00:00Z", Date{2026, 4, 10}, "010101", "110105-2025-0000009")},
               {Reg(kBad, 4, "110105-2026-0000004", "2026-03-01T00:00:00Z", Date{2026, 4, 10}),
                {{"R2", "content_category", "not a code", ""}}}},
              v) == "applied");
  // 110105 #2, written against an old code-table version: A accepted in
  // time but sent 10 days late, B accepted late and handled the ordinary
  // way, A closed before its due date and rated 不满意; seq 10 is an orphan (R6).
  CHECK(Apply(store, clock, "2026-03-20T00:00:00Z", kBad, 2,
              {{Accept(kBad, 6, a, "2026-03-10T00:00:00Z")},
               {Accept(kBad, 7, b, "2026-03-19T00:00:00Z")},
               {Handle(kBad, 8, b, "2026-03-19T12:00:00Z", "010200")},
               {Close(kBad, 9, a, "2026-03-19T00:00:00Z")},
               {Evaluate(kBad, 11, a, "2026-03-19T06:00:00Z", "3")},
               {Handle(kBad, 10, "110105-2026-0009999", "2026-03-19T00:00:00Z", "010200")}},
              "xf-codes-2025.9") == "applied");
  // 110105 #4 arrives before #3: held, a gap since 04-01.
  CHECK(Apply(store, clock, "2026-04-01T00:00:00Z", kBad, 4,
              {{Accept(kBad, 20, c, "2026-03-31T00:00:00Z")}}, v) == "held");

  const std::string e = "110108-2026-0000001", f = "110108-2026-0000002", g = "110108-2026-0000003",
                    h = "110108-2026-0000004";
  CHECK(Apply(store, clock, "2026-03-05T00:00:00Z", kGood, 1,
              {{Reg(kGood, 1, e, "2026-03-04T20:00:00Z", Date{2026, 4, 1})},
               {Reg(kGood, 2, f, "2026-03-04T21:00:00Z", Date{2026, 6, 1}, "090104")}},
              v) == "applied");
  CHECK(Apply(store, clock, "2026-03-06T00:00:00Z", kGood, 2,
              {{Accept(kGood, 3, e, "2026-03-05T22:00:00Z")}, {Accept(kGood, 4, f, "2026-03-05T23:00:00Z")}},
              v) == "applied");
  // E closed on 03-31 in UTC+8 (due 04-01), rated 21 (provincial 满意 → 非常满意);
  // F directed into legal procedure; G a repeat of E, which is known.
  CHECK(Apply(store, clock, "2026-03-31T00:00:00Z", kGood, 3,
              {{Close(kGood, 5, e, "2026-03-30T23:00:00Z")},
               {Evaluate(kGood, 6, e, "2026-03-30T23:30:00Z", "21")},
               {Handle(kGood, 7, f, "2026-03-30T22:00:00Z", "070100")},
               {Reg(kGood, 8, g, "2026-03-30T20:00:00Z", Date{2026, 6, 1}, "010101", e)},
               {Accept(kGood, 9, g, "2026-03-30T21:00:00Z")}},
              v) == "applied");
  // H names an unknown initial case but is still inside the grace window.
  CHECK(Apply(store, clock, "2026-04-29T12:00:00Z", kGood, 4,
              {{Evaluate(kGood, 10, f, "2026-04-29T11:00:00Z", "2")},
               {Reg(kGood, 11, h, "2026-04-29T10:00:00Z", Date{2026, 6, 1}, "010101", "110108-2025-0000001")}},
              v) == "applied");

  // A local case: received and registered on 03-10, accepted an hour later.
  clock.Set(At("2026-03-10T00:00:00Z"));
  auto c0 = ValidCase();
  c0.received_date = Date{2026, 3, 10};
  c0.due_date = Date{2026, 6, 1};
  auto reg = store.RegisterCase(c0, kSelf, "王晓梅");
  REQUIRE_MESSAGE(reg.ok(), reg.error().message);
  clock.Set(At("2026-03-10T02:00:00Z"));
  auto acc = Accept(kSelf, 0, reg->case_id, "2026-03-10T01:00:00Z");
  acc.origin.clear();
  auto appended = store.AppendEvent(acc, kSelf);
  REQUIRE_MESSAGE(appended.ok(), appended.error().message);
}

conformance::Options Opts() {
  conformance::Options o;
  o.since = At("2026-03-01T00:00:00Z");
  o.now = At("2026-04-30T00:00:00Z");
  o.node_id = kSelf;
  o.children = {kBad, kGood};
  return o;
}

TEST_CASE("conformance: counts, percentiles, rates and scores per origin and subtree") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T00:00:00Z"));
  auto opened = Store::Open(dir / "node.db", clock);
  REQUIRE_MESSAGE(opened.ok(), opened.error().message);
  auto store = std::move(opened).value();
  Populate(*store, clock);

  // Read-only, from the file, while the store holds it open.
  auto report = conformance::ComputeFromFile(dir / "node.db", Book(), Opts());
  REQUIRE_MESSAGE(report.ok(), report.error().message);
  const auto& r = *report;
  CHECK(r.until == At("2026-04-30T00:00:01Z"));  // the end of the current second
  REQUIRE(r.origins.size() == 3);
  REQUIRE(r.subtrees.size() == 2);

  SUBCASE("overdue clocks as of now, whatever the period") {
    // C (received 02-27, its acceptance still held behind the gap): neither
    // transferred nor decided by 02-27 + 15 = Saturday 03-14, moved to Monday
    // 03-16 (民法典 art. 203). Not accepted, so no handling clock; every other
    // case was decided in time, and none accepted is past its 60 days.
    CHECK(r.overdue_totals.at("route") == 1);
    CHECK(r.overdue_totals.at("accept_notice") == 1);
    CHECK(r.overdue_totals.at("handle") == 0);
    CHECK(r.overdue_totals.at("review_decision") == 0);
    CHECK(r.overdue_totals.at("rereview_decision") == 0);
    REQUIRE(r.overdue.size() == 2);
    for (const auto& x : r.overdue) {
      CHECK(x.case_id == "110105-2026-0000003");
      CHECK(x.origin == kBad);
      CHECK(x.start == Date{2026, 2, 27});
      CHECK(x.due == Date{2026, 3, 16});
      CHECK(x.days_over == 45);
    }
    CHECK(r.overdue[0].clock == "route");
    CHECK(r.overdue[1].clock == "accept_notice");
  }

  SUBCASE("the misbehaving origin") {
    const auto& t = Find(r.origins, kBad);
    CHECK(t.events_received == 8);
    CHECK(t.registrations == 3);
    CHECK(t.batches_received == 3);
    CHECK(t.rejections.at("R2") == 1);
    CHECK(t.rejections.at("R6") == 1);
    CHECK(t.rejections.at("R1") == 0);
    CHECK(t.rejections_total == 2);
    CHECK(t.repeat_without_initial == 1);
    // lateness: 12h 12h 18h 24h 24h 24h 72h 240h
    CHECK(t.lateness.events == 8);
    CHECK(t.lateness.p50 == 86400);
    CHECK(t.lateness.p95 == 864000);
    CHECK(t.lateness.max == 864000);
    CHECK(t.lateness.over_bound == 2);
    CHECK(t.open_gaps == 1);
    CHECK(t.oldest_gap_seconds == 29 * 86400);
    CHECK(t.outdated_code_batches == 1);
    CHECK(t.legal_cases_handled == 1);
    CHECK(t.legal_not_directed == 1);
    // A, B and C were received 03-01, 03-01 and 02-27: each decision fell due on
    // Monday 03-16; only A's came by then (03-10; B 03-19; C none here).
    CHECK(t.timely_acceptance.numerator == 1);
    CHECK(t.timely_acceptance.denominator == 3);
    CHECK(t.timely_routing.numerator == 1);  // the same days: A's acceptance disposed of it
    CHECK(t.timely_routing.denominator == 3);
    // A accepted 03-10 is due 05-09 (a make-up working day), B 03-19 on 05-18: not yet.
    CHECK(t.on_time_completion.denominator == 0);
    CHECK(t.satisfaction_handler.numerator == 0);  // A rated 不满意 on 03-19
    CHECK(t.satisfaction_handler.denominator == 1);
    CHECK(t.satisfaction_bureau.denominator == 0);
    CHECK(t.participation_handler.numerator == 1);  // A, closed 03-19, was evaluated
    CHECK(t.participation_handler.denominator == 1);
    CHECK(t.participation_bureau.numerator == 0);  // but not its petition bureau's work
    CHECK(t.participation_bureau.denominator == 1);
    // 100 − (5 + 3.33 + 6.25 + 5 + 1.67 + 5 + 3.33)
    CHECK(t.score == doctest::Approx(70.4));
    CHECK(t.deductions.at("rejections") == doctest::Approx(5.0));
    CHECK(t.deductions.at("lateness") == doctest::Approx(6.3));
    CHECK(t.deductions.count("silent") == 0);

    const auto& s = Find(r.subtrees, kBad);
    CHECK(s.events_received == 8);
    CHECK(s.lateness.p95 == 864000);
    CHECK(s.silent);  // last batch 04-01, 29 days ago
    CHECK(s.score == doctest::Approx(60.4));
  }

  SUBCASE("the well-behaved origin scores 100") {
    const auto& t = Find(r.origins, kGood);
    CHECK(t.events_received == 11);
    CHECK(t.registrations == 4);
    CHECK(t.batches_received == 4);
    CHECK(t.rejections_total == 0);
    CHECK(t.repeat_without_initial == 0);  // G's initial is known; H is inside the grace window
    CHECK(t.lateness.p50 == 7200);
    CHECK(t.lateness.p95 == 14400);
    CHECK(t.lateness.max == 14400);
    CHECK(t.lateness.over_bound == 0);
    CHECK(t.open_gaps == 0);
    CHECK(t.outdated_code_batches == 0);
    CHECK(t.legal_cases_handled == 1);
    CHECK(t.legal_not_directed == 0);
    // E and F received 03-05 (due Friday 03-20), G 03-31 (due 04-15): all decided
    // within a day; H (04-29) is due only 05-14.
    CHECK(t.timely_acceptance.numerator == 3);
    CHECK(t.timely_acceptance.denominator == 3);
    CHECK(t.timely_routing.numerator == 3);
    CHECK(t.timely_routing.denominator == 3);
    CHECK(t.on_time_completion.denominator == 0);  // E's 60 days end 05-06 (after 劳动节)
    CHECK(t.satisfaction_handler.numerator == 2);  // 21 maps to 非常满意, 2 is 满意
    CHECK(t.satisfaction_handler.denominator == 2);
    CHECK(t.participation_handler.numerator == 1);  // E closed 03-31, evaluated
    CHECK(t.participation_handler.denominator == 1);
    CHECK(t.score == 100.0);
    CHECK(t.deductions.empty());
    const auto& s = Find(r.subtrees, kGood);
    CHECK_FALSE(s.silent);
    CHECK(s.score == 100.0);
  }

  SUBCASE("the local origin is reported, in no subtree") {
    const auto& t = Find(r.origins, kSelf);
    CHECK(t.events_received == 2);
    CHECK(t.lateness.p50 == 0);
    CHECK(t.lateness.p95 == 3600);
    CHECK(t.timely_acceptance.numerator == 1);
    CHECK(t.timely_acceptance.denominator == 1);
    CHECK(t.score == 100.0);
  }

  SUBCASE("the lists") {
    REQUIRE(r.late_events.size() == 2);
    CHECK(r.late_events[0].event_id == "110105:6");
    CHECK(r.late_events[0].lateness_seconds == 864000);
    CHECK(r.late_events[1].event_id == "110105:3");
    REQUIRE(r.repeats_without_initial.size() == 1);
    CHECK(r.repeats_without_initial[0].case_id == "110105-2026-0000003");
    CHECK(r.repeats_without_initial[0].initial_case_id == "110105-2025-0000009");
    REQUIRE(r.gaps.size() == 1);
    CHECK(r.gaps[0].origin == kBad);
    CHECK(r.gaps[0].next_seq == 3);
    CHECK(r.gaps[0].held == 1);
    REQUIRE(r.outdated_batches.size() == 1);
    CHECK(r.outdated_batches[0].code_version == "xf-codes-2025.9");
    REQUIRE(r.legal_not_directed.size() == 1);
    CHECK(r.legal_not_directed[0].case_id == "110105-2026-0000002");
    REQUIRE(r.rejections.size() == 2);
    CHECK(r.rejections[0].rule == "R2");
    CHECK(r.rejections[0].field == "content_category");
    REQUIRE(r.children.size() == 2);
    CHECK(r.children[1].silent_seconds == 43200);
  }

  SUBCASE("JSON and text") {
    const auto doc = json::parse(conformance::ToJson(r)).as_object();
    CHECK(doc.at("node_id").as_string() == kSelf);
    CHECK(doc.at("bounds").at("timeliness_hours").as_int64() == 24);
    const auto& origins = doc.at("origins").as_array();
    REQUIRE(origins.size() == 3);
    const auto& bad = origins[1].as_object();  // sorted by id: 110100, 110105, 110108
    CHECK(bad.at("id").as_string() == kBad);
    CHECK(bad.at("lateness").at("p95_seconds").as_int64() == 864000);
    CHECK(bad.at("rejections").at("total").as_int64() == 2);
    CHECK(bad.at("rates").at("timely_acceptance").at("denominator").as_int64() == 3);
    CHECK(doc.at("subtrees").as_array()[0].at("silent").as_bool());
    CHECK(doc.at("late_events").as_array().size() == 2);
    CHECK(bad.at("rates").at("timely_routing").at("numerator").as_int64() == 1);
    CHECK(bad.at("rates").at("participation_bureau").at("denominator").as_int64() == 1);
    const auto& overdue = doc.at("overdue").as_object();
    CHECK(overdue.at("totals").at("accept_notice").as_int64() == 1);
    CHECK(overdue.at("totals").at("handle").as_int64() == 0);
    const auto& first = overdue.at("cases").as_array().at(0).as_object();
    CHECK(first.at("clock").as_string() == "route");
    CHECK(first.at("label").as_string() == "登记转送交办");
    CHECK(first.at("start").as_string() == "2026-02-27");
    CHECK(first.at("due").as_string() == "2026-03-16");
    CHECK(first.at("days_over").as_int64() == 45);
    CHECK(doc.at("calendar").at("counting").as_string() == "calendar");
    CHECK(doc.at("calendar").at("years").as_array().size() == 7);
    CHECK(doc.at("calendar").at("unknown_years").as_array().empty());
    const std::string text = conformance::ToText(r, nullptr, true);
    const std::string zh = conformance::ToText(r);
    CHECK(text.find("110105-2026-0000002") != std::string::npos);
    CHECK(text.find("SILENT") != std::string::npos);
    CHECK(zh.find("110105-2026-0000002") != std::string::npos);
    CHECK(zh.find("沉默") != std::string::npos);
    CHECK(zh.find("各来源节点：各项比率") != std::string::npos);
    CHECK(zh.find("超期天数") != std::string::npos);
    CHECK(zh.find(" s\n") == std::string::npos);  // durations in days and hours, never seconds
    // Every table lines up: the rates table's last column is right-aligned, so
    // each of its lines ends at the same display column (CJK headers count two).
    const auto from = text.find("Per origin: the rates");
    REQUIRE(from != std::string::npos);
    std::istringstream lines(text.substr(text.find('\n', from) + 1));
    std::vector<std::size_t> widths;
    for (std::string line; std::getline(lines, line) && !line.empty();) widths.push_back(conformance::DisplayWidth(line));
    REQUIRE(widths.size() == 4);  // the header and three origins
    for (auto w : widths) CHECK(w == widths[0]);
    CHECK(text.find("登记转送交办") != std::string::npos);  // the overdue list names the clock
  }
}

TEST_CASE("conformance: DisplayWidth counts a CJK character as two columns") {
  CHECK(conformance::DisplayWidth("") == 0);
  CHECK(conformance::DisplayWidth("110105") == 6);
  CHECK(conformance::DisplayWidth("及时受理率") == 10);
  CHECK(conformance::DisplayWidth("满意率·信访部门") == 15);  // the middle dot is narrow
  CHECK(conformance::DisplayWidth("（全角）") == 8);
  CHECK(conformance::DisplayWidth("e\xcc\x81") == 1);  // a combining accent takes none
  CHECK(conformance::DisplayWidth("\xff") == 1);
}

TEST_CASE("conformance: a repeat case whose initial case came after the grace window is R4 kept late") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T00:00:00Z"));
  auto opened = Store::Open(dir / "node.db", clock);
  REQUIRE_MESSAGE(opened.ok(), opened.error().message);
  auto store = std::move(opened).value();
  const std::string v = Book().Version();
  const std::string repeat = "110108-2026-0000001", repeat2 = "110108-2026-0000002";
  const std::string initial = "110108-2025-0000007", initial2 = "110108-2026-0000003";
  // R names an initial case that arrives three days later; R2's initial
  // comes in the same batch, right after it (in time).
  CHECK(Apply(*store, clock, "2026-03-02T00:00:00Z", kGood, 1,
              {{Reg(kGood, 1, repeat, "2026-03-01T20:00:00Z", Date{2026, 5, 1}, "010101", initial)},
               {Reg(kGood, 2, repeat2, "2026-03-01T21:00:00Z", Date{2026, 5, 1}, "010101", initial2)},
               {Reg(kGood, 3, initial2, "2026-02-20T21:00:00Z", Date{2026, 4, 20})}},
              v) == "applied");
  CHECK(Apply(*store, clock, "2026-03-05T00:00:00Z", kGood, 2,
              {{Reg(kGood, 4, initial, "2025-12-20T00:00:00Z", Date{2026, 2, 20})}}, v) == "applied");

  auto report = conformance::ComputeFromFile(dir / "node.db", Book(), Opts());
  REQUIRE_MESSAGE(report.ok(), report.error().message);
  CHECK(Find(report->origins, kGood).repeat_resolved_late == 1);
  CHECK(Find(report->origins, kGood).repeat_without_initial == 0);
  CHECK(Find(report->subtrees, kGood).repeat_resolved_late == 1);
  REQUIRE(report->repeats_resolved_late.size() == 1);
  CHECK(report->repeats_resolved_late[0].case_id == repeat);
  CHECK(report->repeats_resolved_late[0].initial_case_id == initial);
  CHECK(report->repeats_resolved_late[0].stored_at == At("2026-03-02T00:00:00Z"));
  CHECK(report->repeats_resolved_late[0].initial_stored_at == At("2026-03-05T00:00:00Z"));
  const auto json = conformance::ToJson(*report);
  CHECK(json.find("\"repeat_resolved_late\":1") != std::string::npos);
  CHECK(json.find("\"initial_stored_at\":\"2026-03-05T00:00:00Z\"") != std::string::npos);
}

TEST_CASE("conformance: a shorter period leaves earlier events out; an empty database reports nothing") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T00:00:00Z"));
  auto opened = Store::Open(dir / "node.db", clock);
  REQUIRE(opened.ok());
  auto store = std::move(opened).value();
  {
    auto empty = conformance::ComputeFromFile(dir / "node.db", Book(), Opts());
    REQUIRE(empty.ok());
    CHECK(empty->origins.empty());
    REQUIRE(empty->subtrees.size() == 2);
    CHECK(empty->subtrees[0].silent);  // never heard from
  }
  Populate(*store, clock);
  auto o = Opts();
  o.since = At("2026-04-01T00:00:00Z");
  auto report = conformance::ComputeFromFile(dir / "node.db", Book(), o);
  REQUIRE(report.ok());
  const auto& good = Find(report->origins, kGood);
  CHECK(good.events_received == 2);   // only batch #4
  CHECK(good.satisfaction_handler.denominator == 1);
  CHECK(good.timely_acceptance.denominator == 1);  // G's decision fell due on 04-14
  CHECK(conformance::ComputeFromFile(dir / "missing.db", Book(), o).error().code == Errc::kNotFound);
}

TEST_CASE("conformance: OptionsFor takes bounds, children and the period from the config") {
  NodeConfig config;
  config.node_id = kSelf;
  for (const auto& id : {kBad, kGood}) {
    PeerConfig child;
    child.id = id;
    config.children.push_back(child);
  }
  config.timeliness_bound_hours = 12;
  config.repeat_grace_hours = 0;
  config.conformance.silent_hours = 6;
  config.conformance.period_days = 7;
  config.conformance.max_listed = 1;
  const auto o = conformance::OptionsFor(config, At("2026-04-30T00:00:00Z"));
  CHECK(o.node_id == kSelf);
  CHECK(o.children == std::vector<std::string>{kBad, kGood});
  CHECK(o.timeliness_hours == 12);
  CHECK(o.repeat_grace_hours == 0);
  CHECK(o.silent_hours == 6);
  CHECK(o.period_days == 7);
  CHECK(o.max_listed == 1);
  CHECK(o.now == At("2026-04-30T00:00:00Z"));
  CHECK(o.since.seconds == 0);  // Compute takes the period back from until

  TempDir dir;
  ManualClock clock(At("2026-03-01T00:00:00Z"));
  auto opened = Store::Open(dir / "node.db", clock);
  REQUIRE(opened.ok());
  auto store = std::move(opened).value();
  Populate(*store, clock);
  auto report = conformance::ComputeFromFile(dir / "node.db", Book(), o);
  REQUIRE(report.ok());
  CHECK(report->since == At("2026-04-23T00:00:01Z"));
  CHECK(report->silent_hours == 6);
  CHECK(report->late_events.size() <= 1);
  CHECK(Find(report->subtrees, kGood).silent);  // its last batch, 04-29 12:00, is 12 h old
}

TEST_CASE("conformance: what was stored in the current second is in the default period") {
  TempDir dir;
  ManualClock clock(At("2026-03-10T00:00:00Z"));
  auto opened = Store::Open(dir / "node.db", clock);
  REQUIRE(opened.ok());
  auto store = std::move(opened).value();
  REQUIRE(store->RegisterCase(ValidCase(), kSelf, "王晓梅").ok());
  conformance::Options o;
  o.now = clock.Now();  // the same second
  o.node_id = kSelf;
  auto report = conformance::ComputeFromFile(dir / "node.db", Book(), o);
  REQUIRE(report.ok());
  REQUIRE(report->origins.size() == 1);
  CHECK(report->origins[0].events_received == 1);
}

TEST_CASE("conformance: scores and rates in the JSON are plain decimals") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T00:00:00Z"));
  auto opened = Store::Open(dir / "node.db", clock);
  REQUIRE(opened.ok());
  auto store = std::move(opened).value();
  Populate(*store, clock);
  auto report = conformance::ComputeFromFile(dir / "node.db", Book(), Opts());
  REQUIRE(report.ok());
  const std::string text = conformance::ToJson(*report);
  CHECK(text.find(R"("score":70.4)") != std::string::npos);
  CHECK(text.find(R"("score":100.0)") != std::string::npos);
  CHECK(text.find(R"("value":0.3333)") != std::string::npos);  // 及时受理率 of 110105: 1/3
  CHECK(text.find(R"("lateness":6.3)") != std::string::npos);
  for (const char* exponent : {"E1", "E2", "E-", "e+", "e-"}) CHECK(text.find(exponent) == std::string::npos);
}

TEST_CASE("conformance: GET /v1/conformance serves the JSON, behind the bearer token") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T00:00:00Z"));
  auto opened = Store::Open(dir / "xfnode.db", clock);
  REQUIRE(opened.ok());
  auto store = std::move(opened).value();
  Populate(*store, clock);
  clock.Set(At("2026-04-30T00:00:00Z"));
  NodeConfig config;
  config.node_id = kSelf;
  config.data_dir = dir.path();
  for (const auto& id : {kBad, kGood}) {
    PeerConfig child;
    child.id = id;
    config.children.push_back(child);
  }
  BlobStore blobs(dir / "blobs");
  Api api(ApiContext{config, Book(), *store, blobs, clock, "token"});
  exchange::HttpRequest req;
  req.method = "GET";
  req.target = "/v1/conformance?since=2026-03-01";
  req.peer = "127.0.0.1:50000";
  CHECK(api.Handle(req).status == 401);
  req.headers["authorization"] = "Bearer token";
  const auto res = api.Handle(req);
  REQUIRE(res.status == 200);
  CHECK(res.content_type == "application/json");
  const auto doc = json::parse(res.body).as_object();
  CHECK(doc.at("since").as_string() == "2026-02-28T16:00:00Z");  // 2026-03-01 in UTC+8
  CHECK(doc.at("subtrees").as_array().size() == 2);
  CHECK(doc.at("origins").as_array()[2].at("score").as_double() == 100.0);
  req.target = "/v1/conformance?since=yesterday";
  CHECK(api.Handle(req).status == 400);
}

}  // namespace
}  // namespace xf::node

namespace xf::node {
namespace {

TEST_CASE("conformance: a database of schema 14 gets the repeat and legal-procedure facts from its events") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T00:00:00Z"));
  std::string before;
  {
    auto opened = Store::Open(dir / "node.db", clock);
    REQUIRE_MESSAGE(opened.ok(), opened.error().message);
    Populate(**opened, clock);
    auto report = conformance::ComputeFromFile(dir / "node.db", Book(), Opts());
    REQUIRE_MESSAGE(report.ok(), report.error().message);
    before = conformance::ToJson(*report);
  }
  testing::RawDb raw(dir / "node.db");
  // Written with the events: the repeats (G of E; H and 110105's third name cases
  // not held), F directed into legal procedure.
  CHECK(raw.Scalar("SELECT group_concat(case_id || '>' || initial, ' ') FROM "
                   "(SELECT * FROM repeat_registrations ORDER BY case_id)") ==
        "110105-2026-0000003>110105-2025-0000009 110108-2026-0000003>110108-2026-0000001 "
        "110108-2026-0000004>110108-2025-0000001");
  CHECK(raw.Scalar("SELECT group_concat(case_id) FROM legal_procedure_cases") == "110108-2026-0000002");
  const std::string repeats = raw.Scalar("SELECT group_concat(case_id || origin || stored_at || initial) FROM "
                                         "(SELECT * FROM repeat_registrations ORDER BY case_id)");
  // Back to schema 14, as an older xfnode left it.
  REQUIRE(raw.Exec("DROP TABLE repeat_registrations; DROP TABLE legal_procedure_cases; "
                   "CREATE INDEX events_repeats ON events(stored_at) WHERE kind = 'registration' "
                   "AND instr(CAST(xml AS TEXT), '<repeat>true</repeat>') > 0; PRAGMA user_version = 14") ==
        SQLITE_OK);
  {
    auto opened = Store::Open(dir / "node.db", clock);
    REQUIRE_MESSAGE(opened.ok(), opened.error().message);
    CHECK((*opened)->Stats().schema_version == Store::LatestSchemaVersion());
  }
  CHECK(raw.Scalar("SELECT group_concat(case_id || origin || stored_at || initial) FROM "
                   "(SELECT * FROM repeat_registrations ORDER BY case_id)") == repeats);
  CHECK(raw.Scalar("SELECT group_concat(case_id) FROM legal_procedure_cases") == "110108-2026-0000002");
  CHECK(raw.Scalar("SELECT count(*) FROM sqlite_master WHERE name = 'events_repeats'") == "0");
  auto report = conformance::ComputeFromFile(dir / "node.db", Book(), Opts());
  REQUIRE_MESSAGE(report.ok(), report.error().message);
  CHECK(conformance::ToJson(*report) == before);
}

}  // namespace
}  // namespace xf::node

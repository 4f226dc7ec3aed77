// node/conformance.h, the national report's drill-down: a national node's
// database built through the real Store with origins at every level (a
// province, a county and its department, a second county, a county of
// another province), read as the tree national → province → city → county
// → origin; paging and search; monthly trends; traffic lights that turn red
// or amber on overdue cases; the children's signed accounts beside this
// node's own computation; every cut list with how many more. Every figure
// is worked out by hand in the comments.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "exchange/batch.h"
#include "exchange/routing.h"
#include "node/api.h"
#include "node/blobs.h"
#include "node/conformance.h"
#include "node/conformance_html.h"
#include "node/store.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace json = boost::json;
using testing::At;
using testing::Book;
using testing::TempDir;
using testing::ValidCase;

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

schema::Event Base(const std::string& origin, std::uint64_t seq, const std::string& case_id,
                   schema::EventKind kind, const char* occurred) {
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

schema::Event Reg(const std::string& origin, std::uint64_t seq, const std::string& case_id,
                  const char* occurred) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kRegistration, occurred);
  auto c = ValidCase();
  c.case_id = case_id;
  c.received_date = e.occurred_at.ToDate();
  c.registering_body = origin;
  c.registered_at = e.occurred_at;
  c.due_date = Date{2026, 12, 31};
  e.body = c;
  return e;
}

schema::Event Accept(const std::string& origin, std::uint64_t seq, const std::string& case_id,
                     const char* occurred) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kAcceptance, occurred);
  e.body = schema::Acceptance{"1", origin, ""};
  return e;
}

// An "up" batch of `origin` stored at `at`, received from `via`.
void Apply(Store& store, ManualClock& clock, const char* at, const std::string& origin,
           const std::string& via, std::uint64_t seq, std::vector<schema::Event> events) {
  clock.Set(At(at));
  Store::Incoming in;
  in.header.origin = origin;
  in.header.stream = std::string(exchange::kUpStream);
  in.header.seq = seq;
  in.header.batch_id = exchange::MakeBatchId(origin, in.header.stream, seq);
  in.header.destination = std::string(exchange::kRootNode);
  in.header.created = At(at);
  in.header.code_version = Book().Version();
  in.header.record_count = events.size();
  in.bytes = "bytes of " + in.header.batch_id;
  in.signature = "sig";
  in.received_from = via;
  for (auto& e : events) {
    const std::string xml = schema::EventToXml(e);
    in.events.push_back({std::move(e), xml, {}});
  }
  auto receipt = store.ApplyBatch(in, "100000");
  REQUIRE_MESSAGE(receipt.ok(), receipt.error().message);
  REQUIRE(receipt->status == "applied");
}

schema::Event Decline(const std::string& origin, std::uint64_t seq, const std::string& case_id,
                      const char* occurred) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kAcceptance, occurred);
  e.body = schema::Acceptance{"2", origin, "不予受理"};
  return e;
}

// The national database (each batch stored an hour after its events, but F's):
//   110108     D received 2025-12-10, declined (不予受理) 12-12: before the
//              period, only in the trends; C received 04-01, accepted 04-02.
//   110105     A received 03-02, accepted 03-05; B received 03-02, never
//              decided: its 受理告知 and 转送交办 clocks ran out on 03-17,
//              44 days before now.
//   120101     G received 04-01, never decided (due 04-16: 14 days over);
//              E received 04-20 (due 05-05: not yet).
//   110105.GAJ H received 04-10, accepted 04-11.
//   110000     F received 04-15, accepted 04-16, both stored 04-17 01:00: the
//              registration 47 h late (over the 24 h bound), the acceptance 23 h.
void Populate(Store& store, ManualClock& clock) {
  Apply(store, clock, "2025-12-10T03:00:00Z", "110108", "110000", 1,
        {Reg("110108", 1, "110108-2025-0000001", "2025-12-10T02:00:00Z")});
  Apply(store, clock, "2025-12-12T02:00:00Z", "110108", "110000", 2,
        {Decline("110108", 2, "110108-2025-0000001", "2025-12-12T01:00:00Z")});
  Apply(store, clock, "2026-03-02T03:00:00Z", "110105", "110000", 1,
        {Reg("110105", 1, "110105-2026-0000001", "2026-03-02T02:00:00Z"),
         Reg("110105", 2, "110105-2026-0000002", "2026-03-02T02:00:00Z")});
  Apply(store, clock, "2026-03-05T03:00:00Z", "110105", "110000", 2,
        {Accept("110105", 3, "110105-2026-0000001", "2026-03-05T02:00:00Z")});
  Apply(store, clock, "2026-04-01T03:00:00Z", "110108", "110000", 3,
        {Reg("110108", 3, "110108-2026-0000001", "2026-04-01T02:00:00Z")});
  Apply(store, clock, "2026-04-01T03:30:00Z", "120101", "120000", 1,
        {Reg("120101", 1, "120101-2026-0000001", "2026-04-01T02:00:00Z")});
  Apply(store, clock, "2026-04-02T03:00:00Z", "110108", "110000", 4,
        {Accept("110108", 4, "110108-2026-0000001", "2026-04-02T02:00:00Z")});
  Apply(store, clock, "2026-04-10T03:00:00Z", "110105.GAJ", "110000", 1,
        {Reg("110105.GAJ", 1, "110105.GAJ-2026-0000001", "2026-04-10T02:00:00Z")});
  Apply(store, clock, "2026-04-11T03:00:00Z", "110105.GAJ", "110000", 2,
        {Accept("110105.GAJ", 2, "110105.GAJ-2026-0000001", "2026-04-11T02:00:00Z")});
  Apply(store, clock, "2026-04-17T01:00:00Z", "110000", "110000", 1,
        {Reg("110000", 1, "110000-2026-0000001", "2026-04-15T02:00:00Z"),
         Accept("110000", 2, "110000-2026-0000001", "2026-04-16T02:00:00Z")});
  Apply(store, clock, "2026-04-20T03:00:00Z", "120101", "120000", 2,
        {Reg("120101", 2, "120101-2026-0000002", "2026-04-20T02:00:00Z")});
}

conformance::Options Opts(const std::string& scope = "") {
  conformance::Options o;
  o.since = At("2026-02-28T16:00:00Z");  // 2026-03-01 in UTC+8
  o.now = At("2026-04-30T00:00:00Z");
  o.node_id = "100000";
  o.children = {"110000", "120000"};
  o.silent_hours = 24 * 60;  // nobody silent here: silence has its own tests
  o.scope = scope;
  o.tree = true;
  return o;
}

struct Db {
  TempDir dir;
  ManualClock clock{At("2025-12-01T00:00:00Z")};
  std::unique_ptr<Store> store;
  Db() {
    auto opened = Store::Open(dir / "xfnode.db", clock);
    REQUIRE_MESSAGE(opened.ok(), opened.error().message);
    store = std::move(opened).value();
    Populate(*store, clock);
  }
  conformance::Report Report(const conformance::Options& o) {
    auto r = conformance::ComputeFromFile(dir / "xfnode.db", Book(), o);
    REQUIRE_MESSAGE(r.ok(), r.error().message);
    return std::move(r).value();
  }
};

const conformance::TreeRow& Row(const conformance::Report& r, const std::string& id) {
  for (const auto& row : r.tree->rows) {
    if (row.tally.id == id) return row;
  }
  FAIL("no row " << id);
  throw 0;
}

std::vector<std::string> RowIds(const conformance::Report& r) {
  std::vector<std::string> out;
  for (const auto& row : r.tree->rows) out.push_back(row.kind + ":" + row.tally.id);
  return out;
}

std::vector<std::string> Listed(const conformance::Report& r) {
  std::vector<std::string> out;
  for (const auto& x : r.tree->listed) out.push_back(x.id);
  return out;
}

TEST_CASE("tree: ParentOf walks up the tree that InSubtree describes") {
  CHECK(conformance::ParentOf("100000").empty());
  CHECK(conformance::ParentOf("110000") == "100000");
  CHECK(conformance::ParentOf("110100") == "110000");
  CHECK(conformance::ParentOf("110105") == "110100");
  CHECK(conformance::ParentOf("110105.GAJ") == "110105");
  CHECK(conformance::ParentOf("110000.GAT") == "110000");
  CHECK(conformance::ParentOf("100000.GAB") == "100000");
  for (const char* id :
       {"110105.GAJ", "110105", "110100", "110000", "419001", "100000.GAB", "110000.GAT"}) {
    CAPTURE(id);
    // Every ancestor holds the id, and nothing else above it does in between.
    for (std::string up = conformance::ParentOf(id); !up.empty(); up = conformance::ParentOf(up)) {
      CHECK(exchange::InSubtree(up, id));
    }
  }
  CHECK_FALSE(exchange::InSubtree(conformance::ParentOf("110105"), "110205"));
}

TEST_CASE("tree: national → province → city → county → origin, each level its rows") {
  Db db;
  SUBCASE("the national page: the provinces") {
    const auto r = db.Report(Opts());
    REQUIRE(r.tree);
    CHECK(r.tree->node == "100000");
    CHECK(r.tree->path == std::vector<std::string>{"100000"});
    // Worst score first: 120000 95 (及时受理率 0/1), 110000 96 (25 × 1/9 late, 5 × 1/4 not decided
    // in time).
    CHECK(RowIds(r) == std::vector<std::string>{"subtree:120000", "subtree:110000"});
    CHECK(Row(r, "120000").tally.score == doctest::Approx(95.0));
    CHECK(Row(r, "110000").tally.score == doctest::Approx(96.0));
    CHECK(Row(r, "110000").origins == 4);
    CHECK(Row(r, "120000").origins == 1);
    // 110000's period: A, B, C, F, H registered and A, C, F, H accepted: 9 events.
    CHECK(Row(r, "110000").tally.events_received == 9);
    CHECK(Row(r, "110000").tally.registrations == 5);
    CHECK(Row(r, "110000").tally.lateness.over_bound == 1);  // F's registration
    CHECK(Row(r, "110000").tally.timely_acceptance.numerator ==
          3);  // A, C, H; not B (F falls due 04-30)
    CHECK(Row(r, "110000").tally.timely_acceptance.denominator == 4);
    CHECK(r.tree->total.events_received == 11);
    CHECK(r.origins.size() == 5);
  }
  SUBCASE("a province: its own records, then its city") {
    const auto r = db.Report(Opts("110000"));
    CHECK(r.scope == "110000");
    CHECK(r.tree->path == std::vector<std::string>{"100000", "110000"});
    CHECK(RowIds(r) == std::vector<std::string>{"self:110000", "subtree:110100"});
    CHECK(Row(r, "110000").tally.events_received == 2);
    CHECK(Row(r, "110100").tally.events_received == 7);
    CHECK(Row(r, "110100").origins == 3);
    // Only the scope's origins are read.
    CHECK(r.origins.size() == 4);
    for (const auto& t : r.origins) CHECK(exchange::InSubtree("110000", t.id));
    CHECK(r.subtrees.size() == 1);  // the configured child 110000 lies within
  }
  SUBCASE("a city: its counties") {
    const auto r = db.Report(Opts("110100"));
    CHECK(r.tree->path == std::vector<std::string>{"100000", "110000", "110100"});
    CHECK(RowIds(r) == std::vector<std::string>{"subtree:110105", "subtree:110108"});
    CHECK(Row(r, "110105").origins == 2);  // the county and its department
  }
  SUBCASE("a county: its own records and its department") {
    const auto r = db.Report(Opts("110105"));
    CHECK(r.tree->path == std::vector<std::string>{"100000", "110000", "110100", "110105"});
    CHECK(RowIds(r) == std::vector<std::string>{"self:110105", "subtree:110105.GAJ"});
    CHECK(Row(r, "110105.GAJ").tally.events_received == 2);
    CHECK(r.subtrees.empty());
  }
  SUBCASE("a department: itself alone") {
    const auto r = db.Report(Opts("110105.GAJ"));
    CHECK(RowIds(r) == std::vector<std::string>{"self:110105.GAJ"});
    CHECK(r.origins.size() == 1);
  }
  SUBCASE("a province node's own page lists an origin outside its subtree apart") {
    auto o = Opts();
    o.node_id = "110000";
    o.children = {"110100"};
    const auto r = db.Report(o);
    CHECK(r.tree->node == "110000");
    CHECK(RowIds(r) == std::vector<std::string>{"self:110000", "subtree:110100", "other:120101"});
    CHECK(r.tree->total.events_received == 9);  // "other" is not in its total
  }
  SUBCASE("a jurisdiction that is not a node id is refused") {
    auto o = Opts("11010X");
    CHECK(conformance::ComputeFromFile(db.dir / "xfnode.db", Book(), o).error().code ==
          Errc::kInvalidArgument);
  }
}

TEST_CASE(
    "tree: traffic lights turn red on a case long overdue and amber on a share of overdue cases") {
  Db db;
  const auto r = db.Report(Opts());
  // B: 受理告知 and 转送交办 due 03-17, 44 days before 04-30.
  const auto& county = *std::find_if(r.origins.begin(), r.origins.end(),
                                     [](const conformance::Tally& t) { return t.id == "110105"; });
  CHECK(county.open_cases == 2);  // A and B: accepted is not closed
  CHECK(county.overdue_cases == 1);
  CHECK(county.overdue_max_days == 44);
  CHECK(county.score == doctest::Approx(97.5));  // its score alone would be green (及时受理率 1/2)…
  CHECK(std::string(conformance::Light(county)) == "red");  // …but a case is 44 days overdue
  CHECK(std::string(conformance::Light(Row(r, "110000").tally)) == "red");
  CHECK(Row(r, "110000").tally.overdue_max_days == 44);
  // 120101: G 14 days over (not red), one of two open cases (50 % ≥ 5 %): amber.
  const auto& other = Row(r, "120000").tally;
  CHECK(other.open_cases == 2);
  CHECK(other.overdue_cases == 1);
  CHECK(other.overdue_max_days == 14);
  CHECK(other.score == doctest::Approx(95.0));  // 及时受理率 0/1: −5
  CHECK(std::string(conformance::Light(other)) == "amber");
  // A green one: nothing overdue, score 100.
  const auto& good = *std::find_if(r.origins.begin(), r.origins.end(),
                                   [](const conformance::Tally& t) { return t.id == "110108"; });
  CHECK(good.open_cases == 2);  // C accepted, D declined: neither closed, neither overdue
  CHECK(good.overdue_cases == 0);
  CHECK(std::string(conformance::Light(good)) == "green");
  // F's late registration: 110000's own records score 87.5 (25 × 1/2), amber.
  const auto& own = *std::find_if(r.origins.begin(), r.origins.end(),
                                  [](const conformance::Tally& t) { return t.id == "110000"; });
  CHECK(own.score == doctest::Approx(87.5));
  CHECK(std::string(conformance::Light(own)) == "amber");

  conformance::Tally t;
  t.score = 95;
  t.open_cases = 100;
  t.overdue_cases = 4;  // 4 % of the open cases, none past 30 days
  t.overdue_max_days = 30;
  CHECK(std::string(conformance::Light(t)) == "green");
  t.overdue_cases = 5;  // 5 %
  CHECK(std::string(conformance::Light(t)) == "amber");
  t.overdue_cases = 1;
  t.overdue_max_days = 31;
  CHECK(std::string(conformance::Light(t)) == "red");
  t.overdue_max_days = 0;
  t.overdue_cases = 0;
  t.score = 69.9;
  CHECK(std::string(conformance::Light(t)) == "red");
  t.score = 89.9;
  CHECK(std::string(conformance::Light(t)) == "amber");
}

TEST_CASE("tree: one page of the origins, searched by id or name, worst first or by id") {
  Db db;
  auto o = Opts("110000");
  o.page_size = 2;
  o.sort = conformance::SortBy::kId;
  auto r = db.Report(o);
  CHECK(r.tree->origins_matched == 4);
  CHECK(r.tree->pages == 2);
  CHECK(Listed(r) == std::vector<std::string>{"110000", "110105"});
  o.page = 2;
  r = db.Report(o);
  CHECK(Listed(r) == std::vector<std::string>{"110105.GAJ", "110108"});
  o.page = 9;  // past the end: the last page
  r = db.Report(o);
  CHECK(r.tree->page == 2);

  o.page = 1;
  o.page_size = 50;
  o.sort = conformance::SortBy::kScore;
  r = db.Report(o);
  // 110000 87.5, 110105 97.5 (及时受理率 1/2), the rest 100, then by id.
  CHECK(Listed(r) == std::vector<std::string>{"110000", "110105", "110105.GAJ", "110108"});

  o.query = "朝阳";  // 110105 朝阳区 and 110105.GAJ 朝阳区所属部门
  r = db.Report(o);
  CHECK(Listed(r) == std::vector<std::string>{"110105", "110105.GAJ"});
  CHECK(r.tree->origins_matched == 2);
  o.query = "gaj";  // ids, case-insensitively
  r = db.Report(o);
  CHECK(Listed(r) == std::vector<std::string>{"110105.GAJ"});
  o.query = "海淀区";
  r = db.Report(o);
  CHECK(Listed(r) == std::vector<std::string>{"110108"});
  o.query = "上海";
  r = db.Report(o);
  CHECK(Listed(r).empty());
  CHECK(r.tree->pages == 1);
}

TEST_CASE("tree: trends per month, from one scan per table") {
  Db db;
  const auto r = db.Report(Opts());
  const auto& months = r.tree->months;
  REQUIRE(months.size() == 12);
  CHECK(months.front() == "2025-05");
  CHECK(months.back() == "2026-04");
  const auto& total = r.tree->trend;
  REQUIRE(total.size() == 12);
  // 2025-12 (index 7): D registered and declined, decided in time (due 12-25).
  CHECK(total[7].events == 2);
  CHECK(total[7].timely_acceptance.numerator == 1);
  CHECK(total[7].timely_acceptance.denominator == 1);
  CHECK(total[7].score == doctest::Approx(100.0));
  // 2026-03 (index 10): A and B registered, A accepted; A's and B's
  // decisions fell due 03-17: A in time, B not. 100 − 5 × 1/2.
  CHECK(total[10].events == 3);
  CHECK(total[10].late == 0);
  CHECK(total[10].timely_acceptance.numerator == 1);
  CHECK(total[10].timely_acceptance.denominator == 2);
  CHECK(*total[10].score == doctest::Approx(97.5));
  // 2026-04 (index 11): C, G, H, F, E registered, C, H, F accepted: 8 events,
  // F's registration late; decisions due in April: C and H in time, G not
  // (F's falls due 04-30, the end of the period). 100 − 25 × 1/8 − 5 × 1/3.
  CHECK(total[11].events == 8);
  CHECK(total[11].late == 1);
  CHECK(total[11].timely_acceptance.numerator == 2);
  CHECK(total[11].timely_acceptance.denominator == 3);
  CHECK(*total[11].score == doctest::Approx(95.2));
  // Months without anything to score have no score.
  CHECK_FALSE(total[0].score.has_value());
  // Per row: 110000 has D's month; 120000 only April.
  CHECK(Row(r, "110000").trend[7].events == 2);
  CHECK(Row(r, "120000").trend[7].events == 0);
  CHECK(Row(r, "120000").trend[11].events == 2);
  // The period leaves D out; the trends do not.
  const auto& d = *std::find_if(r.origins.begin(), r.origins.end(),
                                [](const conformance::Tally& t) { return t.id == "110108"; });
  CHECK(d.events_received == 2);  // C only
  // Listed origins carry their months too.
  bool found = false;
  for (const auto& x : r.tree->listed) {
    if (x.id == "110108") {
      found = true;
      CHECK(x.trend[7].events == 2);
      CHECK(x.trend[11].events == 2);
    }
  }
  CHECK(found);
  // Without the tree: no months are read at all, and the period is the same.
  auto o = Opts();
  o.tree = false;
  const auto flat = db.Report(o);
  CHECK_FALSE(flat.tree);
  CHECK(flat.origins.size() == r.origins.size());
  for (std::size_t i = 0; i < flat.origins.size(); ++i) {
    CHECK(flat.origins[i].events_received == r.origins[i].events_received);
    CHECK(flat.origins[i].timely_acceptance.denominator ==
          r.origins[i].timely_acceptance.denominator);
    CHECK(flat.origins[i].score == r.origins[i].score);
  }
}

TEST_CASE("tree: every cut list says how many it has in all") {
  Db db;
  auto o = Opts();
  o.max_listed = 1;
  const auto r = db.Report(o);
  // Overdue: B's and G's 受理告知 and 转送交办 clocks; one listed per clock.
  CHECK(r.list_totals.at("overdue") == 4);
  CHECK(r.overdue.size() == 2);
  CHECK(r.list_totals.at("late_events") == 1);  // F's registration
  CHECK(r.late_events.size() == 1);
  const std::string page = conformance::ToHtml(r, Book());
  CHECK(Has(page, "<section id=\"overdue\" data-count=\"2\" data-total=\"4\">"));
  CHECK(Has(page, "<p class=\"more\" data-more=\"2\">…还有 2 条</p>"));
  const std::string text = conformance::ToText(r, &Book());
  CHECK(Has(text, "  …2 more\n"));
  const auto doc = json::parse(conformance::ToJson(r)).as_object();
  CHECK(doc.at("list_totals").at("overdue").as_int64() == 4);
}

// A node's signed summary as the store keeps it.
void PutSummary(const TempDir& dir, const std::string& origin, const std::string& text,
                const std::string& signature) {
  testing::RawDb raw(dir / "xfnode.db");
  std::string quoted;
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  REQUIRE(raw.Exec("INSERT INTO summaries(origin, generated, json, signature, received_from, "
                   "stored_at) VALUES ('" +
                   origin + "', strftime('%s', '2026-04-29T23:00:00Z'), '" + quoted + "', X'" +
                   (signature == "good" ? std::string("676f6f64") : std::string("626164")) +
                   "', '" + origin.substr(0, 2) +
                   "0000', strftime('%s', '2026-04-29T23:10:00Z'))") == SQLITE_OK);
}

TEST_CASE("tree: the children's own signed accounts beside this node's computation") {
  Db db;
  // 110000's own account of its subtree: what it computes from the same records.
  auto own = Opts("110000");
  own.tree = false;
  own.node_id = "110000";
  const std::string honest = conformance::ToJson(db.Report(own));
  PutSummary(db.dir, "110000", honest, "good");
  // 120000 reports three times the events it sent, and its signature is not its own.
  auto theirs = Opts("120000");
  theirs.tree = false;
  theirs.node_id = "120000";
  std::string inflated = conformance::ToJson(db.Report(theirs));
  const std::string from = "\"events_received\":2,";
  REQUIRE(Has(inflated, from));
  inflated.replace(inflated.find(from), from.size(), "\"events_received\":6,");
  PutSummary(db.dir, "120000", inflated, "bad");

  auto o = Opts();
  o.verify = [](const std::string&, std::string_view, std::string_view sig) -> std::optional<bool> {
    return sig == "good";
  };
  const auto r = db.Report(o);
  const auto& a = Row(r, "110000").account;
  REQUIRE(a);
  CHECK(a->verified == std::optional<bool>(true));
  CHECK(a->readable);
  CHECK(a->tally.events_received == 9);
  CHECK(a->tally.score == Row(r, "110000").tally.score);
  CHECK(a->tally.overdue_cases == 1);
  CHECK(a->differs.empty());
  CHECK(a->received_from == "110000");
  const auto& b = Row(r, "120000").account;
  REQUIRE(b);
  CHECK(b->verified == std::optional<bool>(false));
  CHECK(b->tally.events_received == 6);
  CHECK(b->differs == std::vector<std::string>{"events_received"});

  // No key known: neither true nor false; and the page of 110000 carries its own account.
  o.verify = [](const std::string&, std::string_view, std::string_view) {
    return std::optional<bool>();
  };
  o.scope = "110000";
  const auto p = db.Report(o);
  REQUIRE(p.tree->account);
  CHECK_FALSE(p.tree->account->verified.has_value());

  // JSON, HTML and text show both and mark the difference.
  const auto doc = json::parse(conformance::ToJson(r)).as_object();
  const auto& rows = doc.at("tree").at("rows").as_array();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("id").as_string() == "120000");
  CHECK(rows[0].at("account").at("verified").as_bool() == false);
  CHECK(rows[0].at("account").at("differs").as_array().at(0).as_string() == "events_received");
  CHECK(rows[1].at("account").at("verified").as_bool() == true);
  const std::string page = conformance::ToHtml(r, Book());
  CHECK(Has(page,
            "<tr data-account-node=\"120000\" data-verified=\"false\" "
            "data-differs=\"events_received\">"));
  CHECK(Has(page,
            "<td data-field=\"events_received\" class=\"diff\">6<span "
            "class=\"diff-mark\">≠</span></td>"));
  CHECK(Has(page, "<tr data-account-node=\"110000\" data-verified=\"true\" data-differs=\"\">"));
  CHECK(Has(page,
            "<section id=\"accounts\" data-count=\"2\" data-differ=\"1\" data-unverified=\"1\">"));
  const std::string text = conformance::ToText(r, &Book());
  CHECK(Has(text, "NOT VERIFIED"));
  CHECK(Has(text, "6*"));

  // A summary that is not JSON is shown as unreadable, not as a failure.
  auto bad = conformance::ReadAccount("{\"origins\": [", "110000");
  CHECK_FALSE(bad.ok());
  auto odd = conformance::ReadAccount(
      R"({"origins":[{"id":"110105","events_received":-5,"rates":{"timely_acceptance":{"numerator":9,"denominator":3}}},)"
      R"({"id":"120101","events_received":1000},"x",{"id":7}]})",
      "110000");
  REQUIRE(odd.ok());
  CHECK(odd->tally.events_received == 0);  // negative counts are 0; 120101 is not 110000's
  CHECK(odd->tally.timely_acceptance.numerator == 3);  // never more than the denominator
  CHECK_FALSE(odd->overdue_reported);
}

TEST_CASE("tree: JSON, text and HTML of a page") {
  Db db;
  auto o = Opts("110100");
  const auto r = db.Report(o);
  const auto doc = json::parse(conformance::ToJson(r)).as_object();
  CHECK(doc.at("scope").as_string() == "110100");
  const auto& tree = doc.at("tree").as_object();
  CHECK(tree.at("node").as_string() == "110100");
  CHECK(tree.at("path").as_array().size() == 3);
  CHECK(tree.at("months").as_array().size() == 12);
  CHECK(tree.at("rows").as_array().at(0).at("kind").as_string() == "subtree");
  CHECK(tree.at("rows").as_array().at(0).at("light").as_string() == "red");
  CHECK(tree.at("rows").as_array().at(0).at("overdue").at("max_days").as_int64() == 44);
  CHECK(tree.at("rows").as_array().at(0).at("trend").as_array().size() == 12);
  CHECK(tree.at("origins").at("matched").as_int64() == 3);

  // Text: named jurisdictions whose columns line up (a CJK character is two columns).
  const std::string text = conformance::ToText(r, &Book());
  CHECK(Has(text, "Jurisdiction 110100 北京市市辖区 (100000 > 110000 > 110100)"));
  const auto from = text.find("Jurisdictions (worst first): the rates");
  REQUIRE(from != std::string::npos);
  std::istringstream lines(text.substr(text.find('\n', from) + 1));
  std::vector<std::size_t> widths;
  for (std::string line; std::getline(lines, line) && !line.empty();)
    widths.push_back(conformance::DisplayWidth(line));
  REQUIRE(widths.size() == 3);  // the header, 110105 朝阳区 and 110108 海淀区
  for (auto w : widths) CHECK(w == widths[0]);

  // HTML: the way up, the way down, the trends, the page of origins.
  const std::string page = conformance::ToHtml(r, Book());
  CHECK(Has(page,
            "<nav class=\"crumbs\" id=\"breadcrumb\" aria-label=\"辖区层级\"><ol>"
            "<li><a href=\"?node=100000&amp;since=2026-03-01\" data-node=\"100000\">100000 "
            "国家信访局</a></li>"
            "<li><a href=\"?node=110000&amp;since=2026-03-01\" data-node=\"110000\">110000 "
            "北京市</a></li>"
            "<li aria-current=\"page\" data-node=\"110100\">110100 北京市市辖区</li></ol></nav>"));
  CHECK(Has(page,
            "<a class=\"drill\" href=\"?node=110105&amp;since=2026-03-01\" "
            "data-node=\"110105\">110105 朝阳区</a>"));
  // 110105 and its department: 及时受理率 2/3 → 98.3, red for B.
  CHECK(Has(page,
            "<tr data-jurisdiction=\"110105\" data-score=\"98.3\" data-light=\"red\" "
            "data-kind=\"subtree\">"));
  CHECK(Has(page,
            "data-col=\"overdue\" data-overdue=\"1\" data-open=\"2\" data-max-days=\"44\" "
            "class=\"bad\">"));
  CHECK(Has(page, "<figure id=\"chart-trends\" data-node=\"110100\" data-months=\"12\">"));
  CHECK(Has(page, "<g class=\"series\" data-series=\"score\""));
  CHECK(Has(page, "<circle data-month=\"2025-12\" data-value=\"100.0\""));
  CHECK(Has(page, "<svg class=\"spark\""));
  CHECK(Has(page,
            "<section id=\"origins\" data-count=\"3\" data-total=\"3\" data-page=\"1\" "
            "data-pages=\"1\">"));
  CHECK(Has(page, "<section id=\"accounts\" data-count=\"0\""));
  CHECK_FALSE(Has(page, "<script"));

  // A second page links back and forth and keeps the query.
  o.page_size = 1;
  o.page = 2;
  o.query = "区";
  const std::string second = conformance::ToHtml(db.Report(o), Book());
  CHECK(
      Has(second, "<a href=\"?node=110100&amp;since=2026-03-01&amp;q=%E5%8C%BA\" rel=\"first\">"));
  CHECK(Has(
      second,
      "<a href=\"?node=110100&amp;since=2026-03-01&amp;q=%E5%8C%BA&amp;page=3\" rel=\"next\">"));
  CHECK(Has(second, "<p class=\"more\" data-more=\"1\">…还有 1 个</p>"));
}

TEST_CASE("tree: GET /report.html and /v1/conformance take node, page, q and sort") {
  Db db;
  db.clock.Set(At("2026-04-30T00:00:00Z"));
  NodeConfig config;
  config.node_id = "100000";
  config.data_dir = db.dir.path();
  for (const char* id : {"110000", "120000"}) {
    PeerConfig child;
    child.id = id;
    config.children.push_back(child);
  }
  BlobStore blobs(db.dir / "blobs");
  Api api(ApiContext{config, Book(), *db.store, blobs, db.clock, "token"});
  auto get = [&](const std::string& target) {
    exchange::HttpRequest req;
    req.method = "GET";
    req.target = target;
    req.peer = "127.0.0.1:50000";
    req.headers["authorization"] = "Bearer token";
    return api.Handle(req);
  };
  auto res = get("/v1/conformance?since=2026-03-01&node=110000&q=%E6%9C%9D%E9%98%B3&sort=id");
  REQUIRE(res.status == 200);
  auto doc = json::parse(res.body).as_object();
  CHECK(doc.at("tree").at("node").as_string() == "110000");
  CHECK(doc.at("tree").at("origins").at("query").as_string() == "朝阳");
  CHECK(doc.at("tree").at("origins").at("matched").as_int64() == 2);
  CHECK(doc.at("tree").at("origins").at("sort").as_string() == "id");
  res = get("/report.html?since=2026-03-01&node=110105");
  REQUIRE(res.status == 200);
  CHECK(Has(res.body, "<li aria-current=\"page\" data-node=\"110105\">110105 朝阳区</li>"));
  CHECK(Has(res.body, "data-kind=\"subtree\""));
  CHECK(get("/v1/conformance?node=110000&page=2").status == 200);
  CHECK(get("/v1/conformance?node=abc").status == 400);
  CHECK(get("/v1/conformance?node=110000&sort=name").status == 400);
  CHECK(get("/v1/conformance?page=0").status == 400);
  CHECK(get("/v1/conformance?q=%E6%9C").status ==
        200);  // a cut character: matched as bytes, nothing found
  CHECK(get("/v1/conformance?q=%ZZ").status == 400);
}

}  // namespace
}  // namespace xf::node

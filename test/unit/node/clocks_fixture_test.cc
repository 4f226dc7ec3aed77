// The hand-computed fixture of test/data/clocks: 30 cases recorded through
// the store's intake path (validated, R7 strict), then the conformance report
// over them must give exactly the rates and the overdue list that
// test/data/clocks/expected.txt holds (worked out by hand in its README).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "codes/calendar.h"
#include "node/conformance.h"
#include "node/store.h"
#include "schema/validate.h"
#include "test/unit/node/node_fixture.h"
#include "xf/source_dir.h"

namespace xf::node {
namespace {

using testing::Book;
using testing::TempDir;
using testing::ValidCase;

const std::filesystem::path kDir = std::filesystem::path(XF_SOURCE_DIR) / "test" / "data" / "clocks";
const Date kToday{2026, 1, 5};

Date Day(const std::string& s) {
  const auto d = Date::Parse(s);
  REQUIRE_MESSAGE(d, "not a date: " << s);
  return *d;
}

// 10:00 Beijing time on that day.
Instant At(const std::string& day) { return Instant{Instant::FromDate(Day(day)).seconds + 10 * 3600}; }

std::vector<std::vector<std::string>> Lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  REQUIRE_MESSAGE(in, "cannot read " << file);
  std::vector<std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string x; words >> x;) w.push_back(x);
    if (!w.empty()) out.push_back(std::move(w));
  }
  return out;
}

class Loader {
 public:
  Loader(Store& store, ManualClock& clock) : m_store(store), m_clock(clock) {}

  void Line(const std::vector<std::string>& w) {
    CAPTURE(m_case);
    const std::string& what = w[0];
    if (what == "case") {
      m_case = w.at(1);
      m_origin = m_case.substr(0, 6);
      auto c = ValidCase();
      c.case_id = m_case;
      c.received_date = Day(w.at(2));
      c.registering_body = m_origin;
      c.registered_at = At(w.at(2));
      c.due_date.reset();
      c.anonymous = w.size() > 3 && w[3] == "anonymous";
      const auto v = schema::ValidateCase(c, Book(), {}, kToday);
      REQUIRE_MESSAGE(v.empty(), m_case << ": " << v.front().field << " " << v.front().message);
      m_clock.Set(Instant{c.registered_at.seconds + 60});
      schema::Violations r7;
      auto e = m_store.RegisterCase(c, m_origin, "登记员", &r7);
      REQUIRE_MESSAGE(e.ok(), e.error().message);
      return;
    }
    schema::Event e;
    e.case_id = m_case;
    e.actor = "经办人";
    const std::string day = what == "eval" ? w.at(3) : w.at(1);
    e.occurred_at = At(day);
    if (what == "transfer") {
      e.kind = schema::EventKind::kTransfer;
      e.body = schema::Transfer{schema::Transfer::Mode::kAssign, m_origin + ".ZFJ", {}, "请依法办理"};
    } else if (what == "accept") {
      e.kind = schema::EventKind::kAcceptance;
      e.body = schema::Acceptance{w.at(2), m_origin, ""};
    } else if (what == "reply") {
      e.kind = schema::EventKind::kHandling;
      schema::Handling h;
      h.method = "040100";
      h.body = m_origin;
      h.reply = "经调查核实，书面答复如下。";
      if (w.size() > 2) h.delivered_on = Day(w[2]);
      e.body = h;
    } else if (what == "extend") {
      e.kind = schema::EventKind::kExtension;
      e.body = schema::Extension{std::stoi(w.at(2)), "情况复杂，需进一步调查", "陈主任", Day(day)};
    } else if (what == "close") {
      e.kind = schema::EventKind::kClosure;
      e.body = schema::Closure{m_origin, "已办结"};
    } else if (what == "eval") {
      e.kind = schema::EventKind::kEvaluation;
      schema::Evaluation v;
      v.target = w.at(1) == "bureau" ? schema::Evaluation::Target::kBureau : schema::Evaluation::Target::kHandler;
      v.value = w.at(2);
      v.method = "sms";
      e.body = v;
    } else {
      const bool first = what.rfind("review", 0) == 0;
      const bool request = what.size() > 8 && what.substr(what.size() - 8) == "-request";
      REQUIRE_MESSAGE((first || what.rfind("rereview", 0) == 0), "unknown line " << what);
      e.kind = first ? schema::EventKind::kReview : schema::EventKind::kReReview;
      schema::Review r;
      r.step = request ? schema::Review::Step::kRequest : schema::Review::Step::kDecision;
      r.body = "110100";
      if (!request) {
        r.outcome = "upheld";
        if (w.size() > 2) r.delivered_on = Day(w[2]);
      }
      e.body = r;
    }
    const auto v = schema::ValidateEvent(e, Book(), {}, kToday);
    REQUIRE_MESSAGE(v.empty(), what << " " << day << ": " << v.front().field << " " << v.front().message);
    m_clock.Set(Instant{e.occurred_at.seconds + 60});
    schema::Violations r7;
    auto stored = m_store.AppendEvent(e, m_origin, &r7);
    REQUIRE_MESSAGE(stored.ok(), what << " " << day << ": " << stored.error().message);
  }

 private:
  Store& m_store;
  ManualClock& m_clock;
  std::string m_case, m_origin;
};

conformance::Rate conformance::Tally::*RateOf(const std::string& name) {
  using T = conformance::Tally;
  static const std::map<std::string, conformance::Rate T::*> kRates = {
      {"timely_routing", &T::timely_routing},
      {"timely_acceptance", &T::timely_acceptance},
      {"on_time_completion", &T::on_time_completion},
      {"satisfaction_bureau", &T::satisfaction_bureau},
      {"participation_bureau", &T::participation_bureau},
      {"satisfaction_handler", &T::satisfaction_handler},
      {"participation_handler", &T::participation_handler}};
  const auto it = kRates.find(name);
  REQUIRE_MESSAGE(it != kRates.end(), "unknown rate " << name);
  return it->second;
}

TEST_CASE("clocks fixture: the report gives the rates and the overdue list worked out by hand") {
  TempDir dir;
  ManualClock clock(At("2023-12-01"));
  auto opened = Store::Open(dir / "xfnode.db", clock);
  REQUIRE_MESSAGE(opened.ok(), opened.error().message);
  auto store = std::move(opened).value();
  auto calendar = codes::Calendar::FromBook(Book());
  REQUIRE(calendar.ok());
  store->SetChronology(std::make_shared<const codes::Calendar>(*calendar), codes::Counting::kCalendarDays);

  Loader loader(*store, clock);
  int cases = 0;
  for (const auto& w : Lines(kDir / "cases.txt")) {
    cases += w[0] == "case";
    loader.Line(w);
  }
  CHECK(cases == 30);

  conformance::Options o;
  o.since = Instant::FromDate(Date{2024, 1, 1});
  o.until = Instant::FromDate(Date{2026, 1, 1});
  o.now = At("2026-01-05");
  o.node_id = "110100";
  o.max_listed = 100;
  auto report = conformance::ComputeFromFile(dir / "xfnode.db", Book(), o);
  REQUIRE_MESSAGE(report.ok(), report.error().message);
  const auto& r = *report;

  std::map<std::string, const conformance::Tally*> origins;
  for (const auto& t : r.origins) origins[t.id] = &t;
  std::vector<conformance::OverdueCase> overdue;
  int checked = 0;
  for (const auto& w : Lines(kDir / "expected.txt")) {
    CAPTURE(w[0] + " " + w.at(1) + " " + w.at(2));
    if (w[0] == "rate") {
      REQUIRE(origins.count(w.at(1)));
      const conformance::Rate& got = origins[w[1]]->*RateOf(w.at(2));
      CHECK(got.numerator == std::stoll(w.at(3)));
      CHECK(got.denominator == std::stoll(w.at(4)));
    } else if (w[0] == "total") {
      CHECK(r.overdue_totals.at(w.at(1)) == std::stoll(w.at(2)));
    } else if (w[0] == "overdue") {
      overdue.push_back({w.at(1), w.at(1).substr(0, 6), w.at(2), Day(w.at(3)), Day(w.at(4)), std::stoll(w.at(5))});
    } else {
      FAIL("unknown line in expected.txt: " << w[0]);
    }
    ++checked;
  }
  CHECK(checked == 27);
  REQUIRE(r.overdue.size() == overdue.size());
  for (std::size_t i = 0; i < overdue.size(); ++i) {
    CAPTURE(i);
    CHECK(r.overdue[i].case_id == overdue[i].case_id);
    CHECK(r.overdue[i].origin == overdue[i].origin);
    CHECK(r.overdue[i].clock == overdue[i].clock);
    CHECK(r.overdue[i].start == overdue[i].start);
    CHECK(r.overdue[i].due == overdue[i].due);
    CHECK(r.overdue[i].days_over == overdue[i].days_over);
  }
  CHECK(r.unknown_years.empty());  // 2023–2026 are all in the calendar
}

}  // namespace
}  // namespace xf::node

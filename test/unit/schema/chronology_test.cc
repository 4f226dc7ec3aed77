// The legal clocks (schema/clocks.h) and R7 chronology (schema/chronology.h),
// one test per clock and per rule. Expected days were worked out by hand
// from the notices and a wall calendar.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "codes/calendar.h"
#include "schema/chronology.h"
#include "schema/clocks.h"
#include "test/unit/schema/validate_fixture.h"

namespace xf::schema {
namespace {

using testing::Book;
using testing::ValidCase;

const codes::Calendar& Cal() {
  static const codes::Calendar cal = [] {
    auto c = codes::Calendar::FromBook(Book());
    if (!c) FAIL(c.error().message);
    return c.value();
  }();
  return cal;
}

Date D(const char* s) { return *Date::Parse(s); }

// The events of one case, 110105-2024-0000001, built in order.
class History {
 public:
  explicit History(const char* received) {
    CaseRegistration c = ValidCase();
    c.case_id = kCase;
    c.received_date = D(received);
    Add(EventKind::kRegistration, std::string(received) + "T09:00:00+08:00", c);
  }
  static constexpr const char* kCase = "110105-2024-0000001";

  // `at` "YYYY-MM-DD" (10:00 Beijing) or a full instant.
  Event Make(EventKind kind, std::string at, EventBody body) const {
    if (at.size() == 10) at += "T10:00:00+08:00";
    Event e;
    e.origin = "110105";
    e.seq = events.size() + 1;
    e.case_id = kCase;
    e.kind = kind;
    e.occurred_at = *Instant::Parse(at);
    e.recorded_at = e.occurred_at;
    e.body = std::move(body);
    return e;
  }
  const Event& Add(EventKind kind, std::string at, EventBody body) {
    events.push_back(Make(kind, std::move(at), std::move(body)));
    return events.back();
  }
  History& Accept(const char* at, const char* decision = "1") {
    Add(EventKind::kAcceptance, at, Acceptance{decision, "110105", ""});
    return *this;
  }
  History& Transfer_(const char* at) {
    Add(EventKind::kTransfer, at, Transfer{Transfer::Mode::kAssign, "110105.ZJW", {}, ""});
    return *this;
  }
  History& Reply(const char* at, std::optional<Date> delivered = {}) {
    Handling h{"040100", "110105.ZJW", "", "答复意见", {}, delivered, {}};
    Add(EventKind::kHandling, at, h);
    return *this;
  }
  History& Extend(const char* at, int days) {
    Add(EventKind::kExtension, at, Extension{days, "情况复杂", "张主任", D(at)});
    return *this;
  }
  History& ReviewStep(EventKind kind, Review::Step step, const char* at, std::optional<Date> delivered = {}) {
    Review r{step, "110100", "", step == Review::Step::kDecision ? "upheld" : "", delivered};
    Add(kind, at, r);
    return *this;
  }

  std::vector<Event> events;
};

Violations Check(const History& h, const Event& e, bool strict = true,
                 std::function<std::optional<InitialCase>(const std::string&)> initial = {}) {
  const ChronologyContext ctx{Cal(), codes::Counting::kCalendarDays, strict, std::move(initial)};
  return CheckChronology(h.events, e, ctx);
}

std::string Fields(const Violations& v) {
  std::string out;
  for (const auto& x : v) {
    CHECK(x.rule == "R7");
    out += x.field + "\n";
  }
  return out;
}

const ClockState* Find(const std::vector<ClockState>& clocks, Clock c) {
  for (const auto& s : clocks) {
    if (s.clock == c) return &s;
  }
  return nullptr;
}

// ---- clocks ------------------------------------------------------------------

TEST_CASE("clocks: every clock of a case, with a holiday rollover") {
  History h("2024-01-26");
  h.Transfer_("2024-02-01").Accept("2024-02-20").Reply("2024-03-15", D("2024-03-18"));
  h.Add(EventKind::kClosure, "2024-03-20", Closure{"110105", ""});
  const CaseFacts f = FactsOf(h.events);
  const auto clocks = ClocksOf(f, Cal(), codes::Counting::kCalendarDays);

  // 登记转送交办: 26 January + 15 = Saturday 10 February, Spring Festival to the 17th;
  // Sunday 18 February is worked.
  const ClockState* route = Find(clocks, Clock::kRoute);
  REQUIRE(route);
  CHECK(route->start == D("2024-01-26"));
  CHECK(route->due.day == D("2024-02-18"));
  CHECK(route->met == D("2024-02-01"));
  // 受理告知 from the transfer (the handling body's receipt): 1 February + 15 =
  // Friday 16 February, a holiday → Sunday 18 (worked). Decided on the 20th: late.
  const ClockState* notice = Find(clocks, Clock::kAcceptNotice);
  REQUIRE(notice);
  CHECK(notice->start == D("2024-02-01"));
  CHECK(notice->due.day == D("2024-02-18"));
  CHECK(notice->met == D("2024-02-20"));
  // 办理: 20 February + 60 = Saturday 20 April (29 February counted) → Monday 22.
  const ClockState* handle = Find(clocks, Clock::kHandle);
  REQUIRE(handle);
  CHECK(handle->due.day == D("2024-04-22"));
  CHECK(handle->met == D("2024-03-15"));  // the written reply completes it
  // 复查 window: from the delivery (18 March) + 30 = Wednesday 17 April.
  const ClockState* review = Find(clocks, Clock::kReviewRequest);
  REQUIRE(review);
  CHECK(review->start == D("2024-03-18"));
  CHECK(review->due.day == D("2024-04-17"));
  CHECK_FALSE(review->met);
  CHECK_FALSE(Find(clocks, Clock::kReviewDecision));
  CHECK(f.closed == D("2024-03-20"));
}

TEST_CASE("clocks: without a transfer the registering body decides from the received date") {
  History h("2024-03-01");
  h.Accept("2024-03-05");
  const auto clocks = ClocksOf(FactsOf(h.events), Cal(), codes::Counting::kCalendarDays);
  const ClockState* notice = Find(clocks, Clock::kAcceptNotice);
  REQUIRE(notice);
  CHECK(notice->start == D("2024-03-01"));
  CHECK(notice->due.day == D("2024-03-18"));  // Saturday 16 → Monday 18
  CHECK(Find(clocks, Clock::kRoute)->met == D("2024-03-05"));
}

TEST_CASE("clocks: a transfer after the decision does not move the handling body's receipt") {
  History h("2024-03-01");
  h.Transfer_("2024-03-04").Accept("2024-03-06").Transfer_("2024-03-08");
  CHECK(FactsOf(h.events).notice_start == D("2024-03-04"));
  History open("2024-03-01");
  open.Transfer_("2024-03-04").Transfer_("2024-03-08");  // undecided: the last transfer
  CHECK(FactsOf(open.events).notice_start == D("2024-03-08"));
}

TEST_CASE("clocks: an extension runs on from the end of the 60 days") {
  // Accepted Monday 1 July 2024: + 60 = Friday 30 August. Extended by 30 on
  // 20 August: 30 August + 30 = Sunday 29 September, a make-up working day.
  History h("2024-06-28");
  h.Accept("2024-07-01").Extend("2024-08-20", 30);
  const auto clocks = ClocksOf(FactsOf(h.events), Cal(), codes::Counting::kCalendarDays);
  const ClockState* handle = Find(clocks, Clock::kHandle);
  REQUIRE(handle);
  CHECK(handle->due.day == D("2024-09-29"));
  CHECK(handle->extension_days == 30);
  CHECK(ClockDue(Clock::kHandle, D("2024-07-01"), Cal(), codes::Counting::kCalendarDays).day == D("2024-08-30"));
  // Made after the 60 days ran out, it does not count.
  History late("2024-06-28");
  late.Accept("2024-07-01").Extend("2024-09-02", 30);
  const auto late_clocks = ClocksOf(FactsOf(late.events), Cal(), codes::Counting::kCalendarDays);
  const ClockState* l = Find(late_clocks, Clock::kHandle);
  REQUIRE(l);
  CHECK(l->due.day == D("2024-08-30"));
  CHECK(l->extension_days == 0);
}

TEST_CASE("clocks: leap years") {
  // Accepted 31 December 2023: + 60 = Thursday 29 February 2024.
  CHECK(ClockDue(Clock::kHandle, D("2023-12-31"), Cal(), codes::Counting::kCalendarDays).day == D("2024-02-29"));
  // A year earlier, no 29 February: Wednesday 1 March 2023.
  CHECK(ClockDue(Clock::kHandle, D("2022-12-31"), Cal(), codes::Counting::kCalendarDays).day == D("2023-03-01"));
}

TEST_CASE("clocks: 复查 and 复核 windows and decisions") {
  // A 复查 decision received 10 September 2025: 复核 by Friday 10 October; received
  // 5 September: + 30 = Sunday 5 October, National Day to the 8th → Thursday 9 October.
  CHECK(ClockDue(Clock::kReReviewRequest, D("2025-09-10"), Cal(), codes::Counting::kCalendarDays).day ==
        D("2025-10-10"));
  CHECK(ClockDue(Clock::kReReviewRequest, D("2025-09-05"), Cal(), codes::Counting::kCalendarDays).day ==
        D("2025-10-09"));
  History h("2025-06-02");
  h.Accept("2025-06-03").Reply("2025-07-01");
  h.ReviewStep(EventKind::kReview, Review::Step::kRequest, "2025-07-15");
  h.ReviewStep(EventKind::kReview, Review::Step::kDecision, "2025-08-01", D("2025-09-05"));
  h.ReviewStep(EventKind::kReReview, Review::Step::kRequest, "2025-09-20");
  const auto clocks = ClocksOf(FactsOf(h.events), Cal(), codes::Counting::kCalendarDays);
  // 复查 decision: 15 July + 30 = Thursday 14 August; made 1 August.
  CHECK(Find(clocks, Clock::kReviewDecision)->due.day == D("2025-08-14"));
  CHECK(Find(clocks, Clock::kReviewDecision)->met == D("2025-08-01"));
  CHECK(Find(clocks, Clock::kReReviewRequest)->due.day == D("2025-10-09"));
  // 复核 decision: 20 September + 30 = Monday 20 October; not yet made.
  CHECK(Find(clocks, Clock::kReReviewDecision)->due.day == D("2025-10-20"));
  CHECK_FALSE(Find(clocks, Clock::kReReviewDecision)->met);
}

TEST_CASE("clocks: names and limits") {
  CHECK(InfoOf(Clock::kRoute).days == 15);
  CHECK(InfoOf(Clock::kAcceptNotice).days == 15);
  CHECK(InfoOf(Clock::kHandle).days == 60);
  CHECK(InfoOf(Clock::kReviewRequest).window);
  CHECK_FALSE(InfoOf(Clock::kReviewDecision).window);
  for (const auto& c : Clocks()) CHECK(ClockFromName(c.name) == c.clock);
  CHECK_FALSE(ClockFromName("handling"));
}

// ---- R7 rules ----------------------------------------------------------------

TEST_CASE("R7: acceptance before receipt") {
  History h("2024-03-04");
  CHECK(Fields(Check(h, h.Make(EventKind::kAcceptance, "2024-03-01", Acceptance{"1", "", ""}))) == "occurred_at\n");
  CHECK(Check(h, h.Make(EventKind::kAcceptance, "2024-03-04", Acceptance{"1", "", ""})).empty());
}

TEST_CASE("R7: a result, an evaluation or a closure before acceptance") {
  History h("2024-03-04");
  const Event reply = h.Make(EventKind::kHandling, "2024-03-06", Handling{"040100", "", "", "答复", {}, {}, {}});
  const Event closure = h.Make(EventKind::kClosure, "2024-03-06", Closure{});
  const Event eval = h.Make(EventKind::kEvaluation, "2024-03-06", Evaluation{Evaluation::Target::kHandler, "1", "", ""});
  const Event bureau = h.Make(EventKind::kEvaluation, "2024-03-06", Evaluation{Evaluation::Target::kBureau, "1", "", ""});
  // Strict (intake): nothing decided here yet.
  for (const Event* e : {&reply, &closure, &eval, &bureau}) CHECK(Fields(Check(h, *e)) == "occurred_at\n");
  // Lenient (exchange): the decision may be on its way from another origin.
  for (const Event* e : {&reply, &closure, &eval, &bureau}) CHECK(Check(h, *e, false).empty());
  // A routing record without a reply is not a result.
  CHECK(Check(h, h.Make(EventKind::kHandling, "2024-03-05", Handling{"020000", "", "110105.ZJW", "", {}, {}, {}})).empty());
  // Decided on the 7th: each of them is dated before it, at any level.
  h.Accept("2024-03-07");
  for (const Event* e : {&reply, &closure, &eval, &bureau}) {
    CHECK(Fields(Check(h, *e)) == "occurred_at\n");
    CHECK(Fields(Check(h, *e, false)) == "occurred_at\n");
  }
  // Within the clocks' skew of five minutes, not a contradiction.
  CHECK(Check(h, h.Make(EventKind::kClosure, "2024-03-07T09:57:00+08:00", Closure{})).empty());
  CHECK(Check(h, h.Make(EventKind::kClosure, "2024-03-08", Closure{})).empty());
  // The bureau's work is done by a transfer before any decision.
  History t("2024-03-04");
  t.Transfer_("2024-03-05");
  CHECK(Check(t, bureau).empty());
  CHECK(Fields(Check(t, eval)) == "occurred_at\n");
}

TEST_CASE("R7: one extension, made after acceptance and before the 60 days run out") {
  History h("2024-06-28");
  const Event ext = h.Make(EventKind::kExtension, "2024-08-20", Extension{30, "复杂", "张主任", D("2024-08-20")});
  CHECK(Fields(Check(h, ext)) == "occurred_at\n");  // not accepted
  CHECK(Check(h, ext, false).empty());
  h.Accept("2024-07-01");
  CHECK(Check(h, ext).empty());
  // 30 August is the last of the 60 days; 2 September is too late.
  CHECK(Check(h, h.Make(EventKind::kExtension, "2024-08-30T23:00:00+08:00", Extension{5, "x", "y", D("2024-08-30")})).empty());
  CHECK(Fields(Check(h, h.Make(EventKind::kExtension, "2024-09-02", Extension{5, "x", "y", D("2024-09-02")}))) ==
        "occurred_at\n");
  CHECK(Fields(Check(h, h.Make(EventKind::kExtension, "2024-06-30", Extension{5, "x", "y", D("2024-06-30")}))) ==
        "occurred_at\n");  // before the acceptance
  h.Extend("2024-08-20", 30);
  const Violations second = Check(h, h.Make(EventKind::kExtension, "2024-08-25", Extension{5, "x", "y", D("2024-08-25")}), false);
  CHECK(Fields(second) == "kind\n");
  CHECK(second[0].message.find("second extension") != std::string::npos);
}

TEST_CASE("R7: 复查 without a reply, before it was received, or after its 30 days") {
  History h("2024-03-01");
  h.Accept("2024-03-04");
  const auto request = [&](const char* at) {
    return h.Make(EventKind::kReview, at, Review{Review::Step::kRequest, "110100", "", "", {}});
  };
  CHECK(Fields(Check(h, request("2024-04-01"))) == "occurred_at\n");  // no reply held
  CHECK(Check(h, request("2024-04-01"), false).empty());
  h.Reply("2024-03-15", D("2024-03-18"));
  // Delivered 18 March: the window ends Wednesday 17 April.
  CHECK(Fields(Check(h, request("2024-03-16"))) == "occurred_at\n");  // before the delivery
  CHECK(Check(h, request("2024-03-18")).empty());
  CHECK(Check(h, request("2024-04-17")).empty());
  const Violations late = Check(h, request("2024-04-18"), false);
  CHECK(Fields(late) == "occurred_at\n");
  CHECK(late[0].message.find("2024-04-17") != std::string::npos);
  // Without a delivery date the reply's own day counts: a reply of 1 October 2025
  // is open until 31 October (a Friday).
  History g("2025-08-01");
  g.Accept("2025-08-04").Reply("2025-10-01");
  CHECK(Check(g, g.Make(EventKind::kReview, "2025-10-31", Review{Review::Step::kRequest, "", "", "", {}})).empty());
  CHECK_FALSE(Check(g, g.Make(EventKind::kReview, "2025-11-01", Review{Review::Step::kRequest, "", "", "", {}})).empty());
}

TEST_CASE("R7: 复查 and 复核 decisions need their requests") {
  History h("2024-03-01");
  h.Accept("2024-03-04").Reply("2024-03-15");
  const Event decision = h.Make(EventKind::kReview, "2024-04-20", Review{Review::Step::kDecision, "", "", "upheld", {}});
  CHECK(Fields(Check(h, decision)) == "occurred_at\n");
  CHECK(Check(h, decision, false).empty());
  h.ReviewStep(EventKind::kReview, Review::Step::kRequest, "2024-04-01");
  CHECK(Check(h, decision).empty());
  CHECK(Fields(Check(h, h.Make(EventKind::kReview, "2024-03-30", Review{Review::Step::kDecision, "", "", "upheld", {}}),
                     false)) == "occurred_at\n");
  const Event rdecision =
      h.Make(EventKind::kReReview, "2024-06-20", Review{Review::Step::kDecision, "", "", "upheld", {}});
  CHECK(Fields(Check(h, rdecision)) == "occurred_at\n");
}

TEST_CASE("R7: 复核 without a 复查 decision, or after its 30 days") {
  History h("2024-03-01");
  h.Accept("2024-03-04").Reply("2024-03-15");
  h.ReviewStep(EventKind::kReview, Review::Step::kRequest, "2024-04-01");
  const auto request = [&](const char* at) {
    return h.Make(EventKind::kReReview, at, Review{Review::Step::kRequest, "110000", "", "", {}});
  };
  CHECK(Fields(Check(h, request("2024-05-10"))) == "occurred_at\n");  // no 复查 decision
  h.ReviewStep(EventKind::kReview, Review::Step::kDecision, "2024-04-25", D("2024-04-28"));
  // Received Sunday 28 April 2024 (a make-up working day): + 30 = Tuesday 28 May.
  CHECK(Check(h, request("2024-05-28")).empty());
  CHECK(Fields(Check(h, request("2024-05-29"), false)) == "occurred_at\n");
  CHECK(Fields(Check(h, request("2024-04-27"), false)) == "occurred_at\n");  // before it was received
}

TEST_CASE("R7: nothing is accepted on a matter closed by 复核 (不再受理)") {
  History h("2024-03-01");
  h.Accept("2024-03-04").Reply("2024-03-15");
  h.ReviewStep(EventKind::kReview, Review::Step::kRequest, "2024-04-01");
  h.ReviewStep(EventKind::kReview, Review::Step::kDecision, "2024-04-25");
  h.ReviewStep(EventKind::kReReview, Review::Step::kRequest, "2024-05-10");
  h.ReviewStep(EventKind::kReReview, Review::Step::kDecision, "2024-06-01");
  CHECK(Fields(Check(h, h.Make(EventKind::kAcceptance, "2024-06-10", Acceptance{"1", "", ""}), false)) == "decision\n");
  CHECK(Check(h, h.Make(EventKind::kAcceptance, "2024-06-10", Acceptance{"3", "", "复核终结"})).empty());
  CHECK(Fields(Check(h, h.Make(EventKind::kTransfer, "2024-06-10", Transfer{Transfer::Mode::kForward, "110100", {}, ""}),
                     false)) == "kind\n");
  CHECK(Fields(Check(h, h.Make(EventKind::kReview, "2024-06-10", Review{Review::Step::kRequest, "", "", "", {}}), false)) ==
        "kind\n");
  CHECK(Fields(Check(h, h.Make(EventKind::kReReview, "2024-06-10", Review{Review::Step::kRequest, "", "", "", {}}),
                     false)) == "kind\n");
  // A closure and an evaluation after the 复核 decision are fine.
  CHECK(Check(h, h.Make(EventKind::kClosure, "2024-06-03", Closure{})).empty());
  // A transfer dated before the decision (arriving late at a relay) is not refused.
  CHECK(Check(h, h.Make(EventKind::kTransfer, "2024-05-20", Transfer{Transfer::Mode::kForward, "110100", {}, ""}),
              false).empty());

  // A repeat case of that matter is registered, but not accepted (受理) again.
  History r("2024-07-01");
  {
    CaseRegistration c = std::get<CaseRegistration>(r.events[0].body);
    c.repeat = true;
    c.initial_case_id = "110105-2024-0000777";
    r.events[0].body = c;
  }
  const auto initial = [](const std::string& id) -> std::optional<InitialCase> {
    if (id != "110105-2024-0000777") return std::nullopt;
    return InitialCase{D("2024-03-01"), *Instant::Parse("2024-06-01T10:00:00+08:00")};
  };
  CHECK(Fields(Check(r, r.Make(EventKind::kAcceptance, "2024-07-02", Acceptance{"1", "", ""}), false, initial)) ==
        "decision\n");
  CHECK(Check(r, r.Make(EventKind::kAcceptance, "2024-07-02", Acceptance{"3", "", ""}), false, initial).empty());
}

TEST_CASE("R7: a repeat case naming itself, or an initial case received after it") {
  History none("2024-07-01");
  Event reg = none.events[0];
  none.events.clear();
  auto& c = std::get<CaseRegistration>(reg.body);
  c.repeat = true;
  c.initial_case_id = History::kCase;
  CHECK(Fields(Check(none, reg)) == "initial_case_id\n");
  c.initial_case_id = "110105-2024-0000002";
  const auto initial = [](const std::string&) -> std::optional<InitialCase> {
    return InitialCase{D("2024-07-05"), std::nullopt};
  };
  const Violations v = Check(none, reg, false, initial);
  CHECK(Fields(v) == "initial_case_id\n");
  CHECK(v[0].message.find("2024-07-05") != std::string::npos);
  const auto earlier = [](const std::string&) -> std::optional<InitialCase> {
    return InitialCase{D("2024-06-05"), std::nullopt};
  };
  CHECK(Check(none, reg, false, earlier).empty());
  CHECK(Check(none, reg).empty());  // not held here: R4's business, not R7's
}

TEST_CASE("R7: working days, where a province counts them") {
  // Reply received Friday 26 September 2025; 30 working days (Sunday 28 September
  // and Saturday 11 October worked, 1–8 October off) end on Thursday 13 November.
  History h("2025-08-01");
  h.Accept("2025-08-04").Reply("2025-09-26");
  const ChronologyContext ctx{Cal(), codes::Counting::kWorkingDays, true, {}};
  const auto request = [&](const char* at) {
    return h.Make(EventKind::kReview, at, Review{Review::Step::kRequest, "", "", "", {}});
  };
  CHECK(CheckChronology(h.events, request("2025-11-13"), ctx).empty());
  CHECK_FALSE(CheckChronology(h.events, request("2025-11-14"), ctx).empty());
  // Counting calendar days, the same window closed on Monday 27 October.
  const ChronologyContext days{Cal(), codes::Counting::kCalendarDays, true, {}};
  CHECK(CheckChronology(h.events, request("2025-10-27"), days).empty());
  CHECK_FALSE(CheckChronology(h.events, request("2025-10-28"), days).empty());
}

}  // namespace
}  // namespace xf::schema

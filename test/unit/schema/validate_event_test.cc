// ValidateEvent: the envelope and every kind's body.
#include <doctest/doctest.h>

#include <string>

#include "test/unit/schema/validate_fixture.h"

namespace xf::schema {
namespace {

using testing::Book;
using testing::Has;
using testing::kToday;
using testing::Lines;
using testing::ValidCase;

// An event of `kind` on case 110105-2026-0000001, stored as 110105:12,
// that happened on 2026-02-20 at 10:00 in Beijing.
Event MakeEvent(EventKind kind, EventBody body) {
  Event e;
  e.origin = "110105";
  e.seq = 12;
  e.case_id = "110105-2026-0000001";
  e.kind = kind;
  e.occurred_at = *Instant::Parse("2026-02-20T10:00:00+08:00");
  e.recorded_at = *Instant::Parse("2026-02-20T10:00:05+08:00");
  e.actor = "王晓梅";
  e.body = std::move(body);
  return e;
}

Violations Validate(const Event& e, const RecordLimits& limits = {}) {
  return ValidateEvent(e, Book(), limits, kToday);
}

TEST_CASE("validate: valid events of every kind") {
  Handling handling{"040100",
                    "朝阳区住建委",
                    "",
                    "经调查，物业费调整未经业主大会同意，已责令恢复原标准。",
                    Date{2026, 3, 20},
                    {}};
  handling.attachments.push_back(
      {"c3d96e9a55d383e77e976779bec16b6b371bbc95b03f8424817c5f75ad2d3ff9", 9, "text/plain",
       "答复意见书.txt"});
  const Event events[] = {
      MakeEvent(EventKind::kRegistration,
                [] {
                  CaseRegistration c = ValidCase();
                  c.case_id = "110105-2026-0000001";
                  return c;
                }()),
      MakeEvent(EventKind::kAcceptance, Acceptance{"1", "110105", ""}),
      MakeEvent(EventKind::kAcceptance, Acceptance{"2", "110105", "同一事项正在办理中"}),
      MakeEvent(EventKind::kTransfer, Transfer{Transfer::Mode::kAssign, "110105.ZJW",
                                               Date{2026, 4, 20}, "请依法办理并按期报结。"}),
      MakeEvent(EventKind::kTransfer, Transfer{Transfer::Mode::kForward, "440106", {}, ""}),
      MakeEvent(EventKind::kHandling, handling),
      MakeEvent(EventKind::kSupervision,
                Supervision{"110000", "请于30日内书面反馈办理情况。", Date{2026, 3, 22}}),
      MakeEvent(EventKind::kEvaluation, Evaluation{Evaluation::Target::kHandler, "2", "", "web"}),
      MakeEvent(EventKind::kEvaluation,
                Evaluation{Evaluation::Target::kBureau, "22", "基本满意", "phone"}),
      MakeEvent(EventKind::kReview,
                Review{Review::Step::kRequest, "110105", "不服答复意见，申请复查。", ""}),
      MakeEvent(EventKind::kReview, Review{Review::Step::kDecision, "110105", "", "upheld"}),
      MakeEvent(EventKind::kReReview, Review{Review::Step::kDecision, "110000", "", "changed"}),
      MakeEvent(EventKind::kClosure, Closure{"110105", "已办结。"}),
      MakeEvent(
          EventKind::kCorrection,
          Correction{"110105:3", {{"petitioners[0].phone", "13900001111"}}, "登记时电话有误"}),
      MakeEvent(EventKind::kExtension,
                Extension{30, "需调取历年档案，情况复杂。", "张主任", Date{2026, 2, 21}}),
      MakeEvent(EventKind::kReview,
                Review{Review::Step::kDecision, "110000", "", "changed", Date{2026, 2, 25}}),
  };
  for (const Event& e : events) {
    CAPTURE(EventKindName(e.kind));
    const Violations v = Validate(e);
    CHECK_MESSAGE(v.empty(), Lines(v));
  }
}

TEST_CASE("validate: event envelope") {
  Event e = MakeEvent(EventKind::kClosure, Closure{});
  SUBCASE("record is the event id when stored, else the case id") {
    e.case_id = "bad";
    Violations v = Validate(e);
    REQUIRE(Lines(v) == "R3 case_id\n");
    CHECK(v[0].record == "110105:12");
    e.seq = 0;
    v = Validate(e);
    REQUIRE(v.size() == 1);
    CHECK(v[0].record == "bad");
  }
  SUBCASE("case id required except for a registration") {
    e.case_id.clear();
    CHECK(Lines(Validate(e)) == "R3 case_id\n");
    Event reg = MakeEvent(EventKind::kRegistration, ValidCase());
    reg.case_id.clear();
    CHECK(Validate(reg).empty());
  }
  SUBCASE("the registration's case id must agree") {
    CaseRegistration c = ValidCase();
    c.case_id = "110105-2026-0000002";
    Event reg = MakeEvent(EventKind::kRegistration, c);
    CHECK(Lines(Validate(reg)) == "R3 case_id\n");
  }
  SUBCASE("origin") {
    e.origin = "朝阳";
    CHECK(Lines(Validate(e)) == "R3 origin\n");
    e.origin.clear();
    CHECK(Lines(Validate(e)) == "R3 origin\n");  // seq > 0 needs an origin
    e.seq = 0;
    CHECK(Validate(e).empty());
  }
  SUBCASE("kind must match the body") {
    e.kind = EventKind::kAcceptance;
    const Violations v = Validate(e);
    REQUIRE(Lines(v) == "R3 kind\n");
    CHECK(v[0].message.find("acceptance") != std::string::npos);
    CHECK(v[0].message.find("closure") != std::string::npos);
    // Review and re-review share a body.
    CHECK(Validate(MakeEvent(EventKind::kReReview, Review{})).empty());
  }
  SUBCASE("occurred_at") {
    e.occurred_at = Instant{};
    e.recorded_at = Instant{};
    CHECK(Lines(Validate(e)) == "R3 occurred_at\n");
    // The last second of today in Beijing is fine, the next is tomorrow.
    e.occurred_at = Instant{Instant::FromDate(kToday.AddDays(1)).seconds - 1};
    CHECK(Validate(e).empty());
    e.occurred_at.seconds += 1;
    CHECK(Lines(Validate(e)) == "R3 occurred_at\n");
  }
  SUBCASE("recorded before it occurred, beyond clock skew") {
    e.recorded_at.seconds = e.occurred_at.seconds - 300;
    CHECK(Validate(e).empty());
    e.recorded_at.seconds -= 1;
    CHECK(Lines(Validate(e)) == "R3 recorded_at\n");
  }
  SUBCASE("recorded on a date after today: a wrong clock at the origin") {
    e.recorded_at = Instant{Instant::FromDate(kToday.AddDays(1)).seconds - 1};
    CHECK(Validate(e).empty());
    e.recorded_at.seconds += 1;
    const Violations v = Validate(e);
    REQUIRE(Lines(v) == "R3 recorded_at\n");
    CHECK(v[0].message.find("after today") != std::string::npos);
  }
  SUBCASE("actor text") {
    e.actor = "a\x01";
    CHECK(Lines(Validate(e)) == "R3 actor\n");
  }
}

TEST_CASE("validate: registration events delegate to ValidateCase") {
  CaseRegistration c = ValidCase();
  c.summary.clear();
  c.content_category = "990000x";
  const Event e = MakeEvent(EventKind::kRegistration, c);
  const Violations v = Validate(e);
  CHECK(Lines(v) == "R2 content_category\nR3 summary\n");
  for (const Violation& x : v) CHECK(x.record == "110105:12");
}

TEST_CASE("validate: acceptance") {
  Event e = MakeEvent(EventKind::kAcceptance, Acceptance{});
  CHECK(Lines(Validate(e)) == "R3 decision\n");
  e.body = Acceptance{"受理", "", ""};
  // 17:00 UTC on the 19th is 01:00 on the 20th in Beijing: the code date.
  e.occurred_at = *Instant::Parse("2026-02-19T17:00:00Z");
  const Violations v = Validate(e);
  REQUIRE(Lines(v) == "R2 decision\n");
  CHECK(v[0].message.find("2026-02-20") != std::string::npos);
}

TEST_CASE("validate: transfer") {
  Event e = MakeEvent(EventKind::kTransfer, Transfer{});
  CHECK(Lines(Validate(e)) == "R3 target\n");
  e.body = Transfer{Transfer::Mode::kAssign, "朝阳区", Date{2026, 2, 19}, ""};
  CHECK(Lines(Validate(e)) == "R3 target\nR3 due_date\n");
  e.body = Transfer{Transfer::Mode::kAssign, "110105", Date{2026, 2, 20}, "请办理"};
  CHECK(Validate(e).empty());
}

TEST_CASE("validate: handling") {
  Event e = MakeEvent(EventKind::kHandling, Handling{});
  CHECK(Lines(Validate(e)) == "R3 method\n");
  Handling h{"999999", "", "", "", {}, {}};
  e.body = h;
  CHECK(Lines(Validate(e)) == "R2 method\n");
  h.method = "010100";
  for (int i = 0; i < 6; ++i) {
    std::string sha(64, 'b');
    sha[0] = static_cast<char>('0' + i);
    h.attachments.push_back({sha, 10, "application/pdf", "回执.pdf"});
  }
  h.attachments[4].media_type = "text/html";
  e.body = h;
  CHECK(Lines(Validate(e)) == "R1 attachments\nR1 attachments[4].media_type\n");
}

TEST_CASE("validate: supervision") {
  Event e = MakeEvent(EventKind::kSupervision, Supervision{"110000", "", {}});
  CHECK(Lines(Validate(e)) == "R3 instructions\n");
  e.body = Supervision{"110000", "请反馈", Date{2026, 1, 1}};
  CHECK(Lines(Validate(e)) == "R3 feedback_due\n");
}

TEST_CASE("validate: evaluation") {
  Event e = MakeEvent(EventKind::kEvaluation, Evaluation{});
  CHECK(Lines(Validate(e)) == "R3 value\n");
  e.body = Evaluation{Evaluation::Target::kHandler, "满意", "", ""};
  CHECK(Lines(Validate(e)) == "R2 value\n");
}

TEST_CASE("validate: review and re-review") {
  Event e = MakeEvent(EventKind::kReview, Review{Review::Step::kDecision, "110105", "", ""});
  CHECK(Lines(Validate(e)) == "R3 outcome\n");
  e.kind = EventKind::kReReview;
  CHECK(Lines(Validate(e)) == "R3 outcome\n");
  e.body = Review{Review::Step::kRequest, "110105", "申请复核", ""};
  CHECK(Validate(e).empty());
}

TEST_CASE("validate: delivery dates (送达日期)") {
  Handling h{"040100", "", "", "答复", {}, Date{2026, 2, 19}, {}};
  Event e = MakeEvent(EventKind::kHandling, h);
  CHECK(Lines(Validate(e)) == "R3 delivered_on\n");  // before the reply was made
  h.delivered_on = Date{2026, 3, 2};
  e.body = h;
  CHECK(Lines(Validate(e)) == "R3 delivered_on\n");  // after today (2026-03-01)
  h.delivered_on = Date{2026, 2, 20};
  e.body = h;
  CHECK(Validate(e).empty());
  e = MakeEvent(EventKind::kReReview, Review{Review::Step::kRequest, "110000", "申请复核", "", Date{2026, 2, 21}});
  CHECK(Lines(Validate(e)) == "R3 delivered_on\n");  // a request has none
}

TEST_CASE("validate: extension (延期)") {
  Event e = MakeEvent(EventKind::kExtension, Extension{});
  CHECK(Lines(Validate(e)) == "R3 days\nR3 reason\nR3 approver\nR3 notified_on\n");
  e.body = Extension{31, "复杂", "张主任", Date{2026, 2, 20}};
  const Violations v = Validate(e);
  REQUIRE(Lines(v) == "R3 days\n");
  CHECK(v[0].message.find("1 to 30 days") != std::string::npos);
  e.body = Extension{0, "复杂", "张主任", Date{2026, 2, 20}};
  CHECK(Lines(Validate(e)) == "R3 days\n");
  e.body = Extension{1, "复杂", "张主任", Date{2026, 2, 19}};
  CHECK(Lines(Validate(e)) == "R3 notified_on\n");  // told before it was made
  e.body = Extension{1, "复杂", "张主任", Date{2026, 3, 5}};
  CHECK(Lines(Validate(e)) == "R3 notified_on\n");  // after today
  e.body = Extension{30, "复杂", "张主任", Date{2026, 2, 20}};
  CHECK(Validate(e).empty());
}

TEST_CASE("validate: correction") {
  Event e = MakeEvent(EventKind::kCorrection, Correction{});
  CHECK(Lines(Validate(e)) == "R3 supersedes\nR3 fields\nR3 reason\n");
  for (const char* bad : {"110105", "110105:", "110105:0", "朝阳:1", "110105:1a", ":5"}) {
    CAPTURE(bad);
    e.body = Correction{bad, {{"summary", "新概况"}}, "更正"};
    CHECK(Lines(Validate(e)) == "R3 supersedes\n");
  }
  e.body = Correction{"110105:12", {{"summary", "新概况"}}, "更正"};
  CHECK(Lines(Validate(e)) == "R3 supersedes\n");  // itself
  e.body = Correction{"110105.ZJW:7", {{"summary", "x"}, {"attachments[0].name", "a.pdf"}}, "更正"};
  CHECK(Validate(e).empty());
  for (const char* bad : {"", "Summary", "petitioners[].phone", "petitioners[0]phone", "a..b", ".a",
                          "a.", "a[0", "摘要"}) {
    CAPTURE(bad);
    e.body = Correction{"110105:3", {{bad, "x"}}, "更正"};
    CHECK(Lines(Validate(e)) == "R3 fields[0].path\n");
  }
}

TEST_CASE("validate: duplicate notice (判重提示)") {
  DuplicateFinding f;
  f.case_id = "310104-2026-0000009";
  f.node = "310104";
  f.received_date = Date{2026, 2, 19};
  f.status = "accepted";
  f.score = "0.87";
  f.decision = DuplicateFinding::Decision::kDuplicate;
  f.reasons = {"同一身份证号", "诉求相似度 0.83"};
  Event e = MakeEvent(EventKind::kDuplicateNotice, DuplicateNotice{"110105", {f}});
  CHECK(Validate(e).empty());
  e.body = DuplicateNotice{};
  CHECK(Lines(Validate(e)) == "R3 found_by\nR3 candidates\n");
  e.body = DuplicateNotice{"100000", {f}};  // not the event's origin
  CHECK(Lines(Validate(e)) == "R3 found_by\n");
  for (const char* bad : {"", "0.8", "1.01", "2.00", "-0.10", "0,87", "0.8x"}) {
    CAPTURE(bad);
    DuplicateFinding g = f;
    g.score = bad;
    e.body = DuplicateNotice{"110105", {g}};
    CHECK(Lines(Validate(e)) == "R3 candidates[0].score\n");
  }
  DuplicateFinding own = f;
  own.case_id = e.case_id;  // its own case
  own.node = "省";
  own.reasons = {"同一身份证号\n第二行"};
  e.body = DuplicateNotice{"110105", {own}};
  CHECK(Lines(Validate(e)) == "R3 candidates[0].case_id\nR3 candidates[0].node\nR3 candidates[0].reasons[0]\n");
  e.body = DuplicateNotice{"110105", std::vector<DuplicateFinding>(11, f)};
  CHECK(Lines(Validate(e)) == "R3 candidates\n");
}

TEST_CASE("validate: event codes are checked on the event's date in UTC+8") {
  // 2010-12-31T16:30Z is 2011-01-01 00:30 in Beijing: 崇文区 (110103, abolished in
  // 2010) is retired then.
  CaseRegistration c = ValidCase();
  c.received_date = Date{2010, 12, 31};
  c.problem_place = "110103";
  c.petitioners[0].address_division.clear();
  c.due_date.reset();
  c.attachments.clear();
  Event reg = MakeEvent(EventKind::kRegistration, c);
  reg.occurred_at = *Instant::Parse("2010-12-31T16:30:00Z");
  reg.recorded_at = reg.occurred_at;
  // A registration is checked on its received date.
  CHECK_MESSAGE(Validate(reg).empty(), Lines(Validate(reg)));
  c.received_date = Date{2011, 1, 1};
  reg.body = c;
  CHECK(Lines(Validate(reg)) == "R2 problem_place\n");
}

}  // namespace
}  // namespace xf::schema

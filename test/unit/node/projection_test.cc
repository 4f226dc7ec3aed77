// node/projection.h: the state of a case as a fold over its events, and
// corrections applied to the registration in the projection only.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "node/projection.h"
#include "schema/json.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace json = boost::json;
using schema::Event;
using schema::EventKind;
using testing::At;

const std::string kCase = "110105-2026-0000001";

// Builds a case's events with origin 110105, seq 1, 2, … an hour apart.
class Timeline {
 public:
  Timeline() {
    schema::CaseRegistration c = testing::ValidCase();
    c.case_id = kCase;
    c.registering_body = "110105";
    c.registered_at = m_now;
    Add(EventKind::kRegistration, c);
  }

  template <typename Body>
  Event& Add(EventKind kind, Body body) {
    Event e;
    e.origin = "110105";
    e.seq = m_events.size() + 1;
    e.case_id = kCase;
    e.kind = kind;
    e.occurred_at = m_now;
    e.recorded_at = Instant{m_now.seconds + 60};
    e.actor = "张敏";
    e.body = std::move(body);
    m_events.push_back(std::move(e));
    m_now.seconds += 3600;
    return m_events.back();
  }

  const std::vector<Event>& events() const { return m_events; }
  CaseState State() const { return Project(m_events); }

 private:
  Instant m_now = At("2026-06-01T02:00:00Z");
  std::vector<Event> m_events;
};

schema::Review ReviewStep(schema::Review::Step step) {
  schema::Review r;
  r.step = step;
  r.body = "110100";
  r.text = "复查意见";
  if (step == schema::Review::Step::kDecision) r.outcome = "upheld";
  return r;
}

schema::Correction Fix(const std::string& path, const std::string& value) {
  schema::Correction c;
  c.supersedes = "110105:1";
  c.fields.push_back({path, value});
  c.reason = "登记有误";
  return c;
}

TEST_CASE("projection: an empty list and a registration alone") {
  const CaseState empty = Project({});
  CHECK(empty.status == "registered");
  CHECK(empty.event_count == 0);
  CHECK(empty.case_id.empty());

  Timeline t;
  const CaseState s = t.State();
  CHECK(s.case_id == kCase);
  CHECK(s.status == "registered");
  CHECK(s.event_count == 1);
  CHECK(s.body.summary == testing::ValidCase().summary);
  REQUIRE(s.due_date.has_value());
  CHECK(*s.due_date == Date{2026, 4, 17});  // the registration's 限办截止
  CHECK_FALSE(s.accepted_at.has_value());
  CHECK_FALSE(s.closed_at.has_value());
  CHECK(s.handler.empty());
  CHECK(s.satisfaction.empty());
  CHECK(s.updated_at == t.events()[0].recorded_at);
  CHECK(s.problems.empty());
}

TEST_CASE("projection: the whole workflow, step by step") {
  Timeline t;
  const Instant accepted = t.Add(EventKind::kAcceptance, schema::Acceptance{"1", "110105", ""}).occurred_at;
  schema::Transfer tr;
  tr.mode = schema::Transfer::Mode::kAssign;
  tr.target = "110105.A01";
  tr.due_date = Date{2026, 7, 1};
  t.Add(EventKind::kTransfer, tr);
  schema::Handling h;
  h.method = "010100";
  h.body = "110105.A01";
  h.reply = "已答复信访人";
  t.Add(EventKind::kHandling, h);
  schema::Evaluation ev;
  ev.value = "2";
  t.Add(EventKind::kEvaluation, ev);
  const Instant closed = t.Add(EventKind::kClosure, schema::Closure{"110105", "已办结"}).occurred_at;

  // The status after each prefix of the events.
  const std::vector<std::string> expected = {"registered", "accepted", "assigned",
                                             "handled",    "handled",  "closed"};
  REQUIRE(t.events().size() == expected.size());
  for (std::size_t n = 1; n <= expected.size(); ++n) {
    CAPTURE(n);
    const std::vector<Event> prefix(t.events().begin(), t.events().begin() + static_cast<long>(n));
    const CaseState s = Project(prefix);
    CHECK(s.status == expected[n - 1]);
    CHECK(s.event_count == n);
    CHECK(s.updated_at == prefix.back().recorded_at);
  }

  const CaseState s = t.State();
  CHECK(s.status == "closed");
  CHECK(s.handler == "110105.A01");
  REQUIRE(s.due_date.has_value());
  CHECK(*s.due_date == Date{2026, 7, 1});  // the transfer's due date replaces the registration's
  REQUIRE(s.accepted_at.has_value());
  CHECK(*s.accepted_at == accepted);
  REQUIRE(s.closed_at.has_value());
  CHECK(*s.closed_at == closed);
  CHECK(s.satisfaction == "2");
  CHECK(s.event_count == 6);
  CHECK(s.problems.empty());
  // The body is the registration's: no event but a correction changes it.
  CHECK(s.body.summary == testing::ValidCase().summary);
  CHECK(s.body.case_id == kCase);
}

TEST_CASE("projection: forwarding, supervision and a transfer without a due date") {
  Timeline t;
  schema::Transfer tr;
  tr.mode = schema::Transfer::Mode::kForward;
  tr.target = "110000";
  t.Add(EventKind::kTransfer, tr);
  CaseState s = t.State();
  CHECK(s.status == "forwarded");
  CHECK(s.handler == "110000");
  REQUIRE(s.due_date.has_value());
  CHECK(*s.due_date == Date{2026, 4, 17});  // kept: the transfer set none

  schema::Supervision sup;
  sup.body = "110000";
  sup.instructions = "请加快办理";
  t.Add(EventKind::kSupervision, sup);
  s = t.State();
  CHECK(s.status == "forwarded");  // supervision does not change the state
  CHECK(s.event_count == 3);

  // A later transfer names the new handler.
  tr.mode = schema::Transfer::Mode::kAssign;
  tr.target = "110105";
  tr.due_date = Date{2026, 8, 1};
  t.Add(EventKind::kTransfer, tr);
  s = t.State();
  CHECK(s.status == "assigned");
  CHECK(s.handler == "110105");
  CHECK(*s.due_date == Date{2026, 8, 1});
}

TEST_CASE("projection: decisions not to accept") {
  SUBCASE("不予受理") {
    Timeline t;
    const Instant at = t.Add(EventKind::kAcceptance, schema::Acceptance{"2", "110105", "正在办理期间"}).occurred_at;
    const CaseState s = t.State();
    CHECK(s.status == "not_accepted");
    REQUIRE(s.accepted_at.has_value());  // the time of the decision, whatever it was
    CHECK(*s.accepted_at == at);
  }
  SUBCASE("不再受理") {
    Timeline t;
    t.Add(EventKind::kAcceptance, schema::Acceptance{"3", "110105", "已经复核"});
    CHECK(t.State().status == "not_reaccepted");
  }
  SUBCASE("a later decision replaces an earlier one") {
    Timeline t;
    t.Add(EventKind::kAcceptance, schema::Acceptance{"2", "110105", ""});
    t.Add(EventKind::kAcceptance, schema::Acceptance{"1", "110105", ""});
    CHECK(t.State().status == "accepted");
  }
}

TEST_CASE("projection: review and re-review") {
  Timeline t;
  t.Add(EventKind::kAcceptance, schema::Acceptance{"1", "110105", ""});
  t.Add(EventKind::kHandling, schema::Handling{"010100", "110105", "", "答复", std::nullopt, {}});
  const std::vector<std::pair<EventKind, schema::Review::Step>> steps = {
      {EventKind::kReview, schema::Review::Step::kRequest},
      {EventKind::kReview, schema::Review::Step::kDecision},
      {EventKind::kReReview, schema::Review::Step::kRequest},
      {EventKind::kReReview, schema::Review::Step::kDecision}};
  const std::vector<std::string> expected = {"review_requested", "reviewed", "rereview_requested",
                                             "rereviewed"};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    CAPTURE(i);
    t.Add(steps[i].first, ReviewStep(steps[i].second));
    CHECK(t.State().status == expected[i]);
  }
  t.Add(EventKind::kClosure, schema::Closure{"110100", ""});
  CHECK(t.State().status == "closed");
}

TEST_CASE("projection: ApplyCorrection of text fields") {
  schema::CaseRegistration c = testing::ValidCase();
  c.case_id = kCase;
  REQUIRE(ApplyCorrection(c, "summary", "更正后的概况。").ok());
  CHECK(c.summary == "更正后的概况。");
  REQUIRE(ApplyCorrection(c, "petitioners[0].phone", "010-65001234").ok());
  CHECK(c.petitioners[0].phone == "010-65001234");
  CHECK(c.petitioners[0].name == "李建国");  // the rest of the petitioner untouched
  REQUIRE(ApplyCorrection(c, "problem_place", "110105004").ok());
  CHECK(c.problem_place == "110105004");
  CHECK(c.case_id == kCase);
  // Characters that need escaping in JSON survive.
  REQUIRE(ApplyCorrection(c, "requests", "要求\"按合同\"收费\\n").ok());
  CHECK(c.requests == "要求\"按合同\"收费\\n");
}

TEST_CASE("projection: ApplyCorrection keeps numbers, booleans and dates typed") {
  schema::CaseRegistration c = testing::ValidCase();
  REQUIRE(ApplyCorrection(c, "petitioner_count", "3").ok());
  CHECK(c.petitioner_count == 3);
  REQUIRE(ApplyCorrection(c, "involved_count", "12").ok());
  CHECK(c.involved_count == 12);
  REQUIRE(ApplyCorrection(c, "anonymous", "true").ok());
  CHECK(c.anonymous);
  REQUIRE(ApplyCorrection(c, "due_date", "2026-05-01").ok());
  REQUIRE(c.due_date.has_value());
  CHECK(*c.due_date == Date{2026, 5, 1});
  REQUIRE(ApplyCorrection(c, "received_date", "2026-02-15").ok());
  CHECK(c.received_date == Date{2026, 2, 15});

  // A value that does not fit the field's type is refused, and the body kept.
  const std::string before = schema::CaseToJson(c);
  CHECK_FALSE(ApplyCorrection(c, "petitioner_count", "three").ok());
  CHECK_FALSE(ApplyCorrection(c, "petitioner_count", "3.5").ok());
  CHECK_FALSE(ApplyCorrection(c, "anonymous", "yes").ok());
  CHECK_FALSE(ApplyCorrection(c, "received_date", "2026-02-30").ok());
  CHECK(schema::CaseToJson(c) == before);
}

TEST_CASE("projection: ApplyCorrection refuses what it cannot apply and leaves the body as it was") {
  schema::CaseRegistration c = testing::ValidCase();
  c.case_id = kCase;
  const std::string before = schema::CaseToJson(c);
  const char* const bad_paths[] = {"", ".summary", "summary..phone", "petitioners[x].phone",
                                   "petitioners[].phone", "petitioners[0]phone", "petitioners[0",
                                   "petitioners.phone", "summary[0]", "petitioners[1234567].phone"};
  for (const std::string path : bad_paths) {
    CAPTURE(path);
    const auto s = ApplyCorrection(c, path, "x");
    CHECK_FALSE(s.ok());
    if (!s.ok()) CHECK(s.error().code == Errc::kInvalidArgument);
  }
  SUBCASE("an index out of range") {
    const auto s = ApplyCorrection(c, "petitioners[1].phone", "010-65001234");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("petitioners[1].phone") != std::string::npos);
    CHECK_FALSE(ApplyCorrection(c, "representatives[0]", "张三").ok());
  }
  SUBCASE("a field that does not exist") {
    CHECK_FALSE(ApplyCorrection(c, "colour", "blue").ok());
    CHECK_FALSE(ApplyCorrection(c, "petitioners[0].shoe_size", "42").ok());
  }
  SUBCASE("the case id") {
    const auto s = ApplyCorrection(c, "case_id", "110105-2026-0000002");
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("case id") != std::string::npos);
  }
  SUBCASE("an element replaced by something of the wrong shape") {
    CHECK_FALSE(ApplyCorrection(c, "petitioners[0]", "李建国").ok());
  }
  CHECK(schema::CaseToJson(c) == before);
}

TEST_CASE("projection: a path with a trailing dot is refused") {
  // Regression: "summary." used to parse as "summary", so a truncated path
  // silently corrected another field.
  schema::CaseRegistration c = testing::ValidCase();
  CHECK_FALSE(ApplyCorrection(c, "summary.", "x").ok());
  CHECK(c.summary == testing::ValidCase().summary);
}

TEST_CASE("projection: a correction event changes the body in the projection only") {
  Timeline t;
  t.Add(EventKind::kCorrection, Fix("petitioners[0].phone", "010-65001234"));
  t.Add(EventKind::kCorrection, Fix("petitioner_count", "2"));
  const CaseState s = t.State();
  CHECK(s.problems.empty());
  CHECK(s.body.petitioners[0].phone == "010-65001234");
  CHECK(s.body.petitioner_count == 2);
  CHECK(s.status == "registered");  // a correction is not a workflow step
  CHECK(s.event_count == 3);
  // The registration event itself is untouched.
  const auto& reg = std::get<schema::CaseRegistration>(t.events()[0].body);
  CHECK(reg.petitioners[0].phone == "138-1234-5678");
  CHECK(reg.petitioner_count == 1);
}

TEST_CASE("projection: a correction that cannot be applied is a problem, not a change") {
  Timeline t;
  const std::string body_before = schema::CaseToJson(t.State().body);
  const Event& bad = t.Add(EventKind::kCorrection, Fix("petitioners[3].phone", "010-65001234"));
  const std::string bad_id = bad.Id();
  t.Add(EventKind::kCorrection, Fix("case_id", "110105-2026-0000009"));
  const CaseState s = t.State();
  REQUIRE(s.problems.size() == 2);
  CHECK(s.problems[0].find(bad_id) != std::string::npos);
  CHECK(s.problems[0].find("petitioners[3].phone") != std::string::npos);
  CHECK(s.problems[1].find("110105:3") != std::string::npos);
  CHECK(schema::CaseToJson(s.body) == body_before);
  CHECK(s.case_id == kCase);
  CHECK(s.body.case_id == kCase);
}

TEST_CASE("projection: a corrected due date is the case's due date") {
  // Regression: state.due_date used to stay the registration's after a
  // correction of "due_date", so the JSON showed two different 限办截止.
  Timeline t;
  t.Add(EventKind::kCorrection, Fix("due_date", "2026-05-20"));
  const CaseState s = t.State();
  REQUIRE(s.body.due_date.has_value());
  CHECK(*s.body.due_date == Date{2026, 5, 20});
  REQUIRE(s.due_date.has_value());
  CHECK(*s.due_date == Date{2026, 5, 20});
}

TEST_CASE("projection: CaseStateToJson has the documented keys and values") {
  Timeline t;
  SUBCASE("a new case: the optional times are null") {
    const json::value v = json::parse(CaseStateToJson(t.State()));
    const json::object& o = v.as_object();
    CHECK(o.at("due_date").as_string() == "2026-04-17");
    CHECK(o.at("accepted_at").is_null());
    CHECK(o.at("closed_at").is_null());
    CHECK(o.at("status").as_string() == "registered");
  }
  SUBCASE("a closed case") {
    t.Add(EventKind::kAcceptance, schema::Acceptance{"1", "110105", ""});
    t.Add(EventKind::kEvaluation, schema::Evaluation{schema::Evaluation::Target::kHandler, "1", "", "phone"});
    t.Add(EventKind::kClosure, schema::Closure{"110105", ""});
    t.Add(EventKind::kCorrection, Fix("petitioners[5].name", "x"));
    const CaseState s = t.State();
    const json::value v = json::parse(CaseStateToJson(s));
    REQUIRE(v.is_object());
    const json::object& o = v.as_object();
    std::set<std::string> keys;
    for (const auto& kv : o) keys.insert(std::string(kv.key()));
    const std::set<std::string> documented = {"case_id",   "status",      "handler",     "due_date",
                                              "accepted_at", "closed_at", "satisfaction", "event_count",
                                              "updated_at", "problems",  "case"};
    CHECK(keys == documented);
    CHECK(o.at("case_id").as_string() == kCase);
    CHECK(o.at("status").as_string() == "closed");
    CHECK(o.at("handler").as_string() == "");
    CHECK(o.at("accepted_at").as_string() == s.accepted_at->ToString());
    CHECK(o.at("closed_at").as_string() == s.closed_at->ToString());
    CHECK(o.at("satisfaction").as_string() == "1");
    CHECK(o.at("event_count").to_number<std::int64_t>() == 5);
    CHECK(o.at("updated_at").as_string() == s.updated_at.ToString());
    REQUIRE(o.at("problems").as_array().size() == 1);
    CHECK(o.at("problems").as_array()[0].as_string() == s.problems[0]);
    // "case" is the body in the JSON mapping: it reads back to the same body.
    schema::Violations violations;
    const auto body = schema::CaseFromJson(json::serialize(o.at("case")), violations);
    REQUIRE(body.ok());
    CHECK(violations.empty());
    CHECK(schema::CaseToJson(*body) == schema::CaseToJson(s.body));
  }
}

}  // namespace
}  // namespace xf::node

// The JSON mapping: round trips, the posted (flat) event form, wrong types
// as R3 violations with their paths, and refused input.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "mapping_samples.h"
#include "schema/json.h"
#include "schema/xml.h"

namespace xf::schema {
namespace {

using mapping_test::CollectiveCase;
using mapping_test::SampleEvents;
using mapping_test::SingleCase;

bool HasField(const Violations& v, std::string_view field) {
  return std::any_of(v.begin(), v.end(),
                     [&](const Violation& x) { return x.rule == "R3" && x.field == field; });
}

std::string Fields(const Violations& v) {
  std::string s;
  for (const auto& x : v) s += x.rule + " " + x.field + ": " + x.message + "\n";
  return s;
}

CaseRegistration Case(const std::string& json, Violations& v) {
  auto r = CaseFromJson(json, v);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}

Event Ev(const std::string& json, Violations& v) {
  auto r = EventFromJson(json, v);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}

TEST_CASE("mapping: case JSON round trip gives the same bytes") {
  for (const CaseRegistration& c : {SingleCase(), CollectiveCase()}) {
    const std::string json = CaseToJson(c);
    Violations v;
    const CaseRegistration back = Case(json, v);
    CHECK_MESSAGE(v.empty(), Fields(v));
    CHECK(CaseToJson(back) == json);
    CHECK(CaseToXml(back) == CaseToXml(c));  // and the XML agrees
  }
}

TEST_CASE("mapping: event JSON round trip gives the same bytes, every kind") {
  auto events = SampleEvents();
  events.emplace_back("event_duplicate_notice", mapping_test::SampleNotice());
  for (const auto& [name, e] : events) {
    CAPTURE(name);
    const std::string json = EventToJson(e);
    Violations v;
    const Event back = Ev(json, v);
    CHECK_MESSAGE(v.empty(), Fields(v));
    CHECK(EventToJson(back) == json);
    CHECK(EventToXml(back) == EventToXml(e));
    CHECK(BodyMatchesKind(back));
  }
}

// Issue 12: 全国初次 omitted is not known, never true.
TEST_CASE("mapping: first_nationally absent stays absent in JSON and XML; given stays given") {
  CaseRegistration c = SingleCase();
  c.first_nationally.reset();
  const std::string json = CaseToJson(c);
  CHECK(json.find("first_nationally") == std::string::npos);
  const std::string xml = CaseToXml(c);
  CHECK(xml.find("first_nationally") == std::string::npos);
  Violations v;
  CHECK_FALSE(Case(json, v).first_nationally.has_value());
  auto from_xml = CaseFromXml(xml, v);
  REQUIRE(from_xml);
  CHECK_FALSE(from_xml->first_nationally.has_value());
  CHECK(v.empty());
  // null is absent too; true and false are kept as given, in both forms.
  auto o = boost::json::parse(json).as_object();
  o["first_nationally"] = nullptr;
  CHECK_FALSE(Case(boost::json::serialize(o), v).first_nationally.has_value());
  for (const bool given : {false, true}) {
    o["first_nationally"] = given;
    const CaseRegistration back = Case(boost::json::serialize(o), v);
    REQUIRE(back.first_nationally.has_value());
    CHECK(*back.first_nationally == given);
    auto again = CaseFromXml(CaseToXml(back), v);
    REQUIRE(again);
    CHECK(again->first_nationally == back.first_nationally);
    CHECK(CaseToJson(*again).find(given ? "\"first_nationally\":true" : "\"first_nationally\":false") !=
          std::string::npos);
  }
  CHECK(v.empty());
  o["first_nationally"] = "yes";
  Case(boost::json::serialize(o), v);
  CHECK(HasField(v, "first_nationally"));
}

TEST_CASE("mapping: XML to JSON to XML") {
  for (const auto& [name, e] : SampleEvents()) {
    CAPTURE(name);
    const std::string xml = EventToXml(e);
    Violations v;
    auto from_xml = EventFromXml(xml, v);
    REQUIRE(from_xml.ok());
    auto from_json = EventFromJson(EventToJson(*from_xml), v);
    REQUIRE(from_json.ok());
    CHECK(EventToXml(*from_json) == xml);
    CHECK(v.empty());
  }
}

TEST_CASE("mapping: the full event JSON shape") {
  const auto e = SampleEvents()[1].second;
  CHECK(EventToJson(e) ==
        R"({"id":"440106:2","origin":"440106","seq":2,"case_id":"440106-2026-0000123",)"
        R"("kind":"acceptance","occurred_at":"2026-03-04T02:00:00Z",)"
        R"("recorded_at":"2026-03-04T02:00:42Z","actor":"李明","body":{"decision":"1",)"
        R"("body":"广州市天河区信访局","reason":"属于本机关职权范围，依法予以受理。"}})");
}

TEST_CASE("mapping: posted events have their body fields flat") {
  Violations v;
  const Event a = Ev(R"({"kind":"acceptance","occurred_at":"2026-03-04T10:00:00+08:00",
                         "actor":"李明","decision":"2","body":"广州市天河区信访局",
                         "reason":"同一事项正在办理期间"})",
                     v);
  CHECK_MESSAGE(v.empty(), Fields(v));
  CHECK(a.kind == EventKind::kAcceptance);
  CHECK(a.occurred_at.ToString() == "2026-03-04T02:00:00Z");
  CHECK(a.actor == "李明");
  CHECK(a.origin.empty());
  CHECK(a.seq == 0);
  const auto& acc = std::get<Acceptance>(a.body);
  CHECK(acc.decision == "2");
  CHECK(acc.body == "广州市天河区信访局");

  const Event t = Ev(R"({"kind":"transfer","occurred_at":"2026-03-04T15:20:00+08:00",
                         "actor":"李明","mode":"assign","target":"440106.NYNCJ",
                         "due_date":"2026-05-01"})",
                     v);
  CHECK(v.empty());
  CHECK(std::get<Transfer>(t.body).mode == Transfer::Mode::kAssign);
  CHECK(std::get<Transfer>(t.body).due_date == Date{2026, 5, 1});

  const Event r = Ev(R"({"kind":"rereview","occurred_at":"2026-06-20T17:00:00+08:00",
                         "actor":"李明","step":"decision","outcome":"upheld"})",
                     v);
  CHECK(v.empty());
  CHECK(r.kind == EventKind::kReReview);
  CHECK(std::get<Review>(r.body).step == Review::Step::kDecision);

  const Event ev = Ev(R"({"kind":"evaluation","occurred_at":"2026-04-18T11:12:13+08:00",
                          "actor":"李明","target":"bureau","value":"1"})",
                      v);
  CHECK(v.empty());
  CHECK(std::get<Evaluation>(ev.body).target == Evaluation::Target::kBureau);
}

TEST_CASE("mapping: a posted registration event carries the case fields") {
  boost::json::object o = boost::json::parse(CaseToJson(SingleCase())).as_object();
  o["kind"] = "registration";
  o["occurred_at"] = "2026-03-02T09:30:00+08:00";
  o["actor"] = "李明";
  Violations v;
  const Event e = Ev(boost::json::serialize(o), v);
  CHECK_MESSAGE(v.empty(), Fields(v));
  CHECK(e.case_id == "440106-2026-0000123");
  const auto& c = std::get<CaseRegistration>(e.body);
  CHECK(c.case_id == "440106-2026-0000123");
  CHECK(CaseToJson(c) == CaseToJson(SingleCase()));
}

TEST_CASE("mapping: JSON wrong types are R3 violations with the path; defaults kept") {
  Violations v;
  const CaseRegistration c = Case(R"({
      "received_date": "2026-02-30",
      "channel": 200,
      "petitioners": [
        {"name": "甲", "gender": "1", "first": "yes"},
        {"name": 7, "gender": "2", "nickname": "小乙"},
        "丙"
      ],
      "petitioner_count": "3",
      "involved_count": 2.5,
      "representatives": ["甲", 2],
      "summary": ["概况"],
      "is_public": 1,
      "registered_at": "2026-03-02 09:30",
      "due_date": null,
      "attachments": {"sha256": "ab"},
      "colour": "red"
    })",
                                  v);
  CAPTURE(Fields(v));
  CHECK(HasField(v, "received_date"));
  CHECK(c.received_date == Date{});
  CHECK(HasField(v, "channel"));
  CHECK(c.channel.empty());
  CHECK(HasField(v, "petitioners[0].first"));
  CHECK(HasField(v, "petitioners[1].name"));
  CHECK(HasField(v, "petitioners[1].nickname"));
  CHECK(HasField(v, "petitioners[2]"));
  CHECK(c.petitioners.size() == 2);
  CHECK(c.petitioners[1].gender == "2");
  CHECK(HasField(v, "petitioner_count"));
  CHECK(c.petitioner_count == 1);
  CHECK(HasField(v, "involved_count"));
  CHECK(HasField(v, "representatives[1]"));
  CHECK(c.representatives == std::vector<std::string>{"甲"});
  CHECK(HasField(v, "summary"));
  CHECK(HasField(v, "is_public"));
  CHECK_FALSE(c.is_public);
  CHECK(HasField(v, "registered_at"));
  CHECK_FALSE(HasField(v, "due_date"));  // null: absent
  CHECK(HasField(v, "attachments"));
  CHECK(HasField(v, "colour"));
  CHECK(v.size() == 14);
  for (const auto& x : v) CHECK(x.rule == "R3");
}

TEST_CASE("mapping: JSON numbers out of range") {
  Violations v;
  const CaseRegistration c = Case(R"({"received_date":"2026-03-02","petitioner_count":3000000000,
      "involved_count":-2,"attachments":[{"sha256":"x","size":-5,"media_type":"text/plain"},
      {"sha256":"y","size":18446744073709551615,"media_type":"text/plain"}]})",
                                  v);
  CAPTURE(Fields(v));
  CHECK(HasField(v, "petitioner_count"));
  CHECK_FALSE(HasField(v, "involved_count"));  // -2 is an int; validation judges it
  CHECK(c.involved_count == -2);
  CHECK(HasField(v, "attachments[0].size"));
  CHECK(c.attachments.at(1).size == 18446744073709551615ull);
  CHECK(v.size() == 2);
}

TEST_CASE("mapping: JSON required fields the struct cannot show as absent") {
  Violations v;
  (void)Case(R"({"channel":"200"})", v);
  CHECK(HasField(v, "received_date"));
  Violations ev;
  const Event e = Ev(R"({"occurred_at":"2026-03-04T10:00:00+08:00","decision":"1"})", ev);
  CHECK(HasField(ev, "kind"));
  CHECK(ev.size() == 1);  // body fields of an unknown kind are not guessed at
  CHECK(BodyMatchesKind(e));
}

TEST_CASE("mapping: JSON event envelope problems") {
  Violations v;
  const Event e = Ev(R"({"kind":"closure","occurred_at":"yesterday","actor":["x"],
                         "seq":-1,"decision":"1","id":"440106:9","origin":"440106"})",
                     v);
  CAPTURE(Fields(v));
  CHECK(HasField(v, "occurred_at"));
  CHECK(HasField(v, "actor"));
  CHECK(HasField(v, "seq"));
  CHECK(HasField(v, "decision"));  // not a closure field
  CHECK(HasField(v, "id"));        // 440106:9 is not origin:seq (440106:0)
  CHECK(e.kind == EventKind::kClosure);
  CHECK(BodyMatchesKind(e));
  for (const auto& x : v) CHECK(x.record == "440106:0");

  Violations u;
  (void)Ev(R"({"kind":"handling","occurred_at":"2026-03-04T10:00:00+08:00","method":"040100",
               "body":{"method":"x"}})",
           u);
  CHECK(HasField(u, "method"));  // nested form: flat body fields are unknown
  Violations w;
  (void)Ev(R"({"kind":"handling","occurred_at":"2026-03-04T10:00:00+08:00",
               "body":{"method":1,"colour":"red"}})",
           w);
  CHECK(HasField(w, "body.method"));
  CHECK(HasField(w, "body.colour"));
  Violations k;
  (void)Ev(R"({"kind":"approval","occurred_at":"2026-03-04T10:00:00+08:00"})", k);
  CHECK(HasField(k, "kind"));
  Violations k2;
  (void)Ev(R"({"kind":3,"occurred_at":"2026-03-04T10:00:00+08:00"})", k2);
  CHECK(HasField(k2, "kind"));
}

TEST_CASE("mapping: JSON that is not an object, too big or too deep is an Error") {
  Violations v;
  auto bad = CaseFromJson("{\"channel\": \"200\",\n \"summary\": oops}", v);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::kInvalidArgument);
  CHECK(bad.error().message.find("line 2, column 13") != std::string::npos);
  for (const char* text :
       {"", "[]", "\"case\"", "42", "null", "{} {}", "{\"a\":1,}", "{\"a\":\"\xff\"}"}) {
    CAPTURE(text);
    auto r = EventFromJson(text, v);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::kInvalidArgument);
  }
  CHECK(v.empty());
  auto big = CaseFromJson("{\"summary\":\"" + std::string(4 * 1024 * 1024, 'x') + "\"}", v);
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == Errc::kLimit);
  std::string deep = "{\"a\":";
  for (int i = 0; i < 40; ++i) deep += "[";
  auto d = CaseFromJson(deep, v);
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().code == Errc::kLimit);
  std::string deep_ok = "{\"representatives\":";
  for (int i = 0; i < 30; ++i) deep_ok += "[";
  for (int i = 0; i < 30; ++i) deep_ok += "]";
  deep_ok += "}";
  CHECK(CaseFromJson(deep_ok, v).ok());  // within 32: a type violation, not an Error
  CHECK(HasField(v, "representatives[0]"));
}

TEST_CASE("mapping: JSON output is valid UTF-8 whatever the record holds") {
  CaseRegistration c = SingleCase();
  c.summary = "bad\xff\xfe bytes\x01";
  const std::string json = CaseToJson(c);
  Violations v;
  const CaseRegistration back = Case(json, v);
  CHECK(back.summary == "bad\xef\xbf\xbd\xef\xbf\xbd bytes\x01");
}

TEST_CASE("mapping: ViolationsToJson") {
  CHECK(ViolationsToJson({}) == R"({"violations":[]})");
  const Violations v = {{"R3", "petitioners[0].id_number", "check character is '1', expected 'X'",
                         "440106-2026-0000123"},
                        {"R1", "attachments", "6 attachments; at most 5 are allowed", ""}};
  CHECK(
      ViolationsToJson(v) ==
      R"({"violations":[{"rule":"R3","field":"petitioners[0].id_number",)"
      R"("message":"check character is '1', expected 'X'","record":"440106-2026-0000123"},)"
      R"({"rule":"R1","field":"attachments","message":"6 attachments; at most 5 are allowed"}]})");
}

}  // namespace
}  // namespace xf::schema

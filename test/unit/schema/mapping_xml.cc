// The XML mapping: round trips, canonical bytes, escaping, and field-level
// problems reported as R3 violations with their paths.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "mapping_samples.h"
#include "schema/records.h"
#include "schema/xml.h"

namespace xf::schema {
namespace {

using mapping_test::CollectiveCase;
using mapping_test::SampleEvents;
using mapping_test::SingleCase;

const std::string kNs = "xmlns=\"urn:xfnode:exchange:1\"";

bool HasField(const Violations& v, std::string_view field) {
  return std::any_of(v.begin(), v.end(),
                     [&](const Violation& x) { return x.rule == "R3" && x.field == field; });
}

std::string Fields(const Violations& v) {
  std::string s;
  for (const auto& x : v) s += x.rule + " " + x.field + ": " + x.message + "\n";
  return s;
}

CaseRegistration ParseCase(const std::string& xml, Violations& v) {
  auto r = CaseFromXml(xml, v);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}

Event ParseEvent(const std::string& xml, Violations& v) {
  auto r = EventFromXml(xml, v);
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  return *r;
}

TEST_CASE("mapping: event kind names") {
  for (int i = 0; i <= static_cast<int>(EventKind::kDuplicateNotice); ++i) {
    const auto k = static_cast<EventKind>(i);
    CHECK(EventKindFromName(EventKindName(k)) == k);
  }
  CHECK(EventKindName(EventKind::kReReview) == "rereview");
  CHECK_FALSE(EventKindFromName("Registration"));
  CHECK_FALSE(EventKindFromName(""));
}

TEST_CASE("mapping: BodyMatchesKind") {
  Event e;
  CHECK(BodyMatchesKind(e));
  e.kind = EventKind::kReReview;
  CHECK_FALSE(BodyMatchesKind(e));
  e.body = Review{};
  CHECK(BodyMatchesKind(e));
  e.kind = EventKind::kReview;
  CHECK(BodyMatchesKind(e));
  for (const auto& [name, ev] : SampleEvents()) CHECK_MESSAGE(BodyMatchesKind(ev), name);
}

TEST_CASE("mapping: case XML round trip gives the same bytes") {
  for (const CaseRegistration& c : {SingleCase(), CollectiveCase(), CaseRegistration{}}) {
    const std::string xml = CaseToXml(c);
    Violations v;
    const CaseRegistration back = ParseCase(xml, v);
    CHECK_MESSAGE(v.empty(), Fields(v));
    CHECK(CaseToXml(back) == xml);
  }
  Violations v;
  const CaseRegistration back = ParseCase(CaseToXml(CollectiveCase()), v);
  CHECK(back.summary == CollectiveCase().summary);  // & < > and line breaks survive
  CHECK(back.petitioners.size() == 3);
  CHECK(back.petitioners[1].id_number == "110105491231002");
  CHECK(back.petitioners[1].id_number_18 == "11010519491231002X");
  CHECK(back.petitioners[0].id_number_18.empty());
  CHECK(back.representatives == CollectiveCase().representatives);
  CHECK(back.repeat);
  CHECK(back.first_nationally == false);
  CHECK(back.attachments.at(1).size == 619);
  CHECK(back.registered_at == CollectiveCase().registered_at);
  CHECK(back.due_date == Date{2026, 4, 20});
}

TEST_CASE("mapping: event XML round trip gives the same bytes, every kind") {
  auto events = SampleEvents();
  events.emplace_back("event_duplicate_notice", mapping_test::SampleNotice());
  for (const auto& [name, e] : events) {
    CAPTURE(name);
    const std::string xml = EventToXml(e);
    Violations v;
    const Event back = ParseEvent(xml, v);
    CHECK_MESSAGE(v.empty(), Fields(v));
    CHECK(back.kind == e.kind);
    CHECK(back.body.index() == e.body.index());
    CHECK(back.Id() == e.Id());
    CHECK(EventToXml(back) == xml);
    CHECK(EventToXml(e) == xml);  // stable: the same record, the same bytes
  }
}

TEST_CASE("mapping: canonical XML bytes") {
  const auto events = SampleEvents();
  CHECK(EventToXml(events[1].second) ==
        "<event " + kNs +
            " id=\"440106:2\" origin=\"440106\" seq=\"2\" case=\"440106-2026-0000123\" "
            "kind=\"acceptance\" occurred=\"2026-03-04T02:00:00Z\" "
            "recorded=\"2026-03-04T02:00:42Z\" actor=\"李明\"><acceptance><decision>1</decision>"
            "<body>广州市天河区信访局</body><reason>属于本机关职权范围，依法予以受理。</reason>"
            "</acceptance></event>");
  // Empty optional fields are left out; required ones and every flag stay,
  // but for first_nationally (全国初次), which is absent until known.
  CHECK(CaseToXml(CaseRegistration{}) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<case " + kNs +
            "><received_date>1970-01-01</received_date><channel/><registrar/>"
            "<petitioner_count>1</petitioner_count><involved_count>1</involved_count>"
            "<summary/><requests/><problem_place/><content_category/><purpose/>"
            "<repeat>false</repeat><first_at_this_body>true</first_at_this_body>"
            "<skipped_level>false</skipped_level>"
            "<is_public>false</is_public><anonymous>false</anonymous><joint>false</joint>"
            "</case>\n");
  // Instants are written in UTC whatever offset they were read with.
  Transfer t;
  t.target = "440106";
  Event e = mapping_test::MakeEvent(3, EventKind::kTransfer, "2026-03-04T23:59:59+08:00", "x", t);
  const std::string xml = EventToXml(e);
  CHECK(xml.find("occurred=\"2026-03-04T15:59:59Z\"") != std::string::npos);
  CHECK(xml.find("<mode>forward</mode>") != std::string::npos);
}

TEST_CASE("mapping: XML escaping keeps every character a parser can give back") {
  CaseRegistration c = SingleCase();
  c.summary = "a<b>&c\"d'e\r\nf\tg ]]> h";
  c.registrar = "tab\there";
  c.petitioners[0].employer = "  leading and trailing  ";
  const std::string xml = CaseToXml(c);
  CHECK(xml.find("a&lt;b&gt;&amp;c\"d'e&#13;\nf\tg ]]&gt; h") != std::string::npos);
  Violations v;
  const CaseRegistration back = ParseCase(xml, v);
  CHECK(back.summary == c.summary);
  CHECK(back.registrar == c.registrar);
  CHECK(back.petitioners[0].employer == c.petitioners[0].employer);

  Event e = SampleEvents()[1].second;
  e.actor = "张三 \"主任\"\n<&>\t";
  const std::string exml = EventToXml(e);
  CHECK(exml.find("actor=\"张三 &quot;主任&quot;&#10;&lt;&amp;&gt;&#9;\"") != std::string::npos);
  Violations ev;
  CHECK(ParseEvent(exml, ev).actor == e.actor);
}

TEST_CASE("mapping: text XML cannot carry becomes U+FFFD, output stays well-formed") {
  CaseRegistration c = SingleCase();
  c.summary = std::string("bell\x07 nul") + '\0' + " bad\xff utf8 \xe4\xb8";
  c.registrar = "\xef\xbf\xbe";  // U+FFFE is not an XML character
  const std::string xml = CaseToXml(c);
  Violations v;
  const CaseRegistration back = ParseCase(xml, v);
  CHECK(back.summary ==
        "bell\xef\xbf\xbd nul\xef\xbf\xbd bad\xef\xbf\xbd utf8 \xef\xbf\xbd\xef\xbf\xbd");
  CHECK(back.registrar == "\xef\xbf\xbd");
}

TEST_CASE("mapping: XML reader takes any order, white space, comments and CDATA") {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<!-- posted by a local system -->
<case xmlns="urn:xfnode:exchange:1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
      xsi:schemaLocation="urn:xfnode:exchange:1 xfnode.xsd">
  <summary><![CDATA[租金<去向>不明]]></summary>
  <received_date> 2026-03-02 </received_date>
  <petitioners>
    <petitioner>
      <gender>2</gender>
      <name>陈秀英</name>
      <first>
        true
      </first>
    </petitioner>
  </petitioners>
  <channel>200</channel>
  <?some-pi data?>
  <petitioner_count>1</petitioner_count>
</case>
)";
  Violations v;
  const CaseRegistration c = ParseCase(xml, v);
  CHECK_MESSAGE(v.empty(), Fields(v));
  CHECK(c.summary == "租金<去向>不明");
  CHECK(c.received_date == Date{2026, 3, 2});
  REQUIRE(c.petitioners.size() == 1);
  CHECK(c.petitioners[0].name == "陈秀英");
  CHECK(c.petitioners[0].first);
  CHECK(c.channel == "200");
}

TEST_CASE("mapping: XML field problems are R3 violations with their path") {
  const std::string xml = "<case " + kNs + R"(>
    <received_date>2026-02-30</received_date>
    <channel>200</channel>
    <petitioners>
      <petitioner><name>甲</name><gender>1</gender><first>yes</first></petitioner>
      <petitioner><name>乙</name><gender>2</gender><nickname>小乙</nickname></petitioner>
      <someone/>
    </petitioners>
    <petitioner_count>three</petitioner_count>
    <involved_count>99999999999</involved_count>
    <representatives><representative>甲</representative><name>乙</name></representatives>
    <summary>概况</summary>
    <summary>又一个概况</summary>
    <due_date>tomorrow</due_date>
    <registered_at>2026-03-02T09:30:00</registered_at>
    <attachments><attachment><sha256>ab</sha256><size>-1</size></attachment></attachments>
    <colour>red</colour>
    <requests>诉求<b>加粗</b></requests>
    <x:foo xmlns:x="urn:other">bar</x:foo>
    stray text
  </case>)";
  Violations v;
  const CaseRegistration c = ParseCase(xml, v);
  const std::string all = Fields(v);
  CAPTURE(all);
  CHECK(HasField(v, "received_date"));
  CHECK(c.received_date == Date{});  // keeps its default
  CHECK(HasField(v, "petitioners[0].first"));
  CHECK(HasField(v, "petitioners[1].nickname"));
  CHECK(HasField(v, "petitioners"));  // <someone/> and the stray <name>
  CHECK(HasField(v, "petitioner_count"));
  CHECK(c.petitioner_count == 1);
  CHECK(HasField(v, "involved_count"));
  CHECK(HasField(v, "representatives"));
  CHECK(HasField(v, "summary"));  // twice
  CHECK(c.summary == "概况");
  CHECK(HasField(v, "due_date"));
  CHECK_FALSE(c.due_date);
  CHECK(HasField(v, "registered_at"));  // no offset
  CHECK(HasField(v, "attachments[0].size"));
  CHECK(HasField(v, "colour"));
  CHECK(HasField(v, "requests"));  // an element inside a value
  CHECK(c.requests == "诉求");
  CHECK(HasField(v, "foo"));
  CHECK(HasField(v, ""));  // stray text in <case>
  CHECK(c.petitioners.size() == 2);
  for (const auto& x : v) CHECK(x.rule == "R3");
  CHECK(v.size() == 15);
}

TEST_CASE("mapping: a case without received_date says so") {
  Violations v;
  const CaseRegistration c = ParseCase("<case " + kNs + "><channel>200</channel></case>", v);
  CHECK(HasField(v, "received_date"));
  CHECK(c.channel == "200");
}

TEST_CASE("mapping: violations name the record") {
  Violations v;
  (void)ParseCase("<case " + kNs +
                      "><case_id>440106-2026-0000123</case_id><received_date>x</received_date>"
                      "</case>",
                  v);
  REQUIRE(v.size() == 1);
  CHECK(v[0].record == "440106-2026-0000123");
  Violations ev;
  Event e = SampleEvents()[1].second;
  std::string xml = EventToXml(e);
  xml.replace(xml.find("<decision>1</decision>"), 22, "<decision>1</decision><x/>");
  (void)ParseEvent(xml, ev);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].field == "x");
  CHECK(ev[0].record == "440106:2");
}

TEST_CASE("mapping: event envelope problems") {
  const std::string body = "<acceptance><decision>1</decision></acceptance>";
  auto event = [&](const std::string& attrs, const std::string& inner) {
    return "<event " + kNs + " " + attrs + ">" + inner + "</event>";
  };
  const std::string good =
      "id=\"440106:2\" origin=\"440106\" seq=\"2\" case=\"440106-2026-0000123\" "
      "kind=\"acceptance\" occurred=\"2026-03-04T10:00:00+08:00\" "
      "recorded=\"2026-03-04T02:00:42Z\" actor=\"李明\"";
  {
    Violations v;
    const Event e = ParseEvent(event(good, body), v);
    CHECK_MESSAGE(v.empty(), Fields(v));
    CHECK(e.occurred_at.ToString() == "2026-03-04T02:00:00Z");
    CHECK(std::get<Acceptance>(e.body).decision == "1");
  }
  {
    Violations v;
    const Event e = ParseEvent(event("origin=\"440106\" seq=\"x\" kind=\"accept\" colour=\"red\" "
                                     "occurred=\"yesterday\"",
                                     body),
                               v);
    CAPTURE(Fields(v));
    CHECK(HasField(v, "seq"));
    CHECK(HasField(v, "kind"));
    CHECK(HasField(v, "colour"));
    CHECK(HasField(v, "occurred_at"));
    CHECK(HasField(v, "recorded_at"));  // missing
    CHECK(HasField(v, "actor"));        // missing
    CHECK(HasField(v, "case_id"));      // missing
    CHECK(HasField(v, "id"));           // missing
    // The kind is taken from the body, so the result stays consistent.
    CHECK(e.kind == EventKind::kAcceptance);
    CHECK(BodyMatchesKind(e));
  }
  {
    Violations v;
    std::string attrs = good;
    attrs.replace(attrs.find("kind=\"acceptance\""), 17, "kind=\"closure\"   ");
    const Event e = ParseEvent(event(attrs, body), v);
    CHECK(HasField(v, "kind"));
    CHECK(e.kind == EventKind::kClosure);
    CHECK(BodyMatchesKind(e));
  }
  {
    Violations v;
    const Event e = ParseEvent(event(good, ""), v);
    CHECK(HasField(v, "body"));
    CHECK(BodyMatchesKind(e));
  }
  {
    Violations v;
    (void)ParseEvent(event(good, body + body), v);
    CHECK(HasField(v, "body"));
  }
  {
    Violations v;
    std::string attrs = good;
    attrs.replace(attrs.find("id=\"440106:2\""), 13, "id=\"440106:3\"");
    (void)ParseEvent(event(attrs, body), v);
    CHECK(HasField(v, "id"));
  }
  {
    Violations v;
    (void)ParseEvent(event(good, "<review><step>decided</step></review>"), v);
    CHECK(HasField(v, "kind"));  // review body for an acceptance
  }
  {
    Violations v;
    std::string attrs = good;
    attrs.replace(attrs.find("kind=\"acceptance\""), 17, "kind=\"rereview\"  ");
    const Event e = ParseEvent(event(attrs, "<review><step>decided</step></review>"), v);
    CHECK(HasField(v, "step"));
    CHECK(e.kind == EventKind::kReReview);
  }
}

TEST_CASE("mapping: a registration event carries the whole case") {
  const Event e = SampleEvents()[0].second;
  const std::string xml = EventToXml(e);
  CHECK(xml.find("<registration><case_id>440106-2026-0000123</case_id>") != std::string::npos);
  Violations v;
  const Event back = ParseEvent(xml, v);
  CHECK(v.empty());
  const auto& c = std::get<CaseRegistration>(back.body);
  CHECK(CaseToXml(c) == CaseToXml(SingleCase()));
}

TEST_CASE("mapping: XsdFileName") { CHECK(XsdFileName() == "xfnode.xsd"); }

}  // namespace
}  // namespace xf::schema

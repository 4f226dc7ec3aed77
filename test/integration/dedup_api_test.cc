// Duplicate detection (判重) through a real xfnode over real HTTP: the check,
// the candidates of a registration, of a stored case, the petitioner's
// timeline, linking a repeat, and xfctl case duplicates / show.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <string>

#include "test/harness/dedup_cases.h"
#include "test/harness/harness.h"

namespace json = boost::json;
using xf::test::NodeProcess;
using xf::test::ReadText;
using xf::test::RunCommand;
using xf::test::SourceDir;
using xf::test::TempDir;

using xf::test::dedup_cases::Letter;

namespace {

const char* const kId = "110105195807220465";

// The same matter, registered again by another clerk from a phone call: no ID
// number, the phone written otherwise, the text reworded.
json::object Call() {
  auto o = Letter();
  o["received_date"] = "2025-05-20";
  o["channel"] = "400";
  o.erase("visit_type");
  auto& p = o["petitioners"].as_array()[0].as_object();
  p.erase("id_number");
  p["phone"] = "01065012345";
  o["summary"] = "王秀兰来电称：三里屯街道某小区物业公司从二〇二五年三月起，把物业费由每月每平方米2.2元涨到3.5元，"
                 "没有经过业主大会表决。";
  o["requests"] = "要求物业公司恢复原合同标准收费。";
  o["content_category"] = "030299";  // one level apart: 住房保障和房地产 › 其他
  return o;
}

// A neighbour raising the same collective matter: her own petitioner.
json::object Neighbour() {
  auto o = Letter();
  o["received_date"] = "2025-04-10";
  auto& p = o["petitioners"].as_array()[0].as_object();
  p["name"] = "张淑芬";
  p["id_number"] = "110105196203150026";
  p["phone"] = "13901234567";
  p["address"] = "北京市朝阳区三里屯街道某小区5号楼1单元301";
  return o;
}

struct RunningNode {
  TempDir dir{"xfdedup"};
  NodeProcess node{dir.Path() / "node", "110105"};
  RunningNode() { REQUIRE_MESSAGE(node.Start(), node.Log()); }

  json::object Post(const std::string& path, const json::object& body, int expect) {
    auto r = node.Call("POST", path, json::serialize(body));
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == expect, r->body);
    return json::parse(r->body).as_object();
  }
  json::object Get(const std::string& path, int expect = 200) {
    auto r = node.Call("GET", path);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == expect, r->body);
    return json::parse(r->body).as_object();
  }
  std::int64_t Cases() { return Get("/v1/status").at("cases").as_int64(); }
};

const json::object* Candidate(const json::object& answer, const std::string& case_id) {
  for (const auto& c : answer.at("candidates").as_array()) {
    if (c.at("case_id").as_string() == case_id) return &c.as_object();
  }
  return nullptr;
}

bool HasReason(const json::object& candidate, const std::string& reason) {
  const auto& list = candidate.at("reasons").as_array();
  return std::any_of(list.begin(), list.end(), [&](const json::value& v) { return v.as_string() == reason; });
}

std::string Xfctl() {
  const char* v = std::getenv("XFCTL");
  return v ? v : "xfctl";
}

}  // namespace

TEST_CASE("dedup api: a check finds the earlier case, says why, and stores nothing") {
  RunningNode n;
  const auto first = n.Post("/v1/cases", Letter(), 201);
  CHECK(first.at("candidates").as_array().empty());  // nothing before it
  const std::string a(first.at("case_id").as_string());

  const auto check = n.Post("/v1/duplicates/check", Call(), 200);
  CHECK(check.at("scope").as_string() == "local");
  CHECK(check.at("node").as_string() == "110105");
  const auto& list = check.at("candidates").as_array();
  REQUIRE(list.size() == 1);
  const auto& c = list[0].as_object();
  CHECK(c.at("case_id").as_string() == a);
  CHECK(c.at("node").as_string() == "110105");
  CHECK(c.at("received_date").as_string() == "2025-04-08");
  CHECK(c.at("decision").as_string() == "duplicate");
  CHECK(c.at("score").to_number<double>() > 0.6);
  CHECK(c.at("score").to_number<double>() <= 1.0);
  CHECK(HasReason(c, "同一姓名和联系电话"));
  CHECK(HasReason(c, "内容分类相差一级"));
  CHECK(HasReason(c, "同一问题属地"));
  CHECK(n.Cases() == 1);  // the check stored nothing

  // The XML form of a registration is checked as well.
  const std::string xml =
      "<case xmlns=\"urn:xfnode:exchange:1\"><received_date>2025-05-20</received_date><petitioners><petitioner>"
      "<name>王秀兰</name><gender>2</gender><id_number>" + std::string(kId) +
      "</id_number><first>true</first></petitioner></petitioners><summary>物业费由每平方米2.2元涨到3.5元，未经业主大会表决"
      "</summary><requests>按原合同标准收费</requests><problem_place>110105004</problem_place>"
      "<content_category>030204</content_category></case>";
  auto r = n.node.Call("POST", "/v1/duplicates/check", xml, "application/xml");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  const auto x = json::parse(r->body).as_object();
  REQUIRE(Candidate(x, a) != nullptr);
  CHECK(HasReason(*Candidate(x, a), "同一身份证号"));
}

TEST_CASE("dedup api: registration answers its candidates, never refuses, and hard negatives are not linked") {
  RunningNode n;
  const std::string a(n.Post("/v1/cases", Letter(), 201).at("case_id").as_string());
  // The neighbour is registered; her case is no duplicate of 王秀兰's.
  const auto neighbour = n.Post("/v1/cases", Neighbour(), 201);
  const std::string c(neighbour.at("case_id").as_string());
  for (const auto& cand : neighbour.at("candidates").as_array()) CHECK(cand.at("decision").as_string() != "duplicate");
  // The phone call: registered (201) with the letter as a duplicate candidate.
  const auto call = n.Post("/v1/cases", Call(), 201);
  const std::string b(call.at("case_id").as_string());
  const auto* dup = Candidate(call, a);
  REQUIRE(dup != nullptr);
  CHECK(dup->at("decision").as_string() == "duplicate");
  CHECK(call.at("candidates").as_array()[0].at("case_id").as_string() == a);  // best first
  if (const auto* other = Candidate(call, c)) CHECK(other->at("decision").as_string() != "duplicate");
  CHECK(n.Cases() == 3);

  // The candidates of a stored case include the later ones.
  const auto of_a = n.Get("/v1/cases/" + a + "/duplicates");
  CHECK(of_a.at("case_id").as_string() == a);
  REQUIRE(Candidate(of_a, b) != nullptr);
  CHECK(Candidate(of_a, b)->at("decision").as_string() == "duplicate");
  if (const auto* other = Candidate(of_a, c)) CHECK(other->at("decision").as_string() != "duplicate");
  n.Get("/v1/cases/110105-2025-9999999/duplicates", 404);

  // The index survives a restart.
  REQUIRE(n.node.Stop() == 0);
  REQUIRE_MESSAGE(n.node.Start(), n.node.Log());
  REQUIRE(Candidate(n.Post("/v1/duplicates/check", Call(), 200), a) != nullptr);
}

TEST_CASE("dedup api: linking a repeat (重件) is one more call, or a field at registration") {
  RunningNode n;
  const std::string a(n.Post("/v1/cases", Letter(), 201).at("case_id").as_string());
  const std::string b(n.Post("/v1/cases", Call(), 201).at("case_id").as_string());
  // After registration: a correction of the registration's repeat and initial_case_id.
  const std::string registration = std::string(n.Get("/v1/cases/" + b).at("events").as_array()[0].at("id").as_string());
  json::object fix{{"kind", "correction"},
                   {"occurred_at", "2025-05-21T09:00:00+08:00"},
                   {"actor", "王晓梅"},
                   {"supersedes", registration},
                   {"reason", "判重：与初件为同一信访事项"},
                   {"fields", json::array{json::object{{"path", "repeat"}, {"value", "true"}},
                                          json::object{{"path", "initial_case_id"}, {"value", a}}}}};
  n.Post("/v1/cases/" + b + "/events", fix, 201);
  const auto linked = n.Get("/v1/cases/" + b).at("state").at("case").as_object();
  CHECK(linked.at("repeat").as_bool());
  CHECK(linked.at("initial_case_id").as_string() == a);
  // At registration: the clerk who saw the candidate sets the two fields.
  auto again = Call();
  again["received_date"] = "2025-06-02";
  again["repeat"] = true;
  again["initial_case_id"] = a;
  const auto third = n.Post("/v1/cases", again, 201);
  const std::string d(third.at("case_id").as_string());
  CHECK(n.Get("/v1/cases/" + d).at("state").at("case").at("initial_case_id").as_string() == a);
}

TEST_CASE("dedup api: the petitioner's timeline") {
  RunningNode n;
  const std::string a(n.Post("/v1/cases", Letter(), 201).at("case_id").as_string());
  auto other = Letter();
  other["received_date"] = "2025-03-01";
  other["summary"] = "信访人反映其所在社区养老服务站停办，老人无处就餐。";
  other["requests"] = "要求恢复社区老年餐桌。";
  other["content_category"] = "070301";
  other.erase("due_date");
  const std::string e(n.Post("/v1/cases", other, 201).at("case_id").as_string());
  n.Post("/v1/cases", Call(), 201);  // no ID number: not in the timeline by ID
  n.Post("/v1/cases", Neighbour(), 201);
  n.Post("/v1/cases/" + a + "/events",
         json::object{{"kind", "acceptance"}, {"occurred_at", "2025-04-10T10:00:00+08:00"}, {"actor", "李受理"},
                      {"decision", "1"}, {"body", "110105"}},
         201);

  for (const std::string& number : {std::string(kId), std::string("110105580722046")}) {
    CAPTURE(number);
    const auto t = n.Get("/v1/petitioners/" + number + "/cases");
    CHECK(t.at("scope").as_string() == "local");
    const auto& cases = t.at("cases").as_array();
    REQUIRE(cases.size() == 2);
    CHECK(cases[0].at("case_id").as_string() == e);  // oldest first
    CHECK(cases[0].at("status").as_string() == "registered");
    CHECK(cases[0].at("content_category").as_string() == "070301");
    CHECK(cases[1].at("case_id").as_string() == a);
    CHECK(cases[1].at("status").as_string() == "accepted");
    CHECK(cases[1].at("node").as_string() == "110105");
    CHECK(cases[1].at("problem_place").as_string() == "110105004");
    CHECK(cases[1].at("received_date").as_string() == "2025-04-08");
    CHECK(cases[1].at("due_date").as_string() == "2025-06-07");
    CHECK(cases[1].at("accepted_at").is_string());
    CHECK(cases[1].at("closed_at").is_null());
    CHECK(cases[1].at("overdue").is_bool());
  }
  CHECK(n.Get("/v1/petitioners/440524188001010014/cases").at("cases").as_array().empty());
  n.Get("/v1/petitioners/12345/cases", 400);
}

TEST_CASE("dedup api: what the check refuses, and the methods") {
  RunningNode n;
  auto r = n.node.Call("POST", "/v1/duplicates/check", "{\"received_date\": ");
  REQUIRE(r);
  CHECK(r->status == 400);
  r = n.node.Call("POST", "/v1/duplicates/check", "{\"channel\":\"100\"}");
  REQUIRE(r);
  CHECK(r->status == 422);
  // The clerk's words in Chinese, English when asked; the rule beside them.
  const auto zh = json::parse(r->body).at("violations").at(0).as_object();
  CHECK(zh.at("rule") == "R3");
  CHECK(std::string(zh.at("message").as_string()).find("无可比对的内容：请填写信访人") == 0);
  CHECK(!zh.contains("message_en"));
  auto en = xf::exchange::HttpCall("POST", n.node.Url() + "/v1/duplicates/check",
                                   {{"authorization", "Bearer " + n.node.Token()},
                                    {"content-type", "application/json"},
                                    {"accept-language", "en"}},
                                   "{\"channel\":\"100\"}");
  REQUIRE(en);
  CHECK(en->status == 422);
  CHECK(std::string(json::parse(en->body).at("violations").at(0).at("message").as_string()).find("nothing to match") == 0);
  r = n.node.Call("GET", "/v1/duplicates/check");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->headers["allow"] == "POST");
  r = n.node.Call("POST", "/v1/petitioners/" + std::string(kId) + "/cases", "{}");
  REQUIRE(r);
  CHECK(r->status == 405);
  const std::string wrong = "not-the-token-0123456789";
  r = n.node.Call("POST", "/v1/duplicates/check", json::serialize(Call()), "application/json", &wrong);
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(n.Cases() == 0);
}

TEST_CASE("dedup api: xfctl case duplicates and the timeline in xfctl case show") {
  RunningNode n;
  const std::string a(n.Post("/v1/cases", Letter(), 201).at("case_id").as_string());
  const std::string b(n.Post("/v1/cases", Call(), 201).at("case_id").as_string());
  const std::string node_dir = n.node.Dir().string();

  auto out = RunCommand({Xfctl(), "case", "duplicates", a, "--node", node_dir});
  CHECK_MESSAGE(out.status == 0, out.output);
  CHECK(out.output.find(b) != std::string::npos);
  CHECK(out.output.find("duplicate") != std::string::npos);
  CHECK(out.output.find("同一姓名和联系电话") != std::string::npos);
  // Who found it and how: this node, its own search; the scope: no level above.
  CHECK_MESSAGE(out.output.find("判为重复 duplicate") != std::string::npos, out.output);
  CHECK(out.output.find("（本节点检索）[via local]") != std::string::npos);
  CHECK(out.output.find("检索范围：本节点（无上级） [scope local]") != std::string::npos);
  out = RunCommand({Xfctl(), "case", "duplicates", a, "--node", node_dir, "--lang", "en"});
  CHECK_MESSAGE(out.status == 0, out.output);
  CHECK_MESSAGE(out.output.find("(own search) [via local]") != std::string::npos, out.output);
  CHECK(out.output.find("searched this node (it has no level above) [scope local]") != std::string::npos);

  out = RunCommand({Xfctl(), "case", "duplicates", a, "--node", node_dir, "--json"});
  CHECK(out.status == 0);
  CHECK(json::parse(out.output).at("candidates").as_array().size() == 1);
  CHECK(json::parse(out.output).at("candidates").as_array()[0].at("via").as_string() == "local");

  out = RunCommand({Xfctl(), "case", "show", a, "--node", node_dir});
  CHECK_MESSAGE(out.status == 0, out.output);
  CHECK(out.output.find("信访人 王秀兰（110105********0465）的信访记录") != std::string::npos);
  CHECK(out.output.find(a + "  登记机构 110105") != std::string::npos);
  CHECK(out.output.find("← 本件") != std::string::npos);
  CHECK(out.output.find(kId) == std::string::npos);  // the number is not printed whole
  out = RunCommand({Xfctl(), "case", "show", a, "--node", node_dir, "--lang", "en"});
  CHECK_MESSAGE(out.status == 0, out.output);
  CHECK(out.output.find("timeline of 王秀兰 (110105********0465)") != std::string::npos);
  CHECK(out.output.find(a + "  at 110105") != std::string::npos);
  CHECK(out.output.find("← this case") != std::string::npos);

  out = RunCommand({Xfctl(), "case", "duplicates", "110105-2025-9999999", "--node", node_dir});
  CHECK(out.status == 1);
}

// Duplicates across the hierarchy (判重, issue 11 phase 2) through real xfnode
// processes over real mutual TLS: the city 110100 with the counties 110105
// and 110108 below it (and the national bureau above it, whose signed system
// key every node verifies before use: node/dedup_key.h). The same letter sent to both counties (一信多投) is
// found at the second registration by asking the city, and the city's
// notices (判重提示) come down to both counties; a neighbour's letter about the
// same matter is not linked; with the city down a county still registers
// and answers from what it holds, saying so.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>

#include "test/harness/dedup_cases.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::QueryOne;
using xf::test::ReadText;
using xf::test::SourceDir;
using xf::test::Topology;
using xf::test::WaitUntil;

using xf::test::dedup_cases::Letter;
using xf::test::dedup_cases::Call;
using xf::test::dedup_cases::Candidate;
using xf::test::dedup_cases::SameLetterRetyped;

namespace {

// A neighbour raising the same collective matter: her own petitioner.
json::object Neighbour() {
  auto o = Letter();
  o["received_date"] = "2025-04-11";
  auto& p = o["petitioners"].as_array()[0].as_object();
  p["name"] = "张淑芬";
  p["id_number"] = "110105196203150026";
  p["phone"] = "13901234567";
  p["address"] = "北京市朝阳区三里屯街道某小区5号楼1单元301";
  return o;
}

bool HasKey(Topology& t, const std::string& node) {
  return std::filesystem::exists(t.Dir(node) / "data" / "dedup.key");
}

}  // namespace

TEST_CASE("dedup hierarchy: one letter to two counties is found at the city and noticed down to both") {
  Topology t({"100000", "110100", "110105", "110108"});
  REQUIRE(t.ParentOf("110100") == "100000");
  REQUIRE(t.StartAll());
  // The system key: made and signed by the national bureau, relayed by the
  // city, verified and kept by each county.
  for (const std::string c : {"110105", "110108"}) {
    REQUIRE_MESSAGE(WaitUntil([&] { return HasKey(t, c); }), c << " never got the system key:\n" << t.Node(c).Log());
  }
  CHECK(ReadText(t.Dir("110105") / "data" / "dedup.key") == ReadText(t.Dir("110100") / "data" / "dedup.key"));
  CHECK(ReadText(t.Dir("110105") / "data" / "dedup.key") == ReadText(t.Dir("100000") / "data" / "dedup.key"));

  const auto first = Call(t, "110105", "POST", "/v1/cases", json::serialize(Letter()), 201);
  const std::string a(first.at("case_id").as_string());
  CHECK(first.at("candidates_scope").as_string() == "system");
  CHECK(first.at("candidates").as_array().empty());
  REQUIRE(t.WaitForCase("110100", a, 1));
  // The city indexes it blind (numbers only) for the questions of the
  // counties, on its worker after the commit.
  REQUIRE(WaitUntil([&] { return QueryOne(t.Dir("110100"), "SELECT count(DISTINCT id) FROM dedup_blind") == "1"; }));

  // The check the second county's clerk runs before registering: found at the city.
  const auto check = Call(t, "110108", "POST", "/v1/duplicates/check", json::serialize(SameLetterRetyped()));
  CHECK(check.at("scope").as_string() == "system");
  CHECK(check.at("searched").as_array().size() == 3);  // 110108, 110100, then 100000 (outside the city's subtree)
  const auto* c = Candidate(check, a);
  REQUIRE_MESSAGE(c != nullptr, json::serialize(check));
  CHECK(c->at("found_by").as_string() == "110100");
  CHECK(c->at("node").as_string() == "110105");
  CHECK(c->at("received_date").as_string() == "2025-04-08");
  CHECK(c->at("status").as_string() == "registered");
  CHECK(c->at("decision").as_string() == "duplicate");
  CHECK(Call(t, "110108", "GET", "/v1/status").at("cases").as_int64() == 0);  // the check stored nothing

  const auto second = Call(t, "110108", "POST", "/v1/cases", json::serialize(SameLetterRetyped()), 201);
  const std::string b(second.at("case_id").as_string());
  REQUIRE(Candidate(second, a) != nullptr);
  CHECK(Candidate(second, a)->at("decision").as_string() == "duplicate");

  // The neighbour at the second county: her own matter, not linked to either.
  const auto neighbour = Call(t, "110108", "POST", "/v1/cases", json::serialize(Neighbour()), 201);
  const std::string n(neighbour.at("case_id").as_string());
  for (const auto& x : neighbour.at("candidates").as_array()) CHECK(x.at("decision").as_string() != "duplicate");

  // The city checks the cases as they arrive and sends a notice down to each county.
  REQUIRE_MESSAGE(WaitUntil([&] {
                    return QueryOne(t.Dir("110105"), "SELECT count(*) FROM events WHERE case_id = ?1 AND kind = 'duplicate_notice'", {a}) != "0" &&
                           QueryOne(t.Dir("110108"), "SELECT count(*) FROM events WHERE case_id = ?1 AND kind = 'duplicate_notice'", {b}) != "0";
                  }),
                  "no notice came down; the city's down queue: "
                      << QueryOne(t.Dir("110100"), "SELECT count(*) FROM down_queue") << "; its log:\n"
                      << t.Node("110100").Log() << "\n110105's log:\n" << t.Node("110105").Log());
  const auto at_a = Call(t, "110105", "GET", "/v1/cases/" + a + "/duplicates");
  const auto* found_b = Candidate(at_a, b);
  REQUIRE_MESSAGE(found_b != nullptr, json::serialize(at_a));
  CHECK(found_b->at("found_by").as_string() == "110100");
  CHECK(found_b->at("node").as_string() == "110108");
  CHECK(found_b->at("decision").as_string() == "duplicate");
  // The neighbour's case is no duplicate of hers.
  if (const auto* x = Candidate(at_a, n)) CHECK(x->at("decision").as_string() != "duplicate");
  const auto at_b = Call(t, "110108", "GET", "/v1/cases/" + b + "/duplicates");
  REQUIRE(Candidate(at_b, a) != nullptr);
  // The notice is the city's event, signed in its batch; nothing else changed on the case.
  CHECK(QueryOne(t.Dir("110105"), "SELECT origin FROM events WHERE case_id = ?1 AND kind = 'duplicate_notice'", {a}) == "110100");
  CHECK(QueryOne(t.Dir("110105"), "SELECT status FROM cases WHERE case_id = ?1", {a}) == "registered");
  // One notice per case and pair, each way: a ↔ b (duplicate) and a ↔ the
  // neighbour's (possible: nearly the same letter from another person, a
  // clerk should look). None twice, however often the city is woken.
  const auto notices = QueryOne(t.Dir("110100"), "SELECT count(*) FROM events WHERE kind = 'duplicate_notice'");
  CHECK(notices == "4");
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM events WHERE kind = 'duplicate_notice' AND case_id = ?1", {b}) == "1");

  // The petitioner's timeline at the second county includes the first county's case, from the city.
  const auto timeline = Call(t, "110108", "GET", "/v1/petitioners/110105195807220465/cases");
  CHECK(timeline.at("scope").as_string() == "system");
  bool has_a = false;
  for (const auto& x : timeline.at("cases").as_array()) {
    if (x.at("case_id").as_string() == a) {
      has_a = true;
      CHECK(x.at("node").as_string() == "110105");
      CHECK(x.at("status").as_string() == "registered");
      CHECK(x.at("found_by").as_string() == "110100");
    }
  }
  CHECK_MESSAGE(has_a, json::serialize(timeline));

  // The duplicate figures of the conformance report: the city's own notices;
  // the first county's report counts those on its cases.
  const auto report = Call(t, "110100", "GET", "/v1/conformance");
  const auto& dup = report.at("duplicates").as_object();
  CHECK(dup.at("notices").as_int64() == 4);
  CHECK(dup.at("found_here").as_int64() == 4);
  CHECK(dup.at("cases_noticed").as_int64() == 3);
  CHECK(dup.at("by_finder").at("110100").as_int64() == 4);
  CHECK(dup.at("linked_repeats").as_int64() == 0);
  const auto county_report = Call(t, "110105", "GET", "/v1/conformance");
  CHECK(county_report.at("duplicates").at("notices").as_int64() == 2);
  CHECK(county_report.at("duplicates").at("found_here").as_int64() == 0);

  // The city down: the county still registers and answers from what it holds, and says so.
  t.Kill("110100");
  auto third = SameLetterRetyped();
  third["received_date"] = "2025-04-20";
  const auto offline = Call(t, "110108", "POST", "/v1/cases", json::serialize(third), 201);
  CHECK(offline.at("candidates_scope").as_string() == "partial");
  REQUIRE(offline.at("candidates_unreachable").as_array().size() == 1);
  CHECK(offline.at("candidates_unreachable").as_array()[0].at("node").as_string() == "110100");
  CHECK(Candidate(offline, b) != nullptr);  // its own case it still finds
  const auto local = Call(t, "110108", "POST", "/v1/duplicates/check", json::serialize(third));
  CHECK(local.at("scope").as_string() == "partial");
}

// Issue 12, hole 1: a node mints case ids only in its own namespace (the
// case id begins with the origin's node id and "-"; a department
// "NNNNNN.ORG" has its own, apart from its county's). Every level checks it,
// at intake (the local API) and at apply (each receiver of a batch), and
// refuses the record, not the batch. A county that registers a case in its
// sibling's namespace no longer takes that id from the sibling. Real
// xfnode processes on loopback.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>

#include "test/harness/craft.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::ClientAs;
using xf::test::CraftBatch;
using xf::test::CraftRegistration;
using xf::test::PostBatch;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::SigningKeyOf;
using xf::test::Topology;

namespace {

std::string WithCaseId(const std::string& case_id) {
  auto o = json::parse(SampleCase()).as_object();
  o["case_id"] = case_id;
  return json::serialize(o);
}

}  // namespace

TEST_CASE("trust: a county's case ids in its sibling's or its department's namespace are refused at every level") {
  Topology t({"110000", "110100", "110105", "110108"});
  // The county 110105 is the attacker: its batches are made here, signed
  // with its key; it does not run, so its own sequence numbers stay free.
  for (const std::string id : {"110000", "110100", "110108"}) REQUIRE(t.Start(id));
  const std::string codes(t.Status("110100").at("code_version").as_string());
  const std::string taken = "110108-2025-0000001";

  // Intake: the local API of a node mints and accepts only its own ids.
  for (const char* id : {"110105-2025-0000001", "110108.GAJ-2025-0000001"}) {
    CAPTURE(id);
    auto r = t.Node("110108").Call("POST", "/v1/cases", WithCaseId(id));
    REQUIRE(r);
    CHECK(r->status == 422);
    CHECK_MESSAGE(r->body.find("\"field\":\"case_id\"") != std::string::npos, r->body);
  }

  // Apply: the county registers the sibling's next id, and one of its
  // department's, beside a case of its own.
  const auto b = CraftBatch("110105", "up", 1,
                            {CraftRegistration("110105", 1, taken),
                             CraftRegistration("110105", 2, "110105.GAJ-2025-0000002"),
                             CraftRegistration("110105", 3, "110105-2025-0000003")},
                            SigningKeyOf(t, "110105"), codes);
  const auto a = PostBatch(t, "110100", ClientAs(t, "110105", "110100"), b);
  REQUIRE_MESSAGE(a.status == 200, a.message << a.error);
  REQUIRE(a.receipt);
  CHECK(a.receipt_verifies);
  CHECK(a.receipt->accepted == std::vector<std::string>{"110105:3"});
  REQUIRE(a.receipt->rejected.size() == 2);
  for (const auto& r : a.receipt->rejected) {
    CAPTURE(r.event_id);
    CHECK(r.rule == "R3");
    CHECK(r.field == "case_id");
    CHECK_MESSAGE(r.reason.find("namespace of origin 110105") != std::string::npos, r.reason);
  }
  CHECK_FALSE(t.HasCase("110100", taken));
  CHECK(t.HasCase("110100", "110105-2025-0000003"));

  // The sibling's own registration of that id goes up as if nothing happened.
  std::string error;
  REQUIRE_MESSAGE(t.RegisterCase("110108", WithCaseId(taken), &error) == taken, error);
  for (const std::string node : {"110100", "110000"}) {
    CAPTURE(node);
    // (The city may add a duplicate notice of its own, 判重提示: the crafted
    // registrations are alike; the county's own event is what must arrive unchanged.)
    REQUIRE_MESSAGE(xf::test::WaitUntil([&] { return t.CaseEventXml(node, taken).count("110108:1") == 1; }),
                    t.Node(node).Log());
    const auto at_county = t.CaseEventXml("110108", taken);
    REQUIRE(at_county.count("110108:1") == 1);
    CHECK(t.CaseEventXml(node, taken).at("110108:1") == at_county.at("110108:1"));
    CHECK(QueryOne(t.Dir(node), "SELECT count(*) FROM rejections WHERE origin = '110108'") == "0");
  }
  // The province judged the county's forwarded batch the same way, on its own.
  REQUIRE(xf::test::WaitUntil([&] { return t.HasCase("110000", "110105-2025-0000003"); }));
  CHECK(QueryOne(t.Dir("110000"),
                 "SELECT group_concat(event_id || ' ' || field || ' ' || charged_to, ', ') FROM "
                 "(SELECT * FROM rejections ORDER BY event_id)") == "110105:1 case_id 110105, 110105:2 case_id 110105");
}

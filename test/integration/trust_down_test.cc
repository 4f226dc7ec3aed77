// Issue 12, hole 0 (down batches): a down batch stands only when it comes
// from the parent link and is signed by a node above the receiver; an event
// of another origin inside it is stored only when the receiver holds it
// already, byte for byte, or its origin's signature travels with it (a
// proof, exchange/proof.h). The receiver is the county 110108; the batches
// are posted over mutual TLS with its parent's (the city's) identity, as a
// compromised or careless parent would send them. Real xfnode processes.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "exchange/batch.h"
#include "exchange/proof.h"
#include "test/harness/craft.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace ex = xf::exchange;
using xf::test::ClientAs;
using xf::test::CraftAcceptance;
using xf::test::CraftBatch;
using xf::test::CraftRegistration;
using xf::test::PostBatch;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::SigningKeyOf;
using xf::test::Topology;

namespace {

const char* kAssignTo110108 =
    R"({"kind":"transfer","occurred_at":"2025-03-14T10:00:00+08:00","actor":"王强","mode":"assign","target":"110108","due_date":"2025-05-01","instructions":"请依法办理并报送结果"})";

std::string Events(Topology& t, const std::string& node) {
  return QueryOne(t.Dir(node), "SELECT count(*) FROM events");
}

}  // namespace

TEST_CASE("trust: a forged down batch is refused, and a forged event inside a genuine one is not stored") {
  Topology t({"100000", "110000", "110100", "110105", "110108"});
  REQUIRE(t.Start("110108"));
  const std::string codes(t.Status("110108").at("code_version").as_string());
  const auto as_city = ClientAs(t, "110100", "110108");
  const std::string forged_case = "100000-2025-0000090";

  SUBCASE("signed by a county, on the parent link") {
    // The county 110105 signs a down.110108 batch carrying a "national" case.
    const auto b = CraftBatch("110105", "down.110108", 1, {CraftRegistration("100000", 90, forged_case)},
                              SigningKeyOf(t, "110105"), codes);
    const auto a = PostBatch(t, "110108", as_city, b);
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("above") != std::string::npos, a.message);
    CHECK(Events(t, "110108") == "0");
    CHECK(QueryOne(t.Dir("110108"), "SELECT count(*) FROM batches") == "0");
    // Charged to the link it came on.
    CHECK(QueryOne(t.Dir("110108"), "SELECT charged_to || ' ' || rule FROM rejections") == "110100 R3");
  }
  SUBCASE("claimed as the province's but signed with the county's key") {
    auto b = CraftBatch("110000", "down.110108", 1, {CraftRegistration("100000", 90, forged_case)},
                        SigningKeyOf(t, "110105"), codes);
    const auto a = PostBatch(t, "110108", as_city, b);
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("signature") != std::string::npos, a.message);
    CHECK(Events(t, "110108") == "0");
  }
  SUBCASE("signed by the province (above), carrying a national event nobody here holds, without proof") {
    const auto b = CraftBatch("110000", "down.110108", 1,
                              {CraftRegistration("100000", 90, forged_case), CraftAcceptance("110000", 1, forged_case)},
                              SigningKeyOf(t, "110000"), codes);
    const auto a = PostBatch(t, "110108", as_city, b);
    REQUIRE_MESSAGE(a.status == 200, a.message);
    REQUIRE(a.receipt);
    CHECK(a.receipt->accepted.empty());
    REQUIRE(a.receipt->rejected.size() == 2);
    CHECK(a.receipt->rejected[0].event_id == "100000:90");
    CHECK(a.receipt->rejected[0].rule == "R3");
    CHECK(a.receipt->rejected[0].field == "origin");
    CHECK_MESSAGE(a.receipt->rejected[0].reason.find("signature") != std::string::npos, a.receipt->rejected[0].reason);
    CHECK(a.receipt->rejected[1].rule == "R6");  // its case never came
    CHECK(Events(t, "110108") == "0");
    CHECK_FALSE(t.HasCase("110108", forged_case));
    // The signer answers for the forged event, not the national bureau it names.
    CHECK(QueryOne(t.Dir("110108"), "SELECT charged_to FROM rejections WHERE event_id = '100000:90'") == "110000");
  }
  SUBCASE("signed by the province, with a proof made with a key that is not national's") {
    const auto reg = CraftRegistration("100000", 90, forged_case);
    // "national" batch signed by the county's key: the proof cannot verify.
    const auto fake_up = CraftBatch("100000", "down.110000", 7, {reg}, SigningKeyOf(t, "110105"), codes);
    const auto proof = ex::MakeEventProof("100000:90", fake_up.header.batch_id, fake_up.event_xml, 0,
                                          fake_up.events_signature);
    const auto b = CraftBatch("110000", "down.110108", 1, {reg}, SigningKeyOf(t, "110000"), codes,
                              {ex::EventProofXml(proof)});
    const auto a = PostBatch(t, "110108", as_city, b);
    REQUIRE_MESSAGE(a.status == 200, a.message);
    REQUIRE(a.receipt->rejected.size() == 1);
    CHECK_MESSAGE(a.receipt->rejected[0].reason.find("not what its origin signed") != std::string::npos,
                  a.receipt->rejected[0].reason);
    CHECK(Events(t, "110108") == "0");
  }
  SUBCASE("signed by the province, with national's own proof: the event stands") {
    const auto reg = CraftRegistration("100000", 90, forged_case);
    const auto national = CraftBatch("100000", "down.110000", 7, {CraftAcceptance("100000", 89, "100000-2025-0000089"), reg},
                                     SigningKeyOf(t, "100000"), codes);
    const auto proof = ex::MakeEventProof("100000:90", national.header.batch_id, national.event_xml, 1,
                                          national.events_signature);
    const auto b = CraftBatch("110000", "down.110108", 1, {reg, CraftAcceptance("110000", 1, forged_case)},
                              SigningKeyOf(t, "110000"), codes, {ex::EventProofXml(proof)});
    const auto a = PostBatch(t, "110108", as_city, b);
    REQUIRE_MESSAGE(a.status == 200, a.message);
    CHECK(a.receipt->rejected.empty());
    CHECK(a.receipt->accepted.size() == 2);
    CHECK(t.CaseEventCount("110108", forged_case) == 2);
    // Kept, to prove the event further down if it ever goes on.
    CHECK(QueryOne(t.Dir("110108"), "SELECT count(*) FROM event_proofs WHERE origin = '100000' AND seq = 90") == "1");
  }
}

TEST_CASE("trust: a county's case transferred by the city to the sibling county travels with its origin's signature") {
  Topology t({"110000", "110100", "110105", "110108"});
  REQUIRE(t.StartAll());
  std::string error;
  const std::string id = t.RegisterCase("110105", SampleCase(), &error);
  REQUIRE_MESSAGE(!id.empty(), error);
  REQUIRE(t.WaitForCase("110100", id, 1));
  // The city assigns the county's case to its sibling: the down batch is the
  // city's, the registration 110105's — proven with 110105's events signature.
  REQUIRE_MESSAGE(t.PostEvent("110100", id, kAssignTo110108, &error) == 201, error);
  REQUIRE_MESSAGE(t.WaitForCase("110108", id, 2), t.Node("110108").Log());
  CHECK(t.CaseEventXml("110108", id) == t.CaseEventXml("110100", id));
  CHECK(QueryOne(t.Dir("110108"), "SELECT count(*) FROM rejections") == "0");
  CHECK(QueryOne(t.Dir("110108"), "SELECT count(*) FROM event_proofs WHERE origin = '110105'") == "1");
  // The city kept the county's events signature with the batch that carried it.
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM batches WHERE origin = '110105' AND events_sig <> ''") != "0");
}

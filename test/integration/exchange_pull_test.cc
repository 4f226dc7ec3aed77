// Issue 3: pull mode delivers what push delivers. County 110108 sits behind
// a one-way gateway: it polls its city (`--pull` on both sides) and the city
// knows no URL for it; its sibling 110105 is pushed to as usual.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/receipt.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::Query;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::TopologyOptions;
using xf::test::WaitUntil;

namespace {

std::string Assign(const std::string& target) {
  return R"({"kind":"transfer","occurred_at":"2025-03-14T10:00:00+08:00","actor":"王强","mode":"assign","target":")" +
         target + R"(","due_date":"2025-05-01","instructions":"请依法办理并报送结果"})";
}

const char* kAcceptance =
    R"({"kind":"acceptance","occurred_at":"2025-12-15T10:00:00+08:00","actor":"李明","decision":"1","body":"海淀区信访局","reason":"依法予以受理。"})";

Topology PullTopology() {
  TopologyOptions o;
  o.pull = {"110108"};
  return Topology({"110100", "110105", "110108"}, o);
}

void WaitForCase(Topology& t, const std::string& node, const std::string& case_id,
                 std::size_t events) {
  REQUIRE_MESSAGE(t.WaitForCase(node, case_id, events),
                  node << " never held " << case_id << " with " << events << " events; its log:\n"
                       << t.Node(node).Log());
}

// The case's projection at a node, without what only says when it was computed.
json::object State(Topology& t, const std::string& node, const std::string& case_id) {
  auto r = t.Node(node).Call("GET", "/v1/cases/" + case_id);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto state = json::parse(r->body).at("state").as_object();
  state.erase("updated_at");
  return state;
}

}  // namespace

TEST_CASE(
    "exchange: pull: an assignment sent down from the city reaches the pulling county as it "
    "reaches a pushed one") {
  Topology t = PullTopology();
  REQUIRE(t.StartAll());
  std::string error;
  const std::string pushed =
      t.RegisterCase("110100", SampleCase("visit-property-fee.json"), &error);
  REQUIRE_MESSAGE(!pushed.empty(), error);
  const std::string pulled =
      t.RegisterCase("110100", SampleCase("visit-property-fee.json"), &error);
  REQUIRE_MESSAGE(!pulled.empty(), error);
  REQUIRE_MESSAGE(t.PostEvent("110100", pushed, Assign("110105"), &error) == 201, error);
  REQUIRE_MESSAGE(t.PostEvent("110100", pulled, Assign("110108"), &error) == 201, error);

  WaitForCase(t, "110105", pushed, 2);
  WaitForCase(t, "110108", pulled, 2);
  CHECK(t.CaseEventXml("110105", pushed) == t.CaseEventXml("110100", pushed));
  CHECK(t.CaseEventXml("110108", pulled) == t.CaseEventXml("110100", pulled));
  // The same result either way: each target holds the case as its handler.
  auto s_pushed = State(t, "110105", pushed);
  auto s_pulled = State(t, "110108", pulled);
  CHECK(s_pushed.at("handler").as_string() == "110105");
  CHECK(s_pulled.at("handler").as_string() == "110108");
  CHECK(s_pushed.at("status") == s_pulled.at("status"));
  CHECK(s_pushed.at("event_count") == s_pulled.at("event_count"));
  CHECK_FALSE(t.HasCase("110105", pulled));
  CHECK_FALSE(t.HasCase("110108", pushed));

  // The city marks the pulled batch delivered on the county's signed receipt.
  REQUIRE(WaitUntil([&] {
    return QueryOne(t.Dir("110100"),
                    "SELECT count(*) FROM outbox WHERE link = '110108' AND delivered_at IS NULL") ==
           "0";
  }));
  const auto rows = Query(
      t.Dir("110100"), "SELECT batch_id, receipt, receipt_sig FROM outbox WHERE link = '110108'");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][0] == "110100-down.110108-1");
  auto key = xf::exchange::PublicKey::LoadPem(t.Dir("110108") / "keys" / "signing.pub");
  REQUIRE(key);
  CHECK(xf::exchange::VerifyBytes(*key, rows[0][1], rows[0][2]));
  auto receipt = xf::exchange::ParseReceiptXml(rows[0][1]);
  REQUIRE(receipt);
  CHECK(receipt->batch_id == rows[0][0]);
  CHECK(receipt->receiver == "110108");
  CHECK(receipt->status == "applied");
  CHECK(receipt->accepted.size() == 2);
}

// A one-way gateway keeps the city from calling the county, not the county
// from calling the city: its own events must still go up.
TEST_CASE("exchange: pull: the pulling county's own events still go up to its city") {
  Topology t = PullTopology();
  REQUIRE(t.StartAll());
  std::string error;
  const std::string own = t.RegisterCase("110108", SampleCase(), &error);
  REQUIRE_MESSAGE(!own.empty(), error);
  const std::string assigned =
      t.RegisterCase("110100", SampleCase("visit-property-fee.json"), &error);
  REQUIRE_MESSAGE(!assigned.empty(), error);
  REQUIRE_MESSAGE(t.PostEvent("110100", assigned, Assign("110108"), &error) == 201, error);
  WaitForCase(t, "110108", assigned, 2);
  REQUIRE_MESSAGE(t.PostEvent("110108", assigned, kAcceptance, &error) == 201, error);

  REQUIRE_MESSAGE(t.WaitForCase("110100", own, 1, std::chrono::seconds(20)),
                  "the city never got the county's own case; county log:\n"
                      << t.Node("110108").Log());
  WaitForCase(t, "110100", assigned, 3);
  CHECK(t.CaseEventXml("110100", own) == t.CaseEventXml("110108", own));
  CHECK(t.CaseEventXml("110100", assigned) == t.CaseEventXml("110108", assigned));
}

// Issue 12: a pulled batch is complete only with its attachments. The
// county fetches what it lacks from its city (resumable ranges), applies
// the batch, and only then sends its receipt.
TEST_CASE("exchange: pull: an assigned case's attachment comes down with it") {
  Topology t = PullTopology();
  REQUIRE(t.StartAll());
  auto o = json::parse(xf::test::ReadText(xf::test::SourceDir() / "test" / "data" / "cases" / "valid" /
                                          "visit-property-fee.json"))
               .as_object();
  o.erase("registering_body");
  const std::string sha(o.at("attachments").at(0).at("sha256").as_string());
  auto put = t.Node("110100").Call("PUT", "/v1/blobs/" + sha,
                                   xf::test::ReadText(xf::test::SourceDir() / "test" / "data" / "blobs" / sha),
                                   "application/octet-stream");
  REQUIRE(put);
  REQUIRE_MESSAGE(put->status == 201, put->body);
  std::string error;
  const std::string id = t.RegisterCase("110100", json::serialize(o), &error);
  REQUIRE_MESSAGE(!id.empty(), error);
  REQUIRE_MESSAGE(t.PostEvent("110100", id, Assign("110108"), &error) == 201, error);
  WaitForCase(t, "110108", id, 2);
  const auto blob = t.Dir("110108") / "data" / "blobs" / sha.substr(0, 2) / sha;
  REQUIRE(std::filesystem::exists(blob));
  CHECK(xf::exchange::Sha256Hex(xf::test::ReadText(blob)) == sha);
  CHECK(QueryOne(t.Dir("110108"), "SELECT count(*) FROM blobs WHERE sha256 = ?1", {sha}) == "1");
  REQUIRE(WaitUntil([&] {
    return QueryOne(t.Dir("110100"), "SELECT count(*) FROM outbox WHERE link = '110108' AND delivered_at IS NULL") ==
           "0";
  }));
}

// Issue 3: events flow up to the root unchanged and signed by their origin;
// an assignment flows down along the path to its target and nowhere else.
// Real xfnode processes on loopback: national 100000 → province 110000 →
// city 110100 → counties 110105 and 110108.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::Query;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::WaitUntil;

namespace {

const char* kAcceptance =
    R"({"kind":"acceptance","occurred_at":"2025-12-15T10:00:00+08:00","actor":"李明","decision":"1","body":"朝阳区信访局","reason":"属于本机关职权范围，依法予以受理。"})";

const char* kAssignTo110108 =
    R"({"kind":"transfer","occurred_at":"2025-03-14T10:00:00+08:00","actor":"王强","mode":"assign","target":"110108","due_date":"2025-05-01","instructions":"请依法办理并报送结果"})";

xf::exchange::PublicKey KeyOf(const Topology& t, const std::string& node) {
  auto k = xf::exchange::PublicKey::LoadPem(t.Dir(node) / "keys" / "signing.pub");
  REQUIRE(k);
  return std::move(k).value();
}

// Waits until `node` holds `case_id` with `events` events; fails with the node's log.
void WaitForCase(Topology& t, const std::string& node, const std::string& case_id,
                 std::size_t events) {
  REQUIRE_MESSAGE(t.WaitForCase(node, case_id, events),
                  node << " never held " << case_id << " with " << events << " events; its log:\n"
                       << t.Node(node).Log());
}

}  // namespace

TEST_CASE(
    "exchange: a county's case reaches city, province and national byte for byte, signed by the "
    "county") {
  Topology t;
  REQUIRE(t.StartAll());
  std::string error;
  const std::string id = t.RegisterCase("110105", SampleCase(), &error);
  REQUIRE_MESSAGE(!id.empty(), error);
  REQUIRE(t.PostEvent("110105", id, kAcceptance, &error) == 201);

  for (const std::string node : {"110100", "110000", "100000"}) WaitForCase(t, node, id, 2);

  const auto at_county = t.CaseEventXml("110105", id);
  REQUIRE(at_county.size() == 2);
  for (const std::string node : {"110100", "110000", "100000"}) {
    CAPTURE(node);
    CHECK(t.CaseEventXml(node, id) == at_county);
  }
  // Up only: the sibling county never sees it.
  CHECK_FALSE(t.HasCase("110108", id));
  CHECK(QueryOne(t.Dir("110108"), "SELECT count(*) FROM events") == "0");

  // National holds the county's batches exactly as the county signed them.
  const auto county_key = KeyOf(t, "110105");
  const auto province_key = KeyOf(t, "110000");
  const auto rows = Query(t.Dir("100000"),
                          "SELECT batch_id, bytes, signature, received_from, state FROM batches "
                          "WHERE origin = '110105' AND stream = 'up' ORDER BY seq");
  REQUIRE(!rows.empty());
  std::map<std::string, std::string> signed_events;
  for (const auto& r : rows) {
    CAPTURE(r[0]);
    CHECK(r[3] == "110000");  // it came through the province
    CHECK(r[4] == "applied");
    CHECK(xf::exchange::VerifyBytes(county_key, r[1], r[2]));
    CHECK_FALSE(xf::exchange::VerifyBytes(province_key, r[1], r[2]));  // the relay did not re-sign
    // Same bytes as the county's own copy: nobody re-packed it.
    CHECK(QueryOne(t.Dir("110105"),
                   "SELECT bytes FROM batches WHERE batch_id = ?1 AND state = 'own'",
                   {r[0]}) == r[1]);
    auto xml = xf::exchange::Decompress(r[1], 64u << 20);
    REQUIRE(xml);
    auto batch = xf::exchange::ParseBatchXml(*xml);
    REQUIRE(batch);
    CHECK(batch->header.origin == "110105");
    for (const auto& e : batch->events) signed_events[e.event.Id()] = e.xml;
  }
  // Every event of the case is in a county-signed batch, with the same bytes.
  for (const auto& [event_id, xml] : at_county) {
    CAPTURE(event_id);
    REQUIRE(signed_events.count(event_id) == 1);
    CHECK(signed_events[event_id] == xml);
  }
  // A flipped byte no longer verifies with the county's key.
  std::string altered = rows.front()[1];
  altered[altered.size() / 2] ^= 0x01;
  CHECK_FALSE(xf::exchange::VerifyBytes(county_key, altered, rows.front()[2]));
  for (const std::string node : {"110105", "110100", "110000", "100000"}) {
    CAPTURE(node);
    CHECK(QueryOne(t.Dir(node), "SELECT count(*) FROM rejections") == "0");
  }
}

TEST_CASE("exchange: a case assigned by national to 110108 reaches only the nodes on its path") {
  Topology t;
  REQUIRE(t.StartAll());
  std::string error;
  const std::string id = t.RegisterCase("100000", SampleCase("visit-property-fee.json"), &error);
  REQUIRE_MESSAGE(!id.empty(), error);
  REQUIRE_MESSAGE(t.PostEvent("100000", id, kAssignTo110108, &error) == 201, error);

  for (const std::string node : {"110000", "110100", "110108"}) WaitForCase(t, node, id, 2);
  const auto at_national = t.CaseEventXml("100000", id);
  REQUIRE(at_national.size() == 2);
  for (const std::string node : {"110000", "110100", "110108"}) {
    CAPTURE(node);
    CHECK(t.CaseEventXml(node, id) == at_national);
  }
  // The target knows it is the handler.
  {
    auto r = t.Node("110108").Call("GET", "/v1/cases/" + id);
    REQUIRE(r);
    const auto state = json::parse(r->body).at("state").as_object();
    CHECK(state.at("handler").as_string() == "110108");
  }
  // The down batch at the target is national's, as national signed it.
  const auto rows =
      Query(t.Dir("110108"),
            "SELECT bytes, signature, received_from FROM batches WHERE origin = '100000' "
            "AND stream = 'down.110108'");
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][2] == "110100");
  CHECK(xf::exchange::VerifyBytes(KeyOf(t, "100000"), rows[0][0], rows[0][1]));

  // The target's answer goes up to national along the same path.
  REQUIRE(t.PostEvent("110108", id, kAcceptance, &error) == 201);
  for (const std::string node : {"110100", "110000", "100000"}) WaitForCase(t, node, id, 3);

  // Off the path: 110105 never got it, and nothing was ever queued toward it.
  CHECK_FALSE(t.HasCase("110105", id));
  CHECK(QueryOne(t.Dir("110105"), "SELECT count(*) FROM events") == "0");
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM outbox WHERE link = '110105'") == "0");
}

// Issue 3: offline transfer (网闸, removable media) delivers what push
// delivers. County 110108 is linked to its city by files only (`xfctl
// export` / `xfctl import`, no URL either side); its sibling 110105 is
// pushed to over the network. Both directions, receipts carried back, the
// same verification as a push.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace fs = std::filesystem;
using xf::test::Query;
using xf::test::QueryOne;
using xf::test::ReadText;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::TopologyOptions;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

std::string Assign(const std::string& target) {
  return R"({"kind":"transfer","occurred_at":"2025-03-14T10:00:00+08:00","actor":"王强","mode":"assign","target":")" +
         target + R"(","due_date":"2025-05-01","instructions":"请依法办理并报送结果"})";
}

const char* kAcceptance =
    R"({"kind":"acceptance","occurred_at":"2025-12-15T10:00:00+08:00","actor":"李明","decision":"1","body":"区信访局","reason":"依法予以受理。"})";

void WaitForCase(Topology& t, const std::string& node, const std::string& case_id,
                 std::size_t events) {
  REQUIRE_MESSAGE(t.WaitForCase(node, case_id, events),
                  node << " never held " << case_id << " with " << events << " events; its log:\n"
                       << t.Node(node).Log());
}

std::string Undelivered(Topology& t, const std::string& node, const std::string& link) {
  return QueryOne(t.Dir(node),
                  "SELECT count(*) FROM outbox WHERE link = ?1 AND delivered_at IS NULL", {link});
}

json::object State(Topology& t, const std::string& node, const std::string& case_id) {
  auto r = t.Node(node).Call("GET", "/v1/cases/" + case_id);
  REQUIRE(r);
  REQUIRE(r->status == 200);
  return json::parse(r->body).at("state").as_object();
}

void Run(const std::vector<std::string>& args) {
  const auto r = Xfctl(args);
  REQUIRE_MESSAGE(r.status == 0, "xfctl " << args[0] << " failed:\n" << r.output);
}

std::string Snapshot(Topology& t, const std::string& node) {
  return QueryOne(t.Dir(node), "SELECT count(*) FROM events") + " events, " +
         QueryOne(t.Dir(node), "SELECT count(*) FROM batches") + " batches, " +
         QueryOne(t.Dir(node), "SELECT count(*) FROM rejections WHERE event_id <> ''") + " rejections";
}

}  // namespace

TEST_CASE("exchange: offline export/import delivers what push delivers, both ways, with receipts") {
  TopologyOptions o;
  o.offline = {"110108"};
  Topology t({"110100", "110105", "110108"}, o);
  REQUIRE(t.StartAll());
  const std::string city = t.Dir("110100").string();
  const std::string county = t.Dir("110108").string();
  std::string error;
  const std::string pushed =
      t.RegisterCase("110100", SampleCase("visit-property-fee.json"), &error);
  REQUIRE_MESSAGE(!pushed.empty(), error);
  const std::string carried =
      t.RegisterCase("110100", SampleCase("visit-property-fee.json"), &error);
  REQUIRE_MESSAGE(!carried.empty(), error);
  REQUIRE(t.PostEvent("110100", pushed, Assign("110105"), &error) == 201);
  REQUIRE(t.PostEvent("110100", carried, Assign("110108"), &error) == 201);
  WaitForCase(t, "110105", pushed, 2);
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110100", "110108") == "1"; }));
  CHECK_FALSE(t.HasCase("110108", carried));

  // Down: city → files → county, receipts → city.
  const fs::path down = t.Root() / "media-down";
  Run({"export", "--node", city, "--link", "110108", "--out", down.string()});
  for (const char* f : {"1.batch.zst", "1.batch.sig", "1.batch.json"}) {
    CAPTURE(f);
    CHECK(fs::exists(down / f));
  }
  {
    // The files are the city's signed batch as is: checkable without a node.
    auto key = xf::exchange::PublicKey::LoadPem(t.Dir("110100") / "keys" / "signing.pub");
    REQUIRE(key);
    CHECK(xf::exchange::VerifyBytes(*key, ReadText(down / "1.batch.zst"),
                                    ReadText(down / "1.batch.sig")));
  }
  Run({"import", "--node", county, "--in", down.string()});
  for (const char* f : {"1.receipt.xml", "1.receipt.sig", "1.receipt.json"}) {
    CAPTURE(f);
    CHECK(fs::exists(down / "receipts" / f));
  }
  WaitForCase(t, "110108", carried, 2);
  CHECK(t.CaseEventXml("110108", carried) == t.CaseEventXml("110100", carried));
  CHECK(t.CaseEventXml("110105", pushed) == t.CaseEventXml("110100", pushed));
  CHECK(State(t, "110108", carried).at("handler").as_string() == "110108");
  CHECK(State(t, "110108", carried).at("status") == State(t, "110105", pushed).at("status"));
  CHECK(Undelivered(t, "110100", "110108") == "1");
  Run({"import", "--node", city, "--receipts", (down / "receipts").string()});
  CHECK(Undelivered(t, "110100", "110108") == "0");

  // Up: the county's answer goes back the same way; the pushed one by network.
  REQUIRE(t.PostEvent("110108", carried, kAcceptance, &error) == 201);
  REQUIRE(t.PostEvent("110105", pushed, kAcceptance, &error) == 201);
  WaitForCase(t, "110100", pushed, 3);
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110108", "110100") == "1"; }));
  const fs::path up = t.Root() / "media-up";
  Run({"export", "--node", county, "--link", "110100", "--out", up.string()});
  Run({"import", "--node", city, "--in", up.string()});
  WaitForCase(t, "110100", carried, 3);
  CHECK(t.CaseEventXml("110100", carried) == t.CaseEventXml("110108", carried));
  Run({"import", "--node", county, "--receipts", (up / "receipts").string()});
  CHECK(Undelivered(t, "110108", "110100") == "0");
  {
    auto a = State(t, "110100", carried);
    auto b = State(t, "110100", pushed);
    CHECK(a.at("status") == b.at("status"));
    CHECK(a.at("event_count") == b.at("event_count"));
  }

  // Carrying the same files in again changes nothing.
  const std::string before = Snapshot(t, "110100");
  Run({"import", "--node", city, "--in", up.string()});
  CHECK(Snapshot(t, "110100") == before);

  // A batch altered on the medium is refused with the reason, and nothing of it applied.
  const std::string bytes = ReadText(up / "1.batch.zst");
  const fs::path bad = t.Root() / "media-bad";
  fs::create_directories(bad);
  for (const char* f : {"1.batch.sig", "1.batch.json"}) fs::copy_file(up / f, bad / f);
  {
    std::string altered = bytes;
    altered[altered.size() / 2] ^= 0x01;
    std::ofstream(bad / "1.batch.zst", std::ios::binary) << altered;
  }
  // The stream is past 1 there; refused on the signature before anything else.
  const auto r = Xfctl({"import", "--node", city, "--in", bad.string()});
  CHECK(r.status != 0);
  CHECK_MESSAGE(r.output.find("signature") != std::string::npos, r.output);
  CHECK(Snapshot(t, "110100") == before);
  // The refusal is recorded, whole batch, against the node that exported it.
  CHECK(QueryOne(t.Dir("110100"), "SELECT group_concat(charged_to || ' ' || field, ', ') FROM rejections") ==
        "110108 signature");
}

// Issue 12, hole 2: a key change never stops a link. The province 110000
// does not know the county 110108's key: 110108's batch, relayed by the
// city, is parked there (not refused), so the city's in-order link to the
// province goes on and 110105's cases keep reaching the national bureau;
// the status page, /v1/status and /metrics say what is parked and why.
// `xfctl keys add` on the running province (no restart) takes effect at
// once: the parked batch is verified, applied and forwarded. The same
// through the key directory watch alone, and on SIGHUP. Real xfnode
// processes on loopback.
#include <doctest/doctest.h>

#include <signal.h>

#include <boost/json.hpp>
#include <filesystem>

#include "test/harness/topology.h"

namespace json = boost::json;
namespace fs = std::filesystem;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

// exchange.parked of /v1/status at `node`.
json::array Parked(Topology& t, const std::string& node) {
  const auto s = t.Status(node);
  const auto* x = s.if_contains("exchange");
  if (x == nullptr || !x->as_object().contains("parked")) return {};
  return x->at("parked").as_array();
}

std::string Metrics(Topology& t, const std::string& node) {
  auto r = t.Node(node).Call("GET", "/metrics");
  return r && r->status == 200 ? r->body : "";
}

// A tree in which the province does not know 110108's key; running, with
// 110108's first case parked at the province and 110105's at national.
struct ProvinceWithoutKey {
  Topology t;
  std::string parked_case, flowing_case;
  ProvinceWithoutKey() {
    std::error_code ec;
    REQUIRE(fs::remove(t.Dir("110000") / "keys" / "directory" / "110108.pub", ec));
    REQUIRE(t.StartAll());
    std::string error;
    parked_case = t.RegisterCase("110108", SampleCase(), &error);
    REQUIRE_MESSAGE(!parked_case.empty(), error);
    REQUIRE(t.WaitForCase("110100", parked_case, 1));
    // Parked at the province, with the reason.
    REQUIRE_MESSAGE(WaitUntil([&] { return !Parked(t, "110000").empty(); }), t.Node("110000").Log());
    // Traffic from the other origins keeps flowing through the same links.
    flowing_case = t.RegisterCase("110105", SampleCase("phone-pension-inquiry.json"), &error);
    REQUIRE_MESSAGE(!flowing_case.empty(), error);
    REQUIRE_MESSAGE(t.WaitForCase("100000", flowing_case, 1), t.Node("110100").Log());
  }
};

}  // namespace

TEST_CASE("trust: a key added to a running relay takes effect at once; meanwhile the other origins flow") {
  ProvinceWithoutKey p;
  Topology& t = p.t;
  const int pid = t.Node("110000").Pid();

  // What is parked, and why: status, metrics, the status page.
  const auto parked = Parked(t, "110000");
  REQUIRE(parked.size() == 1);
  CHECK(parked[0].at("origin").as_string() == "110108");
  CHECK(parked[0].at("stream").as_string() == "up");
  CHECK(parked[0].at("batches").to_number<int>() == 1);
  CHECK(std::string(parked[0].at("reason").as_string()).find("no public key") != std::string::npos);
  CHECK_MESSAGE(Metrics(t, "110000").find("xfnode_parked_batches{origin=\"110108\",stream=\"up\"} 1") !=
                    std::string::npos,
                Metrics(t, "110000"));
  {
    auto page = t.Node("110000").Call("GET", "/");
    REQUIRE(page);
    CHECK(page->body.find("<tr data-origin=\"110108\" data-stream=\"up\" data-batches=\"1\">") != std::string::npos);
  }
  // The city delivered it (the province answered held) and has nothing pending.
  CHECK(WaitUntil([&] { return t.PendingOut("110100") == 0; }));
  CHECK_FALSE(t.HasCase("110000", p.parked_case));
  CHECK_FALSE(t.HasCase("100000", p.parked_case));

  // The key, added while the province runs.
  const auto r = Xfctl({"keys", "add", "110108", (t.Dir("110108") / "keys" / "signing.pub").string(), "--node",
                        t.Dir("110000").string()});
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK_MESSAGE(r.output.find("运行中的节点已立即采用这一变更") != std::string::npos, r.output);
  REQUIRE_MESSAGE(t.WaitForCase("100000", p.parked_case, 1), t.Node("110000").Log());
  CHECK(t.CaseEventXml("100000", p.parked_case) == t.CaseEventXml("110108", p.parked_case));
  CHECK(Parked(t, "110000").empty());
  CHECK(Metrics(t, "110000").find("xfnode_parked_batches{") == std::string::npos);
  // No restart: the same process all along.
  CHECK(t.Node("110000").Running());
  CHECK(t.Node("110000").Pid() == pid);
  // Its next batches go straight through.
  std::string error;
  const std::string later = t.RegisterCase("110108", SampleCase("wechat-night-noise.json"), &error);
  REQUIRE_MESSAGE(!later.empty(), error);
  CHECK(t.WaitForCase("100000", later, 1));

  // And removed again: the province parks 110108's batches anew.
  const auto rm = Xfctl({"keys", "remove", "110108", "--node", t.Dir("110000").string()});
  REQUIRE_MESSAGE(rm.status == 0, rm.output);
  const std::string after = t.RegisterCase("110108", SampleCase("letter-village-assets.json"), &error);
  REQUIRE_MESSAGE(!after.empty(), error);
  REQUIRE(WaitUntil([&] { return !Parked(t, "110000").empty(); }));
  CHECK_FALSE(t.HasCase("110000", after));
}

TEST_CASE("trust: the key directory watch and SIGHUP reload keys without xfctl") {
  ProvinceWithoutKey p;
  Topology& t = p.t;
  SUBCASE("a key file copied into the key directory") {
    fs::copy_file(t.Dir("110108") / "keys" / "signing.pub", t.Dir("110000") / "keys" / "directory" / "110108.pub");
    REQUIRE_MESSAGE(t.WaitForCase("100000", p.parked_case, 1), t.Node("110000").Log());
    CHECK(t.Node("110000").Log().find("the key files changed") != std::string::npos);
  }
  SUBCASE("SIGHUP") {
    REQUIRE(::kill(t.Node("110000").Pid(), SIGHUP) == 0);
    REQUIRE(WaitUntil([&] { return t.Node("110000").Log().find("\"why\":\"SIGHUP\"") != std::string::npos; }));
    CHECK(t.Node("110000").Running());
    // The key still unknown: still parked, with its reason.
    CHECK(Parked(t, "110000").size() == 1);
  }
}

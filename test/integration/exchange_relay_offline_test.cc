// Issue 3: a relay offline for a while. The county keeps registering while
// its city is down; when the city comes back everything reaches national,
// which applied the county's up batches in sequence order, with no gap.
// Chain: county 110105 → city 110100 → province 110000 → national 100000.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::Query;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::WaitUntil;

namespace {

// exchange.links[] entry of `link` in a node's status (empty when absent).
json::object LinkStatus(Topology& t, const std::string& node, const std::string& link) {
  const auto s = t.Status(node);
  if (const auto* x = s.if_contains("exchange")) {
    for (const auto& l : x->at("links").as_array()) {
      if (l.at("link").as_string() == link) return l.as_object();
    }
  }
  return {};
}

}  // namespace

TEST_CASE(
    "exchange: a relay offline for a while; afterwards everything is at national, in sequence "
    "order") {
  Topology t({"100000", "110000", "110100", "110105"});
  REQUIRE(t.StartAll());
  const std::string body = SampleCase("phone-pension-inquiry.json");
  constexpr int kBefore = 3;
  constexpr int kOffline = 30;

  for (int i = 0; i < kBefore; ++i) REQUIRE(!t.RegisterCase("110105", body).empty());
  REQUIRE_MESSAGE(WaitUntil([&] { return t.LastSeq("100000", "110105") == kBefore; }),
                  t.Node("110105").Log());

  REQUIRE(t.Stop("110100") == 0);
  for (int i = 0; i < kOffline; ++i) REQUIRE(!t.RegisterCase("110105", body).empty());
  // The county knows it could not deliver, and says why.
  REQUIRE(WaitUntil([&] {
    const auto l = LinkStatus(t, "110105", "110100");
    return !l.empty() && l.at("pending").to_number<std::int64_t>() > 0 &&
           !l.at("last_error").as_string().empty();
  }));
  // Nothing went round the relay.
  CHECK(t.LastSeq("110000", "110105") == kBefore);
  CHECK(t.LastSeq("100000", "110105") == kBefore);

  REQUIRE(t.Start("110100"));
  constexpr int kTotal = kBefore + kOffline;
  const bool arrived = WaitUntil([&] {
    return t.LastSeq("100000", "110105") == kTotal && t.PendingOut("110105") == 0 &&
           t.PendingOut("110100") == 0 && t.PendingOut("110000") == 0;
  });
  REQUIRE_MESSAGE(arrived, "national has " << t.LastSeq("100000", "110105") << " of " << kTotal
                                           << "\n"
                                           << t.Node("110105").Log() << t.Node("110100").Log());
  const auto link = LinkStatus(t, "110105", "110100");
  CHECK(link.at("pending").to_number<std::int64_t>() == 0);
  CHECK(link.at("last_error").as_string() == "");

  for (const std::string node : {"110100", "110000", "100000"}) {
    CAPTURE(node);
    CHECK(QueryOne(t.Dir(node), "SELECT count(*) FROM events WHERE origin = '110105'") ==
          std::to_string(kTotal));
    CHECK(t.GapCount(node) == 0);
    CHECK(QueryOne(t.Dir(node), "SELECT count(*) FROM rejections") == "0");
  }
  // National applied the county's up batches 1..K in order: every one
  // applied, none held, and storage times never go back as seq goes up.
  const auto batches =
      Query(t.Dir("100000"),
            "SELECT seq, stored_at, state FROM batches WHERE origin = '110105' AND stream = 'up' "
            "ORDER BY seq");
  REQUIRE(
      batches.size() ==
      std::stoul(QueryOne(t.Dir("110105"), "SELECT count(*) FROM batches WHERE stream = 'up'")));
  std::int64_t last_stored = 0;
  for (std::size_t i = 0; i < batches.size(); ++i) {
    CAPTURE(i);
    CHECK(std::stoll(batches[i][0]) == static_cast<long long>(i + 1));
    CHECK(batches[i][2] == "applied");
    CHECK(std::stoll(batches[i][1]) >= last_stored);
    last_stored = std::stoll(batches[i][1]);
  }
  // And so were the events: seq order is storage order.
  const auto events = Query(
      t.Dir("100000"), "SELECT seq, stored_at FROM events WHERE origin = '110105' ORDER BY seq");
  REQUIRE(events.size() == static_cast<std::size_t>(kTotal));
  last_stored = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    CAPTURE(i);
    CHECK(std::stoll(events[i][0]) == static_cast<long long>(i + 1));
    CHECK(std::stoll(events[i][1]) >= last_stored);
    last_stored = std::stoll(events[i][1]);
  }
}

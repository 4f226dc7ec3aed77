// Issue 3: SIGKILL in the middle of an exchange loses nothing and doubles
// nothing. A county registers cases in immediate mode (each one packed and
// pushed as soon as it commits) while the sender, a relay or a receiver is
// killed and restarted; afterwards national holds every event of the county
// exactly once. Chain: county 110105 → city 110100 → province 110000 →
// national 100000.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "test/harness/topology.h"

using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::WaitUntil;

namespace {

const std::vector<std::string> kChain = {"100000", "110000", "110100", "110105"};
constexpr int kCases = 100;

std::string Logs(Topology& t) {
  std::string out;
  for (const auto& id : t.Ids()) out += "---- " + id + "\n" + t.Node(id).Log();
  return out;
}

// Every event of the county is at every level exactly once, in an unbroken
// sequence, nothing rejected, nothing held, nothing left to send.
void CheckExactlyOnce(Topology& t, int registered) {
  const std::string n = std::to_string(registered);
  const bool arrived = WaitUntil([&] {
    if (t.LastSeq("100000", "110105") != static_cast<std::uint64_t>(registered)) return false;
    for (const auto& id : t.Ids()) {
      if (t.PendingOut(id) != 0) return false;
    }
    return true;
  });
  REQUIRE_MESSAGE(arrived, "national has " << t.LastSeq("100000", "110105") << " of " << registered
                                           << "\n"
                                           << Logs(t));
  CHECK(QueryOne(t.Dir("110105"), "SELECT count(*) FROM events WHERE origin = '110105'") == n);
  for (const auto& id : t.Ids()) {
    CAPTURE(id);
    CHECK(t.LastSeq(id, "110105") == static_cast<std::uint64_t>(registered));
    CHECK(QueryOne(t.Dir(id),
                   "SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) FROM events "
                   "WHERE origin = '110105'") == n + " 1 " + n);
    CHECK(QueryOne(t.Dir(id), "SELECT count(*) FROM rejections") == "0");
    CHECK(QueryOne(t.Dir(id), "SELECT count(*) FROM batches WHERE state = 'held'") == "0");
    CHECK(t.GapCount(id) == 0);
  }
  // The county's up stream arrived whole: batches 1..K, each applied once.
  const std::string own =
      QueryOne(t.Dir("110105"), "SELECT count(*) FROM batches WHERE stream = 'up'");
  CHECK(QueryOne(t.Dir("100000"),
                 "SELECT count(*) || ' ' || max(seq) FROM batches WHERE origin = '110105' "
                 "AND stream = 'up' AND state = 'applied'") == own + " " + own);
}

void RunKill(const std::string& victim) {
  CAPTURE(victim);
  Topology t(kChain);
  REQUIRE(t.StartAll());
  const std::string body = SampleCase();
  if (victim == "110105") {
    // The sender dies right after its 50th registration is acknowledged,
    // with its batches still on their way up.
    for (int i = 0; i < kCases / 2; ++i) REQUIRE(!t.RegisterCase("110105", body).empty());
    t.Kill("110105");
    REQUIRE_MESSAGE(t.Start("110105"), t.Node("110105").Log());
    for (int i = kCases / 2; i < kCases; ++i) REQUIRE(!t.RegisterCase("110105", body).empty());
  } else {
    // The county keeps registering while `victim` is killed under the flow.
    std::atomic<int> registered{0};
    std::atomic<int> refused{0};
    std::thread clerk([&] {
      for (int i = 0; i < kCases; ++i)
        (t.RegisterCase("110105", body).empty() ? refused : registered)++;
    });
    const bool flowing =
        WaitUntil([&] { return t.LastSeq(victim, "110105") >= 10 || registered == kCases; });
    t.Kill(victim);
    clerk.join();
    REQUIRE(flowing);
    REQUIRE(refused == 0);
    REQUIRE(registered == kCases);
    REQUIRE_MESSAGE(t.Start(victim), t.Node(victim).Log());
  }
  CheckExactlyOnce(t, kCases);
}

}  // namespace

TEST_CASE(
    "exchange: SIGKILL of the sender county mid-exchange: every event at national exactly once") {
  RunKill("110105");
}

TEST_CASE(
    "exchange: SIGKILL of the relay city mid-exchange: every event at national exactly once") {
  RunKill("110100");
}

TEST_CASE(
    "exchange: SIGKILL of the receiving province mid-exchange: every event at national exactly "
    "once") {
  RunKill("110000");
}

TEST_CASE("exchange: SIGKILL of national mid-exchange: every event at national exactly once") {
  RunKill("100000");
}

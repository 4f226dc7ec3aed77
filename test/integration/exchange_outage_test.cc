// Issue 13: a parent down for a while. The county keeps registering; each
// new case wakes its sender, which still keeps to its backoff (a delivery
// is the only thing that resets it); the link's state is logged once when
// it goes down and once when it is back, not at every try; and the parent,
// once back, is noticed by a cheap probe and caught up before the backoff's
// next try would have come.
// Chain: county 110105 → city 110100 (real processes).
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cmath>
#include <thread>

#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::TopologyOptions;
using xf::test::WaitUntil;

namespace {

// exchange.links[].sender of `link` in a node's status (empty when absent).
json::object Sender(Topology& t, const std::string& node, const std::string& link) {
  const auto s = t.Status(node);
  if (const auto* x = s.if_contains("exchange")) {
    for (const auto& l : x->at("links").as_array()) {
      if (l.at("link").as_string() == link) {
        if (const auto* sender = l.as_object().if_contains("sender")) return sender->as_object();
      }
    }
  }
  return {};
}

std::int64_t Int(const json::object& o, const char* key) { return o.at(key).to_number<std::int64_t>(); }

std::size_t Count(const std::string& log, const std::string& what) {
  std::size_t n = 0;
  for (auto at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("exchange: a parent down: backoff kept despite new cases, one log line per state, caught up when back") {
  TopologyOptions options;
  options.retry_max_seconds = 300;  // a try the backoff schedules is far away once it has grown
  Topology t({"110100", "110105"}, options);
  REQUIRE(t.StartAll());
  const std::string body = SampleCase("phone-pension-inquiry.json");
  REQUIRE(!t.RegisterCase("110105", body).empty());
  REQUIRE(WaitUntil([&] { return t.LastSeq("110100", "110105") == 1; }));

  REQUIRE(t.Stop("110100") == 0);
  const auto down_at = std::chrono::steady_clock::now();
  // New cases while the parent is down: each wakes the county's sender.
  int registered = 1;
  std::int64_t next_try_ms = 0;
  json::object sender;
  // Until the backoff has grown so that its next try is at least 6 s away.
  const bool grown = WaitUntil(
      [&] {
        REQUIRE(!t.RegisterCase("110105", body).empty());
        ++registered;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        sender = Sender(t, "110105", "110100");
        if (sender.empty() || sender.at("state").as_string() != "unreachable") return false;
        next_try_ms = Int(sender, "next_try_ms");
        return next_try_ms >= 6000;
      },
      std::chrono::seconds(90));
  REQUIRE_MESSAGE(grown, json::serialize(sender) << "\n" << t.Node("110105").Log());
  const double down_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - down_at).count();
  // Tries while down: n failures need at least 0.5 × (1 + 2 + … + 2^(n-2)) s
  // of backoff between them, whatever the number of wake-ups.
  const auto failures = Int(sender, "failures");
  const double bound = 1 + std::log2(2 * down_s + 1) + 1;
  CAPTURE(down_s);
  CAPTURE(registered);
  CHECK(failures >= 4);
  CHECK(static_cast<double>(failures) <= bound);
  CHECK(registered > 2 * failures);  // many more wake-ups than tries
  // One line for the state change, not one per try.
  const std::string log = t.Node("110105").Log();
  CHECK(Count(log, "\"event\":\"link.down\"") == 1);
  CHECK(Count(log, "\"event\":\"link.up\"") == 1);  // the first delivery, before the outage

  REQUIRE(t.Start("110100"));
  const auto back_at = std::chrono::steady_clock::now();
  const bool caught_up = WaitUntil([&] { return t.LastSeq("110100", "110105") == static_cast<std::uint64_t>(registered); });
  const double catch_up_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - back_at).count();
  REQUIRE_MESSAGE(caught_up, t.Node("110105").Log());
  MESSAGE("caught up " << catch_up_s << " s after the parent was back (" << registered << " cases, down "
                       << down_s << " s, the backoff's next try was " << next_try_ms << " ms away)");
  REQUIRE(WaitUntil([&] { return t.PendingOut("110105") == 0; }));
  sender = Sender(t, "110105", "110100");
  REQUIRE(!sender.empty());
  CHECK(sender.at("state").as_string() == "up");
  // The probe, not the end of the backoff, brought the try.
  CHECK(Int(sender, "early_tries") >= 1);
  const std::string after = t.Node("110105").Log();
  CHECK(Count(after, "\"event\":\"link.down\"") == 1);
  CHECK(Count(after, "\"event\":\"link.up\"") == 2);
  CHECK(after.find("\"early\":\"true\"") != std::string::npos);
}

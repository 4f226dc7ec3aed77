// node/summary.h: the summaries table through a real Store's database —
// newest per origin wins, forwarding state, bounded header parsing.
#include "node/summary.h"

#include <doctest/doctest.h>

#include "node/store.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

using testing::TempDir;

summary::Held Summary(const std::string& origin, std::int64_t generated, const std::string& from) {
  summary::Held h;
  h.origin = origin;
  h.generated = Instant{generated};
  h.json = "{\"node_id\":\"" + origin + "\",\"now\":\"" + Instant{generated}.ToString() + "\"}";
  h.signature = std::string("sig\0bytes", 9);
  h.received_from = from;
  h.stored_at = Instant{generated + 5};
  return h;
}

TEST_CASE("summaries: the newest per origin is kept and forwarded once") {
  TempDir dir;
  ManualClock clock(Instant{1'760'000'000});
  auto store = Store::Open(dir / "xfnode.db", clock);
  REQUIRE(store);
  auto s = summary::SummaryStore::Open(dir / "xfnode.db");
  REQUIRE(s);

  CHECK(s->Put(Summary("110105", 1000, "110105")).value());
  CHECK(s->Put(Summary("110108", 1100, "110108")).value());
  CHECK_FALSE(s->Put(Summary("110105", 900, "110105")).value());   // older: ignored
  CHECK_FALSE(s->Put(Summary("110105", 1000, "110105")).value());  // same: ignored

  auto unsent = s->Unsent();
  REQUIRE(unsent);
  REQUIRE(unsent->size() == 2);
  CHECK((*unsent)[0].origin == "110105");
  CHECK((*unsent)[0].signature == std::string("sig\0bytes", 9));
  REQUIRE(s->MarkSent("110105", Instant{1000}));
  CHECK(s->Unsent()->size() == 1);

  // A newer one replaces it and is to be sent again.
  CHECK(s->Put(Summary("110105", 2000, "110105")).value());
  unsent = s->Unsent();
  REQUIRE(unsent->size() == 2);
  auto all = s->All();
  REQUIRE(all->size() == 2);
  CHECK(all->front().generated.seconds == 2000);
  // Marking an outdated generation sent does not mark the newer one.
  REQUIRE(s->MarkSent("110105", Instant{1000}));
  CHECK(s->Unsent()->size() == 2);

  CHECK_FALSE(s->LastOwn("110100").value().has_value());
  CHECK(s->LastOwn("110108").value()->seconds == 1100);
}

TEST_CASE("summaries: a database without the table is refused") {
  TempDir dir;
  ManualClock clock(Instant{1'760'000'000});
  REQUIRE(Store::OpenAtVersion(dir / "xfnode.db", clock, 2));
  auto s = summary::SummaryStore::Open(dir / "xfnode.db");
  REQUIRE_FALSE(s);
  CHECK(s.error().message.find("summaries") != std::string::npos);
}

// A report's members (node/conformance.schema.json), empty, around node_id and now.
std::string Report(const std::string& node_and_now) {
  return "{" + node_and_now +
         R"(,"code_version":"xf-codes-2026.1","since":"2026-10-21T16:00:00Z","until":"2026-11-20T08:00:00Z",)"
         R"("bounds":{},"weights":{},"overdue":{},"origins":[],"subtrees":[],"rejections":[],"late_events":[],)"
         R"("gaps":[],"children":[],"silent_origins":[],"repeats_without_initial":[],"repeats_resolved_late":[],)"
         R"("outdated_batches":[],"legal_not_directed":[],"days":[],"reported":[]})";
}

TEST_CASE("summaries: header parsing is bounded and names the field") {
  auto ok = summary::ParseHeader(Report(R"("node_id":"110105","now":"2026-11-20T08:00:00Z")"));
  REQUIRE_MESSAGE(ok, ok.error().message);
  CHECK(ok->node_id == "110105");
  CHECK(ok->generated == *Instant::Parse("2026-11-20T08:00:00Z"));

  auto no_node = summary::ParseHeader(R"({"now":"2026-11-20T08:00:00Z"})");
  REQUIRE_FALSE(no_node);
  CHECK(no_node.error().message.find("node_id") != std::string::npos);
  CHECK_FALSE(summary::ParseHeader(R"({"node_id":"../etc","now":"2026-11-20T08:00:00Z"})"));
  auto bad_time = summary::ParseHeader(R"({"node_id":"110105","now":"yesterday"})");
  REQUIRE_FALSE(bad_time);
  CHECK(bad_time.error().message.find("now") != std::string::npos);
  CHECK_FALSE(summary::ParseHeader("[1,2,3]"));
  CHECK_FALSE(summary::ParseHeader("{\"node_id\":"));
  CHECK_FALSE(summary::ParseHeader(std::string(40, '[') + std::string(40, ']')));  // too deep
  auto big = summary::ParseHeader(std::string(summary::kMaxBytes + 1, ' '));
  REQUIRE_FALSE(big);
  CHECK(big.error().code == Errc::kLimit);
}

TEST_CASE("summaries: an empty summary (not a whole report) is refused, naming what it lacks") {
  auto empty = summary::ParseHeader(R"({"node_id":"110105","now":"2026-11-20T08:00:00Z"})");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code == Errc::kInvalidArgument);
  CHECK_MESSAGE(empty.error().message.find("empty summary is not stored") != std::string::npos, empty.error().message);
  CHECK(empty.error().message.find("origins") != std::string::npos);
  // One member of the wrong type is enough.
  std::string wrong = Report(R"("node_id":"110105","now":"2026-11-20T08:00:00Z")");
  wrong.replace(wrong.find(R"("gaps":[])"), 9, R"("gaps":{})");
  auto r = summary::ParseHeader(wrong);
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("gaps") != std::string::npos);
}

}  // namespace
}  // namespace xf::node

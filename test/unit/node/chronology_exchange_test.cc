// R7 at the exchange (Store::ApplyBatch): per record, in the receipt, like
// R6 — lenient, so that a relay refuses what contradicts what it holds but
// keeps a valid record whose prerequisite, from another origin, has not
// arrived yet (node/CONFORMANCE.md, "R7 at relays").
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "codes/calendar.h"
#include "exchange/batch.h"
#include "node/conformance.h"
#include "node/store.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

using testing::At;
using testing::Book;
using testing::TempDir;
using testing::ValidCase;

const std::string kSelf = "100000";
const std::string kCounty = "110105";
const std::string kCity = "110100";
const std::string kCase = "110105-2026-0000001";

schema::Event Make(const std::string& origin, std::uint64_t seq, schema::EventKind kind, const char* occurred,
                   schema::EventBody body) {
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = kCase;
  e.kind = kind;
  e.occurred_at = At(occurred);
  e.recorded_at = e.occurred_at;
  e.actor = "张敏";
  e.body = std::move(body);
  return e;
}

schema::Event Registration(std::uint64_t seq) {
  auto c = ValidCase();
  c.case_id = kCase;
  c.received_date = Date{2026, 3, 1};
  c.registering_body = kCounty;
  c.registered_at = At("2026-03-01T10:00:00+08:00");
  return Make(kCounty, seq, schema::EventKind::kRegistration, "2026-03-01T10:00:00+08:00", c);
}

class Node {
 public:
  Node() : m_clock(At("2026-04-01T00:00:00Z")) {
    auto opened = Store::Open(m_dir / "xfnode.db", m_clock);
    REQUIRE_MESSAGE(opened.ok(), opened.error().message);
    m_store = std::move(opened).value();
    auto cal = codes::Calendar::FromBook(Book());
    REQUIRE(cal.ok());
    m_store->SetChronology(std::make_shared<const codes::Calendar>(std::move(cal).value()),
                           codes::Counting::kCalendarDays);
  }

  // Applies the next "up" batch of `origin`; returns the receipt.
  exchange::Receipt Apply(const std::string& origin, std::vector<schema::Event> events) {
    Store::Incoming in;
    in.header.origin = origin;
    in.header.stream = std::string(exchange::kUpStream);
    in.header.seq = ++m_seq[origin];
    in.header.batch_id = exchange::MakeBatchId(origin, in.header.stream, in.header.seq);
    in.header.destination = kSelf;
    in.header.created = m_clock.Now();
    in.header.code_version = Book().Version();
    in.header.record_count = events.size();
    in.bytes = "bytes of " + in.header.batch_id;
    in.signature = "sig";
    in.received_from = kCity;
    for (auto& e : events) {
      const std::string xml = schema::EventToXml(e);
      in.events.push_back({std::move(e), xml, {}});
    }
    auto receipt = m_store->ApplyBatch(in, kSelf);
    REQUIRE_MESSAGE(receipt.ok(), receipt.error().message);
    return std::move(receipt).value();
  }

  Store& store() { return *m_store; }
  const std::filesystem::path db() const { return m_dir / "xfnode.db"; }

 private:
  TempDir m_dir;
  ManualClock m_clock;
  std::unique_ptr<Store> m_store;
  std::map<std::string, std::uint64_t> m_seq;
};

TEST_CASE("R7 at the exchange: a contradiction is refused in the receipt; a missing prerequisite is not") {
  Node n;
  // The county registers the case (received 03-01) and, wrongly, an acceptance dated 02-20.
  auto r = n.Apply(kCounty, {Registration(1),
                             Make(kCounty, 2, schema::EventKind::kAcceptance, "2026-02-20T10:00:00+08:00",
                                  schema::Acceptance{"1", kCounty, ""})});
  CHECK(r.AcceptedCount() == 1);
  REQUIRE(r.rejected.size() == 1);
  CHECK(r.rejected[0].event_id == "110105:2");
  CHECK(r.rejected[0].rule == "R7");
  CHECK(r.rejected[0].field == "occurred_at");

  // The city's closure arrives before the county's acceptance (separate streams):
  // nothing held contradicts it, so the national bureau keeps it.
  r = n.Apply(kCity, {Make(kCity, 1, schema::EventKind::kClosure, "2026-03-20T10:00:00+08:00",
                           schema::Closure{kCity, "办结"})});
  CHECK(r.rejected.empty());
  CHECK(r.AcceptedCount() == 1);
  // Then the acceptance (03-10), dated before the closure: consistent.
  r = n.Apply(kCounty, {Make(kCounty, 3, schema::EventKind::kAcceptance, "2026-03-10T10:00:00+08:00",
                             schema::Acceptance{"1", kCounty, ""})});
  CHECK(r.rejected.empty());
  // A written reply dated before that acceptance contradicts it.
  schema::Handling reply;
  reply.method = "040100";
  reply.reply = "答复意见";
  r = n.Apply(kCounty, {Make(kCounty, 4, schema::EventKind::kHandling, "2026-03-05T10:00:00+08:00", reply),
                        Make(kCounty, 5, schema::EventKind::kExtension, "2026-03-25T10:00:00+08:00",
                             schema::Extension{20, "情况复杂", "陈主任", Date{2026, 3, 25}}),
                        Make(kCounty, 6, schema::EventKind::kExtension, "2026-03-26T10:00:00+08:00",
                             schema::Extension{10, "再延", "陈主任", Date{2026, 3, 26}})});
  REQUIRE(r.rejected.size() == 2);
  CHECK(r.rejected[0].event_id == "110105:4");
  CHECK(r.rejected[0].field == "occurred_at");
  CHECK(r.rejected[1].event_id == "110105:6");  // the second extension, against the first of this batch
  CHECK(r.rejected[1].field == "kind");
  CHECK(r.rejected[1].rule == "R7");

  // Held and counted: the case has its acceptance and one extension; the report
  // counts the refusals under R7.
  auto view = n.store().GetCase(kCase);
  REQUIRE(view.ok());
  CHECK(view->events.size() == 4);  // registration, closure, acceptance, extension
  conformance::Options o;
  o.now = At("2026-04-01T00:00:00Z");
  o.since = At("2026-03-01T00:00:00Z");
  o.node_id = kSelf;
  auto report = conformance::ComputeFromFile(n.db(), Book(), o);
  REQUIRE_MESSAGE(report.ok(), report.error().message);
  for (const auto& t : report->origins) {
    if (t.id == kCounty) CHECK(t.rejections.at("R7") == 3);
  }
}

TEST_CASE("R7 at the exchange: a repeat case whose initial case was received after it") {
  Node n;
  auto initial = Registration(1);
  auto& ic = std::get<schema::CaseRegistration>(initial.body);
  ic.received_date = Date{2026, 3, 5};
  schema::Event repeat = Registration(2);
  repeat.case_id = "110105-2026-0000002";
  auto& rc = std::get<schema::CaseRegistration>(repeat.body);
  rc.case_id = repeat.case_id;
  rc.repeat = true;
  rc.initial_case_id = kCase;
  rc.received_date = Date{2026, 3, 1};
  // In one batch: the initial case first, then the repeat that predates it.
  const auto r = n.Apply(kCounty, {initial, repeat});
  REQUIRE(r.rejected.size() == 1);
  CHECK(r.rejected[0].event_id == "110105:2");
  CHECK(r.rejected[0].rule == "R7");
  CHECK(r.rejected[0].field == "initial_case_id");
}

}  // namespace
}  // namespace xf::node

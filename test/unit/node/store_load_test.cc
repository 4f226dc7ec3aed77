// node/store.h under load (issue 13): reads on connections of their own that
// never wait for the writer, the writer not held while a normal batch is
// still being parsed, and the counts kept as the store changes (migration 12)
// so that status costs the same whatever the store holds.
//
// No timing is asserted: a batch's parser is held at a latch the test
// controls, and what must (or need not) wait is shown by which of two
// things happened first.
#include <doctest/doctest.h>

#include <condition_variable>
#include <fstream>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "codes/env.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "node/store.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

using testing::At;
using testing::RawDb;
using testing::TempDir;
using testing::ValidCase;

const std::string kSelf = "110100";
const std::string kCounty = "110105";

std::unique_ptr<Store> OpenStore(const std::filesystem::path& file, const Clock& clock) {
  auto s = Store::Open(file, clock);
  REQUIRE_MESSAGE(s.ok(), s.error().message);
  return std::move(s).value();
}

// A registration of the county's case i, as its batch carries it.
Store::IncomingEvent CountyCase(std::uint64_t i) {
  schema::CaseRegistration c = ValidCase();
  char id[32];
  std::snprintf(id, sizeof id, "%s-2025-%07llu", kCounty.c_str(), static_cast<unsigned long long>(i));
  c.case_id = id;
  c.registering_body = kCounty;
  c.registered_at = At("2026-02-16T09:00:00Z");
  schema::Event e;
  e.origin = kCounty;
  e.seq = i;
  e.case_id = c.case_id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = c.registered_at;
  e.recorded_at = c.registered_at;
  e.actor = "张敏";
  e.body = std::move(c);
  std::string xml = schema::EventToXml(e);
  return {std::move(e), std::move(xml), {}};
}

Store::Incoming UpBatch(std::uint64_t seq, std::uint64_t events) {
  Store::Incoming in;
  in.header.origin = kCounty;
  in.header.stream = std::string(exchange::kUpStream);
  in.header.seq = seq;
  in.header.batch_id = exchange::MakeBatchId(kCounty, in.header.stream, seq);
  in.header.destination = std::string(exchange::kRootNode);
  in.header.created = At("2026-03-01T10:00:00Z");
  in.header.record_count = events;
  in.bytes = "bytes of " + in.header.batch_id;
  in.signature = "sig";
  in.received_from = kCounty;
  return in;
}

// A parser the test holds: it hands over `first` events, then waits at the
// latch until Release(), then hands over the rest.
struct HeldParser {
  std::mutex mutex;
  std::condition_variable cv;
  bool released = false;
  bool waiting = false;  // the store asked for more while held
  std::uint64_t next = 1, first = 0, total = 0;

  std::function<Result<bool>(std::vector<Store::IncomingEvent>&)> Feed() {
    return [this](std::vector<Store::IncomingEvent>& out) -> Result<bool> {
      std::unique_lock lock(mutex);
      if (next > first) {
        waiting = true;
        cv.notify_all();
        cv.wait(lock, [&] { return released; });
      }
      const std::uint64_t end = next > first ? total : first;
      for (int n = 0; n < 256 && next <= end; ++n) out.push_back(CountyCase(next++));
      return next <= total;
    };
  }
  void AwaitWaiting() {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return waiting; });
  }
  void Release() {
    std::lock_guard lock(mutex);
    released = true;
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("store load: a normal batch is read ahead before the writer is taken: a local write is not held up") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  auto store = OpenStore(dir / "xfnode.db", clock);
  store->SetRouting(kSelf, {kCounty});
  // 100 events, the parser stuck after 40: the store is still reading ahead.
  HeldParser parser;
  parser.first = 40;
  parser.total = 100;
  Store::Incoming in = UpBatch(1, 100);
  in.more = parser.Feed();
  auto apply = std::async(std::launch::async, [&] { return store->ApplyBatch(in, kSelf); });
  parser.AwaitWaiting();
  // The batch waits for its parser; the writer is free: a registration commits.
  auto local = store->RegisterCase(ValidCase(), kSelf, "");
  REQUIRE_MESSAGE(local.ok(), local.error().message);
  CHECK(store->HasCase(local->case_id));
  const auto applying = store->Applying();
  REQUIRE(applying.size() == 1);
  CHECK(applying[0].batch_id == in.header.batch_id);
  CHECK(applying[0].phase == "reading");
  parser.Release();
  auto receipt = apply.get();
  REQUIRE_MESSAGE(receipt.ok(), receipt.error().message);
  CHECK(receipt->AcceptedCount() == 100);
  CHECK(store->Applying().empty());
  CHECK(store->Stats().events == 101);
}

TEST_CASE("store load: reads answer while a large batch holds the writer, and see nothing of it before its commit") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  auto store = OpenStore(dir / "xfnode.db", clock);
  store->SetRouting(kSelf, {kCounty});
  const auto mine = store->RegisterCase(ValidCase(), kSelf, "");
  REQUIRE(mine.ok());
  // Over the read-ahead (4,096 events): the writer is taken, then the
  // parser stalls with the transaction open.
  HeldParser parser;
  parser.first = 5000;
  parser.total = 5200;
  Store::Incoming in = UpBatch(1, 5200);
  in.more = parser.Feed();
  auto apply = std::async(std::launch::async, [&] { return store->ApplyBatch(in, kSelf); });
  parser.AwaitWaiting();
  REQUIRE(store->Applying().size() == 1);
  CHECK(store->Applying()[0].phase == "writing");
  // Every read returns now, on its own connection.
  auto view = store->GetCase(mine->case_id);
  REQUIRE_MESSAGE(view.ok(), view.error().message);
  CHECK(view->events.size() == 1);
  CHECK_FALSE(store->HasCase(CountyCase(1).event.case_id));
  const StoreStats stats = store->Stats();
  CHECK(stats.cases == 1);
  CHECK(stats.events == 1);
  CHECK(store->Links().empty());
  CHECK(store->Gaps().empty());
  auto found = store->FindBatch(in.header.batch_id);
  REQUIRE(found.ok());
  CHECK_FALSE(found->has_value());
  // And the batch had not finished meanwhile.
  CHECK(apply.wait_for(std::chrono::seconds(0)) != std::future_status::ready);
  parser.Release();
  auto receipt = apply.get();
  REQUIRE_MESSAGE(receipt.ok(), receipt.error().message);
  CHECK(receipt->AcceptedCount() == 5200);
  CHECK(store->Stats().events == 5201);
  CHECK(store->Stats().cases == 5201);
  CHECK(store->HasCase(CountyCase(5200).event.case_id));
}

TEST_CASE("store load: the kept counts agree with the tables through every kind of write") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  auto store = OpenStore(dir / "xfnode.db", clock);
  store->SetRouting(kSelf, {kCounty});
  for (int i = 0; i < 5; ++i) REQUIRE(store->RegisterCase(ValidCase(), kSelf, "").ok());
  REQUIRE(store->RecordBlob(std::string(64, 'a'), 10).ok());
  REQUIRE(store->RecordBlob(std::string(64, 'a'), 10).ok());  // the same: counted once
  Store::Incoming in = UpBatch(1, 3);
  for (std::uint64_t i = 1; i <= 3; ++i) in.events.push_back(CountyCase(i));
  in.forward_to = "110000";
  REQUIRE(store->ApplyBatch(in, kSelf).ok());
  REQUIRE(store->ApplyBatch(in, kSelf).ok());  // a duplicate adds nothing
  // Out of sequence: held, a gap.
  Store::Incoming later = UpBatch(3, 1);
  later.events.push_back(CountyCase(9));
  REQUIRE(store->ApplyBatch(later, kSelf).ok());

  RawDb raw(dir / "xfnode.db");
  const StoreStats s = store->Stats();
  CHECK(s.events == std::stoll(raw.Scalar("SELECT count(*) FROM events")));
  CHECK(s.cases == std::stoll(raw.Scalar("SELECT count(*) FROM cases")));
  CHECK(s.blobs == std::stoll(raw.Scalar("SELECT count(*) FROM blobs")));
  CHECK(s.events == 8);
  CHECK(s.blobs == 1);
  const auto links = store->Links();
  REQUIRE(links.size() == 1);
  CHECK(links[0].link == "110000");
  CHECK(links[0].pending == 1);
  CHECK(links[0].delivered == 0);
  REQUIRE(store->MarkDelivered("110000", 1, "<receipt/>", "sig").ok());
  REQUIRE(store->MarkDelivered("110000", 1, "<receipt/>", "sig").ok());  // twice: counted once
  const auto after = store->Links();
  REQUIRE(after.size() == 1);
  CHECK(after[0].pending == 0);
  CHECK(after[0].delivered == 1);
  CHECK(after[0].last_delivered.has_value());
  const auto gaps = store->Gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].next_seq == 2);
  CHECK(gaps[0].held == 1);
  // What each peer sent (GET /v1/status "received"): the applied batch and the held one.
  const auto received = store->LastReceived();
  REQUIRE(received.size() == 1);
  CHECK(received[0].from == kCounty);
  CHECK(received[0].batches == std::stoll(raw.Scalar("SELECT count(*) FROM batches WHERE received_from = '110105'")));
  CHECK(received[0].batches == 2);
  CHECK(received[0].last.seconds == std::stoll(raw.Scalar("SELECT max(stored_at) FROM batches")));
}

TEST_CASE("store load: status reads use the kept counts and the held-batch index, never a scan of the store") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  auto store = OpenStore(dir / "xfnode.db", clock);
  RawDb raw(dir / "xfnode.db");
  auto plan = [&](const std::string& sql) {
    std::string out;
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw.get(), ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
      out += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
      out += "\n";
    }
    sqlite3_finalize(st);
    return out;
  };
  const std::string gaps =
      plan("SELECT b.origin, b.stream, count(*) FROM batches b INDEXED BY batches_held "
           "WHERE b.state = 'held' GROUP BY b.origin, b.stream");
  INFO(gaps);
  CHECK(gaps.find("batches_held") != std::string::npos);
  const std::string waiting = plan("SELECT batch_id FROM batches INDEXED BY batches_blobs WHERE state = 'blobs'");
  INFO(waiting);
  CHECK(waiting.find("batches_blobs") != std::string::npos);
  // The counts are one row each.
  CHECK(raw.Scalar("SELECT count(*) FROM counters") == "3");
}

TEST_CASE("store load: a database of schema 11 gets its counts from what it holds") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  {
    auto store = OpenStore(dir / "xfnode.db", clock);
    for (int i = 0; i < 3; ++i) REQUIRE(store->RegisterCase(ValidCase(), kSelf, "").ok());
  }
  {
    // Back to schema 11: what migrations 12 and 13 added, gone.
    RawDb raw(dir / "xfnode.db");
    REQUIRE(raw.Exec("DROP TABLE counters; DROP TABLE link_counts; DROP TRIGGER count_events; "
                     "DROP TRIGGER count_cases; DROP TRIGGER uncount_cases; DROP TRIGGER count_blobs; "
                     "DROP TRIGGER uncount_blobs; DROP TRIGGER link_queued; DROP TRIGGER link_delivered; "
                     "DROP TRIGGER link_unqueued; DROP INDEX batches_held; DROP INDEX batches_blobs; "
                     "DROP TABLE dedup_blind; DROP TABLE dedup_state; "  // migration 13's
                     "DROP TABLE received_counts; DROP TRIGGER received_counted; "  // 14's
                     "DROP TRIGGER received_uncounted; "
                     "DROP TABLE repeat_registrations; DROP TABLE legal_procedure_cases; "  // 15's
                     "PRAGMA user_version = 11") == SQLITE_OK);
  }
  auto store = OpenStore(dir / "xfnode.db", clock);
  const StoreStats s = store->Stats();
  CHECK(s.schema_version == Store::LatestSchemaVersion());
  CHECK(s.cases == 3);
  CHECK(s.events == 3);
  CHECK(s.blobs == 0);
}

TEST_CASE("store load: a database of schema 13 counts what each peer sent from the batches it holds") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  {
    auto store = OpenStore(dir / "xfnode.db", clock);
    store->SetRouting(kSelf, {kCounty});
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      Store::Incoming in = UpBatch(seq, 1);
      in.events.push_back(CountyCase(seq));
      REQUIRE(store->ApplyBatch(in, kSelf).ok());
      clock.Advance(60);
    }
  }
  {
    RawDb raw(dir / "xfnode.db");
    REQUIRE(raw.Exec("DROP TABLE received_counts; DROP TRIGGER received_counted; DROP TRIGGER received_uncounted; "
                     "DROP TABLE repeat_registrations; DROP TABLE legal_procedure_cases; "  // 15's
                     "PRAGMA user_version = 13") == SQLITE_OK);
  }
  auto store = OpenStore(dir / "xfnode.db", clock);
  CHECK(store->Stats().schema_version == Store::LatestSchemaVersion());
  auto received = store->LastReceived();
  REQUIRE(received.size() == 1);
  CHECK(received[0].batches == 3);
  CHECK(received[0].last == At("2026-03-01T10:02:00Z"));
  // Kept from now on by the triggers.
  Store::Incoming in = UpBatch(4, 1);
  in.events.push_back(CountyCase(4));
  REQUIRE(store->ApplyBatch(in, kSelf).ok());
  received = store->LastReceived();
  REQUIRE(received.size() == 1);
  CHECK(received[0].batches == 4);
  CHECK(received[0].last == At("2026-03-01T10:03:00Z"));
}

}  // namespace xf::node

namespace xf::node {
namespace {

TEST_CASE("store load: a database of the latest version written while migration 12 was a placeholder gets its counts") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  {
    auto store = OpenStore(dir / "xfnode.db", clock);
    for (int i = 0; i < 2; ++i) REQUIRE(store->RegisterCase(ValidCase(), kSelf, "").ok());
  }
  {
    // As main left it: migration 12 was "SELECT 1;", the later ones ran.
    RawDb raw(dir / "xfnode.db");
    REQUIRE(raw.Exec("DROP TABLE counters; DROP TABLE link_counts; DROP TRIGGER count_events; "
                     "DROP TRIGGER count_cases; DROP TRIGGER uncount_cases; DROP TRIGGER count_blobs; "
                     "DROP TRIGGER uncount_blobs; DROP TRIGGER link_queued; DROP TRIGGER link_delivered; "
                     "DROP TRIGGER link_unqueued; DROP INDEX batches_held; DROP INDEX batches_blobs;") == SQLITE_OK);
    CHECK(raw.Scalar("PRAGMA user_version") == std::to_string(Store::LatestSchemaVersion()));
  }
  auto store = OpenStore(dir / "xfnode.db", clock);
  CHECK(store->Stats().cases == 2);
  CHECK(store->Stats().events == 2);
  REQUIRE(store->RegisterCase(ValidCase(), kSelf, "").ok());
  CHECK(store->Stats().cases == 3);
}

TEST_CASE("store: a full disk as a batch file is placed — a named I/O error, nothing stored; applied once there is room") {
  TempDir dir;
  ManualClock clock(At("2026-03-01T10:00:00Z"));
  auto store = OpenStore(dir / "xfnode.db", clock);
  store->SetRouting(kSelf, {kCounty});
  FaultEnv env(At("2026-03-01T10:00:00Z"));
  store->SetEnv(env);
  // The spooled body's fsync fails as on a full disk (ENOSPC).
  env.FailFiles("spool", FileOp::kSync, ENOSPC);
  std::filesystem::create_directories(dir / "spool");
  Store::Incoming in = UpBatch(1, 2);
  for (std::uint64_t i = 1; i <= 2; ++i) in.events.push_back(CountyCase(i));
  in.bytes_file = dir / "spool" / "body-1";
  std::ofstream(in.bytes_file) << in.bytes;
  in.bytes_sha256 = exchange::Sha256Hex(in.bytes);
  in.bytes.clear();
  auto r = store->ApplyBatch(in, kSelf);
  REQUIRE_FALSE(r.ok());
  CAPTURE(r.error().message);
  CHECK(r.error().code == Errc::kIo);  // the exchange endpoint answers it 503
  CHECK(r.error().message.find("No space left on device") != std::string::npos);
  CHECK(r.error().message.find("body-1") != std::string::npos);
  CHECK(env.Injected() == 1);
  RawDb raw(dir / "xfnode.db");
  CHECK(raw.Scalar("SELECT count(*) FROM events") == "0");
  CHECK(std::filesystem::exists(in.bytes_file));  // still the sender's to send again
  // Room again: the same batch applies.
  env.ClearFileFaults();
  auto again = store->ApplyBatch(in, kSelf);
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(raw.Scalar("SELECT count(*) FROM events") == "2");
}

}  // namespace
}  // namespace xf::node

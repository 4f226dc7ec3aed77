// node/store.h: the append-only event log, case ids, sequence numbers,
// migrations and the refusal to downgrade.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "node/projection.h"
#include "node/store.h"
#include "schema/validate.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::At;
using testing::RawDb;
using testing::TempDir;
using testing::ValidCase;

const std::string kNode = "110105";

std::unique_ptr<Store> OpenStore(const fs::path& file, const Clock& clock) {
  auto s = Store::Open(file, clock);
  REQUIRE_MESSAGE(s.ok(), s.error().message);
  return std::move(s).value();
}

schema::Event Register(Store& store, schema::CaseRegistration c = ValidCase(),
                       const std::string& node = kNode) {
  auto e = store.RegisterCase(std::move(c), node, "");
  REQUIRE_MESSAGE(e.ok(), e.error().message);
  return std::move(e).value();
}

schema::Event Acceptance(const std::string& case_id, const std::string& decision, Instant at) {
  schema::Event e;
  e.case_id = case_id;
  e.kind = schema::EventKind::kAcceptance;
  e.occurred_at = at;
  e.actor = "张敏";
  e.body = schema::Acceptance{decision, kNode, ""};
  return e;
}

schema::Event Correction(const std::string& case_id, const std::string& supersedes,
                         const std::string& path, const std::string& value, Instant at) {
  schema::Event e;
  e.case_id = case_id;
  e.kind = schema::EventKind::kCorrection;
  e.occurred_at = at;
  e.actor = "张敏";
  schema::Correction c;
  c.supersedes = supersedes;
  c.fields.push_back({path, value});
  c.reason = "登记有误";
  e.body = c;
  return e;
}

json::object StateOf(const CaseView& v) { return json::parse(v.state_json).as_object(); }

TEST_CASE("store: Open creates the schema at the latest version") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  {
    auto store = OpenStore(file, clock);
    CHECK(store->Stats().schema_version == Store::LatestSchemaVersion());
    CHECK(store->Stats().cases == 0);
    CHECK(store->Stats().events == 0);
  }
  CHECK(Store::LatestSchemaVersion() >= 1);
  RawDb raw(file);
  CHECK(raw.Scalar("PRAGMA user_version") == std::to_string(Store::LatestSchemaVersion()));
  CHECK(raw.Scalar("PRAGMA journal_mode") == "wal");
  CHECK(raw.Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'") == "1");
}

TEST_CASE("store: RegisterCase mints sequential ids and fills the node's fields") {
  TempDir dir;
  const Instant now = At("2026-06-01T02:00:00Z");
  ManualClock clock(now);
  auto store = OpenStore(dir / "node.db", clock);

  const schema::Event first = Register(*store);
  CHECK(first.case_id == "110105-2026-0000001");
  CHECK(first.origin == kNode);
  CHECK(first.seq == 1);
  CHECK(first.kind == schema::EventKind::kRegistration);
  CHECK(first.recorded_at == now);
  CHECK(first.occurred_at == now);
  CHECK(first.actor == "王晓梅");  // no actor given: the registrar
  const auto& body = std::get<schema::CaseRegistration>(first.body);
  CHECK(body.case_id == first.case_id);
  CHECK(body.registering_body == kNode);
  CHECK(body.registered_at == now);
  CHECK(schema::IsCaseId(first.case_id));

  clock.Advance(60);
  const schema::Event second = Register(*store);
  CHECK(second.case_id == "110105-2026-0000002");
  CHECK(second.seq == 2);

  // A named actor is kept; a registering_body and registered_at given are kept.
  schema::CaseRegistration c = ValidCase();
  c.registered_at = At("2026-05-31T09:00:00+08:00");
  auto third = store->RegisterCase(c, kNode, "clerk-7");
  REQUIRE(third.ok());
  CHECK(third->actor == "clerk-7");
  CHECK(std::get<schema::CaseRegistration>(third->body).registered_at == c.registered_at);
  CHECK(third->occurred_at == c.registered_at);
  CHECK(third->recorded_at == clock.Now());
  CHECK(third->case_id == "110105-2026-0000003");
}

TEST_CASE("store: the year in a case id is the registration year in UTC+8") {
  TempDir dir;
  ManualClock clock(At("2025-12-31T15:59:59Z"));  // 23:59:59 in Beijing
  auto store = OpenStore(dir / "node.db", clock);
  CHECK(Register(*store).case_id == "110105-2025-0000001");

  clock.Set(At("2025-12-31T16:30:00Z"));  // 00:30 on 1 January in Beijing
  CHECK(Register(*store).case_id == "110105-2026-0000001");
  CHECK(Register(*store).case_id == "110105-2026-0000002");

  // The count of each year is its own: a late registration dated in 2025
  // continues 2025's numbers.
  schema::CaseRegistration late = ValidCase();
  late.received_date = Date{2025, 12, 30};
  late.registered_at = At("2025-12-31T23:00:00+08:00");
  CHECK(Register(*store, late).case_id == "110105-2025-0000002");

  // Each node numbers its own cases.
  CHECK(Register(*store, ValidCase(), "110106").case_id == "110106-2026-0000001");
  CHECK(Register(*store).case_id == "110105-2026-0000003");
}

TEST_CASE("store: case ids are unique and sequence numbers contiguous over 200 registrations") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);

  // Four writers at once: the store serialises them.
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::vector<schema::Event>> got(kThreads);
  std::vector<std::string> errors(kThreads);
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          auto e = store->RegisterCase(ValidCase(), kNode, "");
          if (!e) {
            errors[static_cast<std::size_t>(t)] = e.error().message;
            return;
          }
          got[static_cast<std::size_t>(t)].push_back(std::move(e).value());
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  for (const auto& e : errors) CHECK_MESSAGE(e.empty(), e);

  std::set<std::string> ids;
  std::set<std::uint64_t> seqs;
  for (const auto& list : got) {
    for (const auto& e : list) {
      ids.insert(e.case_id);
      seqs.insert(e.seq);
    }
  }
  CHECK(ids.size() == kThreads * kEach);
  REQUIRE(seqs.size() == kThreads * kEach);
  CHECK(*seqs.begin() == 1);
  CHECK(*seqs.rbegin() == kThreads * kEach);  // 1..200 with no gap
  // The case numbers are exactly 1..200 too.
  CHECK(*ids.begin() == "110105-2026-0000001");
  CHECK(*ids.rbegin() == "110105-2026-0000200");

  const StoreStats s = store->Stats();
  CHECK(s.cases == kThreads * kEach);
  CHECK(s.events == kThreads * kEach);
  REQUIRE(s.origins.size() == 1);
  CHECK(s.origins[0].origin == kNode);
  CHECK(s.origins[0].last_seq == kThreads * kEach);
}

TEST_CASE("store: sequence numbers are per origin and shared by all of its cases") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  const auto a = Register(*store);
  const auto b = Register(*store);
  clock.Advance(60);
  auto acc = store->AppendEvent(Acceptance(a.case_id, "1", clock.Now()), kNode);
  REQUIRE(acc.ok());
  CHECK(acc->seq == 3);
  CHECK(acc->origin == kNode);
  CHECK(acc->recorded_at == clock.Now());
  // An event recorded for another origin (e.g. a department node sharing
  // the store in a test) starts at 1.
  auto other = store->AppendEvent(Acceptance(b.case_id, "1", clock.Now()), "110105.A01");
  REQUIRE(other.ok());
  CHECK(other->seq == 1);
  CHECK(other->origin == "110105.A01");
  auto acc2 = store->AppendEvent(Acceptance(b.case_id, "2", clock.Now()), kNode);
  REQUIRE(acc2.ok());
  CHECK(acc2->seq == 4);

  const StoreStats s = store->Stats();
  REQUIRE(s.origins.size() == 2);
  CHECK(s.origins[0].origin == kNode);
  CHECK(s.origins[0].last_seq == 4);
  CHECK(s.origins[1].origin == "110105.A01");
  CHECK(s.origins[1].last_seq == 1);
}

TEST_CASE("store: AppendEvent fills occurred_at when absent and ignores a caller's seq and origin") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  const auto reg = Register(*store);
  clock.Advance(120);
  schema::Event e = Acceptance(reg.case_id, "1", Instant{});
  e.origin = "440106";
  e.seq = 77;
  e.recorded_at = At("2020-01-01T00:00:00Z");
  auto got = store->AppendEvent(e, kNode);
  REQUIRE(got.ok());
  CHECK(got->origin == kNode);
  CHECK(got->seq == 2);
  CHECK(got->recorded_at == clock.Now());
  CHECK(got->occurred_at == clock.Now());
}

TEST_CASE("store: events cannot be updated or deleted, even by another connection") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  auto store = OpenStore(file, clock);
  const auto reg = Register(*store);
  RawDb raw(file);
  const std::string before = raw.Scalar("SELECT xml FROM events WHERE seq = 1");
  REQUIRE_FALSE(before.empty());

  CHECK(raw.Exec("UPDATE events SET kind = 'closure' WHERE seq = 1") != SQLITE_OK);
  CHECK(raw.Error().find("append-only") != std::string::npos);
  CHECK(raw.Exec("UPDATE events SET xml = 'forged'") != SQLITE_OK);
  CHECK(raw.Exec("DELETE FROM events WHERE seq = 1") != SQLITE_OK);
  CHECK(raw.Error().find("append-only") != std::string::npos);
  CHECK(raw.Exec("DELETE FROM events") != SQLITE_OK);
  CHECK(raw.Exec("INSERT INTO events(origin, seq, case_id, kind, occurred_at, recorded_at, stored_at, "
                 "xml) VALUES('110105', 1, 'x', 'closure', 0, 0, 0, 'forged') "
                 "ON CONFLICT(origin, seq) DO UPDATE SET xml = excluded.xml") != SQLITE_OK);

  CHECK(raw.Scalar("SELECT xml FROM events WHERE seq = 1") == before);
  CHECK(raw.Scalar("SELECT kind FROM events WHERE seq = 1") == "registration");
  auto view = store->GetCase(reg.case_id);
  REQUIRE(view.ok());
  REQUIRE(view->events.size() == 1);
  CHECK(view->events[0].xml == before);
}

TEST_CASE("store: INSERT OR REPLACE cannot overwrite an event") {
  // REPLACE deletes the old row without firing DELETE triggers (unless
  // recursive_triggers is on), so the schema must refuse it by itself.
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  auto store = OpenStore(file, clock);
  Register(*store);
  RawDb raw(file);
  const std::string before = raw.Scalar("SELECT xml FROM events WHERE seq = 1");
  CHECK(raw.Exec("INSERT OR REPLACE INTO events(origin, seq, case_id, kind, occurred_at, recorded_at, "
                 "stored_at, xml) SELECT origin, seq, case_id, 'closure', occurred_at, recorded_at, "
                 "stored_at, 'forged' FROM events WHERE seq = 1") != SQLITE_OK);
  CHECK(raw.Scalar("SELECT xml FROM events WHERE seq = 1") == before);
}

TEST_CASE("store: AppendEvent for an unknown case stores nothing") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  Register(*store);
  const StoreStats before = store->Stats();

  auto r = store->AppendEvent(Acceptance("110105-2026-0009999", "1", clock.Now()), kNode);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kNotFound);
  CHECK(r.error().message.find("110105-2026-0009999") != std::string::npos);

  const StoreStats after = store->Stats();
  CHECK(after.events == before.events);
  CHECK(after.cases == before.cases);
  REQUIRE(after.origins.size() == 1);
  CHECK(after.origins[0].last_seq == 1);  // no sequence number was spent
  CHECK_FALSE(store->HasCase("110105-2026-0009999"));
  auto view = store->GetCase("110105-2026-0009999");
  REQUIRE_FALSE(view.ok());
  CHECK(view.error().code == Errc::kNotFound);

  // The next event gets the next number: no gap.
  auto next = store->AppendEvent(
      Acceptance("110105-2026-0000001", "1", clock.Now()), kNode);
  REQUIRE(next.ok());
  CHECK(next->seq == 2);
}

TEST_CASE("store: GetCase returns the projection and the events in order, stored byte for byte") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  const auto reg = Register(*store);
  Register(*store);  // another case, not to be mixed in
  clock.Advance(3600);
  auto acc = store->AppendEvent(Acceptance(reg.case_id, "1", clock.Now()), kNode);
  REQUIRE(acc.ok());
  clock.Advance(3600);
  auto cor = store->AppendEvent(
      Correction(reg.case_id, reg.Id(), "petitioners[0].phone", "010-65001234", clock.Now()), kNode);
  REQUIRE(cor.ok());

  CHECK(store->HasCase(reg.case_id));
  auto view = store->GetCase(reg.case_id);
  REQUIRE_MESSAGE(view.ok(), view.error().message);
  CHECK(view->case_id == reg.case_id);
  REQUIRE(view->events.size() == 3);
  const std::vector<schema::Event> sent = {reg, *acc, *cor};
  for (std::size_t i = 0; i < sent.size(); ++i) {
    CAPTURE(i);
    const StoredEvent& se = view->events[i];
    CHECK(se.event.Id() == sent[i].Id());
    CHECK(se.event.kind == sent[i].kind);
    CHECK(se.event.case_id == reg.case_id);
    // The stored bytes are the canonical XML of the event, both as it was
    // appended and as it reads back.
    CHECK(se.xml == schema::EventToXml(sent[i]));
    CHECK(se.xml == schema::EventToXml(se.event));
  }
  CHECK(view->events[0].stored_at == At("2026-06-01T02:00:00Z"));
  CHECK(view->events[2].stored_at == clock.Now());

  const json::object state = StateOf(*view);
  CHECK(state.at("case_id").as_string() == reg.case_id);
  CHECK(state.at("status").as_string() == "accepted");
  CHECK(state.at("event_count").to_number<std::int64_t>() == 3);
  CHECK(state.at("updated_at").as_string() == clock.Now().ToString());
  CHECK(state.at("problems").as_array().empty());
  const auto& body = state.at("case").as_object();
  CHECK(body.at("case_id").as_string() == reg.case_id);
  CHECK(body.at("petitioners").as_array()[0].as_object().at("phone").as_string() == "010-65001234");
}

TEST_CASE("store: the registration comes first even when a later event claims an earlier time") {
  // An event recorded after the registration but dated before it (a
  // back-dated entry, or a peer's clock behind ours) must not be folded
  // before it: Project() requires the registration first.
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  const auto reg = Register(*store);
  clock.Advance(600);
  auto cor = store->AppendEvent(
      Correction(reg.case_id, reg.Id(), "summary", "更正后的概况。", At("2026-06-01T01:00:00Z")), kNode);
  REQUIRE(cor.ok());
  auto view = store->GetCase(reg.case_id);
  REQUIRE(view.ok());
  REQUIRE(view->events.size() == 2);
  CHECK(view->events[0].event.kind == schema::EventKind::kRegistration);
  CHECK(StateOf(*view).at("case").as_object().at("summary").as_string() == "更正后的概况。");
}

TEST_CASE("store: data survives closing and reopening") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  std::string case_id, xml;
  {
    auto store = OpenStore(file, clock);
    const auto reg = Register(*store);
    case_id = reg.case_id;
    REQUIRE(store->AppendEvent(Acceptance(case_id, "1", clock.Now()), kNode).ok());
    REQUIRE(store->RecordBlob(std::string(64, 'a'), 9).ok());
    xml = store->GetCase(case_id)->events[0].xml;
  }
  auto store = OpenStore(file, clock);
  CHECK(store->HasCase(case_id));
  CHECK(store->HasBlob(std::string(64, 'a')));
  auto view = store->GetCase(case_id);
  REQUIRE(view.ok());
  REQUIRE(view->events.size() == 2);
  CHECK(view->events[0].xml == xml);
  CHECK(StateOf(*view).at("status").as_string() == "accepted");
  // Numbering continues where it stopped.
  const auto next = Register(*store);
  CHECK(next.case_id == "110105-2026-0000002");
  CHECK(next.seq == 3);
}

// Opens `file` expecting the refusal of a newer schema, and checks that the
// folder holding it is byte for byte as before.
void ExpectRefusedAndUntouched(const TempDir& dir, const fs::path& file, int newer) {
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const auto before = testing::Snapshot(dir.path());
  REQUIRE(before.count(file.filename().string()) == 1);
  auto r = Store::Open(file, clock);
  REQUIRE_FALSE(r.ok());
  CAPTURE(r.error().message);
  CHECK(r.error().message.find("newer") != std::string::npos);
  CHECK(r.error().message.find(std::to_string(newer)) != std::string::npos);
  const auto after = testing::Snapshot(dir.path());
  CHECK(after.size() == before.size());  // no -wal or -shm left behind
  for (const auto& [name, bytes] : before) {
    CAPTURE(name);
    REQUIRE(after.count(name) == 1);
    CHECK(after.at(name) == bytes);
  }
  RawDb check(file);
  CHECK(check.Scalar("PRAGMA user_version") == std::to_string(newer));
}

TEST_CASE("store: a database written by a newer xfnode is refused and left unchanged") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  const int newer = Store::LatestSchemaVersion() + 1;
  {
    auto store = OpenStore(file, clock);
    Register(*store);
  }
  {
    RawDb raw(file);
    REQUIRE(raw.Exec("PRAGMA user_version = " + std::to_string(newer)) == SQLITE_OK);
  }
  ExpectRefusedAndUntouched(dir, file, newer);
  // Refused again: the first refusal did not half-migrate anything.
  ExpectRefusedAndUntouched(dir, file, newer);
}

TEST_CASE("store: a newer database in rollback-journal mode is left unchanged too") {
  // Switching to WAL rewrites the file header: the version must be read
  // before the connection changes anything.
  TempDir dir;
  const fs::path file = dir / "node.db";
  const int newer = Store::LatestSchemaVersion() + 1;
  {
    RawDb raw(file);
    REQUIRE(raw.Exec("CREATE TABLE future(x); INSERT INTO future VALUES(1); PRAGMA user_version = " +
                     std::to_string(newer)) == SQLITE_OK);
    REQUIRE(raw.Scalar("PRAGMA journal_mode") == "delete");
  }
  ExpectRefusedAndUntouched(dir, file, newer);
}

TEST_CASE("store: a newer version still only in the WAL is refused too") {
  // A newer xfnode that migrated and was killed before a checkpoint: the
  // file header still shows the old version, the WAL the new one.
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  { Register(*OpenStore(file, clock)); }
  const int newer = Store::LatestSchemaVersion() + 1;
  RawDb raw(file);  // kept open: its connection holds the WAL unmerged
  REQUIRE(raw.Exec("PRAGMA wal_autocheckpoint = 0; PRAGMA user_version = " + std::to_string(newer)) ==
          SQLITE_OK);
  auto r = Store::Open(file, clock);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("newer") != std::string::npos);
  CHECK(raw.Scalar("PRAGMA user_version") == std::to_string(newer));
}

TEST_CASE("store: a file that is not a database is refused and left alone") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  const std::string junk = "this is not an SQLite database, just some text that is long enough. " +
                           std::string(4096, 'x');
  testing::WriteFile(file, junk);
  auto r = Store::Open(file, clock);
  CHECK_FALSE(r.ok());
  CHECK(testing::ReadFile(file) == junk);
}

// What xfnode with schema version 1 wrote for a registration: rows in the
// version-1 tables (frozen: migrations are never edited).
void InsertV1Registration(RawDb& raw, const schema::Event& e) {
  const std::string xml = schema::EventToXml(e);
  const CaseState st = Project({e});
  sqlite3_stmt* ins = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw.get(),
                             "INSERT INTO events(origin, seq, case_id, kind, occurred_at, recorded_at, "
                             "stored_at, xml) VALUES(?1, ?2, ?3, 'registration', ?4, ?5, ?5, ?6)",
                             -1, &ins, nullptr) == SQLITE_OK);
  sqlite3_bind_text(ins, 1, e.origin.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(ins, 2, static_cast<sqlite3_int64>(e.seq));
  sqlite3_bind_text(ins, 3, e.case_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(ins, 4, e.occurred_at.seconds);
  sqlite3_bind_int64(ins, 5, e.recorded_at.seconds);
  sqlite3_bind_blob(ins, 6, xml.data(), static_cast<int>(xml.size()), SQLITE_TRANSIENT);
  CHECK(sqlite3_step(ins) == SQLITE_DONE);
  sqlite3_finalize(ins);

  sqlite3_stmt* cs = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw.get(),
                             "INSERT INTO cases(case_id, origin, received_date, status, content_category, "
                             "problem_place, event_count, updated_at, state) "
                             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
                             -1, &cs, nullptr) == SQLITE_OK);
  const std::string json_state = CaseStateToJson(st);
  const std::string received = st.body.received_date.ToString();
  sqlite3_bind_text(cs, 1, e.case_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(cs, 2, e.origin.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(cs, 3, received.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(cs, 4, st.status.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(cs, 5, st.body.content_category.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(cs, 6, st.body.problem_place.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(cs, 7, st.updated_at.seconds);
  sqlite3_bind_text(cs, 8, json_state.c_str(), -1, SQLITE_TRANSIENT);
  CHECK(sqlite3_step(cs) == SQLITE_DONE);
  sqlite3_finalize(cs);
}

TEST_CASE("store: a version-1 database is upgraded and keeps every case") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  {
    auto old = Store::OpenAtVersion(file, clock, 1);
    REQUIRE_MESSAGE(old.ok(), old.error().message);
    CHECK((*old)->Stats().schema_version == 1);
  }
  std::vector<schema::Event> written;
  {
    RawDb raw(file);
    REQUIRE(raw.Scalar("PRAGMA user_version") == "1");
    for (int i = 1; i <= 3; ++i) {
      schema::CaseRegistration c = ValidCase();
      c.case_id = "110105-2026-000000" + std::to_string(i);
      c.registering_body = kNode;
      c.registered_at = At("2026-05-20T08:00:00Z");
      c.summary += std::to_string(i);
      schema::Event e;
      e.origin = kNode;
      e.seq = static_cast<std::uint64_t>(i);
      e.case_id = c.case_id;
      e.occurred_at = c.registered_at;
      e.recorded_at = c.registered_at;
      e.actor = c.registrar;
      e.body = c;
      InsertV1Registration(raw, e);
      written.push_back(e);
    }
    REQUIRE(raw.Exec("INSERT INTO origins VALUES('110105', 3); "
                     "INSERT INTO case_numbers VALUES('110105', 2026, 3);") == SQLITE_OK);
  }

  auto store = OpenStore(file, clock);
  CHECK(store->Stats().schema_version == Store::LatestSchemaVersion());
  {
    RawDb raw(file);
    CHECK(raw.Scalar("PRAGMA user_version") == std::to_string(Store::LatestSchemaVersion()));
  }
  CHECK(store->Stats().cases == 3);
  for (const auto& e : written) {
    CAPTURE(e.case_id);
    auto view = store->GetCase(e.case_id);
    REQUIRE_MESSAGE(view.ok(), view.error().message);
    REQUIRE(view->events.size() == 1);
    CHECK(view->events[0].xml == schema::EventToXml(e));
    CHECK(StateOf(*view).at("case").as_object().at("summary").as_string() ==
          std::get<schema::CaseRegistration>(e.body).summary);
  }
  // The upgraded store goes on from the old counters.
  const auto next = Register(*store);
  CHECK(next.case_id == "110105-2026-0000004");
  CHECK(next.seq == 4);
  auto acc = store->AppendEvent(Acceptance(written[0].case_id, "1", clock.Now()), kNode);
  REQUIRE(acc.ok());
  CHECK(acc->seq == 5);
}

TEST_CASE("store: opening twice at the latest version changes nothing") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const fs::path file = dir / "node.db";
  { Register(*OpenStore(file, clock)); }
  auto again = OpenStore(file, clock);
  CHECK(again->Stats().cases == 1);
  CHECK(again->Stats().schema_version == Store::LatestSchemaVersion());
}

TEST_CASE("store: RegisterCase with an existing explicit case id is refused") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  const auto first = Register(*store);
  const StoreStats before = store->Stats();

  schema::CaseRegistration dup = ValidCase();
  dup.case_id = first.case_id;
  dup.summary = "另一个案件";
  auto r = store->RegisterCase(dup, kNode, "");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kAlreadyExists);

  const StoreStats after = store->Stats();
  CHECK(after.events == before.events);
  CHECK(after.origins[0].last_seq == before.origins[0].last_seq);
  auto view = store->GetCase(first.case_id);
  REQUIRE(view.ok());
  CHECK(view->events.size() == 1);
  CHECK(StateOf(*view).at("case").as_object().at("summary").as_string() == ValidCase().summary);
}

TEST_CASE("store: an explicit case id is kept and a later minted id never reuses it") {
  // An explicit id does not advance the counter; minting must skip it
  // rather than append a second registration to that case.
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  schema::CaseRegistration chosen = ValidCase();
  chosen.case_id = "110105-2026-0000001";
  const auto first = Register(*store, chosen);
  CHECK(first.case_id == "110105-2026-0000001");

  auto minted = store->RegisterCase(ValidCase(), kNode, "");
  if (minted.ok()) CHECK(minted->case_id != first.case_id);
  auto view = store->GetCase(first.case_id);
  REQUIRE(view.ok());
  CHECK(view->events.size() == 1);  // two registrations in one case is corrupt
  CHECK(store->Stats().cases == store->Stats().events);
}

TEST_CASE("store: Stats and blobs") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  auto store = OpenStore(dir / "node.db", clock);
  StoreStats s = store->Stats();
  CHECK(s.cases == 0);
  CHECK(s.events == 0);
  CHECK(s.blobs == 0);
  CHECK(s.origins.empty());

  const auto a = Register(*store);
  Register(*store);
  REQUIRE(store->AppendEvent(Acceptance(a.case_id, "1", clock.Now()), kNode).ok());
  const std::string h1(64, '1'), h2(64, '2');
  CHECK_FALSE(store->HasBlob(h1));
  REQUIRE(store->RecordBlob(h1, 10).ok());
  REQUIRE(store->RecordBlob(h1, 10).ok());  // recording twice is harmless
  REQUIRE(store->RecordBlob(h2, 20).ok());
  CHECK(store->HasBlob(h1));
  CHECK(store->HasBlob(h2));
  CHECK_FALSE(store->HasBlob(std::string(64, '3')));

  s = store->Stats();
  CHECK(s.schema_version == Store::LatestSchemaVersion());
  CHECK(s.cases == 2);
  CHECK(s.events == 3);
  CHECK(s.blobs == 2);
  REQUIRE(s.origins.size() == 1);
  CHECK(s.origins[0].last_seq == 3);
}

}  // namespace
}  // namespace xf::node

// Upgrades keep every case (issue 5): a database written at schema version
// 1 — its first migration alone, filled the way xfnode 0.1 wrote it — opens
// at the latest version with every case, event and attachment; opening again
// changes nothing; a database from a newer xfnode is refused untouched.
// Nothing here assumes what the latest version is.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "exchange/crypto.h"
#include "node/projection.h"
#include "node/store.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::At;
using testing::RawDb;
using testing::ReadFile;
using testing::TempDir;
using testing::ValidCase;

const std::string kNode = "110105";

// A prepared statement on a raw connection, finalized on scope exit.
class RawStmt {
 public:
  RawStmt(RawDb& db, const char* sql) {
    if (sqlite3_prepare_v2(db.get(), sql, -1, &m_stmt, nullptr) != SQLITE_OK) {
      FAIL("prepare: " << sqlite3_errmsg(db.get()));
    }
  }
  ~RawStmt() { sqlite3_finalize(m_stmt); }
  RawStmt(const RawStmt&) = delete;
  RawStmt& operator=(const RawStmt&) = delete;
  RawStmt& Bind(int i, std::int64_t v) {
    sqlite3_bind_int64(m_stmt, i, v);
    return *this;
  }
  RawStmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  RawStmt& BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(m_stmt, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  void Run() {
    const int rc = sqlite3_step(m_stmt);
    REQUIRE_MESSAGE(rc == SQLITE_DONE, sqlite3_errmsg(sqlite3_db_handle(m_stmt)));
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
  }

 private:
  sqlite3_stmt* m_stmt = nullptr;
};

struct V1Case {
  std::string case_id;
  std::vector<std::string> event_xml;  // in the order stored
  std::string sha256;                  // its attachment
};

// Writes `n` cases into a version-1 database with raw SQL on migration 1's
// tables, as xfnode 0.1 stored them: the registration (and for every other
// case an acceptance) as canonical XML, origins, case numbers, the
// projection and the blobs rows.
// (Versions 2 to 6 kept those tables' columns: `at_version` says which to expect.)
std::vector<V1Case> FillVersion1(const fs::path& file, int n, int at_version = 1) {
  std::vector<V1Case> out;
  RawDb raw(file);
  REQUIRE(raw.Scalar("PRAGMA user_version") == std::to_string(at_version));
  REQUIRE(raw.Exec("BEGIN") == SQLITE_OK);
  RawStmt insert_event(
      raw,
      "INSERT INTO events(origin, seq, case_id, kind, occurred_at, recorded_at, stored_at, xml) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  RawStmt insert_case(
      raw,
      "INSERT INTO cases(case_id, origin, received_date, status, content_category, problem_place, "
      "event_count, updated_at, state) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  RawStmt insert_blob(raw, "INSERT INTO blobs(sha256, size, stored_at) VALUES(?1, ?2, ?3)");
  std::uint64_t seq = 0;
  const Instant base = At("2026-03-02T09:00:00+08:00");
  for (int i = 1; i <= n; ++i) {
    V1Case vc;
    char id[32];
    std::snprintf(id, sizeof id, "%s-2026-%07d", kNode.c_str(), i);
    vc.case_id = id;
    const std::string content = "附件 " + std::to_string(i);
    vc.sha256 = exchange::Sha256Hex(content);

    schema::CaseRegistration c = ValidCase();
    c.case_id = vc.case_id;
    c.registering_body = kNode;
    c.registered_at = Instant{base.seconds + i * 60};
    c.summary = "第" + std::to_string(i) + "件：" + c.summary;
    c.attachments.push_back({vc.sha256, content.size(), "text/plain", "附件.txt"});
    std::vector<schema::Event> events;
    schema::Event reg;
    reg.origin = kNode;
    reg.case_id = vc.case_id;
    reg.kind = schema::EventKind::kRegistration;
    reg.occurred_at = c.registered_at;
    reg.recorded_at = c.registered_at;
    reg.actor = c.registrar;
    reg.body = c;
    events.push_back(reg);
    if (i % 2 == 0) {
      schema::Event acc;
      acc.origin = kNode;
      acc.case_id = vc.case_id;
      acc.kind = schema::EventKind::kAcceptance;
      acc.occurred_at = Instant{c.registered_at.seconds + 3600};
      acc.recorded_at = acc.occurred_at;
      acc.actor = "张敏";
      acc.body = schema::Acceptance{"1", kNode, ""};
      events.push_back(acc);
    }
    for (auto& e : events) {
      e.seq = ++seq;
      const std::string xml = schema::EventToXml(e);
      insert_event.Bind(1, e.origin)
          .Bind(2, static_cast<std::int64_t>(e.seq))
          .Bind(3, e.case_id)
          .Bind(4, std::string(schema::EventKindName(e.kind)))
          .Bind(5, e.occurred_at.seconds)
          .Bind(6, e.recorded_at.seconds)
          .Bind(7, e.recorded_at.seconds)
          .BindBlob(8, xml);
      insert_event.Run();
      vc.event_xml.push_back(xml);
    }
    const CaseState state = Project(events);
    insert_case.Bind(1, vc.case_id)
        .Bind(2, kNode)
        .Bind(3, state.body.received_date.ToString())
        .Bind(4, state.status)
        .Bind(5, state.body.content_category)
        .Bind(6, state.body.problem_place)
        .Bind(7, static_cast<std::int64_t>(state.event_count))
        .Bind(8, state.updated_at.seconds)
        .Bind(9, CaseStateToJson(state));
    insert_case.Run();
    insert_blob.Bind(1, vc.sha256)
        .Bind(2, static_cast<std::int64_t>(content.size()))
        .Bind(3, base.seconds);
    insert_blob.Run();
    out.push_back(std::move(vc));
  }
  REQUIRE(raw.Exec("INSERT INTO origins(origin, last_seq) VALUES('" + kNode + "', " +
                   std::to_string(seq) + ")") == SQLITE_OK);
  REQUIRE(raw.Exec("INSERT INTO case_numbers(node_id, year, last_no) VALUES('" + kNode +
                   "', 2026, " + std::to_string(n) + ")") == SQLITE_OK);
  REQUIRE(raw.Exec("COMMIT") == SQLITE_OK);
  return out;
}

std::unique_ptr<Store> OpenLatest(const fs::path& file, const Clock& clock) {
  auto s = Store::Open(file, clock);
  REQUIRE_MESSAGE(s.ok(), s.error().message);
  return std::move(s).value();
}

void CheckEveryCase(Store& store, const std::vector<V1Case>& cases) {
  for (const auto& vc : cases) {
    CAPTURE(vc.case_id);
    auto view = store.GetCase(vc.case_id);
    REQUIRE_MESSAGE(view.ok(), view.error().message);
    REQUIRE(view->events.size() == vc.event_xml.size());
    for (std::size_t i = 0; i < vc.event_xml.size(); ++i)
      CHECK(view->events[i].xml == vc.event_xml[i]);
    const auto state = json::parse(view->state_json).as_object();
    CHECK(state.at("case_id").as_string() == vc.case_id);
    CHECK(state.at("event_count").to_number<std::int64_t>() ==
          static_cast<std::int64_t>(vc.event_xml.size()));
    CHECK(store.HasBlob(vc.sha256));
  }
}

// The whole schema as text: what a second migration run would change.
std::string SchemaText(const fs::path& file) {
  RawDb raw(file);
  return raw.Scalar("PRAGMA user_version") + "|" +
         raw.Scalar(
             "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), ';') "
             "FROM (SELECT * FROM sqlite_schema ORDER BY type, name)");
}

}  // namespace

TEST_CASE("upgrade: a version-1 database opens at the latest version with every case") {
  TempDir dir;
  const fs::path file = dir / "xfnode.db";
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  {
    auto v1 = Store::OpenAtVersion(file, clock, 1);
    REQUIRE_MESSAGE(v1.ok(), v1.error().message);
    CHECK((*v1)->Stats().schema_version == 1);
  }
  const auto cases = FillVersion1(file, 12);
  std::int64_t events = 0;
  for (const auto& c : cases) events += static_cast<std::int64_t>(c.event_xml.size());

  auto store = OpenLatest(file, clock);
  const StoreStats stats = store->Stats();
  CHECK(stats.schema_version == Store::LatestSchemaVersion());
  CHECK(stats.cases == 12);
  CHECK(stats.events == events);
  CHECK(stats.blobs == 12);
  REQUIRE(stats.origins.size() == 1);
  CHECK(stats.origins[0].last_seq == static_cast<std::uint64_t>(events));
  CheckEveryCase(*store, cases);

  // The upgraded node goes on where 0.1 stopped: the next case number and sequence.
  auto next = store->RegisterCase(ValidCase(), kNode, "");
  REQUIRE_MESSAGE(next.ok(), next.error().message);
  CHECK(next->case_id == "110105-2026-0000013");
  CHECK(next->seq == static_cast<std::uint64_t>(events + 1));
}

TEST_CASE("upgrade: migrations run once; opening an upgraded database again changes nothing") {
  TempDir dir;
  const fs::path file = dir / "xfnode.db";
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  { REQUIRE(Store::OpenAtVersion(file, clock, 1).ok()); }
  const auto cases = FillVersion1(file, 3);
  { OpenLatest(file, clock); }
  const std::string schema = SchemaText(file);
  CHECK(schema.rfind(std::to_string(Store::LatestSchemaVersion()) + "|", 0) == 0);
  for (int i = 0; i < 2; ++i) {
    auto store = OpenLatest(file, clock);
    CHECK(store->Stats().schema_version == Store::LatestSchemaVersion());
    CHECK(store->Stats().cases == 3);
    CheckEveryCase(*store, cases);
  }
  CHECK(SchemaText(file) == schema);
}

TEST_CASE("upgrade: every intermediate version upgrades to the latest") {
  for (int from = 1; from <= Store::LatestSchemaVersion(); ++from) {
    CAPTURE(from);
    TempDir dir;
    const fs::path file = dir / "xfnode.db";
    ManualClock clock(At("2026-06-01T02:00:00Z"));
    { REQUIRE(Store::OpenAtVersion(file, clock, 1).ok()); }
    const auto cases = FillVersion1(file, 2);
    {
      auto mid = Store::OpenAtVersion(file, clock, from);
      REQUIRE_MESSAGE(mid.ok(), mid.error().message);
      CHECK((*mid)->Stats().schema_version == from);
    }
    auto store = OpenLatest(file, clock);
    CHECK(store->Stats().schema_version == Store::LatestSchemaVersion());
    CheckEveryCase(*store, cases);
  }
}

TEST_CASE("upgrade: a version-6 database (today's main) gets the legal clocks' columns from its events") {
  TempDir dir;
  const fs::path file = dir / "xfnode.db";
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  { REQUIRE(Store::OpenAtVersion(file, clock, 6).ok()); }
  const auto cases = FillVersion1(file, 4, 6);  // migration 1's columns are still version 6's
  {
    RawDb raw(file);
    CHECK(raw.Scalar("PRAGMA user_version") == "6");
  }
  {
    auto store = OpenLatest(file, clock);
    CheckEveryCase(*store, cases);
  }
  RawDb raw(file);
  CHECK(raw.Scalar("SELECT version FROM projection_version") == "2");
  // Every case: received 2026-02-16 (ValidCase); the even ones accepted an hour
  // after their registration on 2026-03-02 (UTC+8).
  CHECK(raw.Scalar("SELECT count(*) FROM cases WHERE notice_start = '2026-02-16'") == "4");
  CHECK(raw.Scalar("SELECT count(*) FROM cases WHERE decided = '2026-03-02' AND accepted = '2026-03-02'") == "2");
  CHECK(raw.Scalar("SELECT count(*) FROM cases WHERE decided IS NULL AND routed IS NULL") == "2");
  CHECK(raw.Scalar("SELECT group_concat(case_id) FROM cases WHERE accepted IS NOT NULL ORDER BY case_id") ==
        "110105-2026-0000002,110105-2026-0000004");
}

TEST_CASE("upgrade: a version-8 database (main before issue 15) lists its cases by petitioner after the upgrade") {
  TempDir dir;
  const fs::path file = dir / "xfnode.db";
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  { REQUIRE(Store::OpenAtVersion(file, clock, 8).ok()); }
  const auto cases = FillVersion1(file, 5, 8);
  {
    // As main left it: its projection already re-projected (version 1).
    RawDb raw(file);
    REQUIRE(raw.Exec("UPDATE projection_version SET version = 1") == SQLITE_OK);
  }
  auto store = OpenLatest(file, clock);
  CheckEveryCase(*store, cases);
  RawDb raw(file);
  CHECK(raw.Scalar("SELECT count(*) FROM case_petitioners WHERE id_number = '440524188001010014'") == "5");
  Store::CaseQuery q;
  q.today = Date{2026, 6, 1};
  q.id_number = "440524188001010014";
  auto page = store->ListCases(q);
  REQUIRE_MESSAGE(page.ok(), page.error().message);
  CHECK(page->total == 5);
  q.id_number.clear();
  q.statuses = {"accepted"};
  CHECK(store->ListCases(q)->total == 2);
}

TEST_CASE("upgrade: a database from a newer xfnode is refused and left byte for byte as it was") {
  TempDir dir;
  const fs::path file = dir / "xfnode.db";
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  {
    auto store = OpenLatest(file, clock);
    REQUIRE(store->RegisterCase(ValidCase(), kNode, "").ok());
  }
  {
    RawDb raw(file);
    REQUIRE(raw.Exec("PRAGMA user_version = " + std::to_string(Store::LatestSchemaVersion() + 1)) ==
            SQLITE_OK);
  }  // the last connection closes: the WAL is checkpointed into the file
  const auto before = testing::Snapshot(dir.path());
  for (int version : {Store::LatestSchemaVersion(), 1}) {
    auto s = Store::OpenAtVersion(file, clock, version);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("newer") != std::string::npos);
  }
  CHECK(testing::Snapshot(dir.path()) == before);
}

}  // namespace xf::node

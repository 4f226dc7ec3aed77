// node/sqlite.h: the RAII wrappers. What the store's durability rests on:
// WAL with synchronous=FULL, and a transaction that rolls back unless
// committed.
#include <doctest/doctest.h>

#include <string>

#include "node/sqlite.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node::sql {
namespace {

using testing::TempDir;

std::int64_t Count(Db& db, const char* table) {
  auto st = db.Prepare(std::string("SELECT count(*) FROM ") + table, false);
  REQUIRE_MESSAGE(st.ok(), st.error().message);
  auto row = st->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return st->Int(0);
}

Db OpenFresh(const TempDir& dir) {
  auto db = Db::Open(dir / "t.db");
  REQUIRE_MESSAGE(db.ok(), db.error().message);
  REQUIRE(db->Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT, b BLOB)").ok());
  return std::move(db).value();
}

TEST_CASE("sqlite: Open sets WAL, synchronous=FULL and foreign keys") {
  TempDir dir;
  auto db = Db::Open(dir / "t.db");
  REQUIRE_MESSAGE(db.ok(), db.error().message);
  auto mode = db->Prepare("PRAGMA journal_mode", false);
  REQUIRE(mode.ok());
  REQUIRE(*mode->Step());
  CHECK(mode->Text(0) == "wal");
  auto sync = db->Prepare("PRAGMA synchronous", false);
  REQUIRE(sync.ok());
  REQUIRE(*sync->Step());
  CHECK(sync->Int(0) == 2);  // FULL
  auto fk = db->Prepare("PRAGMA foreign_keys", false);
  REQUIRE(fk.ok());
  REQUIRE(*fk->Step());
  CHECK(fk->Int(0) == 1);
}

TEST_CASE("sqlite: Open of a folder that does not exist fails") {
  TempDir dir;
  auto db = Db::Open(dir / "missing" / "t.db");
  CHECK_FALSE(db.ok());
}

TEST_CASE("sqlite: OpenReadOnly cannot write") {
  TempDir dir;
  { OpenFresh(dir); }
  auto ro = Db::OpenReadOnly(dir / "t.db");
  REQUIRE_MESSAGE(ro.ok(), ro.error().message);
  CHECK_FALSE(ro->Exec("INSERT INTO t(v) VALUES('x')").ok());
  CHECK(Count(*ro, "t") == 0);
}

TEST_CASE("sqlite: a transaction rolls back unless committed") {
  TempDir dir;
  Db db = OpenFresh(dir);
  {
    Txn txn(db);
    REQUIRE(txn.Began().ok());
    REQUIRE(db.Exec("INSERT INTO t(v) VALUES('dropped')").ok());
    CHECK(Count(db, "t") == 1);  // visible inside the transaction
  }
  CHECK(Count(db, "t") == 0);
  {
    Txn txn(db);
    REQUIRE(txn.Began().ok());
    REQUIRE(db.Exec("INSERT INTO t(v) VALUES('kept')").ok());
    REQUIRE(txn.Commit().ok());
  }
  CHECK(Count(db, "t") == 1);

  // Committed data is on disk: a second connection sees it.
  testing::RawDb raw(dir / "t.db");
  CHECK(raw.Scalar("SELECT v FROM t") == "kept");
}

TEST_CASE("sqlite: a failed commit leaves nothing and the guard still rolls back") {
  TempDir dir;
  Db db = OpenFresh(dir);
  REQUIRE(db.Exec("CREATE TABLE p(id INTEGER PRIMARY KEY)").ok());
  REQUIRE(db.Exec("CREATE TABLE c(p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)").ok());
  {
    Txn txn(db);
    REQUIRE(txn.Began().ok());
    REQUIRE(db.Exec("INSERT INTO c(p) VALUES(42)").ok());  // checked at COMMIT
    CHECK_FALSE(txn.Commit().ok());
  }
  CHECK(Count(db, "c") == 0);
  // The connection is usable afterwards: no transaction was left open.
  Txn again(db);
  CHECK(again.Began().ok());
  CHECK(again.Commit().ok());
}

TEST_CASE("sqlite: a nested transaction fails to begin and does not end the outer one") {
  TempDir dir;
  Db db = OpenFresh(dir);
  Txn outer(db);
  REQUIRE(outer.Began().ok());
  REQUIRE(db.Exec("INSERT INTO t(v) VALUES('outer')").ok());
  {
    Txn inner(db);
    CHECK_FALSE(inner.Began().ok());
    CHECK_FALSE(inner.Commit().ok());
  }  // the inner guard must not roll back the outer transaction
  REQUIRE(outer.Commit().ok());
  CHECK(Count(db, "t") == 1);
}

TEST_CASE("sqlite: Stmt binds, steps and resets") {
  TempDir dir;
  Db db = OpenFresh(dir);
  auto ins = db.Prepare("INSERT INTO t(k, v, b) VALUES(?1, ?2, ?3)");
  REQUIRE_MESSAGE(ins.ok(), ins.error().message);
  const std::string blob("a\0b\xff", 4);  // embedded NUL and a high byte
  REQUIRE(ins->Bind(1, std::int64_t{1}).Bind(2, std::string_view("一")).BindBlob(3, blob).Run().ok());
  // Run resets: the same statement runs again with new bindings.
  REQUIRE(ins->Bind(1, std::int64_t{2}).Bind(2, std::string_view("二")).BindNull(3).Run().ok());
  // Reset clears the bindings: unbound parameters are NULL.
  REQUIRE(ins->Bind(1, std::int64_t{3}).Run().ok());
  // A constraint failure is an error, mapped to kAlreadyExists.
  auto dup = ins->Bind(1, std::int64_t{1}).Bind(2, std::string_view("dup")).Run();
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == Errc::kAlreadyExists);

  auto q = db.Prepare("SELECT k, v, b FROM t WHERE k >= ?1 ORDER BY k");
  REQUIRE(q.ok());
  q->Bind(1, std::int64_t{1});
  auto row = q->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(q->Int(0) == 1);
  CHECK(q->Text(1) == "一");
  CHECK(q->Text(2) == blob);
  CHECK_FALSE(q->IsNull(2));
  row = q->Step();
  REQUIRE(*row);
  CHECK(q->Int(0) == 2);
  CHECK(q->IsNull(2));
  row = q->Step();
  REQUIRE(*row);
  CHECK(q->Int(0) == 3);
  CHECK(q->IsNull(1));
  row = q->Step();
  REQUIRE(row.ok());
  CHECK_FALSE(*row);  // SQLITE_DONE

  // After Reset the query starts over with fresh bindings.
  q->Reset();
  q->Bind(1, std::int64_t{3});
  row = q->Step();
  REQUIRE(*row);
  CHECK(q->Int(0) == 3);
  q->Reset();
}

TEST_CASE("sqlite: Step reports a row") {
  TempDir dir;
  Db db = OpenFresh(dir);
  auto st = db.Prepare("SELECT 1");
  REQUIRE(st.ok());
  auto row = st->Step();
  REQUIRE(row.ok());
  CHECK(*row);
}

TEST_CASE("sqlite: Prepare of bad SQL fails with the text") {
  TempDir dir;
  Db db = OpenFresh(dir);
  auto st = db.Prepare("SELEKT nothing");
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("SELEKT") != std::string::npos);
  CHECK_FALSE(db.Exec("NOT SQL").ok());
}

TEST_CASE("sqlite: Changes counts the rows of the last statement") {
  TempDir dir;
  Db db = OpenFresh(dir);
  REQUIRE(db.Exec("INSERT INTO t(v) VALUES('a'),('b'),('c')").ok());
  CHECK(db.Changes() == 3);
  REQUIRE(db.Exec("UPDATE t SET v = 'z' WHERE v <> 'a'").ok());
  CHECK(db.Changes() == 2);
}

}  // namespace
}  // namespace xf::node::sql

// store/pg.h and store/pg_cluster.h against a real PostgreSQL server (Debian's
// `postgresql` package, a cluster of its own under /tmp): parameters and
// NULLs, bytes through bytea, errors by SQLSTATE, the transaction guard,
// COPY, committed rows surviving an immediate shutdown, the events table
// partitioned by year as the store will declare it.
#include <doctest/doctest.h>

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>

#include "store/pg.h"
#include "store/pg_cluster.h"

namespace xf::store::pg {
namespace {

namespace fs = std::filesystem;

// A fresh directory under /tmp, removed afterwards (the server, when run as
// `postgres`, must reach it: directly under /tmp it can).
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = "/tmp/xf-pg-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
    // Searchable by the server's account (LocalCluster runs it as postgres under root).
    fs::permissions(path, fs::perms::others_exec | fs::perms::group_exec, fs::perm_options::add);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

template <class T>
T Must(Result<T> r) {
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
  return std::move(r).value();
}
void Must(Status s) { REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message)); }

TEST_CASE("CountParams: the highest $n outside quotes and comments") {
  CHECK(CountParams("SELECT 1") == 0);
  CHECK(CountParams("SELECT $1, $2 WHERE a = $2") == 2);
  CHECK(CountParams("SELECT '$9', \"$8\" -- $7\n , $3") == 3);
  CHECK(CountParams("SELECT $12") == 12);
  CHECK(CountParams("SELECT 'unterminated $4") == 0);
}

TEST_CASE("CopyEscape and CopyBytes: COPY's text format") {
  CHECK(CopyEscape("a\tb\nc\\d\r") == "a\\tb\\nc\\\\d\\r");
  CHECK(CopyBytes(std::string("\x00\xff", 2)) == "\\\\x00ff");
}

// One server for the cases that do not stop it (doctest runs a TEST_CASE
// again for each SUBCASE): started on first use, stopped at exit.
LocalCluster& Shared() {
  static TempDir dir;
  static LocalCluster cluster = Must(LocalCluster::Start(dir.path / "pg"));
  return cluster;
}

TEST_CASE("a real server: statements, errors, transactions, COPY, partitions") {
  auto db = Must(Conn::Open(Shared().Dsn()));
  CHECK(db.ServerVersion() >= 120000);
  Must(db.Exec("DROP TABLE IF EXISTS t, events CASCADE"));
  Must(db.Exec("CREATE TABLE t(k text PRIMARY KEY, n bigint, b bytea)"));
  auto insert = Must(db.Prepare("INSERT INTO t(k, n, b) VALUES ($1, $2, $3)"));

  SUBCASE("parameters, NULL and bytes with zeros and high bits") {
    const std::string bytes("\x00\x01\xfe\xff zh 信访", 13);
    CHECK(Must(insert.Bind(1, "案件").Bind(2, std::int64_t{-7}).BindBytes(3, bytes).Run()) == 1);
    CHECK(Must(insert.Bind(1, "空").BindNull(2).BindNull(3).Run()) == 1);
    auto rows = Must(db.Query("SELECT k, n, b FROM t ORDER BY n NULLS LAST"));
    REQUIRE(rows.Count() == 2);
    CHECK(rows.Text(0, 0) == "案件");
    CHECK(rows.Int(0, 1) == -7);
    CHECK(rows.Bytes(0, 2) == bytes);
    CHECK(rows.IsNull(1, 1));
    CHECK(rows.Int(1, 1) == 0);
  }

  SUBCASE("a unique violation is kAlreadyExists and names the statement and SQLSTATE") {
    Must(insert.Bind(1, "a").Bind(2, std::int64_t{1}).BindNull(3).Run());
    auto again = insert.Run();
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == Errc::kAlreadyExists);
    CHECK(again.error().message.find("23505") != std::string::npos);
    CHECK(again.error().message.find("INSERT INTO t") != std::string::npos);
    auto bad = db.Query("SELECT $1::bigint", {std::string("not a number")});
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == Errc::kInvalidArgument);
  }

  SUBCASE("the guard rolls back unless committed") {
    {
      Txn txn(db);
      Must(txn.Began());
      Must(insert.Bind(1, "rolled back").Bind(2, std::int64_t{1}).BindNull(3).Run());
    }
    {
      Txn txn(db);
      Must(insert.Bind(1, "kept").Bind(2, std::int64_t{2}).BindNull(3).Run());
      Must(txn.Commit());
    }
    auto rows = Must(db.Query("SELECT k FROM t"));
    REQUIRE(rows.Count() == 1);
    CHECK(rows.Text(0, 0) == "kept");
  }

  SUBCASE("COPY loads escaped text and bytes; a bad row loads nothing") {
    std::vector<std::string> lines;
    for (int i = 0; i < 5000; ++i) {
      lines.push_back(CopyEscape("k\t" + std::to_string(i)) + "\t" + std::to_string(i) + "\t" +
                      CopyBytes(std::string(1, static_cast<char>(i % 256))));
    }
    CHECK(Must(db.CopyIn("t(k, n, b)", lines)) == 5000);
    auto rows = Must(db.Query("SELECT count(*), sum(n), max(k) FROM t"));
    CHECK(rows.Int(0, 0) == 5000);
    CHECK(rows.Int(0, 1) == 4999 * 5000 / 2);
    auto one = Must(db.Query("SELECT k, b FROM t WHERE n = 300"));
    CHECK(one.Text(0, 0) == "k\t300");
    CHECK(one.Bytes(0, 1) == std::string(1, static_cast<char>(300 % 256)));
    auto bad = db.CopyIn("t(k, n, b)", {"x\tnot a number\t\\N"});
    REQUIRE_FALSE(bad.ok());
    CHECK(Must(db.Query("SELECT count(*) FROM t")).Int(0, 0) == 5000);
    // The connection is usable after the failed COPY.
    CHECK(Must(db.Query("SELECT 1")).Int(0, 0) == 1);
  }

  SUBCASE("events partitioned by year: rows land in their year, a year's query reads one partition") {
    Must(db.Exec(R"sql(
CREATE TABLE events(origin text NOT NULL, seq bigint NOT NULL, stored_at bigint NOT NULL,
                    year int NOT NULL, PRIMARY KEY (year, origin, seq)) PARTITION BY RANGE (year);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM (2025) TO (2026);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM (2026) TO (2027);
CREATE TABLE events_default PARTITION OF events DEFAULT;
)sql"));
    auto add = Must(db.Prepare("INSERT INTO events(origin, seq, stored_at, year) VALUES ($1, $2, $3, $4)"));
    for (int i = 1; i <= 30; ++i) {
      Must(add.Bind(1, "110105").Bind(2, std::int64_t{i}).Bind(3, std::int64_t{i}).Bind(4, std::int64_t{2024 + i % 3})
               .Run());
    }
    auto where = Must(db.Query(
        "SELECT tableoid::regclass::text, count(*) FROM events GROUP BY 1 ORDER BY 1"));
    REQUIRE(where.Count() == 3);
    CHECK(where.Text(0, 0) == "events_2025");
    CHECK(where.Text(1, 0) == "events_2026");
    CHECK(where.Text(2, 0) == "events_default");  // 2024: no partition of its own
    auto plan = Must(db.Query("EXPLAIN SELECT count(*) FROM events WHERE year = 2026"));
    std::string text;
    for (int r = 0; r < plan.Count(); ++r) text += plan.Text(r, 0) + "\n";
    CHECK(text.find("events_2026") != std::string::npos);
    CHECK(text.find("events_2025") == std::string::npos);
  }
}

TEST_CASE("committed rows survive an immediate shutdown; a dead server is kUnavailable") {
  TempDir dir;
  auto cluster = Must(LocalCluster::Start(dir.path / "pg"));
  auto db = Must(Conn::Open(cluster.Dsn()));
  Must(db.Exec("CREATE TABLE t(k text PRIMARY KEY, n bigint, b bytea)"));
  auto insert = Must(db.Prepare("INSERT INTO t(k, n, b) VALUES ($1, $2, $3)"));
  {
    Txn txn(db);
    Must(insert.Bind(1, "durable").Bind(2, std::int64_t{42}).BindNull(3).Run());
    Must(txn.Commit());
  }
  Must(cluster.Crash());
  auto down = db.Query("SELECT 1");
  REQUIRE_FALSE(down.ok());
  CHECK_MESSAGE(down.error().code == Errc::kUnavailable, down.error().message);
  Must(cluster.Restart());
  auto again = Must(Conn::Open(cluster.Dsn()));
  auto rows = Must(again.Query("SELECT n FROM t WHERE k = 'durable'"));
  REQUIRE(rows.Count() == 1);
  CHECK(rows.Int(0, 0) == 42);
}

TEST_CASE("a second cluster in the same directory is refused; a server of its own per directory") {
  TempDir dir;
  {
    auto first = Must(LocalCluster::Start(dir.path / "a"));
    auto second = LocalCluster::Start(dir.path / "a");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == Errc::kAlreadyExists);
    auto other = Must(LocalCluster::Start(dir.path / "b"));
    CHECK(Must(Must(Conn::Open(other.Dsn())).Query("SELECT 1")).Int(0, 0) == 1);
  }
  // Both stopped with their owners: nothing answers on the sockets.
  CHECK_FALSE(Conn::Open("host=" + (dir.path / "a").string() + " port=5432 user=xf dbname=xf").ok());
}

}  // namespace
}  // namespace xf::store::pg

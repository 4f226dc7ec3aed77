// Thin RAII wrappers over libpq, shaped like node/sqlite.h so the store's
// code reads the same on both backends: a connection, prepared statements
// with numbered parameters, rows read by column, a transaction guard that
// rolls back unless committed, and COPY FROM STDIN for bulk loads.
//
//   auto db = pg::Conn::Open("host=/tmp/pg port=5433 dbname=xf");
//   auto q = db->Prepare("SELECT seq FROM events WHERE origin = $1 AND seq > $2");
//   q->Bind(1, "110105").Bind(2, std::int64_t{40});
//   auto rows = q->Query();        // all rows of the answer, read by column
//   for (int r = 0; r < rows->Rows(); ++r) use(rows->Int(r, 0));
//
// Parameters are sent as text (or binary for BindBytes) with the type left
// to the server (OID 0), so one statement text serves any column type; a
// NULL is BindNull. Every failure is an Error naming the statement and the
// server's SQLSTATE and message.
//
// Thread safety: a Conn and its statements belong to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/result.h"

struct pg_conn;
struct pg_result;

namespace xf::store::pg {

struct ConnClose {
  void operator()(pg_conn* c) const;
};
struct ResultClear {
  void operator()(pg_result* r) const;
};

// An answer's rows (all of them: libpq reads the whole answer).
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* r) : m_res(r) {}
  int Count() const;
  int Columns() const;
  bool IsNull(int row, int col) const;
  std::string Text(int row, int col) const;
  // The column as an integer; 0 for NULL. REQUIRES: an integer column.
  std::int64_t Int(int row, int col) const;
  // A bytea column: its bytes (the text answer's \x hex form decoded).
  std::string Bytes(int row, int col) const;
  // INSERT/UPDATE/DELETE: how many rows it touched.
  std::int64_t Affected() const;
  pg_result* get() const { return m_res.get(); }
  pg_result* release() { return m_res.release(); }

 private:
  std::unique_ptr<pg_result, ResultClear> m_res;
};

class Conn;

// A prepared statement: its parameters bound by number (1-based, $1…),
// kept between executions until bound again or Clear()ed.
class Stmt {
 public:
  Stmt() = default;
  Stmt(Conn* conn, std::string name, std::string sql, int params)
      : m_conn(conn), m_name(std::move(name)), m_sql(std::move(sql)), m_values(static_cast<std::size_t>(params)),
        m_binary(static_cast<std::size_t>(params), 0) {}

  Stmt& Bind(int i, std::int64_t v);
  Stmt& Bind(int i, std::string_view v);  // text
  Stmt& BindBytes(int i, std::string_view v);  // bytea, sent as binary
  Stmt& BindNull(int i);
  void Clear();

  // Executes with the bound parameters: every row of the answer.
  Result<Rows> Query();
  // Executes, expecting no rows: how many rows it touched.
  Result<std::int64_t> Run();
  const std::string& Sql() const { return m_sql; }

 private:
  Conn* m_conn = nullptr;
  std::string m_name, m_sql;
  std::vector<std::optional<std::string>> m_values;
  std::vector<int> m_binary;
};

class Conn {
 public:
  // Connects with a libpq connection string ("host=… port=… dbname=…" or a
  // postgresql:// URI). The session runs in UTC with standard strings.
  static Result<Conn> Open(const std::string& dsn);

  // Runs one or more statements without parameters (DDL, BEGIN, SET).
  Status Exec(std::string_view sql);
  // One statement with parameters, not prepared: its rows.
  Result<Rows> Query(std::string_view sql, const std::vector<std::optional<std::string>>& params = {});
  // Prepared once on this connection (a server-side prepared statement).
  // `sql` numbers its parameters $1…$n; n is counted from the text.
  Result<Stmt> Prepare(std::string_view sql);

  // COPY table (columns) FROM STDIN in text format: `rows` are lines of
  // tab-separated fields, already escaped with CopyEscape (or \N for NULL).
  Result<std::int64_t> CopyIn(std::string_view table_and_columns, const std::vector<std::string>& rows);

  // The server's version number (e.g. 150004 for 15.4).
  int ServerVersion() const;
  std::string ErrorMessage() const;
  pg_conn* get() const { return m_conn.get(); }

 private:
  explicit Conn(pg_conn* c) : m_conn(c) {}
  friend class Stmt;
  std::unique_ptr<pg_conn, ConnClose> m_conn;
  int m_next_statement = 0;
};

// BEGIN on construction (ISOLATION LEVEL as given); ROLLBACK on destruction
// unless Commit().
class Txn {
 public:
  explicit Txn(Conn& c, std::string_view begin = "BEGIN");
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  const Status& Began() const { return m_began; }
  Status Commit();

 private:
  Conn& m_conn;
  Status m_began;
  bool m_done = false;
};

// A field for COPY's text format: backslash, tab, newline and carriage
// return escaped.
std::string CopyEscape(std::string_view field);
// A bytea field for COPY's text format (\\x followed by hex).
std::string CopyBytes(std::string_view bytes);

// The highest $n in a statement's text, outside quotes and comments.
int CountParams(std::string_view sql);

}  // namespace xf::store::pg

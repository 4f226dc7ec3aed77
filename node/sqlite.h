// Thin RAII wrappers over SQLite: a connection, prepared statements and a
// transaction guard that rolls back unless committed.
//
// Thread safety: a Db and its statements belong to one thread at a time;
// the owner serialises access.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "codes/result.h"

namespace xf::node::sql {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(sqlite3_stmt* s) : m_stmt(s) {}

  Stmt& Bind(int i, std::int64_t v);
  Stmt& Bind(int i, std::string_view v);    // text
  Stmt& BindBlob(int i, std::string_view v);
  Stmt& BindNull(int i);
  // SQLITE_ROW → true, SQLITE_DONE → false, anything else → error.
  Result<bool> Step();
  // Step to completion, expecting no rows.
  Status Run();
  void Reset();

  std::int64_t Int(int col) const { return sqlite3_column_int64(m_stmt.get(), col); }
  std::string Text(int col) const;
  bool IsNull(int col) const { return sqlite3_column_type(m_stmt.get(), col) == SQLITE_NULL; }
  sqlite3_stmt* get() const { return m_stmt.get(); }

 private:
  std::unique_ptr<sqlite3_stmt, StmtFinalize> m_stmt;
};

class Db {
 public:
  // Opens (creating) the file in WAL mode with synchronous=FULL, foreign
  // keys on and a busy timeout.
  static Result<Db> Open(const std::filesystem::path& file);
  static Result<Db> OpenReadOnly(const std::filesystem::path& file);
  // A reader of a database another connection writes (WAL): query_only, its
  // own page cache; it reads the last committed state and never waits for
  // the writer (nor the writer for it).
  static Result<Db> OpenReader(const std::filesystem::path& file);

  Status Exec(std::string_view sql);
  // Prepared once and kept (SQLITE_PREPARE_PERSISTENT).
  Result<Stmt> Prepare(std::string_view sql, bool persistent = true);
  std::int64_t Changes() const { return sqlite3_changes64(m_db.get()); }
  std::string ErrorMessage() const { return sqlite3_errmsg(m_db.get()); }
  sqlite3* get() const { return m_db.get(); }

 private:
  explicit Db(sqlite3* db) : m_db(db) {}
  static Result<Db> OpenWith(const std::filesystem::path& file, int flags);
  std::unique_ptr<sqlite3, DbClose> m_db;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit().
class Txn {
 public:
  explicit Txn(Db& db);
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  const Status& Began() const { return m_began; }
  Status Commit();

 private:
  Db& m_db;
  Status m_began;
  bool m_done = false;
};

Error SqlError(sqlite3* db, std::string_view what);

}  // namespace xf::node::sql

#include "node/sqlite.h"

namespace xf::node::sql {

Error SqlError(sqlite3* db, std::string_view what) {
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_ERROR;
  const Errc errc = (code & 0xff) == SQLITE_CONSTRAINT ? Errc::kAlreadyExists
                    : (code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR ? Errc::kIo
                    : (code & 0xff) == SQLITE_CORRUPT || (code & 0xff) == SQLITE_NOTADB ? Errc::kCorruption
                                                                                      : Errc::kInternal;
  return MakeError(errc, std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "sqlite error"));
}

Stmt& Stmt::Bind(int i, std::int64_t v) {
  sqlite3_bind_int64(m_stmt.get(), i, v);
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  sqlite3_bind_text64(m_stmt.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}
Stmt& Stmt::BindBlob(int i, std::string_view v) {
  sqlite3_bind_blob64(m_stmt.get(), i, v.data(), v.size(), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  sqlite3_bind_null(m_stmt.get(), i);
  return *this;
}

Result<bool> Stmt::Step() {
  const int rc = sqlite3_step(m_stmt.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(sqlite3_db_handle(m_stmt.get()), "step");
}

Status Stmt::Run() {
  auto r = Step();
  Reset();
  if (!r) return r.error();
  return {};
}

void Stmt::Reset() {
  sqlite3_reset(m_stmt.get());
  sqlite3_clear_bindings(m_stmt.get());
}

std::string Stmt::Text(int col) const {
  const auto* p = sqlite3_column_blob(m_stmt.get(), col);
  const int n = sqlite3_column_bytes(m_stmt.get(), col);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}

Result<Db> Db::OpenWith(const std::filesystem::path& file, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqlError(raw, "opening " + file.string());
    sqlite3_close_v2(raw);
    return e;
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 10000);
  return Db(raw);
}

Result<Db> Db::Open(const std::filesystem::path& file) {
  auto db = OpenWith(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!db) return db;
  // WAL + synchronous=FULL: a committed transaction survives power loss.
  // A 64 MiB page cache keeps a large batch's B-tree pages in memory until commit.
  if (auto s = db->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                        "PRAGMA cache_size=-65536;");
      !s) {
    return s.error();
  }
  return db;
}

Result<Db> Db::OpenReadOnly(const std::filesystem::path& file) {
  return OpenWith(file, SQLITE_OPEN_READONLY);
}

Result<Db> Db::OpenReader(const std::filesystem::path& file) {
  // Read-write at the file level, so that it can map the WAL index even
  // when no other connection is open; query_only refuses any write.
  auto db = OpenWith(file, SQLITE_OPEN_READWRITE);
  if (!db) return db;
  if (auto s = db->Exec("PRAGMA query_only=1; PRAGMA cache_size=-16384;"); !s) return s.error();
  return db;
}

Status Db::Exec(std::string_view sql) {
  char* err = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return MakeError(Errc::kInternal, "sql: " + msg);
  }
  return {};
}

Result<Stmt> Db::Prepare(std::string_view sql, bool persistent) {
  sqlite3_stmt* s = nullptr;
  const int rc = sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr);
  if (rc != SQLITE_OK) return SqlError(m_db.get(), "prepare " + std::string(sql.substr(0, 60)));
  return Stmt(s);
}

Txn::Txn(Db& db) : m_db(db), m_began(db.Exec("BEGIN IMMEDIATE")) {}

Txn::~Txn() {
  if (!m_done && m_began.ok()) (void)m_db.Exec("ROLLBACK");
}

Status Txn::Commit() {
  if (!m_began) return m_began;
  auto s = m_db.Exec("COMMIT");
  if (s) m_done = true;
  return s;
}

}  // namespace xf::node::sql

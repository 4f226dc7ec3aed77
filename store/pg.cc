#include "store/pg.h"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

namespace xf::store::pg {
namespace {

// The statement's first line, to name it in an error without its whole text.
std::string Head(std::string_view sql) {
  while (!sql.empty() && (sql.front() == ' ' || sql.front() == '\n')) sql.remove_prefix(1);
  const auto nl = sql.find('\n');
  std::string head(sql.substr(0, std::min<std::size_t>(nl, 80)));
  if (head.size() < sql.size()) head += " …";
  return head;
}

// An error of a failed answer: SQLSTATE and message. 23505 (unique
// violation) is kAlreadyExists; a lost connection kUnavailable.
Error ResultError(const pg_result* r, pg_conn* c, std::string_view sql) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = r != nullptr ? PQresultErrorMessage(r) : PQerrorMessage(c);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  Errc code = Errc::kInternal;
  const std::string_view s = state != nullptr ? state : "";
  if (s == "23505") {
    code = Errc::kAlreadyExists;
  } else if (s.empty() || s.substr(0, 2) == "08" || s.substr(0, 2) == "57" || PQstatus(c) != CONNECTION_OK) {
    // Connection exception, operator intervention (shutdown), or an error
    // libpq made itself without a SQLSTATE: the server went away.
    code = Errc::kUnavailable;
  } else if (s == "53100") {
    code = Errc::kIo;  // disk full
  } else if (s.substr(0, 2) == "22" || s.substr(0, 2) == "23") {
    code = Errc::kInvalidArgument;  // data exception, integrity constraint
  }
  return MakeError(code, "PostgreSQL " + std::string(s.empty() ? "-----" : s) + " in \"" + Head(sql) +
                             "\": " + message);
}

// Success of an answer: a command or rows (or COPY IN ready when asked).
Result<Rows> Check(pg_result* raw, pg_conn* c, std::string_view sql) {
  Rows rows(raw);
  const auto st = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return rows;
  return ResultError(raw, c, sql);
}

int Hex(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

}  // namespace

void ConnClose::operator()(pg_conn* c) const { PQfinish(c); }
void ResultClear::operator()(pg_result* r) const { PQclear(r); }

int Rows::Count() const { return m_res ? PQntuples(m_res.get()) : 0; }
int Rows::Columns() const { return m_res ? PQnfields(m_res.get()) : 0; }
bool Rows::IsNull(int row, int col) const { return PQgetisnull(m_res.get(), row, col) != 0; }
std::string Rows::Text(int row, int col) const {
  return std::string(PQgetvalue(m_res.get(), row, col), static_cast<std::size_t>(PQgetlength(m_res.get(), row, col)));
}
std::int64_t Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* v = PQgetvalue(m_res.get(), row, col);
  std::int64_t out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
}
std::string Rows::Bytes(int row, int col) const {
  const std::string t = Text(row, col);
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return t;  // not hex: as is
  std::string out;
  out.reserve((t.size() - 2) / 2);
  for (std::size_t i = 2; i + 1 < t.size(); i += 2) {
    const int hi = Hex(t[i]), lo = Hex(t[i + 1]);
    if (hi < 0 || lo < 0) break;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}
std::int64_t Rows::Affected() const {
  const char* n = m_res ? PQcmdTuples(m_res.get()) : "";
  std::int64_t out = 0;
  std::from_chars(n, n + std::strlen(n), out);
  return out;
}

Stmt& Stmt::Bind(int i, std::int64_t v) {
  m_values.at(static_cast<std::size_t>(i - 1)) = std::to_string(v);
  m_binary.at(static_cast<std::size_t>(i - 1)) = 0;
  return *this;
}
Stmt& Stmt::Bind(int i, std::string_view v) {
  m_values.at(static_cast<std::size_t>(i - 1)) = std::string(v);
  m_binary.at(static_cast<std::size_t>(i - 1)) = 0;
  return *this;
}
Stmt& Stmt::BindBytes(int i, std::string_view v) {
  m_values.at(static_cast<std::size_t>(i - 1)) = std::string(v);
  m_binary.at(static_cast<std::size_t>(i - 1)) = 1;
  return *this;
}
Stmt& Stmt::BindNull(int i) {
  m_values.at(static_cast<std::size_t>(i - 1)).reset();
  m_binary.at(static_cast<std::size_t>(i - 1)) = 0;
  return *this;
}
void Stmt::Clear() {
  for (auto& v : m_values) v.reset();
  for (auto& b : m_binary) b = 0;
}

Result<Rows> Stmt::Query() {
  if (m_conn == nullptr) return MakeError(Errc::kInternal, "statement not prepared");
  std::vector<const char*> values(m_values.size());
  std::vector<int> lengths(m_values.size());
  for (std::size_t i = 0; i < m_values.size(); ++i) {
    values[i] = m_values[i] ? m_values[i]->data() : nullptr;
    lengths[i] = m_values[i] ? static_cast<int>(m_values[i]->size()) : 0;
  }
  pg_result* r = PQexecPrepared(m_conn->get(), m_name.c_str(), static_cast<int>(values.size()), values.data(),
                                lengths.data(), m_binary.data(), 0);
  return Check(r, m_conn->get(), m_sql);
}

Result<std::int64_t> Stmt::Run() {
  auto rows = Query();
  if (!rows) return rows.error();
  return rows->Affected();
}

Result<Conn> Conn::Open(const std::string& dsn) {
  pg_conn* raw = PQconnectdb(dsn.c_str());
  Conn c(raw);
  if (raw == nullptr) return MakeError(Errc::kInternal, "PostgreSQL: out of memory connecting");
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string message = PQerrorMessage(raw);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return MakeError(Errc::kUnavailable, "cannot connect to PostgreSQL: " + message);
  }
  // Notices (a WARNING as the server shuts down) are not errors: the answer
  // that follows says what failed; libpq would print them on stderr.
  PQsetNoticeProcessor(raw, [](void*, const char*) {}, nullptr);
  // Instants are stored as seconds; text dates as ISO; no surprises from
  // the server's defaults.
  if (auto s = c.Exec("SET TIME ZONE 'UTC'; SET standard_conforming_strings = on; SET client_encoding = 'UTF8'"); !s)
    return s.error();
  return c;
}

Status Conn::Exec(std::string_view sql) {
  const std::string text(sql);
  auto r = Check(PQexec(m_conn.get(), text.c_str()), m_conn.get(), sql);
  if (!r) return r.error();
  return {};
}

Result<Rows> Conn::Query(std::string_view sql, const std::vector<std::optional<std::string>>& params) {
  const std::string text(sql);
  std::vector<const char*> values(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) values[i] = params[i] ? params[i]->c_str() : nullptr;
  return Check(PQexecParams(m_conn.get(), text.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                            nullptr, nullptr, 0),
               m_conn.get(), sql);
}

Result<Stmt> Conn::Prepare(std::string_view sql) {
  const std::string name = "xf" + std::to_string(++m_next_statement);
  const std::string text(sql);
  const int params = CountParams(sql);
  auto r = Check(PQprepare(m_conn.get(), name.c_str(), text.c_str(), 0, nullptr), m_conn.get(), sql);
  if (!r) return r.error();
  return Stmt(this, name, text, params);
}

Result<std::int64_t> Conn::CopyIn(std::string_view table_and_columns, const std::vector<std::string>& rows) {
  const std::string sql = "COPY " + std::string(table_and_columns) + " FROM STDIN";
  pg_conn* c = m_conn.get();
  {
    Rows started(PQexec(c, sql.c_str()));
    if (started.get() == nullptr || PQresultStatus(started.get()) != PGRES_COPY_IN) {
      auto r = Check(started.release(), c, sql);
      if (!r) return r.error();
      return MakeError(Errc::kInternal, "COPY did not start: " + sql);
    }
  }
  std::string chunk;
  bool sent = true;
  for (const auto& row : rows) {
    chunk += row;
    chunk += '\n';
    if (chunk.size() >= (1u << 20)) {
      sent = PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) == 1;
      if (!sent) break;
      chunk.clear();
    }
  }
  if (sent && !chunk.empty()) sent = PQputCopyData(c, chunk.data(), static_cast<int>(chunk.size())) == 1;
  if (PQputCopyEnd(c, sent ? nullptr : "the client stopped sending") != 1)
    return MakeError(Errc::kUnavailable, "COPY: " + ErrorMessage());
  // The COPY's own result, then the end of the command.
  Result<std::int64_t> out = std::int64_t{0};
  while (pg_result* r = PQgetResult(c)) {
    auto checked = Check(r, c, sql);
    if (!checked) {
      out = checked.error();
    } else if (out) {
      out = checked->Affected();
    }
  }
  return out;
}

int Conn::ServerVersion() const { return PQserverVersion(m_conn.get()); }
std::string Conn::ErrorMessage() const { return PQerrorMessage(m_conn.get()); }

Txn::Txn(Conn& c, std::string_view begin) : m_conn(c), m_began(c.Exec(begin)) {}
Txn::~Txn() {
  if (!m_done && m_began) (void)m_conn.Exec("ROLLBACK");
}
Status Txn::Commit() {
  if (!m_began) return m_began.error();
  m_done = true;
  return m_conn.Exec("COMMIT");
}

std::string CopyEscape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (const char ch : field) {
    switch (ch) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string CopyBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\\\x";
  out.reserve(3 + bytes.size() * 2);
  for (const unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

int CountParams(std::string_view sql) {
  int high = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char ch = sql[i];
    if (ch == '\'' || ch == '"') {  // a quoted literal or identifier
      const auto end = sql.find(ch, i + 1);
      if (end == std::string_view::npos) break;
      i = end;
    } else if (ch == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const auto end = sql.find('\n', i);
      if (end == std::string_view::npos) break;
      i = end;
    } else if (ch == '$' && i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
      int n = 0;
      std::size_t j = i + 1;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9' && n < 100000) n = n * 10 + (sql[j++] - '0');
      high = std::max(high, n);
      i = j - 1;
    }
  }
  return high;
}

}  // namespace xf::store::pg

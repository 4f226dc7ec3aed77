// The case list (GET /v1/cases) and idempotent intake (Idempotency-Key):
// the Store's part (store.h, "the case list and idempotent intake").
#include <algorithm>

#include "node/clock_sql.h"
#include "node/projection.h"
#include "node/store.h"
#include "schema/validate.h"

namespace xf::node {

// The case list's own read-only connection: a reader never blocks the
// writer (WAL), and the legal clocks are registered on it once.
struct Store::CaseReader {
  sql::Db db;
  std::shared_ptr<const codes::Calendar> calendar;
  codes::Counting counting = codes::Counting::kCalendarDays;
  std::unique_ptr<ClockFunctions> clocks;  // after db: registered on it, unregistered before it closes
};

Store::Store(sql::Db db, const Clock& clock) : m_db(std::move(db)), m_clock(clock) {}
Store::~Store() = default;

namespace {

// The duty clocks (not the petitioner's windows) and the columns of `cases`
// each starts and stops on (migration 7), as the conformance report reads
// them (conformance.cc, kDutyClocks).
struct DutyClock {
  schema::Clock clock;
  const char* start;
  const char* met;
};
constexpr DutyClock kDuty[] = {
    {schema::Clock::kRoute, "received_date", "routed"},
    {schema::Clock::kAcceptNotice, "notice_start", "decided"},
    {schema::Clock::kHandle, "accepted", "completed"},
    {schema::Clock::kReviewDecision, "review_requested", "review_decided"},
    {schema::Clock::kReReviewDecision, "rereview_requested", "rereview_decided"},
};

// The columns a row of the list is read from, in this order.
constexpr const char* kRowColumns =
    "c.case_id, c.origin, c.received_date, c.status, c.content_category, c.problem_place, c.initial_case_id, "
    "c.event_count, c.updated_at, c.closed, c.routed, c.notice_start, c.decided, c.accepted, c.completed, "
    "c.extension_days, c.extension_on, c.review_requested, c.review_decided, c.rereview_requested, "
    "c.rereview_decided, (SELECT p.name FROM case_petitioners p WHERE p.case_id = c.case_id ORDER BY p.first DESC, "
    "p.idx LIMIT 1)";

std::optional<Date> DateAt(const sql::Stmt& q, int col) {
  if (q.IsNull(col)) return std::nullopt;
  return Date::Parse(q.Text(col));
}

// A row as read with kRowColumns; its next due and overdue days counted
// with schema::ClockDue, as everywhere else.
Store::CaseRow ReadRow(const sql::Stmt& q, const codes::Calendar& calendar, codes::Counting counting, Date today) {
  Store::CaseRow r;
  r.case_id = q.Text(0);
  r.registering_body = q.Text(1);
  r.received_date = Date::Parse(q.Text(2)).value_or(Date{});
  r.status = q.Text(3);
  r.content_category = q.Text(4);
  r.problem_place = q.Text(5);
  r.initial_case_id = q.Text(6);
  r.event_count = q.Int(7);
  r.updated_at = Instant{q.Int(8)};
  r.closed = DateAt(q, 9);
  r.first_petitioner = q.IsNull(21) ? "" : q.Text(21);
  if (r.closed) return r;
  struct Open {
    schema::Clock clock;
    std::optional<Date> start, met;
  };
  const Open open[] = {
      {schema::Clock::kRoute, r.received_date, DateAt(q, 10)},
      {schema::Clock::kAcceptNotice, DateAt(q, 11), DateAt(q, 12)},
      {schema::Clock::kHandle, DateAt(q, 13), DateAt(q, 14)},
      {schema::Clock::kReviewDecision, DateAt(q, 17), DateAt(q, 18)},
      {schema::Clock::kReReviewDecision, DateAt(q, 19), DateAt(q, 20)},
  };
  const int extension_days = static_cast<int>(q.Int(15));
  const std::optional<Date> extension_on = DateAt(q, 16);
  for (const Open& o : open) {
    if (!o.start || o.met) continue;
    const codes::DueDay due = schema::ClockDue(o.clock, *o.start, calendar, counting,
                                               o.clock == schema::Clock::kHandle ? extension_days : 0,
                                               o.clock == schema::Clock::kHandle ? extension_on : std::nullopt);
    const std::int64_t left = due.day.DaysSinceEpoch() - today.DaysSinceEpoch();
    if (left < 0) r.overdue_days = std::max(r.overdue_days, -left);
    if (!r.next_due || due.day < r.next_due->due) r.next_due = Store::NextDue{o.clock, *o.start, due.day, left};
  }
  return r;
}

// The WHERE clause of a query and its values, in the order of their ?N.
struct Where {
  std::string sql;
  std::vector<std::string> values;
  std::string Add(std::string v) {
    values.push_back(std::move(v));
    return "?" + std::to_string(values.size());
  }
  void And(const std::string& term) { sql += (sql.empty() ? " WHERE " : " AND ") + term; }
};

// The cases with a duty clock overdue on `today`: one arm per clock, each
// read through its partial index (migration 11) and only over the cases
// started early enough — a due day is never earlier than its days after
// the start, whatever the calendar and the counting.
std::string OverdueSet(Where& w, Date today) {
  const std::string t = w.Add(today.ToString());
  std::string out;
  for (const DutyClock& c : kDuty) {
    const auto& info = schema::InfoOf(c.clock);
    const std::string latest = w.Add(today.AddDays(-info.days - 1).ToString());
    const std::string due = c.clock == schema::Clock::kHandle
                                ? std::string("xf_due('handle', accepted, extension_days, extension_on)")
                                : "xf_due('" + std::string(info.name) + "', " + c.start + ")";
    if (!out.empty()) out += " UNION ALL ";
    out += std::string("SELECT case_id FROM cases WHERE ") + c.met + " IS NULL AND closed IS NULL AND " + c.start +
           " <= " + latest + " AND " + due + " < " + t;
  }
  return out;
}

Result<std::vector<Store::CaseRow>> ReadRows(sql::Stmt& q, const codes::Calendar& calendar,
                                              codes::Counting counting, Date today) {
  std::vector<Store::CaseRow> out;
  for (;;) {
    auto row = q.Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadRow(q, calendar, counting, today));
  }
  return out;
}

}  // namespace

Status Store::PrepareCaseStatements() {
  struct Def {
    sql::Stmt* stmt;
    const char* sql;
  };
  const Def defs[] = {
      {&m_st.delete_petitioners, "DELETE FROM case_petitioners WHERE case_id = ?1"},
      {&m_st.insert_petitioner,
       "INSERT INTO case_petitioners(case_id, idx, name, id_number, first) VALUES(?1, ?2, ?3, ?4, ?5)"},
      {&m_st.find_idempotent, "SELECT route, request, status, body, case_id FROM idempotency WHERE key = ?1"},
      {&m_st.insert_idempotent,
       "INSERT INTO idempotency(key, route, request, status, body, case_id, at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
  };
  for (const auto& d : defs) {
    auto s = m_db.Prepare(d.sql);
    if (!s) return s.error();
    *d.stmt = std::move(s).value();
  }
  return {};
}

Status Store::WritePetitioners(const std::string& case_id, const CaseState& state) {
  m_st.delete_petitioners.Bind(1, case_id);
  if (auto s = m_st.delete_petitioners.Run(); !s) return s;
  const auto& list = state.body.petitioners;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const schema::Petitioner& p = list[i];
    // Matched on the 18-character form; a number of another shape (a record
    // another node signed) as it was written, upper case.
    std::string id = !p.id_number_18.empty() ? p.id_number_18 : schema::IdNumber18(p.id_number);
    if (id.empty()) id = p.id_number;
    std::transform(id.begin(), id.end(), id.begin(), [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    m_st.insert_petitioner.Bind(1, case_id)
        .Bind(2, static_cast<std::int64_t>(i))
        .Bind(3, p.name)
        .Bind(4, id)
        .Bind(5, p.first ? 1 : 0);
    if (auto s = m_st.insert_petitioner.Run(); !s) return s;
  }
  return {};
}

Result<std::optional<Store::IdempotentAnswer>> Store::IdempotentLocked(const Idempotency& i) {
  auto& q = m_st.find_idempotent;
  q.Bind(1, i.key);
  auto row = q.Step();
  if (!row) {
    q.Reset();
    return row.error();
  }
  std::optional<IdempotentAnswer> out;
  if (*row) out = IdempotentAnswer{q.Text(0), q.Text(1), static_cast<int>(q.Int(2)), q.Text(3), q.Text(4)};
  q.Reset();
  return out;
}

Status Store::StoreIdempotentLocked(const Idempotency& i, const schema::Event& stored, int status) {
  const std::string body = i.answer ? i.answer(stored) : std::string();
  m_st.insert_idempotent.Bind(1, i.key)
      .Bind(2, i.request.route)
      .Bind(3, i.request.request)
      .Bind(4, status)
      .Bind(5, body)
      .Bind(6, stored.case_id)
      .Bind(7, m_clock.Now().seconds);
  if (auto s = m_st.insert_idempotent.Run(); !s) return s;
  if (i.replay != nullptr) *i.replay = IdempotentAnswer{i.request.route, i.request.request, status, body, stored.case_id};
  return {};
}

Result<std::optional<Store::IdempotentAnswer>> Store::FindIdempotent(const std::string& key) {
  std::lock_guard lock(m_mutex);
  Idempotency i;
  i.key = key;
  return IdempotentLocked(i);
}

Result<Store::CasePage> Store::ListCases(const CaseQuery& query) {
  std::lock_guard lock(m_reader_mutex);
  if (!m_reader) {
    auto db = sql::Db::OpenReadOnly(m_db_file);
    if (!db) return db.error();
    auto reader = std::make_unique<CaseReader>(CaseReader{std::move(db).value(), nullptr, {}, nullptr});
    {
      std::lock_guard store_lock(m_mutex);  // SetChronology's values, set once at start
      reader->calendar = m_calendar;
      reader->counting = m_counting;
    }
    reader->clocks = std::make_unique<ClockFunctions>(reader->db, *reader->calendar, reader->counting);
    if (!reader->clocks->Registered()) return reader->clocks->Registered().error();
    m_reader = std::move(reader);
  }
  CaseReader& r = *m_reader;

  Where w;
  if (!query.statuses.empty()) {
    std::string in;
    for (const auto& s : query.statuses) in += (in.empty() ? "" : ", ") + w.Add(s);
    w.And("c.status IN (" + in + ")");
  }
  if (query.received_from) w.And("c.received_date >= " + w.Add(query.received_from->ToString()));
  if (query.received_to) w.And("c.received_date <= " + w.Add(query.received_to->ToString()));
  if (!query.category.empty()) {
    // A code or the prefix of its upper levels: a range over the index.
    w.And("c.content_category >= " + w.Add(query.category) + " AND c.content_category < " +
          w.Add(query.category + "~"));
  }
  if (!query.id_number.empty()) {
    w.And("c.case_id IN (SELECT case_id FROM case_petitioners WHERE id_number = " + w.Add(query.id_number) + ")");
  }
  if (query.repeat) w.And(*query.repeat ? "c.initial_case_id <> ''" : "c.initial_case_id = ''");
  if (query.overdue) {
    w.And(std::string(*query.overdue ? "" : "NOT ") + "c.case_id IN (" + OverdueSet(w, query.today) + ")");
  }
  auto bind_all = [](sql::Stmt& st, const Where& where) {
    for (std::size_t i = 0; i < where.values.size(); ++i) st.Bind(static_cast<int>(i + 1), where.values[i]);
  };

  CasePage page;
  {
    auto count = r.db.Prepare("SELECT count(*) FROM cases c" + w.sql, false);
    if (!count) return count.error();
    bind_all(*count, w);
    auto row = count->Step();
    if (!row) return row.error();
    page.total = *row ? count->Int(0) : 0;
  }
  Where paged = w;
  if (query.after) {
    paged.And("(c.received_date, c.case_id) < (" + paged.Add(query.after->first.ToString()) + ", " +
              paged.Add(query.after->second) + ")");
  }
  const std::size_t limit = std::clamp<std::size_t>(query.limit, 1, 500);
  auto q = r.db.Prepare(std::string("SELECT ") + kRowColumns + " FROM cases c" + paged.sql +
                            " ORDER BY c.received_date DESC, c.case_id DESC LIMIT " + std::to_string(limit + 1),
                        false);
  if (!q) return q.error();
  bind_all(*q, paged);
  auto rows = ReadRows(*q, *r.calendar, r.counting, query.today);
  if (!rows) return rows.error();
  page.rows = std::move(rows).value();
  if (page.rows.size() > limit) {
    page.rows.resize(limit);
    page.next = std::make_pair(page.rows.back().received_date, page.rows.back().case_id);
  }
  return page;
}

Result<std::vector<Store::CaseRow>> Store::RepeatsOf(const std::string& case_id, Date today) {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare(std::string("SELECT ") + kRowColumns +
                            " FROM cases c WHERE c.initial_case_id = ?1 ORDER BY c.received_date, c.case_id",
                        false);
  if (!q) return q.error();
  q->Bind(1, case_id);
  return ReadRows(*q, *m_calendar, m_counting, today);
}

std::vector<Store::Received> Store::LastReceived() {
  // On a reader connection, never under the writer's lock: GET /v1/status
  // calls it, and a batch being applied holds the writer for as long as it
  // takes (test/integration/load_stop_test.cc saw /v1/status wait 30 s
  // behind a 256 MiB batch). A row per peer, kept by triggers (migration 14).
  auto rd = Reader();
  if (!rd) return {};
  std::vector<Received> out;
  auto q = (*rd)->db.Prepare("SELECT peer, batches, last FROM received_counts ORDER BY peer", false);
  if (!q) return out;
  for (;;) {
    auto row = q->Step();
    if (!row || !*row) break;
    out.push_back({q->Text(0), q->Int(1), Instant{q->Int(2)}});
  }
  return out;
}

}  // namespace xf::node

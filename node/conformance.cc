#include "node/conformance.h"
#include "node/case_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include <boost/json.hpp>

#include "exchange/batch.h"
#include "exchange/routing.h"
#include "node/clock_sql.h"
#include "node/conformance_html.h"
#include "node/lang.h"
#include "schema/clocks.h"
#include "schema/validate.h"

namespace xf::node::conformance {

namespace json = boost::json;

namespace {

// The node a rejection counts against: the one it is charged to (issue 12:
// the sender of a forged record), else, for rows from before, its origin.
constexpr const char* kChargedTo = "(CASE WHEN charged_to <> '' THEN charged_to ELSE origin END)";


constexpr std::int64_t kDay = 86400;
// The rules a receiver can reject on: always present, so the JSON shape is stable.
constexpr const char* kRejectionRules[] = {"R1", "R2", "R3", "R6", "R7"};
// The repeat registrations stored in [?1, ?2), each with the initial case id
// it names, as rows (origin, case_id, stored_at, initial), to follow "FROM (";
// the caller may add conditions on the rows read and closes both
// parentheses. They are read from repeat_registrations (migration 15:
// written with each event), never from the events' XML.
std::string RepeatsStored() {
  return "\n  SELECT origin, case_id, stored_at, initial FROM (SELECT origin, case_id, stored_at, initial\n"
         "  FROM repeat_registrations WHERE stored_at >= ?1 AND stored_at < ?2";
}

using Row = std::function<void(const sql::Stmt&)>;
using Bind = std::function<void(sql::Stmt&)>;

// Runs a read-only query, calling `row` for each result row.
Status Query(sql::Db& db, std::string_view text, const Bind& bind, const Row& row) {
  auto st = db.Prepare(text, false);
  if (!st) return st.error();
  if (bind) bind(*st);
  for (;;) {
    auto r = st->Step();
    if (!r) return r.error();
    if (!*r) return {};
    row(*st);
  }
}

Tally& TallyOf(std::map<std::string, Tally>& m, const std::string& id) {
  auto [it, fresh] = m.try_emplace(id);
  if (fresh) {
    it->second.id = id;
    for (const char* r : kRejectionRules) it->second.rejections[r] = 0;
  }
  return it->second;
}

// Satisfaction codes that count as satisfied: 1 非常满意 and 2 满意, and every
// code whose note maps it onto one of them ("maps_to=N", the provincial scale).
std::set<std::string, std::less<>> SatisfiedCodes(const codes::CodeBook& book) {
  std::set<std::string, std::less<>> out;
  for (const auto* e : book.Entries(codes::table::kSatisfaction)) {
    std::string rank = e->code;
    if (const auto at = e->note.find("maps_to="); at != std::string::npos) {
      rank.clear();
      for (std::size_t i = at + 8; i < e->note.size() && e->note[i] >= '0' && e->note[i] <= '9'; ++i) {
        rank.push_back(e->note[i]);
      }
    }
    if (rank == "1" || rank == "2") out.insert(e->code);
  }
  return out;
}

// 涉法涉诉 content categories: the rows whose note is "legal".
std::string LegalCategories(const codes::CodeBook& book) {
  json::array out;
  for (const auto* e : book.Entries(codes::table::kContentCategory)) {
    if (e->note == "legal") out.emplace_back(e->code);
  }
  return json::serialize(out);
}

// Lateness of a group from the lateness of each of its events (seconds,
// any order; sorted here): count, nearest-rank p50/p95 (the ⌈p·n⌉-th
// smallest), max, and how many are strictly over the bound.
Lateness FoldLateness(std::vector<std::int64_t>& late, std::int64_t bound) {
  Lateness l;
  if (late.empty()) return l;
  std::sort(late.begin(), late.end());
  const std::size_t n = late.size();
  l.events = static_cast<std::int64_t>(n);
  l.p50 = late[(n * 50 + 99) / 100 - 1];
  l.p95 = late[(n * 95 + 99) / 100 - 1];
  l.max = late.back();
  l.over_bound = static_cast<std::int64_t>(late.end() - std::upper_bound(late.begin(), late.end(), bound));
  return l;
}

void AddRate(Rate& into, const Rate& r) {
  into.numerator += r.numerator;
  into.denominator += r.denominator;
}

double Share(std::int64_t part, std::int64_t whole) {
  return whole <= 0 ? 0.0 : std::min(1.0, static_cast<double>(part) / static_cast<double>(whole));
}

void Score(Tally& t, bool subtree) {
  // Listed when it shows as at least 0.1 (the score still counts the rest).
  auto deduct = [&](const char* name, double points) {
    if (const double shown = std::round(points * 10) / 10; shown > 0) t.deductions[name] = shown;
    return points;
  };
  double total = 0;
  total += deduct("rejections", weight::kRejections * Share(t.rejections_total, t.events_received + t.rejections_total));
  total += deduct("repeat_without_initial", weight::kRepeat * Share(t.repeat_without_initial, t.registrations));
  total += deduct("lateness", weight::kLateness * Share(t.lateness.over_bound, t.lateness.events));
  total += deduct("gaps", std::min(weight::kGapMax, weight::kGapEach * static_cast<double>(t.open_gaps)));
  if (subtree && t.silent) total += deduct("silent", weight::kSilent);
  total += deduct("outdated_codes", weight::kOutdatedCodes * Share(t.outdated_code_batches, t.batches_received));
  total += deduct("legal_not_directed", weight::kLegal * Share(t.legal_not_directed, t.legal_cases_handled));
  if (auto v = t.timely_acceptance.Value()) total += deduct("timely_acceptance", weight::kAcceptance * (1 - *v));
  if (auto v = t.on_time_completion.Value()) total += deduct("on_time_completion", weight::kCompletion * (1 - *v));
  t.score = std::max(0.0, std::round((100 - total) * 10) / 10);
}

// The columns of `cases` each legal clock starts and stops on (store.cc,
// migration 7): start, met, and for the handling clock its extension.
struct ClockColumns {
  schema::Clock clock;
  const char* start;
  const char* met;
};
constexpr ClockColumns kDutyClocks[] = {
    {schema::Clock::kRoute, "received_date", "routed"},
    {schema::Clock::kAcceptNotice, "notice_start", "decided"},
    {schema::Clock::kHandle, "accepted", "completed"},
    {schema::Clock::kReviewDecision, "review_requested", "review_decided"},
    {schema::Clock::kReReviewDecision, "rereview_requested", "rereview_decided"},
};

// How many days before the period a clock may start and still fall due in
// it: its days (and an extension), counted as working days at most twice as
// long, plus the longest run of rest days a last day can be moved over.
std::int64_t Lookback(schema::Clock clock, codes::Counting counting) {
  std::int64_t days = schema::InfoOf(clock).days;
  if (clock == schema::Clock::kHandle) days += schema::kMaxExtensionDays;
  if (counting == codes::Counting::kWorkingDays) days *= 2;
  return days + 30;
}

// ---- scope, windows, buckets ------------------------------------------------

// The origins of a jurisdiction's subtree as one range of ids [lo, hi), the
// same set exchange::InSubtree describes: a province "PP0000" every id
// beginning "PP", a city "PPCC00" every id beginning "PPCC", a county
// "PPCCNN" itself and "PPCCNN.ORG" (the ids between "PPCCNN" and
// "PPCCNN/"), a department only itself; 100000 everything.
struct ScopeRange {
  bool all = true;
  std::string lo, hi;
};

ScopeRange RangeOf(const std::string& scope) {
  if (scope.empty() || scope == exchange::kRootNode) return {};
  if (scope.size() != 6) return {false, scope, scope + " "};  // a department: itself only
  std::size_t prefix = 6;
  if (scope.compare(2, 4, "0000") == 0) {
    prefix = 2;
  } else if (scope.compare(4, 2, "00") == 0) {
    prefix = 4;
  }
  if (prefix == 6) return {false, scope, scope + "/"};
  std::string lo = scope.substr(0, prefix), hi = lo;
  ++hi.back();  // "11" → "12", "1109" → "110:" (':' follows '9')
  return {false, lo, hi};
}

// " AND column >= 'lo' AND column < 'hi'" for a scope; "" for everything.
// The bounds are node ids (checked) and their successors: no quote in them.
std::string ScopeSql(const ScopeRange& s, const char* column) {
  if (s.all) return "";
  return std::string(" AND ") + column + " >= '" + s.lo + "' AND " + column + " < '" + s.hi + "'";
}

// The window the report reads: the period, extended back to the first
// month of the trends. It is cut into buckets at the start of the period
// and at the start of each month (instants at midnight UTC+8, or civil
// dates), so one GROUP BY per table yields the period and every month: a
// bucket lies inside one month, and wholly inside or outside the period.
struct Window {
  struct Bucket {
    bool period = false;
    int month = -1;  // index into months, -1 before the first
  };
  Instant start, until;            // [start, until)
  std::vector<std::int64_t> cuts;  // instants, ascending, in (start, until)
  std::vector<Bucket> buckets;     // cuts.size() + 1
  Date dstart, duntil;             // the same for civil dates
  std::vector<Date> dcuts;
  std::vector<Bucket> dbuckets;
  std::vector<Date> months;  // first days, oldest first (empty: no trends)

  std::size_t BucketOf(std::int64_t t) const {
    return static_cast<std::size_t>(std::upper_bound(cuts.begin(), cuts.end(), t) - cuts.begin());
  }
  // SQL: the bucket of an instant column ("0" when there is one bucket).
  std::string Sql(const char* column) const {
    if (cuts.empty()) return "0";
    std::string out = "(";
    for (std::size_t i = 0; i < cuts.size(); ++i) {
      out += (i ? " + (" : "(") + std::string(column) + " >= " + std::to_string(cuts[i]) + ")";
    }
    return out + ")";
  }
  // SQL: the bucket of a civil-date column ('YYYY-MM-DD').
  std::string DateSql(const std::string& column) const {
    if (dcuts.empty()) return "0";
    std::string out = "(";
    for (std::size_t i = 0; i < dcuts.size(); ++i) {
      out += (i ? " + (" : "(") + column + " >= '" + dcuts[i].ToString() + "')";
    }
    return out + ")";
  }
  const Bucket* At(std::int64_t b) const {
    return b >= 0 && static_cast<std::size_t>(b) < buckets.size()
               ? &buckets[static_cast<std::size_t>(b)]
               : nullptr;
  }
  const Bucket* DateAt(std::int64_t b) const {
    return b >= 0 && static_cast<std::size_t>(b) < dbuckets.size()
               ? &dbuckets[static_cast<std::size_t>(b)]
               : nullptr;
  }
};

Window MakeWindow(const Options& o) {
  Window w;
  w.until = o.until;
  w.duntil = o.until.ToDate();
  if (o.tree && o.trend_months > 0) {
    const Date last = Instant{std::max(o.since.seconds, o.until.seconds - 1)}.ToDate();
    int y = last.year, m = last.month;
    for (int i = 1; i < o.trend_months; ++i) {
      if (--m == 0) {
        m = 12;
        --y;
      }
    }
    for (int i = 0; i < o.trend_months; ++i) {
      w.months.push_back(Date{y, m, 1});
      if (++m == 13) {
        m = 1;
        ++y;
      }
    }
  }
  const Date dsince = o.since.ToDate();
  w.start = o.since;
  w.dstart = dsince;
  if (!w.months.empty()) {
    w.start = std::min(w.start, Instant::FromDate(w.months.front()));
    w.dstart = std::min(w.dstart, w.months.front());
  }
  std::vector<std::int64_t> cuts{o.since.seconds};
  std::vector<Date> dcuts{dsince};
  for (const Date& m : w.months) {
    cuts.push_back(Instant::FromDate(m).seconds);
    dcuts.push_back(m);
  }
  std::sort(cuts.begin(), cuts.end());
  std::sort(dcuts.begin(), dcuts.end());
  for (auto c : cuts) {
    if (c > w.start.seconds && c < w.until.seconds && (w.cuts.empty() || w.cuts.back() != c))
      w.cuts.push_back(c);
  }
  for (const auto& d : dcuts) {
    if (d > w.dstart && d < w.duntil && (w.dcuts.empty() || w.dcuts.back() != d))
      w.dcuts.push_back(d);
  }
  auto month_of = [&](Date lower) {
    int month = -1;
    for (std::size_t i = 0; i < w.months.size() && w.months[i] <= lower; ++i)
      month = static_cast<int>(i);
    return month;
  };
  for (std::size_t b = 0; b <= w.cuts.size(); ++b) {
    const Instant lower{b == 0 ? w.start.seconds : w.cuts[b - 1]};
    w.buckets.push_back({lower >= o.since, month_of(lower.ToDate())});
  }
  for (std::size_t b = 0; b <= w.dcuts.size(); ++b) {
    const Date lower = b == 0 ? w.dstart : w.dcuts[b - 1];
    w.dbuckets.push_back({lower >= dsince, month_of(lower)});
  }
  return w;
}

// What the report gathers per origin beyond its Tally: the lateness of each
// event of the period (for percentiles of any group), and its months.
struct OriginData {
  std::vector<std::int64_t> late;
  std::vector<MonthPoint> months;
};

class Gather {
 public:
  Gather(const Window& w) : m_window(w) {}
  OriginData& Of(const std::string& origin) {
    auto [it, fresh] = m_data.try_emplace(origin);
    if (fresh) it->second.months.resize(m_window.months.size());
    return it->second;
  }
  MonthPoint* Month(const std::string& origin, int month) {
    if (month < 0) return nullptr;
    return &Of(origin).months[static_cast<std::size_t>(month)];
  }
  std::map<std::string, OriginData>& All() { return m_data; }

 private:
  const Window& m_window;
  std::map<std::string, OriginData> m_data;
};

// The seven rates a Tally and a MonthPoint both carry, under the same names.
template <class Into, class From>
void AddRates(Into& into, const From& p) {
  AddRate(into.timely_acceptance, p.timely_acceptance);
  AddRate(into.on_time_completion, p.on_time_completion);
  AddRate(into.timely_routing, p.timely_routing);
  AddRate(into.satisfaction_bureau, p.satisfaction_bureau);
  AddRate(into.satisfaction_handler, p.satisfaction_handler);
  AddRate(into.participation_bureau, p.participation_bureau);
  AddRate(into.participation_handler, p.participation_handler);
}

void AddPoint(MonthPoint& into, const MonthPoint& p) {
  into.events += p.events;
  into.registrations += p.registrations;
  into.late += p.late;
  into.rejections += p.rejections;
  into.repeat_without_initial += p.repeat_without_initial;
  into.batches += p.batches;
  into.outdated_batches += p.outdated_batches;
  into.legal_handled += p.legal_handled;
  into.legal_not_directed += p.legal_not_directed;
  AddRates(into, p);
}

// The month's score: the report's formula with the month as its period,
// without open gaps and silence (they describe the present).
void ScorePoint(MonthPoint& p) {
  const bool any = p.events > 0 || p.rejections > 0 || p.batches > 0 || p.legal_handled > 0 ||
                   p.timely_acceptance.denominator > 0 || p.on_time_completion.denominator > 0;
  if (!any) {
    p.score.reset();
    return;
  }
  Tally t;
  t.events_received = p.events;
  t.registrations = p.registrations;
  t.rejections_total = p.rejections;
  t.repeat_without_initial = p.repeat_without_initial;
  t.lateness.events = p.events;
  t.lateness.over_bound = p.late;
  t.batches_received = p.batches;
  t.outdated_code_batches = p.outdated_batches;
  t.legal_cases_handled = p.legal_handled;
  t.legal_not_directed = p.legal_not_directed;
  t.timely_acceptance = p.timely_acceptance;
  t.on_time_completion = p.on_time_completion;
  Score(t, false);
  p.score = t.score;
}

// Adds an origin's counts into a group's (a subtree, a tree row).
void AddTally(Tally& into, const Tally& t) {
  into.events_received += t.events_received;
  into.registrations += t.registrations;
  into.batches_received += t.batches_received;
  for (const auto& [rule, n] : t.rejections) into.rejections[rule] += n;
  into.rejections_total += t.rejections_total;
  into.repeat_without_initial += t.repeat_without_initial;
  into.repeat_resolved_late += t.repeat_resolved_late;
  into.open_gaps += t.open_gaps;
  into.oldest_gap_seconds = std::max(into.oldest_gap_seconds, t.oldest_gap_seconds);
  into.outdated_code_batches += t.outdated_code_batches;
  into.legal_cases_handled += t.legal_cases_handled;
  into.legal_not_directed += t.legal_not_directed;
  AddRates(into, t);
  into.open_cases += t.open_cases;
  into.overdue_cases += t.overdue_cases;
  into.overdue_max_days = std::max(into.overdue_max_days, t.overdue_max_days);
}

Tally EmptyTally(const std::string& id) {
  Tally t;
  t.id = id;
  for (const char* r : kRejectionRules) t.rejections[r] = 0;
  return t;
}

// Whether the database has an index (migration 10's are absent before it).
bool HasIndex(sql::Db& db, const char* name) {
  bool found = false;
  (void)Query(
      db, "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1",
      [&](sql::Stmt& q) { q.Bind(1, std::string_view(name)); },
      [&](const sql::Stmt&) { found = true; });
  return found;
}

// Text of a column without a copy; empty for NULL. Valid until the next step.
std::string_view View(const sql::Stmt& q, int col) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(q.get(), col));
  return p == nullptr
             ? std::string_view()
             : std::string_view(p, static_cast<std::size_t>(sqlite3_column_bytes(q.get(), col)));
}

// One scan of the cases (of the scope) for everything the report reads from
// them: per origin the rates whose clocks fell due in each date bucket of
// the window (since ≤ due < until for the period, and each month), the
// evaluations and closures of each bucket (群众满意率, 参评率), and as of now
// the open cases, the overdue clocks and the most days over. Each due day
// is schema::ClockDue, the function xf_due calls (node/clock_sql.h).
Status ReadCases(sql::Db& db, const codes::CodeBook& book, const Options& o, const Window& w,
                 const ScopeRange& scope, const std::string& cases_from,
                 std::map<std::string, Tally>& origins, Gather& gather, Report& r,
                 std::set<int>& unknown_years) {
  const Date today = o.now.ToDate();
  const auto limit = static_cast<std::size_t>(o.max_listed);
  const auto satisfied = SatisfiedCodes(book);
  // Columns: 0 origin, 1 case_id, then the clock columns named in kDutyClocks, then the rest.
  const char* const kColumns[] = {"origin",
                                  "case_id",
                                  "received_date",
                                  "routed",
                                  "notice_start",
                                  "decided",
                                  "accepted",
                                  "completed",
                                  "review_requested",
                                  "review_decided",
                                  "rereview_requested",
                                  "rereview_decided",
                                  "extension_days",
                                  "extension_on",
                                  "closed",
                                  "eval_bureau",
                                  "eval_bureau_on",
                                  "eval_handler",
                                  "eval_handler_on",
                                  "anonymous"};
  std::string text = "SELECT ";
  for (std::size_t i = 0; i < std::size(kColumns); ++i)
    text += (i ? ", " : "") + std::string(kColumns[i]);
  text += " FROM " + cases_from + " WHERE 1" + ScopeSql(scope, "origin");
  auto column = [&](std::string_view name) {
    for (std::size_t i = 0; i < std::size(kColumns); ++i) {
      if (name == kColumns[i]) return static_cast<int>(i);
    }
    return -1;
  };
  struct ClockAt {
    const ClockColumns* columns;
    int start, met;
    Rate Tally::*rate = nullptr;  // the rate it counts in, if any
    Rate MonthPoint::*point = nullptr;
    std::string lookback;  // the earliest start that can fall due in the window
  };
  std::vector<ClockAt> clocks;
  for (const ClockColumns& c : kDutyClocks) {
    ClockAt a{&c, column(c.start), column(c.met)};
    if (c.clock == schema::Clock::kRoute) {
      a.rate = &Tally::timely_routing;
      a.point = &MonthPoint::timely_routing;
    } else if (c.clock == schema::Clock::kAcceptNotice) {
      a.rate = &Tally::timely_acceptance;
      a.point = &MonthPoint::timely_acceptance;
    } else if (c.clock == schema::Clock::kHandle) {
      a.rate = &Tally::on_time_completion;
      a.point = &MonthPoint::on_time_completion;
    }
    a.lookback = w.dstart.AddDays(-Lookback(c.clock, o.counting)).ToString();
    clocks.push_back(std::move(a));
  }
  const std::string dstart = w.dstart.ToString(), duntil = w.duntil.ToString();
  std::vector<std::string> dcuts;
  for (const Date& d : w.dcuts) dcuts.push_back(d.ToString());
  auto bucket_of = [&](std::string_view day) {
    return static_cast<std::size_t>(std::upper_bound(dcuts.begin(), dcuts.end(), day) -
                                    dcuts.begin());
  };
  const int c_ext_days = column("extension_days"), c_ext_on = column("extension_on"),
            c_closed = column("closed");
  const int c_eb = column("eval_bureau"), c_ebo = column("eval_bureau_on"),
            c_eh = column("eval_handler"), c_eho = column("eval_handler_on"),
            c_anon = column("anonymous"), c_accepted = column("accepted");

  constexpr std::size_t kClocks = std::size(kDutyClocks);
  std::vector<OverdueCase> by_clock[kClocks];
  for (const ClockColumns& c : kDutyClocks)
    r.overdue_totals[std::string(schema::InfoOf(c.clock).name)] = 0;
  std::string last_origin;
  Tally* tally = nullptr;
  bool have_origin = false;
  auto status = Query(db, text, nullptr, [&](const sql::Stmt& q) {
    const std::string_view origin = View(q, 0);
    if (!have_origin || origin != last_origin) {
      last_origin = std::string(origin);
      tally = nullptr;
      have_origin = true;
    }
    auto t = [&]() -> Tally& {
      if (tally == nullptr) tally = &TallyOf(origins, last_origin);
      return *tally;
    };
    // Adds a rate's case to the bucket of `day` (a civil date in the window).
    auto add = [&](std::string_view day, Rate Tally::*rate, Rate MonthPoint::*point, bool yes) {
      const Window::Bucket& b = w.dbuckets[bucket_of(day)];
      if (b.period) {
        Rate& x = t().*rate;
        ++x.denominator;
        x.numerator += yes ? 1 : 0;
      }
      if (MonthPoint* m = gather.Month(last_origin, b.month)) {
        ++(m->*point).denominator;
        (m->*point).numerator += yes ? 1 : 0;
      }
    };
    const bool open = q.IsNull(c_closed);
    std::int64_t worst = -1;
    for (std::size_t k = 0; k < kClocks; ++k) {
      const ClockAt& c = clocks[k];
      const std::string_view start_text = View(q, c.start);
      if (start_text.empty()) continue;
      const bool met = !q.IsNull(c.met);
      const bool rated = c.rate != nullptr && start_text >= c.lookback && start_text < duntil;
      const bool overdue_candidate = open && !met;
      if (!rated && !overdue_candidate) continue;
      const auto start = Date::Parse(start_text);
      if (!start) continue;
      int ext_days = 0;
      std::optional<Date> ext_on;
      if (c.columns->clock == schema::Clock::kHandle) {
        ext_days = static_cast<int>(q.Int(c_ext_days));
        ext_on = Date::Parse(View(q, c_ext_on));
      }
      const codes::DueDay due =
          schema::ClockDue(c.columns->clock, *start, *o.calendar, o.counting, ext_days, ext_on);
      if (!due.complete) unknown_years.insert(due.unknown_year);
      const std::string due_text = due.day.ToString();
      if (rated && due_text >= dstart && due_text < duntil) {
        add(due_text, c.rate, c.point, met && View(q, c.met) <= std::string_view(due_text));
      }
      if (overdue_candidate && due.day < today) {
        const std::string name(schema::InfoOf(c.columns->clock).name);
        ++r.overdue_totals[name];
        const std::int64_t days = today.DaysSinceEpoch() - due.day.DaysSinceEpoch();
        worst = std::max(worst, days);
        by_clock[k].push_back({std::string(View(q, 1)), last_origin, name, *start, due.day, days});
      }
    }
    if (open) {
      Tally& x = t();
      ++x.open_cases;
      if (worst >= 0) {
        ++x.overdue_cases;
        x.overdue_max_days = std::max(x.overdue_max_days, worst);
      }
    }
    // 群众满意率 of each target: the cases whose latest evaluation of it is of
    // the bucket; satisfied when that evaluation is 非常满意 or 满意 (or maps to them).
    if (const std::string_view on = View(q, c_ebo); !on.empty() && on >= dstart && on < duntil) {
      add(on, &Tally::satisfaction_bureau, &MonthPoint::satisfaction_bureau,
          satisfied.count(View(q, c_eb)) > 0);
    }
    if (const std::string_view on = View(q, c_eho); !on.empty() && on >= dstart && on < duntil) {
      add(on, &Tally::satisfaction_handler, &MonthPoint::satisfaction_handler,
          satisfied.count(View(q, c_eh)) > 0);
    }
    // 参评率: of the cases closed in the bucket and open to evaluation (not
    // anonymous; for the handling body, accepted), those evaluated.
    if (const std::string_view closed = View(q, c_closed);
        !closed.empty() && closed >= dstart && closed < duntil && q.Int(c_anon) == 0) {
      add(closed, &Tally::participation_bureau, &MonthPoint::participation_bureau,
          !View(q, c_eb).empty());
      if (!q.IsNull(c_accepted)) {
        add(closed, &Tally::participation_handler, &MonthPoint::participation_handler,
            !View(q, c_eh).empty());
      }
    }
  });
  if (!status) return status;
  auto order = [](const OverdueCase& a, const OverdueCase& b) {
    return std::tie(a.due, a.case_id) < std::tie(b.due, b.case_id);
  };
  for (auto& list : by_clock) {
    if (list.size() > limit) {
      std::partial_sort(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(limit), list.end(),
                        order);
      list.resize(limit);
    } else {
      std::sort(list.begin(), list.end(), order);
    }
    r.overdue.insert(r.overdue.end(), list.begin(), list.end());
  }
  std::stable_sort(r.overdue.begin(), r.overdue.end(), order);
  return {};
}

// The summaries sent up from below (absent before migration 3), of origins
// in the scope.
Status ReadReported(sql::Db& db, const ScopeRange& scope, Report& r) {
  auto exists = db.Prepare("SELECT 1 FROM sqlite_schema WHERE name = 'summaries'", false);
  if (!exists) return exists.error();
  auto row = exists->Step();
  if (!row) return row.error();
  if (!*row) return {};
  auto q = db.Prepare(
      "SELECT origin, generated, received_from, stored_at, json FROM summaries WHERE origin <> ?1" +
          ScopeSql(scope, "origin") + " ORDER BY origin",
      false);
  if (!q) return q.error();
  q->Bind(1, r.node_id);
  for (;;) {
    auto more = q->Step();
    if (!more) return more.error();
    if (!*more) return {};
    Reported x;
    x.origin = q->Text(0);
    x.generated = Instant{q->Int(1)};
    x.received_from = q->Text(2);
    x.stored_at = Instant{q->Int(3)};
    // Verified and bounded when it arrived; a part that does not parse is
    // shown without scores rather than failing the whole report.
    boost::system::error_code ec;
    const json::value v = json::parse(q->Text(4), ec);
    if (!ec && v.is_object()) {
      for (const auto* key : {"origins", "subtrees"}) {
        const auto* list = v.as_object().if_contains(key);
        if (list == nullptr || !list->is_array()) continue;
        for (const auto& t : list->as_array()) {
          const auto* o = t.if_object();
          if (o == nullptr) continue;
          const auto* id = o->if_contains("id");
          const auto* score = o->if_contains("score");
          if (id == nullptr || !id->is_string() || score == nullptr || !score->is_number()) continue;
          x.scores.push_back({std::string(id->get_string()), std::string(key) == "subtrees", score->to_number<double>()});
        }
      }
    }
    r.reported.push_back(std::move(x));
  }
}

// The tree row an origin belongs to on the page of `node`: the origin
// itself when it is `node`, else the child of `node` above it, else (outside
// the subtree) the origin itself as an "other" row.
std::pair<std::string, const char*> RowOf(const std::string& node, const std::string& origin) {
  if (origin == node) return {origin, "self"};
  if (!exchange::InSubtree(node, origin)) return {origin, "other"};
  std::string x = origin;
  for (int depth = 0; depth < 8; ++depth) {
    std::string up = ParentOf(x);
    if (up.empty() || up == node) return {x, "subtree"};
    x = std::move(up);
  }
  return {origin, "subtree"};
}

bool ContainsFolded(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != hay.end();
}

// The drill-down of the report's jurisdiction (see Tree).
Status BuildTree(sql::Db& db, const codes::CodeBook& book, const Options& o, const Window& w,
                 std::map<std::string, OriginData>& data, Report& r) {
  Tree tree;
  tree.node = !o.scope.empty()     ? o.scope
              : !o.node_id.empty() ? o.node_id
                                   : std::string(exchange::kRootNode);
  for (std::string x = tree.node; !x.empty(); x = ParentOf(x)) {
    tree.path.insert(tree.path.begin(), x);
    if (x == o.node_id) break;
  }
  for (const Date& m : w.months) tree.months.push_back(m.ToString().substr(0, 7));
  const std::size_t months = w.months.size();
  auto is_child = [&](const std::string& id) -> const ChildSeen* {
    for (const auto& c : r.children) {
      if (c.id == id) return &c;
    }
    return nullptr;
  };

  // Rows: every origin with records in the period, or in the months, or open cases.
  std::set<std::string> ids;
  for (const auto& t : r.origins) ids.insert(t.id);
  for (const auto& [id, d] : data) ids.insert(id);
  std::map<std::string, std::size_t> index;  // row id → rows
  std::vector<TreeRow> rows;
  std::vector<std::vector<std::int64_t>> row_late;
  std::vector<std::int64_t> total_late;
  tree.total = EmptyTally(tree.node);
  tree.trend.resize(months);
  std::map<std::string, const Tally*> by_id;
  for (const auto& t : r.origins) by_id[t.id] = &t;
  std::vector<const Tally*> in_subtree;
  for (const auto& id : ids) {
    const auto [row_id, kind] = RowOf(tree.node, id);
    auto [it, fresh] = index.try_emplace(row_id, rows.size());
    if (fresh) {
      TreeRow row;
      row.kind = kind;
      row.tally = EmptyTally(row_id);
      row.trend.resize(months);
      rows.push_back(std::move(row));
      row_late.emplace_back();
    }
    TreeRow& row = rows[it->second];
    ++row.origins;
    const auto t = by_id.find(id);
    const auto d = data.find(id);
    if (t != by_id.end()) AddTally(row.tally, *t->second);
    if (d != data.end()) {
      auto& late = row_late[it->second];
      late.insert(late.end(), d->second.late.begin(), d->second.late.end());
      for (std::size_t m = 0; m < months; ++m) AddPoint(row.trend[m], d->second.months[m]);
    }
    if (std::string(kind) == "other") continue;
    if (t != by_id.end()) {
      AddTally(tree.total, *t->second);
      in_subtree.push_back(t->second);
    }
    if (d != data.end()) {
      total_late.insert(total_late.end(), d->second.late.begin(), d->second.late.end());
      for (std::size_t m = 0; m < months; ++m) AddPoint(tree.trend[m], d->second.months[m]);
    }
  }
  // A configured child below the page is a row even when nothing came from it
  // (never heard from: silent), and so is a child that signed an account.
  bool has_summaries = false;
  if (auto s = Query(db, "SELECT 1 FROM sqlite_schema WHERE name = 'summaries'", nullptr,
                     [&](const sql::Stmt&) { has_summaries = true; });
      !s) {
    return s;
  }
  std::vector<std::string> listed_children;
  for (const auto& c : r.children) listed_children.push_back(c.id);
  if (has_summaries) {
    if (auto s = Query(
            db, "SELECT origin FROM summaries WHERE origin <> ?1",
            [&](sql::Stmt& q) { q.Bind(1, o.node_id); },
            [&](const sql::Stmt& q) {
              const std::string origin = q.Text(0);
              if (origin != tree.node && RowOf(tree.node, origin).first == origin) {
                listed_children.push_back(origin);
              }
            });
        !s) {
      return s;
    }
  }
  for (const auto& id : listed_children) {
    if (!exchange::InSubtree(tree.node, id)) continue;
    const auto [row_id, kind] = RowOf(tree.node, id);
    if (index.try_emplace(row_id, rows.size()).second) {
      TreeRow row;
      row.kind = kind;
      row.tally = EmptyTally(row_id);
      row.trend.resize(months);
      rows.push_back(std::move(row));
      row_late.emplace_back();
    }
  }
  const std::int64_t bound = std::int64_t{o.timeliness_hours} * 3600;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    TreeRow& row = rows[i];
    row.tally.lateness = FoldLateness(row_late[i], bound);
    const ChildSeen* c = row.kind == "subtree" ? is_child(row.tally.id) : nullptr;
    if (c != nullptr) {
      row.tally.last_batch = c->last_batch;
      row.tally.silent = c->silent;
    }
    Score(row.tally, c != nullptr);
    for (auto& p : row.trend) ScorePoint(p);
  }
  tree.total.lateness = FoldLateness(total_late, bound);
  const ChildSeen* self_link = is_child(tree.node);
  if (self_link != nullptr) {
    tree.total.last_batch = self_link->last_batch;
    tree.total.silent = self_link->silent;
  }
  Score(tree.total, self_link != nullptr);
  for (auto& p : tree.trend) ScorePoint(p);

  // Order: the jurisdiction's own records, its children as asked, then others by id.
  auto rank = [](const TreeRow& x) { return x.kind == "self" ? 0 : x.kind == "subtree" ? 1 : 2; };
  std::stable_sort(rows.begin(), rows.end(), [&](const TreeRow& a, const TreeRow& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (o.sort == SortBy::kScore && rank(a) == 1 && a.tally.score != b.tally.score)
      return a.tally.score < b.tally.score;
    return a.tally.id < b.tally.id;
  });
  tree.rows_total = rows.size();
  if (rows.size() > o.max_rows) rows.resize(o.max_rows);

  // Their own signed accounts: each child's, and the jurisdiction's own.
  if (has_summaries) {
    json::array wanted;
    for (const auto& row : rows) {
      if (row.kind == "subtree") wanted.emplace_back(row.tally.id);
    }
    if (tree.node != o.node_id) wanted.emplace_back(tree.node);
    std::map<std::string, Account> accounts;
    auto st = Query(
        db,
        "SELECT origin, generated, received_from, stored_at, json, signature FROM summaries "
        "WHERE origin IN (SELECT value FROM json_each(?1)) AND origin <> ?2",
        [&](sql::Stmt& q) { q.Bind(1, json::serialize(wanted)).Bind(2, o.node_id); },
        [&](const sql::Stmt& q) {
          const std::string origin = q.Text(0);
          const std::string text = q.Text(4);
          auto read = ReadAccount(text, origin);
          Account a = read ? std::move(read).value() : Account{};
          a.node = origin;
          a.generated = Instant{q.Int(1)};
          a.received_from = q.Text(2);
          a.stored_at = Instant{q.Int(3)};
          if (o.verify) a.verified = o.verify(origin, text, q.Text(5));
          accounts[origin] = std::move(a);
        });
    if (!st) return st;
    for (auto& row : rows) {
      if (row.kind != "subtree") continue;
      if (auto it = accounts.find(row.tally.id); it != accounts.end()) {
        row.account = std::move(it->second);
        CompareAccount(*row.account, row.tally);
      }
    }
    if (auto it = accounts.find(tree.node); it != accounts.end()) {
      tree.account = std::move(it->second);
      CompareAccount(*tree.account, tree.total);
    }
  }

  // One page of the origins in the subtree, filtered and ordered as asked.
  tree.sort = o.sort;
  tree.query = o.query;
  tree.page_size = std::max<std::size_t>(1, o.page_size);
  std::vector<const Tally*> matched;
  for (const Tally* t : in_subtree) {
    if (o.query.empty() || ContainsFolded(html::JurisdictionName(book, t->id), o.query))
      matched.push_back(t);
  }
  std::stable_sort(matched.begin(), matched.end(), [&](const Tally* a, const Tally* b) {
    if (o.sort == SortBy::kScore && a->score != b->score) return a->score < b->score;
    return a->id < b->id;
  });
  tree.origins_matched = matched.size();
  tree.pages = std::max<std::size_t>(1, (matched.size() + tree.page_size - 1) / tree.page_size);
  tree.page = std::clamp<std::size_t>(o.page, 1, tree.pages);
  for (std::size_t i = (tree.page - 1) * tree.page_size;
       i < matched.size() && i < tree.page * tree.page_size; ++i) {
    ListedOrigin x;
    x.id = matched[i]->id;
    if (const auto d = data.find(x.id); d != data.end()) x.trend = d->second.months;
    x.trend.resize(months);
    for (auto& p : x.trend) ScorePoint(p);
    tree.listed.push_back(std::move(x));
  }
  tree.rows = std::move(rows);
  r.tree = std::move(tree);
  return {};
}

}  // namespace

std::string ParentOf(std::string_view id) {
  if (id == exchange::kRootNode) return "";
  if (id.size() > 7 && id[6] == '.')
    return std::string(id.substr(0, 6));  // a department: its county
  if (id.size() != 6) return std::string(exchange::kRootNode);
  if (id.substr(2) == "0000") return std::string(exchange::kRootNode);     // a province
  if (id.substr(4) == "00") return std::string(id.substr(0, 2)) + "0000";  // a city
  return std::string(id.substr(0, 4)) + "00";                              // a county
}

const char* SortName(SortBy s) { return s == SortBy::kId ? "id" : "score"; }

const char* Light(double score) {
  if (score >= kGreenAt) return "green";
  if (score >= kAmberAt) return "amber";
  return "red";
}

const char* Light(const Tally& t) {
  if (t.score < kAmberAt || t.overdue_max_days > kOverdueRedDays) return "red";
  const bool share =
      t.overdue_cases > 0 &&
      static_cast<double>(t.overdue_cases) >=
          kOverdueAmberShare * static_cast<double>(std::max<std::int64_t>(1, t.open_cases));
  if (t.score < kGreenAt || share) return "amber";
  return "green";
}

Result<Report> Compute(sql::Db& db, const codes::CodeBook& book, Options o) {
  const bool since_asked = o.since.seconds != 0, until_asked = o.until.seconds != 0;
  // Instants are whole seconds: by default the period ends with the current
  // second, so what was stored in it (just now) is in.
  if (o.until.seconds == 0) o.until = Instant{o.now.seconds + 1};
  if (o.since.seconds == 0) o.since = Instant{o.until.seconds - std::int64_t{o.period_days} * kDay};
  if (!o.scope.empty() && !schema::IsNodeId(o.scope)) {
    return MakeError(Errc::kInvalidArgument,
                     "node '" + o.scope + "' is not a node id (6 digits, or 6 digits.ORG)");
  }
  Report r;
  r.node_id = o.node_id;
  r.code_version = book.Version();
  r.since = o.since;
  r.until = o.until;
  r.now = o.now;
  r.timeliness_hours = o.timeliness_hours;
  r.repeat_grace_hours = o.repeat_grace_hours;
  r.silent_hours = o.silent_hours;
  r.scope = o.scope;
  r.since_asked = since_asked;
  r.until_asked = until_asked;
  const std::int64_t bound = std::int64_t{o.timeliness_hours} * 3600;
  const auto limit = static_cast<std::int64_t>(o.max_listed);
  std::map<std::string, Tally> origins;
  const Bind period = [&](sql::Stmt& q) { q.Bind(1, o.since.seconds).Bind(2, o.until.seconds); };
  const ScopeRange scope = RangeOf(o.scope);
  const Window w = MakeWindow(o);
  Gather gather(w);
  const Bind window = [&](sql::Stmt& q) { q.Bind(1, w.start.seconds).Bind(2, w.until.seconds); };
  // Where a scoped query reads: the per-origin indexes of migration 10 when present.
  const bool scoped_events = !scope.all && HasIndex(db, "events_by_origin");
  const std::string events_from = scoped_events ? "events INDEXED BY events_by_origin" : "events";
  const std::string cases_from =
      !scope.all && HasIndex(db, "cases_by_origin") ? "cases INDEXED BY cases_by_origin" : "cases";
  const std::string legal_cases =
      cases_from == "cases" ? "cases c" : "cases c INDEXED BY cases_by_origin";

  // The legal clocks count with the code book's holiday calendar (or the one given).
  std::optional<codes::Calendar> own_calendar;
  if (o.calendar == nullptr) {
    auto c = codes::Calendar::FromBook(book);
    if (!c) return c.error();
    own_calendar = std::move(c).value();
    o.calendar = &*own_calendar;
  }
  r.calendar_version = o.calendar->Version();
  r.calendar_years = o.calendar->Years();
  r.counting = o.counting;
  {
    // The clocks' columns came with schema version 7.
    bool has_clocks = false;
    if (auto s = Query(db, "SELECT 1 FROM pragma_table_info('cases') WHERE name = 'notice_start'", nullptr,
                       [&](const sql::Stmt&) { has_clocks = true; });
        !s) {
      return s.error();
    }
    if (!has_clocks) {
      return MakeError(Errc::kInvalidArgument,
                       "the database predates the legal clocks (schema version 7): start the node once with this "
                       "xfnode (it upgrades the database), then ask again");
    }
  }
  ClockFunctions clock_sql(db, *o.calendar, o.counting);
  if (!clock_sql.Registered()) return clock_sql.Registered().error();

  // One read transaction: every query sees the same snapshot.
  if (auto s = db.Exec("BEGIN"); !s) return s.error();
  struct EndRead {
    sql::Db& db;
    ~EndRead() { (void)db.Exec("COMMIT"); }
  } end_read{db};

  // One scan of the events stored in the window (the period, and the months
  // of the trends before it): per origin the events and registrations of
  // the period and of each month, the lateness of each event of the period
  // (the percentiles are a sort per group below: as window functions in SQL
  // the same sort cost several times as much), and the events per civil day.
  std::map<std::int64_t, DayCount> days;
  {
    std::string last_origin;
    OriginData* d = nullptr;
    Tally* t = nullptr;
    DayCount* day = nullptr;
    std::int64_t day_no = -1;
    if (auto s = Query(db,
                       "SELECT origin, kind = 'registration', stored_at, occurred_at FROM " +
                           events_from + " WHERE stored_at >= ?1 AND stored_at < ?2" +
                           // 判重提示 are made by the levels above at once: counted apart (duplicates).
                           " AND kind <> 'duplicate_notice'" + ScopeSql(scope, "origin"),
                       window,
                       [&](const sql::Stmt& q) {
                         std::string origin = q.Text(0);
                         const bool registration = q.Int(1) != 0;
                         const std::int64_t stored = q.Int(2);
                         const std::int64_t late = std::max<std::int64_t>(0, stored - q.Int(3));
                         if (d == nullptr || origin != last_origin) {
                           d = &gather.Of(origin);
                           t = nullptr;
                           last_origin = std::move(origin);
                         }
                         const Window::Bucket& b = w.buckets[w.BucketOf(stored)];
                         if (b.period) {
                           if (t == nullptr) t = &TallyOf(origins, last_origin);
                           ++t->events_received;
                           t->registrations += registration ? 1 : 0;
                           d->late.push_back(late);
                           const std::int64_t n = (stored + 28800) / kDay;
                           if (n != day_no) {
                             day = &days[n];
                             day->day = Date::FromDays(n);
                             day_no = n;
                           }
                           ++day->events;
                           day->late += late > bound ? 1 : 0;
                         }
                         if (b.month >= 0) {
                           MonthPoint& m = d->months[static_cast<std::size_t>(b.month)];
                           ++m.events;
                           m.registrations += registration ? 1 : 0;
                           m.late += late > bound ? 1 : 0;
                         }
                       });
        !s) {
      return s.error();
    }
  }
  for (auto& [id, d] : gather.All()) {
    if (auto it = origins.find(id); it != origins.end())
      it->second.lateness = FoldLateness(d.late, bound);
  }
  if (auto s = Query(
          db,
          "SELECT origin, seq, case_id, occurred_at, stored_at, stored_at - occurred_at AS late "
          "FROM " +
              events_from +
              " WHERE stored_at >= ?1 AND stored_at < ?2 AND stored_at - occurred_at > ?3" +
              ScopeSql(scope, "origin") + " ORDER BY late DESC, origin, seq LIMIT ?4",
          [&](sql::Stmt& q) {
            period(q);
            q.Bind(3, bound).Bind(4, limit);
          },
          [&](const sql::Stmt& q) {
            r.late_events.push_back({q.Text(0) + ":" + std::to_string(q.Int(1)), q.Text(2),
                                     q.Text(0), Instant{q.Int(3)}, Instant{q.Int(4)}, q.Int(5)});
          });
      !s) {
    return s.error();
  }
  // R1–R3, R6, R7: what receipts rejected, by the node charged with it, rule
  // and field. A forged record (another origin's event in a batch, a bad
  // signature) is charged to the node that sent it, not to the origin it
  // names (issue 12); rows from before that distinction name their origin.
  if (auto s =
          Query(db,
                std::string("SELECT ") + kChargedTo + " AS who, rule, field, count(*) FROM rejections "
                    "WHERE at >= ?1 AND at < ?2" + ScopeSql(scope, kChargedTo) +
                    " GROUP BY who, rule, field ORDER BY who, rule, field",
                period,
                [&](const sql::Stmt& q) {
                  r.rejections.push_back({q.Text(0), q.Text(1), q.Text(2), q.Int(3)});
                  auto& t = TallyOf(origins, q.Text(0));
                  t.rejections[q.Text(1)] += q.Int(3);
                  t.rejections_total += q.Int(3);
                });
      !s) {
    return s.error();
  }
  // Rejections per civil day of the period, and per month.
  if (auto s =
          Query(db,
                "SELECT (at + 28800) / 86400, count(*) FROM rejections WHERE at >= ?1 AND at < ?2" +
                    ScopeSql(scope, kChargedTo) + " GROUP BY 1",
                period,
                [&](const sql::Stmt& q) {
                  DayCount& d = days[q.Int(0)];
                  d.day = Date::FromDays(q.Int(0));
                  d.rejections += q.Int(1);
                });
      !s) {
    return s.error();
  }
  for (auto& [n, d] : days) r.days.push_back(d);
  if (!w.months.empty()) {
    if (auto s = Query(db,
                       std::string("SELECT ") + kChargedTo + " AS who, " + w.Sql("at") +
                           " AS b, count(*) FROM rejections WHERE at >= ?1 AND at < ?2" +
                           ScopeSql(scope, kChargedTo) + " GROUP BY who, b",
                       window,
                       [&](const sql::Stmt& q) {
                         if (const auto* b = w.At(q.Int(1))) {
                           if (MonthPoint* m = gather.Month(q.Text(0), b->month))
                             m->rejections += q.Int(2);
                         }
                       });
        !s) {
      return s.error();
    }
  }
  // R4: repeat registrations, past the grace window, whose initial case is
  // still unknown here.
  std::int64_t repeats_total = 0;
  if (auto s = Query(
          db,
          std::string("SELECT origin, case_id, initial, stored_at FROM (") +
              RepeatsStored() + "\n  AND stored_at <= ?3" + ScopeSql(scope, "origin") +
              R"sql())
WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.case_id = initial)
ORDER BY stored_at, case_id)sql",
          [&](sql::Stmt& q) {
            window(q);
            q.Bind(3, o.now.seconds - std::int64_t{o.repeat_grace_hours} * 3600);
          },
          [&](const sql::Stmt& q) {
            const Window::Bucket& b = w.buckets[w.BucketOf(q.Int(3))];
            if (MonthPoint* m = gather.Month(q.Text(0), b.month)) ++m->repeat_without_initial;
            if (!b.period) return;
            ++repeats_total;
            ++TallyOf(origins, q.Text(0)).repeat_without_initial;
            if (r.repeats_without_initial.size() < o.max_listed) {
              r.repeats_without_initial.push_back(
                  {q.Text(1), q.Text(2), q.Text(0), Instant{q.Int(3)}});
            }
          });
      !s) {
    return s.error();
  }
  // 判重: the duplicate notices stored in the period on the scope's cases
  // (a case id begins with the node that registered it), by who found them;
  // and the repeat registrations that name their initial case.
  if (auto s = Query(
          db,
          "SELECT origin, count(*) FROM " + events_from +
              " WHERE kind = 'duplicate_notice' AND stored_at >= ?1 AND stored_at < ?2" +
              ScopeSql(scope, "case_id") + " GROUP BY origin",
          period,
          [&](const sql::Stmt& q) {
            r.duplicates.by_finder[q.Text(0)] = q.Int(1);
            r.duplicates.notices += q.Int(1);
            if (q.Text(0) == o.node_id) r.duplicates.found_here += q.Int(1);
          });
      !s) {
    return s.error();
  }
  if (auto s = Query(
          db,
          "SELECT count(DISTINCT case_id) FROM " + events_from +
              " WHERE kind = 'duplicate_notice' AND stored_at >= ?1 AND stored_at < ?2" + ScopeSql(scope, "case_id"),
          period, [&](const sql::Stmt& q) { r.duplicates.cases_noticed = q.Int(0); });
      !s) {
    return s.error();
  }
  if (auto s = Query(
          db,
          std::string("SELECT count(*) FROM (") + RepeatsStored() + ScopeSql(scope, "origin") +
              ") WHERE initial <> '')",
          period, [&](const sql::Stmt& q) { r.duplicates.linked_repeats = q.Int(0); });
      !s) {
    return s.error();
  }
  // R4 resolved late: repeat registrations of the period whose initial case
  // is known now but was stored here after the repeat's grace window ended.
  std::int64_t resolved_total = 0;
  if (auto s = Query(
          db,
          std::string(
              "SELECT r.origin, r.case_id, r.initial, r.stored_at, min(i.stored_at) FROM (") +
              RepeatsStored() + ScopeSql(scope, "origin") + R"sql()) r
JOIN events i ON i.case_id = r.initial AND i.kind = 'registration'
GROUP BY r.origin, r.case_id HAVING min(i.stored_at) > r.stored_at + ?3
ORDER BY r.stored_at, r.case_id)sql",
          [&](sql::Stmt& q) {
            period(q);
            q.Bind(3, std::int64_t{o.repeat_grace_hours} * 3600);
          },
          [&](const sql::Stmt& q) {
            ++resolved_total;
            ++TallyOf(origins, q.Text(0)).repeat_resolved_late;
            if (r.repeats_resolved_late.size() < o.max_listed) {
              r.repeats_resolved_late.push_back(
                  {q.Text(1), q.Text(2), q.Text(0), Instant{q.Int(3)}, Instant{q.Int(4)}});
            }
          });
      !s) {
    return s.error();
  }
  // Gaps: held batches wait behind a missing sequence number (now, not per period).
  if (auto s = Query(db,
                     "SELECT b.origin, b.stream, coalesce(s.next_seq, 1), count(*), "
                     "min(b.stored_at) FROM batches b "
                     "LEFT JOIN streams s ON s.origin = b.origin AND s.stream = b.stream WHERE "
                     "b.state = 'held'" +
                         ScopeSql(scope, "b.origin") +
                         " GROUP BY b.origin, b.stream ORDER BY b.origin, b.stream",
                     nullptr,
                     [&](const sql::Stmt& q) {
                       Gap g{q.Text(0), q.Text(1), static_cast<std::uint64_t>(q.Int(2)), q.Int(3), Instant{q.Int(4)},
                             std::max<std::int64_t>(0, o.now.seconds - q.Int(4))};
                       auto& t = TallyOf(origins, g.origin);
                       ++t.open_gaps;
                       t.oldest_gap_seconds = std::max(t.oldest_gap_seconds, g.open_seconds);
                       r.gaps.push_back(std::move(g));
                     });
      !s) {
    return s.error();
  }
  // Received batches, and those written against another code-table version,
  // per bucket of the window.
  const std::string version = book.Version();
  if (auto s = Query(
          db,
          "SELECT origin, " + w.Sql("stored_at") +
              " AS b, count(*), sum(code_version <> ?3) FROM batches "
              "WHERE state <> 'own' AND stored_at >= ?1 AND stored_at < ?2" +
              ScopeSql(scope, "origin") + " GROUP BY origin, b",
          [&](sql::Stmt& q) {
            window(q);
            q.Bind(3, version);
          },
          [&](const sql::Stmt& q) {
            const auto* b = w.At(q.Int(1));
            if (b == nullptr) return;
            if (b->period) {
              auto& t = TallyOf(origins, q.Text(0));
              t.batches_received += q.Int(2);
              t.outdated_code_batches += q.Int(3);
            }
            if (MonthPoint* m = gather.Month(q.Text(0), b->month)) {
              m->batches += q.Int(2);
              m->outdated_batches += q.Int(3);
            }
          });
      !s) {
    return s.error();
  }
  if (auto s = Query(
          db,
          "SELECT batch_id, origin, code_version FROM batches WHERE state <> 'own' AND stored_at "
          ">= ?1 "
          "AND stored_at < ?2 AND code_version <> ?3" +
              ScopeSql(scope, "origin") + " ORDER BY stored_at, batch_id LIMIT ?4",
          [&](sql::Stmt& q) {
            period(q);
            q.Bind(3, version).Bind(4, limit);
          },
          [&](const sql::Stmt& q) {
            r.outdated_batches.push_back({q.Text(0), q.Text(1), q.Text(2)});
          });
      !s) {
    return s.error();
  }
  // 涉法涉诉 cases handled or closed in a bucket without ever being directed
  // into legal procedure (a handling event with method 07xxxx): one row per
  // case and bucket with such an event (CROSS JOIN: from the few legal
  // cases to their events, not from every event of the window).
  std::int64_t legal_total = 0;
  {
    std::set<std::string> in_period;
    std::set<std::pair<std::string, int>> in_month;
    if (auto s = Query(
            db,
            "SELECT c.origin, c.case_id, c.content_category, " + w.Sql("x.stored_at") + R"sql( AS b,
       EXISTS (SELECT 1 FROM legal_procedure_cases l WHERE l.case_id = c.case_id)
FROM )sql" + legal_cases +
                R"sql( CROSS JOIN events x ON x.case_id = c.case_id AND x.kind IN ('handling', 'closure')
WHERE c.content_category IN (SELECT value FROM json_each(?3))
  AND x.stored_at >= ?1 AND x.stored_at < ?2)sql" +
                ScopeSql(scope, "c.origin") + " GROUP BY c.case_id, b ORDER BY c.origin, c.case_id",
            [&](sql::Stmt& q) {
              window(q);
              q.Bind(3, LegalCategories(book));
            },
            [&](const sql::Stmt& q) {
              const auto* b = w.At(q.Int(3));
              if (b == nullptr) return;
              const std::string origin = q.Text(0), case_id = q.Text(1);
              const bool directed = q.Int(4) != 0;
              if (b->month >= 0 && in_month.insert({case_id, b->month}).second) {
                if (MonthPoint* m = gather.Month(origin, b->month)) {
                  ++m->legal_handled;
                  m->legal_not_directed += directed ? 0 : 1;
                }
              }
              if (!b->period || !in_period.insert(case_id).second) return;
              auto& t = TallyOf(origins, origin);
              ++t.legal_cases_handled;
              if (!directed) {
                ++t.legal_not_directed;
                ++legal_total;
                if (r.legal_not_directed.size() < o.max_listed) {
                  r.legal_not_directed.push_back({case_id, origin, q.Text(2)});
                }
              }
            });
        !s) {
      return s.error();
    }
  }
  std::set<int> unknown_years;
  if (auto st = ReadCases(db, book, o, w, scope, cases_from, origins, gather, r, unknown_years);
      !st) {
    return st.error();
  }

  // Children (those within the scope): the last batch each one sent here,
  // in one scan of the batches.
  std::map<std::string, Instant> last_from;
  {
    json::array ids;
    for (const auto& child : o.children) {
      if (o.scope.empty() || exchange::InSubtree(o.scope, child)) ids.emplace_back(child);
    }
    if (!ids.empty()) {
      if (auto s = Query(
              db,
              "SELECT received_from, max(stored_at) FROM batches "
              "WHERE received_from IN (SELECT value FROM json_each(?1)) GROUP BY received_from",
              [&](sql::Stmt& q) { q.Bind(1, json::serialize(ids)); },
              [&](const sql::Stmt& q) { last_from[q.Text(0)] = Instant{q.Int(1)}; });
          !s) {
        return s.error();
      }
    }
  }
  for (const auto& child : o.children) {
    if (!o.scope.empty() && !exchange::InSubtree(o.scope, child)) continue;
    ChildSeen c{child, std::nullopt, std::nullopt, true};
    if (const auto it = last_from.find(child); it != last_from.end()) c.last_batch = it->second;
    if (c.last_batch) {
      c.silent_seconds = std::max<std::int64_t>(0, o.now.seconds - c.last_batch->seconds);
      c.silent = *c.silent_seconds > std::int64_t{o.silent_hours} * 3600;
    }
    r.children.push_back(std::move(c));
  }

  // Origins silent for longer than the bound, by their own last batch here.
  std::int64_t silent_total = 0;
  if (auto s = Query(
          db,
          R"sql(
SELECT origin, max(stored_at) AS last FROM batches WHERE received_from <> '')sql" +
              ScopeSql(scope, "origin") + R"sql(
GROUP BY origin HAVING ?1 - last > ?2 ORDER BY last, origin)sql",
          [&](sql::Stmt& q) {
            q.Bind(1, o.now.seconds).Bind(2, std::int64_t{o.silent_hours} * 3600);
          },
          [&](const sql::Stmt& q) {
            ++silent_total;
            if (r.silent_origins.size() < o.max_listed) {
              r.silent_origins.push_back({q.Text(0), Instant{q.Int(1)}, o.now.seconds - q.Int(1)});
            }
          });
      !s) {
    return s.error();
  }

  // Roll-up per configured child subtree (within the scope): counts add up;
  // percentiles are computed again over the subtree's events (origin →
  // child mapping), not averaged.
  std::vector<std::string> children;
  for (const auto& child : o.children) {
    if (o.scope.empty() || exchange::InSubtree(o.scope, child)) children.push_back(child);
  }
  std::map<std::string, std::string> mapping;
  for (auto& [id, t] : origins) {
    Score(t, false);
    for (const auto& child : children) {
      if (exchange::InSubtree(child, id)) {
        mapping[id] = child;
        break;
      }
    }
  }
  std::map<std::string, Lateness> sub_lateness;
  {
    std::map<std::string, std::vector<std::int64_t>> late_by_child;
    for (auto& [id, d] : gather.All()) {
      if (const auto it = mapping.find(id); it != mapping.end()) {
        auto& into = late_by_child[it->second];
        into.insert(into.end(), d.late.begin(), d.late.end());
      }
    }
    for (auto& [child, late] : late_by_child) sub_lateness[child] = FoldLateness(late, bound);
  }
  for (const auto& child : children) {
    Tally sub = EmptyTally(child);
    for (const auto& [id, t] : origins) {
      if (const auto it = mapping.find(id); it != mapping.end() && it->second == child)
        AddTally(sub, t);
    }
    if (auto it = sub_lateness.find(child); it != sub_lateness.end()) sub.lateness = it->second;
    for (const auto& c : r.children) {
      if (c.id == child) {
        sub.last_batch = c.last_batch;
        sub.silent = c.silent;
      }
    }
    Score(sub, true);
    r.subtrees.push_back(std::move(sub));
  }
  for (auto& [id, t] : origins) r.origins.push_back(std::move(t));
  if (auto s = ReadReported(db, scope, r); !s) return s.error();
  if (o.tree) {
    if (auto s = BuildTree(db, book, o, w, gather.All(), r); !s) return s.error();
  }
  std::int64_t late_total = 0, outdated_total = 0, overdue_total = 0;
  for (const auto& t : r.origins) {
    late_total += t.lateness.over_bound;
    outdated_total += t.outdated_code_batches;
  }
  for (const auto& [clock, n] : r.overdue_totals) overdue_total += n;
  r.list_totals = {{"late_events", late_total},
                   {"repeats_without_initial", repeats_total},
                   {"repeats_resolved_late", resolved_total},
                   {"silent_origins", silent_total},
                   {"outdated_batches", outdated_total},
                   {"legal_not_directed", legal_total},
                   {"overdue", overdue_total}};
  unknown_years.insert(clock_sql.UnknownYears().begin(), clock_sql.UnknownYears().end());
  r.unknown_years.assign(unknown_years.begin(), unknown_years.end());
  return r;
}

// ---- signed accounts ----------------------------------------------------------

namespace {

// A count from another node's JSON: an integer (or an integral number) in
// [0, 10^12]; anything else is 0.
std::int64_t CountOf(const json::object* o, std::string_view key) {
  if (o == nullptr) return 0;
  const json::value* v = o->if_contains(key);
  if (v == nullptr) return 0;
  double d = 0;
  if (v->is_int64()) {
    d = static_cast<double>(v->get_int64());
  } else if (v->is_uint64()) {
    d = static_cast<double>(v->get_uint64());
  } else if (v->is_double()) {
    d = v->get_double();
  } else {
    return 0;
  }
  if (!std::isfinite(d) || d <= 0) return 0;
  return static_cast<std::int64_t>(std::min(d, 1e12));
}

const json::object* ObjectOf(const json::object* o, std::string_view key) {
  if (o == nullptr) return nullptr;
  const json::value* v = o->if_contains(key);
  return v == nullptr ? nullptr : v->if_object();
}

// Differ by more than one, and by more than 1 % of the larger.
bool CountsDiffer(std::int64_t a, std::int64_t b) {
  const std::int64_t d = a > b ? a - b : b - a;
  return d > 1 && static_cast<double>(d) > 0.01 * static_cast<double>(std::max(a, b));
}

bool RatesDiffer(const Rate& a, const Rate& b) {
  const auto x = a.Value(), y = b.Value();
  if (!x || !y) return x.has_value() != y.has_value();
  return std::abs(*x - *y) >= 0.01;
}

}  // namespace

Result<Account> ReadAccount(std::string_view text, const std::string& node) {
  constexpr std::size_t kMax = 2u << 20;  // node/summary.h refuses larger summaries
  if (text.size() > kMax)
    return MakeError(Errc::kLimit, "summary larger than " + std::to_string(kMax) + " bytes");
  json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec, {}, opts);
  if (ec) return MakeError(Errc::kInvalidArgument, "summary is not JSON: " + ec.message());
  const json::object* doc = v.if_object();
  if (doc == nullptr) return MakeError(Errc::kInvalidArgument, "summary is not a JSON object");
  Account a;
  a.node = node;
  for (const auto& [key, into] :
       {std::pair<const char*, std::optional<Instant>*>{"since", &a.since}, {"until", &a.until}}) {
    if (const auto* x = doc->if_contains(key); x != nullptr && x->is_string())
      *into = Instant::Parse(x->get_string());
  }
  a.tally.id = node;
  for (const char* rule : kRejectionRules) a.tally.rejections[rule] = 0;
  const json::value* list = doc->if_contains("origins");
  if (list != nullptr && list->is_array()) {
    for (const json::value& item : list->get_array()) {
      const json::object* o = item.if_object();
      if (o == nullptr) continue;
      const json::value* id = o->if_contains("id");
      if (id == nullptr || !id->is_string() || !exchange::InSubtree(node, id->get_string()))
        continue;
      Tally& t = a.tally;
      t.events_received += CountOf(o, "events_received");
      t.registrations += CountOf(o, "registrations");
      t.batches_received += CountOf(o, "batches_received");
      if (const json::object* rej = ObjectOf(o, "rejections")) {
        for (const auto& [rule, n] : *rej) {
          if (rule.size() == 2 && rule[0] == 'R' && rule[1] >= '1' && rule[1] <= '9') {
            t.rejections[std::string(rule)] += CountOf(rej, rule);
          }
        }
        t.rejections_total += CountOf(rej, "total");
      }
      t.repeat_without_initial += CountOf(o, "repeat_without_initial");
      t.repeat_resolved_late += CountOf(o, "repeat_resolved_late");
      const json::object* late = ObjectOf(o, "lateness");
      t.lateness.events += CountOf(late, "events");
      t.lateness.over_bound += CountOf(late, "over_bound");
      t.lateness.max = std::max(t.lateness.max, CountOf(late, "max_seconds"));
      const json::object* gaps = ObjectOf(o, "gaps");
      t.open_gaps += CountOf(gaps, "open");
      t.oldest_gap_seconds = std::max(t.oldest_gap_seconds, CountOf(gaps, "oldest_seconds"));
      t.outdated_code_batches += CountOf(o, "outdated_code_batches");
      const json::object* legal = ObjectOf(o, "legal");
      t.legal_cases_handled += CountOf(legal, "handled");
      t.legal_not_directed += CountOf(legal, "not_directed");
      const json::object* rates = ObjectOf(o, "rates");
      for (const auto& [name, rate] :
           {std::pair<const char*, Rate Tally::*>{"timely_acceptance", &Tally::timely_acceptance},
            {"on_time_completion", &Tally::on_time_completion},
            {"timely_routing", &Tally::timely_routing},
            {"satisfaction_bureau", &Tally::satisfaction_bureau},
            {"participation_bureau", &Tally::participation_bureau},
            {"satisfaction_handler", &Tally::satisfaction_handler},
            {"participation_handler", &Tally::participation_handler}}) {
        const json::object* x = ObjectOf(rates, name);
        const std::int64_t den = CountOf(x, "denominator");
        AddRate(t.*rate, {std::min(CountOf(x, "numerator"), den), den});
      }
      if (const json::object* overdue = ObjectOf(o, "overdue")) {
        a.overdue_reported = true;
        t.open_cases += CountOf(overdue, "open_cases");
        t.overdue_cases += CountOf(overdue, "cases");
        t.overdue_max_days = std::max(t.overdue_max_days, CountOf(overdue, "max_days"));
      }
    }
  }
  Score(a.tally, false);
  a.readable = true;
  return a;
}

void CompareAccount(Account& a, const Tally& ours) {
  a.differs.clear();
  if (!a.readable) return;
  const Tally& theirs = a.tally;
  if (std::abs(theirs.score - ours.score) >= 1.0) a.differs.push_back("score");
  if (CountsDiffer(theirs.events_received, ours.events_received))
    a.differs.push_back("events_received");
  if (CountsDiffer(theirs.rejections_total, ours.rejections_total))
    a.differs.push_back("rejections");
  if (CountsDiffer(theirs.lateness.over_bound, ours.lateness.over_bound))
    a.differs.push_back("late");
  if (a.overdue_reported && CountsDiffer(theirs.overdue_cases, ours.overdue_cases))
    a.differs.push_back("overdue_cases");
  if (RatesDiffer(theirs.timely_acceptance, ours.timely_acceptance))
    a.differs.push_back("timely_acceptance");
  if (RatesDiffer(theirs.on_time_completion, ours.on_time_completion))
    a.differs.push_back("on_time_completion");
  if (RatesDiffer(theirs.timely_routing, ours.timely_routing))
    a.differs.push_back("timely_routing");
}

Options OptionsFor(const NodeConfig& config, Instant now) {
  Options o;
  o.now = now;
  o.node_id = config.node_id;
  for (const auto& c : config.children) o.children.push_back(c.id);
  o.timeliness_hours = config.timeliness_bound_hours;
  o.repeat_grace_hours = config.repeat_grace_hours;
  o.silent_hours = config.conformance.silent_hours;
  o.period_days = config.conformance.period_days;
  o.max_listed = config.conformance.max_listed;
  o.counting = config.counting;
  return o;
}

Result<Report> ComputeFromFile(const std::filesystem::path& db_file, const codes::CodeBook& book, Options options) {
  if (!std::filesystem::exists(db_file)) {
    return MakeError(Errc::kNotFound, "no database at " + db_file.string());
  }
  auto db = sql::Db::OpenReadOnly(db_file);
  if (!db) return db.error();
  return Compute(*db, book, std::move(options));
}

// ---- rendering --------------------------------------------------------------

std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) {  // not UTF-8: one column, as a replacement character shows
      ++width;
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    const bool combining = (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
                           (cp >= 0xFE00 && cp <= 0xFE0F);
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
                      (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
                      (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += combining ? 0 : wide ? 2 : 1;
  }
  return width;
}

namespace {

json::value RateJson(const Rate& r) {
  json::object o;
  o["numerator"] = r.numerator;
  o["denominator"] = r.denominator;
  const auto v = r.Value();
  o["value"] = v ? json::value(std::round(*v * 10000) / 10000) : json::value(nullptr);
  return o;
}

json::value OptInstant(const std::optional<Instant>& t) {
  return t ? json::value(t->ToString()) : json::value(nullptr);
}

json::object TallyJson(const Tally& t, bool subtree) {
  json::object o;
  o["id"] = t.id;
  o["score"] = t.score;
  json::object d;
  for (const auto& [k, v] : t.deductions) d[k] = v;
  o["deductions"] = std::move(d);
  o["events_received"] = t.events_received;
  o["registrations"] = t.registrations;
  o["batches_received"] = t.batches_received;
  json::object rej;
  for (const auto& [k, v] : t.rejections) rej[k] = v;
  rej["total"] = t.rejections_total;
  o["rejections"] = std::move(rej);
  o["repeat_without_initial"] = t.repeat_without_initial;
  o["repeat_resolved_late"] = t.repeat_resolved_late;
  o["lateness"] = {{"events", t.lateness.events},         {"p50_seconds", t.lateness.p50},
                   {"p95_seconds", t.lateness.p95},       {"max_seconds", t.lateness.max},
                   {"over_bound", t.lateness.over_bound}};
  o["gaps"] = {{"open", t.open_gaps}, {"oldest_seconds", t.oldest_gap_seconds}};
  o["outdated_code_batches"] = t.outdated_code_batches;
  o["legal"] = {{"handled", t.legal_cases_handled}, {"not_directed", t.legal_not_directed}};
  o["rates"] = {{"timely_acceptance", RateJson(t.timely_acceptance)},
                {"on_time_completion", RateJson(t.on_time_completion)},
                {"timely_routing", RateJson(t.timely_routing)},
                {"satisfaction_bureau", RateJson(t.satisfaction_bureau)},
                {"participation_bureau", RateJson(t.participation_bureau)},
                {"satisfaction_handler", RateJson(t.satisfaction_handler)},
                {"participation_handler", RateJson(t.participation_handler)}};
  o["overdue"] = {
      {"open_cases", t.open_cases}, {"cases", t.overdue_cases}, {"max_days", t.overdue_max_days}};
  o["light"] = Light(t);
  if (subtree) {
    o["last_batch"] = OptInstant(t.last_batch);
    o["silent"] = t.silent;
  }
  return o;
}

json::object PointJson(const MonthPoint& p) {
  json::object o;
  o["month"] = p.month;
  o["score"] = p.score ? json::value(*p.score) : json::value(nullptr);
  o["events"] = p.events;
  o["late"] = p.late;
  o["rejections"] = p.rejections;
  o["rates"] = {{"timely_acceptance", RateJson(p.timely_acceptance)},
                {"on_time_completion", RateJson(p.on_time_completion)},
                {"timely_routing", RateJson(p.timely_routing)},
                {"satisfaction_bureau", RateJson(p.satisfaction_bureau)},
                {"participation_bureau", RateJson(p.participation_bureau)},
                {"satisfaction_handler", RateJson(p.satisfaction_handler)},
                {"participation_handler", RateJson(p.participation_handler)}};
  return o;
}

json::array TrendJson(const std::vector<MonthPoint>& points,
                      const std::vector<std::string>& months) {
  json::array out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    MonthPoint p = points[i];
    if (i < months.size()) p.month = months[i];
    out.push_back(PointJson(p));
  }
  return out;
}

json::value AccountJson(const std::optional<Account>& a) {
  if (!a) return nullptr;
  json::object o;
  o["node"] = a->node;
  o["generated"] = a->generated.ToString();
  o["stored_at"] = a->stored_at.ToString();
  o["received_from"] = a->received_from;
  o["since"] = OptInstant(a->since);
  o["until"] = OptInstant(a->until);
  o["verified"] = a->verified ? json::value(*a->verified) : json::value(nullptr);
  o["readable"] = a->readable;
  o["tally"] = a->readable ? json::value(TallyJson(a->tally, false)) : json::value(nullptr);
  json::array differs;
  for (const auto& d : a->differs) differs.emplace_back(d);
  o["differs"] = std::move(differs);
  return o;
}

std::string Percent(const Rate& r) {
  const auto v = r.Value();
  if (!v) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << *v * 100 << "% " << r.numerator << "/" << r.denominator;
  return s.str();
}

// A table of text in columns that line up on a terminal: widths are counted
// in display columns (a CJK character takes two), cells padded with spaces.
class TextTable {
 public:
  struct Column {
    std::string title;
    bool right;  // numbers right-aligned
  };
  explicit TextTable(std::vector<Column> columns) : m_columns(std::move(columns)) {}
  void Row(std::vector<std::string> cells) { m_rows.push_back(std::move(cells)); }
  void Write(std::ostream& out) const {
    std::vector<std::size_t> width(m_columns.size(), 0);
    for (std::size_t i = 0; i < m_columns.size(); ++i) width[i] = DisplayWidth(m_columns[i].title);
    for (const auto& row : m_rows) {
      for (std::size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], DisplayWidth(row[i]));
    }
    auto line = [&](auto cell) {
      std::string text = "  ";
      for (std::size_t i = 0; i < m_columns.size(); ++i) {
        const std::string c = cell(i);
        const std::size_t pad = width[i] - std::min(width[i], DisplayWidth(c));
        if (i > 0) text += "  ";
        if (m_columns[i].right) text.append(pad, ' ');
        text += c;
        if (!m_columns[i].right) text.append(pad, ' ');
      }
      while (!text.empty() && text.back() == ' ') text.pop_back();
      out << text << "\n";
    };
    line([&](std::size_t i) { return m_columns[i].title; });
    for (const auto& row : m_rows) line([&](std::size_t i) { return i < row.size() ? row[i] : std::string(); });
  }

 private:
  std::vector<Column> m_columns;
  std::vector<std::vector<std::string>> m_rows;
};

}  // namespace

std::string ToJson(const Report& r) {
  json::object o;
  o["node_id"] = r.node_id;
  {
    json::object by;
    for (const auto& [k, v] : r.duplicates.by_finder) by[k] = v;
    o["duplicates"] = {{"notices", r.duplicates.notices},
                       {"cases_noticed", r.duplicates.cases_noticed},
                       {"found_here", r.duplicates.found_here},
                       {"linked_repeats", r.duplicates.linked_repeats},
                       {"by_finder", std::move(by)}};
  }
  o["code_version"] = r.code_version;
  o["since"] = r.since.ToString();
  o["until"] = r.until.ToString();
  o["now"] = r.now.ToString();
  o["bounds"] = {{"timeliness_hours", r.timeliness_hours},
                 {"repeat_grace_hours", r.repeat_grace_hours},
                 {"silent_hours", r.silent_hours}};
  // Whole points: written as integers (Boost.JSON would print 25.0 as 2.5E1).
  auto points = [](double w) { return static_cast<std::int64_t>(w); };
  o["weights"] = {{"rejections", points(weight::kRejections)},
                  {"repeat_without_initial", points(weight::kRepeat)},
                  {"lateness", points(weight::kLateness)},
                  {"gap_each", points(weight::kGapEach)},
                  {"gaps_max", points(weight::kGapMax)},
                  {"silent", points(weight::kSilent)},
                  {"outdated_codes", points(weight::kOutdatedCodes)},
                  {"legal_not_directed", points(weight::kLegal)},
                  {"timely_acceptance", points(weight::kAcceptance)},
                  {"on_time_completion", points(weight::kCompletion)}};
  json::array origins, subtrees;
  for (const auto& t : r.origins) origins.push_back(TallyJson(t, false));
  for (const auto& t : r.subtrees) subtrees.push_back(TallyJson(t, true));
  o["origins"] = std::move(origins);
  o["subtrees"] = std::move(subtrees);
  json::array rej, late, repeats, repeats_late, gaps, children, outdated, legal, silent_origins;
  for (const auto& x : r.rejections) {
    rej.push_back({{"origin", x.origin}, {"rule", x.rule}, {"field", x.field}, {"count", x.count}});
  }
  for (const auto& x : r.late_events) {
    late.push_back({{"event_id", x.event_id},
                    {"case_id", x.case_id},
                    {"origin", x.origin},
                    {"occurred_at", x.occurred_at.ToString()},
                    {"stored_at", x.stored_at.ToString()},
                    {"lateness_seconds", x.lateness_seconds}});
  }
  for (const auto& x : r.repeats_without_initial) {
    repeats.push_back({{"case_id", x.case_id},
                       {"initial_case_id", x.initial_case_id},
                       {"origin", x.origin},
                       {"stored_at", x.stored_at.ToString()}});
  }
  for (const auto& x : r.gaps) {
    gaps.push_back({{"origin", x.origin},
                    {"stream", x.stream},
                    {"next_seq", x.next_seq},
                    {"held", x.held},
                    {"since", x.since.ToString()},
                    {"open_seconds", x.open_seconds}});
  }
  for (const auto& x : r.children) {
    children.push_back({{"id", x.id},
                        {"last_batch", OptInstant(x.last_batch)},
                        {"silent_seconds", x.silent_seconds ? json::value(*x.silent_seconds) : json::value(nullptr)},
                        {"silent", x.silent}});
  }
  for (const auto& x : r.silent_origins) {
    silent_origins.push_back(
        {{"origin", x.origin}, {"last_batch", x.last_batch.ToString()}, {"silent_seconds", x.silent_seconds}});
  }
  o["silent_origins"] = std::move(silent_origins);
  for (const auto& x : r.outdated_batches) {
    outdated.push_back({{"batch_id", x.batch_id}, {"origin", x.origin}, {"code_version", x.code_version}});
  }
  for (const auto& x : r.legal_not_directed) {
    legal.push_back({{"case_id", x.case_id}, {"origin", x.origin}, {"content_category", x.content_category}});
  }
  o["rejections"] = std::move(rej);
  o["late_events"] = std::move(late);
  o["repeats_without_initial"] = std::move(repeats);
  for (const auto& x : r.repeats_resolved_late) {
    repeats_late.push_back({{"case_id", x.case_id},
                            {"initial_case_id", x.initial_case_id},
                            {"origin", x.origin},
                            {"stored_at", x.stored_at.ToString()},
                            {"initial_stored_at", x.initial_stored_at.ToString()}});
  }
  o["repeats_resolved_late"] = std::move(repeats_late);
  o["gaps"] = std::move(gaps);
  o["children"] = std::move(children);
  o["outdated_batches"] = std::move(outdated);
  o["legal_not_directed"] = std::move(legal);
  json::array days;
  for (const auto& x : r.days) {
    days.push_back({{"day", x.day.ToString()}, {"events", x.events}, {"late", x.late}, {"rejections", x.rejections}});
  }
  o["days"] = std::move(days);
  json::array reported;
  for (const auto& x : r.reported) {
    json::array scores;
    for (const auto& sc : x.scores) {
      scores.push_back({{"id", sc.id}, {"subtree", sc.subtree}, {"score", sc.score}});
    }
    reported.push_back({{"origin", x.origin},
                        {"generated", x.generated.ToString()},
                        {"received_from", x.received_from},
                        {"stored_at", x.stored_at.ToString()},
                        {"scores", std::move(scores)}});
  }
  o["reported"] = std::move(reported);
  json::array overdue;
  for (const auto& x : r.overdue) {
    const auto clock = schema::ClockFromName(x.clock);
    overdue.push_back({{"case_id", x.case_id},
                       {"origin", x.origin},
                       {"clock", x.clock},
                       {"label", clock ? schema::InfoOf(*clock).label : std::string_view()},
                       {"start", x.start.ToString()},
                       {"due", x.due.ToString()},
                       {"days_over", x.days_over}});
  }
  json::object totals;
  for (const auto& [clock, n] : r.overdue_totals) totals[clock] = n;
  o["overdue"] = {{"totals", std::move(totals)}, {"cases", std::move(overdue)}};
  json::array years, unknown;
  for (int y : r.calendar_years) years.push_back(y);
  for (int y : r.unknown_years) unknown.push_back(y);
  o["calendar"] = {{"version", r.calendar_version},
                   {"years", std::move(years)},
                   {"counting", codes::CountingName(r.counting)},
                   {"unknown_years", std::move(unknown)}};
  o["scope"] = r.scope;
  json::object list_totals;
  for (const auto& [k, n] : r.list_totals) list_totals[k] = n;
  o["list_totals"] = std::move(list_totals);
  if (!r.tree) {
    o["tree"] = nullptr;
    return JsonText(o);
  }
  const Tree& t = *r.tree;
  json::object tree;
  tree["node"] = t.node;
  json::array path, months, rows, listed;
  for (const auto& p : t.path) path.emplace_back(p);
  for (const auto& m : t.months) months.emplace_back(m);
  tree["path"] = std::move(path);
  tree["total"] = TallyJson(t.total, false);
  tree["account"] = AccountJson(t.account);
  tree["months"] = std::move(months);
  tree["trend"] = TrendJson(t.trend, t.months);
  for (const auto& row : t.rows) {
    json::object x = TallyJson(row.tally, true);
    x["kind"] = row.kind;
    x["origins"] = row.origins;
    x["account"] = AccountJson(row.account);
    x["trend"] = TrendJson(row.trend, t.months);
    rows.push_back(std::move(x));
  }
  tree["rows"] = std::move(rows);
  tree["rows_total"] = t.rows_total;
  for (const auto& x : t.listed)
    listed.push_back({{"id", x.id}, {"trend", TrendJson(x.trend, t.months)}});
  tree["origins"] = {
      {"sort", SortName(t.sort)},   {"query", t.query}, {"page", t.page},
      {"page_size", t.page_size},   {"pages", t.pages}, {"matched", t.origins_matched},
      {"listed", std::move(listed)}};
  o["tree"] = std::move(tree);
  return JsonText(o);
}

// The traffic light's word: 绿/黄/红 (green/amber/red).
std::string LightLabel(const char* light, bool en) {
  if (en) return light;
  const std::string_view l(light);
  return l == "green" ? "绿" : l == "amber" ? "黄" : l == "red" ? "红" : std::string(light);
}

std::string ToText(const Report& r, const codes::CodeBook* book, bool en) {
  std::ostringstream s;
  // The words in Chinese, or in English when en.
  auto W = [en](const char* zh, const char* english) { return std::string(en ? english : zh); };
  auto Hours = [en](std::int64_t seconds) { return text::Duration(seconds, en); };
  auto Light = [&](const Tally& t) { return LightLabel(conformance::Light(t), en); };
  auto At = [](Instant t) { return text::LocalTime(t); };
  if (en) {
    s << "Conformance report of node " << r.node_id << " (code tables " << r.code_version << ")\n"
      << "period " << At(r.since) << " .. " << At(r.until) << ", as of " << At(r.now) << "\n"
      << "bounds: timeliness " << Hours(r.timeliness_hours * 3600) << ", repeat grace "
      << Hours(r.repeat_grace_hours * 3600) << ", silent " << Hours(r.silent_hours * 3600) << "\n"
      << "legal clocks: " << (r.counting == codes::Counting::kWorkingDays ? "working days" : "calendar days")
      << ", holiday calendar " << (r.calendar_version.empty() ? std::string("(none)") : r.calendar_version);
  } else {
    s << "节点 " << r.node_id << " 的规范性报告（代码表 " << r.code_version << "）\n"
      << "统计期 " << At(r.since) << " 至 " << At(r.until) << "，截至 " << At(r.now) << "\n"
      << "界限：及时性 " << Hours(r.timeliness_hours * 3600) << "，重件宽限 " << Hours(r.repeat_grace_hours * 3600)
      << "，沉默 " << Hours(r.silent_hours * 3600) << "\n"
      << "法定时限：" << (r.counting == codes::Counting::kWorkingDays ? "工作日" : "自然日") << "，节假日历 "
      << (r.calendar_version.empty() ? std::string("（无）") : r.calendar_version);
  }
  if (!r.calendar_years.empty()) s << " (" << r.calendar_years.front() << "-" << r.calendar_years.back() << ")";
  s << "\n";
  if (!r.unknown_years.empty()) {
    std::string years;
    for (int y : r.unknown_years) years += " " + std::to_string(y);
    if (en) {
      s << "WARNING: due dates in" << years << " were counted with weekends only: the holiday calendar lacks "
        << (r.unknown_years.size() == 1 ? "that year" : "those years") << " (codes/README.md, \"holiday\")\n";
    } else {
      s << "警告：" << years.substr(1) << " 年的到期日只按周末计算：节假日历缺少这些年份（codes/README.md，\"holiday\"）\n";
    }
  }
  auto name = [&](const std::string& id) {
    return book != nullptr ? html::JurisdictionName(*book, id) : id;
  };
  auto more = [&](const char* list, std::size_t shown) {
    const auto it = r.list_totals.find(list);
    if (it != r.list_totals.end() && it->second > static_cast<std::int64_t>(shown)) {
      s << "  …" << (en ? "" : "另有 ") << it->second - static_cast<std::int64_t>(shown) << (en ? " more" : " 项") << "\n";
    }
  };
  auto table = [&](const std::string& title, const std::vector<const Tally*>& list,
                   std::size_t hidden) {
    s << "\n" << title << "\n";
    TextTable t({{W("辖区", "jurisdiction"), false},
                 {W("信号灯", "light"), false},
                 {W("得分", "score"), true},
                 {W("事件", "events"), true},
                 {W("拒收", "rej"), true},
                 {"R4", true},
                 {W("延迟中位", "p50"), true},
                 {W("延迟p95", "p95"), true},
                 {W("最大延迟", "max"), true},
                 {W("超时", "late"), true},
                 {W("缺口", "gaps"), true},
                 {W("旧代码", "codes"), true},
                 {W("涉法", "legal"), true},
                 {W("超期", "overdue"), true},
                 {"", false}});
    for (const Tally* x : list) {
      std::ostringstream score;
      score << std::fixed << std::setprecision(1) << x->score;
      std::string overdue = std::to_string(x->overdue_cases) + "/" + std::to_string(x->open_cases);
      if (x->overdue_cases > 0) overdue += " (" + std::to_string(x->overdue_max_days) + W(" 天", "d") + ")";
      t.Row({name(x->id), Light(*x), score.str(), std::to_string(x->events_received),
             std::to_string(x->rejections_total), std::to_string(x->repeat_without_initial),
             Hours(x->lateness.p50), Hours(x->lateness.p95), Hours(x->lateness.max),
             std::to_string(x->lateness.over_bound), std::to_string(x->open_gaps),
             std::to_string(x->outdated_code_batches), std::to_string(x->legal_not_directed),
             overdue, x->silent ? W("沉默", "SILENT") : ""});
    }
    if (list.empty()) {
      s << W("  （无）\n", "  (none)\n");
      return;
    }
    t.Write(s);
    if (hidden > 0) s << "  …" << (en ? "" : "另有 ") << hidden << (en ? " more" : " 项") << "\n";
    s << "\n" << title << W("各项比率（分子/分母；无应办事项为 -）\n", " the rates (numerator/denominator; - when nothing was due)\n");
    TextTable rates({{W("辖区", "jurisdiction"), false},
                     {"及时受理率", true},
                     {"按期办结率", true},
                     {"及时转送交办率", true},
                     {"满意率·信访部门", true},
                     {"参评率·信访部门", true},
                     {"满意率·责任单位", true},
                     {"参评率·责任单位", true}});
    for (const Tally* x : list) {
      rates.Row({name(x->id), Percent(x->timely_acceptance), Percent(x->on_time_completion),
                 Percent(x->timely_routing), Percent(x->satisfaction_bureau),
                 Percent(x->participation_bureau), Percent(x->satisfaction_handler),
                 Percent(x->participation_handler)});
    }
    rates.Write(s);
    if (hidden > 0) s << "  …" << (en ? "" : "另有 ") << hidden << (en ? " more" : " 项") << "\n";
  };
  if (r.tree) {
    const Tree& tr = *r.tree;
    s << W("\n辖区 ", "\nJurisdiction ") << name(tr.node) << " (";
    for (std::size_t i = 0; i < tr.path.size(); ++i) s << (i ? " > " : "") << tr.path[i];
    s << "): " << std::fixed << std::setprecision(1) << tr.total.score << " " << Light(tr.total);
    if (en) {
      s << ", overdue " << tr.total.overdue_cases << " of " << tr.total.open_cases << " open cases";
      if (tr.total.overdue_cases > 0) s << " (most " << tr.total.overdue_max_days << " days)";
    } else {
      s << "，未办结 " << tr.total.open_cases << " 件中超期 " << tr.total.overdue_cases << " 件";
      if (tr.total.overdue_cases > 0) s << "（最长超期 " << tr.total.overdue_max_days << " 天）";
    }
    s << "\n";
    std::vector<const Tally*> rows;
    for (const auto& x : tr.rows) rows.push_back(&x.tally);
    table(
        en ? std::string("Jurisdictions (") + (tr.sort == SortBy::kId ? "by id" : "worst first") + "):"
           : std::string("下级辖区（") + (tr.sort == SortBy::kId ? "按编号" : "最差在前") + "）：",
        rows, tr.rows_total - tr.rows.size());
    bool any_account = tr.account.has_value();
    for (const auto& x : tr.rows) any_account = any_account || x.account.has_value();
    if (any_account) {
      s << W("\n下级自报的签名汇总（上报摘要）与本节点计算并列；* 表示不一致：\n",
             "\nTheir own signed accounts (upward summaries) beside this node's computation; * marks "
             "a difference:\n");
      TextTable t({{W("辖区", "jurisdiction"), false},
                   {W("签名", "signature"), false},
                   {W("生成时间", "generated"), false},
                   {W("得分", "score"), true},
                   {W("自报", "theirs"), true},
                   {W("事件", "events"), true},
                   {W("自报", "theirs"), true},
                   {W("拒收", "rej"), true},
                   {W("自报", "theirs"), true},
                   {W("不一致", "differs"), false}});
      auto row = [&](const Tally& ours, const Account& a) {
        auto mark = [&](const char* field) {
          return std::find(a.differs.begin(), a.differs.end(), field) != a.differs.end() ? "*" : "";
        };
        std::ostringstream ours_score, their_score;
        ours_score << std::fixed << std::setprecision(1) << ours.score;
        their_score << std::fixed << std::setprecision(1) << a.tally.score;
        std::string differs;
        for (const auto& d : a.differs) differs += (differs.empty() ? "" : ",") + d;
        t.Row({name(a.node),
               !a.verified   ? W("无密钥", "no key")
               : *a.verified ? W("已验证", "verified")
                             : W("验证未通过", "NOT VERIFIED"),
               At(a.generated), ours_score.str(),
               a.readable ? their_score.str() + mark("score") : "-",
               std::to_string(ours.events_received),
               a.readable ? std::to_string(a.tally.events_received) + mark("events_received") : "-",
               std::to_string(ours.rejections_total),
               a.readable ? std::to_string(a.tally.rejections_total) + mark("rejections") : "-",
               differs});
      };
      if (tr.account) row(tr.total, *tr.account);
      for (const auto& x : tr.rows) {
        if (x.account) row(x.tally, *x.account);
      }
      t.Write(s);
    }
    std::map<std::string, const Tally*> by_id;
    for (const auto& x : r.origins) by_id[x.id] = &x;
    std::vector<const Tally*> listed;
    for (const auto& x : tr.listed) {
      if (auto it = by_id.find(x.id); it != by_id.end()) listed.push_back(it->second);
    }
    std::ostringstream title;
    if (en) {
      title << "Origins of " << tr.node << ", page " << tr.page << " of " << tr.pages << " ("
            << tr.origins_matched << (tr.query.empty() ? " origins" : " matching '" + tr.query + "'")
            << ", " << (tr.sort == SortBy::kId ? "by id" : "worst first") << "):";
    } else {
      title << tr.node << " 的来源节点，第 " << tr.page << " / " << tr.pages << " 页（"
            << (tr.query.empty() ? "" : "匹配 '" + tr.query + "' 的") << tr.origins_matched << " 个，"
            << (tr.sort == SortBy::kId ? "按编号" : "最差在前") << "）：";
    }
    const std::size_t after = std::min(tr.origins_matched, tr.page * tr.page_size);
    table(title.str(), listed, tr.origins_matched - after);
  } else {
    std::vector<const Tally*> list;
    for (const auto& x : r.origins) list.push_back(&x);
    table(W("各来源节点：", "Per origin:"), list, 0);
    list.clear();
    for (const auto& x : r.subtrees) list.push_back(&x);
    if (!list.empty()) table(W("各下级子树：", "Per child subtree:"), list, 0);
  }
  if (!r.rejections.empty()) {
    s << W("\n拒收：\n", "\nRejections:\n");
    TextTable t({{W("来源", "origin"), false}, {W("规则", "rule"), false}, {W("字段", "field"), false}, {W("次数", "count"), true}});
    for (const auto& x : r.rejections) {
      t.Row({x.origin, en ? x.rule : RejectionLine(x.rule, "", ""),
             x.field.empty() ? "-" : (en ? x.field : FieldWords(x.field)), std::to_string(x.count)});
    }
    t.Write(s);
  }
  if (!r.late_events.empty()) {
    s << (en ? "\nEvents over the " + Hours(r.timeliness_hours * 3600) + " bound (worst first):\n"
             : "\n超过 " + Hours(r.timeliness_hours * 3600) + " 界限的事件（最差在前）：\n");
    TextTable t({{W("事件", "event"), false}, {W("信访件", "case"), false}, {W("发生", "occurred"), false},
                 {W("存入", "stored"), false}, {W("延迟", "late"), true}});
    for (const auto& x : r.late_events) {
      t.Row({x.event_id, x.case_id, At(x.occurred_at), At(x.stored_at), Hours(x.lateness_seconds)});
    }
    t.Write(s);
    more("late_events", r.late_events.size());
  }
  if (!r.repeats_without_initial.empty()) {
    s << W("\n本节点不知其初件的重件（R4）：\n", "\nRepeat cases whose initial case is unknown here (R4):\n");
    for (const auto& x : r.repeats_without_initial) {
      if (en) {
        s << "  " << x.case_id << " names " << x.initial_case_id << " (from " << x.origin << ")\n";
      } else {
        s << "  " << x.case_id << " 的初件为 " << x.initial_case_id << "（来自 " << x.origin << "）\n";
      }
    }
    more("repeats_without_initial", r.repeats_without_initial.size());
  }
  if (!r.repeats_resolved_late.empty()) {
    s << W("\n初件在宽限期后才到的重件（R4，迟到但保留）：\n",
           "\nRepeat cases whose initial case arrived after the grace window (R4, kept late):\n");
    for (const auto& x : r.repeats_resolved_late) {
      if (en) {
        s << "  " << x.case_id << " stored " << At(x.stored_at) << ", its initial " << x.initial_case_id << " only "
          << At(x.initial_stored_at) << " (from " << x.origin << ")\n";
      } else {
        s << "  " << x.case_id << " 存入于 " << At(x.stored_at) << "，其初件 " << x.initial_case_id << " 直到 "
          << At(x.initial_stored_at) << " 才到（来自 " << x.origin << "）\n";
      }
    }
    more("repeats_resolved_late", r.repeats_resolved_late.size());
  }
  if (!r.gaps.empty()) {
    s << W("\n序列缺口：\n", "\nGaps in sequences:\n");
    for (const auto& x : r.gaps) {
      if (en) {
        s << "  " << x.origin << " " << x.stream << " missing #" << x.next_seq << ", " << x.held
          << " batch(es) held, open " << Hours(x.open_seconds) << "\n";
      } else {
        s << "  " << x.origin << " " << x.stream << " 缺 #" << x.next_seq << "，暂存 " << x.held << " 个批次，已持续 "
          << Hours(x.open_seconds) << "\n";
      }
    }
  }
  if (!r.children.empty()) {
    s << W("\n下级节点：\n", "\nChildren:\n");
    for (const auto& x : r.children) {
      s << "  " << x.id << W(" 最近批次 ", " last batch ") << (x.last_batch ? At(*x.last_batch) : W("从未", "never"))
        << (x.silent ? W("  沉默", "  SILENT") : "") << "\n";
    }
  }
  if (!r.silent_origins.empty()) {
    s << (en ? "\nOrigins silent for more than " + Hours(r.silent_hours * 3600) + " (by their last batch here):\n"
             : "\n沉默超过 " + Hours(r.silent_hours * 3600) + " 的来源节点（按其最近到达本节点的批次）：\n");
    for (const auto& x : r.silent_origins) {
      s << "  " << x.origin << W(" 最近批次 ", " last batch ") << At(x.last_batch) << W("，已沉默 ", ", silent ")
        << Hours(x.silent_seconds) << "\n";
    }
    more("silent_origins", r.silent_origins.size());
  }
  if (!r.outdated_batches.empty()) {
    s << (en ? "\nBatches written against another code-table version (this node has " + r.code_version + "):\n"
             : "\n按其他代码表版本编写的批次（本节点为 " + r.code_version + "）：\n");
    for (const auto& x : r.outdated_batches) s << "  " << x.batch_id << " " << x.code_version << "\n";
    more("outdated_batches", r.outdated_batches.size());
  }
  std::int64_t overdue_total = 0;
  for (const auto& [clock, n] : r.overdue_totals) overdue_total += n;
  if (overdue_total > 0) {
    s << (en ? "\nOverdue as of " + r.now.ToDate().ToString() +
                   " (a step not taken by the last day of its clock, case not closed):"
             : "\n截至 " + r.now.ToDate().ToString() + " 超期（某一步骤在其时限最后一天前未完成，且未办结）：");
    const char* sep = " ";
    for (const auto& info : schema::Clocks()) {
      if (auto it = r.overdue_totals.find(std::string(info.name)); it != r.overdue_totals.end()) {
        s << sep << info.label << " " << it->second;
        sep = ", ";
      }
    }
    s << "\n";
    TextTable t({{W("信访件", "case"), false}, {W("来源", "origin"), false}, {W("时限", "clock"), false},
                 {W("起算", "start"), false}, {W("到期", "due"), false}, {W("超期天数", "days over"), true}});
    for (const auto& x : r.overdue) {
      const auto clock = schema::ClockFromName(x.clock);
      t.Row({x.case_id, x.origin, clock ? std::string(schema::InfoOf(*clock).label) : x.clock, x.start.ToString(),
             x.due.ToString(), std::to_string(x.days_over)});
    }
    t.Write(s);
    more("overdue", r.overdue.size());
  }
  if (!r.reported.empty()) {
    s << W("\n下级上报的签名汇总（各节点自己的报告，以其生成时为准）：\n",
           "\nSigned summaries from below (each node's own report, as of when it made it):\n");
    for (const auto& x : r.reported) {
      if (en) {
        s << "  " << x.origin << " as of " << At(x.generated) << " (via " << x.received_from << "):";
      } else {
        s << "  " << x.origin << " 截至 " << At(x.generated) << "（经 " << x.received_from << "）：";
      }
      for (const auto& sc : x.scores) {
        s << " " << (sc.subtree ? W("子树 ", "subtree ") : "") << sc.id << " " << std::fixed << std::setprecision(1)
          << sc.score;
      }
      s << "\n";
    }
  }
  if (!r.legal_not_directed.empty()) {
    s << W("\n未导入法律程序的涉法涉诉信访件（070000）：\n", "\n涉法涉诉 cases not directed into legal procedure (070000):\n");
    for (const auto& x : r.legal_not_directed) {
      s << "  " << x.case_id << " (" << x.content_category << W("，来自 ", ", from ") << x.origin << ")\n";
    }
    more("legal_not_directed", r.legal_not_directed.size());
  }
  return s.str();
}

namespace {

void WriteJson(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(kv.key());
        out += ':';
        WriteJson(out, kv.value());
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out += ',';
        first = false;
        WriteJson(out, x);
      }
      out += ']';
      return;
    }
    case json::kind::double_: {
      const double d = v.get_double();
      if (!std::isfinite(d)) {
        out += "null";
        return;
      }
      char buf[64];
      // Shortest fixed notation that reads back as the same double.
      const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      if (ec != std::errc()) {
        out += json::serialize(v);  // cannot happen for rounded scores and rates
        return;
      }
      std::string_view text(buf, static_cast<std::size_t>(end - buf));
      out += text == "-0" ? "0" : text;
      if (text.find('.') == std::string_view::npos) out += ".0";
      return;
    }
    default:
      out += json::serialize(v);
  }
}

}  // namespace

std::string JsonText(const json::value& v) {
  std::string out;
  WriteJson(out, v);
  return out;
}

}  // namespace xf::node::conformance

#include "node/conformance.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <iomanip>
#include <optional>
#include <sstream>
#include <tuple>

#include <boost/json.hpp>

#include "exchange/routing.h"
#include "node/clock_sql.h"
#include "schema/clocks.h"

namespace xf::node::conformance {

namespace json = boost::json;

namespace {

constexpr std::int64_t kDay = 86400;
// The rules a receiver can reject on: always present, so the JSON shape is stable.
constexpr const char* kRejectionRules[] = {"R1", "R2", "R3", "R6", "R7"};
// The repeat registrations stored in [?1, ?2), each with the initial case id
// it names, as rows (origin, case_id, stored_at, initial), to follow "FROM (";
// the caller may add conditions on the events read and closes both
// parentheses. Only registrations that say
// <repeat>true</repeat> are cut open (text in the XML is escaped, so the tag
// cannot be forged); the WHERE repeats the partial index events_repeats term
// for term, so only those rows are read.
constexpr const char* kRepeatsStored = R"sql(
  SELECT origin, case_id, stored_at,
         substr(x, instr(x, '<initial_case_id>') + 17,
                instr(x, '</initial_case_id>') - instr(x, '<initial_case_id>') - 17) AS initial
  FROM (SELECT origin, case_id, stored_at, CAST(xml AS TEXT) AS x FROM events
        WHERE kind = 'registration' AND instr(CAST(xml AS TEXT), '<repeat>true</repeat>') > 0
          AND stored_at >= ?1 AND stored_at < ?2)sql";

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
std::string SatisfiedCodes(const codes::CodeBook& book) {
  json::array out;
  for (const auto* e : book.Entries(codes::table::kSatisfaction)) {
    std::string rank = e->code;
    if (const auto at = e->note.find("maps_to="); at != std::string::npos) {
      rank.clear();
      for (std::size_t i = at + 8; i < e->note.size() && e->note[i] >= '0' && e->note[i] <= '9'; ++i) {
        rank.push_back(e->note[i]);
      }
    }
    if (rank == "1" || rank == "2") out.emplace_back(e->code);
  }
  return json::serialize(out);
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

// SQL for the due day of a clock of the row at hand (node/clock_sql.h).
std::string DueSql(const ClockColumns& c) {
  const std::string name(schema::InfoOf(c.clock).name);
  if (c.clock == schema::Clock::kHandle) {
    return std::string("xf_due('") + name + "', " + c.start + ", extension_days, extension_on)";
  }
  return std::string("xf_due('") + name + "', " + c.start + ")";
}

// How many days before the period a clock may start and still fall due in
// it: its days (and an extension), counted as working days at most twice as
// long, plus the longest run of rest days a last day can be moved over.
std::int64_t Lookback(schema::Clock clock, codes::Counting counting) {
  std::int64_t days = schema::InfoOf(clock).days;
  if (clock == schema::Clock::kHandle) days += schema::kMaxExtensionDays;
  if (counting == codes::Counting::kWorkingDays) days *= 2;
  return days + 30;
}

// Overdue as of now: a duty clock whose step was not taken, on a case not
// closed, past its last day. The totals, and the most overdue of each clock.
Status ReadOverdue(sql::Db& db, const Options& o, Report& r) {
  const Date today = o.now.ToDate();
  const auto limit = static_cast<std::int64_t>(o.max_listed);
  for (const ClockColumns& c : kDutyClocks) {
    const std::string name(schema::InfoOf(c.clock).name);
    std::int64_t& total = r.overdue_totals[name];
    const std::string text = "SELECT origin, case_id, start, due FROM (SELECT origin, case_id, " + std::string(c.start) +
                             " AS start, " + DueSql(c) + " AS due FROM cases WHERE " + c.start + " IS NOT NULL AND " +
                             c.met + " IS NULL AND closed IS NULL) WHERE due < ?1 ORDER BY due, case_id";
    auto st = Query(db, text, [&](sql::Stmt& q) { q.Bind(1, today.ToString()); },
                    [&](const sql::Stmt& q) {
                      ++total;
                      if (total > limit) return;
                      const auto start = Date::Parse(q.Text(2));
                      const auto due = Date::Parse(q.Text(3));
                      if (!start || !due) return;
                      r.overdue.push_back({q.Text(1), q.Text(0), name, *start, *due,
                                           today.DaysSinceEpoch() - due->DaysSinceEpoch()});
                    });
    if (!st) return st;
  }
  std::stable_sort(r.overdue.begin(), r.overdue.end(), [](const OverdueCase& a, const OverdueCase& b) {
    return std::tie(a.due, a.case_id) < std::tie(b.due, b.case_id);
  });
  return {};
}

// The rates over the clocks that fell due in the period (since ≤ due < until,
// civil dates at UTC+8), and the evaluations and closures of the period.
Status ReadRates(sql::Db& db, const codes::CodeBook& book, const Options& o, std::map<std::string, Tally>& origins) {
  const std::string since = o.since.ToDate().ToString();
  const std::string until = o.until.ToDate().ToString();
  struct RateOf {
    const ClockColumns& columns;
    Rate Tally::*rate;
  };
  const RateOf clocks[] = {{kDutyClocks[1], &Tally::timely_acceptance},
                           {kDutyClocks[2], &Tally::on_time_completion},
                           {kDutyClocks[0], &Tally::timely_routing}};
  for (const RateOf& x : clocks) {
    const ClockColumns& c = x.columns;
    // Only clocks started late enough to fall due in the period are counted
    // out (the WHERE on the start column keeps xf_due off the other rows).
    const std::string text = "SELECT origin, count(*), sum(met IS NOT NULL AND met <= due) FROM (SELECT origin, " +
                             std::string(c.met) + " AS met, " + DueSql(c) + " AS due FROM cases WHERE " + c.start +
                             " >= ?3 AND " + c.start + " < ?2) WHERE due >= ?1 AND due < ?2 GROUP BY origin";
    const std::string lookback =
        o.since.ToDate().AddDays(-Lookback(c.clock, o.counting)).ToString();
    auto st = Query(db, text, [&](sql::Stmt& q) { q.Bind(1, since).Bind(2, until).Bind(3, lookback); },
                    [&](const sql::Stmt& q) { TallyOf(origins, q.Text(0)).*(x.rate) = {q.Int(2), q.Int(1)}; });
    if (!st) return st;
  }
  // 群众满意率 of each target: the cases whose latest evaluation of it is of
  // the period; satisfied when that evaluation is 非常满意 or 满意 (or maps to them).
  if (auto st = Query(db, R"sql(
SELECT origin,
       sum(eval_bureau_on >= ?1 AND eval_bureau_on < ?2),
       sum(eval_bureau_on >= ?1 AND eval_bureau_on < ?2 AND eval_bureau IN (SELECT value FROM json_each(?3))),
       sum(eval_handler_on >= ?1 AND eval_handler_on < ?2),
       sum(eval_handler_on >= ?1 AND eval_handler_on < ?2 AND eval_handler IN (SELECT value FROM json_each(?3)))
FROM cases
WHERE (eval_bureau_on >= ?1 AND eval_bureau_on < ?2) OR (eval_handler_on >= ?1 AND eval_handler_on < ?2)
GROUP BY origin)sql",
                      [&](sql::Stmt& q) { q.Bind(1, since).Bind(2, until).Bind(3, SatisfiedCodes(book)); },
                      [&](const sql::Stmt& q) {
                        auto& t = TallyOf(origins, q.Text(0));
                        t.satisfaction_bureau = {q.Int(2), q.Int(1)};
                        t.satisfaction_handler = {q.Int(4), q.Int(3)};
                      });
      !st) {
    return st;
  }
  // 参评率: of the cases closed in the period and open to evaluation (not
  // anonymous; for the handling body, accepted), those evaluated.
  return Query(db, R"sql(
SELECT origin, count(*), sum(eval_bureau <> ''), sum(accepted IS NOT NULL),
       sum(accepted IS NOT NULL AND eval_handler <> '')
FROM cases WHERE closed >= ?1 AND closed < ?2 AND anonymous = 0 GROUP BY origin)sql",
               [&](sql::Stmt& q) { q.Bind(1, since).Bind(2, until); },
               [&](const sql::Stmt& q) {
                 auto& t = TallyOf(origins, q.Text(0));
                 t.participation_bureau = {q.Int(2), q.Int(1)};
                 t.participation_handler = {q.Int(4), q.Int(3)};
               });
}

// The summaries sent up from below (absent before migration 3).
Status ReadReported(sql::Db& db, Report& r) {
  auto exists = db.Prepare("SELECT 1 FROM sqlite_schema WHERE name = 'summaries'", false);
  if (!exists) return exists.error();
  auto row = exists->Step();
  if (!row) return row.error();
  if (!*row) return {};
  auto q = db.Prepare(
      "SELECT origin, generated, received_from, stored_at, json FROM summaries WHERE origin <> ?1 ORDER BY origin",
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

}  // namespace

Result<Report> Compute(sql::Db& db, const codes::CodeBook& book, Options o) {
  // Instants are whole seconds: by default the period ends with the current
  // second, so what was stored in it (just now) is in.
  if (o.until.seconds == 0) o.until = Instant{o.now.seconds + 1};
  if (o.since.seconds == 0) o.since = Instant{o.until.seconds - std::int64_t{o.period_days} * kDay};
  Report r;
  r.node_id = o.node_id;
  r.code_version = book.Version();
  r.since = o.since;
  r.until = o.until;
  r.now = o.now;
  r.timeliness_hours = o.timeliness_hours;
  r.repeat_grace_hours = o.repeat_grace_hours;
  r.silent_hours = o.silent_hours;
  const std::int64_t bound = std::int64_t{o.timeliness_hours} * 3600;
  const auto limit = static_cast<std::int64_t>(o.max_listed);
  std::map<std::string, Tally> origins;
  const Bind period = [&](sql::Stmt& q) { q.Bind(1, o.since.seconds).Bind(2, o.until.seconds); };

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

  // Events and registrations stored here in the period.
  if (auto s = Query(db,
                     "SELECT origin, count(*), sum(kind = 'registration') FROM events "
                     "WHERE stored_at >= ?1 AND stored_at < ?2 GROUP BY origin",
                     period,
                     [&](const sql::Stmt& q) {
                       auto& t = TallyOf(origins, q.Text(0));
                       t.events_received = q.Int(1);
                       t.registrations = q.Int(2);
                     });
      !s) {
    return s.error();
  }
  // R5: lateness per origin. One scan of the covering index events_by_stored
  // gives each event's lateness; the percentiles are a sort per group here
  // (as window functions in SQL the same sort cost several times as much),
  // and the subtrees below reuse the same values.
  std::map<std::string, std::vector<std::int64_t>> late_by_origin;
  if (auto s = Query(db,
                     "SELECT origin, max(0, stored_at - occurred_at) FROM events "
                     "WHERE stored_at >= ?1 AND stored_at < ?2",
                     period, [&](const sql::Stmt& q) { late_by_origin[q.Text(0)].push_back(q.Int(1)); });
      !s) {
    return s.error();
  }
  for (auto& [id, late] : late_by_origin) TallyOf(origins, id).lateness = FoldLateness(late, bound);
  if (auto s = Query(db,
                     "SELECT origin, seq, case_id, occurred_at, stored_at, stored_at - occurred_at AS late "
                     "FROM events WHERE stored_at >= ?1 AND stored_at < ?2 AND stored_at - occurred_at > ?3 "
                     "ORDER BY late DESC, origin, seq LIMIT ?4",
                     [&](sql::Stmt& q) { period(q); q.Bind(3, bound).Bind(4, limit); },
                     [&](const sql::Stmt& q) {
                       r.late_events.push_back({q.Text(0) + ":" + std::to_string(q.Int(1)), q.Text(2), q.Text(0),
                                                Instant{q.Int(3)}, Instant{q.Int(4)}, q.Int(5)});
                     });
      !s) {
    return s.error();
  }
  // R1–R3, R6: what receipts rejected, by the node charged with it, rule
  // and field. A forged record (another origin's event in a batch, a bad
  // signature) is charged to the node that sent it, not to the origin it
  // names (issue 12); rows from before that distinction name their origin.
  if (auto s = Query(db,
                     "SELECT CASE WHEN charged_to <> '' THEN charged_to ELSE origin END AS who, rule, field, count(*) "
                     "FROM rejections WHERE at >= ?1 AND at < ?2 "
                     "GROUP BY who, rule, field ORDER BY who, rule, field",
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
  // R4: repeat registrations, past the grace window, whose initial case is
  // still unknown here. Only registrations that say <repeat>true</repeat>
  // are cut open (text in the XML is escaped, so the tag cannot be forged);
  // the WHERE repeats the partial index events_repeats term for term, so
  // only those rows are read.
  if (auto s = Query(db, std::string("SELECT origin, case_id, initial, stored_at FROM (") + kRepeatsStored + R"sql(
  AND stored_at <= ?3))
WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.case_id = initial)
ORDER BY stored_at, case_id)sql",
                     [&](sql::Stmt& q) {
                       period(q);
                       q.Bind(3, o.now.seconds - std::int64_t{o.repeat_grace_hours} * 3600);
                     },
                     [&](const sql::Stmt& q) {
                       ++TallyOf(origins, q.Text(0)).repeat_without_initial;
                       if (r.repeats_without_initial.size() < o.max_listed) {
                         r.repeats_without_initial.push_back({q.Text(1), q.Text(2), q.Text(0), Instant{q.Int(3)}});
                       }
                     });
      !s) {
    return s.error();
  }
  // R4 resolved late: repeat registrations of the period whose initial case
  // is known now but was stored here after the repeat's grace window ended.
  if (auto s = Query(db, std::string("SELECT r.origin, r.case_id, r.initial, r.stored_at, min(i.stored_at) FROM (") +
                             kRepeatsStored + R"sql()) r
JOIN events i ON i.case_id = r.initial AND i.kind = 'registration'
GROUP BY r.origin, r.case_id HAVING min(i.stored_at) > r.stored_at + ?3
ORDER BY r.stored_at, r.case_id)sql",
                     [&](sql::Stmt& q) {
                       period(q);
                       q.Bind(3, std::int64_t{o.repeat_grace_hours} * 3600);
                     },
                     [&](const sql::Stmt& q) {
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
                     "SELECT b.origin, b.stream, coalesce(s.next_seq, 1), count(*), min(b.stored_at) FROM batches b "
                     "LEFT JOIN streams s ON s.origin = b.origin AND s.stream = b.stream WHERE b.state = 'held' "
                     "GROUP BY b.origin, b.stream ORDER BY b.origin, b.stream",
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
  // Received batches, and those written against another code-table version.
  const std::string version = book.Version();
  if (auto s = Query(db,
                     "SELECT origin, count(*), sum(code_version <> ?3) FROM batches "
                     "WHERE state <> 'own' AND stored_at >= ?1 AND stored_at < ?2 GROUP BY origin",
                     [&](sql::Stmt& q) { period(q); q.Bind(3, version); },
                     [&](const sql::Stmt& q) {
                       auto& t = TallyOf(origins, q.Text(0));
                       t.batches_received = q.Int(1);
                       t.outdated_code_batches = q.Int(2);
                     });
      !s) {
    return s.error();
  }
  if (auto s = Query(db,
                     "SELECT batch_id, origin, code_version FROM batches WHERE state <> 'own' AND stored_at >= ?1 "
                     "AND stored_at < ?2 AND code_version <> ?3 ORDER BY stored_at, batch_id LIMIT ?4",
                     [&](sql::Stmt& q) { period(q); q.Bind(3, version).Bind(4, limit); },
                     [&](const sql::Stmt& q) { r.outdated_batches.push_back({q.Text(0), q.Text(1), q.Text(2)}); });
      !s) {
    return s.error();
  }
  // 涉法涉诉 cases handled or closed in the period without ever being
  // directed into legal procedure (a handling event with method 07xxxx).
  if (auto s = Query(db, R"sql(
SELECT c.origin, c.case_id, c.content_category,
       EXISTS (SELECT 1 FROM events h WHERE h.case_id = c.case_id AND h.kind = 'handling'
               AND instr(CAST(h.xml AS TEXT), '<method>07') > 0)
FROM cases c
WHERE c.content_category IN (SELECT value FROM json_each(?3))
  AND EXISTS (SELECT 1 FROM events x WHERE x.case_id = c.case_id AND x.kind IN ('handling', 'closure')
              AND x.stored_at >= ?1 AND x.stored_at < ?2)
ORDER BY c.origin, c.case_id)sql",
                     [&](sql::Stmt& q) { period(q); q.Bind(3, LegalCategories(book)); },
                     [&](const sql::Stmt& q) {
                       auto& t = TallyOf(origins, q.Text(0));
                       ++t.legal_cases_handled;
                       if (q.Int(3) == 0) {
                         ++t.legal_not_directed;
                         if (r.legal_not_directed.size() < o.max_listed) {
                           r.legal_not_directed.push_back({q.Text(1), q.Text(0), q.Text(2)});
                         }
                       }
                     });
      !s) {
    return s.error();
  }
  if (auto st = ReadRates(db, book, o, origins); !st) return st.error();

  // Per civil day (UTC+8): events stored, of them late, and rejections.
  if (auto s = Query(db, R"sql(
SELECT day, sum(ev), sum(late), sum(rej) FROM (
  SELECT (stored_at + 28800) / 86400 AS day, 1 AS ev, stored_at - occurred_at > ?3 AS late, 0 AS rej
  FROM events WHERE stored_at >= ?1 AND stored_at < ?2
  UNION ALL
  SELECT (at + 28800) / 86400, 0, 0, 1 FROM rejections WHERE at >= ?1 AND at < ?2)
GROUP BY day ORDER BY day)sql",
                     [&](sql::Stmt& q) { period(q); q.Bind(3, bound); },
                     [&](const sql::Stmt& q) {
                       r.days.push_back({Date::FromDays(q.Int(0)), q.Int(1), q.Int(2), q.Int(3)});
                     });
      !s) {
    return s.error();
  }

  // Children: the last batch each one sent here.
  for (const auto& child : o.children) {
    ChildSeen c{child, std::nullopt, std::nullopt, true};
    if (auto s = Query(db, "SELECT max(stored_at) FROM batches WHERE received_from = ?1",
                       [&](sql::Stmt& q) { q.Bind(1, child); },
                       [&](const sql::Stmt& q) {
                         if (!q.IsNull(0)) c.last_batch = Instant{q.Int(0)};
                       });
        !s) {
      return s.error();
    }
    if (c.last_batch) {
      c.silent_seconds = std::max<std::int64_t>(0, o.now.seconds - c.last_batch->seconds);
      c.silent = *c.silent_seconds > std::int64_t{o.silent_hours} * 3600;
    }
    r.children.push_back(std::move(c));
  }

  // Origins silent for longer than the bound, by their own last batch here.
  if (auto s = Query(db, R"sql(
SELECT origin, max(stored_at) AS last FROM batches WHERE received_from <> ''
GROUP BY origin HAVING ?1 - last > ?2 ORDER BY last, origin LIMIT ?3)sql",
                     [&](sql::Stmt& q) {
                       q.Bind(1, o.now.seconds)
                           .Bind(2, std::int64_t{o.silent_hours} * 3600)
                           .Bind(3, static_cast<std::int64_t>(o.max_listed));
                     },
                     [&](const sql::Stmt& q) {
                       r.silent_origins.push_back({q.Text(0), Instant{q.Int(1)}, o.now.seconds - q.Int(1)});
                     });
      !s) {
    return s.error();
  }

  // Roll-up per child subtree: counts add up; percentiles are computed
  // again over the subtree's events (origin → child mapping), not averaged.
  json::object mapping;
  for (auto& [id, t] : origins) {
    Score(t, false);
    for (const auto& child : o.children) {
      if (exchange::InSubtree(child, id)) {
        mapping[id] = child;
        break;
      }
    }
  }
  std::map<std::string, Lateness> sub_lateness;
  {
    std::map<std::string, std::vector<std::int64_t>> late_by_child;
    for (auto& [id, late] : late_by_origin) {
      if (const auto* child = mapping.if_contains(id)) {
        auto& into = late_by_child[std::string(child->as_string())];
        into.insert(into.end(), late.begin(), late.end());
      }
    }
    for (auto& [child, late] : late_by_child) sub_lateness[child] = FoldLateness(late, bound);
  }
  for (std::size_t i = 0; i < o.children.size(); ++i) {
    const std::string& child = o.children[i];
    Tally sub;
    sub.id = child;
    for (const char* rule : kRejectionRules) sub.rejections[rule] = 0;
    for (const auto& [id, t] : origins) {
      if (!mapping.contains(id) || mapping.at(id).as_string() != child) continue;
      sub.events_received += t.events_received;
      sub.registrations += t.registrations;
      sub.batches_received += t.batches_received;
      for (const auto& [rule, n] : t.rejections) sub.rejections[rule] += n;
      sub.rejections_total += t.rejections_total;
      sub.repeat_without_initial += t.repeat_without_initial;
      sub.repeat_resolved_late += t.repeat_resolved_late;
      sub.open_gaps += t.open_gaps;
      sub.oldest_gap_seconds = std::max(sub.oldest_gap_seconds, t.oldest_gap_seconds);
      sub.outdated_code_batches += t.outdated_code_batches;
      sub.legal_cases_handled += t.legal_cases_handled;
      sub.legal_not_directed += t.legal_not_directed;
      AddRate(sub.timely_acceptance, t.timely_acceptance);
      AddRate(sub.on_time_completion, t.on_time_completion);
      AddRate(sub.timely_routing, t.timely_routing);
      AddRate(sub.satisfaction_bureau, t.satisfaction_bureau);
      AddRate(sub.satisfaction_handler, t.satisfaction_handler);
      AddRate(sub.participation_bureau, t.participation_bureau);
      AddRate(sub.participation_handler, t.participation_handler);
    }
    if (auto it = sub_lateness.find(child); it != sub_lateness.end()) sub.lateness = it->second;
    sub.last_batch = r.children[i].last_batch;
    sub.silent = r.children[i].silent;
    Score(sub, true);
    r.subtrees.push_back(std::move(sub));
  }
  for (auto& [id, t] : origins) r.origins.push_back(std::move(t));
  if (auto s = ReadReported(db, r); !s) return s.error();
  if (auto s = ReadOverdue(db, o, r); !s) return s.error();
  r.unknown_years.assign(clock_sql.UnknownYears().begin(), clock_sql.UnknownYears().end());
  return r;
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
  if (subtree) {
    o["last_batch"] = OptInstant(t.last_batch);
    o["silent"] = t.silent;
  }
  return o;
}

std::string Hours(std::int64_t seconds) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << static_cast<double>(seconds) / 3600 << "h";
  return s.str();
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
  return JsonText(o);
}

std::string ToText(const Report& r) {
  std::ostringstream s;
  s << "Conformance report of node " << r.node_id << " (code tables " << r.code_version << ")\n"
    << "period " << r.since.ToString() << " .. " << r.until.ToString() << ", as of " << r.now.ToString() << "\n"
    << "bounds: timeliness " << r.timeliness_hours << "h, repeat grace " << r.repeat_grace_hours << "h, silent "
    << r.silent_hours << "h\n"
    << "legal clocks: " << (r.counting == codes::Counting::kWorkingDays ? "working days" : "calendar days")
    << ", holiday calendar " << (r.calendar_version.empty() ? std::string("(none)") : r.calendar_version);
  if (!r.calendar_years.empty()) s << " (" << r.calendar_years.front() << "-" << r.calendar_years.back() << ")";
  s << "\n";
  if (!r.unknown_years.empty()) {
    s << "WARNING: due dates in";
    for (int y : r.unknown_years) s << " " << y;
    s << " were counted with weekends only: the holiday calendar lacks "
      << (r.unknown_years.size() == 1 ? "that year" : "those years") << " (codes/README.md, \"holiday\")\n";
  }
  auto table = [&](const char* title, const std::vector<Tally>& list) {
    s << "\n" << title << "\n";
    TextTable t({{"id", false}, {"score", true}, {"events", true}, {"rej", true}, {"R4", true}, {"p50", true},
                 {"p95", true}, {"max", true}, {"late", true}, {"gaps", true}, {"codes", true}, {"legal", true},
                 {"", false}});
    for (const auto& x : list) {
      std::ostringstream score;
      score << std::fixed << std::setprecision(1) << x.score;
      t.Row({x.id, score.str(), std::to_string(x.events_received), std::to_string(x.rejections_total),
             std::to_string(x.repeat_without_initial), Hours(x.lateness.p50), Hours(x.lateness.p95),
             Hours(x.lateness.max), std::to_string(x.lateness.over_bound), std::to_string(x.open_gaps),
             std::to_string(x.outdated_code_batches), std::to_string(x.legal_not_directed),
             x.silent ? "SILENT" : ""});
    }
    if (list.empty()) {
      s << "  (none)\n";
      return;
    }
    t.Write(s);
    s << "\n" << title << " the rates (numerator/denominator; - when nothing was due)\n";
    TextTable rates({{"id", false}, {"及时受理率", true}, {"按期办结率", true}, {"及时转送交办率", true},
                     {"满意率·信访部门", true}, {"参评率·信访部门", true}, {"满意率·责任单位", true},
                     {"参评率·责任单位", true}});
    for (const auto& x : list) {
      rates.Row({x.id, Percent(x.timely_acceptance), Percent(x.on_time_completion), Percent(x.timely_routing),
                 Percent(x.satisfaction_bureau), Percent(x.participation_bureau), Percent(x.satisfaction_handler),
                 Percent(x.participation_handler)});
    }
    rates.Write(s);
  };
  table("Per origin:", r.origins);
  if (!r.subtrees.empty()) table("Per child subtree:", r.subtrees);
  if (!r.rejections.empty()) {
    s << "\nRejections:\n";
    TextTable t({{"origin", false}, {"rule", false}, {"field", false}, {"count", true}});
    for (const auto& x : r.rejections) t.Row({x.origin, x.rule, x.field.empty() ? "-" : x.field, std::to_string(x.count)});
    t.Write(s);
  }
  if (!r.late_events.empty()) {
    s << "\nEvents over the " << r.timeliness_hours << "h bound (worst first):\n";
    TextTable t({{"event", false}, {"case", false}, {"occurred", false}, {"stored", false}, {"late", true}});
    for (const auto& x : r.late_events) {
      t.Row({x.event_id, x.case_id, x.occurred_at.ToString(), x.stored_at.ToString(), Hours(x.lateness_seconds)});
    }
    t.Write(s);
  }
  if (!r.repeats_without_initial.empty()) {
    s << "\nRepeat cases whose initial case is unknown here (R4):\n";
    for (const auto& x : r.repeats_without_initial) {
      s << "  " << x.case_id << " names " << x.initial_case_id << " (from " << x.origin << ")\n";
    }
  }
  if (!r.repeats_resolved_late.empty()) {
    s << "\nRepeat cases whose initial case arrived after the grace window (R4, kept late):\n";
    for (const auto& x : r.repeats_resolved_late) {
      s << "  " << x.case_id << " stored " << x.stored_at.ToString() << ", its initial " << x.initial_case_id
        << " only " << x.initial_stored_at.ToString() << " (from " << x.origin << ")\n";
    }
  }
  if (!r.gaps.empty()) {
    s << "\nGaps in sequences:\n";
    for (const auto& x : r.gaps) {
      s << "  " << x.origin << " " << x.stream << " missing #" << x.next_seq << ", " << x.held
        << " batch(es) held, open " << Hours(x.open_seconds) << "\n";
    }
  }
  if (!r.children.empty()) {
    s << "\nChildren:\n";
    for (const auto& x : r.children) {
      s << "  " << x.id << " last batch " << (x.last_batch ? x.last_batch->ToString() : std::string("never"))
        << (x.silent ? "  SILENT" : "") << "\n";
    }
  }
  if (!r.silent_origins.empty()) {
    s << "\nOrigins silent for more than " << r.silent_hours << "h (by their last batch here):\n";
    for (const auto& x : r.silent_origins) {
      s << "  " << x.origin << " last batch " << x.last_batch.ToString() << ", silent " << Hours(x.silent_seconds)
        << "\n";
    }
  }
  if (!r.outdated_batches.empty()) {
    s << "\nBatches written against another code-table version (this node has " << r.code_version << "):\n";
    for (const auto& x : r.outdated_batches) s << "  " << x.batch_id << " " << x.code_version << "\n";
  }
  std::int64_t overdue_total = 0;
  for (const auto& [clock, n] : r.overdue_totals) overdue_total += n;
  if (overdue_total > 0) {
    s << "\nOverdue as of " << r.now.ToDate().ToString() << " (a step not taken by the last day of its clock, case not closed):";
    const char* sep = " ";
    for (const auto& info : schema::Clocks()) {
      if (auto it = r.overdue_totals.find(std::string(info.name)); it != r.overdue_totals.end()) {
        s << sep << info.label << " " << it->second;
        sep = ", ";
      }
    }
    s << "\n";
    TextTable t({{"case", false}, {"origin", false}, {"clock", false}, {"start", false}, {"due", false},
                 {"days over", true}});
    for (const auto& x : r.overdue) {
      const auto clock = schema::ClockFromName(x.clock);
      t.Row({x.case_id, x.origin, clock ? std::string(schema::InfoOf(*clock).label) : x.clock, x.start.ToString(),
             x.due.ToString(), std::to_string(x.days_over)});
    }
    t.Write(s);
  }
  if (!r.reported.empty()) {
    s << "\nSigned summaries from below (each node's own report, as of when it made it):\n";
    for (const auto& x : r.reported) {
      s << "  " << x.origin << " as of " << x.generated.ToString() << " (via " << x.received_from << "):";
      for (const auto& sc : x.scores) {
        s << " " << (sc.subtree ? "subtree " : "") << sc.id << " " << std::fixed << std::setprecision(1) << sc.score;
      }
      s << "\n";
    }
  }
  if (!r.legal_not_directed.empty()) {
    s << "\n涉法涉诉 cases not directed into legal procedure (070000):\n";
    for (const auto& x : r.legal_not_directed) {
      s << "  " << x.case_id << " (" << x.content_category << ", from " << x.origin << ")\n";
    }
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

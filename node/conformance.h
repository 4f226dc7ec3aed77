// Conformance report (issue 4): how well each origin, and each child's
// subtree, keeps the exchange rules R1–R7 and the legal time limits, over a period.
//
// Everything is read with SQL from the node's database and aggregated in
// SQL (GROUP BY), over the covering index events_by_stored rather than the
// events' XML, so a report over a million events and thousands of origins
// costs a few index scans; only the lateness percentiles are folded in C++
// (one scan, a sort per group). Read-only: ComputeFromFile opens the file with SQLITE_OPEN_READONLY,
// so xfctl can run it while the node runs. Formulas, weights and the JSON
// field list are in node/CONFORMANCE.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/fwd.hpp>

#include "codes/calendar.h"
#include "codes/codebook.h"
#include "codes/date.h"
#include "codes/result.h"
#include "node/config.h"
#include "node/sqlite.h"

namespace xf::node::conformance {

struct Options {
  Instant since;  // inclusive; Compute uses until − period_days when it is 0
  Instant until;  // exclusive; Compute uses now + 1 s (the end of the current second) when it is 0
  Instant now;
  int timeliness_hours = 24;    // R5 bound
  int repeat_grace_hours = 24;  // R4 grace window
  int silent_hours = 24;        // a child with no batch for longer is silent
  std::string node_id;          // this node
  std::vector<std::string> children;
  std::size_t max_listed = 100;  // rows in each list (late events, …)
  int period_days = 30;          // the default period, when since is 0
  // How the legal clocks count (rules.counting), with the code book's
  // holiday calendar unless `calendar` is given (it must outlive Compute).
  codes::Counting counting = codes::Counting::kCalendarDays;
  const codes::Calendar* calendar = nullptr;
};

// Options as the node's configuration sets them (rules: timeliness_hours,
// repeat_grace_hours, counting; conformance: silent_hours, period_days, max_listed;
// node id; children in configuration order), as of `now`, for the whole
// default period. The API and xfctl both build them here.
Options OptionsFor(const NodeConfig& config, Instant now);

// A ratio of cases; value() is absent when nothing was due.
struct Rate {
  std::int64_t numerator = 0;
  std::int64_t denominator = 0;
  std::optional<double> Value() const {
    if (denominator == 0) return std::nullopt;
    return static_cast<double>(numerator) / static_cast<double>(denominator);
  }
};

struct Lateness {
  std::int64_t events = 0;  // events measured (stored in the period)
  std::int64_t p50 = 0, p95 = 0, max = 0;  // seconds, nearest-rank
  std::int64_t over_bound = 0;
};

// One jurisdiction: an origin, or a child's subtree (the sum of its origins).
struct Tally {
  std::string id;
  std::int64_t events_received = 0;
  std::int64_t registrations = 0;
  std::int64_t batches_received = 0;
  std::map<std::string, std::int64_t> rejections;  // by rule (R1, R2, R3, R6, …)
  std::int64_t rejections_total = 0;
  std::int64_t repeat_without_initial = 0;  // R4
  std::int64_t repeat_resolved_late = 0;    // R4: the initial came, after the grace window
  Lateness lateness;                        // R5
  std::int64_t open_gaps = 0;
  std::int64_t oldest_gap_seconds = 0;
  std::int64_t outdated_code_batches = 0;
  std::int64_t legal_cases_handled = 0;
  std::int64_t legal_not_directed = 0;
  // The rates (CONFORMANCE.md, "The rates"): each over the cases whose
  // clock fell due (or that were evaluated, or closed) in the period.
  Rate timely_acceptance;      // 及时受理率: decided within 15 days of the handling body's receipt
  Rate on_time_completion;     // 按期办结率: completed by the due day, a granted extension included
  Rate timely_routing;         // 及时转送交办率: transferred (or decided) within 15 days of receipt
  Rate satisfaction_bureau;    // 群众满意率, of the petition bureau's work (对信访部门)
  Rate satisfaction_handler;   // 群众满意率, of the handling body's work (对责任单位)
  Rate participation_bureau;   // 参评率: evaluated ÷ closed and open to evaluation
  Rate participation_handler;
  // Subtrees only: the child's last batch and whether it is silent.
  std::optional<Instant> last_batch;
  bool silent = false;
  double score = 100.0;
  std::map<std::string, double> deductions;  // by weight name, only those > 0
};

struct RejectionRow {
  std::string origin, rule, field;
  std::int64_t count = 0;
};
struct LateEvent {
  std::string event_id, case_id, origin;
  Instant occurred_at, stored_at;
  std::int64_t lateness_seconds = 0;
};
struct MissingInitial {
  std::string case_id, initial_case_id, origin;
  Instant stored_at;
};
// A repeat case whose initial case arrived here only after the grace window.
struct LateInitial {
  std::string case_id, initial_case_id, origin;
  Instant stored_at, initial_stored_at;
};
struct Gap {
  std::string origin, stream;
  std::uint64_t next_seq = 0;  // the missing batch
  std::int64_t held = 0;       // batches waiting behind it
  Instant since;
  std::int64_t open_seconds = 0;
};
struct ChildSeen {
  std::string id;
  std::optional<Instant> last_batch;
  std::optional<std::int64_t> silent_seconds;  // absent: never heard from
  bool silent = false;
};
// An origin of the subtree not heard from (no batch of its own stored
// here, whether it came straight or through relays) for longer than
// silent_hours: the origin-level view of a silent child.
struct SilentOrigin {
  std::string origin;
  Instant last_batch;
  std::int64_t silent_seconds = 0;
};
struct OutdatedBatch {
  std::string batch_id, origin, code_version;
};
struct LegalCase {
  std::string case_id, origin, content_category;
};
// A legal clock past its last day as of `now`, whatever the period: the
// step it waits for was not taken and the case is not closed.
struct OverdueCase {
  std::string case_id, origin;
  std::string clock;  // schema::ClockInfo::name: route, accept_notice, handle, review_decision, rereview_decision
  Date start;         // the day the clock started (not counted)
  Date due;           // its last day (UTC+8), a granted extension included
  std::int64_t days_over = 0;
};
// One civil day (UTC+8) of the period: what was stored and rejected here.
struct DayCount {
  Date day;
  std::int64_t events = 0;      // events stored that day
  std::int64_t late = 0;        // of those, over the R5 bound
  std::int64_t rejections = 0;  // rejected records (rows of `rejections`)
};

// A signed summary that a node below sent up (node/summary.h): that node's
// own report of its subtree, verified with its key when it arrived here.
struct ReportedScore {
  std::string id;
  bool subtree = false;  // a child's subtree of the reporting node, else an origin
  double score = 100.0;
};
struct Reported {
  std::string origin, received_from;
  Instant generated, stored_at;
  std::vector<ReportedScore> scores;
};

struct Report {
  std::string node_id, code_version;
  Instant since, until, now;
  int timeliness_hours = 24, repeat_grace_hours = 24, silent_hours = 24;
  std::vector<Tally> origins;   // sorted by id
  std::vector<Tally> subtrees;  // one per child, in configuration order
  std::vector<RejectionRow> rejections;
  std::vector<LateEvent> late_events;  // worst first, at most max_listed
  std::vector<MissingInitial> repeats_without_initial;
  std::vector<LateInitial> repeats_resolved_late;  // at most max_listed
  std::vector<Gap> gaps;
  std::vector<ChildSeen> children;
  std::vector<SilentOrigin> silent_origins;  // longest silent first, at most max_listed
  std::vector<OutdatedBatch> outdated_batches;
  std::vector<LegalCase> legal_not_directed;
  std::vector<DayCount> days;  // only days with traffic, in order
  std::vector<Reported> reported;  // summaries from below, by origin (not this node's own)
  // Overdue clocks of the cases held here: the totals by clock name (every
  // duty clock present), and the most overdue of each (at most max_listed
  // each), most overdue first.
  std::map<std::string, std::int64_t> overdue_totals;
  std::vector<OverdueCase> overdue;
  // The calendar the due dates were counted with.
  std::string calendar_version;   // the holiday table's version ("" without one)
  std::vector<int> calendar_years;  // years whose notice it holds
  codes::Counting counting = codes::Counting::kCalendarDays;
  std::vector<int> unknown_years;  // years the due dates needed that it lacks (weekends only counted)
};

// The score weights (points out of 100); CONFORMANCE.md explains each.
namespace weight {
inline constexpr double kRejections = 25;      // × rejected ÷ (received + rejected)
inline constexpr double kRepeat = 10;          // × R4 cases ÷ registrations
inline constexpr double kLateness = 25;        // × late events ÷ events
inline constexpr double kGapEach = 5;          // per open gap,
inline constexpr double kGapMax = 10;          //   at most this
inline constexpr double kSilent = 10;          // a silent child (subtrees only)
inline constexpr double kOutdatedCodes = 5;    // × outdated batches ÷ batches
inline constexpr double kLegal = 5;            // × not directed ÷ legal cases handled
inline constexpr double kAcceptance = 5;       // × (1 − 及时受理率)
inline constexpr double kCompletion = 5;       // × (1 − 按期办结率)
}  // namespace weight

Result<Report> Compute(sql::Db& db, const codes::CodeBook& book, Options options);
// Opens db_file read-only and computes.
Result<Report> ComputeFromFile(const std::filesystem::path& db_file, const codes::CodeBook& book,
                               Options options);

std::string ToJson(const Report& r);
// Plain text for a terminal: tables whose columns line up (DisplayWidth).
std::string ToText(const Report& r);

// The columns a UTF-8 text takes on a terminal: East Asian wide and
// full-width characters (CJK, 全角 punctuation) two, other characters one,
// combining marks none; an invalid byte one.
std::size_t DisplayWidth(std::string_view utf8);

// JSON text like boost::json::serialize, but every double written as a plain
// decimal with at least one fractional digit ("67.9", "100.0", "0.3333"),
// never with an exponent (Boost.JSON prints 100.0 as "1E2"). Scores and
// rates are rounded before they get here. Non-finite doubles become null.
std::string JsonText(const boost::json::value& v);

}  // namespace xf::node::conformance

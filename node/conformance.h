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
#include <functional>
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

// How the drill-down orders its jurisdictions (?sort=): worst score first
// (ties by id), or by id.
enum class SortBy { kScore, kId };
const char* SortName(SortBy s);  // "score", "id"

// Checks a signed summary (node/summary.h) with its origin's key: true or
// false, or nullopt when no key of that origin is known here.
using VerifySummary = std::function<std::optional<bool>(
    const std::string& origin, std::string_view bytes, std::string_view signature)>;

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
  // The jurisdiction the report is of (?node=, --node-id): only the origins
  // in its subtree (exchange/routing.h) are read, so the report of a county
  // costs what the county's origins hold. Empty: everything held here.
  // REQUIRES: empty or a node id (schema::IsNodeId); else Compute fails.
  std::string scope;
  // The drill-down (Report::tree): the jurisdiction's own records and its
  // children in the tree with their lights, trends and signed accounts, and
  // one page of its origins. Off (as for the signed summary a node sends
  // up): the report without it.
  bool tree = false;
  std::size_t page = 1;        // the page of origins listed, from 1
  std::size_t page_size = 50;  // origins on a page
  std::size_t max_rows = 200;  // jurisdiction rows of the tree shown (the rest counted)
  std::string query;           // ?q=: list only origins whose id or name contains it
  SortBy sort = SortBy::kScore;
  int trend_months = 12;  // months of trends, ending with the month of `until` (0: none)
  VerifySummary verify;   // checks the children's signed summaries; empty: not checked
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

// The traffic light of a jurisdiction (CONFORMANCE.md, "Traffic lights"):
// red when the score is below kAmberAt or a case is overdue by more than
// kOverdueRedDays; amber when the score is below kGreenAt or at least
// kOverdueAmberShare of its open cases are overdue; else green.
inline constexpr double kGreenAt = 90;
inline constexpr double kAmberAt = 70;
inline constexpr std::int64_t kOverdueRedDays = 30;
inline constexpr double kOverdueAmberShare = 0.05;
// The light of a score alone: "green", "amber" or "red".
const char* Light(double score);

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
  // Overdue as of now, whatever the period (CONFORMANCE.md, "Overdue"): the
  // cases held here that are not closed, those with a duty clock past its
  // last day, and the most days any clock is past it.
  std::int64_t open_cases = 0;
  std::int64_t overdue_cases = 0;
  std::int64_t overdue_max_days = 0;
  // Subtrees only: the child's last batch and whether it is silent.
  std::optional<Instant> last_batch;
  bool silent = false;
  double score = 100.0;
  std::map<std::string, double> deductions;  // by weight name, only those > 0
};

// The light of a jurisdiction: its score and its overdue cases (above).
const char* Light(const Tally& t);

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

// One calendar month (UTC+8) of a jurisdiction: what the report counts,
// with the month as its period, and the score that gives (without the two
// deductions that describe the present: open gaps and silence).
struct MonthPoint {
  std::string month;  // "YYYY-MM"
  std::int64_t events = 0, registrations = 0, late = 0, rejections = 0, repeat_without_initial = 0,
               batches = 0, outdated_batches = 0, legal_handled = 0, legal_not_directed = 0;
  Rate timely_acceptance, on_time_completion, timely_routing, satisfaction_bureau,
      satisfaction_handler, participation_bureau, participation_handler;
  std::optional<double> score;  // absent when the month had nothing to score
};

// A node's own signed account of its subtree (its upward summary, node/summary.h),
// read the way this node reads its own data: the origins it reported within
// its subtree, summed and scored with the same formula.
struct Account {
  std::string node;           // who signed it
  std::string received_from;  // the child it came through
  Instant generated, stored_at;
  std::optional<Instant> since, until;  // its period
  // Its signature checked now; nullopt: no key known here (or not checked).
  std::optional<bool> verified;
  bool readable = false;  // its JSON could be read; else no tally
  bool overdue_reported = false;  // it names its overdue cases (nodes of an older release do not)
  Tally tally;
  // Where it differs from this node's own computation of the same
  // jurisdiction (CONFORMANCE.md, "Signed accounts"): "score",
  // "events_received", "rejections", "late", "overdue_cases",
  // "timely_acceptance", "on_time_completion", "timely_routing".
  std::vector<std::string> differs;
};

// Reads a signed summary's JSON as the account of `node`. Bounded (size,
// depth); fields it cannot read count as absent. Errors: not JSON, not an object.
Result<Account> ReadAccount(std::string_view json, const std::string& node);
// Fills account.differs against this node's own tally of the same jurisdiction.
void CompareAccount(Account& account, const Tally& ours);

// A row of the drill-down: the jurisdiction's own records, a child's
// subtree, or (on this node's own page) an origin outside its subtree.
struct TreeRow {
  std::string kind;          // "self", "subtree" or "other"
  std::int64_t origins = 0;  // origins with records in it
  Tally tally;
  std::optional<Account> account;  // its own signed summary, when one is held
  std::vector<MonthPoint> trend;   // one per month of Tree::months
};

struct ListedOrigin {
  std::string id;
  std::vector<MonthPoint> trend;
};

// The drill-down of one jurisdiction (national → province → city → county → origin).
struct Tree {
  std::string node;               // the jurisdiction
  std::vector<std::string> path;  // from the top of this node's view down to `node`
  Tally total;                    // all of its origins together
  std::optional<Account>
      account;  // its own signed summary, when one is held (not on this node's own page)
  std::vector<TreeRow>
      rows;  // "self" first, then the children in the order asked, then "other"; ≤ max_rows
  std::size_t rows_total = 0;       // rows before the cut
  std::vector<std::string> months;  // "YYYY-MM", oldest first
  std::vector<MonthPoint> trend;    // of `total`
  // One page of its origins, filtered by the query, in the order asked.
  SortBy sort = SortBy::kScore;
  std::string query;
  std::size_t page = 1, page_size = 50, pages = 1;
  std::size_t origins_matched = 0;  // origins the query matched (all of them without one)
  std::vector<ListedOrigin> listed;
};

// Duplicate detection (判重, issue 11; CONFORMANCE.md "Duplicates"): in the
// period, over the cases of the scope (by the node that registered them).
struct DuplicateFigures {
  std::int64_t notices = 0;         // duplicate notices (判重提示) stored here
  std::int64_t cases_noticed = 0;   // the cases they are on
  std::int64_t found_here = 0;      // of the notices, found by this node (its children's cases, 一信多投 among them)
  std::int64_t linked_repeats = 0;  // repeat registrations (重件) naming their initial case
  std::map<std::string, std::int64_t> by_finder;  // notices by the level that found them
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
  // The jurisdiction asked for ("" = everything held here) and, with
  // Options::tree, its drill-down.
  std::string scope;
  bool since_asked = false,
       until_asked = false;  // given, not defaults (the page's links keep them)
  std::optional<Tree> tree;
  // How many rows each cut list has in all (the lists hold at most
  // max_listed): late_events, repeats_without_initial, repeats_resolved_late,
  // silent_origins, outdated_batches, legal_not_directed, overdue.
  std::map<std::string, std::int64_t> list_totals;
  DuplicateFigures duplicates;
};

// The jurisdiction directly above `id` in the tree that exchange::InSubtree
// describes: a department's county, a county's city (PPCC00), a city's
// province (PP0000), a province's 100000; "" for 100000.
std::string ParentOf(std::string_view id);

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
// Plain text for a terminal: tables whose columns line up (DisplayWidth);
// with a code book, jurisdictions are named ("110105 朝阳区"). With a tree,
// its rows and one page of origins instead of every origin.
std::string ToText(const Report& r, const codes::CodeBook* book = nullptr);

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

// R7 chronology: an event must not contradict the history of its case —
// the order of steps that 《信访工作条例》 allows. One function, used by the
// local API (strict: what the node records must follow what it holds) and
// by the exchange per record (lenient: only what contradicts what is held).
//
// The rules, each with its field (VALIDATION.md, "R7 chronology"):
//   acceptance      dated before the case's received date             occurred_at
//   result          a written reply (答复意见), an evaluation or a closure
//                   before the first acceptance decision               occurred_at
//   extension       a second one                                       kind
//                   before acceptance (受理), or after the 60 days     occurred_at
//   复查 request     without a written reply, before its delivery, or
//                   more than 30 days after it                         occurred_at
//   复查 decision    without (before) a 复查 request                     occurred_at
//   复核 request     without a 复查 decision, before its delivery, or
//                   more than 30 days after it                         occurred_at
//   复核 decision    without (before) a 复核 request                     occurred_at
//   不再受理         on a matter closed by a 复核 decision: acceptance
//                   (受理), transfer, extension, a new 复查/复核 request  kind / decision
//   repeat case     naming itself as its initial case, or an initial
//                   case received after it                             initial_case_id
// "Before" compares instants, allowing kChronologySkewSeconds for clocks of
// different nodes; windows count days with ClockDue (clocks.h).
//
// Strict (intake): a missing prerequisite is a violation ("a closure
// without an acceptance decision held here"). Lenient (exchange): events of
// one case come from several origins in separate streams, so a prerequisite
// that has not arrived yet is not a contradiction; only what the held events
// contradict is. CONFORMANCE.md ("R7 at relays") gives the reasons.
//
// Thread safety: pure, but for the caller's lookup.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codes/calendar.h"
#include "schema/records.h"
#include "schema/violation.h"

namespace xf::schema {

// Clocks of different nodes disagree by this much without it being a contradiction.
inline constexpr std::int64_t kChronologySkewSeconds = 300;

// What the chronology needs of another case: the initial case of a repeat
// case, when this node holds it.
struct InitialCase {
  Date received;
  // The earliest 复核 decision on the matter (the initial case or any repeat
  // case naming it), if any: from then on it is not accepted again.
  std::optional<Instant> closed_by_rereview;
};

struct ChronologyContext {
  const codes::Calendar& calendar;
  codes::Counting counting = codes::Counting::kCalendarDays;
  bool strict = true;
  // The initial case with this id, if held here; may be empty (no lookup).
  std::function<std::optional<InitialCase>(const std::string& case_id)> initial;
};

// Violations (rule R7) of `e` against `history`, the other events of its case
// held here (any order; `e` itself not among them). `record` of each
// violation is the event id once stored (seq > 0), else the case id.
Violations CheckChronology(const std::vector<Event>& history, const Event& e, const ChronologyContext& ctx);

}  // namespace xf::schema

// The legal clocks of a case (《信访工作条例》, 2022) and the facts of a case
// they run on. Every due date of xfnode comes from ClockDue, which counts
// with codes::DueDate: intake (R7, chronology.h), the case view of the API,
// the conformance report (through the SQL function node/clock_sql.h) and its
// overdue list. node/CONFORMANCE.md explains each clock and each choice.
//
// Dates are civil dates in China (UTC+8): an event's date is the date of its
// occurred_at at UTC+8.
//
// Thread safety: pure functions.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/calendar.h"
#include "codes/date.h"
#include "schema/records.h"

namespace xf::schema {

// The time limits, in days (or working days where a province counts them).
inline constexpr int kRouteDays = 15;             // 登记并转送/交办
inline constexpr int kAcceptNoticeDays = 15;      // 受理告知
inline constexpr int kHandleDays = 60;            // 办理
inline constexpr int kMaxExtensionDays = 30;      // 延期, at most once
inline constexpr int kReviewRequestDays = 30;     // 复查申请, from the reply's delivery
inline constexpr int kReviewDecisionDays = 30;    // 复查意见, from the request
inline constexpr int kReReviewRequestDays = 30;   // 复核申请, from the 复查 decision's delivery
inline constexpr int kReReviewDecisionDays = 30;  // 复核意见, from the request

enum class Clock {
  kRoute,             // received_date → first transfer or acceptance decision (or closure)
  kAcceptNotice,      // the handling body's receipt → the acceptance decision (受理告知)
  kHandle,            // acceptance (受理) → completion (closure or written reply), + an extension
  kReviewRequest,     // the reply's delivery → the 复查 request (a window for the petitioner)
  kReviewDecision,    // the 复查 request → the 复查 decision
  kReReviewRequest,   // the 复查 decision's delivery → the 复核 request (a window)
  kReReviewDecision,  // the 复核 request → the 复核 decision
};

struct ClockInfo {
  Clock clock;
  std::string_view name;    // "route", "accept_notice", "handle", "review_request", …
  std::string_view label;   // 登记转送交办, 受理告知, 办理, 复查申请, 复查, 复核申请, 复核
  int days;
  bool window;              // the petitioner's window, not a duty: never "overdue"
};
const std::array<ClockInfo, 7>& Clocks();
const ClockInfo& InfoOf(Clock c);
std::optional<Clock> ClockFromName(std::string_view name);

// The one computation of a due day: the clock's days from `start` (not
// counted), and for kHandle an extension of `extension_days` made on
// `extension_made`, which counts only when it was made on or before the
// 60-day due day; it then runs on from that day.
codes::DueDay ClockDue(Clock clock, Date start, const codes::Calendar& calendar,
                       codes::Counting counting, int extension_days = 0,
                       std::optional<Date> extension_made = std::nullopt);

// The dates a case's clocks run on, from its events (any order). What each
// step is: CONFORMANCE.md "Legal clocks".
struct CaseFacts {
  bool registered = false;               // the registration is among the events
  Date received;                          // 信访日期 (with a correction of received_date applied)
  std::string initial_case_id;            // of a repeat case
  bool anonymous = false;
  std::optional<Date> routed;             // first transfer or acceptance decision (or closure)
  std::optional<Date> notice_start;       // the handling body's receipt
  std::optional<Date> decided;            // first acceptance decision of any kind
  std::optional<Instant> decided_at;
  std::optional<Date> accepted;           // first decision 受理 (code 1)
  std::optional<Instant> accepted_at;
  std::optional<Date> extension_on;       // first extension
  int extension_days = 0;
  int extensions = 0;                     // how many are held
  std::optional<Date> completed;          // first closure or written reply (答复意见)
  std::vector<Date> replies_delivered;    // each written reply's delivery, ascending
  std::optional<Date> review_requested;   // first 复查 request
  std::optional<Date> review_decided;     // first 复查 decision
  std::vector<Date> reviews_delivered;    // each 复查 decision's delivery, ascending
  std::optional<Date> rereview_requested;
  std::optional<Date> rereview_decided;   // first 复核 decision: the matter is closed (不再受理)
  std::optional<Instant> rereview_decided_at;
  std::optional<Date> closed;             // first closure (办结)
  std::optional<Instant> routed_at;       // first transfer or acceptance decision
  // Latest evaluation of each target (对信访部门 / 对责任单位): value and date.
  std::string eval_bureau, eval_handler;
  std::optional<Date> eval_bureau_on, eval_handler_on;
};
CaseFacts FactsOf(const std::vector<Event>& events);

// A clock of a case as of its facts.
struct ClockState {
  Clock clock;
  Date start;
  codes::DueDay due;
  std::optional<Date> met;  // the day the step was taken, if it was
  int extension_days = 0;   // kHandle: the extension counted
};
// The clocks a case has so far (a later clock appears once its start is known).
std::vector<ClockState> ClocksOf(const CaseFacts& facts, const codes::Calendar& calendar,
                                 codes::Counting counting);

// The date (UTC+8) of an instant.
inline Date DayOf(Instant t) { return t.ToDate(); }

}  // namespace xf::schema

// The legal clocks inside SQL: registers on one connection
//
//   xf_due(clock TEXT, start TEXT, extension_days INTEGER, extension_on TEXT) → TEXT
//
// the due day ('YYYY-MM-DD') of the named clock (schema::ClockInfo::name:
// 'route', 'accept_notice', 'handle', …) started on `start`, computed by
// schema::ClockDue with the given calendar and counting — the same function
// as everywhere else, so a report's due dates are the intake's. NULL when
// `start` is NULL or not a date, or the clock unknown. The extension
// arguments matter for 'handle' only (NULL/0 for none).
//
// The conformance report registers it on its read-only connection for the
// time of one computation; the calendar must outlive the registration.
//
// Thread safety: one connection, one thread at a time (as sql::Db).
#pragma once

#include <set>

#include "codes/calendar.h"
#include "node/sqlite.h"

namespace xf::node {

class ClockFunctions {
 public:
  // REQUIRES: calendar outlives this object.
  ClockFunctions(sql::Db& db, const codes::Calendar& calendar, codes::Counting counting);
  ~ClockFunctions();  // unregisters
  ClockFunctions(const ClockFunctions&) = delete;
  ClockFunctions& operator=(const ClockFunctions&) = delete;

  const Status& Registered() const { return m_status; }
  // Years the computed due dates needed that the calendar lacks (weekends only were counted).
  const std::set<int>& UnknownYears() const { return m_state.unknown_years; }

  struct State {
    const codes::Calendar* calendar;
    codes::Counting counting;
    std::set<int> unknown_years;
  };

 private:
  sql::Db& m_db;
  State m_state;
  Status m_status;
};

}  // namespace xf::node

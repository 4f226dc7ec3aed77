// The statutory calendar and the one function that computes a due date.
//
// Calendar: which days are statutory rest days (法定休假日) — the holidays
// of the State Council General Office's annual notices (the `holiday` code
// table, codes/data/holiday.csv) and every Saturday and Sunday that the
// notices do not make a working day (调休上班). A year is known when the
// table holds that year's annual notice; for any other year only weekends
// are rest days, and DueDate says so.
//
// DueDate counts a period as the Civil Code does (民法典 art. 201–203): the
// starting day is not counted; the period ends at 24:00 of its last day;
// when the last day is a statutory rest day, the period ends on the first
// day after the rest days. With Counting::kWorkingDays (a province whose own
// regulation counts working days) only working days are counted, so the
// last day is always a working day.
//
// Thread safety: a Calendar is immutable once built; share it freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/codebook.h"
#include "codes/date.h"
#include "codes/result.h"

namespace xf::codes {

enum class DayKind {
  kWorkday,        // Monday to Friday, no holiday
  kWeekend,        // Saturday or Sunday, no notice about it: a rest day
  kHoliday,        // a holiday of a notice (放假): a rest day
  kMakeUpWorkday,  // a Saturday or Sunday a notice makes a working day (调休上班)
};

enum class Counting {
  kCalendarDays,  // 日: every day counts (the default, 《信访工作条例》)
  kWorkingDays,   // 工作日: only working days count (some provincial regulations)
};
// "calendar" / "working_days", as the node's configuration spells them.
const char* CountingName(Counting c);
std::optional<Counting> CountingFromName(std::string_view name);

class Calendar {
 public:
  // No notices at all: every year is unknown, only weekends rest.
  Calendar() = default;
  // From the code book's `holiday` table (an empty Calendar when the book has
  // no such table). The loader has checked the table's rows already
  // (CheckHolidayRow); a row it would refuse fails here too.
  static Result<Calendar> FromBook(const CodeBook& book);

  DayKind Kind(Date d) const;
  // A statutory rest day (法定休假日): a holiday, or a weekend day that is
  // not a make-up working day.
  bool IsRestDay(Date d) const {
    const DayKind k = Kind(d);
    return k == DayKind::kHoliday || k == DayKind::kWeekend;
  }
  // True when the table holds the annual notice of `year`.
  bool Covers(int year) const;
  // The years whose annual notice the table holds, ascending.
  const std::vector<int>& Years() const { return m_years; }
  // The holiday table's version ("" without a table): changes whenever
  // an operator adds a year.
  const std::string& Version() const { return m_version; }

 private:
  std::string m_version;
  std::vector<int> m_years;
  std::int64_t m_first = 0;          // days since the epoch of m_kinds[0]
  std::vector<unsigned char> m_kinds;  // 0 none, 1 holiday, 2 make-up working day
};

struct DueDay {
  Date day;                 // the last day of the period; it ends at 24:00
  bool complete = true;     // false: a day it depends on lies in a year the calendar lacks
  int unknown_year = 0;     // the first such year, when !complete
};

// The last day of a period of `days` days (or working days) that starts on
// `start` (not counted). days ≤ 0 gives start itself (rolled past rest days
// when counting calendar days).
DueDay DueDate(const Calendar& calendar, Date start, int days, Counting counting);

// Checks one row of the `holiday` table against the other entries of that
// table (the loader calls it with each row). Empty when the row is fine,
// else the reason. See codes/README.md "holiday".
std::string CheckHolidayRow(const CodeEntry& row, const CodeBook& book);

}  // namespace xf::codes

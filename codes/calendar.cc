#include "codes/calendar.h"

#include <algorithm>

namespace xf::codes {

namespace {

constexpr unsigned char kNone = 0, kRest = 1, kWork = 2;
// A period longer than this many days is a mistake of the caller, not a
// legal clock (the longest is 90 days): the loops below stop there.
constexpr int kMaxDays = 3660;

bool Digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "YYYY" → YYYY.
std::optional<int> Year(std::string_view s) {
  if (s.size() != 4 || !Digits(s)) return std::nullopt;
  return (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
}

// A notice code: "YYYY" (annual) or "YYYY.N" (amending); its year.
std::optional<int> NoticeYear(std::string_view code) {
  if (code.size() == 4) return Year(code);
  const auto dot = code.find('.');
  if (dot != 4 || !Digits(code.substr(5)) || code.size() > 8) return std::nullopt;
  return Year(code.substr(0, 4));
}

// "rest" or "work", the first word of a day row's note.
std::optional<unsigned char> DayNote(std::string_view note) {
  std::size_t end = 0;
  while (end < note.size() && note[end] >= 'a' && note[end] <= 'z') ++end;
  const std::string_view word = note.substr(0, end);
  if (word == "rest") return kRest;
  if (word == "work") return kWork;
  return std::nullopt;
}

// 0 Sunday … 6 Saturday (1970-01-01 was a Thursday).
int Weekday(std::int64_t days) { return static_cast<int>(((days % 7) + 7 + 4) % 7); }
bool IsWeekend(std::int64_t days) {
  const int w = Weekday(days);
  return w == 0 || w == 6;
}

}  // namespace

const char* CountingName(Counting c) {
  return c == Counting::kWorkingDays ? "working_days" : "calendar";
}

std::optional<Counting> CountingFromName(std::string_view name) {
  if (name == "calendar") return Counting::kCalendarDays;
  if (name == "working_days") return Counting::kWorkingDays;
  return std::nullopt;
}

std::string CheckHolidayRow(const CodeEntry& row, const CodeBook& book) {
  const std::string_view code = row.code;
  if (NoticeYear(code)) {
    if (code.size() == 4) {
      if (!row.parent.empty()) return "annual notice " + row.code + " has a parent; it must have none";
      return {};
    }
    if (row.parent != code.substr(0, 4)) {
      return "amending notice " + row.code + " must have the annual notice " + std::string(code.substr(0, 4)) +
             " as its parent";
    }
    return {};
  }
  const std::optional<Date> day = Date::Parse(code);
  if (!day) {
    return "code " + row.code + " is neither a notice (YYYY or YYYY.N) nor a day (YYYY-MM-DD)";
  }
  const std::optional<int> notice_year = NoticeYear(row.parent);
  if (!notice_year || book.Find(table::kHoliday, row.parent) == nullptr) {
    return "day " + row.code + " must name the notice it comes from as its parent (YYYY or YYYY.N)";
  }
  if (day->year < *notice_year - 1 || day->year > *notice_year + 1) {
    return "day " + row.code + " is too far from the year of its notice " + row.parent;
  }
  const std::optional<unsigned char> kind = DayNote(row.note);
  if (!kind) return "day " + row.code + ": the note must begin with rest (放假) or work (调休上班)";
  if (*kind == kWork && !IsWeekend(day->DaysSinceEpoch())) {
    return "day " + row.code + " is a weekday; a make-up working day (调休上班) is a Saturday or Sunday";
  }
  return {};
}

Result<Calendar> Calendar::FromBook(const CodeBook& book) {
  Calendar cal;
  const TableInfo* info = book.Table(table::kHoliday);
  if (info == nullptr) return cal;
  cal.m_version = info->version;
  std::vector<std::pair<std::int64_t, unsigned char>> days;
  for (const CodeEntry* e : book.Entries(table::kHoliday)) {
    if (std::string why = CheckHolidayRow(*e, book); !why.empty()) {
      return MakeError(Errc::kCorruption, info->file.string() + ": " + why);
    }
    if (e->code.size() == 4) {
      cal.m_years.push_back(*Year(e->code));
    } else if (const auto d = Date::Parse(e->code)) {
      days.emplace_back(d->DaysSinceEpoch(), *DayNote(e->note));
    }
  }
  std::sort(cal.m_years.begin(), cal.m_years.end());
  if (!days.empty()) {
    std::sort(days.begin(), days.end());
    cal.m_first = days.front().first;
    cal.m_kinds.assign(static_cast<std::size_t>(days.back().first - cal.m_first + 1), kNone);
    for (const auto& [at, kind] : days) cal.m_kinds[static_cast<std::size_t>(at - cal.m_first)] = kind;
  }
  return cal;
}

DayKind Calendar::Kind(Date d) const {
  const std::int64_t days = d.DaysSinceEpoch();
  const std::int64_t i = days - m_first;
  const unsigned char mark =
      i >= 0 && i < static_cast<std::int64_t>(m_kinds.size()) ? m_kinds[static_cast<std::size_t>(i)] : kNone;
  if (mark == kRest) return DayKind::kHoliday;
  if (mark == kWork) return DayKind::kMakeUpWorkday;
  return IsWeekend(days) ? DayKind::kWeekend : DayKind::kWorkday;
}

bool Calendar::Covers(int year) const { return std::binary_search(m_years.begin(), m_years.end(), year); }

DueDay DueDate(const Calendar& calendar, Date start, int days, Counting counting) {
  DueDay due{start, true, 0};
  auto look = [&](Date d) {
    if (due.complete && !calendar.Covers(d.year)) {
      due.complete = false;
      due.unknown_year = d.year;
    }
    return calendar.IsRestDay(d);
  };
  days = std::min(days, kMaxDays);
  Date d = start;
  if (counting == Counting::kWorkingDays) {
    // The n-th working day after the start.
    for (int counted = 0, steps = 0; counted < days && steps < 3 * kMaxDays; ++steps) {
      d = d.AddDays(1);
      if (!look(d)) ++counted;
    }
  } else {
    d = d.AddDays(std::max(days, 0));
    // A last day on a rest day moves to the first day after the rest days.
    for (int steps = 0; look(d) && steps < kMaxDays; ++steps) d = d.AddDays(1);
  }
  due.day = d;
  return due;
}

}  // namespace xf::codes

// The statutory calendar (codes/data/holiday.csv) and DueDate. Every
// expected day below was worked out by hand from the State Council
// General Office's notices and a wall calendar, not by running the code.
#include "codes/calendar.h"

#include <doctest/doctest.h>

#include <string>

#include "codes/codebook.h"
#include "test/unit/codes/temp_dir.h"

namespace xf::codes {
namespace {

using testing::SourceDataDir;
using testing::TempDir;

const Calendar& Shipped() {
  static const Calendar cal = [] {
    auto book = CodeBook::Load(SourceDataDir());
    if (!book.ok()) FAIL(book.error().message);
    auto c = Calendar::FromBook(**book);
    if (!c.ok()) FAIL(c.error().message);
    return c.value();
  }();
  return cal;
}

Date D(const char* s) {
  auto d = Date::Parse(s);
  REQUIRE(d);
  return *d;
}

// Every day of [from, to] is of `kind`.
void CheckSpan(const char* from, const char* to, DayKind kind) {
  for (Date d = D(from); d <= D(to); d = d.AddDays(1)) {
    CAPTURE(d.ToString());
    CHECK(Shipped().Kind(d) == kind);
  }
}

Date Due(const char* start, int days, Counting c = Counting::kCalendarDays) {
  return DueDate(Shipped(), D(start), days, c).day;
}

TEST_CASE("calendar: the shipped notices, a handful of days per year") {
  const Calendar& cal = Shipped();
  CHECK(cal.Years() == std::vector<int>{2020, 2021, 2022, 2023, 2024, 2025, 2026});
  CHECK(cal.Version() == "cn-holidays-2020-2026.1");

  // 2020: the Spring Festival, extended by 国办发明电〔2020〕1号 to 2 February;
  // Saturday 1 February was to be worked and became a rest day.
  CheckSpan("2020-01-24", "2020-02-02", DayKind::kHoliday);
  CHECK(cal.Kind(D("2020-01-19")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2020-02-03")) == DayKind::kWorkday);
  CheckSpan("2020-10-01", "2020-10-08", DayKind::kHoliday);
  CHECK(cal.Kind(D("2020-09-27")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2020-10-10")) == DayKind::kMakeUpWorkday);

  // 2021
  CheckSpan("2021-02-11", "2021-02-17", DayKind::kHoliday);
  CHECK(cal.Kind(D("2021-02-07")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2021-02-20")) == DayKind::kMakeUpWorkday);
  CheckSpan("2021-09-19", "2021-09-21", DayKind::kHoliday);
  CHECK(cal.Kind(D("2021-09-18")) == DayKind::kMakeUpWorkday);

  // 2022
  CheckSpan("2022-01-31", "2022-02-06", DayKind::kHoliday);
  CHECK(cal.Kind(D("2022-01-29")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2022-01-30")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2022-04-02")) == DayKind::kMakeUpWorkday);
  CheckSpan("2022-10-01", "2022-10-07", DayKind::kHoliday);

  // 2023: New Year from Saturday 31 December 2022 (named by the 2023 notice).
  CheckSpan("2022-12-31", "2023-01-02", DayKind::kHoliday);
  CHECK(cal.Kind(D("2023-04-05")) == DayKind::kHoliday);  // 清明, one day, a Wednesday
  CheckSpan("2023-09-29", "2023-10-06", DayKind::kHoliday);
  CHECK(cal.Kind(D("2023-10-07")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2023-10-08")) == DayKind::kMakeUpWorkday);

  // 2024 (the example): 10–17 February rest, Sundays 4 and 18 worked;
  // New Year's Eve (9 February) was not a statutory holiday that year.
  CheckSpan("2024-02-10", "2024-02-17", DayKind::kHoliday);
  CHECK(cal.Kind(D("2024-02-04")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2024-02-18")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2024-02-09")) == DayKind::kWorkday);
  CHECK(cal.Kind(D("2024-06-10")) == DayKind::kHoliday);

  // 2025 (the example): 1–8 October rest, 28 September and 11 October worked;
  // New Year's Eve (28 January) a holiday under the 2024 revision of the 放假办法.
  CheckSpan("2025-10-01", "2025-10-08", DayKind::kHoliday);
  CHECK(cal.Kind(D("2025-09-28")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2025-10-11")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2025-01-28")) == DayKind::kHoliday);
  CHECK(cal.Kind(D("2025-01-26")) == DayKind::kMakeUpWorkday);

  // 2026: nine days of Spring Festival, Saturdays 14 and 28 February worked.
  CheckSpan("2026-02-15", "2026-02-23", DayKind::kHoliday);
  CHECK(cal.Kind(D("2026-02-14")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2026-02-28")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2026-01-04")) == DayKind::kMakeUpWorkday);
  CHECK(cal.Kind(D("2026-09-20")) == DayKind::kMakeUpWorkday);

  // Ordinary days.
  CHECK(cal.Kind(D("2024-03-16")) == DayKind::kWeekend);  // Saturday
  CHECK(cal.Kind(D("2024-03-18")) == DayKind::kWorkday);  // Monday
  CHECK(cal.IsRestDay(D("2024-03-17")));
  CHECK_FALSE(cal.IsRestDay(D("2024-02-18")));
  // A year without a notice: weekends only.
  CHECK_FALSE(cal.Covers(2027));
  CHECK(cal.Kind(D("2027-01-30")) == DayKind::kWeekend);
  CHECK(cal.Kind(D("2027-02-08")) == DayKind::kWorkday);
}

TEST_CASE("DueDate: the starting day is not counted; rest days move the last day") {
  CHECK(Due("2024-03-04", 1) == D("2024-03-05"));
  CHECK(Due("2024-03-04", 15) == D("2024-03-19"));  // a Tuesday: no move
  CHECK(Due("2024-03-01", 15) == D("2024-03-18"));  // Saturday 16 → Monday 18
  // Holiday rollover: 26 January 2024 + 15 = Saturday 10 February, the first day
  // of the Spring Festival; the rest days end on the 17th and Sunday 18th is worked.
  CHECK(Due("2024-01-26", 15) == D("2024-02-18"));
  // 16 September 2025 + 15 = 1 October → after the eight days, Thursday 9 October.
  CHECK(Due("2025-09-16", 15) == D("2025-10-09"));
  // A last day on a make-up working day stays there (Sunday 28 September 2025).
  CHECK(Due("2025-09-13", 15) == D("2025-09-28"));
  // 2020: without the extension Friday 31 January; with it, Monday 3 February.
  CHECK(Due("2020-01-16", 15) == D("2020-02-03"));
  // 30 days (复查): 20 September 2024 + 30 = Sunday 20 October → Monday 21.
  CHECK(Due("2024-09-20", 30) == D("2024-10-21"));
}

TEST_CASE("DueDate: leap years") {
  CHECK(Due("2024-02-14", 15) == D("2024-02-29"));  // 2024 has a 29 February, a Thursday
  CHECK(Due("2023-02-14", 15) == D("2023-03-01"));
  // 2 January 2024 + 60 days = Saturday 2 March (with 29 February) → Monday 4 March.
  CHECK(Due("2024-01-02", 60) == D("2024-03-04"));
}

TEST_CASE("DueDate: working days") {
  // From Friday 26 September 2025, 15 working days: Sun 28 (make-up), Mon 29, Tue 30,
  // then 1–8 October rest, Thu 9, Fri 10, Sat 11 (make-up), 13–17, 20–23.
  CHECK(Due("2025-09-26", 15, Counting::kWorkingDays) == D("2025-10-23"));
  // From Monday 4 March 2024, 5 working days: 5, 6, 7, 8, then Monday 11.
  CHECK(Due("2024-03-04", 5, Counting::kWorkingDays) == D("2024-03-11"));
  CHECK(CountingFromName("working_days") == Counting::kWorkingDays);
  CHECK(CountingFromName("calendar") == Counting::kCalendarDays);
  CHECK_FALSE(CountingFromName("workdays"));
  CHECK(std::string(CountingName(Counting::kWorkingDays)) == "working_days");
}

TEST_CASE("DueDate: a year the calendar lacks is said, and only weekends count") {
  const DueDay in = DueDate(Shipped(), D("2026-12-01"), 15, Counting::kCalendarDays);
  CHECK(in.complete);
  CHECK(in.day == D("2026-12-16"));
  const DueDay out = DueDate(Shipped(), D("2027-01-20"), 15, Counting::kCalendarDays);
  CHECK_FALSE(out.complete);
  CHECK(out.unknown_year == 2027);
  CHECK(out.day == D("2027-02-04"));  // a Thursday; the 2027 Spring Festival is not known
  const DueDay across = DueDate(Shipped(), D("2026-12-20"), 15, Counting::kCalendarDays);
  CHECK_FALSE(across.complete);
  CHECK(across.day == D("2027-01-04"));
  // No table at all: weekends only, every year unknown.
  const DueDay bare = DueDate(Calendar(), D("2024-01-26"), 15, Counting::kCalendarDays);
  CHECK_FALSE(bare.complete);
  CHECK(bare.day == D("2024-02-12"));  // Saturday 10 → Monday 12: the festival is not known
}

// A minimal set of tables holding only a holiday table.
std::string HolidayTable(const std::string& rows) {
  return "# table: holiday\n# title: t\n# standard: s\n# version: v1\n# official: yes\n"
         "code,label,parent,valid_from,valid_to,note\n" +
         rows;
}

TEST_CASE("calendar: an operator adds a year by adding rows") {
  TempDir dir;
  dir.Write("VERSION", "test-1\n");
  dir.Write("holiday.csv", HolidayTable("2027,国务院办公厅关于2027年部分节假日安排的通知,,,,国办发明电〔2026〕N号\n"
                                        "2027-02-05,春节,2027,,,rest\n"
                                        "2027-01-31,春节调休上班,2027,,,work\n"));
  auto book = CodeBook::Load(dir.path());
  REQUIRE_MESSAGE(book.ok(), book.error().message);
  auto cal = Calendar::FromBook(**book);
  REQUIRE(cal.ok());
  CHECK(cal->Covers(2027));
  CHECK(cal->Kind(D("2027-02-05")) == DayKind::kHoliday);
  CHECK(cal->Kind(D("2027-01-31")) == DayKind::kMakeUpWorkday);
  const DueDay due = DueDate(*cal, D("2027-01-21"), 15, Counting::kCalendarDays);
  CHECK(due.complete);
  CHECK(due.day == D("2027-02-08"));  // Friday 5 February a holiday, then the weekend
}

TEST_CASE("calendar: malformed holiday rows fail the load with file and line") {
  struct Bad {
    const char* rows;
    const char* why;
  };
  const Bad cases[] = {
      {"2027,n,,,,x\n2027-02-05,春节,2027,,,holiday\n", ":8: day 2027-02-05: the note must begin with rest"},
      {"2027,n,,,,x\n2027-02-03,春节调休上班,2027,,,work\n", ":8: day 2027-02-03 is a weekday"},
      {"2027,n,,,,x\n2029-02-05,春节,2027,,,rest\n", ":8: day 2029-02-05 is too far"},
      {"2027,n,,,,x\nspring,春节,2027,,,rest\n", ":8: code spring is neither a notice"},
      {"2027,n,,,,x\n2027.1,n,,,,x\n", ":8: amending notice 2027.1 must have the annual notice 2027"},
  };
  for (const Bad& b : cases) {
    CAPTURE(b.rows);
    TempDir dir;
    dir.Write("VERSION", "test-1\n");
    dir.Write("holiday.csv", HolidayTable(b.rows));
    auto book = CodeBook::Load(dir.path());
    REQUIRE_FALSE(book.ok());
    CHECK(book.error().message.find(b.why) != std::string::npos);
  }
}

}  // namespace
}  // namespace xf::codes

#include "codes/date.h"

#include <doctest/doctest.h>

#include <string>

#include "codes/result.h"

namespace xf {
namespace {

TEST_CASE("Date::Parse accepts real calendar days") {
  auto d = Date::Parse("2024-02-29");
  REQUIRE(d);
  CHECK(d->year == 2024);
  CHECK(d->month == 2);
  CHECK(d->day == 29);
  CHECK(Date::Parse("2000-02-29"));  // divisible by 400: leap
  CHECK(Date::Parse("1949-10-01"));
  CHECK(Date::Parse("0001-01-01"));
  CHECK(Date::Parse("9999-12-31"));
  CHECK(Date::Parse("2023-12-31"));
}

TEST_CASE("Date::Parse rejects everything else") {
  for (const char* bad : {"",
                          "2023-02-29",
                          "1900-02-29",
                          "2024-04-31",
                          "2024-13-01",
                          "2024-00-10",
                          "2024-01-00",
                          "2024-01-32",
                          "0000-01-01",
                          "2024-1-01",
                          "2024-01-1",
                          "24-01-01",
                          "2024/01/01",
                          "20240101",
                          " 2024-01-01",
                          "2024-01-01 ",
                          "2024-01-01T00:00:00Z",
                          "+024-01-01",
                          "2024-0a-01",
                          "２０２４-01-01"}) {
    CAPTURE(bad);
    CHECK_FALSE(Date::Parse(bad));
  }
}

TEST_CASE("Date::ParseCompact reads the birth date inside an ID number") {
  auto d = Date::ParseCompact("19491231");
  REQUIRE(d);
  CHECK(*d == Date{1949, 12, 31});
  CHECK(Date::ParseCompact("18800101"));
  CHECK_FALSE(Date::ParseCompact("19490231"));
  CHECK_FALSE(Date::ParseCompact("1949123"));
  CHECK_FALSE(Date::ParseCompact("194912310"));
  CHECK_FALSE(Date::ParseCompact("1949-12-"));
}

TEST_CASE("Date day arithmetic matches known values") {
  CHECK(Date{1970, 1, 1}.DaysSinceEpoch() == 0);
  CHECK(Date{1970, 1, 2}.DaysSinceEpoch() == 1);
  CHECK(Date{1969, 12, 31}.DaysSinceEpoch() == -1);
  CHECK(Date{2000, 3, 1}.DaysSinceEpoch() == 11017);
  CHECK(Date{1949, 10, 1}.DaysSinceEpoch() == -7397);
  CHECK(Date::FromDays(0) == Date{1970, 1, 1});
  CHECK(Date{2024, 2, 28}.AddDays(1) == Date{2024, 2, 29});
  CHECK(Date{2023, 2, 28}.AddDays(1) == Date{2023, 3, 1});
  CHECK(Date{2023, 12, 31}.AddDays(1) == Date{2024, 1, 1});
  CHECK(Date{2024, 3, 1}.AddDays(-1) == Date{2024, 2, 29});
  CHECK(Date{2026, 1, 1}.AddDays(60) == Date{2026, 3, 2});
}

TEST_CASE("Date round-trips through days and text") {
  // Every day from 0001-01-01 to 9999-12-31, sampled.
  const std::int64_t first = Date{1, 1, 1}.DaysSinceEpoch();
  const std::int64_t last = Date{9999, 12, 31}.DaysSinceEpoch();
  Date prev = Date::FromDays(first - 1);
  for (std::int64_t day = first; day <= last; day += 7) {
    const Date d = Date::FromDays(day);
    REQUIRE(d.DaysSinceEpoch() == day);
    REQUIRE(d > prev);
    auto back = Date::Parse(d.ToString());
    REQUIRE(back);
    REQUIRE(*back == d);
    prev = d;
  }
  // Every day of a few years around leap days and the epoch.
  for (std::int64_t day = Date{1899, 1, 1}.DaysSinceEpoch();
       day < Date{1901, 1, 1}.DaysSinceEpoch(); ++day) {
    REQUIRE(Date::FromDays(day).DaysSinceEpoch() == day);
  }
  for (std::int64_t day = -800; day < 800; ++day) {
    const Date d = Date::FromDays(day);
    REQUIRE(d.day <= DaysInMonth(d.year, d.month));
    REQUIRE(Date::FromDays(day + 1) == d.AddDays(1));
  }
}

TEST_CASE("Date ordering and formatting") {
  CHECK(Date{2010, 6, 30} < Date{2010, 7, 1});
  CHECK(Date{2009, 12, 31} < Date{2010, 1, 1});
  CHECK(Date{2010, 7, 1} == Date{2010, 7, 1});
  CHECK(Date{5, 3, 9}.ToString() == "0005-03-09");
  CHECK(Date{2026, 11, 22}.ToString() == "2026-11-22");
}

TEST_CASE("Leap years and month lengths") {
  CHECK(IsLeapYear(2024));
  CHECK(IsLeapYear(2000));
  CHECK_FALSE(IsLeapYear(1900));
  CHECK_FALSE(IsLeapYear(2023));
  CHECK(DaysInMonth(2024, 2) == 29);
  CHECK(DaysInMonth(2023, 2) == 28);
  CHECK(DaysInMonth(2023, 4) == 30);
  CHECK(DaysInMonth(2023, 12) == 31);
  CHECK(DaysInMonth(2023, 0) == 0);
  CHECK(DaysInMonth(2023, 13) == 0);
}

TEST_CASE("Instant::Parse requires an offset and converts to UTC") {
  auto a = Instant::Parse("2026-03-01T09:30:00+08:00");
  auto b = Instant::Parse("2026-03-01T01:30:00Z");
  REQUIRE(a);
  REQUIRE(b);
  CHECK(*a == *b);
  CHECK(a->ToString() == "2026-03-01T01:30:00Z");
  CHECK(Instant::Parse("1970-01-01T00:00:00Z")->seconds == 0);
  CHECK(Instant::Parse("1970-01-01T00:00:00+00:00")->seconds == 0);
  CHECK(Instant::Parse("1969-12-31T23:59:59Z")->seconds == -1);
  CHECK(Instant::Parse("1970-01-01T00:00:00-05:30")->seconds == 5 * 3600 + 1800);
  // A fraction is accepted and dropped.
  CHECK(Instant::Parse("2026-03-01T01:30:00.123456789Z")->seconds == b->seconds);
  CHECK(Instant::Parse("2026-03-01T01:30:00.5+00:00")->seconds == b->seconds);
}

TEST_CASE("Instant::Parse rejects malformed text") {
  for (const char* bad :
       {"", "2026-03-01", "2026-03-01T09:30:00", "2026-03-01 09:30:00Z", "2026-03-01T24:00:00Z",
        "2026-03-01T09:60:00Z", "2026-03-01T09:30:61Z", "2026-02-30T09:30:00Z",
        "2026-03-01T09:30:00+8:00", "2026-03-01T09:30:00+0800", "2026-03-01T09:30:00+15:00",
        "2026-03-01T09:30:00+08:60", "2026-03-01T09:30:00.Z", "2026-03-01T09:30:00.1234567890Z",
        "2026-03-01T09:30:00Zjunk", "2026-03-01T09:30:00z", "2026-03-01t09:30:00Z",
        "2026-03-01T9:30:00Z",
        // Outside UTC years 1900–9999 once the offset is applied: ToString could not write them back.
        "9999-12-31T23:00:00-14:00", "0001-01-01T00:00:00+00:01", "1899-12-31T23:59:59Z",
        "1900-01-01T07:59:59+08:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(Instant::Parse(bad));
  }
}

TEST_CASE("Instant round-trips through text") {
  for (std::int64_t s :
       {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{86399},
        std::int64_t{-86401}, std::int64_t{1'772'000'000}, std::int64_t{-631'152'000}}) {
    const Instant t{s};
    auto back = Instant::Parse(t.ToString());
    REQUIRE(back);
    CHECK(back->seconds == s);
  }
  CHECK(Instant{-1}.ToString() == "1969-12-31T23:59:59Z");
  // The bounds themselves are accepted and written back.
  for (const char* edge : {"1900-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+08:00"}) {
    CAPTURE(edge);
    auto t = Instant::Parse(edge);
    REQUIRE(t);
    CHECK(Instant::Parse(t->ToString())->seconds == t->seconds);
  }
}

TEST_CASE("Instant::ToDate uses the local offset, China by default") {
  // 2026-03-01T16:00:00Z is midnight of 03-02 in Beijing.
  const Instant t = *Instant::Parse("2026-03-01T16:00:00Z");
  CHECK(t.ToDate() == Date{2026, 3, 2});
  CHECK(t.ToDate(0) == Date{2026, 3, 1});
  CHECK(Instant{t.seconds - 1}.ToDate() == Date{2026, 3, 1});
  CHECK(Instant{-1}.ToDate(0) == Date{1969, 12, 31});
  CHECK(Instant{-1}.ToDate() == Date{1970, 1, 1});
  CHECK(Instant::FromDate(Date{2026, 3, 2}) == t);
  CHECK(Instant::FromDate(Date{2026, 3, 2}, 0).ToDate(0) == Date{2026, 3, 2});
}

TEST_CASE("ManualClock moves only when told") {
  ManualClock clock(Instant{100});
  const Clock& c = clock;
  CHECK(c.Now().seconds == 100);
  clock.Advance(86400);
  CHECK(c.Now().seconds == 86500);
  clock.Set(Instant{5});
  CHECK(c.Now().seconds == 5);
  CHECK(SystemClock().Now().seconds > Instant::Parse("2024-01-01T00:00:00Z")->seconds);
}

TEST_CASE("Result and ErrcName") {
  Result<int> ok = 5;
  CHECK(ok);
  CHECK(*ok == 5);
  Result<int> bad = MakeError(Errc::kNotFound, "x");
  CHECK_FALSE(bad);
  CHECK(bad.error().code == Errc::kNotFound);
  CHECK(std::string(ErrcName(Errc::kLimit)) == "limit");
  Status s;
  CHECK(s);
}

}  // namespace
}  // namespace xf

// Civil dates and UTC instants as the records use them.
// Date: a proleptic Gregorian calendar day ("YYYY-MM-DD").
// Instant: seconds since the Unix epoch, UTC; parsed from ISO 8601 with an
// offset ("2026-03-01T09:30:00+08:00" or "...Z") and written as UTC "...Z".
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xf {

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;

  // Days since 1970-01-01 (negative before).
  std::int64_t DaysSinceEpoch() const;
  static Date FromDays(std::int64_t days);
  // Strict "YYYY-MM-DD" with a real calendar day; nullopt otherwise.
  static std::optional<Date> Parse(std::string_view text);
  // Strict "YYYYMMDD" (as inside an ID number).
  static std::optional<Date> ParseCompact(std::string_view text);
  std::string ToString() const;
  Date AddDays(std::int64_t n) const { return FromDays(DaysSinceEpoch() + n); }

  auto operator<=>(const Date&) const = default;
};

bool IsLeapYear(int year);
int DaysInMonth(int year, int month);

struct Instant {
  std::int64_t seconds = 0;  // since the Unix epoch, UTC

  // ISO 8601 "YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)"; an offset is required.
  static std::optional<Instant> Parse(std::string_view text);
  std::string ToString() const;  // "YYYY-MM-DDThh:mm:ssZ"
  // The civil date at the given UTC offset (China: +8 h).
  Date ToDate(int offset_seconds = 8 * 3600) const;
  static Instant FromDate(Date d, int offset_seconds = 8 * 3600);

  auto operator<=>(const Instant&) const = default;
};

// The clock is injected wherever time matters, so tests run on manual time.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant Now() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(Instant start) : m_now(start) {}
  Instant Now() const override { return m_now; }
  void Set(Instant t) { m_now = t; }
  void Advance(std::int64_t seconds) { m_now.seconds += seconds; }

 private:
  Instant m_now;
};

}  // namespace xf

// node/case_text.h: times in the node's time zone with the offset shown,
// durations in days and hours (never seconds), days left or overdue — in
// Chinese by default, English on request (issue 15).
#include <doctest/doctest.h>

#include <string>

#include "node/case_text.h"

namespace xf::node::text {
namespace {

TEST_CASE("LocalTime: Asia/Shanghai, the offset shown, the day rolled over at 16:00 UTC") {
  const auto at = Instant::Parse("2025-04-08T02:05:00Z");
  REQUIRE(at);
  CHECK(LocalTime(*at) == "2025-04-08 10:05:00 +08:00");
  const auto late = Instant::Parse("2025-04-08T16:30:00Z");
  REQUIRE(late);
  CHECK(LocalTime(*late) == "2025-04-09 00:30:00 +08:00");
}

TEST_CASE("Duration: days and hours, hours under a day, never seconds; nothing negative") {
  CHECK(Duration(2367266) == "27 天 9 小时");
  CHECK(Duration(2367266, true) == "27 d 9 h");
  CHECK(Duration(5 * 3600 + 1800) == "5.5 小时");
  CHECK(Duration(5 * 3600 + 1800, true) == "5.5 h");
  CHECK(Duration(-10) == "0.0 小时");
}

TEST_CASE("DaysLeft: left, due today, overdue, both languages") {
  CHECK(DaysLeft(12) == "还剩 12 天");
  CHECK(DaysLeft(0) == "今天到期");
  CHECK(DaysLeft(-30) == "超期 30 天");
  CHECK(DaysLeft(1, true) == "1 day left");
  CHECK(DaysLeft(0, true) == "due today");
  CHECK(DaysLeft(-2, true) == "2 days overdue");
}

}  // namespace
}  // namespace xf::node::text

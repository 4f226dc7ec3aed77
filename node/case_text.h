// Words for people about a case: the labels of statuses, event kinds and
// legal clocks in Chinese (and English), times in the node's time zone with
// the offset shown, and ID numbers and phone numbers masked for a screen.
// Used by the local API's case list and by xfctl case list|show, so both
// say the same thing.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "schema/clocks.h"
#include "schema/records.h"

namespace xf::node::text {

// Every status of a case's projection (projection.h, CaseState::status).
const std::vector<std::string_view>& Statuses();
bool IsStatus(std::string_view status);
// "已受理" / "accepted"; the status itself when unknown.
std::string StatusLabel(std::string_view status, bool english = false);

// "登记" / "registration", from the event kind's name (schema::EventKindName).
std::string KindLabel(schema::EventKind kind, bool english = false);
// The label of a legal clock: its Chinese label (schema::ClockInfo), or its
// English words.
std::string ClockLabel(schema::Clock clock, bool english = false);

// The node's time zone: every civil date in the records is China's (UTC+8,
// schema/clocks.h), and times are shown there too, with the offset.
inline constexpr const char* kTimeZone = "Asia/Shanghai";
inline constexpr int kTimeZoneOffset = 8 * 3600;
// "2025-04-08 10:05:00 +08:00".
std::string LocalTime(Instant t);

// Days as people say them: "还剩 12 天", "今天到期", "超期 30 天"
// ("12 days left", "due today", "30 days overdue").
std::string DaysLeft(std::int64_t days_left, bool english = false);

// 110105195807220465 → 110105********0465; shorter or odd values keep only
// their last 4 characters visible.
std::string MaskIdNumber(std::string_view id);
// 13908171234 → 139****1234: every digit but the first 3 and the last 4.
std::string MaskPhone(std::string_view phone);

}  // namespace xf::node::text

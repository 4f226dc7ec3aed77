#include "node/case_text.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace xf::node::text {

namespace {

struct Words {
  std::string_view key, zh, en;
};

constexpr Words kStatuses[] = {
    {"registered", "已登记", "registered"},
    {"accepted", "已受理", "accepted"},
    {"not_accepted", "不予受理", "not accepted"},
    {"not_reaccepted", "不再受理", "not accepted again"},
    {"decided", "已作受理决定", "decided"},
    {"forwarded", "已转送", "forwarded"},
    {"assigned", "已交办", "assigned"},
    {"handled", "已答复", "handled"},
    {"review_requested", "已申请复查", "review requested"},
    {"reviewed", "已复查", "reviewed"},
    {"rereview_requested", "已申请复核", "re-review requested"},
    {"rereviewed", "已复核", "re-reviewed"},
    {"closed", "已办结", "closed"},
};

constexpr Words kKinds[] = {
    {"registration", "登记", "registration"},      {"acceptance", "受理决定", "acceptance decision"},
    {"transfer", "转送/交办", "transfer"},          {"handling", "办理结果", "handling result"},
    {"supervision", "督办", "supervision"},         {"evaluation", "满意度评价", "evaluation"},
    {"review", "复查", "review"},                   {"rereview", "复核", "re-review"},
    {"closure", "办结", "closure"},                 {"correction", "更正", "correction"},
    {"extension", "延期", "extension"},
};

constexpr Words kClocks[] = {
    {"route", "登记转送交办", "register and route"},  {"accept_notice", "受理告知", "acceptance notice"},
    {"handle", "办理", "handling"},                    {"review_request", "复查申请", "review request"},
    {"review_decision", "复查", "review decision"},    {"rereview_request", "复核申请", "re-review request"},
    {"rereview_decision", "复核", "re-review decision"},
};

template <std::size_t N>
std::string Find(const Words (&table)[N], std::string_view key, bool english) {
  for (const auto& w : table) {
    if (w.key == key) return std::string(english ? w.en : w.zh);
  }
  return std::string(key);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

const std::vector<std::string_view>& Statuses() {
  static const std::vector<std::string_view> kAll = [] {
    std::vector<std::string_view> v;
    for (const auto& w : kStatuses) v.push_back(w.key);
    return v;
  }();
  return kAll;
}

bool IsStatus(std::string_view status) {
  for (const auto& w : kStatuses) {
    if (w.key == status) return true;
  }
  return false;
}

std::string StatusLabel(std::string_view status, bool english) { return Find(kStatuses, status, english); }

std::string KindLabel(schema::EventKind kind, bool english) {
  return Find(kKinds, schema::EventKindName(kind), english);
}

std::string ClockLabel(schema::Clock clock, bool english) {
  if (!english) return std::string(schema::InfoOf(clock).label);
  return Find(kClocks, schema::InfoOf(clock).name, true);
}

std::string LocalTime(Instant t) {
  const std::int64_t local = t.seconds + kTimeZoneOffset;
  std::int64_t days = local / 86400, rest = local % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  char hms[40];
  std::snprintf(hms, sizeof hms, " %02d:%02d:%02d %c%02d:%02d", static_cast<int>(rest / 3600),
                static_cast<int>(rest % 3600 / 60), static_cast<int>(rest % 60), kTimeZoneOffset < 0 ? '-' : '+',
                std::abs(kTimeZoneOffset) / 3600, std::abs(kTimeZoneOffset) % 3600 / 60);
  return Date::FromDays(days).ToString() + hms;
}

std::string DaysLeft(std::int64_t days_left, bool english) {
  if (english) {
    if (days_left > 0) return std::to_string(days_left) + (days_left == 1 ? " day left" : " days left");
    if (days_left == 0) return "due today";
    return std::to_string(-days_left) + (days_left == -1 ? " day overdue" : " days overdue");
  }
  if (days_left > 0) return "还剩 " + std::to_string(days_left) + " 天";
  if (days_left == 0) return "今天到期";
  return "超期 " + std::to_string(-days_left) + " 天";
}

std::string MaskIdNumber(std::string_view id) {
  if (id.size() >= 15) return std::string(id.substr(0, 6)) + std::string(id.size() - 10, '*') + std::string(id.substr(id.size() - 4));
  if (id.size() <= 4) return std::string(id.size(), '*');
  return std::string(id.size() - 4, '*') + std::string(id.substr(id.size() - 4));
}

std::string MaskPhone(std::string_view phone) {
  std::size_t digits = 0;
  for (char c : phone) digits += IsDigit(c) ? 1 : 0;
  std::string out;
  std::size_t seen = 0;
  for (char c : phone) {
    if (!IsDigit(c)) {
      out.push_back(c);
      continue;
    }
    ++seen;
    const bool keep = digits >= 8 ? (seen <= 3 || seen > digits - 4) : seen > digits - std::min<std::size_t>(digits, 2);
    out.push_back(keep ? c : '*');
  }
  return out;
}

}  // namespace xf::node::text

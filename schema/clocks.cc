#include "schema/clocks.h"

#include <algorithm>
#include <variant>

namespace xf::schema {

namespace {

constexpr std::array<ClockInfo, 7> kClocks = {{
    {Clock::kRoute, "route", "登记转送交办", kRouteDays, false},
    {Clock::kAcceptNotice, "accept_notice", "受理告知", kAcceptNoticeDays, false},
    {Clock::kHandle, "handle", "办理", kHandleDays, false},
    {Clock::kReviewRequest, "review_request", "复查申请", kReviewRequestDays, true},
    {Clock::kReviewDecision, "review_decision", "复查", kReviewDecisionDays, false},
    {Clock::kReReviewRequest, "rereview_request", "复核申请", kReReviewRequestDays, true},
    {Clock::kReReviewDecision, "rereview_decision", "复核", kReReviewDecisionDays, false},
}};

// The earlier of two optional values.
template <class T>
void KeepFirst(std::optional<T>& at, T value) {
  if (!at || value < *at) at = value;
}

}  // namespace

const std::array<ClockInfo, 7>& Clocks() { return kClocks; }

const ClockInfo& InfoOf(Clock c) { return kClocks[static_cast<std::size_t>(c)]; }

std::optional<Clock> ClockFromName(std::string_view name) {
  for (const auto& c : kClocks) {
    if (c.name == name) return c.clock;
  }
  return std::nullopt;
}

codes::DueDay ClockDue(Clock clock, Date start, const codes::Calendar& calendar, codes::Counting counting,
                       int extension_days, std::optional<Date> extension_made) {
  codes::DueDay due = codes::DueDate(calendar, start, InfoOf(clock).days, counting);
  if (clock != Clock::kHandle || extension_days <= 0 || !extension_made || *extension_made > due.day) {
    return due;
  }
  // The extension runs on from the end of the 60 days: that last day is the
  // start, not counted, of at most 30 more.
  const codes::DueDay extended =
      codes::DueDate(calendar, due.day, std::min(extension_days, kMaxExtensionDays), counting);
  codes::DueDay out = extended;
  if (!due.complete) {
    out.complete = false;
    out.unknown_year = due.unknown_year;
  }
  return out;
}

CaseFacts FactsOf(const std::vector<Event>& events) {
  CaseFacts f;
  std::optional<Instant> reg_time;
  std::vector<Date> transfers;
  std::optional<Instant> bureau_eval_at, handler_eval_at;
  for (const Event& e : events) {
    const Date day = DayOf(e.occurred_at);
    switch (e.kind) {
      case EventKind::kRegistration:
        if (const auto* c = std::get_if<CaseRegistration>(&e.body)) {
          // The first registration counts (a second one is refused on arrival).
          if (!reg_time || e.occurred_at < *reg_time) {
            reg_time = e.occurred_at;
            f.registered = true;
            f.received = c->received_date;
            f.initial_case_id = c->repeat ? c->initial_case_id : std::string();
            f.anonymous = c->anonymous;
          }
        }
        break;
      case EventKind::kAcceptance:
        if (const auto* a = std::get_if<Acceptance>(&e.body)) {
          KeepFirst(f.decided_at, e.occurred_at);
          KeepFirst(f.routed_at, e.occurred_at);
          if (a->decision == "1") KeepFirst(f.accepted_at, e.occurred_at);
        }
        break;
      case EventKind::kTransfer:
        transfers.push_back(day);
        KeepFirst(f.routed_at, e.occurred_at);
        break;
      case EventKind::kHandling:
        if (const auto* h = std::get_if<Handling>(&e.body); h != nullptr && !h->reply.empty()) {
          KeepFirst(f.completed, day);
          f.replies_delivered.push_back(h->delivered_on.value_or(day));
        }
        break;
      case EventKind::kEvaluation:
        if (const auto* v = std::get_if<Evaluation>(&e.body)) {
          const bool bureau = v->target == Evaluation::Target::kBureau;
          auto& at = bureau ? bureau_eval_at : handler_eval_at;
          if (!at || e.occurred_at >= *at) {
            at = e.occurred_at;
            (bureau ? f.eval_bureau : f.eval_handler) = v->value;
            (bureau ? f.eval_bureau_on : f.eval_handler_on) = day;
          }
        }
        break;
      case EventKind::kReview:
      case EventKind::kReReview:
        if (const auto* r = std::get_if<Review>(&e.body)) {
          const bool first_stage = e.kind == EventKind::kReview;
          if (r->step == Review::Step::kRequest) {
            KeepFirst(first_stage ? f.review_requested : f.rereview_requested, day);
          } else if (first_stage) {
            KeepFirst(f.review_decided, day);
            f.reviews_delivered.push_back(r->delivered_on.value_or(day));
          } else {
            KeepFirst(f.rereview_decided, day);
            KeepFirst(f.rereview_decided_at, e.occurred_at);
          }
        }
        break;
      case EventKind::kClosure:
        KeepFirst(f.closed, day);
        KeepFirst(f.completed, day);
        KeepFirst(f.routed_at, e.occurred_at);
        break;
      case EventKind::kExtension:
        if (const auto* x = std::get_if<Extension>(&e.body)) {
          ++f.extensions;
          if (!f.extension_on || day < *f.extension_on) {
            f.extension_on = day;
            f.extension_days = x->days;
          }
        }
        break;
      case EventKind::kCorrection:
        if (const auto* c = std::get_if<Correction>(&e.body)) {
          for (const auto& field : c->fields) {
            if (field.path == "received_date") {
              if (auto d = Date::Parse(field.value)) f.received = *d;
            }
          }
        }
        break;
      case EventKind::kSupervision:
      case EventKind::kDuplicateNotice:
        break;
    }
  }
  if (f.decided_at) f.decided = DayOf(*f.decided_at);
  if (f.accepted_at) f.accepted = DayOf(*f.accepted_at);
  if (f.routed_at) f.routed = DayOf(*f.routed_at);
  std::sort(f.replies_delivered.begin(), f.replies_delivered.end());
  std::sort(f.reviews_delivered.begin(), f.reviews_delivered.end());
  // The handling body received the case on the day of the last transfer on
  // or before its decision (or the last one, while undecided); without a
  // transfer, the registering body decides from the received date.
  if (f.registered) f.notice_start = f.received;
  std::optional<Date> last_transfer;
  for (const Date t : transfers) {
    if (f.decided && t > *f.decided) continue;
    if (!last_transfer || t > *last_transfer) last_transfer = t;
  }
  // (Not before the case was received: a transfer dated earlier is an error of the record.)
  if (last_transfer && (!f.registered || *last_transfer > f.received)) f.notice_start = last_transfer;
  return f;
}

std::vector<ClockState> ClocksOf(const CaseFacts& f, const codes::Calendar& calendar, codes::Counting counting) {
  std::vector<ClockState> out;
  auto add = [&](Clock c, Date start, std::optional<Date> met, int ext = 0, std::optional<Date> ext_on = {}) {
    ClockState s{c, start, ClockDue(c, start, calendar, counting, ext, ext_on), met, 0};
    if (c == Clock::kHandle && ext > 0 && ext_on &&
        *ext_on <= ClockDue(c, start, calendar, counting).day) {
      s.extension_days = std::min(ext, kMaxExtensionDays);
    }
    out.push_back(s);
  };
  if (f.registered) {
    add(Clock::kRoute, f.received, f.routed);
    add(Clock::kAcceptNotice, f.notice_start.value_or(f.received), f.decided);
  }
  if (f.accepted) add(Clock::kHandle, *f.accepted, f.completed, f.extension_days, f.extension_on);
  if (!f.replies_delivered.empty()) add(Clock::kReviewRequest, f.replies_delivered.back(), f.review_requested);
  if (f.review_requested) add(Clock::kReviewDecision, *f.review_requested, f.review_decided);
  if (!f.reviews_delivered.empty()) add(Clock::kReReviewRequest, f.reviews_delivered.back(), f.rereview_requested);
  if (f.rereview_requested) add(Clock::kReReviewDecision, *f.rereview_requested, f.rereview_decided);
  return out;
}

}  // namespace xf::schema

#include "schema/chronology.h"

#include <algorithm>
#include <variant>

#include "schema/clocks.h"

namespace xf::schema {

namespace {

class Checker {
 public:
  Checker(const std::vector<Event>& history, const Event& e, const ChronologyContext& ctx)
      : m_e(e), m_ctx(ctx), m_f(FactsOf(history)), m_day(DayOf(e.occurred_at)) {
    m_record = e.seq > 0 ? e.Id() : e.case_id;
    if (m_record.empty()) {
      if (const auto* c = std::get_if<CaseRegistration>(&e.body)) m_record = c->case_id;
    }
  }

  Violations Run() {
    switch (m_e.kind) {
      case EventKind::kRegistration:
        Registration(std::get<CaseRegistration>(m_e.body));
        break;
      case EventKind::kAcceptance:
        Acceptance_(std::get<Acceptance>(m_e.body));
        break;
      case EventKind::kTransfer:
        NotOnClosedMatter("kind", "a transfer (转送/交办)");
        break;
      case EventKind::kHandling:
        if (!std::get<Handling>(m_e.body).reply.empty()) {
          AfterDecision("a written reply (答复意见)");
        }
        break;
      case EventKind::kEvaluation:
        if (std::get<Evaluation>(m_e.body).target == Evaluation::Target::kBureau) {
          AfterRouting();
        } else {
          AfterDecision("an evaluation of the handling body (满意度评价)");
        }
        break;
      case EventKind::kClosure:
        AfterDecision("a closure (办结)");
        break;
      case EventKind::kExtension:
        Extension_();
        break;
      case EventKind::kReview:
      case EventKind::kReReview:
        Review_(std::get<Review>(m_e.body), m_e.kind == EventKind::kReview);
        break;
      case EventKind::kSupervision:
      case EventKind::kCorrection:
      case EventKind::kDuplicateNotice:  // a finding, at any time: it changes no step
        break;
    }
    return std::move(m_out);
  }

 private:
  void Add(const char* field, std::string message) {
    m_out.push_back(Violation{"R7", field, std::move(message), m_record});
  }
  // a is before b by more than the allowed skew.
  static bool Before(Instant a, Instant b) { return a.seconds + kChronologySkewSeconds < b.seconds; }
  std::string Day() const { return m_day.ToString(); }

  void Registration(const CaseRegistration& c) {
    if (!c.repeat || c.initial_case_id.empty()) return;
    const std::string& self = !m_e.case_id.empty() ? m_e.case_id : c.case_id;
    if (!self.empty() && c.initial_case_id == self) {
      Add("initial_case_id", "a repeat case (重件) cannot name itself as its initial case (初件)");
      return;
    }
    if (!m_ctx.initial) return;
    if (const auto initial = m_ctx.initial(c.initial_case_id); initial && initial->received > c.received_date) {
      Add("initial_case_id", "initial case (初件) " + c.initial_case_id + " was received on " +
                                 initial->received.ToString() + ", after this repeat case (received " +
                                 c.received_date.ToString() + ")");
    }
  }

  // 不再受理: after a 复核 decision on this case, nothing opens the matter again.
  bool NotOnClosedMatter(const char* field, const std::string& what) {
    if (!m_f.rereview_decided_at || m_e.occurred_at < *m_f.rereview_decided_at) return true;
    Add(field, what + " on " + Day() + " comes after the 复核 decision of " + m_f.rereview_decided->ToString() +
                   " closed the matter: it is not accepted again (不再受理)");
    return false;
  }

  void Acceptance_(const Acceptance& a) {
    if (m_f.registered && m_day < m_f.received) {
      Add("occurred_at", "acceptance decision (受理决定) dated " + Day() + " is before the case was received (信访日期 " +
                             m_f.received.ToString() + ")");
    }
    if (a.decision != "1") return;  // 不予受理 and 不再受理 may always be decided
    if (!NotOnClosedMatter("decision", "accepting (受理) the case")) return;
    if (m_f.initial_case_id.empty() || !m_ctx.initial) return;
    const auto initial = m_ctx.initial(m_f.initial_case_id);
    if (initial && initial->closed_by_rereview && m_e.occurred_at >= *initial->closed_by_rereview) {
      Add("decision", "the matter of initial case (初件) " + m_f.initial_case_id + " was closed by a 复核 decision on " +
                          DayOf(*initial->closed_by_rereview).ToString() +
                          ": the same matter is not accepted again (不再受理; decide 3)");
    }
  }

  // A step that needs the acceptance decision (受理告知) first.
  void AfterDecision(const std::string& what) {
    if (!m_f.decided_at) {
      if (m_ctx.strict) {
        Add("occurred_at", what + " on " + Day() + " without an acceptance decision (受理决定) held here");
      }
      return;
    }
    if (Before(m_e.occurred_at, *m_f.decided_at)) {
      Add("occurred_at", what + " on " + Day() + " is before the acceptance decision (受理决定) of " +
                             m_f.decided->ToString());
    }
  }

  // An evaluation of the petition bureau needs its work done: a transfer or a decision.
  void AfterRouting() {
    const std::string what = "an evaluation of the petition bureau (满意度评价)";
    if (!m_f.routed_at) {
      if (m_ctx.strict) {
        Add("occurred_at", what + " on " + Day() + " without a transfer (转送/交办) or acceptance decision held here");
      }
      return;
    }
    if (Before(m_e.occurred_at, *m_f.routed_at)) {
      Add("occurred_at", what + " on " + Day() + " is before the case was transferred or decided (" +
                             m_f.routed->ToString() + ")");
    }
  }

  void Extension_() {
    if (m_f.extensions > 0) {
      Add("kind", "a second extension (延期): one was made on " + m_f.extension_on->ToString() +
                      "; the handling period is extended once only");
      return;
    }
    if (!NotOnClosedMatter("kind", "an extension (延期)")) return;
    if (!m_f.accepted_at) {
      if (m_ctx.strict) Add("occurred_at", "an extension (延期) on " + Day() + " without the case accepted (受理) here");
      return;
    }
    if (Before(m_e.occurred_at, *m_f.accepted_at)) {
      Add("occurred_at", "an extension (延期) on " + Day() + " is before the acceptance (受理) of " +
                             m_f.accepted->ToString());
      return;
    }
    const Date due = ClockDue(Clock::kHandle, *m_f.accepted, m_ctx.calendar, m_ctx.counting).day;
    if (m_day > due) {
      Add("occurred_at", "an extension (延期) on " + Day() + " comes after the 60 days to handle ran out on " +
                             due.ToString() + " (accepted " + m_f.accepted->ToString() + ")");
    }
  }

  // A request within its 30 days of the delivery it answers.
  void Window(const std::vector<Date>& delivered, Clock window, const std::string& what,
              const std::string& answers) {
    if (delivered.empty()) {
      if (m_ctx.strict) Add("occurred_at", what + " on " + Day() + " without " + answers + " held here");
      return;
    }
    // The latest delivery on or before the request opened the window that counts.
    const auto it = std::upper_bound(delivered.begin(), delivered.end(), m_day);
    if (it == delivered.begin()) {
      Add("occurred_at", what + " on " + Day() + " is before the petitioner received " + answers + " (送达 " +
                             delivered.front().ToString() + ")");
      return;
    }
    const Date from = *(it - 1);
    const Date due = ClockDue(window, from, m_ctx.calendar, m_ctx.counting).day;
    if (m_day > due) {
      Add("occurred_at", what + " on " + Day() + " is more than " + std::to_string(InfoOf(window).days) +
                             " days after the petitioner received " + answers + " (送达 " + from.ToString() +
                             "; the period ended " + due.ToString() + ")");
    }
  }

  void Decision(const std::optional<Date>& requested, const std::string& what, const std::string& request) {
    if (!requested) {
      if (m_ctx.strict) Add("occurred_at", what + " on " + Day() + " without " + request + " held here");
      return;
    }
    if (m_day < *requested) {
      Add("occurred_at", what + " on " + Day() + " is before " + request + " of " + requested->ToString());
    }
  }

  void Review_(const Review& r, bool first_stage) {
    const bool request = r.step == Review::Step::kRequest;
    if (request) {
      const std::string what = first_stage ? "a 复查 request" : "a 复核 request";
      if (!NotOnClosedMatter("kind", what)) return;
      if (first_stage) {
        Window(m_f.replies_delivered, Clock::kReviewRequest, what, "a written reply (答复意见)");
      } else {
        Window(m_f.reviews_delivered, Clock::kReReviewRequest, what, "a 复查 decision");
      }
      return;
    }
    if (first_stage) {
      Decision(m_f.review_requested, "a 复查 decision", "a 复查 request");
    } else {
      Decision(m_f.rereview_requested, "a 复核 decision", "a 复核 request");
    }
  }

  const Event& m_e;
  const ChronologyContext& m_ctx;
  const CaseFacts m_f;
  const Date m_day;
  std::string m_record;
  Violations m_out;
};

}  // namespace

Violations CheckChronology(const std::vector<Event>& history, const Event& e, const ChronologyContext& ctx) {
  if (!BodyMatchesKind(e)) return {};  // R3 says so already
  return Checker(history, e, ctx).Run();
}

}  // namespace xf::schema

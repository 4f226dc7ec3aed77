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
        NotOnClosedMatter("kind", {"转送/交办", "a transfer (转送/交办)"});
        break;
      case EventKind::kHandling:
        if (!std::get<Handling>(m_e.body).reply.empty()) {
          AfterDecision({"书面答复意见", "a written reply (答复意见)"});
        }
        break;
      case EventKind::kEvaluation:
        if (std::get<Evaluation>(m_e.body).target == Evaluation::Target::kBureau) {
          AfterRouting();
        } else {
          AfterDecision({"对办理机构的满意度评价", "an evaluation of the handling body (满意度评价)"});
        }
        break;
      case EventKind::kClosure:
        AfterDecision({"办结", "a closure (办结)"});
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
  // A message in both languages (violation.h).
  struct Words {
    std::string zh, en;
  };
  void Add(const char* field, Words w) {
    m_out.push_back(Violation{"R7", field, std::move(w.zh), m_record, std::move(w.en)});
  }
  // a is before b by more than the allowed skew.
  static bool Before(Instant a, Instant b) { return a.seconds + kChronologySkewSeconds < b.seconds; }
  std::string Day() const { return m_day.ToString(); }

  void Registration(const CaseRegistration& c) {
    if (!c.repeat || c.initial_case_id.empty()) return;
    const std::string& self = !m_e.case_id.empty() ? m_e.case_id : c.case_id;
    if (!self.empty() && c.initial_case_id == self) {
      Add("initial_case_id", {"重件不能以自己为初件", "a repeat case (重件) cannot name itself as its initial case (初件)"});
      return;
    }
    if (!m_ctx.initial) return;
    if (const auto initial = m_ctx.initial(c.initial_case_id); initial && initial->received > c.received_date) {
      const std::string id = c.initial_case_id, at = initial->received.ToString(), mine = c.received_date.ToString();
      Add("initial_case_id", {"初件 " + id + " 的信访日期为 " + at + "，晚于本重件（信访日期 " + mine + "）",
                              "initial case (初件) " + id + " was received on " + at +
                                  ", after this repeat case (received " + mine + ")"});
    }
  }

  // 不再受理: after a 复核 decision on this case, nothing opens the matter again.
  bool NotOnClosedMatter(const char* field, const Words& what) {
    if (!m_f.rereview_decided_at || m_e.occurred_at < *m_f.rereview_decided_at) return true;
    const std::string decided = m_f.rereview_decided->ToString();
    Add(field, {Day() + " 的" + what.zh + "在 " + decided + " 的复核决定结束该事项之后：不再受理",
                what.en + " on " + Day() + " comes after the 复核 decision of " + decided +
                    " closed the matter: it is not accepted again (不再受理)"});
    return false;
  }

  void Acceptance_(const Acceptance& a) {
    if (m_f.registered && m_day < m_f.received) {
      const std::string received = m_f.received.ToString();
      Add("occurred_at", {"受理决定的日期 " + Day() + " 早于信访日期 " + received,
                          "acceptance decision (受理决定) dated " + Day() +
                              " is before the case was received (信访日期 " + received + ")"});
    }
    if (a.decision != "1") return;  // 不予受理 and 不再受理 may always be decided
    if (!NotOnClosedMatter("decision", {"受理", "accepting (受理) the case"})) return;
    if (m_f.initial_case_id.empty() || !m_ctx.initial) return;
    const auto initial = m_ctx.initial(m_f.initial_case_id);
    if (initial && initial->closed_by_rereview && m_e.occurred_at >= *initial->closed_by_rereview) {
      const std::string on = DayOf(*initial->closed_by_rereview).ToString();
      Add("decision", {"初件 " + m_f.initial_case_id + " 的事项已于 " + on + " 由复核决定办结：同一事项不再受理（决定应为 3）",
                       "the matter of initial case (初件) " + m_f.initial_case_id + " was closed by a 复核 decision on " +
                           on + ": the same matter is not accepted again (不再受理; decide 3)"});
    }
  }

  // A step that needs the acceptance decision (受理告知) first.
  void AfterDecision(const Words& what) {
    if (!m_f.decided_at) {
      if (m_ctx.strict) {
        Add("occurred_at", {Day() + " 的" + what.zh + "没有本节点所存的受理决定",
                            what.en + " on " + Day() + " without an acceptance decision (受理决定) held here"});
      }
      return;
    }
    if (Before(m_e.occurred_at, *m_f.decided_at)) {
      const std::string decided = m_f.decided->ToString();
      Add("occurred_at", {Day() + " 的" + what.zh + "早于 " + decided + " 的受理决定",
                          what.en + " on " + Day() + " is before the acceptance decision (受理决定) of " + decided});
    }
  }

  // An evaluation of the petition bureau needs its work done: a transfer or a decision.
  void AfterRouting() {
    const Words what{"对信访部门的满意度评价", "an evaluation of the petition bureau (满意度评价)"};
    if (!m_f.routed_at) {
      if (m_ctx.strict) {
        Add("occurred_at", {Day() + " 的" + what.zh + "没有本节点所存的转送/交办或受理决定",
                            what.en + " on " + Day() + " without a transfer (转送/交办) or acceptance decision held here"});
      }
      return;
    }
    if (Before(m_e.occurred_at, *m_f.routed_at)) {
      const std::string routed = m_f.routed->ToString();
      Add("occurred_at", {Day() + " 的" + what.zh + "早于转送或决定（" + routed + "）",
                          what.en + " on " + Day() + " is before the case was transferred or decided (" + routed + ")"});
    }
  }

  void Extension_() {
    if (m_f.extensions > 0) {
      const std::string first = m_f.extension_on->ToString();
      Add("kind", {"第二次延期：已于 " + first + " 延期一次；办理期限只能延长一次",
                   "a second extension (延期): one was made on " + first + "; the handling period is extended once only"});
      return;
    }
    if (!NotOnClosedMatter("kind", {"延期", "an extension (延期)"})) return;
    if (!m_f.accepted_at) {
      if (m_ctx.strict) {
        Add("occurred_at", {Day() + " 的延期没有本节点所存的受理",
                            "an extension (延期) on " + Day() + " without the case accepted (受理) here"});
      }
      return;
    }
    if (Before(m_e.occurred_at, *m_f.accepted_at)) {
      const std::string accepted = m_f.accepted->ToString();
      Add("occurred_at", {Day() + " 的延期早于 " + accepted + " 的受理",
                          "an extension (延期) on " + Day() + " is before the acceptance (受理) of " + accepted});
      return;
    }
    const Date due = ClockDue(Clock::kHandle, *m_f.accepted, m_ctx.calendar, m_ctx.counting).day;
    if (m_day > due) {
      const std::string accepted = m_f.accepted->ToString();
      Add("occurred_at", {Day() + " 的延期在 60 日办理期限届满（" + due.ToString() + "，受理于 " + accepted + "）之后",
                          "an extension (延期) on " + Day() + " comes after the 60 days to handle ran out on " +
                              due.ToString() + " (accepted " + accepted + ")"});
    }
  }

  // A request within its 30 days of the delivery it answers.
  void Window(const std::vector<Date>& delivered, Clock window, const Words& what, const Words& answers) {
    if (delivered.empty()) {
      if (m_ctx.strict) {
        Add("occurred_at", {Day() + " 的" + what.zh + "没有本节点所存的" + answers.zh,
                            what.en + " on " + Day() + " without " + answers.en + " held here"});
      }
      return;
    }
    // The latest delivery on or before the request opened the window that counts.
    const auto it = std::upper_bound(delivered.begin(), delivered.end(), m_day);
    if (it == delivered.begin()) {
      const std::string first = delivered.front().ToString();
      Add("occurred_at", {Day() + " 的" + what.zh + "早于信访人收到" + answers.zh + "（送达 " + first + "）",
                          what.en + " on " + Day() + " is before the petitioner received " + answers.en + " (送达 " +
                              first + ")"});
      return;
    }
    const Date from = *(it - 1);
    const Date due = ClockDue(window, from, m_ctx.calendar, m_ctx.counting).day;
    if (m_day > due) {
      const std::string days = std::to_string(InfoOf(window).days);
      Add("occurred_at", {Day() + " 的" + what.zh + "距信访人收到" + answers.zh + "已超过 " + days + " 日（送达 " +
                              from.ToString() + "；期限于 " + due.ToString() + " 届满）",
                          what.en + " on " + Day() + " is more than " + days + " days after the petitioner received " +
                              answers.en + " (送达 " + from.ToString() + "; the period ended " + due.ToString() + ")"});
    }
  }

  void Decision(const std::optional<Date>& requested, const Words& what, const Words& request) {
    if (!requested) {
      if (m_ctx.strict) {
        Add("occurred_at", {Day() + " 的" + what.zh + "没有本节点所存的" + request.zh,
                            what.en + " on " + Day() + " without " + request.en + " held here"});
      }
      return;
    }
    if (m_day < *requested) {
      Add("occurred_at", {Day() + " 的" + what.zh + "早于 " + requested->ToString() + " 的" + request.zh,
                          what.en + " on " + Day() + " is before " + request.en + " of " + requested->ToString()});
    }
  }

  void Review_(const Review& r, bool first_stage) {
    const bool request = r.step == Review::Step::kRequest;
    if (request) {
      const Words what = first_stage ? Words{"复查申请", "a 复查 request"} : Words{"复核申请", "a 复核 request"};
      if (!NotOnClosedMatter("kind", what)) return;
      if (first_stage) {
        Window(m_f.replies_delivered, Clock::kReviewRequest, what, {"书面答复意见", "a written reply (答复意见)"});
      } else {
        Window(m_f.reviews_delivered, Clock::kReReviewRequest, what, {"复查决定", "a 复查 decision"});
      }
      return;
    }
    if (first_stage) {
      Decision(m_f.review_requested, {"复查决定", "a 复查 decision"}, {"复查申请", "a 复查 request"});
    } else {
      Decision(m_f.rereview_requested, {"复核决定", "a 复核 decision"}, {"复核申请", "a 复核 request"});
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

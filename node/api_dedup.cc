// The local API's duplicate endpoints (判重): checking a registration against
// the cases this node holds, the candidates of a stored case, a petitioner's
// timeline. The matching is dedup/ (dedup/README.md); the index is the
// store's (node/store_dedup.cc). With a parent, the levels above are asked
// too (node/dedup_exchange.h) and the notices they sent are read: "scope"
// says whether every level answered, and each candidate its "found_by" and
// "via" (local, upward, notice).
#include <boost/json.hpp>
#include <cmath>

#include "dedup/normalize.h"
#include "node/api.h"
#include "node/lang.h"
#include "node/exchange_service.h"
#include "schema/json.h"
#include "schema/xml.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

HttpResponse JsonAnswer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The words of a refusal in both languages (node/lang.h: Api::Handle keeps
// the one asked for); `detail` is a lower layer's text, quoted as it is.
HttpResponse Refusal(int status, const std::string& detail) {
  return Problem(status, "判重请求未完成：" + detail, detail);
}

// The candidates to show for one check, best first.
constexpr std::size_t kCandidates = 10;

json::array CandidatesArray(const std::vector<Store::DuplicateCandidate>& found, const std::string& self = "") {
  json::array out;
  for (const auto& c : found) {
    json::object o;
    if (!self.empty()) {
      o["found_by"] = self;
      o["via"] = "local";
    }
    o["case_id"] = c.case_id;
    o["node"] = c.node;
    o["received_date"] = c.received_date.ToString();
    o["score"] = std::round(c.match.score * 100) / 100;
    o["decision"] = dedup::DecisionName(c.match.decision);
    json::array reasons;
    for (const auto& r : c.match.reasons) reasons.emplace_back(r);
    o["reasons"] = std::move(reasons);
    out.push_back(std::move(o));
  }
  return out;
}

// A field of the projection's JSON, or null.
json::value Field(const json::object& state, const char* key) {
  const auto* v = state.if_contains(key);
  return v ? *v : json::value(nullptr);
}

// A candidate as a level above answered it (via "upward") or a notice
// recorded it (via "notice"); this node's own are via "local".
json::object RemoteObject(const std::string& case_id, const std::string& node, const std::string& received,
                          const std::string& status, double score, const std::string& decision,
                          const std::vector<std::string>& reasons, const std::string& found_by,
                          const char* via) {
  json::object o;
  o["found_by"] = found_by;
  o["via"] = via;
  o["case_id"] = case_id;
  o["node"] = node;
  o["received_date"] = received;
  o["status"] = status;
  o["score"] = score;
  o["decision"] = decision;
  json::array r;
  for (const auto& x : reasons) r.emplace_back(x);
  o["reasons"] = std::move(r);
  return o;
}

// Adds `more` to `list` unless a case is named already; best first, at most `limit`.
void MergeCandidates(json::array& list, json::array more, std::size_t limit) {
  for (auto& m : more) {
    const auto& id = m.as_object().at("case_id");
    if (std::none_of(list.begin(), list.end(), [&](const json::value& v) { return v.as_object().at("case_id") == id; })) {
      list.push_back(std::move(m));
    }
  }
  std::stable_sort(list.begin(), list.end(), [](const json::value& a, const json::value& b) {
    return a.as_object().at("score").to_number<double>() > b.as_object().at("score").to_number<double>();
  });
  if (list.size() > limit) list.resize(limit);
}

}  // namespace

dedup::wire::Answer Api::AskAbove(dedup::wire::Question q) {
  if (m_ctx.exchange == nullptr) return {};
  return m_ctx.exchange->Dedup().AskUp(std::move(q));
}

std::shared_ptr<const dedup::BlindKey> Api::SystemKey() {
  return m_ctx.exchange == nullptr ? nullptr : m_ctx.exchange->Dedup().Key();
}

// The scope of an answer: "local" (no level above: this node holds all
// there is to search), "system" (every level above answered) or "partial"
// (some did not: named in "unreachable", with why).
void Api::Scope(json::object& o, const dedup::wire::Answer& above, const char* prefix) {
  const std::string p = prefix;
  const bool has_parent = m_ctx.config.parent.has_value();
  o[p + "scope"] = !has_parent ? "local" : above.unreachable.empty() ? "system" : "partial";
  json::array searched;
  searched.emplace_back(m_ctx.config.node_id);
  for (const auto& s : above.searched) searched.emplace_back(s);
  o[p + "searched"] = std::move(searched);
  json::array unreachable;
  for (const auto& u : above.unreachable) {
    json::object x;
    x["node"] = u;
    const auto it = above.why.find(u);
    x["why"] = it == above.why.end() ? "" : it->second;
    unreachable.push_back(std::move(x));
  }
  o[p + "unreachable"] = std::move(unreachable);
}

json::array Api::CandidatesAbove(const dedup::Features& f, dedup::wire::Answer& above) {
  json::array out;
  if (!m_ctx.config.parent) return out;
  const auto key = SystemKey();
  dedup::wire::Question q;
  if (key) q = dedup::wire::CheckQuestion(f, *key, key->Id(), m_ctx.config.node_id, kCandidates);
  above = AskAbove(std::move(q));
  for (const auto& c : above.candidates) {
    out.push_back(RemoteObject(c.case_id, c.node, c.received_date, c.status, c.score, c.decision, c.reasons,
                               c.found_by.empty() ? above.node : c.found_by, "upward"));
  }
  return out;
}

void Api::AddCandidates(json::object& o, const schema::CaseRegistration& c, const char* scope_prefix) {
  auto found = m_ctx.store.FindDuplicates(c, kCandidates);
  // Registration never fails for duplicates: a failed check answers none.
  json::array list = found ? CandidatesArray(*found, m_ctx.config.node_id) : json::array();
  dedup::wire::Answer above;
  auto f = dedup::Extract(c);
  if (f.node.empty()) f.node = m_ctx.config.node_id;
  MergeCandidates(list, CandidatesAbove(f, above), kCandidates);
  o["candidates"] = std::move(list);
  Scope(o, above, scope_prefix);
}

HttpResponse Api::PostDuplicatesCheck(const HttpRequest& request) {
  // The registration as a clerk is typing it: it need not be valid or
  // complete (no R2/R3 validation), only readable, and give something to
  // match on.
  schema::Violations mapping;
  auto parsed = request.headers.count("content-type") &&
                        request.headers.at("content-type").find("xml") != std::string::npos
                    ? schema::CaseFromXml(request.body, mapping)
                    : schema::CaseFromJson(request.body, mapping);
  if (!parsed) return Refusal(parsed.error().code == Errc::kLimit ? 413 : 400, parsed.error().message);
  const schema::CaseRegistration& c = *parsed;
  bool something = !c.summary.empty() || !c.requests.empty();
  for (const auto& p : c.petitioners) something = something || !p.name.empty() || !p.id_number.empty() || !p.phone.empty();
  if (!something) {
    return JsonAnswer(422, std::string("{\"error\":\"") + exchange::HttpReason(422) +
                               "\",\"violations\":[{\"rule\":\"R3\",\"field\":\"\",\"message\":\"无可比对的内容：请填写信访人，"
                               "或问题概况和诉求\",\"message_en\":\"nothing to match (无可比对的内容): give a petitioner, or the "
                               "summary and requests\"}]}");
  }
  if (auto found = m_ctx.store.FindDuplicates(c, 1); !found) {
    return Problem(503, "判重检查失败：" + found.error().message, "duplicate check failed: " + found.error().message);
  }
  json::object o;
  o["node"] = m_ctx.config.node_id;
  AddCandidates(o, c, "");
  return JsonAnswer(200, json::serialize(o));
}

HttpResponse Api::GetCaseDuplicates(const std::string& case_id) {
  auto found = m_ctx.store.DuplicatesOf(case_id, kCandidates);
  if (!found) {
    if (found.error().code == Errc::kNotFound) return Refusal(404, found.error().message);
    return Problem(503, "判重检查失败：" + found.error().message, "duplicate check failed: " + found.error().message);
  }
  json::object o;
  o["case_id"] = case_id;
  o["node"] = m_ctx.config.node_id;
  json::array list = CandidatesArray(*found, m_ctx.config.node_id);
  // What the levels above found as the cases arrived there (判重提示)…
  json::array noticed;
  if (auto notices = m_ctx.store.NoticesOf(case_id)) {
    for (const auto& n : *notices) {
      for (const auto& c : n.notice.candidates) {
        noticed.push_back(RemoteObject(c.case_id, c.node, c.received_date.ToString(), c.status,
                                       std::strtod(c.score.c_str(), nullptr),
                                       c.decision == schema::DuplicateFinding::Decision::kDuplicate ? "duplicate"
                                                                                                     : "possible",
                                       c.reasons, n.notice.found_by, "notice"));
      }
    }
  }
  // … and what they answer now.
  dedup::wire::Answer above;
  if (auto view = m_ctx.store.GetCase(case_id)) {
    for (const auto& se : view->events) {
      if (se.event.kind != schema::EventKind::kRegistration) continue;
      auto f = dedup::Extract(std::get<schema::CaseRegistration>(se.event.body));
      f.case_id = case_id;
      MergeCandidates(noticed, CandidatesAbove(f, above), 50);
      break;
    }
  }
  MergeCandidates(list, std::move(noticed), kCandidates);
  o["candidates"] = std::move(list);
  Scope(o, above, "");
  return JsonAnswer(200, json::serialize(o));
}

HttpResponse Api::GetPetitionerCases(const std::string& id_number) {
  auto list = m_ctx.store.CasesOfPetitioner(id_number);
  if (!list) {
    if (list.error().code == Errc::kInvalidArgument) return Refusal(400, list.error().message);
    return Refusal(503, list.error().message);
  }
  const Date today = m_ctx.clock.Now().ToDate();
  json::array cases;
  for (const auto& pc : *list) {
    boost::system::error_code ec;
    const json::value state = json::parse(pc.state_json, ec);
    const json::object empty;
    const json::object& s = !ec && state.is_object() ? state.as_object() : empty;
    json::object o;
    o["case_id"] = pc.case_id;
    o["node"] = pc.node;
    o["received_date"] = pc.received_date.ToString();
    o["problem_place"] = pc.problem_place;
    o["content_category"] = pc.content_category;
    for (const char* key : {"status", "handler", "due_date", "accepted_at", "closed_at", "satisfaction", "updated_at"}) {
      o[key] = Field(s, key);
    }
    // Overdue: a due date (限办截止) passed and the case not closed.
    bool overdue = false;
    if (const auto* due = s.if_contains("due_date"); due && due->is_string()) {
      const auto d = Date::Parse(due->as_string());
      overdue = d && *d < today && !(s.if_contains("closed_at") && !s.at("closed_at").is_null());
    }
    o["overdue"] = overdue;
    cases.push_back(std::move(o));
  }
  // What the levels above hold of her, by the key of her ID number (no number travels).
  dedup::wire::Answer above;
  if (m_ctx.config.parent) {
    dedup::wire::Question q;
    if (const auto key = SystemKey()) {
      q.kind = dedup::wire::Kind::kTimeline;
      q.key_id = key->Id();
      q.limit = 1000;
      q.id = dedup::IdKey(dedup::IdNumber18(id_number), *key);
    }
    above = AskAbove(std::move(q));
    for (const auto& t : above.cases) {
      if (std::any_of(cases.begin(), cases.end(), [&](const json::value& v) { return v.as_object().at("case_id") == json::value(t.case_id); })) {
        continue;
      }
      json::object o;
      o["case_id"] = t.case_id;
      o["node"] = t.node;
      o["received_date"] = t.received_date;
      o["status"] = t.status;
      auto opt = [](const std::string& v) { return v.empty() ? json::value(nullptr) : json::value(v); };
      o["due_date"] = opt(t.due_date);
      o["accepted_at"] = opt(t.accepted_at);
      o["closed_at"] = opt(t.closed_at);
      o["updated_at"] = opt(t.updated_at);
      o["overdue"] = t.overdue;
      o["found_by"] = above.node;
      cases.push_back(std::move(o));
    }
    std::stable_sort(cases.begin(), cases.end(), [](const json::value& a, const json::value& b) {
      return a.as_object().at("received_date").as_string() < b.as_object().at("received_date").as_string();
    });
  }
  json::object o;
  o["node"] = m_ctx.config.node_id;
  o["cases"] = std::move(cases);
  Scope(o, above, "");
  return JsonAnswer(200, json::serialize(o));
}

}  // namespace xf::node

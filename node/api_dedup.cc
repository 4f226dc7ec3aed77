// The local API's duplicate endpoints (判重): checking a registration against
// the cases this node holds, the candidates of a stored case, a petitioner's
// timeline. The matching is dedup/ (dedup/README.md); the index is the
// store's (node/store_dedup.cc). Answers say "scope":"local": what this node
// holds (phase 2 adds the levels above and says when they did not answer).
#include <boost/json.hpp>
#include <cmath>

#include "node/api.h"
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

HttpResponse Refusal(int status, const std::string& message) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  o["message"] = message;
  return JsonAnswer(status, json::serialize(o));
}

// The candidates to show for one check, best first.
constexpr std::size_t kCandidates = 10;

json::array CandidatesArray(const std::vector<Store::DuplicateCandidate>& found) {
  json::array out;
  for (const auto& c : found) {
    json::object o;
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

}  // namespace

std::string Api::CandidatesJson(const schema::CaseRegistration& stored) {
  auto found = m_ctx.store.FindDuplicates(stored, kCandidates);
  // Registration never fails for duplicates: a failed check answers none.
  return json::serialize(found ? CandidatesArray(*found) : json::array());
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
                               "\",\"violations\":[{\"rule\":\"R3\",\"field\":\"\",\"message\":\"nothing to match "
                               "(无可比对的内容): give a petitioner, or the summary and requests\"}]}");
  }
  auto found = m_ctx.store.FindDuplicates(c, kCandidates);
  if (!found) return Refusal(503, "duplicate check failed: " + found.error().message);
  json::object o;
  o["node"] = m_ctx.config.node_id;
  o["scope"] = "local";
  o["candidates"] = CandidatesArray(*found);
  return JsonAnswer(200, json::serialize(o));
}

HttpResponse Api::GetCaseDuplicates(const std::string& case_id) {
  auto found = m_ctx.store.DuplicatesOf(case_id, kCandidates);
  if (!found) {
    if (found.error().code == Errc::kNotFound) return Refusal(404, found.error().message);
    return Refusal(503, "duplicate check failed: " + found.error().message);
  }
  json::object o;
  o["case_id"] = case_id;
  o["node"] = m_ctx.config.node_id;
  o["scope"] = "local";
  o["candidates"] = CandidatesArray(*found);
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
  json::object o;
  o["node"] = m_ctx.config.node_id;
  o["scope"] = "local";
  o["cases"] = std::move(cases);
  return JsonAnswer(200, json::serialize(o));
}

}  // namespace xf::node

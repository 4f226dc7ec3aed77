#include "node/projection.h"

#include <boost/json.hpp>

#include "schema/json.h"

namespace xf::node {

namespace json = boost::json;

namespace {

std::string AcceptanceStatus(const std::string& decision) {
  // acceptance table: 1 受理, 2 不予受理, 3 不再受理
  if (decision == "1") return "accepted";
  if (decision == "2") return "not_accepted";
  if (decision == "3") return "not_reaccepted";
  return "decided";
}

// Splits "petitioners[0].phone" into {"petitioners", 0, "phone"}.
struct Step {
  std::string key;
  long index = -1;
};

std::optional<std::vector<Step>> ParsePath(const std::string& path) {
  std::vector<Step> steps;
  std::size_t i = 0;
  while (i < path.size()) {
    Step s;
    while (i < path.size() && path[i] != '.' && path[i] != '[') s.key.push_back(path[i++]);
    if (s.key.empty()) return std::nullopt;
    if (i < path.size() && path[i] == '[') {
      const auto close = path.find(']', i);
      if (close == std::string::npos || close == i + 1 || close - i > 6) return std::nullopt;
      long n = 0;
      for (std::size_t k = i + 1; k < close; ++k) {
        if (path[k] < '0' || path[k] > '9') return std::nullopt;
        n = n * 10 + (path[k] - '0');
      }
      s.index = n;
      i = close + 1;
    }
    steps.push_back(s);
    if (i < path.size()) {
      if (path[i] != '.' || i + 1 == path.size()) return std::nullopt;
      ++i;
    }
  }
  if (steps.empty()) return std::nullopt;
  return steps;
}

}  // namespace

Status ApplyCorrection(schema::CaseRegistration& body, const std::string& path, const std::string& value) {
  if (path == "case_id") return MakeError(Errc::kInvalidArgument, "the case id cannot be corrected");
  const auto steps = ParsePath(path);
  if (!steps) return MakeError(Errc::kInvalidArgument, "bad field path '" + path + "'");
  json::value doc = json::parse(schema::CaseToJson(body));
  json::value* at = &doc;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const Step& s = (*steps)[i];
    if (!at->is_object()) return MakeError(Errc::kInvalidArgument, "no field '" + path + "'");
    auto& obj = at->as_object();
    const bool last = i + 1 == steps->size();
    if (s.index >= 0) {
      auto* arr = obj.if_contains(s.key);
      if (!arr || !arr->is_array() || static_cast<std::size_t>(s.index) >= arr->as_array().size()) {
        return MakeError(Errc::kInvalidArgument, "no element '" + path + "'");
      }
      at = &arr->as_array()[static_cast<std::size_t>(s.index)];
      if (last) break;
    } else if (last) {
      // Keep the JSON type of the field: numbers and booleans from their text.
      json::value* old = obj.if_contains(s.key);
      json::value nv = json::string(value);
      if (old && (old->is_int64() || old->is_bool())) {
        boost::system::error_code ec;
        nv = json::parse(value, ec);
        if (ec) return MakeError(Errc::kInvalidArgument, "'" + value + "' does not fit " + path);
      }
      obj[s.key] = std::move(nv);
      at = nullptr;
      break;
    } else {
      auto* next = obj.if_contains(s.key);
      if (!next) return MakeError(Errc::kInvalidArgument, "no field '" + path + "'");
      at = next;
    }
  }
  if (at != nullptr) {
    *at = json::string(value);  // an array element replaced whole (e.g. representatives[1])
  }
  schema::Violations v;
  auto parsed = schema::CaseFromJson(json::serialize(doc), v);
  if (!parsed || !v.empty()) {
    return MakeError(Errc::kInvalidArgument,
                     "'" + value + "' does not fit " + path + (v.empty() ? "" : ": " + v.front().message));
  }
  parsed->case_id = body.case_id;
  body = std::move(parsed).value();
  return {};
}

CaseState Project(const std::vector<schema::Event>& events) {
  CaseState s;
  for (const auto& e : events) {
    ++s.event_count;
    if (s.case_id.empty()) s.case_id = e.case_id;
    if (e.recorded_at > s.updated_at) s.updated_at = e.recorded_at;
    using K = schema::EventKind;
    switch (e.kind) {
      case K::kRegistration:
        s.body = std::get<schema::CaseRegistration>(e.body);
        s.due_date = s.body.due_date;
        break;
      case K::kAcceptance:
        s.status = AcceptanceStatus(std::get<schema::Acceptance>(e.body).decision);
        s.accepted_at = e.occurred_at;
        break;
      case K::kTransfer: {
        const auto& t = std::get<schema::Transfer>(e.body);
        s.status = t.mode == schema::Transfer::Mode::kAssign ? "assigned" : "forwarded";
        s.handler = t.target;
        if (t.due_date) s.due_date = t.due_date;
        break;
      }
      case K::kHandling: s.status = "handled"; break;
      case K::kSupervision: break;  // supervision does not change the state
      case K::kEvaluation: s.satisfaction = std::get<schema::Evaluation>(e.body).value; break;
      case K::kReview:
        s.status = std::get<schema::Review>(e.body).step == schema::Review::Step::kRequest
                       ? "review_requested" : "reviewed";
        break;
      case K::kReReview:
        s.status = std::get<schema::Review>(e.body).step == schema::Review::Step::kRequest
                       ? "rereview_requested" : "rereviewed";
        break;
      case K::kClosure:
        s.status = "closed";
        s.closed_at = e.occurred_at;
        break;
      case K::kExtension: break;  // the due date moves: facts.extension_*
      case K::kDuplicateNotice: break;  // a finding of a level above (判重提示): no step of the case
      case K::kCorrection: {
        const auto& c = std::get<schema::Correction>(e.body);
        for (const auto& f : c.fields) {
          if (auto st = ApplyCorrection(s.body, f.path, f.value); !st) {
            s.problems.push_back(e.Id() + ": " + st.error().message);
          } else if (f.path == "due_date") {
            s.due_date = s.body.due_date;  // the corrected 限办截止 is the case's
          }
        }
        break;
      }
    }
  }
  s.facts = schema::FactsOf(events);
  return s;
}

std::string CaseStateToJson(const CaseState& s, bool with_body) {
  json::object o;
  o["case_id"] = s.case_id;
  o["status"] = s.status;
  o["handler"] = s.handler;
  o["due_date"] = s.due_date ? json::value(s.due_date->ToString()) : json::value(nullptr);
  o["accepted_at"] = s.accepted_at ? json::value(s.accepted_at->ToString()) : json::value(nullptr);
  o["closed_at"] = s.closed_at ? json::value(s.closed_at->ToString()) : json::value(nullptr);
  o["satisfaction"] = s.satisfaction;
  o["event_count"] = s.event_count;
  o["updated_at"] = s.updated_at.ToString();
  json::array problems;
  for (const auto& p : s.problems) problems.emplace_back(p);
  o["problems"] = std::move(problems);
  // The case body is JSON already: splice it in rather than parse it again.
  std::string out = json::serialize(o);
  if (!with_body) return out;
  out.pop_back();  // '}'
  out += ",\"case\":";
  out += schema::CaseToJson(s.body);
  out += '}';
  return out;
}

}  // namespace xf::node

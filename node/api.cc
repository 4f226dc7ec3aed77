#include "node/api.h"

#include <openssl/crypto.h>

#include <algorithm>

#include <boost/json.hpp>
#include <set>
#include <sstream>

#include "exchange/crypto.h"
#include "node/conformance.h"
#include "node/exchange_service.h"
#include "schema/json.h"
#include "schema/validate.h"
#include "schema/xml.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

HttpResponse Json(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

HttpResponse Problem(int status, const std::string& message) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  o["message"] = message;
  return Json(status, json::serialize(o));
}

// {"error": …, "violations": [...]}; ViolationsToJson gives {"violations": [...]}.
HttpResponse WithViolations(int status, const schema::Violations& v) {
  const std::string list = schema::ViolationsToJson(v);
  return Json(status, std::string("{\"error\":\"") + exchange::HttpReason(status) + "\"," + list.substr(1));
}

HttpResponse Unprocessable(const schema::Violations& v) { return WithViolations(422, v); }

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Merges violations found while mapping with those found by validation,
// keeping the first for each (rule, field).
schema::Violations Merge(schema::Violations a, const schema::Violations& b) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& v : a) seen.insert({v.rule, v.field});
  for (const auto& v : b) {
    if (seen.insert({v.rule, v.field}).second) a.push_back(v);
  }
  return a;
}

bool IsXml(const HttpRequest& r) {
  const auto it = r.headers.find("content-type");
  if (it == r.headers.end()) return false;
  return it->second.find("xml") != std::string::npos;
}

std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// The value of `key` in the query string of `target`, if present.
std::optional<std::string> QueryParam(const std::string& target, const std::string& key) {
  const auto q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::istringstream pairs(target.substr(q + 1));
  for (std::string kv; std::getline(pairs, kv, '&');) {
    if (kv.compare(0, key.size() + 1, key + "=") == 0) return kv.substr(key.size() + 1);
  }
  return std::nullopt;
}

}  // namespace

Api::Api(ApiContext ctx) : m_ctx(std::move(ctx)), m_started(m_ctx.clock.Now()) {}

bool Api::Authorised(const HttpRequest& request) const {
  const auto it = request.headers.find("authorization");
  if (it == request.headers.end() || m_ctx.token.empty()) return false;
  const std::string expected = "Bearer " + m_ctx.token;
  return it->second.size() == expected.size() &&
         CRYPTO_memcmp(it->second.data(), expected.data(), expected.size()) == 0;
}

void Api::CountRejections(const schema::Violations& v) {
  for (const auto& x : v) {
    if (x.rule.size() == 2 && x.rule[0] == 'R' && x.rule[1] >= '1' && x.rule[1] <= '6') {
      ++m_rejections[static_cast<std::size_t>(x.rule[1] - '0')];
    }
  }
}

HttpResponse Api::Handle(const HttpRequest& request) {
  ++m_requests;
  HttpResponse r = Route(request);
  if (r.status == 405 && !r.headers.count("Allow")) {
    // The methods each kind of path takes (RFC 9110: a 405 names them).
    const std::string path = request.target.substr(0, request.target.find('?'));
    r.headers["Allow"] = path == "/v1/cases" ? "POST"
                         : StartsWith(path, "/v1/blobs/") ? "PUT"
                         : path.size() > 7 && path.substr(path.size() - 7) == "/events" ? "POST"
                         : path == "/healthz" ? "GET, HEAD" : "GET";
  }
  if (r.status == 400) ++m_bad_requests;
  return r;
}

HttpResponse Api::Route(const HttpRequest& request) {
  std::string path = request.target.substr(0, request.target.find('?'));
  const std::string& m = request.method;
  if (path == "/healthz") {
    if (m != "GET" && m != "HEAD") return Problem(405, "use GET");
    return Json(200, "{\"status\":\"ok\"}");
  }
  if (path == "/metrics") {
    if (m != "GET") return Problem(405, "use GET");
    return GetMetrics();
  }
  if (path == "/") {
    if (m != "GET") return Problem(405, "use GET");
    return GetStatusPage();
  }
  if (!StartsWith(path, "/v1/")) return Problem(404, "no such endpoint: " + path);
  if (!Authorised(request)) {
    ++m_unauthorised;
    HttpResponse r = Problem(401, "missing or wrong bearer token (Authorization: Bearer <token>)");
    r.headers["WWW-Authenticate"] = "Bearer realm=\"xfnode\"";
    return r;
  }
  if (path == "/v1/status") {
    if (m != "GET") return Problem(405, "use GET");
    return GetStatus();
  }
  if (path == "/v1/cases") {
    if (m != "POST") return Problem(405, "use POST to register a case");
    return PostCase(request);
  }
  if (StartsWith(path, "/v1/cases/")) {
    std::string rest = path.substr(10);
    const auto slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    if (slash == std::string::npos) {
      if (m != "GET") return Problem(405, "use GET");
      return GetCase(id);
    }
    if (rest.substr(slash) == "/events") {
      if (m != "POST") return Problem(405, "use POST to add an event");
      return PostEvent(request, id);
    }
    return Problem(404, "no such endpoint: " + path);
  }
  if (StartsWith(path, "/v1/blobs/")) {
    if (m != "PUT") return Problem(405, "use PUT to upload an attachment");
    return PutBlob(request, path.substr(10));
  }
  if (path == "/v1/conformance") {
    if (m != "GET") return Problem(405, "use GET");
    // Read with a read-only connection of its own: the report never blocks writers.
    conformance::Options o;
    o.now = m_ctx.clock.Now();
    for (const char* key : {"since", "until"}) {
      if (auto text = QueryParam(request.target, key)) {
        const auto d = Date::Parse(*text);
        if (!d) return Problem(400, std::string(key) + " wants YYYY-MM-DD");
        (std::string(key) == "since" ? o.since : o.until) = Instant::FromDate(*d);
      }
    }
    o.node_id = m_ctx.config.node_id;
    for (const auto& c : m_ctx.config.children) o.children.push_back(c.id);
    o.timeliness_hours = m_ctx.config.timeliness_bound_hours;
    o.repeat_grace_hours = m_ctx.config.repeat_grace_hours;
    auto report = conformance::ComputeFromFile(m_ctx.config.data_dir / "xfnode.db", m_ctx.codes, o);
    if (!report) return Problem(500, report.error().message);
    return Json(200, conformance::ToJson(*report));
  }
  return Problem(404, "no such endpoint: " + path);
}

HttpResponse Api::PostCase(const HttpRequest& request) {
  schema::Violations mapping;
  auto parsed = IsXml(request) ? schema::CaseFromXml(request.body, mapping)
                               : schema::CaseFromJson(request.body, mapping);
  if (!parsed) return Problem(parsed.error().code == Errc::kLimit ? 413 : 400, parsed.error().message);
  schema::CaseRegistration c = std::move(parsed).value();
  const Date today = m_ctx.clock.Now().ToDate();
  schema::Violations v = Merge(std::move(mapping), schema::ValidateCase(c, m_ctx.codes, m_ctx.config.limits, today));
  // A case id supplied by the caller must be one this node may mint.
  if (!c.case_id.empty() && !StartsWith(c.case_id, m_ctx.config.node_id + "-")) {
    v.push_back({"R3", "case_id", "case id '" + c.case_id + "' must begin with this node's id " +
                                      m_ctx.config.node_id + "- (leave it empty to have one minted)", c.case_id});
  }
  if (!c.registering_body.empty() && c.registering_body != m_ctx.config.node_id) {
    v.push_back({"R3", "registering_body", "registering_body '" + c.registering_body +
                                               "' is not this node (" + m_ctx.config.node_id + ")", c.case_id});
  }
  if (!v.empty()) {
    CountRejections(v);
    return Unprocessable(v);
  }
  auto stored = m_ctx.store.RegisterCase(std::move(c), m_ctx.config.node_id, "");
  if (!stored) {
    if (stored.error().code == Errc::kAlreadyExists) return Problem(409, stored.error().message);
    return Problem(503, "not stored: " + stored.error().message);
  }
  ++m_cases;
  ++m_events;
  if (m_ctx.exchange) m_ctx.exchange->Kick();
  json::object o;
  o["case_id"] = stored->case_id;
  o["event_id"] = stored->Id();
  o["registered_at"] = std::get<schema::CaseRegistration>(stored->body).registered_at.ToString();
  HttpResponse r = Json(201, json::serialize(o));
  r.headers["Location"] = "/v1/cases/" + stored->case_id;
  return r;
}

HttpResponse Api::PostEvent(const HttpRequest& request, const std::string& case_id) {
  schema::Violations mapping;
  auto parsed = schema::EventFromJson(request.body, mapping);
  if (!parsed) return Problem(parsed.error().code == Errc::kLimit ? 413 : 400, parsed.error().message);
  schema::Event e = std::move(parsed).value();
  const bool kind_refused =
      std::any_of(mapping.begin(), mapping.end(), [](const auto& x) { return x.field == "kind"; });
  if (e.kind == schema::EventKind::kRegistration && !kind_refused) {
    mapping.push_back({"R3", "kind", "a registration is posted to /v1/cases, not as an event", case_id});
  }
  if (kind_refused || e.kind == schema::EventKind::kRegistration) {
    // An unknown kind leaves the body meaningless: answer with the mapping's findings only.
    CountRejections(mapping);
    return Unprocessable(mapping);
  }
  e.case_id = case_id;
  e.origin = m_ctx.config.node_id;
  const Instant now = m_ctx.clock.Now();
  schema::Violations v =
      Merge(std::move(mapping), schema::ValidateEvent(e, m_ctx.codes, m_ctx.config.limits, now.ToDate()));
  if (!v.empty()) {
    CountRejections(v);
    return Unprocessable(v);
  }
  auto stored = m_ctx.store.AppendEvent(std::move(e), m_ctx.config.node_id);
  if (!stored) {
    if (stored.error().code == Errc::kNotFound) {
      schema::Violations r6{{"R6", "case_id", "case " + case_id + " is not known here", case_id}};
      CountRejections(r6);
      return WithViolations(404, r6);
    }
    return Problem(503, "not stored: " + stored.error().message);
  }
  ++m_events;
  if (m_ctx.exchange) m_ctx.exchange->Kick();
  json::object o;
  o["case_id"] = stored->case_id;
  o["event_id"] = stored->Id();
  o["kind"] = std::string(schema::EventKindName(stored->kind));
  return Json(201, json::serialize(o));
}

HttpResponse Api::PutBlob(const HttpRequest& request, const std::string& sha256) {
  if (!schema::IsSha256Hex(sha256)) {
    return Problem(400, "'" + sha256 + "' is not a SHA-256 in lowercase hex");
  }
  if (request.body.size() > m_ctx.config.limits.max_attachment_bytes) {
    return Problem(413, "attachment larger than " + std::to_string(m_ctx.config.limits.max_attachment_bytes) + " bytes (R1)");
  }
  if (request.body.empty()) return Problem(400, "empty attachment");
  if (const std::string actual = exchange::Sha256Hex(request.body); actual != sha256) {
    return Unprocessable({{"R1", "sha256", "content hashes to " + actual + ", not " + sha256, sha256}});
  }
  if (m_ctx.blobs.Has(sha256) && m_ctx.store.HasBlob(sha256)) {
    return Json(200, "{\"sha256\":\"" + sha256 + "\",\"stored\":false}");
  }
  if (auto s = m_ctx.blobs.Put(sha256, request.body); !s) {
    if (s.error().code == Errc::kInvalidArgument) {
      return Unprocessable({{"R1", "sha256", s.error().message, sha256}});
    }
    return Problem(503, s.error().message);
  }
  if (auto s = m_ctx.store.RecordBlob(sha256, request.body.size()); !s) {
    return Problem(503, s.error().message);
  }
  ++m_blobs;
  return Json(201, "{\"sha256\":\"" + sha256 + "\",\"size\":" + std::to_string(request.body.size()) +
                       ",\"stored\":true}");
}

HttpResponse Api::GetCase(const std::string& case_id) {
  auto view = m_ctx.store.GetCase(case_id);
  if (!view) {
    if (view.error().code == Errc::kNotFound) return Problem(404, view.error().message);
    return Problem(500, view.error().message);
  }
  std::string out = "{\"case_id\":" + json::serialize(json::value(view->case_id)) +
                    ",\"state\":" + view->state_json + ",\"events\":[";
  for (std::size_t i = 0; i < view->events.size(); ++i) {
    if (i) out += ',';
    out += schema::EventToJson(view->events[i].event);
  }
  out += "]}";
  return Json(200, std::move(out));
}

HttpResponse Api::GetStatus() {
  const StoreStats s = m_ctx.store.Stats();
  json::object o;
  o["node_id"] = m_ctx.config.node_id;
  o["name"] = m_ctx.config.name;
  o["tier"] = TierName(m_ctx.config.tier);
  o["version"] = XF_VERSION;
  o["code_version"] = m_ctx.codes.Version();
  o["schema_version"] = s.schema_version;
  o["started_at"] = m_started.ToString();
  o["now"] = m_ctx.clock.Now().ToString();
  o["cases"] = s.cases;
  o["events"] = s.events;
  o["blobs"] = s.blobs;
  json::array origins;
  for (const auto& m : s.origins) {
    origins.push_back(json::object{{"origin", m.origin}, {"last_seq", m.last_seq}});
  }
  o["origins"] = std::move(origins);
  if (m_ctx.exchange) o["exchange"] = json::parse(m_ctx.exchange->StatusJson());
  return Json(200, json::serialize(o));
}

HttpResponse Api::GetMetrics() {
  const StoreStats s = m_ctx.store.Stats();
  std::ostringstream out;
  auto metric = [&](const char* name, const char* type, const char* help, auto value) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
        << name << ' ' << value << '\n';
  };
  metric("xfnode_http_requests_total", "counter", "Local API requests served.", m_requests.load());
  metric("xfnode_http_unauthorised_total", "counter", "Requests refused for a missing or wrong token.", m_unauthorised.load());
  metric("xfnode_http_bad_requests_total", "counter", "Requests refused as malformed.", m_bad_requests.load());
  metric("xfnode_cases_registered_total", "counter", "Cases registered through this process.", m_cases.load());
  metric("xfnode_events_recorded_total", "counter", "Events recorded through this process.", m_events.load());
  metric("xfnode_blobs_stored_total", "counter", "Attachments stored through this process.", m_blobs.load());
  out << "# HELP xfnode_rejections_total Rule violations that refused a record.\n"
         "# TYPE xfnode_rejections_total counter\n";
  for (int rule = 1; rule <= 6; ++rule) {
    out << "xfnode_rejections_total{rule=\"R" << rule << "\"} " << m_rejections[static_cast<std::size_t>(rule)].load() << '\n';
  }
  metric("xfnode_cases", "gauge", "Cases held.", s.cases);
  metric("xfnode_events", "gauge", "Events held.", s.events);
  metric("xfnode_blobs", "gauge", "Attachments held.", s.blobs);
  metric("xfnode_schema_version", "gauge", "Database schema version.", s.schema_version);
  metric("xfnode_uptime_seconds", "gauge", "Seconds since start.", m_ctx.clock.Now().seconds - m_started.seconds);
  HttpResponse r = Json(200, out.str());
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

HttpResponse Api::GetStatusPage() {
  const StoreStats s = m_ctx.store.Stats();
  std::ostringstream h;
  h << "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>xfnode "
    << HtmlEscape(m_ctx.config.node_id) << "</title><style>body{font-family:sans-serif;margin:2em}"
    << "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style></head><body>"
    << "<h1>" << HtmlEscape(m_ctx.config.name) << " (" << HtmlEscape(m_ctx.config.node_id) << ")</h1>"
    << "<p>tier " << TierName(m_ctx.config.tier) << " · xfnode " << XF_VERSION << " · code tables "
    << HtmlEscape(m_ctx.codes.Version()) << " · since " << m_started.ToString() << "</p>"
    << "<table><tr><th>cases</th><th>events</th><th>attachments</th></tr><tr><td>" << s.cases
    << "</td><td>" << s.events << "</td><td>" << s.blobs << "</td></tr></table>"
    << "<h2>Origins</h2><table><tr><th>origin</th><th>last sequence</th></tr>";
  for (const auto& o : s.origins) {
    h << "<tr><td>" << HtmlEscape(o.origin) << "</td><td>" << o.last_seq << "</td></tr>";
  }
  h << "</table><h2>Rejections</h2><table><tr>";
  for (int rule = 1; rule <= 6; ++rule) h << "<th>R" << rule << "</th>";
  h << "</tr><tr>";
  for (int rule = 1; rule <= 6; ++rule) h << "<td>" << m_rejections[static_cast<std::size_t>(rule)].load() << "</td>";
  h << "</tr></table></body></html>";
  HttpResponse r = Json(200, h.str());
  r.content_type = "text/html; charset=utf-8";
  return r;
}

}  // namespace xf::node

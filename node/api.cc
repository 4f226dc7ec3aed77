#include "node/api.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include <boost/json.hpp>
#include <set>
#include <sstream>

#include "exchange/crypto.h"
#include "exchange/directory.h"
#include "exchange/receipt.h"
#include "node/blob_transfer.h"
#include "node/conformance.h"
#include "node/conformance_html.h"
#include "node/exchange_service.h"
#include "node/lang.h"
#include "node/node.h"  // Log
#include "node/summary.h"
#include "schema/clocks.h"
#include "schema/detail/text.h"
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

// "use GET": a 405's words.
HttpResponse UseOnly(const std::string& zh, const std::string& en) { return Problem(405, "请使用 " + zh, "use " + en); }

// {"error": …, "violations": [...]}; ViolationsToJson gives {"violations": [...]}.
// Both words of each violation: Handle keeps the one asked for (lang.h).
HttpResponse WithViolations(int status, const schema::Violations& v) {
  const std::string list = schema::ViolationsToJson(v, schema::Words::kBoth);
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

// A query value with %XX and '+' decoded (application/x-www-form-urlencoded);
// nullopt when a %-escape is malformed.
std::optional<std::string> UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int a = hex(s[i + 1]), b = hex(s[i + 2]);
      if (a < 0 || b < 0) return std::nullopt;
      out.push_back(static_cast<char>(a * 16 + b));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

Api::Api(ApiContext ctx)
    : m_ctx(std::move(ctx)), m_started(m_ctx.clock.Now()), m_spool_dir(m_ctx.config.data_dir / "api-spool") {}

std::vector<exchange::SpoolRoute> Api::SpoolRoutes() const {
  return {{"PUT", "/v1/blobs/", m_ctx.config.limits.max_attachment_bytes},
          {"POST", "/v1/exchange/import", exchange::BatchLimits{}.max_compressed},
          // A receipt lists every event accepted: some 35 MB for a million.
          {"POST", "/v1/exchange/receipts", std::uint64_t{64} << 20},
          // A signed directory may be as large as the exchange takes one (exchange/directory.h).
          {"PUT", "/v1/directory", exchange::DirectoryLimits{}.max_bytes}};
}

std::optional<HttpResponse> Api::CheckHeader(const HttpRequest& head) {
  const std::string path = head.target.substr(0, head.target.find('?'));
  if (!StartsWith(path, "/v1/") || Authorised(head)) return std::nullopt;
  ++m_unauthorised;
  HttpResponse r = Problem(401, "缺少令牌或令牌错误（Authorization: Bearer <token>）",
                           "missing or wrong bearer token (Authorization: Bearer <token>)");
  r.headers["WWW-Authenticate"] = "Bearer realm=\"xfnode\"";
  Localise(r, English(head));  // answered before Handle: its words chosen here
  return r;
}

bool Api::Authorised(const HttpRequest& request) const {
  const auto it = request.headers.find("authorization");
  if (it == request.headers.end() || m_ctx.token.empty()) return false;
  const std::string expected = "Bearer " + m_ctx.token;
  return it->second.size() == expected.size() &&
         CRYPTO_memcmp(it->second.data(), expected.data(), expected.size()) == 0;
}

void Api::CountRejections(const schema::Violations& v) {
  std::string rules;
  for (const auto& x : v) {
    if (x.rule.size() == 2 && x.rule[0] == 'R' && x.rule[1] >= '1' && x.rule[1] <= '7') {
      ++m_rejections[static_cast<std::size_t>(x.rule[1] - '0')];
    }
    if (rules.find(x.rule) == std::string::npos) rules += (rules.empty() ? "" : ",") + x.rule;
  }
  if (v.empty()) return;
  // One line per record the local API refused (node/README.md, "Logs").
  Log("warn", "本地接口拒收记录：" + v.front().rule + " " + v.front().field,
      {{"event", "intake.rejected"},
       {"rule", v.front().rule},
       {"field", v.front().field},
       {"rules", rules},
       {"violations", std::to_string(v.size())},
       {"origin", m_ctx.config.node_id},
       {"case_id", v.front().record},
       {"reason", schema::Message(v.front(), true).substr(0, 500)}});
}

HttpResponse Api::Handle(const HttpRequest& request) {
  ++m_requests;
  HttpResponse r = Route(request);
  Localise(r, English(request));  // the words the request asked for (lang.h)
  if (r.status == 405 && !r.headers.count("Allow")) {
    // The methods each kind of path takes (RFC 9110: a 405 names them).
    const std::string path = request.target.substr(0, request.target.find('?'));
    r.headers["Allow"] = path == "/v1/cases" ? "GET, POST"
                         : path == "/v1/duplicates/check" ? "POST"
                         : StartsWith(path, "/v1/blobs/") ? "HEAD, GET, PUT"
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
    if (m != "GET" && m != "HEAD") return UseOnly("GET", "GET");
    return Json(200, "{\"status\":\"ok\"}");
  }
  if (path == "/metrics") {
    if (m != "GET") return UseOnly("GET", "GET");
    return GetMetrics();
  }
  if (path == "/") {
    if (m != "GET") return UseOnly("GET", "GET");
    return GetStatusPage();
  }
  if (path == "/report.html") {
    if (m != "GET") return UseOnly("GET", "GET");
    return GetConformance(request, true);
  }
  if (!StartsWith(path, "/v1/")) return Problem(404, "没有这个接口：" + path, "no such endpoint: " + path);
  if (!Authorised(request)) {
    ++m_unauthorised;
    HttpResponse r = Problem(401, "缺少令牌或令牌错误（Authorization: Bearer <token>）",
                             "missing or wrong bearer token (Authorization: Bearer <token>)");
    r.headers["WWW-Authenticate"] = "Bearer realm=\"xfnode\"";
    return r;
  }
  if (path == "/v1/status") {
    if (m != "GET") return UseOnly("GET", "GET");
    return GetStatus();
  }
  if (path == "/v1/cases") {
    if (m == "GET") return ListCases(request);  // api_cases.cc
    if (m != "POST") return UseOnly("POST 登记信访件，GET 列出信访件", "POST to register a case, GET to list cases");
    return PostCase(request);
  }
  if (StartsWith(path, "/v1/cases/")) {
    std::string rest = path.substr(10);
    const auto slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    if (slash == std::string::npos) {
      if (m != "GET") return UseOnly("GET", "GET");
      return GetCase(id);
    }
    if (rest.substr(slash) == "/events") {
      if (m != "POST") return UseOnly("POST 添加事件", "POST to add an event");
      return PostEvent(request, id);
    }
    if (rest.substr(slash) == "/duplicates") {
      if (m != "GET") return UseOnly("GET", "GET");
      return GetCaseDuplicates(id);
    }
    return Problem(404, "没有这个接口：" + path, "no such endpoint: " + path);
  }
  if (path == "/v1/duplicates/check") {
    if (m != "POST") return UseOnly("POST 提交登记内容以查重", "POST with a registration to check it");
    return PostDuplicatesCheck(request);
  }
  if (StartsWith(path, "/v1/petitioners/") && path.size() > 22 && path.substr(path.size() - 6) == "/cases" &&
      path.find('/', 16) == path.size() - 6) {
    if (m != "GET") return UseOnly("GET", "GET");
    return GetPetitionerCases(path.substr(16, path.size() - 22));
  }
  if (StartsWith(path, "/v1/blobs/")) {
    if (m != "PUT" && m != "HEAD" && m != "GET") return UseOnly("PUT 上传附件", "PUT to upload an attachment");
    return Blob(request, path.substr(10));
  }
  if (StartsWith(path, "/v1/exchange/")) return Offline(request, path);
  if (path == "/v1/conformance") {
    if (m != "GET") return UseOnly("GET", "GET");
    return GetConformance(request, false);
  }
  if (StartsWith(path, "/v1/batches/")) {
    if (m != "GET") return UseOnly("GET", "GET");
    return GetBatch(path.substr(12));
  }
  if (path == "/v1/keys/reload") {
    if (m != "POST") return UseOnly("POST", "POST");
    if (!m_ctx.exchange) return Problem(503, "交换服务未运行", "no exchange service");
    if (auto s = m_ctx.exchange->ReloadTrust("asked through the local API (xfctl keys)"); !s) {
      return Problem(422, "无法重新载入密钥：" + s.error().message, s.error().message);
    }
    return Json(200, "{\"reloaded\":true,\"keys\":" + std::to_string(m_ctx.exchange->CurrentTrust()->Size()) + "}");
  }
  if (path == "/v1/directory") {
    if (m != "PUT") return UseOnly("PUT 提交签名的目录和 X-Xf-Signature", "PUT with the signed directory and X-Xf-Signature");
    if (!m_ctx.exchange) return Problem(503, "交换服务未运行", "no exchange service");
    const auto sig_it = request.headers.find("x-xf-signature");
    auto sig = exchange::Base64Decode(sig_it == request.headers.end() ? "" : sig_it->second);
    if (!sig || sig->empty()) return Problem(400, "缺少 X-Xf-Signature 或格式不对", "missing or malformed X-Xf-Signature");
    std::string bytes = request.body;
    if (!request.body_file.empty()) {  // spooled: up to the directory's own limit, not api.body_limit
      std::ifstream in(request.body_file, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) return Problem(503, "无法读取暂存的目录", "cannot read the spooled directory");
    }
    auto applied = m_ctx.exchange->OfferDirectory(bytes, *sig, "the local API (xfctl directory publish)");
    if (!applied) {
      const Errc c = applied.error().code;
      return Problem(c == Errc::kPermission ? 403 : c == Errc::kInvalidArgument ? 400 : c == Errc::kLimit ? 413 : 503,
                     "目录未采用：" + applied.error().message, applied.error().message);
    }
    const auto* d = m_ctx.exchange->CurrentTrust()->Directory();
    return Json(200, std::string("{\"applied\":") + (*applied ? "true" : "false") +
                         ",\"serial\":" + std::to_string(d ? d->serial : 0) + "}");
  }
  return Problem(404, "没有这个接口：" + path, "no such endpoint: " + path);
}

HttpResponse Api::GetBatch(const std::string& batch_id) {
  auto b = m_ctx.store.FindBatch(batch_id);
  if (!b) return Problem(503, "无法读取批次：" + b.error().message, b.error().message);
  if (!*b) return Problem(404, "本节点没有批次 " + batch_id, "no batch " + batch_id + " here");
  auto rejections = m_ctx.store.RejectionsOf(batch_id);
  if (!rejections) return Problem(503, "无法读取拒收记录：" + rejections.error().message, rejections.error().message);
  json::object o;
  o["batch_id"] = (*b)->batch_id;
  o["origin"] = (*b)->origin;
  o["stream"] = (*b)->stream;
  o["seq"] = (*b)->seq;
  o["state"] = (*b)->state;
  o["received_from"] = (*b)->received_from;
  o["forward_to"] = (*b)->forward_to;
  o["stored_at"] = (*b)->stored_at.ToString();
  o["accepted"] = (*b)->accepted;
  o["rejected"] = (*b)->rejected;
  if (!(*b)->note.empty()) o["note"] = (*b)->note;
  json::array list;
  for (const auto& r : *rejections) {
    list.push_back(json::object{{"event_id", r.rejection.event_id},
                                {"rule", r.rejection.rule},
                                {"field", r.rejection.field},
                                {"reason", schema::detail::ValidUtf8(r.rejection.reason)},
                                {"charged_to", r.charged_to},
                                {"at", r.at.ToString()}});
  }
  o["rejections"] = std::move(list);
  // What the next node answered, for a batch this node sent or passed on:
  // its signed receipt's status and every record it refused, with reasons.
  auto receipts = m_ctx.store.ReceiptsOf(batch_id);
  if (!receipts) return Problem(503, "无法读取回执：" + receipts.error().message, receipts.error().message);
  json::array sent;
  for (const auto& r : *receipts) {
    json::object x{{"link", r.link},
                   {"delivered_at", r.delivered_at ? json::value(r.delivered_at->ToString()) : json::value(nullptr)}};
    if (!r.last_error.empty() && !r.delivered_at) x["last_error"] = schema::detail::ValidUtf8(r.last_error);
    if (auto receipt = exchange::ParseReceiptXml(r.receipt_xml); !r.receipt_xml.empty() && receipt) {
      x["status"] = receipt->status;
      x["accepted"] = receipt->accepted.size();
      json::array refused;
      for (const auto& rj : receipt->rejected) {
        refused.push_back(json::object{{"event_id", rj.event_id},
                                       {"rule", rj.rule},
                                       {"field", rj.field},
                                       {"reason", schema::detail::ValidUtf8(rj.reason)}});
      }
      x["rejected"] = std::move(refused);
    }
    sent.push_back(std::move(x));
  }
  o["receipts"] = std::move(sent);
  return Json(200, json::serialize(o));
}

namespace {

// The answer to a registration (201), also what an Idempotency-Key keeps.
std::string RegistrationAnswer(const schema::Event& stored) {
  json::object o;
  o["case_id"] = stored.case_id;
  o["event_id"] = stored.Id();
  o["registered_at"] = std::get<schema::CaseRegistration>(stored.body).registered_at.ToString();
  return json::serialize(o);
}

std::string EventAnswer(const schema::Event& stored) {
  json::object o;
  o["case_id"] = stored.case_id;
  o["event_id"] = stored.Id();
  o["kind"] = std::string(schema::EventKindName(stored.kind));
  return json::serialize(o);
}

}  // namespace

HttpResponse Api::PostCase(const HttpRequest& request) {
  // A retry with the key of a registration already answered gets that answer (api_cases.cc).
  Store::Idempotency idempotency;
  if (auto answered = IdempotencyOf(request, "POST /v1/cases", idempotency)) return *answered;
  schema::Violations mapping;
  auto parsed = IsXml(request) ? schema::CaseFromXml(request.body, mapping)
                               : schema::CaseFromJson(request.body, mapping);
  if (!parsed) return Problem(parsed.error().code == Errc::kLimit ? 413 : 400, "无法读取请求内容：" + parsed.error().message,
                                   parsed.error().message);
  schema::CaseRegistration c = std::move(parsed).value();
  const Date today = m_ctx.clock.Now().ToDate();
  schema::Violations v = Merge(std::move(mapping), schema::ValidateCase(c, m_ctx.codes, m_ctx.config.limits, today));
  // A case id supplied by the caller must be one this node may mint.
  if (!c.case_id.empty() && !StartsWith(c.case_id, m_ctx.config.node_id + "-")) {
    v.push_back({"R3", "case_id",
                 "信访件编号 '" + c.case_id + "' 必须以本节点编号 " + m_ctx.config.node_id + "- 开头（留空则由本节点编号）",
                 c.case_id,
                 "case id '" + c.case_id + "' must begin with this node's id " + m_ctx.config.node_id +
                     "- (leave it empty to have one minted)"});
  }
  if (!c.registering_body.empty() && c.registering_body != m_ctx.config.node_id) {
    v.push_back({"R3", "registering_body",
                 "登记机构 '" + c.registering_body + "' 不是本节点（" + m_ctx.config.node_id + "）", c.case_id,
                 "registering_body '" + c.registering_body + "' is not this node (" + m_ctx.config.node_id + ")"});
  }
  CheckAttachments(c.attachments, c.case_id, v);
  if (!v.empty()) {
    CountRejections(v);
    return Unprocessable(v);
  }
  schema::Violations r7;
  std::optional<Store::IdempotentAnswer> first;
  idempotency.replay = &first;
  idempotency.answer = RegistrationAnswer;
  auto stored = m_ctx.store.RegisterCase(std::move(c), m_ctx.config.node_id, "", &r7,
                                         idempotency.key.empty() ? nullptr : &idempotency);
  if (!stored) {
    if (first) return Replayed(request, idempotency, *first);  // its first try won the race
    if (!r7.empty()) {
      CountRejections(r7);
      return Unprocessable(r7);
    }
    if (stored.error().code == Errc::kAlreadyExists) return Problem(409, "已存在：" + stored.error().message, stored.error().message);
    return Problem(503, "未保存：" + stored.error().message, "not stored: " + stored.error().message);
  }
  ++m_cases;
  ++m_events;
  if (m_ctx.exchange) m_ctx.exchange->Kick();
  // Earlier cases that may be the same petition (判重, api_dedup.cc): the clerk
  // decides, and links a repeat with repeat/initial_case_id. What an
  // Idempotency-Key keeps is the registration's answer without them (a replay
  // answers that, byte for byte; GET /v1/cases/{id}/duplicates has them now).
  std::string answer = first ? first->body : RegistrationAnswer(*stored);
  if (!first) {
    json::object o = json::parse(answer).as_object();
    AddCandidates(o, std::get<schema::CaseRegistration>(stored->body), "candidates_");
    answer = json::serialize(o);
  }
  HttpResponse r = Json(201, answer);
  r.headers["Location"] = "/v1/cases/" + stored->case_id;
  return r;
}

HttpResponse Api::PostEvent(const HttpRequest& request, const std::string& case_id) {
  Store::Idempotency idempotency;
  if (auto answered = IdempotencyOf(request, "POST /v1/cases/" + case_id + "/events", idempotency)) return *answered;
  schema::Violations mapping;
  auto parsed = schema::EventFromJson(request.body, mapping);
  if (!parsed) return Problem(parsed.error().code == Errc::kLimit ? 413 : 400, "无法读取请求内容：" + parsed.error().message,
                                   parsed.error().message);
  schema::Event e = std::move(parsed).value();
  const bool kind_refused =
      std::any_of(mapping.begin(), mapping.end(), [](const auto& x) { return x.field == "kind"; });
  if (e.kind == schema::EventKind::kRegistration && !kind_refused) {
    mapping.push_back({"R3", "kind", "登记应提交到 /v1/cases，而不是作为事件提交", case_id,
                       "a registration is posted to /v1/cases, not as an event"});
  }
  if (e.kind == schema::EventKind::kDuplicateNotice && !kind_refused) {
    mapping.push_back({"R3", "kind", "a duplicate notice (判重提示) is made by the levels above as they check cases, "
                                     "not posted", case_id});
  }
  if (kind_refused || e.kind == schema::EventKind::kRegistration || e.kind == schema::EventKind::kDuplicateNotice) {
    // An unknown kind leaves the body meaningless: answer with the mapping's findings only.
    CountRejections(mapping);
    return Unprocessable(mapping);
  }
  e.case_id = case_id;
  e.origin = m_ctx.config.node_id;
  const Instant now = m_ctx.clock.Now();
  schema::Violations v =
      Merge(std::move(mapping), schema::ValidateEvent(e, m_ctx.codes, m_ctx.config.limits, now.ToDate()));
  if (const auto* h = std::get_if<schema::Handling>(&e.body)) CheckAttachments(h->attachments, case_id, v);
  if (!v.empty()) {
    CountRejections(v);
    return Unprocessable(v);
  }
  schema::Violations r7;
  std::optional<Store::IdempotentAnswer> first;
  idempotency.replay = &first;
  idempotency.answer = EventAnswer;
  auto stored = m_ctx.store.AppendEvent(std::move(e), m_ctx.config.node_id, &r7,
                                        idempotency.key.empty() ? nullptr : &idempotency);
  if (!stored) {
    if (first) return Replayed(request, idempotency, *first);
    if (!r7.empty()) {  // R7: it contradicts the case's history held here
      CountRejections(r7);
      return Unprocessable(r7);
    }
    if (stored.error().code == Errc::kNotFound) {
      schema::Violations r6{
          {"R6", "case_id", "本节点没有信访件 " + case_id, case_id, "case " + case_id + " is not known here"}};
      CountRejections(r6);
      return WithViolations(404, r6);
    }
    return Problem(503, "未保存：" + stored.error().message, "not stored: " + stored.error().message);
  }
  ++m_events;
  if (m_ctx.exchange) m_ctx.exchange->Kick();
  return Json(201, first ? first->body : EventAnswer(*stored));
}

HttpResponse Api::Blob(const HttpRequest& request, const std::string& sha256) {
  BlobEndpoint endpoint{m_ctx.blobs, m_ctx.config.limits.max_attachment_bytes, m_spool_dir, false, true,
                        // Held: on disk and recorded (a file a crash left unrecorded is recorded on upload).
                        [this](const std::string& sha) { return m_ctx.blobs.Has(sha) && m_ctx.store.HasBlob(sha); },
                        [this](const std::string& sha, std::uint64_t size) -> Status {
                          if (auto s = m_ctx.store.RecordBlob(sha, size); !s) return s;
                          ++m_blobs;
                          if (m_ctx.exchange) m_ctx.exchange->Kick();  // a batch may be waiting for it
                          return {};
                        }};
  return HandleBlobRequest(endpoint, request, sha256);
}

void Api::CheckAttachments(const std::vector<schema::Attachment>& attachments, const std::string& record,
                           schema::Violations& v) const {
  for (std::size_t i = 0; i < attachments.size(); ++i) {
    const auto& a = attachments[i];
    if (!schema::IsSha256Hex(a.sha256)) continue;  // R1 says so
    const std::string field = "attachments[" + std::to_string(i) + "]";
    auto size = m_ctx.blobs.Size(a.sha256);
    if (!size) {
      v.push_back({"R6", field + ".sha256",
                   "本节点没有附件 " + a.sha256 + "：请先上传（PUT /v1/blobs/" + a.sha256 + "），附件才能随记录交换",
                   record,
                   "attachment " + a.sha256 + " is not held here: upload it first (PUT /v1/blobs/" + a.sha256 +
                       "), so that it can travel with the record"});
    } else if (*size != a.size) {
      v.push_back({"R1", field + ".size",
                   "大小为 " + std::to_string(a.size) + " 字节，但本节点所存附件 " + a.sha256.substr(0, 12) + "… 有 " +
                       std::to_string(*size) + " 字节",
                   record,
                   "size " + std::to_string(a.size) + " bytes, but the attachment " + a.sha256.substr(0, 12) +
                       "… held here has " + std::to_string(*size)});
    }
  }
}

HttpResponse Api::GetCase(const std::string& case_id) {
  auto view = m_ctx.store.GetCase(case_id);
  if (!view) {
    if (view.error().code == Errc::kNotFound) return Problem(404, "本节点没有信访件 " + case_id, view.error().message);
    return Problem(500, "无法读取信访件：" + view.error().message, view.error().message);
  }
  // The legal clocks, counted with the calendar in force now.
  static const codes::Calendar kNoHolidays;
  std::vector<schema::Event> events;
  events.reserve(view->events.size());
  for (const auto& se : view->events) events.push_back(se.event);
  const schema::CaseFacts facts = schema::FactsOf(events);
  const Date today = m_ctx.clock.Now().ToDate();
  json::array clocks;
  for (const auto& c : schema::ClocksOf(facts, m_ctx.calendar ? *m_ctx.calendar : kNoHolidays,
                                        m_ctx.config.counting)) {
    const auto& info = schema::InfoOf(c.clock);
    json::object o;
    o["clock"] = info.name;
    o["label"] = info.label;
    o["days"] = info.days;
    o["start"] = c.start.ToString();
    o["due"] = c.due.day.ToString();
    o["met"] = c.met ? json::value(c.met->ToString()) : json::value(nullptr);
    if (c.clock == schema::Clock::kHandle) o["extension_days"] = c.extension_days;
    o["window"] = info.window;
    // Overdue: a duty (not the petitioner's window) not met, past its last day, on an open case.
    const bool overdue = !info.window && !c.met && !facts.closed && c.due.day < today;
    o["overdue_days"] = overdue ? json::value(today.DaysSinceEpoch() - c.due.day.DaysSinceEpoch()) : json::value(0);
    o["calendar_complete"] = c.due.complete;
    clocks.push_back(std::move(o));
  }
  // 初件/重件: the case it repeats and the cases that repeat it (api_cases.cc).
  std::string out = "{\"case_id\":" + json::serialize(json::value(view->case_id)) +
                    ",\"state\":" + view->state_json + ",\"clocks\":" + json::serialize(clocks) +
                    ",\"links\":" + RepeatLinksJson(view->case_id, facts.initial_case_id) + ",\"events\":[";
  for (std::size_t i = 0; i < view->events.size(); ++i) {
    if (i) out += ',';
    out += schema::EventToJson(view->events[i].event);
  }
  out += "]}";
  return Json(200, std::move(out));
}

namespace {

// A refused record as the rejections table keeps it.
struct RecentRejection {
  Instant at;
  std::string origin, batch_id, event_id, rule, field, reason, charged_to;
};

// The newest `limit` refused records, newest first, read on a read-only
// connection of their own (the status page and /v1/status; no store mutex).
Result<std::vector<RecentRejection>> RecentRejections(const std::filesystem::path& db_file, int limit) {
  auto db = sql::Db::OpenReadOnly(db_file);
  if (!db) return db.error();
  auto q = db->Prepare("SELECT at, origin, batch_id, event_id, rule, field, reason, "
                       "CASE WHEN charged_to <> '' THEN charged_to ELSE origin END FROM rejections "
                       "ORDER BY rowid DESC LIMIT ?1",
                       false);
  if (!q) return q.error();
  q->Bind(1, std::int64_t{limit});
  std::vector<RecentRejection> out;
  for (;;) {
    auto more = q->Step();
    if (!more) return more.error();
    if (!*more) break;
    out.push_back({Instant{q->Int(0)}, q->Text(1), q->Text(2), q->Text(3), q->Text(4), q->Text(5), q->Text(6), q->Text(7)});
  }
  return out;
}

}  // namespace

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
  // What each peer sent last (xfctl status): batches stored from it, the latest's time.
  json::array received;
  for (const auto& x : m_ctx.store.LastReceived()) {
    received.push_back(json::object{{"from", x.from}, {"batches", x.batches}, {"last", x.last.ToString()}});
  }
  o["received"] = std::move(received);
  // The newest records refused here (xfctl status shows them in words from rule and field).
  if (auto recent = RecentRejections(m_ctx.config.data_dir / "xfnode.db", 10); recent) {
    json::array list;
    for (const auto& r : *recent) {
      list.push_back(json::object{{"at", r.at.ToString()},
                                  {"origin", r.origin},
                                  {"batch_id", r.batch_id},
                                  {"event_id", r.event_id},
                                  {"rule", r.rule},
                                  {"field", r.field},
                                  {"reason", schema::detail::ValidUtf8(r.reason.substr(0, 500))},
                                  {"charged_to", r.charged_to}});
    }
    o["recent_rejections"] = std::move(list);
  }
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
  for (int rule = 1; rule <= 7; ++rule) {
    out << "xfnode_rejections_total{rule=\"R" << rule << "\"} " << m_rejections[static_cast<std::size_t>(rule)].load() << '\n';
  }
  metric("xfnode_cases", "gauge", "Cases held.", s.cases);
  metric("xfnode_events", "gauge", "Events held.", s.events);
  metric("xfnode_blobs", "gauge", "Attachments held.", s.blobs);
  metric("xfnode_schema_version", "gauge", "Database schema version.", s.schema_version);
  metric("xfnode_uptime_seconds", "gauge", "Seconds since start.", m_ctx.clock.Now().seconds - m_started.seconds);
  if (m_ctx.exchange) out << m_ctx.exchange->MetricsText();
  HttpResponse r = Json(200, out.str());
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  return r;
}

namespace {

HttpResponse HtmlPage(std::string page) {
  HttpResponse r;
  r.body = std::move(page);
  r.content_type = "text/html; charset=utf-8";
  r.headers["Content-Security-Policy"] = std::string(html::ContentSecurityPolicy());
  r.headers["X-Content-Type-Options"] = "nosniff";
  r.headers["Cache-Control"] = "no-store";
  return r;
}

const char* TierLabel(Tier t) {
  switch (t) {
    case Tier::kNational: return "国家级";
    case Tier::kProvince: return "省级";
    case Tier::kCity: return "地市级";
    case Tier::kCounty: return "县级";
    case Tier::kDepartment: return "职能部门";
  }
  return "";
}

// At most `max` bytes of `s`, cut at a character boundary, with "…" if cut.
std::string Cut(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "…";
}

std::string Cell(std::string_view text, const char* cls = "text") {
  return std::string("<td class=\"") + cls + "\">" + html::Escape(text) + "</td>";
}

}  // namespace

HttpResponse Api::GetConformance(const HttpRequest& request, bool as_html) {
  // The node's bounds and default period; read with a read-only connection
  // of its own, so the report never blocks writers.
  conformance::Options o = conformance::OptionsFor(m_ctx.config, m_ctx.clock.Now());
  for (const char* key : {"since", "until"}) {
    if (auto text = QueryParam(request.target, key)) {
      const auto d = Date::Parse(*text);
      if (!d) return Problem(400, std::string(key) + " 应为日期 YYYY-MM-DD", std::string(key) + " wants YYYY-MM-DD");
      (std::string(key) == "since" ? o.since : o.until) = Instant::FromDate(*d);
    }
  }
  // The drill-down (node/CONFORMANCE.md, "Drill-down"): ?node= a jurisdiction
  // of the tree, ?page= of its origins, ?q= by id or name, ?sort=score|id.
  o.tree = true;
  std::string decoded[3];
  const char* const keys[] = {"node", "q", "sort"};
  for (int i = 0; i < 3; ++i) {
    if (auto text = QueryParam(request.target, keys[i])) {
      auto d = UrlDecode(*text);
      if (!d || d->size() > 200)
        return Problem(400, std::string(keys[i]) + "：格式不对或太长", std::string(keys[i]) + ": malformed or too long");
      decoded[i] = std::move(*d);
    }
  }
  if (!decoded[0].empty() && !schema::IsNodeId(decoded[0])) {
    return Problem(400, "node 应为节点编号（6 位数字，或 6 位数字.机构代码），而不是 '" + decoded[0] + "'",
                   "node wants a node id (6 digits, or 6 digits.ORG), not '" + decoded[0] + "'");
  }
  o.scope = decoded[0];
  o.query = decoded[1];
  if (!decoded[2].empty() && decoded[2] != "score" && decoded[2] != "id") {
    return Problem(400, "sort 只能是 score（最差在前）或 id", "sort is score (worst first) or id");
  }
  o.sort = decoded[2] == "id" ? conformance::SortBy::kId : conformance::SortBy::kScore;
  if (auto page = QueryParam(request.target, "page")) {
    char* end = nullptr;
    const long n = std::strtol(page->c_str(), &end, 10);
    if (page->empty() || *end != '\0' || n < 1 || n > 1000000)
      return Problem(400, "page 应为从 1 起的数字", "page wants a number from 1");
    o.page = static_cast<std::size_t>(n);
  }
  o.verify = summary::KeyFileVerifier(m_ctx.config);
  o.calendar = m_ctx.calendar;  // loaded once at start; null: Compute loads the code book's
  auto report = conformance::ComputeFromFile(m_ctx.config.data_dir / "xfnode.db", m_ctx.codes, o);
  if (!report) return Problem(500, "无法计算报告：" + report.error().message, report.error().message);
  if (as_html) return HtmlPage(conformance::ToHtml(*report, m_ctx.codes));
  return Json(200, conformance::ToJson(*report));
}

HttpResponse Api::GetStatusPage() {
  using html::Escape;
  const StoreStats s = m_ctx.store.Stats();
  const NodeConfig& c = m_ctx.config;
  const Instant now = m_ctx.clock.Now();
  const auto links = m_ctx.store.Links();
  const auto gaps = m_ctx.store.Gaps();
  const auto count = [](auto n) { return std::to_string(n); };
  std::string b;
  b.reserve(16 * 1024);

  b += "<header class=\"page\" id=\"status-header\" data-node=\"" + Escape(c.node_id) + "\" data-version=\"" +
       Escape(XF_VERSION) + "\"><h1>" + Escape(c.name.empty() ? c.node_id : c.name) + "<small>" +
       Escape(html::JurisdictionName(m_ctx.codes, c.node_id)) + " · " + TierLabel(c.tier) +
       "节点</small></h1><dl class=\"meta\">";
  b += "<div><dt>节点编号</dt><dd id=\"meta-node\">" + Escape(c.node_id) + "</dd></div>";
  b += "<div><dt>版本</dt><dd id=\"meta-version\">xfnode " + Escape(XF_VERSION) + "</dd></div>";
  b += "<div><dt>代码表</dt><dd>" + Escape(m_ctx.codes.Version()) + "</dd></div>";
  b += "<div><dt>启动于</dt><dd>" + Escape(html::ChinaTime(m_started)) + "</dd></div>";
  b += "<div><dt>当前时间</dt><dd>" + Escape(html::ChinaTime(now)) + "</dd></div>";
  if (m_ctx.exchange) {
    b += "<div><dt>交换端点</dt><dd>" + Escape(m_ctx.exchange->Url()) + "</dd></div>";
    const auto* d = m_ctx.exchange->CurrentTrust()->Directory();
    b += "<div><dt>签名目录</dt><dd id=\"meta-directory\" data-serial=\"" + count(d ? d->serial : 0) +
         "\" data-stale=\"" + (d && d->Stale(now) ? "true" : "false") + "\">" +
         (d ? "第 " + count(d->serial) + " 版" + (d->Stale(now) ? "（已过更新期限，仍在使用）" : "") : std::string("无")) +
         "</dd></div>";
  }
  b += "</dl><div class=\"bar-legend\"><a id=\"report-link\" href=\"/report.html\">当前合规报告（最近 " +
       count(c.conformance.period_days) +
       " 天）</a><a href=\"/metrics\">运行指标 /metrics</a><a href=\"/healthz\">健康检查 /healthz</a></div></header>\n";

  std::int64_t pending = 0;
  for (const auto& l : links) pending += l.pending;
  b += "<section class=\"cards\" id=\"counts\" data-cases=\"" + count(s.cases) + "\" data-events=\"" +
       count(s.events) + "\" data-pending=\"" + count(pending) + "\">";
  b += "<div><small>信访件</small><b>" + count(s.cases) + "</b></div>";
  b += "<div><small>事件</small><b>" + count(s.events) + "</b></div>";
  b += "<div><small>附件</small><b>" + count(s.blobs) + "</b></div>";
  b += "<div><small>待发批次</small><b>" + count(pending) + "</b></div>";
  b += "<div><small>序号缺口</small><b" + std::string(gaps.empty() ? "" : " class=\"bad\"") + ">" +
       count(gaps.size()) + "</b></div></section>\n";

  // Peers: the parent, the children in configuration order, then any other
  // link the outbox knows; each with its queue and its last exchange.
  struct Peer {
    std::string id;
    const char* role;
    std::string url;
  };
  std::vector<Peer> peers;
  if (c.parent) peers.push_back({c.parent->id, "parent", c.parent->pull ? "" : c.parent->url});
  for (const auto& ch : c.children) peers.push_back({ch.id, "child", ch.pull ? "" : ch.url});
  for (const auto& l : links) {
    if (std::none_of(peers.begin(), peers.end(), [&](const Peer& p) { return p.id == l.link; })) {
      peers.push_back({l.link, "other", ""});
    }
  }
  b += "<section id=\"peers\" data-count=\"" + count(peers.size()) + "\"><h2>对等节点与发送队列</h2>";
  if (peers.empty()) {
    b += "<p class=\"empty\">未配置上级与下级</p>";
  } else {
    b += "<div class=\"scroll\"><table class=\"grid list\"><thead><tr><th>节点</th><th>关系</th><th>交换地址</th>"
         "<th>待发批次</th><th>已送达批次</th><th>最近送达</th><th>最近错误</th></tr></thead><tbody>";
    for (const auto& p : peers) {
      const auto l = std::find_if(links.begin(), links.end(), [&](const Store::LinkStatus& x) { return x.link == p.id; });
      const bool known = l != links.end();
      const std::string role = p.role;
      b += "<tr data-peer=\"" + Escape(p.id) + "\" data-role=\"" + role + "\" data-pending=\"" +
           count(known ? l->pending : 0) + "\" data-delivered=\"" + count(known ? l->delivered : 0) +
           "\" data-error=\"" + (known && !l->last_error.empty() ? "true" : "false") + "\">";
      b += Cell(html::JurisdictionName(m_ctx.codes, p.id));
      b += Cell(role == "parent" ? "上级" : role == "child" ? "下级" : "其他");
      b += p.url.empty() && role != "other" ? Cell("对方拉取 / 离线") : Cell(p.url);
      b += "<td" + std::string(known && l->pending > 0 ? " class=\"bad\"" : "") + ">" + count(known ? l->pending : 0) +
           "</td><td>" + count(known ? l->delivered : 0) + "</td>";
      b += Cell(known && l->last_delivered ? html::ChinaTime(*l->last_delivered) : "从未");
      b += known && !l->last_error.empty() ? "<td class=\"text wrap bad\">" + Escape(Cut(l->last_error, 300)) + "</td>"
                                            : Cell("—");
      b += "</tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section>\n";

  b += "<section id=\"gaps\" data-count=\"" + count(gaps.size()) + "\"><h2>序号缺口<small>等待缺失批次的批次流</small></h2>";
  if (gaps.empty()) {
    b += "<p class=\"empty\">无</p>";
  } else {
    b += "<div class=\"scroll\"><table class=\"grid list\"><thead><tr><th>发起节点</th><th>批次流</th><th>缺失序号</th>"
         "<th>等待批次</th><th>开始</th><th>已持续</th></tr></thead><tbody>";
    for (const auto& g : gaps) {
      b += "<tr data-origin=\"" + Escape(g.origin) + "\" data-stream=\"" + Escape(g.stream) + "\" data-next-seq=\"" +
           count(g.next_seq) + "\">" + Cell(html::JurisdictionName(m_ctx.codes, g.origin)) + Cell(g.stream) + "<td>" +
           count(g.next_seq) + "</td><td>" + count(g.held) + "</td>" + Cell(html::ChinaTime(g.since)) +
           "<td class=\"bad\">" + Escape(html::Duration(now.seconds - g.since.seconds)) + "</td></tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section>\n";

  // Batches stored but held until their attachments come: which are missing.
  const auto waiting = m_ctx.store.WaitingForAttachments();
  b += "<section id=\"awaiting-attachments\" data-count=\"" + count(waiting.size()) +
       "\"><h2>等待附件的批次<small>批次已验签并保存，所列附件到达后才应用并回执</small></h2>";
  if (waiting.empty()) {
    b += "<p class=\"empty\">无</p>";
  } else {
    b += "<div class=\"scroll\"><table class=\"grid list\"><thead><tr><th>批次</th><th>来自</th><th>缺少的附件</th>"
         "<th>其后等待批次</th><th>开始</th></tr></thead><tbody>";
    for (const auto& w : waiting) {
      std::string missing;
      for (const auto& sha : w.attachments) {
        if (m_ctx.blobs.Has(sha) || m_ctx.blobs.Staged(sha)) continue;
        missing += "<code data-sha256=\"" + Escape(sha) + "\">" + Escape(sha) + "</code> ";
      }
      b += "<tr data-batch=\"" + Escape(w.batch_id) + "\">" + Cell(w.batch_id) + Cell(w.received_from) +
           "<td class=\"text wrap bad\">" + missing + "</td><td>" + count(w.held_behind) + "</td>" +
           Cell(html::ChinaTime(w.since)) + "</tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section>\n";

  // Batches parked until their origin's key is known: origin, stream, how
  // many, since when and why (the reason names keys, never a record).
  const auto parked = m_ctx.store.Parked();
  b += "<section id=\"parked\" data-count=\"" + count(parked.size()) +
       "\"><h2>暂存批次<small>发起节点的公钥尚未知晓，无法验签；链路照常，公钥到达后自动验签并应用</small></h2>";
  if (parked.empty()) {
    b += "<p class=\"empty\">无</p>";
  } else {
    b += "<div class=\"scroll\"><table class=\"grid list\"><thead><tr><th>发起节点</th><th>批次流</th><th>批次数</th>"
         "<th>最早序号</th><th>开始</th><th>原因</th></tr></thead><tbody>";
    for (const auto& p : parked) {
      b += "<tr data-origin=\"" + Escape(p.origin) + "\" data-stream=\"" + Escape(p.stream) + "\" data-batches=\"" +
           count(p.batches) + "\">" + Cell(html::JurisdictionName(m_ctx.codes, p.origin)) + Cell(p.stream) + "<td>" +
           count(p.batches) + "</td><td>" + count(p.first_seq) + "</td>" + Cell(html::ChinaTime(p.since)) +
           "<td class=\"text wrap bad\">" + Escape(Cut(p.reason, 300)) + "</td></tr>";
    }
    b += "</tbody></table></div>";
  }
  b += "</section>\n";

  // Recent rejections of received records, newest first (a read-only
  // connection of its own). The reason text is not shown: it may quote the
  // record's values, and this page needs no token.
  constexpr int kRecent = 20;
  std::string rows;
  std::string failed;
  int shown = 0;
  if (auto recent = RecentRejections(c.data_dir / "xfnode.db", kRecent); !recent) {
    failed = recent.error().message;
  } else {
    for (const auto& r : *recent) {
      ++shown;
      rows += "<tr data-rule=\"" + Escape(r.rule) + "\" data-origin=\"" + Escape(r.origin) + "\" data-charged=\"" +
              Escape(r.charged_to) + "\">" + Cell(html::ChinaTime(r.at)) +
              Cell(html::JurisdictionName(m_ctx.codes, r.origin)) + Cell(r.batch_id) +
              Cell(r.event_id.empty() ? "（整批）" : r.event_id) + Cell(RejectionLine(r.rule, "", "")) +
              Cell(r.field.empty() ? "—" : FieldWords(r.field)) +
              Cell(html::JurisdictionName(m_ctx.codes, r.charged_to)) + "</tr>";
    }
  }
  b += "<section id=\"recent-rejections\" data-count=\"" + count(shown) + "\"><h2>最近退回的记录<small>收到的批次中未通过检查的记录，最近 " +
       count(kRecent) + " 条；原因见 xfctl conformance</small></h2>";
  if (!failed.empty()) b += "<p class=\"empty bad\">无法读取：" + Escape(failed) + "</p>";
  if (shown == 0 && failed.empty()) {
    b += "<p class=\"empty\">无</p>";
  } else if (shown > 0) {
    b += "<div class=\"scroll\"><table class=\"grid list\"><thead><tr><th>时间</th><th>发起节点</th><th>批次</th>"
         "<th>事件</th><th>规则</th><th>字段</th><th>责任节点</th></tr></thead><tbody>" +
         rows + "</tbody></table></div>";
  }
  b += "</section>\n";

  b += "<section id=\"intake-rejections\"><h2>本地接口拒收<small>本进程启动以来，按规则</small></h2><div class=\"scroll\">"
       "<table class=\"grid list\"><thead><tr>";
  for (int rule = 1; rule <= 7; ++rule) b += "<th>R" + count(rule) + "</th>";
  b += "</tr></thead><tbody><tr>";
  for (int rule = 1; rule <= 7; ++rule) {
    b += "<td data-rule=\"R" + count(rule) + "\">" + count(m_rejections[static_cast<std::size_t>(rule)].load()) + "</td>";
  }
  b += "</tr></tbody></table></div></section>\n";

  b += "<section id=\"origins\" data-count=\"" + count(s.origins.size()) +
       "\"><h2>各发起节点已收序号</h2><div class=\"scroll\"><table class=\"grid list\"><thead><tr><th>发起节点</th>"
       "<th>最高序号</th></tr></thead><tbody>";
  for (const auto& o : s.origins) {
    b += "<tr data-origin=\"" + Escape(o.origin) + "\">" + Cell(html::JurisdictionName(m_ctx.codes, o.origin)) +
         "<td>" + count(o.last_seq) + "</td></tr>";
  }
  b += "</tbody></table></div></section>\n<footer>xfnode " + Escape(XF_VERSION) +
       " · 本页与 /report.html 无需令牌，只显示编号与计数，不显示信访件内容（node/README.md）。</footer>";
  return HtmlPage(html::Page(c.name.empty() ? "xfnode " + c.node_id : c.name + " · xfnode " + c.node_id, b));
}

}  // namespace xf::node

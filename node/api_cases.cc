// The local API's case list (GET /v1/cases), the repeat links of a case and
// Idempotency-Key on intake (api.h; node/README.md, "The case list" and
// "Idempotency-Key").
#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "exchange/crypto.h"
#include "node/api.h"
#include "node/case_text.h"
#include "schema/validate.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

bool English(const HttpRequest& r) {
  const auto it = r.headers.find("accept-language");
  return it != r.headers.end() && it->second.rfind("en", 0) == 0;
}

HttpResponse JsonAnswer(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// {"error", "field", "message"}: the words in Chinese (English with
// Accept-Language: en), the field machine-readable beside them.
HttpResponse Refuse(const HttpRequest& request, int status, const std::string& field, const std::string& zh,
                    const std::string& en) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  if (!field.empty()) o["field"] = field;
  o["message"] = English(request) ? en : zh;
  return JsonAnswer(status, json::serialize(o));
}

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte.
std::string Decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size() && Hex(s[i + 1]) >= 0 && Hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The query string's parameters; a parameter given twice keeps the last.
std::map<std::string, std::string> Params(const std::string& target) {
  std::map<std::string, std::string> out;
  const auto q = target.find('?');
  if (q == std::string::npos) return out;
  std::string_view rest(target);
  rest.remove_prefix(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view kv = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (kv.empty()) continue;
    const auto eq = kv.find('=');
    out[Decode(kv.substr(0, eq))] = eq == std::string_view::npos ? "" : Decode(kv.substr(eq + 1));
  }
  return out;
}

std::optional<bool> Bool(const std::string& v) {
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return std::nullopt;
}

// The cursor of a page: "<received date>~<case id>" of its last row.
std::string Cursor(const std::pair<Date, std::string>& at) { return at.first.ToString() + "~" + at.second; }
std::optional<std::pair<Date, std::string>> ParseCursor(const std::string& s) {
  const auto tilde = s.find('~');
  if (tilde == std::string::npos) return std::nullopt;
  const auto d = Date::Parse(s.substr(0, tilde));
  const std::string id = s.substr(tilde + 1);
  if (!d || !schema::IsCaseId(id)) return std::nullopt;
  return std::make_pair(*d, id);
}

json::value DateOrNull(const std::optional<Date>& d) { return d ? json::value(d->ToString()) : json::value(nullptr); }

json::object RowJson(const Store::CaseRow& r, const codes::CodeBook& book, bool english) {
  json::object o;
  o["case_id"] = r.case_id;
  o["registering_body"] = r.registering_body;
  o["received_date"] = r.received_date.ToString();
  o["status"] = r.status;
  o["status_label"] = text::StatusLabel(r.status, english);
  o["content_category"] = r.content_category;
  o["content_category_label"] = std::string(book.Label(codes::table::kContentCategory, r.content_category));
  o["problem_place"] = r.problem_place;
  o["repeat"] = !r.initial_case_id.empty();
  o["initial_case_id"] = r.initial_case_id;
  o["first_petitioner"] = r.first_petitioner;
  o["event_count"] = r.event_count;
  o["updated_at"] = r.updated_at.ToString();
  o["closed"] = DateOrNull(r.closed);
  if (r.next_due) {
    o["next_due"] = json::object{{"clock", schema::InfoOf(r.next_due->clock).name},
                                 {"label", text::ClockLabel(r.next_due->clock, english)},
                                 {"start", r.next_due->start.ToString()},
                                 {"due", r.next_due->due.ToString()},
                                 {"days_left", r.next_due->days_left}};
  } else {
    o["next_due"] = nullptr;
  }
  o["overdue"] = r.overdue_days > 0;
  o["overdue_days"] = r.overdue_days;
  return o;
}

// What the case list takes; anything else is refused, naming the closest.
constexpr const char* kListParams[] = {"status",   "received_from", "received_to", "overdue", "category",
                                       "petitioner", "repeat",       "duplicate",   "limit",   "cursor"};

}  // namespace

HttpResponse Api::ListCases(const HttpRequest& request) {
  const bool en = English(request);
  Store::CaseQuery q;
  q.today = m_ctx.clock.Now().ToDate();
  for (const auto& [key, value] : Params(request.target)) {
    if (std::find(std::begin(kListParams), std::end(kListParams), key) == std::end(kListParams)) {
      std::string all;
      for (const char* p : kListParams) all += (all.empty() ? "" : ", ") + std::string(p);
      return Refuse(request, 400, key, "未知的查询参数 " + key + "（可用：" + all + "）",
                    "unknown query parameter " + key + " (known: " + all + ")");
    }
    if (key == "status") {
      std::string_view rest(value);
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string s(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (s.empty()) continue;
        if (!text::IsStatus(s)) {
          std::string all;
          for (auto x : text::Statuses()) all += (all.empty() ? "" : ", ") + std::string(x);
          return Refuse(request, 400, "status", "未知的状态 " + s + "（可用：" + all + "）",
                        "unknown status " + s + " (known: " + all + ")");
        }
        q.statuses.push_back(s);
      }
    } else if (key == "received_from" || key == "received_to") {
      const auto d = Date::Parse(value);
      if (!d) return Refuse(request, 400, key, key + " 应为日期 YYYY-MM-DD，而不是 \"" + value + "\"",
                            key + " wants a date YYYY-MM-DD, not \"" + value + "\"");
      (key == "received_from" ? q.received_from : q.received_to) = *d;
    } else if (key == "overdue" || key == "repeat") {
      const auto b = Bool(value);
      if (!b) return Refuse(request, 400, key, key + " 应为 true 或 false", key + " wants true or false");
      (key == "overdue" ? q.overdue : q.repeat) = *b;
    } else if (key == "category") {
      const bool digits = std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || (value.size() != 2 && value.size() != 4 && value.size() != 6)) {
        return Refuse(request, 400, "category", "内容分类应为 2、4 或 6 位数字（一级、二级或三级分类）",
                      "category wants 2, 4 or 6 digits (a first, second or third level)");
      }
      q.category = value;
    } else if (key == "petitioner") {
      std::string id = value;
      std::transform(id.begin(), id.end(), id.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
      // Either form: a first-generation 15-digit number is matched as its 18-character form.
      const std::string id18 = schema::IdNumber18(id);
      if (id18.empty()) {
        return Refuse(request, 400, "petitioner", "公民身份号码应为 18 位（或第一代 15 位数字）",
                      "petitioner wants an ID number of 18 characters (or a first-generation one of 15 digits)");
      }
      q.id_number = id18;
    } else if (key == "duplicate") {
      return Refuse(request, 501, "duplicate", "按判重结果筛选（duplicate）将随全系统判重提供，目前尚不可用",
                    "the duplicate filter comes with duplicate detection (判重); not available yet");
    } else if (key == "limit") {
      const bool digits = !value.empty() && value.size() <= 4 &&
                          std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
      const int n = digits ? std::stoi(value) : 0;
      if (n < 1 || n > 500) return Refuse(request, 400, "limit", "limit 应为 1–500", "limit wants 1–500");
      q.limit = static_cast<std::size_t>(n);
    } else if (key == "cursor") {
      q.after = ParseCursor(value);
      if (!q.after) {
        return Refuse(request, 400, "cursor", "cursor 应为上一页回答中的 next_cursor",
                      "cursor wants the next_cursor of the previous page's answer");
      }
    }
  }
  if (q.received_from && q.received_to && *q.received_to < *q.received_from) {
    return Refuse(request, 400, "received_to", "received_to 早于 received_from", "received_to is before received_from");
  }
  auto page = m_ctx.store.ListCases(q);
  if (!page) return Refuse(request, 503, "", "无法读取信访件：" + page.error().message, page.error().message);
  json::array rows;
  for (const auto& r : page->rows) rows.push_back(RowJson(r, m_ctx.codes, en));
  json::object o;
  o["total"] = page->total;
  o["limit"] = q.limit;
  o["today"] = q.today.ToString();
  o["next_cursor"] = page->next ? json::value(Cursor(*page->next)) : json::value(nullptr);
  o["cases"] = std::move(rows);
  return JsonAnswer(200, json::serialize(o));
}

std::string Api::RepeatLinksJson(const std::string& case_id, const std::string& initial_case_id) {
  const Date today = m_ctx.clock.Now().ToDate();
  json::object o;
  // 初件: the case this one repeats, whether it is held here or not.
  if (initial_case_id.empty()) {
    o["initial"] = nullptr;
  } else {
    json::object initial{{"case_id", initial_case_id}, {"held", m_ctx.store.HasCase(initial_case_id)}};
    o["initial"] = std::move(initial);
  }
  // 重件: later cases held here that name this one as their initial case.
  json::array repeats;
  if (auto rows = m_ctx.store.RepeatsOf(case_id, today)) {
    for (const auto& r : *rows) {
      repeats.push_back(json::object{{"case_id", r.case_id},
                                     {"received_date", r.received_date.ToString()},
                                     {"registering_body", r.registering_body},
                                     {"status", r.status}});
    }
  }
  o["repeats"] = std::move(repeats);
  return json::serialize(o);
}

std::optional<HttpResponse> Api::IdempotencyOf(const HttpRequest& request, const std::string& route,
                                               Store::Idempotency& out) {
  const auto it = request.headers.find("idempotency-key");
  if (it == request.headers.end()) return std::nullopt;
  const std::string& key = it->second;
  const bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; });
  if (key.empty() || key.size() > 200 || !printable) {
    return Refuse(request, 400, "Idempotency-Key", "Idempotency-Key 应为 1–200 个可见 ASCII 字符",
                  "Idempotency-Key wants 1–200 visible ASCII characters");
  }
  out.key = key;
  out.request.route = route;
  // What was asked: the route, the kind of body and the body, byte for byte.
  const auto ct = request.headers.find("content-type");
  const bool xml = ct != request.headers.end() && ct->second.find("xml") != std::string::npos;
  out.request.request = exchange::Sha256Hex(route + "\n" + (xml ? "xml" : "json") + "\n" + request.body);
  auto stored = m_ctx.store.FindIdempotent(key);
  if (!stored) return Refuse(request, 503, "", "无法读取 Idempotency-Key：" + stored.error().message, stored.error().message);
  if (*stored) return Replayed(request, out, **stored);
  return std::nullopt;
}

HttpResponse Api::Replayed(const HttpRequest& request, const Store::Idempotency& asked,
                           const Store::IdempotentAnswer& first) {
  if (first.route != asked.request.route || first.request != asked.request.request) {
    return Refuse(request, 422, "Idempotency-Key",
                  "Idempotency-Key " + asked.key + " 已用于另一请求（" + first.route + "，信访件 " + first.case_id +
                      "），本次请求内容不同：未登记任何内容。每个新请求请用新的 Idempotency-Key",
                  "Idempotency-Key " + asked.key + " was used for another request (" + first.route + ", case " +
                      first.case_id + ") with a different body: nothing was registered. Use a new key for a new request");
  }
  HttpResponse r = JsonAnswer(first.status, first.body);
  r.headers["Idempotent-Replayed"] = "true";
  if (first.status == 201 && first.route == "POST /v1/cases") r.headers["Location"] = "/v1/cases/" + first.case_id;
  return r;
}

}  // namespace xf::node

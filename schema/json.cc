// The JSON mapping (Boost.JSON), driven by detail::Fields like the XML one.
#include "schema/json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <climits>
#include <variant>
#include <vector>

#include "schema/detail/fields.h"
#include "schema/detail/text.h"

namespace xf::schema {

namespace {

namespace json = boost::json;
using detail::EnumNames;
using detail::Opt;

constexpr std::size_t kMaxJsonBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxJsonDepth = 32;

// ---------------------------------------------------------------- writing

class JsonWriter {
 public:
  explicit JsonWriter(json::object& o) : m_o(o) {}

  void Text(std::string_view name, const std::string& s, Opt opt) {
    if (opt == Opt::kOptional && s.empty()) return;
    m_o[name] = detail::ValidUtf8(s);
  }
  void Day(std::string_view name, const Date& d) { m_o[name] = d.ToString(); }
  void OptDay(std::string_view name, const std::optional<Date>& d) {
    if (d) m_o[name] = d->ToString();
  }
  void Time(std::string_view name, const Instant& t, Opt opt) {
    if (opt == Opt::kOptional && t.seconds == 0) return;
    m_o[name] = t.ToString();
  }
  void Flag(std::string_view name, bool b) { m_o[name] = b; }
  void OptFlag(std::string_view name, const std::optional<bool>& b) {
    if (b) m_o[name] = *b;
  }
  void Count(std::string_view name, int n) { m_o[name] = n; }
  void Size(std::string_view name, std::uint64_t n) { m_o[name] = n; }
  template <class E>
  void Choice(std::string_view name, const E& e, const EnumNames& names) {
    const auto i = static_cast<std::size_t>(e);
    m_o[name] = i < names.size() ? names[i] : names[0];
  }
  void Texts(std::string_view name, std::string_view, const std::vector<std::string>& v) {
    if (v.empty()) return;
    json::array a;
    for (const auto& s : v) a.emplace_back(detail::ValidUtf8(s));
    m_o[name] = std::move(a);
  }
  template <class T>
  void Records(std::string_view name, std::string_view, const std::vector<T>& v) {
    if (v.empty()) return;
    json::array a;
    for (const auto& r : v) a.emplace_back(Object(r));
    m_o[name] = std::move(a);
  }

  template <class T>
  static json::object Object(const T& r) {
    json::object o;
    JsonWriter w(o);
    detail::Fields(w, r);
    return o;
  }

 private:
  json::object& m_o;
};

// ---------------------------------------------------------------- reading

std::string Join(std::string_view prefix, std::string_view name) {
  std::string s(prefix);
  if (!s.empty()) s += '.';
  s += name;
  return s;
}

std::string Indexed(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

const char* KindName(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "a boolean";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "a number";
    case json::kind::string:
      return "a string";
    case json::kind::array:
      return "an array";
    case json::kind::object:
      return "an object";
  }
  return "a value";
}

// The kind of a JSON value in Chinese, for messages.
const char* KindNameZh(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "布尔值";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "数字";
    case json::kind::string:
      return "字符串";
    case json::kind::array:
      return "数组";
    case json::kind::object:
      return "对象";
  }
  return "值";
}

// What a field expects, in Chinese (the English words are the key).
const char* ExpectedZh(std::string_view en) {
  if (en == "a string") return "字符串";
  if (en == "an object") return "对象";
  if (en == "an integer") return "整数";
  if (en == "a non-negative integer") return "非负整数";
  if (en == "an array of objects") return "对象数组";
  if (en == "an array of strings") return "字符串数组";
  if (en == "true or false") return "true 或 false";
  return "其他类型";
}

// An R3 violation of the mapping, in Chinese (zh) and English (en).
void Violate(Violations& v, std::string field, std::string zh, std::string en) {
  v.push_back(Violation{"R3", std::move(field), std::move(zh), "", std::move(en)});
}

void WrongType(Violations& v, const std::string& path, const char* expected,
               const json::value& got) {
  Violate(v, path, std::string("应为") + ExpectedZh(expected) + "，实为" + KindNameZh(got),
          std::string("expected ") + expected + ", got " + KindName(got));
}

template <class T>
std::vector<std::string_view> ReadObject(const json::object& o, T& rec, const std::string& path,
                                         Violations& v);

// Matches one key of an object against a record's fields and reads it.
// null is "absent": the field keeps its default.
class FieldReader {
 public:
  FieldReader(std::string_view key, const json::value& val, const std::string& prefix,
              Violations& v)
      : m_key(key), m_val(val), m_prefix(prefix), m_v(v) {}

  bool matched() const { return m_matched; }
  std::string_view field() const { return m_field; }

  void Text(std::string_view name, std::string& s, Opt) {
    if (const auto* str = String(name)) s.assign(str->data(), str->size());
  }
  void Day(std::string_view name, Date& d) {
    if (const auto* str = String(name)) {
      if (auto x = Date::Parse(*str)) {
        d = *x;
      } else {
        Violate(m_v, m_path, "不是日期（YYYY-MM-DD）：" + detail::Quote(*str), "not a date (YYYY-MM-DD): " + detail::Quote(*str));
      }
    }
  }
  void OptDay(std::string_view name, std::optional<Date>& d) {
    if (const auto* str = String(name)) {
      if (auto x = Date::Parse(*str)) {
        d = *x;
      } else {
        Violate(m_v, m_path, "不是日期（YYYY-MM-DD）：" + detail::Quote(*str), "not a date (YYYY-MM-DD): " + detail::Quote(*str));
      }
    }
  }
  void Time(std::string_view name, Instant& i, Opt) {
    if (const auto* str = String(name)) {
      if (auto x = Instant::Parse(*str)) {
        i = *x;
      } else {
        Violate(m_v, m_path, "不是带时区偏移的时间（YYYY-MM-DDThh:mm:ss+08:00）：" + detail::Quote(*str),
                "not a time with a UTC offset (YYYY-MM-DDThh:mm:ss+08:00): " + detail::Quote(*str));
      }
    }
  }
  void Flag(std::string_view name, bool& b) {
    if (!Take(name)) return;
    if (m_val.is_bool()) {
      b = m_val.get_bool();
    } else {
      WrongType(m_v, m_path, "true or false", m_val);
    }
  }
  void OptFlag(std::string_view name, std::optional<bool>& b) {
    if (!Take(name)) return;
    if (m_val.is_bool()) {
      b = m_val.get_bool();
    } else {
      WrongType(m_v, m_path, "true or false", m_val);
    }
  }
  void Count(std::string_view name, int& n) {
    if (!Take(name)) return;
    if (m_val.is_int64() && m_val.get_int64() >= INT_MIN && m_val.get_int64() <= INT_MAX) {
      n = static_cast<int>(m_val.get_int64());
    } else if (m_val.is_uint64() && m_val.get_uint64() <= INT_MAX) {
      n = static_cast<int>(m_val.get_uint64());
    } else if (m_val.is_number()) {
      Violate(m_v, m_path, "不是范围内的整数：" + json::serialize(m_val), "not an integer in range: " + json::serialize(m_val));
    } else {
      WrongType(m_v, m_path, "an integer", m_val);
    }
  }
  void Size(std::string_view name, std::uint64_t& n) {
    if (!Take(name)) return;
    if (m_val.is_uint64()) {
      n = m_val.get_uint64();
    } else if (m_val.is_int64() && m_val.get_int64() >= 0) {
      n = static_cast<std::uint64_t>(m_val.get_int64());
    } else if (m_val.is_number()) {
      Violate(m_v, m_path, "不是非负整数：" + json::serialize(m_val), "not a non-negative integer: " + json::serialize(m_val));
    } else {
      WrongType(m_v, m_path, "a non-negative integer", m_val);
    }
  }
  template <class E>
  void Choice(std::string_view name, E& e, const EnumNames& names) {
    if (const auto* str = String(name)) {
      const auto it = std::find(names.begin(), names.end(), std::string_view(*str));
      if (it != names.end()) {
        e = static_cast<E>(it - names.begin());
      } else {
        const std::string choices = "\"" + std::string(names[0]) + "\" or \"" + std::string(names[1]) + "\"";
        Violate(m_v, m_path, "不是 " + choices + "：" + detail::Quote(*str), "not " + choices + ": " + detail::Quote(*str));
      }
    }
  }
  void Texts(std::string_view name, std::string_view, std::vector<std::string>& out) {
    if (!Take(name)) return;
    if (!m_val.is_array()) return WrongType(m_v, m_path, "an array of strings", m_val);
    const auto& a = m_val.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].is_string()) {
        out.emplace_back(a[i].get_string());
      } else {
        WrongType(m_v, Indexed(m_path, i), "a string", a[i]);
      }
    }
  }
  template <class T>
  void Records(std::string_view name, std::string_view, std::vector<T>& out) {
    if (!Take(name)) return;
    if (!m_val.is_array()) return WrongType(m_v, m_path, "an array of objects", m_val);
    const auto& a = m_val.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_object()) {
        WrongType(m_v, Indexed(m_path, i), "an object", a[i]);
        continue;
      }
      T rec{};
      ReadObject(a[i].get_object(), rec, Indexed(m_path, i), m_v);
      out.push_back(std::move(rec));
    }
  }

 private:
  // True when `name` is the key at hand and its value is not null.
  bool Take(std::string_view name) {
    if (m_matched || name != m_key) return false;
    m_matched = true;
    m_field = name;
    m_path = Join(m_prefix, name);
    return !m_val.is_null();
  }
  const json::string* String(std::string_view name) {
    if (!Take(name)) return nullptr;
    if (!m_val.is_string()) {
      WrongType(m_v, m_path, "a string", m_val);
      return nullptr;
    }
    return &m_val.get_string();
  }

  std::string_view m_key;
  const json::value& m_val;
  const std::string& m_prefix;
  Violations& m_v;
  std::string m_path;
  std::string_view m_field;
  bool m_matched = false;
};

// Reads one key into `rec`; false when no field has that name.
template <class T>
bool ReadField(std::string_view key, const json::value& val, T& rec, const std::string& path,
               Violations& v, std::vector<std::string_view>& seen) {
  FieldReader r(key, val, path, v);
  detail::Fields(r, rec);
  if (r.matched() && !val.is_null()) seen.push_back(r.field());
  return r.matched();
}

// Reads every key of `o` into `rec`; unknown keys are violations. Returns
// the fields present (not null).
template <class T>
std::vector<std::string_view> ReadObject(const json::object& o, T& rec, const std::string& path,
                                         Violations& v) {
  std::vector<std::string_view> seen;
  for (const auto& kv : o) {
    if (!ReadField(kv.key(), kv.value(), rec, path, v, seen)) {
      Violate(v, Join(path, kv.key()), "未知字段 " + detail::Quote(kv.key()), "unknown field " + detail::Quote(kv.key()));
    }
  }
  return seen;
}

void RequireReceivedDate(const std::vector<std::string_view>& seen, const std::string& path,
                         Violations& v) {
  if (std::find(seen.begin(), seen.end(), "received_date") == seen.end()) {
    Violate(v, Join(path, "received_date"), "缺少必填字段 received_date", "required: received_date is missing");
  }
}

// Line and column (from 1) of a byte offset, for parse errors.
std::string Position(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;  // count characters, not UTF-8 continuation bytes
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

Result<json::object> ParseObject(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return MakeError(Errc::kLimit, "JSON body of " + std::to_string(text.size()) +
                                       " bytes exceeds the limit of " +
                                       std::to_string(kMaxJsonBytes));
  }
  json::parse_options opt;
  opt.max_depth = kMaxJsonDepth;
  json::stream_parser p({}, opt);
  boost::system::error_code ec;
  std::size_t n = p.write(text.data(), text.size(), ec);
  if (!ec) {
    p.finish(ec);
    n = text.size();
  }
  if (ec) {
    const Errc code = ec == json::error::too_deep ? Errc::kLimit : Errc::kInvalidArgument;
    return MakeError(code, "not valid JSON: " + ec.message() + " at " + Position(text, n));
  }
  json::value v = p.release();
  if (!v.is_object()) {
    return MakeError(Errc::kInvalidArgument,
                     std::string("expected a JSON object, got ") + KindName(v));
  }
  return std::move(v.get_object());
}

void SetRecord(Violations& v, std::size_t from, const std::string& record) {
  if (record.empty()) return;
  for (std::size_t i = from; i < v.size(); ++i) {
    if (v[i].record.empty()) v[i].record = record;
  }
}

}  // namespace

Result<CaseRegistration> CaseFromJson(std::string_view text, Violations& violations) {
  auto o = ParseObject(text);
  if (!o) return o.error();
  const std::size_t first = violations.size();
  CaseRegistration rec;
  const auto seen = ReadObject(*o, rec, "", violations);
  RequireReceivedDate(seen, "", violations);
  SetRecord(violations, first, rec.case_id);
  return rec;
}

std::string CaseToJson(const CaseRegistration& c) { return json::serialize(JsonWriter::Object(c)); }

Result<Event> EventFromJson(std::string_view text, Violations& violations) {
  auto parsed = ParseObject(text);
  if (!parsed) return parsed.error();
  const json::object& o = *parsed;
  const std::size_t first = violations.size();
  Violations& v = violations;
  Event e;

  bool kind_ok = false;
  if (const auto* k = o.if_contains("kind"); k == nullptr || k->is_null()) {
    Violate(v, "kind", "缺少必填字段 kind", "required: kind is missing");
  } else if (!k->is_string()) {
    WrongType(v, "kind", "a string", *k);
  } else if (auto kind = EventKindFromName(k->get_string())) {
    e.kind = *kind;
    kind_ok = true;
  } else {
    Violate(v, "kind", "未知的事件类型 " + detail::Quote(k->get_string()), "unknown event kind " + detail::Quote(k->get_string()));
  }
  e.body = detail::MakeBody(detail::BodyIndexOf(e.kind));
  const auto* body_val = o.if_contains("body");
  // The full form nests the body; the posted form has its fields flat (and
  // some bodies have a string field named "body").
  const bool nested = body_val != nullptr && body_val->is_object();

  std::string id;
  bool have_id = false, have_occurred = false;
  std::vector<std::string_view> body_seen;
  auto read_body_field = [&](std::string_view key, const json::value& val,
                             const std::string& prefix) {
    return std::visit([&](auto& body) { return ReadField(key, val, body, prefix, v, body_seen); },
                      e.body);
  };

  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    const json::value& val = kv.value();
    const std::string path(key);
    auto text_field = [&](std::string& out) {
      if (val.is_string()) {
        out.assign(val.get_string().data(), val.get_string().size());
      } else if (!val.is_null()) {
        WrongType(v, path, "a string", val);
      }
    };
    auto time_field = [&](Instant& out) {
      if (val.is_null()) return;
      if (!val.is_string()) return WrongType(v, path, "a string", val);
      if (auto t = Instant::Parse(val.get_string())) {
        out = *t;
      } else {
        Violate(v, path, "不是带时区偏移的时间（YYYY-MM-DDThh:mm:ss+08:00）：" + detail::Quote(val.get_string()),
                "not a time with a UTC offset (YYYY-MM-DDThh:mm:ss+08:00): " + detail::Quote(val.get_string()));
      }
    };
    if (key == "kind") continue;
    if (key == "id") {
      have_id = !val.is_null();
      text_field(id);
    } else if (key == "origin") {
      text_field(e.origin);
    } else if (key == "seq") {
      if (val.is_uint64()) {
        e.seq = val.get_uint64();
      } else if (val.is_int64() && val.get_int64() >= 0) {
        e.seq = static_cast<std::uint64_t>(val.get_int64());
      } else if (!val.is_null()) {
        WrongType(v, path, "a non-negative integer", val);
      }
    } else if (key == "case_id") {
      text_field(e.case_id);
      // In the posted form a registration's case id is also its body's.
      if (!nested && kind_ok) read_body_field(key, val, "");
    } else if (key == "occurred_at") {
      have_occurred = !val.is_null();  // a bad value is reported as such
      time_field(e.occurred_at);
    } else if (key == "recorded_at") {
      time_field(e.recorded_at);
    } else if (key == "actor") {
      text_field(e.actor);
    } else if (key == "body" && nested) {
      if (!kind_ok) continue;
      for (const auto& bkv : val.get_object()) {
        if (!read_body_field(bkv.key(), bkv.value(), "body")) {
          Violate(v, Join("body", bkv.key()), "未知字段 " + detail::Quote(bkv.key()), "unknown field " + detail::Quote(bkv.key()));
        }
      }
    } else if (nested) {
      Violate(v, path, "未知字段 " + detail::Quote(key), "unknown field " + detail::Quote(key));
    } else if (kind_ok && !read_body_field(key, val, "")) {
      const std::string kind(EventKindName(e.kind));
      Violate(v, path, "事件类型 " + kind + " 没有字段 " + detail::Quote(key),
              "unknown field " + detail::Quote(key) + " for kind " + kind);
    }
  }
  if (!have_occurred) Violate(v, "occurred_at", "缺少必填字段 occurred_at", "required: occurred_at is missing");
  if (kind_ok && e.kind == EventKind::kRegistration) {
    RequireReceivedDate(body_seen, nested ? "body" : "", v);
  }
  if (have_id && id != e.Id()) {
    Violate(v, "id", "id " + detail::Quote(id) + " 不是 origin:seq " + detail::Quote(e.Id()),
            "id " + detail::Quote(id) + " is not origin:seq " + detail::Quote(e.Id()));
  }
  SetRecord(v, first, e.origin.empty() ? std::string() : e.Id());
  return e;
}

std::string EventToJson(const Event& e) {
  json::object o;
  o["id"] = detail::ValidUtf8(e.Id());
  o["origin"] = detail::ValidUtf8(e.origin);
  o["seq"] = e.seq;
  o["case_id"] = detail::ValidUtf8(e.case_id);
  o["kind"] = EventKindName(e.kind);
  o["occurred_at"] = e.occurred_at.ToString();
  o["recorded_at"] = e.recorded_at.ToString();
  o["actor"] = detail::ValidUtf8(e.actor);
  o["body"] = std::visit([](const auto& body) { return JsonWriter::Object(body); }, e.body);
  return json::serialize(o);
}

std::string ViolationsToJson(const Violations& violations, Words words) {
  json::array a;
  for (const auto& x : violations) {
    json::object o;
    o["rule"] = detail::ValidUtf8(x.rule);
    o["field"] = detail::ValidUtf8(x.field);
    o["message"] = detail::ValidUtf8(Message(x, words == Words::kEnglish));
    if (words == Words::kBoth) o["message_en"] = detail::ValidUtf8(Message(x, true));
    if (!x.record.empty()) o["record"] = detail::ValidUtf8(x.record);
    a.emplace_back(std::move(o));
  }
  json::object top;
  top["violations"] = std::move(a);
  return json::serialize(top);
}

}  // namespace xf::schema

#include "dedup/wire.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "schema/validate.h"

namespace xf::dedup::wire {

namespace json = boost::json;

namespace {

Error Bad(const std::string& what) {
  return MakeError(Errc::kInvalidArgument, "duplicate question/answer (判重): " + what);
}
Error TooMany(const std::string& member, std::size_t max) {
  return MakeError(Errc::kLimit, "duplicate question/answer (判重): " + member + " has more than " +
                                     std::to_string(max) + " entries");
}

bool IsHexDigit(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

bool ParseHex64(std::string_view s, std::uint64_t& out) {
  if (s.size() != 16) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (!IsHexDigit(c)) return false;
    v = (v << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  out = v;
  return true;
}

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Valid UTF-8 without control characters.
bool IsPlainText(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    if (n == 2 && c < 0xC2) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

json::array HexArray(const std::vector<std::uint64_t>& v) {
  json::array a;
  a.reserve(v.size());
  for (auto x : v) a.emplace_back(Hex64(x));
  return a;
}
json::array HexArray(const std::vector<std::int64_t>& v) {
  json::array a;
  a.reserve(v.size());
  for (auto x : v) a.emplace_back(Hex64(static_cast<std::uint64_t>(x)));
  return a;
}

// Reading members of one object, each named in the errors.
class Reader {
 public:
  Reader(const json::object& o, std::string where) : m_o(o), m_where(std::move(where)) {}

  std::string Name(std::string_view key) const { return m_where.empty() ? std::string(key) : m_where + "." + std::string(key); }

  const json::value* Find(std::string_view key) const { return m_o.if_contains(key); }

  Result<std::string> String(std::string_view key, bool required, std::size_t max) const {
    const auto* v = Find(key);
    if (v == nullptr || v->is_null()) {
      if (required) return Bad(Name(key) + " is missing");
      return std::string();
    }
    if (!v->is_string()) return Bad(Name(key) + " is not a string");
    const auto& s = v->as_string();
    if (s.size() > max) return Bad(Name(key) + " is longer than " + std::to_string(max) + " bytes");
    return std::string(s);
  }

  Result<std::uint64_t> Hex(std::string_view key, bool required) const {
    auto s = String(key, required, 16);
    if (!s) return s.error();
    if (s->empty()) return std::uint64_t{0};
    std::uint64_t v = 0;
    if (!ParseHex64(*s, v)) return Bad(Name(key) + " is not 16 lowercase hex digits");
    return v;
  }

  // An optional array of 16-hex-digit numbers, sorted on the way in.
  Result<std::vector<std::uint64_t>> Hexes(std::string_view key, std::size_t max) const {
    std::vector<std::uint64_t> out;
    const auto* v = Find(key);
    if (v == nullptr || v->is_null()) return out;
    if (!v->is_array()) return Bad(Name(key) + " is not an array");
    const auto& a = v->as_array();
    if (a.size() > max) return TooMany(Name(key), max);
    out.reserve(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::uint64_t x = 0;
      if (!a[i].is_string() || !ParseHex64(a[i].as_string(), x)) {
        return Bad(Name(key) + "[" + std::to_string(i) + "] is not 16 lowercase hex digits");
      }
      out.push_back(x);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  Result<std::vector<std::int64_t>> Keys(std::string_view key, std::size_t max) const {
    auto v = Hexes(key, max);
    if (!v) return v.error();
    std::vector<std::int64_t> out;
    out.reserve(v->size());
    for (auto x : *v) {
      if (x >> 63) return Bad(Name(key) + " holds a number over 63 bits");
      out.push_back(static_cast<std::int64_t>(x));
    }
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  Result<const json::array*> Array(std::string_view key, std::size_t max) const {
    const auto* v = Find(key);
    if (v == nullptr || v->is_null()) return static_cast<const json::array*>(nullptr);
    if (!v->is_array()) return Bad(Name(key) + " is not an array");
    if (v->as_array().size() > max) return TooMany(Name(key), max);
    return &v->as_array();
  }

  Result<std::int64_t> Integer(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t dflt) const {
    const auto* v = Find(key);
    if (v == nullptr || v->is_null()) return dflt;
    if (!v->is_int64() && !v->is_uint64()) return Bad(Name(key) + " is not a whole number");
    const std::int64_t x = v->is_int64() ? v->as_int64() : static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), INT64_MAX));
    if (x < min || x > max) {
      return Bad(Name(key) + " is " + std::to_string(x) + ", not within " + std::to_string(min) + "–" + std::to_string(max));
    }
    return x;
  }

 private:
  const json::object& m_o;
  std::string m_where;
};

Result<json::object> ParseObject(std::string_view text, const Limits& limits, std::string_view format) {
  if (text.size() > limits.max_bytes) {
    return MakeError(Errc::kLimit, "duplicate question/answer (判重): larger than " +
                                       std::to_string(limits.max_bytes) + " bytes");
  }
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 8;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) return Bad("not JSON: " + ec.message());
  if (!v.is_object()) return Bad("not a JSON object");
  const auto* f = v.as_object().if_contains("format");
  if (f == nullptr || !f->is_string() || f->as_string() != format) {
    return Bad("format is not \"" + std::string(format) + "\"");
  }
  return std::move(v.as_object());
}

Status CheckNode(const std::string& id, const std::string& name, bool required) {
  if (id.empty() && !required) return {};
  if (!schema::IsNodeId(id)) return Bad(name + " '" + id.substr(0, 40) + "' is not a node id");
  return {};
}

Status CheckDate(const std::string& d, const std::string& name) {
  if (d.empty()) return {};
  if (!Date::Parse(d)) return Bad(name + " '" + d.substr(0, 20) + "' is not a date (YYYY-MM-DD)");
  return {};
}

Status CheckInstant(const std::string& t, const std::string& name) {
  if (t.empty()) return {};
  if (!Instant::Parse(t)) return Bad(name + " '" + t.substr(0, 40) + "' is not a time (ISO 8601)");
  return {};
}

// A sorted merge of two sorted multisets.
std::vector<std::uint64_t> Merge(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::vector<std::uint64_t> out;
  out.reserve(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

}  // namespace

std::string Hex64(std::uint64_t v) {
  static const char* const kDigits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i) {
    s[static_cast<std::size_t>(i)] = kDigits[v & 0xf];
    v >>= 4;
  }
  return s;
}

Question CheckQuestion(const Features& f, const Hasher& h, std::string key_id, std::string exclude,
                       std::size_t limit) {
  Question q;
  q.kind = Kind::kCheck;
  q.key_id = std::move(key_id);
  q.exclude = std::move(exclude);
  q.case_id = f.case_id;
  q.limit = limit;
  q.keys = PersonKeys(f, h);
  q.broad_keys = BroadKeys(f, h);
  q.terms = HashTerms(QueryTerms(f), h);
  q.prepared = Prepare(f, h);
  q.prepared.case_id.clear();
  q.prepared.node.clear();
  return q;
}

std::string QuestionJson(const Question& q) {
  json::object o;
  o["format"] = kQuestionFormat;
  o["kind"] = q.kind == Kind::kCheck ? "check" : "timeline";
  o["key_id"] = q.key_id;
  o["exclude"] = q.exclude;
  if (!q.case_id.empty()) o["case_id"] = q.case_id;
  o["limit"] = q.limit;
  if (q.kind == Kind::kTimeline) {
    o["id"] = Hex64(static_cast<std::uint64_t>(q.id));
    return json::serialize(o);
  }
  o["keys"] = HexArray(q.keys);
  o["broad_keys"] = HexArray(q.broad_keys);
  o["terms"] = HexArray(q.terms);
  const Prepared& p = q.prepared;
  o["category"] = p.category;
  o["place"] = p.place;
  o["received_date"] = p.received_date.year > 0 ? p.received_date.ToString() : "";
  json::array persons;
  for (const auto& x : p.persons) {
    json::object po;
    if (x.id) po["id"] = Hex64(x.id);
    if (x.name) po["name"] = Hex64(x.name);
    po["phones"] = HexArray(x.phones);
    if (x.address) po["address"] = Hex64(x.address);
    po["address_tails"] = HexArray(x.address_tails);
    persons.push_back(std::move(po));
  }
  o["persons"] = std::move(persons);
  o["summary"] = HexArray(p.summary);
  o["requests"] = HexArray(p.requests);
  json::array specifics;
  for (const auto& s : p.specifics) specifics.push_back(json::object{{"kind", s.kind}, {"parts", HexArray(s.parts)}});
  o["specifics"] = std::move(specifics);
  return json::serialize(o);
}

Result<Question> ParseQuestion(std::string_view text, const Limits& limits) {
  auto parsed = ParseObject(text, limits, kQuestionFormat);
  if (!parsed) return parsed.error();
  const Reader r(*parsed, "");
  Question q;
  auto kind = r.String("kind", true, 16);
  if (!kind) return kind.error();
  if (*kind == "check") {
    q.kind = Kind::kCheck;
  } else if (*kind == "timeline") {
    q.kind = Kind::kTimeline;
  } else {
    return Bad("kind '" + kind->substr(0, 16) + "' is neither check nor timeline");
  }
  auto key_id = r.String("key_id", true, 64);
  if (!key_id) return key_id.error();
  if (key_id->empty() || !IsPlainText(*key_id)) return Bad("key_id is empty or not plain text");
  q.key_id = std::move(key_id).value();
  auto exclude = r.String("exclude", true, 64);
  if (!exclude) return exclude.error();
  if (auto s = CheckNode(*exclude, "exclude", true); !s) return s.error();
  q.exclude = std::move(exclude).value();
  auto case_id = r.String("case_id", false, 64);
  if (!case_id) return case_id.error();
  if (!case_id->empty() && !schema::IsCaseId(*case_id)) return Bad("case_id is not a case id");
  q.case_id = std::move(case_id).value();
  const bool timeline = q.kind == Kind::kTimeline;
  auto limit = r.Integer("limit", 1, static_cast<std::int64_t>(timeline ? limits.max_cases : limits.max_candidates),
                         timeline ? 1000 : 10);
  if (!limit) return limit.error();
  q.limit = static_cast<std::size_t>(*limit);
  if (timeline) {
    auto id = r.Hex("id", true);
    if (!id) return id.error();
    if (*id == 0 || (*id >> 63)) return Bad("id is not a key (63 bits, not 0)");
    q.id = static_cast<std::int64_t>(*id);
    return q;
  }
  auto keys = r.Keys("keys", limits.max_keys);
  if (!keys) return keys.error();
  auto broad = r.Keys("broad_keys", limits.max_keys);
  if (!broad) return broad.error();
  auto terms = r.Keys("terms", limits.max_terms);
  if (!terms) return terms.error();
  q.keys = std::move(keys).value();
  q.broad_keys = std::move(broad).value();
  q.terms = std::move(terms).value();
  Prepared& p = q.prepared;
  auto category = r.String("category", false, 6);
  if (!category) return category.error();
  if (!category->empty() && (category->size() != 6 || !AllDigits(*category))) return Bad("category is not 6 digits");
  p.category = std::move(category).value();
  auto place = r.String("place", false, 12);
  if (!place) return place.error();
  if (!place->empty() && !((place->size() == 6 || place->size() == 9 || place->size() == 12) && AllDigits(*place))) {
    return Bad("place is not a division code of 6, 9 or 12 digits");
  }
  p.place = std::move(place).value();
  auto received = r.String("received_date", false, 10);
  if (!received) return received.error();
  if (auto s = CheckDate(*received, "received_date"); !s) return s.error();
  if (!received->empty()) p.received_date = *Date::Parse(*received);
  auto persons = r.Array("persons", limits.max_persons);
  if (!persons) return persons.error();
  if (*persons != nullptr) {
    for (std::size_t i = 0; i < (*persons)->size(); ++i) {
      const std::string where = "persons[" + std::to_string(i) + "]";
      const auto& v = (**persons)[i];
      if (!v.is_object()) return Bad(where + " is not an object");
      const Reader pr(v.as_object(), where);
      PreparedPerson person;
      auto id = pr.Hex("id", false);
      auto name = pr.Hex("name", false);
      auto address = pr.Hex("address", false);
      if (!id) return id.error();
      if (!name) return name.error();
      if (!address) return address.error();
      auto phones = pr.Hexes("phones", limits.max_phones);
      if (!phones) return phones.error();
      auto tails = pr.Hexes("address_tails", limits.max_address_tails);
      if (!tails) return tails.error();
      person.id = *id;
      person.name = *name;
      person.address = *address;
      person.phones = std::move(phones).value();
      person.address_tails = std::move(tails).value();
      p.persons.push_back(std::move(person));
    }
  }
  auto summary = r.Hexes("summary", limits.max_grams);
  if (!summary) return summary.error();
  auto requests = r.Hexes("requests", limits.max_grams);
  if (!requests) return requests.error();
  p.summary = std::move(summary).value();
  p.requests = std::move(requests).value();
  p.all = Merge(p.summary, p.requests);
  auto specifics = r.Array("specifics", limits.max_specifics);
  if (!specifics) return specifics.error();
  if (*specifics != nullptr) {
    for (std::size_t i = 0; i < (*specifics)->size(); ++i) {
      const std::string where = "specifics[" + std::to_string(i) + "]";
      const auto& v = (**specifics)[i];
      if (!v.is_object()) return Bad(where + " is not an object");
      const Reader sr(v.as_object(), where);
      auto kind_no = sr.Integer("kind", 0, 6, -1);
      if (!kind_no) return kind_no.error();
      if (*kind_no < 0) return Bad(where + ".kind is missing");
      auto parts = sr.Hexes("parts", limits.max_parts);
      if (!parts) return parts.error();
      p.specifics.push_back({static_cast<int>(*kind_no), std::move(parts).value()});
    }
  }
  return q;
}

std::string AnswerJson(const Answer& a) {
  json::object o;
  o["format"] = kAnswerFormat;
  o["node"] = a.node;
  json::array searched, unreachable;
  for (const auto& s : a.searched) searched.emplace_back(s);
  for (const auto& s : a.unreachable) unreachable.emplace_back(s);
  o["searched"] = std::move(searched);
  o["unreachable"] = std::move(unreachable);
  json::object why;
  for (const auto& [k, v] : a.why) why[k] = v;
  o["why"] = std::move(why);
  json::array candidates;
  for (const auto& c : a.candidates) {
    json::array reasons;
    for (const auto& r : c.reasons) reasons.emplace_back(r);
    json::object co{{"case_id", c.case_id},
                    {"node", c.node},
                    {"received_date", c.received_date},
                    {"status", c.status},
                    {"score", std::round(c.score * 100) / 100},
                    {"decision", c.decision},
                    {"reasons", std::move(reasons)}};
    if (!c.found_by.empty()) co["found_by"] = c.found_by;
    candidates.push_back(std::move(co));
  }
  o["candidates"] = std::move(candidates);
  json::array cases;
  for (const auto& e : a.cases) {
    auto opt = [](const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); };
    cases.push_back(json::object{{"case_id", e.case_id},
                                 {"node", e.node},
                                 {"received_date", e.received_date},
                                 {"status", e.status},
                                 {"due_date", opt(e.due_date)},
                                 {"accepted_at", opt(e.accepted_at)},
                                 {"closed_at", opt(e.closed_at)},
                                 {"updated_at", opt(e.updated_at)},
                                 {"overdue", e.overdue}});
  }
  o["cases"] = std::move(cases);
  return json::serialize(o);
}

Result<Answer> ParseAnswer(std::string_view text, const Limits& limits) {
  auto parsed = ParseObject(text, limits, kAnswerFormat);
  if (!parsed) return parsed.error();
  const Reader r(*parsed, "");
  Answer a;
  auto node = r.String("node", true, 64);
  if (!node) return node.error();
  if (auto s = CheckNode(*node, "node", true); !s) return s.error();
  a.node = std::move(node).value();
  for (const char* list : {"searched", "unreachable"}) {
    auto arr = r.Array(list, limits.max_nodes);
    if (!arr) return arr.error();
    if (*arr == nullptr) continue;
    auto& into = std::string_view(list) == "searched" ? a.searched : a.unreachable;
    for (std::size_t i = 0; i < (*arr)->size(); ++i) {
      const auto& v = (**arr)[i];
      const std::string name = std::string(list) + "[" + std::to_string(i) + "]";
      if (!v.is_string()) return Bad(name + " is not a string");
      if (auto s = CheckNode(std::string(v.as_string()), name, true); !s) return s.error();
      into.emplace_back(v.as_string());
    }
  }
  if (const auto* why = r.Find("why"); why != nullptr && !why->is_null()) {
    if (!why->is_object()) return Bad("why is not an object");
    if (why->as_object().size() > limits.max_nodes) return TooMany("why", limits.max_nodes);
    for (const auto& [k, v] : why->as_object()) {
      if (!schema::IsNodeId(k)) return Bad("why names '" + std::string(k).substr(0, 40) + "', not a node id");
      if (!v.is_string() || v.as_string().size() > limits.max_reason_bytes * 2 || !IsPlainText(v.as_string())) {
        return Bad("why." + std::string(k) + " is not a short text");
      }
      a.why[std::string(k)] = std::string(v.as_string());
    }
  }
  auto candidates = r.Array("candidates", limits.max_candidates);
  if (!candidates) return candidates.error();
  if (*candidates != nullptr) {
    for (std::size_t i = 0; i < (*candidates)->size(); ++i) {
      const std::string where = "candidates[" + std::to_string(i) + "]";
      const auto& v = (**candidates)[i];
      if (!v.is_object()) return Bad(where + " is not an object");
      const Reader cr(v.as_object(), where);
      Candidate c;
      auto case_id = cr.String("case_id", true, 64);
      auto cnode = cr.String("node", true, 64);
      auto received = cr.String("received_date", true, 10);
      auto status = cr.String("status", false, 40);
      auto decision = cr.String("decision", true, 16);
      auto found_by = cr.String("found_by", false, 64);
      for (auto* x : {&case_id, &cnode, &received, &status, &decision, &found_by}) {
        if (!*x) return x->error();
      }
      if (!schema::IsCaseId(*case_id)) return Bad(where + ".case_id is not a case id");
      if (auto s = CheckNode(*cnode, where + ".node", true); !s) return s.error();
      if (auto s = CheckNode(*found_by, where + ".found_by", false); !s) return s.error();
      if (received->empty()) return Bad(where + ".received_date is empty");
      if (auto s = CheckDate(*received, where + ".received_date"); !s) return s.error();
      if (!IsPlainText(*status)) return Bad(where + ".status is not plain text");
      if (*decision != "duplicate" && *decision != "possible") {
        return Bad(where + ".decision is neither duplicate nor possible");
      }
      const auto* score = cr.Find("score");
      if (score == nullptr || !score->is_number()) return Bad(where + ".score is not a number");
      boost::system::error_code ec;
      const double sc = score->to_number<double>(ec);
      if (ec || !(sc >= 0.0 && sc <= 1.0)) return Bad(where + ".score is not within 0–1");
      auto reasons = cr.Array("reasons", limits.max_reasons);
      if (!reasons) return reasons.error();
      if (*reasons != nullptr) {
        for (std::size_t k = 0; k < (*reasons)->size(); ++k) {
          const auto& rv = (**reasons)[k];
          if (!rv.is_string() || rv.as_string().size() > limits.max_reason_bytes || !IsPlainText(rv.as_string())) {
            return Bad(where + ".reasons[" + std::to_string(k) + "] is not a short text");
          }
          c.reasons.emplace_back(rv.as_string());
        }
      }
      c.case_id = std::move(case_id).value();
      c.node = std::move(cnode).value();
      c.received_date = std::move(received).value();
      c.status = std::move(status).value();
      c.decision = std::move(decision).value();
      c.score = sc;
      c.found_by = found_by->empty() ? a.node : std::move(found_by).value();
      a.candidates.push_back(std::move(c));
    }
  }
  auto cases = r.Array("cases", limits.max_cases);
  if (!cases) return cases.error();
  if (*cases != nullptr) {
    for (std::size_t i = 0; i < (*cases)->size(); ++i) {
      const std::string where = "cases[" + std::to_string(i) + "]";
      const auto& v = (**cases)[i];
      if (!v.is_object()) return Bad(where + " is not an object");
      const Reader er(v.as_object(), where);
      TimelineEntry e;
      auto case_id = er.String("case_id", true, 64);
      auto enode = er.String("node", true, 64);
      auto received = er.String("received_date", true, 10);
      auto status = er.String("status", false, 40);
      auto due = er.String("due_date", false, 10);
      auto accepted = er.String("accepted_at", false, 40);
      auto closed = er.String("closed_at", false, 40);
      auto updated = er.String("updated_at", false, 40);
      for (auto* x : {&case_id, &enode, &received, &status, &due, &accepted, &closed, &updated}) {
        if (!*x) return x->error();
      }
      if (!schema::IsCaseId(*case_id)) return Bad(where + ".case_id is not a case id");
      if (auto s = CheckNode(*enode, where + ".node", true); !s) return s.error();
      if (received->empty()) return Bad(where + ".received_date is empty");
      if (auto s = CheckDate(*received, where + ".received_date"); !s) return s.error();
      if (auto s = CheckDate(*due, where + ".due_date"); !s) return s.error();
      if (auto s = CheckInstant(*accepted, where + ".accepted_at"); !s) return s.error();
      if (auto s = CheckInstant(*closed, where + ".closed_at"); !s) return s.error();
      if (auto s = CheckInstant(*updated, where + ".updated_at"); !s) return s.error();
      if (!IsPlainText(*status)) return Bad(where + ".status is not plain text");
      const auto* overdue = er.Find("overdue");
      if (overdue != nullptr && !overdue->is_null() && !overdue->is_bool()) return Bad(where + ".overdue is not true or false");
      e.case_id = std::move(case_id).value();
      e.node = std::move(enode).value();
      e.received_date = std::move(received).value();
      e.status = std::move(status).value();
      e.due_date = std::move(due).value();
      e.accepted_at = std::move(accepted).value();
      e.closed_at = std::move(closed).value();
      e.updated_at = std::move(updated).value();
      e.overdue = overdue != nullptr && overdue->is_bool() && overdue->as_bool();
      a.cases.push_back(std::move(e));
    }
  }
  return a;
}

namespace {

std::string KeyHex(std::string_view secret) {
  static const char* d = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : secret) {
    hex.push_back(d[c >> 4]);
    hex.push_back(d[c & 15]);
  }
  return hex;
}

bool IsBase64(std::string_view s) {
  if (s.empty() || s.size() > kMaxKeySignature || s.size() % 4 != 0) return false;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') {
      if (i + 2 < s.size()) return false;  // only the last two
      ++pad;
      continue;
    }
    if (pad > 0) return false;
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/')) return false;
  }
  return true;
}

Error BadKey(const std::string& what) {
  return MakeError(Errc::kInvalidArgument, "the key document (判重系统密钥): " + what);
}

}  // namespace

std::string KeyDocumentJson(const KeyDocument& k) {
  json::object o;
  o["format"] = k.Signed() ? kSignedKeyFormat : kKeyFormat;
  o["key_id"] = k.key_id;
  o["key"] = KeyHex(k.secret);
  if (k.Signed()) {
    o["signer"] = k.signer;
    o["signature"] = k.signature;
  }
  return json::serialize(o);
}

std::string SignedText(const KeyDocument& k) {
  return std::string(kSignedKeyFormat) + " " + k.signer + " " + k.key_id + " " + KeyHex(k.secret);
}

Result<KeyDocument> ParseKeyDocument(std::string_view text) {
  if (text.size() > kMaxKeyDocument) {
    return MakeError(Errc::kLimit, "the key document is larger than " + std::to_string(kMaxKeyDocument) + " bytes");
  }
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return BadKey("not a JSON object");
  const auto& o = v.as_object();
  const auto* format = o.if_contains("format");
  const bool is_signed = format && format->is_string() && format->as_string() == kSignedKeyFormat;
  if (!format || !format->is_string() || (!is_signed && format->as_string() != kKeyFormat)) {
    return BadKey("format: not " + std::string(kSignedKeyFormat) + " (nor " + std::string(kKeyFormat) + ")");
  }
  const auto* id = o.if_contains("key_id");
  if (!id || !id->is_string() || id->as_string().empty() || id->as_string().size() > 64 ||
      !std::all_of(id->as_string().begin(), id->as_string().end(), [](char c) { return c > ' ' && c < 127; })) {
    return BadKey("key_id: 1 to 64 printable ASCII characters");
  }
  const auto* key = o.if_contains("key");
  if (!key || !key->is_string() || key->as_string().size() != 64) return BadKey("key: 64 lowercase hex digits");
  KeyDocument k;
  k.key_id = std::string(id->as_string());
  const auto& hex = key->as_string();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (!IsHexDigit(hex[i]) || !IsHexDigit(hex[i + 1])) return BadKey("key: 64 lowercase hex digits");
    auto val = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    k.secret.push_back(static_cast<char>(val(hex[i]) * 16 + val(hex[i + 1])));
  }
  if (is_signed) {
    const auto* signer = o.if_contains("signer");
    if (!signer || !signer->is_string() || !schema::IsNodeId(std::string(signer->as_string()))) {
      return BadKey("signer: the node id of the node that signed it");
    }
    const auto* sig = o.if_contains("signature");
    if (!sig || !sig->is_string() || !IsBase64(sig->as_string())) {
      return BadKey("signature: base64, 1 to " + std::to_string(kMaxKeySignature) + " characters");
    }
    k.signer = std::string(signer->as_string());
    k.signature = std::string(sig->as_string());
  }
  return k;
}

}  // namespace xf::dedup::wire

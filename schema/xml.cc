// The XML mapping: a writer and a reader, both driven by detail::Fields so
// that element names and order come from one place.
#include "schema/xml.h"

#include <algorithm>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "schema/detail/fields.h"
#include "schema/detail/text.h"
#include "schema/detail/xml_event.h"
#include "schema/detail/xml_reader.h"

namespace xf::schema {

namespace {

using detail::EnumNames;
using detail::Opt;
using detail::XmlPull;
using Tok = detail::XmlPull::Tok;

constexpr std::string_view kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

// ---------------------------------------------------------------- writing

class XmlWriter {
 public:
  explicit XmlWriter(std::string& out) : m_out(out) {}

  void Text(std::string_view name, const std::string& s, Opt opt) {
    if (opt == Opt::kOptional && s.empty()) return;
    Leaf(name, s);
  }
  void Day(std::string_view name, const Date& d) { Leaf(name, d.ToString()); }
  void OptDay(std::string_view name, const std::optional<Date>& d) {
    if (d) Leaf(name, d->ToString());
  }
  void Time(std::string_view name, const Instant& t, Opt opt) {
    if (opt == Opt::kOptional && t.seconds == 0) return;
    Leaf(name, t.ToString());
  }
  void Flag(std::string_view name, bool b) { Leaf(name, b ? "true" : "false"); }
  void OptFlag(std::string_view name, const std::optional<bool>& b) {
    if (b) Flag(name, *b);
  }
  void Count(std::string_view name, int n) { Leaf(name, std::to_string(n)); }
  void Size(std::string_view name, std::uint64_t n) { Leaf(name, std::to_string(n)); }
  template <class E>
  void Choice(std::string_view name, const E& e, const EnumNames& names) {
    const auto i = static_cast<std::size_t>(e);
    Leaf(name, i < names.size() ? names[i] : names[0]);
  }
  void Texts(std::string_view name, std::string_view item, const std::vector<std::string>& v) {
    if (v.empty()) return;
    Open(name);
    for (const auto& s : v) Leaf(item, s);
    Close(name);
  }
  template <class T>
  void Records(std::string_view name, std::string_view item, const std::vector<T>& v) {
    if (v.empty()) return;
    Open(name);
    for (const auto& r : v) Record(item, r);
    Close(name);
  }
  template <class T>
  void Record(std::string_view name, const T& r) {
    Open(name);
    detail::Fields(*this, r);
    Close(name);
  }

 private:
  void Open(std::string_view name) {
    m_out += '<';
    m_out += name;
    m_out += '>';
  }
  void Close(std::string_view name) {
    m_out += "</";
    m_out += name;
    m_out += '>';
  }
  void Leaf(std::string_view name, std::string_view text) {
    if (text.empty()) {
      m_out += '<';
      m_out += name;
      m_out += "/>";
      return;
    }
    Open(name);
    detail::AppendXmlEscaped(m_out, text, false);
    Close(name);
  }

  std::string& m_out;
};

void Attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  detail::AppendXmlEscaped(out, value, true);
  out += '"';
}

// ---------------------------------------------------------------- reading

struct ReadCtx {
  XmlPull& p;
  Violations& v;

  // An R3 violation of the mapping, in Chinese (zh) and English (en).
  void Violate(std::string field, std::string zh, std::string en) {
    v.push_back(Violation{"R3", std::move(field), std::move(zh), "", std::move(en)});
  }
};

// The path of a field: "name" or "petitioners[1].name".
std::string Join(std::string_view prefix, std::string_view name) {
  std::string s(prefix);
  if (!s.empty()) s += '.';
  s += name;
  return s;
}

std::string Indexed(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

// Attributes other than xsi:* are not part of any record element.
void CheckNoAttributes(ReadCtx& c, std::string_view path) {
  for (const auto& a : c.p.Attrs()) {
    if (a.ns == kXsiNamespace) continue;
    c.Violate(std::string(path), "<" + c.p.Name() + "> 上有意外的属性 " + a.name,
              "unexpected attribute " + a.name + " on <" + c.p.Name() + ">");
  }
}

// Reads a leaf element's text, after its kStart, through its kEnd. Child
// elements are violations and skipped. nullopt when the parse failed.
std::optional<std::string> ReadLeaf(ReadCtx& c, const std::string& path) {
  CheckNoAttributes(c, path);
  std::string text;
  for (;;) {
    switch (c.p.Next()) {
      case Tok::kText:
        text += c.p.Text();
        if (text.size() > c.p.Limits().max_text) {
          c.p.Fail(Errc::kLimit, "text of " + path + " longer than " +
                                     std::to_string(c.p.Limits().max_text) + " bytes");
          return std::nullopt;
        }
        break;
      case Tok::kStart:
        c.Violate(path, "值中不允许元素 <" + c.p.Name() + ">", "element <" + c.p.Name() + "> not allowed inside a value");
        if (!c.p.Skip()) return std::nullopt;
        break;
      case Tok::kEnd:
        return text;
      case Tok::kDone:
        c.p.Fail(Errc::kInvalidArgument, "XML document ends inside an element");
        return std::nullopt;
      case Tok::kError:
        return std::nullopt;
    }
  }
}

template <class T>
std::vector<std::string_view> ReadRecord(ReadCtx& c, T& rec, const std::string& path);

// Matches one child element against the fields of a record and reads it.
class FieldReader {
 public:
  FieldReader(ReadCtx& c, std::string want, const std::string& prefix,
              std::vector<std::string_view>& seen)
      : m_c(c), m_want(std::move(want)), m_prefix(prefix), m_seen(seen) {}

  bool matched() const { return m_matched; }

  void Text(std::string_view name, std::string& s, Opt) {
    if (!Take(name)) return;
    if (auto t = ReadLeaf(m_c, m_path)) s = std::move(*t);
  }
  void Day(std::string_view name, Date& d) {
    if (auto t = Scalar(name)) {
      if (auto x = Date::Parse(*t)) {
        d = *x;
      } else {
        m_c.Violate(m_path, "不是日期（YYYY-MM-DD）：" + detail::Quote(*t), "not a date (YYYY-MM-DD): " + detail::Quote(*t));
      }
    }
  }
  void OptDay(std::string_view name, std::optional<Date>& d) {
    if (auto t = Scalar(name)) {
      if (auto x = Date::Parse(*t)) {
        d = *x;
      } else {
        m_c.Violate(m_path, "不是日期（YYYY-MM-DD）：" + detail::Quote(*t), "not a date (YYYY-MM-DD): " + detail::Quote(*t));
      }
    }
  }
  void Time(std::string_view name, Instant& i, Opt) {
    if (auto t = Scalar(name)) {
      if (auto x = Instant::Parse(*t)) {
        i = *x;
      } else {
        m_c.Violate(m_path, "不是带时区偏移的时间（YYYY-MM-DDThh:mm:ssZ）：" + detail::Quote(*t),
                    "not a time with a UTC offset (YYYY-MM-DDThh:mm:ssZ): " + detail::Quote(*t));
      }
    }
  }
  void Flag(std::string_view name, bool& b) {
    if (auto t = Scalar(name)) {
      if (*t == "true") {
        b = true;
      } else if (*t == "false") {
        b = false;
      } else {
        m_c.Violate(m_path, "不是 true 或 false：" + detail::Quote(*t), "not true or false: " + detail::Quote(*t));
      }
    }
  }
  void OptFlag(std::string_view name, std::optional<bool>& b) {
    if (auto t = Scalar(name)) {
      if (*t == "true" || *t == "false") {
        b = *t == "true";
      } else {
        m_c.Violate(m_path, "不是 true 或 false：" + detail::Quote(*t), "not true or false: " + detail::Quote(*t));
      }
    }
  }
  void Count(std::string_view name, int& n) {
    if (auto t = Scalar(name)) {
      if (auto x = detail::ParseInt(*t)) {
        n = *x;
      } else {
        m_c.Violate(m_path, "不是整数：" + detail::Quote(*t), "not an integer: " + detail::Quote(*t));
      }
    }
  }
  void Size(std::string_view name, std::uint64_t& n) {
    if (auto t = Scalar(name)) {
      if (auto x = detail::ParseUint64(*t)) {
        n = *x;
      } else {
        m_c.Violate(m_path, "不是非负整数：" + detail::Quote(*t), "not a non-negative integer: " + detail::Quote(*t));
      }
    }
  }
  template <class E>
  void Choice(std::string_view name, E& e, const EnumNames& names) {
    if (auto t = Scalar(name)) {
      const auto it = std::find(names.begin(), names.end(), *t);
      if (it != names.end()) {
        e = static_cast<E>(it - names.begin());
      } else {
        const std::string choices = std::string(names[0]) + " or " + std::string(names[1]);
        m_c.Violate(m_path, "不是 " + choices + "：" + detail::Quote(*t), "not " + choices + ": " + detail::Quote(*t));
      }
    }
  }
  void Texts(std::string_view name, std::string_view item, std::vector<std::string>& out) {
    if (!Take(name)) return;
    ReadList(item, [&](const std::string& item_path) {
      if (auto t = ReadLeaf(m_c, item_path)) out.push_back(std::move(*t));
    });
  }
  template <class T>
  void Records(std::string_view name, std::string_view item, std::vector<T>& out) {
    if (!Take(name)) return;
    ReadList(item, [&](const std::string& item_path) {
      T rec{};
      ReadRecord(m_c, rec, item_path);
      out.push_back(std::move(rec));
    });
  }

 private:
  // True when `name` is the element at hand and it is to be read now.
  bool Take(std::string_view name) {
    if (m_matched || name != m_want) return false;
    m_matched = true;
    m_path = Join(m_prefix, name);
    if (std::find(m_seen.begin(), m_seen.end(), name) != m_seen.end()) {
      m_c.Violate(m_path, "<" + m_want + "> 出现了不止一次", "<" + m_want + "> appears more than once");
      m_c.p.Skip();
      return false;
    }
    m_seen.push_back(name);
    return true;
  }
  // The white-space-trimmed text of a scalar (date, number, boolean, enum).
  std::optional<std::string> Scalar(std::string_view name) {
    if (!Take(name)) return std::nullopt;
    auto t = ReadLeaf(m_c, m_path);
    if (!t) return std::nullopt;
    return std::string(detail::TrimXmlSpace(*t));
  }
  // The children of a list element: each must be <item>.
  template <class F>
  void ReadList(std::string_view item, F read_item) {
    CheckNoAttributes(m_c, m_path);
    std::size_t i = 0;
    for (;;) {
      switch (m_c.p.Next()) {
        case Tok::kText:
          if (!detail::IsXmlSpace(m_c.p.Text())) m_c.Violate(m_path, "意外的文本", "unexpected text");
          break;
        case Tok::kStart:
          if (m_c.p.Name() != item || !detail::IsOurs(m_c.p.Ns())) {
            m_c.Violate(m_path, "意外的元素 <" + m_c.p.Name() + ">，应为 <" + std::string(item) + ">",
                        "unexpected element <" + m_c.p.Name() + ">, expected <" + std::string(item) + ">");
            if (!m_c.p.Skip()) return;
          } else {
            read_item(Indexed(m_path, i++));
          }
          break;
        case Tok::kEnd:
          return;
        case Tok::kDone:
          m_c.p.Fail(Errc::kInvalidArgument, "XML document ends inside an element");
          return;
        case Tok::kError:
          return;
      }
      if (m_c.p.Failed()) return;
    }
  }

  ReadCtx& m_c;
  std::string m_want;
  const std::string& m_prefix;
  std::vector<std::string_view>& m_seen;
  std::string m_path;
  bool m_matched = false;
};

// Reads a record element's children, after its kStart, through its kEnd.
// Returns the names of the fields present.
template <class T>
std::vector<std::string_view> ReadRecord(ReadCtx& c, T& rec, const std::string& path) {
  std::vector<std::string_view> seen;
  CheckNoAttributes(c, path);
  for (;;) {
    switch (c.p.Next()) {
      case Tok::kText:
        if (!detail::IsXmlSpace(c.p.Text())) c.Violate(path, "意外的文本", "unexpected text");
        break;
      case Tok::kStart: {
        if (!detail::IsOurs(c.p.Ns())) {
          c.Violate(Join(path, c.p.Name()),
                    "不允许命名空间 " + detail::Quote(c.p.Ns()) + " 中的元素 <" + c.p.Name() + ">",
                    "element <" + c.p.Name() + "> in namespace " + detail::Quote(c.p.Ns()) + " not allowed");
          c.p.Skip();
          break;
        }
        FieldReader r(c, c.p.Name(), path, seen);
        detail::Fields(r, rec);
        if (!r.matched()) {
          c.Violate(Join(path, c.p.Name()), "未知元素 <" + c.p.Name() + ">", "unknown element <" + c.p.Name() + ">");
          c.p.Skip();
        }
        break;
      }
      case Tok::kEnd:
        return seen;
      case Tok::kDone:
        c.p.Fail(Errc::kInvalidArgument, "XML document ends inside an element");
        return seen;
      case Tok::kError:
        return seen;
    }
    if (c.p.Failed()) return seen;
  }
}

// A registration body; received_date cannot be told absent from the struct.
void ReadCase(ReadCtx& c, CaseRegistration& rec, const std::string& path) {
  const auto seen = ReadRecord(c, rec, path);
  if (!c.p.Failed() && std::find(seen.begin(), seen.end(), "received_date") == seen.end()) {
    c.Violate(Join(path, "received_date"), "缺少必填元素 <received_date>", "required: <received_date> is missing");
  }
}

std::string RootError(const XmlPull& p, std::string_view expected) {
  return "root element is <" + p.Name() + ">" +
         (p.Ns().empty() ? " without namespace" : " in namespace " + detail::Quote(p.Ns())) +
         ", expected <" + std::string(expected) + "> in " + std::string(kXmlNamespace);
}

// Moves to the root element's kStart (skipping top-level white space).
Status ToRoot(XmlPull& p) {
  for (;;) {
    switch (p.Next()) {
      case Tok::kStart:
        return {};
      case Tok::kText:
        continue;
      case Tok::kError:
        return p.error();
      default:
        return MakeError(Errc::kInvalidArgument, "XML document without a root element");
    }
  }
}

// Reads to the end of the document so that trailing junk is noticed.
Status ToEnd(XmlPull& p) {
  for (;;) {
    switch (p.Next()) {
      case Tok::kDone:
        return {};
      case Tok::kError:
        return p.error();
      case Tok::kText:
        continue;
      default:
        return MakeError(Errc::kInvalidArgument, "content after the root element");
    }
  }
}

void SetRecord(Violations& v, std::size_t from, const std::string& record) {
  if (record.empty()) return;
  for (std::size_t i = from; i < v.size(); ++i) {
    if (v[i].record.empty()) v[i].record = record;
  }
}

}  // namespace

namespace detail {

Event ReadEvent(XmlPull& p, Violations& violations) {
  const std::size_t first_violation = violations.size();
  ReadCtx c{p, violations};
  Event e;
  std::string id;
  bool have[8] = {};  // id origin seq case kind occurred recorded actor
  bool kind_ok = false;
  static constexpr std::string_view kAttrs[] = {"id",   "origin",   "seq",      "case",
                                                "kind", "occurred", "recorded", "actor"};
  static constexpr std::string_view kFields[] = {"id",   "origin",      "seq",         "case_id",
                                                 "kind", "occurred_at", "recorded_at", "actor"};
  for (const auto& a : p.Attrs()) {
    if (a.ns == kXsiNamespace) continue;
    const auto* it = std::find(std::begin(kAttrs), std::end(kAttrs), a.name);
    if (!a.ns.empty() || it == std::end(kAttrs)) {
      c.Violate(a.name, "<event> 上有意外的属性 " + a.name, "unexpected attribute " + a.name + " on <event>");
      continue;
    }
    const auto k = static_cast<std::size_t>(it - std::begin(kAttrs));
    have[k] = true;
    const std::string_view trimmed = TrimXmlSpace(a.value);
    switch (k) {
      case 0:
        id = a.value;
        break;
      case 1:
        e.origin = a.value;
        break;
      case 2:
        if (auto n = ParseUint64(trimmed)) {
          e.seq = *n;
        } else {
          c.Violate("seq", "不是非负整数：" + Quote(a.value), "not a non-negative integer: " + Quote(a.value));
        }
        break;
      case 3:
        e.case_id = a.value;
        break;
      case 4:
        if (auto kind = EventKindFromName(trimmed)) {
          e.kind = *kind;
          kind_ok = true;
        } else {
          c.Violate("kind", "未知的事件类型 " + Quote(a.value), "unknown event kind " + Quote(a.value));
        }
        break;
      case 5:
      case 6:
        if (auto t = Instant::Parse(trimmed)) {
          (k == 5 ? e.occurred_at : e.recorded_at) = *t;
        } else {
          c.Violate(std::string(kFields[k]), "不是带时区偏移的时间（YYYY-MM-DDThh:mm:ssZ）：" + Quote(a.value),
                    "not a time with a UTC offset (YYYY-MM-DDThh:mm:ssZ): " + Quote(a.value));
        }
        break;
      case 7:
        e.actor = a.value;
        break;
    }
  }
  for (std::size_t k = 0; k < std::size(kAttrs); ++k) {
    if (!have[k]) {
      c.Violate(std::string(kFields[k]), "缺少 <event> 的必填属性 " + std::string(kAttrs[k]),
                "required: attribute " + std::string(kAttrs[k]) + " of <event> is missing");
    }
  }

  std::optional<std::size_t> body_index;
  for (bool open = true; open && !p.Failed();) {
    switch (p.Next()) {
      case Tok::kText:
        if (!IsXmlSpace(p.Text())) c.Violate("body", "<event> 中有意外的文本", "unexpected text in <event>");
        break;
      case Tok::kStart: {
        const auto idx = IsOurs(p.Ns()) ? BodyIndexFromName(p.Name()) : std::nullopt;
        if (!idx) {
          c.Violate(p.Name(), "<event> 中有未知元素 <" + p.Name() + ">", "unknown element <" + p.Name() + "> in <event>");
          p.Skip();
        } else if (body_index) {
          c.Violate("body", "<event> 中有不止一个内容元素", "more than one body element in <event>");
          p.Skip();
        } else {
          body_index = idx;
          e.body = MakeBody(*idx);
          std::visit(
              [&](auto& body) {
                if constexpr (std::is_same_v<std::decay_t<decltype(body)>, CaseRegistration>) {
                  ReadCase(c, body, "");
                } else {
                  ReadRecord(c, body, "");
                }
              },
              e.body);
        }
        break;
      }
      case Tok::kEnd:
        open = false;
        break;
      case Tok::kDone:
        p.Fail(Errc::kInvalidArgument, "XML document ends inside <event>");
        break;
      case Tok::kError:
        break;
    }
  }

  // Keep the promise of BodyMatchesKind whatever the input said.
  if (!kind_ok) {
    // The kind is already reported; assume the one the body implies.
    if (body_index) e.kind = KindOfBodyIndex(*body_index);
  } else if (!body_index) {
    const std::string body(kBodyNames[BodyIndexOf(e.kind)]), kind(EventKindName(e.kind));
    c.Violate("body", "事件类型 " + kind + " 缺少必填元素 <" + body + ">",
              "required: a <" + body + "> element for kind " + kind);
    e.body = MakeBody(BodyIndexOf(e.kind));
  } else if (*body_index != BodyIndexOf(e.kind)) {
    const std::string kind(EventKindName(e.kind)), body(kBodyNames[*body_index]);
    c.Violate("kind", "事件类型 " + kind + " 与内容元素 <" + body + "> 不符",
              "kind " + kind + " does not match body <" + body + ">");
    e.body = MakeBody(BodyIndexOf(e.kind));
  }
  if (have[0] && have[1] && have[2] && id != e.Id()) {
    c.Violate("id", "id " + Quote(id) + " 不是 origin:seq " + Quote(e.Id()), "id " + Quote(id) + " is not origin:seq " + Quote(e.Id()));
  }
  SetRecord(violations, first_violation, have[1] && have[2] ? e.Id() : std::string());
  return e;
}

void WriteEvent(std::string& out, const Event& e) {
  out += "<event xmlns=\"";
  out += kXmlNamespace;
  out += '"';
  Attribute(out, "id", e.Id());
  Attribute(out, "origin", e.origin);
  Attribute(out, "seq", std::to_string(e.seq));
  Attribute(out, "case", e.case_id);
  Attribute(out, "kind", EventKindName(e.kind));
  Attribute(out, "occurred", e.occurred_at.ToString());
  Attribute(out, "recorded", e.recorded_at.ToString());
  Attribute(out, "actor", e.actor);
  out += '>';
  XmlWriter w(out);
  std::visit([&](const auto& body) { w.Record(kBodyNames[e.body.index()], body); }, e.body);
  out += "</event>";
}

}  // namespace detail

std::string CaseToXml(const CaseRegistration& c) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<case xmlns=\"";
  out += kXmlNamespace;
  out += "\">";
  XmlWriter w(out);
  detail::Fields(w, c);
  out += "</case>\n";
  return out;
}

Result<CaseRegistration> CaseFromXml(std::string_view xml, Violations& violations,
                                     const XmlLimits& limits) {
  XmlPull p(xml, limits);
  if (auto s = ToRoot(p); !s) return s.error();
  if (p.Name() != "case" || !detail::IsOurs(p.Ns())) {
    return MakeError(Errc::kInvalidArgument, RootError(p, "case"));
  }
  Violations found;
  ReadCtx c{p, found};
  CaseRegistration rec;
  ReadCase(c, rec, "");
  if (p.Failed()) return p.error();
  if (auto s = ToEnd(p); !s) return s.error();
  SetRecord(found, 0, rec.case_id);
  violations.insert(violations.end(), found.begin(), found.end());
  return rec;
}

std::string EventToXml(const Event& e) {
  std::string out;
  detail::WriteEvent(out, e);
  return out;
}

Result<Event> EventFromXml(std::string_view xml, Violations& violations, const XmlLimits& limits) {
  XmlPull p(xml, limits);
  if (auto s = ToRoot(p); !s) return s.error();
  if (p.Name() != "event" || !detail::IsOurs(p.Ns())) {
    return MakeError(Errc::kInvalidArgument, RootError(p, "event"));
  }
  Violations found;
  Event e = detail::ReadEvent(p, found);
  if (p.Failed()) return p.error();
  if (auto s = ToEnd(p); !s) return s.error();
  violations.insert(violations.end(), found.begin(), found.end());
  return e;
}

std::string_view XsdFileName() { return "xfnode.xsd"; }

}  // namespace xf::schema

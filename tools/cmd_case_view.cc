// xfctl case list and xfctl case show: a clerk's view of the cases the node
// holds, in Chinese (English with --lang en): labels from the code tables,
// petitioners masked unless --full, the legal clocks in days, the repeat
// links and the event history, times in the node's time zone.
#include <boost/json.hpp>
#include <iostream>
#include <sstream>

#include "codes/codebook.h"
#include "node/case_text.h"
#include "node/conformance_html.h"  // JurisdictionName, DivisionPath
#include "schema/json.h"
#include "tools/cli.h"
#include "tools/table.h"
#include "tools/xfctl.h"
#include "tools/json_fields.h"

namespace xf::tools {

namespace json = boost::json;
namespace text = node::text;

namespace {

// The code tables the node uses (its codes_dir), for labels; null when they
// cannot be read (codes are then shown alone).
std::shared_ptr<const codes::CodeBook> BookOf(const node::NodeConfig& config) {
  auto book = codes::CodeBook::Load(config.codes_dir.empty() ? codes::DefaultDataDir() : config.codes_dir);
  return book ? std::move(book).value() : nullptr;
}

// "02 求决": a code and its label; the code alone when unknown.
std::string Coded(const codes::CodeBook* book, std::string_view table, const std::string& code) {
  if (code.empty()) return "—";
  if (book == nullptr) return code;
  const auto label = book->Label(table, code);
  return label.empty() ? code : code + " " + std::string(label);
}

// A code's label alone; the code when unknown.
std::string LabelOf(const codes::CodeBook* book, std::string_view table, const std::string& code) {
  if (book == nullptr) return code;
  const auto label = book->Label(table, code);
  return label.empty() ? code : std::string(label);
}

// 内容分类 with its upper levels: "030204 城乡建设 › 物业管理 › …".
std::string CategoryPath(const codes::CodeBook* book, const std::string& code) {
  if (book == nullptr || code.empty()) return code.empty() ? "—" : code;
  std::vector<std::string> names;
  std::string at = code;
  for (int depth = 0; depth < 4 && !at.empty(); ++depth) {
    const auto* e = book->Find(codes::table::kContentCategory, at);
    if (e == nullptr) break;
    names.push_back(e->label);
    if (e->parent == at) break;
    at = e->parent;
  }
  if (names.empty()) return code;
  std::string out = code + " ";
  for (auto it = names.rbegin(); it != names.rend(); ++it) out += (it == names.rbegin() ? "" : " › ") + *it;
  return out;
}

// The label of a place (问题属地, 住址) of 6, 9 or 12 digits: the division's
// path, then the township (统计用区划代码) when known.
std::string PlaceName(const codes::CodeBook* book, const std::string& code, bool with_path) {
  if (book == nullptr || code.size() < 6) return code;
  std::string out = with_path ? node::html::DivisionPath(*book, code.substr(0, 6)) : "";
  if (out.empty() || !with_path) {
    const auto label = book->Label(codes::table::kDivision, code.substr(0, 6));
    out = label.empty() ? out : std::string(label);
  }
  if (code.size() >= 9) {
    const auto township = book->Label(codes::table::kStatDivision, code.substr(0, 9));
    if (!township.empty()) out += (out.empty() ? "" : with_path ? " › " : " ") + std::string(township);
  }
  return out;
}

std::string Jurisdiction(const codes::CodeBook* book, const std::string& id) {
  return book == nullptr || id.empty() ? id : node::html::JurisdictionName(*book, id);
}

std::string LocalTime(const std::string& iso) {
  const auto t = Instant::Parse(iso);
  return t ? text::LocalTime(*t) : iso;
}

Date Today() { return SystemClock().Now().ToDate(); }

// ---- xfctl case list -------------------------------------------------------

std::string QueryOf(const Args& args, bool english) {
  std::string q;
  auto add = [&q](const std::string& k, const std::string& v) {
    std::string enc;
    for (unsigned char c : v) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
        enc.push_back(static_cast<char>(c));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        enc += buf;
      }
    }
    q += (q.empty() ? "?" : "&") + k + "=" + enc;
  };
  if (auto v = args.Get("status")) add("status", *v);
  if (auto v = args.Get("from")) add("received_from", *v);
  if (auto v = args.Get("to")) add("received_to", *v);
  if (args.Has("overdue")) add("overdue", "true");
  if (auto v = args.Get("category")) add("category", *v);
  if (auto v = args.Get("petitioner")) add("petitioner", *v);
  if (args.Has("repeat")) add("repeat", "true");
  if (args.Has("initial")) add("repeat", "false");
  if (auto v = args.Get("limit")) add("limit", *v);
  (void)english;
  return q;
}

std::string DueCell(const json::object& row, bool en) {
  if (!Str(row, "closed").empty()) return en ? "closed " + Str(row, "closed") : "已办结 " + Str(row, "closed");
  const auto* due = row.if_contains("next_due");
  if (due == nullptr || !due->is_object()) return "—";
  const auto& d = due->as_object();
  const std::int64_t left = Int(d, "days_left");
  std::string out = text::DaysLeft(left, en) + (en ? " (" : "（") + Str(d, "label");
  // The most overdue clock, when another than the one due first.
  const std::int64_t overdue = Int(row, "overdue_days");
  if (overdue > -left && overdue > 0) out += en ? "; " + std::to_string(overdue) + " days overdue in all" : "；最长超期 " + std::to_string(overdue) + " 天";
  return out + (en ? ")" : "）");
}

}  // namespace

int CaseList(const node::NodeConfig& config, const ApiTarget& api, const Args& args) {
  const bool en = English(args);
  if (args.Has("repeat") && args.Has("initial")) {
    std::cerr << (en ? "xfctl case list: --repeat and --initial exclude each other\n"
                     : "xfctl case list: --repeat 与 --initial 只能选一个\n");
    return 2;
  }
  const std::string query = QueryOf(args, en);
  std::string cursor = args.Get("cursor", "");
  const bool all = args.Has("all");
  const bool as_json = args.Has("json");
  const auto book = BookOf(config);
  exchange::HttpHeaders headers;
  if (en) headers["accept-language"] = "en";
  std::int64_t shown = 0;
  for (int page = 0;; ++page) {
    const std::string path =
        "/v1/cases" + query + (cursor.empty() ? "" : std::string(query.empty() ? "?" : "&") + "cursor=" + cursor);
    auto r = CallApi(api, "GET", path, "", "application/json", headers);
    if (!r) {
      std::cerr << "xfctl: " << (en ? "node " : "节点 ") << config.node_id << (en ? " is not answering at " : " 无应答：")
                << api.url << ": " << Why(r.error()) << "\n";
      return 3;
    }
    if (r->status != 200) {
      boost::system::error_code ec;
      const auto v = json::parse(r->body, ec);
      const std::string message = !ec && v.is_object() ? Str(v.as_object(), "message") : r->body;
      const std::string field = !ec && v.is_object() ? Str(v.as_object(), "field") : "";
      std::cerr << "xfctl case list: " << message << (field.empty() ? "" : " [" + field + "]") << " (HTTP " << r->status
                << ")\n";
      return r->status == 400 || r->status == 501 ? 2 : 1;
    }
    if (as_json && !all) {
      std::cout << r->body << "\n";
      return 0;
    }
    const auto v = json::parse(r->body).as_object();
    const auto& rows = v.at("cases").as_array();
    const std::int64_t total = Int(v, "total");
    if (as_json) {  // --all --json: one object per line, every page
      for (const auto& row : rows) std::cout << json::serialize(row) << "\n";
    } else {
      if (page == 0) {
        std::cout << (en ? "Cases held at " : "本节点信访件（") << config.node_id
                  << (en ? ": " + std::to_string(total) + " selected, newest received first; today " + Str(v, "today")
                         : "）：共 " + std::to_string(total) + " 件，按信访日期从新到旧；今天 " + Str(v, "today"))
                  << "\n";
      }
      if (rows.empty() && page == 0) {
        std::cout << (en ? "  (none)\n" : "  （无）\n");
        return 0;
      }
      TextTable t({{en ? "case" : "信访件编号", false, 24},
                   {en ? "received" : "信访日期", false, 10},
                   {en ? "status" : "状态", false, 14},
                   {en ? "category" : "内容分类", false, 16},
                   {en ? "place" : "问题属地", false, 18},
                   {en ? "kind" : "初重", false, 8},
                   {en ? "petitioner" : "信访人", false, 12},
                   {en ? "time limit" : "期限", false, 40}});
      for (const auto& x : rows) {
        const auto& row = x.as_object();
        const std::string place = PlaceName(book.get(), Str(row, "problem_place"), false);
        t.Add({Str(row, "case_id"), Str(row, "received_date"), text::StatusLabel(Str(row, "status"), en),
               Str(row, "content_category_label").empty() ? Str(row, "content_category") : Str(row, "content_category_label"),
               place.empty() ? Str(row, "problem_place") : place,
               row.at("repeat").as_bool() ? (en ? "repeat" : "重件") : (en ? "initial" : "初件"),
               Str(row, "first_petitioner").empty() ? (en ? "(anonymous)" : "（匿名）") : Str(row, "first_petitioner"),
               DueCell(row, en)});
      }
      std::cout << t.Render();
      shown += static_cast<std::int64_t>(rows.size());
    }
    const std::string next = Str(v, "next_cursor");
    if (next.empty()) {
      if (!as_json && page > 0) std::cout << (en ? "  all " : "  已列出全部 ") << shown << (en ? " shown\n" : " 件\n");
      return 0;
    }
    if (!all) {
      if (!as_json) {
        // The next page's command, with the same filters, to copy.
        std::string again = "xfctl case list";
        for (const char* o : {"node", "config", "status", "from", "to", "category", "petitioner", "limit"}) {
          if (auto v = args.Get(o)) again += std::string(" --") + o + " " + *v;
        }
        for (const char* f : {"overdue", "repeat", "initial"}) {
          if (args.Has(f)) again += std::string(" --") + f;
        }
        std::cout << (en ? "  showing " : "  本页 ") << rows.size() << (en ? " of " : " 件，共 ") << total
                  << (en ? "; the next page (or --all for every page):\n" : " 件；下一页（或加 --all 列出全部）：\n")
                  << "    " << again << " --cursor " << next << "\n";
      }
      return 0;
    }
    cursor = next;
  }
}

// ---- xfctl case show -------------------------------------------------------

namespace {

struct Show {
  const codes::CodeBook* book;
  bool en;
  bool full;
  std::ostream& out;

  std::string W(const char* zh, const char* en_words) const { return en ? en_words : zh; }
  void Field(const char* zh, const char* en_words, const std::string& value) const {
    out << "  " << PadToWidth(W(zh, en_words), en ? 20 : 12) << value << "\n";
  }
  std::string Id(const std::string& id) const { return full || id.empty() ? (id.empty() ? "—" : id) : text::MaskIdNumber(id); }
  std::string Phone(const std::string& p) const { return full || p.empty() ? (p.empty() ? "—" : p) : text::MaskPhone(p); }
  std::string Yes(bool b) const { return b ? W("是", "yes") : W("否", "no"); }
};

void PrintBody(const Show& s, const schema::CaseRegistration& c) {
  using codes::table::kChannel;
  s.Field("信访日期", "received", c.received_date.ToString());
  std::string channel = Coded(s.book, kChannel, c.channel);
  if (!c.visit_type.empty()) channel += s.W("（来访类型 ", " (visit type ") + Coded(s.book, codes::table::kVisitType, c.visit_type) + s.W("）", ")");
  s.Field("信访形式", "channel", channel);
  s.Field("登记机构", "registered by", Jurisdiction(s.book, c.registering_body) + s.W("，登记人 ", ", registrar ") +
                                          c.registrar + s.W("，", ", ") + text::LocalTime(c.registered_at));
  s.Field("内容分类", "category", CategoryPath(s.book, c.content_category));
  s.Field("信访目的", "purpose", Coded(s.book, codes::table::kPurpose, c.purpose));
  const std::string place = PlaceName(s.book, c.problem_place, true);
  s.Field("问题属地", "place", c.problem_place + (place.empty() ? "" : " " + place));
  if (!c.responsible_unit.empty()) s.Field("责任单位", "responsible unit", c.responsible_unit);
  s.Field("人数", "people", s.W("信访人 ", "petitioners ") + std::to_string(c.petitioner_count) + s.W("，涉及 ", ", involved ") +
                              std::to_string(c.involved_count));
  std::string flags;
  auto flag = [&](bool on, const char* zh, const char* en_words) {
    if (on) flags += (flags.empty() ? "" : s.W("、", ", ")) + s.W(zh, en_words);
  };
  flag(c.anonymous, "匿名", "anonymous");
  flag(c.joint, "联名", "joint");
  flag(c.is_public, "公开", "public");
  flag(c.skipped_level, "越级", "skipped a level");
  flag(!c.first_at_this_body, "非本机构初次", "not the first at this body");
  if (c.first_nationally) flag(*c.first_nationally, "全国初次", "first nationally");
  if (!flags.empty()) s.Field("标记", "flags", flags);
  if (!c.representatives.empty()) {
    std::string reps;
    for (const auto& r : c.representatives) reps += (reps.empty() ? "" : s.W("、", ", ")) + r;
    s.Field("集体访代表", "representatives", reps);
  }
  if (c.due_date) s.Field("限办截止", "due (as registered)", c.due_date->ToString());
  if (c.attachments.empty()) {
    s.Field("附件", "attachments", s.W("无", "none"));
  } else {
    for (std::size_t i = 0; i < c.attachments.size(); ++i) {
      const auto& a = c.attachments[i];
      s.Field(i == 0 ? "附件" : "", i == 0 ? "attachments" : "",
              a.name + s.W("（", " (") + a.media_type + s.W("，", ", ") + std::to_string(a.size) + s.W(" 字节，", " bytes, ") +
                  a.sha256.substr(0, 12) + s.W("…）", "…)"));
    }
  }
  auto para = [&](const std::string& t) {
    std::string out = "  ";
    for (char ch : t) out += ch == '\n' ? std::string("\n  ") : std::string(1, ch);
    return out + "\n";
  };
  s.out << s.W("概况\n", "Summary\n") << para(c.summary);
  s.out << s.W("诉求\n", "Requests\n") << para(c.requests);
}

void PrintPetitioners(const Show& s, const schema::CaseRegistration& c) {
  s.out << "\n" << s.W("信访人（", "Petitioners (") << c.petitioners.size() << s.W("）", ")")
        << (s.full ? "" : s.W("：公民身份号码与电话已遮盖，--full 显示完整", ": ID numbers and phones masked; --full shows them"))
        << "\n";
  for (std::size_t i = 0; i < c.petitioners.size(); ++i) {
    const auto& p = c.petitioners[i];
    s.out << "  " << (i + 1) << ". " << p.name << "  " << LabelOf(s.book, codes::table::kGender, p.gender)
          << (p.ethnicity.empty() ? "" : "  " + LabelOf(s.book, codes::table::kEthnicity, p.ethnicity))
          << (p.first ? s.W("  （第一信访人）", "  (first petitioner)") : "") << "\n";
    auto line = [&](const char* zh, const char* en_words, const std::string& v) {
      if (!v.empty()) s.out << "     " << PadToWidth(s.W(zh, en_words), s.en ? 18 : 14) << v << "\n";
    };
    line("公民身份号码", "ID number", p.id_number.empty() ? "" : s.Id(p.id_number) + (p.id_number_18.empty() ? "" : s.W("（18 位：", " (18 characters: ") + s.Id(p.id_number_18) + s.W("）", ")")));
    line("联系电话", "phone", p.phone.empty() ? "" : s.Phone(p.phone));
    std::string address = p.address;
    if (!p.address_division.empty()) {
      const std::string where = PlaceName(s.book, p.address_division, false);
      address += (address.empty() ? "" : " ") + std::string("[") + p.address_division + (where.empty() ? "" : " " + where) + "]";
    }
    line("住址", "address", address);
    std::string more;
    if (!p.education.empty()) more += s.W("文化程度 ", "education ") + LabelOf(s.book, codes::table::kEducation, p.education);
    if (!p.political_status.empty()) {
      more += (more.empty() ? "" : "  ") + s.W("政治面貌 ", "political status ") +
              LabelOf(s.book, codes::table::kPoliticalStatus, p.political_status);
    }
    if (!p.employer.empty()) more += (more.empty() ? "" : "  ") + s.W("工作单位 ", "employer ") + p.employer;
    line("其他", "other", more);
  }
}

void PrintClocks(const Show& s, const json::array& clocks, bool closed) {
  s.out << "\n" << s.W("法定时限（《信访工作条例》；起算日不计入，按天计）", "Legal time limits (起算日 not counted; in days)") << "\n";
  if (clocks.empty()) {
    s.out << "  " << s.W("（无）", "(none)") << "\n";
    return;
  }
  const Date today = Today();
  TextTable t({{s.W("时限", "clock"), false, 20},
               {s.W("天数", "days"), true, 6},
               {s.W("起算日", "start"), false, 10},
               {s.W("到期日", "due"), false, 10},
               {s.W("完成日", "met on"), false, 10},
               {s.W("情况", "state"), false, 40}});
  for (const auto& x : clocks) {
    const auto& c = x.as_object();
    const auto clock = schema::ClockFromName(Str(c, "clock"));
    const std::string due = Str(c, "due");
    const std::string met = Str(c, "met");
    const bool window = c.at("window").as_bool();
    std::string state;
    const auto due_day = Date::Parse(due);
    if (!met.empty()) {
      const auto met_day = Date::Parse(met);
      const std::int64_t late = met_day && due_day ? met_day->DaysSinceEpoch() - due_day->DaysSinceEpoch() : 0;
      state = late > 0 ? s.W("已完成，逾期 ", "met, ") + std::to_string(late) + s.W(" 天", " days late") : s.W("按期完成", "met in time");
    } else if (window) {
      state = s.W("信访人的申请期", "the petitioner's window") +
              (due_day ? s.W("，", ", ") + text::DaysLeft(due_day->DaysSinceEpoch() - today.DaysSinceEpoch(), s.en) : "");
    } else if (closed) {
      state = s.W("已办结", "closed");
    } else if (due_day) {
      state = text::DaysLeft(due_day->DaysSinceEpoch() - today.DaysSinceEpoch(), s.en);
    }
    if (c.if_contains("calendar_complete") && !c.at("calendar_complete").as_bool()) {
      state += s.W("（节假日表缺该年，只计周末）", " (holiday table lacks the year: weekends only)");
    }
    std::string days = Str(c, "days");
    if (Int(c, "extension_days") > 0) days += "+" + std::to_string(Int(c, "extension_days"));
    t.Add({clock ? text::ClockLabel(*clock, s.en) : Str(c, "label"), days, Str(c, "start"), due, met.empty() ? "—" : met, state});
  }
  s.out << t.Render();
}

void PrintLinks(const Show& s, const json::object& view) {
  const auto* links = view.if_contains("links");
  s.out << "\n" << s.W("初件/重件", "Initial and repeat cases") << "\n";
  if (links == nullptr || !links->is_object()) {
    s.out << "  —\n";
    return;
  }
  const auto& l = links->as_object();
  if (const auto* initial = l.if_contains("initial"); initial && initial->is_object()) {
    const auto& i = initial->as_object();
    s.out << "  " << s.W("本件为重件，初件 ", "this is a repeat case of ") << Str(i, "case_id")
          << (i.at("held").as_bool() ? s.W("（本节点持有）", " (held here)") : s.W("（本节点未持有）", " (not held here)")) << "\n";
  } else {
    s.out << "  " << s.W("本件为初件", "this is an initial case") << "\n";
  }
  const auto& repeats = l.at("repeats").as_array();
  for (const auto& x : repeats) {
    const auto& r = x.as_object();
    s.out << "  " << s.W("重件 ", "repeat ") << Str(r, "case_id") << "  " << Str(r, "received_date") << "  "
          << text::StatusLabel(Str(r, "status"), s.en) << "\n";
  }
}

// 相关信访件 (related cases): the petitioners' timelines and the duplicate
// candidates of duplicate detection (判重, branch dedup) go here, between the
// repeat links and the event history. Nothing is printed until they exist.
void PrintRelated(const Show& s, const ApiTarget& api, const json::object& view) {
  (void)s;
  (void)api;
  (void)view;
}

std::string EventDetail(const Show& s, const schema::Event& e) {
  using K = schema::EventKind;
  std::ostringstream d;
  const auto sep = s.W("；", "; ");
  switch (e.kind) {
    case K::kRegistration: {
      const auto& c = std::get<schema::CaseRegistration>(e.body);
      d << s.W("登记于 ", "registered at ") << Jurisdiction(s.book, c.registering_body);
      break;
    }
    case K::kAcceptance: {
      const auto& a = std::get<schema::Acceptance>(e.body);
      d << Coded(s.book, codes::table::kAcceptance, a.decision);
      if (!a.body.empty()) d << sep << Jurisdiction(s.book, a.body);
      if (!a.reason.empty()) d << sep << a.reason;
      break;
    }
    case K::kTransfer: {
      const auto& t = std::get<schema::Transfer>(e.body);
      d << (t.mode == schema::Transfer::Mode::kAssign ? s.W("交办 → ", "assigned → ") : s.W("转送 → ", "forwarded → "))
        << Jurisdiction(s.book, t.target);
      if (t.due_date) d << sep << s.W("限办 ", "due ") << t.due_date->ToString();
      if (!t.instructions.empty()) d << sep << t.instructions;
      break;
    }
    case K::kHandling: {
      const auto& h = std::get<schema::Handling>(e.body);
      d << Coded(s.book, codes::table::kHandlingMethod, h.method);
      if (!h.body.empty()) d << sep << h.body;
      if (h.delivered_on) d << sep << s.W("送达 ", "delivered ") << h.delivered_on->ToString();
      if (!h.attachments.empty()) d << sep << s.W("附件 ", "attachments ") << h.attachments.size();
      break;
    }
    case K::kSupervision: {
      const auto& v = std::get<schema::Supervision>(e.body);
      d << v.instructions;
      if (v.feedback_due) d << sep << s.W("反馈期限 ", "feedback due ") << v.feedback_due->ToString();
      break;
    }
    case K::kEvaluation: {
      const auto& v = std::get<schema::Evaluation>(e.body);
      d << (v.target == schema::Evaluation::Target::kBureau ? s.W("对信访部门：", "of the bureau: ")
                                                            : s.W("对责任单位：", "of the handling body: "))
        << Coded(s.book, codes::table::kSatisfaction, v.value);
      break;
    }
    case K::kReview:
    case K::kReReview: {
      const auto& r = std::get<schema::Review>(e.body);
      d << (r.step == schema::Review::Step::kRequest ? s.W("申请", "request") : s.W("决定", "decision"));
      if (!r.outcome.empty()) d << sep << r.outcome;
      if (r.delivered_on) d << sep << s.W("送达 ", "delivered ") << r.delivered_on->ToString();
      break;
    }
    case K::kClosure: {
      const auto& c = std::get<schema::Closure>(e.body);
      d << c.summary;
      break;
    }
    case K::kCorrection: {
      const auto& c = std::get<schema::Correction>(e.body);
      d << s.W("更正 ", "corrects ") << c.supersedes << ":";
      for (const auto& f : c.fields) {
        const bool personal = f.path.find("id_number") != std::string::npos;
        const bool phone = f.path.find("phone") != std::string::npos;
        d << " " << f.path << "=" << (personal ? s.Id(f.value) : phone ? s.Phone(f.value) : f.value);
      }
      if (!c.reason.empty()) d << sep << c.reason;
      break;
    }
    case K::kExtension: {
      const auto& x = std::get<schema::Extension>(e.body);
      d << s.W("延期 ", "extended by ") << x.days << s.W(" 天", " days") << sep << x.reason;
      break;
    }
    case K::kDuplicateNotice: {
      const auto& n = std::get<schema::DuplicateNotice>(e.body);
      d << s.W("判重提示（", "duplicate notice (found by ") << n.found_by << s.W("）：", "):");
      for (const auto& c : n.candidates) {
        d << " " << c.case_id << " " << (c.decision == schema::DuplicateFinding::Decision::kDuplicate
                                             ? s.W("重复", "duplicate")
                                             : s.W("疑似", "possible"))
          << " " << c.score;
      }
      break;
    }
  }
  return d.str();
}

void PrintEvents(const Show& s, const json::array& events) {
  s.out << "\n" << s.W("办理记录（", "Event history (") << events.size() << s.W(" 个事件；时间为 ", " events; times in ")
        << text::kTimeZone << " +08:00" << s.W("）", ")") << "\n";
  TextTable t({{s.W("发生时间", "occurred"), false, 26},
               {s.W("事件", "event"), false, 10},
               {s.W("编号", "id"), false, 20},
               {s.W("记录人", "by"), false, 10},
               {s.W("内容", "what"), false, 60}});
  for (const auto& x : events) {
    const auto& o = x.as_object();
    // The event as its typed record: {kind, occurred_at, actor, <body>} is the form schema reads.
    json::object post = o.at("body").as_object();
    post["kind"] = o.at("kind");
    post["occurred_at"] = o.at("occurred_at");
    post["actor"] = o.at("actor");
    schema::Violations ignored;
    std::string detail;
    std::string kind = Str(o, "kind");
    if (auto e = schema::EventFromJson(json::serialize(post), ignored); e) {
      if (e->kind == schema::EventKind::kRegistration) {
        // A registration's body is the case itself (shown above).
        schema::Violations v2;
        if (auto c = schema::CaseFromJson(json::serialize(o.at("body")), v2)) e->body = std::move(c).value();
      }
      detail = EventDetail(s, *e);
      kind = text::KindLabel(e->kind, s.en);
    } else if (auto k = schema::EventKindFromName(kind)) {
      kind = text::KindLabel(*k, s.en);
    }
    t.Add({LocalTime(Str(o, "occurred_at")), kind, Str(o, "id"), Str(o, "actor"), detail});
  }
  s.out << t.Render();
}

}  // namespace

int CaseShow(const node::NodeConfig& config, const ApiTarget& api, const std::string& case_id, const Args& args) {
  const bool en = English(args);
  auto r = CallApi(api, "GET", "/v1/cases/" + case_id, "");
  if (!r) {
    std::cerr << "xfctl: " << (en ? "node " : "节点 ") << config.node_id << (en ? " is not answering at " : " 无应答：")
              << api.url << ": " << Why(r.error()) << "\n";
    return 3;
  }
  if (r->status == 404) {
    std::cerr << (en ? "xfctl case show: no case " + case_id + " is held here (node " + config.node_id + ")"
                     : "xfctl case show: 本节点（" + config.node_id + "）没有信访件 " + case_id)
              << "\n";
    return 1;
  }
  if (r->status != 200) {
    std::cerr << "xfctl case show: HTTP " << r->status << ": " << r->body << "\n";
    return 1;
  }
  if (args.Has("json")) {
    std::cout << r->body << "\n";
    return 0;
  }
  const auto book = BookOf(config);
  const auto v = json::parse(r->body).as_object();
  const auto& state = v.at("state").as_object();
  schema::Violations ignored;
  auto c = schema::CaseFromJson(json::serialize(state.at("case")), ignored);
  const Show s{book.get(), en, args.Has("full"), std::cout};
  const std::string status = Str(state, "status");
  std::cout << (en ? "Case " : "信访件 ") << Str(v, "case_id") << "  " << text::StatusLabel(status, en)
            << (en ? "" : "（" + status + "）") << "\n";
  if (c) {
    PrintBody(s, *c);
    PrintPetitioners(s, *c);
  }
  PrintClocks(s, v.at("clocks").as_array(), status == "closed");
  PrintLinks(s, v);
  PrintRelated(s, api, v);
  PrintEvents(s, v.at("events").as_array());
  if (const auto* problems = state.if_contains("problems"); problems && problems->is_array() && !problems->as_array().empty()) {
    std::cout << "\n" << (en ? "Corrections not applied\n" : "未能应用的更正\n");
    for (const auto& p : problems->as_array()) std::cout << "  " << p.as_string().c_str() << "\n";
  }
  return 0;
}

}  // namespace xf::tools

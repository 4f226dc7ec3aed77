// xfctl codes: the code tables a node checks records against — every period
// of a code with its successors (`show`), and the tables with their versions
// and sizes (`tables`). Reads the data directory only; no node needs to run.
// Exit codes: 0 found, 1 unknown code (or tables that do not load), 2 usage.
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "codes/codebook.h"
#include "tools/cli.h"
#include "tools/xfctl.h"

namespace xf::tools {
namespace {

void CodesUsage() {
  std::cerr << UsageWord() << "xfctl codes show CODE [--table ID] [--on YYYY-MM-DD] [--codes-dir DIR | "
               "--node DIR | "
               "--config FILE]\n"
               "       xfctl codes tables [--codes-dir DIR | --node DIR | --config FILE]\n";
}

// --codes-dir DIR, else the node's codes_dir (--node/--config), else the default.
Result<std::filesystem::path> CodesDir(const Args& args) {
  if (auto d = args.Get("codes-dir")) return std::filesystem::path(*d);
  if (args.Has("node") || args.Has("config")) {
    auto config = FindNode(args);
    if (!config) return config.error();
    if (!config->codes_dir.empty()) return config->codes_dir;
  }
  return codes::DefaultDataDir();
}

// "1,234,567".
std::string Thousands(std::size_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

// The last day of a closed period.
Date LastDay(const codes::CodeEntry& e) { return e.valid_to->AddDays(-1); }

// "from 1983 to 2021", "in the first list (to 2010)", "from 2011, in use", or
// with days for a table of day precision.
// In Chinese: "1983 年至 2021 年", "首份名单起至 2010 年", "2011 年起，现行有效".
std::string Span(const codes::CodeEntry& e, bool years) {
  const bool en = EnglishWords();
  const bool from_start = e.valid_from == Date{1949, 10, 1};
  if (from_start && !e.valid_to) return en ? "undated" : "无起止日期";
  auto day = [&](Date d) { return years ? std::to_string(d.year) + (en ? "" : " 年") : d.ToString(); };
  std::string out;
  if (from_start) {
    out = en ? (years ? "since the first list" : "since 1949-10-01") : (years ? "首份名单起" : "1949-10-01 起");
  } else {
    out = en ? "from " + day(e.valid_from) : day(e.valid_from);
  }
  if (e.valid_to) {
    out += (en ? " to " : "至 ") + day(LastDay(e));
  } else {
    out += en ? ", in force" : (from_start ? "，现行有效" : "起，现行有效");
  }
  return out;
}

// "<code> <label>" of another code, with its label on the given date.
std::string Named(const codes::CodeBook& book, std::string_view table, const std::string& code,
                  Date on) {
  const codes::CodeEntry* e = book.Find(table, code, on);
  if (e == nullptr) e = book.Find(table, code);
  return e == nullptr ? code : code + " " + e->label;
}

// "浙江省 › 杭州市": the labels of the parents on the date.
std::string ParentPath(const codes::CodeBook& book, std::string_view table,
                       const codes::CodeEntry& e, Date on) {
  const codes::TableInfo* info = book.Table(table);
  const std::string_view parents =
      info != nullptr && !info->parent_table.empty() ? info->parent_table : table;
  std::vector<std::string> names;
  std::string code = e.parent;
  for (int depth = 0; depth < 8 && !code.empty(); ++depth) {
    const codes::CodeEntry* p = book.Find(parents, code, on);
    if (p == nullptr) p = book.Find(parents, code);
    if (p == nullptr) break;
    names.push_back(p->label);
    code = p->parent;
  }
  std::string out;
  for (auto it = names.rbegin(); it != names.rend(); ++it) out += (out.empty() ? "" : " › ") + *it;
  return out;
}

// Every period of `code` in `table`, as `xfctl codes show` prints it.
void PrintPeriods(const codes::CodeBook& book, std::string_view table, const std::string& code,
                  std::optional<Date> on) {
  const codes::TableInfo* info = book.Table(table);
  const bool en = EnglishWords();
  const bool years = info->year_precision;
  const auto periods = book.Periods(table, code);
  std::cout << code << " " << periods.back().label << " — " << info->id << (en ? " (" : "（") << info->title
            << (en ? "; " : "；") << info->standard << ", " << info->version << (en ? ")\n" : "）\n");
  const char* comma = en ? ", " : "，";
  const bool divisions = table == codes::table::kDivision;
  for (const codes::CodeEntry& e : periods) {
    const Date when = e.valid_to ? LastDay(e) : e.valid_from;
    std::cout << "  " << Span(e, years) << (en ? ": " : "：") << e.label;
    if (divisions && !codes::DivisionLevel(code).empty())
      std::cout << comma << codes::DivisionLevel(code);
    if (const std::string path = ParentPath(book, table, e, when); !path.empty())
      std::cout << comma << path;
    std::cout << "\n";
    if (!e.note.empty()) std::cout << (en ? "    note: " : "    注：") << e.note << "\n";
    std::vector<std::string> final_successors, parts;
    for (const codes::Successor& s : e.successors) {
      if (s.year) {
        parts.push_back(Named(book, table, s.code, Date{*s.year, 12, 31}) + (en ? " in " : "（") +
                        std::to_string(*s.year) + (en ? "" : " 年）"));
      } else {
        final_successors.push_back(Named(book, table, s.code, e.valid_to.value_or(e.valid_from)));
      }
    }
    if (e.valid_to) {
      const char* how = e.end == codes::EndKind::kChanged     ? (en ? "changed" : "变更")
                        : e.end == codes::EndKind::kAbolished ? (en ? "abolished" : "撤销")
                                                              : (en ? "retired" : "停用");
      if (en) {
        std::cout << "    " << how << " "
                  << (years ? "in " + std::to_string(LastDay(e).year) : "after " + LastDay(e).ToString());
      } else {
        std::cout << "    " << (years ? std::to_string(LastDay(e).year) + " 年" : LastDay(e).ToString() + " 之后") << how;
      }
      if (!final_successors.empty()) {
        std::cout << (en ? "; taken over by " : "；承继者：");
        for (std::size_t i = 0; i < final_successors.size(); ++i)
          std::cout << (i ? comma : "") << final_successors[i];
      }
      std::cout << "\n";
    }
    if (!parts.empty()) {
      std::cout << (en ? "    part of its area went to " : "    部分区域划归：");
      for (std::size_t i = 0; i < parts.size(); ++i) std::cout << (i ? comma : "") << parts[i];
      std::cout << "\n";
    }
  }
  // What it took over: the periods of other codes that name it as a successor.
  std::set<std::string> from;
  for (const codes::CodeEntry* e : book.Entries(table)) {
    if (e->code == code) continue;
    for (const codes::Successor& s : e->successors) {
      if (s.code != code) continue;
      std::string what = e->code + " " + e->label + (en ? " (" : "（");
      if (s.year) {
        what += (en ? "part, " : "部分，") + std::to_string(*s.year);
      } else if (e->valid_to) {
        what += years ? std::to_string(LastDay(*e).year) : e->valid_to->ToString();
      }
      from.insert(what + (en ? ")" : "）"));
    }
  }
  if (!from.empty()) {
    std::cout << (en ? "  took over from: " : "  承继自：");
    bool first = true;
    for (const std::string& f : from) {
      std::cout << (first ? "" : comma) << f;
      first = false;
    }
    std::cout << "\n";
  }
  if (on && table != codes::table::kStatDivision) {
    const codes::CodeCheck check = book.Check(table, code, *on);
    std::cout << (en ? "  on " : "  在 ") << on->ToString() << (en ? ": " : "：");
    if (check == codes::CodeCheck::kValid) {
      std::cout << (en ? "valid (" : "有效（") << book.Find(table, code, *on)->label << (en ? ")\n" : "）\n");
    } else {
      // The R2 reason comes from codes/ in English, as receipts carry it.
      std::cout << (en ? "not valid [" : "无效 [") << codes::CodeCheckName(check) << (en ? "]: " : "]：")
                << book.WhyNotValid(table, code, *on) << "\n";
    }
  }
}

int Show(const Args& args, const codes::CodeBook& book) {
  if (args.Positional().size() != 1) {
    CodesUsage();
    return 2;
  }
  const std::string code = args.Positional()[0];
  std::optional<Date> on;
  if (auto text = args.Get("on")) {
    on = Date::Parse(*text);
    if (!on) {
      std::cerr << (EnglishWords() ? "xfctl codes: --on wants YYYY-MM-DD, not '" : "xfctl codes：--on 应为 YYYY-MM-DD，而不是 '")
                << *text << "'\n";
      return 2;
    }
  }
  std::vector<std::string> tables;
  if (auto t = args.Get("table")) {
    if (book.Table(*t) == nullptr) {
      std::cerr << (EnglishWords() ? "xfctl codes: no table '" : "xfctl codes：没有代码表 '") << *t
                << (EnglishWords() ? "' (xfctl codes tables)\n" : "'（见 xfctl codes tables）\n");
      return 2;
    }
    tables.push_back(*t);
  } else {
    tables = {std::string(codes::table::kDivision), std::string(codes::table::kStatDivision)};
  }
  bool found = false;
  for (const std::string& t : tables) {
    if (book.Table(t) == nullptr || book.Periods(t, code).empty()) continue;
    // The statistical table only for what the ministry's list lacks.
    if (found && t == codes::table::kStatDivision && tables.size() > 1) continue;
    if (found) std::cout << "\n";
    found = true;
    PrintPeriods(book, t, code, on);
  }
  if (!found) {
    const bool en = EnglishWords();
    std::cerr << (en ? "xfctl codes: " : "xfctl codes：") << code << (en ? " is not a code of " : " 不是以下代码表中的代码：");
    for (std::size_t i = 0; i < tables.size(); ++i) std::cerr << (i ? (en ? " or " : " 或 ") : "") << tables[i];
    std::cerr << "\n";
    return 1;
  }
  if (tables.size() > 1 && book.Periods(codes::table::kDivision, code).empty()) {
    if (EnglishWords()) {
      std::cout << "  " << code
                << " is not a GB/T 2260 division (the ministry's list does not hold it): "
                << "a case cannot name it as a place; it is a node id only by its form\n";
    } else {
      std::cout << "  " << code << " 不是 GB/T 2260 行政区划代码（民政部的名单中没有）："
                << "信访件不能以它为问题属地；它只在形式上可作节点编号\n";
    }
  }
  return 0;
}

int Tables(const codes::CodeBook& book, const std::filesystem::path& dir) {
  const bool en = EnglishWords();
  if (en) {
    std::cout << "code tables " << book.Version() << " in " << dir.string() << "\n";
  } else {
    std::cout << "代码表 " << book.Version() << "，位于 " << dir.string() << "\n";
  }
  for (const codes::TableInfo* t : book.Tables()) {
    std::cout << "\n"
              << t->id << "  " << t->title << "\n"
              << "  " << t->standard << (en ? ", version " : "，版本 ") << t->version
              << (t->official ? (en ? ", official" : "，官方") : (en ? ", xfnode's own" : "，xfnode 自定义")) << "\n"
              << "  " << Thousands(book.Size(t->id)) << (en ? " rows" : " 行");
    if (book.CodeCount(t->id) != book.Size(t->id))
      std::cout << (en ? " (periods) of " : "（时段），共 ") << Thousands(book.CodeCount(t->id)) << (en ? " codes" : " 个代码");
    if (t->through != 0) std::cout << (en ? ", lists through " : "，名单至 ") << t->through << (en ? "" : " 年");
    std::cout << (en ? "; " : "；") << t->file.filename().string() << "\n";
    for (const codes::ListInfo& l : t->lists) {
      if (en) {
        std::cout << "  + the " << l.year << " list: " << l.file.filename().string() << ", "
                  << Thousands(l.rows) << " codes" << (l.title.empty() ? "" : " (" + l.title + ")") << "\n";
      } else {
        std::cout << "  + " << l.year << " 年名单：" << l.file.filename().string() << "，" << Thousands(l.rows) << " 个代码"
                  << (l.title.empty() ? "" : "（" + l.title + "）") << "\n";
      }
    }
  }
  return 0;
}

}  // namespace

int CmdCodes(const std::string& sub, const Args& args) {
  if (sub != "show" && sub != "tables") {
    CodesUsage();
    return 2;
  }
  if (auto u = args.Unknown(
          sub == "show" ? std::vector<std::string>{"table", "on", "codes-dir", "node", "config"}
                        : std::vector<std::string>{"codes-dir", "node", "config"});
      !u.empty()) {
    std::cerr << "xfctl codes: " << u << "\n";
    CodesUsage();
    return 2;
  }
  if (sub == "tables" && !args.Positional().empty()) {
    CodesUsage();
    return 2;
  }
  auto dir = CodesDir(args);
  if (!dir) {
    std::cerr << "xfctl: " << Why(dir.error()) << "\n";
    return 2;
  }
  auto book = codes::CodeBook::Load(*dir);
  if (!book) {
    std::cerr << "xfctl: " << Why(book.error(), "无法读取代码表", "code tables") << "\n";
    return 1;
  }
  return sub == "show" ? Show(args, **book) : Tables(**book, *dir);
}

}  // namespace xf::tools

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
#include "tools/xfctl.h"

namespace xf::tools {
namespace {

void CodesUsage() {
  std::cerr << "usage: xfctl codes show CODE [--table ID] [--on YYYY-MM-DD] [--codes-dir DIR | "
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
std::string Span(const codes::CodeEntry& e, bool years) {
  const bool from_start = e.valid_from == Date{1949, 10, 1};
  if (from_start && !e.valid_to) return "undated";
  std::string out;
  if (from_start) {
    out = years ? "since the first list" : "since 1949-10-01";
  } else {
    out = "from " + (years ? std::to_string(e.valid_from.year) : e.valid_from.ToString());
  }
  if (e.valid_to) {
    out += " to " + (years ? std::to_string(LastDay(e).year) : LastDay(e).ToString());
  } else {
    out += ", in force";
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
  const bool years = info->year_precision;
  const auto periods = book.Periods(table, code);
  std::cout << code << " " << periods.back().label << " — " << info->id << " (" << info->title
            << "; " << info->standard << ", " << info->version << ")\n";
  const bool divisions = table == codes::table::kDivision;
  for (const codes::CodeEntry& e : periods) {
    const Date when = e.valid_to ? LastDay(e) : e.valid_from;
    std::cout << "  " << Span(e, years) << ": " << e.label;
    if (divisions && !codes::DivisionLevel(code).empty())
      std::cout << ", " << codes::DivisionLevel(code);
    if (const std::string path = ParentPath(book, table, e, when); !path.empty())
      std::cout << ", " << path;
    std::cout << "\n";
    if (!e.note.empty()) std::cout << "    note: " << e.note << "\n";
    std::vector<std::string> final_successors, parts;
    for (const codes::Successor& s : e.successors) {
      if (s.year) {
        parts.push_back(Named(book, table, s.code, Date{*s.year, 12, 31}) + " in " +
                        std::to_string(*s.year));
      } else {
        final_successors.push_back(Named(book, table, s.code, e.valid_to.value_or(e.valid_from)));
      }
    }
    if (e.valid_to) {
      std::cout << "    "
                << (e.end == codes::EndKind::kChanged     ? "changed"
                    : e.end == codes::EndKind::kAbolished ? "abolished"
                                                          : "retired")
                << " "
                << (years ? "in " + std::to_string(LastDay(e).year)
                          : "after " + LastDay(e).ToString());
      if (!final_successors.empty()) {
        std::cout << "; taken over by ";
        for (std::size_t i = 0; i < final_successors.size(); ++i)
          std::cout << (i ? ", " : "") << final_successors[i];
      }
      std::cout << "\n";
    }
    if (!parts.empty()) {
      std::cout << "    part of its area went to ";
      for (std::size_t i = 0; i < parts.size(); ++i) std::cout << (i ? ", " : "") << parts[i];
      std::cout << "\n";
    }
  }
  // What it took over: the periods of other codes that name it as a successor.
  std::set<std::string> from;
  for (const codes::CodeEntry* e : book.Entries(table)) {
    if (e->code == code) continue;
    for (const codes::Successor& s : e->successors) {
      if (s.code != code) continue;
      std::string what = e->code + " " + e->label + " (";
      if (s.year) {
        what += "part, " + std::to_string(*s.year);
      } else if (e->valid_to) {
        what += years ? std::to_string(LastDay(*e).year) : e->valid_to->ToString();
      }
      from.insert(what + ")");
    }
  }
  if (!from.empty()) {
    std::cout << "  took over from: ";
    bool first = true;
    for (const std::string& f : from) {
      std::cout << (first ? "" : ", ") << f;
      first = false;
    }
    std::cout << "\n";
  }
  if (on && table != codes::table::kStatDivision) {
    const codes::CodeCheck check = book.Check(table, code, *on);
    std::cout << "  on " << on->ToString() << ": ";
    if (check == codes::CodeCheck::kValid) {
      std::cout << "valid (" << book.Find(table, code, *on)->label << ")\n";
    } else {
      std::cout << "not valid [" << codes::CodeCheckName(check)
                << "]: " << book.WhyNotValid(table, code, *on) << "\n";
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
      std::cerr << "xfctl codes: --on wants YYYY-MM-DD, not '" << *text << "'\n";
      return 2;
    }
  }
  std::vector<std::string> tables;
  if (auto t = args.Get("table")) {
    if (book.Table(*t) == nullptr) {
      std::cerr << "xfctl codes: no table '" << *t << "' (xfctl codes tables)\n";
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
    std::cerr << "xfctl codes: " << code << " is not a code of ";
    for (std::size_t i = 0; i < tables.size(); ++i) std::cerr << (i ? " or " : "") << tables[i];
    std::cerr << "\n";
    return 1;
  }
  if (tables.size() > 1 && book.Periods(codes::table::kDivision, code).empty()) {
    std::cout << "  " << code
              << " is not a GB/T 2260 division (the ministry's list does not hold it): "
              << "a case cannot name it as a place; it is a node id only by its form\n";
  }
  return 0;
}

int Tables(const codes::CodeBook& book, const std::filesystem::path& dir) {
  std::cout << "code tables " << book.Version() << " in " << dir.string() << "\n";
  for (const codes::TableInfo* t : book.Tables()) {
    std::cout << "\n"
              << t->id << "  " << t->title << "\n"
              << "  " << t->standard << ", version " << t->version
              << (t->official ? ", official" : ", xfnode's own") << "\n"
              << "  " << Thousands(book.Size(t->id)) << " rows";
    if (book.CodeCount(t->id) != book.Size(t->id))
      std::cout << " (periods) of " << Thousands(book.CodeCount(t->id)) << " codes";
    if (t->through != 0) std::cout << ", lists through " << t->through;
    std::cout << "; " << t->file.filename().string() << "\n";
    for (const codes::ListInfo& l : t->lists) {
      std::cout << "  + the " << l.year << " list: " << l.file.filename().string() << ", "
                << Thousands(l.rows) << " codes" << (l.title.empty() ? "" : " (" + l.title + ")")
                << "\n";
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
    std::cerr << "xfctl: " << dir.error().message << "\n";
    return 2;
  }
  auto book = codes::CodeBook::Load(*dir);
  if (!book) {
    std::cerr << "xfctl: code tables: " << book.error().message << "\n";
    return 1;
  }
  return sub == "show" ? Show(args, **book) : Tables(**book, *dir);
}

}  // namespace xf::tools

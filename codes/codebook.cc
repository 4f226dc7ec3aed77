#include "codes/codebook.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <tuple>
#include <utility>

#include "codes/calendar.h"
#include "codes/csv.h"
#include "xf/source_dir.h"

namespace xf::codes {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxTableFiles = 1000;
constexpr std::size_t kMaxVersionBytes = 64;
// A parent chain longer than this is a cycle or a mistake: no code table
// has more than a handful of levels.
constexpr int kMaxDepth = 32;

Result<std::string> ReadFile(const fs::path& path, std::size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError(Errc::kIo, path.string() + ": cannot open");
  std::string data;
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof buf);
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > limit) {
      return MakeError(Errc::kLimit,
                       path.string() + ": larger than " + std::to_string(limit) + " bytes");
    }
  }
  if (in.bad()) return MakeError(Errc::kIo, path.string() + ": read error");
  return data;
}

// VERSION: one line naming the set, as batches carry it.
Result<std::string> ReadVersion(const fs::path& dir) {
  const fs::path path = dir / "VERSION";
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return MakeError(Errc::kNotFound,
                     path.string() + ": missing (one line naming the set of tables)");
  }
  Result<std::string> text = ReadFile(path, 4096);
  if (!text) return text.error();
  std::string_view v = text.value();
  if (!v.empty() && v.back() == '\n') v.remove_suffix(1);
  if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
  if (v.empty() || v.size() > kMaxVersionBytes) {
    return MakeError(Errc::kCorruption, path.string() + ":1: the version must be 1 to " +
                                            std::to_string(kMaxVersionBytes) +
                                            " bytes on one line");
  }
  for (char c : v) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    c == '.' || c == '_' || c == '-' || c == '+';
    if (!ok) {
      return MakeError(Errc::kCorruption,
                       path.string() + ":1: the version may hold only [0-9A-Za-z._+-] on one line");
    }
  }
  return std::string(v);
}

}  // namespace

// Builds a CodeBook from a directory; the friend of CodeBook that fills it.
class CodeBookLoader {
 public:
  static Result<std::shared_ptr<const CodeBook>> Load(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      return MakeError(Errc::kNotFound, dir.string() + ": not a directory of code tables");
    }
    auto book = std::make_shared<CodeBook>();
    Result<std::string> version = ReadVersion(dir);
    if (!version) return version.error();
    book->m_version = std::move(version.value());

    Result<std::vector<fs::path>> files = ListTables(dir);
    if (!files) return files.error();

    // The file line of every period, for the cross-table checks below:
    // lines[table][code][i] belongs to the code's i-th period (0 when a
    // yearly list made it).
    Lines lines;
    std::vector<ParsedTable> lists;

    for (const fs::path& file : files.value()) {
      Result<std::string> text = ReadFile(file, kMaxTableFileBytes);
      if (!text) return text.error();
      Result<ParsedTable> parsed = ParseTableCsv(text.value(), file.string());
      if (!parsed) return parsed.error();
      ParsedTable& p = parsed.value();
      p.info.file = file;
      if (!p.list_of.empty()) {
        lists.push_back(std::move(p));
        continue;
      }
      if (auto it = book->m_tables.find(p.info.id); it != book->m_tables.end()) {
        return MakeError(Errc::kAlreadyExists, file.string() + ": table '" + p.info.id +
                                                   "' is also defined by " +
                                                   it->second.info.file.string());
      }
      const std::string id = p.info.id;
      CodeBook::Tab& tab = book->m_tables[id];
      tab.info = std::move(p.info);
      auto& tab_lines = lines[id];
      for (std::size_t i = 0; i < p.entries.size(); ++i) {
        // The parser checked that a code's periods come in order of start.
        tab_lines[p.entries[i].code].push_back(p.lines[i]);
        tab.entries[p.entries[i].code].push_back(std::move(p.entries[i]));
      }
      tab.rows = p.entries.size();
    }

    // Yearly lists, oldest first, each into the table it names.
    std::sort(lists.begin(), lists.end(), [](const ParsedTable& a, const ParsedTable& b) {
      return std::tie(a.list_of, a.list_year) < std::tie(b.list_of, b.list_year);
    });
    for (const ParsedTable& list : lists) {
      Status s = MergeList(*book, list, lines[list.list_of]);
      if (!s) return s.error();
    }

    for (const auto& [id, tab] : book->m_tables) {
      Status s = CheckParents(*book, tab, lines[id]);
      if (!s) return s.error();
    }
    // The holiday calendar's rows have a grammar of their own (calendar.h).
    if (auto it = book->m_tables.find(table::kHoliday); it != book->m_tables.end()) {
      const CodeLines& holiday_lines = lines[it->first];
      for (const auto& [code, periods] : it->second.entries) {
        const auto& at = holiday_lines.find(code)->second;
        for (std::size_t i = 0; i < periods.size(); ++i) {
          if (std::string why = CheckHolidayRow(periods[i], *book); !why.empty()) {
            return MakeError(Errc::kCorruption, it->second.info.file.string() + ":" +
                                                    std::to_string(at[i]) + ": " + why);
          }
        }
      }
    }
    return std::shared_ptr<const CodeBook>(std::move(book));
  }

 private:
  using CodeLines = std::map<std::string, std::vector<std::uint32_t>, std::less<>>;
  using Lines = std::map<std::string, CodeLines, std::less<>>;

  static Result<std::vector<fs::path>> ListTables(const fs::path& dir) {
    std::vector<fs::path> files;
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) return MakeError(Errc::kIo, dir.string() + ": " + ec.message());
    for (; it != fs::directory_iterator(); it.increment(ec)) {
      if (ec) return MakeError(Errc::kIo, dir.string() + ": " + ec.message());
      const fs::path& path = it->path();
      const std::string name = path.filename().string();
      // Hidden files are editor and OS litter, not tables.
      if (name.empty() || name[0] == '.' || path.extension() != ".csv") continue;
      std::error_code type_ec;
      if (!it->is_regular_file(type_ec)) continue;
      files.push_back(path);
      if (files.size() > kMaxTableFiles) {
        return MakeError(Errc::kLimit, dir.string() + ": more than " +
                                           std::to_string(kMaxTableFiles) + " table files");
      }
    }
    if (ec) return MakeError(Errc::kIo, dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());  // deterministic: the same error every time
    return files;
  }

  // GB/T 2260's parent of a code a yearly list brings: the prefecture xxyy00
  // when the table or the list holds it, else the province xx0000.
  static std::string ListParent(const CodeBook::Tab& tab, const ParsedTable& list,
                                std::string_view code) {
    if (DivisionLevel(code) == "省级") return {};
    const std::string province = std::string(code.substr(0, 2)) + "0000";
    if (DivisionLevel(code) == "地级") return province;
    const std::string prefecture = std::string(code.substr(0, 4)) + "00";
    const bool known = tab.entries.count(prefecture) > 0 ||
                       std::any_of(list.entries.begin(), list.entries.end(),
                                   [&](const CodeEntry& e) { return e.code == prefecture; });
    return known && prefecture != province ? prefecture : province;
  }

  // Merges the ministry's list as of 31 December of `year` into a table of
  // GB/T 2260 shape (codes/README.md, "A new yearly list"): a code in force
  // that the list lacks ends that year; a code the list holds that is not in
  // force starts that year; a code in force under another label is renamed
  // (its period ends that year, changed into itself, and a new one starts).
  static Status MergeList(CodeBook& book, const ParsedTable& list, CodeLines& lines) {
    const std::string file = list.info.file.string();
    auto t = book.m_tables.find(list.list_of);
    if (t == book.m_tables.end()) {
      return MakeError(Errc::kCorruption,
                       file + ": list of table '" + list.list_of + "', which is not loaded");
    }
    CodeBook::Tab& tab = t->second;
    if (!tab.info.periods || !tab.info.year_precision || tab.info.through == 0) {
      return MakeError(Errc::kCorruption, file + ": table '" + list.list_of +
                                              "' takes no yearly list (it needs '# periods: yes', "
                                              "'# precision: year' and '# through: YYYY')");
    }
    if (list.list_year <= tab.info.through) {
      return MakeError(Errc::kCorruption,
                       file + ": the " + std::to_string(list.list_year) + " list is not after " +
                           std::to_string(tab.info.through) + ", the last year table '" +
                           list.list_of + "' holds (" + tab.info.file.string() +
                           (tab.info.lists.empty() ? std::string()
                                                   : ", " + tab.info.lists.back().file.string()) +
                           ")");
    }
    if (list.list_year != tab.info.through + 1) {
      return MakeError(Errc::kCorruption, file + ": the " + std::to_string(list.list_year) +
                                              " list leaves a gap after " +
                                              std::to_string(tab.info.through) +
                                              "; add the lists of the years between");
    }
    const Date start{list.list_year, 1, 1};
    const Date end{list.list_year + 1, 1, 1};  // through 31 December of the list's year
    std::map<std::string_view, const CodeEntry*, std::less<>> listed;
    for (std::size_t i = 0; i < list.entries.size(); ++i) {
      const CodeEntry& e = list.entries[i];
      if (DivisionLevel(e.code).empty()) {
        return MakeError(Errc::kCorruption, file + ":" + std::to_string(list.lines[i]) + ": code " +
                                                e.code + " is not a 6-digit division code");
      }
      listed.emplace(e.code, &e);
    }
    // A list is the whole list: one that lacks a province in force is a
    // fragment or the wrong file, not the year's changes.
    for (const auto& [code, periods] : tab.entries) {
      if (DivisionLevel(code) == "省级" && !periods.back().valid_to && !listed.count(code)) {
        return MakeError(Errc::kCorruption,
                         file + ": the list lacks province " + code + " " + periods.back().label +
                             "; a yearly list must be the ministry's complete list");
      }
    }
    const std::string note = "民政部 " + std::to_string(list.list_year) + " 年名单";
    for (auto& [code, periods] : tab.entries) {
      CodeEntry& last = periods.back();
      if (last.valid_to || listed.count(code)) continue;
      last.valid_to = end;
      last.end = EndKind::kAbolished;
      if (last.note.empty()) last.note = "不在" + note + "中";
    }
    for (const auto& [code, e] : listed) {
      auto it = tab.entries.find(code);
      if (it != tab.entries.end() && !it->second.back().valid_to) {
        CodeEntry& last = it->second.back();
        if (last.label == e->label) continue;
        last.valid_to = end;
        last.end = EndKind::kChanged;
        last.successors.push_back(Successor{std::string(code), std::nullopt});
      }
      CodeEntry next;
      next.code = std::string(code);
      next.label = e->label;
      next.parent = ListParent(tab, list, code);
      next.valid_from = start;
      next.note = note;
      tab.entries[next.code].push_back(std::move(next));
      lines[std::string(code)].push_back(0);
      ++tab.rows;
    }
    tab.info.through = list.list_year;
    tab.info.version += " + " + std::to_string(list.list_year) + " list";
    tab.info.lists.push_back(ListInfo{list.list_year, list.info.file, list.info.title,
                                      list.info.source, list.entries.size()});
    return {};
  }

  static Status CheckParents(const CodeBook& book, const CodeBook::Tab& tab,
                             const CodeLines& lines) {
    const std::string file = tab.info.file.string();
    const CodeBook::Tab* parents = &tab;
    if (!tab.info.parent_table.empty()) {
      auto it = book.m_tables.find(tab.info.parent_table);
      if (it == book.m_tables.end()) {
        return MakeError(Errc::kCorruption,
                         file + ": parent_table '" + tab.info.parent_table + "' is not loaded");
      }
      parents = &it->second;
    }
    auto where = [&](const std::string& code, std::size_t i) {
      const auto l = lines.find(code);
      const std::uint32_t line = l != lines.end() && i < l->second.size() ? l->second[i] : 0;
      if (line != 0) return file + ":" + std::to_string(line);
      // Made by a yearly list.
      return file + " (" + code + " from a yearly list)";
    };
    for (const auto& [code, periods] : tab.entries) {
      for (std::size_t i = 0; i < periods.size(); ++i) {
        const CodeEntry& e = periods[i];
        if (!e.parent.empty() && parents->entries.find(e.parent) == parents->entries.end()) {
          return MakeError(Errc::kCorruption, where(code, i) + ": parent " + e.parent + " of " +
                                                  e.code + " is not in table " + parents->info.id);
        }
      }
    }
    if (parents != &tab) return {};  // the other table checks its own chains
    // Parent chains follow each code's last period; a cycle needs the codes
    // to point at each other whatever the period, so this finds every one.
    for (const auto& [code, periods] : tab.entries) {
      for (std::size_t i = 0; i < periods.size(); ++i) {
        const CodeEntry* up = &periods[i];
        for (int depth = 0; !up->parent.empty(); ++depth) {
          if (depth >= kMaxDepth) {
            return MakeError(Errc::kCorruption, where(code, i) + ": the parents of " + code +
                                                    " form a cycle (or more than " +
                                                    std::to_string(kMaxDepth) + " levels)");
          }
          up = &tab.entries.find(up->parent)->second.back();  // exists: checked above
        }
      }
    }
    return {};
  }
};

const char* CodeCheckName(CodeCheck c) {
  switch (c) {
    case CodeCheck::kValid:
      return "valid";
    case CodeCheck::kUnknownTable:
      return "unknown_table";
    case CodeCheck::kUnknownCode:
      return "unknown_code";
    case CodeCheck::kNotYetValid:
      return "not_yet_valid";
    case CodeCheck::kRetired:
      return "retired";
  }
  return "unknown";
}

const char* EndKindName(EndKind k) {
  switch (k) {
    case EndKind::kNone:
      return "";
    case EndKind::kAbolished:
      return "abolished";
    case EndKind::kChanged:
      return "changed";
  }
  return "";
}

std::string_view DivisionLevel(std::string_view code) {
  if (code.size() != 6 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return {};
  }
  if (code.substr(2) == "0000") return "省级";
  if (code.substr(4) == "00") return "地级";
  return "县级";
}

Result<std::shared_ptr<const CodeBook>> CodeBook::Load(const fs::path& dir) {
  return CodeBookLoader::Load(dir);
}

const CodeBook::Tab* CodeBook::FindTab(std::string_view table) const {
  auto t = m_tables.find(table);
  return t == m_tables.end() ? nullptr : &t->second;
}

namespace {

bool Covers(const CodeEntry& e, Date on) {
  return e.valid_from <= on && (!e.valid_to || on < *e.valid_to);
}

}  // namespace

CodeCheck CodeBook::Check(std::string_view table, std::string_view code, Date on) const {
  const Tab* t = FindTab(table);
  if (t == nullptr) return CodeCheck::kUnknownTable;
  auto e = t->entries.find(code);
  if (e == t->entries.end()) return CodeCheck::kUnknownCode;
  for (const CodeEntry& p : e->second) {
    if (Covers(p, on)) return CodeCheck::kValid;
  }
  return on < e->second.front().valid_from ? CodeCheck::kNotYetValid : CodeCheck::kRetired;
}

const CodeEntry* CodeBook::Find(std::string_view table, std::string_view code) const {
  const Tab* t = FindTab(table);
  if (t == nullptr) return nullptr;
  auto e = t->entries.find(code);
  return e == t->entries.end() ? nullptr : &e->second.back();
}

const CodeEntry* CodeBook::Find(std::string_view table, std::string_view code, Date on) const {
  const auto periods = Periods(table, code);
  for (auto it = periods.rbegin(); it != periods.rend(); ++it) {
    if (Covers(*it, on)) return &*it;
  }
  return nullptr;
}

std::span<const CodeEntry> CodeBook::Periods(std::string_view table, std::string_view code) const {
  const Tab* t = FindTab(table);
  if (t == nullptr) return {};
  auto e = t->entries.find(code);
  if (e == t->entries.end()) return {};
  return e->second;
}

std::string_view CodeBook::Label(std::string_view table, std::string_view code) const {
  const CodeEntry* e = Find(table, code);
  return e ? std::string_view(e->label) : std::string_view();
}

const TableInfo* CodeBook::Table(std::string_view table) const {
  const Tab* t = FindTab(table);
  return t == nullptr ? nullptr : &t->info;
}

std::vector<const TableInfo*> CodeBook::Tables() const {
  std::vector<const TableInfo*> out;
  out.reserve(m_tables.size());
  for (const auto& [id, tab] : m_tables) out.push_back(&tab.info);
  return out;
}

std::size_t CodeBook::Size(std::string_view table) const {
  const Tab* t = FindTab(table);
  return t == nullptr ? 0 : t->rows;
}

std::size_t CodeBook::CodeCount(std::string_view table) const {
  const Tab* t = FindTab(table);
  return t == nullptr ? 0 : t->entries.size();
}

std::vector<const CodeEntry*> CodeBook::Entries(std::string_view table) const {
  std::vector<const CodeEntry*> out;
  const Tab* t = FindTab(table);
  if (t == nullptr) return out;
  out.reserve(t->rows);
  for (const auto& [code, periods] : t->entries) {
    for (const CodeEntry& e : periods) out.push_back(&e);
  }
  return out;
}

namespace {

// "A", "A and B", "A, B and C".
std::string JoinAnd(const std::vector<std::string>& items, bool zh = false) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += zh ? "、" : i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// The year a period ended in, for a year-precision table: valid_to is
// 1 January of the year after.
int EndYear(const CodeEntry& e) {
  return e.valid_to->month == 1 && e.valid_to->day == 1 ? e.valid_to->year - 1 : e.valid_to->year;
}

}  // namespace

std::string CodeBook::WhyNotValid(std::string_view table, std::string_view code, Date on, bool zh) const {
  const Tab* t = FindTab(table);
  const auto periods = Periods(table, code);
  if (t == nullptr || periods.empty() || Check(table, code, on) == CodeCheck::kValid) return {};
  const bool years = t->info.year_precision;

  // "<code> <label>", with the label of the code's period nearest `when`.
  auto named = [&](std::string_view c, Date when) {
    const CodeEntry* e = Find(table, c, when);
    if (e == nullptr) {
      const auto ps = Periods(table, c);
      for (const CodeEntry& p : ps) {
        if (p.valid_from <= when) e = &p;
      }
      if (e == nullptr && !ps.empty()) e = &ps.front();
    }
    return e == nullptr ? std::string(c) : std::string(c) + " " + e->label;
  };

  if (on < periods.front().valid_from) {
    const CodeEntry& first = periods.front();
    const std::string from = years ? std::to_string(first.valid_from.year) : first.valid_from.ToString();
    if (zh) return std::string(code) + " " + first.label + " 自 " + from + (years ? " 年" : " ") + "起才启用";
    return std::string(code) + " " + first.label + " is in use only from " + from;
  }
  // The period that ended last before the date.
  const CodeEntry* ended = nullptr;
  for (const CodeEntry& p : periods) {
    if (p.valid_to && *p.valid_to <= on) ended = &p;
  }
  if (ended == nullptr) return {};  // not reached: the code is not valid and not before its start
  const std::string when = zh ? (years ? "于 " + std::to_string(EndYear(*ended)) + " 年" : "于 " + ended->valid_to->ToString() + " ")
                              : (years ? "in " + std::to_string(EndYear(*ended)) : "on " + ended->valid_to->ToString());

  // The successors at the end of the period, and those followed to the codes
  // in force on the date (a successor may itself have been replaced since).
  std::vector<std::string> direct, now;
  std::vector<std::string> seen{std::string(code)};
  std::vector<std::pair<std::string, int>> todo;  // code, depth
  for (const Successor& s : ended->successors) {
    if (s.year) continue;  // a part that moved earlier, not the end
    direct.push_back(named(s.code, ended->valid_to.value()));
    todo.emplace_back(s.code, 0);
  }
  constexpr int kMaxChain = 8;
  while (!todo.empty()) {
    auto [c, depth] = todo.front();
    todo.erase(todo.begin());
    if (std::find(seen.begin(), seen.end(), c) != seen.end()) continue;
    seen.push_back(c);
    if (IsValid(table, c, on)) {
      now.push_back(std::string(c) + " " + Find(table, c, on)->label);
      continue;
    }
    if (depth >= kMaxChain) continue;
    const auto ps = Periods(table, c);
    for (auto it = ps.rbegin(); it != ps.rend(); ++it) {
      if (it->valid_to && *it->valid_to <= on) {
        for (const Successor& s : it->successors) {
          if (!s.year) todo.emplace_back(s.code, depth + 1);
        }
        break;
      }
    }
  }

  std::string out = std::string(code) + " " + ended->label;
  if (zh) {
    if (ended->end == EndKind::kChanged && !direct.empty()) {
      out += " 已" + when + "由 " + JoinAnd(direct, true) + " 取代";
      if (!now.empty() && now != direct) out += "；其区域现属 " + JoinAnd(now, true);
    } else if (ended->end == EndKind::kAbolished || ended->end == EndKind::kChanged) {
      out += " 已" + when + "撤销";
      if (!now.empty()) {
        out += "；其区域现属 " + JoinAnd(now, true);
      } else if (!direct.empty()) {
        out += "；其区域划入 " + JoinAnd(direct, true);
      }
    } else {
      out += " 已" + when + "停用";
      if (!ended->note.empty()) out += "（" + ended->note + "）";
      if (!now.empty()) out += "；其区域现属 " + JoinAnd(now, true);
    }
    return out;
  }
  if (ended->end == EndKind::kChanged && !direct.empty()) {
    out += " was replaced by " + JoinAnd(direct) + " " + when;
    if (!now.empty() && now != direct) out += "; its area is now " + JoinAnd(now);
  } else if (ended->end == EndKind::kAbolished || ended->end == EndKind::kChanged) {
    out += " was abolished " + when;
    if (!now.empty()) {
      out += "; its area is now " + JoinAnd(now);
    } else if (!direct.empty()) {
      out += "; its area went to " + JoinAnd(direct);
    }
  } else {
    // A table that does not say how its codes end.
    out += " was retired " + when;
    if (!ended->note.empty()) out += " (" + ended->note + ")";
    if (!now.empty()) out += "; its area is now " + JoinAnd(now);
  }
  return out;
}

CodeCheck CodeBook::CheckPlace(std::string_view code, Date on) const {
  if (code.size() != 6 && code.size() != 9 && code.size() != 12) return CodeCheck::kUnknownCode;
  for (char c : code) {
    if (c < '0' || c > '9') return CodeCheck::kUnknownCode;
  }
  const std::string_view county = code.substr(0, 6);
  const CodeCheck division = Check(table::kDivision, county, on);
  if (division != CodeCheck::kValid || code.size() == 6) return division;

  const std::string_view township = code.substr(6, 3);
  const std::string_view village = code.size() == 12 ? code.substr(9, 3) : std::string_view();
  if (township == "000") {
    // The statistical form of the county itself; a village needs a township.
    return village.empty() || village == "000" ? CodeCheck::kValid : CodeCheck::kUnknownCode;
  }
  // Townships are checked only where the statistical table knows the
  // county's townships (it lacks some, e.g. counties made after its vintage).
  if (!HasTownships(county)) return CodeCheck::kValid;
  return Check(table::kStatDivision, code.substr(0, 9), on);
}

bool CodeBook::HasTownships(std::string_view county) const {
  const Tab* t = FindTab(table::kStatDivision);
  if (t == nullptr || county.size() != 6) return false;
  auto first = t->entries.upper_bound(county);  // past the county's own 6-digit row
  return first != t->entries.end() && first->first.size() == 9 &&
         std::string_view(first->first).substr(0, 6) == county;
}

fs::path DefaultDataDir() {
  if (const char* env = std::getenv("XF_CODES_DIR"); env != nullptr && *env != '\0') {
    return fs::path(env);
  }
  std::error_code ec;
#ifdef XF_SHARE_DIR
  if (fs::path installed = fs::path(XF_SHARE_DIR) / "codes"; fs::is_directory(installed, ec)) {
    return installed;
  }
#endif
  if (fs::path installed = "/usr/share/xfnode/codes"; fs::is_directory(installed, ec)) {
    return installed;
  }
  return fs::path(XF_SOURCE_DIR) / "codes" / "data";
}

}  // namespace xf::codes

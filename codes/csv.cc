#include "codes/csv.h"

#include <array>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace xf::codes {

namespace {

constexpr std::array<std::string_view, 6> kColumns = {"code",       "label",    "parent",
                                                      "valid_from", "valid_to", "note"};
// Optional columns after the six (codes/README.md, "Extension columns").
constexpr std::array<std::string_view, 2> kExtensionColumns = {"end", "successors"};
constexpr std::size_t kMaxColumns = kColumns.size() + kExtensionColumns.size();
constexpr Date kEpochOfCodes{1949, 10, 1};

// Builds "<file>:<line>: <reason>" errors.
class ErrorSink {
 public:
  explicit ErrorSink(std::string_view file) : m_file(file) {}
  Error At(std::uint32_t line, Errc code, std::string_view reason) const {
    std::string msg(m_file);
    if (line > 0) {
      msg += ':';
      msg += std::to_string(line);
    }
    msg += ": ";
    msg += reason;
    return MakeError(code, std::move(msg));
  }
  Error Bad(std::uint32_t line, std::string_view reason) const {
    return At(line, Errc::kCorruption, reason);
  }

 private:
  std::string_view m_file;
};

// Quotes a piece of input for an error message, cut short so that a huge or
// hostile field cannot blow up the message.
std::string Quote(std::string_view s) {
  constexpr std::size_t kMax = 64;
  std::string out = "'";
  if (s.size() <= kMax) {
    out += s;
  } else {
    std::size_t cut = kMax;
    // Do not cut a UTF-8 sequence in half.
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    out += s.substr(0, cut);
    out += "...";
  }
  out += "'";
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The first control character (C0 or DEL) in s, if any. Tabs count: a table
// has no use for them and they hide in editors.
std::optional<std::size_t> FindControl(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return i;
  }
  return std::nullopt;
}

// Splits one line into RFC 4180 fields. The line holds no line break.
Result<std::vector<std::string>> SplitFields(std::string_view line, std::uint32_t line_no,
                                             const ErrorSink& err) {
  std::vector<std::string> fields;
  std::size_t pos = 0;
  const std::size_t n = line.size();
  while (true) {
    std::string field;
    if (pos < n && line[pos] == '"') {
      ++pos;
      while (true) {
        if (pos >= n) return err.Bad(line_no, "unterminated quoted field");
        const char c = line[pos];
        if (c == '"') {
          if (pos + 1 < n && line[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        field += c;
        ++pos;
      }
      if (pos < n && line[pos] != ',') {
        return err.Bad(line_no,
                       "text after a closing quote (write a quote inside a quoted field as \"\")");
      }
    } else {
      const std::size_t start = pos;
      while (pos < n && line[pos] != ',') {
        if (line[pos] == '"') {
          return err.Bad(line_no, "quote inside an unquoted field (quote the whole field)");
        }
        ++pos;
      }
      field.assign(line.substr(start, pos - start));
    }
    fields.push_back(std::move(field));
    if (fields.size() > kMaxColumns) break;  // reported by the caller
    if (pos >= n) break;
    ++pos;  // the comma; a trailing comma yields one more empty field
  }
  return fields;
}

struct HeaderField {
  std::string_view key;
  std::string* target;
  std::uint32_t line = 0;  // where it was seen; 0 = not yet
};

// "yes"/"no" of a header; nullopt for anything else.
std::optional<bool> YesNo(std::string_view v) {
  if (v == "yes") return true;
  if (v == "no") return false;
  return std::nullopt;
}

// A four-digit year 1949..9999; nullopt otherwise.
std::optional<int> ParseYear(std::string_view v) {
  if (v.size() != 4) return std::nullopt;
  int y = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    y = y * 10 + (c - '0');
  }
  if (y < 1949) return std::nullopt;
  return y;
}

// "CODE" or "CODE[YEAR]", ';'-separated.
Result<std::vector<Successor>> ParseSuccessors(std::string_view text, std::uint32_t line_no,
                                               const ErrorSink& err) {
  std::vector<Successor> out;
  if (text.empty()) return out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t semi = text.find(';', pos);
    const std::string_view item =
        text.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos);
    Successor s;
    std::string_view code = item;
    if (!item.empty() && item.back() == ']') {
      const std::size_t open = item.find('[');
      const auto year = open == std::string_view::npos
                            ? std::nullopt
                            : ParseYear(item.substr(open + 1, item.size() - open - 2));
      if (!year) {
        return err.Bad(line_no, "successor " + Quote(item) + " must be CODE or CODE[YYYY]");
      }
      s.year = *year;
      code = item.substr(0, open);
    }
    if (!IsValidCode(code)) {
      return err.Bad(line_no, "successor " + Quote(item) + " must be CODE or CODE[YYYY]");
    }
    s.code = std::string(code);
    out.push_back(std::move(s));
    if (out.size() > kMaxSuccessors) {
      return err.At(line_no, Errc::kLimit,
                    "more than " + std::to_string(kMaxSuccessors) + " successors");
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return out;
}

}  // namespace

bool IsValidTableId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] < 'a' || id[0] > 'z') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool IsValidCode(std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeBytes) return false;
  for (char c : code) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
          c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    std::uint32_t min;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

Result<ParsedTable> ParseTableCsv(std::string_view text, std::string_view file_name) {
  const ErrorSink err(file_name);
  if (text.size() > kMaxTableFileBytes) {
    return err.At(0, Errc::kLimit,
                  "file is larger than " + std::to_string(kMaxTableFileBytes) + " bytes");
  }
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  ParsedTable out;
  std::string official, periods, precision, through, list_year;
  enum : std::size_t {
    kTable,
    kTitle,
    kStandard,
    kVersion,
    kOfficial,
    kSource,
    kParentTable,
    kPeriods,
    kPrecision,
    kThrough,
    kList,
    kYear,
    kHeaderCount
  };
  std::array<HeaderField, kHeaderCount> header = {{
      {"table", &out.info.id},
      {"title", &out.info.title},
      {"standard", &out.info.standard},
      {"version", &out.info.version},
      {"official", &official},
      {"source", &out.info.source},
      {"parent_table", &out.info.parent_table},
      {"periods", &periods},
      {"precision", &precision},
      {"through", &through},
      {"list", &out.list_of},
      {"year", &list_year},
  }};
  bool in_rows = false;
  bool is_list = false;
  // The position of each extension column in a row; npos when absent.
  std::size_t end_col = std::string_view::npos, successors_col = std::string_view::npos;
  std::size_t columns = kColumns.size();
  std::unordered_map<std::string, std::size_t> seen;  // code -> index of its last entry

  std::uint32_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line.size() > kMaxLineBytes) {
      return err.At(line_no, Errc::kLimit,
                    "line is longer than " + std::to_string(kMaxLineBytes) + " bytes");
    }
    if (auto c = FindControl(line)) {
      return err.Bad(line_no, "control character at byte " + std::to_string(*c + 1));
    }
    if (!IsValidUtf8(line)) return err.Bad(line_no, "invalid UTF-8");
    if (line.empty()) return err.Bad(line_no, "empty line");

    if (!in_rows && line[0] == '#') {
      // "# key: value" sets a field; any other '#' line is a comment.
      std::string_view rest = line.substr(1);
      while (!rest.empty() && IsSpace(rest.front())) rest.remove_prefix(1);
      std::size_t k = 0;
      while (k < rest.size() && ((rest[k] >= 'a' && rest[k] <= 'z') || rest[k] == '_' ||
                                 (k > 0 && rest[k] >= '0' && rest[k] <= '9'))) {
        ++k;
      }
      if (k == 0 || k >= rest.size() || rest[k] != ':') continue;  // a comment
      const std::string_view key = rest.substr(0, k);
      const std::string_view value = Trim(rest.substr(k + 1));
      for (HeaderField& f : header) {
        if (f.key != key) continue;
        if (f.line != 0) {
          return err.Bad(
              line_no, "header '" + std::string(key) + "' repeats line " + std::to_string(f.line));
        }
        if (value.empty()) return err.Bad(line_no, "header '" + std::string(key) + "' is empty");
        if (value.size() > kMaxHeaderValueBytes) {
          return err.At(line_no, Errc::kLimit, "header '" + std::string(key) + "' is too long");
        }
        f.line = line_no;
        f.target->assign(value);
      }
      continue;  // unknown keys are ignored, so later formats can add some
    }

    Result<std::vector<std::string>> split = SplitFields(line, line_no, err);
    if (!split) return split.error();
    std::vector<std::string>& fields = split.value();

    if (!in_rows) {
      is_list = header[kList].line != 0;
      if (is_list) {
        if (fields.size() != 2 || fields[0] != "code" || fields[1] != "label") {
          return err.Bad(line_no, "expected the column header code,label of a yearly list");
        }
        for (std::size_t h : {kList, kYear}) {
          if (header[h].line == 0) {
            return err.Bad(line_no, "header '# " + std::string(header[h].key) +
                                        ": ...' of a yearly list is missing");
          }
        }
        for (std::size_t h : {kTable, kStandard, kVersion, kOfficial, kParentTable, kPeriods,
                              kPrecision, kThrough}) {
          if (header[h].line != 0) {
            return err.Bad(header[h].line, "header '" + std::string(header[h].key) +
                                               "' belongs to a table, not to a yearly list");
          }
        }
        if (!IsValidTableId(out.list_of)) {
          return err.Bad(header[kList].line,
                         "list " + Quote(out.list_of) + " does not name a table id");
        }
        const auto year = ParseYear(list_year);
        if (!year) {
          return err.Bad(header[kYear].line,
                         "year " + Quote(list_year) + " is not a year YYYY from 1949");
        }
        out.list_year = *year;
        columns = 2;
        in_rows = true;
        continue;
      }
      bool base_ok = fields.size() >= kColumns.size() && fields.size() <= kMaxColumns;
      for (std::size_t i = 0; base_ok && i < kColumns.size(); ++i)
        base_ok = fields[i] == kColumns[i];
      for (std::size_t i = kColumns.size(); base_ok && i < fields.size(); ++i) {
        std::size_t& col = fields[i] == kExtensionColumns[0]   ? end_col
                           : fields[i] == kExtensionColumns[1] ? successors_col
                                                               : columns;  // a sentinel
        if (&col == &columns || col != std::string_view::npos) {
          base_ok = false;
        } else {
          col = i;
        }
      }
      if (!base_ok) {
        return err.Bad(line_no,
                       "expected the column header code,label,parent,valid_from,valid_to,note "
                       "(optionally followed by end and successors)");
      }
      columns = fields.size();
      for (std::size_t h : {kTable, kTitle, kStandard, kVersion, kOfficial}) {
        if (header[h].line == 0) {
          return err.Bad(line_no, "header '# " + std::string(header[h].key) + ": ...' is missing");
        }
      }
      if (header[kYear].line != 0) {
        return err.Bad(header[kYear].line,
                       "header 'year' belongs to a yearly list, not to a table");
      }
      if (!IsValidTableId(out.info.id)) {
        return err.Bad(header[kTable].line, "table id " + Quote(out.info.id) +
                                                " must match [a-z][a-z0-9_]* (at most 64 bytes)");
      }
      if (const auto v = YesNo(official)) {
        out.info.official = *v;
      } else {
        return err.Bad(header[kOfficial].line,
                       "official must be 'yes' or 'no', not " + Quote(official));
      }
      if (!out.info.parent_table.empty() && !IsValidTableId(out.info.parent_table)) {
        return err.Bad(header[kParentTable].line,
                       "parent_table " + Quote(out.info.parent_table) + " is not a table id");
      }
      if (header[kPeriods].line != 0) {
        const auto v = YesNo(periods);
        if (!v) {
          return err.Bad(header[kPeriods].line,
                         "periods must be 'yes' or 'no', not " + Quote(periods));
        }
        out.info.periods = *v;
      }
      if (header[kPrecision].line != 0) {
        if (precision != "year" && precision != "day") {
          return err.Bad(header[kPrecision].line,
                         "precision must be 'year' or 'day', not " + Quote(precision));
        }
        out.info.year_precision = precision == "year";
      }
      if (header[kThrough].line != 0) {
        const auto y = ParseYear(through);
        if (!y) {
          return err.Bad(header[kThrough].line,
                         "through " + Quote(through) + " is not a year YYYY from 1949");
        }
        out.info.through = *y;
      }
      in_rows = true;
      continue;
    }

    if (fields.size() != columns) {
      return err.Bad(line_no,
                     "expected " + std::to_string(columns) + " fields, found " +
                         (fields.size() > columns ? "more" : std::to_string(fields.size())));
    }
    if (out.entries.size() >= kMaxTableRows) {
      return err.At(line_no, Errc::kLimit, "more than " + std::to_string(kMaxTableRows) + " rows");
    }
    CodeEntry e;
    e.code = std::move(fields[0]);
    e.label = std::move(fields[1]);
    if (!IsValidCode(e.code)) {
      return err.Bad(line_no, "code " + Quote(e.code) + " must be 1 to " +
                                  std::to_string(kMaxCodeBytes) + " of [0-9A-Za-z._-]");
    }
    if (e.label.empty()) return err.Bad(line_no, "code " + e.code + " has an empty label");
    if (e.label.size() > kMaxLabelBytes) {
      return err.At(line_no, Errc::kLimit, "label of " + e.code + " is too long");
    }
    if (Trim(e.label).size() != e.label.size()) {
      return err.Bad(line_no, "label of " + e.code + " has leading or trailing blanks");
    }
    if (is_list) {
      auto [it, inserted] = seen.emplace(e.code, out.entries.size());
      if (!inserted) {
        return err.Bad(line_no,
                       "code " + e.code + " repeats line " + std::to_string(out.lines[it->second]));
      }
      out.entries.push_back(std::move(e));
      out.lines.push_back(line_no);
      continue;
    }
    e.parent = std::move(fields[2]);
    e.note = std::move(fields[5]);
    if (!e.parent.empty()) {
      if (!IsValidCode(e.parent)) {
        return err.Bad(line_no, "parent " + Quote(e.parent) + " of " + e.code + " is not a code");
      }
      if (e.parent == e.code && out.info.parent_table.empty()) {
        return err.Bad(line_no, "code " + e.code + " is its own parent");
      }
    }
    if (e.note.size() > kMaxNoteBytes) {
      return err.At(line_no, Errc::kLimit, "note of " + e.code + " is too long");
    }
    e.valid_from = kEpochOfCodes;
    if (!fields[3].empty()) {
      auto d = Date::Parse(fields[3]);
      if (!d)
        return err.Bad(line_no, "valid_from " + Quote(fields[3]) + " is not a date YYYY-MM-DD");
      e.valid_from = *d;
    }
    if (!fields[4].empty()) {
      auto d = Date::Parse(fields[4]);
      if (!d) return err.Bad(line_no, "valid_to " + Quote(fields[4]) + " is not a date YYYY-MM-DD");
      if (*d <= e.valid_from) {
        return err.Bad(line_no, "valid_to " + fields[4] + " is not after valid_from " +
                                    e.valid_from.ToString());
      }
      e.valid_to = *d;
    }
    if (end_col != std::string_view::npos) {
      const std::string& v = fields[end_col];
      if (v == "abolished") {
        e.end = EndKind::kAbolished;
      } else if (v == "changed") {
        e.end = EndKind::kChanged;
      } else if (!v.empty()) {
        return err.Bad(line_no, "end " + Quote(v) + " of " + e.code +
                                    " must be empty, 'abolished' or 'changed'");
      }
      if (e.end != EndKind::kNone && !e.valid_to) {
        return err.Bad(line_no, "code " + e.code + " has an end but no valid_to");
      }
    }
    if (successors_col != std::string_view::npos) {
      auto s = ParseSuccessors(fields[successors_col], line_no, err);
      if (!s) return s.error();
      e.successors = std::move(s.value());
    }
    auto [it, inserted] = seen.emplace(e.code, out.entries.size());
    if (!inserted) {
      const std::uint32_t prev_line = out.lines[it->second];
      const CodeEntry& prev = out.entries[it->second];
      if (!out.info.periods) {
        return err.Bad(line_no, "code " + e.code + " repeats line " + std::to_string(prev_line) +
                                    " (a table of several periods per code says '# periods: yes')");
      }
      if (!prev.valid_to) {
        return err.Bad(line_no, "code " + e.code + " starts again, but its period on line " +
                                    std::to_string(prev_line) + " has no valid_to");
      }
      if (e.valid_from <= prev.valid_from) {
        return err.Bad(line_no,
                       "code " + e.code + ": this period must start after the one on line " +
                           std::to_string(prev_line) + " (" + prev.valid_from.ToString() + ")");
      }
      it->second = out.entries.size();
    }
    out.entries.push_back(std::move(e));
    out.lines.push_back(line_no);
  }

  if (!in_rows) {
    return err.Bad(line_no, "no column header line (code,label,parent,valid_from,valid_to,note)");
  }
  return out;
}

}  // namespace xf::codes

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
    if (fields.size() > kColumns.size()) break;  // reported by the caller
    if (pos >= n) break;
    ++pos;  // the comma; a trailing comma yields one more empty field
  }
  return fields;
}

struct HeaderField {
  std::string_view key;
  std::string* target;
  bool required;
  std::uint32_t line = 0;  // where it was seen; 0 = not yet
};

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
  std::string official;
  std::array<HeaderField, 7> header = {{
      {"table", &out.info.id, true},
      {"title", &out.info.title, true},
      {"standard", &out.info.standard, true},
      {"version", &out.info.version, true},
      {"official", &official, true},
      {"source", &out.info.source, false},
      {"parent_table", &out.info.parent_table, false},
  }};
  bool in_rows = false;
  std::unordered_map<std::string, std::uint32_t> seen;  // code -> line

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
    if (fields.size() != kColumns.size()) {
      return err.Bad(
          line_no, "expected " + std::to_string(kColumns.size()) + " fields, found " +
                       (fields.size() > kColumns.size() ? "more" : std::to_string(fields.size())));
    }

    if (!in_rows) {
      for (std::size_t i = 0; i < kColumns.size(); ++i) {
        if (fields[i] != kColumns[i]) {
          return err.Bad(line_no,
                         "expected the column header code,label,parent,valid_from,valid_to,note");
        }
      }
      for (const HeaderField& f : header) {
        if (f.required && f.line == 0) {
          return err.Bad(line_no, "header '# " + std::string(f.key) + ": ...' is missing");
        }
      }
      if (!IsValidTableId(out.info.id)) {
        return err.Bad(header[0].line, "table id " + Quote(out.info.id) +
                                           " must match [a-z][a-z0-9_]* (at most 64 bytes)");
      }
      if (official == "yes") {
        out.info.official = true;
      } else if (official != "no") {
        return err.Bad(header[4].line, "official must be 'yes' or 'no', not " + Quote(official));
      }
      if (!out.info.parent_table.empty() && !IsValidTableId(out.info.parent_table)) {
        return err.Bad(header[6].line,
                       "parent_table " + Quote(out.info.parent_table) + " is not a table id");
      }
      in_rows = true;
      continue;
    }

    if (out.entries.size() >= kMaxTableRows) {
      return err.At(line_no, Errc::kLimit, "more than " + std::to_string(kMaxTableRows) + " rows");
    }
    CodeEntry e;
    e.code = std::move(fields[0]);
    e.label = std::move(fields[1]);
    e.parent = std::move(fields[2]);
    e.note = std::move(fields[5]);
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
    auto [it, inserted] = seen.emplace(e.code, line_no);
    if (!inserted) {
      return err.Bad(line_no, "code " + e.code + " repeats line " + std::to_string(it->second));
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

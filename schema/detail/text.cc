#include "schema/detail/text.h"

#include <charconv>

namespace xf::schema::detail {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when the
// bytes there are not a valid, shortest-form scalar value.
std::size_t DecodeUtf8(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len;
  char32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool IsXmlChar(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

}  // namespace

void AppendXmlEscaped(std::string& out, std::string_view s, bool attr) {
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0 || !IsXmlChar(cp)) {
      out += kReplacement;
      i += len == 0 ? 1 : len;
      continue;
    }
    switch (cp) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;  // keeps "]]>" out of character data
      case '"':
        if (attr) {
          out += "&quot;";
        } else {
          out += '"';
        }
        break;
      case '\r':
        out += "&#13;";
        break;  // parsers turn a literal CR into LF
      case '\n':
        if (attr) {
          out += "&#10;";  // attribute values normalise LF and TAB to spaces
        } else {
          out += '\n';
        }
        break;
      case '\t':
        if (attr) {
          out += "&#9;";
        } else {
          out += '\t';
        }
        break;
      default:
        out.append(s.substr(i, len));
    }
    i += len;
  }
}

std::string ValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    const std::size_t len = DecodeUtf8(s, i, cp);
    if (len == 0) {
      out += kReplacement;
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

std::string_view TrimXmlSpace(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r";
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

bool IsXmlSpace(std::string_view s) { return s.find_first_not_of(" \t\n\r") == s.npos; }

std::optional<std::uint64_t> ParseUint64(std::string_view s) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int> ParseInt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Quote(std::string_view s, std::size_t max) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    std::size_t len = DecodeUtf8(s, i, cp);
    if (i + (len == 0 ? 1 : len) > max) {
      out += "…";
      break;
    }
    if (len == 0 || cp < 0x20 || cp == 0x7F) {
      out += '?';  // keep messages printable and valid UTF-8
      i += len == 0 ? 1 : len;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  out += '"';
  return out;
}

void AppendXmlElement(std::string& out, std::string_view name, std::string_view value) {
  out += '<';
  out += name;
  out += '>';
  AppendXmlEscaped(out, value, /*attr=*/false);
  out += "</";
  out += name;
  out += '>';
}

}  // namespace xf::schema::detail

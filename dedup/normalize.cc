#include "dedup/normalize.h"

#include <cmath>
#include <cstdint>
#include <cstdio>

namespace xf::dedup {

namespace {

bool IsAsciiDigit(char32_t c) { return c >= U'0' && c <= U'9'; }
bool IsAsciiAlnum(char32_t c) { return IsAsciiDigit(c) || (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
bool IsSpace(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f' || c == U'\v'; }

// Full-width ASCII as ASCII, the ideographic space as a space, ASCII letters
// in lower case.
char32_t Fold(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
  if (c == 0x3000) c = U' ';
  if (c >= U'A' && c <= U'Z') c += 32;
  return c;
}

// The value of a Chinese numeral digit (〇零一…九, 壹…玖, 两), else -1.
int CnDigit(char32_t c) {
  switch (c) {
    case U'〇': case U'零': return 0;
    case U'一': case U'壹': return 1;
    case U'二': case U'贰': case U'貳': case U'两': case U'兩': return 2;
    case U'三': case U'叁': case U'參': return 3;
    case U'四': case U'肆': return 4;
    case U'五': case U'伍': return 5;
    case U'六': case U'陆': case U'陸': return 6;
    case U'七': case U'柒': return 7;
    case U'八': case U'捌': return 8;
    case U'九': case U'玖': return 9;
    default: return -1;
  }
}

// The value of a Chinese numeral unit (十百千万亿 and their financial and
// traditional forms), else 0.
double CnUnit(char32_t c) {
  switch (c) {
    case U'十': case U'拾': return 10;
    case U'百': case U'佰': return 100;
    case U'千': case U'仟': return 1000;
    case U'万': case U'萬': return 1e4;
    case U'亿': case U'億': return 1e8;
    default: return 0;
  }
}

bool IsNumeralChar(char32_t c) { return IsAsciiDigit(c) || CnDigit(c) >= 0 || CnUnit(c) > 0; }

void AppendAscii(std::u32string& out, const std::string& s) {
  for (char ch : s) out.push_back(static_cast<char32_t>(static_cast<unsigned char>(ch)));
}

// A value as digits: an integer plainly, else with up to two decimals (the
// decimal point is dropped later with the punctuation).
std::string FormatValue(double v) {
  char buf[64];
  const double rounded = std::round(v * 100) / 100;
  if (rounded == std::floor(rounded)) {
    std::snprintf(buf, sizeof buf, "%.0f", rounded);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", rounded);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    return s;
  }
  return buf;
}

// The numeral run run[0..n) (Arabic digits, '.', ',' and Chinese numerals)
// as its value, or the run itself when it holds no Chinese numeral or cannot
// be read as one number.
void ConvertRun(std::u32string_view run, std::u32string& out) {
  bool has_cn = false, has_unit = false, has_digit = false;
  for (char32_t c : run) {
    if (CnDigit(c) >= 0) has_cn = has_digit = true;
    if (CnUnit(c) > 0) has_cn = has_unit = true;
    if (IsAsciiDigit(c)) has_digit = true;
  }
  const bool leading_ten = !run.empty() && CnUnit(run[0]) == 10;
  // A lone financial numeral is a word more often than a number (入伍, 伍姓).
  const bool lone_financial = run.size() == 1 && std::u32string_view(U"壹贰叁肆伍陆柒捌玖拾佰仟").find(run[0]) !=
                                                      std::u32string_view::npos;
  if (!has_cn || (!has_digit && !leading_ten) || lone_financial) {
    // Arabic only (or units without a digit, as in 千万): thousands
    // separators out, the rest as written.
    for (std::size_t i = 0; i < run.size(); ++i) {
      if (run[i] == U',' && i > 0 && IsAsciiDigit(run[i - 1])) {
        std::size_t k = i + 1;
        while (k < run.size() && IsAsciiDigit(run[k])) ++k;
        if (k - (i + 1) == 3) continue;
      }
      out.push_back(run[i]);
    }
    return;
  }
  if (!has_unit) {
    // Digit by digit (二〇二四, 一九九八): the digits in order.
    for (char32_t c : run) {
      if (CnDigit(c) >= 0) {
        out.push_back(static_cast<char32_t>(U'0' + CnDigit(c)));
      } else if (IsAsciiDigit(c)) {
        out.push_back(c);
      }  // separators inside such a run carry nothing
    }
    return;
  }
  // Positional: 三万五千, 一百零五, 5万, 3.5万, 1,200万, 三万五 (= 35000).
  double total = 0, wan = 0, section = 0, number = 0;
  bool have_number = false;
  double last_unit = 0;       // the unit just before a trailing bare digit
  bool digit_after_unit = false;
  for (std::size_t i = 0; i < run.size();) {
    const char32_t c = run[i];
    if (IsAsciiDigit(c)) {
      // An Arabic number, with an optional decimal part and thousands separators.
      std::string digits;
      std::size_t k = i;
      bool dot = false;
      while (k < run.size()) {
        if (IsAsciiDigit(run[k])) {
          digits.push_back(static_cast<char>(run[k]));
        } else if (run[k] == U'.' && !dot && k + 1 < run.size() && IsAsciiDigit(run[k + 1])) {
          dot = true;
          digits.push_back('.');
        } else if (run[k] == U',' && k + 1 < run.size() && IsAsciiDigit(run[k + 1])) {
          // a thousands separator
        } else {
          break;
        }
        ++k;
      }
      if (digits.size() > 15) {  // not an amount: keep the run as written
        out.append(run);
        return;
      }
      number = std::strtod(digits.c_str(), nullptr);
      have_number = true;
      digit_after_unit = false;
      i = k;
      continue;
    }
    if (const int d = CnDigit(c); d >= 0) {
      digit_after_unit = last_unit > 0 && (i > 0 && CnUnit(run[i - 1]) > 0) && d != 0;
      if (d != 0 || !have_number) number = d;
      if (d != 0) have_number = true;
      ++i;
      continue;
    }
    const double u = CnUnit(c);
    if (u == 0) {  // a separator between Chinese numerals: not one number
      out.append(run);
      return;
    }
    if (u < 1e4) {
      section += (have_number ? number : 1) * u;
    } else if (u == 1e4) {
      wan += (section + (have_number ? number : 0)) * u;
      if (section == 0 && !have_number) wan += u;
      section = 0;
    } else {
      total += (wan + section + (have_number ? number : 0)) * u;
      if (wan == 0 && section == 0 && !have_number) total += u;
      wan = section = 0;
    }
    number = 0;
    have_number = false;
    last_unit = u;
    digit_after_unit = false;
    ++i;
  }
  if (have_number && digit_after_unit && last_unit >= 100) number *= last_unit / 10;  // 三万五, 一百五
  const double value = total + wan + section + (have_number ? number : 0);
  if (value > 1e15) {
    out.append(run);
    return;
  }
  AppendAscii(out, FormatValue(value));
}

std::u32string ConvertNumbers(const std::u32string& in) {
  std::u32string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    if (!IsNumeralChar(in[i])) {
      out.push_back(in[i++]);
      continue;
    }
    std::size_t j = i;
    while (j < in.size()) {
      if (IsNumeralChar(in[j])) {
        ++j;
      } else if ((in[j] == U'.' || in[j] == U',') && j > i && IsAsciiDigit(in[j - 1]) && j + 1 < in.size() &&
                 IsAsciiDigit(in[j + 1])) {
        ++j;
      } else {
        break;
      }
    }
    ConvertRun(std::u32string_view(in).substr(i, j - i), out);
    i = j;
  }
  return out;
}

// Reads 1..max ASCII digits at s[i] not followed by a further digit.
bool ReadDigits(const std::u32string& s, std::size_t& i, std::size_t max, int& value) {
  std::size_t k = i;
  value = 0;
  while (k < s.size() && IsAsciiDigit(s[k]) && k - i < max) value = value * 10 + static_cast<int>(s[k++] - U'0');
  if (k == i || (k < s.size() && IsAsciiDigit(s[k]))) return false;
  i = k;
  return true;
}

void AppendInt(std::u32string& out, int v) { AppendAscii(out, std::to_string(v)); }

// Dates as Y年M月[D日]; a day written 号 after a month as 日.
std::u32string CanonDates(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const bool starts_number = IsAsciiDigit(s[i]) && (i == 0 || !IsAsciiDigit(s[i - 1]));
    if (starts_number) {
      std::size_t k = i;
      int y = 0, m = 0, d = 0;
      if (ReadDigits(s, k, 4, y) && k - i == 4 && y >= 1900 && y <= 2100 && k < s.size()) {
        const char32_t sep = s[k];
        if (sep == U'年' || sep == U'-' || sep == U'/' || sep == U'.') {
          std::size_t p = k + 1;
          if (p < s.size() && ReadDigits(s, p, 2, m) && m >= 1 && m <= 12) {
            bool ok = false;
            bool day = false;
            if (sep == U'年') {
              if (p < s.size() && s[p] == U'月') {
                ok = true;
                ++p;
                std::size_t q = p;
                if (q < s.size() && ReadDigits(s, q, 2, d) && d >= 1 && d <= 31 && q < s.size() &&
                    (s[q] == U'日' || s[q] == U'号')) {
                  day = true;
                  p = q + 1;
                }
              }
            } else {
              ok = true;
              std::size_t q = p;
              if (q + 1 < s.size() && s[q] == sep && ReadDigits(s, ++q, 2, d) && d >= 1 && d <= 31) {
                day = true;
                p = q;
                if (p < s.size() && (s[p] == U'日' || s[p] == U'号')) ++p;
              } else if (p < s.size() && s[p] == sep) {
                ok = false;  // 2024.3.x that is not a day: leave it
              }
            }
            if (ok) {
              AppendInt(out, y);
              out += U"年";
              AppendInt(out, m);
              out += U"月";
              if (day) {
                AppendInt(out, d);
                out += U"日";
              }
              i = p;
              continue;
            }
          }
        }
      }
      // M月D号 → M月D日
      k = i;
      if (ReadDigits(s, k, 2, m) && m >= 1 && m <= 12 && k < s.size() && s[k] == U'月') {
        std::size_t q = k + 1;
        if (q < s.size() && ReadDigits(s, q, 2, d) && d >= 1 && d <= 31 && q < s.size() &&
            (s[q] == U'日' || s[q] == U'号')) {
          AppendInt(out, m);
          out += U"月";
          AppendInt(out, d);
          out += U"日";
          i = q + 1;
          continue;
        }
      }
      // Any other number: copied whole, so that a later part of it is not read as a date.
      std::size_t e = i;
      while (e < s.size() && IsAsciiDigit(s[e])) ++e;
      out.append(s, i, e - i);
      i = e;
      continue;
    }
    out.push_back(s[i++]);
  }
  return out;
}

}  // namespace

bool IsIdeograph(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x2FFFF);
}

std::u32string ToCodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = 0;
    std::size_t n = 0;
    if (b < 0x80) {
      cp = b;
      n = 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
      cp = b & 0x1F;
      n = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      cp = b & 0x0F;
      n = 3;
    } else if (b >= 0xF0 && b <= 0xF4) {
      cp = b & 0x07;
      n = 4;
    } else {
      ++i;  // invalid lead byte: skipped
      continue;
    }
    if (i + n > s.size()) break;
    bool ok = true;
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (c & 0x3F);
    }
    const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (!ok || overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      ++i;
      continue;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string ToUtf8(std::u32string_view cps) {
  std::string out(cps.size() * 4, '\0');
  std::size_t n = 0;
  for (char32_t cp : cps) {
    if (cp < 0x80) {
      out[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      out[n++] = static_cast<char>(0xC0 | (cp >> 6));
      out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out[n++] = static_cast<char>(0xE0 | (cp >> 12));
      out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out[n++] = static_cast<char>(0xF0 | (cp >> 18));
      out[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  out.resize(n);
  return out;
}

std::string NormalizeText(std::string_view utf8) {
  std::u32string s = ToCodePoints(utf8);
  bool digits = false, numerals = false;
  for (auto& c : s) {
    c = Fold(c);
    digits = digits || IsAsciiDigit(c);
    numerals = numerals || CnDigit(c) >= 0 || CnUnit(c) > 0;
  }
  // Most of the work only where there are numbers (the text is then the same).
  if (digits) s = CanonDates(s);  // Arabic dates first: 2024.3.5 is a date, not a decimal
  if (numerals) {
    s = ConvertNumbers(s);  // then numerals and amounts
    s = CanonDates(s);      // and the dates that were written in numerals
  } else if (digits) {
    s = ConvertNumbers(s);  // thousands separators
  }
  std::u32string kept;
  kept.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == U'块' && i + 1 < s.size() && s[i + 1] == U'钱' && !kept.empty() && IsAsciiDigit(kept.back())) {
      kept.push_back(U'元');
      ++i;
      continue;
    }
    if (IsIdeograph(c) || IsAsciiAlnum(c)) {
      kept.push_back(c);
    } else if (c == U'.' && i > 0 && i + 1 < s.size() && IsAsciiDigit(s[i - 1]) && IsAsciiDigit(s[i + 1])) {
      // a decimal point: dropped, the number stays one word
    } else if (!kept.empty() && kept.back() != U' ') {
      kept.push_back(U' ');  // punctuation and spaces: one boundary between clauses
    }
  }
  if (!kept.empty() && kept.back() == U' ') kept.pop_back();
  return ToUtf8(kept);
}

std::string NormalizeName(std::string_view utf8) {
  std::u32string out;
  for (char32_t c : ToCodePoints(utf8)) {
    c = Fold(c);
    if (IsSpace(c) || c == U'·' || c == U'•' || c == U'・' || c == U'.' || c < 0x20) continue;
    out.push_back(c);
  }
  return ToUtf8(out);
}

std::vector<std::string> NormalizePhones(std::string_view utf8) {
  // Parts between strong separators; inside a part, groups between spaces
  // are separate numbers only when each is long enough to be one.
  std::vector<std::u32string> parts(1);
  for (char32_t c : ToCodePoints(utf8)) {
    c = Fold(c);
    if (c == U'/' || c == U',' || c == U';' || c == U'、' || c == U'，' || c == U'；' || c == U'或' || c == U'|') {
      parts.emplace_back();
    } else {
      parts.back().push_back(c);
    }
  }
  std::vector<std::string> out;
  auto take = [&](const std::string& digits) {
    std::string d = digits;
    if (d.rfind("0086", 0) == 0) {
      d = d.substr(4);
    } else if (d.size() >= 13 && d.rfind("86", 0) == 0) {
      d = d.substr(2);
    }
    if (d.size() < 7 || d.size() > 15 || out.size() >= 4) return;
    for (const auto& o : out) {
      if (o == d) return;
    }
    out.push_back(d);
  };
  for (const auto& part : parts) {
    // An extension (转 123, ext. 123) is not part of the number.
    std::u32string p = part;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (p[i] == U'转' || (p[i] == U'e' && i + 2 < p.size() && p[i + 1] == U'x' && p[i + 2] == U't')) {
        p.resize(i);
        break;
      }
    }
    std::vector<std::string> groups(1);
    for (char32_t c : p) {
      if (IsAsciiDigit(c)) {
        groups.back().push_back(static_cast<char>(c));
      } else if (IsSpace(c) && !groups.back().empty()) {
        groups.emplace_back();
      }
    }
    if (!groups.empty() && groups.back().empty()) groups.pop_back();
    bool each_long = groups.size() > 1;
    for (const auto& g : groups) each_long = each_long && g.size() >= 7;
    if (each_long) {
      for (const auto& g : groups) take(g);
    } else {
      std::string all;
      for (const auto& g : groups) all += g;
      take(all);
    }
  }
  return out;
}

char IdCheckCharacter(std::string_view first17) {
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 17 && i < first17.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return "10X98765432"[sum % 11];
}

std::string IdNumber18(std::string_view id) {
  std::string s;
  for (char32_t c : ToCodePoints(id)) {
    c = Fold(c);
    if (IsSpace(c)) continue;
    if (c == U'x') c = U'X';
    if (c > 0x7F) return {};
    s.push_back(static_cast<char>(c));
  }
  auto digits = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
    return true;
  };
  if (s.size() == 18 && digits(17) && ((s[17] >= '0' && s[17] <= '9') || s[17] == 'X')) return s;
  if (s.size() == 15 && digits(15)) {
    std::string out = s.substr(0, 6) + "19" + s.substr(6);
    out.push_back(IdCheckCharacter(out));
    return out;
  }
  return {};
}

std::string NormalizeAddress(std::string_view utf8) { return NormalizeText(utf8); }

}  // namespace xf::dedup

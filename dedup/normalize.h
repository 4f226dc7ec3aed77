// Normalisation of what clerks write differently: Chinese text (summaries,
// requests, addresses), names, phone numbers and ID numbers, so that two
// registrations of the same petition compare equal where they mean the same.
//
// Every function is pure, bounded by its input and safe on any bytes
// (invalid UTF-8 is skipped); all may be called from any thread.
// See dedup/README.md, "Normalisation", for each rule and why.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xf::dedup {

// Free text (概况, 诉求, 住址) in one canonical form, UTF-8:
//  - full-width ASCII (Ａ１，) as half-width, the ideographic space as a space,
//    ASCII letters in lower case;
//  - numbers in Chinese numerals (五万, 伍万, 二〇二四, 三十五) and Arabic
//    numbers with 万/亿 (5万, 3.5万) or thousands separators (50,000) as plain
//    Arabic digits (50000, 2024, 35); 块钱 after a number as 元;
//  - dates as Y年M月D日 or Y年M月 without leading zeros, however written
//    (2024-03-05, 2024/3/5, 2024.3.5, 2024年03月05日, 二〇二四年三月五日);
//    a day written 号 after a month as 日;
//  - then only CJK ideographs, ASCII letters and digits are kept, and every
//    run of punctuation, spaces and symbols becomes one space (a clause
//    boundary: n-grams do not cross it); a decimal point is dropped (1.5 → 15).
// Examples: "伍万元" "5万元" "50,000元" → "50000元"; "2024-03" → "2024年3月";
// "拆迁，补偿款！" → "拆迁 补偿款".
std::string NormalizeText(std::string_view utf8);

// A person's name: full-width as half-width, without spaces and the
// separators of transcribed names (· • ・ .), ASCII in lower case.
std::string NormalizeName(std::string_view utf8);

// The phone numbers in a 联系电话 field (a field may hold several, separated
// by / , ; 、 or spaces between complete numbers): digits only, without a
// leading +86 / 0086 / 86 country code. Numbers shorter than 7 digits are
// dropped. At most 4 are returned.
std::vector<std::string> NormalizePhones(std::string_view utf8);

// The 18-character form of an ID number (GB 11643): full-width digits as
// ASCII, a trailing x as X, surrounding spaces removed; 18 characters
// ([0-9]{17}[0-9X]) as they are; 15 digits (GB 11643-1989, first generation)
// with "19" inserted before the birth date YYMMDD and the check character
// computed. Empty when it is neither. The check character of an 18-character
// number is not verified here (validation does that): matching compares what
// was written.
std::string IdNumber18(std::string_view id);

// The GB 11643 check character for the first 17 digits of an ID number.
// REQUIRES: first17 is 17 ASCII digits.
char IdCheckCharacter(std::string_view first17);

// An address for matching: NormalizeText. Addresses are then compared by
// suffix (dedup/matcher.h), so that 北京市朝阳区建国路88号 and 建国路88号 are
// the same place while 阳光小区3号楼 and 月亮小区3号楼 are not.
std::string NormalizeAddress(std::string_view utf8);

// UTF-8 ⇄ code points (invalid sequences are skipped).
std::u32string ToCodePoints(std::string_view utf8);
std::string ToUtf8(std::u32string_view cps);
void AppendUtf8(std::string& out, char32_t cp);

// True for the CJK ideographs NormalizeText keeps (U+3400–4DBF, U+4E00–9FFF,
// U+F900–FAFF, U+20000–2FFFF).
bool IsIdeograph(char32_t c);

}  // namespace xf::dedup

#include "codes/csv.h"

#include <doctest/doctest.h>

#include <string>

namespace xf::codes {
namespace {

constexpr std::string_view kHeader =
    "# table: demo\n"
    "# title: 演示\n"
    "# standard: TEST 1\n"
    "# version: 1.0\n"
    "# official: no\n"
    "code,label,parent,valid_from,valid_to,note\n";

std::string WithRows(std::string_view rows) { return std::string(kHeader) + std::string(rows); }

// The error message of a parse that must fail.
std::string FailMessage(std::string_view text, Errc want = Errc::kCorruption) {
  auto r = ParseTableCsv(text, "t.csv");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == want);
  return r.error().message;
}

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

TEST_CASE("a minimal table parses, with defaults for empty dates") {
  auto r = ParseTableCsv(WithRows("1,一,,,,\n2,二,1,2000-01-01,2010-07-01,a note\n"), "t.csv");
  REQUIRE(r.ok());
  const ParsedTable& t = r.value();
  CHECK(t.info.id == "demo");
  CHECK(t.info.title == "演示");
  CHECK(t.info.standard == "TEST 1");
  CHECK(t.info.version == "1.0");
  CHECK_FALSE(t.info.official);
  CHECK(t.info.source.empty());
  CHECK(t.info.parent_table.empty());
  REQUIRE(t.entries.size() == 2);
  CHECK(t.lines == std::vector<std::uint32_t>{7, 8});
  CHECK(t.entries[0].code == "1");
  CHECK(t.entries[0].label == "一");
  CHECK(t.entries[0].valid_from == Date{1949, 10, 1});
  CHECK_FALSE(t.entries[0].valid_to);
  CHECK(t.entries[1].parent == "1");
  CHECK(t.entries[1].valid_from == Date{2000, 1, 1});
  CHECK(t.entries[1].valid_to == Date{2010, 7, 1});
  CHECK(t.entries[1].note == "a note");
}

TEST_CASE("a table without rows is allowed; a file without a column header is not") {
  auto r = ParseTableCsv(kHeader, "t.csv");
  REQUIRE(r.ok());
  CHECK(r->entries.empty());
  CHECK(Contains(FailMessage("# table: demo\n"), "no column header"));
  CHECK(Contains(FailMessage(""), "t.csv: no column header"));
}

TEST_CASE("RFC 4180 quoting") {
  auto r = ParseTableCsv(WithRows("\"1\",\"a, b\",,,,\"say \"\"hi\"\", then go\"\n"
                                  "2,\"\",,,,\n"),
                         "t.csv");
  // The second row has an empty quoted label: refused, but only after the first row parsed.
  REQUIRE_FALSE(r.ok());
  CHECK(Contains(r.error().message, "t.csv:8: code 2 has an empty label"));

  auto ok = ParseTableCsv(
      WithRows("\"1\",\"a, b\",,,,\"say \"\"hi\"\", then go\"\n3,\"x\",\"\",\"\",\"\",\"\"\n"),
      "t.csv");
  REQUIRE(ok.ok());
  CHECK(ok->entries[0].code == "1");
  CHECK(ok->entries[0].label == "a, b");
  CHECK(ok->entries[0].note == "say \"hi\", then go");
  CHECK(ok->entries[1].label == "x");
  CHECK(ok->entries[1].note.empty());
}

TEST_CASE("malformed quoting is refused with the line") {
  CHECK(Contains(FailMessage(WithRows("1,\"abc,,,,\n")), "t.csv:7: unterminated quoted field"));
  CHECK(Contains(FailMessage(WithRows("1,\"abc\"x,,,,\n")), "t.csv:7: text after a closing quote"));
  CHECK(
      Contains(FailMessage(WithRows("1,ab\"c,,,,\n")), "t.csv:7: quote inside an unquoted field"));
  // A quoted field may not span lines.
  CHECK(Contains(FailMessage(WithRows("1,\"a\nb\",,,,\n")), "t.csv:7: unterminated quoted field"));
}

TEST_CASE("field counts") {
  CHECK(Contains(FailMessage(WithRows("1,一,,,\n")), "t.csv:7: expected 6 fields, found 5"));
  CHECK(Contains(FailMessage(WithRows("1,一,,,,,\n")), "t.csv:7: expected 6 fields, found more"));
  CHECK(Contains(FailMessage(WithRows("1\n")), "found 1"));
  CHECK(Contains(FailMessage(WithRows(",,,,,,,,,,,,,,,,,,,,,,,,\n")), "found more"));
}

TEST_CASE("line ends, BOM, and blank lines") {
  std::string crlf = WithRows("1,一,,,,\n2,二,,,,");
  std::string with_cr;
  for (char c : crlf) {
    if (c == '\n') with_cr += '\r';
    with_cr += c;
  }
  auto r = ParseTableCsv("\xEF\xBB\xBF" + with_cr, "t.csv");  // no final line end either
  REQUIRE(r.ok());
  REQUIRE(r->entries.size() == 2);
  CHECK(r->entries[1].label == "二");
  CHECK(r->info.id == "demo");

  CHECK(Contains(FailMessage(WithRows("1,一,,,,\n\n2,二,,,,\n")), "t.csv:8: empty line"));
  CHECK(Contains(FailMessage(WithRows("1,一,,,,\n\n")), "t.csv:8: empty line"));
  CHECK(Contains(FailMessage(WithRows("1,一\r,,,,\n")), "t.csv:7: control character at byte 6"));
  CHECK(Contains(FailMessage(WithRows("1,a\tb,,,,\n")), "control character"));
  CHECK(
      Contains(FailMessage(WithRows(std::string("1,a") + '\0' + "b,,,,\n")), "control character"));
}

TEST_CASE("UTF-8 is checked") {
  CHECK(Contains(FailMessage(WithRows("1,\xC3,,,,\n")), "t.csv:7: invalid UTF-8"));
  CHECK(Contains(FailMessage(WithRows("1,\xC0\xAF,,,,\n")), "invalid UTF-8"));      // overlong '/'
  CHECK(Contains(FailMessage(WithRows("1,\xED\xA0\x80,,,,\n")), "invalid UTF-8"));  // surrogate
  CHECK(
      Contains(FailMessage(WithRows("1,\xF4\x90\x80\x80,,,,\n")), "invalid UTF-8"));  // > U+10FFFF
  CHECK(Contains(FailMessage(WithRows("1,\xFF,,,,\n")), "invalid UTF-8"));
  CHECK(IsValidUtf8("汉族 \xF0\x9F\x98\x80"));
  CHECK_FALSE(IsValidUtf8("\xE6\xB1"));
}

TEST_CASE("header lines") {
  // Comments, unknown keys and optional keys.
  auto r = ParseTableCsv(
      "# A comment line.\n"
      "#\n"
      "#table:demo\n"
      "# title:   演示  \n"
      "# standard: S\n"
      "# version: v\n"
      "# official: yes\n"
      "# source: somewhere, with commas\n"
      "# parent_table: other\n"
      "# future_key: ignored\n"
      "# Note: capitalised, so a comment\n"
      "code,label,parent,valid_from,valid_to,note\n"
      "1,一,x,,,\n",
      "t.csv");
  REQUIRE(r.ok());
  CHECK(r->info.id == "demo");
  CHECK(r->info.title == "演示");
  CHECK(r->info.official);
  CHECK(r->info.source == "somewhere, with commas");
  CHECK(r->info.parent_table == "other");

  const std::string full(kHeader);
  auto without = [&](std::string_view line) {
    std::string s = full;
    s.erase(s.find(line), line.size());
    return s;
  };
  CHECK(Contains(FailMessage(without("# table: demo\n")),
                 "t.csv:5: header '# table: ...' is missing"));
  CHECK(Contains(FailMessage(without("# version: 1.0\n")), "'# version: ...' is missing"));
  CHECK(Contains(FailMessage(without("# official: no\n")), "'# official: ...' is missing"));
  CHECK(Contains(FailMessage("# title: x\n" + full), "t.csv:3: header 'title' repeats line 1"));
  CHECK(Contains(FailMessage("# table:\n" + without("# table: demo\n")),
                 "t.csv:1: header 'table' is empty"));

  std::string bad_official = full;
  bad_official.replace(bad_official.find("official: no"), 12, "official: maybe");
  CHECK(Contains(FailMessage(bad_official), "t.csv:5: official must be 'yes' or 'no'"));

  std::string bad_id = full;
  bad_id.replace(bad_id.find("table: demo"), 11, "table: Demo-1");
  CHECK(Contains(FailMessage(bad_id), "t.csv:1: table id 'Demo-1' must match"));

  CHECK(
      Contains(FailMessage("# parent_table: No\n" + full), "parent_table 'No' is not a table id"));
}

TEST_CASE("the column header must be exact") {
  std::string s(kHeader);
  s.replace(s.find("valid_to"), 8, "valid_until");
  CHECK(Contains(FailMessage(s), "t.csv:6: expected the column header"));
  std::string upper(kHeader);
  upper.replace(upper.find("code,"), 5, "Code,");
  CHECK(Contains(FailMessage(upper), "expected the column header"));
  // '#' after the column header is a row, and not a valid code.
  CHECK(Contains(FailMessage(WithRows("# late comment\n")), "t.csv:7:"));
}

TEST_CASE("field forms") {
  CHECK(Contains(FailMessage(WithRows(",一,,,,\n")), "t.csv:7: code '' must be"));
  CHECK(Contains(FailMessage(WithRows(" 1,一,,,,\n")), "code ' 1' must be"));
  CHECK(Contains(FailMessage(WithRows("代码,一,,,,\n")), "must be 1 to 32"));
  CHECK(Contains(FailMessage(WithRows(std::string(33, '1') + ",一,,,,\n")), "must be 1 to 32"));
  CHECK(ParseTableCsv(WithRows(std::string(32, '1') + ",一,,,,\nA-b_c.9,x,,,,\n"), "t.csv").ok());
  CHECK(
      Contains(FailMessage(WithRows("1, 一,,,,\n")), "label of 1 has leading or trailing blanks"));
  CHECK(Contains(FailMessage(WithRows("1,一,x y,,,\n")), "parent 'x y' of 1 is not a code"));
  CHECK(Contains(FailMessage(WithRows("1,一,1,,,\n")), "code 1 is its own parent"));
  CHECK(Contains(
      FailMessage(WithRows("1," + std::string(kMaxLabelBytes + 1, 'a') + ",,,,\n"), Errc::kLimit),
      "label of 1 is too long"));
  CHECK(Contains(
      FailMessage(WithRows("1,a,,,," + std::string(kMaxNoteBytes + 1, 'a') + "\n"), Errc::kLimit),
      "note of 1 is too long"));
}

TEST_CASE("dates") {
  CHECK(Contains(FailMessage(WithRows("1,一,,2010-02-30,,\n")),
                 "t.csv:7: valid_from '2010-02-30' is not a date YYYY-MM-DD"));
  CHECK(Contains(FailMessage(WithRows("1,一,,,2010/07/01,\n")),
                 "valid_to '2010/07/01' is not a date"));
  CHECK(Contains(FailMessage(WithRows("1,一,,2010-07-01,2010-07-01,\n")),
                 "valid_to 2010-07-01 is not after valid_from 2010-07-01"));
  CHECK(Contains(FailMessage(WithRows("1,一,,,1949-10-01,\n")),
                 "is not after valid_from 1949-10-01"));
  auto r = ParseTableCsv(WithRows("1,一,,,1949-10-02,\n2,二,,1900-01-01,,\n"), "t.csv");
  REQUIRE(r.ok());
  CHECK(r->entries[1].valid_from == Date{1900, 1, 1});
}

TEST_CASE("duplicate codes name both lines") {
  const std::string msg = FailMessage(WithRows("1,一,,,,\n2,二,,,,\n1,又一,,,,\n"));
  CHECK(Contains(msg, "t.csv:9: code 1 repeats line 7"));
  // Codes are compared byte for byte: "01" and "1" are different codes.
  CHECK(ParseTableCsv(WithRows("1,一,,,,\n01,零一,,,,\n"), "t.csv").ok());
}

TEST_CASE("bounds") {
  CHECK(Contains(
      FailMessage(WithRows("1," + std::string(kMaxLineBytes, 'a') + ",,,,\n"), Errc::kLimit),
      "t.csv:7: line is longer than"));
  std::string huge(kMaxTableFileBytes + 1, 'a');
  CHECK(Contains(FailMessage(huge, Errc::kLimit), "t.csv: file is larger than"));
  std::string long_header = "# title: " + std::string(kMaxHeaderValueBytes + 1, 'x') + "\n";
  CHECK(Contains(FailMessage(long_header, Errc::kLimit), "header 'title' is too long"));
}

TEST_CASE("error messages quote at most a short piece of the input") {
  const std::string msg = FailMessage(WithRows(std::string(1000, 'x') + "!,a,,,,\n"));
  CHECK(msg.size() < 200);
  CHECK(Contains(msg, "..."));
}

TEST_CASE("id and code syntax helpers") {
  CHECK(IsValidTableId("content_category"));
  CHECK(IsValidTableId("t2"));
  CHECK_FALSE(IsValidTableId("2t"));
  CHECK_FALSE(IsValidTableId("_t"));
  CHECK_FALSE(IsValidTableId(""));
  CHECK_FALSE(IsValidTableId(std::string(65, 'a')));
  CHECK(IsValidCode("110105"));
  CHECK_FALSE(IsValidCode("11 0105"));
  CHECK_FALSE(IsValidCode(""));
}

constexpr std::string_view kPeriodsHeader =
    "# table: demo\n"
    "# title: 演示\n"
    "# standard: TEST 1\n"
    "# version: 1.0\n"
    "# official: no\n"
    "# periods: yes\n"
    "# precision: year\n"
    "# through: 2024\n"
    "code,label,parent,valid_from,valid_to,note,end,successors\n";

TEST_CASE("periods, precision, through and the extension columns end and successors") {
  auto r = ParseTableCsv(std::string(kPeriodsHeader) +
                             "1,一,,,2012-01-01,,changed,1\n"
                             "1,又一,,2011-01-01,,,,\n"
                             "2,二,,,2022-01-01,,abolished,1;3[1996]\n"
                             "3,三,,,,,,\n",
                         "t.csv");
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->info.periods);
  CHECK(r->info.year_precision);
  CHECK(r->info.through == 2024);
  REQUIRE(r->entries.size() == 4);
  CHECK(r->entries[0].end == EndKind::kChanged);
  REQUIRE(r->entries[0].successors.size() == 1);
  CHECK(r->entries[0].successors[0].code == "1");
  CHECK_FALSE(r->entries[0].successors[0].year);
  CHECK(r->entries[1].label == "又一");
  CHECK(r->entries[1].end == EndKind::kNone);
  REQUIRE(r->entries[2].successors.size() == 2);
  CHECK(r->entries[2].successors[1].code == "3");
  CHECK(r->entries[2].successors[1].year == 1996);

  // Either extension column alone, in any order.
  CHECK(ParseTableCsv("# table: d\n# title: t\n# standard: s\n# version: v\n# official: no\n"
                      "code,label,parent,valid_from,valid_to,note,successors,end\n1,一,,,,,,\n",
                      "t.csv")
            .ok());
  CHECK(ParseTableCsv("# table: d\n# title: t\n# standard: s\n# version: v\n# official: no\n"
                      "code,label,parent,valid_from,valid_to,note,successors\n1,一,,,,,2\n",
                      "t.csv")
            .ok());
  // Tables without the headers keep one period per code and day precision.
  auto plain = ParseTableCsv(WithRows("1,一,,,,\n"), "t.csv");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->info.periods);
  CHECK_FALSE(plain->info.year_precision);
  CHECK(plain->info.through == 0);
}

TEST_CASE("the periods of a code come in order, each closed before the next") {
  const std::string h(kPeriodsHeader);
  CHECK(Contains(FailMessage(h + "1,一,,,,,,\n1,又一,,2011-01-01,,,,\n"),
                 "t.csv:11: code 1 starts again, but its period on line 10 has no valid_to"));
  CHECK(Contains(FailMessage(h + "1,一,,2000-01-01,2012-01-01,,,\n1,又一,,2000-01-01,,,,\n"),
                 "t.csv:11: code 1: this period must start after the one on line 10"));
  CHECK(Contains(FailMessage(h + "1,一,,2000-01-01,2012-01-01,,,\n1,又一,,1990-01-01,,,,\n"),
                 "must start after"));
  // Without '# periods: yes' a repeated code is an error, as ever.
  CHECK(Contains(FailMessage(WithRows("1,一,,,2000-01-01,\n1,又一,,2001-01-01,,\n")),
                 "t.csv:8: code 1 repeats line 7"));
}

TEST_CASE("extension columns and new headers are checked") {
  const std::string h(kPeriodsHeader);
  CHECK(Contains(FailMessage(h + "1,一,,,2000-01-01,,gone,\n"),
                 "end 'gone' of 1 must be empty, 'abolished' or 'changed'"));
  CHECK(Contains(FailMessage(h + "1,一,,,,,abolished,\n"), "code 1 has an end but no valid_to"));
  CHECK(Contains(FailMessage(h + "1,一,,,,,,2[96]\n"),
                 "successor '2[96]' must be CODE or CODE[YYYY]"));
  CHECK(Contains(FailMessage(h + "1,一,,,,,,2;;3\n"), "successor '' must be CODE"));
  CHECK(Contains(FailMessage(h + "1,一,,,,,,2[1996\n"), "successor '2[1996' must be"));
  CHECK(Contains(FailMessage(h + "1,一,,,,\n"), "t.csv:10: expected 8 fields, found 6"));
  std::string many = h + "1,一,,,,,,";
  for (int i = 0; i <= static_cast<int>(kMaxSuccessors); ++i)
    many += (i ? ";" : "") + std::to_string(i + 2);
  CHECK(Contains(FailMessage(many + "\n", Errc::kLimit), "more than 64 successors"));

  std::string twice = h;
  twice.replace(twice.find("note,end,successors"), 19, "note,end,end");
  CHECK(Contains(FailMessage(twice), "expected the column header"));
  std::string unknown = h;
  unknown.replace(unknown.find("note,end,successors"), 19, "note,level");
  CHECK(Contains(FailMessage(unknown), "expected the column header"));

  auto header_with = [&](std::string_view from, std::string_view to) {
    std::string s = h;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  CHECK(Contains(FailMessage(header_with("periods: yes", "periods: maybe")),
                 "t.csv:6: periods must be 'yes' or 'no'"));
  CHECK(Contains(FailMessage(header_with("precision: year", "precision: month")),
                 "precision must be 'year' or 'day'"));
  CHECK(Contains(FailMessage(header_with("through: 2024", "through: 24")),
                 "through '24' is not a year"));
  CHECK(Contains(FailMessage("# year: 2025\n" + h), "header 'year' belongs to a yearly list"));
}

TEST_CASE("a yearly list: # list, # year and rows code,label") {
  auto r = ParseTableCsv(
      "# list: division\n# year: 2025\n# title: 2025年名单\n# source: 民政部\n"
      "code,label\n110000,北京市\n110101,东城区\n",
      "l.csv");
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->list_of == "division");
  CHECK(r->list_year == 2025);
  CHECK(r->info.title == "2025年名单");
  CHECK(r->info.source == "民政部");
  REQUIRE(r->entries.size() == 2);
  CHECK(r->entries[1].code == "110101");
  CHECK(r->entries[1].label == "东城区");
  CHECK(r->lines == std::vector<std::uint32_t>{6, 7});

  CHECK(Contains(FailMessage("# list: division\ncode,label\n"),
                 "header '# year: ...' of a yearly list is missing"));
  CHECK(Contains(FailMessage("# list: division\n# year: 25\ncode,label\n"),
                 "year '25' is not a year"));
  CHECK(Contains(FailMessage("# list: Division\n# year: 2025\ncode,label\n"),
                 "does not name a table id"));
  CHECK(Contains(FailMessage("# list: division\n# year: 2025\n# official: yes\ncode,label\n"),
                 "header 'official' belongs to a table, not to a yearly list"));
  CHECK(Contains(FailMessage("# list: division\n# year: 2025\ncode,label,parent\n"),
                 "expected the column header code,label of a yearly list"));
  CHECK(Contains(FailMessage("# list: division\n# year: 2025\ncode,label\n1,一\n1,又一\n"),
                 "t.csv:5: code 1 repeats line 4"));
  CHECK(Contains(FailMessage("# list: division\n# year: 2025\ncode,label\n1,一,x\n"),
                 "expected 2 fields, found more"));
}

}  // namespace
}  // namespace xf::codes

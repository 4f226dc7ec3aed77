// Identifier formats: GB 11643 ID numbers, node ids, case ids, SHA-256 hex.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "schema/validate.h"
#include "test/unit/schema/validate_fixture.h"

namespace xf::schema {
namespace {

using testing::Book;
using testing::kToday;

constexpr const char* kPassing[] = {"11010519491231002X", "440524188001010014"};

// An ID number on a case received today, checked as at intake.
std::string Check(std::string_view id) { return CheckIdNumber(id, Book(), kToday, kToday); }

bool Contains(const std::string& s, std::string_view part) {
  CAPTURE(s);
  return s.find(part) != std::string::npos;
}

TEST_CASE("validate: the standard's example ID numbers pass") {
  for (const char* id : kPassing) {
    CAPTURE(id);
    CHECK(Check(id) == "");
  }
  CHECK(Check("320106199001010016") == "");  // computed check digit 6
}

TEST_CASE("validate: every single-character change of a valid ID number fails") {
  const std::string alphabet = "0123456789Xx -A";
  for (const char* valid : kPassing) {
    const std::string id = valid;
    for (std::size_t pos = 0; pos < id.size(); ++pos) {
      for (char c : alphabet) {
        if (c == id[pos]) continue;
        std::string changed = id;
        changed[pos] = c;
        CAPTURE(changed);
        CHECK(Check(changed) != "");
      }
    }
  }
}

TEST_CASE("validate: a wrong check character names the expected one") {
  CHECK(Contains(Check("110105194912310021"), "expected 'X'"));
  CHECK(Contains(Check("440524188001010015"), "expected '4'"));
  CHECK(IdCheckCharacter("11010519491231002") == 'X');
  CHECK(IdCheckCharacter("44052418800101001") == '4');
}

TEST_CASE("validate: a lowercase x check character is rejected with its own message") {
  const std::string reason = Check("11010519491231002x");
  CHECK(Contains(reason, "uppercase"));
  CHECK(Contains(reason, "lowercase"));
}

TEST_CASE("validate: ID number length, counted in characters") {
  CHECK(Check("") == "must be 18 characters, got 0 (or 15 digits for a first-generation number)");
  CHECK(Contains(Check("11010519491231002"), "must be 18 characters, got 17"));
  CHECK(Contains(Check("11010519491231002XX"), "must be 18 characters, got 19"));
  CHECK(Contains(Check("1101051949123100"), "must be 18 characters, got 16"));
  // Characters, not bytes: 17 characters, 19 bytes.
  CHECK(Contains(Check("1101051949123100李"), "must be 18 characters, got 17"));
  CHECK(Contains(Check("11010519491231002李"), "character 18 must be a digit or X, not \"李\""));
  CHECK(Contains(Check("A1010519491231002X"), "character 1"));
  CHECK(Contains(Check("1101051949123100X2"), "character 17"));
  CHECK(Contains(Check("\xFF"
                       "1010519491231002X"),
                 "not valid UTF-8"));
}

TEST_CASE("validate: full-width digits are counted as characters and named full-width") {
  // 18 full-width characters (54 bytes).
  const std::string all = "１１０１０５１９４９１２３１００２Ｘ";
  CHECK(Check(all) ==
        "has 18 full-width (全角) characters (character 1 is \"１\"): type the digits 0-9 and X "
        "in half-width (半角)");
  // One full-width digit among half-width ones.
  CHECK(Check("1101051949123100２X") ==
        "has 1 full-width (全角) character (character 17 is \"２\"): type the digits 0-9 and X in "
        "half-width (半角)");
  // 17 full-width characters: the count and the cause in one message.
  CHECK(Check("１１０１０５１９４９１２３１００２") ==
        "must be 18 characters, got 17, 17 of them full-width (全角; character 1 is \"１\"): type "
        "the digits 0-9 and X in half-width (半角)");
  CHECK(Contains(Check("11010519491231002ｘ"), "character 18 is \"ｘ\""));
}

TEST_CASE("validate: 15-digit first-generation numbers (GB 11643-1989)") {
  // 110105 491231 002: 朝阳区, born 1949-12-31, sequence 002. Its 18-digit
  // form, worked by hand: 110105 + 19 + 491231 + 002, weights
  // 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over 1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2
  // give 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2, and
  // "10X98765432"[2] = 'X': 11010519491231002X, the standard's example.
  CHECK(Check("110105491231002") == "");
  CHECK(IdNumber18("110105491231002") == "11010519491231002X");
  CHECK(IdNumber18("440524800101006") == "440524198001010064");
  CHECK(IdNumber18("11010519491231002X") == "11010519491231002X");
  CHECK(IdNumber18("11010549123100") == "");
  CHECK(IdNumber18("11010549123100X") == "");
  // The birth date is 19YYMMDD: a real day, not after the received date.
  CHECK(Contains(Check("110105490231002"), "birth date 490231 is not a real date (19YYMMDD)"));
  CHECK(Contains(Check("11010549123100X"), "character 15 must be a digit"));
  CHECK(Contains(Check("110100491231002"), "address code 110100 was never a division code"));

  CaseRegistration c;
  Petitioner p;
  p.id_number = "110105491231002";
  c.petitioners.push_back(p);
  p.id_number = "11010519491231002X";
  c.petitioners.push_back(p);
  CompleteIdNumbers(c);
  CHECK(c.petitioners[0].id_number == "110105491231002");  // as given
  CHECK(c.petitioners[0].id_number_18 == "11010519491231002X");
  CHECK(c.petitioners[1].id_number_18.empty());
}

TEST_CASE("validate: the address part was a division code in some year") {
  // Check characters recomputed so that only the address part is wrong.
  CHECK(Contains(Check("990105194912310023"), "address code 990105 was never a division code"));
  CHECK(Contains(Check("000000194912310027"), "was never a division code"));
  CHECK(Contains(Check("100000194912310020"), "was never a division code"));
  // The municipalities' city level and statistical groups are no divisions.
  CHECK(Contains(Check("110100194912310028"), "address code 110100 was never a division code"));
  // Retired codes are fine: 潮阳县 (until 1993), 莱芜's 莱城区 and 钢城区 (until 2018).
  CHECK(Check("440524198001010013") == "");
  CHECK(Check("371202198501010018") == "");
  CHECK(Check("371203198501010022") == "");
  CHECK(Check("110102194912310020") == "");
  // A city's xxyy01 市辖区 of the printed GB/T 2260 editions, as Shenzhen issued
  // numbers (440301…), when the city xxyy00 was a division; and the city itself.
  CHECK(Check("440301198001010018") == "");
  CHECK(Check("440300198001010011") == "");
  CHECK(Contains(Check("449901198001010019"), "address code 449901 was never a division code"));
  // Residence permits of Hong Kong, Macao and Taiwan residents.
  CHECK(Check("810000199001010019") == "");
  CHECK(Check("820000199001010010") == "");
  CHECK(Check("830000199001010012") == "");
  // Recorded elsewhere: the address part by its province, as before.
  CHECK(CheckIdNumber("110100194912310028", Book(), kToday, kToday, Provenance::kRecorded) == "");
  CHECK(Contains(CheckIdNumber("990105194912310023", Book(), kToday, kToday, Provenance::kRecorded),
                 "does not start with a province code"));
  // Without a division table only the form can be checked.
  const auto dir = std::filesystem::temp_directory_path() / "xf_validate_ids_empty_book";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "VERSION") << "empty\n";
  auto empty = codes::CodeBook::Load(dir);
  std::filesystem::remove_all(dir);
  REQUIRE(empty.ok());
  CHECK(CheckIdNumber("110100194912310028", **empty, kToday, kToday) == "");
  CHECK(Contains(CheckIdNumber("990105194912310023", **empty, kToday, kToday), "province"));
}

TEST_CASE("validate: ID number birth dates") {
  // Feb 29 of a non-leap year (1900 is not a leap year; 2000 is).
  CHECK(Contains(Check("110105190002290025"), "not a real date"));
  CHECK(Contains(Check("110105200102290010"), "not a real date"));
  CHECK(Check("110105200002290013") == "");
  CHECK(Contains(Check("110105194913010029"), "not a real date"));
  CHECK(Contains(Check("11010519490431002X"), "not a real date"));
  CHECK(Contains(Check("110105194912000021"), "not a real date"));
  // Before 1880.
  CHECK(Contains(Check("440524187912310013"), "before 1880"));
  // In the future (relative to the injected today).
  CHECK(Contains(Check("110105202603020026"), "after today"));
  CHECK(Check("110105202603010020") == "");  // born today
  // Born after the petition was received (2026-02-16 here), though before today.
  const Date received{2026, 2, 16};
  CHECK(CheckIdNumber("110105202602200025", Book(), received, kToday) ==
        "birth date 2026-02-20 is after the received date (2026-02-16)");
  CHECK(CheckIdNumber("110105202602160019", Book(), received, kToday) == "");  // born that day
  CHECK(CheckIdNumber("110105202602200025", Book(), received, kToday, Provenance::kRecorded) == "");
}

TEST_CASE("validate: node ids") {
  CHECK(IsNodeId("100000"));
  CHECK(IsNodeId("110105"));
  CHECK(IsNodeId("440106.MZJ01"));
  CHECK(IsNodeId("100000.123456789012345678"));
  CHECK_FALSE(IsNodeId(""));
  CHECK_FALSE(IsNodeId("11010"));
  CHECK_FALSE(IsNodeId("1101051"));
  CHECK_FALSE(IsNodeId("11010a"));
  CHECK_FALSE(IsNodeId("110105."));
  CHECK_FALSE(IsNodeId("110105.abc"));
  CHECK_FALSE(IsNodeId("110105.1234567890123456789"));
  CHECK_FALSE(IsNodeId("110105-AB"));
  CHECK_FALSE(IsNodeId("110105.A-B"));
}

TEST_CASE("validate: case ids") {
  CHECK(IsCaseId("110105-2026-0000001"));
  CHECK(IsCaseId("100000-2025-12345678"));
  CHECK(IsCaseId("440106.MZJ01-2026-0000042"));
  // The longest: 25-character node id, year, 7 digits = 38 characters.
  CHECK(IsCaseId("100000.ABCDEFGHIJKLMNOPQR-2026-0000001"));
  CHECK_FALSE(IsCaseId("100000.ABCDEFGHIJKLMNOPQR-2026-00000001"));  // 39
  CHECK_FALSE(IsCaseId(""));
  CHECK_FALSE(IsCaseId("110105-2026-000001"));   // 6 digits
  CHECK_FALSE(IsCaseId("110105-26-0000001"));    // 2-digit year
  CHECK_FALSE(IsCaseId("110105-1900-0000001"));  // before 1949
  CHECK_FALSE(IsCaseId("11010-2026-0000001"));
  CHECK_FALSE(IsCaseId("110105-2026-000000a"));
  CHECK_FALSE(IsCaseId("110105-2026-0000001-"));
  CHECK_FALSE(IsCaseId("110105--2026-0000001"));
  CHECK_FALSE(IsCaseId("110105_2026_0000001"));
  CHECK_FALSE(IsCaseId("-2026-0000001"));
  CHECK_FALSE(IsCaseId("2026-0000001"));
}

TEST_CASE("validate: sha256 hex") {
  const std::string good(64, 'a');
  CHECK(IsSha256Hex(good));
  CHECK(IsSha256Hex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  CHECK_FALSE(IsSha256Hex("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  CHECK_FALSE(IsSha256Hex(good.substr(1)));
  CHECK_FALSE(IsSha256Hex(good + "a"));
  CHECK_FALSE(IsSha256Hex(std::string(63, 'a') + "g"));
  CHECK_FALSE(IsSha256Hex(""));
}

}  // namespace
}  // namespace xf::schema

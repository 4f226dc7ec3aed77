// Identifier formats: GB 11643 ID numbers, node ids, case ids, SHA-256 hex.
#include <doctest/doctest.h>

#include <string>

#include "schema/validate.h"

namespace xf::schema {
namespace {

constexpr Date kToday{2026, 3, 1};
constexpr const char* kPassing[] = {"11010519491231002X", "440524188001010014"};

TEST_CASE("validate: the standard's example ID numbers pass") {
  for (const char* id : kPassing) {
    CAPTURE(id);
    CHECK(CheckIdNumber(id, kToday) == "");
  }
  CHECK(CheckIdNumber("320106199001010016", kToday) == "");  // computed check digit 6
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
        CHECK(CheckIdNumber(changed, kToday) != "");
      }
    }
  }
}

TEST_CASE("validate: a wrong check character names the expected one") {
  const std::string reason = CheckIdNumber("110105194912310021", kToday);
  CHECK(reason.find("expected 'X'") != std::string::npos);
  CHECK(CheckIdNumber("440524188001010015", kToday).find("expected '4'") != std::string::npos);
}

TEST_CASE("validate: a lowercase x check character is rejected with its own message") {
  const std::string reason = CheckIdNumber("11010519491231002x", kToday);
  CHECK(reason.find("uppercase") != std::string::npos);
  CHECK(reason.find("lowercase") != std::string::npos);
}

TEST_CASE("validate: ID number length and characters") {
  CHECK(CheckIdNumber("", kToday).find("18 characters") != std::string::npos);
  CHECK(CheckIdNumber("11010519491231002", kToday).find("not 17") != std::string::npos);
  CHECK(CheckIdNumber("11010519491231002XX", kToday).find("not 19") != std::string::npos);
  // The old 15-digit form is not accepted.
  CHECK(CheckIdNumber("110105491231002", kToday) != "");
  CHECK(CheckIdNumber("1101051949123100２X", kToday) != "");  // full-width digit
  CHECK(CheckIdNumber("A1010519491231002X", kToday).find("character 1") != std::string::npos);
  CHECK(CheckIdNumber("1101051949123100X2", kToday).find("character 17") != std::string::npos);
}

TEST_CASE("validate: ID number address part must start with a province code") {
  // Check characters recomputed so that only the address part is wrong.
  CHECK(CheckIdNumber("990105194912310023", kToday).find("province") != std::string::npos);
  CHECK(CheckIdNumber("000000194912310027", kToday).find("province") != std::string::npos);
  CHECK(CheckIdNumber("100000194912310020", kToday).find("province") != std::string::npos);
  // Retired county codes are allowed: only the form is checked.
  CHECK(CheckIdNumber("110102194912310020", kToday) == "");
  CHECK(CheckIdNumber("820000200001010016", kToday) == "");  // 澳门
}

TEST_CASE("validate: ID number birth dates") {
  // Feb 29 of a non-leap year (1900 is not a leap year; 2000 is).
  CHECK(CheckIdNumber("110105190002290025", kToday).find("not a real date") != std::string::npos);
  CHECK(CheckIdNumber("110105200102290010", kToday).find("not a real date") != std::string::npos);
  CHECK(CheckIdNumber("110105200002290013", kToday) == "");
  CHECK(CheckIdNumber("110105194913010029", kToday).find("not a real date") != std::string::npos);
  CHECK(CheckIdNumber("11010519490431002X", kToday).find("not a real date") != std::string::npos);
  CHECK(CheckIdNumber("110105194912000021", kToday).find("not a real date") != std::string::npos);
  // Before 1880.
  CHECK(CheckIdNumber("440524187912310013", kToday).find("before 1880") != std::string::npos);
  // In the future (relative to the injected today).
  CHECK(CheckIdNumber("110105202603020026", kToday).find("after today") != std::string::npos);
  CHECK(CheckIdNumber("110105202603010020", kToday) == "");  // born today
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

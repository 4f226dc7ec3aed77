// CodeBook::Load on small hand-made directories: the rules that span files.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "codes/codebook.h"
#include "test/unit/codes/temp_dir.h"

namespace xf::codes {
namespace {

using testing::TempDir;

std::string Table(std::string_view id, std::string_view rows, std::string_view extra_header = "") {
  std::string s =
      "# table: " + std::string(id) + "\n# title: T\n# standard: S\n# version: 1\n# official: no\n";
  s += extra_header;
  s += "code,label,parent,valid_from,valid_to,note\n";
  s += rows;
  return s;
}

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

TEST_CASE("Load reads every *.csv and VERSION") {
  TempDir dir;
  dir.Write("VERSION", "test-1\n");
  dir.Write("a.csv", Table("alpha", "1,一,,,,\n2,二,1,,2000-01-01,gone\n"));
  dir.Write("b.csv", Table("beta", "x,甲,,,,\n"));
  dir.Write("README.md", "not a table");
  dir.Write(".hidden.csv", "garbage");
  dir.Write("notes.csv.bak", "garbage");

  auto r = CodeBook::Load(dir.path());
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  const CodeBook& book = *r.value();
  CHECK(book.Version() == "test-1");
  CHECK(book.Size("alpha") == 2);
  CHECK(book.Size("beta") == 1);
  CHECK(book.Size("gamma") == 0);
  auto tables = book.Tables();
  REQUIRE(tables.size() == 2);
  CHECK(tables[0]->id == "alpha");
  CHECK(tables[1]->id == "beta");
  CHECK(tables[0]->file == dir.path() / "a.csv");
  CHECK(book.Table("alpha")->title == "T");
  CHECK(book.Table("nope") == nullptr);
  CHECK(book.Label("alpha", "2") == "二");
  CHECK(book.Label("alpha", "3").empty());
  CHECK(book.Label("nope", "1").empty());
  REQUIRE(book.Find("alpha", "2") != nullptr);
  CHECK(book.Find("alpha", "2")->note == "gone");
  CHECK(book.Find("alpha", "9") == nullptr);
  auto entries = book.Entries("alpha");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0]->code == "1");
  CHECK(book.Entries("nope").empty());

  CHECK(book.Check("alpha", "1", Date{2026, 1, 1}) == CodeCheck::kValid);
  CHECK(book.Check("alpha", "2", Date{1999, 12, 31}) == CodeCheck::kValid);
  CHECK(book.Check("alpha", "2", Date{2000, 1, 1}) == CodeCheck::kRetired);
  CHECK(book.Check("alpha", "1", Date{1949, 9, 30}) == CodeCheck::kNotYetValid);
  CHECK(book.Check("alpha", "1", Date{1949, 10, 1}) == CodeCheck::kValid);
  CHECK(book.Check("alpha", "3", Date{2026, 1, 1}) == CodeCheck::kUnknownCode);
  CHECK(book.Check("gamma", "1", Date{2026, 1, 1}) == CodeCheck::kUnknownTable);
  CHECK(book.IsValid("beta", "x", Date{2026, 1, 1}));
  CHECK_FALSE(book.IsValid("beta", "y", Date{2026, 1, 1}));
}

TEST_CASE("Load refuses a missing or malformed VERSION") {
  TempDir dir;
  dir.Write("a.csv", Table("alpha", ""));
  auto r = CodeBook::Load(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kNotFound);
  CHECK(Contains(r.error().message, "VERSION: missing"));

  for (const char* bad : {"", "\n", "two\nlines\n", "has space\n", "版本\n"}) {
    CAPTURE(bad);
    dir.Write("VERSION", bad);
    auto b = CodeBook::Load(dir.path());
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code == Errc::kCorruption);
    CHECK(Contains(b.error().message, "VERSION:1:"));
  }
  dir.Write("VERSION", "v1\r\n");
  auto ok = CodeBook::Load(dir.path());
  REQUIRE(ok.ok());
  CHECK(ok.value()->Version() == "v1");
  dir.Write("VERSION", "no-newline");
  CHECK(CodeBook::Load(dir.path()).ok());
}

TEST_CASE("Load refuses a directory that is not there") {
  auto r = CodeBook::Load("/nonexistent/xf/codes");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kNotFound);
  CHECK(Contains(r.error().message, "/nonexistent/xf/codes"));
}

TEST_CASE("an empty directory with a VERSION is an empty book") {
  TempDir dir;
  dir.Write("VERSION", "v\n");
  auto r = CodeBook::Load(dir.path());
  REQUIRE(r.ok());
  CHECK(r.value()->Tables().empty());
  CHECK(r.value()->CheckPlace("110105", Date{2020, 1, 1}) == CodeCheck::kUnknownTable);
}

TEST_CASE("two files may not claim one table id") {
  TempDir dir;
  dir.Write("VERSION", "v\n");
  dir.Write("a.csv", Table("alpha", "1,一,,,,\n"));
  dir.Write("b.csv", Table("alpha", "2,二,,,,\n"));
  auto r = CodeBook::Load(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kAlreadyExists);
  CHECK(Contains(r.error().message, "b.csv: table 'alpha' is also defined by"));
  CHECK(Contains(r.error().message, "a.csv"));
}

TEST_CASE("a malformed file fails the load with its file and line") {
  TempDir dir;
  dir.Write("VERSION", "v\n");
  dir.Write("a.csv", Table("alpha", "1,一,,,,\n1,又,,,,\n"));
  auto r = CodeBook::Load(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kCorruption);
  CHECK(Contains(r.error().message, (dir.path() / "a.csv").string() + ":8: code 1 repeats line 7"));
}

TEST_CASE("parents must exist, in the table or in parent_table") {
  TempDir dir;
  dir.Write("VERSION", "v\n");
  dir.Write("a.csv", Table("alpha", "1,一,,,,\n2,二,9,,,\n"));
  auto r = CodeBook::Load(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(Contains(r.error().message, "a.csv:8: parent 9 of 2 is not in table alpha"));

  dir.Write("a.csv", Table("alpha", "1,一,,,,\n"));
  dir.Write("b.csv", Table("beta", "1001,甲,1,,,\n1002,乙,2,,,\n", "# parent_table: alpha\n"));
  r = CodeBook::Load(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(Contains(r.error().message, "b.csv:9: parent 2 of 1002 is not in table alpha"));

  dir.Write("b.csv", Table("beta", "1001,甲,1,,,\n", "# parent_table: alpha\n"));
  r = CodeBook::Load(dir.path());
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r.value()->Table("beta")->parent_table == "alpha");

  dir.Write("b.csv", Table("beta", "1001,甲,1,,,\n", "# parent_table: gamma\n"));
  r = CodeBook::Load(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(Contains(r.error().message, "b.csv: parent_table 'gamma' is not loaded"));
}

TEST_CASE("parent cycles are refused") {
  TempDir dir;
  dir.Write("VERSION", "v\n");
  dir.Write("a.csv", Table("alpha", "1,一,3,,,\n2,二,1,,,\n3,三,2,,,\n"));
  auto r = CodeBook::Load(dir.path());
  REQUIRE_FALSE(r.ok());
  CHECK(Contains(r.error().message, "a.csv:7: the parents of 1 form a cycle"));
  // A deep but finite chain is fine.
  std::string rows = "0,根,,,,\n";
  for (int i = 1; i < 20; ++i) rows += std::to_string(i) + ",x," + std::to_string(i - 1) + ",,,\n";
  dir.Write("a.csv", Table("alpha", rows));
  CHECK(CodeBook::Load(dir.path()).ok());
}

TEST_CASE("CodeCheckName") {
  CHECK(std::string(CodeCheckName(CodeCheck::kValid)) == "valid");
  CHECK(std::string(CodeCheckName(CodeCheck::kUnknownTable)) == "unknown_table");
  CHECK(std::string(CodeCheckName(CodeCheck::kUnknownCode)) == "unknown_code");
  CHECK(std::string(CodeCheckName(CodeCheck::kNotYetValid)) == "not_yet_valid");
  CHECK(std::string(CodeCheckName(CodeCheck::kRetired)) == "retired");
}

TEST_CASE("DefaultDataDir honours XF_CODES_DIR") {
  const char* old = std::getenv("XF_CODES_DIR");
  const std::string saved = old ? old : "";
  setenv("XF_CODES_DIR", "/some/where", 1);
  CHECK(DefaultDataDir() == std::filesystem::path("/some/where"));
  unsetenv("XF_CODES_DIR");
  const std::filesystem::path fallback = DefaultDataDir();
  CHECK(std::filesystem::is_directory(fallback));
  CHECK(std::filesystem::exists(fallback / "VERSION"));
  if (old) setenv("XF_CODES_DIR", saved.c_str(), 1);
}

}  // namespace
}  // namespace xf::codes

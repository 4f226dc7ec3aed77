// The example cases in test/data/cases: every valid/*.json maps and validates
// without a violation; every invalid/*.json gives exactly the violations its
// .expect file lists (one "RULE FIELD" per line).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "schema/json.h"
#include "test/unit/schema/validate_fixture.h"
#include "xf/source_dir.h"

namespace xf::schema {
namespace {

namespace fs = std::filesystem;
using testing::Book;

const fs::path kCases = fs::path(XF_SOURCE_DIR) / "test" / "data" / "cases";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> Files(const fs::path& dir, std::string_view ext) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The mapping's violations followed by the validator's, as a set of
// "RULE FIELD" lines. A field the mapping rejected keeps its default, so the
// validator may report the same field again: the set collapses that.
std::set<std::string> Check(const fs::path& file, std::string& messages) {
  Violations violations;
  auto parsed = CaseFromJson(ReadFile(file), violations);
  REQUIRE_MESSAGE(parsed.ok(), file.string() << ": " << parsed.error().message);
  const Violations validated = ValidateCase(*parsed, Book(), RecordLimits{}, testing::kToday);
  violations.insert(violations.end(), validated.begin(), validated.end());
  std::set<std::string> lines;
  for (const Violation& v : violations) {
    lines.insert(v.rule + " " + v.field);
    messages += v.rule + " " + v.field + ": " + v.message_en + "\n";
  }
  return lines;
}

std::set<std::string> Expected(const fs::path& file) {
  std::set<std::string> lines;
  std::istringstream in(ReadFile(file));
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) lines.insert(line);
  }
  return lines;
}

std::string Join(const std::set<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

TEST_CASE("validate: example cases in test/data/cases/valid have no violations") {
  const auto files = Files(kCases / "valid", ".json");
  CHECK(files.size() >= 6);
  for (const fs::path& f : files) {
    CAPTURE(f.filename().string());
    std::string messages;
    const auto lines = Check(f, messages);
    CHECK_MESSAGE(lines.empty(), messages);
  }
}

TEST_CASE("validate: example cases in test/data/cases/invalid give their .expect violations") {
  const auto files = Files(kCases / "invalid", ".json");
  CHECK(files.size() >= 10);
  for (const fs::path& f : files) {
    CAPTURE(f.filename().string());
    fs::path expect = f;
    expect.replace_extension(".expect");
    REQUIRE_MESSAGE(fs::exists(expect), "missing " << expect.string());
    std::string messages;
    const auto lines = Check(f, messages);
    CHECK_MESSAGE(Join(lines) == Join(Expected(expect)), messages);
  }
}

TEST_CASE("validate: every attachment of the example cases has its blob") {
  const fs::path blobs = fs::path(XF_SOURCE_DIR) / "test" / "data" / "blobs";
  for (const char* dir : {"valid", "invalid"}) {
    for (const fs::path& f : Files(kCases / dir, ".json")) {
      Violations ignored;
      auto parsed = CaseFromJson(ReadFile(f), ignored);
      REQUIRE(parsed.ok());
      for (const Attachment& a : parsed->attachments) {
        CAPTURE(f.filename().string());
        CAPTURE(a.sha256);
        const fs::path blob = blobs / a.sha256;
        REQUIRE(fs::exists(blob));
        CHECK(fs::file_size(blob) == a.size);
      }
    }
  }
}

}  // namespace
}  // namespace xf::schema

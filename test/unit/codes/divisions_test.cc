// GB/T 2260 with its history: several periods per code, year precision,
// successors named in messages, and the ministry's next list dropped in as
// data (codes/README.md, "division", "A new yearly list").
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "codes/codebook.h"
#include "test/unit/codes/temp_dir.h"

namespace xf::codes {
namespace {

using testing::SourceDataDir;
using testing::TempDir;

const CodeBook& Book() {
  static const std::shared_ptr<const CodeBook> book = [] {
    auto r = CodeBook::Load(SourceDataDir());
    if (!r.ok()) FAIL(r.error().message);
    return r.value();
  }();
  return *book;
}

// A copy of the shipped data directory, to drop files into.
void CopyData(const TempDir& dir) {
  for (const auto& f : std::filesystem::directory_iterator(SourceDataDir())) {
    std::filesystem::copy_file(f.path(), dir.path() / f.path().filename());
  }
}

const Date kToday{2026, 12, 7};

TEST_CASE("a reused code keeps every period: 500110 万盛区, then 綦江区") {
  const CodeBook& book = Book();
  const auto periods = book.Periods(table::kDivision, "500110");
  REQUIRE(periods.size() == 2);
  CHECK(periods[0].label == "万盛区");
  CHECK(periods[0].valid_from == Date{1997, 1, 1});
  CHECK(periods[0].valid_to == Date{2012, 1, 1});  // through 31 December 2011
  CHECK(periods[0].end == EndKind::kChanged);
  CHECK(periods[1].label == "綦江区");
  CHECK(periods[1].valid_from == Date{2011, 1, 1});
  CHECK_FALSE(periods[1].valid_to);

  // Find without a date: the latest period; with a date: the one in force,
  // the later one in 2011 when both are.
  CHECK(book.Find(table::kDivision, "500110")->label == "綦江区");
  CHECK(book.Label(table::kDivision, "500110") == "綦江区");
  CHECK(book.Find(table::kDivision, "500110", Date{2005, 6, 1})->label == "万盛区");
  CHECK(book.Find(table::kDivision, "500110", Date{2011, 6, 1})->label == "綦江区");
  CHECK(book.Find(table::kDivision, "500110", kToday)->label == "綦江区");
  CHECK(book.Find(table::kDivision, "500110", Date{1996, 12, 31}) == nullptr);
  CHECK(book.Check(table::kDivision, "500110", Date{1996, 12, 31}) == CodeCheck::kNotYetValid);
  CHECK(book.Check(table::kDivision, "500110", Date{2005, 6, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "500110", kToday) == CodeCheck::kValid);

  // Entries lists every period, in code order, then by start.
  int seen = 0;
  const CodeEntry* previous = nullptr;
  for (const CodeEntry* e : book.Entries(table::kDivision)) {
    if (previous != nullptr) {
      CHECK((previous->code < e->code ||
             (previous->code == e->code && previous->valid_from < e->valid_from)));
    }
    previous = e;
    if (e->code == "500110") ++seen;
  }
  CHECK(seen == 2);
}

TEST_CASE("a reused code with a gap: 130107 井陉矿区 1983-1989 and again from 1992") {
  const CodeBook& book = Book();
  const auto periods = book.Periods(table::kDivision, "130107");
  REQUIRE(periods.size() == 2);
  CHECK(book.Check(table::kDivision, "130107", Date{1985, 1, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "130107", Date{1990, 6, 1}) == CodeCheck::kRetired);
  CHECK(book.Check(table::kDivision, "130107", Date{1992, 1, 1}) == CodeCheck::kValid);
  CHECK(book.WhyNotValid(table::kDivision, "130107", Date{1990, 6, 1}) ==
        "130107 井陉矿区 was replaced by 130121 井陉县 in 1989");
}

TEST_CASE("year precision: valid through 31 December of the end year, never after") {
  const CodeBook& book = Book();
  // 下城区 and 江干区 ended in 2021 (successor 330105 拱墅区).
  for (const char* code : {"330103", "330104"}) {
    CAPTURE(code);
    CHECK(book.Check(table::kDivision, code, Date{2021, 1, 1}) == CodeCheck::kValid);
    CHECK(book.Check(table::kDivision, code, Date{2021, 12, 31}) == CodeCheck::kValid);
    CHECK(book.Check(table::kDivision, code, Date{2022, 1, 1}) == CodeCheck::kRetired);
    CHECK(book.CheckPlace(code, Date{2021, 12, 31}) == CodeCheck::kValid);
    CHECK(book.CheckPlace(code, Date{2022, 1, 1}) == CodeCheck::kRetired);
  }
  // A code starts on 1 January of its first year: 钱塘区 2021.
  CHECK(book.Check(table::kDivision, "330114", Date{2020, 12, 31}) == CodeCheck::kNotYetValid);
  CHECK(book.Check(table::kDivision, "330114", Date{2021, 1, 1}) == CodeCheck::kValid);
  const TableInfo* info = book.Table(table::kDivision);
  REQUIRE(info != nullptr);
  CHECK(info->periods);
  CHECK(info->year_precision);
  CHECK(info->through == 2024);
}

TEST_CASE("a retired code is named with its successors") {
  const CodeBook& book = Book();
  const Date d{2022, 3, 1};
  CHECK(book.WhyNotValid(table::kDivision, "330103", d) ==
        "330103 下城区 was abolished in 2021; its area is now 330105 拱墅区");
  // Several successors; the part that moved in 1996 is not the end.
  CHECK(book.WhyNotValid(table::kDivision, "330104", d) ==
        "330104 江干区 was abolished in 2021; its area is now 330102 上城区 and 330114 钱塘区");
  // A chain is followed to the codes in force: 潮阳县 → 潮阳市 (1993-2003) → 潮阳区, 潮南区.
  CHECK(book.WhyNotValid(table::kDivision, "440524", kToday) ==
        "440524 潮阳县 was abolished in 1993; its area is now 440513 潮阳区 and 440514 潮南区");
  CHECK(book.WhyNotValid(table::kDivision, "440524", Date{1995, 1, 1}) ==
        "440524 潮阳县 was abolished in 1993; its area is now 440582 潮阳市");
  // The period that ended last speaks: 220121 榆树县 changed to 222521 in 1982,
  // came back in 1983 and was abolished in 1990 (into 220182 榆树市).
  CHECK(book.WhyNotValid(table::kDivision, "220121", kToday) ==
        "220121 榆树县 was abolished in 1990; its area is now 220182 榆树市");
  // 莱芜: the prefecture has no successor in the data; its districts do.
  CHECK(book.WhyNotValid(table::kDivision, "371200", kToday) ==
        "371200 莱芜市 was abolished in 2018");
  CHECK(book.WhyNotValid(table::kDivision, "371202", kToday) ==
        "371202 莱城区 was abolished in 2018; its area is now 370116 莱芜区");
  // Before its first year.
  CHECK(book.WhyNotValid(table::kDivision, "460302", Date{2019, 6, 1}) ==
        "460302 西沙区 is in use only from 2020");
  // Nothing to say about a valid or an unknown code.
  CHECK(book.WhyNotValid(table::kDivision, "330105", d).empty());
  CHECK(book.WhyNotValid(table::kDivision, "110100", d).empty());
  CHECK(book.WhyNotValid("no_such_table", "330103", d).empty());
}

TEST_CASE("DivisionLevel by the form of the code") {
  CHECK(DivisionLevel("330000") == "省级");
  CHECK(DivisionLevel("330100") == "地级");
  CHECK(DivisionLevel("330103") == "县级");
  CHECK(DivisionLevel("33010").empty());
  CHECK(DivisionLevel("33010a").empty());
}

// The ministry's list at the end of 2024 as a yearly list file, changed by
// `edit` (code -> label; an empty label drops the code).
std::string List(int year, const std::vector<std::pair<std::string, std::string>>& edit) {
  std::map<std::string, std::string> codes;
  const CodeBook& book = Book();
  const Date end_of_2024{2024, 12, 31};
  for (const CodeEntry* e : book.Entries(table::kDivision)) {
    if (book.Find(table::kDivision, e->code, end_of_2024) == e) codes[e->code] = e->label;
  }
  for (const auto& [code, label] : edit) {
    if (label.empty()) {
      codes.erase(code);
    } else {
      codes[code] = label;
    }
  }
  std::string text = "# list: division\n# year: " + std::to_string(year) +
                     "\n# title: 中华人民共和国县级以上行政区划代码（测试）\n"
                     "# source: synthetic, for the test\ncode,label\n";
  for (const auto& [code, label] : codes) text += code + "," + label + "\n";
  return text;
}

TEST_CASE("a new yearly list drops in as data") {
  TempDir dir;
  CopyData(dir);
  // 2025: 门头沟区 goes, 测试新区 comes, 海淀区 is renamed.
  dir.Write(
      "division-2025.csv",
      List(2025,
           {{"110109", ""}, {"110120", "测试新区"}, {"110108", "海淀新区"}, {"330199", "测试县"}}));
  auto r = CodeBook::Load(dir.path());
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  const CodeBook& book = *r.value();
  const TableInfo* info = book.Table(table::kDivision);
  REQUIRE(info != nullptr);
  CHECK(info->through == 2025);
  CHECK(info->version == Book().Table(table::kDivision)->version + " + 2025 list");
  REQUIRE(info->lists.size() == 1);
  CHECK(info->lists[0].year == 2025);
  CHECK(info->lists[0].file.filename() == "division-2025.csv");
  CHECK(info->lists[0].rows == 3213 + 1);  // 34 + 333 + 2846 in use, one gone, two new

  // A code the list lacks ends that year.
  CHECK(book.Check(table::kDivision, "110109", Date{2025, 12, 31}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "110109", Date{2026, 1, 1}) == CodeCheck::kRetired);
  CHECK(book.Find(table::kDivision, "110109")->end == EndKind::kAbolished);
  CHECK(book.WhyNotValid(table::kDivision, "110109", Date{2026, 1, 1}) ==
        "110109 门头沟区 was abolished in 2025");
  // A new code starts that year, under its prefecture, or its province when
  // the prefecture is not a division (a municipality's districts).
  CHECK(book.Check(table::kDivision, "110120", Date{2024, 12, 31}) == CodeCheck::kNotYetValid);
  CHECK(book.Check(table::kDivision, "110120", Date{2025, 1, 1}) == CodeCheck::kValid);
  CHECK(book.Find(table::kDivision, "110120")->parent == "110000");
  CHECK(book.Find(table::kDivision, "330199")->parent == "330100");
  // A new label is a new period.
  REQUIRE(book.Periods(table::kDivision, "110108").size() == 2);
  CHECK(book.Find(table::kDivision, "110108", Date{2024, 6, 1})->label == "海淀区");
  CHECK(book.Find(table::kDivision, "110108", Date{2025, 6, 1})->label == "海淀新区");
  CHECK(book.Check(table::kDivision, "110108", kToday) == CodeCheck::kValid);
  // Everything else as before.
  CHECK(book.Size(table::kDivision) == Book().Size(table::kDivision) + 3);
  CHECK(book.Check(table::kDivision, "110105", kToday) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "330103", kToday) == CodeCheck::kRetired);

  // The next year's list on top.
  dir.Write("division-2026.csv", List(2026, {{"110109", ""},
                                             {"110120", "测试新区"},
                                             {"110108", "海淀新区"},
                                             {"330199", "测试县"},
                                             {"110109", "门头沟区"}}));
  auto both = CodeBook::Load(dir.path());
  REQUIRE_MESSAGE(both.ok(), both.error().message);
  CHECK((*both)->Table(table::kDivision)->through == 2026);
  CHECK((*both)->Periods(table::kDivision, "110109").size() == 2);  // back in 2026
  CHECK((*both)->Check(table::kDivision, "110109", Date{2026, 6, 1}) == CodeCheck::kValid);
}

TEST_CASE("a yearly list that does not fit is refused with its file") {
  auto load_with = [](const std::string& name, const std::string& text) {
    TempDir dir;
    CopyData(dir);
    dir.Write(name, text);
    auto r = CodeBook::Load(dir.path());
    REQUIRE_FALSE(r.ok());
    return r.error().message;
  };
  auto has = [](const std::string& msg, std::string_view part) {
    CAPTURE(msg);
    return msg.find(part) != std::string::npos;
  };
  CHECK(has(load_with("l.csv", List(2024, {})), "l.csv: the 2024 list is not after 2024"));
  CHECK(has(load_with("l.csv", List(2027, {})), "leaves a gap after 2024"));
  CHECK(has(load_with("l.csv", List(2025, {{"330000", ""}})), "the list lacks province 330000"));
  CHECK(
      has(load_with("l.csv", List(2025, {{"A1", "x"}})), "code A1 is not a 6-digit division code"));
  std::string other = List(2025, {});
  other.replace(other.find("list: division"), 14, "list: gender");
  CHECK(has(load_with("l.csv", other), "table 'gender' takes no yearly list"));
  std::string unknown = List(2025, {});
  unknown.replace(unknown.find("list: division"), 14, "list: nothing");
  CHECK(has(load_with("l.csv", unknown), "list of table 'nothing', which is not loaded"));
}

}  // namespace
}  // namespace xf::codes

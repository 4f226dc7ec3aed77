// The shipped tables in codes/data, loaded through CodeBook.
#include <doctest/doctest.h>

#include <set>
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

const Date kToday{2026, 1, 1};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// How long the load takes is measured by `xfctl bench`, never asserted here.
TEST_CASE("the shipped set loads and holds every table the records use") {
  auto r = CodeBook::Load(SourceDataDir());
  REQUIRE_MESSAGE(r.ok(), r.error().message);

  const CodeBook& book = *r.value();
  CHECK(book.Version() == "xf-codes-2026.2");
  std::set<std::string> ids;
  for (const TableInfo* t : book.Tables()) ids.insert(t->id);
  const std::set<std::string> want = {
      std::string(table::kDivision),        std::string(table::kStatDivision),
      std::string(table::kGender),          std::string(table::kEthnicity),
      std::string(table::kEducation),       std::string(table::kPoliticalStatus),
      std::string(table::kChannel),         std::string(table::kPurpose),
      std::string(table::kContentCategory), std::string(table::kHandlingMethod),
      std::string(table::kSatisfaction),    std::string(table::kVisitType),
      std::string(table::kAcceptance),      std::string(table::kHoliday)};
  CHECK(ids == want);
  for (const std::string& id : want) {
    CAPTURE(id);
    const TableInfo* info = book.Table(id);
    REQUIRE(info != nullptr);
    CHECK(book.Size(id) > 0);
    CHECK_FALSE(info->title.empty());
    CHECK_FALSE(info->standard.empty());
    CHECK_FALSE(info->version.empty());
    CHECK_FALSE(info->source.empty());
    CHECK(info->file.filename() == id + ".csv");
  }
  for (auto id : {table::kDivision, table::kStatDivision, table::kGender, table::kEthnicity,
                  table::kEducation, table::kPoliticalStatus, table::kHoliday}) {
    CHECK(book.Table(id)->official);
  }
  for (auto id : {table::kChannel, table::kPurpose, table::kContentCategory, table::kHandlingMethod,
                  table::kSatisfaction, table::kVisitType, table::kAcceptance}) {
    CHECK_FALSE(book.Table(id)->official);
  }
  CHECK(book.Table(table::kDivision)->standard == "GB/T 2260");
  CHECK(book.Table(table::kStatDivision)->parent_table.empty());
  CHECK(book.Table(table::kStatDivision)->standard.find("统计") != std::string::npos);
  CHECK(book.Table(table::kStatDivision)->title.find("不是GB/T 2260") != std::string::npos);
}

TEST_CASE("divisions: the ministry's list at the end of 2024") {
  const CodeBook& book = Book();
  const Date end_of_2024{2024, 12, 31};
  int provinces = 0, prefectures = 0, counties = 0;
  for (const CodeEntry* e : book.Entries(table::kDivision)) {
    REQUIRE(e->code.size() == 6);
    if (!book.IsValid(table::kDivision, e->code, end_of_2024) ||
        book.Find(table::kDivision, e->code, end_of_2024) != e) {
      continue;
    }
    const std::string_view level = DivisionLevel(e->code);
    if (level == "省级") {
      ++provinces;
      CHECK(e->parent.empty());
    } else if (level == "地级") {
      ++prefectures;
      CHECK(e->parent == e->code.substr(0, 2) + "0000");
    } else {
      ++counties;
      // Its prefecture, or the province for one under it directly (直辖).
      CHECK(
          (e->parent == e->code.substr(0, 4) + "00" || e->parent == e->code.substr(0, 2) + "0000"));
      // No statistical placeholder (xx01 市辖区) and no development zone.
      CHECK(e->label != "市辖区");
    }
  }
  MESSAGE("divisions in use at the end of 2024: " << provinces << " province-level, " << prefectures
                                                  << " prefecture-level, " << counties
                                                  << " county-level");
  CHECK(provinces == 34);
  CHECK(prefectures == 333);
  CHECK(counties == 2846);
  CHECK(book.CodeCount(table::kDivision) == 6450);
  CHECK(book.Size(table::kDivision) == 6823);  // 359 codes have more than one period

  CHECK(book.Label(table::kDivision, "110000") == "北京市");
  CHECK(book.Label(table::kDivision, "110105") == "朝阳区");
  CHECK(book.Find(table::kDivision, "110105")->parent == "110000");  // 直辖
  CHECK(book.Find(table::kDivision, "419001")->parent == "410000");  // 济源, 直辖
  CHECK(book.Find(table::kDivision, "330105")->parent == "330100");
  CHECK(book.Find(table::kDivision, "810000") != nullptr);
  // Not divisions: the municipalities' city level, statistical groups and zones.
  for (const char* code : {"110100", "120100", "310100", "500100", "500200", "440101", "440301",
                           "130171", "429000", "659000"}) {
    CAPTURE(code);
    CHECK(book.Find(table::kDivision, code) == nullptr);
  }
  // 三沙市 西沙区 and 南沙区 from 2020.
  CHECK(book.Check(table::kDivision, "460302", Date{2019, 12, 31}) == CodeCheck::kNotYetValid);
  CHECK(book.Check(table::kDivision, "460302", Date{2020, 1, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "460303", kToday) == CodeCheck::kValid);
  // 莱芜 3712xx: retired, but known (ID numbers issued there stay valid).
  CHECK(book.Check(table::kDivision, "371202", kToday) == CodeCheck::kRetired);
  CHECK(book.Check(table::kDivision, "371202", Date{2010, 6, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "371200", kToday) == CodeCheck::kRetired);
  CHECK(book.Check(table::kDivision, "350402", kToday) == CodeCheck::kRetired);  // 梅列区, 2021
}

TEST_CASE("validity by date, with the codes of the GB 11643 examples") {
  const CodeBook& book = Book();
  // 11010519491231002X: 朝阳区 is in force, and in the first list (1981).
  CHECK(book.Check(table::kDivision, "110105", kToday) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "110105", Date{1975, 1, 1}) == CodeCheck::kValid);

  // 崇文区 merged into 东城区 in 2010: valid through 31 December 2010.
  CHECK(book.Check(table::kDivision, "110103", Date{2005, 6, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "110103", Date{2010, 12, 31}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "110103", Date{2011, 1, 1}) == CodeCheck::kRetired);
  CHECK(book.Check(table::kDivision, "110104", Date{2015, 1, 1}) == CodeCheck::kRetired);
  CHECK(book.Label(table::kDivision, "110103") == "崇文区");
  const CodeEntry* chongwen = book.Find(table::kDivision, "110103");
  CHECK(chongwen->end == EndKind::kAbolished);
  REQUIRE(chongwen->successors.size() == 1);
  CHECK(chongwen->successors[0].code == "110101");

  // 440524188001010014: 潮阳县 is a known, retired code.
  const CodeEntry* chaoyang = book.Find(table::kDivision, "440524");
  REQUIRE(chaoyang != nullptr);
  CHECK(chaoyang->label == "潮阳县");
  REQUIRE(chaoyang->valid_to);
  CHECK(book.Check(table::kDivision, "440524", Date{1990, 1, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "440524", kToday) == CodeCheck::kRetired);
  // 潮阳市 lived from 1993 to 2003.
  CHECK(book.Check(table::kDivision, "440582", Date{1992, 12, 31}) == CodeCheck::kNotYetValid);
  CHECK(book.Check(table::kDivision, "440582", Date{1999, 1, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kDivision, "440582", kToday) == CodeCheck::kRetired);

  CHECK(book.Check(table::kDivision, "110199", kToday) == CodeCheck::kUnknownCode);
  CHECK(book.Check("no_such_table", "110105", kToday) == CodeCheck::kUnknownTable);
}

TEST_CASE("stat_division: the statistics bureau's codes, apart from GB/T 2260") {
  const CodeBook& book = Book();
  int townships = 0;
  for (const CodeEntry* e : book.Entries(table::kStatDivision)) {
    REQUIRE((e->code.size() == 6 || e->code.size() == 9));
    if (e->code.size() == 9) {
      ++townships;
      REQUIRE(e->parent == e->code.substr(0, 6));
    }
  }
  CHECK(townships == 41278);
  CHECK(book.Label(table::kStatDivision, "110101001") == "东华门街道");
  CHECK(book.Find(table::kStatDivision, "110101001")->parent == "110101");
  // The placeholders and zones the ministry's list does not hold live here.
  CHECK(book.Label(table::kStatDivision, "110100") == "市辖区");
  CHECK(book.Label(table::kStatDivision, "440301") == "市辖区");
  CHECK(book.Find(table::kStatDivision, "130171") != nullptr);
  CHECK(book.HasTownships("110101"));
  CHECK_FALSE(book.HasTownships("441900"));
  CHECK_FALSE(book.HasTownships("11010"));
}

TEST_CASE("CheckPlace: 6, 9 and 12 digits") {
  const CodeBook& book = Book();
  CHECK(book.CheckPlace("110105", kToday) == CodeCheck::kValid);
  CHECK(book.CheckPlace("110000", kToday) == CodeCheck::kValid);
  CHECK(book.CheckPlace("110101001", kToday) == CodeCheck::kValid);
  CHECK(book.CheckPlace("110101001001", kToday) == CodeCheck::kValid);
  CHECK(book.CheckPlace("110101001999", kToday) == CodeCheck::kValid);  // villages: form only
  CHECK(book.CheckPlace("110101000", kToday) == CodeCheck::kValid);     // the county itself
  CHECK(book.CheckPlace("110101000000", kToday) == CodeCheck::kValid);
  CHECK(book.CheckPlace("110101000001", kToday) == CodeCheck::kUnknownCode);
  CHECK(book.CheckPlace("110101999", kToday) ==
        CodeCheck::kUnknownCode);  // not a township of 东城区
  CHECK(book.CheckPlace("110101999001", kToday) == CodeCheck::kUnknownCode);
  // No townships loaded for 东莞市 (no county level): the form is enough.
  CHECK(book.CheckPlace("441900003", kToday) == CodeCheck::kValid);
  // 西沙区 is newer than the statistical table: its townships by form only.
  CHECK(book.CheckPlace("460302001", kToday) == CodeCheck::kValid);
  // A retired county: its 6 digits decide.
  CHECK(book.CheckPlace("110103", Date{2005, 1, 1}) == CodeCheck::kValid);
  CHECK(book.CheckPlace("110103001001", Date{2005, 1, 1}) == CodeCheck::kValid);
  CHECK(book.CheckPlace("110103001001", Date{2015, 1, 1}) == CodeCheck::kRetired);
  // Statistical codes are not divisions, whatever their townships.
  CHECK(book.CheckPlace("110100", kToday) == CodeCheck::kUnknownCode);
  CHECK(book.CheckPlace("130171001", kToday) == CodeCheck::kUnknownCode);
  CHECK(book.CheckPlace("999999", kToday) == CodeCheck::kUnknownCode);
  CHECK(book.CheckPlace("999999001", kToday) == CodeCheck::kUnknownCode);
  for (const char* bad : {"", "11010", "1101050", "11010500", "1101010010", "11010100100",
                          "1101010010011", "11010a", "110101 01", "１１０１０５"}) {
    CAPTURE(bad);
    CHECK(book.CheckPlace(bad, kToday) == CodeCheck::kUnknownCode);
  }
}

TEST_CASE("gender, ethnicity, education, political status") {
  const CodeBook& book = Book();
  CHECK(book.Size(table::kGender) == 4);
  CHECK(book.Label(table::kGender, "0") == "未知的性别");
  CHECK(book.Label(table::kGender, "1") == "男");
  CHECK(book.Label(table::kGender, "2") == "女");
  CHECK(book.Label(table::kGender, "9") == "未说明的性别");

  const std::vector<std::string> groups = {
      "汉族",       "蒙古族",   "回族",     "藏族",   "维吾尔族", "苗族",     "彝族",
      "壮族",       "布依族",   "朝鲜族",   "满族",   "侗族",     "瑶族",     "白族",
      "土家族",     "哈尼族",   "哈萨克族", "傣族",   "黎族",     "傈僳族",   "佤族",
      "畲族",       "高山族",   "拉祜族",   "水族",   "东乡族",   "纳西族",   "景颇族",
      "柯尔克孜族", "土族",     "达斡尔族", "仫佬族", "羌族",     "布朗族",   "撒拉族",
      "毛南族",     "仡佬族",   "锡伯族",   "阿昌族", "普米族",   "塔吉克族", "怒族",
      "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",   "裕固族",   "京族",
      "塔塔尔族",   "独龙族",   "鄂伦春族", "赫哲族", "门巴族",   "珞巴族",   "基诺族"};
  REQUIRE(groups.size() == 56);
  auto ethnic = book.Entries(table::kEthnicity);
  REQUIRE(ethnic.size() == 58);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    std::string code = std::to_string(i + 1);
    if (code.size() < 2) code.insert(code.begin(), '0');
    CAPTURE(code);
    CHECK(ethnic[i]->code == code);
    CHECK(ethnic[i]->label == groups[i]);
  }
  CHECK(book.Label(table::kEthnicity, "97") == "其他");
  CHECK(book.Label(table::kEthnicity, "98") == "外国血统中国籍人士");
  CHECK(book.Check(table::kEthnicity, "1", kToday) == CodeCheck::kUnknownCode);  // two digits

  CHECK(book.Label(table::kEducation, "11") == "博士研究生毕业");
  CHECK(book.Label(table::kEducation, "90") == "其他");
  CHECK(book.Find(table::kEducation, "72") == nullptr);
  CHECK(book.Find(table::kEducation, "82") == nullptr);
  int groups_seen = 0;
  for (const CodeEntry* e : book.Entries(table::kEducation)) {
    if (e->code[1] == '0') {
      ++groups_seen;
      CHECK(e->parent.empty());
    } else {
      CHECK(e->parent == e->code.substr(0, 1) + "0");
    }
  }
  CHECK(groups_seen == 8);
  CHECK(book.Size(table::kEducation) == 40);

  CHECK(book.Size(table::kPoliticalStatus) == 13);
  CHECK(book.Label(table::kPoliticalStatus, "01") == "中共党员");
  CHECK(book.Label(table::kPoliticalStatus, "03") == "共青团员");
  CHECK(book.Label(table::kPoliticalStatus, "11") == "台盟盟员");
  CHECK(book.Label(table::kPoliticalStatus, "13") == "群众");
}

TEST_CASE("xfnode's petition tables") {
  const CodeBook& book = Book();
  CHECK(book.Label(table::kChannel, "100") == "来信");
  CHECK(book.Label(table::kChannel, "200") == "来访");
  CHECK(book.Label(table::kChannel, "300") == "网上信访");
  CHECK(book.Find(table::kChannel, "303")->parent == "300");
  CHECK(book.Label(table::kChannel, "400") == "来电");

  CHECK(book.Size(table::kPurpose) == 6);
  CHECK(book.Label(table::kPurpose, "04") == "检举控告");
  CHECK(book.Label(table::kPurpose, "99") == "其他");

  CHECK(book.Label(table::kAcceptance, "1") == "受理");
  CHECK(book.Label(table::kAcceptance, "2") == "不予受理");
  CHECK(book.Label(table::kAcceptance, "3") == "不再受理");
  CHECK(book.Label(table::kVisitType, "2") == "集体访");

  CHECK(book.Label(table::kHandlingMethod, "020000") == "转送");
  CHECK(book.Label(table::kHandlingMethod, "030000") == "交办");
  CHECK(book.Label(table::kHandlingMethod, "070000") == "导入法律程序");
  for (const CodeEntry* e : book.Entries(table::kHandlingMethod)) {
    CHECK(e->code.size() == 6);
    if (!e->parent.empty()) CHECK(e->parent == e->code.substr(0, 2) + "0000");
  }

  // Satisfaction: the national scale and the provincial one mapped onto it.
  CHECK(book.Label(table::kSatisfaction, "1") == "非常满意");
  CHECK(book.Label(table::kSatisfaction, "2") == "满意");
  CHECK(book.Label(table::kSatisfaction, "3") == "不满意");
  CHECK(book.Label(table::kSatisfaction, "22") == "基本满意");
  for (const char* provincial : {"21", "22", "23"}) {
    const std::string& note = book.Find(table::kSatisfaction, provincial)->note;
    REQUIRE(note.rfind("maps_to=", 0) == 0);
    const std::string target = note.substr(8, 1);
    CHECK(book.Find(table::kSatisfaction, target) != nullptr);
    CHECK(target == std::string(1, provincial[1]));  // by rank
  }
}

TEST_CASE("content categories: three levels, 99 everywhere, 涉法涉诉 marked legal") {
  const CodeBook& book = Book();
  CHECK(book.Label(table::kContentCategory, "010000") == "农村农业");
  CHECK(book.Label(table::kContentCategory, "010100") == "村务管理");
  CHECK(book.Label(table::kContentCategory, "010101") == "集体资产管理");
  CHECK(book.Label(table::kContentCategory, "990000") == "其他");
  int level1 = 0, legal = 0;
  for (const CodeEntry* e : book.Entries(table::kContentCategory)) {
    CAPTURE(e->code);
    REQUIRE(e->code.size() == 6);
    const bool is_legal = e->code.substr(0, 2) == "09";
    CHECK((e->note == "legal") == is_legal);
    legal += is_legal;
    if (EndsWith(e->code, "0000")) {
      ++level1;
      CHECK(e->parent.empty());
      CHECK(book.Find(table::kContentCategory, e->code.substr(0, 2) + "9900") != nullptr);
    } else if (EndsWith(e->code, "00")) {
      CHECK(e->parent == e->code.substr(0, 2) + "0000");
      CHECK(book.Label(table::kContentCategory, e->code.substr(0, 4) + "99") == "其他");
    } else {
      CHECK(e->parent == e->code.substr(0, 4) + "00");
    }
  }
  CHECK(level1 >= 15);
  CHECK(legal > 10);
  CHECK(book.Label(table::kContentCategory, "090000") == "涉法涉诉");
}

TEST_CASE("an official table drops in by table id") {
  TempDir dir;
  for (const auto& f : std::filesystem::directory_iterator(SourceDataDir())) {
    std::filesystem::copy_file(f.path(), dir.path() / f.path().filename());
  }
  const std::string official =
      "# table: content_category\n"
      "# title: 信访事项内容分类（国家）\n"
      "# standard: 国家信访局 内容分类\n"
      "# version: 2027\n"
      "# official: yes\n"
      "# source: test\n"
      "code,label,parent,valid_from,valid_to,note\n"
      "A00000,国家分类甲,,2027-01-01,,\n"
      "A01000,国家分类甲一,A00000,2027-01-01,,legal\n";

  // Both files at once: one table id, two claims.
  dir.Write("national_content_category.csv", official);
  auto clash = CodeBook::Load(dir.path());
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.error().code == Errc::kAlreadyExists);

  std::filesystem::remove(dir.path() / "content_category.csv");
  auto r = CodeBook::Load(dir.path());
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  const CodeBook& book = *r.value();
  const TableInfo* info = book.Table(table::kContentCategory);
  REQUIRE(info != nullptr);
  CHECK(info->official);
  CHECK(info->version == "2027");
  CHECK(info->file.filename() == "national_content_category.csv");
  CHECK(book.Size(table::kContentCategory) == 2);
  CHECK(book.Check(table::kContentCategory, "A01000", Date{2027, 3, 1}) == CodeCheck::kValid);
  CHECK(book.Check(table::kContentCategory, "A01000", Date{2026, 3, 1}) == CodeCheck::kNotYetValid);
  CHECK(book.Check(table::kContentCategory, "010101", Date{2027, 3, 1}) == CodeCheck::kUnknownCode);
  // The other tables are untouched.
  CHECK(book.Size(table::kStatDivision) == 44939);
  CHECK(book.IsValid(table::kDivision, "110105", kToday));
}

}  // namespace
}  // namespace xf::codes

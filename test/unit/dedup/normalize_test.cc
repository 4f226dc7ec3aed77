// Normalisation: what clerks write differently comes out the same.
#include <doctest/doctest.h>

#include <string>

#include "dedup/normalize.h"

namespace xf::dedup {
namespace {

TEST_CASE("normalize: amounts written five ways are one number") {
  const std::string want = "补偿款50000元";
  CHECK(NormalizeText("补偿款5万元") == want);
  CHECK(NormalizeText("补偿款50000元") == want);
  CHECK(NormalizeText("补偿款伍万元") == want);
  CHECK(NormalizeText("补偿款五万元") == want);
  CHECK(NormalizeText("补偿款50,000元") == want);
  CHECK(NormalizeText("补偿款５００００元") == want);  // full-width digits
  CHECK(NormalizeText("3.5万元") == "35000元");
  CHECK(NormalizeText("1,200万元") == "12000000元");
  CHECK(NormalizeText("三万五千元") == "35000元");
  CHECK(NormalizeText("三万五") == "35000");
  CHECK(NormalizeText("一百零五元") == "105元");
  CHECK(NormalizeText("一百五") == "150");
  CHECK(NormalizeText("十五元") == "15元");
  CHECK(NormalizeText("三十万零五百元") == "300500元");
  CHECK(NormalizeText("拾万伍仟元") == "105000元");
  CHECK(NormalizeText("一亿二千万") == "120000000");
  CHECK(NormalizeText("两万块钱") == "20000元");
  CHECK(NormalizeText("2010年入伍") == "2010年入伍");  // a lone financial numeral is a word
}

TEST_CASE("normalize: dates however written") {
  const std::string month = "2024年3月";
  CHECK(NormalizeText("2024年3月") == month);
  CHECK(NormalizeText("2024-03") == month);
  CHECK(NormalizeText("2024年03月") == month);
  CHECK(NormalizeText("二〇二四年三月") == month);
  CHECK(NormalizeText("2024.03") == month);
  const std::string day = "2024年3月5日";
  CHECK(NormalizeText("2024年3月5日") == day);
  CHECK(NormalizeText("2024-03-05") == day);
  CHECK(NormalizeText("2024/3/5") == day);
  CHECK(NormalizeText("2024.3.5") == day);
  CHECK(NormalizeText("2024年03月05号") == day);
  CHECK(NormalizeText("二〇二四年三月五日") == day);
  CHECK(NormalizeText("二零二四年三月五日") == day);
  CHECK(NormalizeText("3月5号") == "3月5日");
  // Not dates: left as numbers.
  CHECK(NormalizeText("2019-2024") == "2019 2024");
  CHECK(NormalizeText("2024-13") == "2024 13");
  CHECK(NormalizeText("50000元") == "50000元");
}

TEST_CASE("normalize: width, case, punctuation and spaces") {
  CHECK(NormalizeText("ＡＢＣ公司，欠款！") == "abc公司 欠款");
  CHECK(NormalizeText("  要求 公开\t账目。\n") == "要求 公开 账目");
  CHECK(NormalizeText("“村务”（账目）【不公开】") == "村务 账目 不公开");
  CHECK(NormalizeText("拆迁，，、补偿款") == "拆迁 补偿款");
  CHECK(NormalizeText("每平方米1.5元") == "每平方米15元");  // the decimal point goes with the punctuation
  CHECK(NormalizeText("") == "");
  // Invalid UTF-8 is skipped, never a crash.
  CHECK(NormalizeText(std::string("\xff\xfe拆迁\xe6\x8b", 10)) == "拆迁");
}

TEST_CASE("normalize: names and phones") {
  CHECK(NormalizeName(" 李 建国 ") == "李建国");
  CHECK(NormalizeName("阿不都·热合曼") == "阿不都热合曼");
  CHECK(NormalizeName("ＬＩ Ｍｉｎｇ") == "liming");
  CHECK(NormalizePhones("138-1234-5678") == std::vector<std::string>{"13812345678"});
  CHECK(NormalizePhones("+86 138 1234 5678") == std::vector<std::string>{"13812345678"});
  CHECK(NormalizePhones("0086-13812345678") == std::vector<std::string>{"13812345678"});
  CHECK(NormalizePhones("１３８１２３４５６７８") == std::vector<std::string>{"13812345678"});
  CHECK(NormalizePhones("010-87654321转123") == std::vector<std::string>{"01087654321"});
  CHECK(NormalizePhones("13812345678/13987654321") == std::vector<std::string>{"13812345678", "13987654321"});
  CHECK(NormalizePhones("13812345678 13987654321") == std::vector<std::string>{"13812345678", "13987654321"});
  CHECK(NormalizePhones("无").empty());
  CHECK(NormalizePhones("123").empty());
}

TEST_CASE("normalize: ID numbers in their 18-character form") {
  CHECK(IdNumber18("11010519491231002X") == "11010519491231002X");
  CHECK(IdNumber18("11010519491231002x") == "11010519491231002X");
  CHECK(IdNumber18(" 440524188001010014 ") == "440524188001010014");
  CHECK(IdNumber18("４４０５２４１８８００１０１００１４") == "440524188001010014");
  // A 15-digit first-generation number: 19 before YYMMDD, the check character added.
  CHECK(IdNumber18("110105491231002") == "11010519491231002X");
  CHECK(IdCheckCharacter("11010519491231002") == 'X');
  CHECK(IdCheckCharacter("44052418800101001") == '4');
  CHECK(IdNumber18("1101051949123100") == "");
  CHECK(IdNumber18("11010519491231002Y") == "");
  CHECK(IdNumber18("") == "");
}

}  // namespace
}  // namespace xf::dedup

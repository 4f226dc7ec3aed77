// The matcher on hand-written registrations: rewrites by other clerks are
// linked; the hard negatives (same person other matter, neighbours with the
// same collective matter, the same common name) are not.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "dedup/matcher.h"
#include "dedup/normalize.h"

namespace xf::dedup {
namespace {

schema::CaseRegistration Letter() {
  schema::CaseRegistration c;
  c.case_id = "110105-2024-0000001";
  c.registering_body = "110105";
  c.received_date = Date{2024, 3, 4};
  c.channel = "100";
  c.registrar = "王晓梅";
  schema::Petitioner p;
  p.name = "李建国";
  p.gender = "1";
  p.id_number = "11010519491231002X";
  p.phone = "138-1234-5678";
  p.address = "北京市朝阳区高碑店乡西店村3组12号";
  p.first = true;
  c.petitioners.push_back(p);
  c.summary = "信访人称：西店村3组的房屋于2023年5月12日被区征收办组织拆除，拆迁协议约定补偿款5万元，但至今只拿到2万元，"
              "多次到高碑店乡询问均无结果。";
  c.requests = "要求按协议足额支付剩余拆迁补偿款3万元。";
  c.problem_place = "110105";
  c.content_category = "030102";
  c.purpose = "02";
  return c;
}

// The same letter as another clerk registers it: clauses reordered and
// reworded, amounts and dates written otherwise, a 同音字 typo, the place at
// township precision.
schema::CaseRegistration Rewrite() {
  schema::CaseRegistration c = Letter();
  c.case_id = "110100-2024-0000007";
  c.registering_body = "110100";
  c.received_date = Date{2024, 4, 20};
  c.registrar = "张丽华";
  c.summary = "李建国来访反映，按协议应得补偿伍万元，实际到手只有20000元，其余一直拖着不给。其位于西店村3组的自建房在"
              "2023-05-12被强制拆除，找区征收办多次，工作人员互相推诿。";
  c.requests = "请求督促区征收办尽快兑现补尝款。";
  c.problem_place = "110105011";
  return c;
}

bool Has(const Match& m, const std::string& reason) {
  return std::find(m.reasons.begin(), m.reasons.end(), reason) != m.reasons.end();
}

std::string Reasons(const Match& m) {
  std::string out;
  for (const auto& r : m.reasons) out += r + "；";
  return out;
}

TEST_CASE("matcher: another clerk's rewrite of the letter is a duplicate, with the reasons") {
  const Match m = Compare(Extract(Rewrite()), Extract(Letter()));
  CAPTURE(Reasons(m));
  CHECK(m.decision == Decision::kDuplicate);
  CHECK(m.identity == Identity::kIdNumber);
  CHECK(m.reasons.front() == "同一身份证号");
  CHECK(Has(m, "同一内容分类"));
  CHECK(Has(m, "同一问题属地"));
  CHECK(Has(m, "涉及同一金额"));
  CHECK(m.score > 0.6);
  // The similarities are named with their figures.
  CHECK(std::any_of(m.reasons.begin(), m.reasons.end(), [](const std::string& r) { return r.rfind("诉求相似度 0.", 0) == 0; }));
}

TEST_CASE("matcher: without an ID number the same name and phone, or name and address, make the same petitioner") {
  auto no_id = Rewrite();
  no_id.petitioners[0].id_number.clear();
  no_id.petitioners[0].phone = "+86 13812345678";
  Match m = Compare(Extract(no_id), Extract(Letter()));
  CHECK(m.identity == Identity::kNameAndPhone);
  CHECK(m.decision == Decision::kDuplicate);
  CHECK(Has(m, "同一姓名和联系电话"));

  // The phone changed too; the address is written without province and district.
  no_id.petitioners[0].phone = "13900001111";
  no_id.petitioners[0].address = "高碑店乡西店村3组12号";
  m = Compare(Extract(no_id), Extract(Letter()));
  CHECK(m.identity == Identity::kNameAndAddress);
  CHECK(m.decision == Decision::kDuplicate);
  CHECK(Has(m, "同一姓名和住址"));

  // And a different address as well: only the name is left — a clerk should look.
  no_id.petitioners[0].address = "北京市朝阳区八里庄街道红庙小区5号楼";
  m = Compare(Extract(no_id), Extract(Letter()));
  CHECK(m.identity == Identity::kWeak);
  CHECK(m.decision == Decision::kPossible);
}

TEST_CASE("matcher: a 15-digit first-generation ID number is the same person as its 18-character form") {
  auto old = Rewrite();
  old.petitioners[0].id_number = "110105491231002";
  const Match m = Compare(Extract(old), Extract(Letter()));
  CHECK(m.identity == Identity::kIdNumber);
  CHECK(m.decision == Decision::kDuplicate);
}

TEST_CASE("matcher: the content category may differ by one level, not by two") {
  auto near = Rewrite();
  near.content_category = "030101";  // a sibling under 0301 征收拆迁
  Match m = Compare(Extract(near), Extract(Letter()));
  CHECK(m.decision == Decision::kDuplicate);
  CHECK(Has(m, "内容分类相差一级"));
  near.content_category = "030100";  // the parent
  CHECK(Compare(Extract(near), Extract(Letter())).decision == Decision::kDuplicate);
  near.content_category = "030204";  // 城乡建设 › 住房保障 › 物业管理: two levels
  m = Compare(Extract(near), Extract(Letter()));
  CHECK(m.decision == Decision::kPossible);
  CHECK(Has(m, "内容分类同属一大类"));
}

TEST_CASE("matcher: hard negative — the same person raising a different matter") {
  auto other = Letter();
  other.case_id = "110105-2024-0000099";
  other.summary = "信访人称：在东方建筑有限公司承建的阳光花园工地务工，2023年6月至2023年10月的工资共计38600元一直未发。";
  other.requests = "要求东方建筑有限公司支付拖欠的工资38600元。";
  other.content_category = "040101";
  Match m = Compare(Extract(other), Extract(Letter()));
  CAPTURE(Reasons(m));
  CHECK(m.identity == Identity::kIdNumber);
  CHECK(m.decision != Decision::kDuplicate);

  // Harder: the same kind of matter, another house in another village.
  auto house = Letter();
  house.case_id = "110105-2024-0000100";
  house.summary = "信访人称：其在东坝村7组的房屋于2021年9月3日被拆除，拆迁协议约定补偿款18万元，但至今只拿到6万元。";
  house.requests = "要求按协议足额支付剩余拆迁补偿款12万元。";
  m = Compare(Extract(house), Extract(Letter()));
  CAPTURE(Reasons(m));
  CHECK(m.decision != Decision::kDuplicate);
  CHECK(Has(m, "涉及村不同"));
  CHECK(Has(m, "涉及金额不同"));
}

TEST_CASE("matcher: hard negative — neighbours raising the same collective matter, each their own petitioner") {
  auto neighbour = Rewrite();
  neighbour.petitioners[0].name = "王秀兰";
  neighbour.petitioners[0].id_number = "110105196003150027";
  neighbour.petitioners[0].phone = "13698765432";
  neighbour.petitioners[0].address = "北京市朝阳区高碑店乡西店村3组15号";
  neighbour.summary = "王秀兰来访反映，按协议应得补偿伍万元，实际到手只有20000元。其位于西店村3组的自建房在2023-05-12被强制拆除。";
  Match m = Compare(Extract(neighbour), Extract(Letter()));
  CAPTURE(Reasons(m));
  CHECK(m.identity == Identity::kDifferent);
  CHECK(m.decision != Decision::kDuplicate);
  CHECK(m.reasons.front() == "身份证号不同（不是同一人）");
  // Without ID numbers: still not the same petitioner.
  neighbour.petitioners[0].id_number.clear();
  m = Compare(Extract(neighbour), Extract(Letter()));
  CHECK(m.identity == Identity::kNone);
  CHECK(m.decision != Decision::kDuplicate);
}

TEST_CASE("matcher: hard negative — two people with the same common name") {
  auto a = Letter();
  a.petitioners[0].name = "张伟";
  auto b = Rewrite();
  b.petitioners[0].name = "张伟";
  b.petitioners[0].id_number = "11010819800101003X";
  b.petitioners[0].phone = "13511112222";
  b.petitioners[0].address = "北京市海淀区学院路30号";
  // Different ID numbers: different people, however alike the matter.
  Match m = Compare(Extract(b), Extract(a));
  CHECK(m.identity == Identity::kDifferent);
  CHECK(m.decision != Decision::kDuplicate);
  // One without an ID number: the name alone links nobody.
  b.petitioners[0].id_number.clear();
  m = Compare(Extract(b), Extract(a));
  CHECK(m.identity == Identity::kWeak);
  CHECK(m.decision != Decision::kDuplicate);
  CHECK(m.reasons.front() == "同名（无其他相同身份信息）");
}

TEST_CASE("matcher: a person among several petitioners is enough") {
  auto joint = Letter();
  schema::Petitioner wife;
  wife.name = "赵淑珍";
  wife.gender = "2";
  wife.id_number = "110105195205060021";
  joint.petitioners.insert(joint.petitioners.begin(), wife);
  auto later = Rewrite();
  later.petitioners[0].id_number.clear();  // 李建国 alone, name and phone
  const Match m = Compare(Extract(later), Extract(joint));
  CHECK(m.identity == Identity::kNameAndPhone);
  CHECK(m.decision == Decision::kDuplicate);
}

TEST_CASE("matcher: bigram weights make shared names count more than shared boilerplate") {
  BigramWeights w;
  Features filler;
  for (int i = 0; i < 400; ++i) {
    filler.summary = NormalizeText("信访人称：要求解决问题，望领导重视。第" + std::to_string(i) + "件");
    w.Add(filler);
  }
  CHECK(w.Documents() == 400);
  const auto bigram = [](const char* two) {
    const auto cps = ToCodePoints(two);
    return (static_cast<std::uint64_t>(cps[0]) << 32) | cps[1];
  };
  CHECK(w.Weight(bigram("信访")) < w.Weight(bigram("西店")));
  CHECK(w.Weight(bigram("信访")) >= 0.1);
  BigramWeights few;
  CHECK(few.Weight(bigram("信访")) == 1.0);  // too few cases: every bigram weighs 1
}

TEST_CASE("matcher: keys, terms and the stored form of persons") {
  const Features a = Extract(Letter()), b = Extract(Rewrite());
  // The same ID number, 18 or 15 digits, gives the same key; the keys hold no number in clear.
  auto old = Rewrite();
  old.petitioners[0].id_number = "110105491231002";
  CHECK(Extract(old).persons[0].id18 == "11010519491231002X");
  const auto ka = PersonKeys(a), kb = PersonKeys(b);
  CHECK(std::find(ka.begin(), ka.end(), IdKey("11010519491231002X")) != ka.end());
  CHECK(std::find(kb.begin(), kb.end(), IdKey("11010519491231002X")) != kb.end());
  CHECK(std::is_sorted(ka.begin(), ka.end()));
  for (auto k : ka) CHECK(k >= 0);
  CHECK(ka.size() == 3);  // ID, name + phone, name + county
  Features no_contact = a;
  no_contact.persons[0].id18.clear();
  no_contact.persons[0].phones.clear();
  CHECK(PersonKeys(no_contact).size() == 2);  // name + county, and name + address: the handles left
  CHECK(BroadKeys(no_contact) == PersonKeys(no_contact));  // both broad
  CHECK(BroadKeys(a).size() == 1);                          // name + county
  // A stable hash: never changes (it is stored).
  CHECK(StableHash("") == StableHash(""));
  CHECK(StableHash("id|11010519491231002X") == IdKey("11010519491231002X"));

  const auto ta = IndexTerms(a), tb = QueryTerms(b);
  CHECK(ta.size() == kIndexTerms);
  CHECK(tb.size() == kQueryTerms);
  // The query's terms begin with the stored ones' kind: the same sketch, longer.
  const auto qa = QueryTerms(a);
  CHECK(std::equal(ta.begin(), ta.end(), qa.begin()));
  for (const auto& t : ta) {
    CHECK(t.rfind("110105", 0) == 0);  // the county of the problem place
    CHECK(t.find(' ') == std::string::npos);
  }
  int shared = 0;
  for (const auto& t : tb) shared += std::find(ta.begin(), ta.end(), t) != ta.end();
  CHECK(shared >= 1);  // a stored case has few terms; a rewrite shares some
  CHECK(JoinTerms({"a", "b"}) == "a b");

  const auto round = DecodePersons(EncodePersons(a.persons));
  REQUIRE(round.size() == 1);
  CHECK(round[0].id18 == a.persons[0].id18);
  CHECK(round[0].name == "李建国");
  CHECK(round[0].phones == std::vector<std::string>{"13812345678"});
  CHECK(round[0].address == a.persons[0].address);
  CHECK(DecodePersons("garbage").empty());
  CHECK(DecodePersons("\t\t\t").size() == 1);
}

}  // namespace
}  // namespace xf::dedup

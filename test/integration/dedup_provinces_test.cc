// Duplicates across two provinces (判重, issue 11) through real xfnode
// processes over real mutual TLS: the national bureau 100000 with the
// provinces 110000 and 310000 below it, and a county under each (110105,
// 310104). The same petitioner's letter sent to a county in each province is
// found at the second registration by the national bureau (the question goes
// up through 310000), and the national bureau's notice (判重提示) comes down
// through 110000 to the first county, signed by the national bureau in a
// batch on its down stream. Hard negatives — another 王秀兰 (another ID
// number, another matter) and the same 王秀兰's other matter — are not linked.
// With its province down, the second county still registers and answers from
// what it holds.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "test/harness/dedup_cases.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::Query;
using xf::test::QueryOne;
using xf::test::ReadText;
using xf::test::SourceDir;
using xf::test::Topology;
using xf::test::WaitUntil;
using xf::test::Xfctl;

using xf::test::dedup_cases::Letter;
using xf::test::dedup_cases::Call;
using xf::test::dedup_cases::Candidate;

namespace {

// The same letter sent to a Shanghai county a week later (一信多投 across
// provinces): the clerk there retypes the summary and requests, writes the
// amounts in Chinese numerals, keeps her ID number, not her phone.
json::object SameLetterInShanghai() {
  auto o = Letter();
  o["received_date"] = "2025-04-15";
  auto& p = o["petitioners"].as_array()[0].as_object();
  p.erase("phone");
  o["summary"] = "王秀兰来信称：她所住小区的物业公司二〇二五年三月贴出通知，把物业费从每月每平方米二点二元涨到三点五元，"
                 "没有经过业主大会表决；多次找物业协商，没有结果。";
  o["requests"] = "请求物业公司按原来合同的标准收费，主管部门核查调价程序。";
  o["registrar"] = "陈静";
  return o;
}

// Another woman called 王秀兰 in Shanghai (another ID number, phone and
// address): her unpaid wages, nothing to do with the property fee.
json::object OtherWangXiulan() {
  auto o = Letter();
  o["received_date"] = "2025-04-14";
  auto& p = o["petitioners"].as_array()[0].as_object();
  p["id_number"] = "310104197003120522";
  p["phone"] = "13816549870";
  p["address"] = "上海市徐汇区田林街道田林新村12号楼301室";
  p["address_division"] = "310104";
  o["summary"] = "信访人反映：其在徐汇区某服装厂工作，该厂自2024年10月起拖欠其工资共计18600元，多次讨要未果。";
  o["requests"] = "要求服装厂支付拖欠的工资18600元。";
  o["problem_place"] = "310104";
  o["content_category"] = "040301";
  o["responsible_unit"] = "上海市徐汇区人力资源和社会保障局";
  o["involved_count"] = 1;
  return o;
}

// The same 王秀兰 (her ID number) with another matter: her pension.
json::object HerPension() {
  auto o = Letter();
  o["received_date"] = "2025-04-14";
  o["summary"] = "信访人反映：其于2013年从纺织厂退休，退休金自2024年12月起每月少发了300元，社保经办机构未作解释。";
  o["requests"] = "要求补发少发的退休金，并说明原因。";
  o["content_category"] = "040101";
  o["responsible_unit"] = "北京市朝阳区人力资源和社会保障局";
  o["involved_count"] = 1;
  return o;
}

bool NoDuplicateDecision(const json::object& answer) {
  for (const auto& c : answer.at("candidates").as_array()) {
    if (c.at("decision").as_string() == "duplicate") return false;
  }
  return true;
}

std::string NoticeCount(Topology& t, const std::string& node, const std::string& case_id) {
  return QueryOne(t.Dir(node), "SELECT count(*) FROM events WHERE case_id = ?1 AND kind = 'duplicate_notice'", {case_id});
}

}  // namespace

TEST_CASE("dedup across provinces: found at the national bureau at the second registration, noticed down to the first") {
  Topology t({"100000", "110000", "310000", "110105", "310104"});
  REQUIRE(t.ParentOf("110105") == "110000");
  REQUIRE(t.ParentOf("310104") == "310000");
  REQUIRE(t.ParentOf("310000") == "100000");
  REQUIRE(t.StartAll());
  // The national bureau's system key, fetched by each province from it and
  // by each county from its province.
  for (const std::string c : {"110105", "310104"}) {
    REQUIRE_MESSAGE(WaitUntil([&] { return std::filesystem::exists(t.Dir(c) / "data" / "dedup.key"); }),
                    c << " never got the system key:\n" << t.Node(c).Log());
    CHECK(ReadText(t.Dir(c) / "data" / "dedup.key") == ReadText(t.Dir("100000") / "data" / "dedup.key"));
  }

  // The first registration, in Beijing: nothing earlier anywhere.
  const auto first = Call(t, "110105", "POST", "/v1/cases", json::serialize(Letter()), 201);
  const std::string a(first.at("case_id").as_string());
  CHECK(first.at("candidates_scope").as_string() == "system");
  CHECK(first.at("candidates").as_array().empty());
  REQUIRE(t.WaitForCase("100000", a, 1));
  // The national bureau has indexed it blind (for the questions from below).
  REQUIRE(WaitUntil([&] {
    return QueryOne(t.Dir("100000"), "SELECT count(*) FROM dedup_blind b JOIN dedup_cases c ON c.id = b.id WHERE c.case_id = ?1", {a}) != "0";
  }));

  // The hard negatives at the Shanghai county: not duplicates of hers, by
  // name alone or by ID number alone.
  const auto other = Call(t, "310104", "POST", "/v1/cases", json::serialize(OtherWangXiulan()), 201);
  const std::string n1(other.at("case_id").as_string());
  CHECK(other.at("candidates_scope").as_string() == "system");
  CHECK_MESSAGE(Candidate(other, a) == nullptr, json::serialize(other));
  CHECK(NoDuplicateDecision(other));
  const auto pension = Call(t, "310104", "POST", "/v1/cases", json::serialize(HerPension()), 201);
  const std::string n2(pension.at("case_id").as_string());
  CHECK_MESSAGE(NoDuplicateDecision(pension), json::serialize(pension));

  // The same letter at the Shanghai county: found at the second
  // registration. 310000 holds nothing outside its own subtree; the national
  // bureau holds the Beijing case and answers through 310000.
  const auto second = Call(t, "310104", "POST", "/v1/cases", json::serialize(SameLetterInShanghai()), 201);
  const std::string b(second.at("case_id").as_string());
  CHECK(second.at("candidates_scope").as_string() == "system");
  const auto& searched = second.at("candidates_searched").as_array();
  REQUIRE(searched.size() == 3);
  CHECK(searched[0].as_string() == "310104");
  CHECK(searched[1].as_string() == "310000");
  CHECK(searched[2].as_string() == "100000");
  const auto* found = Candidate(second, a);
  REQUIRE_MESSAGE(found != nullptr, json::serialize(second));
  CHECK(found->at("decision").as_string() == "duplicate");
  CHECK(found->at("node").as_string() == "110105");
  CHECK(found->at("found_by").as_string() == "100000");
  CHECK(found->at("via").as_string() == "upward");
  CHECK(found->at("received_date").as_string() == "2025-04-08");
  CHECK(found->at("status").as_string() == "registered");
  // Only what a Shanghai county may see of a Beijing case: no petitioner, no text.
  CHECK_FALSE(found->contains("petitioners"));
  CHECK_FALSE(found->contains("summary"));
  // The same person's pension letter, registered here a moment ago, is found
  // here, and not as the same matter.
  if (const auto* x = Candidate(second, n2)) {
    CHECK(x->at("decision").as_string() != "duplicate");
    CHECK(x->at("via").as_string() == "local");
  }
  if (const auto* x = Candidate(second, n1)) CHECK(x->at("decision").as_string() != "duplicate");

  // Later, the national bureau checks the arrivals and reports the pair
  // down to both counties, through each province.
  REQUIRE_MESSAGE(WaitUntil([&] { return NoticeCount(t, "110105", a) != "0" && NoticeCount(t, "310104", b) != "0"; }),
                  "no notice came down; national's notices: "
                      << QueryOne(t.Dir("100000"), "SELECT count(*) FROM events WHERE kind = 'duplicate_notice'")
                      << "; its log:\n"
                      << t.Node("100000").Log() << "\n110105's log:\n"
                      << t.Node("110105").Log());
  // The notice is the national bureau's own event (the provinces did not find
  // the pair: neither holds both), and the province relayed it.
  CHECK(QueryOne(t.Dir("110105"), "SELECT origin FROM events WHERE case_id = ?1 AND kind = 'duplicate_notice'", {a}) ==
        "100000");
  CHECK(QueryOne(t.Dir("110000"), "SELECT count(*) FROM events WHERE kind = 'duplicate_notice' AND origin <> '100000'") ==
        "0");
  CHECK(QueryOne(t.Dir("310000"), "SELECT count(*) FROM events WHERE kind = 'duplicate_notice' AND origin <> '100000'") ==
        "0");
  // It came in a batch on the national bureau's down stream to 110105,
  // relayed unchanged by 110000, verifiable with the national bureau's key.
  const auto rows = Query(t.Dir("110105"),
                          "SELECT bytes, signature, received_from FROM batches WHERE origin = '100000' AND stream = "
                          "'down.110105'");
  REQUIRE(!rows.empty());
  auto national_key = xf::exchange::PublicKey::LoadPem(t.Dir("100000") / "keys" / "signing.pub");
  REQUIRE(national_key);
  auto province_key = xf::exchange::PublicKey::LoadPem(t.Dir("110000") / "keys" / "signing.pub");
  REQUIRE(province_key);
  bool carried = false;
  for (const auto& r : rows) {
    CHECK(r[2] == "110000");
    CHECK(xf::exchange::VerifyBytes(*national_key, r[0], r[1]));
    CHECK_FALSE(xf::exchange::VerifyBytes(*province_key, r[0], r[1]));
    auto xml = xf::exchange::Decompress(r[0], 16 << 20);
    REQUIRE(xml);
    if (xml->find("duplicate_notice") != std::string::npos && xml->find(b) != std::string::npos) carried = true;
  }
  CHECK_MESSAGE(carried, "no down batch of 100000 at 110105 carries the notice naming " << b);

  // What the first county's clerk now reads: the Shanghai case, a duplicate,
  // found by the national bureau, reported down as a notice.
  const auto at_a = Call(t, "110105", "GET", "/v1/cases/" + a + "/duplicates");
  const auto* found_b = Candidate(at_a, b);
  REQUIRE_MESSAGE(found_b != nullptr, json::serialize(at_a));
  CHECK(found_b->at("found_by").as_string() == "100000");
  CHECK(found_b->at("node").as_string() == "310104");
  CHECK(found_b->at("decision").as_string() == "duplicate");
  CHECK(found_b->at("via").as_string() == "notice");
  // The hard negatives are not linked to her case, neither by the notices
  // nor by what the levels above answer now.
  if (const auto* x = Candidate(at_a, n1)) CHECK(x->at("decision").as_string() != "duplicate");
  if (const auto* x = Candidate(at_a, n2)) CHECK(x->at("decision").as_string() != "duplicate");
  const auto national_notices = Query(t.Dir("100000"), "SELECT case_id, xml FROM events WHERE kind = 'duplicate_notice'");
  for (const auto& r : national_notices) {
    if (r[0] == n1) FAIL_CHECK("the other 王秀兰's case got a notice: " << r[1]);
    // Between a and b a duplicate, nothing else is found for the other 王秀兰.
    if (r[0] == a) CHECK(r[1].find(n1) == std::string::npos);
  }
  // The notice changed nothing else on her case.
  CHECK(QueryOne(t.Dir("110105"), "SELECT status FROM cases WHERE case_id = ?1", {a}) == "registered");
  // xfctl shows who found it and how, in Chinese and in English.
  const auto zh = Xfctl({"case", "duplicates", a, "--node", t.Dir("110105").string()});
  CHECK(zh.status == 0);
  CHECK_MESSAGE(zh.output.find("发现：100000") != std::string::npos, zh.output);
  CHECK_MESSAGE(zh.output.find("上级判重提示") != std::string::npos, zh.output);
  const auto en = Xfctl({"case", "duplicates", a, "--node", t.Dir("110105").string(), "--lang", "en"});
  CHECK(en.status == 0);
  CHECK_MESSAGE(en.output.find("notice from above") != std::string::npos, en.output);
  CHECK_MESSAGE(en.output.find("found by 100000") != std::string::npos, en.output);

  // Shanghai's province down: the county still registers and answers from what it holds, and says so.
  t.Kill("310000");
  auto third = SameLetterInShanghai();
  third["received_date"] = "2025-04-22";
  const auto offline = Call(t, "310104", "POST", "/v1/cases", json::serialize(third), 201);
  CHECK(offline.at("candidates_scope").as_string() == "partial");
  REQUIRE(offline.at("candidates_unreachable").as_array().size() == 1);
  CHECK(offline.at("candidates_unreachable").as_array()[0].at("node").as_string() == "310000");
  const auto* local = Candidate(offline, b);
  REQUIRE_MESSAGE(local != nullptr, json::serialize(offline));
  CHECK(local->at("decision").as_string() == "duplicate");
  CHECK(local->at("found_by").as_string() == "310104");
  CHECK(local->at("via").as_string() == "local");
  CHECK(Candidate(offline, a) == nullptr);  // the Beijing case is known only above
}

// The blind index (dedup/blind.h) and the upward question's wire format
// (dedup/wire.h): a question made with the system key says nothing in clear,
// survives its JSON, and the matcher decides on it exactly as on the plain
// features — measured on the labelled set, whose figures must not move.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "dedup/blind.h"
#include "dedup/labelled.h"
#include "dedup/matcher.h"
#include "dedup/wire.h"

namespace xf::dedup {
namespace {

std::shared_ptr<const BlindKey> Key(char fill = 'k', const char* id = "2026-1") {
  auto k = BlindKey::Make(std::string(BlindKey::kBytes, fill), id);
  REQUIRE(k);
  return *k;
}

labelled::Evaluation::Figures Evaluate(const std::vector<labelled::Registration>& set, const Hasher* blind) {
  labelled::Evaluation eval(set);
  std::vector<Features> features;
  for (const auto& r : set) features.push_back(Extract(r.record));
  BigramWeights plain;
  for (const auto& f : features) plain.Add(f);
  plain.Finish();
  const BigramWeights rehashed = blind ? plain.Rehashed(*blind) : BigramWeights();
  const BigramWeights* weights = blind ? &rehashed : &plain;
  std::vector<Prepared> prepared;
  for (const auto& f : features) prepared.push_back(Prepare(f, blind ? *blind : PlainHasher()));
  for (std::size_t i = 0; i < set.size(); ++i) {
    Prepared q = prepared[i];
    if (blind) {
      // What the question carries, through its JSON.
      wire::Question question;
      question.key_id = "2026-1";
      question.exclude = "110105";
      question.prepared = q;
      auto parsed = wire::ParseQuestion(wire::QuestionJson(question));
      REQUIRE(parsed);
      q = parsed->prepared;
    }
    const Query query(std::move(q), weights);
    std::vector<std::pair<Match, int>> found;
    for (std::size_t j = 0; j < i; ++j) {
      Match m = query.Against(prepared[j]);
      if (m.decision != Decision::kNone) found.emplace_back(std::move(m), static_cast<int>(j));
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first.score > b.first.score; });
    std::vector<labelled::Candidate> ranked;
    for (const auto& [m, j] : found) ranked.push_back({j, m.decision});
    eval.Observe(static_cast<int>(i), ranked);
  }
  return eval.Result();
}

}  // namespace

TEST_CASE("blind: the labelled set decides the same through the keyed question as in clear") {
  labelled::Options o;
  o.seed = 11;
  o.registrations = 600;
  const auto set = labelled::Generate(o);
  const auto plain = Evaluate(set, nullptr);
  const auto key = Key();
  const auto blind = Evaluate(set, key.get());
  MESSAGE("plain: precision " << plain.precision << ", recall " << plain.recall << ", top-5 " << plain.top5_recall
                              << "; blind: precision " << blind.precision << ", recall " << blind.recall
                              << ", top-5 " << blind.top5_recall);
  CHECK(plain.true_pairs > 100);
  CHECK(blind.true_pairs == plain.true_pairs);
  CHECK(blind.duplicate_links == plain.duplicate_links);
  CHECK(blind.duplicate_correct == plain.duplicate_correct);
  CHECK(blind.top5_found == plain.top5_found);
}

TEST_CASE("blind: values depend on the key; plain keys are the stored ones") {
  const auto a = Key('a'), b = Key('b');
  CHECK(a->Text("id", "11010519491231002X") != b->Text("id", "11010519491231002X"));
  CHECK(a->Text("id", "11010519491231002X") == a->Text("id", "11010519491231002X"));
  CHECK(a->Text("id", "x") != a->Text("name", "x"));  // domains apart
  CHECK(a->Gram(0x4e0000004e01ull) != b->Gram(0x4e0000004e01ull));
  CHECK((a->Text("tel", "13812345678") >> 63) == 0);
  // The plain hasher's ID key is phase 1's stored key: StableHash("id|" + number).
  CHECK(IdKey("11010519491231002X") == StableHash("id|11010519491231002X"));
  CHECK(StableHash("county", "李建国|110105") == StableHash("county|李建国|110105"));
  CHECK(!BlindKey::Make("short", "x"));
}

TEST_CASE("blind: SipHash-2-4 gives the reference vectors") {
  unsigned char key[16];
  for (int i = 0; i < 16; ++i) key[i] = static_cast<unsigned char>(i);
  unsigned char data[64];
  for (int i = 0; i < 64; ++i) data[i] = static_cast<unsigned char>(i);
  // From the SipHash paper's test vectors (vectors.h): inputs 0, 00 01 …, 15 bytes.
  CHECK(SipHash24(key, data, 0) == 0x726fdb47dd0e0e31ull);
  CHECK(SipHash24(key, data, 1) == 0x74f839c593dc67fdull);
  CHECK(SipHash24(key, data, 8) == 0x93f5f5799a932462ull);
  CHECK(SipHash24(key, data, 15) == 0xa129ca6149be45e5ull);
}

TEST_CASE("wire: a question carries no ID number, name, phone or text in clear") {
  schema::CaseRegistration c;
  c.received_date = Date{2026, 2, 2};
  c.problem_place = "110105004";
  c.content_category = "030204";
  schema::Petitioner p;
  p.name = "王秀兰";
  p.id_number = "110105195807220465";
  p.phone = "010-65012345";
  p.address = "北京市朝阳区三里屯街道某小区3号楼";
  c.petitioners.push_back(p);
  c.summary = "物业公司从2025年3月起把物业费由每月每平方米2.2元涨到3.5元。";
  c.requests = "要求恢复原合同标准收费。";
  const Features f = Extract(c);
  const auto key = Key();
  wire::Question q;
  q.key_id = key->Id();
  q.exclude = "110105";
  q.keys = PersonKeys(f, *key);
  q.broad_keys = BroadKeys(f, *key);
  q.terms = HashTerms(QueryTerms(f), *key);
  q.prepared = Prepare(f, *key);
  const std::string text = wire::QuestionJson(q);
  for (const char* secret : {"王秀兰", "110105195807220465", "65012345", "三里屯", "物业", "恢复", "3.5"}) {
    CHECK_MESSAGE(text.find(secret) == std::string::npos, secret);
  }
  CHECK(text.find("030204") != std::string::npos);  // the category travels
  auto back = wire::ParseQuestion(text);
  REQUIRE(back);
  CHECK(back->keys == q.keys);
  CHECK(back->terms.size() == q.terms.size());
  CHECK(back->prepared.persons.size() == 1);
  CHECK(back->prepared.persons[0].id == static_cast<std::uint64_t>(IdKey(f.persons[0].id18, *key)));
  CHECK(back->prepared.summary == q.prepared.summary);
  CHECK(back->prepared.place == "110105004");
  // Compared with itself under the key: the same person, the same matter.
  const Query self(back->prepared);
  const Match m = self.Against(Prepare(f, *key));
  CHECK(m.identity == Identity::kIdNumber);
  CHECK(m.decision == Decision::kDuplicate);
}

TEST_CASE("wire: bad questions and answers are refused, naming the member") {
  CHECK(!wire::ParseQuestion("{}"));
  CHECK(!wire::ParseQuestion("[1,2]"));
  CHECK(!wire::ParseQuestion(R"({"format":"xfnode-dedup-question-1","kind":"check","key_id":"k","exclude":"x"})"));
  auto bad_hex = wire::ParseQuestion(
      R"({"format":"xfnode-dedup-question-1","kind":"check","key_id":"k","exclude":"110105","keys":["zz"]})");
  REQUIRE(!bad_hex);
  CHECK(bad_hex.error().message.find("keys[0]") != std::string::npos);
  auto timeline = wire::ParseQuestion(
      R"({"format":"xfnode-dedup-question-1","kind":"timeline","key_id":"k","exclude":"110105","id":"00000000000000ff"})");
  REQUIRE(timeline);
  CHECK(timeline->id == 255);
  CHECK(timeline->limit == 1000);
  std::string many = R"({"format":"xfnode-dedup-question-1","kind":"check","key_id":"k","exclude":"110105","terms":[)";
  for (int i = 0; i < 100; ++i) many += std::string(i ? "," : "") + "\"0000000000000001\"";
  many += "]}";
  auto limited = wire::ParseQuestion(many);
  REQUIRE(!limited);
  CHECK(limited.error().code == Errc::kLimit);

  wire::Answer a;
  a.node = "110000";
  a.searched = {"110000", "100000"};
  a.unreachable = {};
  a.candidates.push_back({"310104-2026-0000001", "310104", "2026-02-01", "accepted", 0.873, "duplicate",
                          {"同一身份证号", "诉求相似度 0.83"}});
  a.cases.push_back({"310104-2026-0000001", "310104", "2026-02-01", "accepted", "2026-04-17", "", "", "", false});
  auto back = wire::ParseAnswer(wire::AnswerJson(a));
  REQUIRE(back);
  CHECK(back->searched == a.searched);
  REQUIRE(back->candidates.size() == 1);
  CHECK(back->candidates[0].score == doctest::Approx(0.87));
  CHECK(back->candidates[0].reasons.size() == 2);
  REQUIRE(back->cases.size() == 1);
  CHECK(back->cases[0].due_date == "2026-04-17");
  CHECK(!wire::ParseAnswer(R"({"format":"xfnode-dedup-answer-1","node":"110000","candidates":[{"case_id":"x"}]})"));
  CHECK(!wire::ParseAnswer(
      R"({"format":"xfnode-dedup-answer-1","node":"110000","candidates":[{"case_id":"310104-2026-0000001","node":"310104","received_date":"2026-02-01","decision":"duplicate","score":1.5}]})"));
}

}  // namespace xf::dedup

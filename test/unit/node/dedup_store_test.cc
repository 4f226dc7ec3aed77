// The store's duplicate index on a real SQLite file: written in the
// transaction of every registration (local or applied from a batch) and
// every correction, built for the cases an older xfnode stored, and read
// back as candidates ranked by the matcher and as a petitioner's timeline.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "dedup/labelled.h"
#include "exchange/batch.h"
#include "node/store.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

using testing::At;
using testing::RawDb;
using testing::TempDir;

const char* const kId = "11010519491231002X";

schema::CaseRegistration Letter() {
  schema::CaseRegistration c = testing::ValidCase();
  c.received_date = Date{2026, 2, 2};
  c.petitioners[0].name = "李建国";
  c.petitioners[0].id_number = kId;
  c.petitioners[0].phone = "138-1234-5678";
  c.petitioners[0].address = "北京市朝阳区高碑店乡西店村3组12号";
  c.summary = "信访人称：西店村3组的房屋于2025年5月12日被区征收办组织拆除，拆迁协议约定补偿款5万元，但至今只拿到2万元，"
              "多次到高碑店乡询问均无结果。";
  c.requests = "要求按协议足额支付剩余拆迁补偿款3万元。";
  c.problem_place = "110105";
  c.content_category = "030102";
  return c;
}

schema::CaseRegistration Rewrite() {
  schema::CaseRegistration c = Letter();
  c.received_date = Date{2026, 2, 14};
  c.petitioners[0].id_number.clear();  // name and phone only
  c.summary = "李建国来访反映，按协议应得补偿伍万元，实际到手只有20000元，其余一直拖着不给。其位于西店村3组的自建房在"
              "2025-05-12被强制拆除。";
  c.requests = "请求督促区征收办尽快兑现补尝款。";
  c.problem_place = "110105011";
  return c;
}

schema::CaseRegistration Wages() {
  schema::CaseRegistration c = Letter();
  c.summary = "在东方建筑有限公司承建的阳光花园工地务工，2025年6月至2025年10月的工资共计38600元一直未发。";
  c.requests = "要求东方建筑有限公司支付拖欠的工资38600元。";
  c.content_category = "040101";
  return c;
}

struct Fixture {
  TempDir dir;
  ManualClock clock{At("2026-02-16T09:00:00+08:00")};
  std::unique_ptr<Store> store;
  Fixture() { Reopen(); }
  void Reopen() {
    store.reset();
    auto s = Store::Open(dir / "xfnode.db", clock);
    REQUIRE_MESSAGE(s.ok(), s.error().message);
    store = std::move(s).value();
  }
  std::string Register(schema::CaseRegistration c, const std::string& node = "110105") {
    auto e = store->RegisterCase(std::move(c), node, "");
    REQUIRE_MESSAGE(e.ok(), e.error().message);
    return e->case_id;
  }
  std::vector<Store::DuplicateCandidate> Check(const schema::CaseRegistration& c) {
    auto found = store->FindDuplicates(c);
    REQUIRE_MESSAGE(found.ok(), found.error().message);
    return std::move(found).value();
  }
};

const Store::DuplicateCandidate* Of(const std::vector<Store::DuplicateCandidate>& list, const std::string& id) {
  for (const auto& c : list) {
    if (c.case_id == id) return &c;
  }
  return nullptr;
}

TEST_CASE("dedup store: a registration is indexed in its own transaction and found by the next check") {
  Fixture f;
  CHECK(f.Check(Rewrite()).empty());  // nothing held yet
  const std::string id = f.Register(Letter());
  const auto found = f.Check(Rewrite());
  REQUIRE(found.size() == 1);
  CHECK(found[0].case_id == id);
  CHECK(found[0].node == "110105");
  CHECK(found[0].received_date == Date{2026, 2, 2});
  CHECK(found[0].match.decision == dedup::Decision::kDuplicate);
  CHECK(found[0].match.reasons.front() == "同一姓名和联系电话");
  // What the index holds: one row, three keys (hashes: ID number, name + phone, name + county), the terms.
  RawDb raw(f.dir / "xfnode.db");
  CHECK(raw.Scalar("SELECT count(*) FROM dedup_cases") == "1");
  CHECK(raw.Scalar("SELECT count(*) FROM dedup_keys") == "3");
  CHECK(raw.Scalar("SELECT count(*) FROM dedup_keys WHERE typeof(key) <> 'integer'") == "0");
  const auto terms = dedup::IndexTerms(dedup::Extract(Letter()));
  REQUIRE(terms.size() == dedup::kIndexTerms);
  for (const auto& t : terms) {
    CHECK(raw.Scalar("SELECT count(*) FROM dedup_terms WHERE dedup_terms MATCH '\"" + t + "\"'") == "1");
  }
  // A check stores nothing.
  CHECK(raw.Scalar("SELECT count(*) FROM cases") == "1");
  // The case itself is never its own candidate.
  auto self = Letter();
  self.case_id = id;
  CHECK(Of(f.Check(self), id) == nullptr);
}

TEST_CASE("dedup store: hard negatives are not linked") {
  Fixture f;
  const std::string letter = f.Register(Letter());
  // The same person, another matter.
  const std::string wages = f.Register(Wages());
  // A neighbour with the same collective matter, her own petitioner.
  auto neighbour = Letter();
  neighbour.petitioners[0].name = "王秀兰";
  neighbour.petitioners[0].id_number = "110105196003150027";
  neighbour.petitioners[0].phone = "13698765432";
  neighbour.petitioners[0].address = "北京市朝阳区高碑店乡西店村3组15号";
  const std::string other = f.Register(neighbour);
  // Another 李建国: a common name, another ID number.
  auto namesake = Letter();
  namesake.petitioners[0].id_number = "11010819800101003X";
  namesake.petitioners[0].phone = "13511112222";
  namesake.petitioners[0].address = "北京市海淀区学院路30号";
  const std::string same_name = f.Register(namesake);

  auto later = Rewrite();
  later.petitioners[0].id_number = kId;
  const auto found = f.Check(later);
  REQUIRE(!found.empty());
  CHECK(found[0].case_id == letter);
  CHECK(found[0].match.decision == dedup::Decision::kDuplicate);
  for (const auto& id : {wages, other, same_name}) {
    CAPTURE(id);
    const auto* c = Of(found, id);
    CHECK((c == nullptr || c->match.decision != dedup::Decision::kDuplicate));
  }
}

TEST_CASE("dedup store: cases applied from a batch are indexed in the batch's transaction") {
  Fixture f;
  f.store->SetRouting("110100", {"110105"});
  auto reg = [](std::uint64_t seq, schema::CaseRegistration c) {
    char id[40];
    std::snprintf(id, sizeof id, "110105-2026-%07llu", static_cast<unsigned long long>(seq));
    c.case_id = id;
    c.registering_body = "110105";
    c.registered_at = At("2026-02-16T08:00:00+08:00");
    schema::Event e;
    e.origin = "110105";
    e.seq = seq;
    e.case_id = id;
    e.kind = schema::EventKind::kRegistration;
    e.occurred_at = c.registered_at;
    e.recorded_at = c.registered_at;
    e.actor = "县登记员";
    e.body = std::move(c);
    return e;
  };
  Store::Incoming in;
  in.header.origin = "110105";
  in.header.stream = std::string(exchange::kUpStream);
  in.header.seq = 1;
  in.header.batch_id = exchange::MakeBatchId("110105", in.header.stream, 1);
  in.header.destination = std::string(exchange::kRootNode);
  in.header.created = f.clock.Now();
  in.header.code_version = "test";
  in.bytes = "bytes";
  in.signature = "sig";
  in.received_from = "110105";
  for (auto& e : {reg(1, Letter()), reg(2, Wages()), reg(3, Letter())}) {
    in.events.push_back({e, schema::EventToXml(e), {}});
  }
  // The third claims the first one's case id: refused, and not indexed.
  std::get<schema::CaseRegistration>(in.events[2].event.body).case_id = in.events[0].event.case_id;
  in.events[2].event.case_id = in.events[0].event.case_id;
  in.events[2].xml = schema::EventToXml(in.events[2].event);
  in.header.record_count = in.events.size();
  auto receipt = f.store->ApplyBatch(in, "110100");
  REQUIRE_MESSAGE(receipt.ok(), receipt.error().message);
  CHECK(receipt->AcceptedCount() == 2);

  const auto found = f.Check(Rewrite());
  REQUIRE(!found.empty());
  CHECK(found[0].case_id == "110105-2026-0000001");
  CHECK(found[0].match.decision == dedup::Decision::kDuplicate);
  RawDb raw(f.dir / "xfnode.db");
  CHECK(raw.Scalar("SELECT count(*) FROM dedup_cases") == "2");
  CHECK(raw.Scalar("SELECT count(*) FROM dedup_cases d JOIN cases c USING(case_id)") == "2");
}

TEST_CASE("dedup store: a correction re-indexes the case") {
  Fixture f;
  const std::string id = f.Register(Letter());
  const auto wages_before = f.Check(Wages());
  const auto* earlier = Of(wages_before, id);
  CHECK((earlier == nullptr || earlier->match.decision != dedup::Decision::kDuplicate));

  schema::Event fix;
  fix.case_id = id;
  fix.kind = schema::EventKind::kCorrection;
  fix.actor = "王晓梅";
  schema::Correction c;
  c.supersedes = "110105:1";
  c.fields = {{"summary", Wages().summary},
              {"requests", Wages().requests},
              {"content_category", "040101"},
              {"petitioners[0].id_number", "110105196003150027"}};
  c.reason = "登记错误";
  fix.body = c;
  REQUIRE(f.store->AppendEvent(fix, "110105").ok());

  // The new text and ID number are found; the old ones no longer.
  auto wages = Wages();
  wages.petitioners[0].id_number = "110105196003150027";
  const auto after = f.Check(wages);
  const auto* now = Of(after, id);
  REQUIRE(now != nullptr);
  CHECK(now->match.decision == dedup::Decision::kDuplicate);
  CHECK(now->match.reasons.front() == "同一身份证号");
  auto old = f.store->CasesOfPetitioner(kId);
  REQUIRE(old.ok());
  CHECK(old->empty());
  auto fresh = f.store->CasesOfPetitioner("110105196003150027");
  REQUIRE(fresh.ok());
  CHECK(fresh->size() == 1);
  RawDb raw(f.dir / "xfnode.db");
  for (const auto& t : dedup::IndexTerms(dedup::Extract(Letter()))) {
    if (t.find("西店") != std::string::npos || t.find("拆") != std::string::npos) {
      CHECK(raw.Scalar("SELECT count(*) FROM dedup_terms WHERE dedup_terms MATCH '\"" + t + "\"'") == "0");
    }
  }
  for (const auto& t : dedup::IndexTerms(dedup::Extract(Wages()))) {
    CHECK(raw.Scalar("SELECT count(*) FROM dedup_terms WHERE dedup_terms MATCH '\"" + t + "\"'") == "1");
  }
  CHECK(raw.Scalar("SELECT count(*) FROM dedup_keys") == "3");
  // Events that change nothing indexed leave the index as it is.
  const std::string before = raw.Scalar("SELECT fingerprint || persons || summary FROM dedup_cases");
  schema::Event accept;
  accept.case_id = id;
  accept.kind = schema::EventKind::kAcceptance;
  accept.actor = "王晓梅";
  accept.body = schema::Acceptance{"1", "110105", ""};
  REQUIRE(f.store->AppendEvent(accept, "110105").ok());
  CHECK(raw.Scalar("SELECT fingerprint || persons || summary FROM dedup_cases") == before);
}

TEST_CASE("dedup store: upgrading to migration 9 indexes the cases an older xfnode stored") {
  Fixture f;
  const std::string letter = f.Register(Letter());
  const std::string wages = f.Register(Wages());
  schema::Event fix;
  fix.case_id = wages;
  fix.kind = schema::EventKind::kCorrection;
  fix.actor = "王晓梅";
  schema::Correction c;
  c.supersedes = "110105:2";
  c.fields = {{"petitioners[0].phone", "13900001111"}};
  c.reason = "电话更正";
  fix.body = c;
  REQUIRE(f.store->AppendEvent(fix, "110105").ok());
  f.store.reset();
  {
    // The database as the xfnode before migration 9 left it: every table,
    // index and trigger a database of version 8 does not have is dropped
    // (migration 9's and those of every later migration).
    TempDir v8;
    { REQUIRE(Store::OpenAtVersion(v8 / "xfnode.db", f.clock, 8).ok()); }
    std::set<std::string> known;
    {
      RawDb old(v8 / "xfnode.db");
      for (int i = 0;; ++i) {
        const std::string name =
            old.Scalar("SELECT name FROM sqlite_master ORDER BY name LIMIT 1 OFFSET " + std::to_string(i));
        if (name.empty()) break;
        known.insert(name);
      }
    }
    RawDb raw(f.dir / "xfnode.db");
    std::vector<std::pair<std::string, std::string>> later;  // (type, name)
    for (int i = 0;; ++i) {
      const std::string row = raw.Scalar(
          "SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger') AND sql IS NOT NULL "
          "ORDER BY type DESC, name LIMIT 1 OFFSET " + std::to_string(i));
      if (row.empty()) break;
      const auto sp = row.find(' ');
      if (!known.count(row.substr(sp + 1))) later.emplace_back(row.substr(0, sp), row.substr(sp + 1));
    }
    REQUIRE(!later.empty());
    for (const auto& [type, name] : later) {
      // An FTS5 table's shadow tables go with it; a dropped table takes its indexes.
      if (raw.Scalar("SELECT count(*) FROM sqlite_master WHERE name = '" + name + "'") == "0") continue;
      REQUIRE_MESSAGE(raw.Exec("DROP " + std::string(type == "table" ? "TABLE" : type == "trigger" ? "TRIGGER" : "INDEX") +
                               " \"" + name + "\"") ==
                          SQLITE_OK,
                      raw.Error());
    }
    REQUIRE(raw.Exec("PRAGMA user_version = 8;") == SQLITE_OK);
  }
  f.Reopen();
  CHECK(f.store->Stats().schema_version == Store::LatestSchemaVersion());
  const auto found = f.Check(Rewrite());
  REQUIRE(!found.empty());
  CHECK(found[0].case_id == letter);
  CHECK(found[0].match.decision == dedup::Decision::kDuplicate);
  // The corrected case is indexed as it reads now: its new phone.
  auto wages_now = Wages();
  wages_now.petitioners[0].id_number.clear();
  wages_now.petitioners[0].phone = "13900001111";
  wages_now.petitioners[0].address.clear();
  const auto found_wages = f.Check(wages_now);
  const auto* w = Of(found_wages, wages);
  REQUIRE(w != nullptr);
  CHECK(w->match.reasons.front() == "同一姓名和联系电话");
  RawDb raw(f.dir / "xfnode.db");
  CHECK(raw.Scalar("SELECT group_concat(case_id, ' ') FROM (SELECT case_id FROM dedup_cases ORDER BY id)") ==
        letter + " " + wages);
}

TEST_CASE("dedup store: the petitioner's timeline") {
  Fixture f;
  auto first = Letter();
  first.received_date = Date{2026, 1, 5};
  const std::string a = f.Register(first);
  auto old_form = Wages();
  old_form.received_date = Date{2026, 2, 10};
  old_form.petitioners[0].id_number = "110105491231002";  // the same person, first-generation number
  const std::string b = f.Register(old_form);
  auto earlier = Rewrite();
  earlier.received_date = Date{2025, 12, 1};
  earlier.petitioners[0].id_number = kId;
  const std::string c = f.Register(earlier, "110000");
  auto stranger = Letter();
  stranger.petitioners[0].id_number = "11010819800101003X";
  f.Register(stranger);

  schema::Event accept;
  accept.case_id = a;
  accept.kind = schema::EventKind::kAcceptance;
  accept.actor = "王晓梅";
  accept.body = schema::Acceptance{"1", "110105", ""};
  REQUIRE(f.store->AppendEvent(accept, "110105").ok());

  for (const char* number : {kId, "110105491231002", "11010519491231002x"}) {
    CAPTURE(number);
    auto t = f.store->CasesOfPetitioner(number);
    REQUIRE(t.ok());
    REQUIRE(t->size() == 3);
    CHECK((*t)[0].case_id == c);  // oldest first
    CHECK((*t)[0].node == "110000");
    CHECK((*t)[1].case_id == a);
    CHECK((*t)[1].state_json.find("\"status\":\"accepted\"") != std::string::npos);
    CHECK((*t)[1].problem_place == "110105");
    CHECK((*t)[2].case_id == b);
    CHECK((*t)[2].content_category == "040101");
  }
  auto none = f.store->CasesOfPetitioner("440524188001010014");
  REQUIRE(none.ok());
  CHECK(none->empty());
  auto bad = f.store->CasesOfPetitioner("12345");
  REQUIRE(!bad.ok());
  CHECK(bad.error().code == Errc::kInvalidArgument);
}

TEST_CASE("dedup store: the duplicates of a stored case include later ones") {
  Fixture f;
  const std::string a = f.Register(Letter());
  const std::string b = f.Register(Rewrite());
  auto of_a = f.store->DuplicatesOf(a);
  REQUIRE(of_a.ok());
  REQUIRE(of_a->size() == 1);
  CHECK((*of_a)[0].case_id == b);
  auto of_b = f.store->DuplicatesOf(b);
  REQUIRE(of_b.ok());
  REQUIRE(of_b->size() == 1);
  CHECK((*of_b)[0].case_id == a);
  auto unknown = f.store->DuplicatesOf("110105-2026-9999999");
  REQUIRE(!unknown.ok());
  CHECK(unknown.error().code == Errc::kNotFound);
}

TEST_CASE("dedup store: quality through the store's own retrieval, registration by registration") {
  dedup::labelled::Options o;
  o.seed = 11;
  o.registrations = 700;
  const auto set = dedup::labelled::Generate(o);
  Fixture f;
  dedup::labelled::Evaluation eval(set);
  std::map<std::string, int> index_of;
  for (std::size_t i = 0; i < set.size(); ++i) {
    auto found = f.store->FindDuplicates(set[i].record, 20);
    REQUIRE(found.ok());
    std::vector<dedup::labelled::Candidate> ranked;
    for (const auto& c : *found) ranked.push_back({index_of.at(c.case_id), c.match.decision});
    eval.Observe(static_cast<int>(i), ranked);
    index_of[f.Register(set[i].record, set[i].record.registering_body)] = static_cast<int>(i);
  }
  const auto r = eval.Result();
  MESSAGE("through the store: pairs " << r.true_pairs << ", precision " << r.precision << ", recall " << r.recall
                                      << ", top-5 recall " << r.top5_recall);
  for (const auto& [k, n] : r.false_links) MESSAGE("false link: " << k << " " << n);
  for (const auto& [k, n] : r.missed) MESSAGE("missed: " << k << " " << n);
  CHECK(r.true_pairs > 150);
  CHECK(r.precision >= 0.97);
  CHECK(r.recall >= 0.95);
  CHECK(r.top5_recall >= 0.99);
}

}  // namespace
}  // namespace xf::node

namespace xf::node {
namespace {

std::shared_ptr<const dedup::BlindKey> SystemKey(char fill = 'k', const char* id = "2026-1") {
  auto k = dedup::BlindKey::Make(std::string(dedup::BlindKey::kBytes, fill), id);
  REQUIRE(k);
  return *k;
}

// A city (110100) with two counties below: the rewrite registered at the
// second county, asked as a question from it, under the system key.
dedup::wire::Question FromCounty(const schema::CaseRegistration& c, const dedup::BlindKey& key,
                                 const char* county = "110108") {
  auto reg = c;
  reg.registering_body = county;
  const auto q = dedup::wire::CheckQuestion(dedup::Extract(reg), key, key.Id(), county);
  // Through its JSON, as it travels.
  auto parsed = dedup::wire::ParseQuestion(dedup::wire::QuestionJson(q));
  REQUIRE_MESSAGE(parsed, parsed.error().message);
  return std::move(parsed).value();
}

TEST_CASE("dedup store: the blind index of a node with children answers a question from below") {
  Fixture f;
  f.store->SetRouting("110100", {"110105", "110108"});
  const std::string first = f.Register(Letter(), "110105");  // before the key
  const auto key = SystemKey();
  REQUIRE(f.store->SetBlindKey(key));
  CHECK(*f.store->BlindIndexed() == 0);  // not in the writer's transactions: by the worker, after
  CHECK(*f.store->IndexBlindPending(100) == 1);
  CHECK(*f.store->BlindIndexed() == 1);
  const std::string wages = f.Register(Wages(), "110105");
  CHECK(*f.store->BlindIndexed() == 1);
  CHECK(*f.store->IndexBlindPending(100) == 1);
  CHECK(*f.store->IndexBlindPending(100) == 0);  // nothing left
  CHECK(*f.store->BlindIndexed() == 2);
  {
    RawDb raw(f.dir / "xfnode.db");
    // Numbers only, none of them a plain key of the local index.
    CHECK(raw.Scalar("SELECT count(*) FROM dedup_blind WHERE typeof(key) <> 'integer'") == "0");
    CHECK(raw.Scalar("SELECT count(*) FROM dedup_blind b JOIN dedup_keys k ON k.key = b.key") == "0");
    CHECK(raw.Scalar("SELECT value FROM dedup_state WHERE name = 'blind_key'") == "2026-1");
  }

  auto found = f.store->FindBlind(FromCounty(Rewrite(), *key), *key);
  REQUIRE_MESSAGE(found, found.error().message);
  REQUIRE(!found->empty());
  for (std::size_t i = 1; i < found->size(); ++i) {  // her wages: another matter
    CHECK((*found)[i].candidate.match.decision != dedup::Decision::kDuplicate);
  }
  CHECK((*found)[0].candidate.case_id == first);
  CHECK((*found)[0].candidate.node == "110105");
  CHECK((*found)[0].candidate.match.decision == dedup::Decision::kDuplicate);
  CHECK((*found)[0].candidate.match.reasons.front() == "同一姓名和联系电话");
  CHECK((*found)[0].status == "registered");
  // The same verdict as the county's own plain check would give.
  const auto local = f.Check(Rewrite());
  REQUIRE(!local.empty());
  CHECK(local[0].match.score == doctest::Approx((*found)[0].candidate.match.score).epsilon(0.01));

  // The asker's own subtree is left out: it searched it itself.
  auto own = f.store->FindBlind(FromCounty(Rewrite(), *key, "110105"), *key);
  REQUIRE(own);
  CHECK(own->empty());
  // A question under another key is refused, not answered with nothing.
  const auto other = SystemKey('o', "2026-2");
  CHECK(!f.store->FindBlind(FromCounty(Rewrite(), *other), *key));

  // The petitioner's cases by the key of her ID number.
  auto cases = f.store->CasesOfBlindId(dedup::IdKey(kId, *key), *key, "110108");
  REQUIRE(cases);
  REQUIRE(cases->size() == 2);
  CHECK((*cases)[0].case_id == first);
  CHECK((*cases)[1].case_id == wages);
  CHECK(f.store->CasesOfBlindId(dedup::IdKey(kId, *key), *key, "110105")->empty());

  // A new key: the index is made again under it.
  REQUIRE(f.store->SetBlindKey(other));
  CHECK(*f.store->BlindIndexed() == 0);
  CHECK(*f.store->IndexBlindPending(1) == 1);  // a chunk at a time
  CHECK(*f.store->IndexBlindPending(100) == 1);
  auto again = f.store->FindBlind(FromCounty(Rewrite(), *other), *other);
  REQUIRE(again);
  REQUIRE(!again->empty());
  CHECK((*again)[0].candidate.case_id == first);
  // Reopened with the same key: nothing to redo, the index is kept.
  f.Reopen();
  f.store->SetRouting("110100", {"110105", "110108"});
  REQUIRE(f.store->SetBlindKey(other));
  CHECK(*f.store->BlindIndexed() == 2);
  CHECK(*f.store->IndexBlindPending(100) == 0);
}

TEST_CASE("dedup store: a leaf keeps no blind index") {
  Fixture f;
  REQUIRE(f.store->SetBlindKey(SystemKey()));
  f.Register(Letter());
  CHECK(*f.store->IndexBlindPending(100) == 0);
  CHECK(*f.store->BlindIndexed() == 0);
}

TEST_CASE("dedup store: a correction re-indexes its case blind in its own transaction") {
  Fixture f;
  f.store->SetRouting("110100", {"110105", "110108"});
  const auto key = SystemKey();
  REQUIRE(f.store->SetBlindKey(key));
  const std::string wages = f.Register(Wages(), "110105");
  REQUIRE(*f.store->IndexBlindPending(100) == 1);
  RawDb raw(f.dir / "xfnode.db");
  const std::string before = raw.Scalar("SELECT group_concat(key) FROM (SELECT key FROM dedup_blind ORDER BY key)");
  schema::Event fix;
  fix.case_id = wages;
  fix.kind = schema::EventKind::kCorrection;
  fix.actor = "王晓梅";
  schema::Correction c;
  c.supersedes = "110105:1";
  c.fields = {{"petitioners[0].phone", "13900001111"}};
  c.reason = "电话更正";
  fix.body = c;
  REQUIRE(f.store->AppendEvent(fix, "110105").ok());
  const std::string after = raw.Scalar("SELECT group_concat(key) FROM (SELECT key FROM dedup_blind ORDER BY key)");
  CHECK(after != before);
  // The new phone is found from below; the old one no longer is.
  auto now = Wages();
  now.petitioners[0].id_number.clear();
  now.petitioners[0].phone = "13900001111";
  auto found = f.store->FindBlind(FromCounty(now, *key), *key);
  REQUIRE(found);
  REQUIRE(!found->empty());
  CHECK((*found)[0].candidate.case_id == wages);
  CHECK((*found)[0].candidate.match.reasons.front() == "同一姓名和联系电话");
}

TEST_CASE("dedup store: a pass's notices and where the check stands in one transaction") {
  Fixture f;
  f.store->SetRouting("110100", {"110105", "110108"});
  const std::string a = f.Register(Letter(), "110105");
  const std::string b = f.Register(Rewrite(), "110108");
  auto notice = [](const std::string& on, const std::string& names) {
    schema::Event e;
    e.case_id = on;
    e.kind = schema::EventKind::kDuplicateNotice;
    e.actor = "判重";
    schema::DuplicateNotice body;
    body.found_by = "110100";
    schema::DuplicateFinding x;
    x.case_id = names;
    x.node = names.substr(0, 6);
    x.received_date = *Date::Parse("2026-02-16");
    x.status = "registered";
    x.score = "0.91";
    x.decision = schema::DuplicateFinding::Decision::kDuplicate;
    x.reasons = {"同一身份证号"};
    body.candidates = {x};
    e.body = std::move(body);
    return e;
  };
  std::size_t left_out = 0;
  auto stored = f.store->AppendNotices({notice(a, b), notice(b, a), notice("110108-2026-9999999", a)}, "110100", 7,
                                       &left_out);
  REQUIRE_MESSAGE(stored, stored.error().message);
  CHECK(*stored == 2);
  CHECK(left_out == 1);  // no such case here: left out, the others kept
  CHECK(*f.store->CheckedUpto() == 7);
  auto on_a = f.store->NoticesOf(a);
  REQUIRE(on_a);
  REQUIRE(on_a->size() == 1);
  CHECK((*on_a)[0].notice.found_by == "110100");
  CHECK((*on_a)[0].notice.candidates.at(0).case_id == b);
  REQUIRE(f.store->NoticesOf(b)->size() == 1);
}

TEST_CASE("dedup store: the check of arrivals starts at the first case of a new node, after those an upgraded one held") {
  {
    Fixture f;
    CHECK(*f.store->CheckedUpto() == 0);  // new: every case it will receive is checked
  }
  Fixture f;
  f.Register(Letter(), "110105");
  f.Register(Wages(), "110105");
  {
    // As an xfnode before migration 16 left it: no mark yet.
    RawDb raw(f.dir / "xfnode.db");
    REQUIRE(raw.Exec("DELETE FROM dedup_state WHERE name = 'checked_upto'; PRAGMA user_version = 15") == SQLITE_OK);
  }
  f.Reopen();
  CHECK(*f.store->CheckedUpto() == 2);  // upgraded: what it held is not checked again
}

}  // namespace
}  // namespace xf::node

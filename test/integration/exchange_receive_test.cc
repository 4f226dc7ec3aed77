// Issue 3: what a receiving node refuses, tolerates and puts in order.
// Batches are crafted here (schema structs → EventToXml → BatchXml →
// Compress → SignBytes) and posted to the city 110100's exchange endpoint
// over mutual TLS as its child county 110105 would. The county (and its
// sibling 110108) are initialised but not running, so their own sequence
// numbers do not interfere; the province 110000 runs, to see what the city
// passes on.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <optional>
#include <set>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace ex = xf::exchange;
namespace schema = xf::schema;
using xf::Instant;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::Xfctl;

namespace {

Instant At(const char* text) { return *Instant::Parse(text); }

schema::Event Registration(const std::string& origin, std::uint64_t seq, const std::string& case_id,
                           const std::string& content_category = "") {
  schema::Violations v;
  auto c = schema::CaseFromJson(SampleCase(), v);
  REQUIRE(c);
  REQUIRE(v.empty());
  c->case_id = case_id;
  c->registering_body = origin;
  c->registered_at = At("2025-03-13T09:20:00+08:00");
  if (!content_category.empty()) c->content_category = content_category;
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = c->registered_at;
  e.recorded_at = At("2025-03-13T09:21:00+08:00");
  e.actor = c->registrar;
  e.body = std::move(c).value();
  return e;
}

schema::Event Acceptance(const std::string& origin, std::uint64_t seq, const std::string& case_id) {
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kAcceptance;
  e.occurred_at = At("2025-03-14T10:00:00+08:00");
  e.recorded_at = At("2025-03-14T10:00:30+08:00");
  e.actor = "李明";
  e.body = schema::Acceptance{"1", "朝阳区信访局", "属于本机关职权范围，依法予以受理。"};
  return e;
}

std::string Sign(const ex::PrivateKey& key, const std::string& bytes) {
  auto s = ex::SignBytes(key, bytes);
  REQUIRE(s);
  return std::move(s).value();
}

ex::PrivateKey LoadKey(const std::filesystem::path& file) {
  auto k = ex::PrivateKey::LoadPem(file);
  REQUIRE(k);
  return std::move(k).value();
}

ex::PrivateKey NewKey() {
  auto k = ex::PrivateKey::Generate(ex::SignAlg::kEd25519);
  REQUIRE(k);
  return std::move(k).value();
}

struct Answer {
  int status = 0;
  std::string message;  // the refusal's message
  std::optional<ex::Receipt> receipt;
  bool receipt_verifies = false;
};

// The city 110100 and its parent, the province 110000, running; the city's
// children 110105 and 110108 wired but stopped; and a key for 120101 — a
// county outside the city — trusted by the city.
class City {
 public:
  City() {
    m_outsider.emplace(NewKey());
    const auto pub = m_t.Root() / "120101.pub";
    {
      std::ofstream out(pub);
      out << m_outsider->Public().Pem();
    }
    const auto r =
        Xfctl({"keys", "add", "120101", pub.string(), "--node", m_t.Dir("110100").string()});
    REQUIRE_MESSAGE(r.status == 0, r.output);
    REQUIRE_MESSAGE(m_t.Start("110000"), m_t.Node("110000").Log());
    REQUIRE_MESSAGE(m_t.Start("110100"), m_t.Node("110100").Log());
    m_code_version = std::string(m_t.Status("110100").at("code_version").as_string());
    m_county.emplace(LoadKey(m_t.Dir("110105") / "keys" / "signing.key"));
    m_sibling.emplace(LoadKey(m_t.Dir("110108") / "keys" / "signing.key"));
  }

  Topology& T() { return m_t; }
  const ex::PrivateKey& CountyKey() const { return *m_county; }
  const ex::PrivateKey& SiblingKey() const { return *m_sibling; }
  const ex::PrivateKey& OutsiderKey() const { return *m_outsider; }

  // An "up" batch of `origin`, compressed as the origin would send it.
  std::string Pack(const std::string& origin, std::uint64_t seq,
                   const std::vector<schema::Event>& events) const {
    ex::BatchHeader h;
    h.origin = origin;
    h.destination = std::string(ex::kRootNode);
    h.stream = std::string(ex::kUpStream);
    h.seq = seq;
    h.batch_id = ex::MakeBatchId(origin, h.stream, seq);
    h.created = At("2025-03-14T10:01:00+08:00");
    h.code_version = m_code_version;
    h.record_count = events.size();
    std::vector<std::string> xml;
    for (const auto& e : events) xml.push_back(schema::EventToXml(e));
    auto bytes = ex::Compress(ex::BatchXml(h, xml));
    REQUIRE(bytes);
    return std::move(bytes).value();
  }

  // POSTs a batch to the city as the county 110105 (its TLS identity),
  // with X-Xf-Batch-Id when `batch_id` is given (as nodes send it).
  Answer Post(const std::string& bytes, const std::string& signature, const std::string& origin,
              const std::string& batch_id = "") {
    ex::HttpClientOptions opts;
    const auto county = m_t.Dir("110105") / "keys";
    opts.tls = ex::TlsFiles{(county / "tls.crt").string(), (county / "tls.key").string(),
                            (m_t.Dir("110100") / "keys" / "tls.crt").string(), false};
    opts.expected_server_cn = "110100";
    ex::HttpHeaders headers{{"content-type", "application/zstd"},
                            {"x-xf-origin", origin},
                            {"x-xf-signature", ex::Base64Encode(signature)}};
    if (!batch_id.empty()) headers["x-xf-batch-id"] = batch_id;
    auto r = ex::HttpCall("POST", m_t.ExchangeUrl("110100") + "/v1/exchange/batches", headers, bytes, opts);
    REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
    Answer a;
    a.status = r->status;
    if (r->status == 200) {
      auto receipt = ex::ParseReceiptXml(r->body);
      REQUIRE_MESSAGE(receipt, r->body);
      a.receipt = std::move(receipt).value();
      auto sig = ex::Base64Decode(r->headers["x-xf-signature"]);
      auto city = ex::PublicKey::LoadPem(m_t.Dir("110100") / "keys" / "signing.pub");
      REQUIRE(city);
      a.receipt_verifies = sig && ex::VerifyBytes(*city, r->body, *sig);
    } else {
      boost::system::error_code ec;
      const auto v = json::parse(r->body, ec);
      if (!ec && v.is_object() && v.as_object().contains("message")) {
        a.message = std::string(v.at("message").as_string());
      } else {
        a.message = r->body;
      }
    }
    return a;
  }

  // What a node holds, to compare before and after.
  std::string Snapshot(const std::string& node = "110100") {
    const auto db = m_t.Dir(node);
    return QueryOne(db, "SELECT count(*) FROM events") + " events, " +
           QueryOne(db, "SELECT count(*) FROM cases") + " cases, " +
           QueryOne(db, "SELECT count(*) FROM batches") + " batches, " +
           QueryOne(db, "SELECT count(*) FROM rejections WHERE event_id <> ''") + " rejections, streams " +
           QueryOne(
               db, "SELECT group_concat(origin || '/' || stream || '=' || next_seq) FROM streams") +
           ", outbox " + QueryOne(db, "SELECT count(*) FROM outbox");
  }

 private:
  Topology m_t{std::vector<std::string>{"110000", "110100", "110105", "110108"}};
  std::optional<ex::PrivateKey> m_county, m_sibling, m_outsider;
  std::string m_code_version;
};

std::set<std::string> Ids(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

bool WaitUntilProvinceHas(City& c, std::uint64_t last_seq) {
  return xf::test::WaitUntil([&] { return c.T().LastSeq("110000", "110105") == last_seq; });
}

}  // namespace

TEST_CASE(
    "exchange: altered, forged-key and out-of-subtree batches are refused (403), nothing of them "
    "applied, the refusal charged to the sender") {
  City c;
  const std::string case_id = "110105-2025-0000001";
  const std::string good = c.Pack("110105", 1, {Registration("110105", 1, case_id)});
  const std::string good_sig = Sign(c.CountyKey(), good);
  const std::string empty = c.Snapshot();
  const std::string province_empty = c.Snapshot("110000");

  SUBCASE("a byte flipped in transit") {
    std::string altered = good;
    altered[altered.size() / 2] ^= 0x20;
    const auto a = c.Post(altered, good_sig, "110105");
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("signature") != std::string::npos, a.message);
  }
  SUBCASE("signed by a key nobody trusts, for a known origin") {
    const auto a = c.Post(good, Sign(NewKey(), good), "110105");
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("signature") != std::string::npos, a.message);
    CHECK_MESSAGE(a.message.find("key of 110105") != std::string::npos, a.message);
  }
  SUBCASE("an origin outside the sender's subtree, signed with a key the city trusts") {
    const std::string bytes =
        c.Pack("120101", 1, {Registration("120101", 1, "120101-2025-0000001")});
    const auto a = c.Post(bytes, Sign(c.OutsiderKey(), bytes), "120101");
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("subtree") != std::string::npos, a.message);
  }
  SUBCASE("the sibling county's batch, properly signed by it, sent by 110105") {
    const std::string bytes =
        c.Pack("110108", 1, {Registration("110108", 1, "110108-2025-0000001")});
    const auto a = c.Post(bytes, Sign(c.SiblingKey(), bytes), "110108");
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("subtree") != std::string::npos, a.message);
  }
  SUBCASE("a header naming another origin than the signer") {
    // Signed by the county and claimed as its own, but the batch says 110108.
    const std::string bytes =
        c.Pack("110108", 1, {Registration("110108", 1, "110108-2025-0000001")});
    const auto a = c.Post(bytes, Sign(c.CountyKey(), bytes), "110105");
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("origin") != std::string::npos, a.message);
  }
  // Nothing of the refused batch is held or passed on: no event, batch,
  // stream or queued forward, here or at the parent. The refusal itself is
  // recorded, whole batch, against the peer that sent it (issue 12, hole 4).
  CHECK(c.Snapshot() == empty);
  CHECK(c.Snapshot("110000") == province_empty);
  CHECK_FALSE(c.T().HasCase("110100", case_id));
  CHECK(QueryOne(c.T().Dir("110100"),
                 "SELECT group_concat(charged_to || ' ' || rule || ' ' || event_id, ', ') FROM rejections") ==
        "110105 R3 ");
  CHECK(QueryOne(c.T().Dir("110000"), "SELECT count(*) FROM rejections") == "0");

  // The genuine batch still goes in and on: only the fault made the refusal.
  const auto a = c.Post(good, good_sig, "110105");
  REQUIRE_MESSAGE(a.status == 200, a.message);
  CHECK(a.receipt->status == "applied");
  CHECK(c.T().HasCase("110100", case_id));
  CHECK(c.T().WaitForCase("110000", case_id, 1));
  CHECK(c.Snapshot("110000") != province_empty);
}

TEST_CASE(
    "exchange: one bad record among good ones: the good apply, the receipt names each bad one, the "
    "next batch flows") {
  City c;
  const std::string a_id = "110105-2025-0000001";
  const std::string b_id = "110105-2025-0000002";
  const std::string unknown = "110105-2025-0009999";
  const std::string c_id = "110105-2025-0000003";
  const std::string first =
      c.Pack("110105", 1,
             {Registration("110105", 1, a_id),
              Registration("110105", 2, b_id, "888888"),  // no such content category: R2
              Acceptance("110105", 3, unknown),           // a case nobody registered: R6
              Acceptance("110105", 4, a_id)});
  const auto r1 = c.Post(first, Sign(c.CountyKey(), first), "110105");
  REQUIRE_MESSAGE(r1.status == 200, r1.message);
  REQUIRE(r1.receipt);
  CHECK(r1.receipt_verifies);
  CHECK(r1.receipt->batch_id == "110105-up-1");
  CHECK(r1.receipt->receiver == "110100");
  CHECK(r1.receipt->status == "applied");
  CHECK(Ids(r1.receipt->accepted) == std::set<std::string>{"110105:1", "110105:4"});
  std::map<std::string, ex::Rejection> rejected;
  for (const auto& r : r1.receipt->rejected) rejected[r.event_id] = r;
  REQUIRE(rejected.size() == 2);
  REQUIRE(rejected.count("110105:2") == 1);
  REQUIRE(rejected.count("110105:3") == 1);
  CHECK(rejected["110105:2"].rule == "R2");
  CHECK(rejected["110105:2"].field.find("content_category") != std::string::npos);
  CHECK(rejected["110105:2"].reason.find("888888") != std::string::npos);
  CHECK(rejected["110105:3"].rule == "R6");
  CHECK(rejected["110105:3"].reason.find(unknown) != std::string::npos);

  const auto db = c.T().Dir("110100");
  CHECK(c.T().CaseEventCount("110100", a_id) == 2);
  CHECK_FALSE(c.T().HasCase("110100", b_id));
  CHECK_FALSE(c.T().HasCase("110100", unknown));
  CHECK(QueryOne(db,
                 "SELECT group_concat(event_id || ' ' || rule, ', ') FROM "
                 "(SELECT * FROM rejections WHERE batch_id = '110105-up-1' ORDER BY event_id)") ==
        "110105:2 R2, 110105:3 R6");
  CHECK(QueryOne(
            db, "SELECT accepted || '/' || rejected FROM batches WHERE batch_id = '110105-up-1'") ==
        "2/2");

  // The stream moved on: the next batch applies.
  const std::string second = c.Pack("110105", 2, {Registration("110105", 5, c_id)});
  const auto r2 = c.Post(second, Sign(c.CountyKey(), second), "110105");
  REQUIRE_MESSAGE(r2.status == 200, r2.message);
  CHECK(r2.receipt->status == "applied");
  CHECK(Ids(r2.receipt->accepted) == std::set<std::string>{"110105:5"});
  CHECK(r2.receipt->rejected.empty());
  CHECK(c.T().HasCase("110100", c_id));
  CHECK(c.T().LastSeq("110100", "110105") == 5);
  CHECK(c.T().GapCount("110100") == 0);

  // The city forwarded both batches unchanged; the province judges the
  // records the same way.
  REQUIRE(c.T().WaitForCase("110000", c_id, 1));
  CHECK(c.T().CaseEventXml("110000", a_id) == c.T().CaseEventXml("110100", a_id));
  CHECK_FALSE(c.T().HasCase("110000", b_id));
  CHECK(QueryOne(c.T().Dir("110000"),
                 "SELECT group_concat(event_id || ' ' || rule, ', ') FROM "
                 "(SELECT * FROM rejections ORDER BY event_id)") == "110105:2 R2, 110105:3 R6");
  CHECK(QueryOne(c.T().Dir("110000"), "SELECT bytes FROM batches WHERE batch_id = '110105-up-1'") ==
        first);
}

TEST_CASE("exchange: replaying an old batch changes nothing (receipt: duplicate)") {
  City c;
  const std::string case_id = "110105-2025-0000001";
  const std::string first =
      c.Pack("110105", 1, {Registration("110105", 1, case_id), Acceptance("110105", 2, case_id)});
  const std::string first_sig = Sign(c.CountyKey(), first);
  const auto r1 = c.Post(first, first_sig, "110105");
  REQUIRE_MESSAGE(r1.status == 200, r1.message);
  REQUIRE(r1.receipt->status == "applied");
  const std::string after_first = c.Snapshot();

  const auto again = c.Post(first, first_sig, "110105");
  REQUIRE_MESSAGE(again.status == 200, again.message);
  CHECK(again.receipt_verifies);
  CHECK(again.receipt->status == "duplicate");
  CHECK(again.receipt->batch_id == "110105-up-1");
  CHECK(again.receipt->rejected.empty());
  CHECK(c.Snapshot() == after_first);
  CHECK(c.T().CaseEventCount("110100", case_id) == 2);

  // After the stream has moved on, the old one is still only a duplicate.
  const std::string second = c.Pack("110105", 2, {Acceptance("110105", 3, case_id)});
  const std::string second_sig = Sign(c.CountyKey(), second);
  REQUIRE(c.Post(second, second_sig, "110105").status == 200);
  const std::string after_second = c.Snapshot();
  for (const auto* batch : {&first, &second}) {
    const auto a = c.Post(*batch, batch == &first ? first_sig : second_sig, "110105");
    REQUIRE_MESSAGE(a.status == 200, a.message);
    CHECK(a.receipt->status == "duplicate");
  }
  CHECK(c.Snapshot() == after_second);
  CHECK(c.T().CaseEventCount("110100", case_id) == 3);

  // Different content under a sequence number already used is a conflict, not a replay.
  const std::string impostor =
      c.Pack("110105", 1, {Registration("110105", 1, "110105-2025-0000007")});
  const auto conflict = c.Post(impostor, Sign(c.CountyKey(), impostor), "110105");
  CHECK(conflict.status == 409);
  CHECK(c.Snapshot() == after_second);
}

TEST_CASE(
    "exchange: batches ahead of their stream are held, the gap reported, and applied in order when "
    "it fills") {
  City c;
  const std::string a_id = "110105-2025-0000001";
  const std::string b_id = "110105-2025-0000002";
  const std::string b1 = c.Pack("110105", 1, {Registration("110105", 1, a_id)});
  const std::string b2 = c.Pack("110105", 2, {Acceptance("110105", 2, a_id)});
  const std::string b3 = c.Pack("110105", 3, {Registration("110105", 3, b_id)});
  for (const auto* b : {&b3, &b2}) {
    const auto a = c.Post(*b, Sign(c.CountyKey(), *b), "110105");
    REQUIRE_MESSAGE(a.status == 200, a.message);
    CHECK(a.receipt_verifies);
    CHECK(a.receipt->status == "held");
    CHECK(a.receipt->accepted.empty());
  }
  // The gap is reported: seq 1 is missing, two batches wait behind it.
  {
    const auto s = c.T().Status("110100");
    const auto& gaps = s.at("exchange").at("gaps").as_array();
    REQUIRE(gaps.size() == 1);
    CHECK(gaps[0].at("origin").as_string() == "110105");
    CHECK(gaps[0].at("stream").as_string() == "up");
    CHECK(gaps[0].at("missing_seq").to_number<std::int64_t>() == 1);
    CHECK(gaps[0].at("held").to_number<std::int64_t>() == 2);
  }
  CHECK(QueryOne(c.T().Dir("110100"), "SELECT count(*) FROM events") == "0");
  CHECK(QueryOne(c.T().Dir("110100"), "SELECT count(*) FROM outbox") == "0");

  const auto a = c.Post(b1, Sign(c.CountyKey(), b1), "110105");
  REQUIRE_MESSAGE(a.status == 200, a.message);
  CHECK(a.receipt->status == "applied");
  CHECK(c.T().GapCount("110100") == 0);
  CHECK(c.T().CaseEventCount("110100", a_id) == 2);
  CHECK(c.T().HasCase("110100", b_id));
  CHECK(QueryOne(c.T().Dir("110100"),
                 "SELECT group_concat(seq || ' ' || state, ', ') FROM "
                 "(SELECT * FROM batches WHERE origin = '110105' ORDER BY seq)") ==
        "1 applied, 2 applied, 3 applied");
  // And passed on in sequence: the province sees no gap and holds all three.
  REQUIRE(WaitUntilProvinceHas(c, 3));
  CHECK(c.T().GapCount("110000") == 0);
  CHECK(QueryOne(c.T().Dir("110000"),
                 "SELECT group_concat(seq || ' ' || state, ', ') FROM "
                 "(SELECT * FROM batches WHERE origin = '110105' ORDER BY seq)") ==
        "1 applied, 2 applied, 3 applied");
}

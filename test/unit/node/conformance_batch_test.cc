// node/conformance_batch.h: one batch file checked offline. The batch below
// is built with the real exchange format (EventToXml → BatchXml → Compress
// → SignBytes) and every count, percentile and score is worked out by hand.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "node/conformance_batch.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace json = boost::json;
using testing::At;
using testing::Book;
using testing::ValidCase;

const std::string kOrigin = "110105";
const char* const kCreated = "2026-03-10T00:00:00Z";

schema::Event Base(const std::string& origin, std::uint64_t seq, const std::string& case_id, schema::EventKind kind,
                   const char* occurred) {
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = kind;
  e.occurred_at = At(occurred);
  e.recorded_at = e.occurred_at;
  e.actor = "张敏";
  return e;
}

schema::Event Reg(std::uint64_t seq, const std::string& case_id, const char* occurred,
                  const std::string& category = "010101", const std::string& initial = "", int attachments = 0) {
  auto e = Base(kOrigin, seq, case_id, schema::EventKind::kRegistration, occurred);
  auto c = ValidCase();
  c.case_id = case_id;
  c.registering_body = kOrigin;
  c.registered_at = e.occurred_at;
  c.content_category = category;
  c.repeat = !initial.empty();
  c.initial_case_id = initial;
  for (int i = 0; i < attachments; ++i) {
    schema::Attachment a;
    a.sha256 = std::string(63, 'a') + static_cast<char>('0' + i);
    a.size = 10;
    a.media_type = "text/plain";
    a.name = "附件" + std::to_string(i + 1) + ".txt";
    c.attachments.push_back(a);
  }
  e.body = c;
  return e;
}

schema::Event Accept(const std::string& origin, std::uint64_t seq, const std::string& case_id, const char* occurred) {
  auto e = Base(origin, seq, case_id, schema::EventKind::kAcceptance, occurred);
  e.body = schema::Acceptance{"1", origin, ""};
  return e;
}

schema::Event Handle(std::uint64_t seq, const std::string& case_id, const char* occurred) {
  auto e = Base(kOrigin, seq, case_id, schema::EventKind::kHandling, occurred);
  schema::Handling h;
  h.method = "010200";
  h.body = kOrigin;
  e.body = h;
  return e;
}

std::string BatchText(const std::vector<schema::Event>& events, const std::string& code_version) {
  exchange::BatchHeader h;
  h.origin = kOrigin;
  h.stream = std::string(exchange::kUpStream);
  h.seq = 7;
  h.batch_id = exchange::MakeBatchId(kOrigin, h.stream, h.seq);
  h.destination = std::string(exchange::kRootNode);
  h.created = At(kCreated);
  h.code_version = code_version;
  h.record_count = events.size();
  std::vector<std::string> xml;
  for (const auto& e : events) xml.push_back(schema::EventToXml(e));
  return exchange::BatchXml(h, xml);
}

std::string Packed(const std::vector<schema::Event>& events, const std::string& code_version) {
  auto z = exchange::Compress(BatchText(events, code_version));
  REQUIRE(z);
  return std::move(z).value();
}

// Ten records; the comments give each one's lateness before the batch's
// created time (2026-03-10T00:00Z) and what is wrong with it.
std::vector<schema::Event> Mixed() {
  const std::string a = "110105-2026-0000001", b = "110105-2026-0000002", c = "110105-2026-0000003",
                    d = "110105-2026-0000004", e = "110105-2026-0000005";
  return {
      Reg(1, a, "2026-03-09T12:00:00Z"),                                  // 12 h
      Accept(kOrigin, 2, a, "2026-03-09T18:00:00Z"),                      // 6 h
      Handle(3, b, "2026-03-06T00:00:00Z"),                               // 96 h, R6: before B's registration
      Reg(4, b, "2026-03-08T00:00:00Z"),                                  // 48 h
      Reg(5, c, "2026-03-09T23:00:00Z", "888888"),                        // 1 h, R2
      Accept(kOrigin, 6, c, "2026-03-09T23:30:00Z"),                      // 0.5 h, R6: C's registration is rejected
      Reg(7, d, "2026-03-09T23:00:00Z", "010101", "", 6),                 // 1 h, R1
      Reg(8, e, "2026-03-09T22:00:00Z", "010101", "110105-2025-0000009"), // 2 h, note R4
      Accept(kOrigin, 9, "110105-2026-0000099", "2026-03-09T20:00:00Z"),  // 4 h, note R6
      Accept("110108", 1, a, "2026-03-09T21:00:00Z"),                     // 3 h, R3: not the origin's own
  };
}

conformance::BatchCheckOptions Opts() {
  conformance::BatchCheckOptions o;
  o.today = Date{2026, 3, 10};
  return o;
}

exchange::PrivateKey NewKey() {
  auto k = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
  REQUIRE(k);
  return std::move(k).value();
}

TEST_CASE("conformance --batch: every record judged as a receiver would, lateness against created, a score") {
  const std::string bytes = Packed(Mixed(), Book().Version());
  const auto key = NewKey();
  const auto sig = exchange::SignBytes(key, bytes);
  REQUIRE(sig);
  const auto pub = key.Public();
  auto checked = conformance::CheckBatch(bytes, Book(), Opts(), *sig, &pub);
  REQUIRE_MESSAGE(checked.ok(), checked.error().message);
  const auto& c = *checked;

  CHECK(c.header.batch_id == "110105-up-7");
  CHECK(c.compressed);
  CHECK_FALSE(c.code_version_outdated);
  REQUIRE(c.signature_valid.has_value());
  CHECK(*c.signature_valid);
  CHECK(c.signature_algorithm == "ed25519");
  CHECK(c.records == 10);
  CHECK(c.records_with_violations == 5);
  CHECK(c.violations_by_rule.at("R1") == 1);
  CHECK(c.violations_by_rule.at("R2") == 1);
  CHECK(c.violations_by_rule.at("R3") == 1);
  CHECK(c.violations_by_rule.at("R6") == 2);

  // In batch order, each with rule, field and record.
  std::vector<std::string> seen;
  for (const auto& f : c.violations) seen.push_back(f.record + " " + f.rule + " " + f.field);
  CHECK(seen == std::vector<std::string>{"110105:3 R6 case_id", "110105:5 R2 content_category",
                                         "110105:6 R6 case_id", "110105:7 R1 attachments",
                                         "110108:1 R3 origin"});
  // Lateness: 0.5 1 1 2 3 4 6 12 48 96 hours.
  CHECK(c.lateness.events == 10);
  CHECK(c.lateness.p50 == 3 * 3600);
  CHECK(c.lateness.p95 == 96 * 3600);
  CHECK(c.lateness.max == 96 * 3600);
  CHECK(c.lateness.over_bound == 2);
  REQUIRE(c.late.size() == 2);
  CHECK(c.late[0].event_id == "110105:3");
  CHECK(c.late[1].event_id == "110105:4");
  CHECK(c.late[1].lateness_seconds == 48 * 3600);

  // What only the receiver can know is a note.
  std::vector<std::string> notes;
  for (const auto& f : c.notes) notes.push_back(f.record + " " + f.rule);
  CHECK(notes == std::vector<std::string>{"110105:9 R6", "110105:8 R4"});

  // 25 × 5/10 + 25 × 2/10 = 17.5
  CHECK(c.deductions.size() == 2);
  CHECK(c.deductions.at("rejections") == doctest::Approx(12.5));
  CHECK(c.deductions.at("lateness") == doctest::Approx(5.0));
  CHECK(c.score == doctest::Approx(82.5));

  SUBCASE("JSON: plain decimals, every field") {
    const std::string text = conformance::BatchCheckToJson(c);
    CHECK(text.find("\"score\":82.5") != std::string::npos);
    CHECK(text.find("\"rejections\":12.5") != std::string::npos);
    CHECK(text.find("\"lateness\":5.0") != std::string::npos);
    const auto doc = json::parse(text).as_object();
    CHECK(doc.at("batch").at("seq").to_number<std::uint64_t>() == 7);
    CHECK(doc.at("records").as_int64() == 10);
    CHECK(doc.at("signature").at("valid").as_bool());
    CHECK(doc.at("violations").as_array().size() == 5);
    CHECK(doc.at("violations").as_array()[1].at("rule").as_string() == "R2");
    CHECK(doc.at("violations").as_array()[1].at("record").as_string() == "110105:5");
    CHECK(doc.at("notes").as_array().size() == 2);
    CHECK(doc.at("lateness").at("p95_seconds").as_int64() == 96 * 3600);
  }
  SUBCASE("text") {
    const std::string text = conformance::BatchCheckToText(c, true);
    CHECK(text.find("score 82.5") != std::string::npos);
    CHECK(text.find("110105:7") != std::string::npos);
    CHECK(text.find("cannot be checked offline") != std::string::npos);
    CHECK(text.find("4 d 0 h") != std::string::npos);  // the worst lateness, 96 hours, in days and hours
    const std::string zh = conformance::BatchCheckToText(c);
    CHECK(zh.find("得分 82.5") != std::string::npos);
    CHECK(zh.find("110105:7") != std::string::npos);
    CHECK(zh.find("无法离线检查") != std::string::npos);
    CHECK(zh.find("4 天 0 小时") != std::string::npos);
    CHECK(zh.find("cannot be checked offline") == std::string::npos);
  }
}

TEST_CASE("conformance --batch: R7 within the batch, against the case's earlier events in it") {
  const std::string a = "110105-2026-0000001", b = "110105-2026-0000002";
  auto extension = [&](std::uint64_t seq, const char* at) {
    auto e = Base(kOrigin, seq, a, schema::EventKind::kExtension, at);
    e.body = schema::Extension{10, "情况复杂", "陈主任", At(at).ToDate()};
    return e;
  };
  // Both cases were received 2026-02-16 (ValidCase).
  const std::vector<schema::Event> events = {
      Reg(1, a, "2026-03-01T02:00:00Z"),
      Accept(kOrigin, 2, a, "2026-03-02T02:00:00Z"),
      extension(3, "2026-03-05T02:00:00Z"),
      extension(4, "2026-03-06T02:00:00Z"),            // R7 kind: a second extension
      Reg(5, b, "2026-03-01T03:00:00Z"),
      Accept(kOrigin, 6, b, "2026-02-10T02:00:00Z"),   // R7 occurred_at: before the case was received
  };
  auto checked = conformance::CheckBatch(Packed(events, Book().Version()), Book(), Opts(), std::nullopt, nullptr);
  REQUIRE_MESSAGE(checked.ok(), checked.error().message);
  std::vector<std::string> seen;
  for (const auto& f : checked->violations) seen.push_back(f.record + " " + f.rule + " " + f.field);
  CHECK(seen == std::vector<std::string>{"110105:4 R7 kind", "110105:6 R7 occurred_at"});
  CHECK(checked->violations_by_rule.at("R7") == 2);
}

TEST_CASE("conformance --batch: a signature by another key, and outdated code tables") {
  const std::string bytes = Packed({Reg(1, "110105-2026-0000001", "2026-03-09T23:00:00Z")}, "xf-codes-2025.9");
  const auto key = NewKey();
  const auto other = NewKey().Public();
  const auto sig = exchange::SignBytes(key, bytes);
  REQUIRE(sig);
  auto c = conformance::CheckBatch(bytes, Book(), Opts(), *sig, &other);
  REQUIRE(c.ok());
  CHECK(c->code_version_outdated);
  REQUIRE(c->signature_valid.has_value());
  CHECK_FALSE(*c->signature_valid);
  REQUIRE(c->violations.size() == 2);
  CHECK(c->violations[0].rule == "codes");
  CHECK(c->violations[0].field == "code_version");
  CHECK(c->violations[0].message.find("xf-codes-2025.9") != std::string::npos);
  CHECK(c->violations[1].rule == "signature");
  CHECK(c->records_with_violations == 0);  // the records themselves are fine
  CHECK(c->deductions.at("outdated_codes") == doctest::Approx(5.0));
  CHECK(c->score == 0.0);

  // The right key: only the code tables cost points.
  const auto pub = key.Public();
  auto good = conformance::CheckBatch(bytes, Book(), Opts(), *sig, &pub);
  REQUIRE(good.ok());
  CHECK(*good->signature_valid);
  CHECK(good->score == doctest::Approx(95.0));
}

TEST_CASE("conformance --batch: a clean batch scores 100.0; plain XML is read with a note; garbage fails") {
  const auto events = std::vector<schema::Event>{Reg(1, "110105-2026-0000001", "2026-03-09T23:00:00Z"),
                                                 Accept(kOrigin, 2, "110105-2026-0000001", "2026-03-09T23:30:00Z")};
  auto c = conformance::CheckBatch(Packed(events, Book().Version()), Book(), Opts());
  REQUIRE(c.ok());
  CHECK(c->violations.empty());
  CHECK(c->deductions.empty());
  CHECK(c->score == 100.0);
  CHECK_FALSE(c->signature_valid.has_value());
  const std::string text = conformance::BatchCheckToJson(*c);
  CHECK(text.find("\"score\":100.0") != std::string::npos);
  CHECK(text.find("E2") == std::string::npos);

  auto plain = conformance::CheckBatch(BatchText(events, Book().Version()), Book(), Opts());
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->compressed);
  CHECK(plain->records == 2);
  CHECK(plain->violations.empty());

  CHECK_FALSE(conformance::CheckBatch("not a batch at all", Book(), Opts()).ok());
  std::string truncated = Packed(events, Book().Version());
  truncated.resize(truncated.size() / 2);
  CHECK_FALSE(conformance::CheckBatch(truncated, Book(), Opts()).ok());
  // Decompression is bounded.
  auto small = Opts();
  small.max_xml_bytes = 100;
  auto limited = conformance::CheckBatch(Packed(events, Book().Version()), Book(), small);
  REQUIRE_FALSE(limited.ok());
  CHECK(limited.error().code == Errc::kLimit);
}

TEST_CASE("conformance JsonText: doubles as plain decimals, never an exponent") {
  json::object o;
  o["a"] = 100.0;
  o["b"] = 67.9;
  o["c"] = 0.3333;
  o["d"] = std::int64_t{25};
  o["e"] = 0.0;
  o["f"] = json::array{1.5, "x\"y", nullptr, true};
  CHECK(conformance::JsonText(o) == R"({"a":100.0,"b":67.9,"c":0.3333,"d":25,"e":0.0,"f":[1.5,"x\"y",null,true]})");
  CHECK(json::parse(conformance::JsonText(o)).at("a").as_double() == 100.0);
}

}  // namespace
}  // namespace xf::node

// Issue 12, holes 7 and 9, with real batches posted to a real node over
// mutual TLS as its child would: white space the XSD allows is accepted
// (a batch indented like PROTOCOL.md's example, values of collapsing types
// padded); white space it does not allow is refused with a message saying
// so; a record with a Unicode non-character is rejected by itself (R3, the
// field), the rest of the batch applies, and nothing is stored changed.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <tuple>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "schema/detail/xsd.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace ex = xf::exchange;
namespace schema = xf::schema;
using xf::Instant;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::SourceDir;
using xf::test::Topology;

namespace {

schema::Event Registration(std::uint64_t seq, const std::string& case_id) {
  schema::Violations v;
  auto c = schema::CaseFromJson(SampleCase(), v);
  REQUIRE(c);
  c->case_id = case_id;
  c->registering_body = "110105";
  c->registered_at = *Instant::Parse("2025-03-13T09:20:00+08:00");
  schema::Event e;
  e.origin = "110105";
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = c->registered_at;
  e.recorded_at = *Instant::Parse("2025-03-13T09:21:00+08:00");
  e.actor = c->registrar;
  e.body = std::move(c).value();
  return e;
}

// The city 110100 running; its child 110105 only initialised (its key signs here).
struct City {
  Topology t{std::vector<std::string>{"110100", "110105"}};
  ex::PrivateKey key = std::move(ex::PrivateKey::LoadPem(t.Dir("110105") / "keys" / "signing.key")).value();
  std::string code_version;
  City() {
    REQUIRE_MESSAGE(t.Start("110100"), t.Node("110100").Log());
    code_version = std::string(t.Status("110100").at("code_version").as_string());
  }

  std::string Xml(std::uint64_t seq, const std::vector<schema::Event>& events) const {
    ex::BatchHeader h;
    h.origin = "110105";
    h.destination = std::string(ex::kRootNode);
    h.stream = std::string(ex::kUpStream);
    h.seq = seq;
    h.batch_id = ex::MakeBatchId(h.origin, h.stream, seq);
    h.created = *Instant::Parse("2025-03-14T10:01:00+08:00");
    h.code_version = code_version;
    h.record_count = events.size();
    std::vector<std::string> xml;
    for (const auto& e : events) xml.push_back(schema::EventToXml(e));
    return ex::BatchXml(h, xml);
  }

  // Compresses, signs with the county's key and posts as the county: {status, body}.
  std::pair<int, std::string> Post(const std::string& xml) {
    auto bytes = ex::Compress(xml);
    REQUIRE(bytes);
    auto sig = ex::SignBytes(key, *bytes);
    REQUIRE(sig);
    ex::HttpClientOptions opts;
    const auto keys = t.Dir("110105") / "keys";
    opts.tls = ex::TlsFiles{(keys / "tls.crt").string(), (keys / "tls.key").string(),
                            (t.Dir("110100") / "keys" / "tls.crt").string(), false};
    opts.expected_server_cn = "110100";
    auto r = ex::HttpCall("POST", t.ExchangeUrl("110100") + "/v1/exchange/batches",
                          {{"content-type", "application/zstd"},
                           {"x-xf-origin", "110105"},
                           {"x-xf-signature", ex::Base64Encode(*sig)}},
                          *bytes, opts);
    REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
    return {r->status, r->body};
  }
};

// Inserts `with` before every occurrence of `at` in `s`.
void Before(std::string& s, const std::string& at, const std::string& with) {
  for (auto p = s.find(at); p != std::string::npos; p = s.find(at, p + with.size() + at.size())) s.insert(p, with);
}

void Replace(std::string& s, const std::string& from, const std::string& to) {
  const auto p = s.find(from);
  REQUIRE_MESSAGE(p != std::string::npos, from);
  s.replace(p, from.size(), to);
}

}  // namespace

TEST_CASE("text: an indented batch with padded collapsing values is valid XSD and applies like the compact one") {
  City c;
  const std::string id1 = "110105-2025-0000001", id2 = "110105-2025-0000002";
  std::string xml = c.Xml(1, {Registration(1, id1), Registration(2, id2)});
  const std::string compact_event = schema::EventToXml(Registration(1, id1));
  // Line breaks and indentation between the batch's elements and inside the
  // events' records, as a hand-made or pretty-printed batch has them.
  for (const char* tag : {"<header>", "<batch_id>", "<origin>", "<destination>", "<stream>", "<seq>", "<created>",
                          "<code_version>", "<record_count>", "</header>", "<event ", "</batch>", "<registration>",
                          "<received_date>", "<petitioners>", "<petitioner>", "<summary>", "</registration>"}) {
    Before(xml, tag, "\n    ");
  }
  // xs:dateTime, xs:date, xs:boolean: white space collapses (whiteSpace="collapse", fixed).
  Replace(xml, "<created>", "<created> ");
  Replace(xml, "<repeat>false</repeat>", "<repeat> false </repeat>");
  Replace(xml, "<received_date>", "<received_date>\n ");
  // The stock checker agrees that this is a valid batch.
  auto xsd = schema::detail::XsdValidator::Load((SourceDir() / "schema" / "xfnode.xsd").string());
  REQUIRE(xsd);
  schema::XmlLimits limits;
  auto valid = (*xsd)->Validate(xml, limits);
  REQUIRE_MESSAGE(valid, valid.error().message);
  // So do integers by XSD 1.0 Part 2 (§3.3.13 ff.: whiteSpace collapse for
  // every type derived from decimal), though libxml2 2.9 refuses " 1 " for
  // xs:unsignedLong and xs:unsignedInt: the node reads them as the standard says.
  Replace(xml, "<seq>1</seq>", "<seq>\n  1 </seq>");
  Replace(xml, "<record_count>2</record_count>", "<record_count> 2\t</record_count>");

  const auto [status, body] = c.Post(xml);
  REQUIRE_MESSAGE(status == 200, body);
  auto receipt = ex::ParseReceiptXml(body);
  REQUIRE(receipt);
  CHECK(receipt->status == "applied");
  CHECK(receipt->rejected.empty());
  CHECK(receipt->AcceptedCount() == 2);
  // Stored as the canonical event, byte for byte what the origin would have stored.
  CHECK(c.t.CaseEventXml("110100", id1).at("110105:1") == compact_event);
  CHECK(c.t.HasCase("110100", id2));
}

TEST_CASE("text: white space the XSD keeps (around a node id or batch id) refuses the batch, saying it is the white space") {
  City c;
  for (const auto& [from, to, element] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"<origin>110105</origin>", "<origin>110105 </origin>", "<origin>"},
           {"<batch_id>110105-up-1</batch_id>", "<batch_id>\n110105-up-1</batch_id>", "<batch_id>"}}) {
    CAPTURE(element);
    std::string xml = c.Xml(1, {Registration(1, "110105-2025-0000001")});
    Replace(xml, from, to);
    const auto [status, body] = c.Post(xml);
    CHECK(status == 400);
    CHECK_MESSAGE(body.find(element) != std::string::npos, body);
    CHECK_MESSAGE(body.find("white space") != std::string::npos, body);
  }
  CHECK(QueryOne(c.t.Dir("110100"), "SELECT count(*) FROM batches") == "0");
  CHECK(QueryOne(c.t.Dir("110100"), "SELECT count(*) FROM events") == "0");
}

TEST_CASE("text: a record with a Unicode non-character is rejected by itself (R3, its field); the others apply") {
  City c;
  const std::string good = "110105-2025-0000001", bad = "110105-2025-0000002", bad2 = "110105-2025-0000003";
  auto with_fdd0 = Registration(2, bad);
  std::get<schema::CaseRegistration>(with_fdd0.body).summary = "信访人反映\xEF\xB7\x90物业费问题";  // U+FDD0
  auto with_10ffff = Registration(3, bad2);
  std::get<schema::CaseRegistration>(with_10ffff.body).petitioners[0].address = "某路\xF4\x8F\xBF\xBF号";  // U+10FFFF
  const auto [status, body] = c.Post(c.Xml(1, {Registration(1, good), with_fdd0, with_10ffff}));
  REQUIRE_MESSAGE(status == 200, body);
  auto receipt = ex::ParseReceiptXml(body);
  REQUIRE(receipt);
  CHECK(receipt->status == "applied");
  CHECK(receipt->AcceptedCount() == 1);
  REQUIRE(receipt->rejected.size() == 2);
  CHECK(receipt->rejected[0].event_id == "110105:2");
  CHECK(receipt->rejected[0].rule == "R3");
  CHECK(receipt->rejected[0].field == "summary");
  CHECK_MESSAGE(receipt->rejected[0].reason.find("non-character U+FDD0") != std::string::npos, receipt->rejected[0].reason);
  CHECK(receipt->rejected[1].event_id == "110105:3");
  CHECK(receipt->rejected[1].field == "petitioners[0].address");
  CHECK(c.t.HasCase("110100", good));
  CHECK_FALSE(c.t.HasCase("110100", bad));
  CHECK_FALSE(c.t.HasCase("110100", bad2));
  // Nothing was stored changed (no U+FFFD in place of what was sent).
  CHECK(QueryOne(c.t.Dir("110100"), "SELECT count(*) FROM events WHERE instr(xml, char(65533)) > 0") == "0");
}

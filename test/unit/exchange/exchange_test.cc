// Unit tests of the exchange's pure pieces: signatures, batches, receipts,
// routing.
#include <doctest/doctest.h>

#include <tuple>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/receipt.h"
#include "exchange/routing.h"
#include "schema/xml.h"

using namespace xf;
using namespace xf::exchange;

namespace {

schema::Event Closure(const std::string& origin, std::uint64_t seq, const std::string& case_id) {
  schema::Event e;
  e.origin = origin;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kClosure;
  e.occurred_at = *Instant::Parse("2026-03-01T09:00:00+08:00");
  e.recorded_at = e.occurred_at;
  e.actor = "张三";
  e.body = schema::Closure{"110105", "已办结"};
  return e;
}

BatchHeader Header(std::uint64_t records) {
  BatchHeader h;
  h.origin = "110105";
  h.stream = std::string(kUpStream);
  h.seq = 3;
  h.batch_id = MakeBatchId(h.origin, h.stream, h.seq);
  h.destination = std::string(kRootNode);
  h.created = *Instant::Parse("2026-03-01T10:00:00Z");
  h.code_version = "xf-codes-2026.1";
  h.record_count = records;
  return h;
}

}  // namespace

TEST_CASE("exchange: signatures over bytes verify, and fail on any change, for both algorithms") {
  for (auto alg : {SignAlg::kEd25519, SignAlg::kSm2}) {
    CAPTURE(SignAlgName(alg));
    auto key = PrivateKey::Generate(alg);
    REQUIRE(key);
    const std::string bytes = "batch bytes \x01\x02 with a NUL \0 inside";
    auto sig = SignBytes(*key, bytes);
    REQUIRE(sig);
    const PublicKey pub = key->Public();
    CHECK(pub.Alg() == alg);
    CHECK(VerifyBytes(pub, bytes, *sig));
    std::string altered = bytes;
    altered[3] ^= 1;
    CHECK_FALSE(VerifyBytes(pub, altered, *sig));
    std::string bad_sig = *sig;
    bad_sig[bad_sig.size() / 2] ^= 1;
    CHECK_FALSE(VerifyBytes(pub, bytes, bad_sig));
    auto other = PrivateKey::Generate(alg);
    REQUIRE(other);
    CHECK_FALSE(VerifyBytes(other->Public(), bytes, *sig));
    // The PEM round trip keeps the key usable.
    auto again = PublicKey::FromPem(pub.Pem());
    REQUIRE(again);
    CHECK(VerifyBytes(*again, bytes, *sig));
    CHECK(again->Fingerprint() == pub.Fingerprint());
  }
}

TEST_CASE("exchange: a batch packs, compresses and parses back to the same events") {
  std::vector<std::string> xml;
  std::vector<schema::Event> events;
  for (std::uint64_t i = 1; i <= 3; ++i) {
    events.push_back(Closure("110105", i, "110105-2026-000000" + std::to_string(i)));
    xml.push_back(schema::EventToXml(events.back()));
  }
  BatchHeader h = Header(3);
  h.attachments = {std::string(64, 'a')};
  const std::string doc = BatchXml(h, xml);
  auto z = Compress(doc);
  REQUIRE(z);
  auto back = Decompress(*z, 1 << 20);
  REQUIRE(back);
  CHECK(*back == doc);
  auto parsed = ParseBatchXml(*back);
  REQUIRE(parsed);
  CHECK(parsed->header.batch_id == "110105-up-3");
  CHECK(parsed->header.seq == 3);
  CHECK(parsed->header.attachments == h.attachments);
  REQUIRE(parsed->events.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(parsed->events[i].xml == xml[i]);  // byte for byte, as the origin stored it
    CHECK(parsed->events[i].violations.empty());
  }
}

TEST_CASE("exchange: malformed batches are refused whole with a reason") {
  const std::string one = schema::EventToXml(Closure("110105", 1, "110105-2026-0000001"));
  SUBCASE("record count does not match") {
    auto r = ParseBatchXml(BatchXml(Header(2), {one}));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("record_count") != std::string::npos);
  }
  SUBCASE("not a batch") {
    CHECK_FALSE(ParseBatchXml("<case xmlns=\"urn:xfnode:exchange:1\"/>"));
    CHECK_FALSE(ParseBatchXml("not xml at all"));
  }
  SUBCASE("a DOCTYPE is never expanded") {
    auto r = ParseBatchXml("<!DOCTYPE batch [<!ENTITY a \"aaaaaaaa\">]><batch xmlns=\"urn:xfnode:exchange:1\"/>");
    CHECK_FALSE(r);
  }
  SUBCASE("header incomplete") {
    BatchHeader h = Header(1);
    h.code_version.clear();
    CHECK_FALSE(ParseBatchXml(BatchXml(h, {one})));
  }
}

TEST_CASE("exchange: decompression is bounded and strict") {
  const std::string big(1 << 20, 'x');
  auto z = Compress(big);
  REQUIRE(z);
  auto capped = Decompress(*z, 1000);
  REQUIRE_FALSE(capped);
  CHECK(capped.error().code == Errc::kLimit);
  CHECK_FALSE(Decompress("definitely not zstd", 1 << 20));
  CHECK_FALSE(Decompress(z->substr(0, z->size() / 2), 2 << 20));  // truncated
  CHECK_FALSE(Decompress(*z + "trailing", 2 << 20));
}

TEST_CASE("exchange: receipts round-trip") {
  Receipt r;
  r.batch_id = "110105-up-3";
  r.receiver = "110100";
  r.created = *Instant::Parse("2026-03-01T10:00:01Z");
  r.status = "held";
  r.accepted = {"110105:1", "110105:2"};
  r.rejected = {{"110105:3", "R2", "content_category", "code \"888888\" <unknown> & retired"}};
  auto back = ParseReceiptXml(ReceiptXml(r));
  REQUIRE(back);
  CHECK(back->batch_id == r.batch_id);
  CHECK(back->receiver == r.receiver);
  CHECK(back->status == "held");
  CHECK(back->accepted == r.accepted);
  REQUIRE(back->rejected.size() == 1);
  CHECK(back->rejected[0].reason == r.rejected[0].reason);
  CHECK(back->rejected[0].field == "content_category");
  Receipt applied = r;
  applied.status = "applied";
  CHECK(ReceiptXml(applied).find("<status>") == std::string::npos);
  CHECK(ParseReceiptXml(ReceiptXml(applied))->status == "applied");
  CHECK_FALSE(ParseReceiptXml("<receipt xmlns=\"urn:xfnode:exchange:1\"><created>x</created></receipt>"));
}

TEST_CASE("exchange: subtrees by node id") {
  CHECK(InSubtree("100000", "650102"));
  CHECK(InSubtree("100000", "100000.MZB"));
  CHECK(InSubtree("110000", "110105"));
  CHECK(InSubtree("110000", "110100"));
  CHECK_FALSE(InSubtree("110000", "120101"));
  CHECK(InSubtree("110100", "110108"));
  CHECK_FALSE(InSubtree("110100", "110200"));
  CHECK(InSubtree("110105", "110105"));
  CHECK(InSubtree("110105", "110105.RSJ"));
  CHECK_FALSE(InSubtree("110105", "110108"));
  CHECK_FALSE(InSubtree("110105", "1101050"));
  CHECK_FALSE(InSubtree("110105.RSJ", "110105"));
  CHECK(InSubtree("110105.RSJ", "110105.RSJ"));
  CHECK(NextHopDown({"110100", "120100"}, "110108") == std::optional<std::string>("110100"));
  CHECK_FALSE(NextHopDown({"110100"}, "120101"));
}

TEST_CASE("exchange: base64 round-trips signatures of every length") {
  for (std::size_t n = 0; n < 70; ++n) {
    std::string bytes;
    for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>(i * 37 + 11));
    auto back = Base64Decode(Base64Encode(bytes));
    REQUIRE(back);
    CHECK(*back == bytes);
  }
  CHECK_FALSE(Base64Decode("abc"));
  CHECK_FALSE(Base64Decode("!!!!"));
}

// Issue 12, hole 7: white space the XSD allows is accepted, as the XSD reads
// it; white space it does not allow is refused with a message saying so.
TEST_CASE("exchange: an indented batch parses like the compact one; white space the XSD keeps is refused by name") {
  std::vector<std::string> xml;
  for (std::uint64_t i = 1; i <= 2; ++i) xml.push_back(schema::EventToXml(Closure("110105", i, "110105-2026-000000" + std::to_string(i))));
  BatchHeader h = Header(2);
  h.attachments = {std::string(64, 'a'), std::string(64, 'b')};
  const std::string compact = BatchXml(h, xml);
  auto reference = ParseBatchXml(compact);
  REQUIRE(reference);

  // Line breaks and indentation between every element, as PROTOCOL.md shows a batch.
  std::string indented = compact;
  auto put = [&](const std::string& at, const std::string& with) {
    for (std::size_t p = indented.find(at); p != std::string::npos; p = indented.find(at, p + with.size() + at.size())) {
      indented.insert(p, with);
    }
  };
  put("<header>", "\n");
  for (const char* tag : {"<batch_id>", "<origin>", "<destination>", "<stream>", "<seq>", "<created>",
                          "<code_version>", "<record_count>", "<attachments>", "<sha256>", "</attachments>",
                          "</header>"}) {
    put(tag, "\n    ");
  }
  put("<event ", "\n  ");
  put("</batch>", "\n");
  indented += "\n";
  // Around values whose XSD type collapses white space (xs:unsignedLong, xs:dateTime, xs:unsignedInt).
  indented.replace(indented.find("<seq>3</seq>"), 12, "<seq>\n 3 </seq>");
  indented.replace(indented.find("<record_count>2<"), 16, "<record_count> 2\t<");
  const std::string created = "<created>2026-03-01T10:00:00Z</created>";
  indented.replace(indented.find(created), created.size(), "<created> 2026-03-01T10:00:00Z\n</created>");
  REQUIRE(indented != compact);
  auto parsed = ParseBatchXml(indented);
  REQUIRE_MESSAGE(parsed, parsed.error().message);
  CHECK(parsed->header.seq == 3);
  CHECK(parsed->header.record_count == 2);
  CHECK(parsed->header.created == reference->header.created);
  CHECK(parsed->header.attachments == h.attachments);
  REQUIRE(parsed->events.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) CHECK(parsed->events[i].xml == reference->events[i].xml);

  // Around a value of an xs:string pattern type (node ids, tokens, hashes): not valid, and said so.
  for (const auto& [from, to, element] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"<origin>110105<", "<origin> 110105<", "<origin>"},
           {"<batch_id>110105-up-3<", "<batch_id>110105-up-3 <", "<batch_id>"},
           {"<sha256>aaaa", "<sha256>\naaaa", "<sha256>"}}) {
    CAPTURE(element);
    std::string bad = compact;
    bad.replace(bad.find(from), from.size(), to);
    auto r = ParseBatchXml(bad);
    REQUIRE_FALSE(r);
    CHECK_MESSAGE(r.error().message.find(element) != std::string::npos, r.error().message);
    CHECK_MESSAGE(r.error().message.find("white space") != std::string::npos, r.error().message);
  }
  // Text that is not white space between elements is still refused, quoted.
  std::string junk = compact;
  junk.insert(junk.find("<origin>"), "x");
  auto r = ParseBatchXml(junk);
  REQUIRE_FALSE(r);
  CHECK_MESSAGE(r.error().message.find("unexpected text \"x\"") != std::string::npos, r.error().message);
}

// The system key's document (node/dedup_key.h, node/dedup_exchange.h): signed
// by the national bureau with its node signing key; a node verifies it before
// use — signed, by 100000, and with a key it holds for 100000 — and refuses
// every other; the national bureau signs a document of before (unsigned) at
// start without changing the key.
#include <doctest/doctest.h>

#include "dedup/wire.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "node/dedup_exchange.h"
#include "node/dedup_key.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

using testing::At;
using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

exchange::PrivateKey Key(exchange::SignAlg alg = exchange::SignAlg::kEd25519) {
  auto k = exchange::PrivateKey::Generate(alg);
  REQUIRE(k);
  return std::move(k).value();
}

std::string Secret(char fill = 's') { return std::string(32, fill); }

PublicKeysOf Holding(const std::string& id, const exchange::PrivateKey& key) {
  auto pub = std::make_shared<const exchange::PublicKey>(key.Public());
  return [id, pub](const std::string& who) {
    return who == id ? std::vector<std::shared_ptr<const exchange::PublicKey>>{pub}
                     : std::vector<std::shared_ptr<const exchange::PublicKey>>{};
  };
}

TEST_CASE("dedup key: the national bureau's signed document verifies, Ed25519 and SM2") {
  for (const auto alg : {exchange::SignAlg::kEd25519, exchange::SignAlg::kSm2}) {
    CAPTURE(exchange::SignAlgName(alg));
    const auto national = Key(alg);
    auto doc = SignKeyDocument("100000-20261208", Secret(), "100000", national);
    REQUIRE(doc);
    const auto v = VerifyKeyDocument(*doc, Holding("100000", national));
    REQUIRE_MESSAGE(v.Verified(), v.detail);
    CHECK(v.doc.key_id == "100000-20261208");
    CHECK(v.doc.secret == Secret());
    CHECK(v.doc.signer == "100000");
    CHECK(IsSignedWith(v.doc, "100000", national.Public()));
    CHECK_FALSE(IsSignedWith(v.doc, "100000", Key(alg).Public()));
    // The signature is over the fixed text, as exchange::SignBytes signs (stock-checkable).
    auto sig = exchange::Base64Decode(v.doc.signature);
    REQUIRE(sig);
    CHECK(exchange::VerifyBytes(national.Public(), dedup::wire::SignedText(v.doc), *sig));
  }
}

TEST_CASE("dedup key: a province's own key, a forged signature, an unsigned or unverifiable document are refused") {
  const auto national = Key(), province = Key();
  // Both keys known here, as a county knows every origin's key.
  auto both = [&](const std::string& who) {
    std::vector<std::shared_ptr<const exchange::PublicKey>> out;
    if (who == "100000") out.push_back(std::make_shared<const exchange::PublicKey>(national.Public()));
    if (who == "110000") out.push_back(std::make_shared<const exchange::PublicKey>(province.Public()));
    return out;
  };
  // Signed by the province with its own valid key: not the national bureau.
  auto own = SignKeyDocument("110000-20261208", Secret('p'), "110000", province);
  REQUIRE(own);
  auto v = VerifyKeyDocument(*own, both);
  REQUIRE(v.refused);
  CHECK(*v.refused == KeyRefusal::kSignerNotNational);
  CHECK(std::string(KeyRefusalCode(*v.refused)) == "signer_not_national");
  CHECK(v.doc.signer == "110000");
  // Naming the national bureau, signed by the province: the signature does not verify.
  auto claimed = SignKeyDocument("100000-20261208", Secret('p'), "100000", province);
  REQUIRE(claimed);
  v = VerifyKeyDocument(*claimed, both);
  REQUIRE(v.refused);
  CHECK(*v.refused == KeyRefusal::kBadSignature);
  // The national bureau's signature over another key: altered on the way.
  auto real = SignKeyDocument("100000-20261208", Secret(), "100000", national);
  REQUIRE(real);
  auto parsed = dedup::wire::ParseKeyDocument(*real);
  REQUIRE(parsed);
  auto altered = *parsed;
  altered.secret = Secret('x');
  v = VerifyKeyDocument(dedup::wire::KeyDocumentJson(altered), both);
  REQUIRE(v.refused);
  CHECK(*v.refused == KeyRefusal::kBadSignature);
  altered = *parsed;
  altered.key_id = "100000-20991231";
  CHECK(*VerifyKeyDocument(dedup::wire::KeyDocumentJson(altered), both).refused == KeyRefusal::kBadSignature);
  // The real one verifies.
  CHECK(VerifyKeyDocument(*real, both).Verified());
  // Unsigned (the format of before): nothing proves where it comes from.
  auto unsigned_doc = *parsed;
  unsigned_doc.signer.clear();
  unsigned_doc.signature.clear();
  v = VerifyKeyDocument(dedup::wire::KeyDocumentJson(unsigned_doc), both);
  REQUIRE(v.refused);
  CHECK(*v.refused == KeyRefusal::kUnsigned);
  // No key of the national bureau here: cannot be verified, so refused.
  v = VerifyKeyDocument(*real, Holding("110000", province));
  REQUIRE(v.refused);
  CHECK(*v.refused == KeyRefusal::kNoSignerKey);
  v = VerifyKeyDocument(*real, {});
  REQUIRE(v.refused);
  CHECK(*v.refused == KeyRefusal::kNoSignerKey);
  // Not a document.
  v = VerifyKeyDocument("{\"format\":\"xfnode-dedup-key-2\"}", both);
  REQUIRE(v.refused);
  CHECK(*v.refused == KeyRefusal::kMalformed);
  CHECK(std::string(KeyRefusalWords(KeyRefusal::kSignerNotNational)) == "签名者不是国家信访局");
}

TEST_CASE("dedup key: the national bureau signs a key of before at start, the same key, and makes a signed one when it has none") {
  TempDir dir;
  ManualClock clock{At("2026-12-08T09:00:00+08:00")};
  const auto national = Key();
  REQUIRE(national.SavePem(dir / "signing.key"));
  NodeConfig c;
  c.node_id = "100000";
  c.data_dir = dir / "data";
  c.signing_key = dir / "signing.key";
  std::filesystem::create_directories(c.data_dir);
  const auto file = c.data_dir / "dedup.key";
  const std::string hex(64, 'a');
  WriteFile(file, R"({"format":"xfnode-dedup-key-1","key_id":"100000-20261207","key":")" + hex + "\"}\n");
  {
    auto store = Store::Open(c.data_dir / "xfnode.db", clock);
    REQUIRE(store);
    DedupExchange d(c, **store, clock, [](const PeerConfig&) { return exchange::HttpClientOptions{}; }, [] {});
    REQUIRE(d.Start());
    d.Stop();
    REQUIRE(d.Key());
    CHECK(d.Key()->Id() == "100000-20261207");
    CHECK(d.KeyStatus().signer == "100000");
    CHECK(d.KeyStatus().verified);
  }
  const std::string signed_text = ReadFile(file);
  auto doc = dedup::wire::ParseKeyDocument(signed_text);
  REQUIRE(doc);
  CHECK(doc->Signed());
  CHECK(doc->key_id == "100000-20261207");
  CHECK(doc->secret == std::string(32, static_cast<char>(0xaa)));  // the same key
  CHECK(VerifyKeyDocument(signed_text, Holding("100000", national)).Verified());
  CHECK((std::filesystem::status(file).permissions() & std::filesystem::perms::others_read) == std::filesystem::perms::none);
  // Started again: signed already with its key, the file is left as it is.
  {
    auto store = Store::Open(c.data_dir / "xfnode.db", clock);
    REQUIRE(store);
    DedupExchange d(c, **store, clock, [](const PeerConfig&) { return exchange::HttpClientOptions{}; }, [] {});
    REQUIRE(d.Start());
    d.Stop();
  }
  CHECK(ReadFile(file) == signed_text);
  // None at all: made and signed.
  std::filesystem::remove(file);
  {
    auto store = Store::Open(c.data_dir / "xfnode.db", clock);
    REQUIRE(store);
    DedupExchange d(c, **store, clock, [](const PeerConfig&) { return exchange::HttpClientOptions{}; }, [] {});
    REQUIRE(d.Start());
    d.Stop();
    CHECK(d.Key()->Id() == "100000-20261208");
  }
  const auto made = VerifyKeyDocument(ReadFile(file), Holding("100000", national));
  CHECK_MESSAGE(made.Verified(), made.detail);
  CHECK(made.doc.key_id == "100000-20261208");
}

}  // namespace
}  // namespace xf::node

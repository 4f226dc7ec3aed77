// The system key of duplicate detection (判重系统密钥) is the national
// bureau's, and every node proves it before use (issue 11; node/dedup_key.h,
// exchange/PROTOCOL.md "The system key's document"), through real xfnode
// processes over real mutual TLS: 100000 → 110000 → 110105.
//
// The county gets the national bureau's signed document through its
// province, byte for byte, verifies it with the national bureau's key and
// uses it: a duplicate question answered by the province finds the case
// registered there. Then the province serves a key of its own — signed by
// itself with its valid key, then one naming the national bureau under a
// signature that does not verify — and the county refuses both: its key is
// unchanged, each refusal is in its log and in its status.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "dedup/wire.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "node/dedup_key.h"
#include "test/harness/dedup_cases.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::QueryOne;
using xf::test::ReadText;
using xf::test::SourceDir;
using xf::test::Topology;
using xf::test::WaitUntil;

using xf::test::dedup_cases::Letter;
using xf::test::dedup_cases::Call;
using xf::test::dedup_cases::SameLetterRetyped;

namespace {

std::filesystem::path KeyFile(Topology& t, const std::string& node) { return t.Dir(node) / "data" / "dedup.key"; }

// exchange.dedup_key of /v1/status; while the node does not answer, none held.
json::object DedupKeyStatus(Topology& t, const std::string& node) {
  const auto st = t.Status(node);
  const auto* ex = st.if_contains("exchange");
  if (ex && ex->is_object() && ex->as_object().contains("dedup_key")) return ex->as_object().at("dedup_key").as_object();
  return json::object{{"key_id", nullptr}, {"signer", nullptr}, {"verified", false}, {"refused", nullptr}};
}

// The log lines of `node` that say it refused the parent's key for `reason`.
std::size_t Refusals(Topology& t, const std::string& node, const std::string& reason) {
  std::size_t n = 0;
  std::istringstream in(t.Node(node).Log());
  for (std::string line; std::getline(in, line);) {
    boost::system::error_code ec;
    const auto v = json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    const auto* e = o.if_contains("event");
    const auto* r = o.if_contains("reason");
    if (e && e->is_string() && e->as_string() == "dedup_key.refused" && r && r->is_string() && r->as_string() == reason) {
      CHECK(o.at("level").as_string() == "warn");
      CHECK(std::string(o.at("msg").as_string()).rfind("拒绝上级提供的判重系统密钥：", 0) == 0);
      CHECK(o.at("parent").as_string() == "110000");
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST_CASE("dedup key: signed by the national bureau, verified by the county; a province's own key or a forged one is refused") {
  Topology t({"100000", "110000", "110105"});
  REQUIRE(t.ParentOf("110105") == "110000");
  REQUIRE(t.StartAll());
  REQUIRE_MESSAGE(WaitUntil([&] { return std::filesystem::exists(KeyFile(t, "110105")); }),
                  "110105 never got the system key:\n" << t.Node("110105").Log());
  // The national bureau's document, relayed unchanged by the province.
  const std::string national_doc = ReadText(KeyFile(t, "100000"));
  CHECK(ReadText(KeyFile(t, "110000")) == national_doc);
  CHECK(ReadText(KeyFile(t, "110105")) == national_doc);
  // Signed by 100000 over the fixed text, checkable with its public key alone.
  auto doc = xf::dedup::wire::ParseKeyDocument(national_doc.substr(0, national_doc.find('\n')));
  REQUIRE(doc);
  CHECK(doc->Signed());
  CHECK(doc->signer == "100000");
  auto national_pub = xf::exchange::PublicKey::LoadPem(t.Dir("100000") / "keys" / "signing.pub");
  REQUIRE(national_pub);
  auto sig = xf::exchange::Base64Decode(doc->signature);
  REQUIRE(sig);
  CHECK(xf::exchange::VerifyBytes(*national_pub, xf::dedup::wire::SignedText(*doc), *sig));
  const std::string key_id = doc->key_id;
  REQUIRE(WaitUntil([&] { return DedupKeyStatus(t, "110105").at("verified").as_bool(); }));
  {
    const auto st = DedupKeyStatus(t, "110105");
    CHECK(st.at("key_id").as_string() == key_id);
    CHECK(st.at("signer").as_string() == "100000");
    CHECK(st.at("refused").is_null());
  }

  // The key in use: a case registered at the province is found by the
  // county's question, which the province answers from its blind index.
  const auto first = Call(t, "110000", "POST", "/v1/cases", json::serialize(Letter()), 201);
  const std::string a(first.at("case_id").as_string());
  REQUIRE(WaitUntil([&] {
    return QueryOne(t.Dir("110000"), "SELECT count(*) FROM dedup_blind b JOIN dedup_cases c ON c.id = b.id WHERE c.case_id = ?1", {a}) != "0";
  }));
  const auto check = Call(t, "110105", "POST", "/v1/duplicates/check", json::serialize(SameLetterRetyped()));
  CHECK(check.at("scope").as_string() == "system");
  bool found = false;
  for (const auto& c : check.at("candidates").as_array()) {
    if (c.at("case_id").as_string() != a) continue;
    found = true;
    CHECK(c.at("found_by").as_string() == "110000");
    CHECK(c.at("decision").as_string() == "duplicate");
  }
  CHECK_MESSAGE(found, json::serialize(check));

  // The province turns: the national bureau out of its reach (so it cannot
  // take the real key again), a key of its own in its data dir, restarted.
  // It serves it as it serves any key; the county refuses it.
  REQUIRE(t.Stop("100000") == 0);
  auto province_key = xf::exchange::PrivateKey::LoadPem(t.Dir("110000") / "keys" / "signing.key");
  REQUIRE(province_key);
  auto forge = [&](const std::string& doc_text) {
    REQUIRE(t.Stop("110000") == 0);
    {
      std::ofstream out(KeyFile(t, "110000"), std::ios::trunc | std::ios::binary);
      out << doc_text << "\n";
    }
    REQUIRE(t.Start("110000"));
  };
  // The county asks (a check); the province answers 409 (another key), the
  // county fetches the province's key, and refuses it.
  auto refused = [&](const std::string& reason) {
    return WaitUntil([&] {
      (void)t.Node("110105").Call("POST", "/v1/duplicates/check", json::serialize(SameLetterRetyped()));
      return Refusals(t, "110105", reason) > 0;
    });
  };

  // 1. Signed by the province itself, with its own valid key.
  auto own = xf::node::SignKeyDocument("110000-20261208", std::string(32, 'p'), "110000", *province_key);
  REQUIRE(own);
  forge(*own);
  REQUIRE_MESSAGE(refused("signer_not_national"), "110105's log:\n" << t.Node("110105").Log());
  CHECK(ReadText(KeyFile(t, "110105")) == national_doc);
  {
    const auto st = DedupKeyStatus(t, "110105");
    CHECK(st.at("key_id").as_string() == key_id);  // still in use
    REQUIRE(st.at("refused").is_object());
    CHECK(st.at("refused").at("reason").as_string() == "signer_not_national");
    CHECK(st.at("refused").at("signer").as_string() == "110000");
    CHECK(st.at("refused").at("key_id").as_string() == "110000-20261208");
    CHECK(st.at("refused").at("message").as_string() == "签名者不是国家信访局");
  }
  // Where an operator sees it: xfctl status, in Chinese, the reason beside.
  const auto status = xf::test::Xfctl({"status", "--node", t.Dir("110105").string()});
  REQUIRE_MESSAGE(status.status == 0, status.output);
  CHECK_MESSAGE(status.output.find("判重系统密钥") != std::string::npos, status.output);
  CHECK_MESSAGE(status.output.find(key_id + "（100000 签名，已验证）") != std::string::npos, status.output);
  CHECK_MESSAGE(status.output.find("拒绝了上级提供的密钥 110000-20261208") != std::string::npos, status.output);
  CHECK_MESSAGE(status.output.find("签名者不是国家信访局（signer_not_national）") != std::string::npos, status.output);

  // 2. Naming the national bureau, another key under its old signature.
  auto forged = *doc;
  forged.key_id = "100000-20991231";
  forged.secret = std::string(32, 'f');
  forge(xf::dedup::wire::KeyDocumentJson(forged));
  REQUIRE_MESSAGE(refused("bad_signature"), "110105's log:\n" << t.Node("110105").Log());
  CHECK(ReadText(KeyFile(t, "110105")) == national_doc);
  CHECK(DedupKeyStatus(t, "110105").at("key_id").as_string() == key_id);
  CHECK(DedupKeyStatus(t, "110105").at("refused").at("reason").as_string() == "bad_signature");
  // The county still answers a check, saying the province did not.
  const auto local = Call(t, "110105", "POST", "/v1/duplicates/check", json::serialize(SameLetterRetyped()));
  CHECK(local.at("scope").as_string() == "partial");  // the province answers with another key: 409
}

TEST_CASE("dedup key: keys of before (unsigned) — the national bureau signs its own at start, a county keeps its own until a signed one comes") {
  Topology t({"100000", "110000", "110105"});
  REQUIRE(t.StartAll());
  REQUIRE(WaitUntil([&] { return std::filesystem::exists(KeyFile(t, "110105")); }));
  const std::string first = ReadText(KeyFile(t, "100000"));
  auto signed_doc = xf::dedup::wire::ParseKeyDocument(first.substr(0, first.find('\n')));
  REQUIRE(signed_doc);
  // As every node held it before this version: the same key, unsigned (xfnode-dedup-key-1).
  auto old = *signed_doc;
  old.signer.clear();
  old.signature.clear();
  const std::string old_text = xf::dedup::wire::KeyDocumentJson(old);
  REQUIRE(old_text.find("\"xfnode-dedup-key-1\"") != std::string::npos);
  for (const std::string n : {"110105", "110000", "100000"}) {
    REQUIRE(t.Stop(n) == 0);
    std::ofstream out(KeyFile(t, n), std::ios::trunc | std::ios::binary);
    out << old_text << "\n";
  }

  // The county upgraded, its province not answering: it keeps using its key, says it is unsigned.
  REQUIRE(t.Start("110105"));
  // (The key is loaded as the exchange starts, just after it listens.)
  REQUIRE(WaitUntil([&] { return DedupKeyStatus(t, "110105").at("key_id").is_string(); }));
  {
    const auto st = DedupKeyStatus(t, "110105");
    CHECK(st.at("key_id").as_string() == old.key_id);
    CHECK(st.at("signer").is_null());
    CHECK_FALSE(st.at("verified").as_bool());
  }
  CHECK(t.Node("110105").Log().find("\"dedup_key.unsigned\"") != std::string::npos);
  CHECK(ReadText(KeyFile(t, "110105")) == old_text + "\n");

  // The national bureau signs its key at start: the same key and id.
  REQUIRE(t.Start("100000"));
  REQUIRE(WaitUntil([&] { return ReadText(KeyFile(t, "100000")).find("\"signer\"") != std::string::npos; }));
  const std::string resigned = ReadText(KeyFile(t, "100000"));
  auto now_signed = xf::dedup::wire::ParseKeyDocument(resigned.substr(0, resigned.find('\n')));
  REQUIRE(now_signed);
  CHECK(now_signed->Signed());
  CHECK(now_signed->signer == "100000");
  CHECK(now_signed->key_id == old.key_id);
  CHECK(now_signed->secret == old.secret);
  // The province verifies it at start and keeps its bytes; the county, when it asks next (at its start), too.
  REQUIRE(t.Start("110000"));
  REQUIRE_MESSAGE(WaitUntil([&] { return ReadText(KeyFile(t, "110000")) == resigned; }), t.Node("110000").Log());
  REQUIRE(t.Stop("110105") == 0);
  REQUIRE(t.Start("110105"));
  REQUIRE_MESSAGE(WaitUntil([&] { return ReadText(KeyFile(t, "110105")) == resigned; }), t.Node("110105").Log());
  REQUIRE(WaitUntil([&] { return DedupKeyStatus(t, "110105").at("verified").as_bool(); }));
  CHECK(DedupKeyStatus(t, "110105").at("signer").as_string() == "100000");
  CHECK(DedupKeyStatus(t, "110105").at("key_id").as_string() == old.key_id);
  CHECK(Refusals(t, "110105", "unsigned") == 0);
}

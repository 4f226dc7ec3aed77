// Issue 12: event proofs (exchange/proof.h), the signed directory
// (exchange/directory.h), certificates (exchange/crypto.h) and the header
// parsers of exchange/http.h.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/directory.h"
#include "exchange/http.h"
#include "exchange/proof.h"

namespace xf::exchange {
namespace {

std::string Hex(std::string_view b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Bytes(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

PrivateKey Key(SignAlg alg = SignAlg::kEd25519) {
  auto k = PrivateKey::Generate(alg);
  REQUIRE(k);
  return std::move(k).value();
}

TEST_CASE("proof: the Merkle tree hash is RFC 6962's (its test vectors)") {
  const std::vector<std::string> data = {"", Bytes("00"), Bytes("10"), Bytes("2021"), Bytes("3031"), Bytes("40414243"),
                                         Bytes("5051525354555657"), Bytes("606162636465666768696a6b6c6d6e6f")};
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  std::vector<std::string> leaves;
  for (std::size_t n = 1; n <= data.size(); ++n) {
    leaves.push_back(EventLeafHash(data[n - 1]));
    CAPTURE(n);
    CHECK(Hex(MerkleRoot(leaves)) == roots[n - 1]);
  }
}

TEST_CASE("proof: every leaf's audit path leads to the root, and only that leaf's") {
  for (std::size_t n = 1; n <= 40; ++n) {
    std::vector<std::string> leaves;
    for (std::size_t i = 0; i < n; ++i) leaves.push_back(EventLeafHash("event " + std::to_string(i)));
    const auto root = MerkleRoot(leaves);
    for (std::size_t i = 0; i < n; ++i) {
      CAPTURE(n);
      CAPTURE(i);
      const auto path = MerklePath(leaves, i);
      auto back = RootFromPath(leaves[i], i, n, path);
      REQUIRE(back);
      CHECK(*back == root);
      if (n > 1) {
        CHECK(RootFromPath(leaves[(i + 1) % n], i, n, path) != root);
        auto bent = path;
        bent[0][5] ^= 1;
        CHECK(RootFromPath(leaves[i], i, n, bent) != root);
      }
    }
  }
  CHECK_FALSE(RootFromPath(EventLeafHash("x"), 3, 3, {}));
  CHECK_FALSE(RootFromPath(EventLeafHash("x"), 0, 0, {}));
}

TEST_CASE("proof: an event proof verifies with its origin's key, over its exact bytes, for its origin's batch") {
  const auto origin = Key();
  const auto other = Key();
  const std::vector<std::string> events = {"<event id=\"110105:1\"/>", "<event id=\"110105:2\"/>", "<event id=\"110105:3\"/>"};
  auto sig = SignEvents(origin, "110105-up-4", events);
  REQUIRE(sig);
  CHECK(VerifyEvents(origin.Public(), "110105-up-4", events, *sig));
  CHECK_FALSE(VerifyEvents(origin.Public(), "110105-up-5", events, *sig));
  const auto proof = MakeEventProof("110105:2", "110105-up-4", events, 1, *sig);
  CHECK(CheckEventProof(proof, "110105:2", events[1], origin.Public()).empty());
  CHECK_FALSE(CheckEventProof(proof, "110105:2", events[1], other.Public()).empty());
  CHECK_FALSE(CheckEventProof(proof, "110105:2", events[1] + " ", origin.Public()).empty());
  CHECK_FALSE(CheckEventProof(proof, "110105:1", events[0], origin.Public()).empty());
  auto recounted = proof;
  recounted.count = 4;
  CHECK_FALSE(CheckEventProof(recounted, "110105:2", events[1], origin.Public()).empty());
  auto elsewhere = proof;
  elsewhere.batch_id = "110108-up-4";
  elsewhere.event_id = "110105:2";
  CHECK(CheckEventProof(elsewhere, "110105:2", events[1], origin.Public()).find("not a batch of the event's origin") !=
        std::string::npos);
  // As XML and back, and inside a batch.
  auto parsed = ParseEventProofXml(EventProofXml(proof));
  REQUIRE(parsed);
  CHECK(parsed->path == proof.path);
  CHECK(parsed->signature == proof.signature);
  CHECK_FALSE(ParseEventProofXml("<proof><event_id>a</event_id></proof>"));
  // SM2 as well.
  const auto sm2 = Key(SignAlg::kSm2);
  auto sm2_sig = SignEvents(sm2, "110105-up-4", events);
  REQUIRE(sm2_sig);
  CHECK(CheckEventProof(MakeEventProof("110105:3", "110105-up-4", events, 2, *sm2_sig), "110105:3", events[2],
                        sm2.Public())
            .empty());
}

TEST_CASE("directory: parsed, written canonically, opened only with the root's signature") {
  const auto root = Key();
  const auto node = Key();
  const std::string pem = node.Public().Pem();
  std::string text = R"({"format":"xfnode-directory-1","serial":3,"issued":"2026-11-22T08:00:00Z",)"
                     R"("next_update":"2026-11-29T08:00:00Z","code_version":"xf-codes-2026.1","future":1,)"
                     R"("nodes":[{"id":"110105","keys":[{"alg":"ed25519","public_key":)";
  std::string escaped;
  for (char c : pem) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  text += "\"" + escaped + R"(","not_after":"2027-01-01T00:00:00Z"}]}],)";
  text += R"("revoked":[{"fingerprint":")" + std::string(64, 'a') + R"(","node":"110108","reason":"lost"}]})";
  auto d = ParseDirectory(text);
  REQUIRE_MESSAGE(d, d.error().message);
  CHECK(d->serial == 3);
  REQUIRE(d->nodes.size() == 1);
  CHECK(d->nodes[0].keys[0].fingerprint == node.Public().Fingerprint());
  CHECK(d->nodes[0].keys[0].validity.At(*Instant::Parse("2026-12-01T00:00:00Z")));
  CHECK_FALSE(d->nodes[0].keys[0].validity.At(*Instant::Parse("2027-01-01T00:00:00Z")));
  CHECK(d->IsRevoked(std::string(64, 'a')));
  CHECK(d->Stale(*Instant::Parse("2026-11-30T00:00:00Z")));
  auto again = ParseDirectory(DirectoryJson(*d));
  REQUIRE(again);
  CHECK(DirectoryJson(*again) == DirectoryJson(*d));

  auto sig = SignBytes(root, text);
  REQUIRE(sig);
  CHECK(OpenDirectory(text, *sig, root.Public()));
  auto bad = OpenDirectory(text, *sig, node.Public());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::kPermission);
  std::string altered = text;
  altered[altered.find("\"serial\":3") + 9] = '4';
  CHECK_FALSE(OpenDirectory(altered, *sig, root.Public()));

  // Refusals name the member at fault.
  const std::string head = R"({"format":"xfnode-directory-1","serial":1,"issued":"2026-11-22T08:00:00Z","next_update":"2026-11-29T08:00:00Z",)";
  struct Bad {
    std::string json, member;
  } cases[] = {{head + R"("nodes":[{"id":"110105"},{"id":"110105"}]})", "listed twice"},
               {head + R"("nodes":[{"id":"11010X"}]})", "nodes[0].id"},
               {head + R"("nodes":[{"id":"110105","keys":[{"public_key":"nope"}]}]})", "keys[0].public_key"},
               {head + R"("nodes":[{"id":"110105","keys":[{"alg":"sm2","public_key":")" + escaped + R"("}]}]})", "alg"},
               {head + R"("revoked":[{"fingerprint":"abc"}]})", "revoked[0].fingerprint"},
               {R"({"format":"xfnode-directory-1","serial":0,"issued":"2026-11-22T08:00:00Z","next_update":"2026-11-29T08:00:00Z"})", "serial"},
               {R"({"format":"xfnode-directory-2","serial":1})", "format"},
               {"[1,2]", "not a JSON object"}};
  for (const auto& c : cases) {
    CAPTURE(c.json);
    auto r = ParseDirectory(c.json);
    REQUIRE_FALSE(r);
    CHECK_MESSAGE(r.error().message.find(c.member) != std::string::npos, r.error().message);
  }
  DirectoryLimits small;
  small.max_bytes = 10;
  CHECK(ParseDirectory(text, small).error().code == Errc::kLimit);
}

TEST_CASE("crypto: node certificates are end-entity; a re-issue keeps the key") {
  const auto dir = std::filesystem::temp_directory_path() / ("xf-cert-" + RandomHex(6));
  std::filesystem::create_directories(dir);
  REQUIRE(MakeTlsIdentity("110105", 30, dir / "tls.key", dir / "tls.crt"));
  auto a = LoadCertificate(dir / "tls.crt");
  REQUIRE(a);
  CHECK(a->common_name == "110105");
  CHECK_FALSE(a->is_ca);
  CHECK(a->not_after > a->not_before);
  REQUIRE(MakeTlsIdentity("110105", 30, dir / "tls.key", dir / "tls.crt", /*keep_key=*/true));
  auto b = LoadCertificate(dir / "tls.crt");
  REQUIRE(b);
  CHECK(b->key_der == a->key_der);
  CHECK(b->der != a->der);
  CHECK(KeyFingerprint(b->key_der) == b->key_fingerprint);
  std::ifstream in(dir / "tls.crt");
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto keys = CertificateKeys(pem + pem);
  REQUIRE(keys);
  CHECK(keys->size() == 2);
  CHECK((*keys)[0] == b->key_der);
  std::filesystem::remove_all(dir);
}

TEST_CASE("http: Range, Content-Range, decimals and batch ids are parsed strictly") {
  std::uint64_t s = 0, e = 0, t = 0;
  std::optional<std::uint64_t> end;
  CHECK(ParseRange("bytes=5-", s, end));
  CHECK(s == 5);
  CHECK_FALSE(end);
  CHECK(ParseRange("bytes=5-9", s, end));
  CHECK(*end == 9);
  for (const char* bad : {"bytes=9-5", "bytes=1-2,3-4", "bytes=-5", "bytes 0-1", "bytes=a-", "bytes=99999999999999999999-"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseRange(bad, s, end));
  }
  CHECK(ParseContentRange("bytes 0-8388607/52428800", s, e, t));
  CHECK((s == 0 && e == 8388607 && t == 52428800));
  for (const char* bad : {"bytes 0-1", "bytes=0-1/2", "bytes 1/2-3", "bytes 0--1/2", "bytes 0-1/"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseContentRange(bad, s, e, t));
  }
  auto id = ParseBatchId("110105.GAJ-down.110105.GAJ-7");
  REQUIRE(id);
  CHECK(id->origin == "110105.GAJ");
  CHECK(id->stream == "down.110105.GAJ");
  CHECK(id->seq == 7);
  for (const char* bad : {"110105-up-0", "110105-sideways-1", "11010-up-1", "110105-up", "110105-down.x-1"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseBatchId(bad));
  }
}

}  // namespace
}  // namespace xf::exchange

// node/trust.h: keys and pinned certificates merged from the configuration,
// the key directory and the signed directory; validity and revocation.
#include <doctest/doctest.h>

#include "exchange/crypto.h"
#include "exchange/directory.h"
#include "node/trust.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

using testing::At;
using testing::TempDir;
using testing::WriteFile;

exchange::PrivateKey Key() {
  auto k = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
  REQUIRE(k);
  return std::move(k).value();
}

TEST_CASE("trust: configured, key-directory and directory keys merge; revoked and out-of-date ones are not used") {
  TempDir dir;
  const auto self = Key(), child = Key(), far = Key(), rotated = Key();
  NodeConfig c;
  c.node_id = "110100";
  c.key_directory = dir.path() / "keys";
  std::filesystem::create_directories(c.key_directory);
  WriteFile(c.key_directory / "110108.pub", far.Public().Pem());
  WriteFile(c.key_directory / "not-a-node.pub", far.Public().Pem());
  PeerConfig p;
  p.id = "110105";
  p.public_key = dir.path() / "110105.pub";
  p.certificate = dir.path() / "110105.crt";
  WriteFile(p.public_key, child.Public().Pem());
  REQUIRE(exchange::MakeTlsIdentity("110105", 30, dir.path() / "110105.key", p.certificate));
  c.children.push_back(p);
  REQUIRE(exchange::MakeTlsIdentity("110105", 30, dir.path() / "next.key", dir.path() / "next.crt"));
  auto next_cert = exchange::LoadCertificate(dir.path() / "next.crt");
  auto old_cert = exchange::LoadCertificate(p.certificate);
  REQUIRE(next_cert);
  REQUIRE(old_cert);

  const Instant now = At("2026-11-22T08:00:00Z");
  {
    auto t = Trust::Load(c, self.Public(), nullptr);
    REQUIRE(t);
    CHECK((*t)->KeysOf("110105", now).size() == 1);
    CHECK((*t)->KeysOf("110108", now).size() == 1);
    CHECK((*t)->KeysOf("110100", now).size() == 1);
    CHECK((*t)->KeysOf("120000", now).empty());
    CHECK((*t)->NoKeyReason("120000", now).find("no public key") != std::string::npos);
    CHECK((*t)->PeerOfTlsKey(old_cert->key_der, now) == std::optional<std::string>("110105"));
    CHECK_FALSE((*t)->PeerOfTlsKey(next_cert->key_der, now));
  }
  // The directory adds a rotated key (valid from now) and the child's next
  // certificate, and revokes the far node's key.
  auto d = std::make_shared<exchange::Directory>();
  d->serial = 1;
  exchange::DirectoryNode n;
  n.id = "110105";
  n.keys.push_back({rotated.Public().Pem(), exchange::SignAlg::kEd25519, rotated.Public().Fingerprint(),
                    {now, At("2027-01-01T00:00:00Z")}});
  n.certificates.push_back({"", next_cert->key_der, next_cert->key_fingerprint, {}});
  d->nodes.push_back(n);
  d->revoked.push_back({far.Public().Fingerprint(), "110108", std::nullopt, "lost"});
  auto t = Trust::Load(c, self.Public(), d);
  REQUIRE(t);
  CHECK((*t)->KeysOf("110105", now).size() == 2);
  CHECK((*t)->KeysOf("110105", At("2026-11-21T00:00:00Z")).size() == 1);  // before the new key's not_before
  CHECK((*t)->KeysOf("110105", At("2027-02-01T00:00:00Z")).size() == 1);  // after its not_after
  CHECK((*t)->KeysOf("110108", now).empty());
  CHECK((*t)->RevokedKeysOf("110108").size() == 1);
  CHECK((*t)->NoKeyReason("110108", now).find("revoked") != std::string::npos);
  CHECK((*t)->PeerOfTlsKey(next_cert->key_der, now) == std::optional<std::string>("110105"));
  CHECK((*t)->TlsKeysOf("110105", now).size() == 2);
  // A revoked certificate key is no longer pinned, whatever its source.
  d->revoked.push_back({old_cert->key_fingerprint, "110105", std::nullopt, "lost laptop"});
  auto t2 = Trust::Load(c, self.Public(), d);
  REQUIRE(t2);
  CHECK_FALSE((*t2)->PeerOfTlsKey(old_cert->key_der, now));
  CHECK((*t2)->TlsKeysOf("110105", now).size() == 1);
  // An unreadable configured key fails the load, naming it.
  WriteFile(p.public_key, "not a key");
  auto bad = Trust::Load(c, self.Public(), d);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("110105") != std::string::npos);
}

}  // namespace
}  // namespace xf::node

// Issue 12, hole 3: the signed directory. The national operator makes a
// root key, every node is installed with its public half; a directory
// signed with it (xfctl directory sign) is handed to the national node
// (xfctl directory publish) and flows down every link, each node verifying
// it and applying it without restart. A key it revokes is refused
// everywhere within that one round; a key it adds (a rotation) is used
// everywhere although no node's key files have it; a TLS certificate it
// lists is pinned; a directory past its next_update is still used, with a
// warning; a forged or older one is refused. Real xfnode processes.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "exchange/crypto.h"
#include "test/harness/craft.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace fs = std::filesystem;
namespace ex = xf::exchange;
using xf::test::ClientAs;
using xf::test::CraftBatch;
using xf::test::CraftRegistration;
using xf::test::PostBatch;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::SigningKeyOf;
using xf::test::Topology;
using xf::test::TopologyOptions;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

TopologyOptions WithRoot() {
  TopologyOptions o;
  o.directory_root = true;
  return o;
}

void Run(const std::vector<std::string>& args) {
  const auto r = Xfctl(args);
  REQUIRE_MESSAGE(r.status == 0, "xfctl " << args[0] << " " << args[1] << ": " << r.output);
}

// Signs spec.json as directory `serial` into DIR and publishes it at national.
fs::path SignAndPublish(Topology& t, const fs::path& spec, int serial, std::vector<std::string> extra = {}) {
  const fs::path out = t.Root() / ("directory-" + std::to_string(serial));
  std::vector<std::string> args{"directory", "sign", "--spec", spec.string(), "--root-key",
                                (t.RootKeyDir() / "root.key").string(), "--serial", std::to_string(serial),
                                "--out", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  Run(args);
  Run({"directory", "publish", "--in", out.string(), "--node", t.Dir("100000").string()});
  return out;
}

std::uint64_t SerialAt(Topology& t, const std::string& node) {
  const auto s = t.Status(node);
  const auto* x = s.if_contains("exchange");
  if (x == nullptr) return 0;
  const auto& d = x->at("directory");
  return d.is_object() ? d.at("serial").to_number<std::uint64_t>() : 0;
}

// Waits until every node applied directory `serial`: one directory round.
void WaitForRound(Topology& t, std::uint64_t serial) {
  for (const auto& id : t.Ids()) {
    CAPTURE(id);
    REQUIRE_MESSAGE(WaitUntil([&] { return SerialAt(t, id) >= serial; }), t.Node(id).Log());
  }
}

}  // namespace

TEST_CASE("trust: a key the signed directory revokes is refused everywhere within one directory round") {
  Topology t(xf::test::kFullTree, WithRoot());
  REQUIRE(t.StartAll());
  std::string error;
  const std::string before = t.RegisterCase("110105", SampleCase(), &error);
  REQUIRE_MESSAGE(!before.empty(), error);
  REQUIRE(t.WaitForCase("100000", before, 1));

  const fs::path spec = t.Root() / "spec.json";
  Run({"directory", "revoke", "--spec", spec.string(), "--key", (t.Dir("110105") / "keys" / "signing.pub").string(),
       "--id", "110105", "--reason", "key compromised"});
  SignAndPublish(t, spec, 1);
  WaitForRound(t, 1);
  for (const auto& id : t.Ids()) {
    CAPTURE(id);
    CHECK(t.Status(id).at("exchange").at("directory").at("revoked").to_number<int>() == 1);
  }

  // A batch signed with the revoked key is refused at every level it could reach.
  const std::string codes(t.Status("110100").at("code_version").as_string());
  const auto b = CraftBatch("110105", "up", 9, {CraftRegistration("110105", 90, "110105-2025-0000090")},
                            SigningKeyOf(t, "110105"), codes);
  for (const auto& [to, as] : std::vector<std::pair<std::string, std::string>>{
           {"110100", "110105"}, {"110000", "110100"}, {"100000", "110000"}}) {
    CAPTURE(to);
    const auto a = PostBatch(t, to, ClientAs(t, as, to), b);
    CHECK(a.status == 403);
    CHECK_MESSAGE(a.message.find("revokes") != std::string::npos, a.message);
  }
  // The county's own next case stops at its city, and the city says why.
  const std::string after = t.RegisterCase("110105", SampleCase("phone-pension-inquiry.json"), &error);
  REQUIRE_MESSAGE(!after.empty(), error);
  REQUIRE(WaitUntil([&] {
    return QueryOne(t.Dir("110105"), "SELECT last_error FROM outbox WHERE link = '110100' AND delivered_at IS NULL")
               .find("revokes") != std::string::npos;
  }));
  CHECK_FALSE(t.HasCase("110100", after));
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM rejections WHERE charged_to = '110105' AND field = 'signature'") !=
        "0");
  // The rest of the tree is unaffected.
  const std::string other = t.RegisterCase("110108", SampleCase("wechat-night-noise.json"), &error);
  REQUIRE_MESSAGE(!other.empty(), error);
  CHECK(t.WaitForCase("100000", other, 1));
}

TEST_CASE("trust: a key rotation and a new TLS certificate reach every node through the signed directory") {
  Topology t(xf::test::kFullTree, WithRoot());
  REQUIRE(t.StartAll());
  const auto keys = t.Dir("110105") / "keys";
  // The county's next signing key and TLS key, made aside.
  auto next = ex::PrivateKey::Generate(ex::SignAlg::kEd25519);
  REQUIRE(next);
  REQUIRE(next->SavePem(t.Root() / "next-signing.key"));
  {
    std::ofstream(t.Root() / "next-signing.pub") << next->Public().Pem();
  }
  REQUIRE(ex::MakeTlsIdentity("110105", 365, t.Root() / "next-tls.key", t.Root() / "next-tls.crt"));

  // Published first, beside the old ones (both valid): a rotation overlaps.
  const fs::path spec = t.Root() / "spec.json";
  Run({"directory", "add", "--spec", spec.string(), "--id", "110105", "--key", (keys / "signing.pub").string(),
       "--cert", (keys / "tls.crt").string()});
  Run({"directory", "add", "--spec", spec.string(), "--id", "110105", "--key",
       (t.Root() / "next-signing.pub").string(), "--cert", (t.Root() / "next-tls.crt").string()});
  SignAndPublish(t, spec, 1);
  WaitForRound(t, 1);

  // The county switches to its new keys (its own keys are read at start).
  t.Stop("110105");
  fs::copy_file(t.Root() / "next-signing.key", keys / "signing.key", fs::copy_options::overwrite_existing);
  fs::copy_file(t.Root() / "next-signing.pub", keys / "signing.pub", fs::copy_options::overwrite_existing);
  fs::copy_file(t.Root() / "next-tls.key", keys / "tls.key", fs::copy_options::overwrite_existing);
  fs::copy_file(t.Root() / "next-tls.crt", keys / "tls.crt", fs::copy_options::overwrite_existing);
  REQUIRE(t.Start("110105"));
  // No node's key files know the new keys; the directory does.
  std::string error;
  const std::string id = t.RegisterCase("110105", SampleCase(), &error);
  REQUIRE_MESSAGE(!id.empty(), error);
  for (const std::string node : {"110100", "110000", "100000"}) {
    CAPTURE(node);
    REQUIRE_MESSAGE(t.WaitForCase(node, id, 1), t.Node(node).Log());
  }
  // Then the old key is revoked: nothing stops.
  Run({"directory", "revoke", "--spec", spec.string(), "--key", (t.Dir("110000") / "keys" / "directory" / "110105.pub").string(),
       "--id", "110105", "--reason", "rotated"});
  SignAndPublish(t, spec, 2);
  WaitForRound(t, 2);
  const std::string later = t.RegisterCase("110105", SampleCase("phone-pension-inquiry.json"), &error);
  REQUIRE_MESSAGE(!later.empty(), error);
  CHECK(t.WaitForCase("100000", later, 1));
}

TEST_CASE("trust: a stale directory is still used, with a warning; a forged or older one is refused") {
  Topology t({"100000", "110000", "110105"}, WithRoot());
  REQUIRE(t.StartAll());
  const fs::path spec = t.Root() / "spec.json";
  Run({"directory", "add", "--spec", spec.string(), "--id", "110105", "--key",
       (t.Dir("110105") / "keys" / "signing.pub").string()});
  // Issued 30 days ago, valid 7: past its next_update already.
  const auto issued = xf::Instant{xf::SystemClock().Now().seconds - 30 * 86400}.ToString();
  const fs::path dir = SignAndPublish(t, spec, 5, {"--issued", issued, "--valid-days", "7"});
  WaitForRound(t, 5);
  for (const auto& id : t.Ids()) {
    CAPTURE(id);
    CHECK(t.Status(id).at("exchange").at("directory").at("stale").as_bool());
    auto m = t.Node(id).Call("GET", "/metrics");
    REQUIRE(m);
    CHECK(m->body.find("xfnode_directory_stale 1") != std::string::npos);
    CHECK(m->body.find("xfnode_directory_serial 5") != std::string::npos);
    REQUIRE(WaitUntil([&] { return t.Node(id).Log().find("已过 next_update") != std::string::npos; }));
  }
  // It keeps working.
  std::string error;
  const std::string id = t.RegisterCase("110105", SampleCase(), &error);
  REQUIRE_MESSAGE(!id.empty(), error);
  CHECK(t.WaitForCase("100000", id, 1));

  // Signed by another key than the root: refused. An older serial: ignored.
  const auto bytes = xf::test::ReadText(dir / "directory.json");
  auto stranger = ex::PrivateKey::Generate(ex::SignAlg::kEd25519);
  REQUIRE(stranger);
  auto bad_sig = ex::SignBytes(*stranger, bytes);
  REQUIRE(bad_sig);
  const auto token = t.Node("100000").Token();
  auto r = ex::HttpCall("PUT", t.Node("100000").Url() + "/v1/directory",
                        {{"authorization", "Bearer " + token}, {"x-xf-signature", ex::Base64Encode(*bad_sig)}}, bytes);
  REQUIRE(r);
  CHECK(r->status == 403);
  const fs::path old_dir = t.Root() / "old";
  Run({"directory", "sign", "--spec", spec.string(), "--root-key", (t.RootKeyDir() / "root.key").string(), "--serial",
       "4", "--out", old_dir.string()});
  const auto old = Xfctl({"directory", "publish", "--in", old_dir.string(), "--node", t.Dir("100000").string()});
  REQUIRE_MESSAGE(old.status == 0, old.output);
  CHECK_MESSAGE(old.output.find("\"applied\":false") != std::string::npos, old.output);
  CHECK(SerialAt(t, "100000") == 5);
  // The directory a node keeps verifies with stock tools' view: its bytes as signed.
  CHECK(xf::test::ReadText(t.Dir("110105") / "data" / "directory.json") == bytes);
}

TEST_CASE("trust: the signed directory reaches a child in pull mode as it reaches a pushed one") {
  TopologyOptions o = WithRoot();
  o.pull = {"110108"};
  Topology t({"110100", "110105", "110108"}, o);
  REQUIRE(t.StartAll());
  const fs::path spec = t.Root() / "spec.json";
  Run({"directory", "add", "--spec", spec.string(), "--id", "110105", "--key",
       (t.Dir("110105") / "keys" / "signing.pub").string()});
  const fs::path out = t.Root() / "directory-1";
  Run({"directory", "sign", "--spec", spec.string(), "--root-key", (t.RootKeyDir() / "root.key").string(), "--serial",
       "1", "--out", out.string()});
  // Handed to the top of this tree; it passes it down both ways.
  Run({"directory", "publish", "--in", out.string(), "--node", t.Dir("110100").string()});
  WaitForRound(t, 1);
  const auto shown = Xfctl({"directory", "show", "--in", (t.Dir("110108") / "data").string(), "--root-pub",
                            (t.RootKeyDir() / "root.pub").string()});
  REQUIRE_MESSAGE(shown.status == 0, shown.output);
  // Chinese by default, English with --lang en: the labels, not only the verdict.
  CHECK_MESSAGE(shown.output.find("签名已验证") != std::string::npos, shown.output);
  CHECK_MESSAGE(shown.output.find("签发时间") != std::string::npos, shown.output);
  CHECK_MESSAGE(shown.output.find("signature verified") == std::string::npos, shown.output);
  CHECK_MESSAGE(shown.output.find("next update") == std::string::npos, shown.output);
  const auto en = Xfctl({"directory", "show", "--lang", "en", "--in", (t.Dir("110108") / "data").string(),
                         "--root-pub", (t.RootKeyDir() / "root.pub").string()});
  REQUIRE_MESSAGE(en.status == 0, en.output);
  CHECK_MESSAGE(en.output.find("signature verified") != std::string::npos, en.output);
  CHECK_MESSAGE(en.output.find("next update") != std::string::npos, en.output);
  CHECK_MESSAGE(en.output.find("签") == std::string::npos, en.output);
}

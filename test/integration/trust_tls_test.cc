// Issue 12, hole 0: peers are pinned by the public key of their certificate,
// never recognised by its CN. A county mints itself certificates with its
// own TLS key for its parent's and its sibling's CN: its city refuses both
// in the TLS handshake (alert bad_certificate), and a server presenting a
// certificate the city did not pin for a child gets nothing from it. Node
// certificates are end-entity; xfctl peer add refuses a certificate whose
// CN is not the id given. Real xfnode processes on loopback.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>

#include "exchange/crypto.h"
#include "exchange/http.h"
#include "test/harness/craft.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace ex = xf::exchange;
using xf::test::ClientAs;
using xf::test::MintCertificate;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

const char* kAssignTo110108 =
    R"({"kind":"transfer","occurred_at":"2025-03-14T10:00:00+08:00","actor":"王强","mode":"assign","target":"110108","due_date":"2025-05-01","instructions":"请依法办理并报送结果"})";

// GET /v1/exchange/batches at the city, with the TLS identity in `cert`/`key`.
xf::Result<ex::HttpResponse> AskCity(const Topology& t, const std::filesystem::path& cert,
                                     const std::filesystem::path& key) {
  ex::HttpClientOptions opts;
  opts.tls = ex::TlsFiles{cert.string(), key.string(), (t.Dir("110100") / "keys" / "tls.crt").string(), false};
  return ex::HttpCall("GET", t.ExchangeUrl("110100") + "/v1/exchange/batches", {}, "", opts);
}

}  // namespace

TEST_CASE("trust: a certificate a county mints for its parent's or its sibling's CN is refused in the handshake") {
  Topology t({"110000", "110100", "110105", "110108"});
  REQUIRE(t.Start("110100"));
  const auto county = t.Dir("110105") / "keys";

  // The county's own certificate works: it is a child, its queue is empty.
  {
    auto r = AskCity(t, county / "tls.crt", county / "tls.key");
    REQUIRE_MESSAGE(r, r.error().message);
    CHECK(r->status == 204);
  }
  // The node certificates xfctl init makes are end-entity: they cannot issue.
  {
    auto info = ex::LoadCertificate(county / "tls.crt");
    REQUIRE(info);
    CHECK_FALSE(info->is_ca);
    CHECK(info->common_name == "110105");
  }
  for (const std::string cn : {"110000", "110108"}) {
    CAPTURE(cn);
    // Signed with the county's own TLS key, under the county's name as issuer.
    const auto key = t.Root() / ("minted-" + cn + ".key");
    const auto chain = t.Root() / ("minted-" + cn + ".crt");
    MintCertificate(county / "tls.key", county / "tls.crt", cn, key, chain);
    auto r = AskCity(t, chain, key);
    // No HTTP answer at all: the city ends the handshake with a TLS alert.
    CHECK_FALSE(r.ok());
    if (!r.ok()) {
      CHECK_MESSAGE(r.error().message.find("bad certificate") != std::string::npos, r.error().message);
    } else {
      MESSAGE("the city answered HTTP " << r->status << " to a certificate minted for " << cn);
    }
  }
  // A stranger's self-made certificate with the parent's CN: the same.
  {
    const auto key = t.Root() / "stranger.key";
    const auto cert = t.Root() / "stranger.crt";
    REQUIRE(ex::MakeTlsIdentity("110000", 30, key, cert));
    auto r = AskCity(t, cert, key);
    CHECK_FALSE(r.ok());
  }
  // The city is still up and serves its real peers.
  auto r = AskCity(t, county / "tls.crt", county / "tls.key");
  REQUIRE_MESSAGE(r, r.error().message);
  CHECK(r->status == 204);
}

TEST_CASE("trust: the city does not talk to a server whose certificate it did not pin for that child") {
  Topology t({"110100", "110105", "110108"});
  REQUIRE(t.Start("110100"));
  // An impostor listens where 110108 should be, with a certificate for CN
  // 110108 minted by the county 110105's key.
  const auto key = t.Root() / "impostor.key";
  const auto chain = t.Root() / "impostor.crt";
  MintCertificate(t.Dir("110105") / "keys" / "tls.key", t.Dir("110105") / "keys" / "tls.crt", "110108", key, chain);
  std::atomic<int> requests{0};
  std::string id;
  ex::HttpServerOptions o;
  o.port = static_cast<std::uint16_t>(std::stoi(t.ExchangeUrl("110108").substr(t.ExchangeUrl("110108").rfind(':') + 1)));
  o.tls = ex::TlsFiles{chain.string(), key.string(), "", false};
  {
    ex::HttpServer impostor(o, [&](const ex::HttpRequest&) {
      ++requests;
      return ex::HttpResponse{200, "application/xml", "", {}, {}};
    });
    REQUIRE(impostor.Start());
    std::string error;
    id = t.RegisterCase("110100", SampleCase("visit-property-fee.json"), &error);
    REQUIRE_MESSAGE(!id.empty(), error);
    REQUIRE_MESSAGE(t.PostEvent("110100", id, kAssignTo110108, &error) == 201, error);
    // The city tries, and says why it will not send.
    REQUIRE_MESSAGE(WaitUntil([&] {
                      return QueryOne(t.Dir("110100"), "SELECT last_error FROM outbox WHERE link = '110108'")
                                 .find("pinned") != std::string::npos;
                    }),
                    QueryOne(t.Dir("110100"), "SELECT last_error FROM outbox WHERE link = '110108'"));
    CHECK(requests.load() == 0);
    impostor.Stop();
  }
  // The real 110108 on its port gets the case.
  REQUIRE_MESSAGE(t.Start("110108"), t.Node("110108").Log());
  CHECK(t.WaitForCase("110108", id, 2));
  CHECK(requests.load() == 0);
}

TEST_CASE("trust: xfctl peer add refuses a certificate whose CN is not the --id given") {
  Topology t({"110100", "110105"});
  const auto r = Xfctl({"peer", "add", "--node", t.Dir("110100").string(), "--as", "child", "--id", "110108", "--key",
                        (t.Dir("110105") / "keys" / "signing.pub").string(), "--cert",
                        (t.Dir("110105") / "keys" / "tls.crt").string(), "--url", "https://127.0.0.1:1"});
  CHECK(r.status != 0);
  CHECK_MESSAGE(r.output.find("CN 是 '110105'") != std::string::npos, r.output);
  CHECK(xf::test::ReadText(t.Dir("110100") / "xfnode.yaml").find("110108") == std::string::npos);
}

TEST_CASE("trust: a node with an old CA:TRUE certificate keeps working, and xfctl tls reissue keeps its key") {
  Topology t({"110100", "110105"});
  // Make the county's certificate the old kind, with its key (what xfctl
  // init wrote before this change), and pin it at the city as before.
  const auto keys = t.Dir("110105") / "keys";
  {
    // An old-style certificate: self-signed with CA:TRUE, keyCertSign, same key.
    const auto ca_key = keys / "tls.key";
    const auto out = t.Root() / "old.crt";
    const auto r = xf::test::RunCommand({"openssl", "req", "-new", "-x509", "-key", ca_key.string(), "-subj",
                                         "/O=xfnode/CN=110105", "-days", "30", "-addext",
                                         "basicConstraints=critical,CA:TRUE,pathlen:0", "-addext",
                                         "keyUsage=critical,digitalSignature,keyCertSign", "-out", out.string()});
    REQUIRE_MESSAGE(r.status == 0, r.output);
    std::filesystem::copy_file(out, keys / "tls.crt", std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(out, t.Dir("110100") / "keys" / "peers" / "110105.crt",
                               std::filesystem::copy_options::overwrite_existing);
  }
  auto old = ex::LoadCertificate(keys / "tls.crt");
  REQUIRE(old);
  CHECK(old->is_ca);
  REQUIRE(t.StartAll());
  std::string error;
  const std::string first = t.RegisterCase("110105", SampleCase(), &error);
  REQUIRE_MESSAGE(!first.empty(), error);
  CHECK(t.WaitForCase("110100", first, 1));

  // Re-issued as end-entity with the same key: the city's pin still holds.
  t.Stop("110105");
  const auto r = Xfctl({"tls", "reissue", "--node", t.Dir("110105").string()});
  REQUIRE_MESSAGE(r.status == 0, r.output);
  CHECK_MESSAGE(r.output.find("密钥不变") != std::string::npos, r.output);
  auto now = ex::LoadCertificate(keys / "tls.crt");
  REQUIRE(now);
  CHECK_FALSE(now->is_ca);
  CHECK(now->key_der == old->key_der);
  REQUIRE(t.Start("110105"));
  const std::string second = t.RegisterCase("110105", SampleCase("phone-pension-inquiry.json"), &error);
  REQUIRE_MESSAGE(!second.empty(), error);
  CHECK(t.WaitForCase("110100", second, 1));
}

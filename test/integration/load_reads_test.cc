// Issue 13, "reads never wait for a batch": a real city xfnode applies a
// batch of about 1 GiB of XML from its county (mutual TLS) while its local
// API is read. Asserted on behaviour, not on a timing: every read below
// returns while the batch is still being applied (the POST that carries it
// has not been answered, and /v1/status still lists it under "applying"),
// and nothing of the batch is visible before its one commit.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/json.hpp>
#include <string>
#include <thread>

#include "exchange/receipt.h"
#include "test/harness/craft.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::Topology;

namespace {

// Under the sanitizers everything runs many times slower: the behaviour is
// the same with a smaller batch.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kBatchMiB = 48;
#else
constexpr std::uint64_t kBatchMiB = 1024;
#endif

bool Applying(Topology& t, const std::string& node, const std::string& batch_id) {
  const auto status = t.Status(node);
  if (!status.contains("exchange")) return false;
  for (const auto& a : status.at("exchange").at("applying").as_array()) {
    if (a.at("batch_id").as_string() == batch_id) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("load: reads of the local API return while a 1 GiB batch is being applied") {
  Topology t({"110100", "110105"});
  REQUIRE(t.Start("110100"));
  // A case of the city's own, to read while the batch applies.
  const std::string local = t.RegisterCase("110100", xf::test::SampleCase());
  REQUIRE(!local.empty());

  const std::string codes(t.Status("110100").at("code_version").as_string());
  const auto batch = xf::test::CraftBatchFile("110105", 1, kBatchMiB << 20, xf::test::SigningKeyOf(t, "110105"),
                                              codes, t.Root() / "big.zst");
  MESSAGE("batch: " << batch.events << " events, " << (batch.xml_bytes >> 20) << " MiB of XML");

  std::atomic<bool> answered{false};
  xf::Result<xf::exchange::HttpResponse> answer = xf::MakeError(xf::Errc::kInternal, "not sent");
  std::thread sender([&] {
    answer = xf::test::PostBatchFile(t, "110100", xf::test::ClientAs(t, "110105", "110100"), batch);
    answered = true;
  });
  struct Join {
    std::thread& t;
    ~Join() {
      if (t.joinable()) t.join();
    }
  } join{sender};

  // The node shows the batch in /v1/status while it applies it.
  REQUIRE(xf::test::WaitUntil([&] { return answered || Applying(t, "110100", batch.header.batch_id); },
                              std::chrono::seconds(600)));
  REQUIRE_FALSE(answered.load());

  // Reads, each returning before the batch's apply ended.
  for (int round = 0; round < 3; ++round) {
    auto got = t.Node("110100").Call("GET", "/v1/cases/" + local);
    REQUIRE(got);
    CHECK(got->status == 200);
    // Nothing of the batch is visible before its commit.
    auto early = t.Node("110100").Call("GET", "/v1/cases/" + batch.CaseId(0));
    REQUIRE(early);
    CHECK(early->status == 404);
    auto status = t.Node("110100").Call("GET", "/v1/status");
    REQUIRE(status);
    CHECK(status->status == 200);
    const auto s = json::parse(status->body).as_object();
    CHECK(s.at("cases").as_int64() == 1);
    auto page = t.Node("110100").Call("GET", "/");
    REQUIRE(page);
    CHECK(page->status == 200);
    auto metrics = t.Node("110100").Call("GET", "/metrics");
    REQUIRE(metrics);
    CHECK(metrics->status == 200);
    auto health = t.Node("110100").Call("GET", "/healthz");
    REQUIRE(health);
    CHECK(health->status == 200);
    // Still applying: every read above came back before the apply ended.
    CHECK_FALSE(answered.load());
    CHECK(Applying(t, "110100", batch.header.batch_id));
  }

  // A registration meanwhile is stored (it waits for the writer, at most
  // for this batch's commit; see node/README.md).
  const std::string during = t.RegisterCase("110100", xf::test::SampleCase("visit-property-fee.json"));
  CHECK(!during.empty());

  sender.join();
  REQUIRE(answer);
  INFO(answer->body.substr(0, 300));
  REQUIRE(answer->status == 200);
  auto receipt = xf::exchange::ParseReceiptXml(answer->body);
  REQUIRE(receipt);
  CHECK(receipt->AcceptedCount() == batch.events);
  CHECK_FALSE(Applying(t, "110100", batch.header.batch_id));
  auto after = t.Node("110100").Call("GET", "/v1/cases/" + batch.CaseId(batch.events - 1));
  REQUIRE(after);
  CHECK(after->status == 200);
  const auto s = t.Status("110100");
  CHECK(s.at("events").as_int64() == static_cast<std::int64_t>(batch.events) + 2);
  CHECK(s.at("cases").as_int64() == static_cast<std::int64_t>(batch.events) + 2);
}

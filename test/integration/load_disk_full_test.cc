// Issue 13, "a relay whose disk is full answers nothing and logs nothing
// (PROTOCOL.md promises 503)": a real city xfnode whose files cannot grow
// past a bound (RLIMIT_FSIZE: a write past it fails with EFBIG, as a full
// disk fails with ENOSPC) is sent a signed batch from its county larger
// than that bound. It answers 503 (retry later), says so in its log, keeps
// nothing of the batch and no partial spool file, and still serves its local
// API; once the space is back (the limit lifted from the running process)
// the same batch, sent again, is applied whole.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "exchange/crypto.h"
#include "schema/xml.h"
#include "test/harness/craft.h"
#include "test/harness/topology.h"

using xf::test::QueryOne;
using xf::test::Topology;

namespace {

// The largest file under `dir` (database, WAL, log).
std::uintmax_t LargestFile(const std::filesystem::path& dir) {
  std::uintmax_t largest = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) largest = std::max(largest, it->file_size(ec));
  }
  return largest;
}

std::size_t FilesIn(const std::filesystem::path& dir) {
  std::error_code ec;
  std::size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    ++n;
  }
  return n;
}

// Registrations of 110105 whose summaries are random hex, so that the batch
// does not compress: about `compressed_bytes` of zstd.
xf::test::CraftedBatch IncompressibleBatch(Topology& t, std::size_t compressed_bytes, const std::string& codes) {
  std::vector<xf::schema::Event> events;
  std::size_t approx = 0;
  for (std::uint64_t seq = 1; approx < compressed_bytes; ++seq) {
    char id[32];
    std::snprintf(id, sizeof id, "110105-2025-%08llu", static_cast<unsigned long long>(100000000ull + seq));
    auto e = xf::test::CraftRegistration("110105", seq, id);
    std::get<xf::schema::CaseRegistration>(e.body).summary = xf::exchange::RandomHex(900);  // 1,800 characters
    events.push_back(std::move(e));
    approx += 900;
  }
  return xf::test::CraftBatch("110105", "up", 1, events, xf::test::SigningKeyOf(t, "110105"), codes);
}

}  // namespace

TEST_CASE("disk full: a batch that cannot be spooled is answered 503 and logged; applied whole once space is back") {
  Topology t({"110100", "110105"});
  // A first start writes what a node writes at start; its files' size sets the bound.
  REQUIRE(t.Start("110100"));
  const std::string codes(t.Status("110100").at("code_version").as_string());
  REQUIRE(t.Stop("110100") == 0);
  const std::uintmax_t bound = LargestFile(t.Dir("110100")) + (2u << 20);
  MESSAGE("files of 110100 may grow to " << (bound >> 10) << " KiB");
  t.Node("110100").SetFileSizeLimit(bound);
  REQUIRE_MESSAGE(t.Start("110100"), t.Node("110100").Log());
  // Small writes still succeed: a clerk's case is stored.
  const std::string local = t.RegisterCase("110100", xf::test::SampleCase());
  REQUIRE(!local.empty());

  const auto batch = IncompressibleBatch(t, bound + (2u << 20), codes);
  MESSAGE("batch: " << batch.event_xml.size() << " events, " << (batch.bytes.size() >> 10) << " KiB of zstd");
  REQUIRE(batch.bytes.size() > bound);
  const auto county = xf::test::ClientAs(t, "110105", "110100");

  const auto full = xf::test::PostBatch(t, "110100", county, batch);
  INFO(full.error << full.message);
  CHECK(full.status == 503);
  CHECK(full.message.find("spool") != std::string::npos);
  const std::string log = t.Node("110100").Log();
  CHECK(log.find("cannot spool the body") != std::string::npos);
  CHECK(log.find("503") != std::string::npos);
  // Nothing of it kept, no partial spool file left; the node still answers.
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM events WHERE origin = '110105'") == "0");
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM batches WHERE origin = '110105'") == "0");
  CHECK(FilesIn(t.Dir("110100") / "data" / "spool") == 0);
  auto health = t.Node("110100").Call("GET", "/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto mine = t.Node("110100").Call("GET", "/v1/cases/" + local);
  REQUIRE(mine);
  CHECK(mine->status == 200);

  // Space is back: the same batch, sent again, is applied whole.
  REQUIRE(t.Node("110100").LiftFileSizeLimit());
  const auto later = xf::test::PostBatch(t, "110100", county, batch);
  INFO(later.error << later.message);
  REQUIRE(later.status == 200);
  REQUIRE(later.receipt);
  CHECK(later.receipt_verifies);
  CHECK(later.receipt->status == "applied");
  CHECK(later.receipt->AcceptedCount() == batch.event_xml.size());
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM events WHERE origin = '110105'") ==
        std::to_string(batch.event_xml.size()));
}

// node/blobs.h: attachments on disk by SHA-256. A stored blob is always
// complete and matches its name; a refused one leaves nothing behind.
#include <doctest/doctest.h>

#include <cctype>
#include <string>

#include "exchange/crypto.h"
#include "node/blobs.h"
#include "test/unit/node/node_fixture.h"
#include "xf/source_dir.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
using testing::Snapshot;
using testing::TempDir;

const std::string kContent = "附件一";  // test/data/blobs/7987…
const std::string kHash = "7987561696fd96d317d0726c0463134f139a0f0f15568aa642678442e69ff3bd";

TEST_CASE("blobs: the test data's hash is what the store computes") {
  CHECK(exchange::Sha256Hex(kContent) == kHash);
}

TEST_CASE("blobs: Put stores the content at DIR/ab/<sha256>") {
  TempDir dir;
  const BlobStore blobs(dir / "blobs");
  CHECK(blobs.PathOf(kHash) == dir / "blobs" / "79" / kHash);
  CHECK_FALSE(blobs.Has(kHash));

  REQUIRE(blobs.Put(kHash, kContent).ok());
  CHECK(blobs.Has(kHash));
  CHECK(fs::is_regular_file(blobs.PathOf(kHash)));
  CHECK(testing::ReadFile(blobs.PathOf(kHash)) == kContent);
  auto got = blobs.Get(kHash);
  REQUIRE(got.ok());
  CHECK(*got == kContent);

  // The only file is the blob: no temporary file is left.
  const auto files = Snapshot(dir / "blobs");
  CHECK(files.size() == 2);  // "79" and "79/<hash>"
  CHECK(files.count("79/" + kHash) == 1);
}

TEST_CASE("blobs: binary content round-trips exactly") {
  TempDir dir;
  const BlobStore blobs(dir.path());
  std::string bytes;
  for (int i = 0; i < 70000; ++i) bytes.push_back(static_cast<char>((i * 7) & 0xff));
  bytes[10] = '\0';
  const std::string hash = exchange::Sha256Hex(bytes);
  REQUIRE(blobs.Put(hash, bytes).ok());
  auto got = blobs.Get(hash);
  REQUIRE(got.ok());
  CHECK(got->size() == bytes.size());
  CHECK(*got == bytes);

  // Empty content is a blob too.
  const std::string empty_hash = exchange::Sha256Hex("");
  REQUIRE(blobs.Put(empty_hash, "").ok());
  CHECK(blobs.Has(empty_hash));
  CHECK(blobs.Get(empty_hash)->empty());
}

TEST_CASE("blobs: content that does not match its hash is refused and nothing is written") {
  TempDir dir;
  const BlobStore blobs(dir / "blobs");
  const auto s = blobs.Put(kHash, "附件二");
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Errc::kInvalidArgument);
  CHECK(s.error().message.find(kHash) != std::string::npos);
  CHECK_FALSE(blobs.Has(kHash));
  CHECK(Snapshot(dir.path()).empty());  // not even the folder

  // Next to a stored blob: the stored one stays as it was, with no temp file.
  REQUIRE(blobs.Put(kHash, kContent).ok());
  const auto before = Snapshot(dir.path());
  CHECK_FALSE(blobs.Put(kHash, kContent + "x").ok());
  CHECK(Snapshot(dir.path()) == before);
  CHECK(*blobs.Get(kHash) == kContent);
}

TEST_CASE("blobs: a name that is not a lowercase SHA-256 is refused") {
  TempDir dir;
  const BlobStore blobs(dir.path());
  std::string upper = kHash;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string bad[] = {"", "79", upper, kHash + "0", kHash.substr(1), "../../etc/passwd",
                             std::string(62, 'a') + "/a"};
  for (const auto& name : bad) {
    CAPTURE(name);
    const auto s = blobs.Put(name, kContent);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == Errc::kInvalidArgument);
    CHECK_FALSE(blobs.Has(name));
    CHECK_FALSE(blobs.Get(name).ok());
  }
  CHECK(Snapshot(dir.path()).empty());
}

TEST_CASE("blobs: Get of a blob that is not there") {
  TempDir dir;
  const BlobStore blobs(dir.path());
  auto got = blobs.Get(kHash);
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == Errc::kNotFound);
}

TEST_CASE("blobs: storing the same blob twice is harmless") {
  TempDir dir;
  const BlobStore blobs(dir.path());
  REQUIRE(blobs.Put(kHash, kContent).ok());
  REQUIRE(blobs.Put(kHash, kContent).ok());
  CHECK(*blobs.Get(kHash) == kContent);
  CHECK(Snapshot(dir.path()).size() == 2);
}

TEST_CASE("blobs: a folder that cannot be created is an I/O error") {
  TempDir dir;
  testing::WriteFile(dir / "not-a-dir", "x");
  const BlobStore blobs(dir / "not-a-dir");
  const auto s = blobs.Put(kHash, kContent);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == Errc::kIo);
  CHECK(Snapshot(dir.path()).size() == 1);
}

TEST_CASE("blobs: every attachment in test/data/blobs stores under its name") {
  TempDir dir;
  const BlobStore blobs(dir.path());
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(XF_SOURCE_DIR) / "test" / "data" / "blobs")) {
    const std::string name = e.path().filename().string();
    CAPTURE(name);
    const std::string bytes = testing::ReadFile(e.path());
    REQUIRE(blobs.Put(name, bytes).ok());
    CHECK(*blobs.Get(name) == bytes);
    ++n;
  }
  CHECK(n > 0);
}

TEST_CASE("blobs: a staged blob is kept apart until claimed, then in place; unclaimed ones are purged") {
  TempDir dir;
  const BlobStore blobs(dir / "blobs");
  testing::WriteFile(dir / "upload", kContent);
  REQUIRE(blobs.PutFile(kHash, dir / "upload", true).ok());
  CHECK(blobs.Staged(kHash));
  CHECK_FALSE(blobs.Has(kHash));
  CHECK(blobs.StagedSize(kHash).value() == kContent.size());
  CHECK(testing::ReadFile(dir / "blobs-incoming" / kHash) == kContent);
  // Wrong content is not staged either.
  const std::string other = exchange::Sha256Hex("附件二");
  CHECK_FALSE(blobs.PutFile(other, dir / "upload", true).ok());
  CHECK_FALSE(blobs.Staged(other));
  // A part by part upload can end staged too.
  REQUIRE(blobs.AppendPartialBytes(other, 0, "附件").ok());
  REQUIRE(blobs.AppendPartialBytes(other, 6, "二").ok());
  REQUIRE(blobs.CommitPartial(other, true).ok());
  CHECK(blobs.Staged(other));
  // Claimed: in place, no longer staged; claiming again answers the size.
  CHECK(blobs.Claim(kHash).value() == kContent.size());
  CHECK(blobs.Has(kHash));
  CHECK_FALSE(blobs.Staged(kHash));
  CHECK(*blobs.Get(kHash) == kContent);
  CHECK(blobs.Claim(kHash).value() == kContent.size());
  CHECK(blobs.Claim(exchange::Sha256Hex("无")).error().code == Errc::kNotFound);
  // Purge removes only what is older than the bound.
  CHECK(blobs.PurgeStaged(std::chrono::hours(1)) == 0);
  CHECK(blobs.Staged(other));
  CHECK(blobs.PurgeStaged(std::chrono::seconds(0)) == 1);
  CHECK_FALSE(blobs.Staged(other));
  CHECK(blobs.Has(kHash));
}

}  // namespace
}  // namespace xf::node

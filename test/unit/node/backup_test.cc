// node/backup.h: a backup holds every case and attachment, restores into an
// empty data dir, and every refusal leaves the data dir as it was.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "exchange/crypto.h"
#include "node/backup.h"
#include "node/blobs.h"
#include "node/store.h"
#include "test/unit/node/node_fixture.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
using testing::At;
using testing::RawDb;
using testing::ReadFile;
using testing::Snapshot;
using testing::TempDir;
using testing::ValidCase;
using testing::WriteFile;

const std::string kNode = "110105";

struct Filled {
  std::vector<std::string> case_ids;
  std::vector<std::string> blobs;
};

// A data dir as a node leaves it: cases through the store, attachments through the blob store.
Filled Fill(const fs::path& data_dir, const Clock& clock, int n, const std::string& tag = "") {
  fs::create_directories(data_dir);
  auto store = Store::Open(data_dir / "xfnode.db", clock);
  REQUIRE_MESSAGE(store.ok(), store.error().message);
  BlobStore blobs(data_dir / "blobs");
  Filled out;
  for (int i = 0; i < n; ++i) {
    // Every third attachment spans several copy buffers.
    const std::string content =
        tag + "附件 " + std::to_string(i) + std::string(i % 3 == 0 ? 200000 : 10, 'x');
    const std::string sha = exchange::Sha256Hex(content);
    REQUIRE(blobs.Put(sha, content).ok());
    REQUIRE((*store)->RecordBlob(sha, content.size()).ok());
    schema::CaseRegistration c = ValidCase();
    c.attachments.push_back({sha, content.size(), "text/plain", "附件.txt"});
    auto e = (*store)->RegisterCase(c, kNode, "");
    REQUIRE_MESSAGE(e.ok(), e.error().message);
    out.case_ids.push_back(e->case_id);
    out.blobs.push_back(sha);
  }
  return out;
}

void CheckHolds(const fs::path& data_dir, const Clock& clock, const Filled& f) {
  auto store = Store::Open(data_dir / "xfnode.db", clock);
  REQUIRE_MESSAGE(store.ok(), store.error().message);
  for (const auto& id : f.case_ids) CHECK_MESSAGE((*store)->GetCase(id).ok(), id);
  BlobStore blobs(data_dir / "blobs");
  for (const auto& sha : f.blobs) {
    CHECK((*store)->HasBlob(sha));
    auto content = blobs.Get(sha);
    REQUIRE_MESSAGE(content.ok(), sha);
    CHECK(exchange::Sha256Hex(*content) == sha);
  }
}

}  // namespace

TEST_CASE("backup: a data dir is copied whole and restores into an empty one") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const Filled filled = Fill(dir / "node", clock, 7);

  auto b = BackupDataDir(dir / "node", dir / "backup", kNode);
  REQUIRE_MESSAGE(b.ok(), b.error().message);
  CHECK(b->node_id == kNode);
  CHECK(b->schema_version == Store::LatestSchemaVersion());
  CHECK(b->cases == 7);
  CHECK(b->events == 7);
  CHECK(b->blobs == 7);
  CHECK(fs::exists(dir / "backup" / "backup.json"));
  for (const auto& sha : filled.blobs)
    CHECK(fs::exists(dir / "backup" / "blobs" / sha.substr(0, 2) / sha));
  CHECK((fs::status(dir / "backup" / "xfnode.db").permissions() & fs::perms::others_read) ==
        fs::perms::none);

  auto r = RestoreDataDir(dir / "backup", dir / "restored", {false, kNode});
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->previous_db.empty());
  CHECK(r->restored.cases == 7);
  CheckHolds(dir / "restored", clock, filled);
}

TEST_CASE("backup: refuses a destination that is not empty") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  Fill(dir / "node", clock, 1);
  fs::create_directories(dir / "dest");
  WriteFile(dir / "dest" / "old", "an older backup");
  auto b = BackupDataDir(dir / "node", dir / "dest", kNode);
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().message.find("not empty") != std::string::npos);
  CHECK(!BackupDataDir(dir / "nothing-here", dir / "dest2", kNode).ok());
}

TEST_CASE("restore: a database holding events is replaced only with force, and kept") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const Filled old_cases = Fill(dir / "node", clock, 2, "old ");
  const Filled backed_up = Fill(dir / "other", clock, 3, "new ");
  REQUIRE(BackupDataDir(dir / "other", dir / "backup", kNode).ok());

  const auto before = Snapshot(dir / "node");
  auto refused = RestoreDataDir(dir / "backup", dir / "node", {false, kNode});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message.find("--force") != std::string::npos);
  CHECK(Snapshot(dir / "node") == before);

  auto r = RestoreDataDir(dir / "backup", dir / "node", {true, kNode});
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(r->previous_db == dir / "node" / "xfnode.db.before-restore");
  CheckHolds(dir / "node", clock, backed_up);
  // The replaced database is whole: its cases are all there.
  {
    RawDb previous(r->previous_db);
    CHECK(previous.Scalar("SELECT count(*) FROM cases") == "2");
  }
  // A second restore does not overwrite the first one's leftover.
  auto again = RestoreDataDir(dir / "backup", dir / "node", {true, kNode});
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(again->previous_db == dir / "node" / "xfnode.db.before-restore.1");
  CHECK(fs::exists(dir / "node" / "xfnode.db.before-restore"));
}

TEST_CASE("restore: refusals leave the data dir as it was") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  const Filled filled = Fill(dir / "node", clock, 3);
  REQUIRE(BackupDataDir(dir / "node", dir / "backup", kNode).ok());
  fs::create_directories(dir / "target");
  WriteFile(dir / "target" / "api.url", "http://127.0.0.1:1\n");
  const auto empty_target = Snapshot(dir / "target");
  auto copy_backup = [&](const std::string& name) {
    fs::copy(dir / "backup", dir / name, fs::copy_options::recursive);
    return dir / name;
  };

  SUBCASE("an incomplete backup (no backup.json)") {
    const fs::path b = copy_backup("incomplete");
    fs::remove(b / "backup.json");
    auto r = RestoreDataDir(b, dir / "target", {false, kNode});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("not a complete") != std::string::npos);
  }
  SUBCASE("an attachment that does not hash to its name") {
    const fs::path b = copy_backup("tampered");
    const std::string& sha = filled.blobs[1];
    const fs::path blob = b / "blobs" / sha.substr(0, 2) / sha;
    std::string content = ReadFile(blob);
    content[0] = static_cast<char>(content[0] ^ 1);
    WriteFile(blob, content);
    auto r = RestoreDataDir(b, dir / "target", {false, kNode});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(sha) != std::string::npos);
  }
  SUBCASE("a database that does not match its manifest") {
    // One more attachment than backup.json counts: not the database that was backed up.
    const fs::path b = copy_backup("swapped");
    {
      RawDb raw(b / "xfnode.db");
      REQUIRE(raw.Exec("INSERT INTO blobs(sha256, size, stored_at) VALUES('" +
                       std::string(64, 'a') + "', 1, 0)") == SQLITE_OK);
    }
    auto r = RestoreDataDir(b, dir / "target", {false, kNode});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("backup.json") != std::string::npos);
  }
  SUBCASE("a blobs row that is not a SHA-256 (it would become a path)") {
    const fs::path b = copy_backup("escape");
    {
      RawDb raw(b / "xfnode.db");
      REQUIRE(raw.Exec("UPDATE blobs SET sha256 = '../../../etc/passwd' WHERE sha256 = '" +
                       filled.blobs[0] + "'") == SQLITE_OK);
    }
    auto r = RestoreDataDir(b, dir / "target", {false, kNode});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("not a SHA-256") != std::string::npos);
  }
  SUBCASE("a backup from a newer xfnode") {
    const fs::path b = copy_backup("newer");
    {
      RawDb raw(b / "xfnode.db");
      REQUIRE(raw.Exec("PRAGMA user_version = " +
                       std::to_string(Store::LatestSchemaVersion() + 1)) == SQLITE_OK);
    }
    auto r = RestoreDataDir(b, dir / "target", {false, kNode});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("newer") != std::string::npos);
  }
  SUBCASE("a backup of another node") {
    auto r = RestoreDataDir(dir / "backup", dir / "target", {false, "440305"});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("110105") != std::string::npos);
  }
  std::string left;
  for (const auto& [name, content] : Snapshot(dir / "target")) {
    if (!empty_target.count(name) || empty_target.at(name) != content) left += name + " ";
  }
  CHECK_MESSAGE(left.empty(), "left behind: " << left);
}

}  // namespace xf::node

namespace xf::node {
namespace {

// A received batch whose bytes live in DATA_DIR/batches/ (as the store keeps
// large ones), recorded the way the store records it.
void AddBatchFile(const fs::path& data_dir, const std::string& file, const std::string& bytes) {
  fs::create_directories(data_dir / "batches");
  WriteFile(data_dir / "batches" / file, bytes);
  RawDb raw(data_dir / "xfnode.db");
  const std::string sql =
      "INSERT INTO batches(batch_id, origin, stream, seq, destination, created, code_version, record_count, "
      "received_from, stored_at, state, bytes, signature, bytes_file, bytes_sha256) VALUES ('" +
      file + "', '110105', 'up', 1, '100000', 0, 'v', 1, '110105', 0, 'applied', x'', x'00', '" + file + "', '" +
      exchange::Sha256Hex(bytes) + "')";
  REQUIRE_MESSAGE(raw.Exec(sql) == SQLITE_OK, raw.Error());
}

TEST_CASE("backup: batch files beside the database are copied and restored, checked by hash") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  Fill(dir / "node", clock, 1);
  const std::string bytes(300000, 'b');
  AddBatchFile(dir / "node", "110105-up-1.abc.zst", bytes);

  auto b = BackupDataDir(dir / "node", dir / "backup", kNode);
  REQUIRE_MESSAGE(b.ok(), b.error().message);
  CHECK(ReadFile(dir / "backup" / "batches" / "110105-up-1.abc.zst") == bytes);

  auto r = RestoreDataDir(dir / "backup", dir / "restored", {false, kNode});
  REQUIRE_MESSAGE(r.ok(), r.error().message);
  CHECK(ReadFile(dir / "restored" / "batches" / "110105-up-1.abc.zst") == bytes);

  // A batch file altered in the backup is refused, and the restore writes nothing.
  WriteFile(dir / "backup" / "batches" / "110105-up-1.abc.zst", std::string(300000, 'c'));
  auto bad = RestoreDataDir(dir / "backup", dir / "again", {false, kNode});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("batch file 110105-up-1.abc.zst") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "again" / "xfnode.db"));
  CHECK_FALSE(fs::exists(dir / "again" / "batches" / "110105-up-1.abc.zst"));
}

}  // namespace
}  // namespace xf::node

// xfctl backup under write load and xfctl restore, with real processes:
// every case acknowledged before the backup started, and its attachment,
// is in the restored node.
#include <doctest/doctest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "exchange/crypto.h"
#include "test/harness/harness.h"

namespace json = boost::json;
using xf::test::CommandResult;
using xf::test::NodeProcess;
using xf::test::ReadText;
using xf::test::RunCommand;
using xf::test::SourceDir;
using xf::test::TempDir;

namespace {

std::string Xfctl() {
  const char* v = std::getenv("XFCTL");
  return v && *v ? v : "xfctl";
}

struct Registered {
  std::string case_id;
  std::string sha256;
  std::string attachment;
};

// A case of this node with an attachment of its own, uploaded first.
std::optional<Registered> RegisterWithAttachment(const NodeProcess& node, int i) {
  auto c = json::parse(ReadText(SourceDir() / "test/data/cases/valid/letter-village-assets.json"))
               .as_object();
  c.erase("registering_body");
  c["summary"] = "第" + std::to_string(i) + "件：" + std::string(c.at("summary").as_string());
  Registered r;
  // Every fifth attachment spans several copy buffers.
  r.attachment = "附件 " + std::to_string(i) + " " + std::string(i % 5 == 0 ? 300000 : 40, 'x');
  r.sha256 = xf::exchange::Sha256Hex(r.attachment);
  auto put = node.Call("PUT", "/v1/blobs/" + r.sha256, r.attachment, "application/octet-stream");
  if (!put || put->status != 201) return std::nullopt;
  json::array atts;
  atts.push_back(json::object{{"sha256", r.sha256},
                              {"size", r.attachment.size()},
                              {"media_type", "text/plain"},
                              {"name", "附件" + std::to_string(i) + ".txt"}});
  c["attachments"] = atts;
  auto post = node.Call("POST", "/v1/cases", json::serialize(c));
  if (!post || post->status != 201) return std::nullopt;
  r.case_id = std::string(json::parse(post->body).at("case_id").as_string());
  return r;
}

std::int64_t Status(const NodeProcess& node, const char* field) {
  auto r = node.Call("GET", "/v1/status");
  REQUIRE(r);
  return json::parse(r->body).at(field).as_int64();
}

CommandResult Xf(const std::vector<std::string>& args) {
  std::vector<std::string> argv{Xfctl()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv);
}

}  // namespace

TEST_CASE("backup: a node under write load is backed up and restored with nothing missing") {
  TempDir dir{"xfbackup"};
  NodeProcess source(dir.Path() / "source", "110105");
  REQUIRE_MESSAGE(source.Start(), source.Log());

  std::mutex mutex;
  std::vector<Registered> acked;
  for (int i = 0; i < 10; ++i) {
    auto r = RegisterWithAttachment(source, i);
    REQUIRE_MESSAGE(r, source.Log());
    acked.push_back(*r);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread writer([&] {
    for (int i = 10; !stop; ++i) {
      if (auto r = RegisterWithAttachment(source, i)) {
        std::lock_guard lock(mutex);
        acked.push_back(*r);
      } else {
        ++failures;
      }
    }
  });
  // The writer is under way before the backup starts.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    {
      std::lock_guard lock(mutex);
      if (acked.size() >= 30) break;
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::vector<Registered> before;
  {
    std::lock_guard lock(mutex);
    before = acked;
  }
  const auto backup_dir = dir.Path() / "backup";
  const CommandResult backup = Xf({"backup", backup_dir.string(), "--node", source.Dir().string()});
  std::size_t after_backup = 0;
  {
    std::lock_guard lock(mutex);
    after_backup = acked.size();
  }
  stop = true;
  writer.join();
  REQUIRE_MESSAGE(backup.status == 0, backup.output);
  CHECK(failures == 0);
  MESSAGE("cases acknowledged before the backup: ", before.size(),
          ", while it ran: ", after_backup - before.size(), "\n", backup.output);

  // The backup is itself a consistent database: integrity and counts.
  const auto check =
      RunCommand({"sqlite3", (backup_dir / "xfnode.db").string(), "PRAGMA integrity_check;"});
  CHECK(check.output == "ok\n");
  const auto manifest = json::parse(ReadText(backup_dir / "backup.json")).as_object();
  CHECK(manifest.at("cases").as_int64() >= static_cast<std::int64_t>(before.size()));
  CHECK(manifest.at("cases").as_int64() <= static_cast<std::int64_t>(acked.size()));
  CHECK(manifest.at("events").as_int64() == manifest.at("cases").as_int64());
  CHECK(manifest.at("blobs").as_int64() >= static_cast<std::int64_t>(before.size()));

  // Restore into a fresh node of the same id, then start it.
  NodeProcess target(dir.Path() / "target", "110105");
  const CommandResult restore =
      Xf({"restore", backup_dir.string(), "--node", target.Dir().string()});
  REQUIRE_MESSAGE(restore.status == 0, restore.output);
  const auto restored_check = RunCommand(
      {"sqlite3", (target.Dir() / "data" / "xfnode.db").string(), "PRAGMA integrity_check;"});
  CHECK(restored_check.output == "ok\n");
  REQUIRE_MESSAGE(target.Start(), target.Log());
  CHECK(Status(target, "cases") == manifest.at("cases").as_int64());
  for (const auto& r : before) {
    CAPTURE(r.case_id);
    auto got = target.Call("GET", "/v1/cases/" + r.case_id);
    REQUIRE(got);
    CHECK(got->status == 200);
    CHECK(got->body.find(r.sha256) != std::string::npos);
    // The attachment is there, byte for byte.
    const auto blob = target.Dir() / "data" / "blobs" / r.sha256.substr(0, 2) / r.sha256;
    CHECK(ReadText(blob) == r.attachment);
    auto put =
        target.Call("PUT", "/v1/blobs/" + r.sha256, r.attachment, "application/octet-stream");
    REQUIRE(put);
    CHECK(put->status == 200);  // already held
  }
  // The restored node goes on minting case numbers after the ones it holds.
  auto next = RegisterWithAttachment(target, 100000);
  REQUIRE(next);
  for (const auto& r : before) CHECK(r.case_id != next->case_id);

  // Restoring under a running node is refused, even with --force.
  const CommandResult running =
      Xf({"restore", backup_dir.string(), "--node", target.Dir().string(), "--force"});
  CHECK(running.status == 1);
  CHECK_MESSAGE(running.output.find("节点正在运行") != std::string::npos, running.output);
  CHECK(Status(target, "cases") == manifest.at("cases").as_int64() + 1);
  CHECK(target.Stop() == 0);

  // A database that holds cases is replaced only with --force, and kept.
  const CommandResult refused =
      Xf({"restore", backup_dir.string(), "--node", target.Dir().string()});
  CHECK(refused.status == 1);
  CHECK(refused.output.find("--force") != std::string::npos);
  const CommandResult forced =
      Xf({"restore", backup_dir.string(), "--node", target.Dir().string(), "--force"});
  CHECK_MESSAGE(forced.status == 0, forced.output);
  CHECK(std::filesystem::exists(target.Dir() / "data" / "xfnode.db.before-restore"));

  // A backup goes into a new directory only.
  const CommandResult again = Xf({"backup", backup_dir.string(), "--node", source.Dir().string()});
  CHECK(again.status == 1);
  CHECK(again.output.find("not empty") != std::string::npos);
}

TEST_CASE("restore: a backup of another node is refused without --force") {
  TempDir dir{"xfbackup"};
  NodeProcess source(dir.Path() / "source", "110105");
  REQUIRE_MESSAGE(source.Start(), source.Log());
  REQUIRE(RegisterWithAttachment(source, 1));
  const auto backup_dir = dir.Path() / "backup";
  const CommandResult backup = Xf({"backup", backup_dir.string(), "--node", source.Dir().string()});
  REQUIRE_MESSAGE(backup.status == 0, backup.output);

  NodeProcess other(dir.Path() / "other", "440305");
  const CommandResult refused =
      Xf({"restore", backup_dir.string(), "--node", other.Dir().string()});
  CHECK(refused.status == 1);
  CHECK(refused.output.find("110105") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(other.Dir() / "data" / "xfnode.db"));
}

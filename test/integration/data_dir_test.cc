// Issue 12, holes 9 and 10, with real processes: a node's files are private
// whatever umask it was started with, and one process at a time writes its
// database — the offline commands go through the running node's API, take
// the data dir's lock when it is stopped, and refuse, naming the holder,
// when someone else has it.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "exchange/crypto.h"
#include "node/data_dir.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace fs = std::filesystem;
using xf::test::NodeProcess;
using xf::test::QueryOne;
using xf::test::ReadText;
using xf::test::RunCommand;
using xf::test::SampleCase;
using xf::test::SourceDir;
using xf::test::TempDir;
using xf::test::Topology;
using xf::test::TopologyOptions;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

unsigned Mode(const fs::path& p) {
  struct stat st {};
  REQUIRE_MESSAGE(::stat(p.c_str(), &st) == 0, p.string());
  return st.st_mode & 07777;
}

// Every file and directory under `dir` whose mode grants more than `max_file` / `max_dir`.
std::string TooOpen(const fs::path& dir, unsigned max_file, unsigned max_dir) {
  std::string out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const unsigned mode = Mode(e.path());
    const unsigned max = e.is_directory() ? max_dir : max_file;
    if ((mode & ~max) != 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04o", mode);
      out += e.path().string() + " " + buf + "\n";
    }
  }
  return out;
}

// The clerk's day: an attachment, a case naming it, a part of another upload.
void Work(NodeProcess& node) {
  const std::string sha = "7987561696fd96d317d0726c0463134f139a0f0f15568aa642678442e69ff3bd";
  auto r = node.Call("PUT", "/v1/blobs/" + sha, ReadText(SourceDir() / "test" / "data" / "blobs" / sha),
                     "application/octet-stream");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  auto o = json::parse(ReadText(SourceDir() / "test" / "data" / "cases" / "valid" / "letter-village-assets.json"))
               .as_object();
  o.erase("registering_body");
  r = node.Call("POST", "/v1/cases", json::serialize(o));
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 201, r->body);
  const std::string part = "第一部分";
  r = xf::exchange::HttpCall("PUT", node.Url() + "/v1/blobs/" + xf::exchange::Sha256Hex(part + "第二部分"),
                             {{"authorization", "Bearer " + node.Token()},
                              {"content-range", "bytes 0-" + std::to_string(part.size() - 1) + "/" +
                                                    std::to_string(2 * part.size())}},
                             part);
  REQUIRE(r);
  REQUIRE(r->status == 202);
}

std::string Undelivered(Topology& t, const std::string& node, const std::string& link) {
  return QueryOne(t.Dir(node), "SELECT count(*) FROM outbox WHERE link = ?1 AND delivered_at IS NULL", {link});
}

xf::test::CommandResult Run(const std::vector<std::string>& args, int expect) {
  auto r = Xfctl(args);
  REQUIRE_MESSAGE(r.status == expect, "xfctl " << args[0] << " exited " << r.status << ":\n" << r.output);
  return r;
}

const char* kThroughNode = "经运行中的节点";  // the words of export and import (Chinese by default)

}  // namespace

TEST_CASE("files: xfctl init --dir and xfnode keep a node's files private whatever the umask (022, 000)") {
  for (const mode_t mask : {mode_t{022}, mode_t{000}}) {
    CAPTURE(mask);
    TempDir dir("xfmode");
    const mode_t old = ::umask(mask);
    NodeProcess node(dir.Path() / "node", "110105");  // xfctl init, under that umask
    const bool started = node.Start();                // xfnode inherits it too
    ::umask(old);
    REQUIRE_MESSAGE(started, node.Log());
    Work(node);
    const fs::path n = node.Dir(), data = n / "data";
    CHECK(Mode(n / "keys") == 0700);
    CHECK(Mode(n / "keys" / "signing.key") == 0600);
    CHECK(Mode(n / "keys" / "tls.key") == 0600);
    CHECK(Mode(n / "api.token") == 0600);
    CHECK(Mode(n / "xfnode.yaml") == 0640);
    CHECK(Mode(data) == 0700);
    for (const char* f : {"xfnode.db", "xfnode.db-wal", "xfnode.db-shm", "xfnode.pid"}) {
      CAPTURE(f);
      CHECK(Mode(data / f) == 0600);
    }
    for (const char* d : {"blobs", "blobs-partial", "spool", "api-spool"}) {
      CAPTURE(d);
      CHECK(Mode(data / d) == 0700);
    }
    // Everything in the data dir: the blobs, the partial upload, what the exchange made.
    CHECK_MESSAGE(TooOpen(data, 0600, 0700).empty(), TooOpen(data, 0600, 0700));
    CHECK(node.Stop() == 0);
  }
}

TEST_CASE("files: a data dir left open by an earlier version is closed to others when the node starts") {
  TempDir dir("xfmode");
  NodeProcess node(dir.Path() / "node", "110105");
  REQUIRE_MESSAGE(node.Start(), node.Log());
  CHECK(node.Stop() == 0);
  const fs::path data = node.Dir() / "data";
  ::chmod(data.c_str(), 0755);
  ::chmod((data / "xfnode.db").c_str(), 0644);
  REQUIRE_MESSAGE(node.Start(), node.Log());
  // Others lose every permission; the group keeps reading (it may be the
  // service's group, as with --system), never writing.
  CHECK(Mode(data) == 0750);
  CHECK(Mode(data / "xfnode.db") == 0640);
  Work(node);
  CHECK_MESSAGE(TooOpen(data, 0640, 0750).empty(), TooOpen(data, 0640, 0750));
  // A data dir only its owner may enter: what the node creates is the owner's alone.
  CHECK(node.Stop() == 0);
  ::chmod(data.c_str(), 0700);
  REQUIRE_MESSAGE(node.Start(), node.Log());
  const std::string sha = xf::exchange::Sha256Hex("另一个附件");
  auto r = node.Call("PUT", "/v1/blobs/" + sha, "另一个附件", "application/octet-stream");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  CHECK(Mode(data / "blobs" / sha.substr(0, 2) / sha) == 0600);
}

TEST_CASE("files: init --system gives the data dir to the service's group (0750) and the node keeps files 0640 at most") {
  TempDir dir("xfsys");
  const mode_t old = ::umask(0);
  auto init = Xfctl({"init", "--system", "--root", dir.Path().string(), "--node-id", "110105", "--api-port", "0",
                     "--exchange-port", "0"});
  ::umask(old);
  REQUIRE_MESSAGE(init.status == 0, init.output);
  const fs::path data = dir.Path() / "var" / "lib" / "xfnode";
  CHECK(Mode(data) == 0750);
  const fs::path config = dir.Path() / "etc" / "xfnode" / "xfnode.yaml";
  // Started by hand (as the service would be), under umask 000.
  ::umask(0);
  auto started = RunCommand({"sh", "-c", "\"$XFNODE\" --config '" + config.string() + "' >'" +
                                             (dir.Path() / "xfnode.log").string() + "' 2>&1 & echo $!"});
  ::umask(old);
  REQUIRE(started.status == 0);
  const int pid = std::stoi(started.output);
  REQUIRE_MESSAGE(WaitUntil([&] { return fs::exists(data / "exchange.url"); }, std::chrono::seconds(30)),
                  ReadText(dir.Path() / "xfnode.log"));
  CHECK(Mode(data) == 0750);
  CHECK(Mode(data / "xfnode.db") == 0640);
  CHECK_MESSAGE(TooOpen(data, 0640, 0750).empty(), TooOpen(data, 0640, 0750));
  ::kill(pid, SIGTERM);
  REQUIRE(WaitUntil([&] { return !xf::node::DataDirLock::Holder(data).has_value(); }));
}

TEST_CASE("one writer: offline commands go through a running node, take the lock of a stopped one, refuse a held one") {
  TopologyOptions o;
  o.offline = {"110108"};
  Topology t({"110100", "110108"}, o);
  REQUIRE(t.StartAll());
  const std::string city = t.Dir("110100").string(), county = t.Dir("110108").string();
  std::string error;
  const std::string first = t.RegisterCase("110108", SampleCase(), &error);
  REQUIRE_MESSAGE(!first.empty(), error);
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110108", "110100") == "1"; }));

  // Both running: export, import, receipts and batch get go through the nodes' APIs.
  const fs::path usb1 = t.Root() / "usb1";
  auto exported = Run({"export", "--node", county, "--link", "110100", "--out", usb1.string()}, 0);
  CHECK_MESSAGE(exported.output.find(kThroughNode) != std::string::npos, exported.output);
  auto imported = Run({"import", "--node", city, "--in", usb1.string()}, 0);
  CHECK_MESSAGE(imported.output.find(kThroughNode) != std::string::npos, imported.output);
  CHECK(t.WaitForCase("110100", first, 1));
  Run({"import", "--node", county, "--receipts", (usb1 / "receipts").string()}, 0);
  CHECK(Undelivered(t, "110108", "110100") == "0");
  Run({"batch", "get", "110108-up-1", "--node", city, "--out", (t.Root() / "got1").string()}, 0);
  CHECK(ReadText(t.Root() / "got1" / "110108-up-1.zst") == ReadText(usb1 / "1.batch.zst"));
  // A second xfnode on a running node's data dir is refused, naming the one that runs.
  const char* xfnode = std::getenv("XFNODE");
  auto second = RunCommand({xfnode, "--config", (t.Dir("110100") / "xfnode.yaml").string()});
  CHECK(second.status == 1);
  CHECK_MESSAGE(second.output.find("in use by xfnode 110100 (pid") != std::string::npos, second.output);

  // The city stopped: the same commands open its database themselves, under its lock.
  REQUIRE(t.Stop("110100") == 0);
  const std::string next = t.RegisterCase("110108", SampleCase(), &error);
  REQUIRE_MESSAGE(!next.empty(), error);
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110108", "110100") == "1"; }));
  const fs::path usb2 = t.Root() / "usb2";
  Run({"export", "--node", county, "--link", "110100", "--out", usb2.string()}, 0);
  {
    // Someone else holds the stopped city's data dir: every writer refuses, naming it.
    auto held = xf::node::DataDirLock::Acquire(t.Dir("110100") / "data", "the test's own process");
    REQUIRE(held);
    auto refused = Run({"import", "--node", city, "--in", usb2.string()}, 3);
    CHECK_MESSAGE(refused.output.find("the test's own process") != std::string::npos, refused.output);
    CHECK_MESSAGE(refused.output.find("one process at a time") != std::string::npos, refused.output);
    Run({"batch", "get", "110108-up-1", "--node", city, "--out", (t.Root() / "got2").string()}, 3);
    auto start = RunCommand({xfnode, "--config", (t.Dir("110100") / "xfnode.yaml").string()});
    CHECK(start.status == 1);
    CHECK_MESSAGE(start.output.find("the test's own process") != std::string::npos, start.output);
    auto restore = Xfctl({"restore", (t.Root() / "no-backup").string(), "--node", city, "--force"});
    CHECK(restore.status == 1);
    CHECK_MESSAGE(restore.output.find("the test's own process") != std::string::npos, restore.output);
    CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM batches WHERE origin = '110108'") == "1");
  }
  auto offline = Run({"import", "--node", city, "--in", usb2.string()}, 0);
  CHECK_MESSAGE(offline.output.find(kThroughNode) == std::string::npos, offline.output);
  CHECK_MESSAGE(offline.output.find("已应用（applied），接收 1 条") != std::string::npos, offline.output);
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM batches WHERE origin = '110108'") == "2");
  Run({"batch", "get", "110108-up-2", "--node", city, "--out", (t.Root() / "got2").string()}, 0);
  // The receipts go back to the running county through its API.
  auto receipts = Run({"import", "--node", county, "--receipts", (usb2 / "receipts").string()}, 0);
  CHECK(receipts.output.find("已送达 110100") != std::string::npos);
  CHECK(Undelivered(t, "110108", "110100") == "0");
  // And the city starts again, holding both.
  REQUIRE(t.Start("110100"));
  CHECK(t.HasCase("110100", next));
}

// Idempotent intake against a real xfnode (issue 15): a registration retried
// with its Idempotency-Key — also after the node restarted, and also
// racing its first try — returns the first answer and registers nothing
// new; the key with another body is 422; `xfctl case import` run twice
// (with a restart between) registers every file once.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <thread>

#include "codes/date.h"
#include "test/harness/harness.h"

namespace json = boost::json;
namespace fs = std::filesystem;
using xf::test::NodeProcess;
using xf::test::ReadText;
using xf::test::RunCommandSplit;
using xf::test::SourceDir;
using xf::test::TempDir;

namespace {

std::string Xfctl() { return std::getenv("XFCTL"); }

std::string Sample(const std::string& name) {
  auto o = json::parse(ReadText(SourceDir() / "test" / "data" / "cases" / "valid" / name)).as_object();
  o.erase("registering_body");
  return json::serialize(o);
}

xf::Result<xf::exchange::HttpResponse> Post(const NodeProcess& node, const std::string& path, const std::string& body,
                                            const std::string& key) {
  const std::string url = xf::test::ReadText(node.Dir() / "data" / "api.url");
  xf::exchange::HttpHeaders h{{"authorization", "Bearer " + node.Token()},
                              {"content-type", "application/json"},
                              {"idempotency-key", key}};
  std::string base = url;
  while (!base.empty() && (base.back() == '\n' || base.back() == ' ')) base.pop_back();
  return xf::exchange::HttpCall("POST", base + path, h, body);
}

std::int64_t Cases(const NodeProcess& node) {
  auto r = node.Call("GET", "/v1/status");
  REQUIRE(r);
  return json::parse(r->body).at("cases").as_int64();
}

std::int64_t Events(const NodeProcess& node) {
  auto r = node.Call("GET", "/v1/status");
  REQUIRE(r);
  return json::parse(r->body).at("events").as_int64();
}

}  // namespace

TEST_CASE("Idempotency-Key: the first answer again, after a restart too; another body is 422") {
  TempDir tmp("xf-idem");
  NodeProcess node(tmp.Path() / "county", "110105");
  REQUIRE_MESSAGE(node.Start(), node.Log());
  // The attachment first (a case never waits for its blob).
  const std::string sha = "73e8d8e3e242a85d08a43080aa1c40673a815c8f0a0dfae2a158c3393aa67f79";
  auto up = node.Call("PUT", "/v1/blobs/" + sha, ReadText(SourceDir() / "test" / "data" / "blobs" / sha),
                      "application/octet-stream");
  REQUIRE(up);
  REQUIRE(up->status == 201);

  const std::string body = Sample("visit-property-fee.json");
  auto first = Post(node, "/v1/cases", body, "bureau-system-req-0001");
  REQUIRE(first);
  REQUIRE_MESSAGE(first->status == 201, first->body);
  const std::string case_id(json::parse(first->body).at("case_id").as_string());

  auto again = Post(node, "/v1/cases", body, "bureau-system-req-0001");
  REQUIRE(again);
  CHECK(again->status == 201);
  CHECK(again->body == first->body);
  CHECK(again->headers["idempotent-replayed"] == "true");
  CHECK(Cases(node) == 1);

  // The node stops and starts again: the key was stored with the registration.
  REQUIRE(node.Stop() == 0);
  REQUIRE_MESSAGE(node.Start(), node.Log());
  auto after = Post(node, "/v1/cases", body, "bureau-system-req-0001");
  REQUIRE(after);
  CHECK(after->status == 201);
  CHECK(after->body == first->body);
  CHECK(Cases(node) == 1);

  // The same key with another registration: refused, saying so; nothing registered.
  auto other = Post(node, "/v1/cases", Sample("wechat-night-noise.json"), "bureau-system-req-0001");
  REQUIRE(other);
  CHECK(other->status == 422);
  const auto o = json::parse(other->body).as_object();
  CHECK(o.at("field").as_string() == "Idempotency-Key");
  CHECK(std::string(o.at("message").as_string()).find(case_id) != std::string::npos);
  CHECK(Cases(node) == 1);

  // An event with a key: once, also when eight clients retry it at once.
  const std::string accept = R"({"kind":"acceptance","occurred_at":")" + xf::SystemClock().Now().ToString() +
                             R"(","actor":"张敏","decision":"1"})";
  const std::int64_t events_before = Events(node);
  std::vector<std::thread> clients;
  std::vector<std::string> answers(8);
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      auto r = Post(node, "/v1/cases/" + case_id + "/events", accept, "accept-" + case_id);
      if (r && r->status == 201) answers[static_cast<std::size_t>(i)] = r->body;
    });
  }
  for (auto& c : clients) c.join();
  CHECK(Events(node) == events_before + 1);
  for (const auto& a : answers) {
    CHECK_FALSE(a.empty());
    CHECK(a == answers.front());
  }
}

TEST_CASE("xfctl case import twice, the node restarted between: every file registered once") {
  TempDir tmp("xf-idem-import");
  NodeProcess node(tmp.Path() / "county", "110105");
  REQUIRE_MESSAGE(node.Start(), node.Log());
  const fs::path dir = tmp.Path() / "cases";
  fs::create_directories(dir);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(SourceDir() / "test" / "data" / "cases" / "valid")) {
    std::ofstream(dir / e.path().filename()) << Sample(e.path().filename().string());
    ++files;
  }
  const std::string blobs = (SourceDir() / "test" / "data" / "blobs").string();
  auto one = RunCommandSplit({Xfctl(), "case", "import", dir.string(), "--blobs", blobs, "--node", node.Dir().string()});
  REQUIRE_MESSAGE(one.status == 0, one.out << one.err);
  CHECK(one.out.find("新登记 " + std::to_string(files) + " 件，此前已登记 0 件") != std::string::npos);
  const auto listed = node.Call("GET", "/v1/cases?limit=500");
  REQUIRE(listed);
  std::set<std::string> ids;
  const json::value doc = json::parse(listed->body);
  for (const auto& c : doc.at("cases").as_array()) {
    ids.insert(std::string(c.at("case_id").as_string()));
  }
  CHECK(ids.size() == files);

  REQUIRE(node.Stop() == 0);
  REQUIRE_MESSAGE(node.Start(), node.Log());
  auto two = RunCommandSplit({Xfctl(), "case", "import", dir.string(), "--blobs", blobs, "--node", node.Dir().string()});
  REQUIRE_MESSAGE(two.status == 0, two.out << two.err);
  CHECK(two.out.find("新登记 0 件，此前已登记 " + std::to_string(files) + " 件") != std::string::npos);
  CHECK(Cases(node) == static_cast<std::int64_t>(files));
  // Each line names the case the first run registered.
  for (const auto& id : ids) CHECK(two.out.find("已登记过（未重复登记）" + id) != std::string::npos);

  // A changed file is another registration.
  auto o = json::parse(ReadText(dir / "visit-property-fee.json")).as_object();
  o["summary"] = "信访人补充反映：物业公司仍按新标准收费。";
  std::ofstream(dir / "visit-property-fee.json", std::ios::trunc) << json::serialize(o);
  auto three = RunCommandSplit({Xfctl(), "case", "add", (dir / "visit-property-fee.json").string(), "--blobs", blobs,
                                "--node", node.Dir().string()});
  CHECK(three.status == 0);
  CHECK(three.out.find("已登记 110105-") != std::string::npos);
  CHECK(Cases(node) == static_cast<std::int64_t>(files) + 1);
}

TEST_CASE("xfctl case add --blobs with a missing attachment names it and registers nothing") {
  TempDir tmp("xf-missing-blob");
  NodeProcess node(tmp.Path() / "county", "110105");
  REQUIRE_MESSAGE(node.Start(), node.Log());
  const fs::path empty = tmp.Path() / "blobs";
  fs::create_directories(empty);
  const fs::path file = tmp.Path() / "fee.json";
  std::ofstream(file) << Sample("visit-property-fee.json");
  auto r = RunCommandSplit({Xfctl(), "case", "add", file.string(), "--blobs", empty.string(), "--node",
                            node.Dir().string()});
  CHECK(r.status == 1);
  // Which one, where it was looked for, and that nothing was registered.
  CHECK(r.err.find("未登记") != std::string::npos);
  CHECK(r.err.find("物业费调价通知.pdf") != std::string::npos);
  CHECK(r.err.find("73e8d8e3e242a85d08a43080aa1c40673a815c8f0a0dfae2a158c3393aa67f79") != std::string::npos);
  CHECK(r.err.find(empty.string()) != std::string::npos);
  CHECK(Cases(node) == 0);
  // Found by its name in the folder: uploaded, then registered.
  fs::copy_file(SourceDir() / "test" / "data" / "blobs" / "73e8d8e3e242a85d08a43080aa1c40673a815c8f0a0dfae2a158c3393aa67f79",
                empty / "物业费调价通知.pdf");
  r = RunCommandSplit({Xfctl(), "case", "add", file.string(), "--blobs", empty.string(), "--node",
                       node.Dir().string()});
  CHECK_MESSAGE(r.status == 0, r.err);
  CHECK(Cases(node) == 1);
  // In English, the same.
  fs::remove(empty / "物业费调价通知.pdf");
  auto o = json::parse(ReadText(file)).as_object();
  o["attachments"].as_array()[0].as_object()["sha256"] = "b1bddf6995e88100d801d7651a6526a2d8e84d54206d0bcd2bd16d998b8ea2c3";
  std::ofstream(file, std::ios::trunc) << json::serialize(o);
  r = RunCommandSplit({Xfctl(), "--lang", "en", "case", "add", file.string(), "--blobs", empty.string(), "--node",
                       node.Dir().string()});
  CHECK(r.status == 1);
  CHECK(r.err.find("not registered") != std::string::npos);
  CHECK(r.err.find("b1bddf6995e88100d801d7651a6526a2d8e84d54206d0bcd2bd16d998b8ea2c3") != std::string::npos);
  CHECK(Cases(node) == 1);
}

// The local API over real HTTP against a real xfnode process.
#include <doctest/doctest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "schema/json.h"
#include "schema/validate.h"
#include "schema/xml.h"
#include "test/harness/harness.h"

namespace json = boost::json;
using xf::test::NodeProcess;
using xf::test::ReadText;
using xf::test::SourceDir;
using xf::test::TempDir;

namespace {

std::filesystem::path Cases() { return SourceDir() / "test" / "data" / "cases"; }

// A sample case as this node registers it: the node fills registering_body.
std::string Sample(const std::string& name) {
  auto o = json::parse(ReadText(Cases() / name)).as_object();
  o.erase("registering_body");
  return json::serialize(o);
}

std::vector<std::filesystem::path> Files(const std::filesystem::path& dir, const std::string& ext) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> RuleFields(const std::string& body) {
  std::set<std::string> out;
  const auto doc = json::parse(body);
  for (const auto& v : doc.at("violations").as_array()) {
    out.insert(std::string(v.at("rule").as_string()) + " " + std::string(v.at("field").as_string()));
  }
  return out;
}

std::int64_t CasesHeld(const NodeProcess& node) {
  auto r = node.Call("GET", "/v1/status");
  REQUIRE(r);
  return json::parse(r->body).at("cases").as_int64();
}

// The registration as the node holds it, in canonical JSON; compared with
// what was sent after the same canonicalisation (node-filled fields aside).
std::string Canonical(std::string case_json, const std::string& id, const json::object& got) {
  xf::schema::Violations v;
  auto c = xf::schema::CaseFromJson(case_json, v);
  REQUIRE(c);
  c->case_id = id;
  c->registering_body = std::string(got.at("registering_body").as_string());
  c->registered_at = *xf::Instant::Parse(got.at("registered_at").as_string());
  xf::schema::CompleteIdNumbers(*c);  // the 18-digit form of a 15-digit ID number
  return xf::schema::CaseToJson(*c);
}

// PUT /v1/blobs/{sha256} of one sample attachment (test/data/blobs).
void Upload(const NodeProcess& node, const std::string& sha) {
  auto r = node.Call("PUT", "/v1/blobs/" + sha, ReadText(SourceDir() / "test" / "data" / "blobs" / sha),
                     "application/octet-stream");
  REQUIRE(r);
  REQUIRE_MESSAGE((r->status == 201 || r->status == 200), r->body);
}

const char* kVillageAssetsBlob = "7987561696fd96d317d0726c0463134f139a0f0f15568aa642678442e69ff3bd";

// A running county whose clerk has uploaded every sample attachment
// (test/data/blobs): a case is registered only with its attachments held (R6).
struct RunningNode {
  TempDir dir{"xfapi"};
  NodeProcess node{dir.Path() / "node", "110105"};
  explicit RunningNode(bool sample_blobs = true) {
    REQUIRE_MESSAGE(node.Start(), node.Log());
    if (!sample_blobs) return;
    for (const auto& blob : Files(SourceDir() / "test" / "data" / "blobs", "")) {
      auto r = node.Call("PUT", "/v1/blobs/" + blob.filename().string(), ReadText(blob), "application/octet-stream");
      REQUIRE(r);
      REQUIRE_MESSAGE(r->status == 201, r->body);
    }
  }
};

}  // namespace

TEST_CASE("api: every valid sample is registered (201) and reads back the same") {
  RunningNode n;
  for (const auto& f : Files(Cases() / "valid", ".json")) {
    CAPTURE(f.filename().string());
    const std::string body = Sample("valid/" + f.filename().string());
    auto r = n.node.Call("POST", "/v1/cases", body);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 201, r->body);
    const auto created = json::parse(r->body).as_object();
    const std::string id(created.at("case_id").as_string());
    CHECK(id.rfind("110105-", 0) == 0);
    CHECK(id.size() <= 38);
    CHECK(r->headers["location"] == "/v1/cases/" + id);

    auto back = n.node.Call("GET", "/v1/cases/" + id);
    REQUIRE(back);
    REQUIRE(back->status == 200);
    const auto view = json::parse(back->body).as_object();
    const auto& got = view.at("state").at("case").as_object();
    xf::schema::Violations got_violations;
    auto held = xf::schema::CaseFromJson(json::serialize(got), got_violations);
    REQUIRE(held);
    CHECK(got_violations.empty());
    CHECK(xf::schema::CaseToJson(*held) == Canonical(body, id, got));
    CHECK(view.at("events").as_array().size() == 1);
    CHECK(view.at("events").as_array()[0].at("kind").as_string() == "registration");
  }
}

TEST_CASE("api: each invalid sample gets 422 naming exactly its rules and fields, and is not stored") {
  RunningNode n;
  const auto before = CasesHeld(n.node);
  for (const auto& f : Files(Cases() / "invalid", ".json")) {
    CAPTURE(f.filename().string());
    auto r = n.node.Call("POST", "/v1/cases", Sample("invalid/" + f.filename().string()));
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 422, r->body);
    std::set<std::string> expected;
    std::istringstream lines(ReadText(f.parent_path() / (f.stem().string() + ".expect")));
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line[0] != '#') expected.insert(line);
    }
    CHECK(RuleFields(r->body) == expected);
  }
  CHECK(CasesHeld(n.node) == before);
}

TEST_CASE("api: the rules named in the issue") {
  RunningNode n;
  auto post = [&](const std::string& name) {
    auto r = n.node.Call("POST", "/v1/cases", Sample("invalid/" + name));
    REQUIRE(r);
    REQUIRE(r->status == 422);
    return RuleFields(r->body);
  };
  CHECK(post("r1-six-attachments.json").count("R1 attachments") == 1);
  CHECK(post("r3-id-check-digit.json").count("R3 petitioners[0].id_number") == 1);
  CHECK(post("r2-unknown-content-category.json").count("R2 content_category") == 1);
  const auto three = post("three-violations.json");
  CHECK(three.size() == 3);
  std::set<char> rules;
  for (const auto& x : three) rules.insert(x[1]);
  CHECK(rules == std::set<char>{'1', '2', '3'});
}

TEST_CASE("api: the XML form of a case is accepted") {
  RunningNode n;
  xf::schema::Violations v;
  auto c = xf::schema::CaseFromJson(Sample("valid/letter-village-assets.json"), v);
  REQUIRE(c);
  REQUIRE(v.empty());
  auto r = n.node.Call("POST", "/v1/cases", xf::schema::CaseToXml(*c), "application/xml");
  REQUIRE(r);
  CHECK_MESSAGE(r->status == 201, r->body);
  auto bad = n.node.Call("POST", "/v1/cases", "<case xmlns=\"urn:xfnode:exchange:1\"><oops/>", "application/xml");
  REQUIRE(bad);
  CHECK(bad->status == 400);
}

TEST_CASE("api: bad requests get a clear 4xx and the node keeps serving") {
  RunningNode n;
  const std::string valid = Sample("valid/letter-village-assets.json");
  const std::string wrong = "not-the-token-0123456789";
  const std::string none;

  auto r = n.node.Call("POST", "/v1/cases", "{\"received_date\": ", "application/json");
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(json::parse(r->body).at("message").as_string().size() > 0);

  r = n.node.Call("POST", "/v1/cases", "[1,2,3]");
  REQUIRE(r);
  CHECK(r->status == 400);

  r = n.node.Call("POST", "/v1/cases", std::string(9 * 1024 * 1024, 'x'));
  REQUIRE(r);
  CHECK(r->status == 413);

  r = n.node.Call("POST", "/v1/cases", valid, "application/json", &none);
  REQUIRE(r);
  CHECK(r->status == 401);
  r = n.node.Call("POST", "/v1/cases", valid, "application/json", &wrong);
  REQUIRE(r);
  CHECK(r->status == 401);
  r = n.node.Call("GET", "/v1/cases/110105-2026-0000001", "", "application/json", &wrong);
  REQUIRE(r);
  CHECK(r->status == 401);

  r = n.node.Call("DELETE", "/v1/cases");
  REQUIRE(r);
  CHECK(r->status == 405);
  r = n.node.Call("GET", "/v1/nothing-here");
  REQUIRE(r);
  CHECK(r->status == 404);
  r = n.node.Call("GET", "/v1/cases/110105-2026-9999999");
  REQUIRE(r);
  CHECK(r->status == 404);

  CHECK(CasesHeld(n.node) == 0);
  CHECK(n.node.Running());
  r = n.node.Call("POST", "/v1/cases", valid);
  REQUIRE(r);
  CHECK(r->status == 201);
  r = n.node.Call("GET", "/healthz", "", "application/json", &none);
  REQUIRE(r);
  CHECK(r->status == 200);
}

TEST_CASE("api: workflow events, attachments, status and metrics") {
  RunningNode n(false);
  Upload(n.node, kVillageAssetsBlob);
  auto r = n.node.Call("POST", "/v1/cases", Sample("valid/letter-village-assets.json"));
  REQUIRE(r);
  REQUIRE(r->status == 201);
  const std::string id(json::parse(r->body).at("case_id").as_string());

  r = n.node.Call("POST", "/v1/cases/" + id + "/events",
                  R"({"kind":"acceptance","occurred_at":"2026-01-05T10:00:00+08:00","actor":"李受理","decision":"1","body":"110105"})");
  REQUIRE(r);
  CHECK_MESSAGE(r->status == 201, r->body);
  r = n.node.Call("POST", "/v1/cases/" + id + "/events",
                  R"({"kind":"acceptance","occurred_at":"2026-01-05T10:00:00+08:00","actor":"李受理","decision":"zz"})");
  REQUIRE(r);
  CHECK(r->status == 422);
  r = n.node.Call("POST", "/v1/cases/110105-2026-0999999/events",
                  R"({"kind":"closure","occurred_at":"2026-01-05T10:00:00+08:00","actor":"李受理","summary":"已办结"})");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(RuleFields(r->body).count("R6 case_id") == 1);

  auto view = n.node.Call("GET", "/v1/cases/" + id);
  REQUIRE(view);
  const auto v = json::parse(view->body);
  CHECK(v.at("state").at("status").as_string() == "accepted");
  CHECK(v.at("events").as_array().size() == 2);

  const std::string content = "附件内容：村集体资产台账照片";
  const std::string sha = "0000000000000000000000000000000000000000000000000000000000000000";
  r = n.node.Call("PUT", "/v1/blobs/" + sha, content, "application/octet-stream");
  REQUIRE(r);
  CHECK(r->status == 422);
  auto blobs = Files(SourceDir() / "test" / "data" / "blobs", "");
  REQUIRE(!blobs.empty());
  const std::string real = ReadText(blobs.front());
  r = n.node.Call("PUT", "/v1/blobs/" + blobs.front().filename().string(), real, "application/octet-stream");
  REQUIRE(r);
  CHECK(r->status == 201);
  r = n.node.Call("PUT", "/v1/blobs/" + blobs.front().filename().string(), real, "application/octet-stream");
  REQUIRE(r);
  CHECK(r->status == 200);

  auto status = n.node.Call("GET", "/v1/status");
  REQUIRE(status);
  const auto s = json::parse(status->body);
  CHECK(s.at("node_id").as_string() == "110105");
  CHECK(s.at("cases").as_int64() == 1);
  CHECK(s.at("events").as_int64() == 2);
  CHECK(s.at("blobs").as_int64() == 2);

  auto metrics = n.node.Call("GET", "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->content_type.find("text/plain") == 0);
  CHECK(metrics->body.find("xfnode_cases_registered_total 1\n") != std::string::npos);
  CHECK(metrics->body.find("xfnode_rejections_total{rule=\"R6\"} 1\n") != std::string::npos);
  auto page = n.node.Call("GET", "/");
  REQUIRE(page);
  CHECK(page->content_type.find("text/html") == 0);
  CHECK(page->body.find("110105") != std::string::npos);
}

TEST_CASE("api: a case acknowledged with 201 survives SIGKILL right after") {
  TempDir dir("xfkill");
  NodeProcess node(dir.Path() / "node", "110105");
  std::vector<std::string> ids;
  const std::string body = Sample("valid/letter-village-assets.json");
  for (int round = 0; round < 5; ++round) {
    REQUIRE_MESSAGE(node.Start(), node.Log());
    if (round == 0) Upload(node, kVillageAssetsBlob);
    auto r = node.Call("POST", "/v1/cases", body);
    REQUIRE(r);
    REQUIRE(r->status == 201);
    ids.emplace_back(json::parse(r->body).at("case_id").as_string());
    node.Kill();  // no orderly shutdown: only what was committed remains
  }
  REQUIRE_MESSAGE(node.Start(), node.Log());
  for (const auto& id : ids) {
    CAPTURE(id);
    auto r = node.Call("GET", "/v1/cases/" + id);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  std::set<std::string> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());
}

TEST_CASE("api: a wrong configuration fails at start with the file, the line and what is wrong") {
  TempDir dir("xfconf");
  NodeProcess node(dir.Path() / "node", "110105");
  std::string yaml = ReadText(node.ConfigFile());
  const auto pos = yaml.find("  port: 0");
  REQUIRE(pos != std::string::npos);
  yaml.replace(pos, 9, "  port: eighty");
  {
    std::ofstream out(node.ConfigFile(), std::ios::trunc);
    out << yaml;
  }
  const auto r = xf::test::RunCommand({std::getenv("XFNODE"), "--config", node.ConfigFile().string()});
  CHECK(r.status == 1);
  CHECK(r.output.find(node.ConfigFile().string() + ":") != std::string::npos);
  CHECK(r.output.find("port must be a whole number") != std::string::npos);
}

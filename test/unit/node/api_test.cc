// node/api.h: the local API, called in-process with HttpRequest values (the
// real-HTTP tests live in test/integration). A real code book, a real store
// in a temp dir and manual time.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exchange/crypto.h"
#include "node/api.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "test/unit/node/node_fixture.h"
#include "xf/source_dir.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;
using testing::At;
using testing::ReadFile;
using testing::TempDir;

const std::string kToken = "t0k3n-for-tests-only";
const fs::path kCases = fs::path(XF_SOURCE_DIR) / "test" / "data" / "cases";
const fs::path kBlobs = fs::path(XF_SOURCE_DIR) / "test" / "data" / "blobs";

class Fixture {
 public:
  // With `sample_blobs`, the node holds every attachment of test/data/blobs
  // already (as if uploaded), so that the sample cases register (R6).
  explicit Fixture(bool sample_blobs = true) : m_blobs(m_dir / "blobs") {
    m_config.node_id = "110105";
    m_config.name = "北京市朝阳区信访局";
    m_config.tier = Tier::kCounty;
    m_config.data_dir = m_dir.path();
    auto store = Store::Open(m_dir / "node.db", m_clock);
    REQUIRE_MESSAGE(store.ok(), store.error().message);
    m_store = std::move(store).value();
    m_api = std::make_unique<Api>(ApiContext{m_config, testing::Book(), *m_store, m_blobs, m_clock, kToken});
    if (sample_blobs) {
      for (const auto& e : fs::directory_iterator(kBlobs)) {
        const std::string sha = e.path().filename().string();
        REQUIRE(m_blobs.PutFile(sha, e.path()));
        REQUIRE(m_store->RecordBlob(sha, fs::file_size(e.path())));
      }
    }
  }

  HttpResponse Call(const std::string& method, const std::string& target, const std::string& body = "",
                    exchange::HttpHeaders headers = {{"authorization", "Bearer " + kToken}}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers = std::move(headers);
    if (!body.empty() && !r.headers.count("content-type")) r.headers["content-type"] = "application/json";
    r.peer = "127.0.0.1:50000";
    return m_api->Handle(r);
  }
  HttpResponse Handle(const HttpRequest& r) { return m_api->Handle(r); }
  HttpResponse Anonymous(const std::string& method, const std::string& target, const std::string& body = "") {
    return Call(method, target, body, {});
  }

  Store& store() { return *m_store; }
  ManualClock& clock() { return m_clock; }
  NodeConfig& config() { return m_config; }
  const BlobStore& blobs() const { return m_blobs; }

 private:
  TempDir m_dir;
  ManualClock m_clock{At("2026-06-01T02:00:00Z")};
  NodeConfig m_config;
  BlobStore m_blobs;
  std::unique_ptr<Store> m_store;
  std::unique_ptr<Api> m_api;
};

json::object Body(const HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  REQUIRE_MESSAGE(!ec, "not JSON: " << r.body);
  REQUIRE_MESSAGE(v.is_object(), r.body);
  return v.as_object();
}

// A response header, whatever the case of its name.
std::string Header(const HttpResponse& r, std::string name) {
  for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const auto& [k, v] : r.headers) {
    std::string lower = k;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (lower == name) return v;
  }
  return "";
}

// The sample with its registering_body removed: the samples come from
// several bodies, and a node registers only its own cases.
std::string Sample(const fs::path& file) {
  json::object o = json::parse(ReadFile(file)).as_object();
  o.erase("registering_body");
  return json::serialize(o);
}

std::set<std::string> RuleFields(const json::object& body) {
  std::set<std::string> out;
  for (const auto& v : body.at("violations").as_array()) {
    const auto& o = v.as_object();
    out.insert(std::string(o.at("rule").as_string()) + " " + std::string(o.at("field").as_string()));
    CHECK_FALSE(o.at("message").as_string().empty());
  }
  return out;
}

std::set<std::string> Expected(const fs::path& file) {
  std::set<std::string> out;
  std::istringstream in(ReadFile(file));
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.insert(line);
  }
  return out;
}

// Every key of `sent` is in `got` with the same value; objects compared
// the same way, recursively (the node may add fields it fills itself).
bool Contains(const json::value& got, const json::value& sent, const std::string& path, std::string& why) {
  if (sent.is_object()) {
    if (!got.is_object()) return why = path + " is not an object", false;
    for (const auto& kv : sent.as_object()) {
      const auto* g = got.as_object().if_contains(kv.key());
      const std::string sub = path + "." + std::string(kv.key());
      // An empty list may be written as no list at all.
      if (g == nullptr && kv.value().is_array() && kv.value().as_array().empty()) continue;
      if (g == nullptr) return why = sub + " is missing", false;
      if (!Contains(*g, kv.value(), sub, why)) return false;
    }
    return true;
  }
  if (sent.is_array()) {
    if (sent.as_array().empty() && got.is_null()) return true;
    if (!got.is_array() || got.as_array().size() != sent.as_array().size()) {
      return why = path + " differs in length", false;
    }
    for (std::size_t i = 0; i < sent.as_array().size(); ++i) {
      if (!Contains(got.as_array()[i], sent.as_array()[i], path + "[" + std::to_string(i) + "]", why)) {
        return false;
      }
    }
    return true;
  }
  if (got != sent) return why = path + ": " + json::serialize(got) + " != " + json::serialize(sent), false;
  return true;
}

// The value of one sample line of the Prometheus text, -1 when absent.
long long Metric(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return std::stoll(line.substr(series.size() + 1));
  }
  return -1;
}

// PUT /v1/blobs/{sha256} of every attachment a case (JSON) names, from test/data/blobs:
// a case is registered only with its attachments held (R6, issue 12).
void UploadAttachments(Fixture& f, const std::string& case_json) {
  const auto v = json::parse(case_json);
  if (!v.is_object() || !v.as_object().contains("attachments")) return;
  for (const auto& a : v.at("attachments").as_array()) {
    const std::string sha(a.at("sha256").as_string());
    const HttpResponse r = f.Call("PUT", "/v1/blobs/" + sha, ReadFile(kBlobs / sha));
    REQUIRE_MESSAGE((r.status == 201 || r.status == 200), r.body);
  }
}

std::string RegisterOne(Fixture& f, const std::string& json_body = "") {
  const std::string body =
      json_body.empty() ? Sample(kCases / "valid" / "visit-property-fee.json") : json_body;
  UploadAttachments(f, body);
  const HttpResponse r = f.Call("POST", "/v1/cases", body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(Body(r).at("case_id").as_string());
}

TEST_CASE("api: /v1/ needs the bearer token") {
  Fixture f;
  const std::string body = Sample(kCases / "valid" / "visit-property-fee.json");
  const std::pair<const char*, exchange::HttpHeaders> attempts[] = {
      {"no header", {}},
      {"wrong token", {{"authorization", "Bearer wrong"}}},
      {"token with a suffix", {{"authorization", "Bearer " + kToken + "x"}}},
      {"token as a prefix", {{"authorization", "Bearer " + kToken.substr(0, 5)}}},
      {"bare token", {{"authorization", kToken}}},
      {"another scheme", {{"authorization", "Basic " + kToken}}},
      {"empty", {{"authorization", ""}}},
  };
  for (const auto& [what, headers] : attempts) {
    CAPTURE(what);
    const HttpResponse r = f.Call("POST", "/v1/cases", body, headers);
    CHECK(r.status == 401);
    CHECK(Body(r).at("error").is_string());
    CHECK(Header(r, "WWW-Authenticate").find("Bearer") != std::string::npos);
    // The answer does not echo the token.
    CHECK(r.body.find(kToken) == std::string::npos);
    CHECK(f.Call("GET", "/v1/status", "", headers).status == 401);
    CHECK(f.Call("GET", "/v1/cases/110105-2026-0000001", "", headers).status == 401);
    CHECK(f.Call("PUT", "/v1/blobs/" + std::string(64, 'a'), "x", headers).status == 401);
  }
  CHECK(f.store().Stats().cases == 0);
  // With the token it goes through.
  CHECK(f.Call("GET", "/v1/status").status == 200);
}

TEST_CASE("api: an empty configured token lets nobody in") {
  TempDir dir;
  ManualClock clock(At("2026-06-01T02:00:00Z"));
  NodeConfig config;
  config.node_id = "110105";
  auto store = Store::Open(dir / "node.db", clock);
  REQUIRE(store.ok());
  const BlobStore blobs(dir / "blobs");
  Api api(ApiContext{config, testing::Book(), **store, blobs, clock, ""});
  HttpRequest r;
  r.method = "GET";
  r.target = "/v1/status";
  r.headers["authorization"] = "Bearer ";
  CHECK(api.Handle(r).status == 401);
}

TEST_CASE("api: /healthz, /metrics and / need no token") {
  Fixture f;
  const HttpResponse h = f.Anonymous("GET", "/healthz");
  CHECK(h.status == 200);
  CHECK(Body(h).at("status").as_string() == "ok");
  const HttpResponse m = f.Anonymous("GET", "/metrics");
  CHECK(m.status == 200);
  CHECK(m.content_type.rfind("text/plain", 0) == 0);
  const HttpResponse page = f.Anonymous("GET", "/");
  CHECK(page.status == 200);
  CHECK(page.content_type.rfind("text/html", 0) == 0);
  CHECK(page.body.find("110105") != std::string::npos);
}

TEST_CASE("api: every valid sample registers with 201, a minted id and its Location") {
  Fixture f;
  const auto files = testing::FilesWithExtension(kCases / "valid", ".json");
  REQUIRE(files.size() >= 10);
  std::set<std::string> ids;
  std::map<int, int> per_year;  // case numbers are counted per registration year
  int n = 0;
  for (const auto& file : files) {
    CAPTURE(file);
    const std::string sent = Sample(file);
    json::object sent_obj = json::parse(sent).as_object();
    // A registration time given by the caller is kept (and names the year);
    // otherwise it is the node's clock.
    Instant registered = f.clock().Now();
    if (const auto* t = sent_obj.if_contains("registered_at")) {
      const auto parsed = Instant::Parse(t->as_string());
      REQUIRE(parsed.has_value());
      registered = *parsed;
      sent_obj["registered_at"] = registered.ToString();  // read back in UTC
    }
    const HttpResponse r = f.Call("POST", "/v1/cases", sent);
    REQUIRE_MESSAGE(r.status == 201, r.body);
    ++n;
    const json::object body = Body(r);
    const std::string id(body.at("case_id").as_string());
    const int year = registered.ToDate().year;
    char expected[32];
    std::snprintf(expected, sizeof expected, "110105-%04d-%07d", year, ++per_year[year]);
    CHECK(id == expected);
    CHECK(Header(r, "Location") == "/v1/cases/" + id);
    CHECK(body.at("event_id").as_string() == "110105:" + std::to_string(n));
    CHECK(body.at("registered_at").as_string() == registered.ToString());
    ids.insert(id);

    // GET gives back what was sent, with the node's own fields filled in.
    const HttpResponse g = f.Call("GET", Header(r, "Location"));
    REQUIRE_MESSAGE(g.status == 200, g.body);
    const json::object view = Body(g);
    CHECK(view.at("case_id").as_string() == id);
    const json::object& state = view.at("state").as_object();
    CHECK(state.at("status").as_string() == "registered");
    const json::value& stored_case = state.at("case");
    std::string why;
    CHECK_MESSAGE(Contains(stored_case, sent_obj, "case", why), why);
    CHECK(stored_case.at("case_id").as_string() == id);
    CHECK(stored_case.at("registering_body").as_string() == "110105");
    CHECK(stored_case.at("registered_at").as_string() == registered.ToString());
    const json::array& events = view.at("events").as_array();
    REQUIRE(events.size() == 1);
    CHECK(events[0].at("kind").as_string() == "registration");
    CHECK(events[0].at("id").as_string() == "110105:" + std::to_string(n));
    CHECK(events[0].at("recorded_at").as_string() == f.clock().Now().ToString());
    CHECK_MESSAGE(Contains(events[0].at("body"), sent_obj, "body", why), why);
    f.clock().Advance(30);
  }
  CHECK(ids.size() == files.size());
  CHECK(f.store().Stats().cases == static_cast<std::int64_t>(files.size()));
}

TEST_CASE("api: a sample that names this node as registering body registers too") {
  Fixture f;
  json::object o = json::parse(ReadFile(kCases / "valid" / "visit-property-fee.json")).as_object();
  o["registering_body"] = "110105";
  CHECK(f.Call("POST", "/v1/cases", json::serialize(o)).status == 201);
}

TEST_CASE("api: a case registered by another body is refused") {
  Fixture f;
  // The sample as it is names 440106 as its registering body.
  const HttpResponse r =
      f.Call("POST", "/v1/cases", ReadFile(kCases / "valid" / "online-unpaid-wages.json"));
  CHECK(r.status == 422);
  CHECK(RuleFields(Body(r)) == std::set<std::string>{"R3 registering_body"});
  CHECK(f.store().Stats().cases == 0);
}

TEST_CASE("api: each invalid sample gives 422 with exactly its expected violations") {
  Fixture f;
  const auto files = testing::FilesWithExtension(kCases / "invalid", ".json");
  REQUIRE(files.size() >= 10);
  for (const auto& file : files) {
    CAPTURE(file);
    fs::path expect = file;
    expect.replace_extension(".expect");
    REQUIRE(fs::exists(expect));
    const HttpResponse r = f.Call("POST", "/v1/cases", Sample(file));
    CHECK(r.status == 422);
    const json::object body = Body(r);
    CHECK(body.at("error").is_string());
    CHECK(RuleFields(body) == Expected(expect));
  }
  CHECK(f.store().Stats().cases == 0);
  CHECK(f.store().Stats().events == 0);
}

TEST_CASE("api: malformed bodies are 400 and store nothing") {
  Fixture f;
  const char* const bodies[] = {"{", "not json", "[]", "\"a string\"", "{\"summary\": }", "{} {}"};
  for (const char* b : bodies) {
    CAPTURE(std::string(b));
    const HttpResponse r = f.Call("POST", "/v1/cases", b);
    CHECK(r.status == 400);
    const json::object body = Body(r);
    CHECK(body.at("error").is_string());
    CHECK(body.at("message").is_string());
  }
  // An empty body, and malformed events.
  CHECK(f.Call("POST", "/v1/cases", "", {{"authorization", "Bearer " + kToken}}).status == 400);
  const std::string id = RegisterOne(f);
  CHECK(f.Call("POST", "/v1/cases/" + id + "/events", "{\"kind\":").status == 400);
  CHECK(f.Call("POST", "/v1/cases/" + id + "/events", "[1]").status == 400);
  CHECK(f.Call("PUT", "/v1/blobs/not-a-hash", "x").status == 400);
  CHECK(f.store().Stats().cases == 1);
  CHECK(f.store().Stats().events == 1);
}

TEST_CASE("api: wrong methods are 405") {
  Fixture f;
  const std::string id = RegisterOne(f);
  const std::pair<const char*, std::string> wrong[] = {
      {"PUT", "/v1/cases"},
      {"DELETE", "/v1/cases"},
      {"DELETE", "/v1/cases/" + id},
      {"POST", "/v1/cases/" + id},
      {"GET", "/v1/cases/" + id + "/events"},
      {"DELETE", "/v1/blobs/" + std::string(64, 'a')},
      {"POST", "/v1/blobs/" + std::string(64, 'a')},
      {"POST", "/v1/status"},
      {"POST", "/healthz"},
      {"DELETE", "/metrics"},
      {"POST", "/"},
  };
  for (const auto& [method, target] : wrong) {
    CAPTURE(method);
    CAPTURE(target);
    const HttpResponse r = f.Call(method, target, "");
    CHECK(r.status == 405);
    CHECK(Body(r).at("error").is_string());
  }
  // Nothing changed.
  CHECK(f.store().Stats().cases == 1);
  CHECK(f.store().Stats().events == 1);
}

TEST_CASE("api: a 405 says which methods are allowed") {
  // RFC 9110 §15.5.6: a 405 carries an Allow header.
  Fixture f;
  CHECK(Header(f.Call("PUT", "/v1/cases"), "Allow") == "GET, POST");  // GET lists, POST registers
  CHECK(Header(f.Call("POST", "/healthz"), "Allow").find("GET") != std::string::npos);
  CHECK(Header(f.Call("POST", "/v1/blobs/" + std::string(64, 'a')), "Allow") == "HEAD, GET, PUT");
  CHECK(Header(f.Call("GET", "/v1/cases/110105-2026-0000001/events"), "Allow") == "POST");
  CHECK(Header(f.Call("DELETE", "/v1/cases/110105-2026-0000001"), "Allow") == "GET");
  CHECK(Header(f.Call("POST", "/metrics"), "Allow") == "GET");
}

TEST_CASE("api: unknown paths are 404") {
  Fixture f;
  const std::string id = RegisterOne(f);
  CHECK(f.Anonymous("GET", "/v2/cases").status == 404);
  CHECK(f.Anonymous("GET", "/favicon.ico").status == 404);
  CHECK(f.Call("GET", "/v1/nothing").status == 404);
  CHECK(f.Call("GET", "/v1").status == 404);
  CHECK(f.Call("POST", "/v1/cases/" + id + "/events/1", "{}").status == 404);
  CHECK(f.Call("GET", "/v1/cases/" + id + "/attachments").status == 404);
  const HttpResponse missing = f.Call("GET", "/v1/cases/110105-2026-9999999");
  CHECK(missing.status == 404);
  CHECK(Body(missing).at("message").as_string().find("110105-2026-9999999") != std::string::npos);
  CHECK(f.Call("GET", "/v1/cases/").status == 404);
}

TEST_CASE("api: a query string does not change the route") {
  Fixture f;
  CHECK(f.Call("GET", "/v1/status?verbose=1").status == 200);
  CHECK(f.Anonymous("GET", "/healthz?probe=k8s").status == 200);
}

TEST_CASE("api: a case posted as XML registers like JSON") {
  Fixture f;
  schema::Violations v;
  auto c = schema::CaseFromJson(Sample(kCases / "valid" / "wechat-night-noise.json"), v);
  REQUIRE(c.ok());
  REQUIRE(v.empty());
  const HttpResponse r = f.Call("POST", "/v1/cases", schema::CaseToXml(*c),
                                {{"authorization", "Bearer " + kToken}, {"content-type", "application/xml"}});
  CHECK_MESSAGE(r.status == 201, r.body);
  CHECK(f.Call("POST", "/v1/cases", "<case", {{"authorization", "Bearer " + kToken},
                                              {"content-type", "application/xml"}}).status == 400);
}

TEST_CASE("api: a caller's case id must be this node's and unique") {
  Fixture f;
  json::object o = json::parse(Sample(kCases / "valid" / "visit-property-fee.json")).as_object();
  o["case_id"] = "110106-2026-0000001";
  HttpResponse r = f.Call("POST", "/v1/cases", json::serialize(o));
  CHECK(r.status == 422);
  CHECK(RuleFields(Body(r)).count("R3 case_id") == 1);

  o["case_id"] = "110105-2026-0000500";
  r = f.Call("POST", "/v1/cases", json::serialize(o));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(Body(r).at("case_id").as_string() == "110105-2026-0000500");
  r = f.Call("POST", "/v1/cases", json::serialize(o));
  CHECK(r.status == 409);
  CHECK(f.store().Stats().cases == 1);
}

TEST_CASE("api: a minted id never lands on a case registered with a chosen id") {
  // Regression: minting used to reuse a number a client had chosen, and the
  // second case was merged into the first with a 201.
  Fixture f;
  json::object o = json::parse(Sample(kCases / "valid" / "visit-property-fee.json")).as_object();
  o["case_id"] = "110105-2026-0000001";
  REQUIRE(f.Call("POST", "/v1/cases", json::serialize(o)).status == 201);
  const HttpResponse r = f.Call("POST", "/v1/cases", Sample(kCases / "valid" / "wechat-night-noise.json"));
  if (r.status == 201) CHECK(Body(r).at("case_id").as_string() != "110105-2026-0000001");
  CHECK(f.store().Stats().events == f.store().Stats().cases);
}

TEST_CASE("api: posting workflow events") {
  Fixture f;
  const std::string id = RegisterOne(f);
  f.clock().Advance(3600);

  const HttpResponse acc = f.Call("POST", "/v1/cases/" + id + "/events",
                                  R"({"kind":"acceptance","occurred_at":"2026-06-01T11:00:00+08:00","actor":"张敏","decision":"1","body":"110105"})");
  REQUIRE_MESSAGE(acc.status == 201, acc.body);
  json::object b = Body(acc);
  CHECK(b.at("case_id").as_string() == id);
  CHECK(b.at("event_id").as_string() == "110105:2");
  CHECK(b.at("kind").as_string() == "acceptance");

  const HttpResponse g = f.Call("GET", "/v1/cases/" + id);
  REQUIRE(g.status == 200);
  const json::object view = Body(g);
  CHECK(view.at("state").at("status").as_string() == "accepted");
  CHECK(view.at("state").at("accepted_at").as_string() == f.clock().Now().ToString());
  const json::array& events = view.at("events").as_array();
  REQUIRE(events.size() == 2);
  CHECK(events[1].at("kind").as_string() == "acceptance");
  CHECK(events[1].at("origin").as_string() == "110105");
  CHECK(events[1].at("case_id").as_string() == id);

  SUBCASE("an event for an unknown case is 404 with an R6 violation") {
    const HttpResponse r = f.Call("POST", "/v1/cases/110105-2026-0009999/events",
                                  R"({"kind":"acceptance","occurred_at":"2026-06-01T11:00:00+08:00","actor":"张敏","decision":"1"})");
    CHECK(r.status == 404);
    CHECK(RuleFields(Body(r)) == std::set<std::string>{"R6 case_id"});
    CHECK(f.store().Stats().events == 2);
    CHECK(Metric(f.Anonymous("GET", "/metrics").body, "xfnode_rejections_total{rule=\"R6\"}") == 1);
  }
  SUBCASE("an event with a bad code is 422 R2 and not stored") {
    const HttpResponse r = f.Call("POST", "/v1/cases/" + id + "/events",
                                  R"({"kind":"acceptance","occurred_at":"2026-06-01T11:00:00+08:00","actor":"张敏","decision":"9"})");
    CHECK(r.status == 422);
    CHECK(RuleFields(Body(r)).count("R2 decision") == 1);
    CHECK(f.store().Stats().events == 2);
  }
  SUBCASE("a registration is not an event") {
    CHECK(f.Call("POST", "/v1/cases/" + id + "/events",
                 "{\"kind\":\"registration\"," + Sample(kCases / "valid" / "visit-property-fee.json").substr(1))
              .status == 422);
    CHECK(f.store().Stats().events == 2);
  }
  SUBCASE("an unknown kind is refused") {
    const HttpResponse r = f.Call("POST", "/v1/cases/" + id + "/events",
                                  R"({"kind":"approval","occurred_at":"2026-06-01T11:00:00+08:00","actor":"x"})");
    CHECK(r.status == 422);
    CHECK(f.store().Stats().events == 2);
  }
  SUBCASE("a correction that cannot be applied is stored and shows as a problem") {
    const HttpResponse r = f.Call(
        "POST", "/v1/cases/" + id + "/events",
        R"({"kind":"correction","occurred_at":"2026-06-01T11:00:00+08:00","actor":"张敏","supersedes":"110105:1","reason":"录入错误",)"
        R"("fields":[{"path":"petitioners[7].phone","value":"010-65001234"}]})");
    REQUIRE_MESSAGE(r.status == 201, r.body);
    const json::object v = Body(f.Call("GET", "/v1/cases/" + id));
    CHECK(v.at("state").at("problems").as_array().size() == 1);
  }
}

TEST_CASE("api: events that contradict the case's history are 422 with rule R7, and the case shows its clocks") {
  Fixture f;
  auto calendar = codes::Calendar::FromBook(testing::Book());
  REQUIRE(calendar.ok());
  auto shared = std::make_shared<const codes::Calendar>(std::move(calendar).value());
  f.store().SetChronology(shared, codes::Counting::kCalendarDays);
  json::object sample = json::parse(Sample(kCases / "valid" / "visit-property-fee.json")).as_object();
  sample["received_date"] = "2026-05-08";
  sample.erase("registered_at");
  sample.erase("due_date");
  const std::string id = RegisterOne(f, json::serialize(sample));
  const std::string events = "/v1/cases/" + id + "/events";
  auto refused = [&](const std::string& body, const std::string& field) {
    const HttpResponse r = f.Call("POST", events, body);
    CHECK_MESSAGE(r.status == 422, r.body);
    const json::object b = Body(r);
    CHECK(RuleFields(b) == std::set<std::string>{"R7 " + field});
    return std::string(b.at("violations").as_array()[0].at("message").as_string());
  };
  CHECK(refused(R"({"kind":"acceptance","occurred_at":"2026-05-01T10:00:00+08:00","actor":"张敏","decision":"1"})",
                "occurred_at")
            .find("早于信访日期") != std::string::npos);
  CHECK(refused(R"({"kind":"closure","occurred_at":"2026-06-01T10:00:00+08:00","actor":"张敏"})", "occurred_at")
            .find("没有本节点所存的受理决定") != std::string::npos);
  REQUIRE(f.Call("POST", events,
                 R"({"kind":"acceptance","occurred_at":"2026-05-12T10:00:00+08:00","actor":"张敏","decision":"1"})")
              .status == 201);
  const std::string extension =
      R"({"kind":"extension","occurred_at":"2026-06-01T09:00:00+08:00","actor":"张敏","days":30,)"
      R"("reason":"需实地核查","approver":"陈主任","notified_on":"2026-06-01"})";
  const HttpResponse first = f.Call("POST", events, extension);
  REQUIRE_MESSAGE(first.status == 201, first.body);
  CHECK(refused(extension, "kind").find("第二次延期") != std::string::npos);
  CHECK(refused(R"({"kind":"review","occurred_at":"2026-06-01T10:00:00+08:00","actor":"张敏","step":"request"})",
                "occurred_at")
            .find("没有本节点所存的书面答复意见") != std::string::npos);
  CHECK(f.store().Stats().events == 3);  // the registration, the acceptance, the extension
  CHECK(Metric(f.Anonymous("GET", "/metrics").body, "xfnode_rejections_total{rule=\"R7\"}") == 4);

  // The clocks, by hand: received Friday 8 May 2026 + 15 = Saturday 23 May → Monday 25;
  // accepted 12 May + 60 = Saturday 11 July → Monday 13 July, extended by 30 to 12 August.
  Api api(ApiContext{f.config(), testing::Book(), f.store(), f.blobs(), f.clock(), kToken, nullptr, shared.get()});
  HttpRequest get;
  get.method = "GET";
  get.target = "/v1/cases/" + id;
  get.headers["authorization"] = "Bearer " + kToken;
  const json::object view = Body(api.Handle(get));
  std::map<std::string, json::object> clocks;
  for (const auto& c : view.at("clocks").as_array()) clocks[std::string(c.at("clock").as_string())] = c.as_object();
  REQUIRE(clocks.size() == 3);
  CHECK(clocks["route"].at("due").as_string() == "2026-05-25");
  CHECK(clocks["route"].at("met").as_string() == "2026-05-12");
  CHECK(clocks["accept_notice"].at("start").as_string() == "2026-05-08");
  CHECK(clocks["accept_notice"].at("due").as_string() == "2026-05-25");
  CHECK(clocks["handle"].at("start").as_string() == "2026-05-12");
  CHECK(clocks["handle"].at("due").as_string() == "2026-08-12");
  CHECK(clocks["handle"].at("extension_days").as_int64() == 30);
  CHECK(clocks["handle"].at("met").is_null());
  CHECK(clocks["handle"].at("overdue_days").as_int64() == 0);
  CHECK(clocks["handle"].at("calendar_complete").as_bool());
}

TEST_CASE("api: an unknown event kind is reported as such") {
  Fixture f;
  const std::string id = RegisterOne(f);
  const HttpResponse r = f.Call("POST", "/v1/cases/" + id + "/events",
                                R"({"kind":"approval","occurred_at":"2026-06-01T11:00:00+08:00","actor":"x"})");
  CHECK(r.status == 422);
  CHECK(r.body.find("registration") == std::string::npos);
  const json::object body = Body(r);
  REQUIRE(body.contains("violations"));
  CHECK(RuleFields(body).count("R3 kind") == 1);
  CHECK(Metric(f.Anonymous("GET", "/metrics").body, "xfnode_rejections_total{rule=\"R3\"}") == 1);
}

TEST_CASE("api: uploading attachments") {
  Fixture f(false);
  const std::string hash = "7987561696fd96d317d0726c0463134f139a0f0f15568aa642678442e69ff3bd";
  const std::string bytes = ReadFile(kBlobs / hash);
  REQUIRE(exchange::Sha256Hex(bytes) == hash);

  HttpResponse r = f.Call("PUT", "/v1/blobs/" + hash, bytes);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(Body(r).at("stored").as_bool());
  CHECK(Body(r).at("size").to_number<std::int64_t>() == static_cast<std::int64_t>(bytes.size()));
  CHECK(f.blobs().Has(hash));
  CHECK(f.store().HasBlob(hash));

  r = f.Call("PUT", "/v1/blobs/" + hash, bytes);
  CHECK(r.status == 200);
  CHECK_FALSE(Body(r).at("stored").as_bool());
  CHECK(f.store().Stats().blobs == 1);

  const std::string other = "c3d96e9a55d3" + std::string(52, '0');  // not the hash of the bytes
  r = f.Call("PUT", "/v1/blobs/" + other, bytes);
  CHECK(r.status == 422);
  CHECK(RuleFields(Body(r)) == std::set<std::string>{"R1 sha256"});
  CHECK_FALSE(f.blobs().Has(other));
  CHECK_FALSE(f.store().HasBlob(other));

  // Uppercase hex and empty bodies are malformed.
  std::string upper = hash;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  CHECK(f.Call("PUT", "/v1/blobs/" + upper, bytes).status == 400);
  CHECK(f.Call("PUT", "/v1/blobs/" + exchange::Sha256Hex(""), "").status == 400);
  CHECK(f.Call("PUT", "/v1/blobs/" + hash + "/x", bytes).status == 400);

  // Over the R1 size limit.
  f.config().limits.max_attachment_bytes = 4;
  const std::string big = "12345";
  CHECK(f.Call("PUT", "/v1/blobs/" + exchange::Sha256Hex(big), big).status == 413);
  CHECK_FALSE(f.blobs().Has(exchange::Sha256Hex(big)));
  CHECK(f.store().Stats().blobs == 1);
}

TEST_CASE("api: wrong bytes for a hash already stored are still refused") {
  Fixture f(false);
  const std::string bytes = "附件一";
  const std::string hash = exchange::Sha256Hex(bytes);
  REQUIRE(f.Call("PUT", "/v1/blobs/" + hash, bytes).status == 201);
  const HttpResponse r = f.Call("PUT", "/v1/blobs/" + hash, "附件二");
  CHECK(r.status == 422);
  CHECK(*f.blobs().Get(hash) == bytes);
}

TEST_CASE("api: a blob on disk but not recorded is recorded on upload") {
  // E.g. a crash between writing the file and recording it.
  Fixture f(false);
  const std::string bytes = "附件二";
  const std::string hash = exchange::Sha256Hex(bytes);
  REQUIRE(f.blobs().Put(hash, bytes).ok());
  const HttpResponse r = f.Call("PUT", "/v1/blobs/" + hash, bytes);
  CHECK(r.status == 201);
  CHECK(f.store().HasBlob(hash));
}

// Issue 12: a record never names an attachment that no node holds.
TEST_CASE("api: a case or a handling event naming an attachment not held here is refused (R6), naming it") {
  Fixture f(false);
  const std::string body = Sample(kCases / "valid" / "visit-property-fee.json");
  const std::string sha = std::string(json::parse(body).at("attachments").at(0).at("sha256").as_string());
  HttpResponse r = f.Call("POST", "/v1/cases", body);
  REQUIRE(r.status == 422);
  CHECK(RuleFields(Body(r)) == std::set<std::string>{"R6 attachments[0].sha256"});
  CHECK_MESSAGE(r.body.find(sha) != std::string::npos, r.body);
  CHECK(f.store().Stats().cases == 0);
  // Uploaded, it registers.
  UploadAttachments(f, body);
  r = f.Call("POST", "/v1/cases", body);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  const std::string id(Body(r).at("case_id").as_string());
  // A size that is not the held attachment's is R1.
  auto o = json::parse(body).as_object();
  o["attachments"].as_array()[0].as_object()["size"] = 1;
  r = f.Call("POST", "/v1/cases", json::serialize(o));
  REQUIRE(r.status == 422);
  CHECK(RuleFields(Body(r)) == std::set<std::string>{"R1 attachments[0].size"});
  // A handling result's attachments likewise.
  const std::string missing = exchange::Sha256Hex("答复意见书（未上传）");
  const std::string handling =
      R"({"kind":"handling","occurred_at":"2026-05-20T10:00:00+08:00","actor":"李明","method":"040100",)"
      R"("body":"区农业农村局","reply":"已答复。","attachments":[{"sha256":")" + missing +
      R"(","size":30,"media_type":"application/pdf","name":"答复意见书.pdf"}]})";
  r = f.Call("POST", "/v1/cases/" + id + "/events", handling);
  REQUIRE(r.status == 422);
  CHECK(RuleFields(Body(r)) == std::set<std::string>{"R6 attachments[0].sha256"});
  CHECK(f.store().Stats().events == 1);
}

TEST_CASE("api: first_nationally (全国初次) omitted is stored as not known, never as true") {
  Fixture f;
  auto o = json::parse(Sample(kCases / "valid" / "visit-property-fee.json")).as_object();
  o.erase("first_nationally");
  const std::string id = RegisterOne(f, json::serialize(o));
  auto view = f.store().GetCase(id);
  REQUIRE(view);
  REQUIRE(view->events.size() == 1);
  CHECK(view->events[0].xml.find("first_nationally") == std::string::npos);
  const auto& c = std::get<schema::CaseRegistration>(view->events[0].event.body);
  CHECK_FALSE(c.first_nationally.has_value());
  const HttpResponse r = f.Call("GET", "/v1/cases/" + id);
  REQUIRE(r.status == 200);
  CHECK_FALSE(Body(r).at("state").at("case").as_object().contains("first_nationally"));
  // Given, it is kept as given.
  o["first_nationally"] = false;
  auto given = f.store().GetCase(RegisterOne(f, json::serialize(o)));
  REQUIRE(given);
  CHECK(given->events[0].xml.find("<first_nationally>false</first_nationally>") != std::string::npos);
}

TEST_CASE("api: text with a Unicode non-character is refused with 422, not stored changed") {
  Fixture f;
  auto o = json::parse(Sample(kCases / "valid" / "visit-property-fee.json")).as_object();
  o["summary"] = "物业费\xEF\xBF\xBE问题";  // U+FFFE
  HttpResponse r = f.Call("POST", "/v1/cases", json::serialize(o));
  REQUIRE(r.status == 422);
  CHECK(RuleFields(Body(r)) == std::set<std::string>{"R3 summary"});
  CHECK_MESSAGE(r.body.find("非字符 U+FFFE") != std::string::npos, r.body);
  // The same as the JSON escape a client would send, and U+FDD0 in a name.
  r = f.Call("POST", "/v1/cases", R"({"summary":"a\uFFFFb"})");
  CHECK(RuleFields(Body(r)).count("R3 summary") == 1);
  o["summary"] = "物业费问题";
  o["petitioners"].as_array()[0].as_object()["name"] = "张\xEF\xB7\x90三";
  r = f.Call("POST", "/v1/cases", json::serialize(o));
  REQUIRE(r.status == 422);
  CHECK(RuleFields(Body(r)) == std::set<std::string>{"R3 petitioners[0].name"});
  CHECK(f.store().Stats().cases == 0);
}

TEST_CASE("api: an attachment in parts: HEAD says what was received, Content-Range appends, the whole is hashed") {
  Fixture f(false);
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes += "附件第" + std::to_string(i) + "行\n";
  const std::string sha = exchange::Sha256Hex(bytes);
  const std::string total = std::to_string(bytes.size());
  auto head = f.Call("HEAD", "/v1/blobs/" + sha);
  CHECK(head.status == 404);
  CHECK(Header(head, "X-Xf-Received") == "0");
  const std::size_t cut = 10000;
  HttpRequest part;
  part.method = "PUT";
  part.target = "/v1/blobs/" + sha;
  part.headers = {{"authorization", "Bearer " + kToken},
                  {"content-range", "bytes 0-" + std::to_string(cut - 1) + "/" + total}};
  part.body = bytes.substr(0, cut);
  HttpResponse r = f.Handle(part);
  REQUIRE_MESSAGE(r.status == 202, r.body);
  CHECK(Header(r, "X-Xf-Received") == std::to_string(cut));
  head = f.Call("HEAD", "/v1/blobs/" + sha);
  CHECK(head.status == 404);
  CHECK(Header(head, "X-Xf-Received") == std::to_string(cut));
  // A part that does not start where the node stands: 409 with where it stands.
  part.headers["content-range"] = "bytes 5-" + std::to_string(cut + 4) + "/" + total;
  part.body = bytes.substr(5, cut);
  r = f.Handle(part);
  CHECK(r.status == 409);
  CHECK(Header(r, "X-Xf-Received") == std::to_string(cut));
  part.headers["content-range"] = "bytes " + std::to_string(cut) + "-" + std::to_string(bytes.size() - 1) + "/" + total;
  part.body = bytes.substr(cut);
  r = f.Handle(part);
  REQUIRE_MESSAGE(r.status == 201, r.body);
  CHECK(f.blobs().Has(sha));
  CHECK(f.store().HasBlob(sha));
  CHECK(*f.blobs().Get(sha) == bytes);
  head = f.Call("HEAD", "/v1/blobs/" + sha);
  CHECK(head.status == 200);
  CHECK(Header(head, "X-Xf-Received") == total);
  // GET gives it back, whole or a range.
  CHECK(f.Call("GET", "/v1/blobs/" + sha).body_file == f.blobs().PathOf(sha));
  HttpRequest get{"GET", "/v1/blobs/" + sha, {{"authorization", "Bearer " + kToken}, {"range", "bytes=3-9"}}};
  r = f.Handle(get);
  CHECK(r.status == 206);
  CHECK(Header(r, "Content-Range") == "bytes 3-9/" + total);
  CHECK(r.body == bytes.substr(3, 7));
  get.headers["range"] = "bytes=" + total + "-";
  r = f.Handle(get);
  CHECK(r.status == 416);
  CHECK(Header(r, "Content-Range") == "bytes */" + total);
}

TEST_CASE("api: /metrics counts registrations and rejections") {
  Fixture f;
  std::string m = f.Anonymous("GET", "/metrics").body;
  CHECK(m.find("# TYPE xfnode_cases_registered_total counter") != std::string::npos);
  CHECK(Metric(m, "xfnode_cases_registered_total") == 0);
  for (int rule = 1; rule <= 6; ++rule) {
    CHECK(Metric(m, "xfnode_rejections_total{rule=\"R" + std::to_string(rule) + "\"}") == 0);
  }

  RegisterOne(f);
  RegisterOne(f);
  // Six attachments: R1 once.
  CHECK(f.Call("POST", "/v1/cases", Sample(kCases / "invalid" / "r1-six-attachments.json")).status == 422);
  // R1, R2 and R3 once each.
  CHECK(f.Call("POST", "/v1/cases", Sample(kCases / "invalid" / "three-violations.json")).status == 422);
  CHECK(f.Anonymous("POST", "/v1/cases", "{}").status == 401);
  CHECK(f.Call("POST", "/v1/cases", "{").status == 400);

  m = f.Anonymous("GET", "/metrics").body;
  CHECK(Metric(m, "xfnode_cases_registered_total") == 2);
  CHECK(Metric(m, "xfnode_events_recorded_total") == 2);
  CHECK(Metric(m, "xfnode_rejections_total{rule=\"R1\"}") == 2);
  CHECK(Metric(m, "xfnode_rejections_total{rule=\"R2\"}") == 1);
  CHECK(Metric(m, "xfnode_rejections_total{rule=\"R3\"}") == 1);
  CHECK(Metric(m, "xfnode_rejections_total{rule=\"R6\"}") == 0);
  CHECK(Metric(m, "xfnode_http_unauthorised_total") == 1);
  CHECK(Metric(m, "xfnode_http_bad_requests_total") == 1);
  CHECK(Metric(m, "xfnode_cases") == 2);
  CHECK(Metric(m, "xfnode_schema_version") == Store::LatestSchemaVersion());
  CHECK(Metric(m, "xfnode_http_requests_total") >= 7);

  f.clock().Advance(90);
  CHECK(Metric(f.Anonymous("GET", "/metrics").body, "xfnode_uptime_seconds") == 90);
}

TEST_CASE("api: /v1/status reports the node and its store") {
  Fixture f;
  RegisterOne(f);
  const json::object s = Body(f.Call("GET", "/v1/status"));
  CHECK(s.at("node_id").as_string() == "110105");
  CHECK(s.at("tier").as_string() == "county");
  CHECK(s.at("cases").to_number<std::int64_t>() == 1);
  CHECK(s.at("events").to_number<std::int64_t>() == 1);
  CHECK(s.at("schema_version").to_number<std::int64_t>() == Store::LatestSchemaVersion());
  CHECK(s.at("now").as_string() == "2026-06-01T02:00:00Z");
  CHECK(s.at("code_version").as_string() == testing::Book().Version());
  REQUIRE(s.at("origins").as_array().size() == 1);
  CHECK(s.at("origins").as_array()[0].at("last_seq").to_number<std::int64_t>() == 1);
}

TEST_CASE("api: nothing refused is stored") {
  Fixture f;
  RegisterOne(f);
  const StoreStats before = f.store().Stats();
  for (const auto& file : testing::FilesWithExtension(kCases / "invalid", ".json")) {
    CHECK(f.Call("POST", "/v1/cases", Sample(file)).status == 422);
  }
  CHECK(f.Anonymous("POST", "/v1/cases", Sample(kCases / "valid" / "wechat-night-noise.json")).status == 401);
  CHECK(f.Call("POST", "/v1/cases", "{").status == 400);
  // GET lists the cases (a body is not a registration).
  CHECK(f.Call("GET", "/v1/cases", Sample(kCases / "valid" / "wechat-night-noise.json")).status == 200);
  CHECK(f.Call("POST", "/v1/cases/110105-2026-0009999/events", R"({"kind":"closure","occurred_at":"2026-06-01T11:00:00+08:00","actor":"x"})").status ==
        404);
  const StoreStats after = f.store().Stats();
  CHECK(after.cases == before.cases);
  CHECK(after.events == before.events);
  CHECK(after.blobs == before.blobs);
  REQUIRE(after.origins.size() == 1);
  CHECK(after.origins[0].last_seq == before.origins[0].last_seq);
}

TEST_CASE("api: Handle from several threads at once") {
  Fixture f;
  const std::string body = Sample(kCases / "valid" / "wechat-night-noise.json");
  constexpr int kThreads = 4, kEach = 10;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<int> failures(kThreads, 0);
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          HttpRequest r;
          r.method = "POST";
          r.target = "/v1/cases";
          r.body = body;
          r.headers["authorization"] = "Bearer " + kToken;
          const HttpResponse resp = f.Handle(r);
          if (resp.status != 201) {
            ++failures[static_cast<std::size_t>(t)];
            continue;
          }
          ids[static_cast<std::size_t>(t)].push_back(
              std::string(json::parse(resp.body).at("case_id").as_string()));
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  std::set<std::string> all;
  for (int t = 0; t < kThreads; ++t) {
    CHECK(failures[static_cast<std::size_t>(t)] == 0);
    all.insert(ids[static_cast<std::size_t>(t)].begin(), ids[static_cast<std::size_t>(t)].end());
  }
  CHECK(all.size() == kThreads * kEach);
  CHECK(Metric(f.Anonymous("GET", "/metrics").body, "xfnode_cases_registered_total") == kThreads * kEach);
}

TEST_CASE("api: the status page escapes what it shows") {
  Fixture f;
  f.config().name = "<script>alert(1)</script>";
  const HttpResponse page = f.Anonymous("GET", "/");
  CHECK(page.body.find("<script>") == std::string::npos);
  CHECK(page.body.find("&lt;script&gt;") != std::string::npos);
}


TEST_CASE("api: words in Chinese by default, in English with Accept-Language: en; rule and field the same") {
  Fixture f;
  auto o = json::parse(Sample(kCases / "valid" / "visit-property-fee.json")).as_object();
  o.erase("registering_body");
  o["summary"] = "";
  o["channel"] = "999";
  const std::string body = json::serialize(o);
  const exchange::HttpHeaders auth{{"authorization", "Bearer " + kToken}};
  auto with = [&](const std::string& language) {
    exchange::HttpHeaders h = auth;
    if (!language.empty()) h["accept-language"] = language;
    return h;
  };
  auto message_of = [](const json::object& b, const std::string& field) {
    for (const auto& v : b.at("violations").as_array()) {
      if (v.at("field").as_string() == field) return std::string(v.at("message").as_string());
    }
    return std::string("(no violation of ") + field + ")";
  };
  // 422: each violation's message in the language asked for, rule and field alike.
  const HttpResponse zh = f.Call("POST", "/v1/cases", body, with(""));
  const HttpResponse zh_cn = f.Call("POST", "/v1/cases", body, with("zh-CN,zh;q=0.9,en;q=0.8"));
  const HttpResponse en = f.Call("POST", "/v1/cases", body, with("en-US,en;q=0.9"));
  REQUIRE(zh.status == 422);
  REQUIRE(en.status == 422);
  CHECK(RuleFields(Body(zh)) == RuleFields(Body(en)));
  CHECK(RuleFields(Body(zh)) == std::set<std::string>{"R2 channel", "R3 summary"});
  CHECK(message_of(Body(zh), "summary") == "概况为必填项");
  CHECK(message_of(Body(zh_cn), "summary") == "概况为必填项");
  CHECK(message_of(Body(en), "summary") == "summary (概况) is required");
  CHECK(message_of(Body(zh), "channel").find("代码表中无此代码 [unknown_code]") != std::string::npos);
  CHECK(message_of(Body(en), "channel").find("no such code in the table [unknown_code]") != std::string::npos);
  CHECK(zh.body.find("message_en") == std::string::npos);  // one language per answer
  CHECK(en.body.find("message_en") == std::string::npos);
  // 404 and 405: the same.
  const HttpResponse missing_zh = f.Call("GET", "/v1/cases/110105-2026-9999999", "", with(""));
  const HttpResponse missing_en = f.Call("GET", "/v1/cases/110105-2026-9999999", "", with("en"));
  REQUIRE(missing_zh.status == 404);
  REQUIRE(missing_en.status == 404);
  CHECK(Body(missing_zh).at("message").as_string() == "本节点没有信访件 110105-2026-9999999");
  CHECK(Body(missing_en).at("message").as_string().find("110105-2026-9999999") != std::string::npos);
  CHECK(Body(missing_en).at("message").as_string().find("本节点") == std::string::npos);
  CHECK(Body(missing_zh).at("error").as_string() == Body(missing_en).at("error").as_string());
  CHECK(Body(f.Call("GET", "/v1/nothing", "", with(""))).at("message").as_string() == "没有这个接口：/v1/nothing");
  CHECK(Body(f.Call("GET", "/v1/nothing", "", with("en"))).at("message").as_string() ==
        "no such endpoint: /v1/nothing");
  CHECK(Body(f.Call("DELETE", "/v1/status", "", with(""))).at("message").as_string() == "请使用 GET");
  CHECK(Body(f.Call("DELETE", "/v1/status", "", with("en"))).at("message").as_string() == "use GET");
  // 401 before the token is checked.
  CHECK(Body(f.Call("GET", "/v1/status", "", {})).at("message").as_string().find("令牌") != std::string::npos);
  CHECK(Body(f.Call("GET", "/v1/status", "", {{"accept-language", "en"}}))
            .at("message")
            .as_string()
            .find("bearer token") != std::string::npos);
}

}  // namespace
}  // namespace xf::node

// node/api_cases.cc: GET /v1/cases (parameters, refusals, labels, paging)
// and Idempotency-Key on POST /v1/cases and /v1/cases/{id}/events.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "node/api.h"
#include "node/store.h"
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
  explicit Fixture(bool sample_blobs = true) : m_blobs(m_dir / "blobs") {
    m_config.node_id = "110105";
    m_config.tier = Tier::kCounty;
    m_config.data_dir = m_dir.path();
    auto store = Store::Open(m_dir / "xfnode.db", m_clock);
    REQUIRE_MESSAGE(store.ok(), store.error().message);
    m_store = std::move(store).value();
    m_api = std::make_unique<Api>(ApiContext{m_config, testing::Book(), *m_store, m_blobs, m_clock, kToken});
    if (sample_blobs) {
      for (const auto& e : fs::directory_iterator(kBlobs)) Hold(e.path().filename().string());
    }
  }
  void Hold(const std::string& sha) {
    REQUIRE(m_blobs.PutFile(sha, kBlobs / sha));
    REQUIRE(m_store->RecordBlob(sha, fs::file_size(kBlobs / sha)));
  }
  HttpResponse Call(const std::string& method, const std::string& target, const std::string& body = "",
                    exchange::HttpHeaders extra = {}) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers = std::move(extra);
    r.headers["authorization"] = "Bearer " + kToken;
    if (!body.empty() && !r.headers.count("content-type")) r.headers["content-type"] = "application/json";
    return m_api->Handle(r);
  }
  Store& store() { return *m_store; }

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
  return v.as_object();
}

// A sample as this node registers it (the samples come from several bodies).
std::string Sample(const std::string& name) {
  auto o = json::parse(ReadFile(kCases / "valid" / name)).as_object();
  o.erase("registering_body");
  return json::serialize(o);
}

std::string Register(Fixture& f, const std::string& name) {
  const HttpResponse r = f.Call("POST", "/v1/cases", Sample(name));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(Body(r).at("case_id").as_string());
}

}  // namespace

TEST_CASE("GET /v1/cases: rows with labels, filters in the query, refusals naming the parameter") {
  Fixture f;
  const std::string a = Register(f, "visit-property-fee.json");         // 2025-04-08, 030204
  const std::string b = Register(f, "letter-village-assets.json");      // 2025-03-12, 010101
  const std::string c = Register(f, "letter-first-generation-id.json");  // a 15-digit ID number
  auto all = Body(f.Call("GET", "/v1/cases"));
  CHECK(all.at("total").as_int64() == 3);
  const auto& rows = all.at("cases").as_array();
  REQUIRE(rows.size() == 3);
  const auto& first = rows[0].as_object();
  CHECK(first.at("received_date").as_string() >= rows[1].as_object().at("received_date").as_string());
  for (const auto& x : rows) {
    const auto& o = x.as_object();
    CHECK_FALSE(o.at("status_label").as_string().empty());
    CHECK(o.at("status_label").as_string() == "已登记");
    CHECK_FALSE(o.at("content_category_label").as_string().empty());
    CHECK(o.at("overdue").as_bool());  // received in 2025, never routed: overdue on 2026-06-01
    CHECK(o.at("next_due").as_object().at("clock").as_string() == "route");
  }
  // In English with Accept-Language.
  auto en = Body(f.Call("GET", "/v1/cases?limit=1", "", {{"accept-language", "en-GB,en;q=0.8"}}));
  CHECK(en.at("cases").as_array()[0].as_object().at("status_label").as_string() == "registered");
  CHECK_FALSE(en.at("next_cursor").is_null());

  // Category by level, dates, the first-generation ID number in both forms.
  CHECK(Body(f.Call("GET", "/v1/cases?category=03")).at("total").as_int64() == 1);
  CHECK(Body(f.Call("GET", "/v1/cases?received_from=2025-03-12&received_to=2025-04-07")).at("total").as_int64() >= 1);
  auto gen1 = json::parse(ReadFile(kCases / "valid" / "letter-first-generation-id.json")).as_object();
  std::string id15;
  for (const auto& p : gen1.at("petitioners").as_array()) {
    const std::string id(p.as_object().at("id_number").as_string());
    if (id.size() == 15) id15 = id;
  }
  REQUIRE(id15.size() == 15);
  const std::string id18 = schema::IdNumber18(id15);
  for (const std::string& form : {id15, id18}) {
    auto by = Body(f.Call("GET", "/v1/cases?petitioner=" + form));
    CAPTURE(form);
    REQUIRE(by.at("total").as_int64() == 1);
    CHECK(by.at("cases").as_array()[0].as_object().at("case_id").as_string() == c);
  }
  (void)a;
  (void)b;

  struct Bad {
    std::string query, field;
    int status;
  };
  for (const Bad& x : std::vector<Bad>{{"stauts=accepted", "stauts", 400},
                                       {"status=acepted", "status", 400},
                                       {"received_from=2025-13-01", "received_from", 400},
                                       {"overdue=maybe", "overdue", 400},
                                       {"category=0302x", "category", 400},
                                       {"category=031", "category", 400},
                                       {"petitioner=12345", "petitioner", 400},
                                       {"limit=0", "limit", 400},
                                       {"limit=501", "limit", 400},
                                       {"cursor=nonsense", "cursor", 400},
                                       {"received_from=2025-05-01&received_to=2025-04-01", "received_to", 400},
                                       {"duplicate=true", "duplicate", 501}}) {
    CAPTURE(x.query);
    const HttpResponse r = f.Call("GET", "/v1/cases?" + x.query);
    CHECK(r.status == x.status);
    const auto o = Body(r);
    CHECK(o.at("field").as_string() == x.field);
    CHECK_FALSE(o.at("message").as_string().empty());
  }
  // Percent-encoded values are decoded.
  CHECK(Body(f.Call("GET", "/v1/cases?status=registered%2Caccepted")).at("total").as_int64() == 3);
}

TEST_CASE("Idempotency-Key: a retry gets the first answer; another body under the key is 422; a refusal stores nothing") {
  Fixture f(false);
  const std::string body = Sample("visit-property-fee.json");
  const std::string sha = "73e8d8e3e242a85d08a43080aa1c40673a815c8f0a0dfae2a158c3393aa67f79";
  const exchange::HttpHeaders key{{"idempotency-key", "import-1"}};

  // Refused (its attachment is not held): nothing stored under the key.
  const HttpResponse refused = f.Call("POST", "/v1/cases", body, key);
  CHECK(refused.status == 422);
  CHECK_FALSE(*f.store().FindIdempotent("import-1"));
  // Uploaded, then the same request with the same key registers.
  f.Hold(sha);
  const HttpResponse first = f.Call("POST", "/v1/cases", body, key);
  REQUIRE_MESSAGE(first.status == 201, first.body);
  const HttpResponse again = f.Call("POST", "/v1/cases", body, key);
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(again.headers.at("Idempotent-Replayed") == "true");
  CHECK(again.headers.at("Location") == first.headers.at("Location"));
  CHECK(f.store().Stats().cases == 1);

  // The same key with another body: 422, naming the key and the case it registered.
  const HttpResponse other = f.Call("POST", "/v1/cases", Sample("letter-village-assets.json"), key);
  CHECK(other.status == 422);
  const auto o = Body(other);
  CHECK(o.at("field").as_string() == "Idempotency-Key");
  CHECK(std::string(o.at("message").as_string()).find(std::string(Body(first).at("case_id").as_string())) !=
        std::string::npos);
  CHECK(f.store().Stats().cases == 1);
  // The key on another route is another request too.
  const std::string id(Body(first).at("case_id").as_string());
  CHECK(f.Call("POST", "/v1/cases/" + id + "/events",
               R"({"kind":"acceptance","occurred_at":"2026-05-31T09:00:00+08:00","actor":"张敏","decision":"1"})", key)
            .status == 422);

  // Events: the retry of an acceptance adds nothing.
  const exchange::HttpHeaders event_key{{"idempotency-key", "accept-" + id}};
  const std::string accept =
      R"({"kind":"acceptance","occurred_at":"2026-05-31T09:00:00+08:00","actor":"张敏","decision":"1"})";
  const HttpResponse e1 = f.Call("POST", "/v1/cases/" + id + "/events", accept, event_key);
  REQUIRE_MESSAGE(e1.status == 201, e1.body);
  const HttpResponse e2 = f.Call("POST", "/v1/cases/" + id + "/events", accept, event_key);
  CHECK(e2.status == 201);
  CHECK(e2.body == e1.body);
  CHECK(f.store().Stats().events == 2);

  // Malformed keys.
  CHECK(f.Call("POST", "/v1/cases", body, {{"idempotency-key", std::string(201, 'k')}}).status == 400);
  CHECK(f.Call("POST", "/v1/cases", body, {{"idempotency-key", "with space"}}).status == 400);
  CHECK(f.store().Stats().cases == 1);
}

}  // namespace xf::node

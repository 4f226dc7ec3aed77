// Upward conformance summaries (node/summary.h) between real xfnode
// processes: national 100000 ← province 110000 ← county 110105. Each node
// below national signs its own report and sends it up; the province forwards
// the county's unchanged, so the national holds both, each verifiable with
// its origin's key, and lists them in its report; its drill-down shows each
// one's account beside its own computation, the signature verified again.
// Forged, misaddressed and outdated summaries are refused or ignored.
#include <doctest/doctest.h>

#include <boost/json.hpp>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace ex = xf::exchange;
using xf::test::Query;
using xf::test::QueryOne;
using xf::test::Topology;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

struct Answer {
  int status = 0;
  std::string body;
};

// POSTs a summary to `to` with `from`'s TLS identity.
Answer PostSummary(Topology& t, const std::string& from, const std::string& to, const std::string& origin,
                   const std::string& body, const std::string& signature) {
  ex::HttpClientOptions opts;
  const auto keys = t.Dir(from) / "keys";
  opts.tls = ex::TlsFiles{(keys / "tls.crt").string(), (keys / "tls.key").string(),
                          (t.Dir(to) / "keys" / "tls.crt").string(), false};
  opts.expected_server_cn = to;
  auto r = ex::HttpCall("POST", t.ExchangeUrl(to) + "/v1/exchange/summaries",
                        {{"content-type", "application/json"},
                         {"x-xf-origin", origin},
                         {"x-xf-signature", ex::Base64Encode(signature)}},
                        body, opts);
  REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
  return {r->status, r->body};
}

std::string Sign(Topology& t, const std::string& id, const std::string& body) {
  auto key = ex::PrivateKey::LoadPem(t.Dir(id) / "keys" / "signing.key");
  REQUIRE(key);
  auto sig = ex::SignBytes(*key, body);
  REQUIRE(sig);
  return *sig;
}

}  // namespace

TEST_CASE("summaries travel up signed by their origin and appear in the national report") {
  Topology t({"100000", "110000", "110105"});
  REQUIRE(t.StartAll());
  const auto national = t.Dir("100000");

  // Both nodes below sign a summary at their first tick; the province
  // forwards the county's as it came.
  REQUIRE(WaitUntil([&] {
    return QueryOne(national, "SELECT count(*) FROM summaries WHERE origin IN ('110000','110105')") == "2";
  }));
  const auto rows = Query(national, "SELECT origin, received_from, json, signature FROM summaries ORDER BY origin");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0][0] == "110000");
  CHECK(rows[0][1] == "110000");
  CHECK(rows[1][0] == "110105");
  CHECK(rows[1][1] == "110000");  // came through the province
  // The county's bytes at national are what the county holds, and verify with its key.
  const auto at_county =
      QueryOne(t.Dir("110105"), "SELECT json FROM summaries WHERE origin = '110105'");
  CHECK(rows[1][2] == at_county);
  auto county_key = ex::PublicKey::LoadPem(t.Dir("110105") / "keys" / "signing.pub");
  REQUIRE(county_key);
  CHECK(ex::VerifyBytes(*county_key, rows[1][2], rows[1][3]));
  const auto county_summary = json::parse(rows[1][2]).as_object();
  CHECK(county_summary.at("node_id").as_string() == "110105");
  CHECK(county_summary.at("reported").as_array().empty());
  // The province's summary names its child's subtree.
  const auto province_summary = json::parse(rows[0][2]).as_object();
  REQUIRE(province_summary.at("subtrees").as_array().size() == 1);
  CHECK(province_summary.at("subtrees").as_array()[0].at("id").as_string() == "110105");

  // The national report lists both, with the scores they reported.
  auto report = Xfctl({"conformance", "--node", national.string(), "--format", "json"});
  REQUIRE_MESSAGE(report.status == 0, report.output);
  const auto r = json::parse(report.output).as_object();
  const auto& reported = r.at("reported").as_array();
  REQUIRE(reported.size() == 2);
  CHECK(reported[0].at("origin").as_string() == "110000");
  CHECK(reported[1].at("origin").as_string() == "110105");
  CHECK(reported[1].at("received_from").as_string() == "110000");
  bool subtree_seen = false;
  for (const auto& s : reported[0].at("scores").as_array()) {
    if (s.at("subtree").as_bool() && s.at("id").as_string() == "110105") subtree_seen = true;
  }
  CHECK(subtree_seen);

  // The drill-down shows each child's own account beside the national's
  // computation, its signature checked again with the key held here.
  auto account_of = [](const json::object& report, const std::string& id) -> const json::value* {
    for (const auto& row : report.at("tree").at("rows").as_array()) {
      if (row.at("id").as_string() == id) return &row.at("account");
    }
    return nullptr;
  };
  const auto* province = account_of(r, "110000");
  REQUIRE(province != nullptr);
  REQUIRE(province->is_object());
  CHECK(province->at("verified").as_bool());
  CHECK(province->at("readable").as_bool());
  CHECK(province->at("received_from").as_string() == "110000");
  auto city_page = Xfctl(
      {"conformance", "--node", national.string(), "--node-id", "110100", "--format", "json"});
  REQUIRE_MESSAGE(city_page.status == 0, city_page.output);
  const auto c = json::parse(city_page.output).as_object();
  const auto* county = account_of(c, "110105");
  REQUIRE(county != nullptr);
  REQUIRE(county->is_object());
  CHECK(county->at("verified").as_bool());
  CHECK(county->at("received_from").as_string() == "110000");
  auto html = Xfctl({"conformance", "--node", national.string(), "--format", "html"});
  REQUIRE(html.status == 0);
  CHECK(html.output.find("<tr data-account-node=\"110000\" data-verified=\"true\"") !=
        std::string::npos);

  // Refusals, each with its reason, and nothing stored.
  const std::string forged = rows[1][2];
  auto a = PostSummary(t, "110000", "100000", "110105", forged, Sign(t, "110000", forged));
  CHECK(a.status == 403);
  CHECK(a.body.find("does not verify") != std::string::npos);
  a = PostSummary(t, "110000", "100000", "120000", forged, Sign(t, "110000", forged));
  CHECK(a.status == 403);
  CHECK(a.body.find("outside its subtree") != std::string::npos);
  a = PostSummary(t, "100000", "110000", "100000", forged, Sign(t, "100000", forged));
  CHECK(a.status == 403);
  CHECK(a.body.find("not a child") != std::string::npos);
  // The county's real summary with another node id or time in it.
  auto with = [&](const char* key, const std::string& value) {
    auto o = json::parse(forged).as_object();
    o[key] = value;
    return json::serialize(o);
  };
  // Signed by the county but claiming to be the province's summary.
  const std::string claimed = with("node_id", "110000");
  a = PostSummary(t, "110000", "100000", "110105", claimed, Sign(t, "110105", claimed));
  CHECK(a.status == 403);
  // A genuine but older summary changes nothing.
  const std::string old_body = with("now", "2020-01-01T00:00:00Z");
  a = PostSummary(t, "110000", "100000", "110105", old_body, Sign(t, "110105", old_body));
  CHECK(a.status == 200);
  CHECK(a.body.find("\"stored\":false") != std::string::npos);
  CHECK(QueryOne(national, "SELECT json FROM summaries WHERE origin = '110105'") == forged);
  // Issue 12: a newer but empty summary, properly signed by its origin, is
  // refused and does not replace the report held.
  const auto held_now = *xf::Instant::Parse(json::parse(forged).at("now").as_string());
  const std::string empty =
      R"({"node_id":"110105","now":")" + xf::Instant{held_now.seconds + 1}.ToString() + R"("})";
  a = PostSummary(t, "110000", "100000", "110105", empty, Sign(t, "110105", empty));
  CHECK(a.status == 400);
  CHECK_MESSAGE(a.body.find("empty summary is not stored") != std::string::npos, a.body);
  CHECK(QueryOne(national, "SELECT json FROM summaries WHERE origin = '110105'") == forged);
}

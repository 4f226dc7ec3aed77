// Issue 12, holes 4 and 5. A forged event — another origin's in a county's
// up batch, or a batch whose signature does not verify — is charged to the
// node that sent it, not to the origin it names: in the rejections table
// and in the conformance report, at the city and at the province it is
// forwarded to. A held or duplicate batch keeps its records' rejection
// reasons, in its receipt and in the local API (GET /v1/batches/{id}).
// Real xfnode processes on loopback; the county 110105 is played here.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <map>

#include "test/harness/craft.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace ex = xf::exchange;
using xf::test::ClientAs;
using xf::test::CraftAcceptance;
using xf::test::CraftBatch;
using xf::test::CraftRegistration;
using xf::test::PostBatch;
using xf::test::QueryOne;
using xf::test::SigningKeyOf;
using xf::test::Topology;
using xf::test::WaitUntil;

namespace {

// Rejections per node in the conformance report's origins (total), only
// for nodes with any.
std::map<std::string, std::int64_t> Charged(Topology& t, const std::string& node) {
  auto r = t.Node(node).Call("GET", "/v1/conformance");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  std::map<std::string, std::int64_t> out;
  const auto report = json::parse(r->body);
  for (const auto& o : report.at("origins").as_array()) {
    const auto n = o.at("rejections").at("total").to_number<std::int64_t>();
    if (n > 0) out[std::string(o.at("id").as_string())] = n;
  }
  return out;
}

}  // namespace

TEST_CASE("trust: a forged event is charged to the node that sent it, not to the origin it names") {
  Topology t({"110000", "110100", "110105", "110108"});
  REQUIRE(t.Start("110000"));
  REQUIRE(t.Start("110100"));
  const std::string codes(t.Status("110100").at("code_version").as_string());
  const auto as_county = ClientAs(t, "110105", "110100");

  // 110105 slips an event "of 110108" into its own up batch.
  const auto b = CraftBatch("110105", "up", 1,
                            {CraftRegistration("110105", 1, "110105-2025-0000001"),
                             CraftRegistration("110108", 1, "110108-2025-0000001")},
                            SigningKeyOf(t, "110105"), codes);
  const auto a = PostBatch(t, "110100", as_county, b);
  REQUIRE_MESSAGE(a.status == 200, a.message << a.error);
  REQUIRE(a.receipt->rejected.size() == 1);
  CHECK(a.receipt->rejected[0].event_id == "110108:1");
  CHECK(a.receipt->rejected[0].field == "origin");

  // And a batch whose signature is not 110105's.
  auto forged = CraftBatch("110105", "up", 2, {CraftAcceptance("110105", 2, "110105-2025-0000001")},
                           SigningKeyOf(t, "110108"), codes);
  const auto refused = PostBatch(t, "110100", as_county, forged);
  CHECK(refused.status == 403);

  // The table names the claimed origin and the node charged.
  CHECK(QueryOne(t.Dir("110100"),
                 "SELECT group_concat(origin || ' ' || coalesce(nullif(event_id, ''), '-') || ' ' || field || ' ' || "
                 "charged_to, ', ') FROM (SELECT * FROM rejections ORDER BY rowid)") ==
        "110108 110108:1 origin 110105, 110105 - signature 110105");
  // The report: 110105 answers for both, 110108 for nothing.
  CHECK(Charged(t, "110100") == std::map<std::string, std::int64_t>{{"110105", 2}});
  // The province, judging the forwarded batch itself, charges the same node.
  REQUIRE(WaitUntil([&] { return t.HasCase("110000", "110105-2025-0000001"); }));
  CHECK(QueryOne(t.Dir("110000"), "SELECT origin || ' ' || charged_to FROM rejections") == "110108 110105");
  CHECK(Charged(t, "110000") == std::map<std::string, std::int64_t>{{"110105", 1}});
}

TEST_CASE("trust: a held or duplicate batch keeps its records' rejection reasons, in the receipt and the API") {
  Topology t({"110000", "110100", "110105"});
  REQUIRE(t.Start("110000"));
  REQUIRE(t.Start("110100"));
  const std::string codes(t.Status("110100").at("code_version").as_string());
  const auto as_county = ClientAs(t, "110105", "110100");
  const auto key = SigningKeyOf(t, "110105");
  const std::string case_id = "110105-2025-0000001";

  auto bad = CraftRegistration("110105", 3, "110105-2025-0000003");
  std::get<xf::schema::CaseRegistration>(bad.body).content_category = "888888";  // no such code: R2
  const auto first = CraftBatch("110105", "up", 1, {CraftRegistration("110105", 1, case_id)}, key, codes);
  const auto second =
      CraftBatch("110105", "up", 2, {CraftAcceptance("110105", 2, case_id), bad}, key, codes);

  auto check_bad = [](const std::optional<ex::Receipt>& r) {
    REQUIRE(r);
    REQUIRE(r->rejected.size() == 1);
    CHECK(r->rejected[0].event_id == "110105:3");
    CHECK(r->rejected[0].rule == "R2");
    CHECK(r->rejected[0].field.find("content_category") != std::string::npos);
    CHECK_MESSAGE(r->rejected[0].reason.find("888888") != std::string::npos, r->rejected[0].reason);
  };
  // Ahead of its stream: held, and already says which record is bad.
  const auto held = PostBatch(t, "110100", as_county, second);
  REQUIRE_MESSAGE(held.status == 200, held.message << held.error);
  CHECK(held.receipt->status == "held");
  check_bad(held.receipt);

  // The gap fills: both apply.
  const auto applied = PostBatch(t, "110100", as_county, first);
  REQUIRE_MESSAGE(applied.status == 200, applied.message);
  CHECK(applied.receipt->status == "applied");
  CHECK(t.CaseEventCount("110100", case_id) == 2);

  // Sent again: a duplicate, whose receipt repeats why the record was refused.
  const auto again = PostBatch(t, "110100", as_county, second);
  REQUIRE_MESSAGE(again.status == 200, again.message);
  CHECK(again.receipt->status == "duplicate");
  CHECK(again.receipt_verifies);
  CHECK(again.receipt->accepted == std::vector<std::string>{"110105:2"});
  check_bad(again.receipt);

  // The local API shows the batch and its rejections, reasons included.
  auto r = t.Node("110100").Call("GET", "/v1/batches/110105-up-2");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  const auto o = json::parse(r->body).as_object();
  CHECK(o.at("state").as_string() == "applied");
  CHECK(o.at("accepted").to_number<int>() == 1);
  const auto& list = o.at("rejections").as_array();
  REQUIRE(list.size() == 1);
  CHECK(list[0].at("event_id").as_string() == "110105:3");
  CHECK(list[0].at("rule").as_string() == "R2");
  CHECK(list[0].at("charged_to").as_string() == "110105");
  CHECK(std::string(list[0].at("reason").as_string()).find("888888") != std::string::npos);
  // The city passed the batch on: the same view of it shows the province's
  // signed answer, and what the province refused in it.
  json::object sent;
  REQUIRE(WaitUntil([&] {
    auto v = t.Node("110100").Call("GET", "/v1/batches/110105-up-2");
    if (!v || v->status != 200) return false;
    sent = json::parse(v->body).as_object();
    const auto& receipts = sent.at("receipts").as_array();
    return receipts.size() == 1 && !receipts[0].at("delivered_at").is_null();
  }));
  const auto& receipt = sent.at("receipts").as_array()[0].as_object();
  CHECK(receipt.at("link").as_string() == "110000");
  CHECK(receipt.at("status").as_string() == "applied");
  REQUIRE(receipt.at("rejected").as_array().size() == 1);
  CHECK(receipt.at("rejected").as_array()[0].at("event_id").as_string() == "110105:3");
  CHECK(receipt.at("rejected").as_array()[0].at("rule").as_string() == "R2");
  // Unknown batch: 404; no token: 401.
  auto none = t.Node("110100").Call("GET", "/v1/batches/110105-up-9");
  REQUIRE(none);
  CHECK(none->status == 404);
  const std::string no_token;
  auto anon = t.Node("110100").Call("GET", "/v1/batches/110105-up-2", "", "application/json", &no_token);
  REQUIRE(anon);
  CHECK(anon->status == 401);
}

// Issue 10: records written under the old code tables still load, show and
// travel after the upgrade to GB/T 2260 with its history (codes/README.md,
// "Records written under the old tables"); new facts are checked against the
// ministry's list, and a 15-digit ID number travels with its 18-digit form.
//
// The county 110105's database is filled before its node starts, through the
// store as an xfnode of xf-codes-2026.1 wrote it (no validation at the store):
// registrations whose places and ID numbers the old tables accepted and the
// new ones do not. Then the county, the city 110100 and the province 110000
// run, and the events must reach the province without a rejection.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <string>

#include "node/store.h"
#include "schema/json.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace schema = xf::schema;
using xf::Date;
using xf::Instant;
using xf::test::QueryOne;
using xf::test::SampleCase;
using xf::test::Topology;

namespace {

Instant At(const char* text) { return *Instant::Parse(text); }

// The sample case, received on `received`, in the county 110105.
schema::CaseRegistration OldCase(const std::string& case_id, Date received) {
  schema::Violations v;
  auto c = schema::CaseFromJson(SampleCase(), v);
  REQUIRE(c);
  REQUIRE(v.empty());
  c->case_id = case_id;
  c->registering_body = "110105";
  c->received_date = received;
  c->registered_at = Instant::FromDate(received);
  c->due_date.reset();
  c->attachments.clear();  // no blobs to carry
  return std::move(c).value();
}

std::size_t Count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto pos = text.find(part); pos != std::string::npos; pos = text.find(part, pos + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("codes upgrade: events stored under the old tables load, show and travel") {
  Topology t{std::vector<std::string>{"110000", "110100", "110105"}};

  // What an xfnode of xf-codes-2026.1 accepted and stored.
  const std::string abolished = "110105-2023-0000001", not_yet = "110105-2014-0000001",
                    placeholder = "110105-2024-0000001";
  {
    xf::ManualClock clock(At("2023-05-06T10:00:00+08:00"));
    auto store = xf::node::Store::Open(t.Dir("110105") / "data" / "xfnode.db", clock);
    REQUIRE_MESSAGE(store, store.error().message);
    // 下城区, abolished in 2021, was still "current" in the old table; the ID
    // number's address 449901 (no division, ever) passed by its province; the
    // address a development zone's township.
    auto a = OldCase(abolished, Date{2023, 5, 4});
    a.problem_place = "330103";
    a.petitioners[0].id_number = "449901198001010019";
    a.petitioners[0].address_division = "130171010";
    REQUIRE((*store)->RegisterCase(a, "110105", "刘敏"));
    schema::Event accepted;
    accepted.case_id = abolished;
    accepted.kind = schema::EventKind::kAcceptance;
    accepted.occurred_at = At("2023-05-05T10:00:00+08:00");
    accepted.actor = "李明";
    accepted.body = schema::Acceptance{"1", "朝阳区信访局", "依法予以受理。"};
    REQUIRE((*store)->AppendEvent(accepted, "110105"));
    // 密云区 (110118) from 2015 only; the old table had it since 1949.
    auto b = OldCase(not_yet, Date{2014, 6, 1});
    b.problem_place = "110118";
    b.petitioners[0].address_division = "110118";
    REQUIRE((*store)->RegisterCase(b, "110105", "刘敏"));
    // The municipality's statistical 市辖区 as the place.
    clock.Set(At("2024-03-01T11:00:00+08:00"));
    auto c = OldCase(placeholder, Date{2024, 3, 1});
    c.problem_place = "110100";
    REQUIRE((*store)->RegisterCase(c, "110105", "刘敏"));
  }

  REQUIRE_MESSAGE(t.StartAll(), "a node did not start");
  // They load and show at the county.
  for (const auto& id : {abolished, not_yet, placeholder}) CHECK(t.HasCase("110105", id));
  // They travel: the city and the province hold them, nothing rejected.
  CHECK_MESSAGE(t.WaitForCase("110000", abolished, 2), t.Node("110100").Log());
  CHECK(t.WaitForCase("110000", not_yet, 1));
  CHECK(t.WaitForCase("110000", placeholder, 1));
  CHECK(t.WaitForCase("110100", abolished, 2));
  for (const std::string node : {"110100", "110000"}) {
    CAPTURE(node);
    CHECK_MESSAGE(QueryOne(t.Dir(node), "SELECT count(*) FROM rejections") == "0",
                  QueryOne(t.Dir(node),
                           "SELECT group_concat(event_id || ' ' || rule || ' ' || field || ': ' || "
                           "reason, '; ') FROM rejections"));
  }
  // Byte for byte the events the county stored.
  CHECK(t.CaseEventXml("110000", abolished) == t.CaseEventXml("110105", abolished));

  // New facts at the county are checked against the ministry's list.
  json::value body = json::parse(SampleCase());
  auto& o = body.as_object();
  o.erase("attachments");
  o.erase("due_date");
  o["received_date"] = "2026-03-02";
  o["registered_at"] = "2026-03-02T09:00:00+08:00";
  o["registering_body"] = "110105";
  o["problem_place"] = "330103";
  std::string error;
  CHECK(t.RegisterCase("110105", json::serialize(body), &error).empty());
  CHECK_MESSAGE(error.find("330103 下城区 已于 2021 年撤销；其区域现属 330105 拱墅区") !=
                    std::string::npos,
                error);
  CHECK(error.find("\"rule\":\"R2\"") != std::string::npos);
  CHECK(error.find("\"field\":\"problem_place\"") != std::string::npos);
  o["problem_place"] = "110100";
  CHECK(t.RegisterCase("110105", json::serialize(body), &error).empty());
  CHECK_MESSAGE(
      error.find("110100 市辖区 是统计用区划代码（stat_division）") != std::string::npos,
      error);
  o["problem_place"] = "330105";
  o["petitioners"].as_array()[0].as_object()["id_number"] = "449901198001010019";
  CHECK(t.RegisterCase("110105", json::serialize(body), &error).empty());
  CHECK_MESSAGE(error.find("地址码 449901 从来不是行政区划代码") != std::string::npos,
                error);

  // A first-generation number is accepted and travels with its 18-digit form.
  o["petitioners"].as_array()[0].as_object()["id_number"] = "110105491231002";
  const std::string fresh = t.RegisterCase("110105", json::serialize(body), &error);
  REQUIRE_MESSAGE(!fresh.empty(), error);
  REQUIRE(t.WaitForCase("110000", fresh, 1));
  const auto xml = t.CaseEventXml("110000", fresh);
  REQUIRE(xml.size() == 1);
  const std::string& reg = xml.begin()->second;
  CHECK(Count(reg, "<id_number>110105491231002</id_number>") == 1);
  CHECK(Count(reg, "<id_number_18>11010519491231002X</id_number_18>") == 1);
  CHECK(QueryOne(t.Dir("110000"), "SELECT count(*) FROM rejections") == "0");
}

// The operator's view of a running node (issue 15): its log — one JSON
// object per line, a line per record refused, per batch applied and per
// link state change (never per retry) — and `xfctl status`, a summary in
// Chinese with --json for scripts. Real xfnode processes on loopback.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <set>
#include <sstream>

#include "test/harness/craft.h"
#include "test/harness/topology.h"

namespace json = boost::json;
using xf::test::ClientAs;
using xf::test::CraftBatch;
using xf::test::CraftRegistration;
using xf::test::PostBatch;
using xf::test::QueryOne;
using xf::test::RunCommandSplit;
using xf::test::SigningKeyOf;
using xf::test::Topology;
using xf::test::WaitUntil;

namespace {

// Every line of a node's log as a JSON object; fails on a line that is not one.
std::vector<json::object> LogLines(const std::string& log) {
  std::vector<json::object> out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    boost::system::error_code ec;
    const auto v = json::parse(line, ec);
    REQUIRE_MESSAGE((!ec && v.is_object()), "not one JSON object per line: " << line);
    const auto& o = v.as_object();
    REQUIRE(o.contains("ts"));
    REQUIRE(o.contains("level"));
    REQUIRE(o.contains("msg"));
    out.push_back(o);
  }
  return out;
}

std::string Str(const json::object& o, const char* k) {
  const auto* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

std::vector<json::object> Events(const std::string& log, const std::string& event) {
  std::vector<json::object> out;
  for (auto& o : LogLines(log)) {
    if (Str(o, "event") == event) out.push_back(std::move(o));
  }
  return out;
}

std::string Sample() {
  auto o = json::parse(xf::test::ReadText(xf::test::SourceDir() / "test" / "data" / "cases" / "valid" /
                                          "wechat-night-noise.json"))
               .as_object();
  o.erase("registering_body");
  o.erase("attachments");
  return json::serialize(o);
}

}  // namespace

TEST_CASE("log: a batch of 324 records with 13 bad ones gives 13 rejection lines and one line for the batch") {
  Topology t({"110100", "110105"});
  REQUIRE(t.Start("110100"));
  const std::string codes(t.Status("110100").at("code_version").as_string());
  std::vector<xf::schema::Event> events;
  std::set<std::string> bad_cases;
  for (int i = 1; i <= 324; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "110105-2025-%07d", i);
    auto e = CraftRegistration("110105", static_cast<std::uint64_t>(i), id);
    if (i % 25 == 0 || i == 324) {  // 12 + 1 records with a code that does not exist: R2
      std::get<xf::schema::CaseRegistration>(e.body).content_category = "888888";
      bad_cases.insert(id);
    }
    events.push_back(std::move(e));
  }
  REQUIRE(bad_cases.size() == 13);
  const auto b = CraftBatch("110105", "up", 1, events, SigningKeyOf(t, "110105"), codes);
  const auto a = PostBatch(t, "110100", ClientAs(t, "110105", "110100"), b);
  REQUIRE_MESSAGE(a.status == 200, a.message << a.error);
  REQUIRE(a.receipt->rejected.size() == 13);

  const std::string log = t.Node("110100").Log();
  const auto rejected = Events(log, "record.rejected");
  CHECK(rejected.size() == 13);
  std::set<std::string> logged_cases;
  for (const auto& r : rejected) {
    CHECK(Str(r, "rule") == "R2");
    CHECK(Str(r, "field") == "content_category");
    CHECK(Str(r, "origin") == "110105");
    CHECK(Str(r, "batch") == b.header.batch_id);
    CHECK(Str(r, "from") == "110105");
    CHECK(Str(r, "level") == "warn");
    CHECK(Str(r, "msg").find("记录被拒收") != std::string::npos);  // the words for people in Chinese
    // … from the rule and the field (node/lang.h), the English reason in "reason".
    CHECK_MESSAGE(Str(r, "msg").find("R2 未用标准代码，内容分类（content_category）") != std::string::npos, Str(r, "msg"));
    CHECK(Str(r, "reason").find("888888") != std::string::npos);
    logged_cases.insert(Str(r, "case_id"));
  }
  CHECK(logged_cases == bad_cases);

  // Where an operator sees the refusals: in Chinese words from rule and field,
  // the receipt's English reason beside them (xfctl status); the status page
  // without the reason (it needs no token).
  const std::string city = t.Dir("110100").string();
  const auto st = RunCommandSplit({std::getenv("XFCTL"), "status", "--node", city});
  REQUIRE_MESSAGE(st.status == 0, st.err);
  CHECK_MESSAGE(st.out.find("最近退回的记录：10 条") != std::string::npos, st.out);
  CHECK_MESSAGE(st.out.find("R2 未用标准代码，内容分类（content_category）：") != std::string::npos, st.out);
  CHECK_MESSAGE(st.out.find("888888") != std::string::npos, st.out);
  CHECK_MESSAGE(st.out.find("Recently refused") == std::string::npos, st.out);
  const auto en = RunCommandSplit({std::getenv("XFCTL"), "--lang", "en", "status", "--node", city});
  REQUIRE_MESSAGE(en.status == 0, en.err);
  CHECK_MESSAGE(en.out.find("Recently refused records: 10") != std::string::npos, en.out);
  CHECK_MESSAGE(en.out.find("R2 content_category: ") != std::string::npos, en.out);
  CHECK_MESSAGE(en.out.find("未用标准代码") == std::string::npos, en.out);
  {
    auto page = t.Node("110100").Call("GET", "/");
    REQUIRE(page);
    CHECK(page->body.find("<td class=\"text\">R2 未用标准代码</td>") != std::string::npos);
    CHECK(page->body.find("<td class=\"text\">内容分类（content_category）</td>") != std::string::npos);
    CHECK(page->body.find("888888") == std::string::npos);  // no reason on a page without a token
  }
  // The conformance report's list of refusals, by rule and field, in words.
  const auto report = RunCommandSplit({std::getenv("XFCTL"), "conformance", "--node", city});
  REQUIRE_MESSAGE(report.status == 0, report.err);
  CHECK_MESSAGE(report.out.find("R2 未用标准代码") != std::string::npos, report.out);
  CHECK_MESSAGE(report.out.find("内容分类（content_category）") != std::string::npos, report.out);
  const auto applied = Events(log, "batch.applied");
  REQUIRE(applied.size() == 1);
  CHECK(Str(applied[0], "batch") == b.header.batch_id);
  CHECK(Str(applied[0], "origin") == "110105");
  CHECK(Str(applied[0], "stream") == "up");
  CHECK(Str(applied[0], "seq") == "1");
  CHECK(Str(applied[0], "records") == "324");
  CHECK(Str(applied[0], "accepted") == "311");
  CHECK(Str(applied[0], "rejected") == "13");

  // The same batch again changes nothing and logs nothing more.
  const auto again = PostBatch(t, "110100", ClientAs(t, "110105", "110100"), b);
  REQUIRE(again.status == 200);
  CHECK(Events(t.Node("110100").Log(), "record.rejected").size() == 13);
  CHECK(Events(t.Node("110100").Log(), "batch.applied").size() == 1);
}

TEST_CASE("log and status: a link's state changes are logged once each, not per retry; xfctl status reads them") {
  Topology t({"110100", "110105"});
  REQUIRE(t.StartAll());
  const std::string first = t.RegisterCase("110105", Sample());
  REQUIRE_FALSE(first.empty());
  REQUIRE(t.WaitForCase("110100", first, 1));
  REQUIRE(WaitUntil([&] { return t.PendingOut("110105") == 0; }));
  // A registration the local API refuses: one line, with its rule and field.
  auto bad = json::parse(Sample()).as_object();
  bad["received_date"] = "2025-02-30";
  std::string refusal;
  CHECK(t.RegisterCase("110105", json::serialize(bad), &refusal).empty());
  const auto intake = Events(t.Node("110105").Log(), "intake.rejected");
  REQUIRE(intake.size() == 1);
  CHECK(Str(intake[0], "rule") == "R3");
  CHECK(Str(intake[0], "field") == "received_date");
  auto up = Events(t.Node("110105").Log(), "link.up");
  REQUIRE(up.size() == 1);
  CHECK(Str(up[0], "link") == "110100");

  // The city goes away; the county retries its push again and again.
  t.Kill("110100");
  const std::string second = t.RegisterCase("110105", Sample());
  REQUIRE_FALSE(second.empty());
  REQUIRE(WaitUntil(
      [&] {
        const std::string n = QueryOne(t.Dir("110105"),
                                       "SELECT coalesce(max(attempts), 0) FROM outbox WHERE link = '110100' AND "
                                       "delivered_at IS NULL");
        return !n.empty() && std::stoi(n) >= 3;
      },
      std::chrono::seconds(60)));
  auto down = Events(t.Node("110105").Log(), "link.down");
  CHECK(down.size() == 1);
  REQUIRE_FALSE(down.empty());
  CHECK(Str(down[0], "link") == "110100");
  CHECK_FALSE(Str(down[0], "error").empty());

  // xfctl status says so, in Chinese; --json for scripts.
  const std::string county = t.Dir("110105").string();
  auto st = RunCommandSplit({std::getenv("XFCTL"), "status", "--node", county});
  REQUIRE_MESSAGE(st.status == 0, st.err);
  for (const char* must : {"节点 110105", "链路", "上级", "发送失败", "序号缺口：无", "暂存批次", "等待附件的批次", "+08:00"}) {
    CHECK_MESSAGE(st.out.find(must) != std::string::npos, must << "\n" << st.out);
  }
  auto js = RunCommandSplit({std::getenv("XFCTL"), "status", "--json", "--node", county});
  REQUIRE(js.status == 0);
  const auto doc = json::parse(js.out).as_object();
  CHECK(doc.at("node_id").as_string() == "110105");
  CHECK(doc.at("exchange").as_object().at("links").as_array().size() == 1);

  // Back: one line says so, and the queue empties.
  REQUIRE(t.Start("110100"));
  REQUIRE(t.WaitForCase("110100", second, 1));
  REQUIRE(WaitUntil([&] { return t.PendingOut("110105") == 0; }));
  const auto lines = LogLines(t.Node("110105").Log());
  std::vector<std::string> states;
  for (const auto& o : lines) {
    if (Str(o, "event") == "link.up" || Str(o, "event") == "link.down") states.push_back(Str(o, "event"));
  }
  CHECK(states == std::vector<std::string>{"link.up", "link.down", "link.up"});

  // The city's status: the child, and when it last sent.
  auto city = RunCommandSplit({std::getenv("XFCTL"), "status", "--node", t.Dir("110100").string()});
  REQUIRE(city.status == 0);
  CHECK(city.out.find("下级") != std::string::npos);
  CHECK(city.out.find("110105") != std::string::npos);
  auto english = RunCommandSplit({std::getenv("XFCTL"), "--lang", "en", "status", "--node", county});
  REQUIRE(english.status == 0);
  CHECK(english.out.find("up to date") != std::string::npos);
  CHECK(english.out.find("parent") != std::string::npos);
}

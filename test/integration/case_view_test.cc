// xfctl case list and xfctl case show against a real xfnode (issue 15): the
// table's columns line up with Chinese in them, the filters and pages of
// GET /v1/cases, labels from the code tables instead of codes, petitioners
// masked unless --full, the legal clocks in days, the repeat links both
// ways and the history in Chinese.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "node/conformance.h"  // DisplayWidth
#include "schema/validate.h"
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

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The display column at which `needle` starts in `line` (CJK two wide).
std::size_t ColumnOf(const std::string& line, const std::string& needle) {
  const auto at = line.find(needle);
  REQUIRE_MESSAGE(at != std::string::npos, needle << " not in: " << line);
  return xf::node::conformance::DisplayWidth(line.substr(0, at));
}

// The sample cases as this county registers them (registering_body is the node's).
fs::path SamplesFor(const fs::path& dir) {
  const fs::path out = dir / "cases";
  fs::create_directories(out);
  for (const auto& e : fs::directory_iterator(SourceDir() / "test" / "data" / "cases" / "valid")) {
    auto o = json::parse(ReadText(e.path())).as_object();
    o.erase("registering_body");
    std::ofstream(out / e.path().filename()) << json::serialize(o);
  }
  return out;
}

json::object Get(const NodeProcess& node, const std::string& path) {
  auto r = node.Call("GET", path);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  return json::parse(r->body).as_object();
}

std::string Blobs() { return (SourceDir() / "test" / "data" / "blobs").string(); }

}  // namespace

TEST_CASE("xfctl case list and case show on a county's cases") {
  TempDir tmp("xf-caseview");
  NodeProcess node(tmp.Path() / "county", "110105");
  REQUIRE_MESSAGE(node.Start(), node.Log());
  const std::string dir = node.Dir().string();
  const fs::path cases = SamplesFor(tmp.Path());

  auto imported = RunCommandSplit({Xfctl(), "case", "import", cases.string(), "--blobs", Blobs(), "--node", dir});
  REQUIRE_MESSAGE(imported.status == 0, imported.out << imported.err);
  const auto all = Get(node, "/v1/cases?limit=500");
  const std::int64_t total = all.at("total").as_int64();
  REQUIRE(total == static_cast<std::int64_t>(std::distance(fs::directory_iterator(cases), fs::directory_iterator())));

  // The case of visit-property-fee.json (王秀兰, 110105195807220465), and a repeat of it.
  std::string fee, fee_received;
  for (const auto& x : all.at("cases").as_array()) {
    const auto& o = x.as_object();
    if (o.at("first_petitioner").as_string() == "王秀兰") {
      fee = std::string(o.at("case_id").as_string());
      fee_received = std::string(o.at("received_date").as_string());
    }
  }
  REQUIRE_FALSE(fee.empty());
  auto repeat = json::parse(ReadText(cases / "visit-property-fee.json")).as_object();
  repeat["repeat"] = true;
  repeat["initial_case_id"] = fee;
  repeat["received_date"] = "2025-05-20";
  repeat["registered_at"] = "2025-05-20T10:00:00+08:00";
  repeat["summary"] = "信访人再次反映物业费调价问题。";
  repeat.erase("due_date");
  auto r = node.Call("POST", "/v1/cases", json::serialize(repeat));
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 201, r->body);
  const std::string rep(json::parse(r->body).at("case_id").as_string());
  // The first case accepted: its routing is done, the 60 days to handle run from today.
  r = node.Call("POST", "/v1/cases/" + fee + "/events",
                R"({"kind":"acceptance","occurred_at":")" + xf::SystemClock().Now().ToString() +
                    R"(","actor":"张敏","decision":"1"})");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 201, r->body);

  SUBCASE("the table: columns line up, Chinese labels, a page at a time") {
    auto list = RunCommandSplit({Xfctl(), "case", "list", "--node", dir});
    REQUIRE_MESSAGE(list.status == 0, list.err);
    const auto lines = Lines(list.out);
    REQUIRE(lines.size() >= 3);
    const std::string& head = lines[1];
    const std::size_t date_col = ColumnOf(head, "信访日期");
    const std::size_t status_col = ColumnOf(head, "状态");
    const std::size_t limit_col = ColumnOf(head, "期限");
    int rows = 0;
    const std::regex date(R"(\d{4}-\d{2}-\d{2})");
    for (std::size_t i = 2; i < lines.size(); ++i) {
      std::smatch m;
      if (lines[i].rfind("  110105-", 0) != 0) continue;
      ++rows;
      REQUIRE(std::regex_search(lines[i], m, date));
      CHECK(ColumnOf(lines[i], m.str()) == date_col);
      // The status is a Chinese label at its column; the time limit in days.
      const bool any_label = lines[i].find("已登记") != std::string::npos || lines[i].find("已受理") != std::string::npos;
      CHECK_MESSAGE(any_label, lines[i]);
      CHECK(ColumnOf(lines[i], lines[i].find("已受理") != std::string::npos ? "已受理" : "已登记") == status_col);
      CHECK(xf::node::conformance::DisplayWidth(lines[i]) >= limit_col);
      CHECK((lines[i].find("天") != std::string::npos));
    }
    CHECK(rows == total + 1);
    CHECK(list.out.find("registered") == std::string::npos);  // no raw status

    // Pages: 4 at a time, by the cursor each page prints, the same cases in the same order.
    std::vector<std::string> paged;
    std::string cursor;
    for (int page = 0; page < 20; ++page) {
      std::vector<std::string> argv{Xfctl(), "case", "list", "--limit", "4", "--node", dir};
      if (!cursor.empty()) {
        argv.push_back("--cursor");
        argv.push_back(cursor);
      }
      auto p = RunCommandSplit(argv);
      REQUIRE(p.status == 0);
      for (const auto& l : Lines(p.out)) {
        if (l.rfind("  110105-", 0) == 0) paged.push_back(l.substr(2, l.find(' ', 2) - 2));
      }
      std::smatch m;
      const std::regex next(R"(--cursor (\S+))");
      if (!std::regex_search(p.out, m, next)) break;
      cursor = m[1];
    }
    std::vector<std::string> expected;
    const auto listed = Get(node, "/v1/cases?limit=500");
    for (const auto& x : listed.at("cases").as_array()) {
      expected.push_back(std::string(x.as_object().at("case_id").as_string()));
    }
    CHECK(paged == expected);
    auto every = RunCommandSplit({Xfctl(), "case", "list", "--limit", "3", "--all", "--json", "--node", dir});
    REQUIRE(every.status == 0);
    CHECK(static_cast<std::int64_t>(Lines(every.out).size()) == total + 1);
  }

  SUBCASE("the filters of the command line") {
    auto count = [&](std::vector<std::string> filters) {
      std::vector<std::string> argv{Xfctl(), "case", "list", "--all", "--json", "--node", dir};
      argv.insert(argv.end(), filters.begin(), filters.end());
      auto out = RunCommandSplit(argv);
      REQUIRE_MESSAGE(out.status == 0, out.err);
      return static_cast<std::int64_t>(Lines(out.out).size());
    };
    CHECK(count({"--status", "accepted"}) == 1);
    CHECK(count({"--repeat"}) == 2);  // repeat-letter-demolition.json and ours
    CHECK(count({"--initial"}) == total - 1);
    CHECK(count({"--petitioner", "110105195807220465"}) == 2);
    CHECK(count({"--from", fee_received, "--to", fee_received, "--category", "0302"}) == 1);
    CHECK(count({"--overdue"}) == total);  // all but the accepted one (total + 1 with the repeat)
    auto bad = RunCommandSplit({Xfctl(), "case", "list", "--status", "acepted", "--node", dir});
    CHECK(bad.status == 2);
    CHECK(bad.err.find("status") != std::string::npos);
  }

  SUBCASE("case show: labels, masked petitioners, clocks in days, repeat links, history in Chinese") {
    auto show = RunCommandSplit({Xfctl(), "case", "show", fee, "--node", dir});
    REQUIRE_MESSAGE(show.status == 0, show.err);
    const std::string& s = show.out;
    for (const char* must : {"已受理", "200 来访", "030204 城乡建设", "物业管理", "02 求决", "三里屯街道",
                             "110105********0465", "010-", "第一信访人", "登记转送交办", "办理", "已完成，逾期",
                             "还剩", "本件为初件", "办理记录", "受理决定", "登记", "+08:00"}) {
      CHECK_MESSAGE(s.find(must) != std::string::npos, must << "\n" << s);
    }
    CHECK(s.find("重件 " + rep) != std::string::npos);
    CHECK(s.find("110105195807220465") == std::string::npos);  // masked
    CHECK(s.find("6501 2345") == std::string::npos);
    auto full = RunCommandSplit({Xfctl(), "case", "show", fee, "--full", "--node", dir});
    REQUIRE(full.status == 0);
    CHECK(full.out.find("110105195807220465") != std::string::npos);
    CHECK(full.out.find("010-6501 2345") != std::string::npos);

    auto shown_repeat = RunCommandSplit({Xfctl(), "case", "show", rep, "--node", dir});
    REQUIRE(shown_repeat.status == 0);
    CHECK(shown_repeat.out.find("本件为重件，初件 " + fee + "（本节点持有）") != std::string::npos);
    CHECK(shown_repeat.out.find("超期") != std::string::npos);

    auto english = RunCommandSplit({Xfctl(), "--lang", "en", "case", "show", rep, "--node", dir});
    REQUIRE(english.status == 0);
    CHECK(english.out.find("this is a repeat case of " + fee + " (held here)") != std::string::npos);
    CHECK(english.out.find("days overdue") != std::string::npos);

    auto missing = RunCommandSplit({Xfctl(), "case", "show", "110105-2025-0999999", "--node", dir});
    CHECK(missing.status == 1);
    CHECK(missing.err.find("110105-2025-0999999") != std::string::npos);
  }
}

// Issue 4: the conformance report of the national bureau over a real
// topology, 100000 ← 110000 ← 110100 ← 110105 (misbehaving), 110108
// (well-behaved), every node a real xfnode process on loopback.
//
// The well-behaved county registers cases and accepts them through its API;
// they flow up on their own. The misbehaving county's batches are crafted
// here and signed with 110105's own key, exactly as an outdated or careless
// implementation would send them, and posted to the city's exchange
// endpoint with 110105's TLS certificate; the city and the province forward
// the same bytes, and the national bureau verifies 110105's signature.
// Breaches: late events (occurred 72 h and 30 h before they were sent), a
// repeat case naming an initial case nobody has (R4), a record with an
// unknown code (R2), a case with 6 attachments (R1), a batch written
// against old code tables, a missing sequence number (batches 1, 2, then 4),
// and then silence. Silence and R4 become visible without waiting a day:
// the national's and the province's configs set conformance.silent_hours
// and rules.repeat_grace_hours to 0.
//
// The gap: the city holds batch 4 behind the missing 3 and forwards
// nothing of it, as it must. For the national bureau to see the gap, the
// test plays a relay that lost batch 3 and passed 4 on (posts the same
// signed bytes to the national with the province's TLS identity) — the case
// design.md names: no level in between can drop a record unnoticed.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace ex = xf::exchange;
namespace schema = xf::schema;
using xf::Instant;
using xf::test::ReadText;
using xf::test::SampleCase;
using xf::test::Topology;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

const std::string kBad = "110105";
const std::string kGood = "110108";

Instant Now() { return xf::SystemClock().Now(); }

// A registration by 110105 of a sample case, occurred `occurred`.
schema::Event Registration(std::uint64_t seq, const std::string& case_id, Instant occurred) {
  schema::Violations v;
  auto c = schema::CaseFromJson(SampleCase(), v);
  REQUIRE(c);
  REQUIRE(v.empty());
  c->case_id = case_id;
  c->registering_body = kBad;
  c->registered_at = occurred;
  c->due_date = Instant{occurred.seconds + 60 * 86400}.ToDate();
  schema::Event e;
  e.origin = kBad;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = occurred;
  e.recorded_at = occurred;
  e.actor = c->registrar;
  e.body = std::move(c).value();
  return e;
}

schema::Event Acceptance(std::uint64_t seq, const std::string& case_id, Instant occurred) {
  schema::Event e;
  e.origin = kBad;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kAcceptance;
  e.occurred_at = occurred;
  e.recorded_at = occurred;
  e.actor = "李明";
  e.body = schema::Acceptance{"1", "朝阳区信访局", "属于本机关职权范围，依法予以受理。"};
  return e;
}

schema::Event Closure(std::uint64_t seq, const std::string& case_id, Instant occurred) {
  schema::Event e;
  e.origin = kBad;
  e.seq = seq;
  e.case_id = case_id;
  e.kind = schema::EventKind::kClosure;
  e.occurred_at = occurred;
  e.recorded_at = occurred;
  e.actor = "李明";
  e.body = schema::Closure{"朝阳区信访局", "已办结"};
  return e;
}

struct Packed {
  std::string bytes, signature;
};

// An "up" batch of 110105, compressed and signed with its own key.
Packed Pack(const ex::PrivateKey& key, std::uint64_t seq, const std::vector<schema::Event>& events,
            const std::string& code_version) {
  ex::BatchHeader h;
  h.origin = kBad;
  h.destination = std::string(ex::kRootNode);
  h.stream = std::string(ex::kUpStream);
  h.seq = seq;
  h.batch_id = ex::MakeBatchId(kBad, h.stream, seq);
  h.created = Now();
  h.code_version = code_version;
  h.record_count = events.size();
  std::vector<std::string> xml;
  for (const auto& e : events) {
    xml.push_back(schema::EventToXml(e));
    if (const auto* c = std::get_if<schema::CaseRegistration>(&e.body)) {
      for (const auto& a : c->attachments) h.attachments.push_back(a.sha256);
    }
  }
  auto bytes = ex::Compress(ex::BatchXml(h, xml));
  REQUIRE(bytes);
  auto sig = ex::SignBytes(key, *bytes);
  REQUIRE(sig);
  return {std::move(bytes).value(), std::move(sig).value()};
}

// POSTs a batch to `to`'s exchange endpoint with `from`'s TLS identity; the receipt's status.
std::string Post(Topology& t, const std::string& from, const std::string& to, const Packed& b) {
  ex::HttpClientOptions opts;
  const auto keys = t.Dir(from) / "keys";
  opts.tls = ex::TlsFiles{(keys / "tls.crt").string(), (keys / "tls.key").string(),
                          (t.Dir(to) / "keys" / "tls.crt").string(), false};
  opts.expected_server_cn = to;
  auto r = ex::HttpCall("POST", t.ExchangeUrl(to) + "/v1/exchange/batches",
                        {{"content-type", "application/zstd"},
                         {"x-xf-origin", kBad},
                         {"x-xf-signature", ex::Base64Encode(b.signature)}},
                        b.bytes, opts);
  REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
  REQUIRE_MESSAGE(r->status == 200, r->body);
  auto receipt = ex::ParseReceiptXml(r->body);
  REQUIRE_MESSAGE(receipt, r->body);
  return receipt->status;
}

// PUTs an attachment to `to`'s exchange endpoint with `from`'s TLS identity,
// as a sender does before its batch (a batch is held until it has them all).
void PutBlob(Topology& t, const std::string& from, const std::string& to, const std::string& content) {
  ex::HttpClientOptions opts;
  const auto keys = t.Dir(from) / "keys";
  opts.tls = ex::TlsFiles{(keys / "tls.crt").string(), (keys / "tls.key").string(),
                          (t.Dir(to) / "keys" / "tls.crt").string(), false};
  opts.expected_server_cn = to;
  auto r = ex::HttpCall("PUT", t.ExchangeUrl(to) + "/v1/exchange/blobs/" + ex::Sha256Hex(content),
                        {{"content-type", "application/octet-stream"}}, content, opts);
  REQUIRE_MESSAGE(r, (r ? std::string() : r.error().message));
  REQUIRE_MESSAGE((r->status == 201 || r->status == 200), r->body);
}

// Adds the report bounds of a test to a node's config before it starts.
void SetBounds(Topology& t, const std::string& id) {
  const auto file = t.Dir(id) / "xfnode.yaml";
  std::string yaml = ReadText(file);
  REQUIRE_MESSAGE(yaml.find("\nrules:") == std::string::npos, yaml);
  REQUIRE_MESSAGE(yaml.find("\nconformance:") == std::string::npos, yaml);
  yaml += "rules:\n  repeat_grace_hours: 0\nconformance:\n  silent_hours: 0\n";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << yaml;
}

// `xfctl conformance --node DIR --format json`, parsed; the raw text in *text.
json::object Report(Topology& t, const std::string& id, std::string* text = nullptr) {
  const auto r = Xfctl({"conformance", "--node", t.Dir(id).string(), "--format", "json"});
  REQUIRE_MESSAGE(r.status == 0, r.output);
  if (text) *text = r.output;
  return json::parse(r.output).as_object();
}

const json::object& Tally(const json::object& report, const char* list, const std::string& id) {
  for (const auto& v : report.at(list).as_array()) {
    if (v.at("id").as_string() == id) return v.as_object();
  }
  FAIL("no " << list << " entry for " << id << " in " << json::serialize(report));
  throw 0;
}

std::int64_t Int(const json::value& v) { return v.to_number<std::int64_t>(); }

// The deductions of a tally, as "name points" with one decimal.
std::map<std::string, double> Deductions(const json::object& tally) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : tally.at("deductions").as_object()) out[std::string(k)] = v.as_double();
  return out;
}

// The counts every tally carries, as one string, so a failure shows them all.
std::string Counts(const json::object& t) {
  const auto& rej = t.at("rejections").as_object();
  const auto& late = t.at("lateness").as_object();
  return "events " + std::to_string(Int(t.at("events_received"))) + ", registrations " +
         std::to_string(Int(t.at("registrations"))) + ", batches " + std::to_string(Int(t.at("batches_received"))) +
         ", R1 " + std::to_string(Int(rej.at("R1"))) + ", R2 " + std::to_string(Int(rej.at("R2"))) + ", R3 " +
         std::to_string(Int(rej.at("R3"))) + ", R6 " + std::to_string(Int(rej.at("R6"))) + ", rejected " +
         std::to_string(Int(rej.at("total"))) + ", R4 " + std::to_string(Int(t.at("repeat_without_initial"))) +
         ", measured " + std::to_string(Int(late.at("events"))) + ", late " + std::to_string(Int(late.at("over_bound"))) +
         ", gaps " + std::to_string(Int(t.at("gaps").at("open"))) + ", outdated " +
         std::to_string(Int(t.at("outdated_code_batches")));
}

}  // namespace

TEST_CASE("conformance: the national report names the misbehaving county, rule by rule, and scores the good one 100") {
  Topology t;
  SetBounds(t, "100000");
  SetBounds(t, "110000");
  // 110105 does not run: its batches are the ones crafted below.
  for (const auto& id : {"100000", "110000", "110100", "110108"}) REQUIRE_MESSAGE(t.Start(id), t.Node(id).Log());
  const std::string version = std::string(t.Status("100000").at("code_version").as_string());
  auto loaded = ex::PrivateKey::LoadPem(t.Dir(kBad) / "keys" / "signing.key");
  REQUIRE(loaded);
  const ex::PrivateKey key = std::move(loaded).value();

  // ---- the well-behaved county: two cases, each accepted, through its API ----
  // One event at a time, each waited for at the national bureau: one batch per event.
  std::vector<std::string> good_cases;
  for (int i = 0; i < 2; ++i) {
    auto body = json::parse(SampleCase()).as_object();
    body.erase("registered_at");  // registered now
    body["due_date"] = Instant{Now().seconds + 60 * 86400}.ToDate().ToString();
    std::string error;
    const std::string id = t.RegisterCase(kGood, json::serialize(body), &error);
    REQUIRE_MESSAGE(!id.empty(), error);
    REQUIRE(t.WaitForCase("100000", id, 1));
    const std::string acceptance = R"({"kind":"acceptance","occurred_at":")" + Now().ToString() +
                                   R"(","actor":"王芳","decision":"1","body":"海淀区信访局"})";
    REQUIRE_MESSAGE(t.PostEvent(kGood, id, acceptance, &error) == 201, error);
    REQUIRE(t.WaitForCase("100000", id, 2));
    good_cases.push_back(id);
  }

  // ---- the misbehaving county ----
  const Instant now = Now();
  const Instant h72{now.seconds - 72 * 3600}, h30{now.seconds - 30 * 3600}, h1{now.seconds - 3600};
  const std::string a = "110105-2026-0000001", b = "110105-2026-0000002", c = "110105-2026-0000003",
                    d = "110105-2026-0000004";
  auto repeat = Registration(2, b, h1);
  std::get<schema::CaseRegistration>(repeat.body).repeat = true;
  std::get<schema::CaseRegistration>(repeat.body).initial_case_id = "110105-2025-0000009";  // nobody has it
  auto unknown_code = Registration(3, c, h1);
  std::get<schema::CaseRegistration>(unknown_code.body).content_category = "888888";  // not a code: R2
  auto six = Registration(4, d, h1);
  for (int i = 0; i < 6; ++i) {  // R1: at most 5
    schema::Attachment at;
    at.sha256 = ex::Sha256Hex("附件 " + std::to_string(i));
    at.size = 9;
    at.media_type = "text/plain";
    at.name = "附件" + std::to_string(i + 1) + ".txt";
    std::get<schema::CaseRegistration>(six.body).attachments.push_back(at);
  }
  // #1: A registered 72 h before it is sent; B a repeat of an unknown case; C and D rejected.
  const Packed b1 = Pack(key, 1, {Registration(1, a, h72), repeat, unknown_code, six}, version);
  // #2, on old code tables: A accepted 30 h before it is sent, B accepted in time.
  const Packed b2 = Pack(key, 2, {Acceptance(5, a, h30), Acceptance(6, b, h1)}, "xf-codes-2025.9");
  // #3 (event 7) is never sent; #4 closes A.
  const Packed b4 = Pack(key, 4, {Closure(8, a, h1)}, version);

  for (int i = 0; i < 6; ++i) PutBlob(t, kBad, "110100", "附件 " + std::to_string(i));
  CHECK(Post(t, kBad, "110100", b1) == "applied");
  CHECK(Post(t, kBad, "110100", b2) == "applied");
  CHECK(Post(t, kBad, "110100", b4) == "held");
  CHECK(t.GapCount("110100") == 1);
  // Batches 1 and 2 reach the national bureau through the province, unchanged.
  REQUIRE(WaitUntil([&] { return t.LastSeq("100000", kBad) == 6; }));
  CHECK(xf::test::QueryOne(t.Dir("100000"), "SELECT bytes FROM batches WHERE batch_id = '110105-up-1'") == b1.bytes);
  // A relay that lost #3 passes #4 on: the national bureau holds it behind the gap.
  CHECK(Post(t, "110000", "100000", b4) == "held");
  CHECK(t.GapCount("100000") == 1);
  CHECK(t.GapCount("110000") == 0);

  // The city checks the cases as they arrive (判重) and sends its notices up
  // as well as down: wait until it has checked them all and the national
  // bureau holds what it found.
  auto notices_at = [&](const std::string& node) {
    return xf::test::QueryOne(t.Dir(node), "SELECT count(*) FROM events WHERE kind = 'duplicate_notice'");
  };
  REQUIRE(WaitUntil([&] {
    return xf::test::QueryOne(t.Dir("110100"), "SELECT value FROM dedup_state WHERE name = 'checked_upto'") ==
               xf::test::QueryOne(t.Dir("110100"), "SELECT max(id) FROM dedup_cases") &&
           notices_at("110100") != "0" && notices_at("100000") == notices_at("110100");
  }));

  // ---- silence: nothing more comes; with silent_hours 0 a second is enough ----
  std::string text;
  json::object r;
  REQUIRE(WaitUntil([&] {
    r = Report(t, "100000", &text);
    return r.at("children").as_array().size() == 1 && r.at("children").as_array()[0].at("silent").as_bool();
  }));
  CAPTURE(text);

  CHECK(r.at("node_id").as_string() == "100000");
  CHECK(r.at("bounds").at("silent_hours").as_int64() == 0);
  {
    INFO("the national names the silent county itself, not only its silent child link");
    bool named = false;
    for (const auto& x : r.at("silent_origins").as_array()) {
      if (x.at("origin").as_string() == kBad) named = x.at("silent_seconds").as_int64() > 0;
    }
    CHECK(named);
  }
  CHECK(r.at("bounds").at("repeat_grace_hours").as_int64() == 0);
  CHECK(r.at("bounds").at("timeliness_hours").as_int64() == 24);
  // The relays record nothing of their own but the city's duplicate notices
  // (判重提示): both counties registered the same sample letter, and the city,
  // their common parent, sent a notice down to each (one batch of its own;
  // notices are not counted as events: node/CONFORMANCE.md, "Duplicates").
  REQUIRE(r.at("origins").as_array().size() == 3);
  CHECK(Tally(r, "origins", "110100").at("events_received").as_int64() == 0);
  // Its notices came in one batch or more, as its worker made them: the subtrees count them.
  const std::int64_t city_batches = Tally(r, "origins", "110100").at("batches_received").as_int64();
  CHECK(city_batches >= 1);
  CHECK(r.at("duplicates").at("by_finder").at("110100").as_int64() >= 2);

  {
    INFO("the misbehaving county, rule by rule");
    const auto& o = Tally(r, "origins", kBad);
    // Stored: A, B, A accepted, B accepted; C (R2) and D (R1) rejected at
    // every level; #1, #2 applied and #4 held.
    CHECK(Counts(o) ==
          "events 4, registrations 2, batches 3, R1 1, R2 1, R3 0, R6 0, rejected 2, R4 1, measured 4, late 2, "
          "gaps 1, outdated 1");
    CHECK(o.at("gaps").at("oldest_seconds").as_int64() >= 0);
    CHECK(o.at("legal").at("handled").as_int64() == 0);
    for (const char* rate : {"timely_acceptance", "on_time_completion", "timely_routing", "satisfaction_bureau",
                             "satisfaction_handler", "participation_bureau", "participation_handler"}) {
      CHECK(o.at("rates").at(rate).at("denominator").as_int64() == 0);  // nothing fell due yet
      CHECK(o.at("rates").at(rate).at("value").is_null());
    }
    // 25 × 2/6 + 10 × 1/2 + 25 × 2/4 + 5 × 1 + 5 × 1/3 = 32.5
    CHECK(Deductions(o) == std::map<std::string, double>{{"rejections", 8.3},
                                                         {"repeat_without_initial", 5.0},
                                                         {"lateness", 12.5},
                                                         {"gaps", 5.0},
                                                         {"outdated_codes", 1.7}});
    CHECK(o.at("score").as_double() == 67.5);
    CHECK(text.find(R"("score":67.5)") != std::string::npos);
  }

  {
    INFO("the well-behaved county scores exactly 100 with no deduction");
    const auto& o = Tally(r, "origins", kGood);
    CHECK(Counts(o) ==
          "events 4, registrations 2, batches 4, R1 0, R2 0, R3 0, R6 0, rejected 0, R4 0, measured 4, late 0, "
          "gaps 0, outdated 0");
    CHECK(o.at("deductions").as_object().empty());
    CHECK(o.at("score").as_double() == 100.0);
    CHECK(text.find(R"({"id":"110108","score":100.0,"deductions":{})") != std::string::npos);
  }

  {
    INFO("the province's subtree sums both counties and is silent");
    const auto& s = Tally(r, "subtrees", "110000");
    CHECK(Counts(s) == "events 8, registrations 4, batches " + std::to_string(7 + city_batches) +
                           ", R1 1, R2 1, R3 0, R6 0, rejected 2, R4 1, measured 8, late 2, gaps 1, outdated 1");
    CHECK(s.at("silent").as_bool());
    CHECK(s.at("last_batch").is_string());
    // 25 × 2/10 + 10 × 1/4 + 25 × 2/8 + 5 + 5 × 1/(7 + the city's) + 10 (5 × 1/7 = 29.46… without them)
    const double outdated = 5.0 / static_cast<double>(7 + city_batches);
    CHECK(Deductions(s) == std::map<std::string, double>{{"rejections", 5.0},
                                                         {"repeat_without_initial", 2.5},
                                                         {"lateness", 6.3},
                                                         {"gaps", 5.0},
                                                         {"outdated_codes", std::round(outdated * 10) / 10},
                                                         {"silent", 10.0}});
    CHECK(s.at("score").as_double() == std::round((100 - (5 + 2.5 + 6.25 + 5 + outdated + 10)) * 10) / 10);
  }

  {
    INFO("the lists name each breach");
    std::vector<std::string> rejected;
    for (const auto& x : r.at("rejections").as_array()) {
      rejected.push_back(std::string(x.at("origin").as_string()) + " " + std::string(x.at("rule").as_string()) + " " +
                         std::string(x.at("field").as_string()) + " " + std::to_string(Int(x.at("count"))));
    }
    CHECK(rejected == std::vector<std::string>{"110105 R1 attachments 1", "110105 R2 content_category 1"});

    // Lateness is stored_at − occurred_at, exactly, with the occurred times sent.
    const auto& late = r.at("late_events").as_array();
    REQUIRE(late.size() == 2);
    CHECK(late[0].at("event_id").as_string() == "110105:1");
    CHECK(late[0].at("occurred_at").as_string() == h72.ToString());
    CHECK(late[1].at("event_id").as_string() == "110105:5");
    CHECK(late[1].at("occurred_at").as_string() == h30.ToString());
    for (const auto& x : late) {
      const auto stored = Instant::Parse(x.at("stored_at").as_string());
      const auto occurred = Instant::Parse(x.at("occurred_at").as_string());
      REQUIRE(stored);
      REQUIRE(occurred);
      CHECK(Int(x.at("lateness_seconds")) == stored->seconds - occurred->seconds);
      CHECK(stored->seconds >= now.seconds);
    }
    const auto& bad = Tally(r, "origins", kBad);
    CHECK(Int(bad.at("lateness").at("max_seconds")) == Int(late[0].at("lateness_seconds")));

    const auto& repeats = r.at("repeats_without_initial").as_array();
    REQUIRE(repeats.size() == 1);
    CHECK(repeats[0].at("case_id").as_string() == b);
    CHECK(repeats[0].at("initial_case_id").as_string() == "110105-2025-0000009");

    const auto& gaps = r.at("gaps").as_array();
    REQUIRE(gaps.size() == 1);
    CHECK(gaps[0].at("origin").as_string() == kBad);
    CHECK(gaps[0].at("stream").as_string() == "up");
    CHECK(Int(gaps[0].at("next_seq")) == 3);
    CHECK(Int(gaps[0].at("held")) == 1);

    const auto& outdated = r.at("outdated_batches").as_array();
    REQUIRE(outdated.size() == 1);
    CHECK(outdated[0].at("batch_id").as_string() == "110105-up-2");
    CHECK(outdated[0].at("code_version").as_string() == "xf-codes-2025.9");

    CHECK(r.at("children").as_array()[0].at("id").as_string() == "110000");
    CHECK(Int(r.at("children").as_array()[0].at("silent_seconds")) > 0);
  }

  {
    INFO("one level down, the province's report rolls the city's subtree up (no gap reached it)");
    const auto p = Report(t, "110000");
    const auto& o = Tally(p, "origins", kBad);
    CHECK(Counts(o) ==
          "events 4, registrations 2, batches 2, R1 1, R2 1, R3 0, R6 0, rejected 2, R4 1, measured 4, late 2, "
          "gaps 0, outdated 1");
    CHECK(o.at("score").as_double() == 71.7);  // 100 − (8.33 + 5 + 12.5 + 2.5)
    const auto& s = Tally(p, "subtrees", "110100");
    CHECK(Counts(s) == "events 8, registrations 4, batches " + std::to_string(6 + city_batches) +
                           ", R1 1, R2 1, R3 0, R6 0, rejected 2, R4 1, measured 8, late 2, gaps 0, outdated 1");
    CHECK(s.at("silent").as_bool());
    // 100 − (5 + 2.5 + 6.25 + 5 × 1/(6 + the city's batches) + 10)
    CHECK(s.at("score").as_double() ==
          std::round((100 - (5 + 2.5 + 6.25 + 5.0 / static_cast<double>(6 + city_batches) + 10)) * 10) / 10);
    CHECK(Tally(p, "origins", kGood).at("score").as_double() == 100.0);
  }

  {
    INFO("xfctl conformance --batch judges batch #1 offline the same way");
    const auto dir = t.Root() / "offline";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "b1.zst", std::ios::binary) << b1.bytes;
    std::ofstream(dir / "b1.sig", std::ios::binary) << b1.signature;
    const auto res = Xfctl({"conformance", "--batch", (dir / "b1.zst").string(), "--signature",
                            (dir / "b1.sig").string(), "--key", (t.Dir(kBad) / "keys" / "signing.pub").string(),
                            "--format", "json"});
    CHECK(res.status == 3);  // violations found
    const auto j = json::parse(res.output).as_object();
    CHECK(j.at("signature").at("valid").as_bool());
    CHECK(Int(j.at("records")) == 4);
    CHECK(Int(j.at("records_with_violations")) == 2);
    CHECK(Int(j.at("violations_by_rule").at("R1")) == 1);
    CHECK(Int(j.at("violations_by_rule").at("R2")) == 1);
    CHECK(Int(j.at("lateness").at("over_bound")) == 1);  // A, 72 h before the batch was made
    CHECK(j.at("notes").as_array().size() == 1);         // B's initial case is not in the batch (R4)
    // 25 × 2/4 + 25 × 1/4
    CHECK(j.at("score").as_double() == 81.3);
  }
}

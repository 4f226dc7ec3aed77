// xfctl bench report: the conformance report (node/conformance.h) over a
// national node's database of 1,000,000 events from 3,000 origins.
//
//   xfctl bench report [--events N] [--origins N] [--days D] [--runs N] [--summaries]
//                      [--dir DIR [--reuse] | --node NODE-DIR]
//
// The database is made by the real Store (migrations), then filled with SQL
// in one transaction: every event is a real record (schema::EventToXml),
// every case's projection the real one (Project, node::BindCaseRow), and the
// traffic is spread as a national node sees it. The origins are real
// jurisdictions of the division table in force today — the provinces, their
// cities and counties, and a department (公安局, ".GAJ") of every tenth county
// — taken province by province in turn, so names and the drill-down
// (national → province → city → county → origin) are those a clerk reads.
// Each origin keeps the rules well, fairly or poorly (60/30/10 %: events over
// the 24 h bound 1/3/10 %, rejected 0.5/1/4 %, cases left undecided
// 0/0/0.5 %, accepted cases never answered 0/0.2/2 %). Registrations,
// decisions (受理 or 不予受理), handling, closures and evaluations over the
// last D days (default 40; the report's period is the last 30), repeat
// cases (a few naming an unknown initial case), 涉法涉诉 cases, batches of 50
// events with a few on old code tables, and held batches behind gaps.
// --summaries adds what the provinces and cities signed and sent up: each
// one's own report of its subtree (the same Compute, scoped to it), signed
// with a key made here whose public half goes to the node's key directory;
// one province's summary under-reports its rejections, and one city's bytes
// were altered after signing, as the report must show.
// Then the report is timed --runs times (default 3), each on a fresh
// read-only connection: as a signed summary computes it (no drill-down), the
// national page (drill-down, trends, accounts), a province's page and a
// county's page. --node NODE-DIR fills the database of a node made by xfctl
// init (not running) instead of a scratch directory, keys in its key
// directory: start xfnode on it to browse /report.html. --reuse times the
// database an earlier run left in --dir without filling it again.
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <map>
#include <optional>
#include <random>
#include <set>

#include <boost/json.hpp>

#include "codes/calendar.h"
#include "codes/codebook.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "node/conformance.h"
#include "node/projection.h"
#include "node/sqlite.h"
#include "node/store.h"
#include "node/summary.h"
#include "schema/xml.h"
#include "tools/bench/bench_data.h"
#include "tools/bench/bench_util.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

namespace sql = node::sql;
namespace json = boost::json;
using node::CaseState;
using node::Project;
using Steady = std::chrono::steady_clock;
constexpr std::int64_t kHour = 3600, kDay = 86400;

double Since(Steady::time_point a) { return std::chrono::duration<double>(Steady::now() - a).count(); }

// CPU seconds (user + system) of this process so far: beside the wall
// time, so a figure taken on a busy machine can still be read.
double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The origins (see the top of the file), at most `n`, province by province in turn.
std::vector<std::string> RealOrigins(const codes::CodeBook& book, std::size_t n) {
  std::map<std::string, std::vector<std::string>> by_province;  // in code order
  std::size_t counties = 0;
  for (const auto* e : book.Entries(codes::table::kDivision)) {
    if (e->valid_to || e->code.size() != 6) continue;
    const std::string pp = e->code.substr(0, 2);
    if (pp == "71" || pp == "81" || pp == "82") continue;  // no node of its own
    auto& list = by_province[pp];
    if (!list.empty() && list.back() == e->code) continue;  // one period each
    list.push_back(e->code);
    if (e->code.compare(4, 2, "00") != 0 && ++counties % 10 == 0) list.push_back(e->code + ".GAJ");
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; out.size() < n; ++i) {
    bool any = false;
    for (auto& [pp, list] : by_province) {
      if (i < list.size() && out.size() < n) {
        out.push_back(list[i]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

// How well an origin keeps the rules (per mille).
struct Profile {
  int late, rejected, undecided, unanswered;
};
constexpr Profile kProfiles[] = {{10, 5, 0, 0}, {30, 10, 0, 2}, {100, 40, 5, 20}};

class Generator {
 public:
  Generator(sql::Db& db, Instant now, std::string code_version, std::vector<std::string> origins,
            int days)
      : m_db(db),
        m_now(now),
        m_code_version(std::move(code_version)),
        m_origins(std::move(origins)),
        m_next(m_origins.size()),
        m_days(days) {
    for (auto& st : m_next) {
      const auto roll = m_rng() % 10;
      st.profile = &kProfiles[roll < 6 ? 0 : roll < 9 ? 1 : 2];
    }
  }

  Status Prepare() {
    auto p = [&](sql::Stmt& into, const char* text) -> Status {
      auto st = m_db.Prepare(text);
      if (!st) return st.error();
      into = std::move(st).value();
      return {};
    };
    if (auto s = p(m_event, "INSERT INTO events(origin, seq, case_id, kind, occurred_at, recorded_at, stored_at, xml) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
        !s) return s;
    if (auto s = p(m_case, node::UpsertCaseSql()); !s) return s;
    if (auto s = node::PrepareEventFacts(m_db, m_facts); !s) return s;
    if (auto s = p(m_reject, "INSERT INTO rejections(batch_id, origin, event_id, rule, field, reason, at) "
                             "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        !s) return s;
    return p(m_batch,
             "INSERT INTO batches(batch_id, origin, stream, seq, destination, created, code_version, record_count, "
             "received_from, stored_at, state, accepted, rejected, forward_to, bytes, signature, attachments) "
             "VALUES(?1, ?2, 'up', ?3, '100000', ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, '', ?12, ?13, '')");
  }

  // Generates cases until `events` events are stored.
  Status Run(std::int64_t events, Progress* progress = nullptr) {
    for (std::int64_t c = 0; m_events < events; ++c) {
      if (auto s = OneCase(static_cast<int>(c), events); !s) return s;
      if (progress != nullptr && c % 256 == 0) progress->Set(static_cast<std::uint64_t>(m_events));
    }
    for (std::size_t o = 0; o < m_origins.size(); ++o) {
      if (auto s = FlushBatch(o, true); !s) return s;
    }
    return Finish();
  }

  std::int64_t Events() const { return m_events; }
  std::int64_t Cases() const { return m_cases; }
  std::int64_t Rejected() const { return m_rejected; }
  std::int64_t Batches() const { return m_batches; }
  std::int64_t Late() const { return m_late; }

 private:
  struct OriginState {
    std::uint64_t seq = 0;        // events minted
    std::uint64_t batch_seq = 0;  // batches sent
    std::int64_t in_batch = 0, rejected_in_batch = 0;
    std::int64_t batch_stored = 0;
    std::vector<std::string> cases;  // for repeats
    int case_no = 0;
    const Profile* profile = &kProfiles[0];
  };

  bool Chance(int per_mille) { return static_cast<int>(m_rng() % 1000) < per_mille; }

  std::int64_t Delay(const Profile& p) {
    // Over the 24 h bound (25 h to 10 days) as the origin's profile says; else seconds to hours.
    if (Chance(p.late)) {
      ++m_late;
      return 25 * kHour + static_cast<std::int64_t>(m_rng() % (9 * kDay));
    }
    return m_rng() % 100 < 80 ? 5 + static_cast<std::int64_t>(m_rng() % 600)
                              : static_cast<std::int64_t>(m_rng() % (20 * kHour));
  }

  Status OneCase(int c, std::int64_t limit) {
    const std::size_t o = static_cast<std::size_t>(m_rng() % m_origins.size());
    const std::string& origin = m_origins[o];
    const std::string place = origin.substr(0, 6);  // a department's county
    auto& st = m_next[o];
    const Profile& profile = *st.profile;
    // Registered in the last `days` days.
    const std::int64_t t0 =
        m_now.seconds - kHour -
        static_cast<std::int64_t>(m_rng() % (static_cast<std::uint64_t>(m_days) * kDay));
    char id[64];
    std::snprintf(id, sizeof id, "%s-%04d-%07d", origin.c_str(), Instant{t0}.ToDate().year,
                  ++st.case_no);
    const std::string case_id = id;

    schema::CaseRegistration body;
    body.case_id = case_id;
    body.received_date = Instant{t0}.ToDate();
    body.channel = c % 3 == 0 ? "100" : c % 3 == 1 ? "200" : "301";
    if (body.channel == "200") body.visit_type = "1";
    body.registering_body = origin;
    body.registrar = "登记员" + std::to_string(c % 50);
    body.registered_at = Instant{t0};
    schema::Petitioner p;
    p.name = "信访人" + std::to_string(c);
    p.gender = c % 2 ? "1" : "2";
    p.ethnicity = "01";
    p.id_number = bench::IdNumber(place, Date{1950 + c % 50, 1 + c % 12, 1 + c % 28}, c);
    p.phone = "1390000" + std::to_string(1000 + c % 9000);
    p.address = "某某街道" + std::to_string(c % 200) + "号";
    p.address_division = place;
    p.first = true;
    body.petitioners.push_back(p);
    body.summary = "信访人反映所在村集体资产承包合同未经村民代表大会讨论，承包费收支未公开。编号" + std::to_string(c);
    body.requests = "要求公开集体资产承包合同及承包费收支情况。";
    body.problem_place = place;
    const bool legal = m_rng() % 100 < 2;
    body.content_category = legal ? "090101" : "010101";
    body.purpose = "02";
    body.responsible_unit = "某某镇人民政府";
    body.due_date = Instant{t0 + 60 * kDay}.ToDate();
    const auto roll = m_rng() % 1000;
    if (roll < 50 && !st.cases.empty()) {  // 5 %: a repeat of an earlier case of the same origin
      body.repeat = true;
      body.initial_case_id = st.cases[m_rng() % st.cases.size()];
    } else if (roll < 55) {  // 0.5 %: a repeat whose initial case nobody sent (R4)
      body.repeat = true;
      body.initial_case_id = origin + "-2025-9" + std::to_string(100000 + c % 100000);
    }
    st.cases.push_back(case_id);

    std::vector<schema::Event> events;
    auto add = [&](schema::EventKind kind, std::int64_t at, schema::EventBody b) {
      schema::Event e;
      e.origin = origin;
      e.case_id = case_id;
      e.kind = kind;
      e.occurred_at = Instant{at};
      e.recorded_at = Instant{at + 30};
      e.actor = "经办人" + std::to_string(c % 30);
      e.body = std::move(b);
      events.push_back(std::move(e));
    };
    add(schema::EventKind::kRegistration, t0, std::move(body));
    std::int64_t t = t0 + kHour + static_cast<std::int64_t>(m_rng() % (20 * kDay));
    if (Chance(profile.undecided)) {
      // left undecided: overdue once its 15 days run out
    } else if (m_rng() % 100 >= 90) {
      add(schema::EventKind::kAcceptance, t,
          schema::Acceptance{"2", origin, "不属于本机关职权范围，不予受理。"});
    } else {
      add(schema::EventKind::kAcceptance, t, schema::Acceptance{"1", origin, "属于本机关职权范围，依法予以受理。"});
      t += kDay + static_cast<std::int64_t>(m_rng() % (70 * kDay));
      if (!Chance(profile.unanswered)) {
        schema::Handling h;
        h.method = legal && m_rng() % 2 ? "070100" : "010200";
        h.body = origin;
        h.reply = "经调查核实，已责成相关单位依法处理，并向信访人书面答复。";
        add(schema::EventKind::kHandling, t, h);
        t += kHour + static_cast<std::int64_t>(m_rng() % (5 * kDay));
        if (m_rng() % 100 < 60) {
          add(schema::EventKind::kClosure, t, schema::Closure{origin, "已办结"});
          t += kHour + static_cast<std::int64_t>(m_rng() % (3 * kDay));
          if (m_rng() % 100 < 50) {
            schema::Evaluation v;
            v.target = m_rng() % 2 ? schema::Evaluation::Target::kHandler : schema::Evaluation::Target::kBureau;
            v.value = std::to_string(1 + m_rng() % 3);
            v.method = "sms";
            add(schema::EventKind::kEvaluation, t, v);
          }
        }
      }
    }
    std::vector<schema::Event> stored;
    for (auto& e : events) {
      if (m_events >= limit) break;
      const std::int64_t at = e.occurred_at.seconds + Delay(profile);
      if (at >= m_now.seconds) break;  // not yet sent
      e.seq = ++st.seq;
      const std::string xml = schema::EventToXml(e);
      if (Chance(profile.rejected)) {  // rejected by this node, never stored
        static const char* const kRules[][2] = {
            {"R2", "content_category"}, {"R3", "petitioners[0].id_number"}, {"R1", "attachments"}, {"R6", "case_id"}};
        const auto& r = kRules[m_rng() % 4];
        m_reject.Bind(1, BatchId(origin, st.batch_seq + 1)).Bind(2, origin).Bind(3, e.Id()).Bind(4, r[0])
            .Bind(5, r[1]).Bind(6, "bench").Bind(7, at);
        if (auto s = m_reject.Run(); !s) return s;
        ++m_rejected;
        ++st.rejected_in_batch;
        if (e.kind == schema::EventKind::kRegistration) break;  // the rest of the case is orphaned: not sent
        continue;
      }
      m_event.Bind(1, origin).Bind(2, static_cast<std::int64_t>(e.seq)).Bind(3, case_id)
          .Bind(4, schema::EventKindName(e.kind)).Bind(5, e.occurred_at.seconds).Bind(6, e.recorded_at.seconds)
          .Bind(7, at).BindBlob(8, xml);
      if (auto s = m_event.Run(); !s) return s;
      if (auto s = node::WriteEventFacts(m_facts, e, Instant{at}); !s) return s;
      ++m_events;
      ++st.in_batch;
      st.batch_stored = std::max(st.batch_stored, at);
      stored.push_back(e);
      if (st.in_batch >= 50) {
        if (auto s = FlushBatch(o, false); !s) return s;
      }
    }
    if (stored.empty() || stored.front().kind != schema::EventKind::kRegistration) return {};
    ++m_cases;
    const CaseState state = Project(stored);
    node::BindCaseRow(m_case, case_id, state);
    return m_case.Run();
  }

  static std::string BatchId(const std::string& origin, std::uint64_t seq) {
    return exchange::MakeBatchId(origin, std::string(exchange::kUpStream), seq);
  }

  // Closes the origin's open batch (≈2 KiB of bytes, as a compressed batch of 50 is).
  Status FlushBatch(std::size_t o, bool last) {
    auto& st = m_next[o];
    if (st.in_batch == 0 && st.rejected_in_batch == 0) return {};
    const std::string& origin = m_origins[o];
    const std::uint64_t seq = ++st.batch_seq;
    std::string bytes(2048, '\0');
    for (auto& ch : bytes) ch = static_cast<char>(m_rng());
    m_batch.Bind(1, BatchId(origin, seq)).Bind(2, origin).Bind(3, static_cast<std::int64_t>(seq))
        .Bind(4, st.batch_stored - 2).Bind(5, m_rng() % 100 == 0 ? std::string("xf-codes-2025.9") : m_code_version)
        .Bind(6, st.in_batch + st.rejected_in_batch).Bind(7, origin.substr(0, 2) + "0000").Bind(8, st.batch_stored)
        .Bind(9, "applied").Bind(10, st.in_batch).Bind(11, st.rejected_in_batch).BindBlob(12, bytes)
        .BindBlob(13, std::string(64, 's'));
    if (auto s = m_batch.Run(); !s) return s;
    ++m_batches;
    st.in_batch = st.rejected_in_batch = 0;
    (void)last;
    return {};
  }

  // Streams, origins, and a held batch behind a gap for 1 % of the origins.
  Status Finish() {
    auto stream = m_db.Prepare("INSERT INTO streams(origin, stream, next_seq) VALUES(?1, 'up', ?2)");
    auto last = m_db.Prepare("INSERT INTO origins(origin, last_seq) VALUES(?1, ?2)");
    if (!stream) return stream.error();
    if (!last) return last.error();
    for (std::size_t o = 0; o < m_origins.size(); ++o) {
      auto& st = m_next[o];
      if (st.seq == 0) continue;
      stream->Bind(1, m_origins[o]).Bind(2, static_cast<std::int64_t>(st.batch_seq + 1));
      if (auto s = stream->Run(); !s) return s;
      last->Bind(1, m_origins[o]).Bind(2, static_cast<std::int64_t>(st.seq));
      if (auto s = last->Run(); !s) return s;
      if (o % 100 == 7) {  // seq batch_seq + 1 never came; batch_seq + 2 is held
        const std::uint64_t seq = st.batch_seq + 2;
        const std::int64_t at = m_now.seconds - static_cast<std::int64_t>(m_rng() % (5 * kDay));
        m_batch.Bind(1, BatchId(m_origins[o], seq)).Bind(2, m_origins[o]).Bind(3, static_cast<std::int64_t>(seq))
            .Bind(4, at).Bind(5, m_code_version).Bind(6, 10).Bind(7, m_origins[o].substr(0, 2) + "0000")
            .Bind(8, at).Bind(9, "held").Bind(10, 0).Bind(11, 0).BindBlob(12, std::string(2048, 'h'))
            .BindBlob(13, std::string(64, 's'));
        if (auto s = m_batch.Run(); !s) return s;
        ++m_batches;
      }
    }
    return {};
  }

  sql::Db& m_db;
  Instant m_now;
  std::string m_code_version;
  std::vector<std::string> m_origins;
  std::vector<OriginState> m_next;
  int m_days = 40;
  std::mt19937_64 m_rng{20261122};
  sql::Stmt m_event, m_case, m_reject, m_batch;
  node::EventFactStatements m_facts;
  std::int64_t m_events = 0, m_cases = 0, m_rejected = 0, m_batches = 0, m_late = 0;
};

// What the provinces, cities (and counties with departments) above the
// origins signed and sent up (see the top of the file): one summary each,
// its key's public half in `keys_dir`. The province with the most
// rejections leaves them out of its account; the first city's bytes are
// altered after signing. Says which.
struct Signed {
  int count = 0;
  std::string under_reporting, altered;
};

Result<Signed> AddSummaries(const std::filesystem::path& file, const codes::CodeBook& book,
                            Instant now, const std::vector<std::string>& origins,
                            const std::filesystem::path& keys_dir) {
  std::set<std::string> provinces, below;
  for (const auto& o : origins) {
    for (std::string up = node::conformance::ParentOf(o); !up.empty() && up != "100000";
         up = node::conformance::ParentOf(up)) {
      (up.compare(2, 4, "0000") == 0 ? provinces : below).insert(up);
    }
  }
  std::map<std::string, std::string> texts;  // id → its summary
  Signed out;
  std::int64_t most = -1;
  for (const auto* set : {&provinces, &below}) {
    for (const auto& id : *set) {
      node::conformance::Options o;
      o.now = now;
      o.node_id = id;
      o.scope = id;
      o.max_listed = node::summary::kListed;
      auto report = node::conformance::ComputeFromFile(file, book, o);
      if (!report) return report.error();
      texts[id] = node::summary::Make(*report);
      if (set == &provinces) {
        std::int64_t rejected = 0;
        for (const auto& t : report->origins) rejected += t.rejections_total;
        if (rejected > most) {
          most = rejected;
          out.under_reporting = id;
        }
      } else if (out.altered.empty() && id.compare(4, 2, "00") == 0) {
        out.altered = id;
      }
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(keys_dir, ec);
  auto db = sql::Db::Open(file);
  if (!db) return db.error();
  auto put = db->Prepare(
      "INSERT OR REPLACE INTO summaries(origin, generated, json, signature, received_from, "
      "stored_at, sent) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?2, 0)");
  if (!put) return put.error();
  for (auto& [id, text] : texts) {
    if (id == out.under_reporting) {
      json::value v = json::parse(text);
      for (auto& t : v.as_object()["origins"].as_array()) {
        for (auto& [rule, count] : t.as_object()["rejections"].as_object()) count = 0;
      }
      text = node::conformance::JsonText(v);
    }
    auto key = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
    if (!key) return key.error();
    auto sig = exchange::SignBytes(*key, text);
    if (!sig) return sig.error();
    if (id == out.altered) {
      json::value v = json::parse(text);
      auto& first = v.as_object()["origins"].as_array().at(0).as_object();
      first["events_received"] = first["events_received"].to_number<std::int64_t>() + 1;
      text = node::conformance::JsonText(v);
    }
    if (auto s = WriteFile(keys_dir / (id + ".pub"), key->Public().Pem()); !s) return s.error();
    const bool province = provinces.count(id) > 0;
    put->Bind(1, id)
        .Bind(2, now.seconds)
        .Bind(3, text)
        .BindBlob(4, *sig)
        .Bind(5, province ? id : node::conformance::ParentOf(id));
    if (auto s = put->Run(); !s) return s.error();
    ++out.count;
  }
  return out;
}

}  // namespace

int CmdBenchReport(const Args& args) {
  if (auto u =
          args.Unknown({"events", "origins", "runs", "dir", "node", "days", "summaries", "reuse"});
      !u.empty()) {
    std::cerr << "xfctl bench report: " << u << "\n";
    return 2;
  }
  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) {
    std::cerr << "xfctl bench: " << Why(book.error()) << "\n";
    return 1;
  }
  const std::size_t available = RealOrigins(**book, 1u << 20).size();
  const long long events = std::atoll(args.Get("events", "1000000").c_str());
  const long long origins = std::atoll(args.Get("origins", "3000").c_str());
  const int runs = std::atoi(args.Get("runs", "3").c_str());
  const int days = std::atoi(args.Get("days", "40").c_str());
  if (events <= 0 || origins <= 0 || static_cast<std::size_t>(origins) > available || runs < 0 ||
      days <= 0 || days > 3650 || (args.Has("dir") && args.Has("node")) ||
      (args.Has("reuse") && !args.Has("dir"))) {
    std::cerr
        << "xfctl bench report: --events, --days positive (days ≤ 3650); --runs ≥ 0; --origins 1.."
        << available << "; --dir or --node, not both; --reuse with --dir\n";
    return 2;
  }
  std::optional<bench::ScratchDir> scratch;  // without --node
  std::filesystem::path dir, keys_dir;
  node::NodeConfig config;  // where the summaries' keys are found
  if (args.Has("node")) {
    auto c = FindNode(args);
    if (!c) {
      std::cerr << "xfctl bench report: " << Why(c.error()) << "\n";
      return 2;
    }
    config = *c;
    dir = config.data_dir;
    keys_dir = config.key_directory;
    if (std::filesystem::exists(dir / "xfnode.db")) {
      std::cerr << "xfctl bench report: " << (dir / "xfnode.db").string()
                << " exists; --node fills only a new node's database (xfctl init, before the first "
                   "start)\n";
      return 1;
    }
    if (keys_dir.empty() && args.Has("summaries")) {
      std::cerr << "xfctl bench report: the node's configuration has no key_directory for the "
                   "summaries' keys\n";
      return 1;
    }
  } else {
    auto made = bench::ScratchDir::Make(args.Get("dir", ""), "report");
    if (!made) {
      std::cerr << "xfctl bench report: " << Why(made.error()) << "\n";
      return 1;
    }
    scratch.emplace(std::move(made).value());
    dir = scratch->Path();
    if (scratch->Kept() && !args.Has("reuse")) {
      std::error_code ec;
      std::filesystem::remove(dir / "xfnode.db", ec);
      std::filesystem::remove(dir / "xfnode.db-wal", ec);
      std::filesystem::remove(dir / "xfnode.db-shm", ec);
    }
  }
  if (keys_dir.empty()) keys_dir = dir / "keys";
  config.key_directory = keys_dir;
  const SystemClock clock;
  const Instant now = clock.Now();
  const auto file = dir / "xfnode.db";
  {
    // The real schema, every migration.
    auto store = node::Store::Open(file, clock);
    if (!store) {
      std::cerr << "xfctl bench: " << Why(store.error()) << "\n";
      return 1;
    }
  }
  auto list = RealOrigins(**book, static_cast<std::size_t>(origins));
  Progress progress("基准：合规报告", "bench report", static_cast<std::uint64_t>(events), English(args));
  progress.Step("生成全国数据库", "filling a national database");
  const auto t_fill = Steady::now();
  std::int64_t n_events = 0;
  if (args.Has("reuse")) {
    // --reuse: time the database an earlier run left in --dir, as it is.
    auto db = sql::Db::OpenReadOnly(file);
    if (!db) {
      std::cerr << "xfctl bench report: --reuse: " << Why(db.error()) << "\n";
      return 1;
    }
    list.clear();
    auto q = db->Prepare("SELECT origin FROM origins ORDER BY origin", false);
    auto n = db->Prepare("SELECT count(*) FROM events", false);
    if (!q || !n || !n->Step()) {
      std::cerr << "xfctl bench report: --reuse: cannot read " << file.string() << "\n";
      return 1;
    }
    n_events = n->Int(0);
    for (auto row = q->Step(); row && *row; row = q->Step()) list.push_back(q->Text(0));
    if (list.empty()) {
      std::cerr << "xfctl bench report: --reuse: no origins in " << file.string() << "\n";
      return 1;
    }
    std::cout << Say("基准：合规报告：沿用 ", "bench report: reusing ") << file.string() << Say("：", ": ") << n_events
              << Say(" 个事件，", " events, ") << list.size() << Say(" 个发起节点\n", " origins\n");
  } else {
    auto db = sql::Db::Open(file);
    if (!db) {
      std::cerr << "xfctl bench: " << Why(db.error()) << "\n";
      return 1;
    }
    (void)db->Exec("PRAGMA synchronous=OFF");
    Generator gen(*db, now, (*book)->Version(), list, days);
    sql::Txn txn(*db);
    Status s = txn.Began();
    if (s) s = gen.Prepare();
    if (s) s = gen.Run(events, &progress);
    if (s) s = txn.Commit();
    if (!s) {
      std::cerr << "xfctl bench report: filling the database: " << Why(s.error()) << "\n";
      return 1;
    }
    if (auto c = db->Exec("PRAGMA wal_checkpoint(TRUNCATE)"); !c) {
      std::cerr << "xfctl bench report: " << Why(c.error()) << "\n";
      return 1;
    }
    n_events = gen.Events();
    std::error_code ec;
    std::ostringstream line;
    line << "bench report: " << gen.Events() << " events (" << gen.Late() << " sent over 24 h), " << gen.Cases()
         << " cases, " << gen.Rejected() << " rejections, " << gen.Batches() << " batches, " << list.size()
         << " origins over " << days << " days; filled in " << std::fixed << std::setprecision(1) << Since(t_fill)
         << " s, " << std::filesystem::file_size(file, ec) / (1 << 20) << " MiB at " << file.string();
    progress.Say(line.str(), stdout);
  }
  if (args.Has("summaries") && !args.Has("reuse")) {
    const auto t = Steady::now();
    auto n = AddSummaries(file, **book, now, list, keys_dir);
    if (!n) {
      std::cerr << "xfctl bench report: summaries: " << Why(n.error()) << "\n";
      return 1;
    }
    std::cout << Say("基准：合规报告：", "bench report: ") << n->count
              << Say(" 份签名汇总（密钥在 ", " signed summaries (keys in ") << keys_dir.string() << Say("），用时 ", ") in ")
              << std::setprecision(1) << Since(t) << Say(" 秒；少报退回的：", " s; under-reporting rejections: ")
              << n->under_reporting << Say("；签名后被改动的：", "; altered after signing: ") << n->altered << "\n";
  }
  if (runs == 0) return 0;
  node::conformance::Options o;
  o.now = now;
  o.node_id = "100000";
  for (const auto& x : list) {
    const std::string province = x.substr(0, 2) + "0000";
    if (std::find(o.children.begin(), o.children.end(), province) == o.children.end())
      o.children.push_back(province);
  }
  // A province and a county to page into: those of the first county-level origin.
  std::string county = list.front();
  for (const auto& x : list) {
    if (x.size() == 6 && x.compare(4, 2, "00") != 0) {
      county = x;
      break;
    }
  }
  const std::string province = county.substr(0, 2) + "0000";
  struct Variant {
    std::string name;
    bool tree;
    std::string scope;
    double best = 1e9, total = 0;
  };
  std::vector<Variant> variants = {{Say("汇总（不下钻）", "summary (no drill-down)"), false, ""},
                                   {Say("全国页", "national page"), true, ""},
                                   {Say("省级页 ", "province page ") + province, true, province},
                                   {Say("县级页 ", "county page ") + county, true, county}};
  // The pages as the node serves them: with the holiday calendar it loaded
  // at start (the summary, as a node makes it, loads its own).
  auto calendar = codes::Calendar::FromBook(**book);
  if (!calendar) {
    std::cerr << "xfctl bench report: " << Why(calendar.error()) << "\n";
    return 1;
  }
  progress.SetTotal(static_cast<std::uint64_t>(runs));
  progress.Set(0);
  for (int i = 0; i < runs; ++i) {
    progress.Step("计算报告 第 " + std::to_string(i + 1) + " 次", "computing the report, run " + std::to_string(i + 1));
    std::ostringstream line;
    line << Say("  第 ", "  run ") << i + 1 << Say(" 次：", ":");
    for (auto& v : variants) {
      auto opts = o;
      opts.tree = v.tree;
      opts.scope = v.scope;
      opts.verify = node::summary::KeyFileVerifier(config);
      if (v.tree) opts.calendar = &*calendar;
      const auto t = Steady::now();
      const double cpu0 = CpuSeconds();
      auto report = node::conformance::ComputeFromFile(file, **book, opts);
      const double secs = Since(t);
      const double cpu = CpuSeconds() - cpu0;
      if (!report) {
        std::cerr << "\nxfctl bench report: " << Why(report.error()) << "\n";
        return 1;
      }
      v.best = std::min(v.best, secs);
      v.total += secs;
      line << (&v == &variants.front() ? " " : Say("；", "; ")) << v.name << " " << std::setprecision(2) << secs
           << Say(" 秒（CPU ", " s (cpu ") << cpu << Say(" 秒", " s");
      if (&v == &variants.front()) {
        std::int64_t measured = 0, late = 0;
        for (const auto& t2 : report->origins) {
          measured += t2.lateness.events;
          late += t2.lateness.over_bound;
        }
        line << Say("；", "; ") << report->origins.size() << Say(" 个发起节点，期间 ", " origins, ") << measured
             << Say(" 个事件，迟报 ", " events in the period, ") << late << Say(" 个", " late");
      } else if (report->tree) {
        line << Say("；", "; ") << report->tree->rows.size() << Say(" 行，", " rows, ") << report->tree->origins_matched
             << Say(" 个发起节点", " origins");
      }
      line << Say("）", ")");
    }
    progress.Say(line.str(), stdout);
    progress.Set(static_cast<std::uint64_t>(i + 1));
  }
  progress.Done();
  std::cout << Say("基准：合规报告：", "bench report: ") << n_events << Say(" 个事件，", " events, ") << list.size()
            << Say(" 个发起节点，", " origins, best of ") << (EnglishWords() ? std::to_string(runs) + ":" : std::to_string(runs) + " 次中最好：");
  for (const auto& v : variants) {
    std::cout << (&v == &variants.front() ? " " : Say("；", "; ")) << v.name << " " << std::setprecision(2)
              << v.best << Say(" 秒（平均 ", " s (mean ") << v.total / runs << Say("）", ")");
  }
  std::cout << Say("（目标 < 10 秒）\n", " (target < 10 s)\n");
  return 0;
}

}  // namespace xf::tools

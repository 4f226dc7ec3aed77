// xfctl bench propagate: how an event registered at a county travels to the
// national bureau through the relays of the demo topology (tools/topology.h),
// real xfnode processes on loopback with mutual TLS.
//
// Latency: the chain 110105 → 110100 → 110000 → 100000 in immediate mode
// (exchange interval 0); N cases registered one at a time at the county
// through its API, spaced so that the figure is latency and not queueing.
// For each, the time from the county's 201 to the case's event in the
// database of each node up the chain, found by a watcher thread that reads
// the three databases (read-only, WAL) every millisecond; all on one clock.
// (events.stored_at is whole seconds: too coarse to measure with.)
//
// Throughput: M events in signed batches of the county's, posted to the
// city in order over mutual TLS with the county's client certificate, as
// the county would; the time from the first post until the national bureau
// holds all M, beside the time one node (a city without a parent) takes to
// apply the same batches.
//
// A benchmark, not a test: it prints what it measured and how.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "codes/codebook.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/receipt.h"
#include "node/sqlite.h"
#include "schema/json.h"
#include "schema/xml.h"
#include "tools/bench/bench_data.h"
#include "tools/bench/bench_util.h"
#include "tools/topology.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/table.h"
#include "tools/xfctl.h"

namespace xf::tools {

int CmdBenchPropagate(const Args& args);

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

using bench::kCounty;
using bench::Percentile;
constexpr const char* kCity = "110100";
constexpr const char* kProvince = "110000";
constexpr const char* kNational = "100000";
constexpr int kWarmUpCases = 3;  // registered and propagated first, not counted

struct Options {
  int cases = 200;               // --n: latency samples (0: skip)
  long events = 1'000'000;       // --events: throughput events (0: skip)
  long batch = 10'000;           // --batch: events per batch
  int spacing_ms = 30;           // --spacing-ms: between two registrations
  fs::path dir;                  // --dir, or a temporary dir removed at the end
  bool english = false;          // --lang en: the progress lines' words
};

int Fail(const std::string& message) {
  std::cerr << "xfctl bench propagate: " << message << "\n";
  return 1;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Result<Options> ParseOptions(const Args& args) {
  if (auto u = args.Unknown({"n", "events", "batch", "spacing-ms", "dir"}); !u.empty()) {
    return MakeError(Errc::kInvalidArgument, u);
  }
  Options o;
  o.english = English(args);
  o.cases = std::atoi(args.Get("n", "200").c_str());
  o.events = std::atol(args.Get("events", "1000000").c_str());
  o.batch = std::atol(args.Get("batch", "10000").c_str());
  o.spacing_ms = std::atoi(args.Get("spacing-ms", "30").c_str());
  if (o.cases < 0 || o.events < 0 || o.batch <= 0 || o.batch > 1'000'000 || o.spacing_ms < 0 ||
      o.events > 9'999'999) {
    return MakeError(Errc::kInvalidArgument, "--n, --events (≤ 9999999), --batch (1…1000000) and --spacing-ms "
                                             "must be numbers in range");
  }
  o.dir = args.Get("dir", "");  // empty: a scratch directory (bench::ScratchDir)
  return o;
}

// `s` padded with spaces to `width` columns (UTF-8: one column per code
// point, which holds for the labels here: ASCII and arrows).
std::string Pad(const std::string& s, std::size_t width) { return width == 0 ? s : PadToWidth(s, width); }

// CPU time (user + system) a process has used so far, from /proc/PID/stat.
double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // state … cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one.empty() ? "unknown" : one + " (1 min), " + five + " (5 min)";
}

// ---- generated cases ----------------------------------------------------------


// ---- reading a node's events while it runs -------------------------------------

class EventWatch {
 public:
  static Result<EventWatch> Open(const fs::path& db) {
    auto d = node::sql::Db::OpenReadOnly(db);
    if (!d) return d.error();
    auto fresh = d->Prepare("SELECT seq, case_id FROM events WHERE origin = ?1 AND seq > ?2 ORDER BY seq");
    if (!fresh) return fresh.error();
    auto max = d->Prepare("SELECT coalesce(max(seq), 0) FROM events WHERE origin = ?1");
    if (!max) return max.error();
    return EventWatch(std::move(d).value(), std::move(fresh).value(), std::move(max).value());
  }
  // Case ids of the county's events that came in since the last call.
  Result<std::vector<std::string>> NewCases() {
    std::vector<std::string> out;
    m_fresh.Reset();
    m_fresh.Bind(1, kCounty).Bind(2, m_seen);
    for (;;) {
      auto row = m_fresh.Step();
      if (!row) return row.error();
      if (!*row) break;
      m_seen = m_fresh.Int(0);
      out.push_back(m_fresh.Text(1));
    }
    m_fresh.Reset();
    return out;
  }
  // The county's highest sequence number here (batches apply in order: all below it are in).
  Result<std::int64_t> MaxSeq() {
    m_max.Reset();
    m_max.Bind(1, kCounty);
    auto row = m_max.Step();
    if (!row) return row.error();
    const std::int64_t v = *row ? m_max.Int(0) : 0;
    m_max.Reset();
    return v;
  }

 private:
  EventWatch(node::sql::Db db, node::sql::Stmt fresh, node::sql::Stmt max)
      : m_db(std::move(db)), m_fresh(std::move(fresh)), m_max(std::move(max)) {}
  node::sql::Db m_db;
  node::sql::Stmt m_fresh;
  node::sql::Stmt m_max;
  std::int64_t m_seen = 0;
};

// Watches the city, province and national databases on a thread of its own.
class ChainWatcher {
 public:
  static constexpr std::size_t kHops = 3;  // city, province, national
  using Seen = std::array<std::optional<Clock::time_point>, kHops>;

  static Result<std::unique_ptr<ChainWatcher>> Start(const Topology& t, std::chrono::microseconds period) {
    std::vector<EventWatch> watches;
    for (const char* id : {kCity, kProvince, kNational}) {
      auto w = EventWatch::Open(t.Node(id).Database());
      if (!w) return MakeError(w.error().code, "cannot read " + t.Node(id).Database().string() + ": " +
                                                   w.error().message);
      watches.push_back(std::move(w).value());
    }
    return std::unique_ptr<ChainWatcher>(new ChainWatcher(std::move(watches), period));
  }
  ~ChainWatcher() {
    m_stop = true;
    m_thread.join();
  }
  ChainWatcher(const ChainWatcher&) = delete;
  ChainWatcher& operator=(const ChainWatcher&) = delete;

  // When `case_id` was first seen at each hop (empty: not yet).
  Seen SeenAt(const std::string& case_id) {
    std::lock_guard lock(m_mutex);
    const auto it = m_seen.find(case_id);
    return it == m_seen.end() ? Seen{} : it->second;
  }
  std::string Error() {
    std::lock_guard lock(m_mutex);
    return m_error;
  }

 private:
  ChainWatcher(std::vector<EventWatch> watches, std::chrono::microseconds period)
      : m_watches(std::move(watches)), m_period(period), m_thread([this] { Run(); }) {}

  void Run() {
    while (!m_stop) {
      for (std::size_t hop = 0; hop < kHops; ++hop) {
        auto fresh = m_watches[hop].NewCases();
        const auto now = Clock::now();
        std::lock_guard lock(m_mutex);
        if (!fresh) {
          m_error = fresh.error().message;
          continue;
        }
        for (const auto& id : *fresh) m_seen[id][hop] = now;
      }
      std::this_thread::sleep_for(m_period);
    }
  }

  std::vector<EventWatch> m_watches;
  std::chrono::microseconds m_period;
  std::mutex m_mutex;
  std::map<std::string, Seen> m_seen;
  std::string m_error;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;  // last: starts once the members above exist
};

// ---- latency ------------------------------------------------------------------------

struct Sent {
  std::string case_id;
  Clock::time_point posted, answered;  // POST sent, 201 received
};

Result<Sent> RegisterOne(const ApiTarget& county, long i, Date today) {
  auto body = json::parse(schema::CaseToJson(bench::SampleCase(i, today))).as_object();
  body.erase("case_id");
  body.erase("registering_body");
  body.erase("registered_at");
  const std::string text = json::serialize(body);
  Sent s;
  s.posted = Clock::now();
  auto r = CallApi(county, "POST", "/v1/cases", text);
  s.answered = Clock::now();
  if (!r) return r.error();
  if (r->status != 201) return MakeError(Errc::kInvalidArgument, "HTTP " + std::to_string(r->status) + ": " + r->body);
  s.case_id = std::string(json::parse(r->body).at("case_id").as_string());
  return s;
}

// Until every case is at national, or `seconds` pass.
bool WaitAtNational(ChainWatcher& w, const std::vector<Sent>& sent, int seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  for (const auto& s : sent) {
    while (!w.SeenAt(s.case_id)[2]) {
      if (Clock::now() > deadline || InterruptGuard::Interrupted()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return true;
}

// Registers `count` cases one every `spacing`, numbered from `first`.
Result<std::vector<Sent>> RegisterSpaced(const ApiTarget& county, long first, int count,
                                         std::chrono::milliseconds spacing) {
  const Date today = SystemClock().Now().ToDate();
  std::vector<Sent> sent;
  auto next = Clock::now();
  for (int i = 0; i < count && !InterruptGuard::Interrupted(); ++i) {
    std::this_thread::sleep_until(next);
    next += spacing;
    auto s = RegisterOne(county, first + i, today);
    if (!s) return s.error();
    sent.push_back(std::move(s).value());
  }
  return sent;
}

// The fixed costs behind each hop, measured on their own.
struct HopCosts {
  std::vector<double> plain_request_ms;  // a fresh plain-HTTP connection and one request
  std::vector<double> tls_request_ms;    // a fresh mutual-TLS connection and one request
  std::vector<double> commit_ms;       // one SQLite commit, WAL + synchronous=FULL, in the bench dir
};

exchange::HttpClientOptions CountyClient(const TopologyNode& county, const TopologyNode& city) {
  exchange::HttpClientOptions o;
  o.timeout = std::chrono::milliseconds(300'000);
  o.tls = exchange::TlsFiles{(county.dir / "keys" / "tls.crt").string(), (county.dir / "keys" / "tls.key").string(),
                             (city.dir / "keys" / "tls.crt").string(), false};
  o.expected_server_cn = city.Id();
  return o;
}

// Milliseconds each of `samples` runs of `call` took; stops at the first failure.
Result<std::vector<double>> TimeEach(int samples, const std::function<Status()>& call) {
  std::vector<double> ms;
  for (int i = 0; i < samples; ++i) {
    const auto t0 = Clock::now();
    if (auto s = call(); !s) return s.error();
    ms.push_back(Ms(Clock::now() - t0));
  }
  return ms;
}

Status Ok(const Result<exchange::HttpResponse>& r) { return r ? Status{} : Status(r.error()); }

Result<HopCosts> MeasureHopCosts(const Topology& t, const fs::path& dir, int samples) {
  const auto& city = t.Node(kCity);
  const auto opts = CountyClient(t.Node(kCounty), city);
  auto plain = TimeEach(samples, [&] { return Ok(exchange::HttpCall("GET", city.api.url + "/healthz", {}, "")); });
  if (!plain) return plain.error();
  // The county asks the city for batches queued for it: none (204).
  auto tls = TimeEach(samples, [&] {
    return Ok(exchange::HttpCall("GET", city.ExchangeUrl() + "/v1/exchange/batches", {}, "", opts));
  });
  if (!tls) return tls.error();
  auto db = node::sql::Db::Open(dir / "commit-cost.db");
  if (!db) return db.error();
  if (auto s = db->Exec("CREATE TABLE IF NOT EXISTS t(x INTEGER)"); !s) return s.error();
  auto ins = db->Prepare("INSERT INTO t VALUES(1)");
  if (!ins) return ins.error();
  auto commits = TimeEach(samples, [&]() -> Status {
    node::sql::Txn txn(*db);
    if (auto s = ins->Run(); !s) return s;
    return txn.Commit();
  });
  if (!commits) return commits.error();
  return HopCosts{std::move(plain).value(), std::move(tls).value(), std::move(commits).value()};
}

void PrintRow(const std::string& label, std::vector<double> ms, const std::string& note) {
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  std::cout << "  " << Pad(label, 44) << std::right << std::fixed << std::setprecision(1)
            << std::setw(8) << Percentile(ms, 0.5) << std::setw(9) << Percentile(ms, 0.99) << std::setw(9)
            << ms.back() << "   " << note << "\n";
}

struct LatencySamples {
  std::vector<double> post, to_city, city_province, province_national, total;
};

LatencySamples Collect(ChainWatcher& w, const std::vector<Sent>& sent) {
  LatencySamples l;
  for (const auto& s : sent) {
    const auto seen = w.SeenAt(s.case_id);
    l.post.push_back(Ms(s.answered - s.posted));
    if (!seen[0] || !seen[1] || !seen[2]) continue;
    l.to_city.push_back(Ms(*seen[0] - s.answered));
    l.city_province.push_back(Ms(*seen[1] - *seen[0]));
    l.province_national.push_back(Ms(*seen[2] - *seen[1]));
    l.total.push_back(Ms(*seen[2] - s.answered));
  }
  return l;
}

void PrintLatency(const Options& o, const LatencySamples& l, const HopCosts& c) {
  std::cout << "  " << Pad("ms", 44) << std::right << std::setw(8) << "p50" << std::setw(9)
            << "p99" << std::setw(9) << "max" << "\n";
  PrintRow(Say("县 → 国家（201 → 进入 100000 的库）", "county → national (201 → in 100000's db)"), l.total,
           Say("目标 p50 ≤ 10，p99 ≤ 50（issue 13）", "target p50 ≤ 10, p99 ≤ 50 (issue 13)"));
  PrintRow(Say("  110105 答复 201 → 进入 110100 的库", "  201 at 110105 → in 110100's db"), l.to_city, "");
  PrintRow(Say("  110100 → 进入 110000 的库", "  110100 → in 110000's db"), l.city_province, "");
  PrintRow(Say("  110000 → 进入 100000 的库", "  110000 → in 100000's db"), l.province_national, "");
  PrintRow(Say("在 110105 POST /v1/cases（→ 201）", "POST /v1/cases at 110105 (→ 201)"), l.post, "");
  PrintRow(Say("固定开销：新建双向 TLS 请求", "fixed cost: fresh mutual-TLS request"), c.tls_request_ms,
           "GET /v1/exchange/batches, 110105 → 110100");
  PrintRow(Say("固定开销：新建普通 HTTP 请求", "fixed cost: fresh plain-HTTP request"), c.plain_request_ms,
           Say("110100 本地接口的 GET /healthz", "GET /healthz of 110100's API"));
  PrintRow(Say("固定开销：一次 SQLite 提交（WAL，FULL）", "fixed cost: one SQLite commit (WAL, FULL)"), c.commit_ms,
           Say("在 ", "in ") + o.dir.string());
  std::cout << "  " << l.total.size() << Say(" / ", " of ") << l.post.size()
            << Say(" 件到达 100000（同样深度的 PostgreSQL 逻辑复制：p50 211 毫秒）\n",
                   " cases reached 100000 (PostgreSQL logical replication, same depth: 211 ms p50)\n");
}

// The chain 100000 ← 110000 ← 110100 ← 110105 under `dir`, created (not started), immediate mode.
Result<Topology> CreateChain(const fs::path& dir) {
  auto t = Topology::Plan(dir, DemoNodes({kNational, kProvince, kCity, kCounty}), {.exchange_interval_seconds = 0});
  if (!t) return t.error();
  if (auto s = t->Create(); !s) return s.error();
  return t;
}

// A few cases through the chain first: connections, caches and pages warm.
Status WarmUp(ChainWatcher& watcher, const ApiTarget& county) {
  auto warm = RegisterSpaced(county, 0, kWarmUpCases, std::chrono::milliseconds(100));
  if (!warm) return warm.error();
  if (!WaitAtNational(watcher, *warm, 30)) return MakeError(Errc::kUnavailable, "the warm-up cases did not reach 100000");
  return {};
}

int RunLatency(const Options& o) {
  if (o.english) {
    std::cout << "bench propagate — latency: " << o.cases << " cases registered one at a time at 110105 (one every "
              << o.spacing_ms << " ms, after " << kWarmUpCases << " not counted), immediate mode (exchange interval 0)\n"
              << "  path 110105 → 110100 → 110000 → 100000, real xfnode processes, mutual TLS on 127.0.0.1; "
                 "a watcher reads the three databases every 1 ms\n"
              << std::flush;
  } else {
    std::cout << "基准：传播时延：在 110105 逐件登记 " << o.cases << " 件（每 " << o.spacing_ms << " 毫秒一件，先预热 "
              << kWarmUpCases << " 件不计），即时模式（交换间隔 0）\n"
              << "  路径 110105 → 110100 → 110000 → 100000，真实的 xfnode 进程，127.0.0.1 上的双向 TLS；"
                 "观察者每 1 毫秒读一次三个数据库\n"
              << std::flush;
  }
  Progress progress("基准：时延", "bench propagate, latency", 0, o.english);
  progress.Step("建立并启动四个节点", "creating and starting four nodes");
  auto chain = CreateChain(o.dir / "latency");
  if (!chain) return Fail(Why(chain.error()));
  if (auto s = chain->StartAll(); !s) return Fail(Why(s.error()));
  progress.Step("预热、逐件登记并等待到达国家", "warming up, registering one at a time, waiting at 100000");
  auto watcher = ChainWatcher::Start(*chain, std::chrono::microseconds(1000));
  if (!watcher) return Fail(Why(watcher.error()));
  const ApiTarget county = chain->Node(kCounty).api;
  if (auto s = WarmUp(**watcher, county); !s) return Fail(Why(s.error()));
  auto sent = RegisterSpaced(county, kWarmUpCases, o.cases, std::chrono::milliseconds(o.spacing_ms));
  if (!sent) return Fail("registration refused: " + sent.error().message);
  const bool all = WaitAtNational(**watcher, *sent, 60);
  const auto samples = Collect(**watcher, *sent);
  progress.Step("测量单跳开销", "measuring a hop's fixed costs");
  auto costs = MeasureHopCosts(*chain, o.dir, 50);
  if (!costs) return Fail(Why(costs.error()));
  progress.Done();
  PrintLatency(o, samples, *costs);
  if (!all) return Fail("not every case reached 100000 within 60 s " + (*watcher)->Error());
  return 0;
}

// ---- throughput -----------------------------------------------------------------------

struct SignedBatch {
  std::string batch_id;
  std::string bytes;  // zstd, as the county signed it
  std::string signature;
  long events = 0;
};

struct GeneratedBatches {
  std::vector<SignedBatch> batches;
  std::size_t compressed_bytes = 0;
  std::size_t xml_bytes = 0;
};

// The county's up stream: `events` registrations in batches of `per_batch`,
// signed with the county's key, as its node would have packed them.
Result<SignedBatch> MakeBatch(const exchange::PrivateKey& key, const codes::CodeBook& book, std::uint64_t seq,
                              long first, long count, std::size_t* xml_bytes) {
  const Instant now = SystemClock().Now();
  std::vector<std::string> xml;
  xml.reserve(static_cast<std::size_t>(count));
  for (long i = first; i < first + count; ++i) {
    xml.push_back(schema::EventToXml(bench::CountyRegistration(bench::SampleCase(i, now.ToDate()), i, now)));
  }
  exchange::BatchHeader h;
  h.origin = kCounty;
  h.stream = std::string(exchange::kUpStream);
  h.seq = seq;
  h.batch_id = exchange::MakeBatchId(h.origin, h.stream, h.seq);
  h.destination = std::string(exchange::kRootNode);
  h.created = now;
  h.code_version = book.Version();
  h.record_count = static_cast<std::uint64_t>(count);
  const std::string batch_xml = exchange::BatchXml(h, xml);
  *xml_bytes += batch_xml.size();
  auto bytes = exchange::Compress(batch_xml);
  if (!bytes) return bytes.error();
  auto sig = exchange::SignBytes(key, *bytes);
  if (!sig) return sig.error();
  return SignedBatch{h.batch_id, std::move(bytes).value(), std::move(sig).value(), count};
}

Result<GeneratedBatches> MakeBatches(const fs::path& county_dir, long events, long per_batch) {
  auto key = exchange::PrivateKey::LoadPem(county_dir / "keys" / "signing.key");
  if (!key) return key.error();
  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) return book.error();
  GeneratedBatches g;
  std::uint64_t seq = 1;
  for (long first = 0; first < events; first += per_batch, ++seq) {
    auto b = MakeBatch(*key, **book, seq, first, std::min(per_batch, events - first), &g.xml_bytes);
    if (!b) return b.error();
    g.compressed_bytes += b->bytes.size();
    g.batches.push_back(std::move(b).value());
  }
  return g;
}

// POSTs the batches to the city in order, each after the receipt of the one
// before (as the county's sender does). Returns when the last receipt is in.
Status Feed(const Topology& t, const std::vector<SignedBatch>& batches) {
  const auto opts = CountyClient(t.Node(kCounty), t.Node(kCity));
  const std::string url = t.Node(kCity).ExchangeUrl() + "/v1/exchange/batches";
  for (const auto& b : batches) {
    if (InterruptGuard::Interrupted()) return MakeError(Errc::kUnavailable, "interrupted");
    auto r = exchange::HttpCall("POST", url,
                                {{"content-type", "application/zstd"},
                                 {"x-xf-origin", kCounty},
                                 {"x-xf-batch-id", b.batch_id},
                                 {"x-xf-signature", exchange::Base64Encode(b.signature)}},
                                b.bytes, opts);
    if (!r) return r.error();
    if (r->status != 200) {
      return MakeError(Errc::kInvalidArgument, b.batch_id + ": HTTP " + std::to_string(r->status) + ": " + r->body);
    }
    auto receipt = exchange::ParseReceiptXml(r->body);
    if (!receipt) return receipt.error();
    if (receipt->status != "applied" || static_cast<long>(receipt->accepted.size()) != b.events) {
      return MakeError(Errc::kInvalidArgument, b.batch_id + ": " + receipt->status + ", " +
                                                   std::to_string(receipt->accepted.size()) + " of " +
                                                   std::to_string(b.events) + " accepted");
    }
  }
  return {};
}

// Until the node holds the county's events up to `seq` (polled every 10 ms).
Status WaitForSeq(EventWatch& w, std::int64_t seq, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  for (;;) {
    auto max = w.MaxSeq();
    if (!max) return max.error();
    if (*max >= seq) return {};
    if (Clock::now() > deadline || InterruptGuard::Interrupted()) {
      return MakeError(Errc::kUnavailable, "only " + std::to_string(*max) + " of " + std::to_string(seq) + " arrived");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// One node: a city with no parent, the county as its child, the county's
// identity (keys) copied from `county_dir` so the same batches verify.
struct OneNodeTimes {
  double seconds = 0;
  double cpu = 0;  // CPU seconds the node used meanwhile
};

Result<OneNodeTimes> RunOneNode(const Options& o, const fs::path& county_dir, const GeneratedBatches& g) {
  auto planned = Topology::Plan(o.dir / "one-node", DemoNodes({kCity, kCounty}), {.exchange_interval_seconds = 0});
  if (!planned) return planned.error();
  Topology& t = *planned;
  if (auto s = t.Init(); !s) return s.error();
  if (auto s = t.CopyIdentity(kCounty, county_dir); !s) return s.error();
  if (auto s = t.Wire(); !s) return s.error();
  if (auto s = t.ShareKeys(); !s) return s.error();
  if (auto s = t.Start(kCity); !s) return s.error();
  const int pid = t.Node(kCity).proc->Pid();
  const double cpu0 = CpuSeconds(pid);
  const auto t0 = Clock::now();
  if (auto s = Feed(t, g.batches); !s) return MakeError(s.error().code, "one node: " + s.error().message);
  return OneNodeTimes{Secs(Clock::now() - t0), CpuSeconds(pid) - cpu0};
}

struct ChainTimes {
  double city = 0, province = 0, national = 0;  // seconds from the first post until each holds all
  double cpu = 0;                               // CPU seconds the three nodes used meanwhile
};

// CPU seconds used so far by the started nodes of `t`, together.
double CpuSeconds(Topology& t) {
  double sum = 0;
  for (auto& n : t.Nodes()) {
    if (n.Running()) sum += CpuSeconds(n.proc->Pid());
  }
  return sum;
}

Result<ChainTimes> RunChain(Topology& t, const GeneratedBatches& g, long events) {
  if (auto s = t.Start(kNational); !s) return s.error();
  if (auto s = t.Start(kProvince); !s) return s.error();
  if (auto s = t.Start(kCity); !s) return s.error();
  std::vector<EventWatch> watches;
  for (const char* id : {kProvince, kNational}) {
    auto w = EventWatch::Open(t.Node(id).Database());
    if (!w) return w.error();
    watches.push_back(std::move(w).value());
  }
  ChainTimes c;
  const double cpu0 = CpuSeconds(t);
  const auto t0 = Clock::now();
  if (auto s = Feed(t, g.batches); !s) return MakeError(s.error().code, "chain: " + s.error().message);
  c.city = Secs(Clock::now() - t0);
  if (auto s = WaitForSeq(watches[0], events, std::chrono::seconds(1800)); !s) return s.error();
  c.province = Secs(Clock::now() - t0);
  if (auto s = WaitForSeq(watches[1], events, std::chrono::seconds(1800)); !s) return s.error();
  c.national = Secs(Clock::now() - t0);
  c.cpu = CpuSeconds(t) - cpu0;
  t.StopAll();
  return c;
}

void PrintThroughput(const Options& o, const GeneratedBatches& g, double gen_s, const OneNodeTimes& one,
                     const ChainTimes& c) {
  auto rate = [&](double s) { return static_cast<long>(static_cast<double>(o.events) / s); };
  if (o.english) {
    std::cout << std::fixed << std::setprecision(1) << "bench propagate — throughput: " << o.events << " events in "
              << g.batches.size() << " batches of up to " << o.batch << ", signed by 110105 ("
              << g.compressed_bytes / 1024 << " KiB zstd, " << g.xml_bytes / (1024 * 1024)
              << " MiB XML; made in " << gen_s << " s, not counted)\n"
              << "  posted in order over mutual TLS with 110105's certificate, each after the receipt of the one before\n"
              << "  " << Pad("", 52) << std::right << std::setw(9) << "time" << std::setw(12)
              << "events/s" << "\n";
  } else {
    std::cout << std::fixed << std::setprecision(1) << "基准：传播吞吐：" << o.events << " 个事件，分 " << g.batches.size()
              << " 个批次（每批至多 " << o.batch << " 个），由 110105 签名（zstd " << g.compressed_bytes / 1024 << " KiB，XML "
              << g.xml_bytes / (1024 * 1024) << " MiB；生成用时 " << gen_s << " 秒，不计）\n"
              << "  以 110105 的证书经双向 TLS 依次发送，每批在前一批的回执之后\n"
              << "  " << Pad("", 52) << std::right << std::setw(9) << "用时" << std::setw(12) << "事件/秒" << "\n";
  }
  auto row = [&](const std::string& label, double s) {
    std::cout << "  " << Pad(label, 52) << std::right << std::setw(7) << s << Say(" 秒", " s")
              << std::setw(12) << rate(s) << "\n";
  };
  row(Say("单个节点：110100（无上级）应用全部", "one node: 110100 (no parent) applies all"), one.seconds);
  row(Say("链路：110100 持有全部（最后一个回执）", "chain: 110100 holds all (last receipt)"), c.city);
  row(Say("链路：110000 持有全部", "chain: 110000 holds all"), c.province);
  row(Say("链路：100000 持有全部（县 → 国家）", "chain: 100000 holds all (county → national)"), c.national);
  std::cout << std::setprecision(2) << Say("  链路 / 单个节点 = ", "  chain / one node = ") << c.national / one.seconds
            << Say("   （目标 ≤ 1.5，issue 13；PostgreSQL 逻辑复制链：3.2）\n",
                   "   (target ≤ 1.5, issue 13; a PostgreSQL logical-replication chain: 3.2)\n")
            << std::setprecision(1) << Say("  CPU：单个节点 ", "  CPU used: one node ") << one.cpu << Say(" 秒（", " s (")
            << one.cpu / one.seconds << Say(" 核忙）；链路的三个节点 ", " cores busy); the chain's three nodes ") << c.cpu
            << Say(" 秒（", " s (") << c.cpu / c.national << Say(" 核忙）\n", " cores busy)\n");
}

int RunThroughput(const Options& o) {
  Progress progress("基准：吞吐", "bench propagate, throughput", 0, o.english);
  progress.Step("建立四个节点", "creating four nodes");
  auto created = CreateChain(o.dir / "chain");
  if (!created) return Fail(Why(created.error()));
  Topology& chain = *created;
  progress.Step("生成并签名县的批次", "making and signing the county's batches");
  const auto g0 = Clock::now();
  auto g = MakeBatches(chain.Node(kCounty).dir, o.events, o.batch);
  if (!g) return Fail(Why(g.error()));
  const double gen_s = Secs(Clock::now() - g0);
  progress.Step("单个节点应用", "one node applying them");
  auto one = RunOneNode(o, chain.Node(kCounty).dir, *g);
  if (!one) return Fail(Why(one.error()));
  progress.Step("经市、省传到国家", "through the city and province to 100000");
  auto times = RunChain(chain, *g, o.events);
  if (!times) return Fail(Why(times.error()));
  progress.Done();
  PrintThroughput(o, *g, gen_s, *one, *times);
  return 0;
}

}  // namespace

int CmdBenchPropagate(const Args& args) {
  auto o = ParseOptions(args);
  if (!o) {
    std::cerr << "xfctl bench propagate: " << o.error().message
              << "\nusage: xfctl bench propagate [--n N] [--events M] [--batch B] [--spacing-ms MS] [--dir DIR]\n";
    return 2;
  }
  const auto scratch = bench::ScratchDir::Make(o->dir.string(), "propagate");
  if (!scratch) {
    std::cerr << "xfctl bench propagate: " << Why(scratch.error()) << "\n";
    return 1;
  }
  o->dir = scratch->Path();
  const InterruptGuard interrupts;
  std::cout << Say("xfctl bench propagate：节点在 ", "xfctl bench propagate: nodes in ") << o->dir.string()
            << Say("；开始时负载 ", "; load average at start ") << LoadAverage() << Say("，", " on ")
            << std::thread::hardware_concurrency() << Say(" 核", " cores") << std::endl;
  int rc = 0;
  if (o->cases > 0) rc = RunLatency(*o);
  if (rc == 0 && o->events > 0) {
    if (o->cases > 0) std::cout << "\n";
    rc = RunThroughput(*o);
  }
  std::cout << Say("结束时负载：", "load average at the end: ") << LoadAverage() << "\n";
  return InterruptGuard::Interrupted() ? 130 : rc;
}

}  // namespace xf::tools

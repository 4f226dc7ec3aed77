// xfctl bench fanin: the national bureau's real fan-in. One real xfnode
// (100000) and its 77 children — the 31 provinces, the XPCC (新疆生产建设兵团,
// a department of 100000 here: it has no GB/T 2260 province code) and 45
// ministries — pushing at once, with 3,000 origins behind them (the XPCC
// and the ministries themselves, and the provinces, cities and counties of
// the division table in force, province by province).
//
// The children are made by `xfctl init` (their own signing keys and TLS
// certificates) and added at 100000 with `xfctl peer add --pull`, as an
// operator would; the counties' signing keys are made at bench time and put
// in the national key directory (as `xfctl keys add` does). The children
// then run in this process: each pushes the signed batches of its origins
// over one persistent mutual-TLS connection (exchange::HttpPeer, as a
// node's sender does), each batch after the receipt of the one before, all
// 77 at once.
//
// Meanwhile a reader polls the national database (read-only, WAL) every
// 2 ms for the events it commits, and a prober asks the local API for
// /healthz and /v1/status every 50 ms. Printed: events/s, events lost (sent
// minus held at 100000: must be 0), the national node's peak RSS (VmHWM),
// the delay of each receipt after its batch's commit, the probes' p50/p99,
// and the store's size at the end.
//
// A benchmark, not a test: it prints what it measured and how.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "codes/codebook.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "node/sqlite.h"
#include "schema/xml.h"
#include "tools/bench/bench_data.h"
#include "tools/bench/bench_util.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/topology.h"
#include "tools/xfctl.h"

namespace xf::tools {

int CmdBenchFanin(const Args& args);

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using bench::Percentile;

constexpr const char* kNational = "100000";
// The 31 provinces.
constexpr const char* kProvinces[] = {"110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
                                      "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
                                      "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
                                      "530000", "540000", "610000", "620000", "630000", "640000", "650000"};
constexpr int kMinistries = 45;

struct Options {
  long events = 200'000;  // --events
  long batch = 500;       // --batch: events per batch (a node packs at most 1,000 by default)
  long origins = 3000;    // --origins
  fs::path dir;           // --dir, or a temporary dir removed at the end
  bool english = false;
};

int Fail(const std::string& message) {
  std::cerr << "xfctl bench fanin: " << message << "\n";
  return 1;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }
double Secs(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Result<Options> ParseOptions(const Args& args) {
  if (auto u = args.Unknown({"events", "batch", "origins", "dir"}); !u.empty()) {
    return MakeError(Errc::kInvalidArgument, u);
  }
  Options o;
  o.english = English(args);
  o.events = std::atol(args.Get("events", "200000").c_str());
  o.batch = std::atol(args.Get("batch", "500").c_str());
  o.origins = std::atol(args.Get("origins", "3000").c_str());
  const long children = static_cast<long>(std::size(kProvinces)) + 1 + kMinistries;
  if (o.events < o.origins || o.events > 100'000'000 || o.batch <= 0 || o.batch > 100'000 || o.origins < children ||
      o.origins > 3500) {
    return MakeError(Errc::kInvalidArgument, "--origins (" + std::to_string(children) +
                                                 "…3500), --events (at least one per origin, ≤ 100000000) and "
                                                 "--batch (1…100000) must be numbers in range");
  }
  o.dir = args.Get("dir", "");  // empty: a scratch directory (bench::ScratchDir)
  return o;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return one.empty() ? "unknown" : one + " (1 min), " + five + " (5 min)";
}

// A /proc/PID/status field in kB (VmHWM, VmRSS); 0 when absent.
long StatusKb(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return 0;
}

double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// ---- the topology and the origins ------------------------------------------------

// The 31 provinces, the XPCC and the 45 ministries under 100000. The XPCC
// has no GB/T 2260 province code: it is a department of 100000 here.
std::vector<NodeSpec> FaninNodes() {
  std::vector<NodeSpec> specs{{kNational, "national", "国家信访局", ""}};
  for (const char* p : kProvinces) specs.push_back({p, "province", "省级信访局 " + std::string(p), kNational});
  specs.push_back({"100000.XPCC", "department", "新疆生产建设兵团信访局", kNational});
  for (int m = 1; m <= kMinistries; ++m) {
    char id[16];
    std::snprintf(id, sizeof id, "100000.BM%02d", m);
    specs.push_back({id, "department", std::string("部委 ") + id, kNational});
  }
  return specs;
}

struct Origin {
  std::string id;
  std::size_t child = 0;  // index into the children (Topology node index - 1)
  std::shared_ptr<const exchange::PrivateKey> key;
  long events = 0;
};

// The origins: the XPCC and the ministries themselves, then the
// jurisdictions of the division table in force today under each province
// (the province itself, its cities and counties), province by province in
// turn, until `count`. A child signs with its own key (from xfctl init);
// the others' keys are made here and put in the national key directory.
Result<std::vector<Origin>> MakeOrigins(const Topology& t, const codes::CodeBook& book, long count,
                                        const fs::path& key_directory) {
  std::vector<Origin> out;
  const auto& nodes = t.Nodes();
  std::map<std::string, std::size_t> child_of_province;  // "11" → child index
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    if (nodes[i].spec.tier == "province") {
      child_of_province[nodes[i].spec.id.substr(0, 2)] = i - 1;
      continue;
    }
    auto key = exchange::PrivateKey::LoadPem(nodes[i].dir / "keys" / "signing.key");
    if (!key) return key.error();
    out.push_back({nodes[i].spec.id, i - 1, std::make_shared<const exchange::PrivateKey>(std::move(key).value()), 0});
  }
  std::map<std::string, std::vector<std::string>> by_province;  // in code order
  for (const auto* e : book.Entries(codes::table::kDivision)) {
    if (e->valid_to || e->code.size() != 6) continue;
    const std::string pp = e->code.substr(0, 2);
    if (!child_of_province.count(pp)) continue;
    auto& list = by_province[pp];
    if (list.empty() || list.back() != e->code) list.push_back(e->code);  // one period each
  }
  std::error_code ec;
  fs::create_directories(key_directory, ec);
  for (std::size_t round = 0; static_cast<long>(out.size()) < count; ++round) {
    bool any = false;
    for (const auto& [pp, list] : by_province) {
      if (round >= list.size() || static_cast<long>(out.size()) >= count) continue;
      any = true;
      const std::string& id = list[round];
      const std::size_t child = child_of_province.at(pp);
      const fs::path own = nodes[child + 1].spec.id == id ? nodes[child + 1].dir / "keys" / "signing.key" : fs::path();
      auto key = own.empty() ? exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519)
                             : exchange::PrivateKey::LoadPem(own);
      if (!key) return key.error();
      if (own.empty()) {
        if (auto s = WriteFile(key_directory / (id + ".pub"), key->Public().Pem(), 0644); !s) return s.error();
      }
      out.push_back({id, child, std::make_shared<const exchange::PrivateKey>(std::move(key).value()), 0});
    }
    if (!any) return MakeError(Errc::kInvalidArgument, "the division table has only " + std::to_string(out.size()) +
                                                           " origins under the provinces");
  }
  return out;
}

// `xfctl peer add --as child … --pull` of every child at 100000: each
// pinned by its TLS certificate, with its signing key. The children run in
// this process and serve nothing, so they are pull children (what 100000
// sends down — duplicate notices — waits to be fetched) rather than links
// with a sender each trying a port where nothing listens.
Status WireChildren(const Topology& t) {
  const auto& national = t.Node(kNational);
  std::ostringstream quiet;
  auto* was = std::cout.rdbuf(quiet.rdbuf());
  struct Restore {
    std::streambuf* was;
    ~Restore() { std::cout.rdbuf(was); }
  } restore{was};
  for (std::size_t i = 1; i < t.Nodes().size(); ++i) {
    const auto& c = t.Nodes()[i];
    const std::vector<std::string> words = {"--node", national.dir.string(), "--as", "child", "--id", c.spec.id,
                                            "--key", (c.dir / "keys" / "signing.pub").string(),
                                            "--cert", (c.dir / "keys" / "tls.crt").string(), "--pull"};
    if (const int rc = CmdPeer("add", Args(words)); rc != 0) {
      return MakeError(Errc::kInternal, "xfctl peer add " + c.spec.id + " failed (exit " + std::to_string(rc) +
                                            "): " + quiet.str());
    }
  }
  return {};
}

// ---- the batches ---------------------------------------------------------------------

struct BatchRef {
  std::string batch_id;
  std::string origin;
  fs::path file;  // zstd, as the origin signed it
  std::string signature;
  long events = 0;
  long last_seq = 0;  // of its last event
};

// Registration `seq` of `origin`: case <origin>-<year>-<seq>.
schema::Event Registration(const std::string& origin, long seq, long sample, Instant at) {
  auto c = bench::SampleCase(sample, at.ToDate());
  char id[48];
  std::snprintf(id, sizeof id, "%s-%04d-%07ld", origin.c_str(), at.ToDate().year, seq);
  c.case_id = id;
  c.registering_body = origin;
  c.registered_at = at;
  schema::Event e;
  e.origin = origin;
  e.seq = static_cast<std::uint64_t>(seq);
  e.case_id = id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = at;
  e.recorded_at = at;
  e.actor = "bench";
  e.body = std::move(c);
  return e;
}

struct Generated {
  std::vector<std::vector<BatchRef>> per_child;  // in the order each child sends them
  std::size_t batches = 0;
  std::uint64_t compressed_bytes = 0;
  std::uint64_t xml_bytes = 0;
};

// Every origin's up stream in batches of `per_batch`, signed by the origin,
// written under `dir`. Two threads; each child's list interleaves its
// origins (seq 1 of each, then seq 2, …), each origin in order.
Result<Generated> MakeBatches(std::vector<Origin>& origins, std::size_t children, const Options& o,
                              const fs::path& dir, const std::string& code_version, Progress& progress) {
  const long per = o.events / static_cast<long>(origins.size());
  const long extra = o.events % static_cast<long>(origins.size());
  for (std::size_t i = 0; i < origins.size(); ++i) origins[i].events = per + (static_cast<long>(i) < extra ? 1 : 0);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  // The batches of origin i, made by thread i % 2.
  std::vector<std::vector<BatchRef>> by_origin(origins.size());
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::string error;
  std::atomic<std::uint64_t> compressed{0}, xml_total{0};
  const Instant now = SystemClock().Now();
  auto work = [&](std::size_t first, std::size_t step) {
    for (std::size_t i = first; i < origins.size() && !failed; i += step) {
      const Origin& org = origins[i];
      for (long from = 1; from <= org.events && !failed; from += o.batch) {
        const long count = std::min(o.batch, org.events - from + 1);
        std::vector<std::string> xml;
        xml.reserve(static_cast<std::size_t>(count));
        for (long s = from; s < from + count; ++s) {
          xml.push_back(schema::EventToXml(Registration(org.id, s, static_cast<long>(i) * 7919 + s, now)));
        }
        exchange::BatchHeader h;
        h.origin = org.id;
        h.stream = std::string(exchange::kUpStream);
        h.seq = static_cast<std::uint64_t>(by_origin[i].size() + 1);
        h.batch_id = exchange::MakeBatchId(h.origin, h.stream, h.seq);
        h.destination = std::string(exchange::kRootNode);
        h.created = now;
        h.code_version = code_version;
        h.record_count = static_cast<std::uint64_t>(count);
        const std::string text = exchange::BatchXml(h, xml);
        auto bytes = exchange::Compress(text);
        auto sig = bytes ? exchange::SignBytes(*org.key, *bytes) : Result<std::string>(bytes.error());
        const fs::path file = dir / (h.batch_id + ".zst");
        Status written = sig ? WriteFile(file, *bytes, 0644) : Status(sig.error());
        if (!written) {
          std::lock_guard lock(mutex);
          error = written.error().message;
          failed = true;
          return;
        }
        xml_total += text.size();
        compressed += bytes->size();
        by_origin[i].push_back({h.batch_id, org.id, file, std::move(sig).value(), count, from + count - 1});
        progress.Advance(static_cast<std::uint64_t>(count));
      }
    }
  };
  std::thread helper(work, 1, 2);
  work(0, 2);
  helper.join();
  if (failed) return MakeError(Errc::kIo, error);
  Generated g;
  g.per_child.resize(children);
  std::vector<std::vector<std::size_t>> origins_of(children);
  for (std::size_t i = 0; i < origins.size(); ++i) origins_of[origins[i].child].push_back(i);
  for (std::size_t c = 0; c < children; ++c) {
    for (std::size_t round = 0;; ++round) {
      bool any = false;
      for (const std::size_t i : origins_of[c]) {
        if (round < by_origin[i].size()) {
          g.per_child[c].push_back(std::move(by_origin[i][round]));
          any = true;
        }
      }
      if (!any) break;
    }
    g.batches += g.per_child[c].size();
  }
  g.compressed_bytes = compressed;
  g.xml_bytes = xml_total;
  return g;
}

// ---- watching the national node -----------------------------------------------------

// Polls the national database for newly committed events (the event log
// is a rowid table: what came since the last look, grouped by origin);
// for each origin, when each highest sequence number was first seen. A
// batch is committed once its origin's highest sequence number reaches
// its last event's.
class CommitWatch {
 public:
  static Result<std::unique_ptr<CommitWatch>> Start(const fs::path& db_file) {
    auto db = node::sql::Db::OpenReadOnly(db_file);
    if (!db) return db.error();
    auto st = db->Prepare("SELECT max(rowid), origin, max(seq) FROM events WHERE rowid > ?1 GROUP BY origin");
    if (!st) return st.error();
    return std::unique_ptr<CommitWatch>(new CommitWatch(std::move(db).value(), std::move(st).value()));
  }
  ~CommitWatch() { Stop(); }
  CommitWatch(const CommitWatch&) = delete;
  CommitWatch& operator=(const CommitWatch&) = delete;
  void Stop() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
  }
  // When `origin`'s events up to `seq` were first seen; nullopt if never.
  // REQUIRES: stopped.
  std::optional<Clock::time_point> SeenAt(const std::string& origin, std::int64_t seq) const {
    const auto it = m_seen.find(origin);
    if (it == m_seen.end()) return std::nullopt;
    const auto at = std::lower_bound(it->second.begin(), it->second.end(), seq,
                                     [](const auto& p, std::int64_t s) { return p.first < s; });
    if (at == it->second.end()) return std::nullopt;
    return at->second;
  }
  const std::string& Error() const { return m_error; }

 private:
  CommitWatch(node::sql::Db db, node::sql::Stmt st) : m_db(std::move(db)), m_st(std::move(st)), m_thread([this] { Run(); }) {}
  void Run() {
    std::int64_t last = 0;
    while (!m_stop) {
      m_st.Reset();
      m_st.Bind(1, last);
      std::int64_t top = last;
      for (;;) {
        auto row = m_st.Step();
        if (!row) {
          m_error = row.error().message;
          break;
        }
        if (!*row) break;
        top = std::max(top, m_st.Int(0));
        m_seen[m_st.Text(1)].emplace_back(m_st.Int(2), Clock::now());
      }
      m_st.Reset();
      last = top;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  node::sql::Db m_db;
  node::sql::Stmt m_st;
  // origin → (highest seq, when first seen), in increasing seq
  std::unordered_map<std::string, std::vector<std::pair<std::int64_t, Clock::time_point>>> m_seen;
  std::string m_error;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;  // last: starts once the members above exist
};

// Asks the local API for /healthz and /v1/status every 50 ms.
class Prober {
 public:
  explicit Prober(ApiTarget api) : m_api(std::move(api)), m_thread([this] { Run(); }) {}
  ~Prober() { Stop(); }
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;
  void Stop() {
    m_stop = true;
    if (m_thread.joinable()) m_thread.join();
  }
  // REQUIRES: stopped.
  std::vector<double> health, status;
  long failures = 0;

 private:
  void Run() {
    while (!m_stop) {
      for (const char* path : {"/healthz", "/v1/status"}) {
        const auto t0 = Clock::now();
        auto r = CallApi(m_api, "GET", path, "");
        const double ms = Ms(Clock::now() - t0);
        if (!r || r->status != 200) ++failures;
        (std::string(path) == "/healthz" ? health : status).push_back(ms);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ApiTarget m_api;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// ---- the children -------------------------------------------------------------------

struct ChildResult {
  std::vector<std::pair<const BatchRef*, Clock::time_point>> receipts;  // batch, when its receipt came
  long accepted = 0, rejected = 0, retries = 0, undelivered = 0;
  std::string error;
};

// Pushes `batches` to the national node as child `child` (its TLS identity),
// each after the receipt of the one before; a 503 or a dropped connection is
// tried again (up to 50 times for one batch), as a node's sender would.
ChildResult Push(const TopologyNode& child, const TopologyNode& national, const std::vector<BatchRef>& batches) {
  ChildResult out;
  exchange::HttpClientOptions opts;
  opts.timeout = std::chrono::milliseconds(60'000);
  opts.answer_timeout = std::chrono::minutes(30);
  opts.tls = exchange::TlsFiles{(child.dir / "keys" / "tls.crt").string(), (child.dir / "keys" / "tls.key").string(),
                                (national.dir / "keys" / "tls.crt").string(), false};
  opts.expected_server_cn = national.Id();
  exchange::HttpPeer peer(national.ExchangeUrl(), opts);
  for (const auto& b : batches) {
    exchange::HttpPeer::Request req;
    req.method = "POST";
    req.target = "/v1/exchange/batches";
    req.headers = {{"content-type", "application/zstd"},
                   {exchange::header::kOrigin, b.origin},
                   {exchange::header::kBatchId, b.batch_id},
                   {exchange::header::kSignature, exchange::Base64Encode(b.signature)}};
    req.body_file = b.file;
    bool delivered = false;
    for (int attempt = 0; attempt < 50 && !delivered && !InterruptGuard::Interrupted(); ++attempt) {
      if (attempt > 0) {
        ++out.retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      auto r = peer.Call(req);
      if (!r) {
        out.error = b.batch_id + ": " + r.error().message;
        continue;
      }
      if (r->status == 503) {
        out.error = b.batch_id + ": HTTP 503: " + r->body.substr(0, 200);
        continue;
      }
      if (r->status != 200) {
        out.error = b.batch_id + ": HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 300);
        break;
      }
      out.receipts.emplace_back(&b, Clock::now());
      auto receipt = exchange::ParseReceiptXml(r->body);
      if (!receipt) {
        out.error = b.batch_id + ": " + receipt.error().message;
        break;
      }
      if (receipt->status != "applied") out.error = b.batch_id + ": receipt status " + receipt->status;
      out.accepted += static_cast<long>(receipt->AcceptedCount());
      out.rejected += static_cast<long>(receipt->rejected.size());
      delivered = true;
    }
    if (!delivered) ++out.undelivered;
  }
  return out;
}

std::uintmax_t SizeOr0(const fs::path& f) {
  std::error_code ec;
  const auto s = fs::file_size(f, ec);
  return ec ? 0 : s;
}

Result<std::int64_t> NationalEvents(const fs::path& db_file) {
  auto db = node::sql::Db::OpenReadOnly(db_file);
  if (!db) return db.error();
  // The origins' events (not the duplicate notices 100000 writes itself).
  auto st = db->Prepare("SELECT count(*) FROM events WHERE origin <> '100000'");
  if (!st) return st.error();
  auto row = st->Step();
  if (!row) return row.error();
  return *row ? st->Int(0) : 0;
}

void Row(const std::string& label, const std::vector<double>& ms, const std::string& note) {
  std::cout << "  " << std::left << std::setw(34) << label << std::right << std::fixed << std::setprecision(1)
            << std::setw(9) << Percentile(ms, 0.5) << std::setw(9) << Percentile(ms, 0.99) << std::setw(9)
            << (ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end())) << std::setw(8) << ms.size() << "   "
            << note << "\n";
}

int Run(const Options& o) {
  Progress progress("基准：全国汇聚", "bench fanin", 0, o.english);
  progress.Step("建立国家节点与 77 个下级（xfctl init、peer add --pull）",
                "creating 100000 and its 77 children (xfctl init, peer add --pull)");
  auto planned = Topology::Plan(o.dir / "nodes", FaninNodes(), {.exchange_interval_seconds = 60});
  if (!planned) return Fail(planned.error().message);
  Topology& t = *planned;
  if (auto s = t.Init(); !s) return Fail(s.error().message);
  auto& national = t.Node(kNational);
  if (auto s = WireChildren(t); !s) return Fail(s.error().message);
  auto config = node::LoadConfig(national.dir / "xfnode.yaml");
  if (!config) return Fail(config.error().message);
  national.config = std::move(config).value();
  if (national.config.key_directory.empty()) return Fail("100000 has no key directory");
  const std::size_t children = t.Nodes().size() - 1;

  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) return Fail(book.error().message);
  progress.Step("生成 " + std::to_string(o.origins) + " 个来源节点的签名密钥",
                "making the signing keys of " + std::to_string(o.origins) + " origins");
  auto origins = MakeOrigins(t, **book, o.origins, national.config.key_directory);
  if (!origins) return Fail(origins.error().message);

  progress.Step("生成并签名各来源的批次", "making and signing every origin's batches");
  progress.SetTotal(static_cast<std::uint64_t>(o.events));
  const auto g0 = Clock::now();
  auto g = MakeBatches(*origins, children, o, o.dir / "batches", (*book)->Version(), progress);
  if (!g) return Fail(g.error().message);
  const double gen_s = Secs(Clock::now() - g0);

  progress.Step("启动国家节点", "starting 100000");
  if (auto s = t.Start(kNational); !s) return Fail(s.error().message);
  const int pid = national.proc->Pid();
  auto watch = CommitWatch::Start(national.Database());
  if (!watch) return Fail(watch.error().message);
  Prober prober(national.api);

  progress.Step("77 个下级同时推送", "77 children pushing at once");
  progress.SetTotal(0);
  const double cpu0 = CpuSeconds(pid);
  std::vector<ChildResult> results(children);
  const auto t0 = Clock::now();
  {
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < children; ++c) {
      threads.emplace_back([&, c] { results[c] = Push(t.Nodes()[c + 1], national, g->per_child[c]); });
    }
    for (auto& th : threads) th.join();
  }
  const double push_s = Secs(Clock::now() - t0);
  const double cpu = CpuSeconds(pid) - cpu0;
  (*watch)->Stop();
  prober.Stop();
  const long hwm_kb = StatusKb(pid, "VmHWM");
  const long rss_kb = StatusKb(pid, "VmRSS");
  auto held = NationalEvents(national.Database());
  if (!held) return Fail(held.error().message);
  const auto db = national.Database();
  const std::uintmax_t db_bytes = SizeOr0(db), wal_bytes = SizeOr0(db.string() + "-wal");
  t.StopAll();
  progress.Done();

  long accepted = 0, rejected = 0, retries = 0, undelivered = 0;
  std::vector<double> delay;
  long unseen = 0;
  std::string first_error;
  for (const auto& r : results) {
    accepted += r.accepted;
    rejected += r.rejected;
    retries += r.retries;
    undelivered += r.undelivered;
    if (first_error.empty() && !r.error.empty()) first_error = r.error;
    for (const auto& [b, at] : r.receipts) {
      const auto committed = (*watch)->SeenAt(b->origin, b->last_seq);
      if (!committed) {
        ++unseen;
        continue;
      }
      delay.push_back(std::max(0.0, Ms(at - *committed)));
    }
  }
  const long lost = o.events - static_cast<long>(*held);
  if (!EnglishWords()) {
    std::cout << std::fixed << std::setprecision(1) << "基准：全国汇聚 — 100000 及其 " << children
              << " 个下级（31 个省、兵团、" << kMinistries << " 个部委），其后 " << origins->size() << " 个来源节点\n"
              << "  " << o.events << " 个事件，" << g->batches << " 个批次，每批至多 " << o.batch
              << " 个，由各来源节点签名（zstd " << g->compressed_bytes / (1024 * 1024) << " MiB，XML "
              << g->xml_bytes / (1024 * 1024) << " MiB；生成用时 " << gen_s << " 秒，不计入）\n"
              << "  全部下级同时推送，各用一条持久的双向 TLS 连接，收到上一批的回执后再发下一批\n"
              << "  事件/秒                " << static_cast<long>(static_cast<double>(o.events) / push_s) << "（至最后一个回执 "
              << push_s << " 秒；100000 用 CPU " << cpu << " 秒，" << cpu / push_s << " 核忙）\n"
              << "  丢失                   " << lost << "（发送 " << o.events << "，100000 持有来源事件 " << *held
              << "；接收 " << accepted << "，拒收 " << rejected << "，未送达批次 " << undelivered << "，重试 " << retries
              << "）目标 0\n"
              << "  100000 内存峰值        " << hwm_kb / 1024 << " MiB（VmHWM；结束时 " << rss_kb / 1024 << " MiB）\n"
              << "  结束时存储             " << (db_bytes + wal_bytes) / (1024 * 1024) << " MiB（xfnode.db "
              << db_bytes / (1024 * 1024) << " MiB + WAL " << wal_bytes / (1024 * 1024) << " MiB），" << *held
              << " 个事件\n"
              << "  " << std::left << std::setw(34) << "毫秒" << std::right << std::setw(9) << "p50" << std::setw(9)
              << "p99" << std::setw(9) << "max" << std::setw(8) << "n" << "\n";
    Row("批次提交后到回执", delay, "目标：每个回执在 1000 毫秒内");
    Row("推送期间 GET /healthz", prober.health, "目标 p99 < 100");
    Row("推送期间 GET /v1/status", prober.status, "目标 p99 < 100");
    std::cout << "  （提交由每 2 毫秒轮询 100000 数据库的读者看到：延迟最多少算这么多；" << unseen
              << " 个回执的批次未被看到；" << prober.failures << " 次探测失败）\n";
    if (!(*watch)->Error().empty()) std::cout << "  读者的错误：" << (*watch)->Error() << "\n";
    if (!first_error.empty()) std::cout << "  某个下级的第一个错误：" << first_error << "\n";
    return lost == 0 && undelivered == 0 ? 0 : 1;
  }
  std::cout << std::fixed << std::setprecision(1) << "bench fanin — 100000 with " << children
            << " children (31 provinces, the XPCC, " << kMinistries << " ministries) and " << origins->size()
            << " origins behind them\n"
            << "  " << o.events << " events in " << g->batches << " batches of up to " << o.batch
            << ", signed by their origins (" << g->compressed_bytes / (1024 * 1024) << " MiB zstd, "
            << g->xml_bytes / (1024 * 1024) << " MiB XML; made in " << gen_s << " s, not counted)\n"
            << "  all children at once, each over one persistent mutual-TLS connection, each batch after the "
               "receipt of the one before\n"
            << "  events/s               " << static_cast<long>(static_cast<double>(o.events) / push_s) << "  ("
            << push_s << " s until the last receipt; 100000 used " << cpu << " CPU s, " << cpu / push_s
            << " cores busy)\n"
            << "  lost                   " << lost << "  (sent " << o.events << ", held at 100000 " << *held
            << " of the origins; accepted " << accepted << ", rejected " << rejected << ", undelivered batches " << undelivered
            << ", retries " << retries << ")  target 0\n"
            << "  peak RSS of 100000     " << hwm_kb / 1024 << " MiB (VmHWM; " << rss_kb / 1024
            << " MiB at the end)\n"
            << "  store at the end       " << (db_bytes + wal_bytes) / (1024 * 1024) << " MiB (xfnode.db "
            << db_bytes / (1024 * 1024) << " MiB + WAL " << wal_bytes / (1024 * 1024) << " MiB), " << *held
            << " events\n"
            << "  " << std::left << std::setw(34) << "ms" << std::right << std::setw(9) << "p50" << std::setw(9)
            << "p99" << std::setw(9) << "max" << std::setw(8) << "n" << "\n";
  Row("receipt after its batch's commit", delay, "target: every receipt within 1000 ms");
  Row("GET /healthz while pushing", prober.health, "target p99 < 100");
  Row("GET /v1/status while pushing", prober.status, "target p99 < 100");
  std::cout << "  (commits seen by a reader polling 100000's database every 2 ms: a delay is short by up to that; "
            << unseen << " receipts of batches it did not see; " << prober.failures << " probes failed)\n";
  if (!(*watch)->Error().empty()) std::cout << "  the reader's error: " << (*watch)->Error() << "\n";
  if (!first_error.empty()) std::cout << "  first error of a child: " << first_error << "\n";
  return lost == 0 && undelivered == 0 ? 0 : 1;
}

}  // namespace

int CmdBenchFanin(const Args& args) {
  auto o = ParseOptions(args);
  if (!o) {
    std::cerr << "xfctl bench fanin: " << o.error().message << Say("\n用法：", "\nusage: ")
              << "xfctl bench fanin [--events N] [--batch B] [--origins O] [--dir DIR]\n";
    return 2;
  }
  const auto scratch = bench::ScratchDir::Make(o->dir.string(), "fanin");
  if (!scratch) {
    std::cerr << "xfctl bench fanin: " << Why(scratch.error()) << "\n";
    return 1;
  }
  o->dir = scratch->Path();
  const InterruptGuard interrupts;
  std::cout << "xfctl bench fanin: " << Say("节点目录 ", "nodes in ") << o->dir.string()
            << Say("；开始时负载 ", "; load average at start ") << LoadAverage() << Say("，", " on ")
            << std::thread::hardware_concurrency() << Say(" 核", " cores") << std::endl;
  const int rc = Run(*o);
  std::cout << Say("结束时负载：", "load average at the end: ") << LoadAverage() << "\n";
  return InterruptGuard::Interrupted() ? 130 : rc;
}

}  // namespace xf::tools

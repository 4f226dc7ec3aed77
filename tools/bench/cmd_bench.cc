// xfctl bench: measurements, never tests. Each prints what it measured and
// how, so figures can be compared across machines and commits.
#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "codes/codebook.h"
#include "exchange/batch.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "node/blobs.h"
#include "node/exchange_service.h"
#include "node/sqlite.h"
#include "node/store.h"
#include "schema/validate.h"
#include "schema/xml.h"
#include "tools/bench/bench_data.h"
#include "tools/bench/bench_util.h"
#include "tools/cli.h"
#include "tools/progress.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

using bench::CountyRegistration;
using bench::SampleCase;

using Clock = std::chrono::steady_clock;

// CPU time (user + system) of this process so far, every thread.
double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

int BenchIntake(const Args& args) {
  const int n = std::atoi(args.Get("n", "2000").c_str());
  if (n <= 0) {
    std::cerr << "xfctl bench intake: --n must be a positive number\n";
    return 2;
  }
  const auto scratch = bench::ScratchDir::Make(args.Get("dir", ""), "intake");
  if (!scratch) {
    std::cerr << "xfctl bench intake: " << Why(scratch.error()) << "\n";
    return 1;
  }
  const std::string dir = scratch->Path().string();
  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) {
    std::cerr << "xfctl bench: " << Why(book.error()) << "\n";
    return 1;
  }
  SystemClock clock;
  const std::filesystem::path store_file = std::filesystem::path(dir) / "intake.db";
  std::filesystem::remove(store_file);
  auto store = node::Store::Open(store_file, clock);
  if (!store) {
    std::cerr << "xfctl bench: " << Why(store.error()) << "\n";
    return 1;
  }
  const Date today = clock.Now().ToDate();
  const schema::RecordLimits limits;
  std::vector<schema::Event> stored;
  stored.reserve(static_cast<std::size_t>(n));
  Progress progress("基准：登记", "bench intake", static_cast<std::uint64_t>(n), English(args));
  progress.Step("登记路径", "intake path");
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    progress.Advance();
    auto c = SampleCase(i, today);
    const auto v = schema::ValidateCase(c, **book, limits, today);
    if (!v.empty()) {
      std::cerr << "xfctl bench: generated case refused: " << v.front().rule << " " << v.front().field << ": "
                << v.front().message << "\n";
      return 1;
    }
    auto e = (*store)->RegisterCase(std::move(c), "110105", "bench");
    if (!e) {
      std::cerr << "xfctl bench: " << Why(e.error()) << "\n";
      return 1;
    }
    stored.push_back(std::move(e).value());
  }
  const auto t1 = Clock::now();

  // The same rows straight into SQLite with the same durability settings.
  const std::filesystem::path raw_file = std::filesystem::path(dir) / "raw.db";
  std::filesystem::remove(raw_file);
  auto raw = node::sql::Db::Open(raw_file);
  if (!raw || !raw->Exec("CREATE TABLE events(origin TEXT NOT NULL, seq INTEGER NOT NULL, case_id TEXT NOT NULL, "
                         "kind TEXT NOT NULL, occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, "
                         "stored_at INTEGER NOT NULL, xml BLOB NOT NULL, PRIMARY KEY(origin, seq)) WITHOUT ROWID")) {
    std::cerr << "xfctl bench: cannot create " << raw_file.string() << "\n";
    return 1;
  }
  std::vector<std::string> xml;
  xml.reserve(stored.size());
  for (const auto& e : stored) xml.push_back(schema::EventToXml(e));
  auto ins = raw->Prepare("INSERT INTO events VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!ins) return 1;
  auto insert_range = [&](std::size_t from, std::size_t to, std::int64_t offset, bool per_row) -> bool {
    std::optional<node::sql::Txn> txn;
    for (std::size_t i = from; i < to; ++i) {
      if (per_row || !txn) txn.emplace(*raw);
      const auto& e = stored[i];
      ins->Bind(1, e.origin).Bind(2, static_cast<std::int64_t>(e.seq) + offset).Bind(3, e.case_id)
          .Bind(4, "registration").Bind(5, e.occurred_at.seconds).Bind(6, e.recorded_at.seconds)
          .Bind(7, e.recorded_at.seconds).BindBlob(8, xml[i]);
      if (!ins->Run()) return false;
      if (per_row && !txn->Commit()) return false;
    }
    return per_row || txn->Commit().ok();
  };
  progress.Step("原始 SQLite 插入", "raw SQLite inserts");
  const auto t2 = Clock::now();
  if (!insert_range(0, stored.size(), 0, true)) return 1;
  const auto t3 = Clock::now();
  if (!insert_range(0, stored.size(), 1'000'000'000, false)) return 1;
  const auto t4 = Clock::now();
  progress.Done();

  const double intake = n / Seconds(t0, t1);
  const double raw_row = n / Seconds(t2, t3);
  const double raw_batch = n / Seconds(t3, t4);
  if (EnglishWords()) {
    std::cout << std::fixed << std::setprecision(0)
              << "bench intake: " << n << " cases, store in " << (scratch->Kept() ? dir : "a temporary dir")
              << " (WAL, synchronous=FULL)\n"
              << "  intake path (validate + mint id + XML + event + projection, one commit per case): "
              << intake << " cases/s\n"
              << "  raw SQLite insert of the same rows, one commit per row:                         "
              << raw_row << " rows/s\n"
              << "  raw SQLite insert of the same rows, one transaction for all:                    "
              << raw_batch << " rows/s\n"
              << std::setprecision(2) << "  intake / raw per-commit = " << intake / raw_row << "\n";
  } else {
    std::cout << std::fixed << std::setprecision(0)
              << "基准：登记 " << n << " 件，数据库在 " << (scratch->Kept() ? dir : "临时目录")
              << "（WAL，synchronous=FULL）\n"
              << "  登记路径（校验 + 生成编号 + XML + 事件 + 投影，每件一次提交）：" << intake << " 件/秒\n"
              << "  同样的行直接插入 SQLite，每行一次提交：                    " << raw_row << " 行/秒\n"
              << "  同样的行直接插入 SQLite，全部一个事务：                    " << raw_batch << " 行/秒\n"
              << std::setprecision(2) << "  登记 / 逐行提交的直接插入 = " << intake / raw_row << "\n";
  }
  return 0;
}

// One node (a city) applies one signed batch of N registrations from its
// child county: verify, decompress, parse, validate, store — the path a
// received batch takes — beside the raw insert of the same rows.
int BenchApplyStream(const Args& args);

int BenchApply(const Args& args) {
  if (args.Get("xml-mb")) return BenchApplyStream(args);
  const long n = std::atol(args.Get("n", "100000").c_str());
  if (n <= 0) {
    std::cerr << "xfctl bench apply: --n must be a positive number\n";
    return 2;
  }
  const auto scratch = bench::ScratchDir::Make("", "apply");
  if (!scratch) {
    std::cerr << "xfctl bench apply: " << Why(scratch.error()) << "\n";
    return 1;
  }
  const std::filesystem::path dir = scratch->Path();
  auto county_key = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
  auto city_key = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
  if (!county_key || !city_key) return 1;
  if (!WriteFile(dir / "county.pub", county_key->Public().Pem()) || !city_key->SavePem(dir / "city.key")) return 1;

  node::NodeConfig config;
  config.node_id = "110100";
  config.tier = node::Tier::kCity;
  config.data_dir = dir / "data";
  config.signing_key = dir / "city.key";
  node::PeerConfig child;
  child.id = "110105";
  child.public_key = dir / "county.pub";
  config.children.push_back(child);
  std::filesystem::create_directories(config.data_dir);

  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) {
    std::cerr << "xfctl bench: " << Why(book.error()) << "\n";
    return 1;
  }
  SystemClock clock;
  auto store = node::Store::Open(config.data_dir / "xfnode.db", clock);
  if (!store) {
    std::cerr << "xfctl bench: " << Why(store.error()) << "\n";
    return 1;
  }
  node::BlobStore blobs(config.data_dir / "blobs");
  auto service = node::ExchangeService::Create(config, **book, **store, blobs, clock);
  if (!service) {
    std::cerr << "xfctl bench: " << Why(service.error()) << "\n";
    return 1;
  }

  // --blind: the city holds the system key, so every case applied is also
  // indexed blind (dedup_blind) in the batch's transaction (判重 across the
  // hierarchy: node/store_dedup_system.cc).
  const bool blind = args.Has("blind");
  if (blind) {
    auto key = dedup::BlindKey::Make(std::string(dedup::BlindKey::kBytes, 'b'), "bench");
    if (!key || !(*store)->SetBlindKey(*key)) return 1;
  }

  // The county's batch: N registrations, as the county would have stored them.
  const Date today = clock.Now().ToDate();
  std::vector<std::string> xml;
  xml.reserve(static_cast<std::size_t>(n));
  std::vector<schema::Event> events;
  events.reserve(static_cast<std::size_t>(n));
  Progress progress("基准：应用批次", "bench apply", static_cast<std::uint64_t>(n), English(args));
  progress.Step("生成县的批次", "making the county's batch");
  for (long i = 0; i < n; ++i) {
    progress.Advance();
    schema::Event e = CountyRegistration(SampleCase(i, today), i, clock.Now());
    xml.push_back(schema::EventToXml(e));
    events.push_back(std::move(e));
  }
  exchange::BatchHeader h;
  h.origin = "110105";
  h.stream = std::string(exchange::kUpStream);
  h.seq = 1;
  h.batch_id = exchange::MakeBatchId(h.origin, h.stream, h.seq);
  h.destination = std::string(exchange::kRootNode);
  h.created = clock.Now();
  h.code_version = (*book)->Version();
  h.record_count = static_cast<std::uint64_t>(n);
  const std::string batch_xml = exchange::BatchXml(h, xml);
  auto bytes = exchange::Compress(batch_xml);
  auto sig = bytes ? exchange::SignBytes(*county_key, *bytes) : Result<std::string>(bytes.error());
  if (!sig) {
    std::cerr << "xfctl bench: " << Why(sig.error()) << "\n";
    return 1;
  }

  progress.Step("市接收并应用（验签、解压、解析、校验、入库）", "the city receives and applies it");
  progress.SetTotal(0);
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = Clock::now();
  auto receipt = (*service)->Receive({*bytes, *sig, "110105", "110105"});
  const auto t1 = Clock::now();
  const double cpu_apply = ProcessCpuSeconds() - cpu0;
  if (!receipt) {
    std::cerr << "xfctl bench apply: refused: " << Why(receipt.error()) << "\n";
    return 1;
  }
  if (receipt->receipt.AcceptedCount() != static_cast<std::uint64_t>(n)) {
    std::cerr << "xfctl bench apply: only " << receipt->receipt.AcceptedCount() << " of " << n << " accepted";
    if (!receipt->receipt.rejected.empty()) std::cerr << ": " << receipt->receipt.rejected.front().reason;
    std::cerr << "\n";
    return 1;
  }

  // The same rows, raw, in one transaction, with the same durability.
  auto raw = node::sql::Db::Open(dir / "raw.db");
  if (!raw || !raw->Exec("CREATE TABLE events(origin TEXT NOT NULL, seq INTEGER NOT NULL, case_id TEXT NOT NULL, "
                         "kind TEXT NOT NULL, occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, "
                         "stored_at INTEGER NOT NULL, xml BLOB NOT NULL, PRIMARY KEY(origin, seq)) WITHOUT ROWID")) {
    return 1;
  }
  auto ins = raw->Prepare("INSERT INTO events VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!ins) return 1;
  progress.Step("原始 SQLite 插入", "raw SQLite inserts");
  const double cpu2 = ProcessCpuSeconds();
  const auto t2 = Clock::now();
  {
    node::sql::Txn txn(*raw);
    for (std::size_t i = 0; i < events.size(); ++i) {
      const auto& e = events[i];
      ins->Bind(1, e.origin).Bind(2, static_cast<std::int64_t>(e.seq)).Bind(3, e.case_id).Bind(4, "registration")
          .Bind(5, e.occurred_at.seconds).Bind(6, e.recorded_at.seconds).Bind(7, e.recorded_at.seconds)
          .BindBlob(8, xml[i]);
      if (!ins->Run()) return 1;
    }
    if (!txn.Commit()) return 1;
  }
  const auto t3 = Clock::now();
  const double cpu_raw = ProcessCpuSeconds() - cpu2;
  progress.Done();
  const double apply = n / Seconds(t0, t1);
  const double raw_rate = n / Seconds(t2, t3);
  if (EnglishWords()) {
    std::cout << std::fixed << std::setprecision(0) << "bench apply: one batch of " << n << " registrations ("
              << bytes->size() / 1024 << " KiB zstd, " << batch_xml.size() / 1024 << " KiB XML)\n"
              << "  receive path (verify + decompress + parse + validate + apply + projections, one commit): "
              << apply << " events/s (" << std::setprecision(2) << Seconds(t0, t1) << " s)\n"
              << std::setprecision(0) << "  raw SQLite insert of the same rows, one transaction:             "
              << raw_rate << " rows/s (" << std::setprecision(2) << Seconds(t2, t3) << " s)\n"
              << "  apply / raw = " << apply / raw_rate << " (target >= 0.7, issue 13)\n"
              << "  CPU time (this process, all threads): apply " << cpu_apply << " s, raw " << cpu_raw
              << " s; raw / apply = " << (cpu_apply > 0 ? cpu_raw / cpu_apply : 0)
              << " (the same ratio by CPU, unlike wall time not skewed by other work on the machine)\n"
              << "  blind index (system key) " << (blind ? "on" : "off (--blind turns it on)") << "\n";
  } else {
    std::cout << std::fixed << std::setprecision(0) << "基准：应用一个含 " << n << " 件登记的批次（zstd "
              << bytes->size() / 1024 << " KiB，XML " << batch_xml.size() / 1024 << " KiB）\n"
              << "  接收路径（验签 + 解压 + 解析 + 校验 + 应用 + 投影，一次提交）：" << apply << " 事件/秒（"
              << std::setprecision(2) << Seconds(t0, t1) << " 秒）\n"
              << std::setprecision(0) << "  同样的行直接插入 SQLite，一个事务：                      " << raw_rate
              << " 行/秒（" << std::setprecision(2) << Seconds(t2, t3) << " 秒）\n"
              << "  应用 / 直接插入 = " << apply / raw_rate << "（目标 ≥ 0.7，issue 13）\n"
              << "  CPU 时间（本进程，全部线程）：应用 " << cpu_apply << " 秒，直接插入 " << cpu_raw
              << " 秒；直接插入 / 应用 = " << (cpu_apply > 0 ? cpu_raw / cpu_apply : 0)
              << "（按 CPU 计的同一比值，不受机器上其他工作影响）\n"
              << "  盲索引（系统密钥）" << (blind ? "开" : "关（--blind 打开）") << "\n";
  }
  if (blind) {
    // The blind index, written after the commit by the dedup worker, a chunk
    // per transaction: what it costs beside the apply.
    const auto b0 = Clock::now();
    std::size_t indexed = 0;
    for (;;) {
      auto k = (*store)->IndexBlindPending(2000);
      if (!k) return 1;
      if (*k == 0) break;
      indexed += *k;
    }
    const auto b1 = Clock::now();
    std::cout << std::setprecision(0) << Say("  提交后的盲索引（判重工作线程）：", "  blind index after the commit (dedup worker): ")
              << indexed / Seconds(b0, b1) << Say(" 件/秒（", " cases/s (") << std::setprecision(2) << Seconds(b0, b1)
              << Say(" 秒）；应用与盲索引合计：", " s); apply and blind index together: ") << std::setprecision(0)
              << n / (Seconds(t0, t1) + Seconds(b0, b1)) << Say(" 事件/秒\n", " events/s\n");
    // The check of arrivals a node with children runs after the commit, on
    // its worker (node/dedup_exchange.h): how many cases a second it checks.
    auto arrivals = (*store)->ArrivalsAfter(0, 2000);
    if (!arrivals) return 1;
    const auto c0 = Clock::now();
    for (const auto& a : *arrivals) {
      if (!(*store)->FindFeatures(a.features, 10)) return 1;
    }
    const auto c1 = Clock::now();
    std::cout << std::setprecision(0) << Say("  到达件的判重（提交后，判重工作线程）：", "  check of arrivals (after the commit, on the dedup worker): ")
              << static_cast<double>(arrivals->size()) / Seconds(c0, c1) << Say(" 件/秒（已查 ", " cases/s (")
              << arrivals->size() << Say(" 件）\n", " checked)\n");
  }
  return 0;
}


// The peak resident set of a process (VmHWM in /proc/PID/status), in KiB.
long PeakRssKib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// xfctl bench apply --xml-mb N: a real xfnode (a city) receives one batch
// of about N MB of XML from its child county over the real exchange
// endpoint (mutual TLS): the batch is generated to a file as a stream
// (never whole in this process), signed over the file, and posted from the
// file. Reports events/s and the xfnode's peak RSS (VmHWM); with
// --max-rss-mb M it fails when the peak is above M.
int BenchApplyStream(const Args& args) {
  const long mb = std::atol(args.Get("xml-mb", "0").c_str());
  const long max_rss_mb = std::atol(args.Get("max-rss-mb", "0").c_str());
  if (mb <= 0 || max_rss_mb < 0) {
    std::cerr << "xfctl bench apply: --xml-mb must be a positive number of MB (and --max-rss-mb too, if given)\n";
    return 2;
  }
  auto scratch = bench::ScratchDir::Make("", "apply");
  if (!scratch) {
    std::cerr << "xfctl bench apply: " << Why(scratch.error()) << "\n";
    return 1;
  }
  if (args.Has("keep")) scratch->Keep();
  const std::filesystem::path dir = scratch->Path();
  auto fail = [](const std::string& why) {
    std::cerr << "xfctl bench apply: " << why << "\n";
    return 1;
  };

  // Two nodes made as an operator makes them: the county (only its keys are
  // used here) and the city that receives.
  const auto county = dir / "county", city = dir / "city";
  Progress progress("基准：大批次", "bench apply --xml-mb", 0, English(args));
  progress.Step("创建两个节点", "making the two nodes");
  std::ostringstream quiet;
  auto* old = std::cout.rdbuf(quiet.rdbuf());
  auto* old_err = std::cerr.rdbuf(quiet.rdbuf());
  const bool made =
      CmdInit(Args(std::vector<std::string>{"--dir", county.string(), "--node-id", "110105", "--tier", "county",
                                            "--api-port", "0", "--exchange-port", "0", "--force"})) == 0 &&
      CmdInit(Args(std::vector<std::string>{"--dir", city.string(), "--node-id", "110100", "--tier", "city",
                                            "--api-port", "0", "--exchange-port", "0", "--force"})) == 0 &&
      CmdPeer("add", Args(std::vector<std::string>{"--node", city.string(), "--as", "child", "--id", "110105",
                                                   "--key", (county / "keys" / "signing.pub").string(), "--cert",
                                                   (county / "keys" / "tls.crt").string()})) == 0;
  std::cout.rdbuf(old);
  std::cerr.rdbuf(old_err);
  if (!made) return fail("cannot create the nodes: " + quiet.str());
  auto config = node::LoadConfig(city / "xfnode.yaml");
  if (!config) return fail(config.error().message);
  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) return fail(book.error().message);
  auto county_key = exchange::PrivateKey::LoadPem(county / "keys" / "signing.key");
  if (!county_key) return fail(county_key.error().message);

  // The batch, generated to a file: N registrations with a summary of
  // about 1 KB (a long petition), so ~2 KB of XML each.
  SystemClock clock;
  const Date today = clock.Now().ToDate();
  const Instant now = clock.Now();
  std::string padding;
  for (int i = 0; i < 40; ++i) padding += "群众反映问题请求依法处理";  // 12 chars × 40
  // A few hundred bytes that do not repeat, so the batch compresses about
  // as real petitions do rather than to nothing.
  std::uint64_t rng = 0x9E3779B97F4A7C15ull;
  auto noise = [&] {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(256, '0');
    for (auto& ch : out) {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      ch = kHex[rng & 15];
    }
    return out;
  };
  auto event_xml = [&](long i) {
    auto c = SampleCase(i, today);
    c.summary += padding + noise();
    return schema::EventToXml(CountyRegistration(std::move(c), i, now));
  };
  {
    auto c = SampleCase(0, today);
    c.summary += padding + noise();
    const auto v = schema::ValidateCase(c, **book, schema::RecordLimits{}, today);
    if (!v.empty()) return fail("generated case refused: " + v.front().rule + " " + v.front().message);
  }
  std::size_t sample = 0;
  for (long i = 0; i < 1000; ++i) sample += event_xml(i).size();
  const long n = std::max(1L, static_cast<long>((static_cast<double>(mb) * 1024 * 1024) / (sample / 1000.0)));
  if (static_cast<std::size_t>(n) > exchange::BatchLimits{}.max_events) {
    return fail("--xml-mb " + std::to_string(mb) + " would need " + std::to_string(n) + " events, over the limit of " +
                std::to_string(exchange::BatchLimits{}.max_events));
  }
  exchange::BatchHeader h;
  h.origin = "110105";
  h.stream = std::string(exchange::kUpStream);
  h.seq = 1;
  h.batch_id = exchange::MakeBatchId(h.origin, h.stream, h.seq);
  h.destination = std::string(exchange::kRootNode);
  h.created = now;
  h.code_version = (*book)->Version();
  h.record_count = static_cast<std::uint64_t>(n);
  const auto batch_file = dir / "batch.zst";
  const auto t_gen = Clock::now();
  std::uint64_t xml_bytes = 0, zst_bytes = 0;
  {
    auto w = exchange::ZstdFileWriter::Create(batch_file);
    if (!w) return fail(w.error().message);
    // BatchXml of the header alone, cut before </batch>, then the events.
    std::string head = exchange::BatchXml(h, {});
    head.resize(head.rfind("</batch>"));
    std::string buf = std::move(head);
    progress.Step("生成批次文件", "writing the batch file");
    progress.SetTotal(static_cast<std::uint64_t>(n));
    for (long i = 0; i < n; ++i) {
      progress.Advance();
      buf += event_xml(i);
      if (buf.size() >= (1u << 20)) {
        xml_bytes += buf.size();
        if (auto s = (*w)->Write(buf); !s) return fail(s.error().message);
        buf.clear();
      }
    }
    buf += "</batch>\n";
    xml_bytes += buf.size();
    if (auto s = (*w)->Write(buf); !s) return fail(s.error().message);
    auto size = (*w)->Finish();
    if (!size) return fail(size.error().message);
    zst_bytes = *size;
  }
  auto sig = exchange::SignFile(*county_key, batch_file);
  if (!sig) return fail(sig.error().message);
  const auto t_made = Clock::now();

  // The city, as a real process.
  progress.Step("启动市节点", "starting the city");
  progress.SetTotal(0);
  const std::filesystem::path xfnode = args.Get("xfnode", XfnodeBinary().string());
  auto proc = Process::Spawn({xfnode.string(), "--config", (city / "xfnode.yaml").string()}, dir / "city.log");
  if (!proc) return fail(proc.error().message);
  const auto url_file = config->data_dir / "exchange.url";
  std::string url;
  for (int i = 0; i < 300 && url.empty(); ++i) {
    std::ifstream in(url_file);
    std::getline(in, url);
    if (url.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (url.empty()) {
    std::ifstream log(dir / "city.log");
    std::ostringstream ss;
    ss << log.rdbuf();
    return fail("the city's xfnode did not start: " + ss.str());
  }
  const long rss_idle = PeakRssKib(proc->Pid());

  exchange::HttpClientOptions opts;
  opts.tls = exchange::TlsFiles{(county / "keys" / "tls.crt").string(), (county / "keys" / "tls.key").string(),
                                (city / "keys" / "tls.crt").string(), false};
  opts.expected_server_cn = "110100";
  opts.answer_timeout = std::chrono::minutes(30);
  progress.Step("发送并应用", "sending, the city applying");
  const auto t0 = Clock::now();
  auto r = exchange::HttpCallFile("POST", url + "/v1/exchange/batches",
                                  {{"content-type", "application/zstd"},
                                   {"x-xf-origin", "110105"},
                                   {"x-xf-batch-id", h.batch_id},
                                   {"x-xf-signature", exchange::Base64Encode(*sig)}},
                                  batch_file, opts);
  const auto t1 = Clock::now();
  const long rss_peak = PeakRssKib(proc->Pid());
  (void)proc->Stop();
  if (!r) return fail("sending: " + r.error().message);
  if (r->status != 200) return fail("HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 500));
  auto receipt = exchange::ParseReceiptXml(r->body);
  if (!receipt) return fail("the receipt: " + receipt.error().message);
  if (receipt->AcceptedCount() != static_cast<std::uint64_t>(n)) {
    return fail("only " + std::to_string(receipt->AcceptedCount()) + " of " + std::to_string(n) + " accepted" +
                (receipt->rejected.empty() ? std::string() : ": " + receipt->rejected.front().reason));
  }
  progress.Done();
  const double secs = Seconds(t0, t1);
  if (EnglishWords()) {
    std::cout << std::fixed << std::setprecision(0) << "bench apply: one batch of " << n << " registrations, "
              << xml_bytes / (1024 * 1024) << " MiB XML (" << zst_bytes / (1024 * 1024)
              << " MiB zstd), made in " << std::setprecision(1) << Seconds(t_gen, t_made) << " s\n"
              << "  sent to a real xfnode (city 110100) over POST /v1/exchange/batches, mutual TLS\n"
              << "  receive path (spool + verify + stream decompress/parse + validate + apply + receipt): "
              << std::setprecision(0) << n / secs << " events/s (" << std::setprecision(1) << secs << " s)\n"
              << "  xfnode peak RSS (VmHWM): " << std::setprecision(1) << rss_peak / 1024.0 << " MiB (" << rss_idle / 1024.0
              << " MiB before the batch)" << (max_rss_mb ? ", limit " + std::to_string(max_rss_mb) + " MiB" : "")
              << "\n";
  } else {
    std::cout << std::fixed << std::setprecision(0) << "基准：应用一个含 " << n << " 件登记的批次，XML "
              << xml_bytes / (1024 * 1024) << " MiB（zstd " << zst_bytes / (1024 * 1024) << " MiB），生成用时 "
              << std::setprecision(1) << Seconds(t_gen, t_made) << " 秒\n"
              << "  经双向 TLS 的 POST /v1/exchange/batches 发给真实的 xfnode（地市 110100）\n"
              << "  接收路径（落盘 + 验签 + 流式解压/解析 + 校验 + 应用 + 回执）：" << std::setprecision(0) << n / secs
              << " 事件/秒（" << std::setprecision(1) << secs << " 秒）\n"
              << "  xfnode 内存峰值（VmHWM）：" << std::setprecision(1) << rss_peak / 1024.0 << " MiB（批次前 "
              << rss_idle / 1024.0 << " MiB）" << (max_rss_mb ? "，上限 " + std::to_string(max_rss_mb) + " MiB" : "")
              << "\n";
  }
  if (max_rss_mb && rss_peak > max_rss_mb * 1024) {
    std::cerr << Say("xfctl bench apply：内存峰值 ", "xfctl bench apply: peak RSS ") << rss_peak / 1024
              << Say(" MiB，超过 ", " MiB is over ") << max_rss_mb << " MiB\n";
    return 1;
  }
  return 0;
}

}  // namespace

int CmdBench(const std::string& what, const Args& args) {
  if (what == "intake") return BenchIntake(args);
  if (what == "apply") return BenchApply(args);
  std::cerr << "xfctl bench: unknown benchmark '" << what << "' (intake, apply)\n";
  return 2;
}

}  // namespace xf::tools

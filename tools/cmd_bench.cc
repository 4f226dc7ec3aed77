// xfctl bench: measurements, never tests. Each prints what it measured and
// how, so figures can be compared across machines and commits.
#include <stdlib.h>

#include <chrono>
#include <iomanip>
#include <iostream>

#include "codes/codebook.h"
#include "exchange/batch.h"
#include "node/blobs.h"
#include "node/exchange_service.h"
#include "node/sqlite.h"
#include "node/store.h"
#include "schema/validate.h"
#include "schema/xml.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

using Clock = std::chrono::steady_clock;

// Removes a benchmark's scratch directory on every return path.
struct TempDirGuard {
  std::filesystem::path dir;
  explicit TempDirGuard(std::filesystem::path d) : dir(std::move(d)) {}
  ~TempDirGuard() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// A valid GB 11643 number for 110105, born on `birth`, with sequence `seq`.
std::string IdNumber(Date birth, int seq) {
  static constexpr int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  char buf[32];
  std::snprintf(buf, sizeof buf, "110105%04d%02d%02d%03u", birth.year % 10000, birth.month % 100, birth.day % 100,
                static_cast<unsigned>(seq) % 1000u);
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (buf[i] - '0') * kWeights[i];
  return std::string(buf, 17) + "10X98765432"[sum % 11];
}

schema::CaseRegistration SampleCase(int i, Date received) {
  schema::CaseRegistration c;
  c.received_date = received;
  c.channel = i % 2 ? "200" : "100";
  c.registrar = "王登记";
  schema::Petitioner p;
  p.name = "张" + std::to_string(i);
  p.gender = i % 2 ? "1" : "2";
  p.ethnicity = "01";
  p.id_number = IdNumber(Date{1960 + i % 40, 1 + i % 12, 1 + i % 28}, i);
  p.phone = "1380000" + std::to_string(1000 + i % 9000);
  p.address = "北京市朝阳区某街道" + std::to_string(i % 100) + "号";
  p.address_division = "110105";
  p.first = true;
  c.petitioners.push_back(p);
  c.summary = "反映村集体资产管理不透明，要求公开账目。第" + std::to_string(i) + "件。";
  c.requests = "要求公开村集体资产收支情况";
  c.problem_place = "110105";
  c.content_category = "010101";
  c.purpose = "02";
  return c;
}

int BenchIntake(const Args& args) {
  const int n = std::atoi(args.Get("n", "2000").c_str());
  if (n <= 0) {
    std::cerr << "xfctl bench intake: --n must be a positive number\n";
    return 2;
  }
  std::string dir = args.Get("dir", "");
  std::optional<TempDirGuard> guard;
  if (dir.empty()) {
    char tmpl[] = "/tmp/xfnode-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    dir = tmpl;
    guard.emplace(dir);
  }
  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) {
    std::cerr << "xfctl bench: " << book.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  const std::filesystem::path store_file = std::filesystem::path(dir) / "intake.db";
  std::filesystem::remove(store_file);
  auto store = node::Store::Open(store_file, clock);
  if (!store) {
    std::cerr << "xfctl bench: " << store.error().message << "\n";
    return 1;
  }
  const Date today = clock.Now().ToDate();
  const schema::RecordLimits limits;
  std::vector<schema::Event> stored;
  stored.reserve(static_cast<std::size_t>(n));
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    auto c = SampleCase(i, today);
    const auto v = schema::ValidateCase(c, **book, limits, today);
    if (!v.empty()) {
      std::cerr << "xfctl bench: generated case refused: " << v.front().rule << " " << v.front().field << ": "
                << v.front().message << "\n";
      return 1;
    }
    auto e = (*store)->RegisterCase(std::move(c), "110105", "bench");
    if (!e) {
      std::cerr << "xfctl bench: " << e.error().message << "\n";
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
  const auto t2 = Clock::now();
  if (!insert_range(0, stored.size(), 0, true)) return 1;
  const auto t3 = Clock::now();
  if (!insert_range(0, stored.size(), 1'000'000'000, false)) return 1;
  const auto t4 = Clock::now();

  const double intake = n / Seconds(t0, t1);
  const double raw_row = n / Seconds(t2, t3);
  const double raw_batch = n / Seconds(t3, t4);
  std::cout << std::fixed << std::setprecision(0)
            << "bench intake: " << n << " cases, store in " << (guard ? "a temporary dir" : dir)
            << " (WAL, synchronous=FULL)\n"
            << "  intake path (validate + mint id + XML + event + projection, one commit per case): "
            << intake << " cases/s\n"
            << "  raw SQLite insert of the same rows, one commit per row:                         "
            << raw_row << " rows/s\n"
            << "  raw SQLite insert of the same rows, one transaction for all:                    "
            << raw_batch << " rows/s\n"
            << std::setprecision(2) << "  intake / raw per-commit = " << intake / raw_row << "\n";
  return 0;
}

// One node (a city) applies one signed batch of N registrations from its
// child county: verify, decompress, parse, validate, store — the path a
// received batch takes — beside the raw insert of the same rows.
int BenchApply(const Args& args) {
  const long n = std::atol(args.Get("n", "100000").c_str());
  if (n <= 0) {
    std::cerr << "xfctl bench apply: --n must be a positive number\n";
    return 2;
  }
  char tmpl[] = "/tmp/xfnode-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  TempDirGuard guard(tmpl);
  const std::filesystem::path dir = tmpl;
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
    std::cerr << "xfctl bench: " << book.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  auto store = node::Store::Open(config.data_dir / "xfnode.db", clock);
  if (!store) return 1;
  node::BlobStore blobs(config.data_dir / "blobs");
  auto service = node::ExchangeService::Create(config, **book, **store, blobs, clock);
  if (!service) {
    std::cerr << "xfctl bench: " << service.error().message << "\n";
    return 1;
  }

  // The county's batch: N registrations, as the county would have stored them.
  const Date today = clock.Now().ToDate();
  std::vector<std::string> xml;
  xml.reserve(static_cast<std::size_t>(n));
  std::vector<schema::Event> events;
  events.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i) {
    auto c = SampleCase(static_cast<int>(i), today);
    char id[40];
    std::snprintf(id, sizeof id, "110105-%04d-%07ld", today.year, i + 1);
    c.case_id = id;
    c.registering_body = "110105";
    c.registered_at = clock.Now();
    schema::Event e;
    e.origin = "110105";
    e.seq = static_cast<std::uint64_t>(i + 1);
    e.case_id = id;
    e.kind = schema::EventKind::kRegistration;
    e.occurred_at = c.registered_at;
    e.recorded_at = c.registered_at;
    e.actor = "bench";
    e.body = std::move(c);
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
  if (!bytes) return 1;
  auto sig = exchange::SignBytes(*county_key, *bytes);
  if (!sig) return 1;

  const auto t0 = Clock::now();
  auto receipt = (*service)->Receive({*bytes, *sig, "110105", "110105"});
  const auto t1 = Clock::now();
  if (!receipt) {
    std::cerr << "xfctl bench apply: refused: " << receipt.error().message << "\n";
    return 1;
  }
  if (receipt->receipt.accepted.size() != static_cast<std::size_t>(n)) {
    std::cerr << "xfctl bench apply: only " << receipt->receipt.accepted.size() << " of " << n << " accepted";
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
  const double apply = n / Seconds(t0, t1);
  const double raw_rate = n / Seconds(t2, t3);
  std::cout << std::fixed << std::setprecision(0) << "bench apply: one batch of " << n << " registrations ("
            << bytes->size() / 1024 << " KiB zstd, " << batch_xml.size() / 1024 << " KiB XML)\n"
            << "  receive path (verify + decompress + parse + validate + apply + projections, one commit): "
            << apply << " events/s (" << std::setprecision(2) << Seconds(t0, t1) << " s)\n"
            << std::setprecision(0) << "  raw SQLite insert of the same rows, one transaction:             "
            << raw_rate << " rows/s (" << std::setprecision(2) << Seconds(t2, t3) << " s)\n"
            << "  apply / raw = " << apply / raw_rate << " (target >= 0.5)\n";
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

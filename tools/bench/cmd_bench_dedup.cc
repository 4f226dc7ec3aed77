// xfctl bench dedup: duplicate detection (判重) — its quality on the labelled
// set and the time a check adds to a registration on a large store.
//
//   xfctl bench dedup [--n N] [--seed S]            quality (default 3,000 registrations)
//                     [--cases C] [--checks K] [--dir DIR] [--reindex]   speed on a store of C cases
//                     [--bulk]   the store filled straight into the index (see below)
//   xfctl bench dedup --n 0 --apply N [--runs R]     what duplicate detection costs a batch's apply
//
// Quality: the labelled set (dedup/labelled.h) is registered one by one into
// a fresh store, as a node registers cases, each checked first against the
// cases before it (Store::FindDuplicates: the index's retrieval and the
// matcher's ranking); precision and recall of `duplicate` and the recall
// within the first five candidates. --n 0 skips it.
//
// Speed (--cases C): a store is filled with C registrations — chunks of the
// labelled set with seeds of their own, applied as batches through
// Store::ApplyBatch, so the index is written as a node writes it — then K
// checks (default 1,000) of registrations not stored (half of a last chunk
// is stored, the other half checked: each finds its earlier registrations
// among millions) are timed after 50 warm-up checks. With --dir the store is
// kept and reused by the next run with the same or fewer --cases.
//
// --bulk (with --cases): the C − K·… background cases are written straight
// into the duplicate index (Store::BulkIndexForBench: the index's own writer,
// 100,000 cases a transaction), without events or projections, which a check
// never reads — ten million in minutes instead of hours; the probe's stored
// half still goes through ApplyBatch and the checks through FindDuplicates,
// the code path of POST /v1/cases.
//
// --reindex (with --cases): the store is first taken back to before
// migration 9 (the index dropped, schema version 8) and opened again, so the
// migration indexes every case held, timed — what an upgrade costs.
//
// --upward: the check across the hierarchy (tools/topology.h): the demo's
// five real xfnode processes on loopback with mutual TLS (100000 → 110000 →
// 110100 → 110105, 110108), the system key made at 100000 and fetched down;
// --stored registrations of the labelled set (default 400) registered at
// 110108 and carried up to 100000; then K checks (--checks, default 200) of
// the next registrations of the set (not stored) posted to 110105's POST
// /v1/duplicates/check, each answered by 110105 itself and by the three
// levels above it (searched: 110105, 110100, 110000, 100000), timed at the
// caller after 20 warm-up checks; beside them the same checks with
// "searched" of the county alone (its parent stopped).
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <boost/json.hpp>
#include <thread>

#include <sys/resource.h>

#include "codes/codebook.h"
#include "dedup/labelled.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "node/blobs.h"
#include "node/dedup_exchange.h"
#include "node/exchange_service.h"
#include "schema/json.h"
#include "tools/topology.h"
#include "node/sqlite.h"
#include "node/store.h"
#include "schema/xml.h"
#include "tools/bench/bench_data.h"
#include "tools/bench/bench_util.h"
#include "tools/cli.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

using Steady = std::chrono::steady_clock;
using bench::Percentile;
namespace labelled = dedup::labelled;

double Ms(Steady::time_point a, Steady::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// This thread's CPU time in ms: beside the wall time, so that a figure taken
// on a busy machine can still be read.
double ThreadCpuMs() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

std::string Times(const std::vector<double>& ms) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << "p50 " << Percentile(ms, 0.5) << " ms, p90 " << Percentile(ms, 0.9)
      << " ms, p99 " << Percentile(ms, 0.99) << " ms, max " << Percentile(ms, 1.0) << " ms";
  return out.str();
}

int Quality(long n, std::uint64_t seed, const std::filesystem::path& dir) {
  labelled::Options o;
  o.seed = seed;
  o.registrations = static_cast<int>(n);
  const auto set = labelled::Generate(o);
  SystemClock clock;
  auto store = node::Store::Open(dir / "quality.db", clock);
  if (!store) {
    std::cerr << "xfctl bench dedup: " << store.error().message << "\n";
    return 1;
  }
  labelled::Evaluation eval(set);
  std::map<std::string, int> index_of;
  std::vector<double> check_ms;
  std::set<int> matters;
  const auto t0 = Steady::now();
  for (std::size_t i = 0; i < set.size(); ++i) {
    matters.insert(set[i].matter);
    const auto a = Steady::now();
    auto found = (*store)->FindDuplicates(set[i].record, 20);
    check_ms.push_back(Ms(a, Steady::now()));
    if (!found) {
      std::cerr << "xfctl bench dedup: check: " << found.error().message << "\n";
      return 1;
    }
    std::vector<labelled::Candidate> ranked;
    for (const auto& c : *found) ranked.push_back({index_of.at(c.case_id), c.match.decision});
    eval.Observe(static_cast<int>(i), ranked);
    auto stored = (*store)->RegisterCase(set[i].record, set[i].record.registering_body, "bench");
    if (!stored) {
      std::cerr << "xfctl bench dedup: register: " << stored.error().message << "\n";
      return 1;
    }
    index_of[stored->case_id] = static_cast<int>(i);
  }
  const double secs = Ms(t0, Steady::now()) / 1000;
  const auto r = eval.Result();
  std::cout << std::fixed << Say("基准：判重质量，标注集（种子 ", "bench dedup: quality on the labelled set (seed ") << seed << Say("）：", "): ") << set.size()
            << Say(" 件登记，", " registrations of ") << matters.size() << Say(" 个事项，逐件登记到新库，每件先查重（", " matters, registered one by one into a fresh store, each ")
            << Say("", "checked first (") << std::setprecision(1) << secs << Say(" 秒）\n", " s)\n")
            << std::setprecision(3) << Say("  判为重复：精确率 ", "  duplicate: precision ") << r.precision << Say("（", " (") << r.duplicate_correct << Say(" / ", " of ")
            << r.duplicate_links << Say(" 个关联正确），召回率 ", " links right), recall ") << r.recall << Say("（", " (") << r.duplicate_correct << Say(" / ", " of ")
            << r.true_pairs << Say(" 对真重复）   目标 ≥ 0.970、≥ 0.950\n", " pairs)   targets >= 0.970, >= 0.950\n")
            << Say("  前 5 名召回率（任一判断）：", "  top-5 recall, any decision: ") << r.top5_recall << Say("（", " (") << r.top5_found << Say(" / ", " of ") << r.true_pairs
            << Say("）   目标 ≥ 0.990\n", ")   target >= 0.990\n");
  for (const auto& [k, v] : r.false_links) std::cout << Say("  错误关联：", "  wrong links: ") << k << ": " << v << "\n";
  for (const auto& [k, v] : r.missed) std::cout << Say("  未判为重复的真重复对：", "  true pairs not decided duplicate: ") << k << ": " << v << "\n";
  std::cout << Say("  库从 0 增长到 ", "  check time while the store grew from 0 to ") << set.size() << Say(" 件期间的查重用时：", " cases: ") << Times(check_ms) << "\n";
  const bool met = r.precision >= 0.97 && r.recall >= 0.95 && r.top5_recall >= 0.99;
  if (!met) std::cout << Say("  未达到目标\n", "  TARGETS NOT MET\n");
  return met ? 0 : 1;
}

// One labelled chunk as the registration events of county 110105, numbered
// from `first_seq`, in a batch of its own.
node::Store::Incoming Batch(const std::vector<labelled::Registration>& regs, std::size_t from, std::size_t to,
                            std::uint64_t& next_seq, std::uint64_t batch_seq, Instant now) {
  node::Store::Incoming in;
  in.header.origin = "110105";
  in.header.stream = std::string(exchange::kUpStream);
  in.header.seq = batch_seq;
  in.header.batch_id = exchange::MakeBatchId(in.header.origin, in.header.stream, batch_seq);
  in.header.destination = std::string(exchange::kRootNode);
  in.header.created = now;
  in.header.code_version = "bench";
  in.bytes = "bench batch " + in.header.batch_id;
  in.signature = "-";
  in.received_from = "110105";
  for (std::size_t i = from; i < to; ++i) {
    schema::CaseRegistration c = regs[i].record;
    const std::uint64_t seq = next_seq++;
    char id[48];
    std::snprintf(id, sizeof id, "110105-%04d-%08llu", c.received_date.year, static_cast<unsigned long long>(seq));
    c.case_id = id;
    c.registered_at = Instant::FromDate(c.received_date);
    schema::Event e;
    e.origin = "110105";
    e.seq = seq;
    e.case_id = id;
    e.kind = schema::EventKind::kRegistration;
    e.occurred_at = c.registered_at;
    e.recorded_at = c.registered_at;
    e.actor = "bench";
    e.body = std::move(c);
    std::string xml = schema::EventToXml(e);
    in.events.push_back({std::move(e), std::move(xml), {}});
  }
  in.header.record_count = in.events.size();
  return in;
}

// Takes the store back to before migration 9, then opens it: the migration
// indexes every case again. Answers the seconds it took, or -1.
double Reindex(const std::filesystem::path& file, const Clock& clock) {
  {
    auto db = node::sql::Db::Open(file);
    if (!db || !db->Exec("DROP TABLE IF EXISTS dedup_terms; DROP TABLE IF EXISTS dedup_keys; "
                         "DROP TABLE IF EXISTS dedup_cases; PRAGMA user_version = 8;")) {
      return -1;
    }
  }
  const auto t0 = Steady::now();
  auto store = node::Store::Open(file, clock);
  if (!store) {
    std::cerr << "xfctl bench dedup: reindexing: " << store.error().message << "\n";
    return -1;
  }
  return Ms(t0, Steady::now()) / 1000;
}

int Speed(long cases, long checks, std::uint64_t seed, const std::filesystem::path& dir, bool reindex, bool bulk) {
  SystemClock clock;
  const auto file = dir / "xfnode.db";
  if (reindex && std::filesystem::exists(file)) {
    const double secs = Reindex(file, clock);
    if (secs < 0) return 1;
    auto held = node::Store::Open(file, clock);
    const auto n = held ? (*held)->Stats().cases : 0;
    std::cout << std::fixed << std::setprecision(1) << Say("基准：迁移 9 为所持 ", "bench dedup: migration 9 indexed the ") << n
              << Say(" 件建立索引，用时 ", " cases held in ") << secs << " s (" << std::setprecision(0) << secs * 1e6 / static_cast<double>(std::max<std::int64_t>(n, 1))
              << " µs a case)\n";
  }
  auto store = node::Store::Open(file, clock);
  if (!store) {
    std::cerr << "xfctl bench dedup: " << store.error().message << "\n";
    return 1;
  }
  auto& s = **store;
  constexpr std::size_t kChunk = 10000;
  // The last chunk: its first half stored, its second half checked.
  labelled::Options last;
  last.seed = seed ^ 0x5EED;
  last.registrations = static_cast<int>(std::max(2 * checks + 100, 2000L));
  const auto probe = labelled::Generate(last);
  const std::size_t half = probe.size() / 2;

  std::int64_t held = s.Stats().cases;
  if (bulk) {
    // Cases indexed (the bulk ones have no events and no projection).
    auto newest = s.NewestIndexed();
    if (!newest) return 1;
    held = *newest;
  }
  const auto t_fill = Steady::now();
  if (bulk && held < cases) {
    // Straight into the index (Store::BulkIndexForBench: the writer a node
    // uses, a chunk per transaction), as cases of county 110108; then the
    // probe's first half through ApplyBatch, as 110105's first batch.
    const long background = cases - static_cast<long>(half);
    if (held > background) {
      std::cerr << "xfctl bench dedup --bulk: the store in " << dir << " holds " << held
                << " cases but no probe: use another --dir\n";
      return 1;
    }
    std::uint64_t chunk_seed = seed + static_cast<std::uint64_t>(held) + 0xB01C;
    std::cout << Say("基准：向索引填入 ", "bench dedup: filling the index with ") << background << " registrations (" << held << Say(" 件已有）…", " held) …")
              << std::flush;
    long next = held;
    constexpr long kPerTransaction = 100000;  // fewer, larger commits: less rewriting of the same pages
    while (next < background) {
      std::vector<schema::CaseRegistration> chunk;
      const long until = std::min(background, next + kPerTransaction);
      while (next < until) {
        labelled::Options o;
        o.seed = chunk_seed++;
        o.registrations = static_cast<int>(std::min<long>(kChunk, until - next));
        const auto regs = labelled::Generate(o);
        for (std::size_t i = 0; i < regs.size() && next < until; ++i) {
          schema::CaseRegistration c = regs[i].record;
          char id[48];
          std::snprintf(id, sizeof id, "110108-%04d-%08ld", c.received_date.year, ++next);
          c.case_id = id;
          c.registering_body = "110108";
          chunk.push_back(std::move(c));
        }
      }
      if (auto st = s.BulkIndexForBench(chunk); !st) {
        std::cerr << "\nxfctl bench dedup: filling: " << st.error().message << "\n";
        return 1;
      }
      if (next % 1000000 == 0) std::cout << " " << next << std::flush;
    }
    std::uint64_t next_seq = 1;
    auto in = Batch(probe, 0, half, next_seq, 1, clock.Now());
    auto receipt = s.ApplyBatch(in, "100000");
    if (!receipt || receipt->AcceptedCount() != half) {
      std::cerr << "\nxfctl bench dedup: the probe: "
                << (receipt ? "only " + std::to_string(receipt->AcceptedCount()) + " accepted" : receipt.error().message)
                << "\n";
      return 1;
    }
    held = background + static_cast<long>(half);
    std::cout << Say(" 完成\n", " done\n");
  } else if (held < cases) {
    // Continue numbering after what a kept store holds.
    std::uint64_t next_seq = static_cast<std::uint64_t>(held) + 1;
    std::uint64_t batch_seq = 1;
    auto db = node::sql::Db::OpenReadOnly(file);
    if (db) {
      auto q = db->Prepare("SELECT next_seq FROM streams WHERE origin = '110105' AND stream = 'up'", false);
      if (q) {
        auto row = q->Step();
        if (row && *row) batch_seq = static_cast<std::uint64_t>(q->Int(0));
      }
    }
    std::uint64_t chunk_seed = seed + static_cast<std::uint64_t>(held);
    const long background = cases - static_cast<long>(half);
    std::cout << Say("基准：向库中填入 ", "bench dedup: filling a store with ") << cases << " registrations (" << held << Say(" 件已有）…", " held) …")
              << std::flush;
    while (held < background) {
      labelled::Options o;
      o.seed = chunk_seed++;
      o.registrations = static_cast<int>(std::min<long>(kChunk, background - held));
      const auto regs = labelled::Generate(o);
      const std::size_t take = std::min<std::size_t>(regs.size(), static_cast<std::size_t>(background - held));
      auto in = Batch(regs, 0, take, next_seq, batch_seq++, clock.Now());
      auto receipt = s.ApplyBatch(in, "100000");
      if (!receipt || receipt->AcceptedCount() != take) {
        std::cerr << "\nxfctl bench dedup: filling: "
                  << (receipt ? "only " + std::to_string(receipt->AcceptedCount()) + " accepted" : receipt.error().message)
                  << "\n";
        return 1;
      }
      held += static_cast<std::int64_t>(take);
      if ((held / static_cast<std::int64_t>(kChunk)) % 20 == 0) std::cout << " " << held << std::flush;
    }
    auto in = Batch(probe, 0, half, next_seq, batch_seq++, clock.Now());
    auto receipt = s.ApplyBatch(in, "100000");
    if (!receipt) {
      std::cerr << "\nxfctl bench dedup: " << receipt.error().message << "\n";
      return 1;
    }
    held += static_cast<std::int64_t>(half);
    std::cout << Say(" 完成\n", " done\n");
  }
  const double fill_s = Ms(t_fill, Steady::now()) / 1000;
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(file, ec);

  // The checks: the second half of the last chunk, none of them stored. Its
  // first half was the last batch applied: case 110105-YYYY-<seq> is probe
  // registration seq - first_seq, which gives the truth at this scale too.
  const std::uint64_t first_seq = bulk ? 1 : static_cast<std::uint64_t>(held) - half + 1;
  auto probe_index = [&](const std::string& case_id) -> long {
    if (case_id.rfind("110105-", 0) != 0) return -1;
    const auto dash = case_id.rfind('-');
    const auto seq = std::strtoull(case_id.c_str() + dash + 1, nullptr, 10);
    return seq >= first_seq && seq < first_seq + half ? static_cast<long>(seq - first_seq) : -1;
  };
  long true_pairs = 0, found5 = 0, linked = 0, wrong = 0;
  std::vector<double> ms, cpu;
  std::size_t duplicates = 0, candidates = 0;
  const std::size_t warmup = 50;
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(checks) + warmup, probe.size() - half);
  for (std::size_t k = 0; k < n; ++k) {
    const auto& reg = probe[half + k].record;
    const auto a = Steady::now();
    const double c0 = ThreadCpuMs();
    auto found = s.FindDuplicates(reg, 10);
    const double took = Ms(a, Steady::now());
    const double took_cpu = ThreadCpuMs() - c0;
    if (!found) {
      std::cerr << "xfctl bench dedup: check: " << found.error().message << "\n";
      return 1;
    }
    if (k < warmup) continue;
    ms.push_back(took);
    cpu.push_back(took_cpu);
    const int matter = probe[half + k].matter;
    for (std::size_t j = 0; j < half; ++j) true_pairs += probe[j].matter == matter;
    for (std::size_t r = 0; r < found->size(); ++r) {
      const long j = probe_index((*found)[r].case_id);
      const bool same = j >= 0 && probe[static_cast<std::size_t>(j)].matter == matter;
      const bool dup = (*found)[r].match.decision == dedup::Decision::kDuplicate;
      found5 += same && r < 5;
      linked += same && dup;
      wrong += !same && dup;
    }
    candidates += found->size();
    duplicates += std::count_if(found->begin(), found->end(),
                                [](const auto& c) { return c.match.decision == dedup::Decision::kDuplicate; });
  }
  std::cout << std::fixed << std::setprecision(1) << Say("基准：在含 ", "bench dedup: check time on a store of ") << held << Say(" 件的库上查重（", " cases (")
            << static_cast<double>(bytes) / (1 << 30) << " GiB"
            << (fill_s > 1 ? std::string(bulk ? Say("，索引直接填入，用时 ", ", the index filled straight in ")
                                              : Say("，经 ApplyBatch 填入，用时 ", ", filled through ApplyBatch in ")) +
                                 std::to_string(static_cast<long>(fill_s)) + Say(" 秒", " s")
                           : std::string())
            << Say("）\n", ")\n")
            << "  " << ms.size() << Say(" 次未存储登记的查重（预热 ", " checks of registrations not stored (after ") << warmup
            << Say(" 次之后）：", " warm-up): ")
            << Times(ms) << "\n"
            << Say("  同样的查重按 CPU 时间：", "  the same checks in CPU time: ") << Times(cpu) << "\n"
            << "  " << std::setprecision(2) << static_cast<double>(candidates) / static_cast<double>(ms.size())
            << Say(" 个候选、", " candidates and ") << static_cast<double>(duplicates) / static_cast<double>(ms.size())
            << Say(" 个重复（每次查重平均）\n", " duplicates a check on average\n")
            << Say("  此规模下：所持信访件中同一事项的较早登记 ", "  at this scale: ") << true_pairs << Say(" 件：", " earlier registrations of the same matter among the cases held: ")
            << found5 << Say(" 件在前 5 名候选中，", " in the first 5 candidates, ") << linked << Say(" 件判为重复；", " decided duplicate; ") << wrong
            << Say(" 个错误的重复关联\n", " wrong duplicate links\n")
            << Say("  目标：在含 10,000,000 件的节点上，查重增加 ≤ 20 毫秒（p99）\n", "  target: the check adds <= 20 ms p99 on a node of 10,000,000 cases\n");
  return 0;
}

// This process's CPU time (all threads: the receive path's parser thread
// too), in ms.
double ProcessCpuMs() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

double Median(std::vector<double> v) { return Percentile(std::move(v), 0.5); }

// --apply N: what duplicate detection costs a node receiving batches. A
// city (110100) receives two signed batches from its counties 110105 and
// 110108 — the labelled set's N registrations (realistic summaries and
// requests, which is what the index's cost depends on), every other one
// registered at each county, so that the same matter is found under two
// children — through ExchangeService::Receive (verify, decompress, parse,
// validate, apply, projections, one commit each), as `xfctl bench apply`
// does, into a fresh store each run, three ways, alternated `runs` times:
//   off    — projections without the duplicate index (Store::SetDuplicateIndexForBench);
//   index  — as a node applies: the index written in the apply transaction;
//   full   — then what a node with children does after the commits, on its
//            dedup worker (node/dedup_exchange.h): the blind index under the
//            system key and the check of arrivals, until it has caught up.
int ApplyCost(long n, long runs, std::uint64_t seed, const std::filesystem::path& dir) {
  const std::string counties[2] = {"110105", "110108"};
  auto key_a = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
  auto key_b = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
  auto city_key = exchange::PrivateKey::Generate(exchange::SignAlg::kEd25519);
  if (!key_a || !key_b || !city_key) return 1;
  const exchange::PrivateKey* county_keys[2] = {&*key_a, &*key_b};
  for (int k = 0; k < 2; ++k) {
    if (!WriteFile(dir / (counties[k] + ".pub"), county_keys[k]->Public().Pem())) return 1;
  }
  if (!city_key->SavePem(dir / "city.key")) return 1;
  auto book = codes::CodeBook::Load(codes::DefaultDataDir());
  if (!book) {
    std::cerr << "xfctl bench dedup: " << book.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  labelled::Options o;
  o.seed = seed;
  o.registrations = static_cast<int>(n);
  const auto regs = labelled::Generate(o);
  struct Signed {
    std::string bytes, signature;
  };
  std::vector<Signed> batches;
  std::size_t total = 0, zstd = 0;
  for (int k = 0; k < 2; ++k) {
    std::vector<std::string> xml;
    std::uint64_t seq = 0;
    for (std::size_t i = static_cast<std::size_t>(k); i < regs.size(); i += 2) {
      schema::CaseRegistration c = regs[i].record;
      c.registering_body = counties[k];
      // The county (the matcher compares the first six digits): some of the
      // set's townships are not in the statistical table R2 checks.
      c.problem_place = c.problem_place.substr(0, 6);
      ++seq;
      char id[48];
      std::snprintf(id, sizeof id, "%s-%04d-%07llu", counties[k].c_str(), c.received_date.year,
                    static_cast<unsigned long long>(seq));
      c.case_id = id;
      c.registered_at = clock.Now();
      schema::Event e;
      e.origin = counties[k];
      e.seq = seq;
      e.case_id = id;
      e.kind = schema::EventKind::kRegistration;
      e.occurred_at = c.registered_at;
      e.recorded_at = c.registered_at;
      e.actor = "bench";
      e.body = std::move(c);
      xml.push_back(schema::EventToXml(e));
    }
    exchange::BatchHeader h;
    h.origin = counties[k];
    h.stream = std::string(exchange::kUpStream);
    h.seq = 1;
    h.batch_id = exchange::MakeBatchId(h.origin, h.stream, h.seq);
    h.destination = std::string(exchange::kRootNode);
    h.created = clock.Now();
    h.code_version = (*book)->Version();
    h.record_count = xml.size();
    total += xml.size();
    auto bytes = exchange::Compress(exchange::BatchXml(h, xml));
    auto sig = bytes ? exchange::SignBytes(*county_keys[k], *bytes) : Result<std::string>(bytes.error());
    if (!sig) {
      std::cerr << "xfctl bench dedup: " << sig.error().message << "\n";
      return 1;
    }
    zstd += bytes->size();
    batches.push_back({std::move(bytes).value(), std::move(sig).value()});
  }
  enum class Mode { kOff, kIndex, kFull };
  struct Run {
    double apply_s = 0, after_s = 0, apply_cpu_ms = 0, process_cpu_ms = 0;
    std::int64_t notices = 0;
  };
  auto once = [&](Mode mode, long r) -> std::optional<Run> {
    const auto data = dir / ("apply-" + std::to_string(r) + "-" + std::to_string(static_cast<int>(mode)));
    std::error_code ec;
    std::filesystem::remove_all(data, ec);
    std::filesystem::create_directories(data);
    node::NodeConfig config;
    config.node_id = "110100";
    config.tier = node::Tier::kCity;
    config.data_dir = data;
    config.signing_key = dir / "city.key";
    for (const auto& c : counties) {
      node::PeerConfig child;
      child.id = c;
      child.public_key = dir / (c + ".pub");
      config.children.push_back(child);
    }
    Run out;
    {
      auto store = node::Store::Open(data / "xfnode.db", clock);
      if (!store) {
        std::cerr << "xfctl bench dedup: " << store.error().message << "\n";
        return std::nullopt;
      }
      (*store)->SetDuplicateIndexForBench(mode != Mode::kOff);
      node::BlobStore blobs(data / "blobs");
      auto service = node::ExchangeService::Create(config, **book, **store, blobs, clock);
      if (!service) {
        std::cerr << "xfctl bench dedup: " << service.error().message << "\n";
        return std::nullopt;
      }
      const double p0 = ProcessCpuMs();
      const double c0 = ThreadCpuMs();
      const auto t0 = Steady::now();
      for (int k = 0; k < 2; ++k) {
        auto receipt = (*service)->Receive({batches[k].bytes, batches[k].signature, counties[k], counties[k]});
        if (!receipt) {
          std::cerr << "xfctl bench dedup --apply: refused: " << receipt.error().message << "\n";
          return std::nullopt;
        }
        if (receipt->receipt.rejected.size() > 0) {
          std::cerr << "xfctl bench dedup --apply: " << receipt->receipt.rejected.size() << " rejected: "
                    << receipt->receipt.rejected.front().reason << "\n";
          return std::nullopt;
        }
      }
      out.apply_s = Ms(t0, Steady::now()) / 1000;
      out.apply_cpu_ms = ThreadCpuMs() - c0;
      if (mode == Mode::kFull) {
        // The dedup worker's part: the system key made here (no parent),
        // the arrivals checked from the first case on.
        auto& s = **store;
        if (auto st = s.SetCheckedUpto(0); !st) return std::nullopt;
        node::DedupExchange dedup(config, s, clock, [](const node::PeerConfig&) { return exchange::HttpClientOptions{}; },
                                  [] {});
        const auto a0 = Steady::now();
        if (auto st = dedup.Start(); !st) {
          std::cerr << "xfctl bench dedup: " << st.error().message << "\n";
          return std::nullopt;
        }
        for (;;) {
          auto k = dedup.RunOnce();
          if (!k) {
            std::cerr << "xfctl bench dedup: " << k.error().message << "\n";
            return std::nullopt;
          }
          out.notices += static_cast<std::int64_t>(*k);
          auto checked = s.CheckedUpto();
          auto newest = s.NewestIndexed();
          if (!checked || !newest) return std::nullopt;
          if (*checked >= *newest) break;
        }
        out.after_s = Ms(a0, Steady::now()) / 1000;
        dedup.Stop();
      }
      out.process_cpu_ms = ProcessCpuMs() - p0;
    }
    std::filesystem::remove_all(data, ec);
    return out;
  };
  std::map<Mode, std::vector<double>> rate, cpu, proc, total_rate;
  const double per_us = 1000.0 / static_cast<double>(total);  // ms → µs per event
  std::cout << Say("基准：判重 --apply：", "bench dedup --apply: ") << total << Say(" 件标注集登记，两个签名批次（zstd ", " registrations of the labelled set in two signed batches (")
            << zstd / 1024 << Say(" KiB），来自 110105 和 110108，由市级 110100 接收并应用；每种模式 ", " KiB zstd) from 110105 and 110108, received and applied by the city 110100; ") << runs
            << Say(" 次，交替运行\n", " runs of each mode, alternated\n");
  for (long r = 0; r < runs; ++r) {
    for (const Mode mode : {Mode::kOff, Mode::kIndex, Mode::kFull}) {
      const auto x = once(mode, r);
      if (!x) return 1;
      const double events = static_cast<double>(total);
      rate[mode].push_back(events / x->apply_s);
      cpu[mode].push_back(x->apply_cpu_ms * per_us);
      proc[mode].push_back(x->process_cpu_ms * per_us);
      total_rate[mode].push_back(events / (x->apply_s + x->after_s));
      const char* name = mode == Mode::kOff ? Say("无索引", "index off ") : mode == Mode::kIndex ? Say("有索引", "index on  ") : Say("有索引 + 后台", "index on + worker");
      std::cout << std::fixed << std::setprecision(0) << Say("  第 ", "  run ") << r + 1 << " " << name << Say("：应用 ", ": apply ")
                << events / x->apply_s << Say(" 事件/秒", " events/s");
      if (mode == Mode::kFull) {
        std::cout << Say("，随后盲索引 + 到达查重 ", ", then blind index + check of arrivals ") << std::setprecision(2) << x->after_s << Say(" 秒（", " s (")
                  << std::setprecision(0) << events / x->after_s << Say(" 件/秒，", " cases/s, ") << x->notices
                  << Say(" 条提示）；合计 ", " notices); together ") << events / (x->apply_s + x->after_s) << Say(" 事件/秒", " events/s");
      }
      std::cout << Say("；每事件 CPU：应用线程 ", "; CPU per event: applying thread ") << std::setprecision(1) << x->apply_cpu_ms * per_us
                << Say(" 微秒，进程 ", " µs, process ") << x->process_cpu_ms * per_us << Say(" 微秒\n", " µs\n");
    }
  }
  const double off = Median(rate[Mode::kOff]), on = Median(rate[Mode::kIndex]);
  const double full = Median(total_rate[Mode::kFull]);
  std::cout << std::fixed << std::setprecision(0) << Say("  批次应用速率（中位数）：无判重索引 ", "  batch apply rate (median): without the duplicate index ") << off
            << Say(" 事件/秒，有索引 ", " events/s, with it ") << on << Say(" 事件/秒：有 / 无 = ", " events/s: with / without = ") << std::setprecision(3) << on / off
            << Say("（下降 ", " (drop ") << std::setprecision(1) << (1 - on / off) * 100 << Say(" %；目标：至多 10 %）\n", " %; target: at most 10 %)\n")
            << Say("  应用线程每事件 CPU（中位数）：", "  applying thread CPU per event (median): ") << Median(cpu[Mode::kOff]) << Say(" 微秒（无），", " µs without, ")
            << Median(cpu[Mode::kIndex]) << Say(" 微秒（有）（", " µs with (") << std::setprecision(3)
            << Median(cpu[Mode::kIndex]) / Median(cpu[Mode::kOff]) << Say("×）；进程每事件 CPU：", "×); process CPU per event: ")
            << std::setprecision(1) << Median(proc[Mode::kOff]) << Say(" 微秒（无），", " µs without, ") << Median(proc[Mode::kIndex])
            << Say(" 微秒（有）（", " µs with (") << std::setprecision(3) << Median(proc[Mode::kIndex]) / Median(proc[Mode::kOff]) << Say("×）\n", "×)\n")
            << std::setprecision(0) << Say("  连同判重后台的工作（盲索引 + 到达查重，直到追上）：", "  with the dedup worker's part too (blind index + check of arrivals, until caught up): ")
            << full << Say(" 事件/秒：为无索引速率的 ", " events/s: ") << std::setprecision(3) << full / off << Say("；进程每事件 CPU ", " of the rate without; process CPU per event ")
            << std::setprecision(1) << Median(proc[Mode::kFull]) << Say(" 微秒\n", " µs\n");
  return 0;
}

// The registration as a clerk posts it to a node (the node fills the rest).
std::string PostBody(const schema::CaseRegistration& c) {
  auto o = boost::json::parse(schema::CaseToJson(c)).as_object();
  o.erase("case_id");
  o.erase("registering_body");
  o.erase("registered_at");
  return boost::json::serialize(o);
}

int Upward(long stored, long checks, std::uint64_t seed, const std::filesystem::path& dir) {
  auto t = Topology::Plan(dir / "upward", DemoNodes(), {.exchange_interval_seconds = 0});
  if (!t) return std::cerr << Say("基准：判重 --upward：", "bench dedup --upward: ") << t.error().message << "\n", 1;
  if (auto s = t->Create(); !s) return std::cerr << Say("基准：判重 --upward：", "bench dedup --upward: ") << s.error().message << "\n", 1;
  if (auto s = t->StartAll(); !s) return std::cerr << Say("基准：判重 --upward：", "bench dedup --upward: ") << s.error().message << "\n", 1;
  auto wait = [](const std::function<bool()>& ok, int seconds) {
    for (int i = 0; i < seconds * 10; ++i) {
      if (ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ok();
  };
  for (auto& n : t->Nodes()) {
    if (!wait([&] { return std::filesystem::exists(n.config.data_dir / "dedup.key"); }, 60)) {
      std::cerr << Say("基准：判重 --upward：", "bench dedup --upward: ") << n.Id() << " has no system key after 60 s\n";
      return 1;
    }
  }
  const auto set = labelled::Generate({seed, static_cast<int>(stored + checks + 20)});
  const auto& other = t->Node("110108").api;
  const auto& county = t->Node("110105").api;
  long registered = 0;
  for (long i = 0; i < stored && i < static_cast<long>(set.size()); ++i) {
    auto r = CallApi(other, "POST", "/v1/cases", PostBody(set[static_cast<std::size_t>(i)].record));
    if (r && r->status == 201) ++registered;
  }
  auto cases_at = [&](const std::string& id) -> long {
    auto r = CallApi(t->Node(id).api, "GET", "/v1/status", "");
    if (!r || r->status != 200) return -1;
    return static_cast<long>(boost::json::parse(r->body).at("cases").as_int64());
  };
  if (!wait([&] { return cases_at("100000") >= registered; }, 300)) {
    std::cerr << "bench dedup --upward: the cases did not all reach 100000\n";
    return 1;
  }
  std::cout << Say("基准：判重 --upward：", "bench dedup --upward: ") << registered << " registrations of the labelled set (seed " << seed
            << Say("）在 110108 登记并逐级持有至 100000；查重提交到 110105\n", ") registered at 110108 and held up to 100000; checks posted to 110105\n");
  auto run = [&](long first, long count, std::size_t searched_want, std::vector<double>& ms, long& found_above) {
    found_above = 0;
    for (long i = first; i < first + count && i < static_cast<long>(set.size()); ++i) {
      const std::string body = PostBody(set[static_cast<std::size_t>(i)].record);
      const auto a = Steady::now();
      auto r = CallApi(county, "POST", "/v1/duplicates/check", body);
      const auto b = Steady::now();
      if (!r || r->status != 200) continue;
      const auto o = boost::json::parse(r->body).as_object();
      if (o.at("searched").as_array().size() != searched_want) continue;
      ms.push_back(Ms(a, b));
      for (const auto& c : o.at("candidates").as_array()) {
        if (c.at("found_by").as_string() != "110105") {
          ++found_above;
          break;
        }
      }
    }
  };
  std::vector<double> warm, up, local;
  long above = 0;
  run(0, 20, 4, warm, above);
  run(stored, checks, 4, up, above);
  std::cout << Say("  跨层级（检索 110105、110100、110000、100000）：", "  across the hierarchy (searched 110105, 110100, 110000, 100000): ") << up.size() << Say(" 次查重，", " checks, ")
            << Times(up) << "; " << above << Say(" 次有上级发现的候选\n", " with a candidate found above\n");
  t->Stop("110100");
  std::vector<double> warm2;
  run(0, 20, 1, warm2, above);
  run(stored, checks, 1, local, above);
  std::cout << Say("  仅本县（上级已停：范围 partial）：", "  the county alone (its parent stopped: scope partial): ") << local.size() << Say(" 次查重，", " checks, ")
            << Times(local) << "\n"
            << Say("  目标：经 3 级中转向国家信访局的查重，回环上 p50 ≤ 100 毫秒\n", "  target: the upward check to the national bureau across 3 relays <= 100 ms p50 on loopback\n");
  t->StopAll();
  return up.empty() ? 1 : 0;
}

}  // namespace

int CmdBenchDedup(const Args& args) {
  if (auto u = args.Unknown({"n", "seed", "cases", "checks", "dir", "reindex", "upward", "stored", "apply", "runs", "bulk"});
      !u.empty()) {
    std::cerr << "xfctl bench dedup: " << u << "\n";
    return 2;
  }
  const long n = std::atol(args.Get("n", "3000").c_str());
  const long cases = std::atol(args.Get("cases", "0").c_str());
  const long checks = std::atol(args.Get("checks", "1000").c_str());
  const auto seed = static_cast<std::uint64_t>(std::strtoull(args.Get("seed", "20261122").c_str(), nullptr, 10));
  if (n < 0 || cases < 0 || checks <= 0) {
    std::cerr << "xfctl bench dedup: --n, --cases and --checks want positive numbers\n";
    return 2;
  }
  const auto scratch = bench::ScratchDir::Make(args.Get("dir", ""), "dedup");
  if (!scratch) {
    std::cerr << "xfctl bench dedup: " << Why(scratch.error()) << "\n";
    return 1;
  }
  const std::filesystem::path dir = scratch->Path();
  int rc = 0;
  if (n > 0) {
    std::filesystem::remove(dir / "quality.db");
    std::filesystem::remove(dir / "quality.db-wal");
    std::filesystem::remove(dir / "quality.db-shm");
    rc = Quality(n, seed, dir);
  }
  if (cases > 0 && rc == 0) rc = Speed(cases, checks, seed, dir, args.Has("reindex"), args.Has("bulk"));
  if (args.Has("apply") && rc == 0) {
    const long apply = std::atol(args.Get("apply", "50000").c_str());
    const long runs = std::atol(args.Get("runs", "3").c_str());
    if (apply <= 0 || runs <= 0) {
      std::cerr << "xfctl bench dedup: --apply and --runs want positive numbers\n";
      return 2;
    }
    rc = ApplyCost(apply, runs, seed, dir);
  }
  if (args.Has("upward") && rc == 0) {
    rc = Upward(std::atol(args.Get("stored", "400").c_str()), args.Has("checks") ? checks : 200, seed, dir);
  }
  return rc;
}

}  // namespace xf::tools

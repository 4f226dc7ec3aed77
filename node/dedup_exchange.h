// Duplicates across the hierarchy (判重, issue 11 phase 2; exchange/PROTOCOL.md,
// "Duplicates across the hierarchy"; dedup/README.md, "Phase 2").
//
// - The system key (dedup/blind.h): the national bureau — a node without a
//   parent — makes it once (32 random bytes, DATA_DIR/dedup.key); every other
//   node fetches it from its parent over the mutual-TLS link
//   (GET /v1/exchange/dedup/key, answered to children only) and keeps it in
//   the same file. A node with children indexes its cases blind under it.
// - Asking upward: a check at this node asks its parent with the keyed
//   question (POST /v1/exchange/dedup/question); the parent answers from the
//   cases it holds outside the asker's subtree, and asks its own parent in
//   turn, within the hops and the time left (X-Xf-Dedup-Hops,
//   X-Xf-Dedup-Budget-Ms). A level that does not answer in time is named in
//   `unreachable`: the caller still has what the others said.
// - The blind index: a node with children indexes its cases under the key on
//   its worker, after the commits (Store::IndexBlindPending), so applying a
//   batch does not pay for it; a case is found by the levels below once the
//   worker has caught up (in the order cases were indexed).
// - Checking arrivals: a node with children checks every case it indexes
//   against what it holds, after the commits, on its worker thread; a pair
//   registered in the subtrees of two different children (or one here) is
//   this level's to find (一信多投 is found at the common parent): it records
//   a duplicate notice (判重提示) on each case, which goes down to the node
//   that registered it (Store::RouteDown).
//
// Thread safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "dedup/blind.h"
#include "dedup/wire.h"
#include "exchange/http.h"
#include "node/config.h"
#include "node/store.h"

namespace xf::node {

namespace dedup_header {
// Levels above that may still be asked (a level asks its parent only when
// this is at least 1, with one less). A node asks with kDefaultHops.
inline constexpr const char* kHops = "x-xf-dedup-hops";
// Milliseconds the asker waits in all: a level asks its parent only with
// what remains after its own search, less a margin for the way back.
inline constexpr const char* kBudgetMs = "x-xf-dedup-budget-ms";
}  // namespace dedup_header

class DedupExchange {
 public:
  using ClientFor = std::function<exchange::HttpClientOptions(const PeerConfig&)>;
  static constexpr int kDefaultHops = 4;  // county → city → province → national, and one spare
  static constexpr std::chrono::milliseconds kDefaultBudget{1500};
  static constexpr std::chrono::milliseconds kMargin{50};

  // `kick` wakes the exchange's sender (notices were recorded).
  DedupExchange(const NodeConfig& config, Store& store, const Clock& clock, ClientFor client_for,
                std::function<void()> kick);
  ~DedupExchange();

  // Loads the key kept in the data dir (the national bureau makes one when
  // it has none) and starts the worker (fetching the key, checking arrivals).
  Status Start();
  void Stop();
  // Wakes the worker: cases were indexed.
  void Wake();

  // /v1/exchange/dedup/… from an authenticated peer.
  exchange::HttpResponse Handle(const exchange::HttpRequest& request, const std::string& from_peer);

  std::shared_ptr<const dedup::BlindKey> Key() const;

  // What the levels above say of `q` (q.exclude and q.key_id are set here):
  // an answer naming the levels searched and those that did not answer.
  // Without a parent: an empty answer. Without a key yet: the parent named
  // unreachable, with why. Never fails: a failure is an unreachable level.
  dedup::wire::Answer AskUp(dedup::wire::Question q, std::chrono::milliseconds budget = kDefaultBudget,
                            int hops = kDefaultHops);

  // One pass of the worker (tests drive it; the worker runs it when woken):
  // fetches the key if missing, then checks the arrivals. Answers how many
  // notices were recorded.
  Result<std::size_t> RunOnce();

 private:
  Status LoadOrMakeKey();
  Status FetchKey();
  Status UseKey(std::string secret, std::string key_id, bool write);
  Result<std::size_t> CheckArrivals();
  exchange::HttpResponse HandleQuestion(const exchange::HttpRequest& request, const std::string& from_peer);
  void Loop();

  const NodeConfig& m_config;
  Store& m_store;
  const Clock& m_clock;
  ClientFor m_client_for;
  std::function<void()> m_kick;
  mutable std::mutex m_mutex;  // guards m_key and the worker's flags
  std::shared_ptr<const dedup::BlindKey> m_key;
  std::mutex m_run_mutex;  // one pass at a time
  std::condition_variable m_wake;
  bool m_woken = false;
  std::atomic<bool> m_stopping{false};
  std::thread m_worker;
};

}  // namespace xf::node

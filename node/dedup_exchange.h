// Duplicates across the hierarchy (判重, issue 11 phase 2; exchange/PROTOCOL.md,
// "Duplicates across the hierarchy"; dedup/README.md, "Phase 2").
//
// - The system key (dedup/blind.h; node/dedup_key.h): the national bureau
//   — a node without a parent — makes it once (32 random bytes) and signs its
//   document with its node signing key (DATA_DIR/dedup.key); every other node
//   fetches the document from its parent over the mutual-TLS link
//   (GET /v1/exchange/dedup/key, answered to children only), verifies it —
//   signed by 100000, with a key this node holds for 100000 — and only then
//   keeps its bytes as received in the same file and uses it. A document that
//   does not verify is refused (logged, shown in /v1/status) and the key held
//   stays in use; the node asks again. It asks at start, while it has no
//   key (every pass of its worker, at least every second; 10 s after a
//   refusal), when its parent answers a question with 409 (another key),
//   and every 10 minutes. A node with children indexes its cases blind
//   under the key.
// - Upgrading: a document of before (xfnode-dedup-key-1, unsigned) is signed
//   at start by the national bureau (the same key: nothing to index again);
//   a node below keeps using it until its parent serves a signed document,
//   which it verifies like any other.
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
#include "node/dedup_key.h"
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

  static constexpr std::chrono::minutes kKeyRecheck{10};
  static constexpr std::chrono::seconds kKeyRetryRefused{10};
  static constexpr std::chrono::seconds kKeyRetryUnreachable{60};  // with a key held
  static constexpr std::chrono::seconds kKeyRefetchAfter409{2};    // at most so often

  // `kick` wakes the exchange's sender (notices were recorded). `keys_of`
  // answers the signing keys this node holds for an origin (Trust::KeysOf):
  // a node with a parent verifies the system key's document with those of
  // the national bureau; without it every document from the parent is
  // refused (no key of the signer). A node without a parent signs its key's
  // document with the key in config.signing_key.
  DedupExchange(const NodeConfig& config, Store& store, const Clock& clock, ClientFor client_for,
                std::function<void()> kick, PublicKeysOf keys_of = {});
  ~DedupExchange();

  // Loads the key kept in the data dir (the national bureau makes one when
  // it has none, and signs one from before that is not signed) and starts the
  // worker (fetching and verifying the key, checking arrivals).
  Status Start();
  void Stop();
  // Wakes the worker: cases were indexed.
  void Wake();

  // What /v1/status says of the system key (exchange.dedup_key).
  struct KeyState {
    std::string key_id;       // "" when none is held
    std::string signer;       // "" when the document held is unsigned (from before)
    // Verified since the node started: at the top, signed here with its
    // signing key; below, the parent served this key and its document verified.
    bool verified = false;
    std::string checked_at;   // the last time the parent's document verified, ISO 8601; "" never
    // The last refusal of a document from the parent, until one verifies.
    std::string refused_reason;   // KeyRefusalCode; "" when none
    std::string refused_words;    // Chinese
    std::string refused_detail;   // English
    std::string refused_key_id, refused_signer, refused_at;
    std::uint64_t refusals = 0;   // since the node started
  };
  KeyState KeyStatus() const;

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
  // DATA_DIR/dedup.key without its final newline, read bounded.
  Result<std::string> ReadKeyFile() const;
  Status FetchKey();
  // Uses `doc`'s key; with `bytes`, writes them first (the document as
  // received or as signed here) to DATA_DIR/dedup.key.
  Status UseKey(dedup::wire::KeyDocument doc, bool verified, const std::string& bytes);
  void Refuse(const KeyVerdict& v);
  Result<std::size_t> CheckArrivals();
  exchange::HttpResponse HandleQuestion(const exchange::HttpRequest& request, const std::string& from_peer);
  void Loop();

  const NodeConfig& m_config;
  Store& m_store;
  const Clock& m_clock;
  ClientFor m_client_for;
  std::function<void()> m_kick;
  PublicKeysOf m_keys_of;
  mutable std::mutex m_mutex;  // guards m_key, m_key_state and the worker's flags
  std::shared_ptr<const dedup::BlindKey> m_key;
  KeyState m_key_state;
  std::string m_secret_sha;  // SHA-256 of the key held: is a document's key the same?
  // When the worker asks the parent for the key next (steady clock); a 409
  // from the parent brings it forward.
  std::chrono::steady_clock::time_point m_next_key_check{};
  std::chrono::steady_clock::time_point m_last_key_fetch{};
  bool m_key_refused = false;  // the last document the parent served was refused
  std::chrono::steady_clock::time_point m_refusal_logged{};  // a refusal is logged again when it changes, or hourly
  std::mutex m_run_mutex;  // one pass at a time
  std::condition_variable m_wake;
  bool m_woken = false;
  std::atomic<bool> m_stopping{false};
  std::thread m_worker;
};

}  // namespace xf::node

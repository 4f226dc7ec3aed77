// The node's exchange with its parent and children (design.md, "Exchange";
// the bytes are in exchange/PROTOCOL.md).
//
// Receiving: authenticate before parsing (a known origin key, the peer
// entitled to send for that origin, the signature over the exact bytes),
// decompress within bounds, validate every record (R1–R3 here, R6 in the
// store), apply the good ones in one transaction, queue the batch onward
// unchanged, and answer a signed receipt. Sending: pack this node's pending
// events into signed batches (on schedule, when a batch fills, or at once
// in immediate mode), then push each link's queue in order, retrying with
// backoff until a valid receipt comes back. A child marked pull is not
// pushed to; it fetches its queue itself. Offline transfer uses the same
// Receive and AcceptReceipt entry points.
//
// Trust (node/trust.h): peers are pinned by the public key of their TLS
// certificate; batches, receipts and summaries verify with the keys of
// their origin (configuration, key directory, signed directory). A batch
// whose origin has no usable key yet is parked, not refused, so the link
// it came on goes on; it is verified and applied when a key arrives
// (ReloadTrust: xfctl keys add/remove, SIGHUP, a change in the key
// directory, a newer signed directory). A refusal of a whole batch is
// recorded against the peer that sent it.
//
// Thread safety: Receive, AcceptReceipt, PackPending, Kick, ReloadTrust and
// OfferDirectory may be called from any thread.
#pragma once

#include <atomic>
#include <optional>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "codes/codebook.h"
#include "codes/env.h"
#include "codes/date.h"
#include "exchange/backoff.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "node/blobs.h"
#include "exchange/directory.h"
#include "node/config.h"
#include "node/dedup_exchange.h"
#include "node/store.h"
#include "node/summary_exchange.h"
#include "node/trust.h"

namespace xf::node {

struct SignedReceipt {
  exchange::Receipt receipt;
  std::string xml;
  std::string signature;
  // Not empty: the batch verified and is stored, but it is held until these
  // attachments (named by its header) are here; there is no receipt yet
  // (xml and signature empty): the sender must not mark it delivered.
  std::vector<std::string> missing_attachments;
};

// The answer to a batch held for its attachments: 424 with
// {"error","message","missing_attachments":[sha256…]} (PROTOCOL.md).
exchange::HttpResponse AwaitingAttachments(const std::vector<std::string>& missing);

class ExchangeService {
 public:
  // `env` (null: Env::Default()) gives the senders their monotonic time
  // and jitter; it outlives the service.
  static Result<std::unique_ptr<ExchangeService>> Create(const NodeConfig& config, const codes::CodeBook& codes,
                                                         Store& store, const BlobStore& blobs, const Clock& clock,
                                                         Env* env = nullptr);
  ~ExchangeService();

  // Starts the exchange endpoint (mutual TLS) and the sender thread.
  Status Start();
  void Stop();
  std::string Url() const;

  struct Incoming {
    std::string bytes;           // the batch as signed (unless bytes_file is set)
    std::string signature;
    std::string claimed_origin;  // X-Xf-Origin: whose key to verify with
    std::string from_peer;       // the authenticated peer (or the operator's word, offline)
    // The batch in a file instead (bytes empty): read as a stream — hashed
    // and verified in one pass, then decompressed and parsed as the store
    // applies — and, when the batch is held or applied, moved into the
    // store's batch directory (so it must be a file the caller gives up,
    // such as a spooled request body, on the data dir's file system).
    std::filesystem::path bytes_file;
    std::string batch_id;          // X-Xf-Batch-Id: the id a batch is parked under
    std::string events_signature;  // X-Xf-Events-Signature (decoded), kept with the batch
  };
  // Refusals of the whole batch: kPermission (not entitled, bad or revoked
  // signature), kInvalidArgument (malformed), kLimit (too large),
  // kAlreadyExists (a different batch with the same sequence number). A
  // batch whose origin has no usable key is parked: its receipt says held.
  Result<SignedReceipt> Receive(const Incoming& in);
  // A receipt for a batch queued on `link` (pull and offline): verified with
  // the link's key, then the batch is marked delivered.
  Status AcceptReceipt(const std::string& link, std::uint64_t qseq, const std::string& receipt_xml,
                       const std::string& signature);

  // Packs what is pending into batches now (all of it when `all`, else only
  // full batches). Returns how many batches were made.
  Result<int> PackPending(bool all);
  // Wakes the packer and every link's sender: a local event was committed,
  // a batch was queued onward, or an attachment came (a batch waiting for
  // it is then applied on the packer's thread). A link in backoff is woken
  // but still waits for its next try (exchange/backoff.h).
  void Kick();
  // Applies every stored batch whose attachments are all here now (and what
  // waited behind it). Answers how many were applied.
  int ApplyWaiting();
  // {"url", "links":[…], "gaps":[…], "awaiting_attachments":[…], "parked":[…],
  //  "directory":{…}} for /v1/status.
  std::string StatusJson();
  // Prometheus lines of the exchange's own (parked batches, directory).
  std::string MetricsText();
  const NodeConfig& Config() const { return m_config; }
  // Duplicates across the hierarchy (判重): the system key, questions upward, notices down.
  DedupExchange& Dedup() { return *m_dedup; }

  // Reads keys and certificates again (configuration files, key directory,
  // signed directory), then verifies and applies the parked batches whose
  // origin has a key now. `why` goes to the log.
  Status ReloadTrust(const std::string& why);
  std::shared_ptr<const Trust> CurrentTrust() const;
  // A signed directory (its bytes and the root's signature): verified with
  // the national root key, kept and applied when newer than the one held,
  // then passed on to the children. true: applied; false: not newer.
  // kPermission: no root key configured, or the signature does not verify.
  Result<bool> OfferDirectory(const std::string& bytes, const std::string& signature, const std::string& from);

 private:
  ExchangeService(const NodeConfig& config, const codes::CodeBook& codes, Store& store, const BlobStore& blobs,
                  const Clock& clock, exchange::PrivateKey key);
  exchange::HttpResponse Handle(const exchange::HttpRequest& request);
  // Receive without the bookkeeping of refusals; `field` names what a
  // refusal is about ("signature", "origin", "batch").
  Result<SignedReceipt> ReceiveChecked(const Incoming& in, std::string& field);
  // Keeps a batch that cannot be verified yet (its bytes in `mem`, or the
  // file `file`); its receipt says held.
  Result<SignedReceipt> Park(const Incoming& in, const std::string& reason, const std::string& mem,
                             const std::filesystem::path& file);
  void RetryParked();
  // The proofs (EventProofXml) for the events of other origins in a down batch.
  std::vector<std::string> ProofsFor(const std::vector<StoredEvent>& events);
  exchange::HttpResponse HandleDirectory(const exchange::HttpRequest& request, const std::string& peer);
  Status LoadDirectory();  // at start: the directory kept in the data dir, if any
  void PushDirectory(const PeerConfig& child);
  void PullDirectory();
  void WatchKeys();  // the key directory watch (a thread)
  // The bytes of a verified batch: in memory or in a file, with their SHA-256.
  struct VerifiedBytes {
    const std::string& bytes;
    std::filesystem::path file;
    std::string sha256;
  };
  // REQUIRES: the signature was verified with the key of `expected_origin`.
  Result<SignedReceipt> ApplyVerified(const VerifiedBytes& bytes, const std::string& signature,
                                      const std::string& from_peer, exchange::BatchHeader* header,
                                      const std::string& expected_origin, const std::string& events_signature = "");
  // Verified bytes applied, then every held batch of the stream that is next.
  Result<SignedReceipt> ApplyAndFollow(const VerifiedBytes& bytes, const std::string& signature,
                                       const std::string& events_signature, const std::string& from_peer,
                                       const std::string& origin);
  // Applies the stored batches of (origin, stream) that are next, in order.
  void ApplyHeld(const std::string& origin, const std::string& stream);
  exchange::HttpResponse HandleBlob(const exchange::HttpRequest& request, const std::string& sha);
  std::filesystem::path SpoolDir() const { return m_config.data_dir / "spool"; }
  // One sender per link (a thread each): pushes the link's queue in order
  // over a persistent connection, backs off on failure, logs once per
  // change of state (up → down → up).
  struct Link;
  void SenderLoop();  // the packer: packing, parked and held batches, summaries, directory, pull
  void LinkLoop(Link& link);
  void WakeLinks();
  bool LinkDown(const std::string& id);
  // Pushes until the queue is empty (true) or a try fails (false, *error
  // and *unreachable: no connection could be made).
  bool PushLink(Link& link, std::string* error, bool* unreachable);
  // The log (node/README.md, "Logs"): a line per record refused and per
  // batch applied; a line when a link goes down or up, never per retry (LinkLoop).
  void LogApplied(const exchange::BatchHeader& h, const std::string& from_peer, const exchange::Receipt& receipt,
                  const std::map<std::string, std::string>& rejected_cases);
  void PullFromParent();
  exchange::HttpClientOptions ClientOptions(const PeerConfig& peer) const;
  const PeerConfig* Peer(const std::string& id) const;

  const NodeConfig& m_config;
  const codes::CodeBook& m_codes;
  Store& m_store;
  const BlobStore& m_blobs;
  const Clock& m_clock;
  exchange::PrivateKey m_key;
  mutable std::mutex m_trust_mutex;  // guards m_trust and the directory's members
  std::shared_ptr<const Trust> m_trust;
  std::optional<exchange::PublicKey> m_root_key;          // the national root key, if configured
  std::shared_ptr<const exchange::Directory> m_directory;  // the newest verified directory
  std::string m_directory_bytes, m_directory_signature;
  std::map<std::string, std::uint64_t> m_directory_sent;   // child → serial it has (sender thread)
  std::mutex m_reload_mutex;  // one reload at a time, so the last to start is the last to swap
  std::mutex m_offer_mutex;   // one signed directory taken at a time (its files written outside m_trust_mutex)
  std::mutex m_retry_mutex;  // one retry of parked batches at a time
  std::atomic<bool> m_retry_parked{false};  // the sender thread retries them (keys changed)
  Instant m_stale_warned;                   // the last warning that the directory is stale (watcher)
  std::thread m_watcher;
  std::unique_ptr<SummaryExchange> m_summaries;  // upward conformance summaries
  std::unique_ptr<DedupExchange> m_dedup;        // duplicate questions, the system key, notices
  std::unique_ptr<exchange::HttpServer> m_server;
  // The port the exchange endpoint is bound to, 0 before it listens: read by
  // Url() on the local API's threads while Start() may still be running.
  std::atomic<std::uint16_t> m_bound_port{0};
  std::mutex m_pack_mutex;  // one packer at a time: sequence numbers are minted in order
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_kicked = false;
  bool m_stopping = false;
  std::thread m_sender;
  Env* m_env = nullptr;
  std::map<std::string, std::unique_ptr<Link>> m_links;  // made in Start, read-only after
};

}  // namespace xf::node

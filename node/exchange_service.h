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
// Thread safety: Receive, AcceptReceipt, PackPending and Kick may be called
// from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "codes/codebook.h"
#include "codes/date.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "node/blobs.h"
#include "node/config.h"
#include "node/store.h"
#include "node/summary_exchange.h"

namespace xf::node {

// Public keys by node id: the key directory folder (<id>.pub), the parent
// and children entries, and this node's own key.
class KeyDirectory {
 public:
  static Result<KeyDirectory> Load(const NodeConfig& config, const exchange::PublicKey& own);
  const exchange::PublicKey* Find(const std::string& node_id) const;
  std::size_t Size() const { return m_keys.size(); }

 private:
  std::map<std::string, exchange::PublicKey> m_keys;
};

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
  static Result<std::unique_ptr<ExchangeService>> Create(const NodeConfig& config, const codes::CodeBook& codes,
                                                         Store& store, const BlobStore& blobs, const Clock& clock);
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
  };
  // Refusals of the whole batch: kPermission (unknown key, not entitled,
  // bad signature), kInvalidArgument (malformed), kLimit (too large),
  // kAlreadyExists (a different batch with the same sequence number).
  Result<SignedReceipt> Receive(const Incoming& in);
  // A receipt for a batch queued on `link` (pull and offline): verified with
  // the link's key, then the batch is marked delivered.
  Status AcceptReceipt(const std::string& link, std::uint64_t qseq, const std::string& receipt_xml,
                       const std::string& signature);

  // Packs what is pending into batches now (all of it when `all`, else only
  // full batches). Returns how many batches were made.
  Result<int> PackPending(bool all);
  // Wakes the sender: a local event was committed, or an attachment came
  // (a batch waiting for it is then applied on the sender's thread).
  void Kick();
  // Applies every stored batch whose attachments are all here now (and what
  // waited behind it). Answers how many were applied.
  int ApplyWaiting();
  // {"url", "links":[…], "gaps":[…]} for /v1/status.
  std::string StatusJson();
  const NodeConfig& Config() const { return m_config; }

 private:
  ExchangeService(const NodeConfig& config, const codes::CodeBook& codes, Store& store, const BlobStore& blobs,
                  const Clock& clock, exchange::PrivateKey key, KeyDirectory keys);
  exchange::HttpResponse Handle(const exchange::HttpRequest& request);
  // The bytes of a verified batch: in memory or in a file, with their SHA-256.
  struct VerifiedBytes {
    const std::string& bytes;
    std::filesystem::path file;
    std::string sha256;
  };
  // REQUIRES: the signature was verified with the key of `expected_origin`.
  Result<SignedReceipt> ApplyVerified(const VerifiedBytes& bytes, const std::string& signature,
                                      const std::string& from_peer, exchange::BatchHeader* header,
                                      const std::string& expected_origin);
  // Applies the stored batches of (origin, stream) that are next, in order.
  void ApplyHeld(const std::string& origin, const std::string& stream);
  exchange::HttpResponse HandleBlob(const exchange::HttpRequest& request, const std::string& sha);
  std::filesystem::path SpoolDir() const { return m_config.data_dir / "spool"; }
  void SenderLoop();
  bool PushLink(const std::string& link, const PeerConfig& peer);  // false: stop for now (error)
  void PullFromParent();
  exchange::HttpClientOptions ClientOptions(const PeerConfig& peer) const;
  const PeerConfig* Peer(const std::string& id) const;

  const NodeConfig& m_config;
  const codes::CodeBook& m_codes;
  Store& m_store;
  const BlobStore& m_blobs;
  const Clock& m_clock;
  exchange::PrivateKey m_key;
  KeyDirectory m_keys;
  std::unique_ptr<SummaryExchange> m_summaries;  // upward conformance summaries
  std::unique_ptr<exchange::HttpServer> m_server;
  std::mutex m_pack_mutex;  // one packer at a time: sequence numbers are minted in order
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_kicked = false;
  bool m_stopping = false;
  std::thread m_sender;
  std::map<std::string, std::chrono::steady_clock::time_point> m_retry_at;
  std::map<std::string, int> m_backoff;
};

}  // namespace xf::node

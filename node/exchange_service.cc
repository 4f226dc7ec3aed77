#include "node/exchange_service.h"

#include <boost/json.hpp>
#include <deque>
#include <optional>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "exchange/batch.h"
#include "exchange/routing.h"
#include "node/blob_transfer.h"
#include "node/lang.h"
#include "node/node.h"
#include "schema/validate.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

using exchange::header::kBatchId;
using exchange::header::kOrigin;
using exchange::header::kQseq;
using exchange::header::kSignature;

HttpResponse Problem(int status, const std::string& message) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  o["message"] = message;
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(o);
  return r;
}

int StatusFor(Errc c) {
  switch (c) {
    case Errc::kPermission: return 403;
    case Errc::kLimit: return 413;
    case Errc::kAlreadyExists: return 409;
    case Errc::kInvalidArgument: return 400;
    case Errc::kNotFound: return 404;
    default: return 503;
  }
}

}  // namespace

// 424: the batch is stored but held until these attachments come; no
// receipt (PROTOCOL.md). Also the answer of the local API's import.
exchange::HttpResponse AwaitingAttachments(const std::vector<std::string>& missing) {
  json::object o;
  o["error"] = exchange::HttpReason(424);
  o["message"] = "the batch is held until the " + std::to_string(missing.size()) +
                 " attachment(s) it names that are not here arrive (PUT …/blobs/{sha256}); then send it again";
  json::array list;
  for (const auto& sha : missing) list.emplace_back(sha);
  o["missing_attachments"] = std::move(list);
  HttpResponse r;
  r.status = 424;
  r.body = json::serialize(o);
  return r;
}

namespace {

// Attachments named by an event (registration and handling carry them).
void CollectAttachments(const schema::Event& e, std::set<std::string>& out) {
  if (const auto* c = std::get_if<schema::CaseRegistration>(&e.body)) {
    for (const auto& a : c->attachments) out.insert(a.sha256);
  } else if (const auto* h = std::get_if<schema::Handling>(&e.body)) {
    for (const auto& a : h->attachments) out.insert(a.sha256);
  }
}

}  // namespace

// ---- service ----------------------------------------------------------------

Result<std::unique_ptr<ExchangeService>> ExchangeService::Create(const NodeConfig& config,
                                                                 const codes::CodeBook& codes, Store& store,
                                                                 const BlobStore& blobs, const Clock& clock,
                                                                 Env* env) {
  if (config.signing_key.empty()) return MakeError(Errc::kInvalidArgument, "signing.key is not configured");
  auto key = exchange::PrivateKey::LoadPem(config.signing_key);
  if (!key) return key.error();
  if (std::string(exchange::SignAlgName(key->Alg())) != config.signing_algorithm) {
    return MakeError(Errc::kInvalidArgument, config.signing_key.string() + " is an " +
                                                 exchange::SignAlgName(key->Alg()) + " key but signing.algorithm is " +
                                                 config.signing_algorithm);
  }
  std::vector<std::string> children;
  for (const auto& c : config.children) children.push_back(c.id);
  store.SetRouting(config.node_id, children);
  std::unique_ptr<ExchangeService> service(
      new ExchangeService(config, codes, store, blobs, clock, std::move(key).value()));
  service->m_env = env != nullptr ? env : &Env::Default();
  if (!config.directory_root_key.empty()) {
    auto root = exchange::PublicKey::LoadPem(config.directory_root_key);
    if (!root) return MakeError(root.error().code, "directory.root_key: " + root.error().message);
    service->m_root_key.emplace(std::move(root).value());
  }
  if (auto s = service->LoadDirectory(); !s) return s.error();
  auto trust = Trust::Load(config, service->m_key.Public(), service->m_directory);
  if (!trust) return trust.error();
  service->m_trust = std::move(trust).value();
  return service;
}

ExchangeService::ExchangeService(const NodeConfig& config, const codes::CodeBook& codes, Store& store,
                                 const BlobStore& blobs, const Clock& clock, exchange::PrivateKey key)
    : m_config(config), m_codes(codes), m_store(store), m_blobs(blobs), m_clock(clock), m_key(std::move(key)) {}

// One link's sender: its thread, its connection and its retry schedule.
// `woken` and the state below it are guarded by m_mutex; `http` and
// `backoff` belong to the link's thread.
struct ExchangeService::Link {
  Link(const PeerConfig& p, Env& env, std::chrono::milliseconds ceiling)
      : peer(p), backoff(env, std::chrono::milliseconds(1000), ceiling) {}
  const PeerConfig& peer;
  std::thread thread;
  std::unique_ptr<exchange::HttpPeer> http;
  exchange::Backoff backoff;
  bool woken = true;            // something may be queued: look
  bool ever_up = false;         // a delivery was made (logged: link.up)
  bool logged_down = false;     // link.down logged, link.up not yet since
  bool down = false;            // the last try failed
  bool unreachable = false;     // …because no connection could be made
  std::string last_error;
  std::uint64_t tries = 0, failures = 0, delivered = 0, early = 0;
  SteadyTime down_since{}, next_try{};
};

ExchangeService::~ExchangeService() { Stop(); }

const PeerConfig* ExchangeService::Peer(const std::string& id) const {
  if (m_config.parent && m_config.parent->id == id) return &*m_config.parent;
  for (const auto& c : m_config.children) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

Status ExchangeService::Start() {
  // An old certificate still works (peers pin its key), but it says CA:TRUE.
  if (auto own = exchange::LoadCertificate(m_config.tls_cert); own && own->is_ca) {
    Log("warn", "本节点的 TLS 证书是旧式的（CA:TRUE）；请用同一密钥重新签发为终端实体证书：xfctl tls reissue",
        {{"certificate", m_config.tls_cert.string()}});
  }
  // Request bodies of batches and attachments go to files here as they
  // arrive; what a crash left behind is of no use to anyone.
  {
    std::error_code ec;
    std::filesystem::remove_all(SpoolDir(), ec);
    std::filesystem::create_directories(SpoolDir(), ec);
    if (ec) return MakeError(Errc::kIo, "cannot create " + SpoolDir().string() + ": " + ec.message());
  }
  // Attachments peers sent that no verified batch has named for a day are
  // dropped (node/blobs.h: staged blobs) — unless a batch is parked: its
  // header cannot be read before it verifies, its sender counts it as
  // delivered (held), and its attachments may be among the staged ones.
  if (const auto parked = m_store.Parked(); !parked.empty()) {
    Log("info", "暂存的附件保留：批次暂停，等待其来源节点的密钥",
        {{"parked_streams", std::to_string(parked.size())}});
  } else if (const auto purged = m_blobs.PurgeStaged(std::chrono::hours(24)); purged > 0) {
    Log("info", "已删除无批次引用的暂存附件", {{"count", std::to_string(purged)}});
  }
  auto summaries = summary::SummaryStore::Open(m_config.data_dir / "xfnode.db");
  if (!summaries) return summaries.error();
  m_summaries = std::make_unique<SummaryExchange>(
      m_config, m_codes, m_clock, m_key,
      [this](const std::string& id) { return CurrentTrust()->KeysOf(id, m_clock.Now()); },
      [this](const PeerConfig& p) { return ClientOptions(p); }, std::move(summaries).value());
  m_dedup = std::make_unique<DedupExchange>(
      m_config, m_store, m_clock, [this](const PeerConfig& p) { return ClientOptions(p); },
      [this] {
        std::lock_guard lock(m_mutex);
        m_kicked = true;
        m_wake.notify_all();
      },
      [this](const std::string& id) { return CurrentTrust()->KeysOf(id, m_clock.Now()); });
  exchange::HttpServerOptions opts;
  opts.address = m_config.exchange_listen;
  opts.port = m_config.exchange_port;
  // Receipts and other small bodies in memory (a receipt of a million
  // events is about 40 MB); batches and attachments spooled.
  opts.body_limit = 64u << 20;
  opts.spool_dir = SpoolDir();
  opts.spool_routes = {{"POST", "/v1/exchange/batches", exchange::BatchLimits{}.max_compressed},
                       {"PUT", "/v1/exchange/blobs/", m_config.limits.max_attachment_bytes}};
  opts.worker_threads = 2;
  // Children are many (77 at national) and each keeps one connection;
  // strangers never get past the handshake, which must end within header_timeout.
  opts.max_connections = 1024;
  opts.max_connections_per_peer = 256;
  opts.on_problem = [](const std::string& what) { Log("error", what + "（已答复 503）", {{"endpoint", "exchange"}}); };
  // Peers are pinned by the key of their certificate (configuration or
  // signed directory), looked up at every handshake: a change applies at once.
  opts.tls = exchange::TlsFiles{m_config.tls_cert.string(), m_config.tls_key.string(), "", true};
  opts.identify_client = [this](std::string_view key_der) {
    return CurrentTrust()->PeerOfTlsKey(key_der, m_clock.Now());
  };
  // A sender per link pushed to: the parent (also when it is polled for
  // what comes down) and every child with a URL that does not pull.
  auto add_link = [&](const PeerConfig& p, bool is_parent) {
    if (p.url.empty() || (p.pull && !is_parent)) return;
    auto link = std::make_unique<Link>(p, *m_env, std::chrono::seconds(std::max(1, m_config.retry_max_seconds)));
    auto opts = ClientOptions(p);
    opts.env = m_env;
    // The receiver answers after it has applied the batch: a large one takes a while.
    opts.answer_timeout = std::chrono::minutes(30);
    link->http = std::make_unique<exchange::HttpPeer>(p.url, opts);
    m_links.emplace(p.id, std::move(link));
  };
  if (m_config.parent) add_link(*m_config.parent, true);
  for (const auto& c : m_config.children) add_link(c, false);
  m_server = std::make_unique<exchange::HttpServer>(opts, [this](const HttpRequest& r) { return Handle(r); });
  if (auto s = m_server->Start(); !s) return MakeError(s.error().code, "exchange endpoint: " + s.error().message);
  m_bound_port = m_server->Port();
  {
    const auto url_file = m_config.data_dir / "exchange.url";
    (void)WriteFileAtomically(*m_env, url_file, Url() + "\n", 0644);
  }
  for (auto& [id, link] : m_links) {
    Link* l = link.get();
    l->thread = std::thread([this, l] { LinkLoop(*l); });
  }
  m_sender = std::thread([this] { SenderLoop(); });
  m_watcher = std::thread([this] { WatchKeys(); });
  if (auto s = m_dedup->Start(); !s) return MakeError(s.error().code, "duplicate detection: " + s.error().message);
  Log("info", "交换接口开始监听", {{"node", m_config.node_id}, {"url", Url()}});
  return {};
}

void ExchangeService::Stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  for (auto& [id, link] : m_links) {
    link->http->Cancel();  // a push in flight ends now
  }
  for (auto& [id, link] : m_links) {
    if (link->thread.joinable()) link->thread.join();
  }
  if (m_dedup) m_dedup->Stop();
  if (m_sender.joinable()) m_sender.join();
  if (m_watcher.joinable()) m_watcher.join();
  if (m_server) m_server->Stop();
}

std::string ExchangeService::Url() const {
  return "https://" + m_config.exchange_listen + ":" +
         std::to_string(m_bound_port != 0 ? m_bound_port.load() : m_config.exchange_port);
}

void ExchangeService::Kick() {
  {
    std::lock_guard lock(m_mutex);
    m_kicked = true;
    for (auto& [id, link] : m_links) link->woken = true;
  }
  m_wake.notify_all();
  if (m_dedup) m_dedup->Wake();  // cases may have been indexed: a node with children checks them
}

void ExchangeService::WakeLinks() {
  {
    std::lock_guard lock(m_mutex);
    for (auto& [id, link] : m_links) link->woken = true;
  }
  m_wake.notify_all();
}

bool ExchangeService::LinkDown(const std::string& id) {
  const auto it = m_links.find(id);
  if (it == m_links.end()) return false;
  std::lock_guard lock(m_mutex);
  return it->second->down;
}

// ---- receiving ---------------------------------------------------------------

Result<SignedReceipt> ExchangeService::Receive(const Incoming& in) {
  std::string field = "batch";
  auto r = ReceiveChecked(in, field);
  // A refusal is charged to the peer that sent the batch (it signed, or
  // passed on, what cannot stand), never to the origin the batch names.
  if (!r && (r.error().code == Errc::kPermission || r.error().code == Errc::kInvalidArgument) &&
      Peer(in.from_peer) != nullptr) {
    const std::string batch_id = !in.batch_id.empty() ? in.batch_id.substr(0, 200) : "";
    if (auto s = m_store.RecordRefusal(batch_id, in.claimed_origin.substr(0, 40), in.from_peer,
                                       {"", "R3", field, r.error().message});
        !s) {
      Log("error", "无法记录一次拒收", {{"from", in.from_peer}, {"error", s.error().message}});
    }
  }
  return r;
}

Result<SignedReceipt> ExchangeService::ReceiveChecked(const Incoming& in, std::string& field) {
  const std::string& origin = in.claimed_origin;
  const PeerConfig* peer = Peer(in.from_peer);
  if (peer == nullptr) return MakeError(Errc::kPermission, "'" + in.from_peer + "' is not a peer of this node");
  field = "origin";
  if (!schema::IsNodeId(origin)) {
    return MakeError(Errc::kPermission, "X-Xf-Origin '" + origin.substr(0, 40) + "' is not a node id");
  }
  const bool from_parent = m_config.parent && m_config.parent->id == in.from_peer;
  if (!from_parent && !exchange::InSubtree(in.from_peer, origin)) {
    return MakeError(Errc::kPermission, "child " + in.from_peer + " may not send batches of origin " + origin +
                                            ", which is outside its subtree");
  }
  // From the parent comes only what a node above this one signed.
  if (from_parent && (origin == m_config.node_id || !exchange::InSubtree(origin, m_config.node_id))) {
    return MakeError(Errc::kPermission, "the parent sent a batch of origin " + origin +
                                            ", which is not a node above this one");
  }
  field = "batch";
  const exchange::BatchLimits limits;
  std::error_code ec;
  const std::uint64_t size = in.bytes_file.empty() ? in.bytes.size() : std::filesystem::file_size(in.bytes_file, ec);
  if (ec) return MakeError(Errc::kIo, "cannot read the batch file " + in.bytes_file.string() + ": " + ec.message());
  if (size > limits.max_compressed) {
    return MakeError(Errc::kLimit, "batch larger than " + std::to_string(limits.max_compressed) + " bytes");
  }
  const Instant now = m_clock.Now();
  const auto trust = CurrentTrust();
  const auto keys = trust->KeysOf(origin, now);
  const auto revoked = trust->RevokedKeysOf(origin);
  // A small batch file is read into memory and kept in the database like
  // any other; a large one stays a file from the wire to the batch directory.
  constexpr std::uint64_t kInlineBatchBytes = 256u << 10;
  std::string small;
  if (!in.bytes_file.empty() && size <= kInlineBatchBytes) {
    std::ifstream f(in.bytes_file, std::ios::binary);
    small.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    if (!f.good() && !f.eof()) return MakeError(Errc::kIo, "cannot read the batch file " + in.bytes_file.string());
  }
  const std::string& mem = in.bytes_file.empty() ? in.bytes : small;
  VerifiedBytes verified{mem, {}, {}};
  if (!in.bytes_file.empty() && size > kInlineBatchBytes) verified.file = in.bytes_file;
  // Any of the keys (a rotation overlaps two). One streaming pass over a
  // file per key: the signature (over SHA-256 for Ed25519, the bytes for
  // SM2) and the hash the store keeps.
  auto verifies = [&](const std::vector<Trust::KeyPtr>& with) -> Result<bool> {
    for (const auto& key : with) {
      if (!verified.file.empty()) {
        auto ok = exchange::VerifyFile(*key, in.bytes_file, in.signature, &verified.sha256);
        if (!ok) return ok.error();
        if (*ok) return true;
      } else if (exchange::VerifyBytes(*key, mem, in.signature)) {
        return true;
      }
    }
    return false;
  };
  field = "signature";
  auto ok = verifies(keys);
  if (!ok) return ok.error();
  if (!*ok) {
    auto by_revoked = verifies(revoked);
    if (!by_revoked) return by_revoked.error();
    if (*by_revoked) {
      return MakeError(Errc::kPermission, "the batch is signed with a key of " + origin +
                                              " that the signed directory revokes");
    }
    // Nothing to verify with yet: parked, so the link goes on.
    if (keys.empty()) return Park(in, trust->NoKeyReason(origin, now), mem, verified.file);
    return MakeError(Errc::kPermission, "the signature does not verify with the key of " + origin +
                                            ": the batch was altered or not signed by its origin");
  }
  if (verified.file.empty()) verified.sha256 = exchange::Sha256Hex(mem);
  field = "batch";
  return ApplyAndFollow(verified, in.signature, in.events_signature, in.from_peer, origin);
}

Result<SignedReceipt> ExchangeService::ApplyAndFollow(const VerifiedBytes& verified, const std::string& signature,
                                                      const std::string& events_signature,
                                                      const std::string& from_peer, const std::string& origin) {
  exchange::BatchHeader header;
  auto r = ApplyVerified(verified, signature, from_peer, &header, origin, events_signature);
  if (!r) return r;
  // Batches that waited for this one can follow now.
  if (r->receipt.status == "applied") ApplyHeld(origin, header.stream);
  Kick();
  return r;
}

void ExchangeService::ApplyHeld(const std::string& origin, const std::string& stream) {
  for (;;) {
    auto held = m_store.NextHeld(origin, stream);
    if (!held || !*held) break;
    const VerifiedBytes held_bytes{(*held)->bytes, (*held)->bytes_file, (*held)->bytes_sha256};
    auto applied = ApplyVerified(held_bytes, (*held)->signature, (*held)->received_from, nullptr, origin,
                                 (*held)->events_signature);
    if (!applied) {
      Log("error", "无法应用一个暂存的批次",
          {{"batch", (*held)->batch_id}, {"error", applied.error().message}});
      break;
    }
    if (applied->receipt.status != "applied") break;  // it waits for its attachments
  }
}

int ExchangeService::ApplyWaiting() {
  int applied = 0;
  for (const auto& w : m_store.WaitingForAttachments()) {
    const bool complete = std::all_of(w.attachments.begin(), w.attachments.end(), [&](const std::string& sha) {
      return m_blobs.Has(sha) || m_blobs.Staged(sha);
    });
    if (!complete) continue;
    ApplyHeld(w.origin, w.stream);
    ++applied;
    Log("info", "等待附件的批次已齐全并已应用", {{"batch", w.batch_id}});
  }
  return applied;
}

Result<SignedReceipt> ExchangeService::ApplyVerified(const VerifiedBytes& bytes, const std::string& signature,
                                                     const std::string& from_peer, exchange::BatchHeader* header,
                                                     const std::string& expected_origin,
                                                     const std::string& events_signature) {
  const exchange::BatchLimits limits;
  // file → zstd → XML pull parser: nothing holds the whole batch.
  std::unique_ptr<exchange::ByteSource> raw;
  if (!bytes.file.empty()) {
    auto f = exchange::FileSource::Open(bytes.file);
    if (!f) return f.error();
    raw = std::move(f).value();
  } else {
    raw = std::make_unique<exchange::MemorySource>(bytes.bytes);
  }
  auto xml = exchange::ZstdSource::Make(std::move(raw), limits.max_decompressed);
  if (!xml) return xml.error();
  auto reader = exchange::BatchReader::Open(std::move(xml).value(), limits);
  if (!reader) return reader.error();
  const auto& h = reader->Header();
  if (header != nullptr) *header = h;
  if (!expected_origin.empty() && h.origin != expected_origin) {
    return MakeError(Errc::kPermission, "the batch names origin " + h.origin + " but was signed as " + expected_origin);
  }
  if (h.batch_id != exchange::MakeBatchId(h.origin, h.stream, h.seq)) {
    return MakeError(Errc::kInvalidArgument, "batch id '" + h.batch_id + "' does not match its origin, stream and seq");
  }
  const bool from_parent = m_config.parent && m_config.parent->id == from_peer;
  Store::Incoming in;
  in.header = h;
  if (bytes.file.empty()) in.bytes = bytes.bytes;
  in.bytes_file = bytes.file;
  in.bytes_sha256 = bytes.sha256;
  in.signature = signature;
  in.events_signature = events_signature;
  in.received_from = from_peer;
  in.up = h.stream == exchange::kUpStream;
  if (in.up) {
    if (from_parent) return MakeError(Errc::kPermission, "an up batch cannot come from the parent");
    if (m_config.parent) in.forward_to = m_config.parent->id;
  } else {
    if (h.stream != exchange::DownStream(h.destination)) {
      return MakeError(Errc::kInvalidArgument, "unknown stream '" + h.stream + "'");
    }
    if (!from_parent) return MakeError(Errc::kPermission, "a down batch must come from the parent");
    if (h.origin == m_config.node_id || !exchange::InSubtree(h.origin, m_config.node_id)) {
      return MakeError(Errc::kPermission, "a down batch must be signed by a node above this one, not by " + h.origin);
    }
    if (!exchange::InSubtree(m_config.node_id, h.destination)) {
      return MakeError(Errc::kPermission, "destination " + h.destination + " is not in this node's subtree");
    }
    if (h.destination != m_config.node_id) {
      std::vector<std::string> children;
      for (const auto& c : m_config.children) children.push_back(c.id);
      auto hop = exchange::NextHopDown(children, h.destination);
      if (!hop) return MakeError(Errc::kInvalidArgument, "no child of this node leads to " + h.destination);
      in.forward_to = *hop;
    }
  }

  // A batch is complete only with every attachment its header names: those
  // staged for it are claimed now that it verified; any still missing hold
  // it (stored, not applied, no receipt) until they come.
  for (const auto& sha : h.attachments) {
    if (!schema::IsSha256Hex(sha)) {
      return MakeError(Errc::kInvalidArgument, "the header names attachment '" + sha + "', which is not a SHA-256");
    }
    if (m_blobs.Has(sha)) continue;
    if (!m_blobs.Staged(sha)) {
      in.missing_attachments.push_back(sha);
      continue;
    }
    auto size = m_blobs.Claim(sha);
    if (!size) return size.error();
    if (auto s = m_store.RecordBlob(sha, *size); !s) return s.error();
  }
  const std::set<std::string> named(h.attachments.begin(), h.attachments.end());

  // Parse and validate on this thread's helper while the store inserts: the
  // parser hands over chunks through a small bounded queue.
  struct Pipe {
    std::mutex mutex;
    std::condition_variable cv;
    std::deque<std::vector<Store::IncomingEvent>> chunks;
    std::optional<Error> error;
    bool done = false;
    bool cancelled = false;
  } pipe;
  constexpr std::size_t kChunk = 256, kQueued = 8;
  const Date today = m_clock.Now().ToDate();
  // An event of another origin in a down batch stands only if it is held
  // here already (the store compares the bytes) or its proof verifies with
  // its origin's key: checked here, where the keys are.
  const auto trust = CurrentTrust();
  const Instant now = m_clock.Now();
  auto check_proof = [&](Store::IncomingEvent& ie) {
    const std::string id = ie.event.Id();
    const auto& proofs = reader->Proofs();
    const auto it = proofs.find(id);
    if (it == proofs.end()) {
      ie.proof_problem = "the batch has no proof for it";
      return;
    }
    const auto keys = trust->KeysOf(ie.event.origin, now);
    if (keys.empty()) {
      ie.proof_problem = trust->NoKeyReason(ie.event.origin, now);
      return;
    }
    for (const auto& key : keys) {
      ie.proof_problem = exchange::CheckEventProof(it->second, id, ie.xml, *key);
      if (ie.proof_problem.empty()) {
        ie.proof_xml = exchange::EventProofXml(it->second);
        return;
      }
    }
  };
  std::thread parser([&] {
    std::vector<Store::IncomingEvent> chunk;
    auto hand_over = [&]() -> bool {
      std::unique_lock lock(pipe.mutex);
      pipe.cv.wait(lock, [&] { return pipe.cancelled || pipe.chunks.size() < kQueued; });
      if (pipe.cancelled) return false;
      pipe.chunks.push_back(std::move(chunk));
      chunk.clear();
      pipe.cv.notify_all();
      return true;
    };
    for (;;) {
      exchange::ParsedEvent pe;
      auto more = reader->Next(pe);
      if (!more) {
        std::lock_guard lock(pipe.mutex);
        pipe.error = more.error();
        break;
      }
      if (!*more) break;
      Store::IncomingEvent ie;
      ie.violations = std::move(pe.violations);
      // Records another node signed: checked as recorded (schema/VALIDATION.md, "Provenance").
      if (ie.violations.empty())
        ie.violations = schema::ValidateEvent(pe.event, m_codes, m_config.limits, today,
                                              schema::Provenance::kRecorded);
      if (ie.violations.empty()) {
        // R6: an attachment the event names travels with the batch (its
        // header lists it) or is here already.
        std::set<std::string> own;
        CollectAttachments(pe.event, own);
        for (const auto& sha : own) {
          if (named.count(sha) == 0 && !m_blobs.Has(sha)) {
            ie.violations.push_back({"R6", "attachments", "附件 " + sha + " 既不在批次头中，本节点也没有",
                                     pe.event.Id(),
                                     "attachment " + sha + " is not listed in the batch header and not held here"});
            break;
          }
        }
      }
      // The duplicate index's entry of a registration, made here so that
      // the applying thread only writes it (the slower of the two threads).
      if (ie.violations.empty() && pe.event.kind == schema::EventKind::kRegistration) {
        if (const auto* reg = std::get_if<schema::CaseRegistration>(&pe.event.body)) {
          ie.dedup = Store::PrepareDedupEntry(*reg);
        }
      }
      ie.event = std::move(pe.event);
      ie.xml = std::move(pe.xml);
      if (!in.up && ie.event.origin != h.origin) check_proof(ie);
      chunk.push_back(std::move(ie));
      if (chunk.size() == kChunk && !hand_over()) return;
    }
    if (!chunk.empty() && !hand_over()) return;
    std::lock_guard lock(pipe.mutex);
    pipe.done = true;
    pipe.cv.notify_all();
  });
  // Whatever happens below, the parser is stopped and joined.
  struct JoinParser {
    Pipe& pipe;
    std::thread& thread;
    ~JoinParser() {
      {
        std::lock_guard lock(pipe.mutex);
        pipe.cancelled = true;
      }
      pipe.cv.notify_all();
      thread.join();
    }
  } join_parser{pipe, parser};
  in.more = [&pipe](std::vector<Store::IncomingEvent>& out) -> Result<bool> {
    std::unique_lock lock(pipe.mutex);
    pipe.cv.wait(lock, [&] { return !pipe.chunks.empty() || pipe.done || pipe.error; });
    if (!pipe.chunks.empty()) {
      out = std::move(pipe.chunks.front());
      pipe.chunks.pop_front();
      pipe.cv.notify_all();
      return true;
    }
    if (pipe.error) return *pipe.error;
    return false;
  };
  std::map<std::string, std::string> rejected_cases;
  auto receipt = m_store.ApplyBatch(in, m_config.node_id, &rejected_cases);
  if (!receipt) return receipt.error();
  if (receipt->status == Store::kAwaitingAttachments) {
    Log("warn", "批次暂存，等待其附件到达",
        {{"batch", h.batch_id}, {"from", from_peer}, {"missing", std::to_string(in.missing_attachments.size())},
         {"first", in.missing_attachments.front()}});
    SignedReceipt held;
    held.receipt = std::move(receipt).value();
    held.missing_attachments = std::move(in.missing_attachments);
    return held;
  }
  SignedReceipt out;
  out.xml = exchange::ReceiptXml(*receipt);
  auto sig = exchange::SignBytes(m_key, out.xml);
  if (!sig) return sig.error();
  out.signature = std::move(sig).value();
  out.receipt = std::move(receipt).value();
  LogApplied(h, from_peer, out.receipt, rejected_cases);
  return out;
}

Status ExchangeService::AcceptReceipt(const std::string& link, std::uint64_t qseq, const std::string& receipt_xml,
                                      const std::string& signature) {
  const auto keys = CurrentTrust()->KeysOf(link, m_clock.Now());
  if (keys.empty()) return MakeError(Errc::kPermission, "no usable key for " + link);
  if (!VerifyWithAny(keys, receipt_xml, signature)) {
    return MakeError(Errc::kPermission, "the receipt's signature does not verify with the key of " + link);
  }
  auto receipt = exchange::ParseReceiptXml(receipt_xml);
  if (!receipt) return receipt.error();
  if (receipt->receiver != link) return MakeError(Errc::kPermission, "the receipt is signed for " + receipt->receiver);
  auto queued = m_store.QueuedBatchId(link, qseq);
  if (!queued) return queued.error();
  if (!*queued) return {};  // delivered already: nothing to do
  if (**queued != receipt->batch_id) {
    return MakeError(Errc::kInvalidArgument, "the receipt is for " + receipt->batch_id + ", not " + **queued);
  }
  return m_store.MarkDelivered(link, qseq, receipt_xml, signature);
}

// ---- the exchange API ------------------------------------------------------

HttpResponse ExchangeService::Handle(const HttpRequest& request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  // The peer is whoever the pinned key of its certificate belongs to
  // (exchange/http.h); a stranger never gets past the TLS handshake.
  const std::string& peer = request.peer_id;
  if (Peer(peer) == nullptr) return Problem(403, "the client certificate is not that of a configured peer");
  if (path == "/v1/exchange/summaries") return m_summaries->Handle(request, peer);
  if (path.rfind("/v1/exchange/dedup/", 0) == 0) return m_dedup->Handle(request, peer);
  if (path == "/v1/exchange/directory") return HandleDirectory(request, peer);
  if (path == "/v1/exchange/batches" && request.method == "POST") {
    Incoming in;
    // A spooled body stays a file (the server spools this route).
    if (request.body_file.empty()) in.bytes = request.body;
    in.bytes_file = request.body_file;
    in.claimed_origin = exchange::HeaderOf(request, kOrigin);
    in.from_peer = peer;
    in.batch_id = exchange::HeaderOf(request, kBatchId);
    auto sig = exchange::Base64Decode(exchange::HeaderOf(request, kSignature));
    if (!sig) return Problem(400, "missing or malformed X-Xf-Signature");
    in.signature = std::move(sig).value();
    if (const std::string es = exchange::HeaderOf(request, exchange::header::kEventsSignature); !es.empty()) {
      auto decoded = exchange::Base64Decode(es);
      if (!decoded) return Problem(400, "malformed X-Xf-Events-Signature");
      in.events_signature = std::move(decoded).value();
    }
    auto r = Receive(in);
    if (!r) {
      Log("warn", "批次被拒收", {{"from", peer}, {"origin", in.claimed_origin}, {"reason", r.error().message}});
      return Problem(StatusFor(r.error().code), r.error().message);
    }
    if (!r->missing_attachments.empty()) return AwaitingAttachments(r->missing_attachments);
    HttpResponse resp;
    resp.content_type = "application/xml";
    resp.body = std::move(r->xml);
    resp.headers["X-Xf-Signature"] = exchange::Base64Encode(r->signature);
    return resp;
  }
  if (path == "/v1/exchange/batches" && request.method == "GET") {
    // Pull: the next batch queued for the calling peer.
    auto item = m_store.NextUndelivered(peer);
    if (!item) return Problem(503, item.error().message);
    if (!*item) {
      HttpResponse none;
      none.status = 204;
      return none;
    }
    HttpResponse resp;
    resp.content_type = "application/zstd";
    resp.body = std::move((*item)->bytes);
    resp.body_file = (*item)->bytes_file;  // a large batch streams from its file
    resp.headers["X-Xf-Origin"] = (*item)->origin;
    resp.headers["X-Xf-Signature"] = exchange::Base64Encode((*item)->signature);
    resp.headers["X-Xf-Batch-Id"] = (*item)->batch_id;
    resp.headers["X-Xf-Qseq"] = std::to_string((*item)->qseq);
    if (!(*item)->events_signature.empty()) {
      resp.headers["X-Xf-Events-Signature"] = exchange::Base64Encode((*item)->events_signature);
    }
    return resp;
  }
  if (path == "/v1/exchange/receipts" && request.method == "POST") {
    auto sig = exchange::Base64Decode(exchange::HeaderOf(request, kSignature));
    const std::string q = exchange::HeaderOf(request, kQseq);
    if (!sig || q.empty() || q.find_first_not_of("0123456789") != std::string::npos || q.size() > 18) {
      return Problem(400, "missing X-Xf-Signature or X-Xf-Qseq");
    }
    if (auto s = AcceptReceipt(peer, std::stoull(q), request.body, *sig); !s) {
      return Problem(StatusFor(s.error().code), s.error().message);
    }
    HttpResponse ok;
    ok.body = "{\"delivered\":true}";
    return ok;
  }
  if (path.rfind("/v1/exchange/blobs/", 0) == 0) {
    const std::string sha = path.substr(19);
    if (!schema::IsSha256Hex(sha)) return Problem(400, "not a SHA-256: " + sha);
    return HandleBlob(request, sha);
  }
  return Problem(404, "no such exchange endpoint: " + request.method + " " + path);
}

// ---- attachments: HEAD, GET (Range), PUT (whole or resumable parts) --------

HttpResponse ExchangeService::HandleBlob(const HttpRequest& request, const std::string& sha) {
  // What a peer uploads is staged until a batch that verified names it.
  BlobEndpoint endpoint{m_blobs, m_config.limits.max_attachment_bytes, SpoolDir(), true, false, {},
                        [this](const std::string&, std::uint64_t) -> Status {
                          Kick();  // a batch may be waiting for it
                          return {};
                        }};
  return HandleBlobRequest(endpoint, request, sha);
}

// ---- sending -----------------------------------------------------------------

Result<int> ExchangeService::PackPending(bool all) {
  std::lock_guard pack(m_pack_mutex);
  int made = 0;
  auto pack_one = [&](const std::vector<StoredEvent>& events, const std::string& stream,
                      const std::string& destination, const std::string& link) -> Status {
    auto seq = m_store.NextOwnSeq(stream);
    if (!seq) return seq.error();
    exchange::BatchHeader h;
    h.origin = m_config.node_id;
    h.stream = stream;
    h.seq = *seq;
    h.batch_id = exchange::MakeBatchId(h.origin, h.stream, h.seq);
    h.destination = destination;
    h.created = m_clock.Now();
    h.code_version = m_codes.Version();
    h.record_count = events.size();
    std::set<std::string> attachments;
    std::vector<std::string> xml;
    xml.reserve(events.size());
    for (const auto& e : events) {
      CollectAttachments(e.event, attachments);
      xml.push_back(e.xml);
    }
    h.attachments.assign(attachments.begin(), attachments.end());
    // A down batch proves the events of other origins it carries (the
    // case's history) with their origins' own signatures.
    const bool down = stream != exchange::kUpStream;
    auto bytes = exchange::Compress(exchange::BatchXml(h, xml, down ? ProofsFor(events) : std::vector<std::string>{}));
    if (!bytes) return bytes.error();
    auto sig = exchange::SignBytes(m_key, *bytes);
    if (!sig) return sig.error();
    // This node's signature over the events themselves, so that any node
    // holding the batch can later prove one of them (exchange/proof.h).
    auto events_sig = exchange::SignEvents(m_key, h.batch_id, xml);
    if (!events_sig) return events_sig.error();
    if (auto s = m_store.CommitOwnBatch(h, *bytes, *sig, link, events, *events_sig); !s) return s;
    ++made;
    return {};
  };
  // Packs one stream until too little is pending. Another process packing
  // the same stream meanwhile (kAlreadyExists) only means: read again.
  auto pack_stream = [&](const std::function<Result<std::vector<StoredEvent>>()>& pending,
                         const std::string& stream, const std::string& destination,
                         const std::string& link) -> Status {
    for (int raced = 0;;) {
      auto events = pending();
      if (!events) return events.error();
      if (events->empty() || (!all && events->size() < m_config.batch_max_events)) return {};
      auto s = pack_one(*events, stream, destination, link);
      if (!s && (s.error().code != Errc::kAlreadyExists || ++raced > 10)) return s;
    }
  };
  if (m_config.parent) {
    auto s = pack_stream([&] { return m_store.PendingUp(m_config.batch_max_events, m_config.batch_max_bytes); },
                         std::string(exchange::kUpStream), std::string(exchange::kRootNode), m_config.parent->id);
    if (!s) return s.error();
  }
  auto targets = m_store.DownTargets();
  if (!targets) return targets.error();
  std::vector<std::string> children;
  for (const auto& c : m_config.children) children.push_back(c.id);
  for (const auto& target : *targets) {
    const auto hop = exchange::NextHopDown(children, target);
    if (!hop) continue;
    auto s = pack_stream(
        [&] { return m_store.PendingDown(target, m_config.batch_max_events, m_config.batch_max_bytes); },
        exchange::DownStream(target), target, *hop);
    if (!s) return s.error();
  }
  return made;
}

exchange::HttpClientOptions ExchangeService::ClientOptions(const PeerConfig& peer) const {
  exchange::HttpClientOptions o;
  o.timeout = std::chrono::milliseconds(30000);
  // The server must present the key pinned for this peer (its configured
  // certificate, or one the signed directory lists); its name is not what
  // identifies it.
  o.tls = exchange::TlsFiles{m_config.tls_cert.string(), m_config.tls_key.string(), "", false};
  o.server_keys = CurrentTrust()->TlsKeysOf(peer.id, m_clock.Now());
  if (o.server_keys.empty()) o.server_keys.push_back("(no key is pinned for " + peer.id + ")");
  return o;
}

bool ExchangeService::PushLink(Link& link_state, std::string* error_out, bool* unreachable) {
  const PeerConfig& peer = link_state.peer;
  const std::string& link = peer.id;
  auto& http = *link_state.http;
  for (;;) {
    {
      std::lock_guard lock(m_mutex);
      if (m_stopping) return true;
    }
    auto item = m_store.NextUndelivered(link);
    if (!item) {
      *error_out = item.error().message;
      return false;
    }
    if (!*item) return true;  // nothing (more) to send
    const auto& it = **item;
    auto opts = ClientOptions(peer);
    // The pins may have changed (keys reloaded): a connection made under
    // the old ones is not reused.
    http.SetServerKeys(opts.server_keys);
    opts.env = m_env;
    // Attachments first: the batch goes only once the receiver holds every
    // one it names; a failed upload stops the link and is retried.
    std::string error;
    for (const auto& sha : it.attachments) {
      if (!m_blobs.Has(sha)) {
        error = "attachment " + sha + " named by batch " + it.batch_id +
                " is not held here; upload it (PUT /v1/blobs/" + sha + ") and the batch goes on";
        break;
      }
      if (auto s = UploadBlob(peer.url + "/v1/exchange/blobs/" + sha, sha, m_blobs.PathOf(sha), {}, opts); !s) {
        error = "attachment not delivered: " + s.error().message + " (batch " + it.batch_id + " waits for it)";
        break;
      }
    }
    if (error.empty()) {
      exchange::HttpPeer::Request req;
      req.method = "POST";
      req.target = "/v1/exchange/batches";
      req.headers = {{"content-type", "application/zstd"},
                     {kOrigin, it.origin},
                     {kBatchId, it.batch_id},
                     {kSignature, exchange::Base64Encode(it.signature)}};
      if (!it.events_signature.empty()) {
        req.headers[exchange::header::kEventsSignature] = exchange::Base64Encode(it.events_signature);
      }
      if (it.bytes_file.empty()) {
        req.body = it.bytes;
      } else {
        req.body_file = it.bytes_file;
      }
      // Over the link's persistent connection (made again when it drops).
      const auto before = http.GetStats().connections;
      auto r = http.Call(req);
      if (!r) {
        error = r.error().message;
        // No connection at all (refused, unreachable): the peer is down.
        *unreachable = r.error().code == Errc::kUnavailable && http.GetStats().connections == before &&
                       !http.Reachable(std::chrono::milliseconds(1000));
      } else if (r->status != 200) {
        error = "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 500);
      } else {
        const auto sig_it = r->headers.find(kSignature);
        auto sig = sig_it == r->headers.end() ? Result<std::string>(MakeError(Errc::kInvalidArgument, "no signature"))
                                              : exchange::Base64Decode(sig_it->second);
        if (!sig) {
          error = "the receipt is not signed";
        } else if (auto s = AcceptReceipt(link, it.qseq, r->body, *sig); !s) {
          error = "bad receipt: " + s.error().message;
        }
      }
    }
    if (!error.empty()) {
      (void)m_store.MarkAttempt(link, it.qseq, error);
      *error_out = error + " (batch " + it.batch_id + ")";
      return false;
    }
    // Delivered: the backoff starts over.
    std::lock_guard lock(m_mutex);
    ++link_state.delivered;
    link_state.backoff.Succeeded();
  }
}

void ExchangeService::LinkLoop(Link& link) {
  const std::string& id = link.peer.id;
  // While the peer cannot be reached at all, a cheap TCP probe each second
  // tells when it is back: then the next try is made at once instead of at
  // the end of the backoff (which only a delivery resets). A peer that
  // answers but fails (503, a refusal) gets the backoff in full.
  const auto kProbe = std::chrono::milliseconds(1000);
  SteadyTime next_probe{};
  for (;;) {
    bool early = false;
    {
      std::unique_lock lock(m_mutex);
      for (;;) {
        if (m_stopping) return;
        const auto now = m_env->Now();
        const bool due = link.backoff.Due();
        // Woken (something may be queued) or a retry due.
        if (due && (link.woken || link.down)) break;
        if (link.down && link.unreachable && now >= next_probe) {
          next_probe = now + kProbe;
          lock.unlock();
          const bool back = link.http->Reachable(std::chrono::milliseconds(500));
          lock.lock();
          if (back) {
            early = true;
            break;
          }
          continue;
        }
        SteadyTime deadline = SteadyTime::max();
        if (link.down || link.woken) deadline = link.backoff.Next();
        if (link.down && link.unreachable) deadline = std::min(deadline, next_probe);
        // Looks again at least each minute (a queue another process filled).
        deadline = std::min(deadline, now + std::chrono::seconds(60));
        m_env->WaitUntil(lock, m_wake, deadline, [&] { return m_stopping || (link.woken && link.backoff.Due()); });
      }
      link.woken = false;
      ++link.tries;
      if (early) ++link.early;
    }
    std::string error;
    bool unreachable = false;
    std::uint64_t before = 0;
    {
      std::lock_guard lock(m_mutex);
      before = link.delivered;
    }
    const bool ok = PushLink(link, &error, &unreachable);
    std::unique_lock lock(m_mutex);
    if (m_stopping) return;  // a push cut short by the stop is no state of the link
    if (ok) {
      const std::uint64_t delivered = link.delivered - before;
      // Up: the first delivery, and the first after it was down.
      if (delivered > 0 && (link.logged_down || !link.ever_up)) {
        const auto down_ms =
            link.logged_down
                ? std::chrono::duration_cast<std::chrono::milliseconds>(m_env->Now() - link.down_since).count()
                : 0;
        Log("info", !link.ever_up ? "链路连通：批次已送达 " + id : "链路恢复：批次又送达 " + id,
            {{"event", "link.up"},
             {"link", id},
             {"delivered", std::to_string(delivered)},
             {"down_ms", std::to_string(down_ms)},
             {"failures", std::to_string(link.failures)},
             {"early", early ? "true" : "false"}});
        link.ever_up = true;
        link.logged_down = false;
      }
      link.down = false;
      link.unreachable = false;
      link.failures = 0;
      link.last_error.clear();
      continue;
    }
    link.backoff.Failed();
    ++link.failures;
    const bool was_down = link.logged_down;
    link.logged_down = true;
    link.down = true;
    link.unreachable = unreachable;
    link.last_error = error;
    next_probe = m_env->Now() + kProbe;
    if (!was_down) {
      link.down_since = m_env->Now();
      Log("warn", "链路中断：批次无法送达 " + id + "，将按退避重试，恢复时另记一行",
          {{"event", "link.down"},
           {"link", id},
           {"error", error.substr(0, 500)},
           {"unreachable", unreachable ? "true" : "false"}});
    }
  }
}

void ExchangeService::PullFromParent() {
  const PeerConfig& parent = *m_config.parent;
  const auto opts = ClientOptions(parent);
  for (int i = 0; i < 1000; ++i) {
    // A large batch comes down into a spool file, never into memory whole.
    auto pull_opts = opts;
    pull_opts.response_file = SpoolDir() / ("pull-" + exchange::RandomHex(8));
    pull_opts.file_body_limit = exchange::BatchLimits{}.max_compressed;
    struct Remove {
      std::filesystem::path p;
      ~Remove() {
        std::error_code ec;
        std::filesystem::remove(p, ec);
      }
    } spooled{pull_opts.response_file};
    auto r = exchange::HttpCall("GET", parent.url + "/v1/exchange/batches", {}, "", pull_opts);
    if (!r || r->status != 200) return;
    Incoming in;
    in.bytes_file = r->body_file;
    in.claimed_origin = r->headers[kOrigin];
    in.from_peer = parent.id;
    in.batch_id = r->headers[kBatchId];
    auto sig = exchange::Base64Decode(r->headers[kSignature]);
    if (!sig) return;
    in.signature = *sig;
    if (const auto es = r->headers.find(exchange::header::kEventsSignature); es != r->headers.end()) {
      if (auto decoded = exchange::Base64Decode(es->second)) in.events_signature = std::move(decoded).value();
    }
    auto receipt = Receive(in);
    if (!receipt) {
      Log("warn", "拉取的批次被拒收", {{"batch", r->headers[kBatchId]}, {"reason", receipt.error().message}});
      return;
    }
    if (!receipt->missing_attachments.empty()) {
      // Held for its attachments: fetch them from the parent (resumable),
      // then pull the same batch again, which now applies.
      for (const auto& sha : receipt->missing_attachments) {
        if (auto s = DownloadBlob(parent.url + "/v1/exchange/blobs/" + sha, sha, m_blobs, true, opts); !s) {
          Log("warn", "拉取的批次的附件未取到；稍后重试",
              {{"batch", r->headers[kBatchId]}, {"blob", sha}, {"error", s.error().message}});
          return;
        }
      }
      continue;
    }
    auto ack = exchange::HttpCall("POST", parent.url + "/v1/exchange/receipts",
                                  {{"content-type", "application/xml"},
                                   {kQseq, r->headers[kQseq]},
                                   {kSignature, exchange::Base64Encode(receipt->signature)}},
                                  receipt->xml, opts);
    if (!ack || ack->status != 200) return;
  }
}

void ExchangeService::SenderLoop() {
  using clock = std::chrono::steady_clock;
  const auto interval = std::chrono::seconds(m_config.exchange_interval_seconds);
  auto next_pack = clock::now() + interval;
  auto next_directory_pull = clock::now();
  bool first_round = true;
  for (;;) {
    bool kicked = false;
    {
      std::unique_lock lock(m_mutex);
      auto wake_at = next_pack;
      // Immediate mode packs when kicked: its schedule is always due, and
      // waiting for it would spin. It still looks once a second, for what
      // another process (xfctl import) queued; the first round runs at once.
      if (m_config.exchange_interval_seconds == 0 && !first_round) wake_at = clock::now() + std::chrono::seconds(1);
      first_round = false;
      if (m_config.parent && m_config.parent->pull) wake_at = std::min(wake_at, clock::now() + std::chrono::seconds(1));
      m_wake.wait_until(lock, wake_at, [&] { return m_stopping || m_kicked; });
      if (m_stopping) return;
      kicked = m_kicked;
      m_kicked = false;
    }
    const bool scheduled = clock::now() >= next_pack;
    const bool immediate = m_config.exchange_interval_seconds == 0;
    // Batches held for attachments that have come meanwhile (an upload to
    // the local API, a peer's PUT).
    if (kicked || scheduled) ApplyWaiting();
    if (scheduled || immediate || kicked) {
      auto made = PackPending(scheduled || immediate);
      if (!made) Log("error", "打包失败", {{"error", made.error().message}});
      if (scheduled) next_pack = clock::now() + interval;
    }
    // Each link's sender pushes its own queue (LinkLoop); what was packed
    // or queued is there now.
    WakeLinks();
    // Batches parked for want of a key, once keys have changed.
    if (m_retry_parked.exchange(false)) RetryParked();
    // Summaries follow the batches, while the parent answers.
    if (m_config.parent && !LinkDown(m_config.parent->id)) m_summaries->Tick();
    for (const auto& c : m_config.children) {
      // The signed directory flows down every link.
      if (!c.url.empty() && !c.pull && !LinkDown(c.id)) PushDirectory(c);
    }
    if (m_config.parent && m_config.parent->pull) {
      PullFromParent();
      if (clock::now() >= next_directory_pull) {
        PullDirectory();
        next_directory_pull = clock::now() + std::chrono::seconds(10);
      }
    }
  }
}

// ---- the log: per record refused, per batch applied, per link state change

void ExchangeService::LogApplied(const exchange::BatchHeader& h, const std::string& from_peer,
                                 const exchange::Receipt& receipt,
                                 const std::map<std::string, std::string>& rejected_cases) {
  if (receipt.status == "duplicate") return;  // logged when it was applied
  if (receipt.status == "held") {
    // Its records are judged (and refusals logged) when it applies.
    Log("info", "批次暂存：等待同一批次流中缺失的前序批次",
        {{"event", "batch.held"}, {"batch", h.batch_id}, {"origin", h.origin}, {"stream", h.stream},
         {"seq", std::to_string(h.seq)}, {"from", from_peer}});
    return;
  }
  // One line per record refused (rule, field, origin, case, batch), then the batch.
  for (const auto& r : receipt.rejected) {
    const auto c = rejected_cases.find(r.event_id);
    const std::string origin = r.event_id.substr(0, r.event_id.find(':'));
    Log("warn", "记录被拒收：" + RejectionLine(r.rule, r.field, "") + "（批次 " + h.batch_id + "）",
        {{"event", "record.rejected"},
         {"rule", r.rule},
         {"field", r.field},
         {"origin", origin},
         {"case_id", c == rejected_cases.end() ? std::string() : c->second},
         {"event_id", r.event_id},
         {"batch", h.batch_id},
         {"from", from_peer},
         {"reason", r.reason.substr(0, 500)}});
  }
  const std::size_t accepted = receipt.AcceptedCount();
  Log(receipt.rejected.empty() ? "info" : "warn",
      "批次已应用：接收 " + std::to_string(accepted) + " 条，拒收 " + std::to_string(receipt.rejected.size()) + " 条",
      {{"event", "batch.applied"},
       {"batch", h.batch_id},
       {"origin", h.origin},
       {"stream", h.stream},
       {"seq", std::to_string(h.seq)},
       {"from", from_peer},
       {"records", std::to_string(accepted + receipt.rejected.size())},
       {"accepted", std::to_string(accepted)},
       {"rejected", std::to_string(receipt.rejected.size())}});
}

std::string ExchangeService::StatusJson() {
  json::object o;
  o["url"] = Url();
  json::array links;
  for (const auto& l : m_store.Links()) {
    json::object x;
    x["link"] = l.link;
    x["pending"] = l.pending;
    x["delivered"] = l.delivered;
    x["last_delivered"] = l.last_delivered ? json::value(l.last_delivered->ToString()) : json::value(nullptr);
    x["last_error"] = l.last_error;
    // The link's sender, when this node pushes to it.
    if (const auto it = m_links.find(l.link); it != m_links.end()) {
      std::lock_guard lock(m_mutex);
      const Link& s = *it->second;
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(s.backoff.Next() - m_env->Now());
      x["sender"] = json::object{{"state", s.down ? (s.unreachable ? "unreachable" : "failing") : "up"},
                                 {"failures", s.failures},
                                 {"tries", s.tries},
                                 {"early_tries", s.early},
                                 {"delivered", s.delivered},
                                 {"next_try_ms", s.down ? std::max<std::int64_t>(0, wait.count()) : 0},
                                 {"connections", s.http->GetStats().connections},
                                 {"tls_resumed", s.http->GetStats().resumed}};
    }
    links.push_back(std::move(x));
  }
  o["links"] = std::move(links);
  json::array gaps;
  for (const auto& g : m_store.Gaps()) {
    gaps.push_back(json::object{{"origin", g.origin},
                                {"stream", g.stream},
                                {"missing_seq", g.next_seq},
                                {"held", g.held},
                                {"since", g.since.ToString()}});
  }
  o["gaps"] = std::move(gaps);
  // Batches stored but held until their attachments come, with what is missing.
  json::array waiting;
  for (const auto& w : m_store.WaitingForAttachments()) {
    json::array missing;
    for (const auto& sha : w.attachments) {
      if (!m_blobs.Has(sha) && !m_blobs.Staged(sha)) missing.emplace_back(sha);
    }
    waiting.push_back(json::object{{"batch_id", w.batch_id},
                                   {"origin", w.origin},
                                   {"stream", w.stream},
                                   {"seq", w.seq},
                                   {"from", w.received_from},
                                   {"missing_attachments", std::move(missing)},
                                   {"held_behind", w.held_behind},
                                   {"since", w.since.ToString()}});
  }
  o["awaiting_attachments"] = std::move(waiting);
  // Batches kept until their origin's key is known: what, since when, why.
  json::array parked;
  for (const auto& p : m_store.Parked()) {
    parked.push_back(json::object{{"origin", p.origin},
                                  {"stream", p.stream},
                                  {"batches", p.batches},
                                  {"first_seq", p.first_seq},
                                  {"since", p.since.ToString()},
                                  {"reason", p.reason}});
  }
  o["parked"] = std::move(parked);
  // Batches being applied now: reading ahead (parser), then writing.
  json::array applying;
  for (const auto& a : m_store.Applying()) {
    applying.push_back(json::object{{"batch_id", a.batch_id},
                                    {"from", a.from},
                                    {"phase", a.phase},
                                    {"events", a.events},
                                    {"since", a.since.ToString()}});
  }
  o["applying"] = std::move(applying);
  const auto trust = CurrentTrust();
  o["keys"] = trust->Size();
  if (const auto* d = trust->Directory()) {
    const Instant now = m_clock.Now();
    o["directory"] = json::object{{"serial", d->serial},
                                  {"issued", d->issued.ToString()},
                                  {"next_update", d->next_update.ToString()},
                                  {"stale", d->Stale(now)},
                                  {"code_version", d->code_version},
                                  {"code_version_matches", d->code_version.empty() || d->code_version == m_codes.Version()},
                                  {"nodes", d->nodes.size()},
                                  {"revoked", d->revoked.size()}};
  } else {
    o["directory"] = nullptr;
  }
  // The system key of duplicate detection (判重系统密钥): which one is held,
  // who signed it, and the last document from the parent refused, if any.
  if (m_dedup) {
    const auto k = m_dedup->KeyStatus();
    json::object d;
    d["key_id"] = k.key_id.empty() ? json::value(nullptr) : json::value(k.key_id);
    d["signer"] = k.signer.empty() ? json::value(nullptr) : json::value(k.signer);
    d["verified"] = k.verified;
    d["checked_at"] = k.checked_at.empty() ? json::value(nullptr) : json::value(k.checked_at);
    d["refusals"] = k.refusals;
    if (k.refused_reason.empty()) {
      d["refused"] = nullptr;
    } else {
      d["refused"] = json::object{{"reason", k.refused_reason}, {"message", k.refused_words},
                                  {"detail", k.refused_detail},  {"key_id", k.refused_key_id},
                                  {"signer", k.refused_signer},  {"at", k.refused_at}};
    }
    o["dedup_key"] = std::move(d);
  }
  return json::serialize(o);
}

}  // namespace xf::node

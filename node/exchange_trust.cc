// ExchangeService: its trust part — keys that change while the node runs,
// batches parked until their origin's key is known, the signed directory
// (its verification, keeping, passing down), the proofs for events of other
// origins in down batches, and what the status page and metrics say of it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "exchange/batch.h"
#include "exchange/proof.h"
#include "node/exchange_service.h"

#include "codes/env.h"
#include "node/node.h"

namespace xf::node {

namespace json = boost::json;
using exchange::HttpRequest;
using exchange::HttpResponse;

namespace {

constexpr const char* kDirectoryFile = "directory.json";
constexpr const char* kDirectorySigFile = "directory.sig";
constexpr const char* kDirectorySerialHeader = "x-xf-directory-serial";

HttpResponse Answer(int status, const std::string& message) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  o["message"] = message;
  HttpResponse r;
  r.status = status;
  r.body = json::serialize(o);
  return r;
}

int StatusOf(Errc c) {
  switch (c) {
    case Errc::kPermission: return 403;
    case Errc::kLimit: return 413;
    case Errc::kInvalidArgument: return 400;
    default: return 503;
  }
}

Result<std::string> ReadAll(const std::filesystem::path& file, std::size_t max) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError(Errc::kNotFound, "cannot read " + file.string());
  std::error_code ec;
  if (std::filesystem::file_size(file, ec) > max) return MakeError(Errc::kLimit, file.string() + " is too large");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `data` beside `file`, fsyncs it and renames it into place (the
// one copy of the pattern, codes/env.h).
Status WriteDurably(const std::filesystem::path& file, const std::string& data) {
  return WriteFileAtomically(Env::Default(), file, data, 0644);
}

// What the key files look like now: names, sizes and times of the key
// directory's entries and of the peers' configured files.
std::string KeyFilesState(const NodeConfig& c) {
  std::ostringstream out;
  auto one = [&](const std::filesystem::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      out << p.string() << " -\n";
      return;
    }
    out << p.string() << " " << st.st_size << " " << st.st_mtim.tv_sec << "." << st.st_mtim.tv_nsec << " "
        << st.st_ino << "\n";
  };
  std::error_code ec;
  if (!c.key_directory.empty() && std::filesystem::is_directory(c.key_directory, ec)) {
    std::set<std::filesystem::path> names;
    for (const auto& e : std::filesystem::directory_iterator(c.key_directory, ec)) names.insert(e.path());
    for (const auto& n : names) one(n);
  }
  auto peer = [&](const PeerConfig& p) {
    one(p.public_key);
    if (!p.certificate.empty()) one(p.certificate);
  };
  if (c.parent) peer(*c.parent);
  for (const auto& ch : c.children) peer(ch);
  return out.str();
}

}  // namespace

std::shared_ptr<const Trust> ExchangeService::CurrentTrust() const {
  std::lock_guard lock(m_trust_mutex);
  return m_trust;
}

Status ExchangeService::ReloadTrust(const std::string& why) {
  std::unique_lock reload(m_reload_mutex);
  std::shared_ptr<const exchange::Directory> directory;
  {
    std::lock_guard lock(m_trust_mutex);
    directory = m_directory;
  }
  auto trust = Trust::Load(m_config, m_key.Public(), directory);
  if (!trust) {
    Log("error", "密钥未重新载入；继续使用原有密钥", {{"why", why}, {"error", trust.error().message}});
    return trust.error();
  }
  const std::size_t keys = (*trust)->Size();
  {
    std::lock_guard lock(m_trust_mutex);
    m_trust = std::move(trust).value();
  }
  Log("info", "密钥已重新载入", {{"why", why}, {"keys", std::to_string(keys)}});
  reload.unlock();
  // Parked batches whose origin has a key now are retried on the sender
  // thread (or here, when there is none: an offline command).
  if (m_sender.joinable()) {
    m_retry_parked = true;
    Kick();
  } else {
    RetryParked();
  }
  return {};
}

Result<SignedReceipt> ExchangeService::Park(const Incoming& in, const std::string& reason, const std::string& mem,
                                            const std::filesystem::path& file) {
  const auto parts = exchange::ParseBatchId(in.batch_id);
  if (!parts || parts->origin != in.claimed_origin) {
    return MakeError(Errc::kInvalidArgument, reason + "; the batch cannot be kept until then: X-Xf-Batch-Id '" +
                                                 in.batch_id.substr(0, 100) + "' is not <" + in.claimed_origin +
                                                 ">-<stream>-<seq>");
  }
  const bool from_parent = m_config.parent && m_config.parent->id == in.from_peer;
  if (from_parent == (parts->stream == exchange::kUpStream)) {
    return MakeError(Errc::kPermission, from_parent ? "an up batch cannot come from the parent"
                                                    : "a down batch must come from the parent");
  }
  Store::Parking p;
  p.batch_id = in.batch_id;
  p.origin = parts->origin;
  p.stream = parts->stream;
  p.seq = parts->seq;
  p.signature = in.signature;
  p.events_signature = in.events_signature;
  p.received_from = in.from_peer;
  p.reason = reason;
  if (!file.empty()) {
    auto sha = exchange::Sha256File(file);
    if (!sha) return sha.error();
    p.bytes_sha256 = *sha;
    p.bytes_file = file;
  } else {
    p.bytes = mem;
    p.bytes_sha256 = exchange::Sha256Hex(mem);
  }
  if (auto s = m_store.ParkBatch(p); !s) return s.error();
  Log("warn", "批次暂停，等待其来源节点的密钥；链路继续运行",
      {{"batch", in.batch_id}, {"from", in.from_peer}, {"reason", reason}});
  SignedReceipt out;
  out.receipt.batch_id = in.batch_id;
  out.receipt.receiver = m_config.node_id;
  out.receipt.created = m_clock.Now();
  out.receipt.status = "held";
  out.xml = exchange::ReceiptXml(out.receipt);
  auto sig = exchange::SignBytes(m_key, out.xml);
  if (!sig) return sig.error();
  out.signature = std::move(sig).value();
  return out;
}

void ExchangeService::RetryParked() {
  std::lock_guard retry(m_retry_mutex);
  auto parked = m_store.ParkedBatches();
  if (!parked) {
    Log("error", "无法读取暂停的批次", {{"error", parked.error().message}});
    return;
  }
  const auto trust = CurrentTrust();
  const Instant now = m_clock.Now();
  std::set<std::string> waiting;  // origin/stream whose earlier batch still waits: keep their order
  for (const auto& b : *parked) {
    const std::string stream_key = b.origin + "/" + b.stream;
    if (waiting.count(stream_key)) continue;
    const auto keys = trust->KeysOf(b.origin, now);
    if (keys.empty()) {
      waiting.insert(stream_key);
      continue;
    }
    const VerifiedBytes bytes{b.bytes, b.bytes_file, b.bytes_sha256};
    auto verifies = [&](const std::vector<Trust::KeyPtr>& with) {
      for (const auto& k : with) {
        if (!b.bytes_file.empty()) {
          auto ok = exchange::VerifyFile(*k, b.bytes_file, b.signature);
          if (ok && *ok) return true;
        } else if (exchange::VerifyBytes(*k, b.bytes, b.signature)) {
          return true;
        }
      }
      return false;
    };
    auto refuse = [&](const std::string& why) {
      Log("warn", "一个暂停的批次被拒收", {{"batch", b.batch_id}, {"from", b.received_from}, {"reason", why}});
      (void)m_store.RecordRefusal(b.batch_id, b.origin, b.received_from, {"", "R3", "signature", why});
      (void)m_store.DropParked(b.batch_id);
    };
    if (!verifies(keys)) {
      refuse(verifies(trust->RevokedKeysOf(b.origin))
                 ? "the batch is signed with a key of " + b.origin + " that the signed directory revokes"
                 : "the signature does not verify with the key of " + b.origin +
                       " now known: the batch was altered or not signed by its origin");
      continue;
    }
    auto r = ApplyAndFollow(bytes, b.signature, b.events_signature, b.received_from, b.origin);
    if (!r) {
      if (r.error().code == Errc::kPermission || r.error().code == Errc::kInvalidArgument) {
        refuse(r.error().message);
      } else {
        Log("error", "一个暂停的批次无法应用；继续暂停",
            {{"batch", b.batch_id}, {"error", r.error().message}});
        waiting.insert(stream_key);
      }
      continue;
    }
    // Applied or held now; a batch whose header names another id than it
    // was parked under leaves its parking row here.
    (void)m_store.DropParked(b.batch_id);
    Log("info", "一个暂停的批次现已验证", {{"batch", b.batch_id}, {"status", r->receipt.status}});
  }
}

// ---- proofs for events of other origins ---------------------------------------

std::vector<std::string> ExchangeService::ProofsFor(const std::vector<StoredEvent>& events) {
  std::vector<std::string> out;
  const auto trust = CurrentTrust();
  const Instant now = m_clock.Now();
  // The events of each carrier batch read, by batch id (one pack reads each once).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> carried;
  auto read_carrier = [&](const Store::Carrier& c) -> const std::vector<std::pair<std::string, std::string>>* {
    if (auto it = carried.find(c.batch_id); it != carried.end()) return &it->second;
    const exchange::BatchLimits limits;
    std::unique_ptr<exchange::ByteSource> raw;
    if (!c.bytes_file.empty()) {
      auto f = exchange::FileSource::Open(c.bytes_file);
      if (!f) return nullptr;
      raw = std::move(f).value();
    } else {
      raw = std::make_unique<exchange::MemorySource>(c.bytes);
    }
    auto xml = exchange::ZstdSource::Make(std::move(raw), limits.max_decompressed);
    if (!xml) return nullptr;
    auto reader = exchange::BatchReader::Open(std::move(xml).value(), limits);
    if (!reader) return nullptr;
    std::vector<std::pair<std::string, std::string>> list;
    for (;;) {
      exchange::ParsedEvent pe;
      auto more = reader->Next(pe);
      if (!more) return nullptr;
      if (!*more) break;
      list.emplace_back(pe.event.Id(), std::move(pe.xml));
    }
    return &carried.emplace(c.batch_id, std::move(list)).first->second;
  };
  for (const auto& se : events) {
    const auto& e = se.event;
    if (e.origin == m_config.node_id) continue;  // this node's own: its batch signature covers them
    const std::string id = e.Id();
    std::string proof;
    if (auto stored = m_store.StoredProof(e.origin, e.seq); stored && *stored) {
      proof = **stored;
    } else if (auto carriers = m_store.CarriersOf(e.origin, e.seq); carriers) {
      const auto keys = trust->KeysOf(e.origin, now);
      for (const auto& c : *carriers) {
        const auto* list = read_carrier(c);
        if (list == nullptr) continue;
        std::vector<std::string> xml;
        std::size_t index = list->size();
        for (std::size_t i = 0; i < list->size(); ++i) {
          if ((*list)[i].first == id) index = i;
          xml.push_back((*list)[i].second);
        }
        if (index == list->size() || xml[index] != se.xml) continue;
        auto candidate = exchange::MakeEventProof(id, c.batch_id, xml, index, c.events_signature);
        // Only a proof that verifies goes down: a bad one would be refused anyway.
        for (const auto& k : keys) {
          if (exchange::CheckEventProof(candidate, id, se.xml, *k).empty()) {
            proof = exchange::EventProofXml(candidate);
            break;
          }
        }
        if (!proof.empty()) break;
      }
    }
    if (proof.empty()) {
      Log("warn", "其他来源的事件下行时没有其来源节点的签名；没有该事件的节点会拒收它",
          {{"event", id}});
      continue;
    }
    out.push_back(std::move(proof));
  }
  return out;
}

// ---- the signed directory -------------------------------------------------------

Status ExchangeService::LoadDirectory() {
  const auto file = m_config.data_dir / kDirectoryFile;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  if (!m_root_key) {
    Log("warn", "数据目录中有签名目录，但未配置 directory.root_key：不使用它",
        {{"file", file.string()}});
    return {};
  }
  auto bytes = ReadAll(file, exchange::DirectoryLimits{}.max_bytes);
  auto sig = ReadAll(m_config.data_dir / kDirectorySigFile, 4096);
  if (!bytes || !sig) {
    Log("warn", "本地保存的签名目录无法读取；等待上级发来的目录",
        {{"file", file.string()}});
    return {};
  }
  auto d = exchange::OpenDirectory(*bytes, *sig, *m_root_key);
  if (!d) {
    Log("warn", "本地保存的签名目录验证未通过；等待上级发来的目录",
        {{"file", file.string()}, {"error", d.error().message}});
    return {};
  }
  std::lock_guard lock(m_trust_mutex);
  m_directory = std::make_shared<const exchange::Directory>(std::move(d).value());
  m_directory_bytes = std::move(bytes).value();
  m_directory_signature = std::move(sig).value();
  return {};
}

Result<bool> ExchangeService::OfferDirectory(const std::string& bytes, const std::string& signature,
                                             const std::string& from) {
  if (!m_root_key) {
    return MakeError(Errc::kPermission, "this node has no national root key (directory.root_key) to verify a "
                                        "signed directory with");
  }
  auto d = exchange::OpenDirectory(bytes, signature, *m_root_key);
  if (!d) return d.error();
  const std::uint64_t serial = d->serial;
  std::lock_guard offer(m_offer_mutex);
  {
    std::lock_guard lock(m_trust_mutex);
    if (m_directory && m_directory->serial >= serial) {
      if (m_directory->serial == serial && m_directory_bytes != bytes) {
        Log("warn", "收到与本地序号相同但内容不同的签名目录，已忽略",
            {{"serial", std::to_string(serial)}, {"from", from}});
      }
      return false;
    }
  }
  // Kept before it is used: a restart finds what is in force. (Outside the
  // trust lock: TLS handshakes read the trust meanwhile.)
  if (auto s = WriteDurably(m_config.data_dir / kDirectorySigFile, signature); !s) return s.error();
  if (auto s = WriteDurably(m_config.data_dir / kDirectoryFile, bytes); !s) return s.error();
  {
    std::lock_guard lock(m_trust_mutex);
    m_directory = std::make_shared<const exchange::Directory>(std::move(d).value());
    m_directory_bytes = bytes;
    m_directory_signature = signature;
  }
  const Instant now = m_clock.Now();
  Log("info", "签名目录已采用", {{"serial", std::to_string(serial)}, {"from", from}});
  {
    std::lock_guard lock(m_trust_mutex);
    if (m_directory->Stale(now)) {
      Log("warn", "签名目录已过 next_update：仍在使用，但应有更新的目录",
          {{"serial", std::to_string(serial)}, {"next_update", m_directory->next_update.ToString()}});
    }
    if (!m_directory->code_version.empty() && m_directory->code_version != m_codes.Version()) {
      Log("warn", "签名目录所列代码表与本节点的不同",
          {{"directory", m_directory->code_version}, {"here", m_codes.Version()}});
    }
  }
  (void)ReloadTrust("signed directory " + std::to_string(serial) + " from " + from);
  Kick();  // pass it on to the children
  return true;
}

HttpResponse ExchangeService::HandleDirectory(const HttpRequest& request, const std::string& peer) {
  if (request.method == "GET") {
    std::lock_guard lock(m_trust_mutex);
    if (!m_directory) return HttpResponse{204, "application/json", "", {}, {}};
    std::uint64_t theirs = 0;
    const std::string have = exchange::HeaderOf(request, kDirectorySerialHeader);
    if (!have.empty() && have.size() < 20 && have.find_first_not_of("0123456789") == std::string::npos) {
      theirs = std::stoull(have);
    }
    if (theirs >= m_directory->serial) return HttpResponse{204, "application/json", "", {}, {}};
    HttpResponse r{200, "application/json", m_directory_bytes, {}, {}};
    r.headers["X-Xf-Signature"] = exchange::Base64Encode(m_directory_signature);
    r.headers["X-Xf-Directory-Serial"] = std::to_string(m_directory->serial);
    return r;
  }
  if (request.method != "PUT") return Answer(405, "use GET or PUT");
  if (!m_config.parent || m_config.parent->id != peer) {
    return Answer(403, "only the parent hands this node a signed directory");
  }
  auto sig = exchange::Base64Decode(exchange::HeaderOf(request, exchange::header::kSignature));
  if (!sig) return Answer(400, "missing or malformed X-Xf-Signature");
  auto applied = OfferDirectory(request.body, *sig, peer);
  if (!applied) return Answer(StatusOf(applied.error().code), applied.error().message);
  std::lock_guard lock(m_trust_mutex);
  json::object o{{"applied", *applied}, {"serial", m_directory ? m_directory->serial : 0}};
  return HttpResponse{200, "application/json", json::serialize(o), {}, {}};
}

void ExchangeService::PushDirectory(const PeerConfig& child) {
  std::string bytes, sig;
  std::uint64_t serial = 0;
  {
    std::lock_guard lock(m_trust_mutex);
    if (!m_directory) return;
    serial = m_directory->serial;
    bytes = m_directory_bytes;
    sig = m_directory_signature;
  }
  if (const auto it = m_directory_sent.find(child.id); it != m_directory_sent.end() && it->second >= serial) return;
  auto r = exchange::HttpCall("PUT", child.url + "/v1/exchange/directory",
                              {{"content-type", "application/json"}, {"x-xf-signature", exchange::Base64Encode(sig)}},
                              bytes, ClientOptions(child));
  if (!r) return;  // not reachable: again on the next round
  if (r->status != 200) {
    Log("warn", "下级节点未接受签名目录",
        {{"child", child.id}, {"status", std::to_string(r->status)}, {"body", r->body.substr(0, 300)}});
  }
  m_directory_sent[child.id] = serial;  // answered: not sent again until a newer one
}

void ExchangeService::PullDirectory() {
  const PeerConfig& parent = *m_config.parent;
  std::uint64_t have = 0;
  {
    std::lock_guard lock(m_trust_mutex);
    if (m_directory) have = m_directory->serial;
  }
  auto opts = ClientOptions(parent);
  opts.body_limit = exchange::DirectoryLimits{}.max_bytes;
  auto r = exchange::HttpCall("GET", parent.url + "/v1/exchange/directory",
                              {{kDirectorySerialHeader, std::to_string(have)}}, "", opts);
  if (!r || r->status != 200) return;
  auto sig = exchange::Base64Decode(r->headers["x-xf-signature"]);
  if (!sig) return;
  if (auto applied = OfferDirectory(r->body, *sig, parent.id); !applied) {
    Log("warn", "未采用上级的签名目录", {{"error", applied.error().message}});
  }
}

// ---- the key directory watch -------------------------------------------------------

void ExchangeService::WatchKeys() {
  std::string last = KeyFilesState(m_config);
  for (;;) {
    {
      std::unique_lock lock(m_mutex);
      m_wake.wait_for(lock, std::chrono::seconds(1), [&] { return m_stopping; });
      if (m_stopping) return;
    }
    const std::string now_state = KeyFilesState(m_config);
    if (now_state != last) {
      last = now_state;
      (void)ReloadTrust("the key files changed");
    }
    // A stale directory keeps working; say so once an hour.
    const Instant now = m_clock.Now();
    std::lock_guard lock(m_trust_mutex);
    if (m_directory && m_directory->Stale(now) && now.seconds - m_stale_warned.seconds >= 3600) {
      m_stale_warned = now;
      Log("warn", "签名目录已过 next_update：仍在使用；国家信访局应发布更新的目录",
          {{"serial", std::to_string(m_directory->serial)}, {"next_update", m_directory->next_update.ToString()}});
    }
  }
}

// ---- status and metrics ------------------------------------------------------------

std::string ExchangeService::MetricsText() {
  std::ostringstream out;
  out << "# HELP xfnode_parked_batches Batches kept until their origin's key is known, by origin and stream.\n"
         "# TYPE xfnode_parked_batches gauge\n";
  for (const auto& g : m_store.Parked()) {
    out << "xfnode_parked_batches{origin=\"" << g.origin << "\",stream=\"" << g.stream << "\"} " << g.batches << "\n";
  }
  const auto trust = CurrentTrust();
  out << "# HELP xfnode_trusted_keys Signing keys held (configuration, key directory, signed directory).\n"
         "# TYPE xfnode_trusted_keys gauge\nxfnode_trusted_keys "
      << trust->Size() << "\n";
  std::lock_guard lock(m_trust_mutex);
  out << "# HELP xfnode_directory_serial Serial of the signed directory in use (0: none).\n"
         "# TYPE xfnode_directory_serial gauge\nxfnode_directory_serial "
      << (m_directory ? m_directory->serial : 0) << "\n"
      << "# HELP xfnode_directory_stale 1 when the signed directory is past its next_update (it is still used).\n"
         "# TYPE xfnode_directory_stale gauge\nxfnode_directory_stale "
      << (m_directory && m_directory->Stale(m_clock.Now()) ? 1 : 0) << "\n";
  return out.str();
}

}  // namespace xf::node

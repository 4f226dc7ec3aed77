// Store: the exchange's part — own batches, the outbox, applying received
// batches. Each method is one transaction, so a batch is written before it
// is sent and a received batch is applied (and queued onward) before its
// receipt is answered.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <fstream>
#include <functional>
#include <sstream>

#include "exchange/crypto.h"
#include "exchange/routing.h"
#include "node/projection.h"
#include "node/store.h"
#include "schema/xml.h"

namespace xf::node {


namespace {

// The events of an incoming batch, in order: those read ahead, then the
// rest as the parser hands them over, a chunk at a time.
class Feed {
 public:
  explicit Feed(const Store::Incoming& in) : m_in(in), m_ended(!in.more) {
    for (const auto& e : in.events) Keep(Store::IncomingEvent(e));
  }
  // Takes what the parser has until `bytes` of XML or `events` events are
  // waiting here, or the batch ends. Memory: bounded by those.
  Status ReadAhead(std::size_t bytes, std::size_t events) {
    while (!m_ended && m_ahead_bytes < bytes && m_ahead.size() < events) {
      if (auto s = Pull(); !s) return s;
    }
    return {};
  }
  bool Ended() const { return m_ended; }
  std::size_t Waiting() const { return m_ahead.size(); }
  // true: `out` is the next event; false: the batch ended.
  Result<bool> Next(Store::IncomingEvent& out) {
    while (m_ahead.empty() && !m_ended) {
      if (auto s = Pull(); !s) return s.error();
    }
    if (m_ahead.empty()) return false;
    m_ahead_bytes -= m_ahead.front().xml.size();
    out = std::move(m_ahead.front());
    m_ahead.pop_front();
    return true;
  }

 private:
  void Keep(Store::IncomingEvent&& e) {
    m_ahead_bytes += e.xml.size();
    m_ahead.push_back(std::move(e));
  }
  Status Pull() {
    m_chunk.clear();
    auto got = m_in.more(m_chunk);
    if (!got) return got.error();
    for (auto& c : m_chunk) Keep(std::move(c));
    m_ended = !*got;
    return {};
  }
  const Store::Incoming& m_in;
  std::deque<Store::IncomingEvent> m_ahead;
  std::vector<Store::IncomingEvent> m_chunk;
  bool m_ended;
  std::size_t m_ahead_bytes = 0;
};

// Calls `take` on every event still to come from `feed`.
Status ForEach(Feed& feed, const std::function<Status(const Store::IncomingEvent&)>& take) {
  for (;;) {
    Store::IncomingEvent e;
    auto got = feed.Next(e);
    if (!got) return got.error();
    if (!*got) return {};
    if (auto s = take(e); !s) return s;
  }
}

// What a normal batch is read ahead by before the writer is taken: all of
// one packed by a node (batch_max_bytes, 4 MiB of XML by default; 1,000
// events). A larger batch (offline media, a peer's large settings) takes
// the writer once this much is ready, and the rest streams as it applies.
constexpr std::size_t kReadAheadBytes = 8u << 20;
constexpr std::size_t kReadAheadEvents = 4096;

// Keeps the leading events whose XML fits in `max_bytes` (at least one).
void TrimToBytes(std::vector<StoredEvent>& events, std::size_t max_bytes) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    bytes += events[i].xml.size();
    if (bytes > max_bytes && i > 0) {
      events.resize(i);
      return;
    }
  }
}

}  // namespace

void Store::SetRouting(std::string self, std::vector<std::string> children) {
  std::lock_guard lock(m_mutex);
  m_self = std::move(self);
  m_children = std::move(children);
}

Status Store::RouteDown(const schema::Event& e, const CaseState& state) {
  // A duplicate notice (判重提示) goes to whoever handles the case below,
  // else to the node that registered it (it holds the case: R6).
  const std::string& target =
      e.kind == schema::EventKind::kDuplicateNotice && (state.handler.empty() || state.handler == m_self)
          ? state.body.registering_body
          : state.handler;
  if (e.origin != m_self || target.empty() || target == m_self) return {};
  if (!exchange::InSubtree(m_self, target) || !exchange::NextHopDown(m_children, target)) {
    return {};
  }
  // A transfer sends the whole case down (the target must know it: R6);
  // later events of this node on the case follow one by one.
  const bool whole = e.kind == schema::EventKind::kTransfer;
  auto st = m_db.Prepare(whole ? "INSERT OR IGNORE INTO down_queue(target, origin, seq) "
                                 "SELECT ?1, origin, seq FROM events WHERE case_id = ?2"
                               : "INSERT OR IGNORE INTO down_queue(target, origin, seq) VALUES(?1, ?3, ?4)");
  if (!st) return st.error();
  st->Bind(1, target);
  if (whole) {
    st->Bind(2, e.case_id);
  } else {
    st->Bind(3, e.origin).Bind(4, static_cast<std::int64_t>(e.seq));
  }
  return st->Run();
}

Result<std::vector<StoredEvent>> Store::ReadEvents(sql::Stmt& q) {
  std::vector<StoredEvent> out;
  for (;;) {
    auto row = q.Step();
    if (!row) return row.error();
    if (!*row) break;
    StoredEvent se;
    se.xml = q.Text(0);
    se.stored_at = Instant{q.Int(1)};
    schema::Violations v;
    auto ev = schema::EventFromXml(se.xml, v);
    if (!ev) return MakeError(Errc::kCorruption, "a stored event does not parse: " + ev.error().message);
    se.event = std::move(ev).value();
    out.push_back(std::move(se));
  }
  return out;
}

Result<std::vector<StoredEvent>> Store::PendingUp(std::size_t max_events, std::size_t max_bytes) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT xml, stored_at FROM events WHERE origin = ?1 AND seq > "
      "coalesce((SELECT last_event_seq FROM packed WHERE stream = 'up'), 0) ORDER BY seq LIMIT ?2");
  if (!q) return q.error();
  q->Bind(1, m_self).Bind(2, static_cast<std::int64_t>(max_events));
  auto events = ReadEvents(*q);
  if (events) TrimToBytes(*events, max_bytes);
  return events;
}

Result<std::vector<std::string>> Store::DownTargets() {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare("SELECT DISTINCT target FROM down_queue ORDER BY target", false);
  if (!q) return q.error();
  std::vector<std::string> out;
  for (;;) {
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(q->Text(0));
  }
  return out;
}

Result<std::vector<StoredEvent>> Store::PendingDown(const std::string& target, std::size_t max_events,
                                                    std::size_t max_bytes) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT e.xml, e.stored_at FROM down_queue d JOIN events e ON e.origin = d.origin AND e.seq = d.seq "
      "WHERE d.target = ?1 ORDER BY e.kind <> 'registration', e.occurred_at, e.recorded_at, e.origin, e.seq "
      "LIMIT ?2",
      false);
  if (!q) return q.error();
  q->Bind(1, target).Bind(2, static_cast<std::int64_t>(max_events));
  auto events = ReadEvents(*q);
  if (events) TrimToBytes(*events, max_bytes);
  return events;
}

Result<std::uint64_t> Store::NextOwnSeq(const std::string& stream) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare("SELECT next_seq FROM streams WHERE origin = ?1 AND stream = ?2", false);
  if (!q) return q.error();
  q->Bind(1, m_self).Bind(2, stream);
  auto row = q->Step();
  if (!row) return row.error();
  return *row ? static_cast<std::uint64_t>(q->Int(0)) : std::uint64_t{1};
}

namespace {

// A batch's bytes as a row holds them: in the row, or in a file of the
// batch directory (bytes empty), with their SHA-256.
struct BytesRef {
  const std::string& bytes;
  std::string file;  // name in the batch directory, or ""
  std::string sha256;
};

// What a batch row keeps beyond its header (migration 8).
struct BatchTrust {
  std::string events_sig;     // the origin's signature over its events
  std::uint64_t first_seq = 0, last_seq = 0;  // the origin's own events in it
  std::string note;
};

Status InsertBatch(sql::Db& db, const exchange::BatchHeader& h, const BytesRef& bytes,
                   const std::string& sig, const std::string& from, Instant now, const std::string& state,
                   std::int64_t accepted, std::int64_t rejected, const std::string& forward_to,
                   const BatchTrust& trust = {}) {
  auto st = db.Prepare(
      "INSERT INTO batches(batch_id, origin, stream, seq, destination, created, code_version, record_count, "
      "received_from, stored_at, state, accepted, rejected, forward_to, bytes, signature, attachments, "
      "bytes_file, bytes_sha256, events_sig, first_seq, last_seq, note) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
      "?23)");
  if (!st) return st.error();
  st->Bind(1, h.batch_id).Bind(2, h.origin).Bind(3, h.stream).Bind(4, static_cast<std::int64_t>(h.seq))
      .Bind(5, h.destination).Bind(6, h.created.seconds).Bind(7, h.code_version)
      .Bind(8, static_cast<std::int64_t>(h.record_count)).Bind(9, from).Bind(10, now.seconds).Bind(11, state)
      .Bind(12, accepted).Bind(13, rejected).Bind(14, forward_to)
      .BindBlob(15, bytes.file.empty() ? std::string_view(bytes.bytes) : std::string_view("", 0))  // empty, not NULL
      .BindBlob(16, sig);
  std::string attachments;
  for (const auto& a : h.attachments) attachments += (attachments.empty() ? "" : " ") + a;
  st->Bind(17, attachments).Bind(18, bytes.file).Bind(19, bytes.sha256).BindBlob(20, trust.events_sig)
      .Bind(21, static_cast<std::int64_t>(trust.first_seq)).Bind(22, static_cast<std::int64_t>(trust.last_seq))
      .Bind(23, trust.note);
  return st->Run();
}

Status SetNextSeq(sql::Db& db, const std::string& origin, const std::string& stream, std::uint64_t next) {
  auto st = db.Prepare(
      "INSERT INTO streams(origin, stream, next_seq) VALUES(?1, ?2, ?3) "
      "ON CONFLICT(origin, stream) DO UPDATE SET next_seq = excluded.next_seq");
  if (!st) return st.error();
  st->Bind(1, origin).Bind(2, stream).Bind(3, static_cast<std::int64_t>(next));
  return st->Run();
}

Status Enqueue(sql::Db& db, const std::string& link, const std::string& batch_id, Instant now) {
  auto st = db.Prepare(
      "INSERT INTO outbox(link, qseq, batch_id, queued_at) "
      "VALUES(?1, coalesce((SELECT max(qseq) FROM outbox WHERE link = ?1), 0) + 1, ?2, ?3)");
  if (!st) return st.error();
  st->Bind(1, link).Bind(2, batch_id).Bind(3, now.seconds);
  return st->Run();
}

}  // namespace

Status Store::CommitOwnBatch(const exchange::BatchHeader& h, const std::string& bytes, const std::string& sig,
                             const std::string& link, const std::vector<StoredEvent>& events,
                             const std::string& events_signature) {
  BulkGuard lock(m_mutex);
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began();
  // Another process (xfctl export) may have packed meanwhile: the pending
  // list and the sequence number must still be what they were when read.
  {
    auto q = m_db.Prepare("SELECT next_seq FROM streams WHERE origin = ?1 AND stream = ?2");
    if (!q) return q.error();
    q->Bind(1, h.origin).Bind(2, h.stream);
    auto row = q->Step();
    if (!row) return row.error();
    const std::uint64_t next = *row ? static_cast<std::uint64_t>(q->Int(0)) : 1;
    if (next != h.seq) {
      return MakeError(Errc::kAlreadyExists, "stream " + h.stream + " moved on to " + std::to_string(next) +
                                                 " while batch " + std::to_string(h.seq) + " was packed");
    }
    auto check = m_db.Prepare(h.stream == exchange::kUpStream
                                  ? "SELECT 1 FROM packed WHERE stream = 'up' AND last_event_seq >= ?3"
                                  : "SELECT NOT EXISTS (SELECT 1 FROM down_queue WHERE target = ?1 AND origin = ?2 "
                                    "AND seq = ?3)");
    if (!check) return check.error();
    for (const auto& e : events) {
      check->Bind(1, h.destination).Bind(2, e.event.origin).Bind(3, static_cast<std::int64_t>(e.event.seq));
      auto taken = check->Step();
      const bool already = taken && *taken && check->Int(0) == 1;
      check->Reset();
      if (!taken) return taken.error();
      if (already) return MakeError(Errc::kAlreadyExists, "event " + e.event.Id() + " was packed meanwhile");
    }
  }
  const Instant now = m_clock.Now();
  BatchTrust trust{events_signature};
  for (const auto& e : events) {
    if (e.event.origin != h.origin) continue;
    trust.first_seq = trust.first_seq == 0 ? e.event.seq : std::min(trust.first_seq, e.event.seq);
    trust.last_seq = std::max(trust.last_seq, e.event.seq);
  }
  if (auto s = InsertBatch(m_db, h, BytesRef{bytes, "", exchange::Sha256Hex(bytes)}, sig, "", now, "own",
                           static_cast<std::int64_t>(events.size()), 0, link, trust);
      !s) {
    return s;
  }
  if (auto s = SetNextSeq(m_db, h.origin, h.stream, h.seq + 1); !s) return s;
  if (h.stream == exchange::kUpStream) {
    std::uint64_t last = 0;
    for (const auto& e : events) last = std::max(last, e.event.seq);
    auto st = m_db.Prepare(
        "INSERT INTO packed(stream, last_event_seq) VALUES('up', ?1) "
        "ON CONFLICT(stream) DO UPDATE SET last_event_seq = max(last_event_seq, excluded.last_event_seq)");
    if (!st) return st.error();
    st->Bind(1, static_cast<std::int64_t>(last));
    if (auto s = st->Run(); !s) return s;
  } else {
    auto st = m_db.Prepare("DELETE FROM down_queue WHERE target = ?1 AND origin = ?2 AND seq = ?3");
    if (!st) return st.error();
    for (const auto& e : events) {
      st->Bind(1, h.destination).Bind(2, e.event.origin).Bind(3, static_cast<std::int64_t>(e.event.seq));
      if (auto s = st->Run(); !s) return s;
    }
  }
  if (auto s = Enqueue(m_db, link, h.batch_id, now); !s) return s;
  return txn.Commit();
}

namespace {

Result<std::vector<Store::OutboxItem>> ReadOutbox(sql::Stmt& q, const std::filesystem::path& batch_dir) {
  std::vector<Store::OutboxItem> out;
  for (;;) {
    auto row = q.Step();
    if (!row) return row.error();
    if (!*row) break;
    Store::OutboxItem it;
    it.link = q.Text(0);
    it.qseq = static_cast<std::uint64_t>(q.Int(1));
    it.batch_id = q.Text(2);
    it.attempts = static_cast<int>(q.Int(3));
    it.origin = q.Text(4);
    it.bytes = q.Text(5);
    it.signature = q.Text(6);
    std::istringstream words(q.Text(7));
    for (std::string w; words >> w;) it.attachments.push_back(w);
    if (const std::string file = q.Text(8); !file.empty()) it.bytes_file = batch_dir / file;
    it.events_signature = q.Text(9);
    out.push_back(std::move(it));
  }
  return out;
}

constexpr const char* kOutboxSelect =
    "SELECT o.link, o.qseq, o.batch_id, o.attempts, b.origin, b.bytes, b.signature, b.attachments, b.bytes_file, "
    "b.events_sig FROM outbox o "
    "JOIN batches b ON b.batch_id = o.batch_id WHERE o.link = ?1 AND o.delivered_at IS NULL "
    "ORDER BY o.qseq LIMIT ?2";

}  // namespace

Result<std::optional<Store::OutboxItem>> Store::NextUndelivered(const std::string& link) {
  auto items = Undelivered(link, 1);
  if (!items) return items.error();
  if (items->empty()) return std::optional<OutboxItem>();
  return std::optional<OutboxItem>(std::move(items->front()));
}

Result<std::vector<Store::OutboxItem>> Store::Undelivered(const std::string& link, std::size_t max) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(kOutboxSelect);
  if (!q) return q.error();
  q->Bind(1, link).Bind(2, static_cast<std::int64_t>(max));
  return ReadOutbox(*q, m_batch_dir);
}

Result<std::optional<std::string>> Store::QueuedBatchId(const std::string& link, std::uint64_t qseq) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare("SELECT batch_id FROM outbox WHERE link = ?1 AND qseq = ?2 AND delivered_at IS NULL");
  if (!q) return q.error();
  q->Bind(1, link).Bind(2, static_cast<std::int64_t>(qseq));
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(q->Text(0));
}

Status Store::MarkDelivered(const std::string& link, std::uint64_t qseq, const std::string& receipt,
                            const std::string& receipt_sig) {
  std::lock_guard lock(m_mutex);
  auto st = m_db.Prepare(
      "UPDATE outbox SET delivered_at = ?3, receipt = ?4, receipt_sig = ?5, attempts = attempts + 1, "
      "last_error = '' WHERE link = ?1 AND qseq = ?2 AND delivered_at IS NULL");
  if (!st) return st.error();
  st->Bind(1, link).Bind(2, static_cast<std::int64_t>(qseq)).Bind(3, m_clock.Now().seconds)
      .BindBlob(4, receipt).BindBlob(5, receipt_sig);
  return st->Run();
}

Status Store::MarkAttempt(const std::string& link, std::uint64_t qseq, const std::string& error) {
  std::lock_guard lock(m_mutex);
  auto st = m_db.Prepare("UPDATE outbox SET attempts = attempts + 1, last_error = ?3 WHERE link = ?1 AND qseq = ?2");
  if (!st) return st.error();
  st->Bind(1, link).Bind(2, static_cast<std::int64_t>(qseq)).Bind(3, error.substr(0, 1000));
  return st->Run();
}

Result<std::string> Store::PlaceBatchFile(const Incoming& in) {
  std::error_code ec;
  if (in.bytes_file.parent_path() == m_batch_dir) return in.bytes_file.filename().string();  // held here already
  std::filesystem::create_directories(m_batch_dir, ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + m_batch_dir.string() + ": " + ec.message());
  // The bytes reach the disk before the name does, and the name before the
  // commit that refers to it. A crash in between leaves an unreferenced
  // file, which nothing reads.
  const std::string name = in.header.batch_id + "." + exchange::RandomHex(4) + ".zst";
  const auto target = m_batch_dir / name;
  // Through the Env (codes/env.h): a full or failing disk is an error
  // here, named, before anything is committed.
  if (auto s = m_env->SyncFile(in.bytes_file); !s) return s.error();
  if (auto s = m_env->Rename(in.bytes_file, target); !s) {
    // Another file system: copy, then sync the copy.
    std::filesystem::copy_file(in.bytes_file, target, ec);
    if (ec) return MakeError(Errc::kIo, "cannot store batch file " + target.string() + ": " + ec.message());
    if (auto s2 = m_env->SyncFile(target); !s2) return s2.error();
  }
  if (auto s = m_env->SyncDir(m_batch_dir); !s) return s.error();
  return name;
}

std::vector<Store::ApplyProgress> Store::Applying() const {
  std::lock_guard lock(m_applying_mutex);
  std::vector<ApplyProgress> out;
  for (const auto& [id, st] : m_applying) {
    ApplyProgress p = st->progress;
    p.events = st->events.load(std::memory_order_relaxed);
    p.phase = st->writing.load() ? "writing" : "reading";
    out.push_back(std::move(p));
  }
  return out;
}

Result<exchange::Receipt> Store::ApplyBatch(const Incoming& in, const std::string& self,
                                            std::map<std::string, std::string>* rejected_cases) {
  const auto& h = in.header;
  const std::string sha256 =
      !in.bytes_sha256.empty() ? in.bytes_sha256 : in.bytes_file.empty() ? exchange::Sha256Hex(in.bytes) : "";
  if (sha256.empty()) return MakeError(Errc::kInternal, "a batch file came without its SHA-256");

  // Shown in GET /v1/status while it lasts.
  auto progress = std::make_shared<ApplyState>();
  progress->progress = {h.batch_id, in.received_from, "", 0, m_clock.Now()};
  std::uint64_t progress_key = 0;
  {
    std::lock_guard lock(m_applying_mutex);
    progress_key = ++m_apply_serial;
    m_applying.emplace(progress_key, progress);
  }
  struct Unlist {
    Store& store;
    std::uint64_t key;
    ~Unlist() {
      std::lock_guard lock(store.m_applying_mutex);
      store.m_applying.erase(key);
    }
  } unlist{*this, progress_key};

  // Before the writer is taken: what the parser has (a whole normal
  // batch), and the batch file moved into the batch directory and fsynced.
  // The writer then only writes; it never waits for the disk to sync a
  // large file, nor (for a normal batch) for the parser.
  Feed feed(in);
  if (auto s = feed.ReadAhead(kReadAheadBytes, kReadAheadEvents); !s) return s.error();
  struct Placed {
    std::filesystem::path path;  // moved here by this call: removed unless a commit names it
    std::string name;            // its name in the batch directory
    bool keep = false;
    ~Placed() {
      std::error_code ec;
      if (!keep && !path.empty()) std::filesystem::remove(path, ec);
    }
  } placed;
  if (!in.bytes_file.empty()) {
    const bool here = in.bytes_file.parent_path() == m_batch_dir;
    auto name = PlaceBatchFile(in);
    if (!name) return name.error();
    placed.name = *name;
    if (!here) placed.path = m_batch_dir / *name;
  }

  BulkGuard lock(m_mutex);
  progress->writing = true;
  const Instant now = m_clock.Now();
  exchange::Receipt receipt;
  receipt.batch_id = h.batch_id;
  receipt.receiver = self;
  receipt.created = now;

  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began().error();

  // Seen before? Then nothing changes — unless it was held and is next now.
  bool held_already = false;
  {
    auto q = m_db.Prepare(
        "SELECT state, bytes_sha256, bytes_file, CASE WHEN bytes_sha256 = '' AND bytes_file = '' THEN bytes END "
        "FROM batches WHERE origin = ?1 AND stream = ?2 AND seq = ?3");
    if (!q) return q.error();
    q->Bind(1, h.origin).Bind(2, h.stream).Bind(3, static_cast<std::int64_t>(h.seq));
    auto row = q->Step();
    if (!row) return row.error();
    bool seen = *row;
    if (seen) {
      std::string stored = q->Text(1);
      if (stored.empty()) {
        if (const std::string file = q->Text(2); !file.empty()) {
          auto hashed = exchange::Sha256File(m_batch_dir / file);
          if (!hashed) return hashed.error();
          stored = *hashed;
        } else {
          stored = exchange::Sha256Hex(q->Text(3));  // a row from before batch hashes were kept
        }
      }
      if (stored != sha256) {
        return MakeError(Errc::kAlreadyExists, "a different batch " + h.batch_id +
                                                   " (same origin, stream and sequence) is held here already");
      }
      held_already = q->Text(0) == "held" || q->Text(0) == "blobs";
      if (q->Text(0) == "parked") {
        // Verified now: out of the parking, then on as if it had just come
        // (its file, if any, is the one this batch is read from).
        q->Reset();
        auto del = m_db.Prepare("DELETE FROM batches WHERE origin = ?1 AND stream = ?2 AND seq = ?3 AND state = 'parked'");
        if (!del) return del.error();
        del->Bind(1, h.origin).Bind(2, h.stream).Bind(3, static_cast<std::int64_t>(h.seq));
        if (auto s = del->Run(); !s) return s.error();
        seen = false;
      }
    }
    if (seen && !held_already) {
      receipt.status = "duplicate";
      // The reasons it was refused for when it was applied stand.
      {
        auto rj = m_db.Prepare("SELECT event_id, rule, field, reason FROM rejections WHERE batch_id = ?1 "
                               "AND event_id <> '' ORDER BY rowid");
        if (!rj) return rj.error();
        rj->Bind(1, h.batch_id);
        for (;;) {
          auto r = rj->Step();
          if (!r) return r.error();
          if (!*r) break;
          receipt.rejected.push_back({rj->Text(0), rj->Text(1), rj->Text(2), rj->Text(3)});
        }
      }
      auto ev = m_db.Prepare("SELECT 1 FROM events WHERE origin = ?1 AND seq = ?2");
      if (!ev) return ev.error();
      auto s = ForEach(feed, [&](const IncomingEvent& e) -> Status {
        ev->Bind(1, e.event.origin).Bind(2, static_cast<std::int64_t>(e.event.seq));
        auto r = ev->Step();
        ev->Reset();
        if (!r) return r.error();
        if (*r) receipt.Accept(e.event.origin, e.event.seq);
        return {};
      });
      if (!s) return s.error();
      return receipt;
    }
  }
  std::uint64_t next = 1;
  {
    auto q = m_db.Prepare("SELECT next_seq FROM streams WHERE origin = ?1 AND stream = ?2");
    if (!q) return q.error();
    q->Bind(1, h.origin).Bind(2, h.stream);
    auto row = q->Step();
    if (!row) return row.error();
    if (*row) next = static_cast<std::uint64_t>(q->Int(0));
  }
  if (h.seq < next) {
    // Below the stream's mark but not held: it was applied and then pruned.
    receipt.status = "duplicate";
    return receipt;
  }
  if (!in.missing_attachments.empty()) {
    // A batch is complete only with every attachment it names: stored (it
    // verified), not applied, no receipt, until they are all here.
    receipt.status = kAwaitingAttachments;
    const char* state = h.seq == next ? "blobs" : "held";
    if (held_already) {
      auto st = m_db.Prepare("UPDATE batches SET state = ?2 WHERE batch_id = ?1 AND state <> ?2");
      if (!st) return st.error();
      st->Bind(1, h.batch_id).Bind(2, std::string(state));
      if (auto s = st->Run(); !s) return s.error();
    } else {
      if (auto s = InsertBatch(m_db, h, BytesRef{in.bytes, placed.name, sha256}, in.signature, in.received_from,
                               now, state, 0, 0, in.forward_to);
          !s) {
        return s.error();
      }
    }
    if (auto s = txn.Commit(); !s) return s.error();
    placed.keep = !held_already;
    return receipt;
  }
  std::string file;  // the bytes' name in the batch directory, when kept in a file
  if (!in.bytes_file.empty() && !(h.seq > next && held_already)) file = placed.name;
  const BytesRef bytes{in.bytes, file, sha256};
  if (h.seq > next) {
    // Out of sequence: keep the bytes, apply when the gap fills. The
    // receipt names the records already known to be bad (their form and
    // codes, a foreign origin in an up batch); what depends on the order
    // (R6, duplicates) is judged when the batch applies.
    receipt.status = "held";
    auto listed = ForEach(feed, [&](const IncomingEvent& ie) -> Status {
      const std::string id = ie.event.Id();
      if (in.up && ie.event.origin != h.origin) {
        receipt.rejected.push_back({id, "R3", "origin", "an up batch from " + h.origin +
                                                            " carries only its own events, not one of " + ie.event.origin});
      } else if (!ie.violations.empty()) {
        const auto& v = ie.violations.front();
        receipt.rejected.push_back({id, v.rule, v.field, schema::Message(v, true)});  // receipts: English (PROTOCOL.md)
      }
      return {};
    });
    if (!listed) return listed.error();
    if (held_already) return receipt;
    if (auto s = InsertBatch(m_db, h, bytes, in.signature, in.received_from, now, "held", 0, 0, in.forward_to,
                             BatchTrust{in.events_signature});
        !s) {
      return s.error();
    }
    if (auto s = txn.Commit(); !s) return s.error();
    placed.keep = true;
    return receipt;
  }

  if (held_already) {
    // It becomes an applied batch in this same transaction, never lost in between.
    auto del = m_db.Prepare("DELETE FROM batches WHERE batch_id = ?1 AND state IN ('held', 'blobs')");
    if (!del) return del.error();
    del->Bind(1, h.batch_id);
    if (auto s = del->Run(); !s) return s.error();
  }

  // Apply, event by event.
  auto exists = m_db.Prepare("SELECT xml FROM events WHERE origin = ?1 AND seq = ?2");
  auto bump = m_db.Prepare(
      "INSERT INTO origins(origin, last_seq) VALUES(?1, ?2) "
      "ON CONFLICT(origin) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)");
  auto reject = m_db.Prepare(
      "INSERT INTO rejections(batch_id, origin, event_id, rule, field, reason, at, charged_to) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  auto keep_proof = m_db.Prepare("INSERT OR IGNORE INTO event_proofs(origin, seq, proof) VALUES(?1, ?2, ?3)");
  if (!exists || !bump || !reject || !keep_proof) {
    return MakeError(Errc::kInternal, "prepare failed: " + m_db.ErrorMessage());
  }
  BatchTrust trust{in.events_signature};
  // Memory stays bounded on a batch of a million events: the cases begun in
  // this batch keep their events here only until kFlushEvents have
  // gathered; then their projections are written (so the cases table knows
  // them from there on) and the sets start afresh. A case's later events
  // after a flush count as touching a known case, refreshed from the log.
  constexpr std::size_t kFlushEvents = 2000;
  std::set<std::string> registered_here;  // cases registered in this batch since the last flush
  std::set<std::string> touched;          // known cases with new events since the last flush
  std::map<std::string, std::vector<schema::Event>> fresh;  // the events of the cases in registered_here
  std::size_t fresh_events = 0;
  // R7: the events held of each known case touched since the last flush
  // (read once, then kept up to date as this batch adds to them).
  std::map<std::string, std::vector<schema::Event>> held;
  auto history_of = [&](const std::string& case_id) -> Result<const std::vector<schema::Event>*> {
    if (auto f = fresh.find(case_id); f != fresh.end()) return &f->second;
    if (auto h = held.find(case_id); h != held.end()) return &h->second;
    auto events = HistoryOf(case_id);
    if (!events) return events.error();
    return &(held[case_id] = std::move(events).value());
  };
  // An initial case registered earlier in this batch is not in `cases` yet.
  const auto pending_initial = [&](const std::string& id) -> std::optional<schema::InitialCase> {
    auto f = fresh.find(id);
    if (f == fresh.end()) return std::nullopt;
    const schema::CaseFacts facts = schema::FactsOf(f->second);
    return schema::InitialCase{facts.received, facts.rereview_decided_at};
  };
  std::map<std::string, std::uint64_t> highest;  // per origin, for the origins table
  // The index entries the parser made of the registrations in `fresh`.
  std::map<std::string, std::shared_ptr<const DedupEntry>> prepared;
  auto flush = [&]() -> Status {
    for (auto& [case_id, events] : fresh) {
      // The fold orders as EventsOfCase does: registration first, then by time.
      std::stable_sort(events.begin() + 1, events.end(), [](const schema::Event& a, const schema::Event& b) {
        return std::tie(a.occurred_at, a.recorded_at, a.origin, a.seq) <
               std::tie(b.occurred_at, b.recorded_at, b.origin, b.seq);
      });
      const auto p = prepared.find(case_id);
      m_dedup_entry = p == prepared.end() ? nullptr : p->second.get();
      auto s = WriteProjection(case_id, Project(events));
      m_dedup_entry = nullptr;
      if (!s) return s;
    }
    prepared.clear();
    for (const auto& case_id : touched) {
      if (auto s = RefreshProjection(case_id); !s) return s;
    }
    fresh.clear();
    registered_here.clear();
    touched.clear();
    held.clear();
    fresh_events = 0;
    return {};
  };
  for (;;) {
    IncomingEvent ie;
    auto got = feed.Next(ie);
    if (!got) return got.error();  // the transaction rolls back: nothing applied
    if (!*got) break;
    progress->events.fetch_add(1, std::memory_order_relaxed);
    auto& e = ie.event;
    const std::string id = e.Id();
    if (e.origin == h.origin) {
      trust.first_seq = trust.first_seq == 0 ? e.seq : std::min(trust.first_seq, e.seq);
      trust.last_seq = std::max(trust.last_seq, e.seq);
    }
    exchange::Rejection rej;
    // Who answers for a refused record: its origin when the record is
    // provably the origin's (the batch's own events; another origin's event
    // held here identically or proven), else the batch's signer, who put a
    // record it cannot vouch for into a batch under its own signature.
    std::string charged = e.origin;
    const bool foreign = e.origin != h.origin;
    bool stored_already = false;
    if (foreign && in.up) {
      rej = {id, "R3", "origin", "an up batch from " + h.origin + " carries only its own events, not one of " + e.origin};
      charged = h.origin;
    } else {
      exists->Bind(1, e.origin).Bind(2, static_cast<std::int64_t>(e.seq));
      auto row = exists->Step();
      if (!row) return row.error();
      if (*row) {
        stored_already = true;
        if (exists->Text(0) != ie.xml) {
          rej = {id, "R3", "", "event " + id + " differs from the event with that id held here"};
          charged = h.origin;
        }
      }
      exists->Reset();
      if (rej.rule.empty() && foreign && !stored_already && ie.proof_xml.empty()) {
        rej = {id, "R3", "origin",
               "event " + id + " of origin " + e.origin + " is not held here and does not carry " + e.origin +
                   "'s signature (a proof in <proofs>)" + (ie.proof_problem.empty() ? "" : ": " + ie.proof_problem)};
        charged = h.origin;
      }
    }
    if (rej.rule.empty() && !ie.violations.empty()) {
      const auto& v = ie.violations.front();
      rej = {id, v.rule, v.field, schema::Message(v, true)};
    }
    if (rej.rule.empty() && !stored_already) {
      if (e.origin == self) {
        rej = {id, "R3", "origin", "event " + id + " claims to come from this node, which has no such event"};
        charged = h.origin;
      } else if (e.kind == schema::EventKind::kRegistration) {
        // A registration mints its case id: only in its origin's namespace.
        if (e.case_id.rfind(e.origin + "-", 0) != 0) {
          rej = {id, "R3", "case_id",
                 "case id " + e.case_id + " is not in the namespace of origin " + e.origin +
                     " (a case registered at " + e.origin + " has an id beginning " + e.origin + "-)"};
        } else {
          auto known = CaseExistsLocked(e.case_id);
          if (!known) return known.error();
          if (*known || registered_here.count(e.case_id)) {
            rej = {id, "R3", "case_id", "case " + e.case_id + " is registered here already by another event"};
          }
        }
      } else {
        auto known = CaseExistsLocked(e.case_id);
        if (!known) return known.error();
        if (!*known && !registered_here.count(e.case_id)) {
          rej = {id, "R6", "case_id", "event " + id + " refers to case " + e.case_id +
                                          ", which is not known here and not registered earlier in this batch"};
        }
      }
    }
    if (rej.rule.empty() && !stored_already) {
      // R7, lenient: only what the events held here contradict (a step
      // another origin has not sent yet is no contradiction).
      static const std::vector<schema::Event> kNone;
      const std::vector<schema::Event>* history = &kNone;
      if (e.kind != schema::EventKind::kRegistration) {
        auto h = history_of(e.case_id);
        if (!h) return h.error();
        history = *h;
      }
      if (schema::Violations r7 = ChronologyLocked(*history, e, false, pending_initial); !r7.empty()) {
        rej = {id, "R7", r7.front().field, schema::Message(r7.front(), true)};
      }
    }
    if (!rej.rule.empty()) {
      reject->Bind(1, h.batch_id).Bind(2, e.origin).Bind(3, id).Bind(4, rej.rule).Bind(5, rej.field)
          .Bind(6, rej.reason).Bind(7, now.seconds).Bind(8, charged);
      if (auto s = reject->Run(); !s) return s.error();
      if (rejected_cases != nullptr) (*rejected_cases)[id] = e.case_id;
      receipt.rejected.push_back(std::move(rej));
      continue;
    }
    receipt.Accept(e.origin, e.seq);
    if (stored_already) continue;
    if (auto s = InsertEventRow(e, ie.xml, now); !s) return s.error();
    if (foreign && !ie.proof_xml.empty()) {
      keep_proof->Bind(1, e.origin).Bind(2, static_cast<std::int64_t>(e.seq)).BindBlob(3, ie.proof_xml);
      if (auto s = keep_proof->Run(); !s) return s.error();
    }
    std::uint64_t& high = highest[e.origin];
    high = std::max(high, e.seq);
    if (e.kind == schema::EventKind::kRegistration) {
      registered_here.insert(e.case_id);
      if (ie.dedup) prepared[e.case_id] = std::move(ie.dedup);
      fresh[e.case_id].push_back(std::move(e));
      ++fresh_events;
    } else if (registered_here.count(e.case_id)) {
      fresh[e.case_id].push_back(std::move(e));
      ++fresh_events;
    } else {
      touched.insert(e.case_id);
      if (auto h = held.find(e.case_id); h != held.end()) h->second.push_back(std::move(e));
    }
    if (fresh_events + touched.size() + held.size() >= kFlushEvents) {
      if (auto s = flush(); !s) return s.error();
    }
  }
  if (auto s = flush(); !s) return s.error();
  for (const auto& [origin, seq] : highest) {
    bump->Bind(1, origin).Bind(2, static_cast<std::int64_t>(seq));
    if (auto s = bump->Run(); !s) return s.error();
  }
  if (auto s = SetNextSeq(m_db, h.origin, h.stream, h.seq + 1); !s) return s.error();
  if (auto s = InsertBatch(m_db, h, bytes, in.signature, in.received_from, now, "applied",
                           static_cast<std::int64_t>(receipt.AcceptedCount()),
                           static_cast<std::int64_t>(receipt.rejected.size()), in.forward_to, trust);
      !s) {
    return s.error();
  }
  if (!in.forward_to.empty()) {
    if (auto s = Enqueue(m_db, in.forward_to, h.batch_id, now); !s) return s.error();
  }
  if (auto s = txn.Commit(); !s) return s.error();
  placed.keep = true;
  return receipt;
}

Result<std::optional<Store::HeldBatch>> Store::NextHeld(const std::string& origin, const std::string& stream) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT b.batch_id, b.received_from, b.forward_to, b.bytes, b.signature, b.bytes_file, b.bytes_sha256, "
      "b.events_sig FROM batches b "
      "JOIN streams s ON s.origin = b.origin AND s.stream = b.stream AND s.next_seq = b.seq "
      "WHERE b.origin = ?1 AND b.stream = ?2 AND b.state IN ('held', 'blobs')");
  if (!q) return q.error();
  q->Bind(1, origin).Bind(2, stream);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<HeldBatch>();
  // The held row stays until ApplyBatch replaces it, in one transaction.
  HeldBatch held{q->Text(0), q->Text(1), q->Text(2), q->Text(3), q->Text(4), {}, q->Text(6), q->Text(7)};
  if (const std::string file = q->Text(5); !file.empty()) held.bytes_file = m_batch_dir / file;
  return std::optional<HeldBatch>(std::move(held));
}

std::vector<Store::LinkStatus> Store::Links() {
  auto rd = Reader();
  if (!rd) return {};
  std::vector<LinkStatus> out;
  auto q = (*rd)->db.Prepare(
      // The counts kept by the outbox's triggers (migration 12); the error of
      // the first pending batch through the outbox_pending index.
      "SELECT link, queued - delivered, delivered, last_delivered, "
      "coalesce((SELECT last_error FROM outbox o WHERE o.link = c.link AND o.delivered_at IS NULL "
      "ORDER BY o.qseq LIMIT 1), '') "
      "FROM link_counts c ORDER BY link",
      false);
  if (!q) return out;
  for (;;) {
    auto row = q->Step();
    if (!row || !*row) break;
    LinkStatus l;
    l.link = q->Text(0);
    l.pending = q->Int(1);
    l.delivered = q->Int(2);
    if (!q->IsNull(3)) l.last_delivered = Instant{q->Int(3)};
    l.last_error = q->Text(4);
    out.push_back(std::move(l));
  }
  return out;
}

std::vector<Store::StreamGap> Store::Gaps() {
  auto rd = Reader();
  if (!rd) return {};
  std::vector<StreamGap> out;
  auto q = (*rd)->db.Prepare(
      // The held batches only, through their own index (migration 12).
      "SELECT b.origin, b.stream, coalesce(s.next_seq, 1), count(*), min(b.stored_at) "
      "FROM batches b INDEXED BY batches_held "
      "LEFT JOIN streams s ON s.origin = b.origin AND s.stream = b.stream WHERE b.state = 'held' "
      // A stream whose next batch is here but waits for its attachments has
      // no gap: WaitingForAttachments reports it.
      "AND NOT EXISTS (SELECT 1 FROM batches w WHERE w.origin = b.origin AND w.stream = b.stream "
      "AND w.seq = coalesce(s.next_seq, 1) AND w.state = 'blobs') "
      "GROUP BY b.origin, b.stream ORDER BY b.origin, b.stream",
      false);
  if (!q) return out;
  for (;;) {
    auto row = q->Step();
    if (!row || !*row) break;
    out.push_back({q->Text(0), q->Text(1), static_cast<std::uint64_t>(q->Int(2)),
                   static_cast<std::uint64_t>(q->Int(3)), Instant{q->Int(4)}});
  }
  return out;
}

std::vector<Store::WaitingBatch> Store::WaitingForAttachments() {
  auto rd = Reader();
  if (!rd) return {};
  std::vector<WaitingBatch> out;
  auto q = (*rd)->db.Prepare(
      "SELECT w.batch_id, w.origin, w.stream, w.received_from, w.seq, w.attachments, w.stored_at, "
      "(SELECT count(*) FROM batches b WHERE b.origin = w.origin AND b.stream = w.stream AND b.state = 'held') "
      "FROM batches w INDEXED BY batches_blobs WHERE w.state = 'blobs' ORDER BY w.stored_at, w.batch_id",
      false);
  if (!q) return out;
  for (;;) {
    auto row = q->Step();
    if (!row || !*row) break;
    WaitingBatch w;
    w.batch_id = q->Text(0);
    w.origin = q->Text(1);
    w.stream = q->Text(2);
    w.received_from = q->Text(3);
    w.seq = static_cast<std::uint64_t>(q->Int(4));
    std::istringstream words(q->Text(5));
    for (std::string x; words >> x;) w.attachments.push_back(x);
    w.since = Instant{q->Int(6)};
    w.held_behind = static_cast<std::uint64_t>(q->Int(7));
    out.push_back(std::move(w));
  }
  return out;
}

Result<std::pair<std::string, std::string>> Store::BatchBytes(const std::string& batch_id) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare("SELECT bytes, signature, bytes_file FROM batches WHERE batch_id = ?1", false);
  if (!q) return q.error();
  q->Bind(1, batch_id);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(Errc::kNotFound, "no batch " + batch_id);
  if (const std::string file = q->Text(2); !file.empty()) {
    std::ifstream in(m_batch_dir / file, std::ios::binary);
    if (!in) return MakeError(Errc::kIo, "cannot read batch file " + (m_batch_dir / file).string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::make_pair(ss.str(), q->Text(1));
  }
  return std::make_pair(q->Text(0), q->Text(1));
}

Result<Store::StoredBatch> Store::GetBatch(const std::string& batch_id) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare("SELECT batch_id, origin, state, bytes, bytes_file, signature FROM batches WHERE batch_id = ?1",
                        false);
  if (!q) return q.error();
  q->Bind(1, batch_id);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(Errc::kNotFound, "no batch " + batch_id);
  StoredBatch b{q->Text(0), q->Text(1), q->Text(2), {}, {}, q->Text(5)};
  if (const std::string file = q->Text(4); !file.empty()) {
    b.bytes_file = m_batch_dir / file;
  } else {
    b.bytes = q->Text(3);
  }
  return b;
}

}  // namespace xf::node

// Store: the exchange's part — own batches, the outbox, applying received
// batches. Each method is one transaction, so a batch is written before it
// is sent and a received batch is applied (and queued onward) before its
// receipt is answered.
#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <sstream>

#include "exchange/routing.h"
#include "node/projection.h"
#include "node/store.h"
#include "schema/xml.h"

namespace xf::node {


namespace {

// Every event of an incoming batch, the parsed ones and those still to come.
Result<std::deque<Store::IncomingEvent>> Drain(const Store::Incoming& in) {
  std::deque<Store::IncomingEvent> all(in.events.begin(), in.events.end());
  std::vector<Store::IncomingEvent> chunk;
  while (in.more) {
    chunk.clear();
    auto got = in.more(chunk);
    if (!got) return got.error();
    for (auto& c : chunk) all.push_back(std::move(c));
    if (!*got) break;
  }
  return all;
}

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
  if (e.origin != m_self || state.handler.empty() || state.handler == m_self) return {};
  if (!exchange::InSubtree(m_self, state.handler) || !exchange::NextHopDown(m_children, state.handler)) {
    return {};
  }
  // A transfer sends the whole case down (the target must know it: R6);
  // later events of this node on the case follow one by one.
  const bool whole = e.kind == schema::EventKind::kTransfer;
  auto st = m_db.Prepare(whole ? "INSERT OR IGNORE INTO down_queue(target, origin, seq) "
                                 "SELECT ?1, origin, seq FROM events WHERE case_id = ?2"
                               : "INSERT OR IGNORE INTO down_queue(target, origin, seq) VALUES(?1, ?3, ?4)");
  if (!st) return st.error();
  st->Bind(1, state.handler);
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
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare(
      "SELECT xml, stored_at FROM events WHERE origin = ?1 AND seq > "
      "coalesce((SELECT last_event_seq FROM packed WHERE stream = 'up'), 0) ORDER BY seq LIMIT ?2");
  if (!q) return q.error();
  q->Bind(1, m_self).Bind(2, static_cast<std::int64_t>(max_events));
  auto events = ReadEvents(*q);
  if (events) TrimToBytes(*events, max_bytes);
  return events;
}

Result<std::vector<std::string>> Store::DownTargets() {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare("SELECT DISTINCT target FROM down_queue ORDER BY target", false);
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
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare(
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
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare("SELECT next_seq FROM streams WHERE origin = ?1 AND stream = ?2", false);
  if (!q) return q.error();
  q->Bind(1, m_self).Bind(2, stream);
  auto row = q->Step();
  if (!row) return row.error();
  return *row ? static_cast<std::uint64_t>(q->Int(0)) : std::uint64_t{1};
}

namespace {

Status InsertBatch(sql::Db& db, const exchange::BatchHeader& h, const std::string& bytes,
                   const std::string& sig, const std::string& from, Instant now, const std::string& state,
                   std::int64_t accepted, std::int64_t rejected, const std::string& forward_to) {
  auto st = db.Prepare(
      "INSERT INTO batches(batch_id, origin, stream, seq, destination, created, code_version, record_count, "
      "received_from, stored_at, state, accepted, rejected, forward_to, bytes, signature, attachments) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)");
  if (!st) return st.error();
  st->Bind(1, h.batch_id).Bind(2, h.origin).Bind(3, h.stream).Bind(4, static_cast<std::int64_t>(h.seq))
      .Bind(5, h.destination).Bind(6, h.created.seconds).Bind(7, h.code_version)
      .Bind(8, static_cast<std::int64_t>(h.record_count)).Bind(9, from).Bind(10, now.seconds).Bind(11, state)
      .Bind(12, accepted).Bind(13, rejected).Bind(14, forward_to).BindBlob(15, bytes).BindBlob(16, sig);
  std::string attachments;
  for (const auto& a : h.attachments) attachments += (attachments.empty() ? "" : " ") + a;
  st->Bind(17, attachments);
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
                             const std::string& link, const std::vector<StoredEvent>& events) {
  std::lock_guard lock(m_mutex);
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
  if (auto s = InsertBatch(m_db, h, bytes, sig, "", now, "own", static_cast<std::int64_t>(events.size()), 0, link); !s) {
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

Result<std::vector<Store::OutboxItem>> ReadOutbox(sql::Stmt& q) {
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
    out.push_back(std::move(it));
  }
  return out;
}

constexpr const char* kOutboxSelect =
    "SELECT o.link, o.qseq, o.batch_id, o.attempts, b.origin, b.bytes, b.signature, b.attachments FROM outbox o "
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
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare(kOutboxSelect);
  if (!q) return q.error();
  q->Bind(1, link).Bind(2, static_cast<std::int64_t>(max));
  return ReadOutbox(*q);
}

Result<std::optional<std::string>> Store::QueuedBatchId(const std::string& link, std::uint64_t qseq) {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare("SELECT batch_id FROM outbox WHERE link = ?1 AND qseq = ?2 AND delivered_at IS NULL");
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

Result<exchange::Receipt> Store::ApplyBatch(const Incoming& in, const std::string& self) {
  std::lock_guard lock(m_mutex);
  const auto& h = in.header;
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
    auto q = m_db.Prepare("SELECT bytes, state FROM batches WHERE origin = ?1 AND stream = ?2 AND seq = ?3");
    if (!q) return q.error();
    q->Bind(1, h.origin).Bind(2, h.stream).Bind(3, static_cast<std::int64_t>(h.seq));
    auto row = q->Step();
    if (!row) return row.error();
    if (*row) {
      if (q->Text(0) != in.bytes) {
        return MakeError(Errc::kAlreadyExists, "a different batch " + h.batch_id +
                                                   " (same origin, stream and sequence) is held here already");
      }
      held_already = q->Text(1) == "held";
    }
    if (*row && !held_already) {
      receipt.status = "duplicate";
      auto ev = m_db.Prepare("SELECT 1 FROM events WHERE origin = ?1 AND seq = ?2");
      if (!ev) return ev.error();
      auto all = Drain(in);
      if (!all) return all.error();
      for (const auto& e : *all) {
        ev->Bind(1, e.event.origin).Bind(2, static_cast<std::int64_t>(e.event.seq));
        auto r = ev->Step();
        ev->Reset();
        if (r && *r) receipt.accepted.push_back(e.event.Id());
      }
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
  if (h.seq > next) {
    // Out of sequence: keep the bytes, apply when the gap fills.
    receipt.status = "held";
    if (held_already) return receipt;
    if (auto s = InsertBatch(m_db, h, in.bytes, in.signature, in.received_from, now, "held", 0, 0, in.forward_to); !s) {
      return s.error();
    }
    if (auto s = txn.Commit(); !s) return s.error();
    receipt.status = "held";
    return receipt;
  }

  if (held_already) {
    // It becomes an applied batch in this same transaction, never lost in between.
    auto del = m_db.Prepare("DELETE FROM batches WHERE batch_id = ?1 AND state = 'held'");
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
      "INSERT INTO rejections(batch_id, origin, event_id, rule, field, reason, at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!exists || !bump || !reject) return MakeError(Errc::kInternal, "prepare failed: " + m_db.ErrorMessage());
  std::set<std::string> registered_here;  // cases registered earlier in this batch
  std::set<std::string> touched;          // cases held before, with new events
  // Cases that begin in this batch: their projection needs no read-back.
  std::map<std::string, std::vector<const schema::Event*>> fresh;
  std::map<std::string, std::uint64_t> highest;  // per origin, for the origins table
  // Events stay put (pointers into `fresh`) while more arrive from the parser.
  std::deque<IncomingEvent> arrived(in.events.begin(), in.events.end());
  std::vector<IncomingEvent> chunk;
  bool ended = !in.more;
  for (std::size_t next_event = 0;; ++next_event) {
    while (next_event == arrived.size() && !ended) {
      chunk.clear();
      auto got = in.more(chunk);
      if (!got) return got.error();  // the transaction rolls back: nothing applied
      for (auto& c : chunk) arrived.push_back(std::move(c));
      ended = !*got;
    }
    if (next_event == arrived.size()) break;
    const IncomingEvent& ie = arrived[next_event];
    const auto& e = ie.event;
    const std::string id = e.Id();
    exchange::Rejection rej;
    if (!ie.violations.empty()) {
      const auto& v = ie.violations.front();
      rej = {id, v.rule, v.field, v.message};
    } else if (in.up && e.origin != h.origin) {
      rej = {id, "R3", "origin", "an up batch from " + h.origin + " carries only its own events, not one of " + e.origin};
    }
    bool stored_already = false;
    if (rej.rule.empty()) {
      exists->Bind(1, e.origin).Bind(2, static_cast<std::int64_t>(e.seq));
      auto row = exists->Step();
      if (!row) return row.error();
      if (*row) {
        stored_already = true;
        if (exists->Text(0) != ie.xml) {
          rej = {id, "R3", "", "event " + id + " differs from the event with that id held here"};
        }
      }
      exists->Reset();
    }
    if (rej.rule.empty() && !stored_already) {
      if (e.origin == self) {
        rej = {id, "R3", "origin", "event " + id + " claims to come from this node, which has no such event"};
      } else if (e.kind == schema::EventKind::kRegistration) {
        auto known = CaseExistsLocked(e.case_id);
        if (!known) return known.error();
        if (*known || registered_here.count(e.case_id)) {
          rej = {id, "R3", "case_id", "case " + e.case_id + " is registered here already by another event"};
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
    if (!rej.rule.empty()) {
      reject->Bind(1, h.batch_id).Bind(2, e.origin).Bind(3, id).Bind(4, rej.rule).Bind(5, rej.field)
          .Bind(6, rej.reason).Bind(7, now.seconds);
      if (auto s = reject->Run(); !s) return s.error();
      receipt.rejected.push_back(std::move(rej));
      continue;
    }
    receipt.accepted.push_back(id);
    if (stored_already) continue;
    if (auto s = InsertEventRow(e, ie.xml, now); !s) return s.error();
    std::uint64_t& high = highest[e.origin];
    high = std::max(high, e.seq);
    if (e.kind == schema::EventKind::kRegistration) {
      registered_here.insert(e.case_id);
      fresh[e.case_id].push_back(&e);
    } else if (registered_here.count(e.case_id)) {
      fresh[e.case_id].push_back(&e);
    } else {
      touched.insert(e.case_id);
    }
  }
  for (const auto& [origin, seq] : highest) {
    bump->Bind(1, origin).Bind(2, static_cast<std::int64_t>(seq));
    if (auto s = bump->Run(); !s) return s.error();
  }
  for (const auto& [case_id, list] : fresh) {
    std::vector<schema::Event> events;
    events.reserve(list.size());
    for (const auto* e : list) events.push_back(*e);
    // The fold orders as EventsOfCase does: registration first, then by time.
    std::stable_sort(events.begin() + 1, events.end(), [](const schema::Event& a, const schema::Event& b) {
      return std::tie(a.occurred_at, a.recorded_at, a.origin, a.seq) <
             std::tie(b.occurred_at, b.recorded_at, b.origin, b.seq);
    });
    if (auto s = WriteProjection(case_id, Project(events)); !s) return s.error();
  }
  for (const auto& case_id : touched) {
    if (auto s = RefreshProjection(case_id); !s) return s.error();
  }
  if (auto s = SetNextSeq(m_db, h.origin, h.stream, h.seq + 1); !s) return s.error();
  if (auto s = InsertBatch(m_db, h, in.bytes, in.signature, in.received_from, now, "applied",
                           static_cast<std::int64_t>(receipt.accepted.size()),
                           static_cast<std::int64_t>(receipt.rejected.size()), in.forward_to);
      !s) {
    return s.error();
  }
  if (!in.forward_to.empty()) {
    if (auto s = Enqueue(m_db, in.forward_to, h.batch_id, now); !s) return s.error();
  }
  if (auto s = txn.Commit(); !s) return s.error();
  return receipt;
}

Result<std::optional<Store::HeldBatch>> Store::NextHeld(const std::string& origin, const std::string& stream) {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare(
      "SELECT b.batch_id, b.received_from, b.forward_to, b.bytes, b.signature FROM batches b "
      "JOIN streams s ON s.origin = b.origin AND s.stream = b.stream AND s.next_seq = b.seq "
      "WHERE b.origin = ?1 AND b.stream = ?2 AND b.state = 'held'");
  if (!q) return q.error();
  q->Bind(1, origin).Bind(2, stream);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<HeldBatch>();
  // The held row stays until ApplyBatch replaces it, in one transaction.
  return std::optional<HeldBatch>(HeldBatch{q->Text(0), q->Text(1), q->Text(2), q->Text(3), q->Text(4)});
}

std::vector<Store::LinkStatus> Store::Links() {
  std::lock_guard lock(m_mutex);
  std::vector<LinkStatus> out;
  auto q = m_db.Prepare(
      "SELECT link, sum(delivered_at IS NULL), sum(delivered_at IS NOT NULL), max(delivered_at), "
      "(SELECT last_error FROM outbox o2 WHERE o2.link = o.link AND o2.delivered_at IS NULL ORDER BY qseq LIMIT 1) "
      "FROM outbox o GROUP BY link ORDER BY link",
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
  std::lock_guard lock(m_mutex);
  std::vector<StreamGap> out;
  auto q = m_db.Prepare(
      "SELECT b.origin, b.stream, coalesce(s.next_seq, 1), count(*), min(b.stored_at) FROM batches b "
      "LEFT JOIN streams s ON s.origin = b.origin AND s.stream = b.stream WHERE b.state = 'held' "
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

Result<std::pair<std::string, std::string>> Store::BatchBytes(const std::string& batch_id) {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare("SELECT bytes, signature FROM batches WHERE batch_id = ?1", false);
  if (!q) return q.error();
  q->Bind(1, batch_id);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return MakeError(Errc::kNotFound, "no batch " + batch_id);
  return std::make_pair(q->Text(0), q->Text(1));
}

}  // namespace xf::node

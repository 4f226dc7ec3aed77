// Store: the trust part — parked batches (their origin's key not yet
// known), refusals charged to the sender, what a batch was refused for, and
// the proofs that let an event of another origin go down (exchange/proof.h).
#include <system_error>

#include "exchange/crypto.h"
#include "node/store.h"

namespace xf::node {

Status Store::ParkBatch(const Parking& p) {
  std::lock_guard lock(m_mutex);
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began();
  {
    auto q = m_db.Prepare("SELECT state, bytes_sha256 FROM batches WHERE batch_id = ?1 OR "
                          "(origin = ?2 AND stream = ?3 AND seq = ?4)");
    if (!q) return q.error();
    q->Bind(1, p.batch_id).Bind(2, p.origin).Bind(3, p.stream).Bind(4, static_cast<std::int64_t>(p.seq));
    auto row = q->Step();
    if (!row) return row.error();
    if (*row) {
      if (q->Text(0) == "parked" && q->Text(1) == p.bytes_sha256) return {};  // the same, sent again
      return MakeError(Errc::kAlreadyExists, "a different batch " + p.batch_id + " is " +
                                                 (q->Text(0) == "parked" ? "parked" : "held") + " here already");
    }
  }
  std::string file;
  if (!p.bytes_file.empty()) {
    Incoming in;
    in.header.batch_id = p.batch_id;
    in.bytes_file = p.bytes_file;
    auto placed = PlaceBatchFile(in);
    if (!placed) return placed.error();
    file = *placed;
  }
  auto st = m_db.Prepare(
      "INSERT INTO batches(batch_id, origin, stream, seq, destination, created, code_version, record_count, "
      "received_from, stored_at, state, bytes, signature, bytes_file, bytes_sha256, events_sig, note) "
      "VALUES(?1, ?2, ?3, ?4, '', 0, '', 0, ?5, ?6, 'parked', ?7, ?8, ?9, ?10, ?11, ?12)");
  if (!st) return st.error();
  st->Bind(1, p.batch_id).Bind(2, p.origin).Bind(3, p.stream).Bind(4, static_cast<std::int64_t>(p.seq))
      .Bind(5, p.received_from).Bind(6, m_clock.Now().seconds)
      .BindBlob(7, file.empty() ? std::string_view(p.bytes) : std::string_view("", 0))
      .BindBlob(8, p.signature).Bind(9, file).Bind(10, p.bytes_sha256).BindBlob(11, p.events_signature)
      .Bind(12, p.reason.substr(0, 1000));
  if (auto s = st->Run(); !s) return s;
  return txn.Commit();
}

Result<std::vector<Store::ParkedBatch>> Store::ParkedBatches(const std::string& origin) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT batch_id, origin, stream, seq, received_from, note, bytes, signature, events_sig, bytes_sha256, "
      "bytes_file, stored_at FROM batches WHERE state = 'parked' AND (?1 = '' OR origin = ?1) "
      "ORDER BY origin, stream, seq",
      false);
  if (!q) return q.error();
  q->Bind(1, origin);
  std::vector<ParkedBatch> out;
  for (;;) {
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) break;
    ParkedBatch b;
    b.batch_id = q->Text(0);
    b.origin = q->Text(1);
    b.stream = q->Text(2);
    b.seq = static_cast<std::uint64_t>(q->Int(3));
    b.received_from = q->Text(4);
    b.reason = q->Text(5);
    b.bytes = q->Text(6);
    b.signature = q->Text(7);
    b.events_signature = q->Text(8);
    b.bytes_sha256 = q->Text(9);
    if (const std::string file = q->Text(10); !file.empty()) b.bytes_file = m_batch_dir / file;
    b.since = Instant{q->Int(11)};
    out.push_back(std::move(b));
  }
  return out;
}

Status Store::DropParked(const std::string& batch_id) {
  std::lock_guard lock(m_mutex);
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began();
  std::string file;
  {
    auto q = m_db.Prepare("SELECT bytes_file FROM batches WHERE batch_id = ?1 AND state = 'parked'");
    if (!q) return q.error();
    q->Bind(1, batch_id);
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) return {};
    file = q->Text(0);
  }
  auto del = m_db.Prepare("DELETE FROM batches WHERE batch_id = ?1 AND state = 'parked'");
  if (!del) return del.error();
  del->Bind(1, batch_id);
  if (auto s = del->Run(); !s) return s;
  bool still_used = false;
  if (!file.empty()) {
    auto q = m_db.Prepare("SELECT 1 FROM batches WHERE bytes_file = ?1");
    if (!q) return q.error();
    q->Bind(1, file);
    auto row = q->Step();
    if (!row) return row.error();
    still_used = *row;
  }
  if (auto s = txn.Commit(); !s) return s;
  if (!file.empty() && !still_used) {
    std::error_code ec;
    std::filesystem::remove(m_batch_dir / file, ec);
  }
  return {};
}

std::vector<Store::ParkedGroup> Store::Parked() {
  auto rd = Reader();
  if (!rd) return {};
  std::vector<ParkedGroup> out;
  auto q = (*rd)->db.Prepare(
      "SELECT origin, stream, count(*), min(seq), min(stored_at), "
      "(SELECT note FROM batches b2 WHERE b2.origin = b.origin AND b2.stream = b.stream AND b2.state = 'parked' "
      " ORDER BY seq DESC LIMIT 1) "
      "FROM batches b WHERE state = 'parked' GROUP BY origin, stream ORDER BY origin, stream",
      false);
  if (!q) return out;
  for (;;) {
    auto row = q->Step();
    if (!row || !*row) break;
    ParkedGroup g;
    g.origin = q->Text(0);
    g.stream = q->Text(1);
    g.batches = static_cast<std::uint64_t>(q->Int(2));
    g.first_seq = static_cast<std::uint64_t>(q->Int(3));
    g.since = Instant{q->Int(4)};
    g.reason = q->Text(5);
    out.push_back(std::move(g));
  }
  return out;
}

Status Store::RecordRefusal(const std::string& batch_id, const std::string& origin, const std::string& charged_to,
                            const exchange::Rejection& r) {
  std::lock_guard lock(m_mutex);
  auto st = m_db.Prepare(
      "INSERT INTO rejections(batch_id, origin, event_id, rule, field, reason, at, charged_to) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  if (!st) return st.error();
  st->Bind(1, batch_id).Bind(2, origin).Bind(3, r.event_id).Bind(4, r.rule).Bind(5, r.field)
      .Bind(6, r.reason.substr(0, 2000)).Bind(7, m_clock.Now().seconds).Bind(8, charged_to);
  return st->Run();
}

Result<std::optional<Store::BatchRecord>> Store::FindBatch(const std::string& batch_id) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT batch_id, origin, stream, state, received_from, forward_to, note, seq, accepted, rejected, stored_at "
      "FROM batches WHERE batch_id = ?1",
      false);
  if (!q) return q.error();
  q->Bind(1, batch_id);
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<BatchRecord>();
  BatchRecord b;
  b.batch_id = q->Text(0);
  b.origin = q->Text(1);
  b.stream = q->Text(2);
  b.state = q->Text(3);
  b.received_from = q->Text(4);
  b.forward_to = q->Text(5);
  b.note = q->Text(6);
  b.seq = static_cast<std::uint64_t>(q->Int(7));
  b.accepted = static_cast<std::uint64_t>(q->Int(8));
  b.rejected = static_cast<std::uint64_t>(q->Int(9));
  b.stored_at = Instant{q->Int(10)};
  return std::optional<BatchRecord>(std::move(b));
}

Result<std::vector<Store::RecordedRejection>> Store::RejectionsOf(const std::string& batch_id) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT event_id, rule, field, reason, CASE WHEN charged_to = '' THEN origin ELSE charged_to END, at "
      "FROM rejections WHERE batch_id = ?1 ORDER BY rowid",
      false);
  if (!q) return q.error();
  q->Bind(1, batch_id);
  std::vector<RecordedRejection> out;
  for (;;) {
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({{q->Text(0), q->Text(1), q->Text(2), q->Text(3)}, q->Text(4), Instant{q->Int(5)}});
  }
  return out;
}

Result<std::vector<Store::HeldReceipt>> Store::ReceiptsOf(const std::string& batch_id) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT link, delivered_at, coalesce(receipt, ''), last_error FROM outbox WHERE batch_id = ?1 ORDER BY link",
      false);
  if (!q) return q.error();
  q->Bind(1, batch_id);
  std::vector<HeldReceipt> out;
  for (;;) {
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) break;
    HeldReceipt r;
    r.link = q->Text(0);
    if (!q->IsNull(1)) r.delivered_at = Instant{q->Int(1)};
    r.receipt_xml = q->Text(2);
    r.last_error = q->Text(3);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<std::string>> Store::StoredProof(const std::string& origin, std::uint64_t seq) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare("SELECT proof FROM event_proofs WHERE origin = ?1 AND seq = ?2", false);
  if (!q) return q.error();
  q->Bind(1, origin).Bind(2, static_cast<std::int64_t>(seq));
  auto row = q->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(q->Text(0));
}

Result<std::vector<Store::Carrier>> Store::CarriersOf(const std::string& origin, std::uint64_t seq) {
  auto rd = Reader();
  if (!rd) return rd.error();
  auto q = (*rd)->db.Prepare(
      "SELECT batch_id, bytes, bytes_file, events_sig FROM batches "
      "WHERE origin = ?1 AND last_seq >= ?2 AND first_seq <= ?2 AND events_sig <> '' "
      "AND state IN ('own', 'applied') ORDER BY last_seq LIMIT 4",
      false);
  if (!q) return q.error();
  q->Bind(1, origin).Bind(2, static_cast<std::int64_t>(seq));
  std::vector<Carrier> out;
  for (;;) {
    auto row = q->Step();
    if (!row) return row.error();
    if (!*row) break;
    Carrier c;
    c.batch_id = q->Text(0);
    c.bytes = q->Text(1);
    if (const std::string file = q->Text(2); !file.empty()) c.bytes_file = m_batch_dir / file;
    c.events_signature = q->Text(3);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace xf::node

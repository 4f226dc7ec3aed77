// Store: duplicates across the hierarchy (判重, issue 11 phase 2) — the blind
// index under the system key (dedup_blind, migration 13), the answers to the
// questions of the levels below, the arrivals a node with children checks,
// and the duplicate notices held on a case. The matching is dedup/
// (dedup/README.md, "Phase 2"); the exchange of questions and notices is
// node/dedup_exchange.h.
#include <algorithm>

#include "exchange/routing.h"
#include "node/store.h"
#include "node/store_dedup_rows.h"

namespace xf::node {

namespace {

constexpr const char* kStateKey = "blind_key";
constexpr const char* kStateChecked = "checked_upto";
constexpr const char* kStateBlindUpto = "blind_upto";

Result<std::optional<std::string>> ReadState(sql::Db& db, const char* name) {
  auto q = db.Prepare("SELECT value FROM dedup_state WHERE name = ?1", false);
  if (!q) return q.error();
  q->Bind(1, std::string_view(name));
  auto r = q->Step();
  if (!r) return r.error();
  if (!*r) return std::optional<std::string>();
  return std::optional<std::string>(q->Text(0));
}

Status WriteState(sql::Db& db, const char* name, const std::string& value) {
  auto q = db.Prepare("INSERT OR REPLACE INTO dedup_state(name, value) VALUES(?1, ?2)", false);
  if (!q) return q.error();
  q->Bind(1, std::string_view(name)).Bind(2, value);
  return q->Run();
}

// Indexes blind at most `max` cases of dedup_cases with an id above
// `after`; answers the last id indexed (`after` when none).
Result<std::int64_t> IndexBlindAfter(sql::Db& db, std::int64_t after, std::size_t max, const dedup::BlindKey& key) {
  auto rows = db.Prepare(
      "SELECT id, case_id, node, received_date, category, place, persons, summary, requests FROM dedup_cases "
      "WHERE id > ?1 ORDER BY id LIMIT ?2",
      false);
  auto ins = db.Prepare("INSERT OR IGNORE INTO dedup_blind(key, id) VALUES(?1, ?2)", false);
  if (!rows) return rows.error();
  if (!ins) return ins.error();
  rows->Bind(1, after).Bind(2, static_cast<std::int64_t>(max));
  std::int64_t last = after;
  for (;;) {
    auto r = rows->Step();
    if (!r) return r.error();
    if (!*r) break;
    const dedup::Features f = detail::RowFeatures(*rows, 1);
    last = rows->Int(0);
    if (auto s = detail::WriteBlind(*ins, f, last, key); !s) return s.error();
  }
  return last;
}

}  // namespace

Status Store::SetBlindKey(std::shared_ptr<const dedup::BlindKey> key) {
  std::lock_guard lock(m_mutex);
  if (key && !m_children.empty()) {
    auto held = ReadState(m_db, kStateKey);
    if (!held) return held.error();
    if (!*held || **held != key->Id()) {
      // Under another key or none: made again from the first case, by IndexBlindPending.
      sql::Txn txn(m_db);
      if (!txn.Began()) return txn.Began();
      if (auto s = m_db.Exec("DELETE FROM dedup_blind"); !s) return s;
      if (auto s = WriteState(m_db, kStateKey, key->Id()); !s) return s;
      if (auto s = WriteState(m_db, kStateBlindUpto, "0"); !s) return s;
      if (auto s = txn.Commit(); !s) return s;
    }
  }
  m_blind = std::move(key);
  return {};
}

Result<std::size_t> Store::IndexBlindPending(std::size_t max) {
  std::lock_guard lock(m_mutex);
  if (!m_blind || m_children.empty()) return std::size_t{0};
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began().error();
  auto upto = ReadState(m_db, kStateBlindUpto);
  if (!upto) return upto.error();
  const std::int64_t after = *upto ? std::stoll(**upto) : 0;
  auto last = IndexBlindAfter(m_db, after, max, *m_blind);
  if (!last) return last.error();
  if (*last == after) return std::size_t{0};
  if (auto s = WriteState(m_db, kStateBlindUpto, std::to_string(*last)); !s) return s.error();
  if (auto s = txn.Commit(); !s) return s.error();
  return static_cast<std::size_t>(*last - after);  // ids, near enough the cases (a few ids may be gone)
}

std::shared_ptr<const dedup::BlindKey> Store::BlindKey() const {
  std::lock_guard lock(const_cast<WriterLock&>(m_mutex));
  return m_blind;
}

Result<std::int64_t> Store::BlindIndexed() {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare("SELECT count(DISTINCT id) FROM dedup_blind", false);
  if (!q) return q.error();
  auto r = q->Step();
  if (!r) return r.error();
  return q->Int(0);
}

Status Store::ReadyForBlindReads(const dedup::BlindKey& key) {
  if (auto s = ReadyForDuplicateReads(); !s) return s;
  if (!m_dr.by_blind.get()) {
    struct Def {
      sql::Stmt* stmt;
      const char* sql;
    };
    const Def defs[] = {
        {&m_dr.by_blind, "SELECT id FROM dedup_blind WHERE key = ?1 ORDER BY id DESC LIMIT ?2"},
        {&m_dr.blind_row,
         "SELECT d.case_id, d.node, d.received_date, d.category, d.place, d.persons, d.summary, d.requests, "
         "coalesce(c.status, '') FROM dedup_cases d LEFT JOIN cases c ON c.case_id = d.case_id WHERE d.id = ?1"},
        {&m_dr.blind_timeline,
         "SELECT d.case_id, d.node, d.received_date, d.category, d.place, d.persons, coalesce(c.state, '{}') "
         "FROM dedup_blind b JOIN dedup_cases d ON d.id = b.id LEFT JOIN cases c ON c.case_id = d.case_id "
         "WHERE b.key = ?1 ORDER BY d.received_date, d.id LIMIT ?2"},
    };
    for (const auto& d : defs) {
      auto s = m_read->Prepare(d.sql);
      if (!s) return s.error();
      *d.stmt = std::move(s).value();
    }
  }
  if (!m_blind_weights || m_blind_weights_of != m_weights.get() || m_blind_weights_key != key.Id()) {
    m_blind_weights = std::make_shared<const dedup::BigramWeights>(m_weights->Rehashed(key));
    m_blind_weights_of = m_weights.get();
    m_blind_weights_key = key.Id();
  }
  return {};
}

Result<std::vector<Store::RemoteCandidate>> Store::FindBlind(const dedup::wire::Question& q,
                                                             const dedup::BlindKey& key) {
  if (q.key_id != key.Id()) {
    return MakeError(Errc::kInvalidArgument,
                     "the question is made with system key '" + q.key_id + "', this node holds '" + key.Id() + "'");
  }
  std::lock_guard lock(m_read_mutex);
  if (auto s = ReadyForBlindReads(key); !s) return s.error();
  auto ids = RetrieveLocked(m_dr.by_blind, q.keys, q.broad_keys, m_dr.by_blind, q.terms.size(),
                            [&](sql::Stmt& st, std::size_t i) { st.Bind(1, q.terms[i]); });
  if (!ids) return ids.error();
  const dedup::Query query(q.prepared, m_blind_weights.get());
  std::vector<RemoteCandidate> out;
  for (const auto id : *ids) {
    auto& row = m_dr.blind_row;
    row.Bind(1, id);
    auto r = row.Step();
    if (!r) {
      row.Reset();
      return r.error();
    }
    if (!*r) {
      row.Reset();
      continue;
    }
    dedup::Features c = detail::RowFeatures(row);
    std::string status = row.Text(8);
    row.Reset();
    if (!q.case_id.empty() && c.case_id == q.case_id) continue;
    // The asker's subtree it searched itself; its own cases it knows.
    if (!q.exclude.empty() && (c.node == q.exclude || exchange::InSubtree(q.exclude, c.node))) continue;
    dedup::Match m = query.Against(dedup::Prepare(c, key));
    if (m.decision == dedup::Decision::kNone) continue;
    out.push_back({{std::move(c.case_id), std::move(c.node), c.received_date, std::move(m)}, std::move(status)});
  }
  std::sort(out.begin(), out.end(), [](const RemoteCandidate& a, const RemoteCandidate& b) {
    if (a.candidate.match.score != b.candidate.match.score) return a.candidate.match.score > b.candidate.match.score;
    if (a.candidate.received_date != b.candidate.received_date) return a.candidate.received_date < b.candidate.received_date;
    return a.candidate.case_id < b.candidate.case_id;
  });
  if (out.size() > q.limit) out.resize(q.limit);
  return out;
}

Result<std::vector<Store::PetitionerCase>> Store::CasesOfBlindId(std::int64_t id, const dedup::BlindKey& key,
                                                                  std::string_view exclude, std::size_t limit) {
  std::lock_guard lock(m_read_mutex);
  if (auto s = ReadyForBlindReads(key); !s) return s.error();
  std::vector<PetitionerCase> out;
  auto& q = m_dr.blind_timeline;
  q.Bind(1, id).Bind(2, static_cast<std::int64_t>(limit));
  for (;;) {
    auto r = q.Step();
    if (!r) {
      q.Reset();
      return r.error();
    }
    if (!*r) break;
    // The key is a keyed hash: keep only the cases whose petitioner has it.
    const auto persons = dedup::DecodePersons(q.Text(5));
    if (std::none_of(persons.begin(), persons.end(), [&](const dedup::Person& p) {
          return !p.id18.empty() && dedup::IdKey(p.id18, key) == id;
        })) {
      continue;
    }
    PetitionerCase pc;
    pc.case_id = q.Text(0);
    pc.node = q.Text(1);
    if (!exclude.empty() && (pc.node == exclude || exchange::InSubtree(exclude, pc.node))) continue;
    pc.received_date = Date::Parse(q.Text(2)).value_or(Date{});
    pc.content_category = q.Text(3);
    pc.problem_place = q.Text(4);
    pc.state_json = q.Text(6);
    out.push_back(std::move(pc));
  }
  q.Reset();
  return out;
}

Result<std::vector<Store::Arrival>> Store::ArrivalsAfter(std::int64_t after, std::size_t max) {
  std::lock_guard lock(m_read_mutex);
  if (auto s = ReadyForDuplicateReads(); !s) return s.error();
  auto q = m_read->Prepare(
      "SELECT id, case_id, node, received_date, category, place, persons, summary, requests FROM dedup_cases "
      "WHERE id > ?1 ORDER BY id LIMIT ?2",
      false);
  if (!q) return q.error();
  q->Bind(1, after).Bind(2, static_cast<std::int64_t>(max));
  std::vector<Arrival> out;
  for (;;) {
    auto r = q->Step();
    if (!r) return r.error();
    if (!*r) break;
    out.push_back({q->Int(0), detail::RowFeatures(*q, 1)});
  }
  return out;
}

Result<std::int64_t> Store::CheckedUpto() {
  std::lock_guard lock(m_mutex);
  auto v = ReadState(m_db, kStateChecked);
  if (!v) return v.error();
  if (!*v) return std::int64_t{-1};
  return static_cast<std::int64_t>(std::stoll(**v));
}

Status Store::SetCheckedUpto(std::int64_t upto) {
  std::lock_guard lock(m_mutex);
  return WriteState(m_db, kStateChecked, std::to_string(upto));
}

Result<std::size_t> Store::AppendNotices(std::vector<schema::Event> notices, const std::string& node_id,
                                         std::int64_t checked_upto, std::size_t* left_out) {
  std::lock_guard lock(m_mutex);
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began().error();
  std::size_t stored = 0, skipped = 0;
  for (auto& e : notices) {
    auto known = CaseExistsLocked(e.case_id);
    if (!known) return known.error();
    if (!*known) {
      ++skipped;
      continue;
    }
    e.origin = node_id;
    e.recorded_at = m_clock.Now();
    if (e.occurred_at.seconds == 0) e.occurred_at = e.recorded_at;
    auto held = EventsOfCase(e.case_id);
    if (!held) return held.error();
    std::vector<schema::Event> history;
    history.reserve(held->size());
    for (auto& se : *held) history.push_back(std::move(se.event));
    if (!ChronologyLocked(history, e, true).empty()) {
      ++skipped;
      continue;
    }
    if (auto xml = AppendLocked(e); !xml) return xml.error();
    ++stored;
  }
  if (auto s = WriteState(m_db, kStateChecked, std::to_string(checked_upto)); !s) return s.error();
  if (auto s = txn.Commit(); !s) return s.error();
  if (left_out != nullptr) *left_out = skipped;
  return stored;
}

Result<std::int64_t> Store::NewestIndexed() {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare("SELECT coalesce(max(id), 0) FROM dedup_cases", false);
  if (!q) return q.error();
  auto r = q->Step();
  if (!r) return r.error();
  return q->Int(0);
}

Result<std::vector<Store::DuplicateCandidate>> Store::FindFeatures(const dedup::Features& f, std::size_t limit,
                                                                   const NodeFilter& keep) {
  std::lock_guard lock(m_read_mutex);
  if (auto s = ReadyForDuplicateReads(); !s) return s.error();
  return FindLocked(f, limit, keep);
}

Result<std::string> Store::StatusOf(std::string_view case_id) {
  std::lock_guard lock(m_mutex);
  auto q = m_db.Prepare("SELECT status FROM cases WHERE case_id = ?1", false);
  if (!q) return q.error();
  q->Bind(1, case_id);
  auto r = q->Step();
  if (!r) return r.error();
  return *r ? q->Text(0) : std::string();
}

Result<std::vector<Store::Notice>> Store::NoticesOf(std::string_view case_id) {
  std::lock_guard lock(m_mutex);
  auto events = EventsOfCase(case_id);
  if (!events) return events.error();
  std::vector<Notice> out;
  for (auto& se : *events) {
    if (se.event.kind != schema::EventKind::kDuplicateNotice) continue;
    const auto* n = std::get_if<schema::DuplicateNotice>(&se.event.body);
    if (n == nullptr) continue;
    out.push_back({se.event.Id(), *n, se.event.occurred_at});
  }
  return out;
}

}  // namespace xf::node

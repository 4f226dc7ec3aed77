// Store: the duplicate index (判重) — writing it with every projection, and
// finding candidates. The matching itself is dedup/ (dedup/README.md).
//
// Tables (migration 9): dedup_cases (one row per case: its normalised
// features and a fingerprint of the fields they come from), dedup_keys
// (petitioner keys → case, hashes only) and dedup_terms (FTS5 over the
// county-prefixed trigram sample of summary and requests, contentless).
// IndexTerms and PersonKeys are part of the stored format: the old terms and
// keys of a case are recomputed from its stored features to take them out, so
// changing either needs a migration that rebuilds the index.
#include <sqlite3.h>

#include <algorithm>
#include <cmath>

#include "dedup/normalize.h"
#include "node/projection.h"
#include "node/store.h"
#include "node/store_dedup_rows.h"
#include "schema/xml.h"

namespace xf::node {

namespace {

// Retrieval bounds: per key (fewer for a broad key), per term, and the text
// candidates kept for ranking (those sharing the most, rarest terms). A check
// reads at most keys × kPerKey + terms × kPerTerm postings and ranks at most
// keys × kPerKey + kTextCandidates cases, whatever the store's size.
constexpr std::int64_t kPerKey = 200;
constexpr std::int64_t kPerBroadKey = 40;  // name + county, name + address: many share them
constexpr std::int64_t kPerTerm = 250;
constexpr std::size_t kTextCandidates = 40;
// The bigram weights: from the newest kWeightSample cases, made again when
// the index has grown by a tenth and a hundred cases since (so a young node's
// weights follow it closely, a national node's every million cases or so).
constexpr std::int64_t kWeightSample = 20000;

Status PrepareWrite(sql::Db& db, Store::DedupWrite& w, bool persistent) {
  struct Def {
    sql::Stmt* stmt;
    const char* sql;
  };
  const Def defs[] = {
      {&w.find, "SELECT id, fingerprint, persons, summary, requests, place FROM dedup_cases WHERE case_id = ?1"},
      {&w.insert,
       "INSERT INTO dedup_cases(case_id, node, received_date, category, place, persons, summary, requests, fingerprint) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
      {&w.update,
       "UPDATE dedup_cases SET case_id = ?1, node = ?2, received_date = ?3, category = ?4, place = ?5, persons = ?6, "
       "summary = ?7, requests = ?8, fingerprint = ?9 WHERE id = ?10"},
      {&w.insert_key, "INSERT OR IGNORE INTO dedup_keys(key, id) VALUES(?1, ?2)"},
      {&w.delete_key, "DELETE FROM dedup_keys WHERE key = ?1 AND id = ?2"},
      {&w.insert_terms, "INSERT INTO dedup_terms(rowid, terms) VALUES(?1, ?2)"},
      {&w.delete_terms, "INSERT INTO dedup_terms(dedup_terms, rowid, terms) VALUES('delete', ?1, ?2)"},
  };
  for (const auto& d : defs) {
    auto s = db.Prepare(d.sql, persistent);
    if (!s) return s.error();
    *d.stmt = std::move(s).value();
  }
  return {};
}

// The registration's fields the index is made of, as written.
std::int64_t Fingerprint(const schema::CaseRegistration& c) {
  std::string s;
  auto add = [&](std::string_view v) {
    s.append(v);
    s.push_back('\x1f');
  };
  add(c.registering_body);
  add(std::to_string(c.received_date.DaysSinceEpoch()));
  add(c.content_category);
  add(c.problem_place);
  add(c.summary);
  add(c.requests);
  for (const auto& p : c.petitioners) {
    add(p.id_number);
    add(p.name);
    add(p.phone);
    add(p.address);
    s.push_back('\x1e');
  }
  return dedup::StableHash(s);
}

Store::DedupEntry MakeEntry(const schema::CaseRegistration& c, std::int64_t fingerprint) {
  Store::DedupEntry e;
  e.fingerprint = fingerprint;
  e.features = dedup::Extract(c);
  e.persons = dedup::EncodePersons(e.features.persons);
  e.keys = dedup::PersonKeys(e.features);
  e.terms = dedup::JoinTerms(dedup::IndexTerms(e.features));
  return e;
}

}  // namespace

std::shared_ptr<const Store::DedupEntry> Store::PrepareDedupEntry(const schema::CaseRegistration& c) {
  return std::make_shared<const DedupEntry>(MakeEntry(c, Fingerprint(c)));
}

// The blind index's numbers of a case (store_dedup_system.cc): its
// petitioner keys and its text's index terms under the system key.
std::vector<std::int64_t> detail::BlindNumbers(const dedup::Features& f, const dedup::BlindKey& key) {
  std::vector<std::int64_t> out = dedup::PersonKeys(f, key);
  const auto terms = dedup::HashTerms(dedup::IndexTerms(f), key);
  out.insert(out.end(), terms.begin(), terms.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status detail::WriteBlind(sql::Stmt& st, const dedup::Features& f, std::int64_t id, const dedup::BlindKey& key) {
  for (const auto n : BlindNumbers(f, key)) {
    st.Bind(1, n).Bind(2, id);
    if (auto s = st.Run(); !s) return s;
  }
  return {};
}

namespace {

// Inserts or replaces the case's entry, unless what it is made of is unchanged.
// With `blind` (a node with children holding the system key), a replaced
// entry's blind index entries too; a new case is indexed blind after the
// commit, by the dedup worker (Store::IndexBlindPending), off the apply path.
// REQUIRES: inside a transaction.
Status Index(Store::DedupWrite& w, const std::string& case_id, const schema::CaseRegistration& body,
             const dedup::BlindKey* blind = nullptr, const Store::DedupEntry* prepared = nullptr) {
  const std::int64_t fingerprint = Fingerprint(body);
  w.find.Bind(1, case_id);
  auto row = w.find.Step();
  if (!row) {
    w.find.Reset();
    return row.error();
  }
  std::int64_t id = 0;
  const bool replaced = *row;
  if (*row) {
    if (w.find.Int(1) == fingerprint) {
      w.find.Reset();
      return {};
    }
    // Changed (a correction): the old keys and terms out first.
    id = w.find.Int(0);
    dedup::Features old;
    old.persons = dedup::DecodePersons(w.find.Text(2));
    old.summary = w.find.Text(3);
    old.requests = w.find.Text(4);
    old.place = w.find.Text(5);
    w.find.Reset();
    for (const auto key : dedup::PersonKeys(old)) {
      w.delete_key.Bind(1, key).Bind(2, id);
      if (auto s = w.delete_key.Run(); !s) return s;
    }
    if (const std::string terms = dedup::JoinTerms(dedup::IndexTerms(old)); !terms.empty()) {
      w.delete_terms.Bind(1, id).Bind(2, terms);
      if (auto s = w.delete_terms.Run(); !s) return s;
    }
    if (blind != nullptr) {
      if (auto s = detail::WriteBlind(w.delete_blind, old, id, *blind); !s) return s;
    }
  } else {
    w.find.Reset();
  }
  // Made before the apply (on the parser thread) when it is of these fields.
  Store::DedupEntry made;
  const Store::DedupEntry* entry = prepared;
  if (entry == nullptr || entry->fingerprint != fingerprint) {
    made = MakeEntry(body, fingerprint);
    entry = &made;
  }
  const dedup::Features& f = entry->features;
  sql::Stmt& st = id ? w.update : w.insert;
  st.Bind(1, case_id)
      .Bind(2, f.node)
      .Bind(3, f.received_date.ToString())
      .Bind(4, f.category)
      .Bind(5, f.place)
      .Bind(6, entry->persons)
      .Bind(7, f.summary)
      .Bind(8, f.requests)
      .Bind(9, fingerprint);
  if (id) st.Bind(10, id);
  if (auto s = st.Run(); !s) return s;
  if (!id) id = sqlite3_last_insert_rowid(sqlite3_db_handle(w.insert.get()));
  for (const auto key : entry->keys) {
    w.insert_key.Bind(1, key).Bind(2, id);
    if (auto s = w.insert_key.Run(); !s) return s;
  }
  if (!entry->terms.empty()) {
    w.insert_terms.Bind(1, id).Bind(2, entry->terms);
    if (auto s = w.insert_terms.Run(); !s) return s;
  }
  if (blind != nullptr && replaced) {
    if (auto s = detail::WriteBlind(w.insert_blind, f, id, *blind); !s) return s;
  }
  return {};
}

}  // namespace

Status Store::PrepareDedupStatements() {
  if (auto s = PrepareWrite(m_db, m_dw, true); !s) return s;
  // The blind index (migration 13; store_dedup_system.cc).
  auto ins = m_db.Prepare("INSERT OR IGNORE INTO dedup_blind(key, id) VALUES(?1, ?2)");
  auto del = m_db.Prepare("DELETE FROM dedup_blind WHERE key = ?1 AND id = ?2");
  if (!ins) return ins.error();
  if (!del) return del.error();
  m_dw.insert_blind = std::move(ins).value();
  m_dw.delete_blind = std::move(del).value();
  return {};
}

void Store::SetDuplicateIndexForBench(bool on) {
  std::lock_guard lock(m_mutex);
  m_dedup_index = on;
}

Status Store::BulkIndexForBench(const std::vector<schema::CaseRegistration>& regs) {
  std::lock_guard lock(m_mutex);
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began();
  for (const auto& c : regs) {
    if (auto s = Index(m_dw, c.case_id, c); !s) return s;
  }
  return txn.Commit();
}

Status Store::IndexForDuplicates(const std::string& case_id, const schema::CaseRegistration& body) {
  if (!m_dedup_index) return {};
  return Index(m_dw, case_id, body, m_blind && !m_children.empty() ? m_blind.get() : nullptr, m_dedup_entry);
}

Status Store::IndexAllForDuplicates(sql::Db& db) {
  DedupWrite w;
  if (auto s = PrepareWrite(db, w, false); !s) return s;
  // In the order they were stored, so ids (and the terms' rowids) follow it.
  auto regs = db.Prepare("SELECT case_id, xml FROM events WHERE kind = 'registration' ORDER BY rowid", false);
  auto corrected = db.Prepare("SELECT 1 FROM events WHERE case_id = ?1 AND kind = 'correction' LIMIT 1", false);
  auto all = db.Prepare(
      "SELECT xml FROM events WHERE case_id = ?1 "
      "ORDER BY kind <> 'registration', occurred_at, recorded_at, origin, seq",
      false);
  if (!regs) return regs.error();
  if (!corrected) return corrected.error();
  if (!all) return all.error();
  auto parse = [](const std::string& xml) -> Result<schema::Event> {
    schema::Violations v;
    auto e = schema::EventFromXml(xml, v);
    if (!e) return MakeError(Errc::kCorruption, "a stored event does not parse: " + e.error().message);
    return e;
  };
  for (;;) {
    auto row = regs->Step();
    if (!row) return row.error();
    if (!*row) break;
    const std::string case_id = regs->Text(0);
    auto reg = parse(regs->Text(1));
    if (!reg) return reg.error();
    schema::CaseRegistration body = std::get<schema::CaseRegistration>(reg->body);
    corrected->Bind(1, case_id);
    auto has = corrected->Step();
    corrected->Reset();
    if (!has) return has.error();
    if (*has) {
      // Corrections supersede fields: index the case as its projection reads.
      all->Bind(1, case_id);
      std::vector<schema::Event> events;
      for (;;) {
        auto r = all->Step();
        if (!r) {
          all->Reset();
          return r.error();
        }
        if (!*r) break;
        auto e = parse(all->Text(0));
        if (!e) {
          all->Reset();
          return e.error();
        }
        events.push_back(std::move(e).value());
      }
      all->Reset();
      body = Project(events).body;
    }
    if (auto s = Index(w, case_id, body); !s) return s;
  }
  return {};
}

Status Store::ReadyForDuplicateReads() {
  if (!m_read) {
    const char* file = sqlite3_db_filename(m_db.get(), "main");
    if (file == nullptr || *file == '\0') return MakeError(Errc::kInternal, "the store has no database file");
    auto db = sql::Db::OpenReadOnly(file);
    if (!db) return db.error();
    (void)db->Exec("PRAGMA cache_size=-65536");  // as the writer's: 64 MiB
    struct Def {
      sql::Stmt* stmt;
      const char* sql;
    };
    DedupRead r;
    const Def defs[] = {
        {&r.by_key, "SELECT id FROM dedup_keys WHERE key = ?1 ORDER BY id DESC LIMIT ?2"},
        {&r.by_term, "SELECT rowid FROM dedup_terms WHERE dedup_terms MATCH ?1 ORDER BY rowid DESC LIMIT ?2"},
        {&r.row,
         "SELECT case_id, node, received_date, category, place, persons, summary, requests FROM dedup_cases "
         "WHERE id = ?1"},
        {&r.row_of_case,
         "SELECT case_id, node, received_date, category, place, persons, summary, requests FROM dedup_cases "
         "WHERE case_id = ?1"},
        {&r.newest, "SELECT coalesce(max(id), 0) FROM dedup_cases"},
        {&r.sample, "SELECT summary, requests FROM dedup_cases ORDER BY id DESC LIMIT ?1"},
        {&r.timeline,
         "SELECT d.case_id, d.node, d.received_date, d.category, d.place, d.persons, coalesce(c.state, '{}') "
         "FROM dedup_keys k JOIN dedup_cases d ON d.id = k.id LEFT JOIN cases c ON c.case_id = d.case_id "
         "WHERE k.key = ?1 ORDER BY d.received_date, d.id LIMIT ?2"},
    };
    for (const auto& d : defs) {
      auto s = db->Prepare(d.sql);
      if (!s) return s.error();
      *d.stmt = std::move(s).value();
    }
    m_read.emplace(std::move(db).value());
    m_dr = std::move(r);
  }
  auto row = m_dr.newest.Step();
  const std::int64_t newest = row && *row ? m_dr.newest.Int(0) : 0;
  m_dr.newest.Reset();
  if (!row) return row.error();
  if (m_weights && newest <= m_weights_newest + m_weights_newest / 10 + 100) return {};
  auto weights = std::make_shared<dedup::BigramWeights>();
  m_dr.sample.Bind(1, kWeightSample);
  for (;;) {
    auto r = m_dr.sample.Step();
    if (!r) {
      m_dr.sample.Reset();
      return r.error();
    }
    if (!*r) break;
    dedup::Features f;
    f.summary = m_dr.sample.Text(0);
    f.requests = m_dr.sample.Text(1);
    weights->Add(f);
  }
  m_dr.sample.Reset();
  weights->Finish();
  m_weights = std::move(weights);
  m_weights_newest = newest;
  return {};
}

Result<std::vector<std::int64_t>> Store::RetrieveLocked(
    sql::Stmt& by_key, const std::vector<std::int64_t>& keys, const std::vector<std::int64_t>& broad,
    sql::Stmt& by_term, std::size_t terms, const std::function<void(sql::Stmt&, std::size_t)>& bind_term) {
  // Retrieval: the same petitioner by key, the same matter by shared terms.
  std::vector<std::int64_t> by_key_ids;  // ids, a repeat per key that found them
  auto read = [](sql::Stmt& q, std::vector<std::int64_t>& into) -> Status {
    for (;;) {
      auto r = q.Step();
      if (!r) {
        q.Reset();
        return r.error();
      }
      if (!*r) break;
      into.push_back(q.Int(0));
    }
    q.Reset();
    return {};
  };
  for (const auto key : keys) {
    const bool is_broad = std::binary_search(broad.begin(), broad.end(), key);
    by_key.Bind(1, key).Bind(2, is_broad ? kPerBroadKey : kPerKey);
    if (auto s = read(by_key, by_key_ids); !s) return s.error();
  }
  // Each term's postings weigh by how rare the term is: a term few cases
  // have says more than one in every letter of the county (log of the bound
  // over the postings read, plus one).
  std::vector<std::pair<std::int64_t, float>> by_text;  // (id, weight of the term that found it)
  by_text.reserve(terms * 64);
  for (std::size_t t = 0; t < terms; ++t) {
    std::vector<std::int64_t> found;
    bind_term(by_term, t);
    by_term.Bind(2, kPerTerm);
    if (auto s = read(by_term, found); !s) return s.error();
    const auto weight = static_cast<float>(1.0 + std::log(static_cast<double>(kPerTerm + 1) / static_cast<double>(found.size() + 1)));
    for (const auto id : found) by_text.emplace_back(id, weight);
  }
  std::sort(by_key_ids.begin(), by_key_ids.end());
  by_key_ids.erase(std::unique(by_key_ids.begin(), by_key_ids.end()), by_key_ids.end());
  std::vector<std::int64_t> ids = by_key_ids;
  // (weight of the shared terms, id): most first, newest first; those found by key are in already.
  std::sort(by_text.begin(), by_text.end());
  std::vector<std::pair<float, std::int64_t>> text;
  for (std::size_t i = 0; i < by_text.size();) {
    std::size_t j = i;
    float weight = 0;
    for (; j < by_text.size() && by_text[j].first == by_text[i].first; ++j) weight += by_text[j].second;
    if (!std::binary_search(by_key_ids.begin(), by_key_ids.end(), by_text[i].first)) text.emplace_back(weight, by_text[i].first);
    i = j;
  }
  const std::size_t keep = std::min(text.size(), kTextCandidates);
  std::partial_sort(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(keep), text.end(),
                    [](const auto& a, const auto& b) { return a > b; });
  for (std::size_t i = 0; i < keep; ++i) ids.push_back(text[i].second);
  return ids;
}

namespace {

void SortCandidates(std::vector<Store::DuplicateCandidate>& out, std::size_t limit) {
  std::sort(out.begin(), out.end(), [](const Store::DuplicateCandidate& a, const Store::DuplicateCandidate& b) {
    if (a.match.score != b.match.score) return a.match.score > b.match.score;
    if (a.received_date != b.received_date) return a.received_date < b.received_date;
    return a.case_id < b.case_id;
  });
  if (out.size() > limit) out.resize(limit);
}

}  // namespace

Result<std::vector<Store::DuplicateCandidate>> Store::FindLocked(const dedup::Features& f, std::size_t limit,
                                                                 const NodeFilter& keep) {
  const auto terms = dedup::QueryTerms(f);
  auto ids = RetrieveLocked(m_dr.by_key, dedup::PersonKeys(f), dedup::BroadKeys(f), m_dr.by_term, terms.size(),
                            [&](sql::Stmt& q, std::size_t i) { q.Bind(1, "\"" + terms[i] + "\""); });
  if (!ids) return ids.error();
  // Ranking: the matcher on each candidate's stored features.
  const dedup::Query query(f, m_weights.get());
  std::vector<DuplicateCandidate> out;
  for (const auto id : *ids) {
    m_dr.row.Bind(1, id);
    auto r = m_dr.row.Step();
    if (!r) {
      m_dr.row.Reset();
      return r.error();
    }
    if (!*r || (keep && !keep(m_dr.row.Text(1)))) {
      m_dr.row.Reset();
      continue;
    }
    dedup::Features c = detail::RowFeatures(m_dr.row);
    m_dr.row.Reset();
    if (!f.case_id.empty() && c.case_id == f.case_id) continue;
    dedup::Match m = query.Against(c);
    if (m.decision == dedup::Decision::kNone) continue;
    out.push_back({std::move(c.case_id), std::move(c.node), c.received_date, std::move(m)});
  }
  SortCandidates(out, limit);
  return out;
}

Result<std::vector<Store::DuplicateCandidate>> Store::FindDuplicates(const schema::CaseRegistration& c,
                                                                     std::size_t limit) {
  const dedup::Features f = dedup::Extract(c);
  std::lock_guard lock(m_read_mutex);
  if (auto s = ReadyForDuplicateReads(); !s) return s.error();
  return FindLocked(f, limit);
}

Result<std::vector<Store::DuplicateCandidate>> Store::DuplicatesOf(std::string_view case_id, std::size_t limit) {
  std::lock_guard lock(m_read_mutex);
  if (auto s = ReadyForDuplicateReads(); !s) return s.error();
  m_dr.row_of_case.Bind(1, case_id);
  auto r = m_dr.row_of_case.Step();
  if (!r) {
    m_dr.row_of_case.Reset();
    return r.error();
  }
  if (!*r) {
    m_dr.row_of_case.Reset();
    return MakeError(Errc::kNotFound, "case " + std::string(case_id) + " is not known here");
  }
  const dedup::Features f = detail::RowFeatures(m_dr.row_of_case);
  m_dr.row_of_case.Reset();
  return FindLocked(f, limit);
}

Result<std::vector<Store::PetitionerCase>> Store::CasesOfPetitioner(std::string_view id_number, std::size_t limit) {
  const std::string id18 = dedup::IdNumber18(id_number);
  if (id18.empty()) {
    return MakeError(Errc::kInvalidArgument, "not an ID number (公民身份号码): 18 characters or 15 digits");
  }
  std::lock_guard lock(m_read_mutex);
  if (auto s = ReadyForDuplicateReads(); !s) return s.error();
  std::vector<PetitionerCase> out;
  auto& q = m_dr.timeline;
  q.Bind(1, dedup::IdKey(id18)).Bind(2, static_cast<std::int64_t>(limit));
  for (;;) {
    auto r = q.Step();
    if (!r) {
      q.Reset();
      return r.error();
    }
    if (!*r) break;
    // The key is a hash: keep only the cases that name this number.
    const auto persons = dedup::DecodePersons(q.Text(5));
    if (std::none_of(persons.begin(), persons.end(), [&](const dedup::Person& p) { return p.id18 == id18; })) {
      continue;
    }
    PetitionerCase pc;
    pc.case_id = q.Text(0);
    pc.node = q.Text(1);
    pc.received_date = Date::Parse(q.Text(2)).value_or(Date{});
    pc.content_category = q.Text(3);
    pc.problem_place = q.Text(4);
    pc.state_json = q.Text(6);
    out.push_back(std::move(pc));
  }
  q.Reset();
  return out;
}

}  // namespace xf::node

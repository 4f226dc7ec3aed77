#include "node/store.h"

#include <cstdio>
#include <fstream>

#include "node/projection.h"
#include "schema/validate.h"
#include "schema/xml.h"

namespace xf::node {

namespace {

// Numbered migrations: migration i takes user_version i-1 to i. Never edit
// a released migration; add a new one. A migration is SQL, and may add a
// step in C++ run after it in the same transaction (data the SQL cannot make).
struct Migration {
  Migration(const char* s) : sql(s) {}  // NOLINT: a plain SQL migration, written as its string
  Migration(const char* s, Status (*then)(sql::Db&)) : sql(s), code(then) {}
  const char* sql;
  Status (*code)(sql::Db&) = nullptr;
};
const Migration kMigrations[] = {
    // 1: the event log, the projection, case numbers, blobs.
    R"sql(
CREATE TABLE events(
  origin      TEXT    NOT NULL,
  seq         INTEGER NOT NULL,
  case_id     TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  stored_at   INTEGER NOT NULL,
  xml         BLOB    NOT NULL,
  PRIMARY KEY (origin, seq)
) WITHOUT ROWID;
CREATE INDEX events_by_case ON events(case_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
-- INSERT OR REPLACE deletes without firing delete triggers: refuse it here.
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
  WHEN EXISTS (SELECT 1 FROM events WHERE origin = NEW.origin AND seq = NEW.seq)
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE origins(
  origin   TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE case_numbers(
  node_id TEXT NOT NULL,
  year    INTEGER NOT NULL,
  last_no INTEGER NOT NULL,
  PRIMARY KEY (node_id, year)
) WITHOUT ROWID;
CREATE TABLE cases(
  case_id          TEXT PRIMARY KEY,
  origin           TEXT NOT NULL,
  received_date    TEXT NOT NULL,
  status           TEXT NOT NULL,
  content_category TEXT NOT NULL,
  problem_place    TEXT NOT NULL,
  event_count      INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  state            TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE blobs(
  sha256    TEXT PRIMARY KEY,
  size      INTEGER NOT NULL,
  stored_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 2: the exchange — batches held (own, received, forwarded), the next
    // sequence number per (origin, stream), the outbox per link, the queue
    // of events to send down, and every record a batch had rejected.
    R"sql(
CREATE TABLE batches(
  batch_id      TEXT PRIMARY KEY,
  origin        TEXT    NOT NULL,
  stream        TEXT    NOT NULL,
  seq           INTEGER NOT NULL,
  destination   TEXT    NOT NULL,
  created       INTEGER NOT NULL,
  code_version  TEXT    NOT NULL,
  record_count  INTEGER NOT NULL,
  received_from TEXT    NOT NULL,   -- '' for this node's own batches
  stored_at     INTEGER NOT NULL,
  state         TEXT    NOT NULL,   -- own | applied | held
  accepted      INTEGER NOT NULL DEFAULT 0,
  rejected      INTEGER NOT NULL DEFAULT 0,
  forward_to    TEXT    NOT NULL DEFAULT '',
  bytes         BLOB    NOT NULL,   -- exactly as signed by the origin
  signature     BLOB    NOT NULL,
  attachments   TEXT    NOT NULL DEFAULT '',  -- SHA-256s from the header, space-separated
  UNIQUE (origin, stream, seq)
) WITHOUT ROWID;
CREATE TABLE streams(
  origin   TEXT    NOT NULL,
  stream   TEXT    NOT NULL,
  next_seq INTEGER NOT NULL,      -- own streams: the next to mint; others: the next to apply
  PRIMARY KEY (origin, stream)
) WITHOUT ROWID;
CREATE TABLE outbox(
  link         TEXT    NOT NULL,  -- the peer it goes to
  qseq         INTEGER NOT NULL,  -- order on that link
  batch_id     TEXT    NOT NULL,
  queued_at    INTEGER NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT    NOT NULL DEFAULT '',
  delivered_at INTEGER,
  receipt      BLOB,
  receipt_sig  BLOB,
  PRIMARY KEY (link, qseq)
) WITHOUT ROWID;
CREATE INDEX outbox_pending ON outbox(link, delivered_at, qseq);
CREATE TABLE packed(
  stream         TEXT PRIMARY KEY,
  last_event_seq INTEGER NOT NULL  -- this node's events up to here are in an "up" batch
) WITHOUT ROWID;
CREATE TABLE down_queue(
  target TEXT    NOT NULL,
  origin TEXT    NOT NULL,
  seq    INTEGER NOT NULL,
  PRIMARY KEY (target, origin, seq)
) WITHOUT ROWID;
CREATE TABLE rejections(
  batch_id TEXT NOT NULL,
  origin   TEXT NOT NULL,
  event_id TEXT NOT NULL,
  rule     TEXT NOT NULL,
  field    TEXT NOT NULL,
  reason   TEXT NOT NULL,
  at       INTEGER NOT NULL
);
CREATE INDEX rejections_by_origin ON rejections(origin, at);
)sql",
    // Signed conformance summaries from this node and its subtree (node/summary.h):
    // the newest per origin, and whether it went on to the parent.
    R"sql(
CREATE TABLE summaries(
  origin        TEXT PRIMARY KEY,
  generated     INTEGER NOT NULL,
  json          TEXT    NOT NULL,   -- exactly as signed by origin
  signature     BLOB    NOT NULL,
  received_from TEXT    NOT NULL,   -- '' for this node's own
  stored_at     INTEGER NOT NULL,
  sent          INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
)sql",
    // Batch bytes in files: a large received batch's bytes live in the
    // file batches/<bytes_file> beside the database (bytes is then empty),
    // written and fsynced before the commit that inserts the row; and the
    // SHA-256 of every batch's bytes, to tell a duplicate from a different
    // batch without reading them. Rows from before keep their bytes here
    // and an empty hash (computed when needed).
    R"sql(
ALTER TABLE batches ADD COLUMN bytes_file TEXT NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN bytes_sha256 TEXT NOT NULL DEFAULT '';
)sql",
    // Indexes for the conformance report (node/CONFORMANCE.md, "Performance"):
    // events stored in a period, covering what the report aggregates (so it
    // never reads the XML of a million events); the first event of a kind per
    // case (replaces events_by_case, a prefix of it); and the repeat
    // registrations, the only ones whose XML R4 must read.
    R"sql(
CREATE INDEX events_by_stored ON events(stored_at, origin, kind, occurred_at, case_id);
CREATE INDEX events_by_case_kind ON events(case_id, kind, occurred_at);
DROP INDEX events_by_case;
CREATE INDEX events_repeats ON events(stored_at)
  WHERE kind = 'registration' AND instr(CAST(xml AS TEXT), '<repeat>true</repeat>') > 0;
)sql",
    // The event log as a rowid table with (origin, seq) unique: rows carry
    // each event's XML (~1-3 KB), and a WITHOUT ROWID table stores rows that
    // large poorly (SQLite's guidance: small rows only) — measured, the same
    // 100,000 events took 2.2x the space and 2.5x the insert time. The rows
    // are copied in (origin, seq) order; DROP TABLE fires no trigger, and the
    // append-only triggers and the indexes are made again on the new table.
    R"sql(
CREATE TABLE events_v6(
  origin      TEXT    NOT NULL,
  seq         INTEGER NOT NULL,
  case_id     TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  occurred_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  stored_at   INTEGER NOT NULL,
  xml         BLOB    NOT NULL,
  UNIQUE (origin, seq)
);
INSERT INTO events_v6(origin, seq, case_id, kind, occurred_at, recorded_at, stored_at, xml)
  SELECT origin, seq, case_id, kind, occurred_at, recorded_at, stored_at, xml FROM events ORDER BY origin, seq;
DROP TABLE events;
ALTER TABLE events_v6 RENAME TO events;
CREATE INDEX events_by_stored ON events(stored_at, origin, kind, occurred_at, case_id);
CREATE INDEX events_by_case_kind ON events(case_id, kind, occurred_at);
CREATE INDEX events_repeats ON events(stored_at)
  WHERE kind = 'registration' AND instr(CAST(xml AS TEXT), '<repeat>true</repeat>') > 0;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
  WHEN EXISTS (SELECT 1 FROM events WHERE origin = NEW.origin AND seq = NEW.seq)
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
)sql",
    // The legal clocks (schema/clocks.h): the dates each case's clocks run on,
    // as civil dates 'YYYY-MM-DD' (UTC+8), NULL until the step happens; the
    // due dates are computed from them when asked for, with the holiday
    // calendar in force (node/clock_sql.h), so a new year of holidays needs
    // no rewrite. projection_version says which build's projection the
    // columns hold: a lower one than the build's (0 here) makes Store::Open
    // re-project every case from its events, in one transaction.
    R"sql(
ALTER TABLE cases ADD COLUMN initial_case_id TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN routed TEXT;
ALTER TABLE cases ADD COLUMN notice_start TEXT;
ALTER TABLE cases ADD COLUMN decided TEXT;
ALTER TABLE cases ADD COLUMN accepted TEXT;
ALTER TABLE cases ADD COLUMN extension_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN extension_on TEXT;
ALTER TABLE cases ADD COLUMN completed TEXT;
ALTER TABLE cases ADD COLUMN reply_delivered TEXT;
ALTER TABLE cases ADD COLUMN review_requested TEXT;
ALTER TABLE cases ADD COLUMN review_decided TEXT;
ALTER TABLE cases ADD COLUMN review_delivered TEXT;
ALTER TABLE cases ADD COLUMN rereview_requested TEXT;
ALTER TABLE cases ADD COLUMN rereview_decided TEXT;
ALTER TABLE cases ADD COLUMN rereview_at INTEGER;
ALTER TABLE cases ADD COLUMN closed TEXT;
ALTER TABLE cases ADD COLUMN eval_bureau TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN eval_bureau_on TEXT;
ALTER TABLE cases ADD COLUMN eval_handler TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN eval_handler_on TEXT;
CREATE INDEX cases_by_initial ON cases(initial_case_id) WHERE initial_case_id <> '';
CREATE TABLE projection_version(version INTEGER NOT NULL);
INSERT INTO projection_version(version) VALUES(0);
)sql",
    // 8: trust (issue 12). Per batch: the origin's signature over its events
    // (exchange/proof.h), the range of the origin's own event sequence
    // numbers in it (to find the batch that carried an event), and a note
    // (why a batch is parked: state 'parked', its origin's key unknown). The
    // proofs of events of other origins received in down batches, kept to
    // pass them on. Every rejection names the node it is charged to: the
    // sender of a forged record, not the origin it claims (existing rows:
    // their origin, as before).
    R"sql(
ALTER TABLE batches ADD COLUMN events_sig BLOB NOT NULL DEFAULT '';
ALTER TABLE batches ADD COLUMN first_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE batches ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE INDEX batches_carrying ON batches(origin, last_seq) WHERE events_sig <> '';
CREATE INDEX batches_parked ON batches(origin, stream, seq) WHERE state = 'parked';
CREATE TABLE event_proofs(
  origin TEXT    NOT NULL,
  seq    INTEGER NOT NULL,
  proof  BLOB    NOT NULL,   -- EventProofXml, checked with the origin's key when received
  PRIMARY KEY (origin, seq)
) WITHOUT ROWID;
ALTER TABLE rejections ADD COLUMN charged_to TEXT NOT NULL DEFAULT '';
UPDATE rejections SET charged_to = origin;
CREATE INDEX rejections_by_batch ON rejections(batch_id);
)sql",
    // 9: the duplicate index (判重, node/store_dedup.cc, dedup/README.md): per
    // case its normalised features, its petitioner keys (hashes) and its
    // matter terms in FTS5; then every case already held is indexed, so an
    // upgraded node finds the cases it stored before.
    {R"sql(
CREATE TABLE dedup_cases(
  id            INTEGER PRIMARY KEY,  -- the rowid of dedup_terms, the id in dedup_keys
  case_id       TEXT    NOT NULL UNIQUE,
  node          TEXT    NOT NULL,     -- the registering body
  received_date TEXT    NOT NULL,
  category      TEXT    NOT NULL,
  place         TEXT    NOT NULL,
  persons       TEXT    NOT NULL,     -- dedup::EncodePersons
  summary       TEXT    NOT NULL,     -- dedup::NormalizeText
  requests      TEXT    NOT NULL,
  fingerprint   INTEGER NOT NULL      -- of the registration's fields as written: re-indexed when it changes
);
CREATE TABLE dedup_keys(
  key INTEGER NOT NULL,               -- dedup::PersonKeys: hashes, never a number in clear
  id  INTEGER NOT NULL,
  PRIMARY KEY (key, id)
) WITHOUT ROWID;
CREATE VIRTUAL TABLE dedup_terms USING fts5(terms, content='', tokenize='unicode61', detail=none, columnsize=0);
)sql",
     &Store::IndexAllForDuplicates},
    // 10: the national report's drill-down and trends (node/CONFORMANCE.md,
    // "Performance"): the events of one origin in a period, covering what the
    // report counts (so a page of a province or a county reads only its own
    // origins' events, and the monthly trends group by origin without
    // reading the XML); and the cases of one origin (the rates, overdue
    // clocks and open cases of a subtree without scanning every case).
    R"sql(
CREATE INDEX events_by_origin ON events(origin, stored_at, kind, occurred_at);
CREATE INDEX cases_by_origin ON cases(origin);
)sql",
    // 11: the case list and idempotent intake (issue 15; store_cases.cc,
    // node/README.md "The case list", "Idempotency-Key"). The petitioners of
    // each case's projection, to find a person's cases by ID number (the
    // 18-character form); indexes for each filter of GET /v1/cases and its
    // order (newest received first), and one per duty clock over the cases
    // where it runs, so "overdue" reads only those; the first answer to
    // each request made with an Idempotency-Key. The petitioners of the
    // cases already held are written by the re-projection that
    // projection_version 2 asks for (Store::Open).
    R"sql(
CREATE TABLE case_petitioners(
  case_id   TEXT    NOT NULL,
  idx       INTEGER NOT NULL,   -- its place in the registration's list
  name      TEXT    NOT NULL,
  id_number TEXT    NOT NULL,   -- the 18-character form; '' when none
  first     INTEGER NOT NULL,   -- 第一信访人
  PRIMARY KEY (case_id, idx)
) WITHOUT ROWID;
CREATE INDEX case_petitioners_by_id ON case_petitioners(id_number, case_id);
CREATE INDEX cases_by_received ON cases(received_date, case_id);
CREATE INDEX cases_by_status ON cases(status, received_date, case_id);
CREATE INDEX cases_by_category ON cases(content_category, received_date, case_id);
CREATE INDEX cases_open_route ON cases(received_date) WHERE routed IS NULL AND closed IS NULL;
CREATE INDEX cases_open_notice ON cases(notice_start) WHERE decided IS NULL AND closed IS NULL;
CREATE INDEX cases_open_handle ON cases(accepted) WHERE completed IS NULL AND closed IS NULL;
CREATE INDEX cases_open_review ON cases(review_requested) WHERE review_decided IS NULL AND closed IS NULL;
CREATE INDEX cases_open_rereview ON cases(rereview_requested) WHERE rereview_decided IS NULL AND closed IS NULL;
CREATE TABLE idempotency(
  key      TEXT    PRIMARY KEY,  -- as the client sent it
  route    TEXT    NOT NULL,     -- 'POST /v1/cases', 'POST /v1/cases/{id}/events'
  request  TEXT    NOT NULL,     -- SHA-256 of route, content type and body
  status   INTEGER NOT NULL,
  body     TEXT    NOT NULL,     -- the first answer, byte for byte
  case_id  TEXT    NOT NULL,
  at       INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 12 (issue 13): the node under load. GET /v1/status,
    // the status page and /metrics cost the same at 10 cases and at 100
    // million: the counts of events, cases and blobs, and per link of the
    // batches queued and delivered, are kept by triggers in the transaction
    // that changes them (filled once here from what is held); the held and
    // waiting batches have indexes of their own, so gaps cost what the gaps
    // are, not what the store holds.
    R"sql(
CREATE TABLE counters(
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters(name, value) VALUES
  ('events', (SELECT count(*) FROM events)),
  ('cases', (SELECT count(*) FROM cases)),
  ('blobs', (SELECT count(*) FROM blobs));
CREATE TRIGGER count_events AFTER INSERT ON events
  BEGIN UPDATE counters SET value = value + 1 WHERE name = 'events'; END;
CREATE TRIGGER count_cases AFTER INSERT ON cases
  BEGIN UPDATE counters SET value = value + 1 WHERE name = 'cases'; END;
CREATE TRIGGER uncount_cases AFTER DELETE ON cases
  BEGIN UPDATE counters SET value = value - 1 WHERE name = 'cases'; END;
CREATE TRIGGER count_blobs AFTER INSERT ON blobs
  BEGIN UPDATE counters SET value = value + 1 WHERE name = 'blobs'; END;
CREATE TRIGGER uncount_blobs AFTER DELETE ON blobs
  BEGIN UPDATE counters SET value = value - 1 WHERE name = 'blobs'; END;
CREATE TABLE link_counts(
  link           TEXT PRIMARY KEY,
  queued         INTEGER NOT NULL,   -- every batch ever queued on the link
  delivered      INTEGER NOT NULL,   -- of those, delivered
  last_delivered INTEGER
) WITHOUT ROWID;
INSERT INTO link_counts(link, queued, delivered, last_delivered)
  SELECT link, count(*), count(delivered_at), max(delivered_at) FROM outbox GROUP BY link;
CREATE TRIGGER link_queued AFTER INSERT ON outbox BEGIN
  INSERT INTO link_counts(link, queued, delivered, last_delivered)
    VALUES(NEW.link, 1, NEW.delivered_at IS NOT NULL, NEW.delivered_at)
    ON CONFLICT(link) DO UPDATE SET queued = queued + 1, delivered = delivered + (NEW.delivered_at IS NOT NULL),
      last_delivered = coalesce(max(last_delivered, NEW.delivered_at), last_delivered, NEW.delivered_at);
END;
CREATE TRIGGER link_delivered AFTER UPDATE OF delivered_at ON outbox
  WHEN OLD.delivered_at IS NULL AND NEW.delivered_at IS NOT NULL BEGIN
  UPDATE link_counts SET delivered = delivered + 1,
    last_delivered = coalesce(max(last_delivered, NEW.delivered_at), NEW.delivered_at) WHERE link = NEW.link;
END;
CREATE TRIGGER link_unqueued AFTER DELETE ON outbox BEGIN
  UPDATE link_counts SET queued = queued - 1, delivered = delivered - (OLD.delivered_at IS NOT NULL)
    WHERE link = OLD.link;
END;
CREATE INDEX batches_held ON batches(origin, stream, seq) WHERE state = 'held';
CREATE INDEX batches_blobs ON batches(stored_at, batch_id) WHERE state = 'blobs';
)sql",
    // 13: duplicates across the hierarchy (issue 11, phase 2;
    // node/store_dedup_system.cc, dedup/README.md "Phase 2"). The blind index
    // of a node with children: the petitioner keys and text terms of every
    // case it holds under the system key (numbers only; dedup/blind.h), to
    // answer the questions of the levels below; and where the duplicate work
    // stands (the key the blind index is under, the cases indexed under it
    // and the arrivals checked so far). Nothing to fill: the node's dedup
    // worker builds the blind index when it has a key.
    R"sql(
CREATE TABLE dedup_blind(
  key INTEGER NOT NULL,                -- dedup::PersonKeys and HashTerms(IndexTerms) under the system key
  id  INTEGER NOT NULL,                -- dedup_cases.id
  PRIMARY KEY (key, id)
) WITHOUT ROWID;
CREATE TABLE dedup_state(
  name  TEXT PRIMARY KEY,              -- 'blind_key', 'blind_upto', 'checked_upto'
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 14 (issue 13): what each peer sent (GET /v1/status "received", xfctl
    // status) kept by triggers, as migration 12's counts are: reading it no
    // longer scans every stored batch (a national bureau holds millions).
    // `last` is when a batch from that peer was last stored; deleting a batch
    // does not move it back.
    R"sql(
CREATE TABLE received_counts(
  peer    TEXT PRIMARY KEY,
  batches INTEGER NOT NULL,
  last    INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO received_counts(peer, batches, last)
  SELECT received_from, count(*), max(stored_at) FROM batches WHERE received_from <> '' GROUP BY received_from;
CREATE TRIGGER received_counted AFTER INSERT ON batches WHEN NEW.received_from <> '' BEGIN
  INSERT INTO received_counts(peer, batches, last) VALUES(NEW.received_from, 1, NEW.stored_at)
    ON CONFLICT(peer) DO UPDATE SET batches = batches + 1, last = max(last, NEW.stored_at);
END;
CREATE TRIGGER received_uncounted AFTER DELETE ON batches WHEN OLD.received_from <> '' BEGIN
  UPDATE received_counts SET batches = batches - 1 WHERE peer = OLD.received_from;
END;
)sql",
    // 15 (issue 14): the facts of events that the conformance report selects
    // on, in tables of their own, written with each event (WriteEventFacts),
    // so that no report query cuts open the stored XML: the repeat
    // registrations with the initial case they name (R4), and the cases a
    // handling event directed into legal procedure (method 07xxxx, 涉法涉诉).
    // Filled once here from the events held — the last time their XML is
    // read as text.
    R"sql(
CREATE TABLE repeat_registrations(
  case_id   TEXT    PRIMARY KEY,
  origin    TEXT    NOT NULL,
  stored_at INTEGER NOT NULL,
  initial   TEXT    NOT NULL      -- the 初件编号 it names; '' when none
) WITHOUT ROWID;
CREATE INDEX repeat_registrations_by_stored ON repeat_registrations(stored_at);
CREATE INDEX repeat_registrations_by_origin ON repeat_registrations(origin, stored_at);
INSERT OR IGNORE INTO repeat_registrations(case_id, origin, stored_at, initial)
  SELECT case_id, origin, stored_at,
         CASE WHEN instr(x, '<initial_case_id>') > 0 THEN
           substr(x, instr(x, '<initial_case_id>') + 17,
                  instr(x, '</initial_case_id>') - instr(x, '<initial_case_id>') - 17) ELSE '' END
  FROM (SELECT case_id, origin, stored_at, CAST(xml AS TEXT) AS x FROM events
        WHERE kind = 'registration' AND instr(CAST(xml AS TEXT), '<repeat>true</repeat>') > 0);
DROP INDEX IF EXISTS events_repeats;
CREATE TABLE legal_procedure_cases(
  case_id TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT OR IGNORE INTO legal_procedure_cases(case_id)
  SELECT case_id FROM events WHERE kind = 'handling' AND instr(CAST(xml AS TEXT), '<method>07') > 0;
)sql",
    // 16 (issue 11): where the check of arrivals starts, fixed when the
    // database is made or upgraded — not when the dedup worker first runs,
    // which may be after cases have arrived (it used to wait for the system
    // key): a new node checks every case it receives from the first; a node
    // upgraded from before duplicate detection starts after what it held.
    R"sql(
INSERT OR IGNORE INTO dedup_state(name, value) SELECT 'checked_upto', coalesce(max(id), 0) FROM dedup_cases;
)sql",
};
// The projection the columns of `cases` hold (migration 7 and later);
// 2: with the petitioners of each case in case_petitioners (migration 11).
constexpr int kProjectionVersion = 2;
constexpr int kLatest = static_cast<int>(sizeof kMigrations / sizeof kMigrations[0]);

Error TooNew(int version) {
  return MakeError(Errc::kCorruption,
                   "the database has schema version " + std::to_string(version) +
                       " but this xfnode knows only up to " + std::to_string(kLatest) +
                       ": it was written by a newer xfnode; refusing to downgrade (install the newer "
                       "version, or restore a backup made by this one)");
}

}  // namespace

int Store::LatestSchemaVersion() { return kLatest; }

void Store::WriterLock::Lock(bool bulk) {
  std::unique_lock lock(m_mutex);
  if (!bulk) ++m_local_waiting;
  m_cv.wait(lock, [&] { return !m_held && (!bulk || m_local_waiting == 0); });
  if (!bulk) --m_local_waiting;
  m_held = true;
}

void Store::WriterLock::unlock() {
  {
    std::lock_guard lock(m_mutex);
    m_held = false;
  }
  m_cv.notify_all();
}

Result<sql::Stmt*> Store::ReadConn::Stmt(const char* sql) {
  auto it = stmts.find(sql);
  if (it == stmts.end()) {
    auto st = db.Prepare(sql);
    if (!st) return st.error();
    it = stmts.emplace(sql, std::move(st).value()).first;
  }
  return &it->second;
}

Store::ReadLease::~ReadLease() {
  if (!m_conn) return;
  std::lock_guard lock(m_store->m_readers_mutex);
  // A few idle connections are kept; more come and go with the load.
  if (m_store->m_readers.size() < 8) m_store->m_readers.push_back(std::move(m_conn));
}

Result<Store::ReadLease> Store::Reader() {
  {
    std::lock_guard lock(m_readers_mutex);
    if (!m_readers.empty()) {
      auto conn = std::move(m_readers.back());
      m_readers.pop_back();
      return ReadLease(*this, std::move(conn));
    }
  }
  auto db = sql::Db::OpenReader(m_db_file);
  if (!db) return db.error();
  auto conn = std::make_unique<ReadConn>(ReadConn{std::move(db).value(), {}});
  return ReadLease(*this, std::move(conn));
}

Result<std::unique_ptr<Store>> Store::Open(const std::filesystem::path& db_file, const Clock& clock) {
  return OpenAtVersion(db_file, clock, kLatest);
}

Result<std::unique_ptr<Store>> Store::OpenAtVersion(const std::filesystem::path& db_file,
                                                    const Clock& clock, int version) {
  // A database from a newer xfnode is refused before anything (even the
  // journal mode) is written to it.
  // The user version is the big-endian 32-bit integer at offset 60 of the
  // file header (SQLite file format, section 1.3); reading it opens nothing.
  if (std::ifstream in{db_file, std::ios::binary}) {
    unsigned char header[64] = {0};
    if (in.read(reinterpret_cast<char*>(header), sizeof header)) {
      const long version = (long{header[60]} << 24) | (header[61] << 16) | (header[62] << 8) | header[63];
      if (version > kLatest) return TooNew(static_cast<int>(version));
    }
  }
  auto db = sql::Db::Open(db_file);
  if (!db) return db.error();
  std::unique_ptr<Store> store(new Store(std::move(db).value(), clock));
  store->m_db_file = db_file;
  store->m_batch_dir = db_file.parent_path() / "batches";
  if (auto s = store->Migrate(version); !s) return s.error();
  // A database written while migration 12 was an empty placeholder (main
  // before the load branch was merged) lacks its counts: made now, once.
  if (store->m_version >= 12) {
    auto has = store->m_db.Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'counters'", false);
    if (!has) return has.error();
    auto row = has->Step();
    if (!row) return row.error();
    const bool missing = *row && has->Int(0) == 0;
    has->Reset();
    if (missing) {
      if (auto s = store->m_db.Exec(kMigrations[11].sql); !s) {
        return MakeError(Errc::kInternal, "migration 12 (counts of a database that skipped it): " + s.error().message);
      }
    }
  }
  if (store->m_version == kLatest) {
    if (auto s = store->PrepareStatements(); !s) return s.error();
    if (auto s = store->RefreshStaleProjections(); !s) return s.error();
  }
  return store;
}

Status Store::RefreshStaleProjections() {
  auto v = m_db.Prepare("SELECT version FROM projection_version", false);
  if (!v) return v.error();
  auto row = v->Step();
  if (!row) return row.error();
  const std::int64_t version = *row ? v->Int(0) : 0;
  v->Reset();
  if (version >= kProjectionVersion) return {};
  std::lock_guard lock(m_mutex);
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began();
  std::vector<std::string> ids;
  {
    auto q = m_db.Prepare("SELECT case_id FROM cases ORDER BY case_id", false);
    if (!q) return q.error();
    for (;;) {
      auto r = q->Step();
      if (!r) return r.error();
      if (!*r) break;
      ids.push_back(q->Text(0));
    }
  }
  for (const auto& id : ids) {
    if (auto s = RefreshProjection(id); !s) return s;
  }
  if (auto s = m_db.Exec("UPDATE projection_version SET version = " + std::to_string(kProjectionVersion)); !s) {
    return s;
  }
  return txn.Commit();
}

Status Store::Migrate(int target) {
  auto st = m_db.Prepare("PRAGMA user_version", false);
  if (!st) return st.error();
  auto row = st->Step();
  if (!row) return row.error();
  m_version = static_cast<int>(st->Int(0));
  st->Reset();  // no statement may stay active while a migration drops or alters a table
  if (m_version > kLatest) return TooNew(m_version);
  while (m_version < target) {
    sql::Txn txn(m_db);
    if (!txn.Began()) return txn.Began();
    const Migration& step = kMigrations[m_version];
    auto s = m_db.Exec(step.sql);
    if (s && step.code) s = step.code(m_db);
    if (!s) return MakeError(Errc::kInternal, "migration " + std::to_string(m_version + 1) + ": " + s.error().message);
    if (auto s = m_db.Exec("PRAGMA user_version = " + std::to_string(m_version + 1)); !s) return s;
    if (auto s = txn.Commit(); !s) return s;
    ++m_version;
  }
  return {};
}

Status Store::PrepareStatements() {
  struct Def {
    sql::Stmt* stmt;
    const char* sql;
  };
  const Def defs[] = {
      {&m_st.next_seq, "SELECT last_seq FROM origins WHERE origin = ?1"},
      {&m_st.bump_origin,
       "INSERT INTO origins(origin, last_seq) VALUES(?1, ?2) "
       "ON CONFLICT(origin) DO UPDATE SET last_seq = excluded.last_seq"},
      {&m_st.insert_event,
       "INSERT INTO events(origin, seq, case_id, kind, occurred_at, recorded_at, stored_at, xml) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&m_st.facts.repeat, EventFactStatements::kRepeatSql},
      {&m_st.facts.legal, EventFactStatements::kLegalSql},
      {&m_st.events_of_case,
       "SELECT xml, stored_at FROM events WHERE case_id = ?1 "
       "ORDER BY kind <> 'registration', occurred_at, recorded_at, origin, seq"},
      {&m_st.has_case, "SELECT 1 FROM cases WHERE case_id = ?1"},
      {&m_st.upsert_case, UpsertCaseSql()},
      {&m_st.next_case_no, "SELECT last_no FROM case_numbers WHERE node_id = ?1 AND year = ?2"},
      {&m_st.bump_case_no,
       "INSERT INTO case_numbers(node_id, year, last_no) VALUES(?1, ?2, ?3) "
       "ON CONFLICT(node_id, year) DO UPDATE SET last_no = excluded.last_no"},
            {&m_st.insert_blob, "INSERT OR IGNORE INTO blobs(sha256, size, stored_at) VALUES(?1, ?2, ?3)"},
      {&m_st.initial_case, "SELECT received_date FROM cases WHERE case_id = ?1"},
      // The matter of an initial case: itself and every repeat case naming it.
      {&m_st.matter_closed,
       "SELECT min(rereview_at) FROM cases WHERE case_id = ?1 OR initial_case_id = ?1"},
  };
  for (const auto& d : defs) {
    auto s = m_db.Prepare(d.sql);
    if (!s) return s.error();
    *d.stmt = std::move(s).value();
  }
  if (Status s = PrepareDedupStatements(); !s.ok()) return s;
  return PrepareCaseStatements();
}

Result<std::string> Store::AppendLocked(schema::Event& e) {
  auto& next = m_st.next_seq;
  next.Bind(1, e.origin);
  auto row = next.Step();
  if (!row) return row.error();
  const std::uint64_t last = *row ? static_cast<std::uint64_t>(next.Int(0)) : 0;
  next.Reset();
  e.seq = last + 1;
  const std::string xml = schema::EventToXml(e);
  if (auto s = InsertEventRow(e, xml, m_clock.Now()); !s) return s.error();
  m_st.bump_origin.Bind(1, e.origin).Bind(2, static_cast<std::int64_t>(e.seq));
  if (auto s = m_st.bump_origin.Run(); !s) return s.error();
  // A registration starts its case: its projection needs no read-back.
  const bool first = e.kind == schema::EventKind::kRegistration;
  if (first) {
    if (auto s = WriteProjection(e.case_id, Project({e})); !s) return s.error();
    return xml;
  }
  auto list = HistoryOf(e.case_id);
  if (!list) return list.error();
  const CaseState state = Project(*list);
  if (auto s = WriteProjection(e.case_id, state); !s) return s.error();
  if (auto s = RouteDown(e, state); !s) return s.error();
  return xml;
}

Status Store::InsertEventRow(const schema::Event& e, const std::string& xml, Instant stored_at) {
  auto& ins = m_st.insert_event;
  ins.Bind(1, e.origin)
      .Bind(2, static_cast<std::int64_t>(e.seq))
      .Bind(3, e.case_id)
      .Bind(4, schema::EventKindName(e.kind))
      .Bind(5, e.occurred_at.seconds)
      .Bind(6, e.recorded_at.seconds)
      .Bind(7, stored_at.seconds)
      .BindBlob(8, xml);
  if (auto s = ins.Run(); !s) return s;
  return WriteEventFacts(m_st.facts, e, stored_at);
}

Status PrepareEventFacts(sql::Db& db, EventFactStatements& st) {
  for (auto [stmt, text] : {std::pair{&st.repeat, EventFactStatements::kRepeatSql},
                            std::pair{&st.legal, EventFactStatements::kLegalSql}}) {
    auto s = db.Prepare(text);
    if (!s) return s.error();
    *stmt = std::move(s).value();
  }
  return {};
}

Status WriteEventFacts(EventFactStatements& st, const schema::Event& e, Instant stored_at) {
  if (const auto* r = std::get_if<schema::CaseRegistration>(&e.body); r != nullptr && r->repeat) {
    st.repeat.Bind(1, e.case_id).Bind(2, e.origin).Bind(3, stored_at.seconds).Bind(4, r->initial_case_id);
    return st.repeat.Run();
  }
  if (const auto* h = std::get_if<schema::Handling>(&e.body); h != nullptr && h->method.rfind("07", 0) == 0) {
    st.legal.Bind(1, e.case_id);
    return st.legal.Run();
  }
  return {};
}

Result<std::vector<schema::Event>> Store::HistoryOf(std::string_view case_id) {
  auto events = EventsOfCase(case_id);
  if (!events) return events.error();
  std::vector<schema::Event> list;
  list.reserve(events->size());
  for (auto& se : *events) list.push_back(std::move(se.event));
  return list;
}

Result<std::vector<StoredEvent>> Store::EventsOfCase(std::string_view case_id) {
  auto& q = m_st.events_of_case;
  q.Bind(1, case_id);
  auto events = ReadEvents(q);
  q.Reset();  // a persistent statement: always left ready for the next case
  if (!events) {
    return MakeError(events.error().code, "case " + std::string(case_id) + ": " + events.error().message);
  }
  return events;
}

Status Store::RefreshProjection(const std::string& case_id) {
  auto list = HistoryOf(case_id);
  if (!list) return list.error();
  return WriteProjection(case_id, Project(*list));
}

const char* UpsertCaseSql() {
  return "INSERT INTO cases(case_id, origin, received_date, status, content_category, problem_place, "
         "event_count, updated_at, state, initial_case_id, anonymous, routed, notice_start, decided, accepted, "
         "extension_days, extension_on, completed, reply_delivered, review_requested, review_decided, "
         "review_delivered, rereview_requested, rereview_decided, rereview_at, closed, eval_bureau, "
         "eval_bureau_on, eval_handler, eval_handler_on) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
         "?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30) "
         "ON CONFLICT(case_id) DO UPDATE SET received_date = excluded.received_date, "
         "status = excluded.status, content_category = excluded.content_category, "
         "problem_place = excluded.problem_place, event_count = excluded.event_count, "
         "updated_at = excluded.updated_at, state = excluded.state, initial_case_id = excluded.initial_case_id, "
         "anonymous = excluded.anonymous, routed = excluded.routed, notice_start = excluded.notice_start, "
         "decided = excluded.decided, accepted = excluded.accepted, extension_days = excluded.extension_days, "
         "extension_on = excluded.extension_on, completed = excluded.completed, "
         "reply_delivered = excluded.reply_delivered, review_requested = excluded.review_requested, "
         "review_decided = excluded.review_decided, review_delivered = excluded.review_delivered, "
         "rereview_requested = excluded.rereview_requested, rereview_decided = excluded.rereview_decided, "
         "rereview_at = excluded.rereview_at, closed = excluded.closed, eval_bureau = excluded.eval_bureau, "
         "eval_bureau_on = excluded.eval_bureau_on, eval_handler = excluded.eval_handler, "
         "eval_handler_on = excluded.eval_handler_on";
}

void BindCaseRow(sql::Stmt& up, const std::string& case_id, const CaseState& state) {
  const schema::CaseFacts& f = state.facts;
  auto day = [&up](int i, const std::optional<Date>& d) {
    if (d) {
      up.Bind(i, d->ToString());
    } else {
      up.BindNull(i);
    }
  };
  auto last = [](const std::vector<Date>& v) { return v.empty() ? std::optional<Date>() : v.back(); };
  up.Bind(1, case_id)
      .Bind(2, state.body.registering_body)
      .Bind(3, state.body.received_date.ToString())
      .Bind(4, state.status)
      .Bind(5, state.body.content_category)
      .Bind(6, state.body.problem_place)
      .Bind(7, static_cast<std::int64_t>(state.event_count))
      .Bind(8, state.updated_at.seconds)
      .Bind(9, CaseStateToJson(state, /*with_body=*/false))
      .Bind(10, f.initial_case_id)
      .Bind(11, f.anonymous ? 1 : 0);
  day(12, f.routed);
  day(13, f.notice_start);
  day(14, f.decided);
  day(15, f.accepted);
  up.Bind(16, f.extension_days);
  day(17, f.extension_on);
  day(18, f.completed);
  day(19, last(f.replies_delivered));
  day(20, f.review_requested);
  day(21, f.review_decided);
  day(22, last(f.reviews_delivered));
  day(23, f.rereview_requested);
  day(24, f.rereview_decided);
  if (f.rereview_decided_at) {
    up.Bind(25, f.rereview_decided_at->seconds);
  } else {
    up.BindNull(25);
  }
  day(26, f.closed);
  up.Bind(27, f.eval_bureau);
  day(28, f.eval_bureau_on);
  up.Bind(29, f.eval_handler);
  day(30, f.eval_handler_on);
}

Status Store::WriteProjection(const std::string& case_id, const CaseState& state) {
  BindCaseRow(m_st.upsert_case, case_id, state);
  if (auto s = m_st.upsert_case.Run(); !s) return s;
  if (Status s = IndexForDuplicates(case_id, state.body); !s.ok()) return s;
  return WritePetitioners(case_id, state);
}

void Store::SetChronology(std::shared_ptr<const codes::Calendar> calendar, codes::Counting counting) {
  std::lock_guard lock(m_mutex);
  if (calendar) m_calendar = std::move(calendar);
  m_counting = counting;
}

std::optional<schema::InitialCase> Store::InitialCaseLocked(const std::string& case_id) {
  auto& q = m_st.initial_case;
  q.Bind(1, case_id);
  auto row = q.Step();
  std::optional<Date> received;
  if (row && *row) received = Date::Parse(q.Text(0));
  q.Reset();
  if (!received) return std::nullopt;
  schema::InitialCase out{*received, std::nullopt};
  auto& m = m_st.matter_closed;
  m.Bind(1, case_id);
  auto closed = m.Step();
  if (closed && *closed && !m.IsNull(0)) out.closed_by_rereview = Instant{m.Int(0)};
  m.Reset();
  return out;
}

schema::Violations Store::ChronologyLocked(
    const std::vector<schema::Event>& history, const schema::Event& e, bool strict,
    const std::function<std::optional<schema::InitialCase>(const std::string&)>& pending) {
  const schema::ChronologyContext ctx{
      *m_calendar, m_counting, strict, [&](const std::string& id) -> std::optional<schema::InitialCase> {
        if (pending) {
          if (auto p = pending(id)) return p;
        }
        return InitialCaseLocked(id);
      }};
  return schema::CheckChronology(history, e, ctx);
}

Result<schema::Event> Store::RegisterCase(schema::CaseRegistration c, const std::string& node_id,
                                          const std::string& actor, schema::Violations* refused,
                                          const Idempotency* idempotency) {
  std::lock_guard lock(m_mutex);
  const Instant now = m_clock.Now();
  if (c.registering_body.empty()) c.registering_body = node_id;
  if (c.registered_at.seconds == 0) c.registered_at = now;
  schema::CompleteIdNumbers(c);  // the 18-digit form beside a 15-digit ID number
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began().error();
  // A retry that raced its first try: the first one's answer, nothing new.
  if (auto s = RefuseIfKeyUsedLocked(idempotency); !s) return s.error();
  if (c.case_id.empty()) {
    const int year = c.registered_at.ToDate().year;
    auto& q = m_st.next_case_no;
    q.Bind(1, node_id).Bind(2, year);
    auto row = q.Step();
    if (!row) return row.error();
    std::int64_t no = *row ? q.Int(0) : 0;
    q.Reset();
    // Skip numbers a caller already took by registering a case with a chosen id.
    for (;;) {
      ++no;
      char buf[32];
      std::snprintf(buf, sizeof buf, "-%04d-%07lld", year, static_cast<long long>(no));
      c.case_id = node_id + buf;
      auto taken = CaseExistsLocked(c.case_id);
      if (!taken) return taken.error();
      if (!*taken) break;
    }
    m_st.bump_case_no.Bind(1, node_id).Bind(2, year).Bind(3, no);
    if (auto s = m_st.bump_case_no.Run(); !s) return s.error();
  } else {
    auto taken = CaseExistsLocked(c.case_id);
    if (!taken) return taken.error();
    if (*taken) return MakeError(Errc::kAlreadyExists, "case " + c.case_id + " exists already");
  }
  schema::Event e;
  e.origin = node_id;
  e.case_id = c.case_id;
  e.kind = schema::EventKind::kRegistration;
  e.occurred_at = c.registered_at;
  e.recorded_at = now;
  e.actor = actor.empty() ? c.registrar : actor;
  e.body = std::move(c);
  if (auto s = CommitLocalLocked(txn, e, ChronologyLocked({}, e, true), refused, idempotency); !s) return s.error();
  return e;
}

Result<schema::Event> Store::AppendEvent(schema::Event e, const std::string& node_id,
                                         schema::Violations* refused, const Idempotency* idempotency) {
  std::lock_guard lock(m_mutex);
  sql::Txn txn(m_db);
  if (!txn.Began()) return txn.Began().error();
  if (auto s = RefuseIfKeyUsedLocked(idempotency); !s) return s.error();
  auto known = CaseExistsLocked(e.case_id);
  if (!known) return known.error();
  if (!*known) return MakeError(Errc::kNotFound, "case " + e.case_id + " is not known here");
  e.origin = node_id;
  e.recorded_at = m_clock.Now();
  if (e.occurred_at.seconds == 0) e.occurred_at = e.recorded_at;
  auto history = HistoryOf(e.case_id);
  if (!history) return history.error();
  if (auto s = CommitLocalLocked(txn, e, ChronologyLocked(*history, e, true), refused, idempotency); !s) {
    return s.error();
  }
  return e;
}

Status Store::RefuseIfKeyUsedLocked(const Idempotency* idempotency) {
  if (idempotency == nullptr) return {};
  auto stored = IdempotentLocked(*idempotency);
  if (!stored) return stored.error();
  if (!*stored) return {};
  if (idempotency->replay != nullptr) *idempotency->replay = std::move(*stored);
  return MakeError(Errc::kAlreadyExists, "Idempotency-Key " + idempotency->key + " was used already");
}

Status Store::CommitLocalLocked(sql::Txn& txn, schema::Event& e, schema::Violations r7,
                                schema::Violations* refused, const Idempotency* idempotency) {
  if (!r7.empty()) {
    const std::string message = "R7 " + r7.front().field + ": " + schema::Message(r7.front(), true);
    if (refused != nullptr) *refused = std::move(r7);
    return MakeError(Errc::kInvalidArgument, message);
  }
  if (auto xml = AppendLocked(e); !xml) return xml.error();
  if (idempotency != nullptr) {
    if (auto s = StoreIdempotentLocked(*idempotency, e, 201); !s) return s;
  }
  return txn.Commit();
}

Result<bool> Store::CaseExistsLocked(std::string_view case_id) {
  m_st.has_case.Bind(1, case_id);
  auto row = m_st.has_case.Step();
  m_st.has_case.Reset();
  return row;
}

bool Store::HasCase(std::string_view case_id) {
  auto r = Reader();
  if (!r) return false;
  auto q = (*r)->Stmt("SELECT 1 FROM cases WHERE case_id = ?1");
  if (!q) return false;
  (*q)->Bind(1, case_id);
  auto row = (*q)->Step();
  (*q)->Reset();
  return row && *row;
}

Result<std::vector<StoredEvent>> Store::EventsOfCaseOn(ReadConn& r, std::string_view case_id) {
  auto q = r.Stmt(
      "SELECT xml, stored_at FROM events WHERE case_id = ?1 "
      "ORDER BY kind <> 'registration', occurred_at, recorded_at, origin, seq");
  if (!q) return q.error();
  (*q)->Bind(1, case_id);
  auto events = ReadEvents(**q);
  (*q)->Reset();
  if (!events) {
    return MakeError(events.error().code, "case " + std::string(case_id) + ": " + events.error().message);
  }
  return events;
}

Result<CaseView> Store::GetCase(std::string_view case_id) {
  // A reader of its own: a case reads while a batch applies.
  auto r = Reader();
  if (!r) return r.error();
  CaseView view;
  view.case_id = std::string(case_id);
  // The case row and its events are read in one read transaction, so they
  // agree even while a batch commits.
  if (auto s = (*r)->db.Exec("BEGIN"); !s) return s.error();
  struct End {
    sql::Db& db;
    ~End() { (void)db.Exec("COMMIT"); }
  } end{(*r)->db};
  auto q = (*r)->Stmt("SELECT state FROM cases WHERE case_id = ?1");
  if (!q) return q.error();
  (*q)->Bind(1, case_id);
  auto row = (*q)->Step();
  (*q)->Reset();
  if (!row) return row.error();
  if (!*row) return MakeError(Errc::kNotFound, "case " + std::string(case_id) + " is not known here");
  auto events = EventsOfCaseOn(**r, case_id);
  if (!events) return events.error();
  view.events = std::move(events).value();
  // The full state, body included, is a fold over the events just read.
  std::vector<schema::Event> list;
  list.reserve(view.events.size());
  for (const auto& se : view.events) list.push_back(se.event);
  view.state_json = CaseStateToJson(Project(list));
  return view;
}

StoreStats Store::Stats() {
  StoreStats s;
  s.schema_version = m_version;
  s.cases = s.events = s.blobs = -1;
  auto r = Reader();
  if (!r) return s;
  if (auto q = (*r)->Stmt("SELECT name, value FROM counters")) {
    for (;;) {
      auto row = (*q)->Step();
      if (!row || !*row) break;
      const std::string name = (*q)->Text(0);
      const std::int64_t value = (*q)->Int(1);
      if (name == "cases") {
        s.cases = value;
      } else if (name == "events") {
        s.events = value;
      } else if (name == "blobs") {
        s.blobs = value;
      }
    }
    (*q)->Reset();
  }
  // One row per origin: as many as the subtree has nodes, whatever it holds.
  if (auto q = (*r)->Stmt("SELECT origin, last_seq FROM origins ORDER BY origin")) {
    for (;;) {
      auto row = (*q)->Step();
      if (!row || !*row) break;
      s.origins.push_back({(*q)->Text(0), static_cast<std::uint64_t>((*q)->Int(1))});
    }
    (*q)->Reset();
  }
  return s;
}

Status Store::RecordBlob(std::string_view sha256, std::uint64_t size) {
  std::lock_guard lock(m_mutex);
  m_st.insert_blob.Bind(1, sha256).Bind(2, static_cast<std::int64_t>(size)).Bind(3, m_clock.Now().seconds);
  return m_st.insert_blob.Run();
}

bool Store::HasBlob(std::string_view sha256) {
  auto r = Reader();
  if (!r) return false;
  auto q = (*r)->Stmt("SELECT 1 FROM blobs WHERE sha256 = ?1");
  if (!q) return false;
  (*q)->Bind(1, sha256);
  auto row = (*q)->Step();
  (*q)->Reset();
  return row && *row;
}

}  // namespace xf::node

// The node's store: an append-only event log in SQLite, the projection of
// every case, and attachment blobs on disk by SHA-256.
//
// Durability: every write is one transaction in WAL mode with
// synchronous=FULL; a method that returns success has committed, so the
// caller may acknowledge. Events cannot be updated or deleted (triggers
// refuse it). Sequence numbers are contiguous per origin, from 1.
//
// Thread safety: all methods may be called from any thread. Writes are
// serialised on one connection (the writer), held only while a write runs:
// ApplyBatch reads ahead what its parser has ready before it takes the
// writer, and a local write (RegisterCase, AppendEvent, RecordBlob) waiting
// for the writer goes before a batch waiting for it. Reads (GetCase, Stats,
// Links, Gaps, the batch and trust queries, the outbox) run on connections
// of their own (WAL): they see the last commit and never wait for the writer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/calendar.h"
#include "codes/date.h"
#include "codes/env.h"
#include "codes/result.h"
#include "dedup/blind.h"
#include "dedup/matcher.h"
#include "dedup/wire.h"
#include "exchange/batch.h"
#include "exchange/receipt.h"
#include "node/sqlite.h"
#include "schema/chronology.h"
#include "schema/clocks.h"
#include "schema/records.h"
#include "schema/violation.h"

namespace xf::node {

struct CaseState;  // projection.h

struct StoredEvent {
  schema::Event event;
  std::string xml;   // the canonical XML, byte for byte as stored
  Instant stored_at;
};

struct CaseView {
  std::string case_id;
  std::string state_json;  // CaseStateToJson of the projection
  std::vector<StoredEvent> events;
};

struct OriginMark {
  std::string origin;
  std::uint64_t last_seq = 0;
};

// What GET /v1/status and /metrics show of the store. It costs the same at
// 10 cases and at 100 million: the counts are kept as the store changes (in
// the same transactions, migration 12), read on a reader connection.
struct StoreStats {
  int schema_version = 0;
  std::int64_t cases = 0;
  std::int64_t events = 0;
  std::int64_t blobs = 0;
  std::vector<OriginMark> origins;
};

// The row of `cases` for a case's projection: the upsert statement's SQL and
// its binding, shared with the bench that fills a database without a Store.
const char* UpsertCaseSql();
void BindCaseRow(sql::Stmt& upsert, const std::string& case_id, const CaseState& state);

// The facts of an event that the conformance report selects on, kept in
// tables of their own (migration 15) so that no report query reads the
// stored XML: a repeat registration with the initial case it names (R4),
// and a case that a handling event directed into legal procedure (method
// 07xxxx). Written with every event stored; shared with the bench that
// fills a database without a Store.
struct EventFactStatements {
  static constexpr const char* kRepeatSql =
      "INSERT OR IGNORE INTO repeat_registrations(case_id, origin, stored_at, initial) VALUES(?1, ?2, ?3, ?4)";
  static constexpr const char* kLegalSql = "INSERT OR IGNORE INTO legal_procedure_cases(case_id) VALUES(?1)";
  sql::Stmt repeat, legal;
};
Status PrepareEventFacts(sql::Db& db, EventFactStatements& st);
// Writes the facts of `e` (nothing for an event that has none).
Status WriteEventFacts(EventFactStatements& st, const schema::Event& e, Instant stored_at);

class Store {
 public:
  struct Idempotency;  // below, "the case list and idempotent intake"
  ~Store();
  // Opens or creates the database and runs the pending migrations. Fails
  // when the file was written by a newer xfnode (its schema version is
  // higher than this build knows): a downgrade must not touch it.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& db_file, const Clock& clock);
  static int LatestSchemaVersion();
  // Opens and migrates only up to `version` (tests of upgrades).
  static Result<std::unique_ptr<Store>> OpenAtVersion(const std::filesystem::path& db_file,
                                                      const Clock& clock, int version);

  // The calendar and the counting of the legal clocks that R7 (chronology)
  // uses, here and in ApplyBatch. Call once, before any write; until then an
  // empty calendar (weekends only) and calendar days.
  void SetChronology(std::shared_ptr<const codes::Calendar> calendar, codes::Counting counting);

  // Registers a case at this node: mints the case id when empty
  // ("<node-id>-<YYYY>-<NNNNNNN>", the year of registration in UTC+8), fills
  // registering_body and registered_at when empty, and appends the
  // registration event (origin node_id, next sequence number).
  // R7 (schema/chronology.h, strict) is checked in the same transaction: a
  // repeat case naming itself, or an initial case held here that was
  // received after it, is refused with kInvalidArgument and the violations
  // in *refused (when given). REQUIRES: the registration has been validated.
  Result<schema::Event> RegisterCase(schema::CaseRegistration c, const std::string& node_id,
                                     const std::string& actor, schema::Violations* refused = nullptr,
                                     const Idempotency* idempotency = nullptr);

  // Appends a later event recorded at this node for a case it holds;
  // origin, seq and recorded_at are assigned here. kNotFound when the case
  // is unknown; kInvalidArgument, with the violations in *refused, when it
  // contradicts what this node holds of the case (R7, strict), checked in
  // the same transaction that would store it.
  Result<schema::Event> AppendEvent(schema::Event e, const std::string& node_id,
                                    schema::Violations* refused = nullptr,
                                    const Idempotency* idempotency = nullptr);

  bool HasCase(std::string_view case_id);
  Result<CaseView> GetCase(std::string_view case_id);
  StoreStats Stats();

  // Records that the blob with this hash is on disk (see BlobPath).
  Status RecordBlob(std::string_view sha256, std::uint64_t size);
  bool HasBlob(std::string_view sha256);

  // ---- exchange (store_exchange.cc) -------------------------------------

  // Who this node is and who its children are: a local event on a case
  // whose handler lies below is queued to go down to it. Call once, before
  // any write.
  void SetRouting(std::string self, std::vector<std::string> children);
  // The file system the store places batch files through (codes/env.h):
  // tests inject ENOSPC or EIO there. REQUIRES: called before the store is
  // used from other threads; `env` outlives the store. Default: Env::Default().
  void SetEnv(Env& env) { m_env = &env; }

  // This node's events not yet in an "up" batch, in sequence order, at most
  // `max_events` / about `max_bytes` of XML.
  Result<std::vector<StoredEvent>> PendingUp(std::size_t max_events, std::size_t max_bytes);
  // Targets with events queued to go down, and those events in the order
  // they are to be applied (registrations first).
  Result<std::vector<std::string>> DownTargets();
  Result<std::vector<StoredEvent>> PendingDown(const std::string& target, std::size_t max_events,
                                               std::size_t max_bytes);
  // The next sequence number to mint on one of this node's own streams.
  Result<std::uint64_t> NextOwnSeq(const std::string& stream);

  // Records a batch this node packed and signed, takes its events off the
  // pending lists, and queues it on `link` — one transaction, so the batch
  // is on disk before anything sends it.
  Status CommitOwnBatch(const exchange::BatchHeader& header, const std::string& bytes,
                        const std::string& signature, const std::string& link,
                        const std::vector<StoredEvent>& events, const std::string& events_signature = "");

  struct OutboxItem {
    std::string link;
    std::uint64_t qseq = 0;
    std::string batch_id;
    std::string origin;
    std::string bytes;                 // the batch as signed, unless it is in a file:
    std::filesystem::path bytes_file;  // set (and bytes empty) when its bytes are this file
    std::string signature;
    std::vector<std::string> attachments;  // from the batch header
    int attempts = 0;
    std::string events_signature;  // the origin's, when known (X-Xf-Events-Signature)
  };
  // The oldest batch not yet delivered on `link`, if any.
  Result<std::optional<OutboxItem>> NextUndelivered(const std::string& link);
  Status MarkDelivered(const std::string& link, std::uint64_t qseq, const std::string& receipt,
                       const std::string& receipt_sig);
  Status MarkAttempt(const std::string& link, std::uint64_t qseq, const std::string& error);
  // The oldest `max` batches still queued for a link (offline export).
  Result<std::vector<OutboxItem>> Undelivered(const std::string& link, std::size_t max);
  // The id of the batch queued at (link, qseq), if it is still undelivered.
  Result<std::optional<std::string>> QueuedBatchId(const std::string& link, std::uint64_t qseq);

  // A registration's entry in the duplicate index, made before the apply —
  // on the thread that parses a batch — so that the applying thread only
  // writes it (store_dedup.cc). Made again there when the case's projection
  // reads otherwise (its fingerprint differs). Pure; any thread.
  struct DedupEntry {
    std::int64_t fingerprint = 0;     // of the fields the index is made of
    dedup::Features features;
    std::string persons;              // dedup::EncodePersons
    std::vector<std::int64_t> keys;   // dedup::PersonKeys
    std::string terms;                // dedup::JoinTerms(dedup::IndexTerms)
  };
  static std::shared_ptr<const DedupEntry> PrepareDedupEntry(const schema::CaseRegistration& c);

  struct IncomingEvent {
    schema::Event event;
    std::string xml;
    schema::Violations violations;  // R1–R3 found by the caller
    // A registration's index entry, when the caller made it (PrepareDedupEntry).
    std::shared_ptr<const DedupEntry> dedup;
    // An event of another origin than the batch's (a down batch's case
    // history): the proof that its origin signed it (EventProofXml), set
    // only when the caller checked it with the origin's key; else why not.
    std::string proof_xml;
    std::string proof_problem;
  };
  struct Incoming {
    exchange::BatchHeader header;
    std::string bytes;  // the batch as signed, kept in the database; or:
    // The batch's bytes in a file (bytes empty). A held or applied batch
    // keeps the file: it is moved into the batch directory (beside the
    // database) and fsynced before the commit that records it, unless it is
    // there already (a held batch being applied). Otherwise it is left.
    std::filesystem::path bytes_file;
    std::string bytes_sha256;  // hex; empty: computed here from bytes
    std::string signature;
    std::string events_signature;  // the origin's signature over its events (exchange/proof.h), or ""
    std::string received_from;  // the peer that sent it
    std::string forward_to;     // the link to pass it on to, or ""
    bool up = true;             // an "up" stream: every event must be the origin's own
    // Attachments the header names that this node does not hold. Not empty:
    // the batch is stored but not applied (state 'blobs' when it is next in
    // its stream, else 'held'), and the receipt's status is
    // kAwaitingAttachments — no receipt for the sender (PROTOCOL.md).
    std::vector<std::string> missing_attachments;
    std::vector<IncomingEvent> events;
    // More events after `events`, a chunk at a time, while they are still
    // being parsed (on another thread): fills the vector and answers true,
    // or false at the end. An error aborts the batch (nothing applied).
    std::function<Result<bool>(std::vector<IncomingEvent>&)> more;
  };
  // Applies a verified batch in one transaction: a duplicate changes
  // nothing (its receipt repeats the rejections recorded when it was
  // applied); a batch ahead of its stream is held (its receipt names the
  // records already known to be bad); otherwise each good event is stored
  // (an event of another origin only when it is held here byte for byte or
  // proven; a registration only with a case id in its origin's namespace;
  // R6: its case is known here or registered earlier in the batch; R7: it
  // does not contradict what is held of its case, lenient), each
  // bad one recorded with its rule and the node it is charged to, the
  // stream advanced, and the batch queued for forwarding. A batch parked
  // here with the same bytes is taken out of the parking. Returns the
  // receipt to sign.
  // Memory stays bounded whatever the batch's size: events are taken one
  // at a time from `more`, projections of the cases they touch are written
  // every few thousand events, and the receipt's accepted ids are kept as
  // runs (Receipt::accepted_runs).
  // `rejected_cases`, when given, gets the case id of each record refused
  // while applying (event id → case id), for the log.
  Result<exchange::Receipt> ApplyBatch(const Incoming& in, const std::string& self,
                                       std::map<std::string, std::string>* rejected_cases = nullptr);
  // Receipt::status of a batch ApplyBatch held for its attachments; never
  // signed or sent.
  static constexpr const char* kAwaitingAttachments = "awaiting_attachments";
  // A held batch that is now next in its stream, if any.
  struct HeldBatch {
    std::string batch_id, received_from, forward_to, bytes, signature;
    std::filesystem::path bytes_file;  // set (and bytes empty) when its bytes are in a file
    std::string bytes_sha256;
    std::string events_signature;
  };
  // Where batch files are kept: "batches" beside the database file.
  const std::filesystem::path& BatchDir() const { return m_batch_dir; }
  // The stored batch that is next in its stream (waiting behind a gap that
  // has filled, or for its attachments), if any.
  Result<std::optional<HeldBatch>> NextHeld(const std::string& origin, const std::string& stream);

  // Batches next in their stream, stored but waiting for attachments
  // (state 'blobs'), oldest first.
  struct WaitingBatch {
    std::string batch_id, origin, stream, received_from;
    std::uint64_t seq = 0;
    std::vector<std::string> attachments;  // every one its header names
    std::uint64_t held_behind = 0;         // batches of the stream stored behind it
    Instant since;                         // when it was stored
  };
  std::vector<WaitingBatch> WaitingForAttachments();

  struct LinkStatus {
    std::string link;
    std::int64_t pending = 0;
    std::int64_t delivered = 0;
    std::optional<Instant> last_delivered;
    std::string last_error;
  };
  struct StreamGap {
    std::string origin, stream;
    std::uint64_t next_seq = 0;  // what is missing
    std::uint64_t held = 0;      // batches waiting behind it
    Instant since;               // when the first of them arrived
  };
  // Per link, from the counts kept as the outbox changes (migration 12).
  std::vector<LinkStatus> Links();
  // From the index of held batches: costs what the held batches cost.
  std::vector<StreamGap> Gaps();

  // Batches being applied now (GET /v1/status "applying"): "reading" while
  // the parser reads ahead, before the writer is taken; "writing" after.
  struct ApplyProgress {
    std::string batch_id, from, phase;
    std::uint64_t events = 0;  // events taken so far
    Instant since;
  };
  std::vector<ApplyProgress> Applying() const;

  // ---- the case list and idempotent intake (store_cases.cc) -------------

  // GET /v1/cases: the cases held here, newest received first, a page at a
  // time. Every filter is optional; they combine with AND. Runs on a
  // read-only connection of its own (never blocks a writer), with indexes
  // for each filter (migration 11; node/README.md, "The case list").
  struct CaseQuery {
    std::vector<std::string> statuses;       // any of these (CaseState::status); empty: any
    std::optional<Date> received_from;       // 信访日期 on or after
    std::optional<Date> received_to;         // 信访日期 on or before
    std::optional<bool> overdue;             // true: a duty clock overdue on `today`; false: none
    std::string category;                    // 内容分类: a code, or a prefix of 2 or 4 digits
    std::string id_number;                   // a petitioner's 公民身份号码, 18-character form
    std::optional<bool> repeat;              // true: 重件 only; false: 初件 only
    std::size_t limit = 50;                  // rows per page, 1–500
    // Continue after this row (the cursor of the previous page): the
    // received date and case id of its last row.
    std::optional<std::pair<Date, std::string>> after;
    Date today;                              // overdue as of this day (UTC+8)
  };
  // The open duty clock that falls due first (schema/clocks.h).
  struct NextDue {
    schema::Clock clock;
    Date start;
    Date due;
    std::int64_t days_left = 0;  // due − today; negative: overdue by that many days
  };
  struct CaseRow {
    std::string case_id, registering_body, status, content_category, problem_place, initial_case_id;
    Date received_date;
    std::string first_petitioner;  // name of the first petitioner ("" when anonymous)
    std::int64_t event_count = 0;
    Instant updated_at;
    std::optional<Date> closed;
    std::optional<NextDue> next_due;  // none when no duty clock is open
    std::int64_t overdue_days = 0;    // the most overdue open duty clock, 0 when none
  };
  struct CasePage {
    std::int64_t total = 0;           // every case the filters select, over all pages
    std::vector<CaseRow> rows;
    std::optional<std::pair<Date, std::string>> next;  // the cursor of the next page, if any
  };
  Result<CasePage> ListCases(const CaseQuery& q);
  // The cases held here that name `case_id` as their initial case (重件), by received date.
  Result<std::vector<CaseRow>> RepeatsOf(const std::string& case_id, Date today);

  // What each peer sent last (xfctl status, GET /v1/status "received"):
  // batches stored from it and the time of the latest.
  struct Received {
    std::string from;
    std::int64_t batches = 0;
    Instant last;
  };
  std::vector<Received> LastReceived();

  // Idempotency-Key (node/README.md): the first answer to a request made
  // with a key, stored in the same transaction as what it registered.
  struct IdempotentAnswer {
    std::string route;     // "POST /v1/cases", "POST /v1/cases/{id}/events"
    std::string request;   // SHA-256 (hex) of what was asked: route, content type, body
    int status = 0;
    std::string body;      // the answer, byte for byte
    std::string case_id;
  };
  // The answer stored under `key`, if any.
  Result<std::optional<IdempotentAnswer>> FindIdempotent(const std::string& key);
  // With RegisterCase/AppendEvent: the key and the request; `answer` makes
  // the answer's body from the stored event, inside the transaction (it
  // must not call back into the Store). When the key is stored already
  // (a request racing its retry), nothing is registered: kAlreadyExists,
  // and *replay holds the stored answer.
  struct Idempotency {
    std::string key;
    IdempotentAnswer request;  // route and request set; status, body and case_id filled here
    std::function<std::string(const schema::Event&)> answer;
    std::optional<IdempotentAnswer>* replay = nullptr;
  };

  // ---- trust (store_trust.cc) -------------------------------------------

  // A batch that cannot be verified yet (no usable key for its origin):
  // its bytes kept (a file is moved into the batch directory) under the
  // id it was sent with, until a key arrives. Same bytes again: nothing
  // changes; different bytes under that id, or a batch held or applied
  // already: kAlreadyExists.
  struct Parking {
    std::string batch_id, origin, stream;
    std::uint64_t seq = 0;
    std::string bytes;
    std::filesystem::path bytes_file;
    std::string bytes_sha256;
    std::string signature, events_signature, received_from, reason;
  };
  Status ParkBatch(const Parking& p);
  struct ParkedBatch {
    std::string batch_id, origin, stream, received_from, reason, bytes, signature, events_signature, bytes_sha256;
    std::uint64_t seq = 0;
    std::filesystem::path bytes_file;
    Instant since;
  };
  // Every parked batch of `origin` (all when empty), by origin, stream, seq.
  Result<std::vector<ParkedBatch>> ParkedBatches(const std::string& origin = "");
  // Drops a parked batch that will never verify (its file too).
  Status DropParked(const std::string& batch_id);
  struct ParkedGroup {
    std::string origin, stream, reason;
    std::uint64_t batches = 0;
    std::uint64_t first_seq = 0;
    Instant since;
  };
  std::vector<ParkedGroup> Parked();

  // A whole batch refused before it could be read (bad signature, origin
  // not entitled, malformed): recorded against the peer that sent it.
  Status RecordRefusal(const std::string& batch_id, const std::string& origin, const std::string& charged_to,
                       const exchange::Rejection& r);
  struct BatchRecord {
    std::string batch_id, origin, stream, state, received_from, forward_to, note;
    std::uint64_t seq = 0, accepted = 0, rejected = 0;
    Instant stored_at;
  };
  struct RecordedRejection {
    exchange::Rejection rejection;
    std::string charged_to;
    Instant at;
  };
  Result<std::optional<BatchRecord>> FindBatch(const std::string& batch_id);
  Result<std::vector<RecordedRejection>> RejectionsOf(const std::string& batch_id);
  // The signed receipts this node holds for a batch it sent, per link.
  struct HeldReceipt {
    std::string link;
    std::optional<Instant> delivered_at;
    std::string receipt_xml;  // empty while undelivered
    std::string last_error;
  };
  Result<std::vector<HeldReceipt>> ReceiptsOf(const std::string& batch_id);

  // Proofs for events of other origins that go down (exchange/proof.h):
  // one received with the event and kept, or the batches of the origin
  // that carried it (with their events signature), to make one from.
  Result<std::optional<std::string>> StoredProof(const std::string& origin, std::uint64_t seq);
  struct Carrier {
    std::string batch_id;
    std::string bytes;
    std::filesystem::path bytes_file;
    std::string events_signature;
  };
  Result<std::vector<Carrier>> CarriersOf(const std::string& origin, std::uint64_t seq);
  // Batch bytes and signature by id (inspection, tests; a batch kept in a
  // file is read into memory).
  Result<std::pair<std::string, std::string>> BatchBytes(const std::string& batch_id);
  // The same without reading a batch file: its path instead (to stream it).
  struct StoredBatch {
    std::string batch_id, origin, state;
    std::string bytes;                 // unless in a file:
    std::filesystem::path bytes_file;  // set (and bytes empty) when its bytes are this file
    std::string signature;
  };
  Result<StoredBatch> GetBatch(const std::string& batch_id);

  // ---- duplicates, 判重 (store_dedup.cc) ----------------------------------
  // Every case's petitioner keys, matter terms and normalised features are
  // indexed in the transaction that writes its projection (registration,
  // local or from a batch, and every correction); see dedup/README.md.
  // Reads go through a read-only connection of their own (opened on first
  // use, serialised among themselves), so a check never blocks a writer.

  struct DuplicateCandidate {
    std::string case_id;
    std::string node;  // the registering body
    Date received_date;
    dedup::Match match;  // score, decision (possible or duplicate), reasons
  };
  // The cases held here that may be the same petition as `c`, best first, at
  // most `limit`; the case `c.case_id` itself is left out. Stores nothing.
  Result<std::vector<DuplicateCandidate>> FindDuplicates(const schema::CaseRegistration& c, std::size_t limit = 10);
  // The same for a case held here, as it reads now (corrections applied),
  // earlier and later cases alike. kNotFound when the case is not held here.
  Result<std::vector<DuplicateCandidate>> DuplicatesOf(std::string_view case_id, std::size_t limit = 10);

  struct PetitionerCase {
    std::string case_id;
    std::string node;           // the registering body
    Date received_date;
    std::string problem_place;  // 问题属地
    std::string content_category;
    std::string state_json;     // the projection as the cases table keeps it (status, handler, clocks)
  };
  // Every case held here with a petitioner of this ID number (18 characters,
  // or 15 digits), oldest first, at most `limit`. kInvalidArgument when it is
  // neither.
  Result<std::vector<PetitionerCase>> CasesOfPetitioner(std::string_view id_number, std::size_t limit = 1000);

  // Writes the duplicate index of every case held (migration 10 runs it on
  // the cases an older xfnode stored). REQUIRES: inside a transaction.
  static Status IndexAllForDuplicates(sql::Db& db);

  // `xfctl bench dedup --apply` only: with false, projections are written
  // without the duplicate index, to measure what the index costs the apply
  // path. A node never turns it off.
  void SetDuplicateIndexForBench(bool on);
  // `xfctl bench dedup --bulk` only: writes the duplicate index of `regs`
  // (each with its case_id set) with the writer a node uses, in one
  // transaction, without events or projections — a store of millions of
  // cases for timing checks, made quickly. A node never calls it.
  Status BulkIndexForBench(const std::vector<schema::CaseRegistration>& regs);

  struct DedupWrite {  // statements of the index's writer (store_dedup.cc)
    sql::Stmt find, insert, update, insert_key, delete_key, insert_terms, delete_terms, insert_blind, delete_blind;
  };

  // ---- duplicates across the hierarchy (store_dedup_system.cc) ----------
  // With the system key (dedup/blind.h), a node with children keeps a blind
  // index of every case it holds (dedup_blind, migration 13), written by the
  // dedup worker after the commits, to answer the questions of the levels
  // below (dedup/wire.h). It checks the cases that arrive from below against
  // the rest of what it holds, after the commits (node/dedup_exchange.h),
  // and records what it finds as duplicate notices (判重提示) on the cases
  // concerned; a notice goes down to the node that registered its case.

  // Sets the system key. A node with children (SetRouting first) indexes its
  // cases under it: when the blind index is under another key or none, it
  // is emptied and made again from the first case by IndexBlindPending. A
  // correction re-indexes its case blind in its own transaction.
  Status SetBlindKey(std::shared_ptr<const dedup::BlindKey> key);
  // Indexes blind at most `max` cases not yet indexed (dedup_state
  // 'blind_upto'), in one transaction: the dedup worker's, after the
  // commits, so that applying a batch does not pay for it. Answers how many.
  Result<std::size_t> IndexBlindPending(std::size_t max);
  std::shared_ptr<const dedup::BlindKey> BlindKey() const;
  // Cases indexed blind (dedup_blind's distinct ids; tests, status).
  Result<std::int64_t> BlindIndexed();

  // A question from below, answered from the blind index: the cases held
  // here, registered outside the subtree of q.exclude, that may be the same
  // petition, ranked by the matcher under `key`, best first, at most q.limit.
  // kInvalidArgument when the question names another key than `key`.
  struct RemoteCandidate {
    DuplicateCandidate candidate;
    std::string status;  // the case's status as held here
  };
  Result<std::vector<RemoteCandidate>> FindBlind(const dedup::wire::Question& q, const dedup::BlindKey& key);
  // The cases held here, registered outside the subtree of `exclude`, with a
  // petitioner whose ID number has the key `id` (dedup::IdKey under `key`),
  // oldest first.
  Result<std::vector<PetitionerCase>> CasesOfBlindId(std::int64_t id, const dedup::BlindKey& key,
                                                     std::string_view exclude, std::size_t limit = 1000);

  // Cases indexed after `after` (dedup_cases.id), oldest first, at most `max`.
  struct Arrival {
    std::int64_t id = 0;
    dedup::Features features;
  };
  Result<std::vector<Arrival>> ArrivalsAfter(std::int64_t after, std::size_t max);
  // Where the check of arrivals stands (dedup_state 'checked_upto', set by
  // migration 16: 0 for a new database, the newest case for one upgraded
  // from before duplicate detection); -1 when the row is missing.
  Result<std::int64_t> CheckedUpto();
  Status SetCheckedUpto(std::int64_t upto);
  // One pass of the arrivals check in one transaction: its duplicate notices
  // (kDuplicateNotice events of `node_id`, each checked against its case's
  // history as AppendEvent does) and where the check stands. A notice on a
  // case not held, or one its history refuses (R7), is left out and counted
  // in `left_out`; the others are stored. Returns how many were stored.
  Result<std::size_t> AppendNotices(std::vector<schema::Event> notices, const std::string& node_id,
                                    std::int64_t checked_upto, std::size_t* left_out = nullptr);
  // The newest dedup_cases.id (0: none).
  Result<std::int64_t> NewestIndexed();
  // The candidates of features (FindDuplicates without the extraction).
  // With `keep`, only the cases whose registering body it keeps are ranked
  // (the check of arrivals wants those of the other branches only: ranking
  // is most of a check's cost).
  using NodeFilter = std::function<bool(const std::string& node)>;
  Result<std::vector<DuplicateCandidate>> FindFeatures(const dedup::Features& f, std::size_t limit = 10,
                                                       const NodeFilter& keep = {});

  // The status of a case as its projection says ("" when not held).
  Result<std::string> StatusOf(std::string_view case_id);
  // The duplicate notices (判重提示) held on a case, as its events say, oldest first.
  struct Notice {
    std::string event_id;
    schema::DuplicateNotice notice;
    Instant occurred_at;
  };
  Result<std::vector<Notice>> NoticesOf(std::string_view case_id);

 private:
  Store(sql::Db db, const Clock& clock);
  // The writer's lock: local writes go before a batch apply waiting for it.
  // BasicLockable (lock() is the local kind) for std::lock_guard.
  class WriterLock {
   public:
    void lock() { Lock(false); }
    void unlock();
    void LockBulk() { Lock(true); }

   private:
    void Lock(bool bulk);
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_held = false;
    int m_local_waiting = 0;
  };
  struct BulkGuard {
    WriterLock& lock;
    explicit BulkGuard(WriterLock& l) : lock(l) { lock.LockBulk(); }
    ~BulkGuard() { lock.unlock(); }
  };

  // A reader connection lent from the pool; its statements are prepared
  // once per connection (by the address of their SQL literal).
  struct ReadConn {
    sql::Db db;
    std::map<const char*, sql::Stmt> stmts;
    Result<sql::Stmt*> Stmt(const char* sql);
  };
  class ReadLease {
   public:
    ReadLease(Store& store, std::unique_ptr<ReadConn> conn) : m_store(&store), m_conn(std::move(conn)) {}
    ReadLease(ReadLease&&) = default;
    ~ReadLease();
    ReadConn* operator->() { return m_conn.get(); }
    ReadConn& operator*() { return *m_conn; }

   private:
    Store* m_store;
    std::unique_ptr<ReadConn> m_conn;
  };
  Result<ReadLease> Reader();
  Result<std::vector<StoredEvent>> EventsOfCaseOn(ReadConn& r, std::string_view case_id);
  Status Migrate(int target);
  Status PrepareStatements();
  // Re-projects every case when the projection's columns are older than
  // this build's (after migration 7 on a database of an earlier xfnode).
  Status RefreshStaleProjections();
  // R7 against what is held. REQUIRES: m_mutex held.
  schema::Violations ChronologyLocked(const std::vector<schema::Event>& history, const schema::Event& e,
                                      bool strict,
                                      const std::function<std::optional<schema::InitialCase>(const std::string&)>&
                                          pending = {});
  std::optional<schema::InitialCase> InitialCaseLocked(const std::string& case_id);
  // Inserts the event (seq assigned) and refreshes its case's projection.
  // REQUIRES: m_mutex held, inside a transaction.
  Result<std::string> AppendLocked(schema::Event& e);
  Result<bool> CaseExistsLocked(std::string_view case_id);  // REQUIRES: m_mutex held
  // REQUIRES: m_mutex held, inside a transaction.
  Status InsertEventRow(const schema::Event& e, const std::string& xml, Instant stored_at);
  Status RefreshProjection(const std::string& case_id);
  Status WriteProjection(const std::string& case_id, const CaseState& state);
  // Indexes the case for duplicate detection when what is indexed changed.
  // REQUIRES: m_mutex held, inside a transaction (store_dedup.cc).
  Status IndexForDuplicates(const std::string& case_id, const schema::CaseRegistration& body);
  Status PrepareDedupStatements();
  // The read connection and the weights, made or refreshed when due.
  // REQUIRES: m_read_mutex held.
  Status ReadyForDuplicateReads();
  Result<std::vector<DuplicateCandidate>> FindLocked(const dedup::Features& f, std::size_t limit,
                                                     const NodeFilter& keep = {});
  // The ids a check ranks: by keys (fewer under a broad one) and by terms,
  // the rarest shared most. REQUIRES: m_read_mutex held.
  Result<std::vector<std::int64_t>> RetrieveLocked(sql::Stmt& by_key, const std::vector<std::int64_t>& keys,
                                                    const std::vector<std::int64_t>& broad, sql::Stmt& by_term,
                                                    std::size_t terms,
                                                    const std::function<void(sql::Stmt&, std::size_t)>& bind_term);
  // The blind reads' statements and weights. REQUIRES: m_read_mutex held.
  Status ReadyForBlindReads(const dedup::BlindKey& key);
  // store_cases.cc: the petitioners of a case's projection (case_petitioners),
  // the statements of the case list and of idempotent intake.
  Status WritePetitioners(const std::string& case_id, const CaseState& state);
  Status PrepareCaseStatements();
  // REQUIRES: m_mutex held, inside a transaction. The stored answer for the
  // key (checked against the request), or nullopt when the key is new.
  Result<std::optional<IdempotentAnswer>> IdempotentLocked(const Idempotency& i);
  Status StoreIdempotentLocked(const Idempotency& i, const schema::Event& stored, int status);
  // REQUIRES: m_mutex held, inside a transaction. kAlreadyExists (with the
  // first answer in idempotency->replay) when the key was used; ok when new or null.
  Status RefuseIfKeyUsedLocked(const Idempotency* idempotency);
  // REQUIRES: m_mutex held, txn open. A local event (registration or later):
  // refused with its R7 violations, else appended, its key's answer kept, committed.
  Status CommitLocalLocked(sql::Txn& txn, schema::Event& e, schema::Violations r7,
                           schema::Violations* refused, const Idempotency* idempotency);
  Result<std::vector<StoredEvent>> EventsOfCase(std::string_view case_id);
  // The same, the records only (a case's history, for R7 and projections).
  Result<std::vector<schema::Event>> HistoryOf(std::string_view case_id);

  // Queues a local event to go down when its case's handler is below.
  // REQUIRES: m_mutex held, inside a transaction.
  Status RouteDown(const schema::Event& e, const CaseState& state);
  Result<std::vector<StoredEvent>> ReadEvents(sql::Stmt& q);

  // Moves an incoming batch's file into m_batch_dir, durably; answers its
  // name there (a file there already: its name, untouched).
  Result<std::string> PlaceBatchFile(const Incoming& in);

  WriterLock m_mutex;  // the writer: m_db and m_st
  std::filesystem::path m_db_file;
  std::mutex m_readers_mutex;
  std::vector<std::unique_ptr<ReadConn>> m_readers;  // idle reader connections
  mutable std::mutex m_applying_mutex;
  struct ApplyState {
    ApplyProgress progress;
    std::atomic<std::uint64_t> events{0};
    std::atomic<bool> writing{false};
  };
  std::map<std::uint64_t, std::shared_ptr<ApplyState>> m_applying;  // by m_apply_serial
  std::uint64_t m_apply_serial = 0;
  std::shared_ptr<const codes::Calendar> m_calendar = std::make_shared<codes::Calendar>();
  codes::Counting m_counting = codes::Counting::kCalendarDays;
  std::filesystem::path m_batch_dir;
  Env* m_env = &Env::Default();
  // The case list's read-only connection, with the legal clocks in SQL
  // (store_cases.cc); opened on first use.
  struct CaseReader;
  std::mutex m_reader_mutex;
  std::unique_ptr<CaseReader> m_reader;
  std::string m_self;
  std::vector<std::string> m_children;
  // The system key the blind index is written under (a node with children;
  // null: none). Guarded by m_mutex; a copy is taken to read with.
  std::shared_ptr<const dedup::BlindKey> m_blind;
  bool m_dedup_index = true;  // SetDuplicateIndexForBench; guarded by m_mutex
  // The entry made before the apply for the case whose projection is being
  // written (ApplyBatch), or null. Guarded by m_mutex.
  const DedupEntry* m_dedup_entry = nullptr;
  sql::Db m_db;
  const Clock& m_clock;
  int m_version = 0;
  struct Statements {
    sql::Stmt next_seq, bump_origin, insert_event, events_of_case, has_case, upsert_case,
        next_case_no, bump_case_no, get_case, insert_blob, has_blob, initial_case, matter_closed,
        delete_petitioners, insert_petitioner, find_idempotent, insert_idempotent;
    EventFactStatements facts;
  } m_st;
  DedupWrite m_dw;

  // Duplicate reads (store_dedup.cc): their own connection and statements.
  std::mutex m_read_mutex;
  std::optional<sql::Db> m_read;
  struct DedupRead {
    sql::Stmt by_key, by_term, row, row_of_case, newest, sample, timeline;
    // Across the hierarchy (store_dedup_system.cc), prepared when first used.
    sql::Stmt by_blind, blind_row, blind_timeline;
  } m_dr;
  std::shared_ptr<const dedup::BigramWeights> m_weights;
  // The weights rehashed for the blind key (dedup::BigramWeights::Rehashed),
  // made again when the weights or the key change.
  std::shared_ptr<const dedup::BigramWeights> m_blind_weights;
  const dedup::BigramWeights* m_blind_weights_of = nullptr;
  std::string m_blind_weights_key;
  std::int64_t m_weights_newest = -1;  // the newest indexed case when the weights were made
};

}  // namespace xf::node

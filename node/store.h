// The node's store: an append-only event log in SQLite, the projection of
// every case, and attachment blobs on disk by SHA-256.
//
// Durability: every write is one transaction in WAL mode with
// synchronous=FULL; a method that returns success has committed, so the
// caller may acknowledge. Events cannot be updated or deleted (triggers
// refuse it). Sequence numbers are contiguous per origin, from 1.
//
// Thread safety: all methods may be called from any thread; they are
// serialised on one connection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"
#include "node/sqlite.h"
#include "schema/records.h"

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

struct StoreStats {
  int schema_version = 0;
  std::int64_t cases = 0;
  std::int64_t events = 0;
  std::int64_t blobs = 0;
  std::vector<OriginMark> origins;
};

class Store {
 public:
  // Opens or creates the database and runs the pending migrations. Fails
  // when the file was written by a newer xfnode (its schema version is
  // higher than this build knows): a downgrade must not touch it.
  static Result<std::unique_ptr<Store>> Open(const std::filesystem::path& db_file, const Clock& clock);
  static int LatestSchemaVersion();
  // Opens and migrates only up to `version` (tests of upgrades).
  static Result<std::unique_ptr<Store>> OpenAtVersion(const std::filesystem::path& db_file,
                                                      const Clock& clock, int version);

  // Registers a case at this node: mints the case id when empty
  // ("<node-id>-<YYYY>-<NNNNNNN>", the year of registration in UTC+8), fills
  // registering_body and registered_at when empty, and appends the
  // registration event (origin node_id, next sequence number).
  // REQUIRES: the registration has been validated.
  Result<schema::Event> RegisterCase(schema::CaseRegistration c, const std::string& node_id,
                                     const std::string& actor);

  // Appends a later event recorded at this node for a case it holds;
  // origin, seq and recorded_at are assigned here. kNotFound when the case
  // is unknown.
  Result<schema::Event> AppendEvent(schema::Event e, const std::string& node_id);

  bool HasCase(std::string_view case_id);
  Result<CaseView> GetCase(std::string_view case_id);
  StoreStats Stats();

  // Records that the blob with this hash is on disk (see BlobPath).
  Status RecordBlob(std::string_view sha256, std::uint64_t size);
  bool HasBlob(std::string_view sha256);

 private:
  Store(sql::Db db, const Clock& clock) : m_db(std::move(db)), m_clock(clock) {}
  Status Migrate(int target);
  Status PrepareStatements();
  // Inserts the event (seq assigned) and refreshes its case's projection.
  // REQUIRES: m_mutex held, inside a transaction.
  Result<std::string> AppendLocked(schema::Event& e);
  Result<bool> CaseExistsLocked(std::string_view case_id);  // REQUIRES: m_mutex held
  Status RefreshProjection(const std::string& case_id);
  Status WriteProjection(const std::string& case_id, const CaseState& state);
  Result<std::vector<StoredEvent>> EventsOfCase(std::string_view case_id);

  std::mutex m_mutex;
  sql::Db m_db;
  const Clock& m_clock;
  int m_version = 0;
  struct Statements {
    sql::Stmt next_seq, bump_origin, insert_event, events_of_case, has_case, upsert_case,
        next_case_no, bump_case_no, get_case, insert_blob, has_blob;
  } m_st;
};

}  // namespace xf::node

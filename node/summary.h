// Signed conformance summaries sent upward (issue 4, "Upward reports").
//
// Every node signs its own conformance report (the JSON of
// node/CONFORMANCE.md, lists cut short) and sends it to its parent with its
// batches; each relay keeps a copy and forwards the bytes unchanged, as it
// does batches, so the national bureau holds every node's own account of its
// subtree, verifiable with that node's key, without recomputing from raw
// events it may not hold. A newer summary of an origin replaces the older.
//
// The table lives in xfnode.db (a Store migration); SummaryStore uses a connection
// of its own, so a summary never waits for a large batch being applied
// longer than the busy timeout.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"
#include "node/config.h"
#include "node/conformance.h"
#include "node/sqlite.h"

namespace xf::node::summary {

inline constexpr std::size_t kMaxBytes = 2u << 20;  // a summary larger than this is refused
inline constexpr std::size_t kListed = 20;           // rows kept in each list of a summary

// Checks a held summary's signature again (the report shows whether the
// children's accounts verify) with the keys this node's configuration
// names: key_directory/<origin>.pub, else the parent's or a child's
// public_key. A key is read when first asked for and kept; an origin with
// no key file answers nullopt. Not thread-safe: one per report.
conformance::VerifySummary KeyFileVerifier(const NodeConfig& config);

// What the receiver reads back from a summary's JSON before storing it.
struct Header {
  std::string node_id;
  Instant generated;
};

// The bytes to sign: this node's report as JSON. The report should be
// computed with Options::max_listed = kListed.
std::string Make(const conformance::Report& report);
// Bounded parse of the fields the store needs; the rest is kept as bytes.
Result<Header> ParseHeader(std::string_view json);

struct Held {
  std::string origin;
  Instant generated;
  std::string json;        // exactly as signed by origin
  std::string signature;
  std::string received_from;  // "" for this node's own
  Instant stored_at;
  bool sent = false;       // forwarded to the parent
};

class SummaryStore {
 public:
  static Result<SummaryStore> Open(const std::filesystem::path& db_file);

  // Keeps the summary when it is newer than the one held for its origin
  // (true), else changes nothing (false).
  // REQUIRES: the signature was verified with the origin's key.
  Result<bool> Put(const Held& s);
  // Summaries not yet forwarded to the parent, oldest first.
  Result<std::vector<Held>> Unsent();
  Status MarkSent(const std::string& origin, Instant generated);
  // Every summary held, by origin.
  Result<std::vector<Held>> All();
  // When this node last made its own summary.
  Result<std::optional<Instant>> LastOwn(const std::string& self);

 private:
  explicit SummaryStore(sql::Db db) : m_db(std::move(db)) {}
  Result<std::vector<Held>> Query(const std::string& where);
  sql::Db m_db;
};

}  // namespace xf::node::summary

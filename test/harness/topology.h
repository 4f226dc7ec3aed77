// Multi-node test harness: a tree of real xfnode processes on loopback,
// wired with the real `xfctl peer add` / `xfctl keys add`, each node with its
// own data dir, plus the waits and read-only database looks the exchange
// tests need.
//
// The default tree is the one of the exchange tests:
//   100000 (national) → 110000 (province) → 110100 (city) → 110105, 110108 (counties)
// Any subset works: each node's parent is its nearest ancestor in the set.
//
// Thread safety: none; one test thread drives a Topology.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "test/harness/harness.h"

namespace xf::test {

inline const std::vector<std::string> kFullTree = {"100000", "110000", "110100", "110105",
                                                   "110108"};

struct TopologyOptions {
  int interval_seconds = 0;  // exchange.interval of every node (0: immediate)
  // Backoff ceiling: short, so a node that comes back is reached again soon.
  int retry_max_seconds = 1;
  // Children wired in pull mode (`--pull` on both sides): they poll their
  // parent, which knows no URL for them and so cannot push to them.
  std::set<std::string> pull;
  // Children linked only by files (xfctl export/import, 网闸): wired without
  // URLs on either side, so neither pushes to the other.
  std::set<std::string> offline;
  // A national root key pair made first (xfctl directory keygen, under
  // RootKeyDir()), and every node initialised with its public half
  // (xfctl init --root-key): the nodes take a signed directory.
  bool directory_root = false;
};

class Topology {
 public:
  // Inits every node of `ids` under a fresh temporary directory with a free
  // loopback exchange port, wires each to its nearest ancestor in `ids`, and
  // puts every node's signing key into every node's key directory. Starts
  // nothing. Throws std::runtime_error when a command fails.
  explicit Topology(std::vector<std::string> ids = kFullTree, TopologyOptions options = {});
  ~Topology();  // SIGKILL whatever still runs
  Topology(const Topology&) = delete;
  Topology& operator=(const Topology&) = delete;

  const std::vector<std::string>& Ids() const { return m_ids; }
  NodeProcess& Node(const std::string& id);
  std::filesystem::path Dir(const std::string& id) const;
  std::filesystem::path Root() const { return m_root.Path(); }
  // root.key and root.pub, with TopologyOptions::directory_root.
  std::filesystem::path RootKeyDir() const { return m_root.Path() / "national-root"; }
  std::string ExchangeUrl(const std::string& id) const;  // https://127.0.0.1:PORT
  std::optional<std::string> ParentOf(const std::string& id) const;

  // Starts xfnode and waits (bounded) until both its API and its exchange
  // endpoint listen. False (the log is in Node(id).Log()) if it does not.
  bool Start(const std::string& id);
  bool StartAll();
  void Kill(const std::string& id);  // SIGKILL
  int Stop(const std::string& id);   // SIGTERM; the exit status

  // ---- the local API --------------------------------------------------

  // GET /v1/status as an object; empty when the node does not answer.
  boost::json::object Status(const std::string& id);
  // POST /v1/cases; the new case id, or "" (with the answer in *error).
  std::string RegisterCase(const std::string& id, const std::string& body,
                           std::string* error = nullptr);
  // POST /v1/cases/{case}/events; the HTTP status (0 when unreachable).
  int PostEvent(const std::string& id, const std::string& case_id, const std::string& body,
                std::string* answer = nullptr);
  bool HasCase(const std::string& id, const std::string& case_id);
  // Waits (bounded) until node `id` holds `case_id` with exactly `events` events.
  bool WaitForCase(const std::string& id, const std::string& case_id, std::size_t events,
                   std::chrono::seconds deadline = std::chrono::seconds(60));
  // Events of `case_id` at node `id` per its API (0 when it lacks the case).
  std::size_t CaseEventCount(const std::string& id, const std::string& case_id);
  // origins[].last_seq of /v1/status for `origin` (0 when absent).
  std::uint64_t LastSeq(const std::string& id, const std::string& origin);
  // Sum of exchange.links[].pending and the number of gaps, from /v1/status.
  std::int64_t PendingOut(const std::string& id);
  std::size_t GapCount(const std::string& id);

  // The events of `case_id` in node `id`'s database: event id → its XML bytes.
  std::map<std::string, std::string> CaseEventXml(const std::string& id,
                                                  const std::string& case_id) const;

 private:
  struct Member {
    std::string id;
    std::uint16_t exchange_port = 0;
    std::unique_ptr<NodeProcess> process;
  };
  Member& Get(const std::string& id);
  const Member& Get(const std::string& id) const;

  TempDir m_root{"xfx"};
  std::vector<std::string> m_ids;
  TopologyOptions m_options;
  std::map<std::string, Member> m_members;
};

// Tier name of a node id: "national", "province", "city" or "county".
std::string TierOf(const std::string& id);

// A loopback port free at the time of the call.
std::uint16_t FreePort();

// Polls `condition` until it holds or `deadline` (through Patience) passes;
// the deadline is a failure bound only, never a timing assertion.
bool WaitUntil(const std::function<bool()>& condition,
               std::chrono::seconds deadline = std::chrono::seconds(60));

// Runs xfctl with `args`; the output and exit status.
CommandResult Xfctl(const std::vector<std::string>& args);

// A sample case of test/data/cases/valid as a node registers it: without
// registering_body (the node fills it) and without attachments (whose bytes
// would have to travel too).
std::string SampleCase(const std::string& file = "letter-village-assets.json");

// A read-only query on a node's database (data/xfnode.db), safe while the
// node runs. Every column comes back as its bytes (integers as text).
// Throws std::runtime_error on SQL errors.
using Row = std::vector<std::string>;
std::vector<Row> Query(const std::filesystem::path& node_dir, const std::string& sql,
                       const std::vector<std::string>& params = {});
// The single value of a one-row, one-column query ("" when no row).
std::string QueryOne(const std::filesystem::path& node_dir, const std::string& sql,
                     const std::vector<std::string>& params = {});

}  // namespace xf::test

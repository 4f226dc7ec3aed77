// The node's configuration: one YAML file (see conf/*.yaml).
//
// Relative paths in the file resolve against the file's own folder. Unknown
// keys, wrong types and bad values fail the load with "FILE:LINE: what".
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codes/calendar.h"
#include "codes/result.h"
#include "schema/validate.h"

namespace YAML {
class Node;
}

namespace xf::node {

enum class Tier { kNational, kProvince, kCity, kCounty, kDepartment };
const char* TierName(Tier t);

struct PeerConfig {
  std::string id;                     // node id of the peer
  std::string url;                    // https://host:port of its exchange endpoint ("" for pull-only)
  std::filesystem::path public_key;   // its signing public key (PEM)
  std::filesystem::path certificate;  // its TLS certificate (PEM), trusted for mutual TLS
  // On a child entry: the child is behind a one-way gateway; it is not
  // pushed to but fetches its queue. On the parent entry: this node polls
  // its parent for what comes down (and still pushes up to it).
  bool pull = false;
};

struct NodeConfig {
  std::filesystem::path file;  // where it was loaded from

  std::string node_id;
  std::string name;
  Tier tier = Tier::kCounty;

  std::filesystem::path data_dir;   // database, blobs, batches
  std::filesystem::path codes_dir;  // empty: codes::DefaultDataDir()

  // Local API
  std::string api_listen = "127.0.0.1";
  std::uint16_t api_port = 8640;  // 0: any free port (written to data_dir/api.url)
  std::filesystem::path api_token_file;
  std::size_t api_body_limit = 8 * 1024 * 1024;
  int api_workers = 2;

  // Signing and TLS
  std::string signing_algorithm = "ed25519";
  std::filesystem::path signing_key;
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;

  // Exchange
  std::string exchange_listen = "127.0.0.1";
  std::uint16_t exchange_port = 8641;  // 0: any free port (written to data_dir/exchange.url)
  int exchange_interval_seconds = 60;  // 0: immediate (pack and push as soon as events commit)
  std::size_t batch_max_events = 1000; // a batch is packed at once when this many are pending
  std::size_t batch_max_bytes = 4u << 20;  // of XML
  int retry_max_seconds = 60;          // backoff ceiling when a peer is unreachable
  // SIGTERM: how long the node waits for the work in flight (a batch being
  // applied, its receipt) before it exits anyway, rolling back what is not
  // committed (key `stop_timeout`; below systemd's TimeoutStopSec=60).
  int stop_timeout_seconds = 50;
  // The key directory: <node-id>.pub for every node whose batches this node
  // verifies (its subtree and its ancestors); parent and children keys are
  // added from their entries.
  std::filesystem::path key_directory;
  // The national root key (section `directory:`, xfctl init --root-key):
  // what the signed directory must be signed with. Empty: this node takes
  // no directory (exchange/PROTOCOL.md, "The signed directory").
  std::filesystem::path directory_root_key;
  std::optional<PeerConfig> parent;
  std::vector<PeerConfig> children;

  schema::RecordLimits limits;
  int timeliness_bound_hours = 24;   // R5
  int repeat_grace_hours = 24;       // R4
  // How the legal clocks count (codes/calendar.h): calendar days, or working
  // days where a province's own regulation says so (rules.counting).
  codes::Counting counting = codes::Counting::kCalendarDays;

  // The conformance report (node/CONFORMANCE.md; section `conformance:`).
  struct Conformance {
    int silent_hours = 24;          // a child with no batch for longer is silent (0: any pause)
    int period_days = 30;           // default period: the last this many days
    std::size_t max_listed = 100;   // rows in each list of the report
    int summary_minutes = 60;       // how often this node signs its summary for the parent (0: never)
  } conformance;
};

Result<NodeConfig> LoadConfig(const std::filesystem::path& file);
// Parses YAML text; `file` is used for messages and relative paths.
Result<NodeConfig> ParseConfig(const std::string& yaml, const std::filesystem::path& file);
// Sets one scalar of the configuration file through yaml-cpp (never by text
// search): `key` is a dotted path ("exchange.batch_events"), its maps made if
// missing. The edited file must load (LoadConfig) before it replaces the old
// one, atomically; comments in the file are not kept.
Status SetConfigValue(const std::filesystem::path& file, std::string_view key, std::string_view value);
// Edits the configuration file through yaml-cpp: `edit` changes the parsed
// document (its error is returned as it is); the result must parse
// (ParseConfig) before it replaces the old file, atomically, mode 0640.
// Comments in the file are not kept.
Status EditConfig(const std::filesystem::path& file, const std::function<Status(YAML::Node& root)>& edit);

}  // namespace xf::node

// A topology of real xfnode processes on loopback, built the way an
// operator builds one: `xfctl init` per node, `xfctl peer add` on both sides
// of every parent–child link, `xfctl keys add` of every node's signing key
// everywhere (relays never re-sign), then the processes started and waited
// for. Used by `xfctl demo` and `xfctl bench propagate`.
//
// Typical use:
//   auto t = Topology::Plan(dir, DemoNodes(), {.exchange_interval_seconds = 1});
//   if (!t || !t->Create() || !t->StartAll()) …;
//   CallApi(t->Node("110105").api, "POST", "/v1/cases", …);
//   // ~Topology stops every node it still owns.
//
// Not thread-safe: one thread builds, starts and stops. The nodes' ApiTarget
// values may be copied to other threads.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "codes/result.h"
#include "node/config.h"
#include "tools/xfctl.h"

namespace xf::tools {

struct NodeSpec {
  std::string id;      // node id (a division code)
  std::string tier;    // national, province, city, county
  std::string name;
  std::string parent;  // "" at the root of this topology
};

// The demo's five: 100000 national, 110000 province, 110100 city, and the
// counties 110105 and 110108 under it.
std::vector<NodeSpec> DemoNodes();
// The demo's nodes named in `ids`, in that order (ids not in the demo are
// left out). A node whose parent is not among them becomes a root.
std::vector<NodeSpec> DemoNodes(const std::vector<std::string>& ids);

struct TopologyOptions {
  int exchange_interval_seconds = 60;          // 0: immediate mode
  std::optional<std::size_t> batch_max_events;  // exchange.batch_events; unset: the node's default
  std::chrono::seconds start_timeout{20};       // per node, until /healthz answers
};

struct TopologyNode {
  NodeSpec spec;
  std::filesystem::path dir;  // DIR/<tier>-<id>: xfnode.yaml, keys/, data/, xfnode.log
  int exchange_port = 0;
  node::NodeConfig config;  // loaded by Topology::ShareKeys (or Create)
  ApiTarget api;            // filled when started
  std::optional<Process> proc;

  const std::string& Id() const { return spec.id; }
  std::string Label() const { return spec.tier + "-" + spec.id; }
  std::string ExchangeUrl() const { return "https://127.0.0.1:" + std::to_string(exchange_port); }
  std::string StatusPageUrl() const { return api.url + "/"; }  // GET /: no token needed
  std::filesystem::path LogFile() const { return dir / "xfnode.log"; }
  std::filesystem::path Database() const { return config.data_dir / "xfnode.db"; }
  bool Running() { return proc && proc->Running(); }
};

class Topology {
 public:
  // Lays the nodes out under `dir` (created if missing) and picks free
  // ports; creates nothing else yet. A node folder of an earlier run is
  // removed, unless it is not a node folder or its node still answers
  // (kAlreadyExists, naming DIR/stop.sh).
  static Result<Topology> Plan(const std::filesystem::path& dir, std::vector<NodeSpec> specs,
                               TopologyOptions options);
  Topology(Topology&&) = default;
  Topology& operator=(Topology&&) = delete;
  ~Topology() = default;  // each Process still owned is stopped (SIGTERM, wait)

  // Init, Wire and ShareKeys in turn.
  Status Create();
  // `xfctl init` of every node (API on a free port, the planned exchange
  // port, the interval and batch size of the options).
  Status Init();
  // Makes node `id` the same node as the one in `from` (a folder of another
  // topology): its signing key and TLS identity are copied over, so batches
  // signed there verify here. REQUIRES: after Init, before Wire.
  Status CopyIdentity(const std::string& id, const std::filesystem::path& from);
  // `xfctl peer add` on both sides of every link in the topology.
  Status Wire();
  // `xfctl keys add` of every other node's key on every node; loads each
  // node's configuration.
  Status ShareKeys();

  // Starts xfnode for the node and waits until its API answers /healthz.
  // kUnavailable (with the node's log) when it does not start in time.
  Status Start(const std::string& id);
  // Starts every node not running yet, all at once, then waits for each in turn.
  Status StartAll();
  // SIGTERM and wait; nothing when it is not running.
  void Stop(const std::string& id);
  void StopAll();
  Status Restart(const std::string& id);
  // Leaves every running node running (after WriteStopScript, say).
  void ReleaseAll();
  // DIR/stop.sh: stops every node of the topology that runs, found by its
  // data dir's pid file (so also a node restarted by hand), never another process.
  Status WriteStopScript() const;

  // REQUIRES: `id` is one of the topology's nodes.
  TopologyNode& Node(const std::string& id);
  const TopologyNode& Node(const std::string& id) const;
  std::vector<TopologyNode>& Nodes() { return m_nodes; }
  const std::vector<TopologyNode>& Nodes() const { return m_nodes; }
  const std::filesystem::path& Dir() const { return m_dir; }
  const TopologyOptions& Options() const { return m_options; }
  // (parent, child) pairs, in node order.
  std::vector<std::pair<std::string, std::string>> Links() const;
  bool AllRunning();  // every started node still runs

 private:
  Topology(std::filesystem::path dir, std::vector<TopologyNode> nodes, TopologyOptions options)
      : m_dir(std::move(dir)), m_nodes(std::move(nodes)), m_options(options) {}
  Status InitNode(TopologyNode& n);
  Status Spawn(TopologyNode& n);
  Status WaitReady(TopologyNode& n);
  Status SetBatchSize(const TopologyNode& n) const;
  Status WireLink(const TopologyNode& child, const TopologyNode& parent);

  std::filesystem::path m_dir;
  std::vector<TopologyNode> m_nodes;
  TopologyOptions m_options;
};

// While one lives, SIGINT and SIGTERM set a flag instead of ending xfctl, so
// the nodes (in their own process groups, out of reach of a terminal's
// Ctrl-C) are stopped on the way out. The previous handlers come back on
// destruction. Signals can only reach a flag with static storage: this is
// the one piece of global state, and only these functions touch it.
class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
  static bool Interrupted();

 private:
  struct sigaction m_old_int {};
  struct sigaction m_old_term {};
};

}  // namespace xf::tools

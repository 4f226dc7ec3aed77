#include "tools/topology.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

namespace xf::tools {

namespace fs = std::filesystem;

namespace {

// Sends std::cout elsewhere while an in-process subcommand (init, peer add,
// keys add) talks, so the caller's own lines stay readable.
class QuietCout {
 public:
  QuietCout() : m_old(std::cout.rdbuf(m_sink.rdbuf())) {}
  ~QuietCout() { std::cout.rdbuf(m_old); }
  QuietCout(const QuietCout&) = delete;
  QuietCout& operator=(const QuietCout&) = delete;
  std::string Text() const { return m_sink.str(); }

 private:
  std::ostringstream m_sink;
  std::streambuf* m_old;
};

// Runs an in-process subcommand quietly; on failure the error carries what it said.
Status RunQuietly(const char* what, const std::function<int()>& command) {
  int rc = 0;
  std::string said;
  {
    QuietCout quiet;
    rc = command();
    said = quiet.Text();
  }
  if (rc == 0) return {};
  return MakeError(Errc::kInternal, std::string(what) + " failed (exit " + std::to_string(rc) + ")\n" + said);
}

// Free TCP ports on 127.0.0.1: bound all at once (so they differ), then
// released for the nodes to take a moment later.
std::vector<int> FreePorts(std::size_t n) {
  std::vector<int> fds, ports;
  for (std::size_t i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    fds.push_back(fd);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      break;
    }
    ports.push_back(ntohs(a.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  return ports;
}

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A node folder of an earlier run may be replaced, unless it is something
// else or its node still answers.
Status ClearEarlierRun(const fs::path& node_dir, const fs::path& topology_dir) {
  std::error_code ec;
  if (!fs::exists(node_dir, ec)) return {};
  if (!fs::exists(node_dir / "xfnode.yaml", ec)) {
    return MakeError(Errc::kAlreadyExists,
                     node_dir.string() + " exists and is not a demo node; choose another --dir");
  }
  if (auto url = ReadFile(node_dir / "data" / "api.url", 4096); url && WaitHealthy(Trimmed(*url), 1)) {
    return MakeError(Errc::kAlreadyExists, "a node of an earlier demo still runs in " + node_dir.string() +
                                               "; stop it with " + (topology_dir / "stop.sh").string());
  }
  fs::remove_all(node_dir, ec);
  return {};
}

Status CopyInto(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec) return MakeError(Errc::kIo, "cannot copy " + from.string() + " to " + to.string() + ": " + ec.message());
  return {};
}

volatile std::sig_atomic_t g_interrupted = 0;  // see InterruptGuard
extern "C" void OnInterrupt(int) { g_interrupted = 1; }

}  // namespace

std::vector<NodeSpec> DemoNodes() {
  return {{"100000", "national", "国家信访局", ""},
          {"110000", "province", "北京市信访办", "100000"},
          {"110100", "city", "北京市市辖区信访局", "110000"},
          {"110105", "county", "北京市朝阳区信访局", "110100"},
          {"110108", "county", "北京市海淀区信访局", "110100"}};
}

std::vector<NodeSpec> DemoNodes(const std::vector<std::string>& ids) {
  const auto all = DemoNodes();
  std::vector<NodeSpec> out;
  for (const auto& id : ids) {
    const auto it = std::find_if(all.begin(), all.end(), [&](const NodeSpec& s) { return s.id == id; });
    if (it != all.end()) out.push_back(*it);
  }
  for (auto& s : out) {
    const bool parent_here =
        std::any_of(out.begin(), out.end(), [&](const NodeSpec& p) { return p.id == s.parent; });
    if (!parent_here) s.parent.clear();
  }
  return out;
}

// ---- building ---------------------------------------------------------------

Result<Topology> Topology::Plan(const fs::path& dir, std::vector<NodeSpec> specs, TopologyOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  std::vector<TopologyNode> nodes;
  for (auto& s : specs) {
    TopologyNode n;
    n.spec = std::move(s);
    n.dir = dir / n.Label();
    if (auto cleared = ClearEarlierRun(n.dir, dir); !cleared) return cleared.error();
    nodes.push_back(std::move(n));
  }
  const auto ports = FreePorts(nodes.size());
  if (ports.size() != nodes.size()) return MakeError(Errc::kUnavailable, "cannot find free ports on 127.0.0.1");
  for (std::size_t i = 0; i < nodes.size(); ++i) nodes[i].exchange_port = ports[i];
  return Topology(dir, std::move(nodes), options);
}

Status Topology::Create() {
  if (auto s = Init(); !s) return s;
  if (auto s = Wire(); !s) return s;
  return ShareKeys();
}

Status Topology::Init() {
  for (auto& n : m_nodes) {
    if (auto s = InitNode(n); !s) return s;
  }
  return {};
}

Status Topology::InitNode(TopologyNode& n) {
  const std::vector<std::string> words = {
      "--dir",  n.dir.string(), "--node-id", n.spec.id, "--tier", n.spec.tier, "--name", n.spec.name,
      "--api-port", "0", "--exchange-port", std::to_string(n.exchange_port), "--interval",
      std::to_string(m_options.exchange_interval_seconds), "--force"};
  if (auto s = RunQuietly("init", [&] { return CmdInit(Args(words)); }); !s) return s;
  return SetBatchSize(n);
}

// exchange.batch_events: not an init option; set in the file init wrote.
Status Topology::SetBatchSize(const TopologyNode& n) const {
  if (!m_options.batch_max_events) return {};
  return node::SetConfigValue(n.dir / "xfnode.yaml", "exchange.batch_events",
                              std::to_string(*m_options.batch_max_events));
}

Status Topology::CopyIdentity(const std::string& id, const fs::path& from) {
  const fs::path to = Node(id).dir;
  for (const char* f : {"signing.key", "signing.pub", "tls.key", "tls.crt"}) {
    if (auto s = CopyInto(from / "keys" / f, to / "keys" / f); !s) return s;
  }
  return {};
}

Status Topology::Wire() {
  for (const auto& [parent, child] : Links()) {
    if (auto s = WireLink(Node(child), Node(parent)); !s) return s;
  }
  return {};
}

Status Topology::WireLink(const TopologyNode& child, const TopologyNode& parent) {
  auto add = [](const TopologyNode& at, const char* role, const TopologyNode& peer) {
    const std::vector<std::string> words = {
        "--node", at.dir.string(), "--as", role, "--id", peer.spec.id, "--url", peer.ExchangeUrl(),
        "--key", (peer.dir / "keys" / "signing.pub").string(), "--cert", (peer.dir / "keys" / "tls.crt").string()};
    return RunQuietly("peer add", [&] { return CmdPeer("add", Args(words)); });
  };
  if (auto s = add(child, "parent", parent); !s) return s;
  return add(parent, "child", child);
}

Status Topology::ShareKeys() {
  for (auto& n : m_nodes) {
    for (const auto& other : m_nodes) {
      if (other.spec.id == n.spec.id) continue;
      const std::vector<std::string> words = {other.spec.id, (other.dir / "keys" / "signing.pub").string(),
                                              "--node", n.dir.string()};
      if (auto s = RunQuietly("keys add", [&] { return CmdKeys("add", Args(words)); }); !s) return s;
    }
    auto config = node::LoadConfig(n.dir / "xfnode.yaml");
    if (!config) return config.error();
    n.config = std::move(config).value();
  }
  return {};
}

// ---- running ----------------------------------------------------------------

Status Topology::Start(const std::string& id) {
  auto& n = Node(id);
  if (n.Running()) return {};
  if (auto s = Spawn(n); !s) return s;
  return WaitReady(n);
}

Status Topology::StartAll() {
  for (auto& n : m_nodes) {
    if (n.Running()) continue;
    if (auto s = Spawn(n); !s) return s;
  }
  for (auto& n : m_nodes) {
    if (auto s = WaitReady(n); !s) return s;
  }
  return {};
}

Status Topology::Spawn(TopologyNode& n) {
  // A stale data/api.url would name the port of an earlier run.
  std::error_code ec;
  fs::remove(n.config.data_dir / "api.url", ec);
  auto proc = Process::Spawn({XfnodeBinary().string(), "--config", n.config.file.string()}, n.LogFile());
  if (!proc) return proc.error();
  n.proc.emplace(std::move(proc).value());
  return {};
}

// The node writes data/api.url once its API listens; then /healthz must answer.
Status Topology::WaitReady(TopologyNode& n) {
  std::error_code ec;
  const auto deadline = std::chrono::steady_clock::now() + m_options.start_timeout;
  while (!fs::exists(n.config.data_dir / "api.url", ec) && n.Running() &&
         std::chrono::steady_clock::now() < deadline && !InterruptGuard::Interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto api = ApiOf(n.config);
  if (!api || !WaitHealthy(api->url, 10)) {
    std::string log = "node " + n.spec.id + " did not start; its log " + n.LogFile().string() + " says:\n";
    if (auto text = ReadFile(n.LogFile())) log += *text;
    return MakeError(Errc::kUnavailable, log);
  }
  n.api = std::move(api).value();
  return {};
}

void Topology::Stop(const std::string& id) {
  auto& n = Node(id);
  if (n.proc) n.proc->Stop();
  n.proc.reset();
}

void Topology::StopAll() {
  for (auto& n : m_nodes) Stop(n.spec.id);
}

Status Topology::Restart(const std::string& id) {
  Stop(id);
  return Start(id);
}

void Topology::ReleaseAll() {
  for (auto& n : m_nodes) {
    if (n.proc) n.proc->Release();
  }
}

Status Topology::WriteStopScript() const {
  // Each node is found by its data dir, not by the pid this process
  // started: a running xfnode holds the lock on DATA/xfnode.pid and has
  // written its pid there (node/data_dir.h), so a node stopped and
  // restarted by hand is stopped as well. A pid is signalled only while its
  // pid file is locked and the process is an xfnode.
  std::string s =
      "#!/bin/sh\n"
      "# Stops the xfnode processes of this xfctl demo --keep, also those restarted by hand:\n"
      "# each node is found by the pid file its running xfnode holds locked in its data dir.\n"
      "stop() {  # node id, data dir\n"
      "  f=\"$2/xfnode.pid\"\n"
      "  [ -r \"$f\" ] || return 0\n"
      "  if command -v flock >/dev/null 2>&1 && flock -n \"$f\" true 2>/dev/null; then return 0; fi  # not running\n"
      "  pid=$(sed -n 's/.*(pid \\([0-9][0-9]*\\)).*/\\1/p' \"$f\")\n"
      "  [ -n \"$pid\" ] || return 0\n"
      "  tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -q xfnode || return 0\n"
      "  kill $pid && while kill -0 $pid 2>/dev/null; do sleep 0.1; done && echo \"stopped $1 (pid $pid)\"\n"
      "}\n";
  for (const auto& n : m_nodes) {
    std::string dir = n.config.data_dir.string();
    std::string quoted = "'";
    for (char c : dir) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    s += "stop " + n.spec.id + " " + quoted + "\n";
  }
  return WriteFile(m_dir / "stop.sh", s, 0755);
}

// ---- looking up -------------------------------------------------------------

TopologyNode& Topology::Node(const std::string& id) {
  return *std::find_if(m_nodes.begin(), m_nodes.end(), [&](const TopologyNode& n) { return n.spec.id == id; });
}

const TopologyNode& Topology::Node(const std::string& id) const {
  return *std::find_if(m_nodes.begin(), m_nodes.end(), [&](const TopologyNode& n) { return n.spec.id == id; });
}

std::vector<std::pair<std::string, std::string>> Topology::Links() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& n : m_nodes) {
    if (!n.spec.parent.empty()) out.emplace_back(n.spec.parent, n.spec.id);
  }
  return out;
}

bool Topology::AllRunning() {
  bool running = true;
  for (auto& n : m_nodes) running = (!n.proc || n.Running()) && running;
  return running;
}

// ---- interrupts -------------------------------------------------------------

InterruptGuard::InterruptGuard() {
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, &m_old_int);
  ::sigaction(SIGTERM, &sa, &m_old_term);
}

InterruptGuard::~InterruptGuard() {
  ::sigaction(SIGINT, &m_old_int, nullptr);
  ::sigaction(SIGTERM, &m_old_term, nullptr);
}

bool InterruptGuard::Interrupted() { return g_interrupted != 0; }

}  // namespace xf::tools

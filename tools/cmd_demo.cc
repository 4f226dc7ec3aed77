// xfctl demo: a national–province–city–county topology on loopback,
// exchanging for real. Five xfnode processes (国家信访局 100000, 北京市
// 110000, 110100, 朝阳区 110105, 海淀区 110108) are wired to each other with
// peer add / keys add, the sample cases are registered at the two counties,
// one case is registered at the national bureau and assigned (交办) down to
// 110108, and the demo waits until every copy is where the routing says it
// must be (and nowhere else).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <functional>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "tools/xfctl.h"

namespace xf::tools {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

constexpr int kWaitSeconds = 60;     // for every copy to arrive
constexpr int kIntervalSeconds = 1;  // exchange schedule of every node: shows the schedule working

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void OnInterrupt(int) { g_interrupted = 1; }

struct DemoNode {
  std::string id;
  std::string tier;
  std::string name;
  std::string parent;  // "" at the root
  fs::path dir;
  int exchange_port = 0;
  std::optional<Process> proc;
  node::NodeConfig config;
  ApiTarget api;

  std::string Label() const { return tier + "-" + id; }
  std::string ExchangeUrl() const { return "https://127.0.0.1:" + std::to_string(exchange_port); }
};

// Sends std::cout elsewhere while the in-process subcommands (init, peer
// add, keys add) talk, so the demo's own lines stay readable.
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

// Runs an in-process subcommand quietly; on failure shows what it said.
bool Run(const char* what, const std::function<int()>& command) {
  int rc = 0;
  std::string said;
  {
    QuietCout quiet;
    rc = command();
    said = quiet.Text();
  }
  if (rc != 0) std::cerr << "xfctl demo: " << what << " failed (exit " << rc << ")\n" << said;
  return rc == 0;
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

// The first `n` characters of UTF-8 text, with … when cut.
std::string Cut(const std::string& s, std::size_t n) {
  std::size_t cut = 0, chars = 0;
  while (cut < s.size() && chars < n) {
    ++chars;
    ++cut;
    while (cut < s.size() && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) ++cut;
  }
  return s.substr(0, cut) + (cut < s.size() ? "…" : "");
}

std::string Seconds(std::chrono::steady_clock::duration d) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << std::chrono::duration<double>(d).count() << " s";
  return o.str();
}

// One case the demo follows, and where it must be.
struct Tracked {
  std::string case_id;
  std::string at;                // the registering node
  std::string note;              // sample file, or what was done to it
  std::set<std::string> expect;  // nodes that must hold it (the registering node included)
  std::string handler;  // non-empty: each copy must show this handler (the assignment came along)
  std::set<std::string> present;  // nodes found holding it
};

// GET /v1/cases/{id}: held (with the handler expected, if any)?
bool Holds(const DemoNode& n, const Tracked& t) {
  auto r = CallApi(n.api, "GET", "/v1/cases/" + t.case_id, "");
  if (!r || r->status != 200) return false;
  if (t.handler.empty()) return true;
  boost::system::error_code ec;
  const auto v = json::parse(r->body, ec);
  if (ec || !v.is_object()) return false;
  const auto* state = v.as_object().if_contains("state");
  const auto* handler =
      state && state->is_object() ? state->as_object().if_contains("handler") : nullptr;
  return handler != nullptr && handler->is_string() && handler->as_string() == t.handler;
}

// Registers one case (JSON) at a node, uploading its attachments first.
Result<std::string> Register(const DemoNode& n, json::object c, const fs::path& blobs) {
  // The samples come from several bodies and dates; this node registers them, now.
  c.erase("registering_body");
  c.erase("registered_at");
  if (const auto* atts = c.if_contains("attachments"); atts != nullptr && atts->is_array()) {
    for (const auto& a : atts->as_array()) {
      const std::string sha(a.at("sha256").as_string());
      auto blob = ReadFile(blobs / sha);
      if (!blob) continue;  // not shipped: the case still registers; the blob can come later
      auto r = CallApi(n.api, "PUT", "/v1/blobs/" + sha, *blob, "application/octet-stream");
      if (!r) return r.error();
      if (r->status >= 300)
        return MakeError(Errc::kInvalidArgument, "attachment " + sha + ": " + r->body);
    }
  }
  auto r = CallApi(n.api, "POST", "/v1/cases", json::serialize(c));
  if (!r) return r.error();
  if (r->status != 201)
    return MakeError(Errc::kInvalidArgument, "HTTP " + std::to_string(r->status) + ": " + r->body);
  return std::string(json::parse(r->body).at("case_id").as_string());
}

// The links of a node from /v1/status: batches delivered and queued, the last error, gaps.
std::string LinkReport(const DemoNode& n) {
  auto r = CallApi(n.api, "GET", "/v1/status", "");
  if (!r || r->status != 200) return "status not readable";
  boost::system::error_code ec;
  const auto v = json::parse(r->body, ec);
  if (ec) return "status not readable";
  std::string out;
  const auto* ex = v.as_object().if_contains("exchange");
  if (ex == nullptr || !ex->is_object()) return "no exchange";
  for (const auto& l : ex->as_object().at("links").as_array()) {
    const auto& o = l.as_object();
    out += std::string(out.empty() ? "" : ";  ") + "→ " + std::string(o.at("link").as_string()) +
           ": " + json::serialize(o.at("delivered")) + " delivered, " +
           json::serialize(o.at("pending")) + " queued";
    if (const auto& e = o.at("last_error"); e.is_string() && !e.as_string().empty()) {
      out += " (" + Cut(std::string(e.as_string()), 120) + ")";
    }
  }
  for (const auto& g : ex->as_object().at("gaps").as_array()) out += "; gap " + json::serialize(g);
  return out.empty() ? "nothing sent" : out;
}

// DIR/stop.sh: stops exactly these processes (checks each pid still runs its node).
Status WriteStopScript(const fs::path& dir, const std::vector<DemoNode>& nodes) {
  std::string s = "#!/bin/sh\n# Stops the xfnode processes started by xfctl demo --keep.\n";
  for (const auto& n : nodes) {
    s += "pid=" + std::to_string(n.proc->Pid()) + "; cfg='" + n.config.file.string() + "'\n" +
         "if tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -qF -- \"$cfg\"; then\n"
         "  kill $pid && while kill -0 $pid 2>/dev/null; do sleep 0.1; done && echo \"stopped " +
         n.id + " (pid $pid)\"\nfi\n";
  }
  return WriteFile(dir / "stop.sh", s, 0755);
}

}  // namespace

int CmdDemo(const Args& args) {
  if (auto u = args.Unknown({"dir", "keep"}); !u.empty() || !args.Positional().empty()) {
    std::cerr << "xfctl demo: " << (u.empty() ? "unexpected " + args.Positional().front() : u)
              << "\nusage: xfctl demo [--dir DIR] [--keep]\n";
    return 2;
  }
  const bool keep = args.Has("keep");
  std::string dir_arg = args.Get("dir", "");
  if (dir_arg.empty()) {
    char tmpl[] = "/tmp/xfnode-demo-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      std::cerr << "xfctl demo: cannot create a temporary directory\n";
      return 1;
    }
    dir_arg = tmpl;
  }
  const fs::path dir = fs::absolute(dir_arg);
  std::vector<DemoNode> nodes;
  nodes.reserve(5);  // stable addresses: node_of() hands out references
  nodes.push_back({"100000", "national", "国家信访局", ""});
  nodes.push_back({"110000", "province", "北京市信访办", "100000"});
  nodes.push_back({"110100", "city", "北京市市辖区信访局", "110000"});
  nodes.push_back({"110105", "county", "北京市朝阳区信访局", "110100"});
  nodes.push_back({"110108", "county", "北京市海淀区信访局", "110100"});
  auto node_of = [&](const std::string& id) -> DemoNode& {
    return *std::find_if(nodes.begin(), nodes.end(), [&](const DemoNode& n) { return n.id == id; });
  };

  // A folder of an earlier run is replaced, unless its node still runs.
  std::error_code ec;
  for (auto& n : nodes) {
    n.dir = dir / n.Label();
    if (!fs::exists(n.dir, ec)) continue;
    if (!fs::exists(n.dir / "xfnode.yaml", ec)) {
      std::cerr << "xfctl demo: " << n.dir.string()
                << " exists and is not a demo node; choose another --dir\n";
      return 1;
    }
    if (auto url = ReadFile(n.dir / "data" / "api.url", 4096)) {
      std::string u = *url;
      while (!u.empty() && (u.back() == '\n' || u.back() == ' ')) u.pop_back();
      if (WaitHealthy(u, 1)) {
        std::cerr << "xfctl demo: a node of an earlier demo still runs in " << n.dir.string()
                  << "; stop it with " << (dir / "stop.sh").string() << "\n";
        return 1;
      }
    }
    fs::remove_all(n.dir, ec);
  }
  const auto ports = FreePorts(nodes.size());
  if (ports.size() != nodes.size()) {
    std::cerr << "xfctl demo: cannot find free ports on 127.0.0.1\n";
    return 1;
  }

  std::cout << "xfctl demo: five xfnode processes exchanging signed batches over mutual TLS on "
               "127.0.0.1\n\n"
            << "== 1. initialising the nodes in " << dir.string() << " (xfctl init, exchange every "
            << kIntervalSeconds << " s)\n";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    auto& n = nodes[i];
    n.exchange_port = ports[i];
    if (!Run("init", [&] {
          return CmdInit(Args(std::vector<std::string>{
              "--dir", n.dir.string(), "--node-id", n.id, "--tier", n.tier, "--name", n.name,
              "--api-port", "0", "--exchange-port", std::to_string(n.exchange_port), "--interval",
              std::to_string(kIntervalSeconds), "--force"}));
        })) {
      return 1;
    }
    std::cout << "  " << n.id << "  " << std::left << std::setw(9) << n.tier << std::setw(8)
              << "ed25519" << n.ExchangeUrl() << "  " << n.name << "\n";
  }

  std::cout
      << "== 2. wiring each parent and child (xfctl peer add, both sides) and sharing signing keys "
         "(xfctl keys add)\n";
  std::string links;
  for (auto& n : nodes) {
    if (n.parent.empty()) continue;
    const auto& p = node_of(n.parent);
    const bool ok =
        Run("peer add",
            [&] {
              return CmdPeer(
                  "add", Args(std::vector<std::string>{
                             "--node", n.dir.string(), "--as", "parent", "--id", p.id, "--url",
                             p.ExchangeUrl(), "--key", (p.dir / "keys" / "signing.pub").string(),
                             "--cert", (p.dir / "keys" / "tls.crt").string()}));
            }) &&
        Run("peer add", [&] {
          return CmdPeer("add",
                         Args(std::vector<std::string>{
                             "--node", p.dir.string(), "--as", "child", "--id", n.id, "--url",
                             n.ExchangeUrl(), "--key", (n.dir / "keys" / "signing.pub").string(),
                             "--cert", (n.dir / "keys" / "tls.crt").string()}));
        });
    if (!ok) return 1;
    links += "  " + p.id + " ⇄ " + n.id + " ";
  }
  // Every node verifies batches signed by any other (relays never re-sign).
  for (auto& n : nodes) {
    for (const auto& other : nodes) {
      if (other.id == n.id) continue;
      if (!Run("keys add", [&] {
            return CmdKeys("add", Args(std::vector<std::string>{
                                      other.id, (other.dir / "keys" / "signing.pub").string(),
                                      "--node", n.dir.string()}));
          })) {
        return 1;
      }
    }
    auto config = node::LoadConfig(n.dir / "xfnode.yaml");
    if (!config) {
      std::cerr << "xfctl demo: " << config.error().message << "\n";
      return 1;
    }
    n.config = std::move(config).value();
  }
  std::cout
      << links << "\n  every node holds the signing keys of all " << nodes.size()
      << " (relays never re-sign: a batch is verified with its origin's key at every level)\n";

  // Stop the nodes on Ctrl-C too: they run in their own process groups.
  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  ::sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  std::cout << "== 3. starting the nodes\n";
  for (auto& n : nodes) {
    auto proc = Process::Spawn({XfnodeBinary().string(), "--config", n.config.file.string()},
                               n.dir / "xfnode.log");
    if (!proc) {
      std::cerr << "xfctl demo: " << proc.error().message << "\n";
      return 1;
    }
    n.proc.emplace(std::move(proc).value());
  }
  for (auto& n : nodes) {
    // The node writes data/api.url once its API listens.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!fs::exists(n.config.data_dir / "api.url", ec) && n.proc->Running() &&
           std::chrono::steady_clock::now() < deadline && !g_interrupted) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto api = ApiOf(n.config);
    if (!api || !WaitHealthy(api->url, 10)) {
      std::cerr << "xfctl demo: node " << n.id << " did not start; its log "
                << (n.dir / "xfnode.log").string() << " says:\n";
      if (auto text = ReadFile(n.dir / "xfnode.log")) std::cerr << *text;
      return 1;
    }
    n.api = *api;
    std::cout << "  " << n.id << "  pid " << std::left << std::setw(8) << n.proc->Pid() << "api "
              << n.api.url << "   exchange " << n.ExchangeUrl() << "\n";
  }

  const auto samples = SamplesDir();
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(samples / "cases" / "valid", ec)) {
    if (e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::cerr << "xfctl demo: no sample cases in " << (samples / "cases" / "valid").string()
              << "\n";
    return 1;
  }
  const std::vector<std::string> counties = {"110105", "110108"};
  std::cout << "== 4. registering " << files.size()
            << " sample cases (POST /v1/cases), half at each county\n";
  std::vector<Tracked> tracked;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& at = counties[i % counties.size()];
    auto text = ReadFile(files[i]);
    if (!text) {
      std::cerr << "xfctl demo: " << text.error().message << "\n";
      return 1;
    }
    auto c = json::parse(*text).as_object();
    const std::string summary =
        c.contains("summary") ? std::string(c.at("summary").as_string()) : "";
    auto id = Register(node_of(at), c, samples / "blobs");
    if (!id) {
      std::cerr << "xfctl demo: " << files[i].filename().string() << " refused at " << at << ": "
                << id.error().message << "\n";
      return 1;
    }
    Tracked t{*id, at, files[i].filename().string(), {"100000", "110000", "110100", at}, "", {}};
    std::cout << "  " << t.case_id << "  at " << at << "  " << Cut(summary, 22) << "\n";
    tracked.push_back(std::move(t));
  }

  // The national bureau assigns (交办) a case to 海淀区: it goes down the
  // path 100000 → 110000 → 110100 → 110108 and nowhere else.
  const std::string target = "110108";
  const Date due = SystemClock().Now().ToDate().AddDays(30);
  {
    auto& national = node_of("100000");
    auto text = ReadFile(files.back());
    if (!text) return 1;
    auto c = json::parse(*text).as_object();
    c["problem_place"] = target;
    auto id = Register(national, c, samples / "blobs");
    if (!id) {
      std::cerr << "xfctl demo: the national case was refused: " << id.error().message << "\n";
      return 1;
    }
    json::object transfer{{"kind", "transfer"},
                          {"occurred_at", SystemClock().Now().ToString()},
                          {"actor", "国家信访局"},
                          {"mode", "assign"},
                          {"target", target},
                          {"due_date", due.ToString()},
                          {"instructions", "请依法按期办理，办结后报送结果"}};
    auto r =
        CallApi(national.api, "POST", "/v1/cases/" + *id + "/events", json::serialize(transfer));
    if (!r || r->status != 201) {
      std::cerr << "xfctl demo: the assignment was refused: " << (r ? r->body : r.error().message)
                << "\n";
      return 1;
    }
    std::cout << "== 5. the national bureau registers " << *id << " and assigns (交办) it to "
              << target << ", due " << due.ToString() << "\n";
    tracked.push_back(
        {*id, "100000", "交办 → " + target, {"100000", "110000", "110100", target}, target, {}});
  }

  std::size_t want = 0;
  for (const auto& t : tracked) want += t.expect.size() - 1;
  std::cout << "== 6. waiting for the exchange: " << want << " copies must arrive (up to "
            << kWaitSeconds << " s)\n";
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::seconds(kWaitSeconds);
  std::size_t arrived = 0, shown = 0;
  while (!g_interrupted) {
    for (auto& t : tracked) {
      for (const auto& n : nodes) {
        if (n.id == t.at || t.present.count(n.id) || !t.expect.count(n.id)) continue;
        if (Holds(n, t)) {
          t.present.insert(n.id);
          ++arrived;
        }
      }
    }
    if (arrived != shown) {
      std::cout << "  after " << Seconds(std::chrono::steady_clock::now() - start) << ": "
                << arrived << "/" << want << " in place\n";
      shown = arrived;
    }
    if (arrived == want || std::chrono::steady_clock::now() >= deadline) break;
    bool running = true;
    for (auto& n : nodes) running = running && n.proc->Running();
    if (!running) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const auto waited = Seconds(std::chrono::steady_clock::now() - start);
  if (g_interrupted) {
    for (auto& n : nodes) n.proc->Stop();
    std::cerr << "xfctl demo: interrupted; the nodes are stopped (data in " << dir.string()
              << ")\n";
    return 130;
  }
  // Nothing may be where it does not belong (the other county above all).
  std::vector<std::string> problems;
  for (auto& t : tracked) {
    t.present.insert(t.at);
    std::string missing, extra;
    for (const auto& n : nodes) {
      if (t.expect.count(n.id)) {
        if (!t.present.count(n.id)) missing += " " + n.id;
      } else if (Holds(n, t)) {
        t.present.insert(n.id);
        extra += " " + n.id;
      }
    }
    if (!missing.empty()) problems.push_back(t.case_id + " has not reached" + missing);
    if (!extra.empty()) problems.push_back(t.case_id + " is where it does not belong:" + extra);
  }

  std::cout << "\n== where each case is (✓ held, · not held)\n  " << std::left << std::setw(22)
            << "case" << std::setw(8) << "from";
  for (const auto& n : nodes) std::cout << std::setw(8) << n.id;
  std::cout << "\n";
  for (const auto& t : tracked) {
    std::cout << "  " << std::setw(22) << t.case_id << std::setw(8) << t.at;
    for (const auto& n : nodes) {
      const bool held = t.present.count(n.id) > 0, wanted = t.expect.count(n.id) > 0;
      // Pad by hand: the marks are multi-byte.
      std::cout << (held ? (wanted ? "✓" : "✗") : (wanted ? "?" : "·")) << "       ";
    }
    std::cout << t.note << "\n";
  }
  std::cout << "  (✗ held where it does not belong, ? missing)\n";

  if (problems.empty()) {
    std::cout << "\nall " << want << " copies arrived in " << waited
              << ": each county's cases reached 110100, 110000 and 100000; the assigned case "
                 "reached 110000, "
                 "110100 and "
              << target << ", not 110105\n";
  } else {
    std::cout << "\n";
    for (const auto& p : problems) std::cerr << "PROBLEM: " << p << "\n";
    for (auto& n : nodes) {
      std::cerr << "  " << n.id << (n.proc->Running() ? "" : " (exited)") << ": log "
                << (n.dir / "xfnode.log").string() << "\n";
    }
  }

  std::cout << "\n== batches exchanged (GET /v1/status: per link, queued and delivered)\n";
  for (auto& n : nodes) std::cout << "  " << n.id << "  " << LinkReport(n) << "\n";
  std::cout << "\n== status pages (GET /; the API needs the bearer token in the file named)\n";
  for (const auto& n : nodes) {
    std::cout << "  " << n.id << "  " << std::left << std::setw(9) << n.tier << n.api.url
              << "/   token " << n.config.api_token_file.string() << "\n";
  }
  if (keep) {
    if (auto s = WriteStopScript(dir, nodes); !s)
      std::cerr << "xfctl demo: " << s.error().message << "\n";
    std::cout << "left running (pids";
    for (const auto& n : nodes) std::cout << " " << n.proc->Pid();
    std::cout << "); exchange endpoints:";
    for (const auto& n : nodes) std::cout << " " << n.ExchangeUrl();
    std::cout << "\n  try:  xfctl status --node " << node_of("110108").dir.string()
              << "\n        xfctl batch get 110105-up-1 --node " << node_of("100000").dir.string()
              << " --out /tmp/batches   (then check it as the README shows)"
              << "\n  stop: sh " << (dir / "stop.sh").string() << "\n";
    for (auto& n : nodes) n.proc->Release();
  } else {
    for (auto& n : nodes) n.proc->Stop();
    std::cout << "(the nodes are stopped; xfctl demo --keep leaves them running; data in "
              << dir.string() << ")\n";
  }
  if (!problems.empty()) {
    std::cerr << "xfctl demo: " << arrived << " of " << want << " copies arrived in " << waited
              << "; " << problems.size() << " case(s) are not where they should be\n";
    return 1;
  }
  return 0;
}

}  // namespace xf::tools

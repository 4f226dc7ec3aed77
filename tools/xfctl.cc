// xfctl: the operator's tool (design.md, "Interfaces").
#include "tools/xfctl.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <sys/stat.h>

namespace xf::tools {

Args::Args(int argc, char** argv, int first)
    : Args(std::vector<std::string>(argv + std::min(first, argc), argv + argc)) {}

Args::Args(const std::vector<std::string>& words) {
  const int argc = static_cast<int>(words.size());
  auto argv = [&](int i) { return words[static_cast<std::size_t>(i)]; };
  for (int i = 0; i < argc; ++i) {
    std::string a = argv(i);
    if (a.rfind("--", 0) == 0) {
      const auto eq = a.find('=');
      if (eq != std::string::npos) {
        m_options[a.substr(2, eq - 2)] = a.substr(eq + 1);
      } else if (i + 1 < argc && argv(i + 1).rfind("--", 0) != 0) {
        m_options[a.substr(2)] = argv(++i);
      } else {
        m_options[a.substr(2)] = "";
      }
    } else {
      m_positional.push_back(a);
    }
  }
}

std::optional<std::string> Args::Get(const std::string& key) const {
  const auto it = m_options.find(key);
  if (it == m_options.end()) return std::nullopt;
  return it->second;
}

std::string Args::Get(const std::string& key, const std::string& def) const {
  return Get(key).value_or(def);
}

bool Args::Has(const std::string& flag) const { return m_options.count(flag) > 0; }

std::string Args::Unknown(const std::vector<std::string>& known) const {
  std::string out;
  for (const auto& [k, v] : m_options) {
    bool ok = false;
    for (const auto& n : known) ok = ok || n == k;
    if (!ok) out += (out.empty() ? "unknown option --" : ", --") + k;
  }
  return out;
}

Result<node::NodeConfig> FindNode(const Args& args) {
  std::filesystem::path file;
  if (auto c = args.Get("config")) {
    file = *c;
  } else if (auto d = args.Get("node")) {
    file = std::filesystem::path(*d) / "xfnode.yaml";
  } else if (const char* env = std::getenv("XF_NODE")) {
    file = std::filesystem::path(env) / "xfnode.yaml";
  } else {
    file = "/etc/xfnode/xfnode.yaml";
  }
  return node::LoadConfig(file);
}

Result<ApiTarget> ApiOf(const node::NodeConfig& config) {
  ApiTarget t;
  auto url = ReadFile(config.data_dir / "api.url", 4096);
  if (url) {
    t.url = *url;
    while (!t.url.empty() && (t.url.back() == '\n' || t.url.back() == ' ')) t.url.pop_back();
  } else {
    t.url = "http://" + config.api_listen + ":" + std::to_string(config.api_port);
  }
  auto token = ReadFile(config.api_token_file, 4096);
  if (!token) return MakeError(Errc::kPermission, "cannot read the API token " + config.api_token_file.string());
  t.token = *token;
  while (!t.token.empty() && (t.token.back() == '\n' || t.token.back() == ' ')) t.token.pop_back();
  return t;
}

Result<exchange::HttpResponse> CallApi(const ApiTarget& api, const std::string& method,
                                       const std::string& path, const std::string& body,
                                       const std::string& content_type) {
  exchange::HttpHeaders h{{"authorization", "Bearer " + api.token}};
  if (!body.empty()) h["content-type"] = content_type;
  return exchange::HttpCall(method, api.url + path, h, body);
}

Result<std::string> ReadFile(const std::filesystem::path& file, std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return MakeError(Errc::kNotFound, "cannot read " + file.string());
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<std::size_t>(in.gcount()));
    if (data.size() > max_bytes) return MakeError(Errc::kLimit, file.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
  }
  return data;
}

Status WriteFile(const std::filesystem::path& file, const std::string& data, unsigned mode) {
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << data;
    if (!out.flush()) return MakeError(Errc::kIo, "cannot write " + file.string());
  }
  ::chmod(file.c_str(), mode);
  return {};
}

std::filesystem::path SamplesDir() {
  if (const char* env = std::getenv("XF_SAMPLES_DIR")) return env;
  const std::filesystem::path installed = XF_SHARE_DIR "/samples";
  std::error_code ec;
  if (std::filesystem::exists(installed, ec)) return installed;
  return std::filesystem::path(XF_SOURCE_DIR) / "test" / "data";
}

std::filesystem::path XfnodeBinary() {
  if (const char* env = std::getenv("XFNODE")) return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const auto& candidate : {self.parent_path() / "xfnode", self.parent_path() / ".." / "node" / "xfnode"}) {
      if (std::filesystem::exists(candidate, ec)) return candidate.lexically_normal();
    }
  }
  return "xfnode";
}

Result<Process> Process::Spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError(Errc::kIo, "cannot open " + log.string());
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fd);
    return MakeError(Errc::kIo, "fork failed");
  }
  if (pid == 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::setpgid(0, 0);  // a terminal's Ctrl-C goes to xfctl, which stops its children itself
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fd);
  return Process(pid);
}

bool Process::Running() {
  if (m_pid <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(m_pid, &status, WNOHANG);
  if (r == m_pid) {
    m_pid = -1;
    return false;
  }
  return true;
}

int Process::Stop() {
  if (m_pid <= 0) return -1;
  ::kill(m_pid, SIGTERM);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  m_pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Process::~Process() { Stop(); }

bool WaitHealthy(const std::string& url, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  exchange::HttpClientOptions opts;
  opts.timeout = std::chrono::milliseconds(1000);
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = exchange::HttpCall("GET", url + "/healthz", {}, "", opts);
    if (r && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace xf::tools

namespace xf::tools {
int CmdBenchReport(const Args& args);  // tools/cmd_bench_report.cc
int CmdBenchPropagate(const Args& args);  // tools/cmd_bench_propagate.cc
}  // namespace xf::tools

namespace {

void Usage() {
  std::cout << R"(xfctl — the xfnode operator's tool

  xfctl init --dir DIR --node-id ID [--tier county] [--name NAME] [--api-port N]
             [--exchange-port N] [--alg ed25519|sm2] [--force]
  xfctl init --system --node-id ID [--tier county] [--name NAME] [--force]
             [--root DIR] [--user xfnode]         /etc/xfnode and /var/lib/xfnode for the service
  xfctl status        [--node DIR | --config FILE]
  xfctl case add FILE [--node DIR | --config FILE]     register a case (JSON or XML)
  xfctl case import FILE|DIR…                         register many
  xfctl case show ID
  xfctl conformance [--node DIR | --config FILE] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
                    [--node-id ID] [--page N] [--q TEXT] [--sort score|id]
                    [--format text|json|html] [--out FILE]   rules R1–R7, lateness, gaps, rates, overdue, scores
  xfctl conformance --batch FILE [--signature FILE --key ORIGIN.pub] [--format text|json]
                                                      one batch file checked offline
  xfctl case xml FILE.json                            the XML form of a case (no node needed)
  xfctl codes show CODE [--table ID] [--on YYYY-MM-DD] [--codes-dir DIR]
                                                      every period of a code, its successors
  xfctl codes tables [--codes-dir DIR]                the code tables, versions, rows
  xfctl peer add --as parent|child --id ID --key PEER.pub --cert PEER.crt [--url URL] [--pull]
  xfctl keys add NODE-ID PUBLIC-KEY.pem              trust a further node's signing key
  xfctl backup DEST    [--node DIR | --config FILE]     online copy: database and attachments
  xfctl restore SRC    [--node DIR | --config FILE] [--force]   put a backup back (node stopped)
  xfctl batch inspect FILE.zst [--sig FILE.sig]       header and events of a batch file
  xfctl batch verify FILE.zst --sig FILE.sig --key ORIGIN.pub [--schema XSD]
                                                      signature, XSD and header checks
  xfctl batch get BATCH-ID --out DIR                  a stored batch as DIR/ID.zst and DIR/ID.sig
  xfctl export --link PEER-ID --out DIR               undelivered batches for a peer, as files (网闸)
  xfctl import --in DIR | --receipts DIR              apply exported batches / their receipts
  xfctl demo [--dir DIR] [--keep]                     national–province–city–2 counties on loopback
  xfctl bench intake [--n N] [--dir DIR]              intake rate vs raw SQLite insert rate
  xfctl bench report [--events N] [--origins N] [--days D] [--summaries] [--runs N] [--dir DIR [--reuse] | --node DIR]
                                                      conformance report over 1,000,000 events
  xfctl bench propagate [--n N] [--events M] [--dir DIR]   county → national latency and throughput
  xfctl version

The node is found with --node DIR (DIR/xfnode.yaml), --config FILE, $XF_NODE,
or /etc/xfnode/xfnode.yaml.
)";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace xf::tools;
  if (argc < 2) {
    Usage();
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    Usage();
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::cout << "xfctl " << XF_VERSION << "\n";
    return 0;
  }
  if (cmd == "init") return CmdInit(Args(argc, argv, 2));
  if (cmd == "status") return CmdStatus(Args(argc, argv, 2));
  if (cmd == "demo") return CmdDemo(Args(argc, argv, 2));
  if (cmd == "backup") return CmdBackup(Args(argc, argv, 2));
  if (cmd == "restore") return CmdRestore(Args(argc, argv, 2));
  if (cmd == "export") return CmdExport(Args(argc, argv, 2));
  if (cmd == "import") return CmdImport(Args(argc, argv, 2));
  if (cmd == "conformance") return CmdConformance(Args(argc, argv, 2));
  if (cmd == "case" || cmd == "bench" || cmd == "peer" || cmd == "keys" || cmd == "batch" ||
      cmd == "codes") {
    if (argc < 3) {
      Usage();
      return 2;
    }
    const std::string sub = argv[2];
    const Args rest(argc, argv, 3);
    if (cmd == "case") return CmdCase(sub, rest);
    if (cmd == "peer") return CmdPeer(sub, rest);
    if (cmd == "keys") return CmdKeys(sub, rest);
    if (cmd == "batch") return CmdBatch(sub, rest);
    if (cmd == "codes") return CmdCodes(sub, rest);
    if (sub == "report") return CmdBenchReport(rest);  // tools/cmd_bench_report.cc
    if (sub == "propagate") return CmdBenchPropagate(rest);  // tools/cmd_bench_propagate.cc
    return CmdBench(sub, rest);
  }
  std::cerr << "xfctl: unknown command '" << cmd << "' (xfctl help)\n";
  return 2;
}

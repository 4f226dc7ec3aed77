// xfctl: the operator's tool (design.md, "Interfaces").
#include "tools/xfctl.h"

#include "tools/cli.h"

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
#include "xf/source_dir.h"

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
    bool ok = k == "lang";  // everyone's option (tools/cli.h)
    for (const auto& n : known) ok = ok || n == k;
    if (!ok) out += (out.empty() ? (EnglishWords() ? "unknown option --" : "未知选项 --") : (EnglishWords() ? ", --" : "、--")) + k;
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
                                       const std::string& content_type, const exchange::HttpHeaders& extra) {
  exchange::HttpHeaders h = extra;
  h["authorization"] = "Bearer " + api.token;
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

int main(int argc, char** argv) {
  // Every command, its options and help: tools/commands.cc; parsing: tools/cli.cc.
  return xf::tools::RunCommandLine(xf::tools::Commands(), argc, argv);
}

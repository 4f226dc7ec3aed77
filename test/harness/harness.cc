#include "test/harness/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include "xf/source_dir.h"

namespace xf::test {

namespace {

std::string Env(const char* name, const std::string& def) {
  const char* v = std::getenv(name);
  return v && *v ? v : def;
}

std::string XfnodeBin() { return Env("XFNODE", "xfnode"); }
std::string XfctlBin() { return Env("XFCTL", "xfctl"); }

}  // namespace

std::chrono::seconds Patience(std::chrono::seconds bound) {
  const char* scale = std::getenv("XF_TEST_TIME_SCALE");
  const long n = scale != nullptr ? std::strtol(scale, nullptr, 10) : 1;
  return bound * std::clamp(n, 1L, 100L);
}

TempDir::TempDir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_path = tmpl;
}

TempDir::~TempDir() {
  if (std::getenv("XF_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  std::filesystem::remove_all(m_path, ec);
}

std::filesystem::path SourceDir() { return Env("XF_SOURCE_DIR", XF_SOURCE_DIR); }

std::string ReadText(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CommandResult RunCommand(const std::vector<std::string>& args) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return {};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(pipefd[1], 2);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  CommandResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.output.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

SplitResult RunCommandSplit(const std::vector<std::string>& args) {
  // stderr to a file, stdout through a pipe: neither can block the other.
  char tmpl[] = "/tmp/xf-stderr-XXXXXX";
  const int errfd = ::mkstemp(tmpl);
  if (errfd < 0) return {};
  ::unlink(tmpl);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return {};
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::dup2(errfd, 2);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  SplitResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<std::size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  ::lseek(errfd, 0, SEEK_SET);
  while ((n = ::read(errfd, buf, sizeof buf)) > 0) r.err.append(buf, static_cast<std::size_t>(n));
  ::close(errfd);
  return r;
}

NodeProcess::NodeProcess(std::filesystem::path dir, std::string node_id, std::string tier,
                         std::vector<std::string> extra)
    : m_dir(std::move(dir)), m_node_id(std::move(node_id)) {
  std::vector<std::string> argv{XfctlBin(), "init", "--dir", m_dir.string(), "--node-id", m_node_id,
                                "--tier", tier, "--api-port", "0", "--exchange-port", "0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const auto r = RunCommand(argv);
  if (r.status != 0) throw std::runtime_error("xfctl init failed: " + r.output);
}

NodeProcess::~NodeProcess() { Kill(); }

bool NodeProcess::Start() {
  std::error_code ec;
  std::filesystem::remove(m_dir / "data" / "api.url", ec);
  const auto log = m_dir / "xfnode.log";
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const std::string bin = XfnodeBin();
  const std::string config = ConfigFile().string();
  const unsigned long nofile = m_nofile;
  const unsigned long fsize = m_fsize;
  const pid_t pid = ::fork();
  if (pid == 0) {
    // If the test binary dies, its nodes die with it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (nofile > 0) {
      const rlimit rl{nofile, nofile};
      ::setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (fsize > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // kept across exec: a write past the limit fails with EFBIG
      rlimit rl{};
      ::getrlimit(RLIMIT_FSIZE, &rl);
      rl.rlim_cur = fsize;  // the soft limit only: LiftFileSizeLimit raises it back to the hard one
      ::setrlimit(RLIMIT_FSIZE, &rl);
    }
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(bin.c_str(), bin.c_str(), "--config", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fd);
  m_pid = pid;
  const auto deadline = std::chrono::steady_clock::now() + Patience(std::chrono::seconds(30));
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) return false;
    if (std::filesystem::exists(m_dir / "data" / "api.url", ec)) {
      std::string url = ReadText(m_dir / "data" / "api.url");
      while (!url.empty() && (url.back() == '\n' || url.back() == ' ')) url.pop_back();
      exchange::HttpClientOptions opts;
      opts.timeout = std::chrono::milliseconds(2000);
      auto r = exchange::HttpCall("GET", url + "/healthz", {}, "", opts);
      if (r && r->status == 200) {
        m_url = url;
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool NodeProcess::Running() {
  if (m_pid <= 0) return false;
  int status = 0;
  if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_pid = -1;
    return false;
  }
  return true;
}

void NodeProcess::Kill() {
  if (m_pid <= 0) return;
  ::kill(m_pid, SIGKILL);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  m_pid = -1;
}

int NodeProcess::Stop() {
  if (m_pid <= 0) return -1;
  ::kill(m_pid, SIGTERM);
  int status = 0;
  ::waitpid(m_pid, &status, 0);
  m_pid = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool NodeProcess::LiftFileSizeLimit() {
  if (m_pid <= 0) return false;
  rlimit rl{};
  if (::prlimit(m_pid, RLIMIT_FSIZE, nullptr, &rl) != 0) return false;
  rl.rlim_cur = rl.rlim_max;
  return ::prlimit(m_pid, RLIMIT_FSIZE, &rl, nullptr) == 0;
}

std::string NodeProcess::Token() const {
  std::string t = ReadText(m_dir / "api.token");
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  return t;
}

std::string NodeProcess::Log() const { return ReadText(m_dir / "xfnode.log"); }

Result<exchange::HttpResponse> NodeProcess::Call(const std::string& method, const std::string& path,
                                                 const std::string& body, const std::string& content_type,
                                                 const std::string* token) const {
  exchange::HttpHeaders h;
  const std::string t = token ? *token : Token();
  if (!t.empty()) h["authorization"] = "Bearer " + t;
  if (!body.empty()) h["content-type"] = content_type;
  exchange::HttpClientOptions opts;
  opts.timeout = Patience(std::chrono::seconds(30));
  return exchange::HttpCall(method, m_url + path, h, body, opts);
}

}  // namespace xf::test

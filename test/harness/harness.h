// Test harness: temporary directories and real xfnode processes on loopback.
//
// A NodeProcess is a node initialised with the real `xfctl init` and run as
// a real `xfnode` process, each with its own data dir; tests talk to it over
// real HTTP. $XFNODE and $XFCTL name the binaries (ctest sets them).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "codes/result.h"
#include "exchange/http.h"

namespace xf::test {

// A failure bound stretched for slow builds: `bound` times the integer in
// XF_TEST_TIME_SCALE (tools/dev.sh sets it for the sanitizer builds, where
// every process runs several times slower), `bound` when it is unset.
std::chrono::seconds Patience(std::chrono::seconds bound);

// A fresh directory under $TMPDIR, removed on destruction unless
// $XF_KEEP_TEST_DIRS is set.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "xftest");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& Path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

std::filesystem::path SourceDir();  // $XF_SOURCE_DIR or the compile-time one
std::string ReadText(const std::filesystem::path& file);

// Runs a command to completion; returns its exit status and its output
// (stdout and stderr together).
struct CommandResult {
  int status = -1;
  std::string output;
};
CommandResult RunCommand(const std::vector<std::string>& argv);
// The same with stdout and stderr apart (a table on stdout, progress on stderr).
struct SplitResult {
  int status = -1;
  std::string out, err;
};
SplitResult RunCommandSplit(const std::vector<std::string>& argv);

class NodeProcess {
 public:
  // Runs `xfctl init --dir DIR --node-id ID --tier TIER --api-port 0 …`.
  NodeProcess(std::filesystem::path dir, std::string node_id, std::string tier = "county",
              std::vector<std::string> extra_init_args = {});
  ~NodeProcess();  // SIGKILL if still running
  NodeProcess(const NodeProcess&) = delete;
  NodeProcess& operator=(const NodeProcess&) = delete;

  // Starts xfnode and waits (bounded) until /healthz answers; false with the
  // log in Log() if it does not.
  bool Start();
  void Kill();        // SIGKILL, and reap
  int Stop();         // SIGTERM, wait; the exit status
  bool Running();
  int Pid() const { return m_pid; }  // -1 when not running
  // The descriptor limit (RLIMIT_NOFILE) the next Start gives xfnode; 0: inherited.
  void SetFileLimit(unsigned long n) { m_nofile = n; }
  // The largest file the next Start lets xfnode write (RLIMIT_FSIZE, with
  // SIGXFSZ ignored): a write past it fails with EFBIG, as on a full disk.
  // 0: inherited.
  void SetFileSizeLimit(unsigned long bytes) { m_fsize = bytes; }
  // Lifts that limit from the running process (prlimit): space is back.
  bool LiftFileSizeLimit();

  const std::filesystem::path& Dir() const { return m_dir; }
  std::filesystem::path ConfigFile() const { return m_dir / "xfnode.yaml"; }
  std::string Url() const { return m_url; }
  std::string Token() const;
  std::string Log() const;

  // A call to the local API with the node's token (or `token` when given).
  Result<exchange::HttpResponse> Call(const std::string& method, const std::string& path,
                                      const std::string& body = "",
                                      const std::string& content_type = "application/json",
                                      const std::string* token = nullptr) const;

 private:
  std::filesystem::path m_dir;
  std::string m_node_id;
  std::string m_url;
  int m_pid = -1;
  unsigned long m_nofile = 0;
  unsigned long m_fsize = 0;
};

}  // namespace xf::test

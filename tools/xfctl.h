// Shared pieces of the xfctl subcommands.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "codes/result.h"
#include "exchange/http.h"
#include "node/config.h"

namespace xf::tools {

// --key value / --flag arguments after the subcommand words.
class Args {
 public:
  Args(int argc, char** argv, int first);
  explicit Args(const std::vector<std::string>& words);
  std::optional<std::string> Get(const std::string& key) const;
  std::string Get(const std::string& key, const std::string& def) const;
  bool Has(const std::string& flag) const;
  const std::vector<std::string>& Positional() const { return m_positional; }
  // Words that are positional whatever they look like (the parser's, after "--").
  void AddPositionals(const std::vector<std::string>& words) {
    m_positional.insert(m_positional.end(), words.begin(), words.end());
  }
  // Unknown options → error message naming them; empty when all are known.
  std::string Unknown(const std::vector<std::string>& known) const;

 private:
  std::map<std::string, std::string> m_options;
  std::vector<std::string> m_positional;
};

// The node this command talks to: --node DIR, --config FILE, $XF_NODE (a
// dir), else /etc/xfnode/xfnode.yaml.
Result<node::NodeConfig> FindNode(const Args& args);
// The node's API URL (data_dir/api.url when it is running) and token.
struct ApiTarget {
  std::string url;
  std::string token;
};
Result<ApiTarget> ApiOf(const node::NodeConfig& config);
Result<exchange::HttpResponse> CallApi(const ApiTarget& api, const std::string& method,
                                       const std::string& path, const std::string& body,
                                       const std::string& content_type = "application/json",
                                       const exchange::HttpHeaders& extra = {});

Result<std::string> ReadFile(const std::filesystem::path& file, std::size_t max_bytes = 64 << 20);
Status WriteFile(const std::filesystem::path& file, const std::string& data, unsigned mode = 0644);

// Where the sample cases and blobs are: $XF_SAMPLES_DIR, the installed
// share dir, or the source tree's test/data.
std::filesystem::path SamplesDir();
// The xfnode binary beside this xfctl (or $XFNODE).
std::filesystem::path XfnodeBinary();

// A child process (xfnode) with its output sent to a log file.
class Process {
 public:
  static Result<Process> Spawn(const std::vector<std::string>& argv, const std::filesystem::path& log);
  Process(Process&& o) noexcept : m_pid(o.m_pid) { o.m_pid = -1; }
  Process& operator=(Process&&) = delete;
  ~Process();  // SIGTERM and wait, if still running
  int Pid() const { return m_pid; }
  bool Running();
  int Stop();  // SIGTERM, wait; returns the exit status
  void Release() { m_pid = -1; }  // leave it running

 private:
  explicit Process(int pid) : m_pid(pid) {}
  int m_pid = -1;
};

// Polls GET url/healthz until it answers 200 or `seconds` pass.
bool WaitHealthy(const std::string& url, int seconds);

// Subcommands; each returns the process exit code.
int CmdInit(const Args& args);
int CmdStatus(const Args& args);
int CmdCase(const std::string& sub, const Args& args);
// cmd_case_view.cc: xfctl case list and xfctl case show.
int CaseList(const node::NodeConfig& config, const ApiTarget& api, const Args& args);
int CaseShow(const node::NodeConfig& config, const ApiTarget& api, const std::string& case_id, const Args& args);
int CmdDemo(const Args& args);
int CmdBench(const std::string& what, const Args& args);
int CmdBackup(const Args& args);
int CmdRestore(const Args& args);
int CmdPeer(const std::string& sub, const Args& args);
int CmdKeys(const std::string& sub, const Args& args);
int CmdBatch(const std::string& sub, const Args& args);  // inspect, verify, get
int CmdExport(const Args& args);
int CmdImport(const Args& args);
int CmdConformance(const Args& args);
int CmdCodes(const std::string& sub, const Args& args);  // show, tables
int CmdTls(const std::string& sub, const Args& args);        // reissue, show (cmd_trust.cc)
int CmdDirectory(const std::string& sub, const Args& args);  // keygen, add, revoke, sign, publish, show

}  // namespace xf::tools

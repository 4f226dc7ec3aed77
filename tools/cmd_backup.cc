// xfctl backup DEST / xfctl restore SRC: an online copy of a node's
// database and attachments, and putting one back (node/backup.h).
#include <chrono>
#include <iostream>

#include "node/backup.h"
#include "node/data_dir.h"
#include "tools/xfctl.h"

namespace xf::tools {

namespace {

void PrintSummary(const node::BackupSummary& s) {
  std::cout << "  schema version  " << s.schema_version << "\n"
            << "  cases           " << s.cases << "\n"
            << "  events          " << s.events << "\n"
            << "  attachments     " << s.blobs << " (" << s.blob_bytes << " bytes)\n";
}

// True when DATA_DIR/api.url names a node that answers /healthz.
bool NodeRunning(const node::NodeConfig& config, std::string& url) {
  auto text = ReadFile(config.data_dir / "api.url", 4096);
  if (!text) return false;
  url = *text;
  while (!url.empty() && (url.back() == '\n' || url.back() == ' ')) url.pop_back();
  exchange::HttpClientOptions opts;
  opts.timeout = std::chrono::milliseconds(1500);
  auto r = exchange::HttpCall("GET", url + "/healthz", {}, "", opts);
  return r && r->status == 200;
}

}  // namespace

int CmdBackup(const Args& args) {
  if (auto u = args.Unknown({"node", "config"}); !u.empty()) {
    std::cerr << "xfctl backup: " << u << "\n";
    return 2;
  }
  if (args.Positional().size() != 1) {
    std::cerr
        << "usage: xfctl backup DEST [--node DIR | --config FILE]   (DEST: a new directory)\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl backup: " << config.error().message << "\n";
    return 1;
  }
  const std::filesystem::path dest = std::filesystem::absolute(args.Positional()[0]);
  // A stopped node's data dir is locked for the copy; a running node's is
  // read with a read-only connection (WAL readers never block its writes).
  auto lock = node::DataDirLock::Acquire(config->data_dir, "xfctl backup");
  if (!lock && lock.error().code != Errc::kAlreadyExists) {
    std::cerr << "xfctl backup: " << lock.error().message << "\n";
    return 1;
  }
  const bool live = !lock;
  auto r = node::BackupDataDir(config->data_dir, dest, config->node_id, live);
  if (!r) {
    std::cerr << "xfctl backup: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "backup of node " << config->node_id << " (" << config->data_dir.string()
            << (live ? ", running: read-only" : "") << ") written to " << dest.string()
            << "; integrity_check ok\n";
  PrintSummary(*r);
  return 0;
}

int CmdRestore(const Args& args) {
  if (auto u = args.Unknown({"node", "config", "force"}); !u.empty()) {
    std::cerr << "xfctl restore: " << u << "\n";
    return 2;
  }
  if (args.Positional().size() != 1 || !args.Get("force", "").empty()) {
    std::cerr << "usage: xfctl restore SRC [--node DIR | --config FILE] [--force]\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl restore: " << config.error().message << "\n";
    return 1;
  }
  // Replacing the database under a running node would lose its writes: never, even with --force.
  // The data dir's lock is held for the whole restore, so no node starts meanwhile.
  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  auto lock = node::DataDirLock::Acquire(config->data_dir, "xfctl restore");
  if (!lock) {
    std::string url;
    std::cerr << "xfctl restore: "
              << (lock.error().code == Errc::kAlreadyExists ? "a node is running (or another xfctl works) on " +
                                                                  config->data_dir.string() + ": "
                                                            : std::string())
              << lock.error().message
              << (NodeRunning(*config, url) ? " (its API answers at " + url + ")" : std::string())
              << "; stop it first (systemctl stop xfnode)\n";
    return 1;
  }
  const std::filesystem::path src = std::filesystem::absolute(args.Positional()[0]);
  node::RestoreOptions options;
  options.force = args.Has("force");
  options.node_id = config->node_id;
  auto r = node::RestoreDataDir(src, config->data_dir, options);
  if (!r) {
    std::cerr << "xfctl restore: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "restored " << src.string() << " into " << config->data_dir.string()
            << "; integrity_check ok\n";
  PrintSummary(r->restored);
  if (!r->previous_db.empty())
    std::cout << "  the previous database is kept as " << r->previous_db.string() << "\n";
  std::cout << "start the node; it migrates an older database as it starts\n";
  return 0;
}

}  // namespace xf::tools

// xfctl backup DEST / xfctl restore SRC: an online copy of a node's
// database and attachments, and putting one back (node/backup.h).
#include <chrono>
#include <iostream>

#include "node/backup.h"
#include "node/data_dir.h"
#include "tools/cli.h"
#include "tools/progress.h"
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

// A backup's or restore's steps on the progress display.
node::BackupProgress Show(Progress& p) {
  return [&p, step = -1](node::BackupStep s, std::uint64_t done, std::uint64_t total) mutable {
    if (static_cast<int>(s) != step) {
      step = static_cast<int>(s);
      switch (s) {
        case node::BackupStep::kDatabase: p.Step("数据库", "database"); break;
        case node::BackupStep::kCheck: p.Step("完整性检查", "integrity check"); break;
        case node::BackupStep::kAttachments: p.Step("附件", "attachments"); break;
        case node::BackupStep::kBatchFiles: p.Step("批次文件", "batch files"); break;
      }
      p.SetTotal(total);
    }
    p.Set(done);
  };
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
  Progress progress("备份", "backup", 0, English(args));
  auto r = node::BackupDataDir(config->data_dir, dest, config->node_id, live, Show(progress));
  if (!r) {
    progress.Abandon();
    std::cerr << "xfctl backup: " << r.error().message << "\n";
    return 1;
  }
  progress.Done();
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
  Progress progress("恢复", "restore", 0, English(args));
  options.progress = Show(progress);
  auto r = node::RestoreDataDir(src, config->data_dir, options);
  if (!r) {
    progress.Abandon();
    std::cerr << "xfctl restore: " << r.error().message << "\n";
    return 1;
  }
  progress.Done();
  std::cout << "restored " << src.string() << " into " << config->data_dir.string()
            << "; integrity_check ok\n";
  PrintSummary(r->restored);
  if (!r->previous_db.empty())
    std::cout << "  the previous database is kept as " << r->previous_db.string() << "\n";
  std::cout << "start the node; it migrates an older database as it starts\n";
  return 0;
}

}  // namespace xf::tools

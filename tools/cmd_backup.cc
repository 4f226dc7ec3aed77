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

void PrintSummary(const node::BackupSummary& s, bool en) {
  if (en) {
    std::cout << "  schema version  " << s.schema_version << "\n"
              << "  cases           " << s.cases << "\n"
              << "  events          " << s.events << "\n"
              << "  attachments     " << s.blobs << " (" << s.blob_bytes << " bytes)\n";
  } else {
    std::cout << "  数据库版本  " << s.schema_version << "\n"
              << "  信访件      " << s.cases << "\n"
              << "  事件        " << s.events << "\n"
              << "  附件        " << s.blobs << "（" << s.blob_bytes << " 字节）\n";
  }
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
        << UsageWord() << "xfctl backup DEST [--node DIR | --config FILE]   (DEST: a new directory)\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl backup: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
    return 1;
  }
  const std::filesystem::path dest = std::filesystem::absolute(args.Positional()[0]);
  // A stopped node's data dir is locked for the copy; a running node's is
  // read with a read-only connection (WAL readers never block its writes).
  auto lock = node::DataDirLock::Acquire(config->data_dir, "xfctl backup");
  if (!lock && lock.error().code != Errc::kAlreadyExists) {
    std::cerr << "xfctl backup: " << Why(lock.error()) << "\n";
    return 1;
  }
  const bool live = !lock;
  Progress progress("备份", "backup", 0, English(args));
  auto r = node::BackupDataDir(config->data_dir, dest, config->node_id, live, Show(progress));
  if (!r) {
    progress.Abandon();
    std::cerr << "xfctl backup: " << Why(r.error()) << "\n";
    return 1;
  }
  progress.Done();
  if (English(args)) {
    std::cout << "backup of node " << config->node_id << " (" << config->data_dir.string()
              << (live ? ", running: read-only" : "") << ") written to " << dest.string() << "; integrity_check ok\n";
  } else {
    std::cout << "节点 " << config->node_id << "（" << config->data_dir.string() << (live ? "，运行中：只读" : "")
              << "）的备份已写入 " << dest.string() << "；integrity_check ok\n";
  }
  PrintSummary(*r, English(args));
  return 0;
}

int CmdRestore(const Args& args) {
  if (auto u = args.Unknown({"node", "config", "force"}); !u.empty()) {
    std::cerr << "xfctl restore: " << u << "\n";
    return 2;
  }
  if (args.Positional().size() != 1 || !args.Get("force", "").empty()) {
    std::cerr << UsageWord() << "xfctl restore SRC [--node DIR | --config FILE] [--force]\n";
    return 2;
  }
  auto config = FindNode(args);
  if (!config) {
    std::cerr << "xfctl restore: " << Why(config.error(), "无法读取节点配置", "node configuration") << "\n";
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
              << (lock.error().code == Errc::kAlreadyExists
                      ? Say("节点正在运行（或另一个 xfctl 正在使用）：", "a node is running (or another xfctl works) on ") +
                            config->data_dir.string() + Say("：", ": ")
                      : std::string())
              << Why(lock.error())
              << (NodeRunning(*config, url) ? Say("（其本地接口在 ", " (its API answers at ") + url + Say(" 应答）", ")")
                                            : std::string())
              << (English(args) ? "; stop it first (systemctl stop xfnode)\n" : "；请先停止它（systemctl stop xfnode）\n");
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
    std::cerr << "xfctl restore: " << Why(r.error()) << "\n";
    return 1;
  }
  progress.Done();
  const bool en = English(args);
  if (en) {
    std::cout << "restored " << src.string() << " into " << config->data_dir.string() << "; integrity_check ok\n";
  } else {
    std::cout << "已将 " << src.string() << " 恢复到 " << config->data_dir.string() << "；integrity_check ok\n";
  }
  PrintSummary(r->restored, en);
  if (!r->previous_db.empty()) {
    std::cout << (en ? "  the previous database is kept as " : "  原数据库保留为 ") << r->previous_db.string() << "\n";
  }
  std::cout << (en ? "start the node; it migrates an older database as it starts\n"
                   : "请启动节点；旧版数据库会在启动时自动迁移\n");
  return 0;
}

}  // namespace xf::tools

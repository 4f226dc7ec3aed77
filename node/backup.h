// Online backup and restore of a node's data dir.
//
// A backup is a directory:
//   xfnode.db            the database at one instant, copied with the SQLite
//                        backup API while the node keeps writing
//   blobs/ab/<sha256>    every attachment recorded in that database
//   batches/<file>       received batches whose bytes live beside the
//                        database (large ones), checked by their SHA-256
//   backup.json          written last: a backup without it is incomplete
//
// The copy is consistent because it runs inside one read transaction on the
// source: in WAL mode that pins a snapshot, writers go on unblocked, and
// the copy never restarts. Attachments are immutable once stored and are
// recorded only after they are on disk, so every blob the snapshot names
// can be copied afterwards.
//
// Thread safety: the functions block; call them from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "codes/result.h"

namespace xf::node {

// What a backup or restore is doing, for a progress display (xfctl): the
// step and how far within it (pages of the database, attachments, batch
// files). Called on the calling thread; may be empty.
enum class BackupStep { kDatabase, kCheck, kAttachments, kBatchFiles };
using BackupProgress = std::function<void(BackupStep step, std::uint64_t done, std::uint64_t total)>;

struct BackupSummary {
  std::string node_id;  // as given to BackupDataDir; may be empty
  int schema_version = 0;
  std::int64_t cases = 0;
  std::int64_t events = 0;
  std::int64_t blobs = 0;
  std::uint64_t blob_bytes = 0;
};

// Copies DATA_DIR/xfnode.db and the blobs it records into `dest`, which
// must not exist or be an empty directory. Checks the copy with PRAGMA
// integrity_check and the size of every blob. Safe while a node runs on
// `data_dir`, and changes nothing there. `node_id` goes into backup.json.
// `live`: a node runs on `data_dir`, so the source is opened read-only (a
// reader, never a second writer: node/data_dir.h); otherwise read-write,
// so that no -wal and -shm files are left behind (the caller holds the
// data dir's lock then).
Result<BackupSummary> BackupDataDir(const std::filesystem::path& data_dir,
                                    const std::filesystem::path& dest, const std::string& node_id,
                                    bool live = false, const BackupProgress& progress = {});

struct RestoreOptions {
  bool force = false;   // replace a database that holds events; accept another node's backup
  std::string node_id;  // the node restored into; a backup of another node is refused
  BackupProgress progress;  // may be empty
};

struct RestoreSummary {
  BackupSummary restored;
  std::filesystem::path previous_db;  // where the replaced database went; empty when there was none
};

// Puts the backup in `backup` into `data_dir`: the blobs first (each
// checked against its SHA-256 and size), then the database, checked with
// PRAGMA integrity_check before it replaces DATA_DIR/xfnode.db. The
// replaced database (with its WAL) is renamed to xfnode.db.before-restore
// (.1, .2, … when taken). Refuses a backup made by a newer xfnode, and,
// unless options.force, a data dir whose database holds events. When run as
// root, the files written get the owner of `data_dir`.
// REQUIRES: no node is running on `data_dir` (xfctl restore checks).
Result<RestoreSummary> RestoreDataDir(const std::filesystem::path& backup,
                                      const std::filesystem::path& data_dir,
                                      const RestoreOptions& options);

}  // namespace xf::node

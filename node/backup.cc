#include "node/backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "exchange/crypto.h"
#include "node/sqlite.h"
#include "node/store.h"
#include "schema/validate.h"

namespace xf::node {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kDbName = "xfnode.db";
constexpr const char* kManifest = "backup.json";
constexpr const char* kFormat = "xfnode-backup/1";
constexpr int kPagesPerStep = 1024;  // 4 MiB at the default page size

std::string SysError(const std::string& what) { return what + ": " + std::strerror(errno); }

// A file descriptor, closed on destruction.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return m_fd; }
  // Closes now and reports a failure (a deferred write error shows here).
  bool Close() {
    const int fd = m_fd;
    m_fd = -1;
    return fd < 0 || ::close(fd) == 0;
  }

 private:
  int m_fd;
};

// Removes a temporary file unless Keep() was called.
class TempFile {
 public:
  explicit TempFile(fs::path path) : m_path(std::move(path)) {}
  ~TempFile() {
    if (!m_path.empty()) ::unlink(m_path.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const fs::path& Path() const { return m_path; }
  void Keep() { m_path.clear(); }

 private:
  fs::path m_path;
};

struct BackupFinish {
  void operator()(sqlite3_backup* b) const { sqlite3_backup_finish(b); }
};
using BackupHandle = std::unique_ptr<sqlite3_backup, BackupFinish>;

Status Sync(const fs::path& path, bool dir) {
  Fd fd(::open(path.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    return MakeError(Errc::kIo, SysError("cannot sync " + path.string()));
  return {};
}

Status MakeDirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + dir.string() + ": " + ec.message());
  return {};
}

struct Expected {
  std::uint64_t size = 0;
  std::string sha256;  // empty: not checked
};

// Copies `src` to `dst` through a temporary file that is checked against
// `expected`, fsynced and then renamed into place: `dst` is either absent or
// complete and correct.
Status CopyChecked(const fs::path& src, const fs::path& dst, const Expected& expected) {
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return MakeError(Errc::kNotFound, SysError("cannot read " + src.string()));
  if (auto s = MakeDirs(dst.parent_path()); !s) return s;
  TempFile tmp(dst.string() + ".tmp");
  Fd out(::open(tmp.Path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (out.get() < 0) return MakeError(Errc::kIo, SysError("cannot create " + tmp.Path().string()));
  exchange::Sha256 sha;
  std::vector<char> buf(1 << 16);
  std::uint64_t size = 0;
  for (;;) {
    const ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError(Errc::kIo, SysError("cannot read " + src.string()));
    if (n == 0) break;
    if (!expected.sha256.empty())
      sha.Update(std::string_view(buf.data(), static_cast<std::size_t>(n)));
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out.get(), buf.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return MakeError(Errc::kIo, SysError("cannot write " + tmp.Path().string()));
      done += w;
    }
    size += static_cast<std::uint64_t>(n);
  }
  if (size != expected.size) {
    return MakeError(Errc::kCorruption, src.string() + " has " + std::to_string(size) + " bytes, " +
                                            std::to_string(expected.size) + " are recorded");
  }
  if (!expected.sha256.empty()) {
    if (const std::string got = sha.FinalHex(); got != expected.sha256) {
      return MakeError(Errc::kCorruption,
                       src.string() + " hashes to " + got + ", not " + expected.sha256);
    }
  }
  if (::fsync(out.get()) != 0 || !out.Close()) {
    return MakeError(Errc::kIo, SysError("cannot write " + tmp.Path().string()));
  }
  if (::rename(tmp.Path().c_str(), dst.c_str()) != 0) {
    return MakeError(Errc::kIo, SysError("cannot rename to " + dst.string()));
  }
  tmp.Keep();
  return {};
}

Result<std::uint64_t> FileSize(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    return MakeError(Errc::kNotFound, SysError("cannot read " + file.string()));
  return static_cast<std::uint64_t>(st.st_size);
}

Result<std::int64_t> Scalar(sql::Db& db, const std::string& query) {
  auto st = db.Prepare(query, false);
  if (!st) return st.error();
  auto row = st->Step();
  if (!row) return row.error();
  return *row ? st->Int(0) : 0;
}

// "ok", or what PRAGMA integrity_check found.
Result<std::string> IntegrityCheck(sql::Db& db) {
  auto st = db.Prepare("PRAGMA integrity_check", false);
  if (!st) return st.error();
  std::string out;
  for (;;) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    out += (out.empty() ? "" : "; ") + st->Text(0);
  }
  return out;
}

Status CheckIntegrity(sql::Db& db, const fs::path& file) {
  auto check = IntegrityCheck(db);
  if (!check) return check.error();
  if (*check != "ok")
    return MakeError(Errc::kCorruption, file.string() + " fails PRAGMA integrity_check: " + *check);
  return {};
}

Result<bool> HasTable(sql::Db& db, const std::string& name) {
  auto st = db.Prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1", false);
  if (!st) return st.error();
  st->Bind(1, name);
  return st->Step();
}

Result<BackupSummary> Describe(sql::Db& db) {
  BackupSummary s;
  auto version = Scalar(db, "PRAGMA user_version");
  if (!version) return version.error();
  s.schema_version = static_cast<int>(*version);
  if (s.schema_version == 0) return s;  // an empty database
  struct Count {
    std::int64_t* field;
    const char* query;
  };
  for (const Count& c : {Count{&s.cases, "SELECT count(*) FROM cases"},
                         Count{&s.events, "SELECT count(*) FROM events"},
                         Count{&s.blobs, "SELECT count(*) FROM blobs"}}) {
    auto n = Scalar(db, c.query);
    if (!n) return n.error();
    *c.field = *n;
  }
  auto bytes = Scalar(db, "SELECT coalesce(sum(size), 0) FROM blobs");
  if (!bytes) return bytes.error();
  s.blob_bytes = static_cast<std::uint64_t>(*bytes);
  return s;
}

struct BlobRow {
  std::string sha256;
  std::uint64_t size = 0;
};

Result<std::vector<BlobRow>> ListBlobs(sql::Db& db, int schema_version) {
  std::vector<BlobRow> out;
  if (schema_version == 0) return out;
  auto st = db.Prepare("SELECT sha256, size FROM blobs ORDER BY sha256", false);
  if (!st) return st.error();
  for (;;) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    BlobRow b{st->Text(0), static_cast<std::uint64_t>(st->Int(1))};
    // The name becomes a path: only a SHA-256 in hex may.
    if (!schema::IsSha256Hex(b.sha256)) {
      return MakeError(Errc::kCorruption,
                       "the blobs table holds '" + b.sha256 + "', not a SHA-256");
    }
    out.push_back(std::move(b));
  }
  return out;
}

// Received batches whose bytes live in DATA_DIR/batches/ (store migration 4)
// rather than in the database: a backup without them could not forward them.
struct BatchFileRow {
  std::string file;
  std::string sha256;  // of the bytes; may be empty
};

Result<std::vector<BatchFileRow>> ListBatchFiles(sql::Db& db) {
  std::vector<BatchFileRow> out;
  auto has = db.Prepare("SELECT 1 FROM pragma_table_info('batches') WHERE name = 'bytes_file'", false);
  if (!has) return has.error();
  auto found = has->Step();
  if (!found) return found.error();
  if (!*found) return out;
  auto st = db.Prepare("SELECT bytes_file, bytes_sha256 FROM batches WHERE bytes_file <> '' ORDER BY bytes_file",
                       false);
  if (!st) return st.error();
  for (;;) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    BatchFileRow b{st->Text(0), st->Text(1)};
    // The name becomes a path: a plain file name only.
    if (b.file.find('/') != std::string::npos || b.file.empty() || b.file[0] == '.') {
      return MakeError(Errc::kCorruption, "the batches table names the file '" + b.file + "'");
    }
    out.push_back(std::move(b));
  }
  return out;
}

// Copies each batch file from `from_dir` to `to_dir`, checked against its
// SHA-256; a file already there with the same size is kept (the names are
// unique per batch). Returns the files written.
Result<std::vector<fs::path>> CopyBatchFiles(const std::vector<BatchFileRow>& files, const fs::path& from_dir,
                                             const fs::path& to_dir) {
  std::vector<fs::path> written;
  for (const auto& b : files) {
    const fs::path from = from_dir / b.file, to = to_dir / b.file;
    auto size = FileSize(from);
    if (!size) return MakeError(size.error().code, "batch file " + b.file + ": " + size.error().message);
    if (auto there = FileSize(to); there && *there == *size) continue;
    if (auto s = CopyChecked(from, to, {*size, b.sha256}); !s) {
      return MakeError(s.error().code, "batch file " + b.file + ": " + s.error().message);
    }
    written.push_back(to);
  }
  if (!files.empty()) {
    if (auto s = Sync(to_dir, true); !s) return s.error();
  }
  return written;
}

fs::path BlobPath(const fs::path& blobs_dir, const std::string& sha256) {
  return blobs_dir / sha256.substr(0, 2) / sha256;
}

// Copies the database behind `src` into `dst` page by page. One read
// transaction spans the whole copy: in WAL mode it pins one snapshot, so the
// copy is of one instant, and the node's commits neither block it nor make
// it start over (SQLite restarts a backup only when a new read transaction
// finds the source changed).
Status CopySnapshot(sql::Db& src, sql::Db& dst, const BackupProgress& progress) {
  if (auto s = src.Exec("BEGIN"); !s) return s;
  struct EndRead {
    sql::Db& db;
    ~EndRead() { (void)db.Exec("COMMIT"); }
  } end_read{src};
  if (auto n = Scalar(src, "SELECT count(*) FROM sqlite_schema"); !n) return n.error();
  BackupHandle backup(sqlite3_backup_init(dst.get(), "main", src.get(), "main"));
  if (!backup) return sql::SqlError(dst.get(), "starting the backup");
  int waits = 0;
  for (;;) {
    const int rc = sqlite3_backup_step(backup.get(), kPagesPerStep);
    if (progress) {
      const int total = sqlite3_backup_pagecount(backup.get());
      progress(BackupStep::kDatabase, static_cast<std::uint64_t>(total - sqlite3_backup_remaining(backup.get())),
               static_cast<std::uint64_t>(total));
    }
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++waits < 500) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    return MakeError(Errc::kIo, std::string("backup step: ") + sqlite3_errstr(rc));
  }
  if (const int rc = sqlite3_backup_finish(backup.release()); rc != SQLITE_OK) {
    return MakeError(Errc::kIo, std::string("finishing the backup: ") + sqlite3_errstr(rc));
  }
  return {};
}

Status WriteManifest(const fs::path& dest, const BackupSummary& s) {
  json::object o;
  o["format"] = kFormat;
  o["node_id"] = s.node_id;
  o["created_at"] = SystemClock().Now().ToString();
  o["schema_version"] = s.schema_version;
  o["cases"] = s.cases;
  o["events"] = s.events;
  o["blobs"] = s.blobs;
  o["blob_bytes"] = s.blob_bytes;
  const std::string text = json::serialize(o) + "\n";
  const fs::path file = dest / kManifest;
  TempFile tmp(file.string() + ".tmp");
  Fd out(::open(tmp.Path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
  if (out.get() < 0 ||
      ::write(out.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::fsync(out.get()) != 0 || !out.Close() || ::rename(tmp.Path().c_str(), file.c_str()) != 0) {
    return MakeError(Errc::kIo, SysError("cannot write " + file.string()));
  }
  tmp.Keep();
  return {};
}

Result<BackupSummary> ReadManifest(const fs::path& backup) {
  const fs::path file = backup / kManifest;
  Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    return MakeError(Errc::kNotFound,
                     backup.string() + " is not a complete xfnode backup (no " + kManifest + ")");
  }
  std::string text(64 * 1024, '\0');
  const ssize_t n = ::read(in.get(), text.data(), text.size());
  if (n < 0) return MakeError(Errc::kIo, SysError("cannot read " + file.string()));
  text.resize(static_cast<std::size_t>(n));
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  const json::object* o = ec ? nullptr : v.if_object();
  const json::value* format = o ? o->if_contains("format") : nullptr;
  if (format == nullptr || !format->is_string() || format->as_string() != kFormat) {
    return MakeError(Errc::kCorruption, file.string() + " is not an " + kFormat + " manifest");
  }
  BackupSummary s;
  auto integer = [&](const char* key) -> std::int64_t {
    const json::value* x = o->if_contains(key);
    return x && x->is_int64()    ? x->as_int64()
           : x && x->is_uint64() ? static_cast<std::int64_t>(x->as_uint64())
                                 : -1;
  };
  if (const json::value* id = o->if_contains("node_id"); id && id->is_string())
    s.node_id = id->as_string();
  s.schema_version = static_cast<int>(integer("schema_version"));
  s.cases = integer("cases");
  s.events = integer("events");
  s.blobs = integer("blobs");
  s.blob_bytes = static_cast<std::uint64_t>(integer("blob_bytes"));
  return s;
}

// The first of base, base.1, base.2, … that is free (with its -wal).
fs::path FreeName(const fs::path& base) {
  std::error_code ec;
  for (int i = 0;; ++i) {
    const fs::path p = i == 0 ? base : fs::path(base.string() + "." + std::to_string(i));
    if (!fs::exists(p, ec) && !fs::exists(p.string() + "-wal", ec)) return p;
  }
}

// Events in the database at `file`; an error when it cannot be read.
Result<std::int64_t> EventsIn(const fs::path& file) {
  auto db = sql::Db::Open(file);
  if (!db) return db.error();
  auto has = HasTable(*db, "events");
  if (!has) return has.error();
  return *has ? Scalar(*db, "SELECT count(*) FROM events") : Result<std::int64_t>(0);
}

}  // namespace

Result<BackupSummary> BackupDataDir(const fs::path& data_dir, const fs::path& dest,
                                    const std::string& node_id, bool live, const BackupProgress& progress) {
  auto report = [&](BackupStep step, std::uint64_t done, std::uint64_t total) {
    if (progress) progress(step, done, total);
  };
  const fs::path source = data_dir / kDbName;
  std::error_code ec;
  if (!fs::is_regular_file(source, ec))
    return MakeError(Errc::kNotFound, "no database at " + source.string());
  if (fs::exists(dest, ec) && (!fs::is_directory(dest, ec) || !fs::is_empty(dest, ec))) {
    return MakeError(
        Errc::kAlreadyExists,
        dest.string() + " exists and is not empty; a backup goes into a new directory");
  }
  if (auto s = MakeDirs(dest); !s) return s.error();
  ::chmod(dest.c_str(), 0750);

  // A stopped node: read-write although it only reads, since a read-only
  // connection would leave -wal and -shm files behind (read-only when that
  // is all this user may do). A running node: read-only, never a second writer.
  auto src = live ? sql::Db::OpenReadOnly(source) : sql::Db::Open(source);
  if (!src && !live) src = sql::Db::OpenReadOnly(source);
  if (!src) return src.error();
  const fs::path copy = dest / kDbName;
  TempFile tmp(copy.string() + ".tmp");
  BackupSummary summary;
  std::vector<BlobRow> blobs;
  std::vector<BatchFileRow> batch_files;
  {
    auto dst = sql::Db::Open(tmp.Path());
    if (!dst) return dst.error();
    // A rollback journal: the copy is one file, and may take any page size.
    if (auto s = dst->Exec("PRAGMA journal_mode=DELETE"); !s) return s.error();
    if (auto s = CopySnapshot(*src, *dst, progress); !s) return s.error();
    report(BackupStep::kCheck, 0, 1);
    if (auto s = CheckIntegrity(*dst, copy); !s) return s.error();
    report(BackupStep::kCheck, 1, 1);
    auto d = Describe(*dst);
    if (!d) return d.error();
    summary = *d;
    auto list = ListBlobs(*dst, summary.schema_version);
    if (!list) return list.error();
    blobs = std::move(list).value();
    auto files = ListBatchFiles(*dst);
    if (!files) return files.error();
    batch_files = std::move(files).value();
  }
  // Cases hold personal data: not readable by others, like the node's own files.
  ::chmod(tmp.Path().c_str(), 0640);
  if (auto s = Sync(tmp.Path(), false); !s) return s.error();
  if (::rename(tmp.Path().c_str(), copy.c_str()) != 0)
    return MakeError(Errc::kIo, SysError("cannot write " + copy.string()));
  tmp.Keep();
  summary.node_id = node_id;

  // Blobs named by the snapshot are on disk and immutable (recorded only once renamed in place).
  std::set<fs::path> dirs{dest, dest / "blobs"};
  std::uint64_t copied = 0;
  report(BackupStep::kAttachments, 0, blobs.size());
  for (const auto& b : blobs) {
    const fs::path to = BlobPath(dest / "blobs", b.sha256);
    if (auto s = CopyChecked(BlobPath(data_dir / "blobs", b.sha256), to, {b.size, ""}); !s) {
      return MakeError(s.error().code, "attachment " + b.sha256 + ": " + s.error().message);
    }
    dirs.insert(to.parent_path());
    report(BackupStep::kAttachments, ++copied, blobs.size());
  }
  // Batch files named by the snapshot were fsynced before the commit that named them.
  if (!batch_files.empty()) {
    report(BackupStep::kBatchFiles, 0, batch_files.size());
    if (auto s = MakeDirs(dest / "batches"); !s) return s.error();
    if (auto w = CopyBatchFiles(batch_files, data_dir / "batches", dest / "batches"); !w) return w.error();
    report(BackupStep::kBatchFiles, batch_files.size(), batch_files.size());
  }
  for (const auto& d : dirs) {
    if (fs::exists(d, ec)) {
      if (auto s = Sync(d, true); !s) return s.error();
    }
  }
  // Written last: its presence marks the backup complete.
  if (auto s = WriteManifest(dest, summary); !s) return s.error();
  if (auto s = Sync(dest, true); !s) return s.error();
  return summary;
}

Result<RestoreSummary> RestoreDataDir(const fs::path& backup, const fs::path& data_dir,
                                      const RestoreOptions& options) {
  auto manifest = ReadManifest(backup);
  if (!manifest) return manifest.error();
  if (!options.force && !options.node_id.empty() && !manifest->node_id.empty() &&
      manifest->node_id != options.node_id) {
    return MakeError(Errc::kInvalidArgument, "the backup is of node " + manifest->node_id +
                                                 ", this node is " + options.node_id +
                                                 " (use --force to restore it anyway)");
  }
  const fs::path backup_db = backup / kDbName;
  auto backup_size = FileSize(backup_db);
  if (!backup_size) return backup_size.error();
  if (auto s = MakeDirs(data_dir); !s) return s.error();

  // Checked on a copy beside the target: the backup itself is never written to.
  const fs::path live = data_dir / kDbName;
  const fs::path staged = data_dir / "xfnode.db.restore-tmp";
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((staged.string() + suffix).c_str());
  TempFile staged_guard(staged);
  auto report = [&](BackupStep step, std::uint64_t done, std::uint64_t total) {
    if (options.progress) options.progress(step, done, total);
  };
  report(BackupStep::kDatabase, 0, 1);
  if (auto s = CopyChecked(backup_db, staged, {*backup_size, ""}); !s) return s.error();
  report(BackupStep::kDatabase, 1, 1);
  RestoreSummary out;
  std::vector<BlobRow> blobs;
  std::vector<BatchFileRow> batch_files;
  {
    auto db = sql::Db::Open(staged);
    if (!db) return db.error();
    auto d = Describe(*db);
    if (!d) return d.error();
    if (d->schema_version > Store::LatestSchemaVersion()) {
      return MakeError(Errc::kInvalidArgument,
                       "the backup has database schema version " +
                           std::to_string(d->schema_version) + ", this xfnode knows only up to " +
                           std::to_string(Store::LatestSchemaVersion()) +
                           ": it was made by a newer xfnode; restore it with that version");
    }
    report(BackupStep::kCheck, 0, 1);
    if (auto s = CheckIntegrity(*db, backup_db); !s) return s.error();
    report(BackupStep::kCheck, 1, 1);
    if (d->cases != manifest->cases || d->events != manifest->events ||
        d->blobs != manifest->blobs) {
      return MakeError(Errc::kCorruption, backup_db.string() + " does not match " + kManifest +
                                              " (" + std::to_string(d->events) +
                                              " events, the manifest says " +
                                              std::to_string(manifest->events) + ")");
    }
    out.restored = *d;
    out.restored.node_id = manifest->node_id;
    auto list = ListBlobs(*db, d->schema_version);
    if (!list) return list.error();
    blobs = std::move(list).value();
    auto files = ListBatchFiles(*db);
    if (!files) return files.error();
    batch_files = std::move(files).value();
  }
  ::unlink((staged.string() + "-shm").c_str());

  std::error_code ec;
  if (fs::exists(live, ec)) {
    auto events = EventsIn(live);
    if (!options.force) {
      if (!events) {
        return MakeError(Errc::kAlreadyExists, "cannot read the current " + live.string() + " (" +
                                                   events.error().message +
                                                   "); use --force to set it aside and restore");
      }
      if (*events > 0) {
        return MakeError(
            Errc::kAlreadyExists,
            live.string() + " holds " + std::to_string(*events) +
                " events; restoring would replace them (use --force: the current database is kept "
                "as xfnode.db.before-restore)");
      }
    }
  }

  // Attachments first, so the database never names a blob that is not there.
  // A refusal on the way takes back what it wrote.
  const fs::path blobs_dir = data_dir / "blobs";
  std::set<fs::path> dirs;  // blobs/ab/ written to
  std::vector<fs::path> written;
  bool done = false;
  struct Undo {
    const std::vector<fs::path>& files;
    const std::set<fs::path>& dirs;
    const fs::path& blobs_dir;
    const bool& done;
    ~Undo() {
      if (done) return;
      for (const auto& f : files) ::unlink(f.c_str());
      for (const auto& d : dirs) ::rmdir(d.c_str());  // only the empty ones go
      ::rmdir(blobs_dir.c_str());
    }
  } undo{written, dirs, blobs_dir, done};
  std::uint64_t seen = 0;
  report(BackupStep::kAttachments, 0, blobs.size());
  for (const auto& b : blobs) {
    report(BackupStep::kAttachments, seen++, blobs.size());
    const fs::path to = BlobPath(blobs_dir, b.sha256);
    if (auto size = FileSize(to); size && *size == b.size)
      continue;  // content-addressed: already here
    dirs.insert(to.parent_path());
    if (auto s = CopyChecked(BlobPath(backup / "blobs", b.sha256), to, {b.size, b.sha256}); !s) {
      return MakeError(s.error().code, "attachment " + b.sha256 + ": " + s.error().message);
    }
    written.push_back(to);
  }
  report(BackupStep::kAttachments, blobs.size(), blobs.size());
  for (const auto& d : dirs) {
    if (auto s = Sync(d, true); !s) return s.error();
  }
  if (!dirs.empty()) {
    if (auto s = Sync(blobs_dir, true); !s) return s.error();
  }
  // Batch files too, before the database that names them.
  if (!batch_files.empty()) {
    const fs::path batches_dir = data_dir / "batches";
    if (auto s = MakeDirs(batches_dir); !s) return s.error();
    auto w = CopyBatchFiles(batch_files, backup / "batches", batches_dir);
    if (!w) return w.error();
    written.insert(written.end(), w->begin(), w->end());
    dirs.insert(batches_dir);
  }

  // The current database (and its WAL, which may hold commits) is set aside, never deleted.
  if (fs::exists(live, ec)) {
    out.previous_db = FreeName(data_dir / "xfnode.db.before-restore");
    if (::rename(live.c_str(), out.previous_db.c_str()) != 0) {
      return MakeError(Errc::kIo, SysError("cannot rename " + live.string()));
    }
    const std::string wal = live.string() + "-wal";
    if (fs::exists(wal, ec) &&
        ::rename(wal.c_str(), (out.previous_db.string() + "-wal").c_str()) != 0) {
      return MakeError(Errc::kIo, SysError("cannot rename " + wal));
    }
    ::unlink((live.string() + "-shm").c_str());
  }
  if (::rename(staged.c_str(), live.c_str()) != 0)
    return MakeError(Errc::kIo, SysError("cannot rename to " + live.string()));
  staged_guard.Keep();
  done = true;
  if (auto s = Sync(data_dir, true); !s) return s.error();

  // Run as root for a service's data dir: hand what was written to its owner.
  struct stat owner {};
  if (::geteuid() == 0 && ::stat(data_dir.c_str(), &owner) == 0) {
    written.push_back(live);
    for (const auto& d : dirs) written.push_back(d);
    written.push_back(blobs_dir);
    for (const auto& p : written) {
      if (p != data_dir && ::lchown(p.c_str(), owner.st_uid, owner.st_gid) != 0 &&
          errno != ENOENT) {
        return MakeError(Errc::kIo,
                         SysError("cannot hand " + p.string() + " to the data dir's owner"));
      }
    }
  }
  return out;
}

}  // namespace xf::node

// The operating system as the node sees it — time, files, network faults —
// behind one interface, in the style of LevelDB's Env, so that tests drive
// time and inject faults (ENOSPC, EIO, short writes, a peer unreachable)
// without stubbing what they test.
//
// It lives in codes/ because codes/ is the library every other one links
// (it already holds Result and Clock): schema/, exchange/ and node/ can all
// use it, and it depends on nothing but the C++ and POSIX libraries.
//
// Env::Default() is the real system. FaultEnv is for tests and benchmarks:
// manual time (both the wall clock and the monotonic one advance only when
// told) and faults injected into files by path and into connections by
// host:port, over the real file system and the real network.
//
// Thread safety: every method of both may be called from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"

namespace xf {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

// A file being written. Append writes all of `data` (a short write is
// continued where it stopped); every failure is kIo naming the file and
// the system's reason (e.g. "No space left on device").
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;   // fsync
  virtual Status Close() = 0;  // the destructor closes too, ignoring errors
};

// What a file operation is, for faults.
enum class FileOp { kWrite, kSync, kRename };

class Env {
 public:
  virtual ~Env() = default;
  // The real system; lives as long as the process.
  static Env& Default();

  // ---- time ---------------------------------------------------------------
  // Instants for records, receipts and logs.
  virtual const Clock& Wall() const = 0;
  // Monotonic time, for time-outs and backoff.
  virtual SteadyTime Now() const = 0;
  // Waits on `cv` (`lock` holds its mutex) until `done()` or until Now()
  // reaches `deadline`; answers done(). Spurious wake-ups are absorbed.
  virtual bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, SteadyTime deadline,
                         const std::function<bool()>& done) const = 0;
  // Uniform in [0, 1): jitter.
  virtual double Uniform() = 0;

  // ---- files --------------------------------------------------------------
  // Creates `file` (which must not exist) with `mode`, for writing.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& file, mode_t mode) = 0;
  virtual Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // fsync of a file written by someone else (a spooled body), or of a directory.
  virtual Status SyncFile(const std::filesystem::path& file) = 0;
  virtual Status SyncDir(const std::filesystem::path& dir) = 0;
  // For I/O that does not go through the methods above (SQLite's own
  // writes, node/sqlite.h): 0, or the errno a write or sync of `file`
  // must fail with.
  virtual int FileFault(const std::filesystem::path& file, FileOp op) const {
    (void)file;
    (void)op;
    return 0;
  }

  // ---- network ------------------------------------------------------------
  // A connection to host:port about to be made: nothing, or the error it
  // fails with instead (kUnavailable: as if the peer were down).
  virtual std::optional<Error> NetworkFault(std::string_view host, std::string_view port) const {
    (void)host;
    (void)port;
    return std::nullopt;
  }
};

// The one temp-file + fsync + rename. Writes `data` to a new temporary file
// beside `file` (mode `mode`), fsyncs it, renames it over `file` and fsyncs
// the directory: afterwards `file` holds `data` durably; on any failure it
// is as it was and the temporary file is gone.
Status WriteFileAtomically(Env& env, const std::filesystem::path& file, std::string_view data, mode_t mode = 0600);
// A complete file written by someone else (a spooled body) put in place
// durably: fsync it, rename it to `to`, fsync `to`'s directory.
Status PlaceFileDurably(Env& env, const std::filesystem::path& from, const std::filesystem::path& to);

// Manual time and injected faults, over the real file system and network.
class FaultEnv final : public Env {
 public:
  explicit FaultEnv(Instant wall_start, std::uint64_t seed = 1);

  const Clock& Wall() const override { return m_wall; }
  SteadyTime Now() const override;
  // Polls `done` every few real milliseconds, so that Advance() is seen.
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, SteadyTime deadline,
                 const std::function<bool()>& done) const override;
  double Uniform() override;
  // Moves both clocks on.
  void Advance(std::chrono::milliseconds d);

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& file, mode_t mode) override;
  Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status SyncFile(const std::filesystem::path& file) override;
  Status SyncDir(const std::filesystem::path& dir) override;
  int FileFault(const std::filesystem::path& file, FileOp op) const override;
  std::optional<Error> NetworkFault(std::string_view host, std::string_view port) const override;

  // Operations `op` on files whose path contains `match` fail with `err`
  // (ENOSPC, EIO, …), the next `times` times (-1: until cleared).
  void FailFiles(std::string match, FileOp op, int err, int times = -1);
  // Each write to a file whose path contains `match` writes at most `max`
  // bytes (the writer must continue).
  void ShortWrites(std::string match, std::size_t max);
  void ClearFileFaults();
  // Connections to "host:port" fail as if nobody listened, until told otherwise.
  void SetUnreachable(const std::string& host_port, bool unreachable);
  // How many faults were injected so far (writes, syncs, renames, connections).
  std::uint64_t Injected() const { return m_injected.load(); }

 private:
  class WallClock final : public Clock {
   public:
    WallClock(Instant start, const std::atomic<std::int64_t>& offset_ms) : m_start(start), m_offset_ms(offset_ms) {}
    Instant Now() const override { return Instant{m_start.seconds + m_offset_ms.load() / 1000}; }

   private:
    Instant m_start;
    const std::atomic<std::int64_t>& m_offset_ms;
  };
  struct Fault {
    std::string match;
    FileOp op;
    int err;
    int times;
  };
  int TakeFault(const std::filesystem::path& file, FileOp op) const;
  std::size_t ShortWriteOf(const std::filesystem::path& file) const;

  std::atomic<std::int64_t> m_offset_ms{0};
  WallClock m_wall;
  const SteadyTime m_start;
  std::mutex m_random_mutex;
  std::uint64_t m_random;
  mutable std::mutex m_mutex;  // the faults
  mutable std::vector<Fault> m_faults;
  std::map<std::string, std::size_t> m_short_writes;
  std::vector<std::string> m_unreachable;
  mutable std::atomic<std::uint64_t> m_injected{0};
};

}  // namespace xf

// Who may write a node's data dir, and with which file modes (issue 12,
// holes 9 and 10; node/README.md, "Files in the data dir").
//
// DataDirLock: one process at a time writes a node's database. xfnode holds
// an exclusive flock(2) on DATA_DIR/xfnode.pid for as long as it runs and
// writes its pid and what it is into that file; an offline xfctl command
// that would open the database for writing takes the same lock for the
// time it runs, and when it cannot, it goes through the running node's
// local API or refuses, naming the holder (tools/README.md). The kernel
// drops the lock when the holder exits, however it exits (kill -9
// included), so a stale file never blocks anyone; the pid in it is only
// information (`stop.sh` of `xfctl demo --keep` reads it).
//
// SecureDataDir: the data dir holds ID numbers and phone numbers. It takes
// away every permission of "other" (and group write) from the dir, and
// answers the umask under which the process must create everything in it:
// 077 for a 0700 dir (`xfctl init --dir`: files 0600, dirs 0700), 027 for
// a dir its group may read (`xfctl init --system`: 0750 with the service's
// group; files 0640, dirs 0750) — whatever umask the process was started with.
//
// Thread safety: DataDirLock is a value owned by one thread; the functions
// may be called from any thread. The umask is process-wide: set it once, at
// start, before threads (xfnode's main, xfctl's main).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "codes/result.h"

namespace xf::node {

class DataDirLock {
 public:
  // Takes the lock without waiting and records this process (pid, `who`).
  // kAlreadyExists when another process holds it; the message names it
  // ("xfnode (pid 4242)"). kIo when the file cannot be opened.
  static Result<DataDirLock> Acquire(const std::filesystem::path& data_dir, std::string_view who);
  // The holder as recorded in the file ("xfnode (pid 4242)") when the lock
  // is held by another process now; nullopt when it is free.
  static std::optional<std::string> Holder(const std::filesystem::path& data_dir);
  static std::filesystem::path File(const std::filesystem::path& data_dir) { return data_dir / "xfnode.pid"; }

  DataDirLock(DataDirLock&& o) noexcept : m_fd(o.m_fd) { o.m_fd = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  ~DataDirLock();  // releases the lock (the file stays)

 private:
  explicit DataDirLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

// Creates `data_dir` (0700) when missing; removes "other" permissions and
// group write from it; answers the umask for what is created in it.
// kIo when it cannot be created or changed.
Result<mode_t> SecureDataDir(const std::filesystem::path& data_dir);

}  // namespace xf::node

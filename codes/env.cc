#include "codes/env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

namespace xf {

namespace {

Error IoError(const std::string& what, const std::filesystem::path& file, int err) {
  return MakeError(Errc::kIo, what + " " + file.string() + ": " + std::strerror(err));
}

// A file on disk written with write(2); `max_write` caps each call (a short
// write), and `fault` says which errno an operation fails with (0: none).
class PosixFile final : public WritableFile {
 public:
  using FaultFn = std::function<int(FileOp)>;
  PosixFile(int fd, std::filesystem::path path, std::size_t max_write, FaultFn fault)
      : m_fd(fd), m_path(std::move(path)), m_max_write(max_write), m_fault(std::move(fault)) {}
  ~PosixFile() override {
    if (m_fd >= 0) ::close(m_fd);
  }

  Status Append(std::string_view data) override {
    while (!data.empty()) {
      if (m_fault) {
        if (const int err = m_fault(FileOp::kWrite); err != 0) return IoError("cannot write", m_path, err);
      }
      const ssize_t n = ::write(m_fd, data.data(), std::min(data.size(), m_max_write));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("cannot write", m_path, errno);
      if (n == 0) return IoError("cannot write", m_path, EIO);
      data.remove_prefix(static_cast<std::size_t>(n));  // a short write: go on from there
    }
    return {};
  }

  Status Sync() override {
    if (m_fault) {
      if (const int err = m_fault(FileOp::kSync); err != 0) return IoError("cannot fsync", m_path, err);
    }
    if (::fsync(m_fd) != 0) return IoError("cannot fsync", m_path, errno);
    return {};
  }

  Status Close() override {
    const int fd = m_fd;
    m_fd = -1;
    if (fd >= 0 && ::close(fd) != 0) return IoError("cannot close", m_path, errno);
    return {};
  }

 private:
  int m_fd;
  std::filesystem::path m_path;
  std::size_t m_max_write;
  FaultFn m_fault;
};

Result<int> Create(const std::filesystem::path& file, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return IoError("cannot create", file, errno);
  return fd;
}

Status Fsync(const std::filesystem::path& p, bool dir) {
  const int fd = ::open(p.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", p, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("cannot fsync", p, err);
  return {};
}

Status RenameFile(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return MakeError(Errc::kIo, "cannot rename " + from.string() + " to " + to.string() + ": " + std::strerror(errno));
  }
  return {};
}

class SystemEnv final : public Env {
 public:
  const Clock& Wall() const override { return m_clock; }
  SteadyTime Now() const override { return SteadyClock::now(); }
  bool WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, SteadyTime deadline,
                 const std::function<bool()>& done) const override {
    return cv.wait_until(lock, deadline, done);
  }
  double Uniform() override {
    std::lock_guard lock(m_mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::filesystem::path& file, mode_t mode) override {
    auto fd = Create(file, mode);
    if (!fd) return fd.error();
    return std::unique_ptr<WritableFile>(std::make_unique<PosixFile>(*fd, file, std::size_t{1} << 30, nullptr));
  }
  Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
    return RenameFile(from, to);
  }
  Status SyncFile(const std::filesystem::path& file) override { return Fsync(file, false); }
  Status SyncDir(const std::filesystem::path& dir) override { return Fsync(dir, true); }

 private:
  SystemClock m_clock;
  std::mutex m_mutex;
  std::mt19937_64 m_random{std::random_device{}()};
};

}  // namespace

Env& Env::Default() {
  static SystemEnv env;
  return env;
}

Status WriteFileAtomically(Env& env, const std::filesystem::path& file, std::string_view data, mode_t mode) {
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  // A name no other writer of the same file picks.
  static std::atomic<std::uint64_t> serial{0};
  const auto tmp = dir / ("." + file.filename().string() + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(serial.fetch_add(1)));
  struct Remove {
    std::filesystem::path path;
    bool keep = false;
    ~Remove() {
      std::error_code ec;
      if (!keep) std::filesystem::remove(path, ec);
    }
  } remove{tmp};
  auto out = env.NewWritableFile(tmp, mode);
  if (!out) return out.error();
  if (auto s = (*out)->Append(data); !s) return s;
  if (auto s = (*out)->Sync(); !s) return s;
  if (auto s = (*out)->Close(); !s) return s;
  if (auto s = env.Rename(tmp, file); !s) return s;
  remove.keep = true;
  return env.SyncDir(dir);
}

Status PlaceFileDurably(Env& env, const std::filesystem::path& from, const std::filesystem::path& to) {
  // The bytes reach the disk before the name does.
  if (auto s = env.SyncFile(from); !s) return s;
  if (auto s = env.Rename(from, to); !s) return s;
  return env.SyncDir(to.has_parent_path() ? to.parent_path() : std::filesystem::path("."));
}

// ---- FaultEnv ----------------------------------------------------------------

FaultEnv::FaultEnv(Instant wall_start, std::uint64_t seed)
    : m_wall(wall_start, m_offset_ms), m_start(SteadyClock::now()), m_random(seed == 0 ? 1 : seed) {}

SteadyTime FaultEnv::Now() const { return m_start + std::chrono::milliseconds(m_offset_ms.load()); }

bool FaultEnv::WaitUntil(std::unique_lock<std::mutex>& lock, std::condition_variable& cv, SteadyTime deadline,
                         const std::function<bool()>& done) const {
  for (;;) {
    if (done()) return true;
    if (Now() >= deadline) return false;
    cv.wait_for(lock, std::chrono::milliseconds(2));
  }
}

double FaultEnv::Uniform() {
  std::lock_guard lock(m_random_mutex);
  // xorshift64*: the same sequence for the same seed.
  m_random ^= m_random >> 12;
  m_random ^= m_random << 25;
  m_random ^= m_random >> 27;
  return static_cast<double>((m_random * 2685821657736338717ull) >> 11) / static_cast<double>(1ull << 53);
}

void FaultEnv::Advance(std::chrono::milliseconds d) {
  m_offset_ms.fetch_add(d.count());
}

int FaultEnv::TakeFault(const std::filesystem::path& file, FileOp op) const {
  std::lock_guard lock(m_mutex);
  const std::string path = file.string();
  for (auto& f : m_faults) {
    if (f.op != op || f.times == 0 || path.find(f.match) == std::string::npos) continue;
    if (f.times > 0) --f.times;
    ++m_injected;
    return f.err;
  }
  return 0;
}

std::size_t FaultEnv::ShortWriteOf(const std::filesystem::path& file) const {
  std::lock_guard lock(m_mutex);
  const std::string path = file.string();
  std::size_t max = std::size_t{1} << 30;
  for (const auto& [match, n] : m_short_writes) {
    if (path.find(match) != std::string::npos) max = std::min(max, n);
  }
  return max;
}

Result<std::unique_ptr<WritableFile>> FaultEnv::NewWritableFile(const std::filesystem::path& file, mode_t mode) {
  auto fd = Create(file, mode);
  if (!fd) return fd.error();
  return std::unique_ptr<WritableFile>(std::make_unique<PosixFile>(
      *fd, file, ShortWriteOf(file), [this, file](FileOp op) { return TakeFault(file, op); }));
}

Status FaultEnv::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (const int err = TakeFault(to, FileOp::kRename); err != 0) {
    return MakeError(Errc::kIo, "cannot rename " + from.string() + " to " + to.string() + ": " + std::strerror(err));
  }
  return RenameFile(from, to);
}

Status FaultEnv::SyncFile(const std::filesystem::path& file) {
  if (const int err = TakeFault(file, FileOp::kSync); err != 0) return IoError("cannot fsync", file, err);
  return Fsync(file, false);
}

Status FaultEnv::SyncDir(const std::filesystem::path& dir) {
  if (const int err = TakeFault(dir, FileOp::kSync); err != 0) return IoError("cannot fsync", dir, err);
  return Fsync(dir, true);
}

int FaultEnv::FileFault(const std::filesystem::path& file, FileOp op) const { return TakeFault(file, op); }

std::optional<Error> FaultEnv::NetworkFault(std::string_view host, std::string_view port) const {
  const std::string where = std::string(host) + ":" + std::string(port);
  std::lock_guard lock(m_mutex);
  for (const auto& u : m_unreachable) {
    if (u == where) {
      ++m_injected;
      return MakeError(Errc::kUnavailable, "connecting to " + where + ": Connection refused (injected)");
    }
  }
  return std::nullopt;
}

void FaultEnv::FailFiles(std::string match, FileOp op, int err, int times) {
  std::lock_guard lock(m_mutex);
  m_faults.push_back({std::move(match), op, err, times});
}

void FaultEnv::ShortWrites(std::string match, std::size_t max) {
  std::lock_guard lock(m_mutex);
  m_short_writes[std::move(match)] = std::max<std::size_t>(1, max);
}

void FaultEnv::ClearFileFaults() {
  std::lock_guard lock(m_mutex);
  m_faults.clear();
  m_short_writes.clear();
}

void FaultEnv::SetUnreachable(const std::string& host_port, bool unreachable) {
  std::lock_guard lock(m_mutex);
  std::erase(m_unreachable, host_port);
  if (unreachable) m_unreachable.push_back(host_port);
}

}  // namespace xf

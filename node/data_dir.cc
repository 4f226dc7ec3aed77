#include "node/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xf::node {

namespace {

std::string ReadAll(int fd) {
  std::string out;
  char buf[512];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0 && out.size() < 4096;) out.append(buf, static_cast<std::size_t>(n));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

Result<DataDirLock> DataDirLock::Acquire(const std::filesystem::path& data_dir, std::string_view who) {
  const auto file = File(data_dir);
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(Errc::kIo, "cannot open " + file.string() + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder = ReadAll(fd);
    ::close(fd);
    if (err != EWOULDBLOCK) return MakeError(Errc::kIo, "cannot lock " + file.string() + ": " + std::strerror(err));
    return MakeError(Errc::kAlreadyExists, "the data dir " + data_dir.string() + " is in use by " +
                                               (holder.empty() ? "another process" : holder));
  }
  ::fchmod(fd, 0600);
  const std::string text = std::string(who) + " (pid " + std::to_string(::getpid()) + ")\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    ::close(fd);
    return MakeError(Errc::kIo, "cannot write " + file.string() + ": " + std::strerror(errno));
  }
  return DataDirLock(fd);
}

std::optional<std::string> DataDirLock::Holder(const std::filesystem::path& data_dir) {
  const int fd = ::open(File(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;  // never locked here
  std::optional<std::string> out;
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    out = ReadAll(fd);
    if (out->empty()) out = "another process";
  } else {
    ::flock(fd, LOCK_UN);
  }
  ::close(fd);
  return out;
}

DataDirLock::~DataDirLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing the last descriptor releases the flock
}

Result<mode_t> SecureDataDir(const std::filesystem::path& data_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(data_dir, ec)) {
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return MakeError(Errc::kIo, "cannot create data_dir " + data_dir.string() + ": " + ec.message());
    ::chmod(data_dir.c_str(), 0700);
  }
  struct stat st {};
  if (::stat(data_dir.c_str(), &st) != 0) {
    return MakeError(Errc::kIo, "cannot stat " + data_dir.string() + ": " + std::strerror(errno));
  }
  const mode_t mode = st.st_mode & 07777;
  const mode_t want = mode & ~static_cast<mode_t>(S_IRWXO | S_IWGRP);
  if (want != mode && ::chmod(data_dir.c_str(), want) != 0) {
    return MakeError(Errc::kIo, "cannot make " + data_dir.string() + " private (chmod): " + std::strerror(errno));
  }
  // Files an earlier version left readable by others: the database and its
  // journal files first of all (the dir's mode alone already shields them).
  for (const char* name : {"xfnode.db", "xfnode.db-wal", "xfnode.db-shm"}) {
    const auto file = data_dir / name;
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXO | S_IWGRP)) != 0) {
      ::chmod(file.c_str(), st.st_mode & 07777 & ~static_cast<mode_t>(S_IRWXO | S_IWGRP));
    }
  }
  return static_cast<mode_t>((want & S_IRGRP) ? 027 : 077);
}

}  // namespace xf::node

#include "node/blobs.h"

#include "codes/env.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "schema/validate.h"

namespace xf::node {

std::filesystem::path BlobStore::PathOf(std::string_view sha256) const {
  return m_dir / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

bool BlobStore::Has(std::string_view sha256) const {
  std::error_code ec;
  return schema::IsSha256Hex(sha256) && std::filesystem::exists(PathOf(sha256), ec);
}

Status BlobStore::Put(std::string_view sha256, std::string_view content) const {
  if (!schema::IsSha256Hex(sha256)) {
    return MakeError(Errc::kInvalidArgument, "'" + std::string(sha256) + "' is not a SHA-256 in lowercase hex");
  }
  const std::string actual = exchange::Sha256Hex(content);
  if (actual != sha256) {
    return MakeError(Errc::kInvalidArgument, "content hashes to " + actual + ", not " + std::string(sha256));
  }
  const auto final_path = PathOf(sha256);
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + final_path.parent_path().string());
  // Temporary file, fsync, rename, fsync of the directory (codes/env.h).
  if (auto s = WriteFileAtomically(Env::Default(), final_path, content, 0640); !s) {
    return MakeError(Errc::kIo, "cannot write blob " + std::string(sha256) + ": " + s.error().message);
  }
  return {};
}

Result<std::string> BlobStore::Get(std::string_view sha256) const {
  if (!Has(sha256)) return MakeError(Errc::kNotFound, "blob " + std::string(sha256) + " is not here");
  std::ifstream in(PathOf(sha256), std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace xf::node

namespace xf::node {

namespace {

Status SyncFd(int fd, const std::string& what) {
  if (::fsync(fd) != 0) return MakeError(Errc::kIo, "cannot fsync " + what + ": " + std::strerror(errno));
  return {};
}

void SyncDir(const std::filesystem::path& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// Copies `from` to the end of the open `fd`.
Status AppendFile(int fd, const std::filesystem::path& from, const std::string& what) {
  auto src = exchange::FileSource::Open(from);
  if (!src) return src.error();
  std::string buf(1 << 20, '\0');
  for (;;) {
    auto n = (*src)->Read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) return {};
    std::size_t done = 0;
    while (done < *n) {
      const auto w = ::write(fd, buf.data() + done, *n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return MakeError(Errc::kIo, "cannot write " + what + ": " + std::strerror(errno));
      done += static_cast<std::size_t>(w);
    }
  }
}

}  // namespace

Status BlobStore::Place(std::string_view sha256, const std::filesystem::path& verified_tmp, bool stage) const {
  const auto final_path = stage ? StagedPath(sha256) : PathOf(sha256);
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + final_path.parent_path().string());
  std::filesystem::rename(verified_tmp, final_path, ec);
  if (ec) {
    std::filesystem::remove(verified_tmp, ec);
    return MakeError(Errc::kIo, "cannot store blob " + std::string(sha256) + ": " + ec.message());
  }
  SyncDir(final_path.parent_path());
  return {};
}

Status BlobStore::PutFile(std::string_view sha256, const std::filesystem::path& file, bool stage) const {
  if (!schema::IsSha256Hex(sha256)) {
    return MakeError(Errc::kInvalidArgument, "'" + std::string(sha256) + "' is not a SHA-256 in lowercase hex");
  }
  auto actual = exchange::Sha256File(file);
  if (!actual) return actual.error();
  if (*actual != sha256) {
    return MakeError(Errc::kInvalidArgument, "content hashes to " + *actual + ", not " + std::string(sha256));
  }
  const auto final_path = stage ? StagedPath(sha256) : PathOf(sha256);
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + final_path.parent_path().string());
  const auto tmp = final_path.string() + ".tmp." + exchange::RandomHex(4);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return MakeError(Errc::kIo, "cannot create " + tmp);
  auto s = AppendFile(fd, file, tmp);
  if (s) s = SyncFd(fd, tmp);
  ::close(fd);
  if (!s) {
    ::unlink(tmp.c_str());
    return s;
  }
  return Place(sha256, tmp, stage);
}

Result<std::uint64_t> BlobStore::Size(std::string_view sha256) const {
  if (!Has(sha256)) return MakeError(Errc::kNotFound, "blob " + std::string(sha256) + " is not here");
  std::error_code ec;
  const auto n = std::filesystem::file_size(PathOf(sha256), ec);
  if (ec) return MakeError(Errc::kIo, "cannot stat blob " + std::string(sha256));
  return static_cast<std::uint64_t>(n);
}

Result<std::string> BlobStore::GetRange(std::string_view sha256, std::uint64_t offset, std::uint64_t length) const {
  if (!Has(sha256)) return MakeError(Errc::kNotFound, "blob " + std::string(sha256) + " is not here");
  std::ifstream in(PathOf(sha256), std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string out(length, '\0');
  in.read(out.data(), static_cast<std::streamsize>(length));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

std::uint64_t BlobStore::PartialSize(std::string_view sha256) const {
  if (!schema::IsSha256Hex(sha256)) return 0;
  std::error_code ec;
  const auto n = std::filesystem::file_size(m_partial_dir / std::string(sha256), ec);
  return ec ? 0 : static_cast<std::uint64_t>(n);
}

Status BlobStore::AppendPartial(std::string_view sha256, std::uint64_t offset,
                                const std::filesystem::path& part) const {
  if (!schema::IsSha256Hex(sha256)) {
    return MakeError(Errc::kInvalidArgument, "'" + std::string(sha256) + "' is not a SHA-256 in lowercase hex");
  }
  std::lock_guard lock(m_partial_mutex);
  const std::uint64_t have = PartialSize(sha256);
  if (offset != have) {
    return MakeError(Errc::kAlreadyExists, "the upload of " + std::string(sha256) + " has " + std::to_string(have) +
                                               " bytes, so a part must start there, not at " + std::to_string(offset));
  }
  std::error_code ec;
  std::filesystem::create_directories(m_partial_dir, ec);
  if (ec) return MakeError(Errc::kIo, "cannot create " + m_partial_dir.string());
  const auto path = m_partial_dir / std::string(sha256);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return MakeError(Errc::kIo, "cannot open " + path.string());
  // A part is either all in or cut back, so the size stays what was acknowledged.
  auto s = AppendFile(fd, part, path.string());
  if (s) s = SyncFd(fd, path.string());
  if (!s && ::ftruncate(fd, static_cast<off_t>(have)) != 0) {
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (s && have == 0) SyncDir(m_partial_dir);
  return s;
}

Status BlobStore::AppendPartialBytes(std::string_view sha256, std::uint64_t offset, std::string_view part) const {
  if (!schema::IsSha256Hex(sha256)) {
    return MakeError(Errc::kInvalidArgument, "'" + std::string(sha256) + "' is not a SHA-256 in lowercase hex");
  }
  std::error_code ec;
  std::filesystem::create_directories(m_partial_dir, ec);
  const auto tmp = m_partial_dir / (std::string(sha256) + ".part." + exchange::RandomHex(4));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(part.data(), static_cast<std::streamsize>(part.size()));
    if (!out.flush()) {
      std::filesystem::remove(tmp, ec);
      return MakeError(Errc::kIo, "cannot write " + tmp.string());
    }
  }
  auto s = AppendPartial(sha256, offset, tmp);
  std::filesystem::remove(tmp, ec);
  return s;
}

bool BlobStore::Staged(std::string_view sha256) const {
  std::error_code ec;
  return schema::IsSha256Hex(sha256) && std::filesystem::exists(StagedPath(sha256), ec);
}

Result<std::uint64_t> BlobStore::StagedSize(std::string_view sha256) const {
  if (!Staged(sha256)) return MakeError(Errc::kNotFound, "blob " + std::string(sha256) + " is not staged here");
  std::error_code ec;
  const auto n = std::filesystem::file_size(StagedPath(sha256), ec);
  if (ec) return MakeError(Errc::kIo, "cannot stat staged blob " + std::string(sha256));
  return static_cast<std::uint64_t>(n);
}

Result<std::uint64_t> BlobStore::Claim(std::string_view sha256) const {
  std::error_code ec;
  if (Has(sha256)) {
    if (Staged(sha256)) std::filesystem::remove(StagedPath(sha256), ec);
    return Size(sha256);
  }
  auto size = StagedSize(sha256);
  if (!size) return size.error();
  // Into the blob directory's file system under a temporary name, then into place.
  const auto tmp = PathOf(sha256).string() + ".tmp." + exchange::RandomHex(4);
  std::filesystem::create_directories(PathOf(sha256).parent_path(), ec);
  std::filesystem::rename(StagedPath(sha256), tmp, ec);
  if (ec) {
    if (Has(sha256)) return Size(sha256);  // claimed meanwhile by another thread
    return MakeError(Errc::kIo, "cannot claim staged blob " + std::string(sha256) + ": " + ec.message());
  }
  if (auto s = Place(sha256, tmp); !s) return s.error();
  return size;
}

std::size_t BlobStore::PurgeStaged(std::chrono::seconds max_age) const {
  std::error_code ec;
  if (!std::filesystem::is_directory(m_staged_dir, ec)) return 0;
  const auto now = std::filesystem::file_time_type::clock::now();
  std::size_t removed = 0;
  for (const auto& e : std::filesystem::directory_iterator(m_staged_dir, ec)) {
    const auto t = std::filesystem::last_write_time(e.path(), ec);
    if (ec || now - t < max_age) continue;
    if (std::filesystem::remove(e.path(), ec)) ++removed;
  }
  return removed;
}

Status BlobStore::CommitPartial(std::string_view sha256, bool stage) const {
  std::lock_guard lock(m_partial_mutex);
  const auto path = m_partial_dir / std::string(sha256);
  auto actual = exchange::Sha256File(path);
  if (!actual) return actual.error();
  if (*actual != sha256) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return MakeError(Errc::kInvalidArgument, "the uploaded content hashes to " + *actual + ", not " +
                                                 std::string(sha256) + "; the partial upload is discarded");
  }
  // Into the blob directory's file system, then into place.
  const auto final_path = stage ? StagedPath(sha256) : PathOf(sha256);
  const auto tmp = final_path.string() + ".tmp." + exchange::RandomHex(4);
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  std::filesystem::rename(path, tmp, ec);
  if (ec) return MakeError(Errc::kIo, "cannot move the upload of " + std::string(sha256) + ": " + ec.message());
  return Place(sha256, tmp, stage);
}

}  // namespace xf::node

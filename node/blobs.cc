#include "node/blobs.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

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
  const auto tmp = final_path.string() + ".tmp." + exchange::RandomHex(4);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return MakeError(Errc::kIo, "cannot create " + tmp);
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  const bool ok = done == content.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return MakeError(Errc::kIo, "cannot write blob " + std::string(sha256));
  }
  // Make the rename durable.
  const int dfd = ::open(final_path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
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

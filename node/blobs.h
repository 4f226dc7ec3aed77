// Attachment blobs on disk, addressed by SHA-256: DIR/ab/abcdef….
// A blob is written to a temporary file, fsynced, checked against its hash
// and renamed into place, so a stored blob is always complete and correct.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "codes/result.h"

namespace xf::node {

class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path dir) : m_dir(std::move(dir)) {}
  std::filesystem::path PathOf(std::string_view sha256) const;
  bool Has(std::string_view sha256) const;
  // kInvalidArgument when the content's hash is not `sha256`.
  Status Put(std::string_view sha256, std::string_view content) const;
  Result<std::string> Get(std::string_view sha256) const;

 private:
  std::filesystem::path m_dir;
};

}  // namespace xf::node

// A temporary directory for one test, removed with everything in it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include "xf/source_dir.h"

namespace xf::codes::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "xf_codes_test.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  void Write(std::string_view name, std::string_view text) const {
    std::ofstream out(m_path / name, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) throw std::runtime_error("cannot write test file");
  }

 private:
  std::filesystem::path m_path;
};

// The source tree's data directory (not DefaultDataDir(), which may pick an
// installed copy).
inline std::filesystem::path SourceDataDir() {
  return std::filesystem::path(XF_SOURCE_DIR) / "codes" / "data";
}

}  // namespace xf::codes::testing

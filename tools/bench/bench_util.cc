#include "tools/bench/bench_util.h"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <system_error>

namespace xf::tools::bench {

namespace fs = std::filesystem;

Result<ScratchDir> ScratchDir::Make(const std::string& named, std::string_view name) {
  if (!named.empty()) {
    std::error_code ec;
    fs::create_directories(named, ec);
    if (ec) return MakeError(Errc::kIo, "cannot create " + named + ": " + ec.message());
    return ScratchDir(fs::absolute(named), true);
  }
  std::string tmpl = "/tmp/xfnode-bench-" + std::string(name) + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return MakeError(Errc::kIo, "cannot create a directory like " + tmpl);
  return ScratchDir(tmpl, false);
}

ScratchDir::ScratchDir(ScratchDir&& other) noexcept : m_dir(std::move(other.m_dir)), m_keep(other.m_keep) {
  other.m_keep = true;  // the moved-from one removes nothing
  other.m_dir.clear();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!m_keep && !m_dir.empty()) fs::remove_all(m_dir, ec);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

}  // namespace xf::tools::bench

// What the benchmarks (xfctl bench …) share besides their data: where they
// work and how they sum up their times.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "codes/result.h"

namespace xf::tools::bench {

// A benchmark's working directory: the one the user named (--dir; made if
// missing, kept afterwards) or a new /tmp/xfnode-bench-NAME-XXXXXX, removed
// on every return path. Movable, not copyable.
class ScratchDir {
 public:
  static Result<ScratchDir> Make(const std::string& named, std::string_view name);
  ScratchDir(ScratchDir&& other) noexcept;
  ScratchDir& operator=(ScratchDir&&) = delete;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::filesystem::path& Path() const { return m_dir; }  // absolute
  bool Kept() const { return m_keep; }
  void Keep() { m_keep = true; }  // e.g. --keep: leave a made one behind

 private:
  ScratchDir(std::filesystem::path dir, bool keep) : m_dir(std::move(dir)), m_keep(keep) {}
  std::filesystem::path m_dir;
  bool m_keep;
};

// Nearest rank: the ⌈p·n⌉-th smallest of `v` (0 < p ≤ 1); 0 for no samples.
double Percentile(std::vector<double> v, double p);

}  // namespace xf::tools::bench

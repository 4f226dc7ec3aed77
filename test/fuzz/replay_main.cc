// A driver for the libFuzzer targets when they are built without libFuzzer
// (g++, the normal test build): runs the target on every seed file, then on
// deterministic mutations of them (bit flips, byte edits, truncation,
// splices), so every parser meets hostile input in every test run and under
// the sanitizer build. Real coverage-guided fuzzing: -DXF_FUZZ=ON with clang.
//
//   fuzz_x_replay [--mutations N] [--seed S] FILE|DIR…
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

std::string Mutate(std::string s, std::mt19937_64& rng, const std::vector<std::string>& corpus) {
  auto pick = [&](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    switch (rng() % 7) {
      case 0: if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8)); break;
      case 1: if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng()); break;
      case 2: s.insert(pick(s.size() + 1), 1, "<>&\"',;:[]{}\\\n\0x9"[rng() % 17]); break;
      case 3: if (!s.empty()) s.erase(pick(s.size()), 1 + pick(16)); break;
      case 4: s.resize(pick(s.size() + 1)); break;
      case 5: {  // duplicate a chunk (deep nesting, long fields)
        if (s.empty()) break;
        const auto at = pick(s.size());
        const auto len = 1 + pick(std::min<std::size_t>(64, s.size() - at));
        const std::string chunk = s.substr(at, len);
        const int times = 1 + static_cast<int>(rng() % 50);
        for (int t = 0; t < times; ++t) s.insert(at, chunk);
        break;
      }
      case 6: {  // splice with another seed
        const auto& other = corpus[pick(corpus.size())];
        s = s.substr(0, pick(s.size() + 1)) + other.substr(pick(other.size() + 1));
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 2000;
  std::uint64_t seed = 20261122;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--mutations" && i + 1 < argc) {
      mutations = std::atol(argv[++i]);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else {
      std::vector<std::filesystem::path> files;
      if (std::filesystem::is_directory(a)) {
        for (const auto& e : std::filesystem::recursive_directory_iterator(a)) {
          if (e.is_regular_file()) files.push_back(e.path());
        }
      } else {
        files.emplace_back(a);
      }
      std::sort(files.begin(), files.end());
      for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        corpus.push_back(ss.str());
      }
    }
  }
  corpus.push_back("");
  for (const auto& s : corpus) Run(s);
  std::mt19937_64 rng(seed);
  for (long i = 0; i < mutations; ++i) {
    Run(Mutate(corpus[static_cast<std::size_t>(rng() % corpus.size())], rng, corpus));
  }
  std::printf("%zu seeds and %ld mutations ran without a crash\n", corpus.size(), mutations);
  return 0;
}

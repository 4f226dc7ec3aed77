// libFuzzer target for the code table parser (codes/csv.h).
// Build (from the source root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//     test/fuzz/fuzz_codes_csv.cc codes/csv.cc codes/date.cc -o fuzz_codes_csv
// Run: ./fuzz_codes_csv -dict=test/fuzz/fuzz_codes_csv.dict -max_len=4096 CORPUS_DIR
// with codes/data/*.csv (or their first few KB) as seeds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "codes/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = xf::codes::ParseTableCsv(text, "fuzz.csv");
  if (!r.ok()) {
    // Errors name the file and stay short whatever the input.
    if (r.error().message.rfind("fuzz.csv", 0) != 0 || r.error().message.size() > 4096)
      std::abort();
    return 0;
  }
  // What the parser promises on success.
  const xf::codes::ParsedTable& t = r.value();
  if (t.entries.size() != t.lines.size()) std::abort();
  if (!xf::codes::IsValidTableId(t.info.id) || t.info.title.empty() || t.info.version.empty())
    std::abort();
  std::set<std::string_view> codes;
  std::uint32_t last_line = 0;
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    const xf::codes::CodeEntry& e = t.entries[i];
    if (!xf::codes::IsValidCode(e.code) || e.label.empty()) std::abort();
    if (!xf::codes::IsValidUtf8(e.label) || !xf::codes::IsValidUtf8(e.note)) std::abort();
    if (e.valid_to && !(e.valid_from < *e.valid_to)) std::abort();
    if (!codes.insert(e.code).second) std::abort();
    if (t.lines[i] <= last_line) std::abort();
    last_line = t.lines[i];
  }
  return 0;
}

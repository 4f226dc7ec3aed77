// libFuzzer target for the code table parser (codes/csv.h).
// Build (from the source root):
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//     test/fuzz/fuzz_codes_csv.cc codes/csv.cc codes/date.cc -o fuzz_codes_csv
// Run: ./fuzz_codes_csv -dict=test/fuzz/fuzz_codes_csv.dict -max_len=4096 CORPUS_DIR
// with codes/data/*.csv (or their first few KB) as seeds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
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
  const bool list = !t.list_of.empty();
  if (list) {
    // A yearly list: the table it amends, its year, codes and labels only.
    if (!xf::codes::IsValidTableId(t.list_of) || t.list_year < 1949 || !t.info.id.empty())
      std::abort();
  } else if (!xf::codes::IsValidTableId(t.info.id) || t.info.title.empty() ||
             t.info.version.empty()) {
    std::abort();
  }
  std::map<std::string_view, const xf::codes::CodeEntry*> last_period;
  std::uint32_t last_line = 0;
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    const xf::codes::CodeEntry& e = t.entries[i];
    if (!xf::codes::IsValidCode(e.code) || e.label.empty()) std::abort();
    if (!xf::codes::IsValidUtf8(e.label) || !xf::codes::IsValidUtf8(e.note)) std::abort();
    if (e.valid_to && !(e.valid_from < *e.valid_to)) std::abort();
    if (e.end != xf::codes::EndKind::kNone && !e.valid_to) std::abort();
    if (e.successors.size() > xf::codes::kMaxSuccessors) std::abort();
    for (const auto& s : e.successors) {
      if (!xf::codes::IsValidCode(s.code) || (s.year && *s.year < 1949)) std::abort();
    }
    // Codes are unique, except the periods of a code in a table that says
    // so: in order of start, each closed before the next.
    auto [it, inserted] = last_period.emplace(e.code, &e);
    if (!inserted) {
      if (list || !t.info.periods) std::abort();
      if (!it->second->valid_to || !(it->second->valid_from < e.valid_from)) std::abort();
      it->second = &e;
    }
    if (t.lines[i] <= last_line) std::abort();
    last_line = t.lines[i];
  }
  return 0;
}

// libFuzzer target: the JSON readers of schema/ (CaseFromJson,
// EventFromJson) on arbitrary bytes. Properties beyond "no crash, no leak,
// no UB": whatever parses writes back as JSON that parses again without an
// Error, and, when that second parse is clean, gives the very same bytes;
// the violations always serialise.
//
//   clang++ -fsanitize=fuzzer,address,undefined … fuzz_schema_json.cc
//   ./fuzz_schema_json -max_len=65536
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/json.h"

namespace {

using namespace xf::schema;  // NOLINT: a fuzz target

[[noreturn]] void Fail() { __builtin_trap(); }

void CheckCase(std::string_view in) {
  Violations v;
  auto c = CaseFromJson(in, v);
  (void)ViolationsToJson(v);
  if (!c) return;
  const std::string json = CaseToJson(*c);
  Violations v2;
  auto again = CaseFromJson(json, v2);
  if (!again) Fail();
  if (v2.empty() && CaseToJson(*again) != json) Fail();
}

void CheckEvent(std::string_view in) {
  Violations v;
  auto e = EventFromJson(in, v);
  (void)ViolationsToJson(v);
  if (!e) return;
  if (!BodyMatchesKind(*e)) Fail();
  const std::string json = EventToJson(*e);
  Violations v2;
  auto again = EventFromJson(json, v2);
  if (!again) Fail();
  if (v2.empty() && EventToJson(*again) != json) Fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckCase(in);
  CheckEvent(in);
  return 0;
}

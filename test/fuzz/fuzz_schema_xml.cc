// libFuzzer target: the XML readers of schema/ (CaseFromXml, EventFromXml)
// on arbitrary bytes. Properties beyond "no crash, no leak, no UB":
// whatever parses writes back as XML that parses again without an Error,
// and, when that second parse is clean, gives the very same bytes.
//
//   clang++ -fsanitize=fuzzer,address,undefined … fuzz_schema_xml.cc
//   ./fuzz_schema_xml -max_len=65536 test/data/xml/valid
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/xml.h"

namespace {

using namespace xf::schema;  // NOLINT: a fuzz target

// Small limits keep each run fast; the defaults are exercised by the tests.
const XmlLimits kLimits{.max_bytes = 1 << 20, .max_depth = 16, .max_text = 16 * 1024};

[[noreturn]] void Fail() { __builtin_trap(); }

void CheckCase(std::string_view in) {
  Violations v;
  auto c = CaseFromXml(in, v, kLimits);
  if (!c) return;
  const std::string xml = CaseToXml(*c);
  Violations v2;
  auto again = CaseFromXml(xml, v2);
  if (!again) Fail();
  if (v2.empty() && CaseToXml(*again) != xml) Fail();
}

void CheckEvent(std::string_view in) {
  Violations v;
  auto e = EventFromXml(in, v, kLimits);
  if (!e) return;
  if (!BodyMatchesKind(*e)) Fail();  // promised by EventFromXml
  const std::string xml = EventToXml(*e);
  Violations v2;
  auto again = EventFromXml(xml, v2);
  if (!again) Fail();
  if (v2.empty() && EventToXml(*again) != xml) Fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  CheckCase(in);
  CheckEvent(in);
  return 0;
}

// libFuzzer target: a child's signed summary read as its account of its
// subtree (node/conformance.h, ReadAccount), the part of a summary the
// national report parses beyond its header. Whatever the bytes, ReadAccount
// answers an account or an error, bounded in size and depth; an account's
// counts are never negative and no rate has a numerator above its
// denominator; comparing it with a tally never fails.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "node/conformance.h"

namespace {

void Check(std::string_view in, const char* node) {
  auto a = xf::node::conformance::ReadAccount(in, node);
  if (!a) return;
  const auto& t = a->tally;
  if (t.events_received < 0 || t.rejections_total < 0 || t.lateness.over_bound < 0 ||
      t.open_cases < 0 || t.overdue_cases < 0 || t.score < 0 || t.score > 100) {
    std::abort();
  }
  for (const auto* r :
       {&t.timely_acceptance, &t.on_time_completion, &t.timely_routing, &t.satisfaction_bureau,
        &t.satisfaction_handler, &t.participation_bureau, &t.participation_handler}) {
    if (r->numerator < 0 || r->numerator > r->denominator) std::abort();
  }
  xf::node::conformance::Tally ours;
  xf::node::conformance::CompareAccount(*a, ours);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Check(in, "100000");  // every origin is in the national bureau's subtree
  Check(in, "110000");  // a province: others are left out
  return 0;
}

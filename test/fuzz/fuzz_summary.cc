// libFuzzer target: the header of a conformance summary a child sends up
// (node/summary.h, POST /v1/exchange/summaries). Whatever the bytes,
// ParseHeader answers a header or an error, bounded in size and depth; a
// header it answers names a well-formed node id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "node/summary.h"
#include "schema/validate.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto h = xf::node::summary::ParseHeader(in);
  if (h && !xf::schema::IsNodeId(h->node_id)) __builtin_trap();
  return 0;
}

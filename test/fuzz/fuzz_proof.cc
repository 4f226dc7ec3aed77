// libFuzzer target: event proofs (exchange/proof.h), which arrive inside
// down batches and are kept by the store. Whatever the bytes,
// ParseEventProofXml answers a proof or an error; a proof it answers is
// written again and read back the same, and its audit path is folded
// (RootFromPath) without crash whatever its index and count.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exchange/proof.h"

namespace ex = xf::exchange;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = ex::ParseEventProofXml(in);
  if (p) {
    auto again = ex::ParseEventProofXml(ex::EventProofXml(*p));
    if (!again || again->event_id != p->event_id || again->batch_id != p->batch_id || again->count != p->count ||
        again->index != p->index || again->path != p->path || again->signature != p->signature) {
      __builtin_trap();
    }
    (void)ex::RootFromPath(ex::EventLeafHash(in), p->index, p->count, p->path);
  }
  // The bytes as leaves of a small tree: every path leads back to the root.
  if (size >= 1 && size <= 2048) {
    std::vector<std::string> leaves;
    for (std::size_t i = 0; i < size; i += 32) leaves.push_back(ex::EventLeafHash(in.substr(i, 32)));
    const auto root = ex::MerkleRoot(leaves);
    const std::size_t index = data[0] % leaves.size();
    auto back = ex::RootFromPath(leaves[index], index, leaves.size(), ex::MerklePath(leaves, index));
    if (!back || *back != root) __builtin_trap();
    // Another leaf at that place does not lead to the root. (A wrong count
    // may: the count is bound by the signed statement, not by the path.)
    const auto stranger = ex::EventLeafHash("not the event");
    auto other = ex::RootFromPath(stranger, index, leaves.size(), ex::MerklePath(leaves, index));
    if (leaves[index] != stranger && other && *other == root) __builtin_trap();
  }
  return 0;
}

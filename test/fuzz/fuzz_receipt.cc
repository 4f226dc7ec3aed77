// libFuzzer target: receipts (exchange/receipt.h), the signed answer a peer
// sends back for every batch. Whatever the bytes, ParseReceiptXml returns
// a receipt or an error — no crash, leak or UB — and a receipt it accepts
// survives the round trip: written again and read back, it is the same.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exchange/receipt.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1 << 20) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = xf::exchange::ParseReceiptXml(in);
  if (!r) return 0;
  auto again = xf::exchange::ParseReceiptXml(xf::exchange::ReceiptXml(*r));
  if (!again || again->batch_id != r->batch_id || again->receiver != r->receiver ||
      again->status != r->status || again->accepted != r->accepted || again->rejected.size() != r->rejected.size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < r->rejected.size(); ++i) {
    if (again->rejected[i].event_id != r->rejected[i].event_id || again->rejected[i].rule != r->rejected[i].rule) {
      __builtin_trap();
    }
  }
  return 0;
}

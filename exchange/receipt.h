// Receipts: the receiver's signed answer to a batch — which records it
// accepted, which it rejected with rule and reason, and whether the batch
// was applied, held (out of sequence) or a duplicate. The sender marks a
// batch delivered only on a valid receipt from the peer it sent it to.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"

namespace xf::exchange {

struct Rejection {
  std::string event_id;  // empty: the whole batch
  std::string rule;      // "R1" … "R6"
  std::string field;
  std::string reason;
};

struct Receipt {
  std::string batch_id;
  std::string receiver;  // node id of the signer of the receipt
  Instant created;
  // applied: the good records are in; held: stored, waiting for a gap to
  // fill; duplicate: seen before, nothing changed.
  std::string status = "applied";
  std::vector<std::string> accepted;  // event ids
  std::vector<Rejection> rejected;
};

std::string ReceiptXml(const Receipt& r);
Result<Receipt> ParseReceiptXml(std::string_view xml);

}  // namespace xf::exchange

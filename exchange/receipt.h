// Receipts: the receiver's signed answer to a batch — which records it
// accepted, which it rejected with rule and reason, and whether the batch
// was applied, held (out of sequence) or a duplicate. The sender marks a
// batch delivered only on a valid receipt from the peer it sent it to.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"

namespace xf::exchange {

struct Rejection {
  std::string event_id;  // empty: the whole batch
  std::string rule;      // "R1" … "R7"
  std::string field;
  std::string reason;
};

// Accepted events origin:first … origin:last, consecutive: the compact
// form a receiver keeps for a large batch.
struct AcceptedRun {
  std::string origin;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

struct Receipt {
  std::string batch_id;
  std::string receiver;  // node id of the signer of the receipt
  Instant created;
  // applied: the good records are in; held: stored, waiting for a gap to
  // fill; duplicate: seen before, nothing changed.
  std::string status = "applied";
  std::vector<std::string> accepted;  // event ids
  // More accepted ids, as runs (what the store builds; ReceiptXml lists
  // them one <event_id> each after `accepted`, so the XML is the same).
  // ParseReceiptXml fills `accepted` only.
  std::vector<AcceptedRun> accepted_runs;
  std::vector<Rejection> rejected;

  // Adds origin:seq to accepted_runs, extending the last run when it follows.
  void Accept(const std::string& origin, std::uint64_t seq);
  std::uint64_t AcceptedCount() const;
};

std::string ReceiptXml(const Receipt& r);
Result<Receipt> ParseReceiptXml(std::string_view xml);

}  // namespace xf::exchange

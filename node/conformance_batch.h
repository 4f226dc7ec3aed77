// Conformance of one batch file, offline (xfctl conformance --batch): what a
// receiver would say about it, without a node or its database.
//
// The file is decompressed (bounded; a plain XML file is read as it is),
// parsed with exchange::BatchReader, and every record is checked as a
// receiver checks it before it applies anything:
//   R1–R3  schema::ValidateEvent against the local code book (and the
//          mapping problems the reader reports);
//   R3     in an "up" batch every event is the batch origin's own; no case
//          is registered twice in the batch;
//   R6     an event whose case is registered in the batch must come after
//          that registration (and the registration must itself be valid);
//   R5     lateness of each event: the batch's created time − occurred_at;
//   codes  the header's code_version against the local code book's.
// What only the receiver can know is a note, never a violation: an event
// whose case is not registered in the batch (R6), and a repeat case whose
// initial case is not in the batch (R4). The signature is checked when a
// signature and the origin's public key are given. Formulas and the JSON
// are in node/CONFORMANCE.md, "One batch, offline".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codes/codebook.h"
#include "codes/date.h"
#include "codes/result.h"
#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "node/conformance.h"
#include "schema/validate.h"

namespace xf::node::conformance {

struct BatchCheckOptions {
  int timeliness_hours = 24;              // R5 bound
  schema::RecordLimits limits;            // R1/R3 limits, as the node's config sets them
  Date today;                             // dates may not lie after this (ValidateEvent)
  std::size_t max_xml_bytes = 1u << 30;   // decompressed size cap
  std::size_t max_events = 1'000'000;
  codes::Counting counting = codes::Counting::kCalendarDays;  // R7's windows (rules.counting)
};

// A violation (or, in `notes`, something that cannot be checked offline).
struct Finding {
  std::string rule;     // R1 … R7, "codes", "signature"
  std::string field;    // path in the record; "" for the whole record or batch
  std::string record;   // event id "<origin>:<seq>"; "" for the batch itself
  std::string message;     // for people, in Chinese
  std::string message_en;  // the same in English
};

struct LateRecord {
  std::string event_id, case_id;
  Instant occurred_at;
  std::int64_t lateness_seconds = 0;
};

struct BatchCheck {
  exchange::BatchHeader header;
  bool compressed = true;           // false: the file was plain XML
  std::string local_code_version;
  bool code_version_outdated = false;  // header code_version differs from the local book's
  // Signature: absent when no signature and key were given.
  std::optional<bool> signature_valid;
  std::string signature_algorithm;  // of the key, when checked
  int timeliness_hours = 24;
  std::int64_t records = 0;
  std::int64_t records_with_violations = 0;
  std::map<std::string, std::int64_t> violations_by_rule;  // records per rule; R1 R2 R3 R6 always present
  Lateness lateness;                 // over every record
  std::vector<Finding> violations;   // every violation of every record, in batch order, then the batch's
  std::vector<LateRecord> late;      // records over the bound, in batch order
  std::vector<Finding> notes;
  double score = 100.0;
  std::map<std::string, double> deductions;  // only those > 0
};

// Checks the bytes of a batch file. `signature` and `key` are optional
// (both or neither). Fails only when the file is not a batch at all (not a
// zstd frame or XML, over a limit, no well-formed <batch>, a bad header or
// record count); every record problem is a finding.
Result<BatchCheck> CheckBatch(std::string_view file_bytes, const codes::CodeBook& book,
                              const BatchCheckOptions& options,
                              const std::optional<std::string>& signature = std::nullopt,
                              const exchange::PublicKey* key = nullptr);

std::string BatchCheckToJson(const BatchCheck& c);
// Headings in Chinese, in English when en; times in the node's time zone,
// lateness in days and hours.
std::string BatchCheckToText(const BatchCheck& c, bool en = false);

}  // namespace xf::node::conformance

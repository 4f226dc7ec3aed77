// Record validation: R1 (attachments), R2 (standard codes on the record's
// date) and R3 (required fields and formats). Every violation of a record
// is reported, not only the first.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codes/codebook.h"
#include "schema/records.h"
#include "schema/violation.h"

namespace xf::schema {

struct RecordLimits {
  int max_attachments = 5;                                  // R1, per case
  std::uint64_t max_attachment_bytes = 50ull * 1024 * 1024; // R1, per attachment
  std::vector<std::string> media_types = {                  // R1, allowed types
      "application/pdf", "image/jpeg", "image/png", "image/tiff", "text/plain",
      "audio/mpeg", "audio/wav", "video/mp4", "application/ofd",
      "application/msword",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document"};
  std::size_t max_summary_chars = 2000;   // R3, 概况 (UTF-8 code points)
  std::size_t max_requests_chars = 2000;  // R3, 诉求
  std::size_t max_text_chars = 4000;      // R3, any other free text
  std::size_t max_name_chars = 50;        // R3, names
  int max_petitioners = 200;              // R3
  int max_representatives = 5;            // R3, 集体访代表
};

// GB 11643-1999: 18 characters, address part a division code (current or
// retired: only its form is checked here), a real birth date not after
// `today`, and the check character. Returns an empty string when valid,
// else the reason.
std::string CheckIdNumber(std::string_view id, Date today);

// Node id: 6-digit division code, optionally "." and an organisation code
// (1–18 of [0-9A-Z]).
bool IsNodeId(std::string_view id);
// Case id: "<node-id>-<YYYY>-<7+ digits>", at most 38 characters.
bool IsCaseId(std::string_view id);
bool IsSha256Hex(std::string_view s);

// Validates a registration. Codes are checked against the tables in force
// on received_date. `today` bounds dates that cannot lie in the future.
Violations ValidateCase(const CaseRegistration& c, const codes::CodeBook& book,
                        const RecordLimits& limits, Date today);
// Validates an event of any kind (a registration event delegates to
// ValidateCase). Codes are checked on occurred_at's date (UTC+8).
Violations ValidateEvent(const Event& e, const codes::CodeBook& book,
                         const RecordLimits& limits, Date today);

}  // namespace xf::schema

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

// Where a record comes from, which decides how strictly codes introduced or
// tightened by later tables apply (schema/VALIDATION.md, "Provenance").
enum class Provenance {
  // A fact entered at this node (the local API, xfctl case add): every check
  // against the tables loaded now.
  kNew,
  // A record another node recorded and signed (the exchange, batch files).
  // It cannot be changed, so it is not refused for what the tables it was
  // written under accepted: a place whose 6-digit part is a division code of
  // any year or a statistical county code, whatever the date; an ID number
  // whose address part starts with a province code; a birth date after the
  // received date (but not after today). Everything else is as for kNew.
  kRecorded,
};

// 公民身份号码, GB 11643: 18 characters (GB 11643-1999: 6-digit address,
// birth date YYYYMMDD, 3-digit sequence, check character 0-9 or X) or 15
// digits (GB 11643-1989, first generation: address, birth date YYMMDD of
// 19YY, sequence, no check character). The address part must have been a
// division code in some year (the history of table division), or 810000,
// 820000, 830000 (residence permits of Hong Kong, Macao and Taiwan
// residents); the birth date a real day from 1880-01-01, not after
// `received` (the case's received date) nor `today`. Lengths are counted in
// characters, and full-width digits are named as such. Returns an empty
// string when valid, else the reason (the number is not echoed).
std::string CheckIdNumber(std::string_view id, const codes::CodeBook& book, Date received,
                          Date today, Provenance provenance = Provenance::kNew);

// The 18-character form of an ID number: the number itself when it has 18
// characters; for 15 digits, "19" put before the birth date and the check
// character added. Empty when `id` is neither 18 characters nor 15 digits.
// Petitioners are matched on this form.
std::string IdNumber18(std::string_view id);
// The GB 11643-1999 check character of 17 digits. REQUIRES: 17 ASCII digits.
char IdCheckCharacter(std::string_view first17);
// Sets id_number_18 of every petitioner whose id_number has 15 digits (and
// leaves the others alone), as the node does before storing a registration.
void CompleteIdNumbers(CaseRegistration& c);

// Node id: 6-digit division code, optionally "." and an organisation code
// (1–18 of [0-9A-Z]). By its form only: a municipality's city-level id such
// as 110100, which the ministry's list of divisions does not hold, is a node
// id (codes/README.md).
bool IsNodeId(std::string_view id);
// Case id: "<node-id>-<YYYY>-<7+ digits>", at most 38 characters.
bool IsCaseId(std::string_view id);
bool IsSha256Hex(std::string_view s);

// Validates a registration. Codes are checked against the tables in force
// on received_date. `today` bounds dates that cannot lie in the future.
Violations ValidateCase(const CaseRegistration& c, const codes::CodeBook& book,
                        const RecordLimits& limits, Date today,
                        Provenance provenance = Provenance::kNew);
// Validates an event of any kind (a registration event delegates to
// ValidateCase). Codes are checked on occurred_at's date (UTC+8).
Violations ValidateEvent(const Event& e, const codes::CodeBook& book, const RecordLimits& limits,
                         Date today, Provenance provenance = Provenance::kNew);

}  // namespace xf::schema

// The JSON mapping of records for the local API (Boost.JSON). Field names
// are those of schema/records.h. Instants are ISO 8601 with an offset,
// dates "YYYY-MM-DD".
#pragma once

#include <string>
#include <string_view>

#include "codes/result.h"
#include "schema/records.h"
#include "schema/violation.h"

namespace xf::schema {

// Fails (kInvalidArgument, with the parser's position) only when the text is
// not JSON or not an object, or exceeds `max_bytes`/nesting 32. A field of
// the wrong type or format, or an unknown field, is an R3 violation with its
// path; the field keeps its default. Missing required fields are left for
// validation.
Result<CaseRegistration> CaseFromJson(std::string_view json, Violations& violations);
std::string CaseToJson(const CaseRegistration& c);

// A workflow event as posted to /v1/cases/{id}/events:
// {"kind":"acceptance","occurred_at":"…","actor":"…", <the body's fields>}.
// origin, seq, case_id and recorded_at are filled by the node.
Result<Event> EventFromJson(std::string_view json, Violations& violations);
// The full event: {"id","origin","seq","case_id","kind","occurred_at",
// "recorded_at","actor","body":{…}}.
std::string EventToJson(const Event& e);

// {"violations":[{rule, field, message, record}]}: `message` in Chinese
// (kChinese), in English (kEnglish), or Chinese with "message_en" beside it
// (kBoth, for an answer the local API localises later: node/lang.h).
enum class Words { kChinese, kEnglish, kBoth };
std::string ViolationsToJson(const Violations& v, Words words = Words::kChinese);

}  // namespace xf::schema

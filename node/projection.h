// The current state of a case: a fold over its events, in the order they
// happened. Records are never edited in place; a correction event
// supersedes fields of the registration in the projection only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "codes/result.h"
#include "schema/clocks.h"
#include "schema/records.h"

namespace xf::node {

struct CaseState {
  std::string case_id;
  schema::CaseRegistration body;  // the registration with corrections applied
  // registered, accepted, not_accepted, not_reaccepted, forwarded, assigned,
  // handled, review_requested, reviewed, rereview_requested, rereviewed, closed
  std::string status = "registered";
  std::string handler;                 // target of the last transfer
  std::optional<Date> due_date;        // 限办截止 (from registration or the last transfer)
  std::optional<Instant> accepted_at;  // acceptance decision
  std::optional<Instant> closed_at;
  std::string satisfaction;            // last evaluation value
  std::size_t event_count = 0;
  Instant updated_at;
  std::vector<std::string> problems;   // corrections that could not be applied, and why
  // The dates the legal clocks run on (schema/clocks.h); the store keeps
  // them in columns of `cases`, the due dates are computed when asked for.
  schema::CaseFacts facts;
};

// REQUIRES: events belong to one case, registration first when present.
// The status follows the events in the order given (the store's: by time).
CaseState Project(const std::vector<schema::Event>& events);

// {"case_id","status","handler","due_date","accepted_at","closed_at",
//  "satisfaction","event_count","updated_at","problems":[…],"case":{…}};
// without "case" when !with_body (what the store keeps per case: the body
// is in the events already).
std::string CaseStateToJson(const CaseState& s, bool with_body = true);

// Sets `path` ("summary", "petitioners[0].phone") in the registration to
// `value`; fails with the reason when the path or value does not fit.
Status ApplyCorrection(schema::CaseRegistration& body, const std::string& path,
                       const std::string& value);

}  // namespace xf::node

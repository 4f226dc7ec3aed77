// A rule violation found in a record: which exchange rule (R1–R7), which
// field (a path such as "petitioners[0].id_number"), what is wrong, and which
// record (case id or event id, when known).
#pragma once

#include <string>
#include <vector>

namespace xf::schema {

struct Violation {
  std::string rule;     // "R1" … "R7"
  std::string field;    // path into the record; empty for the whole record
  std::string message;  // for people, names the offending value where useful
  std::string record;   // case id or event id, when known
};

using Violations = std::vector<Violation>;

}  // namespace xf::schema

// Generated records for the benchmarks (xfctl bench …): valid ID numbers,
// cases and the registration events of county 110105, the same in every
// bench that builds them.
#pragma once

#include <string>
#include <string_view>

#include "codes/date.h"
#include "schema/records.h"

namespace xf::tools::bench {

inline constexpr const char* kCounty = "110105";

// A valid GB 11643 ID number: `division`, `birth`, sequence seq % 1000 and
// the check digit.
std::string IdNumber(std::string_view division, Date birth, long seq);

// Case i of the county: valid (R1–R3), each petitioner different.
schema::CaseRegistration SampleCase(long i, Date received);

// The registration of case `c` as the county stores it: case id
// 110105-<year of at>-<i+1>, sequence i+1, registered, occurred and recorded `at`.
schema::Event CountyRegistration(schema::CaseRegistration c, long i, Instant at);

}  // namespace xf::tools::bench

// A rule violation found in a record: which exchange rule (R1–R7), which
// field (a path such as "petitioners[0].id_number"), what is wrong, and which
// record (case id or event id, when known).
//
// The words are in both languages: `message` in Chinese (zh-CN, shown by
// default), `message_en` in English (shown with --lang en / Accept-Language:
// en). The rule id, the field and quoted values are the same in both, so a
// program reads them, never the words. A producer that gives only `message`
// leaves `message_en` empty: Message() then falls back to `message`.
#pragma once

#include <string>
#include <vector>

namespace xf::schema {

struct Violation {
  std::string rule;        // "R1" … "R7"
  std::string field;       // path into the record; empty for the whole record
  std::string message;     // for people, in Chinese; names the offending value where useful
  std::string record;      // case id or event id, when known
  std::string message_en;  // the same in English; empty when only `message` was given
};

using Violations = std::vector<Violation>;

// The words of v in English (en) or Chinese.
inline const std::string& Message(const Violation& v, bool en) {
  return en && !v.message_en.empty() ? v.message_en : v.message;
}

}  // namespace xf::schema

// Event-level pieces of the XML mapping, for streaming readers of larger
// documents (a batch is a header and a run of <event> elements): parse one
// <event> where an XmlPull stands, write one without the XML declaration.
#pragma once

#include <string>

#include "schema/detail/xml_reader.h"
#include "schema/records.h"
#include "schema/violation.h"

namespace xf::schema::detail {

// REQUIRES: p.Next() just returned kStart for an element named "event" in
// kXmlNamespace. Reads through its end tag. Field problems are appended to
// `violations` (R3, `record` set to the event id when known); on a fatal
// problem p.Failed() is true and the result must be dropped. The result
// always satisfies BodyMatchesKind.
Event ReadEvent(XmlPull& p, Violations& violations);

// Appends the canonical <event …>…</event> (with its xmlns).
void WriteEvent(std::string& out, const Event& e);

}  // namespace xf::schema::detail

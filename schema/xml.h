// The XML mapping of records (namespace "urn:xfnode:exchange:1"), as
// schema/xfnode.xsd defines it.
//
// Writing is canonical: the same record always gives the same bytes (fixed
// element order, UTC instants, no insignificant white space), so an event's
// XML can be stored, signed and compared byte for byte at every level.
//
// Parsing is bounded and safe on hostile input: no DTD, no entity expansion,
// no network access, a maximum input size, depth and field length. It
// checks structure and formats it needs to build the struct (dates,
// numbers, known kinds); errors are R3 violations with a field path.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "codes/result.h"
#include "schema/records.h"
#include "schema/violation.h"

namespace xf::schema {

inline constexpr std::string_view kXmlNamespace = "urn:xfnode:exchange:1";

struct XmlLimits {
  std::size_t max_bytes = 16 * 1024 * 1024;  // whole document
  std::size_t max_depth = 16;
  std::size_t max_text = 64 * 1024;          // any one text node
  // Attributes of any one element (<event> has 8). Counted in the bytes
  // before libxml2 parses the tag, whose duplicate check is quadratic: an
  // element with 100,000 attributes is refused at once, not after seconds.
  std::size_t max_attributes = 32;
};

// <case xmlns="urn:xfnode:exchange:1">…</case>: a registration on its own,
// as posted to the local API and as the examples' XML form.
std::string CaseToXml(const CaseRegistration& c);
// Fails (kInvalidArgument) when the text is not well-formed XML or has the
// wrong root; field-level problems go to `violations` (rule R3) and the
// field keeps its default.
Result<CaseRegistration> CaseFromXml(std::string_view xml, Violations& violations,
                                     const XmlLimits& limits = {});

// <event xmlns=… id= origin= seq= case= kind= occurred= recorded= actor=>body</event>
std::string EventToXml(const Event& e);
Result<Event> EventFromXml(std::string_view xml, Violations& violations,
                           const XmlLimits& limits = {});

// Path of the XSD in a data dir (schema/xfnode.xsd in the source tree).
std::string_view XsdFileName();

}  // namespace xf::schema

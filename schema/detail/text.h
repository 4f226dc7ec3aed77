// Small text helpers for the XML and JSON mappings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xf::schema::detail {

// Appends `s` to `out` as XML character data (attr=false) or as an attribute
// value in double quotes' content (attr=true). Escapes & < > (and " in
// attributes); writes CR, and in attributes TAB and LF, as character
// references so that a parser gives them back unchanged. Invalid UTF-8 and
// characters XML 1.0 cannot carry (most C0 controls, U+FFFE, U+FFFF) become
// U+FFFD: the writer must always produce well-formed XML.
void AppendXmlEscaped(std::string& out, std::string_view s, bool attr);
// <name>escaped value</name>
void AppendXmlElement(std::string& out, std::string_view name, std::string_view value);

// `s` with every invalid UTF-8 sequence replaced by U+FFFD (JSON output).
std::string ValidUtf8(std::string_view s);

// `s` without leading and trailing XML white space (space, TAB, LF, CR), as
// XSD's whiteSpace="collapse" reads dates, numbers and booleans.
std::string_view TrimXmlSpace(std::string_view s);
bool IsXmlSpace(std::string_view s);

// Strict decimal numbers: digits only (an optional '-' for ParseInt), no
// white space, no '+', within range.
std::optional<std::uint64_t> ParseUint64(std::string_view s);
std::optional<int> ParseInt(std::string_view s);

// A short, printable quote of untrusted text for messages (at most `max`
// bytes, cut on a UTF-8 boundary).
std::string Quote(std::string_view s, std::size_t max = 40);

}  // namespace xf::schema::detail

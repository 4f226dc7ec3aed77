// The code table file format: a bounded, strict parser of one table's text.
//
// The format is written up in codes/README.md. In short: UTF-8 (an initial
// BOM is skipped), '\n' or "\r\n" line ends; '#' header lines
// ("# key: value"; table, title, standard, version and official are required,
// source, parent_table, periods, precision and through optional, other keys
// ignored, other '#' lines are comments); then the column header
// "code,label,parent,valid_from,valid_to,note", optionally followed by the
// extension columns "end" and "successors" (each at most once, any order);
// then one row per code (per period with "# periods: yes"), fields quoted per
// RFC 4180 where needed (a quoted field may not span lines). Empty valid_from
// means 1949-10-01; empty valid_to means in force.
//
// A yearly list is a file with "# list: <table>" and "# year: YYYY" (title and
// source optional), the column header "code,label", and one row per code.
//
// The parser checks each file on its own (syntax, field forms, dates, duplicate
// codes, the order of a code's periods). That parent codes exist is checked by
// CodeBook::Load, which sees every table. Errors read "<file>:<line>: <reason>".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "codes/codebook.h"
#include "codes/result.h"

namespace xf::codes {

// Bounds: a file above these is refused with Errc::kLimit.
inline constexpr std::size_t kMaxTableFileBytes = 64u << 20;
inline constexpr std::size_t kMaxTableRows = 1'000'000;
inline constexpr std::size_t kMaxLineBytes = 8192;
inline constexpr std::size_t kMaxCodeBytes = 32;
inline constexpr std::size_t kMaxLabelBytes = 512;
inline constexpr std::size_t kMaxNoteBytes = 2048;
inline constexpr std::size_t kMaxHeaderValueBytes = 1024;
inline constexpr std::size_t kMaxSuccessors = 64;

struct ParsedTable {
  TableInfo info;                    // info.file is left empty
  std::vector<CodeEntry> entries;    // in file order; codes unique unless info.periods
  std::vector<std::uint32_t> lines;  // the line of each entry, for later errors
  // A yearly list (codes/README.md): the table it amends and its year; then
  // info.title and info.source are the list's, entries hold code and label.
  std::string list_of;  // empty for a table
  int list_year = 0;
};

// Parses one table file's text. file_name is used in error messages only.
// Errors: kCorruption for malformed text, kLimit for a bound exceeded.
Result<ParsedTable> ParseTableCsv(std::string_view text, std::string_view file_name);

// True for a table id: [a-z][a-z0-9_]*, at most 64 bytes.
bool IsValidTableId(std::string_view id);
// True for a code: 1..kMaxCodeBytes of [0-9A-Za-z._-].
bool IsValidCode(std::string_view code);
// True if text is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool IsValidUtf8(std::string_view text);

}  // namespace xf::codes

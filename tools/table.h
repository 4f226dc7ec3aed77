// Text tables for a terminal: columns that line up with Chinese text in them
// (node::conformance::DisplayWidth: CJK two columns wide), a cell cut with
// "…" at its column's maximum width. Used by xfctl case list|show and status.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace xf::tools {

class TextTable {
 public:
  struct Column {
    std::string title;
    bool right = false;       // numbers: aligned right
    std::size_t max = 40;     // display columns; longer cells are cut with "…"
  };
  explicit TextTable(std::vector<Column> columns) : m_columns(std::move(columns)) {}
  void Add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  bool Empty() const { return m_rows.empty(); }
  // The table, each line indented by `indent` spaces, a title row first.
  std::string Render(std::size_t indent = 2) const;

 private:
  std::vector<Column> m_columns;
  std::vector<std::vector<std::string>> m_rows;
};

// `s` cut to at most `width` display columns, with "…" when cut.
std::string CutToWidth(std::string_view s, std::size_t width);
// `s` padded with spaces to `width` display columns (at least one space after).
std::string PadToWidth(std::string_view s, std::size_t width);

}  // namespace xf::tools

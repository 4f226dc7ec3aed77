#include "tools/table.h"

#include <algorithm>

#include "node/conformance.h"  // DisplayWidth

namespace xf::tools {

using node::conformance::DisplayWidth;

std::string CutToWidth(std::string_view s, std::size_t width) {
  if (DisplayWidth(s) <= width) return std::string(s);
  std::string out;
  std::size_t used = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    len = std::min(len, s.size() - i);
    const std::size_t w = DisplayWidth(s.substr(i, len));
    if (used + w + 1 > width) break;  // room for "…"
    out.append(s.substr(i, len));
    used += w;
    i += len;
  }
  return out + "…";
}

std::string PadToWidth(std::string_view s, std::size_t width) {
  const std::size_t w = DisplayWidth(s);
  return std::string(s) + std::string(w < width ? width - w : 0, ' ');
}

std::string TextTable::Render(std::size_t indent) const {
  std::vector<std::vector<std::string>> cells;
  cells.reserve(m_rows.size() + 1);
  std::vector<std::string> head;
  for (const auto& c : m_columns) head.push_back(c.title);
  cells.push_back(std::move(head));
  for (const auto& row : m_rows) {
    std::vector<std::string> r;
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
      r.push_back(CutToWidth(i < row.size() ? row[i] : std::string(), m_columns[i].max));
    }
    cells.push_back(std::move(r));
  }
  std::vector<std::size_t> width(m_columns.size(), 0);
  for (const auto& r : cells) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], DisplayWidth(r[i]));
  }
  std::string out;
  for (const auto& r : cells) {
    std::string line(indent, ' ');
    for (std::size_t i = 0; i < r.size(); ++i) {
      const std::size_t pad = width[i] - std::min(width[i], DisplayWidth(r[i]));
      if (i > 0) line += "  ";
      if (m_columns[i].right) line.append(pad, ' ');
      line += r[i];
      if (!m_columns[i].right && i + 1 < r.size()) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

}  // namespace xf::tools

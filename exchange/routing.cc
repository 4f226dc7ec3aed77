#include "exchange/routing.h"

namespace xf::exchange {

bool InSubtree(std::string_view ancestor, std::string_view node) {
  if (ancestor == node) return true;
  if (ancestor.size() != 6) return false;  // a department holds only itself
  if (ancestor == "100000") return true;   // the national bureau holds everything
  std::size_t prefix = 6;
  if (ancestor.substr(2) == "0000") prefix = 2;
  else if (ancestor.substr(4) == "00") prefix = 4;
  if (node.substr(0, prefix) != ancestor.substr(0, prefix)) return false;
  // A county holds its departments "PPCCNN.ORG" but no other county.
  return prefix < 6 || (node.size() > 6 && node[6] == '.');
}

std::optional<std::string> NextHopDown(const std::vector<std::string>& children,
                                       std::string_view destination) {
  for (const auto& c : children) {
    if (InSubtree(c, destination)) return c;
  }
  return std::nullopt;
}

}  // namespace xf::exchange

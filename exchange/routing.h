// Where things may come from and must go: the jurisdiction tree by node id.
//
// A node's subtree, by its division code: the national bureau (100000) holds
// everything; a province "PP0000" every id beginning "PP"; a city "PPCC00"
// every id beginning "PPCC"; a county "PPCCNN" itself and its departments
// "PPCCNN.ORG"; a department only itself.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xf::exchange {

bool InSubtree(std::string_view ancestor, std::string_view node);

// The child (from `children`) whose subtree holds `destination`, if any.
std::optional<std::string> NextHopDown(const std::vector<std::string>& children,
                                       std::string_view destination);

}  // namespace xf::exchange

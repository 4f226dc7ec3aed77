// Reading the node's JSON answers field by field, for the commands that
// print them (case, status): a missing or null field is a default, never
// an exception — a newer or older node may answer with fewer fields.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <string>

namespace xf::tools {

// The field as text: a string as is, any other value serialized; `absent`
// when it is missing or null.
std::string Str(const boost::json::object& o, const char* key, const char* absent = "");
// An integer value (int64 or uint64); 0 for anything else or null.
std::int64_t Int(const boost::json::value* v);
std::int64_t Int(const boost::json::object& o, const char* key);
// The field's array; an empty one when it is missing or not an array.
const boost::json::array& Array(const boost::json::object& o, const char* key);

}  // namespace xf::tools

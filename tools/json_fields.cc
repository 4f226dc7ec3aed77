#include "tools/json_fields.h"

#include <boost/json.hpp>

namespace xf::tools {

std::string Str(const boost::json::object& o, const char* key, const char* absent) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return absent;
  if (v->is_string()) return std::string(v->as_string());
  return boost::json::serialize(*v);
}

std::int64_t Int(const boost::json::value* v) {
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

std::int64_t Int(const boost::json::object& o, const char* key) { return Int(o.if_contains(key)); }

const boost::json::array& Array(const boost::json::object& o, const char* key) {
  static const boost::json::array kNone;
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : kNone;
}

}  // namespace xf::tools
